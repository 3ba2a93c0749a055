/*
 * Unit tests of sim_rng: the xoshiro256** generator against its published
 * output, stream seeding (reproducible, independent of creation order,
 * distinct and uncorrelated across names, reps and seeds), every
 * distribution's moments against its closed form, the samplers (the
 * exponential ziggurat's table against its definition, the draws and
 * their tails by KS tests against GSL's CDFs), the lognormal and gamma
 * constructors, weight
 * tables, parameter validation and allocation failures.
 *
 * Statistical tolerances: a sample mean of n draws has standard error
 * sqrt(var / n); a sample variance has standard error
 * var * sqrt((excess_kurtosis + 2) / n) (large-n form of
 * Var(s^2) = (mu4 - sigma^4 (n-3)/(n-1)) / n). Checks allow 5 standard
 * errors: a false failure has probability below 6e-7 per check for a
 * normal statistic, and the seeds are fixed, so a pass is also repeatable.
 */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_alloc.h"
#include "sim_err.h"
#include "sim_rng.h"
#include "sim_time.h"

#define N_MOMENTS 200000

/* ---- the generator ------------------------------------------------------ */

/* A generator of our type whose state is set directly to {1, 2, 3, 4}. */
static gsl_rng *rng_with_state_1234(void)
{
    gsl_rng *r = gsl_rng_alloc(sim_rng_xoshiro256ss);
    assert_non_null(r);
    assert_int_equal(gsl_rng_size(r), 4 * sizeof(uint64_t));
    const uint64_t s[4] = {1, 2, 3, 4};
    memcpy(gsl_rng_state(r), s, sizeof s);
    return r;
}

/*
 * The published first outputs of xoshiro256** from state {1, 2, 3, 4},
 * checked by hand against the algorithm (result = rotl(s1 * 5, 7) * 9, then
 * t = s1 << 17; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
 * s3 = rotl(s3, 45)):
 *   1. s1 = 2: rotl(10, 7) * 9 = 1280 * 9 = 11520.
 *      Next state {7, 0, 262146, 6 << 45}.
 *   2. s1 = 0: 0. Next state {(6 << 45) | 7, 262149, 262149, 6 << 27}.
 *   3. s1 = 262149: 262149 * 5 * 128 * 9 = 1509978240.
 *      Next s1 = 262149 ^ ((6 << 45) | 262146) = (6 << 45) | 7.
 *   4. s1 * 5 = (30 << 45) + 35; rotl 7 = (30 << 52) + 4480 (no wrap);
 *      * 9 = 270 * 2^52 + 40320 = 1215971899390074240 (< 2^64).
 */
static void xoshiro_matches_published_output_for_state_1_2_3_4(void **state)
{
    (void)state;
    gsl_rng *r = rng_with_state_1234();
    assert_string_equal(gsl_rng_name(r), "xoshiro256ss");
    assert_true(gsl_rng_max(r) == ULONG_MAX);
    assert_true(gsl_rng_min(r) == 0);
#if ULONG_MAX >= UINT64_MAX
    assert_true(gsl_rng_get(r) == 11520UL);
    assert_true(gsl_rng_get(r) == 0UL);
    assert_true(gsl_rng_get(r) == 1509978240UL);
    assert_true(gsl_rng_get(r) == 1215971899390074240UL);
#else
    /* 32-bit long: get() returns the top 32 bits of each output. */
    assert_true(gsl_rng_get(r) == 0UL);
    assert_true(gsl_rng_get(r) == 0UL);
    assert_true(gsl_rng_get(r) == 0UL);
    assert_true(gsl_rng_get(r) == (unsigned long)(UINT64_C(1215971899390074240) >> 32));
#endif
    gsl_rng_free(r);
}

/* get_double uses the top 53 bits: 11520 >> 11 = 5, so the first uniform
 * is exactly 5 * 2^-53 and the second (output 0) exactly 0, which
 * uniform_pos must skip (it returns the third, 1509978240 >> 11 = 737294,
 * times 2^-53). */
static void uniform_uses_the_top_53_bits_and_uniform_pos_skips_zero(void **state)
{
    (void)state;
    gsl_rng *r = rng_with_state_1234();
    assert_true(gsl_rng_uniform(r) == 5.0 * 0x1.0p-53);
    assert_true(gsl_rng_uniform(r) == 0.0);
    gsl_rng_free(r);

    r = rng_with_state_1234();
    assert_true(gsl_rng_uniform(r) == 5.0 * 0x1.0p-53);
    assert_true(sim_rng_uniform_pos(r) == 737294.0 * 0x1.0p-53);
    gsl_rng_free(r);

    /* Over many draws, (0, 1) exclusive, and GSL's integer helper (which
     * relies on max - min) stays in range. */
    gsl_rng *s = sim_rng_create(7, 0, "uniform", NULL);
    assert_non_null(s);
    for (int i = 0; i < 100000; i++) {
        double u = sim_rng_uniform_pos(s);
        assert_true(u > 0.0 && u < 1.0);
        assert_true(gsl_rng_uniform_int(s, 6) < 6);
    }
    sim_rng_destroy(s);
}

/* GSL's own set() seeds through SplitMix64 too: same seed, same numbers. */
static void gsl_rng_set_is_deterministic(void **state)
{
    (void)state;
    gsl_rng *a = gsl_rng_alloc(sim_rng_xoshiro256ss);
    gsl_rng *b = gsl_rng_alloc(sim_rng_xoshiro256ss);
    assert_non_null(a);
    assert_non_null(b);
    gsl_rng_set(a, 12345);
    gsl_rng_set(b, 12345);
    for (int i = 0; i < 100; i++)
        assert_true(gsl_rng_get(a) == gsl_rng_get(b));
    gsl_rng_set(b, 12346);
    int same = 0;
    for (int i = 0; i < 100; i++)
        same += gsl_rng_get(a) == gsl_rng_get(b);
    assert_int_equal(same, 0);
    gsl_rng_free(a);
    gsl_rng_free(b);
}

/* ---- streams ------------------------------------------------------------ */

