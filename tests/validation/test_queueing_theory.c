/*
 * Validation of the kernel against queueing theory: sim_station driven by a
 * Poisson arrival process, run as R independent replications through
 * sim_experiment_run, compared with closed-form results that this file
 * computes from the formulas (never copied from a simulation):
 *
 *   M/M/1      Wq = rho / (mu - lambda),  L = rho / (1 - rho),  P(wait) = rho
 *   M/M/c      Erlang C: P(wait) = C(c, a), Wq = C / (c mu - lambda),
 *              L = lambda Wq + a  (a = lambda / mu, rho = a / c)
 *   M/M/c/K    p_n from the birth-death balance equations; blocking P_K,
 *              throughput lambda (1 - P_K), L = sum n p_n
 *   M/D/1      Pollaczek-Khinchine with constant service:
 *              Wq = rho / (2 mu (1 - rho)),  L = rho + lambda Wq
 *
 * References: L. Kleinrock, "Queueing Systems", vol. 1 (1975), ch. 3
 * (birth-death queues) and ch. 5 (M/G/1); D. Gross, J. F. Shortle, J. M.
 * Thompson, C. M. Harris, "Fundamentals of Queueing Theory", 4th ed. (2008),
 * 2.2 (M/M/1), 2.3 (M/M/c), 2.5 (M/M/c/K), 2.6 (Erlang B), 5.1 (M/G/1);
 * W. Whitt, "Planning queueing simulations", Management Science 35(11),
 * 1989 (run lengths).
 *
 * Method. Each replication has its own streams, sim_rng_create(seed, rep,
 * "arrivals") and (seed, rep, "service"); it starts empty, runs a warm-up of
 * several relaxation times (see each case), discards the statistics
 * (sim_station_reset_stats), then runs `run_s` simulated seconds and reports
 * one estimate per metric. The R estimates are independent and, being
 * averages over long runs, close to normal, so their mean has a standard
 * error SE = s / sqrt(R) and a Student-t 95% confidence interval.
 *
 * Tolerance: the theory value must lie within mean +- max(4 SE, 0.1% of the
 * theory value). 4 SE: with R = 20 replications the statistic
 * (mean - theory) / SE follows Student's t with 19 degrees of freedom when
 * the simulator is right, and P(|t_19| > 4) = 0.0008, so the 23 checks of
 * this file fail by chance with probability under 2% for an arbitrary seed
 * (the seed is fixed, so a run is reproducible); a real error of a few
 * percent (a wrong service rate, a server left idle while jobs wait, a lost
 * job) moves the mean by far more than 4 SE at these sample sizes, whose
 * relative SEs are about 0.05-2%. (FIFO order itself does not change a mean
 * wait; tests/sim/test_sim_station.c checks it.) The 0.1% floor only
 * matters when SE is tiny (long runs with ERPSIM_VALIDATION_SCALE); it
 * covers the systematic effects the estimators have on top of noise: jobs
 * straddling the ends of the window (at most K = 9 jobs out of 64,000, i.e.
 * 0.014%), the rest of the initial transient after the warm-up (which decays
 * like exp(-warm-up / relaxation time), below 1e-4 here) and the rounding
 * of variates to the microsecond (5e-7 of a 1 s service).
 *
 * Run time. The sample sizes below simulate about 17 million customers in
 * all: about 1.4 s of CPU in Release. Under AddressSanitizer (detected at
 * compile time: __SANITIZE_ADDRESS__ on GCC, __has_feature on Clang), about
 * 7 times slower in the Debug sanitizer build, every run is cut to a
 * quarter, about 2.6 s of CPU (the CIs widen by a factor 2 and the 4 SE
 * test adapts by itself; the warm-ups are kept). The environment variable
 * ERPSIM_VALIDATION_SCALE (e.g. 4) multiplies every run length instead, for
 * tighter tables, and ERPSIM_VALIDATION_SEED replaces the base seed.
 *
 * The table of theory against simulation is printed to stdout at the end;
 * docs/kernel-validation.md reproduces it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sanitized.h"
#include "sim_err.h"
#include "sim_experiment.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_rng.h"
#include "sim_station.h"
#include "sim_stats.h"
#include "sim_time.h"

#define SEED       20240601u
#define REPS       20
#define K_SE       4.0   /* tolerance in standard errors (see above) */
#define REL_FLOOR  0.001 /* smallest tolerance, relative to the theory value */
#define CONFIDENCE 0.95  /* of the printed intervals */

