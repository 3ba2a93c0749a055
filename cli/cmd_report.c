/*
 * cmd_report.c - `erpsim report`: the architecture-review report.
 *
 *   erpsim report [SCENARIO] [run options] [--out DIR]
 *       runs the scenario like `erpsim run --out DIR` (DIR defaults to
 *       report-<scenario name>), then writes DIR/report.html and
 *       DIR/report.md;
 *   erpsim report --from DIR [--out DIR2]
 *       the report of an existing results folder (results.json), without
 *       running again; written into DIR (or DIR2).
 * The HTML is self-contained (charts inlined as SVG); the Markdown twin
 * links the PNGs in charts/ beside it (cli/out_report.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "out_dir.h"
#include "out_report.h"
#include "out_text.h"
#include "plt_file.h"
#include "res_json.h"
#include "res_verdict.h"
#include "sim_alloc.h"

static const char report_usage[] =
    "usage: erpsim report [SCENARIO] [options]\n"
    "       erpsim report --from DIR [--out DIR2]\n"
    "\n"
    "Writes the architecture-review report: report.html (one self-contained file:\n"
    "charts inlined as SVG, no external assets, works offline) and report.md (its\n"
    "Markdown twin, with the PNG charts in charts/ beside it). The first form runs\n"
    "SCENARIO (default: the compiled-in scenario) like `erpsim run --out DIR` and\n"
    "takes the same options; DIR defaults to report-<scenario name>. The second\n"
    "form reports on an existing results folder without running again.\n"
    "\n"
    "options: --load X, --days N, --seed S, --reps R, --threads N, --set PATH=VALUE,\n"
    "  --out DIR, --no-charts, --no-faults, --fail-on-violation, --quiet,\n"
    "  --no-memory-check (see erpsim run --help)\n"
    "  --journal DIR (see erpsim run --help)\n"
    "\n"
    "exit codes: 0 ok, 1 violation (with --fail-on-violation), 2 bad input or\n"
    "            usage, 3 internal error, 4 report written but charts not drawn\n"
    "            (gnuplot missing or failing), 5 a file could not be written (disk\n"
    "            full, I/O error: the folder is left as it was)\n";

/* Loads DIR/results.json; prints the problem and returns NULL on failure. */
static res_results *read_results(const char *dir, int *code)
{
    char *path = plt_file_join(dir, "results.json");
    sim_err e;
    sim_err_clear(&e);
    res_results *r = path ? res_json_read(path, &e) : NULL;
    sim_free(path);
    if (!r) {
        if (e.line > 0)
            out_text_line(stderr, "%s:%d:%d: error: %s", e.file, e.line, e.column, e.msg);
        else
            out_text_line(stderr, "erpsim report: error: %s", e.msg[0] ? e.msg : "out of memory");
        *code = e.code == SIM_ENOMEM || !e.msg[0] ? CLI_EXIT_INTERNAL : CLI_EXIT_USAGE;
    }
    return r;
}

/* Runs the scenario, its results folder begun in f before the run;
 * returns its results. */
