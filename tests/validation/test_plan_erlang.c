/*
 * test_plan_erlang.c - the load search of `erpsim plan` finds thresholds
 * that theory knows.
 *
 * The analytic case is an M/M/c endpoint with a mean-wait SLO: Poisson
 * arrivals at lambda = lambda0 * L (L the load multiplier), c servers with
 * exponential service at rate mu, and the SLO "mean wait in queue <= W".
 * Erlang C gives the mean wait
 *
 *   Wq(lambda) = C(c, a) / (c mu - lambda),   a = lambda / mu < c,
 *   C(c, a)    = B / (1 - rho (1 - B)),  B = Erlang B by its recurrence,
 *
 * which grows with lambda from 0 to infinity as rho = a / c -> 1, so the
 * threshold L* (Wq(lambda0 L*) = W) is unique. The test finds L* with a
 * root finder of its own (GSL's Brent solver; for c = 1 also the closed
 * form lambda* = W mu^2 / (1 + W mu) of M/M/1's Wq = lambda / (mu (mu -
 * lambda))), never with the code under test, and then checks:
 *
 *   1. the search on the exact predicate "Wq(lambda0 L) <= W" brackets
 *      L*: lo <= L* < hi with hi - lo <= tol * lo (exact: the predicate is
 *      deterministic and monotone);
 *   2. the search on the simulated predicate "the mean over R replications
 *      of the simulated Wq at L <= W" (sim_station M/M/c, the same seed at
 *      every L: common random numbers) lands near L*. Tolerance: the
 *      estimate at L is Wq(L) + e with |e| <= 4 SE (SE the standard error of
 *      the replication mean measured at that L; P(|t_9| > 4) = 0.003), and
 *      near L* a wait error e moves the crossing by e / Wq'(L*) (Wq' from
 *      the formula, by a central difference). So lo <= L* + delta and
 *      hi >= L* - delta with delta = 4 SE / Wq'(L*);
 *   3. the same search driven by the erpsim world (mdl_world_run), on a
 *      scenario whose threshold is bounded by theory: one real-time flow of
 *      V = 10,000 records/day into a system with a rolling daily limit of
 *      Q = 30,000 calls (fast service, no timeouts: one call per record), the
 *      predicate "the quota refused no call in any of R = 4 replications".
 *      The count of a 24 h window is Poisson with mean V L. Below V L = Q -
 *      6 sqrt(Q) no replication reaches Q except with negligible
 *      probability (over a 1-day run the rolling window's peak is the
 *      day's count, and a Poisson count six standard deviations above its
 *      mean has probability about 1e-9);
 *      above V L = Q + 2 sqrt(Q) the first day alone exceeds Q with
 *      probability 0.977 per replication, so one of 4 does except with
 *      probability 0.023^4 = 3e-7. Hence hi >= (Q - 6 sqrt Q) / V and
 *      lo <= (Q + 2 sqrt Q) / V: 2.896 and 3.035.
 *
 * References: L. Kleinrock, "Queueing Systems", vol. 1 (1975), 3.5 (M/M/m);
 * D. Gross et al., "Fundamentals of Queueing Theory", 4th ed., 2.3.
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_world.h"
#include "plan_search.h"
#include "scn_load.h"
#include "sim_experiment.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_rng.h"
#include "sim_station.h"

/* AddressSanitizer (the CI's Debug sanitizer build, about 10 times slower)
 * halves the simulated M/M/c runs: see the test. */
#include "sanitized.h"

#define SEED 20240601u

/* ---- theory ------------------------------------------------------------ */

