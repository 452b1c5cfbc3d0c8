use crate::syntax::{FieldChild as _, KindName as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "error-type-assert",
    family: "E4",
    summary: "A type assertion or type switch on an error, which misses wrapped errors",
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability", "errors"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["errorlint"],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// Go 1.26 adds the generic `errors.AsType[T](err) (T, bool)`.
const AS_TYPE: GoVersion = GoVersion::new(1, 26);

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(target), Some(value)) = (found.target(), found.get("value")) else { return };
    let value = syntax::unparen(value);
    if !is_error(ctx, value) || inside_error_method(ctx, target) || walks_the_chain(ctx, value, target) {
        return;
    }
    let source = source_call(ctx, value, target);
    if source.and_then(|call| ctx.types.call(call)).is_some_and(|info| info.from_stdlib) {
        return;
    }
    let types: Vec<Node<'_>> = if target.kind_name() == "type_switch_statement" {
        syntax::named_children(target)
            .into_iter()
            .filter(|node| node.kind_name() == "type_case")
            .flat_map(|case| {
                let mut cursor = case.walk();
                case.children_by_field_name("type", &mut cursor).collect::<Vec<_>>()
            })
            .collect()
    } else {
        found.get("type").into_iter().collect()
    };
    let error_types: Vec<&str> = types.iter().filter(|ty| may_be_error_type(ctx, **ty)).map(|ty| shown_type(ctx, *ty)).collect();
    // Every asserted type comes from the package the error comes from: that package's contract.
    if let Some(call) = source
        && let Some(callee_package) = callee_package(ctx, call)
        && types.iter().filter(|ty| may_be_error_type(ctx, **ty)).all(|ty| type_package(ctx, *ty).as_deref() == Some(callee_package.as_str()))
    {
        return;
    }
    let Some(first) = error_types.first() else { return };
    let as_type = ctx.facts.go_version.is_some_and(|version| version >= AS_TYPE);
    let help = if as_type {
        format!("Use `errors.AsType[{first}]({})`, which also finds it inside wrapped errors", ctx.text(value))
    } else {
        format!("Use `var target {first}; errors.As({}, &target)`, which also finds it inside wrapped errors", ctx.text(value))
    };
    // A type of the asserting package itself: the package decides whether its own code wraps
    // it, so `==`-style identity is a defensible local convention (`info`), as it is in tests.
    let own_types = types
        .iter()
        .filter(|ty| may_be_error_type(ctx, **ty))
        .all(|ty| ctx.facts.package_path.is_some() && type_package(ctx, *ty).as_deref() == ctx.facts.package_path);
    let severity = if ctx.facts.is_test_file || own_types { Severity::Info } else { ctx.rule.severity };
    let (span, message) = if target.kind_name() == "type_switch_statement" {
        let header_end = target.field_child("value").map_or(target.end_byte(), |value| value.end_byte());
        (
            Span::new(target.start_byte(), header_end),
            format!(
                "type switch on the error `{}`: a wrapped {} matches no case",
                ctx.text(value),
                error_types.join(", ")
            ),
        )
    } else {
        (Span::from(target), format!("type assertion on the error `{}`: it fails for a wrapped {first}", ctx.text(value)))
    };
    ctx.report(span, message).help(help).severity(severity);
}

/// How a type is named in messages: an interface literal spread over lines is `interface{...}`.
fn shown_type<'s>(ctx: &RuleContext<'s, '_>, ty: Node<'_>) -> &'s str {
    if ty.kind_name() == "interface_type" && ctx.text(ty).contains('\n') { "interface{...}" } else { ctx.text(ty) }
}

/// An error value: declared `error` (a parameter, a local bound from a call returning `error`),
/// or a plain name spelled like one (`err`, `readErr`) whose type is unknown.
fn is_error(ctx: &RuleContext<'_, '_>, value: Node<'_>) -> bool {
    if let Some(ty) = ctx.types.type_of(value) {
        return ty == "error";
    }
    value.kind_name() == "identifier" && {
        let name = ctx.text(value);
        name == "err" || name.ends_with("Err")
    }
}

/// `Is`, `As` and `Unwrap` methods look at one link of the chain on purpose; so does
/// `Error` formatting its own cause.
fn inside_error_method(ctx: &RuleContext<'_, '_>, node: Node<'_>) -> bool {
    ctx.types.ancestry().enclosing_functions(node).any(|function| {
        function.kind_name() == "method_declaration"
            && function.field_child("name").is_some_and(|name| matches!(ctx.text(name), "Is" | "As" | "Unwrap"))
    })
}

