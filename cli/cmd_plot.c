/*
 * cmd_plot.c - `erpsim plot --from DIR`: redraw the charts of a results
 * folder from its results.json (after installing gnuplot, or after editing
 * a template), without running the simulation again.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "out_dir.h"
#include "out_text.h"
#include "plt_charts.h"
#include "plt_file.h"
#include "res_json.h"
#include "sim_alloc.h"

static const char plot_usage[] =
    "usage: erpsim plot --from DIR [--out DIR2] [--quiet]\n"
    "\n"
    "Redraws the charts of a results folder written by `erpsim run --out DIR`\n"
    "from DIR/results.json: DIR/series/*.csv (the data) and DIR/charts/*.png and\n"
    "*.svg (or into DIR2 with --out). Charts: quota (API quota use over time),\n"
    "latency (latency CDF per flow), channels (event channels), batch (batch runs\n"
    "against their window), cascade (pools, workers, breakers, rejections); a\n"
    "chart without data in the run is skipped.\n"
    "\n"
    "exit codes: 0 ok, 2 bad input or usage (no or malformed results.json),\n"
    "            3 internal error, 4 charts not drawn (gnuplot missing or failing;\n"
    "            they are absent, never the old ones), 5 a file could not be written\n"
    "            (disk full, I/O error: the folder is left as it was)\n";

int cmd_plot(int argc, char **argv)
{
    cli_opts o;
    int code = cli_opts_parse(&o, "plot", &argc, argv, 1, plot_usage);
    if (code)
        return code;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(plot_usage, stdout);
            return 0;
        }
        out_text_line(stderr, "erpsim plot: error: unknown option '%s'", argv[i]);
        fputs(plot_usage, stderr);
        return CLI_EXIT_USAGE;
    }
    if (!o.from || o.scenario) {
        fprintf(stderr, "erpsim plot: error: %s\n%s",
                o.scenario ? "plot takes no scenario: it redraws a results folder (--from DIR)"
                           : "--from DIR is required",
                plot_usage);
        return CLI_EXIT_USAGE;
    }
    if (o.no_charts) { /* plot's only work is the charts */
        fprintf(stderr,
                "erpsim plot: error: plot draws charts; --no-charts leaves it nothing to do\n%s",
                plot_usage);
        return CLI_EXIT_USAGE;
    }
    if (o.nsets > 0) { /* --load, --reps, --set...: they would be silently ignored */
        fprintf(stderr,
                "erpsim plot: error: plot redraws finished results; it takes no run options "
                "(--load, --days, --seed, --reps, --set)\n%s",
                plot_usage);
        return CLI_EXIT_USAGE;
    }
    char *path = plt_file_join(o.from, "results.json");
    if (!path) {
        fprintf(stderr, "erpsim plot: error: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    sim_err e;
    sim_err_clear(&e);
    res_results *r = res_json_read(path, &e);
    sim_free(path);
    if (!r) {
        if (e.line > 0)
            out_text_line(stderr, "%s:%d:%d: error: %s", e.file, e.line, e.column, e.msg);
        else
            out_text_line(stderr, "erpsim plot: error: %s", e.msg);
        return e.code == SIM_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_USAGE;
    }
    /* in place (no --out, or --out the same folder): the new folder is the
     * old one but for its charts, which are all drawn again or absent */
    const char *out = o.out ? o.out : o.from;
    int in_place = !o.out || out_dir_same(o.out, o.from);
    unsigned drawn = 0;
    plt_folder f = {0};
    if ((code = out_dir_begin(&o, out, in_place ? o.from : NULL, &f))) {
        res_results_destroy(r);
        return code;
    }
    code = out_dir_charts(&o, r, f.tmp, out, 0, &drawn);
    if (code == 0 || code == CLI_EXIT_NO_CHARTS)
        code = out_dir_end(&o, &f, code);
    plt_folder_fini(&f);
    if (code == 0 && !o.quiet) {
        int n = 0;
        for (int k = 0; k < PLT_NCHARTS; k++)
            if ((drawn >> k) & 1) {
                printf("%s%s/charts/%s.png", n ? " " : "", out, plt_chart_info_of(k)->name);
                n++;
            }
        if (n)
            printf(" (and .svg)\n");
        else
            printf("no chart has data in %s\n", o.from);
    }
    res_results_destroy(r);
    return code;
}
