/*
 * Unit tests of sim_stats: tally against hand-computed and two-pass values,
 * merges against the tally or histogram of the concatenated data, the
 * time-weighted average on a hand-computed step function, histogram
 * quantiles against exact order statistics, edge values, the bin walk, the
 * no-allocation promise, and series buckets on hand-computed signals.
 */
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
#include "sim_pack.h"
#include "sim_rng.h"
#include "sim_stats.h"
#include "sim_time.h"

/* Hand-computed values are sums of a few exact binary fractions; 1e-12
 * only absorbs the rounding of a final division. */
#define EPS 1e-12

static int rel_close(double x, double y, double rel)
{
    return fabs(x - y) <= rel * fmax(fabs(x), fabs(y));
}

/* ---- tally -------------------------------------------------------------- */

/* {2, 4, 4, 4, 5, 5, 7, 9}: sum 40, mean 5; squared deviations
 * 9 + 1 + 1 + 1 + 0 + 0 + 4 + 16 = 32, sample variance 32 / 7. */
static void tally_matches_hand_computed_values(void **state)
{
    (void)state;
    const double x[8] = {2, 4, 4, 4, 5, 5, 7, 9};
    sim_tally t;
    sim_tally_init(&t);
    assert_true(t.n == 0);
    assert_true(sim_tally_var(&t) == 0.0);
    assert_true(isinf(t.min) && t.min > 0 && isinf(t.max) && t.max < 0);
    sim_tally_add(&t, x[0]);
    assert_true(sim_tally_var(&t) == 0.0); /* n < 2 */
    for (int i = 1; i < 8; i++)
        sim_tally_add(&t, x[i]);
    assert_true(t.n == 8);
    assert_true(fabs(t.mean - 5.0) < EPS);
    assert_true(fabs(t.m2 - 32.0) < EPS);
    assert_true(fabs(sim_tally_var(&t) - 32.0 / 7.0) < EPS);
    assert_true(fabs(sim_tally_sd(&t) - sqrt(32.0 / 7.0)) < EPS);
    assert_true(t.min == 2.0 && t.max == 9.0);
}

/* Welford against a two-pass computation on data with a large offset
 * (mean 1e6, sd 1), where a naive sum-of-squares would lose ~12 digits. */
