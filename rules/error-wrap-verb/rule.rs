use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "error-wrap-verb",
    family: "E2",
    summary: "fmt.Errorf formats an error with %v or %s (or err.Error()), so the wrapped chain is lost",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability", "errors"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["errorlint"],
    requires_imports: &["fmt"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// Go 1.20 lets one `fmt.Errorf` wrap several errors with several `%w`.
const MULTI_WRAP: GoVersion = GoVersion::new(1, 20);

/// One formatting verb of the format string and the argument it consumes.
struct Verb {
    /// Byte range of the verb (`%v`, `%-8s`) in the file.
    start: usize,
    end: usize,
    /// The verb letter.
    letter: char,
    /// Whether flags, width or precision were written between `%` and the letter.
    decorated: bool,
    /// Index among the call's arguments after the format.
    argument: usize,
}

/// An error argument that loses its chain: the argument itself, the error it formats, and the
/// verb.
struct Lost<'tree> {
    verb: Verb,
    argument: Node<'tree>,
    /// The error value: the argument, or the receiver of `err.Error()`.
    error: Node<'tree>,
}

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(call), Some(package), Some(format)) = (found.target(), found.get("package"), found.get("format")) else {
        return;
    };
    if !ctx.facts.imports.names(ctx.text(package), "fmt") || ctx.types.is_local(package) {
        return;
    }
    let Some(verbs) = parse_verbs(ctx.text(format), format.start_byte(), format.kind_name() == "raw_string_literal") else {
        return;
    };
    let arguments: Vec<Node<'_>> = syntax::call_arguments(call).into_iter().skip(1).collect();
    // A spread `fmt.Errorf(f, args...)` or a verb count that does not match the arguments: the
    // verbs cannot be paired with arguments, so say nothing (vet's printf check covers it).
    if verbs.len() != arguments.len() || arguments.iter().any(|argument| argument.kind_name() == "variadic_argument") {
        return;
    }
    // The author already chose the error to wrap: `fmt.Errorf("%w: %v", ErrBadInput, err)`
    // keeps the sentinel and formats the cause on purpose (before Go 1.20 only one `%w` was
    // allowed, and the habit stays).
    if verbs.iter().any(|verb| verb.letter == 'w') {
        return;
    }
    let mut lost: Vec<Lost<'_>> = Vec::new();
    for verb in verbs {
        if !matches!(verb.letter, 'v' | 's') || verb.decorated {
            continue;
        }
        let argument = arguments[verb.argument];
        if let Some(error) = error_value(ctx, argument) {
            lost.push(Lost { verb, argument, error });
        }
    }
    // A format that reports a got/want comparison shows the error as a value, not as a cause.
    let format_text = ctx.text(format).to_ascii_lowercase();
    if ["want", "got ", "expected"].iter().any(|word| format_text.contains(word)) || ends_in_exit(ctx, call) {
        return;
    }
    // A test's errors end in t.Fatal, not in a caller's errors.Is: worth a note, not a failure.
    let severity = if ctx.facts.is_test_file || in_test_support(ctx) { Severity::Info } else { ctx.rule.severity };
    match lost.as_slice() {
        [] => {}
        [only] => {
            let shown = ctx.text(only.argument);
            let letter = only.verb.letter;
            let error_text = ctx.text(only.error);
            let message = if only.argument.id() == only.error.id() {
                format!("fmt.Errorf formats the error `{shown}` with %{letter}: callers cannot match it with errors.Is/As")
            } else {
                format!("fmt.Errorf formats `{shown}` with %{letter}: the error's text is kept, its chain is lost")
            };
            let mut edits = vec![Edit::replace(Span::new(only.verb.start, only.verb.end), "%w")];
            if only.argument.id() != only.error.id() {
                edits.push(Edit::replace(Span::from(only.argument), error_text));
            }
            ctx.report(call, message)
                .severity(severity)
                .help(format!("Wrap it: `%w` with `{error_text}`"))
                .fix(Fix::safe(edits));
        }
        several => {
            let names: Vec<String> = several.iter().map(|item| format!("`{}`", ctx.text(item.argument))).collect();
            let message = format!(
                "fmt.Errorf formats the errors {} with %v/%s: callers cannot match them with errors.Is/As",
                names.join(", ")
            );
            let help = if ctx.facts.go_version.is_some_and(|version| version >= MULTI_WRAP) {
                "Wrap the errors callers need with `%w`: Go 1.20+ allows several, but the result then unwraps to \
                 a list that errors.Unwrap does not follow (no automatic fix: choose which)"
            } else {
                "Wrap the error callers need with `%w`: before Go 1.20 a format may hold only one `%w` (no \
                 automatic fix: choose which)"
            };
            ctx.report(call, message).severity(severity).help(help);
        }
    }
}

