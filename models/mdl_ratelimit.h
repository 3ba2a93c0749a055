/*
 * mdl_ratelimit.h - a sliding-window rate limit: at most N requests in any
 * window of length W, answered with 429 Too Many Requests and a Retry-After
 * when full (Dataverse and F&O service protection: 6,000 requests per 300 s
 * per user per web server; Business Central 6,000 per 5 min).
 *
 * Model. Time is cut into buckets of width B (B divides W). A request made
 * in bucket [kB, (k+1)B) keeps counting until (k+1)B + W, i.e. the window
 * is the current bucket plus the W/B buckets before it. Compared with an
 * exact sliding log, a request is forgotten at most B later, never earlier,
 * so no sliding window of length W ever holds more than N accepted requests
 * (the limit is never overshot). With B = 1 s and W = 300 s that is a 0.3 %
 * longer memory; requests made at bucket starts are remembered exactly W.
 * A request arriving when the window holds N is refused and does NOT count
 * (whether a throttled request counts is not documented; counting it would
 * make a client that ignores Retry-After lock itself out for ever).
 *
 * Retry-After. When it refuses, the limiter says how long until a slot
 * frees: the oldest non-empty bucket j leaves the window at (j+1)B + W, so
 * Retry-After = (j+1)B + W - now, rounded UP to a whole retry_after_unit
 * (HTTP's Retry-After is a whole number of seconds, RFC 9110 10.2.3; set
 * the unit to 1 us for the exact value). A client that waits that long is
 * accepted if no one else took the slot first. Dataverse lengthens
 * Retry-After under sustained pressure; that is not modelled.
 *
 * Cost: O(1) amortised per request (each bucket is cleared once when the
 * window passes it, and the oldest-bucket cursor only moves forward);
 * memory W/B + 1 counters.
 *
 * Defaults (a zero field takes its default): limit 6,000, window 300 s
 * (Dataverse service protection, REFERENCE.md D), bucket W/300 (1 s for
 * the default), Retry-After unit 1 s.
 *
 * Reference: MicrosoftDocs powerapps-docs, "Service protection API limits"
 * (REFERENCE.md D); sliding window algorithms, REFERENCE.md G4.
 * Checked by: tests/models/test_mdl_ratelimit.c.
 */
#ifndef MDL_RATELIMIT_H
#define MDL_RATELIMIT_H

#include <stdint.h>

#include "sim_err.h"
#include "sim_result.h"
#include "sim_time.h"

typedef struct mdl_ratelimit_cfg {
    const char *id;            /* system id for metric names (copied); required */
    uint64_t limit;            /* N; 0 = 6,000 */
    sim_time window;           /* W; 0 = 300 s */
    sim_time bucket;           /* B, divides W; 0 = W / 300 (or W if W < 300 us) */
    sim_time retry_after_unit; /* Retry-After granularity; 0 = 1 s */
} mdl_ratelimit_cfg;

typedef struct mdl_ratelimit mdl_ratelimit;

mdl_ratelimit *mdl_ratelimit_create(const mdl_ratelimit_cfg *cfg, sim_err *err);
void mdl_ratelimit_destroy(mdl_ratelimit *rl); /* NULL is a no-op */

/* One request at now (now never decreases). Returns 1 if accepted (it
 * counts), 0 if refused with 429; then *retry_after (if not NULL) is the
 * Retry-After the server sends. */
int mdl_ratelimit_take(mdl_ratelimit *rl, sim_time now, sim_time *retry_after);
/* Requests counted in the window at now. */
uint64_t mdl_ratelimit_used(mdl_ratelimit *rl, sim_time now);

uint64_t mdl_ratelimit_accepted(const mdl_ratelimit *rl);
uint64_t mdl_ratelimit_refused(const mdl_ratelimit *rl); /* 429s sent */
uint64_t mdl_ratelimit_peak(const mdl_ratelimit *rl);    /* largest window count */

/* Appends "system.<id>.rate_limit_accepted", ".rate_limited" (429s),
 * ".rate_limit_peak" and ".rate_limit_peak_share" (peak / N). */
int mdl_ratelimit_publish(const mdl_ratelimit *rl, sim_result *r, sim_err *err);

#endif