static void tally_matches_two_pass_on_offset_data(void **state)
{
    (void)state;
    enum { N = 10000 };
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    gsl_rng *r = sim_rng_create(1, 0, "tally", NULL);
    sim_tally t;
    sim_tally_init(&t);
    double sum = 0.0;
    for (int i = 0; i < N; i++) {
        x[i] = 1e6 + gsl_ran_gaussian(r, 1.0);
        sum += x[i];
        sim_tally_add(&t, x[i]);
    }
    double mean = sum / N, ss = 0.0;
    for (int i = 0; i < N; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    assert_true(rel_close(t.mean, mean, 1e-12));
    assert_true(rel_close(sim_tally_var(&t), ss / (N - 1), 1e-8));
    free(x);
    sim_rng_destroy(r);
}

static void tally_merge_equals_tally_of_the_concatenation(void **state)
{
    (void)state;
    gsl_rng *r = sim_rng_create(2, 0, "tally-merge", NULL);
    sim_tally a, b, all, empty;
    sim_tally_init(&a);
    sim_tally_init(&b);
    sim_tally_init(&all);
    sim_tally_init(&empty);
    for (int i = 0; i < 1000; i++) {
        double x = 3.0 + gsl_ran_exponential(r, 2.0);
        sim_tally_add(&a, x);
        sim_tally_add(&all, x);
    }
    for (int i = 0; i < 2345; i++) {
        double x = 10.0 + gsl_ran_gaussian(r, 5.0);
        sim_tally_add(&b, x);
        sim_tally_add(&all, x);
    }
    sim_tally m = a;
    sim_tally_merge(&m, &b);
    assert_true(m.n == all.n);
    assert_true(rel_close(m.mean, all.mean, 1e-12));
    assert_true(rel_close(m.m2, all.m2, 1e-12));
    assert_true(m.min == all.min && m.max == all.max);

    /* Merging with an empty tally on either side changes nothing. */
    sim_tally e = empty;
    sim_tally_merge(&e, &a);
    assert_memory_equal(&e, &a, sizeof e);
    sim_tally_merge(&e, &empty);
    assert_memory_equal(&e, &a, sizeof e);
    sim_rng_destroy(r);
}

/* ---- time-weighted average ---------------------------------------------- */

/* Level 0 on [0, 2), 3 on [2, 5), 1 on [5, 10) seconds:
 * mean = (0*2 + 3*3 + 1*5) / 10 = 1.4, max 3. */
static void timeavg_matches_a_hand_computed_step_function(void **state)
{
    (void)state;
    sim_timeavg a;
    sim_timeavg_init(&a, 0, 0.0);
    assert_true(sim_timeavg_mean(&a, 0) == 0.0); /* no time: current level */
    sim_timeavg_set(&a, 2 * SIM_SEC, 3.0);
    sim_timeavg_set(&a, 5 * SIM_SEC, 1.0);
    assert_true(fabs(sim_timeavg_mean(&a, 10 * SIM_SEC) - 1.4) < EPS);
    assert_true(a.max == 3.0);
    /* Up to 5 s: (0*2 + 3*3) / 5 = 1.8; the mean does not change state. */
    assert_true(fabs(sim_timeavg_mean(&a, 5 * SIM_SEC) - 1.8) < EPS);

    /* The same signal by deltas. */
    sim_timeavg b;
    sim_timeavg_init(&b, 0, 0.0);
    sim_timeavg_add(&b, 2 * SIM_SEC, +3.0);
    sim_timeavg_add(&b, 5 * SIM_SEC, -2.0);
    assert_true(fabs(sim_timeavg_mean(&b, 10 * SIM_SEC) - 1.4) < EPS);

    /* Reset at 10 s keeps level 1: 1 on [10, 12), 4 on [12, 20):
     * (1*2 + 4*8) / 10 = 3.4. */
    sim_timeavg_set(&a, 10 * SIM_SEC, 1.0);
    sim_timeavg_reset(&a, 10 * SIM_SEC);
    assert_true(a.start == 10 * SIM_SEC && a.level == 1.0);
    assert_true(sim_timeavg_mean(&a, 10 * SIM_SEC) == 1.0);
    sim_timeavg_set(&a, 12 * SIM_SEC, 4.0);
    assert_true(fabs(sim_timeavg_mean(&a, 20 * SIM_SEC) - 3.4) < EPS);
    assert_true(a.max == 4.0);

    /* A start other than 0: level 2 on [100, 104), 6 on [104, 108): 4. */
    sim_timeavg c;
    sim_timeavg_init(&c, 100, 2.0);
    sim_timeavg_set(&c, 104, 6.0);
    assert_true(fabs(sim_timeavg_mean(&c, 108) - 4.0) < EPS);
}

/* ---- histogram ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * For 10^5 samples of each distribution and each q, the histogram quantile
 * against the exact order statistic of rank ceil(q n) of the sorted sample.
 * The tolerance is not statistical: both are the same order statistic, and
 * the histogram reports its bin's midpoint, within half a bin width (at most
 * 1/128 = 0.78% of the value) of it, hence within 1%.
 */
static void hist_quantile_is_within_1pct_of_the_exact_order_statistic(void **state)
{
    (void)state;
    enum { N = 100000 };
    const double qs[5] = {0.5, 0.9, 0.95, 0.99, 0.999};
    sim_dist dists[3];
    assert_int_equal(sim_dist_lognormal_median_p95(0.2, 1.0, &dists[0], NULL), SIM_OK);
    assert_int_equal(sim_dist_exponential(0.05, &dists[1], NULL), SIM_OK);
    assert_int_equal(sim_dist_uniform(10.0, 20.0, &dists[2], NULL), SIM_OK);
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    gsl_rng *r = sim_rng_create(3, 0, "hist-quantiles", NULL);
    for (int k = 0; k < 3; k++) {
        sim_hist *h = sim_hist_create(NULL);
        assert_non_null(h);
        for (int i = 0; i < N; i++) {
            x[i] = sim_dist_sample(&dists[k], r);
            sim_hist_add(h, x[i]);
        }
        qsort(x, N, sizeof *x, cmp_double);
        for (int j = 0; j < 5; j++) {
            double exact = x[(size_t)ceil(qs[j] * N) - 1];
            double got = sim_hist_quantile(h, qs[j]);
            if (!rel_close(got, exact, 0.01))
                fail_msg("dist %d q %g: histogram %g, exact %g", k, qs[j], got, exact);
        }
        assert_true(sim_hist_quantile(h, 0.0) == x[0]);
        assert_true(sim_hist_quantile(h, 1.0) == x[N - 1]);
        assert_true(sim_hist_min(h) == x[0]);
        assert_true(sim_hist_max(h) == x[N - 1]);
        sim_hist_destroy(h);
    }
    free(x);
    sim_rng_destroy(r);
}

static void hist_min_max_mean_are_exact(void **state)
{
    (void)state;
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    assert_true(sim_hist_count(h) == 0);
    assert_true(isnan(sim_hist_min(h)));
    assert_true(isnan(sim_hist_max(h)));
    assert_true(isnan(sim_hist_mean(h)));
    assert_true(isnan(sim_hist_quantile(h, 0.5)));
    assert_true(isnan(sim_hist_cdf(h, 1.0)));

    const double x[4] = {0.5, 3.25, 0.001, 7.0};
    for (int i = 0; i < 4; i++)
        sim_hist_add(h, x[i]);
    assert_true(sim_hist_count(h) == 4);
    assert_true(sim_hist_min(h) == 0.001);
    assert_true(sim_hist_max(h) == 7.0);
    assert_true(fabs(sim_hist_mean(h) - (0.5 + 3.25 + 0.001 + 7.0) / 4) < EPS);
    /* Rank 2 of 4 is 0.5, a bin edge: [0.5, 0.5 + 0.5/128) has midpoint
     * 0.5 * (1 + 1/128). */
    assert_true(fabs(sim_hist_quantile(h, 0.5) - 0.5 * (1 + 1.0 / 128)) < EPS);

    /* add_n is count adds. */
    sim_hist_add_n(h, 2.0, 5);
    assert_true(sim_hist_count(h) == 9);
    assert_true(fabs(sim_hist_mean(h) - (10.751 + 10.0) / 9) < EPS);
    sim_hist_add_n(h, 100.0, 0); /* nothing */
    assert_true(sim_hist_max(h) == 7.0);

    sim_hist_reset(h);
    assert_true(sim_hist_count(h) == 0);
    assert_true(isnan(sim_hist_mean(h)));
    assert_int_equal(sim_hist_nbins(h), 0);
    sim_hist_destroy(h);
    sim_hist_destroy(NULL);
}

/*
 * Values <= 2^-30 (zero, negatives, tiny) go to the underflow bin, reported
 * as 0 clamped to [min, max]; values >= 2^40 to the overflow bin, reported
 * as the exact max; NaN is ignored. Sorted sample: -5, 0, 1e-12, 1e15,
 * 1e300.
 */
static void hist_handles_nonpositive_tiny_huge_and_nan_values(void **state)
{
    (void)state;
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    const double x[6] = {1e300, 0.0, NAN, -5.0, 1e-12, 1e15};
    for (int i = 0; i < 6; i++)
        sim_hist_add(h, x[i]);
    assert_true(sim_hist_count(h) == 5);
    assert_true(sim_hist_min(h) == -5.0);
    assert_true(sim_hist_max(h) == 1e300);
    assert_true(sim_hist_quantile(h, 0.2) == -5.0);  /* rank 1: exact min */
    assert_true(sim_hist_quantile(h, 0.4) == 0.0);   /* rank 2: underflow */
    assert_true(sim_hist_quantile(h, 0.6) == 0.0);   /* rank 3: underflow */
    assert_true(sim_hist_quantile(h, 0.8) == 1e300); /* rank 4: overflow */
    assert_true(sim_hist_quantile(h, 1.0) == 1e300);
    assert_true(isnan(sim_hist_quantile(h, 1.5)));

    double lo, hi;
    uint64_t c;
    assert_int_equal(sim_hist_nbins(h), 2);
    assert_int_equal(sim_hist_bin(h, 0, &lo, &hi, &c), 1);
    assert_true(lo == 0.0 && hi == 0x1.0p-30 && c == 3);
    assert_int_equal(sim_hist_bin(h, 1, &lo, &hi, &c), 1);
    assert_true(lo == 0x1.0p40 && c == 2);
    assert_int_equal(sim_hist_bin(h, 2, &lo, &hi, &c), 0);
    sim_hist_destroy(h);

    /* The range edges: 2^-30 itself is underflow, 2^40 itself overflow,
     * the doubles just inside are regular bins. */
    h = sim_hist_create(NULL);
    sim_hist_add(h, 0x1.0p-30);
    sim_hist_add(h, nextafter(0x1.0p-30, 1.0));
    sim_hist_add(h, nextafter(0x1.0p40, 0.0));
    sim_hist_add(h, 0x1.0p40);
    sim_hist_add(h, INFINITY);
    assert_int_equal(sim_hist_nbins(h), 4);
    assert_int_equal(sim_hist_bin(h, 0, &lo, &hi, &c), 1);
    assert_true(lo == 0.0 && c == 1);
    assert_int_equal(sim_hist_bin(h, 1, &lo, &hi, &c), 1);
    assert_true(lo == 0x1.0p-30 && hi == 0x1.0p-30 * (1 + 1.0 / 64) && c == 1);
    assert_int_equal(sim_hist_bin(h, 2, &lo, &hi, &c), 1);
    assert_true(lo == 0x1.0p39 * (1 + 63.0 / 64) && hi == 0x1.0p40 && c == 1);
    assert_int_equal(sim_hist_bin(h, 3, &lo, &hi, &c), 1);
    assert_true(lo == 0x1.0p40 && c == 2);
    assert_true(isinf(sim_hist_max(h)));
    sim_hist_destroy(h);
}

/* A single value v lands in the bin [lo, hi) with hi - lo = 2^e / 64 where
 * 2^e <= v < 2^(e+1): the layout of the header, checked value by value. */
static void each_value_lands_in_its_log_linear_bin(void **state)
{
    (void)state;
    const double vs[] = {1.0, 1.5, 0.999, 0x1.0p-29, 12345.678, 3e-9, 1e11, 0.2};
    for (size_t k = 0; k < sizeof vs / sizeof vs[0]; k++) {
        sim_hist *h = sim_hist_create(NULL);
        sim_hist_add(h, vs[k]);
        double lo, hi;
        uint64_t c;
        assert_int_equal(sim_hist_bin(h, 0, &lo, &hi, &c), 1);
        int e;
        frexp(vs[k], &e); /* vs = f 2^e, f in [0.5, 1): octave 2^(e-1) */
        double octave = ldexp(1.0, e - 1);
        assert_true(lo <= vs[k] && vs[k] < hi);
        assert_true(hi - lo == octave / 64);
        assert_true(c == 1);
        sim_hist_destroy(h);
    }
}

/* One value in the middle of every regular bin, plus one underflow and one
 * overflow value, occupy every bin exactly once: 70 * 64 + 2 = 4482. */
static void hist_has_a_fixed_layout_of_4482_bins(void **state)
{
    (void)state;
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    for (int pass = 0; pass < 2; pass++) {
        sim_hist_add(h, 0.0);
        for (int o = 0; o < 70; o++)
            for (int s = 0; s < 64; s++)
                sim_hist_add(h, ldexp(1.0 + (s + 0.5) / 64, o - 30));
        sim_hist_add(h, 0x1.0p41);
        assert_int_equal(sim_hist_nbins(h), 4482);
    }
    /* The walk is in increasing order, edges touch, and counts cover all. */
    double lo, hi, prev_hi = 0.0;
    uint64_t c, total = 0;
    for (size_t i = 0; sim_hist_bin(h, i, &lo, &hi, &c); i++) {
        assert_true(lo < hi);
        if (i > 0)
            assert_true(lo == prev_hi);
        assert_true(c == 2);
        prev_hi = hi;
        total += c;
    }
    assert_true(total == sim_hist_count(h));
    sim_hist_destroy(h);
}

static void hist_bin_walk_covers_all_counts(void **state)
{
    (void)state;
    sim_hist *h = sim_hist_create(NULL);
    gsl_rng *r = sim_rng_create(4, 0, "hist-bins", NULL);
    for (int i = 0; i < 10000; i++)
        sim_hist_add(h, gsl_ran_exponential(r, 1.0));
    double lo, hi, prev = -1.0;
    uint64_t c, total = 0;
    size_t i = 0;
    for (; sim_hist_bin(h, i, &lo, &hi, &c); i++) {
        assert_true(lo > prev);
        assert_true(c > 0);
        assert_true(hi - lo <= lo / 64);
        prev = lo;
        total += c;
    }
    assert_true(i == sim_hist_nbins(h));
    assert_true(total == 10000);
    sim_rng_destroy(r);
    sim_hist_destroy(h);
}

/* sim_hist_next walks the same bins as sim_hist_bin(h, 0), (h, 1), ...,
 * in the same order with the same edges and counts, then stops (and stays
 * stopped). The histogram is sparse: the underflow bin, two bins 2^-20 and
 * 2^19 apart (the octaves between are held but empty), a run of adjacent
 * bins, and the overflow bin; then with counts past 2^32 (the wide bins).
 * Expected by hand: 1 + 1 + 3 + 1 + 1 = 7 non-empty bins. */
static void hist_next_walks_the_bins_of_hist_bin(void **state)
{
    (void)state;
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    double lo, hi, lo2, hi2;
    uint64_t c, c2;
    size_t at = 0;
    assert_int_equal(sim_hist_next(h, &at, &lo, &hi, &c), 0); /* empty: no bin */
    for (int pass = 0; pass < 2; pass++) {
        sim_hist_add_n(h, 0.0, 3);  /* underflow */
        sim_hist_add(h, 0x1.0p-20); /* alone, low */
        sim_hist_add_n(h, 1.0, 2);  /* three adjacent bins of octave 0 */
        sim_hist_add(h, 1.0 + 1.0 / 64);
        sim_hist_add(h, 1.0 + 2.0 / 64);
        sim_hist_add(h, 0x1.8p19);  /* alone, high */
        sim_hist_add_n(h, 1e13, 4); /* overflow */
        if (pass == 1)
            sim_hist_add_n(h, 1.0, (uint64_t)1 << 33); /* the counts widen */
        assert_int_equal(sim_hist_nbins(h), 7);
        at = 0;
        size_t i = 0;
        uint64_t total = 0;
        while (sim_hist_next(h, &at, &lo, &hi, &c)) {
            assert_int_equal(sim_hist_bin(h, i, &lo2, &hi2, &c2), 1);
            assert_true(lo == lo2 && hi == hi2 && c == c2);
            total += c;
            i++;
        }
        assert_int_equal(i, 7);
        assert_int_equal(sim_hist_bin(h, i, &lo2, &hi2, &c2), 0);
        assert_true(total == sim_hist_count(h));
        assert_int_equal(sim_hist_next(h, &at, &lo, &hi, &c), 0); /* stays at the end */
        /* the first and the last by hand: underflow [0, 2^-30], overflow
         * [2^40, max] */
        at = 0;
        assert_int_equal(sim_hist_next(h, &at, &lo, &hi, &c), 1);
        assert_true(lo == 0.0 && hi == 0x1.0p-30 && c == (uint64_t)(3 * (pass + 1)));
        assert_int_equal(sim_hist_next(h, &at, &lo, &hi, &c), 1);
        assert_true(lo == 0x1.0p-20 && hi == 0x1.0p-20 * (1 + 1.0 / 64));
    }
    sim_hist_destroy(h);
}

/* Values 1..100: 50 is alone in its bin [50, 50.5), so the share <= 50 is
 * exactly 0.5; below the min 0, at or above the max 1. */
static void hist_cdf_is_the_binned_empirical_cdf(void **state)
{
    (void)state;
    sim_hist *h = sim_hist_create(NULL);
    for (int i = 1; i <= 100; i++)
        sim_hist_add(h, (double)i);
    assert_true(sim_hist_cdf(h, 50.0) == 0.5);
    assert_true(sim_hist_cdf(h, 50.25) == 0.5);
    assert_true(sim_hist_cdf(h, 0.5) == 0.0);
    assert_true(sim_hist_cdf(h, 100.0) == 1.0);
    assert_true(sim_hist_cdf(h, 1e9) == 1.0);
    sim_hist_destroy(h);
}

static void hist_merge_equals_the_hist_of_the_union(void **state)
{
    (void)state;
    sim_hist *a = sim_hist_create(NULL), *b = sim_hist_create(NULL);
    sim_hist *u = sim_hist_create(NULL);
    gsl_rng *r = sim_rng_create(5, 0, "hist-merge", NULL);
    for (int i = 0; i < 5000; i++) {
        double x = gsl_ran_lognormal(r, 0.0, 1.0);
        sim_hist_add(a, x);
        sim_hist_add(u, x);
    }
    for (int i = 0; i < 7000; i++) {
        double x = 2.0 * gsl_ran_exponential(r, 1.0);
        sim_hist_add(b, x);
        sim_hist_add(u, x);
    }
    sim_hist *c = sim_hist_clone(a, NULL);
    assert_non_null(c);
    sim_hist_merge(a, b);
    assert_true(sim_hist_count(a) == sim_hist_count(u));
    assert_true(sim_hist_min(a) == sim_hist_min(u));
    assert_true(sim_hist_max(a) == sim_hist_max(u));
    assert_true(rel_close(sim_hist_mean(a), sim_hist_mean(u), 1e-12));
    for (double q = 0.0; q <= 1.0; q += 0.01)
        assert_true(sim_hist_quantile(a, q) == sim_hist_quantile(u, q));
    assert_int_equal(sim_hist_nbins(a), sim_hist_nbins(u));
    double lo1, hi1, lo2, hi2;
    uint64_t c1, c2;
    for (size_t i = 0; sim_hist_bin(u, i, &lo1, &hi1, &c1); i++) {
        assert_int_equal(sim_hist_bin(a, i, &lo2, &hi2, &c2), 1);
        assert_true(lo1 == lo2 && hi1 == hi2 && c1 == c2);
    }
    /* The clone taken before the merge is independent of it. */
    assert_true(sim_hist_count(c) == 5000);
    sim_hist_merge(c, b);
    assert_true(sim_hist_quantile(c, 0.9) == sim_hist_quantile(u, 0.9));
    sim_rng_destroy(r);
    sim_hist_destroy(a);
    sim_hist_destroy(b);
    sim_hist_destroy(c);
    sim_hist_destroy(u);
}

/* Only the first value in an octave allocates (its 64 bins). The test
 * first puts a value in every octave the rest will touch, then arms the
 * allocation hook so the 2nd allocation from now fails and uses every
 * per-observation and query function on those octaves. If none allocated,
 * the test's own next sim_malloc is the 1st and succeeds, and the one after
 * fails (showing the hook was armed). */
static void hist_allocates_only_for_an_octave_seen_the_first_time(void **state)
{
    (void)state;
    sim_hist *h = sim_hist_create(NULL), *other = sim_hist_create(NULL);
    assert_non_null(h);
    assert_non_null(other);
    sim_hist_add(other, 1.0);
    double x = 1e-6, lo, hi, acc = 0.0;
    uint64_t c;
    for (int i = 0; i < 200000; i++) { /* 1e-6 .. 4.85e2: 29 octaves */
        sim_hist_add(h, x);
        x *= 1.0001;
    }
    assert_int_equal(sim_hist_blocks(h), 29);
    sim_alloc_fail_after(2);
    x = 1e-6;
    for (int i = 0; i < 200000; i++) {
        sim_hist_add(h, x);
        x *= 1.0001;
    }
    sim_hist_add_n(h, 3.0, 1000);
    sim_hist_merge(h, other);
    for (int i = 0; i <= 100; i++)
        acc += sim_hist_quantile(h, i / 100.0) + sim_hist_cdf(h, i);
    for (size_t i = 0; sim_hist_bin(h, i, &lo, &hi, &c); i++)
        acc += lo;
    acc += sim_hist_mean(h) + (double)sim_hist_nbins(h);
    sim_hist_reset(h);
    void *first = sim_malloc(16);
    void *second = sim_malloc(16);
    sim_alloc_fail_reset();
    assert_non_null(first);
    assert_null(second);
    assert_true(acc > 0.0);
    assert_int_equal(sim_hist_status(h), SIM_OK);
    sim_free(first);
    sim_hist_destroy(h);
    sim_hist_destroy(other);
}

/* A value in a new octave whose bins cannot be allocated is not recorded
 * (count, sum and extremes unchanged) and the histogram remembers
 * SIM_ENOMEM; clone then refuses it, so the run reports the shortage
 * instead of quantiles that miss observations. A merge into a histogram
 * that cannot grow is remembered the same way. */
static void hist_out_of_memory_for_an_octave_is_remembered(void **state)
{
    (void)state;
    sim_err err;
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    sim_hist_add(h, 1.0);
    sim_alloc_fail_after(1);
    sim_hist_add(h, 1000.0); /* a new octave */
    sim_alloc_fail_reset();
    assert_int_equal(sim_hist_count(h), 1);
    assert_true(sim_hist_max(h) == 1.0);
    assert_int_equal(sim_hist_status(h), SIM_ENOMEM);
    sim_hist_add(h, 1.5); /* an octave it has: still recorded */
    assert_int_equal(sim_hist_count(h), 2);
    sim_err_clear(&err);
    assert_null(sim_hist_clone(h, &err));
    assert_int_equal(err.code, SIM_ENOMEM);

    sim_hist *a = sim_hist_create(NULL), *b = sim_hist_create(NULL);
    sim_hist_add(b, 1e6);
    sim_alloc_fail_after(1);
    sim_hist_merge(a, b);
    sim_alloc_fail_reset();
    assert_int_equal(sim_hist_status(a), SIM_ENOMEM);
    sim_hist_merge(b, h); /* from a histogram that lost observations */
    assert_int_equal(sim_hist_status(b), SIM_ENOMEM);
    sim_hist_destroy(a);
    sim_hist_destroy(b);
    sim_hist_destroy(h);
}

/* The histogram and series headers come from sim_calloc_hot, which is
 * sim_calloc_lines under AddressSanitizer, so that the fields an add or a
 * set touches share one cache line: sim_calloc_lines' memory starts
 * on a 64-byte boundary (the contract, checked exactly), is zero, and
 * fails under the test hook like every other allocation. */
static void line_allocations_start_on_a_cache_line_and_are_zero(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 200; n += 37) {
        unsigned char *p = sim_calloc_lines(n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % SIM_CACHE_LINE, 0);
        for (size_t i = 0; i < SIM_LINES(n); i++)
            assert_int_equal(p[i], 0);
        sim_free(p);
    }
    sim_alloc_fail_after(1);
    assert_null(sim_calloc_lines(64));
    sim_alloc_fail_reset();
}

