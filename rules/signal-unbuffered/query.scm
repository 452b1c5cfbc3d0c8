; signal.Notify(ch, ...): the package name is checked against the file's imports in rule.rs.
(call_expression
  function: (selector_expression
    operand: (identifier) @package
    field: (field_identifier) @function (#eq? @function "Notify"))
  arguments: (argument_list . (_) @channel)) @target
