/*
 * plt_charts.c - the standard charts; see plt_charts.h.
 *
 * Each chart has a builder that looks for its metrics by pattern, and when
 * it finds some, fills three texts: the chart's data file (CSV with a
 * header row; empty field = no value), an optional second data file, and
 * the gnuplot variables its template (plots/NAME.gp) expects. Writing the
 * data and drawing the chart are then the same for every chart.
 *
 * All series of a run share one interval (mdl_world_series_interval), so a
 * chart's columns share the time column of its first series; a series of
 * another length is padded with empty fields.
 */
#include "plt_charts.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_arrivals.h"
#include "plt_buf.h"
#include "plt_file.h"
#include "plt_gnuplot.h"
#include "res_fmt.h"
#include "res_projection.h"
#include "res_verdict.h"
#include "sim_alloc.h"
#include "sim_experiment.h"

static const plt_chart_info infos[PLT_NCHARTS] = {
    {"quota", "API quota use over time",
     "Each panel is one system with a daily API limit. The solid line is the number of calls "
     "counted in the quota window (the rolling 24 hours, or the calendar day) over simulated "
     "time, averaged over the replications; the dotted line is the highest replication. The "
     "dashed red line is the limit: where the use reaches it, calls are refused. The orange "
     "line is 70% of the limit: the card asks for 30% headroom for spikes, so a curve above "
     "it is a plan without headroom even if nothing was refused. With more than 8 systems, the "
     "8 with the least headroom are drawn, as the title says; series/quota.csv has them all."},
    {"latency", "Latency distribution per flow",
     "For each flow, the share of delivered records (vertical axis) whose latency, from the "
     "change at the source to the write in the target, is at most the time on the horizontal "
     "axis (log scale). The dashed vertical line of the same colour is the flow's SLO (flows "
     "that share an SLO share a black-labelled line saying how many); the "
     "dotted horizontal lines are the 95th and 99th percentiles. A flow meets its SLO at p99 "
     "when its curve crosses the p99 line to the left of its SLO line. With more than 8 flows, "
     "the 8 with the highest p99 against their SLO are drawn, as the title says; "
     "series/latency.csv has them all."},
    {"channels", "Event channels",
     "Top: deliveries counted against each channel's delivery allocation (every event "
     "delivered to every subscriber counts) with the allocation dashed. Middle: events "
     "published but not yet read. Bottom: the age of the oldest unread event against the "
     "retention window (red, dashed): an event older than the window is gone, so a curve that "
     "reaches the red line means records lost unless a reconciliation repairs them. With more "
     "than 6 channels, the 6 closest to their retention or allocation are drawn, as the title "
     "says; series/channels.csv has them all."},
    {"batch", "Batch runs against their window",
     "Each panel is one batch flow: the duration of its latest run over simulated time, the "
     "window (hard cutoff) in red, and the projection of the duration as the data volume grows "
     "at the scenario's monthly growth. Where the projection crosses the window is when the "
     "job stops fitting; it is an extrapolation from the simulated runs, not a simulated "
     "fact. With more than 8 batch flows, the 8 closest to overrunning their window are drawn "
     "(an overrun, then the earliest projected overrun, then the longest run against the "
     "window), as the title says; series/batch.csv has them all."},
    {"cascade", "The cascade: pools, workers, breakers, rejections",
     "Top: how full each caller's thread pool and each system's API workers are over time; "
     "red shading is the share of time a flow's circuit breaker is open. A pool at 100% "
     "rejects new calls of every flow that shares it, also flows whose own target is healthy: "
     "that is the cascade. Bottom: the records rejected per flow, stacked by the reason they "
     "were rejected. At scale the chart draws the 8 fullest pools and worker sets, the 4 "
     "breakers open longest and the 12 flows with the most rejections, as the title says; "
     "series/cascade.csv and series/rejections.csv have them all."},
};

const plt_chart_info *plt_chart_info_of(plt_chart_kind k)
{
    return (int)k >= 0 && k < PLT_NCHARTS ? &infos[k] : NULL;
}

/* ---- helpers ------------------------------------------------------------ */

typedef struct chart {
    plt_buf csv, csv2, vars;
    const char *csv2_name;
    int width, height;
    int note_lines; /* lines under the title saying what is drawn (NOTES) */
} chart;

/* v as "%.10g" writes it (res_fmt_g: the same bytes, without printf's
 * cost; the data files hold millions of numbers at 100 flows). */
static void g10(plt_buf *b, double v)
{
    char t[32];
    plt_buf_put(b, t, (size_t)res_fmt_g(v, 10, t));
}

static void csv_num(plt_buf *b, double v)
{
    plt_buf_put(b, ",", 1);
    if (isfinite(v))
        g10(b, v);
}

/* A header field: a comma, then id and suffix as one CSV field (quoted when
 * needed, control characters shown as escapes: one line per record). */
static void csv_col(plt_buf *b, const char *id, const char *suffix)
{
    plt_buf col;
    plt_buf_init(&col);
    plt_buf_puts(&col, id);
    plt_buf_puts(&col, suffix);
    plt_buf_puts(b, ",");
    plt_buf_csv_field(b, col.data);
    if (col.failed)
        b->failed = 1;
    plt_buf_fini(&col);
}

static void var_str(plt_buf *b, const char *name, const char *v)
{
    plt_buf_printf(b, "%s = ", name);
    plt_gnuplot_quote(b, v);
    plt_buf_puts(b, "\n");
}

static void var_num(plt_buf *b, const char *name, double v)
{
    if (isfinite(v))
        plt_buf_printf(b, "%s = %.10g\n", name, v);
    else
        plt_buf_printf(b, "%s = NaN\n", name);
}

/* "array NAME[n] = [...]" of strings or numbers; gnuplot arrays cannot be
 * empty, so n = 0 declares one unused element. */
static void array_begin(plt_buf *b, const char *name, int n)
{
    plt_buf_printf(b, "array %s[%d] = [", name, n > 0 ? n : 1);
}
static void array_sep(plt_buf *b, int i)
{
    if (i > 0)
        plt_buf_puts(b, ", ");
}
static void array_end(plt_buf *b, int n)
{
    plt_buf_puts(b, n > 0 ? "]\n" : "0]\n");
}
/* The end of an array of strings: its unused element is "" (not 0),
 * because gnuplot evaluates the title of a `plot for [i=1:0]` clause once
 * even though it draws nothing, and sprintf("%s", 0) is an error there. */
static void array_end_str(plt_buf *b, int n)
{
    plt_buf_puts(b, n > 0 ? "]\n" : "\"\"]\n");
}
static void array_num(plt_buf *b, int i, double v)
{
    array_sep(b, i);
    if (isfinite(v))
        plt_buf_printf(b, "%.10g", v);
    else
        plt_buf_puts(b, "NaN");
}
static void array_str(plt_buf *b, int i, const char *s)
{
    array_sep(b, i);
    plt_gnuplot_quote(b, s);
}

static void data_path(plt_buf *b, const char *var, const char *dir, const char *file)
{
    char *p = plt_file_join(dir, file);
    if (!p) {
        b->failed = 1;
        return;
    }
    var_str(b, var, p);
    sim_free(p);
}

