use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;
use crate::engine::service_code::{bound_name, outside_service};

pub static RULE: Rule = Rule {
    id: "http-server-no-timeout",
    family: "E5",
    summary: "An http.Server without ReadHeaderTimeout/ReadTimeout, or http.ListenAndServe/Serve: slow clients hold connections",
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability", "security"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["gosec"],
    requires_imports: &["net/http"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// The fields that bound how long a client may take to send its request headers.
const READ_TIMEOUTS: [&str; 2] = ["ReadHeaderTimeout", "ReadTimeout"];

const HELP: &str = "Serve with an `http.Server` that sets `ReadHeaderTimeout` (and `ReadTimeout`, `WriteTimeout`, `IdleTimeout` as the handlers allow)";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(target), Some(package)) = (found.target(), found.get("package")) else { return };
    if !ctx.facts.imports.names(ctx.text(package), "net/http") {
        return;
    }
    // Test servers serve the test itself, on loopback, for the length of the test.
    if outside_service(ctx) {
        return;
    }
    let source: &str = &ctx.file.text;
    if let Some(function) = found.get("function") {
        let name = ctx.text(function);
        if listens_on_loopback(target, source) {
            return;
        }
        let message = format!(
            "{}.{name} serves with a zero http.Server, which has no timeouts: a client that sends its request slowly holds a connection and a goroutine for as long as it likes",
            ctx.text(package)
        );
        ctx.report(target, message).help(HELP);
        return;
    }
    let Some(body) = found.get("body") else { return };
    if syntax::literal_keys(body, source).iter().any(|key| READ_TIMEOUTS.contains(key)) {
        return;
    }
    if sets_read_timeout_later(ctx, target, source) || configures_test_server(target, source) {
        return;
    }
    // Point at `http.Server{`: the literal itself may run over many lines.
    let opening = body.child(0).map_or(target.end_byte(), |brace| brace.end_byte());
    let span = Span::new(target.start_byte(), opening);
    ctx.report(
        span,
        "this http.Server sets neither ReadHeaderTimeout nor ReadTimeout: a client that sends its headers slowly holds a connection and a goroutine for as long as it likes",
    )
    .help(HELP);
}

/// Whether a read timeout is assigned after the literal: on the variable it is bound to
/// (`srv.ReadHeaderTimeout = ...`) anywhere in the same top-level declaration, or, when the
/// literal is stored elsewhere (a field, a return value, an argument), on anything in the file,
/// since the code that finishes the server's setup is then out of sight.
fn sets_read_timeout_later(ctx: &RuleContext<'_, '_>, literal: Node<'_>, source: &str) -> bool {
    let bound_to = bound_name(literal, source);
    let declaration = ctx.types.ancestry().top_level_declaration(literal);
    // A package-level server may be finished in `init` or anywhere else in the file.
    let scope = match (bound_to, declaration) {
        (Some(_), Some(declaration)) if declaration.kind_name() != "var_declaration" => declaration,
        _ => ctx.tree.root_node(),
    };
    syntax::descendants(scope).filter(|node| node.kind_name() == "assignment_statement").any(|assignment| {
        let Some(left) = assignment.field_child("left") else { return false };
        syntax::named_children(left).into_iter().any(|target| {
            if target.kind_name() != "selector_expression" {
                return false;
            }
            let Some(field) = target.field_child("field") else { return false };
            if !READ_TIMEOUTS.contains(&syntax::text(field, source)) {
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

/// `httptest.Server{Config: &http.Server{...}}`: the configuration of a test server.
fn configures_test_server(literal: Node<'_>, source: &str) -> bool {
    let mut value = literal;
    if let Some(parent) = value.parent_node()
        && parent.kind_name() == "unary_expression"
    {
        value = parent;
    }
    let Some(element) = value.parent_node().filter(|parent| parent.kind_name() == "literal_element") else { return false };
    let Some(keyed) = element.parent_node().filter(|parent| parent.kind_name() == "keyed_element") else { return false };
    if keyed.field_child("key").is_none_or(|key| syntax::text(key, source).trim() != "Config") {
        return false;
    }
    let outer = keyed.parent_node().and_then(|body| body.parent_node()).filter(|outer| outer.kind_name() == "composite_literal");
    outer.and_then(|outer| outer.field_child("type")).is_some_and(|ty| {
        let text = syntax::text(ty, source);
        text == "httptest.Server" || text == "Server"
    })
}

/// `http.ListenAndServe("localhost:6060", nil)`: only this machine can connect.
fn listens_on_loopback(call: Node<'_>, source: &str) -> bool {
    let Some(address) = syntax::call_arguments(call).into_iter().next() else { return false };
    if !matches!(address.kind_name(), "interpreted_string_literal" | "raw_string_literal") {
        return false;
    }
    let address = syntax::text(address, source).trim_matches(|c| c == '"' || c == '`');
    ["localhost:", "127.0.0.1:", "[::1]:"].iter().any(|prefix| address.starts_with(prefix))
}

