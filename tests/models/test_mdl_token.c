/*
 * Tests of mdl_token: inline refresh latency paid by the first call after
 * expiry and shared by calls during the refresh; proactive refresh never
 * waiting; no refresh failing exactly at expiry; lifetimes drawn uniformly;
 * the mean refresh latency against U(200 ms, 500 ms).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mdl_token.h"
#include "sim_alloc.h"
#include "sim_result.h"
#include "sim_rng.h"

static void inline_refresh_is_paid_by_the_first_call_after_expiry(void **state)
{
    (void)state;
    gsl_rng *r = sim_rng_create(1, 0, "token", NULL);
    assert_non_null(r);
    mdl_token_cfg cfg = {.id = "sf", .mode = MDL_TOKEN_INLINE, .lifetime = SIM_HOUR, .rng = r};
    mdl_token *t = mdl_token_create(&cfg, 0, NULL);
    assert_non_null(t);
    sim_time extra = -1;
    assert_int_equal(mdl_token_use(t, SIM_HOUR - 1, &extra), 1);
    assert_int_equal(extra, 0);
    /* Expired at exactly one hour: this call refreshes, 200-500 ms. */
    assert_int_equal(mdl_token_use(t, SIM_HOUR, &extra), 1);
    sim_time d = extra;
    assert_true(d >= 200 * SIM_MS && d <= 500 * SIM_MS);
    /* A call 100 ms later waits for the same refresh: the rest of it. */
    assert_int_equal(mdl_token_use(t, SIM_HOUR + 100 * SIM_MS, &extra), 1);
    assert_int_equal(extra, d - 100 * SIM_MS);
    /* After the refresh, a fresh token for one hour from its end. */
    assert_int_equal(mdl_token_use(t, SIM_HOUR + d, &extra), 1);
    assert_int_equal(extra, 0);
    assert_int_equal(mdl_token_use(t, 2 * SIM_HOUR + d - 1, &extra), 1);
    assert_int_equal(extra, 0);
    assert_int_equal(mdl_token_use(t, 2 * SIM_HOUR + d, &extra), 1);
    assert_true(extra >= 200 * SIM_MS);
    assert_int_equal(mdl_token_refreshes(t), 2);
    assert_int_equal(mdl_token_waits(t), 3);
    mdl_token_destroy(t);
    sim_rng_destroy(r);
}

static void inline_refresh_latency_averages_350_ms(void **state)
{
    (void)state;
    gsl_rng *r = sim_rng_create(2, 0, "token", NULL);
    assert_non_null(r);
    mdl_token_cfg cfg = {.id = "sf", .mode = MDL_TOKEN_INLINE, .lifetime = 1, .rng = r};
    mdl_token *t = mdl_token_create(&cfg, 0, NULL);
    assert_non_null(t);
    /* Calls one second apart, lifetime 1 us: every call refreshes. N = 20,000
     * draws of U(0.2, 0.5) s: mean 0.35 s, sd 0.3/sqrt(12); 4 standard
     * errors of the mean (two-sided, p = 6e-5 by the normal approximation). */
    enum { N = 20000 };
    for (int k = 1; k <= N; k++) {
        sim_time extra;
        mdl_token_use(t, (sim_time)k * SIM_SEC, &extra);
    }
    assert_int_equal(mdl_token_refreshes(t), N);
    double mean = sim_time_to_seconds(mdl_token_wait_total(t)) / N;
    assert_true(fabs(mean - 0.35) <= 4.0 * (0.3 / sqrt(12.0)) / sqrt((double)N));
    mdl_token_destroy(t);
    sim_rng_destroy(r);
}

static void proactive_refresh_never_makes_a_call_wait(void **state)
{
    (void)state;
    mdl_token_cfg cfg = {.id = "sf", .mode = MDL_TOKEN_PROACTIVE, .lifetime = SIM_HOUR};
    mdl_token *t = mdl_token_create(&cfg, 0, NULL);
    assert_non_null(t);
    for (sim_time now = 0; now <= 330 * SIM_MIN; now += SIM_MIN) {
        sim_time extra = -1;
        assert_int_equal(mdl_token_use(t, now, &extra), 1);
        assert_int_equal(extra, 0);
    }
    /* Refreshed in the background at 1 h, 2 h, ... 5 h: 5 by 5 h 30. */
    assert_int_equal(mdl_token_refreshes(t), 5);
    assert_int_equal(mdl_token_waits(t), 0);
    mdl_token_destroy(t);
}

