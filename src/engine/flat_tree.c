// The visible nodes of a tree in pre-order, in one pass over tree-sitter's subtrees.
//
// A TreeCursor pays for every step: going to a next sibling re-derives the parent's alias
// sequence and climbs out of (and back into) the hidden `repeat` nodes that hold long lists,
// about 500 instructions per visible node on Go code, more than the rules' matching itself.
// Walking the subtrees directly costs a few dozen. The rules that match against this list see
// exactly what a cursor shows (src/engine/flat_tree.rs tests that, node by node).
//
// This reads tree-sitter's internal headers: it is built against the sources of the
// tree-sitter crate in Cargo.lock (build.rs finds them through the crate's `links` metadata),
// so the layout it reads is the layout the library was compiled with.

#include <stdint.h>
#include <stdlib.h>
#include "tree_sitter/api.h"
#include "./subtree.h"
#include "./tree.h"
#include "./language.h"
#include "./length.h"

typedef struct {
  const void *id;
  uint32_t start_byte;
  uint32_t start_row;
  uint32_t start_column;
  uint16_t alias;
  uint16_t kind;
  uint16_t field;
  uint8_t named;
  uint8_t is_error;
  uint32_t end;
  uint32_t parent;
  // Where the node's text ends (`ts_node_end_byte`); fills what was padding.
  uint32_t end_byte;
} GgFlatNode;

typedef struct {
  const Subtree *parent;
  const TSSymbol *alias_sequence;
  Length position;
  uint32_t child_index;
  uint32_t structural_index;
  // The flat index of the parent when it is visible, UINT32_MAX when it is hidden.
  uint32_t emitted;
  // The flat index of the nearest visible ancestor (the parent itself when it is visible).
  uint32_t visible_parent;
  // A hidden parent's own field, which its children inherit when they have none.
  TSFieldId inherited_field;
  // The parent production's field map, looked up once for all its children.
  const TSFieldMapEntry *field_map;
  const TSFieldMapEntry *field_map_end;
} Frame;

static inline TSFieldId own_field(const Frame *frame) {
  for (const TSFieldMapEntry *map = frame->field_map; map < frame->field_map_end; map++) {
    if (!map->inherited && map->child_index == frame->structural_index) return map->field_id;
  }
  return 0;
}

// Inlined: called once per visible node, and as a call its eight arguments went through the stack.
static inline __attribute__((always_inline)) void emit(
  GgFlatNode *out, uint32_t index, const TSLanguage *language, const Subtree *subtree,
  Length position, TSSymbol alias, TSFieldId field, uint32_t parent
) {
  TSSymbol symbol = alias ? alias : ts_subtree_symbol(*subtree);
  GgFlatNode *node = &out[index];
  node->id = subtree;
  node->start_byte = position.bytes;
  node->start_row = position.extent.row;
  node->start_column = position.extent.column;
  node->alias = alias;
  node->kind = ts_language_public_symbol(language, symbol);
  node->field = field;
  node->named = alias ? ts_language_symbol_metadata(language, alias).named : ts_subtree_named(*subtree);
  node->is_error = symbol == ts_builtin_sym_error;
  node->end = index + 1;
  node->parent = parent;
  node->end_byte = position.bytes + ts_subtree_size(*subtree).bytes;
}

// How many nodes `gg_flatten` writes for `tree`.
uint32_t gg_flat_node_count(const TSTree *tree) {
  return 1 + ts_subtree_visible_descendant_count(tree->root);
}

// Writes the visible nodes of `tree` into `out` in pre-order (as a cursor visits them) and
// returns how many it wrote, or UINT32_MAX when `capacity` or the memory for its stack is too
// small. A node's `end` is the index just past its last descendant; `parent` is its parent's
// index (UINT32_MAX for the root).
uint32_t gg_flatten(const TSTree *tree, GgFlatNode *out, uint32_t capacity) {
  const TSLanguage *language = tree->language;
  if (capacity < 1) return UINT32_MAX;
  emit(out, 0, language, &tree->root, ts_subtree_padding(tree->root), 0, 0, UINT32_MAX);
  uint32_t count = 1;
  if (ts_subtree_child_count(tree->root) == 0) return count;

  uint32_t stack_capacity = 64, depth = 0;
  Frame *stack = malloc(stack_capacity * sizeof(Frame));
  if (!stack) return UINT32_MAX;
  stack[depth++] = (Frame) {
    .parent = &tree->root,
    .alias_sequence = ts_language_alias_sequence(language, tree->root.ptr->production_id),
    .position = ts_subtree_padding(tree->root),
    .emitted = 0,
    .visible_parent = 0,
  };
  ts_language_field_map(language, tree->root.ptr->production_id, &stack[0].field_map, &stack[0].field_map_end);

  while (depth > 0) {
    Frame *frame = &stack[depth - 1];
    Subtree parent = *frame->parent;
    if (frame->child_index == parent.ptr->child_count) {
      if (frame->emitted != UINT32_MAX) out[frame->emitted].end = count;
      depth--;
      continue;
    }

    const Subtree *child = &ts_subtree_children(parent)[frame->child_index];
    Length position = frame->position;
    bool extra = ts_subtree_extra(*child);
    TSSymbol alias = 0;
    TSFieldId field = 0;
    if (!extra) {
      if (frame->alias_sequence) alias = frame->alias_sequence[frame->structural_index];
      field = own_field(frame);
      if (!field) field = frame->inherited_field;
      frame->structural_index++;
    }
    frame->position = length_add(frame->position, ts_subtree_size(*child));
    frame->child_index++;
    if (frame->child_index < parent.ptr->child_count) {
      frame->position = length_add(frame->position, ts_subtree_padding(ts_subtree_children(parent)[frame->child_index]));
    }

    bool visible = ts_subtree_visible(*child) || alias;
    // Read before the stack may move (realloc below).
    uint32_t visible_parent = frame->visible_parent;
    uint32_t emitted = UINT32_MAX;
    if (visible) {
      if (count == capacity) {
        free(stack);
        return UINT32_MAX;
      }
      emitted = count++;
      emit(out, emitted, language, child, position, alias, field, visible_parent);
    }
    if (ts_subtree_child_count(*child) == 0) continue;
    if (depth == stack_capacity) {
      stack_capacity *= 2;
      Frame *grown = realloc(stack, stack_capacity * sizeof(Frame));
      if (!grown) {
        free(stack);
        return UINT32_MAX;
      }
      stack = grown;
    }
    stack[depth++] = (Frame) {
      .parent = child,
      .alias_sequence = ts_language_alias_sequence(language, child->ptr->production_id),
      .position = position,
      .emitted = emitted,
      .visible_parent = visible ? emitted : visible_parent,
      // A visible node's children start their own chain; an extra hidden node passes none on.
      .inherited_field = (visible || extra) ? 0 : field,
    };
    Frame *pushed = &stack[depth - 1];
    ts_language_field_map(language, child->ptr->production_id, &pushed->field_map, &pushed->field_map_end);
  }
  free(stack);
  return count;
}
