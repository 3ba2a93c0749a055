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
#include <math.h>
#include <string.h>

#include "sim_alloc.h"

#define CYCLE_HOURS 168
#define HOUR_S      3600.0
#define WEEK_S      (7.0 * 86400.0)
#define MONTH_S     sim_time_to_seconds(MDL_MONTH)
/* No arrival is searched for beyond this time. */
#define TIME_LIMIT ((sim_time)(SIM_TIME_LIMIT_S * 1e6))
/* pending: not drawn yet. */
#define UNSET (-1)

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

struct mdl_arrivals {
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

mdl_arrivals *mdl_arrivals_create(const mdl_arrivals_cfg *cfg, gsl_rng *rng, sim_err *err)
{
    if (mdl_arrivals_validate(cfg, err) != SIM_OK)
        return NULL;
    if (!rng) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "arrivals: no random stream");
        return NULL;
    }
    mdl_arrivals *a = sim_calloc(1, sizeof *a);
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
    return a;

fail_spikes:
    sim_free(a);
fail_nomem:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "arrivals: out of memory");
    return NULL;
}

void mdl_arrivals_destroy(mdl_arrivals *a)
{
    if (!a)
        return;
    sim_free(a->spikes);
    sim_free(a);
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
        E = gsl_ran_exponential(A->rng, 1.0);
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

sim_time mdl_arrivals_next(mdl_arrivals *a, sim_time now)
{
    if (a->held != UNSET) {
        sim_time t = a->held;
        a->held = UNSET;
        if (now <= t)
            return t;
        /* the caller skipped past it: restart at now (below) */
    }
    return next_arrival(a, now);
}

uint64_t mdl_arrivals_count(mdl_arrivals *a, sim_time t0, sim_time t1)
{
    if (a->held != UNSET && a->held < t0)
        a->held = UNSET;
    uint64_t n = 0;
    sim_time t = a->held != UNSET ? a->held : next_arrival(a, t0);
    while (t != SIM_TIME_NEVER && t < t1) {
        n++;
        t = next_arrival(a, t);
    }
    a->held = t == SIM_TIME_NEVER ? UNSET : t;
    if (t == SIM_TIME_NEVER)
        a->last_ret = t1 > a->last_ret ? t1 : a->last_ret;
    return n;
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
