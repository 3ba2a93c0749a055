/*
 * test_cal_fit.c - the estimates of a group against logs simulated here
 * from a known profile (a Poisson count per minute at the profile's rate,
 * which is exactly a Poisson process seen per minute), and against small
 * cases computed by hand.
 *
 * Coverage: each 95% interval covers the truth in 95% of simulated logs
 * when it is right. Over K logs the number of covers of one parameter is
 * Binomial(K, 0.95); the bounds checked below are the counts below and
 * above which a right interval falls with probability under 1e-3
 * (computed from the binomial distribution and stated at each check), so a
 * failure means the interval is too narrow (too few covers) or too wide
 * (too many).
 */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cal_fit.h"
#include "cal_time.h"
#include "sim_rng.h"

#define MONTH CAL_MONTH_DAYS

typedef struct profile {
    double volume;      /* records per day at the start, averaged over the week */
    double weekly[7];   /* mean 1 */
    double diurnal[24]; /* mean 1 */
    double growth;      /* per month */
    int days;
    int local_min;
    int batch; /* records per arrival (1: Poisson) */
} profile;

/* 2026-11-02, a Monday */
static int64_t day0(void)
{
    return cal_days_from_civil(2026, 11, 2);
}

static const double office[24] = {0.1,  0.1,  0.1,  0.1,  0.1,  0.1,  0.3,  0.7,
                                  1.4,  2.25, 2.25, 2.25, 2.25, 2.25, 2.25, 2.25,
                                  2.25, 1.4,  0.7,  0.4,  0.2,  0.1,  0.1,  0.1};
static const double workweek[7] = {1.2, 1.15, 1.1, 1.15, 1.0, 0.8, 0.6};

static profile base_profile(void)
{
    profile p = {.volume = 3000, .growth = 0.05, .days = 56, .batch = 1};
    double sw = 0.0;
    for (int w = 0; w < 7; w++)
        sw += workweek[w];
    for (int w = 0; w < 7; w++)
        p.weekly[w] = workweek[w] * 7.0 / sw;
    memcpy(p.diurnal, office, sizeof office); /* sums to 24 */
    return p;
}

/* A log of the profile: for every local minute a Poisson count at the
 * rate of its hour (the simulator's piecewise-constant rate; growth
 * evaluated at the middle of the hour, which differs from the continuous
 * (1+g)^t by under 1e-4 within an hour at 5%/month). */
static cal_minutes *simulate(const profile *p, uint64_t seed)
{
    sim_err err;
    gsl_rng *rng = sim_rng_create(seed, 0, "cal-fit", &err);
    cal_minutes *m = cal_minutes_create(&err);
    assert_non_null(rng);
    assert_non_null(m);
    for (int d = 0; d < p->days; d++) {
        int wd = cal_weekday(day0() + d);
        for (int h = 0; h < 24; h++) {
            double t = (d + (h + 0.5) / 24.0) / MONTH;
            double per_min = p->volume * p->weekly[wd] * p->diurnal[h] / 24.0 / 60.0 *
                             pow(1.0 + p->growth, t) / p->batch;
            for (int k = 0; k < 60; k++) {
                unsigned n = gsl_ran_poisson(rng, per_min);
                int64_t local = (day0() + d) * 1440 + h * 60 + k;
                if (n > 0)
                    assert_int_equal(
                        cal_minutes_add(m, local - p->local_min, n * (unsigned)p->batch), SIM_OK);
            }
        }
    }
    sim_rng_destroy(rng);
    return m;
}

static cal_fit_opts opts_of(const profile *p)
{
    int64_t off = (int64_t)p->local_min * CAL_US_PER_MIN;
    return (cal_fit_opts){.local_min = p->local_min,
                          .from_us = day0() * CAL_US_PER_DAY - off,
                          .to_us = (day0() + p->days) * CAL_US_PER_DAY - off,
                          .bucket_us = CAL_US_PER_MIN};
}

static int covers(cal_ci c, double truth)
{
    return c.lo <= truth && truth <= c.hi;
}

