//! Inline suppressions: `//golint-guard:ignore`, `//golint-guard:file-ignore` and `//nolint`.
//!
//! `//golint-guard:ignore <ids> <reason>` covers its own line when it trails code, and the line
//! below its comment block when it stands alone. `//golint-guard:file-ignore` covers the file.
//! `//nolint[:names]` follows golangci-lint: a trailing one covers its line; one whose comment
//! block sits directly above a declaration or statement, at the same column, covers that node.

use crate::config::Settings;
use crate::diagnostic::{Finding, Span};
use crate::engine::builtin::{INVALID_SUPPRESSION, UNUSED_SUPPRESSION};
use crate::engine::registry::{all_rules, find_rule, suggest_rule};
use crate::engine::rule::Rule;
use crate::source::SourceFile;
use crate::syntax::{KindName as _, ParentNode as _};
use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use tree_sitter::{Node, Point, Tree};

const OUR_PREFIX: &str = "golint-guard:";
const NOLINT: &str = "nolint";

/// Drop suppressed findings; report reason-less, unknown and unused suppressions.
pub fn apply(file: &SourceFile, tree: Option<&Tree>, findings: Vec<Finding>, settings: &Settings) -> Vec<Finding> {
    let text: &str = &file.text;
    // Cheap reject: most files mention neither directive.
    if !text.contains(OUR_PREFIX) && !text.contains(NOLINT) {
        return findings;
    }
    let comments = match tree {
        Some(tree) => tree_comments(tree, text),
        None => scanned_comments(text),
    };
    let mut directives = Vec::new();
    let mut problems = Vec::new();
    for span in comments {
        let parsed = parse_directive(file.slice(span));
        if matches!(parsed, Parsed::None) {
            continue;
        }
        let comment = Comment::new(file, tree, span);
        match parsed {
            Parsed::None => {}
            Parsed::Directive(kind, targets) => {
                directives.push(Directive::new(file, tree, &comment, kind, targets));
            }
            Parsed::Problems(kind, targets, found) => {
                if let Some(kind) = kind {
                    directives.push(Directive::new(file, tree, &comment, kind, targets));
                }
                problems.extend(found.into_iter().map(|problem| (span, problem)));
            }
        }
    }
    if directives.is_empty() && problems.is_empty() {
        return findings;
    }

    let mut kept: Vec<Finding> =
        findings.into_iter().filter(|finding| !suppress(&mut directives, finding, None)).collect();

    let path_ignored = settings.path_ignored_rules(&file.display_path);
    let runs = |id: &str| settings.rule_enabled(id) && !path_ignored.contains(id);
    // A file the parser did not fully understand gets fewer findings, so silence there is not
    // evidence that a suppression is stale.
    let report_unused = runs(UNUSED_SUPPRESSION.id) && tree.is_some_and(|tree| !tree.root_node().has_error());

    let mut hygiene: Vec<(Span, Finding)> = Vec::new();
    if runs(INVALID_SUPPRESSION.id) {
        for (span, problem) in problems {
            hygiene.push((span, hygiene_finding(file, settings, &INVALID_SUPPRESSION, span, problem)));
        }
    }
    if report_unused {
        for directive in &directives {
            let unused = directive.unused(|id| runs(id) && !is_hygiene(id));
            if let Some(problem) = unused_problem(directive, &unused) {
                hygiene.push((
                    directive.comment,
                    hygiene_finding(file, settings, &UNUSED_SUPPRESSION, directive.comment, problem),
                ));
            }
        }
    }
    // Hygiene findings can be suppressed by other directives, never by the comment they are about.
    for (origin, finding) in hygiene {
        if !suppress(&mut directives, &finding, Some(origin)) {
            kept.push(finding);
        }
    }
    // Directives that only suppress hygiene findings are judged last, once those have been seen.
    if report_unused {
        for directive in &directives {
            let unused = directive.unused(|id| runs(id) && is_hygiene(id));
            if let Some(problem) = unused_problem(directive, &unused) {
                kept.push(hygiene_finding(file, settings, &UNUSED_SUPPRESSION, directive.comment, problem));
            }
        }
    }
    kept
}

fn is_hygiene(id: &str) -> bool {
    id == INVALID_SUPPRESSION.id || id == UNUSED_SUPPRESSION.id
}

