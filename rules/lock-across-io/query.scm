; `x.Lock()` / `x.RLock()` as a statement; whether `x` is a sync lock, where the lock is released
; and what blocks in between is decided in rule.rs.
(expression_statement
  (call_expression
    function: (selector_expression
      operand: (_) @mutex
      field: (field_identifier) @method (#any-of? @method "Lock" "RLock"))
    arguments: (argument_list) @arguments)) @target
