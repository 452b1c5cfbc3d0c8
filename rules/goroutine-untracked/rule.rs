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
    set: RuleSet::Default,
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
    let Some(function) = ctx.types.ancestry().enclosing_functions(statement).next() else { return };
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
    if matches!(path, flow::RequestPath::ContextFirst(_))
        && function.child_by_field_name("name").is_some_and(|name| is_lifecycle_name(ctx.text(name)))
    {
        return;
    }
    if carries_context(statement, &context_names, imports, source)
        || is_cleanup(statement, source)
        || is_stopped_by_the_function(statement, body, source)
        || is_single_flight(statement, function, source)
        || closes_after_tracked_workers(statement, body, source)
        || serves_accepted_connection(statement, function, source)
        || feeds_other_goroutines(ctx, statement, body)
        || named_target_stops(ctx, statement)
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
        // `ctx`, `diskCtx`, `s.ctx`, `GlobalContext`: an object's or the server's own context is a
        // context too (it outlives the request on purpose, but something can cancel it).
        "identifier" | "field_identifier" => {
            let name = syntax::text(node, source);
            names.iter().any(|known| known == name)
                || name == "ctx"
                || name.ends_with("Ctx")
                || name.ends_with("ctx")
                || name.ends_with("Context")
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
    // `go f.fetch(server, replyCh)`: a channel handed to the goroutine's function.
    if let Some(call) = syntax::named_children(statement).into_iter().next().filter(|call| call.kind() == "call_expression") {
        channels.extend(
            syntax::call_arguments(call)
                .into_iter()
                .filter(|argument| matches!(argument.kind(), "identifier" | "selector_expression"))
                .map(|argument| syntax::text(argument, source)),
        );
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

/// Start-up and shutdown entry points take a context for the call but are no request path: a
/// `Start(ctx)` accept loop, `initAutoHeal(ctx)`, `Shutdown(ctx)` running hooks, `NewClient(ctx)`.
fn is_lifecycle_name(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "start", "run", "serve", "listen", "init", "setup", "shutdown", "stop", "close", "exit", "new", "open",
        "launch", "boot", "spawn", "begin", "main", "install", "register",
    ];
    let lower = name.to_ascii_lowercase();
    PREFIXES.iter().any(|prefix| lower.starts_with(prefix))
}

/// The function stops or waits for what the goroutine runs: `go tm.Run()` with a `tm.Stop()`
/// somewhere in the function (deferred, after the `go`, or in a goroutine watching `ctx`), or a
/// `close(ch)` after the `go` (or deferred) on a channel the goroutine uses.
fn is_stopped_by_the_function(statement: Node<'_>, body: Node<'_>, source: &str) -> bool {
    let inside: Vec<&str> = syntax::descendants(statement)
        .filter(|node| matches!(node.kind(), "identifier" | "selector_expression"))
        .map(|node| syntax::text(node, source))
        .collect();
    let deferred =
        |node: Node<'_>| syntax::ancestors_in_function(node).any(|ancestor| ancestor.kind() == "defer_statement");
    let closes_its_channel = syntax::descendants_in_function(body).into_iter().any(|node| {
        node.kind() == "call_expression"
            && (node.start_byte() >= statement.end_byte() || deferred(node))
            && matches!(syntax::call_name(node, source), Some((None, "close") | (Some(_), "SafeClose")))
            && syntax::call_arguments(node).first().is_some_and(|channel| inside.contains(&syntax::text(*channel, source)))
    });
    // `x.Stop()` anywhere in the function, also in another goroutine of it (`go func() {
    // <-ctx.Done(); t.Kill(nil) }()`), on something the goroutine uses.
    let stops_what_it_runs = syntax::descendants(body).filter(|node| !syntax::contains(statement, *node)).any(|node| {
        node.kind() == "call_expression"
            && matches!(syntax::call_name(node, source), Some((Some(receiver), "Stop" | "Close" | "Wait" | "Cancel" | "Kill" | "Shutdown")) if inside.contains(&receiver))
    });
    closes_its_channel || stops_what_it_runs
}

/// At most one such goroutine runs at a time: started under `if x.TryLock()`, or inside
/// `if !c.pending { c.pending = true; go ... }` / `if c.fetching == nil { c.fetching = ...; go ... }`,
/// a flag the goroutine's owner resets when it is done.
fn is_single_flight(statement: Node<'_>, function: Node<'_>, source: &str) -> bool {
    syntax::ancestors(statement).take_while(|node| *node != function).filter(|node| node.kind() == "if_statement").any(
        |branch| {
            let Some(condition) = branch.child_by_field_name("condition") else { return false };
            let try_lock = std::iter::once(condition).chain(syntax::descendants(condition)).any(|node| {
                node.kind() == "call_expression" && matches!(syntax::call_name(node, source), Some((Some(_), "TryLock")))
            });
            if try_lock {
                return true;
            }
            let flags: Vec<&str> = std::iter::once(condition)
                .chain(syntax::descendants(condition))
                .filter(|node| node.kind() == "selector_expression")
                .map(|node| syntax::text(node, source))
                .collect();
            let Some(consequence) = branch.child_by_field_name("consequence") else { return false };
            syntax::descendants(consequence)
                .filter(|node| node.end_byte() <= statement.start_byte())
                .filter(|node| node.kind() == "assignment_statement")
                .filter_map(|assignment| assignment.child_by_field_name("left"))
                .any(|left| syntax::named_children(left).iter().any(|target| flags.contains(&syntax::text(*target, source))))
        },
    )
}

/// `go s.listen()` / `go watch()`: the named function (in this file or another file of the
/// package) selects on a done/quit channel or a context, or ranges over a channel that its owner
/// closes, so it stops. A method we cannot find (of another package's type, of an interface) is
/// not known to leak, so it is left alone too.
fn named_target_stops(ctx: &RuleContext<'_, '_>, statement: Node<'_>) -> bool {
    let source: &str = &ctx.file.text;
    let Some(call) = syntax::named_children(statement).into_iter().next() else { return false };
    if call.kind() != "call_expression" {
        return false;
    }
    let Some(function) = call.child_by_field_name("function") else { return false };
    let name = match function.kind() {
        "identifier" => syntax::text(function, source),
        "selector_expression" => {
            let Some(field) = function.child_by_field_name("field") else { return false };
            let operand = function.child_by_field_name("operand").map_or("", |operand| syntax::text(operand, source));
            // Another package's function takes no context here (the arguments were checked):
            // nothing can stop it.
            if ctx.facts.imports.path_of(operand).is_some() {
                return false;
            }
            syntax::text(field, source)
        }
        _ => return false,
    };
    let in_file: Vec<Node<'_>> = syntax::named_children(ctx.tree.root_node())
        .into_iter()
        .filter(|declaration| matches!(declaration.kind(), "function_declaration" | "method_declaration"))
        .filter(|declaration| declaration.child_by_field_name("name").is_some_and(|found| syntax::text(found, source) == name))
        .collect();
    if let [declaration] = in_file.as_slice() {
        return body_stops(*declaration, source);
    }
    if !in_file.is_empty() {
        return true;
    }
    let Some(package) = ctx.package else { return true };
    let Some(func) = package_target(package, function, name) else { return true };
    let Some(file) = crate::package_source::declaring_file(package, func, &ctx.file.path) else { return true };
    file.declaration_at(func.line(), func.name()).is_none_or(|declaration| body_stops(declaration, &file.text))
}

/// The body receives from a cancellation or done/quit channel, or ranges over something (a
/// range over a channel ends when its owner closes it).
fn body_stops(declaration: Node<'_>, source: &str) -> bool {
    let Some(body) = declaration.child_by_field_name("body") else { return true };
    syntax::descendants_in_function(body).into_iter().any(|node| {
        if node.kind() == "range_clause" {
            return true;
        }
        syntax::received_channel(node).is_some_and(|channel| {
            flow::is_cancellation_channel(channel, source) || is_stop_channel_name(syntax::text(channel, source))
        })
    })
}

/// `go func() { wg.Wait(); close(results) }()`: the goroutine waits for workers the function
/// tracks with `wg.Add`/`wg.Go`, so it ends when they do (and they are checked on their own).
fn closes_after_tracked_workers(statement: Node<'_>, body: Node<'_>, source: &str) -> bool {
    let waited: Vec<&str> = syntax::descendants(statement)
        .filter(|node| node.kind() == "call_expression")
        .filter_map(|call| match syntax::call_name(call, source) {
            Some((Some(group), "Wait")) => Some(group),
            _ => None,
        })
        .collect();
    !waited.is_empty()
        && syntax::descendants_in_function(body).into_iter().any(|node| {
            node.kind() == "call_expression"
                && node.end_byte() <= statement.start_byte()
                && matches!(syntax::call_name(node, source), Some((Some(group), "Add" | "Go")) if waited.contains(&group))
        })
}

/// `for { conn, err := ln.Accept(); ...; go serve(conn) }`: one goroutine per accepted
/// connection, living as long as the connection (net/http's `Serve` shape), not a request's
/// fire-and-forget work.
fn serves_accepted_connection(statement: Node<'_>, function: Node<'_>, source: &str) -> bool {
    syntax::ancestors(statement).take_while(|node| *node != function).filter(|node| node.kind() == "for_statement").any(
        |loop_| {
            syntax::descendants(loop_).any(|node| {
                node.kind() == "call_expression"
                    && matches!(syntax::call_name(node, source), Some((Some(_), "Accept" | "AcceptStream")))
            })
        },
    )
}

/// A producer stage: the goroutine sends on a channel it closes itself, and another goroutine
/// of the function consumes that channel (ranges over or receives from it, in a literal or in
/// the function it runs), so the producer ends when the pipeline drains.
fn feeds_other_goroutines(ctx: &RuleContext<'_, '_>, statement: Node<'_>, body: Node<'_>) -> bool {
    let source: &str = &ctx.file.text;
    let sends: Vec<&str> = syntax::descendants(statement)
        .filter(|node| node.kind() == "send_statement")
        .filter_map(|send| send.child_by_field_name("channel"))
        .map(|channel| syntax::text(channel, source))
        .collect();
    let closes = |channel: &str| {
        syntax::descendants(statement).any(|node| {
            node.kind() == "call_expression"
                && syntax::call_name(node, source) == Some((None, "close"))
                && syntax::call_arguments(node).first().is_some_and(|argument| syntax::text(*argument, source) == channel)
        })
    };
    let consumed_elsewhere = |channel: &str| {
        syntax::descendants(body)
            .filter(|node| node.kind() == "go_statement" && *node != statement)
            .any(|other| consumes(ctx, other, channel))
    };
    !sends.is_empty() && sends.iter().all(|channel| closes(channel) && consumed_elsewhere(channel))
}

/// The goroutine started by `go_statement` only receives from `channel`: a literal that ranges
/// over or receives from it and never sends on it, or a named function of the package given it
/// as an argument whose parameter is used that way.
fn consumes(ctx: &RuleContext<'_, '_>, go_statement: Node<'_>, channel: &str) -> bool {
    let source: &str = &ctx.file.text;
    let Some(call) = syntax::named_children(go_statement).into_iter().next() else { return false };
    let Some(function) = call.child_by_field_name("function") else { return false };
    if function.kind() == "func_literal" {
        return only_receives(function, channel, source);
    }
    let Some(index) = syntax::call_arguments(call).iter().position(|argument| syntax::text(*argument, source) == channel)
    else {
        return false;
    };
    let name = match function.kind() {
        "identifier" => syntax::text(function, source),
        "selector_expression" => function.child_by_field_name("field").map_or("", |field| syntax::text(field, source)),
        _ => return false,
    };
    let Some(package) = ctx.package else { return false };
    let Some(func) = package_target(package, function, name) else { return false };
    let Some(parameter) = func.signature().and_then(|signature| signature.params.get(index)) else { return false };
    if parameter.ty.starts_with("<-chan") {
        return true;
    }
    let Some(parameter_name) = parameter.name.as_deref() else { return false };
    let check = |declaration: Node<'_>, text: &str| only_receives(declaration, parameter_name, text);
    if let Some(file) = crate::package_source::declaring_file(package, func, &ctx.file.path) {
        return file.declaration_at(func.line(), func.name()).is_some_and(|declaration| check(declaration, &file.text));
    }
    syntax::named_children(ctx.tree.root_node())
        .into_iter()
        .filter(|declaration| declaration.start_position().row + 1 == func.line() as usize)
        .any(|declaration| check(declaration, source))
}

/// In `function`, `channel` is ranged over or received from, and never sent on.
fn only_receives(function: Node<'_>, channel: &str, source: &str) -> bool {
    let mut receives = false;
    for node in syntax::descendants(function) {
        match node.kind() {
            "send_statement" => {
                if node.child_by_field_name("channel").is_some_and(|sent| syntax::text(sent, source) == channel) {
                    return false;
                }
            }
            "range_clause" => {
                receives |= node.child_by_field_name("right").is_some_and(|over| syntax::text(over, source) == channel);
            }
            _ => receives |= syntax::received_channel(node).is_some_and(|received| syntax::text(received, source) == channel),
        }
    }
    receives
}

/// The package function `name`, or its only method `name` when the `go` target is `x.name(...)`.
fn package_target<'p>(
    package: &'p Package,
    function: Node<'_>,
    name: &'p str,
) -> Option<&'p crate::engine::facts::module::Func> {
    if function.kind() == "identifier" {
        return package.function(name);
    }
    let mut methods = package.methods_named(name);
    let method = methods.next()?;
    methods.next().is_none().then_some(method)
}
