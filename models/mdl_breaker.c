/*
 * mdl_breaker.c - the state machine of mdl_breaker.h.
 *
 * Layout. A count window is a ring of N outcome bytes (bit 0 failed, bit 1
 * slow) with running counts n, failed, slow, so recording is O(1). A time
 * window is a ring of N one-second buckets (calls, failed, slow) indexed by
 * second % N, each stamped with its second and with the CLOSED period it
 * belongs to (`period`, bumped on every entry to CLOSED, so a fresh window
 * costs O(1)); n, failed and slow are then the sums over the buckets of the
 * seconds (cur - N, cur], cur the second of the last outcome. HALF_OPEN
 * keeps its own counters (issued permissions, outcomes, failed, slow,
 * streak).
 *
 * Invariants:
 *   1. Count window: 0 <= n <= N; failed and slow equal the number of ring
 *      entries with the bit set among the n most recent. Time window: n,
 *      failed and slow are the sums over the buckets stamped (period,
 *      s) with cur - N < s <= cur; a bucket with another stamp counts for
 *      nothing and is reset before use.
 *   2. gen changes on every transition, and every transition goes through
 *      enter(): tickets from an earlier state period never match.
 *   3. HALF_OPEN: ho_done <= ho_issued <= half_open_calls.
 *   4. time_in[s] is the total time of finished periods in state s; the
 *      running period started at `since`.
 *
 * Transitions, and the function that performs each:
 *   CLOSED -> OPEN        record()   window thresholds or streak reached
 *                                    (whichever rules the mode has)
 *   OPEN -> HALF_OPEN     acquire()  now >= open_until
 *   HALF_OPEN -> OPEN     record()   probe rates >= thresholds or a streak
 *                                    of failed probes (a failed probe in
 *                                    consecutive mode)
 *   HALF_OPEN -> CLOSED   record()   probe rates below thresholds (or all
 *                                    probes succeeded in consecutive mode)
 */
#include "mdl_breaker.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim_alloc.h"

#define F_FAILED 1u
#define F_SLOW   2u

struct bucket {
    int64_t sec;     /* the second it holds */
    uint32_t period; /* the CLOSED period it belongs to */
    int calls, failed, slow;
};

struct mdl_breaker {
    /* Line 0: what an acquire in CLOSED reads (state, gen), and what a
     * CLOSED outcome reads and writes in a count window; line 1: the rate
     * thresholds, the outcome count and the time window's state. At 1,000
     * flows a breaker is cold at each record: an attempt loads two lines. */
    mdl_breaker_state state;
    uint32_t gen;
    mdl_breaker_mode mode;
    mdl_breaker_window kind;
    int size, consecutive; /* consecutive 0: no consecutive rule */
    int min_calls;         /* CLOSED: min(minimum_calls, N); time window: minimum_calls */
    /* CLOSED */
    int head, n, failed, slow;
    int streak;
    sim_time slow_duration;
    unsigned char *ring; /* count window */

    double failure_rate, slow_rate; /* percent */
    uint64_t recorded;
    struct bucket *buckets; /* time window */
    int64_t cur;            /* time window: the second of the last outcome */
    uint32_t period;        /* time window: the current CLOSED period */
    int ho_calls;
    int ho_min_calls; /* HALF_OPEN: min(minimum_calls, half_open_calls) */
    /* HALF_OPEN */
    int ho_issued, ho_done, ho_failed, ho_slow, ho_streak;

    sim_time open_duration;
    sim_time since, created, open_until;
    sim_time time_in[3];
    uint64_t opened, refused;
    sim_series *series; /* share of time OPEN, or NULL */
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(struct mdl_breaker, ring) + sizeof(void *) <= SIM_CACHE_LINE &&
                   offsetof(struct mdl_breaker, period) + sizeof(uint32_t) <= 2 * SIM_CACHE_LINE,
               "breaker: performance layout (a moved field changes no result): "
               "line 0 holds a count window's outcome state, line 1 the rates and the time "
               "window's state");
#endif

