/*
 * cal_splice.c - replacing flow values in a scenario's text; see
 * cal_splice.h.
 *
 * Three steps:
 *   1. libyaml's events become a small tree of nodes that keep only what
 *      splicing needs: kind, style, start and end (character indices),
 *      start column, scalar text, children. The end of a block collection
 *      is the end of its last child (libyaml ends a block at the next
 *      token, which may be lines further down).
 *   2. Each item becomes an edit: a byte range to replace, or an
 *      insertion point with the line(s) to insert.
 *   3. The output is the text with the edits applied in order.
 */
#include "cal_splice.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "scn_schema.h"
#include "sim_alloc.h"

#define MAX_DEPTH 64

enum { SCALAR, MAP, SEQ };

typedef struct node {
    int kind;
    int flow;          /* written in flow style: {...} or [...] */
    size_t start, end; /* character indices */
    size_t col;        /* 0-based column of the start */
    char *text;        /* SCALAR */
    struct node **kid; /* MAP: key, value, key, value, ...; SEQ: items */
    int n, cap;
} node;

static void node_free(node *x)
{
    if (!x)
        return;
    for (int i = 0; i < x->n; i++)
        node_free(x->kid[i]);
    sim_free(x->kid);
    sim_free(x->text);
    sim_free(x);
}

static int add_kid(node *x, node *k)
{
    if (x->n == x->cap) {
        int cap = x->cap ? 2 * x->cap : 8;
        node **kid = sim_reallocarray(x->kid, (size_t)cap, sizeof *kid);
        if (!kid)
            return SIM_ENOMEM;
        x->kid = kid;
        x->cap = cap;
    }
    x->kid[x->n++] = k;
    return SIM_OK;
}

typedef struct parse {
    yaml_parser_t p;
    const char *name;
    sim_err *err;
} parse;

static int yaml_fail(parse *ps)
{
    return sim_err_set(ps->err, SIM_EPARSE, ps->name, (int)ps->p.problem_mark.line + 1,
                       (int)ps->p.problem_mark.column + 1, "%s",
                       ps->p.problem ? ps->p.problem : "YAML syntax error");
}

/* The node that starts with event e (consumed by the caller). */
static int build(parse *ps, yaml_event_t *e, int depth, node **out)
{
    *out = NULL;
    if (depth > MAX_DEPTH)
        return sim_err_set(ps->err, SIM_EPARSE, ps->name, (int)e->start_mark.line + 1,
                           (int)e->start_mark.column + 1, "nested too deep");
    node *x = sim_calloc(1, sizeof *x);
    if (!x)
        return sim_err_set(ps->err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    x->start = e->start_mark.index;
    x->end = e->end_mark.index;
    x->col = e->start_mark.column;
    int rc = SIM_OK, end_type;
    switch (e->type) {
    case YAML_SCALAR_EVENT:
        x->kind = SCALAR;
        if (!(x->text = sim_strdup((const char *)e->data.scalar.value)))
            rc = sim_err_set(ps->err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        *out = x;
        return rc;
    case YAML_ALIAS_EVENT: /* opaque: never one of the values spliced */
        x->kind = SCALAR;
        x->text = sim_strdup("");
        *out = x;
        return x->text ? SIM_OK : sim_err_set(ps->err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    case YAML_SEQUENCE_START_EVENT:
        x->kind = SEQ;
        x->flow = e->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
        end_type = YAML_SEQUENCE_END_EVENT;
        break;
    case YAML_MAPPING_START_EVENT:
        x->kind = MAP;
        x->flow = e->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
        end_type = YAML_MAPPING_END_EVENT;
        break;
    default:
        node_free(x);
        return sim_err_set(ps->err, SIM_EPARSE, ps->name, (int)e->start_mark.line + 1,
                           (int)e->start_mark.column + 1, "unexpected YAML event");
    }
    for (;;) {
        yaml_event_t k;
        if (!yaml_parser_parse(&ps->p, &k)) {
            node_free(x);
            return yaml_fail(ps);
        }
        if ((int)k.type == end_type) {
            /* a flow collection ends at its bracket; a block one with its
             * last child */
            x->end = x->flow || x->n == 0 ? k.end_mark.index : x->kid[x->n - 1]->end;
            yaml_event_delete(&k);
            break;
        }
        node *child;
        rc = build(ps, &k, depth + 1, &child);
        yaml_event_delete(&k);
        if (rc == SIM_OK && (rc = add_kid(x, child)) != SIM_OK) {
            node_free(child);
            sim_err_set(ps->err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        }
        if (rc != SIM_OK) {
            node_free(x);
            return rc;
        }
    }
    *out = x;
    return SIM_OK;
}

/* The document's root node (NULL for an empty document). */
static int build_root(const char *name, const char *text, size_t len, node **root, sim_err *err)
{
    parse ps = {.name = name, .err = err};
    *root = NULL;
    if (!yaml_parser_initialize(&ps.p))
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    yaml_parser_set_input_string(&ps.p, (const unsigned char *)text, len);
    int rc = SIM_OK;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&ps.p, &e)) {
            rc = yaml_fail(&ps);
            break;
        }
        int t = e.type;
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT ||
            t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT)
            rc = build(&ps, &e, 0, root);
        yaml_event_delete(&e);
        /* the first document is the scenario */
        if (rc != SIM_OK || *root || t == YAML_STREAM_END_EVENT || t == YAML_DOCUMENT_END_EVENT)
            break;
    }
    yaml_parser_delete(&ps.p);
    return rc;
}

