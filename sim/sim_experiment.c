/*
 * sim_experiment.c - replications on a pool of POSIX threads, merged in
 * replication order as they finish.
 *
 * Scheme. The calling thread starts min(threads, R) workers. A worker takes
 * the next replication index from a counter under the mutex (waiting while
 * that index is W or more past the lowest unmerged one), runs it without
 * the lock into a sim_result of its own, then, under the lock again, files
 * the outcome in slot rep % W and wakes the calling thread. The calling
 * thread merges: each time the next replication in order has finished, it
 * adds that result to the sim_merge (outside the lock), destroys it and
 * frees its slot, which lets the workers hand out one more. It also reports
 * progress, outside the lock and never concurrently with itself, and wakes
 * every SIM_EXPERIMENT_TICK_MS to report the simulated time of the running
 * replications. With one thread (or if no thread can be started) the
 * calling thread runs the replications itself, in order, merging each one
 * right after it.
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
 *     A result the merge refuses (different metrics) or cannot take (no
 *     memory) is a failure of its replication, which is below any stopping
 *     point as only the prefix is merged.
 *   - Cancelled (the cancel callback said so, or a replication returned
 *     SIM_ECANCELED): nothing more is handed out and SIM_ECANCELED is
 *     returned, whatever else happened.
 * A single thread runs 0, 1, 2, ... and stops at exactly the same k or the
 * same failure, which is why threads only change the wall-clock time.
 *
 * Invariants (under the mutex):
 *   1. merged <= prefix <= next <= merged + W, next <= limit <= R (until
 *      cancelled), and every index < next has been handed out.
 *   2. Replications merged..next-1 own slots (rep % W) of their own: a
 *      slot's state is PENDING while its replication runs; results[slot]
 *      is non-NULL only if state is DONE_OK. So at most W results are alive:
 *      those of merged..next-1.
 *   3. The tally holds the precision values of 0..prefix-1; the merge holds
 *      the results of 0..merged-1.
 *   4. err_rep is the lowest failing index seen so far, or R.
 *   5. Only one thread merges (the caller; or the single inline worker).
 */
#include "sim_experiment.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "sim_alloc.h"

enum { PENDING = 0, DONE_OK, DONE_FAILED, DISCARDED };

typedef struct experiment {
    /* read-only while workers run */
    const sim_experiment_cfg *cfg;
    sim_rep_fn *fn;
    sim_rep_watched_fn *wfn;
    const void *ctx;
    int reps;
    int window; /* W */
    double confidence;
    int min_reps;

    pthread_mutex_t mu;
    pthread_cond_t changed; /* a replication finished or a worker left */
    pthread_cond_t room;    /* a slot was freed, or nothing more will go out */
    int next, limit;        /* hand out indices next..limit-1 */
    int done;               /* finished replications, kept or not */
    int workers;            /* pool threads that have not left yet */
    /* slot rep % W of each replication in merged..next-1 (invariant 2) */
    sim_result **results;
    unsigned char *state;
    double *pvals;         /* precision metric, or NULL */
    _Atomic sim_time *pos; /* simulated time reached (the watch) */
    int prefix;
    sim_tally ptally;
    int stop_k; /* 0: no stopping point yet */
    int err_rep;
    sim_err err;
    sim_merge *merge;
    int merged;
    int merge_failed;
    atomic_int cancelled; /* read by the watches without the lock */
    double last_tick;     /* inline: when progress was last reported */
} experiment;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Whether to stop handing out and running: cancelled before, or the
 * caller's callback says so now (then it is remembered). Any thread. */
static int cancel_requested(experiment *ex)
{
    if (atomic_load_explicit(&ex->cancelled, memory_order_relaxed))
        return 1;
    if (ex->cfg->cancelled && ex->cfg->cancelled(ex->cfg->cancel_ctx)) {
        atomic_store(&ex->cancelled, 1);
        return 1;
    }
    return 0;
}

/* Moves the prefix forward over replications that finished successfully and
 * checks the stopping rule at each step. Under the mutex. */
