/*
 * res_verdict.c - the holds policy; the rules are in res_verdict.h.
 *
 * Layout: a table of the rules (name, severity, the words of the banner),
 * then one function per source of items (flows, limits, batches), each
 * appending items to a growable list, then the sort and the banner. The
 * ledger's counts are read by their names (flow.ID.created ...); limits
 * come from the limit table (res_limits.h), never from name patterns.
 */
#include "res_verdict.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mdl_arrivals.h"
#include "mdl_ledger.h"
#include "res_cause.h"
#include "res_fmt.h"
#include "sim_alloc.h"

static const struct rule_info {
    const char *name;
    res_severity severity;
    const char *one, *many; /* the banner's words for 1 and for n items */
} rules[RES_NRULES] = {
    [RES_RULE_SLO_P99] = {"slo_p99", RES_FAIL, "flow misses its latency SLO",
                          "flows miss their latency SLO"},
    [RES_RULE_COMPLETENESS] = {"completeness", RES_FAIL, "flow does not deliver its records",
                               "flows do not deliver their records"},
    [RES_RULE_LIMIT_EXHAUSTED] = {"limit_exhausted", RES_FAIL, "limit ran out", "limits ran out"},
    [RES_RULE_BATCH_OVERRUN] = {"batch_overrun", RES_FAIL, "batch overran its window",
                                "batches overran their window"},
    [RES_RULE_SLO_UNCERTAIN] = {"slo_uncertain", RES_WARN, "SLO too close to call",
                                "SLOs too close to call"},
    [RES_RULE_TOO_FEW_RECORDS] = {"too_few_records", RES_WARN,
                                  "flow with too few records for a p99",
                                  "flows with too few records for a p99"},
    [RES_RULE_LIMIT_TIGHT] = {"limit_tight", RES_WARN, "limit below 30% headroom",
                              "limits below 30% headroom"},
    [RES_RULE_NOT_DELIVERED] = {"not_delivered", RES_WARN,
                                "flow with records not delivered (within its tolerance)",
                                "flows with records not delivered (within their tolerance)"},
    [RES_RULE_PROJECTED_OVERRUN] = {"projected_overrun", RES_WARN,
                                    "batch projected to outgrow its window",
                                    "batches projected to outgrow their window"},
    [RES_RULE_NO_EVIDENCE] = {"projection_evidence", RES_NOTE, "projection without evidence",
                              "projections without evidence"},
};

const char *res_rule_name(res_rule r)
{
    return r >= 0 && r < RES_NRULES ? rules[r].name : "rule";
}

res_severity res_rule_severity(res_rule r)
{
    return r >= 0 && r < RES_NRULES ? rules[r].severity : RES_NOTE;
}

const char *res_severity_name(res_severity s)
{
    return s == RES_FAIL ? "FAIL" : s == RES_WARN ? "WARN" : "NOTE";
}

const char *res_verdict_rules_text(void)
{
    return "a load holds when every flow's p99 latency is at most its SLO (the mean over the "
           "replications), every flow delivers its records within its tolerance, no limit ran "
           "out and no batch run overran its window in any replication";
}

const char *res_verdict_status_name(res_verdict_status s)
{
    switch (s) {
    case RES_VERDICT_OK:
        return "met";
    case RES_VERDICT_UNCERTAIN:
        return "uncertain";
    case RES_VERDICT_FEW:
        return "too few";
    case RES_VERDICT_MISSED:
        return "MISSED";
    case RES_VERDICT_INCOMPLETE:
        return "INCOMPLETE";
    case RES_VERDICT_NONE:
        break;
    }
    return "-";
}

void res_verdict_fini(res_verdict *v)
{
    sim_free(v->flows);
    sim_free(v->limits);
    sim_free(v->projections);
    sim_free(v->items);
    memset(v, 0, sizeof *v);
}

double res_verdict_tolerance(const res_flow *f)
{
    static const struct {
        const char *impact;
        double share;
    } by_impact[] = {{"critical", 0.001}, {"high", 0.005}, {"medium", 0.01}, {"low", 0.05}};
    if (!strcmp(f->tolerance, "zero-loss"))
        return 0.0;
    double t = 0.01; /* medium, the default impact */
    for (size_t i = 0; i < sizeof by_impact / sizeof by_impact[0]; i++)
        if (!strcmp(f->impact, by_impact[i].impact))
            t = by_impact[i].share;
    return !strcmp(f->tolerance, "best-effort") ? 5.0 * t : t;
}

