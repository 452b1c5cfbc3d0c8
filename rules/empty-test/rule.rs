use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "empty-test",
    family: "E11",
    summary: "A test or subtest that checks nothing: it passes whatever the code does",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::VeryHigh,
    tags: &["testing"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &["testing"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// Methods of `*testing.T` that neither check nor fail anything. Every other use of `t` counts
/// as checking: `t.Error*`, `t.Fatal*`, `t.Fail*`, `t.Skip*`, `t` passed to a helper or an
/// assertion library, stored in a struct.
const NEUTRAL_METHODS: &[&str] = &[
    "Helper", "Parallel", "Name", "Log", "Logf", "TempDir", "Setenv", "Cleanup", "Context", "Deadline", "Chdir",
    "Attr", "Output", "ArtifactDir", "Failed", "Skipped",
];

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let Some(target) = found.target() else { return };
    // The testing packages' own tests run empty tests on purpose.
    let package = ctx.facts.package_name.trim_end_matches("_test");
    if !ctx.facts.is_test_file || matches!(package, "testing" | "synctest") {
        return;
    }
    let source: &str = &ctx.file.text;
    if let (Some(name), Some(body)) = (found.get("name"), found.get("body")) {
        let name = ctx.text(name);
        if !is_test_name(name) {
            return;
        }
        let Some(t) = testing_t_parameter(ctx, target) else { return };
        if checks_something(ctx, body, t) || is_compile_time_check(body, source) {
            return;
        }
        let documented = has_comment_before(target, source);
        let Some(problem) = problem(ctx, body, t, documented) else { return };
        let Some(name_node) = target.field_child("name") else { return };
        ctx.report(Span::new(target.start_byte(), name_node.end_byte()), problem.message(&format!("`{name}`")))
            .help(problem.help());
        return;
    }
    let (Some(callee), Some(subtest)) = (found.get("callee"), found.get("subtest")) else { return };
    let Some(operand) = callee.field_child("operand") else { return };
    let Some(t) = testing_t_parameter(ctx, subtest) else { return };
    // `t.Run` on the test's own `*testing.T` (any name it has there), not another `Run` method.
    if !is_testing_t_value(ctx, operand) {
        return;
    }
    let Some(body) = subtest.field_child("body") else { return };
    if checks_something(ctx, body, t) || is_compile_time_check(body, source) {
        return;
    }
    let Some(problem) = problem(ctx, body, t, false) else { return };
    ctx.report(callee, problem.message("this subtest")).help(problem.help());
}

/// What is wrong with a body that checks nothing, when it is a mistake rather than a smoke test.
enum Problem {
    /// No statement at all, and no comment saying why (a `TODO` says it is unfinished).
    Empty,
    /// A condition whose failure is only logged: `if got != want { t.Logf(...) }`.
    LogsFailure,
}

impl Problem {
    fn message(&self, what: &str) -> String {
        match self {
            Problem::Empty => format!("{what} is empty: it passes without testing anything"),
            Problem::LogsFailure => format!(
                "{what} logs a failed check with t.Log/t.Logf but never fails: it passes whatever the code does"
            ),
        }
    }

    fn help(&self) -> &'static str {
        match self {
            Problem::Empty => "Write the test, or mark it unfinished with `t.Skip(\"TODO: ...\")` so it does not count as passing",
            Problem::LogsFailure => "Report the mismatch with `t.Errorf` (or `t.Fatalf`) instead of `t.Logf`",
        }
    }
}

/// A test that checks nothing is a mistake when it is empty without a word of why (or with a
/// `TODO`), or when it logs a failed condition instead of failing. One that only runs code is
/// a deliberate smoke test (no panic, no hang, no race under `-race`): the standard library
/// has a hundred of them, and it is left alone.
fn problem(ctx: &RuleContext<'_, '_>, body: Node<'_>, t: &str, documented: bool) -> Option<Problem> {
    let source: &str = &ctx.file.text;
    if syntax::block_statements(body).is_empty() {
        let comments: Vec<&str> = syntax::descendants(body)
            .filter(|node| node.kind_name() == "comment")
            .map(|node| syntax::text(node, source))
            .collect();
        let unfinished = comments.iter().any(|comment| ["TODO", "FIXME", "XXX"].iter().any(|mark| comment.contains(mark)));
        return (unfinished || (comments.is_empty() && !documented)).then_some(Problem::Empty);
    }
    logs_failure(ctx, body, t).then_some(Problem::LogsFailure)
}