/* The x axis of time charts: hours up to 3 days, days beyond. */
static void time_axis(const res_results *r, plt_buf *vars)
{
    double scale = r->horizon_s <= 3 * 86400.0 ? 3600.0 : 86400.0;
    var_num(vars, "TSCALE", scale);
    var_str(vars, "TUNIT", scale == 3600.0 ? "h" : "days");
    var_num(vars, "XMAX", r->horizon_s > 0 ? r->horizon_s / scale : 1.0);
}

static void title_var(const res_results *r, plt_buf *vars, const char *what)
{
    char t[512], load[32];
    snprintf(load, sizeof load, "%g", r->load);
    snprintf(t, sizeof t, "%s: %s (load %sx, %d replication%s)", r->name ? r->name : "", what, load,
             r->replications, r->replications == 1 ? "" : "s");
    var_str(vars, "TITLE", t);
}

static int panel_height(int panels)
{
    return 120 + 310 * (panels > 0 ? panels : 1);
}

/* ---- choosing what to draw ------------------------------------------------ */

/*
 * A chart draws at most a fixed number of items (panels, curves, bars): at
 * 1,000 systems a chart of one panel each is taller than Cairo draws, and
 * 1,000 curves are more than anyone reads. Each builder states its bound
 * and the reason. When a chart has more items it draws the most stressed,
 * ranked by the decision layer's evidence (results/: a limit's headroom,
 * a flow's p99 against its SLO, a batch's projection), most stressed
 * first, ties by id so the choice is deterministic; the chart's title
 * says how many it shows of how many and why (NOTE, OMITTED). The data
 * file keeps every item: the template finds the drawn items' columns
 * through COL. When every item fits, the chart draws them all in the data
 * file's order, as it always did.
 */
typedef struct pick {
    int col;       /* 1-based position of the item in the chart's data file */
    double stress; /* larger = closer to breaking; NaN = unmeasured, ranked last */
    const char *id;
} pick;

static int by_stress(const void *a, const void *b)
{
    const pick *x = a, *y = b;
    int xn = isnan(x->stress), yn = isnan(y->stress);
    if (xn != yn)
        return xn - yn;
    if (!xn && x->stress != y->stress)
        return x->stress > y->stress ? -1 : 1;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->col > y->col) - (x->col < y->col);
}

/* Orders p[0..n-1] for drawing and returns how many to draw: all of them,
 * in data order, when they fit; else the `bound` most stressed, first. */
static int choose(pick *p, int n, int bound)
{
    if (n <= bound)
        return n;
    qsort(p, (size_t)n, sizeof *p, by_stress);
    return bound;
}

/* The lines under a chart's title that say which items it draws when not
 * all fit (NOTES, one per kind of item left out, then where every item
 * is): short enough for a 1280 px title. */
typedef struct note {
    char line[4][160];
    int n;
} note;

/* Adds "the 8 of 125 systems with ..." when items were left out. */
static void omitted(note *t, int shown, int n, const char *what)
{
    if (shown >= n || t->n >= 3)
        return;
    const char *lead = t->n ? "and the" : "Drawn: the";
    snprintf(t->line[t->n], sizeof t->line[0], "%s %d of %d %s", lead, shown, n, what);
    t->n++;
}

/* NNOTE, NOTES (nothing when nothing was left out) and OMITTED; the chart
 * grows by the title's extra lines when drawn. */
static void note_vars(chart *c, note *t, int nomitted, const char *files)
{
    if (t->n)
        snprintf(t->line[t->n++], sizeof t->line[0], "(all are in %s and results.json)", files);
    plt_buf_printf(&c->vars, "NNOTE = %d\n", t->n);
    array_begin(&c->vars, "NOTES", t->n);
    for (int i = 0; i < t->n; i++)
        array_str(&c->vars, i, t->line[i]);
    array_end_str(&c->vars, t->n);
    plt_buf_printf(&c->vars, "OMITTED = %d\n", nomitted);
    c->note_lines = t->n;
}

static void cols_var(plt_buf *vars, const char *name, const pick *p, int shown)
{
    array_begin(vars, name, shown);
    for (int i = 0; i < shown; i++)
        array_num(vars, i, p[i].col);
    array_end(vars, shown);
}

static void names_var(plt_buf *vars, const char *name, const pick *p, int shown)
{
    array_begin(vars, name, shown);
    for (int i = 0; i < shown; i++)
        array_str(vars, i, p[i].id);
    array_end_str(vars, shown);
}

/* The variables of a chart that draws `shown` of its n items p (chosen):
 * N, NALL, NNOTE, NOTES, OMITTED, COL and the drawn items' ids as the
 * array named idvar. */
static void choice_vars(chart *c, const pick *p, int shown, int n, const char *idvar,
                        const char *what, const char *file)
{
    plt_buf_printf(&c->vars, "N = %d\nNALL = %d\n", shown, n);
    note t = {0};
    omitted(&t, shown, n, what);
    note_vars(c, &t, n - shown, file);
    cols_var(&c->vars, "COL", p, shown);
    names_var(&c->vars, idvar, p, shown);
}

static const res_limit *limit_of(const res_verdict *v, mdl_limit_kind kind, const char *id)
{
    for (int i = 0; v && i < v->nlimits; i++)
        if (v->limits[i].def->kind == kind && !strcmp(v->limits[i].def->id, id))
            return &v->limits[i];
    return NULL;
}

/* How full a limit came: its peak against its size (1 - headroom). */
static double fullness(const res_verdict *v, mdl_limit_kind kind, const char *id)
{
    const res_limit *l = limit_of(v, kind, id);
    return l ? 1.0 - l->headroom : NAN;
}

typedef struct item {
    const res_metric *m;
    char id[RES_ID_MAX];
} item;

/* The metrics matching pattern, in the results' order, with the ids the
 * '*' matched, into *out (sim_free it). The count, or -1 on no memory. */
static int collect(const res_results *r, const char *pattern, sim_metric_kind kind, item **out)
{
    char id[RES_ID_MAX];
    int n = 0;
    *out = NULL;
    for (size_t i = 0; i < r->nmetrics; i++)
        n += r->metrics[i].kind == kind &&
             res_name_match(pattern, r->metrics[i].name, id, sizeof id);
    if (n == 0)
        return 0;
    item *it = sim_calloc((size_t)n, sizeof *it);
    if (!it)
        return -1;
    n = 0;
    for (size_t i = 0; i < r->nmetrics; i++) {
        const res_metric *m = &r->metrics[i];
        if (m->kind == kind && res_name_match(pattern, m->name, id, sizeof id)) {
            memcpy(it[n].id, id, sizeof id);
            it[n++].m = m;
        }
    }
    *out = it;
    return n;
}

/* Writes the time column and the columns of the given series, row by row;
 * scale[k] multiplies column k. */
static void series_rows(plt_buf *csv, const res_metric *const *cols, const double *scale, int ncols)
{
    const res_metric *first = NULL;
    for (int k = 0; k < ncols && !first; k++)
        if (cols[k] && cols[k]->npoints > 0)
            first = cols[k];
    if (!first)
        return;
    for (size_t i = 0; i < first->npoints; i++) {
        g10(csv, (double)i * first->interval_s);
        for (int k = 0; k < ncols; k++) {
            const res_metric *m = cols[k];
            csv_num(csv, m && i < m->npoints && m->y ? m->y[i] * scale[k] : NAN);
        }
        plt_buf_puts(csv, "\n");
    }
}