/* ---- items ------------------------------------------------------------------ */

typedef struct items {
    res_item *items;
    int n, cap, failed;
} items;

/* Appends an item; returns it (for its cause), or NULL when out of memory. */
static res_item *add(items *b, res_rule rule, const char *subject, double at_s, double weight,
                     const char *fmt, ...) SIM_PRINTF(6, 7);
static res_item *add(items *b, res_rule rule, const char *subject, double at_s, double weight,
                     const char *fmt, ...)
{
    if (b->failed)
        return NULL;
    if (b->n == b->cap) {
        int cap = b->cap ? 2 * b->cap : 16;
        res_item *p = sim_reallocarray(b->items, (size_t)cap, sizeof *p);
        if (!p) {
            b->failed = 1;
            return NULL;
        }
        b->items = p;
        b->cap = cap;
    }
    res_item *e = &b->items[b->n++];
    memset(e, 0, sizeof *e);
    e->rule = rule;
    snprintf(e->subject, sizeof e->subject, "%s", subject);
    e->at_s = at_s;
    e->weight = weight;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    return e;
}

/* ---- flows ------------------------------------------------------------------ */

/* Over the per-replication values of scalar metric m: how many are finite
 * and >= lo, and the mean of those. */
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

static double count_of(const res_results *r, const char *id, const char *what)
{
    double v = res_results_meanf(r, NAN, "flow.%s.%s", id, what);
    return isfinite(v) ? v : 0.0;
}

static void top_reason(const res_results *r, const char *id, char *out, size_t n)
{
    static const char *const states[] = {"rejected", "lost", "dead_lettered"};
    double best = 0.0;
    out[0] = '\0';
    /* Each reason by name (the ledger's reasons, in the order it publishes
     * them) instead of scanning every metric for each flow. */
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

/* "16,873 rejected (mostly concurrency_limited), 240 pending past the SLO
 * (230 parked)": what the undelivered records are. */
static void not_delivered_text(const res_verdict_flow *v, char *buf, size_t n)
{
    const struct {
        double x;
        const char *what;
    } parts[] = {{v->rejected, "rejected"},
                 {v->dead_lettered, "dead-lettered"},
                 {v->lost, "lost"},
                 {v->overdue, "pending past the SLO"}};
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < sizeof parts / sizeof parts[0] && used < n; k++) {
        if (!(parts[k].x > 0))
            continue;
        char c[32];
        int w = snprintf(buf + used, n - used, "%s%s %s", used ? ", " : "",
                         res_fmt_count(parts[k].x, c, sizeof c), parts[k].what);
        used += w > 0 ? (size_t)w : 0;
        if (k == 3 && isfinite(v->parked) && v->parked > 0 && used < n) {
            w = snprintf(buf + used, n - used, " (%s parked by the queue fallback)",
                         res_fmt_count(v->parked, c, sizeof c));
            used += w > 0 ? (size_t)w : 0;
        }
    }
    if (v->top_reason[0] && used < n)
        snprintf(buf + used, n - used, "; mostly %s", v->top_reason);
}

