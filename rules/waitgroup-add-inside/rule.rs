use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "waitgroup-add-inside",
    family: "C3",
    summary: "`wg.Add` is called inside the goroutine it counts, racing with `wg.Wait()`",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::High,
    tags: &["correctness", "concurrency"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["govet", "waitgroup"],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let Some(go) = found.target().and_then(flow::GoStatement::new) else { return };
    let flow::GoTarget::Literal(literal) = go.target else { return };
    let Some(body) = literal.field_child("body") else { return };
    let source: &str = &ctx.file.text;
    let first_statement = syntax::block_statements(body).into_iter().next();
    for statement in flow::own_descendants(body).filter(|node| node.kind_name() == "expression_statement") {
        let Some(call) = statement.named_child(0).filter(|call| call.kind_name() == "call_expression") else { continue };
        let Some(function) = call.field_child("function").filter(|f| f.kind_name() == "selector_expression") else {
            continue;
        };
        let (Some(receiver), Some(method)) =
            (function.field_child("operand"), function.field_child("field"))
        else {
            continue;
        };
        if ctx.text(method) != "Add" || !adds_a_positive_count(call, source) {
            continue;
        }
        if declared_inside(receiver, body, source)
            || never_waited(receiver, go.statement, source)
            || waited_only_here_before(receiver, body, call, go.statement, source)
            || !is_wait_group(ctx, receiver, go.statement, source)
            || (starts_a_child(body, statement)
                && (counted_before(receiver, go.statement, source) || marks_itself_done(body, source)))
        {
            continue;
        }
        let receiver_text = ctx.text(receiver);
        let add_text = ctx.text(call);
        let fix = (Some(statement) == first_statement)
            .then(|| move_before(statement, go.statement, literal, source))
            .flatten();
        let builder = ctx
            .report(
                call,
                format!(
                    "`{add_text}` runs inside the goroutine, so `{receiver_text}.Wait()` can return before it \
                     is counted"
                ),
            )
            .label(
                Span::new(go.statement.start_byte(), body.start_byte() + 1),
                "the goroutine is started here, before it is counted",
            )
            .help(format!("Call `{add_text}` before the `go` statement"));
        if let Some(edits) = fix {
            builder.fix(Fix::safe(edits));
        }
    }
}

/// `wg.Add(1)`, `wg.Add(n)`: anything but a negative literal (`wg.Add(-1)` is a `Done`).
fn adds_a_positive_count(call: Node<'_>, source: &str) -> bool {
    match syntax::call_arguments(call).as_slice() {
        [argument] => !syntax::text(*argument, source).trim_start().starts_with('-'),
        _ => false,
    }
}

/// The receiver is a `sync.WaitGroup` by its declared type or, when the type is not known, by its
/// use: the function around the `go` statement also calls `.Done()` or `.Wait()` on the same
/// expression.
fn is_wait_group(ctx: &RuleContext<'_, '_>, receiver: Node<'_>, go: Node<'_>, source: &str) -> bool {
    if let Some(type_name) = ctx.types.type_of(receiver) {
        return matches!(type_name.as_str(), "sync.WaitGroup" | "*sync.WaitGroup");
    }
    let receiver_text = syntax::text(receiver, source);
    let Some(scope) = syntax::top_level_declaration(go) else { return false };
    syntax::descendants(scope).any(|node| {
        node.kind_name() == "call_expression"
            && matches!(syntax::call_name(node, source), Some((Some(operand), "Done" | "Wait")) if operand == receiver_text)
    })
}

/// True when a `go` statement follows `add` in the literal: the `Add` counts a child goroutine.
fn starts_a_child(body: Node<'_>, add: Node<'_>) -> bool {
    flow::own_descendants(body).any(|node| node.start_byte() >= add.end_byte() && node.kind_name() == "go_statement")
}

/// True when the function starting the goroutine adds to the same group before the `go`
/// statement (outside the literal). With [`starts_a_child`], the nested fan-out pattern: the
/// goroutine is counted, so the group cannot reach zero while it adds for its children.
fn counted_before(receiver: Node<'_>, go: Node<'_>, source: &str) -> bool {
    let receiver_text = syntax::text(receiver, source);
    let Some(function) = syntax::enclosing_function(go) else { return false };
    flow::own_descendants(function).any(|node| {
        node.end_byte() <= go.start_byte()
            && node.kind_name() == "call_expression"
            && matches!(syntax::call_name(node, source), Some((Some(operand), "Add")) if operand == receiver_text)
    })
}

