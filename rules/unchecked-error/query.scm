; A call used as a statement, or run by `go`: its results are dropped. Whether the call returns
; an error is decided in rule.rs from the type facts; deferred calls are unchecked-error-defer's.
(expression_statement
  (call_expression) @call) @target

(go_statement
  (call_expression) @call) @target
