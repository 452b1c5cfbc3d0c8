//! A small per-function view of control flow, shared by the rules that reason about paths
//! inside one function: goroutine leaks, locks not released, cancel funcs dropped, sends that can
//! block, loop variables captured by goroutines.
//!
//! Everything works on tree-sitter nodes in place (no copy of the tree) and is block-structured:
//! statements, `if`/`else`, `switch`, `select`, `for`, labels, `break`/`continue`, `defer`.
//! There is no full control-flow graph. What is approximated, always towards "a path leaves" or
//! "the path ends quietly" so that rules stay silent rather than guess:
//! - Function literals are boundaries: their statements belong to the literal, never to the
//!   function around them ([`own_descendants`]).
//! - Calls that never return are recognised by name only: `panic`, `os.Exit`, `syscall.Exit`,
//!   `runtime.Goexit`, any `X.Fatal*` (the `log` package, loggers and `testing.T` alike),
//!   `log.Panic*`, and `t.FailNow`/`t.Skip*` on the usual test receivers (`t`, `b`, `tb`, `f`).
//!   testify's `require.X(t, ...)` may end the goroutine, so it leaves loops ([`loop_exits`])
//!   but does not end paths ([`escapes_after`]).
//! - A `goto` leaves a loop when its label is outside the loop; in [`escapes_after`] it simply
//!   ends the path (jumping backwards or forwards is not followed).
//! - [`escapes_after`] walks a loop body once. Falling off the end of a loop body (or `continue`)
//!   leads after the loop when the loop has a condition or a range, and nowhere for `for {}`,
//!   whose next iteration repeats the statement we started from. `fallthrough` goes after the
//!   `switch`. Expressions are opaque: a call inside a condition is not a release.
//! - Unknown jump targets (a label we cannot find) count as leaving.

use crate::diagnostic::Span;
use crate::syntax::{self, FUNCTION_KINDS};
use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _, SiblingNode as _};
use std::sync::OnceLock;
use tree_sitter::Node;

/// Every node below `node` in source order, except the insides of function literals: a nested
/// `func_literal` is yielded itself but not entered. `node` itself may be a literal.
pub fn own_descendants<'tree>(node: Node<'tree>) -> impl Iterator<Item = Node<'tree>> {
    syntax::descendants_in_function_with_kinds(node).map(|(node, _)| node)
}

/// One declared parameter (or result): `a, b int` gives two, a bare type gives one with no name.
#[derive(Debug, Clone, Copy)]
pub struct Parameter<'tree> {
    pub name: Option<Node<'tree>>,
    pub type_node: Node<'tree>,
    /// `xs ...T`
    pub variadic: bool,
}

/// A function declaration, method declaration or function literal, seen as a unit of control flow.
#[derive(Debug, Clone, Copy)]
pub struct FunctionView<'tree> {
    pub node: Node<'tree>,
    pub body: Option<Node<'tree>>,
    source: &'tree str,
}

impl<'tree> FunctionView<'tree> {
    /// `None` when `function` is not a function declaration, method declaration or literal.
    pub fn new(function: Node<'tree>, source: &'tree str) -> Option<FunctionView<'tree>> {
        FUNCTION_KINDS.contains(&function.kind_name()).then(|| FunctionView {
            node: function,
            body: function.field_child("body"),
            source,
        })
    }

    /// The innermost function around `node`.
    pub fn enclosing(node: Node<'tree>, source: &'tree str) -> Option<FunctionView<'tree>> {
        syntax::enclosing_function(node).and_then(|function| FunctionView::new(function, source))
    }

    /// The declared name; `None` for literals.
    pub fn name(&self) -> Option<&'tree str> {
        self.node.field_child("name").map(|name| syntax::text(name, self.source))
    }

    pub fn is_literal(&self) -> bool {
        self.node.kind_name() == "func_literal"
    }

    /// The receiver of a method.
    pub fn receiver(&self) -> Option<Parameter<'tree>> {
        self.node.field_child("receiver").and_then(|list| parameter_list(list).into_iter().next())
    }

    pub fn parameters(&self) -> Vec<Parameter<'tree>> {
        self.node.field_child("parameters").map(parameter_list).unwrap_or_default()
    }

    /// The result types, one per result (`(a, b int)` gives `int` twice).
    pub fn results(&self) -> Vec<Parameter<'tree>> {
        match self.node.field_child("result") {
            Some(list) if list.kind_name() == "parameter_list" => parameter_list(list),
            Some(single) => vec![Parameter { name: None, type_node: single, variadic: false }],
            None => Vec::new(),
        }
    }

    /// The text of a parameter's type, e.g. `context.Context`.
    pub fn type_text(&self, parameter: &Parameter<'tree>) -> &'tree str {
        syntax::text(parameter.type_node, self.source)
    }

    /// The position of the parameter called `name`, to pair it with a call's arguments.
    pub fn parameter_index(&self, name: &str) -> Option<usize> {
        self.parameters()
            .iter()
            .position(|parameter| parameter.name.is_some_and(|node| syntax::text(node, self.source) == name))
    }

    /// Nodes of the body, nested function literals not entered.
    pub fn own_descendants(&self) -> impl Iterator<Item = Node<'tree>> + use<'tree> {
        self.body.into_iter().flat_map(own_descendants)
    }

    /// [`Self::own_descendants`] whose kind is one of `kinds`, told apart by kind id.
    fn own_descendants_of_kinds(
        &self,
        kinds: &'static syntax::KindSet,
    ) -> impl Iterator<Item = Node<'tree>> + use<'tree> {
        self.body
            .into_iter()
            .flat_map(syntax::descendants_in_function_with_kinds)
            .filter(move |&(_, kind)| kinds.contains(kind))
            .map(|(node, _)| node)
    }

    /// `go` statements that this function itself runs (not those of nested literals).
    pub fn go_statements(&self) -> impl Iterator<Item = GoStatement<'tree>> + use<'tree> {
        static GO: OnceLock<syntax::KindSet> = OnceLock::new();
        self.own_descendants_of_kinds(syntax::kind_ids(&GO, &["go_statement"])).filter_map(GoStatement::new)
    }

    pub fn defers(&self) -> impl Iterator<Item = Node<'tree>> + use<'tree> {
        static DEFERS: OnceLock<syntax::KindSet> = OnceLock::new();
        self.own_descendants_of_kinds(syntax::kind_ids(&DEFERS, &["defer_statement"]))
    }

    pub fn returns(&self) -> impl Iterator<Item = Node<'tree>> + use<'tree> {
        static RETURNS: OnceLock<syntax::KindSet> = OnceLock::new();
        self.own_descendants_of_kinds(syntax::kind_ids(&RETURNS, &["return_statement"]))
    }

    /// `panic(...)` calls.
    pub fn panics(&self) -> impl Iterator<Item = Node<'tree>> + use<'tree> {
        static CALLS: OnceLock<syntax::KindSet> = OnceLock::new();
        let source = self.source;
        self.own_descendants_of_kinds(syntax::kind_ids(&CALLS, &["call_expression"]))
            .filter(move |node| syntax::call_name(*node, source) == Some((None, "panic")))
    }

    /// `for` statements of this function, outermost first.
    pub fn loops(&self) -> impl Iterator<Item = Loop<'tree>> + use<'tree> {
        static LOOPS: OnceLock<syntax::KindSet> = OnceLock::new();
        self.own_descendants_of_kinds(syntax::kind_ids(&LOOPS, &["for_statement"])).filter_map(Loop::new)
    }
}

