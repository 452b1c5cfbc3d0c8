use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _, SiblingNode as _};
use crate::engine::facts::Imports;
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "goroutine-untracked",
    family: "A2",
    summary: "Fire-and-forget goroutine in an HTTP handler or context-taking method outlives the request",
    // Info: its judged sample on code it was not tuned on is over the precision bar (ledger.tsv).
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
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
    // Test fakes implement context-taking interfaces; a test is no request path.
    if ctx.file.path.to_string_lossy().ends_with("_test.go") {
        return;
    }
    // Only the innermost function counts: a `go` inside `once.Do(func() {...})` or inside another
    // goroutine is not started once per request.
    let Some(function) = ctx.types.ancestry().enclosing_functions(statement).next() else { return };
    let (Some(path), Some(parameters), Some(body)) = (
        flow::request_path(function, &ctx.facts.imports, source),
        function.field_child("parameters"),
        function.field_child("body"),
    ) else {
        return;
    };
    let imports = &ctx.facts.imports;
    let mut context_names = context_parameters(function, imports, source);
    derived_context_names(body, imports, &mut context_names, source);
    // `resync := func() {...}; go resync()`: the closure is what the goroutine runs.
    let closure = local_closure(statement, body, source);
    // `ctx := context.Background()`: a context by name that no request can cancel. Inside the
    // goroutine it shadows any parameter; in the function, the parameters keep their name.
    let own_contexts = context_parameters(function, imports, source);
    let mut detached = detached_context_names(body, imports, source);
    detached.retain(|name| !own_contexts.contains(name));
    for inside in std::iter::once(statement).chain(closure) {
        for name in detached_context_names(inside, imports, source) {
            push_unique(&mut detached, &name);
        }
    }
    if matches!(path, flow::RequestPath::ContextFirst(_))
        && function.field_child("name").is_some_and(|name| is_lifecycle_name(ctx.text(name)))
    {
        return;
    }
    let gets_context = |node: Node<'_>| carries_context(node, &context_names, &detached, imports, source);
    if gets_context(statement)
        || closure.is_some_and(gets_context)
        || is_cleanup(statement, source)
        || is_stopped_by_the_function(statement, body, source)
        || is_single_flight(statement, function, source)
        || closes_after_tracked_workers(statement, body, source)
        || serves_accepted_connection(statement, function, source)
        || feeds_other_goroutines(ctx, statement, body)
        || ranges_over_callers_channel(statement, function, body, source)
        || serves_returned_peer(statement, body, source)
        || reads_until_end(statement, source)
        || belongs_to_returned_object(statement, body, source)
        || is_tracked(statement, body, source)
        || stops_on_done_channel(statement, source)
    {
        return;
    }
    let join = join_of(ctx, statement, body);
    if join == Join::Joined {
        return;
    }
    // A named function that stops by itself (it selects on a done channel, ranges over a channel
    // its owner closes, reads to the end). One we cannot see (an interface method, another
    // package's type) is left alone in a context-taking function, where most such calls are
    // bounded plumbing; in an HTTP handler it is exactly the fire-and-forget this rule is about.
    // `go h.watch(context.Background())`: its `case <-ctx.Done()` never fires.
    let passes_detached = syntax::named_children(statement)
        .into_iter()
        .next()
        .filter(|call| call.kind_name() == "call_expression")
        .is_some_and(|call| {
            syntax::call_arguments(call).into_iter().any(|argument| {
                is_bare_context(argument, imports, source)
                    || (argument.kind_name() == "identifier" && detached.iter().any(|name| name == syntax::text(argument, source)))
            })
        });
    match closure.map_or_else(|| named_target(ctx, statement, body_stops), |literal| Target::Found(body_stops(literal, source))) {
        Target::Found(true) if !passes_detached => return,
        Target::Unknown if matches!(path, flow::RequestPath::ContextFirst(_)) => return,
        Target::Found(_) | Target::Unknown | Target::NotNamed => {}
    }
    let name = function.field_child("name").map(|name| ctx.text(name));
    let in_handler = matches!(path, flow::RequestPath::HttpHandler);
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
            let abandoned = if join == Join::Abandoned {
                format!("; the function stops waiting for it when `{context}` is done, and it keeps working")
            } else {
                String::new()
            };
            (
                format!(
                    "goroutine in {owner} gets neither `{context}` nor a WaitGroup, errgroup or semaphore; it \
                     outlives the call{abandoned}"
                ),
                format!("`{context}` is not passed on"),
                CONTEXT_HELP,
            )
        }
    };
    // Measured on real code, a context-taking function is most often plumbing whose goroutine is
    // bounded in ways a reader sees and a syntax check does not: info. Even a result abandoned on
    // `ctx.Done()` was, on real code, mostly a call that cannot take a context (a plan9 lookup, a
    // process wait in a test framework). It is a warning only when the goroutine blocks forever
    // on a channel the function hands to its caller, once that caller stops reading.
    let evidence = sends_to_returned_channel(statement, body, source);
    let report = ctx.report(statement, message).label(parameters, label).help(help);
    if !in_handler && !evidence {
        report.severity(Severity::Info);
    }
}

