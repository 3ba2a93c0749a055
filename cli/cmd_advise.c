/*
 * cmd_advise.c - `erpsim advise`: the card's decision tree on every flow,
 * the safeguards each recommendation needs, the anti-patterns found, and a
 * simulation of the declared and the recommended assignment side by side.
 *
 *   erpsim advise [SCENARIO] [--set PATH=VALUE]... [--format text|json]
 *                 [--seed S] [--reps R] [--threads N] [--no-sim]
 *
 * The advice is models/mdl_advise.h; this file prints it and runs the
 * comparison. The recommended assignment is the scenario loaded again with
 * extra overrides, one per flow whose pattern changes
 * ("flows.F-001.pattern=batch", and "flows.F-001.batch.api=rest" when the
 * advice names the API), so it is validated exactly like a user's file and
 * everything else stays as declared. Settings a switch needs that the flow
 * lacks come from the flow's block defaults; the output says which. Both
 * runs use the same seed, so they see the same arrivals (common random
 * numbers) and the difference column is a paired comparison: mean and
 * Student-t half-width of the per-replication differences.
 *
 * When a run cannot be simulated (a pattern whose model is not wired yet, a
 * variant that does not validate) the advice is still printed, and the
 * simulation section says that it could not run and why; the exit code
 * stays 0. Exit 2: bad usage or an invalid scenario; 3: out of memory or an
 * internal error of a run (a ledger that does not balance).
 *
 * Options are parsed here (cli/cli_opts.h did not exist when this was
 * written): SCENARIO, --set, --format, --seed, --reps, --threads, --no-sim.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "mdl_advise.h"
#include "mdl_world.h"
#include "out_text.h"
#include "progress.h"
#include "res_fmt.h"
#include "res_verdict.h"
#include "scn_load.h"
#include "scn_schema.h"
#include "sim_alloc.h"
#include "sim_experiment.h"

static const char advise_usage[] =
    "usage: erpsim advise [SCENARIO] [--set PATH=VALUE]... [--load 3x] [--days N]\n"
    "                     [--seed S] [--reps R] [--threads N] [--format text|json]\n"
    "                     [--no-sim] [--fail-on-violation] [--quiet]\n"
    "\n"
    "Applies the integration patterns card's decision tree to every flow of the\n"
    "scenario (without SCENARIO: the compiled-in default), prints the branch taken,\n"
    "the recommended pattern against the declared one and the safeguards it needs,\n"
    "lists the card's anti-patterns found in the scenario, then simulates the\n"
    "declared and the recommended assignment with the same seed and compares them.\n"
    "\n"
    "options:\n"
    "  --set PATH=VALUE     override a scenario value (repeatable)\n"
    "  --load, --days, --seed, --reps   shorthands for --set load=, horizon=,\n"
    "                       seed=, replications=\n"
    "  --threads N          worker threads (default: one per core)\n"
    "  --format FMT         text (default) or json\n"
    "  --no-sim             advice only, no simulation\n"
    "  --fail-on-violation  exit 1 when the declared assignment does not hold as\n"
    "                       simulated (the verdict `erpsim run` gives; needs the\n"
    "                       simulation)\n"
    "  --no-faults          inject none of the scenario's faults\n"
    "  --quiet              nothing on stdout, no progress bar; errors only\n"
    "  --no-memory-check    run even when estimated not to fit in memory\n"
    "  --journal DIR        keep each finished replication in DIR; the same command\n"
    "                       again resumes from it (docs/scale-out.md)\n"
    "  --help               print this help\n"
    "\n"
    "exit codes: 0 ok (also when the simulation could not run: it says why),\n"
    "            1 the declared assignment fails its verdict and --fail-on-violation\n"
    "            was given,\n"
    "            2 bad input or usage, 3 internal error\n";

typedef struct opts {
    cli_opts c;
    int json;
    int sim;
} opts;

/* ---- options ----------------------------------------------------------------- */

/* Returns -1 to go on, or an exit code. */
static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->sim = 1;
    int code = cli_opts_parse(&o->c, "advise", &argc, argv, 0, advise_usage);
    if (code)
        return code;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(advise_usage, stdout);
            return CLI_EXIT_OK;
        }
        if (!strcmp(a, "--no-sim"))
            o->sim = 0;
        else if (a[0] == '-' && a[1])
            return cli_usage_error("advise", advise_usage, "unknown option ", a);
        else
            return cli_usage_error("advise", advise_usage, "one scenario at a time; also got ", a);
    }
    if (o->c.format == CLI_FORMAT_CSV)
        return cli_usage_error("advise", advise_usage, "--format takes text or json for advise",
                               "");
    if (o->c.out)
        return cli_usage_error("advise", advise_usage, "advise writes no files: --out is not used",
                               "");
    if (!o->sim && o->c.fail_on_violation)
        return cli_usage_error("advise", advise_usage,
                               "--fail-on-violation asks the verdict of the simulated assignment: "
                               "it cannot be given with --no-sim",
                               "");
    o->json = o->c.format == CLI_FORMAT_JSON;
    return -1;
}

/* ---- loading ----------------------------------------------------------------- */

