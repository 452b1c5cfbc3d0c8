use crate::syntax::{FieldChild as _, KindName as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "shared-memory-counter",
    family: "A5",
    summary: "Goroutines fanned out in a loop only update a captured counter under a mutex",
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::High,
    tags: &["style", "goroutines"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &["sync"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Send results on a channel and sum them in one goroutine, or use `sync/atomic` for a counter";
const COLLECT_HELP: &str = "Send results on a channel and collect them in one goroutine, or give each goroutine its own \
                            slot of a slice sized up front (`results[i] = r`)";

/// Compound assignments that accumulate into a counter.
const ACCUMULATING_OPERATORS: &[&str] = &["+=", "-=", "*=", "|=", "&=", "^=", "<<=", ">>="];

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(statement), Some(literal)) = (found.target(), found.get("literal")) else { return };
    // A fan-out: the `go` runs in a loop of the same function.
    if !syntax::ancestors_in_function(statement).any(|node| node.kind_name() == "for_statement") {
        return;
    }
    let source: &str = &ctx.file.text;
    let Some(body) = literal.field_child("body") else { return };
    let locals = local_names(literal, source);
    let Some(update) = only_output(body, &locals, source) else { return };
    let (counter, mutex) = (update.counter, update.mutex);
    let (verb, help) = if update.appends { ("append to", COLLECT_HELP) } else { ("add to", HELP) };
    ctx.report(
        statement,
        format!(
            "goroutines started in a loop only {verb} `{counter}` under `{mutex}`: share the results by \
             communicating instead"
        ),
    )
    .label(update.statement, format!("`{counter}` updated under `{mutex}` here"))
    .help(help);
}

/// The first guarded counter update, with the names involved.
struct GuardedUpdate<'tree, 's> {
    statement: Node<'tree>,
    counter: &'s str,
    mutex: &'s str,
    /// `results = append(results, r)` rather than a number.
    appends: bool,
}

/// Names the literal declares: its parameters and every variable defined inside it.
fn local_names<'s>(literal: Node<'_>, source: &'s str) -> Vec<&'s str> {
    let mut names: Vec<&'s str> = syntax::parameters_of(literal)
        .into_iter()
        .filter_map(|parameter| parameter.name.map(|name| syntax::text(name, source)))
        .collect();
    for node in syntax::descendants(literal) {
        match node.kind_name() {
            "short_var_declaration" | "range_clause" => {
                let Some(left) = node.field_child("left") else { continue };
                names.extend(syntax::named_children(left).into_iter().map(|name| syntax::text(name, source)));
            }
            "var_spec" | "const_spec" => {
                let mut cursor = node.walk();
                names.extend(node.children_by_field_name("name", &mut cursor).map(|name| syntax::text(name, source)));
            }
            _ => {}
        }
    }
    names
}

/// When everything `body` does that others can observe is a counter update on a captured
/// variable between `mu.Lock()` and `mu.Unlock()`, that update. Anything else — a send, a call
/// made for its effect, a write to another captured variable or to a field — means the goroutine
/// has other outputs, and the rule stays silent.
fn only_output<'tree, 's>(body: Node<'tree>, locals: &[&str], source: &'s str) -> Option<GuardedUpdate<'tree, 's>> {
    let mut held: Option<&'s str> = None;
    let mut first_update = None;
    if !walk_statements(body, locals, source, &mut held, &mut first_update) {
        return None;
    }
    first_update
}

/// Walks the statements of `block` in order, tracking which mutex is held. Returns false as soon
/// as a statement is an output other than the guarded counter.
fn walk_statements<'tree, 's>(
    block: Node<'tree>,
    locals: &[&str],
    source: &'s str,
    held: &mut Option<&'s str>,
    first_update: &mut Option<GuardedUpdate<'tree, 's>>,
) -> bool {
    for statement in statements(block) {
        match statement.kind_name() {
            "expression_statement" => {
                let Some(call) = syntax::named_children(statement).into_iter().next() else { return false };
                match lock_call(call, source) {
                    Some((mutex, "Lock")) if held.is_none() => *held = Some(mutex),
                    Some((mutex, "Unlock")) if *held == Some(mutex) => *held = None,
                    // `wg.Done()` only reports that the goroutine finished.
                    _ if is_done_call(call, source) => {}
                    // `<-start`, `<-sem`: waiting for a go-ahead or freeing a slot is an input, not an output.
                    _ if syntax::received_channel(call).is_some() => {}
                    _ => return false,
                }
            }
            "defer_statement" => {
                let Some(call) = syntax::named_children(statement).into_iter().next() else { return false };
                let unlocks =
                    lock_call(call, source).is_some_and(|(mutex, method)| method == "Unlock" && *held == Some(mutex));
                if !unlocks && !is_done_call(call, source) {
                    return false;
                }
            }
            "inc_statement" | "dec_statement" | "assignment_statement" => {
                if let Some((counter, appends)) = captured_counter(statement, locals, source) {
                    let Some(mutex) = *held else { return false };
                    if first_update.is_none() {
                        *first_update = Some(GuardedUpdate { statement, counter, mutex, appends });
                    }
                } else if !writes_only_locals(statement, locals, source) {
                    return false;
                }
            }
            // Computation into the literal's own variables: its inputs, not its outputs.
            "short_var_declaration" | "var_declaration" | "const_declaration" | "empty_statement" => {}
            "return_statement" => {
                if statement.named_child_count() > 0 {
                    return false;
                }
            }
            "if_statement" => {
                let initializer = statement.field_child("initializer");
                if initializer.is_some_and(|init| init.kind_name() != "short_var_declaration") {
                    return false;
                }
                for branch in ["consequence", "alternative"] {
                    let Some(branch) = statement.field_child(branch) else { continue };
                    if !walk_statements(branch, locals, source, held, first_update) {
                        return false;
                    }
                }
            }
            "for_statement" => {
                let Some(loop_body) = statement.field_child("body") else { return false };
                if !walk_statements(loop_body, locals, source, held, first_update) {
                    return false;
                }
            }
            "block" => {
                if !walk_statements(statement, locals, source, held, first_update) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

fn statements(block: Node<'_>) -> Vec<Node<'_>> {
    match block.kind_name() {
        // `else if` chains hand an if_statement as the alternative.
        "if_statement" => vec![block],
        _ => syntax::named_children(block)
            .into_iter()
            .flat_map(
                |child| if child.kind_name() == "statement_list" { syntax::named_children(child) } else { vec![child] },
            )
            .collect(),
    }
}

/// `mu.Lock()` / `s.mu.Unlock()`: the mutex expression and the method.
fn lock_call<'s>(call: Node<'_>, source: &'s str) -> Option<(&'s str, &'s str)> {
    if call.kind_name() != "call_expression" || !syntax::call_arguments(call).is_empty() {
        return None;
    }
    match syntax::call_name(call, source)? {
        (Some(mutex), method @ ("Lock" | "Unlock")) => Some((mutex, method)),
        _ => None,
    }
}

fn is_done_call(call: Node<'_>, source: &str) -> bool {
    call.kind_name() == "call_expression"
        && syntax::call_arguments(call).is_empty()
        && matches!(syntax::call_name(call, source), Some((Some(_), "Done")))
}

/// `counter++`, `total += n`, or `results = append(results, r)` on a plain identifier the literal
/// did not declare: the name, and whether it is an append. Appending is the same shape as adding:
/// the goroutine's only output is a captured variable it rewrites under the lock.
fn captured_counter<'s>(statement: Node<'_>, locals: &[&str], source: &'s str) -> Option<(&'s str, bool)> {
    let (target, appends) = match statement.kind_name() {
        "inc_statement" | "dec_statement" => (statement.named_child(0)?, false),
        _ => {
            let operator = syntax::text(statement.field_child("operator")?, source);
            let target = match syntax::named_children(statement.field_child("left")?).as_slice() {
                [only] => *only,
                _ => return None,
            };
            if ACCUMULATING_OPERATORS.contains(&operator) {
                (target, false)
            } else if operator == "=" && appends_to_itself(statement, target, source) {
                (target, true)
            } else {
                return None;
            }
        }
    };
    if target.kind_name() != "identifier" {
        return None;
    }
    let name = syntax::text(target, source);
    (!locals.contains(&name)).then_some((name, appends))
}

/// `xs = append(xs, ...)`: the right side is one `append` whose first argument is the target.
fn appends_to_itself(assignment: Node<'_>, target: Node<'_>, source: &str) -> bool {
    let Some(right) = assignment.field_child("right") else { return false };
    let [call] = syntax::named_children(right)[..] else { return false };
    call.kind_name() == "call_expression"
        && matches!(syntax::call_name(call, source), Some((None, "append")))
        && syntax::call_arguments(call)
            .first()
            .is_some_and(|first| syntax::text(*first, source) == syntax::text(target, source))
}

/// An assignment whose left side is only the literal's own variables (or `_`).
fn writes_only_locals(statement: Node<'_>, locals: &[&str], source: &str) -> bool {
    let targets = match statement.kind_name() {
        "inc_statement" | "dec_statement" => statement.named_child(0).into_iter().collect(),
        _ => statement.field_child("left").map(syntax::named_children).unwrap_or_default(),
    };
    targets.iter().all(|target| {
        target.kind_name() == "identifier" && {
            let name = syntax::text(*target, source);
            name == "_" || locals.contains(&name)
        }
    })
}
