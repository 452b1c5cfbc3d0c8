use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;
use crate::hash::HashSet;

pub static RULE: Rule = Rule {
    id: "goroutine-shared-write",
    family: "C2",
    summary: "A goroutine writes a variable of the enclosing function without a lock while others access it",
    severity: Severity::Error,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::High,
    tags: &["reliability", "data-race"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Protect it with a sync.Mutex, use sync/atomic, or send the value on a channel";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(go), Some(literal)) = (found.target(), found.get("literal")) else { return };
    let source: &str = &ctx.file.text;
    let Some(function) = ctx.types.ancestry().enclosing_functions(go).next() else { return };
    let Some(body) = syntax::function_body(function) else { return };
    let Some(literal_body) = literal.field_child("body") else { return };
    // sync/atomic anywhere in the goroutine: it synchronises somehow; stay quiet.
    if syntax::text(literal_body, source).contains("atomic.") {
        return;
    }
    let mut reported = HashSet::default();
    for write in writes(ctx, literal_body) {
        let name = syntax::text(write.variable, source);
        if reported.contains(name) || name == "_" {
            continue;
        }
        if declared_in(literal, name, source) {
            continue;
        }
        let Some(declared_at) = declared_outside(function, literal, name, go, source) else { continue };
        if holds_lock_before(literal_body, write.statement, source)
            || holds_channel_token(literal_body, write.statement, source)
            || (declared_per_launch(go, function, declared_at)
                && written_after_release(body, literal, write.statement, name, source))
        {
            continue;
        }
        let signals = signals_after(function, literal_body, write.statement, source);
        let Some(reason) = race_reason(ctx, body, go, literal, name, declared_at, &signals) else { continue };
        reported.insert(name);
        let line_end = syntax::line_end(source, go.start_byte()).min(go.end_byte());
        let message = format!("`{name}` is written by this goroutine with no lock held while {reason}");
        ctx.report(write.statement, message)
            .label(Span::new(go.start_byte(), line_end), "the goroutine starts here")
            .help(HELP);
    }
}

struct Write<'tree> {
    statement: Node<'tree>,
    /// The identifier written: the variable, or the map indexed.
    variable: Node<'tree>,
}

