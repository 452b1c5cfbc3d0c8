//! Fingerprints that identify a finding across edits.
//!
//! Two kinds:
//! - [`line_hashes`]: GitHub code scanning's `primaryLocationLineHash`, ported from
//!   `github/codeql-action` `src/fingerprints.ts` so SARIF uploaded through the REST API gets the
//!   same value `upload-sarif` would compute;
//! - [`Fingerprinter`]: golint-guard's own finding fingerprint, used by the JSON output and the
//!   baseline file. It hashes what was flagged rather than where, so it survives code moving up or
//!   down and re-indentation.

use super::sources::SourceLookup;
use crate::diagnostic::Finding;
use crate::hash::HashMap;
use crate::source::SourceFile;
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
            counts: HashMap::default(),
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
///
/// Cost: the occurrence counts come from per-file and per-line indexes built once, so a report
/// costs time linear in the file size and in the flagged text, not in lines times findings.
#[derive(Debug, Default)]
pub struct Fingerprinter {
    files: HashMap<PathBuf, FileIndex>,
    /// Bytes and index entries touched so far: lets tests check the cost stays linear.
    work: usize,
}

impl Fingerprinter {
    pub fn new() -> Fingerprinter {
        Fingerprinter::default()
    }

    /// The fingerprint of `finding`: 16 lowercase hex digits.
    pub fn fingerprint(&mut self, finding: &Finding, sources: &(impl SourceLookup + ?Sized)) -> String {
        let mut hash = Fnv1a::new();
        hash.field(b"golint-guard/1");
        hash.field(finding.rule.as_bytes());
        hash.field(path_key(&finding.path).as_bytes());
        match (finding.span, sources.source(&finding.path)) {
            (Some(span), Some(source)) if span.start <= source.text.len() => {
                let work = &mut self.work;
                // Findings come sorted by path: keep one file's index at a time, so a report's
                // memory follows the file in hand, not every file with findings (a caller that
                // went back to an earlier file would only rebuild its index).
                if !self.files.contains_key(&finding.path) {
                    self.files.clear();
                }
                let file = self.files.entry(finding.path.clone()).or_insert_with(|| FileIndex::new(&source, work));
                let end = span.end.clamp(span.start, source.text.len());
                let first = source.line_index(span.start);
                let mut last = source.line_index(end);
                // A span that ends right after a newline does not flag the next line.
                if last > first && end == source.line_start(last) {
                    last -= 1;
                }
                let earlier_same_lines = file.earlier_same_lines(first, last + 1 - first, work);
                let flagged_text = without_whitespace(source.text.get(span.start..end).unwrap_or(""));
                *work += end - span.start;
                // `text.get` of the part before the span fails off a char boundary: nothing before.
                let earlier_on_line = if flagged_text.is_empty() || !source.text.is_char_boundary(span.start) {
                    0
                } else {
                    file.earlier_on_line(&source, first, span.start, &flagged_text, work)
                };
                // Many findings flag the same long line: hash its text once per rule, then reuse
                // the hasher state (the state before it already holds rule and path).
                let key = (hash.finish(), first, last);
                if let Some(&after) = file.flagged_lines_hashed.get(&key) {
                    hash = Fnv1a(after);
                } else {
                    let joined = file.joined_lines(first, last);
                    *work += joined.len();
                    hash.field(joined.as_bytes());
                    file.flagged_lines_hashed.insert(key, hash.finish());
                }
                hash.field(flagged_text.as_bytes());
                hash.field(earlier_same_lines.to_string().as_bytes());
                hash.field(earlier_on_line.to_string().as_bytes());
            }
            _ => hash.field(finding.message.as_bytes()),
        }
        format!("{:016x}", hash.finish())
    }

    /// Bytes and index entries touched so far (for cost tests).
    pub fn work(&self) -> usize {
        self.work
    }
}

/// What the occurrence counts of one file need, built once per file (lines) or once per line
/// that has findings (on-line counts).
#[derive(Debug)]
struct FileIndex {
    /// Every line with whitespace removed, one after another (one allocation, not one per line).
    normalized: String,
    /// Where each line's text ends in `normalized`.
    line_ends: Vec<usize>,
    /// Equal normalized lines share an id.
    line_ids: Vec<u32>,
    /// For each line, how many earlier lines are equal to it.
    earlier_equal_lines: Vec<usize>,
    /// Polynomial prefix hashes over `line_ids`, for windows of several lines.
    id_prefix: PrefixHash,
    /// For each window height above one: (window hash, first line) of every window, sorted.
    windows: HashMap<usize, Vec<(u64, usize)>>,
    on_line: HashMap<usize, LineIndex>,
    /// (hasher state before, first line, last line) to the state after hashing those lines.
    flagged_lines_hashed: HashMap<(u64, usize, usize), u64>,
}

