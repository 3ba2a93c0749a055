/*
 * test_mdl_arrivals.c - the non-homogeneous Poisson arrival process: counts
 * against the integrated rate, shapes, growth, spikes, the expected count,
 * and the edge cases (zero rate, decaying rate, skipping ahead).
 *
 * Statistical checks compare a count N of a Poisson process with its mean
 * Lambda (computed here by hand) within 4 standard deviations, 4 sqrt(Lambda):
 * a false alarm has probability about 6e-5 per check. The seeds are fixed,
 * so the outcome is reproducible.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_arrivals.h"
#include "sim_alloc.h"
#include "sim_rng.h"

#define assert_close(actual, expected, tol)                                                        \
    check_close((actual), (expected), (tol), #actual, __FILE__, __LINE__)

static void check_close(double actual, double expected, double tol, const char *what,
                        const char *file, int line)
{
    if (!(fabs(actual - expected) <= tol))
        fail_msg("%s:%d: %s = %.17g, expected %.17g +- %g", file, line, what, actual, expected,
                 tol);
}

/* A count of a Poisson process with mean lambda, within 4 sd. */
#define assert_poisson(count, lambda) assert_close((double)(count), (lambda), 4.0 * sqrt(lambda))

#define DAY_S   86400.0
#define MONTH_S (30.4375 * DAY_S)

/* Flat shapes, no growth, no spikes, load 1. */
static mdl_arrivals_cfg flat_cfg(double rate)
{
    mdl_arrivals_cfg cfg = {.base_rate = rate, .load_multiplier = 1.0};
    mdl_arrivals_diurnal_flat(cfg.diurnal);
    mdl_arrivals_weekly_flat(cfg.weekly);
    return cfg;
}

typedef struct proc {
    gsl_rng *rng;
    mdl_arrivals *a;
} proc;

/* Every test of the process runs twice (see main): with the fast
 * generator and with the reference walk (mdl_arrivals.h, "Two
 * generators"); both must pass the same checks. */
static int use_reference;

static int with_fast(void **state)
{
    (void)state;
    use_reference = 0;
    return 0;
}

static int with_reference(void **state)
{
    (void)state;
    use_reference = 1;
    return 0;
}

static proc open_proc(const mdl_arrivals_cfg *cfg, uint64_t seed)
{
    proc p;
    sim_err err;
    mdl_arrivals_cfg c = *cfg;
    c.reference = use_reference;
    p.rng = sim_rng_create(seed, 0, "arrivals", &err);
    assert_non_null(p.rng);
    p.a = mdl_arrivals_create(&c, p.rng, &err);
    if (!p.a)
        fail_msg("mdl_arrivals_create: %s", err.msg);
    return p;
}

static void close_proc(proc *p)
{
    mdl_arrivals_destroy(p->a);
    sim_rng_destroy(p->rng);
}

/* Runs the process over [0, end) and adds each arrival to bins[t / width]
 * (bins may be NULL); returns the total. Checks that times never decrease. */
static uint64_t run(proc *p, sim_time end, sim_time width, uint64_t *bins)
{
    uint64_t n = 0;
    sim_time prev = 0;
    for (sim_time t = mdl_arrivals_next(p->a, 0); t < end; t = mdl_arrivals_next(p->a, t)) {
        assert_true(t >= prev);
        prev = t;
        if (bins)
            bins[t / width]++;
        n++;
    }
    return n;
}

/* A flat process of 500 records/day over 2000 days: each day's count is
 * Poisson(500), so mean = variance = 500. Tolerances, 4 standard errors:
 * mean: sqrt(500 / 2000) = 0.5, so +- 2; sample variance of a Poisson
 * sample: Var(s^2) ~ (mu4 - sigma^4) / n = (mu + 2 mu^2) / n, sd =
 * sqrt(500500 / 2000) = 15.8, so +- 63. */
static void a_flat_day_count_is_poisson_in_mean_and_variance(void **state)
{
    (void)state;
    enum { DAYS = 2000 };
    const double mu = 500.0;
    mdl_arrivals_cfg cfg = flat_cfg(mu / DAY_S);
    proc p = open_proc(&cfg, 1);
    uint64_t *per_day = calloc(DAYS, sizeof *per_day);
    assert_non_null(per_day);
    run(&p, DAYS * SIM_DAY, SIM_DAY, per_day);
    double sum = 0.0, sum2 = 0.0;
    for (int d = 0; d < DAYS; d++)
        sum += (double)per_day[d];
    double mean = sum / DAYS;
    for (int d = 0; d < DAYS; d++)
        sum2 += ((double)per_day[d] - mean) * ((double)per_day[d] - mean);
    double var = sum2 / (DAYS - 1);
    assert_close(mean, mu, 4.0 * sqrt(mu / DAYS));
    assert_close(var, mu, 4.0 * sqrt((mu + 2.0 * mu * mu) / DAYS));
    free(per_day);
    close_proc(&p);
}

/* Office hours at 0.2 records/s on average over 100 days: hour h receives
 * 0.2 * 3600 * w[h] * 100 records on average (w normalised, mean 1), from
 * 7,200 at night (w = 0.1) to 162,000 in office hours (w = 2.25); each of
 * the 24 counts within 4 sd (24 checks: false alarm about 0.15%). */
static void office_hour_counts_follow_the_diurnal_shape(void **state)
{
    (void)state;
    const double rate = 0.2;
    enum { DAYS = 100 };
    mdl_arrivals_cfg cfg = flat_cfg(rate);
    mdl_arrivals_diurnal_office_hours(cfg.diurnal);
    double w[24], wsum = 0.0;
    memcpy(w, cfg.diurnal, sizeof w);
    for (int h = 0; h < 24; h++)
        wsum += w[h];
    assert_close(wsum, 24.0, 1e-12); /* the profile already has mean 1 */
    assert_close(w[9], 2.25, 0);
    assert_close(w[16], 2.25, 0);
    assert_close(w[17], 1.4, 0);

    proc p = open_proc(&cfg, 2);
    uint64_t per_hour[DAYS * 24] = {0};
    run(&p, DAYS * SIM_DAY, SIM_HOUR, per_hour);
    for (int h = 0; h < 24; h++) {
        uint64_t n = 0;
        for (int d = 0; d < DAYS; d++)
            n += per_hour[d * 24 + h];
        assert_poisson(n, rate * 3600.0 * w[h] * DAYS);
    }
    close_proc(&p);
}

