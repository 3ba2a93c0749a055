/*
 * cmd_sweep.c - `erpsim sweep`: a scenario over a grid of what-ifs.
 *
 *   erpsim sweep [SCENARIO] --vary PATH=VALUES [--vary PATH=VALUES]...
 *                [--metric NAME]... [common options]
 *
 * Each --vary is one parameter and its values (plan_search.h: lists and
 * FROM..TO/STEP ranges); the points are every combination, the first
 * --vary outermost. Every point is the scenario loaded again with the
 * user's --set overrides plus one "PATH=VALUE" per parameter, so the loader
 * validates and converts the values exactly as it does --set (units,
 * ranges, references), and every point is checked before anything runs: a
 * bad value is exit 2 with no output. Every point then runs R replications
 * with the SAME base seed: the streams are named per flow and system, so
 * the points see the same arrivals and service draws (common random
 * numbers), and differences between points are the parameter's effect,
 * not noise (tests/validation/test_plan_crn.c).
 *
 * Metrics: --metric NAME (repeatable; '*' stands for one name segment, as
 * in flow.*.latency_p99), else per flow latency_p99, delivered, rejected
 * and lost, per system with a daily API limit quota_peak_share, and per
 * event channel with a delivery allocation allocation_used_peak. Each is
 * reported as mean ± 95% CI half-width over the replications.
 *
 * Output: a table on stdout (--format csv: the CSV; json: every point with
 * every chosen metric and its per-replication values); with --out DIR,
 * DIR/sweep.csv and the chart DIR/charts/sweep.png|svg (plots/plt_sweep.h;
 * its data in DIR/series/sweep.csv). A progress bar counts points x
 * replications.
 *
 * Exit codes: 0 ok, 2 bad input or a point the models refuse, 3 internal
 * error, 4 results written but the chart not drawn (gnuplot missing or
 * failing).
 */
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "out_dir.h"
#include "out_text.h"
#include "plan_search.h"
#include "plt_buf.h"
#include "plt_file.h"
#include "plt_gnuplot.h"
#include "plt_sweep.h"
#include "progress.h"
#include "res_fmt.h"
#include "res_results.h"
#include "res_verdict.h"
#include "sim_alloc.h"
#include "sim_text.h"

#define MAX_DIMS    16
#define MAX_METRICS 64
#define MAX_CHART   12 /* panels in the chart */

static const char sweep_usage[] =
    "usage: erpsim sweep [SCENARIO] --vary PATH=VALUES [--vary PATH=VALUES]...\n"
    "                    [--metric NAME]... [options]\n"
    "\n"
    "Runs SCENARIO (without it: the compiled-in default) at every combination of\n"
    "the varied values, each point with the same seed (common random numbers), and\n"
    "reports the chosen metrics with their 95% confidence intervals.\n"
    "\n"
    "options:\n"
    "  --vary PATH=VALUES  a scenario value and the values to try (repeatable; the\n"
    "                      points are every combination). VALUES is a comma list\n"
    "                      and/or ranges FROM..TO/STEP, e.g. load=1x..5x/0.5x or\n"
    "                      systems.erp.api.workers=4,8,16\n"
    "  --metric NAME       a metric to report (repeatable); '*' matches one name\n"
    "                      segment: flow.*.latency_p99. Default: per flow\n"
    "                      latency_p99, delivered, rejected, lost; per system with\n"
    "                      a daily limit quota_peak_share; per event channel\n"
    "                      allocation_used_peak\n"
    "  --load, --days, --seed, --reps, --threads, --set PATH=VALUE, --no-faults\n"
    "                      as for run\n"
    "  --out DIR           write DIR/sweep.csv and the chart DIR/charts/sweep.png|svg\n"
    "  --format F          stdout: text (the table, default), csv or json\n"
    "  --no-charts         with --out: write the chart data but do not run gnuplot\n"
    "  --quiet             print nothing but errors\n"
    "  --no-memory-check   run even when estimated not to fit in memory\n"
    "  --journal DIR       keep each finished replication in DIR; the same command\n"
    "                      again resumes from it (docs/scale-out.md)\n"
    "  --help              print this help\n"
    "\n"
    "exit codes: 0 ok, 2 bad input or usage, 3 internal error, 4 results written\n"
    "            but the chart not drawn (gnuplot missing or failing), 5 a file could\n"
    "            not be written (disk full, I/O error)\n";

/* What a point keeps of its run: the chosen metrics only. The summary
 * (histograms, series, every metric: ~0.6 MB per point on the default
 * scenario) is freed as soon as these are copied out. */
