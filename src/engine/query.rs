//! The enabled rules' `query.scm` patterns, compiled to native patterns and matched in one walk
//! of the tree that tries each node only against the patterns rooted at its kind (DESIGN.md,
//! "Performance principles").
//!
//! Why not tree-sitter's `QueryCursor`: its walk of the tree, with every pattern in flight,
//! cost as much as 64% of the parse on the standard library before any rule ran, and a
//! one-pattern query about as much as all of them (issue 15). The rules use a small part of
//! the query language — node kinds, fields, anonymous tokens, alternatives of kinds, anchors,
//! captures and text predicates — so that part is implemented here, with tree-sitter's meaning
//! (query.c): a child pattern matches any later child, or with a field only a child under that
//! field; `.` before a child pattern makes it the first named child (or the next named one after
//! the previous pattern's child), `.` after the last makes it the last named child (comments
//! count, being named); `(_)` matches any named node but `ERROR`; a pattern that can match one
//! node in several ways yields each distinct set of captures once. Anything else in a query
//! (quantifiers, negated fields, wildcard `_` without parentheses, nested alternatives) is
//! refused with the rule's name. A test checks the matches against `QueryCursor`'s on the
//! fixtures and on a sample of the standard library.

use crate::engine::flat_tree::FlatTree;
use crate::engine::rule::Rule;
use std::fmt;
use std::num::NonZeroU16;
use std::rc::Rc;
use tree_sitter::{Language, Node};

#[derive(Debug)]
pub struct QueryError {
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "query of rule `{}`: {}", self.rule, self.message)
    }
}

impl std::error::Error for QueryError {}

/// Predicates the engine evaluates. A query using any other is refused rather than have it
/// silently ignored.
pub const EVALUATED_PREDICATES: &[&str] = &[
    "eq?",
    "not-eq?",
    "any-eq?",
    "any-not-eq?",
    "match?",
    "not-match?",
    "any-match?",
    "any-not-match?",
    "any-of?",
    "not-any-of?",
];

/// A capture as a match hands it out: the index of its name, and the node.
pub type Capture<'tree> = (u16, Node<'tree>);

/// Every enabled rule's patterns, ready to match.
pub struct CombinedQuery {
    patterns: Vec<Step>,
    /// For each pattern, the index (into the rule list it was built from) of its rule.
    pub pattern_rule: Vec<usize>,
    /// Capture names by index, leaked once so matches can hand out `&'static str`.
    pub capture_names: Vec<&'static str>,
    /// For each node kind id, the patterns whose root may be a node of that kind, ascending.
    by_kind: Vec<Vec<u32>>,
    /// Patterns rooted at `(ERROR)`, whose kind id lies past the table.
    error_roots: Vec<u32>,
    /// For each pattern, its [guard](guard_path), when it has one.
    guards: Vec<Option<Vec<usize>>>,
}

/// One node of a pattern.
#[derive(Debug)]
struct Step {
    test: KindTest,
    field: Option<NonZeroU16>,
    captures: Vec<u16>,
    /// The pattern's predicates on the captures this step binds: checked as soon as it binds
    /// them, which rejects a candidate before its children are looked at.
    predicates: Vec<Predicate>,
    children: Vec<Step>,
    /// `.` before it: the first named child (or the next named one after the previous match).
    anchored_first: bool,
    /// `.` after it: no named child may follow.
    anchored_last: bool,
}

#[derive(Debug)]
enum KindTest {
    Kinds(Vec<u16>),
    /// `(_)`: any named node but `ERROR`.
    AnyNamed,
}

#[derive(Debug)]
struct Predicate {
    negated: bool,
    test: TextTest,
}

#[derive(Debug)]
enum TextTest {
    Equals(String),
    AnyOf(Vec<String>),
    Matches(regex::bytes::Regex),
}

impl Predicate {
    /// Whether the test holds of a node whose text is `text`.
    fn holds(&self, text: &[u8]) -> bool {
        let holds = match &self.test {
            TextTest::Equals(expected) => text == expected.as_bytes(),
            TextTest::AnyOf(options) => options.iter().any(|option| text == option.as_bytes()),
            TextTest::Matches(regex) => regex.is_match(text),
        };
        holds != self.negated
    }
}

/// A child of a node being matched, with what the anchors and fields need.
#[derive(Clone, Copy)]
struct Child<'tree> {
    node: Node<'tree>,
    /// Its index in the tree's node list.
    index: usize,
    kind: u16,
    field: Option<NonZeroU16>,
    named: bool,
    is_error: bool,
    /// A named child follows it.
    later_named: bool,
}

impl Step {
    fn accepts(&self, child: &Child<'_>) -> bool {
        let kind_ok = match &self.test {
            KindTest::Kinds(kinds) => kinds.contains(&child.kind),
            KindTest::AnyNamed => child.named && !child.is_error,
        };
        kind_ok
            && self.field.is_none_or(|field| child.field == Some(field))
            && !(self.anchored_last && child.later_named)
    }

    fn binds(&self, capture: u16) -> bool {
        self.captures.contains(&capture) || self.children.iter().any(|child| child.binds(capture))
    }

    /// The first step (pre-order) that binds `capture`.
    fn binder_mut(&mut self, capture: u16) -> Option<&mut Step> {
        if self.captures.contains(&capture) {
            return Some(self);
        }
        self.children.iter_mut().find_map(|child| child.binder_mut(capture))
    }
}

