/*
 * res_json.c - results.json with jansson; the schema is in res_json.h.
 *
 * Writing streams: the document's skeleton (its top-level members and the
 * "metrics" object) is written here, and each member inside it (the
 * scenario, the verdict, the variants) is built as a jansson tree, dumped
 * and freed before the next, so the writer never holds the whole document
 * and its text (at 1,000 flows the whole tree and its text were hundreds
 * of megabytes). The metrics, most of the bytes, are written directly
 * (`metric`): no tree, each real formatted once by res_fmt_json_real. The
 * bytes are those jansson writes for the whole tree with JSON_INDENT(1):
 * each member is dumped with the same flags and indented to its depth (see
 * `stream`). Reading is tolerant of members it does not know
 * (a later erpsim may add some) and strict about the ones it needs.
 */
#include "res_json.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "res_fmt.h"
#include "sim_alloc.h"

/* ---- writing ------------------------------------------------------------ */

/* A JSON number, or null for NaN and infinities (JSON has neither). */
static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str(const char *s)
{
    return json_string(s ? s : "");
}

/* Sets key to value in obj; a NULL value (no memory) marks the build
 * failed. json_object_set_new always takes the value over. */
static void put(json_t *obj, const char *key, json_t *value, int *failed)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        *failed = 1;
}

static void push(json_t *arr, json_t *value, int *failed)
{
    if (!value || json_array_append_new(arr, value) != 0)
        *failed = 1;
}

/* A variant flow's counts, in res_variant_flow's order. */
static const char *const variant_counts[] = {"created",       "delivered", "rejected",
                                             "dead_lettered", "lost",      "pending"};

/* The members of a limit record's "metrics", in mdl_limit's order. */
static const char *const limit_metric_keys[] = {"peak", "exhausted_at", "ran_out", "refused"};

static json_t *scenario_json(const res_results *r, int *failed)
{
    json_t *s = json_object();
    if (!s) {
        *failed = 1;
        return NULL;
    }
    put(s, "name", str(r->name), failed);
    put(s, "description", str(r->description), failed);
    put(s, "source", str(r->source), failed);
    put(s, "horizon_s", num(r->horizon_s), failed);
    put(s, "warmup_s", num(r->warmup_s), failed);
    put(s, "load", num(r->load), failed);
    put(s, "seed", json_integer((json_int_t)r->seed), failed);
    put(s, "replications", json_integer(r->replications), failed);
    json_t *sets = json_array();
    put(s, "overrides", sets, failed);
    for (int i = 0; sets && i < r->noverrides; i++)
        push(sets, str(r->overrides[i]), failed);
    json_t *flows = json_array(), *systems = json_array(), *callers = json_array();
    put(s, "flows", flows, failed);
    put(s, "systems", systems, failed);
    put(s, "callers", callers, failed);
    for (int i = 0; flows && i < r->nflows; i++) {
        const res_flow *f = &r->flows[i];
        json_t *o = json_object();
        push(flows, o, failed);
        if (!o)
            continue;
        put(o, "id", str(f->id), failed);
        put(o, "description", str(f->description), failed);
        put(o, "source", str(f->source), failed);
        put(o, "target", str(f->target), failed);
        put(o, "caller", f->caller[0] ? str(f->caller) : json_null(), failed);
        put(o, "pattern", str(f->pattern), failed);
        put(o, "impact", str(f->impact), failed);
        put(o, "error_tolerance", str(f->tolerance), failed);
        put(o, "records_per_day", num(f->per_day), failed);
        put(o, "latency_slo_s", f->slo_s > 0 ? num(f->slo_s) : json_null(), failed);
        put(o, "slo_nightly", json_boolean(f->slo_nightly), failed);
        put(o, "batch_window_s", f->batch_window_s > 0 ? num(f->batch_window_s) : json_null(),
            failed);
        put(o, "growth_per_month", num(f->growth), failed);
    }
    for (int i = 0; systems && i < r->nsystems; i++) {
        const res_system *y = &r->systems[i];
        json_t *o = json_object();
        push(systems, o, failed);
        if (!o)
            continue;
        put(o, "id", str(y->id), failed);
        put(o, "kind", str(y->kind), failed);
        put(o, "daily_limit", y->daily_limit > 0 ? num(y->daily_limit) : json_null(), failed);
        put(o, "quota_window_s", num(y->quota_window_s), failed);
        put(o, "quota_rolling", json_boolean(y->quota_rolling), failed);
        put(o, "concurrency_limit", json_integer(y->concurrency_limit), failed);
        put(o, "delivery_allocation",
            y->delivery_allocation > 0 ? num(y->delivery_allocation) : json_null(), failed);
        put(o, "retention_s", y->retention_s > 0 ? num(y->retention_s) : json_null(), failed);
    }
    for (int i = 0; callers && i < r->ncallers; i++) {
        json_t *o = json_object();
        push(callers, o, failed);
        if (!o)
            continue;
        put(o, "id", str(r->callers[i].id), failed);
        put(o, "pool_size", json_integer(r->callers[i].pool_size), failed);
    }
    json_t *limits = json_array();
    put(s, "limits", limits, failed);
    for (int i = 0; limits && i < r->nlimits; i++) {
        const mdl_limit *d = &r->limits[i];
        json_t *o = json_object(), *m = json_object();
        push(limits, o, failed);
        if (!o) {
            json_decref(m);
            continue;
        }
        put(o, "kind", str(mdl_limit_kind_name(d->kind)), failed);
        put(o, "id", str(d->id), failed);
        put(o, "what", str(d->what), failed);
        put(o, "unit", str(d->unit), failed);
        put(o, "refused_unit", str(d->refused_unit), failed);
        put(o, "limit", num(d->limit), failed);
        put(o, "window_s", d->window_s > 0 ? num(d->window_s) : json_null(), failed);
        put(o, "metrics", m, failed);
        const char *const names[] = {d->peak, d->exhausted_at, d->ran_out, d->refused};
        for (size_t k = 0; m && k < sizeof names / sizeof names[0]; k++)
            put(m, limit_metric_keys[k], names[k][0] ? str(names[k]) : json_null(), failed);
    }
    put(s, "yaml", r->yaml ? str(r->yaml) : json_null(), failed);
    return s;
}

