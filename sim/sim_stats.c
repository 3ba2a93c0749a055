/*
 * sim_stats.c - tally, time-weighted average, log-spaced histogram, series.
 *
 * Histogram layout (HdrHistogram-style log-linear bins):
 *
 *   index 0                 underflow: x <= 2^-30 (zero and negatives too)
 *   index 1 + 64*o + s      octave o in [0, 70): [2^(o-30), 2^(o-29)),
 *                           sub-bin s in [0, 64) of equal width 2^(o-30)/64
 *   index 4481              overflow: x >= 2^40 (and +inf)
 *
 * For a positive normal double the IEEE-754 bits above bit 46 are
 * (biased exponent << 6) | (top 6 mantissa bits), i.e. exactly 64 * octave +
 * sub-bin up to a constant offset, so the index is one shift and one
 * subtraction (no log, no search). Invariants:
 *   1. count == sum of all bins (the bins are doubles in a gsl_histogram;
 *      they count exactly up to 2^53 observations).
 *   2. min/max/sum are exact over every non-NaN observation recorded.
 *   3. No allocation after create: add, quantile, cdf, merge, bin never
 *      allocate.
 * The gsl_histogram struct is embedded and its two arrays come from
 * sim_malloc, so allocation-failure tests reach them; range[] holds the bin
 * edges (range[0] = 0, range[4482] = DBL_MAX), which gsl_histogram_add
 * checks when merging.
 *
 * Series (LEVEL): val[j] accumulates the area (level * us) in bucket j, and
 * value() divides by the bucket width; finish(end) rescales a bucket cut
 * short by end so its value is the mean over the part observed. mx[j] starts
 * at -inf and takes every level that lasted a positive time in bucket j, and
 * every level set at a time in bucket j (a momentary level counts, as in
 * sim_timeavg); a bucket never observed reports 0. Invariant: while
 * observing, cur = last / interval and cur_end = (cur + 1) * interval; once
 * the span is passed (or after finish) last = SIM_TIME_NEVER and nothing is
 * integrated any more.
 */
#include "sim_stats.h"

#include <assert.h>
#include <float.h>
#include <gsl/gsl_histogram.h>
#include <math.h>
#include <string.h>

#include "sim_alloc.h"

/* ---- tally ------------------------------------------------------------- */

void sim_tally_init(sim_tally *t)
{
    t->n = 0;
    t->mean = 0.0;
    t->m2 = 0.0;
    t->min = INFINITY;
    t->max = -INFINITY;
}

void sim_tally_add(sim_tally *t, double x)
{
    t->n++;
    /* 1/n does not depend on the running mean, so the division runs off
     * the loop-carried chain (mean -> d -> mean). */
    double inv = 1.0 / (double)t->n;
    double d = x - t->mean;
    t->mean += d * inv;
    t->m2 += d * (x - t->mean);
    if (x < t->min)
        t->min = x;
    if (x > t->max)
        t->max = x;
}

void sim_tally_merge(sim_tally *into, const sim_tally *from)
{
    if (from->n == 0)
        return;
    if (into->n == 0) {
        *into = *from;
        return;
    }
    double na = (double)into->n, nb = (double)from->n, n = na + nb;
    double d = from->mean - into->mean;
    into->mean += d * (nb / n);
    into->m2 += from->m2 + d * d * (na * nb / n);
    into->n += from->n;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
}

double sim_tally_var(const sim_tally *t)
{
    return t->n < 2 ? 0.0 : t->m2 / (double)(t->n - 1);
}

double sim_tally_sd(const sim_tally *t)
{
    return sqrt(sim_tally_var(t));
}

/* ---- time-weighted average --------------------------------------------- */

void sim_timeavg_init(sim_timeavg *a, sim_time start, double level)
{
    a->start = start;
    a->last = start;
    a->level = level;
    a->area = 0.0;
    a->max = level;
}

void sim_timeavg_set(sim_timeavg *a, sim_time now, double level)
{
    assert(now >= a->last);
    a->area += a->level * (double)(now - a->last);
    a->last = now;
    a->level = level;
    if (level > a->max)
        a->max = level;
}

void sim_timeavg_add(sim_timeavg *a, sim_time now, double delta)
{
    sim_timeavg_set(a, now, a->level + delta);
}

double sim_timeavg_mean(const sim_timeavg *a, sim_time now)
{
    if (now <= a->start)
        return a->level;
    return (a->area + a->level * (double)(now - a->last)) / (double)(now - a->start);
}

