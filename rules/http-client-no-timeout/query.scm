; http.Get/Post/Head/PostForm and http.NewRequest: package functions (the package is checked
; against the file's imports in rule.rs).
(call_expression
  function: (selector_expression
    operand: (identifier) @package
    field: (field_identifier) @function
      (#any-of? @function "Get" "Post" "Head" "PostForm" "NewRequest"))
  arguments: (argument_list) @arguments) @target

; A method call on http.DefaultClient: http.DefaultClient.Do(req), .Get(url)...
(call_expression
  function: (selector_expression
    operand: (selector_expression
      operand: (identifier) @package
      field: (field_identifier) @default (#eq? @default "DefaultClient"))
    field: (field_identifier) @method)) @target

; An http.Client composite literal.
(composite_literal
  type: (qualified_type
    package: (package_identifier) @package
    name: (type_identifier) @type (#eq? @type "Client"))
  body: (literal_value) @body) @target