static json_t *verdict_json(const res_verdict *v, int *failed)
{
    json_t *o = json_object(), *br = json_array(), *fl = json_array(), *li = json_array();
    if (!o) {
        *failed = 1;
        json_decref(br);
        json_decref(fl);
        json_decref(li);
        return NULL;
    }
    char banner[512];
    put(o, "result", str(res_verdict_result(v)), failed);
    put(o, "banner", str(res_verdict_banner(v, banner, sizeof banner)), failed);
    put(o, "violation", json_boolean(!v->holds), failed);
    put(o, "breaks_first", br, failed);
    put(o, "flows", fl, failed);
    put(o, "limits", li, failed);
    for (int i = 0; br && i < v->nitems; i++) {
        const res_item *it = &v->items[i];
        json_t *b = json_object();
        push(br, b, failed);
        if (!b)
            continue;
        put(b, "rule", str(res_rule_name(it->rule)), failed);
        put(b, "severity", str(res_severity_name(res_rule_severity(it->rule))), failed);
        put(b, "subject", str(it->subject), failed);
        put(b, "at_s", num(it->at_s), failed);
        put(b, "text", str(it->text), failed);
        put(b, "cause", it->cause[0] ? str(it->cause) : json_null(), failed);
        put(b, "what_it_would_take", it->take[0] ? str(it->take) : json_null(), failed);
    }
    for (int i = 0; fl && i < v->nflows; i++) {
        const res_verdict_flow *f = &v->flows[i];
        json_t *b = json_object();
        push(fl, b, failed);
        if (!b)
            continue;
        put(b, "id", str(f->id), failed);
        put(b, "status", str(res_verdict_status_name(f->status)), failed);
        put(b, "latency", str(res_verdict_status_name(f->latency)), failed);
        put(b, "latency_slo_s", f->slo_s > 0 ? num(f->slo_s) : json_null(), failed);
        put(b, "p99_s", num(f->p99), failed);
        put(b, "p99_half_width_s", num(f->p99_hw), failed);
        put(b, "created", num(f->created), failed);
        put(b, "delivered", num(f->delivered), failed);
        put(b, "rejected", num(f->rejected), failed);
        put(b, "dead_lettered", num(f->dead_lettered), failed);
        put(b, "lost", num(f->lost), failed);
        put(b, "pending", num(f->pending), failed);
        put(b, "parked", num(f->parked), failed);
        put(b, "pending_past_slo", num(f->overdue), failed);
        put(b, "not_delivered", num(f->not_delivered), failed);
        put(b, "not_delivered_share", num(f->share), failed);
        put(b, "tolerance", num(f->tolerance), failed);
        put(b, "top_reason", f->top_reason[0] ? str(f->top_reason) : json_null(), failed);
    }
    json_t *pr = json_array();
    put(o, "projections", pr, failed);
    for (int i = 0; pr && i < v->nprojections; i++) {
        const res_projection *p = &v->projections[i];
        json_t *b = json_object();
        push(pr, b, failed);
        if (!b)
            continue;
        put(b, "flow", str(p->flow->id), failed);
        put(b, "state", str(res_projection_state_name(p->state)), failed);
        put(b, "replications", json_integer(p->reps), failed);
        put(b, "with_projection", json_integer(p->with), failed);
        put(b, "median_month", num(p->median), failed);
        put(b, "min_month", num(p->lo), failed);
        put(b, "max_month", num(p->hi), failed);
        put(b, "runs_fitted", num(p->runs), failed);
        put(b, "trend_per_month", num(p->trend), failed);
        put(b, "trend_se", num(p->trend_se), failed);
        put(b, "days_needed", num(p->days_needed), failed);
        put(b, "curve_anchor_month", num(p->anchor_month), failed);
        put(b, "curve_anchor_s", num(p->anchor_s), failed);
        put(b, "curve_slope_per_month", num(p->slope), failed);
    }
    for (int i = 0; li && i < v->nlimits; i++) {
        const res_limit *l = &v->limits[i];
        json_t *b = json_object();
        push(li, b, failed);
        if (!b)
            continue;
        put(b, "kind", str(mdl_limit_kind_name(l->def->kind)), failed);
        put(b, "id", str(l->def->id), failed);
        put(b, "what", str(l->def->what), failed);
        put(b, "status", str(res_limit_status_name(l->status)), failed);
        put(b, "limit", num(l->def->limit), failed);
        put(b, "peak", num(l->peak), failed);
        put(b, "peak_half_width", num(l->peak_hw), failed);
        put(b, "headroom", num(l->headroom), failed);
        put(b, "runs_out", json_integer(l->runs_out), failed);
        put(b, "replications", json_integer(l->reps), failed);
        put(b, "out_at_s", num(l->out_at_s), failed);
        put(b, "refused", num(l->refused), failed);
    }
    return o;
}

