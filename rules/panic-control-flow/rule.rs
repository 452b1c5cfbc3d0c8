use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "panic-control-flow",
    family: "A6",
    summary: "Panic used for an ordinary error instead of returning it",
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// The fix hint, with a `return` that compiles in `function`: zero values for the results
/// before the error, and `Add an error result` first when the function has none.
fn return_help(function: Node<'_>, source: &str, what: &str, error: &str) -> String {
    let results = syntax::result_types(function);
    let has_error = results.last().is_some_and(|last| syntax::text(*last, source) == "error");
    let others = if has_error { &results[..results.len() - 1] } else { &results[..] };
    let zeros: String = others.iter().map(|result| format!("{}, ", zero_value(*result, source))).collect();
    let verb = if has_error { "Return" } else { "Add an error result and return" };
    format!("{verb} {what}: `return {zeros}{error}`")
}

/// A zero value of a result type that compiles whatever the type is: the obvious literal for
/// built-in types, `*new(T)` for named ones (which may be structs, numbers or anything).
fn zero_value(result: Node<'_>, source: &str) -> String {
    let written = syntax::text(result, source);
    match result.kind_name() {
        "pointer_type" | "slice_type" | "map_type" | "channel_type" | "function_type" | "interface_type" => "nil".into(),
        _ => match written {
            "string" => "\"\"".into(),
            "bool" => "false".into(),
            "error" | "any" => "nil".into(),
            "int" | "int8" | "int16" | "int32" | "int64" | "uint" | "uint8" | "uint16" | "uint32" | "uint64"
            | "uintptr" | "byte" | "rune" | "float32" | "float64" => "0".into(),
            _ => format!("*new({written})"),
        },
    }
}

const WRAPPED_ERROR: &str = "fmt.Errorf(\"...: %w\", err)";
const NEW_ERROR: &str = "errors.New(\"...\")";

/// What a panic's argument is, as far as syntax tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Argument {
    /// A literal message: an assertion (`panic("unreachable")`).
    Constant,
    /// `err`, `parseErr`, a parameter declared `error`.
    ErrorValue,
    /// An unexported package-level sentinel (`errNegativeRead`): one fixed internal value, so a
    /// failure only when a failed operation guards the panic. Exported sentinels are made to be
    /// returned to callers, so they stay `ErrorValue`.
    SentinelError,
    /// `errors.New(...)`, `fmt.Errorf(...)`.
    BuiltError,
    /// `fmt.Sprintf(...)`, `"no account " + id`, `err.Error()`.
    RuntimeMessage,
    /// Anything else (`panic(v)`, `panic(&T{})`).
    Other,
}

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let Some(call) = found.target() else { return };
    if ctx.facts.is_test_file
        || is_test_support_package(&ctx.facts.package_name)
        || is_test_support_path(&ctx.file.path, ctx.facts.package_path)
    {
        return;
    }
    let Some(&argument) = syntax::call_arguments(call).first() else { return };
    // The literal a panic sits in owns it for "could it return the error?"; the declaration
    // around it decides the exemptions and whether it is exported API.
    let Some(function) = ctx.types.ancestry().enclosing_functions(call).next() else { return };
    let declaration = ctx.types.ancestry().top_level_declaration(call)
        .filter(|node| matches!(node.kind_name(), "function_declaration" | "method_declaration"));
    let declaration_name = declaration.and_then(|node| node.field_child("name")).map(|name| ctx.text(name));
    if declaration_name.is_some_and(|name| is_exempt_function(name, declaration, ctx.facts.is_main_package())) {
        return;
    }
    if handles_recover(function, &ctx.file.text) || is_must_wrapper(call, function, &ctx.file.text) {
        return;
    }
    let fixed_signature = declaration.is_some_and(|node| has_fixed_signature(node, &ctx.file.text));
    let kind = classify(argument, call, ctx);
    if !reports_failure(kind, argument, call, function, ctx) {
        if !fixed_signature && let Some(parameter) = rejected_zero_argument(kind, argument, call, function, ctx) {
            let owner = declaration_name.map_or("a function literal".to_string(), |name| format!("`{name}`"));
            let help = return_help(function, &ctx.file.text, "an error for this input", NEW_ERROR);
            ctx.report(
                call,
                format!("{owner} panics when its parameter `{parameter}` is zero, an input a caller can pass; return an error instead"),
            )
            .help(help);
        }
        return;
    }
    if syntax::result_types(function).iter().any(|result| ctx.text(*result) == "error") {
        let owner = match (function.kind_name(), declaration_name) {
            ("func_literal", _) | (_, None) => "a function literal".to_string(),
            (_, Some(name)) => format!("`{name}`"),
        };
        let help = return_help(function, &ctx.file.text, "the error", WRAPPED_ERROR);
        ctx.report(call, format!("panic in {owner}, which can return an error instead")).help(help);
        return;
    }
    // Exported names of `main` and of `internal/` packages are no library's API: no other
    // module can call them.
    let is_library = !ctx.facts.is_main_package() && !is_internal_package(&ctx.file.path);
    let exported = declaration_name.filter(|name| name.starts_with(|c: char| c.is_ascii_uppercase()));
    if let Some(name) = exported.filter(|_| is_library && !fixed_signature) {
        let what = match kind {
            Argument::ErrorValue | Argument::SentinelError | Argument::BuiltError => "an error value",
            _ => "a message built at run time",
        };
        let help = return_help(function, &ctx.file.text, "the error", WRAPPED_ERROR);
        ctx.report(call, format!("exported `{name}` panics with {what}; a library should return it as an error"))
            .help(help);
    }
}

