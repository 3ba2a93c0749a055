/*
 * sim_experiment.c - replications on a pool of POSIX threads, merged in
 * replication order.
 *
 * Scheme. The calling thread starts min(threads, R) workers. A worker takes
 * the next replication index from a counter under the mutex, runs it without
 * the lock into a sim_result of its own, then, under the lock again, files
 * the outcome by index (results[rep]) and wakes the calling thread. The
 * calling thread only waits, reports progress and, once every worker has
 * left, merges results[0..k-1] in index order with sim_summary_merge. So the
 * progress callback always runs on the caller's thread, never under the lock
 * and never concurrently with itself, and the summary is the same whatever
 * order the threads finished in. With one thread (or if no thread can be
 * started) the calling thread runs the replications itself, in order.
 *
 * Outcome, defined on replication indices only (so it cannot depend on the
 * thread count):
 *   - prefix = the longest run 0..p-1 of finished, successful replications.
 *     With a precision target, each time the prefix grows by one the
 *     precision metric's value is added to a tally; the first p >=
 *     min_replications with half_width <= precision_rel * |mean| is the
 *     stopping point k. Nothing at or beyond k is handed out after that, and
 *     results at or beyond k that were already running are discarded, errors
 *     included.
 *   - Without a stopping point, the lowest-numbered failing replication's
 *     error is returned. Once replication j fails nothing beyond j is handed
 *     out (all of 0..j-1 have already been handed out, as indices go out in
 *     order, and they still run: one of them may fail too and then wins).
 * A single thread runs 0, 1, 2, ... and stops at exactly the same k or the
 * same failure, which is why threads only change the wall-clock time.
 *
 * Invariants (under the mutex):
 *   1. next <= limit <= R, and every index < next has been handed out.
 *   2. state[i] != PENDING exactly for the replications that finished;
 *      results[i] is non-NULL only if state[i] == OK.
 *   3. prefix <= the number of finished replications; the tally holds the
 *      precision values of 0..prefix-1.
 *   4. err_rep is the lowest failing index seen so far, or R.
 */
#include "sim_experiment.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>

#include "sim_alloc.h"

enum { PENDING = 0, DONE_OK, DONE_FAILED };

typedef struct experiment {
    /* read-only while workers run */
    const sim_experiment_cfg *cfg;
    sim_rep_fn *fn;
    const void *ctx;
    int reps;
    double confidence;
    int min_reps;

    pthread_mutex_t mu;
    pthread_cond_t changed; /* a replication finished or a worker left */
    int next, limit;        /* hand out indices next..limit-1 */
    int done;               /* finished replications, kept or not */
    int running;            /* workers that have not left yet */
    sim_result **results;
    double *pvals; /* precision metric per replication, or NULL */
    unsigned char *state;
    int prefix;
    sim_tally ptally;
    int stop_k; /* 0: no stopping point yet */
    int err_rep;
    sim_err err;
} experiment;

/* Moves the prefix forward over replications that finished successfully and
 * checks the stopping rule at each step. Under the mutex. */
static void advance_prefix(experiment *ex)
{
    const sim_experiment_cfg *cfg = ex->cfg;
    while (ex->stop_k == 0 && ex->prefix < ex->reps && ex->state[ex->prefix] == DONE_OK) {
        sim_tally_add(&ex->ptally, ex->pvals[ex->prefix]);
        ex->prefix++;
        if (ex->prefix < ex->min_reps)
            continue;
        double hw = sim_ci_half_width(&ex->ptally, ex->confidence);
        if (hw <= cfg->precision_rel * fabs(ex->ptally.mean)) { /* false for NaN */
            ex->stop_k = ex->prefix;
            if (ex->limit > ex->stop_k)
                ex->limit = ex->stop_k;
        }
    }
}

/* Files the outcome of replication rep. Under the mutex. */
static void file_outcome(experiment *ex, int rep, int rc, sim_result *r, double pval,
                         const sim_err *e)
{
    if (rc != SIM_OK) {
        ex->state[rep] = DONE_FAILED;
        if (rep < ex->err_rep) {
            ex->err_rep = rep;
            ex->err = *e;
        }
        if (ex->limit > rep + 1)
            ex->limit = rep + 1;
    } else {
        ex->state[rep] = DONE_OK;
        ex->results[rep] = r;
        if (ex->pvals) {
            ex->pvals[rep] = pval;
            advance_prefix(ex);
        }
    }
    ex->done++;
}

