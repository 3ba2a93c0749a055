/*
 * serve_whatif.c - the what-ifs of `erpsim serve`; see serve_whatif.h.
 *
 * Invariants:
 *   1. At most one simulation runs at a time: run_lock is held around
 *      every sim_experiment_run_watched.
 *   2. `ticket` counts the runs asked for. A run (SERVE_RUN) holds the
 *      number it drew; it is stale, and its cancel callback says so, as
 *      soon as a newer one is drawn. Downloads run with ticket 0: a newer
 *      question does not cancel them.
 *   3. The last run's results and verdict stay in the cache under the key
 *      of their overrides and replications, so the download of the report
 *      or summary just after a run does not simulate again.
 */
#define _XOPEN_SOURCE 700 /* realpath (XSI): the scenario's folder */

#include "serve_whatif.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_opts.h"
#include "mdl_world.h"
#include "memory.h"
#include "out_dir.h"
#include "out_report.h"
#include "out_text.h"
#include "plt_buf.h"
#include "res_json.h"
#include "res_verdict.h"
#include "scn_print.h"
#include "scn_yaml.h"
#include "serve_controls.h"
#include "sim_alloc.h"
#include "sim_experiment.h"

struct serve_whatif {
    char *label;         /* the path, or "default.yaml" */
    char *text;          /* the scenario's text, read once */
    size_t len;          /* its bytes */
    char data_dir[4096]; /* the scenario's folder (real path); "": none */
    int threads;         /* worker threads; 0: one per core */
    double budget_s;     /* longest interactive run */
    pthread_mutex_t run_lock;
    atomic_ulong ticket; /* invariant 2 */
    atomic_int stopping; /* serve_whatif_stop */
    pthread_mutex_t cache_lock;
    char *cache_key; /* invariant 3; NULL: empty */
    res_results *cache_r;
    res_verdict cache_v;
};

/* ---- replies ---------------------------------------------------------- */

static int reply_text(serve_reply *out, int status, const char *type, char *body)
{
    out->status = status;
    out->type = type;
    out->body = body;
    out->len = body ? strlen(body) : 0;
    return body ? SIM_OK : SIM_ENOMEM;
}

/* A JSON reply from a jansson value (taken). */
static int reply_json(serve_reply *out, int status, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    char *body = text ? sim_strdup(text) : NULL;
    free(text); /* jansson's allocator */
    return reply_text(out, status, "application/json", body);
}

static int reply_error(serve_reply *out, int status, const char *error, const char *message)
{
    return reply_json(out, status, json_pack("{s:s, s:s}", "error", error, "message", message));
}

/* ---- loading ----------------------------------------------------------- */

/* The loader's problems as a 422 reply: each "file:line:column: message". */
static int reply_problems(serve_reply *out, const scn_diag *d, int rc)
{
    json_t *list = json_array();
    for (int i = 0; list && i < d->count; i++) {
        char buf[1024];
        json_array_append_new(list, json_string(scn_diag_format(&d->items[i], buf, sizeof buf)));
    }
    if (rc == SIM_ENOMEM)
        return reply_error(out, 500, "internal", "out of memory");
    const char *first =
        d->count > 0 && list ? json_string_value(json_array_get(list, 0)) : sim_status_str(rc);
    json_t *j = json_pack("{s:s, s:s, s:o}", "error", "invalid", "message", first ? first : "",
                          "problems", list ? list : json_array());
    return reply_json(out, 422, j);
}

/* A set the browser sent must be one line of printable text (it is quoted
 * into YAML comments and messages). */
static const char *bad_set(const char *s)
{
    if (!strchr(s, '='))
        return "takes PATH=VALUE";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return "has a control character";
    return NULL;
}

/* Loads the scenario with sets and, when reps > 0, "replications=REPS"
 * last. SIM_OK, or the reply already made (422, 500). */