static json_t *variants_json(const res_results *r, int *failed)
{
    json_t *arr = json_array();
    if (!arr) {
        *failed = 1;
        return NULL;
    }
    for (int i = 0; i < r->nvariants; i++) {
        const res_variant *x = &r->variants[i];
        json_t *o = json_object(), *fl = json_array();
        push(arr, o, failed);
        if (!o) {
            json_decref(fl);
            continue;
        }
        put(o, "id", str(x->id), failed);
        put(o, "description", str(x->description), failed);
        put(o, "result", str(x->result), failed);
        put(o, "banner", str(x->banner), failed);
        put(o, "flows", fl, failed);
        for (int k = 0; fl && k < x->nflows; k++) {
            const res_variant_flow *f = &x->flows[k];
            json_t *b = json_object();
            push(fl, b, failed);
            if (!b)
                continue;
            put(b, "id", str(f->id), failed);
            put(b, "status", str(f->status), failed);
            put(b, "p99_s", num(f->p99), failed);
            put(b, "p99_half_width_s", num(f->p99_hw), failed);
            const double counts[] = {f->created,       f->delivered, f->rejected,
                                     f->dead_lettered, f->lost,      f->pending};
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
                put(b, variant_counts[c], num(counts[c]), failed);
        }
    }
    return arr;
}

/* ---- streaming ----------------------------------------------------------- */

/* The writer: jansson dumps each value alone, from depth 0; the writer
 * indents it to where it sits by adding `depth` spaces after each newline
 * (a JSON string never holds a raw newline: jansson escapes it, so every
 * newline of a dump is indentation), and gathers the bytes into chunks for
 * the sink. */
typedef struct stream {
    res_json_sink *sink;
    void *ctx;
    int depth;         /* spaces after each newline of the value being dumped */
    int status;        /* SIM_OK, or the first failure: nothing more is written */
    int jansson_reals; /* 1: this jansson writes reals otherwise (see own_reals) */
    size_t n;
    char buf[16384];
} stream;

static void flush(stream *s)
{
    if (s->n > 0 && s->status == SIM_OK && s->sink(s->ctx, s->buf, s->n) != 0)
        s->status = SIM_EIO;
    s->n = 0;
}

static void emit_slow(stream *s, const char *p, size_t len)
{
    while (len > 0 && s->status == SIM_OK) {
        if (s->n == sizeof s->buf)
            flush(s);
        size_t k = sizeof s->buf - s->n < len ? sizeof s->buf - s->n : len;
        memcpy(s->buf + s->n, p, k);
        s->n += k;
        p += k;
        len -= k;
    }
}

/* Appends len bytes: most pieces are a few bytes and fit in the chunk. */
static inline void emit(stream *s, const char *p, size_t len)
{
    if (len <= sizeof s->buf - s->n) {
        memcpy(s->buf + s->n, p, len);
        s->n += len;
    } else {
        emit_slow(s, p, len);
    }
}

static void spaces(stream *s, int n)
{
    static const char blank[] = "                                ";
    for (; n > 0; n -= (int)sizeof blank - 1)
        emit(s, blank, n < (int)sizeof blank - 1 ? (size_t)n : sizeof blank - 1);
}

/* jansson's dump callback */
static int reindent(const char *p, size_t len, void *data)
{
    stream *s = data;
    const char *nl;
    while ((nl = memchr(p, '\n', len)) != NULL) {
        emit(s, p, (size_t)(nl + 1 - p));
        spaces(s, s->depth);
        len -= (size_t)(nl + 1 - p);
        p = nl + 1;
    }
    emit(s, p, len);
    return s->status == SIM_OK ? 0 : -1;
}

/* Writes v at depth (v's own lines indented by depth) and frees it; a NULL
 * or incompletely built (failed) value is a lack of memory, as is a dump
 * jansson gives up on by itself. */
static void value(stream *s, int depth, json_t *v, int failed)
{
    if (!v || failed) {
        if (s->status == SIM_OK)
            s->status = SIM_ENOMEM;
    } else if (s->status == SIM_OK) {
        s->depth = depth;
        if (json_dump_callback(v, reindent, s,
                               JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) != 0 &&
            s->status == SIM_OK)
            s->status = SIM_ENOMEM;
    }
    json_decref(v);
}