/* A builder's arrays; any NULL on no memory: the chart's data is then
 * reported as incomplete (ENOMEM) when it is written. */
static int out_of_memory(chart *c)
{
    c->csv.failed = 1;
    return 1;
}

/* ---- 1. quota ----------------------------------------------------------- */

/* At most 8 panels: 8 x 310 px is 2,600 px, two slides at 1280 px wide;
 * more is a scroll nobody reads in a review (and at a few hundred, more
 * than Cairo can draw). Ranked by the quota's headroom (res_limits.h). */
enum { QUOTA_MAX = 8 };

static int build_quota(const res_results *r, const res_verdict *v, const char *dir, chart *c)
{
    item *ms;
    int n = collect(r, "system.*.quota_use_series", SIM_METRIC_SERIES, &ms);
    if (n <= 0)
        return n < 0 ? out_of_memory(c) : 0;
    pick *p = sim_calloc((size_t)n, sizeof *p);
    if (!p) {
        sim_free(ms);
        return out_of_memory(c);
    }
    var_num(&c->vars, "HEADROOM", MDL_HEADROOM);
    plt_buf_puts(&c->csv, "time_s");
    for (int i = 0; i < n; i++) {
        csv_col(&c->csv, ms[i].id, ".use_mean");
        csv_col(&c->csv, ms[i].id, ".use_max");
        p[i] = (pick){i + 1, fullness(v, MDL_LIMIT_QUOTA, ms[i].id), ms[i].id};
    }
    plt_buf_puts(&c->csv, "\n");
    const res_metric *first = ms[0].m;
    for (size_t t = 0; t < first->npoints; t++) {
        g10(&c->csv, (double)t * first->interval_s);
        for (int i = 0; i < n; i++) {
            const res_metric *m = ms[i].m;
            csv_num(&c->csv, t < m->npoints && m->y ? m->y[t] : NAN);
            csv_num(&c->csv, t < m->npoints && m->ymax ? m->ymax[t] : NAN);
        }
        plt_buf_puts(&c->csv, "\n");
    }
    int shown = choose(p, n, QUOTA_MAX);
    data_path(&c->vars, "DATA", dir, "series/quota.csv");
    title_var(r, &c->vars, "API quota use");
    time_axis(r, &c->vars);
    choice_vars(c, p, shown, n, "SYS", "systems with the least quota headroom", "series/quota.csv");
    array_begin(&c->vars, "LIMIT", shown);
    for (int i = 0; i < shown; i++) {
        const res_system *s = res_results_system(r, p[i].id);
        double limit =
            res_results_meanf(r, s ? s->daily_limit : NAN, "system.%s.quota_limit", p[i].id);
        array_num(&c->vars, i, limit);
    }
    array_end(&c->vars, shown);
    array_begin(&c->vars, "WINDOW", shown);
    for (int i = 0; i < shown; i++) {
        const res_system *s = res_results_system(r, p[i].id);
        char w[64], d[32];
        if (s && s->quota_window_s > 0)
            snprintf(w, sizeof w, "%s %s", s->quota_rolling ? "rolling" : "calendar",
                     res_fmt_duration(s->quota_window_s, d, sizeof d));
        else
            snprintf(w, sizeof w, "quota");
        array_str(&c->vars, i, w);
    }
    array_end_str(&c->vars, shown);
    c->height = panel_height(shown);
    sim_free(p);
    sim_free(ms);
    return 1;
}

/* ---- 2. latency CDF ------------------------------------------------------ */

/* At most 8 curves: the palette has 8 colours (common.gp) and each SLO line
 * is told from the others by its curve's colour, so a ninth would repeat
 * one. Ranked by p99 against the SLO (the verdict's slo_p99 rule); flows
 * without an SLO last. */
enum { LATENCY_MAX = 8 };

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double p99_over_slo(const res_verdict *v, const char *id)
{
    for (int i = 0; v && i < v->nflows; i++)
        if (!strcmp(v->flows[i].id, id))
            return v->flows[i].slo_s > 0 ? v->flows[i].p99 / v->flows[i].slo_s : NAN;
    return NAN;
}

/* The smallest positive bin edge of a hist metric (a log axis), or NaN. */
static double first_positive_edge(const res_metric *m)
{
    if (m->lo[0] > 0)
        return m->lo[0];
    for (size_t b = 0; b < m->nbins; b++)
        if (m->hi[b] > 0)
            return m->hi[b];
    return NAN;
}

static int build_latency(const res_results *r, const res_verdict *v, const char *dir, chart *c)
{
    item *ms;
    int found = collect(r, "flow.*.latency", SIM_METRIC_HIST, &ms), n = 0;
    if (found < 0)
        return out_of_memory(c);
    for (int i = 0; i < found; i++) /* keep the flows with observations */
        if (ms[i].m->count > 0 && ms[i].m->nbins > 0)
            ms[n++] = ms[i];
    if (n == 0) {
        sim_free(ms);
        return 0;
    }
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += ms[i].m->nbins + 1;
    double *x = sim_calloc(total, sizeof *x), *cum = sim_calloc((size_t)n, sizeof *cum);
    size_t *cursor = sim_calloc((size_t)n, sizeof *cursor);
    pick *p = sim_calloc((size_t)n, sizeof *p);
    if (!x || !cum || !cursor || !p) {
        sim_free(x);
        sim_free(cum);
        sim_free(cursor);
        sim_free(p);
        sim_free(ms);
        return out_of_memory(c);
    }
    size_t nx = 0;
    for (int i = 0; i < n; i++) {
        x[nx++] = ms[i].m->lo[0];
        for (size_t b = 0; b < ms[i].m->nbins; b++)
            x[nx++] = ms[i].m->hi[b];
    }
    qsort(x, nx, sizeof *x, cmp_double);
    size_t u = 0; /* unique, positive (log axis) */
    for (size_t i = 0; i < nx; i++)
        if (x[i] > 0 && (u == 0 || x[i] != x[u - 1]))
            x[u++] = x[i];
    plt_buf_puts(&c->csv, "latency_s");
    for (int i = 0; i < n; i++)
        csv_col(&c->csv, ms[i].id, ".cdf");
    plt_buf_puts(&c->csv, "\n");
    for (size_t k = 0; k < u; k++) {
        g10(&c->csv, x[k]);
        for (int i = 0; i < n; i++) {
            const res_metric *m = ms[i].m;
            while (cursor[i] < m->nbins && m->hi[cursor[i]] <= x[k])
                cum[i] += (double)m->bin_count[cursor[i]++];
            int inside = x[k] >= m->lo[0] && x[k] <= m->hi[m->nbins - 1];
            csv_num(&c->csv, inside ? cum[i] / (double)m->count : NAN);
        }
        plt_buf_puts(&c->csv, "\n");
    }
    sim_free(x);
    sim_free(cum);
    sim_free(cursor);
    for (int i = 0; i < n; i++)
        p[i] = (pick){i + 1, p99_over_slo(v, ms[i].id), ms[i].id};
    int shown = choose(p, n, LATENCY_MAX);
    /* the axis: the drawn flows' data and SLOs */
    double xmin = INFINITY, xmax = -INFINITY;
    for (int i = 0; i < shown; i++) {
        const res_metric *m = ms[p[i].col - 1].m;
        double lo = first_positive_edge(m), hi = m->hi[m->nbins - 1];
        if (lo < xmin)
            xmin = lo;
        if (hi > 0 && hi > xmax)
            xmax = hi;
    }
    if (!isfinite(xmin) || !isfinite(xmax))
        xmin = 1e-3, xmax = 1.0;
    data_path(&c->vars, "DATA", dir, "series/latency.csv");
    title_var(r, &c->vars, "latency distribution per flow");
    choice_vars(c, p, shown, n, "FLOW", "flows with the highest p99 against their SLO",
                "series/latency.csv");
    array_begin(&c->vars, "SLO", shown);
    for (int i = 0; i < shown; i++) {
        const res_flow *f = res_results_flow(r, p[i].id);
        double slo = f ? f->slo_s : 0.0;
        array_num(&c->vars, i, slo);
        if (slo > xmax)
            xmax = slo;
        if (slo > 0 && slo < xmin)
            xmin = slo;
    }
    array_end(&c->vars, shown);
    array_begin(&c->vars, "SLOTXT", shown);
    for (int i = 0; i < shown; i++) {
        const res_flow *f = res_results_flow(r, p[i].id);
        char d[32];
        array_str(&c->vars, i,
                  !f || f->slo_s <= 0 ? "none"
                  : f->slo_nightly    ? "nightly"
                                      : res_fmt_duration(f->slo_s, d, sizeof d));
    }
    array_end_str(&c->vars, shown);
    /* whole decades around the data, so the log axis has labelled ends */
    var_num(&c->vars, "XMIN", pow(10.0, floor(log10(xmin))));
    var_num(&c->vars, "XMAX", pow(10.0, ceil(log10(xmax * 1.05))));
    c->height = 720;
    sim_free(p);
    sim_free(ms);
    return 1;
}

