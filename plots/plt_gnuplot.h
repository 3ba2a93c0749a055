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
 *
 * User text is inert. gnuplot reads the script as commands, and in a
 * double-quoted string it runs `backquoted` text as a shell command; a
 * line starting with @NAME or a word @NAME outside quotes expands the
 * macro NAME. Text from a scenario, a results.json or an argument (names,
 * descriptions, ids, metric names, --vary values, variant labels, titles,
 * the paths of the data and output files) reaches gnuplot in exactly two
 * ways, and neither is ever run or expanded:
 *   1. As a string literal written by plt_gnuplot_quote: in single quotes.
 *      Inside single quotes gnuplot does no backquote substitution, no
 *      macro expansion and no backslash escapes; the one special sequence
 *      is '' for a quote, and the literal ends at the first lone quote
 *      (gnuplot 5.4 manual, "Strings" and "Substitution"; checked with
 *      gnuplot 5.4.4: 'x`touch F`' does not create F, "x`touch F`" does).
 *      So doubling every quote is complete, provided the literal cannot
 *      be cut by the end of the command: a newline ends a command, so no
 *      control character is written raw (sim_text.h shows them as escapes,
 *      a newline as the two characters \n). What gnuplot holds is then the
 *      text itself, used only as a value: a title, a label, a tick mark,
 *      an argument of sprintf (never its format), a file name. The
 *      templates (plots/NAME.gp) never evaluate a string: no eval, no
 *      macros, no system(), no `load` of a variable, and common.gp turns
 *      enhanced text off, so ^ _ @ { } in a label are shown as typed.
 *   2. As data that gnuplot reads from a file or a datablock. Data lines
 *      are never commands (checked: a datablock line "@M" or one with
 *      backquotes stays text). The datablocks of plt_compare and
 *      plt_sweep hold numbers only; a label is an index into an array of
 *      literals (1.). The data files of plt_charts hold text only in their
 *      header row, which the templates skip, and in the flow column of
 *      series/rejections.csv; the templates take names from arrays of
 *      literals instead (columnhead and xtic(1) are not used). Every CSV
 *      field goes through plt_buf_csv_field: one line per record, a comma
 *      or quote only inside an RFC 4180 quoted field (which gnuplot's
 *      data reader takes as one field), so text never shifts a column.
 * A path is the one text that must reach gnuplot unchanged (an escaped
 * path names another file), so plt_gnuplot_draw refuses a folder whose
 * name has anything sim_text.h would escape (SIM_EINVAL); the commands
 * refuse such an --out before anything runs.
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

/* Appends a gnuplot string literal for s: single-quoted, every ' doubled,
 * and every character sim_text.h escapes shown as its escape (see above
 * for why this is complete). NULL is the empty literal ''. */
void plt_gnuplot_quote(plt_buf *b, const char *s);

/* Output formats of a chart. */
enum { PLT_PNG = 1, PLT_SVG = 2 };

/* Draws one chart: for each format in `formats`, the preamble (terminal and
 * output set here, then `vars`, the chart's variables), common.gp and the
 * template `tmpl`, into DIR/NAME.png and DIR/NAME.svg. width and height
 * are pixels (the SVG is scalable: the size sets its proportions and font
 * scale). Runs gnuplot once; SIM_EIO with gnuplot's first error line in
 * err if it fails, and then no output file is left behind. SIM_EINVAL when
 * dir or name has a character sim_text.h would escape. */
int plt_gnuplot_draw(const char *gnuplot, const char *dir, const char *name, const char *tmpl,
                     const char *vars, int width, int height, int formats, sim_err *err);

#endif
