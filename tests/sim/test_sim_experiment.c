/*
 * test_sim_experiment.c - replications on a thread pool: the summary does not
 * depend on the thread count, the lowest failing replication's error wins,
 * sequential stopping stops where hand calculation says, progress is reported.
 */
#include <math.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h> /* mallinfo2: the heap bytes in use, an independent count */
#endif
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sim_alloc.h"
#include "sim_experiment.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_rng.h"
#include "sim_stats.h"

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

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* ---- a toy model -------------------------------------------------------- */

/* Draws from stream (seed, rep, "x") a rep-dependent number of exponential
 * service times, sleeps a rep-dependent few hundred microseconds so that
 * threads finish out of order, and records scalars, a hist and two series. */
static int toy_draws(int rep)
{
    return 200 + (rep * 37) % 150;
}

static int toy_rep(const void *ctx, uint64_t seed, int rep, sim_result *out, sim_err *err)
{
    (void)ctx;
    int rc = SIM_ENOMEM;
    gsl_rng *g = sim_rng_create(seed, (uint64_t)rep, "x", err);
    sim_hist *h = sim_hist_create(err);
    sim_series *level = sim_series_create(SIM_SERIES_LEVEL, 50000, 20, err);
    sim_series *count = sim_series_create(SIM_SERIES_SUM, 50000, 20, err);
    if (!g || !h || !level || !count)
        goto done;

    sim_tally t;
    sim_tally_init(&t);
    sim_time now = 0;
    int n = toy_draws(rep);
    for (int i = 0; i < n; i++) {
        double x = gsl_ran_exponential(g, 0.002); /* seconds */
        sim_tally_add(&t, x);
        sim_hist_add(h, x);
        now += (sim_time)(x * 1e6) + 1;
        sim_series_set(level, now, x);
        sim_series_add(count, now, 1.0);
    }
    sim_series_finish(level, 20 * 50000);
    sleep_us(100 + ((rep * 3) % 5) * 100); /* rep 0 300 us, rep 1 100 us, ... */

    rc = sim_result_scalar(out, "x.count", "1", n);
    if (rc == SIM_OK)
        rc = sim_result_scalar(out, "x.mean", "s", t.mean);
    if (rc == SIM_OK)
        rc = sim_result_scalar(out, "x.max", "s", t.max);
    if (rc == SIM_OK)
        rc = sim_result_scalar(out, "x.end", "us", (double)now);
    /* The result takes over h, level and count whatever happens. */
    if (rc == SIM_OK)
        rc = sim_result_hist(out, "x.hist", "s", h);
    else
        sim_hist_destroy(h);
    h = NULL;
    if (rc == SIM_OK)
        rc = sim_result_series(out, "x.level", "s", level);
    else
        sim_series_destroy(level);
    level = NULL;
    if (rc == SIM_OK)
        rc = sim_result_series(out, "x.arrivals", "1", count);
    else
        sim_series_destroy(count);
    count = NULL;
done:
    sim_hist_destroy(h);
    sim_series_destroy(level);
    sim_series_destroy(count);
    sim_rng_destroy(g);
    return rc;
}

/* ---- serialising a summary ---------------------------------------------- */

typedef struct text {
    char buf[1 << 17];
    size_t len;
} text;

static void put(text *t, const char *fmt, ...) SIM_PRINTF(2, 3);
static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < sizeof t->buf - t->len);
    t->len += (size_t)k;
}

/* Every number of the summary, printed so that any difference in any bit
 * shows: scalars with %.17g, hist quantiles, every series bucket. */
static void serialise(const sim_summary *s, text *t)
{
    t->len = 0;
    t->buf[0] = '\0';
    put(t, "reps %d conf %.17g\n", sim_summary_replications(s), sim_summary_confidence(s));
    for (size_t i = 0; i < sim_summary_count(s); i++) {
        const sim_metric *m = sim_summary_at(s, i);
        put(t, "%s [%s] kind %d\n", m->name, m->unit, (int)m->kind);
        switch (m->kind) {
        case SIM_METRIC_SCALAR:
            for (int r = 0; r < m->n; r++)
                put(t, " %.17g", m->values[r]);
            put(t, "\n mean %.17g hw %.17g n %lld m2 %.17g min %.17g max %.17g\n", m->mean,
                m->half_width, (long long)m->tally.n, m->tally.m2, m->tally.min, m->tally.max);
            break;
        case SIM_METRIC_HIST: {
            static const double qs[] = {0.01, 0.5, 0.9, 0.95, 0.99, 1.0};
            put(t, " count %llu min %.17g max %.17g mean %.17g\n",
                (unsigned long long)sim_hist_count(m->hist), sim_hist_min(m->hist),
                sim_hist_max(m->hist), sim_hist_mean(m->hist));
            for (size_t q = 0; q < sizeof qs / sizeof qs[0]; q++)
                put(t, " q%g %.17g", qs[q], sim_hist_quantile(m->hist, qs[q]));
            put(t, "\n");
            break;
        }
        case SIM_METRIC_SERIES:
            for (size_t b = 0; b < sim_series_nbins(m->series); b++)
                put(t, " %.17g/%.17g", sim_series_value(m->series, b),
                    sim_series_max(m->series, b));
            put(t, "\n");
            break;
        }
    }
}

