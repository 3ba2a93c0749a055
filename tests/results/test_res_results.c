/*
 * test_res_results.c - the results as plain data: copying a merged summary,
 * name patterns, and quantiles recomputed from stored bins (what a results
 * folder read back from JSON has).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "res_results.h"
#include "sim_result.h"

/* Student t quantile t(0.975, 2) from a table (e.g. NIST/SEMATECH e-Handbook,
 * 1.3.6.7.2): the 95% CI half-width factor for 3 replications. */
#define T_975_2 4.302652729911275

static void names_match_one_segment_per_star(void **state)
{
    (void)state;
    char id[64];
    assert_true(res_name_match("system.*.quota_use_series", "system.erp-1.quota_use_series", id,
                               sizeof id));
    assert_string_equal(id, "erp-1");
    assert_false(
        res_name_match("system.*.quota_use_series", "system.a.b.quota_use_series", id, sizeof id));
    assert_false(res_name_match("system.*.quota_limit", "system..quota_limit", NULL, 0));
    assert_false(res_name_match("flow.*.latency", "flow.F-1.latency_p99", NULL, 0));
    assert_true(res_name_match("flow.*.batch.duration_series", "flow.F_2.batch.duration_series", id,
                               sizeof id));
    assert_string_equal(id, "F_2");
    assert_true(res_name_match("a.*.*", "a.x.y", id, sizeof id));
    assert_string_equal(id, "x"); /* the first star */
}

/* A summary of three replications: scalar values 1, 2, 6; a level series
 * held at 2, 4, 6; a histogram of 1..10000 in each. */
static sim_summary *three_replications(void)
{
    sim_result *res[3];
    static const double scalar[3] = {1.0, 2.0, 6.0};
    for (int k = 0; k < 3; k++) {
        res[k] = sim_result_create(NULL);
        assert_non_null(res[k]);
        assert_int_equal(sim_result_scalar(res[k], "flow.F-1.created", "records", scalar[k]),
                         SIM_OK);
        sim_hist *h = sim_hist_create(NULL);
        assert_non_null(h);
        for (int v = 1; v <= 10000; v++)
            sim_hist_add(h, (double)v);
        assert_int_equal(sim_result_hist(res[k], "flow.F-1.latency", "s", h), SIM_OK);
        sim_series *s = sim_series_create(SIM_SERIES_LEVEL, SIM_MIN, 4, NULL);
        assert_non_null(s);
        sim_series_set(s, 0, 2.0 * (k + 1));
        sim_series_finish(s, 4 * SIM_MIN);
        assert_int_equal(sim_result_series(res[k], "system.erp.quota_use_series", "calls", s),
                         SIM_OK);
    }
    sim_summary *sum = sim_summary_merge(res, 3, 0.95, NULL);
    assert_non_null(sum);
    for (int k = 0; k < 3; k++)
        sim_result_destroy(res[k]);
    return sum;
}

static void a_summary_is_copied_with_every_kind(void **state)
{
    (void)state;
    sim_summary *sum = three_replications();
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    assert_int_equal(res_results_add_summary(r, sum, NULL), SIM_OK);
    sim_summary_destroy(sum);
    assert_int_equal(r->nmetrics, 3);
    assert_int_equal(r->replications, 3);

    const res_metric *c = res_results_find(r, "flow.F-1.created");
    assert_non_null(c);
    /* mean 3; s^2 = ((1-3)^2 + (2-3)^2 + (6-3)^2) / 2 = 7 */
    assert_true(fabs(c->mean - 3.0) < 1e-12);
    assert_true(fabs(c->half_width - T_975_2 * sqrt(7.0 / 3.0)) < 1e-9);
    assert_int_equal(c->n, 3);
    assert_true(c->values[2] == 6.0 && c->min == 1.0 && c->max == 6.0);
    assert_true(fabs(res_results_meanf(r, -1, "flow.%s.created", "F-1") - 3.0) < 1e-12);
    assert_true(res_results_meanf(r, -1, "flow.%s.created", "F-2") == -1);

    const res_metric *s = res_results_find(r, "system.erp.quota_use_series");
    assert_non_null(s);
    assert_int_equal(s->npoints, 4);
    assert_true(s->interval_s == 60.0);
    /* the mean of the levels 2, 4, 6 in every bucket; the highest is 6 */
    for (size_t i = 0; i < 4; i++) {
        assert_true(fabs(s->y[i] - 4.0) < 1e-12);
        assert_true(s->ymax[i] == 6.0);
    }
    assert_true(fabs(s->mean - 4.0) < 1e-12 && s->max == 6.0);

    const res_metric *h = res_results_find(r, "flow.F-1.latency");
    assert_non_null(h);
    assert_int_equal(h->count, 30000);
    assert_true(h->min == 1.0 && h->max == 10000.0);
    /* the mean of 1..10000 is 5000.5, exactly (running mean) */
    assert_true(fabs(h->mean - 5000.5) < 1e-6);
    res_results_destroy(r);
}

