/*
 * plt_sweep.h - the chart of a sweep: each chosen metric against the
 * varied parameter, as lines with confidence-interval error bars, one
 * panel per metric.
 *
 * The x axis is one varied parameter (the first one with several values):
 * numeric when every value starts with a number ("1.5x", "8", "150k/day"
 * are placed at 1.5, 8, 150), else categorical (the values as tick labels,
 * evenly spaced). Every combination of the other varied parameters is one
 * line ("series") in each panel, in the Tableau colours of common.gp; the
 * error bar at a point is its 95% CI half-width (none with one
 * replication). Panels are laid out in up to three columns. Values are
 * shown in human units: a metric in seconds in the largest readable unit
 * (ms, s, min, h, d) for its panel, a share ("ratio", "share") in percent;
 * a metric's reference (its SLO, its limit) is a dashed red line.
 *
 * The data is also written as a long CSV (metric, unit, series, x, label,
 * mean, half_width) for spreadsheets: DIR/series/NAME.csv.
 */
#ifndef PLT_SWEEP_H
#define PLT_SWEEP_H

#include "sim_err.h"

typedef struct plt_sweep {
    const char *title;
    const char *xlabel;         /* the varied parameter, e.g. "load" */
    int npoints;                /* positions on the x axis, >= 1 */
    const double *x;            /* numeric position of each; NULL = categorical */
    const char *const *xlabels; /* the value text of each position, e.g. "1.5x" */
    int nseries;                /* lines per panel, >= 1 */
    const char *const *series;  /* their labels ("" or NULL when there is one) */
    int nmetrics;               /* panels, >= 1 */
    const char *const *metrics; /* panel titles, e.g. "F-001.latency_p99" */
    const char *const *units;   /* per metric, its unit ("s", "ratio", "records") */
    /* [(s * npoints + p) * nmetrics + m]: mean and CI half-width of metric m
     * at position p of series s; NaN mean = no point, NaN half-width = no
     * error bar. */
    const double *mean;
    const double *half_width;
    /* per metric, a reference drawn as a dashed red line across its panel
     * (its SLO, its limit) in the metric's unit, NaN = none, and its label;
     * both may be NULL */
    const double *ref;
    const char *const *ref_label;
} plt_sweep;

/* Writes DIR/series/NAME.csv (atomically). SIM_EINVAL for an empty sweep. */
int plt_sweep_write_data(const plt_sweep *s, const char *dir, const char *name, sim_err *err);

/* Writes the data and draws DIR/charts/NAME.png and .svg with the gnuplot
 * program at `gnuplot` (plt_gnuplot.h). */
int plt_sweep_draw(const plt_sweep *s, const char *dir, const char *name, const char *gnuplot,
                   sim_err *err);

#endif
