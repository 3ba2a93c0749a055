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
 * subtraction (no log, no search).
 *
 * Storage. The 64 counts of an octave are a block of 256 bytes (4 cache
 * lines): a count is a uint32_t while the histogram's total stays within
 * UINT32_MAX (no bin can exceed the total), and the first add or merge
 * that would take the total past it makes every count a uint64_t (widen:
 * a new array, the same values). Every count is a whole number, so the
 * values read (as doubles) are those of double counters, bit for bit, with
 * half the lines of bins in the cache. A histogram holds the blocks of one
 * run of octaves [lo, lo + n) in one array, widened (a new array, the old
 * counts copied over) the first time a value lands outside it; a latency
 * spans a few octaves, so a histogram holds a few KB instead of all 4,482
 * bins. An add reads the header's first 56 bytes (count, sum, min, max,
 * bins, lo, n, wide, under) and one line of bins: two cache lines, where a
 * table of one pointer per octave made it three (the header's table was a
 * line of its own). The edges are computed when asked for (ldexp), never
 * stored. Invariants:
 *   1. count == under + over + the sum of every block's bins (exact up to
 *      2^53 observations, where the doubles under and over stop being);
 *      an octave outside [lo, lo + n) is 64 zero bins; while !wide,
 *      count <= UINT32_MAX.
 *   2. min/max/sum are exact over every non-NaN observation recorded.
 *   3. Only add, add_n, merge and reserve allocate, and only when a value
 *      (or the histogram merged in) lands outside [lo, lo + n) or the
 *      counts must widen: the run of octaves then widens to cover it (at
 *      most 70 octaves, 35 KB at 64 bits, for values 2^-30 to 2^40 apart).
 *      When that allocation fails the observation is not recorded at all
 *      (count, sum, min, max unchanged) and status becomes SIM_ENOMEM for
 *      good:
 *      clone refuses such a histogram, so a run that lost observations
 *      fails instead of reporting wrong quantiles. Quantile, cdf, bin,
 *      reset never allocate.
 *
 * Series (LEVEL): b[j].area accumulates the area (level * us) in bucket j,
 * and value() divides by the bucket width; finish(end) rescales a bucket
 * cut short by end so its value is the mean over the part observed.
 * b[j].max starts at -inf and takes every level that lasted a positive
 * time in bucket j, and every level set at a time in bucket j (a momentary
 * level counts, as in sim_timeavg); a bucket never observed reports 0.
 * Invariant: while observing, cur = last / interval (bucket cur ends at
 * (cur + 1) * interval); once the span is passed (or after finish) last =
 * SIM_TIME_NEVER and nothing is integrated any more. A SUM series never
 * observes: its last is SIM_TIME_NEVER from the start.
 *
 * The current bucket lives in the header: while a LEVEL series observes,
 * acc and acc_mx are bucket cur's area and max, and b[cur] is stale;
 * leaving the bucket (advance) or finish writes it back, and entering one
 * reads it in. A set within the same bucket, the common case (a bucket is
 * minutes, a record's changes are seconds apart), so touches the header's
 * first line only, not a bucket's line. The same additions happen in the
 * same order, so the values are exactly those of adding into b[cur].
 * Readers go through val_at/mx_at.
 *
 * At 1,000 flows the buckets are cold: the end of a bucket (advance) costs
 * the line of b[cur] (area and max side by side, so one line, and
 * usually the line of b[cur + 1] as well), and the header's first line
 * holds everything advance reads, so it loads no second one
 * (docs/kernel.md, "Landscapes at scale").
 *
 * Fresh buckets. Every b[i] with i >= fresh still holds its initial
 * {0.0, -inf}: whatever writes a bucket other than advance moves fresh past
 * it (touched), and advance moves it past the buckets it ends. So the end
 * of a bucket computes the next buckets' sums from the constants instead
 * of loading them: 0.0 + x and max(-inf, x) are what the loads gave, bit
 * for bit, and the bucket end costs the store of b[cur], not a load of its
 * cold line. At 1,000 flows that load was most of advance's samples.
 */
#include "sim_stats.h"

#include <assert.h>
#include <float.h>
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

void sim_timeavg_add_area(sim_timeavg *a, double area, double max)
{
    a->area += area;
    if (max > a->max)
        a->max = max;
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
    /* What every add reads and writes, together in the first 56 bytes. */
    uint64_t count;
    double sum, min, max;
    void *bins;     /* octave lo + k's 64 counts at bins[64 * k]; NULL while n == 0 */
    int16_t lo, n;  /* the octaves held: [lo, lo + n) */
    int16_t wide;   /* 0: the counts are uint32_t; 1: uint64_t (see Storage) */
    int16_t status; /* SIM_OK, or SIM_ENOMEM once bins could not be had */
    double under;   /* bin 0 */
    double over;    /* bin OVER_BIN */
};

/* The bytes of one count. */
static inline size_t width(const sim_hist *h)
{
    return h->wide ? sizeof(uint64_t) : sizeof(uint32_t);
}

/* Whether octave o's counts are held. */
static inline int holds(const sim_hist *h, int o)
{
    return (unsigned)(o - h->lo) < (unsigned)h->n;
}

/* Count k of the array (k from octave lo's first bin). */
static inline uint64_t at(const sim_hist *h, size_t k)
{
    return h->wide ? ((const uint64_t *)h->bins)[k] : ((const uint32_t *)h->bins)[k];
}

/* Widens the octaves held to cover [a, b) (the new ones zero): one array,
 * copied over. SIM_ENOMEM (nothing changed) when it cannot be had. */
static int cover(sim_hist *h, int a, int b)
{
    if (h->n > 0) {
        if (h->lo < a)
            a = h->lo;
        if (h->lo + h->n > b)
            b = h->lo + h->n;
        if (a == h->lo && b == h->lo + h->n)
            return SIM_OK;
    }
    char *bins = sim_calloc((size_t)(b - a) * SUBS, width(h));
    if (!bins)
        return SIM_ENOMEM;
    if (h->n > 0)
        memcpy(bins + (size_t)(h->lo - a) * SUBS * width(h), h->bins,
               (size_t)h->n * SUBS * width(h));
    sim_free(h->bins);
    h->bins = bins;
    h->lo = (int16_t)a;
    h->n = (int16_t)(b - a);
    return SIM_OK;
}

/* Makes the counts uint64_t (Storage), the same values. SIM_ENOMEM
 * (nothing changed) when the new array cannot be had. */
static int widen(sim_hist *h)
{
    if (h->wide)
        return SIM_OK;
    if (h->n > 0) {
        size_t n = (size_t)h->n * SUBS;
        uint64_t *bins = sim_malloc(n * sizeof *bins);
        if (!bins)
            return SIM_ENOMEM;
        for (size_t k = 0; k < n; k++)
            bins[k] = ((const uint32_t *)h->bins)[k];
        sim_free(h->bins);
        h->bins = bins;
    }
    h->wide = 1;
    return SIM_OK;
}

/* Makes room for count more observations: widens the counts before the
 * total could pass UINT32_MAX (every bin is at most the total). */
static inline int room(sim_hist *h, uint64_t count)
{
    if (!h->wide && count > UINT32_MAX - h->count)
        return widen(h);
    return SIM_OK;
}

/* Adds count to bin k of octave o (o held), at the width held. */
static inline void bump(sim_hist *h, int o, unsigned k, uint64_t count)
{
    size_t j = (size_t)(o - h->lo) * SUBS + k;
    if (h->wide)
        ((uint64_t *)h->bins)[j] += count;
    else
        ((uint32_t *)h->bins)[j] += (uint32_t)count;
}

static void clear(sim_hist *h)
{
    if (h->n > 0)
        memset(h->bins, 0, (size_t)h->n * SUBS * width(h));
    h->under = h->over = 0.0;
    h->count = 0;
    h->sum = 0.0;
    h->min = INFINITY;
    h->max = -INFINITY;
}

sim_hist *sim_hist_create(sim_err *err)
{
    sim_hist *h = sim_calloc_hot(sizeof *h); /* its add fields in one line */
    if (!h) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory creating a histogram");
        return NULL;
    }
    clear(h);
    return h;
}

