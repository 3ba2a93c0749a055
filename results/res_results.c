/*
 * res_results.c - the results as plain data; see res_results.h.
 *
 * Metrics are found by name through a hash index (open addressing with
 * linear probing, FNV-1a on the name) built as they are added: a scenario
 * with 1,000 flows has ~20,000 metrics and every writer looks up each
 * flow's and system's metrics by name, which a linear scan made
 * quadratic (35 s for 1,000 flows, spent almost all here).
 */
#include "res_results.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mdl_world.h"
#include "res_fmt.h"
#include "sim_alloc.h"

res_results *res_results_create(sim_err *err)
{
    res_results *r = sim_calloc(1, sizeof *r);
    if (!r) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    snprintf(r->version, sizeof r->version, "%s", "");
    r->confidence = 0.95;
    r->load = 1.0;
    return r;
}

static void metric_free(res_metric *m)
{
    sim_free(m->name);
    sim_free(m->unit);
    sim_free(m->values);
    sim_free(m->lo);
    sim_free(m->hi);
    sim_free(m->bin_count);
    sim_free(m->y);
    sim_free(m->ymax);
}

void res_results_destroy(res_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nmetrics; i++)
        metric_free(&r->metrics[i]);
    sim_free(r->metrics);
    sim_free(r->slots);
    for (int i = 0; i < r->nflows; i++)
        sim_free(r->flows[i].description);
    sim_free(r->flows);
    sim_free(r->systems);
    sim_free(r->callers);
    sim_free(r->limits);
    for (int i = 0; i < r->nvariants; i++) {
        sim_free(r->variants[i].description);
        sim_free(r->variants[i].flows);
    }
    sim_free(r->variants);
    for (int i = 0; i < r->noverrides; i++)
        sim_free(r->overrides[i]);
    sim_free(r->overrides);
    sim_free(r->name);
    sim_free(r->description);
    sim_free(r->source);
    sim_free(r->yaml);
    sim_free(r);
}

/* Replaces *dst with a copy of src (NULL stays NULL). */
static int set_str(char **dst, const char *src)
{
    sim_free(*dst);
    *dst = NULL;
    if (!src)
        return SIM_OK;
    *dst = sim_strdup(src);
    return *dst ? SIM_OK : SIM_ENOMEM;
}

int res_results_add_limit(res_results *r, const mdl_limit *l, sim_err *err)
{
    mdl_limit *t = sim_reallocarray(r->limits, (size_t)r->nlimits + 1, sizeof *t);
    if (!t)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    r->limits = t;
    r->limits[r->nlimits++] = *l;
    return SIM_OK;
}

