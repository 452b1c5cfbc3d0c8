(call_expression) @target
