use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::facts::VersionSource;
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "loop-var-capture",
    family: "C1",
    summary: "A goroutine, deferred closure or parallel subtest in a loop captures the loop variable (before Go 1.22)",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    applicability: Applicability::Unsafe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::High,
    tags: &["correctness", "concurrency"],
    go_version: GoVersionRange { below: Some(GoVersion::new(1, 22)) },
    aliases: &[],
    nolint_aliases: &["govet", "loopclosure", "copyloopvar"],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// How the literal is run later than the statement that creates it.
enum Launch {
    Go,
    Defer,
    /// `t.Run(name, func(t *testing.T) { t.Parallel(); ... })`
    ParallelSubtest,
    /// `g.Go(func() error { ... })`: errgroup, conc pools and the like.
    Runner(String),
}

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let Some(literal) = found.target() else { return };
    let source: &str = &ctx.file.text;
    let Some(body) = literal.field_child("body") else { return };
    // Uses before `after` run synchronously (before `t.Parallel()` pauses the subtest).
    let (launch, statement, after) = if let Some(runner) = found.get("runner") {
        let Some((_, method)) = syntax::call_name(runner, source) else { return };
        let Some(statement) = syntax::enclosing_statement(runner) else { return };
        if method == "Run" {
            let Some(parallel) = parallel_call(body, source) else { return };
            (Launch::ParallelSubtest, statement, parallel.end_byte())
        } else {
            let callee = runner.field_child("function").map_or("Go", |function| ctx.text(function));
            (Launch::Runner(callee.to_string()), statement, 0)
        }
    } else {
        let Some(statement) = literal.parent_node().and_then(|call| call.parent_node()) else { return };
        let launch = if statement.kind_name() == "go_statement" { Launch::Go } else { Launch::Defer };
        (launch, statement, 0)
    };

    for ancestor in syntax::ancestors(statement) {
        if syntax::FUNCTION_KINDS.contains(&ancestor.kind_name()) {
            break;
        }
        let Some(loop_) = flow::Loop::new(ancestor) else { continue };
        if !loop_.contains(statement) {
            continue;
        }
        if matches!(launch, Launch::Go | Launch::Runner(_)) && waited_in_iteration(&loop_, statement, source) {
            continue;
        }
        let mut captured: Vec<(&str, Node<'_>)> = Vec::new();
        for variable in loop_variables(&loop_, source) {
            let name = syntax::text(variable, source);
            if captured.iter().any(|(seen, _)| *seen == name) {
                continue;
            }
            let first_use = syntax::identifiers_named(body, name, source).find(|node| {
                node.start_byte() >= after && is_use(*node) && !declared_between(*node, loop_.node, name, source)
            });
            if let Some(first_use) = first_use {
                captured.push((name, first_use));
            }
        }
        if captured.is_empty() {
            continue;
        }
        report(ctx, &launch, &loop_, &captured, source);
    }
}

