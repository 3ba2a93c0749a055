/*
 * test_sim_result.c - metric lists of one replication and their merge into a
 * summary with Student-t confidence intervals.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim_alloc.h"
#include "sim_result.h"
#include "sim_stats.h"

/* t_{0.975, 4}: the 97.5% quantile of Student's t with 4 degrees of freedom,
 * from a standard table (e.g. Law, "Simulation Modeling and Analysis",
 * Table T.1), rounded to 6 decimals. */
#define T_0975_4 2.776445

/* The table value is rounded to 6 decimals (error <= 5e-7); multiplied by
 * s / sqrt(n) = sqrt(2.5) / sqrt(5) = 0.707 that is <= 3.6e-7, so 1e-6 is
 * enough and still catches any wrong quantile, degree of freedom or
 * denominator (those change the result in the second decimal). */
#define CI_TOL 1e-6

/* cmocka 1.1.5 has no floating-point assertion: |actual - expected| <= tol,
 * with both values printed in full on failure (NaN never passes). */
#define assert_close(actual, expected, tol)                                                        \
    check_close((actual), (expected), (tol), #actual, __FILE__, __LINE__)

static void check_close(double actual, double expected, double tol, const char *what,
                        const char *file, int line)
{
    if (!(fabs(actual - expected) <= tol))
        fail_msg("%s:%d: %s = %.17g, expected %.17g +- %g", file, line, what, actual, expected,
                 tol);
}

/* A result holding one scalar "x" = value. */
static sim_result *scalar_result(double value)
{
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(sim_result_scalar(r, "x", "s", value), SIM_OK);
    return r;
}

static void destroy_all(sim_result **rs, int n)
{
    for (int i = 0; i < n; i++)
        sim_result_destroy(rs[i]);
}

static void ci_half_width_of_one_to_five_matches_the_t_table(void **state)
{
    (void)state;
    sim_tally t;
    sim_tally_init(&t);
    for (int i = 1; i <= 5; i++)
        sim_tally_add(&t, i);
    /* mean 3, s^2 = (4 + 1 + 0 + 1 + 4) / 4 = 2.5 */
    double expected = T_0975_4 * sqrt(2.5) / sqrt(5.0); /* 1.963243... */
    assert_close(sim_ci_half_width(&t, 0.95), expected, CI_TOL);
}

static void summary_of_one_to_five_has_mean_three_and_the_t_half_width(void **state)
{
    (void)state;
    sim_result *rs[5];
    for (int i = 0; i < 5; i++)
        rs[i] = scalar_result(i + 1);
    sim_err err;
    sim_summary *s = sim_summary_merge(rs, 5, 0.95, &err);
    assert_non_null(s);
    assert_int_equal(sim_summary_replications(s), 5);
    assert_close(sim_summary_confidence(s), 0.95, 0.0);
    assert_int_equal(sim_summary_count(s), 1);

    const sim_metric *m = sim_summary_at(s, 0);
    assert_non_null(m);
    assert_ptr_equal(sim_summary_find(s, "x"), m);
    assert_string_equal(m->name, "x");
    assert_string_equal(m->unit, "s");
    assert_int_equal(m->kind, SIM_METRIC_SCALAR);
    assert_int_equal(m->n, 5);
    for (int i = 0; i < 5; i++) /* per-replication values, in replication order */
        assert_close(m->values[i], i + 1, 0.0);
    assert_int_equal(m->tally.n, 5);
    assert_close(m->tally.min, 1.0, 0.0);
    assert_close(m->tally.max, 5.0, 0.0);
    /* The mean of five small integers is exact up to rounding in Welford's
     * update: 1e-12 allows a few ulps. */
    assert_close(m->mean, 3.0, 1e-12);
    assert_close(m->half_width, T_0975_4 * sqrt(2.5) / sqrt(5.0), CI_TOL);

    sim_summary_destroy(s);
    destroy_all(rs, 5);
}

/* A replication where the metric is undefined (NaN) is left out: values
 * 1, 2, NaN, 4, 5 give n = 4, mean 3, s = sqrt(10/3) and the half-width
 * t_{0.975,3} * s / 2 with t_{0.975,3} = 3.182446 (table value). */
static void a_nan_replication_is_left_out_of_mean_and_interval(void **state)
{
    (void)state;
    sim_result *rs[5];
    double v[5] = {1, 2, NAN, 4, 5};
    for (int i = 0; i < 5; i++)
        rs[i] = scalar_result(v[i]);
    sim_summary *s = sim_summary_merge(rs, 5, 0.95, NULL);
    assert_non_null(s);
    const sim_metric *m = sim_summary_at(s, 0);
    assert_int_equal(m->n, 5);
    assert_true(isnan(m->values[2]));
    assert_int_equal(m->tally.n, 4);
    assert_close(m->mean, 3.0, 1e-12);
    assert_close(m->half_width, 3.182446 * sqrt(10.0 / 3.0) / 2.0, CI_TOL);
    sim_summary_destroy(s);
    destroy_all(rs, 5);

    /* Undefined everywhere: the mean is NaN, not 0. */
    for (int i = 0; i < 3; i++)
        rs[i] = scalar_result(NAN);
    s = sim_summary_merge(rs, 3, 0.95, NULL);
    assert_non_null(s);
    assert_int_equal(sim_summary_at(s, 0)->tally.n, 0);
    assert_true(isnan(sim_summary_at(s, 0)->mean));
    assert_true(isnan(sim_summary_at(s, 0)->half_width));
    sim_summary_destroy(s);
    destroy_all(rs, 3);
}

static void one_replication_gives_a_nan_half_width(void **state)
{
    (void)state;
    sim_result *r = scalar_result(42.0);
    sim_summary *s = sim_summary_merge(&r, 1, 0.95, NULL);
    assert_non_null(s);
    const sim_metric *m = sim_summary_find(s, "x");
    assert_non_null(m);
    assert_int_equal(m->n, 1);
    assert_close(m->mean, 42.0, 0.0);
    assert_true(isnan(m->half_width));
    sim_summary_destroy(s);
    sim_result_destroy(r);

    sim_tally t;
    sim_tally_init(&t);
    assert_true(isnan(sim_ci_half_width(&t, 0.95)));
    sim_tally_add(&t, 1.0);
    assert_true(isnan(sim_ci_half_width(&t, 0.95)));
}

static void equal_values_give_a_zero_half_width(void **state)
{
    (void)state;
    sim_result *rs[4];
    for (int i = 0; i < 4; i++)
        rs[i] = scalar_result(0.1); /* 0.1 is inexact in binary: still exactly 0 */
    sim_summary *s = sim_summary_merge(rs, 4, 0.95, NULL);
    assert_non_null(s);
    const sim_metric *m = sim_summary_find(s, "x");
    assert_close(m->half_width, 0.0, 0.0);
    assert_close(m->mean, 0.1, 1e-15);
    sim_summary_destroy(s);
    destroy_all(rs, 4);
}

static void a_higher_confidence_gives_a_wider_interval(void **state)
{
    (void)state;
    sim_tally t;
    sim_tally_init(&t);
    for (int i = 1; i <= 5; i++)
        sim_tally_add(&t, i);
    /* t_{0.995, 4} = 4.604095 (same table): the 99% interval. */
    assert_close(sim_ci_half_width(&t, 0.99), 4.604095 * sqrt(2.5) / sqrt(5.0), CI_TOL);
    assert_true(isnan(sim_ci_half_width(&t, 0.0)));
    assert_true(isnan(sim_ci_half_width(&t, 1.0)));
    assert_true(isnan(sim_ci_half_width(NULL, 0.95)));
}

static void metrics_keep_their_order_names_units_and_kinds(void **state)
{
    (void)state;
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(sim_result_count(r), 0);
    sim_hist *h = sim_hist_create(NULL);
    sim_series *se = sim_series_create(SIM_SERIES_SUM, 1000, 4, NULL);
    assert_non_null(h);
    assert_non_null(se);
    sim_hist_add(h, 2.5);

    assert_int_equal(sim_result_scalar(r, "flow.F-001.latency_p99", "s", 1.25), SIM_OK);
    assert_int_equal(sim_result_hist(r, "flow.F-001.latency", "s", h), SIM_OK);
    assert_int_equal(sim_result_series(r, "system.erp.calls", NULL, se), SIM_OK);

    assert_int_equal(sim_result_count(r), 3);
    assert_string_equal(sim_result_name(r, 0), "flow.F-001.latency_p99");
    assert_string_equal(sim_result_name(r, 1), "flow.F-001.latency");
    assert_string_equal(sim_result_name(r, 2), "system.erp.calls");
    assert_string_equal(sim_result_unit(r, 0), "s");
    assert_string_equal(sim_result_unit(r, 2), ""); /* NULL unit reads as "" */
    assert_int_equal(sim_result_kind(r, 0), SIM_METRIC_SCALAR);
    assert_int_equal(sim_result_kind(r, 1), SIM_METRIC_HIST);
    assert_int_equal(sim_result_kind(r, 2), SIM_METRIC_SERIES);
    assert_close(sim_result_value(r, 0), 1.25, 0.0);
    assert_ptr_equal(sim_result_hist_at(r, 1), h);
    assert_ptr_equal(sim_result_series_at(r, 2), se);
    assert_null(sim_result_hist_at(r, 0));
    assert_null(sim_result_series_at(r, 0));
    assert_null(sim_result_name(r, 3));

    assert_int_equal(sim_result_find(r, "flow.F-001.latency"), 1);
    assert_int_equal(sim_result_find(r, "system.erp.calls"), 2);
    assert_int_equal(sim_result_find(r, "flow.F-001"), -1);
    assert_int_equal(sim_result_find(r, NULL), -1);
    sim_result_destroy(r); /* frees h and se */
    sim_result_destroy(NULL);
}

static void thousands_of_metrics_are_found_by_name(void **state)
{
    (void)state;
    enum { N = 5000 };
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    char name[64];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "flow.F-%04d.latency_p99", i);
        assert_int_equal(sim_result_scalar(r, name, "s", i), SIM_OK);
    }
    assert_int_equal(sim_result_count(r), N);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "flow.F-%04d.latency_p99", i);
        long at = sim_result_find(r, name);
        assert_int_equal(at, i);
        assert_close(sim_result_value(r, (size_t)at), i, 0.0);
    }
    assert_int_equal(sim_result_find(r, "flow.F-5000.latency_p99"), -1);

    sim_result *rs[2] = {r, r};
    sim_summary *s = sim_summary_merge(rs, 2, 0.95, NULL);
    assert_non_null(s);
    assert_int_equal(sim_summary_count(s), N);
    const sim_metric *m = sim_summary_find(s, "flow.F-1234.latency_p99");
    assert_ptr_equal(m, sim_summary_at(s, 1234));
    assert_close(m->mean, 1234.0, 0.0);
    assert_null(sim_summary_find(s, "nope"));
    sim_summary_destroy(s);
    sim_result_destroy(r);
}