static int load_with(const opts *o, const char *const *sets, int nsets, mdl_scenario *sc,
                     scn_diag *diag)
{
    scn_load_opts lo = {.sets = sets, .nsets = nsets, .no_faults = o->c.no_faults};
    return o->c.scenario ? scn_load_file(o->c.scenario, &lo, sc, diag)
                         : scn_load_default(&lo, sc, diag);
}

/* ---- small text helpers --------------------------------------------------------- */

static const char *count_text(double x, char *buf, size_t n)
{
    if (!(fabs(x) < 1e15)) {
        snprintf(buf, n, "%g", x);
        return buf;
    }
    if (fabs(x) < 100 && fabs(x - floor(x + 0.5)) > 1e-6) {
        snprintf(buf, n, "%.3g", x);
        return buf;
    }
    char d[32];
    snprintf(d, sizeof d, "%.0f", fabs(floor(x + 0.5)));
    size_t len = strlen(d), k = 0;
    if (x < 0 && k + 1 < n)
        buf[k++] = '-';
    for (size_t i = 0; i < len && k + 1 < n; i++) {
        buf[k++] = d[i];
        if ((len - i - 1) % 3 == 0 && i + 1 < len && k + 1 < n)
            buf[k++] = ',';
    }
    buf[k] = '\0';
    return buf;
}

static const char *pattern_label(const mdl_flow_spec *f, char *buf, size_t n)
{
    const char *p = mdl_spec_name(mdl_spec_pattern_names, (int)f->pattern);
    if (f->pattern == MDL_SPEC_PATTERN_BATCH)
        snprintf(buf, n, "%s (%s)", p, mdl_spec_name(mdl_spec_api_names, (int)f->batch.api));
    else
        snprintf(buf, n, "%s", p);
    return buf;
}

/* ---- the switch to the recommended assignment ------------------------------------ */

typedef struct flow_switch {
    int flow;                 /* index */
    mdl_spec_pattern pattern; /* the pattern simulated */
    int api;                  /* batch API simulated, -1 = the flow's */
    char notes[8][256];
    int nnotes;
} flow_switch;

typedef struct plan {
    flow_switch *sw; /* one per switched flow */
    int nsw;
    const char **sets; /* the user's sets, then the switch sets */
    int nsets;
    char **owned; /* the switch sets' strings */
    int nowned;
    int impossible; /* a switch cannot be expressed: no variant */
    char why[256];
} plan;

static void plan_fini(plan *p)
{
    for (int i = 0; i < p->nowned; i++)
        sim_free(p->owned[i]);
    sim_free(p->owned);
    sim_free(p->sets);
    sim_free(p->sw);
    memset(p, 0, sizeof *p);
}

static int add_set(plan *p, const char *fmt, ...) SIM_PRINTF(2, 3);

static int add_set(plan *p, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *s = sim_strdup(buf);
    if (!s)
        return SIM_ENOMEM;
    p->owned[p->nowned++] = s;
    p->sets[p->nsets++] = s;
    return SIM_OK;
}

static void note(flow_switch *s, const char *fmt, ...) SIM_PRINTF(2, 3);

static void note(flow_switch *s, const char *fmt, ...)
{
    if (s->nnotes >= 8)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->notes[s->nnotes++], sizeof s->notes[0], fmt, ap);
    va_end(ap);
}

static const scn_block *sub_block(const scn_block *b, const char *name)
{
    const scn_key *k = scn_schema_key(b, name, NULL);
    return k && (k->type == SCN_T_BLOCK || k->type == SCN_T_LIST) ? k->aux : NULL;
}

/* Non-zero when any value of block b at base (nested blocks and list items
 * too) was written in the file or by --set. */
static int any_written(const scn_origins *o, const scn_block *b, const void *base)
{
    for (int i = 0; i < b->nkeys; i++) {
        const scn_key *k = &b->keys[i];
        const char *field = (const char *)base + k->off;
        if (k->type == SCN_T_BLOCK) {
            if (any_written(o, k->aux, field))
                return 1;
        } else if (k->type == SCN_T_LIST) {
            const scn_block *eb = k->aux;
            const char *items = *(const char *const *)field;
            int count = *(const int *)((const char *)base + k->off2);
            for (int j = 0; j < count; j++)
                if (any_written(o, eb, items + (size_t)j * eb->size))
                    return 1;
        } else {
            const scn_origin *g = scn_origins_get(o, b, base, i);
            if (g && (g->from == SCN_FROM_FILE || g->from == SCN_FROM_SET))
                return 1;
        }
    }
    return 0;
}

