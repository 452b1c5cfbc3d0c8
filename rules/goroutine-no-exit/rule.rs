use crate::engine::prelude::*;
use flow::{FunctionView, GoStatement, GoTarget, Loop, LoopKind, RangeOver};

pub static RULE: Rule = Rule {
    id: "goroutine-no-exit",
    family: "A1",
    summary: "A goroutine runs a loop that nothing can stop, so it leaks",
    severity: Severity::Error,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Stable,
    precision: Precision::High,
    tags: &["reliability", "goroutine-leak"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Pass a context.Context (or done channel) and add `case <-ctx.Done(): return` to the loop's select";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let Some(go) = found.target().and_then(GoStatement::new) else { return };
    let source: &str = &ctx.file.text;
    let Some(function) = launched_function(ctx, &go, ctx.tree.root_node(), source) else { return };
    let Some((endless, why)) = endless_loop(ctx, &go, &function, source) else { return };
    // Checked last: it looks at the whole file.
    if lives_as_long_as_the_process(ctx, go.statement, source) {
        return;
    }
    let runner = match go.target {
        GoTarget::Named { name, .. } => format!("the goroutine running `{}`", syntax::text(name, source)),
        _ => "this goroutine".to_string(),
    };
    let (message, label) = match why {
        Endless::NoWayOut => (
            format!("{runner} never exits: its `for` loop has no return, no break and no cancellation case"),
            "this loop never ends".to_string(),
        ),
        Endless::Ticker(channel) => (
            format!("{runner} never exits: it ranges over `{channel}`, which the time package never closes"),
            format!("`{channel}` is never closed, so this range never ends"),
        ),
        Endless::NeverClosed { ranged, made } => {
            let passed_as = if made == ranged { String::new() } else { format!(" (passed in as `{made}`)") };
            (
                format!("{runner} never exits: it ranges over `{ranged}`{passed_as}, which is never closed"),
                format!("`{ranged}` is never closed, so this range never ends"),
            )
        }
    };
    ctx.report(launch_span(&go), message).label(endless.header_span(), label).help(HELP);
}

/// From `go` to the literal's `{` (or the whole statement for a named call), so the finding
/// points at the launch without covering the goroutine's body.
fn launch_span(go: &GoStatement<'_>) -> Span {
    let end = match go.target {
        GoTarget::Literal(literal) => literal.child_by_field_name("body").map(|body| body.start_byte() + 1),
        _ => None,
    };
    Span::new(go.statement.start_byte(), end.unwrap_or(go.statement.end_byte()))
}

/// Goroutines meant to live as long as the process: an endless loop there is the design, not a
/// leak, because they are started a bounded number of times. Started inside a loop (of the
/// function that launches them), they can pile up, so those are still checked.
/// - `func main()` and the other functions and methods of a `main` package (a program's
///   top-level helpers run once; handlers are literals and stay checked), and `init`;
/// - a function that this file calls only from package-level `var` initializers or `init`;
/// - under a once guard: inside `once.Do(func() { ... })` / `sync.OnceFunc(...)`, a function
///   handed to `once.Do`, an `if` on `CompareAndSwap`, or after `if started { return }` on a
///   package-level variable that the function then sets;
/// - the Go runtime's own system goroutines (package `runtime` importing the distribution's
///   `internal/` packages, which only the standard library can).
fn lives_as_long_as_the_process(ctx: &RuleContext<'_, '_>, statement: Node<'_>, source: &str) -> bool {
    let Some(function) = syntax::enclosing_function(statement) else { return false };
    let root = ctx.tree.root_node();
    let facts = ctx.facts;
    let is_go_runtime = facts.package_name == "runtime"
        && facts.imports.imports.iter().any(|import| import.path.starts_with("internal/"));
    if is_go_runtime || under_once_guard(statement, function, source) {
        return true;
    }
    let in_loop =
        syntax::ancestors(statement).take_while(|node| *node != function).any(|node| node.kind() == "for_statement");
    if function.kind() == "func_literal" || in_loop {
        return false;
    }
    let Some(name) = function.child_by_field_name("name").map(|name| syntax::text(name, source)) else {
        return false;
    };
    let is_program = facts.package_name == "main" && !facts.is_test_file;
    is_program
        || (name == "init" && function.kind() == "function_declaration")
        || called_only_at_package_init(root, function, name, source)
        || handed_to_once(root, name, source)
        || after_singleton_guard(statement, function, source)
}

/// `once.Do(func() { go ... })`, `sync.OnceFunc(func() { go ... })`, or `if x.CompareAndSwap(...)`
/// around the `go` statement.
fn under_once_guard(statement: Node<'_>, function: Node<'_>, source: &str) -> bool {
    let in_once_literal = syntax::ancestors(statement)
        .filter(|node| node.kind() == "func_literal")
        .filter_map(|literal| literal.parent().filter(|parent| parent.kind() == "argument_list")?.parent())
        .any(|call| is_once_call(call, source) || is_do_with_plain_literal(call, source));
    in_once_literal
        || syntax::ancestors(statement).take_while(|node| *node != function).any(|node| {
            node.kind() == "if_statement"
                && node
                    .child_by_field_name("condition")
                    .is_some_and(|condition| syntax::text(condition, source).contains("CompareAndSwap"))
        })
}

/// `x.once.Do(...)`, `startOnce.Do(...)`, `sync.OnceFunc(...)`, `sync.OnceValue(s)(...)`.
fn is_once_call(call: Node<'_>, source: &str) -> bool {
    match syntax::call_name(call, source) {
        Some((Some(receiver), "Do")) => {
            let last = receiver.rsplit('.').next().unwrap_or(receiver);
            last.to_ascii_lowercase().contains("once")
        }
        Some((Some("sync"), "OnceFunc" | "OnceValue" | "OnceValues")) => true,
        _ => false,
    }
}

/// `x.startCleaner.Do(func() { ... })`: a `Do` method given only a `func()` literal is
/// `sync.Once.Do` in all but name (`singleflight` and HTTP clients' `Do` take other arguments).
fn is_do_with_plain_literal(call: Node<'_>, source: &str) -> bool {
    let is_do = matches!(syntax::call_name(call, source), Some((Some(_), "Do")));
    let arguments = syntax::call_arguments(call);
    is_do
        && matches!(arguments.as_slice(), [literal] if literal.kind() == "func_literal"
            && literal.child_by_field_name("result").is_none()
            && literal.child_by_field_name("parameters").is_some_and(|p| syntax::named_children(p).is_empty()))
}

/// The function is passed by name to a once guard in this file: `startOnce.Do(d.startWorker)`.
fn handed_to_once(root: Node<'_>, name: &str, source: &str) -> bool {
    syntax::descendants(root).any(|node| {
        node.kind() == "call_expression"
            && is_once_call(node, source)
            && syntax::call_arguments(node).iter().any(|argument| {
                let text = syntax::text(*argument, source);
                text == name || text.ends_with(&format!(".{name}"))
            })
    })
}

/// Every call of `name` in this file is in a package-level `var` initializer or in `init`
/// (`var logOnce = newLogOnce()`): a singleton built once when the package loads.
// TODO(package pre-pass): calls from the package's other files.
fn called_only_at_package_init(root: Node<'_>, function: Node<'_>, name: &str, source: &str) -> bool {
    let mut calls = syntax::descendants(root)
        .filter(|node| node.kind() == "call_expression")
        .filter(|call| syntax::call_name(*call, source).is_some_and(|(_, called)| called == name))
        .filter(|call| !syntax::contains(function, *call))
        .peekable();
    calls.peek().is_some()
        && calls.all(|call| {
            let Some(top) = syntax::top_level_declaration(call) else { return false };
            let in_init = top.kind() == "function_declaration"
                && top.child_by_field_name("name").is_some_and(|n| syntax::text(n, source) == "init");
            (top.kind() == "var_declaration" || in_init)
                && !syntax::ancestors(call).take_while(|node| *node != top).any(|node| node.kind() == "for_statement")
        })
}

/// `if started { return }; started = true; go loop()` on a package-level variable: the
/// goroutine starts once per process. (A field, `s.started`, is once per value, which can leak.)
fn after_singleton_guard(statement: Node<'_>, function: Node<'_>, source: &str) -> bool {
    let Some(body) = function.child_by_field_name("body") else { return false };
    let Some(launch) = syntax::ancestors(statement)
        .chain(std::iter::once(statement))
        .find(|node| node.parent().and_then(|list| list.parent()) == Some(body))
    else {
        return false;
    };
    let before: Vec<Node<'_>> =
        std::iter::successors(launch.prev_named_sibling(), |node| node.prev_named_sibling()).collect();
    before.iter().any(|guard| {
        let Some(condition) = guard.child_by_field_name("condition").filter(|_| guard.kind() == "if_statement") else {
            return false;
        };
        let returns_at_once = guard
            .child_by_field_name("consequence")
            .is_some_and(|block| syntax::text(block, source).split_whitespace().collect::<String>() == "{return}");
        returns_at_once
            && guard.child_by_field_name("alternative").is_none()
            && std::iter::once(condition).chain(syntax::descendants(condition)).any(|name| {
                name.kind() == "identifier"
                    && is_package_level(function, syntax::text(name, source), source)
                    && before.iter().take_while(|node| *node != guard).any(|set| {
                        set.kind() == "assignment_statement"
                            && set.child_by_field_name("left").is_some_and(|left| {
                                syntax::named_children(left)
                                    .iter()
                                    .any(|l| syntax::text(*l, source) == syntax::text(name, source))
                            })
                    })
            })
    })
}

/// Not a parameter, receiver or local of `function`: a package-level name (as far as we can tell).
fn is_package_level(function: Node<'_>, name: &str, source: &str) -> bool {
    let Some(view) = FunctionView::new(function, source) else { return false };
    let is_parameter = view
        .parameters()
        .iter()
        .chain(view.receiver().iter())
        .any(|parameter| parameter.name.is_some_and(|n| syntax::text(n, source) == name));
    !is_parameter
        && syntax::bindings_of(function, name, source).iter().all(|binding| binding.kind == syntax::BindingKind::Assign)
}

/// The function the `go` statement runs, when this file shows it: a literal, a local variable
/// bound once to a literal, a function declared in this file, or the file's only method of that
/// name (checked against the receiver's type when it is known).
fn launched_function<'s>(
    ctx: &RuleContext<'_, '_>,
    go: &GoStatement<'s>,
    root: Node<'s>,
    source: &'s str,
) -> Option<FunctionView<'s>> {
    match go.target {
        GoTarget::Literal(literal) => FunctionView::new(literal, source),
        GoTarget::Named { qualifier: None, name } => {
            let name = syntax::text(name, source);
            let scope = syntax::top_level_declaration(go.statement)?;
            let bindings = syntax::bindings_of(scope, name, source);
            if bindings.is_empty() && bound_without_value(scope, name, source) {
                return None;
            }
            if !bindings.is_empty() {
                return match bindings.as_slice() {
                    [only] => only
                        .value
                        .filter(|value| value.kind() == "func_literal")
                        .and_then(|v| FunctionView::new(v, source)),
                    _ => None,
                };
            }
            // TODO(package pre-pass): functions declared in other files of the package.
            declarations(root, "function_declaration", name, source).next()
        }
        GoTarget::Named { qualifier: Some(operand), name } => {
            let operand_text = syntax::text(operand, source);
            if ctx.facts.imports.path_of(operand_text).is_some() {
                // Another package's function: its body is not in this file.
                return None;
            }
            let name = syntax::text(name, source);
            // TODO(package pre-pass): methods declared in other files of the package.
            let mut methods = declarations(root, "method_declaration", name, source);
            let method = methods.next()?;
            if methods.next().is_some() {
                return None;
            }
            let receiver_type = method.receiver().map(|receiver| receiver_type_name(method.type_text(&receiver)));
            let operand_type = ctx.types.type_of(operand);
            let agrees = match (receiver_type, operand_type.as_deref()) {
                (Some(receiver), Some(operand)) => receiver_type_name(operand) == receiver,
                _ => true,
            };
            agrees.then_some(method)
        }
        GoTarget::Other => None,
    }
}