fn report(
    ctx: &mut RuleContext<'_, '_>,
    launch: &Launch,
    loop_: &flow::Loop<'_>,
    captured: &[(&str, Node<'_>)],
    source: &str,
) {
    let names: Vec<String> = captured.iter().map(|(name, _)| format!("`{name}`")).collect();
    let (noun, listed) = match names.as_slice() {
        [one] => ("variable", one.clone()),
        [init @ .., last] => ("variables", format!("{} and {last}", init.join(", "))),
        [] => return,
    };
    let first = captured.iter().map(|(_, node)| *node).min_by_key(Node::start_byte).unwrap_or(captured[0].1);
    let (what, consequence) = match launch {
        Launch::Go => ("goroutine", "it may run with a later iteration's value"),
        Launch::Defer => ("deferred closure", "every deferred call sees the last iteration's value"),
        Launch::ParallelSubtest => ("parallel subtest", "the subtests run after the loop and all see its last value"),
        Launch::Runner(callee) => {
            let message = format!(
                "closure passed to `{callee}` uses the loop {noun} {listed}, which every iteration shares before \
                 Go 1.22; it may run with a later iteration's value {}",
                version_note(ctx)
            );
            return finish(ctx, first, message, loop_, captured, source);
        }
    };
    let message = format!(
        "{what} uses the loop {noun} {listed}, which every iteration shares before Go 1.22; {consequence} {}",
        version_note(ctx)
    );
    finish(ctx, first, message, loop_, captured, source);
}

fn finish(
    ctx: &mut RuleContext<'_, '_>,
    first: Node<'_>,
    message: String,
    loop_: &flow::Loop<'_>,
    captured: &[(&str, Node<'_>)],
    source: &str,
) {
    let copies: Vec<String> = captured.iter().map(|(name, _)| format!("{name} := {name}")).collect();
    let label = if captured.len() == 1 {
        format!("`{}` is one variable for the whole loop", captured[0].0)
    } else {
        let names: Vec<String> = captured.iter().map(|(name, _)| format!("`{name}`")).collect();
        format!("{} are each one variable for the whole loop", names.join(", "))
    };
    let edit = copy_edit(loop_, captured, &copies, source);
    let builder = ctx.report(first, message).label(loop_.header_span(), label);
    match edit {
        Some(edit) => {
            builder
                .help(format!(
                    "Copy {} at the top of the loop body: `{}`",
                    if copies.len() == 1 { "it" } else { "them" },
                    copies.join("; ")
                ))
                .fix(Fix::unsafe_edits(vec![edit]));
        }
        None => {
            builder.help(format!(
                "Pass it to the literal as an argument, or copy it (`{}`) before any statement that changes it",
                copies.join("; ")
            ));
        }
    }
}

/// Where the version that makes this a bug comes from.
fn version_note(ctx: &RuleContext<'_, '_>) -> String {
    match (ctx.facts.go_version_source, ctx.facts.go_version) {
        (VersionSource::GoMod, Some(version)) => format!("(go.mod says go {version})"),
        (VersionSource::GoWork, Some(version)) => format!("(go.work says go {version})"),
        (VersionSource::BuildConstraint, Some(version)) => format!("(//go:build pins go{version})"),
        _ => "(no go.mod: assuming the pre-1.22 loop semantics)".to_string(),
    }
}

/// `v := v` for each captured variable as the loop body's first statement. Not offered for a
/// three-clause loop whose body changes the variable: the copy would take the change away from
/// the loop's own `i++` and condition.
fn copy_edit(loop_: &flow::Loop<'_>, captured: &[(&str, Node<'_>)], copies: &[String], source: &str) -> Option<Edit> {
    let body = loop_.body?;
    if matches!(loop_.kind, flow::LoopKind::Conditional { .. } | flow::LoopKind::Infinite)
        && captured.iter().any(|(name, _)| mutated_in(body, name, source))
    {
        return None;
    }
    let mut first = body.named_child(0)?;
    if first.kind_name() == "statement_list" {
        first = first.named_child(0)?;
    }
    let at = first.start_byte();
    if first.start_position().row > body.start_position().row {
        let indent = syntax::line_indent(source, at);
        let text: String = copies.iter().map(|copy| format!("{copy}\n{indent}")).collect();
        Some(Edit::insert(at, text))
    } else {
        Some(Edit::insert(at, format!("{}; ", copies.join("; "))))
    }
}

/// True when `name` is assigned, incremented or has its address taken inside `scope`.
fn mutated_in(scope: Node<'_>, name: &str, source: &str) -> bool {
    syntax::identifiers_named(scope, name, source).any(|identifier| {
        let Some(parent) = identifier.parent_node() else { return false };
        match parent.kind_name() {
            "inc_statement" | "dec_statement" => true,
            "unary_expression" => {
                parent.field_child("operator").is_some_and(|op| syntax::text(op, source) == "&")
            }
            "expression_list" => parent.parent_node().is_some_and(|statement| {
                statement.kind_name() == "assignment_statement" && statement.field_child("left") == Some(parent)
            }),
            _ => false,
        }
    })
}

/// The `t.Parallel()` statement at the top level of a subtest body.
fn parallel_call<'tree>(body: Node<'tree>, source: &str) -> Option<Node<'tree>> {
    syntax::block_statements(body).into_iter().find(|statement| {
        statement.kind_name() == "expression_statement"
            && statement.named_child(0).is_some_and(|call| {
                call.kind_name() == "call_expression"
                    && matches!(syntax::call_name(call, source), Some((Some(_), "Parallel")))
                    && syntax::call_arguments(call).is_empty()
            })
    })
}