void sim_hist_destroy(sim_hist *h)
{
    if (!h)
        return;
    sim_free(h->bins);
    sim_free_hot(h);
}

size_t sim_hist_bytes(void)
{
    return SIM_LINES(sizeof(sim_hist)) + SIM_HIST_TYPICAL_OCTAVES * SUBS * sizeof(uint32_t) +
           2 * SIM_ALLOC_OVERHEAD;
}

sim_hist *sim_hist_clone(const sim_hist *h, sim_err *err)
{
    if (h->status != SIM_OK) {
        sim_err_set(err, h->status, NULL, 0, 0,
                    "a histogram lost observations: out of memory for its bins");
        return NULL;
    }
    sim_hist *c = sim_hist_create(err);
    if (!c)
        return NULL;
    c->wide = h->wide;
    if (h->n > 0) {
        if (cover(c, h->lo, h->lo + h->n) != SIM_OK) {
            sim_hist_destroy(c);
            sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory copying a histogram");
            return NULL;
        }
        memcpy(c->bins, h->bins, (size_t)h->n * SUBS * width(h));
    }
    c->under = h->under;
    c->over = h->over;
    c->count = h->count;
    c->sum = h->sum;
    c->min = h->min;
    c->max = h->max;
    return c;
}

int sim_hist_status(const sim_hist *h)
{
    return h->status;
}

