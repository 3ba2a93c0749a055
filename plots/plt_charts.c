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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_arrivals.h"
#include "plt_buf.h"
#include "plt_file.h"
#include "plt_gnuplot.h"
#include "res_fmt.h"
#include "res_projection.h"
#include "sim_alloc.h"

static const plt_chart_info infos[PLT_NCHARTS] = {
    {"quota", "API quota use over time",
     "Each panel is one system with a daily API limit. The solid line is the number of calls "
     "counted in the quota window (the rolling 24 hours, or the calendar day) over simulated "
     "time, averaged over the replications; the dotted line is the highest replication. The "
     "dashed red line is the limit: where the use reaches it, calls are refused. The orange "
     "line is 70% of the limit: the card asks for 30% headroom for spikes, so a curve above "
     "it is a plan without headroom even if nothing was refused."},
    {"latency", "Latency distribution per flow",
     "For each flow, the share of delivered records (vertical axis) whose latency, from the "
     "change at the source to the write in the target, is at most the time on the horizontal "
     "axis (log scale). The dashed vertical line of the same colour is the flow's SLO; the "
     "dotted horizontal lines are the 95th and 99th percentiles. A flow meets its SLO at p99 "
     "when its curve crosses the p99 line to the left of its SLO line."},
    {"channels", "Event channels",
     "Top: deliveries counted against each channel's delivery allocation (every event "
     "delivered to every subscriber counts) with the allocation dashed. Middle: events "
     "published but not yet read. Bottom: the age of the oldest unread event against the "
     "retention window (red, dashed): an event older than the window is gone, so a curve that "
     "reaches the red line means records lost unless a reconciliation repairs them."},
    {"batch", "Batch runs against their window",
     "Each panel is one batch flow: the duration of its latest run over simulated time, the "
     "window (hard cutoff) in red, and the projection of the duration as the data volume grows "
     "at the scenario's monthly growth. Where the projection crosses the window is when the "
     "job stops fitting; it is an extrapolation from the simulated runs, not a simulated "
     "fact."},
    {"cascade", "The cascade: pools, workers, breakers, rejections",
     "Top: how full each caller's thread pool and each system's API workers are over time; "
     "red shading is the share of time a flow's circuit breaker is open. A pool at 100% "
     "rejects new calls of every flow that shares it, also flows whose own target is healthy: "
     "that is the cascade. Bottom: the records rejected per flow, stacked by the reason they "
     "were rejected."},
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
} chart;

static void csv_num(plt_buf *b, double v)
{
    if (isfinite(v))
        plt_buf_printf(b, ",%.10g", v);
    else
        plt_buf_puts(b, ",");
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

/* Collects the metrics matching pattern: their indices and the ids the '*'
 * matched. Returns the count (at most max). */
static int collect(const res_results *r, const char *pattern, sim_metric_kind kind,
                   const res_metric **out, char (*ids)[RES_ID_MAX], int max)
{
    int n = 0;
    for (size_t i = 0; i < r->nmetrics && n < max; i++) {
        const res_metric *m = &r->metrics[i];
        if (m->kind == kind && res_name_match(pattern, m->name, ids[n], RES_ID_MAX))
            out[n++] = m;
    }
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
        plt_buf_printf(csv, "%.10g", (double)i * first->interval_s);
        for (int k = 0; k < ncols; k++) {
            const res_metric *m = cols[k];
            csv_num(csv, m && i < m->npoints && m->y ? m->y[i] * scale[k] : NAN);
        }
        plt_buf_puts(csv, "\n");
    }
}

enum { MAXCOLS = 256 };

/* ---- 1. quota ----------------------------------------------------------- */