/// True when the panic reports a failure (an error some operation returned, or a message about
/// one) rather than asserting the author's assumptions: preconditions, invariants, exhaustive
/// switches, typed values recovered elsewhere.
fn reports_failure(
    kind: Argument,
    argument: Node<'_>,
    call: Node<'_>,
    function: Node<'_>,
    ctx: &RuleContext<'_, '_>,
) -> bool {
    let source: &str = &ctx.file.text;
    // A message or an error built on the spot (`fmt.Errorf("spurious value %d", v)`) is tied to a
    // failure only by what it mentions or what guards it; otherwise it is a constant message's
    // assertion with details added.
    let mentions_failure = kind == Argument::ErrorValue || mentions_error(argument, call, source);
    let about_failure = match kind {
        Argument::ErrorValue => true,
        Argument::SentinelError => guarded_by_failure(call, source),
        Argument::BuiltError | Argument::RuntimeMessage => mentions_failure || guarded_by_failure(call, source),
        Argument::Constant | Argument::Other => false,
    };
    if !about_failure
        || names_broken_invariant(argument, source)
        || commented_as_assertion(call, source)
        || is_chosen_panic_mode(call, source)
        || is_abort_handler(argument, ctx)
    {
        return false;
    }
    // `default: panic(...)`, a panic closing the function after a switch, or one guarded by a
    // failed type assertion checks what the author believes exhaustive, unless it re-panics an
    // error value (or, outside `default:`, quotes one).
    if matches!(kind, Argument::ErrorValue | Argument::SentinelError) {
        return true;
    }
    let in_default_case = syntax::ancestors_in_function(call).any(|node| node.kind_name() == "default_case");
    let closes_exhaustive_check = ends_function(call, function) || guarded_by_type_assertion(call, function, source);
    !(in_default_case || (!mentions_failure && closes_exhaustive_check))
}