/// Some `if` without an `else` does nothing but log through `t` (or a subtest's `t`): the
/// author checked a condition and reported it where it cannot fail the test. A branch that also
/// acts (`cancel()`), or an `if`/`else` that logs either outcome, is reporting, not checking.
fn logs_failure(ctx: &RuleContext<'_, '_>, body: Node<'_>, t: &str) -> bool {
    let source: &str = &ctx.file.text;
    let names = testing_names(ctx, body, t);
    syntax::descendants(body).filter(|node| node.kind_name() == "if_statement").any(|statement| {
        if statement.field_child("alternative").is_some() {
            return false;
        }
        let Some(block) = statement.field_child("consequence") else { return false };
        let statements = syntax::block_statements(block);
        !statements.is_empty()
            && statements.iter().all(|statement| {
                statement.kind_name() == "expression_statement"
                    && statement.named_child(0).is_some_and(|call| {
                        call.kind_name() == "call_expression"
                            && syntax::call_name(call, source).is_some_and(|(operand, method)| {
                                operand.is_some_and(|operand| names.contains(&operand))
                                    && matches!(method, "Log" | "Logf")
                            })
                    })
            })
    })
}

/// A comment on the line right above the declaration (its doc comment).
fn has_comment_before(declaration: Node<'_>, _source: &str) -> bool {
    declaration.prev_sibling().is_some_and(|previous| {
        previous.kind_name() == "comment" && previous.end_position().row + 1 >= declaration.start_position().row
    })
}

/// `Test`, `TestX`, `Test_x`, `Test1`: what `go test` runs (`Testify` is not a test).
fn is_test_name(name: &str) -> bool {
    name.strip_prefix("Test").is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_lowercase()))
        && name != "TestMain"
}

/// The name of the function's only parameter when it is a `*testing.T` (`None` for other
/// signatures, and `Some("")` for an unnamed or blank one).
fn testing_t_parameter<'s>(ctx: &RuleContext<'s, '_>, function: Node<'_>) -> Option<&'s str> {
    let [parameter] = syntax::parameters_of(function)[..] else { return None };
    if !is_testing_t_type(ctx, parameter.type_node) {
        return None;
    }
    Some(parameter.name.map_or("", |name| ctx.text(name)).trim_start_matches('_'))
}

fn is_testing_t_type(ctx: &RuleContext<'_, '_>, type_node: Node<'_>) -> bool {
    let text = ctx.text(type_node);
    let Some((package, name)) = text.trim_start_matches('*').split_once('.') else { return false };
    ctx.facts.imports.names(package, "testing") && (text.starts_with('*') && name == "T" || name == "TB")
}

/// `t` in `t.Run(...)` is a parameter of type `*testing.T` (or `testing.TB`) of a function
/// around the call.
fn is_testing_t_value(ctx: &RuleContext<'_, '_>, operand: Node<'_>) -> bool {
    if operand.kind_name() != "identifier" {
        return false;
    }
    let name = ctx.text(operand);
    ctx.types.ancestry().enclosing_functions(operand).any(|function| {
        syntax::parameters_of(function).iter().any(|parameter| {
            parameter.name.is_some_and(|node| ctx.text(node) == name) && is_testing_t_type(ctx, parameter.type_node)
        })
    })
}

/// True when `body` can fail: it uses `t` (or the `*testing.T` of a literal inside it) in any
/// way but a neutral method call, runs subtests, or panics / exits on a failure
/// (`panic(err)`, `log.Fatal(err)`).
fn checks_something(ctx: &RuleContext<'_, '_>, body: Node<'_>, t: &str) -> bool {
    // Most tests use `t` itself: found without first collecting the literals' names.
    let t_used = !t.is_empty() && t != "_";
    if t_used && uses_any(ctx, body, &[t]) {
        return true;
    }
    let names = testing_names(ctx, body, t);
    // Only `t` again: the walk above already said no.
    if t_used && names == [t] {
        return false;
    }
    uses_any(ctx, body, &names)
}