res_variant *res_results_add_variant(res_results *r, const char *id, const char *description,
                                     int nflows, sim_err *err)
{
    res_variant *t = sim_reallocarray(r->variants, (size_t)r->nvariants + 1, sizeof *t);
    if (!t) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    r->variants = t;
    res_variant *v = &t[r->nvariants];
    memset(v, 0, sizeof *v);
    snprintf(v->id, sizeof v->id, "%s", id ? id : "");
    v->description = sim_strdup(description ? description : "");
    v->flows = sim_calloc((size_t)nflows + 1, sizeof *v->flows);
    if (!v->description || !v->flows) {
        sim_free(v->description);
        sim_free(v->flows);
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    v->nflows = nflows;
    r->nvariants++;
    return v;
}

int res_results_set_overrides(res_results *r, const char *const *sets, int n, sim_err *err)
{
    for (int i = 0; i < r->noverrides; i++)
        sim_free(r->overrides[i]);
    sim_free(r->overrides);
    r->overrides = NULL;
    r->noverrides = 0;
    if (n <= 0)
        return SIM_OK;
    if (!(r->overrides = sim_calloc((size_t)n, sizeof *r->overrides)))
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    for (; r->noverrides < n; r->noverrides++)
        if (!(r->overrides[r->noverrides] = sim_strdup(sets[r->noverrides])))
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    return SIM_OK;
}

int res_results_alloc_facts(res_results *r, int nflows, int nsystems, int ncallers, sim_err *err)
{
    for (int i = 0; i < r->nflows; i++)
        sim_free(r->flows[i].description);
    sim_free(r->flows);
    sim_free(r->systems);
    sim_free(r->callers);
    sim_free(r->limits);
    r->limits = NULL;
    r->nlimits = 0;
    r->flows = sim_calloc((size_t)nflows + 1, sizeof *r->flows);
    r->systems = sim_calloc((size_t)nsystems + 1, sizeof *r->systems);
    r->callers = sim_calloc((size_t)ncallers + 1, sizeof *r->callers);
    r->nflows = r->nsystems = r->ncallers = 0;
    if (!r->flows || !r->systems || !r->callers)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    r->nflows = nflows;
    r->nsystems = nsystems;
    r->ncallers = ncallers;
    return SIM_OK;
}

int res_results_set_scenario(res_results *r, const mdl_scenario *sc, const char *source,
                             const char *yaml, sim_err *err)
{
    if (set_str(&r->name, sc->name ? sc->name : "") != SIM_OK ||
        set_str(&r->description, sc->description ? sc->description : "") != SIM_OK ||
        set_str(&r->source, source) != SIM_OK || set_str(&r->yaml, yaml) != SIM_OK)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = res_results_alloc_facts(r, sc->nflows, sc->nsystems, sc->ncallers, err);
    if (rc != SIM_OK)
        return rc;
    snprintf(r->version, sizeof r->version, "%s", ERPSIM_VERSION);
    r->seed = sc->seed;
    r->replications = sc->replications;
    r->load = sc->load;
    r->horizon_s = sim_time_to_seconds(sc->horizon);
    r->warmup_s = sim_time_to_seconds(sc->warmup);
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        res_flow *o = &r->flows[i];
        snprintf(o->id, sizeof o->id, "%s", f->id);
        snprintf(o->source, sizeof o->source, "%s", f->source);
        snprintf(o->target, sizeof o->target, "%s", f->target);
        snprintf(o->caller, sizeof o->caller, "%s", f->caller);
        snprintf(o->pattern, sizeof o->pattern, "%s",
                 mdl_spec_name(mdl_spec_pattern_names, (int)f->pattern));
        snprintf(o->impact, sizeof o->impact, "%s",
                 mdl_spec_name(mdl_spec_impact_names, (int)f->impact));
        snprintf(o->tolerance, sizeof o->tolerance, "%s",
                 mdl_spec_name(mdl_spec_tolerance_names, (int)f->error_tolerance));
        if (set_str(&o->description, f->description ? f->description : "") != SIM_OK)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        o->per_day = mdl_scenario_flow_per_day(sc, f);
        o->slo_s = sim_time_to_seconds(f->latency_slo);
        o->slo_nightly = f->slo_nightly;
        o->growth = f->arrival.growth;
        if (f->pattern == MDL_SPEC_PATTERN_BATCH)
            o->batch_window_s = sim_time_to_seconds(f->batch.window);
    }
    for (int i = 0; i < sc->nsystems; i++) {
        const mdl_system_spec *s = &sc->systems[i];
        res_system *o = &r->systems[i];
        snprintf(o->id, sizeof o->id, "%s", s->id);
        snprintf(o->kind, sizeof o->kind, "%s", mdl_spec_name(mdl_spec_kind_names, (int)s->kind));
        if (s->api.enabled) {
            o->daily_limit = s->api.daily_limit;
            o->quota_window_s = sim_time_to_seconds(s->api.window_length);
            o->quota_rolling = s->api.window == MDL_SPEC_WINDOW_ROLLING;
            o->concurrency_limit = s->api.concurrency_limit;
        }
        if (s->events.enabled) {
            o->delivery_allocation = s->events.delivery_allocation;
            o->retention_s = sim_time_to_seconds(s->events.retention);
        }
    }
    for (int i = 0; i < sc->ncallers; i++) {
        snprintf(r->callers[i].id, sizeof r->callers[i].id, "%s", sc->callers[i].id);
        r->callers[i].pool_size = sc->callers[i].pool_size;
    }
    return mdl_world_limits(sc, &r->limits, &r->nlimits, err);
}

