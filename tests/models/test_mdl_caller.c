/*
 * Tests of mdl_caller: immediate refusal when every thread is held, the
 * exact time exhausted and utilisation of a scripted schedule (integer
 * microseconds: exact), the series, defaults and publish.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mdl_caller.h"
#include "sim_alloc.h"
#include "sim_result.h"

static void a_full_pool_refuses_at_once_and_counts_the_time_exhausted(void **state)
{
    (void)state;
    mdl_caller_cfg cfg = {.id = "web", .size = 2};
    mdl_caller *c = mdl_caller_create(&cfg, 0, NULL);
    assert_non_null(c);
    /* in use: 0 s: 1, 1 s: 2 (full), 2 s: refused, 4 s: 1, 5 s: 2 (full),
     * 8 s: 1, 10 s: end. Full on [1, 4) and [5, 8): 6 s. Area:
     * 1*1 + 2*3 + 1*1 + 2*3 + 1*2 = 16 thread-seconds over 10 s. */
    assert_int_equal(mdl_caller_acquire(c, 0), 1);
    assert_int_equal(mdl_caller_acquire(c, 1 * SIM_SEC), 1);
    assert_int_equal(mdl_caller_acquire(c, 2 * SIM_SEC), 0);
    mdl_caller_release(c, 4 * SIM_SEC);
    assert_int_equal(mdl_caller_acquire(c, 5 * SIM_SEC), 1);
    mdl_caller_release(c, 8 * SIM_SEC);
    mdl_caller_stats s;
    mdl_caller_stats_get(c, 10 * SIM_SEC, &s);
    assert_int_equal(s.refused, 1);
    assert_int_equal(s.acquired, 3);
    assert_int_equal(s.max_in_use, 2);
    assert_int_equal(s.in_use, 1);
    assert_int_equal(s.time_exhausted, 6 * SIM_SEC);
    assert_true(fabs(s.mean_in_use - 1.6) < 1e-12);
    assert_true(fabs(s.utilisation - 0.8) < 1e-12);
    /* A period of exhaustion still running counts up to now. */
    assert_int_equal(mdl_caller_acquire(c, 10 * SIM_SEC), 1);
    mdl_caller_stats_get(c, 13 * SIM_SEC, &s);
    assert_int_equal(s.time_exhausted, 9 * SIM_SEC);
    mdl_caller_destroy(c);
}

static void the_default_pool_has_25_threads(void **state)
{
    (void)state;
    mdl_caller_cfg cfg = {.id = "app"};
    mdl_caller *c = mdl_caller_create(&cfg, 0, NULL);
    assert_non_null(c);
    assert_int_equal(mdl_caller_size(c), 25);
    for (int k = 0; k < 25; k++)
        assert_int_equal(mdl_caller_acquire(c, 0), 1);
    assert_int_equal(mdl_caller_acquire(c, 0), 0);
    mdl_caller_destroy(c);
}

static void publish_gives_utilisation_and_the_in_use_series(void **state)
{
    (void)state;
    mdl_caller_cfg cfg = {
        .id = "crm", .size = 4, .series_interval = 10 * SIM_SEC, .series_bins = 2};
    mdl_caller *c = mdl_caller_create(&cfg, 0, NULL);
    assert_non_null(c);
    for (int k = 0; k < 4; k++)
        mdl_caller_acquire(c, 5 * SIM_SEC); /* 4 in use from 5 s */
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_caller_publish(c, 20 * SIM_SEC, r, NULL), SIM_OK);
    long i = sim_result_find(r, "caller.crm.pool_exhausted_s");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 15.0);
    i = sim_result_find(r, "caller.crm.pool_utilisation");
    assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 0.75) < 1e-12);
    i = sim_result_find(r, "caller.crm.pool_in_use_series");
    assert_true(i >= 0);
    const sim_series *s = sim_result_series_at(r, (size_t)i);
    assert_true(fabs(sim_series_value(s, 0) - 2.0) < 1e-12); /* 0 for 5 s, 4 for 5 s */
    assert_true(fabs(sim_series_value(s, 1) - 4.0) < 1e-12);
    sim_result_destroy(r);
    mdl_caller_destroy(c);
}

static void bad_configurations_are_rejected(void **state)
{
    (void)state;
    sim_err err;
    mdl_caller_cfg negative = {.id = "x", .size = -2};
    assert_null(mdl_caller_create(&negative, 0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_caller_cfg no_id = {.size = 2};
    assert_null(mdl_caller_create(&no_id, 0, &err));
}

static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    mdl_caller_cfg cfg = {.id = "web", .series_interval = SIM_SEC, .series_bins = 10};
    for (long n = 1;; n++) {
        sim_err err;
        sim_alloc_fail_after(n);
        mdl_caller *c = mdl_caller_create(&cfg, 0, &err);
        sim_alloc_fail_reset();
        if (c) {
            mdl_caller_destroy(c);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_full_pool_refuses_at_once_and_counts_the_time_exhausted),
        cmocka_unit_test(the_default_pool_has_25_threads),
        cmocka_unit_test(publish_gives_utilisation_and_the_in_use_series),
        cmocka_unit_test(bad_configurations_are_rejected),
        cmocka_unit_test(create_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
