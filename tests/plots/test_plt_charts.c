/*
 * test_plt_charts.c - every chart drawn from a fixed, hand-written results
 * fixture (res_fixture.h), and the comparison chart.
 *
 * "Not blank" is checked two ways, both measured on this gnuplot (5.4):
 * a 1280 px chart with title and axes but no data is an 11.6 KB PNG whose
 * SVG has about 40 line segments ("L" commands in path data); every chart
 * here draws at least two series of 96 points (the fixture), so its PNG
 * must exceed 20 KB and its SVG must hold more than 150 segments.
 *
 * The drawing tests are skipped when gnuplot is not installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plt_charts.h"
#include "plt_compare.h"
#include "plt_file.h"
#include "plt_gnuplot.h"
#include "results/res_fixture.h"

#define BLANK_PNG_BYTES    20000L
#define BLANK_SVG_SEGMENTS 150

/* Line segments in the SVG's path data: "L" followed by a digit. */
static int svg_segments(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int n = 0, prev = 0, c;
    while ((c = fgetc(f)) != EOF) {
        if (prev == 'L' && c >= '0' && c <= '9')
            n++;
        prev = c;
    }
    fclose(f);
    return n;
}

/* No ".NAME.tmp" left in the folder. */
static int temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static res_results *make_fixture(void)
{
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    assert_int_equal(fixture_fill(r), 0);
    return r;
}

static void every_chart_has_data_in_the_fixture(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    assert_int_equal(plt_charts_available(r), (1u << PLT_NCHARTS) - 1);
    res_results_destroy(r);
}

static void charts_without_their_metrics_are_skipped(void **state)
{
    (void)state;
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    assert_int_equal(plt_charts_available(r), 0);
    res_metric *m =
        res_results_add(r, "system.x.quota_use_series", "calls", SIM_METRIC_SERIES, NULL);
    assert_non_null(m);
    assert_int_equal(plt_charts_available(r), 1u << PLT_CHART_QUOTA);
    /* a metric a model may add later, of no chart: still no other chart */
    assert_non_null(
        res_results_add(r, "flow.F-9.event.replayed_series", "events", SIM_METRIC_SERIES, NULL));
    assert_int_equal(plt_charts_available(r), 1u << PLT_CHART_QUOTA);
    res_results_destroy(r);
}

static void every_chart_is_drawn_as_png_and_svg(void **state)
{
    (void)state;
    char gp[4096];
    const char *gnuplot = plt_gnuplot_find(gp, sizeof gp);
    if (!gnuplot)
        skip();
    res_results *r = make_fixture();
    char dir[] = "/tmp/erpsim-test-charts-XXXXXX";
    const char *keep = getenv("ERPSIM_TEST_KEEP"); /* set: keep the charts to look at */
    assert_non_null(mkdtemp(dir));
    unsigned drawn = 0;
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(plt_charts_write_data(r, dir, &err), SIM_OK);
    int rc = plt_charts_draw(r, dir, gnuplot, &drawn, &err);
    if (rc != SIM_OK)
        fail_msg("drawing failed: %s", err.msg);
    assert_int_equal(drawn, (1u << PLT_NCHARTS) - 1);
    char path[4200], sub[4200];
    for (int k = 0; k < PLT_NCHARTS; k++) {
        const plt_chart_info *info = plt_chart_info_of((plt_chart_kind)k);
        snprintf(path, sizeof path, "%s/charts/%s.png", dir, info->name);
        long size = fixture_file_size(path);
        if (size <= BLANK_PNG_BYTES)
            fail_msg("%s is %ld bytes, a blank chart is about 11.6 KB", path, size);
        snprintf(path, sizeof path, "%s/charts/%s.svg", dir, info->name);
        int segs = svg_segments(path);
        if (segs <= BLANK_SVG_SEGMENTS)
            fail_msg("%s has %d line segments: no data drawn", path, segs);
        /* the title names the scenario; the data file exists */
        assert_true(fixture_count(path, "fixture:") >= 1);
        snprintf(path, sizeof path, "%s/series/%s.csv", dir, info->name);
        assert_true(fixture_file_size(path) > 100);
    }
    /* the limit lines and their legends are drawn */
    snprintf(path, sizeof path, "%s/charts/quota.svg", dir);
    assert_true(fixture_count(path, "limit: 1000 calls") == 1);
    assert_true(fixture_count(path, "70% of the limit") == 1);
    snprintf(path, sizeof path, "%s/charts/latency.svg", dir);
    assert_true(fixture_count(path, "SLO F-1") == 1);
    snprintf(path, sizeof path, "%s/charts/channels.svg", dir);
    assert_true(fixture_count(path, "retention 72 h") == 1);
    snprintf(path, sizeof path, "%s/charts/batch.svg", dir);
    assert_true(fixture_count(path, "window: 240 min") == 1);
    /* the projection with its evidence: the median of 9, 10, 11 */
    assert_true(
        fixture_count(path, "projected to outgrow its window in month 10.0 (range 9.0-11.0)") == 1);
    snprintf(path, sizeof path, "%s/charts/cascade.svg", dir);
    assert_true(fixture_count(path, "pool_full") >= 1);
    /* every series and histogram is exported, whatever its name */
    snprintf(path, sizeof path, "%s/series/all.csv", dir);
    assert_true(fixture_count(path, "channel.crm.backlog_series") == 1);
    snprintf(path, sizeof path, "%s/series/hists.csv", dir);
    assert_true(fixture_count(path, "flow.F-2.latency,") > 100);
    snprintf(sub, sizeof sub, "%s/charts", dir);
    assert_int_equal(temp_files(sub), 0);
    snprintf(sub, sizeof sub, "%s/series", dir);
    assert_int_equal(temp_files(sub), 0);
    if (keep)
        printf("charts kept in %s\n", dir);
    else
        fixture_rmtree(dir);
    res_results_destroy(r);
}

