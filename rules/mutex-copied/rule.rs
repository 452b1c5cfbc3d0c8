use crate::syntax::{FieldChild as _, KindName as _};
use crate::engine::facts::module::{LockInfo, LockKind};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "mutex-copied",
    family: "C4",
    summary: "A struct holding a sync.Mutex, RWMutex or WaitGroup by value is copied by a value receiver, parameter or range",
    severity: Severity::Error,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::High,
    tags: &["reliability", "data-race"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["govet", "copylocks"],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Use a pointer receiver / pass a pointer (`*T`), so every copy shares one lock";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let Some(target) = found.target() else { return };
    if target.kind_name() == "for_statement" {
        check_range(ctx, found, target);
    } else if let Some(type_node) = found.get("type") {
        check_declaration(ctx, target, type_node);
    }
}

/// A lock held by value, and where it is declared when that is in this file.
struct Held<'a> {
    type_name: String,
    info: LockInfo,
    field: Option<Node<'a>>,
}

fn check_declaration(ctx: &mut RuleContext<'_, '_>, declaration: Node<'_>, type_node: Node<'_>) {
    let mut parameters = Vec::new();
    for list in ["receiver", "parameters"] {
        if let Some(list) = declaration.field_child(list) {
            for parameter in syntax::named_children(list) {
                if parameter.kind_name() == "parameter_declaration" {
                    parameters.push((list, parameter));
                }
            }
        }
    }
    // Only the first parameter that copies a lock reports, so a declaration reports once.
    let Some((list, parameter, held)) = parameters.into_iter().find_map(|(list, parameter)| {
        let ty = parameter.field_child("type")?;
        held_by_value(ctx, ty).map(|held| (list, parameter, held))
    }) else {
        return;
    };
    if parameter.field_child("type").is_none_or(|ty| ty.id() != type_node.id()) {
        return;
    }
    let is_receiver = declaration.field_child("receiver").is_some_and(|receiver| receiver.id() == list.id());
    let name = parameter.field_child("name").map(|name| ctx.text(name)).unwrap_or("_");
    let what = if is_receiver {
        format!("the value receiver `{name}`")
    } else {
        format!("the parameter `{name}`, passed by value,")
    };
    let message = format!(
        "{what} copies `{}`, which holds a {} ({}); the copy's lock guards nothing",
        held.type_name,
        held.info.kind.type_name(),
        describe_field(&held.info)
    );
    let end = declaration.field_child("body").map_or(declaration.end_byte(), |body| body.start_byte());
    let span = Span::new(declaration.start_byte(), end.min(syntax::line_end(&ctx.file.text, declaration.start_byte())));
    report(ctx, span, message, held.field);
}

fn check_range(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>, statement: Node<'_>) {
    let (Some(value), Some(range)) = (found.get("value"), found.get("range")) else { return };
    if ctx.text(value) == "_" {
        return;
    }
    let Some(over) = ctx.types.type_of(range) else { return };
    let Some(element) = element_type(&over) else { return };
    let Some(held) = held_by_type_text(ctx, element) else { return };
    let message = format!(
        "`{}` copies each `{}`, which holds a {} ({}); locking the copy guards nothing",
        ctx.text(value),
        held.type_name,
        held.info.kind.type_name(),
        describe_field(&held.info)
    );
    let span = flow::Loop::new(statement)
        .map_or(Span::new(statement.start_byte(), statement.start_byte() + 3), |loop_| loop_.header_span());
    report(ctx, span, message, held.field);
}

/// The element type of a slice, array or map type text (`[]T`, `[4]T`, `map[K]T`, `*[4]T`).
fn element_type(ty: &str) -> Option<&str> {
    let ty = ty.strip_prefix('*').unwrap_or(ty);
    let rest = if let Some(rest) = ty.strip_prefix("map[") {
        let mut depth = 1;
        let close = rest.char_indices().find(|(_, c)| {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            }
            depth == 0
        })?;
        &rest[close.0 + 1..]
    } else if ty.starts_with('[') {
        &ty[ty.find(']')? + 1..]
    } else {
        return None;
    };
    (!rest.is_empty()).then_some(rest)
}

/// The lock a type written in source holds by value.
fn held_by_value<'a>(ctx: &RuleContext<'a, '_>, ty: Node<'_>) -> Option<Held<'a>> {
    match ty.kind_name() {
        "array_type" => held_by_value(ctx, ty.field_child("element")?),
        "qualified_type" => {
            let package = ty.field_child("package")?;
            let name = ty.field_child("name")?;
            if ctx.facts.imports.names(ctx.text(package), "sync") {
                let kind = LockKind::from_sync_name(ctx.text(name))?;
                return Some(Held {
                    type_name: kind.type_name().to_string(),
                    info: LockInfo { field_path: "".into(), kind },
                    field: None,
                });
            }
            let resolved = ctx.types.resolve_type(ty)?;
            let info = facts_lock(ctx, &resolved)?;
            Some(Held { type_name: ctx.text(ty).to_string(), info, field: None })
        }
        "type_identifier" => {
            let name = ctx.text(ty);
            let from_facts = ctx.types.resolve_type(ty).and_then(|resolved| facts_lock(ctx, &resolved));
            // A struct of this file holds a sync type by value only if the file imports sync;
            // skip the walks over the file's declarations otherwise (they ran once per
            // parameter, which made large files quadratic).
            if from_facts.is_none() && !ctx.facts.imports.contains("sync") {
                return None;
            }
            let in_file = file_struct_lock(ctx, name, 0);
            if ctx.types.declares_type(name) {
                // Declared in this file: what the declaration shows is authoritative.
                return in_file.map(|(info, field)| Held { type_name: name.to_string(), info, field: Some(field) });
            }
            match (from_facts, in_file) {
                (Some(info), in_file) => {
                    let field =
                        in_file.filter(|(found, _)| found.field_path == info.field_path).map(|(_, field)| field);
                    Some(Held { type_name: name.to_string(), info, field })
                }
                (None, Some((info, field))) => Some(Held { type_name: name.to_string(), info, field: Some(field) }),
                (None, None) => None,
            }
        }
        _ => None,
    }
}

