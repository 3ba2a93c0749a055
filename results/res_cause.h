/*
 * res_cause.h - why something breaks, named from the metrics, and what it
 * would take to hold.
 *
 * Causes (one sentence each, "" when the metrics show no mechanism):
 *   a limit        who spends it: the flows that use it with their share
 *                  (API calls per day into a system's quota; bulk batches
 *                  per day; for an event allocation the change events from
 *                  writes into CDC objects against the flows' own events,
 *                  each delivered to every subscriber; for a caller pool
 *                  the flows holding its threads, with their p99 and how
 *                  long calls queue at their target);
 *   a batch run    where its time goes: the platform making it wait or
 *                  fail (bulk batches over the batch time limit, retried,
 *                  with their share and the job time they took; waits for
 *                  the API quota or the bulk pools), the largest first when
 *                  it is at least a tenth of the job time, otherwise the
 *                  work itself (records per run, the data growth); then the
 *                  job time thrown away at cut-offs, a consequence;
 *   a flow         the mechanism behind its most frequent reason for not
 *                  delivering (a pool, a quota, a concurrency limit, a
 *                  breaker, a retention window), or behind its latency (the
 *                  target's queue, the channel's backlog, the batch runs).
 *
 * What it would take, for each limit that ran out or is tight, at the run's
 * load (the card: keep 30% headroom, MDL_HEADROOM):
 *   tight          needed = peak / (1 - 0.3);
 *   ran out        the demand is more than the peak: for a window limit,
 *                  peak + the refusals per window after it first ran out
 *                  (refused x window / (horizon - first exhaustion)), and
 *                  needed = that / (1 - 0.3), "at least" since refused
 *                  requests are counted once each retry; for a pool, more
 *                  than its size (its demand is not measured).
 */
#ifndef RES_CAUSE_H
#define RES_CAUSE_H

#include <stddef.h>

#include "res_limits.h"
#include "res_results.h"

/* What about a flow is explained. */
typedef enum res_cause_topic {
    RES_CAUSE_LATENCY = 0, /* its p99 */
    RES_CAUSE_DELIVERY,    /* its records not delivered */
    RES_CAUSE_OVERRUN      /* its batch runs overrunning */
} res_cause_topic;

/* The cause of a limit's state into buf ("" when none). */
char *res_cause_limit(const res_results *r, const res_limit *l, char *buf, size_t n);
/* What it would take for a limit that ran out or is tight ("" otherwise). */
char *res_cause_take(const res_results *r, const res_limit *l, char *buf, size_t n);
/* The cause behind a flow's problem; reason is its most frequent
 * rejected/lost reason ("" when none). */
char *res_cause_flow(const res_results *r, const res_flow *f, res_cause_topic topic,
                     const char *reason, char *buf, size_t n);

/* The capacity a limit of peak use `peak` needs with the card's headroom. */
double res_cause_needed(double peak);

#endif
