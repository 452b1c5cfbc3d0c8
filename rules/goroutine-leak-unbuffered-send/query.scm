; A send on a named channel; rule.rs keeps those whose innermost function is a `go func() {...}()`
; literal and whose channel is made in the function that starts it.
(send_statement
  channel: (identifier) @channel) @target
