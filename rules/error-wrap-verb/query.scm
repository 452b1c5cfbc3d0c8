; fmt.Errorf("literal format", args...): the package name is checked against the file's imports,
; and the arguments' types and the verbs in rule.rs.
(call_expression
  function: (selector_expression
    operand: (identifier) @package
    field: (field_identifier) @function (#eq? @function "Errorf"))
  arguments: (argument_list
    .
    [(interpreted_string_literal) (raw_string_literal)] @format)) @target
