//! One module per subcommand.

pub mod cache;
pub mod check;
pub mod explain;
pub mod gate;
pub mod init;
pub mod rules;

use crate::app::{AppError, EXIT_CLEAN, print_stdout};
use crate::syntax::KindName as _;
use std::path::Path;

/// `dump-tree FILE`: the S-expression of the file's syntax tree, for writing queries.
pub fn dump_tree(path: &Path) -> Result<u8, AppError> {
    let text =
        std::fs::read_to_string(path).map_err(|err| AppError(format!("cannot read {}: {err}", path.display())))?;
    let mut parser = crate::parse::new_parser();
    let tree = parser.parse(&text, None).ok_or_else(|| AppError("the parser gave up".into()))?;
    let mut out = String::new();
    dump(tree.root_node(), &text, 0, None, &mut out);
    print_stdout(&out)?;
    Ok(EXIT_CLEAN)
}

/// `parse-only`: the same discovery, reading and parsing as `check`, with no rules.
pub fn parse_only(paths: &[String], threads: Option<usize>) -> Result<u8, AppError> {
    let threads =
        threads.filter(|&n| n > 0).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let stats = crate::lint::parse_patterns(paths, threads).map_err(|err| AppError(err.0))?;
    crate::app::print_stderr(&format!(
        "parsed {} files ({} bytes), {} with syntax errors\n",
        stats.files, stats.bytes, stats.files_with_errors
    ));
    Ok(EXIT_CLEAN)
}

fn dump(node: tree_sitter::Node<'_>, text: &str, depth: usize, field: Option<&str>, out: &mut String) {
    use std::fmt::Write as _;
    let indent = "  ".repeat(depth);
    let field = field.map(|name| format!("{name}: ")).unwrap_or_default();
    let start = node.start_position();
    let leaf = if node.named_child_count() == 0 { format!(" {:?}", &text[node.byte_range()]) } else { String::new() };
    let _ = writeln!(out, "{indent}{field}({}) [{}:{}]{leaf}", node.kind_name(), start.row + 1, start.column + 1);
    let mut cursor = node.walk();
    if cursor.goto_first_child() {
        loop {
            let child = cursor.node();
            if child.is_named() {
                dump(child, text, depth + 1, cursor.field_name(), out);
            }
            if !cursor.goto_next_sibling() {
                break;
            }
        }
    }
}