/// Writes in the goroutine's own code (nested literals not entered): `x = ...`, `x op= ...`,
/// `x++`, `x--`, and `m[k] = ...` on a map.
fn writes<'tree>(ctx: &RuleContext<'_, '_>, body: Node<'tree>) -> Vec<Write<'tree>> {
    let mut found = Vec::new();
    for node in flow::own_descendants(body) {
        let targets = match node.kind_name() {
            "assignment_statement" => node.field_child("left").map(syntax::named_children).unwrap_or_default(),
            "inc_statement" | "dec_statement" => syntax::named_children(node).into_iter().take(1).collect(),
            _ => continue,
        };
        for target in targets {
            let target = syntax::unparen(target);
            match target.kind_name() {
                "identifier" => found.push(Write { statement: node, variable: target }),
                "index_expression" => {
                    if let Some(operand) = target.field_child("operand").map(syntax::unparen)
                        && operand.kind_name() == "identifier"
                        && ctx.types.type_of(operand).is_some_and(|ty| ty.starts_with("map["))
                    {
                        found.push(Write { statement: node, variable: operand });
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// Names declared by `scope` itself: its parameters and results, `:=`, `var`, range variables,
/// and those of any function literal inside.
fn declared_in(scope: Node<'_>, name: &str, source: &str) -> bool {
    if syntax::signature_names(scope, source).contains(&name) {
        return true;
    }
    syntax::bindings_of(scope, name, source).iter().any(|binding| binding.kind != syntax::BindingKind::Assign)
        || syntax::descendants(scope).any(|node| match node.kind_name() {
            "range_clause" => {
                syntax::text(node, source).contains(":=")
                    && node.field_child("left").is_some_and(|left| {
                        syntax::named_children(left).iter().any(|n| syntax::text(*n, source) == name)
                    })
            }
            "func_literal" => syntax::signature_names(node, source).contains(&name),
            "const_spec" | "type_spec" => {
                node.field_child("name").is_some_and(|n| syntax::text(n, source) == name)
            }
            _ => false,
        })
}

/// Where the variable the goroutine sees is declared in the enclosing function, outside the
/// goroutine: the start of the declaring statement (the function's start for a parameter). Only
/// declarations before `at` whose scope contains it count, so a later `for i := ...` elsewhere
/// in the function does not stand in for the `i` the goroutine captured.
fn declared_outside(function: Node<'_>, literal: Node<'_>, name: &str, at: Node<'_>, source: &str) -> Option<usize> {
    let body = syntax::function_body(function)?;
    let in_scope = declarations(body, literal, name, source)
        .into_iter()
        .filter(|(start, scope)| *start < at.start_byte() && syntax::contains(*scope, at))
        .map(|(start, _)| start)
        .max();
    in_scope.or_else(|| syntax::signature_names(function, source).contains(&name).then(|| function.start_byte()))
}

/// Declarations of `name` in `body` outside `literal`: where each starts and the node it is
/// visible in (its block, or the `for`/`if`/`switch`/`case` it belongs to).
fn declarations<'tree>(body: Node<'tree>, literal: Node<'tree>, name: &str, source: &str) -> Vec<(usize, Node<'tree>)> {
    let bindings = syntax::bindings_of(body, name, source)
        .into_iter()
        .filter(|binding| binding.kind != syntax::BindingKind::Assign && !syntax::contains(literal, binding.statement))
        .map(|binding| binding.statement);
    let ranges = syntax::descendants(body).filter(|node| {
        node.kind_name() == "range_clause"
            && !syntax::contains(literal, *node)
            && syntax::text(*node, source).contains(":=")
            && node
                .field_child("left")
                .is_some_and(|left| syntax::named_children(left).iter().any(|n| syntax::text(*n, source) == name))
    });
    let found: Vec<(usize, Node<'tree>)> = bindings
        .chain(ranges)
        .filter_map(|statement| {
            let scope = syntax::ancestors(statement).find(|node| SCOPES.contains(&node.kind_name()))?;
            Some((statement.start_byte(), scope))
        })
        .collect();
    // `x, err := g()` after `err := f()` in the same scope reuses `err`: one variable, known by
    // its first declaration.
    found
        .iter()
        .map(|(start, scope)| {
            let first = found.iter().filter(|(_, other)| other.id() == scope.id()).map(|(s, _)| *s).min();
            (first.unwrap_or(*start), *scope)
        })
        .collect()
}

/// Nodes that bound the visibility of a declaration made directly inside them.
const SCOPES: &[&str] = &[
    "block",
    "for_statement",
    "if_statement",
    "expression_switch_statement",
    "type_switch_statement",
    "expression_case",
    "type_case",
    "default_case",
    "communication_case",
    "func_literal",
];

/// Uses of `name` outside `literal` that refer to the declaration at `declared_at` (not to a
/// later variable of the same name).
fn uses_of<'tree>(body: Node<'tree>, literal: Node<'tree>, name: &str, declared_at: usize, source: &str) -> Vec<Node<'tree>> {
    let declarations = declarations(body, literal, name, source);
    syntax::descendants(body)
        .filter(|node| {
            node.kind_name() == "identifier" && syntax::text(*node, source) == name && !syntax::contains(literal, *node)
        })
        .filter(|use_| {
            let nearest = declarations
                .iter()
                .filter(|(start, scope)| *start <= use_.start_byte() && syntax::contains(*scope, *use_))
                .map(|(start, _)| *start)
                .max();
            nearest.is_none_or(|start| start == declared_at)
        })
        .collect()
}

/// A `Lock`/`RLock` call in the goroutine before the write (a conservative "holds a lock").
fn holds_lock_before(body: Node<'_>, write: Node<'_>, source: &str) -> bool {
    syntax::descendants(body).any(|node| {
        node.kind_name() == "call_expression"
            && node.start_byte() < write.start_byte()
            && syntax::call_name(node, source).is_some_and(|(_, name)| name == "Lock" || name == "RLock")
    })
}

/// Token passing: before the write the goroutine receives from a channel, and after it sends on
/// the same channel (or another element of the same slice of channels). Whoever holds the token
/// may write; handing it on orders the write before the next holder's access
/// (`<-chans[id]; n++; chans[id+1] <- true`, or `<-token; n++; token <- struct{}{}`).
fn holds_channel_token(body: Node<'_>, write: Node<'_>, source: &str) -> bool {
    let own: Vec<Node<'_>> = flow::own_descendants(body).collect();
    let received: Vec<String> = own
        .iter()
        .filter(|node| node.end_byte() <= write.start_byte())
        .filter_map(|node| syntax::received_channel(*node))
        .map(|channel| channel_family(channel, body, source))
        .collect();
    !received.is_empty()
        && own.iter().any(|node| {
            node.kind_name() == "send_statement"
                && node.start_byte() >= write.end_byte()
                && node
                    .field_child("channel")
                    .is_some_and(|channel| received.contains(&channel_family(channel, body, source)))
        })
}

/// Every loop around the `go` statement also encloses the variable's declaration, so each
/// goroutine started has a variable of its own (no two of them write the same one).
fn declared_per_launch(go: Node<'_>, function: Node<'_>, declared_at: usize) -> bool {
    syntax::ancestors(go)
        .take_while(|node| *node != function)
        .filter(|node| node.kind_name() == "for_statement")
        .all(|loop_| loop_.start_byte() <= declared_at)
}

/// The goroutine writes only after receiving from a channel that the function first sends on
/// (or closes) after its last use of the variable: the send orders every other access before the
/// write (runtime/chan_test.go: `go func() { <-c; recv1 = true }()`, the parent reads `recv1`,
/// then `c <- 0`).
fn written_after_release(body: Node<'_>, literal: Node<'_>, write: Node<'_>, name: &str, source: &str) -> bool {
    let Some(literal_body) = literal.field_child("body") else { return false };
    let received: Vec<&str> = flow::own_descendants(literal_body)
        .filter(|node| node.end_byte() <= write.start_byte())
        .filter_map(syntax::received_channel)
        .map(|channel| syntax::text(channel, source))
        .collect();
    let outside = |node: &Node<'_>| !syntax::contains(literal, *node);
    let last_use = syntax::identifiers_named(body, name, source).filter(outside).map(|node| node.end_byte()).max();
    received.iter().any(|channel| {
        let first_release = syntax::descendants(body)
            .filter(outside)
            .filter(|node| match node.kind_name() {
                "send_statement" => {
                    node.field_child("channel").is_some_and(|sent| syntax::text(sent, source) == *channel)
                }
                "call_expression" => {
                    syntax::call_name(*node, source) == Some((None, "close"))
                        && syntax::call_arguments(*node).first().is_some_and(|closed| syntax::text(*closed, source) == *channel)
                }
                _ => false,
            })
            .map(|node| node.start_byte())
            .min();
        matches!((first_release, last_use), (Some(release), Some(last)) if last <= release)
    })
}

/// What a channel expression names, up to the element of a slice of channels: `chans[i]` and
/// `chans[(i+1)%n]` are both `chans`; a local `next := chans[...]` is `chans` too.
fn channel_family(channel: Node<'_>, body: Node<'_>, source: &str) -> String {
    let channel = syntax::unparen(channel);
    match channel.kind_name() {
        "index_expression" => channel
            .field_child("operand")
            .map_or_else(|| syntax::text(channel, source).to_string(), |operand| syntax::text(operand, source).to_string()),
        "identifier" => {
            let name = syntax::text(channel, source);
            let aliases: Vec<Node<'_>> = syntax::bindings_of(body, name, source)
                .into_iter()
                .filter(|binding| binding.kind == syntax::BindingKind::Define)
                .filter_map(|binding| binding.value)
                .collect();
            match aliases.as_slice() {
                [value] if syntax::unparen(*value).kind_name() == "index_expression" => channel_family(*value, body, source),
                _ => name.to_string(),
            }
        }
        _ => syntax::text(channel, source).to_string(),
    }
}

/// Why the write races: the `go` statement runs in a loop, another goroutine uses the variable,
/// or the enclosing function uses it after the `go` statement with no wait in between.
fn race_reason(
    ctx: &RuleContext<'_, '_>,
    body: Node<'_>,
    go: Node<'_>,
    literal: Node<'_>,
    name: &str,
    declared_at: usize,
    signals: &Signals,
) -> Option<String> {
    let source: &str = &ctx.file.text;
    // In a loop that the variable was declared before, and whose body does not wait for the
    // goroutine before the next iteration starts another.
    let in_loop = syntax::ancestors(go)
        .take_while(|node| node.id() != body.id())
        .filter(|node| node.kind_name() == "for_statement")
        .any(|loop_| {
            declared_at < loop_.start_byte() && !synchronised_between(body, go.end_byte(), loop_.end_byte(), source)
        });
    if in_loop {
        return Some("the `go` statement runs in a loop, so several goroutines write it at once".to_string());
    }
    let uses = uses_of(body, literal, name, declared_at, source);
    for use_ in &uses {
        // Inside another goroutine: any access races with this write.
        if let Some(other) = syntax::ancestors(*use_).find(|node| node.kind_name() == "func_literal")
            && other.parent_node().is_some_and(|call| {
                call.kind_name() == "call_expression" && call.parent_node().is_some_and(|go| go.kind_name() == "go_statement")
            })
            && !declared_in(other, name, source)
            && other.parent_node().and_then(|call| call.parent_node()).is_some_and(|other_go| {
                let (first, second) =
                    if other_go.start_byte() < go.start_byte() { (other_go, go) } else { (go, other_go) };
                !synchronised_between(body, first.end_byte(), second.start_byte(), source)
            })
            && !signals.awaited_in(other, 0, use_.start_byte(), source)
        {
            let line = ctx.file.span_positions(Span::new(use_.start_byte(), use_.end_byte())).0.line;
            return Some(format!("another goroutine also uses it (line {line})"));
        }
    }
    for use_ in &uses {
        if use_.start_byte() < go.end_byte() || syntax::ancestors(*use_).any(|node| node.kind_name() == "func_literal") {
            continue;
        }
        // `ch <- v` or `<-ch` on the variable itself: the operation is the synchronisation.
        if use_.parent_node().is_some_and(|parent| {
            (parent.kind_name() == "send_statement"
                && parent.field_child("channel").is_some_and(|channel| channel.id() == use_.id()))
                || (parent.kind_name() == "unary_expression" && syntax::text(parent, source).starts_with("<-"))
        }) {
            continue;
        }
        if !synchronised_between(body, go.end_byte(), use_.start_byte(), source)
            && !signals.awaited_in(body, go.end_byte(), use_.start_byte(), source)
            && !signals.received_by_assignment(*use_, source)
        {
            let line = ctx.file.span_positions(Span::new(use_.start_byte(), use_.end_byte())).0.line;
            return Some(format!("the enclosing function also uses it (line {line}) with no wait in between"));
        }
    }
    None
}

/// What the goroutine does after the write that others can wait for: the channels it sends on
/// or closes, the atomics it stores to (`done.Store(true)`), and the contexts it cancels when it
/// returns. Waiting for one of them orders the write before what follows the wait.
struct Signals {
    channels: Vec<String>,
    atomics: Vec<String>,
    /// Contexts whose cancel func the goroutine defers (`defer finished()`): done when it returns.
    contexts: Vec<String>,
}

fn signals_after(function: Node<'_>, body: Node<'_>, write: Node<'_>, source: &str) -> Signals {
    let mut signals = Signals { channels: Vec::new(), atomics: Vec::new(), contexts: Vec::new() };
    // A deferred call runs when the goroutine returns, after every write, wherever it is written.
    for deferred in flow::own_descendants(body).filter(|node| node.kind_name() == "defer_statement") {
        let Some(call) = deferred.named_child(0).filter(|call| call.kind_name() == "call_expression") else { continue };
        match syntax::call_name(call, source) {
            Some((None, "close")) => {
                if let [channel] = syntax::call_arguments(call)[..] {
                    signals.channels.push(syntax::text(channel, source).to_string());
                }
            }
            Some((None, cancel)) if syntax::call_arguments(call).is_empty() => {
                signals.contexts.extend(context_cancelled_by(function, cancel, source));
            }
            _ => {}
        }
    }
    for node in flow::own_descendants(body).filter(|node| node.start_byte() >= write.end_byte()) {
        match node.kind_name() {
            "send_statement" => {
                if let Some(channel) = node.field_child("channel") {
                    signals.channels.push(syntax::text(channel, source).to_string());
                }
            }
            "call_expression" => match syntax::call_name(node, source) {
                Some((None, "close")) => {
                    if let [channel] = syntax::call_arguments(node)[..] {
                        signals.channels.push(syntax::text(channel, source).to_string());
                    }
                }
                Some((Some(atomic), "Store" | "Add" | "Swap" | "CompareAndSwap")) => {
                    signals.atomics.push(atomic.to_string());
                }
                _ => {}
            },
            _ => {}
        }
    }
    signals
}

/// The context that `cancel` cancels: `ctx, cancel := context.WithCancel(...)` (or `=`) in the
/// enclosing function.
fn context_cancelled_by(function: Node<'_>, cancel: &str, source: &str) -> Option<String> {
    syntax::descendants(function).find_map(|node| {
        if !matches!(node.kind_name(), "short_var_declaration" | "assignment_statement") {
            return None;
        }
        let left = node.field_child("left")?;
        let names: Vec<&str> = syntax::named_children(left).into_iter().map(|name| syntax::text(name, source)).collect();
        let [context, cancel_name] = names[..] else { return None };
        let right = node.field_child("right")?;
        let derives = syntax::text(right, source).contains(".With");
        (cancel_name == cancel && derives && context != "_").then(|| context.to_string())
    })
}

impl Signals {
    /// Inside `scope` between two offsets (closures included: `require.Eventually(func() bool {
    /// return done.Load() })`), a receive from one of the channels, a `Load` of one of the atomics,
    /// `<-ctx.Done()` on one of the contexts, or one of them handed to a call, which then is what
    /// waits (a helper that selects on the done channel, `wait(ctx)`).
    fn awaited_in(&self, scope: Node<'_>, start: usize, end: usize, source: &str) -> bool {
        let signalled = |text: &str| self.channels.iter().chain(&self.contexts).any(|name| name == text);
        syntax::descendants(scope).any(|node| {
            node.start_byte() >= start
                && node.end_byte() <= end
                && (syntax::received_channel(node).is_some_and(|channel| {
                    let text = syntax::text(channel, source);
                    self.channels.iter().any(|c| c == text)
                        || text.strip_suffix(".Done()").is_some_and(|context| self.contexts.iter().any(|c| c == context))
                }) || (node.kind_name() == "call_expression"
                    && (matches!(syntax::call_name(node, source), Some((Some(atomic), "Load"))
                            if self.atomics.iter().any(|a| a == atomic))
                        || syntax::call_arguments(node).iter().any(|argument| signalled(syntax::text(*argument, source))))))
        })
    }

    /// `err = <-done`: the receive on the right runs before the assignment to the use on the left.
    fn received_by_assignment(&self, use_: Node<'_>, source: &str) -> bool {
        let Some(assignment) = syntax::ancestors(use_).find(|node| node.kind_name() == "assignment_statement") else {
            return false;
        };
        let on_left = assignment.field_child("left").is_some_and(|left| syntax::contains(left, use_));
        on_left
            && assignment
                .field_child("right")
                .is_some_and(|right| self.awaited_in(right, right.start_byte(), right.end_byte(), source))
    }
}

/// A `Wait()` call, a channel receive, a `select`, a `range` over something, or a `Lock` in the
/// enclosing function's own code between two offsets: something that can order the goroutine's
/// write before the later access.
fn synchronised_between(body: Node<'_>, start: usize, end: usize, source: &str) -> bool {
    flow::own_descendants(body).any(|node| {
        node.start_byte() >= start
            && node.start_byte() < end
            && match node.kind_name() {
                "call_expression" => syntax::call_name(node, source)
                    .is_some_and(|(_, name)| matches!(name, "Wait" | "Lock" | "RLock" | "Do" | "Go")),
                "unary_expression" => syntax::text(node, source).starts_with("<-"),
                "select_statement" | "range_clause" => true,
                "receive_statement" => true,
                _ => false,
            }
    })
}
