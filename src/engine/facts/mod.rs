//! Type-light facts: what syntax and a small index can tell a rule without type checking.

pub mod blocking;
pub mod imports;
pub mod lexer;
pub mod module;
pub mod stdlib;
pub mod stdlib_gen;
pub mod types;
pub mod version;

pub use imports::{Import, Imports};
pub use version::GoVersion;

/// Facts about one file that every rule may read.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    pub package_name: String,
    pub imports: Imports,
    /// The language version in force: `//go:build go1.N` if present, else the module's.
    pub go_version: Option<GoVersion>,
    /// Where the version came from, for messages ("go.mod", "//go:build", or none).
    pub go_version_source: VersionSource,
    pub is_test_file: bool,
    /// The import path of the file's package, when it is in a module.
    pub package_path: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum VersionSource {
    #[default]
    Unknown,
    GoMod,
    GoWork,
    BuildConstraint,
}

impl FileFacts {
    pub fn is_main_package(&self) -> bool {
        self.package_name == "main"
    }
}
