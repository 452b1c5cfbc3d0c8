use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _, SiblingNode as _};
use crate::engine::prelude::*;
use crate::engine::facts::module::Func;
use crate::package_source::{self, PackageFile};
use flow::{FunctionView, GoStatement, GoTarget, Loop, LoopKind, RangeOver};
use std::path::Path;

pub static RULE: Rule = Rule {
    id: "goroutine-no-exit",
    family: "A1",
    summary: "A goroutine runs a loop that nothing can stop, so it leaks",
    severity: Severity::Error,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Stable,
    set: RuleSet::Default,
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
    // A function declared in another file of the package: that file is read and parsed only
    // now, when the `go` statement names a function this file does not declare.
    let mut declaring_file: Option<PackageFile> = None;
    let function = match launched_function(ctx, &go, ctx.tree.root_node(), source) {
        Launched::Here(view) => Goroutine { view, source, in_this_file: true },
        Launched::Elsewhere(func) => {
            let Some(package) = ctx.package else { return };
            declaring_file = package_source::declaring_file(package, func, &ctx.file.path);
            let Some(file) = declaring_file.as_ref() else { return };
            let Some(view) = file.declaration_at(func.line(), func.name()).and_then(|d| FunctionView::new(d, &file.text))
            else {
                return;
            };
            Goroutine { view, source: &file.text, in_this_file: false }
        }
        Launched::Unknown => return,
    };
    let Some((endless, why)) = endless_loop(ctx, &go, &function) else { return };
    // Checked last: it looks at the whole file, and maybe the package.
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
    if function.in_this_file {
        ctx.report(launch_span(&go), message).label(endless.header_span(), label).help(HELP);
    } else {
        // The loop is in another file, so a label (a span of this file) cannot point at it.
        let file = declaring_file.as_ref().map_or(Path::new(""), |file| file.path.as_path());
        let line = endless.node.start_position().row + 1;
        let shown = file.file_name().map_or(file, Path::new).display();
        ctx.report(launch_span(&go), format!("{message} (the loop is at {shown}:{line})")).help(HELP);
    }
}

/// The function a `go` statement runs, and the text of the file that declares it.
struct Goroutine<'s> {
    view: FunctionView<'s>,
    source: &'s str,
    /// Declared in the file being checked, so the file's type environment applies to it.
    in_this_file: bool,
}

