/*
 * cmd_calibrate.c - `erpsim calibrate`: usage logs in, scenario values out.
 *
 *   erpsim calibrate LOG.csv... [--by COLUMN] [--time COLUMN]
 *       [--time-format auto|iso|epoch-s|epoch-ms] [--tz OFFSET] [--counts]
 *       [--count COLUMN] [--id COLUMN] [--from TIME] [--to TIME]
 *       [--daily-limit N] [--skip-bad] [--out DIR] [--format text|json]
 *       [--into SCENARIO --map GROUP=FLOW_ID...] [--quiet]
 *
 * Steps: read the logs (calib/cal_log.h: bad input is `file:line:column:
 * error:` and exit 2, nothing written), fit every group (calib/cal_fit.h),
 * the headroom of a Salesforce log against the preset's daily limit
 * (calib/cal_headroom.h), then print the report and the scenario
 * fragments (or the JSON) and, with --out, write them into DIR. With
 * --into, a copy of the scenario with the mapped flows' values replaced
 * (calib/cal_splice.h: comments and every untouched byte kept) is written
 * into DIR too, after checking that it loads; the original is never
 * written. Warnings about the log (duplicates dropped, rows out of order,
 * gaps) go to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal_fit.h"
#include "cal_headroom.h"
#include "cal_log.h"
#include "cal_splice.h"
#include "cal_time.h"
#include "cal_yaml.h"
#include "cli.h"
#include "cli_opts.h"
#include "out_calib.h"
#include "out_dir.h"
#include "out_text.h"
#include "plt_buf.h"
#include "plt_file.h"
#include "scn_presets.h"
#include "scn_units.h"
#include "sim_alloc.h"

#define MAX_LOGS 1024
#define MAX_MAPS 256

static const char calibrate_usage[] =
    "usage: erpsim calibrate LOG.csv... [options]\n"
    "\n"
    "Reads usage logs (Salesforce event log files, a CSV of timestamps, or a CSV\n"
    "of counts per time bucket) and estimates, per group, the flow values of a\n"
    "scenario: volume per day, the diurnal and weekly shapes, growth per month,\n"
    "with 95% confidence intervals; lists spike days and gaps; measures\n"
    "burstiness; for Salesforce logs, the peak rolling 24 h API use against the\n"
    "daily limit. Prints a report and a YAML fragment per group.\n"
    "\n"
    "options:\n"
    "  --by COLUMN        group by this column (Salesforce: CONNECTED_APP_NAME, else\n"
    "                     CLIENT_NAME; other logs: no groups; --by '' for none)\n"
    "  --time COLUMN      the time column (Salesforce: TIMESTAMP_DERIVED; timestamps:\n"
    "                     timestamp; counts: bucket)\n"
    "  --time-format F    auto (default), iso, epoch-s or epoch-ms\n"
    "  --tz OFFSET        times without a zone are in this UTC offset (+01:00), and\n"
    "                     the shapes are in its local time (default: the offset the\n"
    "                     times carry, else UTC)\n"
    "  --counts           the log has one row per time bucket: bucket, count[, group]\n"
    "  --count COLUMN     the count column of --counts (default: count)\n"
    "  --id COLUMN        rows with the same id and time are one record (Salesforce:\n"
    "                     REQUEST_ID)\n"
    "  --from TIME        the start of the period the log covers (default: the\n"
    "  --to TIME          whole days around its first and last rows)\n"
    "  --daily-limit N    the org's daily API limit for the headroom (default: the\n"
    "                     salesforce preset's)\n"
    "  --skip-bad         skip unreadable rows (at most 1% of them) with a warning\n"
    "  --out DIR          write calibration.yaml, report.txt, calibration.json and\n"
    "                     the charts into DIR (built beside it, swapped in whole)\n"
    "  --into SCENARIO    with --map and --out: write a copy of SCENARIO into DIR\n"
    "                     with the mapped flows' values replaced (comments and\n"
    "                     every other line kept; the original is not changed);\n"
    "                     --tz defaults to the scenario's utc_offset\n"
    "  --map GROUP=FLOW   the group whose values go to that flow (repeatable)\n"
    "  --format F         stdout: text (report and fragments, default) or json\n"
    "  --no-charts        with --out: write the chart data but do not run gnuplot\n"
    "  --quiet            print nothing but errors and warnings\n"
    "  --help             print this help\n"
    "\n"
    "exit codes: 0 ok, 2 bad input or usage (also an --out that is a file or a\n"
    "            folder erpsim did not write), 3 internal error, 4 results written\n"
    "            but charts not drawn (gnuplot missing or failing), 5 a file could\n"
    "            not be written (disk full, I/O error; the old results are kept)\n";

typedef struct calibrate {
    const char *logs[MAX_LOGS];
    int nlogs;
    const char *into;
    const char *maps[MAX_MAPS];
    int nmaps;
    cal_log_opts lo;
    const char *tz, *from, *to, *limit, *out;
    int json, quiet, no_charts;
} calibrate;

/* "file:line:column: error: message" (no column or line when unknown),
 * shown by the rule of sim_text.h: messages quote the log's values. */
