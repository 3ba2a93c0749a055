/*
 * mdl_breaker.h - a circuit breaker with resilience4j's semantics, in front
 * of the calls of one real-time flow, plus the card's consecutive-failures
 * rule.
 *
 *                 rate rule: failure rate >= F or slow rate >= S over the
 *                 window, once minimum_calls outcomes are in it
 *                 -- or consecutive rule: `consecutive` failures in a row
 *        +--------+ ------------------------------------------------> +------+
 *        | CLOSED |                                                   | OPEN |
 *        +--------+ <---+                                      +----> +------+
 *            ^          |                                      |         |
 *            |     probes' failure and slow                probes' rate  | first call at or
 *            |     rates < thresholds                      >= threshold, | after opened +
 *            |     (consecutive mode: all                  or a streak   | open_duration
 *            |     probes succeeded)                       (consecutive  v
 *            |          |                                  mode: any   +-----------+
 *            |          +----------------------------------failure)----| HALF_OPEN |
 *            |                                                         +-----------+
 *   a fresh window and streak on every entry to CLOSED
 *
 * Two rules can open the breaker; `mode` says which apply:
 *   MDL_BREAKER_RATE         the rate rule, and also the consecutive rule when
 *                            consecutive > 0: it opens when EITHER fires.
 *   MDL_BREAKER_CONSECUTIVE  the consecutive rule alone (no window): the
 *                            card's pure "5 failures / 60 s".
 *
 *   CLOSED     every call is permitted.
 *              Rate rule: each outcome enters the sliding window, either
 *                count (the default): a ring of the last N outcomes; the
 *                  rule needs min(minimum_calls, N) of them (resilience4j
 *                  caps the minimum at N for this window);
 *                time: the outcomes of the last N seconds, kept in N
 *                  one-second buckets (resilience4j's TIME_BASED window:
 *                  the bucket of the current second, from whole simulated
 *                  seconds since 0, and the N - 1 before it; an outcome
 *                  recorded at t counts until floor(t) + N s); the rule
 *                  needs minimum_calls of them (not capped, as
 *                  resilience4j). The window slides when an outcome is
 *                  recorded, which is also when the rule is checked.
 *              It opens when failures * 100 >= F * n or slow * 100 >= S * n
 *              (>=, not >: exactly 50 % with F = 50 opens), n the outcomes
 *              in the window.
 *              Consecutive rule: it opens after `consecutive` failures in a
 *              row (a success resets the streak).
 *   OPEN       every call is refused at once (CallNotPermittedException) and
 *              never reaches the system. There is no timer: the first call
 *              at or after opened + open_duration moves the breaker to
 *              HALF_OPEN and is its first probe (resilience4j's default
 *              automaticTransitionFromOpenToHalfOpenEnabled = false).
 *   HALF_OPEN  up to `half_open_calls` probes are permitted, the rest are
 *              refused. Rate mode: once min(minimum_calls, half_open_calls)
 *              probe outcomes are in (the configured minimum, not the one
 *              capped at N), rates >= thresholds reopen, else close
 *              (resilience4j's HalfOpenState with its own count window,
 *              whatever the CLOSED window); with the consecutive rule on,
 *              `consecutive` failed probes in a row reopen at once.
 *              Consecutive mode: any failed or slow probe reopens at once;
 *              when all probes succeeded it closes.
 *
 * An outcome is a failure when the call failed (any error: timeout, 503,
 * 429, quota, token; resilience4j records every exception by default) and
 * slow when its duration > slow_call_duration (strictly greater, as
 * CircuitBreakerMetrics.onSuccess/onError). A slow failure is both. A slow
 * call counts toward the consecutive streak as a failure.
 *
 * Tickets. acquire hands out a ticket naming the state period (a generation
 * counter bumped by every transition). An outcome whose ticket is stale (the
 * call was permitted before the last transition, e.g. it started CLOSED and
 * timed out after the breaker opened) is ignored. resilience4j would add it
 * to the new state's window; ignoring it keeps the probes of HALF_OPEN
 * exactly the calls HALF_OPEN permitted. maxWaitDurationInHalfOpenState (0 =
 * wait for the probes) is not modelled.
 *
 * Time spent OPEN and HALF_OPEN is accumulated per state (a period still
 * running counts up to `now` in the getters and in publish).
 *
 * Defaults (a zero field takes its default), all resilience4j's
 * CircuitBreakerConfig (REFERENCE.md G1): count window, window 100 (calls
 * or seconds), minimum calls 100, failure rate 50 %, slow-call rate 100 %,
 * slow-call duration 60 s, open duration 60 s, 10 half-open calls; no
 * consecutive rule. Consecutive mode: 5 failures and 60 s open
 * (integration-patterns-card.txt, "Real-time cascading failure"), one
 * half-open probe (opossum, REFERENCE.md G2: "one trial decides").
 *
 * Memory: N bytes for a count window, N buckets of 24 bytes for a time
 * window, nothing for consecutive mode. Every operation is O(1), except
 * that recording after a silence of k < N seconds clears k buckets (O(1)
 * per simulated second).
 *
 * Reference: resilience4j CircuitBreakerStateMachine, CircuitBreakerMetrics,
 * FixedSizeSlidingWindowMetrics and SlidingTimeWindowMetrics (REFERENCE.md
 * G1); M. Nygard, "Release It!", 2nd ed. (2018), Circuit Breaker.
 * Checked by: tests/models/test_mdl_breaker.c.
 */
