/*
 * mdl_arrivals.c - a non-homogeneous Poisson process by inversion of the
 * integrated rate, piece by piece (see the header for the model and the
 * references).
 *
 * Two streams, superposed:
 *   base   rate k0 * dw[hour of the week cycle] * spike_multiplier * exp(c t),
 *          where k0 = base_rate * load_multiplier, dw combines the normalised
 *          diurnal and weekly weights for the 168 hours of the cycle that
 *          starts at t = 0, and c = ln(1 + growth) / month (per second).
 *          Pieces end at every hour boundary and spike edge.
 *   extra  rate sum of extra / (end - start) over the spike windows that
 *          contain t. Pieces end at spike edges; constant within a piece.
 * Each stream keeps its position as (piece start `pos` in microseconds,
 * offset `off` in seconds within the piece), so an hour-long piece is
 * resolved to ~1e-12 s whatever the horizon, and hands out ceil(pos + off)
 * in microseconds.
 *
 * Within a piece the rate from the current position is r(x) = ax * exp(c x)
 * with ax = a * exp(c off); its integral over the rest of the piece (length
 * len) is ax * expm1(c len) / c, and the x where the integral reaches E is
 * log1p(c E / ax) / c (E / ax when c = 0). expm1 and log1p keep full
 * precision when c is tiny.
 *
 * Week skipping (base only): at a piece start that is a multiple of a week
 * and after the last spike edge, the integral over the coming week is
 * k0 * exp(c t) * S, with S the integral of dw(x) exp(c x) over one cycle
 * (precomputed). Weeks are skipped while E exceeds it. When c < 0 the whole
 * future integral is finite, k0 exp(c t) S / (1 - exp(c week)); an E above it
 * means no arrival ever (SIM_TIME_NEVER). Nothing is searched beyond
 * SIM_TIME_LIMIT_S, which bounds the work of any call.
 *
 * Invariants:
 *   1. a stream's pos <= pos + off <= end, and `a` is the rate at pos of the
 *      piece [pos, end) whenever `ready` is set.
 *   2. pending (the stream's next arrival, or NEVER) is >= last_ret, the
 *      last value returned, so returned times never decrease.
 */
#include "mdl_arrivals.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "sim_alloc.h"
#include "sim_rng.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define CYCLE_HOURS 168
#define HOUR_S      3600.0
#define WEEK_S      (7.0 * 86400.0)
#define MONTH_S     sim_time_to_seconds(MDL_MONTH)
/* No arrival is searched for beyond this time. */
#define TIME_LIMIT ((sim_time)(SIM_TIME_LIMIT_S * 1e6))
/* pending: not drawn yet. */
#define UNSET (-1)
#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* The rate function, shared by the process and mdl_arrivals_expected. */
typedef struct rate_model {
    double dw[CYCLE_HOURS]; /* diurnal x weekly weight, each normalised to mean 1 */
    double k0;              /* base_rate * load_multiplier */
    double load;            /* load_multiplier (a trace's scale) */
    double c;               /* growth exponent per second (0 when stepped) */
    double step;            /* growth_monthly: 1 + growth per month step; 0 = continuous */
    double week_int;        /* integral of dw(x) exp(c x) over one cycle, in seconds */
    const mdl_spike *spikes;
    int nspikes;
    sim_time last_edge; /* the latest spike end (0 without spikes) */
    int has_extra;      /* some spike has extra records */
} rate_model;

typedef struct stream {
    int ready;        /* the piece [pos, end) and its rate a are set */
    sim_time pos;     /* start of the piece, us */
    sim_time end;     /* end of the piece, us (SIM_TIME_NEVER: no further edge) */
    double a;         /* rate at pos, records/s */
    double off;       /* position within the piece, s */
    sim_time pending; /* next arrival, SIM_TIME_NEVER, or UNSET */
    double first;     /* deterministic: the integral to the next arrival after a
                         restart (< 0: none pending, the usual step 1) */
} stream;

/* ---- the fast Poisson process's state (described below) -------------- */

#define LEAF  16 /* arrivals placed at once */
#define DEPTH 72 /* parts pending in a piece: halving depth <= 64 - log2(LEAF), + a few */

/* A part of the current piece: [v0, v1) of its integrated rate (expected
 * arrivals since the piece's start) holding n arrivals, uniform in it. */
typedef struct part {
    double v0, v1;
    uint64_t n;
    uint64_t node; /* its place in the piece's halving tree: 1 the piece,
                      2i and 2i + 1 the halves of i (its numbers' name) */
} part;

typedef struct fstream {
    /* What handing out the next arrival reads, first, then the leaf it
     * comes from: at 1,000 flows a stream is cold at each arrival. */
    sim_time pending; /* an arrival drawn by fast_next, not handed out (UNSET) */
    int nleaf, ileaf;
    int depth;
    int is_base;
    sim_time leaf[LEAF]; /* placed arrivals, ascending */
    uint64_t key;
    sim_time scan; /* the next piece starts here (pieces before it are done) */
    /* the piece being handed out: [start, end), rate a exp(c x), integral w */
    sim_time start, end;
    double a, c, w;
    uint64_t pkey;     /* the piece's key: its parts' numbers come from it */
    part stack[DEPTH]; /* the earliest part on top */
} fstream;

struct mdl_arrivals {
    /* The fast Poisson process (fast != 0): its streams and its generator,
     * reseeded at every week and piece (see "the fast Poisson process").
     * First, with the base stream in the struct: an arrival then reads
     * the struct's first cache line, not a line here and one elsewhere. */
    int fast;
    fstream *fbase;  /* &fast_base, when fast */
    fstream *fextra; /* NULL without extra records */
    gsl_rng *gen;    /* owned */
    fstream fast_base;
    rate_model m;
    mdl_spike *spikes; /* owned copy; m.spikes points here */
    gsl_rng *rng;      /* borrowed */
    mdl_arrivals_process process;
    stream base, extra;
    /* trace: the timestamps (borrowed), the next one to replay, and the
     * copies of the current one still to hand out */
    const sim_time *trace;
    size_t ntrace, tnext;
    uint64_t copies;
    sim_time tcur;
    sim_time held;     /* an arrival drawn by mdl_arrivals_count, not yet handed out */
    sim_time last_ret; /* last value returned; INT64_MIN before the first call */
};

