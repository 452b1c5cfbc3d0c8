; A value receiver or parameter: its type is checked for a lock held by value in rule.rs, and
; only the declaration's first copying parameter reports, so each declaration reports once.
(method_declaration
  receiver: (parameter_list
    (parameter_declaration
      type: [(type_identifier) (qualified_type) (array_type)] @type))) @target
(method_declaration
  parameters: (parameter_list
    (parameter_declaration
      type: [(type_identifier) (qualified_type) (array_type)] @type))) @target
(function_declaration
  parameters: (parameter_list
    (parameter_declaration
      type: [(type_identifier) (qualified_type) (array_type)] @type))) @target

; for _, v := range xs: the value variable copies each element.
(for_statement
  (range_clause
    left: (expression_list . (_) . (identifier) @value)
    right: (_) @range)) @target