static sim_summary *run_toy(int reps, int threads, uint64_t seed)
{
    sim_experiment_cfg cfg = {.replications = reps, .threads = threads, .seed = seed};
    sim_summary *s = NULL;
    sim_err err;
    sim_err_clear(&err);
    int rc = sim_experiment_run(&cfg, toy_rep, NULL, &s, &err);
    if (rc != SIM_OK)
        fail_msg("experiment failed: %s", err.msg);
    assert_non_null(s);
    return s;
}

static text text_a, text_b; /* large: kept off the stack */

static void output_is_identical_with_1_2_3_and_8_threads(void **state)
{
    (void)state;
    enum { R = 40 }; /* more than the window of 2 and 3 threads: slots are reused */
    sim_summary *one = run_toy(R, 1, 20240611);
    serialise(one, &text_a);

    /* Sanity: the values really are in replication order (each
     * replication's draw count is known), and the toy did produce data. */
    const sim_metric *c = sim_summary_find(one, "x.count");
    assert_non_null(c);
    assert_int_equal(c->n, R);
    uint64_t total = 0;
    for (int r = 0; r < R; r++) {
        assert_close(c->values[r], toy_draws(r), 0.0);
        total += (uint64_t)toy_draws(r);
    }
    assert_int_equal(sim_hist_count(sim_summary_find(one, "x.hist")->hist), total);
    assert_true(text_a.len > 1000);

    int threads[] = {2, 3, 8, 0};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        sim_summary *many = run_toy(R, threads[i], 20240611);
        serialise(many, &text_b);
        if (text_a.len != text_b.len || memcmp(text_a.buf, text_b.buf, text_a.len) != 0)
            fail_msg("summary with %d threads differs from 1 thread:\n%s\n---\n%s", threads[i],
                     text_a.buf, text_b.buf);
        sim_summary_destroy(many);
    }

    /* A different seed gives different numbers (the comparison is not
     * vacuous). */
    sim_summary *other = run_toy(R, 2, 7);
    serialise(other, &text_b);
    assert_true(text_a.len != text_b.len || memcmp(text_a.buf, text_b.buf, text_a.len) != 0);
    sim_summary_destroy(other);
    sim_summary_destroy(one);
}

/* ---- failing replications ----------------------------------------------- */

/* ---- the merged hook (what cli's MPI ranks pass on) ---------------------------- */

typedef struct merged_log {
    int next;      /* the replication expected next */
    int wrong;     /* calls out of order or without a result */
    int refuse_at; /* the hook fails this replication; -1: none */
} merged_log;

static int note_merged(void *ctx, int rep, const sim_result *r, sim_err *err)
{
    merged_log *s = ctx;
    if (rep != s->next || !r || sim_result_find(r, "x.count") < 0)
        s->wrong++;
    s->next++;
    if (rep == s->refuse_at)
        return sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot pass replication %d on", rep);
    return SIM_OK;
}

/* Toy replications finish out of order on several threads (their sleeps
 * differ); the hook must still see 0, 1, ..., R-1, once each. */
static void the_merged_hook_sees_every_replication_once_in_order(void **state)
{
    (void)state;
    int threads[] = {1, 2, 3, 8};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        merged_log s = {.refuse_at = -1};
        sim_experiment_cfg cfg = {.replications = 25,
                                  .threads = threads[i],
                                  .seed = 7,
                                  .merged = note_merged,
                                  .merged_ctx = &s};
        sim_summary *sum = NULL;
        sim_err err;
        sim_err_clear(&err);
        assert_int_equal(sim_experiment_run(&cfg, toy_rep, NULL, &sum, &err), SIM_OK);
        assert_int_equal(s.next, 25);
        assert_int_equal(s.wrong, 0);
        sim_summary_destroy(sum);
    }
}

