/*
 * mdl_caller.h - a calling application's finite pool of threads (or HTTP
 * connections), shared by every flow that application runs.
 *
 * A synchronous call holds one thread from the moment it starts until its
 * record is finished: while it waits for the answer, while it sleeps between
 * retries, and while an inline token refresh runs. When every thread is
 * held, a new request waits up to `wait` for one, in a FIFO line, holding
 * nothing while it waits; when a thread is given back, the head of the line
 * gets it. A request still waiting `wait` after it arrived is refused
 * (a thread released exactly at that deadline still goes to it: the
 * deadline rule of docs/models/deadlines.md). With
 * wait 0 (the default) there is no line: the request is refused at once.
 * A refusal rejects the request, whatever flow it belongs to and however
 * healthy that flow's target is. That is the cascade: one slow system holds
 * the threads, and an unrelated flow of the same caller fails with "pool
 * full". (resilience4j's Bulkhead: maxConcurrentCalls = size,
 * maxWaitDuration = wait, fair.)
 *
 *   request --free thread--> held at once
 *      |  every thread held, wait > 0
 *      v
 *   waiting (FIFO) --a thread is released--> held (granted, through an event
 *      |                                     at that time)
 *      +--wait passed--> refused
 *
 * States: in_use in 0..size; "exhausted" when in_use == size; waiting > 0
 * only while exhausted (a released thread goes straight to the head of the
 * line). Kept: the time-weighted in_use (utilisation = mean / size), the
 * largest in_use, the total time exhausted, refusals (at once and after
 * waiting), requests that waited and their total wait, and optionally a
 * fixed-interval series of in_use for charts.
 *
 * Cost: the line is a ring buffer that grows by doubling (no malloc per
 * request once warmed up); request, release and each refusal are O(1)
 * amortised plus at most one calendar push. All requests wait the same
 * `wait`, so deadlines come in FIFO order and one timer, set at the head's
 * deadline, serves the whole line.
 *
 * Defaults: size 25 (resilience4j Bulkhead maxConcurrentCalls, REFERENCE.md
 * G1; a real application's pool size is user-supplied); wait 0 (Bulkhead
 * maxWaitDuration 0, G1).
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
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_time.h"

typedef struct mdl_caller_cfg {
    const char *id; /* caller id for metric names (copied); required */
    int size;       /* threads; 0 = 25 */
    sim_time wait;  /* how long a request waits for a thread; 0 = refused at once */
    sim_queue *q;   /* borrowed; required when wait > 0 (the line's timer and grants) */
    /* Optional chart of threads in use: 0 bins = none. */
    sim_time series_interval;
    size_t series_bins;
} mdl_caller_cfg;

typedef struct mdl_caller_stats {
    int size, in_use, max_in_use;
    uint64_t acquired;       /* threads taken, at once or after waiting */
    uint64_t refused;        /* requests refused, at once or after waiting */
    uint64_t waited;         /* requests that joined the line */
    uint64_t wait_refused;   /* of which refused when their wait ran out */
    int waiting;             /* requests in the line now */
    sim_time wait_granted;   /* total wait of the requests that got a thread */
    double mean_in_use;      /* time-weighted since creation */
    double utilisation;      /* mean_in_use / size */
    sim_time time_exhausted; /* total time with in_use == size */
    uint64_t requests;       /* requests for a thread (request and acquire) */
    uint64_t found_full;     /* of them, those that found every thread held */
    sim_time exhausted_at;   /* the first of those; SIM_TIME_NEVER if none */
} mdl_caller_stats;

/* What mdl_caller_request says at once. */
typedef enum mdl_caller_reply {
    MDL_CALLER_REFUSED = 0, /* every thread held and no waiting (wait 0) */
    MDL_CALLER_HELD = 1,    /* a thread is held for the request from now */
    MDL_CALLER_WAITING = 2  /* in the line: exactly one of the waiter's events follows */
} mdl_caller_reply;

/* Who waits, and how it hears the end of its wait. granted(ctx, arg, t) is
 * called from a calendar event at the time t a thread was given to it (the
 * thread is held for it from t: give it back with mdl_caller_release);
 * refused(ctx, arg, t) at t = arrival + wait if none came first (counted as
 * refused). Neither is called from inside mdl_caller_request or
 * mdl_caller_release, so a callback may request or release at will. */
typedef struct mdl_caller_waiter {
    sim_event_fn *granted;
    sim_event_fn *refused;
    void *ctx;
    uint64_t arg;
} mdl_caller_waiter;

typedef struct mdl_caller mdl_caller;

/* A pool with every thread free at now. */
mdl_caller *mdl_caller_create(const mdl_caller_cfg *cfg, sim_time now, sim_err *err);
void mdl_caller_destroy(mdl_caller *c); /* NULL is a no-op */