/* ---- the name index ------------------------------------------------------ */

static size_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a, 64 bits */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211u;
    }
    return (size_t)h;
}

/* The slot holding name, or the empty slot where it would go. */
static size_t slot_of(const res_results *r, const char *name)
{
    size_t mask = r->nslots - 1;
    size_t i = hash_name(name) & mask;
    while (r->slots[i] && strcmp(r->metrics[r->slots[i] - 1].name, name) != 0)
        i = (i + 1) & mask;
    return i;
}

/* Makes room for one more metric: the table is rebuilt twice as large when
 * it would become more than half full. */
static int index_reserve(res_results *r)
{
    if (2 * (r->nmetrics + 1) <= r->nslots)
        return SIM_OK;
    size_t n = r->nslots ? 2 * r->nslots : 128;
    size_t *slots = sim_calloc(n, sizeof *slots);
    if (!slots)
        return SIM_ENOMEM;
    sim_free(r->slots);
    r->slots = slots;
    r->nslots = n;
    for (size_t k = 0; k < r->nmetrics; k++)
        r->slots[slot_of(r, r->metrics[k].name)] = k + 1;
    return SIM_OK;
}

res_metric *res_results_add(res_results *r, const char *name, const char *unit,
                            sim_metric_kind kind, sim_err *err)
{
    if (res_results_find(r, name)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "metric %s appears twice", name);
        return NULL;
    }
    if (index_reserve(r) != SIM_OK) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    if (r->nmetrics == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        res_metric *m = sim_reallocarray(r->metrics, cap, sizeof *m);
        if (!m) {
            sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            return NULL;
        }
        r->metrics = m;
        r->cap = cap;
    }
    res_metric *m = &r->metrics[r->nmetrics];
    memset(m, 0, sizeof *m);
    m->name = sim_strdup(name);
    m->unit = sim_strdup(unit ? unit : "");
    if (!m->name || !m->unit) {
        metric_free(m);
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    m->kind = kind;
    m->mean = m->half_width = m->min = m->max = NAN;
    m->p50 = m->p95 = m->p99 = m->interval_s = NAN;
    r->slots[slot_of(r, m->name)] = r->nmetrics + 1;
    r->nmetrics++;
    return m;
}

void res_metric_refresh(res_metric *m)
{
    const double *v = m->kind == SIM_METRIC_SCALAR ? m->values : m->y;
    size_t n = m->kind == SIM_METRIC_SCALAR ? (size_t)(m->n > 0 ? m->n : 0) : m->npoints;
    if (m->kind == SIM_METRIC_HIST || !v)
        return;
    double sum = 0.0, lo = INFINITY, hi = -INFINITY;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        sum += v[i];
        used++;
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    if (m->kind == SIM_METRIC_SERIES) {
        m->mean = used ? sum / (double)used : NAN;
        for (size_t i = 0; m->ymax && i < n; i++)
            if (isfinite(m->ymax[i]) && m->ymax[i] > hi)
                hi = m->ymax[i];
    }
    m->min = used ? lo : NAN;
    m->max = used || hi > -INFINITY ? hi : NAN;
}