#ifndef MDL_BREAKER_H
#define MDL_BREAKER_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"
#include "sim_result.h"
#include "sim_stats.h"
#include "sim_time.h"

typedef enum mdl_breaker_mode {
    MDL_BREAKER_RATE = 0,   /* the rate rule (+ the consecutive rule if consecutive > 0) */
    MDL_BREAKER_CONSECUTIVE /* only n failures in a row (no window) */
} mdl_breaker_mode;

typedef enum mdl_breaker_window {
    MDL_BREAKER_WINDOW_COUNT = 0, /* the last N outcomes (resilience4j COUNT_BASED) */
    MDL_BREAKER_WINDOW_TIME       /* the last N seconds (TIME_BASED) */
} mdl_breaker_window;

typedef enum mdl_breaker_state {
    MDL_BREAKER_CLOSED = 0,
    MDL_BREAKER_OPEN,
    MDL_BREAKER_HALF_OPEN
} mdl_breaker_state;

typedef struct mdl_breaker_cfg {
    mdl_breaker_mode mode;
    mdl_breaker_window window_kind; /* rate mode: count (default) or time */
    int window;                     /* N outcomes (count) or seconds (time); 0 = 100 */
    int minimum_calls;              /* 0 = 100 (capped at N in a count window) */
    double failure_rate;            /* F in percent, (0, 100]; 0 = 50 */
    double slow_call_rate;          /* S in percent, (0, 100]; 0 = 100 */
    sim_time slow_call_duration;    /* 0 = 60 s */
    sim_time open_duration;         /* 0 = 60 s */
    int half_open_calls;            /* 0 = 10 (rate mode) or 1 (consecutive mode) */
    int consecutive; /* rate mode: 0 = no consecutive rule; consecutive mode: 0 = 5 */
    /* Optional chart: the share of each interval spent OPEN. 0 = none. */
    sim_time series_interval;
    size_t series_bins;
} mdl_breaker_cfg;

typedef struct mdl_breaker mdl_breaker;

/* A breaker, CLOSED at now. NULL on error (SIM_EINVAL for thresholds out of
 * (0, 100] or negative sizes and durations; SIM_ENOMEM). */
mdl_breaker *mdl_breaker_create(const mdl_breaker_cfg *cfg, sim_time now, sim_err *err);
void mdl_breaker_destroy(mdl_breaker *b); /* NULL is a no-op */

/* May a call go through at now? 1 = yes (*ticket identifies the
 * permission; pass it to record or release), 0 = refused (OPEN, or HALF_OPEN
 * with every probe handed out). Moves OPEN to HALF_OPEN when the open
 * duration has passed. */
