//! Small tree helpers that rules share, so each rule does not walk the tree its own way.

use crate::engine::flat_tree;
use std::cell::Cell;
use tree_sitter::Node;

thread_local! {
    /// Nodes visited by this thread's tree walks ([`descendants_entering`], [`ancestors`],
    /// [`Ancestry`] and the walks that call [`step`]), and where they must stop: the engine
    /// bounds what the rule checks of one file spend. A count, not a clock, so the bound gives
    /// the same answer on every machine and at every thread count.
    static WALK_STEPS: Cell<u64> = const { Cell::new(0) };
    static WALK_LIMIT: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Counts one visited node; false once the walk budget is spent, when a walk stops early (the
/// engine then throws away what the interrupted check found).
pub fn step() -> bool {
    steps(1)
}

/// Counts `count` visited nodes at once (a walk that reads a run of the node list without making
/// a `Node` of each); false once the walk budget is spent.
pub fn steps(count: usize) -> bool {
    let steps = WALK_STEPS.with(|total| {
        let steps = total.get().wrapping_add(count as u64);
        total.set(steps);
        steps
    });
    steps <= WALK_LIMIT.with(Cell::get)
}

/// A bound on this thread's tree walks for as long as it lives.
pub struct WalkBudget {
    limit: u64,
}

impl WalkBudget {
    pub fn start(steps: u64) -> WalkBudget {
        let limit = WALK_STEPS.with(Cell::get).saturating_add(steps);
        WALK_LIMIT.with(|cell| cell.set(limit));
        WalkBudget { limit }
    }

    pub fn spent(&self) -> bool {
        WALK_STEPS.with(Cell::get) > self.limit
    }
}

impl Drop for WalkBudget {
    fn drop(&mut self) {
        WALK_LIMIT.with(|cell| cell.set(u64::MAX));
    }
}

/// `child_by_field_name` without its cost: tree-sitter finds a field's id by comparing the name
/// with every field name of the grammar in turn (2% of a check's instructions before this), so
/// the ids are looked up once in a small table here.
pub trait FieldChild<'tree> {
    /// The child under field `name`, as [`Node::child_by_field_name`] gives it.
    fn field_child(&self, name: &str) -> Option<Node<'tree>>;
}

impl<'tree> FieldChild<'tree> for Node<'tree> {
    #[inline]
    fn field_child(&self, name: &str) -> Option<Node<'tree>> {
        self.child_by_field_id(field_id(name)?)
    }
}

/// `Node::kind` without its cost: tree-sitter hands the name out as a C string that the binding
/// checks for UTF-8 on every call (3.6% of a check's instructions before this); [`kind`] reads
/// a table of the grammar's names by kind id.
pub trait KindName<'tree> {
    /// The node's kind, as [`Node::kind`] gives it.
    fn kind_name(&self) -> &'tree str;
}

impl<'tree> KindName<'tree> for Node<'tree> {
    #[inline]
    fn kind_name(&self) -> &'tree str {
        kind(*self)
    }
}

/// Open-addressed table of the grammar's field names by a hash of their bytes.
struct FieldTable {
    slots: Vec<Option<(&'static str, u16)>>,
}

const FIELD_SLOTS: usize = 256;

fn field_hash(name: &[u8]) -> usize {
    let first = name.first().copied().unwrap_or(0) as usize;
    let last = name.last().copied().unwrap_or(0) as usize;
    let second = name.get(1).copied().unwrap_or(0) as usize;
    (name.len().wrapping_mul(31) ^ first.wrapping_mul(7) ^ last.wrapping_mul(131) ^ second.wrapping_mul(17))
        % FIELD_SLOTS
}

static FIELDS: std::sync::LazyLock<FieldTable> = std::sync::LazyLock::new(|| {
    let language = crate::parse::go_language();
    let mut slots = vec![None; FIELD_SLOTS];
    for id in 1..=language.field_count() as u16 {
        let Some(name) = language.field_name_for_id(id) else { continue };
        let name: &'static str = crate::engine::query::intern(name);
        let mut slot = field_hash(name.as_bytes());
        while slots[slot].is_some() {
            slot = (slot + 1) % FIELD_SLOTS;
        }
        slots[slot] = Some((name, id));
    }
    FieldTable { slots }
});

/// The grammar's id of the field `name`, `None` for a name it does not have.
pub fn field_id(name: &str) -> Option<u16> {
    let table = &*FIELDS;
    let mut slot = field_hash(name.as_bytes());
    loop {
        match table.slots[slot] {
            None => return None,
            Some((known, id)) if known == name => return Some(id),
            Some(_) => slot = (slot + 1) % FIELD_SLOTS,
        }
    }
}

/// Node kinds that start a new function body.
pub const FUNCTION_KINDS: &[&str] = &["function_declaration", "method_declaration", "func_literal"];

/// Every node below `node` (not `node` itself), in source order.
pub fn descendants<'tree>(node: Node<'tree>) -> impl Iterator<Item = Node<'tree>> {
    descendants_entering(node, |_| true)
}

/// The nodes below `node` whose kind is in `kinds`, in source order: [`descendants`] filtered by
/// kind. While the engine checks a tree this reads only the kind ids of its node list and makes a
/// `Node` of the matches alone; the nodes read count against the walk budget as they would in
/// [`descendants`].
pub fn descendants_of_kinds<'tree>(node: Node<'tree>, kinds: &'static KindSet) -> impl Iterator<Item = Node<'tree>> {
    descendants_of_kinds_with_kinds(node, kinds).map(|(node, _)| node)
}

/// [`descendants_of_kinds`], each node with its kind id (from the list while the engine checks a
/// tree), for callers that tell the kinds apart.
pub fn descendants_of_kinds_with_kinds<'tree>(
    node: Node<'tree>,
    kinds: &'static KindSet,
) -> impl Iterator<Item = (Node<'tree>, u16)> {
    if let Some((list, index)) = flat_tree::locate(node) {
        return Either::Left(listed_descendants_where(list, index, move |listed| kinds.contains(listed.kind)));
    }
    Either::Right(
        descendants(node)
            .map(|descendant| (descendant, descendant.kind_id()))
            .filter(|&(_, kind)| kinds.contains(kind)),
    )
}

/// The listed nodes below the one at `index` that `keep` accepts, with their kind ids, in
/// order: [`descendants`] filtered, reading only the list. Each match counts as many steps as
/// `descendants` takes to reach it (the match included), and running out counts the rest.
fn listed_descendants_where<'tree>(
    list: flat_tree::FlatTree<'tree>,
    index: usize,
    keep: impl Fn(&flat_tree::FlatNode) -> bool,
) -> impl Iterator<Item = (Node<'tree>, u16)> {
    let end = list.get(index).end as usize;
    let mut next = index + 1;
    std::iter::from_fn(move || {
        let from = next;
        while next < end && !keep(list.get(next)) {
            next += 1;
        }
        if next >= end {
            steps(end - from);
            return None;
        }
        if !steps(next + 1 - from) {
            next = end;
            return None;
        }
        next += 1;
        Some((list.node(next - 1), list.get(next - 1).kind))
    })
}

/// The walk of [`descendants_entering`] over the node list, below the node at `index`: `visit`
/// gives each listed node's item and whether to enter its subtree. One step per node.
fn listed_descendants_entering<'tree, T>(
    list: flat_tree::FlatTree<'tree>,
    index: usize,
    visit: impl Fn(&flat_tree::FlatTree<'tree>, usize) -> (T, bool),
) -> impl Iterator<Item = T> {
    let end = list.get(index).end as usize;
    let mut next = index + 1;
    std::iter::from_fn(move || {
        if next >= end || !step() {
            next = end;
            return None;
        }
        let current = next;
        let (item, enter) = visit(&list, current);
        // A subtree not entered is skipped whole: its end is the next node after it.
        next = if enter { current + 1 } else { list.get(current).end as usize };
        Some(item)
    })
}

/// Every node below `node` in source order, entering the children of a node only when `enter`
/// says so (the node itself is still yielded). While the engine checks a tree this reads its
/// node list (engine/flat_tree.rs); otherwise one cursor, no allocation per node.
pub fn descendants_entering<'tree>(
    node: Node<'tree>,
    enter: impl Fn(Node<'tree>) -> bool,
) -> impl Iterator<Item = Node<'tree>> {
    if let Some((list, index)) = flat_tree::locate(node) {
        return Either::Left(listed_descendants_entering(list, index, move |list, at| {
            let current = list.node(at);
            (current, enter(current))
        }));
    }
    let mut cursor = node.walk();
    let mut done = !cursor.goto_first_child();
    Either::Right(std::iter::from_fn(move || {
        if done {
            return None;
        }
        if !step() {
            done = true;
            return None;
        }
        let current = cursor.node();
        if !(enter(current) && cursor.goto_first_child()) {
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() || cursor.node() == node {
                    done = true;
                    break;
                }
            }
        }
        Some(current)
    }))
}

/// [`descendants_entering`] deciding by kind id, each node yielded with its kind: while the
/// engine checks a tree, the kinds come from its node list, so neither the decision nor a caller
/// that filters by kind reads the nodes themselves (a cache miss each on a large tree).
pub fn descendants_entering_kinds<'tree>(
    node: Node<'tree>,
    enter: impl Fn(u16) -> bool,
) -> impl Iterator<Item = (Node<'tree>, u16)> {
    descendants_entering_spans(node, move |kind, _| enter(kind))
}

/// [`descendants_entering`] deciding by kind id and byte range, each node yielded with its kind
/// id: while the engine checks a tree, both come from its node list, so a walk that skips
/// subtrees by kind or by their text reads no node.
pub fn descendants_entering_spans<'tree>(
    node: Node<'tree>,
    enter: impl Fn(u16, std::ops::Range<usize>) -> bool,
) -> impl Iterator<Item = (Node<'tree>, u16)> {
    if let Some((list, index)) = flat_tree::locate(node) {
        return Either::Left(listed_descendants_entering(list, index, move |list, at| {
            let listed = list.get(at);
            let range = listed.start_byte as usize..listed.end_byte as usize;
            ((list.node(at), listed.kind), enter(listed.kind, range))
        }));
    }
    // Without a list each node is read anyway, for its kind and range.
    Either::Right(
        descendants_entering(node, move |current| enter(current.kind_id(), current.byte_range()))
            .map(|node| (node, node.kind_id())),
    )
}

