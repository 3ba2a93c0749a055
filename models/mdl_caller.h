/*
 * mdl_caller.h - a calling application's finite pool of threads (or HTTP
 * connections), shared by every flow that application runs.
 *
 * A synchronous call holds one thread from the moment it starts until its
 * record is finished: while it waits for the answer, while it sleeps between
 * retries, and while an inline token refresh runs. When every thread is
 * held, acquire fails at once (no waiting line): the caller rejects the new
 * request, whatever flow it belongs to and however healthy that flow's
 * target is. That is the cascade: one slow system holds the threads, and an
 * unrelated flow of the same caller fails with "pool full". (Like
 * resilience4j's Bulkhead with maxWaitDuration 0.)
 *
 * States: in_use in 0..size; "exhausted" when in_use == size. Kept: the
 * time-weighted in_use (utilisation = mean / size), the largest in_use, the
 * total time exhausted, refusals, and optionally a fixed-interval series of
 * in_use for charts.
 *
 * Defaults: size 25 (resilience4j Bulkhead maxConcurrentCalls, REFERENCE.md
 * G1; a real application's pool size is user-supplied).
 *
 * Reference: M. Nygard, "Release It!", 2nd ed. (2018), Cascading Failures,
 * Blocked Threads, Bulkheads.
 * Checked by: tests/models/test_mdl_caller.c.
 */
#ifndef MDL_CALLER_H
#define MDL_CALLER_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"
#include "sim_result.h"
#include "sim_time.h"

typedef struct mdl_caller_cfg {
    const char *id; /* caller id for metric names (copied); required */
    int size;       /* threads; 0 = 25 */
    /* Optional chart of threads in use: 0 bins = none. */
    sim_time series_interval;
    size_t series_bins;
} mdl_caller_cfg;

typedef struct mdl_caller_stats {
    int size, in_use, max_in_use;
    uint64_t acquired, refused;
    double mean_in_use;      /* time-weighted since creation */
    double utilisation;      /* mean_in_use / size */
    sim_time time_exhausted; /* total time with in_use == size */
} mdl_caller_stats;

typedef struct mdl_caller mdl_caller;

/* A pool with every thread free at now. */
mdl_caller *mdl_caller_create(const mdl_caller_cfg *cfg, sim_time now, sim_err *err);
void mdl_caller_destroy(mdl_caller *c); /* NULL is a no-op */

/* Takes a thread at now: 1, or 0 (counted as refused) if all are held. */
int mdl_caller_acquire(mdl_caller *c, sim_time now);
/* Gives a thread back at now (one must be held). */
void mdl_caller_release(mdl_caller *c, sim_time now);
int mdl_caller_in_use(const mdl_caller *c);
int mdl_caller_size(const mdl_caller *c);
void mdl_caller_stats_get(const mdl_caller *c, sim_time now, mdl_caller_stats *out);

/* Appends "caller.<id>.": pool_size, pool_mean_in_use, pool_utilisation,
 * pool_max_in_use, pool_refused, pool_exhausted_s, pool_exhausted_share and,
 * when configured, the series pool_in_use_series (a copy). */
int mdl_caller_publish(const mdl_caller *c, sim_time now, sim_result *r, sim_err *err);

#endif
