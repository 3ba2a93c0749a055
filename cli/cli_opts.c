/*
 * cli_opts.c - the common options, loading and running; see cli_opts.h.
 */
#include "cli_opts.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dist.h"
#include "interrupt.h"
#include "journal.h"
#include "mdl_world.h"
#include "memory.h"
#include "out_text.h"
#include "plt_gnuplot.h"
#include "progress.h"
#include "res_fmt.h"
#include "sim_experiment.h"
#include "sim_pack.h"
#include "sim_text.h"

int cli_opts_exit_code(int status)
{
    if (status == SIM_EIO)
        return CLI_EXIT_IO;
    if (status == SIM_EINVAL || status == SIM_ERANGE || status == SIM_EPARSE)
        return CLI_EXIT_USAGE;
    return CLI_EXIT_INTERNAL;
}

const char *cli_opt_value(const char *name, int argc, char **argv, int *i, int *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int cli_usage_error(const char *cmd, const char *usage, const char *what, const char *arg)
{
    out_text_line(stderr, "erpsim %s: error: %s%s", cmd, what, arg ? arg : "");
    fputs(usage ? usage : "", stderr);
    return CLI_EXIT_USAGE;
}

/* A whole number in [lo, hi]; 0 on success. */
static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int usage_error(const cli_opts *o, const char *usage, const char *fmt, ...) SIM_PRINTF(3, 4);
static int usage_error(const cli_opts *o, const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char what[1024];
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    out_text_line(stderr, "erpsim %s: error: %s", o->cmd, what);
    fputs(usage ? usage : "", stderr);
    return CLI_EXIT_USAGE;
}

/* A folder the results are written to or read from must reach gnuplot and
 * the messages unchanged: a name with a control character (a newline would
 * end a gnuplot command) or bytes that are not UTF-8 is refused. */
static int plain_path(const cli_opts *o, const char *usage, const char *opt, const char *path)
{
    if (sim_text_is_plain(path))
        return 0;
    char shown[512];
    return usage_error(o, usage,
                       "%s '%s': the folder name has a control character or bytes that are not "
                       "UTF-8 (shown escaped); choose another name",
                       opt, sim_text_visible(path, shown, sizeof shown));
}

static int add_set(cli_opts *o, const char *set, const char *usage)
{
    if (o->nsets == CLI_MAX_SETS)
        return usage_error(o, usage, "more than %d --set options", CLI_MAX_SETS);
    o->sets[o->nsets++] = set;
    return 0;
}

int cli_opts_parse(cli_opts *o, const char *cmd, int *argc, char **argv, int allow_from,
                   const char *usage)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    const char *user_sets[CLI_MAX_SETS];
    int nuser = 0, kept = 1, code;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i], *v;
        int missing = 0;
        if (!strcmp(a, "--")) { /* everything after is positional */
            for (i++; i < *argc; i++)
                argv[kept++] = argv[i];
            break;
        }
        if ((v = cli_opt_value("--load", *argc, argv, &i, &missing))) {
            /* "3" means "3x" */
            char *end;
            strtod(v, &end);
            snprintf(o->generated[0], sizeof o->generated[0],
                     end != v && *end == '\0' ? "load=%sx" : "load=%s", v);
        } else if (!missing && (v = cli_opt_value("--days", *argc, argv, &i, &missing))) {
            long long d;
            if (parse_int(v, 1, SCN_HORIZON_MAX_DAYS, &d))
                return usage_error(o, usage,
                                   "--days takes a whole number of days from 1 to %d (the "
                                   "longest horizon), got '%s'",
                                   SCN_HORIZON_MAX_DAYS, v);
            snprintf(o->generated[1], sizeof o->generated[0], "horizon=%lldd", d);
        } else if (!missing && (v = cli_opt_value("--seed", *argc, argv, &i, &missing))) {
            long long s;
            if (parse_int(v, 0, INT64_MAX, &s))
                return usage_error(o, usage, "--seed takes a whole number >= 0, got '%s'", v);
            snprintf(o->generated[2], sizeof o->generated[0], "seed=%lld", s);
        } else if (!missing && (v = cli_opt_value("--reps", *argc, argv, &i, &missing))) {
            long long r;
            if (parse_int(v, 1, 100000, &r))
                return usage_error(o, usage,
                                   "--reps takes a whole number from 1 to 100000, got '%s'", v);
            snprintf(o->generated[3], sizeof o->generated[0], "replications=%lld", r);
        } else if (!missing && (v = cli_opt_value("--threads", *argc, argv, &i, &missing))) {
            long long t;
            if (parse_int(v, 0, 4096, &t))
                return usage_error(o, usage,
                                   "--threads takes a whole number from 0 to 4096, got '%s'", v);
            o->threads = (int)t;
        } else if (!missing && (v = cli_opt_value("--set", *argc, argv, &i, &missing))) {
            if (!strchr(v, '='))
                return usage_error(o, usage, "--set takes PATH=VALUE, got '%s'", v);
            if (nuser == CLI_MAX_SETS)
                return usage_error(o, usage, "more than %d --set options", CLI_MAX_SETS);
            user_sets[nuser++] = v;
        } else if (!missing && (v = cli_opt_value("--out", *argc, argv, &i, &missing))) {
            if (!v[0])
                return usage_error(o, usage, "--out takes a folder");
            if ((code = plain_path(o, usage, "--out", v)))
                return code;
            o->out = v;
        } else if (!missing && (v = cli_opt_value("--journal", *argc, argv, &i, &missing))) {
            if (!v[0])
                return usage_error(o, usage, "--journal takes a folder");
            if ((code = plain_path(o, usage, "--journal", v)))
                return code;
            o->journal = v;
        } else if (!missing && allow_from &&
                   (v = cli_opt_value("--from", *argc, argv, &i, &missing))) {
            if ((code = plain_path(o, usage, "--from", v)))
                return code;
            o->from = v;
        } else if (!missing && (v = cli_opt_value("--format", *argc, argv, &i, &missing))) {
            if (!strcmp(v, "text"))
                o->format = CLI_FORMAT_TEXT;
            else if (!strcmp(v, "json"))
                o->format = CLI_FORMAT_JSON;
            else if (!strcmp(v, "csv"))
                o->format = CLI_FORMAT_CSV;
            else
                return usage_error(o, usage, "--format takes text, json or csv, got '%s'", v);
            o->format_given = 1;
        } else if (missing) {
            return usage_error(o, usage, "%s needs a value", a);
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = 1;
        } else if (!strcmp(a, "--no-charts")) {
            o->no_charts = 1;
        } else if (!strcmp(a, "--no-memory-check")) {
            o->no_memory_check = 1;
        } else if (!strcmp(a, "--no-faults")) {
            o->no_faults = 1;
        } else if (!strcmp(a, "--fail-on-violation")) {
            o->fail_on_violation = 1;
        } else if (a[0] != '-' && !o->scenario) {
            o->scenario = a;
        } else {
            argv[kept++] = argv[i]; /* the command's own */
        }
    }
    *argc = kept;
    if (dist_rank() > 0) { /* rank 0 alone writes (dist.h) */
        o->out = NULL;
        o->journal = NULL;
        o->quiet = 1;
    }
    for (int k = 0; k < 4; k++) /* load, horizon, seed, replications; the last given wins */
        if (o->generated[k][0])
            o->sets[o->nsets++] = o->generated[k];
    o->user_sets = o->nsets;
    for (int k = 0; k < nuser; k++)
        if (add_set(o, user_sets[k], usage))
            return CLI_EXIT_USAGE;
    return 0;
}

