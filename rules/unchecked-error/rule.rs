use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use super::unchecked_error_defer::{WRITE_FLAGS, WRITER_TYPES, bound_calls, written_in_function};
use crate::engine::facts::types::CallInfo;
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "unchecked-error",
    family: "A3",
    summary: "A call's error result is dropped: the call is a statement of its own or a `go` statement",
    // Info: its judged sample on code it was not tuned on is over the precision bar (ledger.tsv).
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability", "error-handling"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    // Not gosec: its G104 is the same check, but `//nolint:gosec` usually silences another
    // gosec finding on the line, and golangci-lint excludes G104 by default anyway.
    nolint_aliases: &["errcheck"],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// Calls longer than this are shown as `callee(...)` in the help.
const LONGEST_CALL_SHOWN: usize = 50;

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(statement), Some(call)) = (found.target(), found.get("call")) else { return };
    // `defer func() { f.Close() }()` is a deferred call: unchecked-error-defer decides it.
    if ctx.types.ancestry().deferring_statement(statement).is_some() {
        return;
    }
    let Some(info) = ctx.types.call(call) else { return };
    if !info.returns_error() {
        return;
    }
    let source: &str = &ctx.file.text;
    if syntax::error_conventionally_ignored(ctx.types, &ctx.facts.imports, call, &info, source)
        || std_error_handling_excludes(ctx, call, &info)
    {
        return;
    }
    let callee = syntax::callee_display(call, source, &info.callee);
    let in_goroutine = statement.kind_name() == "go_statement";
    let message = if in_goroutine {
        format!("the error returned by `{callee}` is lost: `go` discards the results of the call")
    } else {
        format!("the error returned by `{callee}` is not checked")
    };
    let handler = handler(ctx, statement);
    let help = help(call, info.results.len(), in_goroutine, &handler, source);
    let in_test = ctx.facts.is_test_file;
    let finding = ctx.report(statement, message).help(help);
    // RULES.md A3: tests get the same rule, as information.
    if in_test {
        finding.severity(Severity::Info);
    }
}

/// golangci-lint v2's `std-error-handling` exclusions, which Go teams already accept: print
/// functions and print-style methods, `Close` and `Flush`, `os.Remove(All)`, `os.(Un)Setenv`;
/// and writes to an `http.ResponseWriter`, whose failure (the client went away) nobody can act
/// on once the status is out. What loses data stays: `Close`/`Flush` on something written.
fn std_error_handling_excludes(ctx: &RuleContext<'_, '_>, call: Node<'_>, info: &CallInfo) -> bool {
    let source: &str = &ctx.file.text;
    let Some(function) = call.field_child("function").map(syntax::unparen) else { return false };
    let name = match function.kind_name() {
        "identifier" => syntax::text(function, source),
        "selector_expression" => function.field_child("field").map_or("", |field| syntax::text(field, source)),
        _ => return false,
    };
    if is_print_style(name) {
        return true;
    }
    let operand = (function.kind_name() == "selector_expression")
        .then(|| function.field_child("operand").map(syntax::unparen))
        .flatten();
    let package = operand
        .filter(|operand| operand.kind_name() == "identifier" && info.receiver.is_none())
        .and_then(|operand| ctx.facts.imports.path_of(syntax::text(operand, source)));
    match (package, name) {
        (Some("os"), "Remove" | "RemoveAll" | "Setenv" | "Unsetenv") => return true,
        (Some("io"), "WriteString" | "Copy" | "CopyN" | "CopyBuffer") => {
            return syntax::call_arguments(call).first().is_some_and(|writer| is_response_writer(ctx, *writer));
        }
        (Some(_), _) => return false,
        (None, _) => {}
    }
    let Some(receiver) = operand else { return false };
    // `json.NewEncoder(os.Stdout).Encode(v)`: output to the terminal, as for fmt.Println.
    if receiver.kind_name() == "call_expression"
        && syntax::call_arguments(receiver).first().is_some_and(|first| syntax::is_standard_stream(&ctx.facts.imports, *first, source))
    {
        return true;
    }
    match name {
        "Write" | "WriteString" => is_response_writer(ctx, receiver),
        "Close" | "Flush" => !finishes_a_write(ctx, receiver) || on_error_path(call, source),
        _ => false,
    }
}

