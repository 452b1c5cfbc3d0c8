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

/// The version a file's `//go:build` line pins, when it names exactly one `go1.N` term that
/// must hold (`//go:build go1.21` or `//go:build linux && go1.21`). A negated or or-ed
/// version term says nothing certain, so it is ignored.
pub fn build_constraint_version(text: &str) -> Option<GoVersion> {
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("package ") {
            break;
        }
        let Some(expr) = trimmed.strip_prefix("//go:build") else { continue };
        if expr.contains("||") {
            return None;
        }
        let mut found = None;
        for term in expr.split("&&") {
            let term = term.trim().trim_matches(|c| c == '(' || c == ')').trim();
            if let Some(version) = term.strip_prefix("go1.") {
                if term.starts_with('!') {
                    return None;
                }
                found = version.parse().ok().map(|minor| GoVersion::new(1, minor));
            }
        }
        return found;
    }
    None
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
        assert_eq!(build_constraint_version("//go:build go1.22 || go1.21\npackage p"), None);
        assert!(GoVersion::new(1, 9) < GoVersion::new(1, 22));
    }
}