/// Whether a directive covers `finding`; marks what it used. `origin` is the comment a hygiene
/// finding is about, which must not hide it.
fn suppress(directives: &mut [Directive], finding: &Finding, origin: Option<Span>) -> bool {
    let line = finding.start.line;
    let mut suppressed = false;
    for directive in directives.iter_mut() {
        if Some(directive.comment) == origin || !directive.lines.as_ref().is_none_or(|lines| lines.contains(&line)) {
            continue;
        }
        if directive.all {
            suppressed = true;
        }
        for target in directive.targets.iter_mut().filter(|target| target.id == finding.rule) {
            target.used = true;
            suppressed = true;
        }
    }
    suppressed
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `//golint-guard:ignore`
    Ignore,
    /// `//golint-guard:file-ignore`
    FileIgnore,
    /// `//nolint` or `//nolint:names`
    Nolint,
}

impl Kind {
    fn spelling(self) -> &'static str {
        match self {
            Kind::Ignore => "//golint-guard:ignore",
            Kind::FileIgnore => "//golint-guard:file-ignore",
            Kind::Nolint => "//nolint",
        }
    }
}

/// A rule a directive names.
#[derive(Debug, Clone)]
struct Target {
    id: &'static str,
    /// Named by its own id (not `all`, not a golangci-lint linter name), so a stale one is reported.
    explicit: bool,
    used: bool,
}

impl Target {
    fn named(id: &'static str) -> Target {
        Target { id, explicit: true, used: false }
    }
}

#[derive(Debug)]
struct Directive {
    comment: Span,
    kind: Kind,
    /// 1-based lines covered; `None` is the whole file.
    lines: Option<RangeInclusive<usize>>,
    /// `//nolint` or `//nolint:all`.
    all: bool,
    targets: Vec<Target>,
}

impl Directive {
    fn new(file: &SourceFile, tree: Option<&Tree>, comment: &Comment, kind: Kind, targets: Targets) -> Directive {
        let lines = match kind {
            Kind::FileIgnore => None,
            // Its own line through the first line below its comment block.
            Kind::Ignore if comment.own_line => Some(comment.first_line + 1..=comment.group_last_line + 2),
            Kind::Ignore => Some(comment.first_line + 1..=comment.first_line + 1),
            Kind::Nolint => nolint_lines(file, tree, comment),
        };
        Directive { comment: comment.span, kind, lines, all: targets.all, targets: targets.rules }
    }

    /// Explicitly named rules that suppressed nothing, among those `counts` accepts.
    fn unused(&self, counts: impl Fn(&str) -> bool) -> Vec<&'static str> {
        let mut ids: Vec<&'static str> = self
            .targets
            .iter()
            .filter(|target| target.explicit && !target.used && counts(target.id))
            .map(|target| target.id)
            .collect();
        ids.dedup();
        ids
    }
}

fn unused_problem(directive: &Directive, unused: &[&str]) -> Option<Problem> {
    if unused.is_empty() {
        return None;
    }
    let names = unused.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ");
    let named = directive.targets.iter().filter(|target| target.explicit).count();
    let whole_comment = !directive.all && named == directive.targets.len() && named == unused.len();
    let help = if whole_comment && directive.kind != Kind::Nolint {
        "remove the comment; nothing here reports this rule any more".to_string()
    } else {
        format!("remove {names} from the comment; nothing here reports it any more")
    };
    Some(Problem { message: format!("`{}` for {names} suppresses nothing", directive.kind.spelling()), help })
}

/// 1-based lines a `//nolint` covers, following golangci-lint: its comment block, plus the node
/// that starts on the line after the block at the block's column.
fn nolint_lines(file: &SourceFile, tree: Option<&Tree>, comment: &Comment) -> Option<RangeInclusive<usize>> {
    let first = comment.group_first_line;
    let last = comment.group_last_line;
    let Some(tree) = tree else {
        // Without a tree we cannot see the node; a lone comment covers the line below it.
        let below = if comment.own_line { last + 1 } else { last };
        return Some(first + 1..=below + 1);
    };
    let point = Point { row: last + 1, column: comment.group_column };
    let end = node_starting_at(tree, point).map_or(last, |(node, whole_file)| {
        if whole_file { file.line_count().saturating_sub(1) } else { node.end_position().row }
    });
    Some(first + 1..=end.max(last) + 1)
}