/* 40 logs of 8 weeks: volume, growth, 7 weekly and 24 diurnal weights. */
static void every_interval_covers_the_truth_at_its_stated_rate(void **state)
{
    (void)state;
    enum { K = 40 };
    profile p = base_profile();
    int cov_volume = 0, cov_growth = 0, cov_weekly = 0, cov_diurnal = 0;
    double v_end = p.volume * pow(1.0 + p.growth, p.days / MONTH);
    for (int s = 0; s < K; s++) {
        cal_minutes *m = simulate(&p, 100 + (uint64_t)s);
        cal_fit_opts o = opts_of(&p);
        cal_fit f;
        sim_err err;
        assert_int_equal(cal_fit_group(m, &o, &f, &err), SIM_OK);
        assert_true(f.has_weekly && f.has_growth && f.has_diurnal);
        cov_volume += covers(f.volume, v_end);
        cov_growth += covers(f.growth, p.growth);
        for (int w = 0; w < 7; w++)
            cov_weekly += covers(f.weekly[w], p.weekly[w]);
        for (int h = 0; h < 24; h++)
            cov_diurnal += covers(f.diurnal[h], p.diurnal[h]);
        /* the estimates themselves: within 4 standard errors, roughly */
        assert_true(fabs(f.volume.est / v_end - 1.0) < 0.03);
        assert_true(fabs(f.growth.est - p.growth) < 0.03);
        assert_true(f.burst == CAL_BURST_POISSON);
        cal_fit_fini(&f);
        cal_minutes_destroy(m);
    }
    print_message("covers: volume %d, growth %d of %d; weekly %d of %d; diurnal %d of %d\n",
                  cov_volume, cov_growth, K, cov_weekly, 7 * K, cov_diurnal, 24 * K);
    /* Binomial(40, 0.95): P(X <= 33) = 0.014, P(X <= 32) = 0.0034, P(X <= 31) = 7e-4 */
    assert_in_range(cov_volume, 32, 40);
    assert_in_range(cov_growth, 32, 40);
    /* Binomial(280, 0.95): mean 266, sd 3.65; 255..277 is -3.0..+3.0 sd */
    assert_in_range(cov_weekly, 255, 277);
    /* Binomial(960, 0.95): mean 912, sd 6.75; 891..933 is -3.1..+3.1 sd */
    assert_in_range(cov_diurnal, 891, 933);
}

static void a_flat_log_without_growth_is_recognised_as_such(void **state)
{
    (void)state;
    profile p = base_profile();
    p.growth = 0.0;
    for (int w = 0; w < 7; w++)
        p.weekly[w] = 1.0;
    for (int h = 0; h < 24; h++)
        p.diurnal[h] = 1.0;
    cal_minutes *m = simulate(&p, 9);
    cal_fit_opts o = opts_of(&p);
    cal_fit f;
    assert_int_equal(cal_fit_group(m, &o, &f, NULL), SIM_OK);
    /* nothing to explain: R^2 near 0 and dispersions near 1. The daily
     * phi is chi-square / df with 48 df: 1 +- 0.20, so 0.4..1.8 is -2.9..+3.9
     * sd; the hourly one has 55 x 23 = 1265 df: 1 +- 0.04, 0.85..1.15 is
     * +-3.8 sd */
    assert_true(f.weekly_r2 < 0.3);
    assert_true(f.day_dispersion > 0.4 && f.day_dispersion < 1.8);
    assert_true(f.hour_dispersion > 0.85 && f.hour_dispersion < 1.15);
    /* the growth interval and its test agree: 0 is outside the 95%
     * interval exactly when p < 0.05 */
    assert_int_equal(covers(f.growth, 0.0), f.growth_p >= 0.05);
    cal_fit_fini(&f);
    cal_minutes_destroy(m);
}