static void a_cascade_without_rejections_is_still_drawn(void **state)
{
    (void)state;
    char gp[4096];
    const char *gnuplot = plt_gnuplot_find(gp, sizeof gp);
    if (!gnuplot)
        skip();
    res_results *r = make_fixture();
    for (size_t i = 0; i < r->nmetrics; i++) /* nothing rejected anywhere */
        if (strstr(r->metrics[i].name, ".rejected"))
            r->metrics[i].mean = 0.0;
    char dir[] = "/tmp/erpsim-test-cascade-XXXXXX";
    assert_non_null(mkdtemp(dir));
    unsigned drawn = 0;
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(plt_charts_write_data(r, dir, &err), SIM_OK);
    if (plt_charts_draw(r, dir, gnuplot, &drawn, &err) != SIM_OK)
        fail_msg("drawing failed: %s", err.msg);
    assert_true(drawn & (1u << PLT_CHART_CASCADE));
    char path[4200];
    snprintf(path, sizeof path, "%s/charts/cascade.svg", dir);
    assert_int_equal(fixture_count(path, "no record was rejected"), 1);
    snprintf(path, sizeof path, "%s/series/rejections.csv", dir);
    assert_int_equal(fixture_count(path, "\n"), 1 + 2); /* header + F-1, F-2: no reason column */
    fixture_rmtree(dir);
    res_results_destroy(r);
}

/* A run without circuit breakers (NB = 0: the breaker titles of an empty
 * `plot for` are still evaluated by gnuplot) and whose only channel is a
 * broker (no delivery allocation, an empty allocation column: gnuplot has
 * no point to draw in that panel) still gets both charts. */
static void a_run_without_breakers_or_allocations_draws_every_chart(void **state)
{
    (void)state;
    char gp[4096];
    const char *gnuplot = plt_gnuplot_find(gp, sizeof gp);
    if (!gnuplot)
        skip();
    res_results *r = make_fixture();
    for (size_t i = 0; i < r->nmetrics; i++) {
        res_metric *m = &r->metrics[i];
        if (!strcmp(m->name, "flow.F-1.breaker_open_series")) { /* no breaker at all */
            sim_free(m->name);
            m->name = sim_strdup("flow.F-1.retry_series");
            assert_non_null(m->name);
        } else if (!strcmp(m->name, "channel.crm.allocation_limit")) {
            for (int k = 0; k < m->n; k++)
                m->values[k] = 0.0;
            m->mean = 0.0;
        } else if (!strcmp(m->name, "channel.crm.allocation_used_series")) {
            for (size_t k = 0; k < m->npoints; k++)
                m->y[k] = m->ymax[k] = NAN;
        }
    }
    r->systems[1].delivery_allocation = 0.0;
    char dir[] = "/tmp/erpsim-test-nobreaker-XXXXXX";
    assert_non_null(mkdtemp(dir));
    unsigned drawn = 0;
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(plt_charts_write_data(r, dir, &err), SIM_OK);
    if (plt_charts_draw(r, dir, gnuplot, &drawn, &err) != SIM_OK)
        fail_msg("drawing failed: %s", err.msg);
    assert_int_equal(drawn, (1u << PLT_NCHARTS) - 1);
    char path[4200];
    snprintf(path, sizeof path, "%s/charts/channels.svg", dir);
    assert_int_equal(fixture_count(path, "no channel counts deliveries"), 1);
    snprintf(path, sizeof path, "%s/charts/cascade.svg", dir);
    assert_int_equal(fixture_count(path, "breaker open:"), 0);
    fixture_rmtree(dir);
    res_results_destroy(r);
}