/// The nodes below `node`, nested function literals yielded but not entered, each with its
/// kind id: [`descendants_in_function`] for callers that filter by kind.
pub fn descendants_in_function_with_kinds<'tree>(node: Node<'tree>) -> impl Iterator<Item = (Node<'tree>, u16)> {
    let literals = func_literal_kind_ids();
    descendants_entering_kinds(node, move |kind| !literals.contains(kind))
}

/// The kind ids of `func_literal`.
pub fn func_literal_kind_ids() -> &'static KindSet {
    static LITERALS: std::sync::OnceLock<KindSet> = std::sync::OnceLock::new();
    kind_ids(&LITERALS, &["func_literal"])
}

/// The innermost function declaration, method declaration or function literal around `node`.
pub fn enclosing_function(node: Node<'_>) -> Option<Node<'_>> {
    ancestors(node).find(|ancestor| FUNCTION_KINDS.contains(&ancestor.kind_name()))
}

/// Ancestor lookups for one tree that cost one descent from the top-level declaration, where
/// [`ancestors`] costs depth² child scans: tree-sitter's `parent()` descends from the root on
/// every call. Answers exactly as the walking-up helpers do.
pub struct Ancestry<'tree> {
    root: Node<'tree>,
    /// The root's children with their byte ranges, in source order.
    top_level: Vec<(usize, usize, Node<'tree>)>,
    /// Every function declaration, method declaration and function literal, in source order.
    functions: Vec<FunctionSpan<'tree>>,
}

/// A function in [`Ancestry::functions`], with the index of the innermost one around it.
struct FunctionSpan<'tree> {
    start: usize,
    end: usize,
    node: Node<'tree>,
    parent: Option<usize>,
}

impl<'tree> Ancestry<'tree> {
    /// `source` is the text `root` was parsed from.
    pub fn new(root: Node<'tree>, source: &str) -> Ancestry<'tree> {
        if let Some((list, index)) = flat_tree::locate(root) {
            return Ancestry::from_list(root, &list, index);
        }
        let mut cursor = root.walk();
        let top_level = root.children(&mut cursor).map(|node| (node.start_byte(), node.end_byte(), node)).collect();
        Ancestry { root, top_level, functions: functions_in(root, source) }
    }

    /// The same, read from the node list of the tree being checked: one pass over its kinds.
    fn from_list(root: Node<'tree>, list: &flat_tree::FlatTree<'tree>, root_index: usize) -> Ancestry<'tree> {
        // The range from the list: reading it from the node would read the node's subtree.
        let node_with_range = |index: usize| {
            let listed = list.get(index);
            (listed.start_byte as usize, listed.end_byte as usize, list.node(index))
        };
        let top_level = list.children(root_index).map(node_with_range).collect();
        let function_kinds = function_kind_ids();
        let mut functions: Vec<FunctionSpan<'tree>> = Vec::new();
        // The functions around the node visited, as (index into `functions`, end of its subtree).
        let mut open: Vec<(usize, usize)> = Vec::new();
        for index in root_index..list.get(root_index).end as usize {
            let listed = list.get(index);
            if !function_kinds.contains(listed.kind) {
                continue;
            }
            while open.last().is_some_and(|&(_, end)| end <= index) {
                open.pop();
            }
            let (start, end, node) = node_with_range(index);
            functions.push(FunctionSpan { start, end, node, parent: open.last().map(|&(function, _)| function) });
            open.push((functions.len() - 1, listed.end as usize));
        }
        Ancestry { root, top_level, functions }
    }

    pub fn root(&self) -> Node<'tree> {
        self.root
    }

    /// The root's children (named or not), in source order.
    pub fn top_level_children(&self) -> impl Iterator<Item = Node<'tree>> + '_ {
        self.top_level.iter().map(|&(_, _, node)| node)
    }

    /// The root's child at `index` among [`Self::top_level_children`].
    pub fn top_level_child(&self, index: usize) -> Option<Node<'tree>> {
        self.top_level.get(index).map(|&(_, _, node)| node)
    }

    /// Strict ancestors of `node`, innermost first, exactly as [`ancestors`] gives them.
    pub fn ancestors(&self, node: Node<'tree>) -> Vec<Node<'tree>> {
        if flat_tree::locate(node).is_some() {
            return ancestors(node).collect();
        }
        let (start, end) = (node.start_byte(), node.end_byte());
        // An empty (MISSING) node cannot be placed by its offsets: walk up the slow, certain way.
        if start == end {
            return ancestors(node).collect();
        }
        if node == self.root {
            return Vec::new();
        }
        let containing = self.top_level.partition_point(|&(child_start, _, _)| child_start <= start).checked_sub(1);
        let Some((_, child_end, child)) = containing.map(|position| self.top_level[position]) else {
            return ancestors(node).collect();
        };
        if child == node {
            return vec![self.root];
        }
        if end > child_end {
            return ancestors(node).collect();
        }
        let mut path = vec![self.root];
        let mut cursor = child.walk();
        loop {
            let current = cursor.node();
            if current == node {
                path.reverse();
                return path;
            }
            if !step() {
                path.reverse();
                return path;
            }
            path.push(current);
            // The first child ending after `start` is the one containing `node`: earlier siblings
            // end at or before its start.
            if cursor.goto_first_child_for_byte(start).is_none() {
                return ancestors(node).collect();
            }
        }
    }

    /// The functions around `node`, innermost first: [`enclosing_function`] applied again and again.
    /// Found in the function index by offsets (functions nest, so the ones around `node` are a
    /// chain of parents), not by a descent.
    pub fn enclosing_functions(&self, node: Node<'tree>) -> impl Iterator<Item = Node<'tree>> + use<'tree> {
        let (start, end) = (node.start_byte(), node.end_byte());
        let mut found = Vec::new();
        if start == end {
            // An empty (MISSING) node cannot be placed by its offsets.
            let function_kinds = function_kind_ids();
            found.extend(
                self.ancestors(node).into_iter().filter(|ancestor| function_kinds.contains(ancestor.kind_id())),
            );
            return found.into_iter();
        }
        // The last function starting at or before `node`, then up its parents to the first that
        // holds `node` strictly (one with `node`'s exact range is `node` or lies inside it).
        let mut at = self.functions.partition_point(|function| function.start <= start).checked_sub(1);
        while let Some(index) = at {
            let function = &self.functions[index];
            let holds =
                function.start <= start && end <= function.end && (function.start, function.end) != (start, end);
            if holds {
                found.push(function.node);
            }
            at = function.parent;
        }
        found.into_iter()
    }

    /// What [`deferring_statement`] finds.
    pub fn deferring_statement(&self, node: Node<'tree>) -> Option<Node<'tree>> {
        let function_kinds = function_kind_ids();
        let mut ancestors = self.ancestors(node).into_iter();
        let literal = ancestors.find(|ancestor| function_kinds.contains(ancestor.kind_id()))?;
        if literal.kind_name() != "func_literal" {
            return None;
        }
        let call = ancestors.next().filter(|parent| parent.kind_name() == "call_expression")?;
        if call.field_child("function") != Some(literal) {
            return None;
        }
        ancestors.next().filter(|parent| parent.kind_name() == "defer_statement")
    }

    /// What [`top_level_declaration`] finds.
    pub fn top_level_declaration(&self, node: Node<'tree>) -> Option<Node<'tree>> {
        if self.root.kind_name() != "source_file" {
            return top_level_declaration(node);
        }
        let ancestors = self.ancestors(node);
        match ancestors.len() {
            0 => None,
            1 => Some(node),
            depth => Some(ancestors[depth - 2]),
        }
    }
}

/// The functions of the tree in source order, each with its innermost enclosing function. Every
/// function starts with the keyword `func`, so the walk enters only the subtrees whose text holds
/// a `func`: a small part of the tree.
fn functions_in<'tree>(root: Node<'tree>, source: &str) -> Vec<FunctionSpan<'tree>> {
    let keywords: Vec<usize> = source.match_indices("func").map(|(at, _)| at).collect();
    let holds_keyword = |node: Node<'_>, _depth: usize| {
        let first = keywords.partition_point(|&at| at < node.start_byte());
        keywords.get(first).is_some_and(|&at| at + 4 <= node.end_byte())
    };
    let function_kinds = function_kind_ids();
    let mut functions: Vec<FunctionSpan<'tree>> = Vec::new();
    // The functions around the node visited, as (index into `functions`, depth).
    let mut open: Vec<(usize, usize)> = Vec::new();
    walk_pruned(root, holds_keyword, |node, depth| {
        while open.last().is_some_and(|&(_, open_depth)| open_depth >= depth) {
            open.pop();
        }
        if function_kinds.contains(node.kind_id()) {
            let parent = open.last().map(|&(index, _)| index);
            functions.push(FunctionSpan { start: node.start_byte(), end: node.end_byte(), node, parent });
            open.push((functions.len() - 1, depth));
        }
        std::ops::ControlFlow::Continue(())
    });
    functions
}

/// Visits, in source order, each node under `root` (root included, at depth 0) for which
/// `wanted(node, depth)` holds and whose ancestors below `root` were all wanted: the subtrees of
/// unwanted nodes are skipped whole. Stops when `visit` breaks.
fn walk_pruned<'tree>(
    root: Node<'tree>,
    mut wanted: impl FnMut(Node<'tree>, usize) -> bool,
    mut visit: impl FnMut(Node<'tree>, usize) -> std::ops::ControlFlow<()>,
) {
    if !wanted(root, 0) {
        return;
    }
    let mut cursor = root.walk();
    let mut depth = 0usize;
    'visit: loop {
        if visit(cursor.node(), depth).is_break() {
            return;
        }
        // The first wanted child, else the next wanted sibling here or further up.
        if cursor.goto_first_child() {
            depth += 1;
            loop {
                if wanted(cursor.node(), depth) {
                    continue 'visit;
                }
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
            cursor.goto_parent();
            depth -= 1;
        }
        while depth > 0 {
            while cursor.goto_next_sibling() {
                if wanted(cursor.node(), depth) {
                    continue 'visit;
                }
            }
            cursor.goto_parent();
            depth -= 1;
        }
        return;
    }
}

static FUNCTION_KIND_IDS: std::sync::OnceLock<KindSet> = std::sync::OnceLock::new();
static COMMENT_KIND_IDS: std::sync::OnceLock<KindSet> = std::sync::OnceLock::new();

/// The grammar ids for [`FUNCTION_KINDS`].
fn function_kind_ids() -> &'static KindSet {
    kind_ids(&FUNCTION_KIND_IDS, FUNCTION_KINDS)
}

