/*
 * res_fixture.h - a small, hand-written res_results with every metric
 * family the charts and verdicts look for, for the plots and cli tests.
 *
 * Scenario "fixture": 2 days, load 3x, 3 replications, seed 7.
 *   systems  erp (daily API limit 1,000 calls, rolling 24 h),
 *            crm (event delivery allocation 500 per 24 h, retention 72 h)
 *   callers  web (pool of 10 threads)
 *   flows    F-1 realtime web -> erp, SLO 1 s
 *            F-2 event crm -> erp, SLO 5 min
 *            F-3 batch erp -> crm, window 4 h, growth 5%/month
 * Series have 96 buckets of 30 minutes. The numbers are made up to have
 * shape (a quota filling up and running out, a backlog growing while a
 * subscriber is offline, batch runs getting longer), not to be realistic.
 */
#ifndef RES_FIXTURE_H
#define RES_FIXTURE_H

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "res_results.h"
#include "sim_alloc.h"

#define FIXTURE_POINTS 96
#define FIXTURE_STEP   1800.0

static inline res_metric *fixture_scalar(res_results *r, const char *name, const char *unit,
                                         double v0, double v1, double v2)
{
    res_metric *m = res_results_add(r, name, unit, SIM_METRIC_SCALAR, NULL);
    if (!m)
        return NULL;
    m->n = 3;
    m->values = sim_calloc(3, sizeof *m->values);
    if (!m->values)
        return NULL;
    m->values[0] = v0;
    m->values[1] = v1;
    m->values[2] = v2;
    m->mean = (v0 + v1 + v2) / 3.0;
    /* t(0.975, 2) = 4.302652729911275 (Student t table) times s / sqrt(3) */
    double s2 = ((v0 - m->mean) * (v0 - m->mean) + (v1 - m->mean) * (v1 - m->mean) +
                 (v2 - m->mean) * (v2 - m->mean)) /
                2.0;
    m->half_width = 4.302652729911275 * sqrt(s2 / 3.0);
    res_metric_refresh(m);
    m->mean = (v0 + v1 + v2) / 3.0;
    return m;
}

typedef double fixture_curve(double t_s, double arg);

static inline res_metric *fixture_series(res_results *r, const char *name, const char *unit,
                                         fixture_curve *f, double arg)
{
    res_metric *m = res_results_add(r, name, unit, SIM_METRIC_SERIES, NULL);
    if (!m)
        return NULL;
    m->n = 3;
    m->interval_s = FIXTURE_STEP;
    m->npoints = FIXTURE_POINTS;
    m->y = sim_calloc(FIXTURE_POINTS, sizeof *m->y);
    m->ymax = sim_calloc(FIXTURE_POINTS, sizeof *m->ymax);
    if (!m->y || !m->ymax)
        return NULL;
    for (int i = 0; i < FIXTURE_POINTS; i++) {
        m->y[i] = f(i * FIXTURE_STEP, arg);
        m->ymax[i] = m->y[i] * 1.1;
    }
    res_metric_refresh(m);
    return m;
}

/* A latency histogram: counts on the log-spaced bins of sim_stats.h (64
 * per octave) following a bell over log2(latency) centred on `centre_s`. */