/* What the switch to pattern `pat` uses when the flow has no settings for it. */
static void defaults_note(const mdl_flow_spec *f, mdl_spec_pattern pat, flow_switch *s)
{
    char a[32], b[32];
    switch (pat) {
    case MDL_SPEC_PATTERN_BATCH: {
        const scn_block *bb = sub_block(sub_block(scn_schema_root(), "flows"), "batch");
        const scn_key *ks = scn_schema_key(bb, "schedule", NULL);
        const scn_key *kw = scn_schema_key(bb, "window", NULL);
        note(s,
             "%s has no batch settings: the switch uses the batch block defaults (schedule %s, "
             "window %s, chunks of %d, %d concurrent jobs)",
             f->id, ks ? scn_value_format(ks, &f->batch, a, sizeof a) : "?",
             kw ? scn_value_format(kw, &f->batch, b, sizeof b) : "?", f->batch.chunk_size,
             f->batch.concurrent_jobs);
        break;
    }
    case MDL_SPEC_PATTERN_EVENT:
        note(s,
             "%s has no event settings: the switch uses the event block defaults (channel %s, "
             "one subscriber '%s' applying through the API, receiver %s, reconciliation %s)",
             f->id, f->event.channel, f->target,
             mdl_spec_name(mdl_spec_receiver_names, (int)f->event.receiver),
             f->event.reconciliation.enabled ? "on" : "off");
        break;
    case MDL_SPEC_PATTERN_REALTIME:
        note(s,
             "%s has no real-time settings: the switch uses the realtime block defaults "
             "(timeout %.0f s, %d attempts, breaker %s, fallback %s)",
             f->id, sim_time_to_seconds(f->realtime.timeout), f->realtime.retries.max_attempts,
             f->realtime.breaker.enabled ? "on" : "off",
             mdl_spec_name(mdl_spec_fallback_names, (int)f->realtime.fallback));
        break;
    case MDL_SPEC_PATTERN_FILE: {
        const scn_block *fb = sub_block(sub_block(scn_schema_root(), "flows"), "file");
        const scn_key *ks = scn_schema_key(fb, "schedule", NULL);
        note(s, "%s has no file settings: the switch uses the file block defaults (schedule %s)",
             f->id, ks ? scn_value_format(ks, &f->file, a, sizeof a) : "?");
        break;
    }
    }
}

/* A caller for a flow switched to real-time: one used by another real-time
 * flow from the same source, else the first caller; -1 if there is none. */
static int pick_caller(const mdl_scenario *sc, const mdl_flow_spec *f)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *g = &sc->flows[i];
        if (g != f && g->pattern == MDL_SPEC_PATTERN_REALTIME && g->caller_index >= 0 &&
            g->source_index == f->source_index)
            return g->caller_index;
    }
    return sc->ncallers > 0 ? 0 : -1;
}

static int make_switch(const mdl_scenario *sc, const scn_origins *origins, int fi,
                       mdl_advice_pattern rec, plan *p)
{
    const mdl_flow_spec *f = &sc->flows[fi];
    const mdl_system_spec *src = &sc->systems[f->source_index];
    const mdl_system_spec *dst = &sc->systems[f->target_index];
    flow_switch *s = &p->sw[p->nsw++];
    memset(s, 0, sizeof *s);
    s->flow = fi;
    mdl_spec_pattern pat;
    int api;
    mdl_advice_to_spec(rec, &pat, &api);
    if (pat == MDL_SPEC_PATTERN_FILE && !dst->file.enabled) {
        note(s, "%s imports no files (file.enabled is false): simulated as a bulk batch", dst->id);
        pat = MDL_SPEC_PATTERN_BATCH;
        api = MDL_SPEC_API_BULK;
    }
    if (pat == MDL_SPEC_PATTERN_BATCH) {
        if (api == MDL_SPEC_API_BULK && !dst->bulk.enabled) {
            note(s, "%s has no bulk API: simulated over REST", dst->id);
            api = MDL_SPEC_API_REST;
        } else if (api == MDL_SPEC_API_REST && !dst->api.enabled) {
            note(s, "%s has no REST API: simulated over its bulk API", dst->id);
            api = MDL_SPEC_API_BULK;
        }
    }
    s->pattern = pat;
    s->api = api;
    int rc = SIM_OK;
    if (pat != f->pattern)
        rc = add_set(p, "flows.%s.pattern=%s", f->id, mdl_spec_pattern_names[pat]);
    if (rc == SIM_OK && api >= 0 && (pat != f->pattern || (int)f->batch.api != api))
        rc = add_set(p, "flows.%s.batch.api=%s", f->id, mdl_spec_api_names[api]);
    /* faults the switch makes inapplicable are left out, and said */
    for (int k = 0; rc == SIM_OK && k < sc->nfaults; k++) {
        const mdl_fault_spec *x = &sc->faults[k];
        if (!x->enabled || mdl_scenario_fault_applies(x, fi, pat))
            continue;
        note(s, "fault '%s' (%s of %s) left out: it needs an event-driven flow", x->id,
             mdl_spec_fault_kind_names[x->kind], x->flow);
        rc = add_set(p, "faults.%s.enabled=false", x->id);
    }
    if (rc != SIM_OK)
        return rc;
    if (pat == MDL_SPEC_PATTERN_REALTIME && !f->caller[0]) {
        int c = pick_caller(sc, f);
        if (c < 0) {
            p->impossible = 1;
            snprintf(p->why, sizeof p->why,
                     "%s would become real-time but the scenario has no caller to hold its "
                     "threads (add one under callers:)",
                     f->id);
            return SIM_OK;
        }
        note(s, "%s has no caller: it calls from '%s'", f->id, sc->callers[c].id);
        if ((rc = add_set(p, "flows.%s.caller=%s", f->id, sc->callers[c].id)) != SIM_OK)
            return rc;
    }
    if (pat == MDL_SPEC_PATTERN_EVENT && f->event.broker_index < 0 && !src->events.enabled) {
        if (sc->nbrokers > 0) {
            note(s, "%s has no platform events: the events go through broker '%s'", src->id,
                 sc->brokers[0].id);
            rc = add_set(p, "flows.%s.event.channel=%s", f->id, sc->brokers[0].id);
        } else {
            note(s, "%s has no platform events: they are switched on for the comparison", src->id);
            rc = add_set(p, "systems.%s.events.enabled=%s", src->id, "true");
        }
        if (rc != SIM_OK)
            return rc;
    }
    if (pat != f->pattern && origins) {
        const scn_block *fb = sub_block(scn_schema_root(), "flows");
        static const char *const blocks[] = {"realtime", "event", "batch", "file"};
        const scn_block *bb = sub_block(fb, blocks[pat]);
        const void *base = pat == MDL_SPEC_PATTERN_REALTIME ? (const void *)&f->realtime
                           : pat == MDL_SPEC_PATTERN_EVENT  ? (const void *)&f->event
                           : pat == MDL_SPEC_PATTERN_BATCH  ? (const void *)&f->batch
                                                            : (const void *)&f->file;
        if (bb && !any_written(origins, bb, base))
            defaults_note(f, pat, s);
    }
    return SIM_OK;
}

