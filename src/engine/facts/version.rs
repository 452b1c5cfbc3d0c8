//! Go language versions, from `go.mod`/`go.work` `go` directives and `//go:build go1.N` lines.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
}

impl GoVersion {
    pub const fn new(major: u32, minor: u32) -> GoVersion {
        GoVersion { major, minor }
    }

    /// Parse `1.22`, `1.22.3`, `1.22rc1` or `go1.22`.
    pub fn parse(text: &str) -> Option<GoVersion> {
        let text = text.trim().strip_prefix("go").unwrap_or(text.trim());
        let mut parts = text.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor_text = parts.next().unwrap_or("0");
        let digits: String = minor_text.chars().take_while(char::is_ascii_digit).collect();
        let minor = digits.parse().ok()?;
        Some(GoVersion { major, minor })
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The `go` directive of a go.mod or go.work file.
pub fn go_directive(text: &str) -> Option<GoVersion> {
    text.lines().find_map(|line| {
        let line = line.split("//").next().unwrap_or("").trim();
        let rest = line.strip_prefix("go")?;
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        GoVersion::parse(rest)
    })
}

/// The minimum Go version a file's build constraint implies, as `go/build/constraint`'s
/// `GoVersion` computes it: `go1.22 && go1.18` needs 1.22, `(linux && go1.22) || go1.20` needs
/// 1.20, and `linux || go1.22` or `!go1.22` imply none.
pub fn build_constraint_version(text: &str) -> Option<GoVersion> {
    let minor = min_version(&header_constraint(text)?, true);
    u32::try_from(minor).ok().map(|minor| GoVersion::new(1, minor))
}

/// True when no build includes the file: its constraint cannot hold while the tag `ignore`
/// (which nobody sets: the idiom for generator scripts) is off, whatever the other tags are.
/// `go vet ./...` skips such files. Other custom tags (`integration`, ...) are assumed set, so
/// files behind them are still linted.
pub fn excluded_by_build_constraint(text: &str) -> bool {
    header_constraint(text).is_some_and(|constraint| !satisfiable(&constraint))
}

/// A build constraint expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    Tag(String),
    Not(Box<Constraint>),
    And(Box<Constraint>, Box<Constraint>),
    Or(Box<Constraint>, Box<Constraint>),
}

/// The build constraint in the file's header (the comments before the package clause): the
/// `//go:build` line, or else the `// +build` lines of older files.
pub fn header_constraint(text: &str) -> Option<Constraint> {
    let mut plus_build: Option<Constraint> = None;
    let mut in_block_comment = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if in_block_comment {
            in_block_comment = !trimmed.contains("*/");
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with("/*") {
            in_block_comment = !trimmed.contains("*/");
            continue;
        }
        if !trimmed.starts_with("//") {
            break;
        }
        if let Some(expression) = trimmed.strip_prefix("//go:build")
            && (expression.is_empty() || expression.starts_with([' ', '\t']))
        {
            return parse_expression(expression);
        }
        if let Some(expression) = trimmed.strip_prefix("// +build")
            && (expression.is_empty() || expression.starts_with([' ', '\t']))
            && let Some(line_constraint) = parse_plus_build(expression)
        {
            plus_build = Some(match plus_build {
                Some(before) => Constraint::And(Box::new(before), Box::new(line_constraint)),
                None => line_constraint,
            });
        }
    }
    plus_build
}

/// `// +build a,!b c`: space-separated options or-ed, comma-separated terms and-ed.
fn parse_plus_build(expression: &str) -> Option<Constraint> {
    let options = expression.split_whitespace().map(|option| {
        option
            .split(',')
            .map(|term| match term.strip_prefix('!') {
                Some(tag) => Some(Constraint::Not(Box::new(Constraint::Tag(valid_tag(tag)?.into())))),
                None => Some(Constraint::Tag(valid_tag(term)?.into())),
            })
            .reduce(|a, b| Some(Constraint::And(Box::new(a?), Box::new(b?))))
            .flatten()
    });
    options.reduce(|a, b| Some(Constraint::Or(Box::new(a?), Box::new(b?)))).flatten()
}

fn valid_tag(tag: &str) -> Option<&str> {
    (!tag.is_empty() && tag.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.')).then_some(tag)
}

/// `//go:build` syntax: `||` binds loosest, then `&&`, then `!`; parentheses group.
fn parse_expression(expression: &str) -> Option<Constraint> {
    let tokens = tokenize(expression)?;
    let mut position = 0;
    let constraint = parse_or(&tokens, &mut position)?;
    (position == tokens.len()).then_some(constraint)
}

fn tokenize(expression: &str) -> Option<Vec<String>> {
    let mut tokens = Vec::new();
    let mut chars = expression.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' || c == ')' || c == '!' {
            tokens.push(c.to_string());
            chars.next();
        } else if c == '&' || c == '|' {
            chars.next();
            if chars.next() != Some(c) {
                return None;
            }
            tokens.push(format!("{c}{c}"));
        } else if c.is_alphanumeric() || c == '_' || c == '.' {
            let mut tag = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_alphanumeric() || **c == '_' || **c == '.') {
                tag.push(c);
                chars.next();
            }
            tokens.push(tag);
        } else {
            return None;
        }
    }
    Some(tokens)
}

