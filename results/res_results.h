/*
 * res_results.h - the results of one experiment as plain data: what every
 * writer (text summary, JSON, CSV, charts, report) reads.
 *
 * A res_results is built in one of two ways and is the same either way:
 *   - after a run, from the merged sim_summary and the scenario
 *     (res_results_add_summary, res_results_set_scenario);
 *   - from a results directory, by reading results.json back (the JSON
 *     reader in results/res_json.c fills it with res_results_add), which is
 *     how `erpsim plot --from DIR` and `erpsim report --from DIR` redraw
 *     charts without running again.
 *
 * Metrics are kept in the summary's order under their dot-separated names
 * ("flow.F-001.latency_p99"), whatever model produced them: a writer that
 * shows every metric needs no change when a model adds one. The verdict
 * finds a limit's metrics through the limit table (below) and a flow's by
 * their exact names; the charts find their series by pattern
 * (res_name_match: "system.*.quota_use_series") and skip what is absent.
 *
 * Per kind:
 *   scalar  mean over the replications, Student-t half-width (NaN with one
 *           replication), the per-replication values, their min and max;
 *   hist    the merged histogram as its non-empty bins (lo, hi, count) with
 *           count, exact mean/min/max and p50/p95/p99;
 *   series  the mean over replications bucket by bucket (y) and the largest
 *           value any replication reached in each bucket (ymax), at a fixed
 *           interval; mean/min/max summarise y (time average, extremes).
 * Missing numbers are NaN (JSON writes them as null).
 *
 * The scenario facts (flows with their SLO and pattern, systems with their
 * limits, callers with their pool size) are the few scenario values the
 * verdicts and charts compare metrics against; the full scenario travels
 * as its normalised YAML text (scenarios/scn_print.h). The limit table
 * (models/mdl_limit.h: every quota, pool and allocation, with the names of
 * the metrics that measure it) travels with them, so a verdict recomputed
 * from results.json finds the same limits as the run did.
 *
 * Ownership: a res_results owns every string and array it points to.
 */
#ifndef RES_RESULTS_H
#define RES_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "mdl_limit.h"
#include "mdl_scenario.h"
#include "sim_err.h"
#include "sim_result.h"

#define RES_ID_MAX 64

typedef struct res_metric {
    char *name;
    char *unit;
    sim_metric_kind kind;
    int n;             /* replications merged */
    double mean;       /* scalar: mean; hist: exact mean; series: time average of y */
    double half_width; /* scalar only: 95% (or the run's level) CI half-width; NaN otherwise */
    double min, max;   /* scalar: of the values; hist: exact; series: of y / of ymax */
    double *values;    /* scalar: n per-replication values */
    /* hist */
    uint64_t count;
    double p50, p95, p99;
    size_t nbins;
    double *lo, *hi; /* bin edges */
    uint64_t *bin_count;
    /* series */
    double interval_s;
    size_t npoints;
    double *y, *ymax;
} res_metric;

typedef struct res_flow {
    char id[RES_ID_MAX];
    char source[RES_ID_MAX], target[RES_ID_MAX], caller[RES_ID_MAX];
    char pattern[16]; /* realtime, event, batch, file */
    char impact[16];
    char tolerance[16]; /* error_tolerance: retry, zero-loss, best-effort */
    char *description;
    double per_day;        /* records per day at the run's load */
    double slo_s;          /* latency SLO in seconds; 0 = none */
    int slo_nightly;       /* the SLO was written "nightly" (24 h) */
    double batch_window_s; /* batch/file: the run's window (0 = none) */
    double growth;         /* data growth per month, a fraction */
} res_flow;

typedef struct res_system {
    char id[RES_ID_MAX];
    char kind[32];
    double daily_limit;         /* API calls per quota window; 0 = none */
    double quota_window_s;      /* the quota window, normally 86400 */
    int quota_rolling;          /* rolling (1) or calendar (0) window */
    int concurrency_limit;      /* 0 = none */
    double delivery_allocation; /* event deliveries per 24 h; 0 = none */
    double retention_s;         /* event retention; 0 = no events */
} res_system;

typedef struct res_caller {
    char id[RES_ID_MAX];
    int pool_size;
} res_caller;

/* A variant of the scenario (its `variants:` list) as run with the same
 * seed: its verdict and each flow's headline figures, kept so that
 * summary.txt, results.json and the report show them. */
typedef struct res_variant_flow {
    char id[RES_ID_MAX];
    char status[16]; /* the flow's verdict: "met", "MISSED", "INCOMPLETE" ... */
    double p99, p99_hw;
    double created, delivered, rejected, dead_lettered, lost, pending;
} res_variant_flow;

typedef struct res_variant {
    char id[RES_ID_MAX];
    char *description;
    char result[8];   /* "PASS" or "FAIL" */
    char banner[256]; /* the variant's verdict line */
    res_variant_flow *flows;
    int nflows;
} res_variant;