static void enter(mdl_breaker *b, mdl_breaker_state s, sim_time now)
{
    b->time_in[b->state] += now - b->since;
    b->state = s;
    b->since = now;
    b->gen++;
    switch (s) {
    case MDL_BREAKER_CLOSED:
        b->head = b->n = b->failed = b->slow = 0;
        b->streak = 0;
        b->period++; /* every bucket of the time window is stale now */
        b->cur = now / SIM_SEC;
        break;
    case MDL_BREAKER_OPEN:
        b->opened++;
        b->open_until = now + b->open_duration;
        break;
    case MDL_BREAKER_HALF_OPEN:
        b->ho_issued = b->ho_done = b->ho_failed = b->ho_slow = b->ho_streak = 0;
        break;
    }
    if (b->series)
        sim_series_set(b->series, now, s == MDL_BREAKER_OPEN ? 1.0 : 0.0);
}

/* A threshold in percent, snapped to a grid of 1e-9 percent. Scenarios give
 * fractions and the caller multiplies by 100, which is not exact: "14%" is
 * 0.14 x 100 = 14.000000000000002, and 14 failures in 100 calls would then
 * stay below it. Snapped, a whole-percent threshold is exact, and a rate
 * exactly at it opens the breaker, as resilience4j's >= does. */
static double snap_percent(double p)
{
    double q = round(p * 1e9) / 1e9;
    return q > 0.0 ? q : p; /* a threshold below the grid stays as given */
}

/* rate mode: count * 100 >= threshold * total, in exact arithmetic for the
 * integer counts (threshold may be fractional). */
static int above(int count, int total, double threshold)
{
    return (double)count * 100.0 >= threshold * (double)total;
}

mdl_breaker *mdl_breaker_create(const mdl_breaker_cfg *cfg, sim_time now, sim_err *err)
{
    if (!cfg) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "breaker: cfg is required");
        return NULL;
    }
    if (cfg->mode != MDL_BREAKER_RATE && cfg->mode != MDL_BREAKER_CONSECUTIVE) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "breaker: unknown mode %d", (int)cfg->mode);
        return NULL;
    }
    if (cfg->window_kind != MDL_BREAKER_WINDOW_COUNT &&
        cfg->window_kind != MDL_BREAKER_WINDOW_TIME) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "breaker: unknown window kind %d",
                    (int)cfg->window_kind);
        return NULL;
    }
    if (cfg->window < 0 || cfg->minimum_calls < 0 || cfg->half_open_calls < 0 ||
        cfg->consecutive < 0 || cfg->slow_call_duration < 0 || cfg->open_duration < 0 ||
        cfg->series_interval < 0) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "breaker: sizes and durations must be >= 0");
        return NULL;
    }
    if (!(cfg->failure_rate >= 0.0 && cfg->failure_rate <= 100.0) ||
        !(cfg->slow_call_rate >= 0.0 && cfg->slow_call_rate <= 100.0)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "breaker: failure_rate and slow_call_rate must be in (0, 100] percent, got "
                    "%g and %g",
                    cfg->failure_rate, cfg->slow_call_rate);
        return NULL;
    }
    mdl_breaker *b = sim_calloc_hot(sizeof *b);
    if (!b)
        goto fail_b;
    b->mode = cfg->mode;
    b->kind = cfg->window_kind;
    b->size = cfg->window ? cfg->window : 100;
    int minimum = cfg->minimum_calls ? cfg->minimum_calls : 100;
    /* resilience4j caps the minimum at N for a count window only
     * (CircuitBreakerMetrics: TIME_BASED keeps minimumNumberOfCalls). */
    b->min_calls = b->kind == MDL_BREAKER_WINDOW_TIME || minimum < b->size ? minimum : b->size;
    b->failure_rate = cfg->failure_rate > 0.0 ? snap_percent(cfg->failure_rate) : 50.0;
    b->slow_rate = cfg->slow_call_rate > 0.0 ? snap_percent(cfg->slow_call_rate) : 100.0;
    b->slow_duration = cfg->slow_call_duration ? cfg->slow_call_duration : 60 * SIM_SEC;
    b->open_duration = cfg->open_duration ? cfg->open_duration : 60 * SIM_SEC;
    b->ho_calls = cfg->half_open_calls ? cfg->half_open_calls
                                       : (cfg->mode == MDL_BREAKER_CONSECUTIVE ? 1 : 10);
    b->consecutive = cfg->consecutive                       ? cfg->consecutive
                     : cfg->mode == MDL_BREAKER_CONSECUTIVE ? 5
                                                            : 0;
    /* resilience4j's half-open window is a count window of the probes whose
     * minimum is min(minimumNumberOfCalls, probes), from the uncapped
     * minimum (CircuitBreakerMetrics.forHalfOpen). */
    b->ho_min_calls = minimum < b->ho_calls ? minimum : b->ho_calls;
    if (b->mode == MDL_BREAKER_RATE && b->kind == MDL_BREAKER_WINDOW_COUNT &&
        !(b->ring = sim_calloc((size_t)b->size, 1)))
        goto fail_ring;
    if (b->mode == MDL_BREAKER_RATE && b->kind == MDL_BREAKER_WINDOW_TIME &&
        !(b->buckets = sim_calloc((size_t)b->size, sizeof *b->buckets)))
        goto fail_ring;
    if (cfg->series_bins > 0 && cfg->series_interval > 0) {
        b->series =
            sim_series_create(SIM_SERIES_LEVEL, cfg->series_interval, cfg->series_bins, err);
        if (!b->series)
            goto fail_series;
        sim_series_set(b->series, now, 0.0);
    }
    b->state = MDL_BREAKER_CLOSED;
    b->since = b->created = now;
    b->gen = 1;
    b->period = 1; /* calloc'd buckets have period 0: all stale */
    b->cur = now / SIM_SEC;
    return b;