static STATEMENT_CONTAINER_KIND_IDS: std::sync::OnceLock<KindSet> = std::sync::OnceLock::new();

/// The kinds a statement, a `var` spec or a range clause can sit in, other than through a
/// function literal (from the grammar's node-types.json), and ERROR, where broken code can put
/// anything.
const STATEMENT_CONTAINERS: &[&str] = &[
    "block",
    "statement_list",
    "if_statement",
    "for_statement",
    "for_clause",
    "expression_switch_statement",
    "type_switch_statement",
    "select_statement",
    "expression_case",
    "default_case",
    "type_case",
    "communication_case",
    "labeled_statement",
    "var_declaration",
    "var_spec_list",
    "ERROR",
];

/// The statements of a function body and what statements hold directly (clauses, `var` specs,
/// cases), in source order, without entering expressions: only function literals put
/// statements inside an expression, and they have statements of their own. Most of a body's
/// nodes are expressions, so this visits a small part of what [`descendants`] visits.
pub fn statements_and_clauses<'tree>(body: Node<'tree>) -> impl Iterator<Item = Node<'tree>> {
    statements_and_clauses_with_kinds(body).map(|(node, _)| node)
}

/// [`statements_and_clauses`], each with its kind id, read from the node list while the engine
/// checks a tree: a caller that wants a few kinds skips the rest without reading their nodes.
pub fn statements_and_clauses_with_kinds<'tree>(body: Node<'tree>) -> impl Iterator<Item = (Node<'tree>, u16)> {
    let containers = kind_ids(&STATEMENT_CONTAINER_KIND_IDS, STATEMENT_CONTAINERS);
    if let Some((list, body_index)) = flat_tree::locate(body) {
        // The same order over the node list: enter containers only, yield named nodes.
        let end = list.get(body_index).end as usize;
        let mut next = if containers.contains(list.get(body_index).kind) { body_index + 1 } else { end };
        let mut done = false;
        return Either::Left(std::iter::from_fn(move || {
            if done || !step() {
                return None;
            }
            while next < end && list.get(next).named == 0 {
                next = list.get(next).end as usize;
            }
            if next >= end {
                done = true;
                return None;
            }
            let current = next;
            let listed = list.get(current);
            next = if containers.contains(listed.kind) { current + 1 } else { listed.end as usize };
            Some((list.node(current), listed.kind))
        }));
    }
    let mut cursor = body.walk();
    let mut done = false;
    Either::Right(std::iter::from_fn(move || {
        if done || !step() {
            return None;
        }
        let entered = containers.contains(cursor.node().kind_id()) && cursor.goto_first_child();
        if !(entered && cursor.node().is_named()) {
            next_named_after(&mut cursor, body, &mut done)?;
        }
        let node = cursor.node();
        Some((node, node.kind_id()))
    }))
}

/// One of two iterators of the same items.
enum Either<L, R> {
    Left(L),
    Right(R),
}

impl<T, L: Iterator<Item = T>, R: Iterator<Item = T>> Iterator for Either<L, R> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            Either::Left(left) => left.next(),
            Either::Right(right) => right.next(),
        }
    }
}

/// Moves `cursor` to the next named node after the current one's subtree, within `within`;
/// None (and `done`) when there is none.
fn next_named_after(cursor: &mut tree_sitter::TreeCursor<'_>, within: Node<'_>, done: &mut bool) -> Option<()> {
    loop {
        if cursor.node() == within {
            *done = true;
            return None;
        }
        if cursor.goto_next_sibling() {
            if cursor.node().is_named() {
                return Some(());
            }
            continue;
        }
        if !cursor.goto_parent() {
            *done = true;
            return None;
        }
    }
}

/// Grammar kind ids, tested with one bit lookup: walks over a whole node list ask of every node.
pub struct KindSet {
    bits: Vec<u64>,
}

impl KindSet {
    pub fn contains(&self, kind: u16) -> bool {
        let kind = usize::from(kind);
        self.bits.get(kind / 64).is_some_and(|word| word >> (kind % 64) & 1 != 0)
    }
}

/// Every grammar id whose kind is one of `kinds` (aliases included), computed once into `cache`:
/// comparing ids skips the string conversion `Node::kind` does on every call.
pub fn kind_ids(cache: &'static std::sync::OnceLock<KindSet>, kinds: &[&str]) -> &'static KindSet {
    cache.get_or_init(|| {
        let language = crate::parse::go_language();
        let count = language.node_kind_count();
        let mut bits = vec![0u64; count.div_ceil(64)];
        for id in 0..count {
            if language.node_kind_for_id(id as u16).is_some_and(|kind| kinds.contains(&kind)) {
                bits[id / 64] |= 1 << (id % 64);
            }
        }
        KindSet { bits }
    })
}

/// Strict ancestors of `node`, innermost first. While the engine checks a tree they come from its
/// node list; otherwise each step is a `parent()` call, which descends from the root, so a whole
/// walk costs depth²: the engine refuses files deeper than [`crate::engine::MAX_TREE_DEPTH`], and
/// [`Ancestry`] does it in one descent where the root is at hand.
pub fn ancestors<'tree>(node: Node<'tree>) -> impl Iterator<Item = Node<'tree>> {
    let walk = match flat_tree::locate(node) {
        Some((list, index)) => {
            let mut at = Some(index);
            Either::Left(std::iter::from_fn(move || {
                at = list.parent(at?);
                at.map(|parent| list.node(parent))
            }))
        }
        None => Either::Right(std::iter::successors(node.parent(), |current| current.parent())),
    };
    walk.take_while(|_| step())
}

/// `Node::parent` without its cost: tree-sitter finds a parent by descending from the root
/// (thousands of instructions a call); while the engine checks a tree, its node list knows.
pub trait ParentNode<'tree> {
    /// The node's parent, as [`Node::parent`] gives it.
    fn parent_node(&self) -> Option<Node<'tree>>;
}

impl<'tree> ParentNode<'tree> for Node<'tree> {
    fn parent_node(&self) -> Option<Node<'tree>> {
        match flat_tree::locate(*self) {
            Some((list, index)) => list.parent(index).map(|parent| list.node(parent)),
            None => self.parent(),
        }
    }
}

/// `Node::next_named_sibling` and `Node::prev_named_sibling` without their cost: tree-sitter
/// finds a sibling by walking down from the parent (9,000 instructions a call on long statement
/// lists); while the engine checks a tree, its node list steps from sibling to sibling.
pub trait SiblingNode<'tree> {
    /// The next named sibling, as [`Node::next_named_sibling`] gives it.
    fn next_named_sibling_node(&self) -> Option<Node<'tree>>;
    /// The previous named sibling, as [`Node::prev_named_sibling`] gives it.
    fn prev_named_sibling_node(&self) -> Option<Node<'tree>>;
}

impl<'tree> SiblingNode<'tree> for Node<'tree> {
    fn next_named_sibling_node(&self) -> Option<Node<'tree>> {
        let Some((list, index)) = flat_tree::locate(*self) else { return self.next_named_sibling() };
        let parent_end = list.get(list.parent(index)?).end as usize;
        let mut next = list.get(index).end as usize;
        while next < parent_end {
            if list.get(next).named != 0 {
                return Some(list.node(next));
            }
            next = list.get(next).end as usize;
        }
        None
    }

    fn prev_named_sibling_node(&self) -> Option<Node<'tree>> {
        let Some((list, index)) = flat_tree::locate(*self) else { return self.prev_named_sibling() };
        // Children are linked forwards only: the last named one before `index`.
        list.children(list.parent(index)?)
            .take_while(|&child| child < index)
            .filter(|&child| list.get(child).named != 0)
            .last()
            .map(|child| list.node(child))
    }
}

/// How deep brackets (`(`, `[`, `{`) nest in Go source, outside comments, strings and runes:
/// a lower bound on the syntax tree's depth (each bracket pair is a node around what it holds),
/// found in one pass over the bytes. tree-sitter takes seconds to parse a file nested tens of
/// thousands deep, so the engine refuses such a file before parsing it. Unclosed brackets count
/// as open to the end.
pub fn bracket_depth(text: &str) -> usize {
    bracket_depth_scan::<true>(text)
}

/// [`bracket_depth`], skipping runs of bytes that open, close and quote nothing with one table
/// look-up each when `SKIP_PLAIN_RUNS` (the byte-at-a-time loop cost ten instructions a byte of
/// every file); the tests compare the two.
fn bracket_depth_scan<const SKIP_PLAIN_RUNS: bool>(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut index) = (0usize, 0usize, 0usize);
    // Skips to just past the first `close` at or after `from` that no backslash escapes (with
    // `escapes`), or that ends the line (for interpreted strings and runes).
    let skip_quoted = |from: usize, close: u8, escapes: bool| -> usize {
        let mut at = from;
        while at < bytes.len() {
            match bytes[at] {
                b'\\' if escapes => at += 2,
                b'\n' if escapes => return at,
                byte if byte == close => return at + 1,
                _ => at += 1,
            }
        }
        bytes.len()
    };
    while index < bytes.len() {
        match bytes[index] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                index += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                index += 1;
            }
            b'/' if bytes.get(index + 1) == Some(&b'/') => {
                index = bytes[index..].iter().position(|&byte| byte == b'\n').map_or(bytes.len(), |at| index + at);
            }
            b'/' if bytes.get(index + 1) == Some(&b'*') => {
                index = text[index + 2..].find("*/").map_or(bytes.len(), |at| index + 2 + at + 2);
            }
            b'"' => index = skip_quoted(index + 1, b'"', true),
            b'\'' => index = skip_quoted(index + 1, b'\'', true),
            b'`' => index = skip_quoted(index + 1, b'`', false),
            _ if SKIP_PLAIN_RUNS => {
                index += 1 + bytes[index + 1..]
                    .iter()
                    .position(|&byte| BRACKET_SCAN_STOPS[usize::from(byte)])
                    .unwrap_or(bytes.len() - index - 1);
            }
            _ => index += 1,
        }
    }
    deepest
}