/* Weekdays only, day 0 a Wednesday (first_weekday 2), 10 weeks: Saturdays
 * and Sundays (days 3, 4, 10, 11, ...) get exactly nothing, a weekday gets
 * 7/5 of the mean day, and the weekly volume 7 * rate * 86400 is kept. */
static void a_weekly_shape_moves_records_between_days_and_keeps_the_week(void **state)
{
    (void)state;
    const double rate = 0.05;
    enum { DAYS = 70 };
    mdl_arrivals_cfg cfg = flat_cfg(rate);
    assert_int_equal(mdl_arrivals_weekly_named("weekdays-only", cfg.weekly, NULL), SIM_OK);
    cfg.first_weekday = 2;
    proc p = open_proc(&cfg, 3);
    uint64_t per_day[DAYS] = {0};
    uint64_t total = run(&p, DAYS * SIM_DAY, SIM_DAY, per_day);
    uint64_t weekdays = 0;
    for (int d = 0; d < DAYS; d++) {
        int weekday = (2 + d) % 7;
        if (weekday >= 5)
            assert_int_equal(per_day[d], 0);
        else
            weekdays += per_day[d];
    }
    assert_int_equal(weekdays, total);
    assert_poisson(total, 7.0 * rate * DAY_S * (DAYS / 7));
    assert_close(mdl_arrivals_expected(&cfg, 3 * SIM_DAY, 5 * SIM_DAY), 0.0, 0);
    assert_close(mdl_arrivals_expected(&cfg, 5 * SIM_DAY, 6 * SIM_DAY), 1.4 * rate * DAY_S, 1e-9);
    close_proc(&p);
}

/* Growth 12% per month from 0.05 records/s, over 3 months (M = 30.4375 d):
 * Lambda = integral of r 1.12^(t/M) = r M (1.12^3 - 1) / ln 1.12, about
 * 469,800; month k alone: r M 1.12^(k-1) 0.12 / ln 1.12. */
static void growth_of_12_percent_a_month_compounds_over_three_months(void **state)
{
    (void)state;
    const double rate = 0.05, g = 0.12;
    mdl_arrivals_cfg cfg = flat_cfg(rate);
    cfg.growth_per_month = g;
    const double total = rate * MONTH_S * (pow(1 + g, 3) - 1) / log1p(g);
    const double month3 = rate * MONTH_S * pow(1 + g, 2) * g / log1p(g);
    /* The expected count is a sum of 2,191 closed-form hour integrals:
     * 1e-9 relative allows their rounding. */
    assert_close(mdl_arrivals_expected(&cfg, 0, 3 * MDL_MONTH), total, 1e-9 * total);
    assert_close(mdl_arrivals_expected(&cfg, 2 * MDL_MONTH, 3 * MDL_MONTH), month3, 1e-9 * month3);

    proc p = open_proc(&cfg, 4);
    uint64_t per_month[3] = {0};
    uint64_t n = run(&p, 3 * MDL_MONTH, MDL_MONTH, per_month);
    assert_poisson(n, total);
    assert_poisson(per_month[2], month3);
    assert_poisson(per_month[0], rate * MONTH_S * g / log1p(g));
    close_proc(&p);
}

/* 0.1 records/s flat. A spike x5 over [day 2 10:00, 12:00) makes that window
 * expect 0.1 * 7200 * 5 = 3,600 instead of 720; a migration of 20,000 extra
 * records over [day 3, day 3 + 6 h) makes it expect 2,160 + 20,000; the rest
 * of the 5 days is unchanged. */
static void a_spike_multiplies_the_count_in_its_window(void **state)
{
    (void)state;
    const double rate = 0.1;
    const mdl_spike spikes[] = {
        {.start = 2 * SIM_DAY + 10 * SIM_HOUR,
         .end = 2 * SIM_DAY + 12 * SIM_HOUR,
         .multiplier = 5.0},
        {.start = 3 * SIM_DAY,
         .end = 3 * SIM_DAY + 6 * SIM_HOUR,
         .multiplier = 1.0,
         .extra = 20000.0},
    };
    mdl_arrivals_cfg cfg = flat_cfg(rate);
    cfg.spikes = spikes;
    cfg.nspikes = 2;
    proc p = open_proc(&cfg, 5);
    uint64_t per_hour[5 * 24] = {0};
    uint64_t n = run(&p, 5 * SIM_DAY, SIM_HOUR, per_hour);
    uint64_t in_x5 = per_hour[2 * 24 + 10] + per_hour[2 * 24 + 11];
    uint64_t in_extra = 0;
    for (int h = 0; h < 6; h++)
        in_extra += per_hour[3 * 24 + h];
    assert_poisson(in_x5, rate * 7200.0 * 5.0);
    assert_poisson(in_extra, rate * 6 * 3600.0 + 20000.0);
    double rest = rate * (5 * DAY_S - 7200.0 - 6 * 3600.0);
    assert_poisson(n - in_x5 - in_extra, rest);
    double expect = rest + rate * 7200.0 * 5.0 + rate * 6 * 3600.0 + 20000.0;
    assert_close(mdl_arrivals_expected(&cfg, 0, 5 * SIM_DAY), expect, 1e-9 * expect);
    close_proc(&p);
}

