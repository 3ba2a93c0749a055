/*
 * mdl_quota.h - a count of calls over a time window, shared by every flow
 * that calls a system: the daily API allocation (rolling 24 h, Salesforce;
 * or calendar day), the bulk batch pool (15,000 batches per rolling 24 h),
 * the event delivery allocation (per rolling 24 h).
 *
 * Rolling windows count calls in fixed buckets (default one minute): a call
 * made in bucket b stops counting when the window has moved past the end of
 * bucket b, i.e. at most one bucket later than an exact sliding log would
 * free it. A call is O(1) amortised; memory is window / bucket + 1 counters.
 * Calendar windows reset to zero at each multiple of the window (midnight).
 * When the count would exceed the limit the call is refused: it does not
 * count, and mdl_quota_free_at tells when enough calls age out.
 *
 * Reference: Salesforce "API Request Limits and Allocations" (rolling 24 h,
 * REQUEST_LIMIT_EXCEEDED); ../shared/domain/REFERENCE.md A1, A3, A4, G4.
 */
#ifndef MDL_QUOTA_H
#define MDL_QUOTA_H

#include <stdint.h>

#include "sim_err.h"
#include "sim_time.h"

typedef struct mdl_quota_cfg {
    double limit;    /* calls per window, > 0 (use a huge value for "none") */
    sim_time window; /* e.g. SIM_DAY */
    int calendar;    /* 0: rolling window; 1: resets at multiples of window */
    sim_time bucket; /* rolling: bucket width, 0 = one minute; divides window */
} mdl_quota_cfg;

typedef struct mdl_quota mdl_quota;

mdl_quota *mdl_quota_create(const mdl_quota_cfg *cfg, sim_err *err);
void mdl_quota_destroy(mdl_quota *q); /* NULL is a no-op */

/* Takes n calls at now if they fit under the limit: returns 1 and counts
 * them; otherwise returns 0 and counts nothing. now never decreases. */
int mdl_quota_take(mdl_quota *q, sim_time now, uint64_t n);
/* Counts n calls regardless of the limit (e.g. calls the platform lets
 * through and bills anyway). */
void mdl_quota_force(mdl_quota *q, sim_time now, uint64_t n);
/* Calls counted in the window ending at now. */
uint64_t mdl_quota_used(mdl_quota *q, sim_time now);
/* The earliest time >= now at which n more calls would fit
 * (SIM_TIME_NEVER if n > limit). */
sim_time mdl_quota_free_at(mdl_quota *q, sim_time now, uint64_t n);
/* The largest window count seen and when it first ran out (SIM_TIME_NEVER
 * if it never refused a call). */
uint64_t mdl_quota_peak(const mdl_quota *q);
sim_time mdl_quota_exhausted_at(const mdl_quota *q);
uint64_t mdl_quota_refused(const mdl_quota *q);
double mdl_quota_limit(const mdl_quota *q);

/* ---- many calls at once (the aggregate pass, issue 14) -------------------
 *
 * A pass that simulated an interval [t0, t1) without the calendar knows
 * how many calls its records make in each grid bucket g_k = [k G, (k+1) G)
 * meeting [t0, t1), G = mdl_quota_grid(q): calls[j] for bucket
 * t0 / G + j, j < (t1 - 1) / G - t0 / G + 1. Record by record, each call
 * would be an mdl_quota_take. Within one grid bucket the count only rises
 * (a rolling window ages out only at its bucket edges, a calendar window
 * resets only at multiples of its window, and G is a divisor of both), so
 * every take of bucket m fits iff the count after the last of them does:
 *
 *     used(t0) - aged(<= m) + calls(<= m) + extra <= limit   for every m,
 *
 * where aged(<= m) are the calls counted at t0 that leave the window by
 * bucket m (known at t0: rolling, the ring's buckets m - n and older;
 * calendar, the whole count at the first period edge) and calls(<= m) the
 * pass's calls in the buckets up to m that are still in the window (a pass
 * longer than the window ages its own calls out too). `extra` bounds the
 * calls other users (batch pages, reconciliation) may take meanwhile:
 * they are assumed to come at once and stay, the safe side.
 *
 * Two calls, not one take_batch. A pass checks every shared object of its
 * component (the quota, a rate limit, a delivery allocation, the endpoint,
 * the caller pool) and commits only if all of them pass; an all-or-nothing
 * take_batch would commit the quota before the others were checked, and a
 * later failure would need an undo. So mdl_quota_fits is read-only and
 * mdl_quota_commit counts, the way a transaction prepares then commits.
 *
 * After mdl_quota_fits said yes, mdl_quota_commit leaves the quota exactly
 * as the takes one by one would: the same used(now) at every now after the
 * last call, the same peak, nothing refused. It counts bucket j's calls at
 * max(t0, its start) with mdl_quota_force, in time order; so nobody may
 * have used q at a time after t0 before the commit, and anybody using it
 * later must do so at a time >= the last bucket committed. (Inside the
 * interval, used(now) already includes a bucket's later calls from its
 * start: the pass's samplers read the quota at t1.) Checked by
 * tests/models/test_mdl_quota.c against mdl_quota_take record by record. */

/* The grid bucket width G calls are grouped by: the rolling bucket, or for
 * a calendar window one minute if it divides the window, else the window. */
sim_time mdl_quota_grid(const mdl_quota *q);
/* Whether calls[nb] (per grid bucket from t0's, see above) plus `extra`
 * would all fit; does not change q. Returns nb if they fit, else the index
 * of the first bucket where they would not. t0 must not precede the latest
 * time q has seen (bucket-wise). */
size_t mdl_quota_fits(const mdl_quota *q, sim_time t0, const uint64_t *calls, size_t nb,
                      uint64_t extra);
/* Counts calls[nb] as mdl_quota_fits described them. */
void mdl_quota_commit(mdl_quota *q, sim_time t0, const uint64_t *calls, size_t nb);

#endif