static void a_failing_merged_hook_fails_the_experiment_with_its_error(void **state)
{
    (void)state;
    merged_log s = {.refuse_at = 4};
    sim_experiment_cfg cfg = {
        .replications = 10, .threads = 3, .seed = 7, .merged = note_merged, .merged_ctx = &s};
    sim_summary *sum = NULL;
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(sim_experiment_run(&cfg, toy_rep, NULL, &sum, &err), SIM_EIO);
    assert_null(sum);
    assert_string_equal(err.msg, "cannot pass replication 4 on");
    assert_int_equal(s.next, 5); /* nothing merged past the failure */
}

typedef struct failing {
    int slow_fail;   /* fails late with SIM_ERANGE */
    int quick_fail;  /* fails at once with SIM_EIO */
    int silent_fail; /* returns SIM_EINTERNAL without filling err; -1: none */
} failing;

static int failing_rep(const void *ctx, uint64_t seed, int rep, sim_result *out, sim_err *err)
{
    (void)seed;
    const failing *f = ctx;
    if (rep == f->slow_fail) {
        sleep_us(3000); /* so that a higher failing replication finishes first */
        return sim_err_set(err, SIM_ERANGE, NULL, 0, 0, "replication %d: slow failure", rep);
    }
    if (rep == f->quick_fail)
        return sim_err_set(err, SIM_EIO, NULL, 0, 0, "replication %d: quick failure", rep);
    if (rep == f->silent_fail)
        return SIM_EINTERNAL;
    sleep_us(200);
    return sim_result_scalar(out, "v", "1", rep);
}

static void the_lowest_failing_replication_error_is_returned(void **state)
{
    (void)state;
    failing f = {.slow_fail = 3, .quick_fail = 5, .silent_fail = -1};
    int threads[] = {1, 2, 4};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        sim_experiment_cfg cfg = {.replications = 10, .threads = threads[i], .seed = 1};
        sim_summary *s = NULL;
        sim_err err;
        sim_err_clear(&err);
        assert_int_equal(sim_experiment_run(&cfg, failing_rep, &f, &s, &err), SIM_ERANGE);
        assert_null(s);
        assert_int_equal(err.code, SIM_ERANGE);
        assert_string_equal(err.msg, "replication 3: slow failure");
    }
}

static void a_failure_without_a_message_gets_one(void **state)
{
    (void)state;
    failing f = {.slow_fail = -1, .quick_fail = -1, .silent_fail = 2};
    sim_experiment_cfg cfg = {.replications = 4, .threads = 2, .seed = 1};
    sim_summary *s = NULL;
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(sim_experiment_run(&cfg, failing_rep, &f, &s, &err), SIM_EINTERNAL);
    assert_null(s);
    assert_int_equal(err.code, SIM_EINTERNAL);
    assert_non_null(strstr(err.msg, "replication 2"));
}

/* ---- sequential stopping ------------------------------------------------ */

/* t_{0.975, df} for df = 1..15 from a standard table (Law, "Simulation
 * Modeling and Analysis", Table T.1), 6 decimals. */
static const double t_0975[16] = {NAN,      12.706205, 4.302653, 3.182446, 2.776445, 2.570582,
                                  2.446912, 2.364624,  2.306004, 2.262157, 2.228139, 2.200985,
                                  2.178813, 2.160369,  2.144787, 2.131450};

/* The stopping model: metric "v" is 1 in replication 0, 3 in replication 1
 * and 2 in every later one. After k >= 2 replications the mean is exactly 2,
 * the squared deviations sum to 1 + 1 = 2, so s = sqrt(2 / (k - 1)) and the
 * 95% half-width is t_{0.975, k-1} * sqrt(2 / (k - 1)) / sqrt(k). */
static double stopping_half_width(int k)
{
    return t_0975[k - 1] * sqrt(2.0 / (k - 1)) / sqrt((double)k);
}

typedef struct stopping {
    int fail_rep; /* a replication that fails; -1: none */
} stopping;

static int stopping_rep(const void *ctx, uint64_t seed, int rep, sim_result *out, sim_err *err)
{
    (void)seed;
    const stopping *st = ctx;
    /* Replication 8 is slow, so with several threads replications 9, 10, ...
     * finish before the stopping point (9) is known and must be discarded. */
    sleep_us(rep == 8 ? 3000 : 100);
    if (rep == st->fail_rep)
        return sim_err_set(err, SIM_EIO, NULL, 0, 0, "replication %d past the stop", rep);
    double v = rep == 0 ? 1.0 : rep == 1 ? 3.0 : 2.0;
    int rc = sim_result_scalar(out, "v", "1", v);
    if (rc == SIM_OK)
        rc = sim_result_scalar(out, "rep", "1", rep);
    return rc;
}