static void weekdays_without_records_get_a_zero_weight(void **state)
{
    (void)state;
    profile p = base_profile();
    for (int w = 0; w < 7; w++)
        p.weekly[w] = w < 5 ? 1.4 : 0.0; /* weekdays-only */
    cal_minutes *m = simulate(&p, 11);
    cal_fit_opts o = opts_of(&p);
    cal_fit f;
    assert_int_equal(cal_fit_group(m, &o, &f, NULL), SIM_OK);
    assert_true(f.weekly[5].est == 0.0 && f.weekly[6].est == 0.0);
    assert_true(f.weekly[5].lo == 0.0 && f.weekly[5].hi > 0.0 && f.weekly[5].hi < 0.01);
    for (int w = 0; w < 5; w++)
        assert_true(fabs(f.weekly[w].est - 1.4) < 0.05);
    /* no Saturday is a gap: every Saturday of the log has 0 records */
    for (int i = 0; i < f.ndays; i++)
        assert_int_not_equal(f.days[i].kind, CAL_DAY_GAP);
    cal_fit_fini(&f);
    cal_minutes_destroy(m);
}

static void spikes_lows_and_gaps_are_listed_and_left_out(void **state)
{
    (void)state;
    profile p = base_profile();
    cal_minutes *m = simulate(&p, 21);
    /* day 10: +6000 records at 12:00 (3x its ~3000); day 20: a gap (every
     * record removed); day 30: only its first hours (a partial export) */
    cal_minutes *edited = cal_minutes_create(NULL);
    for (int d = 0; d < p.days; d++)
        for (int k = 0; k < 1440; k++) {
            int64_t minute = (day0() + d) * 1440 + k;
            uint32_t n = cal_minutes_get(m, minute);
            if (d == 20 || (d == 30 && k >= 9 * 60))
                n = 0;
            if (d == 10 && k == 12 * 60)
                n += 6000;
            if (n)
                cal_minutes_add(edited, minute, n);
        }
    cal_fit_opts o = opts_of(&p);
    cal_fit f;
    assert_int_equal(cal_fit_group(edited, &o, &f, NULL), SIM_OK);
    assert_int_equal(f.days[10].kind, CAL_DAY_SPIKE);
    assert_int_equal(f.days[20].kind, CAL_DAY_GAP);
    assert_int_equal(f.days[30].kind, CAL_DAY_LOW);
    int others = 0;
    for (int i = 0; i < f.ndays; i++)
        others += i != 10 && i != 20 && i != 30 && f.days[i].kind != CAL_DAY_USED;
    assert_int_equal(others, 0);
    assert_int_equal(f.days_used, p.days - 3);
    /* with them left out, the fit still finds the profile */
    double v_end = p.volume * pow(1.0 + p.growth, p.days / MONTH);
    assert_true(fabs(f.volume.est / v_end - 1.0) < 0.03);
    assert_true(fabs(f.growth.est - p.growth) < 0.03);
    cal_fit_fini(&f);
    cal_minutes_destroy(edited);
    cal_minutes_destroy(m);
}

/* A low-volume log (600 a day) with one Thursday at 4x: a regression that
 * includes the spike puts every other Thursday 40% below its fit, so the
 * spike must be judged first against a weekday median. */
static void a_spike_does_not_make_the_rest_of_its_weekday_look_low(void **state)
{
    (void)state;
    profile p = base_profile();
    p.volume = 600;
    p.growth = 0.0;
    for (int w = 0; w < 7; w++)
        p.weekly[w] = w < 5 ? 1.2 : 0.5;
    cal_minutes *m = simulate(&p, 51);
    int64_t thursday = (day0() + 17) * 1440; /* 2026-11-19 */
    uint32_t extra = 0;
    for (int k = 0; k < 1440; k++)
        extra += 3 * cal_minutes_get(m, thursday + k);
    cal_minutes_add(m, thursday + 720, extra);
    cal_fit_opts o = opts_of(&p);
    cal_fit f;
    assert_int_equal(cal_fit_group(m, &o, &f, NULL), SIM_OK);
    for (int i = 0; i < f.ndays; i++)
        assert_int_equal(f.days[i].kind, i == 17 ? CAL_DAY_SPIKE : CAL_DAY_USED);
    assert_true(f.has_weekly);
    /* Thursdays: 7 days of ~720 records, a relative standard error of
     * about 1.4% (with the other weekdays'); 5% is over 3.5 of them */
    assert_true(fabs(f.weekly[3].est / 1.2 - 1.0) < 0.05);
    assert_true(fabs(f.weekly[5].est / 0.5 - 1.0) < 0.08); /* ~300 a day: 2.2% */
    cal_fit_fini(&f);
    cal_minutes_destroy(m);
}

