use crate::syntax::KindName as _;
use crate::engine::prelude::*;
use crate::engine::facts::types::TypeEnv;

pub static RULE: Rule = Rule {
    id: "signal-unbuffered",
    family: "E9",
    summary: "signal.Notify is given an unbuffered channel, so signals can be dropped",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    applicability: Applicability::Safe,
    status: Status::Stable,
    set: RuleSet::Default,
    precision: Precision::VeryHigh,
    tags: &["reliability"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["govet", "sigchanyzer"],
    requires_imports: &["os/signal"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Give the channel a buffer: `make(chan os.Signal, 1)`";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(call), Some(package), Some(channel)) = (found.target(), found.get("package"), found.get("channel")) else {
        return;
    };
    if !ctx.facts.imports.names(ctx.text(package), "os/signal") {
        return;
    }
    let source: &str = &ctx.file.text;
    let channel = syntax::unparen(channel);
    // A channel made inline in the call can never be received from, so a buffer would change
    // nothing; only a named channel someone receives on can miss a signal.
    if channel.kind_name() != "identifier" {
        return;
    }
    let name = ctx.text(channel);
    let Some(make) = single_make(ctx.types, call, name, source) else { return };
    let Some((channel_type, capacity)) = syntax::make_chan(make, source) else { return };
    if capacity.is_some() {
        return;
    }
    ctx.report(call, format!("signal.Notify is given the unbuffered channel `{name}`; a signal that arrives while nobody receives is dropped"))
        .label(make, "made without a buffer here")
        .help(HELP)
        .fix(Fix::safe(vec![Edit::insert(channel_type.end_byte(), ", 1")]));
}

/// The `make(...)` that gives `name` its only value in the function around `call` (or at
/// package level). Several assignments, or none we can see, mean we do not know.
fn single_make<'tree>(types: &TypeEnv<'tree>, call: Node<'tree>, name: &str, source: &str) -> Option<Node<'tree>> {
    let ancestry = types.ancestry();
    // One descent from the root, not a `parent()` walk: linear in the nesting depth.
    let scope = ancestry
        .enclosing_functions(call)
        .next()
        .and_then(|function| ancestry.top_level_declaration(function))
        .or_else(|| ancestry.top_level_declaration(call))?;
    let bindings = syntax::bindings_of(scope, name, source);
    if !bindings.is_empty() {
        return only_make(&bindings, source);
    }
    // No binding in the function: a package-level `var`. Which declaration binds the name depends
    // on the file and the name alone, so it is found once per name: a walk over every declaration
    // for each call was quadratic (the fuzzer found a file of 3,000 broken functions, each with a
    // call, that took over 30 s under the sanitizers).
    let index = types.remember_position("signal-unbuffered: package var", ancestry.root(), name, || {
        let mut binding_declarations = ancestry
            .top_level_children()
            .enumerate()
            .filter(|(_, declaration)| declaration.kind_name() == "var_declaration")
            .filter(|(_, declaration)| !syntax::bindings_of(*declaration, name, source).is_empty());
        // Two declarations binding the name are two bindings: no single make.
        match (binding_declarations.next(), binding_declarations.next()) {
            (Some((index, _)), None) => Some(index),
            _ => None,
        }
    })?;
    let declaration = ancestry.top_level_child(index)?;
    only_make(&syntax::bindings_of(declaration, name, source), source)
}

/// The `make(chan ...)` of the only binding, if there is exactly one and it is such a make.
fn only_make<'tree>(bindings: &[syntax::Binding<'tree>], source: &str) -> Option<Node<'tree>> {
    match bindings {
        [only] => only.value.filter(|value| syntax::make_chan(*value, source).is_some()),
        _ => None,
    }
}
