/*
 * plt_charts.h - the standard charts of a run, drawn from a res_results.
 *
 *   quota     API quota use over time per system, with the limit and the
 *             70% line (the card's 30% headroom rule)
 *   latency   latency CDF per flow on a log time axis, with each SLO
 *   channels  event channels: delivery allocation use against the limit,
 *             backlog, and oldest-unread age against retention
 *   batch     batch run durations against the window, with the projection
 *             and its evidence (results/res_projection.h)
 *   cascade   caller pool and endpoint worker utilisation over time with
 *             breaker-open time shaded, and rejections stacked by reason
 * (the sixth, the comparison across variants, is plt_compare.h).
 *
 * Each chart picks its metrics by name pattern (e.g. every
 * "system.*.quota_use_series") and is skipped when none is present, so a
 * scenario without event flows simply has no channel chart. A chart draws
 * a bounded number of items (8 quota panels, 8 latency curves, 6
 * channels, 8 batch rows; in the cascade 8 pools or worker sets, 4
 * breakers and 12 flows' bars): with more, the most stressed by the
 * decision layer's evidence, ties by id, and its title says which it
 * shows of how many. Its data file keeps every item. The data of
 * chart NAME is written to DIR/series/NAME.csv (readable by any
 * spreadsheet, and what gnuplot reads), the chart to DIR/charts/NAME.png
 * (pngcairo, for slides) and DIR/charts/NAME.svg (for the HTML report).
 *
 * Besides the chart data, DIR/series/all.csv holds every series metric of
 * the run, whatever model produced it (one column per series; a series of
 * a different interval goes to all-2.csv, ...), and DIR/series/hists.csv
 * every histogram's bins, so a new series needs no change here to be
 * exported.
 */
#ifndef PLT_CHARTS_H
#define PLT_CHARTS_H

#include "res_results.h"
#include "sim_err.h"

typedef enum plt_chart_kind {
    PLT_CHART_QUOTA = 0,
    PLT_CHART_LATENCY,
    PLT_CHART_CHANNELS,
    PLT_CHART_BATCH,
    PLT_CHART_CASCADE,
    PLT_NCHARTS
} plt_chart_kind;

typedef struct plt_chart_info {
    const char *name;        /* file stem: "quota" */
    const char *title;       /* "API quota use over time" */
    const char *how_to_read; /* one paragraph for the report */
} plt_chart_info;

const plt_chart_info *plt_chart_info_of(plt_chart_kind k);

/* Bit k is set when chart k has data in r. */
unsigned plt_charts_available(const res_results *r);

/* Writes DIR/series/NAME.csv for every chart with data, series/all.csv
 * and series/hists.csv. Atomic per file. */
int plt_charts_write_data(const res_results *r, const char *dir, sim_err *err);

/* The gnuplot variables chart k is drawn with (what its template reads:
 * which items it draws, NOTE and OMITTED when not all), for tests and to
 * look at a chart's choice: *vars gets a sim_malloc'd text, NULL when the
 * chart has no data. SIM_ENOMEM, SIM_EINVAL for an unknown k. */
int plt_charts_vars(const res_results *r, plt_chart_kind k, const char *dir, char **vars,
                    sim_err *err);

/* Draws every chart with data into DIR/charts with the gnuplot program at
 * `gnuplot`, from the data files plt_charts_write_data wrote into DIR
 * (gnuplot reads them; they are not written again). Charts that gnuplot
 * fails on are reported through err (the first failure in chart order,
 * whichever gnuplot ended first) but do not stop the others. *drawn (may be NULL)
 * gets the bit set of charts drawn. The charts are drawn concurrently, at
 * most one gnuplot per core at a time (each chart's files its own, written
 * under temporary names and renamed when whole, as one at a time). */
int plt_charts_draw(const res_results *r, const char *dir, const char *gnuplot, unsigned *drawn,
                    sim_err *err);
/* The same with at most `jobs` gnuplot processes at once (0: one per
 * core; never more than the cores): a run's --threads. */
int plt_charts_draw_jobs(const res_results *r, const char *dir, const char *gnuplot, int jobs,
                         unsigned *drawn, sim_err *err);

#endif
