/*
 * res_cause.c - causes and what it would take; see res_cause.h.
 *
 * Every number comes from a metric looked up by its exact name (the
 * flow's ledger and client metrics, the batch model's, the limit table's
 * records); a metric that is absent simply drops its part of the sentence.
 */
#include "res_cause.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "res_fmt.h"

double res_cause_needed(double peak)
{
    return peak / (1.0 - MDL_HEADROOM);
}

/* The mean of scalar "<family>.<id>.<what>", 0 when absent. */
static double mean_of(const res_results *r, const char *family, const char *id, const char *what)
{
    double v = res_results_meanf(r, NAN, "%s.%s.%s", family, id, what);
    return isfinite(v) ? v : 0.0;
}

/* Appends to buf at *used. */
static void put(char *buf, size_t n, size_t *used, const char *fmt, ...) SIM_PRINTF(4, 5);
static void put(char *buf, size_t n, size_t *used, const char *fmt, ...)
{
    if (*used >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, n - *used, fmt, ap);
    va_end(ap);
    *used += w > 0 ? (size_t)w : 0;
}

/* A way a flow spends a system's limit: the flow metric that counts it
 * (less the one in `minus`, when the metric also counts what the flow
 * spends elsewhere), and whether the flow spends it as the system's reader
 * (a batch's extraction costs its source) or as its writer (its target). */
typedef struct spend {
    const char *metric, *minus;
    int reading;
} spend;

/* What flow i spends of system id through way w (0 when it does not). */
static double spent(const res_results *r, int i, const char *id, const spend *w)
{
    const res_flow *f = &r->flows[i];
    if (strcmp(w->reading ? f->source : f->target, id) != 0)
        return 0.0;
    double x = mean_of(r, "flow", f->id, w->metric);
    double y = w->minus ? mean_of(r, "flow", f->id, w->minus) : 0.0;
    x -= isfinite(y) ? y : 0.0;
    return isfinite(x) && x > 0 ? x : 0.0;
}

/* The flows spending a limit of the system `id` through `ways`, the largest
 * first: "F-402 (14,000 calls/day, 82%), F-401 reading it (3,100
 * calls/day, 18%)". Up to three. */
static void spenders(const res_results *r, const char *id, const spend *ways, int nways,
                     const char *unit, char *buf, size_t n, size_t *used)
{
    double days = r->horizon_s > 0 ? r->horizon_s / 86400.0 : 1.0, total = 0.0;
    int shown_flow[3] = {-1, -1, -1}, shown_way[3] = {-1, -1, -1};
    for (int i = 0; i < r->nflows; i++)
        for (int w = 0; w < nways; w++)
            total += spent(r, i, id, &ways[w]);
    if (!(total > 0))
        return;
    for (int k = 0; k < 3; k++) {
        double best = 0.0;
        for (int i = 0; i < r->nflows; i++)
            for (int w = 0; w < nways; w++) {
                double x = spent(r, i, id, &ways[w]);
                int taken = 0;
                for (int j = 0; j < k; j++)
                    taken |= shown_flow[j] == i && shown_way[j] == w;
                if (!taken && x > best) {
                    best = x;
                    shown_flow[k] = i;
                    shown_way[k] = w;
                }
            }
        if (shown_flow[k] < 0)
            break;
        char c[32], p[16];
        put(buf, n, used, "%s%s%s (%s %s/day, %s)", k ? ", " : "", r->flows[shown_flow[k]].id,
            ways[shown_way[k]].reading ? " reading it" : "",
            res_fmt_count(best / days, c, sizeof c), unit,
            res_fmt_percent(best / total, p, sizeof p));
    }
}

