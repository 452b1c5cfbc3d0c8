; `err.(*T)` and `switch e := err.(type)`: whether the operand is an error is decided in rule.rs.
(type_assertion_expression
  operand: (_) @value
  type: (_) @type) @target

(type_switch_statement
  value: (_) @value) @target