static node *get(const node *map, const char *key)
{
    if (!map || map->kind != MAP)
        return NULL;
    for (int i = 0; i + 1 < map->n; i += 2)
        if (map->kid[i]->kind == SCALAR && !strcmp(map->kid[i]->text, key))
            return map->kid[i + 1];
    return NULL;
}

/* ---- positions -------------------------------------------------------------- */

/* The byte offset of character index `index` (UTF-8: continuation bytes
 * are not characters). */
static size_t byte_of(const char *text, size_t len, size_t index)
{
    size_t b = 0, c = 0;
    while (b < len && c < index) {
        b++;
        while (b < len && ((unsigned char)text[b] & 0xC0) == 0x80)
            b++;
        c++;
    }
    return b;
}

/* Where a line inserted after the node ending at byte `end` goes: the
 * start of the next line (end itself when it is already at one). */
static size_t after_line(const char *text, size_t len, size_t end)
{
    if (end > 0 && text[end - 1] == '\n')
        return end;
    while (end < len && text[end] != '\n')
        end++;
    return end < len ? end + 1 : len;
}

/* ---- edits ------------------------------------------------------------------ */

typedef struct edit {
    size_t at, end; /* bytes [at, end) replaced by text; at == end: an insertion */
    int order;      /* insertions at one point: by flow order and key */
    char *text;     /* owned */
} edit;

typedef struct edits {
    edit *e;
    int n, cap;
} edits;

static int push_edit(edits *es, size_t at, size_t end, int order, const char *fmt, ...)
    SIM_PRINTF(5, 6);

