//! A tree's visible nodes in pre-order, listed in one pass (flat_tree.c), so the rules' patterns
//! are matched over an array instead of a `TreeCursor`, whose steps cost more than the matching.
//! The nodes handed out are tree-sitter's own `Node`s, equal (same id, kind, position) to those a
//! cursor gives.

// The C pass and the nodes built from what it wrote are FFI: each block says why it is sound.
#![allow(unsafe_code)]

use std::cell::RefCell;
use std::ffi::c_void;
use std::marker::PhantomData;
use std::rc::Rc;
use tree_sitter::{Node, Tree, ffi};

/// One visible node; the layout is `GgFlatNode` in flat_tree.c.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FlatNode {
    id: *const c_void,
    pub start_byte: u32,
    start_row: u32,
    start_column: u32,
    alias: u16,
    /// `Node::kind_id`.
    pub kind: u16,
    /// The field this node is under in its parent, 0 for none (`TreeCursor::field_id`).
    pub field: u16,
    pub named: u8,
    pub is_error: u8,
    /// The index just past this node's last descendant: its children are `index + 1`, then
    /// each next child at the previous one's `end`, up to this.
    pub end: u32,
    /// The parent's index, `u32::MAX` for the root.
    pub parent: u32,
    /// Where the node's text ends, as `Node::end_byte` (in what was padding: the size stays 40).
    pub end_byte: u32,
}

// The list costs 40 bytes a node (see `engine::MAX_LISTED_NODES`): a new field must fit.
const _: () = assert!(std::mem::size_of::<FlatNode>() == 40);

unsafe extern "C" {
    fn gg_flat_node_count(tree: *const ffi::TSTree) -> u32;
    fn gg_flatten(tree: *const ffi::TSTree, out: *mut FlatNode, capacity: u32) -> u32;
}

/// The node list without the tree's lifetime: shared (see [`Self::share`]) with the walks of
/// `syntax`, which find a node's place in it by position.
pub struct FlatNodes {
    nodes: Vec<FlatNode>,
    tree: *const ffi::TSTree,
}

impl FlatNodes {
    /// The node at `index`, for a tree borrowed for 'tree: only called with a lifetime taken
    /// from a node of this same tree (checked by [`locate`]).
    fn node<'tree>(&self, index: usize) -> Node<'tree> {
        let flat = &self.nodes[index];
        let raw = ffi::TSNode {
            context: [flat.start_byte, flat.start_row, flat.start_column, u32::from(flat.alias)],
            id: flat.id,
            tree: self.tree,
        };
        // SAFETY: the fields are those `ts_node_new` gives this node (flat_tree.c), and the
        // callers hold a node of the same, live, tree for 'tree.
        unsafe { Node::from_raw(raw) }
    }

    /// The index of `node` in the list, by its start (pre-order keeps starts ascending).
    fn index_of(&self, node: Node<'_>) -> Option<usize> {
        let start = u32::try_from(node.start_byte()).ok()?;
        let first = self.nodes.partition_point(|flat| flat.start_byte < start);
        let id = node.id();
        self.nodes[first..]
            .iter()
            .take_while(|flat| flat.start_byte == start)
            .position(|flat| flat.id as usize == id)
            .map(|offset| first + offset)
    }
}

/// The visible nodes of one tree. A clone shares the list.
#[derive(Clone)]
pub struct FlatTree<'tree> {
    inner: Rc<FlatNodes>,
    _tree: PhantomData<&'tree Tree>,
}

thread_local! {
    /// The node list of the tree this thread is checking, while [`FlatTree::share`]'s guard lives.
    static SHARED: RefCell<Option<Rc<FlatNodes>>> = const { RefCell::new(None) };
}