/* ---- 3. event channels ---------------------------------------------------- */

/* At most 6 channels: the allocation and the age panels give each channel
 * two key lines, and a 310 px panel's key holds about 12 before it runs
 * off the chart. Ranked by how close the channel came to losing events:
 * the larger of its oldest unread event's peak age against the retention
 * and its allocation's peak use against its size (res_limits.h). */
enum { CHANNELS_MAX = 6 };

static int add_id(char (*ids)[RES_ID_MAX], int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(ids[i], id))
            return n;
    snprintf(ids[n++], RES_ID_MAX, "%s", id);
    return n;
}

static int channel_metric(const res_metric *m, char *id)
{
    return m->kind == SIM_METRIC_SERIES &&
           (res_name_match("channel.*.backlog_series", m->name, id, RES_ID_MAX) ||
            res_name_match("channel.*.allocation_used_series", m->name, id, RES_ID_MAX) ||
            res_name_match("channel.*.oldest_unread_age_series", m->name, id, RES_ID_MAX));
}

static double retention_of(const res_results *r, const char *id)
{
    const res_system *s = res_results_system(r, id);
    return res_results_meanf(r, s ? s->retention_s : 0.0, "channel.%s.retention_s", id);
}

/* A channel's delivery allocation (0 = none). */
static double allocation_of(const res_results *r, const char *id)
{
    const res_system *s = res_results_system(r, id);
    return res_results_meanf(r, s ? s->delivery_allocation : 0.0, "channel.%s.allocation_limit",
                             id);
}

static double channel_stress(const res_results *r, const res_verdict *v, const char *id)
{
    double ret = retention_of(r, id);
    double age = res_results_meanf(r, NAN, "channel.%s.oldest_unread_age_peak_s", id);
    double s = ret > 0 && isfinite(age) ? age / ret : NAN;
    double alloc = fullness(v, MDL_LIMIT_ALLOCATION, id);
    return isfinite(alloc) && !(alloc <= s) ? alloc : s;
}

static int build_channels(const res_results *r, const res_verdict *v, const char *dir, chart *c)
{
    char id[RES_ID_MAX];
    int max = 0, n = 0;
    for (size_t i = 0; i < r->nmetrics; i++)
        max += channel_metric(&r->metrics[i], id);
    if (max == 0)
        return 0;
    char(*ids)[RES_ID_MAX] = sim_calloc((size_t)max, sizeof *ids);
    pick *p = sim_calloc((size_t)max, sizeof *p);
    const res_metric **cols = sim_calloc(3 * (size_t)max, sizeof *cols);
    double *scale = sim_calloc(3 * (size_t)max, sizeof *scale);
    if (!ids || !p || !cols || !scale) {
        sim_free(ids);
        sim_free(p);
        sim_free(cols);
        sim_free(scale);
        return out_of_memory(c);
    }
    for (size_t i = 0; i < r->nmetrics; i++)
        if (channel_metric(&r->metrics[i], id))
            n = add_id(ids, n, id);
    plt_buf_puts(&c->csv, "time_s");
    for (int i = 0; i < n; i++) {
        csv_col(&c->csv, ids[i], ".allocation_used");
        csv_col(&c->csv, ids[i], ".backlog");
        csv_col(&c->csv, ids[i], ".oldest_unread_age_s");
        cols[3 * i] = res_results_findf(r, "channel.%s.allocation_used_series", ids[i]);
        cols[3 * i + 1] = res_results_findf(r, "channel.%s.backlog_series", ids[i]);
        cols[3 * i + 2] = res_results_findf(r, "channel.%s.oldest_unread_age_series", ids[i]);
        scale[3 * i] = scale[3 * i + 1] = scale[3 * i + 2] = 1.0;
        p[i] = (pick){i + 1, channel_stress(r, v, ids[i]), ids[i]};
    }
    plt_buf_puts(&c->csv, "\n");
    series_rows(&c->csv, cols, scale, 3 * n);
    int shown = choose(p, n, CHANNELS_MAX);
    data_path(&c->vars, "DATA", dir, "series/channels.csv");
    title_var(r, &c->vars, "event channels");
    time_axis(r, &c->vars);
    choice_vars(c, p, shown, n, "CH", "channels closest to their retention or allocation",
                "series/channels.csv");
    array_begin(&c->vars, "ALLOC", shown);
    for (int i = 0; i < shown; i++)
        array_num(&c->vars, i, allocation_of(r, p[i].id));
    array_end(&c->vars, shown);
    array_begin(&c->vars, "ALLOCTXT", shown); /* "100,000,000", for the key */
    for (int i = 0; i < shown; i++) {
        char t[32];
        array_str(&c->vars, i, res_fmt_count(allocation_of(r, p[i].id), t, sizeof t));
    }
    array_end_str(&c->vars, shown);
    array_begin(&c->vars, "RET", shown);
    for (int i = 0; i < shown; i++)
        array_num(&c->vars, i, retention_of(r, p[i].id));
    array_end(&c->vars, shown);
    c->height = panel_height(3);
    sim_free(ids);
    sim_free(p);
    sim_free(cols);
    sim_free(scale);
    return 1;
}

/* ---- 4. batch ------------------------------------------------------------ */

/* At most 8 rows, as the quota chart's panels. Ranked as the verdict
 * ranks batches: an overrun first (batch_overrun), then a projected
 * overrun, earliest month first (projected_overrun), then the longest run
 * against the window (the least window headroom). */
enum { BATCH_MAX = 8 };

static const res_projection *projection_of(const res_verdict *v, const char *id)
{
    for (int k = 0; v && k < v->nprojections; k++)
        if (!strcmp(v->projections[k].flow->id, id))
            return &v->projections[k];
    return NULL;
}