/* ---- validation and the rate model ------------------------------------- */

static int bad_weight(double w)
{
    return !(w >= 0.0) || !isfinite(w);
}

int mdl_arrivals_validate(const mdl_arrivals_cfg *cfg, sim_err *err)
{
    if (bad_weight(cfg->base_rate))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "arrivals: base_rate must be >= 0 and finite, got %g", cfg->base_rate);
    if (bad_weight(cfg->load_multiplier))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "arrivals: load_multiplier must be >= 0 and finite, got %g",
                           cfg->load_multiplier);
    for (int h = 0; h < 24; h++)
        if (bad_weight(cfg->diurnal[h]))
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "arrivals: diurnal[%d] must be >= 0 and finite, got %g", h,
                               cfg->diurnal[h]);
    for (int d = 0; d < 7; d++)
        if (bad_weight(cfg->weekly[d]))
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "arrivals: weekly[%d] must be >= 0 and finite, got %g", d,
                               cfg->weekly[d]);
    if (cfg->first_weekday < 0 || cfg->first_weekday > 6)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "arrivals: first_weekday must be 0 (Monday) to 6, got %d",
                           cfg->first_weekday);
    if (!(cfg->growth_per_month > -1.0) || !isfinite(cfg->growth_per_month))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "arrivals: growth_per_month must be > -1 (-100%%), got %g",
                           cfg->growth_per_month);
    if (cfg->process < MDL_ARRIVALS_POISSON || cfg->process > MDL_ARRIVALS_TRACE)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "arrivals: unknown process %d",
                           (int)cfg->process);
    if (cfg->process == MDL_ARRIVALS_TRACE && cfg->ntrace > 0 && !cfg->trace)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "arrivals: a trace without its times");
    for (size_t i = 0; cfg->process == MDL_ARRIVALS_TRACE && i < cfg->ntrace; i++)
        if (cfg->trace[i] < 0 || (i > 0 && cfg->trace[i] < cfg->trace[i - 1]))
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "arrivals: trace times must be >= 0 and ascending (at %zu)", i);
    if (cfg->nspikes < 0 || (cfg->nspikes > 0 && !cfg->spikes))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "arrivals: %d spikes without a list",
                           cfg->nspikes);
    for (int i = 0; i < cfg->nspikes; i++) {
        const mdl_spike *s = &cfg->spikes[i];
        if (s->start < 0 || s->end <= s->start)
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "arrivals: spike %d must have 0 <= start < end", i);
        if (bad_weight(s->multiplier))
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "arrivals: spike %d multiplier must be >= 0, got %g", i,
                               s->multiplier);
        if (bad_weight(s->extra))
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "arrivals: spike %d extra must be >= 0, got %g", i, s->extra);
    }
    return SIM_OK;
}

/* Copies w[0..n-1] divided by its mean into out; all zero means flat. */
static void normalise(const double *w, int n, double *out)
{
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += w[i];
    for (int i = 0; i < n; i++)
        out[i] = sum > 0.0 ? w[i] * n / sum : 1.0;
}

/* The integral of ax * exp(c x) over [0, len] seconds. */
static double piece_integral(double ax, double c, double len)
{
    if (ax == 0.0 || len <= 0.0)
        return 0.0;
    return c == 0.0 ? ax * len : ax * expm1(c * len) / c;
}

/* cfg must be valid; spikes are borrowed from cfg. */
static void model_init(rate_model *m, const mdl_arrivals_cfg *cfg)
{
    double d[24], w[7];
    normalise(cfg->diurnal, 24, d);
    normalise(cfg->weekly, 7, w);
    for (int k = 0; k < CYCLE_HOURS; k++)
        m->dw[k] = d[k % 24] * w[(cfg->first_weekday + k / 24) % 7];
    m->k0 = cfg->base_rate * cfg->load_multiplier;
    m->load = cfg->load_multiplier;
    m->c = cfg->growth_monthly ? 0.0 : log1p(cfg->growth_per_month) / MONTH_S;
    m->step = cfg->growth_monthly ? 1.0 + cfg->growth_per_month : 0.0;
    m->week_int = 0.0;
    for (int k = 0; k < CYCLE_HOURS; k++)
        m->week_int += piece_integral(m->dw[k] * exp(m->c * k * HOUR_S), m->c, HOUR_S);
    m->spikes = cfg->spikes;
    m->nspikes = cfg->nspikes;
    m->last_edge = 0;
    m->has_extra = 0;
    for (int i = 0; i < cfg->nspikes; i++) {
        if (cfg->spikes[i].end > m->last_edge)
            m->last_edge = cfg->spikes[i].end;
        if (cfg->spikes[i].extra > 0.0)
            m->has_extra = 1;
    }
}

/* The growth factor at t: exp(c t), or (1 + g)^floor(t / month) when
 * stepped. */
static double growth_at(const rate_model *m, sim_time t)
{
    if (m->step > 0.0)
        return pow(m->step, (double)(t / MDL_MONTH));
    return exp(m->c * sim_time_to_seconds(t));
}

/* The base piece starting at p: its end and its rate at p. */
static void base_piece(const rate_model *m, sim_time p, sim_time *end, double *a)
{
    sim_time e = p - p % SIM_HOUR + SIM_HOUR;
    if (m->step > 0.0 && p - p % MDL_MONTH + MDL_MONTH < e) /* a growth step */
        e = p - p % MDL_MONTH + MDL_MONTH;
    double mult = 1.0;
    for (int i = 0; i < m->nspikes; i++) {
        const mdl_spike *s = &m->spikes[i];
        if (s->start > p && s->start < e)
            e = s->start;
        if (s->end > p && s->end < e)
            e = s->end;
        if (s->start <= p && p < s->end)
            mult *= s->multiplier;
    }
    *end = e;
    *a = m->k0 == 0.0 ? 0.0 : m->k0 * m->dw[(p / SIM_HOUR) % CYCLE_HOURS] * mult * growth_at(m, p);
}

