//! A file's imports with their local names.

use crate::syntax::{FieldChild as _, KindName as _};
use tree_sitter::Node;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The import path, without quotes: `net/http`.
    pub path: String,
    /// The name the file uses: the explicit name, `.` for a dot-import, `_` for a blank import,
    /// or the last path element (the package's usual name) when not renamed.
    pub local_name: String,
}

#[derive(Debug, Clone, Default)]
pub struct Imports {
    pub imports: Vec<Import>,
}

impl Imports {
    pub fn from_tree(root: Node<'_>, source: &[u8]) -> Imports {
        let mut imports = Vec::new();
        let mut cursor = root.walk();
        for decl in root.named_children(&mut cursor) {
            if decl.kind_name() != "import_declaration" {
                continue;
            }
            collect_specs(decl, source, &mut imports);
        }
        Imports { imports }
    }

    pub fn contains(&self, path: &str) -> bool {
        self.imports.iter().any(|import| import.path == path)
    }

    /// The local name under which `path` is imported (`None` if not imported or blank).
    pub fn local_name(&self, path: &str) -> Option<&str> {
        self.imports
            .iter()
            .find(|import| import.path == path && import.local_name != "_")
            .map(|import| import.local_name.as_str())
    }

    /// The import path a local package name refers to (`http` → `net/http`). `None` for names
    /// that are not imports (locals, dot-imports, blank imports).
    pub fn path_of(&self, local_name: &str) -> Option<&str> {
        if local_name == "_" || local_name == "." {
            return None;
        }
        self.imports.iter().find(|import| import.local_name == local_name).map(|import| import.path.as_str())
    }

    /// True when the file dot-imports some package, so unqualified names may come from it.
    pub fn has_dot_import(&self) -> bool {
        self.imports.iter().any(|import| import.local_name == ".")
    }

    /// True when `expr_package` (the `pkg` of `pkg.Func`) names the import `path`.
    pub fn names(&self, expr_package: &str, path: &str) -> bool {
        self.imports.iter().any(|import| import.path == path && import.local_name == expr_package)
    }
}

fn collect_specs(node: Node<'_>, source: &[u8], imports: &mut Vec<Import>) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind_name() {
            "import_spec" => {
                let Some(path_node) = child.field_child("path") else { continue };
                let raw = path_node.utf8_text(source).unwrap_or("");
                let path = canonical_path(raw.trim_matches(|c| c == '"' || c == '`')).to_string();
                let local_name = match child.field_child("name") {
                    Some(name) => name.utf8_text(source).unwrap_or("").to_string(),
                    None => default_package_name(&path),
                };
                imports.push(Import { path, local_name });
            }
            "import_spec_list" => collect_specs(child, source, imports),
            _ => {}
        }
    }
}

/// Packages that are the standard library under another path: since Go 1.9
/// `golang.org/x/net/context` only forwards to `context` (its types are aliases), and code
/// from before Go 1.7 still imports it. Rules see one `context`.
fn canonical_path(path: &str) -> &str {
    match path {
        "golang.org/x/net/context" => "context",
        _ => path,
    }
}

/// The package name Go assumes for an import path: its last element, without a `/vN` suffix
/// or a `go-` prefix/`.go` suffix the way most tools guess it.
fn default_package_name(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let mut last = parts.next().unwrap_or(path);
    if last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit()) {
        last = parts.next().unwrap_or(last);
    }
    let last = last.strip_prefix("go-").unwrap_or(last);
    let last = last.strip_suffix(".go").unwrap_or(last);
    // gopkg.in/yaml.v3 is package yaml.
    let last = match last.rsplit_once(".v") {
        Some((base, digits)) if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) => base,
        _ => last,
    };
    last.replace(['-', '.'], "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names() {
        assert_eq!(default_package_name("net/http"), "http");
        assert_eq!(default_package_name("github.com/x/y/v2"), "y");
        assert_eq!(default_package_name("gopkg.in/yaml.v3"), "yaml");
    }

    #[test]
    fn x_net_context_is_context() {
        let source = "package p\nimport (\n\t\"golang.org/x/net/context\"\n\tnctx \"golang.org/x/net/context\"\n)\n";
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&golint_guard_grammar::LANGUAGE.into()).unwrap();
        let tree = parser.parse(source, None).unwrap();
        let imports = Imports::from_tree(tree.root_node(), source.as_bytes());
        assert!(imports.names("context", "context"));
        assert!(imports.names("nctx", "context"));
    }
}