/* The overrides that turn the declared assignment into the recommended one. */
static int make_plan(const opts *o, const mdl_scenario *sc, const scn_origins *origins,
                     const mdl_flow_advice *adv, plan *p)
{
    memset(p, 0, sizeof *p);
    /* at most 4 sets per flow and one per fault, plus the user's */
    size_t most = 4 * (size_t)sc->nflows + (size_t)sc->nfaults + 1;
    p->sets = sim_calloc((size_t)o->c.nsets + most, sizeof *p->sets);
    p->owned = sim_calloc(most, sizeof *p->owned);
    p->sw = sim_calloc((size_t)sc->nflows + 1, sizeof *p->sw);
    if (!p->sets || !p->owned || !p->sw)
        return SIM_ENOMEM;
    for (int i = 0; i < o->c.nsets; i++)
        p->sets[i] = o->c.sets[i];
    p->nsets = o->c.nsets;
    for (int i = 0; i < sc->nflows; i++) {
        if (adv[i].agreement == MDL_AGREE || adv[i].agreement == MDL_UNDECIDED)
            continue;
        int rc = make_switch(sc, origins, i, adv[i].recommended, p);
        if (rc != SIM_OK || p->impossible)
            return rc;
    }
    return SIM_OK;
}

/* ---- simulation -------------------------------------------------------------------- */

typedef struct run {
    sim_summary *sum;
    res_results *res; /* the run as results, and its verdict (results/res_verdict.h) */
    res_verdict v;
    int judged;
    int ran;
    int code; /* status of the failure */
    char error[1024];
} run;

/* Runs sc's replications with its seed. Both assignments are loaded from
 * the same file and overrides, so they share the seed and the replication
 * count: common random numbers. */
static void simulate(const mdl_scenario *sc, const opts *o, progress *bar, run *r)
{
    sim_err err;
    sim_err_clear(&err);
    int rc = cli_opts_simulate(&o->c, sc, sc->seed, sc->replications, bar, &r->sum, &err);
    r->ran = rc == SIM_OK;
    r->code = rc;
    if (rc != SIM_OK) {
        r->sum = NULL;
        snprintf(r->error, sizeof r->error, "%s", err.msg[0] ? err.msg : sim_status_str(rc));
        return;
    }
    /* judged by the verdict every command uses */
    if (!(r->res = res_results_create(&err)) ||
        res_results_set_scenario(r->res, sc, cli_opts_label(&o->c), NULL, &err) != SIM_OK ||
        res_results_add_summary(r->res, r->sum, &err) != SIM_OK ||
        res_verdict_compute(r->res, &r->v, &err) != SIM_OK) {
        r->ran = 0;
        r->code = SIM_ENOMEM;
        snprintf(r->error, sizeof r->error, "%s", err.msg[0] ? err.msg : "out of memory");
        return;
    }
    r->judged = 1;
}

static void run_fini(run *r)
{
    res_verdict_fini(&r->v);
    res_results_destroy(r->res);
    sim_summary_destroy(r->sum);
}

/* The verdicts of both assignments, and a flag on the recommended one when
 * the simulation says it does not hold: advice that misses its SLO is not
 * given silently. */
static void print_verdicts(const plan *p, const mdl_scenario *sc, const run *dec, const run *rec,
                           int same)
{
    char b[512];
    if (dec->judged)
        printf("  verdict, declared:    %s\n", res_verdict_banner(&dec->v, b, sizeof b));
    if (same || !rec->judged)
        return;
    printf("  verdict, recommended: %s\n", res_verdict_banner(&rec->v, b, sizeof b));
    for (int i = 0; i < p->nsw; i++) {
        const char *id = sc->flows[p->sw[i].flow].id;
        for (int k = 0; k < rec->v.nflows; k++) {
            const res_verdict_flow *f = &rec->v.flows[k];
            if (strcmp(f->id, id) != 0 || res_verdict_flow_holds(f))
                continue;
            printf("  flagged: the switch of %s does not hold as simulated (%s)", id,
                   res_verdict_status_name(f->status));
            for (int j = 0; j < rec->v.nitems; j++)
                if (!strcmp(rec->v.items[j].subject, id) &&
                    res_rule_severity(rec->v.items[j].rule) == RES_FAIL) {
                    printf(": %s", rec->v.items[j].text);
                    break;
                }
            printf("\n");
        }
    }
    if (!rec->v.holds && dec->judged && dec->v.holds)
        printf("  flagged: the declared assignment holds and the recommended one does not: keep "
               "the declared patterns, or fix what fails first\n");
}