static void judge_latency(const res_results *r, res_verdict_flow *v, items *b)
{
    const res_flow *f = v->flow;
    char slo[32], p[64];
    res_fmt_duration(v->slo_s, slo, sizeof slo);
    res_fmt_duration_ci(v->p99, v->p99_hw, p, sizeof p);
    v->latency = RES_VERDICT_NONE;
    if (!(v->slo_s > 0) || !(v->created > 0))
        return;
    if (v->delivered < RES_MIN_RECORDS_P99) {
        v->latency = RES_VERDICT_FEW;
        double days = r->horizon_s / 86400.0;
        double need = v->delivered > 0 ? ceil(days * RES_MIN_RECORDS_P99 / v->delivered) : NAN;
        char d[32];
        if (isfinite(need) && need <= 36500)
            snprintf(d, sizeof d, "; run with --days %.0f", need);
        else
            d[0] = '\0';
        add(b, RES_RULE_TOO_FEW_RECORDS, f->id, NAN, 1,
            "%s: %s records delivered per run, too few for a p99 (at least %d needed): its %s "
            "SLO is not judged%s",
            f->id, res_fmt_count(v->delivered, p, sizeof p), RES_MIN_RECORDS_P99, slo, d);
        return;
    }
    if (!isfinite(v->p99))
        return;
    if (v->p99 > v->slo_s) {
        v->latency = RES_VERDICT_MISSED;
        res_item *it = add(b, RES_RULE_SLO_P99, f->id, NAN, 5 + v->p99 / v->slo_s,
                           "%s misses its %s latency SLO: p99 %s", f->id, slo, p);
        if (it)
            res_cause_flow(r, f, RES_CAUSE_LATENCY, v->top_reason, it->cause, sizeof it->cause);
    } else if (isfinite(v->p99_hw) && v->p99_hw > 0 && v->slo_s - v->p99 <= v->p99_hw) {
        v->latency = RES_VERDICT_UNCERTAIN;
        add(b, RES_RULE_SLO_UNCERTAIN, f->id, NAN, 1,
            "%s: p99 latency %s is too close to its %s SLO to call (the SLO is inside the 95%% "
            "CI; run more replications)",
            f->id, p, slo);
    } else {
        v->latency = RES_VERDICT_OK;
    }
}

static void judge_completeness(const res_results *r, res_verdict_flow *v, items *b)
{
    const res_flow *f = v->flow;
    double span = r->horizon_s - (isfinite(r->warmup_s) ? r->warmup_s : 0.0);
    double young = v->slo_s > 0 && span > 0 ? v->created / span * v->slo_s : INFINITY;
    v->overdue = v->pending > young ? v->pending - young : 0.0;
    v->not_delivered = v->rejected + v->dead_lettered + v->lost + v->overdue;
    v->tolerance = res_verdict_tolerance(f);
    if (!(v->created > 0)) {
        v->complete = -1;
        v->share = NAN;
        return;
    }
    v->share = v->not_delivered / v->created;
    v->complete = !(v->share > v->tolerance);
    if (!(v->not_delivered > 0))
        return;
    char nd[32], cr[32], pc[16], tol[16], what[200];
    res_fmt_count(v->not_delivered, nd, sizeof nd);
    res_fmt_count(v->created, cr, sizeof cr);
    res_fmt_percent(v->share, pc, sizeof pc);
    res_fmt_percent(v->tolerance, tol, sizeof tol);
    not_delivered_text(v, what, sizeof what);
    if (!v->complete) {
        res_item *it =
            add(b, RES_RULE_COMPLETENESS, f->id, NAN, 5 + v->share,
                "%s does not deliver %s of its %s records (%s; tolerance %s: %s impact, %s): "
                "%s",
                f->id, nd, cr, pc, tol, f->impact[0] ? f->impact : "medium",
                f->tolerance[0] ? f->tolerance : "retry", what);
        if (it)
            res_cause_flow(r, f, RES_CAUSE_DELIVERY, v->top_reason, it->cause, sizeof it->cause);
    } else {
        add(b, RES_RULE_NOT_DELIVERED, f->id, NAN, v->share,
            "%s: %s of %s records not delivered (%s, within its %s tolerance): %s", f->id, nd, cr,
            pc, tol, what);
    }
}

static void flows(const res_results *r, res_verdict_flow *out, items *b)
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
        v->created = count_of(r, f->id, "created");
        v->delivered = count_of(r, f->id, "delivered");
        v->rejected = count_of(r, f->id, "rejected");
        v->dead_lettered = count_of(r, f->id, "dead_lettered");
        v->lost = count_of(r, f->id, "lost");
        v->pending = count_of(r, f->id, "pending");
        v->parked = res_results_meanf(r, NAN, "flow.%s.parked_at_end", f->id);
        top_reason(r, f->id, v->top_reason, sizeof v->top_reason);
        judge_latency(r, v, b);
        judge_completeness(r, v, b);
        v->status = v->latency == RES_VERDICT_MISSED ? RES_VERDICT_MISSED
                    : v->complete == 0               ? RES_VERDICT_INCOMPLETE
                                                     : v->latency;
    }
}

/* ---- limits ------------------------------------------------------------------- */