static int load(serve_whatif *w, const char *const *sets, int nsets, int reps, mdl_scenario *sc,
                scn_origins **origins, serve_reply *out, int *replied)
{
    const char *all[SERVE_MAX_SETS + 1];
    char r[48];
    *replied = 1;
    if (nsets > SERVE_MAX_SETS) {
        snprintf(r, sizeof r, "more than %d overrides", SERVE_MAX_SETS);
        return reply_error(out, 422, "invalid", r);
    }
    for (int i = 0; i < nsets; i++) {
        const char *why = bad_set(sets[i]);
        if (why) {
            char msg[512];
            snprintf(msg, sizeof msg, "--set %.200s: %s", sets[i], why);
            return reply_error(out, 422, "invalid", msg);
        }
        all[i] = sets[i];
    }
    int n = nsets;
    if (reps > 0) {
        snprintf(r, sizeof r, "replications=%d", reps);
        all[n++] = r;
    }
    scn_diag d;
    scn_diag_init(&d);
    scn_load_opts lo = {.sets = all, .nsets = n, .origins = origins, .data_dir = w->data_dir};
    int rc = scn_load_string(w->label, w->text, w->len, &lo, sc, &d);
    if (rc == SIM_OK)
        *replied = 0;
    else
        rc = reply_problems(out, &d, rc);
    scn_diag_fini(&d);
    return rc;
}

/* ---- running ----------------------------------------------------------- */

typedef struct watch {
    serve_whatif *w;
    unsigned long ticket; /* 0: never stale */
    struct timespec start;
    double horizon_s;
    atomic_int too_big;
    double predicted_s; /* written and read on the running thread */
} watch;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* sim_cancel_fn: shutting down, superseded or too large. */
static int cancelled(void *ctx)
{
    watch *x = ctx;
    return atomic_load(&x->w->stopping) || (x->ticket && atomic_load(&x->w->ticket) != x->ticket) ||
           atomic_load(&x->too_big);
}

/* sim_progress_fn: predicts the running time from the share done; past
 * the budget (after a first half second, so that start-up costs do not
 * mislead it), the run is too large. */
static void on_progress(void *ctx, const sim_progress *p)
{
    watch *x = ctx;
    double done = (p->done + sim_time_to_seconds(p->running_time) / x->horizon_s) / p->total;
    double elapsed = since(&x->start);
    if (done > 0)
        x->predicted_s = elapsed / done;
    if (elapsed > x->w->budget_s || (elapsed > 0.5 && done > 0 && x->predicted_s > x->w->budget_s))
        atomic_store(&x->too_big, 1);
}

/* The 503 reply for a run too large for interactive use. */
static int reply_too_big(serve_reply *out, const char *why, int reps, double share)
{
    int fit = (int)(reps * share * 0.8);
    char msg[512];
    if (fit >= 1)
        snprintf(msg, sizeof msg,
                 "too large for interactive use: %s; %d replication%s would fit (or shorten "
                 "the horizon)",
                 why, fit, fit == 1 ? "" : "s");
    else
        snprintf(msg, sizeof msg,
                 "too large for interactive use: %s, even with one replication; shorten the "
                 "horizon, or run it with erpsim run",
                 why);
    return reply_json(out, 503,
                      json_pack("{s:s, s:s, s:i, s:i}", "error", "too_big", "message", msg,
                                "replications", reps, "suggest_replications", fit));
}

/* The cache key of a question. */
static char *key_of(const char *const *sets, int nsets, int reps)
{
    size_t n = 32;
    for (int i = 0; i < nsets; i++)
        n += strlen(sets[i]) + 1;
    char *k = sim_malloc(n);
    if (!k)
        return NULL;
    int at = snprintf(k, n, "%d", reps);
    for (int i = 0; i < nsets; i++)
        at += snprintf(k + at, n - (size_t)at, "\n%s", sets[i]);
    return k;
}