/* Runs one replication outside the lock. On failure *out is NULL and e holds
 * the error with e->code == the returned status. */
static int run_one(experiment *ex, int rep, sim_result **out, double *pval, sim_err *e)
{
    const sim_experiment_cfg *cfg = ex->cfg;
    sim_err_clear(e);
    *out = NULL;
    sim_result *r = sim_result_create(e);
    int rc = r ? ex->fn(ex->ctx, cfg->seed, rep, r, e) : SIM_ENOMEM;
    if (rc == SIM_OK && cfg->precision_metric) {
        long i = sim_result_find(r, cfg->precision_metric);
        if (i < 0 || sim_result_kind(r, (size_t)i) != SIM_METRIC_SCALAR)
            rc = sim_err_set(e, SIM_EINVAL, NULL, 0, 0,
                             "precision metric '%s' is not a scalar metric of replication %d",
                             cfg->precision_metric, rep);
        else
            *pval = sim_result_value(r, (size_t)i);
    }
    if (rc != SIM_OK) {
        if (e->code == SIM_OK) /* the model returned a status but said nothing */
            sim_err_set(e, rc, NULL, 0, 0, "replication %d failed: %s", rep, sim_status_str(rc));
        e->code = rc;
        sim_result_destroy(r);
        return rc;
    }
    *out = r;
    return SIM_OK;
}

/* The worker loop. Inline (on the caller's thread) it also reports progress
 * itself; in a pool thread it wakes the caller instead. */
static void work(experiment *ex, int is_inline)
{
    pthread_mutex_lock(&ex->mu);
    while (ex->next < ex->limit) {
        int rep = ex->next++;
        pthread_mutex_unlock(&ex->mu);

        sim_result *r;
        double pval = NAN;
        sim_err e;
        int rc = run_one(ex, rep, &r, &pval, &e);

        pthread_mutex_lock(&ex->mu);
        file_outcome(ex, rep, rc, r, pval, &e);
        if (is_inline) {
            int done = ex->done;
            pthread_mutex_unlock(&ex->mu);
            if (ex->cfg->progress)
                ex->cfg->progress(ex->cfg->progress_ctx, done, ex->reps);
            pthread_mutex_lock(&ex->mu);
        } else {
            pthread_cond_signal(&ex->changed);
        }
    }
    pthread_mutex_unlock(&ex->mu);
}

static void *worker_main(void *arg)
{
    experiment *ex = arg;
    work(ex, 0);
    pthread_mutex_lock(&ex->mu);
    ex->running--;
    pthread_cond_signal(&ex->changed);
    pthread_mutex_unlock(&ex->mu);
    return NULL;
}

/* The caller's side while the pool runs: one progress call per finished
 * replication, in order 1, 2, ..., from this thread, outside the lock. */
static void watch(experiment *ex)
{
    const sim_experiment_cfg *cfg = ex->cfg;
    int reported = 0;
    pthread_mutex_lock(&ex->mu);
    for (;;) {
        while (ex->done == reported && ex->running > 0)
            pthread_cond_wait(&ex->changed, &ex->mu);
        int done = ex->done, finished = ex->running == 0;
        pthread_mutex_unlock(&ex->mu);
        while (reported < done) {
            reported++;
            if (cfg->progress)
                cfg->progress(cfg->progress_ctx, reported, ex->reps);
        }
        if (finished)
            return;
        pthread_mutex_lock(&ex->mu);
    }
}

/* Starts up to n workers and waits for them; runs inline if none starts. */
static void run_pool(experiment *ex, int n)
{
    pthread_t *tids = n > 1 ? sim_calloc((size_t)n, sizeof *tids) : NULL;
    int started = 0;
    for (int i = 0; tids && i < n; i++) {
        pthread_mutex_lock(&ex->mu);
        ex->running++;
        pthread_mutex_unlock(&ex->mu);
        if (pthread_create(&tids[i], NULL, worker_main, ex) != 0) {
            pthread_mutex_lock(&ex->mu);
            ex->running--;
            pthread_mutex_unlock(&ex->mu);
            break;
        }
        started++;
    }
    if (started == 0) {
        work(ex, 1);
    } else {
        watch(ex);
        for (int i = 0; i < started; i++)
            pthread_join(tids[i], NULL);
    }
    sim_free(tids);
}

