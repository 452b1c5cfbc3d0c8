; A send on a named channel; rule.rs keeps those whose channel is made unbuffered earlier in the
; same function with no goroutine or other use of the channel in between.
(send_statement
  channel: (identifier) @channel) @target