typedef struct point {
    int reps;  /* sim_summary_replications */
    int holds; /* the point's verdict (results/res_verdict.h) */
    char banner[256];
    double *mean;   /* [i]: metric i's mean, NaN when absent or not a scalar */
    double *hw;     /* [i]: its half-width */
    int *n;         /* [i]: its per-replication values (0 when absent) */
    double *values; /* [i * reps + r] */
} point;

typedef struct sweep {
    cli_opts o;
    plan_search_dim dims[MAX_DIMS];
    int ndims;
    const char *wanted[MAX_METRICS]; /* --metric arguments */
    int nwanted;
    long npoints;
    int *idx;           /* [p * ndims + k]: the value index of parameter k at point p */
    mdl_scenario *sc;   /* per point */
    point *pt;          /* per point */
    res_results *facts; /* the first point's scenario facts and limit table */
    char **names;       /* the chosen metrics (owned copies) */
    char **units;       /* their units */
    int nnames;
    double elapsed;
} sweep;

/* ---- options ------------------------------------------------------------------- */

/* Returns -1 to go on, or an exit code. The command's own options are
 * taken out of argv first, so that the common parser cannot mistake their
 * values for the scenario ("--metric NAME" before the scenario). */
static int parse(sweep *s, int argc, char **argv)
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
            fputs(sweep_usage, stdout);
            return CLI_EXIT_OK;
        }
        if ((v = cli_opt_value("--vary", argc, argv, &i, &missing))) {
            if (s->ndims == MAX_DIMS)
                return cli_usage_error("sweep", sweep_usage, "too many --vary options (at most 16)",
                                       "");
            sim_err err;
            int rc = plan_search_parse_vary(v, &s->dims[s->ndims], &err);
            if (rc == SIM_ENOMEM) {
                fprintf(stderr, "erpsim sweep: error: out of memory\n");
                return CLI_EXIT_INTERNAL;
            }
            if (rc != SIM_OK) {
                out_text_line(stderr, "erpsim sweep: error: --vary %s: %s", v, err.msg);
                return CLI_EXIT_USAGE;
            }
            for (int k = 0; k < s->ndims; k++)
                if (!strcmp(s->dims[k].path, s->dims[s->ndims].path)) {
                    out_text_line(stderr, "erpsim sweep: error: --vary %s is given twice",
                                  s->dims[k].path);
                    plan_search_dim_fini(&s->dims[s->ndims]);
                    return CLI_EXIT_USAGE;
                }
            s->ndims++;
        } else if (!missing && (v = cli_opt_value("--metric", argc, argv, &i, &missing))) {
            if (s->nwanted == MAX_METRICS)
                return cli_usage_error("sweep", sweep_usage,
                                       "too many --metric options (at most 64)", "");
            if (!v[0])
                return cli_usage_error("sweep", sweep_usage, "--metric takes a metric name", "");
            s->wanted[s->nwanted++] = v;
        } else if (missing) {
            return cli_usage_error("sweep", sweep_usage, a, " needs a value");
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    int code = cli_opts_parse(&s->o, "sweep", &argc, argv, 0, sweep_usage);
    if (code)
        return code;
    if (argc > 1)
        return cli_usage_error(
            "sweep", sweep_usage,
            argv[1][0] == '-' ? "unknown option " : "more than one scenario: ", argv[1]);
    if (s->ndims == 0)
        return cli_usage_error("sweep", sweep_usage, "sweep needs at least one --vary PATH=VALUES",
                               "");
    int n[MAX_DIMS];
    for (int k = 0; k < s->ndims; k++)
        n[k] = s->dims[k].nvalues;
    s->npoints = plan_search_points(n, s->ndims);
    if (s->npoints < 0) {
        fprintf(stderr, "erpsim sweep: error: more than %d points\n", PLAN_SEARCH_MAX_POINTS);
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* ---- loading and running ------------------------------------------------------- */

/* Loads point p: the user's overrides, then one PATH=VALUE per parameter
 * (later overrides win, so a --vary beats a --set of the same path). */
static int load_point(sweep *s, long p)
{
    int nsets = s->o.nsets + s->ndims;
    const char **sets = sim_calloc((size_t)nsets, sizeof *sets);
    char **own = sim_calloc((size_t)s->ndims + 1, sizeof *own);
    int code = 0;
    if (!sets || !own) {
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    for (int k = 0; k < s->o.nsets; k++)
        sets[k] = s->o.sets[k];
    const int *idx = &s->idx[p * s->ndims];
    for (int k = 0; k < s->ndims; k++) {
        const char *path = s->dims[k].path, *value = s->dims[k].values[idx[k]];
        if (!(own[k] = sim_malloc(strlen(path) + strlen(value) + 2))) {
            code = CLI_EXIT_INTERNAL;
            goto done;
        }
        sprintf(own[k], "%s=%s", path, value);
        sets[s->o.nsets + k] = own[k];
    }
    scn_diag diag;
    scn_diag_init(&diag);
    scn_load_opts lo = {.sets = sets, .nsets = nsets, .no_faults = s->o.no_faults};
    const char *label = cli_opts_label(&s->o);
    int rc = s->o.scenario ? scn_load_file(s->o.scenario, &lo, &s->sc[p], &diag)
                           : scn_load_default(&lo, &s->sc[p], &diag);
    if (rc != SIM_OK)
        code = cli_opts_print_diag(label, rc, &diag);
    scn_diag_fini(&diag);
done:
    if (code == CLI_EXIT_INTERNAL && (!sets || !own))
        fprintf(stderr, "erpsim sweep: error: out of memory\n");
    for (int k = 0; own && k < s->ndims; k++)
        sim_free(own[k]);
    sim_free(own);
    sim_free(sets);
    return code;
}

/* ---- metrics ------------------------------------------------------------------ */

static int chosen(const sweep *s, const char *name)
{
    for (int i = 0; i < s->nnames; i++)
        if (!strcmp(s->names[i], name))
            return 1;
    return 0;
}

/* Adds m to the chosen metrics (a copy of its name and unit: the summary
 * goes away). Returns 0, or -1 when out of memory. */
static int choose(sweep *s, const sim_metric *m)
{
    if (!m || m->kind != SIM_METRIC_SCALAR || chosen(s, m->name))
        return 0;
    char *name = sim_strdup(m->name), *unit = sim_strdup(m->unit ? m->unit : "");
    if (!name || !unit) {
        sim_free(name);
        sim_free(unit);
        return -1;
    }
    s->names[s->nnames] = name;
    s->units[s->nnames++] = unit;
    return 0;
}

/* Picks the metrics from the first point's summary. */
static int pick_metrics(sweep *s, const sim_summary *sum)
{
    int oom = 0;
    size_t total = sim_summary_count(sum);
    s->names = sim_calloc(total + 1, sizeof *s->names);
    s->units = sim_calloc(total + 1, sizeof *s->units);
    if (!s->names || !s->units) {
        fprintf(stderr, "erpsim sweep: error: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    if (s->nwanted == 0) {
        const mdl_scenario *sc = &s->sc[0];
        static const char *const per_flow[] = {"latency_p99", "delivered", "rejected", "lost"};
        char name[256];
        for (int f = 0; f < sc->nflows; f++)
            for (size_t k = 0; k < sizeof per_flow / sizeof per_flow[0]; k++) {
                snprintf(name, sizeof name, "flow.%s.%s", sc->flows[f].id, per_flow[k]);
                oom |= choose(s, sim_summary_find(sum, name));
            }
        for (int i = 0; i < s->facts->nlimits; i++) /* every limit's peak use */
            oom |= choose(s, sim_summary_find(sum, s->facts->limits[i].peak));
        if (oom) {
            fprintf(stderr, "erpsim sweep: error: out of memory\n");
            return CLI_EXIT_INTERNAL;
        }
        return 0;
    }
    for (int w = 0; w < s->nwanted; w++) {
        int found = 0;
        for (size_t i = 0; i < total; i++) {
            const sim_metric *m = sim_summary_at(sum, i);
            if (m->kind == SIM_METRIC_SCALAR && (!strcmp(s->wanted[w], m->name) ||
                                                 res_name_match(s->wanted[w], m->name, NULL, 0))) {
                oom |= choose(s, m);
                found++;
            }
        }
        if (!found) {
            out_text_line(stderr,
                          "erpsim sweep: error: --metric %s matches no metric of this scenario "
                          "(names look like flow.<id>.latency_p99 or system.<id>.quota_peak_share; "
                          "`erpsim run --format csv` lists them all)",
                          s->wanted[w]);
            return CLI_EXIT_USAGE;
        }
    }
    if (oom) {
        fprintf(stderr, "erpsim sweep: error: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    return 0;
}

/* The verdict of point p (res_verdict.h), from its whole summary. */
static int judge_point(sweep *s, long p, const sim_summary *sum)
{
    point *pt = &s->pt[p];
    sim_err err;
    sim_err_clear(&err);
    res_results *r = res_results_create(&err);
    res_verdict v = {0};
    int rc =
        r ? res_results_set_scenario(r, &s->sc[p], cli_opts_label(&s->o), NULL, &err) : SIM_ENOMEM;
    if (rc == SIM_OK)
        rc = res_results_add_summary(r, sum, &err);
    if (rc == SIM_OK)
        rc = res_verdict_compute(r, &v, &err);
    if (rc == SIM_OK) {
        pt->holds = v.holds;
        res_verdict_banner(&v, pt->banner, sizeof pt->banner);
    }
    res_verdict_fini(&v);
    res_results_destroy(r);
    if (rc != SIM_OK) {
        fprintf(stderr, "erpsim sweep: error: %s\n", err.msg[0] ? err.msg : "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    return 0;
}

/* Copies the chosen metrics of point p out of its summary (which the
 * caller then frees). Returns 0 or CLI_EXIT_INTERNAL (printed). */
static int keep_point(sweep *s, long p, const sim_summary *sum)
{
    point *pt = &s->pt[p];
    size_t nn = (size_t)s->nnames + 1;
    pt->reps = sim_summary_replications(sum);
    pt->mean = sim_calloc(nn, sizeof *pt->mean);
    pt->hw = sim_calloc(nn, sizeof *pt->hw);
    pt->n = sim_calloc(nn, sizeof *pt->n);
    pt->values = sim_calloc(nn * (size_t)(pt->reps > 0 ? pt->reps : 1), sizeof *pt->values);
    if (!pt->mean || !pt->hw || !pt->n || !pt->values) {
        fprintf(stderr, "erpsim sweep: error: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    for (int i = 0; i < s->nnames; i++) {
        const sim_metric *m = sim_summary_find(sum, s->names[i]);
        int scalar = m && m->kind == SIM_METRIC_SCALAR;
        pt->mean[i] = scalar ? m->mean : NAN;
        pt->hw[i] = scalar ? m->half_width : NAN;
        pt->n[i] = m ? (m->n < pt->reps ? m->n : pt->reps) : 0;
        for (int r = 0; r < pt->n[i]; r++)
            pt->values[(size_t)i * (size_t)pt->reps + (size_t)r] = m->values[r];
    }
    return 0;
}

static void point_fini(point *pt)
{
    sim_free(pt->mean);
    sim_free(pt->hw);
    sim_free(pt->n);
    sim_free(pt->values);
}

/* Mean and half-width of metric i at point p (NaN when absent). */
static void value_at(const sweep *s, long p, int i, double *mean, double *hw)
{
    *mean = s->pt[p].mean[i];
    *hw = s->pt[p].hw[i];
}

/* The metric name without its family ("flow.F-001.latency_p99" ->
 * "F-001.latency_p99"). */
static const char *short_name(const char *name)
{
    static const char *const families[] = {"flow.", "system.", "caller.", "channel."};
    for (size_t k = 0; k < sizeof families / sizeof families[0]; k++)
        if (!strncmp(name, families[k], strlen(families[k])))
            return name + strlen(families[k]);
    return name;
}

/* "3.2 s ± 400 ms", "92.5% ± 0.5 pts", "30,045 ± 146" */
static void fmt_ci(const char *unit, double mean, double hw, char *buf, size_t n)
{
    res_fmt_value_ci(mean, hw, unit, buf, n);
}

/* ---- output -------------------------------------------------------------------- */

/* Display width of UTF-8 text (the ± sign is two bytes, one column). */
/* Cells show --vary values as typed, control characters as escapes
 * (sim_text.h); widths count the characters shown. */
static int width(const char *s)
{
    char shown[256];
    int w = 0;
    for (const char *p = sim_text_visible(s, shown, sizeof shown); *p; p++)
        w += ((unsigned char)*p & 0xC0) != 0x80;
    return w;
}

static void pad(plt_buf *b, const char *s, int w)
{
    char shown[256];
    plt_buf_puts(b, sim_text_visible(s, shown, sizeof shown));
    for (int k = width(s); k < w; k++)
        plt_buf_put(b, " ", 1);
}

static char *text_table(const sweep *s)
{
    plt_buf b;
    plt_buf_init(&b);
    const mdl_scenario *sc = &s->sc[0];
    char name[512], source[512];
    plt_buf_printf(&b, "erpsim %s - sweep of scenario %s (%s)\n", ERPSIM_VERSION,
                   sim_text_visible(sc->name, name, sizeof name),
                   sim_text_visible(cli_opts_label(&s->o), source, sizeof source));
    plt_buf_printf(&b, "%ld point%s (", s->npoints, s->npoints == 1 ? "" : "s");
    for (int k = 0; k < s->ndims; k++)
        plt_buf_printf(&b, "%s%s: %d value%s", k ? " x " : "", s->dims[k].path, s->dims[k].nvalues,
                       s->dims[k].nvalues == 1 ? "" : "s");
    plt_buf_printf(&b,
                   "), %d replication%s each, seed %llu at every point (common random "
                   "numbers); ± is the 95%% CI; ran in %.2f s\n",
                   sc->replications, sc->replications == 1 ? "" : "s", (unsigned long long)sc->seed,
                   s->elapsed);
    /* column widths */
    int pw[MAX_DIMS], *mw = sim_calloc((size_t)s->nnames + 1, sizeof *mw);
    char cell[128];
    if (!mw) {
        plt_buf_fini(&b);
        return NULL;
    }
    for (int k = 0; k < s->ndims; k++) {
        pw[k] = width(s->dims[k].path);
        for (int v = 0; v < s->dims[k].nvalues; v++)
            pw[k] = pw[k] > width(s->dims[k].values[v]) ? pw[k] : width(s->dims[k].values[v]);
    }
    for (int i = 0; i < s->nnames; i++) {
        mw[i] = width(short_name(s->names[i]));
        for (long p = 0; p < s->npoints; p++) {
            double mean, hw;
            value_at(s, p, i, &mean, &hw);
            fmt_ci(s->units[i], mean, hw, cell, sizeof cell);
            mw[i] = mw[i] > width(cell) ? mw[i] : width(cell);
        }
    }
    /* metrics in chunks that fit about 110 columns beside the parameters */
    int base = 0;
    for (int k = 0; k < s->ndims; k++)
        base += pw[k] + 2;
    for (int first = 0; first < s->nnames;) {
        int last = first, used = base;
        while (last < s->nnames && (last == first || used + mw[last] + 2 <= 110))
            used += mw[last++] + 2;
        plt_buf_puts(&b, "\n");
        for (int k = 0; k < s->ndims; k++) {
            pad(&b, s->dims[k].path, pw[k]);
            plt_buf_puts(&b, "  ");
        }
        for (int i = first; i < last; i++) {
            pad(&b, short_name(s->names[i]), mw[i]);
            plt_buf_puts(&b, i + 1 < last ? "  " : "");
        }
        plt_buf_puts(&b, "\n");
        for (long p = 0; p < s->npoints; p++) {
            const int *idx = &s->idx[p * s->ndims];
            for (int k = 0; k < s->ndims; k++) {
                pad(&b, s->dims[k].values[idx[k]], pw[k]);
                plt_buf_puts(&b, "  ");
            }
            for (int i = first; i < last; i++) {
                double mean, hw;
                value_at(s, p, i, &mean, &hw);
                fmt_ci(s->units[i], mean, hw, cell, sizeof cell);
                pad(&b, cell, i + 1 < last ? mw[i] : 0);
                plt_buf_puts(&b, i + 1 < last ? "  " : "");
            }
            plt_buf_puts(&b, "\n");
        }
        first = last;
    }
    plt_buf_puts(&b, "\nVerdict at each point (as `erpsim run` gives it)\n");
    for (long p = 0; p < s->npoints; p++) {
        const int *idx = &s->idx[p * s->ndims];
        plt_buf_puts(&b, "  ");
        for (int k = 0; k < s->ndims; k++) {
            pad(&b, s->dims[k].values[idx[k]], pw[k]);
            plt_buf_puts(&b, "  ");
        }
        plt_buf_printf(&b, "%s\n", s->pt[p].banner);
    }
    sim_free(mw);
    return plt_buf_take(&b);
}

/* One row per point: point, the parameters, then per metric its mean and
 * half-width, and the replications. */
static char *csv_table(const sweep *s)
{
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_puts(&b, "point");
    for (int k = 0; k < s->ndims; k++) {
        plt_buf_puts(&b, ",");
        plt_buf_csv_field(&b, s->dims[k].path);
    }
    for (int i = 0; i < s->nnames; i++)
        plt_buf_printf(&b, ",%s:mean,%s:half_width", s->names[i], s->names[i]);
    plt_buf_puts(&b, ",replications,verdict\n");
    for (long p = 0; p < s->npoints; p++) {
        const int *idx = &s->idx[p * s->ndims];
        plt_buf_printf(&b, "%ld", p + 1);
        for (int k = 0; k < s->ndims; k++) {
            plt_buf_puts(&b, ",");
            plt_buf_csv_field(&b, s->dims[k].values[idx[k]]);
        }
        for (int i = 0; i < s->nnames; i++) {
            double mean, hw;
            value_at(s, p, i, &mean, &hw);
            plt_buf_csv_num(&b, mean);
            plt_buf_csv_num(&b, hw);
        }
        plt_buf_printf(&b, ",%d,", s->pt[p].reps);
        plt_buf_csv_field(&b, s->pt[p].banner);
        plt_buf_puts(&b, "\n");
    }
    return plt_buf_take(&b);
}

static json_t *jnum(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static char *json_text(const sweep *s)
{
    const mdl_scenario *sc = &s->sc[0];
    json_t *root = json_object(), *vary = json_array(), *points = json_array(),
           *metrics = json_array();
    if (!root || !vary || !points || !metrics) {
        json_decref(root);
        json_decref(vary);
        json_decref(points);
        json_decref(metrics);
        return NULL;
    }
    json_object_set_new(root, "erpsim", json_string(ERPSIM_VERSION));
    json_object_set_new(root, "command", json_string("sweep"));
    json_object_set_new(root, "scenario", json_string(sc->name ? sc->name : ""));
    json_object_set_new(root, "source", json_string(cli_opts_label(&s->o)));
    json_object_set_new(root, "seed", json_integer((json_int_t)sc->seed));
    json_object_set_new(root, "replications", json_integer(sc->replications));
    json_object_set_new(root, "confidence", json_real(0.95));
    for (int k = 0; k < s->ndims; k++) {
        json_t *vals = json_array();
        for (int v = 0; v < s->dims[k].nvalues; v++)
            json_array_append_new(vals, json_string(s->dims[k].values[v]));
        json_array_append_new(vary,
                              json_pack("{s:s,s:o}", "path", s->dims[k].path, "values", vals));
    }
    for (int i = 0; i < s->nnames; i++)
        json_array_append_new(metrics,
                              json_pack("{s:s,s:s}", "name", s->names[i], "unit", s->units[i]));
    for (long p = 0; p < s->npoints; p++) {
        const int *idx = &s->idx[p * s->ndims];
        json_t *set = json_object(), *vals = json_object();
        for (int k = 0; k < s->ndims; k++)
            json_object_set_new(set, s->dims[k].path, json_string(s->dims[k].values[idx[k]]));
        for (int i = 0; i < s->nnames; i++) {
            const point *pt = &s->pt[p];
            json_t *reps = json_array();
            for (int r = 0; r < pt->n[i]; r++)
                json_array_append_new(reps,
                                      jnum(pt->values[(size_t)i * (size_t)pt->reps + (size_t)r]));
            json_object_set_new(vals, s->names[i],
                                json_pack("{s:o,s:o,s:o}", "mean", jnum(pt->mean[i]), "half_width",
                                          jnum(pt->hw[i]), "values", reps));
        }
        json_array_append_new(points,
                              json_pack("{s:o,s:o,s:{s:s,s:s}}", "vary", set, "metrics", vals,
                                        "verdict", "result", s->pt[p].holds ? "PASS" : "FAIL",
                                        "banner", s->pt[p].banner));
    }
    json_object_set_new(root, "vary", vary);
    json_object_set_new(root, "metrics", metrics);
    json_object_set_new(root, "points", points);
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

/* 1 when metric i is 0 (or absent) at every point: a flat line at zero
 * says nothing, so it is left out of the chart (not of the table). */
static int all_zero(const sweep *s, int i)
{
    for (long p = 0; p < s->npoints; p++) {
        double mean, hw;
        value_at(s, p, i, &mean, &hw);
        if (isfinite(mean) && mean != 0)
            return 0;
    }
    return 1;
}

/* Draws the chart into dir. Returns 0, CLI_EXIT_NO_CHARTS (printed why) or
 * CLI_EXIT_INTERNAL. */
static int chart(const sweep *s, const char *dir)
{
    int code = 0;
    /* the x axis: the first parameter with several values */
    int xd = 0;
    while (xd < s->ndims - 1 && s->dims[xd].nvalues < 2)
        xd++;
    const plan_search_dim *xdim = &s->dims[xd];
    int nx = xdim->nvalues, ns = (int)(s->npoints / nx);
    int metric_of[MAX_CHART], nm = 0, skipped = 0;
    for (int i = 0; i < s->nnames; i++) {
        if (all_zero(s, i))
            continue;
        if (nm == MAX_CHART) {
            skipped++;
            continue;
        }
        metric_of[nm++] = i;
    }
    if (nm == 0) {
        if (!s->o.quiet)
            fprintf(stderr, "erpsim sweep: note: every chosen metric is 0 at every point: "
                            "no chart\n");
        return 0;
    }
    if (skipped && !s->o.quiet)
        fprintf(stderr,
                "erpsim sweep: note: the chart shows the first %d metrics that are not "
                "0 everywhere (%d more in sweep.csv)\n",
                nm, skipped);
    double *x = sim_calloc((size_t)nx, sizeof *x);
    double *mean = sim_calloc((size_t)s->npoints * (size_t)nm, sizeof *mean);
    double *hw = sim_calloc((size_t)s->npoints * (size_t)nm, sizeof *hw);
    char **series = sim_calloc((size_t)ns, sizeof *series);
    const char *titles[MAX_CHART], *units[MAX_CHART];
    if (!x || !mean || !hw || !series) {
        fprintf(stderr, "erpsim sweep: error: out of memory\n");
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    int numeric = 1;
    for (int j = 0; j < nx; j++)
        numeric &= plan_search_number(xdim->values[j], &x[j]) == 0;
    double refs[MAX_CHART];
    char reflabel[MAX_CHART][64];
    const char *reflabels[MAX_CHART];
    for (int c = 0; c < nm; c++) {
        titles[c] = short_name(s->names[metric_of[c]]);
        units[c] = s->units[metric_of[c]];
        refs[c] = res_results_reference(s->facts, s->names[metric_of[c]], reflabel[c],
                                        sizeof reflabel[c]);
        reflabels[c] = reflabel[c];
    }
    for (long p = 0; p < s->npoints; p++) {
        const int *idx = &s->idx[p * s->ndims];
        int k = 0; /* the series: the other parameters' indices as a mixed-radix number */
        for (int d = 0; d < s->ndims; d++)
            if (d != xd)
                k = k * s->dims[d].nvalues + idx[d];
        int j = idx[xd];
        if (!series[k]) {
            plt_buf b;
            plt_buf_init(&b);
            for (int d = 0; d < s->ndims; d++)
                if (d != xd)
                    plt_buf_printf(&b, "%s%s=%s", b.len ? ", " : "", s->dims[d].path,
                                   s->dims[d].values[idx[d]]);
            plt_buf_puts(&b, "");
            if (!(series[k] = plt_buf_take(&b))) {
                fprintf(stderr, "erpsim sweep: error: out of memory\n");
                code = CLI_EXIT_INTERNAL;
                goto done;
            }
        }
        for (int c = 0; c < nm; c++) {
            size_t at = ((size_t)k * (size_t)nx + (size_t)j) * (size_t)nm + (size_t)c;
            value_at(s, p, metric_of[c], &mean[at], &hw[at]);
        }
    }
    char title[256];
    snprintf(title, sizeof title, "%s: sweep of %s (mean and 95%% CI over %d replication%s)",
             s->sc[0].name ? s->sc[0].name : "", xdim->path, s->sc[0].replications,
             s->sc[0].replications == 1 ? "" : "s");
    plt_sweep ch = {.title = title,
                    .xlabel = xdim->path,
                    .npoints = nx,
                    .x = numeric ? x : NULL,
                    .xlabels = (const char *const *)xdim->values,
                    .nseries = ns,
                    .series = (const char *const *)series,
                    .nmetrics = nm,
                    .metrics = titles,
                    .units = units,
                    .mean = mean,
                    .half_width = hw,
                    .ref = refs,
                    .ref_label = reflabels};
    code = cli_opts_draw_sweep(&s->o, dir, "sweep", &ch);
done:
    for (int k = 0; series && k < ns; k++)
        sim_free(series[k]);
    sim_free(series);
    sim_free(x);
    sim_free(mean);
    sim_free(hw);
    return code;
}

/* ---- the command --------------------------------------------------------------- */

static int write_out(const char *dir, const char *csv)
{
    sim_err err;
    if (plt_file_write(dir, "sweep.csv", csv, strlen(csv), &err) != SIM_OK) {
        out_text_line(stderr, "erpsim sweep: error: %s", err.msg);
        return cli_opts_exit_code(err.code);
    }
    return 0;
}

int cmd_sweep(int argc, char **argv)
{
    sweep s;
    memset(&s, 0, sizeof s);
    progress *bar = NULL;
    char *csv = NULL, *text = NULL;
    plt_folder f = {0};
    int code = parse(&s, argc, argv);
    if (code >= 0)
        goto done;
    code = 0;
    s.idx = sim_calloc((size_t)s.npoints * (size_t)s.ndims, sizeof *s.idx);
    s.sc = sim_calloc((size_t)s.npoints, sizeof *s.sc);
    s.pt = sim_calloc((size_t)s.npoints, sizeof *s.pt);
    if (!s.idx || !s.sc || !s.pt) {
        fprintf(stderr, "erpsim sweep: error: out of memory\n");
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    int n[MAX_DIMS];
    for (int k = 0; k < s.ndims; k++)
        n[k] = s.dims[k].nvalues;
    for (long p = 0; p < s.npoints; p++)
        plan_search_point(n, s.ndims, p, &s.idx[p * s.ndims]);
    /* every point is validated before anything runs */
    for (long p = 0; p < s.npoints; p++) {
        mdl_scenario_init(&s.sc[p]);
        if ((code = load_point(&s, p)))
            goto done;
    }
    if (s.o.out && (code = out_dir_begin(&s.o, s.o.out, NULL, &f))) /* before the runs */
        goto done;
    long long total = 0; /* up to 100k points of 100k replications: more than an int holds */
    for (long p = 0; p < s.npoints; p++)
        total += s.sc[p].replications;
    bar = progress_create(total < INT_MAX ? (int)total : INT_MAX,
                          sim_time_to_seconds(s.sc[0].horizon) / 86400.0, !s.o.quiet);
    if (!bar) {
        fprintf(stderr, "erpsim sweep: error: out of memory\n");
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    sim_err ferr;
    sim_err_clear(&ferr);
    if (!(s.facts = res_results_create(&ferr)) ||
        res_results_set_scenario(s.facts, &s.sc[0], cli_opts_label(&s.o), NULL, &ferr) != SIM_OK) {
        fprintf(stderr, "erpsim sweep: error: out of memory\n");
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    /* the metrics are picked from the first point, so that a --metric that
     * matches nothing stops the sweep before the other points run */
    for (long p = 0; p < s.npoints; p++) {
        sim_summary *sum = NULL;
        if ((code =
                 cli_opts_run_with(&s.o, &s.sc[p], s.sc[p].seed, s.sc[p].replications, bar, &sum)))
            goto done;
        if (p == 0)
            code = pick_metrics(&s, sum);
        if (!code)
            code = keep_point(&s, p, sum);
        if (!code)
            code = judge_point(&s, p, sum);
        sim_summary_destroy(sum); /* only the chosen numbers are kept */
        if (code)
            goto done;
    }
    s.elapsed = progress_elapsed(bar);
    progress_destroy(bar);
    bar = NULL;
    if (!(csv = csv_table(&s))) {
        fprintf(stderr, "erpsim sweep: error: out of memory\n");
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    int charts = 0;
    if ((code = cli_opts_interrupted(&s.o))) /* writing starts here */
        goto done;
    if (s.o.out) {
        if ((code = write_out(f.tmp, csv)))
            goto done;
        if ((charts = chart(&s, f.tmp)) != 0 && charts != CLI_EXIT_NO_CHARTS) {
            code = charts;
            goto done;
        }
        if ((code = out_dir_end(&s.o, &f, charts)) != charts) /* the folder swapped in */
            goto done;
    }
    if (!s.o.quiet) {
        if (s.o.format == CLI_FORMAT_CSV) {
            fputs(csv, stdout);
        } else {
            text = s.o.format == CLI_FORMAT_JSON ? json_text(&s) : text_table(&s);
            if (!text) {
                fprintf(stderr, "erpsim sweep: error: out of memory\n");
                code = CLI_EXIT_INTERNAL;
                goto done;
            }
            fputs(text, stdout);
            if (s.o.out && s.o.format == CLI_FORMAT_TEXT)
                printf("\nResults in %s/: sweep.csv%s\n", s.o.out,
                       charts == 0 && !s.o.no_charts ? " charts/sweep.png charts/sweep.svg" : "");
        }
        fflush(stdout);
    }
    code = charts;
done:
    plt_folder_fini(&f); /* a folder not swapped in is removed */
    progress_destroy(bar);
    sim_free(text);
    sim_free(csv);
    for (long p = 0; s.pt && p < s.npoints; p++)
        point_fini(&s.pt[p]);
    for (long p = 0; s.sc && p < s.npoints; p++)
        mdl_scenario_fini(&s.sc[p]);
    sim_free(s.pt);
    sim_free(s.sc);
    sim_free(s.idx);
    for (int i = 0; i < s.nnames; i++) {
        sim_free(s.names[i]);
        sim_free(s.units[i]);
    }
    sim_free(s.names);
    sim_free(s.units);
    res_results_destroy(s.facts);
    for (int k = 0; k < s.ndims; k++)
        plan_search_dim_fini(&s.dims[k]);
    return code;
}