static void expected_matches_hand_integrals(void **state)
{
    (void)state;
    const double r = 0.3;
    mdl_arrivals_cfg cfg = flat_cfg(r);
    assert_int_equal(mdl_arrivals_diurnal_named("office-hours", cfg.diurnal, NULL), SIM_OK);
    /* [08:30, 09:30): half an hour at weight 1.4, half at 2.25. */
    assert_close(
        mdl_arrivals_expected(&cfg, 8 * SIM_HOUR + 30 * SIM_MIN, 9 * SIM_HOUR + 30 * SIM_MIN),
        r * (1800 * 1.4 + 1800 * 2.25), 1e-9);
    /* A whole day keeps the daily volume whatever the shape. */
    assert_close(mdl_arrivals_expected(&cfg, 4 * SIM_DAY, 5 * SIM_DAY), r * DAY_S, 1e-9);
    /* Weights are relative: doubling every weight changes nothing. */
    for (int h = 0; h < 24; h++)
        cfg.diurnal[h] *= 2.0;
    assert_close(mdl_arrivals_expected(&cfg, 4 * SIM_DAY, 5 * SIM_DAY), r * DAY_S, 1e-9);
    /* load_multiplier scales the base rate. */
    cfg.load_multiplier = 3.0;
    assert_close(mdl_arrivals_expected(&cfg, 0, SIM_DAY), 3.0 * r * DAY_S, 1e-8);

    /* Spikes on a flat rate: x3 over [1 h, 3 h) adds 2 * 2 h; 100 extra
     * records over [10 h, 20 h) of which [15 h, 30 h) holds half. Neither
     * load nor growth scales the extra records. */
    const mdl_spike spikes[] = {
        {.start = SIM_HOUR, .end = 3 * SIM_HOUR, .multiplier = 3.0},
        {.start = 10 * SIM_HOUR, .end = 20 * SIM_HOUR, .multiplier = 1.0, .extra = 100.0},
    };
    mdl_arrivals_cfg s = flat_cfg(r);
    s.spikes = spikes;
    s.nspikes = 2;
    assert_close(mdl_arrivals_expected(&s, 0, 4 * SIM_HOUR), r * (4 + 2 * 2) * 3600.0, 1e-9);
    assert_close(mdl_arrivals_expected(&s, 15 * SIM_HOUR, 30 * SIM_HOUR), r * 15 * 3600.0 + 50.0,
                 1e-9);
    s.load_multiplier = 2.0;
    assert_close(mdl_arrivals_expected(&s, 15 * SIM_HOUR, 30 * SIM_HOUR),
                 2.0 * r * 15 * 3600.0 + 50.0, 1e-9);

    /* Growth over a single hour: r * integral of e^(c t), c = ln(1.5) / M. */
    mdl_arrivals_cfg gcfg = flat_cfg(r);
    gcfg.growth_per_month = 0.5;
    double c = log(1.5) / MONTH_S, t0 = 10 * DAY_S, t1 = t0 + 3600.0;
    assert_close(mdl_arrivals_expected(&gcfg, 10 * SIM_DAY, 10 * SIM_DAY + SIM_HOUR),
                 r * (exp(c * t1) - exp(c * t0)) / c, 1e-9);

    assert_close(mdl_arrivals_expected(&s, 5 * SIM_HOUR, 5 * SIM_HOUR), 0.0, 0);
    assert_close(mdl_arrivals_expected(&s, 6 * SIM_HOUR, 5 * SIM_HOUR), 0.0, 0);
    s.base_rate = -1.0;
    assert_true(isnan(mdl_arrivals_expected(&s, 0, SIM_HOUR)));
}

/* A zero rate never produces an arrival; a process made only of a spike's
 * extra records produces them inside the window and then stops; a rate
 * that decays by 99% a month has a finite total (r M / ln 100, about 0.57
 * for r = 1e-6/s), so the process ends after a few arrivals. */
static void a_zero_rate_returns_never(void **state)
{
    (void)state;
    mdl_arrivals_cfg zero = flat_cfg(0.0);
    proc p = open_proc(&zero, 6);
    assert_int_equal(mdl_arrivals_next(p.a, 0), SIM_TIME_NEVER);
    assert_int_equal(mdl_arrivals_next(p.a, 5 * SIM_DAY), SIM_TIME_NEVER);
    close_proc(&p);

    mdl_arrivals_cfg noload = flat_cfg(10.0);
    noload.load_multiplier = 0.0;
    p = open_proc(&noload, 6);
    assert_int_equal(mdl_arrivals_next(p.a, 0), SIM_TIME_NEVER);
    close_proc(&p);

    const mdl_spike only[] = {
        {.start = SIM_HOUR, .end = 2 * SIM_HOUR, .multiplier = 7.0, .extra = 100.0},
    };
    mdl_arrivals_cfg extra = flat_cfg(0.0);
    extra.spikes = only;
    extra.nspikes = 1;
    uint64_t total = 0;
    for (uint64_t seed = 0; seed < 20; seed++) {
        p = open_proc(&extra, 100 + seed);
        sim_time t = mdl_arrivals_next(p.a, 0);
        for (; t != SIM_TIME_NEVER; t = mdl_arrivals_next(p.a, t)) {
            assert_true(t >= SIM_HOUR && t <= 2 * SIM_HOUR);
            total++;
        }
        close_proc(&p);
    }
    assert_poisson(total, 20 * 100.0);

    mdl_arrivals_cfg decay = flat_cfg(1e-6);
    decay.growth_per_month = -0.99;
    for (uint64_t seed = 0; seed < 20; seed++) {
        p = open_proc(&decay, 200 + seed);
        int n = 0;
        sim_time t = mdl_arrivals_next(p.a, 0);
        for (; t != SIM_TIME_NEVER && n < 100; t = mdl_arrivals_next(p.a, t))
            n++;
        /* Poisson(0.57) exceeds 10 with probability < 1e-9. */
        assert_true(n <= 10);
        assert_int_equal(t, SIM_TIME_NEVER);
        close_proc(&p);
    }
}

/* One record a week on average, office hours, weekdays only, over 2,000
 * weeks: the walk crosses nights and weekends and skips silent weeks. The
 * count is Poisson(2000); every arrival lies on a weekday. */