const char *cli_opts_label(const cli_opts *o)
{
    return o->scenario ? o->scenario : "default.yaml";
}

int cli_opts_print_diag(const char *label, int rc, const scn_diag *diag)
{
    for (int i = 0; i < diag->count; i++) {
        const sim_err *e = &diag->items[i];
        if (e->line > 0)
            out_text_line(stderr, "%s:%d:%d: error: %s", e->file, e->line, e->column, e->msg);
        else
            out_text_line(stderr, "%s: error: %s", e->file[0] ? e->file : label, e->msg);
    }
    if (diag->truncated)
        out_text_line(stderr, "%s: error: more than %d problems; the rest are not shown", label,
                      SCN_DIAG_MAX);
    if (diag->count == 0)
        out_text_line(stderr, "%s: error: %s", label, sim_status_str(rc));
    return rc == SIM_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_USAGE;
}

int cli_opts_load(const cli_opts *o, mdl_scenario *sc, scn_origins **origins)
{
    scn_diag diag;
    scn_load_opts lo = {
        .sets = o->sets, .nsets = o->nsets, .origins = origins, .no_faults = o->no_faults};
    scn_diag_init(&diag);
    int rc =
        o->scenario ? scn_load_file(o->scenario, &lo, sc, &diag) : scn_load_default(&lo, sc, &diag);
    int code = rc == SIM_OK ? 0 : cli_opts_print_diag(cli_opts_label(o), rc, &diag);
    scn_diag_fini(&diag);
    return code;
}