fail_series:
    sim_free(b->ring);
    sim_free(b->buckets);
fail_ring:
    sim_free_hot(b);
fail_b:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "breaker: out of memory");
    return NULL;
}

void mdl_breaker_destroy(mdl_breaker *b)
{
    if (!b)
        return;
    sim_series_destroy(b->series);
    sim_free(b->ring);
    sim_free(b->buckets);
    sim_free_hot(b);
}

int mdl_breaker_acquire(mdl_breaker *b, sim_time now, uint32_t *ticket)
{
    if (b->state == MDL_BREAKER_OPEN && now >= b->open_until)
        enter(b, MDL_BREAKER_HALF_OPEN, now);
    switch (b->state) {
    case MDL_BREAKER_CLOSED:
        break;
    case MDL_BREAKER_OPEN:
        b->refused++;
        return 0;
    case MDL_BREAKER_HALF_OPEN:
        if (b->ho_issued >= b->ho_calls) {
            b->refused++;
            return 0;
        }
        b->ho_issued++;
        break;
    }
    if (ticket)
        *ticket = b->gen;
    return 1;
}

void mdl_breaker_release(mdl_breaker *b, uint32_t ticket)
{
    if (ticket != b->gen)
        return;
    if (b->state == MDL_BREAKER_HALF_OPEN && b->ho_issued > b->ho_done)
        b->ho_issued--;
}

/* Time window: moves the window to second sec (>= cur), dropping the
 * buckets of the seconds that leave it (invariant 1). */
static void slide(mdl_breaker *b, int64_t sec)
{
    if (sec <= b->cur)
        return;
    if (sec - b->cur >= b->size) { /* every bucket leaves */
        b->n = b->failed = b->slow = 0;
    } else {
        for (int64_t s = b->cur + 1; s <= sec; s++) {
            struct bucket *k = &b->buckets[s % b->size];
            if (k->period == b->period && k->sec == s - b->size) { /* in the old window */
                b->n -= k->calls;
                b->failed -= k->failed;
                b->slow -= k->slow;
            }
            *k = (struct bucket){.sec = s, .period = b->period};
        }
    }
    b->cur = sec;
}