static void stream_is_reproducible(void **state)
{
    (void)state;
    gsl_rng *a = sim_rng_create(42, 3, "flow/orders/arrivals", NULL);
    gsl_rng *b = sim_rng_create(42, 3, "flow/orders/arrivals", NULL);
    assert_non_null(a);
    assert_non_null(b);
    for (int i = 0; i < 1000; i++)
        assert_true(gsl_rng_get(a) == gsl_rng_get(b));
    assert_true(sim_rng_stream_seed(42, 3, "flow/orders/arrivals") ==
                sim_rng_stream_seed(42, 3, "flow/orders/arrivals"));
    sim_rng_destroy(a);
    sim_rng_destroy(b);
}

static void streams_do_not_depend_on_creation_order(void **state)
{
    (void)state;
    const char *names[3] = {"arrivals", "service", "failures"};
    enum { DRAWS = 64 };
    unsigned long first[3][DRAWS], second[3][DRAWS];

    /* Order 1: create all, draw stream by stream. */
    gsl_rng *r[3];
    for (int k = 0; k < 3; k++)
        r[k] = sim_rng_create(9, 1, names[k], NULL);
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < DRAWS; i++)
            first[k][i] = gsl_rng_get(r[k]);
    for (int k = 0; k < 3; k++)
        sim_rng_destroy(r[k]);

    /* Order 2: reverse creation, interleaved draws, an extra stream. */
    gsl_rng *extra = sim_rng_create(9, 1, "extra", NULL);
    for (int k = 2; k >= 0; k--)
        r[k] = sim_rng_create(9, 1, names[k], NULL);
    for (int i = 0; i < DRAWS; i++) {
        (void)gsl_rng_get(extra);
        for (int k = 2; k >= 0; k--)
            second[k][i] = gsl_rng_get(r[k]);
    }
    for (int k = 0; k < 3; k++) {
        sim_rng_destroy(r[k]);
        assert_memory_equal(first[k], second[k], sizeof first[k]);
    }
    sim_rng_destroy(extra);
}

/* Number of equal outputs among the first 1000 of two streams; two
 * unrelated 64-bit streams agree with probability 1000 * 2^-64. */
static int equal_outputs(uint64_t s1, uint64_t r1, const char *n1, uint64_t s2, uint64_t r2,
                         const char *n2)
{
    gsl_rng *a = sim_rng_create(s1, r1, n1, NULL);
    gsl_rng *b = sim_rng_create(s2, r2, n2, NULL);
    assert_non_null(a);
    assert_non_null(b);
    int same = 0;
    for (int i = 0; i < 1000; i++)
        same += gsl_rng_get(a) == gsl_rng_get(b);
    sim_rng_destroy(a);
    sim_rng_destroy(b);
    return same;
}

static void different_names_reps_and_seeds_give_different_sequences(void **state)
{
    (void)state;
    assert_int_equal(equal_outputs(1, 0, "flow1", 1, 0, "flow2"), 0);
    assert_int_equal(equal_outputs(1, 0, "a", 1, 0, "b"), 0);
    assert_int_equal(equal_outputs(1, 0, "", 1, 0, "a"), 0);
    assert_int_equal(equal_outputs(1, 0, "a", 1, 1, "a"), 0);
    assert_int_equal(equal_outputs(1, 0, "a", 2, 0, "a"), 0);
    assert_int_equal(equal_outputs(0, 0, "", 0, 1, ""), 0);
    /* Swapping seed and rep must not give the same stream either. */
    assert_int_equal(equal_outputs(1, 2, "x", 2, 1, "x"), 0);

    /* The stream seeds of a small grid of nearby inputs are all distinct. */
    enum { G = 8 };
    uint64_t seeds[G * G * 2];
    size_t n = 0;
    for (uint64_t s = 0; s < G; s++)
        for (uint64_t rep = 0; rep < G; rep++)
            for (int k = 0; k < 2; k++)
                seeds[n++] = sim_rng_stream_seed(s, rep, k ? "q" : "p");
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_true(seeds[i] != seeds[j]);
}

/* Sample correlation of n pairs (u_i, v_i) from two streams. */
static double correlation(gsl_rng *a, gsl_rng *b, int n)
{
    double su = 0, sv = 0, suu = 0, svv = 0, suv = 0;
    for (int i = 0; i < n; i++) {
        double u = gsl_rng_uniform(a), v = gsl_rng_uniform(b);
        su += u;
        sv += v;
        suu += u * u;
        svv += v * v;
        suv += u * v;
    }
    double cov = suv / n - (su / n) * (sv / n);
    double vu = suu / n - (su / n) * (su / n);
    double vv = svv / n - (sv / n) * (sv / n);
    return cov / sqrt(vu * vv);
}

/* For independent streams sqrt(n) * r is approximately N(0, 1), so
 * |r| < 4 / sqrt(n) fails by chance with probability 6e-5. Nearby inputs
 * (adjacent names, reps and seeds) are the case a weak seed mix would get
 * wrong. */
static void streams_are_uncorrelated(void **state)
{
    (void)state;
    const int n = 100000;
    const double tol = 4.0 / sqrt((double)n);
    struct {
        uint64_t s1, r1;
        const char *n1;
        uint64_t s2, r2;
        const char *n2;
    } pairs[] = {
        {1, 0, "arrivals", 1, 0, "service"},
        {1, 0, "flow1", 1, 0, "flow2"},
        {1, 0, "arrivals", 1, 1, "arrivals"},
        {1, 0, "arrivals", 2, 0, "arrivals"},
    };
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        gsl_rng *a = sim_rng_create(pairs[k].s1, pairs[k].r1, pairs[k].n1, NULL);
        gsl_rng *b = sim_rng_create(pairs[k].s2, pairs[k].r2, pairs[k].n2, NULL);
        double r = correlation(a, b, n);
        if (!(fabs(r) < tol))
            fail_msg("pair %zu: correlation %g exceeds %g", k, r, tol);
        sim_rng_destroy(a);
        sim_rng_destroy(b);
    }
}

/* ---- distributions ------------------------------------------------------ */

/* Draws N_MOMENTS samples and checks mean and variance against theory within
 * 5 standard errors (see the header comment). */
