use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::facts::VersionSource;
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "timer-leak",
    family: "B2",
    summary: "A ticker or timer that is never stopped, `time.Tick` outside main, or `time.After` in a for-select loop (before Go 1.23)",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Medium,
    tags: &["reliability", "leaks"],
    go_version: GoVersionRange { below: Some(GoVersion::new(1, 23)) },
    aliases: &[],
    nolint_aliases: &["staticcheck"],
    requires_imports: &["time"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

fn stop_help(constructor: &str) -> String {
    format!("Keep it and stop it when you are done with it: `t := time.{constructor}(d); defer t.Stop()`")
}

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(call), Some(package), Some(function)) = (found.target(), found.get("package"), found.get("function"))
    else {
        return;
    };
    if !ctx.facts.imports.names(ctx.text(package), "time") {
        return;
    }
    let source: &str = &ctx.file.text;
    let constructor = ctx.text(function);
    // A test's one-shot timeouts are pending for at most their duration, in a process that ends
    // with the test run; only tickers (which never stop firing) matter there.
    if ctx.facts.is_test_file && matches!(constructor, "NewTimer" | "After") {
        return;
    }
    match constructor {
        "NewTicker" | "NewTimer" => check_constructor(ctx, call, constructor, source),
        "Tick" => check_tick(ctx, call, source),
        "After" => check_after(ctx, call, source),
        _ => {}
    }
}

/// Where the version that makes this a leak comes from.
fn version_note(ctx: &RuleContext<'_, '_>) -> String {
    match (ctx.facts.go_version_source, ctx.facts.go_version) {
        (VersionSource::GoMod, Some(version)) => format!("(go.mod says go {version})"),
        (VersionSource::GoWork, Some(version)) => format!("(go.work says go {version})"),
        (VersionSource::BuildConstraint, Some(version)) => format!("(//go:build pins go{version})"),
        _ => "(no go.mod: assuming a Go version before 1.23)".to_string(),
    }
}

/// How long an unstopped one stays alive before Go 1.23.
fn lifetime(constructor: &str) -> &'static str {
    if constructor == "NewTicker" { "its timer and channel alive forever" } else { "it alive until it fires" }
}

fn check_constructor(ctx: &mut RuleContext<'_, '_>, call: Node<'_>, constructor: &str, source: &str) {
    let Some(function) = ctx.types.ancestry().enclosing_functions(call).next() else { return };
    if is_main(ctx, function, source) {
        return;
    }
    let outer = outermost_parens(call);
    let Some(parent) = outer.parent_node() else { return };
    let name = match parent.kind_name() {
        // `time.NewTimer(d).C`: nothing keeps the timer to stop it.
        "selector_expression"
            if parent.field_child("field").is_some_and(|f| syntax::text(f, source) == "C") =>
        {
            // `<-time.NewTimer(d).C` outside a select waits until the timer fires: nothing is left.
            if constructor == "NewTimer" && !in_select_case(parent) {
                return;
            }
            let message = format!(
                "`time.{constructor}(...).C` leaves nothing to stop the {}; before Go 1.23 the runtime keeps {} {}",
                noun(constructor),
                lifetime(constructor),
                version_note(ctx)
            );
            ctx.report(call, message).help(stop_help(constructor));
            return;
        }
        "expression_list" => match bound_name(parent, outer) {
            Some(name) => name,
            None => return,
        },
        _ => return,
    };
    if name.kind_name() != "identifier" {
        return;
    }
    let name_text = syntax::text(name, source);
    let Some(scope) = syntax::top_level_declaration(call) else { return };
    if name_text == "_" {
        let message = format!(
            "the {} from `time.{constructor}` is discarded, so it can never be stopped; before Go 1.23 the runtime \
             keeps {} {}",
            noun(constructor),
            lifetime(constructor),
            version_note(ctx)
        );
        ctx.report(call, message).help(stop_help(constructor));
        return;
    }
    if stopped_or_escapes(scope, name_text, name, source) || consumed_forever(function, name_text, source) {
        return;
    }
    // A timer whose channel is only received outside a select has fired by the time the function
    // goes on: it is only pending while something else can win a select.
    if constructor == "NewTimer"
        && !syntax::identifiers_named(scope, name_text, source).any(|use_| {
            use_.parent_node().is_some_and(|selector| {
                selector.kind_name() == "selector_expression"
                    && selector.field_child("field").is_some_and(|f| syntax::text(f, source) == "C")
                    && in_select_case(selector)
            })
        })
    {
        return;
    }
    let message = format!(
        "{} `{name_text}` from `time.{constructor}` is never stopped and does not escape; before Go 1.23 the runtime \
         keeps {} {}",
        capitalized(noun(constructor)),
        lifetime(constructor),
        version_note(ctx)
    );
    ctx.report(call, message).help(format!("Stop it when you are done with it: `defer {name_text}.Stop()`"));
}