/// The pre-pass's lock for a type in table form. The facts already leave out embedded
/// pointers and types whose build-tag variants do not all hold a lock.
fn facts_lock(ctx: &RuleContext<'_, '_>, ty: &str) -> Option<LockInfo> {
    ctx.project?.lock_held_by_value(ty)
}

/// The same for a type in table form (`example.com/m.Store`), as `type_of` gives it.
fn held_by_type_text<'a>(ctx: &RuleContext<'a, '_>, ty: &str) -> Option<Held<'a>> {
    if ty.starts_with('*') {
        return None;
    }
    let local =
        ctx.package.map(|package| package.type_path()).and_then(|path| ty.strip_prefix(path)?.strip_prefix('.'));
    let display = local.unwrap_or(ty).rsplit('/').next().unwrap_or(ty).to_string();
    let in_file = local.filter(|name| !name.contains(['.', '[', '*'])).and_then(|name| file_struct_lock(ctx, name, 0));
    match (facts_lock(ctx, ty), in_file) {
        (Some(info), in_file) => {
            let field = in_file.filter(|(found, _)| found.field_path == info.field_path).map(|(_, field)| field);
            Some(Held { type_name: display, info, field })
        }
        (None, Some((info, field))) => Some(Held { type_name: display, info, field: Some(field) }),
        (None, None) => None,
    }
}

/// A struct declared in this file with a `sync` lock by value, directly, embedded, or through
/// another struct of this file: the lock's field path and the field declaration of the struct.
fn file_struct_lock<'a>(ctx: &RuleContext<'a, '_>, name: &str, depth: usize) -> Option<(LockInfo, Node<'a>)> {
    if depth > 4 {
        return None;
    }
    let spec = ctx.types.non_generic_type_spec(name)?;
    let struct_type = spec.field_child("type").filter(|ty| ty.kind_name() == "struct_type")?;
    let fields = syntax::named_children(struct_type).into_iter().find(|n| n.kind_name() == "field_declaration_list")?;
    for field in syntax::named_children(fields) {
        if field.kind_name() != "field_declaration" {
            continue;
        }
        let Some(ty) = field.field_child("type") else { continue };
        // An embedded pointer (`*Link`): the `*` is a token of the field, not of its type.
        if syntax::descendants(field).any(|child| child.kind_name() == "*") {
            continue;
        }
        let field_name = field.field_child("name").map(|n| ctx.text(n));
        let (kind, inner_path) = match ty.kind_name() {
            "qualified_type" => {
                let (Some(package), Some(type_name)) =
                    (ty.field_child("package"), ty.field_child("name"))
                else {
                    continue;
                };
                if !ctx.facts.imports.names(ctx.text(package), "sync") {
                    continue;
                }
                let Some(kind) = LockKind::from_sync_name(ctx.text(type_name)) else { continue };
                (kind, None)
            }
            "type_identifier" if ctx.text(ty) != name => {
                let inner = if ctx.types.declares_type(ctx.text(ty)) {
                    file_struct_lock(ctx, ctx.text(ty), depth + 1).map(|(inner, _)| inner)
                } else {
                    ctx.types.resolve_type(ty).and_then(|resolved| facts_lock(ctx, &resolved))
                };
                let Some(inner) = inner else { continue };
                (inner.kind, (!inner.field_path.is_empty()).then(|| inner.field_path.to_string()))
            }
            _ => continue,
        };
        let own = field_name.unwrap_or_else(|| {
            let text = ctx.text(ty);
            text.rsplit('.').next().unwrap_or(text)
        });
        let field_path = match inner_path {
            Some(inner) => format!("{own}.{inner}"),
            None => own.to_string(),
        };
        return Some((LockInfo { field_path: field_path.as_str().into(), kind }, field));
    }
    None
}

fn report(ctx: &mut RuleContext<'_, '_>, span: Span, message: String, field: Option<Node<'_>>) {
    let finding = ctx.report(span, message).help(HELP);
    if let Some(field) = field {
        finding.label(field, "the lock is held by value here");
    }
}

fn describe_field(info: &LockInfo) -> String {
    if info.field_path.is_empty() {
        "it is the lock itself".to_string()
    } else {
        format!("field `{}`", info.field_path)
    }
}
