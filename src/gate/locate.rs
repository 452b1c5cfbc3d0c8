//! Turning tool output into findings: display paths, UTF-16 columns, and where a test,
//! benchmark or package lives in the source.

use crate::diagnostic::{Finding, Position, Severity};
use std::path::{Path, PathBuf};

/// A place in a file as a tool reported it: 1-based line, 1-based column in UTF-8 bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    /// A path the file can be read at (absolute, or relative to the current directory).
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl Place {
    pub fn new(file: impl Into<PathBuf>, line: usize, column: usize) -> Place {
        Place { file: file.into(), line: line.max(1), column: column.max(1) }
    }
}

/// A gate finding at `place`. The UTF-16 column comes from the file's line when it can be read.
pub fn finding(rule: &str, severity: Severity, place: &Place, message: String) -> Finding {
    let position = Position { line: place.line, column: place.column, utf16_column: utf16_column(place) };
    Finding {
        rule: rule.to_string(),
        severity,
        path: crate::lint::display_path(&place.file),
        span: None,
        start: position,
        end: position,
        labels: Vec::new(),
        message,
        help: None,
        fix: None,
        detail: None,
    }
}

/// The column of the first non-blank byte of a line (race frames give only the line).
pub fn indent_column(file: &Path, line: usize) -> usize {
    let Ok(text) = std::fs::read(file) else { return 1 };
    let Some(text) = text.split(|&byte| byte == b'\n').nth(line.saturating_sub(1)) else { return 1 };
    text.iter().position(|byte| !byte.is_ascii_whitespace()).map_or(1, |index| index + 1)
}

fn utf16_column(place: &Place) -> usize {
    let Ok(text) = std::fs::read(&place.file) else { return place.column };
    let Some(line) = text.split(|&byte| byte == b'\n').nth(place.line - 1) else { return place.column };
    let prefix = &line[..(place.column - 1).min(line.len())];
    let units: usize = String::from_utf8_lossy(prefix).encode_utf16().count();
    // Columns past the end of the line (tools point just after it) keep their distance.
    units + 1 + (place.column - 1).saturating_sub(line.len())
}

/// Resolve a path from tool output: relative paths are relative to the directory it ran in.
pub fn resolve(dir: &Path, reported: &str) -> PathBuf {
    let path = Path::new(reported);
    if path.is_absolute() { clean(path) } else { clean(&dir.join(path)) }
}

/// Drop `.` and resolve `..` without touching the file system.
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A Go module being gated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDir {
    /// Absolute, not canonicalized (paths in findings stay the way the user sees them).
    pub root: PathBuf,
    /// `root` with symlinks resolved, to recognise paths the Go runtime prints.
    pub canonical: PathBuf,
    /// The `module` path from go.mod.
    pub path: String,
}

impl ModuleDir {
    /// The directory of package `import_path`, when it belongs to this module.
    pub fn package_dir(&self, import_path: &str) -> Option<PathBuf> {
        let import_path = import_path.split(' ').next().unwrap_or(import_path);
        let import_path = import_path.strip_suffix("_test").unwrap_or(import_path);
        if import_path == self.path {
            return Some(self.root.clone());
        }
        let rest = import_path.strip_prefix(&self.path)?.strip_prefix('/')?;
        Some(self.root.join(rest))
    }

    /// Whether an absolute path printed by a Go tool is inside this module.
    pub fn contains(&self, path: &Path) -> bool {
        path.is_absolute() && (path.starts_with(&self.root) || path.starts_with(&self.canonical))
    }

    pub fn go_mod(&self) -> PathBuf {
        self.root.join("go.mod")
    }

    /// The place to report something about a package that has no better position: its first
    /// test file, else its first Go file, else go.mod.
    pub fn package_place(&self, import_path: &str) -> Place {
        let dir = self.package_dir(import_path).unwrap_or_else(|| self.root.clone());
        let files = go_files(&dir);
        files
            .iter()
            .find(|file| is_test_file(file))
            .or_else(|| files.first())
            .map(|file| Place::new(file.clone(), 1, 1))
            .unwrap_or_else(|| Place::new(self.go_mod(), 1, 1))
    }

    /// Where `func <name>(` is declared among the package's test files (then its other files).
    pub fn find_func(&self, import_path: &str, name: &str) -> Option<Place> {
        let dir = self.package_dir(import_path)?;
        let mut files = go_files(&dir);
        files.sort_by_key(|file| !is_test_file(file));
        files.iter().find_map(|file| find_func_in_file(file, name))
    }
}

fn is_test_file(path: &Path) -> bool {
    path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.ends_with("_test.go"))
}

/// The package's `.go` files, sorted (files Go ignores, starting with `_` or `.`, left out).
fn go_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.ends_with(".go") && !name.starts_with(['_', '.']) && path.is_file())
        })
        .collect();
    files.sort();
    files
}

/// The place of the name in `func Name(` or `func Name[` at the start of a line.
fn find_func_in_file(file: &Path, name: &str) -> Option<Place> {
    let text = std::fs::read_to_string(file).ok()?;
    for (index, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("func") else { continue };
        let trimmed = rest.trim_start_matches([' ', '\t']);
        if trimmed.len() == rest.len() {
            continue;
        }
        if let Some(after) = trimmed.strip_prefix(name)
            && after.trim_start().starts_with(['(', '['])
        {
            let column = line.len() - trimmed.len() + 1;
            return Some(Place::new(file.to_path_buf(), index + 1, column));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_count_code_units() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.go");
        std::fs::write(&file, "package a\nvar s = \"é😀\" + x\n").unwrap();
        // `x` is at byte column 20: 8 bytes of `var s = `, quote, é (2), 😀 (4), quote, ` + `.
        let place = Place::new(&file, 2, 20);
        let found = finding("gate/build", Severity::Error, &place, "m".into());
        assert_eq!(found.start.column, 20);
        assert_eq!(found.start.utf16_column, 17);
        let missing = Place::new(dir.path().join("gone.go"), 3, 7);
        assert_eq!(finding("gate/build", Severity::Error, &missing, "m".into()).start.utf16_column, 7);
    }

    #[test]
    fn functions_are_found_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.go"), "package a\n\nfunc TestX() {}\n").unwrap();
        std::fs::write(dir.path().join("a_test.go"), "package a\n\nfunc TestXY(t *T) {}\nfunc  TestX (t *T) {}\n")
            .unwrap();
        let module = ModuleDir { root: dir.path().into(), canonical: dir.path().into(), path: "example.com/a".into() };
        let place = module.find_func("example.com/a", "TestX").unwrap();
        assert_eq!((place.file.file_name().unwrap().to_str().unwrap(), place.line, place.column), ("a_test.go", 4, 7));
        assert_eq!(module.find_func("example.com/a", "TestZ"), None);
        assert_eq!(module.package_place("example.com/a").file, dir.path().join("a_test.go"));
        assert_eq!(module.package_dir("example.com/a/b [example.com/a/b.test]"), Some(dir.path().join("b")));
        assert_eq!(module.package_dir("example.org/other"), None);
    }
}