/* A string as jansson writes it: one of printable ASCII only, '"' and
 * '\\' aside, goes out as it is between quotes (jansson escapes none of
 * those characters); any other through jansson (its escapes, its check of
 * UTF-8). */
static void quoted(stream *s, const char *k)
{
    size_t n = 0;
    while (k[n] >= 0x20 && k[n] < 0x7f && k[n] != '"' && k[n] != '\\')
        n++;
    if (k[n] != '\0') {
        value(s, 0, json_string(k), 0);
        return;
    }
    emit(s, "\"", 1);
    emit(s, k, n);
    emit(s, "\"", 1);
}

/* Starts the (*count)th member of an object whose members sit at depth:
 * the separator, the indentation and the key as jansson writes them. */
static void key(stream *s, int depth, int *count, const char *k)
{
    emit(s, *count > 0 ? ",\n" : "\n", *count > 0 ? 2 : 1);
    (*count)++;
    spaces(s, depth);
    quoted(s, k);
    emit(s, ": ", 2);
}

static void member(stream *s, int depth, int *count, const char *k, json_t *v, int failed)
{
    key(s, depth, count, k);
    value(s, depth, v, failed);
}

/* ---- a metric, written directly -------------------------------------------- */

/* The metrics are most of the document (their series, megabytes of
 * numbers): they are written here as jansson would dump metric objects with
 * JSON_INDENT(1), without building a tree. Reals as jansson formats them
 * (res_fmt_json_real), integers as its "%lld", strings (the unit) as
 * `quoted`, so the bytes are those of the tree's dump (tests/results check
 * it by reading the text back and dumping it again). */

/* A newline and the indentation of depth (up to 64 spaces at once). */
static void newline(stream *s, int depth)
{
    static const char nl[] = "\n                                                                ";
    if (depth < (int)sizeof nl - 1) {
        emit(s, nl, (size_t)depth + 1);
    } else {
        emit(s, nl, 1);
        spaces(s, depth);
    }
}

/* Whether res_fmt_json_real writes reals as the jansson we link does.
 * Debian's jansson formats them with "%.17g"; one built with its dtoa
 * (USE_DTOA) writes the shortest form ("0.1", not "0.10000000000000001")
 * and switches to exponents elsewhere. The rest of the document goes
 * through jansson, so with such a jansson the metrics' reals do too. */
static int own_reals(void)
{
    static const double probe[] = {0.1, 1e-5, 123456789012345678.0, 1e17, 1e20, 2.5};
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        char mine[32];
        json_t *j = json_real(probe[i]);
        char *theirs = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
        int same = theirs && res_fmt_json_real(probe[i], mine) >= 0 && strcmp(mine, theirs) == 0;
        free(theirs);
        json_decref(j);
        if (!same)
            return 0;
    }
    return 1;
}

static void real(stream *s, double v)
{
    char b[32];
    if (!isfinite(v)) {
        emit(s, "null", 4); /* JSON has no NaN or infinities */
    } else if (s->jansson_reals) {
        json_t *j = json_real(v);
        char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
        if (t)
            emit(s, t, strlen(t));
        else if (s->status == SIM_OK)
            s->status = SIM_ENOMEM;
        free(t);
        json_decref(j);
    } else if (sizeof s->buf - s->n >= sizeof b) { /* straight into the chunk */
        s->n += (size_t)res_fmt_json_real(v, s->buf + s->n);
    } else {
        emit(s, b, (size_t)res_fmt_json_real(v, b));
    }
}

static void integer(stream *s, long long v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%lld", v);
    emit(s, b, (size_t)n);
}

/* An array of reals (null for NaN; all null without v) whose brackets sit
 * at depth. */
static void reals(stream *s, int depth, const double *v, size_t n)
{
    if (n == 0) {
        emit(s, "[]", 2);
        return;
    }
    emit(s, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            emit(s, ",", 1);
        newline(s, depth + 1);
        real(s, v ? v[i] : NAN);
    }
    newline(s, depth);
    emit(s, "]", 1);
}

/* The members of a metric object whose braces sit at depth. */
static void metric_real(stream *s, int depth, int *count, const char *k, double v)
{
    key(s, depth + 1, count, k);
    real(s, v);
}

static void metric_int(stream *s, int depth, int *count, const char *k, long long v)
{
    key(s, depth + 1, count, k);
    integer(s, v);
}

static void metric_reals(stream *s, int depth, int *count, const char *k, const double *v, size_t n)
{
    key(s, depth + 1, count, k);
    reals(s, depth + 1, v, n);
}

static void close_object(stream *s, int depth, int count);

