/*
 * test_mdl_service.c - service-time distributions: the mean and cv derived
 * from p50/p95 by hand, the sample moments of each kind against their
 * closed forms, the empirical distribution's frequencies, mean and
 * order-statistic quantiles, and the refusals.
 *
 * Tolerances: a sample mean of N independent draws has standard error
 * sd / sqrt(N); every statistical check allows 4 standard errors (a
 * chance failure below 1e-4 per check; the seeds are fixed, so a run is
 * reproducible), which a wrong parameter (a mean off by a few percent)
 * exceeds many times over at N = 200,000.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_service.h"
#include "sim_rng.h"

enum { N = 200000 };

static mdl_service_spec spec_of(mdl_spec_distribution d, double mean_s, double cv)
{
    mdl_service_spec s;
    mdl_service_spec_init(&s);
    s.distribution = d;
    s.mean = sim_time_clamp_seconds(mean_s);
    s.cv = cv;
    return s;
}

/* Mean and variance of N draws. */
static void moments(const mdl_service *sv, const char *seed, double *mean, double *var)
{
    gsl_rng *r = sim_rng_create(3, 0, seed, NULL);
    assert_non_null(r);
    double m = 0, m2 = 0;
    for (int i = 1; i <= N; i++) {
        double x = mdl_service_sample(sv, r), d = x - m;
        m += d / i;
        m2 += d * (x - m);
    }
    *mean = m;
    *var = m2 / (N - 1);
    sim_rng_destroy(r);
}

/* p50 0.2 s, p95 2 s: sigma = ln(10) / 1.644854 = 2.302585 / 1.644854 =
 * 1.399872, sigma^2 = 1.959643; mean = 0.2 exp(0.979821) = 0.2 x 2.663980
 * = 0.532796 s; cv = sqrt(exp(1.959643) - 1) = sqrt(6.096794) = 2.469168.
 * (Tolerance 1e-5: the mean is rounded to the microsecond.) Given mean and
 * cv are kept. */
static void mean_and_cv_are_derived_from_the_lognormal_through_p50_and_p95(void **state)
{
    (void)state;
    mdl_service_spec s;
    mdl_service_spec_init(&s);
    s.p50 = 200 * SIM_MS;
    s.p95 = 2 * SIM_SEC;
    mdl_service_spec_derive(&s);
    assert_true(fabs(sim_time_to_seconds(s.mean) - 0.532796) < 1e-5);
    assert_true(fabs(s.cv - 2.469168) < 1e-5);
    s.mean = SIM_SEC;
    s.cv = 0.5;
    mdl_service_spec_derive(&s);
    assert_int_equal(s.mean, SIM_SEC);
    assert_true(s.cv == 0.5);
    /* Without p50 nothing is known: mean stays unset, cv is 100%. */
    mdl_service_spec_init(&s);
    mdl_service_spec_derive(&s);
    assert_int_equal(s.mean, 0);
    assert_true(s.cv == 1.0);
}

/* Exponential mean 0.5 s: sd 0.5, SE 0.5 / sqrt(N) = 0.00112; variance
 * 0.25 with SE 0.25 sqrt(8 / N) (the fourth central moment 9 m^4). */
static void exponential_draws_have_the_mean_and_variance_of_the_exponential(void **state)
{
    (void)state;
    mdl_service sv;
    mdl_service_spec sp = spec_of(MDL_SPEC_DIST_EXPONENTIAL, 0.5, -1);
    assert_int_equal(mdl_service_from_spec(&sp, &sv, NULL), SIM_OK);
    double m, v;
    moments(&sv, "exp", &m, &v);
    assert_true(fabs(m - 0.5) < 4 * 0.5 / sqrt(N));
    assert_true(fabs(v - 0.25) < 4 * 0.25 * sqrt(8.0 / N));
    assert_true(fabs(mdl_service_mean(&sv) - 0.5) < 1e-12);
    assert_true(fabs(mdl_service_quantile(&sv, 0.5) - 0.5 * log(2.0)) < 1e-12);
}

/* Deterministic 1.25 s: every draw is exactly 1.25 s. */
static void deterministic_draws_are_always_the_mean(void **state)
{
    (void)state;
    mdl_service sv;
    mdl_service_spec sp = spec_of(MDL_SPEC_DIST_DETERMINISTIC, 1.25, -1);
    assert_int_equal(mdl_service_from_spec(&sp, &sv, NULL), SIM_OK);
    gsl_rng *r = sim_rng_create(3, 0, "det", NULL);
    for (int i = 0; i < 1000; i++)
        assert_true(mdl_service_sample(&sv, r) == 1.25);
    sim_rng_destroy(r);
}

/* Gamma mean 2 s, cv 50%: Erlang-4 (shape 1 / 0.25 = 4, scale 0.5), variance
 * (2 x 0.5)^2 = 1. SE of the mean 1 / sqrt(N); of the variance
 * sqrt((mu4 - var^2) / N) with mu4 = 3 var^2 (1 + 2 / k) = 4.5: sqrt(3.5 / N). */
static void gamma_draws_have_the_given_mean_and_cv(void **state)
{
    (void)state;
    mdl_service sv;
    mdl_service_spec sp = spec_of(MDL_SPEC_DIST_GAMMA, 2.0, 0.5);
    assert_int_equal(mdl_service_from_spec(&sp, &sv, NULL), SIM_OK);
    assert_int_equal(sv.dist.kind, SIM_DIST_GAMMA);
    assert_true(fabs(sv.dist.a - 4.0) < 1e-12);
    double m, v;
    moments(&sv, "gamma", &m, &v);
    assert_true(fabs(m - 2.0) < 4 * 1.0 / sqrt(N));
    assert_true(fabs(v - 1.0) < 4 * sqrt(3.5 / N));
}