/// `name` is a parameter or a range variable somewhere in `scope`, so `go name()` may not run the
/// file's function of that name.
fn bound_without_value(scope: Node<'_>, name: &str, source: &str) -> bool {
    syntax::descendants(scope).any(|node| {
        node.kind() == "identifier"
            && syntax::text(node, source) == name
            && node.parent().is_some_and(|parent| match parent.kind() {
                "parameter_declaration" | "variadic_parameter_declaration" => true,
                "expression_list" => parent.parent().is_some_and(|clause| {
                    clause.kind() == "range_clause" && clause.child_by_field_name("left") == Some(parent)
                }),
                _ => false,
            })
    })
}

/// `*pkg.Server[T]` → `Server`.
fn receiver_type_name(type_text: &str) -> &str {
    let name = type_text.trim_start_matches('*');
    let name = name.split('[').next().unwrap_or(name);
    name.rsplit('.').next().unwrap_or(name).trim()
}

fn declarations<'tree>(
    root: Node<'tree>,
    kind: &'static str,
    name: &'tree str,
    source: &'tree str,
) -> impl Iterator<Item = FunctionView<'tree>> {
    syntax::named_children(root).into_iter().filter_map(move |declaration| {
        let named = declaration.kind() == kind
            && declaration.child_by_field_name("name").is_some_and(|n| syntax::text(n, source) == name);
        if named { FunctionView::new(declaration, source) } else { None }
    })
}

