//! Statement coverage from a `-coverprofile`, computed the way `go tool cover -func` does:
//! blocks at the same position are merged (counts summed, or OR-ed in `set` mode), and only
//! blocks inside function declarations with a body count (a `func` literal in a package-level
//! `var` does not).

use crate::syntax::{FieldChild as _, KindName as _};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Block {
    pub start_line: usize,
    pub start_col: usize,
    pub end_line: usize,
    pub end_col: usize,
    pub statements: u64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub mode: String,
    /// Blocks per file name as the profile spells it (`example.com/m/pkg/file.go`), sorted and merged.
    pub files: BTreeMap<String, Vec<Block>>,
}

/// A function declaration's extent: 1-based line and byte column of `func` and of the byte
/// after its closing brace, as `go/token` reports `FuncDecl.Pos()` and `End()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    pub start_line: usize,
    pub start_col: usize,
    pub end_line: usize,
    pub end_col: usize,
}

/// Covered and total statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub covered: u64,
    pub total: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.covered += other.covered;
        self.total += other.total;
    }

    /// Percent, with `go tool cover`'s convention that nothing to cover is 0%.
    pub fn percent(self) -> f64 {
        100.0 * self.covered as f64 / self.total.max(1) as f64
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub total: Counts,
    /// By package import path.
    pub packages: BTreeMap<String, Counts>,
    /// Profile files that could not be read: their blocks were all counted, as a fallback.
    pub unresolved: Vec<String>,
}

pub fn parse_profile(text: &str) -> Result<Profile, String> {
    let mut profile = Profile::default();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        if let Some(mode) = line.strip_prefix("mode: ") {
            if profile.mode.is_empty() {
                profile.mode = mode.trim().to_string();
            } else if profile.mode != mode.trim() {
                return Err(format!("line {}: mode `{}` after mode `{}`", index + 1, mode.trim(), profile.mode));
            }
            continue;
        }
        if profile.mode.is_empty() {
            return Err(format!("line {}: expected `mode: …` first", index + 1));
        }
        let (file, block) = parse_block(line).ok_or_else(|| format!("line {}: cannot read `{line}`", index + 1))?;
        profile.files.entry(file.to_string()).or_default().push(block);
    }
    let set_mode = profile.mode == "set";
    for (file, blocks) in &mut profile.files {
        blocks.sort_by_key(|block| (block.start_line, block.start_col));
        let mut merged: Vec<Block> = Vec::with_capacity(blocks.len());
        for block in blocks.drain(..) {
            match merged.last_mut() {
                Some(last)
                    if (last.start_line, last.start_col, last.end_line, last.end_col)
                        == (block.start_line, block.start_col, block.end_line, block.end_col) =>
                {
                    if last.statements != block.statements {
                        return Err(format!(
                            "{file}:{}.{}: inconsistent statement count {} and {}",
                            block.start_line, block.start_col, last.statements, block.statements
                        ));
                    }
                    last.count = if set_mode { last.count | block.count } else { last.count + block.count };
                }
                _ => merged.push(block),
            }
        }
        *blocks = merged;
    }
    Ok(profile)
}

/// `file:startLine.startCol,endLine.endCol numStatements count`
fn parse_block(line: &str) -> Option<(&str, Block)> {
    let (file, rest) = line.rsplit_once(':')?;
    let mut parts = rest.split(' ');
    let (start, end) = parts.next()?.split_once(',')?;
    let (start_line, start_col) = start.split_once('.')?;
    let (end_line, end_col) = end.split_once('.')?;
    let block = Block {
        start_line: start_line.parse().ok()?,
        start_col: start_col.parse().ok()?,
        end_line: end_line.parse().ok()?,
        end_col: end_col.parse().ok()?,
        statements: parts.next()?.parse().ok()?,
        count: parts.next()?.parse().ok()?,
    };
    parts.next().is_none().then_some((file, block))
}

/// The function declarations (with bodies) in Go source.
pub fn function_extents(source: &str) -> Vec<Extent> {
    let mut parser = crate::parse::new_parser();
    let Some(tree) = parser.parse(source, None) else { return Vec::new() };
    let mut extents = Vec::new();
    let root = tree.root_node();
    let mut cursor = root.walk();
    for node in root.children(&mut cursor) {
        if !matches!(node.kind_name(), "function_declaration" | "method_declaration")
            || node.field_child("body").is_none()
        {
            continue;
        }
        let (start, end) = (node.start_position(), node.end_position());
        extents.push(Extent {
            start_line: start.row + 1,
            start_col: start.column + 1,
            end_line: end.row + 1,
            end_col: end.column + 1,
        });
    }
    extents
}