static void a_sparse_process_keeps_its_rate_across_silent_weeks(void **state)
{
    (void)state;
    mdl_arrivals_cfg cfg = flat_cfg(1.0 / (7 * DAY_S));
    mdl_arrivals_diurnal_office_hours(cfg.diurnal);
    mdl_arrivals_weekly_weekdays_only(cfg.weekly);
    proc p = open_proc(&cfg, 7);
    uint64_t n = 0;
    sim_time end = 2000 * SIM_WEEK;
    for (sim_time t = mdl_arrivals_next(p.a, 0); t < end; t = mdl_arrivals_next(p.a, t)) {
        assert_true((t / SIM_DAY) % 7 < 5); /* first_weekday 0: day 0 is a Monday */
        n++;
    }
    assert_poisson(n, 2000.0);
    close_proc(&p);

    /* One record per 5 weeks growing 0.02% a month, over 50,000 weeks
     * (11,500 months, 959 years: the factor reaches 1.0002^11500 = e^2.3):
     * most arrivals come after several skipped weeks, each skipped with the
     * closed-form weekly integral including growth. Lambda = r M ((1+g)^(T/M)
     * - 1) / ln(1+g), about 39,000, so 4 sd is 2%. */
    const double r = 1.0 / (5 * 7 * DAY_S), g = 0.0002;
    mdl_arrivals_cfg grow = flat_cfg(r);
    grow.growth_per_month = g;
    p = open_proc(&grow, 17);
    end = 50000 * SIM_WEEK;
    n = run(&p, end, end, NULL);
    double months = (double)end / (double)MDL_MONTH;
    assert_poisson(n, r * MONTH_S * expm1(months * log1p(g)) / log1p(g));
    close_proc(&p);
}

/* 2 records per microsecond for one second: most microseconds hold several
 * arrivals. The process continues from its exact (sub-microsecond) state,
 * so none is lost: the count is Poisson(2e6), within 4 sd = 0.28%. */
static void arrivals_sharing_a_microsecond_are_all_counted(void **state)
{
    (void)state;
    mdl_arrivals_cfg cfg = flat_cfg(2e6);
    proc p = open_proc(&cfg, 8);
    uint64_t n = run(&p, SIM_SEC, SIM_SEC, NULL);
    assert_poisson(n, 2e6);
    close_proc(&p);
}

/* The same seed gives the same times; a caller that skips ahead gets
 * arrivals at or after its now; times never go below now. */
static void next_is_reproducible_and_restarts_when_the_caller_skips_ahead(void **state)
{
    (void)state;
    mdl_arrivals_cfg cfg = flat_cfg(0.01);
    proc a = open_proc(&cfg, 9), b = open_proc(&cfg, 9);
    sim_time ta = 0, tb = 0;
    for (int i = 0; i < 1000; i++) {
        ta = mdl_arrivals_next(a.a, ta);
        tb = mdl_arrivals_next(b.a, tb);
        assert_int_equal(ta, tb);
    }
    sim_time skip = ta + 3 * SIM_DAY;
    sim_time t = mdl_arrivals_next(a.a, skip);
    assert_true(t >= skip);
    /* A now earlier than the last arrival continues the process. */
    sim_time u = mdl_arrivals_next(a.a, 0);
    assert_true(u >= t);
    close_proc(&a);
    close_proc(&b);
}

/* ---- deterministic and trace processes --------------------------------- */

/* Deterministic, flat 500/day: arrival j is where 500 t / day = j + 1/2,
 * t = (j + 1/2) x 172.8 s: the first at 86.4 s, then every 172.8 s
 * (microsecond times are exact here), exactly 500 a day: 3,500 in 7 days. */
static void deterministic_arrivals_are_evenly_spaced_with_exact_counts(void **state)
{
    (void)state;
    mdl_arrivals_cfg cfg = flat_cfg(500.0 / DAY_S);
    cfg.process = MDL_ARRIVALS_DETERMINISTIC;
    proc p = open_proc(&cfg, 1);
    sim_time t = mdl_arrivals_next(p.a, 0);
    assert_int_equal(t, 86400000);
    for (int j = 1; j < 10; j++) {
        t = mdl_arrivals_next(p.a, t);
        assert_int_equal(t, 86400000 + (sim_time)j * 172800000);
    }
    close_proc(&p);
    p = open_proc(&cfg, 1);
    uint64_t per_day[7] = {0};
    assert_int_equal(run(&p, 7 * SIM_DAY, SIM_DAY, per_day), 3500);
    for (int d = 0; d < 7; d++)
        assert_int_equal(per_day[d], 500);
    close_proc(&p);
}

/* Deterministic at 987.654/day with office hours, weekdays only and a spike of
 * 100 extra records in [30 h, 31 h): each stream is evenly spaced from 0,
 * arrival j where its integral reaches j + 1/2, so [0, T) holds exactly
 * ceil(L(T) - 1/2) of each (the nearest integer to L; this rate keeps
 * every hour boundary at least 0.0046 from a half-integer, where floating
 * noise in L would decide), with L from mdl_arrivals_expected: checked at
 * every hour boundary of a week, whose total is round(7 x 987.654 =
 * 6913.578) = 6914 plus the 100 extras. A restart (a caller skipping ahead to
 * 3 d) keeps the same grid: the arrivals after it are the same times. */
static void deterministic_counts_follow_the_integrated_rate_and_restarts_keep_the_grid(void **state)
{
    (void)state;
    mdl_arrivals_cfg cfg = flat_cfg(987.654 / DAY_S);
    cfg.process = MDL_ARRIVALS_DETERMINISTIC;
    mdl_arrivals_diurnal_office_hours(cfg.diurnal);
    mdl_arrivals_weekly_weekdays_only(cfg.weekly);
    mdl_spike sp = {.start = 30 * SIM_HOUR, .end = 31 * SIM_HOUR, .multiplier = 1, .extra = 100};
    cfg.spikes = &sp;
    cfg.nspikes = 1;
    mdl_arrivals_cfg base = cfg, extra = cfg;
    base.nspikes = 0;
    extra.base_rate = 0;
    proc p = open_proc(&cfg, 1);
    sim_time t = mdl_arrivals_next(p.a, 0);
    uint64_t n = 0;
    for (int h = 1; h <= 168; h++) {
        sim_time T = h * SIM_HOUR;
        while (t < T) {
            n++;
            t = mdl_arrivals_next(p.a, t);
        }
        double lb = mdl_arrivals_expected(&base, 0, T), le = mdl_arrivals_expected(&extra, 0, T);
        uint64_t want = (uint64_t)ceil(lb - 0.5) + (uint64_t)ceil(le - 0.5);
        if (n != want)
            fail_msg("by hour %d: %llu arrivals, want %llu", h, (unsigned long long)n,
                     (unsigned long long)want);
    }
    assert_int_equal(n, 6914 + 100); /* the week's volume and the spike's extras */
    close_proc(&p);
    /* Skip ahead to 3 d: the same times as the continuous run. */
    proc a = open_proc(&cfg, 1), b = open_proc(&cfg, 1);
    sim_time ta = mdl_arrivals_next(a.a, 0);
    while (ta < 3 * SIM_DAY)
        ta = mdl_arrivals_next(a.a, ta);
    sim_time tb = mdl_arrivals_next(b.a, 3 * SIM_DAY);
    for (int k = 0; k < 200; k++) {
        assert_int_equal(ta, tb);
        ta = mdl_arrivals_next(a.a, ta);
        tb = mdl_arrivals_next(b.a, tb);
    }
    close_proc(&a);
    close_proc(&b);
}

