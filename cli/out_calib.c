/*
 * out_calib.c - the calibration report, fragments and JSON; see
 * out_calib.h.
 */
#include "out_calib.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal_time.h"
#include "cal_yaml.h"
#include "plt_buf.h"
#include "res_fmt.h"
#include "sim_alloc.h"
#include "sim_text.h"

static const char *const wday[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

#define LIST_MAX 8 /* days listed per kind before "and N more" */

static char *take(plt_buf *b, sim_err *err)
{
    if (plt_buf_status(b, err) != SIM_OK) {
        plt_buf_fini(b);
        return NULL;
    }
    if (!b->data)
        plt_buf_puts(b, "");
    return plt_buf_take(b);
}

/* Text from the log, shown by the one rule (sim/sim_text.h). */
static const char *safe(const char *s, char *buf, size_t n)
{
    return sim_text_visible(s, buf, n);
}

/* "2026-11-12 14:05" in UTC + offset minutes. */
static char *stamp(int64_t us, int offset_min, char *buf, size_t n)
{
    char t[40];
    cal_time_format(us, offset_min, t, sizeof t);
    snprintf(buf, n, "%.10s %.5s", t, t + 11);
    return buf;
}

static void pct(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%+.1f%%", 100.0 * v);
}

/* ---- warnings -------------------------------------------------------------- */

char *out_calib_warnings(const calib_result *r, sim_err *err)
{
    const cal_log *l = r->log;
    plt_buf b;
    plt_buf_init(&b);
    char n1[32], n2[32];
    if (l->duplicates)
        plt_buf_printf(&b, "%s duplicate row%s dropped (the same %s at the same time)\n",
                       res_fmt_count((double)l->duplicates, n1, sizeof n1),
                       l->duplicates == 1 ? "" : "s", l->id_col);
    if (l->unsorted)
        plt_buf_printf(&b,
                       "%s row%s out of time order (up to %s earlier than a row before); each "
                       "is counted in its own minute, so the fit is not affected\n",
                       res_fmt_count((double)l->unsorted, n1, sizeof n1),
                       l->unsorted == 1 ? "" : "s",
                       res_fmt_duration((double)l->max_back_us / 1e6, n2, sizeof n2));
    if (l->late)
        plt_buf_printf(&b,
                       "%s row%s more than an hour out of order could not be checked for "
                       "duplicates\n",
                       res_fmt_count((double)l->late, n1, sizeof n1), l->late == 1 ? "" : "s");
    if (l->skipped) {
        const sim_err *e = &l->first_skipped;
        char msg[300];
        plt_buf_printf(&b, "%s unreadable row%s skipped (--skip-bad); the first: %s:%d: %s\n",
                       res_fmt_count((double)l->skipped, n1, sizeof n1), l->skipped == 1 ? "" : "s",
                       e->file, e->line, safe(e->msg, msg, sizeof msg));
    }
    if (!l->zone_seen && l->rows)
        plt_buf_printf(&b, "the times have no time zone: read as %s (--tz sets it)\n",
                       cal_offset_format(l->local_min, n1, sizeof n1));
    for (int i = 0; i < r->ngroups; i++) {
        const calib_group *g = &r->groups[i];
        if (!g->fitted)
            continue;
        int gaps = 0;
        for (int k = 0; k < g->fit.ndays; k++)
            gaps += g->fit.days[k].kind == CAL_DAY_GAP;
        if (gaps) {
            char name[160];
            plt_buf_printf(&b,
                           "group %s: %d day%s without any record (missing data?) left out of "
                           "the fit\n",
                           safe(g->g->name, name, sizeof name), gaps, gaps == 1 ? "" : "s");
        }
    }
    return take(&b, err);
}

/* ---- the report ------------------------------------------------------------- */

static void days_of_kind(plt_buf *b, const cal_fit *f, cal_day_kind kind, int *first_line)
{
    int n = 0, total = 0;
    for (int k = 0; k < f->ndays; k++)
        total += f->days[k].kind == kind;
    for (int k = 0; k < f->ndays && total; k++) {
        const cal_day *d = &f->days[k];
        if (d->kind != kind)
            continue;
        if (n == LIST_MAX) {
            plt_buf_printf(b, "              ... and %d more\n", total - LIST_MAX);
            break;
        }
        char date[16], c[32], e[32];
        plt_buf_printf(b, "  %-12s%-6s %s %s: ", *first_line ? "left out" : "",
                       cal_day_kind_name(kind), cal_date_format(d->day, date, sizeof date),
                       wday[d->weekday]);
        *first_line = 0;
        if (kind == CAL_DAY_GAP)
            plt_buf_puts(b, "no record\n");
        else
            plt_buf_printf(b, "%s records, %s expected (robust z %.1f)\n",
                           res_fmt_count(d->count, c, sizeof c),
                           res_fmt_count(d->fitted, e, sizeof e), d->z);
        n++;
    }
}

static const char *burst_text(cal_burst b)
{
    switch (b) {
    case CAL_BURST_POISSON:
        return "Poisson arrivals fit (the simulator's default)";
    case CAL_BURST_SOME:
        return "burstier than Poisson: queues will be longer than a Poisson simulation shows; "
               "consider replaying the log (arrival.trace)";
    case CAL_BURST_FAR:
        return "far burstier than Poisson: replay the log with arrival.trace rather than "
               "simulate Poisson arrivals";
    default:
        return "not estimated";
    }
}

static void group_report(plt_buf *b, const calib_group *g)
{
    const cal_fit *f = &g->fit;
    char name[160], a[48], c[48], d[48];
    plt_buf_printf(b, "\n%s  %s record%s", safe(g->g->name, name, sizeof name),
                   res_fmt_count((double)g->g->rows, a, sizeof a), g->g->rows == 1 ? "" : "s");
    if (!g->fitted) {
        plt_buf_printf(b, "\n  not fitted: %s\n", safe(g->err.msg, name, sizeof name));
        return;
    }
    plt_buf_printf(b, ", %d whole day%s, %d used\n", f->ndays, f->ndays == 1 ? "" : "s",
                   f->days_used);
    if (isfinite(f->volume.est))
        plt_buf_printf(b,
                       "  %-12s%s/day at the end of the log, 95%% CI %s .. %s (mean %s/day over "
                       "the log)\n",
                       "volume", res_fmt_count(f->volume.est, a, sizeof a),
                       res_fmt_count(f->volume.lo, c, sizeof c),
                       res_fmt_count(f->volume.hi, d, sizeof d),
                       res_fmt_count(f->mean_per_day, name, sizeof name));
    if (f->has_growth) {
        char e[48];
        pct(f->growth.est, a, sizeof a);
        pct(f->growth.lo, c, sizeof c);
        pct(f->growth.hi, d, sizeof d);
        snprintf(e, sizeof e, "%.2g", f->growth_p);
        plt_buf_printf(b, "  %-12s%s/month, 95%% CI %s .. %s: %s (p = %s)\n", "growth", a, c, d,
                       f->growth_p < 0.05 ? "significant" : "not significant", e);
    }
    if (f->has_weekly) {
        plt_buf_printf(b, "  %-12s", "weekly");
        for (int w = 0; w < 7; w++)
            plt_buf_printf(b, "%s %.2f%s", wday[w], f->weekly[w].est, w < 6 ? "  " : "\n");
        plt_buf_printf(b,
                       "  %-12swith growth explains %.0f%% of the day-to-day variation (R^2); "
                       "dispersion %.2f (1 = Poisson)\n",
                       "", 100.0 * f->weekly_r2, f->day_dispersion);
    }
    if (f->has_diurnal) {
        int hi = 0, lo = 0;
        for (int h = 1; h < 24; h++) {
            hi = f->diurnal[h].est > f->diurnal[hi].est ? h : hi;
            lo = f->diurnal[h].est < f->diurnal[lo].est ? h : lo;
        }
        plt_buf_printf(b,
                       "  %-12speak %02d:00-%02d:00 at %.2fx the day's mean rate, quietest "
                       "%02d:00-%02d:00 at %.2fx\n",
                       "diurnal", hi, hi + 1, f->diurnal[hi].est, lo, lo + 1, f->diurnal[lo].est);
        plt_buf_printf(b,
                       "  %-12sexplains %.0f%% of the hour-to-hour variation (R^2); dispersion "
                       "%.2f\n",
                       "", 100.0 * f->diurnal_r2, f->hour_dispersion);
    }
    if (f->burst != CAL_BURST_UNKNOWN)
        plt_buf_printf(b, "  %-12sindex of dispersion %.2f per minute (1 = Poisson): %s\n",
                       "burstiness", f->burst_index, burst_text(f->burst));
    int first = 1;
    days_of_kind(b, f, CAL_DAY_GAP, &first);
    days_of_kind(b, f, CAL_DAY_SPIKE, &first);
    days_of_kind(b, f, CAL_DAY_LOW, &first);
    for (int k = 0; k < f->nnotes; k++)
        plt_buf_printf(b, "  %-12s%s\n", k ? "" : "not known", f->notes[k]);
}

static void headroom_report(plt_buf *b, const calib_result *r)
{
    const cal_headroom *h = &r->headroom;
    char a[48], c[48], t[40];
    plt_buf_puts(b, "\nAPI limit headroom (calls with COUNTS_AGAINST_API_LIMIT true, rolling "
                    "24 h, the whole org)\n");
    if (h->whole_windows)
        plt_buf_printf(b, "  %-12s%s calls in the 24 h to %s UTC\n", "peak",
                       res_fmt_count(h->peak, a, sizeof a), stamp(h->peak_end_us, 0, t, sizeof t));
    else
        plt_buf_printf(b, "  %-12s%s calls in the whole log (shorter than a day: a lower bound)\n",
                       "peak", res_fmt_count(h->peak, a, sizeof a));
    plt_buf_printf(b, "  %-12s%s calls per rolling 24 h (%s)\n", "limit",
                   res_fmt_count(h->limit, c, sizeof c), r->limit_source);
    plt_buf_printf(b, "  %-12s%.0f%% %s\n", "headroom", 100.0 * h->headroom,
                   h->headroom >= 0.3  ? "(at least the 30% the integration patterns card asks)"
                   : h->headroom > 0.0 ? "(below the 30% the integration patterns card asks)"
                                       : "(the log already reaches the limit)");
    int listed = 0;
    for (int i = 0; i < r->ngroups && listed < LIST_MAX; i++) {
        const calib_group *g = &r->groups[i];
        if (!(g->in_peak > 0.0))
            continue;
        char name[160];
        plt_buf_printf(b, "  %-12s%s %s (%.0f%%)\n", listed ? "" : "by group",
                       safe(g->g->name, name, sizeof name), res_fmt_count(g->in_peak, a, sizeof a),
                       h->peak > 0.0 ? 100.0 * g->in_peak / h->peak : 0.0);
        listed++;
    }
}

char *out_calib_report(const calib_result *r, sim_err *err)
{
    const cal_log *l = r->log;
    plt_buf b;
    plt_buf_init(&b);
    char a[48], c[48], t1[40], t2[40], z[16];
    plt_buf_printf(&b, "Calibration from %d %s log file%s: %s rows, %s to %s UTC\n", l->nfiles,
                   cal_log_kind_name(l->kind), l->nfiles == 1 ? "" : "s",
                   res_fmt_count((double)l->rows, a, sizeof a),
                   stamp(l->first_us, 0, t1, sizeof t1), stamp(l->last_us, 0, t2, sizeof t2));
    plt_buf_printf(&b, "Shapes in local time %s; ", cal_offset_format(l->local_min, z, sizeof z));
    if (l->by[0])
        plt_buf_printf(&b, "grouped by %s (%d group%s)\n", safe(l->by, c, sizeof c), l->ngroups,
                       l->ngroups == 1 ? "" : "s");
    else
        plt_buf_puts(&b, "one group (no --by)\n");
    plt_buf_printf(&b, "Window %s to %s local time; only whole local days are fitted\n",
                   stamp(r->from_us, l->local_min, t1, sizeof t1),
                   stamp(r->to_us, l->local_min, t2, sizeof t2));
    for (int i = 0; i < r->ngroups; i++)
        group_report(&b, &r->groups[i]);
    if (r->has_headroom)
        headroom_report(&b, r);
    plt_buf_puts(&b, "\nA log shows what happened: not the records that never reached it (other "
                     "channels, retries\nabsorbed upstream), nor what will change (new "
                     "integrations, migrations, campaigns).\n");
    return take(&b, err);
}

char *out_calib_fragments(const calib_result *r, sim_err *err)
{
    plt_buf b;
    plt_buf_init(&b);
    char about[200], t1[40], t2[40], z[16];
    char *frag = sim_malloc(8192);
    if (!frag) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    for (int i = 0; i < r->ngroups; i++) {
        const calib_group *g = &r->groups[i];
        if (!g->fitted)
            continue;
        snprintf(about, sizeof about,
                 "erpsim calibrate: %d whole day%s from %s to %s, local time %s", g->fit.ndays,
                 g->fit.ndays == 1 ? "" : "s", stamp(r->from_us, r->log->local_min, t1, sizeof t1),
                 stamp(r->to_us, r->log->local_min, t2, sizeof t2),
                 cal_offset_format(r->log->local_min, z, sizeof z));
        cal_yaml_fragment(&g->fit, g->g->name, about, 0, frag, 8192);
        plt_buf_printf(&b, "---\n%s", frag);
    }
    sim_free(frag);
    return take(&b, err);
}

/* ---- JSON ------------------------------------------------------------------ */

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *ci(cal_ci c)
{
    json_t *o = json_object();
    json_object_set_new(o, "est", num(c.est));
    json_object_set_new(o, "lo", num(c.lo));
    json_object_set_new(o, "hi", num(c.hi));
    return o;
}

static json_t *cis(const cal_ci *c, int n, int have)
{
    if (!have)
        return json_null();
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, ci(c[i]));
    return a;
}

