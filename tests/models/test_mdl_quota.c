/*
 * test_mdl_quota.c - call counts over rolling and calendar windows: exact
 * window edges, refusals, free_at, idle gaps and the Bulk API batch pool.
 */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_quota.h"
#include "sim_alloc.h"
#include "sim_rng.h"

static mdl_quota *make(double limit, sim_time window, int calendar, sim_time bucket)
{
    mdl_quota_cfg cfg = {.limit = limit, .window = window, .calendar = calendar, .bucket = bucket};
    sim_err err;
    mdl_quota *q = mdl_quota_create(&cfg, &err);
    if (!q)
        fail_msg("mdl_quota_create: %s", err.msg);
    return q;
}

/* Rolling 24 h with 1-minute buckets (bucket 0 = the default minute). A call
 * at t lies in bucket floor(t / 1 min) and counts while the window
 * (now - 24 h, now] has not moved past the end of that bucket: the calls of
 * bucket 0 ([0, 60 s)) count for now < 24 h + 60 s and are freed at exactly
 * 24 h + 60 s. An exact sliding log would free the call at 0 at 24 h (60 s
 * earlier) and the call at 59.999999 s at 24 h + 59.999999 s (1 us earlier). */
static void a_call_counts_until_the_window_passes_the_end_of_its_bucket(void **state)
{
    (void)state;
    mdl_quota *q = make(100, SIM_DAY, 0, 0);
    const sim_time freed = SIM_DAY + SIM_MIN;
    assert_int_equal(mdl_quota_take(q, 0, 1), 1);
    assert_int_equal(mdl_quota_take(q, SIM_MIN - 1, 2), 1); /* still bucket 0 */
    assert_int_equal(mdl_quota_take(q, SIM_MIN, 4), 1);     /* bucket 1 */
    assert_int_equal(mdl_quota_used(q, SIM_DAY - 1), 7);
    assert_int_equal(mdl_quota_used(q, SIM_DAY), 7); /* the sliding log would say 6 */
    assert_int_equal(mdl_quota_used(q, freed - 1), 7);
    assert_int_equal(mdl_quota_used(q, freed), 4); /* bucket 0 left, bucket 1 stays */
    assert_int_equal(mdl_quota_used(q, freed + SIM_MIN - 1), 4);
    assert_int_equal(mdl_quota_used(q, freed + SIM_MIN), 0);
    assert_int_equal(mdl_quota_peak(q), 7);
    mdl_quota_destroy(q);
}

static void a_refused_call_does_not_count(void **state)
{
    (void)state;
    mdl_quota *q = make(3, SIM_DAY, 0, 0);
    assert_int_equal(mdl_quota_exhausted_at(q), SIM_TIME_NEVER);
    assert_int_equal(mdl_quota_take(q, 10 * SIM_SEC, 2), 1);
    assert_int_equal(mdl_quota_take(q, 20 * SIM_SEC, 2), 0); /* 2 + 2 > 3: none counted */
    assert_int_equal(mdl_quota_used(q, 20 * SIM_SEC), 2);
    assert_int_equal(mdl_quota_take(q, 30 * SIM_SEC, 1), 1); /* exactly at the limit */
    assert_int_equal(mdl_quota_take(q, 40 * SIM_SEC, 1), 0);
    assert_int_equal(mdl_quota_used(q, 40 * SIM_SEC), 3);
    assert_int_equal(mdl_quota_refused(q), 3); /* 2 + 1 calls */
    assert_int_equal(mdl_quota_exhausted_at(q), 20 * SIM_SEC);
    assert_int_equal(mdl_quota_peak(q), 3);
    assert_true(mdl_quota_limit(q) == 3.0);
    mdl_quota_destroy(q);
}

