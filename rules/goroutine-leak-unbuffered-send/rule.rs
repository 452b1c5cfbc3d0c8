use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _, SiblingNode as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "goroutine-leak-unbuffered-send",
    family: "B1",
    summary: "Goroutine sends on an unbuffered channel its starter may stop waiting on, so it leaks",
    // Info: its judged sample on code it was not tuned on is over the precision bar (ledger.tsv).
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["concurrency", "reliability", "goroutines"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Give the channel a buffer so the send completes even when nobody receives: `make(chan T, 1)`";

/// How the starting function can stop waiting for the goroutine's send.
enum Abandon<'tree> {
    /// A `select` receiving from the channel with a case that gives up: (select, giving-up channel).
    Select(Node<'tree>, Node<'tree>),
    /// A `return` reached after the `go` statement and before any use of the channel.
    Return(Node<'tree>),
}

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(send), Some(channel)) = (found.target(), found.get("channel")) else { return };
    let source: &str = &ctx.file.text;
    let Some(literal) = ctx.types.ancestry().enclosing_functions(send).next().filter(|function| function.kind_name() == "func_literal") else {
        return;
    };
    let Some(go) = started_by_go(literal) else { return };
    if is_guarded_send(send) {
        return;
    }
    let Some(outer) = flow::FunctionView::enclosing(go.statement, source) else { return };
    let Some(outer_body) = outer.body else { return };
    // The name of the channel in the starting function: the same name, or the argument given for
    // the literal's parameter.
    let inner_name = ctx.text(channel);
    let literal_view = flow::FunctionView::new(literal, source);
    let name = match literal_view.and_then(|view| view.parameter_index(inner_name)) {
        Some(index) => match go.arguments().get(index).map(|argument| syntax::unparen(*argument)) {
            Some(argument) if argument.kind_name() == "identifier" => ctx.text(argument),
            _ => return,
        },
        None => {
            if !syntax::bindings_of(literal, inner_name, source).is_empty() {
                return;
            }
            inner_name
        }
    };
    let bindings = syntax::bindings_of(outer_body, name, source);
    let [binding] = bindings.as_slice() else { return };
    let Some(make) = binding.value else { return };
    let Some((channel_type, capacity)) = syntax::make_chan(make, source) else { return };
    if ctx.types.ancestry().enclosing_functions(make).next() != Some(outer.node) || make.start_byte() > go.statement.start_byte() {
        return;
    }
    let (all_sends, sends) = sends_in(literal, inner_name, source);
    // One finding per goroutine and channel, on its first send.
    if all_sends.first() != Some(&send) {
        return;
    }
    if let Some(capacity) = capacity {
        // Buffered: fine when the buffer holds every send; a capacity we cannot read is trusted.
        let Ok(capacity) = ctx.text(capacity).parse::<usize>() else { return };
        if sends.is_none_or(|sends| sends <= capacity) {
            return;
        }
    }
    let Some(abandon) = abandoning(outer, go.statement, name, source) else { return };
    if let Abandon::Select(select, _) = abandon
        && shuts_down_what_it_serves(literal, select, name, source)
    {
        return;
    }
    let buffer = match capacity {
        None => format!("unbuffered channel `{name}`"),
        Some(capacity) => format!("channel `{name}` (buffer of {}, more sends)", ctx.text(capacity)),
    };
    let (message, label_node, label) = match abandon {
        Abandon::Select(select, giving_up) => {
            let line = select.start_position().row + 1;
            (
                format!(
                    "goroutine sends on {buffer}, but the select on line {line} can stop waiting (`<-{}`); \
                     the send then blocks forever and the goroutine leaks",
                    ctx.text(giving_up)
                ),
                select_header(select),
                format!("this select abandons the sender when `<-{}` wins", ctx.text(giving_up)),
            )
        }
        Abandon::Return(ret) => {
            let line = ret.start_position().row + 1;
            (
                format!(
                    "goroutine sends on {buffer}, but the function can return on line {line} before \
                     receiving; the send then blocks forever and the goroutine leaks"
                ),
                Span::new(ret.start_byte(), ret.end_byte()),
                "returns without receiving from the channel".to_string(),
            )
        }
    };
    let in_loop = syntax::ancestors(go.statement)
        .take_while(|ancestor| *ancestor != outer.node)
        .any(|ancestor| ancestor.kind_name() == "for_statement");
    // The goroutine leaks only until the process ends: right after `main` returns, or when the
    // test binary exits (a test that stops waiting has usually failed already; test-support files
    // import "testing"). Advice, not a gate.
    let short_lived = ctx.facts.is_test_file || ctx.facts.imports.contains("testing") || is_main(outer.node, source);
    let mut builder = ctx
        .report(send, message)
        .label(make, if capacity.is_none() { "made without a buffer here" } else { "buffer too small for every send" })
        .label(label_node, label)
        .help(HELP);
    if short_lived {
        builder = builder.severity(Severity::Info);
    }
    // One send in one goroutine: a buffer of one always lets it complete.
    if capacity.is_none() && sends == Some(1) && !in_loop {
        builder.fix(Fix::safe(vec![Edit::insert(channel_type.end_byte(), ", 1")]));
    }
}