void sim_timeavg_reset(sim_timeavg *a, sim_time now)
{
    sim_timeavg_init(a, now, a->level);
}

/* ---- log-spaced histogram ---------------------------------------------- */

#define LOW_EXP  (-30) /* first octave starts at 2^-30 */
#define OCTAVES  70    /* up to 2^40 */
#define SUB_BITS 6
#define SUBS     (1 << SUB_BITS)
#define NBINS    (OCTAVES * SUBS + 2)
#define OVER_BIN (NBINS - 1)
/* (bits >> 46) of 2^LOW_EXP: biased exponent times 64, sub-bin 0. */
#define BITS_BASE ((uint64_t)(1023 + LOW_EXP) << SUB_BITS)

static const double LOW = 0x1.0p-30;
static const double HIGH = 0x1.0p40;

struct sim_hist {
    gsl_histogram g; /* n = NBINS; range and bin from sim_malloc */
    uint64_t count;
    double sum, min, max;
};

static void clear(sim_hist *h)
{
    memset(h->g.bin, 0, NBINS * sizeof *h->g.bin);
    h->count = 0;
    h->sum = 0.0;
    h->min = INFINITY;
    h->max = -INFINITY;
}

sim_hist *sim_hist_create(sim_err *err)
{
    sim_hist *h = sim_malloc(sizeof *h);
    if (!h)
        goto fail_hist;
    h->g.n = NBINS;
    h->g.range = sim_malloc((NBINS + 1) * sizeof *h->g.range);
    if (!h->g.range)
        goto fail_range;
    h->g.bin = sim_malloc(NBINS * sizeof *h->g.bin);
    if (!h->g.bin)
        goto fail_bin;
    h->g.range[0] = 0.0;
    for (int o = 0; o < OCTAVES; o++)
        for (int s = 0; s < SUBS; s++)
            h->g.range[1 + o * SUBS + s] = ldexp(1.0 + (double)s / SUBS, LOW_EXP + o);
    h->g.range[OVER_BIN] = HIGH;
    h->g.range[NBINS] = DBL_MAX;
    clear(h);
    return h;

fail_bin:
    sim_free(h->g.range);
fail_range:
    sim_free(h);
fail_hist:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory creating a histogram");
    return NULL;
}

void sim_hist_destroy(sim_hist *h)
{
    if (!h)
        return;
    sim_free(h->g.bin);
    sim_free(h->g.range);
    sim_free(h);
}

size_t sim_hist_bytes(void)
{
    return sizeof(sim_hist) + (2 * NBINS + 1) * sizeof(double) + 3 * SIM_ALLOC_OVERHEAD;
}

sim_hist *sim_hist_clone(const sim_hist *h, sim_err *err)
{
    sim_hist *c = sim_hist_create(err);
    if (!c)
        return NULL;
    memcpy(c->g.bin, h->g.bin, NBINS * sizeof *c->g.bin);
    c->count = h->count;
    c->sum = h->sum;
    c->min = h->min;
    c->max = h->max;
    return c;
}

/* The bin of x, or -1 for NaN. */
static inline long bin_of(double x)
{
    if (x > LOW && x < HIGH) {
        uint64_t bits;
        memcpy(&bits, &x, sizeof bits);
        return (long)((bits >> (52 - SUB_BITS)) - BITS_BASE) + 1;
    }
    if (x <= LOW)
        return 0;
    if (x >= HIGH)
        return OVER_BIN;
    return -1;
}

void sim_hist_add(sim_hist *h, double x)
{
    long i = bin_of(x);
    if (i < 0)
        return;
    h->g.bin[i] += 1.0;
    h->count++;
    h->sum += x;
    if (x < h->min)
        h->min = x;
    if (x > h->max)
        h->max = x;
}

void sim_hist_add_n(sim_hist *h, double x, uint64_t count)
{
    long i = bin_of(x);
    if (i < 0 || count == 0)
        return;
    h->g.bin[i] += (double)count;
    h->count += count;
    h->sum += x * (double)count;
    if (x < h->min)
        h->min = x;
    if (x > h->max)
        h->max = x;
}

void sim_hist_merge(sim_hist *into, const sim_hist *from)
{
    /* Same layout by construction, so GSL's bin check always passes. */
    gsl_histogram_add(&into->g, &from->g);
    into->count += from->count;
    into->sum += from->sum;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
}

void sim_hist_reset(sim_hist *h)
{
    clear(h);
}

uint64_t sim_hist_count(const sim_hist *h)
{
    return h->count;
}