/* 2 and more: overran; (1, 2): a projected overrun, earlier is larger;
 * below 1: the longest run's share of the window. */
static double batch_stress(const res_results *r, const res_verdict *v, const item *it)
{
    const res_projection *p = projection_of(v, it->id);
    const res_flow *f = res_results_flow(r, it->id);
    double window = f ? f->batch_window_s : 0.0;
    double share = window > 0 && isfinite(it->m->max) ? it->m->max / window : NAN;
    if (p && p->state == RES_PROJ_OVERRUN)
        return 2.0 + (isfinite(share) ? share : 0.0);
    if (p && p->state == RES_PROJ_FINDING && isfinite(p->median))
        return 1.0 + 1.0 / (1.0 + (p->median > 0 ? p->median : 0.0));
    return share;
}

static int build_batch(const res_results *r, const res_verdict *v, const char *dir, chart *c)
{
    item *ms;
    int n = collect(r, "flow.*.batch.duration_series", SIM_METRIC_SERIES, &ms);
    if (n <= 0)
        return n < 0 ? out_of_memory(c) : 0;
    pick *p = sim_calloc((size_t)n, sizeof *p);
    const res_metric **cols = sim_calloc((size_t)n, sizeof *cols);
    double *scale = sim_calloc((size_t)n, sizeof *scale);
    if (!p || !cols || !scale) {
        sim_free(p);
        sim_free(cols);
        sim_free(scale);
        sim_free(ms);
        return out_of_memory(c);
    }
    plt_buf_puts(&c->csv, "time_s");
    for (int i = 0; i < n; i++) {
        csv_col(&c->csv, ms[i].id, ".duration_s");
        cols[i] = ms[i].m;
        scale[i] = 1.0;
        p[i] = (pick){i + 1, batch_stress(r, v, &ms[i]), ms[i].id};
    }
    plt_buf_puts(&c->csv, "\n");
    series_rows(&c->csv, cols, scale, n);
    sim_free(cols);
    sim_free(scale);
    int shown = choose(p, n, BATCH_MAX);
    data_path(&c->vars, "DATA", dir, "series/batch.csv");
    title_var(r, &c->vars, "batch runs against their window");
    choice_vars(c, p, shown, n, "FLOW", "batch flows closest to overrunning their window",
                "series/batch.csv");
    /* the projection (results/res_projection.h), in months:
     * d(m) = anchor_s exp(slope (m - anchor_month)), through the simulated
     * runs, and for a finding through the window at the median month */
    double window[BATCH_MAX], growth[BATCH_MAX], am[BATCH_MAX], as[BATCH_MAX], slope[BATCH_MAX],
        dmean[BATCH_MAX], cross[BATCH_MAX], cross_lo[BATCH_MAX], cross_hi[BATCH_MAX],
        xmax[BATCH_MAX], ytop[BATCH_MAX];
    char label[BATCH_MAX][160], ptitle[BATCH_MAX][200];
    for (int i = 0; i < shown; i++) {
        const char *id = p[i].id;
        const res_flow *f = res_results_flow(r, id);
        const res_projection *pr = projection_of(v, id);
        window[i] = f ? f->batch_window_s : 0.0;
        growth[i] = f ? f->growth : 0.0;
        dmean[i] = res_results_meanf(r, NAN, "flow.%s.batch.duration_mean", id);
        am[i] = pr ? pr->anchor_month : 0.0;
        as[i] = pr && pr->state != RES_PROJ_NONE && pr->state != RES_PROJ_OVERRUN &&
                        isfinite(pr->anchor_s) && pr->anchor_s > 0
                    ? pr->anchor_s
                    : 0.0; /* 0: no curve */
        slope[i] = pr ? pr->slope : 0.0;
        cross[i] = cross_lo[i] = cross_hi[i] = NAN;
        char g[16];
        res_fmt_percent(growth[i], g, sizeof g);
        if (pr && pr->state == RES_PROJ_FINDING) {
            cross[i] = pr->median;
            cross_lo[i] = pr->lo;
            cross_hi[i] = pr->hi;
            snprintf(label[i], sizeof label[i], "projected (median of %d of %d replications)",
                     pr->with, pr->reps);
            snprintf(ptitle[i], sizeof ptitle[i],
                     "%s: projected to outgrow its window in month %.1f (range %.1f-%.1f)", id,
                     pr->median, pr->lo, pr->hi);
        } else if (pr && pr->state == RES_PROJ_NO_EVIDENCE) {
            snprintf(label[i], sizeof label[i], "if it grew with the data (%s/month)", g);
            snprintf(ptitle[i], sizeof ptitle[i],
                     "%s: not enough evidence for a projection (run with --days %.0f)", id,
                     pr->days_needed);
        } else if (pr && pr->state == RES_PROJ_NO_TREND) {
            snprintf(label[i], sizeof label[i], "if it grew with the data (%s/month)", g);
            snprintf(ptitle[i], sizeof ptitle[i],
                     "%s: no trend toward the window in the simulated runs", id);
        } else {
            snprintf(label[i], sizeof label[i], "projected duration");
            snprintf(ptitle[i], sizeof ptitle[i], "%s: %s", id,
                     pr && pr->state == RES_PROJ_OVERRUN ? "overruns its window already"
                                                         : "no growth: nothing to project");
        }
        xmax[i] = 12.0; /* a year, or to a little past the crossing (at most 5 years) */
        double at = isfinite(cross_hi[i]) ? cross_hi[i] : NAN;
        if (!isfinite(at) && as[i] > 0 && window[i] > 0 && slope[i] > 0)
            at = am[i] + log(window[i] / as[i]) / slope[i];
        if (isfinite(at) && at * 1.25 > xmax[i])
            xmax[i] = at * 1.25 < 60.0 ? at * 1.25 : 60.0;
        /* minutes; the key goes above the window line */
        double top = window[i] > 0 ? window[i] : isfinite(dmean[i]) ? dmean[i] : 60.0;
        ytop[i] = 1.4 * top / 60.0;
    }
    var_num(&c->vars, "HDAYS", r->horizon_s > 0 ? r->horizon_s / 86400.0 : 1.0);
    var_num(&c->vars, "MONTH_DAYS", sim_time_to_seconds(MDL_MONTH) / 86400.0);
    const struct {
        const char *name;
        const double *v;
    } arrays[] = {{"WINDOW", window},     {"GROWTH", growth},     {"ANCHOR_M", am},
                  {"ANCHOR_S", as},       {"SLOPE", slope},       {"CROSS_M", cross},
                  {"CROSS_LO", cross_lo}, {"CROSS_HI", cross_hi}, {"DMEAN", dmean},
                  {"XMAXM", xmax},        {"YTOP", ytop}};
    for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++) {
        array_begin(&c->vars, arrays[a].name, shown);
        for (int i = 0; i < shown; i++)
            array_num(&c->vars, i, arrays[a].v[i]);
        array_end(&c->vars, shown);
    }
    array_begin(&c->vars, "PLABEL", shown);
    for (int i = 0; i < shown; i++)
        array_str(&c->vars, i, label[i]);
    array_end_str(&c->vars, shown);
    array_begin(&c->vars, "PTITLE", shown);
    for (int i = 0; i < shown; i++)
        array_str(&c->vars, i, ptitle[i]);
    array_end_str(&c->vars, shown);
    c->height = panel_height(shown);
    sim_free(p);
    sim_free(ms);
    return 1;
}

