/*
 * cal_fit.h - what one group's log says about its arrival profile, with
 * confidence intervals: the estimates `erpsim calibrate` turns into
 * scenario values (volume, arrival.diurnal, arrival.weekly, growth).
 *
 * The model is the simulator's own (models/mdl_arrivals.h): records arrive
 * as a Poisson process whose rate on local day d, hour h is
 *
 *   lambda(d, h) = V * W[weekday(d)] * H[h] / 24 * (1 + g)^(tau(d) + (h + 0.5) / 24 / M)
 *
 * per hour, with W averaging 1 over the week, H averaging 1 over the day,
 * M = 30.4375 days a month and tau(d) = (d + 0.5 - end) / M the month
 * offset of the middle of day d from the end of the log. V is then the
 * records per day at the end of the log, averaged over the week: the
 * scenario's `volume` for a simulation that starts where the log ends.
 *
 * Estimates, in this order (docs/calibration.md has the equations):
 *   1. days: the local days wholly inside the observed window; a day with
 *      no record while its weekday averages >= 10 is a gap (missing data)
 *      and is left out of every fit.
 *   2. weekly shape, growth and volume: a Poisson regression of the daily
 *      counts (cal_glm.h) on one indicator per weekday and tau, with
 *      quasi-Poisson errors: log E[n_d] = gamma[weekday(d)] + beta * tau(d).
 *      V = mean over the week of exp(gamma), W[w] = exp(gamma[w]) / V,
 *      g = exp(beta) - 1; intervals by the delta method on the log scale
 *      with Student's t. A weekday whose days all have 0 records gets
 *      W = 0 (its interval from the Poisson upper bound of a zero count).
 *      Needs CAL_FIT_MIN_DAYS days with two of each weekday; with fewer,
 *      V is the mean per day and W, g are not estimated.
 *   3. spike and low days: a day whose Pearson residual is more than 4
 *      robust standard deviations (median and MAD of the residuals, as the
 *      modified z-score of Iglewicz and Hoaglin, 1993, who suggest 3.5;
 *      4 keeps the false alarms of Poisson days to 6e-5 a day) above or
 *      below the fit. They are listed and left out, and steps 2 and 3 are
 *      repeated, every day judged again against the new fit, until no day
 *      changes (at most 5 times).
 *   4. diurnal shape: given the daily counts, the hours of a day are
 *      multinomial with shares H[h] (tilted by the growth within the day),
 *      whose maximum likelihood estimate is the pooled share of each hour;
 *      intervals by Wilson's score method with the sample size divided by
 *      the Pearson dispersion of the hour-by-day table.
 *   5. burstiness: the index of dispersion of the counts per minute within
 *      each hour (variance over mean, pooled), 1 for a Poisson process,
 *      with the chi-square test of Poisson dispersion.
 * How well the shapes explain the data: the share of the deviance of a
 * flat profile that the shape removes (R^2 of Cameron and Windmeijer,
 * 1996) and the dispersion left (1 = only Poisson noise remains).
 *
 * Checked by: tests/calib/test_cal_fit.c (simulated logs with known
 * profiles; hand-computed small cases).
 */
#ifndef CAL_FIT_H
#define CAL_FIT_H

#include <stdint.h>

#include "cal_minutes.h"
#include "sim_err.h"

#define CAL_FIT_MIN_DAYS    14   /* weekly shape and growth need two of each weekday */
#define CAL_FIT_MIN_RECORDS 100  /* shapes need at least this many records */
#define CAL_FIT_GAP_MEAN    10.0 /* a 0-record day is a gap when its weekday averages this */
#define CAL_FIT_OUTLIER_Z   4.0  /* robust z of a spike or low day */
#define CAL_MONTH_DAYS      30.4375

/* A point estimate and its 95% confidence interval (NaN: not estimated). */
typedef struct cal_ci {
    double est, lo, hi;
} cal_ci;

typedef enum cal_day_kind {
    CAL_DAY_USED = 0, /* in every fit */
    CAL_DAY_GAP,      /* no record although its weekday averages >= CAL_FIT_GAP_MEAN */
    CAL_DAY_SPIKE,    /* far above the fit: a one-off */
    CAL_DAY_LOW       /* far below the fit: an outage, a holiday or a partial export */
} cal_day_kind;

typedef struct cal_day {
    int64_t day;   /* local day number: days since 1970-01-01 in local time */
    int weekday;   /* 0 = Monday */
    double count;  /* records that day */
    double fitted; /* the model's expected count: weekly shape x growth (NaN: no model) */
    double trend;  /* the week-average level that day: volume x growth only */
    double z;      /* robust standardised residual (NaN when not computed) */
    cal_day_kind kind;
} cal_day;

typedef enum cal_burst {
    CAL_BURST_UNKNOWN = 0, /* not estimated (coarser than per-minute data, too few records) */
    CAL_BURST_POISSON,     /* consistent with Poisson, or less than 1.2 */
    CAL_BURST_SOME,        /* 1.2 to 2 times the Poisson variance */
    CAL_BURST_FAR          /* 2 times or more: replay the log (`arrival.trace`) */
} cal_burst;

typedef struct cal_fit_opts {
    int local_min;          /* local time = UTC + local_min minutes */
    int64_t from_us, to_us; /* the observed window (UTC): local days wholly inside it count */
    int64_t bucket_us;      /* the log's time resolution (1 min for a log of timestamps) */
} cal_fit_opts;

#define CAL_FIT_NOTES 6

typedef struct cal_fit {
    int ndays;     /* every complete local day of the window, in order */
    cal_day *days; /* owned */
    int days_used;
    double records;  /* in the used days */
    int64_t end_day; /* the local day after the last one: the volume's reference */
    cal_ci volume;   /* records per day at the end of the log, averaged over the week */
    double mean_per_day;
    double day_dispersion; /* phi of the daily model (1 = Poisson) */
    int has_weekly;
    cal_ci weekly[7]; /* Monday first, mean 1 */
    double weekly_r2;
    int has_growth;
    cal_ci growth; /* per month, compounded (0.03 = 3%/month) */
    double growth_p;
    int has_diurnal;
    cal_ci diurnal[24]; /* 00:00 first, mean 1 */
    double diurnal_r2, hour_dispersion;
    /* mean count per hour of the week (Monday 00:00 first): observed, and
     * what the fitted weekly x diurnal x growth model expects (NaN: no day) */
    double week_obs[168], week_fit[168];
    cal_burst burst;
    double burst_index, burst_p;
    /* why an estimate is missing, one sentence each */
    char notes[CAL_FIT_NOTES][160];
    int nnotes;
} cal_fit;

/* Fits the counts per minute of one group. SIM_OK with *out filled (fini
 * it; a group too small for a shape still gets its volume, with a note),
 * SIM_EINVAL when the window holds no complete day or the bucket width
 * does not divide a day, SIM_ENOMEM. */
int cal_fit_group(const cal_minutes *m, const cal_fit_opts *o, cal_fit *out, sim_err *err);
void cal_fit_fini(cal_fit *f);

const char *cal_day_kind_name(cal_day_kind k);
const char *cal_burst_name(cal_burst b);

#endif