static int copy_scalar(res_metric *m, const sim_metric *s)
{
    m->n = s->n;
    m->mean = s->mean;
    m->half_width = s->half_width;
    if (s->n > 0) {
        m->values = sim_calloc((size_t)s->n, sizeof *m->values);
        if (!m->values)
            return SIM_ENOMEM;
        memcpy(m->values, s->values, (size_t)s->n * sizeof *m->values);
    }
    double mean = m->mean;
    res_metric_refresh(m);
    m->mean = mean; /* keep the kernel's mean: NaN values make it NaN on purpose */
    return SIM_OK;
}

static int copy_hist(res_metric *m, const sim_hist *h, int reps)
{
    m->n = reps;
    m->count = sim_hist_count(h);
    m->mean = sim_hist_mean(h);
    m->min = sim_hist_min(h);
    m->max = sim_hist_max(h);
    m->p50 = sim_hist_quantile(h, 0.50);
    m->p95 = sim_hist_quantile(h, 0.95);
    m->p99 = sim_hist_quantile(h, 0.99);
    size_t nb = sim_hist_nbins(h);
    if (nb == 0)
        return SIM_OK;
    m->lo = sim_calloc(nb, sizeof *m->lo);
    m->hi = sim_calloc(nb, sizeof *m->hi);
    m->bin_count = sim_calloc(nb, sizeof *m->bin_count);
    if (!m->lo || !m->hi || !m->bin_count)
        return SIM_ENOMEM;
    size_t i = 0, at = 0;
    double lo, hi;
    uint64_t c;
    while (i < nb && sim_hist_next(h, &at, &lo, &hi, &c)) {
        m->lo[i] = lo;
        m->hi[i] = hi;
        m->bin_count[i] = c;
        i++;
    }
    m->nbins = i;
    return SIM_OK;
}

static int copy_series(res_metric *m, const sim_series *s, int reps)
{
    m->n = reps;
    m->interval_s = sim_time_to_seconds(sim_series_interval(s));
    size_t n = sim_series_nbins(s);
    m->npoints = n;
    if (n == 0)
        return SIM_OK;
    m->y = sim_calloc(n, sizeof *m->y);
    m->ymax = sim_calloc(n, sizeof *m->ymax);
    if (!m->y || !m->ymax)
        return SIM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        m->y[i] = sim_series_value(s, i);
        m->ymax[i] = sim_series_max(s, i);
    }
    res_metric_refresh(m);
    return SIM_OK;
}

int res_results_add_summary(res_results *r, const sim_summary *s, sim_err *err)
{
    r->replications = sim_summary_replications(s);
    r->confidence = sim_summary_confidence(s);
    size_t n = sim_summary_count(s);
    for (size_t i = 0; i < n; i++) {
        const sim_metric *sm = sim_summary_at(s, i);
        res_metric *m = res_results_add(r, sm->name, sm->unit, sm->kind, err);
        if (!m)
            return err ? err->code : SIM_ENOMEM;
        int rc = SIM_OK;
        switch (sm->kind) {
        case SIM_METRIC_SCALAR:
            rc = copy_scalar(m, sm);
            break;
        case SIM_METRIC_HIST:
            rc = sm->hist ? copy_hist(m, sm->hist, r->replications) : SIM_OK;
            break;
        case SIM_METRIC_SERIES:
            rc = sm->series ? copy_series(m, sm->series, r->replications) : SIM_OK;
            break;
        }
        if (rc != SIM_OK)
            return sim_err_set(err, rc, NULL, 0, 0, "out of memory copying %s", sm->name);
    }
    return SIM_OK;
}

const res_metric *res_results_find(const res_results *r, const char *name)
{
    if (!r->nslots)
        return NULL;
    size_t at = r->slots[slot_of(r, name)];
    return at ? &r->metrics[at - 1] : NULL;
}

const res_metric *res_results_findf(const res_results *r, const char *fmt, ...)
{
    char name[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof name)
        return NULL;
    return res_results_find(r, name);
}

double res_results_meanf(const res_results *r, double fallback, const char *fmt, ...)
{
    char name[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof name)
        return fallback;
    const res_metric *m = res_results_find(r, name);
    return m && m->kind == SIM_METRIC_SCALAR ? m->mean : fallback;
}

