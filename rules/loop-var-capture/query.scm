; A function literal run later than the statement that creates it: started with `go`, deferred,
; or handed to a runner (`t.Run(name, func...)`, `g.Go(func...)`). Whether it sits in a loop and
; captures the loop's variable is decided in rule.rs.
(go_statement
  (call_expression
    function: (func_literal) @target))

(defer_statement
  (call_expression
    function: (func_literal) @target))

(call_expression
  function: (selector_expression
    field: (field_identifier) @method (#any-of? @method "Run" "Go"))
  arguments: (argument_list (func_literal) @target .)) @runner