static json_t *utc(int64_t us)
{
    char t[40];
    return json_string(cal_time_format(us, 0, t, sizeof t));
}

static json_t *group_json(const calib_group *g)
{
    const cal_fit *f = &g->fit;
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(g->g->name));
    json_object_set_new(o, "records", json_integer((json_int_t)g->g->rows));
    if (!g->fitted) {
        json_object_set_new(o, "error", json_string(g->err.msg));
        return o;
    }
    json_object_set_new(o, "days", json_integer(f->ndays));
    json_object_set_new(o, "days_used", json_integer(f->days_used));
    json_object_set_new(o, "records_used", num(f->records));
    json_object_set_new(o, "volume_per_day", ci(f->volume));
    json_object_set_new(o, "mean_per_day", num(f->mean_per_day));
    json_t *gr = f->has_growth ? ci(f->growth) : json_null();
    if (f->has_growth)
        json_object_set_new(gr, "p", num(f->growth_p));
    json_object_set_new(o, "growth_per_month", gr);
    json_object_set_new(o, "weekly", cis(f->weekly, 7, f->has_weekly));
    json_object_set_new(o, "diurnal", cis(f->diurnal, 24, f->has_diurnal));
    json_object_set_new(o, "weekly_r2", num(f->weekly_r2));
    json_object_set_new(o, "diurnal_r2", num(f->diurnal_r2));
    json_object_set_new(o, "day_dispersion", num(f->day_dispersion));
    json_object_set_new(o, "hour_dispersion", num(f->hour_dispersion));
    json_t *bu = json_object();
    json_object_set_new(bu, "index", num(f->burst_index));
    json_object_set_new(bu, "p", num(f->burst_p));
    json_object_set_new(bu, "verdict", json_string(cal_burst_name(f->burst)));
    json_object_set_new(o, "burstiness", bu);
    json_t *days = json_array();
    for (int k = 0; k < f->ndays; k++) {
        const cal_day *d = &f->days[k];
        char date[16];
        json_t *x = json_object();
        json_object_set_new(x, "date", json_string(cal_date_format(d->day, date, sizeof date)));
        json_object_set_new(x, "weekday", json_string(wday[d->weekday]));
        json_object_set_new(x, "count", num(d->count));
        json_object_set_new(x, "fitted", num(d->fitted));
        json_object_set_new(x, "kind", json_string(cal_day_kind_name(d->kind)));
        json_array_append_new(days, x);
    }
    json_object_set_new(o, "days_detail", days);
    json_t *notes = json_array();
    for (int k = 0; k < f->nnotes; k++)
        json_array_append_new(notes, json_string(f->notes[k]));
    json_object_set_new(o, "notes", notes);
    char v[512];
    json_t *yaml = json_object();
    for (int k = 0; k < CAL_NKEYS; k++) {
        cal_yaml_value(f, (cal_key)k, v, sizeof v);
        json_object_set_new(yaml, cal_key_name((cal_key)k), v[0] ? json_string(v) : json_null());
    }
    json_object_set_new(o, "scenario_values", yaml);
    return o;
}

