use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _, SiblingNode as _};
use crate::engine::prelude::*;
use crate::engine::service_code;

pub static RULE: Rule = Rule {
    id: "sql-rows-not-closed",
    family: "E14",
    summary: "*sql.Rows not closed on every path and not handed on, or rows.Next() looped without checking rows.Err()",
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability", "resource-leak"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["sqlclosecheck", "rowserrcheck"],
    requires_imports: &["database/sql"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const ROWS: &str = "*database/sql.Rows";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(statement), Some(call)) = (found.target(), found.get("call")) else { return };
    let source: &str = &ctx.file.text;
    let Some(info) = ctx.types.call(call) else { return };
    if info.results.first().map(String::as_str) != Some(ROWS) {
        return;
    }
    let targets = service_code::bound_targets(statement);
    let Some(target) = targets.first().copied() else { return };
    if target.kind_name() != "identifier" {
        return;
    }
    let callee = syntax::callee_display(call, source, &info.callee);
    let name = syntax::text(target, source);
    if name == "_" {
        let message = format!("the rows of {callee} are discarded, so they can never be closed and their connection is held");
        let severity = if ctx.facts.is_test_file { Severity::Info } else { ctx.rule.severity };
        ctx.report(statement, message)
            .severity(severity)
            .help("Keep the rows and `defer rows.Close()` after the error check");
        return;
    }
    let Some(body) = service_code::owning_function(ctx, statement, name, source) else { return };
    let mut closes = Vec::new();
    let mut checks_err = false;
    let belongs = binding_scope(body, statement, name, source);
    for mention in syntax::identifiers_named(body, name, source) {
        if mention == target || !belongs(mention) {
            continue;
        }
        match use_of(mention, source) {
            Use::HandsOn => return,
            Use::Method("Close") => closes.push(mention),
            Use::Method("Err") => checks_err = true,
            Use::Method(_) | Use::Other => {}
        }
    }
    let loops: Vec<_> = next_loops(body, name, source).into_iter().filter(|node| belongs(*node)).collect();
    let error_name = targets.get(1).filter(|node| node.kind_name() == "identifier").map(|node| syntax::text(*node, source));
    let error_check = error_check_after(statement, error_name, source);
    let releases = |node: Node<'_>| closes.iter().any(|close| syntax::contains(node, *close));
    let guards = nil_guarded_closes(body, statement, name, error_name, &closes, source);
    let leak = flow::escapes_after(statement, source, &releases).into_iter().find(|escape| {
        escape.kind != flow::EscapeKind::Panic
            && !error_check.is_some_and(|check| syntax::contains(check, escape.node))
            && !after_full_iteration(&loops, statement, escape.node, source)
            && !guards.iter().any(|guard| {
                // The block the guard sits in, braces included: a fall off the function's end
                // points at its closing brace.
                let block = syntax::ancestors(*guard).find(|node| node.kind_name() == "block");
                guard.end_byte() <= escape.node.start_byte()
                    && block.is_some_and(|block| syntax::contains(block, escape.node))
            })
    });
    // Tests open rows against a fake driver, and leaks die with the test process.
    let severity = if ctx.facts.is_test_file { Severity::Info } else { ctx.rule.severity };
    if let Some(leak) = leak {
        let (message, label) = if closes.is_empty() {
            (
                format!("the rows of {callee} in `{name}` are never closed; this path leaves before they are read to the end, holding their connection"),
                "leaves here with the rows open",
            )
        } else {
            (
                format!("the rows of {callee} in `{name}` are not closed on every path; a path that skips `{name}.Close()` holds their connection"),
                "leaves here without closing them",
            )
        };
        ctx.report(statement, message)
            .severity(severity)
            .label(leak.node, label)
            .help(format!("Add `defer {name}.Close()` right after the error check"));
    }
    if !checks_err && let Some(first_loop) = loops.first() {
        let header = first_loop.field_child("body").map_or(first_loop.end_byte(), |body| body.start_byte());
        let message = format!(
            "`{name}.Next()` is looped over but `{name}.Err()` is never checked: an error part-way through the results reads as a short result set"
        );
        ctx.report(Span::new(first_loop.start_byte(), header), message)
            .severity(severity)
            .help(format!("After the loop, `if err := {name}.Err(); err != nil {{ return err }}`"));
    }
}