static int build_quota(const res_results *r, const char *dir, chart *c)
{
    const res_metric *ms[MAXCOLS / 2];
    char ids[MAXCOLS / 2][RES_ID_MAX];
    int n = collect(r, "system.*.quota_use_series", SIM_METRIC_SERIES, ms, ids, MAXCOLS / 2);
    if (n == 0)
        return 0;
    var_num(&c->vars, "HEADROOM", MDL_HEADROOM);
    plt_buf_puts(&c->csv, "time_s");
    for (int i = 0; i < n; i++) {
        csv_col(&c->csv, ids[i], ".use_mean");
        csv_col(&c->csv, ids[i], ".use_max");
    }
    plt_buf_puts(&c->csv, "\n");
    const res_metric *first = ms[0];
    for (size_t p = 0; p < first->npoints; p++) {
        plt_buf_printf(&c->csv, "%.10g", (double)p * first->interval_s);
        for (int i = 0; i < n; i++) {
            const res_metric *m = ms[i];
            csv_num(&c->csv, p < m->npoints && m->y ? m->y[p] : NAN);
            csv_num(&c->csv, p < m->npoints && m->ymax ? m->ymax[p] : NAN);
        }
        plt_buf_puts(&c->csv, "\n");
    }
    data_path(&c->vars, "DATA", dir, "series/quota.csv");
    title_var(r, &c->vars, "API quota use");
    time_axis(r, &c->vars);
    plt_buf_printf(&c->vars, "N = %d\n", n);
    array_begin(&c->vars, "SYS", n);
    for (int i = 0; i < n; i++)
        array_str(&c->vars, i, ids[i]);
    array_end_str(&c->vars, n);
    array_begin(&c->vars, "LIMIT", n);
    for (int i = 0; i < n; i++) {
        const res_system *s = res_results_system(r, ids[i]);
        double limit =
            res_results_meanf(r, s ? s->daily_limit : NAN, "system.%s.quota_limit", ids[i]);
        array_num(&c->vars, i, limit);
    }
    array_end(&c->vars, n);
    array_begin(&c->vars, "WINDOW", n);
    for (int i = 0; i < n; i++) {
        const res_system *s = res_results_system(r, ids[i]);
        char w[64], d[32];
        if (s && s->quota_window_s > 0)
            snprintf(w, sizeof w, "%s %s", s->quota_rolling ? "rolling" : "calendar",
                     res_fmt_duration(s->quota_window_s, d, sizeof d));
        else
            snprintf(w, sizeof w, "quota");
        array_str(&c->vars, i, w);
    }
    array_end_str(&c->vars, n);
    c->height = panel_height(n);
    return 1;
}