fn parameter_list(list: Node<'_>) -> Vec<Parameter<'_>> {
    let mut parameters = Vec::new();
    for declaration in syntax::named_children(list) {
        let variadic = declaration.kind_name() == "variadic_parameter_declaration";
        let Some(type_node) = declaration.field_child("type") else { continue };
        let mut cursor = declaration.walk();
        let names: Vec<Node<'_>> = declaration.children_by_field_name("name", &mut cursor).collect();
        if names.is_empty() {
            parameters.push(Parameter { name: None, type_node, variadic });
        }
        parameters.extend(names.into_iter().map(|name| Parameter { name: Some(name), type_node, variadic }));
    }
    parameters
}

/// What a `go` statement runs.
#[derive(Debug, Clone, Copy)]
pub enum GoTarget<'tree> {
    /// `go func() { ... }()`: the `func_literal`.
    Literal(Node<'tree>),
    /// `go worker(x)` (`qualifier` is `None`) or `go s.run()` / `go pkg.Run()`.
    Named { qualifier: Option<Node<'tree>>, name: Node<'tree> },
    /// `go handlers[i]()`, `go f()()`: not known.
    Other,
}

#[derive(Debug, Clone, Copy)]
pub struct GoStatement<'tree> {
    pub statement: Node<'tree>,
    pub call: Node<'tree>,
    pub target: GoTarget<'tree>,
}

impl<'tree> GoStatement<'tree> {
    /// `None` unless `statement` is a `go` statement with a call.
    pub fn new(statement: Node<'tree>) -> Option<GoStatement<'tree>> {
        if statement.kind_name() != "go_statement" {
            return None;
        }
        let call = syntax::named_children(statement).into_iter().next().map(syntax::unparen)?;
        if call.kind_name() != "call_expression" {
            return None;
        }
        let function = syntax::unparen(call.field_child("function")?);
        let target = match function.kind_name() {
            "func_literal" => GoTarget::Literal(function),
            "identifier" => GoTarget::Named { qualifier: None, name: function },
            "selector_expression" => match (function.field_child("operand"), function.field_child("field")) {
                (Some(operand), Some(field)) => GoTarget::Named { qualifier: Some(operand), name: field },
                _ => GoTarget::Other,
            },
            _ => GoTarget::Other,
        };
        Some(GoStatement { statement, call, target })
    }

    pub fn arguments(&self) -> Vec<Node<'tree>> {
        syntax::call_arguments(self.call)
    }
}

// ---------------------------------------------------------------------------------------------
// Loops

/// The shape of a `for` statement.
#[derive(Debug, Clone, Copy)]
pub enum LoopKind<'tree> {
    /// `for { }`, or a three-clause loop with no condition (`for i := 0; ; i++`).
    Infinite,
    /// `for cond { }` or `for init; cond; post { }`.
    Conditional { condition: Node<'tree> },
    /// `for ... range over { }`.
    Range { over: Node<'tree> },
}

/// What a `range` loop ranges over.
#[derive(Debug, Clone, Copy)]
pub enum RangeOver<'tree> {
    /// `range ch`
    Identifier(Node<'tree>),
    /// `range t.C`
    Selector {
        operand: Node<'tree>,
        field: Node<'tree>,
    },
    /// `range time.Tick(d)`, `range seq()`
    Call(Node<'tree>),
    Other(Node<'tree>),
}

#[derive(Debug, Clone, Copy)]
pub struct Loop<'tree> {
    /// The `for_statement`.
    pub node: Node<'tree>,
    pub body: Option<Node<'tree>>,
    pub kind: LoopKind<'tree>,
    /// `L` of `L: for { }`.
    pub label: Option<Node<'tree>>,
}

impl<'tree> Loop<'tree> {
    /// `None` unless `node` is a `for_statement`.
    pub fn new(node: Node<'tree>) -> Option<Loop<'tree>> {
        if node.kind_name() != "for_statement" {
            return None;
        }
        let body = node.field_child("body");
        let header = syntax::named_children(node).into_iter().find(|child| Some(*child) != body);
        let kind = match header {
            None => LoopKind::Infinite,
            Some(clause) if clause.kind_name() == "for_clause" => match clause.field_child("condition") {
                Some(condition) => LoopKind::Conditional { condition },
                None => LoopKind::Infinite,
            },
            Some(clause) if clause.kind_name() == "range_clause" => match clause.field_child("right") {
                Some(over) => LoopKind::Range { over },
                None => LoopKind::Infinite,
            },
            Some(condition) => LoopKind::Conditional { condition },
        };
        let label = node
            .parent_node()
            .filter(|parent| parent.kind_name() == "labeled_statement")
            .and_then(|labeled| labeled.field_child("label"));
        Some(Loop { node, body, kind, label })
    }

    pub fn is_infinite(&self) -> bool {
        matches!(self.kind, LoopKind::Infinite)
    }

    /// What a `range` loop ranges over, parentheses stripped.
    pub fn range_over(&self) -> Option<RangeOver<'tree>> {
        let LoopKind::Range { over } = self.kind else { return None };
        let over = syntax::unparen(over);
        Some(match over.kind_name() {
            "identifier" => RangeOver::Identifier(over),
            "selector_expression" => match (over.field_child("operand"), over.field_child("field")) {
                (Some(operand), Some(field)) => RangeOver::Selector { operand, field },
                _ => RangeOver::Other(over),
            },
            "call_expression" => RangeOver::Call(over),
            _ => RangeOver::Other(over),
        })
    }

    /// From `for` to the body's `{`: a span for labels that does not cover the whole body.
    pub fn header_span(&self) -> Span {
        let end = self.body.map_or(self.node.end_byte(), |body| body.start_byte() + 1);
        Span::new(self.node.start_byte(), end)
    }

    /// True when `node` is inside this loop's body (nested literals included).
    pub fn contains(&self, node: Node<'_>) -> bool {
        self.body.is_some_and(|body| syntax::contains(body, node))
    }
}

/// How control leaves a loop (or a goroutine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    Return,
    /// A `break` of this loop, or of a statement around it.
    Break,
    /// A `continue` of a loop around this one.
    Continue,
    /// A `goto` to a label outside the loop.
    Goto,
    Panic,
    /// `os.Exit`, `log.Fatal*`, a logger's `Fatal`.
    ProcessExit,
    /// `runtime.Goexit`, `t.Fatal`, `t.FailNow`, `t.Skip*`: the goroutine ends.
    Goexit,
}

#[derive(Debug, Clone, Copy)]
pub struct Exit<'tree> {
    pub kind: ExitKind,
    pub node: Node<'tree>,
}