static const struct {
    const char *metric, *label;
} shown[] = {
    {"delivered", "delivered"},         {"rejected", "rejected"},
    {"dead_lettered", "dead-lettered"}, {"lost", "lost"},
    {"pending", "pending at end"},      {"latency_p50", "latency p50"},
    {"latency_p99", "latency p99"},     {"calls", "calls"},
};
#define NSHOWN (sizeof shown / sizeof *shown)

static const sim_metric *metric(const sim_summary *s, const char *flow, const char *what)
{
    char name[256];
    snprintf(name, sizeof name, "flow.%s.%s", flow, what);
    const sim_metric *m = s ? sim_summary_find(s, name) : NULL;
    return m && m->kind == SIM_METRIC_SCALAR ? m : NULL;
}

/* Mean and half-width of the paired differences b - a (NaN if unavailable). */
static void paired(const sim_metric *a, const sim_metric *b, double conf, double *mean, double *hw)
{
    *mean = *hw = NAN;
    if (!a || !b || a->n != b->n || a->n < 1)
        return;
    sim_tally t;
    sim_tally_init(&t);
    for (int i = 0; i < a->n; i++) {
        double d = b->values[i] - a->values[i];
        if (isnan(d))
            return;
        sim_tally_add(&t, d);
    }
    *mean = t.mean;
    *hw = sim_ci_half_width(&t, conf);
}

/* A mean and its half-width in human units (res_fmt.h): "21.9 h ± 20 min",
 * "30,045 ± 146"; `sign` writes a difference with its sign ("+3.2 s",
 * "-1,200 ± 35"). "-" when the mean is not known. */
static const char *ci_text(double mean, double hw, const char *unit, int sign, char *buf, size_t n)
{
    if (isnan(mean)) {
        snprintf(buf, n, "-");
        return buf;
    }
    char v[80];
    res_fmt_value_ci(sign ? fabs(mean) : mean, hw, unit, v, sizeof v);
    snprintf(buf, n, "%s%s", !sign ? "" : mean > 0 ? "+" : mean < 0 ? "-" : "", v);
    return buf;
}

/* Prints s left-aligned in `width` columns; UTF-8 continuation bytes take
 * no column (the "±" is two bytes, one column). */
static void cell(const char *s, int width)
{
    int cols = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        cols += (*c & 0xC0) != 0x80;
    fputs(s, stdout);
    for (; cols < width; cols++)
        putchar(' ');
}

/* ---- text output ------------------------------------------------------------------- */

static void print_tree(const mdl_flow_advice *a)
{
    printf("  START\n");
    for (int i = 0; i < a->nsteps; i++) {
        const mdl_advice_step *s = &a->steps[i];
        int last_branch = s->branch == MDL_BRANCH_BIDIRECTIONAL;
        printf("  ");
        if (s->depth == 0) {
            printf("%s", last_branch ? "└── " : "├── ");
        } else {
            printf("%s", last_branch ? "    " : "│   ");
            for (int d = 1; d < s->depth; d++)
                printf("    ");
            printf("└── ");
        }
        printf("%s %s", s->question, s->answer);
        if (s->outcome)
            printf(" → %s", s->outcome);
        printf("\n");
    }
}

static void print_flow(const mdl_scenario *sc, const mdl_flow_advice *a)
{
    const mdl_flow_spec *f = &sc->flows[a->flow_index];
    char n[32], pl[64];
    printf("%s  %s -> %s (%s), %s records/day at 1x, declared %s\n", f->id, f->source, f->target,
           mdl_spec_name(mdl_spec_direction_names, (int)f->direction),
           count_text(a->per_day, n, sizeof n), pattern_label(f, pl, sizeof pl));
    print_tree(a);
    printf("  recommended: %s [%s]; declared: %s: %s\n", mdl_advice_pattern_text(a->recommended),
           mdl_advice_pattern_name(a->recommended), pl, mdl_advice_agreement_name(a->agreement));
    if (a->note[0])
        printf("  note: %s\n", a->note);
    if (a->nsafeguards > 0) {
        printf("  safeguards:\n");
        for (int i = 0; i < a->nsafeguards; i++) {
            const mdl_safeguard *g = &a->safeguards[i];
            printf("    %-9s %-22s %s (%s)\n", mdl_safeguard_status_name(g->status),
                   mdl_safeguard_id(g->kind), mdl_safeguard_text(g->kind), g->detail);
        }
    }
    printf("\n");
}

