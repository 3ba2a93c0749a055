/*
 * Tests of mdl_backoff: the exponential expo(n) = min(cap, base 2^n) exactly,
 * each jitter formula's range and mean against REFERENCE.md G3, Retry-After
 * overriding every strategy, defaults and bad configurations.
 *
 * Statistical checks draw N = 40,000 sleeps. A sample mean is within 4
 * standard errors of its expectation with probability 0.99994 (normal
 * approximation, excellent for sums of 40,000 bounded variates); the seed is
 * fixed, so the test is deterministic, and 4 SE keeps it from being fragile
 * to a change of generator.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mdl_backoff.h"
#include "sim_rng.h"

#define N 40000

static gsl_rng *rng_for(const char *name)
{
    gsl_rng *r = sim_rng_create(42, 0, name, NULL);
    assert_non_null(r);
    return r;
}

static void no_jitter_doubles_from_twice_the_base_up_to_the_cap(void **state)
{
    (void)state;
    mdl_backoff_cfg cfg = {.jitter = MDL_JITTER_NONE, .base = 100 * SIM_MS, .cap = SIM_SEC};
    /* n = 1 is the first retry: base * 2^1 (the AWS simulator's convention). */
    assert_int_equal(mdl_backoff_expo(&cfg, 1), 200 * SIM_MS);
    assert_int_equal(mdl_backoff_expo(&cfg, 2), 400 * SIM_MS);
    assert_int_equal(mdl_backoff_expo(&cfg, 3), 800 * SIM_MS);
    assert_int_equal(mdl_backoff_expo(&cfg, 4), SIM_SEC); /* 1.6 s capped */
    assert_int_equal(mdl_backoff_expo(&cfg, 200), SIM_SEC);
    assert_int_equal(mdl_backoff_expo(&cfg, 100000), SIM_SEC); /* no overflow */
    sim_time prev = 0;
    for (int n = 1; n <= 5; n++)
        assert_int_equal(mdl_backoff_delay(&cfg, n, &prev, -1, NULL), mdl_backoff_expo(&cfg, n));
    assert_int_equal(prev, SIM_SEC);
}

static void zero_fields_take_the_documented_defaults(void **state)
{
    (void)state;
    mdl_backoff_cfg cfg = {0};
    assert_int_equal(cfg.jitter, MDL_JITTER_FULL);
    assert_int_equal(mdl_backoff_check(&cfg, NULL), SIM_OK);
    /* base 500 ms: the first retry's expo is 1 s; cap 30 s from n = 6 on. */
    assert_int_equal(mdl_backoff_expo(&cfg, 1), SIM_SEC);
    assert_int_equal(mdl_backoff_expo(&cfg, 5), 16 * SIM_SEC);
    assert_int_equal(mdl_backoff_expo(&cfg, 6), 30 * SIM_SEC);
}

/* Mean and range of N sleeps for retry n with a fresh prev each time. */
static void sample(const mdl_backoff_cfg *cfg, int n, sim_time prev0, gsl_rng *r, double *mean,
                   sim_time *lo, sim_time *hi)
{
    double sum = 0.0;
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    for (int k = 0; k < N; k++) {
        sim_time prev = prev0;
        sim_time d = mdl_backoff_delay(cfg, n, &prev, -1, r);
        assert_int_equal(prev, d);
        sum += (double)d;
        if (d < *lo)
            *lo = d;
        if (d > *hi)
            *hi = d;
    }
    *mean = sum / N;
}

static void full_jitter_is_uniform_between_zero_and_expo(void **state)
{
    (void)state;
    gsl_rng *r = rng_for("full");
    mdl_backoff_cfg cfg = {.jitter = MDL_JITTER_FULL, .base = 100 * SIM_MS, .cap = 10 * SIM_SEC};
    for (int n = 1; n <= 8; n += 7) { /* n = 1 (200 ms) and n = 8 (capped at 10 s) */
        double e = (double)mdl_backoff_expo(&cfg, n);
        double mean;
        sim_time lo, hi;
        sample(&cfg, n, 0, r, &mean, &lo, &hi);
        assert_true(lo >= 0 && (double)hi <= e);
        /* U(0, e): mean e/2, sd e/sqrt(12). */
        double se = e / sqrt(12.0) / sqrt((double)N);
        assert_true(fabs(mean - e / 2.0) <= 4.0 * se);
        /* The range is actually used: the extremes come within 1 % of it. */
        assert_true((double)lo < 0.01 * e && (double)hi > 0.99 * e);
    }
    sim_rng_destroy(r);
}

static void equal_jitter_keeps_half_of_expo_and_jitters_the_rest(void **state)
{
    (void)state;
    gsl_rng *r = rng_for("equal");
    mdl_backoff_cfg cfg = {.jitter = MDL_JITTER_EQUAL, .base = 100 * SIM_MS, .cap = 10 * SIM_SEC};
    int n = 3; /* expo = 800 ms */
    double e = (double)mdl_backoff_expo(&cfg, n);
    double mean;
    sim_time lo, hi;
    sample(&cfg, n, 0, r, &mean, &lo, &hi);
    assert_true((double)lo >= e / 2.0 && (double)hi <= e);
    /* e/2 + U(0, e/2): mean 3e/4, sd (e/2)/sqrt(12). */
    double se = (e / 2.0) / sqrt(12.0) / sqrt((double)N);
    assert_true(fabs(mean - 0.75 * e) <= 4.0 * se);
    sim_rng_destroy(r);
}

