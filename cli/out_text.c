/*
 * out_text.c - the terminal summary; see out_text.h.
 *
 * Tables are laid out in two passes: the cells of every row are formatted
 * first, then each column is padded to its widest cell. Widths count
 * characters, not bytes, so the UTF-8 "±" and "→" line up.
 */
#include "out_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plt_buf.h"
#include "res_fmt.h"
#include "sim_alloc.h"
#include "sim_text.h"

enum { MAX_BREAKS = 10, MAX_ROWS = 15, MAX_COLS = 10, CELL = 64 };

typedef struct table {
    int ncols, nrows;
    char head[MAX_COLS][CELL];
    char cell[MAX_ROWS][MAX_COLS][CELL];
    int right[MAX_COLS]; /* right-aligned (numbers) */
} table;

/* Characters in a UTF-8 string (continuation bytes do not count). */
static int width(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void pad(plt_buf *b, int n)
{
    for (int i = 0; i < n; i++)
        plt_buf_put(b, " ", 1);
}

static void table_print(plt_buf *b, const table *t)
{
    int w[MAX_COLS] = {0};
    for (int c = 0; c < t->ncols; c++) {
        w[c] = width(t->head[c]);
        for (int r = 0; r < t->nrows; r++)
            if (width(t->cell[r][c]) > w[c])
                w[c] = width(t->cell[r][c]);
    }
    for (int r = -1; r < t->nrows; r++) {
        plt_buf_puts(b, "  ");
        for (int c = 0; c < t->ncols; c++) {
            const char *s = r < 0 ? t->head[c] : t->cell[r][c];
            int gap = w[c] - width(s);
            if (t->right[c])
                pad(b, gap);
            plt_buf_puts(b, s);
            if (c + 1 < t->ncols)
                pad(b, (t->right[c] ? 0 : gap) + 2);
        }
        /* no trailing blanks */
        while (b->len > 0 && b->data[b->len - 1] == ' ')
            b->data[--b->len] = '\0';
        plt_buf_puts(b, "\n");
    }
}

static void header(plt_buf *b, const res_results *r)
{
    char h[32], load[32];
    snprintf(load, sizeof load, "%g", r->load);
    plt_buf_puts(b, "erpsim ");
    plt_buf_put_visible(b, r->version);
    plt_buf_puts(b, " - scenario ");
    plt_buf_put_visible(b, r->name);
    plt_buf_puts(b, " (");
    plt_buf_put_visible(b, r->source);
    plt_buf_puts(b, ")\n");
    if (r->description && r->description[0]) {
        plt_buf_put_visible(b, r->description);
        plt_buf_puts(b, "\n");
    }
    plt_buf_printf(b, "load %sx, horizon %s, %d replication%s, seed %llu", load,
                   res_fmt_duration(r->horizon_s, h, sizeof h), r->replications,
                   r->replications == 1 ? "" : "s", (unsigned long long)r->seed);
    if (r->warmup_s > 0)
        plt_buf_printf(b, ", warm-up %s", res_fmt_duration(r->warmup_s, h, sizeof h));
    plt_buf_printf(b, "; ± is the %.0f%% confidence interval\n", r->confidence * 100.0);
}

static void breaks(plt_buf *b, const res_verdict *v)
{
    char banner[512];
    plt_buf_printf(b, "\nVerdict: %s\n", res_verdict_banner(v, banner, sizeof banner));
    plt_buf_puts(b, "\nWhat breaks first\n");
    if (v->nitems == 0) {
        plt_buf_printf(b, "  nothing: %s\n", res_verdict_nothing_breaks(banner, sizeof banner));
        return;
    }
    int timed = 0;
    for (int i = 0; i < v->nitems; i++)
        timed |= isfinite(v->items[i].at_s);
    int n = v->nitems < MAX_BREAKS ? v->nitems : MAX_BREAKS;
    for (int i = 0; i < n; i++) {
        const res_item *k = &v->items[i];
        char at[32] = "";
        if (isfinite(k->at_s))
            res_fmt_clock(k->at_s, at, sizeof at);
        plt_buf_printf(b, "  %2d. ", i + 1);
        if (timed) {
            plt_buf_puts(b, at);
            pad(b, 14 - width(at));
        }
        plt_buf_put_visible(b, k->text);
        plt_buf_puts(b, "\n");
        const char *const extra[][2] = {{"why", k->cause}, {"it would take", k->take}};
        for (int e = 0; e < 2; e++) {
            if (!extra[e][1][0])
                continue;
            pad(b, 6 + (timed ? 14 : 0));
            plt_buf_printf(b, "%s: ", extra[e][0]);
            plt_buf_put_visible(b, extra[e][1]);
            plt_buf_puts(b, "\n");
        }
    }
    if (v->nitems > n)
        plt_buf_printf(b, "  ... and %d more (results.json, \"verdict\")\n", v->nitems - n);
}

/* ---- which rows a cut table shows ----------------------------------------
 *
 * A table shows at most MAX_ROWS rows. When a landscape has more flows or
 * limits than that, the rows shown are those a review must see: the ones
 * that fail, then the ones nearest failing, each ranked by the evidence of
 * its verdict (ties follow the scenario), printed worst first. The line
 * under the table counts the rest by verdict: a row left out is in better
 * shape than every row shown. A table that fits keeps the scenario's
 * order. */

typedef struct row_rank {
    int index; /* in the verdict's flows or limits */
    int group; /* by verdict, 0 = the worst */
    double by; /* within a group, larger is worse; NaN counts as best */
} row_rank;

/* 1 if a goes before b in a cut table. */
static int ranks_before(const row_rank *a, const row_rank *b)
{
    if (a->group != b->group)
        return a->group < b->group;
    int an = isnan(a->by), bn = isnan(b->by);
    if (an != bn)
        return bn;
    if (!an && a->by != b->by)
        return a->by > b->by;
    return a->index < b->index;
}

/* Keeps in top[0 .. *n) the max rows that rank first (insertion into a
 * short sorted list: max is small, the landscape may not be). */
static void keep_top(row_rank *top, int *n, int max, row_rank r)
{
    if (*n == max && !ranks_before(&r, &top[max - 1]))
        return;
    int i = *n < max ? (*n)++ : max - 1;
    for (; i > 0 && ranks_before(&r, &top[i - 1]); i--)
        top[i] = top[i - 1];
    top[i] = r;
}

static int by_index(const void *a, const void *b)
{
    return ((const row_rank *)a)->index - ((const row_rank *)b)->index;
}

/* The rows a table of count rows shows: all of them in scenario order when
 * they fit, else the MAX_ROWS that rank first, worst first. Returns how
 * many. */
static int pick_rows(row_rank *top, int count, row_rank (*rank)(const res_verdict *, int),
                     const res_verdict *v)
{
    int n = 0;
    for (int i = 0; i < count; i++)
        keep_top(top, &n, MAX_ROWS, rank(v, i));
    if (count <= MAX_ROWS)
        qsort(top, (size_t)n, sizeof *top, by_index);
    return n;
}

/* Flows: not delivered (by the share), then SLO missed, then uncertain (by
 * p99 against the SLO), too few records, met (by p99 against the SLO), no
 * verdict. */
static int flow_group(res_verdict_status s)
{
    static const int group[] = {
        [RES_VERDICT_INCOMPLETE] = 0, [RES_VERDICT_MISSED] = 1, [RES_VERDICT_UNCERTAIN] = 2,
        [RES_VERDICT_FEW] = 3,        [RES_VERDICT_OK] = 4,     [RES_VERDICT_NONE] = 5,
    };
    return group[s];
}

static row_rank flow_rank(const res_verdict *v, int i)
{
    const res_verdict_flow *f = &v->flows[i];
    row_rank r = {.index = i, .group = flow_group(f->status), .by = NAN};
    if (f->status == RES_VERDICT_INCOMPLETE)
        r.by = f->share;
    else if (f->slo_s > 0)
        r.by = f->p99 / f->slo_s;
    return r;
}

/* Limits: ran out (the earliest first), then below the card's headroom,
 * then kept it (each by the headroom left, least first), then not
 * measured. */
static row_rank limit_rank(const res_verdict *v, int i)
{
    static const int group[] = {
        [RES_LIMIT_EXHAUSTED] = 0,
        [RES_LIMIT_TIGHT] = 1,
        [RES_LIMIT_OK] = 2,
        [RES_LIMIT_UNMEASURED] = 3,
    };
    const res_limit *l = &v->limits[i];
    double by = l->status == RES_LIMIT_EXHAUSTED ? -l->out_at_s : -l->headroom;
    return (row_rank){.index = i, .group = group[l->status], .by = by};
}

/* "  ... and 985 more flows, none worse than those above: 3 INCOMPLETE,
 * 16 too few, 966 met (results.json)": the rows not shown, counted by
 * verdict, worst first. */
static void rest_line(plt_buf *b, const char *what, int count, const row_rank *shown, int nshown,
                      row_rank (*rank)(const res_verdict *, int),
                      const char *(*status)(const res_verdict *, int), const res_verdict *v)
{
    if (count <= nshown)
        return;
    enum { GROUPS = 8 }; /* more than either rank has */
    int times[GROUPS] = {0}, example[GROUPS] = {0};
    for (int i = 0; i < count; i++) {
        int was_shown = 0;
        for (int s = 0; s < nshown && !was_shown; s++)
            was_shown = shown[s].index == i;
        int g = rank(v, i).group;
        if (!was_shown && times[g]++ == 0)
            example[g] = i;
    }
    plt_buf_printf(b, "  ... and %d more %s%s, none worse than those above:", count - nshown, what,
                   count - nshown == 1 ? "" : "s");
    for (int g = 0, first = 1; g < GROUPS; g++) {
        if (times[g] == 0)
            continue;
        const char *name = status(v, example[g]);
        plt_buf_printf(b, "%s %d %s", first ? "" : ",", times[g],
                       strcmp(name, "-") ? name : "without a verdict");
        first = 0;
    }
    plt_buf_puts(b, " (results.json)\n");
}

static const char *flow_status(const res_verdict *v, int i)
{
    return res_verdict_status_name(v->flows[i].status);
}

static const char *limit_status(const res_verdict *v, int i)
{
    return res_limit_status_name(v->limits[i].status);
}

static void flow_table(plt_buf *b, const res_verdict *v)
{
    if (v->nflows == 0)
        return;
    table t = {.ncols = MAX_COLS};
    const char *heads[] = {"Flows",    "SLO", "p99 latency", "created", "delivered",
                           "rejected", "DLQ", "lost",        "pending", "verdict"};
    for (int c = 0; c < t.ncols; c++) {
        snprintf(t.head[c], CELL, "%s", heads[c]);
        t.right[c] = c >= 3 && c <= 8;
    }
    row_rank shown[MAX_ROWS];
    int n = pick_rows(shown, v->nflows, flow_rank, v);
    for (int s = 0; s < n; s++) {
        const res_verdict_flow *f = &v->flows[shown[s].index];
        char(*row)[CELL] = t.cell[t.nrows++];
        char id[41], pattern[16];
        snprintf(row[0], CELL, "%s %s", sim_text_visible(f->id, id, sizeof id),
                 sim_text_visible(f->flow ? f->flow->pattern : "", pattern, sizeof pattern));
        if (f->slo_s > 0 && f->flow && f->flow->slo_nightly)
            snprintf(row[1], CELL, "nightly");
        else if (f->slo_s > 0)
            res_fmt_duration(f->slo_s, row[1], CELL);
        else
            snprintf(row[1], CELL, "-");
        res_fmt_duration_ci(f->p99, f->p99_hw, row[2], CELL);
        const double counts[] = {f->created,       f->delivered, f->rejected,
                                 f->dead_lettered, f->lost,      f->pending};
        for (int k = 0; k < 6; k++)
            res_fmt_count(counts[k], row[3 + k], CELL);
        snprintf(row[9], CELL, "%s", res_verdict_status_name(f->status));
    }
    plt_buf_puts(b, "\n");
    table_print(b, &t);
    rest_line(b, "flow", v->nflows, shown, n, flow_rank, flow_status, v);
}

static void limit_table(plt_buf *b, const res_verdict *v)
{
    if (v->nlimits == 0)
        return;
    table t = {.ncols = 6};
    const char *heads[] = {"Limits", "limit", "peak use", "headroom", "ran out", "verdict"};
    for (int c = 0; c < t.ncols; c++) {
        snprintf(t.head[c], CELL, "%s", heads[c]);
        t.right[c] = c >= 1 && c <= 3;
    }
    row_rank shown[MAX_ROWS];
    int n = pick_rows(shown, v->nlimits, limit_rank, v);
    for (int s = 0; s < n; s++) {
        const res_limit *l = &v->limits[shown[s].index];
        char(*row)[CELL] = t.cell[t.nrows++];
        char id[25], what[37];
        snprintf(row[0], CELL, "%s %s", sim_text_visible(l->def->id, id, sizeof id),
                 sim_text_visible(l->def->what, what, sizeof what));
        res_fmt_count(l->def->limit, row[1], CELL);
        res_fmt_count_ci(l->peak, l->peak_hw, row[2], CELL);
        res_fmt_percent(l->headroom, row[3], CELL);
        if (l->runs_out == 0) {
            snprintf(row[4], CELL, "never");
        } else if (isfinite(l->out_at_s)) {
            char at[32];
            snprintf(row[4], CELL, "%s (%d/%d)", res_fmt_clock(l->out_at_s, at, sizeof at),
                     l->runs_out, l->reps);
        } else {
            snprintf(row[4], CELL, "in %d/%d runs", l->runs_out, l->reps);
        }
        snprintf(row[5], CELL, "%s", res_limit_status_name(l->status));
    }
    plt_buf_puts(b, "\n");
    table_print(b, &t);
    rest_line(b, "limit", v->nlimits, shown, n, limit_rank, limit_status, v);
}

/* The variants, as run with the same seed: each one's verdict, then each
 * flow under the scenario as written and under every variant. */
/* A flow's rank in the variants table: as flow_rank, by its worst verdict
 * as written or under any variant. */
static row_rank variant_rank(const res_results *r, const res_verdict *v, int i)
{
    row_rank rank = flow_rank(v, i);
    for (int k = 0; k < r->nvariants; k++) {
        const res_variant_flow *g = res_variant_flow_of(&r->variants[k], v->flows[i].id);
        for (int s = RES_VERDICT_OK; g && s <= RES_VERDICT_NONE; s++)
            if (!strcmp(g->status, res_verdict_status_name((res_verdict_status)s)) &&
                flow_group((res_verdict_status)s) < rank.group)
                rank.group = flow_group((res_verdict_status)s);
    }
    return rank;
}

/* The table's rows of flow i: as written, then each variant that has it. */
static int variant_rows(const res_results *r, const res_verdict *v, int i)
{
    int n = 1;
    for (int k = 0; k < r->nvariants; k++)
        n += res_variant_flow_of(&r->variants[k], v->flows[i].id) != NULL;
    return n;
}

static void variants(plt_buf *b, const res_results *r, const res_verdict *v)
{
    if (r->nvariants == 0)
        return;
    char banner[512];
    plt_buf_puts(b, "\nVariants (the same seed: every variant sees the same arrivals)\n");
    plt_buf_printf(b, "  %-20s %s\n", "as written", res_verdict_banner(v, banner, sizeof banner));
    for (int k = 0; k < r->nvariants; k++) {
        const res_variant *x = &r->variants[k];
        char id[41];
        plt_buf_printf(b, "  %-20s ", sim_text_visible(x->id, id, sizeof id));
        plt_buf_put_visible(b, x->banner);
        plt_buf_puts(b, "\n");
        if (x->description && x->description[0]) {
            plt_buf_printf(b, "  %-20s   (", "");
            plt_buf_put_visible(b, x->description);
            plt_buf_puts(b, ")\n");
        }
    }
    table t = {.ncols = 8};
    const char *heads[] = {"Flow",      "variant",  "p99 latency", "created",
                           "delivered", "rejected", "lost+DLQ",    "verdict"};
    for (int c = 0; c < t.ncols; c++) {
        snprintf(t.head[c], CELL, "%s", heads[c]);
        t.right[c] = c >= 3 && c <= 6;
    }
    /* Every flow when its rows fit; else, as the flow table, the flows that
     * fail as written or under a variant first, as many as fit whole. */
    row_rank shown[MAX_ROWS];
    int nshown = 0, rows = 0;
    for (int i = 0; i < v->nflows && rows <= MAX_ROWS; i++)
        rows += variant_rows(r, v, i);
    if (rows <= MAX_ROWS) {
        for (int i = 0; i < v->nflows; i++)
            shown[nshown++] = (row_rank){.index = i};
    } else {
        int n = 0;
        for (int i = 0; i < v->nflows; i++)
            keep_top(shown, &n, MAX_ROWS, variant_rank(r, v, i));
        for (rows = 0; nshown < n; nshown++) {
            rows += variant_rows(r, v, shown[nshown].index);
            if (nshown > 0 && rows > MAX_ROWS)
                break;
        }
    }
    for (int s = 0; s < nshown; s++) {
        const res_verdict_flow *f = &v->flows[shown[s].index];
        for (int k = -1; k < r->nvariants && t.nrows < MAX_ROWS; k++) {
            const res_variant_flow *g = k >= 0 ? res_variant_flow_of(&r->variants[k], f->id) : NULL;
            if (k >= 0 && !g)
                continue;
            char(*row)[CELL] = t.cell[t.nrows++];
            char id[41], status[17];
            sim_text_visible(k < 0 ? f->id : "", row[0], 41);
            sim_text_visible(k < 0 ? "as written" : r->variants[k].id, id, sizeof id);
            snprintf(row[1], CELL, "%s", id);
            res_fmt_duration_ci(g ? g->p99 : f->p99, g ? g->p99_hw : f->p99_hw, row[2], CELL);
            res_fmt_count(g ? g->created : f->created, row[3], CELL);
            res_fmt_count(g ? g->delivered : f->delivered, row[4], CELL);
            res_fmt_count(g ? g->rejected : f->rejected, row[5], CELL);
            res_fmt_count(g ? g->lost + g->dead_lettered : f->lost + f->dead_lettered, row[6],
                          CELL);
            snprintf(row[7], CELL, "%s",
                     g ? sim_text_visible(g->status, status, sizeof status)
                       : res_verdict_status_name(f->status));
        }
    }
    plt_buf_puts(b, "\n");
    table_print(b, &t);
    if (v->nflows > nshown)
        plt_buf_printf(b,
                       "  ... and %d more flow%s, none worse than those above (results.json, "
                       "\"variants\")\n",
                       v->nflows - nshown, v->nflows - nshown == 1 ? "" : "s");
}

char *out_text_summary(const res_results *r, const res_verdict *v, sim_err *err)
{
    plt_buf b;
    plt_buf_init(&b);
    header(&b, r);
    breaks(&b, v);
    flow_table(&b, v);
    limit_table(&b, v);
    variants(&b, r, v);
    if (plt_buf_status(&b, err) != SIM_OK) {
        plt_buf_fini(&b);
        return NULL;
    }
    return plt_buf_take(&b);
}

void out_text_line(FILE *f, const char *fmt, ...)
{
    plt_buf b;
    plt_buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    plt_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *line = plt_buf_take(&b);
    plt_buf_init(&b);
    plt_buf_put_visible(&b, line ? line : "(out of memory)");
    plt_buf_puts(&b, "\n");
    fputs(b.failed || !b.data ? "(out of memory)\n" : b.data, f);
    sim_free(line);
    plt_buf_fini(&b);
}