/// Whether a node after `statement` still sees the variable it declares: inside the
/// statement's scope and not under a later declaration of the same name in a nested scope
/// (`rows, err := db.Query(...)` again inside a loop is another variable).
fn binding_scope<'tree>(
    body: Node<'tree>,
    statement: Node<'tree>,
    name: &str,
    source: &str,
) -> impl Fn(Node<'tree>) -> bool + use<'tree> {
    let scope = scope_of(statement).unwrap_or(body);
    // Each redeclaration in a nested scope hides ours from where it starts to that scope's end.
    let shadows: Vec<(usize, Node<'tree>)> = syntax::bindings_of(scope, name, source)
        .into_iter()
        .filter(|binding| binding.kind != syntax::BindingKind::Assign && binding.statement != statement)
        .filter_map(|binding| {
            let inner = scope_of(binding.statement)?;
            (inner != scope && syntax::contains(scope, inner)).then_some((binding.statement.start_byte(), inner))
        })
        .collect();
    let start = statement.start_byte();
    move |node: Node<'tree>| {
        node.start_byte() >= start
            && syntax::contains(scope, node)
            && !shadows.iter().any(|(from, inner)| node.start_byte() >= *from && syntax::contains(*inner, node))
    }
}

/// The block or statement header a declaration is visible in.
fn scope_of(statement: Node<'_>) -> Option<Node<'_>> {
    syntax::ancestors(statement).find(|node| {
        matches!(
            node.kind_name(),
            "block" | "if_statement" | "for_statement" | "expression_switch_statement" | "type_switch_statement"
        )
    })
}

enum Use<'s> {
    /// `rows.Close`, `rows.Next`, `rows.Err`... called or taken as a method value.
    Method(&'s str),
    /// A nil check, a declaration, the target of another binding.
    Other,
    /// Returned, stored, passed to a function, sent: someone else may close the rows.
    HandsOn,
}

fn use_of<'s>(mention: Node<'_>, source: &'s str) -> Use<'s> {
    let Some(parent) = mention.parent_node() else { return Use::HandsOn };
    match parent.kind_name() {
        "selector_expression" if parent.field_child("operand") == Some(mention) => {
            Use::Method(parent.field_child("field").map_or("", |field| syntax::text(field, source)))
        }
        "binary_expression" => {
            let operator = parent.field_child("operator").map_or("", |op| syntax::text(op, source));
            let against_nil = ["left", "right"]
                .iter()
                .filter_map(|field| parent.field_child(field))
                .any(|side| side.kind_name() == "nil");
            if matches!(operator, "==" | "!=") && against_nil { Use::Other } else { Use::HandsOn }
        }
        "var_spec" if parent.field_child("value").is_none_or(|value| !syntax::contains(value, mention)) => {
            Use::Other
        }
        "expression_list"
            if parent.parent_node().is_some_and(|holder| {
                matches!(holder.kind_name(), "assignment_statement" | "short_var_declaration")
                    && holder.field_child("left") == Some(parent)
            }) =>
        {
            Use::Other
        }
        _ => Use::HandsOn,
    }
}

/// The `for name.Next() { ... }` loops of the function.
fn next_loops<'tree>(body: Node<'tree>, name: &str, source: &str) -> Vec<Node<'tree>> {
    syntax::descendants(body)
        .filter(|node| node.kind_name() == "for_statement")
        .filter(|node| {
            syntax::named_children(*node).into_iter().find(|child| child.kind_name() == "call_expression").is_some_and(|call| {
                syntax::call_name(call, source) == Some((Some(name), "Next"))
            })
        })
        .collect()
}

/// `if err != nil { ... }` right after the statement (or with the statement as its initializer):
/// on those paths the rows are nil.
fn error_check_after<'tree>(statement: Node<'tree>, error_name: Option<&str>, source: &str) -> Option<Node<'tree>> {
    let error_name = error_name.filter(|name| *name != "_")?;
    let statement = if statement.kind_name() == "var_spec" {
        syntax::ancestors(statement).find(|node| node.kind_name() == "var_declaration")?
    } else {
        statement
    };
    let check = match statement.parent_node() {
        Some(parent) if parent.kind_name() == "if_statement" => parent,
        _ => std::iter::successors(statement.next_named_sibling_node(), |node| node.next_named_sibling_node())
            .find(|node| node.kind_name() != "comment")
            .filter(|node| node.kind_name() == "if_statement")?,
    };
    let condition: String = syntax::text(check.field_child("condition")?, source).split_whitespace().collect();
    condition.contains(&format!("{error_name}!=nil")).then(|| check.field_child("consequence")).flatten()
}

/// Whether the path to `exit` may have gone through a `for rows.Next()` loop that ran to its
/// end: `Next` closes the rows when it returns false. A loop with a `break` or `goto` out of it
/// may leave with the rows open, so it does not count.
fn after_full_iteration(loops: &[Node<'_>], statement: Node<'_>, exit: Node<'_>, source: &str) -> bool {
    loops.iter().any(|loop_| {
        loop_.start_byte() >= statement.end_byte()
            && loop_.end_byte() <= exit.start_byte()
            && !leaves_early(*loop_, source)
    })
}

/// A `break` that ends `loop_` (unlabelled, not inside a nested loop, switch or select; or
/// labelled), or a `goto`, inside its body.
fn leaves_early(loop_: Node<'_>, source: &str) -> bool {
    let Some(body) = loop_.field_child("body") else { return false };
    syntax::descendants(body).any(|node| match node.kind_name() {
        "goto_statement" => true,
        "break_statement" => flow::jump_target(node, source) == Some(loop_),
        _ => false,
    })
}

/// `if rows != nil { rows.Close() }` or `if err == nil { ...; rows.Close() }` after the query:
/// the paths that skip such an `if` are the ones where there are no rows to close.
fn nil_guarded_closes<'tree>(
    body: Node<'tree>,
    statement: Node<'tree>,
    name: &str,
    error_name: Option<&str>,
    closes: &[Node<'tree>],
    source: &str,
) -> Vec<Node<'tree>> {
    let rows_guard = format!("{name}!=nil");
    let error_guard = error_name.filter(|error| *error != "_").map(|error| format!("{error}==nil"));
    syntax::descendants(body)
        .filter(|node| node.kind_name() == "if_statement" && node.start_byte() >= statement.end_byte())
        .filter(|node| {
            let Some(condition) = node.field_child("condition") else { return false };
            let condition: String = syntax::text(condition, source).split_whitespace().collect();
            let guards = condition == rows_guard || error_guard.as_deref() == Some(condition.as_str());
            guards
                && node
                    .field_child("consequence")
                    .is_some_and(|consequence| closes.iter().any(|close| syntax::contains(consequence, *close)))
        })
        .collect()
}