/* Metric m as an object whose braces sit at depth. */
static void metric(stream *s, int depth, const res_metric *m)
{
    static const char *const kinds[] = {"\"scalar\"", "\"hist\"", "\"series\""};
    int n = 0;
    emit(s, "{", 1);
    key(s, depth + 1, &n, "kind");
    emit(s, kinds[m->kind], strlen(kinds[m->kind]));
    key(s, depth + 1, &n, "unit");
    quoted(s, m->unit ? m->unit : "");
    switch (m->kind) {
    case SIM_METRIC_SCALAR:
        metric_real(s, depth, &n, "mean", m->mean);
        metric_real(s, depth, &n, "half_width", m->half_width);
        metric_int(s, depth, &n, "replications", m->n);
        metric_real(s, depth, &n, "min", m->min);
        metric_real(s, depth, &n, "max", m->max);
        metric_reals(s, depth, &n, "values", m->values, (size_t)(m->n > 0 ? m->n : 0));
        break;
    case SIM_METRIC_HIST:
        metric_int(s, depth, &n, "count", (long long)(json_int_t)m->count);
        metric_real(s, depth, &n, "mean", m->mean);
        metric_real(s, depth, &n, "min", m->min);
        metric_real(s, depth, &n, "max", m->max);
        metric_real(s, depth, &n, "p50", m->p50);
        metric_real(s, depth, &n, "p95", m->p95);
        metric_real(s, depth, &n, "p99", m->p99);
        metric_int(s, depth, &n, "replications", m->n);
        key(s, depth + 1, &n, "bins");
        if (m->nbins == 0) {
            emit(s, "[]", 2);
            break;
        }
        emit(s, "[", 1);
        for (size_t i = 0; i < m->nbins; i++) {
            if (i > 0)
                emit(s, ",", 1);
            newline(s, depth + 2);
            emit(s, "[", 1);
            newline(s, depth + 3);
            real(s, m->lo[i]);
            emit(s, ",", 1);
            newline(s, depth + 3);
            real(s, m->hi[i]);
            emit(s, ",", 1);
            newline(s, depth + 3);
            integer(s, (long long)(json_int_t)m->bin_count[i]);
            newline(s, depth + 2);
            emit(s, "]", 1);
        }
        newline(s, depth + 1);
        emit(s, "]", 1);
        break;
    case SIM_METRIC_SERIES:
        metric_real(s, depth, &n, "interval_s", m->interval_s);
        metric_int(s, depth, &n, "replications", m->n);
        metric_real(s, depth, &n, "mean", m->mean);
        metric_real(s, depth, &n, "min", m->min);
        metric_real(s, depth, &n, "max", m->max);
        metric_reals(s, depth, &n, "values", m->y, m->npoints);
        metric_reals(s, depth, &n, "max_values", m->ymax, m->npoints);
        break;
    }
    close_object(s, depth, n);
}

/* Closes an object of count members whose braces sit at depth. */
static void close_object(stream *s, int depth, int count)
{
    if (count > 0) {
        emit(s, "\n", 1);
        spaces(s, depth);
    }
    emit(s, "}", 1);
}

static json_t *run_json(const res_results *r, int *failed)
{
    json_t *run = json_object();
    if (!run) {
        *failed = 1;
        return NULL;
    }
    put(run, "seed", json_integer((json_int_t)r->seed), failed);
    put(run, "replications", json_integer(r->replications), failed);
    put(run, "confidence", num(r->confidence), failed);
    return run;
}

int res_json_write(const res_results *r, const res_verdict *v, res_json_sink *sink, void *ctx,
                   sim_err *err)
{
    stream *s = sim_malloc(sizeof *s);
    if (!s)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory writing JSON");
    *s = (stream){.sink = sink, .ctx = ctx, .status = SIM_OK, .jansson_reals = !own_reals()};
    int n = 0, failed = 0;
    emit(s, "{", 1);
    member(s, 1, &n, "format", str("erpsim-results"), 0);
    member(s, 1, &n, "format_version", json_integer(OUT_JSON_FORMAT_VERSION), 0);
    member(s, 1, &n, "erpsim_version", str(r->version), 0);
    json_t *sc = scenario_json(r, &failed);
    member(s, 1, &n, "scenario", sc, failed);
    failed = 0;
    json_t *run = run_json(r, &failed);
    member(s, 1, &n, "run", run, failed);
    /* the metrics one at a time: only one metric's tree is ever built */
    key(s, 1, &n, "metrics");
    emit(s, "{", 1);
    int nm = 0;
    for (size_t i = 0; i < r->nmetrics && s->status == SIM_OK; i++) {
        key(s, 2, &nm, r->metrics[i].name);
        metric(s, 2, &r->metrics[i]);
    }
    close_object(s, 1, nm);
    if (v && s->status == SIM_OK) {
        failed = 0;
        json_t *o = verdict_json(v, &failed);
        member(s, 1, &n, "verdict", o, failed);
    }
    if (r->nvariants > 0 && s->status == SIM_OK) {
        failed = 0;
        json_t *o = variants_json(r, &failed);
        member(s, 1, &n, "variants", o, failed);
    }
    close_object(s, 0, n);
    emit(s, "\n", 1);
    flush(s);
    int rc = s->status;
    sim_free(s);
    if (rc == SIM_EIO)
        return sim_err_set(err, rc, NULL, 0, 0, "writing JSON failed");
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "out of memory writing JSON");
    return SIM_OK;
}

/* The growing text of res_json_text. */
typedef struct grow {
    char *data;
    size_t len, cap;
} grow;