/* ---- 5. cascade --------------------------------------------------------- */

/* The top panel's key holds about 12 lines (a 310 px panel): at most 8
 * pools and worker sets (the palette's 8 colours), ranked by how full they
 * came (a caller pool's headroom, res_limits.h; a system's peak worker
 * utilisation), and 4 breakers (one shading colour), ranked by the share
 * of time open. The bars: at most 12 flows, ranked by records rejected;
 * more labels do not fit under 1280 px. */
enum { CASCADE_LINES_MAX = 8, CASCADE_BREAKERS_MAX = 4, CASCADE_FLOWS_MAX = 12 };

/* "flow.<id>.rejected.<reason>": copies id and reason. */
static int rejected_reason(const char *name, char *id, char *reason)
{
    if (strncmp(name, "flow.", 5) != 0)
        return 0;
    const char *a = name + 5, *dot = strchr(a, '.');
    if (!dot || (size_t)(dot - a) >= RES_ID_MAX || strncmp(dot, ".rejected.", 10) != 0)
        return 0;
    const char *rs = dot + 10;
    if (!*rs || strchr(rs, '.') || strlen(rs) >= RES_ID_MAX)
        return 0;
    memcpy(id, a, (size_t)(dot - a));
    id[dot - a] = '\0';
    strcpy(reason, rs);
    return 1;
}

enum { NAME_MAX_ = RES_ID_MAX + 16, REASONS_MAX = 64 };

/* The cascade's columns and rows, all of them (the data files). */
typedef struct cascade {
    const res_metric **cols;
    double *scale;
    char (*names)[NAME_MAX_];
    pick *lines, *breakers, *flows; /* col: 1-based among the lines, the breakers, the flows */
    char (*fids)[RES_ID_MAX];
    double *rejected; /* [flow * REASONS_MAX + reason] */
    int nu, nb, nf, nr;
    char reasons[REASONS_MAX][RES_ID_MAX];
} cascade;

static void cascade_fini(cascade *k)
{
    sim_free(k->cols);
    sim_free(k->scale);
    sim_free(k->names);
    sim_free(k->lines);
    sim_free(k->breakers);
    sim_free(k->flows);
    sim_free(k->fids);
    sim_free(k->rejected);
}

static int cascade_alloc(cascade *k, size_t ncols, size_t nflows)
{
    ncols += !ncols;
    nflows += !nflows;
    k->cols = sim_calloc(ncols, sizeof *k->cols);
    k->scale = sim_calloc(ncols, sizeof *k->scale);
    k->names = sim_calloc(ncols, sizeof *k->names);
    k->lines = sim_calloc(ncols, sizeof *k->lines);
    k->breakers = sim_calloc(ncols, sizeof *k->breakers);
    k->flows = sim_calloc(nflows, sizeof *k->flows);
    k->fids = sim_calloc(nflows, sizeof *k->fids);
    k->rejected = sim_calloc(nflows * REASONS_MAX, sizeof *k->rejected);
    return k->cols && k->scale && k->names && k->lines && k->breakers && k->flows && k->fids &&
           k->rejected;
}

/* Fills k from r: the utilisation and breaker columns, the flows' and
 * reasons' rejections. 0 on no memory. */
static int cascade_fill(const res_results *r, const res_verdict *v, cascade *k)
{
    char id[RES_ID_MAX], reason[RES_ID_MAX];
    size_t ncols = 0, nrej = 0;
    for (size_t i = 0; i < r->nmetrics; i++) {
        const res_metric *m = &r->metrics[i];
        ncols += m->kind == SIM_METRIC_SERIES &&
                 (res_name_match("caller.*.pool_in_use_series", m->name, NULL, 0) ||
                  res_name_match("system.*.utilisation_series", m->name, NULL, 0) ||
                  res_name_match("flow.*.breaker_open_series", m->name, NULL, 0));
        nrej += m->kind == SIM_METRIC_SCALAR && rejected_reason(m->name, id, reason);
    }
    if (!cascade_alloc(k, ncols, nrej))
        return 0;
    for (size_t i = 0; i < r->nmetrics; i++) {
        const res_metric *m = &r->metrics[i];
        if (m->kind != SIM_METRIC_SERIES)
            continue;
        double stress;
        if (res_name_match("caller.*.pool_in_use_series", m->name, id, sizeof id)) {
            const res_caller *cl = res_results_caller(r, id);
            double size = res_results_meanf(r, cl ? cl->pool_size : NAN, "caller.%s.pool_size", id);
            if (!(size > 0))
                continue;
            k->scale[k->nu] = 100.0 / size;
            snprintf(k->names[k->nu], NAME_MAX_, "%s pool", id);
            stress = fullness(v, MDL_LIMIT_CALLER_POOL, id);
        } else if (res_name_match("system.*.utilisation_series", m->name, id, sizeof id)) {
            if (!(res_results_meanf(r, 1.0, "system.%s.requests", id) > 0))
                continue; /* a system nobody calls */
            k->scale[k->nu] = 100.0;
            snprintf(k->names[k->nu], NAME_MAX_, "%s workers", id);
            stress = m->max;
        } else {
            continue;
        }
        k->cols[k->nu] = m;
        k->lines[k->nu] = (pick){k->nu + 1, stress, k->names[k->nu]};
        k->nu++;
    }
    for (size_t i = 0; i < r->nmetrics; i++) {
        const res_metric *m = &r->metrics[i];
        int at = k->nu + k->nb;
        if (m->kind == SIM_METRIC_SERIES &&
            res_name_match("flow.*.breaker_open_series", m->name, id, sizeof id)) {
            k->cols[at] = m;
            k->scale[at] = 100.0;
            snprintf(k->names[at], NAME_MAX_, "%s", id);
            k->breakers[k->nb] = (pick){k->nb + 1, m->mean, k->names[at]};
            k->nb++;
        }
    }
    /* rejections: flows x reasons with a non-zero mean somewhere */
    for (size_t i = 0; i < r->nmetrics; i++) {
        const res_metric *m = &r->metrics[i];
        if (m->kind != SIM_METRIC_SCALAR || !rejected_reason(m->name, id, reason))
            continue;
        int f = k->nf ? k->nf - 1 : 0; /* a flow's reasons are adjacent: try the last first */
        if (k->nf == 0 || strcmp(k->fids[f], id)) {
            for (f = 0; f < k->nf && strcmp(k->fids[f], id); f++)
                ;
            if (f == k->nf)
                snprintf(k->fids[k->nf++], RES_ID_MAX, "%s", id);
        }
        int j;
        for (j = 0; j < k->nr && strcmp(k->reasons[j], reason); j++)
            ;
        if (j == k->nr && m->mean > 0 && k->nr < REASONS_MAX)
            snprintf(k->reasons[k->nr++], RES_ID_MAX, "%s", reason);
    }
    for (int f = 0; f < k->nf; f++) {
        double sum = 0.0;
        for (int j = 0; j < k->nr; j++) {
            double x = res_results_meanf(r, 0.0, "flow.%s.rejected.%s", k->fids[f], k->reasons[j]);
            k->rejected[f * REASONS_MAX + j] = x;
            sum += isfinite(x) ? x : 0.0;
        }
        k->flows[f] = (pick){f + 1, sum, k->fids[f]};
    }
    return 1;
}

