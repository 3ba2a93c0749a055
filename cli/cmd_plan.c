/*
 * cmd_plan.c - `erpsim plan`: the capacity plan of a scenario.
 *
 *   erpsim plan [SCENARIO] [--target 3x] [--tolerance 5%] [--max-load 64x]
 *               [common options] [--fail-on-violation]
 *
 * The load multiplier L scales every flow's declared volume (the scenario's
 * `load` key; 1x = the volumes as written, whatever `load` the file sets).
 * The plan answers:
 *
 *   1. the highest L at which every SLO and every limit holds, found by
 *      the search of plan_search.h (double from 1x until it fails, then
 *      bisect to the relative tolerance), each point R replications with
 *      the scenario's seed (common random numbers: the same arrivals at
 *      every L, scaled). A point HOLDS when its verdict passes: the one
 *      holds policy of results/res_verdict.h, exactly as `erpsim run`
 *      judges that load (an SLO missed, a flow not delivering its records,
 *      a limit running out or a batch overrunning fails it; warnings such
 *      as a limit under 30% headroom do not).
 *      The answer is the bracket [lo, hi]: holds at lo, fails at hi;
 *   2. headroom per limit at 1x and at the target (default 3x, the card's
 *      "load-test at 3x expected peak") against the card's "leave at
 *      least 30% headroom";
 *   3. what breaks first at the target and when (results/res_verdict.h), and what
 *      fails first just above the threshold;
 *   4. per batch or file flow, the month its run stops fitting its window
 *      at the scenario's growth: when it overran in the run, the mean
 *      first overrun time; otherwise the model's projection
 *      (flow.<id>.batch.overrun_projection_month);
 *   5. the verdict at the target, the banner `erpsim run` prints at that
 *      load; --fail-on-violation turns FAIL into exit code 1.
 *
 * Output: the plan on stdout (--format json: everything; csv: the points
 * evaluated); with --out DIR, DIR/plan.json, DIR/plan.csv and the chart
 * DIR/charts/plan.png|svg (peak use of each limit and p99 of each flow at
 * 1x, at the threshold and at the target; plots/plt_compare.h).
 *
 * Exit codes: 0 (PASS, or FAIL without --fail-on-violation), 1 FAIL with
 * --fail-on-violation, 2 bad input or usage, 3 internal error, 4 results
 * written but the chart not drawn.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_opts.h"
#include "mdl_arrivals.h"
#include "out_dir.h"
#include "out_text.h"
#include "plan_search.h"
#include "plt_buf.h"
#include "plt_compare.h"
#include "plt_file.h"
#include "plt_gnuplot.h"
#include "res_fmt.h"
#include "res_results.h"
#include "res_verdict.h"
#include "sim_alloc.h"
#include "sim_text.h"

static const char plan_usage[] =
    "usage: erpsim plan [SCENARIO] [--target 3x] [--tolerance 5%] [--max-load 64x]\n"
    "                   [options]\n"
    "\n"
    "The capacity plan of SCENARIO (without it: the compiled-in default): the\n"
    "highest load multiplier at which every SLO and every limit holds (a search\n"
    "with replications and common random numbers; the answer is a bracket), the\n"
    "headroom of every limit at 1x and at the target against the card's 30% rule,\n"
    "what breaks first and when, the month each batch window overruns at the\n"
    "scenario's growth, and PASS/FAIL at the target. 1x is the declared volumes.\n"
    "\n"
    "options:\n"
    "  --target X          the load of the verdict (default 3x: the card's\n"
    "                      \"load-test at 3x expected peak\")\n"
    "  --tolerance T       relative width of the answer's bracket (default 5%)\n"
    "  --max-load X        the search stops doubling here (default 64x)\n"
    "  --days, --seed, --reps, --threads, --set PATH=VALUE, --no-faults  as for run\n"
    "  --out DIR           write DIR/plan.json, DIR/plan.csv and DIR/charts/plan.png|svg\n"
    "  --format F          stdout: text (default), json, or csv (the points evaluated)\n"
    "  --fail-on-violation exit 1 when the verdict at the target is FAIL\n"
    "  --no-charts         with --out: write the chart data but do not run gnuplot\n"
    "  --quiet             print nothing but errors\n"
    "  --no-memory-check   run even when estimated not to fit in memory\n"
    "  --journal DIR       keep each finished replication in DIR; the same command\n"
    "                      again resumes from it (docs/scale-out.md)\n"
    "  --help              print this help\n"
    "\n"
    "exit codes: 0 ok, 1 FAIL with --fail-on-violation, 2 bad input or usage,\n"
    "            3 internal error, 4 results written but the chart not drawn, 5 a\n"
    "            file could not be written (disk full, I/O error)\n";

#define MAX_POINTS 64

/* One load multiplier evaluated. */
typedef struct point {
    double load;
    int holds;
    int nwhy;      /* reasons it does not hold */
    char why[320]; /* the first of them */
    res_results *res;
    res_verdict v;
} point;