static void a_duplicate_metric_name_is_rejected(void **state)
{
    (void)state;
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(sim_result_scalar(r, "x", "s", 1.0), SIM_OK);
    assert_int_equal(sim_result_scalar(r, "x", "s", 2.0), SIM_EINVAL);
    /* The hist and series are taken over on error too: ASan reports a leak
     * if they are not freed. */
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    assert_int_equal(sim_result_hist(r, "x", "s", h), SIM_EINVAL);
    sim_series *se = sim_series_create(SIM_SERIES_LEVEL, 1000, 4, NULL);
    assert_non_null(se);
    assert_int_equal(sim_result_series(r, "x", "s", se), SIM_EINVAL);
    assert_int_equal(sim_result_count(r), 1);
    assert_close(sim_result_value(r, 0), 1.0, 0.0);
    sim_result_destroy(r);
}

static void bad_arguments_are_rejected(void **state)
{
    (void)state;
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(sim_result_scalar(r, NULL, "s", 1.0), SIM_EINVAL);
    assert_int_equal(sim_result_scalar(r, "", "s", 1.0), SIM_EINVAL);
    assert_int_equal(sim_result_scalar(NULL, "x", "s", 1.0), SIM_EINVAL);
    assert_int_equal(sim_result_hist(r, "h", "s", NULL), SIM_EINVAL);
    assert_int_equal(sim_result_series(r, "s", "s", NULL), SIM_EINVAL);
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    assert_int_equal(sim_result_hist(NULL, "h", "s", h), SIM_EINVAL); /* h freed */
    assert_int_equal(sim_result_count(r), 0);

    sim_err err;
    assert_null(sim_summary_merge(&r, 0, 0.95, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_null(sim_summary_merge(&r, 1, 1.0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_null(sim_summary_merge(&r, 1, 0.0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_null(sim_summary_merge(NULL, 1, 0.95, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    sim_result *rs[2] = {r, NULL};
    assert_null(sim_summary_merge(rs, 2, 0.95, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    sim_result_destroy(r);
    sim_summary_destroy(NULL);
}

/* Merges {a, b} and expects SIM_EINVAL with `metric` in the message. */
static void expect_mismatch(sim_result *a, sim_result *b, const char *metric)
{
    sim_result *rs[2] = {a, b};
    sim_err err;
    sim_err_clear(&err);
    assert_null(sim_summary_merge(rs, 2, 0.95, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    if (!strstr(err.msg, metric))
        fail_msg("message \"%s\" does not name '%s'", err.msg, metric);
    sim_result_destroy(a);
    sim_result_destroy(b);
}

static void merging_different_metric_lists_names_the_metric(void **state)
{
    (void)state;
    sim_result *a, *b;

    /* A different name at the same position. */
    a = sim_result_create(NULL);
    b = sim_result_create(NULL);
    sim_result_scalar(a, "flow.A.delivered", "1", 1);
    sim_result_scalar(b, "flow.B.delivered", "1", 1);
    expect_mismatch(a, b, "flow.B.delivered");

    /* The second replication lacks a metric. */
    a = sim_result_create(NULL);
    b = sim_result_create(NULL);
    sim_result_scalar(a, "x", "1", 1);
    sim_result_scalar(a, "flow.A.lost", "1", 1);
    sim_result_scalar(b, "x", "1", 1);
    expect_mismatch(a, b, "flow.A.lost");

    /* The second replication has an extra metric. */
    a = sim_result_create(NULL);
    b = sim_result_create(NULL);
    sim_result_scalar(a, "x", "1", 1);
    sim_result_scalar(b, "x", "1", 1);
    sim_result_scalar(b, "flow.A.extra", "1", 1);
    expect_mismatch(a, b, "flow.A.extra");

    /* The same name with another kind. */
    a = sim_result_create(NULL);
    b = sim_result_create(NULL);
    sim_result_scalar(a, "flow.A.latency", "s", 1);
    sim_result_hist(b, "flow.A.latency", "s", sim_hist_create(NULL));
    expect_mismatch(a, b, "flow.A.latency");

    /* The same name with another unit. */
    a = sim_result_create(NULL);
    b = sim_result_create(NULL);
    sim_result_scalar(a, "flow.A.wait", "s", 1);
    sim_result_scalar(b, "flow.A.wait", "ms", 1);
    expect_mismatch(a, b, "flow.A.wait");

    /* Series of different shapes cannot be averaged. */
    a = sim_result_create(NULL);
    b = sim_result_create(NULL);
    sim_result_series(a, "queue.len", "1", sim_series_create(SIM_SERIES_LEVEL, 1000, 4, NULL));
    sim_result_series(b, "queue.len", "1", sim_series_create(SIM_SERIES_LEVEL, 1000, 8, NULL));
    expect_mismatch(a, b, "queue.len");
}

static void hists_are_added_across_replications(void **state)
{
    (void)state;
    sim_result *rs[2];
    sim_hist *h0 = sim_hist_create(NULL), *h1 = sim_hist_create(NULL);
    assert_non_null(h0);
    assert_non_null(h1);
    sim_hist_add_n(h0, 1.0, 10);
    sim_hist_add_n(h1, 100.0, 30);
    rs[0] = sim_result_create(NULL);
    rs[1] = sim_result_create(NULL);
    assert_int_equal(sim_result_hist(rs[0], "lat", "s", h0), SIM_OK);
    assert_int_equal(sim_result_hist(rs[1], "lat", "s", h1), SIM_OK);

    sim_summary *s = sim_summary_merge(rs, 2, 0.95, NULL);
    assert_non_null(s);
    const sim_metric *m = sim_summary_find(s, "lat");
    assert_int_equal(m->kind, SIM_METRIC_HIST);
    assert_non_null(m->hist);
    assert_true(m->hist != h0 && m->hist != h1); /* a merged copy, not an input */
    assert_int_equal(sim_hist_count(m->hist), 40);
    assert_close(sim_hist_min(m->hist), 1.0, 0.0);
    assert_close(sim_hist_max(m->hist), 100.0, 0.0);
    /* Exact mean (10 * 1 + 30 * 100) / 40 = 75.25; 1e-9 allows rounding. */
    assert_close(sim_hist_mean(m->hist), 75.25, 1e-9);
    /* Rank ceil(0.25 * 40) = 10 is the last 1.0 and rank 11 the first 100;
     * quantiles are within 1% of the order statistic (sim_stats.h). */
    assert_close(sim_hist_quantile(m->hist, 0.25), 1.0, 0.01 * 1.0);
    assert_close(sim_hist_quantile(m->hist, 0.26), 100.0, 0.01 * 100.0);
    /* The inputs are only read. */
    assert_int_equal(sim_hist_count(h0), 10);
    assert_int_equal(sim_hist_count(h1), 30);
    sim_summary_destroy(s);
    destroy_all(rs, 2);
}

static void series_are_averaged_bucket_by_bucket_keeping_maxima(void **state)
{
    (void)state;
    sim_result *rs[2];
    /* SUM series: replication 0 adds 2 to bucket 0 and 6 to bucket 1,
     * replication 1 adds 4 to bucket 0 and nothing to bucket 1. */
    sim_series *s0 = sim_series_create(SIM_SERIES_SUM, 1000, 3, NULL);
    sim_series *s1 = sim_series_create(SIM_SERIES_SUM, 1000, 3, NULL);
    assert_non_null(s0);
    assert_non_null(s1);
    sim_series_add(s0, 0, 2.0);
    sim_series_add(s0, 1500, 6.0);
    sim_series_add(s1, 100, 4.0);
    /* LEVEL series: a constant level 2 in replication 0 and 4 in 1. */
    sim_series *l0 = sim_series_create(SIM_SERIES_LEVEL, 1000, 3, NULL);
    sim_series *l1 = sim_series_create(SIM_SERIES_LEVEL, 1000, 3, NULL);
    assert_non_null(l0);
    assert_non_null(l1);
    sim_series_set(l0, 0, 2.0);
    sim_series_set(l1, 0, 4.0);
    sim_series_finish(l0, 3000);
    sim_series_finish(l1, 3000);
    for (int i = 0; i < 2; i++) {
        rs[i] = sim_result_create(NULL);
        assert_non_null(rs[i]);
        assert_int_equal(sim_result_series(rs[i], "calls", "1", i ? s1 : s0), SIM_OK);
        assert_int_equal(sim_result_series(rs[i], "queue", "1", i ? l1 : l0), SIM_OK);
    }

    sim_summary *s = sim_summary_merge(rs, 2, 0.95, NULL);
    assert_non_null(s);
    const sim_series *sum = sim_summary_find(s, "calls")->series;
    const sim_series *lvl = sim_summary_find(s, "queue")->series;
    assert_non_null(sum);
    assert_non_null(lvl);
    assert_int_equal(sim_series_nbins(sum), 3);
    /* Means of small exact numbers: 1e-12 allows rounding only. */
    assert_close(sim_series_value(sum, 0), (2.0 + 4.0) / 2, 1e-12);
    assert_close(sim_series_value(sum, 1), (6.0 + 0.0) / 2, 1e-12);
    assert_close(sim_series_value(sum, 2), 0.0, 1e-12);
    /* A SUM series' "maximum" is its sum (sim_stats.h), so also the mean. */
    assert_close(sim_series_max(sum, 0), sim_series_value(sum, 0), 0.0);
    for (size_t b = 0; b < 3; b++) {
        assert_close(sim_series_value(lvl, b), (2.0 + 4.0) / 2, 1e-12);
        assert_close(sim_series_max(lvl, b), 4.0, 1e-12); /* largest of any replication */
    }
    /* The inputs are only read. */
    assert_close(sim_series_value(s0, 0), 2.0, 1e-12);
    assert_close(sim_series_value(s1, 0), 4.0, 1e-12);
    sim_summary_destroy(s);
    destroy_all(rs, 2);
}

/* Builds one result with every kind of metric; returns the first failing
 * status (the objects are freed by the result in every case). */
static int build_full(sim_result **out)
{
    *out = sim_result_create(NULL);
    if (!*out)
        return SIM_ENOMEM;
    char name[32];
    int rc = SIM_OK;
    for (int i = 0; i < 40 && rc == SIM_OK; i++) { /* enough to grow the arrays */
        snprintf(name, sizeof name, "scalar.%d", i);
        rc = sim_result_scalar(*out, name, "1", i);
    }
    if (rc == SIM_OK) {
        sim_hist *h = sim_hist_create(NULL);
        if (h)
            sim_hist_add(h, 3.0);
        rc = sim_result_hist(*out, "hist", "s", h); /* EINVAL if h is NULL */
    }
    if (rc == SIM_OK) {
        sim_series *se = sim_series_create(SIM_SERIES_SUM, 1000, 5, NULL);
        if (se)
            sim_series_add(se, 10, 1.0);
        rc = sim_result_series(*out, "series", "1", se);
    }
    return rc;
}

static void allocation_failures_while_building_leak_nothing(void **state)
{
    (void)state;
    int failures = 0;
    for (long k = 1; k < 10000; k++) {
        sim_result *r = NULL;
        sim_alloc_fail_after(k);
        int rc = build_full(&r);
        sim_alloc_fail_reset();
        sim_result_destroy(r);
        if (rc == SIM_OK)
            break;
        /* A failed allocation surfaces as ENOMEM, or as EINVAL when the
         * hist or series could not be created and NULL was passed on. */
        assert_true(rc == SIM_ENOMEM || rc == SIM_EINVAL);
        failures++;
    }
    assert_true(failures >= 3); /* create, the metric array, the names... */
}

static void allocation_failures_while_merging_leak_nothing(void **state)
{
    (void)state;
    sim_result *rs[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(build_full(&rs[i]), SIM_OK);
    int failures = 0;
    for (long k = 1; k < 10000; k++) {
        sim_err err;
        sim_err_clear(&err);
        sim_alloc_fail_after(k);
        sim_summary *s = sim_summary_merge(rs, 3, 0.95, &err);
        sim_alloc_fail_reset();
        if (s) {
            assert_int_equal(sim_summary_count(s), 42);
            sim_summary_destroy(s);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
        failures++;
    }
    assert_true(failures >= 3);
    destroy_all(rs, 3);
}

/* ---- incremental merge -------------------------------------------------- */

/* Result of replication rep: scalars that vary with rep (one NaN now and
 * then), a hist of rep-dependent observations and a SUM and a LEVEL
 * series, so that every kind of merge arithmetic is exercised. */
/* varied_result(rep), but its hist ran out of memory for an octave (a
 * value of 1e6 s it could not record) when lossy. */
static sim_result *varied_result_of(int rep, int lossy)
{
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(sim_result_scalar(r, "a", "s", 0.1 * rep + 1.0 / (rep + 3)), SIM_OK);
    assert_int_equal(sim_result_scalar(r, "b", "1", rep % 7 == 3 ? NAN : rep * rep), SIM_OK);
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    for (int i = 0; i <= rep % 5; i++)
        sim_hist_add(h, 0.001 * (rep + 1) * (i + 1));
    if (lossy) {
        sim_alloc_fail_after(1);
        sim_hist_add(h, 1e6); /* a new octave that cannot be allocated */
        sim_alloc_fail_reset();
        assert_int_equal(sim_hist_status(h), SIM_ENOMEM);
    }
    assert_int_equal(sim_result_hist(r, "h", "s", h), SIM_OK);
    sim_series *sum = sim_series_create(SIM_SERIES_SUM, 1000, 4, NULL);
    sim_series *lvl = sim_series_create(SIM_SERIES_LEVEL, 1000, 4, NULL);
    assert_non_null(sum);
    assert_non_null(lvl);
    sim_series_add(sum, 100 * (rep % 40), 1.0 / (rep + 1));
    sim_series_set(lvl, 0, rep / 3.0);
    sim_series_set(lvl, 1700, rep / 7.0);
    sim_series_finish(lvl, 4000);
    assert_int_equal(sim_result_series(r, "sum", "1", sum), SIM_OK);
    assert_int_equal(sim_result_series(r, "lvl", "1", lvl), SIM_OK);
    return r;
}

static sim_result *varied_result(int rep)
{
    return varied_result_of(rep, 0);
}

/* Fails unless a and b hold the same bits everywhere. */
static void assert_same_summary(const sim_summary *a, const sim_summary *b)
{
    assert_int_equal(sim_summary_replications(a), sim_summary_replications(b));
    assert_int_equal(sim_summary_count(a), sim_summary_count(b));
    for (size_t i = 0; i < sim_summary_count(a); i++) {
        const sim_metric *x = sim_summary_at(a, i), *y = sim_summary_at(b, i);
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->unit, y->unit);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->n, y->n);
        assert_memory_equal(&x->tally, &y->tally, sizeof x->tally);
        assert_memory_equal(&x->mean, &y->mean, sizeof x->mean);
        assert_memory_equal(&x->half_width, &y->half_width, sizeof x->half_width);
        if (x->kind == SIM_METRIC_SCALAR)
            assert_memory_equal(x->values, y->values, (size_t)x->n * sizeof *x->values);
        if (x->kind == SIM_METRIC_HIST) {
            double lo, hi, lo2, hi2;
            uint64_t c, c2;
            for (size_t k = 0; sim_hist_bin(x->hist, k, &lo, &hi, &c); k++) {
                assert_true(sim_hist_bin(y->hist, k, &lo2, &hi2, &c2));
                assert_true(lo == lo2 && hi == hi2 && c == c2);
            }
            double m1 = sim_hist_mean(x->hist), m2 = sim_hist_mean(y->hist);
            assert_memory_equal(&m1, &m2, sizeof m1);
        }
        if (x->kind == SIM_METRIC_SERIES) {
            assert_int_equal(sim_series_nbins(x->series), sim_series_nbins(y->series));
            for (size_t k = 0; k < sim_series_nbins(x->series); k++) {
                double v1 = sim_series_value(x->series, k), v2 = sim_series_value(y->series, k);
                double x1 = sim_series_max(x->series, k), x2 = sim_series_max(y->series, k);
                assert_memory_equal(&v1, &v2, sizeof v1);
                assert_memory_equal(&x1, &x2, sizeof x1);
            }
        }
    }
}

static void adding_results_one_by_one_gives_the_bytes_of_merging_them_all(void **state)
{
    (void)state;
    enum { R = 37 }; /* past two growths of the values arrays (16, 32) */
    sim_result *rs[R];
    for (int i = 0; i < R; i++)
        rs[i] = varied_result(i);
    sim_summary *all = sim_summary_merge(rs, R, 0.95, NULL);
    assert_non_null(all);
    destroy_all(rs, R);

    /* One at a time, each result destroyed as soon as it is added: the
     * merge does not keep pointers into its inputs. */
    long live = sim_result_live();
    sim_merge *m = sim_merge_create(0.95, NULL);
    assert_non_null(m);
    for (int i = 0; i < R; i++) {
        sim_result *r = varied_result(i);
        assert_int_equal(sim_merge_count(m), i);
        assert_int_equal(sim_merge_add(m, r, NULL), SIM_OK);
        sim_result_destroy(r);
        assert_int_equal(sim_result_live(), live);
    }
    sim_summary *one = sim_merge_finish(m, NULL);
    assert_non_null(one);
    assert_same_summary(all, one);
    /* Not vacuous: replication 3's NaN is kept in values, out of the tally. */
    const sim_metric *b = sim_summary_find(one, "b");
    assert_true(isnan(b->values[3]));
    assert_int_equal(b->tally.n, R - 5); /* NaN in reps 3, 10, 17, 24 and 31 */
    sim_summary_destroy(one);
    sim_summary_destroy(all);
}

/* A merge told to expect more results than it can allocate room for at
 * once (a large maximum under a precision target) grows as they come
 * instead of failing, and gives the same summary. */
static void a_reservation_too_large_at_once_grows_as_results_come(void **state)
{
    (void)state;
    enum { R = 37 };
    sim_result *rs[R];
    for (int i = 0; i < R; i++)
        rs[i] = varied_result(i);
    sim_summary *all = sim_summary_merge(rs, R, 0.95, NULL);
    assert_non_null(all);

    sim_merge *m = sim_merge_create(0.95, NULL);
    assert_non_null(m);
    sim_merge_reserve(m, 1 << 24);    /* 128 MB per scalar */
    sim_alloc_fail_over(1024 * 1024); /* nothing over 1 MB can be had */
    for (int i = 0; i < R; i++)
        assert_int_equal(sim_merge_add(m, rs[i], NULL), SIM_OK);
    sim_summary *grown = sim_merge_finish(m, NULL);
    sim_alloc_fail_reset();
    assert_non_null(grown);
    assert_same_summary(all, grown);
    destroy_all(rs, R);
    sim_summary_destroy(grown);
    sim_summary_destroy(all);
}

static void a_refused_result_leaves_the_merge_as_it_was(void **state)
{
    (void)state;
    enum { R = 20 };
    sim_result *rs[R];
    for (int i = 0; i < R; i++)
        rs[i] = varied_result(i);
    sim_summary *want = sim_summary_merge(rs, R, 0.95, NULL);
    assert_non_null(want);

    /* A series of another shape, refused before anything is added. */
    sim_result *bad = sim_result_create(NULL);
    assert_non_null(bad);
    assert_int_equal(sim_result_scalar(bad, "a", "s", 1e9), SIM_OK);
    assert_int_equal(sim_result_scalar(bad, "b", "1", 1e9), SIM_OK);
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    sim_hist_add(h, 1e6);
    assert_int_equal(sim_result_hist(bad, "h", "s", h), SIM_OK);
    assert_int_equal(
        sim_result_series(bad, "sum", "1", sim_series_create(SIM_SERIES_SUM, 1000, 4, NULL)),
        SIM_OK);
    assert_int_equal(
        sim_result_series(bad, "lvl", "1", sim_series_create(SIM_SERIES_LEVEL, 500, 4, NULL)),
        SIM_OK);

    sim_merge *m = sim_merge_create(0.95, NULL);
    assert_non_null(m);
    int failures = 0;
    for (int i = 0; i < R; i++) {
        sim_err err;
        sim_err_clear(&err);
        if (i > 0) {
            assert_int_equal(sim_merge_add(m, bad, &err), SIM_EINVAL);
            assert_non_null(strstr(err.msg, "'lvl'"));
        }
        /* Running out of memory at any allocation of an add (the values
         * arrays grow at 16) also leaves the merge as it was. */
        for (long k = 1;; k++) {
            sim_alloc_fail_after(k);
            int rc = sim_merge_add(m, rs[i], &err);
            sim_alloc_fail_reset();
            if (rc == SIM_OK)
                break;
            assert_int_equal(rc, SIM_ENOMEM);
            assert_int_equal(sim_merge_count(m), i);
            failures++;
        }
    }
    assert_true(failures >= 2); /* replication 0's copies and the growth at 16 */
    sim_summary *got = sim_merge_finish(m, NULL);
    assert_non_null(got);
    assert_same_summary(want, got);
    sim_summary_destroy(got);
    sim_summary_destroy(want);
    sim_result_destroy(bad);
    destroy_all(rs, R);
}

/* A replication whose hist could not allocate an octave while it ran lost
 * observations: the merge refuses it (SIM_ENOMEM, the metric named)
 * rather than report quantiles that miss them, and stays as it was. */
static void a_hist_that_lost_observations_is_refused(void **state)
{
    (void)state;
    sim_result *good = varied_result(1), *lossy = varied_result_of(2, 1);
    sim_merge *m = sim_merge_create(0.95, NULL);
    assert_non_null(m);
    assert_int_equal(sim_merge_add(m, good, NULL), SIM_OK);
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(sim_merge_add(m, lossy, &err), SIM_ENOMEM);
    assert_non_null(strstr(err.msg, "'h'"));
    assert_int_equal(sim_merge_count(m), 1);
    sim_merge_destroy(m);
    /* As replication 0 as well (its hist is copied, and the copy refused). */
    m = sim_merge_create(0.95, NULL);
    assert_int_equal(sim_merge_add(m, lossy, &err), SIM_ENOMEM);
    assert_int_equal(sim_merge_count(m), 0);
    sim_merge_destroy(m);
    sim_result_destroy(good);
    sim_result_destroy(lossy);
}

static void finishing_an_empty_merge_is_an_error(void **state)
{
    (void)state;
    sim_err err;
    sim_merge *m = sim_merge_create(0.95, NULL);
    assert_non_null(m);
    assert_int_equal(sim_merge_add(m, NULL, &err), SIM_EINVAL);
    assert_null(sim_merge_finish(m, &err)); /* consumes m */
    assert_int_equal(err.code, SIM_EINVAL);
    assert_null(sim_merge_create(1.0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_int_equal(sim_merge_add(NULL, NULL, &err), SIM_EINVAL);
    sim_merge_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ci_half_width_of_one_to_five_matches_the_t_table),
        cmocka_unit_test(summary_of_one_to_five_has_mean_three_and_the_t_half_width),
        cmocka_unit_test(a_nan_replication_is_left_out_of_mean_and_interval),
        cmocka_unit_test(one_replication_gives_a_nan_half_width),
        cmocka_unit_test(equal_values_give_a_zero_half_width),
        cmocka_unit_test(a_higher_confidence_gives_a_wider_interval),
        cmocka_unit_test(metrics_keep_their_order_names_units_and_kinds),
        cmocka_unit_test(thousands_of_metrics_are_found_by_name),
        cmocka_unit_test(a_duplicate_metric_name_is_rejected),
        cmocka_unit_test(bad_arguments_are_rejected),
        cmocka_unit_test(merging_different_metric_lists_names_the_metric),
        cmocka_unit_test(hists_are_added_across_replications),
        cmocka_unit_test(series_are_averaged_bucket_by_bucket_keeping_maxima),
        cmocka_unit_test(allocation_failures_while_building_leak_nothing),
        cmocka_unit_test(allocation_failures_while_merging_leak_nothing),
        cmocka_unit_test(adding_results_one_by_one_gives_the_bytes_of_merging_them_all),
        cmocka_unit_test(a_reservation_too_large_at_once_grows_as_results_come),
        cmocka_unit_test(a_refused_result_leaves_the_merge_as_it_was),
        cmocka_unit_test(a_hist_that_lost_observations_is_refused),
        cmocka_unit_test(finishing_an_empty_merge_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