size_t sim_hist_blocks(const sim_hist *h)
{
    return (size_t)h->n;
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

/* record's rare paths (wider counts, a new octave) out of line, so that
 * its common case inlines into its callers without saving registers for
 * the calls (entering and leaving it were a third of its instructions). */
#if defined(__GNUC__) || defined(__clang__)
#define RECORD_COLD __attribute__((cold, noinline))
#define ADD_INLINE  inline __attribute__((always_inline))
#else
#define RECORD_COLD
#define ADD_INLINE inline
#endif

/* record, every case. */
static RECORD_COLD int record_any(sim_hist *h, long i, uint64_t count)
{
    if (room(h, count) != SIM_OK) {
        h->status = SIM_ENOMEM;
        return SIM_ENOMEM;
    }
    if (i == 0) {
        h->under += (double)count;
    } else if (i == OVER_BIN) {
        h->over += (double)count;
    } else {
        long k = i - 1;
        int o = (int)(k >> SUB_BITS);
        if (!holds(h, o) && cover(h, o, o + 1) != SIM_OK) {
            h->status = SIM_ENOMEM;
            return SIM_ENOMEM;
        }
        bump(h, o, (unsigned)(k & (SUBS - 1)), count);
    }
    return SIM_OK;
}

/* Records count observations in bin i, allocating its octave if it is
 * not held yet. SIM_ENOMEM (nothing recorded, status remembers it) when the
 * octave or the wider counts cannot be had. Inline: the counts need no
 * widening and bin i is under or in an octave held (record_any does the
 * same then). */
static inline int record(sim_hist *h, long i, uint64_t count)
{
    if (h->wide || count <= UINT32_MAX - h->count) { /* room() has nothing to do */
        if (i == 0) {
            h->under += (double)count;
            return SIM_OK;
        }
        long k = i - 1;
        int o = (int)(k >> SUB_BITS);
        if (i != OVER_BIN && holds(h, o)) {
            bump(h, o, (unsigned)(k & (SUBS - 1)), count);
            return SIM_OK;
        }
    }
    return record_any(h, i, count);
}

/* The count of bin i (0 for an absent block). */
static inline double bin_count(const sim_hist *h, long i)
{
    if (i == 0)
        return h->under;
    if (i == OVER_BIN)
        return h->over;
    long k = i - 1;
    int o = (int)(k >> SUB_BITS);
    return holds(h, o) ? (double)at(h, (size_t)(k - (long)h->lo * SUBS)) : 0.0;
}

/* Packed: count, sum, min, max, status, then the nonzero bins as (index,
 * count) pairs in index order. An absent block and a block of zeros pack
 * alike; both read back as absent, which no value or quantile can tell
 * apart. */
void sim_hist_pack(const sim_hist *h, sim_pack *p)
{
    uint64_t nonzero = 0;
    for (long i = 0; i < NBINS; i++)
        nonzero += bin_count(h, i) != 0.0;
    sim_pack_u64(p, h->count);
    sim_pack_f64(p, h->sum);
    sim_pack_f64(p, h->min);
    sim_pack_f64(p, h->max);
    sim_pack_u64(p, (uint64_t)(h->status != SIM_OK));
    sim_pack_u64(p, nonzero);
    for (long i = 0; i < NBINS; i++)
        if (bin_count(h, i) != 0.0) {
            sim_pack_u64(p, (uint64_t)i);
            sim_pack_f64(p, bin_count(h, i));
        }
}

sim_hist *sim_hist_unpack(sim_unpack *u, sim_err *err)
{
    sim_hist *h = sim_hist_create(err);
    if (!h)
        return NULL;
    uint64_t count = sim_unpack_u64(u);
    h->sum = sim_unpack_f64(u);
    h->min = sim_unpack_f64(u);
    h->max = sim_unpack_f64(u);
    if (sim_unpack_u64(u))
        h->status = SIM_ENOMEM;
    uint64_t nonzero = sim_unpack_u64(u);
    if (nonzero > NBINS)
        u->failed = 1;
    /* The bins come in increasing order, each a whole count, and add up to
     * count (invariant 1); anything else is corrupt. */
    for (uint64_t k = 0, next = 0; !u->failed && k < nonzero; k++) {
        uint64_t i = sim_unpack_u64(u);
        double c = sim_unpack_f64(u);
        if (i < next || i >= NBINS || !(c >= 1.0 && c <= (double)count && c < 0x1p64) ||
            c != floor(c)) {
            u->failed = 1;
            break;
        }
        if (record(h, (long)i, (uint64_t)c) != SIM_OK)
            goto fail_nomem;
        h->count += (uint64_t)c;
        next = i + 1;
    }
    if (h->count != count)
        u->failed = 1;
    if (u->failed) {
        sim_hist_destroy(h);
        sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "a packed histogram is truncated or corrupt");
        return NULL;
    }
    return h;

fail_nomem:
    sim_hist_destroy(h);
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory unpacking a histogram");
    return NULL;
}