/// Every statement or call in the loop body (nested literals excluded) by which control can leave
/// the loop. Empty means the loop can end only through its condition or range, if it has one.
pub fn loop_exits<'tree>(loop_: &Loop<'tree>, source: &str) -> Vec<Exit<'tree>> {
    let Some(body) = loop_.body else { return Vec::new() };
    let mut exits = Vec::new();
    for node in own_descendants(body) {
        let kind = match node.kind_name() {
            "return_statement" => Some(ExitKind::Return),
            "break_statement" => {
                jump_target(node, source).is_none_or(|target| !loop_.contains(target)).then_some(ExitKind::Break)
            }
            "continue_statement" => jump_target(node, source)
                .is_none_or(|target| target != loop_.node && !loop_.contains(target))
                .then_some(ExitKind::Continue),
            "goto_statement" => {
                jump_target(node, source).is_none_or(|target| !loop_.contains(target)).then_some(ExitKind::Goto)
            }
            "call_expression" => {
                terminating_call(node, source).or_else(|| may_fail_now(node, source).then_some(ExitKind::Goexit))
            }
            _ => None,
        };
        if let Some(kind) = kind {
            exits.push(Exit { kind, node });
        }
    }
    exits
}

/// The statement a `break`, `continue` or `goto` transfers to: the `for`/`switch`/`select` it
/// breaks, the loop it continues, or the `labeled_statement` a `goto` names. `None` when it cannot
/// be found (broken code) or `node` is not a jump.
pub fn jump_target<'tree>(node: Node<'tree>, source: &str) -> Option<Node<'tree>> {
    let label = syntax::named_children(node)
        .into_iter()
        .find(|child| child.kind_name() == "label_name")
        .map(|label| syntax::text(label, source));
    let within_function =
        || syntax::ancestors(node).take_while(|ancestor| !FUNCTION_KINDS.contains(&ancestor.kind_name()));
    match (node.kind_name(), label) {
        ("goto_statement", Some(label)) => {
            let function = syntax::enclosing_function(node)?;
            own_descendants(function.field_child("body")?).find(|candidate| is_labeled(*candidate, label, source))
        }
        ("break_statement" | "continue_statement", Some(label)) => {
            within_function().find(|ancestor| is_labeled(*ancestor, label, source)).and_then(|labeled| {
                syntax::named_children(labeled).into_iter().find(|child| child.kind_name() != "label_name")
            })
        }
        ("break_statement", None) => within_function().find(|ancestor| {
            matches!(
                ancestor.kind_name(),
                "for_statement" | "expression_switch_statement" | "type_switch_statement" | "select_statement"
            )
        }),
        ("continue_statement", None) => within_function().find(|ancestor| ancestor.kind_name() == "for_statement"),
        _ => None,
    }
}

fn is_labeled(node: Node<'_>, label: &str, source: &str) -> bool {
    node.kind_name() == "labeled_statement"
        && node.field_child("label").is_some_and(|name| syntax::text(name, source) == label)
}

/// For a call that never returns to its caller, how it ends things; `None` for other calls.
pub fn terminating_call(call: Node<'_>, source: &str) -> Option<ExitKind> {
    if call.kind_name() != "call_expression" {
        return None;
    }
    let (qualifier, name) = syntax::call_name(call, source)?;
    match (qualifier, name) {
        (None, "panic") => Some(ExitKind::Panic),
        (Some("os" | "syscall"), "Exit") => Some(ExitKind::ProcessExit),
        (Some("runtime"), "Goexit") => Some(ExitKind::Goexit),
        (Some("log"), "Panic" | "Panicf" | "Panicln") => Some(ExitKind::Panic),
        (Some("t" | "b" | "tb" | "f"), "Fatal" | "Fatalf" | "FailNow" | "Skip" | "Skipf" | "SkipNow") => {
            Some(ExitKind::Goexit)
        }
        (Some(_), "Fatal" | "Fatalf" | "Fatalln") => Some(ExitKind::ProcessExit),
        _ => None,
    }
}

