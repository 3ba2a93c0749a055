/*
 * mdl_apply_endpoint.h - the apply call of an event subscriber (mdl_apply.h)
 * made through a target system's API: its shared daily quota and its
 * endpoint (workers, latency, queue limit, outages).
 *
 * One call, as the real-time client makes it (mdl_realtime.h), minus the
 * caller pool, breaker and token, which a subscriber does not have:
 *   1. the call counts in the ledger's calls of the flow (made, whatever
 *      happens next);
 *   2. quota.take: refused -> transient failure at once (403
 *      REQUEST_LIMIT_EXCEEDED: the subscriber backs off and retries);
 *   3. endpoint: 503 (outage, queue full) or a concurrency refusal ->
 *      transient failure at once; accepted -> answered ok when its service
 *      completes, a transient failure when the server aborts it after its
 *      server timeout (counted as unavailable), or a transient failure when
 *      `timeout` passes first (the request is abandoned at the endpoint,
 *      whose worker still serves it: wasted work). A hung endpoint (outage
 *      mode hang) therefore costs a subscriber slot for `timeout`, not
 *      forever.
 * Permanent failures (bad data) are the subscriber's own draw
 * (permanent_errors); this adapter never reports one.
 *
 * Defaults: timeout 120 s (as mdl_realtime.h).
 * Lifetime: borrows everything; destroy it only when the calendar will not
 * run again. Checked by: tests/models/test_mdl_subscriber.c.
 */
#ifndef MDL_APPLY_ENDPOINT_H
#define MDL_APPLY_ENDPOINT_H

#include <stdint.h>

#include "mdl_apply.h"
#include "mdl_endpoint.h"
#include "mdl_ledger.h"
#include "mdl_quota.h"
#include "sim_err.h"
#include "sim_queue.h"
#include "sim_time.h"

typedef struct mdl_apply_endpoint_cfg {
    sim_queue *q;           /* borrowed; required */
    mdl_endpoint *endpoint; /* borrowed; required */
    mdl_quota *quota;       /* borrowed; NULL = no daily allocation */
    mdl_ledger *ledger;     /* borrowed; NULL = calls not counted */
    int ledger_flow;
    sim_time timeout; /* 0 = 120 s */
} mdl_apply_endpoint_cfg;

typedef struct mdl_apply_endpoint_stats {
    uint64_t calls, ok, quota, unavailable, concurrency, timeouts;
    uint64_t in_flight;
} mdl_apply_endpoint_stats;

typedef struct mdl_apply_endpoint mdl_apply_endpoint;

mdl_apply_endpoint *mdl_apply_endpoint_create(const mdl_apply_endpoint_cfg *cfg, sim_err *err);
void mdl_apply_endpoint_destroy(mdl_apply_endpoint *a); /* NULL is a no-op */
/* The apply to put in mdl_subscriber_cfg.apply. */
mdl_apply mdl_apply_endpoint_apply(mdl_apply_endpoint *a);
void mdl_apply_endpoint_stats_get(const mdl_apply_endpoint *a, mdl_apply_endpoint_stats *out);

#endif
