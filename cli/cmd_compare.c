/*
 * cmd_compare.c - `erpsim compare`: one flow under each integration
 * pattern, everything else unchanged, side by side on the card's
 * comparison criteria.
 *
 *   erpsim compare [SCENARIO] --flow ID [--patterns realtime,event,batch]
 *                  [common options]
 *
 * Each pattern is the scenario loaded again with the user's overrides plus
 * "flows.ID.pattern=P": a flow keeps one settings block per pattern
 * (mdl_scenario.h), so switching the pattern only selects another block,
 * and the loader checks that the target can serve it. A pattern that
 * cannot be simulated for this flow (the loader refuses it, e.g. no event
 * channel on the source, or a model refuses it) gets a column saying why,
 * and the others are still compared. Every pattern runs with the same seed
 * and replication count: the streams are named per flow and system, so the
 * other flows see exactly the same arrivals under every pattern (common
 * random numbers), and their change against the declared pattern is a
 * paired difference: the mean and Student-t 95% half-width of the
 * per-replication differences.
 *
 * Rows (measured, mean ± 95% CI):
 *   latency p50, p99 (against the SLO), freshness (mean latency from
 *   creation to apply), throughput reached (delivered per day) against the
 *   records created per day, API calls per day, bulk batches per day, the
 *   target's daily quota at its peak, records lost, dead-lettered,
 *   duplicates applied, rejected, rejected by the cascade (the reasons a
 *   slow or saturated target causes: timeout, unavailable, breaker_open,
 *   pool_full), still pending at the horizon, batch window overruns, the
 *   flow's verdict, the limits that ran out and the run's verdict, as
 *   `erpsim run` gives it (results/res_verdict.h); then
 *   per other flow the change of its p99 latency and of its rejected
 *   records against the declared pattern; then the card's qualitative
 *   rows (coupling, complexity, error handling, infrastructure, cost,
 *   reliability), which are not simulated.
 *
 * Output: the table on stdout (--format csv: one row per criterion and
 * pattern; json); with --out DIR, DIR/compare.csv and the comparison chart
 * DIR/charts/compare.png|svg (plots/plt_compare.h).
 *
 * Exit codes: 0 ok (also when some pattern could not be simulated: its
 * column says why), 2 bad input or usage or no pattern could be simulated,
 * 3 internal error, 4 results written but the chart not drawn.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "mdl_world.h"
#include "out_dir.h"
#include "out_text.h"
#include "plt_buf.h"
#include "plt_compare.h"
#include "plt_file.h"
#include "plt_gnuplot.h"
#include "progress.h"
#include "res_fmt.h"
#include "res_results.h"
#include "res_verdict.h"
#include "sim_alloc.h"
#include "sim_experiment.h"
#include "sim_text.h"

static const char compare_usage[] =
    "usage: erpsim compare [SCENARIO] --flow ID [--patterns P1,P2,...] [options]\n"
    "\n"
    "Simulates flow ID of SCENARIO (without it: the compiled-in default) under each\n"
    "pattern, everything else unchanged and with the same seed (common random\n"
    "numbers), and compares them side by side on the integration patterns card's\n"
    "criteria: latency, freshness, throughput, calls and quota used, records lost,\n"
    "duplicates, rejections by the cascade, and the effect on the other flows.\n"
    "\n"
    "options:\n"
    "  --flow ID           the flow to compare (required)\n"
    "  --patterns LIST     realtime, event, batch, file (comma list). Default: the\n"
    "                      declared pattern, realtime, event and batch, and file\n"
    "                      when the target imports files\n"
    "  --load, --days, --seed, --reps, --threads, --set PATH=VALUE, --no-faults\n"
    "                      as for run\n"
    "  --out DIR           write DIR/compare.csv and the chart DIR/charts/compare.png|svg\n"
    "  --format F          stdout: text (the table, default), csv or json\n"
    "  --no-charts         with --out: write the chart data but do not run gnuplot\n"
    "  --quiet             print nothing but errors\n"
    "  --no-memory-check   run even when estimated not to fit in memory\n"
    "  --journal DIR       keep each finished replication in DIR; the same command\n"
    "                      again resumes from it (docs/scale-out.md)\n"
    "  --help              print this help\n"
    "\n"
    "exit codes: 0 ok (a pattern that cannot be simulated says why in its column),\n"
    "            2 bad input or usage, 3 internal error, 4 results written but the\n"
    "            chart not drawn (gnuplot missing or failing), 5 a file could not be\n"
    "            written (disk full, I/O error)\n";

#define NPAT 4 /* realtime, event, batch, file: mdl_spec_pattern order */

/* One pattern's column. */
typedef struct variant {
    mdl_spec_pattern pattern;
    int declared;
    mdl_scenario sc;
    int loaded;
    sim_summary *sum;
    res_results *res;
    res_verdict v;
    char why[512];   /* why it could not be simulated; "" when it ran */
    char notes[512]; /* the faults left out because they do not apply to the pattern */
} variant;

typedef struct compare {
    cli_opts o;
    const char *flow;
    const char *patterns;
    variant var[NPAT];
    int nvar;
    int base;                     /* the declared pattern's column, or -1 when it did not run */
    int flow_index;               /* in the scenarios */
    const mdl_scenario *declared; /* the scenario as written (with the overrides) */
    double days;                  /* the horizon in days */
    int reps;
    uint64_t seed;
    double elapsed;
} compare;