double sim_hist_min(const sim_hist *h)
{
    return h->count ? h->min : NAN;
}

double sim_hist_max(const sim_hist *h)
{
    return h->count ? h->max : NAN;
}

double sim_hist_mean(const sim_hist *h)
{
    return h->count ? h->sum / (double)h->count : NAN;
}

/* The value reported for bin i: its midpoint clamped to [min, max]; the
 * underflow bin stands for 0 and the overflow bin for the exact max. */
static double representative(const sim_hist *h, size_t i)
{
    double v;
    if (i == 0)
        v = 0.0;
    else if (i == OVER_BIN)
        v = h->max;
    else
        v = 0.5 * (h->g.range[i] + h->g.range[i + 1]);
    if (v < h->min)
        v = h->min;
    if (v > h->max)
        v = h->max;
    return v;
}

double sim_hist_quantile(const sim_hist *h, double q)
{
    if (h->count == 0 || !(q >= 0.0 && q <= 1.0))
        return NAN;
    double rank = ceil(q * (double)h->count);
    if (rank <= 1.0)
        return h->min; /* the first order statistic is known exactly */
    if (rank >= (double)h->count)
        return h->max;
    double cum = 0.0;
    for (size_t i = 0; i < NBINS; i++) {
        cum += h->g.bin[i];
        if (cum >= rank)
            return representative(h, i);
    }
    return h->max;
}

double sim_hist_cdf(const sim_hist *h, double x)
{
    if (h->count == 0 || isnan(x))
        return NAN;
    if (x < h->min)
        return 0.0;
    if (x >= h->max)
        return 1.0;
    long b = bin_of(x);
    double cum = 0.0;
    for (long i = 0; i <= b; i++)
        cum += h->g.bin[i];
    return cum / (double)h->count;
}

int sim_hist_bin(const sim_hist *h, size_t i, double *lo, double *hi, uint64_t *count)
{
    size_t seen = 0;
    for (size_t b = 0; b < NBINS; b++) {
        if (h->g.bin[b] == 0.0)
            continue;
        if (seen++ < i)
            continue;
        *lo = h->g.range[b];
        *hi = b == OVER_BIN ? h->max : h->g.range[b + 1];
        *count = (uint64_t)h->g.bin[b];
        return 1;
    }
    return 0;
}

size_t sim_hist_nbins(const sim_hist *h)
{
    size_t n = 0;
    for (size_t b = 0; b < NBINS; b++)
        n += h->g.bin[b] != 0.0;
    return n;
}

/* ---- fixed-interval time series ---------------------------------------- */

struct sim_series {
    sim_series_kind kind;
    sim_time interval, span;
    size_t nbins;
    double *val; /* LEVEL: area (level * us) per bucket; SUM: sum per bucket */
    double *mx;  /* LEVEL: max level per bucket, -inf until observed */
    /* LEVEL observation state (see the invariant at the top). */
    sim_time last, cur_end;
    size_t cur;
    double level;
};

size_t sim_series_bytes(size_t nbins)
{
    return sizeof(sim_series) + 2 * nbins * sizeof(double) + 3 * SIM_ALLOC_OVERHEAD;
}

sim_series *sim_series_create(sim_series_kind kind, sim_time interval, size_t nbins, sim_err *err)
{
    if (kind != SIM_SERIES_LEVEL && kind != SIM_SERIES_SUM) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "unknown series kind %d", (int)kind);
        return NULL;
    }
    if (interval <= 0 || nbins == 0 || (uint64_t)nbins >= (uint64_t)(INT64_MAX / interval)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "a series needs an interval > 0 and 1 or more buckets within the time "
                    "range, got interval %lld us and %zu buckets",
                    (long long)interval, nbins);
        return NULL;
    }
    sim_series *s = sim_malloc(sizeof *s);
    if (!s)
        goto fail_series;
    s->val = sim_calloc(nbins, sizeof *s->val);
    if (!s->val)
        goto fail_val;
    s->mx = sim_malloc(nbins * sizeof *s->mx);
    if (!s->mx)
        goto fail_mx;
    for (size_t i = 0; i < nbins; i++)
        s->mx[i] = -INFINITY;
    s->kind = kind;
    s->interval = interval;
    s->nbins = nbins;
    s->span = (sim_time)nbins * interval;
    s->last = 0;
    s->cur = 0;
    s->cur_end = interval;
    s->level = 0.0;
    return s;

fail_mx:
    sim_free(s->val);
fail_val:
    sim_free(s);