/// Words that mark a panic as an assertion that cannot fire unless the code itself is wrong.
const ASSERTION_MARKERS: &[&str] = &[
    "internal error",
    "unreachable",
    "impossible",
    "should not happen",
    "shouldn't happen",
    "should never",
    "can't happen",
    "cannot happen",
    "not reached",
    "invariant",
    "not implemented",
    "unimplemented",
    "cannot fail",
    "can't fail",
    "never fail",
    "should not fail",
    "shouldn't fail",
    "does not error",
    "doesn't error",
    "never error",
    "cannot error",
    "can't error",
    "never occur",
    "never happen",
    "assumption",
    "should not have",
    "should not produce",
    "should not return",
    "never return",
    "not expected to fail",
    "will not fail",
    "won't fail",
    "must not fail",
    "always succeed",
];

/// Whole words that mark an assertion: `BUG: ...`, "to help catch bugs".
const ASSERTION_WORDS: &[&str] = &["bug", "bugs"];

fn has_assertion_marker(text: &str) -> bool {
    let lower = text.to_lowercase();
    ASSERTION_MARKERS.iter().any(|marker| lower.contains(marker))
        || lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| ASSERTION_WORDS.contains(&word))
}

/// `panic("BUG: ...")`, `panic(fmt.Sprintf("internal error: %v", x))`.
fn names_broken_invariant(argument: Node<'_>, source: &str) -> bool {
    static STRINGS: std::sync::OnceLock<syntax::KindSet> = std::sync::OnceLock::new();
    let strings = syntax::kind_ids(&STRINGS, &["interpreted_string_literal", "raw_string_literal"]);
    std::iter::once(argument).chain(syntax::descendants_of_kinds(argument, strings)).any(|node| {
        if !matches!(node.kind_name(), "interpreted_string_literal" | "raw_string_literal") {
            return false;
        }
        has_assertion_marker(syntax::text(node, source))
    })
}

/// A comment on the panic's line, or just above the panic or the `if` guarding it, says the
/// panic cannot happen: `// This shouldn't happen`, `// To help catch bugs, ...`.
fn commented_as_assertion(call: Node<'_>, source: &str) -> bool {
    let line_end = source[call.end_byte()..].find('\n').map_or(source.len(), |i| call.end_byte() + i);
    if source[call.end_byte()..line_end].contains("//") && has_assertion_marker(&source[call.end_byte()..line_end]) {
        return true;
    }
    let statement = syntax::enclosing_statement(call);
    let guard = syntax::ancestors_in_function(call).find(|node| node.kind_name() == "if_statement");
    [statement, guard]
        .into_iter()
        .flatten()
        .any(|node| comments_above(node).into_iter().any(|comment| has_assertion_marker(syntax::text(comment, source))))
}