/* A trace of 4 timestamps (10 s, 20 s, 20 s, 1 h) at load 1 replays them
 * as they are; at load 3 each is replayed 3 times (12 arrivals); a spike
 * multiplier of 2 over [15 s, 25 s) doubles the two at 20 s; nothing comes
 * after the last. */
static void a_trace_replays_its_timestamps_scaled_by_whole_multipliers(void **state)
{
    (void)state;
    static const sim_time tr[] = {10 * SIM_SEC, 20 * SIM_SEC, 20 * SIM_SEC, SIM_HOUR};
    mdl_arrivals_cfg cfg = flat_cfg(0);
    cfg.process = MDL_ARRIVALS_TRACE;
    cfg.trace = tr;
    cfg.ntrace = 4;
    for (int load = 1; load <= 3; load += 2) {
        cfg.load_multiplier = load;
        proc p = open_proc(&cfg, 1);
        sim_time t = mdl_arrivals_next(p.a, 0);
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < load; k++) {
                assert_int_equal(t, tr[i]);
                t = mdl_arrivals_next(p.a, t);
            }
        assert_int_equal(t, SIM_TIME_NEVER);
        close_proc(&p);
    }
    cfg.load_multiplier = 1;
    mdl_spike sp = {.start = 15 * SIM_SEC, .end = 25 * SIM_SEC, .multiplier = 2};
    cfg.spikes = &sp;
    cfg.nspikes = 1;
    proc p = open_proc(&cfg, 1);
    assert_int_equal(run(&p, SIM_DAY, SIM_DAY, NULL), 6);
    close_proc(&p);
}

/* Fractional scales thin or duplicate with seeded Bernoulli draws: a trace
 * of N = 100,000 timestamps (one a second) at load 0.5 keeps each with
 * probability 1/2: Binomial(N, 0.5), mean 50,000, sd 158; at load 1.5
 * every one comes once and half of them twice: 150,000 +- the same sd;
 * with 100% growth a month over the 27.8 h (x = 1.5 (2)^(t / month)) the
 * count is the sum of the x(t_i): mdl_arrivals_expected, within 4 sd of
 * the Bernoulli part (at most sqrt(N / 4)). */
static void fractional_load_and_growth_thin_or_duplicate_a_trace(void **state)
{
    (void)state;
    enum { N = 100000 };
    sim_time *tr = calloc(N, sizeof *tr);
    assert_non_null(tr);
    for (int i = 0; i < N; i++)
        tr[i] = (sim_time)i * SIM_SEC;
    mdl_arrivals_cfg cfg = flat_cfg(0);
    cfg.process = MDL_ARRIVALS_TRACE;
    cfg.trace = tr;
    cfg.ntrace = N;
    const double sd = sqrt(N * 0.25);
    for (int k = 0; k < 3; k++) {
        cfg.load_multiplier = k == 0 ? 0.5 : 1.5;
        cfg.growth_per_month = k == 2 ? 1.0 : 0.0;
        double want = mdl_arrivals_expected(&cfg, 0, SIM_TIME_NEVER);
        if (k < 2)
            assert_close(want, cfg.load_multiplier * N, 1e-6);
        proc p = open_proc(&cfg, 7 + (uint64_t)k);
        uint64_t n = run(&p, N * SIM_SEC, SIM_DAY, NULL);
        assert_close((double)n, want, 4 * sd);
        close_proc(&p);
    }
    free(tr);
}

/* count(t0, t1) is the number of arrivals next() would hand out in [t0,
 * t1), and the process continues after it as if they had been handed out:
 * counting a deterministic 500/day process day by day gives 500 each day,
 * then next() returns the first arrival of the following day. */
static void count_consumes_the_arrivals_of_an_interval(void **state)
{
    (void)state;
    mdl_arrivals_cfg cfg = flat_cfg(500.0 / DAY_S);
    cfg.process = MDL_ARRIVALS_DETERMINISTIC;
    proc p = open_proc(&cfg, 1);
    for (int d = 0; d < 5; d++)
        assert_int_equal(mdl_arrivals_count(p.a, d * SIM_DAY, (d + 1) * SIM_DAY), 500);
    assert_int_equal(mdl_arrivals_next(p.a, 5 * SIM_DAY), 5 * SIM_DAY + 86400000);
    close_proc(&p);
    /* Poisson: the counts of [0, 1 d) and [1 d, 2 d) plus what follows are
     * the arrivals of the same seed drawn one by one. */
    cfg.process = MDL_ARRIVALS_POISSON;
    proc a = open_proc(&cfg, 3), b = open_proc(&cfg, 3);
    uint64_t c =
        mdl_arrivals_count(a.a, 0, SIM_DAY) + mdl_arrivals_count(a.a, SIM_DAY, 2 * SIM_DAY);
    assert_int_equal(c, run(&b, 2 * SIM_DAY, SIM_DAY, NULL));
    close_proc(&a);
    close_proc(&b);
}

