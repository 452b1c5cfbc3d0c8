use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _, SiblingNode as _};
use crate::engine::facts::stdlib;
use crate::engine::prelude::*;
use crate::engine::service_code;

pub static RULE: Rule = Rule {
    id: "response-body-not-closed",
    family: "E7",
    summary: "An *http.Response whose Body is never closed and that is not handed on",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    applicability: Applicability::Unsafe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability", "resource-leak"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["bodyclose"],
    requires_imports: &["net/http"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const RESPONSE: &str = "*net/http.Response";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(statement), Some(call)) = (found.target(), found.get("call")) else { return };
    let source: &str = &ctx.file.text;
    let Some(info) = ctx.types.call(call) else { return };
    // Only the standard library's clients hand over a body to close. A project function that
    // returns a response often has read and closed the body already (REST helpers return it for
    // its status and headers), so its contract is unknown.
    if !info.from_stdlib
        || info.results.first().map(String::as_str) != Some(RESPONSE)
        || !owns_body(&info.callee, &info.receiver)
    {
        return;
    }
    // A test's leaked connection dies with the test process: worth knowing, not worth failing on.
    let severity = if ctx.facts.is_test_file { Severity::Info } else { ctx.rule.severity };
    let Some(target) = service_code::bound_targets(statement).first().copied() else { return };
    let callee = syntax::callee_display(call, source, &info.callee);
    if target.kind_name() != "identifier" {
        // A field, an index or a dereference: the response lives on elsewhere.
        return;
    }
    let name = syntax::text(target, source);
    if name == "_" {
        let message =
            format!("the *http.Response of {callee} is discarded, so its body can never be closed and the connection leaks");
        ctx.report(statement, message)
            .severity(severity)
            .help("Keep the response and `defer resp.Body.Close()` after the error check");
        return;
    }
    let Some(body) = service_code::owning_function(ctx, statement, name, source) else { return };
    for mention in syntax::identifiers_named(body, name, source) {
        if mention == target {
            continue;
        }
        match use_of(ctx, mention, source) {
            Use::Closes | Use::HandsOn => return,
            Use::Reads => {}
        }
    }
    let message = format!(
        "the body of `{name}` from {callee} is never closed: the connection cannot be reused, and it stays open with its goroutines until the server drops it"
    );
    let finding = ctx
        .report(statement, message)
        .severity(severity)
        .help(format!("Add `defer {name}.Body.Close()` after the error check"));
    if let Some(edit) = defer_close_after_error_check(statement, name, source) {
        finding.fix(Fix::unsafe_edits(vec![edit]));
    }
}

/// Responses whose body needs no closing: a recorder's result reads from memory, and
/// `http.ReadResponse` reads from a reader the caller owns.
fn owns_body(callee: &str, receiver: &Option<(String, String)>) -> bool {
    let recorder = receiver.as_ref().is_some_and(|(path, name)| path == "net/http/httptest" && name == "ResponseRecorder");
    !recorder && !callee.ends_with(".ReadResponse")
}

enum Use {
    /// `resp.Body.Close`, called or taken as a method value.
    Closes,
    /// The response, or its body, may be closed by someone else: returned, stored, passed to a
    /// function we cannot see into, captured by a goroutine...
    HandsOn,
    /// Fields read, the body read by the standard library, a nil check.
    Reads,
}

fn use_of(ctx: &RuleContext<'_, '_>, mention: Node<'_>, source: &str) -> Use {
    let Some(parent) = mention.parent_node() else { return Use::HandsOn };
    match parent.kind_name() {
        "binary_expression" if is_nil_comparison(parent, source) => Use::Reads,
        // `var resp *http.Response`: a declaration.
        "var_spec" if parent.field_child("value").is_none_or(|value| !syntax::contains(value, mention)) => {
            Use::Reads
        }
        // Bound again (`resp, err = c.Do(retry)`): that binding is checked on its own.
        "expression_list"
            if parent.parent_node().is_some_and(|holder| {
                matches!(holder.kind_name(), "assignment_statement" | "short_var_declaration")
                    && holder.field_child("left") == Some(parent)
            }) =>
        {
            Use::Reads
        }
        "selector_expression" if parent.field_child("operand") == Some(mention) => {
            let field = parent.field_child("field").map_or("", |field| syntax::text(field, source));
            if field != "Body" {
                return Use::Reads;
            }
            body_use(ctx, parent, source)
        }
        _ => Use::HandsOn,
    }
}

