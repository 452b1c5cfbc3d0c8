; http.ListenAndServe(...), srv.Serve(lis), grpcServer.Serve(lis): rule.rs checks the callee and
; whether the package stops gracefully anywhere.
(call_expression
  function: (selector_expression
    operand: (_) @operand
    field: (field_identifier) @function (#match? @function "^(ListenAndServe|ListenAndServeTLS|Serve|ServeTLS)$"))) @target