/// The comments directly above a statement. A block's first statement has them outside its
/// `statement_list`.
fn comments_above(statement: Node<'_>) -> Vec<Node<'_>> {
    let mut comments = Vec::new();
    let mut current = statement;
    loop {
        match current.prev_sibling() {
            Some(sibling) if sibling.kind_name() == "comment" => {
                comments.push(sibling);
                current = sibling;
            }
            Some(_) => break,
            None => match current.parent_node().filter(|parent| parent.kind_name() == "statement_list") {
                Some(list) => current = list,
                None => break,
            },
        }
    }
    comments
}

/// The code chose panicking as a mode: `case PanicOnError:`, `if panicOnError {`.
fn is_chosen_panic_mode(call: Node<'_>, source: &str) -> bool {
    syntax::ancestors_in_function(call).any(|node| {
        let tested = match node.kind_name() {
            "if_statement" => node.field_child("condition"),
            "expression_case" => node.field_child("value"),
            _ => None,
        };
        tested.is_some_and(|tested| {
            std::iter::once(tested)
                .chain(syntax::descendants(tested))
                .any(|node| node.kind_name() == "identifier" && syntax::text(node, source).to_lowercase().contains("panic"))
        })
    })
}

/// `panic(http.ErrAbortHandler)` is net/http's documented way to abort a response.
fn is_abort_handler(argument: Node<'_>, ctx: &RuleContext<'_, '_>) -> bool {
    let argument = syntax::unparen(argument);
    argument.kind_name() == "selector_expression"
        && argument.field_child("field").is_some_and(|field| ctx.text(field) == "ErrAbortHandler")
        && argument
            .field_child("operand")
            .is_some_and(|operand| ctx.facts.imports.names(ctx.text(operand), "net/http"))
}

/// A file under an `internal/` directory, importable only from its own module subtree.
fn is_internal_package(path: &std::path::Path) -> bool {
    path.parent().is_some_and(|dir| dir.components().any(|part| part.as_os_str() == "internal"))
}

/// Packages that exist to support tests (`httptest`, `testenv`, `servertest`) panic on setup
/// failures by convention, as `_test.go` files do.
fn is_test_support_package(name: &str) -> bool {
    name.starts_with("test")
        || name.ends_with("test")
        || name.ends_with("testing")
        || name.ends_with("testutil")
        || name.ends_with("e2e")
}

/// A file in a test-support directory (`testutil/`, `internal/testing/`, `tests/`, `e2e/`,
/// `servertest/`) or named for test helpers (`testutil.go`, `testing.go`), whatever its package
/// is called.
fn is_test_support_path(path: &std::path::Path, package_path: Option<&str>) -> bool {
    // The package's import path when the file is in a module: where the module sits on disk (a
    // checkout under ~/tests/, this project's own tests/data/) says nothing about the package.
    let directories: Vec<&str> = match package_path {
        Some(import_path) => import_path.split('/').collect(),
        None => path.parent().into_iter().flat_map(|dir| dir.components()).filter_map(|part| part.as_os_str().to_str()).collect(),
    };
    let in_support_directory = directories.into_iter().any(|dir| {
        matches!(dir, "test" | "tests" | "testing" | "testutil" | "testutils" | "testhelper" | "testhelpers" | "e2e")
            || (dir.ends_with("test") && dir != "latest")
    });
    let stem = path.file_stem().and_then(|stem| stem.to_str()).unwrap_or("");
    let support_file = ["testing", "testutil", "testutils", "test_util", "test_utils", "testhelpers", "test_helpers"]
        .iter()
        .any(|name| stem == *name || stem.ends_with(&format!("_{name}")));
    in_support_directory || support_file
}

/// The message carries an error: `fmt.Sprintf("load: %v", err)`, `"load: " + err.Error()`.
fn mentions_error(argument: Node<'_>, call: Node<'_>, source: &str) -> bool {
    static NAMES_AND_CALLS: std::sync::OnceLock<syntax::KindSet> = std::sync::OnceLock::new();
    let names_and_calls = syntax::kind_ids(&NAMES_AND_CALLS, &["identifier", "call_expression"]);
    syntax::descendants_of_kinds(argument, names_and_calls).any(|node| match node.kind_name() {
        "identifier" => {
            let name = syntax::text(node, source);
            looks_like_error_name(name) || declared_as_error(call, name, source)
        }
        "call_expression" => {
            syntax::call_name(node, source).is_some_and(|(qualifier, name)| qualifier.is_some() && name == "Error")
        }
        _ => false,
    })
}

/// The panic runs because an operation failed: an `if` around it tests an error
/// (`if err != nil`) or a failed map lookup (`v, ok := m[k]; if !ok`).
fn guarded_by_failure(call: Node<'_>, source: &str) -> bool {
    let Some(function) = syntax::enclosing_function(call) else { return false };
    syntax::ancestors_in_function(call).filter(|node| node.kind_name() == "if_statement").any(|statement| {
        let Some(condition) = statement.field_child("condition") else { return false };
        static IDENTIFIERS: std::sync::OnceLock<syntax::KindSet> = std::sync::OnceLock::new();
        let identifiers = syntax::kind_ids(&IDENTIFIERS, &["identifier"]);
        std::iter::once(condition).chain(syntax::descendants_of_kinds(condition, identifiers)).any(|node| {
            if node.kind_name() != "identifier" {
                return false;
            }
            let name = syntax::text(node, source);
            let negated = node.parent_node().is_some_and(|parent| {
                parent.kind_name() == "unary_expression"
                    && parent.field_child("operator").is_some_and(|op| op.kind_name() == "!")
            });
            looks_like_error_name(name)
                || declared_as_error(call, name, source)
                || (negated && is_missing_key_flag(function, name, source))
        })
    })
}

/// The panic is the function's last statement: the fall-through that Go requires to end in a
/// terminating statement.
fn ends_function(call: Node<'_>, function: Node<'_>) -> bool {
    let Some(statement) = syntax::enclosing_statement(call) else { return false };
    let Some(body) = function.field_child("body") else { return false };
    statement.parent_node().and_then(|list| list.parent_node()) == Some(body)
        && syntax::named_children(body).last().and_then(|list| syntax::named_children(*list).last().copied())
            == Some(statement)
}

/// `v, ok := x.(T); if !ok { panic(...) }`.
fn guarded_by_type_assertion(call: Node<'_>, function: Node<'_>, source: &str) -> bool {
    syntax::ancestors_in_function(call).filter(|node| node.kind_name() == "if_statement").any(|statement| {
        let Some(condition) = statement.field_child("condition") else { return false };
        let condition = syntax::unparen(condition);
        let Some(flag) = negated_identifier(condition) else { return false };
        let name = syntax::text(flag, source);
        let scope = statement.field_child("initializer").map_or(function, |_| statement);
        syntax::bindings_of(scope, name, source).iter().any(|binding| {
            let values = binding.statement.field_child("right").map(syntax::named_children).unwrap_or_default();
            matches!(values.as_slice(), [value] if syntax::unparen(*value).kind_name() == "type_assertion_expression")
        })
    })
}

/// `!ok` gives `ok`.
fn negated_identifier(node: Node<'_>) -> Option<Node<'_>> {
    let is_not = node.kind_name() == "unary_expression"
        && node.field_child("operator").is_some_and(|operator| operator.kind_name() == "!");
    let operand = node.field_child("operand").filter(|_| is_not)?;
    let operand = syntax::unparen(operand);
    (operand.kind_name() == "identifier").then_some(operand)
}

/// `ok` in `v, ok := m[k]`: false when the key is missing.
fn is_missing_key_flag(function: Node<'_>, name: &str, source: &str) -> bool {
    syntax::bindings_of(function, name, source).iter().any(|binding| {
        let Some(right) = binding.statement.field_child("right") else { return false };
        let values = syntax::named_children(right);
        let lefts = binding.statement.field_child("left").map(syntax::named_children).unwrap_or_default();
        lefts.len() == 2
            && lefts[1] == binding.name
            && matches!(values.as_slice(), [value] if syntax::unparen(*value).kind_name() == "index_expression")
    })
}

/// `init`, `Must*`/`must*` helpers and `main` of package main panic by convention.
fn is_exempt_function(name: &str, declaration: Option<Node<'_>>, is_main_package: bool) -> bool {
    let is_plain_function = declaration.is_some_and(|node| node.kind_name() == "function_declaration");
    let must_prefix = ["Must", "must"].iter().any(|prefix| {
        name.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| !c.is_lowercase()))
    });
    // go-fuzz harnesses (`func Fuzz(data []byte) int`) report a finding by panicking.
    let fuzz_harness = is_plain_function
        && name.strip_prefix("Fuzz").is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| !c.is_lowercase()));
    must_prefix || fuzz_harness || (is_plain_function && (name == "init" || (is_main_package && name == "main")))
}

