//! Go parsing (tree-sitter-go extended with newer syntax, see grammar/), and the syntax errors it finds.

use crate::source::SourceFile;
use tree_sitter::{Language, Node, Parser, Tree};

pub fn go_language() -> Language {
    golint_guard_grammar::LANGUAGE.into()
}

pub fn new_parser() -> Parser {
    let mut parser = Parser::new();
    // The grammar is compiled into this binary, so a version mismatch is a build bug.
    parser.set_language(&go_language()).expect("the Go grammar is compatible with the tree-sitter runtime");
    parser
}

/// Parse a file. `None` only if tree-sitter gives up, which it does not without a timeout.
pub fn parse(parser: &mut Parser, file: &SourceFile) -> Option<Tree> {
    parser.reset();
    parser.parse(file.text.as_bytes(), None)
}

/// A syntax problem: the span of an `ERROR` node or the place of a `MISSING` one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

/// At most `limit` syntax errors, outermost first, in source order.
pub fn syntax_errors(tree: &Tree, source: &str, limit: usize) -> (Vec<SyntaxError>, usize) {
    let mut errors = Vec::new();
    let mut total = 0;
    let root = tree.root_node();
    if !root.has_error() {
        return (errors, total);
    }
    let is_problem = |node: Node<'_>| node.is_error() || node.is_missing();
    // Outermost problems only: nothing inside an ERROR node is reported on its own. A cursor
    // walk, not recursion, so a deeply nested file cannot overflow the stack.
    let found: Box<dyn Iterator<Item = Node<'_>>> = if is_problem(root) {
        Box::new(std::iter::once(root))
    } else {
        Box::new(
            crate::syntax::descendants_entering(root, |node| !is_problem(node) && node.has_error())
                .filter(|&node| is_problem(node)),
        )
    };
    for node in found {
        total += 1;
        if errors.len() < limit {
            errors.push(describe(node, source));
        }
    }
    (errors, total)
}

fn describe(node: Node<'_>, source: &str) -> SyntaxError {
    if node.is_missing() {
        return SyntaxError {
            start: node.start_byte(),
            end: node.end_byte(),
            message: format!("syntax error: missing `{}`", node.kind()),
        };
    }
    let text = source.get(node.byte_range()).unwrap_or("");
    let first_line = text.lines().next().unwrap_or("").trim();
    let shown: String = first_line.chars().take(40).collect();
    let message = if shown.is_empty() {
        "syntax error: unexpected input".to_string()
    } else if shown.len() < first_line.len() {
        format!("syntax error: unexpected `{shown}…`")
    } else {
        format!("syntax error: unexpected `{shown}`")
    };
    // Point at the first line only, so the snippet stays readable for large ERROR nodes.
    let end = node.start_byte() + text.lines().next().map_or(0, str::len);
    SyntaxError { start: node.start_byte(), end: end.max(node.start_byte()), message }
}

/// True when `node` is inside (or is) an `ERROR` node, or contains one: a rule should not
/// trust what it sees there.
pub fn near_error(node: Node<'_>) -> bool {
    if node.has_error() {
        return true;
    }
    crate::syntax::ancestors(node).any(|ancestor| ancestor.is_error())
}
