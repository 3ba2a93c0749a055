/*
 * sim_stats.h - streaming, mergeable statistics. Memory never grows with the
 * horizon or with the number of observations.
 *
 * sim_tally    count, mean, variance (Welford), min, max of observations;
 *              merge by Chan et al.'s pairwise formula.
 * sim_timeavg  time-weighted average of a piecewise-constant level (queue
 *              length, busy servers): area under the curve / elapsed time.
 * sim_hist     quantiles from a log-spaced histogram: each octave [2^e, 2^e+1)
 *              is split into 64 equal sub-bins, so a bin is at most 1/64 of
 *              its lower edge wide and its midpoint is within 0.78% of any
 *              value in it. Quantiles are therefore within 1% (relative) of
 *              the exact order statistic. The bin index comes from the bits
 *              of the double, O(1); the counts of an octave are allocated
 *              the first time a value lands in it (a histogram holds the
 *              run of octaves its values span, in one array), and
 *              histograms of different replications merge by addition.
 *              Range: 2^-30 to 2^40 (about 1e-9 to 1e12); values below go to
 *              an underflow count (reported as 0 or the exact min), values
 *              above to an overflow count (reported as the exact max).
 * sim_series   a fixed-interval time series for charts: nbins buckets of
 *              equal width over [0, span]. Each bucket keeps the time-weighted
 *              mean of a level, or the sum of amounts added, and the maximum.
 *              Memory is fixed at creation (choose the interval from the
 *              horizon, e.g. span / 1000).
 *
 * References: B. P. Welford, Technometrics 4(3), 1962; T. F. Chan, G. H.
 * Golub, R. J. LeVeque, "Updating formulae and a pairwise algorithm for
 * computing sample variances", 1979; G. Tene, HdrHistogram (log-linear bins).
 */
#ifndef SIM_STATS_H
#define SIM_STATS_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"
#include "sim_pack.h"
#include "sim_time.h"

/* ---- tally ------------------------------------------------------------- */

typedef struct sim_tally {
    int64_t n;
    double mean, m2; /* m2 = sum of squared deviations from the mean */
    double min, max; /* +inf / -inf while n == 0 */
} sim_tally;

void sim_tally_init(sim_tally *t);
/* Inline, as sim_timeavg_set below: a station adds two observations and
 * sets three levels per job, and a call into another file for each was
 * about 3% of a 100-flow run. Same operations in the same order as before,
 * so the same bits. */
static inline void sim_tally_add(sim_tally *t, double x)
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
void sim_tally_merge(sim_tally *into, const sim_tally *from);
/* Sample variance (n - 1 denominator); 0 when n < 2. */
double sim_tally_var(const sim_tally *t);
double sim_tally_sd(const sim_tally *t);

/* ---- time-weighted average --------------------------------------------- */

typedef struct sim_timeavg {
    sim_time start, last; /* start of the observation, time of the last change */
    double level;         /* current level */
    double area;          /* integral of the level over [start, last] in level * us */
    double max;           /* largest level seen */
} sim_timeavg;

void sim_timeavg_init(sim_timeavg *a, sim_time start, double level);
/* The level changes to `level` at now (now >= last). Inline (see
 * sim_tally_add). */
static inline void sim_timeavg_set(sim_timeavg *a, sim_time now, double level)
{
    assert(now >= a->last);
    a->area += a->level * (double)(now - a->last);
    a->last = now;
    a->level = level;
    if (level > a->max)
        a->max = level;
}
/* The level changes by delta at now. */
static inline void sim_timeavg_add(sim_timeavg *a, sim_time now, double delta)
{
    sim_timeavg_set(a, now, a->level + delta);
}
/* The average over [start, now]; the current level if no time has passed. */
double sim_timeavg_mean(const sim_timeavg *a, sim_time now);
/* Forgets the past (warm-up deletion): start = now, keeps the level. */
void sim_timeavg_reset(sim_timeavg *a, sim_time now);
/* Bulk update (the aggregate path): adds `area` (level * us) that a level
 * observed elsewhere contributes, and raises the max to `max` (-INFINITY:
 * no maximum to add). Areas are additive, so the area of several parts of
 * one level (requests the calendar carries, requests a pass carried) may
 * come in any order; a max is not, so `max` must be the largest level of
 * the whole, every part included. The mean is right once now is past the
 * stretch the area covers. */