fn parse_or(tokens: &[String], position: &mut usize) -> Option<Constraint> {
    let mut left = parse_and(tokens, position)?;
    while tokens.get(*position).is_some_and(|token| token == "||") {
        *position += 1;
        left = Constraint::Or(Box::new(left), Box::new(parse_and(tokens, position)?));
    }
    Some(left)
}

fn parse_and(tokens: &[String], position: &mut usize) -> Option<Constraint> {
    let mut left = parse_not(tokens, position)?;
    while tokens.get(*position).is_some_and(|token| token == "&&") {
        *position += 1;
        left = Constraint::And(Box::new(left), Box::new(parse_not(tokens, position)?));
    }
    Some(left)
}

fn parse_not(tokens: &[String], position: &mut usize) -> Option<Constraint> {
    let token = tokens.get(*position)?;
    *position += 1;
    match token.as_str() {
        "!" => Some(Constraint::Not(Box::new(parse_not(tokens, position)?))),
        "(" => {
            let inner = parse_or(tokens, position)?;
            (tokens.get(*position)? == ")").then(|| *position += 1)?;
            Some(inner)
        }
        ")" | "&&" | "||" => None,
        tag => Some(Constraint::Tag(tag.to_string())),
    }
}

/// `go/build/constraint`'s `minVersion`: the least Go 1.N minor version the expression needs
/// (with `positive` false, for its negation), or -1 for none.
fn min_version(constraint: &Constraint, positive: bool) -> i64 {
    match constraint {
        Constraint::And(a, b) | Constraint::Or(a, b) => {
            let (x, y) = (min_version(a, positive), min_version(b, positive));
            // An `&&` needs both versions (the larger); an `||` needs either (the smaller).
            // Under a negation the roles swap.
            if matches!(constraint, Constraint::And(..)) == positive { x.max(y) } else { x.min(y) }
        }
        Constraint::Not(inner) => min_version(inner, !positive),
        Constraint::Tag(tag) => {
            if !positive {
                return -1;
            }
            if tag == "go1" {
                return 0;
            }
            tag.strip_prefix("go1.").and_then(|minor| minor.parse().ok()).unwrap_or(-1)
        }
    }
}

/// Whether some choice of tags makes the constraint hold, with `ignore` off.
fn satisfiable(constraint: &Constraint) -> bool {
    let mut tags = Vec::new();
    collect_tags(constraint, &mut tags);
    tags.sort();
    tags.dedup();
    tags.retain(|tag| tag != "ignore");
    // Constraints name a handful of tags; past that, assume some build includes the file.
    if tags.len() > 16 {
        return true;
    }
    (0u32..1 << tags.len()).any(|set| {
        evaluate(constraint, &|tag| tags.iter().position(|known| known == tag).is_some_and(|bit| set & (1 << bit) != 0))
    })
}

