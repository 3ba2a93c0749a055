/*
 * scn_override.c - applies `--set path=value` to the YAML node tree before
 * the schema walk, so an override is validated exactly like the file.
 *
 * Walking a path: in a mapping the segment is a key (a missing key gets a
 * new empty mapping when more segments follow, or the value when it is the
 * last); in a sequence the segment picks the item with that id, else the
 * item at that 0-based index. Unknown keys are not judged here: the walk
 * reports them with the nearest valid key, positioned at the --set argument.
 */
#include "scn_override.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_alloc.h"

static int report(scn_diag *d, const char *arg, int code, const char *fmt, ...) SIM_PRINTF(4, 5);

static int report(scn_diag *d, const char *arg, int code, const char *fmt, ...)
{
    sim_err e;
    char pos[sizeof e.file];
    snprintf(pos, sizeof pos, "--set %s", arg);
    va_list ap;
    va_start(ap, fmt);
    sim_err_setv(&e, code, pos, 0, 0, fmt, ap);
    va_end(ap);
    return scn_diag_add(d, &e) == SIM_ENOMEM ? SIM_ENOMEM : code;
}

/* The item of seq whose id is seg, or at index seg. */
static scn_node *pick(scn_node *seq, const char *seg)
{
    for (int i = 0; i < seq->n; i++) {
        const scn_node *id = scn_map_get(seq->kids[i], "id");
        if (id && id->kind == SCN_NODE_SCALAR && !strcmp(id->text, seg))
            return seq->kids[i];
    }
    char *end;
    long idx = strtol(seg, &end, 10);
    if (*seg >= '0' && *seg <= '9' && !*end && idx >= 0 && idx < seq->n)
        return seq->kids[idx];
    return NULL;
}

static void list_ids(const scn_node *seq, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < seq->n && len + 8 < n; i++) {
        const scn_node *id = scn_map_get(seq->kids[i], "id");
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
                                id && id->kind == SCN_NODE_SCALAR ? id->text : "?");
    }
}

/* Replaces the value of key in map, or appends the pair. */
static int put(scn_tree *t, scn_node *map, const char *src, const char *key, scn_node *value)
{
    for (int i = map->n - 1; i >= 0; i--) {
        if (!strcmp(map->kids[2 * i]->text, key)) {
            map->kids[2 * i + 1] = value;
            return SIM_OK;
        }
    }
    scn_node *k = scn_tree_scalar(t, src, key);
    return k ? scn_map_append(t, map, k, value) : SIM_ENOMEM;
}

int scn_override_apply(scn_tree *t, scn_node **root, const char *arg, scn_diag *diag)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return report(diag, arg, SIM_EPARSE,
                      "expected path=value, e.g. flows.F-002.volume=150k/day");
    char pos[256];
    snprintf(pos, sizeof pos, "--set %s", arg);
    const char *src = scn_tree_strdup(t, pos);
    size_t plen = (size_t)(eq - arg);
    char *path = scn_tree_strdup(t, arg);
    if (!src || !path)
        return SIM_ENOMEM;
    path[plen] = '\0';
    const char *text = eq + 1;

    /* The value is YAML, so "[Account, Order]" is a list. */
    sim_err err;
    sim_err_clear(&err);
    scn_node *value = NULL;
    int rc = scn_yaml_parse(t, src, text, strlen(text), &value, &err);
    if (rc != SIM_OK) {
        /* The value's own line numbers mean nothing on a command line. */
        char *cut = strstr(err.msg, " (while ");
        if (cut)
            *cut = '\0';
        return report(diag, arg, rc, "%s", err.msg);
    }
    if (!value && !(value = scn_tree_scalar(t, src, "")))
        return SIM_ENOMEM;
    if (!text[0])
        value->quoted = 0; /* an empty value is a missing value */
    scn_node_mark_set(value, src);

    if (!*root && !(*root = scn_tree_map(t, src)))
        return SIM_ENOMEM;
    scn_node *cur = *root;
    char *seg = path;
    for (;;) {
        char *dot = strchr(seg, '.');
        if (dot)
            *dot = '\0';
        if (!*seg)
            return report(diag, arg, SIM_EPARSE, "empty key in path '%.*s'", (int)plen, arg);
        if (cur->kind == SCN_NODE_SEQ) {
            scn_node *item = pick(cur, seg);
            if (!item) {
                char ids[160];
                list_ids(cur, ids, sizeof ids);
                return report(diag, arg, SIM_EPARSE, "no item '%s' in the list (items: %s)", seg,
                              ids[0] ? ids : "none");
            }
            if (!dot)
                return report(diag, arg, SIM_EPARSE,
                              "'%s' is a list item: set one of its keys (e.g. %.*s.id)", seg,
                              (int)plen, arg);
            if (item->kind != SCN_NODE_MAP)
                return report(diag, arg, SIM_EPARSE, "item '%s' is not a mapping", seg);
            cur = item;
            seg = dot + 1;
            continue;
        }
        if (cur->kind != SCN_NODE_MAP)
            return report(diag, arg, SIM_EPARSE, "'%s' is inside a value that is not a mapping",
                          seg);
        if (!dot)
            return put(t, cur, src, seg, value) == SIM_OK ? SIM_OK : SIM_ENOMEM;
        scn_node *next = scn_map_get(cur, seg);
        if (!next || (next->kind == SCN_NODE_SCALAR && next->len == 0 && !next->quoted)) {
            if (next == NULL && cur == *root &&
                (!strcmp(seg, "systems") || !strcmp(seg, "flows") || !strcmp(seg, "callers") ||
                 !strcmp(seg, "brokers") || !strcmp(seg, "faults")))
                return report(diag, arg, SIM_EPARSE, "the scenario has no %s to change", seg);
            if (!(next = scn_tree_map(t, src)) || put(t, cur, src, seg, next) != SIM_OK)
                return SIM_ENOMEM;
        }
        cur = next;
        seg = dot + 1;
    }
}
