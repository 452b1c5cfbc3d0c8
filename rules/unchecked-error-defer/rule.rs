use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::facts::stdlib;
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "unchecked-error-defer",
    family: "A3",
    summary: "A deferred Close/Flush/Sync of something the function writes drops its error, so data can be lost silently",
    // Info: its judged sample on code it was not tuned on is over the precision bar (ledger.tsv).
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability", "error-handling", "data-loss"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["errcheck"],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// The methods that finish a write: what they drop is data.
const FINISHING_METHODS: &[&str] = &["Close", "Flush", "Sync"];

/// Writers whose `Close`/`Flush` writes out what the function wrote: (type, what to call it).
pub(super) const WRITER_TYPES: &[(&str, &str)] = &[
    ("*bufio.Writer", "a *bufio.Writer"),
    ("*bufio.ReadWriter", "a *bufio.ReadWriter"),
    ("*compress/gzip.Writer", "a *gzip.Writer"),
    ("*compress/zlib.Writer", "a *zlib.Writer"),
    ("*compress/flate.Writer", "a *flate.Writer"),
    ("*compress/lzw.Writer", "an *lzw.Writer"),
    ("*archive/zip.Writer", "a *zip.Writer"),
    ("*archive/tar.Writer", "a *tar.Writer"),
    ("*encoding/csv.Writer", "a *csv.Writer"),
    ("*mime/multipart.Writer", "a *multipart.Writer"),
    ("*text/tabwriter.Writer", "a *tabwriter.Writer"),
    ("io.WriteCloser", "an io.WriteCloser"),
];

/// `os` functions whose file is open for writing whatever their arguments.
const WRITE_OPENERS: &[&str] = &["Create", "CreateTemp"];

/// Flags that make `os.OpenFile` open for writing.
pub(super) const WRITE_FLAGS: &[&str] = &["O_WRONLY", "O_RDWR", "O_APPEND", "O_CREATE", "O_TRUNC"];

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let Some(defer) = found.target() else { return };
    if let Some(call) = found.get("call") {
        check_call(ctx, defer, call);
        return;
    }
    let Some(body) = found.get("body") else { return };
    let source: &str = &ctx.file.text;
    // Each call dropped inside the deferred literal: `x.Close()` or `_ = x.Close()`.
    let dropped: Vec<(Node<'_>, Node<'_>)> = syntax::descendants_in_function(body)
        .into_iter()
        .filter_map(|node| {
            let call = match node.kind_name() {
                "expression_statement" => node.named_child(0),
                "assignment_statement" => {
                    let left = syntax::named_children(node.field_child("left")?);
                    let right = syntax::named_children(node.field_child("right")?);
                    match (left.as_slice(), right.as_slice()) {
                        ([blank], [value]) if syntax::text(*blank, source) == "_" => Some(*value),
                        _ => None,
                    }
                }
                _ => None,
            }
            .map(syntax::unparen)?;
            (call.kind_name() == "call_expression").then_some((node, call))
        })
        .collect();
    for (statement, call) in dropped {
        check_call(ctx, statement, call);
    }
}

/// Report `call` (run by `statement`) when it finishes a write and its error is dropped.
fn check_call(ctx: &mut RuleContext<'_, '_>, statement: Node<'_>, call: Node<'_>) {
    let source: &str = &ctx.file.text;
    let Some(function) = call.field_child("function").map(syntax::unparen) else { return };
    if function.kind_name() != "selector_expression" {
        return;
    }
    let (Some(receiver), Some(method)) =
        (function.field_child("operand"), function.field_child("field"))
    else {
        return;
    };
    let receiver = syntax::unparen(receiver);
    let method = ctx.text(method);
    if !FINISHING_METHODS.contains(&method) {
        return;
    }
    let Some(owner) = ctx.types.type_of(receiver) else { return };
    // csv's Flush returns nothing: its error is only in w.Error(), never checked after a defer.
    let returns_error = ctx.types.method_call(&owner, method).is_some_and(|info| info.returns_error());
    let csv_flush = owner == "*encoding/csv.Writer" && method == "Flush";
    if !returns_error && !csv_flush {
        return;
    }
    let Some(written) = written_resource(ctx, receiver, &owner) else { return };
    if checked_elsewhere(receiver, method, call, source) {
        return;
    }
    let name = ctx.text(receiver);
    let shown = syntax::text(call, source);
    let message = if csv_flush {
        format!(
            "deferred `{shown}` loses the write error: `{name}` is {written}, whose Flush reports failures only through `{name}.Error()`"
        )
    } else {
        format!(
            "deferred `{shown}` drops its error, but `{name}` is {written}: a write that fails at {method} loses data silently"
        )
    };
    let help = if csv_flush {
        format!(
            "Flush and check before returning: `{name}.Flush(); if err := {name}.Error(); err != nil {{ return err }}`"
        )
    } else {
        format!(
            "Keep the error in a named result: `defer func() {{ if cerr := {name}.{method}(); cerr != nil && err == nil {{ err = cerr }} }}()`, \
             or check an explicit `{name}.{method}()` before returning"
        )
    };
    let in_test = ctx.facts.is_test_file;
    let finding = ctx.report(statement, message).help(help);
    if in_test {
        finding.severity(Severity::Info);
    }
}

