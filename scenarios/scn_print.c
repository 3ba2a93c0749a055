/*
 * scn_print.c - normalised YAML with origins, and the schema as markdown.
 *
 * Both walk the schema table, like the loader, so a new key appears in
 * `check --print` and in the docs without code here. Text is built in a
 * growable buffer; an allocation failure latches and the result is NULL.
 */
#include "scn_print.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scn_presets.h"
#include "scn_schema.h"
#include "scn_units.h"
#include "sim_alloc.h"
#include "sim_text.h"

#define COMMENT_COLUMN 48

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int nomem;
} sbuf;

static void sb_put(sbuf *b, const char *text, size_t n)
{
    if (b->nomem)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *s = sim_realloc(b->s, cap);
        if (!s) {
            b->nomem = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, text, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_printf(sbuf *b, const char *fmt, ...) SIM_PRINTF(2, 3);

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        sb_put(b, tmp, (size_t)n);
        return;
    }
    char *big = sim_malloc((size_t)n + 1);
    if (!big) {
        b->nomem = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_put(b, big, (size_t)n);
    sim_free(big);
}

static char *sb_finish(sbuf *b, sim_err *err)
{
    if (b->nomem || !b->s) {
        sim_free(b->s);
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory printing the scenario");
        return NULL;
    }
    return b->s;
}

/* ---- YAML ------------------------------------------------------------------ */

/* A YAML double-quoted scalar: '"' and '\\' escaped, and every character
 * that could act as something else shown by the shared rule of
 * sim_text.h, whose escapes are YAML's own. */
static void put_quoted(sbuf *b, const char *s)
{
    char piece[SIM_TEXT_PIECE];
    sb_put(b, "\"", 1);
    for (const char *p = s ? s : ""; *p;) {
        if (*p == '"' || *p == '\\') {
            sb_printf(b, "\\%c", *p++);
            continue;
        }
        p += sim_text_piece(p, piece);
        sb_put(b, piece, strlen(piece));
    }
    sb_put(b, "\"", 1);
}

/* Room for the text of any value but a STRING's (printed from its field):
 * the longest is a list of 64 names (the loader's most) of 255 characters
 * (scn_value_parse_list's most), each possibly escaped, with separators. */
#define VALUE_MAX (64 * (2 * 255 + 4) + 16)

typedef struct pctx {
    sbuf *b;
    char *value; /* VALUE_MAX bytes */
    const scn_origins *o;
    const mdl_scenario *sc;
    const char *preset; /* the kind/type name of the system/broker being printed */
    const char *target; /* the flow's target, for inherited values */
    int unknowns;
} pctx;

static void origin_comment(pctx *c, const scn_key *k, const scn_origin *og, char *out, size_t n)
{
    if (!og) {
        out[0] = '\0';
        return;
    }
    switch (og->from) {
    case SCN_FROM_FILE:
        snprintf(out, n, "# file");
        break;
    case SCN_FROM_SET:
        snprintf(out, n, "# --set");
        break;
    case SCN_FROM_PRESET:
        if (og->unknown) {
            c->unknowns++;
            snprintf(out, n, "# preset %s: UNKNOWN - set me (%s)", c->preset ? c->preset : "?",
                     og->note ? og->note : "");
        } else {
            snprintf(out, n, "# preset %s (%s)", c->preset ? c->preset : "?",
                     og->note ? og->note : "");
        }
        break;
    case SCN_FROM_INHERIT:
        snprintf(out, n, "# inherited from system '%s' %s", c->target ? c->target : "?",
                 k->inherit ? k->inherit : "");
        break;
    case SCN_FROM_DERIVED: {
        const char *src = k->src ? k->src : "";
        if (!strncmp(src, "derived: ", 9))
            src += 9;
        snprintf(out, n, "# derived: %s", src);
        break;
    }
    case SCN_FROM_BUILTIN:
    default:
        if (k->flags & SCN_ASSUMED) {
            c->unknowns++;
            snprintf(out, n, "# built-in: assumption, no public source - set me");
        } else if (!k->src || !strcmp(k->src, "built-in")) {
            snprintf(out, n, "# built-in");
        } else if (!strncmp(k->src, "built-in", 8)) {
            snprintf(out, n, "# %s", k->src);
        } else {
            snprintf(out, n, "# built-in: %s", k->src);
        }
        break;
    }
}

/* Non-zero when the file or a --set wrote any key of block b at base (or
 * below it). */
static int written(const pctx *c, const scn_block *b, const void *base)
{
    for (int i = 0; i < b->nkeys; i++) {
        const scn_key *k = &b->keys[i];
        const scn_origin *og = scn_origins_get(c->o, b, base, i);
        if (og && (og->from == SCN_FROM_FILE || og->from == SCN_FROM_SET))
            return 1;
        if (k->type == SCN_T_BLOCK && written(c, k->aux, (const char *)base + k->off))
            return 1;
    }
    return 0;
}

static void indent_to(sbuf *b, int indent, int *dash)
{
    if (*dash) {
        sb_printf(b, "%*s- ", indent - 2, "");
        *dash = 0;
    } else {
        sb_printf(b, "%*s", indent, "");
    }
}

static void print_block(pctx *c, const scn_block *b, const void *base, int indent, int dash);

static void print_line(pctx *c, int indent, int *dash, const char *key, const char *value,
                       int quote, const char *comment)
{
    sbuf *b = c->b;
    size_t start = b->len;
    indent_to(b, indent, dash);
    sb_printf(b, "%s: ", key);
    if (quote)
        put_quoted(b, value);
    else
        sb_printf(b, "%s", value);
    if (comment[0]) {
        size_t width = b->nomem ? 0 : b->len - start;
        int pad = width < COMMENT_COLUMN ? (int)(COMMENT_COLUMN - width) : 2;
        sb_printf(b, "%*s%s", pad, "", comment);
    }
    sb_put(b, "\n", 1);
}

static void print_list(pctx *c, const scn_key *k, const void *base, int indent, int *dash)
{
    const scn_block *eb = k->aux;
    int n = *(const int *)((const char *)base + k->off2);
    const char *arr = *(const char *const *)((const char *)base + k->off);
    if (n == 0) {
        indent_to(c->b, indent, dash);
        sb_printf(c->b, "%s: []\n", k->name);
        return;
    }
    indent_to(c->b, indent, dash);
    sb_printf(c->b, "%s:\n", k->name);
    for (int i = 0; i < n; i++)
        print_block(c, eb, arr + (size_t)i * eb->size, indent + 4, 1);
}

static void print_block(pctx *c, const scn_block *b, const void *base, int indent, int dash)
{
    const char *saved_preset = c->preset, *saved_target = c->target;
    if (b->preset_key) {
        const scn_key *pk = scn_schema_key(b, b->preset_key, NULL);
        c->preset = mdl_spec_name(pk->aux, *(const int *)((const char *)base + pk->off));
    }
    if (!strcmp(b->name, "flow"))
        c->target = ((const mdl_flow_spec *)base)->target;
    for (int i = 0; i < b->nkeys; i++) {
        const scn_key *k = &b->keys[i];
        if (b->applies && !b->applies(base, k->name))
            continue;
        if (k->type == SCN_T_BLOCK) {
            const void *sub = (const char *)base + k->off;
            if (!strcmp(b->name, "flow")) {
                const mdl_flow_spec *f = base;
                int own = !strcmp(k->name, mdl_spec_pattern_names[f->pattern]);
                int pattern_block = !strcmp(k->name, "realtime") || !strcmp(k->name, "event") ||
                                    !strcmp(k->name, "batch") || !strcmp(k->name, "file");
                if (pattern_block && !own && !(c->o && written(c, k->aux, sub)))
                    continue;
            }
            indent_to(c->b, indent, &dash);
            sb_printf(c->b, "%s:\n", k->name);
            print_block(c, k->aux, sub, indent + 2, 0);
            continue;
        }
        if (k->type == SCN_T_LIST) {
            print_list(c, k, base, indent, &dash);
            continue;
        }
        char comment[512];
        const char *value = c->value;
        if (k->type == SCN_T_STRING) /* up to the loader's 64 KiB: not through a buffer */
            value = *(char *const *)((const char *)base + k->off);
        else
            scn_value_format(k, base, c->value, VALUE_MAX);
        origin_comment(c, k, scn_origins_get(c->o, b, base, i), comment, sizeof comment);
        print_line(c, indent, &dash, k->name, value ? value : "", k->type == SCN_T_STRING, comment);
    }
    c->preset = saved_preset;
    c->target = saved_target;
}

char *scn_print_yaml(const mdl_scenario *sc, const scn_origins *o, const char *title, sim_err *err)
{
    sbuf body = {0}, out = {0};
    pctx c = {.b = &body, .value = sim_malloc(VALUE_MAX), .o = o, .sc = sc};
    if (c.value)
        print_block(&c, scn_schema_root(), sc, 0, 0);
    else
        body.nomem = 1;
    sim_free(c.value);
    sb_printf(&out, "# erpsim check --print%s", title ? ": " : "");
    char piece[SIM_TEXT_PIECE];
    for (const char *p = title ? title : ""; *p;) { /* a path with a newline stays a comment */
        p += sim_text_piece(p, piece);
        sb_put(&out, piece, strlen(piece));
    }
    sb_put(&out, "\n", 1);
    sb_printf(&out, "# Every key with its value and, after '#', where the value came from.\n"
                    "# This text loads back to the same scenario.\n");
    if (c.unknowns)
        sb_printf(&out,
                  "# %d value%s marked 'set me' ha%s no public source: replace %s with your "
                  "own figures.\n",
                  c.unknowns, c.unknowns == 1 ? "" : "s", c.unknowns == 1 ? "s" : "ve",
                  c.unknowns == 1 ? "it" : "them");
    if (body.nomem)
        out.nomem = 1;
    else if (body.s)
        sb_put(&out, body.s, body.len);
    sim_free(body.s);
    return sb_finish(&out, err);
}

/* ---- markdown --------------------------------------------------------------- */

static void md_cell(sbuf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '|')
            sb_put(b, "\\|", 2);
        else
            sb_put(b, p, 1);
    }
}