static void hist_create_and_clone_report_allocation_failures(void **state)
{
    (void)state;
    sim_err err;
    sim_err_clear(&err);
    sim_alloc_fail_after(1);
    assert_null(sim_hist_create(&err));
    sim_alloc_fail_reset();
    assert_int_equal(err.code, SIM_ENOMEM);
    /* A histogram with values in two octaves: its copy takes two
     * allocations (the header and the one array of its octaves' bins), and
     * either failing is reported. */
    sim_hist *h = sim_hist_create(NULL);
    sim_hist_add(h, 1.0);
    sim_hist_add(h, 100.0);
    for (long k = 1; k <= 2; k++) {
        sim_err_clear(&err);
        sim_alloc_fail_after(k);
        assert_null(sim_hist_clone(h, &err));
        sim_alloc_fail_reset();
        assert_int_equal(err.code, SIM_ENOMEM);
    }
    sim_hist *c = sim_hist_clone(h, NULL);
    assert_non_null(c);
    assert_true(sim_hist_quantile(c, 1.0) == 100.0);
    sim_hist_destroy(c);
    sim_hist_destroy(h);
}

/* The count of the bin holding x, by the bin walk (0 when none does). */
static uint64_t count_at(const sim_hist *h, double x)
{
    double lo, hi;
    uint64_t c;
    for (size_t i = 0; sim_hist_bin(h, i, &lo, &hi, &c); i++)
        if (lo <= x && x < hi)
            return c;
    return 0;
}