static void decorrelated_jitter_starts_from_the_base_and_grows_from_prev(void **state)
{
    (void)state;
    gsl_rng *r = rng_for("decorrelated");
    double base = 100e3, cap = 1e6; /* 100 ms and 1 s, in us */
    mdl_backoff_cfg cfg = {
        .jitter = MDL_JITTER_DECORRELATED, .base = (sim_time)base, .cap = (sim_time)cap};
    double mean;
    sim_time lo, hi;

    /* First retry: prev = sleep_0 = base, so U(base, 3 base): mean 2 base. */
    sample(&cfg, 1, 0, r, &mean, &lo, &hi);
    assert_true((double)lo >= base && (double)hi <= 3.0 * base);
    assert_true(fabs(mean - 2.0 * base) <= 4.0 * (2.0 * base / sqrt(12.0) / sqrt((double)N)));

    /* prev = 200 ms: U(100 ms, 600 ms), below the cap: mean 350 ms. */
    sample(&cfg, 2, 200000, r, &mean, &lo, &hi);
    assert_true((double)lo >= base && (double)hi <= 600e3);
    assert_true(fabs(mean - 350e3) <= 4.0 * (500e3 / sqrt(12.0) / sqrt((double)N)));

    /* prev = 500 ms: min(cap, U(100 ms, 1.5 s)). With a = base, b = 3 prev,
     * E = [(cap^2 - a^2)/2 + cap (b - cap)] / (b - a) = 0.7 s, and
     * P(sleep = cap) = (b - cap) / (b - a) = 5/14. */
    double a = base, b = 1.5e6;
    double expect = ((cap * cap - a * a) / 2.0 + cap * (b - cap)) / (b - a);
    double p_cap = (b - cap) / (b - a);
    double sum = 0.0, sum2 = 0.0;
    int at_cap = 0;
    for (int k = 0; k < N; k++) {
        sim_time prev = 500000;
        double d = (double)mdl_backoff_delay(&cfg, 3, &prev, -1, r);
        assert_true(d >= base && d <= cap);
        at_cap += d == cap;
        sum += d;
        sum2 += d * d;
    }
    mean = sum / N;
    double sd = sqrt(sum2 / N - mean * mean);
    assert_true(fabs(mean - expect) <= 4.0 * sd / sqrt((double)N));
    double se_p = sqrt(p_cap * (1 - p_cap) / N);
    assert_true(fabs((double)at_cap / N - p_cap) <= 4.0 * se_p);
    sim_rng_destroy(r);
}

static void retry_after_overrides_every_strategy_exactly(void **state)
{
    (void)state;
    gsl_rng *r = rng_for("retry-after");
    for (int j = MDL_JITTER_FULL; j <= MDL_JITTER_DECORRELATED; j++) {
        mdl_backoff_cfg cfg = {.jitter = (mdl_jitter)j, .base = 100 * SIM_MS, .cap = SIM_SEC};
        sim_time prev = 0;
        /* Longer than the cap: a server's Retry-After is not capped. */
        assert_int_equal(mdl_backoff_delay(&cfg, 1, &prev, 7 * SIM_SEC, r), 7 * SIM_SEC);
        assert_int_equal(prev, 7 * SIM_SEC);
        assert_int_equal(mdl_backoff_delay(&cfg, 2, &prev, 0, r), 0);
    }
    sim_rng_destroy(r);
}

static void bad_configurations_are_rejected(void **state)
{
    (void)state;
    sim_err err;
    mdl_backoff_cfg cap_below_base = {.base = 2 * SIM_SEC, .cap = SIM_SEC};
    assert_int_equal(mdl_backoff_check(&cap_below_base, &err), SIM_EINVAL);
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_backoff_cfg negative = {.base = -1};
    assert_int_equal(mdl_backoff_check(&negative, NULL), SIM_EINVAL);
    mdl_backoff_cfg unknown = {.jitter = (mdl_jitter)9};
    assert_int_equal(mdl_backoff_check(&unknown, NULL), SIM_EINVAL);
    assert_string_equal(mdl_jitter_name(MDL_JITTER_DECORRELATED), "decorrelated");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_jitter_doubles_from_twice_the_base_up_to_the_cap),
        cmocka_unit_test(zero_fields_take_the_documented_defaults),
        cmocka_unit_test(full_jitter_is_uniform_between_zero_and_expo),
        cmocka_unit_test(equal_jitter_keeps_half_of_expo_and_jitters_the_rest),
        cmocka_unit_test(decorrelated_jitter_starts_from_the_base_and_grows_from_prev),
        cmocka_unit_test(retry_after_overrides_every_strategy_exactly),
        cmocka_unit_test(bad_configurations_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