/* ---- charts at scale: a bounded choice of the most stressed items ---- */

/* The text of chart k's gnuplot variables. */
static char *vars_of(const res_results *r, plt_chart_kind k)
{
    char *vars = NULL;
    sim_err err;
    if (plt_charts_vars(r, k, "/out", &vars, &err) != SIM_OK)
        fail_msg("vars: %s", err.msg);
    assert_non_null(vars);
    return vars;
}

/* 12 systems with a 1,000-call daily limit, in this file order (s10
 * before s05 on purpose), and their peak use: headroom = 1 - peak/1000. */
static const char *const scale_ids[12] = {"s01", "s02", "s03", "s04", "s10", "s06",
                                          "s07", "s08", "s09", "s05", "s11", "s12"};
static const double scale_peaks[12] = {100, 950, 300, 980, 500, 700, 700, 200, 990, 500, 850, 600};

static res_results *make_quota_landscape(void)
{
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    assert_int_equal(res_results_alloc_facts(r, 0, 12, 0, NULL), SIM_OK);
    r->name = sim_strdup("scale");
    assert_non_null(r->name);
    r->replications = 3;
    r->load = 3.0;
    r->horizon_s = FIXTURE_POINTS * FIXTURE_STEP;
    char name[128];
    for (int i = 0; i < 12; i++) {
        snprintf(r->systems[i].id, RES_ID_MAX, "%s", scale_ids[i]);
        r->systems[i].daily_limit = 1000.0;
        r->systems[i].quota_window_s = 86400.0;
        r->systems[i].quota_rolling = 1;
        mdl_limit l = {.kind = MDL_LIMIT_QUOTA, .limit = 1000.0, .window_s = 86400.0};
        snprintf(l.id, sizeof l.id, "%s", scale_ids[i]);
        snprintf(l.what, sizeof l.what, "API calls per rolling 24 h");
        snprintf(l.unit, sizeof l.unit, "calls");
        snprintf(l.peak, sizeof l.peak, "system.%s.quota_peak", scale_ids[i]);
        assert_int_equal(res_results_add_limit(r, &l, NULL), SIM_OK);
        snprintf(name, sizeof name, "system.%s.quota_use_series", scale_ids[i]);
        assert_non_null(fixture_series(r, name, "calls", fixture_wave, scale_peaks[i]));
        snprintf(name, sizeof name, "system.%s.quota_peak", scale_ids[i]);
        double p = scale_peaks[i];
        assert_non_null(fixture_scalar(r, name, "calls", p, p, p));
    }
    return r;
}

/* Ranked by least headroom: s09 (1%), s04 (2%), s02 (5%), s11 (15%), s06
 * and s07 (30%, by id), s12 (40%), then s05 and s10 tie at 50% for the
 * last place: s05 by id, though s10 comes first in the file. Their
 * positions in the file: 9, 4, 2, 11, 6, 7, 12, 10. Left out: s10, s03,
 * s08, s01. */