static void md_default(sbuf *b, const scn_key *k)
{
    if (k->type == SCN_T_BLOCK) {
        sb_printf(b, "see `%s`", ((const scn_block *)k->aux)->path);
    } else if (k->type == SCN_T_LIST) {
        sb_printf(b, "`[]`, items: see `%s`", ((const scn_block *)k->aux)->path);
    } else if (k->flags & SCN_REQUIRED) {
        sb_printf(b, "**required**");
    } else if (k->inherit) {
        sb_printf(b, "inherited: the target system's `%s`", k->inherit);
    } else if (k->flags & SCN_DERIVED) {
        md_cell(b, k->src);
    } else {
        sb_printf(b, "`%s`", k->def && k->def[0] ? k->def : "\"\"");
    }
}

/* A limit in the key's unit: 86400 s as 1d, 0.5 as 50%. */
static const char *range_text(const scn_key *k, double v, char *buf, size_t n)
{
    switch (k->type) {
    case SCN_T_DURATION:
        return scn_format_duration((sim_time)(v * 1e6 + 0.5), buf, n);
    case SCN_T_RATE:
        return scn_format_rate(v, buf, n);
    case SCN_T_PERCENT:
        return scn_format_percent(v, buf, n);
    case SCN_T_GROWTH:
        return scn_format_growth(v, buf, n);
    case SCN_T_MULT:
        return scn_format_multiplier(v, buf, n);
    case SCN_T_SIZE:
        return scn_format_size(v, buf, n);
    default:
        return scn_format_count(v, buf, n);
    }
}