/// The new error goes straight into a call that ends the program or only logs it
/// (`log.Fatal(fmt.Errorf(...))`, `base.Fatal(...)`, `logAndDie(...)`, `panic(...)`): nobody
/// will ever unwrap it.
fn ends_in_exit(ctx: &RuleContext<'_, '_>, call: Node<'_>) -> bool {
    let Some(outer) = call.parent_node().filter(|parent| parent.kind_name() == "argument_list").and_then(|list| list.parent_node()) else {
        return false;
    };
    let Some((_, name)) = syntax::call_name(outer, &ctx.file.text) else { return false };
    let lower = name.to_ascii_lowercase();
    ["fatal", "die", "exit", "panic"].iter().any(|word| lower.contains(word))
        || ["Print", "Log"].iter().any(|word| name.contains(word))
}

/// Test support code outside `_test.go` files: a package whose import path has an element named
/// like `test`, `tests`, `e2e`, `testutil`, `testtrace`, `e2etest`.
fn in_test_support(ctx: &RuleContext<'_, '_>) -> bool {
    // The package's import path, not the file path: where the checkout lies says nothing.
    let Some(package_path) = ctx.facts.package_path else { return false };
    package_path.split('/').any(|directory| {
        matches!(directory, "test" | "tests" | "testing" | "testenv" | "e2e" | "integration")
            || directory.starts_with("testutil")
            || directory.starts_with("testhelper")
            || (directory.len() > 4 && (directory.starts_with("test") || directory.ends_with("test")))
    })
}

/// The error an argument formats: an error-typed expression, or the receiver of `x.Error()`
/// when `x` is error-typed. Types come from declarations only; anything unknown is left alone.
fn error_value<'tree>(ctx: &RuleContext<'_, 'tree>, argument: Node<'tree>) -> Option<Node<'tree>> {
    let argument = syntax::unparen(argument);
    if argument.kind_name() == "call_expression"
        && let Some(function) = argument.field_child("function")
        && function.kind_name() == "selector_expression"
        && function.field_child("field").is_some_and(|field| ctx.text(field) == "Error")
        && syntax::call_arguments(argument).is_empty()
    {
        let receiver = function.field_child("operand")?;
        return is_error(ctx, receiver).then_some(receiver);
    }
    is_error(ctx, argument).then_some(argument)
}

fn is_error(ctx: &RuleContext<'_, '_>, expr: Node<'_>) -> bool {
    // Only plain names and field selections: a call's result or a conversion is too far from
    // what a reader sees as "the error".
    let expr = syntax::unparen(expr);
    matches!(expr.kind_name(), "identifier" | "selector_expression") && ctx.types.type_of(expr).as_deref() == Some("error")
}

/// The verbs of a format literal in order, each paired with the argument it consumes. `None`
/// when the format uses explicit argument indexes (`%[2]v`), `*` widths, or escapes that could
/// hide a `%`: the pairing would be guesswork.
fn parse_verbs(literal: &str, offset: usize, raw: bool) -> Option<Vec<Verb>> {
    if !raw && (literal.contains("\\x25") || literal.contains("\\045") || literal.contains("\\u0025")) {
        return None;
    }
    let bytes = literal.as_bytes();
    let mut verbs = Vec::new();
    let mut index = 1; // past the opening quote
    let end = bytes.len().saturating_sub(1);
    while index < end {
        if bytes[index] == b'\\' && !raw {
            index += 2;
            continue;
        }
        if bytes[index] != b'%' {
            index += 1;
            continue;
        }
        let start = index;
        index += 1;
        let mut decorated = false;
        while index < end && matches!(bytes[index], b'+' | b'-' | b'#' | b' ' | b'0'..=b'9' | b'.') {
            decorated = true;
            index += 1;
        }
        if index >= end {
            return None;
        }
        match bytes[index] {
            b'%' if !decorated => {
                index += 1;
                continue;
            }
            b'[' | b'*' => return None,
            letter if letter.is_ascii_alphabetic() => {
                verbs.push(Verb {
                    start: offset + start,
                    end: offset + index + 1,
                    letter: char::from(letter),
                    decorated,
                    argument: verbs.len(),
                });
                index += 1;
            }
            _ => return None,
        }
    }
    Some(verbs)
}