impl FileIndex {
    fn new(source: &SourceFile, work: &mut usize) -> FileIndex {
        *work += source.text.len();
        let line_count = source.line_count();
        let mut normalized = String::with_capacity(source.text.len());
        let mut line_ends = Vec::with_capacity(line_count);
        for line in 0..line_count {
            push_without_whitespace(&mut normalized, source.line_text(line));
            line_ends.push(normalized.len());
        }
        let mut ids: HashMap<&str, u32> = HashMap::default();
        let mut seen: Vec<usize> = Vec::new();
        let mut line_ids = Vec::with_capacity(line_count);
        let mut earlier_equal_lines = Vec::with_capacity(line_count);
        let mut start = 0;
        for &end in &line_ends {
            let line = &normalized[start..end];
            start = end;
            let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
            let id = *ids.entry(line).or_insert(next);
            if id as usize == seen.len() {
                seen.push(0);
            }
            earlier_equal_lines.push(seen[id as usize]);
            seen[id as usize] += 1;
            line_ids.push(id);
        }
        let id_prefix = PrefixHash::new(line_ids.iter().map(|&id| u64::from(id) + 1));
        FileIndex {
            normalized,
            line_ends,
            line_ids,
            earlier_equal_lines,
            id_prefix,
            windows: HashMap::default(),
            on_line: HashMap::default(),
            flagged_lines_hashed: HashMap::default(),
        }
    }

    /// Where line `line`'s whitespace-free text is in `normalized`.
    fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = if line == 0 { 0 } else { self.line_ends[line - 1] };
        start..self.line_ends[line]
    }

    /// Lines `first..=last` without whitespace, joined by newlines.
    fn joined_lines(&self, first: usize, last: usize) -> String {
        let mut joined = String::new();
        for line in first..=last {
            if line > first {
                joined.push('\n');
            }
            joined.push_str(&self.normalized[self.line_range(line)]);
        }
        joined
    }

    /// How many windows of `height` lines start before `first` and equal the one starting there.
    fn earlier_same_lines(&mut self, first: usize, height: usize, work: &mut usize) -> usize {
        if height == 1 {
            return self.earlier_equal_lines[first];
        }
        let count = self.line_ids.len();
        let prefix = &self.id_prefix;
        let windows = self.windows.entry(height).or_insert_with(|| {
            *work += count;
            let mut windows: Vec<(u64, usize)> =
                (0..=count - height).map(|start| (prefix.window(start, height), start)).collect();
            windows.sort_unstable();
            windows
        });
        let key = prefix.window(first, height);
        let from = windows.partition_point(|&entry| entry < (key, 0));
        let to = windows.partition_point(|&entry| entry < (key, first));
        *work += 2 * usize::BITS as usize;
        to - from
    }

    /// How many times `flagged` occurs (without overlap, left to right) on line `line` before
    /// byte `start`, all whitespace removed: `before.matches(flagged).count()`.
    fn earlier_on_line(
        &mut self,
        source: &SourceFile,
        line: usize,
        start: usize,
        flagged: &str,
        work: &mut usize,
    ) -> usize {
        let normalized = &self.normalized[self.line_range(line)];
        let index = self.on_line.entry(line).or_insert_with(|| LineIndex::new(source, line, normalized, work));
        let before = index.normalized_offset(source, start, work);
        let ends = index.match_ends(normalized, flagged, work);
        ends.partition_point(|&end| end <= before)
    }
}

/// One line's whitespace-free text, indexed to count where a flagged text occurs on it.
#[derive(Debug)]
struct LineIndex {
    line_start: usize,
    /// Whitespace-free length of the line's text before every `NORMALIZED_CHECKPOINT`-th byte
    /// (rounded up to a char boundary): (source offset, normalized offset).
    checkpoints: Vec<(usize, usize)>,
    prefix: PrefixHash,
    /// For each pattern length: (hash, start) of every window of the normalized line, sorted.
    windows: HashMap<usize, Vec<(u64, usize)>>,
    /// For each flagged text: where its non-overlapping, left-to-right matches end.
    match_ends: HashMap<String, Vec<usize>>,
}

const NORMALIZED_CHECKPOINT: usize = 64;