/* The first k >= min_reps with half-width <= rel * 2, by the table. */
static int expected_stop(int min_reps, double rel, int max_reps)
{
    for (int k = min_reps; k <= max_reps; k++)
        if (stopping_half_width(k) <= rel * 2.0)
            return k;
    return max_reps;
}

static int run_stopping(int threads, int min_reps, double rel, int max_reps, int fail_rep)
{
    stopping st = {.fail_rep = fail_rep};
    sim_experiment_cfg cfg = {.replications = max_reps,
                              .threads = threads,
                              .seed = 3,
                              .precision_metric = "v",
                              .precision_rel = rel,
                              .min_replications = min_reps};
    sim_summary *s = NULL;
    sim_err err;
    sim_err_clear(&err);
    int rc = sim_experiment_run(&cfg, stopping_rep, &st, &s, &err);
    if (rc != SIM_OK)
        fail_msg("experiment failed: %s", err.msg);
    int k = sim_summary_replications(s);
    const sim_metric *rep = sim_summary_find(s, "rep");
    assert_int_equal(rep->n, k);
    for (int r = 0; r < k; r++) /* the first k replications, in order */
        assert_close(rep->values[r], r, 0.0);
    const sim_metric *v = sim_summary_find(s, "v");
    /* The mean is 2 exactly in real arithmetic; 1e-12 allows rounding. The
     * half-width must match the table within 1e-5 (6-decimal t values). */
    assert_close(v->mean, 2.0, 1e-12);
    assert_close(v->half_width, stopping_half_width(k), 1e-5);
    sim_summary_destroy(s);
    return k;
}

static void sequential_stopping_stops_at_the_first_precise_enough_replication(void **state)
{
    (void)state;
    /* Target +-20% of the mean 2, i.e. half-width <= 0.4. By the table:
     * k = 8: 2.364624 * sqrt(2/7) / sqrt(8) = 0.4469 > 0.4,
     * k = 9: 2.306004 * sqrt(2/8) / sqrt(9) = 0.3843 <= 0.4, so k = 9. Both
     * are more than 0.01 from 0.4, far beyond the table's rounding, so the
     * program's exact t quantile must agree on k. */
    int k = expected_stop(3, 0.2, 15);
    assert_int_equal(k, 9);
    assert_true(fabs(stopping_half_width(k) - 0.4) > 0.01);
    assert_true(fabs(stopping_half_width(k - 1) - 0.4) > 0.01);
    assert_int_equal(run_stopping(1, 0, 0.2, 15, -1), k); /* min_replications 0 means 3 */
    assert_int_equal(run_stopping(2, 3, 0.2, 15, -1), k);
    assert_int_equal(run_stopping(3, 3, 0.2, 15, -1), k);
    assert_int_equal(run_stopping(8, 3, 0.2, 15, -1), k);
}

static void sequential_stopping_discards_replications_past_the_stop_even_failed_ones(void **state)
{
    (void)state;
    /* Replication 9 fails; with 2 threads it runs (and fails) while the slow
     * replication 8 is still going, before the stop at 9 is known. Its error
     * must be discarded as a single thread never runs it. */
    assert_int_equal(run_stopping(1, 3, 0.2, 15, 9), 9);
    assert_int_equal(run_stopping(2, 3, 0.2, 15, 9), 9);
    assert_int_equal(run_stopping(3, 3, 0.2, 15, 9), 9);
    assert_int_equal(run_stopping(8, 3, 0.2, 15, 9), 9);
}

static void sequential_stopping_waits_for_min_replications(void **state)
{
    (void)state;
    /* k = 12: 2.200985 * sqrt(2/11) / sqrt(12) = 0.2709 <= 0.4 already. */
    assert_int_equal(expected_stop(12, 0.2, 15), 12);
    assert_int_equal(run_stopping(1, 12, 0.2, 15, -1), 12);
    assert_int_equal(run_stopping(2, 12, 0.2, 15, -1), 12);
}

static void sequential_stopping_runs_every_replication_if_never_precise(void **state)
{
    (void)state;
    /* Target 0.02: the smallest half-width within 15 replications is
     * 2.144787 * sqrt(2/14) / sqrt(15) = 0.2093 > 0.02. */
    for (int k = 3; k <= 15; k++)
        assert_true(stopping_half_width(k) > 0.02);
    assert_int_equal(run_stopping(1, 3, 0.01, 15, -1), 15);
    assert_int_equal(run_stopping(2, 3, 0.01, 15, -1), 15);
}