enum Launched<'s, 'p> {
    Here(FunctionView<'s>),
    /// Declared in another file of the package.
    Elsewhere(&'p Func),
    Unknown,
}

/// From `go` to the literal's `{` (or the whole statement for a named call), so the finding
/// points at the launch without covering the goroutine's body.
fn launch_span(go: &GoStatement<'_>) -> Span {
    let end = match go.target {
        GoTarget::Literal(literal) => literal.field_child("body").map(|body| body.start_byte() + 1),
        _ => None,
    };
    Span::new(go.statement.start_byte(), end.unwrap_or(go.statement.end_byte()))
}

/// Goroutines meant to live as long as the process: an endless loop there is the design, not a
/// leak, because they are started a bounded number of times. Started inside a loop (of the
/// function that launches them), they can pile up, so those are still checked.
/// - `func main()` and the other functions and methods of a `main` package (a program's
///   top-level helpers run once; handlers are literals and stay checked), `init`, and testable
///   `Example*` functions (a program's `main` in the docs);
/// - a function that the package (any of its files) calls only from package-level `var`
///   initializers or `init`;
/// - under a once guard: inside `once.Do(func() { ... })` / `sync.OnceFunc(...)`, a function
///   handed to `once.Do` anywhere in the package, an `if` on `CompareAndSwap`, or after
///   `if started { return }` on a package-level variable that the function then sets;
/// - the Go runtime's own system goroutines (package `runtime` importing the distribution's
///   `internal/` packages, which only the standard library can).
fn lives_as_long_as_the_process(ctx: &RuleContext<'_, '_>, statement: Node<'_>, source: &str) -> bool {
    let Some(function) = ctx.types.ancestry().enclosing_functions(statement).next() else { return false };
    let facts = ctx.facts;
    let is_go_runtime = facts.package_name == "runtime"
        && facts.imports.imports.iter().any(|import| import.path.starts_with("internal/"));
    if is_go_runtime || under_once_guard(statement, function, source) {
        return true;
    }
    let in_loop =
        syntax::ancestors(statement).take_while(|node| *node != function).any(|node| node.kind_name() == "for_statement");
    if function.kind_name() == "func_literal" || in_loop {
        return false;
    }
    let Some(name) = function.field_child("name").map(|name| syntax::text(name, source)) else {
        return false;
    };
    let is_program = facts.package_name == "main" && !facts.is_test_file;
    // A testable example is a program's `main` shown in the docs; it runs once per `go test`.
    let is_example = facts.is_test_file && function.kind_name() == "function_declaration" && name.starts_with("Example");
    is_program
        || is_example
        || (name == "init" && function.kind_name() == "function_declaration")
        || started_once_by_the_package(ctx, function, name, source)
        || after_singleton_guard(statement, function, source)
        || under_singleton_flag(statement, function, source)
}

/// `once.Do(func() { go ... })`, `sync.OnceFunc(func() { go ... })`, or `if x.CompareAndSwap(...)`
/// around the `go` statement.
fn under_once_guard(statement: Node<'_>, function: Node<'_>, source: &str) -> bool {
    let in_once_literal = syntax::ancestors(statement)
        .filter(|node| node.kind_name() == "func_literal")
        .filter_map(|literal| literal.parent_node().filter(|parent| parent.kind_name() == "argument_list")?.parent_node())
        .any(|call| is_once_call(call, source) || is_do_with_plain_literal(call, source));
    in_once_literal
        || syntax::ancestors(statement).take_while(|node| *node != function).any(|node| {
            node.kind_name() == "if_statement"
                && node
                    .field_child("condition")
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
        && matches!(arguments.as_slice(), [literal] if literal.kind_name() == "func_literal"
            && literal.field_child("result").is_none()
            && literal.field_child("parameters").is_some_and(|p| syntax::named_children(p).is_empty()))
}

/// The function `name` (declared as `function`, in this file) is started once per process by
/// the package: handed by name to a once guard (`startOnce.Do(d.startWorker)`), or called
/// only from package-level `var` initializers and `init` (`var logOnce = newLogOnce()`), in
/// this file and in the package's other files. The other files are searched as text for the
/// name first and parsed only on a hit; this runs only when the rule is about to report.
fn started_once_by_the_package(ctx: &RuleContext<'_, '_>, function: Node<'_>, name: &str, source: &str) -> bool {
    let root = ctx.tree.root_node();
    if handed_to_once(root, name, source) {
        return true;
    }
    let Some(mut calls) = calls_at_package_init(root, Some(function), name, source) else { return false };
    if let Some(package) = ctx.package {
        for (path, text) in package_source::other_files_containing(package, &ctx.file.path, &[name]) {
            let Some(file) = PackageFile::parse(path, text) else { return false };
            if handed_to_once(file.root(), name, &file.text) {
                return true;
            }
            let Some(more) = calls_at_package_init(file.root(), None, name, &file.text) else { return false };
            calls += more;
        }
    }
    calls > 0
}

/// The function is passed by name to a once guard under `root`: `startOnce.Do(d.startWorker)`.
fn handed_to_once(root: Node<'_>, name: &str, source: &str) -> bool {
    syntax::descendants(root).any(|node| {
        node.kind_name() == "call_expression"
            && is_once_call(node, source)
            && syntax::call_arguments(node).iter().any(|argument| {
                let text = syntax::text(*argument, source);
                text == name || text.ends_with(&format!(".{name}"))
            })
    })
}

/// How many calls of `name` under `root` (outside `function` itself, its recursion) there are,
/// when every one is in a package-level `var` initializer or in `init`, outside loops and
/// function literals; `None` when some call is elsewhere.
fn calls_at_package_init(root: Node<'_>, function: Option<Node<'_>>, name: &str, source: &str) -> Option<usize> {
    let mut count = 0;
    let calls = syntax::descendants(root)
        .filter(|node| node.kind_name() == "call_expression")
        .filter(|call| syntax::call_name(*call, source).is_some_and(|(_, called)| called == name))
        .filter(|call| !function.is_some_and(|function| syntax::contains(function, *call)));
    for call in calls {
        let top = syntax::top_level_declaration(call)?;
        let in_init = top.kind_name() == "function_declaration"
            && top.field_child("name").is_some_and(|n| syntax::text(n, source) == "init");
        // In a loop it runs many times; in a literal (a command's `Action: func() {...}` in a
        // `var`) it runs whenever the literal is called, not at init.
        let repeated = syntax::ancestors(call)
            .take_while(|node| *node != top)
            .any(|node| matches!(node.kind_name(), "for_statement" | "func_literal"));
        if !(top.kind_name() == "var_declaration" || in_init) || repeated {
            return None;
        }
        count += 1;
    }
    Some(count)
}

/// `if started { return }; started = true; go loop()` on a package-level variable: the
/// goroutine starts once per process. (A field, `s.started`, is once per value, which can leak.)
fn after_singleton_guard(statement: Node<'_>, function: Node<'_>, source: &str) -> bool {
    let Some(body) = function.field_child("body") else { return false };
    let Some(launch) = syntax::ancestors(statement)
        .chain(std::iter::once(statement))
        .find(|node| node.parent_node().and_then(|list| list.parent_node()) == Some(body))
    else {
        return false;
    };
    let before: Vec<Node<'_>> =
        std::iter::successors(launch.prev_named_sibling_node(), |node| node.prev_named_sibling_node()).collect();
    before.iter().any(|guard| {
        let Some(condition) = guard.field_child("condition").filter(|_| guard.kind_name() == "if_statement") else {
            return false;
        };
        let returns_at_once = guard
            .field_child("consequence")
            .is_some_and(|block| syntax::text(block, source).split_whitespace().collect::<String>() == "{return}");
        returns_at_once
            && guard.field_child("alternative").is_none()
            && std::iter::once(condition).chain(syntax::descendants(condition)).any(|name| {
                name.kind_name() == "identifier"
                    && is_package_level(function, syntax::text(name, source), source)
                    && before.iter().take_while(|node| *node != guard).any(|set| {
                        set.kind_name() == "assignment_statement"
                            && set.field_child("left").is_some_and(|left| {
                                syntax::named_children(left)
                                    .iter()
                                    .any(|l| syntax::text(*l, source) == syntax::text(name, source))
                            })
                    })
            })
    })
}

/// `if !started { started = true; go loop() }`, or the flag a field of a package-level variable
/// (`if !arbiter.started { arbiter.started = true; go arbiter.tick() }`, go-ethereum's metrics):
/// the goroutine starts once per process.
fn under_singleton_flag(statement: Node<'_>, function: Node<'_>, source: &str) -> bool {
    syntax::ancestors(statement).take_while(|node| *node != function).any(|guard| {
        let (Some(condition), Some(block)) = (
            guard.field_child("condition").filter(|_| guard.kind_name() == "if_statement"),
            guard.field_child("consequence"),
        ) else {
            return false;
        };
        let Some(flag) = condition
            .field_child("operand")
            .filter(|_| condition.kind_name() == "unary_expression" && syntax::text(condition, source).starts_with('!'))
        else {
            return false;
        };
        let flag_text = syntax::text(flag, source);
        let root = flag_text.split('.').next().unwrap_or(flag_text);
        let sets_flag = syntax::descendants(block).any(|set| {
            set.kind_name() == "assignment_statement"
                && set.start_byte() < statement.start_byte()
                && set.field_child("left").is_some_and(|left| syntax::text(left, source) == flag_text)
                && set.field_child("right").is_some_and(|right| syntax::text(right, source) == "true")
        });
        matches!(flag.kind_name(), "identifier" | "selector_expression")
            && sets_flag
            && is_package_level(function, root, source)
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

/// The function the `go` statement runs: a literal, a local variable bound once to a literal, a
/// function declared in this file or (through the pre-pass) in another file of the package, or
/// the only method of that name that the receiver's type (when known) agrees with.
fn launched_function<'s, 'p>(
    ctx: &RuleContext<'p, '_>,
    go: &GoStatement<'s>,
    root: Node<'s>,
    source: &'s str,
) -> Launched<'s, 'p> {
    let found = match go.target {
        GoTarget::Literal(literal) => FunctionView::new(literal, source),
        GoTarget::Named { qualifier: None, name } => {
            let name = syntax::text(name, source);
            // One descent from the root, where walking up costs a descent per step.
            let Some(scope) = root.child_with_descendant(go.statement) else { return Launched::Unknown };
            let bindings = syntax::bindings_of(scope, name, source);
            if bindings.is_empty() && bound_without_value(scope, name, source) {
                return Launched::Unknown;
            }
            if !bindings.is_empty() {
                let literal = match bindings.as_slice() {
                    [only] => only
                        .value
                        .filter(|value| value.kind_name() == "func_literal")
                        .and_then(|v| FunctionView::new(v, source)),
                    _ => None,
                };
                return literal.map_or(Launched::Unknown, Launched::Here);
            }
            let here = declarations(root, "function_declaration", name, source).next();
            if here.is_none()
                && let Some(func) = ctx.package.and_then(|package| package.function(name))
            {
                return Launched::Elsewhere(func);
            }
            here
        }
        GoTarget::Named { qualifier: Some(operand), name } => {
            let operand_text = syntax::text(operand, source);
            if ctx.facts.imports.path_of(operand_text).is_some() {
                // Another package's function: not followed.
                return Launched::Unknown;
            }
            let name = syntax::text(name, source);
            let operand_type = ctx.types.type_of(operand);
            let mut methods = declarations(root, "method_declaration", name, source);
            let Some(method) = methods.next() else {
                return elsewhere_in_package(ctx, name, operand_type.as_deref());
            };
            if methods.next().is_some() || ctx.package.is_some_and(|package| package.methods_named(name).nth(1).is_some())
            {
                // Several methods of that name: only the receiver's type could tell which.
                let receiver_type = operand_type.as_deref().map(receiver_type_name);
                let mut typed = declarations(root, "method_declaration", name, source).filter(|method| {
                    method.receiver().is_some_and(|r| Some(receiver_type_name(method.type_text(&r))) == receiver_type)
                });
                return match (typed.next(), typed.next()) {
                    (Some(method), None) => Launched::Here(method),
                    _ => elsewhere_in_package(ctx, name, operand_type.as_deref()),
                };
            }
            let receiver_type = method.receiver().map(|receiver| receiver_type_name(method.type_text(&receiver)));
            let agrees = match (receiver_type, operand_type.as_deref()) {
                (Some(receiver), Some(operand)) => receiver_type_name(operand) == receiver,
                _ => true,
            };
            agrees.then_some(method)
        }
        GoTarget::Other => None,
    };
    found.map_or(Launched::Unknown, Launched::Here)
}

/// `go x.name()` where this file declares no such method: the method of the package's type
/// that `x` is known to have, or, with `x`'s type unknown, the package's only method of that
/// name when it is unexported (an exported name may be an interface's or another package's).
fn elsewhere_in_package<'s, 'p>(ctx: &RuleContext<'p, '_>, name: &str, operand_type: Option<&str>) -> Launched<'s, 'p> {
    let Some(package) = ctx.package else { return Launched::Unknown };
    let method = match operand_type {
        Some(type_text) => {
            let type_text = type_text.trim_start_matches('*');
            let type_text = type_text.split('[').next().unwrap_or(type_text);
            let own_type = match type_text.rsplit_once('.') {
                Some((qualifier, base)) => (qualifier == package.type_path()).then_some(base),
                None => Some(type_text),
            };
            own_type.and_then(|base| package.method(base, name))
        }
        None => {
            let unexported = name.starts_with(|c: char| c.is_lowercase() || c == '_');
            let mut methods = package.funcs().iter().filter(|func| func.receiver().is_some() && func.name() == name);
            match (methods.next(), methods.next()) {
                (Some(only), None) if unexported && !package.is_incomplete() => Some(only),
                _ => None,
            }
        }
    };
    method.filter(|method| method.has_body()).map_or(Launched::Unknown, Launched::Elsewhere)
}

/// `name` is a parameter or a range variable somewhere in `scope`, so `go name()` may not run the
/// file's function of that name.
fn bound_without_value(scope: Node<'_>, name: &str, source: &str) -> bool {
    // The binders, not every identifier: `parent()` on each would descend from the root.
    let binds = |holder: Node<'_>| {
        syntax::named_children(holder)
            .into_iter()
            .any(|child| child.kind_name() == "identifier" && syntax::text(child, source) == name)
    };
    syntax::descendants(scope).any(|node| match node.kind_name() {
        "parameter_declaration" | "variadic_parameter_declaration" => binds(node),
        "range_clause" => node.field_child("left").is_some_and(|left| left.kind_name() == "expression_list" && binds(left)),
        _ => false,
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
        let named = declaration.kind_name() == kind
            && declaration.field_child("name").is_some_and(|n| syntax::text(n, source) == name);
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
    function: &Goroutine<'s>,
) -> Option<(Loop<'s>, Endless)> {
    let source = function.source;
    function.view.loops().find_map(|loop_| {
        if matches!(loop_.kind, LoopKind::Conditional { .. })
            || !flow::loop_exits(&loop_, source).is_empty()
            || receives_cancellation(&loop_, source)
            || handles_signals(&loop_, function, go, &ctx.file.text)
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
        let channel = match node.kind_name() {
            "select_statement" => {
                return flow::select_cases(node).any(|case| case.receives_from_cancellation(source));
            }
            "unary_expression" => flow::receive_operand(node),
            _ => None,
        };
        channel.is_some_and(|channel| flow::is_cancellation_channel(channel, source))
    })
}

/// The loop receives from a channel given to `signal.Notify` in the goroutine's function or the
/// one that starts it: a signal handler, meant to live as long as the process (a second handler
/// would get the same signals, so nobody starts them per request).
fn handles_signals(loop_: &Loop<'_>, function: &Goroutine<'_>, go: &GoStatement<'_>, launcher_source: &str) -> bool {
    let source = function.source;
    let Some(body) = loop_.body else { return false };
    let mut channels: Vec<&str> = Vec::new();
    if let LoopKind::Range { over } = loop_.kind {
        channels.push(syntax::text(syntax::unparen(over), source));
    }
    channels.extend(
        flow::own_descendants(body).filter_map(flow::receive_operand).map(|channel| syntax::text(channel, source)),
    );
    let registers = |text: &str, channel: &str| {
        text.match_indices("signal.Notify(").any(|(at, call)| {
            let rest = text[at + call.len()..].trim_start();
            rest.strip_prefix(channel).is_some_and(|after| after.trim_start().starts_with([',', ')']))
        })
    };
    let launcher = syntax::enclosing_function(go.statement).map_or("", |launcher| syntax::text(launcher, launcher_source));
    let own = syntax::text(function.view.node, source);
    channels.iter().any(|channel| registers(own, channel) || registers(launcher, channel))
}

fn range_never_ends(
    ctx: &RuleContext<'_, '_>,
    go: &GoStatement<'_>,
    function: &Goroutine<'_>,
    loop_: &Loop<'_>,
    source: &str,
) -> Option<Endless> {
    // The file's imports and types describe this file only.
    let types = function.in_this_file.then_some(ctx.types);
    match loop_.range_over()? {
        RangeOver::Selector { operand, field }
            if syntax::text(field, source) == "C" && is_ticker(types, operand, source) =>
        {
            Some(Endless::Ticker(format!("{}.C", syntax::text(operand, source))))
        }
        RangeOver::Call(call) => match syntax::call_name(call, source)? {
            (Some(package), "Tick")
                if if function.in_this_file { ctx.facts.imports.names(package, "time") } else { package == "time" } =>
            {
                Some(Endless::Ticker(syntax::text(call, source).to_string()))
            }
            _ => None,
        },
        RangeOver::Identifier(channel) => {
            let ranged = syntax::text(channel, source);
            never_closed_channel(ctx, go, function, ranged)
                .map(|made| Endless::NeverClosed { ranged: ranged.to_string(), made })
        }
        _ => None,
    }
}

/// A `*time.Ticker` or `*time.Timer` by its declared type, or by a name that says so
/// (`ticker`, `s.refreshTicker`, `timer`).
fn is_ticker(types: Option<&TypeEnv<'_>>, operand: Node<'_>, source: &str) -> bool {
    if let Some(known) = types.and_then(|types| types.type_of(operand)) {
        return matches!(known.trim_start_matches('*'), "time.Ticker" | "time.Timer");
    }
    let name = match operand.kind_name() {
        "selector_expression" => operand.field_child("field").map_or("", |field| syntax::text(field, source)),
        _ => syntax::text(operand, source),
    };
    let name = name.to_ascii_lowercase();
    name.contains("tick") || name.contains("timer")
}

/// The ranged channel `name` is made by one `make(chan ...)` in the function that launches the
/// goroutine (or in the goroutine's own function), never closed anywhere in the package, and
/// never handed to code we cannot see. A parameter of the goroutine's function is followed to
/// the argument of the `go` call. Returns the channel's name where it is made.
fn never_closed_channel(
    ctx: &RuleContext<'_, '_>,
    go: &GoStatement<'_>,
    function: &Goroutine<'_>,
    name: &str,
) -> Option<String> {
    let go_source: &str = &ctx.file.text;
    let view = &function.view;
    // Where the channel is made: the launching function (in this file) or the goroutine's own.
    let (scope, scope_source, made_as) = match view.parameter_index(name) {
        Some(index) => {
            let parameters = view.parameters();
            if parameters.get(index).is_some_and(|parameter| parameter.variadic) {
                return None;
            }
            let argument = go.arguments().get(index).map(|argument| syntax::unparen(*argument))?;
            if argument.kind_name() != "identifier" {
                return None;
            }
            // The goroutine's function must not hand its parameter on either.
            if view.body.is_some_and(|body| channel_escapes(body, name, None, function.source)) {
                return None;
            }
            (syntax::top_level_declaration(go.statement)?, go_source, syntax::text(argument, go_source))
        }
        None if view.is_literal() => (syntax::top_level_declaration(go.statement)?, go_source, name),
        None => (view.node, function.source, name),
    };
    let bindings = syntax::bindings_of(scope, made_as, scope_source);
    // Made here means a local: a package-level channel (`ch = make(...)`) can be closed anywhere.
    let [only] = bindings.as_slice() else { return None };
    if only.kind == syntax::BindingKind::Assign
        || only.value.and_then(|value| syntax::make_chan(value, scope_source)).is_none()
        || channel_escapes(scope, made_as, Some(go.call), scope_source)
    {
        return None;
    }
    let names = [made_as, name];
    let closed = closed_in_file(ctx.tree.root_node(), &names, go_source, false)
        || (!function.in_this_file && closed_in_file(view.node, &names, function.source, false))
        || closed_elsewhere_in_package(ctx, &names);
    (!closed).then(|| made_as.to_string())
}

/// A `close(x.name)` of one of `names` in another file of the package: a struct field of that
/// name may hold the channel. (A bare `close(name)` there names another variable: the channel
/// is a local of this file.) Asked only when the rule is about to report, so each file is
/// searched as text first and parsed only on a hit: no fact about closes has to be kept for
/// every package.
fn closed_elsewhere_in_package(ctx: &RuleContext<'_, '_>, names: &[&str]) -> bool {
    let Some(package) = ctx.package else { return false };
    names.iter().any(|name| {
        let needles = ["close(", name];
        package_source::other_files_containing(package, &ctx.file.path, &needles).any(|(path, text)| {
            PackageFile::parse(path, text).is_some_and(|file| closed_in_file(file.root(), names, &file.text, true))
        })
    })
}

/// Any `close(x)` under `root` where `x` is one of `names` or ends in `.name`; with
/// `fields_only`, only `close(x.name)`.
fn closed_in_file(root: Node<'_>, names: &[&str], source: &str, fields_only: bool) -> bool {
    syntax::descendants(root).any(|node| {
        node.kind_name() == "call_expression"
            && syntax::call_name(node, source) == Some((None, "close"))
            && syntax::call_arguments(node).first().is_some_and(|argument| {
                let closed = syntax::text(*argument, source);
                let last = closed.rsplit('.').next().unwrap_or(closed);
                names.contains(&last) && (!fields_only || argument.kind_name() == "selector_expression")
            })
    })
}

/// True when `name` is used in `scope` other than to bind it, send on it, receive from it, range
/// over it, take its `len`/`cap`, or pass it to `launch` (the goroutine's own call): anywhere
/// else, code we do not follow might close it.
fn channel_escapes(scope: Node<'_>, name: &str, launch: Option<Node<'_>>, source: &str) -> bool {
    syntax::descendants(scope).filter(|node| node.kind_name() == "identifier" && syntax::text(*node, source) == name).any(
        |identifier| {
            let Some(parent) = identifier.parent_node() else { return true };
            let is_field = |field: &str| parent.field_child(field) == Some(identifier);
            let harmless = match parent.kind_name() {
                "expression_list" => parent.parent_node().is_some_and(|statement| {
                    matches!(statement.kind_name(), "short_var_declaration" | "assignment_statement")
                        && statement.field_child("left") == Some(parent)
                }),
                "var_spec" => is_field("name"),
                "unary_expression" => parent.field_child("operator").is_some_and(|op| op.kind_name() == "<-"),
                "send_statement" => is_field("channel"),
                "range_clause" => is_field("right"),
                "argument_list" => parent.parent_node().is_some_and(|call| {
                    Some(call) == launch || matches!(syntax::call_name(call, source), Some((None, "len" | "cap")))
                }),
                _ => false,
            };
            !harmless
        },
    )
}