typedef struct res_results {
    /* the scenario as run */
    char *name, *description;
    char *source; /* the scenario file, or "default.yaml" for the compiled-in one */
    char *yaml;   /* the normalised scenario text with every default; may be NULL */
    char version[32];
    uint64_t seed;
    int replications;
    double confidence; /* e.g. 0.95 */
    double load;       /* the load multiplier */
    double horizon_s, warmup_s;
    res_flow *flows;
    int nflows;
    res_system *systems;
    int nsystems;
    res_caller *callers;
    int ncallers;
    mdl_limit *limits; /* the limit table, in the order the run publishes them */
    int nlimits;
    res_variant *variants; /* the scenario's variants, when they were run */
    int nvariants;
    /* the user's --set PATH=VALUE overrides, in order (not the ones --load,
     * --days, --seed and --reps generate: those are load, horizon_s, seed
     * and replications), so that the run can be reproduced */
    char **overrides;
    int noverrides;
    /* the metrics, in the summary's order */
    res_metric *metrics;
    size_t nmetrics, cap;
    /* private to res_results.c: the name index, an open-addressing hash
     * table of metric positions + 1 (0 = empty slot), nslots a power of
     * two kept at least twice nmetrics. Add metrics only through
     * res_results_add so that it stays in step. */
    size_t *slots;
    size_t nslots;
} res_results;

res_results *res_results_create(sim_err *err);
void res_results_destroy(res_results *r); /* NULL is a no-op */

/* Copies the scenario facts and strings (source and yaml may be NULL) and
 * builds the limit table (mdl_world_limits);
 * seed, replications and load come from the scenario, so set them after
 * this call when the run overrode them. */
int res_results_set_scenario(res_results *r, const mdl_scenario *sc, const char *source,
                             const char *yaml, sim_err *err);
/* Appends a copy of one record to the limit table (for a reader). */
int res_results_add_limit(res_results *r, const mdl_limit *l, sim_err *err);

/* Appends an empty variant with room for nflows flows (zeroed), for a
 * writer to fill; NULL on no memory. */
res_variant *res_results_add_variant(res_results *r, const char *id, const char *description,
                                     int nflows, sim_err *err);
/* Variant x's figures of flow id, NULL if it has none. */
const res_variant_flow *res_variant_flow_of(const res_variant *x, const char *id);

/* Replaces the overrides with copies of sets[0..n-1]. */
int res_results_set_overrides(res_results *r, const char *const *sets, int n, sim_err *err);
/* Makes room for n flows, systems and callers (zeroed), for a reader. */
int res_results_alloc_facts(res_results *r, int nflows, int nsystems, int ncallers, sim_err *err);

/* Appends a copy of every metric of s (and sets replications and
 * confidence from it). */
int res_results_add_summary(res_results *r, const sim_summary *s, sim_err *err);

/* Appends an empty metric (numbers NaN, arrays NULL) for a reader to fill;
 * arrays the reader attaches must come from sim_malloc (the results free
 * them). Returns NULL (err filled) on no memory or a duplicate name. */
res_metric *res_results_add(res_results *r, const char *name, const char *unit,
                            sim_metric_kind kind, sim_err *err);
/* Recomputes mean/min/max from values (scalar) or y/ymax (series). */
void res_metric_refresh(res_metric *m);

const res_metric *res_results_find(const res_results *r, const char *name);
/* The metric named by the printf-style format, or NULL. */
const res_metric *res_results_findf(const res_results *r, const char *fmt, ...) SIM_PRINTF(2, 3);
/* Mean of the scalar metric named by the format, or `fallback` when it is
 * absent or not a scalar. */
double res_results_meanf(const res_results *r, double fallback, const char *fmt, ...)
    SIM_PRINTF(3, 4);

const res_flow *res_results_flow(const res_results *r, const char *id);

/* The value a chart draws as the reference of a metric: its flow's
 * latency SLO for flow.ID.latency_{p50,p95,p99,mean,max}, the limit for a
 * limit's peak metric (the limit table's), NaN otherwise; label gets "SLO
 * 5 min" or "limit 100,000 calls" (n >= 64). */
double res_results_reference(const res_results *r, const char *metric, char *label, size_t n);
const res_system *res_results_system(const res_results *r, const char *id);
const res_caller *res_results_caller(const res_results *r, const char *id);

/* Matches a metric name against a pattern whose '*' stands for exactly one
 * name segment (ids never contain '.'). On a match returns 1 and copies
 * the segment matched by the first '*' into star (if not NULL; n bytes). */
int res_name_match(const char *pattern, const char *name, char *star, size_t n);

/* The q-quantile of a hist metric from its bins, as sim_hist_quantile
 * computes it (the midpoint of the bin holding rank ceil(q n), clamped to
 * [min, max]); NaN if empty. */
double res_metric_quantile(const res_metric *m, double q);
/* The share of a hist metric's observations in bins whose upper edge is
 * <= x (its empirical CDF at a bin edge). */
double res_metric_cdf(const res_metric *m, double x);

#endif
