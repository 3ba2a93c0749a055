/*
 * scn_yaml.h - YAML text to a small node tree with positions, safely.
 *
 * The loader never walks libyaml's own structures: scn_yaml_parse reads the
 * libyaml event stream and builds a tree of scalars, mappings and sequences,
 * each node with its file and 1-based line and column, so every later error
 * can say where it is. Arbitrary bytes must never crash or hang it, so it
 * refuses, with a positioned message:
 *   - input larger than SCN_YAML_MAX_BYTES (16 MiB);
 *   - nesting deeper than SCN_YAML_MAX_DEPTH (64) mappings/sequences;
 *   - more than SCN_YAML_MAX_NODES nodes, or a scalar longer than
 *     SCN_YAML_MAX_SCALAR bytes;
 *   - aliases (*name): an alias bomb ("billion laughs") needs them, and a
 *     scenario does not (anchors alone are accepted and ignored);
 *   - more than one document; mapping keys that are not scalars.
 * A YAML syntax error stops at the first problem (libyaml's problem_mark);
 * invalid UTF-8 and control characters are reported at their offset.
 * Duplicate keys are kept: the loader reports them with both positions.
 *
 * Memory: every node and string lives in the tree's arena and is freed with
 * the tree. Nodes made by --set overrides (scn_override.h) live there too.
 */
#ifndef SCN_YAML_H
#define SCN_YAML_H

#include <stddef.h>

#include "sim_err.h"

#define SCN_YAML_MAX_BYTES  (16u * 1024u * 1024u)
#define SCN_YAML_MAX_DEPTH  64
#define SCN_YAML_MAX_NODES  500000
#define SCN_YAML_MAX_SCALAR 65536

typedef enum scn_node_kind { SCN_NODE_SCALAR = 0, SCN_NODE_MAP, SCN_NODE_SEQ } scn_node_kind;

typedef struct scn_node scn_node;
struct scn_node {
    scn_node_kind kind;
    const char *src;  /* the file name or "--set path=value" (owned by the tree) */
    int line, column; /* 1-based; 0 for a node made by --set */
    int quoted;       /* a scalar written in quotes (so it is never null) */
    int from_set;     /* made or replaced by a --set override */
    char *text;       /* scalar: NUL-terminated, "" for an empty/null value */
    size_t len;
    scn_node **kids; /* MAP: 2n entries (key, value, key, value, ...); SEQ: n */
    int n;           /* MAP: pairs; SEQ: items */
};

typedef struct scn_tree scn_tree;

scn_tree *scn_tree_create(void);
void scn_tree_destroy(scn_tree *t); /* NULL is a no-op */

/* Parses text[0..len) named src (copied) into *root, which is NULL for an
 * empty document. On error returns SIM_EPARSE (or SIM_ENOMEM) and fills err
 * with src, line, column and the message; *root is then NULL. */
int scn_yaml_parse(scn_tree *t, const char *src, const char *text, size_t len, scn_node **root,
                   sim_err *err);

/* Builders for --set overrides: nodes with line 0 and from_set set. NULL on
 * allocation failure. */
scn_node *scn_tree_scalar(scn_tree *t, const char *src, const char *text);
scn_node *scn_tree_map(scn_tree *t, const char *src);
/* Appends a pair to a mapping. SIM_ENOMEM on failure. */
int scn_map_append(scn_tree *t, scn_node *map, scn_node *key, scn_node *value);
/* The value of the last pair whose key is `key` (the last one wins, as a
 * later --set on the same key), or NULL. */
scn_node *scn_map_get(const scn_node *map, const char *key);
/* Marks n and everything below it as coming from --set, at line 0. */
void scn_node_mark_set(scn_node *n, const char *src);
/* A copy of s in the tree's arena (NULL on failure). */
char *scn_tree_strdup(scn_tree *t, const char *s);

#endif