fail_series:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory creating a series of %zu buckets",
                nbins);
    return NULL;
}

void sim_series_destroy(sim_series *s)
{
    if (!s)
        return;
    sim_free(s->mx);
    sim_free(s->val);
    sim_free(s);
}

sim_series *sim_series_clone(const sim_series *s, sim_err *err)
{
    sim_series *c = sim_series_create(s->kind, s->interval, s->nbins, err);
    if (!c)
        return NULL;
    memcpy(c->val, s->val, s->nbins * sizeof *c->val);
    memcpy(c->mx, s->mx, s->nbins * sizeof *c->mx);
    c->last = s->last;
    c->cur = s->cur;
    c->cur_end = s->cur_end;
    c->level = s->level;
    return c;
}

/* Integrates the current level from last to now (> last), crossing bucket
 * edges; stops observing at the end of the span. */
static void advance(sim_series *s, sim_time now)
{
    if (now > s->span)
        now = s->span;
    double lv = s->level;
    size_t j = s->cur;
    sim_time t = s->last, edge = s->cur_end;
    while (j < s->nbins && now >= edge) {
        s->val[j] += lv * (double)(edge - t);
        if (lv > s->mx[j])
            s->mx[j] = lv;
        j++;
        t = edge;
        edge += s->interval;
    }
    if (j < s->nbins && now > t) {
        s->val[j] += lv * (double)(now - t);
        if (lv > s->mx[j])
            s->mx[j] = lv;
    }
    s->cur = j;
    s->cur_end = edge;
    s->last = j < s->nbins ? now : SIM_TIME_NEVER;
}

void sim_series_set(sim_series *s, sim_time now, double v)
{
    if (s->kind != SIM_SERIES_LEVEL)
        return;
    if (now > s->last) {
        if (now < s->cur_end) { /* the common case: still in the same bucket */
            s->val[s->cur] += s->level * (double)(now - s->last);
            if (s->level > s->mx[s->cur])
                s->mx[s->cur] = s->level;
            s->last = now;
        } else {
            advance(s, now);
        }
    }
    s->level = v;
    if (s->last != SIM_TIME_NEVER && v > s->mx[s->cur])
        s->mx[s->cur] = v;
}

void sim_series_add(sim_series *s, sim_time now, double amount)
{
    if (s->kind == SIM_SERIES_LEVEL) {
        sim_series_set(s, now, s->level + amount);
        return;
    }
    if (now < 0 || now >= s->span)
        return;
    s->val[now / s->interval] += amount;
}

void sim_series_finish(sim_series *s, sim_time end)
{
    if (s->kind != SIM_SERIES_LEVEL || s->last == SIM_TIME_NEVER)
        return;
    if (end > s->last)
        advance(s, end);
    if (s->last != SIM_TIME_NEVER) {
        /* Bucket cur is cut short by end: its mean is over [start, end). */
        sim_time start = (sim_time)s->cur * s->interval;
        sim_time width = s->last - start;
        if (width > 0)
            s->val[s->cur] *= (double)s->interval / (double)width;
        else
            s->mx[s->cur] = -INFINITY; /* begins at end: not observed */
    }
    s->last = SIM_TIME_NEVER;
}

sim_series_kind sim_series_kind_of(const sim_series *s)
{
    return s->kind;
}

sim_time sim_series_interval(const sim_series *s)
{
    return s->interval;
}

size_t sim_series_nbins(const sim_series *s)
{
    return s->nbins;
}

double sim_series_value(const sim_series *s, size_t i)
{
    if (i >= s->nbins)
        return NAN;
    return s->kind == SIM_SERIES_LEVEL ? s->val[i] / (double)s->interval : s->val[i];
}

double sim_series_max(const sim_series *s, size_t i)
{
    if (i >= s->nbins)
        return NAN;
    if (s->kind == SIM_SERIES_SUM)
        return s->val[i];
    return s->mx[i] == -INFINITY ? 0.0 : s->mx[i];
}

int sim_series_accumulate(sim_series *into, const sim_series *from)
{
    if (into->kind != from->kind || into->interval != from->interval || into->nbins != from->nbins)
        return SIM_EINVAL;
    for (size_t i = 0; i < into->nbins; i++) {
        into->val[i] += from->val[i];
        if (from->mx[i] > into->mx[i])
            into->mx[i] = from->mx[i];
    }
    return SIM_OK;
}

void sim_series_scale(sim_series *s, double k)
{
    for (size_t i = 0; i < s->nbins; i++)
        s->val[i] *= k;
}