typedef struct plan {
    cli_opts o;
    double target, tol, max_load;
    point pts[MAX_POINTS];
    int npts; /* in evaluation order */
    int code; /* the exit code of a failed evaluation */
    plan_search_result answer;
    mdl_scenario base; /* the scenario as loaded at 1x, for names */
    double elapsed;
} plan;

/* ---- options ------------------------------------------------------------------- */

/* "3x", "3", "5%", "0.05": a number with an optional suffix. */
static int parse_number(const char *s, const char *suffix, double scale, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v))
        return -1;
    if (*end && strcmp(end, suffix) != 0)
        return -1;
    *out = *end ? v * scale : v;
    return 0;
}

/* Returns -1 to go on, or an exit code. The command's own options are
 * taken out of argv first, so that the common parser cannot mistake their
 * values for the scenario ("--target 3x" without a scenario). */
static int parse(plan *p, int argc, char **argv)
{
    p->target = 3.0;
    p->tol = 0.05;
    p->max_load = 64.0;
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
            fputs(plan_usage, stdout);
            return CLI_EXIT_OK;
        }
        if ((v = cli_opt_value("--target", argc, argv, &i, &missing))) {
            if (parse_number(v, "x", 1.0, &p->target) || !(p->target > 0) || p->target > 1000)
                return cli_usage_error("plan", plan_usage,
                                       "--target takes a load such as 3x (at most 1000x), got ", v);
        } else if (!missing && (v = cli_opt_value("--tolerance", argc, argv, &i, &missing))) {
            if (parse_number(v, "%", 0.01, &p->tol) || !(p->tol >= 0.001) || p->tol > 1)
                return cli_usage_error("plan", plan_usage,
                                       "--tolerance takes a share from 0.1% to 100%, got ", v);
        } else if (!missing && (v = cli_opt_value("--max-load", argc, argv, &i, &missing))) {
            if (parse_number(v, "x", 1.0, &p->max_load) || !(p->max_load >= 1) ||
                p->max_load > 1000)
                return cli_usage_error("plan", plan_usage,
                                       "--max-load takes a load from 1x to 1000x, got ", v);
        } else if (missing) {
            return cli_usage_error("plan", plan_usage, a, " needs a value");
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    int code = cli_opts_parse(&p->o, "plan", &argc, argv, 0, plan_usage);
    if (code)
        return code;
    if (argc > 1)
        return cli_usage_error(
            "plan", plan_usage,
            argv[1][0] == '-' ? "unknown option " : "more than one scenario: ", argv[1]);
    if (p->o.generated[0][0])
        return cli_usage_error("plan", plan_usage,
                               "plan chooses the load itself: use --target for the load of the "
                               "verdict",
                               "");
    return -1;
}

/* ---- evaluating a load ------------------------------------------------------------ */

/* The hold rule is the verdict's (results/res_verdict.h): a load holds
 * when its verdict passes; the first failure says why not. */
static void judge(point *pt)
{
    const res_item *first = res_verdict_first_failure(&pt->v);
    pt->holds = pt->v.holds;
    pt->nwhy = 0;
    for (int i = 0; i < pt->v.nitems; i++)
        pt->nwhy += res_rule_severity(pt->v.items[i].rule) == RES_FAIL;
    snprintf(pt->why, sizeof pt->why, "%s", first ? first->text : "");
}

static point *find_point(plan *p, double load)
{
    for (int i = 0; i < p->npts; i++)
        if (p->pts[i].load == load)
            return &p->pts[i];
    return NULL;
}

/* Runs the scenario at `load` (or returns the point already run). NULL
 * with p->code set on failure. */
