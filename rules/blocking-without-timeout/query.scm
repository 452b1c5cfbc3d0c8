; `<-ch` as a statement, the value of an assignment or a return (never a select case), and
; `X.Wait()` as a statement. rule.rs checks the request path and that the work was started here.
(expression_statement
  (unary_expression
    operator: "<-"
    operand: (identifier) @channel) @target)

(short_var_declaration
  right: (expression_list
    (unary_expression
      operator: "<-"
      operand: (identifier) @channel) @target))

(assignment_statement
  right: (expression_list
    (unary_expression
      operator: "<-"
      operand: (identifier) @channel) @target))

(return_statement
  (expression_list
    (unary_expression
      operator: "<-"
      operand: (identifier) @channel) @target))

(expression_statement
  (call_expression
    function: (selector_expression
      operand: (_) @waitgroup
      field: (field_identifier) @method (#eq? @method "Wait"))
    arguments: (argument_list)) @target)
