//! Runs the grammar's tests in tree-sitter's corpus format (`test/corpus/*.txt`, as
//! `tree-sitter test` reads them): each case is a header between `===` lines, Go source, a `---`
//! line, and the expected syntax tree as an S-expression. Field names are compared too.

use std::fs;
use std::path::Path;

struct Case {
    file: String,
    name: String,
    source: String,
    expected: String,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test/corpus");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("readable corpus entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    let mut cases = Vec::new();
    for path in paths {
        let text = fs::read_to_string(&path).expect("readable corpus file");
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        cases.extend(parse_corpus(&file, &text));
    }
    cases
}

fn is_rule(line: &str, ch: char) -> bool {
    line.len() >= 3 && line.chars().all(|c| c == ch)
}

/// Splits a corpus file into cases: `===` / name / `===`, source, `---`, expected tree.
fn parse_corpus(file: &str, text: &str) -> Vec<Case> {
    let lines: Vec<&str> = text.lines().collect();
    let mut cases = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !is_rule(lines[i], '=') {
            i += 1;
            continue;
        }
        let name = lines[i + 1].trim().to_string();
        assert!(is_rule(lines[i + 2], '='), "{file}: case `{name}` has no closing === line");
        let body_start = i + 3;
        let divider = (body_start..lines.len())
            .find(|&k| is_rule(lines[k], '-'))
            .unwrap_or_else(|| panic!("{file}: case `{name}` has no --- line"));
        let end = (divider..lines.len()).find(|&k| is_rule(lines[k], '=')).unwrap_or(lines.len());
        cases.push(Case {
            file: file.to_string(),
            name,
            source: lines[body_start..divider].join("\n").trim().to_string() + "\n",
            expected: lines[divider + 1..end].join("\n"),
        });
        i = end;
    }
    cases
}

/// One space between tokens and none inside parentheses, so layout does not matter.
fn normalize(sexp: &str) -> String {
    let spaced = sexp.replace('(', " ( ").replace(')', " ) ");
    spaced.split_whitespace().collect::<Vec<_>>().join(" ").replace("( ", "(").replace(" )", ")")
}

/// The S-expression indented one node per line, for pasting into a corpus file.
fn pretty(sexp: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut after_field = false;
    for token in sexp.replace('(', " (").replace(')', " ) ").split_whitespace() {
        if token.starts_with('(') {
            if after_field {
                out.push(' ');
            } else if !out.is_empty() {
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            }
            out.push_str(token);
            depth += 1;
            after_field = false;
        } else if token == ")" {
            out.push(')');
            depth = depth.saturating_sub(1);
        } else if token.ends_with(':') {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
            out.push_str(token);
            after_field = true;
        } else {
            out.push(' ');
            out.push_str(token);
        }
    }
    out
}

#[test]
fn corpus() {
    let cases = cases();
    assert!(!cases.is_empty(), "no corpus cases found under test/corpus");
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&golint_guard_grammar::LANGUAGE.into()).expect("the grammar loads");
    let mut failures = Vec::new();
    for case in &cases {
        let tree = parser.parse(&case.source, None).expect("tree-sitter returns a tree");
        let actual = tree.root_node().to_sexp();
        if normalize(&actual) != normalize(&case.expected) {
            failures.push(format!(
                "{} / {}:\nexpected:\n{}\nactual:\n{}\n",
                case.file,
                case.name,
                case.expected.trim(),
                pretty(&actual)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases differ:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_format_reader_sees_every_case() {
    let text = "===\none\n===\npackage p\n---\n(source_file)\n\n===\ntwo\n===\npackage q\n---\n(source_file)\n";
    let cases = parse_corpus("inline", text);
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[1].name, "two");
    assert_eq!(cases[1].source, "package q\n");
    assert_eq!(normalize(" (a\n  b: (c) )"), "(a b: (c))");
}