/// The bytes [`bracket_depth`] must look at: brackets, and what may start a comment, string or rune.
static BRACKET_SCAN_STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let special = b"([{)]}/\"'`";
    let mut at = 0;
    while at < special.len() {
        stops[special[at] as usize] = true;
        at += 1;
    }
    stops
};

/// True when the tree under `root` nests deeper than `limit`: `max_depth(root) > limit`, without
/// walking the whole tree. A subtree of `n` nodes is at most `n` deep, and tree-sitter keeps each
/// node's descendant count, so only subtrees large enough to go past the limit are entered: a
/// tiny part of a real file's tree, where a full walk costs a sixth of the parse.
pub fn nests_deeper_than(root: Node<'_>, limit: usize) -> bool {
    let mut deeper = false;
    // A node `depth` deep heading `n` nodes reaches at most `depth + n - 1`.
    let could_reach = |node: Node<'_>, depth: usize| depth + node.descendant_count() - 1 > limit;
    walk_pruned(root, could_reach, |_, depth| {
        deeper = depth > limit;
        if deeper { std::ops::ControlFlow::Break(()) } else { std::ops::ControlFlow::Continue(()) }
    });
    deeper
}

/// How deep the tree under `root` goes (the root is depth 0). One cursor walk, no recursion.
pub fn max_depth(root: Node<'_>) -> usize {
    let mut cursor = root.walk();
    let (mut depth, mut deepest) = (0usize, 0usize);
    loop {
        if cursor.goto_first_child() {
            depth += 1;
            deepest = deepest.max(depth);
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return deepest;
            }
            depth -= 1;
        }
    }
}

/// True when `inner` lies inside `outer` (or is it).
pub fn contains(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

pub fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// For a `call_expression`, the callee split as `(qualifier, name)`: `signal.Notify(...)` gives
/// `(Some("signal"), "Notify")`, `close(ch)` gives `(None, "close")`, `a.b.C()` gives
/// `(Some("a.b"), "C")`. `None` for calls through other expressions.
pub fn call_name<'s>(call: Node<'_>, source: &'s str) -> Option<(Option<&'s str>, &'s str)> {
    let function = call.field_child("function")?;
    match function.kind_name() {
        "identifier" => Some((None, text(function, source))),
        "selector_expression" => {
            let operand = function.field_child("operand")?;
            let field = function.field_child("field")?;
            Some((Some(text(operand, source)), text(field, source)))
        }
        _ => None,
    }
}

/// The argument nodes of a `call_expression`.
pub fn call_arguments(call: Node<'_>) -> Vec<Node<'_>> {
    let Some(arguments) = call.field_child("arguments") else { return Vec::new() };
    let mut cursor = arguments.walk();
    arguments.named_children(&mut cursor).filter(|node| node.kind_name() != "comment").collect()
}

/// Strip any number of enclosing parentheses.
pub fn unparen(mut node: Node<'_>) -> Node<'_> {
    while node.kind_name() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// The statement that contains `node` directly inside a block (walks up to the nearest ancestor
/// whose parent is a `block` or `statement_list`).
pub fn enclosing_statement(node: Node<'_>) -> Option<Node<'_>> {
    let mut below = node;
    for ancestor in ancestors(node) {
        if matches!(ancestor.kind_name(), "block" | "statement_list") {
            return Some(below);
        }
        below = ancestor;
    }
    None
}

/// The leading whitespace of the line that `offset` is on.
pub fn line_indent(source: &str, offset: usize) -> &str {
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let rest = &source[line_start..];
    let width = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..width]
}

/// How a name got its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingKind {
    /// `x := v`
    Define,
    /// `var x = v` / `var x T`
    Var,
    /// `x = v`
    Assign,
}

/// One place where a name is bound or assigned.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'tree> {
    pub kind: BindingKind,
    /// The identifier on the left.
    pub name: Node<'tree>,
    /// The value assigned to this name, when it can be paired one-to-one (`a, b := f()` has none).
    pub value: Option<Node<'tree>>,
    /// The declaring or assigning statement.
    pub statement: Node<'tree>,
}

/// `node.kind_name()`, from a table by kind id: tree-sitter's `kind()` measures and checks the
/// grammar's C string on every call, which costs more than a step of a tree walk. For the
/// loops that look at every node of a walk.
pub fn kind<'tree>(node: Node<'tree>) -> &'tree str {
    kind_with_id(node, node.kind_id())
}

/// [`kind`] of `node`, whose kind id (`Node::kind_id`) is `id`: a walk that read the id from
/// the node list names the kind without reading the node.
pub fn kind_with_id<'tree>(node: Node<'tree>, id: u16) -> &'tree str {
    static NAMES: std::sync::OnceLock<Vec<Box<str>>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let language = crate::parse::go_language();
        (0..language.node_kind_count() as u16).map(|id| language.node_kind_for_id(id).unwrap_or("").into()).collect()
    });
    match names.get(usize::from(id)) {
        Some(name) if !name.is_empty() => name,
        // ERROR's id lies outside the table.
        _ => node.kind(),
    }
}

/// Every `:=`, `var` and `=` binding of the plain identifier `name` inside `scope` (nested
/// function literals included). Shadowing is not resolved: callers that need one binding should
/// bail out when they find several.
pub fn bindings_of<'tree>(scope: Node<'tree>, name: &str, source: &str) -> Vec<Binding<'tree>> {
    // A binding of `name` spells it: a subtree whose text does not is not entered (rules ask
    // this of whole functions, once per match).
    let may_bind = |_: u16, range: std::ops::Range<usize>| {
        range.len() < 256 || source.get(range).is_none_or(|text| text.contains(name))
    };
    bindings_among(descendants_entering_spans(scope, may_bind), name, source)
}

/// The bindings of `name` made by the statements among `nodes` (each with its kind id).
fn bindings_among<'tree>(
    nodes: impl Iterator<Item = (Node<'tree>, u16)>,
    name: &str,
    source: &str,
) -> Vec<Binding<'tree>> {
    static BINDING_KINDS: std::sync::OnceLock<KindSet> = std::sync::OnceLock::new();
    let binding_kinds = kind_ids(&BINDING_KINDS, &["short_var_declaration", "assignment_statement", "var_spec"]);
    let mut bindings = Vec::new();
    for (node, kind) in nodes {
        // Most nodes bind nothing: skipped by id, without reading them.
        if !binding_kinds.contains(kind) {
            continue;
        }
        let (kind, left, right) = match self::kind_with_id(node, kind) {
            "short_var_declaration" => (BindingKind::Define, node.field_child("left"), node.field_child("right")),
            "assignment_statement" => {
                let is_plain = node.field_child("operator").is_none_or(|op| text(op, source) == "=");
                if !is_plain {
                    continue;
                }
                (BindingKind::Assign, node.field_child("left"), node.field_child("right"))
            }
            "var_spec" => {
                let value = node.field_child("value");
                let mut cursor = node.walk();
                let names: Vec<Node<'tree>> = node.children_by_field_name("name", &mut cursor).collect();
                let values: Vec<Node<'tree>> = value.map(named_children).unwrap_or_default();
                for (index, ident) in names.iter().enumerate() {
                    if text(*ident, source) == name {
                        let paired = (values.len() == names.len()).then(|| values[index]);
                        bindings.push(Binding { kind: BindingKind::Var, name: *ident, value: paired, statement: node });
                    }
                }
                continue;
            }
            _ => continue,
        };
        let (Some(left), Some(right)) = (left, right) else { continue };
        let lefts = named_children(left);
        let rights = named_children(right);
        for (index, ident) in lefts.iter().enumerate() {
            if self::kind(*ident) == "identifier" && text(*ident, source) == name {
                let paired = (rights.len() == lefts.len()).then(|| rights[index]);
                bindings.push(Binding { kind, name: *ident, value: paired, statement: node });
            }
        }
    }
    bindings
}

/// Named children, comments left out.
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let comment_kinds = kind_ids(&COMMENT_KIND_IDS, &["comment"]);
    if let Some((list, index)) = flat_tree::locate(node) {
        return list
            .children(index)
            .filter(|&child| list.get(child).named != 0 && !comment_kinds.contains(list.get(child).kind))
            .map(|child| list.node(child))
            .collect();
    }
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|child| !comment_kinds.contains(child.kind_id())).collect()
}

/// For `make(chan T[, n])`, the `channel_type` node and the capacity argument if any.
pub fn make_chan<'tree>(call: Node<'tree>, source: &str) -> Option<(Node<'tree>, Option<Node<'tree>>)> {
    let call = unparen(call);
    if call.kind_name() != "call_expression" || call_name(call, source) != Some((None, "make")) {
        return None;
    }
    let arguments = call_arguments(call);
    let channel_type = *arguments.first()?;
    if channel_type.kind_name() != "channel_type" {
        return None;
    }
    Some((channel_type, arguments.get(1).copied()))
}