impl<'tree> FlatTree<'tree> {
    /// Lists `tree`'s nodes into `storage` (its allocation is reused: pass the one a previous
    /// `FlatTree` gave back with [`Self::into_storage`]). `None` only when memory runs out.
    pub fn new(tree: &'tree Tree, mut storage: Vec<FlatNode>) -> Option<FlatTree<'tree>> {
        let raw = tree.root_node().into_raw().tree;
        storage.clear();
        // SAFETY: `raw` is a live tree for 'tree; the C side writes at most `capacity` nodes
        // into the spare capacity and returns how many it wrote (or u32::MAX on failure).
        unsafe {
            let needed = gg_flat_node_count(raw);
            storage.reserve(needed as usize);
            let capacity = u32::try_from(storage.capacity()).unwrap_or(u32::MAX - 1);
            let written = gg_flatten(raw, storage.as_mut_ptr(), capacity);
            if written == u32::MAX {
                return None;
            }
            storage.set_len(written as usize);
        }
        Some(FlatTree { inner: Rc::new(FlatNodes { nodes: storage, tree: raw }), _tree: PhantomData })
    }

    /// How many nodes [`Self::new`] would list for `tree`, without listing them.
    pub fn node_count(tree: &Tree) -> usize {
        // SAFETY: reads the root subtree's visible descendant count of a live tree.
        unsafe { gg_flat_node_count(tree.root_node().into_raw().tree) as usize }
    }

    /// The allocation, for the next tree (empty when a walk still holds the list).
    pub fn into_storage(self) -> Vec<FlatNode> {
        Rc::try_unwrap(self.inner).map(|inner| inner.nodes).unwrap_or_default()
    }

    /// Lets `syntax`'s walks of this tree use the list until the guard is dropped.
    pub fn share(&self) -> SharedGuard {
        let previous = SHARED.with(|shared| shared.replace(Some(Rc::clone(&self.inner))));
        SharedGuard { previous }
    }

    pub fn len(&self) -> usize {
        self.inner.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.nodes.is_empty()
    }

    pub fn get(&self, index: usize) -> &FlatNode {
        &self.inner.nodes[index]
    }

    /// The tree-sitter node at `index`.
    pub fn node(&self, index: usize) -> Node<'tree> {
        self.inner.node(index)
    }

    /// The indexes of the children of the node at `index`, in order.
    pub fn children(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.get(index).end as usize;
        let mut next = index + 1;
        std::iter::from_fn(move || {
            (next < end).then(|| {
                let child = next;
                next = self.get(child).end as usize;
                child
            })
        })
    }

    /// The index of the parent of the node at `index`, `None` for the root.
    pub fn parent(&self, index: usize) -> Option<usize> {
        let parent = self.get(index).parent;
        (parent != u32::MAX).then_some(parent as usize)
    }
}

/// Restores what was shared before (nothing, or the list of an outer check on this thread).
pub struct SharedGuard {
    previous: Option<Rc<FlatNodes>>,
}

impl Drop for SharedGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        SHARED.with(|shared| drop(shared.replace(previous)));
    }
}