/// Methods whose signature an interface fixes without an error result: `fmt.Stringer`,
/// `error`, `hash.Hash`, `sort.Interface`, `sync.Locker`, `http.Handler`, custom `Marshal*`
/// encoders; and any exported method of an unexported type, which only an interface can reach.
/// There is no error result to return through, so a panic there is the author's only option.
fn has_fixed_signature(declaration: Node<'_>, source: &str) -> bool {
    const INTERFACE_METHODS: &[&str] = &[
        "String", "GoString", "Error", "Format", "Sum", "Sum32", "Sum64", "Reset", "Size", "BlockSize", "Len",
        "Less", "Swap", "Push", "Pop", "Lock", "Unlock", "RLock", "RUnlock", "ServeHTTP", "Describe", "Collect",
    ];
    if declaration.kind_name() != "method_declaration"
        || syntax::result_types(declaration).iter().any(|result| syntax::text(*result, source) == "error")
    {
        return false;
    }
    let Some(name) = declaration.field_child("name").map(|name| syntax::text(name, source)) else {
        return false;
    };
    if INTERFACE_METHODS.contains(&name) || name.starts_with("Marshal") {
        return true;
    }
    let receiver_type = declaration
        .field_child("receiver")
        .and_then(|receiver| syntax::named_children(receiver).into_iter().find(|n| n.kind_name() == "parameter_declaration"))
        .and_then(|declaration| declaration.field_child("type"))
        .map(|ty| syntax::text(ty, source).trim_start_matches('*'));
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && receiver_type.is_some_and(|ty| ty.starts_with(|c: char| c.is_ascii_lowercase()))
}