/* The lower edge of regular bin i (0 < i < OVER_BIN); i = OVER_BIN gives
 * 2^40, the upper edge of the last regular bin. */
static double bin_lo(long i)
{
    if (i == OVER_BIN)
        return HIGH;
    long k = i - 1;
    return ldexp(1.0 + (double)(k & (SUBS - 1)) / SUBS, LOW_EXP + (int)(k >> SUB_BITS));
}

/* sim_hist_add_n's body, forced inline into sim_hist_add: left to
 * itself, GCC inlines it (and record) there or not depending on record's
 * other callers, which cost 16 M instructions on the 100-flow day. */
static ADD_INLINE void add_n(sim_hist *h, double x, uint64_t count)
{
    long i = bin_of(x);
    if (i < 0 || count == 0)
        return;
    if (record(h, i, count) != SIM_OK)
        return; /* status is SIM_ENOMEM: the observation is not recorded */
    h->count += count;
    h->sum += x * (double)count;
    if (x < h->min)
        h->min = x;
    if (x > h->max)
        h->max = x;
}

void sim_hist_add(sim_hist *h, double x)
{
    add_n(h, x, 1);
}

void sim_hist_add_n(sim_hist *h, double x, uint64_t count)
{
    add_n(h, x, count);
}

void sim_hist_add_times(sim_hist *h, const sim_time *t, size_t n)
{
    if (n == 0 || room(h, n) != SIM_OK) {
        for (size_t i = 0; i < n; i++) /* out of memory: sim_hist_add says what is lost */
            sim_hist_add(h, sim_time_to_seconds(t[i]));
        return;
    }
    /* room(h, n) widened the counts if the n could pass UINT32_MAX, so
     * record's own check (with the count below) never fires. */
    uint64_t count = h->count, under = 0;
    double sum = h->sum, min = h->min, max = h->max;
    for (size_t i = 0; i < n; i++) {
        double x = sim_time_to_seconds(t[i]);
        long b = bin_of(x);
        long k = b - 1;
        int o = (int)(k >> SUB_BITS);
        if (b > 0 && b < OVER_BIN && holds(h, o))
            bump(h, o, (unsigned)(k & (SUBS - 1)), 1);
        else if (b == 0)
            under++; /* a wait of 0: most of them */
        else if (b < 0 || record_any(h, b, 1) != SIM_OK)
            continue; /* as sim_hist_add_n: not recorded */
        /* (record's inline case is the bump above: b is over the range or
         * its octave is not held, so record would call record_any.) */
        count++;
        sum += x;
        if (x < min)
            min = x;
        if (x > max)
            max = x;
    }
    /* whole numbers below 2^53: one add is exact, as many adds of 1 are */
    h->under += (double)under;
    h->count = count;
    h->sum = sum;
    h->min = min;
    h->max = max;
}

