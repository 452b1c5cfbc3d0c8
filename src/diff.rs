//! Diff-aware runs: `--new-from-rev REV` and `--new-from-merge-base BRANCH` keep only the
//! findings on lines added or changed since that point; `--whole-files` keeps every finding in a
//! changed file.
//!
//! The changed lines come from `git diff --unified=0 REV` (working tree against REV, so
//! uncommitted edits count, as in golangci-lint) plus untracked, non-ignored files, which count as
//! wholly new. A finding is on a changed line when its first line is in a new-side hunk, the same
//! rule as codeql-action's `filterAlertsByDiffRange`. Findings without a position (line 0 or no
//! file, e.g. "coverage below threshold") are always kept.

use crate::cli::OutputArgs;
use crate::diagnostic::Finding;
use crate::hash::HashMap;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// Where the diff starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffBase<'a> {
    /// `--new-from-rev REV`.
    Rev(&'a str),
    /// `--new-from-merge-base BRANCH`: the merge base of BRANCH and HEAD.
    MergeBase(&'a str),
}

/// What changed in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// A new or untracked file: every line is new.
    Whole,
    /// Inclusive, sorted, 1-based line ranges on the new side. Empty when the file only lost lines.
    Lines(Vec<(usize, usize)>),
}

impl FileChange {
    fn contains(&self, line: usize) -> bool {
        match self {
            FileChange::Whole => true,
            FileChange::Lines(ranges) => {
                let after = ranges.partition_point(|&(start, _)| start <= line);
                after > 0 && line <= ranges[after - 1].1
            }
        }
    }
}

/// The changed lines of a repository, keyed by path relative to the repository root.
#[derive(Debug, Clone, Default)]
pub struct ChangedLines {
    pub files: HashMap<String, FileChange>,
    /// The current directory relative to the repository root (`git rev-parse --show-prefix`),
    /// `/`-separated with a trailing `/`, or empty at the root. Findings' paths are relative to it.
    pub cwd_prefix: String,
    /// The repository root, for findings with absolute paths.
    pub root: PathBuf,
}

impl ChangedLines {
    /// Whether a finding at `path` (relative to the current directory, or absolute) and 1-based
    /// `line` is new. With `whole_files`, any line of a changed file is.
    pub fn is_new(&self, path: &Path, line: usize, whole_files: bool) -> bool {
        let Some(repo_path) = self.repo_relative(path) else { return false };
        match self.files.get(&repo_path) {
            None => false,
            Some(_) if whole_files => true,
            Some(change) => change.contains(line),
        }
    }

    /// `path` relative to the repository root, `/`-separated; `None` when it lies outside.
    pub fn repo_relative(&self, path: &Path) -> Option<String> {
        if path.is_absolute() {
            let relative = path.strip_prefix(&self.root).ok().map(Path::to_path_buf).or_else(|| {
                // The root from git is resolved through symlinks; the finding's path may not be.
                let real = path.canonicalize().ok()?;
                let root = self.root.canonicalize().ok()?;
                real.strip_prefix(root).ok().map(Path::to_path_buf)
            })?;
            return normalize(Path::new(""), &relative);
        }
        normalize(Path::new(&self.cwd_prefix), path)
    }
}

