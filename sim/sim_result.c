/*
 * sim_result.c - per-replication metric lists and their merge into a summary.
 *
 * Layout. A sim_result is a growable array of metrics in insertion order plus
 * a name index. A summary is a fixed array of sim_metric views (the public,
 * const-qualified struct) next to a parallel array of the storage it points
 * into (owned), so nothing ever casts const away.
 *
 * Name index. An open-addressing hash table (FNV-1a, linear probing, at most
 * half full) whose slots hold the name pointer and the metric's position.
 * Names live in their own heap blocks, so growing the metric array never
 * moves them and the slots stay valid. A result holds at most a few thousand
 * metrics; the index keeps adding them O(1) each instead of a quadratic scan.
 *
 * Invariants:
 *   1. A failed append leaves the result exactly as it was (every allocation
 *      happens before anything is committed), and frees the hist or series it
 *      was given, which the contract says the result always takes over.
 *   2. Each metric's name and unit share one allocation: "name\0unit\0".
 *   3. A merge takes results one at a time in replication order and
 *      performs, for each, the same floating-point operations in the same
 *      order whoever hands them over and whenever: replication 0's hists
 *      and series are copied, later ones added into the copies, scalars
 *      appended and tallied; at the end the series are divided by n. So the
 *      summary is byte-identical whether the results came all at once
 *      (sim_summary_merge), one by one as threads finish (sim_experiment),
 *      or, later, from other processes.
 *   4. A partially built summary is always destroyable: its arrays start
 *      zeroed and sim_summary_destroy frees whatever is non-NULL.
 *   5. sim_merge_add either adds the whole result or changes nothing that
 *      is observable: every check (same metrics, same series shapes, no
 *      hist that lost observations) and every allocation (values, the
 *      hists' octaves) happens before the first value is added.
 *   6. Every scalar's values array has room for at least vcap values (some
 *      may have more after a failed growth); n <= vcap.
 */
#include "sim_result.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "sim_alloc.h"

/* Results alive in the process, for sim_result_live (tests and memory
 * accounting). */
static atomic_long live_results;

/* ---- name index -------------------------------------------------------- */

typedef struct slot {
    const char *name; /* NULL: empty; borrowed from the metric's storage */
    size_t pos;
} slot;

typedef struct name_index {
    slot *slots;
    size_t cap; /* 0 or a power of two */
} name_index;

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a 64-bit offset basis */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL; /* FNV prime */
    }
    return h;
}

static long index_find(const name_index *ix, const char *name)
{
    if (ix->cap == 0)
        return -1;
    size_t mask = ix->cap - 1;
    for (size_t i = (size_t)hash_name(name) & mask;; i = (i + 1) & mask) {
        if (!ix->slots[i].name)
            return -1;
        if (strcmp(ix->slots[i].name, name) == 0)
            return (long)ix->slots[i].pos;
    }
}

/* Inserts without checking for duplicates or room (the caller did both). */
static void index_put(name_index *ix, const char *name, size_t pos)
{
    size_t mask = ix->cap - 1;
    size_t i = (size_t)hash_name(name) & mask;
    while (ix->slots[i].name)
        i = (i + 1) & mask;
    ix->slots[i].name = name;
    ix->slots[i].pos = pos;
}

/* Makes room for `count` entries at most half full. On failure the index is
 * unchanged. */
static int index_reserve(name_index *ix, size_t count)
{
    if (count <= ix->cap / 2)
        return SIM_OK;
    size_t cap = ix->cap ? ix->cap : 16;
    while (count > cap / 2) {
        if (cap > SIZE_MAX / 4)
            return SIM_ENOMEM;
        cap *= 2;
    }
    slot *slots = sim_calloc(cap, sizeof *slots);
    if (!slots)
        return SIM_ENOMEM;
    name_index grown = {slots, cap};
    for (size_t i = 0; i < ix->cap; i++)
        if (ix->slots[i].name)
            index_put(&grown, ix->slots[i].name, ix->slots[i].pos);
    sim_free(ix->slots);
    *ix = grown;
    return SIM_OK;
}

static void index_fini(name_index *ix)
{
    sim_free(ix->slots);
    ix->slots = NULL;
    ix->cap = 0;
}