/// The outermost node that starts exactly at `point` (stopping at containers such as a block's
/// statement list, whose later children the comment is not about). `true` when that node is the
/// package clause: a `//nolint` above it covers the file, as go/ast's `File` starts there.
fn node_starting_at(tree: &Tree, point: Point) -> Option<(Node<'_>, bool)> {
    let after = Point { row: point.row, column: point.column + 1 };
    let mut node = tree.root_node().descendant_for_point_range(point, after)?;
    if node.start_position() != point || node.kind_name() == "comment" {
        return None;
    }
    while let Some(parent) = node.parent_node() {
        if parent.start_position() != point || matches!(parent.kind_name(), "source_file" | "statement_list" | "block")
        {
            break;
        }
        node = parent;
    }
    Some((node, node.kind_name() == "package_clause"))
}

/// A comment and the comment block it belongs to (Go's comment group: own-line comments on
/// consecutive lines; a comment trailing code is a group of its own). Lines are 0-based.
struct Comment {
    span: Span,
    first_line: usize,
    own_line: bool,
    group_first_line: usize,
    group_last_line: usize,
    group_column: usize,
}

impl Comment {
    fn new(file: &SourceFile, tree: Option<&Tree>, span: Span) -> Comment {
        let first_line = file.line_index(span.start);
        let column = span.start - file.line_start(first_line);
        let own_line = file.line_text(first_line)[..column].trim().is_empty();
        let last_line = file.line_index(span.end.saturating_sub(1).max(span.start));
        let mut comment = Comment {
            span,
            first_line,
            own_line,
            group_first_line: first_line,
            group_last_line: last_line,
            group_column: column,
        };
        if own_line && let Some(node) = tree.and_then(|tree| comment_node(tree, span)) {
            let mut first = node;
            while let Some(previous) = first.prev_sibling()
                && previous.kind_name() == "comment"
                && previous.end_position().row + 1 == first.start_position().row
                && starts_own_line(file, previous)
            {
                first = previous;
            }
            let mut last = node;
            while let Some(next) = last.next_sibling()
                && next.kind_name() == "comment"
                && next.start_position().row == last.end_position().row + 1
            {
                last = next;
            }
            comment.group_first_line = first.start_position().row;
            comment.group_column = first.start_position().column;
            comment.group_last_line = last.end_position().row;
        }
        comment
    }
}

fn starts_own_line(file: &SourceFile, node: Node<'_>) -> bool {
    let line = node.start_position().row;
    file.line_text(line).get(..node.start_position().column).is_some_and(|before| before.trim().is_empty())
}

fn comment_node(tree: &Tree, span: Span) -> Option<Node<'_>> {
    tree.root_node()
        .descendant_for_byte_range(span.start, span.end)
        .filter(|node| node.kind_name() == "comment" && node.start_byte() == span.start)
}

/// The rules a directive names.
#[derive(Debug, Default)]
struct Targets {
    all: bool,
    rules: Vec<Target>,
}

#[derive(Debug)]
struct Problem {
    message: String,
    help: String,
}

enum Parsed {
    /// Not a directive.
    None,
    Directive(Kind, Targets),
    /// Something is wrong; the directive still applies (to its known rules) when `Kind` is set.
    Problems(Option<Kind>, Targets, Vec<Problem>),
}

/// Parse one comment's text (with its `//`).
fn parse_directive(comment: &str) -> Parsed {
    let Some(body) = comment.strip_prefix("//") else { return Parsed::None };
    let trimmed = body.trim_start();
    if let Some(rest) = trimmed.strip_prefix(OUR_PREFIX) {
        if trimmed.len() != body.len() {
            let word = rest.split_whitespace().next().unwrap_or("");
            return Parsed::Problems(
                None,
                Targets::default(),
                vec![Problem {
                    message: format!("`// {OUR_PREFIX}{word}` is not a directive: there is a space after `//`"),
                    help: format!("write `//{OUR_PREFIX}{word}` with no space, as Go directives are written"),
                }],
            );
        }
        return parse_ours(rest);
    }
    // golangci-lint trims slashes and spaces, then wants `nolint` followed by nothing, `:` or a space.
    let trimmed = body.trim_start_matches(['/', ' ']);
    match trimmed.strip_prefix(NOLINT) {
        Some(rest) if rest.is_empty() || rest.starts_with([' ', ':', '\t']) => parse_nolint(rest),
        _ => Parsed::None,
    }
}