static int append(void *ctx, const char *p, size_t len)
{
    grow *t = ctx;
    if (t->len + len + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + len + 1)
            cap *= 2;
        char *bigger = sim_realloc(t->data, cap);
        if (!bigger)
            return -1;
        t->data = bigger;
        t->cap = cap;
    }
    memcpy(t->data + t->len, p, len);
    t->len += len;
    t->data[t->len] = '\0';
    return 0;
}

char *res_json_text(const res_results *r, const res_verdict *v, sim_err *err)
{
    grow t = {0};
    int rc = res_json_write(r, v, append, &t, err);
    if (rc == SIM_EIO) /* the only sink failure here is a lack of memory */
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory writing JSON");
    if (rc != SIM_OK) {
        sim_free(t.data);
        return NULL;
    }
    return t.data;
}

/* ---- reading ------------------------------------------------------------- */

static double get_num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A count read from the file as a C integer: 0 when it is missing, not
 * finite, negative or too large (converting such a double is undefined
 * behaviour, and a hand-edited file may hold anything). */
static int to_int(double v)
{
    return isfinite(v) && v >= 0 && v <= INT_MAX ? (int)v : 0;
}
static uint64_t to_u64(double v)
{
    return isfinite(v) && v >= 0 && v < 18446744073709551616.0 ? (uint64_t)v : 0;
}

static void get_str(const json_t *o, const char *key, char *out, size_t n)
{
    const json_t *v = json_object_get(o, key);
    snprintf(out, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static char *dup_str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? sim_strdup(json_string_value(v)) : NULL;
}

/* A new array of the numbers in arr (null -> NaN); *n gets its length. */
static double *get_numbers(const json_t *arr, size_t *n)
{
    *n = json_is_array(arr) ? json_array_size(arr) : 0;
    if (*n == 0)
        return NULL;
    double *v = sim_calloc(*n, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < *n; i++) {
        const json_t *x = json_array_get(arr, i);
        v[i] = json_is_number(x) ? json_number_value(x) : NAN;
    }
    return v;
}

/* The limit table; a record of a kind this erpsim does not know is skipped
 * (a later erpsim may add kinds), as is a file without the table. */
static int read_limits(res_results *r, const json_t *arr, sim_err *err)
{
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *o = json_array_get(arr, i), *m = json_object_get(o, "metrics");
        int kind = mdl_limit_kind_parse(json_string_value(json_object_get(o, "kind")));
        if (kind < 0)
            continue;
        mdl_limit l;
        memset(&l, 0, sizeof l);
        l.kind = (mdl_limit_kind)kind;
        get_str(o, "id", l.id, sizeof l.id);
        get_str(o, "what", l.what, sizeof l.what);
        get_str(o, "unit", l.unit, sizeof l.unit);
        get_str(o, "refused_unit", l.refused_unit, sizeof l.refused_unit);
        l.limit = get_num(o, "limit");
        l.window_s = get_num(o, "window_s");
        if (!isfinite(l.window_s))
            l.window_s = 0.0;
        char *const names[] = {l.peak, l.exhausted_at, l.ran_out, l.refused};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            get_str(m, limit_metric_keys[k], names[k], MDL_LIMIT_METRIC_MAX);
        int rc = res_results_add_limit(r, &l, err);
        if (rc != SIM_OK)
            return rc;
    }
    return SIM_OK;
}

/* The variants as run (absent when they were not). */
static int read_variants(res_results *r, const json_t *arr, sim_err *err)
{
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *o = json_array_get(arr, i), *fl = json_object_get(o, "flows");
        const char *id = json_string_value(json_object_get(o, "id"));
        const char *desc = json_string_value(json_object_get(o, "description"));
        res_variant *x = res_results_add_variant(r, id, desc, (int)json_array_size(fl), err);
        if (!x)
            return SIM_ENOMEM;
        get_str(o, "result", x->result, sizeof x->result);
        get_str(o, "banner", x->banner, sizeof x->banner);
        for (int k = 0; k < x->nflows; k++) {
            const json_t *b = json_array_get(fl, (size_t)k);
            res_variant_flow *f = &x->flows[k];
            get_str(b, "id", f->id, sizeof f->id);
            get_str(b, "status", f->status, sizeof f->status);
            f->p99 = get_num(b, "p99_s");
            f->p99_hw = get_num(b, "p99_half_width_s");
            double *const counts[] = {&f->created,       &f->delivered, &f->rejected,
                                      &f->dead_lettered, &f->lost,      &f->pending};
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
                *counts[c] = get_num(b, variant_counts[c]);
        }
    }
    return SIM_OK;
}

