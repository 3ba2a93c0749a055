/*
 * Tests of mdl_ratelimit: the bucketed sliding window and its Retry-After,
 * computed by hand in integer microseconds (exact), the Dataverse default,
 * the never-overshoot property against an exact sliding log, and publish.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mdl_ratelimit.h"
#include "sim_alloc.h"
#include "sim_result.h"
#include "sim_rng.h"

#define S(x) ((sim_time)((x)*1e6 + 0.5)) /* seconds -> ticks, for literals */

static void retry_after_is_the_time_until_the_oldest_bucket_leaves(void **state)
{
    (void)state;
    /* N = 3 per W = 10 s, buckets of 1 s, exact Retry-After (unit 1 us). */
    mdl_ratelimit_cfg cfg = {
        .id = "erp", .limit = 3, .window = S(10), .bucket = S(1), .retry_after_unit = 1};
    mdl_ratelimit *rl = mdl_ratelimit_create(&cfg, NULL);
    assert_non_null(rl);
    sim_time ra = -7;
    assert_int_equal(mdl_ratelimit_take(rl, S(0), &ra), 1);
    assert_int_equal(mdl_ratelimit_take(rl, S(0.5), &ra), 1); /* bucket 0 holds 2 */
    assert_int_equal(mdl_ratelimit_take(rl, S(2), &ra), 1);   /* bucket 2 holds 1 */
    assert_int_equal(ra, -7);                                 /* untouched when accepted */
    /* Full. Bucket 0 = [0, 1 s) counts until (0 + 1) s + 10 s = 11 s. */
    assert_int_equal(mdl_ratelimit_take(rl, S(3), &ra), 0);
    assert_int_equal(ra, S(8));
    assert_int_equal(mdl_ratelimit_take(rl, S(11) - 1, &ra), 0);
    assert_int_equal(ra, 1);
    assert_int_equal(mdl_ratelimit_used(rl, S(11) - 1), 3);
    /* At 11 s bucket 0 leaves with its 2 requests: two slots free. */
    assert_int_equal(mdl_ratelimit_used(rl, S(11)), 1);
    assert_int_equal(mdl_ratelimit_take(rl, S(11), &ra), 1);
    assert_int_equal(mdl_ratelimit_take(rl, S(11.2), &ra), 1);
    /* Full again: the oldest non-empty bucket is now bucket 2 -> 13 s. */
    assert_int_equal(mdl_ratelimit_take(rl, S(11.5), &ra), 0);
    assert_int_equal(ra, S(1.5));
    assert_int_equal(mdl_ratelimit_accepted(rl), 5);
    assert_int_equal(mdl_ratelimit_refused(rl), 3);
    assert_int_equal(mdl_ratelimit_peak(rl), 3);
    /* A long silence forgets everything. */
    assert_int_equal(mdl_ratelimit_used(rl, S(1000)), 0);
    assert_int_equal(mdl_ratelimit_take(rl, S(1000), &ra), 1);
    mdl_ratelimit_destroy(rl);
}

static void retry_after_rounds_up_to_whole_seconds_by_default(void **state)
{
    (void)state;
    mdl_ratelimit_cfg cfg = {.id = "erp", .limit = 1, .window = S(10), .bucket = S(1)};
    mdl_ratelimit *rl = mdl_ratelimit_create(&cfg, NULL);
    assert_non_null(rl);
    sim_time ra;
    assert_int_equal(mdl_ratelimit_take(rl, S(0.25), &ra), 1);
    /* Frees at 11 s: 7.5 s from 3.5 s, sent as 8 s (HTTP delta-seconds). */
    assert_int_equal(mdl_ratelimit_take(rl, S(3.5), &ra), 0);
    assert_int_equal(ra, S(8));
    /* A client that waits the Retry-After gets in. */
    assert_int_equal(mdl_ratelimit_take(rl, S(3.5) + ra, &ra), 1);
    mdl_ratelimit_destroy(rl);
}

static void the_dataverse_default_is_6000_per_300_seconds(void **state)
{
    (void)state;
    mdl_ratelimit_cfg cfg = {.id = "dataverse"};
    mdl_ratelimit *rl = mdl_ratelimit_create(&cfg, NULL);
    assert_non_null(rl);
    sim_time ra;
    for (int k = 0; k < 6000; k++)
        assert_int_equal(mdl_ratelimit_take(rl, S(0), &ra), 1);
    assert_int_equal(mdl_ratelimit_take(rl, S(0), &ra), 0);
    /* Bucket [0, 1 s) leaves at 301 s: one bucket (0.3 %) later than an
     * exact log would free it (300 s) - the documented conservative side. */
    assert_int_equal(ra, S(301));
    assert_int_equal(mdl_ratelimit_take(rl, S(300), &ra), 0);
    assert_int_equal(mdl_ratelimit_take(rl, S(301), &ra), 1);
    mdl_ratelimit_destroy(rl);
}

