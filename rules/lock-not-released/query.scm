; mu.Lock() / mu.RLock() as a statement, with no arguments (file locks and the like take some).
(expression_statement
  (call_expression
    function: (selector_expression
      operand: (_) @mutex
      field: (field_identifier) @method (#match? @method "^R?Lock$"))
    arguments: (argument_list) @arguments) @target)