/// A testify `require.X(t, ...)` (or a suite's `s.Require().X(...)`) assertion: it calls
/// `t.FailNow`, which ends the goroutine, when the check fails. A way out of a loop, but not one
/// every path takes, so [`escapes_after`] does not end paths there.
pub fn may_fail_now(call: Node<'_>, source: &str) -> bool {
    matches!(syntax::call_name(call, source), Some((Some(qualifier), _))
        if qualifier == "require" || qualifier.ends_with(".Require()"))
}

// ---------------------------------------------------------------------------------------------
// Select

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    Receive,
    Send,
    Default,
}

/// One `case` of a `select`.
#[derive(Debug, Clone, Copy)]
pub struct SelectCase<'tree> {
    /// The `communication_case` or `default_case`.
    pub node: Node<'tree>,
    pub kind: CaseKind,
    /// The channel received from or sent on (`ch` in `case v := <-ch:`); `None` for `default`.
    pub channel: Option<Node<'tree>>,
    /// The case's `statement_list`; `None` for an empty case.
    pub body: Option<Node<'tree>>,
}

impl SelectCase<'_> {
    /// True when the case receives from something that says "stop": see [`is_cancellation_channel`].
    pub fn receives_from_cancellation(&self, source: &str) -> bool {
        self.kind == CaseKind::Receive && self.channel.is_some_and(|channel| is_cancellation_channel(channel, source))
    }
}

/// The cases of a `select_statement`, in order.
pub fn select_cases<'tree>(select: Node<'tree>) -> impl Iterator<Item = SelectCase<'tree>> {
    syntax::named_children(select).into_iter().filter_map(|case| {
        let body = syntax::named_children(case).into_iter().find(|child| child.kind_name() == "statement_list");
        match case.kind_name() {
            "default_case" => Some(SelectCase { node: case, kind: CaseKind::Default, channel: None, body }),
            "communication_case" => {
                let communication = case.field_child("communication")?;
                let (kind, channel) = match communication.kind_name() {
                    "send_statement" => (CaseKind::Send, communication.field_child("channel")),
                    "receive_statement" => (
                        CaseKind::Receive,
                        communication.field_child("right").map(syntax::unparen).and_then(receive_operand),
                    ),
                    // `case <-ch:` can also parse as an expression statement in older grammars.
                    _ => {
                        (CaseKind::Receive, syntax::named_children(communication).into_iter().find_map(receive_operand))
                    }
                };
                Some(SelectCase { node: case, kind, channel, body })
            }
            _ => None,
        }
    })
}

pub fn has_default(select: Node<'_>) -> bool {
    select_cases(select).any(|case| case.kind == CaseKind::Default)
}

/// The channel of a receive expression `<-ch` (parentheses stripped).
pub fn receive_operand(expression: Node<'_>) -> Option<Node<'_>> {
    let expression = syntax::unparen(expression);
    let is_receive = expression.kind_name() == "unary_expression"
        && expression.field_child("operator").is_some_and(|operator| operator.kind_name() == "<-");
    is_receive.then(|| expression.field_child("operand").map(syntax::unparen)).flatten()
}

/// Name fragments that mark a channel as a stop signal (matched case-insensitively against the
/// last name in the expression: `done`, `s.quitCh`, `w.stopc`, `closing`, `shutdownC`).
const CANCELLATION_WORDS: &[&str] =
    &["done", "quit", "stop", "clos", "exit", "shutdown", "cancel", "dying", "abort", "kill"];

/// A receive from this channel means "stop": any `X.Done()` (contexts and look-alikes), tomb's
/// `t.Dying()`, or a channel whose name says done/quit/stop/closing/closed/exit/shutdown/cancel.
pub fn is_cancellation_channel(channel: Node<'_>, source: &str) -> bool {
    let channel = syntax::unparen(channel);
    let name = match channel.kind_name() {
        "call_expression" => {
            let Some((_, name)) = syntax::call_name(channel, source) else { return false };
            if matches!(name, "Done" | "Dying") {
                return true;
            }
            name
        }
        "identifier" => syntax::text(channel, source),
        "selector_expression" => channel.field_child("field").map_or("", |field| syntax::text(field, source)),
        _ => return false,
    };
    let name = name.to_ascii_lowercase();
    CANCELLATION_WORDS.iter().any(|word| name.contains(word))
}

// ---------------------------------------------------------------------------------------------
// Paths to the end of the function

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscapeKind {
    Return,
    Panic,
    /// Falling off the end of the function body.
    EndOfFunction,
}

/// A way out of the function that a path reaches with the release still missing.
#[derive(Debug, Clone, Copy)]
pub struct Escape<'tree> {
    pub kind: EscapeKind,
    /// The `return`, the `panic(...)` call, or the body's closing `}`.
    pub node: Node<'tree>,
}

/// Every `return`, `panic` or end of the function reachable after `statement` along a path that
/// does not pass a statement for which `releases` is true (`mu.Unlock()`, `defer mu.Unlock()`,
/// `cancel()`...). `releases` sees simple statements (including `defer`, `go` and `return`) and
/// the initializers of `if`/`switch`; compound statements are followed structurally. Paths that
/// end in `os.Exit`, `t.Fatal`, `goto` or an endless `for {}` are not escapes. A `defer` before
/// `statement` is not looked at: the caller decides whether it already covers everything.
///
/// `statement` may also be a node inside a statement; the statement around it is used.
pub fn escapes_after<'tree>(
    statement: Node<'tree>,
    source: &str,
    releases: &dyn Fn(Node<'tree>) -> bool,
) -> Vec<Escape<'tree>> {
    let Some(start) = syntax::enclosing_statement(statement) else { return Vec::new() };
    let mut scan = PathScan { source, releases, escapes: Vec::new() };
    let mut node = start;
    let mut flow = Flow::falls();
    // Computed once: walking up with `parent()` would cost depth² on deeply nested code.
    let chain: Vec<Node<'tree>> = syntax::ancestors(start).collect();
    for (index, &parent) in chain.iter().enumerate() {
        let owner = chain.get(index + 1);
        match parent.kind_name() {
            "statement_list" if flow.falls_through => {
                let rest = scan
                    .statements(std::iter::successors(node.next_named_sibling_node(), |n| n.next_named_sibling_node()));
                flow.falls_through = rest.falls_through;
                flow.jumps.extend(rest.jumps);
            }
            "block" if owner.is_some_and(|owner| FUNCTION_KINDS.contains(&owner.kind_name())) => {
                if flow.falls_through {
                    let closing = parent.child(parent.child_count().saturating_sub(1)).unwrap_or(parent);
                    scan.escapes.push(Escape { kind: EscapeKind::EndOfFunction, node: closing });
                }
                break;
            }
            "for_statement" => flow = scan.leave_loop(parent, flow),
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                flow = flow.resolve_breaks(parent);
            }
            _ if FUNCTION_KINDS.contains(&parent.kind_name()) => break,
            _ => {}
        }
        if !flow.falls_through && flow.jumps.is_empty() {
            break;
        }
        node = parent;
    }
    scan.escapes
}