static int build_cascade(const res_results *r, const res_verdict *v, const char *dir, chart *c)
{
    cascade k = {0};
    if (!cascade_fill(r, v, &k)) {
        cascade_fini(&k);
        return out_of_memory(c);
    }
    if (k.nu + k.nb == 0 && k.nr == 0) {
        cascade_fini(&k);
        return 0;
    }
    plt_buf_puts(&c->csv, "time_s");
    for (int j = 0; j < k.nu; j++)
        csv_col(&c->csv, k.names[j], ".utilisation_pct");
    for (int j = k.nu; j < k.nu + k.nb; j++)
        csv_col(&c->csv, k.names[j], ".breaker_open_pct");
    plt_buf_puts(&c->csv, "\n");
    series_rows(&c->csv, k.cols, k.scale, k.nu + k.nb);
    plt_buf_puts(&c->csv2, "flow");
    for (int j = 0; j < k.nr; j++)
        csv_col(&c->csv2, k.reasons[j], "");
    plt_buf_puts(&c->csv2, "\n");
    for (int f = 0; f < k.nf; f++) {
        plt_buf_csv_field(&c->csv2, k.fids[f]);
        for (int j = 0; j < k.nr; j++)
            csv_num(&c->csv2, k.rejected[f * REASONS_MAX + j]);
        plt_buf_puts(&c->csv2, "\n");
    }
    c->csv2_name = "series/rejections.csv";
    int nu = choose(k.lines, k.nu, CASCADE_LINES_MAX);
    int nb = choose(k.breakers, k.nb, CASCADE_BREAKERS_MAX);
    int nf = choose(k.flows, k.nf, CASCADE_FLOWS_MAX);
    data_path(&c->vars, "DATA", dir, "series/cascade.csv");
    title_var(r, &c->vars, "the cascade");
    time_axis(r, &c->vars);
    plt_buf_printf(&c->vars, "NU = %d\nNB = %d\nNR = %d\nNF = %d\nNUCOL = %d\n", nu, nb, k.nr, nf,
                   k.nu);
    plt_buf_printf(&c->vars, "NUALL = %d\nNBALL = %d\nNFALL = %d\n", k.nu, k.nb, k.nf);
    note t = {0};
    omitted(&t, nu, k.nu, "pools and worker sets that came fullest");
    omitted(&t, nb, k.nb, "breakers open longest");
    omitted(&t, nf, k.nf, "flows with the most rejections");
    note_vars(c, &t, (k.nu - nu) + (k.nb - nb) + (k.nf - nf),
              "series/cascade.csv, series/rejections.csv");
    cols_var(&c->vars, "UCOL", k.lines, nu);
    cols_var(&c->vars, "BCOL", k.breakers, nb);
    names_var(&c->vars, "UNAME", k.lines, nu);
    names_var(&c->vars, "BNAME", k.breakers, nb);
    names_var(&c->vars, "FNAME", k.flows, nf); /* the bars' rows, named here */
    array_begin(&c->vars, "RNAME", k.nr);
    for (int j = 0; j < k.nr; j++)
        array_str(&c->vars, j, k.reasons[j]);
    array_end_str(&c->vars, k.nr);
    /* the drawn flows' bars, in drawing order (rejections.csv has them
     * all): their row in that file, then their rejections per reason;
     * numbers only, as gnuplot reads no text from data (plt_gnuplot.h) */
    plt_buf_puts(&c->vars, "$REJD << EOD\n");
    for (int f = 0; f < nf; f++) {
        plt_buf_printf(&c->vars, "%d", k.flows[f].col);
        for (int j = 0; j < k.nr; j++)
            csv_num(&c->vars, k.rejected[(k.flows[f].col - 1) * REASONS_MAX + j]);
        plt_buf_puts(&c->vars, "\n");
    }
    plt_buf_puts(&c->vars, "EOD\n");
    c->height = panel_height(2);
    cascade_fini(&k);
    return 1;
}
/* ---- generic exports ------------------------------------------------------ */

/* series/all.csv (and all-2.csv, ... for other intervals): every series. */
static int write_all_series(const res_results *r, const char *dir, sim_err *err)
{
    size_t n = r->nmetrics;
    char *done = sim_calloc(n + 1, 1);
    if (!done)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = SIM_OK, group = 0;
    for (size_t i = 0; i < n && rc == SIM_OK; i++) {
        const res_metric *g = &r->metrics[i];
        if (done[i] || g->kind != SIM_METRIC_SERIES || g->npoints == 0)
            continue;
        plt_buf csv;
        plt_buf_init(&csv);
        plt_buf_puts(&csv, "time_s");
        for (size_t j = i; j < n; j++) {
            const res_metric *m = &r->metrics[j];
            if (m->kind == SIM_METRIC_SERIES && m->npoints == g->npoints &&
                m->interval_s == g->interval_s) {
                plt_buf_puts(&csv, ",");
                plt_buf_csv_field(&csv, m->name);
                done[j] = 2; /* in this group */
            }
        }
        plt_buf_puts(&csv, "\n");
        for (size_t p = 0; p < g->npoints; p++) {
            g10(&csv, (double)p * g->interval_s);
            for (size_t j = i; j < n; j++)
                if (done[j] == 2)
                    csv_num(&csv, r->metrics[j].y ? r->metrics[j].y[p] : NAN);
            plt_buf_puts(&csv, "\n");
        }
        for (size_t j = i; j < n; j++)
            if (done[j] == 2)
                done[j] = 1;
        char name[64];
        if (group++ == 0)
            snprintf(name, sizeof name, "series/all.csv");
        else
            snprintf(name, sizeof name, "series/all-%d.csv", group);
        rc = plt_buf_status(&csv, err);
        if (rc == SIM_OK)
            rc = plt_file_write(dir, name, csv.data, csv.len, err);
        plt_buf_fini(&csv);
    }
    sim_free(done);
    return rc;
}

static int write_hists(const res_results *r, const char *dir, sim_err *err)
{
    plt_buf csv;
    plt_buf_init(&csv);
    plt_buf_puts(&csv, "metric,lo,hi,count\n");
    for (size_t i = 0; i < r->nmetrics; i++) {
        const res_metric *m = &r->metrics[i];
        if (m->kind != SIM_METRIC_HIST)
            continue;
        for (size_t b = 0; b < m->nbins; b++) {
            plt_buf_csv_field(&csv, m->name);
            plt_buf_put(&csv, ",", 1);
            g10(&csv, m->lo[b]); /* as "%.10g": inf too */
            plt_buf_put(&csv, ",", 1);
            g10(&csv, m->hi[b]);
            plt_buf_printf(&csv, ",%llu\n", (unsigned long long)m->bin_count[b]);
        }
    }
    int rc = plt_buf_status(&csv, err);
    if (rc == SIM_OK)
        rc = plt_file_write(dir, "series/hists.csv", csv.data, csv.len, err);
    plt_buf_fini(&csv);
    return rc;
}

/* ---- driving ------------------------------------------------------------- */

typedef int build_fn(const res_results *r, const res_verdict *v, const char *dir, chart *c);
static build_fn *const builders[PLT_NCHARTS] = {build_quota, build_latency, build_channels,
                                                build_batch, build_cascade};