/* "name\0unit\0" in one block; *unit_out points at the unit part. */
static char *copy_names(const char *name, const char *unit, const char **unit_out)
{
    size_t ln = strlen(name) + 1, lu = strlen(unit) + 1;
    char *block = sim_malloc(ln + lu);
    if (!block)
        return NULL;
    memcpy(block, name, ln);
    memcpy(block + ln, unit, lu);
    *unit_out = block + ln;
    return block;
}

static const char *kind_name(sim_metric_kind k)
{
    switch (k) {
    case SIM_METRIC_SCALAR:
        return "scalar";
    case SIM_METRIC_HIST:
        return "hist";
    case SIM_METRIC_SERIES:
        return "series";
    }
    return "?";
}

/* ---- sim_result -------------------------------------------------------- */

typedef struct metric {
    char *name; /* the "name\0unit\0" block (invariant 2) */
    const char *unit;
    sim_metric_kind kind;
    double value;
    sim_hist *hist;
    sim_series *series;
} metric;

struct sim_result {
    metric *m;
    size_t n, cap;
    name_index ix;
};

sim_result *sim_result_create(sim_err *err)
{
    sim_result *r = sim_calloc(1, sizeof *r);
    if (!r)
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory creating a result");
    else
        atomic_fetch_add_explicit(&live_results, 1, memory_order_relaxed);
    return r;
}

long sim_result_live(void)
{
    return atomic_load_explicit(&live_results, memory_order_relaxed);
}

void sim_result_destroy(sim_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        sim_free(r->m[i].name);
        sim_hist_destroy(r->m[i].hist);
        sim_series_destroy(r->m[i].series);
    }
    sim_free(r->m);
    index_fini(&r->ix);
    sim_free(r);
    atomic_fetch_sub_explicit(&live_results, 1, memory_order_relaxed);
}

/* Appends one metric; takes over h or s (exactly one may be non-NULL, per
 * kind) and frees it on any error (invariant 1). */
static int append(sim_result *r, const char *name, const char *unit, sim_metric_kind kind,
                  double value, sim_hist *h, sim_series *s)
{
    int rc = SIM_EINVAL;
    if (!r || !name || !*name)
        goto fail;
    if (kind == SIM_METRIC_HIST && !h)
        goto fail;
    if (kind == SIM_METRIC_SERIES && !s)
        goto fail;
    if (index_find(&r->ix, name) >= 0)
        goto fail;
    rc = SIM_ENOMEM;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        metric *m = sim_reallocarray(r->m, cap, sizeof *m);
        if (!m)
            goto fail;
        r->m = m;
        r->cap = cap;
    }
    if (index_reserve(&r->ix, r->n + 1) != SIM_OK)
        goto fail;
    const char *unit_copy;
    char *block = copy_names(name, unit ? unit : "", &unit_copy);
    if (!block)
        goto fail;
    metric *m = &r->m[r->n];
    m->name = block;
    m->unit = unit_copy;
    m->kind = kind;
    m->value = kind == SIM_METRIC_SCALAR ? value : NAN;
    m->hist = h;
    m->series = s;
    index_put(&r->ix, block, r->n);
    r->n++;
    return SIM_OK;
fail:
    sim_hist_destroy(h);
    sim_series_destroy(s);
    return rc;
}

int sim_result_scalar(sim_result *r, const char *name, const char *unit, double value)
{
    return append(r, name, unit, SIM_METRIC_SCALAR, value, NULL, NULL);
}

int sim_result_hist(sim_result *r, const char *name, const char *unit, sim_hist *h)
{
    return append(r, name, unit, SIM_METRIC_HIST, NAN, h, NULL);
}

int sim_result_series(sim_result *r, const char *name, const char *unit, sim_series *s)
{
    return append(r, name, unit, SIM_METRIC_SERIES, NAN, NULL, s);
}

size_t sim_result_count(const sim_result *r)
{
    return r ? r->n : 0;
}

const char *sim_result_name(const sim_result *r, size_t i)
{
    return r && i < r->n ? r->m[i].name : NULL;
}

