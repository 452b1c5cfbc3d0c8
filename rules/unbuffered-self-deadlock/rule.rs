use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "unbuffered-self-deadlock",
    family: "D1",
    summary: "Send on an unbuffered channel that no goroutine can be receiving from yet blocks forever",
    severity: Severity::Error,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::High,
    tags: &["concurrency", "reliability"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Send from another goroutine, or give the channel a buffer";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(send), Some(channel)) = (found.target(), found.get("channel")) else { return };
    let source: &str = &ctx.file.text;
    // A send that is one case of a select can be skipped (another case, or `default`); one in a
    // `for` clause's post statement runs only if the body comes round (runtime/race's
    // compile-only `for ; ; c <- x { break }`).
    if send.parent_node().is_some_and(|parent| matches!(parent.kind_name(), "communication_case" | "for_clause")) {
        return;
    }
    let Some(function) = ctx.types.ancestry().enclosing_functions(send).next() else { return };
    let Some(body) = function.field_child("body") else { return };
    let name = ctx.text(channel);
    let bindings = syntax::bindings_of(body, name, source);
    let [binding] = bindings.as_slice() else { return };
    let Some(make) = binding.value else { return };
    let Some((_, capacity)) = syntax::make_chan(make, source) else { return };
    if capacity.is_some_and(|capacity| ctx.text(capacity) != "0") {
        return;
    }
    // Made in this very function (not in a literal around or inside it), before the send.
    if ctx.types.ancestry().enclosing_functions(make).next() != Some(function) || make.end_byte() > send.start_byte() {
        return;
    }
    // The stretch of code that runs between the make and the send: up to the send, and the whole
    // of every loop around the send that does not also contain the make (a later iteration runs
    // what follows the send first).
    let mut end = send.start_byte();
    for ancestor in syntax::ancestors(send).take_while(|ancestor| *ancestor != function) {
        if ancestor.kind_name() == "for_statement" && !syntax::contains(ancestor, make) {
            end = end.max(ancestor.end_byte());
        }
    }
    let start = binding.statement.end_byte();
    let between = |node: Node<'_>| node.start_byte() >= start && node.end_byte() <= end && node != send;
    // A goroutine started in between may be the receiver; so may any code the channel is handed
    // to (a call, a struct, another variable), or a receive in a loop that comes round again.
    let started = syntax::descendants(body).any(|node| node.kind_name() == "go_statement" && between(node));
    let used = syntax::identifiers_named(body, name, source)
        .any(|mention| between(mention) && !syntax::contains(send, mention));
    if started || used {
        return;
    }
    // The channel must be a local of this function, not a parameter shadowed by it.
    if syntax::signature_names(function, source).contains(&name) {
        return;
    }
    ctx.report(
        send,
        format!(
            "send on unbuffered channel `{name}` blocks forever: no goroutine has been started that could receive from \
             it, and this goroutine is the one sending"
        ),
    )
    .label(make, "made without a buffer here")
    .help(HELP);
}
