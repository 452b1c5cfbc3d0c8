use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "context-cancel-dropped",
    family: "E1",
    summary: "The cancel func of context.WithCancel/WithTimeout/WithDeadline is discarded or not called on every path",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    applicability: Applicability::Unsafe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::VeryHigh,
    tags: &["reliability", "resource-leak"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["govet", "lostcancel"],
    requires_imports: &["context"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const OUTLIVES: &str = "the context can outlive this function";
const RELEASED_LATE: &str = "the context is released only when its parent is done";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(call), Some(package), Some(function)) = (found.target(), found.get("package"), found.get("function"))
    else {
        return;
    };
    if !ctx.facts.imports.names(ctx.text(package), "context") {
        return;
    }
    let source: &str = &ctx.file.text;
    let Some(assignment) = CancelAssignment::of(call, source) else { return };
    let constructor = ctx.text(function);
    // A field, map entry or other non-identifier target stores the func: someone else calls it.
    if assignment.cancel.kind_name() != "identifier" {
        return;
    }
    let cancel_name = ctx.text(assignment.cancel);
    let call_text = format!("{}.{constructor}", ctx.text(package));
    let fix_facts = FixFacts { context_package: ctx.text(package), takes_cause: constructor == "WithCancelCause" };
    if cancel_name == "_" {
        let message = format!("the cancel func of {call_text} is discarded, so {RELEASED_LATE}");
        let finding =
            ctx.report(call, message).label(assignment.cancel, "discarded here").help(fix_facts.help("cancel"));
        if let Some(fix) = discarded_fix(&assignment, &fix_facts, source) {
            finding.fix(fix);
        }
        return;
    }
    let Some(function_node) = ctx.types.ancestry().enclosing_functions(call).next() else { return };
    let Some(body) = syntax::function_body(function_node) else { return };
    if is_main_main(function_node, ctx.facts.is_main_package(), source) {
        // Returning from main ends the process, which releases everything.
        return;
    }
    // A parameter or named result belongs to the caller too; a variable declared outside this
    // function may be called wherever else it is visible.
    if syntax::signature_names(function_node, source).contains(&cancel_name)
        || !declared_in(function_node, body, &assignment, cancel_name, source)
    {
        return;
    }
    let uses = uses_of(body, &assignment, cancel_name, source);
    if uses.is_empty() {
        let message = format!("`{cancel_name}` from {call_text} is never called, so {RELEASED_LATE}");
        let finding = ctx
            .report(call, message)
            .label(assignment.cancel, "assigned here and never called")
            .help(fix_facts.help(cancel_name));
        if let Some(edit) = insert_defer(assignment.statement, cancel_name, &fix_facts, source) {
            finding.fix(Fix::unsafe_edits(vec![edit]));
        }
        return;
    }
    let mut flow = Flow { source, definition: assignment.statement, uses: &uses, leak: None };
    let end = flow.statement(body, false);
    let (exit, label) = match flow.leak {
        Some(exit) => (exit, format!("this `return` skips `{cancel_name}`")),
        None if end.falls_through => {
            let closing = body.child(body.child_count().saturating_sub(1)).unwrap_or(body);
            (closing, format!("the function can end here without calling `{cancel_name}`"))
        }
        None => return,
    };
    let message = format!("`{cancel_name}` from {call_text} is not called on every path, so {OUTLIVES}");
    ctx.report(call, message).label(exit, label).help(fix_facts.help(cancel_name));
}

/// `ctx, cancel := context.WithX(...)`, `ctx, cancel = ...` or `var ctx, cancel = ...`.
struct CancelAssignment<'tree> {
    /// The statement that sits in a block: the `:=`/`=` statement or the whole `var` declaration.
    statement: Node<'tree>,
    /// The second target: `_`, an identifier, or a field/index expression.
    cancel: Node<'tree>,
    is_plain_assignment: bool,
}

