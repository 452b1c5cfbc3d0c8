; time.NewTicker / time.NewTimer / time.Tick / time.After: the package name is checked against the
; file's imports, and whether the timer leaks is decided in rule.rs.
(call_expression
  function: (selector_expression
    operand: (identifier) @package
    field: (field_identifier) @function (#any-of? @function "NewTicker" "NewTimer" "Tick" "After"))) @target
