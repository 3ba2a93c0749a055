/*
 * test_mdl_quota.c - call counts over rolling and calendar windows: exact
 * window edges, refusals, free_at, idle gaps and the Bulk API batch pool.
 */
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
 * times; every answer must match the reference exactly. */
static void random_calls_agree_with_a_brute_force_reference(void **state)
{
    (void)state;
    const sim_time window = 10 * SIM_MIN, bucket = SIM_MIN;
    const double limit = 40;
    mdl_quota *q = make(limit, window, 0, bucket);
    gsl_rng *rng = sim_rng_create(7, 0, "quota-crosscheck", NULL);
    assert_non_null(rng);
    enum { STEPS = 20000 };
    call *calls = calloc(STEPS, sizeof *calls);
    assert_non_null(calls);
    int ncalls = 0, first = 0;
    sim_time now = 0;
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
        cmocka_unit_test(bad_configurations_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