/* Limit 10: 4 calls at 10 s (bucket 0), 3 at 5 min 1 s (bucket 5), 3 at 2 h
 * (bucket 120); at 3 h all 10 count. Bucket b leaves at (b + 1) min + 24 h:
 *   1 more call fits once bucket 0 leaves:        24 h + 1 min
 *   5 more need 10 - 4 - 3 + 5 <= 10:              24 h + 6 min
 *   10 more need every bucket gone:                24 h + 121 min
 *   11 more exceed the limit:                      never. */
static void free_at_is_the_exact_time_enough_buckets_leave(void **state)
{
    (void)state;
    mdl_quota *q = make(10, SIM_DAY, 0, 0);
    assert_int_equal(mdl_quota_take(q, 10 * SIM_SEC, 4), 1);
    assert_int_equal(mdl_quota_take(q, 5 * SIM_MIN + SIM_SEC, 3), 1);
    assert_int_equal(mdl_quota_take(q, 2 * SIM_HOUR, 3), 1);
    const sim_time now = 3 * SIM_HOUR;
    assert_int_equal(mdl_quota_free_at(q, now, 0), now);
    assert_int_equal(mdl_quota_free_at(q, now, 1), SIM_DAY + SIM_MIN);
    assert_int_equal(mdl_quota_free_at(q, now, 4), SIM_DAY + SIM_MIN);
    assert_int_equal(mdl_quota_free_at(q, now, 5), SIM_DAY + 6 * SIM_MIN);
    assert_int_equal(mdl_quota_free_at(q, now, 10), SIM_DAY + 121 * SIM_MIN);
    assert_int_equal(mdl_quota_free_at(q, now, 11), SIM_TIME_NEVER);
    /* free_at is a promise: 5 calls are refused 1 us before and fit at it. */
    sim_time t5 = mdl_quota_free_at(q, now, 5);
    assert_int_equal(mdl_quota_take(q, t5 - 1, 5), 0);
    assert_int_equal(mdl_quota_take(q, t5, 5), 1);
    assert_int_equal(mdl_quota_used(q, t5), 3 + 5);
    mdl_quota_destroy(q);
}

static void a_calendar_window_resets_at_midnight(void **state)
{
    (void)state;
    mdl_quota *q = make(5, SIM_DAY, 1, 0);
    assert_int_equal(mdl_quota_take(q, 10 * SIM_HOUR, 5), 1);
    assert_int_equal(mdl_quota_take(q, SIM_DAY - 1, 1), 0); /* 23:59:59.999999 */
    assert_int_equal(mdl_quota_free_at(q, SIM_DAY - 1, 1), SIM_DAY);
    assert_int_equal(mdl_quota_free_at(q, SIM_DAY - 1, 6), SIM_TIME_NEVER);
    assert_int_equal(mdl_quota_used(q, SIM_DAY - 1), 5);
    assert_int_equal(mdl_quota_used(q, SIM_DAY), 0); /* midnight */
    assert_int_equal(mdl_quota_take(q, SIM_DAY, 5), 1);
    assert_int_equal(mdl_quota_take(q, 2 * SIM_DAY - 1, 1), 0);
    /* A forced call counts past the limit; the next period starts from 0. */
    mdl_quota_force(q, 2 * SIM_DAY - 1, 2);
    assert_int_equal(mdl_quota_used(q, 2 * SIM_DAY - 1), 7);
    assert_int_equal(mdl_quota_peak(q), 7);
    assert_int_equal(mdl_quota_free_at(q, 2 * SIM_DAY - 1, 5), 2 * SIM_DAY);
    assert_int_equal(mdl_quota_used(q, 5 * SIM_DAY + 3), 0); /* idle days */
    assert_int_equal(mdl_quota_refused(q), 2);
    assert_int_equal(mdl_quota_exhausted_at(q), SIM_DAY - 1);
    mdl_quota_destroy(q);
}

/* After a gap longer than the window the count is zero, whether the gap is a
 * few days or centuries: the ring is cleared once (a walk bucket by bucket
 * over 900 years would be 4.7e8 steps, seconds of CPU). A gap shorter than
 * the window keeps what is still inside it. */