static void a_quota_chart_over_its_bound_draws_the_systems_with_the_least_headroom(void **state)
{
    (void)state;
    res_results *r = make_quota_landscape();
    char *vars = vars_of(r, PLT_CHART_QUOTA);
    assert_non_null(strstr(vars, "N = 8\nNALL = 12\n"));
    assert_non_null(strstr(vars, "OMITTED = 4\n"));
    assert_non_null(strstr(vars, "array COL[8] = [9, 4, 2, 11, 6, 7, 12, 10]\n"));
    assert_non_null(strstr(vars, "array SYS[8] = ['s09', 's04', 's02', 's11', 's06', 's07', "
                                 "'s12', 's05']\n"));
    assert_non_null(strstr(vars, "NNOTE = 2\narray NOTES[2] = ['Drawn: the 8 of 12 systems with "
                                 "the least quota headroom', '(all are in series/quota.csv and "
                                 "results.json)']\n"));
    sim_free(vars);
    /* the same landscape again: the same choice (ties by id, not by chance) */
    res_results *again = make_quota_landscape();
    vars = vars_of(again, PLT_CHART_QUOTA);
    assert_non_null(strstr(vars, "array COL[8] = [9, 4, 2, 11, 6, 7, 12, 10]\n"));
    sim_free(vars);
    res_results_destroy(again);
    /* the data file keeps every system: time + 2 columns x 12 */
    char dir[] = "/tmp/erpsim-test-scale-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[4200];
    sim_err err;
    if (plt_charts_write_data(r, dir, &err) != SIM_OK)
        fail_msg("data: %s", err.msg);
    snprintf(path, sizeof path, "%s/series/quota.csv", dir);
    assert_int_equal(fixture_count(path, ".use_mean"), 12);
    assert_int_equal(fixture_count(path, "s10.use_max"), 1);
    assert_int_equal(fixture_count(path, "s01.use_max"), 1);
    /* drawn: 8 panels of 310 px under a 120 px title (plt_charts.c), not 12 */
    char gp[4096];
    const char *gnuplot = plt_gnuplot_find(gp, sizeof gp);
    if (gnuplot) {
        unsigned drawn = 0;
        assert_int_equal(plt_charts_write_data(r, dir, &err), SIM_OK);
        if (plt_charts_draw(r, dir, gnuplot, &drawn, &err) != SIM_OK)
            fail_msg("drawing failed: %s", err.msg);
        snprintf(path, sizeof path, "%s/charts/quota.png", dir);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        unsigned char h[24]; /* PNG: signature, IHDR length and type, width, height */
        assert_int_equal(fread(h, 1, sizeof h, f), sizeof h);
        fclose(f);
        long height = (long)h[20] << 24 | (long)h[21] << 16 | (long)h[22] << 8 | h[23];
        assert_int_equal(height, 120 + 310 * 8 + 24 * 2); /* and the title's 2 lines */
        snprintf(path, sizeof path, "%s/charts/quota.svg", dir);
        assert_int_equal(fixture_count(path, "s09: API calls counted"), 1);
        assert_int_equal(fixture_count(path, "s10: API calls counted"), 0);
        assert_int_equal(fixture_count(path, "Drawn: the 8 of 12 systems"), 1);
    }
    fixture_rmtree(dir);
    res_results_destroy(r);
}

/* Within the bound, a chart draws every item in the file's order, says
 * nothing about a choice and omits nothing (the fixture: 3 flows with
 * observations). */
static void a_chart_within_its_bound_draws_every_item_in_file_order(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    char *vars = vars_of(r, PLT_CHART_LATENCY);
    assert_non_null(strstr(vars, "N = 3\nNALL = 3\n"));
    assert_non_null(strstr(vars, "OMITTED = 0\n"));
    assert_non_null(strstr(vars, "NNOTE = 0\n"));
    assert_non_null(strstr(vars, "array COL[3] = [1, 2, 3]\n"));
    sim_free(vars);
    res_results_destroy(r);
}

/* 10 flows, each with an SLO of 1 s and a p99 (mean over 3 replications)
 * of 0.1 x its number, except F-03 without an SLO; p99 / SLO ranks them:
 * F-10 (1.0), F-09, F-08, F-07, F-06, F-05, F-04, F-02 (0.2): F-01 (0.1)
 * and F-03 (no SLO, ranked last) are left out. */