/// Why a loop never ends.
enum Endless {
    /// `for { }` with no way out.
    NoWayOut,
    /// `for range t.C` / `for range time.Tick(d)`: tickers and timers never close their channel.
    Ticker(String),
    /// `for range ch` over a channel made here and closed nowhere in the file; `made` is its name
    /// where it is made, when the goroutine receives it as a parameter.
    NeverClosed { ranged: String, made: String },
}

/// The first loop of `function` that can never end, and why.
fn endless_loop<'s>(
    ctx: &RuleContext<'_, '_>,
    go: &GoStatement<'s>,
    function: &FunctionView<'s>,
    source: &'s str,
) -> Option<(Loop<'s>, Endless)> {
    function.loops().find_map(|loop_| {
        if matches!(loop_.kind, LoopKind::Conditional { .. })
            || !flow::loop_exits(&loop_, source).is_empty()
            || receives_cancellation(&loop_, source)
        {
            return None;
        }
        let why = match loop_.kind {
            LoopKind::Range { .. } => range_never_ends(ctx, go, function, &loop_, source)?,
            _ => Endless::NoWayOut,
        };
        Some((loop_, why))
    })
}

/// Some receive in the loop (in a `select` case or not) is from a cancellation source: the loop
/// was written to be stopped, even if we cannot see how the receive ends it.
fn receives_cancellation(loop_: &Loop<'_>, source: &str) -> bool {
    let Some(body) = loop_.body else { return false };
    flow::own_descendants(body).any(|node| {
        let channel = match node.kind() {
            "select_statement" => {
                return flow::select_cases(node).any(|case| case.receives_from_cancellation(source));
            }
            "unary_expression" => flow::receive_operand(node),
            _ => None,
        };
        channel.is_some_and(|channel| flow::is_cancellation_channel(channel, source))
    })
}