static void advance_prefix(experiment *ex)
{
    const sim_experiment_cfg *cfg = ex->cfg;
    while (ex->stop_k == 0 && ex->prefix < ex->next &&
           ex->state[ex->prefix % ex->window] == DONE_OK) {
        int slot = ex->prefix % ex->window;
        ex->prefix++;
        if (!ex->pvals)
            continue;
        sim_tally_add(&ex->ptally, ex->pvals[slot]);
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

/* Records a failure of replication rep (under the mutex). */
static void fail_rep(experiment *ex, int rep, const sim_err *e)
{
    if (rep < ex->err_rep) {
        ex->err_rep = rep;
        ex->err = *e;
    }
    if (ex->limit > rep + 1)
        ex->limit = rep + 1;
}

/* Files the outcome of replication rep. Under the mutex. */
static void file_outcome(experiment *ex, int rep, int rc, sim_result *r, double pval,
                         const sim_err *e)
{
    int slot = rep % ex->window;
    ex->done++;
    if (rc == SIM_ECANCELED) {
        atomic_store(&ex->cancelled, 1);
        ex->state[slot] = DISCARDED;
    } else if (rep >= ex->limit) { /* past a stop or a failure: never used */
        sim_result_destroy(r);
        ex->state[slot] = DISCARDED;
    } else if (rc != SIM_OK) {
        ex->state[slot] = DONE_FAILED;
        fail_rep(ex, rep, e);
    } else {
        ex->state[slot] = DONE_OK;
        ex->results[slot] = r;
        if (ex->pvals)
            ex->pvals[slot] = pval;
        advance_prefix(ex);
    }
    pthread_cond_broadcast(&ex->room); /* the limit may have moved */
}

/* Gives the heap's free pages back to the system after a large
 * replication: after its world is torn down and after its result, merged,
 * is destroyed. glibc keeps what a thread frees in that thread's arena and
 * returns only the top of it, so a finished world (hundreds of MB at 1,000
 * flows) stayed resident, in pieces around the result it left, while the
 * next one was built: measured at 1,000 flows on two threads, 773 MB of
 * 1,042 MB resident was free heap at the peak (docs/kernel.md, "Landscapes
 * at scale"). A trim walks the arenas' free chunks: nothing next to a large
 * replication, but after each of 3,000 two-hour replications of the
 * default scenario it tripled the wall time (0.51 s to 1.60 s). So only a
 * result of GIVE_BACK_BYTES or more (a result is about a fifth of the world
 * that made it: 84 MB of 450 at 1,000 flows) trims. Elsewhere a no-op. */
#define GIVE_BACK_BYTES ((size_t)4 << 20)

static int worth_giving_back(const sim_result *r)
{
    return sim_result_bytes(r) >= GIVE_BACK_BYTES;
}

static void give_back(int worth)
{
#ifdef __GLIBC__
    if (worth)
        malloc_trim(0);
#else
    (void)worth;
#endif
}

/* Merges every finished replication of the prefix, in order. Called and
 * returns with the mutex held; merges outside it (invariant 5). */
static void merge_ready(experiment *ex)
{
    while (!ex->merge_failed && ex->merged < ex->prefix) {
        int slot = ex->merged % ex->window;
        sim_result *r = ex->results[slot];
        pthread_mutex_unlock(&ex->mu);
        sim_err e;
        sim_err_clear(&e);
        int rc = sim_merge_add(ex->merge, r, &e);
        if (rc == SIM_OK && ex->cfg->merged)
            rc = ex->cfg->merged(ex->cfg->merged_ctx, ex->merged, r, &e);
        int worth = worth_giving_back(r);
        sim_result_destroy(r);
        give_back(worth);
        pthread_mutex_lock(&ex->mu);
        ex->results[slot] = NULL;
        ex->state[slot] = PENDING;
        if (rc != SIM_OK) {
            ex->merge_failed = 1;
            fail_rep(ex, ex->merged, &e);
        } else {
            ex->merged++;
        }
        pthread_cond_broadcast(&ex->room);
    }
}

/* Under the mutex. */
static sim_progress snapshot(const experiment *ex, int done)
{
    sim_progress p = {.done = done, .total = ex->reps};
    for (int rep = ex->merged; rep < ex->next; rep++) {
        int slot = rep % ex->window;
        if (ex->state[slot] == PENDING) {
            p.running++;
            p.running_time += atomic_load_explicit(&ex->pos[slot], memory_order_relaxed);
        }
    }
    return p;
}

/* Calls the progress callback saying `done` replications finished, with
 * the mutex held on entry and exit but released during the call. */
static void report(experiment *ex, int done)
{
    if (!ex->cfg->progress)
        return;
    sim_progress p = snapshot(ex, done);
    pthread_mutex_unlock(&ex->mu);
    ex->cfg->progress(ex->cfg->progress_ctx, &p);
    pthread_mutex_lock(&ex->mu);
}

/* What a replication's watch points at. */
typedef struct rep_watch {
    experiment *ex;
    int slot;
    int is_inline;
} rep_watch;

/* sim_watch_fn: publishes the simulated time; stops when cancelled. Inline
 * (on the caller's thread) it also reports progress, at most once a tick. */
static int on_watch(void *ctx, sim_time now)
{
    rep_watch *w = ctx;
    experiment *ex = w->ex;
    atomic_store_explicit(&ex->pos[w->slot], now, memory_order_relaxed);
    if (cancel_requested(ex))
        return 1;
    if (w->is_inline && ex->cfg->progress) {
        double t = now_s();
        if (t - ex->last_tick >= SIM_EXPERIMENT_TICK_MS / 1000.0) {
            ex->last_tick = t;
            pthread_mutex_lock(&ex->mu);
            report(ex, ex->done);
            pthread_mutex_unlock(&ex->mu);
        }
    }
    return 0;
}

/* Runs one replication outside the lock. On failure *out is NULL and e holds
 * the error with e->code == the returned status. */
static int run_one(experiment *ex, int rep, int is_inline, sim_result **out, double *pval,
                   sim_err *e)
{
    const sim_experiment_cfg *cfg = ex->cfg;
    sim_err_clear(e);
    *out = NULL;
    rep_watch rw = {.ex = ex, .slot = rep % ex->window, .is_inline = is_inline};
    sim_watch watch = {.every = cfg->watch_every, .fn = on_watch, .ctx = &rw};
    sim_result *r = sim_result_create(e);
    int rc = SIM_ENOMEM;
    if (r && ex->wfn)
        rc = ex->wfn(ex->ctx, cfg->seed, rep, cfg->watch_every > 0 ? &watch : NULL, r, e);
    else if (r)
        rc = ex->fn(ex->ctx, cfg->seed, rep, r, e);
    give_back(worth_giving_back(r)); /* the world is gone */
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

/* The worker loop. Inline (on the caller's thread) it also merges and
 * reports progress itself; in a pool thread it wakes the caller instead. */
static void work(experiment *ex, int is_inline)
{
    pthread_mutex_lock(&ex->mu);
    for (;;) {
        while (!cancel_requested(ex) && ex->next < ex->limit &&
               ex->next >= ex->merged + ex->window && !ex->merge_failed)
            pthread_cond_wait(&ex->room, &ex->mu);
        if (cancel_requested(ex) || ex->next >= ex->limit || ex->merge_failed)
            break;
        int rep = ex->next++;
        atomic_store_explicit(&ex->pos[rep % ex->window], 0, memory_order_relaxed);
        pthread_mutex_unlock(&ex->mu);

        sim_result *r;
        double pval = NAN;
        sim_err e;
        int rc = run_one(ex, rep, is_inline, &r, &pval, &e);

        pthread_mutex_lock(&ex->mu);
        file_outcome(ex, rep, rc, r, pval, &e);
        if (is_inline) {
            merge_ready(ex);
            report(ex, ex->done);
        } else {
            pthread_cond_signal(&ex->changed);
        }
    }
    pthread_cond_broadcast(&ex->room); /* the others may be waiting for a slot */
    pthread_mutex_unlock(&ex->mu);
}

static void *worker_main(void *arg)
{
    experiment *ex = arg;
    work(ex, 0);
    pthread_mutex_lock(&ex->mu);
    ex->workers--;
    pthread_cond_signal(&ex->changed);
    pthread_mutex_unlock(&ex->mu);
    return NULL;
}

/* Waits on changed for at most one tick (CLOCK_REALTIME, the condition
 * variable's default clock). */
static void wait_tick(experiment *ex)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += SIM_EXPERIMENT_TICK_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    int rc = pthread_cond_timedwait(&ex->changed, &ex->mu, &ts);
    (void)rc; /* ETIMEDOUT is the tick */
}

/* The caller's side while the pool runs: merges in order, reports progress
 * once per finished replication and once a tick, notices a cancel even
 * when every worker waits for a slot. */
static void watch(experiment *ex)
{
    int reported = 0;
    pthread_mutex_lock(&ex->mu);
    for (;;) {
        merge_ready(ex);
        if (reported < ex->done) {
            report(ex, ++reported); /* one call per finished replication */
            continue;               /* more may have finished meanwhile */
        }
        if (ex->workers == 0)
            break;
        if (cancel_requested(ex))
            pthread_cond_broadcast(&ex->room);
        double before = now_s();
        wait_tick(ex);
        if (ex->done == reported && ex->merged >= ex->prefix &&
            now_s() - before >= SIM_EXPERIMENT_TICK_MS / 2000.0)
            report(ex, reported); /* a tick with nothing finished: time moved */
    }
    pthread_mutex_unlock(&ex->mu);
}

/* Starts up to n workers and waits for them; runs inline if none starts. */
static void run_pool(experiment *ex, int n)
{
    pthread_t *tids = n > 1 ? sim_calloc((size_t)n, sizeof *tids) : NULL;
    int started = 0;
    for (int i = 0; tids && i < n; i++) {
        pthread_mutex_lock(&ex->mu);
        ex->workers++;
        pthread_mutex_unlock(&ex->mu);
        if (pthread_create(&tids[i], NULL, worker_main, ex) != 0) {
            pthread_mutex_lock(&ex->mu);
            ex->workers--;
            pthread_mutex_unlock(&ex->mu);
            break;
        }
        started++;
    }
    if (started == 0) {
        ex->last_tick = now_s();
        work(ex, 1);
    } else {
        watch(ex);
        for (int i = 0; i < started; i++)
            pthread_join(tids[i], NULL);
    }
    sim_free(tids);
}

static int check_cfg(const sim_experiment_cfg *cfg, int has_fn, sim_summary **out, sim_err *err)
{
    if (!cfg || !has_fn || !out)
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
    if (cfg->watch_every < 0)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "watch_every must be >= 0");
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

/* The outcome once every worker has left (see the top of the file). */
static int conclude(experiment *ex, sim_summary **out, sim_err *err)
{
    if (atomic_load(&ex->cancelled))
        return sim_err_set(err, SIM_ECANCELED, NULL, 0, 0, "cancelled after %d of %d replications",
                           ex->merged, ex->reps);
    if (ex->merge_failed || (ex->stop_k == 0 && ex->err_rep < ex->reps)) {
        if (err)
            *err = ex->err;
        return ex->err.code;
    }
    *out = sim_merge_finish(ex->merge, err);
    ex->merge = NULL;
    return *out ? SIM_OK : SIM_ENOMEM;
}

static int run(const sim_experiment_cfg *cfg, sim_rep_fn *fn, sim_rep_watched_fn *wfn,
               const void *ctx, sim_summary **out, sim_err *err)
{
    if (out)
        *out = NULL;
    int rc = check_cfg(cfg, fn || wfn, out, err);
    if (rc != SIM_OK)
        return rc;

    experiment ex = {.cfg = cfg, .fn = fn, .wfn = wfn, .ctx = ctx, .reps = cfg->replications};
    ex.confidence = cfg->confidence != 0.0 ? cfg->confidence : 0.95;
    ex.min_reps = cfg->min_replications ? cfg->min_replications : 3;
    ex.limit = ex.reps;
    ex.err_rep = ex.reps;
    atomic_init(&ex.cancelled, 0);
    sim_tally_init(&ex.ptally);
    int threads = sim_experiment_threads(cfg);
    ex.window = sim_experiment_window(threads);
    if (ex.window > ex.reps)
        ex.window = ex.reps;

    rc = SIM_ENOMEM;
    size_t w = (size_t)ex.window;
    ex.results = sim_calloc(w, sizeof *ex.results);
    ex.state = sim_calloc(w, sizeof *ex.state);
    ex.pos = sim_calloc(w, sizeof *ex.pos);
    if (cfg->precision_metric)
        ex.pvals = sim_calloc(w, sizeof *ex.pvals);
    if (!ex.results || !ex.state || !ex.pos || (cfg->precision_metric && !ex.pvals)) {
        sim_err_set(err, rc, NULL, 0, 0, "out of memory preparing %d replications", ex.reps);
        goto fail_arrays;
    }
    if (!(ex.merge = sim_merge_create(ex.confidence, err))) {
        rc = err ? err->code : SIM_ENOMEM;
        goto fail_arrays;
    }
    sim_merge_reserve(ex.merge, ex.reps); /* R values per scalar, not up to 2R */
    if (pthread_mutex_init(&ex.mu, NULL) != 0) {
        sim_err_set(err, rc, NULL, 0, 0, "cannot create the experiment's mutex");
        goto fail_arrays;
    }
    if (pthread_cond_init(&ex.changed, NULL) != 0) {
        sim_err_set(err, rc, NULL, 0, 0, "cannot create the experiment's condition variable");
        goto fail_mutex;
    }
    if (pthread_cond_init(&ex.room, NULL) != 0) {
        sim_err_set(err, rc, NULL, 0, 0, "cannot create the experiment's condition variable");
        goto fail_changed;
    }

    run_pool(&ex, threads);
    rc = conclude(&ex, out, err);

    pthread_cond_destroy(&ex.room);
fail_changed:
    pthread_cond_destroy(&ex.changed);
fail_mutex:
    pthread_mutex_destroy(&ex.mu);
fail_arrays:
    if (ex.results)
        for (size_t i = 0; i < w; i++)
            sim_result_destroy(ex.results[i]);
    sim_merge_destroy(ex.merge);
    sim_free(ex.results);
    sim_free(ex.state);
    sim_free((void *)ex.pos);
    sim_free(ex.pvals);
    return rc;
}

int sim_experiment_run(const sim_experiment_cfg *cfg, sim_rep_fn *fn, const void *ctx,
                       sim_summary **out, sim_err *err)
{
    return run(cfg, fn, NULL, ctx, out, err);
}

int sim_experiment_run_watched(const sim_experiment_cfg *cfg, sim_rep_watched_fn *fn,
                               const void *ctx, sim_summary **out, sim_err *err)
{
    return run(cfg, NULL, fn, ctx, out, err);
}

double sim_experiment_bytes(const sim_experiment_cfg *cfg, const sim_rep_bytes *b)
{
    int threads = sim_experiment_threads(cfg);
    /* one thread merges each result right after it: one alive at a time */
    int window = threads == 1 ? 1 : sim_experiment_window(threads);
    if (window > cfg->replications)
        window = cfg->replications;
    return threads * b->world + (window + 1) * b->result + cfg->replications * b->per_rep;
}

int sim_experiment_window(int threads)
{
    return threads < 1 ? 4 : threads > INT_MAX / 4 ? INT_MAX : 4 * threads;
}

int sim_experiment_threads(const sim_experiment_cfg *cfg)
{
    int threads = cfg->threads ? cfg->threads : sim_experiment_cores();
    return threads > cfg->replications ? cfg->replications : threads;
}

int sim_experiment_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > INT_MAX ? INT_MAX : (int)n;
}