fn parse_ours(rest: &str) -> Parsed {
    let (word, after) = split_word(rest);
    let kind = match word {
        "ignore" => Kind::Ignore,
        "file-ignore" => Kind::FileIgnore,
        _ => {
            return Parsed::Problems(
                None,
                Targets::default(),
                vec![Problem {
                    message: format!("unknown directive `//{OUR_PREFIX}{word}`"),
                    help: "use `//golint-guard:ignore <rule-id> <reason>` (this line or the next) or \
                           `//golint-guard:file-ignore <rule-id> <reason>` (the whole file)"
                        .into(),
                }],
            );
        }
    };
    let spelling = kind.spelling();
    let (list, reason) = split_word(after);
    if list.is_empty() {
        return Parsed::Problems(
            None,
            Targets::default(),
            vec![Problem {
                message: format!("`{spelling}` names no rule"),
                help: format!("write `{spelling} <rule-id> <reason>`"),
            }],
        );
    }
    if list.split(',').any(str::is_empty) {
        return Parsed::Problems(
            None,
            Targets::default(),
            vec![Problem {
                message: format!("`{spelling}` has an empty rule id in `{list}`"),
                help: "separate rule ids with single commas and no spaces".into(),
            }],
        );
    }
    let mut problems = Vec::new();
    let mut targets = Targets::default();
    for id in list.split(',') {
        let linter_rules = crate::engine::registry::rules_for_linter(id);
        match find_rule(id) {
            Some(rule) => targets.rules.push(Target::named(rule.id)),
            // A golangci-lint linter name covers every rule it maps to, as in `//nolint:<name>`.
            None if !linter_rules.is_empty() => {
                targets.rules.extend(linter_rules.iter().map(|rule| Target {
                    id: rule.id,
                    explicit: false,
                    used: false,
                }));
            }
            None => problems.push(Problem {
                message: format!("`{spelling}` names unknown rule `{id}`"),
                help: match suggest_rule(id) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => "run `golint-guard rules` to list the rule ids".into(),
                },
            }),
        }
    }
    if reason.is_empty() {
        problems.push(Problem {
            message: format!("`{spelling} {list}` gives no reason"),
            help: format!("say why the finding does not apply: `{spelling} {list} <reason>`"),
        });
    }
    if problems.is_empty() { Parsed::Directive(kind, targets) } else { Parsed::Problems(Some(kind), targets, problems) }
}

/// `rest` is what follows `nolint`: empty, ` reason`, or `:a,b // reason`.
fn parse_nolint(rest: &str) -> Parsed {
    let Some(names) = rest.strip_prefix(':') else {
        return Parsed::Directive(Kind::Nolint, Targets { all: true, rules: Vec::new() });
    };
    let names = names.split("//").next().unwrap_or("");
    let names = names.split_whitespace().next().unwrap_or("");
    let mut targets = Targets::default();
    for name in names.split(',').map(|name| name.trim().to_ascii_lowercase()).filter(|name| !name.is_empty()) {
        if name == "all" {
            targets.all = true;
            continue;
        }
        if let Some(rule) = find_rule(&name) {
            targets.rules.push(Target::named(rule.id));
        }
        for rule in all_rules().into_iter().filter(|rule| rule.nolint_aliases.contains(&name.as_str())) {
            if !targets.rules.iter().any(|target| target.id == rule.id) {
                targets.rules.push(Target { id: rule.id, explicit: false, used: false });
            }
        }
    }
    // Names only other linters know: nothing for us to do, and nothing to report.
    if !targets.all && targets.rules.is_empty() {
        return Parsed::None;
    }
    Parsed::Directive(Kind::Nolint, targets)
}

/// The first whitespace-separated word and the trimmed rest.
fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], text[end..].trim()),
        None => (text, ""),
    }
}