/* The extra piece starting at p: its end (SIM_TIME_NEVER after the last
 * edge) and its constant rate. */
static void extra_piece(const rate_model *m, sim_time p, sim_time *end, double *a)
{
    sim_time e = SIM_TIME_NEVER;
    double rate = 0.0;
    for (int i = 0; i < m->nspikes; i++) {
        const mdl_spike *s = &m->spikes[i];
        if (!(s->extra > 0.0))
            continue;
        if (s->start > p && s->start < e)
            e = s->start;
        if (s->end > p && s->end < e)
            e = s->end;
        if (s->start <= p && p < s->end)
            rate += s->extra / sim_time_to_seconds(s->end - s->start);
    }
    *end = e;
    *a = rate;
}

/* ---- the process -------------------------------------------------------- */

static int fast_create(mdl_arrivals *a, gsl_rng *rng);
static void fstream_destroy(fstream *s);

mdl_arrivals *mdl_arrivals_create(const mdl_arrivals_cfg *cfg, gsl_rng *rng, sim_err *err)
{
    if (mdl_arrivals_validate(cfg, err) != SIM_OK)
        return NULL;
    if (!rng) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "arrivals: no random stream");
        return NULL;
    }
    mdl_arrivals *a = sim_calloc_hot(sizeof *a); /* its head on one line (mdl_arrivals_prefetch) */
    if (!a)
        goto fail_nomem;
    if (cfg->nspikes > 0) {
        a->spikes = sim_calloc((size_t)cfg->nspikes, sizeof *a->spikes);
        if (!a->spikes)
            goto fail_spikes;
        memcpy(a->spikes, cfg->spikes, (size_t)cfg->nspikes * sizeof *a->spikes);
    }
    model_init(&a->m, cfg);
    a->m.spikes = a->spikes;
    a->rng = rng;
    a->process = cfg->process;
    a->trace = cfg->trace;
    a->ntrace = cfg->process == MDL_ARRIVALS_TRACE ? cfg->ntrace : 0;
    a->held = UNSET;
    a->last_ret = INT64_MIN;
    if (cfg->process == MDL_ARRIVALS_POISSON && !cfg->reference && fast_create(a, rng) != SIM_OK)
        goto fail_fast;
    return a;

fail_fast:
    mdl_arrivals_destroy(a);
    goto fail_nomem;
fail_spikes:
    sim_free_hot(a);
fail_nomem:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "arrivals: out of memory");
    return NULL;
}

void mdl_arrivals_destroy(mdl_arrivals *a)
{
    if (!a)
        return;
    fstream_destroy(a->fextra); /* fbase is a->fast_base */
    sim_rng_destroy(a->gen);
    sim_free(a->spikes);
    sim_free_hot(a);
}

static void restart(stream *s, sim_time now)
{
    s->ready = 0;
    s->pos = now;
    s->off = 0.0;
    s->pending = UNSET;
    s->first = -1.0;
}

/* Deterministic: arrival j (0-based) of a stream is where its integrated
 * rate from time 0 reaches j + 1/2. Restarting at now (integral L so far),
 * the next one is j = ceil(L - 1/2), an integral j + 1/2 - L away. */
static double first_step(double L)
{
    double j = ceil(L - 0.5);
    return j + 0.5 - L;
}

/* Skips whole weeks of the base stream while E exceeds their integral (s is
 * at a week boundary after the last spike edge). Returns 0 when no arrival
 * will ever come. */
static int skip_weeks(const rate_model *m, stream *s, double *E)
{
    for (;;) {
        /* Stepped growth: only a week within one step has a constant factor. */
        if (m->step > 0.0 && s->pos / MDL_MONTH != (s->pos + SIM_WEEK - 1) / MDL_MONTH)
            return 1;
        double g = growth_at(m, s->pos);
        double week = m->k0 * g * m->week_int;
        if (m->c < 0.0) {
            double rest = week / -expm1(m->c * WEEK_S); /* integral to infinity */
            if (!(*E < rest))
                return 0;
        }
        if (!(*E > week))
            return 1;
        *E -= week;
        s->pos += SIM_WEEK;
        if (s->pos >= TIME_LIMIT)
            return 0;
    }
}

/* The stream's next arrival from its current position: walks the pieces
 * until the integrated rate reaches a fresh Exp(1) variate. */
static sim_time walk(mdl_arrivals *A, stream *s, int is_base)
{
    const rate_model *m = &A->m;
    double c = is_base ? m->c : 0.0;
    double E;
    if (A->process == MDL_ARRIVALS_POISSON) {
        E = sim_rng_exponential(A->rng);
    } else if (s->first >= 0.0) { /* deterministic (and a trace's extras) */
        E = s->first;
        s->first = -1.0;
    } else {
        E = 1.0;
    }
    for (;;) {
        if (!s->ready) {
            if (s->pos >= TIME_LIMIT)
                return SIM_TIME_NEVER;
            if (is_base && s->off == 0.0 && s->pos >= m->last_edge && s->pos % SIM_WEEK == 0 &&
                !skip_weeks(m, s, &E))
                return SIM_TIME_NEVER;
            if (is_base)
                base_piece(m, s->pos, &s->end, &s->a);
            else
                extra_piece(m, s->pos, &s->end, &s->a);
            s->ready = 1;
        }
        if (s->end == SIM_TIME_NEVER)
            return SIM_TIME_NEVER; /* extra stream after its last window (rate 0) */
        double piece_len = sim_time_to_seconds(s->end - s->pos);
        double ax = c == 0.0 ? s->a : s->a * exp(c * s->off);
        double in_piece = piece_integral(ax, c, piece_len - s->off);
        if (ax > 0.0 && E <= in_piece) {
            s->off += c == 0.0 ? E / ax : log1p(c * E / ax) / c;
            if (s->off > piece_len) /* rounding */
                s->off = piece_len;
            /* Up to the microsecond; an evenly spaced time within 1 ns
             * of a tick is that tick (floating noise must not move it). */
            double us = s->off * 1e6;
            if (A->process != MDL_ARRIVALS_POISSON)
                us -= 1e-3;
            sim_time t = s->pos + (sim_time)ceil(us);
            if (t > s->end)
                t = s->end;
            return t >= TIME_LIMIT ? SIM_TIME_NEVER : t;
        }
        E -= in_piece;
        s->pos = s->end;
        s->off = 0.0;
        s->ready = 0;
    }
}