static void a_long_idle_gap_empties_the_window_once(void **state)
{
    (void)state;
    mdl_quota *q = make(1440, SIM_DAY, 0, 0);
    for (int i = 0; i < 1440; i++) /* one call per minute for a day */
        assert_int_equal(mdl_quota_take(q, i * SIM_MIN, 1), 1);
    /* At 24 h + 30 min buckets 0..29 have left (bucket b leaves at
     * (b + 1) min + 24 h) and the other 1410 still count. */
    assert_int_equal(mdl_quota_used(q, SIM_DAY + 30 * SIM_MIN), 1440 - 30);
    sim_time t = 10 * SIM_DAY + 123;
    assert_int_equal(mdl_quota_used(q, t), 0);
    assert_int_equal(mdl_quota_take(q, t, 1440), 1);
    assert_int_equal(mdl_quota_take(q, t + SIM_HOUR, 1), 0);
    t = (sim_time)900 * 365 * SIM_DAY;
    assert_int_equal(mdl_quota_used(q, t), 0);
    assert_int_equal(mdl_quota_take(q, t, 1440), 1);
    assert_int_equal(mdl_quota_used(q, t + SIM_DAY + SIM_MIN - 1), 1440);
    assert_int_equal(mdl_quota_used(q, t - t % SIM_MIN + SIM_DAY + SIM_MIN), 0);
    assert_int_equal(mdl_quota_peak(q), 1440);
    mdl_quota_destroy(q);
}

/* REFERENCE.md A3: the Bulk API batch allocation is 15,000 batches per
 * rolling 24 h. 20,000 batches requested one per second from t = 0: batches
 * 0..14,999 (t = 0 .. 14,999 s, all within the first 24 h) are granted, the
 * 15,001st (t = 15,000 s) is the first refused, and so are the remaining
 * 4,999. The first bucket [0, 60 s) holds 60 batches and leaves at
 * 24 h + 60 s: exactly 60 batches fit then, the 61st waits for the second
 * bucket at 24 h + 120 s. */
static void the_bulk_pool_grants_15000_batches_per_rolling_day(void **state)
{
    (void)state;
    mdl_quota *q = make(15000, SIM_DAY, 0, SIM_MIN);
    int granted = 0;
    sim_time first_refused = -1;
    for (int i = 0; i < 20000; i++) {
        sim_time t = (sim_time)i * SIM_SEC;
        if (mdl_quota_take(q, t, 1))
            granted++;
        else if (first_refused < 0)
            first_refused = t;
    }
    assert_int_equal(granted, 15000);
    assert_int_equal(first_refused, 15000 * SIM_SEC);
    assert_int_equal(mdl_quota_exhausted_at(q), 15000 * SIM_SEC);
    assert_int_equal(mdl_quota_refused(q), 5000);
    assert_int_equal(mdl_quota_peak(q), 15000);

    const sim_time now = 19999 * SIM_SEC;
    assert_int_equal(mdl_quota_free_at(q, now, 1), SIM_DAY + 60 * SIM_SEC);
    assert_int_equal(mdl_quota_free_at(q, now, 60), SIM_DAY + 60 * SIM_SEC);
    assert_int_equal(mdl_quota_free_at(q, now, 61), SIM_DAY + 120 * SIM_SEC);
    assert_int_equal(mdl_quota_take(q, SIM_DAY + 60 * SIM_SEC - 1, 1), 0);
    assert_int_equal(mdl_quota_used(q, SIM_DAY + 60 * SIM_SEC), 15000 - 60);
    assert_int_equal(mdl_quota_take(q, SIM_DAY + 60 * SIM_SEC, 60), 1);
    assert_int_equal(mdl_quota_take(q, SIM_DAY + 60 * SIM_SEC, 1), 0);
    assert_int_equal(mdl_quota_take(q, SIM_DAY + 120 * SIM_SEC, 1), 1);
    mdl_quota_destroy(q);
}