/* Simulates and judges sc into *r and *v. SIM_OK, or the reply made. */
static int simulate(serve_whatif *w, const mdl_scenario *sc, const scn_origins *origins,
                    const char *const *sets, int nsets, unsigned long ticket, res_results **r,
                    res_verdict *v, serve_reply *out, int *replied)
{
    *replied = 1;
    memory_need need;
    sim_err e;
    sim_err_clear(&e);
    const char *source;
    double avail = memory_available(&source);
    memory_run run = {.reps = sc->replications, .threads = w->threads, .json = 1, .json_whole = 1};
    if (memory_need_of(sc, &run, &need, &e) == SIM_OK && avail > 0 && need.total > avail / 2) {
        char a[32], b[32], why[128];
        snprintf(why, sizeof why, "it needs about %s of memory, %s is available",
                 memory_format(need.total, a, sizeof a), memory_format(avail, b, sizeof b));
        return reply_too_big(out, why, sc->replications, avail / 2 / need.total);
    }
    watch x = {.w = w, .ticket = ticket, .horizon_s = sim_time_to_seconds(sc->horizon)};
    clock_gettime(CLOCK_MONOTONIC, &x.start);
    sim_experiment_cfg cfg = {.replications = sc->replications,
                              .threads = w->threads,
                              .seed = sc->seed,
                              .confidence = 0.95,
                              .progress = on_progress,
                              .progress_ctx = &x,
                              .watch_every = cli_opts_watch_step(sc->horizon),
                              .cancelled = cancelled,
                              .cancel_ctx = &x};
    sim_summary *s = NULL;
    sim_err_clear(&e);
    int rc = sim_experiment_run_watched(&cfg, mdl_world_run_watched, sc, &s, &e);
    if (rc == SIM_ECANCELED) {
        if (atomic_load(&x.too_big)) {
            char why[128];
            snprintf(why, sizeof why, "%d replications would take about %.0f s", sc->replications,
                     x.predicted_s);
            return reply_too_big(out, why, sc->replications,
                                 x.predicted_s > 0 ? w->budget_s / x.predicted_s : 0);
        }
        return reply_error(out, 409, "superseded", "a newer what-if replaced this one");
    }
    if (rc != SIM_OK) /* a model refused the scenario: bad input */
        return reply_error(out, rc == SIM_ENOMEM ? 500 : 422,
                           rc == SIM_ENOMEM ? "internal" : "invalid",
                           e.msg[0] ? e.msg : sim_status_str(rc));
    *r = out_dir_results_of(sc, origins, w->label, sets, nsets, s, &e);
    sim_summary_destroy(s);
    if (!*r || res_verdict_compute(*r, v, &e) != SIM_OK)
        return reply_error(out, 500, "internal", e.msg);
    *replied = 0;
    return SIM_OK;
}

/* The report's note where gnuplot's charts would be. */
static const char charts_note[] = "The charts are on the workshop page; erpsim report on the "
                                  "downloaded scenario draws them with gnuplot.";

/* Keeps r and v as the last run (takes them). */
static void cache_put(serve_whatif *w, char *key, res_results *r, res_verdict *v)
{
    pthread_mutex_lock(&w->cache_lock);
    sim_free(w->cache_key);
    res_results_destroy(w->cache_r);
    res_verdict_fini(&w->cache_v);
    w->cache_key = key;
    w->cache_r = r;
    w->cache_v = *v;
    pthread_mutex_unlock(&w->cache_lock);
}

/* The body of a download of the run's report or summary, from the cache
 * when it holds this question; NULL when it does not. */
static char *from_cache(serve_whatif *w, serve_what what, const char *key, sim_err *e)
{
    char *text = NULL;
    pthread_mutex_lock(&w->cache_lock);
    if (w->cache_key && !strcmp(w->cache_key, key)) {
        if (what == SERVE_REPORT)
            text = out_report_html(w->cache_r, &w->cache_v, NULL, 0, charts_note, e);
        else
            text = out_text_summary(w->cache_r, &w->cache_v, e);
    }
    pthread_mutex_unlock(&w->cache_lock);
    return text;
}

/* res_json_write's sink into a plt_buf */
static int to_buf(void *ctx, const char *data, size_t len)
{
    plt_buf *b = ctx;
    plt_buf_put(b, data, len);
    return b->failed ? -1 : 0;
}

/* The run's JSON: {"run", "elapsed_s", "summary", "results"}, the results
 * streamed into the reply rather than written whole and copied. */