impl LineIndex {
    fn new(source: &SourceFile, line: usize, normalized: &str, work: &mut usize) -> LineIndex {
        let line_start = source.line_start(line);
        let line_end = source.line_start(line + 1);
        let text = &source.text[line_start..line_end];
        *work += text.len() + normalized.len();
        let mut checkpoints = Vec::with_capacity(text.len() / NORMALIZED_CHECKPOINT + 1);
        let mut kept = 0;
        for (offset, c) in text.char_indices() {
            while checkpoints.len() * NORMALIZED_CHECKPOINT <= offset {
                checkpoints.push((offset, kept));
            }
            if !c.is_whitespace() {
                kept += c.len_utf8();
            }
        }
        while checkpoints.len() * NORMALIZED_CHECKPOINT <= text.len() {
            checkpoints.push((text.len(), kept));
        }
        let prefix = PrefixHash::new(normalized.bytes().map(u64::from));
        LineIndex { line_start, checkpoints, prefix, windows: HashMap::default(), match_ends: HashMap::default() }
    }

    /// Whitespace-free length of the line's text before `offset` (a char boundary on the line).
    fn normalized_offset(&self, source: &SourceFile, offset: usize, work: &mut usize) -> usize {
        let relative = offset - self.line_start;
        let (checkpoint, kept) = self.checkpoints[relative / NORMALIZED_CHECKPOINT];
        let rest = &source.text[self.line_start + checkpoint..offset];
        *work += rest.len();
        kept + rest.chars().filter(|c| !c.is_whitespace()).map(char::len_utf8).sum::<usize>()
    }

    /// The ends of the matches `normalized.matches(pattern)` finds, in order.
    fn match_ends(&mut self, normalized: &str, pattern: &str, work: &mut usize) -> &[usize] {
        if !self.match_ends.contains_key(pattern) {
            let ends = self.find_matches(normalized, pattern, work);
            self.match_ends.insert(pattern.to_string(), ends);
        }
        &self.match_ends[pattern]
    }

    fn find_matches(&mut self, normalized: &str, pattern: &str, work: &mut usize) -> Vec<usize> {
        let length = pattern.len();
        if length > normalized.len() {
            return Vec::new();
        }
        let prefix = &self.prefix;
        // One index per pattern length serves every pattern of that length on the line.
        let windows = self.windows.entry(length).or_insert_with(|| {
            *work += normalized.len();
            let mut windows: Vec<(u64, usize)> =
                (0..=normalized.len() - length).map(|start| (prefix.window(start, length), start)).collect();
            windows.sort_unstable();
            windows
        });
        let key = PrefixHash::hash_of(pattern.bytes().map(u64::from));
        *work += length;
        let from = windows.partition_point(|&(hash, _)| hash < key);
        let to = windows.partition_point(|&(hash, _)| hash <= key);
        let mut ends = Vec::new();
        let mut next_free = 0;
        for &(_, start) in &windows[from..to] {
            // Confirm the text (hashes can collide); matches never overlap, like `str::matches`.
            *work += length;
            if start >= next_free && &normalized.as_bytes()[start..start + length] == pattern.as_bytes() {
                ends.push(start + length);
                next_free = start + length;
            }
        }
        ends
    }
}

/// Polynomial hashes modulo the Mersenne prime 2^61 - 1 of every prefix of a sequence, so the
/// hash of any window costs O(1).
#[derive(Debug)]
struct PrefixHash {
    prefix: Vec<u64>,
    powers: Vec<u64>,
}

impl PrefixHash {
    const MODULUS: u64 = (1 << 61) - 1;
    const BASE: u64 = 0x1d6f_a2c3_9b47;

    fn new(values: impl Iterator<Item = u64>) -> PrefixHash {
        let mut prefix = vec![0];
        let mut powers = vec![1];
        for value in values {
            let last = *prefix.last().unwrap_or(&0);
            prefix.push(Self::add(Self::multiply(last, Self::BASE), value % Self::MODULUS));
            let power = *powers.last().unwrap_or(&1);
            powers.push(Self::multiply(power, Self::BASE));
        }
        PrefixHash { prefix, powers }
    }

    fn hash_of(values: impl Iterator<Item = u64>) -> u64 {
        values.fold(0, |hash, value| Self::add(Self::multiply(hash, Self::BASE), value % Self::MODULUS))
    }

    /// The hash of `values[start..start + length]`, equal to `hash_of` that window.
    fn window(&self, start: usize, length: usize) -> u64 {
        let shifted = Self::multiply(self.prefix[start], self.powers[length]);
        Self::add(self.prefix[start + length], Self::MODULUS - shifted)
    }

