use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "channel-never-closed",
    family: "A7",
    summary: "A `for range` over a channel made in the same function that nothing closes never ends",
    severity: Severity::Error,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
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

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(for_statement), Some(clause), Some(channel)) =
        (found.target(), found.get("clause"), found.get("channel"))
    else {
        return;
    };
    let source: &str = &ctx.file.text;
    let Some(scope) = ctx.types.ancestry().top_level_declaration(for_statement) else { return };
    // Cheap reject before walking the function: most ranges are over slices and maps.
    if !ctx.text(scope).contains("chan") {
        return;
    }
    // `main` consumers and their workers are meant to live as long as the process.
    if ctx.facts.is_main_package()
        && scope.kind_name() == "function_declaration"
        && syntax::function_name(scope, source) == Some("main")
    {
        return;
    }
    // A loop with its own way out (a counted `break`, a `return`, `t.Fatalf` on the first value)
    // is not waiting for a close.
    if flow::Loop::new(for_statement).is_some_and(|loop_| !flow::loop_exits(&loop_, source).is_empty()) {
        return;
    }
    let name = ctx.text(channel);
    let Some(binding) = sole_local_make(scope, for_statement, name, source) else { return };
    let Some(make) = binding.value else { return };
    // Every other mention must be a plain send, receive or range, or a plain argument to a
    // project function whose summary says it keeps the channel and never closes it: a `close`
    // anywhere means the author handles it, and any other use (return, store, copy, `&ch`, an
    // unknown callee, a second declaration of the name) means the channel may be closed where
    // we cannot see.
    let mut handed_to = None;
    for mention in syntax::identifiers_named(scope, name, source) {
        if mention == binding.name || is_local_traffic(mention, source) {
            continue;
        }
        match callee_that_keeps(ctx, mention) {
            Some(callee) => {
                handed_to.get_or_insert(callee);
            }
            None => return,
        }
    }
    let header = Span::new(for_statement.start_byte(), clause.end_byte());
    let message = match &handed_to {
        Some((callee, _)) => {
            format!("`for range {name}` never ends: `{name}` is passed to `{callee}`, which never closes it")
        }
        None => format!("`for range {name}` never ends: `{name}` is made in this function but never closed"),
    };
    let finding = ctx
        .report(header, message)
        .label(make, format!("`{name}` is made here and nothing closes it"))
        .help(format!(
            "The producer must `close({name})` when done, usually `defer close({name})` in the sending goroutine"
        ));
    if let Some((callee, call)) = handed_to {
        finding.label(call, format!("`{callee}` never closes `{name}`, nor hands it to anything that does"));
    }
}

/// For a channel passed as a plain argument, the callee's name and the call, when the callee is
/// a project function whose summary says it keeps that parameter (uses it only for traffic and
/// passes it only to functions that do the same) and never closes it.
fn callee_that_keeps<'tree>(ctx: &RuleContext<'_, 'tree>, mention: Node<'tree>) -> Option<(String, Node<'tree>)> {
    let source: &str = &ctx.file.text;
    let arguments = mention.parent_node().filter(|parent| parent.kind_name() == "argument_list")?;
    let call = arguments.parent_node().filter(|call| call.kind_name() == "call_expression")?;
    let function = syntax::unparen(call.field_child("function")?);
    let args = syntax::call_arguments(call);
    let index = args.iter().position(|arg| *arg == mention)?;
    let (project, package) = (ctx.project?, ctx.package?);
    let (name, qualifier) = match function.kind_name() {
        "identifier" => (syntax::text(function, source), None),
        "selector_expression" => (
            syntax::text(function.field_child("field")?, source),
            Some(syntax::unparen(function.field_child("operand")?)),
        ),
        _ => return None,
    };
    let (owner, func) = match ctx.types.call(call) {
        Some(info) if info.from_stdlib => return None,
        Some(info) => match (&info.receiver, qualifier) {
            (Some((path, type_name)), _) => project.method_of_type(&format!("{path}.{type_name}"), name)?,
            (None, None) => (package, package.function(name)?),
            (None, Some(qualifier)) => {
                let path = ctx.facts.imports.path_of(syntax::text(qualifier, source))?;
                let owner = project.package_by_import_path(path)?;
                (owner, owner.function(name)?)
            }
        },
        // `x.m(ch)` on a value nothing types: an unexported method declared once in the package.
        None => {
            let operand = qualifier.filter(|operand| operand.kind_name() == "identifier")?;
            let operand_name = syntax::text(operand, source);
            if ctx.facts.imports.path_of(operand_name).is_some() || package.type_decl(operand_name).is_some() {
                return None;
            }
            (package, package.unique_unexported_method(name)?)
        }
    };
    // The argument must land on a channel parameter of its own (not a variadic tail, not a
    // method expression's receiver).
    let signature = func.signature()?;
    let param = signature.params.get(index)?;
    let is_channel = ["chan ", "chan<- ", "<-chan "].iter().any(|prefix| param.ty.starts_with(prefix));
    if signature.variadic || signature.params.len() != args.len() || !is_channel {
        return None;
    }
    let summary = func.summary();
    (summary.keeps_param(index) && !summary.closes_param(index))
        .then(|| (func.display_name(owner, Some(package.id())), call))
}

/// The one binding of `name` in `scope` when it is `name := make(chan ...)` or
/// `var name = make(chan ...)` and its scope covers the `for` statement.
fn sole_local_make<'tree>(
    scope: Node<'tree>,
    for_statement: Node<'tree>,
    name: &str,
    source: &str,
) -> Option<syntax::Binding<'tree>> {
    let bindings = syntax::bindings_of(scope, name, source);
    let [binding] = bindings.as_slice() else { return None };
    if binding.kind == syntax::BindingKind::Assign {
        return None;
    }
    syntax::make_chan(binding.value?, source)?;
    let statement = if binding.statement.kind_name() == "var_spec" {
        syntax::ancestors(binding.statement).find(|node| node.kind_name() == "var_declaration")?
    } else {
        binding.statement
    };
    let block = statement.parent_node()?;
    let in_scope = syntax::contains(block, for_statement) && statement.end_byte() <= for_statement.start_byte();
    in_scope.then_some(*binding)
}

/// Uses of a channel that neither close it nor hand it to anyone else.
fn is_local_traffic(mention: Node<'_>, source: &str) -> bool {
    let Some(parent) = mention.parent_node() else { return false };
    let is_field = |field: &str| parent.field_child(field) == Some(mention);
    match parent.kind_name() {
        "range_clause" => is_field("right"),
        "send_statement" => is_field("channel"),
        "unary_expression" => parent.field_child("operator").is_some_and(|op| syntax::text(op, source) == "<-"),
        "binary_expression" => {
            parent.field_child("operator").is_some_and(|op| matches!(syntax::text(op, source), "==" | "!="))
        }
        "argument_list" => parent.parent_node().is_some_and(|call| {
            call.kind_name() == "call_expression" && matches!(syntax::call_name(call, source), Some((None, "len" | "cap")))
        }),
        _ => false,
    }
}