char *res_cause_limit(const res_results *r, const res_limit *l, char *buf, size_t n)
{
    const mdl_limit *d = l->def;
    size_t used = 0;
    buf[0] = '\0';
    if (l->status != RES_LIMIT_EXHAUSTED && l->status != RES_LIMIT_TIGHT)
        return buf;
    switch (d->kind) {
    case MDL_LIMIT_QUOTA:
        put(buf, n, &used, "spent by ");
        /* a flow's calls are all it spends, on its source too */
        spenders(r, d->id,
                 (const spend[]){{"calls", "batch.extract_calls_used", 0},
                                 {"batch.extract_calls_used", NULL, 1}},
                 2, "calls", buf, n, &used);
        break;
    case MDL_LIMIT_BULK_BATCHES:
        put(buf, n, &used, "spent by ");
        spenders(r, d->id,
                 (const spend[]){{"batch.bulk_batches_used", NULL, 0},
                                 {"batch.extract_batches_used", NULL, 1}},
                 2, "batches", buf, n, &used);
        break;
    case MDL_LIMIT_BULK_RECORDS:
        put(buf, n, &used, "spent by ");
        spenders(r, d->id, (const spend[]){{"batch.bulk_records_used", NULL, 0}}, 1, "records", buf,
                 n, &used);
        break;
    case MDL_LIMIT_ALLOCATION: {
        double published = mean_of(r, "channel", d->id, "published");
        double cdc = mean_of(r, "channel", d->id, "cdc_published");
        double delivered = mean_of(r, "channel", d->id, "deliveries");
        if (!(published > 0))
            break;
        char a[32], b[32], p[16];
        put(buf, n, &used,
            "%s events published per run, each delivered to every subscriber "
            "(%s deliveries)",
            res_fmt_count(published, a, sizeof a), res_fmt_count(delivered, b, sizeof b));
        if (cdc > 0)
            put(buf, n, &used,
                "; %s of them (%s) are change events from writes into its CDC "
                "objects",
                res_fmt_count(cdc, a, sizeof a), res_fmt_percent(cdc / published, p, sizeof p));
        break;
    }
    case MDL_LIMIT_CALLER_POOL: {
        int k = 0;
        for (int i = 0; i < r->nflows && k < 3; i++) {
            const res_flow *f = &r->flows[i];
            if (strcmp(f->caller, d->id) != 0)
                continue;
            const res_metric *p99 = res_results_findf(r, "flow.%s.latency_p99", f->id);
            double wait = mean_of(r, "system", f->target, "wait_p99_s");
            char a[32], b[32];
            put(buf, n, &used, "%s%s to %s (p99 %s", k ? ", " : "held by the calls of ", f->id,
                f->target, res_fmt_duration(p99 ? p99->mean : NAN, a, sizeof a));
            if (wait > 0)
                put(buf, n, &used, ", queueing up to %s", res_fmt_duration(wait, b, sizeof b));
            put(buf, n, &used, ")");
            k++;
        }
        break;
    }
    case MDL_LIMIT_NKINDS:
        break;
    }
    if (used <= strlen("spent by "))
        buf[0] = '\0';
    return buf;
}

char *res_cause_take(const res_results *r, const res_limit *l, char *buf, size_t n)
{
    const mdl_limit *d = l->def;
    char lim[32], need[32], pk[32], load[32];
    buf[0] = '\0';
    snprintf(load, sizeof load, "%gx", r->load);
    res_fmt_count(d->limit, lim, sizeof lim);
    if (l->status == RES_LIMIT_TIGHT && isfinite(l->peak)) {
        snprintf(buf, n, "%s %s → %s (peak %s at %s, plus the card's %.0f%% headroom)", d->what,
                 lim, res_fmt_count(ceil(res_cause_needed(l->peak)), need, sizeof need),
                 res_fmt_count(l->peak, pk, sizeof pk), load, 100 * MDL_HEADROOM);
    } else if (l->status == RES_LIMIT_EXHAUSTED && d->window_s > 0 && isfinite(l->peak)) {
        double after = r->horizon_s - (isfinite(l->out_at_s) ? l->out_at_s : 0.0);
        double per_window =
            isfinite(l->refused) && l->refused > 0
                ? l->refused * d->window_s / (after > d->window_s ? after : d->window_s)
                : 0.0;
        double demand = l->peak + per_window;
        char rf[32];
        snprintf(buf, n,
                 "%s %s → at least %s (peak %s plus %s refused per window at %s, plus the "
                 "card's %.0f%% headroom)",
                 d->what, lim, res_fmt_count(ceil(res_cause_needed(demand)), need, sizeof need),
                 res_fmt_count(l->peak, pk, sizeof pk), res_fmt_count(per_window, rf, sizeof rf),
                 load, 100 * MDL_HEADROOM);
    } else if (l->status == RES_LIMIT_EXHAUSTED) {
        char rf[32];
        snprintf(buf, n,
                 "more than %s %s (every one was in use%s%s%s), or calls that hold them for less "
                 "time",
                 lim, d->unit, isfinite(l->refused) && l->refused > 0 ? " and " : "",
                 isfinite(l->refused) && l->refused > 0 ? res_fmt_count(l->refused, rf, sizeof rf)
                                                        : "",
                 isfinite(l->refused) && l->refused > 0 ? " calls per run were refused" : "");
    }
    return buf;
}