static int check_cfg(const sim_experiment_cfg *cfg, sim_rep_fn *fn, sim_summary **out, sim_err *err)
{
    if (!cfg || !fn || !out)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "experiment needs a configuration, a model function and an output");
    if (cfg->replications < 1)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "replications must be >= 1, got %d",
                           cfg->replications);
    if (cfg->threads < 0)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "threads must be >= 0, got %d",
                           cfg->threads);
    if (cfg->confidence != 0.0 && !(cfg->confidence > 0.0 && cfg->confidence < 1.0))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "confidence must be in (0, 1), got %g",
                           cfg->confidence);
    if (cfg->precision_metric) {
        if (!(cfg->precision_rel > 0.0 && isfinite(cfg->precision_rel)))
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "precision_rel must be a positive number, got %g",
                               cfg->precision_rel);
        if (cfg->min_replications < 0)
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "min_replications must be >= 0, got %d",
                               cfg->min_replications);
    }
    return SIM_OK;
}

int sim_experiment_run(const sim_experiment_cfg *cfg, sim_rep_fn *fn, const void *ctx,
                       sim_summary **out, sim_err *err)
{
    if (out)
        *out = NULL;
    int rc = check_cfg(cfg, fn, out, err);
    if (rc != SIM_OK)
        return rc;

    experiment ex = {.cfg = cfg, .fn = fn, .ctx = ctx, .reps = cfg->replications};
    ex.confidence = cfg->confidence != 0.0 ? cfg->confidence : 0.95;
    ex.min_reps = cfg->min_replications ? cfg->min_replications : 3;
    ex.limit = ex.reps;
    ex.err_rep = ex.reps;
    sim_tally_init(&ex.ptally);
    int threads = cfg->threads ? cfg->threads : sim_experiment_cores();
    if (threads > ex.reps)
        threads = ex.reps;

    rc = SIM_ENOMEM;
    ex.results = sim_calloc((size_t)ex.reps, sizeof *ex.results);
    ex.state = sim_calloc((size_t)ex.reps, sizeof *ex.state);
    if (cfg->precision_metric)
        ex.pvals = sim_calloc((size_t)ex.reps, sizeof *ex.pvals);
    if (!ex.results || !ex.state || (cfg->precision_metric && !ex.pvals)) {
        sim_err_set(err, rc, NULL, 0, 0, "out of memory preparing %d replications", ex.reps);
        goto fail_arrays;
    }
    if (pthread_mutex_init(&ex.mu, NULL) != 0) {
        sim_err_set(err, rc, NULL, 0, 0, "cannot create the experiment's mutex");
        goto fail_arrays;
    }
    if (pthread_cond_init(&ex.changed, NULL) != 0) {
        sim_err_set(err, rc, NULL, 0, 0, "cannot create the experiment's condition variable");
        goto fail_mutex;
    }

    run_pool(&ex, threads);

    int used = ex.stop_k ? ex.stop_k : ex.reps;
    if (ex.stop_k == 0 && ex.err_rep < ex.reps) {
        rc = ex.err.code;
        if (err)
            *err = ex.err;
    } else {
        sim_err merr;
        sim_err_clear(&merr);
        *out = sim_summary_merge(ex.results, used, ex.confidence, &merr);
        rc = SIM_OK;
        if (!*out) {
            rc = merr.code != SIM_OK ? merr.code : SIM_ENOMEM;
            if (err)
                *err = merr;
        }
    }

    pthread_cond_destroy(&ex.changed);
fail_mutex:
    pthread_mutex_destroy(&ex.mu);
fail_arrays:
    if (ex.results)
        for (int i = 0; i < ex.reps; i++)
            sim_result_destroy(ex.results[i]);
    sim_free(ex.results);
    sim_free(ex.state);
    sim_free(ex.pvals);
    return rc;
}

int sim_experiment_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > INT_MAX ? INT_MAX : (int)n;
}
