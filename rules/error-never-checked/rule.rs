use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "error-never-checked",
    family: "E13",
    summary: "An error assigned from a call is overwritten or goes out of scope before anything reads it",
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability", "errors"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["ineffassign", "staticcheck", "SA4006"],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// Nodes whose named children are statements run in order (case clauses list their value first).
const STATEMENT_CONTAINERS: &[&str] =
    &["block", "statement_list", "expression_case", "default_case", "type_case", "communication_case"];

/// What happens to the assigned error.
enum Fate<'tree> {
    /// Assigned again, at this statement, before any read.
    Overwritten(Node<'tree>),
    /// The function returns, or the variable's scope ends, before any read.
    Dropped,
    /// Read, or we cannot tell.
    Unknown,
}

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(statement), Some(call)) = (found.target(), found.get("call")) else { return };
    let Some(left) = statement.field_child("left") else { return };
    let names = syntax::named_children(left);
    let Some(info) = ctx.types.call(call) else { return };
    // The error is the call's last result, assigned to a plain name.
    if !info.returns_error() || names.len() != info.results.len() {
        return;
    }
    let Some(&name) = names.last() else { return };
    if name.kind_name() != "identifier" || ctx.text(name) == "_" {
        return;
    }
    let name_text = ctx.text(name);
    let Some(function) = ctx.types.ancestry().enclosing_functions(statement).next() else { return };
    let Some(body) = function.field_child("body") else { return };
    if !is_plain_statement_position(statement)
        || ctx.types.remember("error-never-checked: reads hidden", function, name_text, || {
            hides_reads(ctx, function, body, name_text)
        })
    {
        return;
    }
    let Some(scope) = declaring_block(ctx, statement, body, name_text) else { return };
    let fate = follow(ctx, statement, scope, name_text);
    let callee = info.callee.clone();
    // Tests often drop an error on purpose (the call is expected to fail, or only its timing
    // matters): worth a note, not a failure.
    let severity = if ctx.facts.is_test_file { Severity::Info } else { ctx.rule.severity };
    match fate {
        Fate::Overwritten(next) => {
            let line = next.start_position().row + 1;
            ctx.report(statement, format!(
                "the error from {callee} in `{name_text}` is overwritten on line {line} before anything checks it"
            ))
            .label(next, "overwritten here")
            .severity(severity)
            .help(format!("Check `{name_text}` before it is assigned again (or assign to `_` if dropping it is intended)"));
        }
        Fate::Dropped => {
            ctx.report(statement, format!("the error from {callee} in `{name_text}` is never checked"))
                .severity(severity)
                .help(format!("Check `{name_text}` (or assign to `_` if dropping it is intended)"));
        }
        Fate::Unknown => {}
    }
}

/// The statement sits directly in a block, or is the initializer of an `if`/`switch` (handled by
/// `follow` through its parent). `for` clauses and `select` receives are left alone.
fn is_plain_statement_position(statement: Node<'_>) -> bool {
    statement.parent_node().is_some_and(|parent| {
        STATEMENT_CONTAINERS.contains(&parent.kind_name()) ||
        (matches!(parent.kind_name(), "if_statement" | "expression_switch_statement")
            && parent.field_child("initializer").is_some_and(|init| init.id() == statement.id()))
    })
}

