//! The other files of the package being linted, read and parsed on demand.
//!
//! The module pre-pass ([`ProjectFacts`](crate::engine::facts::module::ProjectFacts)) knows every
//! file of a package and where each function is declared, but keeps no syntax trees so that
//! memory stays bounded. A rule that needs the body of a function declared in another file, or
//! to look for a call in the rest of the package, reads and parses that file here, only when it
//! gets that far: the common path costs nothing, and a text search comes first where it can.

use crate::engine::facts::module::{Func, Package};
use crate::syntax::{FieldChild as _, KindName as _};
use std::path::{Path, PathBuf};
use tree_sitter::{Node, Tree};

/// One file of the package, with its syntax tree.
pub struct PackageFile {
    pub path: PathBuf,
    pub text: String,
    pub tree: Tree,
}

impl PackageFile {
    /// `None` when the file cannot be read as UTF-8 (the main pass reports that) or does not
    /// parse at all.
    pub fn read(path: &Path) -> Option<PackageFile> {
        let text = String::from_utf8(read_recorded(path)?).ok()?;
        PackageFile::parse(path.to_path_buf(), text)
    }

    pub fn parse(path: PathBuf, text: String) -> Option<PackageFile> {
        let tree = crate::parse::new_parser().parse(text.as_bytes(), None)?;
        Some(PackageFile { path, text, tree })
    }

    pub fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }

    /// The `function_declaration` or `method_declaration` named `name` whose `func` keyword is
    /// on 1-based `line` (where the pre-pass saw it).
    pub fn declaration_at(&self, line: u32, name: &str) -> Option<Node<'_>> {
        let row = usize::try_from(line).ok()?.checked_sub(1)?;
        crate::syntax::named_children(self.root()).into_iter().find(|declaration| {
            matches!(declaration.kind_name(), "function_declaration" | "method_declaration")
                && declaration.start_position().row == row
                && declaration.field_child("name").is_some_and(|found| crate::syntax::text(found, &self.text) == name)
        })
    }
}

/// The declaration of `func` in its own file of `package`, read and parsed now. `None` when
/// the file is `current` (the caller has that tree already) or cannot be read.
pub fn declaring_file(package: &Package, func: &Func, current: &Path) -> Option<PackageFile> {
    let path = package.file(func.file_index())?;
    if same_file(path, current) {
        return None;
    }
    let file = PackageFile::read(path)?;
    file.declaration_at(func.line(), func.name())?;
    Some(file)
}

/// The package's files other than `current` whose text contains every one of `needles`,
/// read but not parsed: a cheap filter before a rule parses the few that can matter.
pub fn other_files_containing<'p>(
    package: &'p Package,
    current: &'p Path,
    needles: &'p [&'p str],
) -> impl Iterator<Item = (PathBuf, String)> + 'p {
    package.files().iter().filter(move |path| !same_file(path, current)).filter_map(move |path| {
        let text = String::from_utf8(read_recorded(path)?).ok()?;
        needles.iter().all(|needle| text.contains(needle)).then(|| (path.clone(), text))
    })
}

/// Read another file of the package; the result cache records what was read, as a lint that
/// reads it depends on it.
fn read_recorded(path: &Path) -> Option<Vec<u8>> {
    let bytes = crate::source::read_regular_file(path).ok();
    crate::cache::observe::file(path, bytes.as_deref());
    bytes
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || crate::engine::facts::module::normalize(a) == crate::engine::facts::module::normalize(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_declaration_on_its_line() {
        let source = "package p\n\nfunc a() {}\n\nfunc (s *S) b() {}\n";
        let file = PackageFile::parse(PathBuf::from("p.go"), source.to_string()).expect("parses");
        assert!(file.declaration_at(3, "a").is_some());
        assert!(file.declaration_at(5, "b").is_some());
        assert!(file.declaration_at(3, "b").is_none(), "the name must agree with the line");
        assert!(file.declaration_at(0, "a").is_none());
    }
}