fn range_never_ends(
    ctx: &RuleContext<'_, '_>,
    go: &GoStatement<'_>,
    function: &FunctionView<'_>,
    loop_: &Loop<'_>,
    source: &str,
) -> Option<Endless> {
    match loop_.range_over()? {
        RangeOver::Selector { operand, field }
            if syntax::text(field, source) == "C" && is_ticker(ctx, operand, source) =>
        {
            Some(Endless::Ticker(format!("{}.C", syntax::text(operand, source))))
        }
        RangeOver::Call(call) => match syntax::call_name(call, source)? {
            (Some(package), "Tick") if ctx.facts.imports.names(package, "time") => {
                Some(Endless::Ticker(syntax::text(call, source).to_string()))
            }
            _ => None,
        },
        RangeOver::Identifier(channel) => {
            let ranged = syntax::text(channel, source);
            never_closed_channel(ctx, go, function, ranged, source)
                .map(|made| Endless::NeverClosed { ranged: ranged.to_string(), made: made.to_string() })
        }
        _ => None,
    }
}

/// A `*time.Ticker` or `*time.Timer` by its declared type, or by a name that says so
/// (`ticker`, `s.refreshTicker`, `timer`).
fn is_ticker(ctx: &RuleContext<'_, '_>, operand: Node<'_>, source: &str) -> bool {
    if let Some(known) = ctx.types.type_of(operand) {
        return matches!(known.trim_start_matches('*'), "time.Ticker" | "time.Timer");
    }
    let name = match operand.kind() {
        "selector_expression" => operand.child_by_field_name("field").map_or("", |field| syntax::text(field, source)),
        _ => syntax::text(operand, source),
    };
    let name = name.to_ascii_lowercase();
    name.contains("tick") || name.contains("timer")
}