int sim_hist_reserve(sim_hist *into, const sim_hist *from)
{
    if (room(into, from->count) != SIM_OK)
        return SIM_ENOMEM;
    return from->n > 0 ? cover(into, from->lo, from->lo + from->n) : SIM_OK;
}

void sim_hist_merge(sim_hist *into, const sim_hist *from)
{
    if (from->status != SIM_OK)
        into->status = from->status;
    if (sim_hist_reserve(into, from) != SIM_OK) {
        into->status = SIM_ENOMEM;
        return; /* into is incomplete */
    }
    for (size_t k = 0; k < (size_t)from->n * SUBS; k++) {
        size_t j = (size_t)(from->lo - into->lo) * SUBS + k;
        if (into->wide)
            ((uint64_t *)into->bins)[j] += at(from, k);
        else
            ((uint32_t *)into->bins)[j] += (uint32_t)at(from, k);
    }
    into->under += from->under;
    into->over += from->over;
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
static double representative(const sim_hist *h, long i)
{
    double v;
    if (i == 0)
        v = 0.0;
    else if (i == OVER_BIN)
        v = h->max;
    else
        v = 0.5 * (bin_lo(i) + bin_lo(i + 1));
    if (v < h->min)
        v = h->min;
    if (v > h->max)
        v = h->max;
    return v;
}

/* The next bin at or after i that may be non-zero (skips absent blocks). */
static long next_bin(const sim_hist *h, long i)
{
    while (i > 0 && i < OVER_BIN && !holds(h, (int)((i - 1) >> SUB_BITS)))
        i = (((i - 1) >> SUB_BITS) + 1) * SUBS + 1;
    return i;
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
    for (long i = 0; i < NBINS; i = next_bin(h, i + 1)) {
        cum += bin_count(h, i);
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
    for (long i = 0; i <= b; i = next_bin(h, i + 1))
        cum += bin_count(h, i);
    return cum / (double)h->count;
}

/* Bin b's edges and count c, as sim_hist_bin reports them. */
static void bin_out(const sim_hist *h, long b, double c, double *lo, double *hi, uint64_t *count)
{
    *lo = b == 0 ? 0.0 : bin_lo(b);
    *hi = b == 0 ? LOW : b == OVER_BIN ? h->max : bin_lo(b + 1);
    *count = (uint64_t)c;
}

int sim_hist_bin(const sim_hist *h, size_t i, double *lo, double *hi, uint64_t *count)
{
    size_t seen = 0;
    for (long b = 0; b < NBINS; b = next_bin(h, b + 1)) {
        double c = bin_count(h, b);
        if (c == 0.0)
            continue;
        if (seen++ < i)
            continue;
        bin_out(h, b, c, lo, hi, count);
        return 1;
    }
    return 0;
}

int sim_hist_next(const sim_hist *h, size_t *at, double *lo, double *hi, uint64_t *count)
{
    long b = *at < (size_t)NBINS ? (long)*at : NBINS;
    for (b = next_bin(h, b); b < NBINS; b = next_bin(h, b + 1)) {
        double c = bin_count(h, b);
        if (c == 0.0)
            continue;
        bin_out(h, b, c, lo, hi, count);
        *at = (size_t)b + 1;
        return 1;
    }
    *at = NBINS;
    return 0;
}

size_t sim_hist_nbins(const sim_hist *h)
{
    size_t n = 0;
    for (long b = 0; b < NBINS; b = next_bin(h, b + 1))
        n += bin_count(h, b) != 0.0;
    return n;
}

/* ---- fixed-interval time series ---------------------------------------- */

/* A bucket's area and maximum side by side: the end of a bucket writes
 * both (and the start of the next reads both), one cold line rather than
 * one in each of two arrays. */
struct bucket {
    double area; /* LEVEL: area (level * us); SUM: the sum */
    double max;  /* LEVEL: the largest level, -inf until observed */
};

struct sim_series {
    /* The first cache line: what every set reads and writes (LEVEL
     * observation state, see the invariants at the top), then what the end
     * of a bucket (advance) needs besides, so that it loads no other line
     * of the header. Bucket cur ends at (cur + 1) * interval. */
    sim_time last;
    double level;
    double acc, acc_mx; /* bucket cur's area and max while observing */
    struct bucket *b;   /* [nbins] */
    sim_time interval;
    uint32_t cur, nbins;
    uint32_t fresh; /* b[i] for i >= fresh is untouched: {0.0, -inf} */
    /* The rest, read off the per-record path. */
    sim_series_kind kind;
};

/* Where bucket cur ends (SIM_TIME_NEVER-safe: cur <= nbins and the span
 * fits, checked at create). */
static inline sim_time cur_end(const sim_series *s)
{
    return ((sim_time)s->cur + 1) * s->interval;
}

/* Bucket i was written (not through advance's walk): fresh moves past it. */
static inline void touched(sim_series *s, size_t i)
{
    if (i >= s->fresh)
        s->fresh = i + 1 < s->nbins ? (uint32_t)(i + 1) : s->nbins;
}

/* Whether bucket i lives in the header (acc, acc_mx) rather than in b. */
static inline int in_header(const sim_series *s, size_t i)
{
    return s->kind == SIM_SERIES_LEVEL && s->last != SIM_TIME_NEVER && i == s->cur;
}

static double *val_at(sim_series *s, size_t i)
{
    return in_header(s, i) ? &s->acc : &s->b[i].area;
}

static double *mx_at(sim_series *s, size_t i)
{
    return in_header(s, i) ? &s->acc_mx : &s->b[i].max;
}

static double val_of(const sim_series *s, size_t i)
{
    return in_header(s, i) ? s->acc : s->b[i].area;
}

static double mx_of(const sim_series *s, size_t i)
{
    return in_header(s, i) ? s->acc_mx : s->b[i].max;
}

/* Reads bucket cur into the header (after it changed or was loaded). */
static void enter(sim_series *s)
{
    if (s->kind == SIM_SERIES_LEVEL && s->last != SIM_TIME_NEVER && s->cur < s->nbins) {
        s->acc = s->b[s->cur].area;
        s->acc_mx = s->b[s->cur].max;
    }
}

size_t sim_series_bytes(size_t nbins)
{
    return SIM_LINES(sizeof(sim_series)) + 2 * nbins * sizeof(double) + 2 * SIM_ALLOC_OVERHEAD;
}

sim_series *sim_series_create(sim_series_kind kind, sim_time interval, size_t nbins, sim_err *err)
{
    if (kind != SIM_SERIES_LEVEL && kind != SIM_SERIES_SUM) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "unknown series kind %d", (int)kind);
        return NULL;
    }
    if (interval <= 0 || nbins == 0 || nbins > UINT32_MAX ||
        (uint64_t)nbins >= (uint64_t)(INT64_MAX / interval)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "a series needs an interval > 0 and 1 or more buckets within the time "
                    "range, got interval %lld us and %zu buckets",
                    (long long)interval, nbins);
        return NULL;
    }
    sim_series *s = sim_calloc_hot(sizeof *s); /* its set fields in one line */
    if (!s)
        goto fail_series;
    s->b = sim_malloc(nbins * sizeof *s->b);
    if (!s->b)
        goto fail_buckets;
    for (size_t i = 0; i < nbins; i++)
        s->b[i] = (struct bucket){0.0, -INFINITY};
    s->kind = kind;
    s->interval = interval;
    s->nbins = (uint32_t)nbins;
    /* A SUM series never observes a level: set does nothing to it. */
    s->last = kind == SIM_SERIES_LEVEL ? 0 : SIM_TIME_NEVER;
    s->cur = 0;
    s->fresh = 0;
    s->level = 0.0;
    s->acc = 0.0;
    s->acc_mx = -INFINITY;
    return s;

