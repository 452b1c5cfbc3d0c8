//! golint-guard: a Go linter and guardrail checker built on tree-sitter.
//!
//! The library surface is what the binary, the tests and the benches share: lint paths or a
//! source string, list rules, render reports.

#[cfg(all(feature = "jemalloc", not(windows)))]
pub mod allocator;
pub mod app;
pub mod baseline;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod discover;
pub mod engine;
pub mod fix;
pub mod flow;
pub mod gate;
pub mod hash;
pub mod lint;
pub mod package_source;
pub mod parse;
pub mod progress;
pub mod report;
pub mod server;
pub mod source;
pub mod suppress;
pub mod syntax;
#[doc(hidden)]
pub mod testing;
