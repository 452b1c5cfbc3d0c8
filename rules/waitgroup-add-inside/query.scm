; A goroutine running a function literal: whether the literal calls `wg.Add` is decided in rule.rs.
(go_statement
  (call_expression
    function: (func_literal
      body: (block)))) @target