static int read_facts(res_results *r, const json_t *sc, sim_err *err)
{
    const json_t *flows = json_object_get(sc, "flows"), *systems = json_object_get(sc, "systems"),
                 *callers = json_object_get(sc, "callers");
    int rc = res_results_alloc_facts(r, (int)json_array_size(flows), (int)json_array_size(systems),
                                     (int)json_array_size(callers), err);
    if (rc != SIM_OK)
        return rc;
    r->name = dup_str(sc, "name");
    r->description = dup_str(sc, "description");
    r->source = dup_str(sc, "source");
    r->yaml = dup_str(sc, "yaml");
    r->horizon_s = get_num(sc, "horizon_s");
    r->warmup_s = get_num(sc, "warmup_s");
    r->load = get_num(sc, "load");
    const json_t *sets = json_object_get(sc, "overrides"); /* absent in older files: none */
    size_t nsets = json_array_size(sets);
    const char **vals = nsets ? sim_calloc(nsets, sizeof *vals) : NULL;
    if (nsets && !vals)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    int n = 0;
    for (size_t i = 0; i < nsets; i++)
        if (json_is_string(json_array_get(sets, i)))
            vals[n++] = json_string_value(json_array_get(sets, i));
    rc = res_results_set_overrides(r, vals, n, err);
    sim_free(vals);
    if (rc != SIM_OK)
        return rc;
    for (int i = 0; i < r->nflows; i++) {
        const json_t *o = json_array_get(flows, (size_t)i);
        res_flow *f = &r->flows[i];
        get_str(o, "id", f->id, sizeof f->id);
        get_str(o, "source", f->source, sizeof f->source);
        get_str(o, "target", f->target, sizeof f->target);
        get_str(o, "caller", f->caller, sizeof f->caller);
        get_str(o, "pattern", f->pattern, sizeof f->pattern);
        get_str(o, "impact", f->impact, sizeof f->impact);
        get_str(o, "error_tolerance", f->tolerance, sizeof f->tolerance);
        f->description = dup_str(o, "description");
        f->per_day = get_num(o, "records_per_day");
        f->slo_s = get_num(o, "latency_slo_s");
        if (!isfinite(f->slo_s))
            f->slo_s = 0.0;
        f->slo_nightly = json_is_true(json_object_get(o, "slo_nightly"));
        f->batch_window_s = get_num(o, "batch_window_s");
        if (!isfinite(f->batch_window_s))
            f->batch_window_s = 0.0;
        f->growth = get_num(o, "growth_per_month");
        if (!isfinite(f->growth))
            f->growth = 0.0;
    }
    for (int i = 0; i < r->nsystems; i++) {
        const json_t *o = json_array_get(systems, (size_t)i);
        res_system *s = &r->systems[i];
        get_str(o, "id", s->id, sizeof s->id);
        get_str(o, "kind", s->kind, sizeof s->kind);
        double v = get_num(o, "daily_limit");
        s->daily_limit = isfinite(v) ? v : 0.0;
        s->quota_window_s = get_num(o, "quota_window_s");
        s->quota_rolling = json_is_true(json_object_get(o, "quota_rolling"));
        v = get_num(o, "concurrency_limit");
        s->concurrency_limit = to_int(v);
        v = get_num(o, "delivery_allocation");
        s->delivery_allocation = isfinite(v) ? v : 0.0;
        v = get_num(o, "retention_s");
        s->retention_s = isfinite(v) ? v : 0.0;
    }
    for (int i = 0; i < r->ncallers; i++) {
        const json_t *o = json_array_get(callers, (size_t)i);
        get_str(o, "id", r->callers[i].id, sizeof r->callers[i].id);
        double v = get_num(o, "pool_size");
        r->callers[i].pool_size = to_int(v);
    }
    return read_limits(r, json_object_get(sc, "limits"), err);
}

static int read_metric(res_results *r, const char *name, const json_t *o, const char *path,
                       sim_err *err)
{
    const char *kind = json_string_value(json_object_get(o, "kind"));
    sim_metric_kind k;
    if (kind && !strcmp(kind, "scalar"))
        k = SIM_METRIC_SCALAR;
    else if (kind && !strcmp(kind, "hist"))
        k = SIM_METRIC_HIST;
    else if (kind && !strcmp(kind, "series"))
        k = SIM_METRIC_SERIES;
    else
        return sim_err_set(err, SIM_EPARSE, path, 0, 0, "metric %s: unknown kind '%s'", name,
                           kind ? kind : "(none)");
    const char *unit = json_string_value(json_object_get(o, "unit"));
    res_metric *m = res_results_add(r, name, unit ? unit : "", k, err);
    if (!m)
        return err ? err->code : SIM_ENOMEM;
    double reps = get_num(o, "replications");
    m->n = to_int(reps);
    m->mean = get_num(o, "mean");
    m->min = get_num(o, "min");
    m->max = get_num(o, "max");
    size_t n;
    if (k == SIM_METRIC_SCALAR) {
        m->half_width = get_num(o, "half_width");
        m->values = get_numbers(json_object_get(o, "values"), &n);
        if (n > 0 && !m->values)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        m->n = (int)n;
    } else if (k == SIM_METRIC_HIST) {
        double c = get_num(o, "count");
        m->count = to_u64(c);
        m->p50 = get_num(o, "p50");
        m->p95 = get_num(o, "p95");
        m->p99 = get_num(o, "p99");
        const json_t *bins = json_object_get(o, "bins");
        size_t nb = json_is_array(bins) ? json_array_size(bins) : 0;
        if (nb > 0) {
            m->lo = sim_calloc(nb, sizeof *m->lo);
            m->hi = sim_calloc(nb, sizeof *m->hi);
            m->bin_count = sim_calloc(nb, sizeof *m->bin_count);
            if (!m->lo || !m->hi || !m->bin_count)
                return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            for (size_t i = 0; i < nb; i++) {
                const json_t *b = json_array_get(bins, i);
                if (!json_is_array(b) || json_array_size(b) != 3)
                    return sim_err_set(err, SIM_EPARSE, path, 0, 0,
                                       "metric %s: a bin must be [lo, hi, count]", name);
                m->lo[i] = json_number_value(json_array_get(b, 0));
                m->hi[i] = json_number_value(json_array_get(b, 1));
                double bc = json_number_value(json_array_get(b, 2));
                m->bin_count[i] = to_u64(bc);
            }
            m->nbins = nb;
        }
    } else {
        m->interval_s = get_num(o, "interval_s");
        m->y = get_numbers(json_object_get(o, "values"), &m->npoints);
        m->ymax = get_numbers(json_object_get(o, "max_values"), &n);
        if ((m->npoints > 0 && !m->y) || n != m->npoints || (n > 0 && !m->ymax))
            return sim_err_set(err, SIM_EPARSE, path, 0, 0,
                               "metric %s: values and max_values must have the same length", name);
        if (!(m->interval_s > 0) && m->npoints > 0)
            return sim_err_set(err, SIM_EPARSE, path, 0, 0,
                               "metric %s: interval_s must be a positive number", name);
    }
    return SIM_OK;
}