/// `func main()`, or a `Main` the real `main` delegates to (`os.Exit(ghcmd.Main())`).
fn is_main(function: Node<'_>, source: &str) -> bool {
    function.kind_name() == "function_declaration"
        && function.field_child("name").is_some_and(|name| matches!(syntax::text(name, source), "main" | "Main"))
}

/// `go func() { if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) { errc <- err
/// } }()` and a giving-up case that calls `srv.Shutdown(...)` (or `Close`): stopping the server
/// makes it return `ErrServerClosed`, which the goroutine does not send.
fn shuts_down_what_it_serves(literal: Node<'_>, select: Node<'_>, name: &str, source: &str) -> bool {
    let filters_closed = syntax::descendants(literal).any(|node| {
        matches!(node.kind_name(), "identifier" | "field_identifier") && syntax::text(node, source) == "ErrServerClosed"
    });
    filters_closed
        && flow::select_cases(select).any(|case| {
            case.channel.is_some_and(|channel| syntax::text(channel, source) != name)
                && case.body.is_some_and(|body| {
                    syntax::descendants(body).any(|node| {
                        node.kind_name() == "call_expression"
                            && matches!(syntax::call_name(node, source), Some((Some(_), "Shutdown" | "Close")))
                    })
                })
        })
}

/// The `go` statement that runs `literal` directly: `go func() {...}()`.
fn started_by_go(literal: Node<'_>) -> Option<flow::GoStatement<'_>> {
    let mut node = literal.parent_node()?;
    while node.kind_name() == "parenthesized_expression" {
        node = node.parent_node()?;
    }
    if node.kind_name() != "call_expression" {
        return None;
    }
    let statement = node.parent_node()?;
    flow::GoStatement::new(statement).filter(|go| matches!(go.target, flow::GoTarget::Literal(l) if l == literal))
}

/// A send that is one case of a `select`: the sender can give up (`ctx.Done()`, `default`), or at
/// least is not the blind send this rule is about.
fn is_guarded_send(send: Node<'_>) -> bool {
    send.parent_node().is_some_and(|parent| parent.kind_name() == "communication_case")
}

/// The sends on `name` in the literal, and the most of them one run of it can make (`None` when
/// a send sits in a loop, so there is no bound).
fn sends_in<'tree>(literal: Node<'tree>, name: &str, source: &str) -> (Vec<Node<'tree>>, Option<usize>) {
    let is_send = |node: Node<'_>| {
        node.kind_name() == "send_statement"
            && node.field_child("channel").is_some_and(|channel| syntax::text(channel, source) == name)
    };
    let sends: Vec<Node<'tree>> = flow::own_descendants(literal).filter(|node| is_send(*node)).collect();
    let most = literal.field_child("body").and_then(|body| {
        let count = path_sends(body, &is_send)?;
        Some(count.falls.unwrap_or(0).max(count.ends))
    });
    (sends, most)
}

/// The most sends along the paths through a statement: those that fall through to what follows
/// (`None` when none does) and those that end in a `return`.
#[derive(Clone, Copy)]
struct PathSends {
    falls: Option<usize>,
    ends: usize,
}

impl PathSends {
    fn either(self, other: PathSends) -> PathSends {
        let falls = match (self.falls, other.falls) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        PathSends { falls, ends: self.ends.max(other.ends) }
    }
}