/* ---- cross-check against a brute-force reference ----------------------- */

typedef struct call {
    sim_time t;
    uint64_t n;
} call;

/* The bucket rule stated in mdl_quota.h, by brute force over every call. */
static uint64_t ref_used(const call *calls, int ncalls, sim_time now, sim_time window,
                         sim_time bucket)
{
    uint64_t sum = 0;
    for (int i = 0; i < ncalls; i++)
        if (now - window < (calls[i].t / bucket + 1) * bucket)
            sum += calls[i].n;
    return sum;
}

/* Random takes at random times (gaps from 0 to beyond the window) on a
 * 10-minute window of 1-minute buckets, so the ring wraps thousands of
 * times; every answer must match the reference exactly. The first call
 * comes at `start`: a quota idle until then loads no slot before it
 * (mdl_quota.c, Cold slots), and must count the same. */
static void crosscheck(sim_time start)
{
    const sim_time window = 10 * SIM_MIN, bucket = SIM_MIN;
    const double limit = 40;
    mdl_quota *q = make(limit, window, 0, bucket);
    gsl_rng *rng = sim_rng_create(7, 0, "quota-crosscheck", NULL);
    assert_non_null(rng);
    enum { STEPS = 20000 };
    call *calls = calloc(STEPS, sizeof *calls);
    assert_non_null(calls);
    int ncalls = 0, first = 0;
    sim_time now = start;
    for (int step = 0; step < STEPS; step++) {
        double u = gsl_rng_uniform(rng);
        now += u < 0.01 ? (sim_time)gsl_rng_uniform_int(rng, 30 * SIM_MIN)
                        : (sim_time)gsl_rng_uniform_int(rng, 20 * SIM_SEC);
        while (first < ncalls && now - window >= (calls[first].t / bucket + 1) * bucket)
            first++; /* drop calls that left for good, to keep the reference fast */
        uint64_t used = ref_used(calls + first, ncalls - first, now, window, bucket);
        assert_int_equal(mdl_quota_used(q, now), used);
        uint64_t n = 1 + gsl_rng_uniform_int(rng, 8);
        /* free_at: the first bucket edge at which the reference count fits. */
        sim_time expect_free = now;
        if ((double)(used + n) > limit) {
            expect_free = SIM_TIME_NEVER;
            for (sim_time e = (now / bucket + 1) * bucket;; e += bucket)
                if ((double)(ref_used(calls + first, ncalls - first, e, window, bucket) + n) <=
                    limit) {
                    expect_free = e;
                    break;
                }
        }
        assert_int_equal(mdl_quota_free_at(q, now, n), expect_free);
        int ok = mdl_quota_take(q, now, n);
        assert_int_equal(ok, (double)(used + n) <= limit);
        if (ok)
            calls[ncalls++] = (call){now, n};
    }
    free(calls);
    sim_rng_destroy(rng);
    mdl_quota_destroy(q);
}

static void random_calls_agree_with_a_brute_force_reference(void **state)
{
    (void)state;
    crosscheck(0);
    crosscheck(25 * SIM_MIN + 17 * SIM_SEC); /* 25 idle buckets first */
    crosscheck(7 * SIM_MIN);                 /* first call inside the first window */
}

/* ---- many calls at once: fits and commit against take by take ----------- */