/// The ranged channel `name` is made by one `make(chan ...)` in the function that launches the
/// goroutine (or in the goroutine's own function), never closed anywhere in the file, and never
/// handed to code we cannot see. A parameter of the goroutine's function is followed to the
/// argument of the `go` call. Returns the channel's name where it is made.
fn never_closed_channel<'s>(
    ctx: &RuleContext<'_, '_>,
    go: &GoStatement<'_>,
    function: &FunctionView<'_>,
    name: &'s str,
    source: &'s str,
) -> Option<&'s str> {
    let (made_in, made_as) = match function.parameter_index(name) {
        Some(index) => {
            let parameters = function.parameters();
            if parameters.get(index).is_some_and(|parameter| parameter.variadic) {
                return None;
            }
            let argument = go.arguments().get(index).map(|argument| syntax::unparen(*argument))?;
            if argument.kind() != "identifier" {
                return None;
            }
            // The goroutine's function must not hand its parameter on either.
            if function.body.is_some_and(|body| channel_escapes(body, name, None, source)) {
                return None;
            }
            (syntax::top_level_declaration(go.statement), syntax::text(argument, source))
        }
        None if function.is_literal() => (syntax::top_level_declaration(go.statement), name),
        None => (Some(function.node), name),
    };
    let scope = made_in?;
    let bindings = syntax::bindings_of(scope, made_as, source);
    // Made here means a local: a package-level channel (`ch = make(...)`) can be closed anywhere.
    let [only] = bindings.as_slice() else { return None };
    if only.kind == syntax::BindingKind::Assign
        || only.value.and_then(|value| syntax::make_chan(value, source)).is_none()
    {
        return None;
    }
    let stays_open = !closed_in_file(ctx.tree.root_node(), &[made_as, name], source)
        && !channel_escapes(scope, made_as, Some(go.call), source);
    stays_open.then_some(made_as)
}

/// Any `close(x)` in the file where `x` is one of `names` or ends in `.name`.
// TODO(package pre-pass): "closed somewhere in the package" plugs in here.
fn closed_in_file(root: Node<'_>, names: &[&str], source: &str) -> bool {
    syntax::descendants(root).any(|node| {
        node.kind() == "call_expression"
            && syntax::call_name(node, source) == Some((None, "close"))
            && syntax::call_arguments(node).first().is_some_and(|argument| {
                let closed = syntax::text(*argument, source);
                let last = closed.rsplit('.').next().unwrap_or(closed);
                names.contains(&last)
            })
    })
}

/// True when `name` is used in `scope` other than to bind it, send on it, receive from it, range
/// over it, take its `len`/`cap`, or pass it to `launch` (the goroutine's own call): anywhere
/// else, code we do not follow might close it.
fn channel_escapes(scope: Node<'_>, name: &str, launch: Option<Node<'_>>, source: &str) -> bool {
    syntax::descendants(scope).filter(|node| node.kind() == "identifier" && syntax::text(*node, source) == name).any(
        |identifier| {
            let Some(parent) = identifier.parent() else { return true };
            let is_field = |field: &str| parent.child_by_field_name(field) == Some(identifier);
            let harmless = match parent.kind() {
                "expression_list" => parent.parent().is_some_and(|statement| {
                    matches!(statement.kind(), "short_var_declaration" | "assignment_statement")
                        && statement.child_by_field_name("left") == Some(parent)
                }),
                "var_spec" => is_field("name"),
                "unary_expression" => parent.child_by_field_name("operator").is_some_and(|op| op.kind() == "<-"),
                "send_statement" => is_field("channel"),
                "range_clause" => is_field("right"),
                "argument_list" => parent.parent().is_some_and(|call| {
                    Some(call) == launch || matches!(syntax::call_name(call, source), Some((None, "len" | "cap")))
                }),
                _ => false,
            };
            !harmless
        },
    )
}