/// A pending `break` or `continue` whose target statement is further out.
#[derive(Debug, Clone, Copy)]
struct Jump<'tree> {
    target: Node<'tree>,
    is_continue: bool,
}

/// The open paths out of a region: whether some fall off its end, and the jumps that leave it.
#[derive(Debug, Default)]
struct Flow<'tree> {
    falls_through: bool,
    jumps: Vec<Jump<'tree>>,
}

impl<'tree> Flow<'tree> {
    fn falls() -> Flow<'tree> {
        Flow { falls_through: true, jumps: Vec::new() }
    }

    /// No open path continues: released, returned, or stuck.
    fn ends() -> Flow<'tree> {
        Flow::default()
    }

    fn merge(&mut self, other: Flow<'tree>) {
        self.falls_through |= other.falls_through;
        self.jumps.extend(other.jumps);
    }

    /// Breaks of `construct` continue after it.
    fn resolve_breaks(mut self, construct: Node<'tree>) -> Flow<'tree> {
        let before = self.jumps.len();
        self.jumps.retain(|jump| jump.target != construct);
        self.falls_through |= self.jumps.len() != before;
        self
    }
}

struct PathScan<'tree, 'a> {
    source: &'a str,
    releases: &'a dyn Fn(Node<'tree>) -> bool,
    escapes: Vec<Escape<'tree>>,
}