static inline res_metric *fixture_hist(res_results *r, const char *name, double centre_s)
{
    res_metric *m = res_results_add(r, name, "s", SIM_METRIC_HIST, NULL);
    if (!m)
        return NULL;
    enum { NB = 6 * 64 }; /* six octaves */
    m->n = 3;
    m->lo = sim_calloc(NB, sizeof *m->lo);
    m->hi = sim_calloc(NB, sizeof *m->hi);
    m->bin_count = sim_calloc(NB, sizeof *m->bin_count);
    if (!m->lo || !m->hi || !m->bin_count)
        return NULL;
    double first = exp2(floor(log2(centre_s)) - 3), sum = 0.0;
    for (int i = 0; i < NB; i++) {
        double oct = exp2(floor(log2(first)) + i / 64);
        m->lo[i] = oct * (1.0 + (i % 64) / 64.0);
        m->hi[i] = oct * (1.0 + (i % 64 + 1) / 64.0);
        double z = (log2(m->lo[i]) - log2(centre_s)) / 0.8;
        m->bin_count[i] = (uint64_t)floor(2000.0 * exp(-0.5 * z * z));
        m->count += m->bin_count[i];
        sum += (double)m->bin_count[i] * 0.5 * (m->lo[i] + m->hi[i]);
    }
    m->nbins = NB;
    m->mean = sum / (double)m->count;
    m->min = m->lo[0];
    m->max = m->hi[NB - 1];
    m->p50 = res_metric_quantile(m, 0.50);
    m->p95 = res_metric_quantile(m, 0.95);
    m->p99 = res_metric_quantile(m, 0.99);
    return m;
}

static inline double fixture_quota(double t, double limit)
{
    double v = limit * 1.2 * t / 86400.0; /* runs out at 20 h */
    return v > limit ? limit : v;
}
static inline double fixture_wave(double t, double top)
{
    return top * (0.5 + 0.45 * sin(t / 86400.0 * 2.0 * 3.14159265358979323846));
}
static inline double fixture_backlog(double t, double top)
{
    return t > 10 * 3600.0 && t < 22 * 3600.0 ? top * (t - 10 * 3600.0) / (12 * 3600.0) : 0.0;
}
static inline double fixture_batch(double t, double base)
{
    return t < 3600.0 ? 0.0 : base * (1.0 + 0.01 * floor(t / 86400.0)); /* a run a day */
}
static inline double fixture_breaker(double t, double share)
{
    return t > 30 * 3600.0 && t < 33 * 3600.0 ? share : 0.0;
}

/* Fills r (from res_results_create) with the fixture; returns 0 on
 * success. */
