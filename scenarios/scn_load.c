/*
 * scn_load.c - YAML node tree -> validated mdl_scenario, driven by the
 * schema table (see scn_load.h for the pipeline).
 *
 * Design notes:
 *   1. One generic walk (load_block / load_list) fills any block from its
 *      scn_key table: the loader has no code per key. Code per concept is
 *      limited to what a table cannot say: derived defaults (phase 2) and
 *      cross checks between objects (phase 4).
 *   2. Every block instance gets an origins entry: for each key, where the
 *      value came from (file, --set, preset, built-in, inherited, derived)
 *      and, while loading, the YAML node that gave it, so a cross check can
 *      point at the exact line. Instances are found by (address, block);
 *      after the walk they are sorted for binary search.
 *   3. Problems never stop the walk: a bad value keeps its default and is
 *      flagged `bad`, so later checks skip what they cannot judge instead of
 *      reporting follow-on noise. A key the file misspelled is not reported
 *      again as missing when the suggestion names it.
 *   4. Phases: walk (types, units, ranges, unknown/duplicate keys, presets)
 *      -> references (systems, callers, brokers, flows, channels) -> derived
 *      and inherited defaults -> subscriber references -> cross checks.
 */
#define _XOPEN_SOURCE 700 /* realpath (XSI): a data file's link followed */

#include "scn_load.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mdl_schedule.h"
#include "mdl_service.h"
#include "scn_csv.h"
#include "scn_override.h"
#include "scn_presets.h"
#include "scn_units.h"
#include "scn_yaml.h"
#include "sim_alloc.h"

/* Items in one list (systems, flows, ...): a landscape has hundreds at most. */
#define LIST_MAX 10000

/* ---- diagnostics ---------------------------------------------------------- */

void scn_diag_init(scn_diag *d)
{
    memset(d, 0, sizeof *d);
}

void scn_diag_fini(scn_diag *d)
{
    if (!d)
        return;
    sim_free(d->items);
    memset(d, 0, sizeof *d);
}

int scn_diag_add(scn_diag *d, const sim_err *e)
{
    if (d->count >= SCN_DIAG_MAX) {
        d->truncated = 1;
        return e->code;
    }
    if (d->count == d->cap) {
        int cap = d->cap ? 2 * d->cap : 8;
        sim_err *v = sim_reallocarray(d->items, (size_t)cap, sizeof *v);
        if (!v)
            return SIM_ENOMEM;
        d->items = v;
        d->cap = cap;
    }
    d->items[d->count++] = *e;
    return e->code;
}

static int before(const sim_err *a, const sim_err *b)
{
    if ((a->line > 0) != (b->line > 0))
        return a->line > 0;
    if (a->line != b->line)
        return a->line < b->line;
    return a->column < b->column;
}

