/*
 * test_plan_search.c - the pure logic of sweep and plan: --vary value
 * lists and ranges, the order of the cartesian product, and the load search
 * on step predicates whose threshold is known exactly.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plan_search.h"
#include "sim_alloc.h"

static void expect_values(const char *list, const char *const *want, int n)
{
    plan_search_dim d = {0};
    sim_err err;
    int rc = plan_search_expand(list, &d, &err);
    if (rc != SIM_OK)
        fail_msg("'%s': %s", list, err.msg);
    if (d.nvalues != n)
        fail_msg("'%s': %d values, want %d", list, d.nvalues, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(d.values[i], want[i]);
    plan_search_dim_fini(&d);
}

static void expect_error(const char *list, const char *fragment)
{
    plan_search_dim d = {0};
    sim_err err;
    assert_int_equal(plan_search_expand(list, &d, &err), SIM_EPARSE);
    if (!strstr(err.msg, fragment))
        fail_msg("'%s': message '%s' lacks '%s'", list, err.msg, fragment);
    assert_int_equal(d.nvalues, 0);
    assert_null(d.values);
}

static void a_load_range_gives_nine_multipliers(void **state)
{
    (void)state;
    const char *want[] = {"1x", "1.5x", "2x", "2.5x", "3x", "3.5x", "4x", "4.5x", "5x"};
    expect_values("1x..5x/0.5x", want, 9);
    expect_values("1x..5x/0.5", want, 9); /* a step without the unit */
}

static void a_decimal_range_keeps_its_end_despite_rounding(void **state)
{
    (void)state;
    /* (0.3 - 0.1) / 0.1 = 1.9999999999999998 in binary: the end is still in,
     * and 0.1 + 2 * 0.1 = 0.30000000000000004 prints as 0.3 */
    const char *want[] = {"0.1", "0.2", "0.3"};
    expect_values("0.1..0.3/0.1", want, 3);
    /* 0.7 / 0.1 = 6.999999999999999: eight values 0..0.7 */
    const char *want7[] = {"0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"};
    expect_values("0..0.7/0.1", want7, 8);
}

static void a_range_stops_at_the_last_step_below_its_end(void **state)
{
    (void)state;
    const char *want[] = {"1x", "1.4x", "1.8x"};
    expect_values("1x..2x/0.4x", want, 3);
    const char *one[] = {"2x"};
    expect_values("2x..2x/1x", one, 1);
}

static void a_range_keeps_a_unit_with_a_slash(void **state)
{
    (void)state;
    const char *want[] = {"10k/day", "20k/day", "30k/day"};
    expect_values("10k/day..30k/day/10k/day", want, 3);
    expect_values("10k/day..30k/day/10", want, 3);
}

static void lists_mix_values_and_ranges_and_keep_yaml_lists_whole(void **state)
{
    (void)state;
    const char *want[] = {"8", "10", "12", "16", "20"};
    expect_values("8, 10..12/2,16,20", want, 5);
    const char *lists[] = {"[Account,Order]", "[]", "{a: 1, b: 2}"};
    expect_values("[Account,Order],[],{a: 1, b: 2}", lists, 3);
    const char *words[] = {"realtime", "batch"};
    expect_values("realtime,batch", words, 2);
}

static void bad_ranges_are_refused_with_the_reason(void **state)
{
    (void)state;
    expect_error("1x..5x", "no step");
    expect_error("1x..5x/0x", "STEP must be > 0");
    expect_error("1x..5x/-1x", "STEP must be > 0");
    expect_error("5x..1x/1x", "TO must not be below FROM");
    expect_error("1x..5/1", "same unit");
    expect_error("1x..5x/1s", "unit of FROM and TO");
    expect_error("a..b/1", "numbers");
    expect_error("1..100000/1", "more than 1000 values");
    expect_error("1x,,2x", "empty value");
    expect_error("", "empty value");
}

