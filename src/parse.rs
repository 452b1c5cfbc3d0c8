//! Go parsing (tree-sitter-go extended with newer syntax, see grammar/), and the syntax errors it finds.

use crate::source::SourceFile;
use crate::syntax::KindName as _;
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

/// Parse a file again after an edit, reusing what did not change: `previous` is the tree of
/// the text before, already [`Tree::edit`]ed to match `file`. An error-free result is the tree
/// a fresh parse gives (see the tests); one with syntax errors is parsed afresh, since error
/// recovery may go another way when it starts from old subtrees, and the errors reported must
/// be those `check` reports.
pub fn reparse(parser: &mut Parser, file: &SourceFile, previous: &Tree) -> Option<Tree> {
    parser.reset();
    match parser.parse(file.text.as_bytes(), Some(previous)) {
        Some(tree) if !tree.root_node().has_error() => Some(tree),
        _ => parse(parser, file),
    }
}

/// The edit that turns `old` into `new`, as tree-sitter wants it for [`Tree::edit`]: the span
/// between their common prefix and common suffix. `None` when they are equal.
pub fn text_edit(old: &str, new: &str) -> Option<tree_sitter::InputEdit> {
    let (old_bytes, new_bytes) = (old.as_bytes(), new.as_bytes());
    let prefix = old_bytes.iter().zip(new_bytes).take_while(|(a, b)| a == b).count();
    if prefix == old_bytes.len() && prefix == new_bytes.len() {
        return None;
    }
    let room = old_bytes.len().min(new_bytes.len()) - prefix;
    let suffix = old_bytes.iter().rev().zip(new_bytes.iter().rev()).take(room).take_while(|(a, b)| a == b).count();
    let point = |text: &[u8], offset: usize| {
        let before = &text[..offset];
        let row = before.iter().filter(|&&byte| byte == b'\n').count();
        let line_start = before.iter().rposition(|&byte| byte == b'\n').map_or(0, |newline| newline + 1);
        tree_sitter::Point::new(row, offset - line_start)
    };
    let (old_end, new_end) = (old_bytes.len() - suffix, new_bytes.len() - suffix);
    Some(tree_sitter::InputEdit {
        start_byte: prefix,
        old_end_byte: old_end,
        new_end_byte: new_end,
        start_position: point(old_bytes, prefix),
        old_end_position: point(old_bytes, old_end),
        new_end_position: point(new_bytes, new_end),
    })
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
            message: format!("syntax error: missing `{}`", node.kind_name()),
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
            assert_eq!(regions.near(node), walked_up(node), "{} at {:?}", node.kind_name(), node.byte_range());
            if regions.near(node) { near += 1 } else { clear += 1 }
        }
        assert!(near > 0 && clear > 0, "{near} near, {clear} clear");
    }

    /// Every node's kind, byte range and field-free shape, in document order.
    fn shape(tree: &Tree) -> Vec<(u16, usize, usize)> {
        crate::syntax::descendants(tree.root_node())
            .map(|node| (node.kind_id(), node.start_byte(), node.end_byte()))
            .collect()
    }

    /// Reparsing from the edited old tree gives the tree a fresh parse gives, over many edits
    /// of real-looking files: lines dropped, doubled and changed, text typed and deleted.
    #[test]
    fn reparse_after_edits_matches_a_fresh_parse() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let texts: Vec<String> = ["error-never-checked", "lock-not-released", "signal-unbuffered", "mutex-copied"]
            .iter()
            .filter_map(|rule| std::fs::read_to_string(fixtures.join(rule).join("fixtures/bad.go")).ok())
            .collect();
        assert_eq!(texts.len(), 4, "fixtures under {}", fixtures.display());
        let mut parser = new_parser();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |bound: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % bound.max(1)
        };
        let (mut clean, mut with_errors) = (0, 0);
        for text in &texts {
            let file = SourceFile::new("a.go".into(), "a.go".into(), text.as_str());
            let tree = parse(&mut parser, &file).unwrap();
            assert!(!tree.root_node().has_error(), "a fixture without syntax errors to start from");
            let mut last_clean = (text.clone(), tree.clone());
            let (mut text, mut tree) = (text.clone(), tree);
            for _ in 0..150 {
                // Typing goes through texts with errors, and back out of them.
                if tree.root_node().has_error() && next(2) == 0 {
                    (text, tree) = last_clean.clone();
                }
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                let line = next(lines.len());
                let line_start: usize = lines[..line].iter().map(|line| line.len()).sum();
                let mut edited = text.clone();
                match next(6) {
                    0 => edited.replace_range(line_start..line_start + lines[line].len(), ""),
                    1 => edited.insert_str(line_start, lines[line]),
                    2 | 3 => edited.insert_str(line_start, "\t// typed\n"),
                    4 => {
                        let at = line_start + next(lines[line].len());
                        if edited.is_char_boundary(at) {
                            edited.insert_str(at, ["x", "(", "}", " ", "\"", "1"][next(6)]);
                        }
                    }
                    _ => {
                        let at = next(edited.len());
                        let end = (at + next(12)).min(edited.len());
                        if edited.is_char_boundary(at) && edited.is_char_boundary(end) {
                            edited.replace_range(at..end, "");
                        }
                    }
                }
                let file = SourceFile::new("a.go".into(), "a.go".into(), edited.as_str());
                let mut previous = tree.clone();
                if let Some(edit) = text_edit(&text, &edited) {
                    previous.edit(&edit);
                }
                let reparsed = reparse(&mut parser, &file, &previous).unwrap();
                let fresh = parse(&mut parser, &file).unwrap();
                assert_eq!(reparsed.root_node().to_sexp(), fresh.root_node().to_sexp(), "after editing to:\n{edited}");
                assert_eq!(shape(&reparsed), shape(&fresh), "after editing to:\n{edited}");
                if fresh.root_node().has_error() {
                    with_errors += 1;
                } else {
                    clean += 1;
                    last_clean = (edited.clone(), reparsed.clone());
                }
                (text, tree) = (edited, reparsed);
            }
        }
        // Both paths were taken, often.
        assert!(clean > 150 && with_errors > 50, "{clean} edits without syntax errors, {with_errors} with");
    }

    #[test]
    fn text_edit_spans_the_change_only() {
        assert!(text_edit("same", "same").is_none());
        let edit = text_edit("a\nbc\nd", "a\nbXYc\nd").unwrap();
        assert_eq!((edit.start_byte, edit.old_end_byte, edit.new_end_byte), (3, 3, 5));
        assert_eq!(edit.start_position, tree_sitter::Point::new(1, 1));
        assert_eq!(edit.new_end_position, tree_sitter::Point::new(1, 3));
        // A repeated character: the common prefix and suffix do not overlap.
        let edit = text_edit("aa", "aaa").unwrap();
        assert_eq!((edit.start_byte, edit.old_end_byte, edit.new_end_byte), (2, 2, 3));
        let edit = text_edit("x\n\ny", "x\ny").unwrap();
        assert_eq!((edit.start_byte, edit.old_end_byte, edit.new_end_byte), (2, 3, 2));
        assert_eq!(edit.old_end_position, tree_sitter::Point::new(2, 0));
    }
}