static point *evaluate(plan *p, double load)
{
    point *pt = find_point(p, load);
    if (pt)
        return pt;
    if (p->npts == MAX_POINTS) {
        fprintf(stderr, "erpsim plan: error: more than %d loads evaluated\n", MAX_POINTS);
        p->code = CLI_EXIT_INTERNAL;
        return NULL;
    }
    pt = &p->pts[p->npts];
    memset(pt, 0, sizeof *pt);
    pt->load = load;
    char set[64];
    snprintf(set, sizeof set, "load=%.9gx", load);
    cli_opts o = p->o; /* the user's overrides plus this load */
    if (o.nsets == CLI_MAX_SETS) {
        fprintf(stderr, "erpsim plan: error: too many --set options\n");
        p->code = CLI_EXIT_USAGE;
        return NULL;
    }
    o.sets[o.nsets++] = set;
    mdl_scenario sc;
    mdl_scenario_init(&sc);
    sim_summary *sum = NULL;
    sim_err err;
    sim_err_clear(&err);
    if ((p->code = cli_opts_load(&o, &sc, NULL)) ||
        (p->code = cli_opts_run_with(&o, &sc, sc.seed, sc.replications, NULL, &sum))) {
        mdl_scenario_fini(&sc);
        return NULL;
    }
    int rc = SIM_ENOMEM;
    if ((pt->res = res_results_create(&err)))
        rc = res_results_set_scenario(pt->res, &sc, cli_opts_label(&p->o), NULL, &err);
    if (rc == SIM_OK)
        rc = res_results_add_summary(pt->res, sum, &err);
    if (rc == SIM_OK)
        rc = res_verdict_compute(pt->res, &pt->v, &err);
    sim_summary_destroy(sum);
    mdl_scenario_fini(&sc);
    if (rc != SIM_OK) {
        out_text_line(stderr, "erpsim plan: error: %s", err.msg[0] ? err.msg : sim_status_str(rc));
        res_results_destroy(pt->res);
        res_verdict_fini(&pt->v);
        p->code = CLI_EXIT_INTERNAL;
        return NULL;
    }
    judge(pt);
    p->npts++;
    return pt;
}

static int holds_at(void *ctx, double load)
{
    point *pt = evaluate(ctx, load);
    return pt ? pt->holds : SIM_EINTERNAL;
}

/* ---- reading the points --------------------------------------------------------- */

/* 1 when flow id ran batch runs at point pt (its verdict projects them). */
static int has_batch_runs(const point *pt, const char *id)
{
    for (int i = 0; i < pt->v.nprojections; i++)
        if (!strcmp(pt->v.projections[i].flow->id, id))
            return 1;
    return 0;
}

/* When the batch window of flow id stops fitting, at point pt, from its
 * verdict: the overrun when a run overran (its first time), else the
 * projection with its evidence (results/res_projection.h); the month in
 * *month (NaN when there is none to state). */
