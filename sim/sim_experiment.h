/*
 * sim_experiment.h - R independent replications of a model, in parallel.
 *
 * The caller supplies a function that builds and runs one replication from
 * (seed, replication index) and fills a sim_result. Replications run on a
 * pool of POSIX threads (default: one per core); each replication's streams
 * are seeded from (seed, rep, name) only, so a replication computes the same
 * numbers on any thread, and the results are merged in replication order:
 * the summary is byte-identical whatever the thread count.
 *
 * Optional sequential stopping: with a precision target on one scalar metric,
 * replications continue until that metric's confidence half-width is at most
 * precision_rel * |mean| (checked after each replication in order, from
 * min_replications on), or until `replications` have run. Replications beyond
 * the stopping point that a thread already computed are discarded, so the
 * answer does not depend on the thread count either.
 *
 * The model function is called concurrently from several threads with the
 * same ctx: ctx must be read-only (a validated scenario), and everything a
 * replication mutates must be created inside it.
 */
#ifndef SIM_EXPERIMENT_H
#define SIM_EXPERIMENT_H

#include <stdint.h>

#include "sim_err.h"
#include "sim_result.h"

/* Runs replication rep (0-based) with base seed `seed` into out.
 * Returns SIM_OK or a negative status with err filled. */
typedef int sim_rep_fn(const void *ctx, uint64_t seed, int rep, sim_result *out, sim_err *err);

/* Called from the thread that merges, after each replication completes
 * (done counts replications finished, in any order). */
typedef void sim_progress_fn(void *ctx, int done, int total);

typedef struct sim_experiment_cfg {
    int replications;  /* R >= 1 (the maximum when a precision target is set) */
    int threads;       /* 0: one per core; never more than R */
    uint64_t seed;     /* base seed of every stream */
    double confidence; /* 0 means 0.95 */
    /* Sequential stopping (optional): NULL = run exactly R replications. */
    const char *precision_metric;
    double precision_rel; /* e.g. 0.05 for +-5% of the mean */
    int min_replications; /* 0 means 3 */
    sim_progress_fn *progress;
    void *progress_ctx;
} sim_experiment_cfg;

/* Runs the experiment and merges the results into *out (the caller destroys
 * it). On a replication error, returns the error of the lowest-numbered
 * failing replication and *out is NULL. */
int sim_experiment_run(const sim_experiment_cfg *cfg, sim_rep_fn *fn, const void *ctx,
                       sim_summary **out, sim_err *err);

/* The number of online processors (at least 1). */
int sim_experiment_cores(void);

#endif
