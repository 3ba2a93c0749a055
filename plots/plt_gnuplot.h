/*
 * plt_gnuplot.h - gnuplot as an external program, and the chart templates.
 *
 * The templates are the files plots/NAME.gp, embedded into the binary at build
 * time (cmake/embed_dir.cmake generates the table below), so an installed
 * erpsim needs no data files. A chart is drawn by writing a script made of
 *   1. a preamble: the terminal (pngcairo for slides, svg for the report),
 *      the output file, and the chart's variables (data file, names,
 *      limits, axis scale) as gnuplot variables and arrays;
 *   2. common.gp: the shared look (colours, grid, fonts, key);
 *   3. the chart's template;
 * once per output format, and running `gnuplot SCRIPT` with posix_spawn.
 * Output files are written to temporary names and renamed only when
 * gnuplot succeeded (plt_file.h).
 *
 * gnuplot is looked up as $ERPSIM_GNUPLOT if that is set (a path; an empty
 * value means "no gnuplot", for tests), else as "gnuplot" in $PATH.
 *
 * gnuplot gets $ERPSIM_GNUPLOT_TIMEOUT seconds (a positive number; default
 * PLT_GNUPLOT_TIMEOUT_S) per chart; one still running then is killed and
 * the chart fails with SIM_EIO like any gnuplot error (exit code 4).
 */
#ifndef PLT_GNUPLOT_H
#define PLT_GNUPLOT_H

#include <stddef.h>

#include "plt_buf.h"
#include "sim_err.h"

#define PLT_GNUPLOT_TIMEOUT_S 60.0

/* The time gnuplot is given per chart, in seconds (see above). */
double plt_gnuplot_timeout(void);

/* Generated at build time from plots/NAME.gp: names are file names without
 * the folder ("quota.gp"); the table ends with {NULL, NULL}. */
struct plt_template {
    const char *name;
    const char *text;
};
extern const struct plt_template plt_templates[];
extern const int plt_ntemplates;

/* The text of template `name` ("quota.gp"), or NULL. */
const char *plt_gnuplot_template(const char *name);

/* Finds gnuplot (see above): copies its path into buf and returns buf, or
 * returns NULL when it is not installed. */
const char *plt_gnuplot_find(char *buf, size_t n);

/* Appends a gnuplot string literal for s: double-quoted, with '"' and '\'
 * escaped and control characters dropped. */
void plt_gnuplot_quote(plt_buf *b, const char *s);

/* Output formats of a chart. */
enum { PLT_PNG = 1, PLT_SVG = 2 };

/* Draws one chart: for each format in `formats`, the preamble (terminal and
 * output set here, then `vars`, the chart's variables), common.gp and the
 * template `tmpl`, into DIR/NAME.png and DIR/NAME.svg. width and height
 * are pixels (the SVG is scalable: the size sets its proportions and font
 * scale). Runs gnuplot once; SIM_EIO with gnuplot's first error line in
 * err if it fails, and then no output file is left behind. */
int plt_gnuplot_draw(const char *gnuplot, const char *dir, const char *name, const char *tmpl,
                     const char *vars, int width, int height, int formats, sim_err *err);

#endif