void scn_diag_sort(scn_diag *d)
{
    for (int i = 1; i < d->count; i++) { /* insertion sort: stable, n <= SCN_DIAG_MAX */
        sim_err e = d->items[i];
        int j = i;
        while (j > 0 && before(&e, &d->items[j - 1])) {
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = e;
    }
}

char *scn_diag_format(const sim_err *e, char *buf, size_t n)
{
    if (e->line > 0)
        snprintf(buf, n, "%s:%d:%d: %s", e->file, e->line, e->column, e->msg);
    else if (e->file[0])
        snprintf(buf, n, "%s: %s", e->file, e->msg);
    else
        snprintf(buf, n, "%s", e->msg);
    return buf;
}

/* ---- origins -------------------------------------------------------------- */

typedef struct inst {
    const void *base;
    const scn_block *b;
    scn_origin *keys;       /* b->nkeys */
    const scn_node **nodes; /* the value node of each key given (while loading) */
    unsigned char *bad;     /* the key's value was refused (while loading) */
    const scn_node *where;  /* the block's mapping, or the nearest ancestor's */
    const char *who;        /* "flow 'F-001'", for messages (while loading) */
} inst;

struct scn_origins {
    inst *v;
    int n, cap;
    int sorted; /* v[0..sorted) is sorted by (base, b) */
};

static int inst_cmp(const void *x, const void *y)
{
    const inst *a = x, *b = y;
    uintptr_t pa = (uintptr_t)a->base, pb = (uintptr_t)b->base;
    if (pa != pb)
        return pa < pb ? -1 : 1;
    uintptr_t ba = (uintptr_t)a->b, bb = (uintptr_t)b->b;
    return ba < bb ? -1 : ba > bb;
}

static inst *find_inst(const scn_origins *o, const scn_block *b, const void *base)
{
    inst key = {.base = base, .b = b};
    inst *hit = o->sorted ? bsearch(&key, o->v, (size_t)o->sorted, sizeof *o->v, inst_cmp) : NULL;
    if (hit)
        return hit;
    for (int i = o->n - 1; i >= o->sorted; i--)
        if (o->v[i].base == base && o->v[i].b == b)
            return &o->v[i];
    return NULL;
}

const scn_origin *scn_origins_get(const scn_origins *o, const scn_block *b, const void *base,
                                  int key_index)
{
    if (!o || key_index < 0 || key_index >= b->nkeys)
        return NULL;
    const inst *in = find_inst(o, b, base);
    return in ? &in->keys[key_index] : NULL;
}

static void free_load_state(scn_origins *o)
{
    for (int i = 0; i < o->n; i++) {
        sim_free(o->v[i].nodes);
        sim_free(o->v[i].bad);
        o->v[i].nodes = NULL;
        o->v[i].bad = NULL;
        o->v[i].where = NULL;
        o->v[i].who = NULL;
    }
}

void scn_origins_destroy(scn_origins *o)
{
    if (!o)
        return;
    free_load_state(o);
    for (int i = 0; i < o->n; i++)
        sim_free(o->v[i].keys);
    sim_free(o->v);
    sim_free(o);
}

static void sort_insts(scn_origins *o)
{
    if (o->n > 1)
        qsort(o->v, (size_t)o->n, sizeof *o->v, inst_cmp);
    o->sorted = o->n;
}

/* ---- the loader ----------------------------------------------------------- */

typedef struct pending {
    char *id;   /* the REF field */
    int *index; /* its index field */
    scn_ref kind;
    const char *key; /* the key name */
    const scn_node *node;
    void *base; /* the struct holding it (a fault for SCN_REF_SUBSCRIBER) */
} pending;

typedef struct loader {
    const char *name; /* file name for problems without a node */
    scn_tree *tree;
    scn_diag *diag;
    scn_diag *warn;       /* NULL: warnings are not wanted */
    const char *data_dir; /* scn_load_opts.data_dir */
    scn_origins *o;
    mdl_scenario *sc;
    pending *refs;
    int nrefs, caprefs;
    int nomem;
} loader;

/* Adds one message at node n (NULL: the file, no position) to d. */
static void note(loader *L, scn_diag *d, int code, const scn_node *n, const char *fmt, va_list ap)
    SIM_PRINTF(5, 0);

static void note(loader *L, scn_diag *d, int code, const scn_node *n, const char *fmt, va_list ap)
{
    sim_err e;
    sim_err_setv(&e, code, n ? n->src : L->name, n ? n->line : 0, n ? n->column : 0, fmt, ap);
    if (scn_diag_add(d, &e) == SIM_ENOMEM)
        L->nomem = 1;
}

static void problem(loader *L, const scn_node *n, const char *fmt, ...) SIM_PRINTF(3, 4);

static void problem(loader *L, const scn_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note(L, L->diag, SIM_EPARSE, n, fmt, ap);
    va_end(ap);
}

static void warning(loader *L, const scn_node *n, const char *fmt, ...) SIM_PRINTF(3, 4);

/* A value that is valid but probably a mistake: reported, never fatal. */
static void warning(loader *L, const scn_node *n, const char *fmt, ...)
{
    if (!L->warn)
        return;
    va_list ap;
    va_start(ap, fmt);
    note(L, L->warn, SIM_OK, n, fmt, ap);
    va_end(ap);
}

static void out_of_memory(loader *L)
{
    L->nomem = 1;
}

/* A string kept for the duration of the load (in the tree's arena). */
static const char *keep(loader *L, const char *fmt, ...) SIM_PRINTF(2, 3);

static const char *keep(loader *L, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    const char *s = scn_tree_strdup(L->tree, buf);
    if (!s) {
        out_of_memory(L);
        return "?";
    }
    return s;
}

static int new_inst(loader *L, const scn_block *b, const void *base, const scn_node *where,
                    const char *who)
{
    scn_origins *o = L->o;
    if (o->n == o->cap) {
        int cap = o->cap ? 2 * o->cap : 64;
        inst *v = sim_reallocarray(o->v, (size_t)cap, sizeof *v);
        if (!v) {
            out_of_memory(L);
            return -1;
        }
        o->v = v;
        o->cap = cap;
    }
    inst *in = &o->v[o->n];
    memset(in, 0, sizeof *in);
    in->keys = sim_calloc((size_t)b->nkeys, sizeof *in->keys);
    in->nodes = sim_calloc((size_t)b->nkeys, sizeof *in->nodes);
    in->bad = sim_calloc((size_t)b->nkeys, 1);
    if (!in->keys || !in->nodes || !in->bad) {
        sim_free(in->keys);
        sim_free(in->nodes);
        sim_free(in->bad);
        out_of_memory(L);
        return -1;
    }
    in->base = base;
    in->b = b;
    in->where = where;
    in->who = who;
    return o->n++;
}

static const char *kind_text(const scn_node *n)
{
    return n->kind == SCN_NODE_MAP ? "a mapping" : n->kind == SCN_NODE_SEQ ? "a list" : "a value";
}

static int is_null(const scn_node *n)
{
    return n && n->kind == SCN_NODE_SCALAR && n->len == 0 && !n->quoted;
}

/* "in flow 'F-001' realtime.breaker", "at the top level". */
static const char *where_text(loader *L, const char *who, const char *rel)
{
    if (!who)
        return rel && rel[0] ? keep(L, "in %s", rel) : "at the top level";
    return rel && rel[0] ? keep(L, "in %s %s", who, rel) : keep(L, "in %s", who);
}

static void add_ref(loader *L, const scn_key *k, void *base, const scn_node *node)
{
    char *id = (char *)base + k->off;
    if (!id[0] || (k->ref == SCN_REF_CHANNEL && !strcmp(id, "platform")))
        return;
    if (L->nrefs == L->caprefs) {
        int cap = L->caprefs ? 2 * L->caprefs : 64;
        pending *v = sim_reallocarray(L->refs, (size_t)cap, sizeof *v);
        if (!v) {
            out_of_memory(L);
            return;
        }
        L->refs = v;
        L->caprefs = cap;
    }
    L->refs[L->nrefs++] = (pending){.id = id,
                                    .index = (int *)((char *)base + k->off2),
                                    .kind = k->ref,
                                    .key = k->name,
                                    .node = node,
                                    .base = base};
}

static int load_block(loader *L, const scn_block *b, void *base, const scn_node *map,
                      const scn_node *where, const char *who, const char *rel);

/* A scalar value of key k from node v. Returns SIM_OK or reports. */
static int load_value(loader *L, const scn_key *k, void *base, const scn_node *v)
{
    sim_err err;
    sim_err_clear(&err);
    int rc;
    if (v->kind == SCN_NODE_SEQ &&
        (k->type == SCN_T_SHAPE24 || k->type == SCN_T_SHAPE7 || k->type == SCN_T_STRLIST)) {
        const char *items[64];
        if (v->n > 64) {
            problem(L, v, "%s: a list of %d items is too long", k->name, v->n);
            return SIM_EPARSE;
        }
        for (int i = 0; i < v->n; i++) {
            if (v->kids[i]->kind != SCN_NODE_SCALAR) {
                problem(L, v->kids[i], "%s: item %d must be a value, got %s", k->name, i + 1,
                        kind_text(v->kids[i]));
                return SIM_EPARSE;
            }
            items[i] = v->kids[i]->text;
        }
        rc = scn_value_parse_list(k, items, v->n, base, &err);
    } else if (v->kind != SCN_NODE_SCALAR) {
        problem(L, v, "%s must be %s, got %s", k->name, scn_type_describe(k), kind_text(v));
        return SIM_EPARSE;
    } else if (is_null(v)) {
        if (k->type == SCN_T_STRLIST)
            return scn_value_parse_list(k, NULL, 0, base, &err);
        problem(L, v, "%s has no value (expected %s)", k->name, scn_type_describe(k));
        return SIM_EPARSE;
    } else {
        rc = scn_value_parse(k, v->text, base, &err);
    }
    if (rc == SIM_ENOMEM) {
        out_of_memory(L);
        return rc;
    }
    if (rc != SIM_OK) {
        problem(L, v, "%s", err.msg);
        return rc;
    }
    if (k->type == SCN_T_REF)
        add_ref(L, k, base, v);
    return SIM_OK;
}

static void check_duplicate_ids(loader *L, const scn_block *eb, const scn_node *seq, char *arr)
{
    const scn_key *idk = scn_schema_key(eb, "id", NULL);
    if (!idk || !(idk->flags & SCN_REQUIRED))
        return;
    for (int i = 0; i < seq->n; i++) {
        const char *id = arr + (size_t)i * eb->size + idk->off;
        if (!id[0])
            continue;
        for (int j = 0; j < i; j++) {
            if (!strcmp(id, arr + (size_t)j * eb->size + idk->off)) {
                const scn_node *first = scn_map_get(seq->kids[j], "id");
                const scn_node *dup = scn_map_get(seq->kids[i], "id");
                if (first && first->line > 0)
                    problem(L, dup, "duplicate %s id '%s' (first defined at line %d)", eb->label,
                            id, first->line);
                else
                    problem(L, dup, "duplicate %s id '%s'", eb->label, id);
                break;
            }
        }
    }
}

static void load_list(loader *L, const scn_key *k, void *base, const scn_node *v, const char *who)
{
    const scn_block *eb = k->aux;
    void **field = (void **)((char *)base + k->off);
    int *count = (int *)((char *)base + k->off2);
    if (is_null(v))
        return;
    if (v->kind != SCN_NODE_SEQ) {
        problem(L, v, "%s must be %s, got %s", k->name, scn_type_describe(k), kind_text(v));
        return;
    }
    if (v->n > LIST_MAX) {
        problem(L, v, "%s: more than %d items", k->name, LIST_MAX);
        return;
    }
    if (v->n == 0)
        return;
    char *arr = sim_calloc((size_t)v->n, eb->size);
    if (!arr) {
        out_of_memory(L);
        return;
    }
    for (int i = 0; i < v->n; i++)
        eb->init(arr + (size_t)i * eb->size);
    *field = arr;
    *count = v->n;
    for (int i = 0; i < v->n; i++) {
        const scn_node *item = v->kids[i];
        const scn_node *id = item->kind == SCN_NODE_MAP ? scn_map_get(item, "id") : NULL;
        const char *me;
        if (id && id->kind == SCN_NODE_SCALAR && id->len && id->len < 64)
            me = who ? keep(L, "%s '%s' of %s", eb->label, id->text, who)
                     : keep(L, "%s '%s'", eb->label, id->text);
        else
            me = who ? keep(L, "%s #%d of %s", eb->label, i + 1, who)
                     : keep(L, "%s #%d", eb->label, i + 1);
        if (item->kind != SCN_NODE_MAP) {
            problem(L, item, "%s must be a mapping of keys, got %s", me, kind_text(item));
            continue;
        }
        load_block(L, eb, arr + (size_t)i * eb->size, item, item, me, "");
    }
    check_duplicate_ids(L, eb, v, arr);
}

static void apply_preset(loader *L, const scn_block *b, void *base, const scn_preset *p)
{
    for (int i = 0; i < p->nvalues; i++) {
        const scn_block *owner;
        size_t off;
        const scn_key *k = scn_schema_path(b, p->values[i].path, &owner, &off);
        int idx;
        inst *in = k ? find_inst(L->o, owner, (char *)base + off) : NULL;
        if (!in || !scn_schema_key(owner, k->name, &idx)) {
            problem(L, NULL, "internal error: preset %s names unknown key %s", p->name,
                    p->values[i].path);
            continue;
        }
        if (in->keys[idx].from != SCN_FROM_BUILTIN)
            continue;
        sim_err err;
        int rc = scn_value_parse(k, p->values[i].value, (char *)base + off, &err);
        if (rc == SIM_ENOMEM) {
            out_of_memory(L);
            continue;
        }
        if (rc != SIM_OK) {
            problem(L, NULL, "internal error: preset %s %s: %s", p->name, p->values[i].path,
                    err.msg);
            continue;
        }
        in->keys[idx] = (scn_origin){SCN_FROM_PRESET, p->values[i].source, p->values[i].unknown};
    }
}

static int load_block(loader *L, const scn_block *b, void *base, const scn_node *map,
                      const scn_node *where, const char *who, const char *rel)
{
    if (is_null(map))
        map = NULL;
    int ii = new_inst(L, b, base, map ? map : where, who);
    if (ii < 0)
        return -1;
    if (map && map->kind != SCN_NODE_MAP) {
        problem(L, map, "%s must be a mapping of keys, got %s",
                rel && rel[0] ? rel : (who ? who : "the scenario"), kind_text(map));
        map = NULL;
    }
    const char *suggested[64];
    int nsuggested = 0;
    const char *names[64];
    for (int i = 0; i < b->nkeys && i < 64; i++)
        names[i] = b->keys[i].name;

    for (int p = 0; map && p < map->n; p++) {
        const scn_node *kn = map->kids[2 * p], *v = map->kids[2 * p + 1];
        int idx;
        const scn_key *k = scn_schema_key(b, kn->text, &idx);
        if (!k) {
            const char *s = scn_suggest(kn->text, names, b->nkeys);
            if (s) {
                if (nsuggested < 64)
                    suggested[nsuggested++] = s;
                problem(L, kn, "unknown key '%s' %s (did you mean '%s'?)", kn->text,
                        where_text(L, who, rel), s);
            } else {
                problem(L, kn, "unknown key '%s' %s", kn->text, where_text(L, who, rel));
            }
            continue;
        }
        inst *in = &L->o->v[ii];
        if (in->nodes[idx]) {
            const scn_node *first = in->nodes[idx];
            if (first->line > 0)
                problem(L, kn, "duplicate key '%s' %s (first at line %d)", kn->text,
                        where_text(L, who, rel), first->line);
            else
                problem(L, kn, "duplicate key '%s' %s", kn->text, where_text(L, who, rel));
            continue;
        }
        in->nodes[idx] = v;
        in->keys[idx].from = v->from_set || kn->from_set ? SCN_FROM_SET : SCN_FROM_FILE;
        const char *sub = rel && rel[0] ? keep(L, "%s.%s", rel, k->name) : k->name;
        if (k->type == SCN_T_BLOCK) {
            load_block(L, k->aux, (char *)base + k->off, v, v, who, sub);
        } else if (k->type == SCN_T_LIST) {
            load_list(L, k, base, v, who);
        } else if (load_value(L, k, base, v) != SIM_OK) {
            L->o->v[ii].bad[idx] = 1;
        }
    }

    /* Blocks the file leaves out still get their entries (and presets). */
    for (int i = 0; i < b->nkeys; i++) {
        const scn_key *k = &b->keys[i];
        if (k->type == SCN_T_BLOCK && !L->o->v[ii].nodes[i]) {
            const char *sub = rel && rel[0] ? keep(L, "%s.%s", rel, k->name) : k->name;
            load_block(L, k->aux, (char *)base + k->off, NULL, map ? map : where, who, sub);
        }
    }
    for (int i = 0; i < b->nkeys; i++) {
        const scn_key *k = &b->keys[i];
        if (!(k->flags & SCN_REQUIRED) || L->o->v[ii].nodes[i])
            continue;
        int was_suggested = 0;
        for (int j = 0; j < nsuggested; j++)
            was_suggested |= !strcmp(suggested[j], k->name);
        if (!was_suggested)
            problem(L, map ? map : where, "missing required key '%s' %s", k->name,
                    where_text(L, who, rel));
    }
    if (b->preset_key) {
        const scn_key *pk = scn_schema_key(b, b->preset_key, NULL);
        const char *value = mdl_spec_name(pk->aux, *(int *)((char *)base + pk->off));
        const scn_preset *p = scn_preset_find(b->name, value);
        if (p)
            apply_preset(L, b, base, p);
    }
    return ii;
}

/* ---- phase 1: references ------------------------------------------------- */

static int ids_of(const mdl_scenario *sc, scn_ref kind, const char **out, int max)
{
    int n = 0;
    switch (kind) {
    case SCN_REF_SYSTEM:
        for (int i = 0; i < sc->nsystems && n < max; i++)
            out[n++] = sc->systems[i].id;
        break;
    case SCN_REF_CALLER:
        for (int i = 0; i < sc->ncallers && n < max; i++)
            out[n++] = sc->callers[i].id;
        break;
    case SCN_REF_BROKER:
    case SCN_REF_CHANNEL:
        for (int i = 0; i < sc->nbrokers && n < max; i++)
            out[n++] = sc->brokers[i].id;
        break;
    case SCN_REF_FLOW:
        for (int i = 0; i < sc->nflows && n < max; i++)
            out[n++] = sc->flows[i].id;
        break;
    default:
        break;
    }
    return n;
}

static const char *ref_noun(scn_ref kind)
{
    switch (kind) {
    case SCN_REF_SYSTEM:
        return "system";
    case SCN_REF_CALLER:
        return "caller";
    case SCN_REF_BROKER:
    case SCN_REF_CHANNEL:
        return "broker";
    case SCN_REF_FLOW:
        return "flow";
    default:
        return "subscriber";
    }
}

static void unresolved(loader *L, const pending *r, const char **ids, int n)
{
    const char *s = scn_suggest(r->id, ids, n);
    const char *extra = r->kind == SCN_REF_CHANNEL ? " (or platform)" : "";
    if (s)
        problem(L, r->node, "%s '%s' is not a defined %s%s (did you mean '%s'?)", r->key, r->id,
                ref_noun(r->kind), extra, s);
    else if (n == 0)
        problem(L, r->node, "%s '%s' is not a defined %s%s: the scenario has no %ss", r->key, r->id,
                ref_noun(r->kind), extra, ref_noun(r->kind));
    else
        problem(L, r->node, "%s '%s' is not a defined %s%s", r->key, r->id, ref_noun(r->kind),
                extra);
}

static void resolve_refs(loader *L, int subscribers)
{
    const mdl_scenario *sc = L->sc;
    for (int i = 0; i < L->nrefs; i++) {
        pending *r = &L->refs[i];
        if ((r->kind == SCN_REF_SUBSCRIBER) != subscribers)
            continue;
        int idx = -1;
        if (r->kind == SCN_REF_SUBSCRIBER) {
            mdl_fault_spec *f = r->base;
            if (f->flow_index < 0)
                continue; /* reported with the flow, or checked with the fault kind */
            const mdl_event_spec *e = &sc->flows[f->flow_index].event;
            const char *ids[LIST_MAX > 256 ? 256 : LIST_MAX];
            int n = 0;
            for (int j = 0; j < e->nsubscribers; j++) {
                if (!strcmp(e->subscribers[j].id, r->id))
                    idx = j;
                if (n < 256)
                    ids[n++] = e->subscribers[j].id;
            }
            if (idx < 0) {
                const char *s = scn_suggest(r->id, ids, n);
                problem(L, r->node, "subscriber '%s' is not a subscriber of flow '%s'%s%s%s", r->id,
                        f->flow, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
            }
            *r->index = idx;
            continue;
        }
        switch (r->kind) {
        case SCN_REF_SYSTEM:
            idx = mdl_scenario_system_index(sc, r->id);
            break;
        case SCN_REF_CALLER:
            idx = mdl_scenario_caller_index(sc, r->id);
            break;
        case SCN_REF_BROKER:
        case SCN_REF_CHANNEL:
            idx = mdl_scenario_broker_index(sc, r->id);
            break;
        case SCN_REF_FLOW:
            idx = mdl_scenario_flow_index(sc, r->id);
            break;
        default:
            break;
        }
        if (idx < 0) {
            const char *ids[256];
            unresolved(L, r, ids, ids_of(sc, r->kind, ids, 256));
        }
        *r->index = idx;
    }
}

/* ---- phase 2: derived and inherited defaults ------------------------------ */

static scn_origin *origin_of(loader *L, const scn_block *b, const void *base, const char *key,
                             inst **in_out, int *idx_out)
{
    int idx;
    inst *in = find_inst(L->o, b, base);
    if (!in || !scn_schema_key(b, key, &idx))
        return NULL;
    if (in_out)
        *in_out = in;
    if (idx_out)
        *idx_out = idx;
    return &in->keys[idx];
}

/* The node to point at for key of the block instance: the key's own value
 * when given, else the block's mapping or its nearest ancestor. */
static const scn_node *node_of(loader *L, const scn_block *b, const void *base, const char *key)
{
    inst *in;
    int idx;
    if (!origin_of(L, b, base, key, &in, &idx))
        return NULL;
    return in->nodes[idx] ? in->nodes[idx] : in->where;
}

static int is_bad(loader *L, const scn_block *b, const void *base, const char *key)
{
    inst *in;
    int idx;
    return origin_of(L, b, base, key, &in, &idx) && in->bad[idx];
}

static int is_default(loader *L, const scn_block *b, const void *base, const char *key)
{
    scn_origin *o = origin_of(L, b, base, key, NULL, NULL);
    return o && o->from == SCN_FROM_BUILTIN;
}

static void set_from(loader *L, const scn_block *b, const void *base, const char *key, scn_from f)
{
    scn_origin *o = origin_of(L, b, base, key, NULL, NULL);
    if (o)
        *o = (scn_origin){f, NULL, 0};
}

static const scn_block *block_at(const char *path)
{
    const scn_block *b = scn_schema_root();
    const char *p = path;
    while (*p) {
        char name[32];
        size_t n = strcspn(p, ".");
        snprintf(name, sizeof name, "%.*s", (int)n, p);
        const scn_key *k = scn_schema_key(b, name, NULL);
        if (!k || (k->type != SCN_T_BLOCK && k->type != SCN_T_LIST))
            return NULL;
        b = k->aux;
        p += n;
        if (*p == '.')
            p++;
    }
    return b;
}

static size_t type_size(scn_type t)
{
    switch (t) {
    case SCN_T_DURATION:
    case SCN_T_UTC:
        return sizeof(sim_time);
    case SCN_T_DATE:
        return sizeof(int64_t);
    case SCN_T_INT:
    case SCN_T_BOOL:
    case SCN_T_ENUM:
        return sizeof(int);
    case SCN_T_RATE:
    case SCN_T_COUNT:
    case SCN_T_PERCENT:
    case SCN_T_GROWTH:
    case SCN_T_MULT:
    case SCN_T_SIZE:
        return sizeof(double);
    default:
        return 0;
    }
}

/* Copies every defaulted key with `inherit` in block b (and its sub-blocks)
 * from the system sys. */
static void inherit_from(loader *L, const scn_block *b, void *base, const mdl_system_spec *sys)
{
    const scn_block *sysb = block_at("systems");
    for (int i = 0; i < b->nkeys; i++) {
        const scn_key *k = &b->keys[i];
        if (k->type == SCN_T_BLOCK) {
            inherit_from(L, k->aux, (char *)base + k->off, sys);
            continue;
        }
        if (!k->inherit || !is_default(L, b, base, k->name))
            continue;
        const scn_block *owner;
        size_t off;
        const scn_key *sk = scn_schema_path(sysb, k->inherit, &owner, &off);
        size_t n = type_size(k->type);
        if (!sk || sk->type != k->type || n == 0) {
            problem(L, NULL, "internal error: %s inherits unknown %s", k->name, k->inherit);
            continue;
        }
        memcpy((char *)base + k->off, (const char *)sys + off + sk->off, n);
        set_from(L, b, base, k->name, SCN_FROM_INHERIT);
    }
}

static void default_subscriber(loader *L, mdl_flow_spec *f, const scn_block *sb)
{
    mdl_subscriber_spec *s = sim_calloc(1, sizeof *s);
    if (!s) {
        out_of_memory(L);
        return;
    }
    mdl_subscriber_spec_init(s);
    snprintf(s->id, sizeof s->id, "%s", f->target[0] ? f->target : "subscriber");
    f->event.subscribers = s;
    f->event.nsubscribers = 1;
    const scn_block *eb = block_at("flows.event");
    inst *fin = find_inst(L->o, eb, &f->event);
    const scn_node *where = fin ? fin->where : NULL;
    const char *who = keep(L, "subscriber '%s' of flow '%s'", s->id, f->id);
    if (new_inst(L, sb, s, where, who) < 0)
        return;
    set_from(L, sb, s, "id", SCN_FROM_DERIVED);
}

/* A key written in the file or set by --set (not a default). */
static int given(loader *L, const scn_block *b, const void *base, const char *key)
{
    scn_origin *o = origin_of(L, b, base, key, NULL, NULL);
    return o && (o->from == SCN_FROM_FILE || o->from == SCN_FROM_SET);
}

/* Derives a service's mean and cv from its lognormal (mdl_service.h). */
static void derive_service(loader *L, const scn_block *b, mdl_service_spec *s)
{
    int mean = is_default(L, b, s, "mean"), cv = is_default(L, b, s, "cv");
    if (mean)
        s->mean = 0;
    if (cv)
        s->cv = -1.0;
    mdl_service_spec_derive(s);
    if (mean)
        set_from(L, b, s, "mean", SCN_FROM_DERIVED);
    if (cv)
        set_from(L, b, s, "cv", SCN_FROM_DERIVED);
}

/* start_date and first_weekday describe the same day 0: each is derived
 * from the other when not given, and they must agree when both are. */
static void derive_calendar(loader *L)
{
    mdl_scenario *sc = L->sc;
    const scn_block *root = scn_schema_root();
    if (is_bad(L, root, sc, "start_date") || is_bad(L, root, sc, "first_weekday"))
        return;
    if (given(L, root, sc, "start_date")) {
        int wd = mdl_weekday_of_epoch_day(sc->start_day);
        if (given(L, root, sc, "first_weekday") && (int)sc->first_weekday != wd) {
            char d[32];
            const scn_key *k = scn_schema_key(root, "start_date", NULL);
            problem(L, node_of(L, root, sc, "first_weekday"),
                    "first_weekday %s disagrees with start_date %s, a %s (give one of them)",
                    mdl_spec_weekday_names[sc->first_weekday], scn_value_format(k, sc, d, sizeof d),
                    mdl_spec_weekday_names[wd]);
        } else if (!given(L, root, sc, "first_weekday")) {
            sc->first_weekday = (mdl_spec_weekday)wd;
            set_from(L, root, sc, "first_weekday", SCN_FROM_DERIVED);
        }
        return;
    }
    /* 2024-01-01 was a Monday (weekday 0). */
    sc->start_day = mdl_days_from_civil(2024, 1, 1) + (int)sc->first_weekday;
    set_from(L, root, sc, "start_date", SCN_FROM_DERIVED);
}

static void derive(loader *L)
{
    mdl_scenario *sc = L->sc;
    const scn_block *asb = block_at("systems.api.service");
    derive_calendar(L);
    const scn_block *psb = block_at("flows.event.subscribers.processing");
    for (int i = 0; i < sc->nsystems; i++) {
        mdl_api_spec *a = &sc->systems[i].api;
        a->service.p50 = a->latency_p50; /* the api's lognormal */
        a->service.p95 = a->latency_p95;
        derive_service(L, asb, &a->service);
    }
    const scn_block *fb = block_at("flows"), *eb = block_at("flows.event");
    const scn_block *db = block_at("flows.decision"), *bb = block_at("flows.batch");
    const scn_block *sb = block_at("flows.event.subscribers");
    const scn_block *brb = block_at("flows.realtime.breaker");
    for (int i = 0; i < sc->nflows; i++) {
        mdl_flow_spec *f = &sc->flows[i];
        /* One probe decides for the card's pure consecutive rule (opossum,
         * REFERENCE.md G2); resilience4j's 10 otherwise (G1). */
        mdl_breaker_spec *br = &f->realtime.breaker;
        if (is_default(L, brb, br, "half_open_calls")) {
            br->half_open_calls = br->window_type == MDL_SPEC_BREAKER_NONE ? 1 : 10;
            set_from(L, brb, br, "half_open_calls", SCN_FROM_DERIVED);
        }
        if (is_default(L, eb, &f->event, "topic")) {
            snprintf(f->event.topic, sizeof f->event.topic, "%s", f->id);
            set_from(L, eb, &f->event, "topic", SCN_FROM_DERIVED);
        }
        if (is_default(L, eb, &f->event, "partitions")) {
            int bi = f->event.broker_index;
            f->event.partitions = bi >= 0 ? sc->brokers[bi].partitions : 1;
            set_from(L, eb, &f->event, "partitions", SCN_FROM_DERIVED);
        }
        if (f->event.nsubscribers == 0 && is_default(L, eb, &f->event, "subscribers"))
            default_subscriber(L, f, sb);
        for (int j = 0; j < f->event.nsubscribers; j++) {
            mdl_subscriber_spec *s = &f->event.subscribers[j];
            if (is_default(L, sb, s, "target") || !find_inst(L->o, sb, s)) {
                snprintf(s->target, sizeof s->target, "%s", f->target);
                s->target_index = f->target_index;
                set_from(L, sb, s, "target", SCN_FROM_DERIVED);
            }
            if (is_default(L, sb, s, "object") || !find_inst(L->o, sb, s)) {
                snprintf(s->object, sizeof s->object, "%s", f->object);
                set_from(L, sb, s, "object", SCN_FROM_DERIVED);
            }
        }
        if (is_default(L, db, &f->decision, "bidirectional")) {
            f->decision.bidirectional = f->direction == MDL_SPEC_DIR_BIDIRECTIONAL;
            set_from(L, db, &f->decision, "bidirectional", SCN_FROM_DERIVED);
        }
        /* "nightly" for a batch: applied by the end of the next night's run,
         * i.e. a change made just after a run starts waits a day for the
         * next one, which may take its whole window. */
        if (f->slo_nightly)
            f->latency_slo = SIM_DAY + (f->pattern == MDL_SPEC_PATTERN_BATCH ? f->batch.window : 0);
        if (f->target_index >= 0) {
            const mdl_system_spec *t = &sc->systems[f->target_index];
            if (is_default(L, bb, &f->batch, "api")) {
                f->batch.api = t->bulk.enabled ? MDL_SPEC_API_BULK : MDL_SPEC_API_REST;
                set_from(L, bb, &f->batch, "api", SCN_FROM_DERIVED);
            }
            if (f->source_index >= 0 && is_default(L, bb, &f->batch, "extract")) {
                const mdl_system_spec *src = &sc->systems[f->source_index];
                f->batch.extract = src->bulk.enabled  ? MDL_SPEC_EXTRACT_BULK
                                   : src->api.enabled ? MDL_SPEC_EXTRACT_REST
                                                      : MDL_SPEC_EXTRACT_NONE;
                set_from(L, bb, &f->batch, "extract", SCN_FROM_DERIVED);
            }
            inherit_from(L, fb, f, t);
        }
    }
    /* After the flows: their default subscribers exist by now. */
    for (int i = 0; i < sc->nflows; i++)
        for (int j = 0; j < sc->flows[i].event.nsubscribers; j++)
            derive_service(L, psb, &sc->flows[i].event.subscribers[j].processing);
    const scn_block *xb = block_at("faults");
    for (int i = 0; i < sc->nfaults; i++) {
        mdl_fault_spec *x = &sc->faults[i];
        if (is_default(L, xb, x, "id")) {
            snprintf(x->id, sizeof x->id, "fault-%d", i + 1);
            set_from(L, xb, x, "id", SCN_FROM_DERIVED);
        }
        if (is_default(L, xb, x, "cdc")) {
            /* A load's writes publish change events when CDC is on for what
             * it writes: its object is one of the system's CDC objects, or
             * it does not say and the system has some. */
            const mdl_events_spec *ev =
                x->system_index >= 0 ? &sc->systems[x->system_index].events : NULL;
            int on = ev && ev->enabled && ev->ncdc_objects > 0 && !(x->object && x->object[0]);
            for (int k = 0; ev && x->object && x->object[0] && k < ev->ncdc_objects; k++)
                on |= !strcmp(ev->cdc_objects[k], x->object);
            x->cdc = on;
            set_from(L, xb, x, "cdc", SCN_FROM_DERIVED);
        }
        if (x->kind == MDL_SPEC_FAULT_SUBSCRIBER_OFFLINE && x->flow_index >= 0 &&
            is_default(L, xb, x, "subscriber")) {
            const mdl_event_spec *e = &sc->flows[x->flow_index].event;
            if (e->nsubscribers > 0) {
                snprintf(x->subscriber, sizeof x->subscriber, "%s", e->subscribers[0].id);
                x->subscriber_index = 0;
                set_from(L, xb, x, "subscriber", SCN_FROM_DERIVED);
            }
        }
    }
    for (int i = 0; i < sc->nfaults; i++) {
        for (int j = 0; j < i; j++) {
            if (!strcmp(sc->faults[i].id, sc->faults[j].id)) {
                problem(L, node_of(L, xb, &sc->faults[i], "id"), "duplicate fault id '%s'",
                        sc->faults[i].id);
                break;
            }
        }
    }
}

/* ---- phase 4: cross checks ------------------------------------------------ */

static void check_fault(loader *L, const mdl_fault_spec *x)
{
    const scn_block *xb = block_at("faults");
    if (is_bad(L, xb, x, "kind"))
        return;
    const char *kind = mdl_spec_fault_kind_names[x->kind];
    inst *in = find_inst(L->o, xb, x);
    if (!in)
        return;
    for (int i = 0; i < xb->nkeys; i++) {
        const char *name = xb->keys[i].name;
        if (!in->nodes[i] || xb->applies(x, name))
            continue;
        const scn_node *kn = in->nodes[i];
        char takes[256];
        size_t t = 0;
        for (const char *c = scn_fault_keys(x->kind, 0); *c && t + 3 < sizeof takes; c++) {
            if (*c == ' ') {
                takes[t++] = ',';
                takes[t++] = ' ';
            } else {
                takes[t++] = *c;
            }
        }
        takes[t] = '\0';
        problem(L, kn, "%s does not apply to a fault of kind %s (it takes: start, %s)", name, kind,
                takes);
    }
    for (int i = 0; i < xb->nkeys; i++) {
        const char *name = xb->keys[i].name;
        if (scn_fault_has_key(x->kind, name, 1) && !in->nodes[i])
            problem(L, in->where, "a fault of kind %s needs '%s'", kind, name);
    }
    /* "none" is a valid duration for a bulk load (written at once), not for
     * a window: the models refuse an empty outage or degradation. */
    int di;
    if (scn_fault_has_key(x->kind, "duration", 1) && scn_schema_key(xb, "duration", &di) &&
        in->nodes[di] && !in->bad[di] && x->duration == 0)
        problem(L, in->nodes[di], "a fault of kind %s needs a duration greater than 0, got none",
                kind);
    const mdl_scenario *sc = L->sc;
    if (!x->enabled) /* not injected: what it would need of the flows does not matter */
        return;
    if (x->kind == MDL_SPEC_FAULT_TOKEN_EXPIRY && !x->system[0] && !x->flow[0])
        problem(L, in->where,
                "a fault of kind token-expiry needs 'system' or 'flow' (and "
                "'subscriber')");
    if (x->kind == MDL_SPEC_FAULT_TOKEN_EXPIRY && x->system[0] && x->flow[0])
        problem(L, node_of(L, xb, x, "flow"),
                "a fault of kind token-expiry takes 'system' or 'flow', not both");
    if (x->kind == MDL_SPEC_FAULT_TOKEN_EXPIRY && x->flow[0] && !x->subscriber[0])
        problem(L, in->where, "a token-expiry fault of a flow needs 'subscriber'");
    if ((x->kind == MDL_SPEC_FAULT_SUBSCRIBER_OFFLINE || x->kind == MDL_SPEC_FAULT_TOKEN_EXPIRY) &&
        x->flow_index >= 0 && sc->flows[x->flow_index].pattern != MDL_SPEC_PATTERN_EVENT)
        problem(L, node_of(L, xb, x, "flow"),
                "fault '%s' (%s) needs flow '%s' to be event-driven, but its pattern is %s: keep "
                "the flow event-driven, or leave the fault out (faults.%s.enabled=false, or "
                "--no-faults)",
                x->id, kind, x->flow, mdl_spec_pattern_names[sc->flows[x->flow_index].pattern],
                x->id);
    if (x->kind == MDL_SPEC_FAULT_BULK_LOAD && x->system_index >= 0 &&
        !is_bad(L, block_at("systems"), &sc->systems[x->system_index], "kind") &&
        x->api == MDL_SPEC_API_BULK && !sc->systems[x->system_index].bulk.enabled)
        problem(L, node_of(L, xb, x, "api"),
                "system '%s' has no bulk API (bulk.enabled is false): use api: rest", x->system);
}

/* An endpoint is in one outage and one degradation at a time
 * (models/mdl_endpoint.h): two windows of the same kind on a system must
 * not overlap. */
static void check_fault_overlaps(loader *L)
{
    const mdl_scenario *sc = L->sc;
    const scn_block *xb = block_at("faults");
    for (int j = 0; j < sc->nfaults; j++) {
        const mdl_fault_spec *b = &sc->faults[j];
        if ((b->kind != MDL_SPEC_FAULT_OUTAGE && b->kind != MDL_SPEC_FAULT_DEGRADATION) ||
            b->system_index < 0 || b->duration <= 0)
            continue;
        for (int i = 0; i < j; i++) {
            const mdl_fault_spec *a = &sc->faults[i];
            if (a->kind != b->kind || a->system_index != b->system_index || a->duration <= 0 ||
                !(a->start < b->start + b->duration && b->start < a->start + a->duration))
                continue;
            const char *kind = mdl_spec_fault_kind_names[b->kind];
            char from[32], to[32];
            problem(L, node_of(L, xb, b, "start"),
                    "%s '%s' overlaps %s '%s' (%s to %s) of system '%s': a system has one %s at a "
                    "time (merge them into one window)",
                    kind, b->id, kind, a->id, scn_format_duration(a->start, from, sizeof from),
                    scn_format_duration(a->start + a->duration, to, sizeof to), b->system, kind);
            break;
        }
    }
}

/* Overlapping spikes multiply the rate (models/mdl_arrivals.h): their
 * product is held to the largest multiplier one spike may have, so the
 * rate stays finite. The product is largest at some spike's start. */
static void check_spike_overlaps(loader *L, const mdl_flow_spec *f)
{
    const scn_block *spb = block_at("flows.arrival.spikes");
    const double max = scn_schema_key(spb, "multiplier", NULL)->max;
    const mdl_spike_spec *sp = f->arrival.spikes;
    for (int j = 0; j < f->arrival.nspikes; j++) {
        double product = 1.0;
        for (int i = 0; i < f->arrival.nspikes && product <= max; i++)
            if (sp[i].multiplier > 0 && sp[i].at <= sp[j].at &&
                sp[j].at < sp[i].at + sp[i].duration)
                product *= sp[i].multiplier;
        if (product > max) {
            char at[32], m[32];
            problem(L, node_of(L, spb, &sp[j], "at"),
                    "spikes of flow '%s' that overlap at %s multiply its rate by more than %s, "
                    "the most one spike may",
                    f->id, scn_format_duration(sp[j].at, at, sizeof at),
                    scn_format_multiplier(max, m, sizeof m));
            return;
        }
    }
}

static void check_flow(loader *L, const mdl_flow_spec *f)
{
    const mdl_scenario *sc = L->sc;
    const scn_block *fb = block_at("flows"), *bb = block_at("flows.batch");
    const scn_block *eb = block_at("flows.event"), *sb = block_at("flows.event.subscribers");
    const scn_block *rb = block_at("flows.event.reconciliation");
    const scn_block *retb = block_at("flows.realtime.retries"), *fjb = block_at("flows.file");
    const scn_block *brb = block_at("flows.realtime.breaker");
    const mdl_system_spec *src = f->source_index >= 0 ? &sc->systems[f->source_index] : NULL;
    const mdl_system_spec *dst = f->target_index >= 0 ? &sc->systems[f->target_index] : NULL;
    if (src && dst && src == dst)
        problem(L, node_of(L, fb, f, "target"), "flow '%s' has the same source and target '%s'",
                f->id, f->target);
    /* A system whose kind was refused has no preset: do not judge what it offers. */
    const scn_block *sysb = block_at("systems");
    if (src && is_bad(L, sysb, src, "kind"))
        src = NULL;
    if (dst && is_bad(L, sysb, dst, "kind"))
        dst = NULL;
    if (is_bad(L, fb, f, "pattern"))
        return;
    const scn_node *pat = node_of(L, fb, f, "pattern");
    switch (f->pattern) {
    case MDL_SPEC_PATTERN_REALTIME:
        if (!f->caller[0])
            problem(L, pat,
                    "flow '%s' is realtime but has no caller (add caller: naming one of "
                    "the callers)",
                    f->id);
        if (dst && !dst->api.enabled)
            problem(L, pat,
                    "flow '%s' is realtime but system '%s' has no API (api.enabled is "
                    "false)",
                    f->id, f->target);
        if (f->realtime.retries.base > f->realtime.retries.cap)
            problem(L, node_of(L, retb, &f->realtime.retries, "cap"),
                    "retries cap is shorter than retries base");
        if (f->realtime.breaker.window_type == MDL_SPEC_BREAKER_NONE &&
            f->realtime.breaker.consecutive_failures == 0 &&
            !is_bad(L, brb, &f->realtime.breaker, "consecutive_failures"))
            problem(L, node_of(L, brb, &f->realtime.breaker, "window_type"),
                    "breaker window_type none needs consecutive_failures: it is then the only "
                    "rule that opens the breaker");
        break;
    case MDL_SPEC_PATTERN_EVENT:
        if (f->event.broker_index < 0 && !strcmp(f->event.channel, "platform") && src &&
            !src->events.enabled)
            problem(L, node_of(L, eb, &f->event, "channel"),
                    "flow '%s' publishes on the platform events of system '%s', which has none "
                    "(set events.enabled: true on it, or use a broker as channel)",
                    f->id, f->source);
        if (f->event.nsubscribers == 0)
            problem(L, node_of(L, eb, &f->event, "subscribers"),
                    "flow '%s' is event-driven but has no subscribers", f->id);
        for (int j = 0; j < f->event.nsubscribers; j++) {
            const mdl_subscriber_spec *s = &f->event.subscribers[j];
            if (s->target_index >= 0 && s->apply_via_api &&
                !is_bad(L, sysb, &sc->systems[s->target_index], "kind") &&
                !sc->systems[s->target_index].api.enabled)
                problem(L, node_of(L, sb, s, "apply_via_api"),
                        "subscriber '%s' applies changes through the API of system '%s', which "
                        "has none (api.enabled is false)",
                        s->id, s->target);
        }
        if (f->event.reconciliation.enabled &&
            f->event.reconciliation.schedule.kind == MDL_SCHEDULE_NONE)
            problem(L, node_of(L, rb, &f->event.reconciliation, "schedule"),
                    "reconciliation is enabled but its schedule is none");
        if (f->event.reconciliation.enabled &&
            f->event.reconciliation.compare == MDL_SPEC_SELECTION_FULL && !(f->key_space > 0) &&
            !is_bad(L, rb, &f->event.reconciliation, "compare"))
            problem(L, node_of(L, rb, &f->event.reconciliation, "compare"),
                    "a full reconciliation of flow '%s' compares every record of the object: "
                    "set the flow's key_space (how many records it has), or compare: delta",
                    f->id);
        break;
    case MDL_SPEC_PATTERN_BATCH: {
        const mdl_batch_spec *b = &f->batch;
        if (b->schedule.kind == MDL_SCHEDULE_NONE) {
            problem(L, node_of(L, bb, b, "schedule"),
                    "flow '%s' is batch but its schedule is none: it would never run", f->id);
        } else if (!is_bad(L, bb, b, "schedule") && !is_bad(L, bb, b, "window")) {
            sim_time gap = mdl_schedule_min_gap(&b->schedule);
            if (gap != SIM_TIME_NEVER && b->window > gap) {
                char w[32], g[32], s[64];
                problem(L, node_of(L, bb, b, "window"),
                        "window %s is longer than the %s between runs of '%s'",
                        scn_format_duration(b->window, w, sizeof w),
                        scn_format_duration(gap, g, sizeof g),
                        scn_format_schedule(&b->schedule, s, sizeof s));
            }
        }
        if (b->selection == MDL_SPEC_SELECTION_FULL && b->dataset <= 0)
            problem(L, node_of(L, bb, b, "selection"),
                    "selection full needs dataset (the records in the full dataset)");
        if (dst && b->api == MDL_SPEC_API_BULK && !dst->bulk.enabled)
            problem(L, node_of(L, bb, b, "api"),
                    "flow '%s' uses the bulk API but system '%s' has none (bulk.enabled is false)",
                    f->id, f->target);
        if (dst && b->api == MDL_SPEC_API_REST && !dst->api.enabled)
            problem(L, node_of(L, bb, b, "api"),
                    "flow '%s' uses the REST API but system '%s' has none (api.enabled is false)",
                    f->id, f->target);
        if (src && b->extract == MDL_SPEC_EXTRACT_BULK && !src->bulk.enabled)
            problem(L, node_of(L, bb, b, "extract"),
                    "flow '%s' extracts with bulk query jobs but its source '%s' has no bulk API "
                    "(bulk.enabled is false): use extract: rest or none",
                    f->id, f->source);
        if (src && b->extract == MDL_SPEC_EXTRACT_REST && !src->api.enabled)
            problem(L, node_of(L, bb, b, "extract"),
                    "flow '%s' extracts through the REST API but its source '%s' has none "
                    "(api.enabled is false): use extract: bulk or none",
                    f->id, f->source);
        break;
    }
    case MDL_SPEC_PATTERN_FILE:
        if (dst && !dst->file.enabled)
            problem(L, pat,
                    "flow '%s' is file-based but system '%s' imports no files "
                    "(file.enabled is false)",
                    f->id, f->target);
        if (f->file.schedule.kind == MDL_SCHEDULE_NONE)
            problem(L, node_of(L, fjb, &f->file, "schedule"),
                    "flow '%s' is file-based but its schedule is none: it would never run", f->id);
        break;
    }
    const scn_block *spb = block_at("flows.arrival.spikes");
    for (int j = 0; j < f->arrival.nspikes; j++) {
        const mdl_spike_spec *s = &f->arrival.spikes[j];
        if (s->multiplier == 0 && s->extra == 0 && !is_bad(L, spb, s, "multiplier") &&
            !is_bad(L, spb, s, "extra")) {
            inst *in = find_inst(L->o, spb, s);
            problem(L, in ? in->where : NULL,
                    "spike #%d of flow '%s' needs multiplier (e.g. 5x) or extra (records)", j + 1,
                    f->id);
        }
    }
    check_spike_overlaps(L, f);
}

/* ---- phase 5: service-time distributions and their files ------------------ */

/* 1 when a path has a ".." segment. */
static int climbs(const char *path)
{
    for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
        if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
            return 1;
    return 0;
}

/* The path to read a data file (a trace, measured service times) named at
 * node fn as `file` from, into out[0..n); NULL after adding the problem.
 * Without opts.data_dir it is resolved against the file naming it; with
 * it, it must stay inside that folder (scn_load.h). */
static char *data_path(loader *L, const scn_node *fn, const char *what, const char *file, char *out,
                       size_t n)
{
    const char *dir = L->data_dir;
    if (!dir) {
        if (scn_csv_resolve(fn ? fn->src : L->name, file, out, n))
            return out;
        problem(L, fn, "%s: file path too long", what);
        return NULL;
    }
    if (!dir[0]) {
        problem(L, fn, "%s '%s': data files are not read here (the scenario has no folder)", what,
                file);
        return NULL;
    }
    if (file[0] == '/' || climbs(file)) {
        problem(L, fn,
                "%s '%s': a data file must be a relative path inside the scenario's folder, "
                "without '..'",
                what, file);
        return NULL;
    }
    int len = snprintf(out, n, "%s/%s", dir, file);
    if (len < 0 || (size_t)len >= n) {
        problem(L, fn, "%s: file path too long", what);
        return NULL;
    }
    char real[4096];
    size_t dlen = strlen(dir);
    /* a symbolic link may still point out of the folder: follow it (a file
     * that does not exist is left for the reader to report) */
    if (realpath(out, real) && (strncmp(real, dir, dlen) != 0 || (real[dlen] != '/' && dlen > 1))) {
        problem(L, fn,
                "%s '%s': a data file must be inside the scenario's folder (a link leads out)",
                what, file);
        return NULL;
    }
    return out;
}

/* Checks a service block and reads an empirical distribution's file. who:
 * "system 'erp' api.service" for messages. */
static void check_service(loader *L, const scn_block *b, mdl_service_spec *s, const char *who)
{
    if (is_bad(L, b, s, "distribution"))
        return;
    const char *dist = mdl_spec_distribution_names[s->distribution];
    int own_p50 = scn_schema_key(b, "p50", NULL) != NULL; /* the api's are checked apart */
    char takes[64] = "";
    for (int i = 0; i < b->nkeys; i++) /* the keys of this block it takes */
        if (strcmp(b->keys[i].name, "distribution") && b->applies(s, b->keys[i].name))
            snprintf(takes + strlen(takes), sizeof takes - strlen(takes), "%s%s",
                     takes[0] ? ", " : "", b->keys[i].name);
    for (int i = 0; i < b->nkeys; i++) {
        const char *k = b->keys[i].name;
        if (given(L, b, s, k) && !b->applies(s, k))
            problem(L, node_of(L, b, s, k), "%s does not apply to distribution %s (%s)", k, dist,
                    takes[0] ? keep(L, "it takes: %s", takes)
                    : s->distribution == MDL_SPEC_DIST_LOGNORMAL
                        ? "it is set by the api's latency_p50 and latency_p95"
                        : "it takes no other key");
    }
    const scn_node *at = node_of(L, b, s, "distribution");
    switch (s->distribution) {
    case MDL_SPEC_DIST_LOGNORMAL:
        if (!own_p50)
            break;
        if (s->p50 <= 0)
            problem(L, at, "%s: distribution lognormal needs p50 (and p95)", who);
        else if (s->p95 > 0 && s->p95 < s->p50)
            problem(L, node_of(L, b, s, "p95"), "%s: p95 is shorter than p50", who);
        break;
    case MDL_SPEC_DIST_EXPONENTIAL:
    case MDL_SPEC_DIST_DETERMINISTIC:
    case MDL_SPEC_DIST_GAMMA:
        if (s->mean <= 0 && !is_bad(L, b, s, "mean"))
            problem(L, at, "%s: distribution %s needs mean (or p50 and p95 to derive it)", who,
                    dist);
        break;
    case MDL_SPEC_DIST_EMPIRICAL: {
        if (!s->file || !s->file[0]) {
            problem(L, at, "%s: distribution empirical needs file (a CSV of measured times)", who);
            break;
        }
        char path[1024];
        sim_err e;
        sim_err_clear(&e);
        double *v = NULL;
        size_t n = 0;
        const scn_node *fn = node_of(L, b, s, "file");
        if (!data_path(L, fn, who, s->file, path, sizeof path))
            break;
        double scale = s->unit == MDL_SPEC_UNIT_S ? 1.0 : 1e-3;
        int rc = scn_csv_numbers(path, s->column, scale, &v, &n, &e);
        if (rc == SIM_ENOMEM) {
            out_of_memory(L);
        } else if (rc != SIM_OK && e.line > 0) {
            snprintf(e.msg + strlen(e.msg), sizeof e.msg - strlen(e.msg), " (%s.file)", who);
            if (scn_diag_add(L->diag, &e) == SIM_ENOMEM)
                out_of_memory(L);
        } else if (rc != SIM_OK) {
            problem(L, fn, "%s.file '%s': %s", who, s->file, e.msg);
        } else {
            sim_free(s->samples);
            s->samples = v;
            s->nsamples = (int)n;
        }
        break;
    }
    case MDL_SPEC_DIST_NONE:
    default:
        break;
    }
}

/* Reads a flow's arrival trace (process trace). */
static void check_arrival(loader *L, mdl_flow_spec *f)
{
    const scn_block *b = block_at("flows.arrival");
    mdl_arrival_spec *a = &f->arrival;
    if (is_bad(L, b, a, "process"))
        return;
    const char *process = mdl_spec_process_names[a->process];
    for (int i = 0; i < b->nkeys; i++) {
        const char *k = b->keys[i].name;
        if (given(L, b, a, k) && !b->applies(a, k))
            problem(L, node_of(L, b, a, k), "%s does not apply to process %s%s", k, process,
                    a->process == MDL_SPEC_PROCESS_TRACE ? " (a trace brings its own shape)"
                                                         : " (only a trace reads a file)");
    }
    if (a->process != MDL_SPEC_PROCESS_TRACE)
        return;
    const scn_node *fn = node_of(L, b, a, "trace");
    if (!a->trace || !a->trace[0]) {
        problem(L, node_of(L, b, a, "process"),
                "flow '%s': process trace needs trace (a CSV file of timestamps)", f->id);
        return;
    }
    char path[1024], what[MDL_SPEC_ID_MAX + 32];
    snprintf(what, sizeof what, "flow '%s' arrival.trace", f->id);
    if (!data_path(L, fn, what, a->trace, path, sizeof path))
        return;
    sim_err e;
    sim_err_clear(&e);
    sim_time *t = NULL;
    size_t n = 0;
    int wd = 0;
    int rc = scn_csv_times(path, a->trace_column, L->sc->utc_offset, &t, &n, &wd, &e);
    if (rc == SIM_ENOMEM) {
        out_of_memory(L);
    } else if (rc != SIM_OK && e.line > 0) {
        snprintf(e.msg + strlen(e.msg), sizeof e.msg - strlen(e.msg),
                 " (flow '%.64s' arrival.trace)", f->id);
        if (scn_diag_add(L->diag, &e) == SIM_ENOMEM)
            out_of_memory(L);
    } else if (rc != SIM_OK) {
        problem(L, fn, "flow '%s' arrival.trace '%s': %s", f->id, a->trace, e.msg);
    } else {
        sim_free(a->trace_times);
        a->trace_times = t;
        a->ntrace = (int64_t)n;
        a->trace_weekday = wd;
    }
}

static void check_services(loader *L)
{
    mdl_scenario *sc = L->sc;
    const scn_block *asb = block_at("systems.api.service");
    const scn_block *psb = block_at("flows.event.subscribers.processing");
    for (int i = 0; i < sc->nsystems; i++)
        check_service(L, asb, &sc->systems[i].api.service,
                      keep(L, "system '%s' api.service", sc->systems[i].id));
    for (int i = 0; i < sc->nflows; i++)
        for (int j = 0; j < sc->flows[i].event.nsubscribers; j++)
            check_service(L, psb, &sc->flows[i].event.subscribers[j].processing,
                          keep(L, "subscriber '%s' of flow '%s' processing",
                               sc->flows[i].event.subscribers[j].id, sc->flows[i].id));
}

/* Warns when a schedule's runs are further apart than the horizon: it
 * then starts once or never within it. */
static void warn_schedule(loader *L, const scn_block *b, const void *base, const char *key,
                          const mdl_schedule *sched, const char *who)
{
    const mdl_scenario *sc = L->sc;
    if (is_bad(L, b, base, key) || sched->kind == MDL_SCHEDULE_NONE)
        return;
    mdl_schedule s = *sched;
    s.day0 = sc->start_day;
    sim_time gap = mdl_schedule_min_gap(&s);
    if (gap == SIM_TIME_NEVER || gap <= sc->horizon)
        return;
    int fw = (int)sc->first_weekday, n = 0;
    sim_time first = mdl_schedule_next(&s, 0, 1, fw);
    for (sim_time t = first; t != SIM_TIME_NEVER && t < sc->horizon && n < 2;
         t = mdl_schedule_next(&s, t, 0, fw))
        n++;
    char sched_text[64], h[32], g[32], at[32];
    const scn_key *k = scn_schema_key(b, key, NULL);
    scn_value_format(k, base, sched_text, sizeof sched_text);
    scn_format_duration(sc->horizon, h, sizeof h);
    scn_format_duration(gap, g, sizeof g);
    if (n == 0)
        warning(L, node_of(L, b, base, key),
                "%s schedule '%s' never starts within the %s horizon (its runs are at least %s "
                "apart): the job will not run",
                who, sched_text, h, g);
    else
        warning(L, node_of(L, b, base, key),
                "%s schedule '%s' starts only once within the %s horizon (%s into the run; its "
                "runs are at least %s apart)",
                who, sched_text, h, scn_format_duration(first, at, sizeof at), g);
}

static void warn_schedules(loader *L)
{
    const mdl_scenario *sc = L->sc;
    const scn_block *bb = block_at("flows.batch"), *fjb = block_at("flows.file");
    const scn_block *rb = block_at("flows.event.reconciliation");
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        const char *who = keep(L, "flow '%s'", f->id);
        if (f->pattern == MDL_SPEC_PATTERN_BATCH)
            warn_schedule(L, bb, &f->batch, "schedule", &f->batch.schedule, who);
        else if (f->pattern == MDL_SPEC_PATTERN_FILE)
            warn_schedule(L, fjb, &f->file, "schedule", &f->file.schedule, who);
        else if (f->pattern == MDL_SPEC_PATTERN_EVENT && f->event.reconciliation.enabled)
            warn_schedule(L, rb, &f->event.reconciliation, "schedule",
                          &f->event.reconciliation.schedule,
                          keep(L, "flow '%s' reconciliation", f->id));
    }
}

/* The median of a system's service time (its api.service distribution). */
static double service_p50_s(const mdl_system_spec *sys)
{
    mdl_service_spec ss = sys->api.service;
    ss.p50 = sys->api.latency_p50;
    ss.p95 = sys->api.latency_p95;
    mdl_service_spec_derive(&ss);
    mdl_service sv;
    if (mdl_service_from_spec(&ss, &sv, NULL) != SIM_OK)
        return NAN;
    return mdl_service_quantile(&sv, 0.5);
}

/* A daily volume more than ten times the dataset: every record would
 * change ten times a day; usually a unit slip (50k/s for 50k/day, 400 for
 * 400k). */
#define VOLUME_OVER_DATASET 10.0

/* Values that are valid but probably a mistake (docs/scenarios.md,
 * "Warnings"). Called only when the scenario has no error. */
static void warn_values(loader *L)
{
    const mdl_scenario *sc = L->sc;
    const scn_block *fb = block_at("flows"), *bb = block_at("flows.batch");
    const scn_block *ab = block_at("flows.arrival"), *xb = block_at("faults");
    char a[64], b[64], c[64], e[64];
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        const mdl_batch_spec *bt = &f->batch;
        const mdl_system_spec *dst = f->target_index >= 0 ? &sc->systems[f->target_index] : NULL;
        double per_day = mdl_scenario_flow_per_day(sc, f);
        if (bt->dataset > 0 && per_day > VOLUME_OVER_DATASET * bt->dataset &&
            f->arrival.process != MDL_SPEC_PROCESS_TRACE)
            warning(L, node_of(L, fb, f, "volume"),
                    "flow '%s': %s records a day%s is more than %.0f times its dataset of %s "
                    "records (batch.dataset): every record would change %.3g times a day; check "
                    "the units",
                    f->id, scn_format_count(per_day, a, sizeof a),
                    sc->load != 1.0 ? keep(L, " (at load %gx)", sc->load) : "", VOLUME_OVER_DATASET,
                    scn_format_count(bt->dataset, b, sizeof b), per_day / bt->dataset);
        if (f->pattern == MDL_SPEC_PATTERN_BATCH && dst && bt->api == MDL_SPEC_API_BULK &&
            dst->bulk.enabled && dst->bulk.batch_time_limit > 0) {
            /* One internal batch: min(chunk, records_per_batch) records at the mean time. */
            double n = dst->bulk.records_per_batch > 0 ? dst->bulk.records_per_batch : 10000.0;
            if (bt->chunk_size < n)
                n = bt->chunk_size;
            double d = n * sim_time_to_seconds(bt->record_time);
            if (d > sim_time_to_seconds(dst->bulk.batch_time_limit))
                warning(L, node_of(L, bb, bt, "record_time"),
                        "flow '%s': a bulk batch of %s records at %s a record takes %s, longer "
                        "than the %s batch time limit of system '%s': every batch would fail "
                        "and be retried (make chunks or bulk.records_per_batch smaller)",
                        f->id, scn_format_count(n, a, sizeof a),
                        scn_format_duration(bt->record_time, b, sizeof b),
                        scn_format_duration(sim_time_clamp_seconds(d), c, sizeof c),
                        scn_format_duration(dst->bulk.batch_time_limit, e, sizeof e), f->target);
        }
        if (f->pattern == MDL_SPEC_PATTERN_BATCH && bt->job_timeout > 0) {
            double d = sim_time_to_seconds(bt->chunk_overhead) +
                       bt->chunk_size * sim_time_to_seconds(bt->record_time);
            if (d > sim_time_to_seconds(bt->job_timeout))
                warning(L, node_of(L, bb, bt, "job_timeout"),
                        "flow '%s': a chunk of %d records takes %s on average, longer than its "
                        "job_timeout %s: chunks would time out",
                        f->id, bt->chunk_size,
                        scn_format_duration(sim_time_clamp_seconds(d), a, sizeof a),
                        scn_format_duration(bt->job_timeout, b, sizeof b));
        }
        /* A latency SLO shorter than the median service time of the system
         * that serves the flow's calls. */
        if (f->latency_slo > 0 && !f->slo_nightly) {
            const mdl_system_spec *served = NULL;
            if (f->pattern == MDL_SPEC_PATTERN_REALTIME)
                served = dst;
            for (int j = 0;
                 !served && f->pattern == MDL_SPEC_PATTERN_EVENT && j < f->event.nsubscribers; j++)
                if (f->event.subscribers[j].apply_via_api &&
                    f->event.subscribers[j].target_index >= 0)
                    served = &sc->systems[f->event.subscribers[j].target_index];
            double p50 = served ? service_p50_s(served) : NAN;
            if (isfinite(p50) && sim_time_to_seconds(f->latency_slo) < p50)
                warning(L, node_of(L, fb, f, "latency_slo"),
                        "flow '%s': its latency SLO %s is shorter than the median service time "
                        "of system '%s' (%s): more than half of its records miss it even "
                        "without queueing",
                        f->id, scn_format_duration(f->latency_slo, a, sizeof a), served->id,
                        scn_format_duration(sim_time_clamp_seconds(p50), b, sizeof b));
        }
        /* A trace aligned on a weekday the scenario does not start on, or
         * shorter than the horizon. */
        const mdl_arrival_spec *ar = &f->arrival;
        if (ar->process == MDL_SPEC_PROCESS_TRACE && ar->ntrace > 0) {
            if (ar->trace_weekday != (int)sc->first_weekday)
                warning(L, node_of(L, ab, ar, "trace"),
                        "flow '%s': the trace starts on a %s but day 0 is a %s: its weekly "
                        "pattern is shifted (set first_weekday or start_date)",
                        f->id, mdl_spec_weekday_names[ar->trace_weekday],
                        mdl_spec_weekday_names[sc->first_weekday]);
            sim_time last = ar->trace_times[ar->ntrace - 1];
            if (last < sc->horizon - SIM_DAY)
                warning(L, node_of(L, ab, ar, "trace"),
                        "flow '%s': the trace ends %s into the %s horizon: nothing arrives after "
                        "it",
                        f->id, scn_format_duration(last, a, sizeof a),
                        scn_format_duration(sc->horizon, b, sizeof b));
        }
    }
    /* A bulk load whose batches exceed the target's batch time limit. */
    for (int i = 0; i < sc->nfaults; i++) {
        const mdl_fault_spec *x = &sc->faults[i];
        if (x->kind != MDL_SPEC_FAULT_BULK_LOAD || x->api != MDL_SPEC_API_BULK ||
            x->system_index < 0)
            continue;
        const mdl_bulk_spec *bk = &sc->systems[x->system_index].bulk;
        if (!bk->enabled || bk->batch_time_limit <= 0)
            continue;
        double n = bk->records_per_batch > 0 ? bk->records_per_batch : 10000.0;
        if (x->chunk_size < n)
            n = x->chunk_size;
        double d = n * sim_time_to_seconds(x->record_time);
        if (d > sim_time_to_seconds(bk->batch_time_limit))
            warning(L, node_of(L, xb, x, "record_time"),
                    "fault '%s': a bulk batch of %s records at %s a record takes %s, longer than "
                    "the %s batch time limit of system '%s': every batch would fail",
                    x->id, scn_format_count(n, a, sizeof a),
                    scn_format_duration(x->record_time, b, sizeof b),
                    scn_format_duration(sim_time_clamp_seconds(d), c, sizeof c),
                    scn_format_duration(bk->batch_time_limit, e, sizeof e), x->system);
    }
}