/* ---- options ------------------------------------------------------------------- */

/* Returns -1 to go on, or an exit code. The command's own options are
 * taken out of argv first, so that the common parser cannot mistake their
 * values for the scenario ("--flow F-001" without a scenario). */
static int parse(compare *c, int argc, char **argv)
{
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing = 0;
        if (!strcmp(a, "--")) { /* the rest is positional: the common parser's */
            while (i < argc)
                argv[kept++] = argv[i++];
            break;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(compare_usage, stdout);
            return CLI_EXIT_OK;
        }
        if ((v = cli_opt_value("--flow", argc, argv, &i, &missing)))
            c->flow = v;
        else if (!missing && (v = cli_opt_value("--patterns", argc, argv, &i, &missing)))
            c->patterns = v;
        else if (missing)
            return cli_usage_error("compare", compare_usage, a, " needs a value");
        else
            argv[kept++] = argv[i];
    }
    argc = kept;
    int code = cli_opts_parse(&c->o, "compare", &argc, argv, 0, compare_usage);
    if (code)
        return code;
    if (argc > 1)
        return cli_usage_error(
            "compare", compare_usage,
            argv[1][0] == '-' ? "unknown option " : "more than one scenario: ", argv[1]);
    if (!c->flow || !c->flow[0])
        return cli_usage_error("compare", compare_usage, "compare needs --flow ID", "");
    if (c->patterns && !c->patterns[0]) /* else no column at all, and a misleading message */
        return cli_usage_error("compare", compare_usage,
                               "--patterns takes a list such as realtime,event", "");
    return -1;
}

/* The columns: the declared pattern first, then the others asked for (or
 * the default set) in the order realtime, event, batch, file. */
static int choose_patterns(compare *c, const mdl_scenario *sc)
{
    const mdl_flow_spec *f = &sc->flows[c->flow_index];
    int want[NPAT] = {0};
    if (c->patterns) {
        const char *p = c->patterns;
        while (*p) {
            size_t n = strcspn(p, ",");
            int found = -1;
            for (int k = 0; k < NPAT; k++)
                if (strlen(mdl_spec_pattern_names[k]) == n &&
                    !strncmp(p, mdl_spec_pattern_names[k], n))
                    found = k;
            if (found < 0) {
                fprintf(stderr,
                        "erpsim compare: error: --patterns: unknown pattern '%.*s' (realtime, "
                        "event, batch or file)\n",
                        (int)n, p);
                return CLI_EXIT_USAGE;
            }
            want[found] = 1;
            p += n + (p[n] == ',');
        }
    } else {
        want[MDL_SPEC_PATTERN_REALTIME] = want[MDL_SPEC_PATTERN_EVENT] =
            want[MDL_SPEC_PATTERN_BATCH] = 1;
        if (f->target_index >= 0 && sc->systems[f->target_index].file.enabled)
            want[MDL_SPEC_PATTERN_FILE] = 1;
    }
    int declared = (int)f->pattern;
    if (want[declared] || !c->patterns) {
        c->var[c->nvar++] = (variant){.pattern = f->pattern, .declared = 1};
        want[declared] = 0;
    }
    for (int k = 0; k < NPAT; k++)
        if (want[k])
            c->var[c->nvar++] = (variant){.pattern = (mdl_spec_pattern)k};
    return 0;
}

/* ---- loading and running ------------------------------------------------------- */

/* Loads the variant: the user's overrides plus the pattern switch. A
 * scenario the loader refuses becomes the column's reason; only no memory
 * is an error (CLI_EXIT_INTERNAL). */