/* ---- 2. latency CDF ------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int build_latency(const res_results *r, const char *dir, chart *c)
{
    const res_metric *ms[MAXCOLS];
    char ids[MAXCOLS][RES_ID_MAX];
    int found = collect(r, "flow.*.latency", SIM_METRIC_HIST, ms, ids, MAXCOLS), n = 0;
    for (int i = 0; i < found; i++) /* keep the flows with observations */
        if (ms[i]->count > 0 && ms[i]->nbins > 0) {
            ms[n] = ms[i];
            memmove(ids[n], ids[i], RES_ID_MAX);
            n++;
        }
    if (n == 0)
        return 0;
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += ms[i]->nbins + 1;
    double *x = sim_calloc(total, sizeof *x);
    if (!x) {
        c->csv.failed = 1;
        return 1;
    }
    size_t nx = 0;
    for (int i = 0; i < n; i++) {
        x[nx++] = ms[i]->lo[0];
        for (size_t b = 0; b < ms[i]->nbins; b++)
            x[nx++] = ms[i]->hi[b];
    }
    qsort(x, nx, sizeof *x, cmp_double);
    size_t u = 0; /* unique, positive (log axis) */
    for (size_t i = 0; i < nx; i++)
        if (x[i] > 0 && (u == 0 || x[i] != x[u - 1]))
            x[u++] = x[i];
    plt_buf_puts(&c->csv, "latency_s");
    for (int i = 0; i < n; i++)
        csv_col(&c->csv, ids[i], ".cdf");
    plt_buf_puts(&c->csv, "\n");
    size_t cursor[MAXCOLS] = {0};
    double cum[MAXCOLS] = {0};
    for (size_t k = 0; k < u; k++) {
        plt_buf_printf(&c->csv, "%.10g", x[k]);
        for (int i = 0; i < n; i++) {
            const res_metric *m = ms[i];
            while (cursor[i] < m->nbins && m->hi[cursor[i]] <= x[k])
                cum[i] += (double)m->bin_count[cursor[i]++];
            int inside = x[k] >= m->lo[0] && x[k] <= m->hi[m->nbins - 1];
            csv_num(&c->csv, inside ? cum[i] / (double)m->count : NAN);
        }
        plt_buf_puts(&c->csv, "\n");
    }
    double xmin = u ? x[0] : 1e-3, xmax = u ? x[u - 1] : 1.0;
    sim_free(x);
    data_path(&c->vars, "DATA", dir, "series/latency.csv");
    title_var(r, &c->vars, "latency distribution per flow");
    plt_buf_printf(&c->vars, "N = %d\n", n);
    array_begin(&c->vars, "FLOW", n);
    for (int i = 0; i < n; i++)
        array_str(&c->vars, i, ids[i]);
    array_end_str(&c->vars, n);
    array_begin(&c->vars, "SLO", n);
    for (int i = 0; i < n; i++) {
        const res_flow *f = res_results_flow(r, ids[i]);
        double slo = f ? f->slo_s : 0.0;
        array_num(&c->vars, i, slo);
        if (slo > xmax)
            xmax = slo;
        if (slo > 0 && slo < xmin)
            xmin = slo;
    }
    array_end(&c->vars, n);
    array_begin(&c->vars, "SLOTXT", n);
    for (int i = 0; i < n; i++) {
        const res_flow *f = res_results_flow(r, ids[i]);
        char d[32];
        array_str(&c->vars, i,
                  !f || f->slo_s <= 0 ? "none"
                  : f->slo_nightly    ? "nightly"
                                      : res_fmt_duration(f->slo_s, d, sizeof d));
    }
    array_end_str(&c->vars, n);
    /* whole decades around the data, so the log axis has labelled ends */
    var_num(&c->vars, "XMIN", pow(10.0, floor(log10(xmin))));
    var_num(&c->vars, "XMAX", pow(10.0, ceil(log10(xmax * 1.05))));
    c->height = 720;
    return 1;
}

/* ---- 3. event channels ---------------------------------------------------- */

static int add_id(char (*ids)[RES_ID_MAX], int n, int max, const char *id)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(ids[i], id))
            return n;
    if (n < max)
        snprintf(ids[n++], RES_ID_MAX, "%s", id);
    return n;
}

