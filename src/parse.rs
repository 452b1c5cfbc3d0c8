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

/// Where a tree's outermost `ERROR` nodes lie, found in one walk so that asking whether a node
/// is inside one is a binary search. Walking up with `parent()` instead costs depth² per node
/// (each step descends from the root), which a deeply nested broken file turns into a hang.
pub struct ErrorRegions {
    /// Disjoint, in source order: outermost `ERROR` nodes do not nest.
    ranges: Vec<(usize, usize)>,
}

impl ErrorRegions {
    pub fn of(tree: &Tree) -> Self {
        let root = tree.root_node();
        let ranges = if !root.has_error() {
            Vec::new()
        } else if root.is_error() {
            vec![(root.start_byte(), root.end_byte())]
        } else {
            crate::syntax::descendants_entering(root, |node| !node.is_error() && node.has_error())
                .filter(|node| node.is_error())
                .map(|node| (node.start_byte(), node.end_byte()))
                .collect()
        };
        ErrorRegions { ranges }
    }

    /// True when `node` is inside (or is) an `ERROR` node, or contains one: a rule should not
    /// trust what it sees there.
    pub fn near(&self, node: Node<'_>) -> bool {
        if node.has_error() {
            return true;
        }
        let following = self.ranges.partition_point(|&(start, _)| start <= node.start_byte());
        following > 0 && node.end_byte() <= self.ranges[following - 1].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answers of the walk up that [`ErrorRegions`] replaced, for every node of a file with
    /// errors in several places.
    #[test]
    fn error_regions_agree_with_walking_up() {
        let text = "package p\n\nfunc a() {\n\tx := \n\tf(x)\n}\n\nfunc b() { g() }\n\nfunc c() {\n\tif x { y := }\n\th()\n}\n";
        let file = SourceFile::new("a.go".into(), "a.go".into(), text);
        let tree = parse(&mut new_parser(), &file).unwrap();
        assert!(tree.root_node().has_error());
        let regions = ErrorRegions::of(&tree);
        let walked_up =
            |node: Node<'_>| node.has_error() || crate::syntax::ancestors(node).any(|ancestor| ancestor.is_error());
        let (mut near, mut clear) = (0, 0);
        for node in crate::syntax::descendants(tree.root_node()) {
            assert_eq!(regions.near(node), walked_up(node), "{} at {:?}", node.kind(), node.byte_range());
            if regions.near(node) { near += 1 } else { clear += 1 }
        }
        assert!(near > 0 && clear > 0, "{near} near, {clear} clear");
    }
}