/// A hand-written walk down the chain: the value is `errors.Unwrap(x)` (or `x.Unwrap()`), or a
/// name the function assigns from one. Each link is then asserted on its own, as `errors.As`
/// would do.
fn walks_the_chain(ctx: &RuleContext<'_, '_>, value: Node<'_>, at: Node<'_>) -> bool {
    let is_unwrap = |node: Node<'_>| {
        let node = syntax::unparen(node);
        node.kind_name() == "call_expression" && syntax::call_name(node, &ctx.file.text).is_some_and(|(_, name)| name == "Unwrap")
    };
    if is_unwrap(value) {
        return true;
    }
    if value.kind_name() != "identifier" {
        return false;
    }
    let Some(function) = ctx.types.ancestry().enclosing_functions(at).next() else { return false };
    let Some(body) = function.field_child("body") else { return false };
    syntax::bindings_of(body, ctx.text(value), &ctx.file.text)
        .iter()
        .any(|binding| binding.value.is_some_and(is_unwrap))
}

/// The call the error comes straight from: the value itself, or the last assignment to the name
/// before the assertion.
fn source_call<'tree>(ctx: &RuleContext<'_, 'tree>, value: Node<'tree>, at: Node<'tree>) -> Option<Node<'tree>> {
    match value.kind_name() {
        "call_expression" => Some(value),
        "identifier" => last_assigned_call(ctx, value, at),
        _ => None,
    }
}

/// The import path of the package whose function or method `call` calls, when known.
fn callee_package(ctx: &RuleContext<'_, '_>, call: Node<'_>) -> Option<String> {
    let function = syntax::unparen(call.field_child("function")?);
    match function.kind_name() {
        "identifier" => ctx.facts.package_path.map(str::to_string),
        "selector_expression" => {
            let operand = function.field_child("operand")?;
            if operand.kind_name() == "identifier"
                && let Some(path) = ctx.facts.imports.path_of(ctx.text(operand))
                && ctx.types.type_of(operand).is_none()
            {
                return Some(path.to_string());
            }
            ctx.types.call(call).and_then(|info| info.receiver).map(|(path, _)| path)
        }
        _ => None,
    }
}

/// The import path of the package that declares an asserted type (`*NotFoundError` here,
/// `*sftp.StatusError` there).
fn type_package(ctx: &RuleContext<'_, '_>, ty: Node<'_>) -> Option<String> {
    match ty.kind_name() {
        "pointer_type" => type_package(ctx, syntax::named_children(ty).into_iter().next()?),
        "type_identifier" => ctx.facts.package_path.map(str::to_string),
        "qualified_type" => {
            let package = ty.field_child("package")?;
            ctx.facts.imports.path_of(ctx.text(package)).map(str::to_string)
        }
        _ => None,
    }
}

fn last_assigned_call<'tree>(ctx: &RuleContext<'_, 'tree>, name: Node<'tree>, at: Node<'tree>) -> Option<Node<'tree>> {
    let function = syntax::enclosing_function(at)?;
    let body = function.field_child("body")?;
    let binding = syntax::bindings_of(body, ctx.text(name), &ctx.file.text)
        .into_iter()
        .filter(|binding| binding.statement.start_byte() < at.start_byte())
        .max_by_key(|binding| binding.statement.start_byte())?;
    let value = match binding.value {
        Some(value) => value,
        None => {
            let right =
                binding.statement.field_child("right").or_else(|| binding.statement.field_child("value"))?;
            match syntax::named_children(right).as_slice() {
                [single] => *single,
                _ => return None,
            }
        }
    };
    let value = syntax::unparen(value);
    (value.kind_name() == "call_expression").then_some(value)
}

/// Whether the asserted type may implement `error`. Like go-errorlint, an assertion to an
/// interface that is not an error (`err.(interface{ Timeout() bool })`, a package's own
/// `causer` interface) probes a behaviour of this one value and is left alone.
fn may_be_error_type(ctx: &RuleContext<'_, '_>, ty: Node<'_>) -> bool {
    if ctx.text(ty) == "nil" {
        return false;
    }
    match ty.kind_name() {
        // An interface literal is an error when it lists `Error()` or embeds `error`.
        "interface_type" => syntax::named_children(ty).iter().any(|element| {
            let name = element.field_child("name").map(|name| ctx.text(name));
            name == Some("Error") || ctx.text(*element).trim() == "error"
        }),
        "type_identifier" => {
            let name = ctx.text(ty);
            if name == "error" {
                return false;
            }
            let interface = ctx.package.and_then(|package| package.interface_type(name));
            match interface {
                Some(interface) => {
                    interface.methods.iter().any(|method| &*method.name == "Error")
                        || interface.embeds.iter().any(|embedded| &**embedded == "error")
                }
                None => true,
            }
        }
        _ => true,
    }
}