static void check_all(loader *L)
{
    const mdl_scenario *sc = L->sc;
    const scn_block *root = scn_schema_root(), *ab = block_at("systems.api");
    if (sc->warmup >= sc->horizon && !is_bad(L, root, sc, "warmup") &&
        !is_bad(L, root, sc, "horizon")) {
        char w[32], h[32];
        problem(L, node_of(L, root, sc, "warmup"), "warmup %s must be shorter than the horizon %s",
                scn_format_duration(sc->warmup, w, sizeof w),
                scn_format_duration(sc->horizon, h, sizeof h));
    }
    for (int i = 0; i < sc->nsystems; i++) {
        const mdl_api_spec *a = &sc->systems[i].api;
        /* The service time is a lognormal through p50 and p95: it needs a
         * spread (models/mdl_endpoint.h). */
        if (a->latency_p95 <= a->latency_p50 && !is_bad(L, ab, a, "latency_p50") &&
            !is_bad(L, ab, a, "latency_p95"))
            problem(L, node_of(L, ab, a, "latency_p95"),
                    "latency_p95 must be longer than latency_p50 in system '%s'",
                    sc->systems[i].id);
        /* A rolling quota counts its calls in one-minute buckets
         * (models/mdl_quota.h). */
        if (a->daily_limit > 0 && a->window == MDL_SPEC_WINDOW_ROLLING &&
            a->window_length % SIM_MIN != 0 && !is_bad(L, ab, a, "window_length")) {
            char w[32];
            problem(L, node_of(L, ab, a, "window_length"),
                    "window_length %s of the rolling quota of system '%s' must be a whole number "
                    "of minutes",
                    scn_format_duration(a->window_length, w, sizeof w), sc->systems[i].id);
        }
    }
    for (int i = 0; i < sc->nflows; i++)
        check_flow(L, &sc->flows[i]);
    for (int i = 0; i < sc->nfaults; i++)
        check_fault(L, &sc->faults[i]);
    check_fault_overlaps(L);
    check_services(L);
    for (int i = 0; i < sc->nflows; i++)
        check_arrival(L, &sc->flows[i]);
    if (L->diag->count == 0) {
        warn_schedules(L);
        warn_values(L);
    }
}