/* The base rate's multiplier at t without the diurnal and weekly shapes:
 * load x growth x the spikes' multipliers (how a trace is scaled). */
static double trace_scale(const rate_model *m, sim_time t)
{
    double x = m->load * growth_at(m, t);
    for (int i = 0; i < m->nspikes; i++)
        if (m->spikes[i].start <= t && t < m->spikes[i].end)
            x *= m->spikes[i].multiplier;
    return x;
}

/* The next arrival of a trace: each timestamp t is replayed floor(x) times
 * plus once more with probability frac(x), x = trace_scale(t). */
static sim_time trace_next(mdl_arrivals *a)
{
    while (a->copies == 0) {
        if (a->tnext >= a->ntrace)
            return SIM_TIME_NEVER;
        sim_time t = a->trace[a->tnext++];
        double x = trace_scale(&a->m, t), whole = floor(x);
        uint64_t n = whole < 1e15 ? (uint64_t)whole : (uint64_t)1e15;
        if (x > whole && gsl_rng_uniform(a->rng) < x - whole)
            n++;
        a->copies = n;
        a->tcur = t;
    }
    a->copies--;
    return a->tcur;
}

/* The first index of the trace at or after now. */
static size_t trace_seek(const mdl_arrivals *a, sim_time now)
{
    size_t lo = 0, hi = a->ntrace;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->trace[mid] < now)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static double base_expected(const rate_model *m, sim_time t0, sim_time t1);
static double extra_expected(const mdl_spike *spikes, int n, sim_time t0, sim_time t1);

static sim_time next_arrival(mdl_arrivals *a, sim_time now)
{
    assert(now >= 0);
    if (now > a->last_ret) {
        restart(&a->base, now);
        restart(&a->extra, now);
        if (a->process != MDL_ARRIVALS_POISSON) /* keep the phase counted from 0 */
            a->extra.first = first_step(extra_expected(a->m.spikes, a->m.nspikes, 0, now));
        if (a->process == MDL_ARRIVALS_DETERMINISTIC)
            a->base.first = first_step(base_expected(&a->m, 0, now));
        if (a->process == MDL_ARRIVALS_TRACE) {
            a->tnext = trace_seek(a, now);
            a->copies = 0;
        }
    }
    if (a->base.pending == UNSET)
        a->base.pending = a->process == MDL_ARRIVALS_TRACE ? trace_next(a)
                          : a->m.k0 > 0.0                  ? walk(a, &a->base, 1)
                                                           : SIM_TIME_NEVER;
    if (a->extra.pending == UNSET)
        a->extra.pending = a->m.has_extra ? walk(a, &a->extra, 0) : SIM_TIME_NEVER;
    stream *first = a->extra.pending < a->base.pending ? &a->extra : &a->base;
    sim_time t = first->pending;
    if (t != SIM_TIME_NEVER)
        first->pending = UNSET; /* consumed: the next call draws its successor */
    a->last_ret = t;
    return t;
}

static sim_time fast_next(mdl_arrivals *a, sim_time now);
static uint64_t fast_take(mdl_arrivals *a, sim_time t0, sim_time t1, double *sum);

void mdl_arrivals_prefetch(const mdl_arrivals *a)
{
#if defined(__GNUC__) || defined(__clang__)
    /* The head, then the placed arrivals up to the last one. */
    const char *p = (const char *)a;
    const char *end = (const char *)&a->fast_base.leaf[LEAF - 1];
    for (; p <= end; p += SIM_CACHE_LINE)
        __builtin_prefetch(p);
#else
    (void)a;
#endif
}

/* mdl_arrivals_next but for its usual case. Not inlined into it, so that
 * the usual case does not pay for the registers the rest needs. */
static NOINLINE sim_time next_slow(mdl_arrivals *a, sim_time now)
{
    if (a->fast)
        return fast_next(a, now);
    if (a->held != UNSET) {
        sim_time t = a->held;
        a->held = UNSET;
        if (now <= t)
            return t;
        /* the caller skipped past it: restart at now (below) */
    }
    return next_arrival(a, now);
}

/* The usual case is what fast_next does when there are no extra records
 * and the base stream has a placed arrival at or after now left: hand it
 * out (fstream_next's first step; nothing is pending, nothing drawn). */
sim_time mdl_arrivals_next(mdl_arrivals *a, sim_time now)
{
    fstream *s = &a->fast_base;
    if (a->fast && !a->fextra && s->pending == UNSET && s->ileaf < s->nleaf) {
        sim_time t = s->leaf[s->ileaf];
        if (t >= now) {
            s->ileaf++;
            return t;
        }
    }
    return next_slow(a, now);
}

uint64_t mdl_arrivals_take(mdl_arrivals *a, sim_time t0, sim_time t1, double *sum_t)
{
    if (sum_t)
        *sum_t = 0.0;
    if (t1 <= t0)
        return 0;
    if (a->fast)
        return fast_take(a, t0, t1, sum_t);
    if (a->held != UNSET && a->held < t0)
        a->held = UNSET;
    uint64_t n = 0;
    double sum = 0.0;
    sim_time t = a->held != UNSET ? a->held : next_arrival(a, t0);
    while (t != SIM_TIME_NEVER && t < t1) {
        n++;
        sum += (double)t;
        t = next_arrival(a, t);
    }
    a->held = t == SIM_TIME_NEVER ? UNSET : t;
    if (t == SIM_TIME_NEVER)
        a->last_ret = t1 > a->last_ret ? t1 : a->last_ret;
    if (sum_t)
        *sum_t = sum;
    return n;
}

uint64_t mdl_arrivals_count(mdl_arrivals *a, sim_time t0, sim_time t1)
{
    return mdl_arrivals_take(a, t0, t1, NULL);
}

