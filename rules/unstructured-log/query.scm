; log.Printf(...), logger.Println(...), fmt.Fprintf(os.Stderr, ...): rule.rs checks
; the package (or a *log.Logger), where the call is and what the module logs with.
(call_expression
  function: (selector_expression
    operand: (_) @operand
    field: (field_identifier) @function (#match? @function "^(Print|Printf|Println|Fatal|Fatalf|Fatalln|Panic|Panicf|Panicln|Fprint|Fprintf|Fprintln)$"))
  arguments: (argument_list) @arguments) @target