/* Measured values 0.1, 0.2, 0.3, 1.0 s (sorted, as the loader stores
 * them): each comes out with probability 1/4 (binomial SE sqrt(p (1 - p) /
 * N) = 0.00097); mean (0.1 + 0.2 + 0.3 + 1.0) / 4 = 0.4; quantiles are the
 * order statistics of rank ceil(q n): q 0.25 -> rank 1 = 0.1, 0.5 -> 2 =
 * 0.2, 0.51 -> 3 = 0.3, 0.95 -> 4 = 1.0. */
static void empirical_draws_resample_the_measured_values(void **state)
{
    (void)state;
    static double v[] = {0.1, 0.2, 0.3, 1.0};
    mdl_service_spec sp = spec_of(MDL_SPEC_DIST_EMPIRICAL, 0, -1);
    sp.samples = v;
    sp.nsamples = 4;
    mdl_service sv;
    assert_int_equal(mdl_service_from_spec(&sp, &sv, NULL), SIM_OK);
    gsl_rng *r = sim_rng_create(3, 0, "emp", NULL);
    int count[4] = {0, 0, 0, 0};
    for (int i = 0; i < N; i++) {
        double x = mdl_service_sample(&sv, r);
        int k = x == 0.1 ? 0 : x == 0.2 ? 1 : x == 0.3 ? 2 : x == 1.0 ? 3 : -1;
        assert_true(k >= 0);
        count[k]++;
    }
    for (int k = 0; k < 4; k++)
        assert_true(fabs(count[k] / (double)N - 0.25) < 4 * sqrt(0.25 * 0.75 / N));
    sim_rng_destroy(r);
    assert_true(fabs(mdl_service_mean(&sv) - 0.4) < 1e-12);
    assert_true(mdl_service_quantile(&sv, 0.25) == 0.1);
    assert_true(mdl_service_quantile(&sv, 0.5) == 0.2);
    assert_true(mdl_service_quantile(&sv, 0.51) == 0.3);
    assert_true(mdl_service_quantile(&sv, 0.95) == 1.0);
}

/* A lognormal service (the endpoints' default, drawn inline by
 * mdl_service_sample) gives exactly sim_dist_sample's numbers, the
 * reference path every other kind takes: two streams of the same seed,
 * 100,000 draws each, compared bit for bit (p50 0.2 s and p95 2 s, and a
 * p95 barely above the median, sigma 6e-7). */
static void lognormal_draws_are_sim_dist_sample_bit_for_bit(void **state)
{
    (void)state;
    const double p95[] = {2.0, 0.2000002};
    for (int c = 0; c < 2; c++) {
        mdl_service sv;
        assert_int_equal(sim_dist_lognormal_median_p95(0.2, p95[c], &sv.dist, NULL), SIM_OK);
        sv = mdl_service_of_dist(&sv.dist);
        gsl_rng *r1 = sim_rng_create(5, 0, "service", NULL),
                *r2 = sim_rng_create(5, 0, "service", NULL);
        assert_non_null(r1);
        assert_non_null(r2);
        for (int i = 0; i < 100000; i++) {
            double x = mdl_service_sample(&sv, r1), y = sim_dist_sample(&sv.dist, r2);
            if (memcmp(&x, &y, sizeof x) != 0)
                fail_msg("case %d, draw %d: %.17g, sim_dist_sample %.17g", c, i, x, y);
        }
        sim_rng_destroy(r1);
        sim_rng_destroy(r2);
    }
}

static void none_is_no_time(void **state)
{
    (void)state;
    mdl_service_spec sp = spec_of(MDL_SPEC_DIST_NONE, 0, -1);
    mdl_service sv;
    assert_int_equal(mdl_service_from_spec(&sp, &sv, NULL), SIM_OK);
    assert_true(mdl_service_sample(&sv, NULL) == 0.0);
    assert_true(mdl_service_mean(&sv) == 0.0);
}

static void nonsense_is_refused(void **state)
{
    (void)state;
    mdl_service sv;
    sim_err err;
    mdl_service_spec sp = spec_of(MDL_SPEC_DIST_EXPONENTIAL, 0, -1);
    assert_int_equal(mdl_service_from_spec(&sp, &sv, &err), SIM_EINVAL);
    sp = spec_of(MDL_SPEC_DIST_DETERMINISTIC, 0, -1);
    assert_int_equal(mdl_service_from_spec(&sp, &sv, &err), SIM_EINVAL);
    sp = spec_of(MDL_SPEC_DIST_GAMMA, 1.0, -0.5);
    assert_int_equal(mdl_service_from_spec(&sp, &sv, &err), SIM_EINVAL);
    sp = spec_of(MDL_SPEC_DIST_EMPIRICAL, 0, -1);
    assert_int_equal(mdl_service_from_spec(&sp, &sv, &err), SIM_EINVAL);
    sp = spec_of(MDL_SPEC_DIST_LOGNORMAL, 0, -1); /* no p50 */
    assert_int_equal(mdl_service_from_spec(&sp, &sv, &err), SIM_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mean_and_cv_are_derived_from_the_lognormal_through_p50_and_p95),
        cmocka_unit_test(exponential_draws_have_the_mean_and_variance_of_the_exponential),
        cmocka_unit_test(deterministic_draws_are_always_the_mean),
        cmocka_unit_test(gamma_draws_have_the_given_mean_and_cv),
        cmocka_unit_test(empirical_draws_resample_the_measured_values),
        cmocka_unit_test(lognormal_draws_are_sim_dist_sample_bit_for_bit),
        cmocka_unit_test(none_is_no_time),
        cmocka_unit_test(nonsense_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