/// The top-level declaration (function, method, or other) containing `node`.
pub fn top_level_declaration(node: Node<'_>) -> Option<Node<'_>> {
    let mut below = node;
    for ancestor in ancestors(node) {
        if ancestor.kind_name() == "source_file" {
            return Some(below);
        }
        below = ancestor;
    }
    None
}

/// Every `identifier` node below `scope` spelled `name`. Field names (`x.name`) and labels are
/// other node kinds, so they are not included; shadowing is not resolved.
pub fn identifiers_named<'tree, 'a>(
    scope: Node<'tree>,
    name: &'a str,
    source: &'a str,
) -> impl Iterator<Item = Node<'tree>> + 'a
where
    'tree: 'a,
{
    static IDENTIFIERS: std::sync::OnceLock<KindSet> = std::sync::OnceLock::new();
    let identifiers = kind_ids(&IDENTIFIERS, &["identifier"]);
    if let Some((list, index)) = flat_tree::locate(scope) {
        // Kind and text from the list: only the matches are made nodes.
        let named = move |listed: &flat_tree::FlatNode| listed_identifier_named(listed, identifiers, name, source);
        return Either::Left(listed_descendants_where(list, index, named).map(|(node, _)| node));
    }
    Either::Right(
        descendants(scope).filter(move |node| node.kind_name() == "identifier" && text(*node, source) == name),
    )
}

/// Whether a listed node is an `identifier` spelled `name`.
fn listed_identifier_named(listed: &flat_tree::FlatNode, identifiers: &KindSet, name: &str, source: &str) -> bool {
    // The length first: most identifiers are not `name`. A range that is not text reads as ""
    // (as `text` gives it), which only an empty name equals.
    identifiers.contains(listed.kind)
        && (listed.end_byte.wrapping_sub(listed.start_byte) as usize == name.len() || name.is_empty())
        && source.get(listed.start_byte as usize..listed.end_byte as usize).unwrap_or("") == name
}

/// The offset of the end of the line `offset` is on (the `\n`, or the end of the text).
pub fn line_end(source: &str, offset: usize) -> usize {
    source[offset..].find('\n').map_or(source.len(), |i| offset + i)
}

/// The names a function's signature declares: receiver, parameters and named results.
pub fn signature_names<'s>(function: Node<'_>, source: &'s str) -> Vec<&'s str> {
    let mut names = Vec::new();
    for field in ["receiver", "parameters", "result"] {
        let Some(list) = function.field_child(field) else { continue };
        if list.kind_name() != "parameter_list" {
            continue;
        }
        for declaration in named_children(list) {
            let mut cursor = declaration.walk();
            names.extend(declaration.children_by_field_name("name", &mut cursor).map(|name| text(name, source)));
        }
    }
    names
}

/// The `{ ... }` body of a function declaration, method declaration or function literal.
pub fn function_body(function: Node<'_>) -> Option<Node<'_>> {
    function.field_child("body")
}

/// The statements directly inside a `block` (or a case clause's `statement_list`), comments left out.
pub fn block_statements(block: Node<'_>) -> Vec<Node<'_>> {
    named_children(block)
        .into_iter()
        .flat_map(|child| if child.kind_name() == "statement_list" { named_children(child) } else { vec![child] })
        .collect()
}

/// The name of a function or method declaration (`None` for function literals and other nodes).
pub fn function_name<'s>(declaration: Node<'_>, source: &'s str) -> Option<&'s str> {
    if !matches!(declaration.kind_name(), "function_declaration" | "method_declaration") {
        return None;
    }
    declaration.field_child("name").map(|name| text(name, source))
}

// Signatures and same-function walks, shared by the goroutine and panic rules.

/// One parameter of a function signature: its name (none in `func(int)`) and its type.
/// `a, b int` gives one entry per name, both with the `int` type node.
#[derive(Debug, Clone, Copy)]
pub struct Parameter<'tree> {
    pub name: Option<Node<'tree>>,
    pub type_node: Node<'tree>,
}

/// The parameters (not the receiver) of a function declaration, method or literal, in order.
pub fn parameters_of(function: Node<'_>) -> Vec<Parameter<'_>> {
    let Some(list) = function.field_child("parameters") else { return Vec::new() };
    parameter_list_entries(list)
}

/// The result types of a function declaration, method or literal, one per result:
/// `(int, error)` and `(n, m int)` give two, a bare `error` gives one.
pub fn result_types(function: Node<'_>) -> Vec<Node<'_>> {
    match function.field_child("result") {
        Some(list) if list.kind_name() == "parameter_list" => {
            parameter_list_entries(list).into_iter().map(|parameter| parameter.type_node).collect()
        }
        Some(single) => vec![single],
        None => Vec::new(),
    }
}

fn parameter_list_entries(list: Node<'_>) -> Vec<Parameter<'_>> {
    let mut parameters = Vec::new();
    for declaration in named_children(list) {
        let Some(type_node) = declaration.field_child("type") else { continue };
        let mut cursor = declaration.walk();
        let names: Vec<Node<'_>> = declaration.children_by_field_name("name", &mut cursor).collect();
        if names.is_empty() {
            parameters.push(Parameter { name: None, type_node });
        }
        parameters.extend(names.into_iter().map(|name| Parameter { name: Some(name), type_node }));
    }
    parameters
}

/// For a type written `pkg.Name` or `*pkg.Name`: `(pkg, Name, is_pointer)`.
pub fn qualified_type_parts<'s>(type_node: Node<'_>, source: &'s str) -> Option<(&'s str, &'s str, bool)> {
    let (named, is_pointer) = match type_node.kind_name() {
        "pointer_type" => (type_node.named_child(0)?, true),
        _ => (type_node, false),
    };
    if named.kind_name() != "qualified_type" {
        return None;
    }
    let package = named.field_child("package")?;
    let name = named.field_child("name")?;
    Some((text(package, source), text(name, source), is_pointer))
}

/// Strict ancestors of `node` that belong to the same function body, innermost first; stops
/// before the enclosing function declaration or literal.
pub fn ancestors_in_function<'tree>(node: Node<'tree>) -> impl Iterator<Item = Node<'tree>> {
    ancestors(node).take_while(|ancestor| !FUNCTION_KINDS.contains(&ancestor.kind_name()))
}

/// Every node below `node` in source order, without the insides of nested function literals
/// (the literal nodes themselves are included): what runs as part of `node` itself.
pub fn descendants_in_function<'tree>(node: Node<'tree>) -> Vec<Node<'tree>> {
    descendants_in_function_with_kinds(node).map(|(node, _)| node).collect()
}

