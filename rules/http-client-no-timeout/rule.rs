use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;
use crate::engine::service_code::{bound_name, outside_service};

pub static RULE: Rule = Rule {
    id: "http-client-no-timeout",
    family: "E6",
    summary: "A request through a client with no timeout, or http.NewRequest where a ctx is in scope",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    applicability: Applicability::Unsafe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Medium,
    tags: &["reliability"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["noctx"],
    requires_imports: &["net/http"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const NO_TIMEOUT: &str = "a server that accepts the connection and never answers hangs it forever";
const CLIENT_HELP: &str =
    "Use an `http.Client` with a `Timeout`, or a request built by `http.NewRequestWithContext` with a deadline";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(target), Some(package)) = (found.target(), found.get("package")) else { return };
    if !ctx.facts.imports.names(ctx.text(package), "net/http") {
        return;
    }
    let source: &str = &ctx.file.text;
    if let Some(body) = found.get("body") {
        client_literal(ctx, target, body, source);
    } else if let Some(method) = found.get("method") {
        default_client_call(ctx, target, ctx.text(method), source);
    } else if let Some(function) = found.get("function") {
        let name = ctx.text(function);
        if name == "NewRequest" {
            new_request(ctx, target, function, source);
        } else if !outside_service(ctx) {
            let message = format!("{}.{name} uses http.DefaultClient, which has no timeout: {NO_TIMEOUT}", ctx.text(package));
            ctx.report(target, message).help(CLIENT_HELP);
        }
    }
}

/// `http.DefaultClient.Get(url)` and the like always; `http.DefaultClient.Do(req)` when `req` was
/// built in this function without a context. A request with a context may carry a deadline.
fn default_client_call(ctx: &mut RuleContext<'_, '_>, call: Node<'_>, method: &str, source: &str) {
    if outside_service(ctx) {
        return;
    }
    match method {
        "Get" | "Post" | "Head" | "PostForm" => {}
        "Do" => {
            let [request] = syntax::call_arguments(call)[..] else { return };
            if !built_without_context(ctx, call, request, source) {
                return;
            }
        }
        _ => return,
    }
    let message = format!("http.DefaultClient.{method} has no timeout: {NO_TIMEOUT}");
    ctx.report(call, message).help(CLIENT_HELP);
}

/// `request` is a local whose only bindings in the function are `http.NewRequest(...)` and which
/// is never given a context afterwards (`req.WithContext(ctx)`, `req.Clone(ctx)`).
fn built_without_context(ctx: &RuleContext<'_, '_>, call: Node<'_>, request: Node<'_>, source: &str) -> bool {
    if request.kind_name() != "identifier" {
        return false;
    }
    let name = syntax::text(request, source);
    let Some(function) = ctx.types.ancestry().enclosing_functions(call).next() else { return false };
    let Some(body) = syntax::function_body(function) else { return false };
    let bindings = syntax::bindings_of(body, name, source);
    if bindings.is_empty() {
        return false;
    }
    let all_new_request = bindings.iter().all(|binding| {
        let value = binding.value.or_else(|| {
            // `req, err := http.NewRequest(...)`: one call for several names.
            let right = binding.statement.field_child("right")?;
            match syntax::named_children(right)[..] {
                [single] => Some(single),
                _ => None,
            }
        });
        value.is_some_and(|value| {
            let value = syntax::unparen(value);
            value.kind_name() == "call_expression"
                && syntax::call_name(value, source).is_some_and(|(qualifier, callee)| {
                    callee == "NewRequest" && qualifier.is_some_and(|q| ctx.facts.imports.names(q, "net/http"))
                })
        })
    });
    all_new_request && !given_context(body, name, source)
}

/// `name.WithContext(...)` or `name.Clone(...)` somewhere in `body`.
fn given_context(body: Node<'_>, name: &str, source: &str) -> bool {
    syntax::descendants(body).any(|node| {
        node.kind_name() == "call_expression"
            && syntax::call_name(node, source)
                .is_some_and(|(qualifier, method)| qualifier == Some(name) && matches!(method, "WithContext" | "Clone"))
    })
}

/// `http.NewRequest(...)` in a function where a `context.Context` is at hand: the request cannot
/// be cancelled, and a deadline on that context does not reach it.
fn new_request(ctx: &mut RuleContext<'_, '_>, call: Node<'_>, function: Node<'_>, source: &str) {
    if outside_service(ctx) {
        return;
    }
    let Some(context_name) = context_in_scope(ctx, call, source) else { return };
    if let Some(request) = request_name(call, source)
        && let Some(scope) = ctx.types.ancestry().enclosing_functions(call).next().and_then(syntax::function_body)
        && (given_context(scope, request, source) || handed_on(scope, request, context_name, source))
    {
        return;
    }
    let Some(arguments) = call.field_child("arguments") else { return };
    let message = format!(
        "http.NewRequest builds a request without a context while `{context_name}` is in scope: its cancellation and deadline never reach the request"
    );
    let edits = vec![
        Edit::replace(function.into(), "NewRequestWithContext"),
        Edit::insert(arguments.start_byte() + 1, format!("{context_name}, ")),
    ];
    ctx.report(call, message)
        .help(format!("Use `http.NewRequestWithContext({context_name}, ...)`"))
        .fix(Fix::unsafe_edits(edits));
}

/// The request is stored (`s.req = req`, where whoever sends it later adds the context) or passed
/// to a call together with the context (`a.do(ctx, req)`, which can attach it).
fn handed_on(body: Node<'_>, request: &str, context_name: &str, source: &str) -> bool {
    syntax::identifiers_named(body, request, source).any(|mention| {
        let Some(parent) = mention.parent_node() else { return false };
        match parent.kind_name() {
            "argument_list" => syntax::named_children(parent)
                .iter()
                .any(|argument| argument.kind_name() == "identifier" && syntax::text(*argument, source) == context_name),
            "expression_list" => parent.parent_node().is_some_and(|assignment| {
                assignment.kind_name() == "assignment_statement"
                    && assignment.field_child("right") == Some(parent)
                    && assignment.field_child("left").is_some_and(|left| {
                        syntax::named_children(left).iter().any(|target| target.kind_name() != "identifier")
                    })
            }),
            _ => false,
        }
    })
}

/// `req` in `req, err := http.NewRequest(...)` or `req, err = ...`.
fn request_name<'s>(call: Node<'_>, source: &'s str) -> Option<&'s str> {
    let values = call.parent_node().filter(|parent| parent.kind_name() == "expression_list")?;
    let holder = values.parent_node()?;
    if !matches!(holder.kind_name(), "short_var_declaration" | "assignment_statement") {
        return None;
    }
    let first = syntax::named_children(holder.field_child("left")?).into_iter().next()?;
    (first.kind_name() == "identifier").then(|| syntax::text(first, source))
}

/// The name of a `context.Context` the call can see: a parameter of the innermost enclosing
/// function that has one, else a local of that type declared before the call.
fn context_in_scope<'s>(ctx: &RuleContext<'_, '_>, call: Node<'_>, source: &'s str) -> Option<&'s str> {
    for function in ctx.types.ancestry().enclosing_functions(call) {
        for parameter in syntax::parameters_of(function) {
            if flow::is_context_type(parameter.type_node, &ctx.facts.imports, source)
                && let Some(name) = parameter.name.map(|name| syntax::text(name, source))
                && name != "_"
            {
                return Some(name);
            }
        }
        let Some(body) = syntax::function_body(function) else { continue };
        let locals = ctx.types.locals(function);
        let mut typed: Vec<&String> = locals
            .iter()
            .filter(|(_, ty)| ty.as_deref() == Some("context.Context"))
            .map(|(name, _)| name)
            .collect();
        typed.sort();
        for name in typed {
            let declared_before = syntax::bindings_of(body, name, source).into_iter().find(|binding| {
                binding.kind != syntax::BindingKind::Assign
                    && binding.statement.end_byte() <= call.start_byte()
                    && syntax::enclosing_function(binding.statement) == Some(function)
            });
            if let Some(binding) = declared_before {
                return Some(syntax::text(binding.name, source));
            }
        }
    }
    None
}

/// An `http.Client{...}` literal without `Timeout`, unless the code sets `Timeout` afterwards
/// (on the variable it is bound to, or, when it is stored or passed on, anywhere in the file).
fn client_literal(ctx: &mut RuleContext<'_, '_>, literal: Node<'_>, body: Node<'_>, source: &str) {
    if outside_service(ctx) {
        return;
    }
    let keys = syntax::literal_keys(body, source);
    // A client built around its own transport is one whose author chose how its connections
    // time out; real code then bounds each request with a context.
    if keys.contains(&"Timeout") || keys.contains(&"Transport") {
        return;
    }
    if sets_field_later(ctx, literal, "Timeout", source) || sends_requests_with_context(ctx, literal, source) {
        return;
    }
    let opening = body.child(0).map_or(literal.end_byte(), |brace| brace.end_byte());
    ctx.report(Span::new(literal.start_byte(), opening), format!("this http.Client has no Timeout: {NO_TIMEOUT}"))
        .help(CLIENT_HELP);
}

/// Whether `field` is assigned after the literal: on the variable it is bound to in the same
/// top-level declaration, or, for a package-level variable or a literal stored elsewhere, on
/// anything in the file.
fn sets_field_later(ctx: &RuleContext<'_, '_>, literal: Node<'_>, field: &str, source: &str) -> bool {
    let bound_to = bound_name(literal, source);
    let declaration = ctx.types.ancestry().top_level_declaration(literal);
    let scope = match (bound_to, declaration) {
        (Some(_), Some(declaration)) if declaration.kind_name() != "var_declaration" => declaration,
        _ => ctx.tree.root_node(),
    };
    syntax::descendants(scope).filter(|node| node.kind_name() == "assignment_statement").any(|assignment| {
        let Some(left) = assignment.field_child("left") else { return false };
        syntax::named_children(left).into_iter().any(|target| {
            if target.kind_name() != "selector_expression"
                || target.field_child("field").is_none_or(|name| syntax::text(name, source) != field)
            {
                return false;
            }
            let Some(name) = bound_to else { return true };
            target.field_child("operand").is_some_and(|operand| {
                let operand = syntax::unparen(operand);
                operand.kind_name() == "identifier" && syntax::text(operand, source) == name
            })
        })
    })
}

/// A client bound to a local in a function that builds its requests with a context
/// (`http.NewRequestWithContext`, `req.WithContext`): the context bounds each request, and a
/// client `Timeout` would also cut off long downloads that the context allows.
fn sends_requests_with_context(ctx: &RuleContext<'_, '_>, literal: Node<'_>, source: &str) -> bool {
    if bound_name(literal, source).is_none() {
        return false;
    }
    let Some(declaration) = ctx.types.ancestry().top_level_declaration(literal) else { return false };
    if declaration.kind_name() == "var_declaration" {
        return false;
    }
    syntax::descendants(declaration).any(|node| {
        node.kind_name() == "call_expression"
            && syntax::call_name(node, source)
                .is_some_and(|(_, name)| matches!(name, "NewRequestWithContext" | "WithContext"))
    })
}