/* ---- running ------------------------------------------------------------ */

/* The context of one experiment: the scenario (read-only) and the bar the
 * replications report to. The bar is reached through a pointer member, so
 * the context itself stays const as sim_rep_watched_fn requires. */
typedef struct run_ctx {
    const mdl_scenario *sc;
    progress *bar;
    journal *journal; /* NULL without --journal */
    int seq;          /* the experiment's number in the journal */
} run_ctx;

/* The process's study: its arguments, its journal (opened at the first
 * experiment) and how many experiments it started. */
static struct {
    uint64_t args;
    journal *journal;
    int refused; /* the --journal folder was another study's */
    int quiet;
    const char *dir;
    int experiments;
} study;

void cli_opts_remember_args(int argc, char **argv)
{
    study.args = journal_args_hash(argc, argv);
}

void cli_opts_finish(void)
{
    long n = journal_loaded(study.journal);
    if (n > 0 && !study.quiet)
        fprintf(stderr, "erpsim: %ld replication%s read from the journal %s\n", n,
                n == 1 ? "" : "s", study.dir);
    journal_close(study.journal);
    study.journal = NULL;
}

/* The journal of experiment number seq: opened at the first experiment,
 * checked against this one. Returns SIM_OK (*j NULL without --journal), or
 * SIM_ECANCELED after printing why the folder is refused, or the error. */
static int journal_for(const cli_opts *o, const mdl_scenario *sc, uint64_t seed, int reps, int seq,
                       journal **j, sim_err *err)
{
    *j = NULL;
    if (!o->journal)
        return SIM_OK;
    int rc = SIM_OK;
    if (!study.journal) {
        study.quiet = o->quiet;
        study.dir = o->journal;
        rc = journal_open(o->journal, o->cmd, study.args, &study.journal, err);
    }
    if (rc == SIM_OK)
        rc = journal_experiment(study.journal, seq, sc, seed, reps, err);
    if (rc == SIM_EINVAL) {
        out_text_line(stderr, "erpsim %s: error: %s", o->cmd, err->msg);
        study.refused = 1;
        return sim_err_set(err, SIM_ECANCELED, NULL, 0, 0, "the journal was refused");
    }
    *j = rc == SIM_OK ? study.journal : NULL;
    return rc;
}

/* sim_rep_watched_fn: one replication of the world, read from the journal
 * when it has it, else run (and then recorded), reporting its events. */
static int run_rep(const void *ctx, uint64_t seed, int rep, const sim_watch *watch, sim_result *out,
                   sim_err *err)
{
    const run_ctx *c = ctx;
    int rc = SIM_OK;
    if (!c->journal || !journal_load(c->journal, c->seq, rep, out)) {
        rc = dist_remote(seed, rep, out, err); /* another rank's thread, or here */
        if (rc == DIST_HERE)
            rc = mdl_world_run_watched(c->sc, seed, rep, watch, out, err);
        if (rc == SIM_OK && c->journal)
            rc = journal_save(c->journal, c->seq, rep, out, err);
    }
    if (rc == SIM_OK) {
        long at = sim_result_find(out, "run.events");
        progress_add(c->bar, at >= 0 ? sim_result_value(out, (size_t)at) : 0.0);
    }
    return rc;
}

static void on_progress(void *ctx, const sim_progress *sp)
{
    progress *p = ctx;
    progress_running(p, sim_time_to_seconds(sp->running_time) / 86400.0);
    progress_draw(p);
}

sim_time cli_opts_watch_step(sim_time horizon)
{
    sim_time step = horizon / 4096;
    return step > SIM_SEC ? step : SIM_SEC;
}

int cli_opts_interrupted(const cli_opts *o)
{
    if (study.refused && !interrupt_caught())
        return CLI_EXIT_USAGE; /* said when it was refused */
    int code = interrupt_exit_code();
    if (code)
        fprintf(stderr, "erpsim %s: interrupted (%s)\n", o->cmd,
                interrupt_caught() == SIGTERM ? "SIGTERM" : "SIGINT");
    return code;
}

