/*
 * mdl_realtime.h - the client side of one real-time (synchronous) flow: a
 * record change is pushed to the target system by an API call made while a
 * caller thread waits, with a timeout, retries, a circuit breaker, a token,
 * the target's shared limits, and a fallback.
 *
 * The life of a record (whoever generates arrivals calls
 * mdl_realtime_submit at the time the change is made):
 *
 *   submit --no free caller thread--> waits up to the caller's pool_wait
 *     |        (FIFO, holding nothing) --still none--> rejected (pool_full)
 *     | takes a caller thread, held until the record is finished here
 *     v
 *   attempt n (n = 1 .. max_attempts):
 *     breaker.acquire   refused --> fallback (breaker_open)
 *     token             expired, no refresh --> fallback (token_expired),
 *                       after one call that fails with 401
 *                       inline refresh --> the call starts 200-500 ms later
 *     ---- from here the call is made: it counts in the ledger's calls ----
 *     quota.take        refused --> 403 REQUEST_LIMIT_EXCEEDED, no Retry-After
 *     ratelimit.take    refused --> 429 + Retry-After
 *     endpoint          503 (outage, queue full) or concurrency (429) at once,
 *                       or accepted: a timeout timer starts; the answer
 *                       cancels it, or it fires first: the call is abandoned
 *                       at the endpoint (whose worker still serves it); an
 *                       answer due exactly at the timeout is in time
 *                       (docs/models/deadlines.md), so a call served at
 *                       once whose answer is due by then starts no timer
 *                       (mdl_endpoint_answer_at). An answer may be the
 *                       server's own timeout (a 5xx after its
 *                       server_timeout): a failure like a 503.
 *     breaker.record    the outcome and its duration (send -> answer)
 *     success   --> delivered, latency = answer time - created time
 *     retryable failure (timeout, 503/5xx, 429; 403 only if retry_quota) and
 *     n < max_attempts --> sleep backoff(n) (or exactly Retry-After, unless
 *     ignore_retry_after: a client that never reads it), then
 *     attempt n + 1. THE THREAD STAYS HELD while it sleeps: a synchronous
 *     caller sleeps inside its retry loop, so retries stretch the time a
 *     thread is held, on top of the timeouts.
 *     otherwise --> fallback (with the reason of the last failure)
 *
 *   fallback:
 *     none, fail_closed  rejected with the reason (fail_closed is the credit
 *                        check's deliberate "deny if the ERP is unreachable";
 *                        the ledger outcome is the same)
 *     queue              the record is parked: the caller's thread is
 *                        released and the record joins a FIFO retry queue
 *                        drained by park_workers asynchronous consumers (no
 *                        caller thread held). A consumer takes the head
 *                        park_retry after it was parked and makes ONE attempt
 *                        through the same breaker, token, quota, rate limit
 *                        and endpoint; on a failure or a breaker refusal the
 *                        record goes back to the head and the consumer tries
 *                        again park_retry later (or after the server's
 *                        Retry-After); on success it takes the next record
 *                        at once. So a failing target sees one attempt per
 *                        consumer per park_retry, not one per parked record,
 *                        and after recovery the queue drains at the
 *                        consumers' pace (a queue consumer with bounded
 *                        concurrency, not a thundering herd of timers).
 *                        Delivered later with its long latency, or pending
 *                        at the horizon. A token that cannot be refreshed
 *                        rejects it (token_expired): waiting never helps.
 *
 * The breaker is checked before every attempt (resilience4j's decoration
 * order Retry(CircuitBreaker(call))), so an open breaker also cuts a retry
 * loop short. Every call counts against the quota (once past it) and in
 * the ledger's calls: retries are visible as calls per record > 1.
 * A caller pool exhausted by one slow target rejects records of every flow
 * sharing that caller: the cascade.
 *
 * Conservation: every submitted record is either finished in the ledger or
 * still held here (mdl_realtime_pending: waiting for a thread, calling,
 * sleeping, or parked). A delivered record's latency runs from its creation,
 * so it includes any wait for a caller thread.
 *
 * Defaults (a zero field takes its default): timeout 120 s (the issue's
 * choice: the Apex callout maximum, REFERENCE.md A2; Apex's default is
 * 10 s); 3 attempts (resilience4j Retry maxAttempts, G1); backoff as in
 * mdl_backoff.h; fallback none; park_retry 60 s (no public figure: one
 * default breaker open period); one queue consumer (no public figure; an
 * ordered single consumer).
 *
 * Lifetime: the flow borrows every model it is linked to; destroy it only
 * when the calendar will not run again (its events point at it).
 *
 * Checked by: tests/models/test_mdl_realtime.c.
 */
