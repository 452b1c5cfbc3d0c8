; go func() { ... }(): the writes inside the literal are checked in rule.rs.
(go_statement
  (call_expression
    function: (func_literal) @literal)) @target