impl<'tree> PathScan<'tree, '_> {
    fn statements(&mut self, statements: impl Iterator<Item = Node<'tree>>) -> Flow<'tree> {
        let mut flow = Flow::falls();
        for statement in statements {
            if !flow.falls_through {
                break;
            }
            if statement.kind_name() == "comment" {
                continue;
            }
            let next = self.statement(statement);
            flow.falls_through = next.falls_through;
            flow.jumps.extend(next.jumps);
        }
        flow
    }

    /// The statements of a `block` or a case's `statement_list`.
    fn block(&mut self, block: Option<Node<'tree>>) -> Flow<'tree> {
        let Some(block) = block else { return Flow::falls() };
        let list = if block.kind_name() == "statement_list" {
            Some(block)
        } else {
            syntax::named_children(block).into_iter().find(|child| child.kind_name() == "statement_list")
        };
        match list {
            Some(list) => self.statements(syntax::named_children(list).into_iter()),
            None => Flow::falls(),
        }
    }

    fn statement(&mut self, statement: Node<'tree>) -> Flow<'tree> {
        match statement.kind_name() {
            "if_statement" => {
                if let Some(initializer) = statement.field_child("initializer") {
                    let flow = self.statement(initializer);
                    if !flow.falls_through {
                        return flow;
                    }
                }
                let mut flow = self.block(statement.field_child("consequence"));
                match statement.field_child("alternative") {
                    Some(alternative) => flow.merge(self.statement(alternative)),
                    None => flow.falls_through = true,
                }
                flow
            }
            "block" => self.block(Some(statement)),
            "labeled_statement" => {
                match syntax::named_children(statement).into_iter().find(|c| c.kind_name() != "label_name") {
                    Some(inner) => self.statement(inner),
                    None => Flow::falls(),
                }
            }
            "for_statement" => {
                let Some(loop_) = Loop::new(statement) else { return Flow::falls() };
                let body = self.block(loop_.body);
                // The body may run zero times unless the loop is endless.
                let mut flow = self.leave_loop(statement, body);
                flow.falls_through |= !loop_.is_infinite();
                flow
            }
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                if let Some(initializer) = statement.field_child("initializer") {
                    let flow = self.statement(initializer);
                    if !flow.falls_through {
                        return flow;
                    }
                }
                let mut flow = Flow::ends();
                let mut exhaustive = statement.kind_name() == "select_statement";
                for case in syntax::named_children(statement) {
                    if !matches!(
                        case.kind_name(),
                        "expression_case" | "type_case" | "default_case" | "communication_case"
                    ) {
                        continue;
                    }
                    exhaustive |= case.kind_name() == "default_case";
                    let body =
                        syntax::named_children(case).into_iter().find(|child| child.kind_name() == "statement_list");
                    flow.merge(match body {
                        Some(body) => self.block(Some(body)),
                        None => Flow::falls(),
                    });
                }
                flow.falls_through |= !exhaustive;
                flow.resolve_breaks(statement)
            }
            "break_statement" | "continue_statement" => match jump_target(statement, self.source) {
                Some(target) => Flow {
                    falls_through: false,
                    jumps: vec![Jump { target, is_continue: statement.kind_name() == "continue_statement" }],
                },
                None => Flow::ends(),
            },
            "goto_statement" => Flow::ends(),
            "fallthrough_statement" => Flow::falls(),
            _ if (self.releases)(statement) => Flow::ends(),
            "return_statement" => {
                self.escapes.push(Escape { kind: EscapeKind::Return, node: statement });
                Flow::ends()
            }
            "expression_statement" => {
                let call =
                    statement.named_child(0).map(syntax::unparen).filter(|call| call.kind_name() == "call_expression");
                match call.and_then(|call| terminating_call(call, self.source).map(|kind| (call, kind))) {
                    Some((call, ExitKind::Panic)) => {
                        self.escapes.push(Escape { kind: EscapeKind::Panic, node: call });
                        Flow::ends()
                    }
                    Some(_) => Flow::ends(),
                    None => Flow::falls(),
                }
            }
            _ => Flow::falls(),
        }
    }

    /// The paths that leave the body of `loop_node`: its breaks continue after it; falling off the
    /// body or continuing it does too, unless the loop is endless (then the path goes round again).
    fn leave_loop(&mut self, loop_node: Node<'tree>, body: Flow<'tree>) -> Flow<'tree> {
        let endless = Loop::new(loop_node).is_some_and(|loop_| loop_.is_infinite());
        let mut flow = Flow { falls_through: body.falls_through && !endless, jumps: Vec::new() };
        for jump in body.jumps {
            if jump.target != loop_node {
                flow.jumps.push(jump);
            } else if !jump.is_continue || !endless {
                flow.falls_through = true;
            }
        }
        flow
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tree_sitter::Tree;

    fn parse(source: &str) -> Tree {
        crate::parse::new_parser().parse(source, None).expect("parses")
    }

    /// The first node of `kind` in the tree.
    fn first<'t>(tree: &'t Tree, kind: &str) -> Node<'t> {
        syntax::descendants(tree.root_node()).find(|n| n.kind_name() == kind).unwrap_or_else(|| panic!("no {kind}"))
    }

    fn all<'t>(tree: &'t Tree, kind: &'t str) -> Vec<Node<'t>> {
        syntax::descendants(tree.root_node()).filter(|n| n.kind_name() == kind).collect()
    }

    /// The first node whose text is exactly `text`.
    fn node_with_text<'t>(tree: &'t Tree, source: &str, text: &str) -> Node<'t> {
        syntax::descendants(tree.root_node())
            .find(|n| syntax::text(*n, source) == text)
            .unwrap_or_else(|| panic!("no node `{text}`"))
    }

    #[test]
    fn function_view_reads_signature_and_own_statements() {
        let source = "package p\nfunc (s *S) run(ctx context.Context, a, b int, xs ...string) (n int, err error) {\n\tdefer s.mu.Unlock()\n\tgo func() { return }()\n\tgo s.loop(ctx)\n\tif a > b { panic(\"x\") }\n\treturn 0, nil\n}\n";
        let tree = parse(source);
        let view = FunctionView::new(first(&tree, "method_declaration"), source).expect("a function");
        assert_eq!(view.name(), Some("run"));
        assert_eq!(view.receiver().map(|r| view.type_text(&r)), Some("*S"));
        let parameters = view.parameters();
        let names: Vec<&str> = parameters.iter().filter_map(|p| p.name).map(|n| syntax::text(n, source)).collect();
        assert_eq!(names, ["ctx", "a", "b", "xs"]);
        assert_eq!(view.type_text(&parameters[0]), "context.Context");
        assert!(parameters[3].variadic);
        assert_eq!(view.parameter_index("b"), Some(2));
        let results: Vec<&str> = view.results().iter().map(|r| view.type_text(r)).collect();
        assert_eq!(results, ["int", "error"]);
        // The literal's `return` is not the method's own.
        assert_eq!(view.returns().count(), 1);
        assert_eq!(view.defers().count(), 1);
        assert_eq!(view.panics().count(), 1);
        let targets: Vec<&str> = view
            .go_statements()
            .map(|go| match go.target {
                GoTarget::Literal(_) => "literal",
                GoTarget::Named { qualifier: Some(_), .. } => "method",
                GoTarget::Named { qualifier: None, .. } => "function",
                GoTarget::Other => "other",
            })
            .collect();
        assert_eq!(targets, ["literal", "method"]);
    }

    #[test]
    fn single_result_and_literal() {
        let source = "package p\nvar f = func() error { return nil }\n";
        let tree = parse(source);
        let view = FunctionView::new(first(&tree, "func_literal"), source).expect("a literal");
        assert!(view.is_literal());
        assert_eq!(view.name(), None);
        assert_eq!(view.results().iter().map(|r| view.type_text(r)).collect::<Vec<_>>(), ["error"]);
        assert!(FunctionView::new(first(&tree, "return_statement"), source).is_none());
    }

    #[test]
    fn own_descendants_skip_nested_literals() {
        let source = "package p\nfunc f() {\n\tx := func() { return }\n\tx()\n}\n";
        let tree = parse(source);
        let kinds: Vec<&str> = own_descendants(first(&tree, "function_declaration")).map(|n| n.kind_name()).collect();
        assert!(kinds.contains(&"func_literal"));
        assert!(!kinds.contains(&"return_statement"));
    }

    fn loop_kinds(source: &str) -> Vec<String> {
        let tree = parse(source);
        all(&tree, "for_statement")
            .into_iter()
            .filter_map(Loop::new)
            .map(|l| match (l.kind, l.range_over()) {
                (LoopKind::Infinite, _) => "infinite".to_string(),
                (LoopKind::Conditional { condition }, _) => format!("while {}", syntax::text(condition, source)),
                (_, Some(RangeOver::Identifier(n))) => format!("range ident {}", syntax::text(n, source)),
                (_, Some(RangeOver::Selector { operand, field })) => {
                    format!("range {}.{}", syntax::text(operand, source), syntax::text(field, source))
                }
                (_, Some(RangeOver::Call(n))) => format!("range call {}", syntax::text(n, source)),
                (_, _) => "range other".to_string(),
            })
            .collect()
    }

    #[test]
    fn loop_shapes() {
        let source = "package p\nfunc f() {\n\tfor {}\n\tfor ;; {}\n\tfor i := 0; ; i++ {}\n\tfor ok {}\n\tfor i := 0; i < n; i++ {}\n\tfor range t.C {}\n\tfor v := range ch {}\n\tfor range time.Tick(d) {}\n\tfor _, x := range []int{1} {}\n}\n";
        assert_eq!(
            loop_kinds(source),
            [
                "infinite",
                "infinite",
                "infinite",
                "while ok",
                "while i < n",
                "range t.C",
                "range ident ch",
                "range call time.Tick(d)",
                "range other"
            ]
        );
    }

    fn exits_of_first_loop(source: &str) -> Vec<ExitKind> {
        let tree = parse(source);
        let loop_ = Loop::new(first(&tree, "for_statement")).expect("a loop");
        loop_exits(&loop_, source).into_iter().map(|exit| exit.kind).collect()
    }

    #[test]
    fn breaks_of_inner_statements_do_not_leave_the_loop() {
        let source = "package p\nfunc f() {\n\tfor {\n\t\tselect {\n\t\tcase <-a:\n\t\t\tbreak\n\t\t}\n\t\tswitch x {\n\t\tcase 1:\n\t\t\tbreak\n\t\t}\n\t\tfor { break }\n\t\tfor { continue }\n\t\tgo func() { return }()\n\t\tcontinue\n\t}\n}\n";
        assert_eq!(exits_of_first_loop(source), []);
    }

    #[test]
    fn ways_out_of_a_loop() {
        let source = "package p\nfunc f() {\nouter:\n\tfor {\n\tinner:\n\t\tfor {\n\t\t\tselect {\n\t\t\tcase <-a:\n\t\t\t\tbreak inner\n\t\t\tcase <-b:\n\t\t\t\tcontinue inner\n\t\t\t}\n\t\t}\n\t\tif x { break }\n\t\tif y { return }\n\t\tfor { break outer }\n\t\tfor { continue outer }\n\t\tif z { goto end }\n\t\tif w { goto outer }\n\t\tpanic(\"p\")\n\t\tos.Exit(1)\n\t\tlog.Fatalf(\"x\")\n\t\tt.FailNow()\n\t\truntime.Goexit()\n\t\trequire.NoError(t, err)\n\t\ts.Require().True(ok)\n\t\tassert.NoError(t, err)\n\t}\nend:\n}\n";
        use ExitKind::*;
        assert_eq!(
            exits_of_first_loop(source),
            [Break, Return, Break, Goto, Goto, Panic, ProcessExit, ProcessExit, Goexit, Goexit, Goexit, Goexit]
        );
        // Seen from the inner loop, `break inner` leaves it and `continue inner` does not.
        let tree = parse(source);
        let inner = Loop::new(all(&tree, "for_statement")[1]).expect("inner loop");
        assert_eq!(syntax::text(inner.label.expect("labeled"), source), "inner");
        assert_eq!(loop_exits(&inner, source).into_iter().map(|e| e.kind).collect::<Vec<_>>(), [Break]);
        // `continue outer` leaves the loop it sits in.
        let continuing = all(&tree, "for_statement")
            .into_iter()
            .filter_map(Loop::new)
            .find(|l| l.body.is_some_and(|b| syntax::text(b, source) == "{ continue outer }"))
            .expect("the continuing loop");
        assert_eq!(loop_exits(&continuing, source).into_iter().map(|e| e.kind).collect::<Vec<_>>(), [Continue]);
    }

    #[test]
    fn goto_to_a_label_inside_the_loop_stays() {
        let source = "package p\nfunc f() {\n\tfor {\n\tagain:\n\t\tif x { goto again }\n\t}\n}\n";
        assert_eq!(exits_of_first_loop(source), []);
    }

    #[test]
    fn select_cases_and_cancellation() {
        let source = "package p\nfunc f() {\n\tselect {\n\tcase <-ctx.Done():\n\tcase v, ok := <-jobs:\n\tcase <-s.quitCh:\n\tcase <-t.Dying():\n\tcase <-(closing):\n\tcase out <- 1:\n\tcase <-ticker.C:\n\tcase x = <-s.stopc:\n\tdefault:\n\t}\n}\n";
        let tree = parse(source);
        let select = first(&tree, "select_statement");
        assert!(has_default(select));
        let cases: Vec<(CaseKind, String, bool)> = select_cases(select)
            .map(|case| {
                let channel = case.channel.map_or(String::new(), |c| syntax::text(c, source).to_string());
                (case.kind, channel, case.receives_from_cancellation(source))
            })
            .collect();
        use CaseKind::*;
        let expected = [
            (Receive, "ctx.Done()", true),
            (Receive, "jobs", false),
            (Receive, "s.quitCh", true),
            (Receive, "t.Dying()", true),
            (Receive, "closing", true),
            (Send, "out", false),
            (Receive, "ticker.C", false),
            (Receive, "s.stopc", true),
            (Default, "", false),
        ];
        let expected: Vec<(CaseKind, String, bool)> =
            expected.iter().map(|(kind, text, cancel)| (*kind, (*text).to_string(), *cancel)).collect();
        assert_eq!(cases, expected);
    }

    /// Escapes after the statement `start` when `release` (a statement's text) releases.
    fn escapes(source: &str, start: &str, release: &str) -> Vec<(EscapeKind, usize)> {
        let tree = parse(source);
        let start = node_with_text(&tree, source, start);
        let releases = |statement: Node<'_>| {
            let text = syntax::text(statement, source);
            text == release || text == format!("defer {release}")
        };
        escapes_after(start, source, &releases)
            .into_iter()
            .map(|escape| (escape.kind, escape.node.start_position().row + 1))
            .collect()
    }

    #[test]
    fn straight_line_release_covers_the_return() {
        let source = "package p\nfunc f() error {\n\tmu.Lock()\n\twork()\n\tmu.Unlock()\n\treturn nil\n}\n";
        assert_eq!(escapes(source, "mu.Lock()", "mu.Unlock()"), []);
    }

    #[test]
    fn deferred_release_covers_every_path() {
        let source =
            "package p\nfunc f() error {\n\tmu.Lock()\n\tdefer mu.Unlock()\n\tif x { return err }\n\tpanic(1)\n}\n";
        assert_eq!(escapes(source, "mu.Lock()", "mu.Unlock()"), []);
    }

    #[test]
    fn early_return_before_the_release_escapes() {
        let source = "package p\nfunc f() error {\n\tmu.Lock()\n\tif err != nil {\n\t\treturn err\n\t}\n\tmu.Unlock()\n\treturn nil\n}\n";
        assert_eq!(escapes(source, "mu.Lock()", "mu.Unlock()"), [(EscapeKind::Return, 5)]);
    }

    #[test]
    fn released_in_both_branches_or_before_each_return() {
        let source = "package p\nfunc f() error {\n\tmu.Lock()\n\tif x {\n\t\tmu.Unlock()\n\t\treturn err\n\t} else {\n\t\tmu.Unlock()\n\t}\n\treturn nil\n}\n";
        assert_eq!(escapes(source, "mu.Lock()", "mu.Unlock()"), []);
        let one_branch = "package p\nfunc f() {\n\tmu.Lock()\n\tif x {\n\t\tmu.Unlock()\n\t}\n}\n";
        assert_eq!(escapes(one_branch, "mu.Lock()", "mu.Unlock()"), [(EscapeKind::EndOfFunction, 7)]);
    }

    #[test]
    fn switch_without_default_and_panics() {
        let source = "package p\nfunc f() {\n\tmu.Lock()\n\tswitch x {\n\tcase 1:\n\t\tmu.Unlock()\n\tcase 2:\n\t\tpanic(\"no\")\n\tdefault:\n\t\tmu.Unlock()\n\t}\n}\n";
        assert_eq!(escapes(source, "mu.Lock()", "mu.Unlock()"), [(EscapeKind::Panic, 8)]);
        let no_default = "package p\nfunc f() {\n\tmu.Lock()\n\tswitch x {\n\tcase 1:\n\t\tmu.Unlock()\n\t}\n}\n";
        assert_eq!(escapes(no_default, "mu.Lock()", "mu.Unlock()"), [(EscapeKind::EndOfFunction, 8)]);
    }

    #[test]
    fn loops_breaks_and_exits() {
        // A conditional loop may run zero times, so the release inside does not count.
        let source = "package p\nfunc f() {\n\tmu.Lock()\n\tfor x {\n\t\tmu.Unlock()\n\t}\n}\n";
        assert_eq!(escapes(source, "mu.Lock()", "mu.Unlock()"), [(EscapeKind::EndOfFunction, 7)]);
        // An endless loop is left only by its break, which comes after the release.
        let endless =
            "package p\nfunc f() {\n\tmu.Lock()\n\tfor {\n\t\tif y { continue }\n\t\tmu.Unlock()\n\t\tbreak\n\t}\n}\n";
        assert_eq!(escapes(endless, "mu.Lock()", "mu.Unlock()"), []);
        // A labelled break skips the release.
        let labeled = "package p\nfunc f() {\n\tmu.Lock()\nL:\n\tfor {\n\t\tselect {\n\t\tcase <-a:\n\t\t\tbreak L\n\t\t}\n\t\tmu.Unlock()\n\t\treturn\n\t}\n\treturn\n}\n";
        assert_eq!(escapes(labeled, "mu.Lock()", "mu.Unlock()"), [(EscapeKind::Return, 13)]);
        // os.Exit ends the path without escaping.
        let exits = "package p\nfunc f() {\n\tmu.Lock()\n\tos.Exit(1)\n}\n";
        assert_eq!(escapes(exits, "mu.Lock()", "mu.Unlock()"), []);
        // An assertion that fails only sometimes does not end the path.
        let asserts = "package p\nfunc f() {\n\tmu.Lock()\n\trequire.NoError(t, err)\n}\n";
        assert_eq!(escapes(asserts, "mu.Lock()", "mu.Unlock()"), [(EscapeKind::EndOfFunction, 5)]);
    }

    #[test]
    fn starting_inside_nested_blocks() {
        // From inside a loop body, falling off continues after the loop.
        let source = "package p\nfunc f() error {\n\tfor _, x := range xs {\n\t\tmu.Lock()\n\t\tif x { break }\n\t\tmu.Unlock()\n\t}\n\treturn nil\n}\n";
        assert_eq!(escapes(source, "mu.Lock()", "mu.Unlock()"), [(EscapeKind::Return, 8)]);
        // From inside a select case, a break leaves the select and continues after it.
        let select = "package p\nfunc f() {\n\tselect {\n\tcase <-a:\n\t\tmu.Lock()\n\t\tif x { break }\n\t\tmu.Unlock()\n\t}\n\tmu.Unlock()\n}\n";
        assert_eq!(escapes(select, "mu.Lock()", "mu.Unlock()"), []);
        // Inside a literal, the literal's end is the end of the function.
        let literal = "package p\nfunc f() {\n\tgo func() {\n\t\tmu.Lock()\n\t}()\n\tmu.Unlock()\n}\n";
        assert_eq!(escapes(literal, "mu.Lock()", "mu.Unlock()"), [(EscapeKind::EndOfFunction, 5)]);
    }
}

