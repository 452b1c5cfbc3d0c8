; Every `go` statement: whether it is in a request path, and untracked, is decided in rule.rs.
(go_statement) @target