static void print_findings(const mdl_findings *fs)
{
    int warnings = 0;
    for (int i = 0; i < fs->count; i++)
        warnings += fs->items[i].severity == MDL_FINDING_WARNING;
    printf("anti-patterns and pitfalls: %d warning%s, %d note%s\n", warnings,
           warnings == 1 ? "" : "s", fs->count - warnings, fs->count - warnings == 1 ? "" : "s");
    if (fs->count == 0)
        printf("  none of the card's anti-patterns found\n");
    for (int i = 0; i < fs->count; i++) {
        const mdl_finding *x = &fs->items[i];
        printf("  %-7s %s (%s)", mdl_finding_severity_name(x->severity), x->ap->id, x->ap->title);
        if (x->flow[0])
            printf(" flow %s%s%s", x->flow, x->flow2[0] ? ", " : "", x->flow2);
        if (x->system[0])
            printf(" system %s", x->system);
        printf("\n          %s\n          fix: %s [card: %s]\n", x->detail, x->ap->fix,
               x->ap->source);
    }
    printf("\n");
}

static void print_switches(const mdl_scenario *sc, const plan *p)
{
    for (int i = 0; i < p->nsw; i++) {
        const flow_switch *s = &p->sw[i];
        const mdl_flow_spec *f = &sc->flows[s->flow];
        char from[64];
        printf("  switched %s: %s -> %s", f->id, pattern_label(f, from, sizeof from),
               mdl_spec_pattern_names[s->pattern]);
        if (s->pattern == MDL_SPEC_PATTERN_BATCH)
            printf(" (%s)",
                   s->api >= 0 ? mdl_spec_api_names[s->api] : mdl_spec_api_names[f->batch.api]);
        printf("\n");
        for (int k = 0; k < s->nnotes; k++)
            printf("    %s\n", s->notes[k]);
    }
}

static void print_table(const mdl_scenario *sc, const run *dec, const run *rec, int same)
{
    double conf = sim_summary_confidence(dec->sum);
    printf("  %-7s %-16s ", "flow", "metric");
    if (same)
        printf("declared\n");
    else
        printf("%-22s %-22s %s\n", "declared", "recommended", "difference (paired)");
    for (int i = 0; i < sc->nflows; i++) {
        const char *id = sc->flows[i].id;
        for (size_t k = 0; k < NSHOWN; k++) {
            const sim_metric *a = metric(dec->sum, id, shown[k].metric);
            char c1[96], c2[96], c3[96];
            printf("  %-7s %-16s ", k == 0 ? id : "", shown[k].label);
            const char *t1 = a ? ci_text(a->mean, a->half_width, a->unit, 0, c1, sizeof c1) : "-";
            if (same) {
                printf("%s\n", t1);
                continue;
            }
            const sim_metric *b = rec->ran ? metric(rec->sum, id, shown[k].metric) : NULL;
            double dm, dh;
            paired(a, b, conf, &dm, &dh);
            cell(t1, 22);
            putchar(' ');
            cell(b ? ci_text(b->mean, b->half_width, b->unit, 0, c2, sizeof c2) : "-", 22);
            printf(" %s\n", ci_text(dm, dh, a ? a->unit : "", 1, c3, sizeof c3));
        }
    }
}

/* ---- JSON output ------------------------------------------------------------------- */

static json_t *jnum(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *jci(double mean, double hw)
{
    return json_pack("{s:o,s:o}", "mean", jnum(mean), "half_width", jnum(hw));
}

static json_t *json_flow(const mdl_scenario *sc, const mdl_flow_advice *a)
{
    const mdl_flow_spec *f = &sc->flows[a->flow_index];
    static const char *const branches[] = {"timing", "tolerance", "bidirectional"};
    json_t *steps = json_array(), *guards = json_array();
    for (int i = 0; i < a->nsteps; i++) {
        const mdl_advice_step *s = &a->steps[i];
        json_array_append_new(steps,
                              json_pack("{s:s,s:i,s:s,s:s,s:s?}", "branch", branches[s->branch],
                                        "depth", s->depth, "question", s->question, "answer",
                                        s->answer, "outcome", s->outcome));
    }
    for (int i = 0; i < a->nsafeguards; i++) {
        const mdl_safeguard *g = &a->safeguards[i];
        json_array_append_new(guards,
                              json_pack("{s:s,s:s,s:s,s:s}", "id", mdl_safeguard_id(g->kind),
                                        "requires", mdl_safeguard_text(g->kind), "status",
                                        mdl_safeguard_status_name(g->status), "detail", g->detail));
    }
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s?,s:o,s:s,s:s,s:s,s:o,s:o}", "id", f->id, "source", f->source,
        "target", f->target, "direction",
        mdl_spec_name(mdl_spec_direction_names, (int)f->direction), "declared",
        mdl_spec_name(mdl_spec_pattern_names, (int)f->pattern), "declared_api",
        f->pattern == MDL_SPEC_PATTERN_BATCH ? mdl_spec_api_names[f->batch.api] : NULL,
        "records_per_day", jnum(a->per_day), "recommended", mdl_advice_pattern_name(a->recommended),
        "recommended_text", mdl_advice_pattern_text(a->recommended), "agreement",
        mdl_advice_agreement_name(a->agreement), "branch", steps, "safeguards", guards);
    if (o && a->per_run > 0)
        json_object_set_new(o, "records_per_run", jnum(a->per_run));
    if (o && a->note[0]) {
        json_object_set_new(o, "recommended_at_load",
                            json_string(mdl_advice_pattern_name(a->at_load)));
        json_object_set_new(o, "note", json_string(a->note));
    }
    return o;
}

