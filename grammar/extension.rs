//! golint-guard's extension of tree-sitter-go 0.25.0: the rules that change so the grammar parses
//! the Go of today. Each entry replaces the upstream rule of the same name, written with helpers
//! that mirror tree-sitter's grammar DSL (`seq`, `choice`, `field`, ...), so a rule here reads like
//! the grammar.js it would be. Everything not named here is upstream's grammar, unchanged.

use serde_json::{Value, json};

/// Upstream rules this extension replaces, with the reason for each.
fn overrides() -> Vec<(&'static str, Value)> {
    vec![
        // Go 1.27: a method declaration may have type parameters,
        // `func (l *List[T]) Map[U any](f func(T) U) *List[U]`.
        // Upstream's rule, plus the same `type_parameters` field function_declaration has.
        (
            "method_declaration",
            prec_right(
                1,
                seq([
                    string("func"),
                    field("receiver", symbol("parameter_list")),
                    field("name", symbol("_field_identifier")),
                    field("type_parameters", optional(symbol("type_parameter_list"))),
                    field("parameters", symbol("parameter_list")),
                    field("result", optional(choice([symbol("parameter_list"), symbol("_simple_type")]))),
                    field("body", optional(symbol("block"))),
                ]),
            ),
        ),
        // The arguments of `new(...)` and `make(...)`. Upstream requires a type first; Go 1.26's
        // `new(expr)` takes an expression (`new(3)`, `new(f())`, `new(a + b)`), and a local
        // function named `new` or `make` takes any arguments, `...` included.
        //
        // Where the text reads as a type or an expression alike (`new(T)`, `new(pkg.T)`,
        // `make(T, n)`), the type wins, so those keep upstream's shapes (`type_identifier`,
        // `qualified_type`, ...). `_simple_type` gives a bare type name dynamic precedence -1
        // against an identifier, hence the +2.
        (
            "special_argument_list",
            seq([
                string("("),
                optional(seq([
                    choice([prec_dynamic(2, symbol("_type")), symbol("_expression"), symbol("variadic_argument")]),
                    repeat(seq([string(","), choice([symbol("_expression"), symbol("variadic_argument")])])),
                    optional(string(",")),
                ])),
                string(")"),
            ]),
        ),
    ]
}

/// Conflicts the parser generator needs resolved at parse time (GLR) for the rules above.
fn extra_conflicts() -> Vec<Vec<&'static str>> {
    vec![
        // `func (r R) M[T, U]` is a generic method's head, or (a statement, which upstream allows
        // at top level for snippets) a function type whose result is the generic type `M[T, U]`;
        // what follows decides.
        vec!["type_parameter_declaration", "_simple_type"],
    ]
}

/// Replaces the upstream rules in `grammar` and adds the conflicts. Panics when an overridden rule
/// is missing upstream: the extension was written against another version of the grammar.
pub fn apply(grammar: &mut Value) {
    let rules = grammar["rules"].as_object_mut().expect("grammar.json has a rules object");
    for (name, rule) in overrides() {
        let slot =
            rules.get_mut(name).unwrap_or_else(|| panic!("upstream tree-sitter-go has no rule `{name}` to extend"));
        *slot = rule;
    }
    let conflicts = grammar["conflicts"].as_array_mut().expect("grammar.json has a conflicts list");
    for conflict in extra_conflicts() {
        conflicts.push(json!(conflict));
    }
}

fn symbol(name: &str) -> Value {
    json!({ "type": "SYMBOL", "name": name })
}

fn string(value: &str) -> Value {
    json!({ "type": "STRING", "value": value })
}

fn seq<const N: usize>(members: [Value; N]) -> Value {
    json!({ "type": "SEQ", "members": members.to_vec() })
}

fn choice<const N: usize>(members: [Value; N]) -> Value {
    json!({ "type": "CHOICE", "members": members.to_vec() })
}

fn optional(content: Value) -> Value {
    choice([content, json!({ "type": "BLANK" })])
}

fn repeat(content: Value) -> Value {
    json!({ "type": "REPEAT", "content": content })
}

fn field(name: &str, content: Value) -> Value {
    json!({ "type": "FIELD", "name": name, "content": content })
}

fn prec_right(value: i32, content: Value) -> Value {
    json!({ "type": "PREC_RIGHT", "value": value, "content": content })
}

fn prec_dynamic(value: i32, content: Value) -> Value {
    json!({ "type": "PREC_DYNAMIC", "value": value, "content": content })
}