/// What is done with `resp.Body`.
fn body_use(ctx: &RuleContext<'_, '_>, body: Node<'_>, source: &str) -> Use {
    let Some(parent) = body.parent_node() else { return Use::HandsOn };
    match parent.kind_name() {
        "selector_expression" if parent.field_child("operand") == Some(body) => {
            let method = parent.field_child("field").map_or("", |field| syntax::text(field, source));
            if method == "Close" { Use::Closes } else { Use::Reads }
        }
        "binary_expression" if is_nil_comparison(parent, source) => Use::Reads,
        "argument_list" => {
            let Some(call) = parent.parent_node() else { return Use::HandsOn };
            if reads_without_closing(ctx, call, source) { Use::Reads } else { Use::HandsOn }
        }
        _ => Use::HandsOn,
    }
}

/// A standard-library call that reads the body it is given and never closes it (`io.ReadAll`,
/// `io.Copy`, `json.NewDecoder`, `buf.ReadFrom`), and whose result does not leave the function.
/// `http.MaxBytesReader` wraps the body in a reader whose `Close` closes it.
fn reads_without_closing(ctx: &RuleContext<'_, '_>, call: Node<'_>, source: &str) -> bool {
    let stdlib_function = call
        .field_child("function")
        .filter(|function| function.kind_name() == "selector_expression")
        .and_then(|function| function.field_child("operand"))
        .filter(|operand| operand.kind_name() == "identifier")
        .and_then(|operand| ctx.facts.imports.path_of(syntax::text(operand, source)))
        .is_some_and(stdlib::has_package);
    let from_stdlib = stdlib_function || ctx.types.call(call).is_some_and(|info| info.from_stdlib);
    if !from_stdlib || syntax::call_name(call, source).is_some_and(|(_, name)| name == "MaxBytesReader") {
        return false;
    }
    // `return bufio.NewReader(resp.Body)`: the wrapper, and the body in it, leave the function.
    // A call that returns only plain values (`io.ReadAll`'s bytes) hands nothing on.
    let plain = ctx.types.call(call).is_some_and(|info| info.results.iter().all(|ty| is_plain_value(ty)));
    plain || !leaves_function(call)
}

/// Bytes, strings, numbers, booleans and errors: values that cannot hold on to a reader.
fn is_plain_value(ty: &str) -> bool {
    matches!(ty, "[]uint8" | "string" | "bool" | "error" | "int" | "int64" | "int32" | "uint64" | "float64")
}

/// The value of `call` itself is returned, sent, stored in a composite literal or given to a
/// goroutine (`return bufio.NewReader(resp.Body)`, not `return json.NewDecoder(b).Decode(v)`).
fn leaves_function(call: Node<'_>) -> bool {
    let mut node = call;
    while let Some(parent) = node.parent_node() {
        match parent.kind_name() {
            "parenthesized_expression" | "expression_list" | "literal_element" | "keyed_element" | "unary_expression" => {
                node = parent
            }
            "return_statement" | "send_statement" | "literal_value" | "go_statement" | "argument_list" => return true,
            _ => return false,
        }
    }
    false
}

fn is_nil_comparison(binary: Node<'_>, source: &str) -> bool {
    let operator = binary.field_child("operator").map_or("", |op| syntax::text(op, source));
    matches!(operator, "==" | "!=")
        && ["left", "right"]
            .iter()
            .filter_map(|field| binary.field_child(field))
            .any(|side| side.kind_name() == "nil")
}

/// `defer resp.Body.Close()` on a new line after `if err != nil { ... return ... }` when that
/// check directly follows the statement; else right after the statement when it binds no error.
fn defer_close_after_error_check(statement: Node<'_>, name: &str, source: &str) -> Option<Edit> {
    let statement = if statement.kind_name() == "var_spec" {
        syntax::ancestors(statement).find(|node| node.kind_name() == "var_declaration")?
    } else {
        statement
    };
    if !statement.parent_node().is_some_and(|parent| matches!(parent.kind_name(), "block" | "statement_list")) {
        return None;
    }
    let check = std::iter::successors(statement.next_named_sibling_node(), |node| node.next_named_sibling_node())
        .find(|node| node.kind_name() != "comment")
        .filter(|next| next.kind_name() == "if_statement")?;
    let condition = check.field_child("condition")?;
    let condition_text: String = syntax::text(condition, source).split_whitespace().collect();
    if !condition_text.ends_with("!=nil") || check.field_child("alternative").is_some() {
        return None;
    }
    let consequence = check.field_child("consequence")?;
    let last = syntax::block_statements(consequence).last().copied()?;
    if last.kind_name() != "return_statement" {
        return None;
    }
    let indent = syntax::line_indent(source, statement.start_byte());
    Some(Edit::insert(check.end_byte(), format!("\n{indent}defer {name}.Body.Close()")))
}
