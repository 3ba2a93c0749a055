/*
 * plt_compare.h - chart 6: headline metrics across variants, as grouped
 * bars with confidence-interval whiskers. Reused by the what-if commands
 * (sweep, compare, plan, advise): any N variants x M metrics.
 *
 * Metrics are grouped by unit, one panel per unit (bars side by side share
 * an axis); in a panel each group of bars is a metric and each bar a
 * variant, in the variants' colours. The data is also written as a long
 * CSV (metric, unit, variant, mean, half_width) for spreadsheets.
 */
#ifndef PLT_COMPARE_H
#define PLT_COMPARE_H

#include "sim_err.h"

typedef struct plt_compare {
    const char *title;
    int nvariants;
    const char *const *variants; /* labels, e.g. "realtime", "load 2x" */
    int nmetrics;
    const char *const *metrics; /* labels, e.g. "F-001 latency p99" */
    const char *const *units;   /* per metric, e.g. "s", "records" */
    /* [v * nmetrics + m]: mean and CI half-width of metric m in variant v;
     * NaN mean = no bar, NaN half-width = no whisker. */
    const double *mean;
    const double *half_width;
} plt_compare;

/* Writes DIR/series/NAME.csv. */
int plt_compare_write_data(const plt_compare *c, const char *dir, const char *name, sim_err *err);

/* Writes the data and draws DIR/charts/NAME.png and .svg with gnuplot at
 * path `gnuplot`. SIM_EINVAL for no variant or no metric. */
int plt_compare_draw(const plt_compare *c, const char *dir, const char *name, const char *gnuplot,
                     sim_err *err);

#endif
