/*
 * mdl_arrivals.h - when a flow's record changes are created at its source:
 * a non-homogeneous Poisson process (the default), the same rate profile
 * evenly spaced (deterministic), or the replay of recorded timestamps
 * (trace). See "Processes" below.
 *
 * Rate (records per second) at simulated time t:
 *
 *   lambda(t) = base_rate * load_multiplier * diurnal[hour(t)] * weekly[day(t)]
 *               * (1 + growth_per_month)^(t / month) * spike_multiplier(t)
 *             + spike_extra_rate(t)
 *
 *   hour(t)  = floor(t / 1 h) mod 24        (t = 0 is midnight of day 0)
 *   day(t)   = (first_weekday + floor(t / 1 d)) mod 7   (0 = Monday)
 *   month    = 30.4375 days (a mean Gregorian month, 365.25 / 12)
 *   (with growth_monthly the growth factor is (1 + growth)^floor(t / month)
 *   instead: the volume rises in steps at t = k months, as a warehouse
 *   that reports monthly sees it; pieces then also end at month steps)
 *   spike_multiplier(t) = the product of the multipliers of the spike windows
 *                         containing t (1 outside every window)
 *   spike_extra_rate(t) = the sum over windows containing t of
 *                         extra / (end - start): each window's extra records
 *                         arrive uniformly over it, as an independent
 *                         homogeneous Poisson stream (so their count is
 *                         Poisson with mean `extra`, not exactly `extra`).
 *
 * Shapes are relative weights. The module divides each shape by its mean, so
 * the diurnal weights average 1 over the 24 hours and the weekly weights 1
 * over the 7 days: the shapes move records between hours and days without
 * changing the volume. With no growth and no spikes, a day's expected count
 * is base_rate * 86400 * weekly[day] and a week's is 7 * base_rate * 86400,
 * so base_rate = (records per day) / 86400 preserves the scenario's daily
 * volume on average over the week. An all-zero shape (the zero-initialised
 * default) means flat.
 *
 * Neither the growth factor nor load_multiplier applies to a spike's extra
 * records: a migration load of N records is N records whatever the load.
 *
 * Generation: exact, by inversion of the integrated rate. If Lambda(t) is
 * the integral of lambda from 0 to t, the points Lambda(T_i) of the process
 * form a unit-rate Poisson process, so the next arrival after s is where the
 * integral from s reaches E ~ Exp(1) (E. Cinlar, "Introduction to Stochastic
 * Processes", 1975, ch. 4; L. Devroye, "Non-Uniform Random Variate
 * Generation", 1986, ch. VI). This beats the thinning method of P. A. W.
 * Lewis and G. S. Shedler (Naval Research Logistics Quarterly 26(3), 1979),
 * also exact, which draws candidates at an upper-bound rate and rejects a
 * share of them (most of them at night under one global bound); inversion
 * spends one variate per arrival and needs no bound.
 *
 * Cut time into pieces at every hour and every spike edge: within a piece
 * the base rate is a * exp(c * x) with constant a and c = ln(1 + growth) /
 * month, whose integral inverts in closed form,
 *
 *   Lambda(x) = a * (exp(c x) - 1) / c,   x = ln(1 + c E / a) / c,
 *
 * (x = E / a when c = 0). Walk the pieces, subtracting each piece's
 * integral from E, until E falls inside a piece, then invert there. Whole
 * weeks without spikes are skipped with one closed-form weekly integral, so
 * a sparse process costs O(1) per week of silence. The spike extras are a
 * second, independent stream generated the same way; the process is their
 * superposition (the earlier of the two pending arrivals). About one
 * exponential variate, one exp and one log1p per arrival.
 *
 * Continuous arrival times are kept exactly (piece start in microseconds
 * plus an offset in seconds) and handed out rounded up to the microsecond,
 * so at very high rates several arrivals can share a microsecond.
 *
 * Processes (mdl_arrivals_process).
 *   POISSON        the above: arrival k is where the integrated rate
 *                  Lambda reaches E_1 + ... + E_k, E_i ~ Exp(1).
 *   DETERMINISTIC  the same rate profile, evenly spaced: arrival j (0-based)
 *                  is where Lambda reaches j + 1/2 (the same inversion with
 *                  steps of exactly 1). So [0, T) holds exactly
 *                  ceil(Lambda(T) - 1/2) arrivals, the nearest integer:
 *                  exact counts for tests and scheduled feeds (500/day flat:
 *                  one every 172.8 s from 86.4 s, 500 a day). Its spike
 *                  extras are evenly spaced in their window too (round(extra)
 *                  of them). A restart (a caller skipping ahead) keeps the
 *                  grid counted from time 0.
 *   TRACE          recorded timestamps (ascending, from the horizon start),
 *                  each replayed floor(x) times plus once more with
 *                  probability frac(x), x = load_multiplier x (1 +
 *                  growth)^(t / month) x the spike multipliers at t (a load
 *                  of 3 triples every record, 0.5 keeps each with
 *                  probability 1/2, 1.5 duplicates half of them; the
 *                  Bernoulli draws come from the process's rng). base_rate
 *                  and the shapes are not used (the trace has its own);
 *                  spike extras are spread evenly over their window (a
 *                  trace has no rate model to draw them from). Nothing
 *                  arrives after the last timestamp.
 * A spike's extra records thus follow the flow's process.
 *
 * Two generators of the Poisson process. The reference (cfg.reference)
 * walks the integrated rate one exponential variate per arrival, as
 * described above. The default draws the same process a piece (an hour, or
 * less at a spike edge or month step) at a time (mdl_arrivals.c, "the fast
 * Poisson process"): a piece's count by inverting the Poisson CDF at one
 * uniform, and within the piece the arrivals placed in order by splitting
 * it in halves of the integrated rate; a count over an interval
 * (mdl_arrivals_take, the batch pull) never places an arrival. Every count
 * and time has the same distribution as the reference's; the numbers
 * differ. A piece's numbers come from a key drawn once from the process's
 * stream and the piece's start, so:
 *   - a flow counted (batch) and the same flow placed (real-time, event)
 *     create the same number of records in every piece: a pattern change
 *     keeps the arrivals (common random numbers across patterns);
 *   - a higher load never gives a piece fewer arrivals (the count is
 *     inverted from the same uniform): loads compared side by side see
 *     comonotone hourly volumes (the reference instead compresses the same
 *     sequence of exponentials);
 *   - skipping ahead gives exactly the arrivals the process has there.
 * Cost: a few draws per piece plus about one uniform per arrival placed,
 * against an exponential, an exp, an expm1 and a log1p per arrival in the
 * walk. Deterministic and trace processes have one generator.
 *
 * Reference: ../shared/DESIGN.md "Domain model" (Flow: arrival profile).
 * Checked by: tests/models/test_mdl_arrivals.c.
 */
