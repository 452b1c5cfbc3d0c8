//! The Go grammar golint-guard parses with: tree-sitter-go 0.25.0 extended (see `extension.rs`)
//! with the syntax Go added after it, generated at build time by `build.rs`.

use tree_sitter_language::LanguageFn;

unsafe extern "C" {
    fn tree_sitter_go() -> *const ();
}

/// The tree-sitter language of the extended grammar.
// SAFETY: `tree_sitter_go` is the language function of the parser build.rs generates and links.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_go) };

/// The newest Go release whose syntax this grammar parses (major.minor). Raise it only after
/// checking that release's language changes against the grammar; a test compares it with the Go
/// toolchain on the machine so a newer Go is noticed rather than silently mis-parsed.
pub const NEWEST_GO_VERSION: &str = "1.27";

/// The upstream tree-sitter-go release the extension is built on.
pub const UPSTREAM_VERSION: &str = "0.25.0";