fn noun(constructor: &str) -> &'static str {
    if constructor == "NewTicker" { "ticker" } else { "timer" }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The name a value in `right` (an `expression_list`) is bound to: `t := ...`, `t = ...`,
/// `var t = ...`. `None` when it is not paired one-to-one with a name.
fn bound_name<'tree>(right: Node<'tree>, value: Node<'tree>) -> Option<Node<'tree>> {
    let statement = right.parent_node()?;
    let values = syntax::named_children(right);
    let index = values.iter().position(|v| *v == value)?;
    let names: Vec<Node<'tree>> = match statement.kind_name() {
        "short_var_declaration" | "assignment_statement" => {
            if statement.field_child("right") != Some(right) {
                return None;
            }
            syntax::named_children(statement.field_child("left")?)
        }
        "var_spec" => {
            let mut cursor = statement.walk();
            statement.children_by_field_name("name", &mut cursor).collect()
        }
        _ => return None,
    };
    (names.len() == values.len()).then(|| names[index])
}

/// True when `name` is stopped (`name.Stop()` anywhere in the declaration, goroutines and
/// deferred literals included) or handed to someone else: returned, passed, stored, sent, or
/// assigned to another variable or field.
fn stopped_or_escapes(scope: Node<'_>, name: &str, declared: Node<'_>, source: &str) -> bool {
    syntax::identifiers_named(scope, name, source).filter(|node| *node != declared).any(|use_| {
        let Some(parent) = use_.parent_node() else { return false };
        match parent.kind_name() {
            "selector_expression" => {
                parent.field_child("field").is_some_and(|field| syntax::text(field, source) == "Stop")
            }
            "argument_list" | "literal_element" | "send_statement" | "return_statement" => true,
            "unary_expression" => true,
            "expression_list" => parent.parent_node().is_some_and(|statement| match statement.kind_name() {
                "return_statement" => true,
                "short_var_declaration" | "assignment_statement" => {
                    statement.field_child("right") == Some(parent)
                }
                "var_spec" => true,
                _ => false,
            }),
            _ => false,
        }
    })
}

/// True when the function reads `name` (its `.C`) in a loop that never ends: the ticker lives as
/// long as the function, which never returns.
fn consumed_forever(function: Node<'_>, name: &str, source: &str) -> bool {
    let Some(view) = flow::FunctionView::new(function, source) else { return false };
    view.loops()
        .any(|loop_| syntax::identifiers_named(loop_.node, name, source).next().is_some() && endless(&loop_, source))
}

/// A `for {}` (or a range over a ticker's channel, which is never closed) with no way out.
fn endless(loop_: &flow::Loop<'_>, source: &str) -> bool {
    let ranges_forever = match loop_.range_over() {
        Some(flow::RangeOver::Selector { field, .. }) => syntax::text(field, source) == "C",
        Some(flow::RangeOver::Call(call)) => {
            matches!(syntax::call_name(call, source), Some((Some(_), "Tick")))
        }
        _ => false,
    };
    (loop_.is_infinite() || ranges_forever) && flow::loop_exits(loop_, source).is_empty()
}

/// `func main` of package main (not a literal inside it): the process ends with it.
fn is_main(ctx: &RuleContext<'_, '_>, function: Node<'_>, source: &str) -> bool {
    ctx.facts.is_main_package()
        && function.kind_name() == "function_declaration"
        && syntax::function_name(function, source) == Some("main")
}