static void limit_items(const res_results *r, const res_limit *l, items *b)
{
    res_item *it = NULL;
    const mdl_limit *d = l->def;
    char lim[32], ref[32], hr[16];
    res_fmt_count(d->limit, lim, sizeof lim);
    if (l->status == RES_LIMIT_EXHAUSTED) {
        char tail[96] = "";
        if (isfinite(l->refused) && l->refused > 0)
            snprintf(tail, sizeof tail, "; %s %s refused per run",
                     res_fmt_count(l->refused, ref, sizeof ref), d->refused_unit);
        it = add(b, RES_RULE_LIMIT_EXHAUSTED, d->id, isfinite(l->out_at_s) ? l->out_at_s : NAN,
                 4 + (double)l->runs_out / (l->reps > 0 ? l->reps : 1),
                 "%s: the limit of %s %s %s, in %d of %d replications%s", d->id, lim, d->what,
                 isfinite(l->out_at_s) ? "runs out" : "ran out", l->runs_out, l->reps, tail);
    } else if (l->status == RES_LIMIT_TIGHT) {
        it = add(b, RES_RULE_LIMIT_TIGHT, d->id, NAN, 1 - l->headroom,
                 "%s: the limit of %s %s is %s used at peak: headroom %s, below the card's %.0f%%",
                 d->id, lim, d->what, res_fmt_percent(1.0 - l->headroom, ref, sizeof ref),
                 res_fmt_percent(l->headroom, hr, sizeof hr), 100 * MDL_HEADROOM);
    }
    if (it) {
        res_cause_limit(r, l, it->cause, sizeof it->cause);
        res_cause_take(r, l, it->take, sizeof it->take);
    }
}

/* ---- batches ------------------------------------------------------------------ */

static void batches(const res_results *r, items *b)
{
    for (int i = 0; i < r->nflows; i++) {
        const res_flow *f = &r->flows[i];
        const res_metric *m = res_results_findf(r, "flow.%s.batch.overruns", f->id);
        if (!m || m->kind != SIM_METRIC_SCALAR)
            continue;
        int reps = 0;
        for (int k = 0; m->values && k < m->n; k++)
            reps += m->values[k] > 0;
        if (reps == 0)
            continue;
        char win[32];
        double when;
        count_reps(res_results_findf(r, "flow.%s.batch.first_overrun_at", f->id), 0.0, &when);
        res_item *it = add(b, RES_RULE_BATCH_OVERRUN, f->id, when, 4,
                           "%s: the batch run overruns its %s window, in %d of %d replications",
                           f->id, res_fmt_duration(f->batch_window_s, win, sizeof win), reps, m->n);
        if (it)
            res_cause_flow(r, f, RES_CAUSE_OVERRUN, "", it->cause, sizeof it->cause);
    }
}

/* Projections: a finding is a warning at its month, the lack of evidence
 * a note with the horizon to run. */
static void projection_items(const res_results *r, const res_projection *p, items *b)
{
    char text[320];
    if (p->state == RES_PROJ_FINDING)
        add(b, RES_RULE_PROJECTED_OVERRUN, p->flow->id, p->median * sim_time_to_seconds(MDL_MONTH),
            1, "%s", res_projection_text(p, r->horizon_s, text, sizeof text));
    else if (p->state == RES_PROJ_NO_EVIDENCE)
        add(b, RES_RULE_NO_EVIDENCE, p->flow->id, NAN, 0, "%s",
            res_projection_text(p, r->horizon_s, text, sizeof text));
}

/* ---- order and banner ----------------------------------------------------------- */

/* 1 when x goes strictly before y (see the top of res_verdict.h). */
static int before(const res_item *x, const res_item *y)
{
    res_severity sx = res_rule_severity(x->rule), sy = res_rule_severity(y->rule);
    if (sx != sy)
        return sx > sy;
    int tx = isfinite(x->at_s), ty = isfinite(y->at_s);
    if (tx != ty)
        return tx;
    if (tx)
        return x->at_s < y->at_s;
    return x->weight > y->weight;
}

/* Insertion sort: stable, so equal items keep the order they were found in
 * (flows in scenario order, then limits in table order). */
static void sort_items(res_item *it, int n)
{
    for (int i = 1; i < n; i++) {
        res_item t = it[i];
        int j = i;
        while (j > 0 && before(&t, &it[j - 1])) {
            it[j] = it[j - 1];
            j--;
        }
        it[j] = t;
    }
}