/* Counts are 32 bits wide until the total could pass 2^32 - 1, then 64
 * (sim_stats.c, Storage). Hand values: 2^32 - 1 observations of 1.0 and
 * one more make 2^32 = 4294967296 in 1.0's bin, a count a 32-bit bin
 * cannot hold; the other bins keep theirs. Counts are integers: exact. */
static void hist_counts_stay_exact_past_two_to_the_32(void **state)
{
    (void)state;
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    sim_hist_add_n(h, 3.0, 5);
    sim_hist_add_n(h, 1.0, UINT32_MAX - 5);
    sim_hist_add(h, 1.0); /* the total is 2^32 now */
    sim_hist_add(h, 1.0);
    assert_true(sim_hist_count(h) == 4294967297ULL);
    assert_true(count_at(h, 1.0) == 4294967292ULL);
    assert_true(count_at(h, 3.0) == 5);
    /* The median is in 1.0's bin [1, 1 + 1/64): its midpoint. */
    assert_true(sim_hist_quantile(h, 0.5) == 1.0 + 1.0 / 128);

    /* Two 32-bit histograms of 3e9 observations each merge into 6e9, and
     * a copy and a packed copy keep every count. */
    sim_hist *a = sim_hist_create(NULL), *b = sim_hist_create(NULL);
    sim_hist_add_n(a, 2.0, 3000000000ULL);
    sim_hist_add_n(b, 2.0, 3000000000ULL);
    sim_hist_add_n(b, 0.25, 7);
    sim_hist_merge(a, b);
    assert_int_equal(sim_hist_status(a), SIM_OK);
    assert_true(count_at(a, 2.0) == 6000000000ULL);
    assert_true(count_at(a, 0.25) == 7);
    sim_hist *c = sim_hist_clone(a, NULL);
    assert_non_null(c);
    assert_true(count_at(c, 2.0) == 6000000000ULL);
    sim_pack p;
    sim_pack_init(&p);
    sim_hist_pack(a, &p);
    assert_false(p.failed);
    sim_unpack u;
    sim_unpack_init(&u, p.data, p.len);
    sim_hist *d = sim_hist_unpack(&u, NULL);
    assert_non_null(d);
    assert_true(sim_hist_count(d) == 6000000007ULL);
    assert_true(count_at(d, 2.0) == 6000000000ULL);
    assert_true(count_at(d, 0.25) == 7);
    sim_pack_fini(&p);
    sim_hist_destroy(a);
    sim_hist_destroy(b);
    sim_hist_destroy(c);
    sim_hist_destroy(d);
    sim_hist_destroy(h);
}