/// Reasons we cannot see every read: the name is a named result (a bare return or a deferred
/// closure reads it), a function literal mentions it, its address is taken, or the function uses
/// `goto`.
fn hides_reads(ctx: &RuleContext<'_, '_>, function: Node<'_>, body: Node<'_>, name: &str) -> bool {
    if let Some(result) = function.field_child("result")
        && result.kind_name() == "parameter_list"
        && syntax::named_children(result).iter().any(|declaration| {
            let mut cursor = declaration.walk();
            declaration.children_by_field_name("name", &mut cursor).any(|n| ctx.text(n) == name)
        })
    {
        return true;
    }
    // Every node, without pruning: the name is usually `err`, which nearly every subtree of an
    // error-handling body spells, so testing each subtree's text cost more than it skipped. Only
    // the three kinds below can hide a read; the node list is read by kind id.
    static HIDING_KINDS: std::sync::OnceLock<syntax::KindSet> = std::sync::OnceLock::new();
    let hiding_kinds = syntax::kind_ids(&HIDING_KINDS, &["goto_statement", "func_literal", "unary_expression"]);
    for node in syntax::descendants_of_kinds(body, hiding_kinds) {
        match syntax::kind(node) {
            "goto_statement" => return true,
            "func_literal" if captures(ctx, node, name) => return true,
            "unary_expression"
                if node.field_child("operator").is_some_and(|op| ctx.text(op) == "&")
                    && node.field_child("operand").is_some_and(|operand| ctx.text(operand) == name) =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// True when the function literal mentions `name` without declaring its own (a parameter, a
/// `:=` or a `var` of that name): then it reads or writes the outer variable.
fn captures(ctx: &RuleContext<'_, '_>, literal: Node<'_>, name: &str) -> bool {
    static IDENTIFIER: std::sync::OnceLock<syntax::KindSet> = std::sync::OnceLock::new();
    let identifiers = syntax::kind_ids(&IDENTIFIER, &["identifier"]);
    let mentioned = syntax::descendants_of_kinds(literal, identifiers).any(|inner| ctx.text(inner) == name);
    if !mentioned {
        return false;
    }
    let own_parameter = ["parameters", "result"].iter().any(|field| {
        literal
            .field_child(field)
            .is_some_and(|list| syntax::descendants(list).any(|n| n.kind_name() == "identifier" && ctx.text(n) == name))
    });
    let own_declaration = literal.field_child("body").is_some_and(|body| {
        syntax::bindings_of(body, name, &ctx.file.text)
            .iter()
            .any(|binding| matches!(binding.kind, syntax::BindingKind::Define | syntax::BindingKind::Var))
    });
    !(own_parameter || own_declaration)
}

/// The block the assigned variable belongs to: the block (or `if`/`switch` statement, for an
/// initializer) where it is declared, searched outwards from the statement. `None` when it is
/// declared outside this function (a package variable, a captured local, a parameter of an
/// outer function) or in a `for` clause or `range`: other code may read it.
fn declaring_block<'tree>(ctx: &RuleContext<'_, 'tree>, statement: Node<'tree>, body: Node<'tree>, name: &str) -> Option<Node<'tree>> {
    let declares = |node: Node<'_>| -> bool {
        match node.kind_name() {
            "short_var_declaration" => node
                .field_child("left")
                .is_some_and(|left| syntax::named_children(left).iter().any(|n| ctx.text(*n) == name)),
            "var_declaration" => syntax::descendants(node).any(|n| n.kind_name() == "var_spec" && {
                let mut cursor = n.walk();
                n.children_by_field_name("name", &mut cursor).any(|n| ctx.text(n) == name)
            }),
            _ => false,
        }
    };
    // A `:=` declares its names in the statement's own scope (possibly redeclaring some; then an
    // earlier declaration in the same block is the one, which is the same block anyway).
    if statement.kind_name() == "short_var_declaration" {
        return statement.parent_node();
    }
    let mut below = statement;
    let mut current = statement.parent_node()?;
    loop {
        let found_declaration = match current.kind_name() {
            kind if STATEMENT_CONTAINERS.contains(&kind) => {
                let mut earlier = syntax::named_children(current).into_iter().take_while(|child| child.id() != below.id());
                earlier.any(declares)
            }
            "if_statement" | "expression_switch_statement" | "type_switch_statement" => current
                .field_child("initializer")
                .is_some_and(|init| init.id() != below.id() && declares(init)),
            "for_statement" => {
                let bound_by_clause = syntax::named_children(current).iter().any(|child| {
                    child.id() != below.id()
                        && matches!(child.kind_name(), "for_clause" | "range_clause")
                        && syntax::descendants(*child).any(|n| n.kind_name() == "identifier" && ctx.text(n) == name)
                });
                if bound_by_clause {
                    return None;
                }
                false
            }
            _ => false,
        };
        if found_declaration {
            return Some(current);
        }
        if current.id() == body.id() {
            // A parameter or receiver: the body is its scope.
            let function = body.parent_node()?;
            let declared_here = ["parameters", "receiver"].iter().any(|field| {
                function.field_child(field).is_some_and(|list| {
                    syntax::descendants(list).any(|n| n.kind_name() == "identifier" && ctx.text(n) == name)
                })
            });
            return declared_here.then_some(body);
        }
        below = current;
        current = current.parent_node()?;
    }
}

/// Follow the statements after `statement` until the error is read (Unknown), assigned again
/// (Overwritten) or its scope ends (Dropped).
fn follow<'tree>(ctx: &RuleContext<'_, 'tree>, statement: Node<'tree>, scope: Node<'tree>, name: &str) -> Fate<'tree> {
    let mut current = statement;
    loop {
        let Some(parent) = current.parent_node() else { return Fate::Unknown };
        match parent.kind_name() {
            kind if STATEMENT_CONTAINERS.contains(&kind) => {
                let after = syntax::named_children(parent).into_iter().skip_while(|child| child.id() != current.id()).skip(1);
                for next in after {
                    if next.kind_name() == "comment" {
                        continue;
                    }
                    if reads(ctx, next, name) {
                        return Fate::Unknown;
                    }
                    if writes_plainly(ctx, next, name) {
                        return Fate::Overwritten(next);
                    }
                    match next.kind_name() {
                        "return_statement" => return Fate::Dropped,
                        "break_statement" | "continue_statement" | "goto_statement" | "fallthrough_statement" => {
                            return Fate::Unknown;
                        }
                        "expression_statement"
                            if next.named_child(0).is_some_and(|call| flow::terminating_call(call, &ctx.file.text).is_some()) =>
                        {
                            return Fate::Dropped;
                        }
                        _ => {}
                    }
                }
                if parent.id() == scope.id() {
                    return Fate::Dropped;
                }
            }
            // The rest of an `if`/`switch` after its initializer, or after one of its branches:
            // any mention there counts as a read (conditions, other branches we skipped).
            "if_statement" | "expression_switch_statement" | "type_switch_statement" => {
                let rest_reads = syntax::named_children(parent)
                    .into_iter()
                    .filter(|child| child.id() != current.id())
                    .any(|child| !STATEMENT_CONTAINERS.contains(&current.kind_name()) && mentions(ctx, child, name));
                if rest_reads {
                    return Fate::Unknown;
                }
                if parent.id() == scope.id() {
                    return Fate::Dropped;
                }
            }
            // Leaving a loop body: the next iteration may read it.
            "for_statement" | "func_literal" | "function_declaration" | "method_declaration" => return Fate::Unknown,
            "labeled_statement" | "select_statement" => {}
            _ => return Fate::Unknown,
        }
        if parent.id() == scope.id() {
            return Fate::Dropped;
        }
        current = parent;
    }
}

/// True when `node` mentions `name` other than as the target of a plain assignment.
fn reads(ctx: &RuleContext<'_, '_>, node: Node<'_>, name: &str) -> bool {
    syntax::identifiers_named(node, name, &ctx.file.text).any(|n| !is_assigned_target(ctx, n))
}

fn mentions(ctx: &RuleContext<'_, '_>, node: Node<'_>, name: &str) -> bool {
    syntax::identifiers_named(node, name, &ctx.file.text).next().is_some()
}

/// `name` on the left of `=` or `:=` (not `+=`).
fn is_assigned_target(ctx: &RuleContext<'_, '_>, identifier: Node<'_>) -> bool {
    let Some(list) = identifier.parent_node().filter(|parent| parent.kind_name() == "expression_list") else { return false };
    let Some(statement) = list.parent_node() else { return false };
    let on_left = statement.field_child("left").is_some_and(|left| left.id() == list.id());
    on_left
        && match statement.kind_name() {
            "short_var_declaration" => true,
            "assignment_statement" => statement.field_child("operator").is_some_and(|op| ctx.text(op) == "="),
            _ => false,
        }
}

/// A statement of the block that assigns `name` with `=` (a `:=` in the same block redeclares
/// the same variable and counts too) without reading it.
fn writes_plainly(ctx: &RuleContext<'_, '_>, statement: Node<'_>, name: &str) -> bool {
    matches!(statement.kind_name(), "assignment_statement" | "short_var_declaration")
        && statement
            .field_child("left")
            .is_some_and(|left| syntax::named_children(left).iter().any(|n| n.kind_name() == "identifier" && ctx.text(*n) == name))
        && !reads(ctx, statement, name)
}