/// The variables a loop declares for itself: `for k, v := range` and `for i := 0; ...`. A range
/// with `=` assigns variables declared outside the loop, which Go 1.22 did not change.
fn loop_variables<'tree>(loop_: &flow::Loop<'tree>, source: &str) -> Vec<Node<'tree>> {
    let Some(header) = syntax::named_children(loop_.node).into_iter().find(|child| Some(*child) != loop_.body) else {
        return Vec::new();
    };
    let left = match header.kind_name() {
        "range_clause" => {
            let mut cursor = header.walk();
            let defines = header.children(&mut cursor).any(|child| child.kind_name() == ":=");
            if !defines {
                return Vec::new();
            }
            header.field_child("left")
        }
        "for_clause" => header
            .field_child("initializer")
            .filter(|init| init.kind_name() == "short_var_declaration")
            .and_then(|init| init.field_child("left")),
        _ => None,
    };
    left.map(syntax::named_children)
        .unwrap_or_default()
        .into_iter()
        .filter(|name| name.kind_name() == "identifier" && syntax::text(*name, source) != "_")
        .collect()
}

/// False for identifiers that declare a name or are a composite literal's key (`T{v: 1}`, most
/// often a field name).
fn is_use(identifier: Node<'_>) -> bool {
    let Some(parent) = identifier.parent_node() else { return false };
    match parent.kind_name() {
        "parameter_declaration" | "variadic_parameter_declaration" | "var_spec" | "const_spec" => false,
        "literal_element" => parent
            .parent_node()
            .is_none_or(|keyed| keyed.kind_name() != "keyed_element" || keyed.field_child("key") != Some(parent)),
        "expression_list" => !parent.parent_node().is_some_and(|statement| {
            matches!(statement.kind_name(), "short_var_declaration" | "range_clause" | "receive_statement")
                && statement.field_child("left") == Some(parent)
                && defines(statement)
        }),
        _ => true,
    }
}

/// `:=` rather than `=` in a short declaration, range clause or select receive.
fn defines(statement: Node<'_>) -> bool {
    if statement.kind_name() == "short_var_declaration" {
        return true;
    }
    let mut cursor = statement.walk();
    statement.children(&mut cursor).any(|child| child.kind_name() == ":=")
}

/// True when something between `identifier` and `stop` (exclusive) declares `name` in a scope
/// that covers `identifier`: `v := v`, a parameter, an inner loop or `if v := ...`.
fn declared_between(identifier: Node<'_>, stop: Node<'_>, name: &str, source: &str) -> bool {
    let mut child = identifier;
    for ancestor in syntax::ancestors(identifier) {
        if ancestor == stop {
            return false;
        }
        let shadows = match ancestor.kind_name() {
            "block" | "statement_list" => syntax::named_children(ancestor).into_iter().any(|statement| {
                statement.end_byte() <= identifier.start_byte() && statement_declares(statement, name, source)
            }),
            "func_literal" | "function_declaration" | "method_declaration" => {
                syntax::signature_names(ancestor, source).contains(&name)
            }
            "for_statement" => {
                let loop_ = flow::Loop::new(ancestor);
                // The loop's own variable covers its body and a three-clause header's condition and
                // post statement, but not what a range ranges over or the initializer's value.
                loop_.is_some_and(|loop_| {
                    let in_scope = loop_.body == Some(child)
                        || (child.kind_name() == "for_clause"
                            && child
                                .field_child("initializer")
                                .and_then(|init| init.field_child("right"))
                                .is_none_or(|right| !syntax::contains(right, identifier)));
                    in_scope
                        && loop_variables(&loop_, source).iter().any(|variable| syntax::text(*variable, source) == name)
                })
            }
            "if_statement" | "expression_switch_statement" | "type_switch_statement" => {
                let initializer = ancestor.field_child("initializer");
                let alias = ancestor.field_child("alias");
                initializer.is_some_and(|init| init != child && statement_declares(init, name, source))
                    || alias.is_some_and(|alias| {
                        alias != child && syntax::named_children(alias).iter().any(|n| syntax::text(*n, source) == name)
                    })
            }
            "communication_case" => ancestor.field_child("communication").is_some_and(|communication| {
                communication != child
                    && communication.kind_name() == "receive_statement"
                    && defines(communication)
                    && communication.field_child("left").is_some_and(|left| {
                        syntax::named_children(left).iter().any(|n| syntax::text(*n, source) == name)
                    })
            }),
            _ => false,
        };
        if shadows {
            return true;
        }
        child = ancestor;
    }
    false
}

