/*
 * mdl_quota.c - a call count over a rolling or calendar window.
 *
 * Rolling window, exact boundary. Time is cut into buckets of width B; the
 * window has W = n * B. A call made at time t lies in bucket b = floor(t/B),
 * which ends at (b + 1) * B. The window ending at `now` is (now - W, now], and
 * the bucket's calls count as long as the window has not moved past the end
 * of the bucket:
 *
 *     bucket b counts at now  <=>  now - W < (b + 1) * B
 *                             <=>  now < (b + 1 + n) * B
 *                             <=>  b >= floor(now / B) - n.
 *
 * So a call at t is freed at (floor(t/B) + 1) * B + W: never earlier than an
 * exact sliding log frees it (t + W) and at most one bucket later. At any now
 * the buckets floor(now/B) - n .. floor(now/B) count: n + 1 of them, which is
 * the size of the ring (slot = bucket mod (n + 1)).
 *
 * Lazy advance. `head` is the newest bucket the ring holds. Moving to a later
 * bucket clears the slots of the buckets that left the window, one slot per
 * bucket of elapsed time; after a gap of n + 1 buckets or more every slot
 * has left, and the whole ring is cleared in one pass (so an idle gap of
 * days or years costs at most one walk over the ring). Each call is therefore
 * O(1) amortised over the simulated time that passes.
 *
 * Calendar window. One counter for the current period [k W, (k + 1) W); it
 * resets to zero when now reaches the next multiple of W.
 *
 * The head bucket's count. A call counts in bucket head, so its count is
 * kept in the struct (head_calls, on the line every call reads) and moved
 * to its slot when the head moves on: at 1,000 flows the ring's slot was
 * a cache miss at almost every call.
 *
 * Invariants:
 *   1. rolling: total == head_calls + sum of ring[]; ring[slot(b)] holds the
 *      calls of bucket b for head - n <= b < head, head_calls those of
 *      bucket head, and the other slots are 0.
 *   2. calendar: total is the count of the period containing `period`.
 *   3. peak >= total at all times (the count only rises in take/force).
 *   4. rolling: every bucket before `first` counted no call, so its slot
 *      holds 0 until it is reused.
 *
 * Cold slots. At 1,000 flows the ring is cold at each minute's advance:
 * storing the head's count and loading the slot that leaves were a miss
 * each. A head that counted nothing is not stored (its slot already
 * holds 0), and a slot that leaves before `first` is not loaded: in the
 * first window of a run (one day for the daily allocation) no slot is.
 */
#include "mdl_quota.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sim_alloc.h"

/* A rolling window of more than this many buckets is refused (memory). */
#define MAX_BUCKETS 10000000

struct mdl_quota {
    /* What every call reads, first: at 1,000 flows a quota is cold at each
     * call, and these share a cache line. head_end spares the division
     * while now is still in bucket (or period) head, as most calls are. */
    sim_time head_end;   /* (head + 1) * width: where bucket or period head ends */
    uint64_t total;      /* calls counted in the window ending at the last now */
    uint64_t head_calls; /* rolling: the calls of bucket head (invariant 1) */
    uint64_t peak;
    uint64_t whole;    /* floor(limit) when limit < 2^53 (fits in integers), else UINT64_MAX */
    int calendar;      /* read by every count: on the first line too */
    uint64_t *ring;    /* rolling: slots counters */
    int64_t head_slot; /* rolling: head % slots */
    /* Read when now leaves bucket (or period) head only. */
    int64_t head; /* rolling: newest bucket held; calendar: current period */
    sim_time window;
    sim_time bucket; /* rolling */
    int64_t n;       /* rolling: window / bucket */
    int64_t slots;   /* rolling: n + 1 */
    int64_t first;   /* rolling: the first bucket that counted a call (invariant 4) */
    uint64_t refused;
    sim_time exhausted_at;
    double limit;
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(struct mdl_quota, head_slot) + sizeof(int64_t) <= SIM_CACHE_LINE,
               "quota: performance layout (a moved field changes no result): "
               "line 0 holds what a call in bucket head reads and writes");
#endif