static void a_latency_chart_over_its_bound_draws_the_flows_nearest_their_slo(void **state)
{
    (void)state;
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    assert_int_equal(res_results_alloc_facts(r, 10, 0, 0, NULL), SIM_OK);
    char name[128];
    for (int i = 0; i < 10; i++) {
        res_flow *f = &r->flows[i];
        snprintf(f->id, RES_ID_MAX, "F-%02d", i + 1);
        snprintf(f->pattern, sizeof f->pattern, "realtime");
        f->slo_s = i == 2 ? 0.0 : 1.0;
        snprintf(name, sizeof name, "flow.%s.latency", f->id);
        assert_non_null(fixture_hist(r, name, 0.05));
        snprintf(name, sizeof name, "flow.%s.latency_p99", f->id);
        double p99 = 0.1 * (i + 1);
        assert_non_null(fixture_scalar(r, name, "s", p99, p99, p99));
    }
    char *vars = vars_of(r, PLT_CHART_LATENCY);
    assert_non_null(strstr(vars, "N = 8\nNALL = 10\n"));
    assert_non_null(strstr(vars, "OMITTED = 2\n"));
    assert_non_null(strstr(vars, "array COL[8] = [10, 9, 8, 7, 6, 5, 4, 2]\n"));
    assert_non_null(strstr(vars, "flows with the highest p99 against their SLO"));
    sim_free(vars);
    /* the 8 drawn flows share their 1 s SLO: one label says so, instead of
     * eight labels printed over each other */
    char gp[4096];
    const char *gnuplot = plt_gnuplot_find(gp, sizeof gp);
    if (gnuplot) {
        char dir[] = "/tmp/erpsim-test-charts-XXXXXX", path[4200];
        assert_non_null(mkdtemp(dir));
        sim_err err;
        sim_err_clear(&err);
        unsigned drawn = 0;
        assert_int_equal(plt_charts_write_data(r, dir, &err), SIM_OK);
        if (plt_charts_draw(r, dir, gnuplot, &drawn, &err) != SIM_OK)
            fail_msg("drawing failed: %s", err.msg);
        snprintf(path, sizeof path, "%s/charts/latency.svg", dir);
        assert_int_equal(fixture_count(path, "SLO 1 s, 8 flows"), 1);
        assert_int_equal(fixture_count(path, "SLO F-"), 0);
        fixture_rmtree(dir);
    }
    res_results_destroy(r);
}

/* 14 flows rejecting F-i: i records each (pool_full), except F-02: 20 and
 * F-03: 4 (as F-04). The 12 bars: F-02, then F-14 down to F-05, then the
 * tie at the last place: F-03 by id before F-04. Left out: F-04, F-01. */
static void a_cascade_over_its_bound_draws_the_flows_with_the_most_rejections(void **state)
{
    (void)state;
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    char name[128];
    for (int i = 1; i <= 14; i++) {
        double v = i == 2 ? 20 : i == 3 ? 4 : i;
        snprintf(name, sizeof name, "flow.F-%02d.rejected.pool_full", i);
        assert_non_null(fixture_scalar(r, name, "records", v, v, v));
    }
    char *vars = vars_of(r, PLT_CHART_CASCADE);
    assert_non_null(strstr(vars, "NF = 12\n"));
    assert_non_null(strstr(vars, "NFALL = 14\n"));
    assert_non_null(strstr(vars, "OMITTED = 2\n"));
    assert_non_null(strstr(vars, "array FNAME[12] = ['F-02', 'F-14', 'F-13', 'F-12', 'F-11', "
                                 "'F-10', 'F-09', 'F-08', 'F-07', 'F-06', 'F-05', 'F-03']\n"));
    /* the bars' data: each drawn flow's row in rejections.csv, its count */
    assert_non_null(strstr(vars, "$REJD << EOD\n2,20\n14,14\n"));
    assert_non_null(strstr(vars, "\n5,5\n3,4\nEOD\n"));
    assert_non_null(strstr(vars, "the 12 of 14 flows with the most rejections"));
    sim_free(vars);
    /* rejections.csv keeps all 14 */
    char dir[] = "/tmp/erpsim-test-cascade-scale-XXXXXX";
    assert_non_null(mkdtemp(dir));
    sim_err err;
    if (plt_charts_write_data(r, dir, &err) != SIM_OK)
        fail_msg("data: %s", err.msg);
    char path[4200];
    snprintf(path, sizeof path, "%s/series/rejections.csv", dir);
    assert_int_equal(fixture_count(path, "\n"), 1 + 14);
    fixture_rmtree(dir);
    res_results_destroy(r);
}

