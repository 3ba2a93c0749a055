/*
 * out_dir.h - a results folder: every output of one run, written
 * atomically file by file (plots/plt_file.h).
 *
 *   DIR/summary.txt      the terminal summary (out_text.h)
 *   DIR/results.json     every metric, the scenario, the verdict (res_json.h)
 *   DIR/metrics.csv      one row per metric (out_csv.h)
 *   DIR/series/NAME.csv  the data of each chart, all.csv with every series,
 *                        hists.csv with every histogram (plt_charts.h)
 *   DIR/charts/NAME.png  the charts, for slides (pngcairo)
 *   DIR/charts/NAME.svg  the same as SVG, for the HTML report
 *   DIR/.erpsim-results  the marker that says the folder is erpsim's
 * `erpsim plot --from DIR` and `erpsim report --from DIR` read results.json
 * back and redraw from it.
 *
 * Every command that writes a folder (run, report, plot, sweep, compare,
 * plan) builds it whole beside DIR and swaps it in at the end
 * (plots/plt_folder.h): out_dir_begin before the work, writing into
 * f.tmp, out_dir_end after it. DIR is then the old results complete or
 * the new ones complete.
 */
#ifndef OUT_DIR_H
#define OUT_DIR_H

#include "cli_opts.h"
#include "plt_folder.h"
#include "res_results.h"
#include "res_verdict.h"
#include "sim_result.h"

/* The results of a finished run as plain data: the summary's metrics, the
 * scenario's facts and its normalised YAML (with the origin of each value
 * when origins is not NULL). Prints the error and returns NULL on failure. */
res_results *out_dir_results(const cli_opts *o, const mdl_scenario *sc, const scn_origins *origins,
                             const sim_summary *s);

/* The same without printing, for a caller with its own label and user
 * overrides (sets[0..nsets), kept so the run can be reproduced): NULL with
 * e filled on failure. */
res_results *out_dir_results_of(const mdl_scenario *sc, const scn_origins *origins,
                                const char *label, const char *const *sets, int nsets,
                                const sim_summary *s, sim_err *e);

/* Starts the results folder dir: refuses an unusable one (a file, a folder
 * erpsim did not write, no permission) before anything runs, and creates
 * its staging folder f->tmp; with seed_from (may be NULL), copies that
 * folder into it but for its charts (redrawing in place). Prints the
 * problem and returns its exit code (2, 3 or 5), else 0. */
int out_dir_begin(const cli_opts *o, const char *dir, const char *seed_from, plt_folder *f);

/* 1 when the folders a and b are the same folder (both exist). */
int out_dir_same(const char *a, const char *b);

/* Ends the folder: when code is 0, 1 or 4 (the results are written, charts
 * perhaps not), swaps the new folder in; otherwise, or when the swap fails
 * (then exit 5, after a message), or after Ctrl-C or SIGTERM (then 130 or
 * 143, cli_opts_interrupted), leaves the old folder as it was. Frees f.
 * Returns the command's exit code. */
int out_dir_end(const cli_opts *o, plt_folder *f, int code);

/* Runs every variant of the scenario (its overrides on top of the user's,
 * the same seed: common random numbers) and keeps each one's verdict and
 * flow figures in r (res_results_add_variant), so that summary.txt,
 * results.json and the report show them. Prints the problem and returns
 * its exit code on failure, else 0. */
int out_dir_variants(const cli_opts *o, const mdl_scenario *sc, res_results *r);

/* Writes summary.txt, results.json, metrics.csv and the series into dir.
 * Prints the problem and returns its exit code on failure (5 when the disk
 * refused, 3 on no memory), else 0. */
int out_dir_write(const cli_opts *o, const res_results *r, const res_verdict *v, const char *dir);

/* Draws the charts into dir/charts, after writing their data unless
 * data_written (out_dir_write wrote it); messages name the folder as shown
 * (the folder the user named, dir being its staging folder). Returns 0; CLI_EXIT_NO_CHARTS after
 * printing why (gnuplot not found, or failing: those charts are absent, the data is written); the
 * exit code of the failure if the data could not be written. *drawn (may be NULL) gets the bit set
 * of charts drawn. */
int out_dir_charts(const cli_opts *o, const res_results *r, const char *dir, const char *shown,
                   int data_written, unsigned *drawn);

#endif