fail_buckets:
    sim_free_hot(s);
fail_series:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory creating a series of %zu buckets",
                nbins);
    return NULL;
}

void sim_series_destroy(sim_series *s)
{
    if (!s)
        return;
    sim_free(s->b);
    sim_free_hot(s);
}

void sim_series_pack(const sim_series *s, sim_pack *p)
{
    sim_pack_u64(p, (uint64_t)s->kind);
    sim_pack_u64(p, (uint64_t)s->interval);
    sim_pack_u64(p, s->nbins);
    for (size_t i = 0; i < s->nbins; i++) {
        sim_pack_f64(p, val_of(s, i));
        sim_pack_f64(p, mx_of(s, i));
    }
    sim_pack_u64(p, (uint64_t)s->last);
    sim_pack_u64(p, (uint64_t)cur_end(s));
    sim_pack_u64(p, s->cur);
    sim_pack_f64(p, s->level);
}

sim_series *sim_series_unpack(sim_unpack *u, sim_err *err)
{
    uint64_t kind = sim_unpack_u64(u), interval = sim_unpack_u64(u), nbins = sim_unpack_u64(u);
    /* each bucket takes 16 bytes: a count beyond what is left is corrupt */
    if (u->failed || nbins > (u->len - u->pos) / 16 || interval > INT64_MAX) {
        sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "a packed series is truncated or corrupt");
        return NULL;
    }
    sim_series *s =
        sim_series_create((sim_series_kind)kind, (sim_time)interval, (size_t)nbins, err);
    if (!s) {
        if (err && err->code == SIM_EINVAL)
            err->code = SIM_EPARSE;
        return NULL;
    }
    for (size_t i = 0; i < s->nbins; i++) {
        s->b[i].area = sim_unpack_f64(u);
        s->b[i].max = sim_unpack_f64(u);
    }
    s->last = (sim_time)sim_unpack_u64(u);
    (void)sim_unpack_u64(u); /* the end of bucket cur: (cur + 1) * interval */
    uint64_t cur = sim_unpack_u64(u);
    s->level = sim_unpack_f64(u);
    if (u->failed || cur > s->nbins) {
        sim_series_destroy(s);
        sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "a packed series is truncated or corrupt");
        return NULL;
    }
    s->cur = (uint32_t)cur;
    s->fresh = s->nbins;
    if (s->kind != SIM_SERIES_LEVEL)
        s->last = SIM_TIME_NEVER;
    enter(s);
    return s;
}

