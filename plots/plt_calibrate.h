/*
 * plt_calibrate.h - the chart of one calibrated group (`erpsim calibrate
 * --out DIR`): how well the fitted arrival profile matches the log.
 *
 *   top     the mean count in each hour of the week (Monday 00:00 first),
 *           observed in the log and expected by the fitted model (volume x
 *           weekly x diurnal x growth): the product model's check, since a
 *           weekday whose daily shape differs shows at once;
 *   bottom  the count of each day with the fitted model (weekly shape x
 *           growth) and the trend (volume x growth), the days left out of
 *           the fit marked: spikes, low days, gaps.
 * The data goes to DIR/series/NAME-week.csv and NAME-days.csv (readable by
 * any spreadsheet, and what gnuplot reads); the chart to
 * DIR/charts/NAME.png and .svg. The title and subtitle reach gnuplot only
 * as quoted literals (plt_gnuplot_quote); the data files hold numbers and
 * dates only.
 */
#ifndef PLT_CALIBRATE_H
#define PLT_CALIBRATE_H

#include "sim_err.h"

typedef struct plt_calibrate {
    const char *title;                 /* e.g. the group's name */
    const char *subtitle;              /* e.g. "volume 2,205/day, growth +3.1%/month" */
    int has_week;                      /* the hour-of-week profile is known (hourly data) */
    const double *week_obs, *week_fit; /* [168]; NaN: no such hour in the log */
    int ndays;
    const char *const *dates; /* "2026-11-02", one per day */
    const double *count, *fitted, *trend;
    const int *kind; /* 0 used, 1 gap, 2 spike, 3 low (cal_day_kind) */
} plt_calibrate;

/* Writes DIR/series/NAME-week.csv and NAME-days.csv. */
int plt_calibrate_write_data(const plt_calibrate *c, const char *dir, const char *name,
                             sim_err *err);

/* Writes the data and draws DIR/charts/NAME.png and .svg with the gnuplot
 * program at `gnuplot`. SIM_EINVAL for a chart without days. */
int plt_calibrate_draw(const plt_calibrate *c, const char *dir, const char *name,
                       const char *gnuplot, sim_err *err);

#endif