/* Widening the counts allocates; when that fails the observation is not
 * recorded and the histogram remembers SIM_ENOMEM, as for a new octave. */
static void hist_out_of_memory_while_widening_is_remembered(void **state)
{
    (void)state;
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    sim_hist_add(h, 1.0);
    sim_alloc_fail_after(1);
    sim_hist_add_n(h, 1.0, UINT32_MAX);
    sim_alloc_fail_reset();
    assert_int_equal(sim_hist_count(h), 1);
    assert_int_equal(sim_hist_status(h), SIM_ENOMEM);
    sim_hist_destroy(h);
}

/* A packed histogram whose bins do not add up to its count (invariant 1),
 * or come out of order, is corrupt: SIM_EPARSE, not a histogram. */
static void hist_unpack_refuses_bins_that_do_not_add_up(void **state)
{
    (void)state;
    sim_pack p;
    for (int bad = 0; bad < 2; bad++) {
        sim_pack_init(&p);
        sim_pack_u64(&p, bad == 0 ? 4 : 3); /* count */
        sim_pack_f64(&p, 4.0);              /* sum */
        sim_pack_f64(&p, 1.0);              /* min */
        sim_pack_f64(&p, 1.0);              /* max */
        sim_pack_u64(&p, 0);                /* status */
        sim_pack_u64(&p, 2);                /* two bins: 2 + 1 = 3 */
        sim_pack_u64(&p, bad == 0 ? 2001 : 2002);
        sim_pack_f64(&p, 2.0);
        sim_pack_u64(&p, 2001);
        sim_pack_f64(&p, 1.0);
        sim_unpack u;
        sim_unpack_init(&u, p.data, p.len);
        sim_err err;
        sim_err_clear(&err);
        assert_null(sim_hist_unpack(&u, &err));
        assert_int_equal(err.code, SIM_EPARSE);
        sim_pack_fini(&p);
    }
}

/* Bulk area: a level of 1 on [0, 10) s set as usual, plus a part seen
 * elsewhere (2 on [2, 7) s: area 10 level-seconds, the whole peaking at 3)
 * added as an area: mean (1*10 + 10) / 10 = 2, max 3. Integers times
 * SIM_SEC are exact in doubles, so the tolerance is only EPS. */
static void timeavg_area_added_in_bulk_joins_the_level(void **state)
{
    (void)state;
    sim_timeavg a;
    sim_timeavg_init(&a, 0, 1.0);
    sim_timeavg_add_area(&a, 10.0 * SIM_SEC, 3.0);
    assert_true(fabs(sim_timeavg_mean(&a, 10 * SIM_SEC) - 2.0) < EPS);
    assert_true(a.max == 3.0);
    sim_timeavg_add_area(&a, 0.0, -INFINITY); /* no max: unchanged */
    assert_true(a.max == 3.0);
}

/* ---- series ------------------------------------------------------------- */

static void assert_bucket(const sim_series *s, size_t i, double mean, double max)
{
    double v = sim_series_value(s, i), m = sim_series_max(s, i);
    if (!(fabs(v - mean) < EPS) || !(fabs(m - max) < EPS))
        fail_msg("bucket %zu: value %g max %g, expected %g and %g", i, v, m, mean, max);
}

/*
 * Buckets of 10 us. The level (0 from time 0):
 *   bucket 0 [0,10):  0 on [0,5), 2 on [5,10)      mean 1,   max 2
 *   bucket 1 [10,20): 2 on [10,15), 4 on [15,20)   mean 3,   max 4
 *   buckets 2-4:      4 throughout, no events      mean 4,   max 4
 *   bucket 5 [50,60): 4 on [50,53), 1 on [53,60)   mean 1.9, max 4
 *   bucket 6 [60,70): 0.5 from exactly 60 to 64, then 0.25:
 *                     (0.5*4 + 0.25*6)/10 = 0.35, max 0.5 (the level 1
 *                     that ended exactly at 60 is not in this bucket)
 *   bucket 7 [70,80): 0.25 on [70,72), 5 on [72,75), finish at 75:
 *                     mean over the observed 5 us (0.5 + 15)/5 = 3.1, max 5
 *   bucket 8 [80,90): after the end: 0 and 0.
 */