const char *sim_result_unit(const sim_result *r, size_t i)
{
    return r && i < r->n ? r->m[i].unit : NULL;
}

sim_metric_kind sim_result_kind(const sim_result *r, size_t i)
{
    return r && i < r->n ? r->m[i].kind : SIM_METRIC_SCALAR;
}

double sim_result_value(const sim_result *r, size_t i)
{
    return r && i < r->n ? r->m[i].value : NAN;
}

const sim_hist *sim_result_hist_at(const sim_result *r, size_t i)
{
    return r && i < r->n ? r->m[i].hist : NULL;
}

const sim_series *sim_result_series_at(const sim_result *r, size_t i)
{
    return r && i < r->n ? r->m[i].series : NULL;
}

size_t sim_result_bytes(const sim_result *r)
{
    if (!r)
        return 0;
    size_t bytes = sizeof *r + r->cap * sizeof *r->m + r->ix.cap * sizeof *r->ix.slots +
                   3 * SIM_ALLOC_OVERHEAD;
    for (size_t i = 0; i < r->n; i++) {
        const metric *m = &r->m[i];
        bytes += strlen(m->name) + strlen(m->unit) + 2 + SIM_ALLOC_OVERHEAD;
        if (m->hist)
            bytes += sim_hist_bytes();
        if (m->series)
            bytes += sim_series_bytes(sim_series_nbins(m->series));
    }
    return bytes;
}

long sim_result_find(const sim_result *r, const char *name)
{
    if (!r || !name)
        return -1;
    return index_find(&r->ix, name);
}

/* ---- bytes (sim_pack.h) ---------------------------------------------------- */

#define PACK_NAME_MAX 4096 /* longer names are not produced by any model */

void sim_result_pack(const sim_result *r, sim_pack *p)
{
    size_t n = sim_result_count(r);
    sim_pack_u64(p, n);
    for (size_t i = 0; i < n; i++) {
        sim_metric_kind kind = sim_result_kind(r, i);
        sim_pack_u64(p, (uint64_t)kind);
        sim_pack_str(p, sim_result_name(r, i));
        sim_pack_str(p, sim_result_unit(r, i));
        if (kind == SIM_METRIC_SCALAR)
            sim_pack_f64(p, sim_result_value(r, i));
        else if (kind == SIM_METRIC_HIST)
            sim_hist_pack(sim_result_hist_at(r, i), p);
        else
            sim_series_pack(sim_result_series_at(r, i), p);
    }
}

int sim_result_unpack(sim_result *into, sim_unpack *u, sim_err *err)
{
    static _Thread_local char name[PACK_NAME_MAX], unit[PACK_NAME_MAX];
    uint64_t n = sim_unpack_u64(u);
    for (uint64_t i = 0; !u->failed && i < n; i++) {
        uint64_t kind = sim_unpack_u64(u);
        sim_unpack_str(u, name, sizeof name);
        sim_unpack_str(u, unit, sizeof unit);
        if (u->failed)
            break;
        int rc;
        if (kind == SIM_METRIC_SCALAR) {
            double v = sim_unpack_f64(u);
            rc = u->failed ? SIM_EPARSE : sim_result_scalar(into, name, unit, v);
        } else if (kind == SIM_METRIC_HIST) {
            sim_hist *h = sim_hist_unpack(u, err);
            if (!h)
                return err ? err->code : SIM_EPARSE;
            rc = sim_result_hist(into, name, unit, h);
        } else if (kind == SIM_METRIC_SERIES) {
            sim_series *s = sim_series_unpack(u, err);
            if (!s)
                return err ? err->code : SIM_EPARSE;
            rc = sim_result_series(into, name, unit, s);
        } else {
            rc = SIM_EPARSE;
        }
        if (rc == SIM_ENOMEM)
            return sim_err_set(err, rc, NULL, 0, 0, "out of memory unpacking a result");
        if (rc != SIM_OK)
            break;
    }
    if (u->failed || sim_result_count(into) != n)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "a packed result is truncated or corrupt (metric %zu of %llu)",
                           sim_result_count(into), (unsigned long long)n);
    return SIM_OK;
}

/* ---- confidence interval ----------------------------------------------- */