static void a_precision_target_gives_the_same_bytes_with_1_2_3_and_8_threads(void **state)
{
    (void)state;
    /* x.mean varies by about 6% between replications (250 exponential
     * draws), so +-2% needs some tens of replications: the stop falls past
     * the window of 2 and 3 threads, with slots reused and replications
     * beyond it discarded. */
    int threads[] = {1, 2, 3, 8};
    int k = 0;
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        sim_experiment_cfg cfg = {.replications = 100,
                                  .threads = threads[i],
                                  .seed = 99,
                                  .precision_metric = "x.mean",
                                  .precision_rel = 0.02};
        sim_summary *s = NULL;
        sim_err err;
        sim_err_clear(&err);
        if (sim_experiment_run(&cfg, toy_rep, NULL, &s, &err) != SIM_OK)
            fail_msg("experiment failed: %s", err.msg);
        serialise(s, i == 0 ? &text_a : &text_b);
        if (i == 0) {
            k = sim_summary_replications(s);
            assert_true(k > 12 && k < 100);
        } else if (text_a.len != text_b.len || memcmp(text_a.buf, text_b.buf, text_a.len) != 0) {
            fail_msg("precision run with %d threads differs from 1 thread", threads[i]);
        }
        sim_summary_destroy(s);
    }
}

static void an_unknown_precision_metric_is_an_error_naming_it(void **state)
{
    (void)state;
    stopping st = {.fail_rep = -1};
    sim_experiment_cfg cfg = {.replications = 5,
                              .threads = 2,
                              .precision_metric = "no.such.metric",
                              .precision_rel = 0.1};
    sim_summary *s = NULL;
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(sim_experiment_run(&cfg, stopping_rep, &st, &s, &err), SIM_EINVAL);
    assert_null(s);
    assert_non_null(strstr(err.msg, "no.such.metric"));
    assert_non_null(strstr(err.msg, "replication 0")); /* the lowest replication */
}

/* ---- progress ----------------------------------------------------------- */

typedef struct progress_log {
    pthread_t caller;
    int calls, finished, last_done, last_total, out_of_order, wrong_thread;
    int ticks_with_time; /* calls showing a replication part-way */
    sim_time max_running_time;
} progress_log;

static void log_progress(void *ctx, const sim_progress *pr)
{
    progress_log *p = ctx;
    p->calls++;
    if (pr->done == p->last_done + 1)
        p->finished++;
    else if (pr->done != p->last_done)
        p->out_of_order++;
    if (!pthread_equal(pthread_self(), p->caller))
        p->wrong_thread++;
    if (pr->running > 0 && pr->running_time > 0)
        p->ticks_with_time++;
    if (pr->running_time > p->max_running_time)
        p->max_running_time = pr->running_time;
    p->last_done = pr->done;
    p->last_total = pr->total;
}

static void progress_reaches_r_of_r(void **state)
{
    (void)state;
    int threads[] = {1, 2, 4};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        enum { R = 9 };
        progress_log p = {.caller = pthread_self()};
        sim_experiment_cfg cfg = {.replications = R,
                                  .threads = threads[i],
                                  .seed = 5,
                                  .progress = log_progress,
                                  .progress_ctx = &p};
        sim_summary *s = NULL;
        assert_int_equal(sim_experiment_run(&cfg, toy_rep, NULL, &s, NULL), SIM_OK);
        assert_int_equal(p.finished, R); /* done went 1, 2, ..., R */
        assert_int_equal(p.last_done, R);
        assert_int_equal(p.last_total, R);
        assert_int_equal(p.out_of_order, 0);
        assert_int_equal(p.wrong_thread, 0); /* always on the caller's thread */
        sim_summary_destroy(s);
    }
}

/* ---- watched replications: simulated time and cancelling ---------------- */

/* A watched toy: a calendar with one event per time unit up to `horizon`,
 * run through the watch. Each event may sleep (to make a replication last
 * several progress ticks) and may raise the cancel flag once simulated
 * time reaches cancel_at in replication cancel_rep. The replication
 * records where its run loop stopped. */
typedef struct ticker {
    sim_time horizon;
    long sleep_us;
    int cancel_rep;
    sim_time cancel_at;
    atomic_int cancel;
    atomic_int started;
    _Atomic sim_time stopped_at;
} ticker;

typedef struct tick_run {
    sim_queue *q;
    ticker *t;
    int rep;
} tick_run;

static void tick(void *ctx, uint64_t arg, sim_time now)
{
    tick_run *r = ctx;
    if (r->t->sleep_us)
        sleep_us(r->t->sleep_us);
    if (r->rep == r->t->cancel_rep && now >= r->t->cancel_at)
        atomic_store(&r->t->cancel, 1);
    sim_queue_push(r->q, now + 1, tick, r, arg + 1);
}

