; A statement that binds the result of a single call: `rows, err := db.Query(q)`,
; `rows, err = tx.QueryContext(ctx, q)`, `var rows, err = ...`. rule.rs keeps the calls that return an
; *sql.Rows (through the type facts).
(short_var_declaration
  right: (expression_list . (call_expression) @call .)) @target

(assignment_statement
  right: (expression_list . (call_expression) @call .)) @target

(var_spec
  value: (expression_list . (call_expression) @call .)) @target