static int build_channels(const res_results *r, const char *dir, chart *c)
{
    char ids[MAXCOLS / 3][RES_ID_MAX], id[RES_ID_MAX];
    int n = 0;
    for (size_t i = 0; i < r->nmetrics; i++) {
        const res_metric *m = &r->metrics[i];
        if (m->kind == SIM_METRIC_SERIES &&
            (res_name_match("channel.*.backlog_series", m->name, id, sizeof id) ||
             res_name_match("channel.*.allocation_used_series", m->name, id, sizeof id) ||
             res_name_match("channel.*.oldest_unread_age_series", m->name, id, sizeof id)))
            n = add_id(ids, n, MAXCOLS / 3, id);
    }
    if (n == 0)
        return 0;
    const res_metric *cols[MAXCOLS];
    double scale[MAXCOLS];
    plt_buf_puts(&c->csv, "time_s");
    for (int i = 0; i < n; i++) {
        csv_col(&c->csv, ids[i], ".allocation_used");
        csv_col(&c->csv, ids[i], ".backlog");
        csv_col(&c->csv, ids[i], ".oldest_unread_age_s");
        cols[3 * i] = res_results_findf(r, "channel.%s.allocation_used_series", ids[i]);
        cols[3 * i + 1] = res_results_findf(r, "channel.%s.backlog_series", ids[i]);
        cols[3 * i + 2] = res_results_findf(r, "channel.%s.oldest_unread_age_series", ids[i]);
        scale[3 * i] = scale[3 * i + 1] = scale[3 * i + 2] = 1.0;
    }
    plt_buf_puts(&c->csv, "\n");
    series_rows(&c->csv, cols, scale, 3 * n);
    data_path(&c->vars, "DATA", dir, "series/channels.csv");
    title_var(r, &c->vars, "event channels");
    time_axis(r, &c->vars);
    plt_buf_printf(&c->vars, "N = %d\n", n);
    array_begin(&c->vars, "CH", n);
    for (int i = 0; i < n; i++)
        array_str(&c->vars, i, ids[i]);
    array_end_str(&c->vars, n);
    array_begin(&c->vars, "ALLOC", n);
    for (int i = 0; i < n; i++) {
        const res_system *s = res_results_system(r, ids[i]);
        array_num(&c->vars, i,
                  res_results_meanf(r, s ? s->delivery_allocation : 0.0,
                                    "channel.%s.allocation_limit", ids[i]));
    }
    array_end(&c->vars, n);
    array_begin(&c->vars, "RET", n);
    for (int i = 0; i < n; i++) {
        const res_system *s = res_results_system(r, ids[i]);
        array_num(&c->vars, i,
                  res_results_meanf(r, s ? s->retention_s : 0.0, "channel.%s.retention_s", ids[i]));
    }
    array_end(&c->vars, n);
    c->height = panel_height(3);
    return 1;
}

/* ---- 4. batch ------------------------------------------------------------ */

