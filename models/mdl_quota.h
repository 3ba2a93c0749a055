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

#endif
