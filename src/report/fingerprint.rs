//! Fingerprints that identify a finding across edits.
//!
//! Two kinds:
//! - [`line_hashes`]: GitHub code scanning's `primaryLocationLineHash`, ported from
//!   `github/codeql-action` `src/fingerprints.ts` so SARIF uploaded through the REST API gets the
//!   same value `upload-sarif` would compute;
//! - [`Fingerprinter`]: golint-guard's own finding fingerprint, used by the JSON output and the
//!   baseline file. It hashes what was flagged rather than where, so it survives code moving up or
//!   down and re-indentation.

use crate::diagnostic::Finding;
use crate::source::SourceFile;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Characters per rolling window in GitHub's algorithm.
const BLOCK_SIZE: usize = 100;
const MULTIPLIER: u64 = 37;
/// The value GitHub feeds in at end of file (a UTF-16 code unit that never occurs in text).
const END_OF_FILE: u16 = 65535;

/// `primaryLocationLineHash` for every line of `text`; index 0 is line 1.
///
/// Lines are split the way GitHub splits them (`\n`, `\r\n` and a lone `\r`), and a text that
/// ends with a newline has one more, empty, line at the end, exactly as GitHub reports it.
pub fn line_hashes(text: &str) -> Vec<String> {
    let mut hasher = RollingLineHash::new();
    for unit in text.encode_utf16() {
        hasher.push(unit);
    }
    hasher.push(END_OF_FILE);
    hasher.flush()
}

/// The state of GitHub's rolling hash: a window of the last 100 non-blank UTF-16 code units and
/// which of them started a line.
struct RollingLineHash {
    window: [u16; BLOCK_SIZE],
    /// For each window slot, the 1-based line the unit there started, if it started one.
    line_starts: [Option<usize>; BLOCK_SIZE],
    index: usize,
    hash: u64,
    /// 37^100, the weight of the unit leaving the window.
    leaving_weight: u64,
    line_number: usize,
    at_line_start: bool,
    after_carriage_return: bool,
    counts: HashMap<u64, usize>,
    hashes: Vec<String>,
}

impl RollingLineHash {
    fn new() -> RollingLineHash {
        RollingLineHash {
            window: [0; BLOCK_SIZE],
            line_starts: [None; BLOCK_SIZE],
            index: 0,
            hash: 0,
            leaving_weight: (0..BLOCK_SIZE).fold(1u64, |weight, _| weight.wrapping_mul(MULTIPLIER)),
            line_number: 0,
            at_line_start: true,
            after_carriage_return: false,
            counts: HashMap::new(),
            hashes: Vec::new(),
        }
    }

    fn push(&mut self, unit: u16) {
        const TAB: u16 = b'\t' as u16;
        const SPACE: u16 = b' ' as u16;
        const LINE_FEED: u16 = b'\n' as u16;
        const CARRIAGE_RETURN: u16 = b'\r' as u16;
        if unit == SPACE || unit == TAB || (self.after_carriage_return && unit == LINE_FEED) {
            self.after_carriage_return = false;
            return;
        }
        let unit = if unit == CARRIAGE_RETURN {
            self.after_carriage_return = true;
            LINE_FEED
        } else {
            self.after_carriage_return = false;
            unit
        };
        if self.line_starts[self.index].is_some() {
            self.emit();
        }
        if self.at_line_start {
            self.at_line_start = false;
            self.line_number += 1;
            self.line_starts[self.index] = Some(self.line_number);
        }
        if unit == LINE_FEED {
            self.at_line_start = true;
        }
        self.update(unit);
    }

    /// Push zeros until every pending line start has left the window.
    fn flush(mut self) -> Vec<String> {
        for _ in 0..BLOCK_SIZE {
            if self.line_starts[self.index].is_some() {
                self.emit();
            }
            self.update(0);
        }
        self.hashes
    }

    fn update(&mut self, unit: u16) {
        let leaving = self.window[self.index];
        self.window[self.index] = unit;
        self.hash = self
            .hash
            .wrapping_mul(MULTIPLIER)
            .wrapping_add(u64::from(unit))
            .wrapping_sub(self.leaving_weight.wrapping_mul(u64::from(leaving)));
        self.index = (self.index + 1) % BLOCK_SIZE;
    }

    /// Record the hash of the 100 units that started at the line start now leaving the window.
    /// Lines leave in order, so the output is indexed by line.
    fn emit(&mut self) {
        let count = self.counts.entry(self.hash).or_insert(0);
        *count += 1;
        self.hashes.push(format!("{:x}:{count}", self.hash));
        self.line_starts[self.index] = None;
    }
}