static void records_in_batches_are_far_burstier_than_poisson(void **state)
{
    (void)state;
    /* arrivals Poisson, 5 records each: a compound Poisson count per minute
     * has variance 5 x its mean, so the index of dispersion is 5 */
    profile p = base_profile();
    p.batch = 5;
    p.days = 21;
    cal_minutes *m = simulate(&p, 31);
    cal_fit_opts o = opts_of(&p);
    cal_fit f;
    assert_int_equal(cal_fit_group(m, &o, &f, NULL), SIM_OK);
    assert_true(fabs(f.burst_index - 5.0) < 0.25); /* ~30,000 hours: se ~0.03 */
    assert_int_equal(f.burst, CAL_BURST_FAR);
    assert_true(f.burst_p < 1e-6);
    cal_fit_fini(&f);
    cal_minutes_destroy(m);
}

/* Hand case: 14 days of exactly 100 records, all at 09:xx local time, the
 * log in UTC+2 (so at 07:xx UTC). */
static void a_regular_log_gives_its_exact_shape_in_local_time(void **state)
{
    (void)state;
    cal_minutes *m = cal_minutes_create(NULL);
    for (int d = 0; d < 14; d++)
        for (int k = 0; k < 100; k++)
            cal_minutes_add(m, (day0() + d) * 1440 + 9 * 60 + k % 60 - 120, 1);
    cal_fit_opts o = {.local_min = 120,
                      .from_us = day0() * CAL_US_PER_DAY - 120 * CAL_US_PER_MIN,
                      .to_us = (day0() + 14) * CAL_US_PER_DAY - 120 * CAL_US_PER_MIN,
                      .bucket_us = CAL_US_PER_MIN};
    cal_fit f;
    assert_int_equal(cal_fit_group(m, &o, &f, NULL), SIM_OK);
    assert_int_equal(f.ndays, 14);
    assert_true(fabs(f.volume.est - 100.0) < 1e-6);
    assert_true(fabs(f.growth.est) < 1e-9);
    for (int w = 0; w < 7; w++)
        assert_true(fabs(f.weekly[w].est - 1.0) < 1e-9);
    for (int h = 0; h < 24; h++)
        assert_true(fabs(f.diurnal[h].est - (h == 9 ? 24.0 : 0.0)) < 1e-9);
    assert_true(fabs(f.diurnal_r2 - 1.0) < 1e-12); /* the shape explains everything */
    cal_fit_fini(&f);
    cal_minutes_destroy(m);
}

static void a_short_log_gives_its_mean_with_a_t_interval(void **state)
{
    (void)state;
    /* 5 days of 90, 110, 100, 95, 105 records: mean 100; Pearson
     * dispersion (100 + 100 + 0 + 25 + 25) / 100 / 4 = 0.625; the interval
     * of log(mean) is +- t(4) sqrt(0.625 / 500) = +- 2.776 x 0.035355 */
    static const int n[5] = {90, 110, 100, 95, 105};
    cal_minutes *m = cal_minutes_create(NULL);
    for (int d = 0; d < 5; d++)
        cal_minutes_add(m, (day0() + d) * 1440 + 600, (uint32_t)n[d]);
    cal_fit_opts o = {.from_us = day0() * CAL_US_PER_DAY,
                      .to_us = (day0() + 5) * CAL_US_PER_DAY,
                      .bucket_us = CAL_US_PER_MIN};
    cal_fit f;
    assert_int_equal(cal_fit_group(m, &o, &f, NULL), SIM_OK);
    assert_false(f.has_weekly);
    assert_false(f.has_growth);
    assert_true(fabs(f.volume.est - 100.0) < 1e-8);
    double hw = 2.776445 * sqrt(0.625 / 500.0);
    assert_true(fabs(f.volume.hi - 100.0 * exp(hw)) < 1e-3);
    assert_true(fabs(f.volume.lo - 100.0 * exp(-hw)) < 1e-3);
    assert_true(fabs(f.day_dispersion - 0.625) < 1e-9);
    assert_true(f.nnotes >= 1 && strstr(f.notes[0], "two of each weekday"));
    cal_fit_fini(&f);
    cal_minutes_destroy(m);
}