/// `None` when a send sits in a loop.
fn path_sends(statement: Node<'_>, is_send: &dyn Fn(Node<'_>) -> bool) -> Option<PathSends> {
    let none = PathSends { falls: Some(0), ends: 0 };
    Some(match statement.kind_name() {
        "block" | "statement_list" => {
            let mut count = PathSends { falls: Some(0), ends: 0 };
            for child in syntax::named_children(statement) {
                let Some(before) = count.falls else { break };
                let step = path_sends(child, is_send)?;
                count.ends = count.ends.max(before + step.ends);
                count.falls = step.falls.map(|falls| before + falls);
            }
            count
        }
        "return_statement" => PathSends { falls: None, ends: 0 },
        "if_statement" => {
            let consequence = match statement.field_child("consequence") {
                Some(block) => path_sends(block, is_send)?,
                None => none,
            };
            let alternative = match statement.field_child("alternative") {
                Some(alternative) => path_sends(alternative, is_send)?,
                None => none,
            };
            consequence.either(alternative)
        }
        "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
            let mut count: Option<PathSends> = None;
            let mut exhaustive = statement.kind_name() == "select_statement";
            for case in syntax::named_children(statement) {
                if !matches!(case.kind_name(), "expression_case" | "type_case" | "default_case" | "communication_case") {
                    continue;
                }
                exhaustive |= case.kind_name() == "default_case";
                let mut here = none;
                if case.field_child("communication").is_some_and(is_send) {
                    here.falls = Some(1);
                }
                if let Some(body) = syntax::named_children(case).into_iter().find(|c| c.kind_name() == "statement_list") {
                    let body = path_sends(body, is_send)?;
                    let offset = here.falls.unwrap_or(0);
                    here = PathSends { falls: body.falls.map(|f| f + offset), ends: body.ends + offset };
                }
                count = Some(count.map_or(here, |count| count.either(here)));
            }
            let count = count.unwrap_or(none);
            if exhaustive { count } else { count.either(none) }
        }
        "labeled_statement" => match syntax::named_children(statement).into_iter().find(|c| c.kind_name() != "label_name") {
            Some(inner) => path_sends(inner, is_send)?,
            None => none,
        },
        _ if is_send(statement) => PathSends { falls: Some(1), ends: 0 },
        _ => {
            let sends: Vec<Node<'_>> = flow::own_descendants(statement).filter(|node| is_send(*node)).collect();
            // `for _, a := range addrs { if err := f(a); err != nil { ch <- err; return } }`:
            // every send ends the goroutine, so a loop makes at most one.
            let returns_after = |send: &Node<'_>| {
                std::iter::successors(send.next_named_sibling_node(), |node| node.next_named_sibling_node())
                    .find(|node| node.kind_name() != "comment")
                    .is_some_and(|next| next.kind_name() == "return_statement")
            };
            if statement.kind_name() == "for_statement" && !sends.is_empty() && sends.iter().all(returns_after) {
                return Some(PathSends { falls: Some(0), ends: 1 });
            }
            if !sends.is_empty() && (statement.kind_name() == "for_statement" || sends.len() > 1) {
                return None;
            }
            PathSends { falls: Some(sends.len()), ends: 0 }
        }
    })
}

/// The first way the starting function stops waiting for the send: a select with a giving-up case,
/// or a return before the channel is used again.
fn abandoning<'tree>(
    outer: flow::FunctionView<'tree>,
    go: Node<'tree>,
    name: &str,
    source: &'tree str,
) -> Option<Abandon<'tree>> {
    let mentions: Vec<Node<'tree>> =
        outer.body.map(|body| syntax::identifiers_named(body, name, source).collect()).unwrap_or_default();
    let after_go = |node: Node<'_>| node.start_byte() >= go.end_byte();
    for select in outer.own_descendants().filter(|node| node.kind_name() == "select_statement" && after_go(*node)) {
        let cases: Vec<flow::SelectCase<'tree>> = flow::select_cases(select).collect();
        let receives = cases.iter().any(|case| {
            case.kind == flow::CaseKind::Receive
                && case.channel.is_some_and(|channel| syntax::text(channel, source) == name)
        });
        if !receives {
            continue;
        }
        for case in &cases {
            let Some(giving_up) = case.channel.filter(|_| case.kind == flow::CaseKind::Receive) else { continue };
            if syntax::text(giving_up, source) == name || !gives_up(giving_up, source) {
                continue;
            }
            // A giving-up case that still receives afterwards (`v = <-ch`), or that only logs and
            // goes round the loop again, does not abandon the sender.
            let receives_later =
                case.body.is_some_and(|body| syntax::identifiers_named(body, name, source).next().is_some());
            if !receives_later && leaves(select, case.body, outer.node, name, source) {
                return Some(Abandon::Select(select, giving_up));
            }
        }
    }
    // A return after the `go`, before the channel is named again on that path.
    let is_use = |statement: Node<'tree>| mentions.iter().any(|mention| syntax::contains(statement, *mention));
    let next_use = mentions.iter().map(|mention| mention.start_byte()).filter(|start| *start >= go.end_byte()).min();
    flow::escapes_after(go, source, &is_use).into_iter().find_map(|escape| {
        let early = escape.kind == flow::EscapeKind::Return
            && next_use.is_some_and(|next| escape.node.start_byte() < next)
            && !syntax::ancestors(escape.node).any(|ancestor| ancestor.kind_name() == "select_statement");
        early.then_some(Abandon::Return(escape.node))
    })
}

