use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _, SiblingNode as _};
use crate::engine::facts::module::{Func, TypeKind};
use crate::engine::facts::{Imports, blocking, stdlib};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "blocking-without-timeout",
    family: "D3",
    summary: "Request path waits on its own goroutine with a plain receive or wg.Wait() and no way to give up",
    // Info: its judged sample on code it was not tuned on is over the precision bar (ledger.tsv).
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
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
        .any(|ancestor| ancestor.kind_name() == "communication_case")
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
            node.kind_name() == "select_statement"
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
            .filter(|node| node.kind_name() == "call_expression" && node.start_byte() < wait.start_byte())
        {
            let Some(function) = node.field_child("function").filter(|f| f.kind_name() == "selector_expression")
            else {
                continue;
            };
            let operand = function.field_child("operand").map(|operand| ctx.text(operand));
            let method = function.field_child("field").map(|field| ctx.text(field));
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
    // A handler that hijacked the connection runs a tunnel (CONNECT, Upgrade): waiting for the
    // copy goroutines until either side hangs up is the point, and the request is over anyway.
    if view.own_descendants().any(|node| {
        node.kind_name() == "call_expression" && matches!(syntax::call_name(node, source), Some((Some(_), "Hijack")))
    }) {
        return;
    }
    // Workers that are handed the request's context (under any name, or through a local
    // closure), or a done/stop channel, can be told to stop.
    let context_names = context_names(&view, &ctx.facts.imports, source);
    let given_context = |worker: Node<'_>| {
        carries_context(worker, &context_names, source)
            || local_closure(worker, body, source).is_some_and(|literal| carries_context(literal, &context_names, source))
    };
    if workers.iter().any(|worker| given_context(*worker) || gets_stop_channel(*worker, waited, source)) {
        return;
    }
    // `pr, pw := io.Pipe(); go func() { io.Copy(pw, in); ...; res <- r }(); upload(pr); <-res`: the
    // worker writes a pipe whose reader the function drains before it waits, so it finishes.
    if workers.iter().all(|worker| writes_drained_pipe(*worker, body, wait, source)) {
        return;
    }
    // Workers that cannot hang, or hang only on things cancelling the request stops, are not
    // what the rule is about; nor is a "has started" latch (`started.Done()` first thing).
    let group = found.get("waitgroup").map(|group| ctx.text(group));
    let judge = Judge { ctx: &*ctx, source, body, wait, waited, context_names: &context_names };
    if group.is_some_and(|group| judge.is_start_latch(group)) {
        return;
    }
    if workers.iter().all(|worker| !judge.worker_may_hang(*worker, 0)) {
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

/// The function's context parameters, and the contexts it derives from them
/// (`cc, cancel := context.WithCancel(ctx)`, `ctx := r.Context()`).
fn context_names(view: &flow::FunctionView<'_>, imports: &Imports, source: &str) -> Vec<String> {
    let mut names: Vec<String> = view
        .parameters()
        .iter()
        .filter(|parameter| flow::is_context_type(parameter.type_node, imports, source))
        .filter_map(|parameter| parameter.name.map(|name| syntax::text(name, source).to_string()))
        .collect();
    // Two passes settle chains such as `base := r.Context(); cc, cancel := context.WithCancel(base)`.
    for _ in 0..2 {
        for node in view.own_descendants().filter(|node| node.kind_name() == "short_var_declaration") {
            let (Some(left), Some(right)) = (node.field_child("left"), node.field_child("right")) else {
                continue;
            };
            let derives = syntax::named_children(right).into_iter().any(|value| {
                value.kind_name() == "call_expression"
                    && match syntax::call_name(value, source) {
                        Some((Some(package), name)) if imports.names(package, "context") => {
                            name.starts_with("With") && carries_context(value, &names, source)
                        }
                        Some((Some(_), "Context")) => syntax::call_arguments(value).is_empty(),
                        _ => false,
                    }
            });
            if !derives {
                continue;
            }
            if let Some(first) = syntax::named_children(left).into_iter().next().filter(|first| first.kind_name() == "identifier") {
                let name = syntax::text(first, source);
                if name != "_" && !names.iter().any(|known| known == name) {
                    names.push(name.to_string());
                }
            }
        }
    }
    names
}

/// `go transfer(part)` where the function binds `transfer := func(...) {...}` once: that literal.
fn local_closure<'tree>(worker: Node<'tree>, body: Node<'tree>, source: &str) -> Option<Node<'tree>> {
    let go = flow::GoStatement::new(worker)?;
    let function = go.call.field_child("function").filter(|function| function.kind_name() == "identifier")?;
    let bindings = syntax::bindings_of(body, syntax::text(function, source), source);
    let [binding] = bindings.as_slice() else { return None };
    binding.value.map(syntax::unparen).filter(|value| value.kind_name() == "func_literal")
}

/// The worker names the writing end of `pr, pw := io.Pipe()`, and the function hands the reading
/// end to something between the `go` and the wait: once that consumer is done, the pipe is drained
/// and the worker runs to its end.
fn writes_drained_pipe(worker: Node<'_>, body: Node<'_>, wait: Node<'_>, source: &str) -> bool {
    let mentions = |node: Node<'_>, name: &str| syntax::identifiers_named(node, name, source).next().is_some();
    syntax::descendants(body).filter(|node| node.kind_name() == "short_var_declaration").any(|pair| {
        let (Some(left), Some(right)) = (pair.field_child("left"), pair.field_child("right")) else {
            return false;
        };
        let is_pipe = matches!(syntax::named_children(right).as_slice(),
            [call] if call.kind_name() == "call_expression" && matches!(syntax::call_name(*call, source), Some((Some("io"), "Pipe"))));
        let ends = syntax::named_children(left);
        let [reader, writer] = ends.as_slice() else { return false };
        let (reader, writer) = (syntax::text(*reader, source), syntax::text(*writer, source));
        is_pipe
            && mentions(worker, writer)
            && syntax::identifiers_named(body, reader, source)
                .any(|use_| use_.start_byte() >= worker.end_byte() && use_.end_byte() <= wait.start_byte())
    })
}

/// The worker is given a context: it names one of `names` or a `ctx`-like variable, or calls
/// `X.Context()`.
fn carries_context(worker: Node<'_>, names: &[String], source: &str) -> bool {
    syntax::descendants(worker).any(|node| match node.kind_name() {
        "identifier" => {
            let name = syntax::text(node, source);
            names.iter().any(|known| known == name) || is_context_like(name)
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
        node.kind_name() == "identifier"
            && Some(syntax::text(node, source)) != waited
            && node.parent_node().is_none_or(|parent| parent.kind_name() != "call_expression")
            && flow::is_cancellation_channel(node, source)
    })
}

/// The goroutine delivers on `name`: its literal sends on or closes the channel, or the channel is
/// one of the call's arguments (`go worker(ch)`).
fn delivers_on(go: &flow::GoStatement<'_>, name: &str, source: &str) -> bool {
    match go.target {
        flow::GoTarget::Literal(literal) => syntax::descendants(literal).any(|node| match node.kind_name() {
            "send_statement" => node.field_child("channel").is_some_and(|c| syntax::text(c, source) == name),
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
    match channel.kind_name() {
        "call_expression" => matches!(syntax::call_name(channel, source), Some((Some(_), "After"))),
        "selector_expression" => {
            channel.field_child("field").is_some_and(|field| syntax::text(field, source) == "C")
        }
        _ => false,
    }
}

/// The statement before the wait (or the one before that) stops something: `x.Close()`,
/// `x.Stop()`, `cancel()`, `close(stop)`.
fn stops_before(wait: Node<'_>, source: &str) -> bool {
    let Some(statement) = syntax::enclosing_statement(wait) else { return false };
    std::iter::successors(statement.prev_named_sibling_node(), |node| node.prev_named_sibling_node())
        .filter(|node| node.kind_name() != "comment")
        .take(2)
        .any(|node| {
            let call = node.named_child(0).map(syntax::unparen);
            node.kind_name() == "expression_statement"
                && call.is_some_and(|call| {
                    call.kind_name() == "call_expression"
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
            channel.kind_name() == "call_expression" && flow::is_cancellation_channel(channel, source)
        })
    })
}

/// How deep `wg.Wait()` inside a worker is followed to the workers of that group.
const MAX_GROUP_DEPTH: usize = 2;

/// How deep calls to functions declared in the same file are followed.
const MAX_LOCAL_DEPTH: usize = 3;

/// Judges whether an awaited worker can hang on something cancelling the request would not
/// stop. It answers "no" only with evidence: every call in the worker is a builtin, a
/// standard-library call outside the blocking table, a module function whose summary finds no
/// blocking, or a call handed the request's context; every channel operation is the delivery
/// itself, a cancellation, or a range over a channel whose producer is given the context.
struct Judge<'j, 'a, 'tree> {
    ctx: &'j RuleContext<'a, 'tree>,
    source: &'j str,
    /// The waiting function's body.
    body: Node<'tree>,
    wait: Node<'tree>,
    /// The channel waited on, whose sends are the worker's delivery, not a hang.
    waited: Option<&'j str>,
    context_names: &'j [String],
}

impl<'tree> Judge<'_, '_, 'tree> {
    /// Every goroutine of the function that names `group` calls `group.Done()` as its first
    /// statement, and none is started with `group.Go`: waiting only waits for them to start.
    fn is_start_latch(&self, group: &str) -> bool {
        let mut members = 0;
        for node in syntax::descendants(self.body).filter(|node| node.start_byte() < self.wait.start_byte()) {
            if node.kind_name() == "call_expression" && syntax::call_name(node, self.source).is_some_and(|(_, name)| name == "Go")
                && self.receiver_is(node, group)
            {
                return false;
            }
            let Some(go) = flow::GoStatement::new(node) else { continue };
            if !syntax::descendants(go.statement).any(|inner| syntax::text(inner, self.source) == group) {
                continue;
            }
            let flow::GoTarget::Literal(literal) = go.target else { return false };
            let first = literal
                .field_child("body")
                .and_then(|body| syntax::named_children(body).into_iter().find(|n| n.kind_name() == "statement_list"))
                .and_then(|list| syntax::named_children(list).into_iter().next());
            let done_first = first.is_some_and(|statement| {
                statement.kind_name() == "expression_statement"
                    && statement.named_child(0).map(syntax::unparen).is_some_and(|call| {
                        call.kind_name() == "call_expression"
                            && syntax::call_name(call, self.source).is_some_and(|(_, name)| name == "Done")
                            && self.receiver_is(call, group)
                    })
            });
            if !done_first {
                return false;
            }
            members += 1;
        }
        members > 0
    }

    /// `call` is `X.m(...)` with `X` written as `group`.
    fn receiver_is(&self, call: Node<'_>, group: &str) -> bool {
        call.field_child("function")
            .filter(|function| function.kind_name() == "selector_expression")
            .and_then(|function| function.field_child("operand"))
            .is_some_and(|operand| syntax::text(operand, self.source) == group)
    }

    /// A worker: a `go` statement, or a `wg.Go(f)` call (run as `go func(){ defer wg.Done(); f() }()`).
    fn worker_may_hang(&self, worker: Node<'tree>, depth: usize) -> bool {
        if depth > 0
            && (carries_context(worker, self.context_names, self.source)
                || gets_stop_channel(worker, self.waited, self.source))
        {
            return false;
        }
        if let Some(go) = flow::GoStatement::new(worker) {
            return match go.target {
                flow::GoTarget::Literal(literal) => self.body_may_hang(literal, depth),
                flow::GoTarget::Named { .. } => self.call_may_block(go.call, depth),
                flow::GoTarget::Other => true,
            };
        }
        match syntax::call_arguments(worker).first().map(|argument| syntax::unparen(*argument)) {
            Some(literal) if literal.kind_name() == "func_literal" => self.body_may_hang(literal, depth),
            _ => true,
        }
    }

    /// Something in `root` (a function literal) may wait without the context's say-so. Function
    /// literals inside are judged too (a callback may run right there); `go` statements inside
    /// are not (only their arguments are evaluated here).
    fn body_may_hang(&self, root: Node<'tree>, depth: usize) -> bool {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            match node.kind_name() {
                "go_statement" => {
                    if let Some(go) = flow::GoStatement::new(node)
                        && let Some(arguments) = go.call.field_child("arguments")
                    {
                        stack.push(arguments);
                    }
                    continue;
                }
                "send_statement" => {
                    let channel = node.field_child("channel").map(|c| syntax::text(c, self.source));
                    if channel.is_none() || channel != self.waited {
                        return true;
                    }
                }
                "unary_expression" => {
                    if let Some(channel) = flow::receive_operand(node)
                        && !flow::is_cancellation_channel(channel, self.source)
                    {
                        return true;
                    }
                }
                "select_statement" => {
                    let cases: Vec<flow::SelectCase<'_>> = flow::select_cases(node).collect();
                    let gives_up = cases.iter().any(|case| {
                        case.kind == flow::CaseKind::Default || case.receives_from_cancellation(self.source)
                    });
                    if !gives_up {
                        return true;
                    }
                    // The communications are judged with the select; the bodies run after it.
                    stack.extend(cases.iter().filter_map(|case| case.body));
                    continue;
                }
                "range_clause" => {
                    if let Some(right) = node.field_child("right")
                        && self.may_be_channel(right)
                        && !self.fed_by_cancellable_producer(right)
                    {
                        return true;
                    }
                }
                "call_expression" => {
                    if self.gets_context(node) {
                        // Stoppable through its context; its arguments are still looked at.
                    } else if let Some(group) = self.waited_group(node) {
                        if depth >= MAX_GROUP_DEPTH {
                            return true;
                        }
                        let members = self.group_members(group);
                        if members.is_empty() || members.iter().any(|member| self.worker_may_hang(*member, depth + 1)) {
                            return true;
                        }
                    } else if self.call_may_block(node, depth) {
                        return true;
                    }
                }
                _ => {}
            }
            stack.extend(syntax::named_children(node));
        }
        false
    }

    /// One of the call's arguments is the request's context (or a look-alike).
    fn gets_context(&self, call: Node<'_>) -> bool {
        syntax::call_arguments(call).into_iter().any(|argument| {
            let argument = syntax::unparen(argument);
            match argument.kind_name() {
                "identifier" => {
                    let name = syntax::text(argument, self.source);
                    self.context_names.iter().any(|known| known == name) || is_context_like(name)
                }
                "call_expression" => {
                    matches!(syntax::call_name(argument, self.source), Some((Some(_), "Context")))
                        && syntax::call_arguments(argument).is_empty()
                }
                _ => false,
            }
        })
    }

    /// `X.Wait()` on a group this function adds to: the group's text.
    fn waited_group(&self, call: Node<'_>) -> Option<&str> {
        let (Some(_), "Wait") = syntax::call_name(call, self.source)? else { return None };
        if !syntax::call_arguments(call).is_empty() {
            return None;
        }
        let function = call.field_child("function")?;
        let group = syntax::text(function.field_child("operand")?, self.source);
        let adds = syntax::descendants(self.body).any(|node| {
            node.kind_name() == "call_expression"
                && syntax::call_name(node, self.source).is_some_and(|(_, name)| matches!(name, "Add" | "Go"))
                && self.receiver_is(node, group)
        });
        adds.then_some(group)
    }

    /// The workers of `group` in the waiting function: `group.Go(f)` calls and goroutines that
    /// name the group (`defer group.Done()`, `go worker(&group)`).
    fn group_members(&self, group: &str) -> Vec<Node<'tree>> {
        syntax::descendants(self.body)
            .filter(|node| {
                if node.kind_name() == "call_expression" {
                    return syntax::call_name(*node, self.source).is_some_and(|(_, name)| name == "Go")
                        && self.receiver_is(*node, group);
                }
                node.kind_name() == "go_statement"
                    && syntax::descendants(*node).any(|inner| {
                        inner.kind_name() == "call_expression"
                            && syntax::call_name(inner, self.source).is_some_and(|(_, name)| name == "Done")
                            && self.receiver_is(inner, group)
                    })
            })
            .collect()
    }

    /// A range operand that is, or may be, a channel (a type the tables do not know counts).
    fn may_be_channel(&self, operand: Node<'_>) -> bool {
        match self.ctx.types.type_of(operand) {
            Some(ty) => ty.starts_with("chan") || ty.starts_with("<-chan") || ty.starts_with('?'),
            // A field of a type we cannot see (`cluster.Tags`, `node.Endpoints` of another
            // module's struct) is a channel only if its name says so.
            None if operand.kind_name() == "selector_expression" => operand
                .field_child("field")
                .is_some_and(|field| names_channel(syntax::text(field, self.source))),
            None => !matches!(operand.kind_name(), "int_literal" | "composite_literal" | "interpreted_string_literal"),
        }
    }

    /// The ranged channel is a local of the waiting function that the function hands to a call
    /// together with the request's context (`run(ctx, src)`): cancelling stops the producer,
    /// which closes the channel, and the range ends.
    fn fed_by_cancellable_producer(&self, operand: Node<'_>) -> bool {
        let operand = syntax::unparen(operand);
        if operand.kind_name() != "identifier" {
            return false;
        }
        let name = syntax::text(operand, self.source);
        let made_here = syntax::bindings_of(self.body, name, self.source)
            .iter()
            .any(|binding| binding.value.is_some_and(|value| syntax::make_chan(value, self.source).is_some()));
        made_here
            && flow::own_descendants(self.body).any(|node| {
                node.kind_name() == "call_expression"
                    && node.start_byte() < self.wait.start_byte()
                    && self.gets_context(node)
                    && syntax::call_arguments(node)
                        .iter()
                        .any(|argument| syntax::text(syntax::unparen(*argument), self.source) == name)
            })
    }

    /// The call may block, or nothing shows that it cannot.
    fn call_may_block(&self, call: Node<'_>, depth: usize) -> bool {
        let source = self.source;
        let Some(function) = call.field_child("function").map(syntax::unparen) else { return true };
        let (qualifier, name) = match function.kind_name() {
            // Called where it is written: its body is walked as part of the worker.
            "func_literal" => return false,
            "identifier" => (None, syntax::text(function, source)),
            "selector_expression" => {
                let Some(field) = function.field_child("field") else { return true };
                (function.field_child("operand").map(syntax::unparen), syntax::text(field, source))
            }
            _ => return true,
        };
        if let Some(info) = self.ctx.types.call(call) {
            if info.from_stdlib {
                return match &info.receiver {
                    Some((path, type_name)) => {
                        blocking::blocking_method(path, type_name, name).is_some()
                            || stdlib_may_do_io(path, type_name, name)
                            || takes_interface(stdlib::method(path, type_name, name))
                    }
                    None if info.callee == "error.Error" => false,
                    None => {
                        let path = qualifier.and_then(|q| self.ctx.facts.imports.path_of(syntax::text(q, source)));
                        path.is_none_or(|path| {
                            blocking::blocking_func(path, name).is_some()
                                || takes_interface(stdlib::func(path, name))
                        })
                    }
                };
            }
            let project = self.ctx.project;
            let func = match &info.receiver {
                Some((path, type_name)) => {
                    let owner = format!("{path}.{type_name}");
                    match project.and_then(|p| p.method_of_type(&owner, name)) {
                        Some((_, func)) => Some(func),
                        None if self.is_other_module_type(&owner) => return names_io(name),
                        None => return !self.no_implementation_blocks(&owner, name),
                    }
                }
                None => match qualifier {
                    None => self.ctx.package.and_then(|package| package.function(name)),
                    Some(qualifier) => self
                        .ctx
                        .facts
                        .imports
                        .path_of(syntax::text(qualifier, source))
                        .and_then(|path| project?.package_by_import_path(path))
                        .and_then(|package| package.function(name)),
                },
            };
            return func.is_none_or(summary_may_block)
                || (qualifier.is_none() && self.local_function_may_hang(name, depth));
        }
        match qualifier {
            None => {
                let shadowed = syntax::top_level_declaration(call)
                    .is_some_and(|scope| !syntax::bindings_of(scope, name, source).is_empty());
                if !shadowed && (is_builtin(name) || is_predeclared_type(name)) {
                    return false;
                }
                match self.ctx.package {
                    Some(package) if !shadowed => match package.function(name) {
                        Some(func) => summary_may_block(func) || self.local_function_may_hang(name, depth),
                        // A conversion to one of the package's types.
                        None => package.type_decl(name).is_none(),
                    },
                    _ => true,
                }
            }
            Some(operand) => {
                if operand.kind_name() == "identifier"
                    && self.ctx.types.type_of(operand).is_none()
                    && let Some(path) = self.ctx.facts.imports.path_of(syntax::text(operand, source))
                {
                    if blocking::blocking_func(path, name).is_some() {
                        return true;
                    }
                    if let Some(package) = self.ctx.project.and_then(|p| p.package_by_import_path(path)) {
                        return package.function(name).is_none_or(summary_may_block);
                    }
                    if !stdlib::has_package(path) {
                        // Another module's function, signature unknown: package-level helpers
                        // (`aws.ToString`, `model.LabelValue(s)` conversions) are mostly pure, so
                        // only names that say I/O or waiting count.
                        return names_io(name);
                    }
                    return takes_interface(stdlib::func(path, name));
                }
                match self.ctx.types.type_of(operand).or_else(|| self.range_element_type(operand)) {
                    Some(owner) if self.is_other_module_type(owner.trim_start_matches('*')) => names_io(name),
                    Some(owner) => !self.no_implementation_blocks(owner.trim_start_matches('*'), name),
                    // A method on a field of a value we cannot type (`instance.CreateTime.Format(..)`,
                    // fields of another module's structs): only names that say I/O count.
                    None if operand.kind_name() == "selector_expression" => names_io(name),
                    None if self.made_by_other_module(operand) => names_io(name),
                    None => true,
                }
            }
        }
    }

    /// The summary of a module function does not count calls it cannot resolve (an interface
    /// method without a context): when the function is declared in this file, its body is
    /// judged like the worker's.
    fn local_function_may_hang(&self, name: &str, depth: usize) -> bool {
        if depth >= MAX_LOCAL_DEPTH {
            return false;
        }
        let root = self.ctx.tree.root_node();
        syntax::named_children(root).into_iter().any(|declaration| {
            declaration.kind_name() == "function_declaration"
                && declaration.field_child("name").is_some_and(|n| syntax::text(n, self.source) == name)
                && declaration.field_child("body").is_some_and(|body| self.body_may_hang(body, depth + 1))
        })
    }

    /// The element type of a channel that `value` is the range variable of
    /// (`for m := range src` with `src chan T`).
    fn range_element_type(&self, value: Node<'_>) -> Option<String> {
        if value.kind_name() != "identifier" {
            return None;
        }
        let name = syntax::text(value, self.source);
        let clause = syntax::ancestors(value)
            .filter(|node| node.kind_name() == "for_statement")
            .find_map(|node| syntax::named_children(node).into_iter().find(|child| child.kind_name() == "range_clause"))
            .filter(|clause| {
                clause.field_child("left").is_some_and(|left| {
                    let names = syntax::named_children(left);
                    names.len() == 1 && syntax::text(names[0], self.source) == name
                })
            })?;
        let right = clause.field_child("right")?;
        let channel = self.ctx.types.type_of(right).or_else(|| self.made_channel_type(right))?;
        let element = channel.strip_prefix("<-chan ").or_else(|| channel.strip_prefix("chan "))?;
        Some(element.to_string())
    }

    /// The type of a channel the waiting function makes (`src := make(chan T, n)`), for uses
    /// inside a function literal, where the locals' types are not known.
    fn made_channel_type(&self, channel: Node<'_>) -> Option<String> {
        let name = syntax::text(syntax::unparen(channel), self.source);
        let bindings = syntax::bindings_of(self.body, name, self.source);
        let [binding] = bindings.as_slice() else { return None };
        let (chan_type, _) = syntax::make_chan(binding.value?, self.source)?;
        self.ctx.types.resolve_type(chan_type)
    }

    /// `owner` is one of the module's interfaces and no method of that name anywhere in the
    /// module may block (an interface method's implementations are the module's own types).
    /// `set := sets.NewStringSet()`: the one binding of the identifier is a call to another
    /// module's package-level function, so its methods are that module's too.
    fn made_by_other_module(&self, operand: Node<'_>) -> bool {
        let source = self.source;
        if operand.kind_name() != "identifier" {
            return false;
        }
        let Some(scope) = self.ctx.types.ancestry().top_level_declaration(operand) else { return false };
        let bindings = syntax::bindings_of(scope, syntax::text(operand, source), source);
        let [binding] = bindings.as_slice() else { return false };
        let Some(value) = binding.value.filter(|value| value.kind_name() == "call_expression") else { return false };
        let Some((Some(package), _)) = syntax::call_name(value, source) else { return false };
        self.ctx.facts.imports.path_of(package).is_some_and(|path| {
            !stdlib::has_package(path) && self.ctx.project.is_none_or(|project| project.package_by_import_path(path).is_none())
        })
    }

    /// `github.com/prometheus/common/model.LabelSet`: a named type of another module (neither the
    /// standard library nor a package of this project), whose methods we cannot see. Like that
    /// module's functions, its methods count as blocking only when their names say I/O.
    fn is_other_module_type(&self, owner: &str) -> bool {
        let Some((path, _)) = owner.rsplit_once('.') else { return false };
        path.contains('.')
            && !stdlib::has_package(path)
            && self.ctx.project.is_none_or(|project| project.package_by_type_path(path).is_none())
    }

    fn no_implementation_blocks(&self, owner: &str, name: &str) -> bool {
        let Some(project) = self.ctx.project else { return false };
        if !self.is_project_interface(owner) {
            return false;
        }
        let mut implementations = project.packages().iter().flat_map(|package| package.methods_named(name));
        let mut any = false;
        let none_blocks = implementations.all(|func| {
            any = true;
            !summary_may_block(func)
        });
        any && none_blocks
    }

    fn is_project_interface(&self, ty: &str) -> bool {
        self.ctx
            .project
            .and_then(|project| project.type_of_text(ty))
            .is_some_and(|(_, decl)| matches!(decl.kind(), TypeKind::Interface(_)))
    }
}

/// `ctx`, `reqCtx`, `streamctx`: named as a context.
fn is_context_like(name: &str) -> bool {
    name == "ctx" || name.ends_with("Ctx") || name.ends_with("ctx")
}

/// A module function's summary: "may block", or no body to judge (assembly, a declaration).
fn summary_may_block(func: &Func) -> bool {
    func.may_block().is_some() || !func.has_body()
}

/// Standard-library methods outside the blocking table that still read or write through what
/// they wrap: `bufio` readers and writers, encoders and decoders (`json.NewEncoder(conn)`).
fn stdlib_may_do_io(path: &str, type_name: &str, name: &str) -> bool {
    path == "bufio"
        || (path.starts_with("encoding/") && matches!(name, "Encode" | "Decode" | "EncodeToken" | "Token"))
        || (path == "net/http" && type_name == "ResponseController")
        || stdlib::is_interface(path, type_name)
}

fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "append" | "cap" | "clear" | "close" | "complex" | "copy" | "delete" | "imag" | "len" | "make" | "max"
            | "min" | "new" | "panic" | "print" | "println" | "real" | "recover"
    )
}