/* Random intervals [t0, t1) of 1 s to 25 min (some longer than the 10-min
 * window), separated by idle gaps of 0 to 40 min (some longer than the
 * window, and crossing calendar resets), each with 0 to 60 calls at random
 * times. Quota `one` takes them record by record; quota `many` is asked
 * mdl_quota_fits for the same calls grouped per grid bucket, then commits
 * them (or, when they do not fit, takes them one by one as the per-record
 * path would, so the two stay in the same state). Expected, exactly:
 *   - fits says "all fit" iff no take of `one` is refused, and when not,
 *     the first refused take lies in the bucket fits named;
 *   - after a commit, used(now) agrees at t1 and at later times, and the
 *     peaks agree;
 *   - with extra = limit - (the highest count `one` held in the interval,
 *     at a bucket's start or after a take) they still fit, with one more
 *     they do not (when any call was made).
 * Limits 40 and 25 with up to 60 calls an interval: about a third of the
 * intervals do not fit, so both answers are exercised (counted below). */
static void check_batches(int calendar, double limit)
{
    const sim_time window = 10 * SIM_MIN;
    mdl_quota *one = make(limit, window, calendar, 0);
    mdl_quota *many = make(limit, window, calendar, 0);
    gsl_rng *rng = sim_rng_create(17, (uint64_t)calendar, "quota-batch", NULL);
    assert_non_null(rng);
    const sim_time g = mdl_quota_grid(many);
    assert_int_equal(g, SIM_MIN);
    enum { CALLS = 60, NB = 64 };
    sim_time t0 = (sim_time)gsl_rng_uniform_int(rng, 5 * SIM_MIN);
    int fitted = 0, refused = 0;
    for (int round = 0; round < 3000; round++) {
        sim_time len = SIM_SEC + (sim_time)gsl_rng_uniform_int(rng, 25 * SIM_MIN);
        sim_time t1 = t0 + len;
        size_t nb = (size_t)((t1 - 1) / g - t0 / g + 1);
        assert_true(nb <= NB);
        sim_time at[CALLS];
        int n = (int)gsl_rng_uniform_int(rng, CALLS + 1);
        for (int i = 0; i < n; i++)
            at[i] = t0 + (sim_time)gsl_rng_uniform_int(rng, (unsigned long)len);
        for (int i = 1; i < n; i++) /* insertion sort: calls in time order */
            for (int k = i; k > 0 && at[k] < at[k - 1]; k--) {
                sim_time x = at[k];
                at[k] = at[k - 1];
                at[k - 1] = x;
            }
        uint64_t calls[NB] = {0};
        for (int i = 0; i < n; i++)
            calls[at[i] / g - t0 / g]++;
        size_t fit = mdl_quota_fits(many, t0, calls, nb, 0);

        /* Take by take; high = the highest count in [t0, t1): at each
         * bucket's (clipped) start, where calls aged out, and after each
         * take. */
        size_t first_refused = nb;
        uint64_t high = 0;
        for (size_t j = 0, i = 0; j < nb; j++) {
            sim_time from = (t0 / g + (sim_time)j) * g;
            uint64_t u = mdl_quota_used(one, from > t0 ? from : t0);
            high = u > high ? u : high;
            for (; i < (size_t)n && (size_t)(at[i] / g - t0 / g) == j; i++) {
                if (!mdl_quota_take(one, at[i], 1) && first_refused == nb)
                    first_refused = j;
                u = mdl_quota_used(one, at[i]);
                high = u > high ? u : high;
            }
        }
        assert_int_equal(fit, first_refused);
        if (fit == nb) {
            fitted++;
            if (n > 0) {
                uint64_t slack = (uint64_t)limit - high;
                assert_int_equal(mdl_quota_fits(many, t0, calls, nb, slack), nb);
                assert_true(mdl_quota_fits(many, t0, calls, nb, slack + 1) < nb);
            }
            mdl_quota_commit(many, t0, calls, nb);
        } else {
            refused++;
            for (int i = 0; i < n; i++)
                mdl_quota_take(many, at[i], 1);
        }
        assert_int_equal(mdl_quota_peak(many), mdl_quota_peak(one));
        sim_time gap = gsl_rng_uniform(rng) < 0.2 ? (sim_time)gsl_rng_uniform_int(rng, 40 * SIM_MIN)
                                                  : (sim_time)gsl_rng_uniform_int(rng, 2 * SIM_MIN);
        for (sim_time now = t1; now <= t1 + gap; now += 1 + gap / 4)
            assert_int_equal(mdl_quota_used(many, now), mdl_quota_used(one, now));
        t0 = t1 + gap;
    }
    assert_true(fitted > 300 && refused > 300);
    sim_rng_destroy(rng);
    mdl_quota_destroy(many);
    mdl_quota_destroy(one);
}

