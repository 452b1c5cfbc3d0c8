use crate::engine::facts::Imports;
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "blocking-without-timeout",
    family: "D3",
    summary: "Request path waits on its own goroutine with a plain receive or wg.Wait() and no way to give up",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    precision: Precision::Medium,
    tags: &["concurrency", "reliability"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &["net/http", "context"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Select on the result and `ctx.Done()` (or `time.After`) so the caller can give up";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let Some(wait) = found.target() else { return };
    let source: &str = &ctx.file.text;
    // A test that hangs is stopped by `go test -timeout`; a test callback is not a request path.
    if ctx.file.path.to_string_lossy().ends_with("_test.go") {
        return;
    }
    let Some(function) = syntax::enclosing_function(wait) else { return };
    let Some(view) = flow::FunctionView::new(function, source) else { return };
    let Some(path) = flow::request_path(view.node, &ctx.facts.imports, source) else { return };
    if syntax::ancestors(wait)
        .take_while(|ancestor| *ancestor != function)
        .any(|ancestor| ancestor.kind() == "communication_case")
    {
        return;
    }
    let Some(body) = view.body else { return };
    let goroutines: Vec<flow::GoStatement<'_>> = view.go_statements().collect();
    let waited = found.get("channel").map(|channel| ctx.text(channel));
    let (what, workers) = if let Some(channel) = found.get("channel") {
        let name = ctx.text(channel);
        let bindings = syntax::bindings_of(body, name, source);
        let [binding] = bindings.as_slice() else { return };
        let made_here = binding.value.is_some_and(|value| {
            syntax::make_chan(value, source).is_some() && syntax::enclosing_function(value) == Some(function)
        });
        if !made_here || binding.statement.start_byte() > wait.start_byte() {
            return;
        }
        let workers: Vec<Node<'_>> = goroutines
            .iter()
            .filter(|go| go.statement.end_byte() <= wait.start_byte() && delivers_on(go, name, source))
            .map(|go| go.statement)
            .collect();
        // The function already gives up on this channel somewhere: it knows about timeouts.
        let selects_with_timeout = view.own_descendants().any(|node| {
            node.kind() == "select_statement"
                && flow::select_cases(node)
                    .any(|case| case.receives_from_cancellation(source) || is_timeout(case.channel, source))
                && syntax::identifiers_named(node, name, source).next().is_some()
        });
        if selects_with_timeout {
            return;
        }
        (format!("`<-{name}`"), workers)
    } else {
        let Some(waitgroup) = found.get("waitgroup") else { return };
        let group = ctx.text(waitgroup);
        let mut added = false;
        let mut workers = Vec::new();
        for node in view
            .own_descendants()
            .filter(|node| node.kind() == "call_expression" && node.start_byte() < wait.start_byte())
        {
            let Some(function) = node.child_by_field_name("function").filter(|f| f.kind() == "selector_expression")
            else {
                continue;
            };
            let operand = function.child_by_field_name("operand").map(|operand| ctx.text(operand));
            let method = function.child_by_field_name("field").map(|field| ctx.text(field));
            match (operand, method) {
                (Some(operand), Some("Add")) if operand == group => added = true,
                (Some(operand), Some("Go")) if operand == group => {
                    added = true;
                    workers.push(node);
                }
                _ => {}
            }
        }
        if !added {
            return;
        }
        workers
            .extend(goroutines.iter().filter(|go| go.statement.end_byte() <= wait.start_byte()).map(|go| go.statement));
        (format!("`{}`", ctx.text(wait)), workers)
    };
    let Some(first) = workers.first().copied() else { return };
    // The function stops the workers right before waiting (`req.Body.Close(); <-readerDone`,
    // `close(stop); wg.Wait()`), or runs a watchdog goroutine that waits on a context's `Done()`
    // and tears the work down (`go func() { <-ctx.Done(); conn.Close() }()`).
    if stops_before(wait, source) || goroutines.iter().any(|go| is_watchdog(go, source)) {
        return;
    }
    // Workers that are handed the request's context, or a done/stop channel, can be told to stop.
    let context_names = context_names(&view, &ctx.facts.imports, source);
    if workers
        .iter()
        .any(|worker| carries_context(*worker, &context_names, source) || gets_stop_channel(*worker, waited, source))
    {
        return;
    }
    let line = first.start_position().row + 1;
    let message = match path {
        flow::RequestPath::HttpHandler => format!(
            "HTTP handler waits on {what} for the goroutine started on line {line} with no timeout or cancellation; \
             if the worker hangs, the request hangs with it"
        ),
        flow::RequestPath::ContextFirst(ref context) => format!(
            "{what} waits for the goroutine started on line {line} without selecting on `{context}.Done()`; if the \
             worker hangs, the call hangs even after `{context}` is cancelled"
        ),
    };
    ctx.report(wait, message).help(HELP);
}

/// The function's context parameters, and the request of an HTTP handler (`r.Context()`).
fn context_names(view: &flow::FunctionView<'_>, imports: &Imports, source: &str) -> Vec<String> {
    view.parameters()
        .iter()
        .filter(|parameter| flow::is_context_type(parameter.type_node, imports, source))
        .filter_map(|parameter| parameter.name.map(|name| syntax::text(name, source).to_string()))
        .collect()
}

/// The worker is given a context: it names one of `names` or a `ctx`-like variable, or calls
/// `X.Context()`.
fn carries_context(worker: Node<'_>, names: &[String], source: &str) -> bool {
    syntax::descendants(worker).any(|node| match node.kind() {
        "identifier" => {
            let name = syntax::text(node, source);
            names.iter().any(|known| known == name) || name == "ctx" || name.ends_with("Ctx") || name.ends_with("ctx")
        }
        "call_expression" => {
            matches!(syntax::call_name(node, source), Some((Some(_), "Context")))
                && syntax::call_arguments(node).is_empty()
        }
        _ => false,
    })
}

/// The worker names a done/stop/quit channel (`labelHog(stop, n)`): closing it ends the work.
/// The channel waited on does not count (`close(done)` is how the worker reports).
fn gets_stop_channel(worker: Node<'_>, waited: Option<&str>, source: &str) -> bool {
    syntax::descendants(worker).any(|node| {
        node.kind() == "identifier"
            && Some(syntax::text(node, source)) != waited
            && node.parent().is_none_or(|parent| parent.kind() != "call_expression")
            && flow::is_cancellation_channel(node, source)
    })
}

/// The goroutine delivers on `name`: its literal sends on or closes the channel, or the channel is
/// one of the call's arguments (`go worker(ch)`).
fn delivers_on(go: &flow::GoStatement<'_>, name: &str, source: &str) -> bool {
    match go.target {
        flow::GoTarget::Literal(literal) => syntax::descendants(literal).any(|node| match node.kind() {
            "send_statement" => node.child_by_field_name("channel").is_some_and(|c| syntax::text(c, source) == name),
            "call_expression" => {
                syntax::call_name(node, source) == Some((None, "close"))
                    && syntax::call_arguments(node).first().is_some_and(|a| syntax::text(*a, source) == name)
            }
            _ => false,
        }),
        _ => go.arguments().iter().any(|argument| syntax::text(*argument, source) == name),
    }
}

/// `time.After(d)`, a timer's `.C`.
fn is_timeout(channel: Option<Node<'_>>, source: &str) -> bool {
    let Some(channel) = channel.map(syntax::unparen) else { return false };
    match channel.kind() {
        "call_expression" => matches!(syntax::call_name(channel, source), Some((Some(_), "After"))),
        "selector_expression" => {
            channel.child_by_field_name("field").is_some_and(|field| syntax::text(field, source) == "C")
        }
        _ => false,
    }
}

/// The statement before the wait (or the one before that) stops something: `x.Close()`,
/// `x.Stop()`, `cancel()`, `close(stop)`.
fn stops_before(wait: Node<'_>, source: &str) -> bool {
    let Some(statement) = syntax::enclosing_statement(wait) else { return false };
    std::iter::successors(statement.prev_named_sibling(), |node| node.prev_named_sibling())
        .filter(|node| node.kind() != "comment")
        .take(2)
        .any(|node| {
            let call = node.named_child(0).map(syntax::unparen);
            node.kind() == "expression_statement"
                && call.is_some_and(|call| {
                    call.kind() == "call_expression"
                        && syntax::call_name(call, source).is_some_and(|(_, name)| {
                            let name = name.to_ascii_lowercase();
                            ["close", "stop", "cancel", "shutdown"].iter().any(|word| name.contains(word))
                        })
                })
        })
}

/// A goroutine that waits for a cancellation (`<-ctx.Done()`, a select case on it).
fn is_watchdog(go: &flow::GoStatement<'_>, source: &str) -> bool {
    let flow::GoTarget::Literal(literal) = go.target else { return false };
    syntax::descendants(literal).any(|node| {
        flow::receive_operand(node).is_some_and(|channel| {
            channel.kind() == "call_expression" && flow::is_cancellation_channel(channel, source)
        })
    })
}
