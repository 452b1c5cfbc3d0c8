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
    /// `None` when the text does not parse at all.
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
///
/// Only the declaration's lines are parsed when that is enough: from its `func` line up to the
/// next function the pre-pass saw in the file. On prometheus these parses of whole sibling files
/// were 4% of a check. The tree keeps the file's positions; a part that does not parse cleanly
/// (it started inside a comment, say) gives way to the whole file.
pub fn declaring_file(package: &Package, func: &Func, current: &Path) -> Option<PackageFile> {
    let path = package.file(func.file_index())?;
    if same_file(path, current) {
        return None;
    }
    let text = String::from_utf8(read_recorded(path)?).ok()?;
    let next_line = package
        .funcs
        .iter()
        .filter(|other| other.file_index() == func.file_index() && other.line() > func.line())
        .map(Func::line)
        .min();
    if let Some(tree) = parse_lines(&text, func.line(), next_line) {
        let part = PackageFile { path: path.to_path_buf(), text, tree };
        if !part.root().has_error() && part.declaration_at(func.line(), func.name()).is_some() {
            return Some(part);
        }
        return whole_file_declaring(part.path, part.text, func);
    }
    whole_file_declaring(path.to_path_buf(), text, func)
}

fn whole_file_declaring(path: PathBuf, text: String, func: &Func) -> Option<PackageFile> {
    let file = PackageFile::parse(path, text)?;
    file.declaration_at(func.line(), func.name())?;
    Some(file)
}

/// `text` parsed from the start of 1-based line `first` to the start of line `end` (or to the
/// end), with the positions it has in the whole text.
fn parse_lines(text: &str, first: u32, end: Option<u32>) -> Option<Tree> {
    let (first, end) = (usize::try_from(first).ok()?.checked_sub(1)?, end.and_then(|end| usize::try_from(end).ok()));
    let line_start = |line: usize| -> Option<usize> {
        if line == 0 {
            return Some(0);
        }
        text.match_indices('\n').nth(line - 1).map(|(at, _)| at + 1)
    };
    let start_byte = line_start(first)?;
    let (end_byte, end_point) = match end.and_then(|end| Some((line_start(end.checked_sub(1)?)?, end - 1))) {
        Some((byte, row)) if byte > start_byte => (byte, tree_sitter::Point { row, column: 0 }),
        _ => {
            let row = first + text[start_byte..].matches('\n').count();
            let column = text.len() - text.rfind('\n').map_or(0, |at| at + 1);
            (text.len(), tree_sitter::Point { row, column })
        }
    };
    let range = tree_sitter::Range {
        start_byte,
        end_byte,
        start_point: tree_sitter::Point { row: first, column: 0 },
        end_point,
    };
    let mut parser = crate::parse::new_parser();
    parser.set_included_ranges(&[range]).ok()?;
    parser.parse(text.as_bytes(), None)
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

    /// Parsing only a declaration's lines (up to the next function's line) gives the subtree a
    /// parse of the whole file gives, at the same positions: every function of every fixture.
    #[test]
    fn a_declaration_parsed_alone_is_the_one_in_the_whole_file() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut compared = 0;
        for rule in std::fs::read_dir(&root).expect("rules").flatten() {
            for fixture in ["bad.go", "good.go"] {
                let Ok(text) = std::fs::read_to_string(rule.path().join("fixtures").join(fixture)) else { continue };
                let whole = PackageFile::parse(PathBuf::from(fixture), text.clone()).expect("parses");
                let functions: Vec<Node<'_>> = crate::syntax::named_children(whole.root())
                    .into_iter()
                    .filter(|node| matches!(node.kind_name(), "function_declaration" | "method_declaration"))
                    .collect();
                let lines: Vec<u32> = functions.iter().map(|node| node.start_position().row as u32 + 1).collect();
                for (index, function) in functions.iter().enumerate() {
                    let next = lines.get(index + 1).copied();
                    let tree = parse_lines(&text, lines[index], next).expect("parses");
                    let part = PackageFile { path: PathBuf::from(fixture), text: text.clone(), tree };
                    let name = crate::syntax::text(function.field_child("name").expect("name"), &text);
                    let alone = part.declaration_at(lines[index], name).expect("found alone");
                    assert_eq!(alone.byte_range(), function.byte_range(), "{fixture} of {:?}", rule.path());
                    assert_eq!(alone.start_position(), function.start_position());
                    assert_eq!(alone.to_sexp(), function.to_sexp(), "{fixture} of {:?}, {name}", rule.path());
                    compared += 1;
                }
            }
        }
        assert!(compared > 100, "only {compared} functions compared");
    }

    /// A part that starts inside a comment does not parse cleanly: the whole file is used.
    #[test]
    fn a_part_starting_inside_a_comment_has_errors() {
        let text = "package p\n\n/* a comment\n*/ func a() {}\n\nfunc b() {}\n";
        let tree = parse_lines(text, 4, Some(6)).expect("parses");
        assert!(tree.root_node().has_error());
        let whole = PackageFile::parse(PathBuf::from("p.go"), text.to_string()).expect("parses");
        assert!(whole.declaration_at(4, "a").is_some());
    }
}