static void the_comparison_chart_draws_grouped_bars_with_whiskers(void **state)
{
    (void)state;
    static const char *const variants[] = {"realtime", "event", "batch"};
    static const char *const metrics[] = {"F-1 latency p99", "F-1 latency p50", "records lost",
                                          "API calls"};
    static const char *const units[] = {"s", "s", "records", "calls"};
    /* [variant * 4 + metric] */
    static const double mean[] = {0.9, 0.3, 0, 3000, 40, 12, 15, 1200, 30000, 20000, 0, 30};
    static const double hw[] = {0.1, 0.02, 0, 50, 5, 1, 6, 40, 900, 500, NAN, 0};
    plt_compare c = {.title = "fixture: F-1 under three patterns",
                     .nvariants = 3,
                     .variants = variants,
                     .nmetrics = 4,
                     .metrics = metrics,
                     .units = units,
                     .mean = mean,
                     .half_width = hw};
    char dir[] = "/tmp/erpsim-test-compare-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[4200];
    assert_int_equal(plt_compare_write_data(&c, dir, "compare", NULL), SIM_OK);
    snprintf(path, sizeof path, "%s/series/compare.csv", dir);
    assert_int_equal(fixture_count(path, "\n"), 1 + 3 * 4); /* header + one row per bar */
    char gp[4096];
    const char *gnuplot = plt_gnuplot_find(gp, sizeof gp);
    if (gnuplot) {
        sim_err err;
        sim_err_clear(&err);
        if (plt_compare_draw(&c, dir, "compare", gnuplot, &err) != SIM_OK)
            fail_msg("compare: %s", err.msg);
        snprintf(path, sizeof path, "%s/charts/compare.png", dir);
        assert_true(fixture_file_size(path) > BLANK_PNG_BYTES);
        snprintf(path, sizeof path, "%s/charts/compare.svg", dir);
        /* three panels (durations, records, calls), each with every
         * variant in its legend; every metric labels its own row, and every
         * bar says its value in human units (900 ms, not 0.9); the
         * durations span 0.3 s to 30,000 s, so their axis is logarithmic
         * and its ticks are durations (issue 12: "1e-05 hours" said
         * nothing): from 10^-5.3 h (18 ms) to 100 h, 100 ms ... 10 h */
        assert_int_equal(fixture_count(path, ">duration (logarithmic scale)<"), 1);
        assert_int_equal(fixture_count(path, ">hours<"), 0);
        static const char *const ticks[] = {">100 ms<", ">1 s<", ">10 s<", ">1 min<",
                                            ">10 min<", ">1 h<", ">10 h<"};
        for (size_t i = 0; i < sizeof ticks / sizeof ticks[0]; i++)
            assert_int_equal(fixture_count(path, ticks[i]), 1);
        assert_int_equal(fixture_count(path, ">10 ms<"), 0);
        assert_int_equal(fixture_count(path, ">10 d<"), 0);
        assert_int_equal(fixture_count(path, ">records<"), 1);
        assert_int_equal(fixture_count(path, ">calls<"), 1);
        assert_int_equal(fixture_count(path, ">realtime<"), 3);
        assert_int_equal(fixture_count(path, ">F-1 latency p99<"), 1);
        assert_int_equal(fixture_count(path, ">900 ms ± 100 ms<"), 1);
        /* 3,000 calls beside 30 and 1,200: every bar's value written,
         * with its thousands separator (a string literal, not data) */
        assert_int_equal(fixture_count(path, ">3,000 ± 50<"), 1);
    }
    plt_compare none = c;
    none.nvariants = 0;
    assert_int_equal(plt_compare_write_data(&none, dir, "x", NULL), SIM_EINVAL);
    fixture_rmtree(dir);
}

static void a_gnuplot_error_is_reported_and_leaves_no_file(void **state)
{
    (void)state;
    char gp[4096];
    const char *gnuplot = plt_gnuplot_find(gp, sizeof gp);
    if (!gnuplot)
        skip();
    char dir[] = "/tmp/erpsim-test-gperr-XXXXXX";
    assert_non_null(mkdtemp(dir));
    sim_err err;
    sim_err_clear(&err);
    /* quota.gp without its variables: gnuplot stops on an undefined one */
    int rc =
        plt_gnuplot_draw(gnuplot, dir, "broken", "quota.gp", "", 640, 480, PLT_PNG | PLT_SVG, &err);
    assert_int_equal(rc, SIM_EIO);
    assert_non_null(strstr(err.msg, "gnuplot failed"));
    assert_non_null(strstr(err.msg, "undefined"));
    char path[4200];
    snprintf(path, sizeof path, "%s/broken.png", dir);
    assert_int_equal(fixture_file_size(path), -1);
    assert_int_equal(temp_files(dir), 0);
    assert_int_equal(plt_gnuplot_draw(gnuplot, dir, "x", "no-such.gp", "", 640, 480, PLT_PNG, NULL),
                     SIM_EINTERNAL);
    fixture_rmtree(dir);
}

