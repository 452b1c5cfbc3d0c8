//! Types of expressions and locals inside one function, from what declarations show: the
//! "locals" type-light fact (DESIGN.md). `f, err := os.Open(p)` makes `f` an `*os.File`, so
//! `f.Close()` is known to return `error`.
//!
//! Types are strings in the stdlib table's form (`*os.File`, `net/http.Response`, `error`,
//! `[]uint8`); the module's own named types are `<import path>.<Name>` when the package's import
//! path is known. Anything not shown by a declaration is unknown (`None`): rules stay silent then.
//!
//! Approximations: a name bound several times in one function has a type only when every
//! binding whose type is known agrees (shadowing is not resolved); type parameters, generic
//! instantiation, conversions `T(x)` and untyped constants are unknown.

use crate::engine::facts::Imports;
use crate::engine::facts::stdlib::{self, TypeRef};
use crate::hash::HashMap;
use crate::syntax;
use crate::syntax::{FieldChild as _, KindName as _};
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;
use tree_sitter::Node;

/// The module's own declarations, as far as rules need them for typing. Implemented by the
/// module pre-pass; `NoProject` knows nothing.
pub trait ProjectTypes {
    /// Result types of the package-level function `name` in the package `pkg_path`.
    fn func_results(&self, pkg_path: &str, name: &str) -> Option<Vec<String>>;
    /// Result types of method `name` of the named type `type_name` in `pkg_path`.
    fn method_results(&self, pkg_path: &str, type_name: &str, name: &str) -> Option<Vec<String>>;
    /// Type of the struct field `field` of `type_name` in `pkg_path`.
    fn field_type(&self, pkg_path: &str, type_name: &str, field: &str) -> Option<String>;
    /// Type of the package-level variable `name` in `pkg_path`.
    fn var_type(&self, pkg_path: &str, name: &str) -> Option<String>;
}

pub struct NoProject;

impl ProjectTypes for NoProject {
    fn func_results(&self, _: &str, _: &str) -> Option<Vec<String>> {
        None
    }
    fn method_results(&self, _: &str, _: &str, _: &str) -> Option<Vec<String>> {
        None
    }
    fn field_type(&self, _: &str, _: &str, _: &str) -> Option<String> {
        None
    }
    fn var_type(&self, _: &str, _: &str) -> Option<String> {
        None
    }
}

/// Predeclared type names, spelled as the stdlib table spells them.
fn predeclared(name: &str) -> Option<&'static str> {
    Some(match name {
        "error" => "error",
        "bool" => "bool",
        "string" => "string",
        "int" => "int",
        "int8" => "int8",
        "int16" => "int16",
        "int32" | "rune" => "int32",
        "int64" => "int64",
        "uint" => "uint",
        "uint8" | "byte" => "uint8",
        "uint16" => "uint16",
        "uint32" => "uint32",
        "uint64" => "uint64",
        "uintptr" => "uintptr",
        "float32" => "float32",
        "float64" => "float64",
        "complex64" => "complex64",
        "complex128" => "complex128",
        "any" => "interface{}",
        _ => return None,
    })
}

/// What a call returns, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInfo {
    pub results: Vec<String>,
    /// Who is called, for messages: `os.Open`, `(*os.File).Close`, `store.Save`.
    pub callee: String,
    /// `Some((pkg_path, type_name))` for a method call on a known type.
    pub receiver: Option<(String, String)>,
    pub from_stdlib: bool,
}

impl CallInfo {
    pub fn returns_error(&self) -> bool {
        self.results.last().is_some_and(|result| result == "error")
    }
}

/// Typing context for one file: its imports, its package's import path, the project facts, and
/// a per-function cache of local variable types.
pub struct TypeEnv<'a> {
    source: &'a str,
    /// Ancestors in the file's tree: every node given to this environment is in it.
    ancestry: syntax::Ancestry<'a>,
    imports: &'a Imports,
    package_path: Option<&'a str>,
    project: &'a dyn ProjectTypes,
    locals_cache: RefCell<HashMap<usize, Rc<Locals>>>,
    /// Answers rules keep for the rest of the file, by (question, node id, name): see
    /// [`Self::remember`].
    remembered: RefCell<HashMap<RememberKey, bool>>,
    /// As `remembered`, for questions answered by a position (an index, `None` for no answer).
    remembered_positions: RefCell<HashMap<RememberKey, Option<usize>>>,
    /// [`Self::call`]'s answers by call node: many rules match the same call and ask again.
    calls: RefCell<HashMap<usize, Option<CallInfo>>>,
    /// [`Self::is_local`]'s answers by identifier node.
    local_names: RefCell<HashMap<usize, bool>>,
    /// How many functions' locals are being computed right now. While one is, its later
    /// bindings are not typed yet, so answers that read locals are not remembered.
    typing_locals: std::cell::Cell<usize>,
    /// The file's top-level `type_spec`s by name, built on first use: rules that look a type up
    /// by name once per match would otherwise walk every declaration of the file each time.
    /// Positions, not nodes, so that `TypeEnv` stays covariant in `'a`.
    top_level_types: OnceCell<HashMap<Box<str>, TopLevelType>>,
}

