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
 * run again. Checked by: tests/models/test_mdl_subscriber.c (the aggregate
 * path too).
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

/* ---- the aggregate path (issue 14, tier R) -------------------------------
 *
 * A pass carries a subscriber's apply calls over [t0, t1) (mdl_subscriber.h
 * says when). Each call is made at its read time d and, when nothing binds
 * (the quota fits, the endpoint neither refuses nor lets the call time
 * out), answered ok at its end e at the endpoint (its FIFO recursion). The
 * endpoint and the quota are shared with other users (real-time flows,
 * other subscribers, batches), so the pass commits them once with every
 * user's requests (mdl_endpoint_commit, mdl_quota_commit); this adapter's
 * commit adds only its own counts. Condition: e - d <= timeout for every
 * call answered before t1 (no timeout fires), and a call in flight at t1
 * either answers by d + timeout or has its timer re-armed by the inject. */

/* The fixed time the call with this token (a subscriber's, in flight) will
 * be answered ok: its endpoint's answer time when it is in service and no
 * timeout is pending for it; SIM_TIME_NEVER otherwise (no such call,
 * waiting, or due to time out: the pass falls back). O(calls in flight).
 * Not seen here: a service the endpoint will abort at its server_timeout
 * (it answers then, a failure); the endpoint does not say which requests
 * it will abort, so with a server_timeout the caller must rule it out
 * (e.g. fall back when a call running at t0 could reach it). */
sim_time mdl_apply_endpoint_answer_of(const mdl_apply_endpoint *a, uint64_t token);

/* The call's timeout (cfg.timeout, or its default): an answer later than
 * this after the call times out (one exactly at it is in time). */
sim_time mdl_apply_endpoint_timeout(const mdl_apply_endpoint *a);

/* Adds at t1 the pass's calls made in [t0, t1) (the ledger's calls
 * included) and, of them, those answered ok before t1. */
void mdl_apply_endpoint_pass_commit(mdl_apply_endpoint *a, uint64_t calls, uint64_t ok);

/* A call of the pass still in flight at t1 = now: its request `in` (fn,
 * ctx and tag are the adapter's own, ignored) goes to the endpoint
 * (mdl_endpoint_inject), and its answer, ok at its end, to done(ctx,
 * token) as for any call; a timeout is armed at in->arrived + timeout if
 * the end comes later. SIM_OK; SIM_EINVAL if that timeout would have fired
 * before now, or mdl_endpoint_inject's errors. Nothing happened on an
 * error. */
int mdl_apply_endpoint_pass_inject(mdl_apply_endpoint *a, const mdl_endpoint_inflight *in,
                                   uint64_t token, mdl_apply_done_fn *done, void *ctx);

#endif
