; os.Exit(...), log.Fatal*(...) and logger.Fatal*(...): rule.rs checks that the operand is the
; os or log package (or a *log.Logger) and where the call sits.
(call_expression
  function: (selector_expression
    operand: (_) @operand
    field: (field_identifier) @function (#match? @function "^(Exit|Fatal|Fatalf|Fatalln)$"))) @target