sim_series *sim_series_clone(const sim_series *s, sim_err *err)
{
    sim_series *c = sim_series_create(s->kind, s->interval, s->nbins, err);
    if (!c)
        return NULL;
    memcpy(c->b, s->b, s->nbins * sizeof *c->b);
    c->last = s->last;
    c->cur = s->cur;
    c->fresh = s->fresh;
    c->level = s->level;
    c->acc = s->acc;
    c->acc_mx = s->acc_mx;
    return c;
}

/* Integrates the current level from last to now (> last), crossing bucket
 * edges (writing the bucket left back, reading the one entered); stops
 * observing at the end of the span. */
static void advance(sim_series *s, sim_time now)
{
    const sim_time span = (sim_time)s->nbins * s->interval;
    if (now > span)
        now = span;
    double lv = s->level;
    sim_time t = s->last;
    sim_time end = cur_end(s);
    if (now >= end) {
        s->acc += lv * (double)(end - t);
        if (lv > s->acc_mx)
            s->acc_mx = lv;
        s->b[s->cur].area = s->acc;
        s->b[s->cur].max = s->acc_mx;
        uint32_t j = s->cur + 1;
        sim_time edge = end + s->interval;
        t = end;
        /* Buckets from fresh on hold {0.0, -inf}: the same sums without
         * loading them (the load was the bucket end's cache miss). */
        while (j < s->nbins && now >= edge) {
            double area = j < s->fresh ? s->b[j].area : 0.0;
            double mx = j < s->fresh ? s->b[j].max : -INFINITY;
            area += lv * (double)(edge - t);
            if (lv > mx)
                mx = lv;
            s->b[j].area = area;
            s->b[j].max = mx;
            j++;
            t = edge;
            edge += s->interval;
        }
        if (j > s->fresh)
            s->fresh = j; /* b[j], now cur, lives in the header */
        s->cur = j;
        if (j >= s->nbins) {
            s->last = SIM_TIME_NEVER;
            return;
        }
        s->acc = j < s->fresh ? s->b[j].area : 0.0;
        s->acc_mx = j < s->fresh ? s->b[j].max : -INFINITY;
    }
    if (now > t) {
        s->acc += lv * (double)(now - t);
        if (lv > s->acc_mx)
            s->acc_mx = lv;
    }
    s->last = now;
}

