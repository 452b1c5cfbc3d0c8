; panic(x): which panics are ordinary errors is decided in rule.rs from the function around it.
(call_expression
  function: (identifier) @function (#eq? @function "panic")
  arguments: (argument_list . (_) .)) @target