/// For a `<-x` receive expression, the channel operand `x`.
pub fn received_channel(node: Node<'_>) -> Option<Node<'_>> {
    if node.kind_name() != "unary_expression" {
        return None;
    }
    let operator = node.field_child("operator")?;
    (operator.kind_name() == "<-").then(|| node.field_child("operand")).flatten()
}

// Error results: facts shared by unchecked-error, unchecked-error-defer and discarded-error.

/// For a node inside `defer func() { ... }()`, that `defer` statement: the literal's body runs
/// when the surrounding function returns, so its calls are deferred calls. Only the innermost
/// function literal counts; one nested inside it runs whenever it is called.
pub fn deferring_statement(node: Node<'_>) -> Option<Node<'_>> {
    let literal = enclosing_function(node).filter(|function| function.kind_name() == "func_literal")?;
    let call = literal.parent_node().filter(|parent| parent.kind_name() == "call_expression")?;
    if call.field_child("function") != Some(literal) {
        return None;
    }
    call.parent_node().filter(|parent| parent.kind_name() == "defer_statement")
}

/// True when the value of `call` is used: the call is not a statement of its own, not run by
/// `go` or `defer`, and not assigned only to `_`.
pub fn call_result_used(call: Node<'_>, source: &str) -> bool {
    let mut node = call;
    while let Some(parent) = node.parent_node().filter(|parent| parent.kind_name() == "parenthesized_expression") {
        node = parent;
    }
    let Some(parent) = node.parent_node() else { return true };
    match parent.kind_name() {
        "expression_statement" | "go_statement" | "defer_statement" => false,
        "expression_list" => {
            let Some(statement) = parent.parent_node() else { return true };
            let left = match statement.kind_name() {
                "assignment_statement" | "short_var_declaration" if statement.field_child("right") == Some(parent) => {
                    statement.field_child("left").map(named_children).unwrap_or_default()
                }
                "var_spec" => {
                    let mut cursor = statement.walk();
                    statement.children_by_field_name("name", &mut cursor).collect()
                }
                _ => return true,
            };
            !left.iter().all(|name| text(*name, source) == "_")
        }
        _ => true,
    }
}

/// How to name the callee of `call` in a message: its source text (`f.Close`, `strconv.Atoi`)
/// when it is short and on one line, else `fallback` (the resolved name).
pub fn callee_display(call: Node<'_>, source: &str, fallback: &str) -> String {
    let written = call.field_child("function").map_or("", |function| text(function, source));
    if written.is_empty() || written.len() > 40 || written.contains('\n') {
        fallback.to_string()
    } else {
        written.to_string()
    }
}

/// The errcheck default exclusions (ANCHORS.md §3), plus the same reasoning applied to
/// `io.WriteString`, direct writes to `os.Stdout`/`os.Stderr` and `*bufio.Writer` writes whose
/// `Flush` is checked: calls whose error is documented never to happen, or that nobody checks
/// by convention. `info` is what `TypeEnv::call` knows about `call`.
pub fn error_conventionally_ignored(
    types: &crate::engine::facts::types::TypeEnv<'_>,
    imports: &crate::engine::facts::Imports,
    call: Node<'_>,
    info: &crate::engine::facts::types::CallInfo,
    source: &str,
) -> bool {
    if let Some((path, type_name)) = &info.receiver
        && is_digest_write(types, path, type_name, &info.callee)
    {
        return true;
    }
    if !info.from_stdlib {
        return false;
    }
    let Some(function) = call.field_child("function").map(unparen) else { return false };
    if function.kind_name() != "selector_expression" {
        return false;
    }
    let (Some(operand), Some(field)) = (function.field_child("operand").map(unparen), function.field_child("field"))
    else {
        return false;
    };
    let name = text(field, source);
    let writes = matches!(name, "Write" | "WriteByte" | "WriteRune" | "WriteString");
    if info.receiver.is_some()
        && (writes || matches!(name, "Flush" | "Close"))
        && wraps_unchecked_writer(types, imports, operand, source)
    {
        return true;
    }
    match &info.receiver {
        None => {
            let Some(path) = imports.path_of(text(operand, source)) else { return false };
            match (path, name) {
                ("fmt", "Print" | "Printf" | "Println") | ("crypto/rand" | "math/rand", "Read") => true,
                ("fmt", "Fprint" | "Fprintf" | "Fprintln") | ("io", "WriteString") => call_arguments(call)
                    .first()
                    .is_some_and(|writer| writer_error_ignored(types, imports, *writer, call, source)),
                _ => false,
            }
        }
        Some((path, type_name)) => match (path.as_str(), type_name.as_str()) {
            ("bytes", "Buffer") | ("strings", "Builder") | ("hash/maphash", "Hash") => writes,
            // hash.Hash, Hash32, Hash64, Cloner, XOF: "It never returns an error."
            ("hash", _) | ("crypto/sha3", "SHA3") => name == "Write",
            ("crypto/sha3", "SHAKE") => matches!(name, "Write" | "Read"),
            ("io", "PipeReader" | "PipeWriter") => name == "CloseWithError",
            // A Formatter writes into fmt's own buffer, which never fails.
            ("fmt", "State") => writes,
            ("math/rand", "Rand") => name == "Read",
            // "The returned error is always non-nil": success is read from the first result.
            ("syscall", "Proc" | "LazyProc") => name == "Call",
            ("os", "File") => writes && is_standard_stream(imports, operand, source),
            ("bufio", "Writer") => writes && flush_checked_later(types, operand, call, source),
            _ => false,
        },
    }
}

/// A write into a standard library hash state: a type under `crypto/` or `hash/` (the internal
/// FIPS packages' `*sha256.Digest` too) that has a `Sum` method, or a SHAKE. Hashes never fail
/// to absorb input.
fn is_digest_write(
    types: &crate::engine::facts::types::TypeEnv<'_>,
    path: &str,
    type_name: &str,
    callee: &str,
) -> bool {
    if !(path.starts_with("crypto/") || path.starts_with("hash/")) {
        return false;
    }
    let method = callee.rsplit('.').next().unwrap_or("");
    let writes = matches!(method, "Write" | "WriteByte" | "WriteString");
    let shake = type_name == "SHAKE" && path.ends_with("/sha3") && (writes || method == "Read");
    shake || (writes && types.method_call(&format!("*{path}.{type_name}"), "Sum").is_some())
}

/// A writer whose write errors go unchecked by convention: `os.Stdout`/`os.Stderr`, an
/// in-memory buffer, a hash, or a `*bufio.Writer` whose `Flush` is checked later. A writer of
/// unknown type may be any of these, so it counts too: never guess.
fn writer_error_ignored(
    types: &crate::engine::facts::types::TypeEnv<'_>,
    imports: &crate::engine::facts::Imports,
    writer: Node<'_>,
    call: Node<'_>,
    source: &str,
) -> bool {
    let writer = unparen(writer);
    if is_standard_stream(imports, writer, source) || wraps_unchecked_writer(types, imports, writer, source) {
        return true;
    }
    let Some(ty) = types.type_of(writer) else { return true };
    match ty.as_str() {
        "*bytes.Buffer" | "*strings.Builder" | "*hash/maphash.Hash" | "*crypto/sha3.SHA3" | "*crypto/sha3.SHAKE"
        | "fmt.State" => true,
        "*bufio.Writer" => flush_checked_later(types, writer, call, source),
        other => other.strip_prefix("hash.").is_some_and(|name| !name.contains(['.', '/'])),
    }
}

/// `os.Stdout` or `os.Stderr`, with `os` naming the os import.
pub fn is_standard_stream(imports: &crate::engine::facts::Imports, expr: Node<'_>, source: &str) -> bool {
    let expr = unparen(expr);
    if expr.kind_name() != "selector_expression" {
        return false;
    }
    let (Some(operand), Some(field)) = (expr.field_child("operand"), expr.field_child("field")) else {
        return false;
    };
    operand.kind_name() == "identifier"
        && imports.path_of(text(operand, source)) == Some("os")
        && matches!(text(field, source), "Stdout" | "Stderr")
}

/// The local `writer` only ever wraps the terminal or memory: every binding of it in the
/// declaration is a call whose first argument is `os.Stdout`/`os.Stderr` or a `*bytes.Buffer`/
/// `*strings.Builder` (`bufio.NewWriter(os.Stdout)`, `gzip.NewWriter(&buf)`). Writing to memory
/// cannot fail, and terminal output goes unchecked by the same convention as `fmt.Println`'s.
pub fn wraps_unchecked_writer(
    types: &crate::engine::facts::types::TypeEnv<'_>,
    imports: &crate::engine::facts::Imports,
    writer: Node<'_>,
    source: &str,
) -> bool {
    let writer = unparen(writer);
    if !matches!(writer.kind_name(), "identifier" | "selector_expression") {
        return false;
    }
    let Some(scope) = types.ancestry().top_level_declaration(writer) else { return false };
    // The answer depends only on the declaration and the writer's text, and finding it walks the
    // whole declaration: remember it for the next write to the same writer.
    types.remember("wraps only unchecked writers", scope, text(writer, source), || {
        writer_bindings_wrap_unchecked(types, imports, scope, writer, source)
    })
}

/// The body of [`wraps_unchecked_writer`], for `writer` (an identifier or a selector) in `scope`.
fn writer_bindings_wrap_unchecked(
    types: &crate::engine::facts::types::TypeEnv<'_>,
    imports: &crate::engine::facts::Imports,
    scope: Node<'_>,
    writer: Node<'_>,
    source: &str,
) -> bool {
    bindings_wrap_unchecked(types, imports, scope, writer, source, ALIAS_DEPTH)
}

/// How many aliases deep a writer is followed back to the terminal or memory:
/// `out := os.Stdout; tw := tabwriter.NewWriter(out, ...)` is one.
const ALIAS_DEPTH: usize = 2;

/// Every binding of `writer` in `scope` is the terminal or memory, or a constructor whose first
/// argument is (`bufio.NewWriter(os.Stdout)`, `tabwriter.NewWriter(out, ...)` with `out` an
/// alias of `os.Stdout`). A field with no assignment here counts when its struct value was
/// built around the terminal (`out := newTracker(os.Stdout); out.w.Flush()`).
fn bindings_wrap_unchecked(
    types: &crate::engine::facts::types::TypeEnv<'_>,
    imports: &crate::engine::facts::Imports,
    scope: Node<'_>,
    writer: Node<'_>,
    source: &str,
    depth: usize,
) -> bool {
    let values: Vec<Option<Node<'_>>> = match writer.kind_name() {
        "identifier" => bindings_of(scope, text(writer, source), source).iter().map(|binding| binding.value).collect(),
        // `ctxt.Bso = bufio.NewWriter(os.Stdout)`: a field set in this declaration.
        _ => field_assignments(scope, text(writer, source), source),
    };
    if values.is_empty() && writer.kind_name() == "selector_expression" && depth > 0 {
        return writer
            .field_child("operand")
            .map(unparen)
            .is_some_and(|operand| bindings_wrap_unchecked(types, imports, scope, operand, source, depth - 1));
    }
    let terminal_or_memory = |expr: Node<'_>| {
        let expr = unparen(expr);
        is_standard_stream(imports, expr, source)
            || types.type_of(expr).is_some_and(|ty| matches!(ty.as_str(), "*bytes.Buffer" | "*strings.Builder"))
            || (depth > 0
                && matches!(expr.kind_name(), "identifier" | "selector_expression")
                && bindings_wrap_unchecked(types, imports, scope, expr, source, depth - 1))
    };
    let wraps = |value: Node<'_>| {
        if is_standard_stream(imports, value, source) {
            return true;
        }
        if value.kind_name() != "call_expression" {
            return false;
        }
        // io.MultiWriter(os.Stdout, f) writes to f too.
        let multi = call_name(value, source).is_some_and(|(package, name)| {
            name == "MultiWriter" && package.and_then(|package| imports.path_of(package)) == Some("io")
        });
        !multi && call_arguments(value).first().is_some_and(|first| terminal_or_memory(*first))
    };
    !values.is_empty() && values.iter().all(|value| value.map(unparen).is_some_and(wraps))
}

/// The values assigned with `=` to the selector written `target` (`ctxt.Bso`) inside `scope`;
/// `None` for one that cannot be paired with its value.
fn field_assignments<'tree>(scope: Node<'tree>, target: &str, source: &str) -> Vec<Option<Node<'tree>>> {
    let mut values = Vec::new();
    for node in descendants(scope).filter(|node| node.kind_name() == "assignment_statement") {
        let (Some(left), Some(right)) = (node.field_child("left"), node.field_child("right")) else {
            continue;
        };
        let (lefts, rights) = (named_children(left), named_children(right));
        for (index, assigned) in lefts.iter().enumerate() {
            if text(*assigned, source) == target {
                values.push((lefts.len() == rights.len()).then(|| rights[index]));
            }
        }
    }
    values
}

/// A `*bufio.Writer` keeps its first write error and returns it from `Flush`, so writes are
/// checked by a later checked `writer.Flush()` in the same declaration (or a deferred one,
/// which runs after every write).
fn flush_checked_later(
    types: &crate::engine::facts::types::TypeEnv<'_>,
    writer: Node<'_>,
    call: Node<'_>,
    source: &str,
) -> bool {
    let writer = text(unparen(writer), source).trim_start_matches('&');
    let Some(scope) = types.ancestry().top_level_declaration(call) else { return false };
    descendants(scope).any(|node| {
        node.kind_name() == "call_expression"
            && call_name(node, source) == Some((Some(writer), "Flush"))
            && (node.start_byte() > call.end_byte() || types.ancestry().deferring_statement(node).is_some())
            && call_result_used(node, source)
    })
}

