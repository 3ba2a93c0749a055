/*
 * res_verdict.c - verdicts from the metrics; the rules are in res_verdict.h.
 *
 * Everything is found by name and skipped when absent, so the verdict of a
 * scenario with only real-time flows simply has no channel or batch lines,
 * and a model that adds a metric family needs a rule here only if the
 * family is a limit or a deadline.
 */
#include "res_verdict.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mdl_arrivals.h"
#include "mdl_ledger.h"
#include "res_fmt.h"
#include "sim_alloc.h"

const char *res_verdict_status_name(res_verdict_status s, int flow)
{
    switch (s) {
    case RES_VERDICT_OK:
        return flow ? "met" : "ok";
    case RES_VERDICT_UNCERTAIN:
        return "uncertain";
    case RES_VERDICT_MISSED:
        return "MISSED";
    case RES_VERDICT_NONE:
        break;
    }
    return "-";
}

void res_verdict_fini(res_verdict *v)
{
    sim_free(v->flows);
    sim_free(v->limits);
    sim_free(v->breaks);
    memset(v, 0, sizeof *v);
}

/* A growable array of breaks. */
typedef struct breaks {
    res_verdict_break *items;
    int n, cap, failed;
} breaks;

static void add_break(breaks *b, double at_s, int severity, const char *fmt, ...) SIM_PRINTF(4, 5);
static void add_break(breaks *b, double at_s, int severity, const char *fmt, ...)
{
    if (b->failed)
        return;
    if (b->n == b->cap) {
        int cap = b->cap ? 2 * b->cap : 16;
        res_verdict_break *p = sim_reallocarray(b->items, (size_t)cap, sizeof *p);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->items = p;
        b->cap = cap;
    }
    res_verdict_break *e = &b->items[b->n++];
    e->at_s = at_s;
    e->severity = severity;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
}

/* Over the per-replication values of scalar metric m: how many satisfy
 * `ok` (value >= lo and finite), and the mean of those. */
static int count_reps(const res_metric *m, double lo, double *mean)
{
    *mean = NAN;
    if (!m || m->kind != SIM_METRIC_SCALAR || !m->values)
        return 0;
    int k = 0;
    double sum = 0.0;
    for (int i = 0; i < m->n; i++)
        if (isfinite(m->values[i]) && m->values[i] >= lo) {
            sum += m->values[i];
            k++;
        }
    if (k > 0)
        *mean = sum / k;
    return k;
}

static void top_reason(const res_results *r, const char *id, char *out, size_t n)
{
    static const char *const states[] = {"rejected", "lost", "dead_lettered"};
    double best = 0.0;
    out[0] = '\0';
    /* Look each reason up by name (the ledger's reasons, in the order it
     * publishes them) instead of scanning every metric for each flow. */
    for (size_t s = 0; s < sizeof states / sizeof states[0]; s++) {
        for (int k = 0; k < MDL_R_COUNT; k++) {
            const char *reason = mdl_reason_name((mdl_reason)k);
            const res_metric *m = res_results_findf(r, "flow.%s.%s.%s", id, states[s], reason);
            if (m && m->kind == SIM_METRIC_SCALAR && m->mean > best) {
                best = m->mean;
                snprintf(out, n, "%s", reason);
            }
        }
    }
}

static void flows(const res_results *r, res_verdict_flow *out, breaks *b)
{
    for (int i = 0; i < r->nflows; i++) {
        const res_flow *f = &r->flows[i];
        res_verdict_flow *v = &out[i];
        v->flow = f;
        snprintf(v->id, sizeof v->id, "%s", f->id);
        v->slo_s = f->slo_s;
        const res_metric *p99 = res_results_findf(r, "flow.%s.latency_p99", f->id);
        v->p99 = p99 ? p99->mean : NAN;
        v->p99_hw = p99 ? p99->half_width : NAN;
        v->created = res_results_meanf(r, NAN, "flow.%s.created", f->id);
        v->delivered = res_results_meanf(r, NAN, "flow.%s.delivered", f->id);
        v->rejected = res_results_meanf(r, NAN, "flow.%s.rejected", f->id);
        v->dead_lettered = res_results_meanf(r, NAN, "flow.%s.dead_lettered", f->id);
        v->lost = res_results_meanf(r, NAN, "flow.%s.lost", f->id);
        v->pending = res_results_meanf(r, NAN, "flow.%s.pending", f->id);
        top_reason(r, f->id, v->top_reason, sizeof v->top_reason);
        char slo[32], p[48];
        res_fmt_duration(v->slo_s, slo, sizeof slo);
        res_fmt_duration_ci(v->p99, v->p99_hw, p, sizeof p);
        if (!(v->slo_s > 0) || !isfinite(v->p99)) {
            v->status = RES_VERDICT_NONE;
        } else if (isfinite(v->p99_hw) && v->p99_hw > 0 && fabs(v->p99 - v->slo_s) <= v->p99_hw) {
            v->status = RES_VERDICT_UNCERTAIN;
            add_break(b, NAN, v->p99 > v->slo_s ? 3 : 1,
                      "%s: p99 latency %s is too close to its %s SLO to call (the SLO is inside "
                      "the 95%% CI; run more replications)",
                      f->id, p, slo);
        } else if (v->p99 <= v->slo_s) {
            v->status = RES_VERDICT_OK;
        } else {
            v->status = RES_VERDICT_MISSED;
            add_break(b, NAN, 5, "%s misses its %s latency SLO: p99 %s", f->id, slo, p);
        }
        double bad = (isfinite(v->lost) ? v->lost : 0) + (isfinite(v->rejected) ? v->rejected : 0) +
                     (isfinite(v->dead_lettered) ? v->dead_lettered : 0);
        if (bad > 0 && isfinite(v->created) && v->created > 0) {
            char nb[32], nc[32], pc[16];
            const char *what = v->lost > 0       ? "lost"
                               : v->rejected > 0 ? "rejected"
                                                 : "dead-lettered";
            add_break(b, NAN, v->lost > 0 ? 4 : 2, "%s: %s of %s records %s per run (%s)%s%s",
                      f->id, res_fmt_count(bad, nb, sizeof nb),
                      res_fmt_count(v->created, nc, sizeof nc),
                      v->lost > 0 && (v->rejected > 0 || v->dead_lettered > 0)
                          ? "lost, rejected or dead-lettered"
                          : what,
                      res_fmt_percent(bad / v->created, pc, sizeof pc),
                      v->top_reason[0] ? ", mostly " : "", v->top_reason);
        }
    }
}