static void md_type(sbuf *b, const scn_key *k)
{
    if (k->type == SCN_T_ENUM) {
        const char *const *names = k->aux;
        for (int i = 0; names[i]; i++)
            sb_printf(b, "%s`%s`", i ? " \\| " : "", names[i]);
    } else if (k->type == SCN_T_REF) {
        static const char *const what[] = {"",
                                           "system id",
                                           "caller id",
                                           "broker id",
                                           "flow id",
                                           "`platform` or broker id",
                                           "subscriber id"};
        sb_printf(b, "%s", what[k->ref]);
    } else {
        sb_printf(b, "%s", scn_type_name(k->type));
    }
    if (k->flags & SCN_NONE_OK)
        sb_printf(b, " or `none`");
    if (k->type == SCN_T_BLOCK || k->type == SCN_T_LIST || k->type == SCN_T_ENUM ||
        k->type == SCN_T_BOOL)
        return;
    char lo[64], hi[64];
    const char *sep = " (";
    if (k->min > 0) { /* the stricter bound when the key is also positive */
        sb_printf(b, "%s>= %s", sep, range_text(k, k->min, lo, sizeof lo));
        sep = ", ";
    } else if (k->flags & SCN_POSITIVE) {
        sb_printf(b, "%s> 0", sep);
        sep = ", ";
    }
    if (k->max > 0) {
        sb_printf(b, "%s<= %s", sep, range_text(k, k->max, hi, sizeof hi));
        sep = ", ";
    }
    if (sep[0] == ',')
        sb_printf(b, ")");
}