static int ticker_rep(const void *ctx, uint64_t seed, int rep, const sim_watch *watch,
                      sim_result *out, sim_err *err)
{
    (void)seed;
    ticker *t = (ticker *)ctx; /* the test's own counters; the model reads nothing else */
    atomic_fetch_add(&t->started, 1);
    tick_run r = {sim_queue_create(0, err), t, rep};
    if (!r.q)
        return SIM_ENOMEM;
    sim_queue_push(r.q, 0, tick, &r, 0);
    int rc = sim_queue_run_watched(r.q, t->horizon, watch);
    if (rc == SIM_ECANCELED && rep == t->cancel_rep)
        atomic_store(&t->stopped_at, sim_queue_now(r.q));
    if (rc == SIM_OK)
        rc = sim_result_scalar(out, "events", "1", (double)sim_queue_fired(r.q));
    sim_queue_destroy(r.q);
    return rc;
}

static int ticker_cancelled(void *ctx)
{
    ticker *t = ctx;
    return atomic_load(&t->cancel);
}

static void a_cancelled_replication_stops_at_its_next_watch_step(void **state)
{
    (void)state;
    int threads[] = {1, 2, 3};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        enum { R = 50 };
        /* Replication 4 raises the flag at simulated time 1234; with a watch
         * every 100 its run loop must stop at 1300, the next step, far from
         * its horizon, and the experiment must hand out nothing more. */
        ticker t = {.horizon = 100000, .cancel_rep = 4, .cancel_at = 1234};
        atomic_init(&t.cancel, 0);
        atomic_init(&t.started, 0);
        atomic_init(&t.stopped_at, -1);
        sim_experiment_cfg cfg = {.replications = R,
                                  .threads = threads[i],
                                  .watch_every = 100,
                                  .cancelled = ticker_cancelled,
                                  .cancel_ctx = &t};
        sim_summary *s = NULL;
        sim_err err;
        sim_err_clear(&err);
        long live = sim_result_live();
        assert_int_equal(sim_experiment_run_watched(&cfg, ticker_rep, &t, &s, &err), SIM_ECANCELED);
        assert_null(s);
        assert_int_equal(err.code, SIM_ECANCELED);
        assert_int_equal(atomic_load(&t.stopped_at), 1300);
        /* Nothing is handed out after the cancel: replication 4 is never
         * merged, so at most 4 + W replications ever started, fewer than R. */
        assert_true(atomic_load(&t.started) <= 4 + sim_experiment_window(threads[i]));
        assert_int_equal(sim_result_live(), live); /* everything freed */
    }
}

static void progress_shows_the_simulated_time_of_running_replications(void **state)
{
    (void)state;
    /* One replication of 300 events, each sleeping 1 ms: at least 300 ms,
     * three progress ticks of 100 ms; inline, the watch reports them. Its
     * simulated time never exceeds the horizon. */
    ticker t = {.horizon = 300, .sleep_us = 1000, .cancel_rep = -1};
    progress_log p = {.caller = pthread_self()};
    sim_experiment_cfg cfg = {.replications = 1,
                              .threads = 1,
                              .watch_every = 10,
                              .progress = log_progress,
                              .progress_ctx = &p};
    sim_summary *s = NULL;
    assert_int_equal(sim_experiment_run_watched(&cfg, ticker_rep, &t, &s, NULL), SIM_OK);
    assert_true(p.ticks_with_time >= 1);
    assert_true(p.max_running_time > 0 && p.max_running_time < 300);
    assert_int_equal(p.finished, 1);
    assert_int_equal(p.wrong_thread, 0);
    sim_summary_destroy(s);
}

/* ---- bounded memory ------------------------------------------------------ */

/* Every replication notes the most results alive it saw. Replication 0
 * waits until the others have filled the window, then lingers so that an
 * experiment without a window would run well past it. */
typedef struct crowd {
    int window;
    atomic_long max_live;
    atomic_int filled;
} crowd;

static void note_live(crowd *c)
{
    long live = sim_result_live(), seen = atomic_load(&c->max_live);
    while (live > seen && !atomic_compare_exchange_weak(&c->max_live, &seen, live))
        ;
}

static int crowd_rep(const void *ctx, uint64_t seed, int rep, sim_result *out, sim_err *err)
{
    (void)seed;
    (void)err;
    crowd *c = (crowd *)ctx; /* the test's own counters */
    note_live(c);
    if (rep == 0) {
        for (int i = 0; i < 5000 && sim_result_live() < c->window; i++)
            sleep_us(1000);
        if (sim_result_live() >= c->window)
            atomic_store(&c->filled, 1);
        sleep_us(20000);
        note_live(c);
    }
    return sim_result_scalar(out, "rep", "1", rep);
}