static void limit_breaks(const res_limit *l, breaks *b)
{
    const mdl_limit *d = l->def;
    char lim[32], ref[32], hr[16];
    res_fmt_count(d->limit, lim, sizeof lim);
    if (l->status == RES_LIMIT_EXHAUSTED) {
        char tail[96] = "";
        if (isfinite(l->refused) && l->refused > 0)
            snprintf(tail, sizeof tail, "; %s %s refused per run",
                     res_fmt_count(l->refused, ref, sizeof ref), d->refused_unit);
        if (isfinite(l->out_at_s))
            add_break(b, l->out_at_s, 0,
                      "%s: the limit of %s %s runs out, in %d of %d replications%s", d->id, lim,
                      d->what, l->runs_out, l->reps, tail);
        else
            add_break(b, NAN, 4, "%s: the limit of %s %s ran out in %d of %d replications%s", d->id,
                      lim, d->what, l->runs_out, l->reps, tail);
    } else if (l->status == RES_LIMIT_TIGHT) {
        add_break(b, NAN, 1,
                  "%s: the limit of %s %s is %s used at peak: headroom %s, below the card's %.0f%%",
                  d->id, lim, d->what, res_fmt_percent(1.0 - l->headroom, ref, sizeof ref),
                  res_fmt_percent(l->headroom, hr, sizeof hr), 100 * MDL_HEADROOM);
    }
}

/* Batch deadlines: overruns in the run, and the projected overrun. */
static void batches(const res_results *r, breaks *b)
{
    char id[RES_ID_MAX], win[32];
    for (size_t i = 0; i < r->nmetrics; i++) {
        const res_metric *m = &r->metrics[i];
        if (m->kind != SIM_METRIC_SCALAR ||
            !res_name_match("flow.*.batch.overruns", m->name, id, sizeof id))
            continue;
        const res_flow *f = res_results_flow(r, id);
        res_fmt_duration(f ? f->batch_window_s : NAN, win, sizeof win);
        int reps = 0;
        for (int k = 0; m->values && k < m->n; k++)
            reps += m->values[k] > 0;
        if (reps > 0) {
            double when;
            count_reps(res_results_findf(r, "flow.%s.batch.first_overrun_at", id), 0.0, &when);
            add_break(b, isfinite(when) ? when : NAN, 4,
                      "%s: the batch run overruns its %s window, in %d of %d replications", id, win,
                      reps, m->n);
            continue;
        }
        double month = res_results_meanf(r, NAN, "flow.%s.batch.overrun_projection_month", id);
        if (isfinite(month) && month > 0) {
            char g[16];
            add_break(b, month * sim_time_to_seconds(MDL_MONTH), 0,
                      "%s: the batch run is projected to outgrow its %s window in month %.1f "
                      "(at %s growth per month)",
                      id, win, month, res_fmt_percent(f ? f->growth : NAN, g, sizeof g));
        }
    }
}

/* 1 when x goes strictly before y: timed first, earliest first; then the
 * most severe. */
static int before(const res_verdict_break *x, const res_verdict_break *y)
{
    int tx = isfinite(x->at_s), ty = isfinite(y->at_s);
    if (tx != ty)
        return tx;
    if (tx)
        return x->at_s < y->at_s;
    return x->severity > y->severity;
}

/* Insertion sort: stable, so equal problems keep the order they were
 * found in (flows in scenario order, then limits in metric order). */
static void sort_breaks(res_verdict_break *items, int n)
{
    for (int i = 1; i < n; i++) {
        res_verdict_break t = items[i];
        int j = i;
        while (j > 0 && before(&t, &items[j - 1])) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = t;
    }
}

int res_verdict_compute(const res_results *r, res_verdict *v, sim_err *err)
{
    memset(v, 0, sizeof *v);
    breaks b = {0};
    v->flows = sim_calloc((size_t)r->nflows + 1, sizeof *v->flows);
    if (!v->flows)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    v->nflows = r->nflows;
    flows(r, v->flows, &b);
    if (res_limits_judge(r, &v->limits, &v->nlimits, err) != SIM_OK) {
        sim_free(b.items);
        res_verdict_fini(v);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (int i = 0; i < v->nlimits; i++)
        limit_breaks(&v->limits[i], &b);
    batches(r, &b);
    if (b.failed) {
        sim_free(b.items);
        res_verdict_fini(v);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    sort_breaks(b.items, b.n);
    v->breaks = b.items;
    v->nbreaks = b.n;
    for (int i = 0; i < v->nflows; i++)
        if (v->flows[i].status == RES_VERDICT_MISSED ||
            (v->flows[i].status == RES_VERDICT_UNCERTAIN && v->flows[i].p99 > v->flows[i].slo_s))
            v->violation = 1;
    for (int i = 0; i < v->nlimits; i++)
        if (v->limits[i].status == RES_LIMIT_EXHAUSTED)
            v->violation = 1;
    return SIM_OK;
}