/* The batch run's time: where it goes. The candidates are the platform
 * making the job wait or fail (bulk batches over the batch time limit,
 * waits for the target's API quota or bulk pools, or for the source's
 * pools while reading it), the largest first, when it
 * is at least a tenth of the job time; otherwise the work itself. The job
 * time thrown away at cut-offs is a consequence of overrunning without a
 * checkpoint, said after the cause. */
static void overrun_cause(const res_results *r, const res_flow *f, char *buf, size_t n,
                          size_t *used)
{
    const char *id = f->id;
    double sent = mean_of(r, "flow", id, "batch.bulk_batches_sent");
    double timed = mean_of(r, "flow", id, "batch.bulk_batches_timed_out");
    double timeout_s = mean_of(r, "flow", id, "batch.bulk_timeout_s");
    double rest_wait = mean_of(r, "flow", id, "batch.rest_wait_s");
    double bulk_wait = mean_of(r, "flow", id, "batch.bulk_wait_s");
    double extract_wait = mean_of(r, "flow", id, "batch.extract_wait_s");
    double wasted = mean_of(r, "flow", id, "batch.wasted_job_s");
    double runs = mean_of(r, "flow", id, "batch.runs");
    double dur = mean_of(r, "flow", id, "batch.duration_mean");
    double recs = mean_of(r, "flow", id, "batch.records_per_run_mean");
    double parts[] = {timeout_s, rest_wait, bulk_wait, extract_wait};
    int best = -1;
    for (int k = 0; k < 4; k++)
        if (parts[k] > 0 && (best < 0 || parts[k] > parts[best]))
            best = k;
    if (best >= 0 && parts[best] < 0.1 * runs * dur) /* small beside the work itself */
        best = -1;
    char a[32], b[32], p[16], h[32];
    res_fmt_duration(r->horizon_s, h, sizeof h);
    if (best == 0 && sent > 0) {
        put(buf, n, used,
            "%s of its bulk batches exceed the platform's batch time limit and are retried "
            "(%s failed attempts in %s); %s of job time spent on them",
            res_fmt_percent(timed / sent, p, sizeof p), res_fmt_count(timed, a, sizeof a), h,
            res_fmt_duration(timeout_s, b, sizeof b));
    } else if (best == 1) {
        put(buf, n, used, "its jobs waited %s in all (over %s) for %s's API quota",
            res_fmt_duration(rest_wait, a, sizeof a), h, f->target);
    } else if (best == 2) {
        put(buf, n, used, "its jobs waited %s in all (over %s) for %s's bulk API pools",
            res_fmt_duration(bulk_wait, a, sizeof a), h, f->target);
    } else if (best == 3) {
        put(buf, n, used, "its jobs waited %s in all (over %s) for %s's API pools to read the data",
            res_fmt_duration(extract_wait, a, sizeof a), h, f->source);
    } else if (recs > 0 && dur > 0) {
        put(buf, n, used, "the work itself: a run moves %s records in %s on average",
            res_fmt_count(recs, a, sizeof a), res_fmt_duration(dur, b, sizeof b));
        if (f->growth > 0)
            put(buf, n, used, ", growing %s a month with the data",
                res_fmt_percent(f->growth, p, sizeof p));
    }
    if (wasted > 0)
        put(buf, n, used, "%s%s of job time thrown away at cut-offs (no checkpoint)",
            *used ? "; " : "", res_fmt_duration(wasted, a, sizeof a));
}