char *out_calib_json(const calib_result *r, sim_err *err)
{
    const cal_log *l = r->log;
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string("erpsim-calibration"));
    json_object_set_new(root, "format_version", json_integer(1));
    json_object_set_new(root, "erpsim_version", json_string(ERPSIM_VERSION));
    json_t *log = json_object();
    json_object_set_new(log, "kind", json_string(cal_log_kind_name(l->kind)));
    json_t *files = json_array();
    for (int i = 0; i < l->nfiles; i++)
        json_array_append_new(files, json_string(l->files[i].path));
    json_object_set_new(log, "files", files);
    json_object_set_new(log, "rows", json_integer((json_int_t)l->rows));
    json_object_set_new(log, "first", l->rows ? utc(l->first_us) : json_null());
    json_object_set_new(log, "last", l->rows ? utc(l->last_us) : json_null());
    json_object_set_new(log, "time_column", json_string(l->time_col));
    json_object_set_new(log, "group_column", l->by[0] ? json_string(l->by) : json_null());
    json_object_set_new(log, "local_utc_offset_min", json_integer(l->local_min));
    json_object_set_new(log, "bucket_s", json_real((double)l->bucket_us / 1e6));
    json_object_set_new(log, "duplicates", json_integer((json_int_t)l->duplicates));
    json_object_set_new(log, "unsorted", json_integer((json_int_t)l->unsorted));
    json_object_set_new(log, "late", json_integer((json_int_t)l->late));
    json_object_set_new(log, "skipped", json_integer((json_int_t)l->skipped));
    json_object_set_new(root, "log", log);
    json_t *w = json_object();
    json_object_set_new(w, "from", utc(r->from_us));
    json_object_set_new(w, "to", utc(r->to_us));
    json_object_set_new(root, "window", w);
    json_t *groups = json_array();
    for (int i = 0; i < r->ngroups; i++)
        json_array_append_new(groups, group_json(&r->groups[i]));
    json_object_set_new(root, "groups", groups);
    json_t *h = json_null();
    if (r->has_headroom) {
        h = json_object();
        json_object_set_new(h, "limit", num(r->headroom.limit));
        json_object_set_new(h, "source", json_string(r->limit_source));
        json_object_set_new(h, "peak", num(r->headroom.peak));
        json_object_set_new(h, "peak_end", utc(r->headroom.peak_end_us));
        json_object_set_new(h, "whole_windows", json_boolean(r->headroom.whole_windows));
        json_object_set_new(h, "headroom", num(r->headroom.headroom));
        json_t *by = json_object();
        for (int i = 0; i < r->ngroups; i++)
            if (r->groups[i].in_peak > 0.0)
                json_object_set_new(by, r->groups[i].g->name, num(r->groups[i].in_peak));
        json_object_set_new(h, "by_group", by);
    }
    json_object_set_new(root, "headroom", h);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(root);
    char *out = text ? sim_malloc(strlen(text) + 2) : NULL; /* a sim_alloc copy, with a newline */
    if (out)
        sprintf(out, "%s\n", text);
    else
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory for the JSON");
    free(text);
    return out;
}
