; go func() { ... }(...): whether it runs in a loop and only bumps a locked counter is decided in rule.rs.
(go_statement
  (call_expression
    function: (func_literal) @literal)) @target

; wg.Go(func() { ... }) (sync.WaitGroup.Go, errgroup.Group.Go): it starts a goroutine too.
(call_expression
  function: (selector_expression
    field: (field_identifier) @method (#eq? @method "Go"))
  arguments: (argument_list . (func_literal) @literal .)) @target
