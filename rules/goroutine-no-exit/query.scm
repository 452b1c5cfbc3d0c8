; Every `go` statement; rule.rs finds the function it runs and the loop that never ends.
(go_statement) @target