/// Why a function serves one request (RULES.md A2, D3): the work it starts or waits on is tied
/// to a caller who may give up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestPath {
    /// `(w http.ResponseWriter, r *http.Request)`
    HttpHandler,
    /// The first parameter is a `context.Context` with this name.
    ContextFirst(String),
}

/// An HTTP handler signature, or a named first parameter of type `context.Context`.
pub fn request_path(function: Node<'_>, imports: &crate::engine::facts::Imports, source: &str) -> Option<RequestPath> {
    let parameters = crate::syntax::parameters_of(function);
    let is_http = |parameter: &crate::syntax::Parameter<'_>, name: &str, pointer: bool| {
        crate::syntax::qualified_type_parts(parameter.type_node, source).is_some_and(
            |(package, type_name, is_pointer)| {
                imports.names(package, "net/http") && type_name == name && is_pointer == pointer
            },
        )
    };
    if let [writer, request] = parameters.as_slice()
        && is_http(writer, "ResponseWriter", false)
        && is_http(request, "Request", true)
    {
        return Some(RequestPath::HttpHandler);
    }
    let first = parameters.first()?;
    if is_context_type(first.type_node, imports, source) {
        let name = first.name.map(|name| crate::syntax::text(name, source)).filter(|name| *name != "_")?;
        return Some(RequestPath::ContextFirst(name.to_string()));
    }
    None
}

/// `context.Context`, through the file's import name for "context".
pub fn is_context_type(type_node: Node<'_>, imports: &crate::engine::facts::Imports, source: &str) -> bool {
    crate::syntax::qualified_type_parts(type_node, source).is_some_and(|(package, name, is_pointer)| {
        imports.names(package, "context") && name == "Context" && !is_pointer
    })
}