/* Poisson arrivals at twice the allowed rate. The accepted requests never
 * number more than N in any window (t - W, t] (checked against an exact
 * sliding log), and the limiter still passes close to N / W: at least
 * N / (W + B) in the long run, since a request is remembered at most one
 * bucket longer than W (3 % slack for the randomness of 25,000 requests). */
static void no_sliding_window_ever_holds_more_than_n(void **state)
{
    (void)state;
    enum { LIMIT = 20, MAXACC = 100000 };
    const sim_time W = S(10);
    mdl_ratelimit_cfg cfg = {.id = "x", .limit = LIMIT, .window = W, .bucket = S(0.5)};
    mdl_ratelimit *rl = mdl_ratelimit_create(&cfg, NULL);
    assert_non_null(rl);
    gsl_rng *r = sim_rng_create(7, 0, "arrivals", NULL);
    assert_non_null(r);
    static sim_time acc[MAXACC];
    int nacc = 0, head = 0;
    sim_time t = 0;
    for (int k = 0; k < 50000; k++) {
        t +=
            sim_time_clamp_seconds(gsl_ran_exponential(r, 0.25)); /* 4 / s offered, 2 / s allowed */
        if (mdl_ratelimit_take(rl, t, NULL)) {
            assert_true(nacc < MAXACC);
            acc[nacc++] = t;
            while (acc[head] <= t - W) /* exact log: (t - W, t] */
                head++;
            assert_true(nacc - head <= LIMIT);
        }
    }
    double rate = (double)nacc / sim_time_to_seconds(t);
    assert_true(rate > 2.0 * 10.0 / 10.5 * 0.97 && rate <= 2.0 * 1.001);
    sim_rng_destroy(r);
    mdl_ratelimit_destroy(rl);
}

static void bad_configurations_are_rejected(void **state)
{
    (void)state;
    sim_err err;
    mdl_ratelimit_cfg not_dividing = {.id = "x", .window = S(10), .bucket = S(3)};
    assert_null(mdl_ratelimit_create(&not_dividing, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_ratelimit_cfg no_id = {.limit = 5};
    assert_null(mdl_ratelimit_create(&no_id, &err));
    mdl_ratelimit_cfg negative = {.id = "x", .window = -1};
    assert_null(mdl_ratelimit_create(&negative, &err));
}

static void publish_names_the_system(void **state)
{
    (void)state;
    mdl_ratelimit_cfg cfg = {.id = "d365", .limit = 1, .window = S(10), .bucket = S(1)};
    mdl_ratelimit *rl = mdl_ratelimit_create(&cfg, NULL);
    sim_result *res = sim_result_create(NULL);
    assert_non_null(rl);
    assert_non_null(res);
    mdl_ratelimit_take(rl, 0, NULL);
    mdl_ratelimit_take(rl, 1, NULL);
    assert_int_equal(mdl_ratelimit_publish(rl, res, NULL), SIM_OK);
    long i = sim_result_find(res, "system.d365.rate_limited");
    assert_true(i >= 0);
    assert_true(sim_result_value(res, (size_t)i) == 1.0);
    i = sim_result_find(res, "system.d365.rate_limit_peak_share");
    assert_true(i >= 0 && sim_result_value(res, (size_t)i) == 1.0);
    sim_result_destroy(res);
    mdl_ratelimit_destroy(rl);
}

static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    mdl_ratelimit_cfg cfg = {.id = "erp"};
    for (long n = 1;; n++) {
        sim_err err;
        sim_alloc_fail_after(n);
        mdl_ratelimit *rl = mdl_ratelimit_create(&cfg, &err);
        sim_alloc_fail_reset();
        if (rl) {
            mdl_ratelimit_destroy(rl);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retry_after_is_the_time_until_the_oldest_bucket_leaves),
        cmocka_unit_test(retry_after_rounds_up_to_whole_seconds_by_default),
        cmocka_unit_test(the_dataverse_default_is_6000_per_300_seconds),
        cmocka_unit_test(no_sliding_window_ever_holds_more_than_n),
        cmocka_unit_test(bad_configurations_are_rejected),
        cmocka_unit_test(create_survives_every_allocation_failure),
        cmocka_unit_test(publish_names_the_system),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