/* The bulk add of durations is n single adds: the same bins, the same
 * count, min and max, and the same sum bit for bit (the same additions in
 * the same order), whatever the octaves the values open on the way: 0 us
 * (underflow), sub-millisecond to hours, beyond 2^40 s (overflow), and
 * values repeated. Exact equality: both sides do the same operations. */
static void hist_bulk_add_of_times_equals_one_add_each(void **state)
{
    (void)state;
    sim_time t[] = {
        0,           1,       250000, 250000,         999999, 1000000,
        3 * SIM_SEC, 17,      0,      7200 * SIM_SEC, 5,      (sim_time)(0x1.0p41 * 1e6),
        123456,      0x1.0p30};
    size_t n = sizeof t / sizeof *t;
    sim_hist *bulk = sim_hist_create(NULL), *one = sim_hist_create(NULL);
    assert_non_null(bulk);
    assert_non_null(one);
    sim_hist_add(bulk, 0.5); /* both start from the same non-empty state */
    sim_hist_add(one, 0.5);
    sim_hist_add_times(bulk, t, n);
    for (size_t i = 0; i < n; i++)
        sim_hist_add(one, sim_time_to_seconds(t[i]));
    sim_hist_add_times(bulk, t, 0); /* nothing */
    assert_true(sim_hist_count(bulk) == n + 1);
    assert_true(sim_hist_count(bulk) == sim_hist_count(one));
    assert_true(sim_hist_mean(bulk) == sim_hist_mean(one));
    assert_true(sim_hist_min(bulk) == sim_hist_min(one));
    assert_true(sim_hist_max(bulk) == sim_hist_max(one));
    assert_int_equal(sim_hist_nbins(bulk), sim_hist_nbins(one));
    for (size_t i = 0;; i++) {
        double lo1, hi1, lo2, hi2;
        uint64_t c1, c2;
        int more = sim_hist_bin(bulk, i, &lo1, &hi1, &c1);
        assert_int_equal(more, sim_hist_bin(one, i, &lo2, &hi2, &c2));
        if (!more)
            break;
        assert_true(lo1 == lo2 && hi1 == hi2 && c1 == c2);
    }
    sim_hist_destroy(bulk);
    sim_hist_destroy(one);
}

static void series_level_buckets_match_a_hand_computed_signal(void **state)
{
    (void)state;
    sim_series *s = sim_series_create(SIM_SERIES_LEVEL, 10, 9, NULL);
    assert_non_null(s);
    assert_int_equal(sim_series_kind_of(s), SIM_SERIES_LEVEL);
    assert_true(sim_series_interval(s) == 10);
    assert_int_equal(sim_series_nbins(s), 9);
    sim_series_set(s, 5, 2.0);
    sim_series_set(s, 15, 4.0);
    sim_series_set(s, 53, 1.0);
    sim_series_set(s, 60, 0.5);
    sim_series_add(s, 64, -0.25);
    sim_series_set(s, 72, 5.0);
    sim_series_finish(s, 75);
    assert_bucket(s, 0, 1.0, 2.0);
    assert_bucket(s, 1, 3.0, 4.0);
    for (size_t i = 2; i <= 4; i++)
        assert_bucket(s, i, 4.0, 4.0);
    assert_bucket(s, 5, 1.9, 4.0);
    assert_bucket(s, 6, 0.35, 0.5);
    assert_bucket(s, 7, 3.1, 5.0);
    assert_bucket(s, 8, 0.0, 0.0);
    /* After finish, later changes are ignored. */
    sim_series_set(s, 85, 100.0);
    assert_bucket(s, 8, 0.0, 0.0);
    assert_true(isnan(sim_series_value(s, 9)));
    sim_series_destroy(s);
    sim_series_destroy(NULL);
}

/* Times past the span are ignored: a level of 3 from 5 on, over buckets of
 * 10 us spanning [0, 20): bucket 0 mean (3*5)/10 = 1.5, bucket 1 mean 3; a
 * momentary spike to 9 at 12 (set back at 12) counts in bucket 1's max
 * only; the set at 25 and the finish at 40 change nothing. */
static void series_ignores_times_beyond_the_span(void **state)
{
    (void)state;
    sim_series *s = sim_series_create(SIM_SERIES_LEVEL, 10, 2, NULL);
    sim_series_set(s, 5, 3.0);
    sim_series_set(s, 12, 9.0);
    sim_series_set(s, 12, 3.0);
    sim_series_set(s, 25, 7.0);
    sim_series_finish(s, 40);
    assert_bucket(s, 0, 1.5, 3.0);
    assert_bucket(s, 1, 3.0, 9.0);
    sim_series_destroy(s);
}

/* A set exactly at a bucket's end belongs to the next bucket: buckets of
 * 10 us, level 1 on [0, 10), 5 from exactly 10, 2 from 15, finish at 30.
 * By hand: bucket 0 mean 1, max 1 (the 5 is not in it); bucket 1 (5*5 +
 * 2*5)/10 = 3.5, max 5; bucket 2 mean 2, max 2 (assert_bucket: within EPS;
 * the values are exact). sim_series_set's same-bucket shortcut must stop
 * short of the edge: taken at it (now <= end), it raised bucket 0's max
 * to 5 and this test failed. */
static void series_set_at_a_bucket_end_belongs_to_the_next(void **state)
{
    (void)state;
    sim_series *s = sim_series_create(SIM_SERIES_LEVEL, 10, 3, NULL);
    assert_non_null(s);
    sim_series_set(s, 0, 1.0);
    sim_series_set(s, 10, 5.0);
    sim_series_set(s, 15, 2.0);
    sim_series_finish(s, 30);
    assert_bucket(s, 0, 1.0, 1.0);
    assert_bucket(s, 1, 3.5, 5.0);
    assert_bucket(s, 2, 2.0, 2.0);
    sim_series_destroy(s);
}

/*
 * Bulk areas, buckets of 10 us over [0, 40). The whole level is the sum of
 * a part set as usual, A = 1 on [0, 25) then 0, and a part added as areas,
 * B = 2 on [5, 15) and 3 on [22, 38):
 *   whole 1 [0,5), 3 [5,15), 1 [15,22), 4 [22,25), 3 [25,38), 0 [38,40)
 *   bucket 0: (1*5 + 3*5) / 10 = 2,   max 3    B's area 10
 *   bucket 1: (3*5 + 1*5) / 10 = 2,   max 3    B's area 10
 *   bucket 2: (1*2 + 4*3 + 3*5) / 10 = 2.9, max 4    B's area 24
 *   bucket 3: (3*8) / 10 = 2.4, max 3    B's area 24
 * B is added while A's series is at 12 us: bucket 0 lies behind it, 1 is
 * the current one, 2 and 3 lie ahead; all add up the same. A bucket past
 * the span is ignored. SUM adds the area as an amount.
 */
