use crate::syntax::{FieldChild as _, KindName as _};
use crate::engine::facts::stdlib;
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "error-compare",
    family: "E3",
    summary: "An error compared with == or != (or a switch) against a sentinel error, which misses wrapped errors",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Medium,
    tags: &["reliability", "errors"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["errorlint"],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// A sentinel on one side of a comparison: how the rule names it.
#[derive(Clone)]
struct Sentinel {
    /// `io.EOF` as the import path spells it (`net/http.ErrServerClosed`), for the allow-list.
    qualified: String,
    /// The import path of the package that declares it, when known.
    package: Option<String>,
}

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let Some(target) = found.target() else { return };
    if target.kind_name() == "expression_switch_statement" {
        check_switch(ctx, target, found.get("value"));
        return;
    }
    let (Some(left), Some(right), Some(operator)) = (
        target.field_child("left"),
        target.field_child("right"),
        target.field_child("operator"),
    ) else {
        return;
    };
    let (error, sentinel_node, sentinel) = match (sentinel_of(ctx, left), sentinel_of(ctx, right)) {
        (None, Some(sentinel)) => (left, right, sentinel),
        (Some(sentinel), None) => (right, left, sentinel),
        _ => return,
    };
    if !is_error_value(ctx, error, sentinel_node) || inside_is_method(ctx, target) {
        return;
    }
    if documented_exact(ctx, error, target, &sentinel) {
        return;
    }
    let negated = ctx.text(operator) == "!=";
    let error_text = ctx.text(error);
    let sentinel_text = ctx.text(sentinel_node);
    let message = format!(
        "`{}` compares the error with {} directly: a wrapped {sentinel_text} does not match",
        ctx.text(target),
        if negated { "!=" } else { "==" }
    );
    let replacement_call = |errors: &str| {
        format!("{}{errors}.Is({error_text}, {sentinel_text})", if negated { "!" } else { "" })
    };
    let help = format!("Use `{}`", replacement_call("errors"));
    let severity = severity_for(ctx, std::slice::from_ref(&sentinel));
    let fix = errors_package(ctx, target).map(|(name, mut edits)| {
        edits.push(Edit::replace(Span::from(target), replacement_call(&name)));
        Fix::safe(edits)
    });
    let mut finding = ctx.report(target, message).help(help).severity(severity);
    if let Some(fix) = fix {
        finding = finding.fix(fix);
    }
    drop(finding);
}

fn check_switch<'node>(ctx: &mut RuleContext<'_, '_>, switch: Node<'node>, value: Option<Node<'node>>) {
    let Some(value) = value else { return };
    let mut sentinels: Vec<(Node<'node>, Sentinel)> = Vec::new();
    for case in syntax::named_children(switch).into_iter().filter(|node| node.kind_name() == "expression_case") {
        let Some(values) = case.field_child("value") else { continue };
        for candidate in syntax::named_children(values) {
            if let Some(sentinel) = sentinel_of(ctx, candidate) {
                sentinels.push((candidate, sentinel));
            }
        }
    }
    let Some((first, _)) = sentinels.first() else { return };
    if !is_error_value(ctx, value, *first) || inside_is_method(ctx, switch) {
        return;
    }
    if sentinels.iter().all(|(_, sentinel)| documented_exact(ctx, value, switch, sentinel)) {
        return;
    }
    let names: Vec<&str> = sentinels.iter().map(|(node, _)| ctx.text(*node)).collect();
    let flagged: Vec<Sentinel> = sentinels
        .iter()
        .filter(|(_, sentinel)| !documented_exact(ctx, value, switch, sentinel))
        .map(|(_, sentinel)| sentinel.clone())
        .collect();
    let severity = severity_for(ctx, &flagged);
    // The primary span is the `switch err {` line: the header up to the value.
    let span = Span::new(switch.start_byte(), value.end_byte());
    let value_text = ctx.text(value);
    let message = format!(
        "`switch {value_text}` compares the error with {} directly: a wrapped error matches no case",
        names.join(", ")
    );
    ctx.report(span, message)
        .help(format!("Switch on nothing and test each case with `errors.Is({value_text}, ...)`"))
        .severity(severity);
}