static json_t *json_findings(const mdl_findings *fs)
{
    json_t *arr = json_array();
    for (int i = 0; i < fs->count; i++) {
        const mdl_finding *x = &fs->items[i];
        json_array_append_new(
            arr, json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s,s:s,s:s}", "id", x->ap->id, "severity",
                           mdl_finding_severity_name(x->severity), "title", x->ap->title, "flow",
                           x->flow[0] ? x->flow : NULL, "flow2", x->flow2[0] ? x->flow2 : NULL,
                           "system", x->system[0] ? x->system : NULL, "detail", x->detail, "fix",
                           x->ap->fix, "source", x->ap->source));
    }
    return arr;
}

static json_t *json_sim(const mdl_scenario *sc, const plan *p, const run *dec, const run *rec,
                        int same, const char *skipped)
{
    json_t *sim = json_object();
    json_object_set_new(sim, "ran", json_boolean(dec->ran && (same || rec->ran)));
    json_object_set_new(sim, "replications", json_integer(sc->replications));
    json_object_set_new(sim, "seed", json_integer((json_int_t)sc->seed));
    json_object_set_new(sim, "recommended_is_declared", json_boolean(same));
    if (skipped)
        json_object_set_new(sim, "skipped", json_string(skipped));
    json_object_set_new(sim, "declared_error",
                        dec->ran || skipped ? json_null() : json_string(dec->error));
    if (!same)
        json_object_set_new(sim, "recommended_error",
                            rec->ran || !rec->error[0] ? json_null() : json_string(rec->error));
    json_t *sws = json_array();
    for (int i = 0; i < p->nsw; i++) {
        const flow_switch *s = &p->sw[i];
        const mdl_flow_spec *f = &sc->flows[s->flow];
        json_t *notes = json_array();
        for (int k = 0; k < s->nnotes; k++)
            json_array_append_new(notes, json_string(s->notes[k]));
        json_array_append_new(
            sws, json_pack("{s:s,s:s,s:s,s:s?,s:o}", "flow", f->id, "from",
                           mdl_spec_pattern_names[f->pattern], "to",
                           mdl_spec_pattern_names[s->pattern], "api",
                           s->pattern == MDL_SPEC_PATTERN_BATCH
                               ? mdl_spec_api_names[s->api >= 0 ? s->api : (int)f->batch.api]
                               : NULL,
                           "notes", notes));
    }
    json_object_set_new(sim, "switches", sws);
    char b1[512], b2[512];
    if (dec->judged)
        json_object_set_new(sim, "declared_verdict",
                            json_pack("{s:s,s:s}", "result", res_verdict_result(&dec->v), "banner",
                                      res_verdict_banner(&dec->v, b1, sizeof b1)));
    if (!same && rec->judged)
        json_object_set_new(sim, "recommended_verdict",
                            json_pack("{s:s,s:s}", "result", res_verdict_result(&rec->v), "banner",
                                      res_verdict_banner(&rec->v, b2, sizeof b2)));
    if (dec->ran) {
        double conf = sim_summary_confidence(dec->sum);
        json_t *flows = json_array();
        for (int i = 0; i < sc->nflows; i++) {
            const char *id = sc->flows[i].id;
            json_t *ms = json_object();
            for (size_t k = 0; k < NSHOWN; k++) {
                const sim_metric *a = metric(dec->sum, id, shown[k].metric);
                json_t *m = json_object();
                json_object_set_new(m, "declared", a ? jci(a->mean, a->half_width) : json_null());
                if (!same) {
                    const sim_metric *b = rec->ran ? metric(rec->sum, id, shown[k].metric) : NULL;
                    double dm, dh;
                    paired(a, b, conf, &dm, &dh);
                    json_object_set_new(m, "recommended",
                                        b ? jci(b->mean, b->half_width) : json_null());
                    json_object_set_new(m, "difference", b ? jci(dm, dh) : json_null());
                }
                json_object_set_new(ms, shown[k].metric, m);
            }
            json_array_append_new(flows, json_pack("{s:s,s:o}", "id", id, "metrics", ms));
        }
        json_object_set_new(sim, "flows", flows);
    }
    return sim;
}

/* ---- the command ------------------------------------------------------------------- */

