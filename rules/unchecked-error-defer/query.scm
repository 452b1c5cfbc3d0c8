; `defer x.Close()` / `defer x.Flush()` / `defer x.Sync()`: whether x is something the function
; writes, and whether the error is checked elsewhere, is decided in rule.rs.
(defer_statement
  (call_expression
    function: (selector_expression
      operand: (_) @receiver
      field: (field_identifier) @method (#any-of? @method "Close" "Flush" "Sync"))) @call) @target

; `defer func() { x.Close() }()`: the calls in the literal's body are deferred calls too.
(defer_statement
  (call_expression
    function: (func_literal
      body: (block) @body))) @target