static res_results *run_scenario(cli_opts *o, char *outbuf, size_t n, plt_folder *f, int *code)
{
    mdl_scenario sc;
    scn_origins *origins = NULL;
    res_results *r = NULL;
    sim_summary *summary = NULL;
    if ((*code = cli_opts_load(o, &sc, &origins))) {
        scn_origins_destroy(origins);
        return NULL;
    }
    if (!o->out) {
        snprintf(outbuf, n, "report-%s", sc.name && sc.name[0] ? sc.name : "scenario");
        for (char *p = outbuf; *p; p++) /* a folder name, whatever the scenario is called */
            if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
                  (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
                *p = '-';
        o->out = outbuf;
    }
    if (!(*code = out_dir_begin(o, o->out, NULL, f)) &&
        !(*code = cli_opts_run(o, &sc, NULL, &summary)) &&
        !(r = out_dir_results(o, &sc, origins, summary)))
        *code = CLI_EXIT_INTERNAL;
    if (r && (*code = out_dir_variants(o, &sc, r))) {
        res_results_destroy(r);
        r = NULL;
    }
    sim_summary_destroy(summary);
    scn_origins_destroy(origins);
    mdl_scenario_fini(&sc);
    return r;
}

int cmd_report(int argc, char **argv)
{
    cli_opts o;
    int code = cli_opts_parse(&o, "report", &argc, argv, 1, report_usage);
    if (code)
        return code;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(report_usage, stdout);
            return 0;
        }
        out_text_line(stderr, "erpsim report: error: %s '%s'",
                      argv[i][0] == '-' ? "unknown option" : "more than one scenario:", argv[i]);
        fputs(report_usage, stderr);
        return CLI_EXIT_USAGE;
    }
    if (o.from && (o.scenario || o.nsets > 0)) {
        fprintf(stderr,
                "erpsim report: error: --from DIR reports on finished results; it takes "
                "no scenario and no run options\n%s",
                report_usage);
        return CLI_EXIT_USAGE;
    }
    char outbuf[256];
    plt_folder f = {0};
    res_results *r =
        o.from ? read_results(o.from, &code) : run_scenario(&o, outbuf, sizeof outbuf, &f, &code);
    if (!r) {
        plt_folder_fini(&f);
        return code;
    }
    /* dir is the folder named, f.tmp where it is built; --from in place:
     * the old folder but for its charts, which are drawn again or absent */
    const char *dir = o.out ? o.out : o.from;
    int in_place = o.from && (!o.out || out_dir_same(o.out, o.from));
    if (o.from && (code = out_dir_begin(&o, dir, in_place ? o.from : NULL, &f))) {
        res_results_destroy(r);
        return code;
    }
    res_verdict v = {0};
    char *html = NULL, *md = NULL;
    sim_err e;
    sim_err_clear(&e);
    if (res_verdict_compute(r, &v, &e) != SIM_OK) {
        out_text_line(stderr, "erpsim report: error: %s", e.msg);
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    if ((code = cli_opts_interrupted(&o))) /* writing starts here */
        goto done;
    if (!in_place) { /* a new folder: everything `run --out` writes */
        if ((code = out_dir_write(&o, r, &v, f.tmp)))
            goto done;
    }
    int charts = 0;
    unsigned drawn = 0;
    const char *note = NULL;
    if (o.no_charts)
        note = "Charts were not drawn (--no-charts); their data is in series/.";
    else if ((charts = out_dir_charts(&o, r, f.tmp, dir, !in_place, &drawn)) != 0 &&
             charts != CLI_EXIT_NO_CHARTS) {
        code = charts;
        goto done;
    } else if (charts == CLI_EXIT_NO_CHARTS)
        note = "Some charts could not be drawn (gnuplot missing or failing); their data is in "
               "series/.";
    if (!(html = out_report_html(r, &v, f.tmp, drawn, note, &e)) ||
        !(md = out_report_md(r, &v, drawn, note, &e)) ||
        plt_file_write(f.tmp, "report.html", html, strlen(html), &e) != SIM_OK ||
        plt_file_write(f.tmp, "report.md", md, strlen(md), &e) != SIM_OK) {
        out_text_line(stderr, "erpsim report: error: %s", e.msg);
        code = cli_opts_exit_code(e.code);
        goto done;
    }
    code = o.fail_on_violation && !v.holds ? CLI_EXIT_VIOLATION : charts;
    if ((code = out_dir_end(&o, &f, code)) == CLI_EXIT_IO)
        goto done;
    if (!o.quiet)
        printf("%s/report.html\n%s/report.md\n", dir, dir);
done:
    plt_folder_fini(&f); /* a folder not swapped in is removed */
    sim_free(html);
    sim_free(md);
    res_verdict_fini(&v);
    res_results_destroy(r);
    return code;
}