static void batch_month(const point *pt, const char *id, char *buf, size_t n, double *month)
{
    char day[32], text[400];
    *month = NAN;
    for (int i = 0; i < pt->v.nitems; i++) {
        const res_item *it = &pt->v.items[i];
        if (it->rule != RES_RULE_BATCH_OVERRUN || strcmp(it->subject, id) != 0)
            continue;
        *month = it->at_s / sim_time_to_seconds(MDL_MONTH);
        snprintf(buf, n, "overruns already, first in month %.1f (%s)", *month,
                 res_fmt_clock(it->at_s, day, sizeof day));
        return;
    }
    for (int i = 0; i < pt->v.nprojections; i++) {
        const res_projection *p = &pt->v.projections[i];
        if (strcmp(p->flow->id, id) != 0)
            continue;
        if (p->state == RES_PROJ_FINDING)
            *month = p->median;
        res_projection_text(p, pt->res->horizon_s, text, sizeof text);
        /* without the flow's id: the table names it */
        size_t skip = strlen(id) + 2;
        snprintf(buf, n, "%s", strlen(text) > skip ? text + skip : text);
        return;
    }
    snprintf(buf, n, "no batch runs");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- text ---------------------------------------------------------------------- */

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

static void fmt_load(double x, char *buf, size_t n)
{
    snprintf(buf, n, "%.4gx", x);
}

static void limit_cell(const res_limit *l, char *buf, size_t n)
{
    char hr[16];
    if (!l) {
        snprintf(buf, n, "n/a");
        return;
    }
    if (l->status == RES_LIMIT_EXHAUSTED)
        snprintf(buf, n, "ran out (%d/%d)", l->runs_out, l->reps);
    else
        snprintf(buf, n, "%s left, %s", res_fmt_percent(l->headroom, hr, sizeof hr),
                 res_limit_status_name(l->status));
}

static void flow_cell(const res_verdict_flow *f, char *buf, size_t n)
{
    char d[48];
    if (!f || !isfinite(f->p99)) {
        snprintf(buf, n, "n/a");
        return;
    }
    res_fmt_duration_ci(f->p99, f->p99_hw, d, sizeof d);
    snprintf(buf, n, "%s %s", d, res_verdict_status_name(f->latency));
}

/* 0 when the target's outcome contradicts the bracket (it holds above a
 * load that fails, or fails below one that holds): the search assumed a
 * monotone hold rule, and the reader must be told it is not. */
static int consistent(const plan *p, const point *tgt)
{
    const plan_search_result *a = &p->answer;
    if (tgt->holds)
        return !(isfinite(a->hi) && tgt->load > a->hi);
    return !(a->lo > 0 && tgt->load < a->lo);
}

static char *text_plan(const plan *p, const point *one, const point *tgt, const point *lo)
{
    plt_buf b;
    plt_buf_init(&b);
    const mdl_scenario *sc = &p->base;
    char l1[32], l2[32], lt[32], cell[128], sname[512], source[512];
    fmt_load(p->target, lt, sizeof lt);
    plt_buf_printf(&b, "erpsim %s - capacity plan of scenario %s (%s)\n", ERPSIM_VERSION,
                   sim_text_visible(sc->name, sname, sizeof sname),
                   sim_text_visible(cli_opts_label(&p->o), source, sizeof source));
    plt_buf_printf(
        &b,
        "1x = the declared volumes; target %s; %d replication%s per load, seed %llu "
        "at every load (common random numbers); ± is the 95%% CI; %d loads run in %.2f s\n",
        lt, sc->replications, sc->replications == 1 ? "" : "s", (unsigned long long)sc->seed,
        p->npts, p->elapsed);

    /* 1. the answer */
    const plan_search_result *a = &p->answer;
    plt_buf_puts(&b, "\nHighest load that holds: ");
    if (a->outcome == PLAN_SEARCH_ABOVE_MAX) {
        fmt_load(a->lo, l1, sizeof l1);
        plt_buf_printf(&b, "at least %s (it holds at the search limit %s; see --max-load)\n", l1,
                       l1);
    } else if (a->outcome == PLAN_SEARCH_BELOW_MIN) {
        fmt_load(a->hi, l2, sizeof l2);
        plt_buf_printf(&b, "below %s (it fails even there)\n", l2);
    } else {
        fmt_load(a->lo, l1, sizeof l1);
        fmt_load(a->hi, l2, sizeof l2);
        plt_buf_printf(&b, "%s  (holds at %s, fails at %s: the threshold lies between)\n", l1, l1,
                       l2);
    }
    plt_buf_printf(&b, "  The verdict at each load (as `erpsim run` gives it): %s.\n  Search:",
                   res_verdict_rules_text());
    for (int i = 0; i < p->npts; i++) {
        fmt_load(p->pts[i].load, l1, sizeof l1);
        plt_buf_printf(&b, "%s %s %s", i ? "," : "", l1, p->pts[i].holds ? "holds" : "fails");
    }
    plt_buf_puts(&b, "\n");
    const point *hi = isfinite(a->hi) ? find_point((plan *)p, a->hi) : NULL;
    if (hi && !hi->holds) {
        fmt_load(hi->load, l2, sizeof l2);
        plt_buf_printf(&b, "  First to fail, at %s: %s", l2, hi->why);
        if (hi->nwhy > 1)
            plt_buf_printf(&b, " (and %d more)", hi->nwhy - 1);
        plt_buf_puts(&b, "\n");
    }

    if (!consistent(p, tgt)) {
        char x[32], y[32];
        fmt_load(tgt->load, x, sizeof x);
        fmt_load(tgt->holds ? a->hi : a->lo, y, sizeof y);
        plt_buf_printf(&b,
                       "  Note: %s %s although %s %s: the hold rule is not monotone in the load "
                       "here (often a flow with few records at a low load, whose p99 CI is too "
                       "wide to call); more replications or days narrow it\n",
                       x, tgt->holds ? "holds" : "fails", y, tgt->holds ? "fails" : "holds");
    }

    /* 2. headroom */
    fmt_load(one->load, l1, sizeof l1);
    if (one->v.nlimits > 0) {
        plt_buf_printf(&b, "\nHeadroom per limit at its peak (the card: leave at least 30%%)\n");
        int w = 5;
        char name[256];
        for (int i = 0; i < one->v.nlimits; i++) {
            const res_limit *l = &one->v.limits[i];
            snprintf(name, sizeof name, "%s: %s (%s)", l->def->id, l->def->what,
                     res_fmt_count(l->def->limit, cell, sizeof cell));
            w = w > width(name) ? w : width(name);
        }
        plt_buf_puts(&b, "  ");
        pad(&b, "limit", w);
        plt_buf_printf(&b, "  %-22s  %s\n", l1, lt);
        for (int i = 0; i < one->v.nlimits; i++) {
            const res_limit *l = &one->v.limits[i];
            const res_limit *t = i < tgt->v.nlimits ? &tgt->v.limits[i] : NULL;
            snprintf(name, sizeof name, "%s: %s (%s)", l->def->id, l->def->what,
                     res_fmt_count(l->def->limit, cell, sizeof cell));
            plt_buf_puts(&b, "  ");
            pad(&b, name, w);
            limit_cell(l, cell, sizeof cell);
            plt_buf_puts(&b, "  ");
            pad(&b, cell, 22);
            limit_cell(t, cell, sizeof cell);
            plt_buf_printf(&b, "  %s\n", cell);
        }
    }

    /* SLOs */
    int nslo = 0;
    for (int i = 0; i < one->v.nflows; i++)
        nslo += one->v.flows[i].slo_s > 0;
    if (nslo > 0) {
        plt_buf_puts(&b, "\nLatency SLOs (p99)\n  flow      SLO       ");
        pad(&b, l1, 26);
        plt_buf_printf(&b, "%s\n", lt);
        for (int i = 0; i < one->v.nflows; i++) {
            const res_verdict_flow *f = &one->v.flows[i];
            if (!(f->slo_s > 0))
                continue;
            plt_buf_puts(&b, "  ");
            pad(&b, f->id, 8);
            plt_buf_puts(&b, "  ");
            if (f->flow && f->flow->slo_nightly)
                snprintf(cell, sizeof cell, "nightly");
            else
                res_fmt_duration(f->slo_s, cell, sizeof cell);
            pad(&b, cell, 8);
            plt_buf_puts(&b, "  ");
            flow_cell(f, cell, sizeof cell);
            pad(&b, cell, 26);
            flow_cell(i < tgt->v.nflows ? &tgt->v.flows[i] : NULL, cell, sizeof cell);
            plt_buf_printf(&b, "%s\n", cell);
        }
    }

    /* 3. what breaks first at the target */
    plt_buf_printf(&b, "\nWhat breaks first at %s\n", lt);
    if (tgt->v.nitems == 0)
        plt_buf_printf(&b, "  nothing: %s\n", res_verdict_nothing_breaks(cell, sizeof cell));
    for (int i = 0; i < tgt->v.nitems && i < 8; i++) {
        const res_item *x = &tgt->v.items[i];
        char when[32] = "";
        if (isfinite(x->at_s))
            res_fmt_clock(x->at_s, when, sizeof when);
        plt_buf_printf(&b, "  %d. %-12s %s\n", i + 1, when, x->text);
    }
    if (tgt->v.nitems > 8)
        plt_buf_printf(&b, "  (%d more)\n", tgt->v.nitems - 8);

    /* 4. batch windows */
    int nbatch = 0;
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (!has_batch_runs(one, f->id))
            continue;
        if (nbatch++ == 0)
            plt_buf_puts(&b, "\nBatch windows (months from the start, at the scenario's growth)\n");
        char g[16], text[400];
        double m;
        plt_buf_printf(&b, "  %s (growth %s per month)\n", f->id,
                       res_fmt_percent(f->arrival.growth, g, sizeof g));
        const point *at[3] = {one, lo, tgt}; /* in order of load, without repeats */
        for (int x = 0; x < 3; x++)
            for (int y = x + 1; y < 3; y++)
                if (at[y] && (!at[x] || at[y]->load < at[x]->load)) {
                    const point *t = at[x];
                    at[x] = at[y];
                    at[y] = t;
                }
        for (int k = 0; k < 3; k++) {
            if (!at[k] || (k > 0 && at[k] == at[k - 1]))
                continue;
            batch_month(at[k], f->id, text, sizeof text, &m);
            fmt_load(at[k]->load, l2, sizeof l2);
            plt_buf_printf(&b, "    at %-8s %s\n", l2, text);
        }
    }

    /* 5. the verdict */
    char banner[512];
    plt_buf_printf(&b, "\nVerdict at %s: %s\n", lt,
                   res_verdict_banner(&tgt->v, banner, sizeof banner));
    if (!tgt->holds) {
        plt_buf_printf(&b, "  %s", tgt->why);
        if (tgt->nwhy > 1)
            plt_buf_printf(&b, " (and %d more: see above)", tgt->nwhy - 1);
        plt_buf_puts(&b, "\n");
    }
    return plt_buf_take(&b);
}

