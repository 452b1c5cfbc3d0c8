//! Compiler errors as `go build`, `go vet` and `go test`'s build output print them:
//! `# pkg` headers, then `path:line[:col]: message` lines, with tab-indented continuations.

use super::locate::{Place, resolve};
use regex::Regex;
use std::path::Path;
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub place: Place,
    /// Whether the tool gave a column (`go test`'s build output sometimes leaves it out).
    pub has_column: bool,
    pub message: String,
    /// The `# pkg` header the error came under.
    pub package: Option<String>,
    /// Continuation lines (`have (int)` / `want ()`).
    pub notes: Vec<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CompileOutput {
    pub errors: Vec<CompileError>,
    /// Lines that are neither errors nor headers: `go: …` messages, "too many errors".
    pub other: Vec<String>,
}

static ERROR_LINE: LazyLock<Regex> = LazyLock::new(|| {
    // Lazy path so `C:\x\a.go:3:4: m` splits at the first `:digits` group, not at `C:`.
    Regex::new(r"^(?P<path>.*?[^\s:]):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<message>.+)$").expect("valid regex")
});

/// Parse compiler output; relative paths are relative to `dir`, where the tool ran.
pub fn parse(text: &str, dir: &Path) -> CompileOutput {
    let mut output = CompileOutput::default();
    let mut package: Option<String> = None;
    let mut last_was_error = false;
    for raw in text.lines() {
        if raw.trim().is_empty() {
            last_was_error = false;
            continue;
        }
        if let Some(header) = raw.strip_prefix("# ") {
            package = Some(header.trim().to_string());
            last_was_error = false;
            continue;
        }
        if raw.starts_with('\t') && last_was_error {
            if let Some(error) = output.errors.last_mut() {
                error.notes.push(raw.trim().to_string());
            }
            continue;
        }
        let line = raw.strip_prefix("vet: ").unwrap_or(raw);
        if let Some(error) = parse_error_line(line, dir, package.as_deref()) {
            output.errors.push(error);
            last_was_error = true;
        } else {
            output.other.push(raw.trim_end().to_string());
            last_was_error = false;
        }
    }
    output
}

fn parse_error_line(line: &str, dir: &Path, package: Option<&str>) -> Option<CompileError> {
    let captures = ERROR_LINE.captures(line)?;
    let path = &captures["path"];
    // `https://host:443: …` in a download error is not a file position.
    if path.contains("://") {
        return None;
    }
    let line_number: usize = captures["line"].parse().ok()?;
    let column = captures.name("col").and_then(|col| col.as_str().parse::<usize>().ok());
    Some(CompileError {
        place: Place::new(resolve(dir, path), line_number, column.unwrap_or(1)),
        has_column: column.is_some(),
        message: captures["message"].trim().to_string(),
        package: package.map(str::to_string),
        notes: Vec::new(),
    })
}

impl CompileError {
    /// The message with its continuation lines, as one text.
    pub fn full_message(&self) -> String {
        if self.notes.is_empty() {
            self.message.clone()
        } else {
            format!("{} ({})", self.message, self.notes.join("; "))
        }
    }

    /// Whether two reports are the same error (one may lack the column).
    pub fn same_as(&self, file: &Path, line: usize, column: Option<usize>, message: &str) -> bool {
        self.place.file == file
            && self.place.line == line
            && (column.is_none() || !self.has_column || column == Some(self.place.column))
            && self.message == message
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn go_build_output() {
        let text = "# example.com/m/a\na/a.go:5:33: invalid operation: a + \"x\" (mismatched types int and untyped string)\n\
                    ./b.go:7:2: cannot use x (variable of type int) as string value in return statement\n\
                    \thave (int)\n\twant (string)\n\
                    a/a.go:9: undefined: y\n\
                    too many errors\n";
        let output = parse(text, Path::new("/m"));
        assert_eq!(output.errors.len(), 3);
        let first = &output.errors[0];
        assert_eq!(first.place, Place::new(PathBuf::from("/m/a/a.go"), 5, 33));
        assert_eq!(first.package.as_deref(), Some("example.com/m/a"));
        assert_eq!(output.errors[1].place.file, PathBuf::from("/m/b.go"));
        assert_eq!(output.errors[1].notes, vec!["have (int)", "want (string)"]);
        assert!(!output.errors[2].has_column);
        assert_eq!(output.other, vec!["too many errors"]);
    }

    #[test]
    fn vet_type_errors_and_go_messages() {
        let text = "# example.com/m/c\n# [example.com/m/c]\nvet: c/c_test.go:5:28: undefined: undefinedThing\n\
                    go: updates to go.mod needed; to update it:\n\tgo mod tidy\n";
        let output = parse(text, Path::new("/m"));
        assert_eq!(output.errors.len(), 1);
        assert_eq!(output.errors[0].message, "undefined: undefinedThing");
        assert_eq!(output.other, vec!["go: updates to go.mod needed; to update it:", "\tgo mod tidy"]);
    }

    #[test]
    fn windows_drive_letters() {
        let output = parse(r"C:\src\m\a.go:3:4: undefined: x", Path::new("/m"));
        assert_eq!(output.errors[0].place.line, 3);
        assert_eq!(output.errors[0].place.column, 4);
    }
}