int res_verdict_level(const res_verdict *v)
{
    int level = 0;
    for (int i = 0; i < v->nitems; i++) {
        res_severity s = res_rule_severity(v->items[i].rule);
        level = s == RES_FAIL ? 2 : s == RES_WARN && level < 1 ? 1 : level;
    }
    return level;
}

const char *res_verdict_result(const res_verdict *v)
{
    return v->holds ? "PASS" : "FAIL";
}

const res_item *res_verdict_first_failure(const res_verdict *v)
{
    for (int i = 0; i < v->nitems; i++)
        if (res_rule_severity(v->items[i].rule) == RES_FAIL)
            return &v->items[i];
    return NULL;
}

char *res_verdict_nothing_breaks(char *buf, size_t n)
{
    snprintf(buf, n,
             "every SLO is met, every flow delivers its records and every limit keeps the "
             "card's %.0f%% headroom",
             100 * MDL_HEADROOM);
    return buf;
}

char *res_verdict_banner(const res_verdict *v, char *buf, size_t n)
{
    int level = res_verdict_level(v);
    if (level == 0) {
        snprintf(buf, n,
                 "PASS: every SLO met, every flow delivers its records, every limit keeps %.0f%% "
                 "headroom",
                 100 * MDL_HEADROOM);
        return buf;
    }
    res_severity want = level == 2 ? RES_FAIL : RES_WARN;
    size_t used = (size_t)snprintf(buf, n, "%s", level == 2 ? "FAIL: " : "PASS, WITH WARNINGS: ");
    int first = 1;
    for (int r = 0; r < RES_NRULES && used < n; r++) {
        if (rules[r].severity != want || v->count[r] == 0)
            continue;
        int w = snprintf(buf + used, n - used, "%s%d %s", first ? "" : ", ", v->count[r],
                         v->count[r] == 1 ? rules[r].one : rules[r].many);
        used += w > 0 ? (size_t)w : 0;
        first = 0;
    }
    return buf;
}

int res_verdict_flow_holds(const res_verdict_flow *f)
{
    return f->status != RES_VERDICT_MISSED && f->status != RES_VERDICT_INCOMPLETE;
}

void res_verdict_summarise(const res_verdict *v, res_variant *var)
{
    snprintf(var->result, sizeof var->result, "%s", res_verdict_result(v));
    res_verdict_banner(v, var->banner, sizeof var->banner);
    for (int i = 0; i < v->nflows && i < var->nflows; i++) {
        const res_verdict_flow *f = &v->flows[i];
        res_variant_flow *o = &var->flows[i];
        snprintf(o->id, sizeof o->id, "%s", f->id);
        snprintf(o->status, sizeof o->status, "%s", res_verdict_status_name(f->status));
        o->p99 = f->p99;
        o->p99_hw = f->p99_hw;
        o->created = f->created;
        o->delivered = f->delivered;
        o->rejected = f->rejected;
        o->dead_lettered = f->dead_lettered;
        o->lost = f->lost;
        o->pending = f->pending;
    }
}

int res_verdict_compute(const res_results *r, res_verdict *v, sim_err *err)
{
    memset(v, 0, sizeof *v);
    items b = {0};
    v->flows = sim_calloc((size_t)r->nflows + 1, sizeof *v->flows);
    if (!v->flows)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    v->nflows = r->nflows;
    flows(r, v->flows, &b);
    if (res_limits_judge(r, &v->limits, &v->nlimits, err) != SIM_OK) {
        sim_free(b.items);
        res_verdict_fini(v);
        return SIM_ENOMEM;
    }
    for (int i = 0; i < v->nlimits; i++)
        limit_items(r, &v->limits[i], &b);
    batches(r, &b);
    if (res_projection_compute(r, &v->projections, &v->nprojections, err) != SIM_OK) {
        sim_free(b.items);
        res_verdict_fini(v);
        return SIM_ENOMEM;
    }
    for (int i = 0; i < v->nprojections; i++)
        projection_items(r, &v->projections[i], &b);
    if (b.failed) {
        sim_free(b.items);
        res_verdict_fini(v);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    sort_items(b.items, b.n);
    v->items = b.items;
    v->nitems = b.n;
    v->holds = 1;
    for (int i = 0; i < v->nitems; i++) {
        v->count[v->items[i].rule]++;
        if (res_rule_severity(v->items[i].rule) == RES_FAIL)
            v->holds = 0;
    }
    return SIM_OK;
}