/// Delete the `Add` line from the literal and insert it on the line before the `go` statement,
/// with the `go` statement's indentation. Only when both sit alone on their lines and the call
/// uses none of the literal's parameters (the literal declares nothing before its first
/// statement).
fn move_before(statement: Node<'_>, go: Node<'_>, literal: Node<'_>, source: &str) -> Option<Vec<Edit>> {
    let parameters = syntax::signature_names(literal, source);
    if syntax::descendants(statement)
        .any(|node| node.kind_name() == "identifier" && parameters.contains(&syntax::text(node, source)))
    {
        return None;
    }
    let alone_on_line = |node: Node<'_>| {
        let start = source[..node.start_byte()].rfind('\n').map_or(0, |i| i + 1);
        let end = syntax::line_end(source, node.end_byte());
        let before_blank = source[start..node.start_byte()].trim().is_empty();
        (before_blank, start, end)
    };
    let (statement_alone, line_start, line_end) = alone_on_line(statement);
    // A trailing comment moves with the call.
    let rest = source[statement.end_byte()..line_end].trim();
    if !statement_alone || !(rest.is_empty() || rest.starts_with("//")) {
        return None;
    }
    let moved = source[statement.start_byte()..line_end].trim_end();
    let (go_alone, go_line_start, _) = alone_on_line(go);
    if !go_alone || !go.parent_node().is_some_and(|parent| matches!(parent.kind_name(), "block" | "statement_list")) {
        return None;
    }
    let indent = syntax::line_indent(source, go.start_byte());
    let delete_end = (line_end + 1).min(source.len());
    Some(vec![
        Edit::insert(go_line_start, format!("{indent}{moved}\n")),
        Edit::delete(Span::new(line_start, delete_end)),
    ])
}

/// True when the group is a local of the goroutine itself (`var wg sync.WaitGroup` inside the
/// literal): the goroutine adds and waits on its own group, and nobody outside can wait on it.
fn declared_inside(receiver: Node<'_>, body: Node<'_>, source: &str) -> bool {
    root_name(receiver, source).is_some_and(|name| declares(body, name, source))
}

/// True when the group is a local variable (not a field or parameter) of the function around the
/// `go` statement and nothing in that function waits on it: there is no `Wait` to race with.
fn never_waited(receiver: Node<'_>, go: Node<'_>, source: &str) -> bool {
    let receiver = syntax::unparen(receiver);
    let Some(scope) = syntax::top_level_declaration(go) else { return false };
    if receiver.kind_name() != "identifier" || !declares(scope, syntax::text(receiver, source), source) {
        return false;
    }
    let receiver_text = syntax::text(receiver, source);
    !syntax::descendants(scope).any(|node| {
        node.kind_name() == "call_expression"
            && matches!(syntax::call_name(node, source), Some((Some(operand), "Wait")) if operand == receiver_text)
    })
}

/// True when the group is a local of the function around the `go` statement, every `Wait` on it
/// in that function runs inside this goroutine, and one of them runs before the `Add`: the
/// `Add` is ordered with every `Wait` by the goroutine itself, so no `Wait` elsewhere can miss the
/// new count (a lister that re-queues overflow after its workers went idle).
fn waited_only_here_before(receiver: Node<'_>, body: Node<'_>, add: Node<'_>, go: Node<'_>, source: &str) -> bool {
    let receiver = syntax::unparen(receiver);
    let Some(scope) = syntax::top_level_declaration(go) else { return false };
    if receiver.kind_name() != "identifier" || !declares(scope, syntax::text(receiver, source), source) {
        return false;
    }
    let receiver_text = syntax::text(receiver, source);
    let waits: Vec<Node<'_>> = syntax::descendants(scope)
        .filter(|node| {
            node.kind_name() == "call_expression"
                && matches!(syntax::call_name(*node, source), Some((Some(operand), "Wait")) if operand == receiver_text)
        })
        .collect();
    waits.iter().all(|wait| syntax::contains(body, *wait) && !inside_nested_literal(*wait, body))
        && waits.iter().any(|wait| wait.end_byte() <= add.start_byte())
}

/// The `Wait` is in a function literal nested inside the goroutine's body: another goroutine.
fn inside_nested_literal(node: Node<'_>, body: Node<'_>) -> bool {
    syntax::ancestors(node).take_while(|ancestor| *ancestor != body).any(|ancestor| ancestor.kind_name() == "func_literal")
}

/// `wg` for `wg`, `s.wg` or `s.pool.wg`.
fn root_name<'s>(receiver: Node<'_>, source: &'s str) -> Option<&'s str> {
    let mut root = syntax::unparen(receiver);
    while root.kind_name() == "selector_expression" {
        root = syntax::unparen(root.field_child("operand")?);
    }
    (root.kind_name() == "identifier").then(|| syntax::text(root, source))
}

/// True when `scope` declares `name` with `:=` or `var`.
fn declares(scope: Node<'_>, name: &str, source: &str) -> bool {
    syntax::bindings_of(scope, name, source)
        .iter()
        .any(|binding| matches!(binding.kind, syntax::BindingKind::Define | syntax::BindingKind::Var))
}

/// True when the goroutine calls `Done()` on some group: it is tracked by someone (etcd's
/// `waitCancelSubstreams`), so its children are added while that tracker still waits for it.
fn marks_itself_done(body: Node<'_>, source: &str) -> bool {
    flow::own_descendants(body).any(|node| {
        node.kind_name() == "call_expression"
            && matches!(syntax::call_name(node, source), Some((Some(_), "Done")))
            && syntax::call_arguments(node).is_empty()
    })
}