/* Takes a thread at now: 1, or 0 (counted as refused) if all are held.
 * Never waits, whatever the configured wait. */
int mdl_caller_acquire(mdl_caller *c, sim_time now);
/* A request for a thread at now that may wait: an mdl_caller_reply, or
 * SIM_ENOMEM (< 0) when the line could not grow (nothing happened then).
 * w is copied. */
int mdl_caller_request(mdl_caller *c, sim_time now, const mdl_caller_waiter *w);
/* Gives a thread back at now (one must be held). If requests wait, the
 * thread goes to the head of the line at once (its granted event fires at
 * now) and in_use does not change. */
void mdl_caller_release(mdl_caller *c, sim_time now);
int mdl_caller_in_use(const mdl_caller *c);
int mdl_caller_waiting(const mdl_caller *c); /* requests in the line now */
int mdl_caller_size(const mdl_caller *c);
void mdl_caller_stats_get(const mdl_caller *c, sim_time now, mdl_caller_stats *out);

/* ---- the aggregate path (issue 14, tier R) -------------------------------
 *
 * A pass outside the calendar may carry the requests of an interval
 * [t0, t1) (models/mdl_endpoint.h says how): it reads the pool at t0, adds
 * the outcome of [t0, t1) at once (mdl_caller_commit) and hands the threads
 * its requests still hold at t1 to the pool (mdl_caller_inject).
 *
 * At t0 the pass reads mdl_caller_in_use: threads held by records the
 * calendar carries. The pool does not know when they come back: the pass
 * must take their release times from the models that hold them (a
 * real-time record holds its thread until the record is finished:
 * mdl_endpoint_answer_at for a call in progress, its backoff for a sleep),
 * and those records release them through mdl_caller_release as usual.
 *
 * What the caller must guarantee for [t0, t1): nobody waits at t0
 * (mdl_caller_waiting is 0); no thread is taken in [t0, t1) other than by
 * the pass's requests, and none of those finds every thread held (so
 * nothing waits, nothing is refused, found_full and exhausted_at do not
 * change). Whatever happens before t1 is the commit's; a thread still held
 * at t1 is the pool's from t1 on, released later through
 * mdl_caller_release. Levels add up (during [t0, t1) the pool's own in_use
 * holds only the calendar's threads, which only come back); maxima and the
 * time exhausted do not, so the pass gives them for the whole pool. */

/* The outcome of [t0, t1) for the requests the pass carried. */
typedef struct mdl_caller_bulk {
    uint64_t requests;  /* requests for a thread in [t0, t1): each got one at once */
    double in_use_area; /* integral over [t0, t1) of the threads the pass's requests held (us) */
    int max_in_use;     /* the largest in_use in [t0, t1), every thread counted */
    /* Time in [t0, t1) with every thread held and at least one of them by
     * the pass's requests (the pool counts the rest itself). */
    sim_time time_exhausted;
    /* Series buckets first_bucket .. first_bucket + nbuckets - 1 (ignored if
     * the pool keeps no series): the pass's integral per bucket, restricted
     * to [t0, t1), and the largest in_use of the whole pool there. */
    size_t first_bucket, nbuckets;
    const double *bucket_area, *bucket_max; /* [nbuckets], threads */
} mdl_caller_bulk;

/* Adds b at now (call at t1, before the injections). SIM_EINVAL (nothing
 * added) if max_in_use exceeds the size, a time is negative or a bucket
 * array is NULL. */
int mdl_caller_commit(mdl_caller *c, const mdl_caller_bulk *b);
/* A thread the pass's request took before now and holds beyond it: held
 * from now on, given back through mdl_caller_release. Nothing is counted
 * (the commit counted the request). SIM_OK, or SIM_EFULL (nothing
 * happened) if every thread is held already. */
int mdl_caller_inject(mdl_caller *c, sim_time now);

/* Appends "caller.<id>.": pool_size, pool_mean_in_use, pool_utilisation,
 * pool_max_in_use, pool_refused, pool_exhausted_s, pool_exhausted_share,
 * pool_waited, pool_wait_refused, pool_wait_mean_s (the mean wait of the
 * requests that got a thread after waiting; 0 when none did),
 * pool_wait_share (P(wait): the share of requests that found every thread
 * held, found_full / requests; they waited, or were refused at once with
 * wait 0), pool_exhausted_at (s, when a request first found every thread
 * held; -1 = never) and, when configured, the series pool_in_use_series (a
 * copy). */
int mdl_caller_publish(const mdl_caller *c, sim_time now, sim_result *r, sim_err *err);

#endif