static void check_moments(const char *what, const sim_dist *d, double mean, double var,
                          double excess_kurtosis, uint64_t seed)
{
    gsl_rng *r = sim_rng_create(seed, 0, what, NULL);
    assert_non_null(r);
    double *x = malloc(N_MOMENTS * sizeof *x);
    assert_non_null(x);
    double sum = 0.0;
    for (int i = 0; i < N_MOMENTS; i++) {
        x[i] = sim_dist_sample(d, r);
        sum += x[i];
    }
    double m = sum / N_MOMENTS, ss = 0.0;
    for (int i = 0; i < N_MOMENTS; i++)
        ss += (x[i] - m) * (x[i] - m);
    double v = ss / (N_MOMENTS - 1);
    free(x);
    sim_rng_destroy(r);

    double se_mean = sqrt(var / N_MOMENTS);
    double se_var = var * sqrt((excess_kurtosis + 2.0) / N_MOMENTS);
    if (!(fabs(m - mean) <= 5.0 * se_mean))
        fail_msg("%s: sample mean %g, expected %g +- %g", what, m, mean, 5.0 * se_mean);
    if (!(fabs(v - var) <= 5.0 * se_var))
        fail_msg("%s: sample variance %g, expected %g +- %g", what, v, var, 5.0 * se_var);
    /* The closed-form mean of the distribution itself. */
    assert_true(fabs(sim_dist_mean(d) - mean) <= 1e-12 * fabs(mean) + 1e-15);
}

static void each_distribution_matches_its_closed_form_moments(void **state)
{
    (void)state;
    sim_dist d;

    /* Exponential, mean m: var m^2, excess kurtosis 6. */
    assert_int_equal(sim_dist_exponential(0.25, &d, NULL), SIM_OK);
    check_moments("exponential", &d, 0.25, 0.0625, 6.0, 1);

    /* Uniform [a, b): mean (a+b)/2, var w^2/12, excess kurtosis -6/5. */
    assert_int_equal(sim_dist_uniform(2.0, 5.0, &d, NULL), SIM_OK);
    check_moments("uniform", &d, 3.5, 9.0 / 12.0, -1.2, 2);

    /* Normal: excess kurtosis 0. */
    assert_int_equal(sim_dist_normal(-1.5, 0.7, &d, NULL), SIM_OK);
    check_moments("normal", &d, -1.5, 0.49, 0.0, 3);

    /* Lognormal by mean and cv 0.5: var (cv mean)^2; with s2 = ln(1.25),
     * excess kurtosis e^{4 s2} + 2 e^{3 s2} + 3 e^{2 s2} - 6. */
    assert_int_equal(sim_dist_lognormal_mean_cv(2.0, 0.5, &d, NULL), SIM_OK);
    double s2 = log(1.25);
    double kurt = exp(4 * s2) + 2 * exp(3 * s2) + 3 * exp(2 * s2) - 6;
    check_moments("lognormal", &d, 2.0, 1.0, kurt, 4);

    /* Gamma by mean 3 and cv 0.7: var (0.7 * 3)^2, shape 1/0.49, excess
     * kurtosis 6 / shape. */
    assert_int_equal(sim_dist_gamma_mean_cv(3.0, 0.7, &d, NULL), SIM_OK);
    assert_int_equal(d.kind, SIM_DIST_GAMMA);
    assert_true(fabs(d.a - 1.0 / 0.49) < 1e-12);
    assert_true(fabs(d.b - 3.0 * 0.49) < 1e-12);
    check_moments("gamma", &d, 3.0, 4.41, 6.0 * 0.49, 5);

    /* Constant: every sample is the value. */
    assert_int_equal(sim_dist_const(0.125, &d, NULL), SIM_OK);
    gsl_rng *r = sim_rng_create(6, 0, "const", NULL);
    for (int i = 0; i < 100; i++)
        assert_true(sim_dist_sample(&d, r) == 0.125);
    assert_true(sim_dist_mean(&d) == 0.125);
    sim_rng_destroy(r);
}

/* Quantiles against closed forms: exponential m ln(1/(1-q)), uniform
 * a + q (b - a), normal mean + z_q sd (z_0.975 = 1.959963984540054). */