mdl_quota *mdl_quota_create(const mdl_quota_cfg *cfg, sim_err *err)
{
    if (!(cfg->limit > 0.0) || isnan(cfg->limit)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "quota: limit must be > 0, got %g", cfg->limit);
        return NULL;
    }
    if (cfg->window <= 0) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "quota: window must be > 0");
        return NULL;
    }
    sim_time bucket = cfg->bucket;
    int64_t n = 1;
    if (!cfg->calendar) {
        if (bucket == 0) {
            if (cfg->window % SIM_MIN != 0) {
                sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                            "quota: the window is not a whole number of minutes, so the "
                            "bucket width must be given");
                return NULL;
            }
            bucket = SIM_MIN;
        }
        if (bucket < 0 || bucket > cfg->window || cfg->window % bucket != 0) {
            sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                        "quota: the bucket width must divide the window");
            return NULL;
        }
        n = cfg->window / bucket;
        if (n > MAX_BUCKETS) {
            sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                        "quota: %lld buckets per window is too many (at most %d)", (long long)n,
                        MAX_BUCKETS);
            return NULL;
        }
    }
    mdl_quota *q = sim_calloc_hot(sizeof *q);
    if (!q)
        goto fail_nomem;
    q->limit = cfg->limit;
    q->whole = cfg->limit < 0x1p53 ? (uint64_t)floor(cfg->limit) : UINT64_MAX;
    q->window = cfg->window;
    q->calendar = cfg->calendar != 0;
    q->exhausted_at = SIM_TIME_NEVER;
    if (!q->calendar) {
        q->bucket = bucket;
        q->n = n;
        q->slots = n + 1;
        q->ring = sim_calloc((size_t)q->slots, sizeof *q->ring);
        if (!q->ring)
            goto fail_ring;
    }
    q->head_end = q->calendar ? q->window : q->bucket; /* head = 0 */
    q->first = INT64_MAX;
    return q;

fail_ring:
    sim_free_hot(q);
fail_nomem:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "quota: out of memory");
    return NULL;
}

void mdl_quota_destroy(mdl_quota *q)
{
    if (!q)
        return;
    sim_free(q->ring);
    sim_free_hot(q);
}

/* Moves the window so that it ends at now (now never decreases). */
static void advance(mdl_quota *q, sim_time now)
{
    assert(now >= 0);
    if (now < q->head_end)
        return; /* still in bucket or period head */
    if (q->calendar) {
        int64_t period = now / q->window;
        assert(period > q->head);
        q->head = period;
        q->head_end = (period + 1) * q->window;
        q->total = 0;
        return;
    }
    int64_t b = now / q->bucket;
    assert(b > q->head);
    if (q->head_calls) { /* the head moves on (invariant 1); its slot holds 0 */
        q->ring[q->head_slot] = q->head_calls;
        q->head_calls = 0;
        if (q->head < q->first)
            q->first = q->head;
    }
    if (b - q->head >= q->slots) { /* every bucket held has left the window */
        memset(q->ring, 0, (size_t)q->slots * sizeof *q->ring);
        q->total = 0;
    } else {
        /* Bucket i reuses the slot of bucket i - slots, which leaves now;
         * before bucket first it holds 0 (invariant 4): not loaded. */
        for (int64_t i = q->head + 1; i <= b; i++) {
            if (i - q->slots < q->first)
                continue;
            uint64_t *slot = &q->ring[i % q->slots];
            q->total -= *slot;
            *slot = 0;
        }
    }
    q->head = b;
    q->head_slot = b % q->slots;
    q->head_end = (b + 1) * q->bucket;
}

/* Counts n calls in the current bucket or period (after advance). */
static void count(mdl_quota *q, uint64_t n)
{
    if (!q->calendar)
        q->head_calls += n;
    q->total += n;
    if (q->total > q->peak)
        q->peak = q->total;
}

/* Whether total + n stays within the limit (no overflow for huge n): the
 * sum in doubles against the limit. With L = floor(limit) < 2^53 that is
 * n <= L and total + n <= L in integers: n <= L and total + n <= L make
 * every conversion and the sum exact; otherwise the real sum is at least
 * L + 1 (exact in a double, above limit), and rounding to nearest is
 * monotonic, so the double sum is too. Without the conversions of two
 * 64-bit unsigned integers (a dozen instructions each take). */
static int fits(const mdl_quota *q, uint64_t n)
{
    if (q->whole != UINT64_MAX)
        return n <= q->whole && q->total <= q->whole - n;
    return (double)n <= q->limit && (double)q->total + (double)n <= q->limit;
}

int mdl_quota_take(mdl_quota *q, sim_time now, uint64_t n)
{
    advance(q, now);
    if (!fits(q, n)) {
        q->refused += n;
        if (q->exhausted_at == SIM_TIME_NEVER)
            q->exhausted_at = now;
        return 0;
    }
    count(q, n);
    return 1;
}

void mdl_quota_force(mdl_quota *q, sim_time now, uint64_t n)
{
    advance(q, now);
    count(q, n);
}

uint64_t mdl_quota_used(mdl_quota *q, sim_time now)
{
    advance(q, now);
    return q->total;
}