/// `out := make(chan T); go func() { for v := range in { out <- v } }(); return out`: a plain
/// send on a channel the function returns blocks forever once the caller stops reading.
fn sends_to_returned_channel(statement: Node<'_>, body: Node<'_>, source: &str) -> bool {
    let returned = returned_names(body, source);
    syntax::descendants(statement).any(|node| {
        node.kind_name() == "send_statement"
            && node.parent_node().is_none_or(|parent| parent.kind_name() != "communication_case")
            && node.field_child("channel").is_some_and(|channel| returned.contains(&syntax::text(channel, source)))
    })
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
            let (left, right) = match node.kind_name() {
                "short_var_declaration" | "assignment_statement" => {
                    (node.field_child("left"), node.field_child("right"))
                }
                "var_spec" => {
                    let typed =
                        node.field_child("type").is_some_and(|ty| flow::is_context_type(ty, imports, source));
                    if typed {
                        let mut cursor = node.walk();
                        for name in node.children_by_field_name("name", &mut cursor) {
                            push_unique(names, syntax::text(name, source));
                        }
                    }
                    (None, node.field_child("value"))
                }
                _ => continue,
            };
            let (Some(left), Some(right)) = (left, right) else { continue };
            if carries_context(right, names, &[], imports, source) {
                for name in syntax::named_children(left) {
                    if name.kind_name() == "identifier" {
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

/// `node` hands over a context: it names one of `names` (or a `ctx`-like name that is not one of
/// the `detached` locals made from `context.Background()`), calls `x.Context()`, or derives one
/// with a deadline through `context.With*`.
fn carries_context(node: Node<'_>, names: &[String], detached: &[String], imports: &Imports, source: &str) -> bool {
    std::iter::once(node).chain(syntax::descendants(node)).any(|node| match node.kind_name() {
        // `ctx`, `diskCtx`, `s.ctx`, `GlobalContext`: an object's or the server's own context is a
        // context too (it outlives the request on purpose, but something can cancel it).
        "identifier" | "field_identifier" => {
            let name = syntax::text(node, source);
            if node.kind_name() == "identifier" && detached.iter().any(|known| known == name) {
                return false;
            }
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

/// Names bound in `scope` to a bare `context.Background()` or `context.TODO()`.
fn detached_context_names(scope: Node<'_>, imports: &Imports, source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for node in syntax::descendants(scope) {
        let (left, right) = match node.kind_name() {
            "short_var_declaration" | "assignment_statement" => {
                (node.field_child("left"), node.field_child("right"))
            }
            _ => continue,
        };
        let (Some(left), Some(right)) = (left, right) else { continue };
        let (lefts, rights) = (syntax::named_children(left), syntax::named_children(right));
        if lefts.len() != rights.len() {
            continue;
        }
        for (name, value) in lefts.into_iter().zip(rights) {
            if is_bare_context(value, imports, source) && name.kind_name() == "identifier" {
                push_unique(&mut names, syntax::text(name, source));
            }
        }
    }
    names
}

/// `context.Background()` or `context.TODO()`.
fn is_bare_context(node: Node<'_>, imports: &Imports, source: &str) -> bool {
    node.kind_name() == "call_expression"
        && matches!(syntax::call_name(node, source), Some((Some(package), "Background" | "TODO")) if imports.names(package, "context"))
}

/// `go resync()` where the function binds `resync := func() {...}` once: that literal.
fn local_closure<'tree>(statement: Node<'tree>, body: Node<'tree>, source: &str) -> Option<Node<'tree>> {
    let call = syntax::named_children(statement).into_iter().next()?;
    let function = call.field_child("function").filter(|function| function.kind_name() == "identifier")?;
    let bindings = syntax::bindings_of(body, syntax::text(function, source), source);
    let [binding] = bindings.as_slice() else { return None };
    binding.value.map(syntax::unparen).filter(|value| value.kind_name() == "func_literal")
}

/// `func (f *Fs) ChangeNotify(ctx, notify, pollInterval <-chan time.Duration) { go func() { for
/// range pollInterval {...} }() }`: the goroutine ranges over a channel the caller passes in, so it
/// ends when the caller closes it. Not when it also sends on a channel the function returns,
/// whose reader may stop reading (a forwarding stage).
fn ranges_over_callers_channel(statement: Node<'_>, function: Node<'_>, body: Node<'_>, source: &str) -> bool {
    let channel_parameters: Vec<&str> = syntax::parameters_of(function)
        .into_iter()
        .filter(|parameter| {
            let ty = syntax::text(parameter.type_node, source);
            ty.starts_with("chan") || ty.starts_with("<-chan")
        })
        .filter_map(|parameter| parameter.name.map(|name| syntax::text(name, source)))
        .collect();
    let ranges = syntax::descendants(statement).any(|node| {
        node.kind_name() == "range_clause"
            && node
                .field_child("right")
                .is_some_and(|over| channel_parameters.contains(&syntax::text(syntax::unparen(over), source)))
    });
    if !ranges {
        return false;
    }
    let returned = returned_names(body, source);
    !syntax::descendants(statement).any(|node| {
        node.kind_name() == "send_statement"
            && node.field_child("channel").is_some_and(|channel| returned.contains(&syntax::text(channel, source)))
    })
}

/// Identifiers that appear in the function's `return` statements.
fn returned_names<'s>(body: Node<'_>, source: &'s str) -> Vec<&'s str> {
    syntax::descendants_in_function(body)
        .into_iter()
        .filter(|node| node.kind_name() == "return_statement")
        .flat_map(syntax::descendants)
        .filter(|node| node.kind_name() == "identifier")
        .map(|node| syntax::text(node, source))
        .collect()
}

/// `pr, pw := io.Pipe(); go produce(pw); return pr` or `client, server := net.Pipe(); go
/// serve(server); return client`: the goroutine works one end of a pair whose other end the
/// function returns; it ends when the caller closes that end.
fn serves_returned_peer(statement: Node<'_>, body: Node<'_>, source: &str) -> bool {
    let returned = returned_names(body, source);
    let mentioned: Vec<&str> = syntax::descendants(statement)
        .filter(|node| node.kind_name() == "identifier")
        .map(|node| syntax::text(node, source))
        .collect();
    syntax::descendants_in_function(body).into_iter().filter(|node| node.kind_name() == "short_var_declaration").any(|pair| {
        let (Some(left), Some(right)) = (pair.field_child("left"), pair.field_child("right")) else {
            return false;
        };
        let names: Vec<&str> = syntax::named_children(left)
            .into_iter()
            .map(|name| syntax::text(name, source))
            .filter(|name| *name != "_" && *name != "err")
            .collect();
        let one_call = matches!(syntax::named_children(right).as_slice(), [call] if call.kind_name() == "call_expression");
        one_call
            && names.len() >= 2
            && names.iter().any(|end| returned.contains(end))
            && names.iter().any(|end| !returned.contains(end) && mentioned.contains(end))
    })
}

/// The goroutine reads its input to the end: `for sc.Scan()`, a loop that calls `Read*`/`Recv*`
/// and leaves it (on an error), or `io.Copy`. It ends when the writer closes its end.
fn reads_until_end(node: Node<'_>, source: &str) -> bool {
    syntax::descendants(node).any(|inner| match inner.kind_name() {
        "call_expression" => matches!(
            syntax::call_name(inner, source),
            Some((Some("io"), "Copy" | "CopyN" | "CopyBuffer" | "ReadAll"))
        ),
        "for_statement" => reads_in_loop(inner, source),
        _ => false,
    })
}

fn reads_in_loop(loop_: Node<'_>, source: &str) -> bool {
    let is_read = |call: Node<'_>, names: &[&str]| {
        call.kind_name() == "call_expression"
            && matches!(syntax::call_name(call, source), Some((Some(_), name)) if names.iter().any(|prefix| name.starts_with(prefix)))
    };
    let condition = syntax::named_children(loop_).into_iter().find(|child| child.kind_name() == "call_expression");
    if condition.is_some_and(|condition| is_read(condition, &["Scan", "Next"])) {
        return true;
    }
    let Some(body) = loop_.field_child("body") else { return false };
    let inside = syntax::descendants_in_function(body);
    inside.iter().any(|node| is_read(*node, &["Read", "Recv"]))
        && inside.iter().any(|node| matches!(node.kind_name(), "return_statement" | "break_statement"))
}

/// `go conn.Close()`, `go sl.stop()`: cleanup that ends by itself.
fn is_cleanup(statement: Node<'_>, source: &str) -> bool {
    let Some(call) = syntax::named_children(statement).into_iter().next() else { return false };
    call.kind_name() == "call_expression"
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
    syntax::descendants_in_function(body).into_iter().filter(|node| node.kind_name() == "return_statement").any(|ret| {
        syntax::named_children(ret).into_iter().flat_map(syntax::named_children).any(|value| {
            let value = syntax::unparen(value);
            let value = match value.kind_name() {
                "unary_expression" => value.field_child("operand").unwrap_or(value),
                _ => value,
            };
            value.kind_name() == "identifier" && syntax::text(value, source) == receiver
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
        node.kind_name() == "call_expression"
            && matches!(syntax::call_name(*node, source), Some((Some(_), "Done" | "Release")))
    });
    if calls_release {
        return true;
    }
    let mentions = |text: &str| {
        inside.iter().any(|node| {
            matches!(node.kind_name(), "identifier" | "selector_expression") && syntax::text(*node, source) == text
        })
    };
    let previous = syntax::enclosing_statement(statement).and_then(|node| node.prev_named_sibling_node());
    let before =
        syntax::descendants_in_function(body).into_iter().filter(|node| node.end_byte() <= statement.start_byte());
    for node in before {
        match node.kind_name() {
            "call_expression" => {
                let Some((Some(counter), "Add")) = syntax::call_name(node, source) else { continue };
                let is_previous = previous.is_some_and(|previous| syntax::contains(previous, node));
                if is_previous || mentions(counter) {
                    return true;
                }
            }
            "send_statement" => {
                let Some(channel) = node.field_child("channel") else { continue };
                if receives_from(&inside, syntax::text(channel, source), source) {
                    return true;
                }
            }
            _ => {}
        }
    }
    // `select { case sem <- struct{}{}: go work() ; default: busy() }`
    syntax::ancestors_in_function(statement).any(|node| {
        node.kind_name() == "communication_case"
            && node.field_child("communication").is_some_and(|comm| comm.kind_name() == "send_statement")
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
            matches!(argument.kind_name(), "identifier" | "selector_expression")
                && is_stop_channel_name(syntax::text(*argument, source))
        })
}

/// How the function waits for a goroutine it starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Join {
    /// The function waits for the goroutine (or gives up only on work that cannot block).
    Joined,
    /// The function waits for it only in a `select` that can give up, and its work may block.
    Abandoned,
    /// Nothing in the function waits for it.
    Forgotten,
}

/// The function waits for the goroutine: the goroutine sends on (or closes) a channel that the
/// function receives from (or ranges over) after the `go`. A wait in a `select` that can give up
/// (`case <-ctx.Done():`, `time.After`) abandons the goroutine instead, which keeps working for
/// nobody unless its work cannot block (a send into a buffer).
fn join_of(ctx: &RuleContext<'_, '_>, statement: Node<'_>, body: Node<'_>) -> Join {
    let source: &str = &ctx.file.text;
    let mut channels: Vec<&str> = Vec::new();
    for node in syntax::descendants(statement) {
        match node.kind_name() {
            "send_statement" => channels.extend(node.field_child("channel").map(|c| syntax::text(c, source))),
            "call_expression" if syntax::call_name(node, source) == Some((None, "close")) => {
                channels.extend(syntax::call_arguments(node).first().map(|c| syntax::text(*c, source)));
            }
            _ => {}
        }
    }
    // `go f.fetch(server, replyCh)`: a channel handed to the goroutine's function.
    if let Some(call) = syntax::named_children(statement).into_iter().next().filter(|call| call.kind_name() == "call_expression") {
        channels.extend(
            syntax::call_arguments(call)
                .into_iter()
                .filter(|argument| matches!(argument.kind_name(), "identifier" | "selector_expression"))
                .map(|argument| syntax::text(argument, source)),
        );
    }
    if channels.is_empty() {
        return Join::Forgotten;
    }
    let waits: Vec<Node<'_>> = syntax::descendants_in_function(body)
        .into_iter()
        .filter(|node| node.start_byte() >= statement.end_byte())
        .filter(|node| {
            let waited = match node.kind_name() {
                "unary_expression" => syntax::received_channel(*node),
                "range_clause" => node.field_child("right"),
                _ => None,
            };
            waited.is_some_and(|channel| channels.contains(&syntax::text(channel, source)))
        })
        .collect();
    if waits.is_empty() {
        Join::Forgotten
    } else if waits.iter().any(|wait| !can_give_up(*wait, source)) || !work_may_block(ctx, statement) {
        Join::Joined
    } else {
        Join::Abandoned
    }
}

/// The wait is a case of a `select` that also receives from a cancellation or a timeout.
fn can_give_up(wait: Node<'_>, source: &str) -> bool {
    let Some(select) = syntax::ancestors_in_function(wait)
        .find(|node| node.kind_name() == "communication_case")
        .and_then(|case| case.parent_node())
        .filter(|select| select.kind_name() == "select_statement")
    else {
        return false;
    };
    flow::select_cases(select).any(|case| {
        case.receives_from_cancellation(source)
            || case.channel.is_some_and(|channel| {
                let channel = syntax::unparen(channel);
                (channel.kind_name() == "call_expression" && matches!(syntax::call_name(channel, source), Some((Some(_), "After"))))
                    || (channel.kind_name() == "selector_expression"
                        && channel.field_child("field").is_some_and(|field| syntax::text(field, source) == "C"))
            })
    })
}

/// The goroutine calls anything but builtins (`len`, `append`, conversions): it may block. A
/// named function is judged by its body; one we cannot see may block.
fn work_may_block(ctx: &RuleContext<'_, '_>, statement: Node<'_>) -> bool {
    let source: &str = &ctx.file.text;
    let calls_out = |node: Node<'_>, text: &str, skip: Option<Node<'_>>| {
        syntax::descendants(node).any(|call| {
            call.kind_name() == "call_expression"
                && Some(call) != skip
                && call.field_child("function").is_none_or(|function| function.kind_name() != "func_literal")
                && !matches!(syntax::call_name(call, text), Some((None, name)) if is_builtin(name))
        })
    };
    let Some(call) = syntax::named_children(statement).into_iter().next() else { return true };
    match named_target(ctx, statement, |declaration, text| {
        declaration.field_child("body").is_none_or(|body| calls_out(body, text, None))
    }) {
        Target::Found(blocks) => blocks || syntax::call_arguments(call).iter().any(|argument| calls_out(*argument, source, None)),
        Target::Unknown => true,
        Target::NotNamed => {
            let literal = call.field_child("function").filter(|function| function.kind_name() == "func_literal");
            literal.is_none() || calls_out(statement, source, Some(call))
        }
    }
}

fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "append" | "cap" | "clear" | "close" | "copy" | "delete" | "len" | "make" | "max" | "min" | "new" | "string"
            | "int" | "int64" | "uint64" | "float64" | "byte" | "rune" | "error" | "bool"
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
        .filter(|node| matches!(node.kind_name(), "identifier" | "selector_expression"))
        .map(|node| syntax::text(node, source))
        .collect();
    let deferred =
        |node: Node<'_>| syntax::ancestors_in_function(node).any(|ancestor| ancestor.kind_name() == "defer_statement");
    let closes_its_channel = syntax::descendants_in_function(body).into_iter().any(|node| {
        node.kind_name() == "call_expression"
            && (node.start_byte() >= statement.end_byte() || deferred(node))
            && matches!(syntax::call_name(node, source), Some((None, "close") | (Some(_), "SafeClose")))
            && syntax::call_arguments(node).first().is_some_and(|channel| inside.contains(&syntax::text(*channel, source)))
    });
    // `x.Stop()` anywhere in the function, also in another goroutine of it (`go func() {
    // <-ctx.Done(); t.Kill(nil) }()`), on something the goroutine uses.
    let stops_what_it_runs = syntax::descendants(body).filter(|node| !syntax::contains(statement, *node)).any(|node| {
        node.kind_name() == "call_expression"
            && matches!(syntax::call_name(node, source), Some((Some(receiver), "Stop" | "Close" | "Wait" | "Cancel" | "Kill" | "Shutdown")) if inside.contains(&receiver))
    });
    // `go func() { <-ctx.Done(); close(finished) }()` beside it, before or after: a sibling
    // goroutine closes a channel this one receives from.
    let received: Vec<&str> = syntax::descendants(statement)
        .filter_map(syntax::received_channel)
        .map(|channel| syntax::text(channel, source))
        .collect();
    let sibling_closes = syntax::descendants(body)
        .filter(|node| node.kind_name() == "go_statement" && *node != statement && !syntax::contains(statement, *node))
        .flat_map(syntax::descendants)
        .any(|node| {
            node.kind_name() == "call_expression"
                && syntax::call_name(node, source) == Some((None, "close"))
                && syntax::call_arguments(node).first().is_some_and(|channel| received.contains(&syntax::text(*channel, source)))
        });
    closes_its_channel || stops_what_it_runs || sibling_closes
}

/// At most one such goroutine runs at a time: started under `if x.TryLock()`, or inside
/// `if !c.pending { c.pending = true; go ... }` / `if c.fetching == nil { c.fetching = ...; go ... }`,
/// a flag the goroutine's owner resets when it is done.
fn is_single_flight(statement: Node<'_>, function: Node<'_>, source: &str) -> bool {
    syntax::ancestors(statement).take_while(|node| *node != function).filter(|node| node.kind_name() == "if_statement").any(
        |branch| {
            let Some(condition) = branch.field_child("condition") else { return false };
            let try_lock = std::iter::once(condition).chain(syntax::descendants(condition)).any(|node| {
                node.kind_name() == "call_expression" && matches!(syntax::call_name(node, source), Some((Some(_), "TryLock")))
            });
            if try_lock {
                return true;
            }
            let flags: Vec<&str> = std::iter::once(condition)
                .chain(syntax::descendants(condition))
                .filter(|node| node.kind_name() == "selector_expression")
                .map(|node| syntax::text(node, source))
                .collect();
            let Some(consequence) = branch.field_child("consequence") else { return false };
            syntax::descendants(consequence)
                .filter(|node| node.end_byte() <= statement.start_byte())
                .filter(|node| node.kind_name() == "assignment_statement")
                .filter_map(|assignment| assignment.field_child("left"))
                .any(|left| syntax::named_children(left).iter().any(|target| flags.contains(&syntax::text(*target, source))))
        },
    )
}

/// What a `go` statement's named function is known to do.
enum Target<T> {
    /// Declared in this package (this file or another), judged by the closure.
    Found(T),
    /// A method of an interface or of another package's type, or a function value.
    Unknown,
    /// A function literal, or another package's function (its arguments were checked).
    NotNamed,
}

/// `go s.listen()` / `go watch()`: judge the declaration of the named function, in this file or
/// another file of the package, with `judge(declaration, its source)`.
fn named_target<T>(ctx: &RuleContext<'_, '_>, statement: Node<'_>, judge: impl Fn(Node<'_>, &str) -> T) -> Target<T> {
    let source: &str = &ctx.file.text;
    let Some(call) = syntax::named_children(statement).into_iter().next() else { return Target::NotNamed };
    if call.kind_name() != "call_expression" {
        return Target::NotNamed;
    }
    let Some(function) = call.field_child("function") else { return Target::NotNamed };
    let name = match function.kind_name() {
        "identifier" => syntax::text(function, source),
        "selector_expression" => {
            let Some(field) = function.field_child("field") else { return Target::NotNamed };
            let operand = function.field_child("operand").map_or("", |operand| syntax::text(operand, source));
            // Another package's function takes no context here (the arguments were checked):
            // nothing can stop it.
            if ctx.facts.imports.path_of(operand).is_some() {
                return Target::NotNamed;
            }
            syntax::text(field, source)
        }
        _ => return Target::NotNamed,
    };
    let in_file: Vec<Node<'_>> = syntax::named_children(ctx.tree.root_node())
        .into_iter()
        .filter(|declaration| matches!(declaration.kind_name(), "function_declaration" | "method_declaration"))
        .filter(|declaration| declaration.field_child("name").is_some_and(|found| syntax::text(found, source) == name))
        .collect();
    if let [declaration] = in_file.as_slice() {
        return Target::Found(judge(*declaration, source));
    }
    if !in_file.is_empty() {
        return Target::Unknown;
    }
    let Some(package) = ctx.package else { return Target::Unknown };
    let Some(func) = package_target(package, function, name) else { return Target::Unknown };
    let Some(file) = crate::package_source::declaring_file(package, func, &ctx.file.path) else {
        return Target::Unknown;
    };
    match file.declaration_at(func.line(), func.name()) {
        Some(declaration) => Target::Found(judge(declaration, &file.text)),
        None => Target::Unknown,
    }
}

/// The function receives from a cancellation or done/quit channel, ranges over a channel (which
/// ends when its owner closes it), or reads its input to the end.
fn body_stops(function: Node<'_>, source: &str) -> bool {
    let Some(body) = function.field_child("body") else { return true };
    if reads_until_end(body, source) {
        return true;
    }
    syntax::descendants_in_function(body).into_iter().any(|node| {
        if node.kind_name() == "range_clause" {
            return node.field_child("right").is_some_and(|over| ranges_over_channel(function, over, source));
        }
        syntax::received_channel(node).is_some_and(|channel| {
            flow::is_cancellation_channel(channel, source) || is_stop_channel_name(syntax::text(channel, source))
        })
    })
}

/// `over` (ranged over in `function`) is a channel: a parameter of channel type, a local made
/// with `make(chan ...)`, or a field or call whose name says channel (`s.events`, `w.Watch(...)`).
/// A range over a slice ends by itself too, but then the loop's work is what runs unbounded.
fn ranges_over_channel(function: Node<'_>, over: Node<'_>, source: &str) -> bool {
    let over = syntax::unparen(over);
    let text = syntax::text(over, source);
    match over.kind_name() {
        "identifier" => {
            let parameter_is_channel = syntax::parameters_of(function).into_iter().any(|parameter| {
                let ty = syntax::text(parameter.type_node, source);
                parameter.name.is_some_and(|name| syntax::text(name, source) == text)
                    && (ty.starts_with("chan") || ty.starts_with("<-chan"))
            });
            parameter_is_channel
                || function.field_child("body").is_some_and(|body| {
                    syntax::bindings_of(body, text, source)
                        .iter()
                        .any(|binding| binding.value.is_some_and(|value| syntax::make_chan(value, source).is_some()))
                })
                || names_channel(text)
        }
        "selector_expression" => over.field_child("field").is_some_and(|field| names_channel(syntax::text(field, source))),
        "call_expression" => syntax::call_name(over, source).is_some_and(|(_, name)| {
            names_channel(name) || ["Watch", "Subscribe", "Listen"].iter().any(|verb| name.starts_with(verb))
        }),
        _ => false,
    }
}

/// `events`, `resultCh`, `C`, `updates`, `queue`: names that usually hold a channel.
fn names_channel(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.ends_with("Ch")
        || name.ends_with("Chan")
        || matches!(lower.as_str(), "c" | "ch" | "in" | "out" | "jobs" | "work" | "tasks" | "msgs")
        || ["chan", "event", "update", "queue", "notif", "result", "stream", "message"].iter().any(|word| lower.contains(word))
}

/// `go func() { wg.Wait(); close(results) }()`: the goroutine waits for workers the function
/// tracks with `wg.Add`/`wg.Go`, so it ends when they do (and they are checked on their own).
fn closes_after_tracked_workers(statement: Node<'_>, body: Node<'_>, source: &str) -> bool {
    let waited: Vec<&str> = syntax::descendants(statement)
        .filter(|node| node.kind_name() == "call_expression")
        .filter_map(|call| match syntax::call_name(call, source) {
            Some((Some(group), "Wait")) => Some(group),
            _ => None,
        })
        .collect();
    !waited.is_empty()
        && syntax::descendants_in_function(body).into_iter().any(|node| {
            node.kind_name() == "call_expression"
                && node.end_byte() <= statement.start_byte()
                && matches!(syntax::call_name(node, source), Some((Some(group), "Add" | "Go")) if waited.contains(&group))
        })
}

/// `for { conn, err := ln.Accept(); ...; go serve(conn) }`: one goroutine per accepted
/// connection, living as long as the connection (net/http's `Serve` shape), not a request's
/// fire-and-forget work.
fn serves_accepted_connection(statement: Node<'_>, function: Node<'_>, source: &str) -> bool {
    syntax::ancestors(statement).take_while(|node| *node != function).filter(|node| node.kind_name() == "for_statement").any(
        |loop_| {
            syntax::descendants(loop_).any(|node| {
                node.kind_name() == "call_expression"
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
        .filter(|node| node.kind_name() == "send_statement")
        .filter_map(|send| send.field_child("channel"))
        .map(|channel| syntax::text(channel, source))
        .collect();
    let closes = |channel: &str| {
        syntax::descendants(statement).any(|node| {
            node.kind_name() == "call_expression"
                && syntax::call_name(node, source) == Some((None, "close"))
                && syntax::call_arguments(node).first().is_some_and(|argument| syntax::text(*argument, source) == channel)
        })
    };
    let consumed_elsewhere = |channel: &str| {
        syntax::descendants(body)
            .filter(|node| node.kind_name() == "go_statement" && *node != statement)
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
    let Some(function) = call.field_child("function") else { return false };
    if function.kind_name() == "func_literal" {
        return only_receives(function, channel, source);
    }
    let Some(index) = syntax::call_arguments(call).iter().position(|argument| syntax::text(*argument, source) == channel)
    else {
        return false;
    };
    let name = match function.kind_name() {
        "identifier" => syntax::text(function, source),
        "selector_expression" => function.field_child("field").map_or("", |field| syntax::text(field, source)),
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
        match node.kind_name() {
            "send_statement" => {
                if node.field_child("channel").is_some_and(|sent| syntax::text(sent, source) == channel) {
                    return false;
                }
            }
            "range_clause" => {
                receives |= node.field_child("right").is_some_and(|over| syntax::text(over, source) == channel);
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
    if function.kind_name() == "identifier" {
        return package.function(name);
    }
    let mut methods = package.methods_named(name);
    let method = methods.next()?;
    methods.next().is_none().then_some(method)
}