/// The sentinel error an expression names, if it is one: a package-level variable of type
/// `error` in the standard library (`io.EOF`, `os.ErrNotExist`), one the module declares
/// (`ErrNotFound`, `store.ErrConflict`), or an `Err*` variable of another imported package.
fn sentinel_of(ctx: &RuleContext<'_, '_>, expr: Node<'_>) -> Option<Sentinel> {
    let expr = syntax::unparen(expr);
    match expr.kind_name() {
        "selector_expression" => {
            let operand = expr.field_child("operand")?;
            let field = ctx.text(expr.field_child("field")?);
            if operand.kind_name() != "identifier" || ctx.types.is_local(operand) {
                return None;
            }
            let path = ctx.facts.imports.path_of(ctx.text(operand))?;
            let qualified = format!("{path}.{field}");
            let package = Some(path.to_string());
            if stdlib::has_package(path) {
                return (stdlib::var(path, field).is_some_and(|ty| ty.as_str() == "error")).then_some(Sentinel { qualified, package });
            }
            let declared = ctx
                .project
                .and_then(|project| project.package_by_import_path(path))
                .map(|package| package.is_sentinel_error(field));
            match declared {
                Some(known) => known.then_some(Sentinel { qualified, package }),
                // A package outside the module: its `ErrX` variables are sentinels by Go's naming
                // convention (the other side must still be an error).
                None => is_err_name(field).then_some(Sentinel { qualified, package }),
            }
        }
        "identifier" => {
            let name = ctx.text(expr);
            if ctx.types.is_local(expr) || ctx.facts.imports.has_dot_import() {
                return None;
            }
            ctx.package.filter(|package| package.is_sentinel_error(name)).map(|_| Sentinel {
                qualified: name.to_string(),
                package: ctx.facts.package_path.map(str::to_string),
            })
        }
        _ => None,
    }
}

/// `info` rather than the rule's severity where `==` is a defensible convention:
/// - in tests;
/// - `io.EOF` and `io.ErrUnexpectedEOF`, which the io package asks every reader to return bare
///   ("callers will test for EOF using ==") even when it does not come straight from a `Read`;
/// - a sentinel of the comparing package itself: the package decides whether its own functions
///   wrap it.
fn severity_for(ctx: &RuleContext<'_, '_>, sentinels: &[Sentinel]) -> Severity {
    let conventional = |sentinel: &Sentinel| {
        matches!(sentinel.qualified.as_str(), "io.EOF" | "io.ErrUnexpectedEOF")
            || (sentinel.package.is_some() && sentinel.package.as_deref() == ctx.facts.package_path && !sentinel.qualified.contains('.'))
    };
    if ctx.facts.is_test_file || sentinels.iter().all(conventional) {
        Severity::Info
    } else {
        ctx.rule.severity
    }
}