/// Computes golint-guard finding fingerprints, caching per-file work.
///
/// A fingerprint is the FNV-1a 64 hash of:
/// - the rule id and the display path;
/// - the source of the flagged lines with all whitespace removed;
/// - the flagged text itself (whitespace removed), which tells apart two findings on one line;
/// - the occurrence index: how many earlier places in the same file have the same flagged lines,
///   and how many times the flagged text occurs earlier on its own line.
///
/// No line number goes in, so the fingerprint survives code moving up or down, re-indentation and
/// reformatting. The occurrence index comes from the source text, not from the list of findings,
/// so a finding's fingerprint does not change when other findings come or go (a baseline can
/// check one finding at a time). Findings without source text (gate steps, unreadable files) hash
/// rule, path and message.
#[derive(Debug, Default)]
pub struct Fingerprinter {
    /// Each file's lines with whitespace removed, by display path.
    normalized_lines: HashMap<PathBuf, Vec<String>>,
}

impl Fingerprinter {
    pub fn new() -> Fingerprinter {
        Fingerprinter::default()
    }

    /// The fingerprint of `finding`: 16 lowercase hex digits.
    pub fn fingerprint(&mut self, finding: &Finding, sources: &BTreeMap<PathBuf, SourceFile>) -> String {
        let mut hash = Fnv1a::new();
        hash.field(b"golint-guard/1");
        hash.field(finding.rule.as_bytes());
        hash.field(path_key(&finding.path).as_bytes());
        match (finding.span, sources.get(&finding.path)) {
            (Some(span), Some(source)) if span.start <= source.text.len() => {
                let lines = self.normalized_lines.entry(finding.path.clone()).or_insert_with(|| {
                    (0..source.line_count()).map(|line| without_whitespace(source.line_text(line))).collect()
                });
                let end = span.end.clamp(span.start, source.text.len());
                let first = source.line_index(span.start);
                let mut last = source.line_index(end);
                // A span that ends right after a newline does not flag the next line.
                if last > first && end == source.line_start(last) {
                    last -= 1;
                }
                let flagged = &lines[first..=last];
                let earlier_same_lines =
                    (0..first).filter(|&start| lines.get(start..start + flagged.len()) == Some(flagged)).count();
                let flagged_text = without_whitespace(source.text.get(span.start..end).unwrap_or(""));
                let before_on_line =
                    without_whitespace(source.text.get(source.line_start(first)..span.start).unwrap_or(""));
                let earlier_on_line =
                    if flagged_text.is_empty() { 0 } else { before_on_line.matches(flagged_text.as_str()).count() };
                hash.field(flagged.join("\n").as_bytes());
                hash.field(flagged_text.as_bytes());
                hash.field(earlier_same_lines.to_string().as_bytes());
                hash.field(earlier_on_line.to_string().as_bytes());
            }
            _ => hash.field(finding.message.as_bytes()),
        }
        format!("{:016x}", hash.finish())
    }
}

/// Fingerprints of `findings`, in order.
pub fn fingerprints(findings: &[Finding], sources: &BTreeMap<PathBuf, SourceFile>) -> Vec<String> {
    let mut fingerprinter = Fingerprinter::new();
    findings.iter().map(|finding| fingerprinter.fingerprint(finding, sources)).collect()
}