static void chart_init(chart *c)
{
    plt_buf_init(&c->csv);
    plt_buf_init(&c->csv2);
    plt_buf_init(&c->vars);
    c->csv2_name = NULL;
    c->width = 1280;
    c->height = 720;
    c->note_lines = 0;
}

static void chart_fini(chart *c)
{
    plt_buf_fini(&c->csv);
    plt_buf_fini(&c->csv2);
    plt_buf_fini(&c->vars);
}

/* The decision layer's findings the charts rank their items by (which
 * systems, flows, channels to draw when not all fit). */
static int verdict_of(const res_results *r, res_verdict *v, sim_err *err)
{
    memset(v, 0, sizeof *v);
    return res_verdict_compute(r, v, err);
}

unsigned plt_charts_available(const res_results *r)
{
    unsigned mask = 0;
    res_verdict v;
    int ok = verdict_of(r, &v, NULL) == SIM_OK;
    for (int k = 0; k < PLT_NCHARTS; k++) {
        chart c;
        chart_init(&c);
        if (builders[k](r, ok ? &v : NULL, "", &c))
            mask |= 1u << k;
        chart_fini(&c);
    }
    res_verdict_fini(&v);
    return mask;
}

/* Builds chart k and writes its data; *has = 0 when it has no data. */
/* Builds chart k's data and variables into c (*has = 0 when r has none for
 * it); write: also write its data files. */
static int chart_data(const res_results *r, const res_verdict *v, const char *dir, int k, chart *c,
                      int write, int *has, sim_err *err)
{
    *has = builders[k](r, v, dir, c);
    if (!*has)
        return SIM_OK;
    int rc = plt_buf_status(&c->csv, err);
    if (rc == SIM_OK)
        rc = plt_buf_status(&c->csv2, err);
    if (rc == SIM_OK)
        rc = plt_buf_status(&c->vars, err);
    if (!write)
        return rc;
    char name[64];
    snprintf(name, sizeof name, "series/%s.csv", infos[k].name);
    if (rc == SIM_OK)
        rc = plt_file_write(dir, name, c->csv.data, c->csv.len, err);
    if (rc == SIM_OK && c->csv2_name)
        rc = plt_file_write(dir, c->csv2_name, c->csv2.data, c->csv2.len, err);
    return rc;
}

int plt_charts_write_data(const res_results *r, const char *dir, sim_err *err)
{
    res_verdict v;
    int rc = verdict_of(r, &v, err);
    for (int k = 0; k < PLT_NCHARTS && rc == SIM_OK; k++) {
        chart c;
        int has;
        chart_init(&c);
        rc = chart_data(r, &v, dir, k, &c, 1, &has, err);
        chart_fini(&c);
    }
    res_verdict_fini(&v);
    if (rc == SIM_OK)
        rc = write_all_series(r, dir, err);
    if (rc == SIM_OK)
        rc = write_hists(r, dir, err);
    return rc;
}

int plt_charts_vars(const res_results *r, plt_chart_kind k, const char *dir, char **vars,
                    sim_err *err)
{
    *vars = NULL;
    if ((int)k < 0 || k >= PLT_NCHARTS)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "no chart %d", (int)k);
    res_verdict v;
    int rc = verdict_of(r, &v, err);
    if (rc != SIM_OK)
        return rc;
    chart c;
    chart_init(&c);
    if (builders[k](r, &v, dir, &c)) {
        rc = plt_buf_status(&c.csv, err);
        if (rc == SIM_OK)
            rc = plt_buf_status(&c.vars, err);
        if (rc == SIM_OK)
            *vars = plt_buf_take(&c.vars);
    }
    chart_fini(&c);
    res_verdict_fini(&v);
    return rc;
}

/* The charts being drawn: built in chart order by the caller, drawn by
 * up to `jobs` threads, each taking the next chart not yet taken. */
typedef struct drawing {
    const char *gnuplot, *charts;
    chart c[PLT_NCHARTS];
    int todo[PLT_NCHARTS]; /* has data: to be drawn */
    int rc[PLT_NCHARTS];
    sim_err e[PLT_NCHARTS];
    int next; /* the first chart not taken yet, under lock */
    pthread_mutex_t lock;
} drawing;

static void *drawer(void *arg)
{
    drawing *d = arg;
    for (;;) {
        pthread_mutex_lock(&d->lock);
        int k = d->next;
        while (k < PLT_NCHARTS && !d->todo[k])
            k++;
        d->next = k + 1;
        pthread_mutex_unlock(&d->lock);
        if (k >= PLT_NCHARTS)
            return NULL;
        char tmpl[64];
        snprintf(tmpl, sizeof tmpl, "%s.gp", infos[k].name);
        const chart *c = &d->c[k];
        d->rc[k] =
            plt_gnuplot_draw(d->gnuplot, d->charts, infos[k].name, tmpl, c->vars.data, c->width,
                             c->height + 24 * c->note_lines, PLT_PNG | PLT_SVG, &d->e[k]);
    }
}

int plt_charts_draw(const res_results *r, const char *dir, const char *gnuplot, unsigned *drawn,
                    sim_err *err)
{
    return plt_charts_draw_jobs(r, dir, gnuplot, 0, drawn, err);
}

int plt_charts_draw_jobs(const res_results *r, const char *dir, const char *gnuplot, int jobs,
                         unsigned *drawn, sim_err *err)
{
    unsigned mask = 0;
    int first = SIM_OK;
    res_verdict v;
    int vrc = verdict_of(r, &v, err);
    if (vrc != SIM_OK)
        return vrc;
    drawing *d = sim_calloc(1, sizeof *d);
    char *charts = d ? plt_file_join(dir, "charts") : NULL;
    if (!charts) {
        sim_free(d);
        res_verdict_fini(&v);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    d->gnuplot = gnuplot;
    d->charts = charts;
    int ntodo = 0;
    for (int k = 0; k < PLT_NCHARTS; k++) {
        int has;
        sim_err_clear(&d->e[k]);
        chart_init(&d->c[k]);
        d->rc[k] = chart_data(r, &v, dir, k, &d->c[k], 0, &has, &d->e[k]);
        d->todo[k] = d->rc[k] == SIM_OK && has;
        ntodo += d->todo[k];
    }
    /* gnuplot runs as its own process: the threads only wait for them */
    int n = sim_experiment_cores(); /* capped by the charts to draw below */
    if (jobs > 0 && jobs < n)
        n = jobs;
    if (n > ntodo)
        n = ntodo;
    pthread_mutex_init(&d->lock, NULL);
    pthread_t th[PLT_NCHARTS];
    int started = 0;
    for (; started < n - 1; started++) /* and this thread: n in all */
        if (pthread_create(&th[started], NULL, drawer, d) != 0)
            break; /* fewer at once, the same charts */
    drawer(d);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&d->lock);
    for (int k = 0; k < PLT_NCHARTS; k++) {
        if (d->todo[k] && d->rc[k] == SIM_OK)
            mask |= 1u << k;
        if (d->rc[k] != SIM_OK && first == SIM_OK) {
            first = d->rc[k];
            sim_err_set(err, first, NULL, 0, 0, "chart %s: %.200s", infos[k].name, d->e[k].msg);
        }
        chart_fini(&d->c[k]);
    }
    sim_free(charts);
    sim_free(d);
    res_verdict_fini(&v);
    if (drawn)
        *drawn = mask;
    return first;
}