/// The field names a composite literal's body sets (`Timeout: d` gives `Timeout`).
pub fn literal_keys<'s>(body: Node<'_>, source: &'s str) -> Vec<&'s str> {
    named_children(body)
        .into_iter()
        .filter(|element| element.kind_name() == "keyed_element")
        .filter_map(|element| element.field_child("key"))
        .map(|key| text(key, source).trim())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the walks give for the interesting nodes of `tree`: descendants (not entering
    /// function literals), named children, and ancestors followed by statements and clauses.
    fn walk_results<'t>(tree: &'t tree_sitter::Tree) -> Vec<(Vec<Node<'t>>, Vec<Node<'t>>, Vec<Node<'t>>)> {
        let mut cursor = tree.walk();
        let mut nodes = vec![tree.root_node()];
        loop {
            let node = cursor.node();
            if matches!(
                node.kind_name(),
                "function_declaration" | "func_literal" | "block" | "call_expression" | "ERROR" | "identifier"
            ) {
                nodes.push(node);
            }
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return nodes
                        .into_iter()
                        .map(|node| {
                            let below = descendants_entering(node, |n| n.kind_name() != "func_literal").collect();
                            let above: Vec<Node<'_>> = ancestors(node).chain(statements_and_clauses(node)).collect();
                            assert_eq!(ancestors(node).next(), node.parent_node());
                            (below, named_children(node), above)
                        })
                        .collect();
                }
            }
        }
    }

    /// Each rule fixture's tree, whole and cut to its first `numerator / denominator`, with the
    /// fixture's path and text, and the tree's node list (not shared yet).
    fn for_each_fixture_tree(
        numerator: usize,
        denominator: usize,
        mut check: impl FnMut(&std::path::Path, &str, &tree_sitter::Tree, &crate::engine::flat_tree::FlatTree<'_>),
    ) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        crate::engine::query::tests::go_files(&root.join("rules"), &mut files);
        let mut parser = crate::parse::new_parser();
        for path in &files {
            let Ok(source) = std::fs::read_to_string(path) else { continue };
            for text in [source.as_str(), crate::engine::query::tests::first_part(&source, numerator, denominator)] {
                let tree = parser.parse(text, None).expect("parses");
                let flat = crate::engine::flat_tree::FlatTree::new(&tree, Vec::new()).expect("memory");
                check(path, text, &tree, &flat);
            }
        }
    }

    #[test]
    fn walks_over_the_node_list_equal_the_cursor_walks() {
        let mut compared = 0;
        for_each_fixture_tree(2, 3, |path, _, tree, flat| {
            let by_cursor = walk_results(tree);
            let shared = flat.share();
            assert!(crate::engine::flat_tree::locate(tree.root_node()).is_some());
            let by_list = walk_results(tree);
            drop(shared);
            assert!(crate::engine::flat_tree::locate(tree.root_node()).is_none());
            assert_eq!(by_list, by_cursor, "{}", path.display());
            compared += by_list.iter().map(|(below, _, _)| below.len()).sum::<usize>();
        });
        assert!(compared > 100_000, "only {compared} nodes compared");
    }

    #[test]
    fn named_siblings_over_the_node_list_equal_tree_sitters() {
        let mut compared = 0;
        for_each_fixture_tree(2, 3, |path, _, tree, flat| {
            let _shared = flat.share();
            for node in std::iter::once(tree.root_node()).chain(descendants(tree.root_node())) {
                assert_eq!(node.next_named_sibling_node(), node.next_named_sibling(), "{}: {node:?}", path.display());
                assert_eq!(node.prev_named_sibling_node(), node.prev_named_sibling(), "{}: {node:?}", path.display());
                compared += 1;
            }
        });
        assert!(compared > 100_000, "only {compared} nodes compared");
    }

    /// The nodes of `tree` the kind walks start from: functions, blocks, identifiers, the root.
    fn kind_walk_roots(tree: &tree_sitter::Tree) -> Vec<Node<'_>> {
        descendants(tree.root_node())
            .filter(|node| matches!(node.kind_name(), "function_declaration" | "func_literal" | "block" | "identifier"))
            .chain([tree.root_node()])
            .collect()
    }

    /// Each fixture node's descendants of a few kinds, with the walk steps taken to list them.
    fn kind_walks<'t>(tree: &'t tree_sitter::Tree, kinds: &'static KindSet) -> Vec<(Vec<Node<'t>>, u64)> {
        let steps_taken = |walk: &mut dyn FnMut() -> Vec<Node<'t>>| {
            let before = WALK_STEPS.with(Cell::get);
            let found = walk();
            (found, WALK_STEPS.with(Cell::get) - before)
        };
        kind_walk_roots(tree)
            .into_iter()
            .map(|node| {
                steps_taken(&mut || {
                    let with_kinds: Vec<(Node<'t>, u16)> = descendants_of_kinds_with_kinds(node, kinds).collect();
                    assert!(with_kinds.iter().all(|&(found, kind)| kind == found.kind_id()));
                    with_kinds.into_iter().map(|(found, _)| found).collect()
                })
            })
            .collect()
    }

    #[test]
    fn descendants_of_kinds_are_the_filtered_descendants_and_take_the_same_steps() {
        static KINDS: std::sync::OnceLock<KindSet> = std::sync::OnceLock::new();
        let kinds = kind_ids(&KINDS, &["identifier", "func_literal", "goto_statement", "unary_expression"]);
        let mut compared = 0;
        for_each_fixture_tree(1, 2, |path, _, tree, flat| {
            let by_cursor = kind_walks(tree, kinds);
            let shared = flat.share();
            let by_list = kind_walks(tree, kinds);
            // The reference: every descendant, filtered, and the steps of a walk to the last match.
            let reference: Vec<(Vec<Node<'_>>, u64)> = kind_walk_roots(tree)
                .into_iter()
                .map(|node| {
                    let all: Vec<Node<'_>> = descendants(node).collect();
                    let found: Vec<Node<'_>> = all.iter().copied().filter(|n| kinds.contains(n.kind_id())).collect();
                    (found, all.len() as u64)
                })
                .collect();
            drop(shared);
            assert_eq!(by_list, reference, "{}", path.display());
            let cursor_found: Vec<&Vec<Node<'_>>> = by_cursor.iter().map(|(found, _)| found).collect();
            let reference_found: Vec<&Vec<Node<'_>>> = reference.iter().map(|(found, _)| found).collect();
            assert_eq!(cursor_found, reference_found, "{}", path.display());
            compared += reference.iter().map(|(found, _)| found.len()).sum::<usize>();
        });
        assert!(compared > 20_000, "only {compared} nodes compared");
    }

    type Walked<'t> = Vec<(Vec<(Node<'t>, u16)>, Vec<(Node<'t>, u16)>, u64, Vec<(Node<'t>, u16)>)>;

    /// From each of the roots, the walks that hand out kind ids, with the steps the first took.
    fn walks_with_kinds(tree: &tree_sitter::Tree) -> Walked<'_> {
        kind_walk_roots(tree)
            .into_iter()
            .map(|node| {
                let before = WALK_STEPS.with(Cell::get);
                let own: Vec<(Node<'_>, u16)> = descendants_in_function_with_kinds(node).collect();
                let steps = WALK_STEPS.with(Cell::get) - before;
                // Entered by span: every subtree whose text is of a length divisible by 3 is skipped.
                let spans = descendants_entering_spans(node, |_, range| range.len() % 3 != 0).collect();
                (own, statements_and_clauses_with_kinds(node).collect(), steps, spans)
            })
            .collect()
    }

    fn with_kind_ids<'t>(nodes: &[Node<'t>]) -> Vec<(Node<'t>, u16)> {
        nodes.iter().map(|&node| (node, node.kind_id())).collect()
    }

    /// The walks that hand out kind ids (read from the node list while it is shared) give the
    /// nodes the old walks gave, in the same order and for the same steps, with each node's own
    /// kind id: `own_descendants` entered nested literals by the kind's name, and `bindings_of`
    /// entered subtrees by their byte range.
    #[test]
    fn walks_with_kinds_equal_the_walks_by_kind_name() {
        let mut compared = 0;
        for_each_fixture_tree(1, 2, |path, _, tree, flat| {
            let by_cursor = walks_with_kinds(tree);
            let shared = flat.share();
            let by_list = walks_with_kinds(tree);
            drop(shared);
            let reference: Walked<'_> = kind_walk_roots(tree)
                .into_iter()
                .map(|node| {
                    let before = WALK_STEPS.with(Cell::get);
                    let own: Vec<Node<'_>> = descendants_entering(node, |n| n.kind_name() != "func_literal").collect();
                    let steps = WALK_STEPS.with(Cell::get) - before;
                    let statements: Vec<Node<'_>> = statements_and_clauses(node).collect();
                    let spans: Vec<Node<'_>> = descendants_entering(node, |n| n.byte_range().len() % 3 != 0).collect();
                    (with_kind_ids(&own), with_kind_ids(&statements), steps, with_kind_ids(&spans))
                })
                .collect();
            assert_eq!(by_list, reference, "{}", path.display());
            assert_eq!(by_cursor, reference, "{}", path.display());
            for (own, _, _, _) in &reference {
                for &(node, id) in own {
                    assert_eq!(kind_with_id(node, id), kind(node));
                }
                compared += own.len();
            }
        });
        assert!(compared > 100_000, "only {compared} nodes compared");
    }

    /// The identifiers named `name` below `node`, and the walk steps taken to list them.
    fn named_walk<'t>(node: Node<'t>, name: &str, text: &str) -> (Vec<Node<'t>>, u64) {
        let before = WALK_STEPS.with(Cell::get);
        let found: Vec<Node<'t>> = identifiers_named(node, name, text).collect();
        (found, WALK_STEPS.with(Cell::get) - before)
    }

    /// `identifiers_named` over the node list finds what the filtered walk finds, for the same
    /// steps, names of every length and the empty name included.
    #[test]
    fn identifiers_named_over_the_node_list_equal_the_filtered_walk() {
        let mut compared = 0;
        for_each_fixture_tree(1, 2, |path, text, tree, flat| {
            for name in ["err", "ctx", "mu", "t", "", "wg"] {
                let roots = kind_walk_roots(tree);
                let by_cursor: Vec<_> = roots.iter().map(|&node| named_walk(node, name, text)).collect();
                let shared = flat.share();
                let by_list: Vec<_> = roots.iter().map(|&node| named_walk(node, name, text)).collect();
                drop(shared);
                let reference: Vec<_> = roots
                    .iter()
                    .map(|&node| {
                        let all: Vec<Node<'_>> = descendants(node).collect();
                        let found: Vec<Node<'_>> = all
                            .iter()
                            .copied()
                            .filter(|n| n.kind_name() == "identifier" && self::text(*n, text) == name)
                            .collect();
                        (found, all.len() as u64)
                    })
                    .collect();
                assert_eq!(by_list, reference, "{}: {name:?}", path.display());
                assert_eq!(by_cursor, reference, "{}: {name:?}", path.display());
                compared += reference.iter().map(|(found, _)| found.len()).sum::<usize>();
            }
        });
        assert!(compared > 5_000, "only {compared} identifiers compared");
    }

    #[test]
    fn a_spent_budget_stops_descendants_of_kinds() {
        static KINDS: std::sync::OnceLock<KindSet> = std::sync::OnceLock::new();
        let kinds = kind_ids(&KINDS, &["identifier"]);
        let source = "package p\nfunc f() { a(); b(); c(); d() }\n";
        let tree = crate::parse::new_parser().parse(source, None).unwrap();
        let flat = crate::engine::flat_tree::FlatTree::new(&tree, Vec::new()).unwrap();
        let _shared = flat.share();
        let all = descendants_of_kinds(tree.root_node(), kinds).count();
        let budget = WalkBudget::start(12);
        let within = descendants_of_kinds(tree.root_node(), kinds).count();
        assert!(budget.spent());
        assert!(0 < within && within < all, "{within} of {all}");
    }

    #[test]
    fn field_ids_are_the_grammars_own() {
        let language = crate::parse::go_language();
        assert!(language.field_count() > 20);
        for id in 1..=language.field_count() as u16 {
            let name = language.field_name_for_id(id).unwrap();
            assert_eq!(field_id(name), Some(id), "{name}");
            assert_eq!(language.field_id_for_name(name).map(|id| id.get()), Some(id), "{name}");
        }
        for unknown in ["", "bodyy", "Body", "nam", "x"] {
            assert_eq!(field_id(unknown), None, "{unknown}");
        }
        let source = "package p\nfunc f(a int) { g(a) }\n";
        let tree = crate::parse::new_parser().parse(source, None).unwrap();
        let function = tree.root_node().named_child(1).unwrap();
        for name in ["name", "parameters", "body", "result", "type_parameters"] {
            assert_eq!(function.field_child(name), function.child_by_field_name(name), "{name}");
        }
        assert!(function.field_child("body").is_some());
    }

    #[test]
    fn bracket_depth_skips_comments_strings_and_runes() {
        assert_eq!(bracket_depth("package p\n\nfunc f() { g(a[1]) }\n"), 3);
        // Brackets inside comments, strings, raw strings and runes do not count.
        let quoted =
            "package p\n// {{{{\n/* (((( */\nvar a = \"[[[[\\\"{{\"\nvar b = `{{\n{{`\nvar c = '{'\nvar d = '\\''\n";
        assert_eq!(bracket_depth(quoted), 0);
        // An unterminated string ends at its line; an unclosed brace stays open.
        assert_eq!(bracket_depth("var a = \"(((\nfunc f() {\n"), 1);
        assert_eq!(bracket_depth(&"{".repeat(5_000)), 5_000);
        assert_eq!(bracket_depth(")))((("), 3);
    }

    /// The byte-at-a-time scan, which [`bracket_depth`]'s skipping of plain runs must agree with.
    fn bracket_depth_reference(text: &str) -> usize {
        bracket_depth_scan::<false>(text)
    }

    #[test]
    fn bracket_depth_equals_the_byte_at_a_time_reference() {
        // Random text over the bytes that matter and a few that do not (xorshift, no dependency).
        let alphabet = b"([{)]}/*\"'`\\\nab x";
        let mut random = crate::testing::Random(0x9E37_79B9_7F4A_7C15);
        let mut compared = 0;
        for length in (0..2_000).map(|round| round % 97) {
            let text: String = (0..length).map(|_| char::from(alphabet[random.below(alphabet.len())])).collect();
            assert_eq!(bracket_depth(&text), bracket_depth_reference(&text), "{text:?}");
            compared += 1;
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        crate::engine::query::tests::go_files(&root.join("rules"), &mut files);
        for path in &files {
            let text = std::fs::read_to_string(path).expect("fixture");
            assert_eq!(bracket_depth(&text), bracket_depth_reference(&text), "{}", path.display());
            compared += 1;
        }
        assert!(compared > 2_050, "{compared}");
    }

    /// `bindings_of` skips subtrees whose text does not spell the name; on every fixture, for
    /// every function and every identifier in it, it finds what a walk of every node finds.
    #[test]
    fn bindings_of_finds_what_walking_every_node_finds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut parser = crate::parse::new_parser();
        let mut compared = 0;
        let mut found = 0;
        for rule in std::fs::read_dir(&root).expect("rules").flatten() {
            for fixture in ["bad.go", "good.go"] {
                let Ok(source) = std::fs::read_to_string(rule.path().join("fixtures").join(fixture)) else { continue };
                let tree = parser.parse(&source, None).expect("parses");
                let functions = descendants(tree.root_node())
                    .filter(|node| matches!(node.kind_name(), "function_declaration" | "method_declaration"));
                for function in functions {
                    let mut names: Vec<&str> = descendants(function)
                        .filter(|node| node.kind_name() == "identifier")
                        .map(|node| text(node, &source))
                        .collect();
                    names.sort_unstable();
                    names.dedup();
                    for name in names {
                        let pruned: Vec<Node<'_>> =
                            bindings_of(function, name, &source).iter().map(|binding| binding.name).collect();
                        let everywhere: Vec<Node<'_>> =
                            bindings_among(descendants(function).map(|node| (node, node.kind_id())), name, &source)
                                .iter()
                                .map(|binding| binding.name)
                                .collect();
                        assert_eq!(pruned, everywhere, "{name} in {}", rule.path().display());
                        compared += 1;
                        found += pruned.len();
                    }
                }
            }
        }
        assert!(compared > 1_000 && found > 200, "compared {compared} names, {found} bindings");
    }

    /// The table gives tree-sitter's own kind name for every node, aliases, anonymous nodes,
    /// errors and missing nodes included.
    #[test]
    fn kind_from_the_table_is_the_nodes_kind() {
        let sources = [
            "package p\n\nimport \"fmt\"\n\ntype T[P any] struct{ f func() }\n\nfunc (t *T[P]) m(x ...int) (err error) {\n\tdefer func() { recover() }()\n\tswitch v := any(x).(type) { case int: _ = v }\n\tselect { case <-ch: default: }\n\tlabel: for i := range 3 { fmt.Println(i, 'a', `raw`, 1.5i) }\n\treturn\n}\n",
            "package p\nfunc f() { x := ; if { g( }\n",
        ];
        let mut parser = crate::parse::new_parser();
        for source in sources {
            let tree = parser.parse(source, None).expect("parses");
            let mut cursor = tree.walk();
            let mut seen = 0;
            loop {
                let node = cursor.node();
                assert_eq!(kind(node), node.kind(), "{node:?}");
                seen += 1;
                if cursor.goto_first_child() {
                    continue;
                }
                while !cursor.goto_next_sibling() {
                    if !cursor.goto_parent() {
                        break;
                    }
                }
                if cursor.node() == tree.root_node() {
                    break;
                }
            }
            assert!(seen > 20);
        }
    }

    /// The pruned depth check gives the full walk's answer at every limit, on deep, shallow,
    /// lopsided and broken trees.
    #[test]
    fn nests_deeper_than_agrees_with_the_full_walk() {
        let chain = format!("package p\nvar x = a{}\n", " + a".repeat(120));
        let nested = format!("package p\nfunc f() {{\n{}{}}}\n", "if x {\n".repeat(40), "}\n".repeat(40));
        let broken = format!("package p\nfunc f() {{\n{}g(\n", "for {\n".repeat(30));
        let sources = [
            "package p\n".to_string(),
            "package p\n\nfunc f() { g(a[1], func() { h() }) }\n".to_string(),
            chain,
            nested,
            broken,
        ];
        let mut parser = crate::parse::new_parser();
        for source in &sources {
            let tree = parser.parse(source, None).expect("parses");
            let root = tree.root_node();
            let depth = max_depth(root);
            for limit in [0, 1, 2, 5, depth.saturating_sub(2), depth.saturating_sub(1), depth, depth + 1, depth + 50] {
                assert_eq!(
                    nests_deeper_than(root, limit),
                    depth > limit,
                    "depth {depth}, limit {limit}, source {source:?}"
                );
            }
        }
    }

    /// The one-descent lookups agree with walking up through `parent()`, on every node, in
    /// well-formed code and around parse errors (where empty MISSING nodes sit on edges).
    #[test]
    fn descent_agrees_with_walking_up() {
        let sources = [
            "package p\n\nvar f = func() int { return 1 }\n\nfunc a(x int) {\n\tdefer func() { g(func() { x++ }) }()\n\tfor i := range x {\n\t\t_ = i\n\t}\n}\n\nfunc (r *T) m() { go func() {}() }\n",
            "package p\n\nfunc a() {\n\tx := func() {\n\tdefer func() { y. }()\n\tif z { w( }\n}\n\nfunc b() { c := func(",
            "package p\nfunc(){}\n",
            "package p\n\n// func in a comment\nvar s = \"func\"\n\ntype T struct{ f func() }\n\nfunc (t T) m(g func(int) func()) func() {\n\treturn func() { _ = func() int { return 1 }() }\n}\n\nvar x = []func(){func() {}, nil}\n\nfunc G[P any](p P) { defer func() { recover() }() }\n",
        ];
        let mut parser = crate::parse::new_parser();
        for source in sources {
            let tree = parser.parse(source, None).expect("parses");
            let root = tree.root_node();
            let flat = crate::engine::flat_tree::FlatTree::new(&tree, Vec::new()).expect("memory");
            // Without the node list (walks, tree-sitter's parents), then with it.
            for listed in [false, true] {
                let _shared = listed.then(|| flat.share());
                let ancestry = Ancestry::new(root, source);
                assert_eq!(listed, crate::engine::flat_tree::locate(root).is_some());
                for node in std::iter::once(root).chain(descendants(root)) {
                    let walked: Vec<Node<'_>> = ancestors(node).collect();
                    assert_eq!(ancestry.ancestors(node), walked, "ancestors of {node:?}");
                    let functions: Vec<Node<'_>> =
                        std::iter::successors(enclosing_function(node), |function| enclosing_function(*function))
                            .collect();
                    assert_eq!(ancestry.enclosing_functions(node).collect::<Vec<_>>(), functions);
                    assert_eq!(ancestry.deferring_statement(node), deferring_statement(node));
                    assert_eq!(ancestry.top_level_declaration(node), top_level_declaration(node));
                }
            }
        }
    }

    /// Ancestry's function spans read from the node list equal those of its walk.
    #[test]
    fn ancestry_from_the_node_list_equals_its_walk() {
        let mut functions = 0;
        let spans = |ancestry: &Ancestry<'_>| -> Vec<(usize, usize, usize, Option<usize>)> {
            ancestry.functions.iter().map(|f| (f.start, f.end, f.node.id(), f.parent)).collect()
        };
        for_each_fixture_tree(1, 2, |path, text, tree, flat| {
            let walked = Ancestry::new(tree.root_node(), text);
            let shared = flat.share();
            let listed = Ancestry::new(tree.root_node(), text);
            drop(shared);
            assert_eq!(spans(&listed), spans(&walked), "{}", path.display());
            assert_eq!(listed.top_level, walked.top_level, "{}", path.display());
            functions += walked.functions.len();
        });
        assert!(functions > 1_000, "only {functions} functions compared");
    }
}