/* ---- theory ------------------------------------------------------------ */

/* Erlang B (loss probability of M/M/c/c) by the stable recurrence
 * B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)): no factorials, no overflow. */
static double erlang_b(int c, double a)
{
    double b = 1.0;
    for (int k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return b;
}

/* Erlang C (probability that an arrival waits in M/M/c), from Erlang B:
 * C = B / (1 - rho (1 - B)), rho = a / c < 1. */
static double erlang_c(int c, double a)
{
    double b = erlang_b(c, a);
    double rho = a / c;
    return b / (1.0 - rho * (1.0 - b));
}

/* M/M/c/K: the stationary probabilities p[0..k] from the balance equations
 * p_n = p_{n-1} a / min(n, c), normalised. p must hold k + 1 values. */
static void mmck_probs(int c, int k, double a, double *p)
{
    double sum = 0.0;
    p[0] = 1.0;
    for (int n = 1; n <= k; n++)
        p[n] = p[n - 1] * a / (n < c ? n : c);
    for (int n = 0; n <= k; n++)
        sum += p[n];
    for (int n = 0; n <= k; n++)
        p[n] /= sum;
}

/* ---- one replication --------------------------------------------------- */

/* A case: c servers, capacity K (0 = none), Poisson arrivals at rate lambda,
 * service exponential or constant with mean 1 s (mu = 1 per second). */
struct qcase {
    const char *name;
    int servers, capacity;
    double lambda;
    int deterministic; /* 1: constant service (M/D/...), 0: exponential */
    double warmup_s, run_s;
};

/* The Poisson source of one replication. */
struct source {
    sim_queue *q;
    sim_station *st;
    gsl_rng *rng;
    sim_dist gap;
    int servers;
    uint64_t next_job;
    uint64_t seen, found_busy; /* arrivals, and those that found c busy */
    int status;
};

static void arrival(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    (void)now;
    struct source *s = ctx;
    s->seen++;
    if (sim_station_busy(s->st) == s->servers)
        s->found_busy++;
    int rc = sim_station_arrive(s->st, s->next_job++);
    if (rc != SIM_OK && rc != SIM_EFULL) {
        s->status = rc;
        sim_queue_stop(s->q);
        return;
    }
    sim_queue_after(s->q, sim_dist_sample_time(&s->gap, s->rng), arrival, s, 0);
}

static int run_rep(const void *ctx, uint64_t seed, int rep, sim_result *out, sim_err *err)
{
    const struct qcase *c = ctx;
    int rc = SIM_ENOMEM;
    struct source src = {0};
    sim_station *st = NULL;
    sim_queue *q = sim_queue_create(1024, err);
    gsl_rng *ra = sim_rng_create(seed, (uint64_t)rep, "arrivals", err);
    gsl_rng *rs = sim_rng_create(seed, (uint64_t)rep, "service", err);
    if (!q || !ra || !rs)
        goto done;

    sim_station_cfg cfg = {.servers = c->servers, .capacity = c->capacity, .rng = rs};
    rc = c->deterministic ? sim_dist_const(1.0, &cfg.service, err)
                          : sim_dist_exponential(1.0, &cfg.service, err);
    if (rc != SIM_OK)
        goto done;
    st = sim_station_create(q, &cfg, err);
    if (!st) {
        rc = err ? err->code : SIM_ENOMEM;
        goto done;
    }
    src = (struct source){.q = q, .st = st, .rng = ra, .servers = c->servers};
    rc = sim_dist_exponential(1.0 / c->lambda, &src.gap, err);
    if (rc != SIM_OK)
        goto done;
    sim_queue_after(q, sim_dist_sample_time(&src.gap, ra), arrival, &src, 0);

    sim_time warm = (sim_time)llround(c->warmup_s * 1e6);
    sim_time end = warm + (sim_time)llround(c->run_s * 1e6);
    rc = sim_queue_run(q, warm);
    if (rc == SIM_OK && src.status == SIM_OK) {
        sim_station_reset_stats(st);
        src.seen = src.found_busy = 0;
        rc = sim_queue_run(q, end);
    }
    if (rc == SIM_OK)
        rc = src.status;
    if (rc != SIM_OK) {
        sim_err_set(err, rc, NULL, 0, 0, "replication %d: %s", rep, sim_status_str(rc));
        goto done;
    }

    sim_station_stats s;
    sim_station_stats_get(st, &s);
    double p_block = s.arrivals ? (double)s.blocked / (double)s.arrivals : 0.0;
    double p_wait = src.seen ? (double)src.found_busy / (double)src.seen : 0.0;
    if ((rc = sim_result_scalar(out, "wq", "s", s.wait.mean)) != SIM_OK ||
        (rc = sim_result_scalar(out, "l", "jobs", s.mean_in_system)) != SIM_OK ||
        (rc = sim_result_scalar(out, "p_wait", "", p_wait)) != SIM_OK ||
        (rc = sim_result_scalar(out, "p_block", "", p_block)) != SIM_OK ||
        (rc = sim_result_scalar(out, "throughput", "1/s", (double)s.served / c->run_s)) != SIM_OK ||
        (rc = sim_result_scalar(out, "util", "", s.mean_busy / c->servers)) != SIM_OK)
        sim_err_set(err, rc, NULL, 0, 0, "replication %d: cannot store a metric", rep);

done:
    sim_station_destroy(st);
    sim_rng_destroy(rs);
    sim_rng_destroy(ra);
    sim_queue_destroy(q);
    return rc;
}

/* ---- running a case and comparing -------------------------------------- */

/* The base seed: SEED, or ERPSIM_VALIDATION_SEED when set (to rerun the
 * whole file on other streams). */
static uint64_t base_seed(void)
{
    const char *env = getenv("ERPSIM_VALIDATION_SEED");
    if (env && *env)
        return (uint64_t)strtoull(env, NULL, 10);
    return SEED;
}

/* Run lengths are multiplied by this (see the header comment). */
static double run_scale(void)
{
    const char *env = getenv("ERPSIM_VALIDATION_SCALE");
    if (env && *env) {
        double v = strtod(env, NULL);
        if (v > 0.0 && v < 1000.0)
            return v;
    }
    return SANITIZED ? 0.25 : 1.0;
}

/* One line of the table printed at the end. */
struct row {
    const char *cas, *metric;
    double theory, mean, half, se;
    int reps;
    double run_s, customers;
    int ok;
};
#define MAX_ROWS 32
static struct row rows[MAX_ROWS];
static int nrows;

/* Runs R replications of c; the caller destroys the summary. */
static sim_summary *run_case(struct qcase *c)
{
    c->run_s *= run_scale();
    sim_experiment_cfg cfg = {
        .replications = REPS, .threads = 0, .seed = base_seed(), .confidence = CONFIDENCE};
    sim_summary *sum = NULL;
    sim_err err;
    sim_err_clear(&err);
    int rc = sim_experiment_run(&cfg, run_rep, c, &sum, &err);
    if (rc != SIM_OK)
        print_error("%s: %s\n", c->name, err.msg);
    assert_int_equal(rc, SIM_OK);
    assert_non_null(sum);
    assert_int_equal(sim_summary_replications(sum), REPS);
    return sum;
}

/* Compares metric with theory; records a table row; returns 1 if within
 * max(K_SE standard errors, REL_FLOOR * theory). */
static int check(const sim_summary *sum, const struct qcase *c, const char *metric, double theory)
{
    const sim_metric *m = sim_summary_find(sum, metric);
    assert_non_null(m);
    assert_int_equal(m->n, REPS);
    double se = sim_tally_sd(&m->tally) / sqrt((double)m->n);
    double tol = fmax(K_SE * se, REL_FLOOR * fabs(theory));
    int ok = fabs(m->mean - theory) <= tol;
    if (!ok)
        print_error("%s %s: theory %.6g, simulation %.6g (SE %.3g): off by %.2f SE\n", c->name,
                    metric, theory, m->mean, se, fabs(m->mean - theory) / se);
    assert_true(nrows < MAX_ROWS);
    rows[nrows++] = (struct row){.cas = c->name,
                                 .metric = metric,
                                 .theory = theory,
                                 .mean = m->mean,
                                 .half = m->half_width,
                                 .se = se,
                                 .reps = m->n,
                                 .run_s = c->run_s,
                                 .customers = c->lambda * c->run_s,
                                 .ok = ok};
    return ok;
}

/* ---- the cases ---------------------------------------------------------- */

/* The formula functions reproduce known special cases (exact values):
 * Erlang B with one server is a / (1 + a); Erlang C with one server is rho;
 * M/M/1/K blocking is (1 - rho) rho^K / (1 - rho^(K+1)); and M/M/c/K with
 * a large K tends to M/M/c, whose P(n >= c) is Erlang C. */
static void theory_functions_reproduce_special_cases(void **state)
{
    (void)state;
    assert_float_equal(erlang_b(1, 0.7), 0.7 / 1.7, 1e-15);
    assert_float_equal(erlang_c(1, 0.8), 0.8, 1e-15);
    double p[201];
    mmck_probs(1, 5, 0.5, p);
    assert_float_equal(p[5], 0.5 * pow(0.5, 5) / (1.0 - pow(0.5, 6)), 1e-15);
    mmck_probs(4, 200, 3.2, p);
    double tail = 0.0;
    for (int n = 4; n <= 200; n++)
        tail += p[n];
    assert_float_equal(tail, erlang_c(4, 3.2), 1e-12);
    /* Erlang B by the recurrence against the direct sum for c = 4, a = 2:
     * (2^4/4!) / (1 + 2 + 2 + 4/3 + 2/3) = (2/3) / 7 = 2/21. */
    assert_float_equal(erlang_b(4, 2.0), 2.0 / 21.0, 1e-15);
}

/*
 * M/M/1 at rho = lambda / mu = 0.5, 0.8, 0.9 (mu = 1/s).
 * Relaxation time of M/M/1 ~ 1 / (mu (1 - sqrt(rho))^2): 12 s, 90 s, 380 s;
 * warm-ups of 1000, 2000 and 5000 s are more than 10 of them. The variance
 * of a time average of N(t) over T is about 2 rho (1 + rho) / (1 - rho)^4 / T
 * (Whitt, 1989), so the relative SE of L from R = 20 runs of T seconds is
 * 0.55% (rho 0.5, T = 40,000 s), 0.75% (0.8, 100,000 s) and 0.85% (0.9,
 * 300,000 s): 20,000, 80,000 and 270,000 customers per replication.
 */
static void mm1_check(double rho, double warm, double run, const char *name)
{
    struct qcase c = {.name = name, .servers = 1, .lambda = rho, .warmup_s = warm, .run_s = run};
    sim_summary *sum = run_case(&c);
    double mu = 1.0, lambda = rho * mu;
    int ok = check(sum, &c, "wq", rho / (mu - lambda));
    ok &= check(sum, &c, "l", rho / (1.0 - rho));
    ok &= check(sum, &c, "p_wait", rho);
    sim_summary_destroy(sum);
    assert_true(ok);
}

static void mm1_at_rho_0_5_matches_theory(void **state)
{
    (void)state;
    mm1_check(0.5, 1000.0, 40000.0, "M/M/1 rho=0.5");
}

static void mm1_at_rho_0_8_matches_theory(void **state)
{
    (void)state;
    mm1_check(0.8, 2000.0, 100000.0, "M/M/1 rho=0.8");
}

static void mm1_at_rho_0_9_matches_theory(void **state)
{
    (void)state;
    mm1_check(0.9, 5000.0, 300000.0, "M/M/1 rho=0.9");
}

/*
 * M/M/c at rho = 0.8 with c = 4 (lambda = 3.2/s) and c = 16 (12.8/s).
 * Relaxation ~ 1 / (sqrt(c mu) - sqrt(lambda))^2: 22 s and 6 s; warm-ups of
 * 1000 and 500 s. Runs of 40,000 s and 10,000 s (128,000 customers each)
 * per replication give relative SEs of Wq near 1-3% (the rarer waiting is,
 * the noisier its mean: P(wait) is 0.6 for c = 4 and 0.3 for c = 16).
 */
static void mmc_check(int servers, double warm, double run, const char *name)
{
    double rho = 0.8, mu = 1.0;
    double lambda = rho * servers * mu, a = lambda / mu;
    struct qcase c = {
        .name = name, .servers = servers, .lambda = lambda, .warmup_s = warm, .run_s = run};
    sim_summary *sum = run_case(&c);
    double pw = erlang_c(servers, a);
    double wq = pw / (servers * mu - lambda);
    int ok = check(sum, &c, "p_wait", pw);
    ok &= check(sum, &c, "wq", wq);
    ok &= check(sum, &c, "l", lambda * wq + a);
    sim_summary_destroy(sum);
    assert_true(ok);
}

static void mmc_with_4_servers_matches_erlang_c(void **state)
{
    (void)state;
    mmc_check(4, 1000.0, 40000.0, "M/M/4 rho=0.8");
}

static void mmc_with_16_servers_matches_erlang_c(void **state)
{
    (void)state;
    mmc_check(16, 500.0, 10000.0, "M/M/16 rho=0.8");
}

/*
 * M/M/4/9 at offered load a = 0.8 c = 3.2 and a = 3 c = 12. The capacity
 * bounds the state space (10 states), so the chain mixes in seconds;
 * warm-ups of 500 and 200 s. Runs of 20,000 s (64,000 arrivals) and 6,000 s
 * (72,000 arrivals) per replication.
 */
static void mmck_check(double a, double warm, double run, const char *name)
{
    enum { C = 4, K = 9 };
    double mu = 1.0, lambda = a * mu, p[K + 1];
    struct qcase c = {.name = name,
                      .servers = C,
                      .capacity = K,
                      .lambda = lambda,
                      .warmup_s = warm,
                      .run_s = run};
    sim_summary *sum = run_case(&c);
    mmck_probs(C, K, a, p);
    double l = 0.0;
    for (int n = 0; n <= K; n++)
        l += n * p[n];
    int ok = check(sum, &c, "p_block", p[K]);
    ok &= check(sum, &c, "throughput", lambda * (1.0 - p[K]));
    ok &= check(sum, &c, "l", l);
    sim_summary_destroy(sum);
    assert_true(ok);
}

static void mmck_at_load_0_8c_matches_birth_death_theory(void **state)
{
    (void)state;
    mmck_check(3.2, 500.0, 20000.0, "M/M/4/9 a=3.2");
}

static void mmck_at_load_3c_matches_birth_death_theory(void **state)
{
    (void)state;
    mmck_check(12.0, 200.0, 6000.0, "M/M/4/9 a=12");
}

/*
 * M/D/1 at rho = 0.8: service exactly 1 s. Pollaczek-Khinchine:
 * Wq = lambda E[S^2] / (2 (1 - rho)) = rho / (2 mu (1 - rho)) = 2 s, half
 * the M/M/1 value; L = rho + lambda Wq = 2.4. Deterministic service relaxes
 * faster than exponential; warm-up 2000 s, run 100,000 s (80,000 customers).
 */
static void md1_at_rho_0_8_matches_pollaczek_khinchine(void **state)
{
    (void)state;
    double rho = 0.8, mu = 1.0, lambda = rho * mu;
    struct qcase c = {.name = "M/D/1 rho=0.8",
                      .servers = 1,
                      .lambda = lambda,
                      .deterministic = 1,
                      .warmup_s = 2000.0,
                      .run_s = 100000.0};
    sim_summary *sum = run_case(&c);
    double wq = rho / (2.0 * mu * (1.0 - rho));
    int ok = check(sum, &c, "wq", wq);
    ok &= check(sum, &c, "l", rho + lambda * wq);
    sim_summary_destroy(sum);
    assert_true(ok);
}

/* Prints the table (Markdown) once every case has run. */
static int print_table(void **state)
{
    (void)state;
    printf("\nValidation against queueing theory: %d replications per case, seed %llu, "
           "run scale %g%s.\n",
           REPS, (unsigned long long)base_seed(), run_scale(),
           SANITIZED ? " (sanitizer build)" : "");
    printf("Pass: |mean - theory| <= max(%g SE, %g%% of theory).\n\n", K_SE, 100.0 * REL_FLOOR);
    printf("| case | metric | theory | simulation (mean +- 95%% CI) | dev/SE | customers/rep "
           "| result |\n");
    printf("|---|---|---:|---:|---:|---:|---|\n");
    for (int i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        double dev = r->se > 0.0 ? fabs(r->mean - r->theory) / r->se : 0.0;
        printf("| %s | %s | %.4f | %.4f +- %.4f | %.2f | %.0f | %s |\n", r->cas, r->metric,
               r->theory, r->mean, r->half, dev, r->customers, r->ok ? "ok" : "FAIL");
    }
    fflush(stdout);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(theory_functions_reproduce_special_cases),
        cmocka_unit_test(mm1_at_rho_0_5_matches_theory),
        cmocka_unit_test(mm1_at_rho_0_8_matches_theory),
        cmocka_unit_test(mm1_at_rho_0_9_matches_theory),
        cmocka_unit_test(mmc_with_4_servers_matches_erlang_c),
        cmocka_unit_test(mmc_with_16_servers_matches_erlang_c),
        cmocka_unit_test(mmck_at_load_0_8c_matches_birth_death_theory),
        cmocka_unit_test(mmck_at_load_3c_matches_birth_death_theory),
        cmocka_unit_test(md1_at_rho_0_8_matches_pollaczek_khinchine),
    };
    return cmocka_run_group_tests(tests, NULL, print_table);
}
