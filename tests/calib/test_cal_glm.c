/*
 * test_cal_glm.c - the Poisson regression against closed forms (an
 * intercept alone is the log of the mean; group dummies give the group
 * means; exact exponential data give their rate back), and the coverage of
 * its 95% interval on simulated Poisson counts.
 */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cal_glm.h"
#include "sim_rng.h"

static void an_intercept_alone_is_the_log_of_the_mean(void **state)
{
    (void)state;
    double x[5] = {1, 1, 1, 1, 1}, y[5] = {3, 7, 4, 6, 5}, mu[5];
    cal_glm g;
    assert_int_equal(cal_glm_poisson(x, y, 5, 1, &g, mu, NULL), SIM_OK);
    /* the Poisson MLE of a constant mean is the sample mean, 5 */
    assert_true(fabs(g.beta[0] - log(5.0)) < 1e-9);
    assert_true(fabs(mu[2] - 5.0) < 1e-8);
    /* Pearson: (4 + 4 + 1 + 1 + 0) / 5 / (5 - 1) = 0.5 */
    assert_true(fabs(g.phi - 0.5) < 1e-9);
    /* var(log mean) = phi / (n mean) = 0.5 / 25 */
    assert_true(fabs(g.cov[0] - 0.02) < 1e-9);
    assert_int_equal(g.df, 4);
    assert_true(fabs(g.deviance - g.null_deviance) < 1e-9);
}

static void group_dummies_give_the_group_means(void **state)
{
    (void)state;
    /* two groups without an intercept: (10, 14) and (1, 3) */
    double x[8] = {1, 0, 1, 0, 0, 1, 0, 1}, y[4] = {10, 14, 1, 3};
    cal_glm g;
    assert_int_equal(cal_glm_poisson(x, y, 4, 2, &g, NULL, NULL), SIM_OK);
    assert_true(fabs(exp(g.beta[0]) - 12.0) < 1e-8);
    assert_true(fabs(exp(g.beta[1]) - 2.0) < 1e-8);
}

static void exact_exponential_counts_give_their_rate_back(void **state)
{
    (void)state;
    enum { N = 30 };
    double x[2 * N], y[N];
    for (int i = 0; i < N; i++) {
        x[2 * i] = 1.0;
        x[2 * i + 1] = i / 10.0;
        y[i] = 200.0 * exp(0.3 * i / 10.0);
    }
    cal_glm g;
    assert_int_equal(cal_glm_poisson(x, y, N, 2, &g, NULL, NULL), SIM_OK);
    assert_true(fabs(g.beta[0] - log(200.0)) < 1e-8);
    assert_true(fabs(g.beta[1] - 0.3) < 1e-9);
    assert_true(g.deviance < 1e-12);
    assert_true(g.null_deviance > 1.0);
}

/* Simulated days with a weekly factor and a trend: the 95% interval of the
 * slope covers the true slope in about 95% of 400 samples. The count of
 * covers is Binomial(400, 0.95) when the interval is right: mean 380, sd
 * 4.36; 366..393 is mean -3.2 .. +3.0 sd (a false alarm below 1e-3 on each
 * side), so an interval too narrow or too wide by ~15% fails. */
static void the_slope_interval_covers_the_truth_95_percent_of_the_time(void **state)
{
    (void)state;
    enum { N = 56, P = 3, REPS = 400 };
    sim_err err;
    gsl_rng *rng = sim_rng_create(7, 0, "glm-coverage", &err);
    assert_non_null(rng);
    double x[N * P], y[N];
    int covered = 0;
    double slope = 0.04; /* per unit of x: ~4% a week */
    for (int r = 0; r < REPS; r++) {
        for (int i = 0; i < N; i++) {
            int weekend = i % 7 >= 5;
            x[i * P] = weekend ? 0.0 : 1.0;
            x[i * P + 1] = weekend ? 1.0 : 0.0;
            x[i * P + 2] = (i - N) / 7.0;
            double mu = (weekend ? 40.0 : 300.0) * exp(slope * x[i * P + 2]);
            y[i] = gsl_ran_poisson(rng, mu);
        }
        cal_glm g;
        assert_int_equal(cal_glm_poisson(x, y, N, P, &g, NULL, &err), SIM_OK);
        double hw = cal_glm_t95(g.df) * sqrt(g.cov[2 * P + 2]);
        covered += fabs(g.beta[2] - slope) <= hw;
    }
    sim_rng_destroy(rng);
    if (covered < 366 || covered > 393)
        fail_msg("the slope interval covered %d of %d, expected 366..393", covered, REPS);
}

static void dependent_columns_and_all_zero_counts_are_refused(void **state)
{
    (void)state;
    double x[6] = {1, 2, 1, 2, 1, 2}, y[3] = {1, 2, 3};
    cal_glm g;
    sim_err err;
    assert_int_equal(cal_glm_poisson(x, y, 3, 2, &g, NULL, &err), SIM_EINVAL);
    double one[3] = {1, 1, 1}, zero[3] = {0, 0, 0};
    assert_int_equal(cal_glm_poisson(one, zero, 3, 1, &g, NULL, &err), SIM_EINVAL);
    assert_int_equal(cal_glm_poisson(one, y, 0, 1, &g, NULL, &err), SIM_EINVAL);
}

static void the_t_quantile_matches_the_tables(void **state)
{
    (void)state;
    /* Student's t, 97.5th percentile: 2.228 for 10 df, 1.960 for infinity */
    assert_true(fabs(cal_glm_t95(10) - 2.2281) < 1e-4);
    assert_true(fabs(cal_glm_t95(0) - 1.9600) < 1e-4);
    assert_true(fabs(cal_glm_t95(100000) - 1.9600) < 1e-3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_intercept_alone_is_the_log_of_the_mean),
        cmocka_unit_test(group_dummies_give_the_group_means),
        cmocka_unit_test(exact_exponential_counts_give_their_rate_back),
        cmocka_unit_test(the_slope_interval_covers_the_truth_95_percent_of_the_time),
        cmocka_unit_test(dependent_columns_and_all_zero_counts_are_refused),
        cmocka_unit_test(the_t_quantile_matches_the_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