/* The integral of the base rate over [t0, t1). */
static double base_expected(const rate_model *m, sim_time t0, sim_time t1)
{
    double sum = 0.0;
    if (m->k0 > 0.0) {
        for (sim_time p = t0; p < t1;) {
            sim_time end;
            double rate;
            base_piece(m, p, &end, &rate);
            if (end > t1)
                end = t1;
            sum += piece_integral(rate, m->c, sim_time_to_seconds(end - p));
            p = end;
        }
    }
    return sum;
}

/* The extras are constant between edges: each window contributes its
 * extra times the share of the window inside [t0, t1). */
static double extra_expected(const mdl_spike *spikes, int n, sim_time t0, sim_time t1)
{
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        const mdl_spike *s = &spikes[i];
        sim_time lo = s->start > t0 ? s->start : t0;
        sim_time hi = s->end < t1 ? s->end : t1;
        if (hi > lo && s->extra > 0.0)
            sum += s->extra * ((double)(hi - lo) / (double)(s->end - s->start));
    }
    return sum;
}

double mdl_arrivals_expected(const mdl_arrivals_cfg *cfg, sim_time t0, sim_time t1)
{
    if (mdl_arrivals_validate(cfg, NULL) != SIM_OK)
        return NAN;
    if (t1 <= t0)
        return 0.0;
    if (t0 < 0)
        t0 = 0;
    rate_model m;
    model_init(&m, cfg);
    double sum = extra_expected(cfg->spikes, cfg->nspikes, t0, t1);
    if (cfg->process != MDL_ARRIVALS_TRACE)
        return sum + base_expected(&m, t0, t1);
    /* A trace: its records in [t0, t1), each times its scale. */
    for (size_t i = 0; i < cfg->ntrace; i++)
        if (cfg->trace[i] >= t0 && cfg->trace[i] < t1)
            sum += trace_scale(&m, cfg->trace[i]);
    return sum;
}

/* ---- the fast Poisson process: piece by piece --------------------------- *
 *
 * What the reference walk (above) does with one exponential variate per
 * arrival, this does with a few draws per piece: it uses two facts about a
 * Poisson process with rate lambda (Cinlar 1975, ch. 4; Devroye 1986,
 * ch. VI.1):
 *   (a) the counts of disjoint intervals are independent, Poisson with the
 *       integral of lambda as mean;
 *   (b) given the count n of an interval, the n arrivals are independent
 *       and identically distributed with density lambda / its integral
 *       (uniform in the integrated rate Lambda); so the count of a part of
 *       the interval is Binomial(n, its share of Lambda), and the rest of
 *       the arrivals are again uniform in what is left.
 * Time is cut into the reference's pieces (hours, spike edges, month steps;
 * the extra records' pieces at hours and spike edges), on which the rate is
 * a exp(c x). A piece's count is the Poisson quantile of one uniform
 * (inversion, sim_poisson_quantile), so a higher load never gives a piece
 * fewer arrivals: two loads of one scenario draw comonotone hourly counts.
 * Within a piece, arrivals are handed out in order by splitting it in
 * halves of Lambda (a fair coin per arrival: Binomial(n, 1/2) is the
 * popcount of n random bits) until a part holds at most LEAF arrivals;
 * those are placed uniformly in Lambda, sorted, and mapped to time by
 * inverting Lambda,
 *   x = log1p(c v / a) / c    (v / a when c = 0),
 * then rounded up to the microsecond as the reference rounds. Counting
 * (mdl_arrivals_take) splits at the interval's edges by binomials instead
 * and never places an arrival: a batch pull costs a binomial per minute
 * bucket, whatever the volume. Both are exact: the same process, the same
 * distribution of every count and time, other numbers than the walk.
 *
 * Numbers. A piece's uniform is sim_rng_mix(key, start) (53 bits of it);
 * the numbers of each part of its halving tree (the coins of a split, the
 * placements of a leaf) come from sim_rng_mix(piece key, node), the piece
 * key being sim_rng_mix(key ^ SALT_PIECE, start) and key drawn once from
 * the flow's stream. So no number depends on what was drawn before:
 * a batch (which counts) and a real-time or event flow (which places) with
 * the same arrival stream create the same number of records in every
 * piece, and a caller that skips ahead gets exactly the arrivals the
 * process has there.
 *
 * A decaying rate (growth < 0) has a finite future: once the expected
 * number of all arrivals still to come is below 1e-20 (the reference's
 * closed form, at week boundaries after the last spike), the process
 * ends: the probability that this drops an arrival is below 1e-20.
 *
 * Cost: per piece with a rate, the rate, its integral and a Poisson
 * quantile (a Temme expansion above a mean of 40); per LEAF arrivals one
 * coin-flip popcount, and per leaf a reseeding and a sorting network;
 * per arrival about one uniform, a multiplication, a division and the
 * rounding (a log1p when the growth over a piece is not tiny). Handing
 * out a placed arrival (mdl_arrivals_next's usual call) reads the
 * struct's head and the leaf: 127 instructions an arrival in all on a
 * 100-flow landscape (callgrind), 17 ns in bench_samplers' loop.
 */

#define SALT_PIECE UINT64_C(0x70696563) /* "piec" */
#define SALT_EXTRA UINT64_C(0x65787472) /* "extr" */
/* A future holding fewer expected arrivals than this is empty. */
#define NEGLIGIBLE 1e-20

static void fstream_init(fstream *s, int is_base, uint64_t key)
{
    memset(s, 0, sizeof *s);
    s->is_base = is_base;
    s->key = key;
    s->pending = UNSET;
}

static fstream *fstream_create(int is_base, uint64_t key)
{
    fstream *s = sim_malloc(sizeof *s);
    if (s)
        fstream_init(s, is_base, key);
    return s;
}

static void fstream_destroy(fstream *s)
{
    sim_free(s);
}

static int fast_create(mdl_arrivals *a, gsl_rng *rng)
{
    uint64_t key = sim_rng_key(rng);
    a->fast = 1;
    a->gen = sim_rng_create(key, 0, "arrivals.pieces", NULL);
    fstream_init(&a->fast_base, 1, key);
    a->fbase = &a->fast_base;
    if (a->m.has_extra)
        a->fextra = fstream_create(0, sim_rng_mix(key, SALT_EXTRA));
    return a->gen && (a->fextra || !a->m.has_extra) ? SIM_OK : SIM_ENOMEM;
}