#ifndef MDL_REALTIME_H
#define MDL_REALTIME_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "mdl_backoff.h"
#include "mdl_breaker.h"
#include "mdl_caller.h"
#include "mdl_endpoint.h"
#include "mdl_ledger.h"
#include "mdl_quota.h"
#include "mdl_ratelimit.h"
#include "mdl_token.h"
#include "sim_err.h"
#include "sim_queue.h"
#include "sim_result.h"

typedef enum mdl_fallback {
    MDL_FALLBACK_NONE = 0,
    MDL_FALLBACK_FAIL_CLOSED,
    MDL_FALLBACK_QUEUE
} mdl_fallback;

typedef struct mdl_realtime_cfg {
    const char *id; /* flow id for metric names (copied); required */
    int flow;       /* the flow's index in the ledger */
    /* Links, all borrowed. Required: q, ledger, endpoint. */
    sim_queue *q;
    mdl_ledger *ledger;
    mdl_endpoint *endpoint;
    mdl_caller *caller; /* NULL: threads are unlimited */
    mdl_quota *quota;   /* NULL: no daily allocation */
    /* Called with 1 for every record written into the target (delivered),
     * e.g. to publish a change event when the target has CDC on for the
     * flow's object; NULL = none. Same signature as mdl_batch's hook. */
    void (*write_hook)(void *ctx, int target_system, uint64_t records, sim_time now);
    void *write_ctx;
    int target_system;        /* passed to the write hook */
    mdl_ratelimit *ratelimit; /* NULL: no rate limit */
    mdl_token *token;         /* NULL: no token modelled */
    gsl_rng *rng;             /* jitter; required unless jitter is none */
    /* Client policy. */
    sim_time timeout; /* 0 = 120 s */
    int max_attempts; /* including the first; 0 = 3 */
    mdl_backoff_cfg backoff;
    const mdl_breaker_cfg *breaker; /* NULL = no breaker; copied (the flow owns its breaker) */
    mdl_fallback fallback;
    sim_time park_retry;    /* queue fallback: 0 = 60 s */
    int park_workers;       /* queue fallback: consumers; 0 = 1 */
    int retry_quota;        /* 1: retry 403 REQUEST_LIMIT_EXCEEDED in the loop too */
    int ignore_retry_after; /* 1: sleep the backoff formula even when a Retry-After came
                               (a badly written client); 0 = honour it */
    /* Optional chart of parked records: 0 bins = none. */
    sim_time series_interval;
    size_t series_bins;
} mdl_realtime_cfg;

typedef struct mdl_realtime_stats {
    uint64_t submitted;
    uint64_t attempts; /* calls made (the ledger's calls for this flow) */
    uint64_t retries;  /* attempts after the first, in the synchronous loop */
    uint64_t ok, timeout, unavailable, rate_limited, quota, token_expired; /* per attempt */
    uint64_t concurrency;     /* attempts the system's concurrency limit refused */
    uint64_t breaker_refused; /* attempts the breaker stopped (no call made) */
    uint64_t parked;          /* records that fell back to the queue */
    uint64_t park_attempts;   /* attempts made from the queue */
    uint64_t delivered_after_park;
    uint64_t pending;     /* records still here */
    uint64_t parked_now;  /* of which parked */
    sim_time sleep_total; /* time threads spent sleeping between retries */
} mdl_realtime_stats;

typedef struct mdl_realtime mdl_realtime;

mdl_realtime *mdl_realtime_create(const mdl_realtime_cfg *cfg, sim_err *err);
void mdl_realtime_destroy(mdl_realtime *rt); /* NULL is a no-op */