/// What the file's top-level `type` declarations say about one name.
#[derive(Clone, Copy)]
struct TopLevelType {
    /// The first `type_spec` of that name without type parameters, in source order, as (the
    /// declaration's index among the root's children, the spec's index among its named children).
    first_non_generic: Option<(usize, usize)>,
}

/// A remembered question: what is asked, of which node (its id), about which name.
type RememberKey = (&'static str, usize, String);

/// The answer under `key` in `answers`, `compute`d and kept the first time it is asked.
fn remember_in<T: Copy>(
    answers: &RefCell<HashMap<RememberKey, T>>,
    key: RememberKey,
    compute: impl FnOnce() -> T,
) -> T {
    if let Some(&known) = answers.borrow().get(&key) {
        return known;
    }
    let answer = compute();
    answers.borrow_mut().insert(key, answer);
    answer
}

/// A function's locals: name → type, `None` when unknown or ambiguous.
pub type Locals = HashMap<String, Option<String>>;

impl<'a> TypeEnv<'a> {
    /// `root` is the root of the file's tree: every node given to this environment is in it.
    pub fn new(
        source: &'a str,
        root: Node<'a>,
        imports: &'a Imports,
        package_path: Option<&'a str>,
        project: &'a dyn ProjectTypes,
    ) -> TypeEnv<'a> {
        TypeEnv {
            source,
            ancestry: syntax::Ancestry::new(root, source),
            imports,
            package_path,
            project,
            locals_cache: RefCell::new(HashMap::default()),
            remembered: RefCell::new(HashMap::default()),
            remembered_positions: RefCell::new(HashMap::default()),
            calls: RefCell::new(HashMap::default()),
            local_names: RefCell::new(HashMap::default()),
            typing_locals: std::cell::Cell::new(0),
            top_level_types: OnceCell::new(),
        }
    }

    /// The answer to `question` about `node` and `name`, remembered for the rest of the file:
    /// `compute`d the first time only. For questions whose answer depends on nothing else, asked
    /// once per match about the same function (a walk of its body each time otherwise).
    pub fn remember(&self, question: &'static str, node: Node<'_>, name: &str, compute: impl FnOnce() -> bool) -> bool {
        remember_in(&self.remembered, (question, node.id(), name.to_string()), compute)
    }

    /// As [`TypeEnv::remember`], for a question answered by a position, such as the index of a
    /// top-level declaration (nodes themselves are not kept: that would tie the environment's
    /// lifetime to every caller's).
    pub fn remember_position(
        &self,
        question: &'static str,
        node: Node<'_>,
        name: &str,
        compute: impl FnOnce() -> Option<usize>,
    ) -> Option<usize> {
        remember_in(&self.remembered_positions, (question, node.id(), name.to_string()), compute)
    }

    /// Ancestor lookups in the file's tree.
    pub fn ancestry(&self) -> &syntax::Ancestry<'a> {
        &self.ancestry
    }

    /// True when the file declares a type `name` at top level (a `type_spec`; aliases are not).
    pub fn declares_type(&self, name: &str) -> bool {
        self.top_level_types().contains_key(name)
    }

    /// The first top-level `type_spec` named `name` that has no type parameters.
    pub fn non_generic_type_spec(&self, name: &str) -> Option<Node<'a>> {
        let (declaration, spec) = self.top_level_types().get(name)?.first_non_generic?;
        self.ancestry.top_level_child(declaration)?.named_child(u32::try_from(spec).ok()?)
    }

    fn top_level_types(&self) -> &HashMap<Box<str>, TopLevelType> {
        self.top_level_types.get_or_init(|| {
            let mut types: HashMap<Box<str>, TopLevelType> = HashMap::default();
            let declarations = self.ancestry.top_level_children().enumerate();
            for (index, declaration) in declarations.filter(|(_, node)| node.kind_name() == "type_declaration") {
                // Positions among all named children, comments included, as `named_child` counts.
                let mut cursor = declaration.walk();
                for (position, spec) in declaration.named_children(&mut cursor).enumerate() {
                    if spec.kind_name() != "type_spec" {
                        continue;
                    }
                    let Some(name) = spec.field_child("name") else { continue };
                    let entry = types.entry(self.text(name).into()).or_insert(TopLevelType { first_non_generic: None });
                    if entry.first_non_generic.is_none() && spec.field_child("type_parameters").is_none() {
                        entry.first_non_generic = Some((index, position));
                    }
                }
            }
            types
        })
    }

    fn text(&self, node: Node<'_>) -> &'a str {
        syntax::text(node, self.source)
    }

    /// A type written in source (`*http.Request`, `[]byte`, `Store`) in table form.
    pub fn resolve_type(&self, node: Node<'_>) -> Option<String> {
        match node.kind_name() {
            "type_identifier" | "identifier" => {
                let name = self.text(node);
                if let Some(builtin) = predeclared(name) {
                    return Some(builtin.to_string());
                }
                if self.imports.has_dot_import() {
                    return None;
                }
                self.package_path.map(|path| format!("{path}.{name}"))
            }
            "qualified_type" => {
                let package = node.field_child("package")?;
                let name = node.field_child("name")?;
                let path = self.imports.path_of(self.text(package))?;
                Some(format!("{path}.{}", self.text(name)))
            }
            "pointer_type" => {
                let inner = syntax::named_children(node).into_iter().next()?;
                Some(format!("*{}", self.resolve_type(inner)?))
            }
            "slice_type" => Some(format!("[]{}", self.resolve_type(node.field_child("element")?)?)),
            "map_type" => Some(format!(
                "map[{}]{}",
                self.resolve_type(node.field_child("key")?)?,
                self.resolve_type(node.field_child("value")?)?
            )),
            "parenthesized_type" => self.resolve_type(syntax::named_children(node).into_iter().next()?),
            "channel_type" => {
                let value = self.resolve_type(node.field_child("value")?)?;
                let text = self.text(node);
                Some(if text.starts_with("<-") {
                    format!("<-chan {value}")
                } else if text.starts_with("chan<-") || text.starts_with("chan <-") {
                    format!("chan<- {value}")
                } else {
                    format!("chan {value}")
                })
            }
            "interface_type" if syntax::named_children(node).is_empty() => Some("interface{}".into()),
            _ => None,
        }
    }

    /// The type of an expression, if declarations show it.
    pub fn type_of(&self, expr: Node<'a>) -> Option<String> {
        let expr = syntax::unparen(expr);
        match expr.kind_name() {
            "identifier" => self.name_type(expr),
            "selector_expression" => {
                let operand = expr.field_child("operand")?;
                let field = self.text(expr.field_child("field")?);
                if operand.kind_name() == "identifier"
                    && !self.is_local(operand)
                    && let Some(path) = self.imports.path_of(self.text(operand))
                {
                    return stdlib::var(path, field)
                        .map(|ty| ty.as_str().to_string())
                        .or_else(|| self.project.var_type(path, field));
                }
                let owner = self.type_of(operand)?;
                self.field_of(&owner, field)
            }
            "call_expression" => {
                if let Some(pointer) = self.new_pointer(expr) {
                    return Some(pointer);
                }
                let info = self.call(expr)?;
                match info.results.as_slice() {
                    [single] => Some(single.clone()),
                    _ => None,
                }
            }
            "unary_expression" => {
                let operand = expr.field_child("operand")?;
                let operator = self.text(expr.field_child("operator")?);
                match operator {
                    "&" => Some(format!("*{}", self.type_of(operand)?)),
                    "*" => self.type_of(operand)?.strip_prefix('*').map(str::to_string),
                    _ => None,
                }
            }
            "composite_literal" => self.resolve_type(expr.field_child("type")?),
            "type_assertion_expression" => self.resolve_type(expr.field_child("type")?),
            "func_literal" => Some("func".into()),
            _ => None,
        }
    }

    /// `new(T)` is a `*T`, and Go 1.26's `new(expr)` a pointer to the type of `expr`, unless `new`
    /// is a local.
    fn new_pointer(&self, call: Node<'a>) -> Option<String> {
        let function = syntax::unparen(call.field_child("function")?);
        if function.kind_name() != "identifier" || self.text(function) != "new" || self.is_local(function) {
            return None;
        }
        let [allocated] = syntax::call_arguments(call)[..] else { return None };
        // The grammar reads a lone name as a type (`new(T)`), whatever it names: a variable
        // there is `new(expr)`.
        if matches!(allocated.kind_name(), "type_identifier" | "identifier") && self.names_variable(allocated) {
            return Some(format!("*{}", self.name_type(allocated)?));
        }
        if let Some(allocated_type) = self.resolve_type(allocated) {
            return Some(format!("*{allocated_type}"));
        }
        Some(format!("*{}", self.value_type(allocated)?))
    }

    /// True when `name` is a variable in scope: a local of an enclosing function, or a
    /// package-level variable the module declares.
    fn names_variable(&self, name: Node<'a>) -> bool {
        self.is_local(name)
            || (!self.imports.has_dot_import()
                && self.package_path.is_some_and(|path| self.project.var_type(path, self.text(name)).is_some()))
    }

    /// The type of a named variable (`identifier`, or a `type_identifier` that names a value).
    fn name_type(&self, name_node: Node<'a>) -> Option<String> {
        let name = self.text(name_node);
        // Function literals see their enclosing functions' locals.
        for function in self.ancestry.enclosing_functions(name_node) {
            if let Some(known) = self.locals(function).get(name) {
                return known.clone();
            }
        }
        if self.imports.has_dot_import() {
            return None;
        }
        self.project.var_type(self.package_path?, name)
    }

    /// The type of `new`'s operand: untyped constants take their default type, and a conversion
    /// to a predeclared type is that type; anything else is `type_of`.
    fn value_type(&self, expr: Node<'a>) -> Option<String> {
        let expr = syntax::unparen(expr);
        match expr.kind_name() {
            "int_literal" => Some("int".into()),
            "float_literal" => Some("float64".into()),
            "imaginary_literal" => Some("complex128".into()),
            "rune_literal" => Some("int32".into()),
            "interpreted_string_literal" | "raw_string_literal" => Some("string".into()),
            "true" | "false" => Some("bool".into()),
            "unary_expression" => match self.text(expr.field_child("operator")?) {
                "-" | "+" | "^" => self.value_type(expr.field_child("operand")?),
                "!" => Some("bool".into()),
                _ => self.type_of(expr),
            },
            "call_expression" | "type_conversion_expression" => {
                let function = syntax::unparen(expr.field_child("function")?);
                let converted = (function.kind_name() == "identifier" && !self.is_local(function))
                    .then(|| predeclared(self.text(function)))
                    .flatten();
                match (converted, syntax::call_arguments(expr).len()) {
                    (Some(converted), 1) => Some(converted.to_string()),
                    _ => self.type_of(expr),
                }
            }
            _ => self.type_of(expr),
        }
    }

    fn field_of(&self, owner: &str, field: &str) -> Option<String> {
        let named = TypeRef::new(owner).deref();
        let (path, type_name) = named.named()?;
        if stdlib::has_package(path) {
            return stdlib::field(path, type_name, field).map(|ty| ty.as_str().to_string());
        }
        self.project.field_type(path, type_name, field)
    }

    /// True when `identifier` names a local (parameter or variable) of an enclosing function,
    /// so `os.Open` is not the os package when `os` is a local.
    pub fn is_local(&self, identifier: Node<'a>) -> bool {
        if let Some(&known) = self.local_names.borrow().get(&identifier.id()) {
            return known;
        }
        let name = self.text(identifier);
        let answer =
            self.ancestry.enclosing_functions(identifier).any(|function| self.locals(function).contains_key(name));
        if self.typing_locals.get() == 0 {
            self.local_names.borrow_mut().insert(identifier.id(), answer);
        }
        answer
    }

    /// What a call returns, when the callee is known: a standard-library function or method, or
    /// one of the module's own (through `ProjectTypes`).
    pub fn call(&self, call: Node<'a>) -> Option<CallInfo> {
        if let Some(known) = self.calls.borrow().get(&call.id()) {
            return known.clone();
        }
        let answer = self.resolve_call(call);
        if self.typing_locals.get() == 0 {
            self.calls.borrow_mut().insert(call.id(), answer.clone());
        }
        answer
    }

    fn resolve_call(&self, call: Node<'a>) -> Option<CallInfo> {
        let function = syntax::unparen(call.field_child("function")?);
        match function.kind_name() {
            "identifier" => {
                let name = self.text(function);
                if self.is_local(function) || predeclared(name).is_some() || self.imports.has_dot_import() {
                    return None;
                }
                let results = self.project.func_results(self.package_path?, name)?;
                Some(CallInfo { results, callee: name.to_string(), receiver: None, from_stdlib: false })
            }
            "selector_expression" => {
                let operand = syntax::unparen(function.field_child("operand")?);
                let name = self.text(function.field_child("field")?);
                if operand.kind_name() == "identifier"
                    && !self.is_local(operand)
                    && let Some(path) = self.imports.path_of(self.text(operand))
                {
                    if let Some(sig) = stdlib::func(path, name) {
                        return Some(CallInfo {
                            results: sig.results.iter().map(|ty| ty.as_str().to_string()).collect(),
                            callee: format!("{}.{name}", self.text(operand)),
                            receiver: None,
                            from_stdlib: true,
                        });
                    }
                    let results = self.project.func_results(path, name)?;
                    return Some(CallInfo {
                        results,
                        callee: format!("{}.{name}", self.text(operand)),
                        receiver: None,
                        from_stdlib: false,
                    });
                }
                let owner = self.type_of(operand)?;
                self.method_call(&owner, name)
            }
            _ => None,
        }
    }

    /// A method call on a value of type `owner`.
    pub fn method_call(&self, owner: &str, name: &str) -> Option<CallInfo> {
        let named = TypeRef::new(owner).deref();
        if owner == "error" {
            return (name == "Error").then(|| CallInfo {
                results: vec!["string".into()],
                callee: "error.Error".into(),
                receiver: None,
                from_stdlib: true,
            });
        }
        let (path, type_name) = named.named()?;
        let callee = format!("({owner}).{name}");
        let receiver = Some((path.to_string(), type_name.to_string()));
        if stdlib::has_package(path) {
            let sig = stdlib::method(path, type_name, name)?;
            return Some(CallInfo {
                results: sig.results.iter().map(|ty| ty.as_str().to_string()).collect(),
                callee,
                receiver,
                from_stdlib: true,
            });
        }
        let results = self.project.method_results(path, type_name, name)?;
        Some(CallInfo { results, callee, receiver, from_stdlib: false })
    }

    /// Types of the parameters, receiver and variables declared directly in `function` (not in
    /// nested function literals). A name maps to `None` when its bindings disagree or are unknown.
    pub fn locals(&self, function: Node<'a>) -> Rc<Locals> {
        if let Some(cached) = self.locals_cache.borrow().get(&function.id()) {
            return Rc::clone(cached);
        }
        self.typing_locals.set(self.typing_locals.get() + 1);
        let computed = Rc::new(self.compute_locals(function));
        self.typing_locals.set(self.typing_locals.get() - 1);
        self.locals_cache.borrow_mut().insert(function.id(), Rc::clone(&computed));
        computed
    }

    fn compute_locals(&self, function: Node<'a>) -> Locals {
        let mut locals: Locals = HashMap::default();
        // Names bound with two different known types stay unknown for good.
        let mut conflicted: crate::hash::HashSet<String> = crate::hash::HashSet::default();
        let mut bind = |name: &str, ty: Option<String>| {
            if name == "_" {
                return;
            }
            match locals.get_mut(name) {
                None => {
                    locals.insert(name.to_string(), ty);
                }
                Some(existing) => match (&existing, ty) {
                    (Some(old), Some(new)) if *old != new => {
                        *existing = None;
                        conflicted.insert(name.to_string());
                    }
                    (None, Some(new)) if !conflicted.contains(name) => *existing = Some(new),
                    _ => {}
                },
            }
        };
        for field in ["receiver", "parameters"] {
            let Some(list) = function.field_child(field) else { continue };
            for declaration in syntax::named_children(list) {
                if !matches!(declaration.kind_name(), "parameter_declaration" | "variadic_parameter_declaration") {
                    continue;
                }
                let declared = declaration.field_child("type").and_then(|ty| self.resolve_type(ty));
                let declared = if declaration.kind_name() == "variadic_parameter_declaration" {
                    declared.map(|ty| format!("[]{ty}"))
                } else {
                    declared
                };
                let mut cursor = declaration.walk();
                for name in declaration.children_by_field_name("name", &mut cursor) {
                    bind(self.text(name), declared.clone());
                }
            }
        }
        let Some(body) = function.field_child("body") else { return locals };
        // Pending `:=`/`var` bindings are typed after the walk; typing a call may need locals.
        let mut pending: Vec<(String, Node<'_>, Option<usize>)> = Vec::new();
        static BINDINGS: std::sync::OnceLock<syntax::KindSet> = std::sync::OnceLock::new();
        let bindings = syntax::kind_ids(&BINDINGS, &["short_var_declaration", "var_spec", "range_clause"]);
        for (node, kind) in syntax::statements_and_clauses_with_kinds(body) {
            // Most statements bind nothing: skipped by the listed kind, without reading the node.
            if !bindings.contains(kind) {
                continue;
            }
            match node.kind_name() {
                "short_var_declaration" => {
                    let (Some(left), Some(right)) = (node.field_child("left"), node.field_child("right")) else {
                        continue;
                    };
                    collect_pending(self, left, right, &mut pending);
                }
                "var_spec" => {
                    let declared = node.field_child("type").and_then(|ty| self.resolve_type(ty));
                    let mut cursor = node.walk();
                    let names: Vec<Node<'_>> = node.children_by_field_name("name", &mut cursor).collect();
                    match (declared, node.field_child("value")) {
                        (Some(ty), _) => names.iter().for_each(|name| bind(self.text(*name), Some(ty.clone()))),
                        (None, Some(value)) => {
                            let values = syntax::named_children(value);
                            if values.len() == names.len() {
                                for (name, value) in names.iter().zip(values) {
                                    pending.push((self.text(*name).to_string(), value, None));
                                }
                            } else if let [single] = values.as_slice() {
                                for (index, name) in names.iter().enumerate() {
                                    pending.push((self.text(*name).to_string(), *single, Some(index)));
                                }
                            }
                        }
                        (None, None) => names.iter().for_each(|name| bind(self.text(*name), None)),
                    }
                }
                "range_clause" => {
                    if let Some(left) = node.field_child("left") {
                        for name in syntax::named_children(left) {
                            bind(self.text(name), None);
                        }
                    }
                }
                _ => {}
            }
        }
        // Record the names first (untyped), so typing a value sees them as locals.
        let names: Vec<String> = pending.iter().map(|(name, _, _)| name.clone()).collect();
        for name in &names {
            bind(name, None);
        }
        self.locals_cache.borrow_mut().insert(function.id(), Rc::new(locals.clone()));
        let mut typed: Vec<(String, Option<String>)> = Vec::new();
        for (name, value, index) in pending {
            let ty = match index {
                None => self.type_of(value),
                Some(index) => self.call(syntax::unparen(value)).and_then(|info| info.results.get(index).cloned()),
            };
            // Later bindings are typed from earlier ones (`c := &http.Client{}`, then
            // `resp, err := c.Do(req)`): the first known type of a name is visible to them.
            if let Some(known) = &ty
                && let Some(cached) = self.locals_cache.borrow_mut().get_mut(&function.id())
                && cached.get(&name).is_some_and(Option::is_none)
            {
                Rc::make_mut(cached).insert(name.clone(), Some(known.clone()));
            }
            typed.push((name, ty));
        }
        // A name whose bindings disagree is unknown; one with a single known type keeps it.
        let mut seen: HashMap<String, Vec<Option<String>>> = HashMap::default();
        for (name, ty) in typed {
            seen.entry(name).or_default().push(ty);
        }
        for (name, types) in seen {
            if locals.get(&name).is_some_and(Option::is_some) {
                let existing = locals[&name].clone();
                if types.iter().any(|ty| ty.is_some() && *ty != existing) {
                    locals.insert(name, None);
                }
                continue;
            }
            let known: Vec<&String> = types.iter().flatten().collect();
            let agreed = known.first().filter(|first| known.iter().all(|ty| ty == *first)).map(|ty| (*ty).clone());
            locals.insert(name, agreed);
        }
        locals
    }
}

fn collect_pending<'tree>(
    env: &TypeEnv<'_>,
    left: Node<'tree>,
    right: Node<'tree>,
    pending: &mut Vec<(String, Node<'tree>, Option<usize>)>,
) {
    let names = syntax::named_children(left);
    let values = syntax::named_children(right);
    if values.len() == names.len() {
        for (name, value) in names.iter().zip(values) {
            pending.push((env.text(*name).to_string(), value, None));
        }
    } else if let [single] = values.as_slice() {
        for (index, name) in names.iter().enumerate() {
            pending.push((env.text(*name).to_string(), *single, Some(index)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::facts::Imports;

    fn with_env<R>(source: &str, run: impl FnOnce(&TypeEnv<'_>, Node<'_>) -> R) -> R {
        let mut parser = crate::parse::new_parser();
        let tree = parser.parse(source, None).unwrap();
        let imports = Imports::from_tree(tree.root_node(), source.as_bytes());
        let env = TypeEnv::new(source, tree.root_node(), &imports, Some("example.com/app"), &NoProject);
        run(&env, tree.root_node())
    }

    fn call_named<'t>(root: Node<'t>, source: &str, text: &str) -> Node<'t> {
        syntax::descendants(root)
            .find(|node| node.kind_name() == "call_expression" && syntax::text(*node, source) == text)
            .unwrap_or_else(|| panic!("no call {text}"))
    }

    /// The type index finds what a walk over the declarations finds: the first spec of a name
    /// without type parameters, past comments in a group; aliases are not type specs.
    #[test]
    fn top_level_types_index_the_first_non_generic_spec() {
        let source = "package p\n\ntype (\n\t// a comment\n\tBox[T any] struct{ v T }\n\t// another\n\tBox struct{ n int }\n)\n\ntype Alias = Box\n\nfunc f() { type Inner struct{} }\n";
        with_env(source, |env, _| {
            let spec = env.non_generic_type_spec("Box").expect("the non-generic Box");
            assert_eq!(syntax::text(spec, source), "Box struct{ n int }");
            assert!(env.declares_type("Box"));
            assert!(!env.declares_type("Alias"));
            assert!(!env.declares_type("Inner"));
            assert!(env.non_generic_type_spec("Inner").is_none());
        });
    }

    /// The statement walk that types locals finds every binding the full walk finds, in the same
    /// order: in nested blocks, clauses, cases, labels, `var` groups and broken code, and none
    /// inside function literals.
    #[test]
    fn statement_walk_finds_the_bindings_the_full_walk_finds() {
        let sources = [
            "package p\n\nfunc f(a int, ch chan int) {\n\tx := func() { y := 1; _ = y }\n\tfor i := range a { v := i; g(v, func() { w := 2 }) }\n\tif b, err := h(); err != nil { c := b }\n\tswitch d := a; d {\n\tcase 1:\n\t\te := 1\n\tdefault:\n\t\tvar f2 int\n\t}\n\tswitch t := x.(type) { case int: u := t }\n\tselect { case m := <-ch: n := m\n\tdefault: }\nloop:\n\tfor j := 0; j < 3; j++ { var (k = 1; l, q = 2, 3) }\n\tgo func() { z := 3 }()\n}\n",
            "package p\n\nfunc f() {\n\tx := 1\n\tif y := ; {\n\tz := g(\n\tvar w = 2\n}\n",
        ];
        let bindings = ["short_var_declaration", "var_spec", "range_clause"];
        let mut parser = crate::parse::new_parser();
        for (source, least) in sources.into_iter().zip([12, 2]) {
            let tree = parser.parse(source, None).unwrap();
            let function = tree.root_node().named_child(1).unwrap();
            let body = function.field_child("body").unwrap();
            let full: Vec<Node<'_>> =
                crate::flow::own_descendants(body).filter(|node| bindings.contains(&node.kind_name())).collect();
            let walked: Vec<Node<'_>> =
                syntax::statements_and_clauses(body).filter(|node| bindings.contains(&node.kind_name())).collect();
            assert_eq!(walked, full, "{source}");
            assert!(full.len() >= least, "{source}: {}", body.to_sexp());
        }
    }

    #[test]
    fn infers_locals_from_calls_params_and_literals() {
        let source = r#"package p

import (
	"bufio"
	"net/http"
	"os"
	str "strings"
)

func f(w http.ResponseWriter, r *http.Request, name string) {
	f, err := os.Create(name)
	_ = err
	f.Close()
	bw := bufio.NewWriter(f)
	bw.Flush()
	var b str.Builder
	b.WriteString("x")
	resp, _ := http.Get("u")
	resp.Body.Close()
	r.Body.Close()
	c := &http.Client{}
	c.Do(r)
}
"#;
        with_env(source, |env, root| {
            let close = env.call(call_named(root, source, "f.Close()")).unwrap();
            assert_eq!(close.results, vec!["error"]);
            assert_eq!(close.callee, "(*os.File).Close");
            assert!(env.call(call_named(root, source, "bw.Flush()")).unwrap().returns_error());
            let write = env.call(call_named(root, source, r#"b.WriteString("x")"#)).unwrap();
            assert_eq!(write.receiver, Some(("strings".into(), "Builder".into())));
            assert!(env.call(call_named(root, source, "resp.Body.Close()")).unwrap().returns_error());
            assert!(env.call(call_named(root, source, "r.Body.Close()")).unwrap().returns_error());
            assert_eq!(
                env.call(call_named(root, source, "c.Do(r)")).unwrap().results,
                vec!["*net/http.Response", "error"]
            );
        });
    }

    #[test]
    fn later_bindings_see_earlier_ones() {
        let source = r#"package p

import (
	"net/http"
	"os"
)

func f(r *http.Request) {
	c := &http.Client{}
	resp, err := c.Do(r)
	_ = err
	resp.Body.Close()
	f, _ := os.Create("x")
	w := f
	w.Sync()
}
"#;
        with_env(source, |env, root| {
            assert!(env.call(call_named(root, source, "resp.Body.Close()")).unwrap().returns_error());
            assert_eq!(env.call(call_named(root, source, "w.Sync()")).unwrap().callee, "(*os.File).Sync");
        });
    }

    #[test]
    fn new_allocates_a_pointer() {
        let source = r#"package p

import "bytes"

func f() {
	b := new(bytes.Buffer)
	b.WriteString("x")
	n := new(int)
	_ = n
}

func g(new func(int) *bytes.Buffer) {
	c := new(3)
	c.WriteString("y")
}
"#;
        with_env(source, |env, root| {
            let write = env.call(call_named(root, source, r#"b.WriteString("x")"#)).unwrap();
            assert_eq!(write.receiver, Some(("bytes".into(), "Buffer".into())));
            let allocated = call_named(root, source, "new(int)");
            assert_eq!(env.type_of(allocated).as_deref(), Some("*int"));
            assert!(env.call(call_named(root, source, r#"c.WriteString("y")"#)).is_none(), "new is a parameter");
        });
    }

    #[test]
    fn new_of_an_expression_points_to_its_type() {
        let source = r#"package p

import "bytes"

var shared bytes.Buffer

func f(limit int64) {
	a := new(bytes.Buffer{})
	b := new(3)
	c := new(uint8(7))
	d := new(-2.5)
	e := new("s")
	g := new(limit)
	h := new(shared)
	i := new(sync.Mutex)
	j := new(a)
	_, _, _, _, _, _, _, _, _ = a, b, c, d, e, g, h, i, j
}
"#;
        with_env(source, |env, root| {
            let expectations = [
                ("new(bytes.Buffer{})", "*bytes.Buffer"),
                ("new(3)", "*int"),
                ("new(uint8(7))", "*uint8"),
                ("new(-2.5)", "*float64"),
                (r#"new("s")"#, "*string"),
                ("new(limit)", "*int64"),
                ("new(a)", "**bytes.Buffer"),
            ];
            for (call, expected) in expectations {
                assert_eq!(env.type_of(call_named(root, source, call)).as_deref(), Some(expected), "{call}");
            }
            // `sync` is not imported: a type from an unknown package stays unknown.
            assert_eq!(env.type_of(call_named(root, source, "new(sync.Mutex)")), None);
            // Package-level variables are known through the module's facts only; without them
            // (NoProject) a lone name reads as a type, as `new(T)` does.
            assert_eq!(
                env.type_of(call_named(root, source, "new(shared)")).as_deref(),
                Some("*example.com/app.shared")
            );
        });
    }

    #[test]
    fn unknown_and_conflicting_types_stay_unknown() {
        let source = r#"package p

import "os"

func g(x interface{ Close() error }, cond bool) {
	x.Close()
	y, _ := os.Open("a")
	if cond {
		y := 3
		_ = y
	}
	y.Close()
	os := thing()
	os.Open("b")
	mystery().Close()
}
"#;
        with_env(source, |env, root| {
            assert!(env.call(call_named(root, source, "x.Close()")).is_none());
            assert!(env.call(call_named(root, source, "y.Close()")).is_none(), "y is *os.File and int");
            assert!(env.call(call_named(root, source, r#"os.Open("b")"#)).is_none(), "os is a local here");
            assert!(env.call(call_named(root, source, "mystery().Close()")).is_none());
        });
    }
}