/// A channel whose receive means "stop waiting": `ctx.Done()` and other cancellation channels,
/// `time.After(d)`, a timer's or ticker's `.C`.
fn gives_up(channel: Node<'_>, source: &str) -> bool {
    let channel = syntax::unparen(channel);
    if flow::is_cancellation_channel(channel, source) {
        return true;
    }
    let named_like_timeout = |name: &str| {
        let name = name.to_ascii_lowercase();
        ["timeout", "timer", "deadline", "expire"].iter().any(|word| name.contains(word))
    };
    match channel.kind_name() {
        "call_expression" => matches!(syntax::call_name(channel, source), Some((Some(_), "After"))),
        // `timeoutCh := time.After(d)`, `t.timer.C`, `deadline`.
        "identifier" => named_like_timeout(syntax::text(channel, source)),
        "selector_expression" => {
            channel.field_child("field").is_some_and(|field| syntax::text(field, source) == "C")
        }
        _ => false,
    }
}

/// Whether running `body` (a case of `select`) leaves the wait: the case returns, panics, or
/// jumps out of the loop around the select, or falls through to statements after the select that
/// do so unconditionally (`case <-time.After(d):` then `break Loop`), and the function never
/// names the channel again after leaving; outside a loop, falling through to code that never
/// names the channel again leaves too (`case <-time.After(d): log(...)` followed by
/// `return <-ch` keeps waiting, as etcd's `OpenBackend` does).
fn leaves(select: Node<'_>, body: Option<Node<'_>>, function: Node<'_>, name: &str, source: &str) -> bool {
    let loop_ = syntax::ancestors(select).take_while(|ancestor| *ancestor != function).find_map(flow::Loop::new);
    let named_after = |node: Node<'_>| {
        function.field_child("body").is_some_and(|body| {
            syntax::identifiers_named(body, name, source).any(|mention| mention.start_byte() >= node.end_byte())
        })
    };
    // Where a statement sends control: out of the function, out of the loop, or nowhere new.
    let exit_of = |node: Node<'_>| -> Option<bool> {
        match node.kind_name() {
            "return_statement" => Some(true),
            "call_expression" => flow::terminating_call(node, source).map(|_| true),
            "break_statement" | "goto_statement" => {
                let loop_ = loop_?;
                let target = flow::jump_target(node, source)?;
                let out_of_loop = target == loop_.node || !syntax::contains(loop_.node, target);
                out_of_loop.then(|| !named_after(loop_.node))
            }
            _ => None,
        }
    };
    if let Some(leaving) = body.and_then(|body| flow::own_descendants(body).find_map(exit_of)) {
        return leaving;
    }
    let Some(loop_) = loop_ else { return !named_after(select) };
    // Falling through: the statements after the select in its block, up to the first that names
    // the channel or may go round the loop again.
    let mut next = select.next_named_sibling_node();
    while let Some(statement) = next {
        if syntax::identifiers_named(statement, name, source).next().is_some() || statement.kind_name() == "continue_statement" {
            return false;
        }
        let unconditional = match statement.kind_name() {
            "expression_statement" => statement.named_child(0).filter(|call| call.kind_name() == "call_expression"),
            "return_statement" | "break_statement" | "goto_statement" => Some(statement),
            _ => None,
        };
        if let Some(leaving) = unconditional.and_then(exit_of) {
            return leaving;
        }
        if !syntax::contains(loop_.node, statement) {
            return false;
        }
        next = statement.next_named_sibling_node();
    }
    false
}

/// From `select` to its `{`: a label that does not cover every case.
fn select_header(select: Node<'_>) -> Span {
    let end = syntax::named_children(select).first().map_or(select.end_byte(), |first| first.start_byte());
    let text_end = select.start_byte() + "select".len();
    Span::new(select.start_byte(), end.min(text_end + 2).max(text_end))
}