/* The piece of a stream starting at p: its end and its rate at p. Extra
 * pieces are cut at hours too (their rate is constant, but a piece is
 * placed in microseconds from its start and its count is drawn at once). */
static void piece_at(const rate_model *m, int is_base, sim_time p, sim_time *end, double *a)
{
    if (is_base) {
        base_piece(m, p, end, a);
        return;
    }
    extra_piece(m, p, end, a);
    sim_time hour = p - p % SIM_HOUR + SIM_HOUR;
    if (*end > hour)
        *end = hour;
}

/* Whether the base stream expects fewer than NEGLIGIBLE arrivals from p on
 * (p a week boundary after the last spike edge): only a decaying rate. */
static int base_ends(const rate_model *m, sim_time p)
{
    double rest;
    if (m->step > 0.0) {
        if (m->step >= 1.0)
            return 0;
        /* every later month holds at most (its factor) x k0 x max weight x
         * a month: a geometric sum */
        double top = 0.0;
        for (int k = 0; k < CYCLE_HOURS; k++)
            top = m->dw[k] > top ? m->dw[k] : top;
        rest = m->k0 * growth_at(m, p) * top * MONTH_S / (1.0 - m->step);
    } else {
        if (m->c >= 0.0)
            return 0;
        rest = m->k0 * growth_at(m, p) * m->week_int / -expm1(m->c * WEEK_S);
    }
    return rest < NEGLIGIBLE;
}

/* A uniform in (0, 1) from 64 hashed bits: the top 53, centred. */
static double hashed_uniform(uint64_t h)
{
    return ((double)(h >> 11) + 0.5) * 0x1.0p-53;
}

/* Enters the next piece holding arrivals at or after `from`, if it starts
 * before `until`: 1 when entered, 0 when the next such piece starts at or
 * after until (nothing entered: a later call enters it), -1 when no
 * arrival will ever come. */
static int enter_piece(mdl_arrivals *A, fstream *s, sim_time from, sim_time until)
{
    const rate_model *m = &A->m;
    sim_time p = s->scan;
    if (p < from - from % SIM_HOUR)
        p = from - from % SIM_HOUR; /* pieces are independent: jump (an hour
                                       start is always a piece start) */
    for (;;) {
        if (p >= TIME_LIMIT || (s->is_base ? m->k0 == 0.0 : p >= m->last_edge))
            return -1;
        if (p >= until) {
            s->scan = p;
            return 0;
        }
        if (s->is_base && p % SIM_WEEK == 0 && p >= m->last_edge && base_ends(m, p))
            return -1;
        sim_time end;
        double a;
        piece_at(m, s->is_base, p, &end, &a);
        if (end == SIM_TIME_NEVER)
            return -1; /* extra records: no window left */
        double c = s->is_base ? m->c : 0.0;
        double w = piece_integral(a, c, sim_time_to_seconds(end - p));
        uint64_t n = 0;
        if (w > 0.0 && end >= from)
            n = sim_poisson_quantile(w, hashed_uniform(sim_rng_mix(s->key, (uint64_t)p)));
        if (n > 0) {
            s->start = p;
            s->end = end;
            s->a = a;
            s->c = c;
            s->w = w;
            s->scan = end;
            s->pkey = sim_rng_mix(s->key ^ SALT_PIECE, (uint64_t)p);
            s->stack[0] = (part){.v0 = 0.0, .v1 = w, .n = n, .node = 1};
            s->depth = 1;
            s->nleaf = s->ileaf = 0;
            return 1;
        }
        p = end;
    }
}

/* Expected arrivals from the piece's start to x seconds into it. */
static double lambda_to(const fstream *s, double x)
{
    if (x <= 0.0)
        return 0.0;
    double len = sim_time_to_seconds(s->end - s->start);
    if (x >= len)
        return s->w;
    return piece_integral(s->a, s->c, x);
}

/* Seconds from the piece's start where the expected arrivals reach v:
 * log1p(c v / a) / c, by its series while c v / a is below 1e-4 (the
 * first neglected term, y^4 / 5 of the value, is below 2e-17 of it). */
static inline double time_of(const fstream *s, double v)
{
    if (s->c == 0.0)
        return v / s->a;
    double y = s->c * v / s->a;
    if (fabs(y) < 1e-4)
        return v / s->a * (1.0 - y * (0.5 - y * (1.0 / 3.0 - y * 0.25)));
    return log1p(y) / s->c;
}

/* (sim_time)ceil(x) for x >= 0, without the call to ceil (x86-64 has no
 * rounding instruction before SSE4.1): below 2^62 the truncation is
 * floor(x), one less than ceil(x) exactly when it is below x. */
static inline sim_time ceil_nonneg(double x)
{
    if (!(x < 0x1p62))
        return (sim_time)ceil(x);
    sim_time t = (sim_time)x;
    return t + ((double)t < x);
}

/* The microsecond an arrival at v is handed out: rounded up, as the
 * reference rounds, and never past the piece's end. */
static inline sim_time tick_of(const fstream *s, double v)
{
    sim_time t = s->start + ceil_nonneg(time_of(s, v) * 1e6);
    return t < s->end ? t : s->end;
}

static int popcount64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_popcountll(x);
#else
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
#endif
}

/* Splits the top part into its two halves of Lambda, the earlier on top.
 * Its numbers are named by its node, so a part is split the same way
 * whatever was split or skipped before it. */
static void halve(mdl_arrivals *A, fstream *s)
{
    part p = s->stack[--s->depth];
    uint64_t name = sim_rng_mix(s->pkey, p.node), k;
    if (p.n <= 64) { /* Binomial(n, 1/2): n fair coins */
        k = (uint64_t)popcount64(p.n == 64 ? name : name & ((UINT64_C(1) << p.n) - 1));
    } else {
        sim_rng_reseed(A->gen, name);
        k = sim_binomial(A->gen, 0.5, p.n);
    }
    double mid = 0.5 * (p.v0 + p.v1);
    s->stack[s->depth++] = (part){.v0 = mid, .v1 = p.v1, .n = p.n - k, .node = 2 * p.node + 1};
    s->stack[s->depth++] = (part){.v0 = p.v0, .v1 = mid, .n = k, .node = 2 * p.node};
}

