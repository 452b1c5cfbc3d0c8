; context.With{Cancel,Timeout,Deadline}[Cause](...): the package name is checked against the
; file's imports, and what happens to the cancel func is decided, in rule.rs.
(call_expression
  function: (selector_expression
    operand: (identifier) @package
    field: (field_identifier) @function
    (#match? @function "^With(Cancel|Timeout|Deadline)(Cause)?$"))) @target