/// The path as hashed: `/`-separated, so a baseline written on Windows matches on Linux.
fn path_key(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// FNV-1a, 64 bits: small, fixed and the same on every platform and run (unlike std's
/// `RandomState`), which fingerprints stored in files need.
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Fnv1a {
        Fnv1a(Self::OFFSET_BASIS)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(Self::PRIME);
        }
    }

    /// A field followed by a separator byte that UTF-8 text never contains, so `("ab", "c")`
    /// and `("a", "bc")` hash differently.
    fn field(&mut self, bytes: &[u8]) {
        self.bytes(bytes);
        self.bytes(&[0xff]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Position, Severity, Span};

    #[test]
    fn empty_file_has_one_line() {
        assert_eq!(line_hashes(""), ["c129715d7a2bc9a3:1"]);
    }

    #[test]
    fn blanks_are_skipped_and_lines_split() {
        assert_eq!(
            line_hashes(" a\nb\n  \t\tc\n d"),
            ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"]
        );
    }

    #[test]
    fn repeated_lines_are_counted_and_trailing_newline_adds_a_line() {
        assert_eq!(
            line_hashes("x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n"),
            [
                "e54938cc54b302f1:1",
                "bb609acbe9138d60:1",
                "1131fd5871777f34:1",
                "5c482a0f8b35ea28:1",
                "54517377da7028d2:1",
                "2c644846cb18d53e:1",
                "f1b89f20de0d133:1",
                "c129715d7a2bc9a3:1",
            ]
        );
    }

    #[test]
    fn identical_windows_share_a_hash_until_the_window_reaches_the_end() {
        let text = "Lorem ipsum dolor sit amet.\n".repeat(10);
        let hashes = line_hashes(&text);
        assert_eq!(hashes.len(), 11, "ten lines plus the empty one after the last newline");
        let identical: Vec<String> = (1..=6).map(|count| format!("a7f2ff13bc495cf2:{count}")).collect();
        assert_eq!(hashes[..6], identical[..]);
        assert_eq!(hashes[6], "a7f2ff1481e87703:1");
    }

    #[test]
    fn carriage_returns_count_as_newlines() {
        let unix = line_hashes("a\nb\nc");
        assert_eq!(line_hashes("a\r\nb\r\nc"), unix);
        assert_eq!(line_hashes("a\rb\rc"), unix);
    }

    #[test]
    fn counts_utf16_units() {
        // An astral character is two UTF-16 units, so it weighs differently from a BMP one.
        assert_ne!(line_hashes("\u{1F600}"), line_hashes("\u{e9}"));
        assert_eq!(line_hashes("é\nx").len(), 2);
    }

    fn finding_at(source: &SourceFile, needle: &str, nth: usize) -> Finding {
        let start = source.text.match_indices(needle).nth(nth).map(|(at, _)| at).expect("needle in text");
        let span = Span::new(start, start + needle.len());
        let (start, end) = source.span_positions(span);
        Finding {
            rule: "signal-unbuffered".into(),
            severity: Severity::Error,
            path: source.display_path.clone(),
            span: Some(span),
            start,
            end,
            labels: Vec::new(),
            message: "m".into(),
            help: None,
            fix: None,
            detail: None,
        }
    }

    fn sources_of(text: &str) -> (SourceFile, BTreeMap<PathBuf, SourceFile>) {
        let source = SourceFile::new("a.go".into(), "a.go".into(), text);
        let sources = BTreeMap::from([(source.display_path.clone(), source.clone())]);
        (source, sources)
    }

    #[test]
    fn fingerprint_survives_moving_and_reindenting() {
        let (before, before_sources) = sources_of("package a\n\nfunc f() {\n\tsignal.Notify(c)\n}\n");
        let (after, after_sources) =
            sources_of("package a\n\n// moved down\n\nfunc f() {\n        signal.Notify( c )\n}\n");
        let old = Fingerprinter::new().fingerprint(&finding_at(&before, "signal.Notify(c)", 0), &before_sources);
        let new = Fingerprinter::new().fingerprint(&finding_at(&after, "signal.Notify( c )", 0), &after_sources);
        assert_eq!(old, new);
        assert_eq!(old.len(), 16);
    }

    #[test]
    fn fingerprint_tells_identical_lines_and_same_line_findings_apart() {
        let (source, sources) = sources_of("f(a); f(a)\nf(a); f(a)\n");
        let mut fingerprinter = Fingerprinter::new();
        let all: Vec<String> =
            (0..4).map(|nth| fingerprinter.fingerprint(&finding_at(&source, "f(a)", nth), &sources)).collect();
        let unique: std::collections::BTreeSet<&String> = all.iter().collect();
        assert_eq!(unique.len(), 4, "{all:?}");
    }

    #[test]
    fn fingerprint_depends_on_rule_path_and_text() {
        let (source, sources) = sources_of("x := 1\n");
        let finding = finding_at(&source, "x := 1", 0);
        let base = fingerprints(std::slice::from_ref(&finding), &sources)[0].clone();
        let other_rule = Finding { rule: "other".into(), ..finding.clone() };
        assert_ne!(fingerprints(&[other_rule], &sources)[0], base);
        // Without source text (a gate finding), the message is what identifies it.
        let gate = Finding { span: None, start: Position::default(), ..finding.clone() };
        let gate_other = Finding { message: "n".into(), ..gate.clone() };
        let empty = BTreeMap::new();
        assert_ne!(fingerprints(&[gate], &empty), fingerprints(&[gate_other], &empty));
    }
}
