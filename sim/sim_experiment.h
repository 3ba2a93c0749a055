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
 * Bounded memory. Results are merged as they finish, in replication order
 * (sim_merge), and destroyed once merged. A replication is handed out only
 * while it is within a window of W = sim_experiment_window(threads) of the
 * lowest replication not yet merged, so at most W results are alive at any
 * time, whatever R: memory is bounded by the threads in flight, not by the
 * number of replications. The summary keeps 8 bytes per scalar metric per
 * replication, reserved for R at the first merge (sim_merge_reserve; pages
 * of large arrays become resident only as they are written).
 *
 * Optional sequential stopping: with a precision target on one scalar metric,
 * replications continue until that metric's confidence half-width is at most
 * precision_rel * |mean| (checked after each replication in order, from
 * min_replications on), or until `replications` have run. Replications beyond
 * the stopping point that a thread already computed are discarded, so the
 * answer does not depend on the thread count either.
 *
 * Progress and cancelling. A replication function of the watched kind
 * (sim_rep_watched_fn) gets a sim_watch to hand to its run loop
 * (sim_queue_run_watched): each step of simulated time it publishes how far
 * it got (an atomic store) and learns whether the experiment was cancelled.
 * The cancel callback is the only way in: the library never installs a
 * signal handler; the program's handler sets a flag the callback reads.
 * Once cancelled, nothing more is handed out, running replications stop at
 * their next step, and the experiment returns SIM_ECANCELED with no summary.
 *
 * The model function is called concurrently from several threads with the
 * same ctx: ctx must be read-only (a validated scenario), and everything a
 * replication mutates must be created inside it.
 */
#ifndef SIM_EXPERIMENT_H
#define SIM_EXPERIMENT_H

#include <stdint.h>

#include "sim_err.h"
#include "sim_queue.h"
#include "sim_result.h"

/* Runs replication rep (0-based) with base seed `seed` into out.
 * Returns SIM_OK or a negative status with err filled. */
typedef int sim_rep_fn(const void *ctx, uint64_t seed, int rep, sim_result *out, sim_err *err);

/* The same with a watch for the replication's run loop; watch is NULL when
 * the experiment wants neither progress nor cancelling (watch_every 0). A
 * replication stopped by its watch returns SIM_ECANCELED. */
typedef int sim_rep_watched_fn(const void *ctx, uint64_t seed, int rep, const sim_watch *watch,
                               sim_result *out, sim_err *err);

/* Where the experiment stands. */
typedef struct sim_progress {
    int done;              /* replications finished (in any order) */
    int total;             /* the replications asked for */
    int running;           /* replications being run now */
    sim_time running_time; /* simulated time reached, summed over those running */
} sim_progress;

/* Called on the caller's thread, never concurrently with itself: once per
 * finished replication (done = 1, 2, ..., R in that order, whichever
 * replications finished) and, in between, about every
 * SIM_EXPERIMENT_TICK_MS milliseconds with the same done and the simulated
 * time of the running replications. */
typedef void sim_progress_fn(void *ctx, const sim_progress *p);
#define SIM_EXPERIMENT_TICK_MS 100

/* Non-zero once the experiment should stop. Called from any thread, often
 * (each watch step): it must be cheap and thread-safe, e.g. read an atomic
 * flag that a signal handler sets. */
typedef int sim_cancel_fn(void *ctx);

/* Called on the merging thread with each result right after it is merged,
 * in replication order (rep = 0, 1, 2, ...), before it is destroyed: for
 * a caller that passes the merged results on (cli's MPI ranks, dist.h).
 * A status other than SIM_OK (err filled) fails replication rep. */
typedef int sim_merged_fn(void *ctx, int rep, const sim_result *r, sim_err *err);

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
    /* The step of simulated time between two looks of a watched
     * replication's run loop (sim_watch.every); 0: no watch is given. */
    sim_time watch_every;
    sim_cancel_fn *cancelled; /* NULL: never cancelled */
    void *cancel_ctx;
    sim_merged_fn *merged; /* NULL: none */
    void *merged_ctx;
} sim_experiment_cfg;

/* Runs the experiment and merges the results into *out (the caller destroys
 * it). On a replication error, returns the error of the lowest-numbered
 * failing replication and *out is NULL; SIM_ECANCELED when cancelled. */
int sim_experiment_run(const sim_experiment_cfg *cfg, sim_rep_fn *fn, const void *ctx,
                       sim_summary **out, sim_err *err);
/* The same with a watched replication function. */
int sim_experiment_run_watched(const sim_experiment_cfg *cfg, sim_rep_watched_fn *fn,
                               const void *ctx, sim_summary **out, sim_err *err);

/* What one replication costs in memory, for sim_experiment_bytes. */
typedef struct sim_rep_bytes {
    double world;   /* a running replication's models, besides its result */
    double result;  /* one replication's sim_result */
    double per_rep; /* what the summary keeps per replication (8 per scalar) */
} sim_rep_bytes;

/* The most memory the experiment holds at once, in bytes: a world per
 * thread, W results (1 with one thread, which merges each as it ends), the
 * summary's own hists and series (one result's worth) and per_rep for each
 * of the R replications. An upper bound: W results are alive only when one
 * replication runs much longer than the next W - 1. */
double sim_experiment_bytes(const sim_experiment_cfg *cfg, const sim_rep_bytes *b);

/* The reorder window for `threads` worker threads (4 per thread): the most
 * results alive at once. */
int sim_experiment_window(int threads);

/* The threads an experiment with this configuration uses: cfg->threads, or
 * one per core when 0, never more than the replications. */
int sim_experiment_threads(const sim_experiment_cfg *cfg);

/* The number of online processors (at least 1). */
int sim_experiment_cores(void);

#endif
