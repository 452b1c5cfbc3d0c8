; An assignment or declaration with `_` on the left: whether `_` takes an error result is
; decided in rule.rs from the type facts. A statement with several `_` matches once per `_`.
(short_var_declaration
  left: (expression_list
    (identifier) @blank (#eq? @blank "_"))
  right: (expression_list)) @target

(assignment_statement
  left: (expression_list
    (identifier) @blank (#eq? @blank "_"))
  right: (expression_list)) @target

(var_spec
  name: (identifier) @blank (#eq? @blank "_")
  value: (expression_list)) @target
