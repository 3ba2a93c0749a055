/*
 * out_dir.h - a results folder: every output of one run, written
 * atomically file by file (plots/plt_file.h).
 *
 *   DIR/summary.txt      the terminal summary (out_text.h)
 *   DIR/results.json     every metric, the scenario, the verdict (out_json.h)
 *   DIR/metrics.csv      one row per metric (out_csv.h)
 *   DIR/series/NAME.csv  the data of each chart, all.csv with every series,
 *                        hists.csv with every histogram (plt_charts.h)
 *   DIR/charts/NAME.png  the charts, for slides (pngcairo)
 *   DIR/charts/NAME.svg  the same as SVG, for the HTML report
 * The folder is created if missing. `erpsim plot --from DIR` and `erpsim
 * report --from DIR` read results.json back and redraw from it.
 */
#ifndef OUT_DIR_H
#define OUT_DIR_H

#include "cli_opts.h"
#include "plt_results.h"
#include "sim_result.h"
#include "verdict.h"

/* The results of a finished run as plain data: the summary's metrics, the
 * scenario's facts and its normalised YAML (with the origin of each value
 * when origins is not NULL). Prints the error and returns NULL on failure. */
plt_results *out_dir_results(const cli_opts *o, const mdl_scenario *sc, const scn_origins *origins,
                             const sim_summary *s);

/* Writes summary.txt, results.json, metrics.csv and the series into dir.
 * Prints the problem and returns CLI_EXIT_INTERNAL on failure, else 0. */
int out_dir_write(const cli_opts *o, const plt_results *r, const verdict *v, const char *dir);

/* Draws the charts into dir/charts (writing their data too). Returns 0;
 * CLI_EXIT_NO_CHARTS after printing why (gnuplot not found, or failing;
 * the data is written anyway); CLI_EXIT_INTERNAL if the data could not be
 * written. *drawn (may be NULL) gets the bit set of charts drawn. */
int out_dir_charts(const cli_opts *o, const plt_results *r, const char *dir, unsigned *drawn);

#endif
