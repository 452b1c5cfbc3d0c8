; for ... range ch: whether ch is a local, never-closed, non-escaping channel is decided in rule.rs.
(for_statement
  (range_clause
    right: (identifier) @channel) @clause) @target