/// `func OrDie[T any](v T, err error) T { if err != nil { panic(err) }; return v }`: a wrapper
/// in the shape of `template.Must`, under any name. It takes a value and an error, panics on the
/// error, and hands the value back.
fn is_must_wrapper(call: Node<'_>, function: Node<'_>, source: &str) -> bool {
    let parameters = syntax::parameters_of(function);
    let Some(error_parameter) = parameters
        .iter()
        .filter(|parameter| syntax::text(parameter.type_node, source) == "error")
        .find_map(|parameter| parameter.name.map(|name| syntax::text(name, source)))
    else {
        return false;
    };
    let Some(body) = syntax::function_body(function) else { return false };
    let statements = syntax::block_statements(body);
    let [guard, rest @ ..] = statements.as_slice() else { return false };
    let returns_a_value = matches!(rest, [last] if last.kind_name() == "return_statement"
        && last.named_child(0).is_some_and(|values| {
            syntax::named_children(values).iter().chain(std::iter::once(&values)).any(|value| {
                parameters.iter().any(|parameter| {
                    parameter.name.is_some_and(|name| syntax::text(name, source) == syntax::text(*value, source))
                })
            })
        }));
    let guard_tests_error = guard.kind_name() == "if_statement"
        && syntax::contains(*guard, call)
        && guard.field_child("condition").is_some_and(|condition| {
            syntax::text(condition, source).split_whitespace().collect::<String>() == format!("{error_parameter}!=nil")
        });
    guard_tests_error && returns_a_value
}

