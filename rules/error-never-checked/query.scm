; `v, err := f()` / `err = f()`: whether the call returns an error in that position, and whether
; the error is read before it is overwritten or goes out of scope, is decided in rule.rs.
(short_var_declaration
  right: (expression_list . (call_expression) @call .)) @target

(assignment_statement
  operator: "="
  right: (expression_list . (call_expression) @call .)) @target
