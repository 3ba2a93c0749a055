/*
 * test_endpoint_erlang.c - a whole scenario against Erlang C: a system
 * whose API has c = 4 workers and an exponential service time (api.service:
 * distribution exponential, mean 1 s), called by one real-time flow with
 * Poisson arrivals at 3.2 calls/s (a flat arrival profile), a caller pool
 * too large to matter and a timeout nobody reaches. That is M/M/4 with
 * offered load a = 3.2 (rho = 0.8), so
 *
 *   P(wait) = C(4, 3.2) = [a^4/4! * 4/(4 - a)] / [sum_{k<4} a^k/k! + a^4/4! * 4/(4 - a)]
 *           = 21.8453 / (14.7813 + 21.8453) = 0.59643
 *   Wq      = C / (c mu - lambda) = 0.59643 / 0.8 = 0.74554 s
 *
 * (L. Kleinrock, "Queueing Systems", vol. 1, 1975, 3.5; the file computes
 * both from the formula). It checks the scenario path end to end: the
 * loader's service keys, the world's wiring of mdl_service into the
 * endpoint, and the published system.erp.workers_wait_share and
 * wait_mean_s.
 *
 * Method and tolerance. R = 10 independent replications of 12 h (about
 * 138,000 calls each) by mdl_world_run, each started empty. The mean of the
 * R estimates must be within 4 standard errors of the theory (Student t
 * with 9 degrees of freedom exceeds 4 with probability 0.003), plus a 1%
 * allowance for what is not noise: the start-empty transient (the
 * relaxation time of M/M/4 at rho 0.8 is about 1 / (mu (1 - sqrt(rho))^2)
 * = 90 s, 0.2% of a 12 h run) and the microsecond rounding of times.
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
#include "sim_result.h"

static const char scenario[] = "name: erlang\n"
                               "horizon: 12h\n"
                               "systems:\n"
                               "  - id: erp\n"
                               "    api:\n"
                               "      workers: 4\n"
                               "      service: {distribution: exponential, mean: 1s}\n"
                               "  - id: shop\n"
                               "callers:\n"
                               "  - id: web\n"
                               "    pool_size: 100000\n"
                               "flows:\n"
                               "  - id: F-1\n"
                               "    source: shop\n"
                               "    target: erp\n"
                               "    volume: 3.2/s\n"
                               "    pattern: realtime\n"
                               "    caller: web\n"
                               "    realtime:\n"
                               "      timeout: 1d\n"
                               "      retries: {max_attempts: 1}\n";

static double erlang_c(int c, double a)
{
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < c; k++) {
        term *= a / k;
        sum += term;
    }
    double last = term * a / c * c / (c - a);
    return last / (sum + last);
}

static double metric(const sim_result *r, const char *name)
{
    long i = sim_result_find(r, name);
    if (i < 0)
        fail_msg("metric %s is missing", name);
    return sim_result_value(r, (size_t)i);
}

static void check(const char *what, const double *x, int n, double theory)
{
    double m = 0, v = 0;
    for (int i = 0; i < n; i++)
        m += x[i] / n;
    for (int i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m) / (n - 1);
    double se = sqrt(v / n);
    print_message("%-22s theory %.5f  simulated %.5f  SE %.5f\n", what, theory, m, se);
    if (!(fabs(m - theory) <= 4 * se + 0.01 * theory))
        fail_msg("%s: %.5f, Erlang C %.5f (SE %.5f)", what, m, theory, se);
}

static void an_endpoint_with_exponential_service_matches_erlang_c(void **state)
{
    (void)state;
    enum { R = 10 };
    const int c = 4;
    const double lambda = 3.2, mu = 1.0, a = lambda / mu;
    const double pw = erlang_c(c, a), wq = pw / (c * mu - lambda);
    assert_true(fabs(pw - 0.59643) < 1e-5); /* the hand figures above */
    assert_true(fabs(wq - 0.74554) < 1e-5);

    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    if (scn_load_string("erlang.yaml", scenario, sizeof scenario - 1, NULL, &sc, &diag) != SIM_OK)
        fail_msg("the scenario does not load: %s", diag.count ? diag.items[0].msg : "?");
    scn_diag_fini(&diag);
    assert_int_equal(sc.systems[0].api.service.distribution, MDL_SPEC_DIST_EXPONENTIAL);

    double share[R], wait[R], util[R];
    for (int rep = 0; rep < R; rep++) {
        sim_result *r = sim_result_create(NULL);
        assert_non_null(r);
        sim_err err;
        if (mdl_world_run(&sc, 2024, rep, r, &err) != SIM_OK)
            fail_msg("run: %s", err.msg);
        share[rep] = metric(r, "system.erp.workers_wait_share");
        wait[rep] = metric(r, "system.erp.wait_mean_s");
        util[rep] = metric(r, "system.erp.utilisation");
        assert_true(metric(r, "system.erp.workers_exhausted_at") >= 0);
        sim_result_destroy(r);
    }
    check("P(wait)", share, R, pw);
    check("mean wait Wq (s)", wait, R, wq);
    check("utilisation rho", util, R, a / c);
    mdl_scenario_fini(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_endpoint_with_exponential_service_matches_erlang_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