static void print_err(const sim_err *e)
{
    if (e->file[0] && e->line > 0 && e->column > 0)
        out_text_line(stderr, "%s:%d:%d: error: %s", e->file, e->line, e->column, e->msg);
    else if (e->file[0] && e->line > 0)
        out_text_line(stderr, "%s:%d: error: %s", e->file, e->line, e->msg);
    else if (e->file[0])
        out_text_line(stderr, "%s: error: %s", e->file, e->msg);
    else
        out_text_line(stderr, "erpsim calibrate: error: %s", e->msg);
}

static int parse_args(calibrate *c, int argc, char **argv)
{
    const char *tfmt = NULL;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(calibrate_usage, stdout);
            return -1;
        }
        if (!strcmp(a, "--counts")) {
            c->lo.kind = CAL_LOG_COUNTS;
            continue;
        }
        if (!strcmp(a, "--skip-bad")) {
            c->lo.skip_bad = 1;
            continue;
        }
        if (!strcmp(a, "--quiet")) {
            c->quiet = 1;
            continue;
        }
        if (!strcmp(a, "--no-charts")) {
            c->no_charts = 1;
            continue;
        }
        if ((v = cli_opt_value("--by", argc, argv, &i, &missing)))
            c->lo.by = v;
        else if ((v = cli_opt_value("--time-format", argc, argv, &i, &missing)))
            tfmt = v;
        else if ((v = cli_opt_value("--time", argc, argv, &i, &missing)))
            c->lo.time_col = v;
        else if ((v = cli_opt_value("--tz", argc, argv, &i, &missing)))
            c->tz = v;
        else if ((v = cli_opt_value("--count", argc, argv, &i, &missing)))
            c->lo.count_col = v;
        else if ((v = cli_opt_value("--id", argc, argv, &i, &missing)))
            c->lo.id_col = v;
        else if ((v = cli_opt_value("--from", argc, argv, &i, &missing)))
            c->from = v;
        else if ((v = cli_opt_value("--to", argc, argv, &i, &missing)))
            c->to = v;
        else if ((v = cli_opt_value("--daily-limit", argc, argv, &i, &missing)))
            c->limit = v;
        else if ((v = cli_opt_value("--out", argc, argv, &i, &missing)))
            c->out = v;
        else if ((v = cli_opt_value("--into", argc, argv, &i, &missing)))
            c->into = v;
        else if ((v = cli_opt_value("--map", argc, argv, &i, &missing))) {
            if (!strchr(v, '=') || v[0] == '=' || !strchr(v, '=')[1])
                return cli_usage_error("calibrate", NULL, "--map must be GROUP=FLOW_ID, got ", v);
            if (c->nmaps == MAX_MAPS)
                return cli_usage_error("calibrate", NULL, "too many --map options", NULL);
            c->maps[c->nmaps++] = v;
        } else if ((v = cli_opt_value("--format", argc, argv, &i, &missing))) {
            if (strcmp(v, "text") && strcmp(v, "json"))
                return cli_usage_error("calibrate", NULL, "--format must be text or json, got ", v);
            c->json = !strcmp(v, "json");
        } else if (missing) {
            return cli_usage_error("calibrate", calibrate_usage, "a value is missing after ", a);
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("calibrate", calibrate_usage, "unknown option ", a);
        } else if (c->nlogs == MAX_LOGS) {
            return cli_usage_error("calibrate", calibrate_usage, "too many log files", NULL);
        } else {
            c->logs[c->nlogs++] = a;
        }
        if (missing)
            return cli_usage_error("calibrate", calibrate_usage, "a value is missing after ", a);
    }
    if (c->nlogs == 0)
        return cli_usage_error("calibrate", calibrate_usage, "no log file", NULL);
    if (c->into && (!c->out || c->nmaps == 0))
        return cli_usage_error("calibrate", NULL,
                               "--into needs --map GROUP=FLOW_ID and --out DIR (the new "
                               "scenario is written there; the original is not changed)",
                               NULL);
    if (c->nmaps && !c->into)
        return cli_usage_error("calibrate", NULL, "--map needs --into SCENARIO", NULL);
    sim_err err;
    sim_err_clear(&err);
    if (tfmt && cal_tfmt_parse(tfmt, &c->lo.tfmt, &err) != SIM_OK)
        return cli_usage_error("calibrate", NULL, "--time-format: ", err.msg);
    if (c->tz) {
        if (cal_time_parse_offset(c->tz, &c->lo.tz_min, &err) != SIM_OK)
            return cli_usage_error("calibrate", NULL, "--tz: ", err.msg);
        c->lo.tz_given = 1;
    }
    return 0;
}