#ifndef MDL_ARRIVALS_H
#define MDL_ARRIVALS_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"
#include "sim_time.h"

/* The mean Gregorian month that growth_per_month compounds over. */
#define MDL_MONTH ((sim_time)2629800 * SIM_SEC) /* 30.4375 days */

/* A one-off window [start, end) with a rate multiplier and/or extra records
 * (e.g. a migration load). */
typedef struct mdl_spike {
    sim_time start, end; /* 0 <= start < end */
    double multiplier;   /* >= 0; multiplies the base rate in the window (1 = none) */
    double extra;        /* >= 0; extra records spread uniformly over the window */
} mdl_spike;

typedef enum mdl_arrivals_process {
    MDL_ARRIVALS_POISSON = 0, /* non-homogeneous Poisson (the default) */
    MDL_ARRIVALS_DETERMINISTIC,
    MDL_ARRIVALS_TRACE
} mdl_arrivals_process;

/* Plain data, already in per-second units. */
typedef struct mdl_arrivals_cfg {
    mdl_arrivals_process process;
    double base_rate;        /* records/s at t = 0, averaged over the week; >= 0 */
    double load_multiplier;  /* >= 0; e.g. 3 for "--load 3x" (set it: 0 means none) */
    double diurnal[24];      /* relative weight of each hour (local time), >= 0 */
    double weekly[7];        /* relative weight of each weekday, Monday first, >= 0 */
    int first_weekday;       /* weekday of day 0: 0 = Monday ... 6 = Sunday */
    double growth_per_month; /* 0.12 = +12% per month, compounded; > -1 */
    int growth_monthly;      /* the growth comes in steps: (1 + g)^floor(t / month)
                                instead of (1 + g)^(t / month) */
    const mdl_spike *spikes; /* nspikes windows; copied by mdl_arrivals_create */
    int nspikes;
    const sim_time *trace; /* TRACE: ntrace ascending times >= 0 (borrowed: they
                              must outlive the process) */
    size_t ntrace;
    int reference; /* POISSON: the per-arrival reference walk instead of the fast
                      piecewise generation (see "Two generators" above) */
} mdl_arrivals_cfg;