static int reply_run(serve_reply *out, unsigned long ticket, double elapsed, const res_results *r,
                     const res_verdict *v)
{
    sim_err e;
    sim_err_clear(&e);
    char *summary = out_text_summary(r, v, &e);
    json_t *head = summary ? json_pack("{s:I, s:f, s:s}", "run", (json_int_t)ticket, "elapsed_s",
                                       elapsed, "summary", summary)
                           : NULL;
    char *h = head ? json_dumps(head, JSON_COMPACT) : NULL;
    json_decref(head);
    sim_free(summary);
    char *body = NULL;
    plt_buf b;
    plt_buf_init(&b);
    if (h) {
        /* the head without its closing brace, then the results */
        plt_buf_put(&b, h, strlen(h) - 1);
        plt_buf_puts(&b, ",\"results\":");
        if (res_json_write(r, v, to_buf, &b, &e) == SIM_OK) {
            plt_buf_puts(&b, "}");
            body = plt_buf_status(&b, NULL) == SIM_OK ? plt_buf_take(&b) : NULL;
        }
    }
    plt_buf_fini(&b);
    free(h);
    return reply_text(out, 200, "application/json", body);
}

/* A file name for a download into out->filename: the scenario's name
 * reduced to [A-Za-z0-9._-], then suffix. */
static void name_file(serve_reply *out, const mdl_scenario *sc, const char *suffix)
{
    size_t n = 0;
    for (const char *p = sc->name ? sc->name : ""; *p && n < 48; p++)
        out->filename[n++] = (strchr("._-", *p) || (*p >= 'a' && *p <= 'z') ||
                              (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
                                 ? *p
                                 : '_';
    snprintf(out->filename + n, sizeof out->filename - n, "%s%s", n ? "" : "scenario", suffix);
}

/* SERVE_SCENARIO: what the page shows before the first run. */
static int reply_scenario(serve_whatif *w, const mdl_scenario *sc, serve_reply *out)
{
    json_t *controls = serve_controls(sc);
    if (!controls)
        return reply_error(out, 500, "internal", "out of memory");
    json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:i, s:f, s:f, s:f, s:b, s:o}", "name",
                          sc->name ? sc->name : "", "description",
                          sc->description ? sc->description : "", "source", w->label, "seed",
                          (json_int_t)sc->seed, "replications", sc->replications, "load", sc->load,
                          "horizon_s", sim_time_to_seconds(sc->horizon), "budget_s", w->budget_s,
                          "data_files", w->data_dir[0] != '\0', "controls", controls);
    return reply_json(out, 200, j);
}

/* SERVE_YAML: the scenario with the overrides, normalised. */
static int reply_yaml(serve_whatif *w, const mdl_scenario *sc, const scn_origins *origins,
                      const char *const *sets, int nsets, serve_reply *out)
{
    size_t n = strlen(w->label) + 64;
    for (int i = 0; i < nsets; i++)
        n += strlen(sets[i]) + 2;
    char *title = sim_malloc(n);
    if (!title)
        return SIM_ENOMEM;
    int at = snprintf(title, n, "%s as changed on the workshop page%s", w->label,
                      nsets ? ":" : " (no change)");
    for (int i = 0; i < nsets; i++)
        at += snprintf(title + at, n - (size_t)at, "%s %s", i ? "," : "", sets[i]);
    sim_err e;
    sim_err_clear(&e);
    char *yaml = scn_print_yaml(sc, origins, title, &e);
    sim_free(title);
    name_file(out, sc, "-whatif.yaml");
    return reply_text(out, 200, "application/yaml; charset=utf-8", yaml);
}