impl<'tree> CancelAssignment<'tree> {
    fn of(call: Node<'tree>, source: &str) -> Option<CancelAssignment<'tree>> {
        let values = call.parent_node().filter(|parent| parent.kind_name() == "expression_list")?;
        if syntax::named_children(values).len() != 1 {
            return None;
        }
        let holder = values.parent_node()?;
        let targets: Vec<Node<'tree>> = match holder.kind_name() {
            "short_var_declaration" => syntax::named_children(holder.field_child("left")?),
            "assignment_statement" => {
                let operator = holder.field_child("operator")?;
                if syntax::text(operator, source) != "=" {
                    return None;
                }
                syntax::named_children(holder.field_child("left")?)
            }
            "var_spec" => {
                let mut cursor = holder.walk();
                holder.children_by_field_name("name", &mut cursor).collect()
            }
            _ => return None,
        };
        let [_, cancel] = targets.as_slice() else { return None };
        let statement = if holder.kind_name() == "var_spec" {
            syntax::ancestors(holder).find(|node| node.kind_name() == "var_declaration")?
        } else {
            holder
        };
        Some(CancelAssignment {
            statement,
            cancel: *cancel,
            is_plain_assignment: holder.kind_name() == "assignment_statement",
        })
    }
}

struct FixFacts<'s> {
    /// The local name of the "context" import, for `var cancel context.CancelFunc`.
    context_package: &'s str,
    /// `WithCancelCause` returns a `CancelCauseFunc`, called with an error.
    takes_cause: bool,
}

impl FixFacts<'_> {
    fn deferred_call(&self, cancel_name: &str) -> String {
        let argument = if self.takes_cause { "nil" } else { "" };
        format!("defer {cancel_name}({argument})")
    }

    fn help(&self, cancel_name: &str) -> String {
        format!("Add `{}` right after the call", self.deferred_call(cancel_name))
    }
}

fn is_main_main(function: Node<'_>, is_main_package: bool, source: &str) -> bool {
    is_main_package
        && function.kind_name() == "function_declaration"
        && syntax::function_name(function, source) == Some("main")
}

/// Whether `name` is declared (`var` or `:=`) in this function itself, so every use is visible.
fn declared_in(
    function: Node<'_>,
    body: Node<'_>,
    assignment: &CancelAssignment<'_>,
    name: &str,
    source: &str,
) -> bool {
    if !assignment.is_plain_assignment {
        return true;
    }
    syntax::bindings_of(body, name, source).iter().any(|binding| {
        binding.kind != syntax::BindingKind::Assign && syntax::enclosing_function(binding.statement) == Some(function)
    })
}

/// Every mention of the cancel variable that may call it or hand it on. Like `go vet`'s
/// lostcancel, any mention counts (a call, a `defer`, a return, a store), except the assignment
/// itself, declarations, and `_ = cancel`, which only silences the compiler.
fn uses_of<'tree>(
    body: Node<'tree>,
    assignment: &CancelAssignment<'tree>,
    name: &str,
    source: &str,
) -> Vec<Node<'tree>> {
    syntax::identifiers_named(body, name, source)
        .filter(|mention| *mention != assignment.cancel)
        .filter(|mention| mention.parent_node().is_none_or(|parent| parent.kind_name() != "var_spec"))
        .filter(|mention| !is_blank_assignment_value(*mention, source))
        .collect()
}

/// `_ = name` (or `_, _ = a, name`).
fn is_blank_assignment_value(mention: Node<'_>, source: &str) -> bool {
    let Some(values) = mention.parent_node().filter(|parent| parent.kind_name() == "expression_list") else { return false };
    let Some(assignment) = values.parent_node().filter(|parent| parent.kind_name() == "assignment_statement") else {
        return false;
    };
    assignment.field_child("right") == Some(values)
        && assignment
            .field_child("left")
            .is_some_and(|left| syntax::named_children(left).iter().all(|target| syntax::text(*target, source) == "_"))
}

