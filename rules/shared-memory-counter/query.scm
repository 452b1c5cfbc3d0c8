; go func() { ... }(...): whether it runs in a loop and only bumps a locked counter is decided in rule.rs.
(go_statement
  (call_expression
    function: (func_literal) @literal)) @target