/// What makes `receiver` (of type `owner`) something the function writes, for the message:
/// a writer type, or a file opened for writing in this function. `None` when it is not known to
/// be written: read-only files, parameters, fields, connections, response bodies.
fn written_resource(ctx: &RuleContext<'_, '_>, receiver: Node<'_>, owner: &str) -> Option<String> {
    let source: &str = &ctx.file.text;
    if let Some((_, described)) = WRITER_TYPES.iter().find(|(ty, _)| *ty == owner) {
        // `bufio.NewWriter(os.Stdout)`, `gzip.NewWriter(&buf)`: terminal output goes unchecked by
        // convention, as for fmt.Println, and memory cannot fail.
        if syntax::wraps_unchecked_writer(ctx.types, &ctx.facts.imports, receiver, source) {
            return None;
        }
        if owner == "io.WriteCloser" && receiver.kind_name() == "identifier" && !written_in_function(ctx, receiver) {
            return None;
        }
        return Some((*described).to_string());
    }
    if owner != "*os.File" || receiver.kind_name() != "identifier" {
        return None;
    }
    let values = bound_calls(receiver, source)?;
    let mut opener = None;
    for value in &values {
        opener = Some(write_opener(ctx, *value)?);
    }
    if values.iter().any(|value| removed_in_function(ctx, receiver, *value)) || !written_in_function(ctx, receiver) {
        return None;
    }
    opener.map(|opener| format!("a file opened for writing by {opener}"))
}

/// The file is scratch space: the declaration removes it (`os.Remove(f.Name())`, or
/// `os.Remove(name)` with the name it was created from), so nothing written to it is kept.
fn removed_in_function(ctx: &RuleContext<'_, '_>, file: Node<'_>, opener: Node<'_>) -> bool {
    let source: &str = &ctx.file.text;
    let file_name_call = format!("{}.Name()", syntax::text(file, source));
    let created_from = syntax::call_arguments(opener).first().map(|name| syntax::text(*name, source));
    let Some(scope) = syntax::top_level_declaration(file) else { return false };
    syntax::descendants(scope).any(|node| {
        if node.kind_name() != "call_expression" {
            return false;
        }
        let Some((Some(package), "Remove" | "RemoveAll")) = syntax::call_name(node, source) else { return false };
        if ctx.facts.imports.path_of(package) != Some("os") {
            return false;
        }
        syntax::call_arguments(node).first().is_some_and(|removed| {
            let removed = syntax::text(*removed, source);
            removed == file_name_call || Some(removed) == created_from
        })
    })
}

/// The calls that give the local `name` its value, one per binding in the declaration around
/// it. `None` when a binding is not a call (or there is none): where the value came from is
/// not known.
pub(super) fn bound_calls<'tree>(name: Node<'tree>, source: &str) -> Option<Vec<Node<'tree>>> {
    let scope = syntax::top_level_declaration(name)?;
    let bindings = syntax::bindings_of(scope, syntax::text(name, source), source);
    if bindings.is_empty() {
        return None;
    }
    bindings
        .iter()
        .map(|binding| {
            let value = match binding.value {
                Some(value) => value,
                None => {
                    let right = match binding.statement.kind_name() {
                        "var_spec" => binding.statement.field_child("value"),
                        _ => binding.statement.field_child("right"),
                    }?;
                    match syntax::named_children(right).as_slice() {
                        [single] => *single,
                        _ => return None,
                    }
                }
            };
            let value = syntax::unparen(value);
            (value.kind_name() == "call_expression").then_some(value)
        })
        .collect()
}