    fn multiply(a: u64, b: u64) -> u64 {
        let product = u128::from(a) * u128::from(b);
        let folded = (product & u128::from(Self::MODULUS)) + (product >> 61);
        let folded = u64::try_from(folded).unwrap_or(0);
        if folded >= Self::MODULUS { folded - Self::MODULUS } else { folded }
    }

    fn add(a: u64, b: u64) -> u64 {
        let sum = a + b;
        if sum >= Self::MODULUS { sum - Self::MODULUS } else { sum }
    }
}

/// Fingerprints of `findings`, in order.
pub fn fingerprints(findings: &[Finding], sources: &(impl SourceLookup + ?Sized)) -> Vec<String> {
    let mut fingerprinter = Fingerprinter::new();
    findings.iter().map(|finding| fingerprinter.fingerprint(finding, sources)).collect()
}

/// The path as hashed: `/`-separated, so a baseline written on Windows matches on Linux.
fn path_key(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn without_whitespace(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    push_without_whitespace(&mut kept, text);
    kept
}

/// Appends `text` without its whitespace (`char::is_whitespace`).
fn push_without_whitespace(out: &mut String, text: &str) {
    if text.is_ascii() {
        // The ASCII chars `char::is_whitespace` accepts; vertical tab is one, unlike in
        // `u8::is_ascii_whitespace`.
        // Copied in runs between whitespace bytes, not a char at a time.
        let mut run_start = 0;
        for (at, byte) in text.bytes().enumerate() {
            if matches!(byte, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r') {
                out.push_str(&text[run_start..at]);
                run_start = at + 1;
            }
        }
        out.push_str(&text[run_start..]);
    } else {
        out.extend(text.chars().filter(|c| !c.is_whitespace()));
    }
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
    use std::collections::BTreeMap;

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
        let empty = BTreeMap::<PathBuf, SourceFile>::new();
        assert_ne!(fingerprints(&[gate], &empty), fingerprints(&[gate_other], &empty));
    }
}

#[cfg(test)]
mod cost_tests {
    use super::*;
    use crate::diagnostic::{Position, Severity, Span};
    use std::collections::BTreeMap;

    /// The fingerprint as first written: a scan of every earlier line and of the line's text
    /// before the finding, per finding. Quadratic, but plainly right: the oracle for the indexes.
    fn reference_fingerprint(finding: &Finding, source: &SourceFile) -> String {
        let mut hash = Fnv1a::new();
        hash.field(b"golint-guard/1");
        hash.field(finding.rule.as_bytes());
        hash.field(path_key(&finding.path).as_bytes());
        let span = finding.span.expect("span");
        let lines: Vec<String> =
            (0..source.line_count()).map(|line| plain_without_whitespace(source.line_text(line))).collect();
        let end = span.end.clamp(span.start, source.text.len());
        let first = source.line_index(span.start);
        let mut last = source.line_index(end);
        if last > first && end == source.line_start(last) {
            last -= 1;
        }
        let flagged = &lines[first..=last];
        let earlier_same_lines =
            (0..first).filter(|&start| lines.get(start..start + flagged.len()) == Some(flagged)).count();
        let flagged_text = plain_without_whitespace(source.text.get(span.start..end).unwrap_or(""));
        let before_on_line =
            plain_without_whitespace(source.text.get(source.line_start(first)..span.start).unwrap_or(""));
        let earlier_on_line =
            if flagged_text.is_empty() { 0 } else { before_on_line.matches(flagged_text.as_str()).count() };
        hash.field(flagged.join("\n").as_bytes());
        hash.field(flagged_text.as_bytes());
        hash.field(earlier_same_lines.to_string().as_bytes());
        hash.field(earlier_on_line.to_string().as_bytes());
        format!("{:016x}", hash.finish())
    }

    /// Whitespace removal char by char, as first written (the index takes an ASCII fast path).
    fn plain_without_whitespace(text: &str) -> String {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    }

    fn finding(path: &Path, start: usize, end: usize) -> Finding {
        Finding {
            rule: "r".into(),
            severity: Severity::Error,
            path: path.to_path_buf(),
            span: Some(Span::new(start, end)),
            start: Position::default(),
            end: Position::default(),
            labels: Vec::new(),
            message: "m".into(),
            help: None,
            fix: None,
            detail: None,
        }
    }

