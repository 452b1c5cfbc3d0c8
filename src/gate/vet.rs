//! `go vet -json` output. Go 1.26 writes the JSON to stdout, older releases to stderr: one
//! object per package, `{"<pkg>": {"<analyzer>": [diagnostics] | {"error": "…"}}}`, each
//! preceded by a `# pkg` line. `go vet -json` exits 0 even with diagnostics, so the exit code
//! says nothing; type errors come as `vet: path:line:col: message` lines on stderr.

use super::compile::{self, CompileOutput};
use super::locate::{Place, resolve};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VetDiagnostic {
    pub package: String,
    pub analyzer: String,
    pub place: Place,
    pub message: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct VetOutput {
    pub diagnostics: Vec<VetDiagnostic>,
    /// `(package, analyzer, error)` when an analyzer could not run.
    pub analyzer_errors: Vec<(String, String, String)>,
    /// Type errors and other lines from stderr.
    pub compile: CompileOutput,
    /// JSON that did not parse, with the reason.
    pub malformed: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AnalyzerResult {
    Diagnostics(Vec<RawDiagnostic>),
    Error { error: String },
}

#[derive(Debug, Deserialize)]
struct RawDiagnostic {
    posn: String,
    message: String,
}

/// Parse what `go vet -json` wrote to stdout and stderr; relative paths are relative to `dir`.
pub fn parse(stdout: &str, stderr: &str, dir: &Path) -> VetOutput {
    let mut output = VetOutput::default();
    let mut rest = String::new();
    for text in [stdout, stderr] {
        let (json_blocks, other) = split_json_blocks(text);
        rest.push_str(&other);
        for block in json_blocks {
            match serde_json::from_str::<BTreeMap<String, BTreeMap<String, AnalyzerResult>>>(&block) {
                Ok(packages) => collect(packages, dir, &mut output),
                Err(err) => output.malformed.push(format!("{err}: {}", first_line(&block))),
            }
        }
    }
    output.compile = compile::parse(&rest, dir);
    output
}

fn collect(packages: BTreeMap<String, BTreeMap<String, AnalyzerResult>>, dir: &Path, output: &mut VetOutput) {
    for (package, analyzers) in packages {
        for (analyzer, result) in analyzers {
            match result {
                AnalyzerResult::Diagnostics(diagnostics) => {
                    for diagnostic in diagnostics {
                        let Some(place) = parse_position(&diagnostic.posn, dir) else {
                            output.malformed.push(format!("unreadable position `{}`", diagnostic.posn));
                            continue;
                        };
                        output.diagnostics.push(VetDiagnostic {
                            package: package.clone(),
                            analyzer: analyzer.clone(),
                            place,
                            message: diagnostic.message,
                        });
                    }
                }
                AnalyzerResult::Error { error } => output.analyzer_errors.push((package.clone(), analyzer, error)),
            }
        }
    }
}

/// `path:line:col` (the column may be missing).
fn parse_position(posn: &str, dir: &Path) -> Option<Place> {
    let mut parts = posn.rsplitn(3, ':');
    let last = parts.next()?;
    let middle = parts.next()?;
    match (parts.next(), middle.parse::<usize>(), last.parse::<usize>()) {
        (Some(path), Ok(line), Ok(column)) => Some(Place::new(resolve(dir, path), line, column)),
        (_, _, Ok(line)) => Some(Place::new(resolve(dir, middle_path(posn)?), line, 1)),
        _ => None,
    }
}

fn middle_path(posn: &str) -> Option<&str> {
    posn.rsplit_once(':').map(|(path, _)| path)
}

/// Split out the top-level JSON objects (a `{` line through the matching `}` line at column 0)
/// from everything else.
fn split_json_blocks(text: &str) -> (Vec<String>, String) {
    let mut blocks = Vec::new();
    let mut other = String::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            Some(block) => {
                block.push_str(line);
                block.push('\n');
                if line == "}" {
                    blocks.extend(current.take());
                }
            }
            None if line == "{" => current = Some("{\n".to_string()),
            None if line.starts_with('{') && line.ends_with('}') => blocks.push(line.to_string()),
            None => {
                other.push_str(line);
                other.push('\n');
            }
        }
    }
    blocks.extend(current);
    (blocks, other)
}

fn first_line(text: &str) -> &str {
    text.lines().find(|line| line.trim().len() > 1).unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const GO126_STDOUT: &str = r#"{
	"example.com/m/b": {
		"printf": [
			{
				"posn": "/tmp/gx/m/b/b.go:5:24",
				"end": "/tmp/gx/m/b/b.go:5:26",
				"message": "fmt.Printf format %d has arg \"s\" of wrong type string"
			}
		]
	}
}
{
	"example.com/m/d": {
		"copylocks": [
			{
				"posn": "d/d.go:9:7",
				"message": "assignment copies lock value"
			}
		],
		"shadow": {
			"error": "analysis skipped"
		}
	}
}
"#;

    const GO126_STDERR: &str = "# example.com/m/a\nvet: a/a.go:5:33: invalid operation: mismatched types\n\
                                # example.com/m/c\n# [example.com/m/c]\nvet: c/c_test.go:5:28: undefined: thing\n";

    #[test]
    fn diagnostics_errors_and_type_errors() {
        let output = parse(GO126_STDOUT, GO126_STDERR, Path::new("/tmp/gx/m"));
        assert!(output.malformed.is_empty(), "{:?}", output.malformed);
        assert_eq!(output.diagnostics.len(), 2);
        let printf = &output.diagnostics[0];
        assert_eq!((printf.analyzer.as_str(), printf.package.as_str()), ("printf", "example.com/m/b"));
        assert_eq!(printf.place, Place::new(PathBuf::from("/tmp/gx/m/b/b.go"), 5, 24));
        assert_eq!(output.diagnostics[1].place.file, PathBuf::from("/tmp/gx/m/d/d.go"));
        assert_eq!(
            output.analyzer_errors,
            vec![("example.com/m/d".into(), "shadow".into(), "analysis skipped".into())]
        );
        assert_eq!(output.compile.errors.len(), 2);
        assert_eq!(output.compile.errors[1].place.file, PathBuf::from("/tmp/gx/m/c/c_test.go"));
    }

    #[test]
    fn json_on_stderr_like_older_releases() {
        let stderr = format!("# example.com/m/b\n{GO126_STDOUT}");
        let output = parse("", &stderr, Path::new("/tmp/gx/m"));
        assert_eq!(output.diagnostics.len(), 2);
        assert!(output.compile.errors.is_empty() && output.compile.other.is_empty());
    }

    #[test]
    fn broken_json_is_reported_not_dropped() {
        let output = parse("{\n\t\"p\": [\n}\n", "", Path::new("/m"));
        assert_eq!(output.malformed.len(), 1);
    }

    #[test]
    fn positions_without_columns() {
        assert_eq!(parse_position("/a/b.go:7", Path::new("/")), Some(Place::new(PathBuf::from("/a/b.go"), 7, 1)));
        assert_eq!(parse_position("nowhere", Path::new("/")), None);
    }
}