/// The seed's `divide`: `if b == 0 { panic("division by zero") }`, a panic whose guard compares
/// one of the function's own parameters with a zero literal (`0`, `""`). Zero and empty are
/// ordinary values that input data carries (a zero divisor, an empty name), so the caller should
/// get an error to handle. Range and nil checks (`n < 0`, `p == nil`) and tests of the
/// function's own state stay assertions of correct use. Returns the parameter's name.
fn rejected_zero_argument(
    kind: Argument,
    argument: Node<'_>,
    call: Node<'_>,
    function: Node<'_>,
    ctx: &RuleContext<'_, '_>,
) -> Option<String> {
    let source: &str = &ctx.file.text;
    if !matches!(kind, Argument::Constant | Argument::RuntimeMessage | Argument::BuiltError)
        || names_broken_invariant(argument, source)
        || commented_as_assertion(call, source)
        || is_chosen_panic_mode(call, source)
        || syntax::ancestors_in_function(call).any(|node| node.kind_name() == "default_case")
    {
        return None;
    }
    // The `if` directly around the panic, whose consequence begins with it.
    let statement = syntax::enclosing_statement(call)?;
    let guard = syntax::ancestors_in_function(call).find(|node| node.kind_name() == "if_statement")?;
    let consequence = guard.field_child("consequence")?;
    syntax::block_statements(consequence).first().filter(|first| **first == statement)?;
    let condition = syntax::unparen(guard.field_child("condition")?);
    if condition.kind_name() != "binary_expression"
        || condition.field_child("operator").is_none_or(|operator| syntax::text(operator, source) != "==")
    {
        return None;
    }
    let (left, right) =
        (syntax::unparen(condition.field_child("left")?), syntax::unparen(condition.field_child("right")?));
    let is_zero = |node: Node<'_>| {
        matches!(syntax::text(node, source), "0" | "0.0" | "\"\"" | "``")
    };
    let operand = if is_zero(right) { left } else if is_zero(left) { right } else { return None };
    if operand.kind_name() != "identifier" {
        return None;
    }
    let name = syntax::text(operand, source);
    let is_parameter = syntax::parameters_of(function)
        .iter()
        .any(|parameter| parameter.name.is_some_and(|declared| syntax::text(declared, source) == name));
    // A parameter reassigned before the check is no longer the caller's input.
    let reassigned = syntax::bindings_of(function, name, source).iter().any(|binding| binding.value.is_some());
    (is_parameter && !reassigned).then(|| name.to_string())
}

/// A function that calls `recover()` is a recover handler: a panic there re-raises (or
/// converts) one that was already under way.
fn handles_recover(function: Node<'_>, source: &str) -> bool {
    syntax::descendants_in_function(function)
        .into_iter()
        .any(|node| node.kind_name() == "call_expression" && syntax::call_name(node, source) == Some((None, "recover")))
}

fn classify(argument: Node<'_>, call: Node<'_>, ctx: &RuleContext<'_, '_>) -> Argument {
    let argument = syntax::unparen(argument);
    let source: &str = &ctx.file.text;
    match argument.kind_name() {
        "interpreted_string_literal"
        | "raw_string_literal"
        | "int_literal"
        | "float_literal"
        | "rune_literal"
        | "true"
        | "false"
        | "nil" => Argument::Constant,
        "identifier" => {
            let name = ctx.text(argument);
            if is_constant(ctx.tree.root_node(), name, source) {
                Argument::Constant
            } else if is_package_sentinel(name, call, ctx) {
                Argument::SentinelError
            } else if looks_like_error_name(name) || declared_as_error(call, name, source) {
                Argument::ErrorValue
            } else {
                Argument::Other
            }
        }
        "selector_expression" => {
            let field = argument.field_child("field").map_or("", |field| ctx.text(field));
            if looks_like_error_name(field) { Argument::ErrorValue } else { Argument::Other }
        }
        "call_expression" => classify_call(argument, ctx),
        "binary_expression" => classify_concatenation(argument, ctx),
        _ => Argument::Other,
    }
}

fn classify_call(call: Node<'_>, ctx: &RuleContext<'_, '_>) -> Argument {
    let source: &str = &ctx.file.text;
    let Some((qualifier, name)) = syntax::call_name(call, source) else { return Argument::Other };
    let imports = &ctx.facts.imports;
    match qualifier {
        Some(package) if imports.names(package, "errors") && matches!(name, "New" | "Join") => Argument::BuiltError,
        Some(package) if imports.names(package, "fmt") && name == "Errorf" => Argument::BuiltError,
        Some(package) if imports.names(package, "fmt") && name.starts_with("Sprint") => Argument::RuntimeMessage,
        Some(_) if name == "Error" && syntax::call_arguments(call).is_empty() => Argument::RuntimeMessage,
        _ => Argument::Other,
    }
}