/// A conversion: `string(b)`, `float64(n)`.
fn is_predeclared_type(name: &str) -> bool {
    matches!(
        name,
        "bool" | "byte" | "complex64" | "complex128" | "error" | "float32" | "float64" | "int" | "int8" | "int16"
            | "int32" | "int64" | "rune" | "string" | "uint" | "uint8" | "uint16" | "uint32" | "uint64" | "uintptr"
            | "any"
    )
}

/// A standard-library call handed an interface value (`fmt.Fprintf(w, ...)`,
/// `json.NewEncoder(conn)`): it may read or write through it. Judged by the signature's
/// parameter types; `any`, `error` and `context.Context` do not count.
fn takes_interface(signature: Option<&stdlib::Signature>) -> bool {
    signature.is_none_or(|signature| {
        signature.params.iter().any(|param| {
            param.is_interface()
                && !matches!(param.as_str(), "error" | "any" | "context.Context")
                && !param.as_str().starts_with("interface{}")
        })
    })
}

/// Verbs that say a call does I/O or waits: `Get`, `DialTimeout`, `ReadFile`, `WaitFor`.
fn names_io(name: &str) -> bool {
    const VERBS: &[&str] = &[
        "Get", "Post", "Put", "Patch", "Delete", "Head", "Do", "Dial", "Connect", "Open", "Read", "Write", "Send",
        "Recv", "Receive", "Wait", "Sleep", "Run", "Exec", "Query", "Fetch", "Load", "Save", "Sync", "Flush", "Copy",
        "Listen", "Accept", "Serve", "Call", "Invoke", "Request", "Download", "Upload", "Lock", "Acquire", "Poll",
        "Watch", "Subscribe", "Publish", "Retry",
    ];
    // A verb at the start of the name or of one of its CamelCase words.
    let words = name.char_indices().filter(|(at, c)| *at == 0 || c.is_ascii_uppercase()).map(|(at, _)| &name[at..]);
    words.into_iter().any(|word| {
        VERBS.iter().any(|verb| {
            word.starts_with(verb) && word[verb.len()..].chars().next().is_none_or(|next| !next.is_ascii_lowercase())
        })
    })
}

/// `events`, `resultCh`, `C`, `updates`, `queue`: field names that usually hold a channel.
fn names_channel(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name == "C"
        || name.ends_with("Ch")
        || name.ends_with("Chan")
        || ["chan", "events", "updates", "queue", "notify", "results", "done", "stream"].iter().any(|word| lower.contains(word))
}