static void add_time(mdl_breaker *b, int failed, int slow, sim_time now)
{
    int64_t sec = now / SIM_SEC;
    slide(b, sec);
    struct bucket *k = &b->buckets[sec % b->size];
    if (k->sec != sec || k->period != b->period)
        *k = (struct bucket){.sec = sec, .period = b->period};
    k->calls++;
    k->failed += failed ? 1 : 0;
    k->slow += slow ? 1 : 0;
    b->n++;
    b->failed += failed ? 1 : 0;
    b->slow += slow ? 1 : 0;
}

static void add_count(mdl_breaker *b, int failed, int slow)
{
    unsigned char o = (unsigned char)((failed ? F_FAILED : 0u) | (slow ? F_SLOW : 0u));
    if (b->n == b->size) { /* evict the oldest, which sits where the newest goes */
        unsigned char old = b->ring[b->head];
        b->failed -= (old & F_FAILED) ? 1 : 0;
        b->slow -= (old & F_SLOW) ? 1 : 0;
    } else {
        b->n++;
    }
    b->ring[b->head] = o;
    b->head = (b->head + 1) % b->size;
    b->failed += failed ? 1 : 0;
    b->slow += slow ? 1 : 0;
}

static void record_closed(mdl_breaker *b, int failed, int slow, sim_time now)
{
    if (b->consecutive > 0) { /* the consecutive rule */
        if (failed || slow) {
            if (++b->streak >= b->consecutive) {
                enter(b, MDL_BREAKER_OPEN, now);
                return;
            }
        } else {
            b->streak = 0;
        }
    }
    if (b->mode == MDL_BREAKER_CONSECUTIVE)
        return;
    if (b->kind == MDL_BREAKER_WINDOW_TIME) /* the rate rule */
        add_time(b, failed, slow, now);
    else
        add_count(b, failed, slow);
    if (b->n >= b->min_calls &&
        (above(b->failed, b->n, b->failure_rate) || above(b->slow, b->n, b->slow_rate)))
        enter(b, MDL_BREAKER_OPEN, now);
}

static void record_half_open(mdl_breaker *b, int failed, int slow, sim_time now)
{
    b->ho_done++;
    b->ho_failed += failed ? 1 : 0;
    b->ho_slow += slow ? 1 : 0;
    if (b->mode == MDL_BREAKER_CONSECUTIVE) {
        if (failed || slow)
            enter(b, MDL_BREAKER_OPEN, now);
        else if (b->ho_done >= b->ho_calls)
            enter(b, MDL_BREAKER_CLOSED, now);
        return;
    }
    if (b->consecutive > 0) {
        b->ho_streak = failed || slow ? b->ho_streak + 1 : 0;
        if (b->ho_streak >= b->consecutive) {
            enter(b, MDL_BREAKER_OPEN, now);
            return;
        }
    }
    if (b->ho_done < b->ho_min_calls)
        return;
    if (above(b->ho_failed, b->ho_done, b->failure_rate) ||
        above(b->ho_slow, b->ho_done, b->slow_rate))
        enter(b, MDL_BREAKER_OPEN, now);
    else
        enter(b, MDL_BREAKER_CLOSED, now);
}

void mdl_breaker_record(mdl_breaker *b, uint32_t ticket, int failed, sim_time duration,
                        sim_time now)
{
    if (ticket != b->gen)
        return; /* permitted in an earlier state period (invariant 2) */
    int slow = duration > b->slow_duration;
    b->recorded++;
    if (b->state == MDL_BREAKER_CLOSED)
        record_closed(b, failed, slow, now);
    else if (b->state == MDL_BREAKER_HALF_OPEN)
        record_half_open(b, failed, slow, now);
    /* OPEN never hands out tickets of its own period, so nothing to do. */
}

/* n fast successes into a count window: n zero outcomes at head, each
 * evicting the oldest once the ring is full (invariant 1). After `size`
 * of them the ring holds only their zeros, so the rest just move head:
 * O(min(n, 2 N)). */