/// The fix for `ctx, _ := context.WithX(...)`: name the func `cancel` and defer it.
fn discarded_fix(assignment: &CancelAssignment<'_>, facts: &FixFacts<'_>, source: &str) -> Option<Fix> {
    let scope = syntax::top_level_declaration(assignment.statement)?;
    if syntax::identifiers_named(scope, "cancel", source).next().is_some() {
        return None;
    }
    let mut edits = vec![
        Edit::replace(assignment.cancel.into(), "cancel"),
        insert_defer(assignment.statement, "cancel", facts, source)?,
    ];
    if assignment.is_plain_assignment {
        // `ctx, cancel = ...` needs `cancel` declared; `:=` could shadow `ctx` instead.
        let func_type = if facts.takes_cause { "CancelCauseFunc" } else { "CancelFunc" };
        let indent = syntax::line_indent(source, assignment.statement.start_byte());
        edits.push(Edit::insert(
            assignment.statement.start_byte(),
            format!("var cancel {}.{func_type}\n{indent}", facts.context_package),
        ));
    }
    Some(Fix::unsafe_edits(edits))
}

/// A new line `defer cancel()` after `statement`, when it sits in a block and ends its line
/// (a trailing `//` comment is fine).
fn insert_defer(statement: Node<'_>, cancel_name: &str, facts: &FixFacts<'_>, source: &str) -> Option<Edit> {
    if !statement.parent_node().is_some_and(|parent| matches!(parent.kind_name(), "block" | "statement_list")) {
        return None;
    }
    let line_end = syntax::line_end(source, statement.end_byte());
    let rest = source[statement.end_byte()..line_end].trim();
    if !(rest.is_empty() || rest.starts_with("//")) {
        return None;
    }
    let indent = syntax::line_indent(source, statement.start_byte());
    Some(Edit::insert(line_end, format!("\n{indent}{}", facts.deferred_call(cancel_name))))
}

/// Where control can go after a statement, seen from "has the cancel func been used yet".
#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    /// Some path reaches the end of the statement without a use since the definition.
    falls_through: bool,
    /// Such a path leaves by an unlabelled `break` (to the innermost loop, switch or select).
    breaks: bool,
    /// Such a path leaves by an unlabelled `continue` (to the innermost loop).
    continues: bool,
}

impl Outcome {
    fn ends(falls_through: bool) -> Outcome {
        Outcome { falls_through, ..Outcome::default() }
    }
}

/// A walk over one function body's structured control flow, looking for a `return` reached
/// after the definition and before any use. Paths through labelled branches and `goto` are
/// dropped: that can miss a leak but never invents one.
struct Flow<'u, 'tree> {
    source: &'u str,
    definition: Node<'tree>,
    uses: &'u [Node<'tree>],
    leak: Option<Node<'tree>>,
}