/// Statements in `blocks` (sorted) that fall inside `extent`, as `cmd/cover`'s
/// `FuncExtent.coverage` counts them.
fn extent_counts(extent: &Extent, blocks: &[Block]) -> Counts {
    let mut counts = Counts::default();
    for block in blocks {
        if block.start_line > extent.end_line
            || (block.start_line == extent.end_line && block.start_col >= extent.end_col)
        {
            break;
        }
        if block.end_line < extent.start_line
            || (block.end_line == extent.start_line && block.end_col <= extent.start_col)
        {
            continue;
        }
        counts.total += block.statements;
        if block.count > 0 {
            counts.covered += block.statements;
        }
    }
    counts
}

/// Total and per-package coverage. `locate` maps a profile file name to the file on disk.
pub fn summarize(profile: &Profile, locate: &(dyn Fn(&str) -> Option<PathBuf> + Sync)) -> Summary {
    let per_file: Vec<(&String, Counts, bool)> = profile
        .files
        .par_iter()
        .map(|(name, blocks)| {
            let source = locate(name).and_then(|path| std::fs::read_to_string(path).ok());
            match source {
                Some(source) => {
                    let mut counts = Counts::default();
                    for extent in function_extents(&source) {
                        counts.add(extent_counts(&extent, blocks));
                    }
                    (name, counts, true)
                }
                None => {
                    let mut counts = Counts::default();
                    for block in blocks {
                        counts.total += block.statements;
                        counts.covered += if block.count > 0 { block.statements } else { 0 };
                    }
                    (name, counts, false)
                }
            }
        })
        .collect();
    let mut summary = Summary::default();
    for (name, counts, resolved) in per_file {
        summary.total.add(counts);
        let package = name.rsplit_once('/').map_or("", |(package, _)| package);
        summary.packages.entry(package.to_string()).or_default().add(counts);
        if !resolved {
            summary.unresolved.push(name.clone());
        }
    }
    summary
}

impl Summary {
    pub fn add(&mut self, other: Summary) {
        self.total.add(other.total);
        for (package, counts) in other.packages {
            self.packages.entry(package).or_default().add(counts);
        }
        self.unresolved.extend(other.unresolved);
    }

    /// The `n` packages with the lowest coverage (packages without statements left out).
    pub fn least_covered(&self, n: usize) -> Vec<(&str, Counts)> {
        let mut packages: Vec<(&str, Counts)> = self
            .packages
            .iter()
            .filter(|(_, counts)| counts.total > 0)
            .map(|(name, counts)| (name.as_str(), *counts))
            .collect();
        packages.sort_by(|a, b| a.1.percent().total_cmp(&b.1.percent()).then(a.0.cmp(b.0)));
        packages.truncate(n);
        packages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = "mode: set
example.com/m/a/a.go:3.19,4.11 1 1
example.com/m/a/a.go:4.11,6.3 1 0
example.com/m/a/a.go:7.2,7.10 1 1
example.com/m/a/a.go:4.11,6.3 1 1
example.com/m/b/b.go:3.14,5.2 2 0
";

    #[test]
    fn duplicate_blocks_merge() {
        let profile = parse_profile(PROFILE).unwrap();
        assert_eq!(profile.mode, "set");
        let blocks = &profile.files["example.com/m/a/a.go"];
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[1].count, 1);
        let summary = summarize(&profile, &|_| None);
        assert_eq!(summary.total, Counts { covered: 3, total: 5 });
        assert_eq!(summary.packages["example.com/m/b"], Counts { covered: 0, total: 2 });
        assert_eq!(summary.least_covered(1), vec![("example.com/m/b", Counts { covered: 0, total: 2 })]);
        assert_eq!(summary.unresolved.len(), 2);
    }

    #[test]
    fn counts_sum_in_count_mode() {
        let profile = parse_profile("mode: atomic\nf.go:1.1,2.2 1 2\nf.go:1.1,2.2 1 3\n").unwrap();
        assert_eq!(profile.files["f.go"][0].count, 5);
    }

    #[test]
    fn bad_profiles_are_errors() {
        assert!(parse_profile("f.go:1.1,2.2 1 2\n").unwrap_err().contains("mode"));
        assert!(parse_profile("mode: set\nf.go:1.1 1 2\n").unwrap_err().contains("line 2"));
        assert!(parse_profile("mode: set\nf.go:1.1,2.2 1 2\nf.go:1.1,2.2 3 2\n").unwrap_err().contains("inconsistent"));
    }

    #[test]
    fn only_function_declarations_count() {
        let source =
            "package a\n\nvar f = func() int {\n\treturn 1\n}\n\nfunc g() int {\n\treturn 2\n}\n\nfunc asm()\n";
        let extents = function_extents(source);
        assert_eq!(extents, vec![Extent { start_line: 7, start_col: 1, end_line: 9, end_col: 2 }]);
        let blocks = [
            Block { start_line: 3, start_col: 20, end_line: 5, end_col: 2, statements: 1, count: 0 },
            Block { start_line: 7, start_col: 14, end_line: 9, end_col: 2, statements: 1, count: 1 },
        ];
        assert_eq!(extent_counts(&extents[0], &blocks), Counts { covered: 1, total: 1 });
    }
}