static inline int fixture_fill(res_results *r)
{
    if (res_results_alloc_facts(r, 3, 2, 1, NULL) != SIM_OK)
        return -1;
    r->name = sim_strdup("fixture");
    r->description = sim_strdup("A hand-written results file for the chart tests");
    r->source = sim_strdup("tests/results/res_fixture.h");
    r->yaml = sim_strdup("name: fixture\nhorizon: 2d\n");
    snprintf(r->version, sizeof r->version, "test");
    r->seed = 7;
    r->replications = 3;
    r->confidence = 0.95;
    r->load = 3.0;
    r->horizon_s = 2 * 86400.0;
    static const struct {
        const char *id, *src, *dst, *pattern;
        double slo, window, growth;
    } flows[] = {{"F-1", "web", "erp", "realtime", 1.0, 0, 0},
                 {"F-2", "crm", "erp", "event", 300.0, 0, 0},
                 {"F-3", "erp", "crm", "batch", 86400.0, 4 * 3600.0, 0.05}};
    for (int i = 0; i < 3; i++) {
        res_flow *f = &r->flows[i];
        snprintf(f->id, sizeof f->id, "%s", flows[i].id);
        snprintf(f->source, sizeof f->source, "%s", flows[i].src);
        snprintf(f->target, sizeof f->target, "%s", flows[i].dst);
        snprintf(f->pattern, sizeof f->pattern, "%s", flows[i].pattern);
        snprintf(f->impact, sizeof f->impact, "high");
        f->description = sim_strdup("");
        f->slo_s = flows[i].slo;
        f->slo_nightly = i == 2;
        f->batch_window_s = flows[i].window;
        f->growth = flows[i].growth;
        f->per_day = 1000.0;
    }
    snprintf(r->systems[0].id, RES_ID_MAX, "erp");
    snprintf(r->systems[0].kind, sizeof r->systems[0].kind, "generic");
    r->systems[0].daily_limit = 1000.0;
    r->systems[0].quota_window_s = 86400.0;
    r->systems[0].quota_rolling = 1;
    snprintf(r->systems[1].id, RES_ID_MAX, "crm");
    snprintf(r->systems[1].kind, sizeof r->systems[1].kind, "salesforce");
    r->systems[1].delivery_allocation = 500.0;
    r->systems[1].retention_s = 72 * 3600.0;
    snprintf(r->callers[0].id, RES_ID_MAX, "web");
    r->callers[0].pool_size = 10;
    /* the limit table, as mdl_world_limits writes it for these facts */
    static const mdl_limit limits[] = {
        {.kind = MDL_LIMIT_QUOTA,
         .id = "erp",
         .what = "API calls per rolling 24 h",
         .unit = "calls",
         .refused_unit = "calls",
         .limit = 1000,
         .window_s = 86400,
         .peak = "system.erp.quota_peak",
         .exhausted_at = "system.erp.quota_exhausted_at",
         .refused = "system.erp.quota_refused"},
        {.kind = MDL_LIMIT_ALLOCATION,
         .id = "crm",
         .what = "event deliveries per rolling 24 h",
         .unit = "deliveries",
         .refused_unit = "delivery attempts",
         .limit = 500,
         .window_s = 86400,
         .peak = "channel.crm.allocation_used_peak",
         .exhausted_at = "channel.crm.allocation_exhausted_at",
         .ran_out = "channel.crm.allocation_exhausted",
         .refused = "channel.crm.delivery_refused"},
        {.kind = MDL_LIMIT_CALLER_POOL,
         .id = "web",
         .what = "threads in the caller pool",
         .unit = "threads",
         .refused_unit = "calls",
         .limit = 10,
         .peak = "caller.web.pool_max_in_use",
         .exhausted_at = "caller.web.pool_exhausted_at",
         .refused = "caller.web.pool_refused"},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        if (res_results_add_limit(r, &limits[i], NULL) != SIM_OK)
            return -1;

    int ok = 1;
    ok &= !!fixture_scalar(r, "flow.F-1.created", "records", 3000, 3100, 2900);
    ok &= !!fixture_scalar(r, "flow.F-1.delivered", "records", 2950, 3050, 2860);
    ok &= !!fixture_scalar(r, "flow.F-1.rejected", "records", 50, 50, 40);
    ok &= !!fixture_scalar(r, "flow.F-1.rejected.timeout", "records", 20, 20, 14);
    ok &= !!fixture_scalar(r, "flow.F-1.rejected.pool_full", "records", 30, 30, 26);
    ok &= !!fixture_scalar(r, "flow.F-1.lost", "records", 0, 0, 0);
    ok &= !!fixture_scalar(r, "flow.F-1.latency_p99", "s", 0.8, 0.9, 0.85);
    ok &= !!fixture_hist(r, "flow.F-1.latency", 0.25);
    ok &= !!fixture_series(r, "flow.F-1.breaker_open_series", "share", fixture_breaker, 0.6);
    ok &= !!fixture_scalar(r, "flow.F-2.created", "records", 1000, 1000, 1000);
    ok &= !!fixture_scalar(r, "flow.F-2.delivered", "records", 990, 1000, 980);
    ok &= !!fixture_scalar(r, "flow.F-2.rejected.timeout", "records", 0, 0, 0);
    ok &= !!fixture_scalar(r, "flow.F-2.lost", "records", 10, 0, 20);
    ok &= !!fixture_scalar(r, "flow.F-2.lost.retention", "records", 10, 0, 20);
    ok &= !!fixture_scalar(r, "flow.F-2.latency_p99", "s", 400, 500, 450);
    ok &= !!fixture_hist(r, "flow.F-2.latency", 40.0);
    ok &= !!fixture_scalar(r, "flow.F-3.created", "records", 2000, 2000, 2000);
    ok &= !!fixture_scalar(r, "flow.F-3.delivered", "records", 2000, 2000, 2000);
    ok &= !!fixture_scalar(r, "flow.F-3.latency_p99", "s", 30000, 31000, 29000);
    ok &= !!fixture_hist(r, "flow.F-3.latency", 20000.0);
    ok &= !!fixture_series(r, "flow.F-3.batch.duration_series", "s", fixture_batch, 9000.0);
    ok &= !!fixture_scalar(r, "flow.F-3.batch.duration_mean", "s", 9000, 9100, 8900);
    ok &= !!fixture_scalar(r, "flow.F-3.batch.overruns", "runs", 0, 0, 0);
    ok &= !!fixture_scalar(r, "flow.F-3.batch.runs", "runs", 2, 2, 2);
    ok &= !!fixture_scalar(r, "flow.F-3.batch.overrun_projection_month", "months", 9, 10, 11);
    ok &= !!fixture_scalar(r, "flow.F-3.batch.trend_per_month", "1/month", 0.05, 0.05, 0.05);
    ok &= !!fixture_scalar(r, "flow.F-3.batch.trend_se", "1/month", 0.01, 0.01, 0.01);
    ok &= !!fixture_scalar(r, "flow.F-3.batch.trend_runs", "runs", 20, 20, 20);
    ok &= !!fixture_scalar(r, "system.erp.requests", "calls", 5000, 5000, 5000);
    ok &= !!fixture_series(r, "system.erp.utilisation_series", "share", fixture_wave, 0.5);
    ok &= !!fixture_scalar(r, "system.erp.quota_limit", "calls", 1000, 1000, 1000);
    ok &= !!fixture_scalar(r, "system.erp.quota_peak", "calls", 1000, 1000, 1000);
    ok &= !!fixture_scalar(r, "system.erp.quota_refused", "calls", 120, 80, 100);
    ok &= !!fixture_scalar(r, "system.erp.quota_exhausted_at", "s", 72000, 75600, -1);
    ok &= !!fixture_series(r, "system.erp.quota_use_series", "calls", fixture_quota, 1000.0);
    ok &= !!fixture_scalar(r, "channel.crm.allocation_limit", "deliveries", 500, 500, 500);
    ok &= !!fixture_scalar(r, "channel.crm.allocation_used_peak", "deliveries", 400, 420, 380);
    ok &= !!fixture_scalar(r, "channel.crm.allocation_exhausted", "bool", 0, 0, 0);
    ok &= !!fixture_scalar(r, "channel.crm.retention_s", "s", 259200, 259200, 259200);
    ok &= !!fixture_series(r, "channel.crm.allocation_used_series", "deliveries", fixture_wave,
                           420.0);
    ok &= !!fixture_series(r, "channel.crm.backlog_series", "events", fixture_backlog, 300.0);
    ok &=
        !!fixture_series(r, "channel.crm.oldest_unread_age_series", "s", fixture_backlog, 43200.0);
    ok &= !!fixture_scalar(r, "caller.web.pool_size", "threads", 10, 10, 10);
    ok &= !!fixture_scalar(r, "caller.web.pool_max_in_use", "threads", 6, 7, 8);
    ok &= !!fixture_scalar(r, "caller.web.pool_refused", "calls", 0, 0, 0);
    ok &= !!fixture_scalar(r, "caller.web.pool_exhausted_at", "s", -1, -1, -1);
    ok &= !!fixture_series(r, "caller.web.pool_in_use_series", "threads", fixture_wave, 8.0);
    ok &= !!fixture_scalar(r, "run.events", "events", 1e5, 1e5, 1e5);
    return ok ? 0 : -1;
}

/* Removes a folder and everything in it (test clean-up). */
static inline void fixture_rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            size_t n = strlen(path) + strlen(e->d_name) + 2;
            char *sub = sim_malloc(n);
            if (!sub)
                continue;
            snprintf(sub, n, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                fixture_rmtree(sub);
            else
                unlink(sub);
            sim_free(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

/* Size of a file in bytes, -1 if missing. */
static inline long fixture_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* How many times needle occurs in the file (0 if missing). */
static inline int fixture_count(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    int count = 0;
    for (const char *p = buf; (p = strstr(p, needle)); p += strlen(needle))
        count++;
    return count;
}

#endif