/// `os.Create`, `os.CreateTemp`, `ioutil.TempFile`, or `os.OpenFile` with a write flag written
/// in its flags argument: the name to show. `None` for anything else (`os.Open`, flags in a
/// variable).
fn write_opener(ctx: &RuleContext<'_, '_>, call: Node<'_>) -> Option<String> {
    let source: &str = &ctx.file.text;
    let (Some(package), name) = syntax::call_name(call, source)? else { return None };
    let path = ctx.facts.imports.path_of(package)?;
    let opens_for_writing = match (path, name) {
        ("os", opener) if WRITE_OPENERS.contains(&opener) => true,
        ("io/ioutil", "TempFile") => true,
        // Nothing written to os.DevNull is kept.
        _ if syntax::call_arguments(call).first().is_some_and(|name| syntax::text(*name, source) == "os.DevNull") => {
            false
        }
        ("os", "OpenFile") => syntax::call_arguments(call).get(1).is_some_and(|flags| {
            syntax::descendants(*flags)
                .chain(std::iter::once(*flags))
                .any(|node| node.kind_name() == "field_identifier" && WRITE_FLAGS.contains(&syntax::text(node, source)))
        }),
        _ => false,
    };
    opens_for_writing.then(|| format!("{package}.{name}"))
}

/// Methods that write to the value they are called on.
const WRITE_METHODS: &[&str] = &["Write", "WriteString", "WriteAt", "WriteByte", "WriteRune", "ReadFrom", "Truncate"];

/// The declaration writes to the local `name`, or hands it to code that may: a write method is
/// called on it, it is passed to a call whose parameter is not a plain reader, or it is stored
/// or returned. Only reading it (`f.Fd()`, `f.Stat()`, `io.ReadAll(f)`) is not writing: a
/// file opened read-write for an ioctl loses nothing at Close.
pub(super) fn written_in_function(ctx: &RuleContext<'_, '_>, name: Node<'_>) -> bool {
    let source: &str = &ctx.file.text;
    let Some(scope) = syntax::top_level_declaration(name) else { return false };
    syntax::identifiers_named(scope, syntax::text(name, source), source).any(|identifier| {
        let Some(parent) = identifier.parent_node() else { return false };
        match parent.kind_name() {
            "selector_expression" => {
                let method = parent.field_child("field").map_or("", |field| syntax::text(field, source));
                let called = parent.parent_node().is_some_and(|call| {
                    call.kind_name() == "call_expression" && call.field_child("function") == Some(parent)
                });
                called && WRITE_METHODS.contains(&method)
            }
            "argument_list" => parent.parent_node().is_some_and(|call| !reads_only(ctx, call, identifier)),
            // Bound here, or deferred (the call under judgement): not a write.
            "expression_list" => parent.parent_node().is_some_and(|statement| {
                !(matches!(statement.kind_name(), "short_var_declaration" | "assignment_statement")
                    && statement.field_child("left") == Some(parent))
            }),
            // Stored in a composite literal, sent, or its address taken: it may be written later.
            "literal_element" | "keyed_element" | "send_statement" | "unary_expression" => true,
            _ => false,
        }
    })
}

/// `argument` goes to a standard library parameter that only reads: an `io.Reader` and the like.
fn reads_only(ctx: &RuleContext<'_, '_>, call: Node<'_>, argument: Node<'_>) -> bool {
    let source: &str = &ctx.file.text;
    let Some(index) = syntax::call_arguments(call).iter().position(|node| *node == argument) else { return false };
    let Some((Some(package), name)) = syntax::call_name(call, source) else { return false };
    let Some(path) = ctx.facts.imports.path_of(package) else { return false };
    let Some(signature) = stdlib::func(path, name) else { return false };
    let parameter = if signature.variadic {
        signature.params.get(index.min(signature.params.len().saturating_sub(1)))
    } else {
        signature.params.get(index)
    };
    parameter.is_some_and(|ty| {
        matches!(
            ty.as_str(),
            "io.Reader" | "io.ReaderAt" | "io.ReadSeeker" | "io.ReadCloser" | "io.ByteReader" | "io.RuneReader"
        )
    })
}

/// The same receiver's write is finished and checked elsewhere in the declaration (the
/// `defer f.Close()` safety net beside an explicit `if err := f.Close(); err != nil`): then the
/// deferred call only matters on error paths, where an earlier error is already returned.
fn checked_elsewhere(receiver: Node<'_>, method: &str, deferred: Node<'_>, source: &str) -> bool {
    let receiver = syntax::text(receiver, source);
    let finishes: &[&str] = match method {
        "Close" => &["Close", "Sync"],
        _ => &["Close", "Flush", "Sync"],
    };
    let Some(scope) = syntax::top_level_declaration(deferred) else { return false };
    syntax::descendants(scope).any(|node| {
        node != deferred
            && node.kind_name() == "call_expression"
            && syntax::call_name(node, source)
                .is_some_and(|(operand, name)| operand == Some(receiver) && finishes.contains(&name))
            && syntax::call_result_used(node, source)
    })
}