static void add_count_ok(mdl_breaker *b, size_t n)
{
    size_t size = (size_t)b->size, head = (size_t)b->head;
    size_t fill = size - (size_t)b->n, walk = n < fill + size ? n : fill + size;
    for (size_t k = 0; k < walk; k++) {
        if (b->n < b->size) {
            b->n++;
        } else {
            unsigned char old = b->ring[head];
            b->failed -= (old & F_FAILED) ? 1 : 0;
            b->slow -= (old & F_SLOW) ? 1 : 0;
        }
        b->ring[head] = 0;
        head = head + 1 == size ? 0 : head + 1;
    }
    b->head = (int)((head + (n - walk) % size) % size);
}

/* The same into a time window: one add per second spanned (at[]
 * nondecreasing). */
static void add_time_ok(mdl_breaker *b, size_t n, const sim_time *at)
{
    size_t i = 0;
    while (i < n) {
        int64_t sec = at[i] / SIM_SEC;
        sim_time edge = (sec + 1) * SIM_SEC;
        size_t j = i + 1;
        while (j < n && at[j] < edge)
            j++;
        slide(b, sec);
        struct bucket *k = &b->buckets[sec % b->size];
        if (k->sec != sec || k->period != b->period)
            *k = (struct bucket){.sec = sec, .period = b->period};
        k->calls += (int)(j - i);
        b->n += (int)(j - i);
        i = j;
    }
}

int mdl_breaker_fast_successes_hold(const mdl_breaker *b, size_t n)
{
    if (b->state != MDL_BREAKER_CLOSED)
        return 0;
    if (b->mode == MDL_BREAKER_CONSECUTIVE) /* a fast success ends the streak */
        return 1;
    if (b->kind == MDL_BREAKER_WINDOW_TIME) /* a slide can raise a rate: only a clean window */
        return b->failed == 0 && b->slow == 0;
    /* Count window: a fast success adds a clean outcome and evicts at most
     * one, so n grows (to N) and the counts never do: the rates never rise.
     * With n >= minimum they were checked at the last outcome and held;
     * else the first check comes at n = minimum, with no eviction before
     * it (minimum <= N), on the counts of now. */
    if (b->n >= b->min_calls || n < (size_t)(b->min_calls - b->n))
        return 1;
    return !above(b->failed, b->min_calls, b->failure_rate) &&
           !above(b->slow, b->min_calls, b->slow_rate);
}

/* Consecutive mode, CLOSED: the streak after n successes (a slow one adds
 * to it, a fast one ends it), or -1 if it would reach the threshold. */
static int streak_after(const mdl_breaker *b, size_t n, const sim_time *duration)
{
    int streak = b->streak, top = 0;
    for (size_t i = 0; i < n; i++) {
        streak = duration[i] > b->slow_duration ? streak + 1 : 0;
        top = streak > top ? streak : top;
    }
    return top >= b->consecutive ? -1 : streak;
}

void mdl_breaker_record_ok_n(mdl_breaker *b, size_t n, const sim_time *at, const sim_time *duration)
{
    if (b->state == MDL_BREAKER_CLOSED && b->mode == MDL_BREAKER_CONSECUTIVE) {
        /* no window: only the streak moves, lengthened by slow successes */
        int streak = streak_after(b, n, duration);
        if (streak >= 0) {
            b->recorded += n;
            b->streak = streak;
            return;
        }
    }
    size_t fast = mdl_breaker_fast_successes_hold(b, n);
    for (size_t i = 0; fast && i < n; i++)
        fast = duration[i] <= b->slow_duration;
    if (!fast) {
        for (size_t i = 0; i < n; i++) {
            uint32_t ticket;
            if (mdl_breaker_acquire(b, at[i], &ticket))
                mdl_breaker_record(b, ticket, 0, duration[i], at[i]);
        }
        return;
    }
    if (n == 0)
        return;
    /* CLOSED acquire hands out the current ticket and changes nothing. */
    b->recorded += n;
    if (b->consecutive > 0)
        b->streak = 0;
    if (b->kind == MDL_BREAKER_WINDOW_TIME)
        add_time_ok(b, n, at);
    else
        add_count_ok(b, n);
}

mdl_breaker_state mdl_breaker_state_of(const mdl_breaker *b)
{
    return b->state;
}