void sim_timeavg_add_area(sim_timeavg *a, double area, double max);

/* ---- log-spaced histogram ---------------------------------------------- */

typedef struct sim_hist sim_hist;

sim_hist *sim_hist_create(sim_err *err);
void sim_hist_destroy(sim_hist *h); /* NULL is a no-op */
sim_hist *sim_hist_clone(const sim_hist *h, sim_err *err);
/* Records x (NaN is ignored; x <= 2^-30 counts as underflow). The first
 * value outside the octaves held widens them to cover its octave (64 bins,
 * 256 bytes, each; 512 once the count passes 2^32 - 1, when the bins
 * widen to 64 bits); if that fails the value is not recorded and the
 * histogram remembers SIM_ENOMEM. */
void sim_hist_add(sim_hist *h, double x);
/* Records x count times (the same allocation rule). */
void sim_hist_add_n(sim_hist *h, double x, uint64_t count);
/* Records the durations t[0..n) in seconds (sim_time_to_seconds), in that
 * order: the same counts, sum, min and max, bit for bit, as n calls of
 * sim_hist_add (the sum takes them in the same order), with the checks
 * made once (the aggregate path: a pass's latencies or waits). */
void sim_hist_add_times(sim_hist *h, const sim_time *t, size_t n);
/* Adds every count of from into into (allocating into's missing octaves;
 * on failure into remembers SIM_ENOMEM, as it does from's). */
void sim_hist_merge(sim_hist *into, const sim_hist *from);
/* Allocates into's bins for every octave from holds (and widens its bins if
 * the two counts add up past 2^32 - 1), so that merging from next cannot
 * fail. SIM_OK, or SIM_ENOMEM (into unchanged). */
int sim_hist_reserve(sim_hist *into, const sim_hist *from);
/* SIM_OK, or SIM_ENOMEM once an observation or a merge was lost for want
 * of memory (sticky; sim_hist_clone then refuses it, err says why). */
int sim_hist_status(const sim_hist *h);
/* Octaves held (each 64 bins, 256 or 512 bytes; the run from the lowest to the
 * highest octave seen): the memory in use. */
size_t sim_hist_blocks(const sim_hist *h);
void sim_hist_reset(sim_hist *h);
uint64_t sim_hist_count(const sim_hist *h);
double sim_hist_min(const sim_hist *h);  /* exact; NaN if empty */
double sim_hist_max(const sim_hist *h);  /* exact; NaN if empty */
double sim_hist_mean(const sim_hist *h); /* exact running mean; NaN if empty */
/* The q-quantile (0 <= q <= 1): the value of rank ceil(q * n) (1-based,
 * at least 1) in sorted order, as the midpoint of its bin clamped to
 * [min, max]. NaN if empty. q = 1 gives the exact max. */
double sim_hist_quantile(const sim_hist *h, double q);
/* The share of observations <= x (an empirical CDF, resolved to bins). */
double sim_hist_cdf(const sim_hist *h, double x);

/* Walks the non-empty bins in increasing order: for i from 0 while it
 * returns 1, *lo and *hi are the bin edges and *count its count. The
 * underflow bin comes first as [0, 2^-30]. For CDF charts. */
int sim_hist_bin(const sim_hist *h, size_t i, double *lo, double *hi, uint64_t *count);
/* The same bins in one pass: with *at = 0 to start, each call gives the
 * next non-empty bin (what sim_hist_bin gives for i = 0, 1, ...) and
 * returns 1, or returns 0 after the last. All the bins cost one walk of
 * the octaves held, where sim_hist_bin walks from the first bin each time
 * (quadratic over a histogram); *at is the walk's place, nothing else. */