/// The statement around `call` cleans up on the way out of a failure: its block ends by
/// returning an error (`f.Close(); return nil, err`), or is the body of an `if err != nil` that
/// leaves. The write already failed and that error is the one reported; the Close error adds
/// nothing.
fn on_error_path(call: Node<'_>, source: &str) -> bool {
    let Some(statement) = call.parent_node().filter(|parent| parent.kind_name() == "expression_statement") else {
        return false;
    };
    let Some(mut container) = statement.parent_node() else { return false };
    if container.kind_name() == "statement_list"
        && let Some(block) = container.parent_node().filter(|parent| parent.kind_name() == "block")
    {
        container = block;
    }
    let Some(last) = syntax::block_statements(container).pop() else { return false };
    let error_check = container.kind_name() == "block"
        && container.parent_node().is_some_and(|parent| {
            parent.kind_name() == "if_statement"
                && parent.field_child("consequence") == Some(container)
                && parent.field_child("condition").is_some_and(|condition| {
                    let condition = syntax::text(condition, source);
                    condition.contains("!= nil") && condition.to_lowercase().contains("err")
                })
        });
    match last.kind_name() {
        "return_statement" => error_check || returns_an_error(last, source),
        "continue_statement" | "break_statement" => error_check,
        "expression_statement" => {
            error_check
                && last.named_child(0).filter(|inner| inner.kind_name() == "call_expression").is_some_and(|exit| {
                    syntax::call_name(exit, source).is_some_and(|(_, name)| {
                        name == "panic" || name == "Exit" || name.starts_with("Fatal")
                    })
                })
        }
        _ => false,
    }
}

/// `return ..., err`, `return ..., fmt.Errorf(...)`, `return ..., errors.New(...)`,
/// `return ..., ErrLocked`: the last result is an error value, not `nil` and not a call whose
/// error is the close's business (`return os.Rename(...)`).
fn returns_an_error(statement: Node<'_>, source: &str) -> bool {
    let Some(last) = statement.named_child(0).and_then(|list| syntax::named_children(list).pop()) else {
        return false;
    };
    let last = syntax::unparen(last);
    match last.kind_name() {
        "identifier" => {
            let name = syntax::text(last, source);
            name != "nil" && name.to_lowercase().contains("err")
        }
        "selector_expression" => last
            .field_child("field")
            .is_some_and(|field| syntax::text(field, source).starts_with("Err")),
        "call_expression" => syntax::call_name(last, source).is_some_and(|(package, name)| {
            matches!((package, name), (Some("fmt"), "Errorf") | (Some("errors"), "New" | "Join"))
                || name.starts_with("Wrap")
        }),
        _ => false,
    }
}

/// `Print`, `Printf`, `Println` and names that end in them (`Fprintf`, `VerbosePrintf`): they
/// format text for a person, and their callers check nothing by convention.
fn is_print_style(name: &str) -> bool {
    ["Print", "Printf", "Println", "print", "printf", "println"].iter().any(|suffix| name.ends_with(suffix))
}

fn is_response_writer(ctx: &RuleContext<'_, '_>, writer: Node<'_>) -> bool {
    ctx.types.type_of(syntax::unparen(writer)).is_some_and(|ty| ty == "net/http.ResponseWriter")
}

/// `receiver.Close()`/`.Flush()` finishes a write, so its error is data lost: a writer type
/// (`*bufio.Writer`, gzip/zlib/zip/tar/csv writers, an `io.WriteCloser` the function writes)
/// that does not only wrap the terminal or memory, or an `*os.File` the function cannot see
/// was opened read-only (a parameter, a field, `os.Create`, `os.OpenFile` with write flags).
fn finishes_a_write(ctx: &RuleContext<'_, '_>, receiver: Node<'_>) -> bool {
    let source: &str = &ctx.file.text;
    let Some(owner) = ctx.types.type_of(receiver) else { return false };
    if WRITER_TYPES.iter().any(|(ty, _)| *ty == owner) {
        if syntax::wraps_unchecked_writer(ctx.types, &ctx.facts.imports, receiver, source) {
            return false;
        }
        return owner != "io.WriteCloser" || receiver.kind_name() != "identifier" || written_in_function(ctx, receiver);
    }
    owner == "*os.File" && !opened_read_only(ctx, receiver)
}

/// Every binding of the local file `receiver` in its declaration opens it read-only:
/// `os.Open`, or `os.OpenFile` whose flags name no write flag.
fn opened_read_only(ctx: &RuleContext<'_, '_>, receiver: Node<'_>) -> bool {
    let source: &str = &ctx.file.text;
    if receiver.kind_name() != "identifier" {
        return false;
    }
    let Some(values) = bound_calls(receiver, source) else { return false };
    values.iter().all(|value| {
        let Some((Some(package), name)) = syntax::call_name(*value, source) else { return false };
        if ctx.facts.imports.path_of(package) != Some("os") {
            return false;
        }
        match name {
            "Open" => true,
            "OpenFile" => syntax::call_arguments(*value).get(1).is_some_and(|flags| {
                let words: Vec<&str> = syntax::descendants(*flags)
                    .chain(std::iter::once(*flags))
                    .filter(|node| matches!(node.kind_name(), "field_identifier" | "identifier"))
                    .map(|node| syntax::text(node, source))
                    .collect();
                words.contains(&"O_RDONLY") && !words.iter().any(|word| WRITE_FLAGS.contains(word))
            }),
            _ => false,
        }
    })
}