static void quantiles_match_closed_forms(void **state)
{
    (void)state;
    sim_dist d;
    assert_int_equal(sim_dist_exponential(2.0, &d, NULL), SIM_OK);
    assert_true(fabs(sim_dist_quantile(&d, 0.5) - 2.0 * log(2.0)) < 1e-12);
    assert_true(fabs(sim_dist_quantile(&d, 0.99) - 2.0 * log(100.0)) < 1e-10);
    assert_int_equal(sim_dist_uniform(10.0, 20.0, &d, NULL), SIM_OK);
    assert_true(fabs(sim_dist_quantile(&d, 0.25) - 12.5) < 1e-12);
    assert_int_equal(sim_dist_normal(1.0, 2.0, &d, NULL), SIM_OK);
    assert_true(fabs(sim_dist_quantile(&d, 0.975) - (1.0 + 2.0 * 1.959963984540054)) < 1e-9);
    assert_int_equal(sim_dist_const(3.0, &d, NULL), SIM_OK);
    assert_true(sim_dist_quantile(&d, 0.3) == 3.0);
    assert_true(isnan(sim_dist_quantile(&d, 1.5)));
    assert_true(isnan(sim_dist_quantile(&d, NAN)));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Lognormal from median 0.2 and p95 1.0. The parameters are exact:
 * mu = ln 0.2, sigma = ln 5 / z_0.95, so the distribution's own quantiles
 * are the inputs to 1e-9. Empirically, from n = 10^6 draws, the sample
 * quantile has standard error sqrt(p (1-p) / n) / f(x_p): with
 * sigma = 0.978 that is 0.12% of the median and 0.21% of the p95, so the
 * required 1% is at least 4.8 standard errors.
 */
static void lognormal_median_p95_gives_the_requested_quantiles(void **state)
{
    (void)state;
    sim_dist d;
    assert_int_equal(sim_dist_lognormal_median_p95(0.2, 1.0, &d, NULL), SIM_OK);
    assert_int_equal(d.kind, SIM_DIST_LOGNORMAL);
    assert_true(fabs(d.a - log(0.2)) < 1e-12);
    assert_true(fabs(d.b - log(5.0) / 1.6448536269514722) < 1e-4);
    assert_true(fabs(sim_dist_quantile(&d, 0.5) - 0.2) < 1e-9);
    assert_true(fabs(sim_dist_quantile(&d, 0.95) - 1.0) < 1e-6);

    enum { N = 1000000 };
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    gsl_rng *r = sim_rng_create(11, 0, "lognormal-p95", NULL);
    for (int i = 0; i < N; i++)
        x[i] = sim_dist_sample(&d, r);
    qsort(x, N, sizeof *x, cmp_double);
    double median = x[N / 2 - 1], p95 = x[(int)(0.95 * N) - 1];
    free(x);
    sim_rng_destroy(r);
    if (!(fabs(median / 0.2 - 1.0) < 0.01))
        fail_msg("empirical median %g, expected 0.2 within 1%%", median);
    if (!(fabs(p95 / 1.0 - 1.0) < 0.01))
        fail_msg("empirical p95 %g, expected 1.0 within 1%%", p95);
}

/* Mean and cv: sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2, so the
 * closed-form mean exp(mu + sigma^2 / 2) is the requested mean; cv = 0 is a
 * degenerate lognormal at the mean. */
static void lognormal_mean_cv_has_the_requested_mean(void **state)
{
    (void)state;
    sim_dist d;
    assert_int_equal(sim_dist_lognormal_mean_cv(2.0, 1.5, &d, NULL), SIM_OK);
    double s2 = log(1.0 + 2.25);
    assert_true(fabs(d.b - sqrt(s2)) < 1e-12);
    assert_true(fabs(d.a - (log(2.0) - s2 / 2)) < 1e-12);
    assert_true(fabs(sim_dist_mean(&d) - 2.0) < 1e-12);

    assert_int_equal(sim_dist_lognormal_mean_cv(5.0, 0.0, &d, NULL), SIM_OK);
    gsl_rng *r = sim_rng_create(12, 0, "lognormal-cv0", NULL);
    for (int i = 0; i < 10; i++)
        assert_true(fabs(sim_dist_sample(&d, r) - 5.0) < 1e-12);
    sim_rng_destroy(r);
}

/*
 * cv = 1/sqrt(3) gives Erlang-3 (shape 3, scale mean/3), whose CDF has the
 * closed form F(x) = 1 - e^{-y} (1 + y + y^2/2), y = x / theta. Checked:
 * moments (var = mean^2 / 3, excess kurtosis 2), the quantile function
 * against F, and the empirical F at the mean within 5 binomial standard
 * errors sqrt(F (1-F) / n). cv = 0 gives the constant mean.
 */
static void gamma_with_cv_one_over_sqrt_n_is_erlang_n(void **state)
{
    (void)state;
    sim_dist d;
    const double mean = 2.0, theta = mean / 3.0;
    assert_int_equal(sim_dist_gamma_mean_cv(mean, 1.0 / sqrt(3.0), &d, NULL), SIM_OK);
    assert_true(fabs(d.a - 3.0) < 1e-12);
    assert_true(fabs(d.b - theta) < 1e-12);
    check_moments("erlang3", &d, mean, mean * mean / 3.0, 2.0, 13);

    double q90 = sim_dist_quantile(&d, 0.9), y = q90 / theta;
    assert_true(fabs(1.0 - exp(-y) * (1 + y + y * y / 2) - 0.9) < 1e-9);

    y = mean / theta;
    double f = 1.0 - exp(-y) * (1 + y + y * y / 2);
    gsl_rng *r = sim_rng_create(14, 0, "erlang-cdf", NULL);
    int below = 0;
    for (int i = 0; i < N_MOMENTS; i++)
        below += sim_dist_sample(&d, r) <= mean;
    sim_rng_destroy(r);
    double share = (double)below / N_MOMENTS;
    assert_true(fabs(share - f) <= 5.0 * sqrt(f * (1 - f) / N_MOMENTS));

    assert_int_equal(sim_dist_gamma_mean_cv(4.0, 0.0, &d, NULL), SIM_OK);
    assert_int_equal(d.kind, SIM_DIST_CONST);
    assert_true(sim_dist_mean(&d) == 4.0);
}

/* Bernoulli(p): the share of ones within 5 binomial standard errors. */
static void bernoulli_frequency_matches_p(void **state)
{
    (void)state;
    gsl_rng *r = sim_rng_create(15, 0, "bernoulli", NULL);
    const double p = 0.3;
    int ones = 0;
    for (int i = 0; i < N_MOMENTS; i++)
        ones += sim_rng_bernoulli(r, p);
    assert_true(fabs((double)ones / N_MOMENTS - p) <= 5.0 * sqrt(p * (1 - p) / N_MOMENTS));
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(sim_rng_bernoulli(r, 0.0), 0);
        assert_int_equal(sim_rng_bernoulli(r, 1.0), 1);
    }
    sim_rng_destroy(r);
}

/* Durations: rounded to the microsecond, negative normal samples become 0. */
static void sample_time_rounds_to_microseconds_and_clamps_negatives(void **state)
{
    (void)state;
    gsl_rng *r = sim_rng_create(16, 0, "time", NULL);
    sim_dist d;
    assert_int_equal(sim_dist_const(0.0015004, &d, NULL), SIM_OK);
    assert_true(sim_dist_sample_time(&d, r) == 1500);
    assert_int_equal(sim_dist_normal(-1.0, 0.1, &d, NULL), SIM_OK);
    for (int i = 0; i < 1000; i++)
        assert_true(sim_dist_sample_time(&d, r) == 0);
    /* Rounded to the nearest microsecond, not truncated: a twin stream
     * (same seed and name) gives the same variates in seconds, and about
     * half of them have a fraction of a microsecond >= 0.5 to round up. */
    assert_int_equal(sim_dist_exponential(0.01, &d, NULL), SIM_OK);
    gsl_rng *one = sim_rng_create(16, 1, "expo", NULL), *twin = sim_rng_create(16, 1, "expo", NULL);
    int up = 0;
    for (int i = 0; i < 1000; i++) {
        double us = sim_dist_sample(&d, twin) * 1e6;
        assert_true(sim_dist_sample_time(&d, one) == (sim_time)llround(us));
        up += us - floor(us) >= 0.5;
    }
    assert_true(up > 400 && up < 600); /* Binomial(1000, 1/2): 6 sd either side */
    sim_rng_destroy(one);
    sim_rng_destroy(twin);
    sim_rng_destroy(r);
}