int mdl_breaker_acquire(mdl_breaker *b, sim_time now, uint32_t *ticket);
/* The outcome of a permitted call: failed (0/1) and its duration (slow if
 * > slow_call_duration). May open or close the breaker. Stale tickets are
 * ignored. */
void mdl_breaker_record(mdl_breaker *b, uint32_t ticket, int failed, sim_time duration,
                        sim_time now);
/* 1 when n successes, none of them slow, recorded from now on surely
 * leave the breaker CLOSED (0 if it is not CLOSED). Exact in consecutive
 * mode (always 1) and with a count window (1 unless the rates reach a
 * threshold: they never rise under fast successes, so only the first
 * check at minimum_calls can fire). A time window may slide old successes
 * out and raise a rate: 1 only when it holds no failure or slow call. */
int mdl_breaker_fast_successes_hold(const mdl_breaker *b, size_t n);
/* n calls permitted and answered with success, call i answered at at[i]
 * (nondecreasing) after duration[i]: exactly what, for each i in order,
 * acquire at at[i] and (if permitted) record(ticket, 0, duration[i],
 * at[i]) would do. Bulk (the aggregate path): when no call is slow and
 * mdl_breaker_fast_successes_hold, no rule can fire, and the outcomes go
 * into the window at once: O(min(n, 2 N)) for a count window,
 * O(seconds spanned) for a time window. In consecutive mode (no window) only the streak moves: in
 * one scan, unless it would reach the threshold. Otherwise one at a time. */
void mdl_breaker_record_ok_n(mdl_breaker *b, size_t n, const sim_time *at,
                             const sim_time *duration);
/* Gives back a permission that was not used for a call (HALF_OPEN: the
 * probe slot frees). Stale tickets are ignored. */
void mdl_breaker_release(mdl_breaker *b, uint32_t ticket);

mdl_breaker_state mdl_breaker_state_of(const mdl_breaker *b);
const char *mdl_breaker_state_name(mdl_breaker_state s); /* "closed", "open", "half_open" */
/* Outcomes in the CLOSED window, and how many of them failed / were slow (a
 * time window: as of the last outcome recorded; consecutive mode: 0). */
int mdl_breaker_window_count(const mdl_breaker *b);
int mdl_breaker_window_failed(const mdl_breaker *b);
int mdl_breaker_window_slow(const mdl_breaker *b);
/* The duration above which a call counts as slow (the default filled in). */
sim_time mdl_breaker_slow_call_duration(const mdl_breaker *b);
/* When the current OPEN period may end (meaningful in OPEN). */
sim_time mdl_breaker_open_until(const mdl_breaker *b);
/* Total time spent OPEN / HALF_OPEN up to now. */
sim_time mdl_breaker_time_open(const mdl_breaker *b, sim_time now);
sim_time mdl_breaker_time_half_open(const mdl_breaker *b, sim_time now);
uint64_t mdl_breaker_opened(const mdl_breaker *b);   /* transitions to OPEN */
uint64_t mdl_breaker_refused(const mdl_breaker *b);  /* calls not permitted */
uint64_t mdl_breaker_recorded(const mdl_breaker *b); /* outcomes that counted */

/* Copies the state of src (window, streak, state, counters) into dst, a
 * breaker made from the same cfg, leaving dst's chart alone: dst can then
 * be given outcomes to see what src would do, without changing src (the
 * aggregate pass asks whether a run of slow successes keeps a breaker
 * CLOSED). SIM_OK, or SIM_EINVAL (nothing copied) if the two windows
 * differ in kind or size. O(N). */
int mdl_breaker_copy_state(mdl_breaker *dst, const mdl_breaker *src);

/* Appends "<prefix>.breaker_open_s", ".breaker_open_share" (of the time
 * since creation), ".breaker_half_open_s", ".breaker_opened",
 * ".breaker_refused" and, when configured, the series ".breaker_open_series"
 * (a copy). prefix is e.g. "flow.F-001". */
int mdl_breaker_publish(const mdl_breaker *b, const char *prefix, sim_time now, sim_result *r,
                        sim_err *err);

#endif
