//! Where a finding's code runs: in a service, or in tests, examples and developer tools where
//! the hazard harms nobody. Shared by the rules about a running service's hygiene.

use crate::engine::context::RuleContext;
use crate::syntax;
use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use tree_sitter::Node;

/// Code that is not part of a running service, where a missing timeout harms nobody: test files,
/// test-support, example and developer-tool directories, mocks, and files built only on request
/// (`//go:build ignore`).
pub fn outside_service(ctx: &RuleContext<'_, '_>) -> bool {
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

/// `c` in `c := &http.Client{...}`, `var c = http.Client{...}` or `c = &http.Client{...}`.
pub fn bound_name<'s>(literal: Node<'_>, source: &'s str) -> Option<&'s str> {
    let mut value = literal;
    if let Some(parent) = value.parent_node()
        && parent.kind_name() == "unary_expression"
    {
        value = parent;
    }
    let values = value.parent_node().filter(|parent| parent.kind_name() == "expression_list")?;
    let position = syntax::named_children(values).iter().position(|node| *node == value)?;
    let holder = values.parent_node()?;
    let targets = match holder.kind_name() {
        "short_var_declaration" | "assignment_statement" => syntax::named_children(holder.field_child("left")?),
        "var_spec" => {
            let mut cursor = holder.walk();
            holder.children_by_field_name("name", &mut cursor).collect()
        }
        _ => return None,
    };
    let target = targets.get(position)?;
    (target.kind_name() == "identifier").then(|| syntax::text(*target, source))
}

/// The names a binding statement (`:=`, `=`, or a `var` spec) binds, in order.
pub fn bound_targets(statement: Node<'_>) -> Vec<Node<'_>> {
    match statement.kind_name() {
        "var_spec" => {
            let mut cursor = statement.walk();
            statement.children_by_field_name("name", &mut cursor).collect()
        }
        _ => statement.field_child("left").map(syntax::named_children).unwrap_or_default(),
    }
}

/// For a resource that `statement` binds to the local `name`: the body of the function it
/// belongs to, when every use of it is in sight there. Not so for a parameter or named
/// result (the caller holds it too), nor for `name = ...` on a variable declared elsewhere.
pub fn owning_function<'a>(
    ctx: &RuleContext<'a, '_>,
    statement: Node<'a>,
    name: &str,
    source: &str,
) -> Option<Node<'a>> {
    let function = ctx.types.ancestry().enclosing_functions(statement).next()?;
    let body = syntax::function_body(function)?;
    if syntax::signature_names(function, source).contains(&name) {
        return None;
    }
    let declared_here = || {
        syntax::bindings_of(body, name, source).iter().any(|binding| {
            binding.kind != syntax::BindingKind::Assign
                && syntax::enclosing_function(binding.statement) == Some(function)
        })
    };
    if statement.kind_name() == "assignment_statement" && !declared_here() {
        return None;
    }
    Some(body)
}