/* ---- entry points --------------------------------------------------------- */

static int finish(loader *L, int rc, const scn_load_opts *opts)
{
    if (L->nomem && rc == SIM_OK)
        rc = SIM_ENOMEM;
    if (L->nomem) {
        sim_err e;
        sim_err_set(&e, SIM_ENOMEM, L->name, 0, 0, "out of memory");
        scn_diag_add(L->diag, &e);
    }
    if (rc == SIM_OK && L->diag->count > 0)
        rc = SIM_EPARSE;
    scn_diag_sort(L->diag);
    if (L->warn)
        scn_diag_sort(L->warn);
    if (rc != SIM_OK || !opts || !opts->origins) {
        scn_origins_destroy(L->o);
    } else {
        free_load_state(L->o);
        sort_insts(L->o);
        *opts->origins = L->o;
    }
    if (rc != SIM_OK)
        mdl_scenario_fini(L->sc);
    sim_free(L->refs);
    scn_tree_destroy(L->tree);
    return rc;
}

static int load_text(const char *name, const char *text, size_t len, const scn_load_opts *opts,
                     mdl_scenario *out, scn_diag *diag, int check_variants);

/* Each variant must load: the scenario again with its overrides added.
 * Its problems are reported at the variant's `set` list. */
static void check_variants(loader *L, const char *text, size_t len, const scn_load_opts *opts)
{
    const mdl_scenario *sc = L->sc;
    const scn_block *vb = block_at("variants");
    int base = opts ? opts->nsets : 0;
    for (int i = 0; i < sc->nvariants && !L->nomem; i++) {
        const mdl_variant_spec *v = &sc->variants[i];
        const char **sets = sim_calloc((size_t)(base + v->nset) + 1, sizeof *sets);
        if (!sets) {
            out_of_memory(L);
            return;
        }
        for (int j = 0; j < base; j++)
            sets[j] = opts->sets[j];
        for (int j = 0; j < v->nset; j++)
            sets[base + j] = v->set[j];
        scn_load_opts vo = {.sets = sets, .nsets = base + v->nset};
        mdl_scenario tmp;
        scn_diag d;
        scn_diag_init(&d);
        int rc = load_text(L->name, text, len, &vo, &tmp, &d, 0);
        if (rc == SIM_ENOMEM)
            out_of_memory(L);
        for (int j = 0; j < d.count; j++) {
            char line[sizeof d.items[j].msg + sizeof d.items[j].file + 32];
            problem(L, node_of(L, vb, v, "set"), "variant '%s': %s", v->id,
                    scn_diag_format(&d.items[j], line, sizeof line));
        }
        scn_diag_fini(&d);
        mdl_scenario_fini(&tmp);
        sim_free(sets);
    }
}