    #[test]
    fn indexed_fingerprints_equal_the_reference_on_random_texts() {
        // Few distinct pieces, so lines, windows and on-line matches repeat and overlap
        // ("aa" in "aaa"); whitespace of several kinds (vertical tab and form feed too, which
        // `char::is_whitespace` counts), CRLF and multi-byte chars.
        let pieces =
            ["a", "aa", "b", " ", "\t", "\n", "\r\n", "\u{e9}", "\u{a0}", "f(a)", "\u{1F600}", ";", "\x0B", "\x0C"];
        let mut random = crate::testing::Random(0x9e37_79b9_7f4a_7c15);
        for _ in 0..300 {
            let text: String = (0..random.below(120)).map(|_| pieces[random.below(pieces.len())]).collect();
            let source = SourceFile::new("a.go".into(), "a.go".into(), text.as_str());
            let sources = BTreeMap::from([(source.display_path.clone(), source.clone())]);
            let mut fingerprinter = Fingerprinter::new();
            for _ in 0..30 {
                let start = random.below(text.len() + 1);
                let end = start + random.below(text.len() + 1 - start);
                let finding = finding(&source.display_path, start, end);
                assert_eq!(
                    fingerprinter.fingerprint(&finding, &sources),
                    reference_fingerprint(&finding, &source),
                    "text {text:?}, span {start}..{end}"
                );
            }
        }
    }

    /// Issue 11: one 1 MB line with 30k findings, and a file of many lines with a finding on
    /// each, took time proportional to findings times text. The work counted must stay within
    /// a small multiple of text plus flagged text.
    #[test]
    fn many_findings_on_one_long_line_cost_linear_work() {
        let calls: String = (0..30_000).map(|i| format!("os.Remove(\"dir/f{i:06}.tmp.bk\"); ")).collect();
        let text = format!("package p\n\nfunc f() {{ {calls}}}\n");
        let source = SourceFile::new("a.go".into(), "a.go".into(), text.as_str());
        let sources = BTreeMap::from([(source.display_path.clone(), source.clone())]);
        let findings: Vec<Finding> = text
            .match_indices("os.Remove(")
            .map(|(start, _)| finding(&source.display_path, start, start + "os.Remove(\"dir/f000000.tmp.bk\")".len()))
            .collect();
        assert_eq!(findings.len(), 30_000);
        let flagged: usize = findings.iter().map(|f| f.span.map_or(0, |s| s.end - s.start)).sum();
        let mut fingerprinter = Fingerprinter::new();
        for finding in &findings {
            fingerprinter.fingerprint(finding, &sources);
        }
        let bound = 8 * (text.len() + flagged) + 200 * findings.len();
        assert!(fingerprinter.work() <= bound, "work {} > bound {bound}", fingerprinter.work());
        // The bound tells the two apart: the per-finding scan of the line before each finding
        // (the reference above) reads far more.
        let line_start = source.line_start(2);
        let scanned: usize = findings.iter().map(|f| f.span.map_or(0, |s| s.start - line_start)).sum();
        assert!(scanned > 100 * bound, "{scanned} vs {bound}");
    }

    #[test]
    fn many_lines_with_findings_cost_linear_work() {
        let body: String = (0..40_000).map(|i| format!("func g{i}() {{\n\tos.Remove(\"g{}\")\n}}\n", i % 50)).collect();
        let text = format!("package p\n\n{body}");
        let source = SourceFile::new("a.go".into(), "a.go".into(), text.as_str());
        let sources = BTreeMap::from([(source.display_path.clone(), source.clone())]);
        let mut findings: Vec<Finding> = text
            .match_indices("os.Remove(")
            .map(|(start, _)| finding(&source.display_path, start, start + text[start..].find(')').unwrap_or(0) + 1))
            .collect();
        // And some findings flagging whole functions (three lines).
        findings.extend(text.match_indices("func g").step_by(7).map(|(start, _)| {
            finding(&source.display_path, start, start + text[start..].find("\n}").unwrap_or(0) + 2)
        }));
        let flagged: usize = findings.iter().map(|f| f.span.map_or(0, |s| s.end - s.start)).sum();
        let mut fingerprinter = Fingerprinter::new();
        for finding in &findings {
            fingerprinter.fingerprint(finding, &sources);
        }
        let bound = 8 * (text.len() + flagged) + 200 * findings.len();
        assert!(fingerprinter.work() <= bound, "work {} > bound {bound}", fingerprinter.work());
        // The reference compares every earlier line per finding.
        let scanned: usize = findings.iter().map(|f| source.line_index(f.span.map_or(0, |s| s.start))).sum();
        assert!(scanned > 100 * bound, "{scanned} vs {bound}");
    }
}