static double erlang_b(int c, double a)
{
    double b = 1.0;
    for (int k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return b;
}

/* Mean wait in queue of M/M/c; +inf when rho >= 1. */
static double mmc_wq(int c, double mu, double lambda)
{
    double a = lambda / mu, rho = a / c;
    if (rho >= 1.0)
        return INFINITY;
    double b = erlang_b(c, a);
    return b / (1.0 - rho * (1.0 - b)) / (c * mu - lambda);
}

typedef struct mmc_case {
    int c;
    double mu, lambda0, slo; /* lambda = lambda0 * load; SLO on the mean wait, s */
} mmc_case;

static double root_fn(double load, void *p)
{
    const mmc_case *m = p;
    return mmc_wq(m->c, m->mu, m->lambda0 * load) - m->slo;
}

/* L* by Brent's method on (0, c mu / lambda0), to 1e-12 relative. */
static double threshold(const mmc_case *m)
{
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    assert_non_null(s);
    double top = m->c * m->mu / m->lambda0 * (1.0 - 1e-12);
    gsl_function f = {.function = root_fn, .params = (void *)m};
    assert_int_equal(gsl_root_fsolver_set(s, &f, 1e-9, top), GSL_SUCCESS);
    double lo = 0, hi = 0;
    for (int i = 0; i < 200; i++) {
        gsl_root_fsolver_iterate(s);
        lo = gsl_root_fsolver_x_lower(s);
        hi = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(lo, hi, 0, 1e-12) == GSL_SUCCESS)
            break;
    }
    gsl_root_fsolver_free(s);
    return 0.5 * (lo + hi);
}

static int exact_holds(void *ctx, double load)
{
    const mmc_case *m = ctx;
    return mmc_wq(m->c, m->mu, m->lambda0 * load) <= m->slo;
}

static void brackets(const mmc_case *m, double tol)
{
    double want = threshold(m);
    plan_search_cfg cfg = {.start = 1, .min = 1.0 / 64, .max = 1024, .tol = tol};
    plan_search_result r;
    assert_int_equal(plan_search_load(&cfg, exact_holds, (void *)m, &r, NULL), SIM_OK);
    assert_int_equal(r.outcome, PLAN_SEARCH_FOUND);
    if (!(r.lo <= want && want < r.hi && r.hi - r.lo <= tol * r.lo))
        fail_msg("M/M/%d W=%g: L* = %.9g outside [%.9g, %.9g] (tol %g)", m->c, m->slo, want, r.lo,
                 r.hi, tol);
}

/* 1. The exact predicate. */
static void the_search_brackets_the_erlang_c_threshold(void **state)
{
    (void)state;
    /* M/M/1, mu = 10/s, lambda0 = 1/s, W = 0.2 s: closed form lambda* =
     * W mu^2 / (1 + W mu) = 20 / 3, so L* = 6.667 */
    mmc_case one = {.c = 1, .mu = 10, .lambda0 = 1, .slo = 0.2};
    double closed = one.slo * one.mu * one.mu / (1 + one.slo * one.mu) / one.lambda0;
    assert_true(fabs(threshold(&one) - closed) <= 1e-9 * closed); /* Brent agrees */
    brackets(&one, 0.05);
    brackets(&one, 1e-4);
    /* M/M/4 and M/M/16, mu = 1/s: thresholds above and below 1x */
    brackets(&(mmc_case){.c = 4, .mu = 1, .lambda0 = 1, .slo = 0.3}, 0.01);
    brackets(&(mmc_case){.c = 4, .mu = 1, .lambda0 = 5, .slo = 0.3}, 0.01);
    brackets(&(mmc_case){.c = 16, .mu = 1, .lambda0 = 0.5, .slo = 0.05}, 0.001);
}

/* ---- 2. the simulated M/M/c ------------------------------------------------ */

typedef struct sim_case {
    mmc_case m;
    double load;
    double warmup_s, run_s;
} sim_case;

typedef struct source {
    sim_queue *q;
    sim_station *st;
    gsl_rng *rng;
    sim_dist gap;
    uint64_t next;
    int status;
} source;

static void arrival(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    (void)now;
    source *s = ctx;
    int rc = sim_station_arrive(s->st, s->next++);
    if (rc != SIM_OK) {
        s->status = rc;
        sim_queue_stop(s->q);
        return;
    }
    sim_queue_after(s->q, sim_dist_sample_time(&s->gap, s->rng), arrival, s, 0);
}

/* One replication of M/M/c at the case's load: the mean wait after the
 * warm-up. Streams named per purpose, so every load sees the same uniforms:
 * the gaps scale as 1 / load (common random numbers). */
