/*
 * scn_yaml.c - libyaml events to a node tree (see scn_yaml.h for the limits).
 *
 * Design: one pass over the event stream with an explicit stack of open
 * containers (never recursion on input), so nesting is bounded by
 * SCN_YAML_MAX_DEPTH before libyaml is asked for the next event. While a
 * container is open its children collect in a growable vector per stack
 * level; when it closes they are copied into the arena. Aliases stop the
 * parse, so no input can make the tree larger than the text's node count.
 */
#include "scn_yaml.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <yaml.h>

#include "sim_alloc.h"

/* ---- arena --------------------------------------------------------------- */

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
} chunk;

struct scn_tree {
    chunk *chunks;
    long nodes;
};

#define CHUNK_SIZE 65536u

static void *arena_alloc(scn_tree *t, size_t n)
{
    size_t align = alignof(max_align_t);
    n = (n + align - 1) / align * align;
    if (!t->chunks || t->chunks->size - t->chunks->used < n) {
        size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
        chunk *c = sim_malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        if (t->chunks && n > CHUNK_SIZE) { /* a big one: keep filling the current chunk */
            c->next = t->chunks->next;
            t->chunks->next = c;
            c->used = n;
            return c->data;
        }
        c->next = t->chunks;
        t->chunks = c;
    }
    void *p = t->chunks->data + t->chunks->used;
    t->chunks->used += n;
    return p;
}

scn_tree *scn_tree_create(void)
{
    return sim_calloc(1, sizeof(scn_tree));
}

void scn_tree_destroy(scn_tree *t)
{
    if (!t)
        return;
    for (chunk *c = t->chunks, *next; c; c = next) {
        next = c->next;
        sim_free(c);
    }
    sim_free(t);
}