const char *mdl_breaker_state_name(mdl_breaker_state s)
{
    switch (s) {
    case MDL_BREAKER_CLOSED:
        return "closed";
    case MDL_BREAKER_OPEN:
        return "open";
    case MDL_BREAKER_HALF_OPEN:
        return "half_open";
    }
    return "?";
}

int mdl_breaker_window_count(const mdl_breaker *b)
{
    return b->n;
}

int mdl_breaker_window_failed(const mdl_breaker *b)
{
    return b->failed;
}

int mdl_breaker_window_slow(const mdl_breaker *b)
{
    return b->slow;
}

int mdl_breaker_copy_state(mdl_breaker *dst, const mdl_breaker *src)
{
    if (dst->mode != src->mode || dst->kind != src->kind || dst->size != src->size ||
        !dst->ring != !src->ring || !dst->buckets != !src->buckets)
        return SIM_EINVAL;
    unsigned char *ring = dst->ring;
    struct bucket *buckets = dst->buckets;
    sim_series *series = dst->series;
    *dst = *src;
    dst->ring = ring;
    dst->buckets = buckets;
    dst->series = series;
    if (ring)
        memcpy(ring, src->ring, (size_t)src->size);
    if (buckets)
        memcpy(buckets, src->buckets, (size_t)src->size * sizeof *buckets);
    return SIM_OK;
}

sim_time mdl_breaker_slow_call_duration(const mdl_breaker *b)
{
    return b->slow_duration;
}

sim_time mdl_breaker_open_until(const mdl_breaker *b)
{
    return b->open_until;
}

static sim_time time_in(const mdl_breaker *b, mdl_breaker_state s, sim_time now)
{
    sim_time t = b->time_in[s];
    if (b->state == s && now > b->since)
        t += now - b->since;
    return t;
}

sim_time mdl_breaker_time_open(const mdl_breaker *b, sim_time now)
{
    return time_in(b, MDL_BREAKER_OPEN, now);
}

sim_time mdl_breaker_time_half_open(const mdl_breaker *b, sim_time now)
{
    return time_in(b, MDL_BREAKER_HALF_OPEN, now);
}

uint64_t mdl_breaker_opened(const mdl_breaker *b)
{
    return b->opened;
}

uint64_t mdl_breaker_refused(const mdl_breaker *b)
{
    return b->refused;
}

uint64_t mdl_breaker_recorded(const mdl_breaker *b)
{
    return b->recorded;
}

static int put(sim_result *r, const char *prefix, const char *what, const char *unit, double v,
               sim_err *err)
{
    char name[256];
    int len = snprintf(name, sizeof name, "%s.%s", prefix, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "breaker: prefix too long: %.64s...",
                           prefix);
    int rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "breaker: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

int mdl_breaker_publish(const mdl_breaker *b, const char *prefix, sim_time now, sim_result *r,
                        sim_err *err)
{
    int rc;
    double open_s = sim_time_to_seconds(mdl_breaker_time_open(b, now));
    double span = sim_time_to_seconds(now - b->created);
    if ((rc = put(r, prefix, "breaker_open_s", "s", open_s, err)))
        return rc;
    if ((rc = put(r, prefix, "breaker_open_share", "share", span > 0 ? open_s / span : 0.0, err)))
        return rc;
    if ((rc = put(r, prefix, "breaker_half_open_s", "s",
                  sim_time_to_seconds(mdl_breaker_time_half_open(b, now)), err)))
        return rc;
    if ((rc = put(r, prefix, "breaker_opened", "transitions", (double)b->opened, err)))
        return rc;
    if ((rc = put(r, prefix, "breaker_refused", "calls", (double)b->refused, err)))
        return rc;
    if (!b->series)
        return SIM_OK;
    char name[256];
    int len = snprintf(name, sizeof name, "%s.breaker_open_series", prefix);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "breaker: prefix too long");
    sim_series *s = sim_series_clone(b->series, err);
    if (!s)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "breaker: out of memory for %s", name);
    sim_series_finish(s, now);
    rc = sim_result_series(r, name, "share", s); /* takes s over */
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "breaker: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}