int cli_opts_simulate(const cli_opts *o, const mdl_scenario *sc, uint64_t seed, int reps,
                      progress *p, sim_summary **out, sim_err *err)
{
    progress *own = NULL;
    *out = NULL;
    if (!p) {
        own = progress_create(reps, sim_time_to_seconds(sc->horizon) / 86400.0, !o->quiet);
        if (!own)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        p = own;
    }
    run_ctx ctx = {.sc = sc, .bar = p, .seq = study.experiments++};
    int rc = journal_for(o, sc, seed, reps, ctx.seq, &ctx.journal, err);
    if (rc != SIM_OK) {
        progress_destroy(own);
        return rc;
    }
    sim_experiment_cfg cfg = {.replications = reps,
                              .threads = o->threads,
                              .seed = seed,
                              .confidence = 0.95,
                              .progress = on_progress,
                              .progress_ctx = p,
                              .watch_every = cli_opts_watch_step(sc->horizon),
                              .cancelled = interrupt_cancelled};
    uint64_t identity = 0; /* what the ranks check they all compute */
    if (dist_size() > 1 && (rc = journal_scenario_hash(sc, &identity, err)) != SIM_OK) {
        progress_destroy(own);
        return rc;
    }
    identity = sim_pack_hash(&seed, sizeof seed, identity);
    identity = sim_pack_hash(&reps, sizeof reps, identity);
    rc = dist_experiment(&cfg, identity, run_rep, &ctx, out, err);
    if (dist_quit_code() >= 0) /* rank 0 ended the command: this rank ends too */
        exit(dist_finish(0, interrupt_caught(), NULL));
    if (own)
        progress_destroy(own);
    else
        progress_clear(p);
    if (rc != SIM_OK)
        *out = NULL;
    return rc;
}

int cli_opts_check_memory(const cli_opts *o, const mdl_scenario *sc, int reps)
{
    static int warned; /* a sweep checks every point: one warning is enough */
    if (o->no_memory_check)
        return 0;
    memory_need need;
    sim_err err;
    sim_err_clear(&err);
    int json = o->out || o->format == CLI_FORMAT_JSON;
    memory_run run = {.reps = reps,
                      .threads = o->threads,
                      .ranks = dist_in_job() ? dist_size() : 0,
                      .json = json};
    if (memory_need_of(sc, &run, &need, &err) != SIM_OK)
        return 0; /* the probe failed: the run itself will say why */
    const char *source;
    double avail = memory_available(&source);
    if (avail <= 0 || need.total <= avail / 2)
        return 0;
    char total[32], have[32], running[32], kept[32], output[32], scalars[32];
    memory_format(need.total, total, sizeof total);
    memory_format(avail, have, sizeof have);
    if (need.total <= avail) {
        if (!warned)
            fprintf(stderr,
                    "erpsim %s: warning: this run needs about %s of memory, more than half "
                    "of the %s available (%s)\n",
                    o->cmd, total, have, source);
        warned = 1;
        return 0;
    }
    fprintf(stderr,
            "erpsim %s: error: this run needs about %s of memory but %s is available (%s):\n"
            "  %s for the replications in flight (the models and results of a few per "
            "thread),\n"
            "  %s for the %d replications x %s scalar metrics x 8 bytes the summary keeps,\n"
            "  %s at most to merge %s.\n"
            "Lower --reps or --days, or pass --no-memory-check to run it anyway.\n",
            o->cmd, total, have, source,
            memory_format(need.experiment - reps * need.rep.bytes.per_rep, running, sizeof running),
            memory_format(reps * need.rep.bytes.per_rep, kept, sizeof kept), reps,
            res_fmt_count((double)need.rep.scalars, scalars, sizeof scalars),
            memory_format(need.output, output, sizeof output),
            json ? "and write the results (results.json)" : "the results");
    return CLI_EXIT_USAGE;
}

int cli_opts_run_with(const cli_opts *o, const mdl_scenario *sc, uint64_t seed, int reps,
                      progress *p, sim_summary **out)
{
    sim_err err;
    sim_err_clear(&err);
    *out = NULL;
    int code = cli_opts_check_memory(o, sc, reps);
    if (code)
        return code;
    int rc = cli_opts_simulate(o, sc, seed, reps, p, out, &err);
    if (rc == SIM_OK)
        return 0;
    if (rc == SIM_ECANCELED && (interrupt_caught() || study.refused))
        return cli_opts_interrupted(o);
    out_text_line(stderr, "erpsim %s: error: %s", o->cmd,
                  err.msg[0] ? err.msg : sim_status_str(rc));
    /* A model that refuses the scenario (a setting it cannot simulate) is
     * bad input; a --journal file that cannot be written is exit 5;
     * anything else (no memory, a broken invariant) is ours. */
    return cli_opts_exit_code(rc);
}