int serve_whatif_answer(serve_whatif *w, serve_what what, const char *const *sets, int nsets,
                        int reps, serve_reply *out)
{
    memset(out, 0, sizeof *out);
    mdl_scenario sc;
    scn_origins *origins = NULL;
    int replied = 0;
    int rc = load(w, sets, nsets, reps, &sc, what == SERVE_YAML ? &origins : NULL, out, &replied);
    if (replied)
        return rc;
    if (what == SERVE_SCENARIO) {
        rc = reply_scenario(w, &sc, out);
        goto done;
    }
    if (what == SERVE_YAML) {
        rc = reply_yaml(w, &sc, origins, sets, nsets, out);
        goto done;
    }
    char *key = key_of(sets, nsets, reps);
    if (!key) {
        rc = SIM_ENOMEM;
        goto done;
    }
    sim_err e;
    sim_err_clear(&e);
    const char *suffix = what == SERVE_REPORT ? "-report.html" : "-summary.txt";
    const char *type =
        what == SERVE_REPORT ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
    char *text = what == SERVE_RUN ? NULL : from_cache(w, what, key, &e);
    if (text) {
        sim_free(key);
        name_file(out, &sc, suffix);
        rc = reply_text(out, 200, type, text);
        goto done;
    }
    unsigned long ticket = what == SERVE_RUN ? atomic_fetch_add(&w->ticket, 1) + 1 : 0;
    pthread_mutex_lock(&w->run_lock);
    if (ticket && atomic_load(&w->ticket) != ticket) { /* superseded while waiting */
        pthread_mutex_unlock(&w->run_lock);
        sim_free(key);
        rc = reply_error(out, 409, "superseded", "a newer what-if replaced this one");
        goto done;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    res_results *r = NULL;
    res_verdict v = {0};
    rc = simulate(w, &sc, NULL, sets, nsets, ticket, &r, &v, out, &replied);
    pthread_mutex_unlock(&w->run_lock);
    if (replied) {
        sim_free(key);
        res_verdict_fini(&v);
        res_results_destroy(r);
        goto done;
    }
    if (what == SERVE_RUN)
        rc = reply_run(out, ticket, since(&t0), r, &v);
    else {
        text = what == SERVE_REPORT ? out_report_html(r, &v, NULL, 0, charts_note, &e)
                                    : out_text_summary(r, &v, &e);
        name_file(out, &sc, suffix);
        rc = reply_text(out, 200, type, text);
    }
    cache_put(w, key, r, &v);
done:
    scn_origins_destroy(origins);
    mdl_scenario_fini(&sc);
    return rc;
}

/* ---- life -------------------------------------------------------------- */

serve_whatif *serve_whatif_create(const serve_whatif_cfg *cfg, scn_diag *diag, sim_err *err)
{
    serve_whatif *w = sim_calloc(1, sizeof *w);
    if (!w) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&w->run_lock, NULL);
    pthread_mutex_init(&w->cache_lock, NULL);
    w->threads = cfg->threads;
    w->budget_s = cfg->budget_s > 0 ? cfg->budget_s : 10.0;
    const char *label = cfg->scenario ? cfg->scenario : "default.yaml";
    if (!(w->label = sim_strdup(label))) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    if (!cfg->scenario) {
        w->len = scn_default_len;
        if (!(w->text = sim_malloc(w->len + 1))) {
            sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto fail;
        }
        memcpy(w->text, scn_default_text, w->len + 1);
    } else {
        if (scn_read_file(cfg->scenario, SCN_YAML_MAX_BYTES, 1, &w->text, &w->len, err) != SIM_OK)
            goto fail;
        /* its folder, with links resolved: the only place data files come from */
        char real[4096];
        if (!realpath(cfg->scenario, real)) {
            sim_err_set(err, SIM_EIO, cfg->scenario, 0, 0, "cannot resolve its folder");
            goto fail;
        }
        char *slash = strrchr(real, '/');
        *(slash == real ? slash + 1 : slash) = '\0';
        snprintf(w->data_dir, sizeof w->data_dir, "%s", real);
    }
    /* the scenario as given must load: its problems are the command's to print */
    mdl_scenario sc;
    scn_load_opts lo = {.data_dir = w->data_dir};
    int rc = scn_load_string(w->label, w->text, w->len, &lo, &sc, diag);
    mdl_scenario_fini(&sc);
    if (rc != SIM_OK) {
        sim_err_set(err, rc, w->label, 0, 0, "the scenario has problems");
        goto fail;
    }
    return w;
fail:
    serve_whatif_destroy(w);
    return NULL;
}

void serve_whatif_stop(serve_whatif *w)
{
    if (w)
        atomic_store(&w->stopping, 1);
}

void serve_whatif_destroy(serve_whatif *w)
{
    if (!w)
        return;
    sim_free(w->cache_key);
    res_results_destroy(w->cache_r);
    res_verdict_fini(&w->cache_v);
    pthread_mutex_destroy(&w->run_lock);
    pthread_mutex_destroy(&w->cache_lock);
    sim_free(w->label);
    sim_free(w->text);
    sim_free(w);
}

const char *serve_whatif_label(const serve_whatif *w)
{
    return w->label;
}