int scn_load_string(const char *name, const char *text, size_t len, const scn_load_opts *opts,
                    mdl_scenario *out, scn_diag *diag)
{
    return load_text(name, text, len, opts, out, diag, 1);
}

static int load_text(const char *name, const char *text, size_t len, const scn_load_opts *opts,
                     mdl_scenario *out, scn_diag *diag, int variants)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.name = name ? name : "";
    L.diag = diag;
    L.warn = opts ? opts->warnings : NULL;
    L.data_dir = opts ? opts->data_dir : NULL;
    L.sc = out;
    mdl_scenario_init(out);
    if (opts && opts->origins)
        *opts->origins = NULL;
    L.tree = scn_tree_create();
    L.o = sim_calloc(1, sizeof *L.o);
    if (!L.tree || !L.o) {
        L.nomem = 1;
        return finish(&L, SIM_ENOMEM, opts);
    }
    sim_err err;
    sim_err_clear(&err);
    scn_node *root = NULL;
    int rc = scn_yaml_parse(L.tree, L.name, text, len, &root, &err);
    if (rc != SIM_OK) {
        if (scn_diag_add(diag, &err) == SIM_ENOMEM)
            L.nomem = 1;
        return finish(&L, rc, opts);
    }
    for (int i = 0; opts && i < opts->nsets; i++)
        if (scn_override_apply(L.tree, &root, opts->sets[i], diag) == SIM_ENOMEM)
            L.nomem = 1;
    if (!root) {
        sim_err_set(&err, SIM_EPARSE, L.name, 1, 1,
                    "the scenario is empty (expected keys such as name, systems, flows)");
        scn_diag_add(diag, &err);
        return finish(&L, SIM_EPARSE, opts);
    }
    if (root->kind != SCN_NODE_MAP) {
        problem(&L, root,
                "a scenario must be a mapping of keys (name, systems, flows, ...), got %s",
                kind_text(root));
        return finish(&L, SIM_EPARSE, opts);
    }
    load_block(&L, scn_schema_root(), out, root, root, NULL, "");
    for (int i = 0; opts && opts->no_faults && i < out->nfaults; i++)
        out->faults[i].enabled = 0; /* --no-faults: kept for variants, not injected */
    sort_insts(L.o);
    resolve_refs(&L, 0);
    derive(&L);
    resolve_refs(&L, 1);
    check_all(&L);
    if (variants && diag->count == 0)
        check_variants(&L, text, len, opts);
    return finish(&L, SIM_OK, opts);
}