impl<'tree> Flow<'_, 'tree> {
    fn uses_in(&self, node: Node<'_>) -> bool {
        self.uses.iter().any(|usage| syntax::contains(node, *usage))
    }

    /// A statement with no statements inside: it defines, uses or passes through.
    fn simple(&self, node: Node<'tree>, live: bool) -> bool {
        if node == self.definition {
            return true;
        }
        live && !self.uses_in(node)
    }

    fn statements(&mut self, statements: &[Node<'tree>], mut live: bool) -> Outcome {
        let mut outcome = Outcome::default();
        for statement in statements {
            let after = self.statement(*statement, live);
            outcome.breaks |= after.breaks;
            outcome.continues |= after.continues;
            live = after.falls_through;
        }
        outcome.falls_through = live;
        outcome
    }

    fn statement(&mut self, node: Node<'tree>, live: bool) -> Outcome {
        let field = |name: &str| node.field_child(name);
        match node.kind_name() {
            "block" | "statement_list" => self.statements(&syntax::block_statements(node), live),
            "labeled_statement" => {
                let inner = syntax::named_children(node).into_iter().find(|child| child.kind_name() != "label_name");
                inner.map_or(Outcome::ends(live), |inner| self.statement(inner, live))
            }
            "return_statement" => {
                if live && !self.uses_in(node) && self.leak.is_none() {
                    self.leak = Some(node);
                }
                Outcome::ends(false)
            }
            "break_statement" | "continue_statement" => {
                let labelled = syntax::named_children(node).iter().any(|child| child.kind_name() == "label_name");
                let is_break = node.kind_name() == "break_statement";
                Outcome {
                    falls_through: false,
                    breaks: live && !labelled && is_break,
                    continues: live && !labelled && !is_break,
                }
            }
            "goto_statement" => Outcome::ends(false),
            "expression_statement" if is_terminating(node, self.source) => Outcome::ends(false),
            "if_statement" => {
                let mut live = field("initializer").map_or(live, |init| self.simple(init, live));
                if field("condition").is_some_and(|condition| self.uses_in(condition)) {
                    live = false;
                }
                let then = field("consequence").map_or(Outcome::ends(live), |block| self.statement(block, live));
                let otherwise = field("alternative").map_or(Outcome::ends(live), |block| self.statement(block, live));
                Outcome {
                    falls_through: then.falls_through || otherwise.falls_through,
                    breaks: then.breaks || otherwise.breaks,
                    continues: then.continues || otherwise.continues,
                }
            }
            "for_statement" => self.for_statement(node, live),
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => self.branching(node, live),
            _ => Outcome::ends(self.simple(node, live)),
        }
    }

    fn for_statement(&mut self, node: Node<'tree>, live: bool) -> Outcome {
        let body = node.field_child("body");
        let header = syntax::named_children(node).into_iter().find(|child| Some(*child) != body);
        let mut live = live;
        let mut endless = true;
        if let Some(header) = header {
            // `for cond {}` and `for range x {}` may run zero times; `for {}` only ends by a branch.
            let has_condition = header.kind_name() != "for_clause" || header.field_child("condition").is_some();
            endless = !has_condition;
            let evaluated_first = match header.kind_name() {
                "for_clause" => {
                    let init = header.field_child("initializer");
                    if let Some(init) = init {
                        live = self.simple(init, live);
                    }
                    header.field_child("condition").is_some_and(|condition| self.uses_in(condition))
                }
                _ => self.uses_in(header),
            };
            if evaluated_first {
                live = false;
            }
        }
        let inside = body.map_or(Outcome::ends(live), |body| self.statement(body, live));
        let again = inside.falls_through || inside.continues;
        Outcome::ends(inside.breaks || (!endless && (live || again)))
    }

    fn branching(&mut self, node: Node<'tree>, live: bool) -> Outcome {
        let mut live = node.field_child("initializer").map_or(live, |init| self.simple(init, live));
        if node.field_child("value").is_some_and(|value| self.uses_in(value)) {
            live = false;
        }
        let cases: Vec<Node<'tree>> = syntax::named_children(node)
            .into_iter()
            .filter(|child| {
                matches!(child.kind_name(), "expression_case" | "type_case" | "communication_case" | "default_case")
            })
            .collect();
        let has_default = cases.iter().any(|case| case.kind_name() == "default_case");
        // A switch with no matching case goes on; a select always runs one case (or blocks).
        let mut outcome = Outcome::ends(live && !has_default && node.kind_name() != "select_statement");
        for case in cases {
            let mut case_live = live;
            let statements: Vec<Node<'tree>> = syntax::named_children(case)
                .into_iter()
                .filter(|child| {
                    if child.kind_name() == "statement_list" {
                        return true;
                    }
                    if self.uses_in(*child) {
                        case_live = false;
                    }
                    false
                })
                .collect();
            let after = self.statements(&statements, case_live);
            outcome.falls_through |= after.falls_through || after.breaks;
            outcome.continues |= after.continues;
        }
        outcome
    }
}

/// `panic(...)`, `os.Exit`, `log.Fatal*` and `t.Fatal*`/`t.Skip*`: the path ends here.
fn is_terminating(statement: Node<'_>, source: &str) -> bool {
    let Some(call) = statement.named_child(0).filter(|call| call.kind_name() == "call_expression") else { return false };
    match syntax::call_name(call, source) {
        Some((None, name)) => name == "panic",
        Some((Some(qualifier), name)) => {
            (qualifier == "os" && name == "Exit")
                || matches!(
                    name,
                    "Fatal"
                        | "Fatalf"
                        | "Fatalln"
                        | "Panic"
                        | "Panicf"
                        | "Panicln"
                        | "FailNow"
                        | "Skip"
                        | "Skipf"
                        | "SkipNow"
                )
        }
        None => false,
    }
}