/// `"no account " + id`: a concatenation with a literal part and a part known only at run time.
fn classify_concatenation(expression: Node<'_>, ctx: &RuleContext<'_, '_>) -> Argument {
    let mut has_literal = false;
    let mut has_runtime_part = false;
    let mut stack = vec![expression];
    while let Some(node) = stack.pop() {
        let node = syntax::unparen(node);
        if node.kind_name() == "binary_expression" {
            if node.field_child("operator").is_none_or(|operator| ctx.text(operator) != "+") {
                return Argument::Other;
            }
            stack.extend(node.field_child("left"));
            stack.extend(node.field_child("right"));
        } else if matches!(node.kind_name(), "interpreted_string_literal" | "raw_string_literal") {
            has_literal = true;
        } else {
            has_runtime_part = true;
        }
    }
    match (has_literal, has_runtime_part) {
        (true, true) => Argument::RuntimeMessage,
        (true, false) => Argument::Constant,
        _ => Argument::Other,
    }
}

/// Words that, after an `err` prefix, name something other than an error: `errStr`, `errMsg`.
const NOT_ERROR_SUFFIXES: &[&str] = &[
    "Str", "String", "Msg", "Message", "Text", "Count", "Code", "Ch", "Chan", "C", "Desc", "Format", "Fmt", "Buf",
    "Out", "Output", "Kind", "Type", "Pos", "Line", "Num", "Len", "Level", "Prefix", "Fn", "Func", "Handler",
];

/// The naming conventions for error values: `err`, `werr`, `parseErr`, `ErrClosed`, `errShort`.
fn looks_like_error_name(name: &str) -> bool {
    let sentinel = ["Err", "err"].iter().any(|prefix| {
        name.strip_prefix(prefix).is_some_and(|rest| {
            rest.starts_with(|c: char| c.is_ascii_uppercase()) && !NOT_ERROR_SUFFIXES.contains(&rest)
        })
    });
    name.ends_with("err") || name.ends_with("Err") || sentinel
}

/// A parameter or `var` of the functions around `call` declared with the type `error`.
fn declared_as_error(call: Node<'_>, name: &str, source: &str) -> bool {
    let Some(scope) = syntax::top_level_declaration(call) else { return false };
    static DECLARATIONS: std::sync::OnceLock<syntax::KindSet> = std::sync::OnceLock::new();
    let declarations = syntax::kind_ids(&DECLARATIONS, &["parameter_declaration", "var_spec"]);
    syntax::descendants_of_kinds(scope, declarations).any(|node| {
        if !matches!(node.kind_name(), "parameter_declaration" | "var_spec") {
            return false;
        }
        let is_error = node.field_child("type").is_some_and(|ty| syntax::text(ty, source) == "error");
        let mut cursor = node.walk();
        let declares_name = node.children_by_field_name("name", &mut cursor).any(|n| syntax::text(n, source) == name);
        is_error && declares_name
    })
}

/// An unexported package-level sentinel error of this package that the function around `call`
/// does not shadow.
fn is_package_sentinel(name: &str, call: Node<'_>, ctx: &RuleContext<'_, '_>) -> bool {
    let Some(package) = ctx.package else { return false };
    let Some(scope) = ctx.types.ancestry().top_level_declaration(call) else { return false };
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && package.is_sentinel_error(name)
        && syntax::bindings_of(scope, name, &ctx.file.text).is_empty()
}

/// A `const` of this file: `const phasePanicMsg = "..."`.
fn is_constant(root: Node<'_>, name: &str, source: &str) -> bool {
    // Only `const_spec` nodes are looked at: a cursor made for every node cost an allocation each.
    static CONST_SPECS: std::sync::OnceLock<syntax::KindSet> = std::sync::OnceLock::new();
    syntax::descendants_of_kinds(root, syntax::kind_ids(&CONST_SPECS, &["const_spec"])).any(|node| {
        let mut cursor = node.walk();
        node.children_by_field_name("name", &mut cursor).any(|ident| syntax::text(ident, source) == name)
    })
}