static void md_source(sbuf *b, const scn_key *k)
{
    if (k->type == SCN_T_BLOCK || k->type == SCN_T_LIST || (k->flags & SCN_REQUIRED) ||
        k->inherit || (k->flags & SCN_DERIVED))
        return;
    md_cell(b, k->src ? k->src : "built-in");
    if (k->flags & SCN_ASSUMED)
        sb_printf(b, " (assumption, no public source)");
}

char *scn_print_schema_md(sim_err *err)
{
    sbuf b = {0};
    const scn_block *const *blocks = scn_schema_blocks();
    for (int i = 0; blocks[i]; i++) {
        const scn_block *bl = blocks[i];
        sb_printf(&b, "### `%s`\n\n%s\n\n", bl->path[0] ? bl->path : "(top level)", bl->doc);
        sb_printf(&b, "| key | type | default | source of the default | meaning |\n"
                      "|---|---|---|---|---|\n");
        for (int j = 0; j < bl->nkeys; j++) {
            const scn_key *k = &bl->keys[j];
            sb_printf(&b, "| `%s` | ", k->name);
            md_type(&b, k);
            sb_printf(&b, " | ");
            md_default(&b, k);
            sb_printf(&b, " | ");
            md_source(&b, k);
            sb_printf(&b, " | ");
            md_cell(&b, k->doc);
            sb_printf(&b, " |\n");
        }
        sb_printf(&b, "\n");
    }
    const scn_preset *const *presets = scn_presets();
    for (int i = 0; presets[i]; i++) {
        const scn_preset *p = presets[i];
        sb_printf(&b, "### Preset `%s: %s`\n\n%s.\n\n",
                  !strcmp(p->block, "system") ? "kind" : "type", p->name, p->doc);
        if (p->nvalues == 0) {
            sb_printf(&b, "No values: every key keeps its built-in default.\n\n");
            continue;
        }
        sb_printf(&b, "| key | value | source |\n|---|---|---|\n");
        for (int j = 0; j < p->nvalues; j++) {
            sb_printf(&b, "| `%s` | `%s` | ", p->values[j].path, p->values[j].value);
            md_cell(&b, p->values[j].source);
            sb_printf(&b, "%s |\n", p->values[j].unknown ? " **UNKNOWN - set me**" : "");
        }
        sb_printf(&b, "\n");
    }
    return sb_finish(&b, err);
}