static void batched_calls_fit_exactly_when_no_take_is_refused_rolling(void **state)
{
    (void)state;
    check_batches(0, 40);
    check_batches(0, 25);
}

static void batched_calls_fit_exactly_when_no_take_is_refused_calendar(void **state)
{
    (void)state;
    check_batches(1, 40);
    check_batches(1, 25);
}

/* A hand case on the rolling day of 1-minute buckets, limit 10: 6 calls in
 * bucket 0 and 3 in bucket 1 are held at t0 = 24 h + 30 s (bucket 1440).
 * At bucket 1440 the window holds buckets 0..1440 (n = 1440), so used(t0)
 * = 9; bucket 0 leaves at 1441, bucket 1 at 1442. Calls per bucket from
 * 1440: {1, 5, 3}. Counts: 9 + 1 = 10 (fits), 10 - 6 + 5 = 9 (fits),
 * 9 - 3 + 3 = 9 (fits): all fit, the peak stays 10. With extra = 1 the
 * first bucket is over (11 > 10): index 0. With {2, ...}: index 0. */
static void fits_follows_the_aged_out_buckets_by_hand(void **state)
{
    (void)state;
    mdl_quota *q = make(10, SIM_DAY, 0, 0);
    assert_int_equal(mdl_quota_take(q, 10 * SIM_SEC, 6), 1);
    assert_int_equal(mdl_quota_take(q, SIM_MIN + 10 * SIM_SEC, 3), 1);
    const sim_time t0 = SIM_DAY + 30 * SIM_SEC;
    const uint64_t calls[3] = {1, 5, 3}, over[3] = {2, 5, 3};
    assert_int_equal(mdl_quota_fits(q, t0, calls, 3, 0), 3);
    assert_int_equal(mdl_quota_fits(q, t0, calls, 3, 1), 0);
    assert_int_equal(mdl_quota_fits(q, t0, over, 3, 0), 0);
    assert_int_equal(mdl_quota_used(q, SIM_MIN + 10 * SIM_SEC), 9); /* fits changed nothing */
    mdl_quota_commit(q, t0, calls, 3);
    assert_int_equal(mdl_quota_peak(q), 10);
    assert_int_equal(mdl_quota_used(q, SIM_DAY + 3 * SIM_MIN - 1), 9);
    assert_int_equal(mdl_quota_refused(q), 0);
    mdl_quota_destroy(q);
}

static void bad_configurations_are_refused(void **state)
{
    (void)state;
    sim_err err;
    const mdl_quota_cfg bad[] = {
        {.limit = 0, .window = SIM_DAY},
        {.limit = -1, .window = SIM_DAY},
        {.limit = 10, .window = 0},
        {.limit = 10, .window = SIM_DAY, .bucket = 7 * SIM_MIN},    /* does not divide */
        {.limit = 10, .window = 90 * SIM_SEC},                      /* not whole minutes */
        {.limit = 10, .window = SIM_DAY, .bucket = -SIM_MIN},       /* negative */
        {.limit = 10, .window = SIM_DAY, .bucket = 2 * SIM_DAY},    /* wider than the window */
        {.limit = 10, .window = 1000 * SIM_DAY, .bucket = SIM_SEC}, /* 8.6e7 buckets */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.code = SIM_OK;
        assert_null(mdl_quota_create(&bad[i], &err));
        assert_int_equal(err.code, SIM_EINVAL);
    }
    /* A window of seconds with its bucket given is fine; calendar needs none. */
    mdl_quota_cfg ok = {.limit = 10, .window = 90 * SIM_SEC, .bucket = 10 * SIM_SEC};
    mdl_quota *q = mdl_quota_create(&ok, &err);
    assert_non_null(q);
    mdl_quota_destroy(q);
    mdl_quota_cfg cal = {.limit = 10, .window = 90 * SIM_SEC, .calendar = 1};
    q = mdl_quota_create(&cal, &err);
    assert_non_null(q);
    mdl_quota_destroy(q);
    mdl_quota_destroy(NULL);

    for (long k = 1; k <= 2; k++) {
        mdl_quota_cfg cfg = {.limit = 10, .window = SIM_DAY};
        sim_alloc_fail_after(k);
        q = mdl_quota_create(&cfg, &err);
        sim_alloc_fail_reset();
        assert_null(q);
        assert_int_equal(err.code, SIM_ENOMEM);
    }
}