/* Checks a config: SIM_EINVAL (err says which field) for NaN or negative
 * rates and weights, growth <= -100%, bad weekdays or spike windows. */
int mdl_arrivals_validate(const mdl_arrivals_cfg *cfg, sim_err *err);

typedef struct mdl_arrivals mdl_arrivals;

/* An arrival process drawing from rng (borrowed: it must outlive the
 * process, and every draw of this process comes from it). The config is
 * copied. NULL on an invalid config (SIM_EINVAL) or no memory. */
mdl_arrivals *mdl_arrivals_create(const mdl_arrivals_cfg *cfg, gsl_rng *rng, sim_err *err);
void mdl_arrivals_destroy(mdl_arrivals *a); /* NULL is a no-op */

/* The time of the next arrival, rounded up to the microsecond, >= now.
 * The process continues from its previous arrival when now is not later than
 * the time last returned (the usual call: now = that arrival's time), and
 * starts afresh at now otherwise (the first call, or a caller that skips
 * ahead; exact by the memorylessness of the Poisson process). Equal to now
 * only when several arrivals fall into one microsecond. SIM_TIME_NEVER when
 * no arrival will ever come (a zero rate, a decaying rate whose remaining
 * integral the next exponential variate exceeds, or nothing before
 * SIM_TIME_LIMIT_S). */
sim_time mdl_arrivals_next(mdl_arrivals *a, sim_time now);

/* Starts loading the lines the next mdl_arrivals_next reads (the struct's
 * head and the placed arrivals), without waiting for them: a hint with no
 * effect on any result. A caller with other work to do before asking for
 * the next arrival calls it first, so the load overlaps that work (at
 * 1,000 flows a flow's process is cold at each of its arrivals). */
void mdl_arrivals_prefetch(const mdl_arrivals *a);

/* The arrivals in [t0, t1) (t0 >= the time last returned, else it
 * restarts at t0 as mdl_arrivals_next does), consumed: the first arrival at
 * or after t1 is kept and handed out by the next call of either function.
 * Their count; *sum_t (if not NULL) receives the sum of their times in
 * microseconds, for their mean creation time. The reference walk draws
 * every arrival; the fast generator counts a stretch with one binomial and
 * adds, for the arrivals it counts without placing them, the expected mean
 * time of that stretch (exact in expectation; a stretch is at most the
 * interval asked for). 0 when t1 <= t0. */
uint64_t mdl_arrivals_take(mdl_arrivals *a, sim_time t0, sim_time t1, double *sum_t);
/* mdl_arrivals_take without the times. */
uint64_t mdl_arrivals_count(mdl_arrivals *a, sim_time t0, sim_time t1);

/* The expected number of arrivals in [t0, t1): the integral of lambda (a
 * trace: its records in [t0, t1), each weighted by its scale x).
 * O(hours in the interval). NaN for an invalid config, 0 when t1 <= t0. */
double mdl_arrivals_expected(const mdl_arrivals_cfg *cfg, sim_time t0, sim_time t1);

/* Named diurnal shapes (24 weights, mean 1):
 *   "flat"          1 for every hour.
 *   "office-hours"  a working day: 75% of the day's records arrive between
 *                   09:00 and 17:00 (weight 2.25 each hour), a ramp at 06-09
 *                   (0.3, 0.7, 1.4) and 17-21 (1.4, 0.7, 0.4, 0.2), and 0.1
 *                   in each night hour 21-06. Peak hour rate = 2.25 x the
 *                   day's mean rate.
 * Returns SIM_OK, or SIM_EINVAL (err lists the names) for an unknown name. */
int mdl_arrivals_diurnal_named(const char *name, double out[24], sim_err *err);
void mdl_arrivals_diurnal_flat(double out[24]);
void mdl_arrivals_diurnal_office_hours(double out[24]);
/* Named weekly shapes (7 weights, Monday first):
 *   "flat"           1 for every day.
 *   "weekdays-only"  1 Monday to Friday, 0 on Saturday and Sunday (after
 *                    normalisation 1.4 on weekdays: a week's volume is kept).
 * Returns SIM_OK, or SIM_EINVAL (err lists the names) for an unknown name. */
int mdl_arrivals_weekly_named(const char *name, double out[7], sim_err *err);
void mdl_arrivals_weekly_flat(double out[7]);
void mdl_arrivals_weekly_weekdays_only(double out[7]);

#endif
