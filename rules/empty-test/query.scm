; func TestX(t *testing.T) { ... }
(function_declaration
  name: (identifier) @name (#match? @name "^Test")
  body: (block) @body) @target

; t.Run("name", func(t *testing.T) { ... })
(call_expression
  function: (selector_expression
    field: (field_identifier) @run (#eq? @run "Run")) @callee
  arguments: (argument_list . (_) . (func_literal) @subtest .)) @target
