/*
 * world_pass.h - what the tests of the world's aggregate pass share
 * (test_mdl_world_tier.c, test_mdl_world_event.c): load a scenario text
 * and run it on a chosen path (mdl_scenario.reference), compare two runs'
 * published metrics replication by replication, read a metric's mean.
 * Include after <cmocka.h>.
 */
#ifndef WORLD_PASS_H
#define WORLD_PASS_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mdl_world.h"
#include "scn_load.h"
#include "sim_experiment.h"
#include "sim_stats.h"

/* Runs text on the paths `reference` (MDL_REF_* bits) with the pass's
 * push ranks renumbered at rank_limit (mdl_scenario.rank_limit; 0 = as a
 * run does) and a component that is not quiet looking again every
 * look_period us (mdl_scenario.look_period; 0 = AGG_RETRY, as a run
 * does). */
static sim_summary *load_and_run_knobs(const char *text, unsigned reference, int reps, int threads,
                                       unsigned rank_limit, sim_time look_period)
{
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    scn_load_opts opts = {0};
    int rc = scn_load_string("world-pass-test", text, strlen(text), &opts, &sc, &diag);
    if (rc != SIM_OK) {
        char buf[600];
        fail_msg("%s", diag.count ? scn_diag_format(&diag.items[0], buf, sizeof buf) : "load");
    }
    scn_diag_fini(&diag);
    sc.reference = reference;
    sc.rank_limit = rank_limit;
    sc.look_period = look_period;
    sim_experiment_cfg cfg = {.replications = reps, .threads = threads, .seed = sc.seed};
    sim_summary *s = NULL;
    sim_err err = {0};
    rc = sim_experiment_run(&cfg, mdl_world_run, &sc, &s, &err);
    mdl_scenario_fini(&sc);
    if (rc != SIM_OK)
        fail_msg("%s", err.msg);
    return s;
}

static sim_summary *load_and_run_ranked(const char *text, unsigned reference, int reps, int threads,
                                        unsigned rank_limit)
{
    return load_and_run_knobs(text, reference, reps, threads, rank_limit, 0);
}

static sim_summary *load_and_run(const char *text, unsigned reference, int reps, int threads)
{
    return load_and_run_ranked(text, reference, reps, threads, 0);
}

/* Whether x and y agree to rel (plus abs): equal (an infinity on both
 * sides) or NaN on both sides agree; otherwise a value that is not finite
 * never agrees (fabs(inf - 1) <= rel * inf would hold, and so would
 * +inf vs -inf); finite values agree within rel * (|x| + |y|) + abs. */
static int values_agree(double x, double y, double rel, double abs)
{
    if (x == y || (isnan(x) && isnan(y)))
        return 1;
    if (!isfinite(x) || !isfinite(y))
        return 0;
    return fabs(x - y) <= rel * (fabs(x) + fabs(y)) + abs;
}

/* Every scalar and every series bin (value and maximum), but the run's
 * bookkeeping ("run."), agrees replication by replication: counts
 * exactly, the rest to rel (each test says why its rel; series values
 * also to 1e-12 absolute); a value that is not finite only with the same
 * value (values_agree). Returns how many differ (each printed). */
static int differ(const sim_summary *f, const sim_summary *r, double rel)
{
    int bad = 0, compared = 0;
    for (size_t i = 0; i < sim_summary_count(f); i++) {
        const sim_metric *a = sim_summary_at(f, i);
        if (strncmp(a->name, "run.", 4) == 0)
            continue;
        const sim_metric *b = sim_summary_find(r, a->name);
        if (!b || b->n != a->n || b->kind != a->kind) {
            printf("  %s: missing on one side\n", a->name);
            bad++;
            continue;
        }
        if (a->kind == SIM_METRIC_SERIES) {
            for (size_t k = 0; k < sim_series_nbins(a->series); k++) {
                double x = sim_series_value(a->series, k), y = sim_series_value(b->series, k);
                double u = sim_series_max(a->series, k), v = sim_series_max(b->series, k);
                compared++;
                if (!values_agree(x, y, rel, 1e-12) || !values_agree(u, v, 0, 0)) {
                    printf("  series %s bin %zu: %.17g vs %.17g (max %g vs %g)\n", a->name, k, x, y,
                           u, v);
                    bad++;
                    break;
                }
            }
            continue;
        }
        if (a->kind != SIM_METRIC_SCALAR)
            continue;
        int count = !strcmp(a->unit, "records") || !strcmp(a->unit, "calls") ||
                    !strcmp(a->unit, "requests") || !strcmp(a->unit, "events");
        for (int k = 0; k < a->n; k++) {
            double x = a->values[k], y = b->values[k];
            compared++;
            if (!values_agree(x, y, count ? 0 : rel, 0)) {
                printf("  %s, replication %d: %.17g vs %.17g\n", a->name, k + 1, x, y);
                bad++;
                break;
            }
        }
    }
    printf("  %d values compared\n", compared);
    assert_true(compared > 100); /* a comparison of nothing proves nothing */
    return bad;
}

static double mean_of(const sim_summary *s, const char *name)
{
    const sim_metric *m = sim_summary_find(s, name);
    if (!m)
        fail_msg("no metric %s", name);
    return m->mean;
}

/* Runs text on the fast path and on the per-record reference (2
 * replications, 1 thread), prints the pass's share, passes and edge
 * fallbacks, and asserts that every published value agrees (differ to
 * 1e-9: counts exactly, the floating sums to their last bits). Returns
 * the fast run's summary for the test's own checks; the test destroys
 * it. */
static sim_summary *fast_matches_reference(const char *text)
{
    sim_summary *f = load_and_run(text, 0, 2, 1);
    sim_summary *r = load_and_run(text, MDL_REF_RECORDS, 2, 1);
    printf("  share %.4f passes %.1f edge %.1f\n", mean_of(f, "run.aggregate_share"),
           mean_of(f, "run.aggregate_passes"), mean_of(f, "run.aggregate_fallback_edge"));
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(r);
    return f;
}

#endif