static int build_batch(const res_results *r, const char *dir, chart *c)
{
    const res_metric *ms[MAXCOLS];
    char ids[MAXCOLS][RES_ID_MAX];
    int n = collect(r, "flow.*.batch.duration_series", SIM_METRIC_SERIES, ms, ids, MAXCOLS);
    if (n == 0)
        return 0;
    double scale[MAXCOLS];
    plt_buf_puts(&c->csv, "time_s");
    for (int i = 0; i < n; i++) {
        csv_col(&c->csv, ids[i], ".duration_s");
        scale[i] = 1.0;
    }
    plt_buf_puts(&c->csv, "\n");
    series_rows(&c->csv, ms, scale, n);
    data_path(&c->vars, "DATA", dir, "series/batch.csv");
    title_var(r, &c->vars, "batch runs against their window");
    plt_buf_printf(&c->vars, "N = %d\n", n);
    /* the projection (results/res_projection.h), in months:
     * d(m) = anchor_s exp(slope (m - anchor_month)), through the simulated
     * runs, and for a finding through the window at the median month */
    double window[MAXCOLS], growth[MAXCOLS], am[MAXCOLS], as[MAXCOLS], slope[MAXCOLS],
        dmean[MAXCOLS], cross[MAXCOLS], cross_lo[MAXCOLS], cross_hi[MAXCOLS], xmax[MAXCOLS];
    char label[MAXCOLS][160], ptitle[MAXCOLS][200];
    res_projection *ps = NULL;
    int np = 0;
    if (res_projection_compute(r, &ps, &np, NULL) != SIM_OK)
        c->vars.failed = 1; /* no memory: reported when the data is written */
    for (int i = 0; i < n; i++) {
        const res_flow *f = res_results_flow(r, ids[i]);
        const res_projection *p = NULL;
        for (int k = 0; k < np; k++)
            if (!strcmp(ps[k].flow->id, ids[i]))
                p = &ps[k];
        window[i] = f ? f->batch_window_s : 0.0;
        growth[i] = f ? f->growth : 0.0;
        dmean[i] = res_results_meanf(r, NAN, "flow.%s.batch.duration_mean", ids[i]);
        am[i] = p ? p->anchor_month : 0.0;
        as[i] = p && p->state != RES_PROJ_NONE && p->state != RES_PROJ_OVERRUN &&
                        isfinite(p->anchor_s) && p->anchor_s > 0
                    ? p->anchor_s
                    : 0.0; /* 0: no curve */
        slope[i] = p ? p->slope : 0.0;
        cross[i] = cross_lo[i] = cross_hi[i] = NAN;
        char g[16];
        res_fmt_percent(growth[i], g, sizeof g);
        if (p && p->state == RES_PROJ_FINDING) {
            cross[i] = p->median;
            cross_lo[i] = p->lo;
            cross_hi[i] = p->hi;
            snprintf(label[i], sizeof label[i], "projected (median of %d of %d replications)",
                     p->with, p->reps);
            snprintf(ptitle[i], sizeof ptitle[i],
                     "%s: projected to outgrow its window in month %.1f (range %.1f-%.1f)", ids[i],
                     p->median, p->lo, p->hi);
        } else if (p && p->state == RES_PROJ_NO_EVIDENCE) {
            snprintf(label[i], sizeof label[i], "if it grew with the data (%s/month)", g);
            snprintf(ptitle[i], sizeof ptitle[i],
                     "%s: not enough evidence for a projection (run with --days %.0f)", ids[i],
                     p->days_needed);
        } else if (p && p->state == RES_PROJ_NO_TREND) {
            snprintf(label[i], sizeof label[i], "if it grew with the data (%s/month)", g);
            snprintf(ptitle[i], sizeof ptitle[i],
                     "%s: no trend toward the window in the simulated runs", ids[i]);
        } else {
            snprintf(label[i], sizeof label[i], "projected duration");
            snprintf(ptitle[i], sizeof ptitle[i], "%s: %s", ids[i],
                     p && p->state == RES_PROJ_OVERRUN ? "overruns its window already"
                                                       : "no growth: nothing to project");
        }
        xmax[i] = 12.0; /* a year, or to a little past the crossing (at most 5 years) */
        double at = isfinite(cross_hi[i]) ? cross_hi[i] : NAN;
        if (!isfinite(at) && as[i] > 0 && window[i] > 0 && slope[i] > 0)
            at = am[i] + log(window[i] / as[i]) / slope[i];
        if (isfinite(at) && at * 1.25 > xmax[i])
            xmax[i] = at * 1.25 < 60.0 ? at * 1.25 : 60.0;
    }
    sim_free(ps);
    double ytop[MAXCOLS];
    for (int i = 0; i < n; i++) { /* minutes; the key goes above the window line */
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
        array_begin(&c->vars, arrays[a].name, n);
        for (int i = 0; i < n; i++)
            array_num(&c->vars, i, arrays[a].v[i]);
        array_end(&c->vars, n);
    }
    array_begin(&c->vars, "FLOW", n);
    for (int i = 0; i < n; i++)
        array_str(&c->vars, i, ids[i]);
    array_end_str(&c->vars, n);
    array_begin(&c->vars, "PLABEL", n);
    for (int i = 0; i < n; i++)
        array_str(&c->vars, i, label[i]);
    array_end_str(&c->vars, n);
    array_begin(&c->vars, "PTITLE", n);
    for (int i = 0; i < n; i++)
        array_str(&c->vars, i, ptitle[i]);
    array_end_str(&c->vars, n);
    c->height = panel_height(n);
    return 1;
}

/* ---- 5. cascade --------------------------------------------------------- */

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