double sim_ci_half_width(const sim_tally *t, double confidence)
{
    if (!t || t->n < 2 || !(confidence > 0.0 && confidence < 1.0))
        return NAN;
    /* All values equal: exactly 0, whatever rounding the variance picked up. */
    if (t->min == t->max)
        return 0.0;
    double q = gsl_cdf_tdist_Pinv((1.0 + confidence) / 2.0, (double)(t->n - 1));
    return q * sim_tally_sd(t) / sqrt((double)t->n);
}

/* ---- sim_summary and the incremental merge ----------------------------- */

/* What a summary metric owns; sim_metric holds const views into it. */
typedef struct owned {
    char *names; /* "name\0unit\0" */
    double *values;
    sim_hist *hist;
    sim_series *series;
} owned;

struct sim_summary {
    int n;
    double confidence;
    size_t count;
    sim_metric *m;
    owned *own;
    name_index ix;
    size_t vcap; /* room in every scalar's values array (invariant 6) */
    size_t want; /* replications expected (sim_merge_reserve), 0 if unknown */
};

struct sim_merge {
    sim_summary *s; /* n results merged so far; no metrics before the first */
};

/* Frees every metric of s and leaves it with none. */
static void drop_metrics(sim_summary *s)
{
    if (s->own) {
        for (size_t i = 0; i < s->count; i++) {
            sim_free(s->own[i].names);
            sim_free(s->own[i].values);
            sim_hist_destroy(s->own[i].hist);
            sim_series_destroy(s->own[i].series);
        }
    }
    sim_free(s->own);
    sim_free(s->m);
    index_fini(&s->ix);
    s->own = NULL;
    s->m = NULL;
    s->count = 0;
    s->vcap = 0;
}

void sim_summary_destroy(sim_summary *s)
{
    if (!s)
        return;
    drop_metrics(s);
    sim_free(s);
}

/* SIM_EINVAL naming the first metric where r (replication rep) differs from
 * the summary's metrics, which are replication 0's (name, kind, unit, and
 * the shape of a series), or SIM_OK. */
static int check_same_metrics(const sim_summary *s, const sim_result *r, int rep, sim_err *err)
{
    size_t common = s->count < r->n ? s->count : r->n;
    for (size_t i = 0; i < common; i++) {
        const sim_metric *x = &s->m[i];
        const metric *y = &r->m[i];
        if (strcmp(x->name, y->name) != 0)
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "replication %d lists metric '%s' where replication 0 lists '%s' "
                               "(position %zu)",
                               rep, y->name, x->name, i);
        if (x->kind != y->kind)
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "metric '%s' is a %s in replication %d but a %s in replication 0",
                               x->name, kind_name(y->kind), rep, kind_name(x->kind));
        if (strcmp(x->unit, y->unit) != 0)
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "metric '%s' has unit '%s' in replication %d but '%s' in "
                               "replication 0",
                               x->name, y->unit, rep, x->unit);
        const sim_series *a = s->own[i].series, *b = y->series;
        if (x->kind == SIM_METRIC_SERIES && (sim_series_kind_of(a) != sim_series_kind_of(b) ||
                                             sim_series_interval(a) != sim_series_interval(b) ||
                                             sim_series_nbins(a) != sim_series_nbins(b)))
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "series '%s' of replication %d has a different interval or "
                               "bucket count than in replication 0",
                               x->name, rep);
    }
    if (s->count > r->n)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "replication %d lacks metric '%s' (position %zu) that replication 0 has",
                           rep, s->m[common].name, common);
    if (r->n > s->count)
        return sim_err_set(
            err, SIM_EINVAL, NULL, 0, 0,
            "replication %d has an extra metric '%s' (position %zu) that replication 0 lacks", rep,
            r->m[common].name, common);
    return SIM_OK;
}

/* Gives every scalar's values array room for cap values. On failure the
 * arrays grown so far merely have another size than vcap says (at least
 * vcap: invariant 6). */
static int grow_values(sim_summary *s, size_t cap)
{
    for (size_t i = 0; i < s->count; i++) {
        if (s->m[i].kind != SIM_METRIC_SCALAR)
            continue;
        double *v = sim_reallocarray(s->own[i].values, cap, sizeof *v);
        if (!v)
            return SIM_ENOMEM;
        s->own[i].values = v;
    }
    s->vcap = cap;
    return SIM_OK;
}