char *scn_tree_strdup(scn_tree *t, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = arena_alloc(t, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static scn_node *new_node(scn_tree *t, scn_node_kind kind, const char *src, int line, int column)
{
    scn_node *n = arena_alloc(t, sizeof *n);
    if (!n)
        return NULL;
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->src = src;
    n->line = line;
    n->column = column;
    t->nodes++;
    return n;
}

scn_node *scn_tree_scalar(scn_tree *t, const char *src, const char *text)
{
    scn_node *n = new_node(t, SCN_NODE_SCALAR, src, 0, 0);
    if (!n)
        return NULL;
    n->text = scn_tree_strdup(t, text);
    if (!n->text)
        return NULL;
    n->len = strlen(text);
    n->quoted = 1;
    n->from_set = 1;
    return n;
}

scn_node *scn_tree_map(scn_tree *t, const char *src)
{
    scn_node *n = new_node(t, SCN_NODE_MAP, src, 0, 0);
    if (n)
        n->from_set = 1;
    return n;
}

int scn_map_append(scn_tree *t, scn_node *map, scn_node *key, scn_node *value)
{
    scn_node **kids = arena_alloc(t, sizeof *kids * (size_t)(2 * map->n + 2));
    if (!kids)
        return SIM_ENOMEM;
    if (map->n)
        memcpy(kids, map->kids, sizeof *kids * (size_t)(2 * map->n));
    kids[2 * map->n] = key;
    kids[2 * map->n + 1] = value;
    map->kids = kids;
    map->n++;
    return SIM_OK;
}

scn_node *scn_map_get(const scn_node *map, const char *key)
{
    if (!map || map->kind != SCN_NODE_MAP)
        return NULL;
    for (int i = map->n - 1; i >= 0; i--)
        if (!strcmp(map->kids[2 * i]->text, key))
            return map->kids[2 * i + 1];
    return NULL;
}

void scn_node_mark_set(scn_node *n, const char *src)
{
    /* Depth is bounded by SCN_YAML_MAX_DEPTH, so recursion is safe here. */
    n->src = src;
    n->line = n->column = 0;
    n->from_set = 1;
    int k = n->kind == SCN_NODE_MAP ? 2 * n->n : n->kind == SCN_NODE_SEQ ? n->n : 0;
    for (int i = 0; i < k; i++)
        scn_node_mark_set(n->kids[i], src);
}

/* ---- parsing ------------------------------------------------------------- */

typedef struct frame {
    scn_node *node;
    scn_node **kids;
    int n, cap;
} frame;

typedef struct parse_state {
    scn_tree *t;
    const char *src;
    const char *text;
    size_t len;
    sim_err *err;
    frame stack[SCN_YAML_MAX_DEPTH + 1];
    int depth;
    scn_node *root;
    int documents;
} parse_state;

static int fail_at(parse_state *ps, int code, yaml_mark_t m, const char *fmt, ...) SIM_PRINTF(4, 5);

static int fail_at(parse_state *ps, int code, yaml_mark_t m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_err_setv(ps->err, code, ps->src, (int)m.line + 1, (int)m.column + 1, fmt, ap);
    va_end(ap);
    return code;
}

/* Line and column (1-based, counting UTF-8 characters) of a byte offset. */
static void offset_position(const char *text, size_t len, size_t off, int *line, int *column)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xc0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

static int syntax_error(parse_state *ps, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return sim_err_set(ps->err, SIM_ENOMEM, ps->src, 0, 0, "out of memory reading YAML");
    if (p->error == YAML_READER_ERROR) {
        int line, column;
        offset_position(ps->text, ps->len, p->problem_offset, &line, &column);
        return sim_err_set(ps->err, SIM_EPARSE, ps->src, line, column,
                           "not a text file: %s (byte 0x%02x)",
                           p->problem ? p->problem : "invalid input", (unsigned)p->problem_value);
    }
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->context)
        return sim_err_set(ps->err, SIM_EPARSE, ps->src, (int)p->problem_mark.line + 1,
                           (int)p->problem_mark.column + 1,
                           "YAML syntax error: %s (%s that starts at line %d)", problem, p->context,
                           (int)p->context_mark.line + 1);
    return sim_err_set(ps->err, SIM_EPARSE, ps->src, (int)p->problem_mark.line + 1,
                       (int)p->problem_mark.column + 1, "YAML syntax error: %s", problem);
}

static int add_child(parse_state *ps, scn_node *n, yaml_mark_t m)
{
    if (ps->depth == 0) {
        ps->root = n;
        return SIM_OK;
    }
    frame *f = &ps->stack[ps->depth - 1];
    if (f->node->kind == SCN_NODE_MAP && (f->n % 2) == 0 && n->kind != SCN_NODE_SCALAR)
        return fail_at(ps, SIM_EPARSE, m, "a mapping key must be a plain word");
    if (f->n == f->cap) {
        int cap = f->cap ? 2 * f->cap : 16;
        scn_node **k = sim_reallocarray(f->kids, (size_t)cap, sizeof *k);
        if (!k)
            return sim_err_set(ps->err, SIM_ENOMEM, ps->src, 0, 0, "out of memory reading YAML");
        f->kids = k;
        f->cap = cap;
    }
    f->kids[f->n++] = n;
    return SIM_OK;
}

static int open_container(parse_state *ps, scn_node_kind kind, yaml_mark_t m)
{
    if (ps->depth >= SCN_YAML_MAX_DEPTH)
        return sim_err_set(ps->err, SIM_EPARSE, ps->src, (int)m.line + 1, (int)m.column + 1,
                           "nesting deeper than %d levels", SCN_YAML_MAX_DEPTH);
    scn_node *n = new_node(ps->t, kind, ps->src, (int)m.line + 1, (int)m.column + 1);
    if (!n)
        return sim_err_set(ps->err, SIM_ENOMEM, ps->src, 0, 0, "out of memory reading YAML");
    /* Keys must be scalars: check before the container is pushed. */
    if (ps->depth > 0) {
        frame *f = &ps->stack[ps->depth - 1];
        if (f->node->kind == SCN_NODE_MAP && (f->n % 2) == 0)
            return fail_at(ps, SIM_EPARSE, m, "a mapping key must be a plain word");
    }
    frame *f = &ps->stack[ps->depth++];
    f->node = n;
    f->n = 0; /* kids and cap are kept from earlier use of this level */
    return SIM_OK;
}

static int close_container(parse_state *ps, yaml_mark_t m)
{
    frame *f = &ps->stack[--ps->depth];
    scn_node *n = f->node;
    if (f->n) {
        n->kids = arena_alloc(ps->t, sizeof *n->kids * (size_t)f->n);
        if (!n->kids)
            return sim_err_set(ps->err, SIM_ENOMEM, ps->src, 0, 0, "out of memory reading YAML");
        memcpy(n->kids, f->kids, sizeof *n->kids * (size_t)f->n);
    }
    n->n = n->kind == SCN_NODE_MAP ? f->n / 2 : f->n;
    return add_child(ps, n, m);
}

static int on_scalar(parse_state *ps, const yaml_event_t *e)
{
    yaml_mark_t m = e->start_mark;
    if (e->data.scalar.length > SCN_YAML_MAX_SCALAR)
        return sim_err_set(ps->err, SIM_EPARSE, ps->src, (int)m.line + 1, (int)m.column + 1,
                           "a value longer than %d bytes", SCN_YAML_MAX_SCALAR);
    scn_node *n = new_node(ps->t, SCN_NODE_SCALAR, ps->src, (int)m.line + 1, (int)m.column + 1);
    char *text = n ? arena_alloc(ps->t, e->data.scalar.length + 1) : NULL;
    if (!text)
        return sim_err_set(ps->err, SIM_ENOMEM, ps->src, 0, 0, "out of memory reading YAML");
    memcpy(text, e->data.scalar.value, e->data.scalar.length);
    text[e->data.scalar.length] = '\0';
    if (memchr(text, '\0', e->data.scalar.length))
        return sim_err_set(ps->err, SIM_EPARSE, ps->src, (int)m.line + 1, (int)m.column + 1,
                           "a value contains a NUL character");
    n->text = text;
    n->len = e->data.scalar.length;
    n->quoted = e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    return add_child(ps, n, m);
}

static int on_event(parse_state *ps, const yaml_event_t *e, int *done)
{
    if (ps->t->nodes > SCN_YAML_MAX_NODES)
        return sim_err_set(ps->err, SIM_EPARSE, ps->src, (int)e->start_mark.line + 1,
                           (int)e->start_mark.column + 1, "more than %d YAML nodes",
                           SCN_YAML_MAX_NODES);
    switch (e->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        return SIM_OK;
    case YAML_STREAM_END_EVENT:
        *done = 1;
        return SIM_OK;
    case YAML_DOCUMENT_START_EVENT:
        if (++ps->documents > 1)
            return fail_at(ps, SIM_EPARSE, e->start_mark,
                           "a second YAML document ('---'): a scenario is one document");
        return SIM_OK;
    case YAML_ALIAS_EVENT:
        return fail_at(ps, SIM_EPARSE, e->start_mark,
                       "YAML aliases (*%s) are not supported: write the value out",
                       (const char *)e->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        return on_scalar(ps, e);
    case YAML_MAPPING_START_EVENT:
        return open_container(ps, SCN_NODE_MAP, e->start_mark);
    case YAML_SEQUENCE_START_EVENT:
        return open_container(ps, SCN_NODE_SEQ, e->start_mark);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        return close_container(ps, e->start_mark);
    case YAML_NO_EVENT:
    default:
        return SIM_OK;
    }
}

int scn_yaml_parse(scn_tree *t, const char *src, const char *text, size_t len, scn_node **root,
                   sim_err *err)
{
    *root = NULL;
    const char *name = scn_tree_strdup(t, src ? src : "");
    if (!name)
        return sim_err_set(err, SIM_ENOMEM, src, 0, 0, "out of memory reading YAML");
    if (len > SCN_YAML_MAX_BYTES)
        return sim_err_set(err, SIM_EPARSE, name, 0, 0, "larger than %u MiB: refused",
                           SCN_YAML_MAX_BYTES / (1024u * 1024u));
    parse_state ps;
    memset(&ps, 0, sizeof ps);
    ps.t = t;
    ps.src = name;
    ps.text = text;
    ps.len = len;
    ps.err = err;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return sim_err_set(err, SIM_ENOMEM, name, 0, 0, "out of memory reading YAML");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = SIM_OK, done = 0;
    while (rc == SIM_OK && !done) {
        yaml_event_t e;
        if (!yaml_parser_parse(&parser, &e)) {
            rc = syntax_error(&ps, &parser);
            break;
        }
        rc = on_event(&ps, &e, &done);
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&parser);
    for (int i = 0; i <= SCN_YAML_MAX_DEPTH; i++)
        sim_free(ps.stack[i].kids);
    if (rc == SIM_OK)
        *root = ps.root;
    return rc;
}
