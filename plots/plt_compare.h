/*
 * plt_compare.h - chart 6: headline metrics across variants, as grouped
 * bars with confidence-interval whiskers. Reused by the what-if commands
 * (compare, plan): any N variants x M metrics.
 *
 * Metrics are grouped by unit, one panel per unit. The bars are
 * horizontal: each metric is a row, labelled on the left (labels never
 * overlap, however many rows), each variant a bar of the row in the
 * variants' colours, with its value written at its end in human units.
 *   - A panel in seconds is drawn in the largest readable unit (ms, s,
 *     min, h, d: res_fmt's rules), so 250,000 s reads 2.9 d.
 *   - A panel whose positive values span more than 50:1 is drawn on a
 *     logarithmic axis, so a bar of 2% stays visible beside one of
 *     40,000%; a value of 0 is written "0" at the axis. A logarithmic
 *     panel of durations is ticked in durations ("100 ms", "1 s", "1 min",
 *     "10 h"), not in fractions of its largest unit.
 *   - Reference lines cross a panel at a value (e.g. 100% = the limit,
 *     70% = the card's headroom: a warning line, labelled on its left so
 *     that the two labels never meet), and a metric may have its own reference
 *     (e.g. its latency SLO), drawn as a red tick across its row.
 * The data is also written as a long CSV (metric, unit, variant, mean,
 * half_width) for spreadsheets.
 */
#ifndef PLT_COMPARE_H
#define PLT_COMPARE_H

#include "sim_err.h"

/* A line across every panel of the given unit. */
typedef struct plt_compare_line {
    const char *unit;  /* the panel's unit, e.g. "% of the limit at its peak" */
    double value;      /* in that unit */
    const char *label; /* e.g. "the limit" */
    int warn;          /* drawn in the warning colour (orange) instead of red */
} plt_compare_line;

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
    const double *ref;     /* per metric, its own reference (NaN = none); may be NULL */
    const char *ref_label; /* the key of those references, e.g. "SLO" */
    const plt_compare_line *lines;
    int nlines;
} plt_compare;

/* Writes DIR/series/NAME.csv. */
int plt_compare_write_data(const plt_compare *c, const char *dir, const char *name, sim_err *err);

/* Writes the data and draws DIR/charts/NAME.png and .svg with gnuplot at
 * path `gnuplot`. SIM_EINVAL for no variant or no metric. */
int plt_compare_draw(const plt_compare *c, const char *dir, const char *name, const char *gnuplot,
                     sim_err *err);

#endif