/// True when `statement` itself declares `name` (`name := ...`, `var name ...`, `const name`).
fn statement_declares(statement: Node<'_>, name: &str, source: &str) -> bool {
    match statement.kind_name() {
        "short_var_declaration" => statement
            .field_child("left")
            .is_some_and(|left| syntax::named_children(left).iter().any(|n| syntax::text(*n, source) == name)),
        "var_declaration" | "const_declaration" => syntax::descendants(statement).any(|node| {
            matches!(node.kind_name(), "var_spec" | "const_spec") && {
                let mut cursor = node.walk();
                node.children_by_field_name("name", &mut cursor).any(|n| syntax::text(n, source) == name)
            }
        }),
        _ => false,
    }
}

/// True when the iteration waits for what it started before moving on: a `.Wait()` call, a plain
/// receive, or a `select` that can only go on by receiving, after `statement` in the loop body,
/// so the variable cannot change under the goroutine.
fn waited_in_iteration(loop_: &flow::Loop<'_>, statement: Node<'_>, source: &str) -> bool {
    let Some(body) = loop_.body else { return false };
    flow::own_descendants(body).filter(|node| node.start_byte() >= statement.end_byte()).any(|node| match node.kind_name() {
        "call_expression" => matches!(syntax::call_name(node, source), Some((Some(_), "Wait"))),
        "select_statement" => select_waits(node, source),
        "unary_expression" => {
            node.field_child("operator").is_some_and(|op| syntax::text(op, source) == "<-")
                && node.parent_node().is_some_and(|parent| match parent.kind_name() {
                    "expression_statement" => true,
                    "expression_list" => parent
                        .parent_node()
                        .is_some_and(|p| matches!(p.kind_name(), "short_var_declaration" | "assignment_statement")),
                    _ => false,
                })
        }
        _ => false,
    })
}

/// A `select` with no `default` whose cases all either receive or end the test or function
/// (`case <-done:` next to `case <-time.After(d): t.Fatal(...)`): the iteration goes on only
/// after a receive.
fn select_waits(select: Node<'_>, source: &str) -> bool {
    let cases: Vec<flow::SelectCase<'_>> = flow::select_cases(select).collect();
    let ends = |case: &flow::SelectCase<'_>| {
        case.body.and_then(|body| syntax::block_statements(body).last().copied()).is_some_and(|last| {
            last.kind_name() == "return_statement"
                || (last.kind_name() == "expression_statement"
                    && last.named_child(0).is_some_and(|call| {
                        call.kind_name() == "call_expression" && flow::terminating_call(call, source).is_some()
                    }))
        })
    };
    let waiting: Vec<&flow::SelectCase<'_>> = cases.iter().filter(|case| !ends(case)).collect();
    !cases.iter().any(|case| case.kind == flow::CaseKind::Default)
        && !waiting.is_empty()
        && waiting.iter().all(|case| case.kind == flow::CaseKind::Receive)
}