/* take's fit test in integers (L = floor(limit) while limit < 2^53) says
 * what the sum in doubles against the limit says: limits below 1, with a
 * fraction, whole, around 2^53 and infinite; counts held and asked from 0
 * to UINT64_MAX, at, one below and one above each limit. The expected
 * value is the double expression itself, evaluated here. */
static void take_fits_as_the_sum_in_doubles(void **state)
{
    (void)state;
    const double limits[] = {0.5, 1.0, 2.5, 3.0, 1e6 + 0.999, 0x1p53 - 1, 0x1p53, 0x1p60, INFINITY};
    const uint64_t counts[] = {0,
                               1,
                               2,
                               3,
                               4,
                               999999,
                               1000000,
                               1000001,
                               (UINT64_C(1) << 53) - 2,
                               (UINT64_C(1) << 53) - 1,
                               UINT64_C(1) << 53,
                               (UINT64_C(1) << 53) + 1,
                               UINT64_C(1) << 60,
                               UINT64_MAX / 2,
                               UINT64_MAX};
    const size_t nl = sizeof limits / sizeof *limits, nc = sizeof counts / sizeof *counts;
    for (size_t a = 0; a < nl; a++)
        for (size_t b = 0; b < nc; b++) {
            if (counts[b] > UINT64_MAX / 2)
                continue; /* held: a forced count (the total plus a count stays below 2^64) */
            for (size_t c = 0; c < nc; c++) {
                mdl_quota *q = make(limits[a], SIM_DAY, 1, 0);
                mdl_quota_force(q, 0, counts[b]);
                double lim = limits[a];
                int want = (double)counts[c] <= lim && (double)counts[b] + (double)counts[c] <= lim;
                int got = mdl_quota_take(q, 0, counts[c]);
                if (got != want)
                    fail_msg("limit %.17g, held %" PRIu64 ", asked %" PRIu64 ": take %d, want %d",
                             lim, counts[b], counts[c], got, want);
                mdl_quota_destroy(q);
            }
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_call_counts_until_the_window_passes_the_end_of_its_bucket),
        cmocka_unit_test(a_refused_call_does_not_count),
        cmocka_unit_test(free_at_is_the_exact_time_enough_buckets_leave),
        cmocka_unit_test(a_calendar_window_resets_at_midnight),
        cmocka_unit_test(a_long_idle_gap_empties_the_window_once),
        cmocka_unit_test(the_bulk_pool_grants_15000_batches_per_rolling_day),
        cmocka_unit_test(random_calls_agree_with_a_brute_force_reference),
        cmocka_unit_test(batched_calls_fit_exactly_when_no_take_is_refused_rolling),
        cmocka_unit_test(batched_calls_fit_exactly_when_no_take_is_refused_calendar),
        cmocka_unit_test(fits_follows_the_aged_out_buckets_by_hand),
        cmocka_unit_test(take_fits_as_the_sum_in_doubles),
        cmocka_unit_test(bad_configurations_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