static int build_cascade(const res_results *r, const char *dir, chart *c)
{
    const res_metric *cols[MAXCOLS];
    double scale[MAXCOLS];
    char names[MAXCOLS][RES_ID_MAX + 16], id[RES_ID_MAX];
    int nu = 0, nb = 0;
    for (size_t i = 0; i < r->nmetrics && nu < MAXCOLS / 2; i++) {
        const res_metric *m = &r->metrics[i];
        if (m->kind != SIM_METRIC_SERIES)
            continue;
        if (res_name_match("caller.*.pool_in_use_series", m->name, id, sizeof id)) {
            const res_caller *cl = res_results_caller(r, id);
            double size = res_results_meanf(r, cl ? cl->pool_size : NAN, "caller.%s.pool_size", id);
            if (!(size > 0))
                continue;
            cols[nu] = m;
            scale[nu] = 100.0 / size;
            snprintf(names[nu++], sizeof names[0], "%s pool", id);
        } else if (res_name_match("system.*.utilisation_series", m->name, id, sizeof id)) {
            if (!(res_results_meanf(r, 1.0, "system.%s.requests", id) > 0))
                continue; /* a system nobody calls */
            cols[nu] = m;
            scale[nu] = 100.0;
            snprintf(names[nu++], sizeof names[0], "%s workers", id);
        }
    }
    for (size_t i = 0; i < r->nmetrics && nu + nb < MAXCOLS; i++) {
        const res_metric *m = &r->metrics[i];
        if (m->kind == SIM_METRIC_SERIES &&
            res_name_match("flow.*.breaker_open_series", m->name, id, sizeof id)) {
            cols[nu + nb] = m;
            scale[nu + nb] = 100.0;
            snprintf(names[nu + nb++], sizeof names[0], "%s", id);
        }
    }
    /* rejections: flows x reasons with a non-zero mean somewhere */
    char flows[MAXCOLS][RES_ID_MAX], reasons[64][RES_ID_MAX], reason[RES_ID_MAX];
    int nf = 0, nr = 0;
    for (size_t i = 0; i < r->nmetrics; i++) {
        const res_metric *m = &r->metrics[i];
        if (m->kind != SIM_METRIC_SCALAR || !rejected_reason(m->name, id, reason))
            continue;
        nf = add_id(flows, nf, MAXCOLS, id);
        if (m->mean > 0)
            nr = add_id(reasons, nr, 64, reason);
    }
    if (nu + nb == 0 && nr == 0)
        return 0;
    plt_buf_puts(&c->csv, "time_s");
    for (int k = 0; k < nu; k++)
        csv_col(&c->csv, names[k], ".utilisation_pct");
    for (int k = nu; k < nu + nb; k++)
        csv_col(&c->csv, names[k], ".breaker_open_pct");
    plt_buf_puts(&c->csv, "\n");
    series_rows(&c->csv, cols, scale, nu + nb);
    plt_buf_puts(&c->csv2, "flow");
    for (int k = 0; k < nr; k++)
        csv_col(&c->csv2, reasons[k], "");
    plt_buf_puts(&c->csv2, "\n");
    for (int f = 0; f < nf; f++) {
        plt_buf_csv_field(&c->csv2, flows[f]);
        for (int k = 0; k < nr; k++)
            csv_num(&c->csv2,
                    res_results_meanf(r, 0.0, "flow.%s.rejected.%s", flows[f], reasons[k]));
        plt_buf_puts(&c->csv2, "\n");
    }
    c->csv2_name = "series/rejections.csv";
    data_path(&c->vars, "DATA", dir, "series/cascade.csv");
    data_path(&c->vars, "REJ", dir, "series/rejections.csv");
    title_var(r, &c->vars, "the cascade");
    time_axis(r, &c->vars);
    plt_buf_printf(&c->vars, "NU = %d\nNB = %d\nNR = %d\nNF = %d\n", nu, nb, nr, nf);
    array_begin(&c->vars, "UNAME", nu);
    for (int k = 0; k < nu; k++)
        array_str(&c->vars, k, names[k]);
    array_end_str(&c->vars, nu);
    array_begin(&c->vars, "BNAME", nb);
    for (int k = 0; k < nb; k++)
        array_str(&c->vars, k, names[nu + k]);
    array_end_str(&c->vars, nb);
    array_begin(&c->vars, "FNAME", nf); /* rejections.csv's rows and columns, named here */
    for (int f = 0; f < nf; f++)
        array_str(&c->vars, f, flows[f]);
    array_end_str(&c->vars, nf);
    array_begin(&c->vars, "RNAME", nr);
    for (int k = 0; k < nr; k++)
        array_str(&c->vars, k, reasons[k]);
    array_end_str(&c->vars, nr);
    c->height = panel_height(2);
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
            plt_buf_printf(&csv, "%.10g", (double)p * g->interval_s);
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
            plt_buf_printf(&csv, ",%.10g,%.10g,%llu\n", m->lo[b], m->hi[b],
                           (unsigned long long)m->bin_count[b]);
        }
    }
    int rc = plt_buf_status(&csv, err);
    if (rc == SIM_OK)
        rc = plt_file_write(dir, "series/hists.csv", csv.data, csv.len, err);
    plt_buf_fini(&csv);
    return rc;
}

