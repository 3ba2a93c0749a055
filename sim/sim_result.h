/*
 * sim_result.h - what one replication produced, and what R replications
 * produced together.
 *
 * A sim_result is an ordered list of named metrics, each with a unit:
 *   scalar  one number per replication (a count, a mean, a p99, a time);
 *   hist    a sim_hist of observations (latencies), merged across
 *           replications for distribution charts;
 *   series  a sim_series over simulated time, averaged across replications
 *           bucket by bucket for time charts.
 * Names are dot-separated paths, e.g. "flow.F-001.latency_p99" or
 * "system.salesforce.quota_peak_use"; a model adds a metric by naming it, and
 * every writer (text, JSON, CSV, charts) picks it up without change.
 *
 * A sim_summary merges the results of R replications in replication order:
 * scalars get their per-replication values, mean and a Student-t confidence
 * half-width  t_{(1+c)/2, R-1} * s / sqrt(R)  (NaN when R < 2); histograms
 * are added; series are averaged. Merging in replication order (not in the
 * order threads finish) makes the summary identical whatever the thread
 * count. Every replication must produce the same metrics in the same order,
 * which holds when models are built from the scenario deterministically.
 *
 * Merging is incremental (sim_merge): results are added one at a time, in
 * replication order, and each can be destroyed as soon as it is added. What
 * the merge keeps is one replication's worth of hists and series plus 8
 * bytes per scalar metric per replication (the values, which the verdict
 * counts "in k of R replications"); it never holds R results. The values
 * arrays double as results come (up to 2 x 8 bytes per value just past a
 * power of two) unless the number expected is reserved (sim_merge_reserve,
 * which sim_summary_merge and sim_experiment do): then exactly 8. The
 * summary does not depend on when or where each result was produced, only
 * on the order of the adds.
 *
 * Reference: A. M. Law, "Simulation Modeling and Analysis", 5th ed., ch. 9
 * (fixed-sample-size confidence intervals for terminating simulations).
 */
#ifndef SIM_RESULT_H
#define SIM_RESULT_H

#include <stddef.h>

#include "sim_err.h"
#include "sim_pack.h"
#include "sim_stats.h"

typedef enum sim_metric_kind {
    SIM_METRIC_SCALAR = 0,
    SIM_METRIC_HIST,
    SIM_METRIC_SERIES
} sim_metric_kind;

typedef struct sim_result sim_result;

sim_result *sim_result_create(sim_err *err);
void sim_result_destroy(sim_result *r); /* NULL is a no-op; frees owned hists/series */

/* Appends a metric. name and unit are copied. SIM_EINVAL if name is already
 * present; SIM_ENOMEM on allocation failure. hist and series are taken over
 * by the result in every case (freed on error). */
int sim_result_scalar(sim_result *r, const char *name, const char *unit, double value);
int sim_result_hist(sim_result *r, const char *name, const char *unit, sim_hist *h);
int sim_result_series(sim_result *r, const char *name, const char *unit, sim_series *s);

size_t sim_result_count(const sim_result *r);
/* Borrowed views of metric i, valid while r lives. */
const char *sim_result_name(const sim_result *r, size_t i);
const char *sim_result_unit(const sim_result *r, size_t i);
sim_metric_kind sim_result_kind(const sim_result *r, size_t i);
double sim_result_value(const sim_result *r, size_t i);                /* scalar */
const sim_hist *sim_result_hist_at(const sim_result *r, size_t i);     /* hist */
const sim_series *sim_result_series_at(const sim_result *r, size_t i); /* series */
/* Index of name, or -1. */
long sim_result_find(const sim_result *r, const char *name);

/* The number of results created and not yet destroyed in the process, for
 * tests of the experiment's memory bound (thread-safe). */
long sim_result_live(void);

/* The heap bytes r holds (its metrics, names, index, hists and series),
 * malloc's bookkeeping included: for memory estimates. */
size_t sim_result_bytes(const sim_result *r);

/* Writes r exactly (sim_pack.h): each metric's kind, name, unit and value,
 * histogram or series. */
void sim_result_pack(const sim_result *r, sim_pack *p);
/* Appends the metrics packed in u to into (an empty result): into then
 * merges exactly as the packed result did. SIM_EPARSE on a truncated or
 * corrupt buffer (into may hold some metrics: destroy it), SIM_ENOMEM. */
int sim_result_unpack(sim_result *into, sim_unpack *u, sim_err *err);

/* One merged metric of a summary. All pointers are owned by the summary. */
typedef struct sim_metric {
    const char *name;
    const char *unit;
    sim_metric_kind kind;
    /* SCALAR: values[0..n-1] in replication order, their tally, mean and
     * confidence half-width (NaN when fewer than 2 values; 0 when all values
     * are equal). A NaN value (the metric is undefined in that replication,
     * e.g. the p99 of a flow that delivered nothing) stays in values but is
     * left out of the tally, the mean and the half-width: tally.n counts the
     * replications that defined it; the mean is NaN if none did. */
    int n;
    const double *values;
    sim_tally tally;
    double mean, half_width;
    /* HIST: every replication's observations. */
    const sim_hist *hist;
    /* SERIES: the mean over replications, bucket by bucket (maxima: the
     * largest of any replication). */
    const sim_series *series;
} sim_metric;

typedef struct sim_summary sim_summary;

/* Merges n results (in the given order) with the given confidence level
 * (e.g. 0.95). SIM_EINVAL (err names the metric) when the results do not
 * list the same metrics in the same order. The results are only read.
 * The same as a sim_merge fed results[0], ..., results[n-1]. */
sim_summary *sim_summary_merge(sim_result *const *results, int n, double confidence, sim_err *err);

/* An incremental merge: create, add the results of replications 0, 1, 2,
 * ... in that order, then finish to get the summary. */
typedef struct sim_merge sim_merge;

/* An empty merge at the given confidence level; NULL with err on a bad
 * level (SIM_EINVAL) or no memory. */
sim_merge *sim_merge_create(double confidence, sim_err *err);
/* Adds r as replication sim_merge_count(m). r is only read during the
 * call (the caller may destroy it right after). SIM_EINVAL (err names the
 * metric and the replication) when r does not list the same metrics, units
 * and series shapes as replication 0; SIM_ENOMEM. On error the merge is
 * unchanged: it can go on or be destroyed. */
int sim_merge_add(sim_merge *m, const sim_result *r, sim_err *err);
/* Says that about n results will be added: the values of every scalar are
 * then allocated once for n (8 bytes x n each) instead of doubling as they
 * come, which would hold up to twice that. More than n can still be added;
 * fewer give the rest back at finish. Changes no result. NULL is a no-op. */
void sim_merge_reserve(sim_merge *m, int n);
/* The number of results added so far. */
int sim_merge_count(const sim_merge *m);
/* The summary of the results added (the caller destroys it). Consumes m
 * whatever happens; NULL with SIM_EINVAL when nothing was added. */
sim_summary *sim_merge_finish(sim_merge *m, sim_err *err);
void sim_merge_destroy(sim_merge *m);     /* NULL is a no-op */
void sim_summary_destroy(sim_summary *s); /* NULL is a no-op */
int sim_summary_replications(const sim_summary *s);
double sim_summary_confidence(const sim_summary *s);
size_t sim_summary_count(const sim_summary *s);
const sim_metric *sim_summary_at(const sim_summary *s, size_t i);
const sim_metric *sim_summary_find(const sim_summary *s, const char *name);

/* Student-t confidence half-width of the mean of t at level confidence;
 * NaN if t->n < 2. */
double sim_ci_half_width(const sim_tally *t, double confidence);

#endif