/* A stand-in gnuplot (a shell script) that notes how many of it run at
 * once (a file per running process, counted when it starts, then 0.3 s of
 * sleep), writes each output as a whole PNG (its IEND chunk) or SVG, and,
 * once DIR/fail exists, fails on the latency chart (after its sleep) and
 * on the cascade chart (at once, so that it ends first). */
static void write_stand_in(const char *dir, char *gp, size_t n)
{
    snprintf(gp, n, "%s/gnuplot", dir);
    FILE *f = fopen(gp, "w");
    assert_non_null(f);
    fprintf(f,
            "#!/bin/sh\n"
            "d='%s'\n"
            "if [ -e \"$d/fail\" ] && grep -q '/\\.cascade\\.png\\.tmp' \"$1\"; then\n"
            "  echo 'cascade broken on purpose'; exit 1; fi\n"
            ": >\"$d/run.$$\"\n"
            "ls \"$d\" | grep -c '^run\\.' >>\"$d/seen\"\n"
            "sleep 0.3\n"
            "rm -f \"$d/run.$$\"\n"
            "if [ -e \"$d/fail\" ] && grep -q '/\\.latency\\.png\\.tmp' \"$1\"; then\n"
            "  echo 'latency broken on purpose'; exit 1; fi\n"
            "for o in $(sed -n \"s/^set output '\\(.*\\)'$/\\1/p\" \"$1\"); do\n"
            "  case $o in *.png.*) printf '\\0\\0\\0\\0IEND\\256B`\\202' >\"$o\";;\n"
            "  *) echo '</svg>' >\"$o\";; esac\n"
            "done\n",
            dir);
    fclose(f);
    assert_int_equal(chmod(gp, 0755), 0);
}

/* The most stand-ins seen running at once (DIR/seen), then forgets them. */
static int most_at_once(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/seen", dir);
    FILE *f = fopen(path, "r");
    int most = 0, k;
    while (f && fscanf(f, "%d", &k) == 1)
        most = k > most ? k : most;
    if (f)
        fclose(f);
    unlink(path);
    return most;
}

/* The charts are drawn concurrently: with jobs = 2, two gnuplots run at
 * once (one if this machine has a single core), never more; with jobs = 1,
 * one at a time, as before. Every chart is drawn whole either way. A
 * failure is reported as it was one at a time: the first failing chart in
 * chart order (latency, though cascade failed earlier), the others drawn,
 * no temporary file left. */