sim_time mdl_quota_free_at(mdl_quota *q, sim_time now, uint64_t n)
{
    if ((double)n > q->limit)
        return SIM_TIME_NEVER;
    advance(q, now);
    if (fits(q, n))
        return now;
    if (q->calendar)
        return (q->head + 1) * q->window; /* the count resets to 0 */
    /* Buckets leave in order, oldest first: bucket b at (b + 1 + n) * B. */
    uint64_t left = q->total;
    for (int64_t b = q->head - q->n; b <= q->head; b++) {
        if (b < 0)
            continue;
        left -= b == q->head ? q->head_calls : q->ring[b % q->slots];
        if ((double)left + (double)n <= q->limit)
            return (b + 1 + q->n) * q->bucket;
    }
    /* Unreachable: once every bucket has left, left == 0 and n <= limit. */
    assert(0);
    return SIM_TIME_NEVER;
}

uint64_t mdl_quota_peak(const mdl_quota *q)
{
    return q->peak;
}

sim_time mdl_quota_exhausted_at(const mdl_quota *q)
{
    return q->exhausted_at;
}

uint64_t mdl_quota_refused(const mdl_quota *q)
{
    return q->refused;
}

double mdl_quota_limit(const mdl_quota *q)
{
    return q->limit;
}

/* ---- many calls at once --------------------------------------------------- */

sim_time mdl_quota_grid(const mdl_quota *q)
{
    if (!q->calendar)
        return q->bucket;
    return q->window % SIM_MIN == 0 ? SIM_MIN : q->window;
}

/* Rolling: the calls counted in bucket b before the pass (none after head). */
static uint64_t held(const mdl_quota *q, int64_t b)
{
    if (b == q->head)
        return q->head_calls;
    if (b > q->head || b < q->head - q->n || b < 0)
        return 0;
    return q->ring[b % q->slots];
}

static size_t fits_rolling(const mdl_quota *q, sim_time t0, const uint64_t *calls, size_t nb,
                           uint64_t extra)
{
    int64_t m0 = t0 / q->bucket;
    assert(m0 >= q->head);
    /* used(t0): what the ring holds minus the buckets gone by bucket m0,
     * those older than m0 - n. */
    uint64_t old = 0;
    if (m0 - q->head < q->slots) {
        old = q->total;
        for (int64_t b = q->head - q->n; b < m0 - q->n; b++)
            old -= held(q, b);
    }
    uint64_t mine = 0; /* the pass's calls still in the window */
    for (size_t j = 0; j < nb; j++) {
        int64_t m = m0 + (int64_t)j;
        if (j > 0)
            old -= held(q, m - 1 - q->n); /* bucket m - 1 - n leaves at m */
        mine += calls[j];
        if (m - 1 - q->n >= m0)
            mine -= calls[m - 1 - q->n - m0];
        if ((double)old + (double)mine + (double)extra > q->limit)
            return j;
    }
    return nb;
}

static size_t fits_calendar(const mdl_quota *q, sim_time t0, const uint64_t *calls, size_t nb,
                            uint64_t extra)
{
    sim_time g = mdl_quota_grid(q);
    int64_t period = t0 / q->window;
    assert(period >= q->head);
    uint64_t used = period == q->head ? q->total : 0;
    for (size_t j = 0; j < nb; j++) {
        int64_t p = (t0 / g + (int64_t)j) * g / q->window;
        if (p > period) { /* the count resets at the period's start */
            period = p;
            used = 0;
        }
        used += calls[j];
        if ((double)used + (double)extra > q->limit)
            return j;
    }
    return nb;
}

size_t mdl_quota_fits(const mdl_quota *q, sim_time t0, const uint64_t *calls, size_t nb,
                      uint64_t extra)
{
    return q->calendar ? fits_calendar(q, t0, calls, nb, extra)
                       : fits_rolling(q, t0, calls, nb, extra);
}

void mdl_quota_commit(mdl_quota *q, sim_time t0, const uint64_t *calls, size_t nb)
{
    sim_time g = mdl_quota_grid(q);
    sim_time k0 = t0 / g;
    /* One committer per interval: nobody has counted a call after t0's
     * bucket (or period), else this one's calls would land in a later
     * bucket than theirs and age out late. */
    assert((q->calendar ? t0 / q->window : t0 / q->bucket) >= q->head);
    for (size_t j = 0; j < nb; j++) {
        if (calls[j] == 0)
            continue;
        sim_time at = (k0 + (sim_time)j) * g;
        mdl_quota_force(q, at > t0 ? at : t0, calls[j]);
    }
}
