//! `gofmt -l` over the Go files of the gated tree, with Go's own skip rules (`vendor/`,
//! `testdata/`, `_` and `.` directories), which plain `gofmt -l .` does not follow.

use crate::discover::is_skipped_dir_name;
use std::path::{Path, PathBuf};

/// Files per `gofmt` invocation, well under any platform's argument-length limit.
pub const CHUNK: usize = 400;

/// The `.go` files under `root` that `go build ./...` would consider, sorted.
pub fn go_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                if !is_skipped_dir_name(name) {
                    pending.push(entry.path());
                }
            } else if kind.is_file() && name.ends_with(".go") && !name.starts_with(['_', '.']) {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

/// The file paths `gofmt -l` printed (one per line).
pub fn parse_listing(stdout: &str) -> Vec<String> {
    stdout.lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_what_go_skips() {
        let dir = tempfile::tempdir().unwrap();
        for path in ["a.go", "b/b.go", "vendor/v.go", "testdata/t.go", "_x/x.go", ".y/y.go", "c/_c.go", "c/c.txt"] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "package p\n").unwrap();
        }
        let files: Vec<String> = go_files(dir.path())
            .iter()
            .map(|path| path.strip_prefix(dir.path()).unwrap().to_string_lossy().replace('\\', "/"))
            .collect();
        assert_eq!(files, vec!["a.go", "b/b.go"]);
        assert_eq!(parse_listing("a.go\n\nb/b.go\n"), vec!["a.go", "b/b.go"]);
    }
}
