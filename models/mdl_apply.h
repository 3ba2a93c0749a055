/*
 * mdl_apply.h - the call an event subscriber makes to apply one change to
 * its target system, as a small interface the subscriber does not look
 * behind.
 *
 * An event subscriber (mdl_subscriber.h) pushes every event it reads into
 * the target: an upsert or insert through the target's API. How that call
 * behaves (the target's workers and latency, its shared daily quota, rate
 * limits, outages, a token) is the real-time models' business
 * (mdl_endpoint.h, mdl_quota.h, ...). The subscriber only needs "start the
 * call, tell me later whether it worked and whether it is worth retrying",
 * so models/world.c can plug the target's endpoint + quota in, and tests
 * can plug in a script (fixed latency, scripted failures).
 *
 * Contract of an mdl_apply_fn:
 *   - `token` is chosen by the subscriber and handed back unchanged to
 *     `done`; the implementation never interprets it.
 *   - Returns SIM_OK when the call was made: done(ctx, token, ok,
 *     retryable, t) is then called exactly once, at a time t >= now. It may
 *     be called before mdl_apply_fn returns (an immediate refusal such as
 *     an exhausted quota or a fail-fast 503); the subscriber is written for
 *     that.
 *   - Returns a negative sim_status when the call could not be made at all
 *     (out of memory): done is not called. The subscriber counts it as a
 *     failed, retryable attempt and remembers the status.
 *   - ok = 1: the change is applied at the target at time t.
 *     ok = 0, retryable = 1: a transient failure (timeout, 503, 429, an
 *     exhausted quota): worth retrying after a backoff.
 *     ok = 0, retryable = 0: a permanent failure (400: the data is bad).
 *   - Every call made counts wherever the implementation counts calls (the
 *     target's quota, the ledger's calls); the subscriber counts attempts.
 *
 * There is no cancel: a subscriber that crashes while a call is running
 * lets it finish at the target and ignores its answer.
 *
 * Checked by: tests/models/test_mdl_subscriber.c (a scripted apply).
 */
#ifndef MDL_APPLY_H
#define MDL_APPLY_H

#include <stdint.h>

#include "sim_time.h"

/* The answer to one apply call (see the contract above). */
typedef void mdl_apply_done_fn(void *ctx, uint64_t token, int ok, int retryable, sim_time now);

/* Starts one apply call at now on behalf of `impl`. */
typedef int mdl_apply_fn(void *impl, uint64_t token, sim_time now, mdl_apply_done_fn *done,
                         void *ctx);

/* An apply implementation: the function and its object (borrowed). */
typedef struct mdl_apply {
    mdl_apply_fn *fn;
    void *impl;
} mdl_apply;

#endif