static void without_refresh_calls_fail_from_the_expiry_on(void **state)
{
    (void)state;
    mdl_token_cfg cfg = {.id = "sf", .mode = MDL_TOKEN_NONE}; /* default lifetime 2 h */
    mdl_token *t = mdl_token_create(&cfg, 0, NULL);
    assert_non_null(t);
    sim_time extra;
    assert_int_equal(mdl_token_use(t, 2 * SIM_HOUR - 1, &extra), 1);
    assert_int_equal(mdl_token_use(t, 2 * SIM_HOUR, &extra), 0);
    assert_int_equal(mdl_token_use(t, 3 * SIM_HOUR, &extra), 0);
    assert_int_equal(mdl_token_expired(t), 2);
    mdl_token_destroy(t);
}

static void entra_lifetimes_are_drawn_between_60_and_90_minutes(void **state)
{
    (void)state;
    gsl_rng *r = sim_rng_create(3, 0, "token", NULL);
    assert_non_null(r);
    for (int k = 0; k < 200; k++) {
        mdl_token_cfg cfg = {.id = "entra",
                             .mode = MDL_TOKEN_NONE,
                             .lifetime = 60 * SIM_MIN,
                             .lifetime_max = 90 * SIM_MIN,
                             .rng = r};
        mdl_token *t = mdl_token_create(&cfg, 0, NULL);
        assert_non_null(t);
        sim_time extra;
        assert_int_equal(mdl_token_use(t, 60 * SIM_MIN - 1, &extra), 1);
        assert_int_equal(mdl_token_use(t, 90 * SIM_MIN, &extra), 0);
        mdl_token_destroy(t);
    }
    sim_rng_destroy(r);
}

static void bad_configurations_are_rejected_and_publish_works(void **state)
{
    (void)state;
    sim_err err;
    mdl_token_cfg backwards = {.id = "x", .refresh_min = SIM_SEC, .refresh_max = SIM_MS};
    assert_null(mdl_token_create(&backwards, 0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_token_cfg no_rng = {.id = "x", .mode = MDL_TOKEN_INLINE}; /* 200-500 ms needs one */
    assert_null(mdl_token_create(&no_rng, 0, &err));

    mdl_token_cfg cfg = {.id = "sf", .mode = MDL_TOKEN_NONE, .lifetime = SIM_SEC};
    mdl_token *t = mdl_token_create(&cfg, 0, NULL);
    assert_non_null(t);
    mdl_token_use(t, SIM_SEC, NULL);
    sim_result *res = sim_result_create(NULL);
    assert_non_null(res);
    assert_int_equal(mdl_token_publish(t, res, NULL), SIM_OK);
    long i = sim_result_find(res, "caller.sf.token_expired_calls");
    assert_true(i >= 0 && sim_result_value(res, (size_t)i) == 1.0);
    sim_result_destroy(res);
    mdl_token_destroy(t);
}

static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    mdl_token_cfg cfg = {.id = "sf"};
    for (long n = 1;; n++) {
        sim_err err;
        sim_alloc_fail_after(n);
        mdl_token *t = mdl_token_create(&cfg, 0, &err);
        sim_alloc_fail_reset();
        if (t) {
            mdl_token_destroy(t);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inline_refresh_is_paid_by_the_first_call_after_expiry),
        cmocka_unit_test(inline_refresh_latency_averages_350_ms),
        cmocka_unit_test(proactive_refresh_never_makes_a_call_wait),
        cmocka_unit_test(without_refresh_calls_fail_from_the_expiry_on),
        cmocka_unit_test(entra_lifetimes_are_drawn_between_60_and_90_minutes),
        cmocka_unit_test(bad_configurations_are_rejected_and_publish_works),
        cmocka_unit_test(create_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
