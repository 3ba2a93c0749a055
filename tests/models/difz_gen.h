/*
 * difz_gen.h - small random scenarios aimed at the aggregate pass's edges
 * (docs/models/aggregate.md, "tier R"), deterministic from a seed, as
 * scenario text (test_mdl_world_fuzzdiff.c runs each on the pass and on
 * the per-record path and compares them).
 *
 * A scenario has 2-4 systems of every kind, 1-2 callers with small pools,
 * and 1-5 flows: real-time (timeouts near the service, retries, breakers),
 * event (1-3 subscribers of concurrency 1-4, ordered or not, redelivery
 * 0-30% mostly due at once, insert or upsert, reconciliations, offline
 * windows, subscription tokens) and batches (REST mostly, some bulk).
 * Systems have 1-3 workers mostly (queues form), lognormal, exponential,
 * gamma or deterministic services with round means, some longer than the
 * series interval; daily quotas none, loose, or tight enough to run out
 * mid-day (rolling or calendar windows, 24 h or shorter); sometimes a
 * queue, concurrency or rate limit, a server timeout, a token. Faults:
 * outages, degradations, subscriber offline windows, token expiries.
 * Arrivals Poisson or deterministic at whole-second periods (so events
 * land on the series' sample instants), some office-hours, some spikes.
 * Horizons 12 h to 2 days (series intervals of 1, 2 and 3 minutes), loads
 * 0.5x to 6x. Each flow's volume comes from a target utilisation of the
 * system it calls, capped so that one replication stays small.
 */
#ifndef DIFZ_GEN_H
#define DIFZ_GEN_H

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim_err.h"

typedef struct difz_rng {
    uint64_t s;
} difz_rng;