/// Join `base` and `path` and resolve `.`/`..` without touching the file system. `None` when
/// the result climbs above `base`'s root (outside the repository).
fn normalize(base: &Path, path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for component in base.components().chain(path.components()) {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Apply the `--new-from-*` flags of `output` to `findings`. Without them this does nothing.
pub fn filter_findings(output: &OutputArgs, findings: &mut Vec<Finding>) -> Result<(), String> {
    let base = match (&output.new_from_rev, &output.new_from_merge_base) {
        (Some(rev), _) => DiffBase::Rev(rev),
        (None, Some(branch)) => DiffBase::MergeBase(branch),
        (None, None) if output.whole_files => {
            return Err("--whole-files needs --new-from-rev or --new-from-merge-base".into());
        }
        (None, None) => return Ok(()),
    };
    let changed = changed_lines(base, Path::new("."))?;
    retain_new(findings, &changed, output.whole_files);
    Ok(())
}

/// Keep the findings that are new according to `changed`, and those without a position.
pub fn retain_new(findings: &mut Vec<Finding>, changed: &ChangedLines, whole_files: bool) {
    findings.retain(|finding| {
        let has_position = finding.start.line > 0 && !finding.path.as_os_str().is_empty();
        !has_position || changed.is_new(&finding.path, finding.start.line, whole_files)
    });
}

/// Ask git, run in `dir`, which lines changed since `base`.
pub fn changed_lines(base: DiffBase<'_>, dir: &Path) -> Result<ChangedLines, String> {
    let flag = match base {
        DiffBase::Rev(_) => "--new-from-rev",
        DiffBase::MergeBase(_) => "--new-from-merge-base",
    };
    let root = git(dir, &["rev-parse", "--show-toplevel"])
        .map_err(|err| format!("{flag} needs a git repository: {err}"))?
        .trim_end_matches(['\n', '\r'])
        .to_string();
    let cwd_prefix = git(dir, &["rev-parse", "--show-prefix"])
        .map_err(|err| format!("{flag} needs a git repository: {err}"))?
        .trim_end_matches(['\n', '\r'])
        .to_string();
    let root = PathBuf::from(root);
    let commit = match base {
        DiffBase::Rev(rev) => resolve_commit(&root, rev, flag)?,
        DiffBase::MergeBase(branch) => {
            let branch_commit = resolve_commit(&root, branch, flag)?;
            let merge_base = git(&root, &["merge-base", &branch_commit, "HEAD"]).map_err(|err| {
                format!("{flag} {branch}: no merge base with HEAD (in a shallow clone, fetch more history): {err}")
            })?;
            merge_base.trim().to_string()
        }
    };
    // Pin every option that user config could change in the output we parse.
    let patch = git(
        &root,
        &[
            "diff",
            "--unified=0",
            "--inter-hunk-context=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--find-renames",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            &commit,
            "--",
        ],
    )
    .map_err(|err| format!("{flag}: git diff failed: {err}"))?;
    let mut files = parse_unified_diff(&patch);
    let untracked = git(&root, &["ls-files", "--others", "--exclude-standard", "-z"])
        .map_err(|err| format!("{flag}: cannot list untracked files: {err}"))?;
    for path in untracked.split('\0').filter(|path| !path.is_empty()) {
        files.insert(path.to_string(), FileChange::Whole);
    }
    Ok(ChangedLines { files, cwd_prefix, root })
}

/// `rev` as a full commit id, or a clear error naming the flag.
fn resolve_commit(root: &Path, rev: &str, flag: &str) -> Result<String, String> {
    // A leading dash would be read as an option.
    if rev.is_empty() || rev.starts_with('-') {
        return Err(format!("{flag}: {rev:?} is not a git revision"));
    }
    let spec = format!("{rev}^{{commit}}");
    git(root, &["rev-parse", "--verify", "--quiet", &spec])
        .map(|sha| sha.trim().to_string())
        .map_err(|_| format!("{flag}: unknown git revision {rev:?} (is it fetched?)"))
}

/// Run git in `dir` and return its stdout; the error carries git's stderr.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output =
        Command::new("git").arg("-C").arg(dir).args(args).output().map_err(|err| format!("cannot run git: {err}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr.trim();
        return Err(if message.is_empty() { format!("git {} failed", args.join(" ")) } else { message.to_string() });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The new-side changed lines of each file in a `git diff --unified=0` patch, by repo-relative
/// path. Deleted files are left out; files whose hunks only remove lines map to empty ranges.
pub fn parse_unified_diff(patch: &str) -> HashMap<String, FileChange> {
    let mut files: HashMap<String, FileChange> = HashMap::default();
    let mut current: Option<String> = None;
    // Lines still to come in the current hunk (old side, new side): inside a hunk, a line that
    // looks like a header ("+++ b/x" is an added "++ b/x") is content.
    let mut pending = (0usize, 0usize);
    for line in patch.lines() {
        if pending.0 > 0 || pending.1 > 0 {
            match line.as_bytes().first() {
                Some(b'+') => pending.1 = pending.1.saturating_sub(1),
                Some(b'-') => pending.0 = pending.0.saturating_sub(1),
                Some(b' ') => pending = (pending.0.saturating_sub(1), pending.1.saturating_sub(1)),
                // "\ No newline at end of file" and anything unexpected.
                _ => {}
            }
            continue;
        }
        if line.starts_with("diff --git ") {
            current = None;
        } else if let Some(target) = line.strip_prefix("+++ ") {
            current = new_side_path(target);
            if let Some(path) = &current {
                files.entry(path.clone()).or_insert_with(|| FileChange::Lines(Vec::new()));
            }
        } else if let Some(header) = line.strip_prefix("@@ ") {
            let Some((old, new)) = parse_hunk_header(header) else { continue };
            pending = (old.1, new.1);
            let Some(path) = &current else { continue };
            if new.1 == 0 {
                continue; // a pure deletion adds nothing
            }
            if let Some(FileChange::Lines(ranges)) = files.get_mut(path) {
                ranges.push((new.0, new.0 + new.1 - 1));
            }
        }
    }
    for change in files.values_mut() {
        if let FileChange::Lines(ranges) = change {
            ranges.sort_unstable();
        }
    }
    files
}

/// The path in a `+++ ` line: `b/path`, possibly C-quoted, with the tab git appends to names
/// that contain spaces; `None` for `/dev/null` (a deleted file).
fn new_side_path(target: &str) -> Option<String> {
    let target = target.strip_suffix('\t').unwrap_or(target);
    let path = if target.starts_with('"') { unquote_c_style(target)? } else { target.to_string() };
    path.strip_prefix("b/").map(str::to_string)
}

/// Undo git's quoting of unusual file names: `"dir/\303\251\"q.go"` → `dir/é"q.go`.
fn unquote_c_style(quoted: &str) -> Option<String> {
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    let mut bytes = Vec::with_capacity(inner.len());
    let mut chars = inner.bytes().peekable();
    while let Some(byte) = chars.next() {
        if byte != b'\\' {
            bytes.push(byte);
            continue;
        }
        let escaped = chars.next()?;
        let value = match escaped {
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            b'0'..=b'7' => {
                let mut value = u32::from(escaped - b'0');
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&digit @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(digit - b'0');
                            chars.next();
                        }
                        _ => break,
                    }
                }
                u8::try_from(value).ok()?
            }
            other => other,
        };
        bytes.push(value);
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// `-a,b +c,d @@ ...` → ((a, b), (c, d)); a missing count means 1.
fn parse_hunk_header(header: &str) -> Option<((usize, usize), (usize, usize))> {
    let mut parts = header.split_whitespace();
    let old = parse_range(parts.next()?.strip_prefix('-')?)?;
    let new = parse_range(parts.next()?.strip_prefix('+')?)?;
    Some((old, new))
}

fn parse_range(range: &str) -> Option<(usize, usize)> {
    match range.split_once(',') {
        Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
        None => Some((range.parse().ok()?, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH: &str = "\
diff --git a/my file.go b/my file.go
index de98044..a7bc997 100644
--- a/my file.go\t
+++ b/my file.go\t
@@ -2 +2 @@ a
-b
+B
@@ -3,0 +4,2 @@ c
+d
+++ b/fake.go
diff --git \"a/\\303\\251\\\"q.go\" b/new name.go
similarity index 50%
rename from \"\\303\\251\\\"q.go\"
rename to new name.go
--- \"a/\\303\\251\\\"q.go\"
+++ b/new name.go\t
@@ -1,0 +2 @@ x
+y
diff --git a/gone.go b/gone.go
deleted file mode 100644
--- a/gone.go
+++ /dev/null
@@ -1,3 +0,0 @@
-a
-b
-c
diff --git a/trimmed.go b/trimmed.go
--- a/trimmed.go
+++ b/trimmed.go
@@ -5,2 +4,0 @@ func f() {
-x
-y
diff --git \"a/\\303\\251\\\"q.go\" \"b/\\303\\251\\\"q.go\"
--- \"a/\\303\\251\\\"q.go\"
+++ \"b/\\303\\251\\\"q.go\"
@@ -0,0 +1,3 @@
+1
+2
+3
";

    #[test]
    fn parses_hunks_renames_spaces_quoting_and_deletions() {
        let files = parse_unified_diff(PATCH);
        assert_eq!(files.get("my file.go"), Some(&FileChange::Lines(vec![(2, 2), (4, 5)])));
        assert_eq!(files.get("new name.go"), Some(&FileChange::Lines(vec![(2, 2)])));
        assert_eq!(files.get("trimmed.go"), Some(&FileChange::Lines(vec![])));
        assert_eq!(files.get("é\"q.go"), Some(&FileChange::Lines(vec![(1, 3)])));
        assert!(!files.contains_key("gone.go"), "a deleted file has no new lines");
        assert!(!files.contains_key("fake.go"), "an added line that looks like a header is content");
        assert_eq!(files.len(), 4);
    }

    #[test]
    fn line_lookup_uses_inclusive_ranges() {
        let change = FileChange::Lines(vec![(2, 2), (4, 5), (10, 20)]);
        let hits: Vec<usize> = (0..25).filter(|&line| change.contains(line)).collect();
        assert_eq!(hits, [2, 4, 5, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
        assert!(!FileChange::Lines(vec![]).contains(1));
        assert!(FileChange::Whole.contains(7));
    }

    #[test]
    fn maps_cwd_relative_paths_into_the_repository() {
        let changed = ChangedLines {
            files: HashMap::from_iter([("svc/a.go".to_string(), FileChange::Lines(vec![(3, 3)]))]),
            cwd_prefix: "svc/".into(),
            root: PathBuf::from("/repo"),
        };
        assert!(changed.is_new(Path::new("a.go"), 3, false));
        assert!(changed.is_new(Path::new("./a.go"), 3, false));
        assert!(changed.is_new(Path::new("../svc/a.go"), 3, false));
        assert!(!changed.is_new(Path::new("a.go"), 4, false));
        assert!(changed.is_new(Path::new("a.go"), 4, true));
        assert!(!changed.is_new(Path::new("b.go"), 3, true));
        assert!(!changed.is_new(Path::new("../../outside.go"), 3, true));
        if cfg!(unix) {
            assert!(changed.is_new(Path::new("/repo/svc/a.go"), 3, false));
        }
    }

    #[test]
    fn unquotes_c_style_names() {
        assert_eq!(unquote_c_style(r#""a\tb\\c\"d""#).as_deref(), Some("a\tb\\c\"d"));
        assert_eq!(unquote_c_style(r#""\303\251.go""#).as_deref(), Some("é.go"));
        assert_eq!(unquote_c_style(r#""unterminated"#), None);
        assert_eq!(new_side_path("/dev/null"), None);
    }
}
