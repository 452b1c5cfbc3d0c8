; An http.Server composite literal (`http.Server{...}`, `&http.Server{...}`); the package is
; checked against the file's imports in rule.rs.
(composite_literal
  type: (qualified_type
    package: (package_identifier) @package
    name: (type_identifier) @type (#eq? @type "Server"))
  body: (literal_value) @body) @target

; http.ListenAndServe / ListenAndServeTLS / Serve / ServeTLS: the package functions serve with a
; zero http.Server, which has no timeouts.
(call_expression
  function: (selector_expression
    operand: (identifier) @package
    field: (field_identifier) @function
      (#any-of? @function "ListenAndServe" "ListenAndServeTLS" "Serve" "ServeTLS"))) @target