/* Growth in monthly steps, deterministic 999/day flat with 12% a month:
 * month k (30.4375 days) carries 999 x 30.4375 x 1.12^k = 30,407.0625 x
 * 1.12^k arrivals at a constant rate, so [0, k months) holds the nearest
 * integer of 30,407.0625 x (1 + 1.12 + ... + 1.12^(k-1)): 30,407, 64,463
 * (30,407.0625 + 34,055.91), 102,606 (+ 38,142.62). Within month 1 the
 * rate is flat: its first half holds half of its 34,055.91. Continuous
 * growth (the default) gives the first month 30,407.0625 x 0.12 / ln 1.12 =
 * 32,197.9 instead. */
static void monthly_growth_steps_at_each_month(void **state)
{
    (void)state;
    const double base = 999.0 * 30.4375, g = 1.12;
    mdl_arrivals_cfg cfg = flat_cfg(999.0 / DAY_S);
    cfg.process = MDL_ARRIVALS_DETERMINISTIC;
    cfg.growth_per_month = 0.12;
    cfg.growth_monthly = 1;
    proc p = open_proc(&cfg, 1);
    const double want[] = {base, base * (1 + g), base * (1 + g + g * g)};
    uint64_t n = 0;
    sim_time t = mdl_arrivals_next(p.a, 0);
    for (int k = 1; k <= 3; k++) {
        while (t < k * MDL_MONTH) {
            n++;
            t = mdl_arrivals_next(p.a, t);
        }
        assert_int_equal(n, (uint64_t)llround(want[k - 1]));
    }
    close_proc(&p);
    assert_close(mdl_arrivals_expected(&cfg, MDL_MONTH, MDL_MONTH + MDL_MONTH / 2), base * g / 2,
                 1e-6);
    cfg.growth_monthly = 0;
    assert_close(mdl_arrivals_expected(&cfg, 0, MDL_MONTH), base * 0.12 / log(1.12), 1e-6);
}

static void bad_configurations_and_names_are_refused(void **state)
{
    (void)state;
    gsl_rng *rng = sim_rng_create(1, 0, "x", NULL);
    assert_non_null(rng);
    sim_err err;
    const mdl_spike backwards[] = {{.start = 2 * SIM_HOUR, .end = SIM_HOUR, .multiplier = 1}};
    const mdl_spike negative[] = {{.start = 0, .end = SIM_HOUR, .multiplier = -2}};
    mdl_arrivals_cfg bad[8];
    for (int i = 0; i < 8; i++)
        bad[i] = flat_cfg(1.0);
    bad[0].base_rate = -1;
    bad[1].base_rate = NAN;
    bad[2].diurnal[5] = -0.1;
    bad[3].weekly[6] = INFINITY;
    bad[4].growth_per_month = -1.0;
    bad[5].first_weekday = 7;
    bad[6].spikes = backwards;
    bad[6].nspikes = 1;
    bad[7].spikes = negative;
    bad[7].nspikes = 1;
    for (int i = 0; i < 8; i++) {
        err.code = SIM_OK;
        assert_null(mdl_arrivals_create(&bad[i], rng, &err));
        assert_int_equal(err.code, SIM_EINVAL);
        assert_int_equal(mdl_arrivals_validate(&bad[i], NULL), SIM_EINVAL);
    }
    mdl_arrivals_cfg ok = flat_cfg(1.0);
    assert_null(mdl_arrivals_create(&ok, NULL, &err));
    assert_int_equal(err.code, SIM_EINVAL);

    /* An all-zero shape (the zero-initialised default) means flat. */
    mdl_arrivals_cfg zeros = {.base_rate = 1.0, .load_multiplier = 1.0};
    assert_close(mdl_arrivals_expected(&zeros, 0, SIM_DAY), DAY_S, 1e-9);

    double d[24], w[7];
    assert_int_equal(mdl_arrivals_diurnal_named("nightly", d, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "office-hours"));
    assert_int_equal(mdl_arrivals_weekly_named("weekend", w, &err), SIM_EINVAL);
    assert_int_equal(mdl_arrivals_diurnal_named("flat", d, NULL), SIM_OK);
    assert_close(d[13], 1.0, 0);

    const mdl_spike one[] = {{.start = 0, .end = SIM_HOUR, .multiplier = 2}};
    ok.spikes = one;
    ok.nspikes = 1;
    for (long k = 1; k <= 2; k++) {
        sim_alloc_fail_after(k);
        mdl_arrivals *a = mdl_arrivals_create(&ok, rng, &err);
        sim_alloc_fail_reset();
        assert_null(a);
        assert_int_equal(err.code, SIM_ENOMEM);
    }
    mdl_arrivals_destroy(NULL);
    sim_rng_destroy(rng);
}

/* ---- the fast generator -------------------------------------------------- */

/* Hourly counts of a week of office-hours arrivals at 20,000/day, with
 * growth and a spike with extra records: by placing (next) and by
 * counting (take, in one-minute intervals as a batch pulls), from the
 * same seed. The numbers of a piece depend only on the key and the piece,
 * so both give the same count in every hour (CRN across patterns); and a
 * 25% higher load never gives an hour fewer arrivals (the counts are
 * inverted from the same uniform). */
static void counting_and_placing_agree_per_hour_and_load_is_comonotone(void **state)
{
    (void)state;
    enum { HOURS = 168 };
    const mdl_spike spike[] = {
        {.start = 30 * SIM_HOUR + 20 * SIM_MIN,
         .end = 33 * SIM_HOUR,
         .multiplier = 3.0,
         .extra = 5000.0},
    };
    mdl_arrivals_cfg cfg = flat_cfg(20000.0 / DAY_S);
    mdl_arrivals_diurnal_office_hours(cfg.diurnal);
    cfg.growth_per_month = 0.05;
    cfg.spikes = spike;
    cfg.nspikes = 1;
    uint64_t placed[HOURS] = {0}, counted[HOURS] = {0}, more[HOURS] = {0};
    proc a = open_proc(&cfg, 21), b = open_proc(&cfg, 21);
    run(&a, HOURS * SIM_HOUR, SIM_HOUR, placed);
    for (sim_time t = 0; t < HOURS * SIM_HOUR; t += SIM_MIN)
        counted[t / SIM_HOUR] += mdl_arrivals_count(b.a, t, t + SIM_MIN);
    cfg.load_multiplier = 1.25;
    proc c = open_proc(&cfg, 21);
    run(&c, HOURS * SIM_HOUR, SIM_HOUR, more);
    uint64_t total = 0;
    for (int h = 0; h < HOURS; h++) {
        assert_int_equal(placed[h], counted[h]);
        assert_true(more[h] >= placed[h]);
        total += placed[h];
    }
    assert_true(total > 100000);
    close_proc(&a);
    close_proc(&b);
    close_proc(&c);
}