static void series_areas_added_in_bulk_join_the_level_in_any_bucket(void **state)
{
    (void)state;
    sim_series *s = sim_series_create(SIM_SERIES_LEVEL, 10, 4, NULL);
    assert_non_null(s);
    sim_series_set(s, 0, 1.0);
    sim_series_set(s, 12, 1.0); /* same level: only moves the observation to bucket 1 */
    sim_series_add_area(s, 0, 10.0, 3.0);
    sim_series_add_area(s, 1, 10.0, 3.0);
    sim_series_add_area(s, 2, 24.0, 4.0);
    sim_series_add_area(s, 3, 24.0, 3.0);
    sim_series_add_area(s, 4, 99.0, 99.0);
    sim_series_set(s, 25, 0.0);
    sim_series_finish(s, 40);
    assert_bucket(s, 0, 2.0, 3.0);
    assert_bucket(s, 1, 2.0, 3.0);
    assert_bucket(s, 2, 2.9, 4.0);
    assert_bucket(s, 3, 2.4, 3.0);
    sim_series_destroy(s);

    sim_series *sum = sim_series_create(SIM_SERIES_SUM, 10, 2, NULL);
    assert_non_null(sum);
    sim_series_add(sum, 3, 1.0);
    sim_series_add_area(sum, 0, 2.0, 50.0);
    assert_bucket(sum, 0, 3.0, 3.0);
    sim_series_destroy(sum);
}

/*
 * The end of a bucket does not load buckets nothing has written yet (they
 * hold {0, -inf}), but must load one written ahead by an area. Buckets of
 * 10 us over [0, 60), level 1 on [0, 45) then 2, and an area of 5 (max 7)
 * added to bucket 2 while the series is in bucket 0; one set at 45 crosses
 * buckets 1 to 3 at once:
 *   bucket 0, 1, 3: 10 / 10 = 1, max 1
 *   bucket 2: (10 + 5) / 10 = 1.5, max 7
 *   bucket 4: (1*5 + 2*5) / 10 = 1.5, max 2;  bucket 5: 2, max 2
 * A clone taken after the area, and a copy through pack and unpack, carry
 * on the same way (exact: the same additions).
 */
static void series_bucket_ends_keep_areas_written_ahead(void **state)
{
    (void)state;
    sim_series *s = sim_series_create(SIM_SERIES_LEVEL, 10, 6, NULL);
    assert_non_null(s);
    sim_series_set(s, 0, 1.0);
    sim_series_add_area(s, 2, 5.0, 7.0);
    sim_series *c = sim_series_clone(s, NULL);
    assert_non_null(c);
    sim_pack p;
    sim_pack_init(&p);
    sim_series_pack(s, &p);
    assert_false(p.failed);
    sim_unpack u;
    sim_unpack_init(&u, p.data, p.len);
    sim_series *v = sim_series_unpack(&u, NULL);
    assert_non_null(v);
    sim_pack_fini(&p);
    sim_series *all[3] = {s, c, v};
    for (int k = 0; k < 3; k++) {
        sim_series_set(all[k], 45, 2.0);
        sim_series_finish(all[k], 60);
        assert_bucket(all[k], 0, 1.0, 1.0);
        assert_bucket(all[k], 1, 1.0, 1.0);
        assert_bucket(all[k], 2, 1.5, 7.0);
        assert_bucket(all[k], 3, 1.0, 1.0);
        assert_bucket(all[k], 4, 1.5, 2.0);
        assert_bucket(all[k], 5, 2.0, 2.0);
        sim_series_destroy(all[k]);
    }
}

/* A level 0 set over a level 0 changes nothing, bit for bit (the
 * endpoint's queue series skips such sets, mdl_endpoint.c): series a gets
 * every set, series b only those that change the level. Buckets of 10 us:
 *   buckets 0, 1: 0 throughout (sets of 0 at 3, 10 = a bucket's start,
 *                 17 in a only)                        mean 0,   max 0
 *   bucket 2 [20,30): 2.5 from 24                     mean 1.5, max 2.5
 *   bucket 3 [30,40): 2.5 on [30,31), then 0          mean 0.25, max 2.5
 *   bucket 4 [40,50): 0 (sets at 40, 42 in a only) and an area of 3 with
 *                     a max of 1.5 added in bulk        mean 0.3, max 1.5
 *   bucket 5 [50,60): 0 (a set at 50 in a only), finish at 55: mean 0,
 *                     max 0
 * Exact equality between a and b: the same values from fewer sets. */
static void series_level_zero_set_over_zero_changes_nothing(void **state)
{
    (void)state;
    sim_series *a = sim_series_create(SIM_SERIES_LEVEL, 10, 6, NULL);
    sim_series *b = sim_series_create(SIM_SERIES_LEVEL, 10, 6, NULL);
    assert_non_null(a);
    assert_non_null(b);
    const sim_time zeros_a[] = {0, 3, 10, 17};
    for (size_t i = 0; i < sizeof zeros_a / sizeof *zeros_a; i++)
        sim_series_set(a, zeros_a[i], 0.0);
    sim_series_set(b, 0, 0.0);
    sim_series *all[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        sim_series_set(all[k], 24, 2.5);
        sim_series_set(all[k], 31, 0.0);
    }
    sim_series_set(a, 40, 0.0);
    sim_series_set(a, 42, 0.0);
    for (int k = 0; k < 2; k++)
        sim_series_add_area(all[k], 4, 3.0, 1.5);
    sim_series_set(a, 50, 0.0);
    for (int k = 0; k < 2; k++) {
        sim_series_finish(all[k], 55);
        assert_bucket(all[k], 0, 0.0, 0.0);
        assert_bucket(all[k], 1, 0.0, 0.0);
        assert_bucket(all[k], 2, 1.5, 2.5);
        assert_bucket(all[k], 3, 0.25, 2.5);
        assert_bucket(all[k], 4, 0.3, 1.5);
        assert_bucket(all[k], 5, 0.0, 0.0);
    }
    for (size_t i = 0; i < 6; i++) {
        double va = sim_series_value(a, i), vb = sim_series_value(b, i);
        double ma = sim_series_max(a, i), mb = sim_series_max(b, i);
        assert_memory_equal(&va, &vb, sizeof va);
        assert_memory_equal(&ma, &mb, sizeof ma);
    }
    sim_series_destroy(a);
    sim_series_destroy(b);
}

/* SUM: amounts land in the bucket of their time; times < 0 or past the span
 * are ignored; the max of a SUM bucket is its sum. */
static void series_sum_buckets_add_amounts(void **state)
{
    (void)state;
    sim_series *s = sim_series_create(SIM_SERIES_SUM, 10, 3, NULL);
    sim_series_add(s, 0, 1.0);
    sim_series_add(s, 9, 2.0);
    sim_series_add(s, 10, 5.0);
    sim_series_add(s, 29, 1.0);
    sim_series_add(s, 30, 100.0);
    sim_series_add(s, -1, 7.0);
    sim_series_set(s, 15, 50.0); /* LEVEL only: ignored */
    sim_series_finish(s, 30);
    assert_bucket(s, 0, 3.0, 3.0);
    assert_bucket(s, 1, 5.0, 5.0);
    assert_bucket(s, 2, 1.0, 1.0);
    sim_series_destroy(s);
}