/* --from / --to: a time (a date is its midnight), without a zone in the
 * local time. */
static int parse_bound(const char *name, const char *text, int local_min, int64_t *out)
{
    cal_stamp st;
    sim_err err;
    if (cal_time_parse(text, CAL_TFMT_ISO, &st, NULL, &err) != SIM_OK) {
        out_text_line(stderr, "erpsim calibrate: error: %s: %s", name, err.msg);
        return CLI_EXIT_USAGE;
    }
    *out = st.zone ? st.us : st.us - (int64_t)local_min * CAL_US_PER_MIN;
    return 0;
}

/* The period the log covers: --from/--to, else whole days around its
 * rows: UTC days for Salesforce files (one file per UTC day), local days
 * otherwise. */
static int window(const calibrate *c, const cal_log *l, int64_t *from, int64_t *to)
{
    int64_t off = l->kind == CAL_LOG_SALESFORCE ? 0 : (int64_t)l->local_min * CAL_US_PER_MIN;
    int64_t last = l->last_us + (l->kind == CAL_LOG_COUNTS ? l->bucket_us : 1);
    *from = cal_floor_div(l->first_us + off, CAL_US_PER_DAY) * CAL_US_PER_DAY - off;
    *to = -cal_floor_div(-(last + off), CAL_US_PER_DAY) * CAL_US_PER_DAY - off;
    if (c->from && parse_bound("--from", c->from, l->local_min, from))
        return CLI_EXIT_USAGE;
    if (c->to && parse_bound("--to", c->to, l->local_min, to))
        return CLI_EXIT_USAGE;
    if (*to <= *from) {
        fprintf(stderr, "erpsim calibrate: error: --to must be after --from\n");
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* A file name for a group: [A-Za-z0-9_-], unique among the groups. */
static void make_slug(calib_result *r, int i)
{
    char *s = r->groups[i].slug;
    size_t n = 0;
    for (const char *p = r->groups[i].g->name; *p && n < 40; p++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '_' || ch == '-';
        if (ok)
            s[n++] = ch;
        else if (n > 0 && s[n - 1] != '-')
            s[n++] = '-';
    }
    while (n > 0 && s[n - 1] == '-')
        n--;
    if (n == 0)
        s[n++] = 'g';
    s[n] = '\0';
    for (int k = 2;; k++) {
        int clash = 0;
        for (int j = 0; j < i && !clash; j++)
            clash = !strcmp(r->groups[j].slug, s);
        if (!clash)
            return;
        snprintf(s + n, sizeof r->groups[i].slug - n, "-%d", k);
    }
}

static int by_records(const void *a, const void *b)
{
    const calib_group *x = a, *y = b;
    return (x->g->rows < y->g->rows) - (x->g->rows > y->g->rows);
}

/* The daily limit: --daily-limit, else the salesforce preset's. */
static int daily_limit(const calibrate *c, double *limit, const char **source)
{
    sim_err err;
    sim_err_clear(&err);
    if (c->limit) {
        if (scn_parse_count(c->limit, limit, &err) != SIM_OK || !(*limit > 0)) {
            out_text_line(stderr, "erpsim calibrate: error: --daily-limit: %s",
                          err.msg[0] ? err.msg : "must be > 0");
            return CLI_EXIT_USAGE;
        }
        *source = "--daily-limit";
        return 0;
    }
    const scn_preset_value *v =
        scn_preset_value_of(scn_preset_find("system", "salesforce"), "api.daily_limit");
    if (!v || scn_parse_count(v->value, limit, &err) != SIM_OK) {
        fprintf(stderr, "erpsim calibrate: error: no daily limit in the salesforce preset\n");
        return CLI_EXIT_INTERNAL;
    }
    *source = "the salesforce preset: REFERENCE.md A1, 100,000 + 1,000 per licence; "
              "--daily-limit sets your org's";
    return 0;
}

static int fit_all(const calibrate *c, const cal_log *l, calib_result *r)
{
    int code = window(c, l, &r->from_us, &r->to_us);
    if (code)
        return code;
    r->log = l;
    r->ngroups = l->ngroups;
    r->groups = sim_calloc((size_t)l->ngroups + 1, sizeof *r->groups);
    if (!r->groups)
        return CLI_EXIT_INTERNAL;
    cal_fit_opts fo = {.local_min = l->local_min,
                       .from_us = r->from_us,
                       .to_us = r->to_us,
                       .bucket_us = l->bucket_us};
    for (int i = 0; i < l->ngroups; i++) {
        calib_group *g = &r->groups[i];
        g->g = &l->groups[i];
        sim_err_clear(&g->err);
        int rc = cal_fit_group(g->g->all, &fo, &g->fit, &g->err);
        if (rc == SIM_ENOMEM)
            return CLI_EXIT_INTERNAL;
        g->fitted = rc == SIM_OK;
        if (rc != SIM_OK && l->ngroups == 1) { /* nothing else to show */
            print_err(&g->err);
            return CLI_EXIT_USAGE;
        }
    }
    qsort(r->groups, (size_t)r->ngroups, sizeof *r->groups, by_records);
    for (int i = 0; i < r->ngroups; i++)
        make_slug(r, i);
    if (!l->has_limit)
        return 0;
    double limit;
    if ((code = daily_limit(c, &limit, &r->limit_source)))
        return code;
    const cal_minutes **counted = sim_calloc((size_t)r->ngroups + 1, sizeof *counted);
    if (!counted)
        return CLI_EXIT_INTERNAL;
    for (int i = 0; i < r->ngroups; i++)
        counted[i] = r->groups[i].g->limited;
    sim_err err;
    int rc =
        cal_headroom_compute(counted, r->ngroups, r->from_us, r->to_us, limit, &r->headroom, &err);
    sim_free(counted);
    if (rc != SIM_OK)
        return rc == SIM_ENOMEM ? CLI_EXIT_INTERNAL : 0;
    r->has_headroom = 1;
    for (int i = 0; i < r->ngroups; i++)
        r->groups[i].in_peak = cal_headroom_share(r->groups[i].g->limited, &r->headroom);
    return 0;
}

static void result_fini(calib_result *r)
{
    for (int i = 0; r->groups && i < r->ngroups; i++)
        if (r->groups[i].fitted)
            cal_fit_fini(&r->groups[i].fit);
    sim_free(r->groups);
}

/* The chart of each fitted group into dir (the staging folder of --out):
 * charts/calibrate-<slug>.png and .svg, their data in series/. */
static int draw_charts(const calibrate *c, const cli_opts *opts, const char *dir,
                       const calib_result *r)
{
    cli_opts o = *opts;
    o.no_charts = c->no_charts;
    int code = 0;
    for (int i = 0; i < r->ngroups && (code == 0 || code == CLI_EXIT_NO_CHARTS); i++) {
        const calib_group *g = &r->groups[i];
        const cal_fit *f = &g->fit;
        if (!g->fitted)
            continue;
        double *num = sim_calloc((size_t)f->ndays * 3 + 1, sizeof *num);
        int *kind = sim_calloc((size_t)f->ndays + 1, sizeof *kind);
        char(*dates)[16] = sim_calloc((size_t)f->ndays + 1, sizeof *dates);
        const char **dp = sim_calloc((size_t)f->ndays + 1, sizeof *dp);
        if (num && kind && dates && dp) {
            for (int k = 0; k < f->ndays; k++) {
                num[k] = f->days[k].count;
                num[f->ndays + k] = f->days[k].fitted;
                num[2 * f->ndays + k] = f->days[k].trend;
                kind[k] = (int)f->days[k].kind;
                dp[k] = cal_date_format(f->days[k].day, dates[k], sizeof dates[k]);
            }
            char sub[300], v[64], gr[48], name[96], title[200];
            snprintf(v, sizeof v, "%.0f/day", f->volume.est);
            if (f->has_growth)
                snprintf(gr, sizeof gr, ", growth %+.1f%%/month", 100.0 * f->growth.est);
            else
                gr[0] = '\0';
            snprintf(sub, sizeof sub,
                     "Records per day: volume %s at the end of the log%s; marked days are "
                     "left out of the fit",
                     v, gr);
            snprintf(title, sizeof title, "%s: calibrated arrival profile", g->g->name);
            snprintf(name, sizeof name, "calibrate-%s", g->slug);
            plt_calibrate chart = {.title = title,
                                   .subtitle = sub,
                                   .has_week = f->has_diurnal,
                                   .week_obs = f->week_obs,
                                   .week_fit = f->week_fit,
                                   .ndays = f->ndays,
                                   .dates = dp,
                                   .count = num,
                                   .fitted = num + f->ndays,
                                   .trend = num + 2 * f->ndays,
                                   .kind = kind};
            int rc = cli_opts_draw_calibrate(&o, dir, name, &chart);
            if (rc != 0 && (code == 0 || code == CLI_EXIT_NO_CHARTS))
                code = rc;
        } else {
            code = CLI_EXIT_INTERNAL;
        }
        sim_free(dp);
        sim_free(dates);
        sim_free(kind);
        sim_free(num);
        if (code == CLI_EXIT_NO_CHARTS) /* gnuplot is missing or failing: say it once */
            o.no_charts = 1;
    }
    return code;
}

/* The file name of the --into scenario (its copy in --out has it). */
static const char *into_base(const calibrate *c)
{
    return strrchr(c->into, '/') ? strrchr(c->into, '/') + 1 : c->into;
}

/* --into: the scenario, checked first (its utc_offset is the default
 * --tz). */
static int load_into(calibrate *c, mdl_scenario *sc)
{
    scn_diag diag;
    scn_diag_init(&diag);
    int rc = scn_load_file(c->into, NULL, sc, &diag);
    if (rc != SIM_OK) {
        int code = cli_opts_print_diag(c->into, rc, &diag);
        scn_diag_fini(&diag);
        return code;
    }
    scn_diag_fini(&diag);
    if (!c->lo.tz_given) {
        c->lo.tz_given = 1;
        c->lo.tz_min = (int)(sc->utc_offset / SIM_MIN);
    }
    return 0;
}

/* The group of a --map, or NULL after printing why. */
static const calib_group *map_group(const calib_result *r, const char *map, char *flow, size_t n)
{
    const char *eq = strrchr(map, '=');
    snprintf(flow, n, "%s", eq + 1);
    for (int i = 0; i < r->ngroups; i++) {
        const char *name = r->groups[i].g->name;
        if (strlen(name) == (size_t)(eq - map) && !strncmp(name, map, (size_t)(eq - map))) {
            if (r->groups[i].fitted)
                return &r->groups[i];
            out_text_line(stderr, "erpsim calibrate: error: --map %s: the group was not fitted: %s",
                          map, r->groups[i].err.msg);
            return NULL;
        }
    }
    char groups[600] = "";
    size_t used = 0;
    for (int i = 0; i < r->ngroups && i < 20 && used < sizeof groups; i++)
        used += (size_t)snprintf(groups + used, sizeof groups - used, "%s'%s'", i ? ", " : "",
                                 r->groups[i].g->name);
    out_text_line(stderr,
                  "erpsim calibrate: error: --map %s: no group '%.*s' in the log (groups: %s%s)",
                  map, (int)(eq - map), map, groups, r->ngroups > 20 ? ", ..." : "");
    return NULL;
}

/* The scenario of --into with the mapped values, checked to load:
 * *text (sim_free it) and its length, and a line per flow saying what
 * was replaced in *summary (sim_free it). Nothing is written. */
static int prepare_into(const calibrate *c, const calib_result *r, char **result,
                        size_t *result_len, char **summary)
{
    enum { VAL = 512 };
    int nitems = 0, code = CLI_EXIT_USAGE;
    cal_splice_item *items = sim_calloc((size_t)c->nmaps * CAL_NKEYS, sizeof *items);
    char(*flows)[128] = sim_calloc((size_t)c->nmaps, sizeof *flows);
    char(*vals)[VAL] = sim_calloc((size_t)c->nmaps * CAL_NKEYS, sizeof *vals);
    char *text = NULL, *out = NULL, *path = NULL;
    if (!items || !flows || !vals) {
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    for (int m = 0; m < c->nmaps; m++) {
        const calib_group *g = map_group(r, c->maps[m], flows[m], sizeof flows[m]);
        if (!g)
            goto done;
        for (int k = 0; k < CAL_NKEYS; k++) {
            char *v = vals[m * CAL_NKEYS + k];
            if (cal_yaml_value(&g->fit, (cal_key)k, v, VAL)[0])
                items[nitems++] = (cal_splice_item){flows[m], (cal_key)k, v};
        }
    }
    sim_err err;
    sim_err_clear(&err);
    size_t len, out_len;
    if (!(text = plt_file_read(c->into, &len, &err))) {
        out_text_line(stderr, "erpsim calibrate: error: %s", err.msg);
        goto done;
    }
    int rc = cal_splice(c->into, text, len, items, nitems, &out, &out_len, &err);
    if (rc != SIM_OK) {
        print_err(&err);
        code = rc == SIM_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_USAGE;
        goto done;
    }
    if (!(path = plt_file_join(c->out, into_base(c)))) {
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    /* the new text must be a valid scenario before it is written */
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    rc = scn_load_string(path, out, out_len, NULL, &sc, &diag);
    if (rc != SIM_OK) {
        fputs("erpsim calibrate: error: the calibrated scenario does not load:\n", stderr);
        code = cli_opts_print_diag(path, rc, &diag);
        scn_diag_fini(&diag);
        goto done;
    }
    scn_diag_fini(&diag);
    mdl_scenario_fini(&sc);
    plt_buf sb;
    plt_buf_init(&sb);
    plt_buf_printf(&sb, "\nWrote %s: a copy of %s with\n", path, c->into);
    for (int m = 0; m < c->nmaps; m++) {
        plt_buf_printf(&sb, "  %s <-", flows[m]);
        for (int i = 0; i < nitems; i++)
            if (items[i].flow == flows[m])
                plt_buf_printf(&sb, " %s", cal_key_name(items[i].key));
        plt_buf_puts(&sb, " (the rest as it was)\n");
    }
    if (!(*summary = plt_buf_take(&sb))) {
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    *result = out;
    *result_len = out_len;
    out = NULL;
    code = 0;
done:
    sim_free(path);
    sim_free(out);
    sim_free(text);
    sim_free(vals);
    sim_free(flows);
    sim_free(items);
    return code;
}

/* Writes the texts into dir, the staging folder of --out (and the --into
 * scenario when scenario is not NULL). */
static int write_out(const calibrate *c, const char *dir, const char *report, const char *frags,
                     const char *json, const char *scenario, size_t scenario_len)
{
    sim_err err;
    sim_err_clear(&err);
    if (plt_file_write(dir, "report.txt", report, strlen(report), &err) != SIM_OK ||
        plt_file_write(dir, "calibration.yaml", frags, strlen(frags), &err) != SIM_OK ||
        plt_file_write(dir, "calibration.json", json, strlen(json), &err) != SIM_OK ||
        (scenario && plt_file_write(dir, into_base(c), scenario, scenario_len, &err) != SIM_OK)) {
        out_text_line(stderr, "erpsim calibrate: error: %s", err.msg);
        return cli_opts_exit_code(err.code);
    }
    return 0;
}

/* The scenario of --into must not be inside the --out folder, which is
 * replaced whole: its original would go with it. */
static int into_outside_out(const calibrate *c)
{
    char dir[4096];
    const char *slash = strrchr(c->into, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - c->into) : 1, slash ? c->into : ".");
    if (!dir[0])
        snprintf(dir, sizeof dir, "/");
    if (!out_dir_same(dir, c->out))
        return 0;
    out_text_line(stderr,
                  "erpsim calibrate: error: --out %s holds the scenario %s, and the folder is "
                  "replaced whole: the original is never changed, give another folder",
                  c->out, c->into);
    return CLI_EXIT_USAGE;
}

int cmd_calibrate(int argc, char **argv)
{
    calibrate c;
    memset(&c, 0, sizeof c);
    int code = parse_args(&c, argc, argv);
    if (code)
        return code < 0 ? 0 : code;
    mdl_scenario into;
    mdl_scenario_init(&into);
    if (c.into && (code = load_into(&c, &into)))
        return code;
    mdl_scenario_fini(&into);
    if (c.into && (code = into_outside_out(&c)))
        return code;
    cli_opts o; /* what the shared folder and chart helpers read */
    memset(&o, 0, sizeof o);
    o.cmd = "calibrate";
    o.out = c.out;
    o.no_charts = c.no_charts;
    o.quiet = c.quiet;
    plt_folder f = {0};
    if (c.out && (code = out_dir_begin(&o, c.out, NULL, &f))) /* before the log is read */
        return code;
    cal_log *l = NULL;
    calib_result r;
    memset(&r, 0, sizeof r);
    char *warn = NULL, *report = NULL, *frags = NULL, *json = NULL, *scenario = NULL;
    char *summary = NULL;
    size_t scenario_len = 0;
    sim_err err;
    sim_err_clear(&err);
    int rc = cal_log_read(c.logs, c.nlogs, &c.lo, &l, &err);
    if (rc != SIM_OK) {
        print_err(&err);
        code = rc == SIM_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_USAGE;
        goto done;
    }
    if (l->rows == 0) {
        fputs("erpsim calibrate: error: the log has no data rows\n", stderr);
        code = CLI_EXIT_USAGE;
        goto done;
    }
    if ((code = fit_all(&c, l, &r)))
        goto done;
    if (!(warn = out_calib_warnings(&r, &err)) || !(report = out_calib_report(&r, &err)) ||
        !(frags = out_calib_fragments(&r, &err)) || !(json = out_calib_json(&r, &err))) {
        out_text_line(stderr, "erpsim calibrate: error: %s", err.msg);
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    for (char *line = warn; *line;) {
        char *end = strchr(line, '\n');
        out_text_line(stderr, "erpsim calibrate: warning: %.*s", (int)(end - line), line);
        line = end + 1;
    }
    if (c.into && (code = prepare_into(&c, &r, &scenario, &scenario_len, &summary)))
        goto done;
    int charts = 0;
    if (c.out) {
        if ((code = write_out(&c, f.tmp, report, frags, json, scenario, scenario_len)))
            goto done;
        if ((charts = draw_charts(&c, &o, f.tmp, &r)) != 0 && charts != CLI_EXIT_NO_CHARTS) {
            code = charts;
            goto done;
        }
        if ((code = out_dir_end(&o, &f, charts)) != charts) /* the folder swapped in */
            goto done;
    }
    if (!c.quiet) {
        if (c.json) {
            fputs(json, stdout);
        } else {
            fputs(report, stdout);
            printf("\nScenario values (paste under a flow):\n%s", frags);
            if (c.out)
                printf("\nWritten to %s/: report.txt calibration.yaml calibration.json "
                       "series/%s\n",
                       c.out, charts == 0 && !c.no_charts ? " charts/" : "");
            if (summary)
                fputs(summary, stdout);
        }
    }
    code = charts;
done:
    plt_folder_fini(&f); /* a folder not swapped in is removed */
    sim_free(scenario);
    sim_free(summary);
    sim_free(warn);
    sim_free(report);
    sim_free(frags);
    sim_free(json);
    result_fini(&r);
    cal_log_destroy(l);
    return code;
}