static int mmc_rep(const void *ctx, uint64_t seed, int rep, sim_result *out, sim_err *err)
{
    const sim_case *c = ctx;
    int rc = SIM_ENOMEM;
    source src = {0};
    sim_station *st = NULL;
    sim_queue *q = sim_queue_create(256, err);
    gsl_rng *ra = sim_rng_create(seed, (uint64_t)rep, "arrivals", err);
    gsl_rng *rs = sim_rng_create(seed, (uint64_t)rep, "service", err);
    if (!q || !ra || !rs)
        goto done;
    sim_station_cfg cfg = {.servers = c->m.c, .rng = rs};
    if ((rc = sim_dist_exponential(1.0 / c->m.mu, &cfg.service, err)) != SIM_OK)
        goto done;
    if (!(st = sim_station_create(q, &cfg, err))) {
        rc = SIM_ENOMEM;
        goto done;
    }
    src = (source){.q = q, .st = st, .rng = ra};
    if ((rc = sim_dist_exponential(1.0 / (c->m.lambda0 * c->load), &src.gap, err)) != SIM_OK)
        goto done;
    sim_queue_after(q, sim_dist_sample_time(&src.gap, ra), arrival, &src, 0);
    sim_time warm = (sim_time)llround(c->warmup_s * 1e6);
    if ((rc = sim_queue_run(q, warm)) == SIM_OK && (rc = src.status) == SIM_OK) {
        sim_station_reset_stats(st);
        if ((rc = sim_queue_run(q, warm + (sim_time)llround(c->run_s * 1e6))) == SIM_OK)
            rc = src.status;
    }
    if (rc == SIM_OK) {
        sim_station_stats s;
        sim_station_stats_get(st, &s);
        rc = sim_result_scalar(out, "wq", "s", s.wait.mean);
    }
done:
    sim_station_destroy(st);
    sim_rng_destroy(rs);
    sim_rng_destroy(ra);
    sim_queue_destroy(q);
    return rc;
}

#define SIM_REPS 10

typedef struct sim_pred {
    sim_case c;
    int evaluations;
    double se_at[64], load_at[64]; /* standard error of the mean wait at each load */
} sim_pred;

static int simulated_holds(void *ctx, double load)
{
    sim_pred *p = ctx;
    p->c.load = load;
    sim_experiment_cfg cfg = {.replications = SIM_REPS, .seed = SEED, .confidence = 0.95};
    sim_summary *sum = NULL;
    sim_err err;
    int rc = sim_experiment_run(&cfg, mmc_rep, &p->c, &sum, &err);
    if (rc != SIM_OK)
        return rc;
    const sim_metric *m = sim_summary_find(sum, "wq");
    double mean = m->mean, se = sim_tally_sd(&m->tally) / sqrt((double)m->n);
    if (p->evaluations < 64) {
        p->se_at[p->evaluations] = se;
        p->load_at[p->evaluations] = load;
    }
    p->evaluations++;
    sim_summary_destroy(sum);
    return mean <= p->c.m.slo;
}

static double se_at(const sim_pred *p, double load)
{
    for (int i = 0; i < p->evaluations && i < 64; i++)
        if (p->load_at[i] == load)
            return p->se_at[i];
    fail_msg("load %g was not evaluated", load);
    return NAN;
}

/*
 * M/M/4, mu = 1/s, lambda0 = 1/s (so L is lambda), W = 0.3 s: L* = 2.70,
 * rho* = 0.67. Relaxation ~ 1 / (sqrt(c mu) - sqrt(lambda))^2 = 9 s: a
 * 500 s warm-up; 10,000 s runs (27,000 customers) give a relative SE of
 * the mean wait of about 2% from 10 replications, which Wq' (0.52 s per
 * 1x) turns into delta of about 2% of L*. Under AddressSanitizer the runs
 * are halved: delta grows by sqrt(2), still inside the 5% the test asks.
 */
static void the_search_on_a_simulated_mmc_finds_the_erlang_c_threshold(void **state)
{
    (void)state;
    sim_pred p = {.c = {.m = {.c = 4, .mu = 1, .lambda0 = 1, .slo = 0.3},
                        .warmup_s = 500,
                        .run_s = SANITIZED ? 5000 : 10000}};
    double want = threshold(&p.c.m);
    double h = 1e-4 * want; /* Wq' by a central difference */
    double slope =
        (mmc_wq(4, 1, p.c.m.lambda0 * (want + h)) - mmc_wq(4, 1, p.c.m.lambda0 * (want - h))) /
        (2 * h);
    double tol = 0.01;
    plan_search_cfg cfg = {.start = 1, .min = 1.0 / 64, .max = 64, .tol = tol};
    plan_search_result r;
    assert_int_equal(plan_search_load(&cfg, simulated_holds, &p, &r, NULL), SIM_OK);
    assert_int_equal(r.outcome, PLAN_SEARCH_FOUND);
    double se = fmax(se_at(&p, r.lo), se_at(&p, r.hi));
    double delta = 4 * se / slope;
    print_message("M/M/4 W=0.3 s: L* = %.4f (Erlang C), search [%.4f, %.4f] in %d runs of %d "
                  "replications; SE of Wq %.4f s, Wq' = %.3f s per 1x, delta = %.4f\n",
                  want, r.lo, r.hi, r.evaluations, SIM_REPS, se, slope, delta);
    /* the tolerance must be tight enough to mean something */
    assert_true(delta < 0.05 * want);
    if (!(r.lo <= want + delta && r.hi >= want - delta && r.hi - r.lo <= tol * r.lo))
        fail_msg("L* = %.4f, bracket [%.4f, %.4f], delta %.4f", want, r.lo, r.hi, delta);
}