/* Batcher's odd-even merge sort of 16 values (K. E. Batcher, "Sorting
 * networks and their applications", AFIPS 1968): 19 compare-exchanges sort
 * v[0..7], 19 v[8..15], and 25 merge the two. Checked for all
 * 2^16 inputs of zeros and ones (the 0-1 principle) when it was written;
 * the arrival tests check its output. Branchless: a compare-exchange of
 * doubles is a minsd and a maxsd, where the insertion sort it replaced
 * mispredicted about once an arrival (and took 30 instructions for it). */
/* clang-format off */
#if defined(__SSE2__)
/* minpd and maxpd on the low lanes (GCC compiles the ternaries below to a
 * compare and a branch): min(a, b) is a < b ? a : b, max(a, b) a > b ? a
 * : b, the same values as the ternaries for values that are never NaN. */
typedef __m128d lane;
#define LANE(x)      _mm_set_sd(x)
#define LANE_GET(l)  _mm_cvtsd_f64(l)
#define LANE_MIN(a, b) _mm_min_pd(a, b)
#define LANE_MAX(a, b) _mm_max_pd(a, b)
#else
typedef double lane;
#define LANE(x)      (x)
#define LANE_GET(l)  (l)
#define LANE_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LANE_MAX(a, b) ((a) < (b) ? (b) : (a))
#endif
#define CE(i, j)                                                                                   \
    do {                                                                                           \
        lane a_ = v[i], b_ = v[j];                                                                 \
        v[i] = LANE_MIN(a_, b_);                                                                   \
        v[j] = LANE_MAX(a_, b_);                                                                   \
    } while (0)
#define SORT8(o)                                                                                   \
    do {                                                                                           \
        CE(o + 0, o + 1); CE(o + 2, o + 3); CE(o + 0, o + 2); CE(o + 1, o + 3); CE(o + 1, o + 2);  \
        CE(o + 4, o + 5); CE(o + 6, o + 7); CE(o + 4, o + 6); CE(o + 5, o + 7); CE(o + 5, o + 6);  \
        CE(o + 0, o + 4); CE(o + 2, o + 6); CE(o + 2, o + 4); CE(o + 1, o + 5); CE(o + 3, o + 7);  \
        CE(o + 3, o + 5); CE(o + 1, o + 2); CE(o + 3, o + 4); CE(o + 5, o + 6);                    \
    } while (0)

/* Sorts the low lanes of v[0..n-1] (n <= LEAF), v having LEAF places. */
static inline void sort_leaf(lane v[LEAF], int n)
{
    if (n <= 1)
        return;
    int m = n <= 8 ? 8 : LEAF;
    for (int i = n; i < m; i++)
        v[i] = LANE(INFINITY); /* after every value placed */
    SORT8(0);
    if (n <= 8)
        return;
    SORT8(8);
    /* the merge */
    CE(0, 8); CE(4, 12); CE(4, 8); CE(2, 10); CE(6, 14); CE(6, 10); CE(2, 4); CE(6, 8);
    CE(10, 12); CE(1, 9); CE(5, 13); CE(5, 9); CE(3, 11); CE(7, 15); CE(7, 11); CE(3, 5);
    CE(7, 9); CE(11, 13); CE(1, 2); CE(3, 4); CE(5, 6); CE(7, 8); CE(9, 10); CE(11, 12);
    CE(13, 14);
}
#undef SORT8
#undef CE
#undef LANE_MIN
#undef LANE_MAX
/* clang-format on */

/* Places the top part's arrivals (n <= LEAF): uniform in Lambda, sorted.
 * Its uniforms are those of A->gen reseeded with the part's name (a
 * sim_rng_create stream: xoshiro256**), drawn from a copy of the four
 * words in registers: A->gen itself is neither read nor written. */
static void place(fstream *s)
{
    part p = s->stack[--s->depth];
    uint64_t st[4];
    sim__xoshiro_seed(st, sim_rng_mix(s->pkey, p.node));
    lane v[LEAF];
    int n = (int)p.n;
    for (int i = 0; i < n; i++) {
        double u = (double)(sim__xoshiro_next(st) >> 11) * 0x1.0p-53; /* sim_rng_uniform */
        v[i] = LANE(p.v0 + (p.v1 - p.v0) * u);
    }
    sort_leaf(v, n);
    if (s->c == 0.0) { /* tick_of with time_of's first case */
        for (int i = 0; i < n; i++) {
            sim_time t = s->start + ceil_nonneg(LANE_GET(v[i]) / s->a * 1e6);
            s->leaf[i] = t < s->end ? t : s->end;
        }
    } else {
        for (int i = 0; i < n; i++)
            s->leaf[i] = tick_of(s, LANE_GET(v[i]));
    }
    s->nleaf = n;
    s->ileaf = 0;
}

/* The stream's next arrival at or after now. */
static sim_time fstream_next(mdl_arrivals *A, fstream *s, sim_time now)
{
    for (;;) {
        while (s->ileaf < s->nleaf) {
            sim_time t = s->leaf[s->ileaf++];
            if (t >= now)
                return t;
        }
        if (s->depth > 0) {
            part *p = &s->stack[s->depth - 1];
            if (p->n == 0 || (now > s->start && tick_of(s, p->v1) < now))
                s->depth--; /* empty, or every arrival in it is before now */
            else if (p->n > LEAF)
                halve(A, s);
            else
                place(s);
            continue;
        }
        if (enter_piece(A, s, now, SIM_TIME_NEVER) < 0)
            return SIM_TIME_NEVER;
    }
}

/* The expected time (us) of an arrival uniform in [v0, v1) of Lambda: the
 * centroid of the rate a exp(c x) over the part's time span [x0, x1],
 * (x0 + x1) / 2 + c (x1 - x0)^2 / 12 to first order in c (the next term is
 * below a microsecond for any growth the scenarios allow over an hour),
 * plus half a microsecond for the rounding up. */