static void a_vary_argument_splits_at_the_first_equals_sign(void **state)
{
    (void)state;
    plan_search_dim d = {0};
    sim_err err;
    assert_int_equal(plan_search_parse_vary("systems.erp.api.workers=4,8", &d, &err), SIM_OK);
    assert_string_equal(d.path, "systems.erp.api.workers");
    assert_int_equal(d.nvalues, 2);
    assert_string_equal(d.values[1], "8");
    plan_search_dim_fini(&d);
    assert_null(d.path);
    assert_int_equal(plan_search_parse_vary("load", &d, &err), SIM_EPARSE);
    assert_int_equal(plan_search_parse_vary("=1x", &d, &err), SIM_EPARSE);
    assert_int_equal(plan_search_parse_vary("load=", &d, &err), SIM_EPARSE);
    assert_null(d.path);
}

static void the_number_of_a_value_is_its_leading_quantity(void **state)
{
    (void)state;
    double x = 0;
    assert_int_equal(plan_search_number("1.5x", &x), 0);
    assert_true(x == 1.5);
    assert_int_equal(plan_search_number("150k/day", &x), 0);
    assert_true(x == 150);
    assert_int_equal(plan_search_number("none", &x), -1);
    assert_int_equal(plan_search_number("[A,B]", &x), -1);
    assert_int_equal(plan_search_number("nan", &x), -1);
}

static void the_last_dimension_of_a_product_varies_fastest(void **state)
{
    (void)state;
    int n[3] = {2, 3, 2};
    assert_int_equal(plan_search_points(n, 3), 12);
    int idx[3], seen[12] = {0};
    /* nested-loop order: a = outer, c = inner */
    long p = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 3; b++)
            for (int c = 0; c < 2; c++, p++) {
                plan_search_point(n, 3, p, idx);
                assert_int_equal(idx[0], a);
                assert_int_equal(idx[1], b);
                assert_int_equal(idx[2], c);
                seen[idx[0] * 6 + idx[1] * 2 + idx[2]]++;
            }
    for (int i = 0; i < 12; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(plan_search_points(n, 0), 1);
    int big[2] = {1000, 1000};
    assert_int_equal(plan_search_points(big, 2), -1);
    int zero[1] = {0};
    assert_int_equal(plan_search_points(zero, 1), -1);
}

/* ---- the load search -------------------------------------------------------- */

typedef struct step {
    double threshold; /* holds iff load <= threshold */
    int calls;
    double seen[64];
} step;

static int step_holds(void *ctx, double load)
{
    step *s = ctx;
    if (s->calls < 64)
        s->seen[s->calls] = load;
    s->calls++;
    return load <= s->threshold;
}

static void check_bracket(double threshold, double tol, double want_lo_min)
{
    step s = {.threshold = threshold};
    plan_search_cfg cfg = {.start = 1, .min = 1.0 / 64, .max = 64, .tol = tol};
    plan_search_result r;
    sim_err err;
    assert_int_equal(plan_search_load(&cfg, step_holds, &s, &r, &err), SIM_OK);
    assert_int_equal(r.outcome, PLAN_SEARCH_FOUND);
    /* the bracket holds the threshold and is as narrow as asked */
    if (!(r.lo <= threshold && threshold < r.hi && r.hi - r.lo <= tol * r.lo))
        fail_msg("threshold %g: bracket [%g, %g], tol %g", threshold, r.lo, r.hi, tol);
    assert_true(r.lo >= want_lo_min);
    assert_int_equal(r.evaluations, s.calls);
}

static void the_search_brackets_a_step_threshold_within_the_tolerance(void **state)
{
    (void)state;
    check_bracket(2.7, 0.05, 2.7 / 1.05);
    check_bracket(2.7, 0.001, 2.7 / 1.001);
    check_bracket(1.0, 0.05, 1.0 / 1.05); /* holds exactly at the start */
    check_bracket(0.3, 0.02, 0.3 / 1.02); /* fails at 1x: halving */
    check_bracket(40, 0.05, 40 / 1.05);
}