/* The arrivals a process has after T do not depend on how it got there:
 * one started at T gives exactly the times of one run from 0 (the numbers
 * of a piece come from its key and start alone). */
static void skipping_ahead_gives_the_arrivals_the_process_has_there(void **state)
{
    (void)state;
    mdl_arrivals_cfg cfg = flat_cfg(50000.0 / DAY_S);
    mdl_arrivals_diurnal_office_hours(cfg.diurnal);
    proc a = open_proc(&cfg, 5), b = open_proc(&cfg, 5);
    const sim_time T = 3 * SIM_DAY + 10 * SIM_HOUR + 17 * SIM_SEC;
    sim_time ta = mdl_arrivals_next(a.a, 0);
    while (ta < T)
        ta = mdl_arrivals_next(a.a, ta);
    sim_time tb = mdl_arrivals_next(b.a, T);
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(ta, tb);
        ta = mdl_arrivals_next(a.a, ta);
        tb = mdl_arrivals_next(b.a, tb);
    }
    close_proc(&a);
    close_proc(&b);
}

/* Within a piece the arrivals are uniform (a flat rate): 200 days of a
 * flat 20,000/day process, the second of each arrival within its minute
 * counted in 60 bins. Chi-square with 59 degrees of freedom: below 103.6
 * with probability 99.98% (one false alarm in 5,000 seeds). A placement
 * that bunched arrivals (a wrong split, a wrong mapping to time) gives
 * thousands. Then take's times: counted in 1-minute intervals, each group's
 * mean time lies in its interval, and the mean of all arrival times of a
 * day equals its middle within 4 standard errors (86,400 s / sqrt(12 n)). */
static void placed_arrivals_are_uniform_and_counted_ones_have_their_mean(void **state)
{
    (void)state;
    const double rate = 20000.0 / DAY_S;
    mdl_arrivals_cfg cfg = flat_cfg(rate);
    proc p = open_proc(&cfg, 31);
    uint64_t bins[60] = {0}, n = 0;
    for (sim_time t = mdl_arrivals_next(p.a, 0); t < 200 * SIM_DAY; t = mdl_arrivals_next(p.a, t)) {
        bins[(t % SIM_MIN) / SIM_SEC]++;
        n++;
    }
    double chi2 = 0.0, e = (double)n / 60.0;
    for (int i = 0; i < 60; i++)
        chi2 += ((double)bins[i] - e) * ((double)bins[i] - e) / e;
    assert_true(chi2 < 103.6);
    close_proc(&p);

    p = open_proc(&cfg, 32);
    double sum_all = 0.0;
    uint64_t n_all = 0;
    for (sim_time t = 0; t < SIM_DAY; t += SIM_MIN) {
        double sum;
        uint64_t k = mdl_arrivals_take(p.a, t, t + SIM_MIN, &sum);
        if (k > 0) {
            assert_true(sum / (double)k >= (double)t && sum / (double)k < (double)(t + SIM_MIN));
            sum_all += sum;
            n_all += k;
        }
    }
    double mean_s = sum_all / (double)n_all / 1e6, se = 86400.0 / sqrt(12.0 * (double)n_all);
    assert_close(mean_s, 43200.0, 4.0 * se);
    close_proc(&p);
}

/* ---- the fast generator against a second walk of its definition ------- *
 *
 * mdl_arrivals.c ("the fast Poisson process") defines every number: piece
 * [p, p + 1 h) at rate a has w = a * 3600 s expected arrivals and holds n =
 * sim_poisson_quantile(w, u) of them, u the top 53 bits of
 * sim_rng_mix(key, p) plus a half, times 2^-53; key is sim_rng_key of the
 * flow's stream. Its halving tree is named from pkey = sim_rng_mix(key ^
 * "piec", p): node 1 is the piece, 2i and 2i + 1 the halves of i in
 * Lambda. A node with more than 16 arrivals gives its earlier half k of
 * them, the popcount of the low n bits of sim_rng_mix(pkey, node) (n <=
 * 64), else Binomial(n, 1/2) from the generator "arrivals.pieces" (of
 * seed key) reseeded with that name; a node with at most 16 places them
 * at v0 + (v1 - v0) u for n uniforms of that generator reseeded with the
 * node's name, sorted, each handed out at p + ceil(v / a * 1e6) us (at
 * most p + 1 h). Walked here the plain way: recursion, gsl_rng_uniform,
 * qsort and ceil, where the module keeps a stack, draws from a copy of the
 * generator's state, sorts by a network and rounds by truncation. */

#define REF_LEAF 16
#define REF_SALT UINT64_C(0x70696563) /* "piec" */

typedef struct ref_walk {
    gsl_rng *gen;
    uint64_t pkey;
    sim_time start, end;
    double a;
    sim_time *out;
    size_t n, cap;
} ref_walk;

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void ref_node(ref_walk *r, double v0, double v1, uint64_t n, uint64_t node)
{
    if (n == 0)
        return;
    uint64_t name = sim_rng_mix(r->pkey, node);
    if (n > REF_LEAF) {
        uint64_t k = 0;
        if (n <= 64) {
            for (uint64_t i = 0; i < n; i++)
                k += (name >> i) & 1;
        } else {
            sim_rng_reseed(r->gen, name);
            k = sim_binomial(r->gen, 0.5, n);
        }
        double mid = 0.5 * (v0 + v1);
        ref_node(r, v0, mid, k, 2 * node);
        ref_node(r, mid, v1, n - k, 2 * node + 1);
        return;
    }
    double v[REF_LEAF];
    sim_rng_reseed(r->gen, name);
    for (uint64_t i = 0; i < n; i++)
        v[i] = v0 + (v1 - v0) * gsl_rng_uniform(r->gen);
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    for (uint64_t i = 0; i < n; i++) {
        sim_time t = r->start + (sim_time)ceil(v[i] / r->a * 1e6);
        if (r->n < r->cap) /* the rest are not compared */
            r->out[r->n++] = t < r->end ? t : r->end;
    }
}