int cmd_advise(int argc, char **argv)
{
    opts o;
    int code = parse(argc, argv, &o);
    if (code >= 0)
        return code;
    const char *label = cli_opts_label(&o.c);

    mdl_scenario sc;
    scn_origins *origins = NULL;
    if ((code = cli_opts_load(&o.c, &sc, &origins)) != 0)
        return code;

    mdl_flow_advice *adv = sim_calloc((size_t)sc.nflows + 1, sizeof *adv);
    mdl_findings fs;
    mdl_findings_init(&fs);
    plan p;
    memset(&p, 0, sizeof p);
    run dec = {0}, rec = {0};
    mdl_scenario var; /* the recommended assignment */
    mdl_scenario_init(&var);
    progress *bar = NULL;
    scn_diag diag;
    scn_diag_init(&diag);
    sim_err err;
    sim_err_clear(&err);
    const char *fail = NULL; /* a run's error */
    int stop;                /* the exit code of an interrupt */
    code = CLI_EXIT_INTERNAL;
    if (!adv)
        goto done;
    for (int i = 0; i < sc.nflows; i++)
        if (mdl_advise_flow(&sc, i, &adv[i], &err) != SIM_OK)
            goto done;
    if (mdl_advise_findings(&sc, &fs, &err) != SIM_OK || make_plan(&o, &sc, origins, adv, &p))
        goto done;

    /* The simulation: the declared assignment, then the recommended one. */
    int same = p.nsw == 0;
    const char *skipped = o.sim ? NULL : "--no-sim";
    if (o.sim) {
        if ((stop = cli_opts_check_memory(&o.c, &sc, sc.replications))) {
            code = stop;
            goto done;
        }
        int total = sc.replications * (same ? 1 : 2);
        if (!(bar = progress_create(total, sim_time_to_seconds(sc.horizon) / 86400.0, !o.c.quiet)))
            goto done;
        simulate(&sc, &o, bar, &dec);
        if (!dec.ran && dec.code == SIM_ECANCELED && (stop = cli_opts_interrupted(&o.c))) {
            code = stop;
            goto done;
        }
        if (!dec.ran && (dec.code == SIM_ENOMEM || dec.code == SIM_EINTERNAL)) {
            fail = dec.error;
            goto done;
        }
        if (dec.ran && !same && p.impossible) {
            snprintf(rec.error, sizeof rec.error, "%s", p.why);
        } else if (dec.ran && !same) {
            int rc = load_with(&o, p.sets, p.nsets, &var, &diag);
            if (rc == SIM_ENOMEM)
                goto done;
            if (rc != SIM_OK) {
                size_t k = (size_t)snprintf(rec.error, sizeof rec.error,
                                            "the recommended assignment is not a valid "
                                            "scenario:");
                for (int i = 0; i < diag.count && k < sizeof rec.error; i++)
                    k += (size_t)snprintf(rec.error + k, sizeof rec.error - k, " %s;",
                                          diag.items[i].msg);
            } else {
                simulate(&var, &o, bar, &rec);
                if (!rec.ran && rec.code == SIM_ECANCELED && (stop = cli_opts_interrupted(&o.c))) {
                    code = stop;
                    goto done;
                }
                if (!rec.ran && (rec.code == SIM_ENOMEM || rec.code == SIM_EINTERNAL)) {
                    fail = rec.error;
                    goto done;
                }
            }
        }
    }

    if ((stop = cli_opts_interrupted(&o.c))) { /* writing starts here */
        code = stop;
        goto done;
    }
    if (o.c.quiet) {
        /* nothing on stdout */
    } else if (o.json) {
        json_t *flows = json_array();
        for (int i = 0; i < sc.nflows; i++)
            json_array_append_new(flows, json_flow(&sc, &adv[i]));
        json_t *root = json_pack("{s:s,s:s,s:f,s:s,s:o,s:o,s:o}", "command", "advise", "scenario",
                                 label, "load", sc.load, "volume_basis",
                                 "declared volume (load 1x) for the tree thresholds", "flows",
                                 flows, "findings", json_findings(&fs), "simulation",
                                 json_sim(&sc, &p, &dec, &rec, same, skipped));
        char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) : NULL;
        json_decref(root);
        if (!text)
            goto done;
        printf("%s\n", text);
        free(text);
    } else {
        printf("erpsim advise: %s: %d flow%s; the tree reads each flow's declared volume (1x), "
               "the scenario runs at %gx\n\n",
               label, sc.nflows, sc.nflows == 1 ? "" : "s", sc.load);
        for (int i = 0; i < sc.nflows; i++)
            print_flow(&sc, &adv[i]);
        print_findings(&fs);
        printf("simulation: declared vs recommended assignment, %d replication%s, seed %llu "
               "(the same seed for both: common random numbers)\n",
               sc.replications, sc.replications == 1 ? "" : "s", (unsigned long long)sc.seed);
        if (same)
            printf("  the recommended assignment is the declared one: nothing is switched\n");
        print_switches(&sc, &p);
        if (skipped) {
            printf("  not run (%s)\n", skipped);
        } else if (!dec.ran) {
            printf("  the simulation could not run: %s\n", dec.error);
        } else {
            if (!same && !rec.ran)
                printf("  the recommended assignment could not be simulated: %s\n", rec.error);
            print_table(&sc, &dec, &rec, same || !rec.ran);
            print_verdicts(&p, &sc, &dec, &rec, same);
        }
    }
    code = o.c.fail_on_violation && dec.judged && !dec.v.holds ? CLI_EXIT_VIOLATION : CLI_EXIT_OK;
done:
    if (code == CLI_EXIT_INTERNAL && fail)
        out_text_line(stderr, "erpsim advise: error: the simulation failed: %s", fail);
    else if (code == CLI_EXIT_INTERNAL)
        out_text_line(stderr, "erpsim advise: error: %s", err.msg[0] ? err.msg : "out of memory");
    progress_destroy(bar);
    scn_diag_fini(&diag);
    run_fini(&dec);
    run_fini(&rec);
    mdl_scenario_fini(&var);
    plan_fini(&p);
    mdl_findings_fini(&fs);
    sim_free(adv);
    scn_origins_destroy(origins);
    mdl_scenario_fini(&sc);
    return code;
}