/// What the enclosing function can do with an error, so the suggested fix compiles there.
enum Handler {
    /// `return fmt.Errorf(...)`, after these zero values for the results before the error.
    Return(Vec<&'static str>),
    /// A test or benchmark: `t.Fatal(err)` with this name.
    Fail(String),
    /// No error result to return it through: log it.
    Log,
}

/// How the function around `statement` can handle an error: fail the test through its
/// `*testing.T` (or B, F, TB) parameter, return it when the last result is `error` and the
/// other results have zero values the rule can spell, else log it.
fn handler(ctx: &RuleContext<'_, '_>, statement: Node<'_>) -> Handler {
    let source: &str = &ctx.file.text;
    let Some(function) = syntax::enclosing_function(statement) else { return Handler::Log };
    if ctx.facts.is_test_file {
        let tester = syntax::parameters_of(function).into_iter().find_map(|parameter| {
            let name = parameter.name?;
            let written = syntax::text(parameter.type_node, source);
            matches!(written, "*testing.T" | "*testing.B" | "*testing.F" | "testing.TB")
                .then(|| syntax::text(name, source).to_string())
        });
        if let Some(tester) = tester {
            return Handler::Fail(tester);
        }
    }
    let results = syntax::result_types(function);
    let Some((last, before)) = results.split_last() else { return Handler::Log };
    if syntax::text(*last, source) != "error" {
        return Handler::Log;
    }
    let zeros: Option<Vec<&'static str>> = before.iter().map(|result| zero_value(*result, source)).collect();
    zeros.map_or(Handler::Log, Handler::Return)
}

/// The zero value of a result type, when its spelling shows it; `None` for named types, which
/// may be structs.
fn zero_value(result: Node<'_>, source: &str) -> Option<&'static str> {
    match result.kind_name() {
        "pointer_type" | "slice_type" | "map_type" | "channel_type" | "function_type" | "interface_type" => {
            Some("nil")
        }
        "type_identifier" => match syntax::text(result, source) {
            "string" => Some("\"\""),
            "bool" => Some("false"),
            "error" | "any" => Some("nil"),
            "int" | "int8" | "int16" | "int32" | "int64" | "uint" | "uint8" | "uint16" | "uint32" | "uint64"
            | "uintptr" | "byte" | "rune" | "float32" | "float64" => Some("0"),
            _ => None,
        },
        _ => None,
    }
}

/// "Handle it" with the call itself in the `if`, when it is short enough to read, and a body
/// that compiles in the enclosing function.
fn help(call: Node<'_>, results: usize, in_goroutine: bool, handler: &Handler, source: &str) -> String {
    let written = syntax::text(call, source);
    let callee = call.field_child("function").map_or("f", |function| syntax::text(function, source));
    let shown = if written.len() <= LONGEST_CALL_SHOWN && !written.contains('\n') {
        written.to_string()
    } else {
        format!("{callee}(...)")
    };
    let name = callee.rsplit('.').next().unwrap_or(callee);
    let verb =
        if name.starts_with("Fprint") || name.starts_with("Write") { "write".to_string() } else { name.to_lowercase() };
    let blanks = "_, ".repeat(results.saturating_sub(1));
    let check = format!("if {blanks}err := {shown}; err != nil");
    if in_goroutine {
        return format!(
            "Handle the error inside the goroutine: `go func() {{ {check} {{ log.Printf(\"{verb}: %v\", err) }} }}()`, \
             or collect it with errgroup.Group.Go"
        );
    }
    match handler {
        Handler::Fail(tester) => format!("Check it: `{check} {{ {tester}.Fatal(err) }}`"),
        Handler::Return(zeros) => {
            let zeros: String = zeros.iter().map(|zero| format!("{zero}, ")).collect();
            format!("Handle it: `{check} {{ return {zeros}fmt.Errorf(\"{verb}: %w\", err) }}`")
        }
        Handler::Log => format!(
            "Handle it: `{check} {{ log.Printf(\"{verb}: %v\", err) }}`, or return it if the function can report errors"
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use crate::diagnostic::Severity;
    use crate::lint::lint_text;

    // os.Remove is one of the std-error-handling exclusions; Truncate loses data when it fails.
    const SOURCE: &str = "package p\n\nimport \"os\"\n\nfunc f() {\n\tos.Truncate(\"x\", 0)\n}\n";

    fn severities(name: &str) -> Vec<Severity> {
        let findings = lint_text(name, SOURCE, &Settings::only(&["unchecked-error"])).expect("lints");
        findings.iter().filter(|finding| finding.rule == "unchecked-error").map(|finding| finding.severity).collect()
    }

    #[test]
    fn test_files_get_information_not_errors() {
        assert_eq!(severities("store.go"), [super::RULE.severity]);
        assert_eq!(severities("store_test.go"), [Severity::Info]);
    }
}