static uint64_t difz_next(difz_rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* uniform in [lo, hi] */
static int difz_int(difz_rng *r, int lo, int hi)
{
    return lo + (int)(difz_next(r) % (uint64_t)(hi - lo + 1));
}

static double difz_unit(difz_rng *r)
{
    return (double)(difz_next(r) >> 11) * 0x1.0p-53;
}

static int difz_chance(difz_rng *r, double p)
{
    return difz_unit(r) < p;
}

#define DIFZ_PICK(r, array) ((array)[difz_int((r), 0, (int)(sizeof(array) / sizeof *(array)) - 1)])

typedef struct difz_text {
    char *buf;
    size_t len, cap;
} difz_text;

static void difz_put(difz_text *t, const char *fmt, ...) SIM_PRINTF(2, 3);
static void difz_put(difz_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n < t->cap - t->len ? (size_t)n : t->cap - t->len - 1;
}

enum { DIFZ_MAXSYS = 4, DIFZ_MAXFLOW = 5 };

typedef struct difz_sys {
    const char *kind;
    int workers;      /* 0: unlimited */
    double mean;      /* mean service, s */
    char service[96]; /* the api keys of the service */
    int events;       /* a source of an event flow: events enabled */
    int token;        /* has tokens */
    double calls;     /* calls a day the flows make (for the quota) */
    int users;        /* flows and subscribers calling it */
    double rho;       /* target utilisation of its workers */
} difz_sys;

/* Whether seed's scenario aims at the sample instants (difz_generate's
 * ties): a quarter of the seeds, drawn apart from the scenario's own
 * stream, so that the other seeds' scenarios stay as they were. */
static int difz_ties(uint64_t seed)
{
    difz_rng r = {seed ^ 0x7469657321ull};
    return difz_chance(&r, 0.25);
}

/* Writes seed's scenario into buf (cap bytes, 16 KB is plenty). With
 * ties, it aims at the ties of the pass's invariants 9 and 10
 * (mdl_world.c): every service deterministic, a round part or multiple
 * of the series interval I (I/4 .. 7I/4, under an apply's 120 s
 * timeout, so some run longer than I), every arrival deterministic at a
 * period that divides I or is a multiple of it or neither (arrival j at
 * (j + 1/2) period: some on the sample instants, some not), redelivered
 * copies due at once (delay 0), and a quota on every system, so that
 * answers, arrivals, copies and quota samples meet at one microsecond;
 * half the systems take the previous one's service, half the flows the
 * previous one's pattern and target (records arriving and ending
 * together).
 * Half the event flows publish at 15 or 45 s past a minute. Horizons
 * 12 h to 1 day (I = 1 or 2 minutes), mild harshness. */
static void difz_generate(uint64_t seed, int ties, char *buf, size_t cap)
{
    difz_rng r = {seed * 0x2545f4914f6cdd1dull + 1};
    difz_text t = {buf, 0, cap};
    static const char *const kinds[] = {"generic",  "salesforce",   "sap-s4hana",
                                        "netsuite", "dynamics-365", "oracle-erp-cloud",
                                        "workday"};
    static const char *const horizons[] = {"12h", "16h", "1d", "1d", "36h", "2d"};
    static const double horizon_h[] = {12, 16, 24, 24, 36, 48};
    static const double loads[] = {0.5, 1, 1.5, 2, 3, 4, 6};
    /* mostly light (the pass needs quiet instants), some busy, some over */
    static const double rhos[] = {0.005, 0.01, 0.02, 0.05, 0.1}, busy[] = {0.2, 0.4, 0.8, 1.2};
    /* 84-110 s: longer than a 1-minute series interval, shorter than an
     * apply's 120 s timeout (longer ones make every apply slow) */
    static const double det_means[] = {0.25, 0.5, 1, 2, 5, 30, 60, 84, 90, 96, 110};
    static const double periods[] = {30,  45,  60,  90,  120, 144, 180, 240, 288,
                                     300, 360, 432, 480, 600, 720, 900, 1200};

    /* how hard the scenario pushes the limits: the chance of each harsh
     * choice (a busy system, a timeout near the service, a tight quota, a
     * tiny pool, a fault); a mild one leaves the pass room to carry */
    static const double harshness[] = {0.05, 0.15, 0.3, 0.6};
    double hp = DIFZ_PICK(&r, harshness);
    int hz = difz_int(&r, 0, (int)(sizeof horizons / sizeof *horizons) - 1);
    if (ties) {
        hp = harshness[difz_int(&r, 0, 1)];
        hz = difz_int(&r, 0, 2); /* 12h, 16h, 1d */
    }
    double hours = horizon_h[hz];
    /* the series interval, s (mdl_world_series_interval: a minute per
     * 1,000 bins, rounded up) */
    double iv = 60 * ceil(hours * 3600 / 1000 / 60);
    double load = DIFZ_PICK(&r, loads);
    /* a flow's source and target differ: one system is a second's source */
    int nsys = difz_int(&r, 2, DIFZ_MAXSYS);
    int ncallers = difz_int(&r, 1, 2);
    int nflows = difz_int(&r, 1, DIFZ_MAXFLOW);
    difz_sys sys[DIFZ_MAXSYS];
    memset(sys, 0, sizeof sys);

    for (int i = 0; i < nsys; i++) {
        difz_sys *s = &sys[i];
        s->kind = DIFZ_PICK(&r, kinds);
        s->workers = difz_chance(&r, 0.8) ? difz_int(&r, 1, 3) : difz_chance(&r, 0.5) ? 8 : 0;
        s->rho = difz_chance(&r, hp) ? DIFZ_PICK(&r, busy) : DIFZ_PICK(&r, rhos);
        int d = difz_int(&r, 0, 9);
        if (ties) {
            static const double parts[] = {0.25, 1.0 / 3, 0.5, 2.0 / 3, 1, 1.25, 1.5, 1.75};
            do
                s->mean = iv * DIFZ_PICK(&r, parts);
            while (s->mean >= 120);
            if (i > 0 && difz_chance(&r, 0.5)) /* records of two systems end together */
                s->mean = sys[i - 1].mean;
            snprintf(s->service, sizeof s->service,
                     "service: {distribution: deterministic, mean: %.0fms}", s->mean * 1000);
        } else if (d < 4) {
            static const int p50s[] = {50, 150, 300, 1000, 2000};
            static const int ratios[] = {2, 4, 8};
            int p50 = DIFZ_PICK(&r, p50s), p95 = p50 * DIFZ_PICK(&r, ratios);
            double sig = log((double)p95 / p50) / 1.645;
            s->mean = p50 / 1000.0 * exp(sig * sig / 2);
            snprintf(s->service, sizeof s->service, "latency_p50: %dms, latency_p95: %dms", p50,
                     p95);
        } else if (d < 8) {
            s->mean = DIFZ_PICK(&r, det_means);
            snprintf(s->service, sizeof s->service,
                     "service: {distribution: deterministic, mean: %.0fms}", s->mean * 1000);
        } else if (d < 9) {
            static const double means[] = {0.2, 1, 5};
            s->mean = DIFZ_PICK(&r, means);
            snprintf(s->service, sizeof s->service,
                     "service: {distribution: exponential, mean: %.0fms}", s->mean * 1000);
        } else {
            static const double means[] = {0.3, 2, 60};
            static const int cvs[] = {25, 50, 200};
            s->mean = DIFZ_PICK(&r, means);
            snprintf(s->service, sizeof s->service,
                     "service: {distribution: gamma, mean: %.0fms, cv: %d%%}", s->mean * 1000,
                     DIFZ_PICK(&r, cvs));
        }
    }

    /* The flows, drawn before they are written: the systems need their
     * loads (quotas) and whether they are event sources. */
    typedef struct fl {
        int pattern; /* 0 realtime, 1 event, 2 batch */
        int src, dst, caller, det, nsubs, sub_dst[3];
        double per_day; /* records a day at the load */
        double redelivery;
        int delay, recon, page;
    } fl;
    fl f[DIFZ_MAXFLOW];
    memset(f, 0, sizeof f);
    for (int k = 0; k < nflows; k++) {
        double u = difz_unit(&r);
        f[k].pattern = u < 0.4                    ? 0
                       : u < (ties ? 0.95 : 0.85) ? 1
                                                  : 2; /* ties: few batches (busy) */
        f[k].src = difz_int(&r, 0, nsys - 1);
        f[k].dst = difz_int(&r, 0, nsys - 1);
        if (ties && k > 0 && f[k - 1].pattern != 2 && difz_chance(&r, 0.5)) {
            /* arrivals together at one system */
            f[k].pattern = f[k - 1].pattern;
            f[k].dst = f[k - 1].dst;
        }
        if (f[k].dst == f[k].src)
            f[k].dst = (f[k].src + 1) % nsys;
        f[k].caller = difz_int(&r, 0, ncallers - 1);
        f[k].det = ties || difz_chance(&r, 0.3);
        if (f[k].pattern == 1) {
            sys[f[k].src].events = 1;
            f[k].nsubs = difz_chance(&r, 0.6) ? 1 : difz_int(&r, 2, 3);
            /* two subscribers applying into one system meet at its
             * endpoint at each publish's instant (fallback_edge): seldom */
            for (int j = 0; j < f[k].nsubs; j++) {
                f[k].sub_dst[j] = j == 0 ? f[k].dst : (f[k].sub_dst[j - 1] + 1) % nsys;
                if (j > 0 && difz_chance(&r, 0.2))
                    f[k].sub_dst[j] = f[k].dst;
                sys[f[k].sub_dst[j]].users++;
            }
            static const double reds[] = {0, 0, 0.01, 0.05, 0.2, 0.3};
            static const double tie_reds[] = {0.05, 0.2, 0.3, 0.5};
            f[k].redelivery = ties ? DIFZ_PICK(&r, tie_reds) : DIFZ_PICK(&r, reds);
            f[k].delay = !ties && difz_chance(&r, 0.05);
            f[k].recon = difz_chance(&r, 0.2);
        } else if (f[k].pattern == 0) {
            sys[f[k].dst].users++;
        }
        f[k].page = f[k].pattern == 2 ? (difz_chance(&r, 0.5) ? 200 : 50) : 1;
    }
    /* a batch shares a quota with an event subscriber when there is one
     * (the event pass carries REST batches beside subscribers only) */
    for (int k = 0; k < nflows; k++)
        for (int j = 0; j < nflows && f[k].pattern == 2; j++)
            if (f[j].pattern == 1 && f[j].sub_dst[0] != f[k].src && difz_chance(&r, 0.7)) {
                f[k].dst = f[j].sub_dst[0];
                break;
            }
    /* volumes: each caller of a system gets an equal part of its target
     * utilisation (workers / mean service), capped at ~40k records a run */
    for (int k = 0; k < nflows; k++) {
        const difz_sys *s = &sys[f[k].dst];
        int w = s->workers ? s->workers : 8;
        double rate = s->rho * w / s->mean / (s->users ? s->users : 1); /* per s */
        double per_day = rate * 86400;
        if (f[k].pattern == 2)
            per_day = 1000.0 * difz_int(&r, 1, 50);
        double cap_day = 40000.0 * 24 / hours;
        if (per_day > cap_day)
            per_day = cap_day;
        if (per_day < 24)
            per_day = 24;
        if (f[k].det && f[k].pattern != 2) {
            /* a whole-second period near 86400 / per_day */
            static const double tie_periods[] = {15,  20,  30,  40,  45,  60,  80,  90,  120,
                                                 180, 240, 360, 480, 600, 720, 960, 1200};
            const double *ps = ties ? tie_periods : periods;
            size_t np =
                ties ? sizeof tie_periods / sizeof *tie_periods : sizeof periods / sizeof *periods;
            double want = 86400 / per_day, best = ps[0];
            for (size_t i = 0; i < np; i++)
                if (fabs(log(ps[i] / want)) < fabs(log(best / want)))
                    best = ps[i];
            /* publishes at 15 or 45 s past a minute, mostly quiet between
             * them: a service of 75 or 105 s answers on a sample instant,
             * and a copy applies there */
            if (ties && f[k].pattern == 1 && difz_chance(&r, 0.5))
                best = DIFZ_PICK(&r, ((const double[]){90, 150, 210, 270}));
            per_day = 86400 / best;
        }
        f[k].per_day = per_day;
        if (f[k].pattern == 0)
            sys[f[k].dst].calls += per_day * 1.1;
        else if (f[k].pattern == 1)
            for (int j = 0; j < f[k].nsubs; j++)
                sys[f[k].sub_dst[j]].calls += per_day * (1 + f[k].redelivery);
        else
            sys[f[k].dst].calls += per_day / f[k].page;
    }

    difz_put(&t, "name: difz-%llu\nhorizon: %s\nload: %gx\nseed: %llu\n", (unsigned long long)seed,
             horizons[hz], load, (unsigned long long)(seed % 1000000007u + 1));
    if (difz_chance(&r, 0.15))
        difz_put(&t, "warmup: %dm\n", difz_int(&r, 1, (int)hours * 60 / 3));
    difz_put(&t, "systems:\n");
    for (int i = 0; i < nsys; i++) {
        difz_sys *s = &sys[i];
        difz_put(&t, "  - id: s%d\n    kind: %s\n    api: {%s", i, s->kind, s->service);
        if (s->workers)
            difz_put(&t, ", workers: %d", s->workers);
        else
            difz_put(&t, ", workers: none");
        double u = difz_unit(&r);
        double calls = s->calls + 1; /* a day's, at the load */
        if (ties)                    /* a loose quota, sampled */
            difz_put(&t, ", daily_limit: %.0f", calls * (2 + 8 * difz_unit(&r)));
        else if (!difz_chance(&r, 1.5 * hp))
            difz_put(&t, u < 0.3 ? ", daily_limit: none" : ", daily_limit: %.0f",
                     calls * (2 + 8 * difz_unit(&r)));
        else if (u < 0.6) /* runs out mid-day */
            difz_put(&t, ", daily_limit: %.0f", calls * (0.3 + 0.7 * difz_unit(&r)) + 1);
        else {
            static const int lens[] = {1, 2, 6};
            int len = DIFZ_PICK(&r, lens);
            difz_put(&t, ", daily_limit: %.0f, window: %s, window_length: %dh",
                     calls * len / 24 * (0.5 + 2 * difz_unit(&r)) + 1,
                     difz_chance(&r, 0.5) ? "calendar" : "rolling", len);
        }
        if (difz_chance(&r, 0.9))
            difz_put(&t, ", rate_limit: none");
        else if (difz_chance(&r, 0.5))
            difz_put(&t, ", rate_limit: %d, rate_window: 60s", difz_int(&r, 5, 200));
        if (difz_chance(&r, 0.15))
            difz_put(&t, ", concurrency_limit: %d, long_running: none", difz_int(&r, 1, 5));
        if (difz_chance(&r, 0.15))
            difz_put(&t, ", queue_limit: %d", difz_int(&r, 1, 30));
        if (difz_chance(&r, 0.15))
            difz_put(&t, ", server_timeout: %.0fms", s->mean * 1000 * (1 + 3 * difz_unit(&r)) + 1);
        difz_put(&t, "}\n");
        if (s->events) {
            difz_put(&t, "    events: {enabled: true");
            double v = difz_unit(&r);
            if (v < 0.1)
                difz_put(&t, ", delivery_allocation: none");
            else if (v < 0.8)
                difz_put(&t, ", delivery_allocation: 100M");
            else
                difz_put(&t, ", delivery_allocation: %d", difz_int(&r, 100, 20000));
            /* the publish allocation joins a publisher to its channel's
             * readers (without one the component stays per record) */
            v = difz_unit(&r);
            if (v < 0.1)
                difz_put(&t, ", publish_allocation: none");
            else if (v < 0.8)
                difz_put(&t, ", publish_allocation: 1M");
            else
                difz_put(&t, ", publish_allocation: %d", difz_int(&r, 20, 2000));
            if (difz_chance(&r, 0.1))
                difz_put(&t, ", retention: %dm", difz_int(&r, 5, 120));
            if (difz_chance(&r, 0.05))
                difz_put(&t, ", cdc_objects: [Order]");
            difz_put(&t, "}\n");
        }
        if (difz_chance(&r, 0.3)) {
            static const char *const lives[] = {"20m", "1h", "2h"};
            double v = difz_unit(&r);
            s->token = 1;
            difz_put(&t, "    tokens: {lifetime: %s, refresh: %s}\n", DIFZ_PICK(&r, lives),
                     v < 0.9    ? "proactive"
                     : v < 0.97 ? "inline"
                                : "none");
        }
    }
    difz_put(&t, "callers:\n");
    for (int c = 0; c < ncallers; c++) {
        difz_put(&t, "  - {id: c%d, pool_size: %d", c,
                 difz_chance(&r, hp) ? difz_int(&r, 1, 3) : difz_int(&r, 4, 12));
        if (difz_chance(&r, 0.2))
            difz_put(&t, ", pool_wait: %ds", difz_int(&r, 1, 30));
        difz_put(&t, "}\n");
    }
    difz_put(&t, "flows:\n");
    for (int k = 0; k < nflows; k++) {
        const fl *g = &f[k];
        const difz_sys *d = &sys[g->dst];
        static const char *const pnames[] = {"realtime", "event", "batch"};
        difz_put(&t, "  - id: F%d\n    source: s%d\n    target: s%d\n    pattern: %s\n", k, g->src,
                 g->dst, pnames[g->pattern]);
        difz_put(&t, "    volume: %.6g/day\n", g->per_day / load);
        if (g->pattern != 2) {
            difz_put(&t, "    arrival: {process: %s", g->det ? "deterministic" : "poisson");
            if (difz_chance(&r, 0.15))
                difz_put(&t, ", diurnal: office-hours");
            if (difz_chance(&r, 0.1))
                difz_put(&t, ", spikes: [{at: %dm, duration: %dm, multiplier: %dx}]",
                         difz_int(&r, 0, (int)hours * 60), difz_int(&r, 5, 90), difz_int(&r, 2, 6));
            difz_put(&t, "}\n");
        }
        if (difz_chance(&r, 0.05))
            difz_put(&t, "    object: Order\n");
        if (g->pattern == 0) {
            static const double near[] = {0.5, 1, 1.5, 2}, far[] = {5, 20, 100};
            double to = d->mean * (difz_chance(&r, hp) ? DIFZ_PICK(&r, near) : DIFZ_PICK(&r, far));
            difz_put(&t, "    caller: c%d\n    realtime:\n      timeout: %.0fms\n", g->caller,
                     to * 1000 + 1);
            difz_put(&t, "      retries: {max_attempts: %d, base: %dms}\n", difz_int(&r, 1, 3),
                     difz_chance(&r, 0.5) ? 500 : 2000);
            if (difz_chance(&r, 0.3))
                difz_put(&t,
                         "      breaker: {enabled: true, window_size: %d, minimum_calls: %d, "
                         "slow_call_duration: %.0fms, open_duration: %ds}\n",
                         difz_int(&r, 5, 50), difz_int(&r, 2, 10),
                         d->mean * 1000 * (0.5 + 2 * difz_unit(&r)) + 1, difz_int(&r, 10, 120));
            if (difz_chance(&r, 0.3))
                difz_put(&t, "      fallback: %s\n",
                         difz_chance(&r, 0.5) ? "queue" : "fail-closed");
        } else if (g->pattern == 1) {
            static const char *const spaces[] = {"3", "10", "50", "5k", "none"};
            difz_put(&t, "    key_space: %s\n", DIFZ_PICK(&r, spaces));
            difz_put(&t, "    event:\n      channel: platform\n      redelivery: %g%%\n",
                     g->redelivery * 100);
            if (g->delay)
                difz_put(&t, "      redelivery_delay: %ds\n", difz_int(&r, 1, 60));
            if (difz_chance(&r, 0.3))
                difz_put(&t, "      receiver: insert\n");
            if (difz_chance(&r, 0.3))
                difz_put(&t, "      ordering_guard: false\n");
            if (difz_chance(&r, 0.03))
                difz_put(&t, "      permanent_errors: 1%%\n");
            if (g->recon)
                difz_put(&t,
                         "      reconciliation: {enabled: true, compare: delta, schedule: every "
                         "%dh at 00:%02d}\n",
                         difz_int(&r, 1, 6), difz_int(&r, 0, 59));
            difz_put(&t, "      subscribers:\n");
            for (int j = 0; j < g->nsubs; j++) {
                difz_put(&t,
                         "        - id: k%d\n          target: s%d\n          concurrency: %d\n", j,
                         g->sub_dst[j], difz_int(&r, 1, 4));
                if (difz_chance(&r, 0.1))
                    difz_put(&t, "          offline: [{start: %dm, duration: %dm}]\n",
                             difz_int(&r, 0, (int)hours * 60), difz_int(&r, 1, 120));
                if (difz_chance(&r, 0.05))
                    difz_put(&t, "          token_lifetime: %dh\n          auto_renew: %s\n",
                             difz_int(&r, 1, 12), difz_chance(&r, 0.5) ? "true" : "false");
                if (difz_chance(&r, 0.03))
                    difz_put(&t,
                             "          processing: {distribution: deterministic, mean: %dms}\n",
                             difz_int(&r, 10, 2000));
            }
        } else {
            static const int everies[] = {1, 2, 4, 6};
            int every = DIFZ_PICK(&r, everies);
            difz_put(&t,
                     "    batch: {schedule: every %dh at 00:%02d, window: %dm, api: %s, "
                     "page_size: %d, chunk_size: %d, concurrent_jobs: %d, extract: %s}\n",
                     every, difz_int(&r, 0, 59), difz_int(&r, 10, every * 60),
                     difz_chance(&r, 0.9) || !strcmp(d->kind, "generic") ||
                             !strcmp(d->kind, "workday")
                         ? "rest"
                         : "bulk", /* those two have no bulk API */
                     g->page, DIFZ_PICK(&r, ((const int[]){500, 2000, 10000})), difz_int(&r, 1, 3),
                     difz_chance(&r, 0.8) ? "none" : "rest");
        }
    }
    int nfaults = difz_chance(&r, hp) ? difz_int(&r, 1, 2) : 0;
    if (nfaults)
        difz_put(&t, "faults:\n");
    for (int i = 0, end = 0; i < nfaults; i++) {
        /* the second after the first (a system has one window at a time) */
        int start = end + difz_int(&r, 0, (int)hours * 60), len = difz_int(&r, 1, 120);
        end = start + len + 1;
        int s = difz_int(&r, 0, nsys - 1), u = difz_int(&r, 0, 3);
        int ev = -1;
        for (int k = 0; k < nflows; k++)
            if (f[k].pattern == 1)
                ev = k;
        if (u == 2 && ev < 0)
            u = 0;
        if (u == 3 && !sys[s].token)
            u = 1;
        if (u == 0)
            difz_put(&t,
                     "  - {id: x%d, kind: outage, system: s%d, start: %dm, duration: %dm, mode: "
                     "%s}\n",
                     i, s, start, len, difz_chance(&r, 0.7) ? "fail-fast" : "hang");
        else if (u == 1)
            difz_put(&t,
                     "  - {id: x%d, kind: degradation, system: s%d, start: %dm, duration: %dm, "
                     "factor: %dx}\n",
                     i, s, start, len, difz_int(&r, 2, 10));
        else if (u == 2)
            difz_put(&t,
                     "  - {id: x%d, kind: subscriber-offline, flow: F%d, subscriber: k0, start: "
                     "%dm, duration: %dm}\n",
                     i, ev, start, len);
        else
            difz_put(&t, "  - {id: x%d, kind: token-expiry, system: s%d, start: %dm}\n", i, s,
                     start);
    }
}

#endif
