/*
 * res_projection.c - batch overrun projections with their evidence; the
 * rules and the horizon formula are in res_projection.h.
 */
#include "res_projection.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mdl_arrivals.h"
#include "res_fmt.h"
#include "sim_alloc.h"

const char *res_projection_state_name(res_projection_state s)
{
    static const char *const names[] = {"none", "overrun", "finding", "no_trend", "no_evidence"};
    return s >= RES_PROJ_NONE && s <= RES_PROJ_NO_EVIDENCE ? names[s] : "none";
}

static double month_s(void)
{
    return sim_time_to_seconds(MDL_MONTH);
}

/* The finite values of flow id's batch metric `what` into out (at most
 * cap), sorted; how many. */
static int finite_sorted(const res_results *r, const char *id, const char *what, double *out,
                         int cap)
{
    const res_metric *m = res_results_findf(r, "flow.%s.batch.%s", id, what);
    int n = 0;
    for (int k = 0; m && m->kind == SIM_METRIC_SCALAR && m->values && k < m->n && n < cap; k++)
        if (isfinite(m->values[k]))
            out[n++] = m->values[k];
    for (int i = 1; i < n; i++) { /* insertion sort: a few replications */
        double t = out[i];
        int j = i;
        while (j > 0 && out[j - 1] > t) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = t;
    }
    return n;
}

static double median(const double *v, int n)
{
    if (n == 0)
        return NAN;
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void project(const res_results *r, const res_flow *f, double *buf, int cap,
                    res_projection *p)
{
    memset(p, 0, sizeof *p);
    p->flow = f;
    p->window_s = f->batch_window_s;
    p->growth = f->growth;
    p->reps = r->replications;
    p->median = p->lo = p->hi = p->days_needed = NAN;
    p->trend = p->trend_se = p->runs = NAN;
    double hmonths = r->horizon_s / month_s();
    p->anchor_month = hmonths / 2;
    p->anchor_s = res_results_meanf(r, NAN, "flow.%s.batch.duration_mean", f->id);
    p->slope = log1p(f->growth > 0 ? f->growth : 0.0);

    const res_metric *ov = res_results_findf(r, "flow.%s.batch.overruns", f->id);
    for (int k = 0; ov && ov->values && k < ov->n; k++)
        if (ov->values[k] > 0) {
            p->state = RES_PROJ_OVERRUN;
            return;
        }
    if (!(f->growth > 0) || !(f->batch_window_s > 0)) {
        p->state = RES_PROJ_NONE;
        return;
    }
    int n = finite_sorted(r, f->id, "trend_runs", buf, cap);
    p->runs = median(buf, n);
    n = finite_sorted(r, f->id, "trend_per_month", buf, cap);
    p->trend = median(buf, n);
    n = finite_sorted(r, f->id, "trend_se", buf, cap);
    p->trend_se = median(buf, n);
    p->with = finite_sorted(r, f->id, "overrun_projection_month", buf, cap);
    if (p->with > 0) {
        p->median = median(buf, p->with);
        p->lo = buf[0];
        p->hi = buf[p->with - 1];
    }
    double expected = log1p(f->growth);
    int runs_ok = p->runs >= RES_PROJECTION_MIN_RUNS;
    if (2 * p->with > p->reps && runs_ok) {
        p->state = RES_PROJ_FINDING;
        if (isfinite(p->anchor_s) && p->anchor_s > 0 && p->median > p->anchor_month)
            p->slope = log(p->window_s / p->anchor_s) / (p->median - p->anchor_month);
        return;
    }
    if (runs_ok && isfinite(p->trend_se) && 3 * p->trend_se <= expected) {
        p->state = RES_PROJ_NO_TREND;
        return;
    }
    p->state = RES_PROJ_NO_EVIDENCE;
    double days = r->horizon_s / 86400.0, need = days + 1;
    if (isfinite(p->trend_se) && p->trend_se > 0) {
        double d = days * pow(3 * p->trend_se / expected, 2.0 / 3.0);
        need = d > need ? d : need;
    }
    if (p->runs > 0 && !runs_ok) {
        double d = days * RES_PROJECTION_MIN_RUNS / p->runs;
        need = d > need ? d : need;
    }
    p->days_needed = ceil(need);
}

int res_projection_compute(const res_results *r, res_projection **out, int *n, sim_err *err)
{
    *out = NULL;
    *n = 0;
    int count = 0;
    for (int i = 0; i < r->nflows; i++)
        count += res_results_findf(r, "flow.%s.batch.runs", r->flows[i].id) != NULL;
    if (count == 0)
        return SIM_OK;
    int cap = r->replications > 0 ? r->replications : 1;
    res_projection *ps = sim_calloc((size_t)count, sizeof *ps);
    double *buf = sim_calloc((size_t)cap, sizeof *buf);
    if (!ps || !buf) {
        sim_free(ps);
        sim_free(buf);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int k = 0;
    for (int i = 0; i < r->nflows; i++)
        if (res_results_findf(r, "flow.%s.batch.runs", r->flows[i].id))
            project(r, &r->flows[i], buf, cap, &ps[k++]);
    sim_free(buf);
    *out = ps;
    *n = k;
    return SIM_OK;
}

char *res_projection_text(const res_projection *p, double horizon_s, char *buf, size_t n)
{
    const char *id = p->flow ? p->flow->id : "";
    char win[32], g[16], h[32];
    res_fmt_duration(p->window_s, win, sizeof win);
    res_fmt_percent(p->growth, g, sizeof g);
    res_fmt_duration(horizon_s, h, sizeof h);
    switch (p->state) {
    case RES_PROJ_FINDING:
        snprintf(buf, n,
                 "%s: the batch run is projected to outgrow its %s window in month %.1f (median of "
                 "%d of %d replications, range %.1f-%.1f, %.0f runs each; at %s growth per month)",
                 id, win, p->median, p->with, p->reps, p->lo, p->hi, p->runs, g);
        break;
    case RES_PROJ_NO_EVIDENCE:
        snprintf(buf, n,
                 "%s: not enough evidence for a projection of its %s window in %s (%d of %d "
                 "replications show a trend over %.0f runs); run with --days %.0f",
                 id, win, h, p->with, p->reps, isfinite(p->runs) ? p->runs : 0.0, p->days_needed);
        break;
    case RES_PROJ_NO_TREND:
        snprintf(buf, n,
                 "%s: no overrun of its %s window in sight: the run durations show no trend "
                 "toward it in %s (%s per month expected from the data growth)",
                 id, win, h, g);
        break;
    case RES_PROJ_OVERRUN:
        snprintf(buf, n, "%s: the batch run overruns its %s window already", id, win);
        break;
    case RES_PROJ_NONE:
        snprintf(buf, n, "%s: nothing to project (no data growth or no window)", id);
        break;
    }
    return buf;
}
