use crate::engine::prelude::*;

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
    if keys_of(body, source).iter().any(|key| READ_TIMEOUTS.contains(key)) {
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

/// The field names a struct literal sets (`Addr: ...` gives `Addr`).
fn keys_of<'s>(body: Node<'_>, source: &'s str) -> Vec<&'s str> {
    syntax::named_children(body)
        .into_iter()
        .filter(|element| element.kind() == "keyed_element")
        .filter_map(|element| element.child_by_field_name("key"))
        .map(|key| syntax::text(key, source).trim())
        .collect()
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
        (Some(_), Some(declaration)) if declaration.kind() != "var_declaration" => declaration,
        _ => ctx.tree.root_node(),
    };
    syntax::descendants(scope).filter(|node| node.kind() == "assignment_statement").any(|assignment| {
        let Some(left) = assignment.child_by_field_name("left") else { return false };
        syntax::named_children(left).into_iter().any(|target| {
            if target.kind() != "selector_expression" {
                return false;
            }
            let Some(field) = target.child_by_field_name("field") else { return false };
            if !READ_TIMEOUTS.contains(&syntax::text(field, source)) {
                return false;
            }
            let Some(name) = bound_to else { return true };
            target.child_by_field_name("operand").is_some_and(|operand| {
                let operand = syntax::unparen(operand);
                operand.kind() == "identifier" && syntax::text(operand, source) == name
            })
        })
    })
}

/// `srv` in `srv := &http.Server{...}`, `var srv = http.Server{...}` or `srv = &http.Server{...}`.
fn bound_name<'s>(literal: Node<'_>, source: &'s str) -> Option<&'s str> {
    let mut value = literal;
    if let Some(parent) = value.parent()
        && parent.kind() == "unary_expression"
    {
        value = parent;
    }
    let values = value.parent().filter(|parent| parent.kind() == "expression_list")?;
    let position = syntax::named_children(values).iter().position(|node| *node == value)?;
    let holder = values.parent()?;
    let targets = match holder.kind() {
        "short_var_declaration" | "assignment_statement" => syntax::named_children(holder.child_by_field_name("left")?),
        "var_spec" => {
            let mut cursor = holder.walk();
            holder.children_by_field_name("name", &mut cursor).collect()
        }
        _ => return None,
    };
    let target = targets.get(position)?;
    (target.kind() == "identifier").then(|| syntax::text(*target, source))
}

/// Code that is not part of a running service, where a missing timeout harms nobody: test files,
/// test-support, example and developer-tool directories, mocks, and files built only on request
/// (`//go:build ignore`).
fn outside_service(ctx: &RuleContext<'_, '_>) -> bool {
    if ctx.facts.is_test_file {
        return true;
    }
    let path = &ctx.file.display_path;
    let in_support_dir = package_directories(ctx).into_iter().any(|directory| {
        matches!(
            directory,
            "example"
                | "examples"
                | "_examples"
                | "test"
                | "tests"
                | "testutil"
                | "testutils"
                | "testing"
                | "e2e"
                | "tools"
                | "contrib"
                | "hack"
                | "scripts"
        )
    });
    let is_mock = path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.contains("mock"));
    in_support_dir || is_mock || built_only_on_request(&ctx.file.text)
}

/// A `//go:build ignore` (or `none`) line before the package clause: a generator or a demo that
/// `go build ./...` leaves out.
fn built_only_on_request(text: &str) -> bool {
    text.lines()
        .take_while(|line| !line.starts_with("package "))
        .filter_map(|line| line.trim().strip_prefix("//go:build "))
        .any(|constraint| matches!(constraint.trim(), "ignore" | "none"))
}

/// `httptest.Server{Config: &http.Server{...}}`: the configuration of a test server.
fn configures_test_server(literal: Node<'_>, source: &str) -> bool {
    let mut value = literal;
    if let Some(parent) = value.parent()
        && parent.kind() == "unary_expression"
    {
        value = parent;
    }
    let Some(element) = value.parent().filter(|parent| parent.kind() == "literal_element") else { return false };
    let Some(keyed) = element.parent().filter(|parent| parent.kind() == "keyed_element") else { return false };
    if keyed.child_by_field_name("key").is_none_or(|key| syntax::text(key, source).trim() != "Config") {
        return false;
    }
    let outer = keyed.parent().and_then(|body| body.parent()).filter(|outer| outer.kind() == "composite_literal");
    outer.and_then(|outer| outer.child_by_field_name("type")).is_some_and(|ty| {
        let text = syntax::text(ty, source);
        text == "httptest.Server" || text == "Server"
    })
}

/// `http.ListenAndServe("localhost:6060", nil)`: only this machine can connect.
fn listens_on_loopback(call: Node<'_>, source: &str) -> bool {
    let Some(address) = syntax::call_arguments(call).into_iter().next() else { return false };
    if !matches!(address.kind(), "interpreted_string_literal" | "raw_string_literal") {
        return false;
    }
    let address = syntax::text(address, source).trim_matches(|c| c == '"' || c == '`');
    ["localhost:", "127.0.0.1:", "[::1]:"].iter().any(|prefix| address.starts_with(prefix))
}

/// The directories of the file's package inside its module: `cmd/server` for
/// `github.com/acme/shop/cmd/server`. The module path is not known here, so it is estimated: a
/// code host's `host/owner/repo` or another domain's `domain/name`, with a `/vN` suffix. Outside a
/// module, the directories of the path as shown.
fn package_directories<'a>(ctx: &RuleContext<'a, '_>) -> Vec<&'a str> {
    let Some(package_path) = ctx.facts.package_path else {
        let shown = ctx.file.display_path.parent().and_then(|dir| dir.to_str()).unwrap_or("");
        return shown.split(['/', '\\']).collect();
    };
    let segments: Vec<&str> = package_path.split('/').collect();
    let mut skip = match segments.first() {
        Some(host) if matches!(*host, "github.com" | "gitlab.com" | "bitbucket.org" | "golang.org") => 3,
        Some(host) if host.contains('.') => 2,
        _ => 0,
    };
    while segments.get(skip).is_some_and(|segment| {
        segment.strip_prefix('v').is_some_and(|major| !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()))
    }) {
        skip += 1;
    }
    segments.into_iter().skip(skip).collect()
}