int scn_read_file(const char *path, size_t max, int regular_only, char **out, size_t *len_out,
                  sim_err *err)
{
    struct stat st;
    /* A device, a pipe or a terminal could block the load (opening a FIFO
     * waits for a writer) or never end: checked before opening. */
    if (regular_only && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return sim_err_set(err, SIM_EIO, path, 0, 0, "not a regular file");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return sim_err_set(err, SIM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    if (regular_only && (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode))) {
        fclose(fp);
        return sim_err_set(err, SIM_EIO, path, 0, 0, "not a regular file");
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = sim_malloc(cap + 1);
    int rc = buf ? SIM_OK : SIM_ENOMEM;
    while (rc == SIM_OK) {
        if (len == cap) {
            if (cap > max) {
                rc = sim_err_set(err, SIM_EPARSE, path, 0, 0, "larger than %zu MiB: refused",
                                 max / (1024u * 1024u));
                break;
            }
            char *nb = sim_realloc(buf, cap * 2 + 1);
            if (!nb) {
                rc = SIM_ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) {
            if (ferror(fp))
                rc = sim_err_set(err, SIM_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
            break;
        }
    }
    fclose(fp);
    if (rc == SIM_ENOMEM)
        sim_err_set(err, SIM_ENOMEM, path, 0, 0, "out of memory reading the file");
    if (rc == SIM_OK && len > max)
        rc = sim_err_set(err, SIM_EPARSE, path, 0, 0, "larger than %zu MiB: refused",
                         max / (1024u * 1024u));
    if (rc != SIM_OK) {
        sim_free(buf);
        return rc;
    }
    buf[len] = '\0';
    *out = buf;
    *len_out = len;
    return SIM_OK;
}

int scn_load_file(const char *path, const scn_load_opts *opts, mdl_scenario *out, scn_diag *diag)
{
    sim_err err;
    mdl_scenario_init(out);
    if (opts && opts->origins)
        *opts->origins = NULL;
    char *buf = NULL;
    size_t len = 0;
    int rc = scn_read_file(path, SCN_YAML_MAX_BYTES, 0, &buf, &len, &err);
    if (rc != SIM_OK) {
        scn_diag_add(diag, &err);
        return rc;
    }
    rc = scn_load_string(path, buf, len, opts, out, diag);
    sim_free(buf);
    return rc;
}

int scn_load_default(const scn_load_opts *opts, mdl_scenario *out, scn_diag *diag)
{
    return scn_load_string("default.yaml", scn_default_text, (size_t)scn_default_len, opts, out,
                           diag);
}