static void a_small_group_gets_its_volume_and_no_shape(void **state)
{
    (void)state;
    cal_minutes *m = cal_minutes_create(NULL);
    for (int d = 0; d < 28; d++)
        cal_minutes_add(m, (day0() + d) * 1440 + 600 + d, 2);
    cal_fit_opts o = {.from_us = day0() * CAL_US_PER_DAY,
                      .to_us = (day0() + 28) * CAL_US_PER_DAY,
                      .bucket_us = CAL_US_PER_MIN};
    cal_fit f;
    assert_int_equal(cal_fit_group(m, &o, &f, NULL), SIM_OK);
    assert_true(fabs(f.volume.est - 2.0) < 1e-6);
    assert_false(f.has_diurnal);
    assert_int_equal(f.burst, CAL_BURST_UNKNOWN);
    assert_non_null(strstr(f.notes[f.nnotes - 1], "at least 100 records"));
    cal_fit_fini(&f);
    cal_minutes_destroy(m);
}

static void hourly_buckets_give_a_shape_but_no_burstiness(void **state)
{
    (void)state;
    profile p = base_profile();
    cal_minutes *m = simulate(&p, 41);
    /* the same log as counts per hour, at each hour's start */
    cal_minutes *hourly = cal_minutes_create(NULL);
    for (int64_t k = day0() * 1440; k < (day0() + p.days) * 1440; k += 60) {
        uint32_t n = 0;
        for (int j = 0; j < 60; j++)
            n += cal_minutes_get(m, k + j);
        cal_minutes_add(hourly, k, n);
    }
    cal_fit_opts o = opts_of(&p);
    o.bucket_us = 60 * CAL_US_PER_MIN;
    cal_fit f, g;
    assert_int_equal(cal_fit_group(hourly, &o, &f, NULL), SIM_OK);
    cal_fit_opts om = opts_of(&p);
    assert_int_equal(cal_fit_group(m, &om, &g, NULL), SIM_OK);
    assert_true(f.has_diurnal);
    for (int h = 0; h < 24; h++) /* the same hourly counts: the same shape */
        assert_true(fabs(f.diurnal[h].est - g.diurnal[h].est) < 1e-12);
    assert_int_equal(f.burst, CAL_BURST_UNKNOWN);
    o.bucket_us = 7 * CAL_US_PER_MIN;
    cal_fit bad;
    sim_err err;
    assert_int_equal(cal_fit_group(hourly, &o, &bad, &err), SIM_EINVAL);
    o.bucket_us = 120 * CAL_US_PER_MIN;
    assert_int_equal(cal_fit_group(hourly, &o, &bad, &err), SIM_OK);
    assert_false(bad.has_diurnal);
    cal_fit_fini(&bad);
    o.bucket_us = CAL_US_PER_MIN;
    o.to_us = o.from_us + 3600 * 1000000LL; /* an hour: no whole day */
    assert_int_equal(cal_fit_group(hourly, &o, &bad, &err), SIM_EINVAL);
    cal_fit_fini(&f);
    cal_fit_fini(&g);
    cal_minutes_destroy(hourly);
    cal_minutes_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_interval_covers_the_truth_at_its_stated_rate),
        cmocka_unit_test(a_flat_log_without_growth_is_recognised_as_such),
        cmocka_unit_test(weekdays_without_records_get_a_zero_weight),
        cmocka_unit_test(spikes_lows_and_gaps_are_listed_and_left_out),
        cmocka_unit_test(a_spike_does_not_make_the_rest_of_its_weekday_look_low),
        cmocka_unit_test(records_in_batches_are_far_burstier_than_poisson),
        cmocka_unit_test(a_regular_log_gives_its_exact_shape_in_local_time),
        cmocka_unit_test(a_short_log_gives_its_mean_with_a_t_interval),
        cmocka_unit_test(a_small_group_gets_its_volume_and_no_shape),
        cmocka_unit_test(hourly_buckets_give_a_shape_but_no_burstiness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
