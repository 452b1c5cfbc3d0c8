; A statement that binds the result of a single call: `resp, err := c.Do(req)`,
; `resp, err = http.Get(u)`, `var resp, err = ...`. rule.rs keeps the calls that return an
; *http.Response (through the type facts).
(short_var_declaration
  right: (expression_list . (call_expression) @call .)) @target

(assignment_statement
  right: (expression_list . (call_expression) @call .)) @target

(var_spec
  value: (expression_list . (call_expression) @call .)) @target