/* "format_version": an integer this reader knows. Files from a newer erpsim
 * may have changed a member's meaning: refused rather than misread. */
static int check_version(const json_t *root, const char *path, sim_err *err)
{
    const json_t *v = json_object_get(root, "format_version");
    if (!v)
        return sim_err_set(err, SIM_EPARSE, path, 0, 0,
                           "%s has no \"format_version\": not results of a known format "
                           "(this erpsim reads version %d)",
                           path, OUT_JSON_FORMAT_VERSION);
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return sim_err_set(err, SIM_EPARSE, path, 0, 0,
                           "%s: unknown format_version (this erpsim reads version %d)", path,
                           OUT_JSON_FORMAT_VERSION);
    if (json_integer_value(v) > OUT_JSON_FORMAT_VERSION) {
        const char *by = json_string_value(json_object_get(root, "erpsim_version"));
        return sim_err_set(err, SIM_EPARSE, path, 0, 0,
                           "%s has format_version %lld, written by a newer erpsim (%.32s): this "
                           "erpsim %s reads version %d; use that erpsim or run the scenario again",
                           path, (long long)json_integer_value(v), by ? by : "unknown version",
                           ERPSIM_VERSION, OUT_JSON_FORMAT_VERSION);
    }
    return SIM_OK;
}

/* Takes the parsed document (and frees it). */
static res_results *read_root(json_t *root, const char *path, sim_err *err)
{
    const char *format = json_string_value(json_object_get(root, "format"));
    const json_t *sc = json_object_get(root, "scenario"), *run = json_object_get(root, "run");
    json_t *metrics = json_object_get(root, "metrics");
    if (!format || strcmp(format, "erpsim-results") != 0 || !json_is_object(sc) ||
        !json_is_object(metrics)) {
        json_decref(root);
        sim_err_set(err, SIM_EPARSE, path, 0, 0,
                    "not an erpsim results file (no \"format\": \"erpsim-results\" with "
                    "\"scenario\" and \"metrics\")");
        return NULL;
    }
    if (check_version(root, path, err) != SIM_OK) {
        json_decref(root);
        return NULL;
    }
    res_results *r = res_results_create(err);
    int rc = r ? read_facts(r, sc, err) : SIM_ENOMEM;
    if (rc == SIM_OK) {
        get_str(root, "erpsim_version", r->version, sizeof r->version);
        double seed = get_num(run, "seed"), reps = get_num(run, "replications"),
               conf = get_num(run, "confidence");
        const json_t *s = json_object_get(run, "seed");
        r->seed = json_is_integer(s) ? (uint64_t)json_integer_value(s) : to_u64(seed);
        r->replications = to_int(reps);
        r->confidence = isfinite(conf) ? conf : 0.95;
        rc = read_variants(r, json_object_get(root, "variants"), err);
        const char *name;
        json_t *o;
        json_object_foreach(metrics, name, o)
        {
            if (rc != SIM_OK)
                break;
            if (!json_is_object(o)) {
                rc = sim_err_set(err, SIM_EPARSE, path, 0, 0, "metric %s is not an object", name);
                break;
            }
            if ((rc = read_metric(r, name, o, path, err)) != SIM_OK)
                break;
        }
    }
    json_decref(root);
    if (rc != SIM_OK) {
        res_results_destroy(r);
        return NULL;
    }
    return r;
}

static res_results *parse_error(const json_error_t *je, const char *path, sim_err *err)
{
    sim_err_set(err, SIM_EPARSE, path, je->line > 0 ? je->line : 0, je->column > 0 ? je->column : 0,
                "%s", je->text);
    return NULL;
}

res_results *res_json_read(const char *path, sim_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    return root ? read_root(root, path, err) : parse_error(&je, path, err);
}

res_results *res_json_parse(const char *name, const char *text, size_t len, sim_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    return root ? read_root(root, name, err) : parse_error(&je, name, err);
}