static void quantiles_from_bins_are_within_one_percent(void **state)
{
    (void)state;
    sim_summary *sum = three_replications();
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    assert_int_equal(res_results_add_summary(r, sum, NULL), SIM_OK);
    sim_summary_destroy(sum);
    const res_metric *h = res_results_find(r, "flow.F-1.latency");
    /* Each value 1..10000 three times: the q-quantile (rank ceil(30000 q))
     * is 10000 q. The bins are at most 1/64 of their lower edge wide and
     * the quantile is a bin midpoint, so it is within 1/128 < 1% of the
     * order statistic (sim_stats.h). */
    static const double qs[] = {0.5, 0.95, 0.99};
    for (size_t i = 0; i < 3; i++) {
        double want = 10000.0 * qs[i];
        double got = res_metric_quantile(h, qs[i]);
        if (fabs(got - want) > 0.01 * want)
            fail_msg("q %.2f: %g, want %g within 1%%", qs[i], got, want);
    }
    /* recomputed from the bins, they are the kernel's quantiles exactly */
    assert_true(res_metric_quantile(h, 0.50) == h->p50);
    assert_true(res_metric_quantile(h, 0.95) == h->p95);
    assert_true(res_metric_quantile(h, 0.99) == h->p99);
    assert_true(res_metric_quantile(h, 1.0) == 10000.0);
    /* the CDF at a bin edge near 5000: within one bin (1/64 of 4096) of 0.5 */
    double cdf = res_metric_cdf(h, 5000.0);
    assert_true(fabs(cdf - 0.5) < 64.0 / 10000.0);
    assert_true(res_metric_cdf(h, 1e9) == 1.0);
    res_results_destroy(r);
}

static void a_metric_name_appears_once(void **state)
{
    (void)state;
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    sim_err err;
    assert_non_null(res_results_add(r, "a.b", "s", SIM_METRIC_SCALAR, &err));
    assert_null(res_results_add(r, "a.b", "s", SIM_METRIC_SCALAR, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    const res_metric *m = res_results_find(r, "a.b");
    assert_true(isnan(m->mean) && isnan(m->half_width)); /* empty: NaN, not 0 */
    res_results_destroy(r);
}

/* 40,000 metrics (a scenario with 2,000 flows has about that many): each
 * is found by name after the index has grown many times, duplicates are
 * still refused, absent names are not found. The bound: a linear scan
 * does n^2/2 = 8e8 name comparisons for the adds' duplicate checks and as
 * many for the finds (several seconds even without the sanitizer); the
 * index does ~2 probes per name, milliseconds even under ASan (~3x). 2 s of
 * CPU time (clock(), not wall time, so a busy machine does not matter)
 * separates the two by more than an order of magnitude either way. */
static void many_metrics_are_found_by_name_without_a_scan(void **state)
{
    (void)state;
    enum { N = 40000 };
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    assert_null(res_results_find(r, "flow.F-00000.delivered")); /* empty: nothing */
    char name[64];
    sim_err err;
    clock_t start = clock();
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "flow.F-%05d.delivered", i);
        res_metric *m = res_results_add(r, name, "", SIM_METRIC_SCALAR, &err);
        assert_non_null(m);
        m->mean = i;
    }
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "flow.F-%05d.delivered", i);
        const res_metric *m = res_results_find(r, name);
        assert_non_null(m);
        assert_string_equal(m->name, name);
        assert_true(m->mean == i);
        assert_ptr_equal(m, &r->metrics[i]); /* the summary's order is kept */
    }
    double cpu_s = (double)(clock() - start) / CLOCKS_PER_SEC;
    assert_true(cpu_s < 2.0);
    assert_int_equal(r->nmetrics, N);
    assert_null(res_results_add(r, "flow.F-12345.delivered", "", SIM_METRIC_SCALAR, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_null(res_results_find(r, "flow.F-40000.delivered"));
    assert_null(res_results_findf(r, "flow.F-%05d.delivered", N + 1));
    assert_true(res_results_meanf(r, -1.0, "flow.F-%05d.delivered", 777) == 777.0);
    res_results_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_match_one_segment_per_star),
        cmocka_unit_test(a_summary_is_copied_with_every_kind),
        cmocka_unit_test(quantiles_from_bins_are_within_one_percent),
        cmocka_unit_test(a_metric_name_appears_once),
        cmocka_unit_test(many_metrics_are_found_by_name_without_a_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
