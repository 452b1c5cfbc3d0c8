use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "channel-never-closed",
    family: "A7",
    summary: "A `for range` over a channel made in the same function that nothing closes never ends",
    severity: Severity::Error,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    precision: Precision::High,
    tags: &["reliability", "goroutine-leak"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(for_statement), Some(clause), Some(channel)) =
        (found.target(), found.get("clause"), found.get("channel"))
    else {
        return;
    };
    let source: &str = &ctx.file.text;
    let Some(scope) = syntax::top_level_declaration(for_statement) else { return };
    // Cheap reject before walking the function: most ranges are over slices and maps.
    if !ctx.text(scope).contains("chan") {
        return;
    }
    // `main` consumers and their workers are meant to live as long as the process.
    if ctx.facts.is_main_package()
        && scope.kind() == "function_declaration"
        && syntax::function_name(scope, source) == Some("main")
    {
        return;
    }
    // A loop with its own way out (a counted `break`, a `return`) is not waiting for a close.
    if !syntax::loop_exits(for_statement, source).is_empty() {
        return;
    }
    let name = ctx.text(channel);
    let Some(binding) = sole_local_make(scope, for_statement, name, source) else { return };
    let Some(make) = binding.value else { return };
    // Every other mention must be a plain send, receive or range: a `close` anywhere means the
    // author handles it, and any other use (argument, return, store, copy, `&ch`, a second
    // declaration of the name) means the channel may be closed where we cannot see.
    let only_local_traffic = syntax::identifiers_named(scope, name, source)
        .all(|mention| mention == binding.name || is_local_traffic(mention, source));
    if !only_local_traffic {
        return;
    }
    let header = Span::new(for_statement.start_byte(), clause.end_byte());
    ctx.report(header, format!("`for range {name}` never ends: `{name}` is made in this function but never closed"))
        .label(make, format!("`{name}` is made here and nothing closes it"))
        .help(format!(
            "The producer must `close({name})` when done, usually `defer close({name})` in the sending goroutine"
        ));
}

/// The one binding of `name` in `scope` when it is `name := make(chan ...)` or
/// `var name = make(chan ...)` and its scope covers the `for` statement.
fn sole_local_make<'tree>(
    scope: Node<'tree>,
    for_statement: Node<'tree>,
    name: &str,
    source: &str,
) -> Option<syntax::Binding<'tree>> {
    let bindings = syntax::bindings_of(scope, name, source);
    let [binding] = bindings.as_slice() else { return None };
    if binding.kind == syntax::BindingKind::Assign {
        return None;
    }
    syntax::make_chan(binding.value?, source)?;
    let statement = if binding.statement.kind() == "var_spec" {
        syntax::ancestors(binding.statement).find(|node| node.kind() == "var_declaration")?
    } else {
        binding.statement
    };
    let block = statement.parent()?;
    let in_scope = syntax::contains(block, for_statement) && statement.end_byte() <= for_statement.start_byte();
    in_scope.then_some(*binding)
}

/// Uses of a channel that neither close it nor hand it to anyone else.
fn is_local_traffic(mention: Node<'_>, source: &str) -> bool {
    let Some(parent) = mention.parent() else { return false };
    let is_field = |field: &str| parent.child_by_field_name(field) == Some(mention);
    match parent.kind() {
        "range_clause" => is_field("right"),
        "send_statement" => is_field("channel"),
        "unary_expression" => parent.child_by_field_name("operator").is_some_and(|op| syntax::text(op, source) == "<-"),
        "binary_expression" => {
            parent.child_by_field_name("operator").is_some_and(|op| matches!(syntax::text(op, source), "==" | "!="))
        }
        "argument_list" => parent.parent().is_some_and(|call| {
            call.kind() == "call_expression" && matches!(syntax::call_name(call, source), Some((None, "len" | "cap")))
        }),
        _ => false,
    }
}