static void at_most_a_window_of_results_is_alive_at_once(void **state)
{
    (void)state;
    int threads[] = {2, 4};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        enum { R = 300 };
        crowd c = {.window = sim_experiment_window(threads[i])};
        atomic_init(&c.max_live, 0);
        atomic_init(&c.filled, 0);
        long before = sim_result_live();
        assert_int_equal(before, 0); /* this test creates the only results */
        sim_experiment_cfg cfg = {.replications = R, .threads = threads[i]};
        sim_summary *s = NULL;
        assert_int_equal(sim_experiment_run(&cfg, crowd_rep, &c, &s, NULL), SIM_OK);
        /* The window filled up (so the bound was tested) and was never
         * exceeded while replication 0 held everything back. */
        assert_true(atomic_load(&c.filled));
        assert_int_equal(atomic_load(&c.max_live), c.window);
        const sim_metric *m = sim_summary_find(s, "rep");
        for (int r = 0; r < R; r++)
            assert_close(m->values[r], r, 0.0);
        sim_summary_destroy(s);
        assert_int_equal(sim_result_live(), 0);
    }
}

/* Whether the allocator can be asked what it holds: glibc's mallinfo2,
 * which a sanitizer's allocator does not fill. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED_MALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED_MALLOC 1
#endif
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33) && !defined(SANITIZED_MALLOC)
static double heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd; /* small blocks + mmapped ones */
}
#else
static double heap_in_use(void)
{
    return NAN;
}
#endif

/* A replication of SCALARS scalar metrics; the last one notes the heap in
 * use when it starts, when every earlier one is merged (one thread merges
 * each replication right after it). */
enum { SCALARS = 200 };

typedef struct heap_probe {
    int last;
    double during;
} heap_probe;

static int scalars_rep(const void *ctx, uint64_t seed, int rep, sim_result *out, sim_err *err)
{
    (void)seed;
    (void)err;
    heap_probe *p = (heap_probe *)ctx; /* the test's own record */
    if (rep == p->last)
        p->during = heap_in_use();
    char name[32];
    for (int i = 0; i < SCALARS; i++) {
        snprintf(name, sizeof name, "m%03d", i);
        int rc = sim_result_scalar(out, name, "1", rep + i);
        if (rc != SIM_OK)
            return rc;
    }
    return SIM_OK;
}

/* While it runs and once it is done, an experiment of R replications holds
 * R values per scalar metric, 8 bytes each, as the memory estimate says
 * (sim_experiment_bytes: per_rep x R), and not up to twice that: R = 4100
 * is just past a power of two, where values arrays grown by doubling hold
 * 8192. Counted by the allocator (mallinfo2), not by the summary. */
static void an_experiment_of_r_replications_holds_r_values_per_scalar(void **state)
{
    (void)state;
    enum { R = 4100 };
    double before = heap_in_use();
    if (isnan(before))
        skip(); /* no allocator count (a sanitizer, or not glibc) */
    heap_probe p = {.last = R - 1, .during = NAN};
    sim_experiment_cfg cfg = {.replications = R, .threads = 1};
    sim_summary *s = NULL;
    assert_int_equal(sim_experiment_run(&cfg, scalars_rep, &p, &s, NULL), SIM_OK);
    double after = heap_in_use() - before, during = p.during - before;
    double values = 8.0 * SCALARS * R; /* 6.6 MB */
    /* Tolerance: besides the values the merge holds 200 names, metric
     * views and a name index, one result being built (about 50 KB each)
     * and malloc's headers (16 bytes per block); 10% of the values (650
     * KB) covers that with room, while doubling holds 100% more. At least
     * the values once done: they are all there. */
    assert_true(after >= values);
    if (during > 1.10 * values || after > 1.10 * values)
        fail_msg("%.0f bytes held while merging and %.0f once done for %.0f bytes of values",
                 during, after, values);
    const sim_metric *m = sim_summary_find(s, "m199");
    assert_close(m->values[R - 1], R - 1 + 199, 0.0);
    sim_summary_destroy(s);
}

/* ---- configuration and resources ---------------------------------------- */