static int push_edit(edits *es, size_t at, size_t end, int order, const char *fmt, ...)
{
    if (es->n == es->cap) {
        int cap = es->cap ? 2 * es->cap : 16;
        edit *e = sim_reallocarray(es->e, (size_t)cap, sizeof *e);
        if (!e)
            return SIM_ENOMEM;
        es->e = e;
        es->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *t = sim_malloc((size_t)n + 1);
    if (!t)
        return SIM_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(t, (size_t)n + 1, fmt, ap);
    va_end(ap);
    es->e[es->n++] = (edit){at, end, order, t};
    return SIM_OK;
}

static int by_position(const void *a, const void *b)
{
    const edit *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* The flow mapping with that id, or NULL. */
static node *find_flow(const node *flows, const char *id)
{
    for (int i = 0; flows && i < flows->n; i++) {
        node *v = get(flows->kid[i], "id");
        if (v && v->kind == SCALAR && !strcmp(v->text, id))
            return flows->kid[i];
    }
    return NULL;
}

static int unknown_flow(const char *name, const node *flows, const char *id, sim_err *err)
{
    const char *ids[256];
    int n = 0;
    for (int i = 0; flows && i < flows->n && n < 256; i++) {
        node *v = get(flows->kid[i], "id");
        if (v && v->kind == SCALAR)
            ids[n++] = v->text;
    }
    const char *near = scn_suggest(id, ids, n);
    return sim_err_set(err, SIM_EINVAL, name, 0, 0, "no flow '%s' in the scenario%s%s%s", id,
                       near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
}

/* The edits of the items of one flow. */
static int flow_edits(const char *name, const char *text, size_t len, node *flow, int order,
                      const cal_splice_item *items, int n, const char *id, edits *es, sim_err *err)
{
    node *arrival = get(flow, "arrival");
    if (arrival && arrival->kind != MAP)
        return sim_err_set(err, SIM_EINVAL, name, 0, 0,
                           "flow %s: its arrival is not a mapping; write the block out (or "
                           "remove it) to have it calibrated",
                           id);
    int missing = 0; /* arrival keys to add in a new arrival block */
    for (int i = 0; i < n; i++) {
        const cal_splice_item *it = &items[i];
        if (strcmp(it->flow, id))
            continue;
        node *block = cal_key_in_arrival(it->key) ? arrival : flow;
        node *v = block ? get(block, cal_key_name(it->key)) : NULL;
        int rc;
        if (v) {
            rc = push_edit(es, byte_of(text, len, v->start), byte_of(text, len, v->end), 0, "%s",
                           it->value);
        } else if (!block) {
            missing++;
            continue;
        } else if (block->flow || block->n == 0) {
            return sim_err_set(err, SIM_EINVAL, name, 0, 0,
                               "flow %s: cannot add %s to a mapping written in flow style "
                               "({...}); write it in block style",
                               id, cal_key_name(it->key));
        } else {
            size_t at = after_line(text, len, byte_of(text, len, block->end));
            rc = push_edit(es, at, at, order * 16 + (int)it->key, "%s%*s%s: %s\n",
                           at == len && len > 0 && text[len - 1] != '\n' ? "\n" : "",
                           (int)block->kid[0]->col, "", cal_key_name(it->key), it->value);
        }
        if (rc != SIM_OK)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (!missing)
        return SIM_OK;
    if (flow->flow || flow->n == 0)
        return sim_err_set(err, SIM_EINVAL, name, 0, 0,
                           "flow %s: cannot add arrival to a mapping written in flow style "
                           "({...}); write it in block style",
                           id);
    /* a new arrival block after the flow's last line, its keys in order */
    size_t at = after_line(text, len, byte_of(text, len, flow->end));
    int indent = (int)flow->kid[0]->col;
    if (push_edit(es, at, at, order * 16 + 8, "%s%*sarrival:\n",
                  at == len && len > 0 && text[len - 1] != '\n' ? "\n" : "", indent, "") != SIM_OK)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    for (int i = 0; i < n; i++)
        if (!strcmp(items[i].flow, id) && cal_key_in_arrival(items[i].key) &&
            push_edit(es, at, at, order * 16 + 9 + (int)items[i].key, "%*s%s: %s\n", indent + 2, "",
                      cal_key_name(items[i].key), items[i].value) != SIM_OK)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    return SIM_OK;
}

int cal_splice(const char *name, const char *text, size_t len, const cal_splice_item *items, int n,
               char **out, size_t *out_len, sim_err *err)
{
    *out = NULL;
    node *root = NULL;
    edits es = {0};
    int rc = build_root(name, text, len, &root, err);
    if (rc != SIM_OK)
        goto done;
    node *flows = get(root, "flows");
    if (!flows || flows->kind != SEQ) {
        rc = sim_err_set(err, SIM_EPARSE, name, 0, 0, "not a scenario with a flows: list");
        goto done;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(items[i].flow, items[j].flow) && items[i].key == items[j].key) {
                rc = sim_err_set(err, SIM_EINVAL, name, 0, 0, "two values for %s of flow %s",
                                 cal_key_name(items[i].key), items[i].flow);
                goto done;
            }
    for (int i = 0; i < n && rc == SIM_OK; i++) {
        int first = 1; /* each flow once, at its first item */
        for (int j = 0; j < i; j++)
            first &= strcmp(items[i].flow, items[j].flow) != 0;
        if (!first)
            continue;
        node *flow = find_flow(flows, items[i].flow);
        rc = flow ? flow_edits(name, text, len, flow, i, items, n, items[i].flow, &es, err)
                  : unknown_flow(name, flows, items[i].flow, err);
    }
    if (rc != SIM_OK)
        goto done;
    qsort(es.e, (size_t)es.n, sizeof *es.e, by_position);
    size_t total = len + 1;
    for (int i = 0; i < es.n; i++)
        total += strlen(es.e[i].text);
    char *o = sim_malloc(total);
    if (!o) {
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    size_t pos = 0, w = 0;
    for (int i = 0; i < es.n; i++) {
        size_t t = strlen(es.e[i].text);
        memcpy(o + w, text + pos, es.e[i].at - pos);
        w += es.e[i].at - pos;
        memcpy(o + w, es.e[i].text, t);
        w += t;
        pos = es.e[i].end;
    }
    memcpy(o + w, text + pos, len - pos);
    w += len - pos;
    o[w] = '\0';
    *out = o;
    *out_len = w;
done:
    for (int i = 0; i < es.n; i++)
        sim_free(es.e[i].text);
    sim_free(es.e);
    node_free(root);
    return rc;
}