static void charts_are_drawn_concurrently_and_failures_reported_in_chart_order(void **state)
{
    (void)state;
    char dir[] = "/tmp/erpsim-test-jobs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char gp[4200], path[4300];
    write_stand_in(dir, gp, sizeof gp);
    res_results *r = make_fixture();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned all = (1u << PLT_NCHARTS) - 1, drawn = 0;
    sim_err err;
    for (int jobs = 2; jobs >= 1; jobs--) {
        sim_err_clear(&err);
        if (plt_charts_draw_jobs(r, dir, gp, jobs, &drawn, &err) != SIM_OK)
            fail_msg("jobs %d: %s", jobs, err.msg);
        assert_int_equal(drawn, all);
        assert_int_equal(most_at_once(dir), jobs == 2 && cpus >= 2 ? 2 : 1);
        for (int k = 0; k < PLT_NCHARTS; k++) {
            snprintf(path, sizeof path, "%s/charts/%s.png", dir, plt_chart_info_of(k)->name);
            assert_int_equal(fixture_file_size(path), 12);
        }
    }
    snprintf(path, sizeof path, "%s/fail", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/charts", dir);
    fixture_rmtree(path);
    sim_err_clear(&err);
    assert_int_equal(plt_charts_draw(r, dir, gp, &drawn, &err), SIM_EIO);
    assert_string_equal(err.msg, "chart latency: gnuplot failed: latency broken on purpose");
    assert_int_equal(drawn, all & ~(1u << PLT_CHART_LATENCY) & ~(1u << PLT_CHART_CASCADE));
    snprintf(path, sizeof path, "%s/charts/latency.png", dir);
    assert_int_equal(fixture_file_size(path), -1);
    snprintf(path, sizeof path, "%s/charts", dir);
    assert_int_equal(temp_files(path), 0);
    res_results_destroy(r);
    fixture_rmtree(dir);
}

/* The literal follows gnuplot's single-quote rule (plt_gnuplot.h): only a
 * quote is special and is doubled; backquotes, @, $ and backslashes stay as
 * they are, and control characters become visible escapes so the literal
 * never spans two lines. Expected strings written by hand from that rule. */
static void gnuplot_literals_are_single_quoted_with_quotes_doubled(void **state)
{
    (void)state;
    plt_buf b;
    plt_buf_init(&b);
    plt_gnuplot_quote(&b, "it's `touch x` @M \\ \"q\" $(id)");
    plt_buf_puts(&b, "|");
    plt_gnuplot_quote(&b, "a\nb\033[2J\a");
    plt_buf_puts(&b, "|");
    plt_gnuplot_quote(&b, "''");
    plt_buf_puts(&b, "|");
    plt_gnuplot_quote(&b, NULL);
    assert_int_equal(plt_buf_status(&b, NULL), SIM_OK);
    assert_string_equal(b.data, "'it''s `touch x` @M \\ \"q\" $(id)'|'a\\nb\\x1b[2J\\x07'|"
                                "''''''|''");
    plt_buf_fini(&b);
    /* a folder name that would have to be escaped is refused, not altered */
    sim_err err;
    assert_int_equal(plt_gnuplot_draw("/bin/true", "/tmp/a\nb", "quota", "quota.gp", "", 640, 480,
                                      PLT_PNG, &err),
                     SIM_EINVAL);
}

static void gnuplot_is_found_or_reported_missing(void **state)
{
    (void)state;
    char buf[4096];
    const char *old = getenv("ERPSIM_GNUPLOT");
    char *saved = old ? sim_strdup(old) : NULL;
    setenv("ERPSIM_GNUPLOT", "", 1);
    assert_null(plt_gnuplot_find(buf, sizeof buf));
    setenv("ERPSIM_GNUPLOT", "/nonexistent/gnuplot", 1);
    assert_null(plt_gnuplot_find(buf, sizeof buf));
    setenv("ERPSIM_GNUPLOT", "/bin/sh", 1); /* any executable path is taken as given */
    assert_string_equal(plt_gnuplot_find(buf, sizeof buf), "/bin/sh");
    if (saved)
        setenv("ERPSIM_GNUPLOT", saved, 1);
    else
        unsetenv("ERPSIM_GNUPLOT");
    sim_free(saved);
    /* every template is built in */
    static const char *const names[] = {"common.gp", "quota.gp",   "latency.gp", "channels.gp",
                                        "batch.gp",  "cascade.gp", "compare.gp"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_non_null(plt_gnuplot_template(names[i]));
    assert_null(plt_gnuplot_template("nope.gp"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_chart_has_data_in_the_fixture),
        cmocka_unit_test(charts_without_their_metrics_are_skipped),
        cmocka_unit_test(every_chart_is_drawn_as_png_and_svg),
        cmocka_unit_test(a_cascade_without_rejections_is_still_drawn),
        cmocka_unit_test(a_run_without_breakers_or_allocations_draws_every_chart),
        cmocka_unit_test(a_quota_chart_over_its_bound_draws_the_systems_with_the_least_headroom),
        cmocka_unit_test(a_chart_within_its_bound_draws_every_item_in_file_order),
        cmocka_unit_test(a_latency_chart_over_its_bound_draws_the_flows_nearest_their_slo),
        cmocka_unit_test(a_cascade_over_its_bound_draws_the_flows_with_the_most_rejections),
        cmocka_unit_test(the_comparison_chart_draws_grouped_bars_with_whiskers),
        cmocka_unit_test(a_gnuplot_error_is_reported_and_leaves_no_file),
        cmocka_unit_test(charts_are_drawn_concurrently_and_failures_reported_in_chart_order),
        cmocka_unit_test(gnuplot_literals_are_single_quoted_with_quotes_doubled),
        cmocka_unit_test(gnuplot_is_found_or_reported_missing),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    /* Without gnuplot the drawing tests were skipped: exit 77, which ctest
     * reports as skipped (SKIP_RETURN_CODE), not as passed. */
    char gp[4096];
    if (failed)
        return 1;
    return plt_gnuplot_find(gp, sizeof gp) ? 0 : 77;
}
