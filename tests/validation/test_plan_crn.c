/*
 * test_plan_crn.c - common random numbers make the difference between two
 * sweep points more precise than independent streams do.
 *
 * `erpsim sweep` runs every point with the same base seed. Streams are
 * named after what they drive ("flow.F-1.arrivals", "system.erp.service"),
 * so two points of a sweep see the same arrivals and the same service
 * times, and only the varied parameter differs. For a metric X at point A
 * and Y at point B, replication by replication,
 *
 *   Var(X - Y) = Var(X) + Var(Y) - 2 Cov(X, Y),
 *
 * and Cov(X, Y) > 0 under common random numbers (a busy day at A is the
 * same busy day at B), while Cov = 0 with independent seeds. Expected
 * direction: the variance of the per-replication differences is smaller
 * with common random numbers. Reference: A. M. Law, "Simulation Modeling
 * and Analysis", 5th ed., 11.2 (common random numbers).
 *
 * Two sweeps are checked, each with R = 20 replications of the erpsim
 * world, A and B at the same seed (CRN) and B again at another seed
 * (independent):
 *   workers  systems.erp.api.workers = 3 vs 4, metric the flow's mean
 *            latency (service times plus queueing at the ERP's workers:
 *            utilisation 0.43 vs 0.33);
 *   load     load = 1x vs 1.25x, metric the calls the ERP served.
 * Tolerance: the test asks for var_crn < 0.5 var_ind. Under common random
 * numbers with a correlation rho the ratio of the two sample variances is
 * about (1 - rho) F(19, 19); F(19, 19) exceeds 3.03 with probability 1%,
 * so any rho >= 0.84 passes with 99% probability, and the correlations
 * here are higher (printed). Were the streams not shared (rho = 0), the
 * ratio would be F(19, 19) itself, below 0.5 with probability 7% only;
 * the test also requires the sample correlation of X and Y under CRN to
 * exceed 0.5, which 20 independent pairs reach with probability 1%.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_world.h"
#include "scn_load.h"
#include "sim_experiment.h"
#include "sim_result.h"

#define REPS 20
#define SEED 77u

static const char yaml[] = "name: plan-crn\n"
                           "horizon: 6h\n"
                           "systems:\n"
                           "  - id: erp\n"
                           "    kind: generic\n"
                           "    api:\n"
                           "      workers: 2\n"
                           "      latency_p50: 1s\n"
                           "      latency_p95: 3s\n"
                           "  - id: shop\n"
                           "    kind: generic\n"
                           "callers:\n"
                           "  - id: shop-backend\n"
                           "    pool_size: 500\n"
                           "flows:\n"
                           "  - id: F-1\n"
                           "    source: shop\n"
                           "    target: erp\n"
                           "    volume: 90k/day\n"
                           "    pattern: realtime\n"
                           "    caller: shop-backend\n"
                           "    realtime:\n"
                           "      timeout: 10m\n";

/* The per-replication values of metric at the scenario with override set,
 * run with base seed `seed`, into v[0..REPS-1]. */
static void run(const char *set, uint64_t seed, const char *metric, double *v)
{
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    const char *sets[1] = {set};
    scn_load_opts lo = {.sets = sets, .nsets = 1};
    if (scn_load_string("plan-crn.yaml", yaml, sizeof yaml - 1, &lo, &sc, &diag) != SIM_OK)
        fail_msg("%s: %s", set, diag.count ? diag.items[0].msg : "load failed");
    scn_diag_fini(&diag);
    sim_experiment_cfg cfg = {.replications = REPS, .seed = seed};
    sim_summary *sum = NULL;
    sim_err err;
    if (sim_experiment_run(&cfg, mdl_world_run, &sc, &sum, &err) != SIM_OK)
        fail_msg("%s: %s", set, err.msg);
    const sim_metric *m = sim_summary_find(sum, metric);
    assert_non_null(m);
    assert_int_equal(m->n, REPS);
    memcpy(v, m->values, REPS * sizeof *v);
    sim_summary_destroy(sum);
    mdl_scenario_fini(&sc);
}

static double var_of_diff(const double *x, const double *y)
{
    double d[REPS], mean = 0, ss = 0;
    for (int i = 0; i < REPS; i++)
        mean += (d[i] = x[i] - y[i]) / REPS;
    for (int i = 0; i < REPS; i++)
        ss += (d[i] - mean) * (d[i] - mean);
    return ss / (REPS - 1);
}

static double correlation(const double *x, const double *y)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < REPS; i++)
        mx += x[i] / REPS, my += y[i] / REPS;
    for (int i = 0; i < REPS; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

static void check_pair(const char *a, const char *b, const char *metric)
{
    double x[REPS], y_crn[REPS], y_ind[REPS];
    run(a, SEED, metric, x);
    run(b, SEED, metric, y_crn);
    run(b, SEED + 1000, metric, y_ind);
    double v_crn = var_of_diff(x, y_crn), v_ind = var_of_diff(x, y_ind);
    double rho = correlation(x, y_crn);
    print_message("%s vs %s, %s: Var(diff) %.4g with common random numbers, %.4g with "
                  "independent seeds (ratio %.3f); correlation under CRN %.3f\n",
                  a, b, metric, v_crn, v_ind, v_crn / v_ind, rho);
    assert_true(v_ind > 0);
    assert_true(v_crn < 0.5 * v_ind);
    assert_true(rho > 0.5);
}

static void common_random_numbers_shrink_the_variance_of_a_worker_difference(void **state)
{
    (void)state;
    check_pair("systems.erp.api.workers=3", "systems.erp.api.workers=4", "flow.F-1.latency_mean");
}

static void common_random_numbers_shrink_the_variance_of_a_load_difference(void **state)
{
    (void)state;
    check_pair("load=1x", "load=1.25x", "system.erp.served");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(common_random_numbers_shrink_the_variance_of_a_worker_difference),
        cmocka_unit_test(common_random_numbers_shrink_the_variance_of_a_load_difference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