/* Table: frequency of index i within 5 binomial standard errors of
 * w[i] / sum(w); a zero weight is never drawn. */
static void table_frequencies_match_the_weights(void **state)
{
    (void)state;
    const double w[5] = {1, 2, 3, 0, 4};
    sim_table *t = sim_table_create(w, 5, NULL);
    assert_non_null(t);
    gsl_rng *r = sim_rng_create(17, 0, "table", NULL);
    long counts[5] = {0};
    for (int i = 0; i < N_MOMENTS; i++) {
        size_t k = sim_table_sample(t, r);
        assert_true(k < 5);
        counts[k]++;
    }
    for (int k = 0; k < 5; k++) {
        double p = w[k] / 10.0, share = (double)counts[k] / N_MOMENTS;
        double tol = 5.0 * sqrt(p * (1 - p) / N_MOMENTS);
        if (!(fabs(share - p) <= tol))
            fail_msg("index %d: share %g, expected %g +- %g", k, share, p, tol);
    }
    assert_int_equal(counts[3], 0);
    sim_rng_destroy(r);
    sim_table_destroy(t);
    sim_table_destroy(NULL);
}

static void bad_tables_are_rejected(void **state)
{
    (void)state;
    sim_err err;
    const double neg[2] = {1, -1}, nan_w[2] = {1, NAN}, zero[3] = {0, 0, 0};
    const double inf_w[2] = {1, INFINITY}, ok[1] = {1};
    sim_err_clear(&err);
    assert_null(sim_table_create(ok, 0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    sim_err_clear(&err);
    assert_null(sim_table_create(neg, 2, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_non_null(strstr(err.msg, "weight 1"));
    sim_err_clear(&err);
    assert_null(sim_table_create(nan_w, 2, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    sim_err_clear(&err);
    assert_null(sim_table_create(inf_w, 2, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    sim_err_clear(&err);
    assert_null(sim_table_create(zero, 3, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_null(sim_table_create(NULL, 3, NULL));
}

/* Each bad parameter: SIM_EINVAL, a message, *out untouched. */
static void constructors_reject_bad_parameters(void **state)
{
    (void)state;
    const sim_dist sentinel = {.kind = SIM_DIST_UNIFORM, .a = 123.0, .b = 456.0};
    sim_dist d;
    sim_err err;
#define REJECTS(call)                                                                              \
    do {                                                                                           \
        d = sentinel;                                                                              \
        sim_err_clear(&err);                                                                       \
        assert_int_equal((call), SIM_EINVAL);                                                      \
        assert_int_equal(err.code, SIM_EINVAL);                                                    \
        assert_true(err.msg[0] != '\0');                                                           \
        assert_memory_equal(&d, &sentinel, sizeof d);                                              \
    } while (0)
    REJECTS(sim_dist_const(NAN, &d, &err));
    REJECTS(sim_dist_const(INFINITY, &d, &err));
    REJECTS(sim_dist_exponential(0.0, &d, &err));
    REJECTS(sim_dist_exponential(-1.0, &d, &err));
    REJECTS(sim_dist_exponential(NAN, &d, &err));
    REJECTS(sim_dist_exponential(INFINITY, &d, &err));
    REJECTS(sim_dist_uniform(2.0, 1.0, &d, &err));
    REJECTS(sim_dist_uniform(NAN, 1.0, &d, &err));
    REJECTS(sim_dist_uniform(0.0, INFINITY, &d, &err));
    REJECTS(sim_dist_normal(NAN, 1.0, &d, &err));
    REJECTS(sim_dist_normal(0.0, -1.0, &d, &err));
    REJECTS(sim_dist_normal(0.0, NAN, &d, &err));
    REJECTS(sim_dist_lognormal_median_p95(0.0, 1.0, &d, &err));
    REJECTS(sim_dist_lognormal_median_p95(-1.0, 1.0, &d, &err));
    REJECTS(sim_dist_lognormal_median_p95(1.0, 1.0, &d, &err));
    REJECTS(sim_dist_lognormal_median_p95(2.0, 1.0, &d, &err));
    REJECTS(sim_dist_lognormal_median_p95(1.0, NAN, &d, &err));
    REJECTS(sim_dist_lognormal_median_p95(1.0, INFINITY, &d, &err));
    REJECTS(sim_dist_lognormal_mean_cv(0.0, 1.0, &d, &err));
    REJECTS(sim_dist_lognormal_mean_cv(1.0, -0.1, &d, &err));
    REJECTS(sim_dist_lognormal_mean_cv(1.0, NAN, &d, &err));
    REJECTS(sim_dist_gamma_mean_cv(-1.0, 1.0, &d, &err));
    REJECTS(sim_dist_gamma_mean_cv(1.0, -1.0, &d, &err));
    REJECTS(sim_dist_gamma_mean_cv(NAN, 1.0, &d, &err));
    REJECTS(sim_dist_gamma_mean_cv(1.0, INFINITY, &d, &err));
#undef REJECTS
    /* The message names the problem. */
    sim_dist_lognormal_median_p95(2.0, 1.0, &d, &err);
    assert_non_null(strstr(err.msg, "p95"));
    /* err may be NULL. */
    assert_int_equal(sim_dist_exponential(-1.0, &d, NULL), SIM_EINVAL);
    /* Edge cases that are valid: uniform lo == hi, normal sd 0. */
    assert_int_equal(sim_dist_uniform(1.0, 1.0, &d, NULL), SIM_OK);
    assert_int_equal(sim_dist_normal(1.0, 0.0, &d, NULL), SIM_OK);
}

static void create_reports_allocation_failures(void **state)
{
    (void)state;
    sim_err err;
    sim_err_clear(&err);
    sim_alloc_fail_after(1); /* a stream is one block: its generator and state */
    gsl_rng *r = sim_rng_create(1, 0, "oom", &err);
    sim_alloc_fail_reset();
    assert_null(r);
    assert_int_equal(err.code, SIM_ENOMEM);
    const double w[2] = {1, 1};
    sim_err_clear(&err);
    sim_alloc_fail_after(1);
    sim_table *t = sim_table_create(w, 2, &err);
    sim_alloc_fail_reset();
    assert_null(t);
    assert_int_equal(err.code, SIM_ENOMEM);
    sim_rng_destroy(NULL);
}

/* sim_rng's own uniforms (drawn without GSL's function pointer) are GSL's
 * numbers exactly: two copies of one stream, one drawn through sim_rng and
 * one through GSL's functions, give bit-identical values, draw for draw.
 * Exact equality is the contract, so there is no tolerance. */
static void own_uniforms_are_gsl_uniforms_bit_for_bit(void **state)
{
    (void)state;
    gsl_rng *ours = sim_rng_create(9, 2, "same", NULL);
    gsl_rng *gsl = sim_rng_create(9, 2, "same", NULL);
    assert_non_null(ours);
    assert_non_null(gsl);
    for (int i = 0; i < 100000; i++) {
        double a = sim_rng_uniform(ours), b = gsl_rng_uniform(gsl);
        assert_memory_equal(&a, &b, sizeof a);
        a = sim_rng_uniform_pos(ours);
        b = gsl_rng_uniform_pos(gsl);
        assert_memory_equal(&a, &b, sizeof a);
    }
    sim_rng_destroy(ours);
    sim_rng_destroy(gsl);
}

static double expo_f(double x)
{
    return exp(-x);
}

/* The exponential ziggurat's table: decreasing edges from x[0] = v / f(r)
 * through x[1] = r down to x[256] = 0, every strip of area v: the base
 * x[0] f(r), each other x[i] (f(x[i + 1]) - f(x[i])), f(x) = exp(-x). v is
 * computed here from r alone (the base box r f(r) plus the tail's integral
 * f(r)), so the table is checked against the definition, not against how
 * it was computed. Each area is a product and a difference of doubles near
 * 1e-2 (the top strip: f near 1, a difference of 1e-2): 1e-12 relative is
 * some thousand times their rounding, and a wrong sixth digit in an edge
 * moves its strips' areas by 1e-6 or more. */
static void check_ziggurat(const char *what, const double *x, double r, double v,
                           double (*f)(double))
{
    assert_true(x[1] == r);
    assert_true(x[256] == 0.0);
    for (int i = 0; i < 256; i++)
        if (!(x[i] > x[i + 1]))
            fail_msg("%s: edge %d (%.17g) is not above edge %d (%.17g)", what, i, x[i], i + 1,
                     x[i + 1]);
    if (!(fabs(x[0] * f(r) / v - 1.0) < 1e-12))
        fail_msg("%s: the base strip's area %.17g, want %.17g", what, x[0] * f(r), v);
    for (int i = 1; i < 256; i++) {
        double area = x[i] * (f(x[i + 1]) - f(x[i]));
        if (!(fabs(area / v - 1.0) < 1e-12))
            fail_msg("%s: strip %d's area %.17g, want %.17g", what, i, area, v);
    }
}

static void exponential_ziggurat_strips_all_have_the_same_area(void **state)
{
    (void)state;
    const double re = 7.69711747013104972;
    check_ziggurat("exponential", sim__zig_expo_x, re, (re + 1.0) * expo_f(re), expo_f);
}

/* The Kolmogorov-Smirnov statistic of the n values x (sorted here) against
 * the CDF cdf(x, p1, p2). */
static double ks_statistic(double *x, int n, double (*cdf)(double, double, double), double p1,
                           double p2)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    double d = 0.0;
    for (int i = 0; i < n; i++) {
        double F = cdf(x[i], p1, p2);
        double above = (double)(i + 1) / n - F, below = F - (double)i / n;
        d = fmax(d, fmax(above, below));
    }
    return d;
}

static double normal_cdf(double x, double mean, double sd)
{
    return gsl_cdf_gaussian_P(x - mean, sd);
}

static double expo_cdf(double x, double mean, double unused)
{
    (void)unused;
    return gsl_cdf_exponential_P(x, mean);
}

/* The 0.999 quantile of the Kolmogorov distribution: sqrt(n) D_n exceeds it
 * with probability 0.001 when the draws have the CDF (the asymptotic form,
 * within 1% of the exact one at n = 10^5). A seed is fixed, so a pass is
 * repeatable; a false failure would have had probability 0.001. */
#define KS_999 1.9495

/* The samplers against the CDFs of the distributions they stand for, by
 * GSL's CDFs (independent of the ziggurats): 10^5 draws each, so the
 * largest CDF error the test lets pass is about 0.006. */
static void samplers_pass_ks_tests_against_gsl_cdfs(void **state)
{
    (void)state;
    enum { N = 100000 };
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    gsl_rng *r = sim_rng_create(21, 0, "ks", NULL);
    assert_non_null(r);
    sim_dist d;
    struct {
        const char *what;
        int rc;
        double (*cdf)(double, double, double);
    } cases[] = {
        {"lognormal", sim_dist_lognormal_mean_cv(0.2, 0.8, &d, NULL), gsl_cdf_lognormal_P},
        {"normal", SIM_OK, normal_cdf},
        {"exponential", SIM_OK, expo_cdf},
    };
    for (int c = 0; c < 3; c++) {
        if (c == 1)
            assert_int_equal(sim_dist_normal(-1.5, 0.7, &d, NULL), SIM_OK);
        if (c == 2)
            assert_int_equal(sim_dist_exponential(3.0, &d, NULL), SIM_OK);
        assert_int_equal(cases[c].rc, SIM_OK);
        for (int i = 0; i < N; i++)
            x[i] = sim_dist_sample(&d, r);
        double D = ks_statistic(x, N, cases[c].cdf, d.a, d.b);
        if (!(D * sqrt(N) <= KS_999))
            fail_msg("%s: KS statistic %g, above %g", cases[c].what, D, KS_999 / sqrt(N));
    }
    sim_rng_destroy(r);
    free(x);
}

static double normal_tail_cdf(double z, double t, double unused)
{
    (void)unused;
    return 1.0 - gsl_cdf_ugaussian_Q(z) / gsl_cdf_ugaussian_Q(t);
}

static double expo_tail_cdf(double x, double t, double unused)
{
    (void)unused;
    return gsl_cdf_exponential_P(x - t, 1.0);
}

/* KS tests of the n tail draws x beyond t, of which the last `beyond`
 * (once sorted) are beyond r, against the CDF given x > t and given x > r:
 * the second sees the tail algorithm alone. */
static void check_tail(const char *what, double *x, int n, int beyond,
                       double (*cdf)(double, double, double), double t, double r)
{
    double D = ks_statistic(x, n, cdf, t, 0.0);
    if (!(D * sqrt(n) <= KS_999))
        fail_msg("%s beyond %g: KS statistic %g over %d draws, above %g", what, t, D, n,
                 KS_999 / sqrt(n));
    D = ks_statistic(x + (n - beyond), beyond, cdf, r, 0.0);
    if (!(D * sqrt(beyond) <= KS_999))
        fail_msg("%s beyond r: KS statistic %g over %d draws, above %g", what, D, beyond,
                 KS_999 / sqrt(beyond));
}

/* The draws of the normal beyond |z| = 3 and of the exponential beyond 6,
 * too rare for the KS test above to see: there the ziggurats' strips are
 * widest and flattest, so a fault in their wedges weighs most, and beyond
 * r (GSL's normal: 3.444; our exponential: 7.697) they draw by another
 * algorithm. 4 x 10^7 normals and 10^7 exponentials, and
 *  - the count beyond r within 5 binomial standard errors of n P(beyond r)
 *    (a false failure below 6e-7);
 *  - the draws beyond t = 3 (about 108,000 normals, of which 23,000
 *    beyond r) and beyond t = 6 (25,000 exponentials, 4,500 beyond r)
 *    against the distribution's CDF given x > t, and those beyond r given
 *    x > r, by KS tests as above: for the normal 1 - Q(|z|) / Q(t), for
 *    the exponential t + Exp(1);
 *  - as many normals below -3 as above 3, within 5 standard errors. */
static void tails_of_the_ziggurats_follow_the_distribution(void **state)
{
    (void)state;
    const double rn = 3.44428647676, re = 7.69711747013104972; /* rn: GSL's PARAM_R */
    const double tn = 3.0, te = 6.0;
    enum { NN = 40000000, NE = 10000000, CAP = 200000 };
    double *hi = malloc(CAP * sizeof *hi);
    assert_non_null(hi);
    gsl_rng *r = sim_rng_create(22, 0, "tails", NULL);
    assert_non_null(r);

    sim_dist d;
    assert_int_equal(sim_dist_normal(0.0, 1.0, &d, NULL), SIM_OK);
    int n = 0, neg = 0, beyond = 0;
    for (int i = 0; i < NN; i++) {
        double z = sim_dist_sample(&d, r);
        if (fabs(z) > tn) {
            neg += z < 0.0;
            beyond += fabs(z) > rn;
            assert_true(n < CAP);
            hi[n++] = fabs(z);
        }
    }
    double p = 2.0 * gsl_cdf_ugaussian_Q(rn);
    if (!(fabs(beyond - NN * p) <= 5.0 * sqrt(NN * p * (1 - p))))
        fail_msg("normal: %d draws beyond +-r, expected %.0f", beyond, NN * p);
    if (!(fabs(neg - 0.5 * n) <= 5.0 * sqrt(0.25 * n)))
        fail_msg("normal: %d of %d tail draws negative", neg, n);
    check_tail("normal", hi, n, beyond, normal_tail_cdf, tn, rn);

    assert_int_equal(sim_dist_exponential(1.0, &d, NULL), SIM_OK);
    n = beyond = 0;
    for (int i = 0; i < NE; i++) {
        double x = sim_dist_sample(&d, r);
        if (x > te) {
            beyond += x > re;
            assert_true(n < CAP);
            hi[n++] = x;
        }
    }
    p = exp(-re);
    if (!(fabs(beyond - NE * p) <= 5.0 * sqrt(NE * p * (1 - p))))
        fail_msg("exponential: %d draws beyond r, expected %.0f", beyond, NE * p);
    check_tail("exponential", hi, n, beyond, expo_tail_cdf, te, re);
    sim_rng_destroy(r);
    free(hi);
}

/* P(N <= k) for N ~ Poisson(m) by summing the pmf from where the lower tail
 * is below 1e-30 (12 sd under the mean), each term from lgamma in long double:
 * independent of the expansion sim_poisson_quantile uses. At a mean of 1e6
 * the exponent's parts are about 1e7, so even long double leaves about
 * 1e-12 of relative error in each term: the u values below stay 1e-6 from
 * 0 and 1, where a CDF step (a pmf term) is far larger than that. */
static double poisson_cdf_by_sum(uint64_t k, double m)
{
    double lo = m - 12.0 * sqrt(m) - 20.0;
    uint64_t j = lo > 0.0 ? (uint64_t)lo : 0;
    long double sum = 0.0L, lm = logl((long double)m);
    for (; j <= k; j++)
        sum += expl((long double)j * lm - (long double)m - lgammal((long double)j + 1.0L));
    return (double)sum;
}

/* The quantile is the smallest k with P(N <= k) >= u, checked against a
 * direct sum of the pmf at means on both sides of the method switch (40)
 * and far above it. The sum's error is about 1e-12; the u values are not
 * that close to any CDF step, so the check is exact. */
static void poisson_quantile_is_the_smallest_count_reaching_u(void **state)
{
    (void)state;
    const double means[] = {0.5, 5.0, 39.9, 40.0, 41.0, 300.0, 1e4, 1e6};
    const double us[] = {1e-6, 0.01, 0.3, 0.5, 0.77, 0.99, 1.0 - 1e-6};
    for (size_t i = 0; i < sizeof means / sizeof *means; i++) {
        for (size_t j = 0; j < sizeof us / sizeof *us; j++) {
            uint64_t k = sim_poisson_quantile(means[i], us[j]);
            double at = poisson_cdf_by_sum(k, means[i]);
            double below = k > 0 ? poisson_cdf_by_sum(k - 1, means[i]) : 0.0;
            if (!(at >= us[j] && below < us[j]))
                fail_msg("mean %g u %g: k %llu, F(k) %.15g, F(k-1) %.15g", means[i], us[j],
                         (unsigned long long)k, at, below);
        }
    }
    assert_int_equal(sim_poisson_quantile(0.0, 0.5), 0);
    assert_int_equal(sim_poisson_quantile(-1.0, 0.5), 0);
    /* u a hair (1e-9) on either side of a step, far closer than the fast
     * CDF's own error: the exact sum decides, so the quantile is still the
     * definition's. */
    for (uint64_t k = 45; k <= 55; k += 5) {
        double step = poisson_cdf_by_sum(k, 50.0);
        assert_int_equal(sim_poisson_quantile(50.0, step - 1e-9), k);
        assert_int_equal(sim_poisson_quantile(50.0, step + 1e-9), k + 1);
    }
}

/* Counts drawn by inversion are Poisson: 200,000 draws at mean 7.3 and at
 * 900 have the mean and the variance of the distribution within 4 standard
 * errors (SE of the mean sqrt(m / n); of the variance sqrt((m + 2 m^2) / n),
 * the fourth central moment of a Poisson being m + 3 m^2). A larger mean
 * never gives a smaller count for the same u. */
static void poisson_quantiles_of_uniforms_are_poisson_and_monotone_in_the_mean(void **state)
{
    (void)state;
    enum { N = 200000 };
    gsl_rng *r = sim_rng_create(5, 0, "poisson", NULL);
    assert_non_null(r);
    const double means[] = {7.3, 900.0};
    for (int i = 0; i < 2; i++) {
        double m = means[i], sum = 0.0, sum2 = 0.0;
        for (int n = 0; n < N; n++) {
            double u = sim_rng_uniform_pos(r);
            double k = (double)sim_poisson_quantile(m, u);
            sum += k;
            sum2 += k * k;
            assert_true(sim_poisson_quantile(m * 1.25, u) >= (uint64_t)k);
        }
        double mean = sum / N, var = (sum2 - N * mean * mean) / (N - 1);
        assert_true(fabs(mean - m) <= 4.0 * sqrt(m / N));
        assert_true(fabs(var - m) <= 4.0 * sqrt((m + 2.0 * m * m) / N));
    }
    sim_rng_destroy(r);
}

/* A reseeded generator repeats exactly the numbers of that seed, whatever
 * it drew before; different stretches and keys give different numbers; a
 * binomial of more trials than an unsigned int holds has mean n p. */
static void reseeding_by_key_and_stretch_repeats_the_stretch(void **state)
{
    (void)state;
    gsl_rng *r = sim_rng_create(1, 0, "a", NULL);
    assert_non_null(r);
    uint64_t key = sim_rng_key(r);
    double first[4], again[4];
    sim_rng_reseed(r, sim_rng_mix(key, 3600));
    for (int i = 0; i < 4; i++)
        first[i] = gsl_rng_uniform(r);
    for (int i = 0; i < 100; i++)
        gsl_rng_uniform(r);
    sim_rng_reseed(r, sim_rng_mix(key, 3600));
    for (int i = 0; i < 4; i++)
        again[i] = gsl_rng_uniform(r);
    assert_memory_equal(first, again, sizeof first);
    sim_rng_reseed(r, sim_rng_mix(key, 7200));
    assert_true(gsl_rng_uniform(r) != first[0]);
    sim_rng_reseed(r, sim_rng_mix(key + 1, 3600));
    assert_true(gsl_rng_uniform(r) != first[0]);
    assert_true(sim_rng_mix(1, 2) != sim_rng_mix(2, 1));
    /* 1e10 trials at p = 0.3: mean 3e9, sd sqrt(2.1e9) = 45,826. */
    uint64_t k = sim_binomial(r, 0.3, 10000000000ULL);
    assert_true(fabs((double)k - 3e9) <= 4.0 * 45826.0);
    assert_int_equal(sim_binomial(r, 0.0, 10), 0);
    assert_int_equal(sim_binomial(r, 1.0, 10), 10);
    sim_rng_destroy(r);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xoshiro_matches_published_output_for_state_1_2_3_4),
        cmocka_unit_test(uniform_uses_the_top_53_bits_and_uniform_pos_skips_zero),
        cmocka_unit_test(gsl_rng_set_is_deterministic),
        cmocka_unit_test(stream_is_reproducible),
        cmocka_unit_test(streams_do_not_depend_on_creation_order),
        cmocka_unit_test(different_names_reps_and_seeds_give_different_sequences),
        cmocka_unit_test(streams_are_uncorrelated),
        cmocka_unit_test(each_distribution_matches_its_closed_form_moments),
        cmocka_unit_test(quantiles_match_closed_forms),
        cmocka_unit_test(lognormal_median_p95_gives_the_requested_quantiles),
        cmocka_unit_test(lognormal_mean_cv_has_the_requested_mean),
        cmocka_unit_test(gamma_with_cv_one_over_sqrt_n_is_erlang_n),
        cmocka_unit_test(bernoulli_frequency_matches_p),
        cmocka_unit_test(sample_time_rounds_to_microseconds_and_clamps_negatives),
        cmocka_unit_test(table_frequencies_match_the_weights),
        cmocka_unit_test(bad_tables_are_rejected),
        cmocka_unit_test(constructors_reject_bad_parameters),
        cmocka_unit_test(create_reports_allocation_failures),
        cmocka_unit_test(own_uniforms_are_gsl_uniforms_bit_for_bit),
        cmocka_unit_test(exponential_ziggurat_strips_all_have_the_same_area),
        cmocka_unit_test(samplers_pass_ks_tests_against_gsl_cdfs),
        cmocka_unit_test(tails_of_the_ziggurats_follow_the_distribution),
        cmocka_unit_test(poisson_quantile_is_the_smallest_count_reaching_u),
        cmocka_unit_test(poisson_quantiles_of_uniforms_are_poisson_and_monotone_in_the_mean),
        cmocka_unit_test(reseeding_by_key_and_stretch_repeats_the_stretch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