int cli_opts_run(const cli_opts *o, const mdl_scenario *sc, progress *p, sim_summary **out)
{
    return cli_opts_run_with(o, sc, sc->seed, sc->replications, p, out);
}

/* ---- charts -------------------------------------------------------------- */

/* One kind of chart: how to write its data and how to draw it. */
typedef struct chart_kind {
    int (*write_data)(const void *chart, const char *dir, const char *name, sim_err *err);
    int (*draw)(const void *chart, const char *dir, const char *name, const char *gnuplot,
                sim_err *err);
} chart_kind;

static int draw_chart(const cli_opts *o, const char *dir, const char *name, const void *chart,
                      const chart_kind *kind)
{
    sim_err err;
    sim_err_clear(&err);
    char gp[1024];
    const char *gnuplot = o->no_charts ? NULL : plt_gnuplot_find(gp, sizeof gp);
    /* the data first: a disk that refuses it is an I/O failure (5), while
     * a chart that gnuplot cannot draw is only missing (4) */
    if (kind->write_data(chart, dir, name, &err) != SIM_OK) {
        out_text_line(stderr, "erpsim %s: error: %s", o->cmd, err.msg);
        return cli_opts_exit_code(err.code);
    }
    if (!gnuplot) {
        if (o->no_charts)
            return 0;
        fprintf(stderr,
                "erpsim %s: warning: gnuplot not found: the chart was not drawn "
                "(its data is in series/%s.csv)\n",
                o->cmd, name);
        return CLI_EXIT_NO_CHARTS;
    }
    if (kind->draw(chart, dir, name, gnuplot, &err) != SIM_OK) {
        out_text_line(stderr, "erpsim %s: warning: the chart was not drawn: %s", o->cmd, err.msg);
        return err.code == SIM_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_NO_CHARTS;
    }
    return 0;
}

static int compare_data(const void *c, const char *dir, const char *name, sim_err *err)
{
    return plt_compare_write_data(c, dir, name, err);
}

static int compare_draw(const void *c, const char *dir, const char *name, const char *gnuplot,
                        sim_err *err)
{
    return plt_compare_draw(c, dir, name, gnuplot, err);
}

static int sweep_data(const void *c, const char *dir, const char *name, sim_err *err)
{
    return plt_sweep_write_data(c, dir, name, err);
}

static int sweep_draw(const void *c, const char *dir, const char *name, const char *gnuplot,
                      sim_err *err)
{
    return plt_sweep_draw(c, dir, name, gnuplot, err);
}

static int calibrate_data(const void *c, const char *dir, const char *name, sim_err *err)
{
    return plt_calibrate_write_data(c, dir, name, err);
}

static int calibrate_draw(const void *c, const char *dir, const char *name, const char *gnuplot,
                          sim_err *err)
{
    return plt_calibrate_draw(c, dir, name, gnuplot, err);
}

int cli_opts_draw_compare(const cli_opts *o, const char *dir, const char *name,
                          const plt_compare *chart)
{
    static const chart_kind kind = {compare_data, compare_draw};
    return draw_chart(o, dir, name, chart, &kind);
}

int cli_opts_draw_sweep(const cli_opts *o, const char *dir, const char *name,
                        const plt_sweep *chart)
{
    static const chart_kind kind = {sweep_data, sweep_draw};
    return draw_chart(o, dir, name, chart, &kind);
}

int cli_opts_draw_calibrate(const cli_opts *o, const char *dir, const char *name,
                            const plt_calibrate *chart)
{
    static const chart_kind kind = {calibrate_data, calibrate_draw};
    return draw_chart(o, dir, name, chart, &kind);
}

FILE *cli_temp_file(const char **dir)
{
    char path[4096];
    *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    if ((size_t)snprintf(path, sizeof path, "%s/erpsim-XXXXXX", *dir) >= sizeof path)
        return NULL;
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+");
    if (!f)
        close(fd);
    return f;
}