fn check_tick(ctx: &mut RuleContext<'_, '_>, call: Node<'_>, source: &str) {
    if ctx.facts.is_main_package() || ctx.facts.is_test_file {
        return;
    }
    let Some(function) = ctx.types.ancestry().enclosing_functions(call).next() else { return };
    // `for range time.Tick(d)` (or `c := time.Tick(d)` read in a `for {}`) with no way out: an
    // endless function, where the one ticker lives as long as it anyway.
    for ancestor in syntax::ancestors(call) {
        if ancestor == function {
            break;
        }
        if let Some(loop_) = flow::Loop::new(ancestor)
            && !loop_.contains(call)
            && endless(&loop_, source)
        {
            return;
        }
    }
    let outer = outermost_parens(call);
    if let Some(parent) = outer.parent_node()
        && parent.kind_name() == "expression_list"
        && let Some(name) = bound_name(parent, outer)
        && name.kind_name() == "identifier"
        && consumed_forever(function, syntax::text(name, source), source)
    {
        return;
    }
    let message = format!(
        "`time.Tick` outside `main` creates a ticker nobody can stop; before Go 1.23 it is never collected {}",
        version_note(ctx)
    );
    ctx.report(call, message).help("Use `t := time.NewTicker(d); defer t.Stop()` and receive from `t.C`");
}

fn check_after(ctx: &mut RuleContext<'_, '_>, call: Node<'_>, source: &str) {
    // `case <-time.After(d):` / `case v := <-time.After(d):`
    let Some(case) = syntax::ancestors(call).take(4).find(|node| node.kind_name() == "communication_case") else {
        return;
    };
    let in_communication =
        case.field_child("communication").is_some_and(|communication| syntax::contains(communication, call));
    if !in_communication {
        return;
    }
    let Some(select) = case.parent_node().filter(|parent| parent.kind_name() == "select_statement") else { return };
    let Some(loop_) = syntax::ancestors(select)
        .take_while(|node| !syntax::FUNCTION_KINDS.contains(&node.kind_name()))
        .filter_map(flow::Loop::new)
        .find(|loop_| loop_.contains(select))
    else {
        return;
    };
    // Timers pile up only when another case wins and the loop goes round again. A retry or
    // backoff sleep (`case <-time.After(d):` next to `case <-stop: return`) keeps at most one.
    let piles_up = flow::select_cases(select)
        .filter(|other| other.node != case)
        .any(|other| !other.receives_from_cancellation(source) && !leaves_loop(&other, &loop_, source));
    if !piles_up {
        return;
    }
    let message = format!(
        "`time.After` in a `select` inside a loop creates a new timer on every iteration; before Go 1.23 each one \
         lives until it fires {}",
        version_note(ctx)
    );
    ctx.report(call, message).help(
        "Create one timer outside the loop (`t := time.NewTimer(d); defer t.Stop()`) and `Reset` it on each iteration",
    );
}

/// `node`, or the outermost parentheses around it.
fn outermost_parens(mut node: Node<'_>) -> Node<'_> {
    while let Some(parent) = node.parent_node().filter(|parent| parent.kind_name() == "parenthesized_expression") {
        node = parent;
    }
    node
}

/// True when a `select` case always ends by leaving `loop_`: its last statement returns, breaks
/// the loop, jumps out of it, or ends the goroutine (`panic`, `t.Fatal`, `os.Exit`).
fn leaves_loop(case: &flow::SelectCase<'_>, loop_: &flow::Loop<'_>, source: &str) -> bool {
    let Some(last) = case.body.and_then(|body| syntax::block_statements(body).last().copied()) else {
        return false;
    };
    match last.kind_name() {
        "return_statement" => true,
        "break_statement" | "goto_statement" => {
            flow::jump_target(last, source).is_none_or(|target| target == loop_.node || !loop_.contains(target))
        }
        "expression_statement" => last
            .named_child(0)
            .is_some_and(|call| call.kind_name() == "call_expression" && flow::terminating_call(call, source).is_some()),
        _ => false,
    }
}

/// True when `expression` is part of a `select` case's communication (`case <-t.C:`).
fn in_select_case(expression: Node<'_>) -> bool {
    syntax::ancestors(expression).take(4).any(|ancestor| {
        ancestor.kind_name() == "communication_case"
            && ancestor
                .field_child("communication")
                .is_some_and(|communication| syntax::contains(communication, expression))
    })
}