static void the_search_doubles_then_bisects(void **state)
{
    (void)state;
    step s = {.threshold = 3.2};
    plan_search_cfg cfg = {.start = 1, .min = 0.125, .max = 64, .tol = 0.1};
    plan_search_result r;
    assert_int_equal(plan_search_load(&cfg, step_holds, &s, &r, NULL), SIM_OK);
    /* 1, 2, 4 (fails), then 3 (holds), 3.5 (fails), 3.25 (fails): 3.25 - 3 <= 0.3 */
    const double want[] = {1, 2, 4, 3, 3.5, 3.25};
    assert_int_equal(s.calls, 6);
    for (int i = 0; i < 6; i++)
        assert_true(s.seen[i] == want[i]);
    assert_true(r.lo == 3 && r.hi == 3.25);
}

static void the_search_reports_when_the_limits_are_reached(void **state)
{
    (void)state;
    plan_search_cfg cfg = {.start = 1, .min = 0.25, .max = 10, .tol = 0.05};
    plan_search_result r;
    step always = {.threshold = 1e9};
    assert_int_equal(plan_search_load(&cfg, step_holds, &always, &r, NULL), SIM_OK);
    assert_int_equal(r.outcome, PLAN_SEARCH_ABOVE_MAX);
    assert_true(r.lo == 10 && isinf(r.hi));
    assert_true(always.seen[always.calls - 1] == 10); /* the max itself was tried */
    step never = {.threshold = 0.01};
    assert_int_equal(plan_search_load(&cfg, step_holds, &never, &r, NULL), SIM_OK);
    assert_int_equal(r.outcome, PLAN_SEARCH_BELOW_MIN);
    assert_true(r.lo == 0 && r.hi == 0.25);
    sim_err err;
    cfg.tol = 0;
    assert_int_equal(plan_search_load(&cfg, step_holds, &never, &r, &err), SIM_EINVAL);
}

static int failing(void *ctx, double load)
{
    (void)ctx;
    return load > 2 ? SIM_ENOMEM : 1;
}

static void an_error_of_the_predicate_stops_the_search(void **state)
{
    (void)state;
    plan_search_cfg cfg = {.start = 1, .min = 0.25, .max = 64, .tol = 0.05};
    plan_search_result r;
    assert_int_equal(plan_search_load(&cfg, failing, NULL, &r, NULL), SIM_ENOMEM);
    assert_true(r.lo == 2); /* the bracket so far */
}

static void out_of_memory_leaves_no_partial_list(void **state)
{
    (void)state;
    for (long n = 1; n < 8; n++) {
        plan_search_dim d = {0};
        sim_alloc_fail_after(n);
        int rc = plan_search_parse_vary("load=1x..3x/1x", &d, NULL);
        sim_alloc_fail_reset();
        if (rc == SIM_OK) {
            assert_int_equal(d.nvalues, 3);
        } else {
            assert_int_equal(rc, SIM_ENOMEM);
            assert_null(d.values);
            assert_null(d.path);
        }
        plan_search_dim_fini(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_load_range_gives_nine_multipliers),
        cmocka_unit_test(a_decimal_range_keeps_its_end_despite_rounding),
        cmocka_unit_test(a_range_stops_at_the_last_step_below_its_end),
        cmocka_unit_test(a_range_keeps_a_unit_with_a_slash),
        cmocka_unit_test(lists_mix_values_and_ranges_and_keep_yaml_lists_whole),
        cmocka_unit_test(bad_ranges_are_refused_with_the_reason),
        cmocka_unit_test(a_vary_argument_splits_at_the_first_equals_sign),
        cmocka_unit_test(the_number_of_a_value_is_its_leading_quantity),
        cmocka_unit_test(the_last_dimension_of_a_product_varies_fastest),
        cmocka_unit_test(the_search_brackets_a_step_threshold_within_the_tolerance),
        cmocka_unit_test(the_search_doubles_then_bisects),
        cmocka_unit_test(the_search_reports_when_the_limits_are_reached),
        cmocka_unit_test(an_error_of_the_predicate_stops_the_search),
        cmocka_unit_test(out_of_memory_leaves_no_partial_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