fn collect_tags(constraint: &Constraint, tags: &mut Vec<String>) {
    match constraint {
        Constraint::Tag(tag) => tags.push(tag.clone()),
        Constraint::Not(inner) => collect_tags(inner, tags),
        Constraint::And(a, b) | Constraint::Or(a, b) => {
            collect_tags(a, tags);
            collect_tags(b, tags);
        }
    }
}

fn evaluate(constraint: &Constraint, set: &dyn Fn(&str) -> bool) -> bool {
    match constraint {
        Constraint::Tag(tag) => set(tag),
        Constraint::Not(inner) => !evaluate(inner, set),
        Constraint::And(a, b) => evaluate(a, set) && evaluate(b, set),
        Constraint::Or(a, b) => evaluate(a, set) || evaluate(b, set),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions_and_directives() {
        assert_eq!(GoVersion::parse("1.22.3"), Some(GoVersion::new(1, 22)));
        assert_eq!(GoVersion::parse("1.21rc2"), Some(GoVersion::new(1, 21)));
        assert_eq!(go_directive("module x\n\ngo 1.21 // old\n"), Some(GoVersion::new(1, 21)));
        assert_eq!(go_directive("module gopher\n"), None);
        assert_eq!(build_constraint_version("//go:build linux && go1.23\n\npackage p"), Some(GoVersion::new(1, 23)));
        assert_eq!(build_constraint_version("//go:build !go1.22\npackage p"), None);
        // Issue 11 item 12 moves this one: go/build/constraint's GoVersion gives the smaller
        // version of an `||` (the least the file can be built with), not "nothing".
        assert_eq!(build_constraint_version("//go:build go1.22 || go1.21\npackage p"), Some(GoVersion::new(1, 21)));
        assert!(GoVersion::new(1, 9) < GoVersion::new(1, 22));
    }

    /// Issue 11, item 12: the expression is evaluated, not scanned for the last version term.
    #[test]
    fn build_constraint_version_follows_go_build_constraint() {
        let version = |line: &str| build_constraint_version(&format!("{line}\n\npackage p\n"));
        assert_eq!(version("//go:build go1.22 && go1.18"), Some(GoVersion::new(1, 22)));
        assert_eq!(version("//go:build go1.18 && go1.22"), Some(GoVersion::new(1, 22)));
        assert_eq!(version("//go:build (linux && go1.22) || (windows && go1.20)"), Some(GoVersion::new(1, 20)));
        assert_eq!(version("//go:build linux || (windows && go1.22)"), None);
        assert_eq!(version("//go:build !go1.22"), None);
        assert_eq!(version("//go:build !(go1.21 || linux)"), None);
        assert_eq!(version("//go:build !(!go1.21 || !go1.23)"), Some(GoVersion::new(1, 23)));
        assert_eq!(version("//go:build go1"), Some(GoVersion::new(1, 0)));
        assert_eq!(version("//go:build linux"), None);
        assert_eq!(version("// +build go1.21,linux\n// +build go1.19"), Some(GoVersion::new(1, 21)));
        // After the package clause it is an ordinary comment.
        assert_eq!(build_constraint_version("package p\n\n//go:build go1.22\n"), None);
        assert_eq!(version("//go:build go1.22 &&"), None, "a malformed line says nothing");
    }

    #[test]
    fn ignore_constraints_exclude_the_file() {
        let excluded = |header: &str| excluded_by_build_constraint(&format!("{header}\n\npackage main\n"));
        assert!(excluded("//go:build ignore"));
        assert!(excluded("// Copyright 2024\n\n//go:build ignore && linux"));
        assert!(excluded("// +build ignore"));
        assert!(excluded("/* license */\n//go:build ignore"));
        assert!(excluded("//go:build linux && !linux"));
        assert!(!excluded("//go:build !ignore"));
        assert!(!excluded("//go:build ignore || linux"));
        assert!(!excluded("//go:build integration"));
        assert!(!excluded("// a comment that mentions //go:build ignore"));
        assert!(!excluded(""));
    }
}