/* ---- driving ------------------------------------------------------------- */

typedef int build_fn(const res_results *r, const char *dir, chart *c);
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
}

static void chart_fini(chart *c)
{
    plt_buf_fini(&c->csv);
    plt_buf_fini(&c->csv2);
    plt_buf_fini(&c->vars);
}

unsigned plt_charts_available(const res_results *r)
{
    unsigned mask = 0;
    for (int k = 0; k < PLT_NCHARTS; k++) {
        chart c;
        chart_init(&c);
        if (builders[k](r, "", &c))
            mask |= 1u << k;
        chart_fini(&c);
    }
    return mask;
}

/* Builds chart k and writes its data; *has = 0 when it has no data. */
static int chart_data(const res_results *r, const char *dir, int k, chart *c, int *has,
                      sim_err *err)
{
    *has = builders[k](r, dir, c);
    if (!*has)
        return SIM_OK;
    int rc = plt_buf_status(&c->csv, err);
    if (rc == SIM_OK)
        rc = plt_buf_status(&c->csv2, err);
    if (rc == SIM_OK)
        rc = plt_buf_status(&c->vars, err);
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
    int rc = SIM_OK;
    for (int k = 0; k < PLT_NCHARTS && rc == SIM_OK; k++) {
        chart c;
        int has;
        chart_init(&c);
        rc = chart_data(r, dir, k, &c, &has, err);
        chart_fini(&c);
    }
    if (rc == SIM_OK)
        rc = write_all_series(r, dir, err);
    if (rc == SIM_OK)
        rc = write_hists(r, dir, err);
    return rc;
}

int plt_charts_draw(const res_results *r, const char *dir, const char *gnuplot, unsigned *drawn,
                    sim_err *err)
{
    unsigned mask = 0;
    int first = SIM_OK;
    char *charts = plt_file_join(dir, "charts");
    if (!charts)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    for (int k = 0; k < PLT_NCHARTS; k++) {
        chart c;
        int has;
        sim_err e;
        chart_init(&c);
        int rc = chart_data(r, dir, k, &c, &has, &e);
        if (rc == SIM_OK && has) {
            char tmpl[64];
            snprintf(tmpl, sizeof tmpl, "%s.gp", infos[k].name);
            rc = plt_gnuplot_draw(gnuplot, charts, infos[k].name, tmpl, c.vars.data, c.width,
                                  c.height, PLT_PNG | PLT_SVG, &e);
            if (rc == SIM_OK)
                mask |= 1u << k;
        }
        if (rc != SIM_OK && first == SIM_OK) {
            first = rc;
            sim_err_set(err, rc, NULL, 0, 0, "chart %s: %.200s", infos[k].name, e.msg);
        }
        chart_fini(&c);
    }
    sim_free(charts);
    int rc = write_all_series(r, dir, first == SIM_OK ? err : NULL);
    if (rc == SIM_OK)
        rc = write_hists(r, dir, first == SIM_OK ? err : NULL);
    if (drawn)
        *drawn = mask;
    return first != SIM_OK ? first : rc;
}