/* Refuses a hist of r that lost observations (out of memory while it ran)
 * and allocates every octave r's hists hold in the summary's copies, so
 * adding r cannot fail half-way (invariant 5). */
static int reserve_hists(sim_summary *s, const sim_result *r, sim_err *err)
{
    for (size_t i = 0; i < s->count; i++) {
        if (s->m[i].kind != SIM_METRIC_HIST)
            continue;
        if (sim_hist_status(r->m[i].hist) != SIM_OK)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0,
                               "histogram '%s' of replication %d lost observations: out of memory "
                               "for its bins",
                               s->m[i].name, s->n);
        if (sim_hist_reserve(s->own[i].hist, r->m[i].hist) != SIM_OK)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory merging replication %d",
                               s->n);
    }
    return SIM_OK;
}

/* Makes room for one more value in every scalar's array: at once for the
 * replications expected when they are known, so that a merge of R results
 * holds R values per scalar and not up to twice as many (doubling past a
 * power of two); by doubling beyond, or when the expected count cannot be
 * had at once (a large maximum that a precision target may never reach). */
static int reserve_values(sim_summary *s)
{
    if ((size_t)s->n < s->vcap)
        return SIM_OK;
    size_t doubled = s->vcap ? 2 * s->vcap : 16;
    if (doubled < s->want && grow_values(s, s->want) == SIM_OK)
        return SIM_OK;
    s->want = 0; /* too much at once: grow as results come */
    return grow_values(s, doubled);
}

/* Takes the metric list of the first result: names, units, kinds, and a
 * copy of each hist and series to add the others into. On failure s has
 * no metrics again. */
static int take_metric_list(sim_summary *s, const sim_result *r, sim_err *err)
{
    s->m = sim_calloc(r->n, sizeof *s->m);
    s->own = sim_calloc(r->n, sizeof *s->own);
    if (!s->m || !s->own || index_reserve(&s->ix, r->n) != SIM_OK)
        goto nomem;
    for (size_t i = 0; i < r->n; i++) {
        const metric *src = &r->m[i];
        sim_metric *out = &s->m[i];
        owned *own = &s->own[i];
        s->count = i + 1; /* so drop_metrics frees metric i if it fails half-way */
        if (!(own->names = copy_names(src->name, src->unit, &out->unit)))
            goto nomem;
        out->name = own->names;
        out->kind = src->kind;
        sim_tally_init(&out->tally);
        out->mean = NAN;
        out->half_width = NAN;
        if (src->kind == SIM_METRIC_HIST && !(own->hist = sim_hist_clone(src->hist, err)))
            goto nomem;
        if (src->kind == SIM_METRIC_SERIES && !(own->series = sim_series_clone(src->series, err)))
            goto nomem;
        index_put(&s->ix, out->name, i);
    }
    return SIM_OK;
nomem:
    drop_metrics(s);
    return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory merging replication 0");
}

sim_merge *sim_merge_create(double confidence, sim_err *err)
{
    if (!(confidence > 0.0 && confidence < 1.0)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "confidence must be in (0, 1), got %g",
                    confidence);
        return NULL;
    }
    sim_merge *m = sim_calloc(1, sizeof *m);
    if (m && !(m->s = sim_calloc(1, sizeof *m->s))) {
        sim_free(m);
        m = NULL;
    }
    if (!m) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory starting a merge");
        return NULL;
    }
    m->s->confidence = confidence;
    return m;
}

void sim_merge_destroy(sim_merge *m)
{
    if (!m)
        return;
    sim_summary_destroy(m->s);
    sim_free(m);
}

void sim_merge_reserve(sim_merge *m, int n)
{
    if (m && n > 0)
        m->s->want = (size_t)n;
}

int sim_merge_count(const sim_merge *m)
{
    return m ? m->s->n : 0;
}