static int load_variant(const compare *c, variant *v)
{
    const mdl_scenario *base = c->declared;
    char set[MDL_SPEC_ID_MAX + 64];
    snprintf(set, sizeof set, "flows.%s.pattern=%s", c->flow, mdl_spec_pattern_names[v->pattern]);
    const char **sets = sim_calloc((size_t)c->o.nsets + 1 + (size_t)base->nfaults, sizeof *sets);
    char(*off)[MDL_SPEC_ID_MAX + 32] = sim_calloc((size_t)base->nfaults + 1, sizeof *off);
    if (!sets || !off) {
        sim_free(sets);
        sim_free(off);
        fprintf(stderr, "erpsim compare: error: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    for (int k = 0; k < c->o.nsets; k++)
        sets[k] = c->o.sets[k];
    int nsets = c->o.nsets;
    sets[nsets++] = set;
    /* the faults the switch makes inapplicable are left out, and said */
    size_t used = 0;
    for (int k = 0; k < base->nfaults; k++) {
        const mdl_fault_spec *x = &base->faults[k];
        if (!x->enabled || mdl_scenario_fault_applies(x, c->flow_index, v->pattern))
            continue;
        snprintf(off[k], sizeof off[k], "faults.%s.enabled=false", x->id);
        sets[nsets++] = off[k];
        int w = snprintf(v->notes + used, sizeof v->notes - used,
                         "%sfault '%s' (%s of %s) left out: it needs an event-driven flow",
                         used ? "; " : "", x->id, mdl_spec_fault_kind_names[x->kind], x->flow);
        used += w > 0 && (size_t)w < sizeof v->notes - used ? (size_t)w : 0;
    }
    scn_diag diag;
    scn_diag_init(&diag);
    scn_load_opts lo = {.sets = sets, .nsets = nsets, .no_faults = c->o.no_faults};
    int rc = c->o.scenario ? scn_load_file(c->o.scenario, &lo, &v->sc, &diag)
                           : scn_load_default(&lo, &v->sc, &diag);
    sim_free(sets);
    sim_free(off);
    int code = 0;
    if (rc == SIM_ENOMEM) {
        fprintf(stderr, "erpsim compare: error: out of memory\n");
        code = CLI_EXIT_INTERNAL;
    } else if (rc != SIM_OK) {
        const char *msg = diag.count ? diag.items[0].msg : sim_status_str(rc);
        snprintf(v->why, sizeof v->why, "the scenario does not validate with this pattern: %s",
                 msg);
    } else {
        v->loaded = 1;
    }
    scn_diag_fini(&diag);
    return code;
}

/* Runs the variant (cli_opts_run_with prints its errors; here a model that
 * refuses the pattern is the column's reason, so the error is kept). */
static int run_variant(const compare *c, variant *v, progress *bar)
{
    sim_err err;
    sim_err_clear(&err);
    int rc = cli_opts_simulate(&c->o, &v->sc, c->seed, c->reps, bar, &v->sum, &err);
    if (rc == SIM_OK) {
        v->res = res_results_create(&err);
        if (!v->res ||
            res_results_set_scenario(v->res, &v->sc, cli_opts_label(&c->o), NULL, &err) != SIM_OK ||
            res_results_add_summary(v->res, v->sum, &err) != SIM_OK ||
            res_verdict_compute(v->res, &v->v, &err) != SIM_OK) {
            out_text_line(stderr, "erpsim compare: error: %s", err.msg);
            return CLI_EXIT_INTERNAL;
        }
        return 0;
    }
    v->sum = NULL;
    int stop;
    if (rc == SIM_ECANCELED && (stop = cli_opts_interrupted(&c->o)))
        return stop;
    if (rc == SIM_EINVAL || rc == SIM_ERANGE || rc == SIM_EPARSE) {
        snprintf(v->why, sizeof v->why, "the models cannot simulate it: %s",
                 err.msg[0] ? err.msg : sim_status_str(rc));
        return 0;
    }
    out_text_line(stderr, "erpsim compare: error: %s: %s", mdl_spec_pattern_names[v->pattern],
                  err.msg[0] ? err.msg : sim_status_str(rc));
    return CLI_EXIT_INTERNAL;
}

/* ---- the rows ------------------------------------------------------------------ */

/* A measured cell: the mean and half-width of per-replication values. */
typedef struct cell {
    double mean, hw;
} cell;

static const cell NA = {NAN, NAN};

/* The per-replication sum of the scalar metrics "flow.<id>.<what[k]>" (or
 * full names when id is NULL) times scale, into v[0..reps-1]. Returns 0
 * when none of them exists. */
static int per_rep(const variant *v, int reps, const char *id, const char *const *what, int n,
                   double scale, double *out)
{
    int found = 0;
    for (int r = 0; r < reps; r++)
        out[r] = 0.0;
    for (int k = 0; k < n; k++) {
        char name[256];
        if (id)
            snprintf(name, sizeof name, "flow.%s.%s", id, what[k]);
        else
            snprintf(name, sizeof name, "%s", what[k]);
        const sim_metric *m = sim_summary_find(v->sum, name);
        if (!m || m->kind != SIM_METRIC_SCALAR || m->n != reps)
            continue;
        found = 1;
        for (int r = 0; r < reps; r++)
            out[r] += m->values[r] * scale;
    }
    return found;
}

static cell ci_of(const double *x, int n)
{
    sim_tally t;
    sim_tally_init(&t);
    for (int r = 0; r < n; r++) {
        if (!isfinite(x[r]))
            return NA;
        sim_tally_add(&t, x[r]);
    }
    return (cell){t.mean, sim_ci_half_width(&t, 0.95)};
}

/* The measured rows of the flow. */
typedef enum row_fmt { FMT_DURATION, FMT_COUNT, FMT_PERCENT, FMT_TEXT } row_fmt;

typedef struct row {
    const char *label;
    const char *unit; /* for the CSV and the chart */
    row_fmt fmt;
    const char *what[4]; /* metrics summed, "flow.<id>." prefixed unless full */
    int full;            /* what[0] is a metric of the target: system.<target>.<what> */
    int per_day;         /* divided by the horizon in days */
    double scale;
    int chart; /* shown in the comparison chart */
} row;

static const row rows[] = {
    {"latency p50", "s", FMT_DURATION, {"latency_p50"}, 0, 0, 1, 1},
    {"latency p99", "s", FMT_DURATION, {"latency_p99"}, 0, 0, 1, 1},
    {"freshness (mean latency)", "s", FMT_DURATION, {"latency_mean"}, 0, 0, 1, 1},
    {"throughput: delivered per day", "records/day", FMT_COUNT, {"delivered"}, 0, 1, 1, 1},
    {"records created per day", "records/day", FMT_COUNT, {"created"}, 0, 1, 1, 0},
    {"API calls per day", "calls/day", FMT_COUNT, {"calls"}, 0, 1, 1, 1},
    {"bulk batches per day", "batches/day", FMT_COUNT, {"batch.bulk_batches_used"}, 0, 1, 1, 0},
    {"target quota at its peak", "%", FMT_PERCENT, {"quota_peak_share"}, 1, 0, 1, 0},
    {"records lost", "records", FMT_COUNT, {"lost"}, 0, 0, 1, 1},
    {"records dead-lettered", "records", FMT_COUNT, {"dead_lettered"}, 0, 0, 1, 1},
    {"duplicates applied", "records", FMT_COUNT, {"duplicates"}, 0, 0, 1, 1},
    {"records rejected", "records", FMT_COUNT, {"rejected"}, 0, 0, 1, 1},
    {"rejected by the cascade",
     "records",
     FMT_COUNT,
     {"rejected.timeout", "rejected.unavailable", "rejected.breaker_open", "rejected.pool_full"},
     0,
     0,
     1,
     0},
    {"pending at the horizon", "records", FMT_COUNT, {"pending"}, 0, 0, 1, 0},
    {"batch window overruns", "runs", FMT_COUNT, {"batch.overruns"}, 0, 0, 1, 0},
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

static int count_what(const row *r)
{
    int n = 0;
    while (n < 4 && r->what[n])
        n++;
    return n;
}

static cell measure(const compare *c, const variant *v, const row *r, double *buf)
{
    if (!v->sum)
        return NA;
    const mdl_flow_spec *f = &v->sc.flows[c->flow_index];
    double scale = r->scale / (r->per_day ? c->days : 1.0);
    int found;
    if (r->full) {
        char name[256];
        const char *names[1] = {name};
        snprintf(name, sizeof name, "system.%s.%s", f->target, r->what[0]);
        found = per_rep(v, c->reps, NULL, names, 1, scale, buf);
    } else {
        found = per_rep(v, c->reps, f->id, r->what, count_what(r), scale, buf);
    }
    return found ? ci_of(buf, c->reps) : NA;
}

/* The change of metric "flow.<other>.<what>" under v against the declared
 * pattern, paired replication by replication. */
static cell change(const compare *c, const variant *v, const char *other, const char *what,
                   double *a, double *b)
{
    if (c->base < 0 || !v->sum)
        return NA;
    const char *w[1] = {what};
    if (!per_rep(v, c->reps, other, w, 1, 1.0, a) ||
        !per_rep(&c->var[c->base], c->reps, other, w, 1, 1.0, b))
        return NA;
    for (int r = 0; r < c->reps; r++)
        a[r] -= b[r];
    return ci_of(a, c->reps);
}

static void fmt_cell(row_fmt fmt, cell x, int sign, char *buf, size_t n)
{
    char a[40], b[40];
    if (!isfinite(x.mean)) {
        snprintf(buf, n, "n/a");
        return;
    }
    const char *plus = sign && x.mean > 0 ? "+" : "";
    if (fmt == FMT_DURATION) {
        char t[40], h[40];
        if (sign) { /* a change: both in their own unit, "-133 ms ± 220 ms" */
            res_fmt_duration(fabs(x.mean), t, sizeof t);
            res_fmt_duration(x.hw, h, sizeof h);
            if (isfinite(x.hw) && x.hw > 0)
                snprintf(buf, n, "%s%s ± %s", x.mean < 0 ? "-" : plus, t, h);
            else
                snprintf(buf, n, "%s%s", x.mean < 0 ? "-" : plus, t);
        } else {
            res_fmt_duration_ci(x.mean, x.hw, buf, n);
        }
        return;
    }
    if (fmt == FMT_PERCENT) {
        snprintf(a, sizeof a, "%s%.1f%%", plus, 100 * x.mean);
        snprintf(b, sizeof b, "%.1f", 100 * x.hw);
    } else {
        char t[32];
        res_fmt_count(fabs(x.mean), t, sizeof t);
        snprintf(a, sizeof a, "%s%s", x.mean < 0 ? "-" : plus, t);
        res_fmt_count(x.hw, b, sizeof b);
    }
    if (isfinite(x.hw) && x.hw > 0)
        snprintf(buf, n, "%s ± %s", a, b);
    else
        snprintf(buf, n, "%s", a);
}

/* The card's comparison table, shortened (not simulated). File-based
 * import shares the batch column except for its latency. */
static const struct {
    const char *label;
    const char *val[NPAT]; /* realtime, event, batch, file */
} card[] = {
    {"latency", {"50 ms-2 s", "1-60 s", "minutes to hours", "30 min-24 h"}},
    {"data freshness", {"current", "seconds behind", "minutes-hours behind", "hours behind"}},
    {"throughput", {"low (call per record)", "medium (stream)", "high (bulk)", "high (bulk)"}},
    {"coupling", {"tight: both up", "loose: broker", "loose: no runtime", "loose: no runtime"}},
    {"complexity", {"low", "high (replay, order)", "medium (scheduling)", "medium (scheduling)"}},
    {"error handling", {"immediate error", "DLQ, replay", "reconciliation", "reconciliation"}},
    {"infrastructure",
     {"API endpoint", "broker / event mesh", "scheduler, bulk API", "scheduler, file import"}},
    {"cost (relative)", {"high", "medium", "low", "low"}},
    {"reliability", {"low (cascades)", "high (replay)", "high (retry batch)", "high (retry)"}},
    {"best for",
     {"user-facing, low volume", "multi-system sync", "high-volume loads",
      "migrations, initial loads"}},
    {"worst for",
     {"high-volume loads", "point-to-point, rare", "time-sensitive", "time-sensitive"}},
};
#define NCARD ((int)(sizeof card / sizeof card[0]))

/* ---- text -------------------------------------------------------------------------- */

static int width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(plt_buf *b, const char *s, int w)
{
    plt_buf_puts(b, s);
    for (int k = width(s); k < w; k++)
        plt_buf_put(b, " ", 1);
}

#define LABEL_W 32
#define COL_W   24

static void text_row(plt_buf *b, const char *label, char cells[NPAT][96], int n)
{
    plt_buf_puts(b, "  ");
    pad(b, label, LABEL_W);
    for (int k = 0; k < n; k++) {
        plt_buf_puts(b, " ");
        if (k + 1 < n)
            pad(b, cells[k], COL_W);
        else
            plt_buf_puts(b, cells[k]);
    }
    plt_buf_puts(b, "\n");
}

static const char *verdict_text(const compare *c, const variant *v, char *buf, size_t n)
{
    if (!v->sum)
        return "n/a";
    const res_verdict_flow *vf = &v->v.flows[c->flow_index];
    if (vf->status == RES_VERDICT_NONE)
        return "no SLO";
    snprintf(buf, n, "%s", res_verdict_status_name(vf->status));
    return buf;
}

static void limits_text(const variant *v, char *buf, size_t n)
{
    if (!v->sum) {
        snprintf(buf, n, "n/a");
        return;
    }
    buf[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < v->v.nlimits; i++)
        if (v->v.limits[i].status == RES_LIMIT_EXHAUSTED && used < n) {
            int w =
                snprintf(buf + used, n - used, "%s%s %s", used ? ", " : "", v->v.limits[i].def->id,
                         mdl_limit_kind_label(v->v.limits[i].def->kind));
            used += w > 0 ? (size_t)w : 0;
        }
    if (!buf[0])
        snprintf(buf, n, "none");
}

/* The whole run's verdict under the pattern: "PASS", "FAIL (2 problems)". */
static void run_verdict_text(const variant *v, char *buf, size_t n)
{
    if (!v->sum) {
        snprintf(buf, n, "n/a");
        return;
    }
    int fails = 0;
    for (int i = 0; i < v->v.nitems; i++)
        fails += res_rule_severity(v->v.items[i].rule) == RES_FAIL;
    if (fails)
        snprintf(buf, n, "%s (%d problem%s)", res_verdict_result(&v->v), fails,
                 fails == 1 ? "" : "s");
    else
        snprintf(buf, n, "%s%s", res_verdict_result(&v->v),
                 res_verdict_level(&v->v) == 1 ? ", with warnings" : "");
}

static char *text_table(const compare *c, double *a, double *b)
{
    plt_buf t;
    plt_buf_init(&t);
    const mdl_scenario *sc = c->declared;
    const mdl_flow_spec *f = &sc->flows[c->flow_index];
    char slo[32], perday[32], name[512], source[512];
    plt_buf_printf(&t, "erpsim %s - compare patterns for flow %s of scenario %s (%s)\n",
                   ERPSIM_VERSION, c->flow, sim_text_visible(sc->name, name, sizeof name),
                   sim_text_visible(cli_opts_label(&c->o), source, sizeof source));
    plt_buf_printf(&t, "%s: %s -> %s, %s records/day at load %gx, latency SLO %s, declared %s\n",
                   f->id, f->source, f->target,
                   res_fmt_count(mdl_scenario_flow_per_day(sc, f), perday, sizeof perday), sc->load,
                   f->latency_slo > 0
                       ? res_fmt_duration(sim_time_to_seconds(f->latency_slo), slo, sizeof slo)
                       : "none",
                   mdl_spec_pattern_names[f->pattern]);
    plt_buf_printf(&t,
                   "%d replication%s per pattern over %g day%s, seed %llu for every pattern "
                   "(common random numbers); ± is the 95%% CI; ran in %.2f s\n\n",
                   c->reps, c->reps == 1 ? "" : "s", c->days, c->days == 1 ? "" : "s",
                   (unsigned long long)c->seed, c->elapsed);
    char cells[NPAT][96];
    for (int k = 0; k < c->nvar; k++) {
        const variant *v = &c->var[k];
        snprintf(cells[k], sizeof cells[k], "%s%s%s", mdl_spec_pattern_names[v->pattern],
                 v->declared ? " (declared)" : "", v->sum ? "" : " *");
    }
    text_row(&t, "", cells, c->nvar);
    plt_buf_puts(&t, "measured\n");
    for (int r = 0; r < NROWS; r++) {
        int any = 0, known = 0;
        for (int k = 0; k < c->nvar; k++) {
            cell x = measure(c, &c->var[k], &rows[r], a);
            fmt_cell(rows[r].fmt, x, 0, cells[k], sizeof cells[k]);
            any |= isfinite(x.mean) && x.mean != 0;
            known |= isfinite(x.mean);
        }
        /* rows that are 0 or absent under every pattern say nothing, except
         * the basic ones (latency, throughput, losses, rejections) */
        int basic =
            r <= 3 || !strcmp(rows[r].what[0], "lost") || !strcmp(rows[r].what[0], "rejected");
        if (!known || (!any && !basic))
            continue;
        if (r == 1 && f->latency_slo > 0) {
            char label[64];
            snprintf(label, sizeof label, "latency p99 (SLO %s)", slo);
            text_row(&t, label, cells, c->nvar);
        } else {
            text_row(&t, rows[r].label, cells, c->nvar);
        }
    }
    for (int k = 0; k < c->nvar; k++) {
        char buf[32];
        snprintf(cells[k], sizeof cells[k], "%s", verdict_text(c, &c->var[k], buf, sizeof buf));
    }
    text_row(&t, "flow verdict (SLO, delivery)", cells, c->nvar);
    for (int k = 0; k < c->nvar; k++)
        limits_text(&c->var[k], cells[k], sizeof cells[k]);
    text_row(&t, "limits that ran out", cells, c->nvar);
    for (int k = 0; k < c->nvar; k++)
        run_verdict_text(&c->var[k], cells[k], sizeof cells[k]);
    text_row(&t, "verdict (as run gives it)", cells, c->nvar);
    if (sc->nflows > 1) {
        plt_buf_printf(&t, "effect on the other flows (change against the declared pattern, "
                           "paired)\n");
        for (int g = 0; g < sc->nflows; g++) {
            if (g == c->flow_index)
                continue;
            const char *id = sc->flows[g].id;
            char label[96];
            for (int k = 0; k < c->nvar; k++)
                fmt_cell(FMT_DURATION, change(c, &c->var[k], id, "latency_p99", a, b), 1, cells[k],
                         sizeof cells[k]);
            if (c->base >= 0)
                snprintf(cells[c->base], sizeof cells[c->base], "(baseline)");
            snprintf(label, sizeof label, "%s latency p99", id);
            text_row(&t, label, cells, c->nvar);
            for (int k = 0; k < c->nvar; k++)
                fmt_cell(FMT_COUNT, change(c, &c->var[k], id, "rejected", a, b), 1, cells[k],
                         sizeof cells[k]);
            if (c->base >= 0)
                snprintf(cells[c->base], sizeof cells[c->base], "(baseline)");
            snprintf(label, sizeof label, "%s records rejected", id);
            text_row(&t, label, cells, c->nvar);
        }
    }
    plt_buf_puts(&t, "the card (not simulated)\n");
    for (int r = 0; r < NCARD; r++) {
        for (int k = 0; k < c->nvar; k++)
            snprintf(cells[k], sizeof cells[k], "%s", card[r].val[c->var[k].pattern]);
        text_row(&t, card[r].label, cells, c->nvar);
    }
    for (int k = 0; k < c->nvar; k++) {
        if (c->var[k].notes[0])
            plt_buf_printf(&t, "\nnote: %s: %s\n", mdl_spec_pattern_names[c->var[k].pattern],
                           c->var[k].notes);
        if (!c->var[k].sum)
            plt_buf_printf(&t, "\n* %s: not simulated: %s\n",
                           mdl_spec_pattern_names[c->var[k].pattern], c->var[k].why);
    }
    return plt_buf_take(&t);
}

/* ---- CSV and JSON ------------------------------------------------------------------- */

/* criterion,unit,pattern,declared,mean,half_width,note */
static char *csv_table(const compare *c, double *a, double *b)
{
    plt_buf t;
    plt_buf_init(&t);
    plt_buf_puts(&t, "flow,criterion,unit,pattern,declared,mean,half_width,note\n");
    for (int k = 0; k < c->nvar; k++) {
        const variant *v = &c->var[k];
        const char *pat = mdl_spec_pattern_names[v->pattern];
        for (int r = 0; r < NROWS; r++) {
            cell x = measure(c, v, &rows[r], a);
            if (rows[r].fmt == FMT_PERCENT)
                x.mean *= 100, x.hw *= 100;
            plt_buf_printf(&t, "%s,%s,%s,%s,%d", c->flow, rows[r].label, rows[r].unit, pat,
                           v->declared);
            plt_buf_csv_num(&t, x.mean);
            plt_buf_csv_num(&t, x.hw);
            plt_buf_puts(&t, ",");
            plt_buf_csv_field(&t, v->why);
            plt_buf_puts(&t, "\n");
        }
        const mdl_scenario *sc = v->loaded ? &v->sc : NULL;
        for (int g = 0; sc && g < sc->nflows; g++) {
            if (g == c->flow_index)
                continue;
            cell d1 = change(c, v, sc->flows[g].id, "latency_p99", a, b);
            cell d2 = change(c, v, sc->flows[g].id, "rejected", a, b);
            plt_buf_printf(&t, "%s,change of %s latency p99,s,%s,%d", c->flow, sc->flows[g].id, pat,
                           v->declared);
            plt_buf_csv_num(&t, d1.mean);
            plt_buf_csv_num(&t, d1.hw);
            plt_buf_puts(&t, ",\n");
            plt_buf_printf(&t, "%s,change of %s records rejected,records,%s,%d", c->flow,
                           sc->flows[g].id, pat, v->declared);
            plt_buf_csv_num(&t, d2.mean);
            plt_buf_csv_num(&t, d2.hw);
            plt_buf_puts(&t, ",\n");
        }
    }
    return plt_buf_take(&t);
}

static json_t *jnum(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static char *json_text(const compare *c, double *a, double *b)
{
    json_t *root = json_object(), *cols = json_array();
    if (!root || !cols) {
        json_decref(root);
        json_decref(cols);
        return NULL;
    }
    json_object_set_new(root, "erpsim", json_string(ERPSIM_VERSION));
    json_object_set_new(root, "command", json_string("compare"));
    json_object_set_new(root, "source", json_string(cli_opts_label(&c->o)));
    json_object_set_new(root, "flow", json_string(c->flow));
    json_object_set_new(root, "seed", json_integer((json_int_t)c->seed));
    json_object_set_new(root, "replications", json_integer(c->reps));
    json_object_set_new(root, "days", json_real(c->days));
    for (int k = 0; k < c->nvar; k++) {
        const variant *v = &c->var[k];
        json_t *col = json_object(), *m = json_object(), *others = json_object();
        json_object_set_new(col, "pattern", json_string(mdl_spec_pattern_names[v->pattern]));
        json_object_set_new(col, "declared", json_boolean(v->declared));
        json_object_set_new(col, "simulated", json_boolean(v->sum != NULL));
        if (!v->sum)
            json_object_set_new(col, "why_not", json_string(v->why));
        if (v->notes[0])
            json_object_set_new(col, "note", json_string(v->notes));
        for (int r = 0; r < NROWS; r++) {
            cell x = measure(c, v, &rows[r], a);
            json_object_set_new(m, rows[r].label,
                                json_pack("{s:s,s:o,s:o}", "unit",
                                          rows[r].fmt == FMT_PERCENT ? "ratio" : rows[r].unit,
                                          "mean", jnum(x.mean), "half_width", jnum(x.hw)));
        }
        json_object_set_new(col, "measured", m);
        if (v->sum) {
            char buf[32], lim[512];
            json_object_set_new(col, "slo_verdict",
                                json_string(verdict_text(c, v, buf, sizeof buf)));
            limits_text(v, lim, sizeof lim);
            json_object_set_new(col, "limits_run_out", json_string(lim));
            char banner[512];
            json_object_set_new(col, "verdict",
                                json_pack("{s:s,s:s}", "result", res_verdict_result(&v->v),
                                          "banner",
                                          res_verdict_banner(&v->v, banner, sizeof banner)));
        }
        for (int g = 0; v->loaded && g < v->sc.nflows; g++) {
            if (g == c->flow_index)
                continue;
            const char *id = v->sc.flows[g].id;
            cell d1 = change(c, v, id, "latency_p99", a, b);
            cell d2 = change(c, v, id, "rejected", a, b);
            json_object_set_new(others, id,
                                json_pack("{s:{s:o,s:o},s:{s:o,s:o}}", "latency_p99_change_s",
                                          "mean", jnum(d1.mean), "half_width", jnum(d1.hw),
                                          "rejected_change", "mean", jnum(d2.mean), "half_width",
                                          jnum(d2.hw)));
        }
        json_object_set_new(col, "other_flows", others);
        json_t *cd = json_object();
        for (int r = 0; r < NCARD; r++)
            json_object_set_new(cd, card[r].label, json_string(card[r].val[v->pattern]));
        json_object_set_new(col, "card", cd);
        json_array_append_new(cols, col);
    }
    json_object_set_new(root, "patterns", cols);
    char *dumped = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (!dumped)
        return NULL;
    char *out = sim_malloc(strlen(dumped) + 2);
    if (out)
        sprintf(out, "%s\n", dumped);
    free(dumped);
    return out;
}

/* ---- the chart ---------------------------------------------------------------- */

static int chart(const compare *c, const char *dir, double *buf)
{
    const char *labels[NPAT], *metrics[NROWS], *units[NROWS];
    char names[NROWS][96], declared[48];
    int nv = 0, nm = 0, rowof[NROWS];
    for (int k = 0; k < c->nvar; k++) {
        if (!c->var[k].sum)
            continue;
        if (c->var[k].declared) {
            snprintf(declared, sizeof declared, "%s (declared)",
                     mdl_spec_pattern_names[c->var[k].pattern]);
            labels[nv++] = declared;
        } else {
            labels[nv++] = mdl_spec_pattern_names[c->var[k].pattern];
        }
    }
    /* the chart's rows, without those that are 0 or absent everywhere */
    for (int r = 0; r < NROWS; r++) {
        int any = 0;
        for (int k = 0; rows[r].chart && k < c->nvar; k++) {
            cell x = measure(c, &c->var[k], &rows[r], buf);
            any |= isfinite(x.mean) && x.mean != 0;
        }
        if (any) {
            snprintf(names[nm], sizeof names[nm], "%s", rows[r].label);
            metrics[nm] = names[nm];
            units[nm] = rows[r].unit;
            rowof[nm++] = r;
        }
    }
    if (nm == 0)
        return 0;
    double mean[NPAT * NROWS], hw[NPAT * NROWS];
    int v = 0;
    for (int k = 0; k < c->nvar; k++) {
        if (!c->var[k].sum)
            continue;
        for (int m = 0; m < nm; m++) {
            cell x = measure(c, &c->var[k], &rows[rowof[m]], buf);
            mean[v * nm + m] = x.mean;
            hw[v * nm + m] = x.hw;
        }
        v++;
    }
    char title[160];
    snprintf(title, sizeof title, "Flow %s under each pattern (mean and 95%% CI, %d replication%s)",
             c->flow, c->reps, c->reps == 1 ? "" : "s");
    double ref[NROWS]; /* the flow's SLO on its p99 row */
    const mdl_flow_spec *f = &c->declared->flows[c->flow_index];
    for (int m = 0; m < nm; m++)
        ref[m] = !strcmp(rows[rowof[m]].what[0], "latency_p99") && f->latency_slo > 0
                     ? sim_time_to_seconds(f->latency_slo)
                     : NAN;
    plt_compare cmp = {.title = title,
                       .nvariants = nv,
                       .variants = labels,
                       .nmetrics = nm,
                       .metrics = metrics,
                       .units = units,
                       .mean = mean,
                       .half_width = hw,
                       .ref = ref,
                       .ref_label = "latency SLO"};
    return cli_opts_draw_compare(&c->o, dir, "compare", &cmp);
}

/* ---- the command --------------------------------------------------------------- */

int cmd_compare(int argc, char **argv)
{
    compare c;
    memset(&c, 0, sizeof c);
    c.base = -1;
    mdl_scenario base;
    mdl_scenario_init(&base);
    progress *bar = NULL;
    double *a = NULL, *b = NULL;
    char *csv = NULL, *text = NULL;
    plt_folder f = {0};
    int code = parse(&c, argc, argv);
    if (code >= 0)
        goto done;
    if ((code = cli_opts_load(&c.o, &base, NULL)))
        goto done;
    c.flow_index = mdl_scenario_flow_index(&base, c.flow);
    if (c.flow_index < 0) {
        plt_buf ids;
        plt_buf_init(&ids);
        for (int i = 0; i < base.nflows; i++)
            plt_buf_printf(&ids, " %s", base.flows[i].id);
        out_text_line(stderr, "erpsim compare: error: --flow %s: no such flow in %s (flows:%s)",
                      c.flow, cli_opts_label(&c.o), ids.data ? ids.data : "");
        plt_buf_fini(&ids);
        code = CLI_EXIT_USAGE;
        goto done;
    }
    if ((code = choose_patterns(&c, &base)))
        goto done;
    c.declared = &base;
    c.reps = base.replications;
    c.seed = base.seed;
    c.days = sim_time_to_seconds(base.horizon) / 86400.0;
    for (int k = 0; k < c.nvar; k++) {
        mdl_scenario_init(&c.var[k].sc);
        if ((code = load_variant(&c, &c.var[k])))
            goto done;
    }
    if (c.o.out && (code = out_dir_begin(&c.o, c.o.out, NULL, &f))) /* before the runs */
        goto done;
    bar = progress_create(c.reps * c.nvar, c.days, !c.o.quiet);
    a = sim_calloc((size_t)c.reps, sizeof *a);
    b = sim_calloc((size_t)c.reps, sizeof *b);
    if (!bar || !a || !b) {
        fprintf(stderr, "erpsim compare: error: out of memory\n");
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    if ((code = cli_opts_check_memory(&c.o, &base, c.reps)))
        goto done;
    int ran = 0;
    for (int k = 0; k < c.nvar; k++) {
        if (!c.var[k].loaded)
            continue;
        if ((code = run_variant(&c, &c.var[k], bar)))
            goto done;
        if (c.var[k].sum) {
            ran++;
            if (c.var[k].declared)
                c.base = k;
        }
    }
    c.elapsed = progress_elapsed(bar);
    progress_destroy(bar);
    bar = NULL;
    if (ran == 0) {
        for (int k = 0; k < c.nvar; k++)
            out_text_line(stderr, "erpsim compare: error: %s: %s",
                          mdl_spec_pattern_names[c.var[k].pattern], c.var[k].why);
        out_text_line(stderr, "erpsim compare: error: no pattern could be simulated for %s",
                      c.flow);
        code = CLI_EXIT_USAGE;
        goto done;
    }
    if (!(csv = csv_table(&c, a, b))) {
        fprintf(stderr, "erpsim compare: error: out of memory\n");
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    int charts = 0;
    if ((code = cli_opts_interrupted(&c.o))) /* writing starts here */
        goto done;
    if (c.o.out) {
        sim_err err;
        if (plt_file_write(f.tmp, "compare.csv", csv, strlen(csv), &err) != SIM_OK) {
            out_text_line(stderr, "erpsim compare: error: %s", err.msg);
            code = cli_opts_exit_code(err.code);
            goto done;
        }
        if ((charts = chart(&c, f.tmp, a)) != 0 && charts != CLI_EXIT_NO_CHARTS) {
            code = charts;
            goto done;
        }
        if ((code = out_dir_end(&c.o, &f, charts)) != charts) /* the folder swapped in */
            goto done;
    }
    if (!c.o.quiet) {
        if (c.o.format == CLI_FORMAT_CSV) {
            fputs(csv, stdout);
        } else {
            text = c.o.format == CLI_FORMAT_JSON ? json_text(&c, a, b) : text_table(&c, a, b);
            if (!text) {
                fprintf(stderr, "erpsim compare: error: out of memory\n");
                code = CLI_EXIT_INTERNAL;
                goto done;
            }
            fputs(text, stdout);
            if (c.o.out && c.o.format == CLI_FORMAT_TEXT)
                printf("\nResults in %s/: compare.csv%s\n", c.o.out,
                       charts == 0 && !c.o.no_charts ? " charts/compare.png charts/compare.svg"
                                                     : "");
        }
        fflush(stdout);
    }
    code = charts;
done:
    plt_folder_fini(&f); /* a folder not swapped in is removed */
    progress_destroy(bar);
    sim_free(text);
    sim_free(csv);
    sim_free(a);
    sim_free(b);
    for (int k = 0; k < c.nvar; k++) {
        res_verdict_fini(&c.var[k].v);
        res_results_destroy(c.var[k].res);
        sim_summary_destroy(c.var[k].sum);
        mdl_scenario_fini(&c.var[k].sc);
    }
    mdl_scenario_fini(&base);
    return code;
}