/* sim_series_set's other cases: a set at last, a bucket's end crossed,
 * observing over. Out of line, so that the
 * common case saves no register for the call of advance. */
static RECORD_COLD void set_other(sim_series *s, sim_time now, double v)
{
    /* A SUM series has last = SIM_TIME_NEVER, so the kind (on the
     * header's second line) is only read once observing is over. */
    if (s->last == SIM_TIME_NEVER && s->kind != SIM_SERIES_LEVEL)
        return;
    if (now > s->last)
        advance(s, now); /* now >= cur_end(s): the common case did the rest */
    s->level = v;
    if (s->last != SIM_TIME_NEVER && v > s->acc_mx)
        s->acc_mx = v;
}

void sim_series_set(sim_series *s, sim_time now, double v)
{
    /* The common case: later than last (so observing, last is not
     * SIM_TIME_NEVER) and still in bucket cur. The same operations as
     * advance's last step, then the maximum raised by the new level. (A
     * set at last inline too cost 3 instructions a set, 6.7 M more than
     * its calls of set_other on the 100-flow day.) */
    sim_time last = s->last;
    if (now > last && now < cur_end(s)) {
        double lv = s->level, mx = s->acc_mx;
        s->acc += lv * (double)(now - last);
        if (lv > mx)
            mx = lv;
        if (v > mx)
            mx = v;
        s->acc_mx = mx;
        s->last = now;
        s->level = v;
        return;
    }
    set_other(s, now, v);
}

void sim_series_add(sim_series *s, sim_time now, double amount)
{
    if (s->last != SIM_TIME_NEVER || s->kind == SIM_SERIES_LEVEL) {
        sim_series_set(s, now, s->level + amount);
        return;
    }
    if (now < 0 || now >= (sim_time)s->nbins * s->interval)
        return;
    touched(s, (size_t)(now / s->interval));
    s->b[now / s->interval].area += amount;
}

void sim_series_add_area(sim_series *s, size_t i, double area, double max)
{
    if (i >= s->nbins)
        return;
    touched(s, i);
    *val_at(s, i) += area;
    if (s->kind != SIM_SERIES_LEVEL)
        return;
    double *m = mx_at(s, i);
    if (max > *m)
        *m = max;
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
            s->acc *= (double)s->interval / (double)width;
        else
            s->acc_mx = -INFINITY; /* begins at end: not observed */
        touched(s, s->cur);
        s->b[s->cur].area = s->acc;
        s->b[s->cur].max = s->acc_mx;
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
    return s->kind == SIM_SERIES_LEVEL ? val_of(s, i) / (double)s->interval : s->b[i].area;
}

double sim_series_max(const sim_series *s, size_t i)
{
    if (i >= s->nbins)
        return NAN;
    if (s->kind == SIM_SERIES_SUM)
        return s->b[i].area;
    double m = mx_of(s, i);
    return m == -INFINITY ? 0.0 : m;
}

int sim_series_accumulate(sim_series *into, const sim_series *from)
{
    if (into->kind != from->kind || into->interval != from->interval || into->nbins != from->nbins)
        return SIM_EINVAL;
    into->fresh = into->nbins;
    for (size_t i = 0; i < into->nbins; i++) {
        *val_at(into, i) += val_of(from, i);
        double *m = mx_at(into, i);
        if (mx_of(from, i) > *m)
            *m = mx_of(from, i);
    }
    return SIM_OK;
}

void sim_series_scale(sim_series *s, double k)
{
    s->fresh = s->nbins; /* 0.0 * k need not be 0.0 */
    for (size_t i = 0; i < s->nbins; i++)
        *val_at(s, i) *= k;
}