/// True when `body` uses one of `names` (the `*testing.T` values) but neutrally, or fails loudly.
fn uses_any(ctx: &RuleContext<'_, '_>, body: Node<'_>, names: &[&str]) -> bool {
    let source: &str = &ctx.file.text;
    static USES: std::sync::OnceLock<syntax::KindSet> = std::sync::OnceLock::new();
    let uses = syntax::kind_ids(&USES, &["identifier", "call_expression"]);
    syntax::descendants_of_kinds_with_kinds(body, uses).any(|(node, kind)| match syntax::kind_with_id(node, kind) {
        "identifier" => {
            names.contains(&syntax::text(node, source))
                && node.parent_node().is_none_or(|parent| parent.kind_name() != "parameter_declaration")
                && !is_neutral_use(node, source)
        }
        "call_expression" => fails_loudly(ctx, node),
        _ => false,
    })
}

/// `t` and the `*testing.T` parameters of the function literals inside `body` (subtests, helpers).
fn testing_names<'s>(ctx: &RuleContext<'s, '_>, body: Node<'_>, t: &'s str) -> Vec<&'s str> {
    let source: &'s str = &ctx.file.text;
    let mut names: Vec<&str> = vec![t];
    static LITERALS: std::sync::OnceLock<syntax::KindSet> = std::sync::OnceLock::new();
    for node in syntax::descendants_of_kinds(body, syntax::kind_ids(&LITERALS, &["func_literal"])) {
        if let [parameter] = syntax::parameters_of(node)[..]
            && let Some(name) = parameter.name
            && is_testing_t_type(ctx, parameter.type_node)
        {
            names.push(syntax::text(name, source));
        }
    }
    names.retain(|name| !name.is_empty() && *name != "_");
    names
}

/// `t.Log(...)`, `t.Parallel()`, `t.TempDir()`: a call of a method that checks nothing.
fn is_neutral_use(identifier: Node<'_>, source: &str) -> bool {
    let Some(selector) = identifier.parent_node().filter(|parent| parent.kind_name() == "selector_expression") else {
        return false;
    };
    if selector.field_child("operand") != Some(identifier) {
        return false;
    }
    let Some(field) = selector.field_child("field") else { return false };
    let called = selector.parent_node().is_some_and(|call| {
        call.kind_name() == "call_expression" && call.field_child("function") == Some(selector)
    });
    called && NEUTRAL_METHODS.contains(&syntax::text(field, source))
}

/// `panic(...)`, `log.Fatal*`/`log.Panic*`, `os.Exit`: the test binary fails when they run.
fn fails_loudly(ctx: &RuleContext<'_, '_>, call: Node<'_>) -> bool {
    match syntax::call_name(call, &ctx.file.text) {
        Some((None, "panic")) => true,
        Some((Some(package), name)) => {
            (ctx.facts.imports.names(package, "log") && (name.starts_with("Fatal") || name.starts_with("Panic")))
                || (ctx.facts.imports.names(package, "os") && name == "Exit")
        }
        _ => false,
    }
}

/// A body of compile-time checks only: `var _ io.Reader = (*T)(nil)`, `_ = x`. The compiler runs
/// them; the test exists to hold them.
fn is_compile_time_check(body: Node<'_>, source: &str) -> bool {
    let statements = syntax::block_statements(body);
    !statements.is_empty()
        && statements.iter().all(|statement| match statement.kind_name() {
            "var_declaration" => syntax::descendants(*statement)
                .filter(|node| node.kind_name() == "var_spec")
                .all(|spec| spec.field_child("name").is_some_and(|name| syntax::text(name, source) == "_")),
            "assignment_statement" => statement
                .field_child("left")
                .is_some_and(|left| syntax::named_children(left).iter().all(|node| syntax::text(*node, source) == "_")),
            _ => false,
        })
}