/* A record change created at `created` (<= now) enters the flow now.
 * SIM_OK, or SIM_ENOMEM if the record table could not grow (the record
 * is then counted as created and rejected as dropped, so the ledger still
 * balances). */
int mdl_realtime_submit(mdl_realtime *rt, sim_time created);

uint64_t mdl_realtime_pending(const mdl_realtime *rt);
/* The flow's breaker (NULL if none), for inspection. */
const mdl_breaker *mdl_realtime_breaker(const mdl_realtime *rt);
void mdl_realtime_stats_get(const mdl_realtime *rt, mdl_realtime_stats *out);
/* SIM_OK, or SIM_ENOMEM once a table could not grow during the run. */
int mdl_realtime_status(const mdl_realtime *rt);
const char *mdl_fallback_name(mdl_fallback f);

/* ---- the aggregate path (issue 14, tier R; docs/models/aggregate.md) -----
 *
 * A pass outside the calendar may carry the flow's records of an interval
 * when each of them is QUIET: it takes a caller thread at once, its first
 * call passes the quota, the rate limit and the token, is answered with
 * success, and that answer comes by the deadline. Such a record's whole
 * life is: created = sent, delivered at the answer, one call, one breaker
 * success (slow if longer than the breaker's slow-call duration). The
 * records of a pass are quiet together when, besides, the breaker stays
 * CLOSED through their outcomes (mdl_realtime_breaker_holds): then nothing
 * any of them did changed what a later one met. */

/* 1 when nothing of the flow is in flight (no record waiting for a thread,
 * calling, sleeping, parked or refreshing a token) and its breaker, if any,
 * is CLOSED: a pass may start. */
int mdl_realtime_idle(const mdl_realtime *rt);
/* The longest time from send to answer a quiet record may take: the
 * timeout (an answer due exactly at it is in time). */
sim_time mdl_realtime_quiet_limit(const mdl_realtime *rt);
/* 1 when the flow's breaker (if any) stays CLOSED through n successes
 * created (and sent) at created[i] and answered at answer[i], in the order
 * of the answers, recorded as mdl_realtime_commit would. Changes nothing:
 * it tries them on a copy of the breaker, unless none of them is slow and
 * the breaker says fast successes cannot open it (a fast success can open
 * a rate rule whose window still holds failures, by bringing the count to
 * minimum_calls: mdl_breaker_fast_successes_hold). */
int mdl_realtime_breaker_holds(mdl_realtime *rt, size_t n, const sim_time *created,
                               const sim_time *answer);
/* mdl_realtime_breaker_holds's first test alone, which needs no order: 1
 * when there is no breaker, or none of the n records is slow and fast
 * successes cannot open it (mdl_breaker_fast_successes_hold); 0 when only
 * a trial in answer order can tell. */
int mdl_realtime_breaker_surely_holds(const mdl_realtime *rt, size_t n, const sim_time *created,
                                      const sim_time *answer);
/* Counts n quiet records at once: record i was created (and sent) at
 * created[i] and answered with success at answer[i] (created[i] <=
 * answer[i] <= created[i] + mdl_realtime_quiet_limit, the breaker held),
 * in the order of the answers (nondecreasing). Exactly what n lives of the per-record path
 * would count: the ledger's created, calls and delivered with latency
 * answer - created, the flow's submitted, attempts and ok, and the
 * breaker's outcomes in time order through its own API. Call it when no
 * record of the flow is in flight. */
void mdl_realtime_commit(mdl_realtime *rt, size_t n, const sim_time *created,
                         const sim_time *answer);

/* Appends "flow.<id>.": attempts, retries, attempt_ok, attempt_timeout,
 * attempt_unavailable, attempt_rate_limited, attempt_concurrency_limited, attempt_quota,
 * attempt_token_expired, retry_sleep_s, parked, park_attempts,
 * delivered_after_park, parked_at_end, the breaker's metrics (see
 * mdl_breaker_publish) and, when configured, parked_series. The ledger
 * publishes the record counts, reasons, calls per record and latencies. */
int mdl_realtime_publish(const mdl_realtime *rt, sim_result *r, sim_err *err);

#endif