fn hygiene_finding(file: &SourceFile, settings: &Settings, rule: &Rule, span: Span, problem: Problem) -> Finding {
    let (start, end) = file.span_positions(span);
    Finding {
        rule: rule.id.to_string(),
        severity: settings.severity_of(rule),
        path: file.display_path.clone(),
        span: Some(span),
        start,
        end,
        labels: Vec::new(),
        message: problem.message,
        help: Some(problem.help),
        fix: None,
        detail: None,
    }
}

/// Line comments that mention a directive, found through the tree so that text in string
/// literals never counts.
fn tree_comments(tree: &Tree, text: &str) -> Vec<Span> {
    let root = tree.root_node();
    let mut spans: BTreeSet<Span> = BTreeSet::new();
    for marker in [OUR_PREFIX, NOLINT] {
        for (offset, _) in text.match_indices(marker) {
            if let Some(node) = root.descendant_for_byte_range(offset, offset + marker.len())
                && node.kind_name() == "comment"
                && text[node.start_byte()..].starts_with("//")
            {
                spans.insert(Span::from(node));
            }
        }
    }
    spans.into_iter().collect()
}

/// Without a tree: a small lexer that finds `//` comments, skipping string and rune literals
/// and block comments.
fn scanned_comments(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut index = 0;
    let skip_quoted = |mut at: usize, quote: u8| {
        while at < bytes.len() && bytes[at] != quote && bytes[at] != b'\n' {
            at += if bytes[at] == b'\\' { 2 } else { 1 };
        }
        at + 1
    };
    while index < bytes.len() {
        match bytes[index] {
            b'/' if bytes.get(index + 1) == Some(&b'/') => {
                let end = text[index..].find('\n').map_or(text.len(), |offset| index + offset);
                let end = if text[..end].ends_with('\r') { end - 1 } else { end };
                let comment = &text[index..end];
                if comment.contains(OUR_PREFIX) || comment.contains(NOLINT) {
                    spans.push(Span::new(index, end));
                }
                index = end;
            }
            b'/' if bytes.get(index + 1) == Some(&b'*') => {
                index = text[index + 2..].find("*/").map_or(text.len(), |offset| index + 2 + offset + 2);
            }
            b'`' => index = text[index + 1..].find('`').map_or(text.len(), |offset| index + 1 + offset + 1),
            quote @ (b'"' | b'\'') => index = skip_quoted(index + 1, quote),
            _ => index += 1,
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Position;
    use crate::engine::{Engine, ModuleFacts, Worker};

    const HEADER: &str = "package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n)\n\n";

    /// Lint `body` (after the standard header) with signal-unbuffered and the hygiene checks.
    fn lint(body: &str) -> Vec<(String, usize)> {
        lint_with(body, &Settings::only(&["signal-unbuffered", "invalid-suppression", "unused-suppression"]))
    }

    fn lint_with(body: &str, settings: &Settings) -> Vec<(String, usize)> {
        let text = format!("{HEADER}{body}");
        let file = SourceFile::new("a.go".into(), "a.go".into(), text);
        let engine = Engine::new(&settings.enabled_rules()).unwrap();
        let mut worker = Worker::default();
        let findings = crate::lint::lint_source(&engine, &mut worker, settings, &file, ModuleFacts::default());
        // Lines relative to `body`, 1-based, in report order.
        let offset = HEADER.lines().count();
        let mut found: Vec<(String, usize)> =
            findings.into_iter().map(|finding| (finding.rule, finding.start.line - offset)).collect();
        found.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        found
    }

    fn owned(expected: &[(&str, usize)]) -> Vec<(String, usize)> {
        expected.iter().map(|(rule, line)| (rule.to_string(), *line)).collect()
    }

    #[test]
    fn baseline_finding_without_suppression() {
        let body = "func main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c)\n}\n";
        assert_eq!(lint(body), owned(&[("signal-unbuffered", 3)]));
    }

    #[test]
    fn ignore_on_the_same_line_and_the_line_above() {
        let trailing = "func main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c) //golint-guard:ignore signal-unbuffered test\n}\n";
        assert_eq!(lint(trailing), owned(&[]));
        let above = "func main() {\n\tc := make(chan os.Signal)\n\t//golint-guard:ignore signal-unbuffered test\n\tsignal.Notify(c)\n}\n";
        assert_eq!(lint(above), owned(&[]));
        let block = "func main() {\n\tc := make(chan os.Signal)\n\t//golint-guard:ignore signal-unbuffered test\n\t// more words\n\tsignal.Notify(c)\n}\n";
        assert_eq!(lint(block), owned(&[]));
    }

    #[test]
    fn ignore_two_lines_above_does_not_reach() {
        let body = "func main() {\n\t//golint-guard:ignore signal-unbuffered test\n\tc := make(chan os.Signal)\n\tsignal.Notify(c)\n}\n";
        assert_eq!(lint(body), owned(&[("unused-suppression", 2), ("signal-unbuffered", 4)]));
    }

    #[test]
    fn file_ignore_covers_the_file() {
        let body = "//golint-guard:file-ignore signal-unbuffered the test harness\n\nfunc main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c)\n}\n";
        assert_eq!(lint(body), owned(&[]));
    }

    #[test]
    fn nolint_trailing_and_above_a_function() {
        let trailing =
            "func main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c) //nolint:signal-unbuffered // test\n}\n";
        assert_eq!(lint(trailing), owned(&[]));
        let above = "//nolint:govet\nfunc main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c)\n}\n";
        assert_eq!(lint(above), owned(&[]));
        let bare = "func main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c) //nolint\n}\n";
        assert_eq!(lint(bare), owned(&[]));
        let all = "// main is the entry point.\n//nolint:all\nfunc main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c)\n}\n";
        assert_eq!(lint(all), owned(&[]));
    }

    #[test]
    fn nolint_in_a_doc_block_and_above_the_package_clause() {
        let doc = "//nolint:govet // legacy\n// main is the entry point.\nfunc main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c)\n}\n";
        assert_eq!(lint(doc), owned(&[]));
        let text = format!(
            "//nolint:sigchanyzer\n{HEADER}func main() {{\n\tc := make(chan os.Signal)\n\tsignal.Notify(c)\n}}\n"
        );
        let file = SourceFile::new("a.go".into(), "a.go".into(), text);
        let settings = Settings::only(&["signal-unbuffered", "unused-suppression"]);
        let engine = Engine::new(&settings.enabled_rules()).unwrap();
        let findings =
            crate::lint::lint_source(&engine, &mut Worker::default(), &settings, &file, ModuleFacts::default());
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn nolint_needs_the_same_column() {
        // An indented comment is not "above" the unindented function.
        let body = "func main() {\n\tc := make(chan os.Signal)\n\t//nolint:sigchanyzer\n\n\tsignal.Notify(c)\n}\n";
        assert_eq!(lint(body), owned(&[("signal-unbuffered", 5)]));
    }

    #[test]
    fn nolint_above_the_first_statement_covers_only_that_statement() {
        let body = "func main() {\n\t//nolint:sigchanyzer\n\tc := make(chan os.Signal)\n\tsignal.Notify(c)\n}\n";
        assert_eq!(lint(body), owned(&[("signal-unbuffered", 4)]));
    }

    #[test]
    fn nolint_above_a_multi_line_statement() {
        let body =
            "func main() {\n\tc := make(chan os.Signal)\n\t//nolint:sigchanyzer\n\tsignal.Notify(\n\t\tc,\n\t)\n}\n";
        assert_eq!(lint(body), owned(&[]));
    }

    #[test]
    fn nolint_for_other_linters_is_left_alone() {
        let body = "func main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c) //nolint:errcheck\n\t_ = 1 //nolint:govet\n}\n";
        assert_eq!(lint(body), owned(&[("signal-unbuffered", 3)]));
    }

    #[test]
    fn reasonless_and_unknown_are_invalid() {
        let reasonless = "func main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c) //golint-guard:ignore signal-unbuffered\n}\n";
        assert_eq!(lint(reasonless), owned(&[("invalid-suppression", 3)]));
        let unknown = "func main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c) //golint-guard:ignore signal-unbufered oops\n}\n";
        assert_eq!(lint(unknown), owned(&[("invalid-suppression", 3), ("signal-unbuffered", 3)]));
        let spaced = "// golint-guard:ignore signal-unbuffered reason\nfunc main() {}\n";
        assert_eq!(lint(spaced), owned(&[("invalid-suppression", 1)]));
        let unknown_kind = "//golint-guard:disable signal-unbuffered reason\nfunc main() {}\n";
        assert_eq!(lint(unknown_kind), owned(&[("invalid-suppression", 1)]));
    }

    #[test]
    fn unused_suppressions_are_reported_for_enabled_rules_only() {
        let body = "func main() {} //golint-guard:ignore signal-unbuffered stale\n";
        assert_eq!(lint(body), owned(&[("unused-suppression", 1)]));
        let nolint = "func main() {} //nolint:signal-unbuffered\n";
        assert_eq!(lint(nolint), owned(&[("unused-suppression", 1)]));
        let alias = "func main() {} //nolint:govet\n";
        assert_eq!(lint(alias), owned(&[]));
        let disabled = Settings::only(&["invalid-suppression", "unused-suppression"]);
        assert_eq!(lint_with(body, &disabled), owned(&[]));
        let no_hygiene = Settings::only(&["signal-unbuffered"]);
        assert_eq!(lint_with(body, &no_hygiene), owned(&[]));
    }

    #[test]
    fn a_suppression_cannot_hide_its_own_report() {
        let body = "func main() {} //golint-guard:ignore unused-suppression,signal-unbuffered why\n";
        // Both named rules are reported stale: the comment's own report does not count as use.
        assert_eq!(lint(body), owned(&[("unused-suppression", 1), ("unused-suppression", 1)]));
        // Another comment may hide it.
        let other = "//nolint:unused-suppression\nfunc main() {} //golint-guard:ignore signal-unbuffered why\n";
        assert_eq!(lint(other), owned(&[]));
    }

    #[test]
    fn text_in_string_literals_is_not_a_directive() {
        let body = "func main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c); _ = \"//nolint\"\n}\n";
        assert_eq!(lint(body), owned(&[("signal-unbuffered", 3)]));
    }

    #[test]
    fn line_scan_skips_literals() {
        let text = "a := \"//nolint\" // real nolint\nb := `\n//nolint\n` /* //nolint */ c := '\"' //nolint:x\n";
        let spans = scanned_comments(text);
        let found: Vec<&str> = spans.iter().map(|span| &text[span.start..span.end]).collect();
        assert_eq!(found, ["// real nolint", "//nolint:x"]);
    }

    #[test]
    fn without_a_tree_line_rules_still_apply() {
        let text =
            format!("{HEADER}func main() {{\n\t//golint-guard:ignore signal-unbuffered test\n\tsignal.Notify(c)\n}}\n");
        let file = SourceFile::new("a.go".into(), "a.go".into(), text);
        let line = HEADER.lines().count() + 3;
        let position = Position { line, column: 2, utf16_column: 2 };
        let finding = Finding {
            rule: "signal-unbuffered".into(),
            severity: crate::diagnostic::Severity::Error,
            path: "a.go".into(),
            span: None,
            start: position,
            end: position,
            labels: Vec::new(),
            message: String::new(),
            help: None,
            fix: None,
            detail: None,
        };
        let kept = apply(&file, None, vec![finding], &Settings::default());
        assert!(kept.is_empty(), "{kept:?}");
    }

    #[test]
    fn parses_directive_shapes() {
        assert!(matches!(parse_directive("// just a comment about nolint"), Parsed::None));
        assert!(matches!(parse_directive("//nolintlint is a linter"), Parsed::None));
        assert!(matches!(parse_directive("// nolint"), Parsed::Directive(Kind::Nolint, Targets { all: true, .. })));
        // Linter names that map to none of our rules make the comment none of our business.
        assert!(matches!(parse_directive("//nolint:misspell,unknownlinter"), Parsed::None));
        assert!(matches!(parse_directive("/* nolint */"), Parsed::None));
        let Parsed::Directive(Kind::Nolint, targets) = parse_directive("//nolint:SigChanYzer,govet // why") else {
            panic!("alias names are recognised");
        };
        // Both names map to signal-unbuffered (once); `govet` also covers other rules' aliases.
        assert_eq!(targets.rules.iter().filter(|target| target.id == "signal-unbuffered").count(), 1);
        assert!(targets.rules.iter().all(|target| !target.explicit));
        assert!(matches!(parse_directive("//golint-guard:ignore a,,b reason"), Parsed::Problems(None, ..)));
        assert!(matches!(parse_directive("//golint-guard:ignore"), Parsed::Problems(None, ..)));
    }
}
