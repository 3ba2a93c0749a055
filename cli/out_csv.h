/*
 * out_csv.h - metrics.csv: one row per metric of the run, whatever model
 * produced it, for spreadsheets and scripts.
 *
 *   metric,kind,unit,mean,half_width,replications,min,max,count,p50,p95,p99
 *
 *   scalar  mean over the replications and its CI half-width; min and max
 *           of the per-replication values
 *   hist    the merged histogram: exact mean/min/max, count of
 *           observations, p50/p95/p99
 *   series  the time average of the mean series, its smallest value and
 *           the largest value any replication reached
 * An empty field is a value that does not apply or does not exist (NaN).
 * The time series themselves are in the series folder (plots/plt_charts.h).
 */
#ifndef OUT_CSV_H
#define OUT_CSV_H

#include "res_results.h"
#include "sim_err.h"

/* The metrics.csv text (sim_free it), or NULL with err filled. */
char *out_csv_metrics(const res_results *r, sim_err *err);

#endif