/// `ErrFoo`, `ErrNotFound`: Go's naming convention for sentinel errors.
fn is_err_name(name: &str) -> bool {
    name.strip_prefix("Err").is_some_and(|rest| rest.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
}

/// True when `expr` is an error value the sentinel can be compared with: declared `error`, a
/// call returning `error`, or a name spelled like one (`err`, `readErr`) when its type is unknown.
fn is_error_value(ctx: &RuleContext<'_, '_>, expr: Node<'_>, sentinel: Node<'_>) -> bool {
    let expr = syntax::unparen(expr);
    if expr.kind_name() == "nil" || sentinel_of(ctx, expr).is_some() {
        return false;
    }
    if let Some(ty) = ctx.types.type_of(expr) {
        return ty == "error";
    }
    // An unknown type is an error only by its name, and only next to a sentinel whose type is
    // known to be `error` (not an `Err*` name of a package we cannot see).
    let _ = sentinel;
    expr.kind_name() == "identifier" && {
        let name = ctx.text(expr);
        name == "err" || name.ends_with("Err") || name.ends_with("_err")
    }
}

/// Inside an `Is(target error) bool` method, `==` is how identity is defined.
fn inside_is_method(ctx: &RuleContext<'_, '_>, node: Node<'_>) -> bool {
    ctx.types.ancestry().enclosing_functions(node).any(|function| {
        function.kind_name() == "method_declaration"
            && function.field_child("name").is_some_and(|name| matches!(ctx.text(name), "Is" | "Unwrap" | "As"))
    })
}

/// True when the comparison is documented to be exact: the error comes straight from a call
/// that returns the sentinel itself, never wrapped (go-errorlint's allow-list, read by method
/// name where the io interfaces' contracts make the receiver's type irrelevant).
fn documented_exact(ctx: &RuleContext<'_, '_>, error: Node<'_>, at: Node<'_>, sentinel: &Sentinel) -> bool {
    let error = syntax::unparen(error);
    let Some(call) = source_call(ctx, error, at) else { return false };
    let Some(function) = call.field_child("function").map(syntax::unparen) else { return false };
    let (package, name) = match function.kind_name() {
        "selector_expression" => {
            let Some(operand) = function.field_child("operand") else { return false };
            let Some(field) = function.field_child("field") else { return false };
            let package = (operand.kind_name() == "identifier" && !ctx.types.is_local(operand))
                .then(|| ctx.facts.imports.path_of(ctx.text(operand)))
                .flatten();
            (package, ctx.text(field))
        }
        "identifier" => (None, ctx.text(function)),
        _ => return false,
    };
    if matches!(name, "Cause" | "Unwrap" | "UnwrapAll" | "RootCause") {
        // The root cause, already unwrapped (`pkg/errors.Cause`, `fserrors.Cause`).
        return true;
    }
    allowed(sentinel.qualified.as_str(), package, name) || same_package(ctx, call, package, sentinel)
}

/// The package of a method call's receiver type when the method itself is unknown (a vendored or
/// external package): `p.AnswerHeader()` on a `dnsmessage.Parser`.
fn receiver_package(ctx: &RuleContext<'_, '_>, call: Node<'_>) -> Option<String> {
    let function = syntax::unparen(call.field_child("function")?);
    let operand = function.field_child("operand").filter(|_| function.kind_name() == "selector_expression")?;
    let ty = ctx.types.type_of(operand)?;
    let named = ty.trim_start_matches('*');
    let (path, _) = named.rsplit_once('.')?;
    Some(path.to_string())
}

/// Packages whose functions return their sentinels inside a structured error (`*fs.PathError`,
/// `*net.OpError`, `*exec.Error`): `err == os.ErrNotExist` right after `os.Stat` never matches.
const WRAPPING_PACKAGES: &[&str] = &["os", "io/fs", "net", "os/exec"];

/// The error comes straight from a function or method of the package that declares the sentinel
/// (`p.AnswerHeader()` and `dnsmessage.ErrSectionDone`, `b.ReadSlice` and `bufio.ErrBufferFull`,
/// the module's `s.stat` and its `errNotFound`): returning its own sentinel bare is that
/// package's contract, as the standard library's allow-list above spells out case by case.
fn same_package(ctx: &RuleContext<'_, '_>, call: Node<'_>, function_package: Option<&str>, sentinel: &Sentinel) -> bool {
    let Some(sentinel_package) = sentinel.package.as_deref() else { return false };
    if WRAPPING_PACKAGES.contains(&sentinel_package) {
        return false;
    }
    let callee_package = match function_package {
        Some(path) => Some(path.to_string()),
        None => ctx.types.call(call).map(|info| match info.receiver {
            Some((path, _)) => path,
            // A call of a plain function name: this package's own function.
            None => ctx.facts.package_path.unwrap_or_default().to_string(),
        }),
    }
    .or_else(|| receiver_package(ctx, call));
    callee_package.as_deref() == Some(sentinel_package)
}

/// The allow-list: (sentinel, package function or method name).
fn allowed(sentinel: &str, package: Option<&str>, name: &str) -> bool {
    match (sentinel, package) {
        // The io.Reader family's contracts: Read, ReadAt, ReadByte, ... return io.EOF itself.
        ("io.EOF", None) => matches!(
            name,
            "Read"
                | "ReadAt"
                | "ReadByte"
                | "ReadBytes"
                | "ReadRune"
                | "ReadString"
                | "ReadLine"
                | "ReadSlice"
                | "ReadFrom"
                | "Peek"
                | "Discard"
                | "Next"
                | "NextPart"
                | "NextRawPart"
                | "Decode"
                | "Token"
                | "ReadDir"
                | "Readdir"
                | "Readdirnames"
                | "ReadRecord"
        ),
        ("io.EOF" | "io.ErrUnexpectedEOF", Some("io")) => matches!(name, "ReadFull" | "ReadAtLeast"),
        ("io.ErrShortBuffer", Some("io")) => name == "ReadAtLeast",
        ("io.EOF", Some("debug/elf")) => matches!(name, "Open" | "NewFile"),
        ("io.ErrClosedPipe", None) => name == "Write",
        ("net/http.ErrServerClosed", None | Some("net/http")) => {
            matches!(name, "Serve" | "ServeTLS" | "ListenAndServe" | "ListenAndServeTLS")
        }
        ("database/sql.ErrNoRows", None) => name == "Scan",
        ("context.Canceled" | "context.DeadlineExceeded", None) => name == "Err",
        ("context.Canceled" | "context.DeadlineExceeded", Some("context")) => name == "Cause",
        ("mime.ErrInvalidMediaParameter", Some("mime")) => name == "ParseMediaType",
        ("mime/multipart.ErrMessageTooLarge", None) => name == "ReadForm",
        // Errno values come back bare from the system call wrappers.
        (sentinel, Some("syscall")) => sentinel.starts_with("syscall.E"),
        (sentinel, Some("golang.org/x/sys/unix")) => sentinel.starts_with("golang.org/x/sys/unix.E"),
        _ => false,
    }
}

/// The call whose result the compared error is: the expression itself when it is a call, else
/// the last assignment to the name before the comparison in the same function.
fn source_call<'tree>(ctx: &RuleContext<'_, 'tree>, error: Node<'tree>, at: Node<'tree>) -> Option<Node<'tree>> {
    let error = syntax::unparen(error);
    if error.kind_name() == "call_expression" {
        return Some(error);
    }
    if error.kind_name() != "identifier" {
        return None;
    }
    let name = ctx.text(error);
    let function = syntax::enclosing_function(at)?;
    let body = function.field_child("body")?;
    let binding = syntax::bindings_of(body, name, &ctx.file.text)
        .into_iter()
        .filter(|binding| binding.statement.start_byte() < at.start_byte())
        .max_by_key(|binding| binding.statement.start_byte())?;
    let value = match binding.value {
        Some(value) => value,
        None => {
            let right = binding.statement.field_child("right").or_else(|| binding.statement.field_child("value"))?;
            match syntax::named_children(right).as_slice() {
                [single] => *single,
                _ => return None,
            }
        }
    };
    let value = syntax::unparen(value);
    (value.kind_name() == "call_expression").then_some(value)
}

/// The local name of the `errors` package for the fix, with the edits that import it when the
/// file does not yet. `None` when the name `errors` is taken (another package imported as
/// `errors`, a local or package-level name), so the fix would not compile.
fn errors_package(ctx: &RuleContext<'_, '_>, at: Node<'_>) -> Option<(String, Vec<Edit>)> {
    if let Some(name) = ctx.facts.imports.local_name("errors") {
        if name == "." {
            return None;
        }
        let shadowed = ctx.types.ancestry().enclosing_functions(at).any(|function| ctx.types.locals(function).contains_key(name));
        return (!shadowed).then(|| (name.to_string(), Vec::new()));
    }
    let taken = ctx.facts.imports.imports.iter().any(|import| import.local_name == "errors")
        || ctx.types.ancestry().enclosing_functions(at).any(|function| ctx.types.locals(function).contains_key("errors"))
        || ctx.package.is_some_and(|package| package.value("errors").is_some() || package.function("errors").is_some())
        || ctx.types.declares_type("errors");
    if taken {
        return None;
    }
    Some(("errors".to_string(), vec![import_edit(ctx)?]))
}

/// An edit that adds `"errors"` to the file's imports, in sorted place within the first group.
fn import_edit(ctx: &RuleContext<'_, '_>) -> Option<Edit> {
    let root = ctx.tree.root_node();
    let source: &str = &ctx.file.text;
    let declarations = syntax::named_children(root);
    let Some(first_import) = declarations.iter().find(|node| node.kind_name() == "import_declaration") else {
        let package = declarations.iter().find(|node| node.kind_name() == "package_clause")?;
        return Some(Edit::insert(package.end_byte(), "\n\nimport \"errors\""));
    };
    let Some(list) = syntax::named_children(*first_import).into_iter().find(|node| node.kind_name() == "import_spec_list") else {
        return Some(Edit::insert(first_import.start_byte(), "import \"errors\"\n"));
    };
    let specs: Vec<Node<'_>> = syntax::named_children(list).into_iter().filter(|node| node.kind_name() == "import_spec").collect();
    let first = specs.first()?;
    // The first group: specs on consecutive lines from the first one.
    let mut group = vec![*first];
    for spec in specs.iter().skip(1) {
        let previous = group.last().copied()?;
        if spec.start_position().row != previous.end_position().row + 1 {
            break;
        }
        group.push(*spec);
    }
    let path_of = |spec: Node<'_>| spec.field_child("path").map(|path| syntax::text(path, source).trim_matches(|c| c == '"' || c == '`').to_string());
    if let Some(after) = group.iter().find(|spec| path_of(**spec).is_some_and(|path| path.as_str() > "errors")) {
        let indent = syntax::line_indent(source, after.start_byte());
        return Some(Edit::insert(after.start_byte(), format!("\"errors\"\n{indent}")));
    }
    let last = group.last()?;
    let indent = syntax::line_indent(source, last.start_byte());
    Some(Edit::insert(last.end_byte(), format!("\n{indent}\"errors\"")))
}