/// The shared list of `node`'s tree and `node`'s index in it, when its tree is the one being
/// checked.
pub fn locate(node: Node<'_>) -> Option<(FlatTree<'_>, usize)> {
    let inner = SHARED.with(|shared| shared.borrow().clone())?;
    if inner.tree != node.into_raw().tree {
        return None;
    }
    let index = inner.index_of(node)?;
    Some((FlatTree { inner, _tree: PhantomData }, index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::query;

    /// Every node a cursor visits, with its field, in pre-order; and for each, its child count.
    fn cursor_walk<'t>(tree: &'t Tree) -> Vec<(Node<'t>, Option<u16>, usize)> {
        let mut out = Vec::new();
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            out.push((node, cursor.field_id().map(|id| id.get()), node.child_count() as usize));
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return out;
                }
            }
        }
    }

    pub(crate) fn assert_same_as_cursor(source: &str, name: &str) -> usize {
        let tree = crate::parse::new_parser().parse(source, None).unwrap();
        let flat = FlatTree::new(&tree, Vec::new()).unwrap();
        let expected = cursor_walk(&tree);
        assert_eq!(flat.len(), expected.len(), "{name}: node count");
        for (index, (node, field, child_count)) in expected.iter().enumerate() {
            let got = flat.node(index);
            let entry = flat.get(index);
            assert_eq!(got.id(), node.id(), "{name}: node {index} id");
            assert_eq!(got, *node, "{name}: node {index}");
            assert_eq!(got.kind_id(), node.kind_id(), "{name}: node {index} kind");
            assert_eq!(entry.kind, node.kind_id(), "{name}: node {index} listed kind");
            assert_eq!(crate::syntax::kind(got), node.kind(), "{name}: node {index} kind name");
            assert_eq!(got.start_position(), node.start_position(), "{name}: node {index} start");
            assert_eq!(got.byte_range(), node.byte_range(), "{name}: node {index} range");
            assert_eq!(
                entry.start_byte as usize..entry.end_byte as usize,
                node.byte_range(),
                "{name}: node {index} listed range"
            );
            assert_eq!(entry.named != 0, node.is_named(), "{name}: node {index} named");
            assert_eq!(entry.is_error != 0, node.is_error(), "{name}: node {index} error");
            assert_eq!((entry.field != 0).then_some(entry.field), *field, "{name}: node {index} field");
            assert_eq!(flat.children(index).count(), *child_count, "{name}: node {index} children");
            let parent = (entry.parent != u32::MAX).then(|| flat.node(entry.parent as usize));
            assert_eq!(parent, node.parent(), "{name}: node {index} parent");
        }
        // Each node is a child of its parent in the list as in the tree.
        let index_of: crate::hash::HashMap<usize, usize> =
            expected.iter().enumerate().map(|(index, (node, _, _))| (node.id(), index)).collect();
        for index in 0..flat.len() {
            let children: Vec<usize> = flat.children(index).collect();
            let node = flat.node(index);
            let mut cursor = node.walk();
            let expected: Vec<usize> = node.children(&mut cursor).map(|child| index_of[&child.id()]).collect();
            assert_eq!(children, expected, "{name}: children of node {index}");
        }
        expected.len()
    }

    #[test]
    fn lists_what_a_cursor_visits_on_small_sources() {
        for (name, source) in [
            ("empty", ""),
            ("package", "package p\n"),
            ("comments", "// a\npackage p // b\n/* c */ func f() { /* d */ g(/* e */ 1, 2) // f\n}\n"),
            ("broken", "package p\nfunc f( {\n\tx := [}\n"),
            ("unicode", "package p\n\nvar é = \"日本\"\nfunc ü() { é = `\n\t𝄞` }\n"),
            ("crlf", "package p\r\n\r\nfunc f() {\r\n\tg()\r\n}\r\n"),
        ] {
            assert_same_as_cursor(source, name);
        }
    }

    /// The source, the source with a comment in every list, and its first two thirds (syntax
    /// errors), each listed as a cursor walks it.
    fn assert_variants_same_as_cursor(source: &str, name: &str) -> usize {
        assert_same_as_cursor(source, name)
            + assert_same_as_cursor(&query::tests::with_comments(source), name)
            + assert_same_as_cursor(query::tests::first_part(source, 2, 3), name)
    }

    #[test]
    fn lists_what_a_cursor_visits_on_the_fixtures() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        query::tests::go_files(&root.join("rules"), &mut files);
        query::tests::go_files(&root.join("tests"), &mut files);
        assert!(files.len() > 100, "found only {} fixture files", files.len());
        let nodes: usize = files
            .iter()
            .filter_map(|path| Some((path, std::fs::read_to_string(path).ok()?)))
            .map(|(path, source)| assert_variants_same_as_cursor(&source, &path.display().to_string()))
            .sum();
        assert!(nodes > 100_000, "only {nodes} nodes compared");
    }

    #[test]
    fn lists_what_a_cursor_visits_on_the_standard_library() {
        let files = query::tests::standard_library_files();
        let mut nodes = 0;
        // Every 50th file, a fixed sample across every directory, and the largest file there is.
        for path in files.iter().step_by(50).chain(files.iter().filter(|path| path.ends_with("p256_table.go"))) {
            let Ok(source) = std::fs::read_to_string(path) else { continue };
            nodes += assert_variants_same_as_cursor(&source, &path.display().to_string());
        }
        assert!(nodes > 1_000_000, "only {nodes} nodes compared");
    }
}