static double mean_tick(const fstream *s, double v0, double v1)
{
    double x0 = time_of(s, v0), x1 = time_of(s, v1), len = x1 - x0;
    double mid = 0.5 * (x0 + x1) + s->c * len * len / 12.0;
    return (double)s->start + mid * 1e6 + 0.5;
}

/* Binomial split of the top part at u in Lambda: the earlier share's
 * count (removed from the part, which now starts at u). Its numbers are
 * named by the part and u. */
static uint64_t cut(mdl_arrivals *A, fstream *s, double u)
{
    part *p = &s->stack[s->depth - 1];
    uint64_t ubits;
    memcpy(&ubits, &u, sizeof ubits);
    sim_rng_reseed(A->gen, sim_rng_mix(sim_rng_mix(s->pkey, p->node), ubits));
    uint64_t k = sim_binomial(A->gen, (u - p->v0) / (p->v1 - p->v0), p->n);
    p->v0 = u;
    p->n -= k;
    return k;
}

/* The stream's arrivals handed out at [t0, t1), consumed: their count and
 * (sum) their times' sum. A tick t holds the arrivals at x with
 * ceil(x) = t, i.e. x in (t - 1, t]: the edges in time are t0 - 1 and
 * t1 - 1 microseconds. */
static uint64_t fstream_take(mdl_arrivals *A, fstream *s, sim_time t0, sim_time t1, double *sum)
{
    uint64_t n = 0;
    if (s->pending != UNSET && s->pending < t1) {
        if (s->pending >= t0) {
            n++;
            *sum += (double)s->pending;
        }
        s->pending = UNSET;
    }
    if (s->pending != UNSET)
        return n; /* the next arrival is at or after t1 */
    for (;;) {
        while (s->ileaf < s->nleaf) {
            sim_time t = s->leaf[s->ileaf];
            if (t >= t1)
                return n;
            s->ileaf++;
            if (t >= t0) {
                n++;
                *sum += (double)t;
            }
        }
        if (s->depth == 0) {
            int r = enter_piece(A, s, t0, t1);
            if (r <= 0)
                return n;
            continue;
        }
        double u0 = lambda_to(s, sim_time_to_seconds(t0 - 1 - s->start));
        double u1 = lambda_to(s, sim_time_to_seconds(t1 - 1 - s->start));
        part *p = &s->stack[s->depth - 1];
        if (p->n == 0 || p->v1 <= u0) {
            s->depth--; /* empty, or before t0 */
        } else if (p->v0 < u0) {
            cut(A, s, u0); /* the arrivals before t0 are skipped */
        } else if (p->v0 >= u1) {
            return n;
        } else if (p->v1 <= u1) {
            n += p->n;
            *sum += (double)p->n * mean_tick(s, p->v0, p->v1);
            s->depth--;
        } else {
            double v0 = p->v0;
            uint64_t k = cut(A, s, u1);
            n += k;
            *sum += (double)k * mean_tick(s, v0, u1);
            return n;
        }
    }
}

static sim_time fast_next(mdl_arrivals *a, sim_time now)
{
    fstream *ss[2] = {a->fbase, a->fextra};
    for (int i = 0; i < 2; i++) {
        fstream *s = ss[i];
        if (!s)
            continue;
        if (s->pending != UNSET && s->pending < now)
            s->pending = UNSET; /* the caller skipped past it */
        if (s->pending == UNSET)
            s->pending = fstream_next(a, s, now);
    }
    fstream *first = a->fextra && a->fextra->pending < a->fbase->pending ? a->fextra : a->fbase;
    sim_time t = first->pending;
    if (t != SIM_TIME_NEVER)
        first->pending = UNSET;
    return t;
}

static uint64_t fast_take(mdl_arrivals *a, sim_time t0, sim_time t1, double *sum)
{
    double s = 0.0;
    uint64_t n = fstream_take(a, a->fbase, t0, t1, &s);
    if (a->fextra)
        n += fstream_take(a, a->fextra, t0, t1, &s);
    if (sum)
        *sum = s;
    return n;
}

/* ---- named shapes ------------------------------------------------------- */

void mdl_arrivals_diurnal_flat(double out[24])
{
    for (int h = 0; h < 24; h++)
        out[h] = 1.0;
}

void mdl_arrivals_diurnal_office_hours(double out[24])
{
    /* Sums to 24 (mean 1); 8 x 2.25 = 18 of the 24 fall in 09:00-17:00. */
    static const double office[24] = {
        0.1,  0.1,  0.1,  0.1,  0.1,  0.1,  0.3,  0.7,  /* 00-07 */
        1.4,  2.25, 2.25, 2.25, 2.25, 2.25, 2.25, 2.25, /* 08-15 */
        2.25, 1.4,  0.7,  0.4,  0.2,  0.1,  0.1,  0.1,  /* 16-23 */
    };
    memcpy(out, office, sizeof office);
}

void mdl_arrivals_weekly_flat(double out[7])
{
    for (int d = 0; d < 7; d++)
        out[d] = 1.0;
}

int mdl_arrivals_diurnal_named(const char *name, double out[24], sim_err *err)
{
    if (name && strcmp(name, "flat") == 0) {
        mdl_arrivals_diurnal_flat(out);
        return SIM_OK;
    }
    if (name && strcmp(name, "office-hours") == 0) {
        mdl_arrivals_diurnal_office_hours(out);
        return SIM_OK;
    }
    return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                       "unknown diurnal shape '%s' (known: flat, office-hours)",
                       name ? name : "(null)");
}

void mdl_arrivals_weekly_weekdays_only(double out[7])
{
    for (int d = 0; d < 7; d++)
        out[d] = d < 5 ? 1.0 : 0.0;
}

int mdl_arrivals_weekly_named(const char *name, double out[7], sim_err *err)
{
    if (name && strcmp(name, "flat") == 0) {
        mdl_arrivals_weekly_flat(out);
        return SIM_OK;
    }
    if (name && strcmp(name, "weekdays-only") == 0) {
        mdl_arrivals_weekly_weekdays_only(out);
        return SIM_OK;
    }
    return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                       "unknown weekly shape '%s' (known: flat, weekdays-only)",
                       name ? name : "(null)");
}