/* ---- 3. the erpsim world ---------------------------------------------------- */

static const char quota_yaml[] = "name: plan-quota\n"
                                 "horizon: 1d\n"
                                 "replications: 4\n"
                                 "seed: 7\n"
                                 "systems:\n"
                                 "  - id: erp\n"
                                 "    kind: generic\n"
                                 "    api:\n"
                                 "      daily_limit: 30k\n"
                                 "      workers: 64\n"
                                 "      latency_p50: 20ms\n"
                                 "      latency_p95: 50ms\n"
                                 "  - id: shop\n"
                                 "    kind: generic\n"
                                 "callers:\n"
                                 "  - id: shop-backend\n"
                                 "    pool_size: 1000\n"
                                 "flows:\n"
                                 "  - id: F-1\n"
                                 "    source: shop\n"
                                 "    target: erp\n"
                                 "    volume: 10k/day\n"
                                 "    pattern: realtime\n"
                                 "    caller: shop-backend\n";

typedef struct world_pred {
    mdl_scenario sc;
    int evaluations;
} world_pred;

static int quota_holds(void *ctx, double load)
{
    world_pred *p = ctx;
    p->sc.load = load; /* what --set load=Lx does after validation */
    p->evaluations++;
    sim_experiment_cfg cfg = {.replications = p->sc.replications, .seed = p->sc.seed};
    sim_summary *sum = NULL;
    sim_err err;
    int rc = sim_experiment_run(&cfg, mdl_world_run, &p->sc, &sum, &err);
    if (rc != SIM_OK) {
        print_error("load %g: %s\n", load, err.msg);
        return rc;
    }
    const sim_metric *m = sim_summary_find(sum, "system.erp.quota_refused");
    assert_non_null(m);
    int holds = m->tally.max == 0;
    sim_summary_destroy(sum);
    return holds;
}

static void the_search_on_the_world_finds_the_quota_threshold(void **state)
{
    (void)state;
    world_pred p;
    scn_diag diag;
    scn_diag_init(&diag);
    int rc =
        scn_load_string("plan-quota.yaml", quota_yaml, sizeof quota_yaml - 1, NULL, &p.sc, &diag);
    if (rc != SIM_OK)
        fail_msg("%s", diag.count ? diag.items[0].msg : "load failed");
    scn_diag_fini(&diag);
    p.evaluations = 0;
    double q = 30000, v = 10000, tol = 0.01;
    plan_search_cfg cfg = {.start = 1, .min = 0.25, .max = 64, .tol = tol};
    plan_search_result r;
    assert_int_equal(plan_search_load(&cfg, quota_holds, &p, &r, NULL), SIM_OK);
    double low = (q - 6 * sqrt(q)) / v, high = (q + 2 * sqrt(q)) / v;
    print_message("quota 30k/day, 10k records/day: search [%.4f, %.4f] in %d runs; theory "
                  "bounds [%.4f, %.4f]\n",
                  r.lo, r.hi, r.evaluations, low, high);
    assert_int_equal(r.outcome, PLAN_SEARCH_FOUND);
    assert_true(r.hi - r.lo <= tol * r.lo);
    assert_true(r.hi >= low);
    assert_true(r.lo <= high);
    mdl_scenario_fini(&p.sc);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_search_brackets_the_erlang_c_threshold),
        cmocka_unit_test(the_search_on_a_simulated_mmc_finds_the_erlang_c_threshold),
        cmocka_unit_test(the_search_on_the_world_finds_the_quota_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
