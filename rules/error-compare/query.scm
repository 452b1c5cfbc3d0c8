; `a == b` / `a != b`: whether one side is a sentinel error and the other an error is decided in
; rule.rs from the type facts.
(binary_expression
  operator: ["==" "!="]) @target

; `switch err { case ErrX: }`
(expression_switch_statement
  value: (_) @value) @target