char *res_cause_flow(const res_results *r, const res_flow *f, res_cause_topic topic,
                     const char *reason, char *buf, size_t n)
{
    size_t used = 0;
    char a[32], b[32], p[16];
    buf[0] = '\0';
    int batch = !strcmp(f->pattern, "batch") || !strcmp(f->pattern, "file");
    if (topic == RES_CAUSE_OVERRUN || batch) {
        overrun_cause(r, f, buf, n, &used);
        return buf;
    }
    if (topic == RES_CAUSE_DELIVERY && reason && reason[0]) {
        if (!strcmp(reason, "pool_full"))
            put(buf, n, &used, "%s's thread pool was full", f->caller);
        else if (!strcmp(reason, "quota"))
            put(buf, n, &used, "%s's daily API quota ran out", f->target);
        else if (!strcmp(reason, "concurrency_limited"))
            put(buf, n, &used, "%s's concurrency limit refused %s calls per run", f->target,
                res_fmt_count(mean_of(r, "system", f->target, "concurrency_limited"), a, sizeof a));
        else if (!strcmp(reason, "breaker_open"))
            put(buf, n, &used, "its circuit breaker was open %s of the time",
                res_fmt_percent(mean_of(r, "flow", f->id, "breaker_open_share"), p, sizeof p));
        else if (!strcmp(reason, "retention"))
            put(buf, n, &used,
                "events outlived %s's retention of %s while a subscriber was "
                "behind (backlog up to %s events)",
                f->source,
                res_fmt_duration(mean_of(r, "channel", f->source, "retention_s"), a, sizeof a),
                res_fmt_count(mean_of(r, "channel", f->source, "backlog_peak"), b, sizeof b));
        else if (!strcmp(reason, "unavailable"))
            put(buf, n, &used,
                "%s answered 503: %s calls per run found its queue full, %s came during an "
                "outage",
                f->target,
                res_fmt_count(mean_of(r, "system", f->target, "unavailable_queue_full"), a,
                              sizeof a),
                res_fmt_count(mean_of(r, "system", f->target, "unavailable_outage"), b, sizeof b));
        else if (!strcmp(reason, "timeout"))
            put(buf, n, &used, "calls to %s timed out (its p99 wait %s)", f->target,
                res_fmt_duration(mean_of(r, "system", f->target, "wait_p99_s"), a, sizeof a));
        if (used > 0)
            return buf;
    }
    double parked = mean_of(r, "flow", f->id, "parked_at_end");
    double open = mean_of(r, "flow", f->id, "breaker_open_share");
    if (parked > 0 || open > 0.01) {
        put(buf, n, &used, "its breaker was open %s of the time and %s records wait parked",
            res_fmt_percent(open, p, sizeof p), res_fmt_count(parked, a, sizeof a));
        return buf;
    }
    if (!strcmp(f->pattern, "event")) {
        double backlog = mean_of(r, "channel", f->source, "backlog_peak");
        double age = mean_of(r, "channel", f->source, "oldest_unread_age_peak_s");
        if (backlog > 0)
            put(buf, n, &used, "%s's channel backlog reached %s events, the oldest unread for %s",
                f->source, res_fmt_count(backlog, a, sizeof a), res_fmt_duration(age, b, sizeof b));
        return buf;
    }
    double wait = mean_of(r, "system", f->target, "wait_p99_s");
    double util = mean_of(r, "system", f->target, "utilisation");
    if (wait > 0)
        put(buf, n, &used, "%s is busy (%s of its workers in use): calls queue up to %s", f->target,
            res_fmt_percent(util, p, sizeof p), res_fmt_duration(wait, a, sizeof a));
    return buf;
}