/* ---- CSV and JSON ------------------------------------------------------------------- */

/* The points in evaluation order: load,holds,problems,first_problem */
static char *csv_points(const plan *p)
{
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_puts(&b, "order,load,holds,problems,first_problem\n");
    for (int i = 0; i < p->npts; i++) {
        plt_buf_printf(&b, "%d,%.9g,%d,%d,", i + 1, p->pts[i].load, p->pts[i].holds,
                       p->pts[i].nwhy);
        plt_buf_csv_field(&b, p->pts[i].why);
        plt_buf_puts(&b, "\n");
    }
    return plt_buf_take(&b);
}

static json_t *jnum(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *json_limit(const res_limit *l)
{
    if (!l)
        return json_null();
    return json_pack("{s:o,s:o,s:o,s:i,s:i,s:o,s:s}", "peak", jnum(l->peak), "peak_half_width",
                     jnum(l->peak_hw), "headroom", jnum(l->headroom), "runs_out", l->runs_out,
                     "replications", l->reps, "out_at_s", jnum(l->out_at_s), "status",
                     res_limit_status_name(l->status));
}

static json_t *json_flow(const res_verdict_flow *f)
{
    if (!f)
        return json_null();
    return json_pack("{s:o,s:o,s:s}", "p99_s", jnum(f->p99), "p99_half_width_s", jnum(f->p99_hw),
                     "status", res_verdict_status_name(f->status));
}

/* The projection of flow id at point pt with its evidence, or null. */
static json_t *json_projection(const point *pt, const char *id)
{
    for (int i = 0; i < pt->v.nprojections; i++) {
        const res_projection *p = &pt->v.projections[i];
        if (strcmp(p->flow->id, id) != 0)
            continue;
        return json_pack("{s:s,s:i,s:i,s:o,s:o,s:o,s:o,s:o}", "state",
                         res_projection_state_name(p->state), "replications", p->reps,
                         "with_projection", p->with, "median_month", jnum(p->median), "min_month",
                         jnum(p->lo), "max_month", jnum(p->hi), "runs_fitted", jnum(p->runs),
                         "days_needed", jnum(p->days_needed));
    }
    return json_null();
}

static char *json_plan(const plan *p, const point *one, const point *tgt, const point *lo)
{
    const mdl_scenario *sc = &p->base;
    const plan_search_result *a = &p->answer;
    static const char *const outcomes[] = {"found", "below_min", "above_max"};
    json_t *root = json_object(), *pts = json_array(), *limits = json_array(),
           *flows = json_array(), *breaks = json_array(), *batches = json_array();
    if (!root || !pts || !limits || !flows || !breaks || !batches) {
        json_decref(root);
        json_decref(pts);
        json_decref(limits);
        json_decref(flows);
        json_decref(breaks);
        json_decref(batches);
        return NULL;
    }
    json_object_set_new(root, "erpsim", json_string(ERPSIM_VERSION));
    json_object_set_new(root, "command", json_string("plan"));
    json_object_set_new(root, "scenario", json_string(sc->name ? sc->name : ""));
    json_object_set_new(root, "source", json_string(cli_opts_label(&p->o)));
    json_object_set_new(root, "seed", json_integer((json_int_t)sc->seed));
    json_object_set_new(root, "replications", json_integer(sc->replications));
    json_object_set_new(root, "target", json_real(p->target));
    json_object_set_new(root, "tolerance", json_real(p->tol));
    json_object_set_new(root, "hold_rule", json_string(res_verdict_rules_text()));
    json_object_set_new(root, "highest_load",
                        json_pack("{s:s,s:o,s:o,s:b}", "outcome", outcomes[a->outcome], "holds_at",
                                  a->lo > 0 ? json_real(a->lo) : json_null(), "fails_at",
                                  jnum(a->hi), "consistent_with_target", consistent(p, tgt)));
    for (int i = 0; i < p->npts; i++)
        json_array_append_new(pts, json_pack("{s:f,s:b,s:i,s:s}", "load", p->pts[i].load, "holds",
                                             p->pts[i].holds, "problems", p->pts[i].nwhy,
                                             "first_problem", p->pts[i].why));
    json_object_set_new(root, "points", pts);
    for (int i = 0; i < one->v.nlimits; i++) {
        const res_limit *l = &one->v.limits[i];
        json_array_append_new(
            limits, json_pack("{s:s,s:s,s:f,s:o,s:o}", "id", l->def->id, "what", l->def->what,
                              "limit", l->def->limit, "at_1x", json_limit(l), "at_target",
                              json_limit(i < tgt->v.nlimits ? &tgt->v.limits[i] : NULL)));
    }
    json_object_set_new(root, "limits", limits);
    for (int i = 0; i < one->v.nflows; i++) {
        const res_verdict_flow *f = &one->v.flows[i];
        json_array_append_new(flows,
                              json_pack("{s:s,s:o,s:o,s:o}", "id", f->id, "slo_s",
                                        f->slo_s > 0 ? json_real(f->slo_s) : json_null(), "at_1x",
                                        json_flow(f), "at_target",
                                        json_flow(i < tgt->v.nflows ? &tgt->v.flows[i] : NULL)));
    }
    json_object_set_new(root, "flows", flows);
    for (int i = 0; i < tgt->v.nitems; i++)
        json_array_append_new(
            breaks, json_pack("{s:s,s:o,s:s}", "rule", res_rule_name(tgt->v.items[i].rule), "at_s",
                              jnum(tgt->v.items[i].at_s), "text", tgt->v.items[i].text));
    json_object_set_new(root, "breaks_at_target", breaks);
    for (int i = 0; i < sc->nflows; i++) {
        const char *id = sc->flows[i].id;
        if (!has_batch_runs(one, id))
            continue;
        char t1[400], t2[400], t3[400];
        double m1, m2, m3 = NAN;
        batch_month(one, id, t1, sizeof t1, &m1);
        batch_month(tgt, id, t2, sizeof t2, &m2);
        if (lo)
            batch_month(lo, id, t3, sizeof t3, &m3);
        json_array_append_new(
            batches, json_pack("{s:s,s:f,s:o,s:o,s:o,s:o,s:o}", "flow", id, "growth_per_month",
                               sc->flows[i].arrival.growth, "overrun_month_at_1x", jnum(m1),
                               "overrun_month_at_threshold", jnum(m3), "overrun_month_at_target",
                               jnum(m2), "projection_at_1x", json_projection(one, id),
                               "projection_at_target", json_projection(tgt, id)));
    }
    json_object_set_new(root, "batch_windows", batches);
    char banner[512];
    json_object_set_new(root, "verdict",
                        json_pack("{s:s,s:s,s:f,s:s}", "result", res_verdict_result(&tgt->v),
                                  "banner", res_verdict_banner(&tgt->v, banner, sizeof banner),
                                  "at", p->target, "first_problem", tgt->why));
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

/* ---- the chart ------------------------------------------------------------------- */

/* Peak use of each limit (% of the limit) and p99 of each flow with an
 * SLO, at 1x, at the threshold and at the target. */
static int chart(const plan *p, const char *dir, const point *one, const point *lo,
                 const point *tgt)
{
    const point *at[3];
    char labels[3][48];
    const char *vl[3];
    int nv = 0;
    const point *cand[3] = {one, tgt, lo};
    const char *what[3] = {"", " (target)", " (highest that holds)"};
    if (lo && lo->load < tgt->load) { /* in order of load */
        cand[1] = lo, cand[2] = tgt;
        what[1] = " (highest that holds)", what[2] = " (target)";
    }
    for (int k = 0; k < 3; k++) {
        int dup = 0;
        for (int j = 0; j < nv; j++)
            dup |= cand[k] == at[j];
        if (!cand[k] || dup)
            continue;
        char l[32];
        fmt_load(cand[k]->load, l, sizeof l);
        snprintf(labels[nv], sizeof labels[nv], "%s%s", l, what[k]);
        vl[nv] = labels[nv];
        at[nv++] = cand[k];
    }
    int nm = one->v.nlimits;
    for (int i = 0; i < one->v.nflows; i++)
        nm += one->v.flows[i].slo_s > 0;
    if (nm == 0)
        return 0;
    char(*names)[96] = sim_calloc((size_t)nm, sizeof *names);
    const char **metrics = sim_calloc((size_t)nm, sizeof *metrics);
    const char **units = sim_calloc((size_t)nm, sizeof *units);
    double *mean = sim_calloc((size_t)nm * 3, sizeof *mean);
    double *hw = sim_calloc((size_t)nm * 3, sizeof *hw);
    int code = 0;
    if (!names || !metrics || !units || !mean || !hw) {
        fprintf(stderr, "erpsim plan: error: out of memory\n");
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    int m = 0;
    for (int i = 0; i < one->v.nlimits; i++, m++) {
        snprintf(names[m], sizeof names[m], "%s %s", one->v.limits[i].def->id,
                 mdl_limit_kind_label(one->v.limits[i].def->kind));
        metrics[m] = names[m];
        units[m] = "% of the limit at its peak";
        for (int k = 0; k < nv; k++) {
            const res_limit *l = i < at[k]->v.nlimits ? &at[k]->v.limits[i] : NULL;
            mean[k * nm + m] = l && l->def->limit > 0 ? 100 * l->peak / l->def->limit : NAN;
            hw[k * nm + m] = l && l->def->limit > 0 ? 100 * l->peak_hw / l->def->limit : NAN;
        }
    }
    for (int i = 0; i < one->v.nflows; i++) {
        if (!(one->v.flows[i].slo_s > 0))
            continue;
        snprintf(names[m], sizeof names[m], "%s p99 / SLO", one->v.flows[i].id);
        metrics[m] = names[m];
        units[m] = "% of the latency SLO";
        for (int k = 0; k < nv; k++) {
            const res_verdict_flow *f = i < at[k]->v.nflows ? &at[k]->v.flows[i] : NULL;
            mean[k * nm + m] = f ? 100 * f->p99 / f->slo_s : NAN;
            hw[k * nm + m] = f ? 100 * f->p99_hw / f->slo_s : NAN;
        }
        m++;
    }
    char title[200];
    snprintf(title, sizeof title, "%s: limits and SLOs as the load grows",
             p->base.name ? p->base.name : "");
    static const plt_compare_line lines[] = {
        {"% of the limit at its peak", 100, "the limit", 0},
        {"% of the limit at its peak", 100 * (1 - MDL_HEADROOM), "30% headroom", 1},
        {"% of the latency SLO", 100, "the SLO", 0},
    };
    plt_compare cmp = {.title = title,
                       .nvariants = nv,
                       .variants = vl,
                       .nmetrics = nm,
                       .metrics = metrics,
                       .units = units,
                       .mean = mean,
                       .half_width = hw,
                       .lines = lines,
                       .nlines = 3};
    code = cli_opts_draw_compare(&p->o, dir, "plan", &cmp);
done:
    sim_free(names);
    sim_free(metrics);
    sim_free(units);
    sim_free(mean);
    sim_free(hw);
    return code;
}

/* ---- the command --------------------------------------------------------------- */

static int write_file(const char *dir, const char *name, const char *text)
{
    sim_err err;
    if (plt_file_write(dir, name, text, strlen(text), &err) != SIM_OK) {
        out_text_line(stderr, "erpsim plan: error: %s", err.msg);
        return cli_opts_exit_code(err.code);
    }
    return 0;
}

int cmd_plan(int argc, char **argv)
{
    plan *p = sim_calloc(1, sizeof *p);
    if (!p) {
        fprintf(stderr, "erpsim plan: error: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    mdl_scenario_init(&p->base);
    char *json = NULL, *csv = NULL, *text = NULL;
    plt_folder f = {0};
    int code = parse(p, argc, argv);
    if (code >= 0)
        goto done;
    /* the scenario as declared: validated once up front (bad input is exit
     * 2 before anything runs); every load is loaded again from it */
    cli_opts o1 = p->o;
    if (o1.nsets == CLI_MAX_SETS) {
        code = cli_usage_error("plan", plan_usage, "too many --set options", "");
        goto done;
    }
    o1.sets[o1.nsets++] = "load=1x";
    if ((code = cli_opts_load(&o1, &p->base, NULL)))
        goto done;
    if (p->o.out && (code = out_dir_begin(&p->o, p->o.out, NULL, &f))) /* before the runs */
        goto done;
    double start = now_s();
    plan_search_cfg cfg = {.start = 1, .min = 1.0 / 64, .max = p->max_load, .tol = p->tol};
    sim_err err;
    sim_err_clear(&err);
    int rc = plan_search_load(&cfg, holds_at, p, &p->answer, &err);
    const point *one = NULL, *tgt = NULL, *lo = NULL;
    if (rc == SIM_OK) {
        one = evaluate(p, 1.0); /* already run: the search starts there */
        tgt = one ? evaluate(p, p->target) : NULL;
        lo = p->answer.lo > 0 ? find_point(p, p->answer.lo) : NULL;
    }
    p->elapsed = now_s() - start;
    if (rc != SIM_OK || !one || !tgt) {
        code = p->code ? p->code : CLI_EXIT_INTERNAL;
        if (!p->code)
            out_text_line(stderr, "erpsim plan: error: %s", err.msg);
        goto done;
    }
    json = json_plan(p, one, tgt, lo);
    csv = csv_points(p);
    if (!json || !csv) {
        fprintf(stderr, "erpsim plan: error: out of memory\n");
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    int charts = 0;
    if ((code = cli_opts_interrupted(&p->o))) /* writing starts here */
        goto done;
    if (p->o.out) {
        if ((code = write_file(f.tmp, "plan.json", json)) ||
            (code = write_file(f.tmp, "plan.csv", csv)))
            goto done;
        if ((charts = chart(p, f.tmp, one, lo, tgt)) != 0 && charts != CLI_EXIT_NO_CHARTS) {
            code = charts;
            goto done;
        }
        if ((code = out_dir_end(&p->o, &f, charts)) != charts) /* the folder swapped in */
            goto done;
    }
    if (!p->o.quiet) {
        if (p->o.format == CLI_FORMAT_JSON) {
            fputs(json, stdout);
        } else if (p->o.format == CLI_FORMAT_CSV) {
            fputs(csv, stdout);
        } else {
            if (!(text = text_plan(p, one, tgt, lo))) {
                fprintf(stderr, "erpsim plan: error: out of memory\n");
                code = CLI_EXIT_INTERNAL;
                goto done;
            }
            fputs(text, stdout);
            if (p->o.out)
                printf("\nResults in %s/: plan.json plan.csv%s\n", p->o.out,
                       charts == 0 && !p->o.no_charts ? " charts/plan.png charts/plan.svg" : "");
        }
        fflush(stdout);
    }
    code = p->o.fail_on_violation && !tgt->holds ? CLI_EXIT_VIOLATION : charts;
done:
    plt_folder_fini(&f); /* a folder not swapped in is removed */
    sim_free(text);
    sim_free(csv);
    sim_free(json);
    for (int i = 0; i < p->npts; i++) {
        res_verdict_fini(&p->pts[i].v);
        res_results_destroy(p->pts[i].res);
    }
    mdl_scenario_fini(&p->base);
    sim_free(p);
    return code;
}