static void bad_configurations_are_rejected(void **state)
{
    (void)state;
    sim_summary *s = NULL;
    sim_err err;
    sim_experiment_cfg ok = {.replications = 2, .threads = 1};
    sim_experiment_cfg cfg;

    cfg = ok;
    cfg.replications = 0;
    assert_int_equal(sim_experiment_run(&cfg, toy_rep, NULL, &s, &err), SIM_EINVAL);
    assert_null(s);
    cfg = ok;
    cfg.threads = -1;
    assert_int_equal(sim_experiment_run(&cfg, toy_rep, NULL, &s, &err), SIM_EINVAL);
    cfg = ok;
    cfg.confidence = 1.0;
    assert_int_equal(sim_experiment_run(&cfg, toy_rep, NULL, &s, &err), SIM_EINVAL);
    cfg = ok;
    cfg.precision_metric = "x.mean";
    cfg.precision_rel = 0.0;
    assert_int_equal(sim_experiment_run(&cfg, toy_rep, NULL, &s, &err), SIM_EINVAL);
    cfg.precision_rel = 0.1;
    cfg.min_replications = -2;
    assert_int_equal(sim_experiment_run(&cfg, toy_rep, NULL, &s, &err), SIM_EINVAL);
    assert_int_equal(sim_experiment_run(&ok, NULL, NULL, &s, &err), SIM_EINVAL);
    assert_int_equal(sim_experiment_run(NULL, toy_rep, NULL, &s, &err), SIM_EINVAL);
    assert_int_equal(sim_experiment_run(&ok, toy_rep, NULL, NULL, &err), SIM_EINVAL);
    assert_null(s);
}

/* The cores are the processors online, counted here from the kernel's own
 * list (/sys/devices/system/cpu/online, ranges such as "0-3,6"), not
 * through sysconf as sim_experiment_cores does. Skipped where that file
 * does not exist (not Linux). */
static void cores_are_the_processors_online(void **state)
{
    (void)state;
    FILE *fp = fopen("/sys/devices/system/cpu/online", "r");
    if (!fp)
        skip();
    char line[4096];
    char *got = fgets(line, sizeof line, fp);
    fclose(fp);
    assert_non_null(got);
    int online = 0;
    for (char *p = line; *p && *p != '\n';) {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        assert_true(end > p);
        if (*end == '-')
            hi = strtol(end + 1, &end, 10);
        online += (int)(hi - lo + 1);
        p = *end == ',' ? end + 1 : end;
    }
    assert_int_equal(sim_experiment_cores(), online);
}

static void allocation_failures_leak_nothing(void **state)
{
    (void)state;
    /* One thread: the replications run on this thread, so the process-wide
     * failure countdown of sim_alloc is not shared with other threads. */
    sim_experiment_cfg cfg = {.replications = 3, .threads = 1, .seed = 11};
    int failures = 0;
    for (long k = 1; k < 10000; k++) {
        sim_summary *s = NULL;
        sim_err err;
        sim_err_clear(&err);
        sim_alloc_fail_after(k);
        int rc = sim_experiment_run(&cfg, toy_rep, NULL, &s, &err);
        sim_alloc_fail_reset();
        if (rc == SIM_OK) {
            assert_non_null(s);
            assert_int_equal(sim_summary_replications(s), 3);
            sim_summary_destroy(s);
            break;
        }
        assert_int_equal(rc, SIM_ENOMEM);
        assert_int_equal(err.code, SIM_ENOMEM);
        assert_null(s);
        failures++;
    }
    assert_true(failures >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(output_is_identical_with_1_2_3_and_8_threads),
        cmocka_unit_test(the_merged_hook_sees_every_replication_once_in_order),
        cmocka_unit_test(a_failing_merged_hook_fails_the_experiment_with_its_error),
        cmocka_unit_test(the_lowest_failing_replication_error_is_returned),
        cmocka_unit_test(a_failure_without_a_message_gets_one),
        cmocka_unit_test(sequential_stopping_stops_at_the_first_precise_enough_replication),
        cmocka_unit_test(sequential_stopping_discards_replications_past_the_stop_even_failed_ones),
        cmocka_unit_test(sequential_stopping_waits_for_min_replications),
        cmocka_unit_test(sequential_stopping_runs_every_replication_if_never_precise),
        cmocka_unit_test(a_precision_target_gives_the_same_bytes_with_1_2_3_and_8_threads),
        cmocka_unit_test(an_unknown_precision_metric_is_an_error_naming_it),
        cmocka_unit_test(progress_reaches_r_of_r),
        cmocka_unit_test(a_cancelled_replication_stops_at_its_next_watch_step),
        cmocka_unit_test(progress_shows_the_simulated_time_of_running_replications),
        cmocka_unit_test(at_most_a_window_of_results_is_alive_at_once),
        cmocka_unit_test(an_experiment_of_r_replications_holds_r_values_per_scalar),
        cmocka_unit_test(bad_configurations_are_rejected),
        cmocka_unit_test(cores_are_the_processors_online),
        cmocka_unit_test(allocation_failures_leak_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