/* Two replications with constant levels 2 and 4 (but a peak of 8 in the
 * second's bucket 1): the average is 3 everywhere; maxima take the max. */
static void series_accumulate_and_scale_average_replications(void **state)
{
    (void)state;
    sim_series *a = sim_series_create(SIM_SERIES_LEVEL, 100, 4, NULL);
    sim_series *b = sim_series_create(SIM_SERIES_LEVEL, 100, 4, NULL);
    sim_series_set(a, 0, 2.0);
    sim_series_set(b, 0, 4.0);
    sim_series_set(b, 150, 8.0);
    sim_series_set(b, 150, 4.0);
    sim_series_finish(a, 400);
    sim_series_finish(b, 400);
    sim_series *sum = sim_series_clone(a, NULL);
    assert_non_null(sum);
    assert_int_equal(sim_series_accumulate(sum, b), SIM_OK);
    sim_series_scale(sum, 0.5);
    for (size_t i = 0; i < 4; i++)
        assert_bucket(sum, i, 3.0, i == 1 ? 8.0 : 4.0);
    /* The clone is a copy: a is unchanged. */
    assert_bucket(a, 1, 2.0, 2.0);

    sim_series *x = sim_series_create(SIM_SERIES_SUM, 5, 2, NULL);
    sim_series *y = sim_series_create(SIM_SERIES_SUM, 5, 2, NULL);
    sim_series_add(x, 1, 10.0);
    sim_series_add(y, 1, 20.0);
    sim_series_add(y, 7, 4.0);
    assert_int_equal(sim_series_accumulate(x, y), SIM_OK);
    sim_series_scale(x, 0.5);
    assert_bucket(x, 0, 15.0, 15.0);
    assert_bucket(x, 1, 2.0, 2.0);
    sim_series_destroy(x);
    sim_series_destroy(y);
    sim_series_destroy(a);
    sim_series_destroy(b);
    sim_series_destroy(sum);
}

static void series_shape_mismatch_is_einval(void **state)
{
    (void)state;
    sim_series *a = sim_series_create(SIM_SERIES_SUM, 10, 4, NULL);
    sim_series *n = sim_series_create(SIM_SERIES_SUM, 10, 5, NULL);
    sim_series *w = sim_series_create(SIM_SERIES_SUM, 20, 4, NULL);
    sim_series *k = sim_series_create(SIM_SERIES_LEVEL, 10, 4, NULL);
    sim_series_add(n, 0, 1.0);
    sim_series_add(w, 0, 1.0);
    assert_int_equal(sim_series_accumulate(a, n), SIM_EINVAL);
    assert_int_equal(sim_series_accumulate(a, w), SIM_EINVAL);
    assert_int_equal(sim_series_accumulate(a, k), SIM_EINVAL);
    assert_true(sim_series_value(a, 0) == 0.0); /* unchanged */
    sim_series_destroy(a);
    sim_series_destroy(n);
    sim_series_destroy(w);
    sim_series_destroy(k);
}

static void series_create_rejects_bad_shapes_and_reports_oom(void **state)
{
    (void)state;
    sim_err err;
    sim_err_clear(&err);
    assert_null(sim_series_create(SIM_SERIES_LEVEL, 0, 10, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    sim_err_clear(&err);
    assert_null(sim_series_create(SIM_SERIES_LEVEL, 10, 0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    sim_err_clear(&err);
    assert_null(sim_series_create(SIM_SERIES_SUM, -5, 10, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    sim_err_clear(&err);
    assert_null(sim_series_create(SIM_SERIES_SUM, INT64_MAX / 2, 10, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    sim_err_clear(&err);
    assert_null(sim_series_create((sim_series_kind)7, 10, 10, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    /* bucket indices are 32-bit: more buckets are refused, not wrapped */
    sim_err_clear(&err);
    assert_null(sim_series_create(SIM_SERIES_LEVEL, 1, (size_t)UINT32_MAX + 1, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    /* two allocations: the header, and one block for the areas and maxima */
    for (long k = 1; k <= 2; k++) {
        sim_err_clear(&err);
        sim_alloc_fail_after(k);
        sim_series *s = sim_series_create(SIM_SERIES_LEVEL, 10, 10, &err);
        sim_alloc_fail_reset();
        assert_null(s);
        assert_int_equal(err.code, SIM_ENOMEM);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tally_matches_hand_computed_values),
        cmocka_unit_test(tally_matches_two_pass_on_offset_data),
        cmocka_unit_test(tally_merge_equals_tally_of_the_concatenation),
        cmocka_unit_test(timeavg_matches_a_hand_computed_step_function),
        cmocka_unit_test(timeavg_area_added_in_bulk_joins_the_level),
        cmocka_unit_test(hist_quantile_is_within_1pct_of_the_exact_order_statistic),
        cmocka_unit_test(hist_min_max_mean_are_exact),
        cmocka_unit_test(hist_handles_nonpositive_tiny_huge_and_nan_values),
        cmocka_unit_test(each_value_lands_in_its_log_linear_bin),
        cmocka_unit_test(hist_has_a_fixed_layout_of_4482_bins),
        cmocka_unit_test(hist_bin_walk_covers_all_counts),
        cmocka_unit_test(hist_next_walks_the_bins_of_hist_bin),
        cmocka_unit_test(hist_cdf_is_the_binned_empirical_cdf),
        cmocka_unit_test(hist_merge_equals_the_hist_of_the_union),
        cmocka_unit_test(hist_allocates_only_for_an_octave_seen_the_first_time),
        cmocka_unit_test(hist_out_of_memory_for_an_octave_is_remembered),
        cmocka_unit_test(line_allocations_start_on_a_cache_line_and_are_zero),
        cmocka_unit_test(hist_create_and_clone_report_allocation_failures),
        cmocka_unit_test(hist_counts_stay_exact_past_two_to_the_32),
        cmocka_unit_test(hist_out_of_memory_while_widening_is_remembered),
        cmocka_unit_test(hist_unpack_refuses_bins_that_do_not_add_up),
        cmocka_unit_test(hist_bulk_add_of_times_equals_one_add_each),
        cmocka_unit_test(series_level_buckets_match_a_hand_computed_signal),
        cmocka_unit_test(series_ignores_times_beyond_the_span),
        cmocka_unit_test(series_set_at_a_bucket_end_belongs_to_the_next),
        cmocka_unit_test(series_sum_buckets_add_amounts),
        cmocka_unit_test(series_areas_added_in_bulk_join_the_level_in_any_bucket),
        cmocka_unit_test(series_bucket_ends_keep_areas_written_ahead),
        cmocka_unit_test(series_level_zero_set_over_zero_changes_nothing),
        cmocka_unit_test(series_accumulate_and_scale_average_replications),
        cmocka_unit_test(series_shape_mismatch_is_einval),
        cmocka_unit_test(series_create_rejects_bad_shapes_and_reports_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