/* The first `cap` arrivals (or those of the first `hours`) of a flat-week
 * process with the given diurnal weights (whose mean must be 1 exactly in
 * doubles, as office-hours' and flat's are: sum 24) at base_rate. */
static size_t ref_arrivals(uint64_t seed, double base_rate, const double diurnal[24], int hours,
                           sim_time *out, size_t cap)
{
    gsl_rng *flow = sim_rng_create(seed, 0, "arrivals", NULL);
    uint64_t key = sim_rng_key(flow);
    ref_walk r = {.gen = sim_rng_create(key, 0, "arrivals.pieces", NULL), .out = out, .cap = cap};
    assert_non_null(r.gen);
    for (int h = 0; h < hours && r.n < cap; h++) {
        sim_time p = h * SIM_HOUR;
        r.a = base_rate * diurnal[h % 24];
        r.start = p;
        r.end = p + SIM_HOUR;
        double w = r.a * sim_time_to_seconds(SIM_HOUR);
        double u = ((double)(sim_rng_mix(key, (uint64_t)p) >> 11) + 0.5) * 0x1.0p-53;
        uint64_t n = sim_poisson_quantile(w, u);
        r.pkey = sim_rng_mix(key ^ REF_SALT, (uint64_t)p);
        ref_node(&r, 0.0, w, n, 1);
    }
    sim_rng_destroy(r.gen);
    sim_rng_destroy(flow);
    return r.n;
}

/* Every arrival handed out one by one is the one the definition gives, to
 * the microsecond. Three cases: 4 a day flat (pieces of 0.17 expected
 * arrivals, mostly empty: the first arrivals can be checked by hand from
 * the printed quantiles), office hours at 2,000 a day (leaves reached by
 * coin popcounts, 8 to 188 expected an hour) and flat at 100,000 a day
 * (4,167 an hour: binomial splits). Any change to a number, the order or
 * the rounding (a value one microsecond off) fails it. */
static void fast_arrivals_equal_a_second_walk_of_their_definition(void **state)
{
    (void)state;
    enum { CAP = 60000 };
    static sim_time ref[CAP];
    double office[24], flat[24];
    mdl_arrivals_diurnal_office_hours(office);
    mdl_arrivals_diurnal_flat(flat);
    const struct {
        double per_day;
        const double *diurnal;
        int hours;
        uint64_t seed;
    } cases[] = {{4.0, flat, 24 * 60, 41}, {2000.0, office, 24 * 14, 42}, {1e5, flat, 12, 43}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double rate = cases[c].per_day / DAY_S;
        size_t n = ref_arrivals(cases[c].seed, rate, cases[c].diurnal, cases[c].hours, ref, CAP);
        assert_true(n > 200);
        mdl_arrivals_cfg cfg = flat_cfg(rate);
        memcpy(cfg.diurnal, cases[c].diurnal, sizeof cfg.diurnal);
        proc p = open_proc(&cfg, cases[c].seed);
        sim_time t = mdl_arrivals_next(p.a, 0);
        for (size_t i = 0; i < n; i++) {
            if (t != ref[i])
                fail_msg("case %zu, arrival %zu: %lld, the definition gives %lld", c, i,
                         (long long)t, (long long)ref[i]);
            t = mdl_arrivals_next(p.a, t);
        }
        close_proc(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_flat_day_count_is_poisson_in_mean_and_variance),
        cmocka_unit_test(office_hour_counts_follow_the_diurnal_shape),
        cmocka_unit_test(a_weekly_shape_moves_records_between_days_and_keeps_the_week),
        cmocka_unit_test(growth_of_12_percent_a_month_compounds_over_three_months),
        cmocka_unit_test(a_spike_multiplies_the_count_in_its_window),
        cmocka_unit_test(expected_matches_hand_integrals),
        cmocka_unit_test(a_zero_rate_returns_never),
        cmocka_unit_test(a_sparse_process_keeps_its_rate_across_silent_weeks),
        cmocka_unit_test(arrivals_sharing_a_microsecond_are_all_counted),
        cmocka_unit_test(next_is_reproducible_and_restarts_when_the_caller_skips_ahead),
        cmocka_unit_test(deterministic_arrivals_are_evenly_spaced_with_exact_counts),
        cmocka_unit_test(
            deterministic_counts_follow_the_integrated_rate_and_restarts_keep_the_grid),
        cmocka_unit_test(a_trace_replays_its_timestamps_scaled_by_whole_multipliers),
        cmocka_unit_test(fractional_load_and_growth_thin_or_duplicate_a_trace),
        cmocka_unit_test(count_consumes_the_arrivals_of_an_interval),
        cmocka_unit_test(monthly_growth_steps_at_each_month),
        cmocka_unit_test(bad_configurations_and_names_are_refused),
    };
    const struct CMUnitTest fast_only[] = {
        cmocka_unit_test(counting_and_placing_agree_per_hour_and_load_is_comonotone),
        cmocka_unit_test(skipping_ahead_gives_the_arrivals_the_process_has_there),
        cmocka_unit_test(placed_arrivals_are_uniform_and_counted_ones_have_their_mean),
        cmocka_unit_test(fast_arrivals_equal_a_second_walk_of_their_definition),
    };
    int failed = cmocka_run_group_tests_name("fast generator", tests, with_fast, NULL);
    failed += cmocka_run_group_tests_name("reference walk", tests, with_reference, NULL);
    failed += cmocka_run_group_tests_name("fast generator only", fast_only, with_fast, NULL);
    return failed;
}
