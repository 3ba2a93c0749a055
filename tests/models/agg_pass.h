/*
 * agg_pass.h - hand-simple pieces for the tests of the aggregate path
 * (commit and inject, issue 14): spans of time a request or a thread is
 * held, their overlap with an interval, the level they make and its
 * maximum, the comparison of two runs' published metrics, and a generator
 * of scripted uniforms (services drawn in a set order). The tests compute
 * a pass by hand with these, independently of models/mdl_fifo.
 */
#ifndef AGG_PASS_H
#define AGG_PASS_H

#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "mdl_endpoint.h"
#include "sim_result.h"
#include "sim_stats.h"

/* [lo, hi): in service, waiting, or holding a thread. */
struct span {
    sim_time lo, hi;
};

/* How much of x lies in [lo, hi). */
static inline sim_time overlap(struct span x, sim_time lo, sim_time hi)
{
    sim_time a = x.lo > lo ? x.lo : lo, b = x.hi < hi ? x.hi : hi;
    return b > a ? b - a : 0;
}

/* The number of spans holding t. */
static inline int level_at(const struct span *v, int n, sim_time t)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += v[i].lo <= t && t < v[i].hi;
    return k;
}

/* The largest level over [lo, hi): at lo or where a span begins. */
static inline int max_over(const struct span *v, int n, sim_time lo, sim_time hi)
{
    int m = level_at(v, n, lo);
    for (int i = 0; i < n; i++)
        if (v[i].lo > lo && v[i].lo < hi && level_at(v, n, v[i].lo) > m)
            m = level_at(v, n, v[i].lo);
    return m;
}

/* The levels of an endpoint's commit over [t0, t1) into b: busy[0..nfixed)
 * are the requests in service at t0 (the calendar's: they count in the
 * maxima only), busy[nfixed + i] and wait[i] for i < n the pass's requests
 * (areas and maxima); per series bucket of `width` meeting [t0, t1) (at
 * most 8) the same, into the caller's arrays, which b then points to. */
static inline void agg_endpoint_levels(mdl_endpoint_bulk *b, const struct span *busy, int nfixed,
                                       const struct span *wait, int n, sim_time t0, sim_time t1,
                                       sim_time width, double *barea, double *bmax, double *qarea,
                                       double *qmax)
{
    for (int i = 0; i < n; i++) {
        b->busy_area += (double)overlap(busy[nfixed + i], t0, t1);
        b->queue_area += (double)overlap(wait[i], t0, t1);
    }
    b->first_bucket = (size_t)(t0 / width);
    b->nbuckets = (size_t)((t1 - 1) / width) + 1 - b->first_bucket;
    assert_true(b->nbuckets <= 8);
    for (size_t j = 0; j < b->nbuckets; j++) {
        sim_time lo = (sim_time)(b->first_bucket + j) * width, hi = lo + width;
        lo = lo > t0 ? lo : t0;
        hi = hi < t1 ? hi : t1;
        barea[j] = qarea[j] = 0;
        for (int i = 0; i < n; i++) {
            barea[j] += (double)overlap(busy[nfixed + i], lo, hi);
            qarea[j] += (double)overlap(wait[i], lo, hi);
        }
        bmax[j] = max_over(busy, nfixed + n, lo, hi);
        qmax[j] = max_over(wait, n, lo, hi);
    }
    b->busy_bucket_area = barea;
    b->busy_bucket_max = bmax;
    b->queue_bucket_area = qarea;
    b->queue_bucket_max = qmax;
}

/* Within 1e-12 relative: the same terms summed in another order (a
 * commit adds a pass's areas and waits in one block where the per-record
 * path interleaves them with the calendar's). With a dozen terms, each
 * rounding ~1.1e-16 relative, the difference stays below 1e-14; a term
 * missing or counted twice moves the tests' values by more than 1e-3. */
static inline int close_rel(double x, double y)
{
    return x == y || fabs(x - y) <= 1e-12 * fmax(fabs(x), fabs(y));
}

/* Two runs published the same metrics: the scalars named in approx[0..n)
 * within close_rel, every other scalar exactly (NaN equals NaN), every
 * series bucket's value within close_rel and its maximum exactly. */
static inline void assert_same_metrics(const sim_result *ra, const sim_result *rb,
                                       const char *const *approx, size_t napprox)
{
    assert_int_equal(sim_result_count(ra), sim_result_count(rb));
    for (size_t i = 0; i < sim_result_count(ra); i++) {
        const char *name = sim_result_name(ra, i);
        long j = sim_result_find(rb, name);
        assert_true(j >= 0);
        if (sim_result_kind(ra, i) == SIM_METRIC_SERIES) {
            const sim_series *x = sim_result_series_at(ra, i), *y = sim_result_series_at(rb, j);
            for (size_t k = 0; k < sim_series_nbins(x); k++)
                if (!close_rel(sim_series_value(x, k), sim_series_value(y, k)) ||
                    sim_series_max(x, k) != sim_series_max(y, k))
                    fail_msg("%s bucket %zu: %.17g (max %g) per record, %.17g (max %g) by the "
                             "pass",
                             name, k, sim_series_value(x, k), sim_series_max(x, k),
                             sim_series_value(y, k), sim_series_max(y, k));
            continue;
        }
        double x = sim_result_value(ra, i), y = sim_result_value(rb, (size_t)j);
        int loose = 0;
        for (size_t k = 0; k < napprox; k++)
            loose |= strcmp(name, approx[k]) == 0;
        if (loose ? !close_rel(x, y) : !(x == y || (isnan(x) && isnan(y))))
            fail_msg("%s: %.17g per record, %.17g by the pass", name, x, y);
    }
}

/* A generator that returns scripted uniforms, one per draw (a model's
 * empirical service draws: scripted_push appends the uniform for a value). */
#define SCRIPTED_MAX 32
struct scripted {
    double u[SCRIPTED_MAX];
    size_t n, k;
};

static inline void scripted_set(void *state, unsigned long seed)
{
    (void)seed;
    struct scripted *s = state;
    s->n = s->k = 0;
}

static inline unsigned long scripted_get(void *state)
{
    (void)state;
    fail_msg("the model draws its services as uniforms");
    return 0;
}

static inline double scripted_get_double(void *state)
{
    struct scripted *s = state;
    if (s->k >= s->n)
        fail_msg("more service draws than scripted");
    return s->u[s->k++];
}

/* The generator's type (gsl_rng_alloc(scripted_type())). */
static inline const gsl_rng_type *scripted_type(void)
{
    static const gsl_rng_type t = {
        "scripted",   0xffffffffUL,       0, sizeof(struct scripted), scripted_set,
        scripted_get, scripted_get_double};
    return &t;
}

/* Appends to r's script the uniform that makes an empirical draw over
 * values[n] (ascending) return v: u = (i + 0.5) / n picks value i. */
static inline void scripted_push(gsl_rng *r, const double *values, size_t n, double v)
{
    struct scripted *s = r->state;
    assert_true(s->n < SCRIPTED_MAX);
    for (size_t i = 0; i < n; i++) {
        if (values[i] == v) {
            s->u[s->n++] = ((double)i + 0.5) / (double)n;
            return;
        }
    }
    fail_msg("no sample %g", v);
}

#endif