int sim_merge_add(sim_merge *m, const sim_result *r, sim_err *err)
{
    if (!m)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "no merge to add a result to");
    sim_summary *s = m->s;
    int rc;
    if (!r)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "result of replication %d is missing",
                           s->n);
    if (s->n == 0)
        rc = take_metric_list(s, r, err);
    else
        rc = check_same_metrics(s, r, s->n, err);
    if (rc == SIM_OK && reserve_values(s) != SIM_OK)
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory merging replication %d", s->n);
    if (rc == SIM_OK && s->n > 0)
        rc = reserve_hists(s, r, err);
    if (rc != SIM_OK) {
        if (s->n == 0)
            drop_metrics(s);
        return rc;
    }
    /* Nothing can fail from here on (invariant 5). */
    for (size_t i = 0; i < s->count; i++) {
        const metric *src = &r->m[i];
        sim_metric *out = &s->m[i];
        owned *own = &s->own[i];
        switch (src->kind) {
        case SIM_METRIC_SCALAR:
            /* A replication where the metric is undefined (NaN: the p99 of
             * a flow that delivered nothing) keeps its NaN in values but
             * stays out of the tally, so it does not turn the others' mean
             * into NaN. */
            own->values[s->n] = src->value;
            if (!isnan(src->value))
                sim_tally_add(&out->tally, src->value);
            break;
        case SIM_METRIC_HIST:
            if (s->n > 0) /* replication 0's is the copy taken above */
                sim_hist_merge(own->hist, src->hist);
            break;
        case SIM_METRIC_SERIES:
            if (s->n > 0)
                sim_series_accumulate(own->series, src->series); /* shapes checked */
            break;
        }
    }
    s->n++;
    return SIM_OK;
}

sim_summary *sim_merge_finish(sim_merge *m, sim_err *err)
{
    if (!m) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "no merge to finish");
        return NULL;
    }
    sim_summary *s = m->s;
    sim_free(m);
    if (s->n < 1) {
        sim_summary_destroy(s);
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "no results to merge");
        return NULL;
    }
    for (size_t i = 0; i < s->count; i++) {
        sim_metric *out = &s->m[i];
        owned *own = &s->own[i];
        out->n = s->n;
        switch (out->kind) {
        case SIM_METRIC_SCALAR:
            if ((size_t)s->n < s->vcap) { /* fewer than reserved (a stopping rule): give back */
                double *v = sim_reallocarray(own->values, (size_t)s->n, sizeof *v);
                if (v) /* else the larger array serves as well */
                    own->values = v;
            }
            out->values = own->values;
            out->mean = out->tally.n > 0 ? out->tally.mean : NAN;
            out->half_width = sim_ci_half_width(&out->tally, s->confidence);
            break;
        case SIM_METRIC_HIST:
            out->hist = own->hist;
            break;
        case SIM_METRIC_SERIES:
            sim_series_scale(own->series, 1.0 / s->n);
            out->series = own->series;
            break;
        }
    }
    if ((size_t)s->n < s->vcap)
        s->vcap = (size_t)s->n; /* invariant 6: the arrays now hold n at least */
    return s;
}

sim_summary *sim_summary_merge(sim_result *const *results, int n, double confidence, sim_err *err)
{
    if (!results || n < 1) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "no results to merge");
        return NULL;
    }
    sim_merge *m = sim_merge_create(confidence, err);
    sim_merge_reserve(m, n);
    for (int r = 0; m && r < n; r++) {
        if (sim_merge_add(m, results[r], err) != SIM_OK) {
            sim_merge_destroy(m);
            return NULL;
        }
    }
    return m ? sim_merge_finish(m, err) : NULL;
}

int sim_summary_replications(const sim_summary *s)
{
    return s ? s->n : 0;
}

double sim_summary_confidence(const sim_summary *s)
{
    return s ? s->confidence : NAN;
}

size_t sim_summary_count(const sim_summary *s)
{
    return s ? s->count : 0;
}

const sim_metric *sim_summary_at(const sim_summary *s, size_t i)
{
    return s && i < s->count ? &s->m[i] : NULL;
}

const sim_metric *sim_summary_find(const sim_summary *s, const char *name)
{
    if (!s || !name)
        return NULL;
    long i = index_find(&s->ix, name);
    return i < 0 ? NULL : &s->m[i];
}