impl CombinedQuery {
    /// Compile the patterns of `rules` (rules without a query are skipped), in order: pattern
    /// indexes follow the rules' queries' text as if they were one file.
    pub fn build(language: &Language, rules: &[&'static Rule]) -> Result<CombinedQuery, QueryError> {
        let mut capture_names: Vec<&'static str> = Vec::new();
        let mut patterns = Vec::new();
        let mut pattern_rule = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            if rule.query.trim().is_empty() {
                continue;
            }
            let parsed = QueryParser { source: rule.query, position: 0, language, capture_names: &mut capture_names }
                .patterns()
                .map_err(|message| QueryError { rule: rule.id, message })?;
            if parsed.is_empty() {
                return Err(QueryError { rule: rule.id, message: "the query has no patterns".into() });
            }
            let target = capture_names.iter().position(|name| *name == "target");
            for (number, pattern) in parsed.iter().enumerate() {
                if !target.is_some_and(|target| pattern.binds(target as u16)) {
                    return Err(QueryError {
                        rule: rule.id,
                        message: format!("pattern {} has no @target capture", number + 1),
                    });
                }
            }
            pattern_rule.extend(std::iter::repeat_n(index, parsed.len()));
            patterns.extend(parsed);
        }
        let kind_count = language.node_kind_count();
        let mut by_kind: Vec<Vec<u32>> = vec![Vec::new(); kind_count];
        let mut error_roots = Vec::new();
        let error_kind = language.id_for_node_kind("ERROR", true);
        for (index, pattern) in patterns.iter().enumerate() {
            let index = index as u32;
            match &pattern.test {
                KindTest::Kinds(kinds) => {
                    for &kind in kinds {
                        match by_kind.get_mut(kind as usize) {
                            Some(list) => list.push(index),
                            None if kind == error_kind => error_roots.push(index),
                            None => {}
                        }
                    }
                }
                KindTest::AnyNamed => {
                    for (kind, list) in by_kind.iter_mut().enumerate() {
                        if language.node_kind_is_named(kind as u16) && kind as u16 != error_kind {
                            list.push(index);
                        }
                    }
                }
            }
        }
        let guards = patterns.iter().map(|pattern| guard_path(pattern, GUARD_DEPTH)).collect();
        Ok(CombinedQuery { patterns, pattern_rule, capture_names, by_kind, error_roots, guards })
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Every match in `tree`, in pre-order of the matched root node, then by pattern. Patterns
    /// of rules whose `enabled` entry is false are not tried.
    ///
    /// A node whose kind roots a pattern has its children listed once for all the patterns
    /// tried there, and the children of deeper pattern nodes are listed once per root node
    /// however many patterns look at them. Other nodes are never listed (a 500 KB byte-array
    /// literal has 170,000 children).
    pub fn for_each_match<'tree>(
        &self,
        nodes: MatchSource<'_, 'tree>,
        source: &[u8],
        enabled: &[bool],
        found: &mut dyn FnMut(usize, &[Capture<'tree>]),
    ) {
        let is_enabled = |pattern: u32| enabled.get(self.pattern_rule[pattern as usize]).copied().unwrap_or(false);
        let mut scratch = Scratch::default();
        match nodes {
            MatchSource::Listed(tree) => {
                let mut context = MatchContext { source, nodes: Nodes::Listed(tree), listed: Vec::new() };
                let mut tried: Vec<u32> = Vec::new();
                for index in 0..tree.len() {
                    let listed = tree.get(index);
                    let candidates = self.candidates(listed.kind, listed.is_error != 0);
                    // Patterns whose guard fails here cannot match: most call_expression patterns
                    // are told apart by the callee's name, read without listing any children.
                    tried.clear();
                    tried.extend(candidates.iter().copied().filter(|&pattern| {
                        is_enabled(pattern)
                            && self.guards[pattern as usize].as_deref().is_none_or(|path| {
                                guard_holds(tree, index, &self.patterns[pattern as usize], path, source)
                            })
                    }));
                    if !tried.is_empty() {
                        list_children(tree, index, &mut scratch.children);
                        self.match_at(&mut context, index, tree.node(index), &tried, &is_enabled, &mut scratch, found);
                    }
                }
            }
            MatchSource::Walked(root) => {
                let mut context = MatchContext { source, nodes: Nodes::Walked(root.walk()), listed: Vec::new() };
                let mut walk = root.walk();
                loop {
                    let node = walk.node();
                    let candidates = self.candidates(node.kind_id(), node.is_error());
                    if candidates.iter().any(|&pattern| is_enabled(pattern)) {
                        if let Nodes::Walked(cursor) = &mut context.nodes {
                            walk_children(cursor, node, &mut scratch.children);
                        }
                        self.match_at(&mut context, usize::MAX, node, candidates, &is_enabled, &mut scratch, found);
                    }
                    if walk.goto_first_child() {
                        continue;
                    }
                    while !walk.goto_next_sibling() {
                        if !walk.goto_parent() {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Tries the enabled `candidates` at `node`, whose children are in `scratch.children`.
    #[allow(clippy::too_many_arguments)]
    fn match_at<'tree>(
        &self,
        context: &mut MatchContext<'_, '_, 'tree>,
        index: usize,
        node: Node<'tree>,
        candidates: &[u32],
        is_enabled: &dyn Fn(u32) -> bool,
        scratch: &mut Scratch<'tree>,
        found: &mut dyn FnMut(usize, &[Capture<'tree>]),
    ) {
        context.listed.clear();
        let Scratch { captures, distinct, children } = scratch;
        for &pattern in candidates.iter().filter(|&&pattern| is_enabled(pattern)) {
            let pattern = pattern as usize;
            distinct.clear();
            let mut keep = |_: &mut MatchContext<'_, '_, 'tree>, captures: &mut Vec<Capture<'tree>>| {
                if !distinct.iter().any(|seen| seen == captures) {
                    distinct.push(captures.clone());
                }
            };
            match_step(context, &self.patterns[pattern], index, node, Some(children), captures, &mut keep);
            for captures in distinct.iter() {
                found(pattern, captures);
            }
        }
    }

    /// The patterns that may be rooted at a node of kind `kind`.
    fn candidates(&self, kind: u16, is_error: bool) -> &[u32] {
        match self.by_kind.get(kind as usize) {
            Some(list) => list.as_slice(),
            None if is_error => self.error_roots.as_slice(),
            None => &[],
        }
    }
}

/// How many fields deep a guard may reach below a pattern's root.
const GUARD_DEPTH: usize = 3;

/// A necessary condition for `step` to match, cheap to test on the node list: a chain of child
/// steps, each under a field, down to one with predicates, as the index of each step among its
/// parent step's children. Every child step must match (the matcher has no quantifiers), so a
/// node with no chain of children of those fields and kinds whose last one passes the
/// predicates cannot match, and the pattern need not be tried there. The first such chain in
/// pre-order, at most `depth` steps long.
fn guard_path(step: &Step, depth: usize) -> Option<Vec<usize>> {
    if depth == 0 {
        return None;
    }
    step.children.iter().enumerate().filter(|(_, child)| child.field.is_some()).find_map(|(position, child)| {
        if !child.predicates.is_empty() {
            return Some(vec![position]);
        }
        let mut path = guard_path(child, depth - 1)?;
        path.insert(0, position);
        Some(path)
    })
}

/// True when the node at `index` has the chain of children `path` asks of `step` (see
/// [`guard_path`]), the last of them passing its step's predicates.
fn guard_holds(tree: &FlatTree<'_>, index: usize, step: &Step, path: &[usize], source: &[u8]) -> bool {
    let Some((&position, rest)) = path.split_first() else {
        let text = listed_text(tree, index, source);
        return step.predicates.iter().all(|predicate| predicate.holds(text));
    };
    let child_step = &step.children[position];
    tree.children(index).any(|child| {
        let listed = tree.get(child);
        let kind_ok = match &child_step.test {
            KindTest::Kinds(kinds) => kinds.contains(&listed.kind),
            KindTest::AnyNamed => listed.named != 0 && listed.is_error == 0,
        };
        kind_ok
            && child_step.field == NonZeroU16::new(listed.field)
            && guard_holds(tree, child, child_step, rest, source)
    })
}

/// The text of the listed node at `index`, by the list's byte range: the node is not read.
fn listed_text<'s>(tree: &FlatTree<'_>, index: usize, source: &'s [u8]) -> &'s [u8] {
    let listed = tree.get(index);
    source.get(listed.start_byte as usize..listed.end_byte as usize).unwrap_or_default()
}

/// Where the matcher reads the tree from: its node list, or a cursor from its root (a tree too
/// large to list, see `engine::MAX_LISTED_NODES`). Both give the same matches.
pub enum MatchSource<'f, 'tree> {
    Listed(&'f FlatTree<'tree>),
    Walked(Node<'tree>),
}

/// Buffers reused from node to node.
#[derive(Default)]
struct Scratch<'tree> {
    captures: Vec<Capture<'tree>>,
    distinct: Vec<Vec<Capture<'tree>>>,
    children: Vec<Child<'tree>>,
}

/// What matching needs beside the pattern: the text, the tree's nodes (listed, or a cursor to
/// list children with), and the children already listed for the node being tried (by index in
/// the list, or by node id).
struct MatchContext<'s, 'f, 'tree> {
    source: &'s [u8],
    nodes: Nodes<'f, 'tree>,
    listed: Vec<(usize, Rc<[Child<'tree>]>)>,
}

/// How a [`MatchContext`] lists children: from the node list, or with a cursor.
enum Nodes<'f, 'tree> {
    Listed(&'f FlatTree<'tree>),
    Walked(tree_sitter::TreeCursor<'tree>),
}

impl<'tree> MatchContext<'_, '_, 'tree> {
    fn children(&mut self, index: usize, node: Node<'tree>) -> Rc<[Child<'tree>]> {
        let key = match self.nodes {
            Nodes::Listed(_) => index,
            Nodes::Walked(_) => node.id(),
        };
        if let Some((_, children)) = self.listed.iter().find(|(listed, _)| *listed == key) {
            return Rc::clone(children);
        }
        let mut children = Vec::new();
        match &mut self.nodes {
            Nodes::Listed(tree) => list_children(tree, index, &mut children),
            Nodes::Walked(cursor) => walk_children(cursor, node, &mut children),
        }
        let children: Rc<[Child<'tree>]> = children.into();
        self.listed.push((key, Rc::clone(&children)));
        children
    }
}

type Then<'c, 's, 'f, 'tree> = dyn FnMut(&mut MatchContext<'s, 'f, 'tree>, &mut Vec<Capture<'tree>>) + 'c;

/// Match `step` at `node` (the tree's node `index`), whose kind (and field) the caller has
/// checked; `then` receives the captures of each way the step matches, after the ones before it.
/// `children` are `node`'s, when the caller has them.
fn match_step<'s, 'f, 'tree>(
    context: &mut MatchContext<'s, 'f, 'tree>,
    step: &Step,
    index: usize,
    node: Node<'tree>,
    children: Option<&[Child<'tree>]>,
    captures: &mut Vec<Capture<'tree>>,
    then: &mut Then<'_, 's, 'f, 'tree>,
) {
    if !step.predicates.is_empty() {
        let text = match context.nodes {
            Nodes::Listed(tree) => listed_text(tree, index, context.source),
            Nodes::Walked(_) => context.source.get(node.byte_range()).unwrap_or_default(),
        };
        if !step.predicates.iter().all(|predicate| predicate.holds(text)) {
            return;
        }
    }
    let mark = captures.len();
    captures.extend(step.captures.iter().map(|&capture| (capture, node)));
    if step.children.is_empty() {
        then(context, captures);
    } else if let Some(children) = children {
        match_children(context, &step.children, children, 0, captures, then);
    } else {
        let children = context.children(index, node);
        match_children(context, &step.children, &children, 0, captures, then);
    }
    captures.truncate(mark);
}

/// Match `steps` in order against `children`, the first of them no earlier than `children[from]`.
fn match_children<'s, 'f, 'tree>(
    context: &mut MatchContext<'s, 'f, 'tree>,
    steps: &[Step],
    children: &[Child<'tree>],
    from: usize,
    captures: &mut Vec<Capture<'tree>>,
    then: &mut Then<'_, 's, 'f, 'tree>,
) {
    let Some((step, rest)) = steps.split_first() else {
        then(context, captures);
        return;
    };
    for (position, child) in children.iter().enumerate().skip(from) {
        if step.accepts(child) {
            match_step(context, step, child.index, child.node, None, captures, &mut |context, captures| {
                match_children(context, rest, children, position + 1, captures, then)
            });
        }
        // An anchored step must match the first named child it meets.
        if step.anchored_first && child.named {
            break;
        }
    }
}

/// `node`'s children into `children`, with a cursor (their `index` is unknown: `usize::MAX`).
fn walk_children<'tree>(
    cursor: &mut tree_sitter::TreeCursor<'tree>,
    node: Node<'tree>,
    children: &mut Vec<Child<'tree>>,
) {
    children.clear();
    if node.child_count() == 0 {
        return;
    }
    cursor.reset(node);
    if cursor.goto_first_child() {
        loop {
            let child = cursor.node();
            children.push(Child {
                node: child,
                index: usize::MAX,
                kind: child.kind_id(),
                field: cursor.field_id(),
                named: child.is_named(),
                is_error: child.is_error(),
                later_named: false,
            });
            if !cursor.goto_next_sibling() {
                break;
            }
        }
    }
    mark_later_named(children);
}

fn mark_later_named(children: &mut [Child<'_>]) {
    let mut named_after = false;
    for child in children.iter_mut().rev() {
        child.later_named = named_after;
        named_after |= child.named;
    }
}

/// The children of the tree's node `index` into `children`.
fn list_children<'tree>(tree: &FlatTree<'tree>, index: usize, children: &mut Vec<Child<'tree>>) {
    children.clear();
    for child in tree.children(index) {
        let flat = tree.get(child);
        children.push(Child {
            node: tree.node(child),
            index: child,
            kind: flat.kind,
            field: NonZeroU16::new(flat.field),
            named: flat.named != 0,
            is_error: flat.is_error != 0,
            later_named: false,
        });
    }
    mark_later_named(children);
}

/// Reads the subset of tree-sitter's query syntax the module comment lists.
struct QueryParser<'q, 'c> {
    source: &'q str,
    position: usize,
    language: &'q Language,
    capture_names: &'c mut Vec<&'static str>,
}

/// A predicate as written, before it is attached to the step binding its capture.
struct WrittenPredicate {
    capture: u16,
    predicate: Predicate,
}

impl<'q> QueryParser<'q, '_> {
    fn patterns(&mut self) -> Result<Vec<Step>, String> {
        let mut patterns = Vec::new();
        loop {
            self.skip_blanks();
            if self.position >= self.source.len() {
                return Ok(patterns);
            }
            let mut predicates = Vec::new();
            let mut pattern = if self.rest().starts_with('(') && self.is_grouping() {
                // `((node) @capture (#predicate ...))`: one pattern with its predicates.
                self.expect('(')?;
                self.skip_blanks();
                let mut pattern = self.node(&mut predicates)?;
                self.captures_into(&mut pattern)?;
                loop {
                    self.skip_blanks();
                    if self.eat(')') {
                        break;
                    }
                    if self.rest().starts_with("(#") {
                        predicates.push(self.predicate()?);
                    } else {
                        return Err(self.error("a grouping of several sibling patterns is not supported"));
                    }
                }
                pattern
            } else {
                let mut pattern = self.node(&mut predicates)?;
                self.captures_into(&mut pattern)?;
                pattern
            };
            for written in predicates {
                let Some(step) = pattern.binder_mut(written.capture) else {
                    return Err(format!(
                        "a predicate tests @{}, which its pattern does not capture",
                        self.capture_names[written.capture as usize]
                    ));
                };
                step.predicates.push(written.predicate);
            }
            patterns.push(pattern);
        }
    }

    /// After `(`: is the next thing another pattern (a grouping) rather than a node kind?
    fn is_grouping(&self) -> bool {
        let after = &self.rest()[1..];
        matches!(after[blanks_len(after)..].chars().next(), Some('(' | '[' | '"'))
    }

    /// A node pattern: `(kind children…)`, `(_ …)`, `"token"` or `[alternatives]`.
    fn node(&mut self, predicates: &mut Vec<WrittenPredicate>) -> Result<Step, String> {
        self.skip_blanks();
        let test = if self.eat('"') {
            let token = self.string_rest()?;
            KindTest::Kinds(vec![self.kind(&token, false)?])
        } else if self.eat('[') {
            let mut kinds = Vec::new();
            loop {
                self.skip_blanks();
                if self.eat(']') {
                    break;
                }
                if self.eat('"') {
                    let token = self.string_rest()?;
                    kinds.push(self.kind(&token, false)?);
                } else if self.eat('(') {
                    self.skip_blanks();
                    let name = self.identifier()?;
                    kinds.push(self.kind(&name, true)?);
                    self.skip_blanks();
                    if !self.eat(')') {
                        return Err(self.error("alternatives may only list node kinds and tokens"));
                    }
                } else {
                    return Err(self.error("alternatives may only list node kinds and tokens"));
                }
            }
            if kinds.is_empty() {
                return Err(self.error("empty alternatives"));
            }
            KindTest::Kinds(kinds)
        } else if self.eat('(') {
            self.skip_blanks();
            let name = self.identifier()?;
            let test = if name == "_" { KindTest::AnyNamed } else { KindTest::Kinds(vec![self.kind(&name, true)?]) };
            let mut step = Step::new(test);
            self.children_into(&mut step, predicates)?;
            return Ok(step);
        } else {
            return Err(self.error("expected a node pattern: `(kind …)`, `\"token\"` or `[…]`"));
        };
        Ok(Step::new(test))
    }

    /// The children of a `(kind …)` pattern, up to its `)`.
    fn children_into(&mut self, step: &mut Step, predicates: &mut Vec<WrittenPredicate>) -> Result<(), String> {
        let mut anchor_pending = false;
        loop {
            self.skip_blanks();
            if self.eat(')') {
                if anchor_pending {
                    match step.children.last_mut() {
                        Some(last) => last.anchored_last = true,
                        None => return Err(self.error("an anchor `.` needs a child pattern")),
                    }
                }
                return Ok(());
            }
            if self.position >= self.source.len() {
                return Err(self.error("unclosed `(`"));
            }
            if self.rest().starts_with("(#") {
                predicates.push(self.predicate()?);
                continue;
            }
            if self.eat('.') {
                anchor_pending = true;
                continue;
            }
            if self.rest().starts_with('!') {
                return Err(self.error("negated fields are not supported"));
            }
            let field = if self.at_field() {
                let name = self.identifier()?;
                self.skip_blanks();
                self.expect(':')?;
                Some(
                    self.language
                        .field_id_for_name(&name)
                        .ok_or_else(|| self.error(&format!("the Go grammar has no field `{name}`")))?,
                )
            } else {
                None
            };
            let mut child = self.node(predicates)?;
            child.field = field;
            child.anchored_first = std::mem::take(&mut anchor_pending);
            self.captures_into(&mut child)?;
            step.children.push(child);
        }
    }

    /// `@name…` after a node pattern; then refuses a quantifier.
    fn captures_into(&mut self, step: &mut Step) -> Result<(), String> {
        loop {
            self.skip_blanks();
            if self.eat('@') {
                let name = self.identifier()?;
                step.captures.push(self.capture_index(&name));
                continue;
            }
            if matches!(self.rest().chars().next(), Some('*' | '+' | '?')) {
                return Err(self.error("quantifiers (`*`, `+`, `?`) are not supported"));
            }
            return Ok(());
        }
    }

    /// `(#name? @capture "argument"…)`.
    fn predicate(&mut self) -> Result<WrittenPredicate, String> {
        self.expect('(')?;
        self.expect('#')?;
        let name = self.identifier_with(|c| c == '?' || c == '!')?;
        if name.ends_with('!') {
            return Err(self.error(&format!("#{name} directives are not supported")));
        }
        if !EVALUATED_PREDICATES.contains(&name.as_str()) {
            return Err(self.error(&format!(
                "#{name} is a predicate the engine does not evaluate; use one of: {}",
                EVALUATED_PREDICATES.iter().map(|p| format!("#{p}")).collect::<Vec<_>>().join(" ")
            )));
        }
        self.skip_blanks();
        if !self.eat('@') {
            return Err(self.error(&format!("#{name} takes a capture first")));
        }
        let capture_name = self.identifier()?;
        let capture = self.capture_index(&capture_name);
        let mut arguments = Vec::new();
        loop {
            self.skip_blanks();
            if self.eat(')') {
                break;
            }
            if !self.eat('"') {
                return Err(self.error(&format!("#{name} compares a capture with strings only")));
            }
            arguments.push(self.string_rest()?);
        }
        let negated = name.starts_with("not-") || name.starts_with("any-not-");
        let base = name.trim_start_matches("any-").trim_start_matches("not-");
        let test = match (base, arguments.as_slice()) {
            ("eq?", [text]) => TextTest::Equals(text.clone()),
            ("match?", [pattern]) => TextTest::Matches(
                regex::bytes::Regex::new(pattern).map_err(|err| self.error(&format!("bad regex in #{name}: {err}")))?,
            ),
            ("of?", options) if !options.is_empty() => TextTest::AnyOf(options.to_vec()),
            _ => return Err(self.error(&format!("#{name} has the wrong number of arguments"))),
        };
        Ok(WrittenPredicate { capture, predicate: Predicate { negated, test } })
    }

    fn kind(&self, name: &str, named: bool) -> Result<u16, String> {
        let id = self.language.id_for_node_kind(name, named);
        let exists = id != 0 && (name == "ERROR" || self.language.node_kind_is_visible(id));
        if !exists {
            let what = if named { "node kind" } else { "token" };
            return Err(self.error(&format!("the Go grammar has no visible {what} `{name}`")));
        }
        Ok(id)
    }

    fn capture_index(&mut self, name: &str) -> u16 {
        match self.capture_names.iter().position(|known| *known == name) {
            Some(index) => index as u16,
            None => {
                self.capture_names.push(intern(name));
                (self.capture_names.len() - 1) as u16
            }
        }
    }

    fn at_field(&self) -> bool {
        let rest = self.rest();
        let name_len = rest.find(|c: char| !is_identifier_char(c)).unwrap_or(rest.len());
        name_len > 0 && rest[name_len..].trim_start().starts_with(':')
    }

    fn identifier(&mut self) -> Result<String, String> {
        self.identifier_with(|_| false)
    }

    fn identifier_with(&mut self, also: impl Fn(char) -> bool) -> Result<String, String> {
        let rest = self.rest();
        let len = rest.find(|c: char| !is_identifier_char(c) && !also(c)).unwrap_or(rest.len());
        if len == 0 {
            return Err(self.error("expected a name"));
        }
        self.position += len;
        Ok(rest[..len].to_string())
    }

    /// The rest of a string literal after its opening quote.
    fn string_rest(&mut self) -> Result<String, String> {
        let mut text = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((offset, c)) = chars.next() {
            match c {
                '"' => {
                    self.position += offset + 1;
                    return Ok(text);
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => text.push('\n'),
                    Some((_, 'r')) => text.push('\r'),
                    Some((_, 't')) => text.push('\t'),
                    Some((_, '0')) => text.push('\0'),
                    Some((_, other)) => text.push(other),
                    None => break,
                },
                _ => text.push(c),
            }
        }
        Err(self.error("unterminated string"))
    }

    fn skip_blanks(&mut self) {
        self.position += blanks_len(self.rest());
    }

    fn rest(&self) -> &'q str {
        &self.source[self.position..]
    }

    fn eat(&mut self, c: char) -> bool {
        if self.rest().starts_with(c) {
            self.position += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) { Ok(()) } else { Err(self.error(&format!("expected `{c}`"))) }
    }

    /// `message`, with the line and column the parser stopped at.
    fn error(&self, message: &str) -> String {
        let before = &self.source[..self.position];
        let line = before.matches('\n').count() + 1;
        let column = before.rfind('\n').map_or(before.len(), |newline| before.len() - newline - 1) + 1;
        format!("{line}:{column}: {message}")
    }
}

/// The length of the whitespace and `;` comments `text` starts with.
fn blanks_len(text: &str) -> usize {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        match rest.strip_prefix(';') {
            Some(comment) => rest = &comment[comment.find('\n').unwrap_or(comment.len())..],
            None => return text.len() - rest.len(),
        }
    }
}

fn is_identifier_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || c == '.'
}

impl Step {
    fn new(test: KindTest) -> Step {
        Step {
            test,
            field: None,
            captures: Vec::new(),
            predicates: Vec::new(),
            children: Vec::new(),
            anchored_first: false,
            anchored_last: false,
        }
    }
}

/// Strings that live as long as the process (capture names, package paths); interning keeps
/// that to one copy per distinct string.
pub fn intern(name: &str) -> &'static str {
    use crate::hash::HashSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(existing) = names.get(name) {
        return existing;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use std::path::{Path, PathBuf};
    use tree_sitter::{Query, QueryCursor, StreamingIterator};

    fn rule_with_query(query: &'static str) -> &'static Rule {
        let mut rule = Rule::builtin("test-rule", "a test rule", Severity::Warning, "## What it does\n\nTests.\n");
        rule.query = query;
        rule.check = Some(|_, _| {});
        Box::leak(Box::new(rule))
    }

    /// A match as both matchers give it: pattern, then (capture, kind, byte range), sorted.
    type Found = (usize, Vec<(String, String, usize, usize)>);

    fn found<'a>(pattern: usize, captures: impl Iterator<Item = (String, Node<'a>)>) -> Found {
        let mut captures: Vec<_> =
            captures.map(|(name, node)| (name, node.kind().to_string(), node.start_byte(), node.end_byte())).collect();
        captures.sort();
        (pattern, captures)
    }

    fn rule_count(query: &CombinedQuery) -> usize {
        query.pattern_rule.iter().max().map_or(0, |max| max + 1)
    }

    fn native_matches(query: &CombinedQuery, source: &str, tree: &tree_sitter::Tree) -> Vec<Found> {
        native_matches_of(query, source, tree, &vec![true; rule_count(query)])
    }

    fn native_matches_of(
        query: &CombinedQuery,
        source: &str,
        tree: &tree_sitter::Tree,
        enabled: &[bool],
    ) -> Vec<Found> {
        let flat = FlatTree::new(tree, Vec::new()).expect("memory for the node list");
        let listed = matches_from(query, MatchSource::Listed(&flat), source, enabled);
        // A tree too large to list is matched with cursors: the same matches.
        let walked = matches_from(query, MatchSource::Walked(tree.root_node()), source, enabled);
        assert_eq!(listed, walked, "matching over the node list and with cursors differ");
        listed
    }

    fn matches_from<'t>(
        query: &CombinedQuery,
        nodes: MatchSource<'_, 't>,
        source: &str,
        enabled: &[bool],
    ) -> Vec<Found> {
        let mut all = Vec::new();
        query.for_each_match(nodes, source.as_bytes(), enabled, &mut |pattern, captures| {
            all.push(found(
                pattern,
                captures.iter().map(|&(capture, node)| (query.capture_names[capture as usize].to_string(), node)),
            ));
        });
        all.sort();
        all
    }

    fn tree_sitter_matches(query: &Query, source: &str, tree: &tree_sitter::Tree) -> Vec<Found> {
        let names = query.capture_names();
        let mut cursor = QueryCursor::new();
        let mut matches = cursor.matches(query, tree.root_node(), source.as_bytes());
        let mut all = Vec::new();
        while let Some(query_match) = matches.next() {
            all.push(found(
                query_match.pattern_index,
                query_match.captures().iter().map(|capture| (names[capture.index as usize].to_string(), capture.node)),
            ));
        }
        all.sort();
        all
    }

    /// Every rule's query, natively and as tree-sitter compiles the same text.
    fn both_queries() -> (CombinedQuery, Query) {
        let language = crate::parse::go_language();
        let rules: Vec<&'static Rule> =
            crate::engine::registry::all_rules().into_iter().filter(|rule| !rule.query.trim().is_empty()).collect();
        let native = CombinedQuery::build(&language, &rules).expect("the rules' queries compile");
        let text: String = rules.iter().map(|rule| format!("{}\n", rule.query)).collect();
        let reference = Query::new(&language, &text).expect("tree-sitter compiles the rules' queries");
        assert_eq!(native.pattern_count(), reference.pattern_count());
        (native, reference)
    }

    pub(crate) fn go_files(dir: &Path, into: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<PathBuf> = entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                go_files(&path, into);
            } else if path.extension().is_some_and(|ext| ext == "go") {
                into.push(path);
            }
        }
    }

    /// The text with a comment after every `(` and `,`, and before every `)`: comments are
    /// named nodes, which anchors and `(_)` see.
    pub(crate) fn with_comments(source: &str) -> String {
        source.replace('(', "( /* c */").replace(',', ", /* c */").replace(')', "/* c */ )")
    }

    /// The first `numerator / denominator` of `source`, cut at a character boundary: a file that
    /// stops mid-construct, whose tree has syntax errors.
    pub(crate) fn first_part(source: &str, numerator: usize, denominator: usize) -> &str {
        let cut = source.len() * numerator / denominator;
        let cut = (0..=cut).rev().find(|&at| source.is_char_boundary(at)).unwrap_or(0);
        &source[..cut]
    }

    /// Compare the two matchers on `source` and on variants that stress anchors and errors.
    fn assert_same_matches(native: &CombinedQuery, reference: &Query, name: &str, source: &str) -> usize {
        let mut parser = crate::parse::new_parser();
        let variants = [source.to_string(), with_comments(source), first_part(source, 2, 3).to_string()];
        let mut count = 0;
        for (variant, text) in variants.iter().enumerate() {
            let tree = parser.parse(text, None).expect("parses");
            let ours = native_matches(native, text, &tree);
            let theirs = tree_sitter_matches(reference, text, &tree);
            assert_eq!(ours, theirs, "matches differ on {name} (variant {variant})");
            count += ours.len();
        }
        count
    }

    #[test]
    fn native_matches_equal_tree_sitters_on_the_fixtures() {
        let (native, reference) = both_queries();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        go_files(&root.join("rules"), &mut files);
        go_files(&root.join("tests"), &mut files);
        assert!(files.len() > 100, "found only {} fixture files", files.len());
        let mut matches = 0;
        for path in &files {
            let Ok(source) = std::fs::read_to_string(path) else { continue };
            matches += assert_same_matches(&native, &reference, &path.display().to_string(), &source);
        }
        assert!(matches > 1_000, "only {matches} matches: the comparison saw too little");
    }

    /// Every `.go` file of the standard library, sorted.
    pub(crate) fn standard_library_files() -> Vec<PathBuf> {
        let output = std::process::Command::new("go")
            .args(["env", "GOROOT"])
            .output()
            .expect("this test reads the standard library and needs `go` on PATH");
        let goroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        let mut files = Vec::new();
        go_files(&goroot.join("src"), &mut files);
        assert!(files.len() > 5_000, "found only {} files under {}", files.len(), goroot.display());
        files
    }

    #[test]
    fn native_matches_equal_tree_sitters_on_the_standard_library() {
        let files = standard_library_files();
        let (native, reference) = both_queries();
        let mut matches = 0;
        // Every 40th file: a fixed sample of about 250, across every directory.
        for path in files.iter().step_by(40) {
            let Ok(source) = std::fs::read_to_string(path) else { continue };
            if source.len() > 200_000 {
                continue;
            }
            matches += assert_same_matches(&native, &reference, &path.display().to_string(), &source);
        }
        assert!(matches > 5_000, "only {matches} matches: the comparison saw too little");
    }

    #[test]
    fn patterns_of_disabled_rules_are_not_tried_and_the_rest_match_as_before() {
        let (native, _) = both_queries();
        let source = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/goroutine-no-exit/fixtures/bad.go"),
        )
        .expect("fixture");
        let tree = crate::parse::new_parser().parse(&source, None).expect("parses");
        let all = native_matches(&native, &source, &tree);
        // Every other rule enabled.
        let enabled: Vec<bool> = (0..rule_count(&native)).map(|rule| rule % 2 == 0).collect();
        let some = native_matches_of(&native, &source, &tree, &enabled);
        let expected: Vec<Found> =
            all.iter().filter(|(pattern, _)| enabled[native.pattern_rule[*pattern]]).cloned().collect();
        assert!(!expected.is_empty() && expected.len() < all.len(), "{} of {}", expected.len(), all.len());
        assert_eq!(some, expected);
    }

    #[test]
    fn predicates_the_engine_does_not_evaluate_are_refused() {
        let language = crate::parse::go_language();
        let unknown = rule_with_query("((identifier) @target (#is-exported? @target))");
        let err = CombinedQuery::build(&language, &[unknown]).err().expect("refused");
        assert!(err.to_string().contains("#is-exported?"), "{err}");
        let evaluated = rule_with_query("((identifier) @target (#match? @target \"^[A-Z]\"))");
        assert!(CombinedQuery::build(&language, &[evaluated]).is_ok());
    }

    #[test]
    fn syntax_the_matcher_does_not_implement_is_refused_by_name() {
        let language = crate::parse::go_language();
        for (query, complaint) in [
            ("(block (identifier)* @target)", "quantifiers"),
            ("(call_expression !arguments) @target", "negated fields"),
            ("(nonexistent_kind) @target", "no visible node kind `nonexistent_kind`"),
            ("(call_expression nofield: (identifier)) @target", "no field `nofield`"),
            ("[(identifier) @x (int_literal)] @target", "alternatives may only list"),
            ("((identifier) @target (#set! x y))", "directives"),
            ("((identifier) @target (#eq? @other \"x\"))", "does not capture"),
            ("(call_expression", "unclosed"),
        ] {
            let err = CombinedQuery::build(&language, &[rule_with_query(query)]).err().expect(query);
            assert!(err.to_string().contains(complaint), "{query}: {err}");
            assert!(err.to_string().contains("query of rule `test-rule`"), "{err}");
        }
    }

    #[test]
    fn every_pattern_needs_a_target_capture() {
        let language = crate::parse::go_language();
        let untargeted = rule_with_query("(identifier) @name");
        let err = CombinedQuery::build(&language, &[untargeted]).err().expect("refused");
        assert!(err.to_string().contains("@target"), "{err}");
    }

    #[test]
    fn a_broken_query_is_named_and_checks_count_the_rules_own_patterns() {
        let language = crate::parse::go_language();
        let good = rule_with_query("(identifier) @target");
        let mut broken =
            Rule::builtin("broken-rule", "a broken rule", Severity::Warning, "## What it does\n\nTests.\n");
        broken.query = "(identifier @target";
        broken.check = Some(|_, _| {});
        let broken: &'static Rule = Box::leak(Box::new(broken));
        let err = CombinedQuery::build(&language, &[good, broken]).err().expect("refused");
        assert_eq!(err.rule, "broken-rule", "{err}");
        let second_untargeted = rule_with_query("(identifier) @target\n(int_literal) @name");
        let err = CombinedQuery::build(&language, &[good, second_untargeted]).err().expect("refused");
        assert!(err.to_string().contains("pattern 2 has no @target"), "{err}");
    }

    #[test]
    fn a_guard_follows_fields_down_to_the_first_step_with_predicates() {
        let language = crate::parse::go_language();
        let rule = rule_with_query(concat!(
            "(call_expression function: (selector_expression operand: (identifier) @p field: (field_identifier) @f ",
            "(#eq? @f \"Errorf\"))) @target\n",
            // No field on the way down: no guard.
            "(go_statement (call_expression function: (identifier) @f (#eq? @f \"x\"))) @target\n",
            // Fields but no predicate: no guard.
            "(call_expression function: (identifier)) @target",
        ));
        let combined = CombinedQuery::build(&language, &[rule]).expect("compiles");
        assert_eq!(combined.guards, vec![Some(vec![0, 1]), None, None]);
    }

    #[test]
    fn patterns_map_back_to_their_rules() {
        let language = crate::parse::go_language();
        let first = rule_with_query("(identifier) @target\n(int_literal) @target");
        let second = rule_with_query("(call_expression) @target");
        let combined = CombinedQuery::build(&language, &[first, second]).expect("compiles");
        assert_eq!(combined.pattern_rule, vec![0, 0, 1]);
    }

    #[test]
    fn a_pattern_matching_one_node_several_ways_yields_each_capture_set_once() {
        let language = crate::parse::go_language();
        let source = "package p\nfunc f() { g(a, b, a) }\n";
        let mut parser = crate::parse::new_parser();
        let tree = parser.parse(source, None).expect("parses");
        for (query, expected) in [
            // Each identifier argument: three matches.
            ("(argument_list (identifier) @arg) @target", 3),
            // No capture on the child: the one argument list, once.
            ("(argument_list (identifier)) @target", 1),
            // Anchored first and last.
            ("(argument_list . (identifier) @arg) @target", 1),
            ("(argument_list (identifier) @arg .) @target", 1),
            // Two in order: (a,b) (a,a) (b,a).
            ("(argument_list (identifier) @x (identifier) @y) @target", 3),
            // Adjacent: (a,b) (b,a).
            ("(argument_list (identifier) @x . (identifier) @y) @target", 2),
        ] {
            let native = CombinedQuery::build(&language, &[rule_with_query(Box::leak(query.into()))]).expect(query);
            let reference = Query::new(&language, query).expect(query);
            let ours = native_matches(&native, source, &tree);
            assert_eq!(ours.len(), expected, "{query}: {ours:?}");
            assert_eq!(ours, tree_sitter_matches(&reference, source, &tree), "{query}");
        }
    }
}