const res_flow *res_results_flow(const res_results *r, const char *id)
{
    for (int i = 0; i < r->nflows; i++)
        if (!strcmp(r->flows[i].id, id))
            return &r->flows[i];
    return NULL;
}

double res_results_reference(const res_results *r, const char *metric, char *label, size_t n)
{
    static const char *const latency[] = {"latency_p50", "latency_p95", "latency_p99",
                                          "latency_mean", "latency_max"};
    char name[256], v[32];
    label[0] = '\0';
    for (int i = 0; i < r->nlimits; i++)
        if (!strcmp(r->limits[i].peak, metric)) {
            snprintf(label, n, "limit %s %s", res_fmt_count(r->limits[i].limit, v, sizeof v),
                     r->limits[i].unit);
            return r->limits[i].limit;
        }
    for (int i = 0; i < r->nflows; i++) {
        const res_flow *f = &r->flows[i];
        for (size_t k = 0; f->slo_s > 0 && k < sizeof latency / sizeof latency[0]; k++) {
            snprintf(name, sizeof name, "flow.%s.%s", f->id, latency[k]);
            if (!strcmp(name, metric)) {
                snprintf(label, n, "SLO %s", res_fmt_duration(f->slo_s, v, sizeof v));
                return f->slo_s;
            }
        }
    }
    return NAN;
}

const res_system *res_results_system(const res_results *r, const char *id)
{
    for (int i = 0; i < r->nsystems; i++)
        if (!strcmp(r->systems[i].id, id))
            return &r->systems[i];
    return NULL;
}

const res_caller *res_results_caller(const res_results *r, const char *id)
{
    for (int i = 0; i < r->ncallers; i++)
        if (!strcmp(r->callers[i].id, id))
            return &r->callers[i];
    return NULL;
}

int res_name_match(const char *pattern, const char *name, char *star, size_t n)
{
    int captured = 0;
    const char *p = pattern, *s = name;
    while (*p) {
        if (*p == '*') {
            const char *end = s;
            while (*end && *end != '.')
                end++;
            if (end == s)
                return 0;
            if (!captured && star && n > 0) {
                size_t len = (size_t)(end - s) < n - 1 ? (size_t)(end - s) : n - 1;
                memcpy(star, s, len);
                star[len] = '\0';
            }
            captured = 1;
            s = end;
            p++;
        } else if (*p++ != *s++) {
            return 0;
        }
    }
    return *s == '\0';
}

double res_metric_quantile(const res_metric *m, double q)
{
    if (m->kind != SIM_METRIC_HIST || m->count == 0 || !(q >= 0.0 && q <= 1.0))
        return NAN;
    double rank = ceil(q * (double)m->count);
    if (rank <= 1.0)
        return m->min;
    if (rank >= (double)m->count)
        return m->max;
    double cum = 0.0;
    for (size_t i = 0; i < m->nbins; i++) {
        cum += (double)m->bin_count[i];
        if (cum >= rank) {
            double v = m->lo[i] == 0.0 ? 0.0 : 0.5 * (m->lo[i] + m->hi[i]);
            return v < m->min ? m->min : v > m->max ? m->max : v;
        }
    }
    return m->max;
}

double res_metric_cdf(const res_metric *m, double x)
{
    if (m->kind != SIM_METRIC_HIST || m->count == 0)
        return NAN;
    double cum = 0.0;
    for (size_t i = 0; i < m->nbins && m->hi[i] <= x; i++)
        cum += (double)m->bin_count[i];
    return cum / (double)m->count;
}

const res_variant_flow *res_variant_flow_of(const res_variant *x, const char *id)
{
    for (int j = 0; j < x->nflows; j++)
        if (!strcmp(x->flows[j].id, id))
            return &x->flows[j];
    return NULL;
}
