/*
 * out_report.h - the architecture-review report of a run: one
 * self-contained HTML file and its Markdown twin.
 *
 * report.html: no external asset (fonts are the reader's system fonts,
 * styles are inline, charts are the SVG files inlined), so it works
 * offline, can be mailed as one file and printed. Sections: the scenario
 * and how it was run (version, seed, replications, load, horizon), the
 * overall verdict, what breaks first, the flow and limit tables, the
 * charts with a paragraph on how to read each, and the scenario as run
 * (the normalised YAML with every default and its origin).
 *
 * report.md: the same in GitHub-flavoured Markdown, with the charts as
 * the PNGs in charts/ beside it, to paste into a wiki or a review
 * document.
 */
#ifndef OUT_REPORT_H
#define OUT_REPORT_H

#include "res_results.h"
#include "res_verdict.h"
#include "sim_err.h"

/* The HTML text (sim_free it). Charts are read from dir/charts/NAME.svg
 * for every bit of `drawn` (plt_charts.h); a chart that is missing there
 * is left out with a note. NULL with err filled on no memory. */
char *out_report_html(const res_results *r, const res_verdict *v, const char *dir, unsigned drawn,
                      const char *charts_note, sim_err *err);

/* The Markdown text (sim_free it), linking charts/NAME.png for every bit
 * of `drawn`. */
char *out_report_md(const res_results *r, const res_verdict *v, unsigned drawn,
                    const char *charts_note, sim_err *err);

#endif
