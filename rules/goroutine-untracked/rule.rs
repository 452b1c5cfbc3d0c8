use crate::engine::facts::Imports;
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "goroutine-untracked",
    family: "A2",
    summary: "Fire-and-forget goroutine in an HTTP handler or context-taking method outlives the request",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    precision: Precision::Medium,
    tags: &["reliability", "goroutines"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &["net/http", "context"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HANDLER_HELP: &str = "Derive `ctx, cancel := context.WithTimeout(r.Context(), d)`, `defer cancel()`, and have \
                            the goroutine select on `ctx.Done()`; or hand the work to a bounded worker pool";

const CONTEXT_HELP: &str = "Derive `ctx, cancel := context.WithTimeout(ctx, d)`, `defer cancel()`, and have the \
                            goroutine select on `ctx.Done()`; or hand the work to a bounded worker pool";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let Some(statement) = found.target() else { return };
    let source: &str = &ctx.file.text;
    // Only the innermost function counts: a `go` inside `once.Do(func() {...})` or inside another
    // goroutine is not started once per request.
    let Some(function) = syntax::enclosing_function(statement) else { return };
    let (Some(path), Some(parameters), Some(body)) = (
        flow::request_path(function, &ctx.facts.imports, source),
        function.child_by_field_name("parameters"),
        function.child_by_field_name("body"),
    ) else {
        return;
    };
    let imports = &ctx.facts.imports;
    let mut context_names = context_parameters(function, imports, source);
    derived_context_names(body, imports, &mut context_names, source);
    if carries_context(statement, &context_names, imports, source)
        || is_cleanup(statement, source)
        || belongs_to_returned_object(statement, body, source)
        || is_tracked(statement, body, source)
        || stops_on_done_channel(statement, source)
        || is_joined(statement, body, source)
    {
        return;
    }
    let name = function.child_by_field_name("name").map(|name| ctx.text(name));
    let (message, label, help) = match (path, name) {
        (flow::RequestPath::HttpHandler, name) => {
            let owner =
                name.map_or_else(|| "an HTTP handler literal".to_string(), |name| format!("HTTP handler `{name}`"));
            (
                format!(
                    "goroutine in {owner} gets neither the request's context nor a WaitGroup, errgroup or \
                     semaphore; it outlives the request"
                ),
                "the request it is not tied to".to_string(),
                HANDLER_HELP,
            )
        }
        (flow::RequestPath::ContextFirst(context), name) => {
            let owner = name.map_or_else(|| "a function literal".to_string(), |name| format!("`{name}`"));
            (
                format!(
                    "goroutine in {owner} gets neither `{context}` nor a WaitGroup, errgroup or semaphore; it \
                     outlives the call"
                ),
                format!("`{context}` is not passed on"),
                CONTEXT_HELP,
            )
        }
    };
    ctx.report(statement, message).label(parameters, label).help(help);
}

/// Every parameter of type `context.Context`.
fn context_parameters(function: Node<'_>, imports: &Imports, source: &str) -> Vec<String> {
    syntax::parameters_of(function)
        .into_iter()
        .filter(|parameter| flow::is_context_type(parameter.type_node, imports, source))
        .filter_map(|parameter| parameter.name.map(|name| syntax::text(name, source).to_string()))
        .collect()
}

/// Locals whose value comes from a context we know (`ctx, cancel := context.WithTimeout(ctx, d)`,
/// `ctx := r.Context()`), or that are declared `context.Context`.
fn derived_context_names(body: Node<'_>, imports: &Imports, names: &mut Vec<String>, source: &str) {
    // Two passes settle chains such as `base := r.Context(); ctx, cancel := context.WithCancel(base)`.
    for _ in 0..2 {
        for node in syntax::descendants_in_function(body) {
            let (left, right) = match node.kind() {
                "short_var_declaration" | "assignment_statement" => {
                    (node.child_by_field_name("left"), node.child_by_field_name("right"))
                }
                "var_spec" => {
                    let typed =
                        node.child_by_field_name("type").is_some_and(|ty| flow::is_context_type(ty, imports, source));
                    if typed {
                        let mut cursor = node.walk();
                        for name in node.children_by_field_name("name", &mut cursor) {
                            push_unique(names, syntax::text(name, source));
                        }
                    }
                    (None, node.child_by_field_name("value"))
                }
                _ => continue,
            };
            let (Some(left), Some(right)) = (left, right) else { continue };
            if carries_context(right, names, imports, source) {
                for name in syntax::named_children(left) {
                    if name.kind() == "identifier" {
                        push_unique(names, syntax::text(name, source));
                    }
                }
            }
        }
    }
}

fn push_unique(names: &mut Vec<String>, name: &str) {
    if name != "_" && !names.iter().any(|known| known == name) {
        names.push(name.to_string());
    }
}

/// `node` hands over a context: it names one of `names` (or a `ctx`-like name), calls
/// `x.Context()`, or derives one with a deadline through `context.With*`.
fn carries_context(node: Node<'_>, names: &[String], imports: &Imports, source: &str) -> bool {
    std::iter::once(node).chain(syntax::descendants(node)).any(|node| match node.kind() {
        "identifier" => {
            let name = syntax::text(node, source);
            names.iter().any(|known| known == name) || name == "ctx" || name.ends_with("Ctx") || name.ends_with("ctx")
        }
        "call_expression" => match syntax::call_name(node, source) {
            Some((Some(_), "Context")) => syntax::call_arguments(node).is_empty(),
            Some((Some(package), name)) => imports.names(package, "context") && name.starts_with("With"),
            _ => false,
        },
        _ => false,
    })
}

/// `go conn.Close()`, `go sl.stop()`: cleanup that ends by itself.
fn is_cleanup(statement: Node<'_>, source: &str) -> bool {
    let Some(call) = syntax::named_children(statement).into_iter().next() else { return false };
    call.kind() == "call_expression"
        && syntax::call_name(call, source).is_some_and(|(qualifier, name)| {
            qualifier.is_some()
                && matches!(
                    name.to_ascii_lowercase().as_str(),
                    "close" | "stop" | "shutdown" | "cancel" | "cleanup" | "release"
                )
        })
}

/// `pconn := ...; go pconn.readLoop(); return pconn, nil`: the goroutine serves an object the
/// function builds and hands back, and lives as long as that object.
fn belongs_to_returned_object(statement: Node<'_>, body: Node<'_>, source: &str) -> bool {
    let Some(call) = syntax::named_children(statement).into_iter().next() else { return false };
    let Some((Some(receiver), _)) = syntax::call_name(call, source) else { return false };
    if receiver.contains('.') {
        return false;
    }
    syntax::descendants_in_function(body).into_iter().filter(|node| node.kind() == "return_statement").any(|ret| {
        syntax::named_children(ret).into_iter().flat_map(syntax::named_children).any(|value| {
            let value = syntax::unparen(value);
            let value = match value.kind() {
                "unary_expression" => value.child_by_field_name("operand").unwrap_or(value),
                _ => value,
            };
            value.kind() == "identifier" && syntax::text(value, source) == receiver
        })
    })
}

/// Tracked by a WaitGroup-like counter or a semaphore:
/// - the goroutine calls `x.Done()` (a WaitGroup, or a context/done channel) or `x.Release(...)`;
/// - `x.Add(...)` runs before the `go` in this function and the goroutine mentions `x`
///   (`defer wg.Done()`, `go worker(&wg)`), or the `Add` is the statement just before it;
/// - a send on `sem` runs before the `go` (or guards it in a `select` case) and the goroutine
///   receives from `sem`.
fn is_tracked(statement: Node<'_>, body: Node<'_>, source: &str) -> bool {
    let inside = syntax::descendants(statement).collect::<Vec<_>>();
    let calls_release = inside.iter().any(|node| {
        node.kind() == "call_expression"
            && matches!(syntax::call_name(*node, source), Some((Some(_), "Done" | "Release")))
    });
    if calls_release {
        return true;
    }
    let mentions = |text: &str| {
        inside.iter().any(|node| {
            matches!(node.kind(), "identifier" | "selector_expression") && syntax::text(*node, source) == text
        })
    };
    let previous = syntax::enclosing_statement(statement).and_then(|node| node.prev_named_sibling());
    let before =
        syntax::descendants_in_function(body).into_iter().filter(|node| node.end_byte() <= statement.start_byte());
    for node in before {
        match node.kind() {
            "call_expression" => {
                let Some((Some(counter), "Add")) = syntax::call_name(node, source) else { continue };
                let is_previous = previous.is_some_and(|previous| syntax::contains(previous, node));
                if is_previous || mentions(counter) {
                    return true;
                }
            }
            "send_statement" => {
                let Some(channel) = node.child_by_field_name("channel") else { continue };
                if receives_from(&inside, syntax::text(channel, source), source) {
                    return true;
                }
            }
            _ => {}
        }
    }
    // `select { case sem <- struct{}{}: go work() ; default: busy() }`
    syntax::ancestors_in_function(statement).any(|node| {
        node.kind() == "communication_case"
            && node.child_by_field_name("communication").is_some_and(|comm| comm.kind() == "send_statement")
    })
}

fn receives_from(nodes: &[Node<'_>], channel: &str, source: &str) -> bool {
    nodes
        .iter()
        .any(|node| syntax::received_channel(*node).is_some_and(|operand| syntax::text(operand, source) == channel))
}

/// Names of channels that signal "stop": `done`, `quit`, `stopCh`, `s.closing`, `shutdown`.
fn is_stop_channel_name(text: &str) -> bool {
    let lower = text.rsplit('.').next().unwrap_or(text).to_ascii_lowercase();
    ["done", "quit", "stop", "clos", "shutdown", "exit", "cancel", "dying", "die", "kill", "term"]
        .iter()
        .any(|word| lower.contains(word))
}

/// The goroutine receives from (or is handed) a done/quit/stop channel.
fn stops_on_done_channel(statement: Node<'_>, source: &str) -> bool {
    let Some(call) = syntax::named_children(statement).into_iter().next() else { return false };
    let receives = syntax::descendants(statement).any(|node| {
        syntax::received_channel(node).is_some_and(|channel| is_stop_channel_name(syntax::text(channel, source)))
    });
    receives
        || syntax::call_arguments(call).iter().any(|argument| {
            matches!(argument.kind(), "identifier" | "selector_expression")
                && is_stop_channel_name(syntax::text(*argument, source))
        })
}

/// The function waits for the goroutine: the goroutine sends on (or closes) a channel that the
/// function receives from (or ranges over) after the `go`.
fn is_joined(statement: Node<'_>, body: Node<'_>, source: &str) -> bool {
    let mut channels: Vec<&str> = Vec::new();
    for node in syntax::descendants(statement) {
        match node.kind() {
            "send_statement" => channels.extend(node.child_by_field_name("channel").map(|c| syntax::text(c, source))),
            "call_expression" if syntax::call_name(node, source) == Some((None, "close")) => {
                channels.extend(syntax::call_arguments(node).first().map(|c| syntax::text(*c, source)));
            }
            _ => {}
        }
    }
    if channels.is_empty() {
        return false;
    }
    syntax::descendants_in_function(body).into_iter().filter(|node| node.start_byte() >= statement.end_byte()).any(
        |node| {
            let waited = match node.kind() {
                "unary_expression" => syntax::received_channel(node),
                "range_clause" => node.child_by_field_name("right"),
                _ => None,
            };
            waited.is_some_and(|channel| channels.contains(&syntax::text(channel, source)))
        },
    )
}