int sim_hist_next(const sim_hist *h, size_t *at, double *lo, double *hi, uint64_t *count);
size_t sim_hist_nbins(const sim_hist *h);

/* The octaves a latency histogram typically spans at most (a 65536:1 ratio
 * between its largest and smallest value, e.g. 10 ms to 11 min). */
#define SIM_HIST_TYPICAL_OCTAVES 16
/* The heap bytes a histogram holds once its values span
 * SIM_HIST_TYPICAL_OCTAVES octaves (about 4 KB), malloc's bookkeeping
 * included: for estimating a run's memory before it starts. */
size_t sim_hist_bytes(void);
/* Writes h exactly (its non-zero bins, count, sum, min, max; sim_pack.h). */
void sim_hist_pack(const sim_hist *h, sim_pack *p);
/* A histogram equal to the one packed; NULL with SIM_EPARSE (a corrupt
 * buffer) or SIM_ENOMEM in err. */
sim_hist *sim_hist_unpack(sim_unpack *u, sim_err *err);

/* ---- fixed-interval time series ---------------------------------------- */

typedef enum sim_series_kind {
    SIM_SERIES_LEVEL = 0, /* time-weighted mean of a level per bucket */
    SIM_SERIES_SUM        /* sum of the amounts added in the bucket */
} sim_series_kind;

typedef struct sim_series sim_series;

/* nbins buckets of width `interval` starting at time 0 (so the series spans
 * [0, nbins * interval)). Times beyond the span are ignored. */
sim_series *sim_series_create(sim_series_kind kind, sim_time interval, size_t nbins, sim_err *err);
void sim_series_destroy(sim_series *s); /* NULL is a no-op */
sim_series *sim_series_clone(const sim_series *s, sim_err *err);
/* LEVEL: the level becomes v at now (now never decreases). */
void sim_series_set(sim_series *s, sim_time now, double v);
/* SUM: adds amount to the bucket of now. LEVEL: the level changes by amount. */
void sim_series_add(sim_series *s, sim_time now, double amount);
/* Bulk update (the aggregate path). LEVEL: adds `area` (level * us) to
 * bucket i, observed elsewhere, and raises its maximum to `max` (the
 * largest level of the whole in the bucket, not of the part added;
 * -INFINITY: none); the bucket may lie before, at or after the current
 * one, and its value is its area over the width, as for levels set. SUM:
 * adds `area` as an amount (max ignored). A bucket beyond the span is
 * ignored. */
void sim_series_add_area(sim_series *s, size_t i, double area, double max);
/* LEVEL: closes the buckets up to end (call once at the end of a run). */
void sim_series_finish(sim_series *s, sim_time end);
sim_series_kind sim_series_kind_of(const sim_series *s);
sim_time sim_series_interval(const sim_series *s);
size_t sim_series_nbins(const sim_series *s);
/* Bucket i: its mean level (LEVEL) or sum (SUM), and its maximum level
 * (LEVEL) or the same sum (SUM). */
double sim_series_value(const sim_series *s, size_t i);
double sim_series_max(const sim_series *s, size_t i);
/* Element-wise accumulation for averaging replications: into += from
 * (values and maxima; maxima take the max). SIM_EINVAL if shapes differ. */
int sim_series_accumulate(sim_series *into, const sim_series *from);
/* The heap bytes a series of nbins buckets holds, malloc's bookkeeping
 * included (16 bytes per bucket and a little). */
size_t sim_series_bytes(size_t nbins);
/* Writes s exactly: its shape, buckets and observation state. */
void sim_series_pack(const sim_series *s, sim_pack *p);
/* A series equal to the one packed; NULL with SIM_EPARSE or SIM_ENOMEM. */
sim_series *sim_series_unpack(sim_unpack *u, sim_err *err);
/* Multiplies every bucket value by k (e.g. 1/R after accumulating R
 * series); maxima are left as they are. */
void sim_series_scale(sim_series *s, double k);

#endif
