/*
 * cmd_run.c - `erpsim run`: simulate a scenario and show what breaks first.
 *
 *   erpsim run [SCENARIO] [--load 3x] [--days N] [--seed S] [--reps R]
 *              [--threads N] [--set PATH=VALUE]... [--out DIR]
 *              [--format text|json|csv] [--quiet] [--no-charts]
 *              [--fail-on-violation] [--trace-out DIR]
 *
 * Steps: load and validate the scenario with the overrides (problems:
 * exit 2, nothing written), run the replications (progress bar on a
 * terminal), run each of the scenario's `variants:` with the same seed
 * (--no-variants skips them), compute the verdict, write the results
 * folder when --out is given (charts unless --no-charts), then print the
 * summary (or the JSON, or metrics.csv) on stdout. The variants' verdicts
 * and headline figures are part of the results: in the summary,
 * results.json and the report.
 * --trace-out DIR writes each flow's simulated arrivals of replication 1
 * as a timestamp log (cli/out_trace.h), for `erpsim calibrate`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "dist.h"
#include "out_csv.h"
#include "out_dir.h"
#include "out_text.h"
#include "out_trace.h"
#include "plt_charts.h"
#include "res_fmt.h"
#include "res_json.h"
#include "res_verdict.h"
#include "sim_alloc.h"

static const char run_usage[] =
    "usage: erpsim run [SCENARIO] [options]\n"
    "\n"
    "Simulates SCENARIO (without it: the compiled-in default scenario) with\n"
    "replications in parallel, and prints what breaks first, a verdict per flow\n"
    "(latency SLO at p99 with its 95% confidence interval) and per limit (peak\n"
    "use, headroom against the card's 30% rule, when it ran out).\n"
    "\n"
    "options:\n"
    "  --load X           load multiplier, e.g. 3x (default: the scenario's)\n"
    "  --days N           horizon in days, 1 to " SCN_HORIZON_MAX_DAYS_TEXT " (default: the\n"
    "                     scenario's)\n"
    "  --seed S           base seed of every random stream (default: the scenario's)\n"
    "  --reps R           replications (default: the scenario's)\n"
    "  --threads N        worker threads (default: one per core); results do not\n"
    "                     depend on it\n"
    "  --set PATH=VALUE   override any scenario value, e.g.\n"
    "                     systems.erp.api.daily_limit=200k (repeatable)\n"
    "  --out DIR          write summary.txt, results.json, metrics.csv, series/*.csv\n"
    "                     and charts/*.png|svg into DIR (built beside it and swapped\n"
    "                     in whole; a folder erpsim did not write is refused)\n"
    "  --format F         stdout: text (the summary, default), json (results.json)\n"
    "                     or csv (metrics.csv)\n"
    "  --no-charts        with --out: write the chart data but do not run gnuplot\n"
    "  --no-faults        inject none of the scenario's faults (each is kept, read\n"
    "                     with enabled: false, so variants can still name it)\n"
    "  --fail-on-violation  exit 1 when the verdict fails: an SLO missed, a flow not\n"
    "                     delivering its records, a limit running out, a batch\n"
    "                     overrunning its window\n"
    "  --quiet            print nothing but errors\n"
    "  --no-memory-check  run even when the run is estimated not to fit in memory\n"
    "                     (it is refused, exit 2, and the estimate shown)\n"
    "  --journal DIR      keep each finished replication in DIR; the same command\n"
    "                     again resumes from it, to the same output (docs/scale-out.md)\n"
    "  --no-variants      do not run the scenario's variants (by default each one\n"
    "                     is run with the same seed and its flows are shown below\n"
    "                     the summary)\n"
    "  --trace-out DIR    write each flow's simulated arrivals (replication 1) to\n"
    "                     DIR/<flow>.csv, the timestamp log erpsim calibrate reads\n"
    "                     (a folder of its own, replaced whole like --out)\n"
    "  --help             print this help\n"
    "\n"
    "exit codes: 0 ok, 1 violation (with --fail-on-violation), 2 bad input or\n"
    "            usage (also an --out that is a file or a folder erpsim did not\n"
    "            write, or a run that would not fit in memory), 3 internal\n"
    "            error, 4 results written but charts not drawn (gnuplot missing\n"
    "            or failing), 5 a file could not be written (disk full, I/O\n"
    "            error: the --out folder is left as it was), 130 interrupted by\n"
    "            Ctrl-C (143 by SIGTERM)\n";

/* Takes --trace-out DIR (or =DIR) out of argv, before the common options
 * would take DIR for the scenario. Returns 0, or 2 when DIR is missing. */
static int take_trace_out(int *argc, char **argv, const char **dir)
{
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        int missing = 0;
        const char *v = cli_opt_value("--trace-out", *argc, argv, &i, &missing);
        if (missing || (v && !v[0]))
            return cli_usage_error("run", run_usage, "--trace-out takes a folder", NULL);
        if (v)
            *dir = v;
        else
            argv[kept++] = argv[i];
    }
    *argc = kept;
    return 0;
}

/* res_json_write's sink into a FILE; keeps the errno of a failed write */
typedef struct file_sink {
    FILE *f;
    int error;
} file_sink;

static int to_file(void *ctx, const char *data, size_t len)
{
    file_sink *fs = ctx;
    errno = 0;
    if (fwrite(data, 1, len, fs->f) == len)
        return 0;
    fs->error = errno ? errno : EIO;
    return -1;
}

/* --format json: streamed into a temporary file, so that the JSON is never
 * held whole in memory (at 1,000 flows it is hundreds of megabytes as a
 * tree), then copied to stdout, so that a failure on the way (out of
 * memory, a full disk) prints nothing rather than half a document. A
 * failed stdout is main's to report, as for the other formats (exit 5). */
static int json_to_stdout(const res_results *r, const res_verdict *v, sim_err *e)
{
    const char *dir;
    file_sink fs = {.f = cli_temp_file(&dir)};
    if (!fs.f) { /* no temporary file: built in memory instead */
        char *text = res_json_text(r, v, e);
        if (!text)
            return SIM_ENOMEM;
        fputs(text, stdout);
        sim_free(text);
        return SIM_OK;
    }
    int rc = res_json_write(r, v, to_file, &fs, e);
    errno = 0;
    if (rc == SIM_OK && (fflush(fs.f) != 0 || fseek(fs.f, 0, SEEK_SET) != 0)) {
        fs.error = errno ? errno : EIO;
        rc = SIM_EIO;
    }
    if (rc == SIM_EIO)
        sim_err_set(e, SIM_EIO, NULL, 0, 0, "cannot write the JSON to a temporary file in %s: %s",
                    dir, strerror(fs.error));
    char buf[65536];
    for (size_t n; rc == SIM_OK && (n = fread(buf, 1, sizeof buf, fs.f)) > 0;)
        fwrite(buf, 1, n, stdout);
    if (rc == SIM_OK && ferror(fs.f))
        rc = sim_err_set(e, SIM_EIO, NULL, 0, 0, "cannot read the JSON back from %s", dir);
    fclose(fs.f);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    cli_opts o;
    const char *trace_out = NULL;
    int code = take_trace_out(&argc, argv, &trace_out);
    if (code)
        return code;
    code = cli_opts_parse(&o, "run", &argc, argv, 0, run_usage);
    if (code)
        return code;
    if (dist_rank() > 0) /* rank 0 alone writes (dist.h) */
        trace_out = NULL;
    int no_variants = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-variants")) {
            no_variants = 1;
            continue;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(run_usage, stdout);
            return 0;
        }
        out_text_line(stderr, "erpsim run: error: %s '%s'",
                      argv[i][0] == '-' ? "unknown option" : "more than one scenario:", argv[i]);
        fputs(run_usage, stderr);
        return CLI_EXIT_USAGE;
    }

    mdl_scenario sc;
    scn_origins *origins = NULL;
    if ((code = cli_opts_load(&o, &sc, &origins))) {
        scn_origins_destroy(origins);
        return code;
    }
    sim_summary *summary = NULL;
    res_results *r = NULL;
    res_verdict v = {0};
    char *text = NULL;
    plt_folder f = {0}, tf = {0};
    if (trace_out && o.out && (!strcmp(trace_out, o.out) || out_dir_same(trace_out, o.out))) {
        out_text_line(stderr,
                      "erpsim run: error: --trace-out %s is the --out folder: give the "
                      "traces a folder of their own",
                      trace_out);
        code = CLI_EXIT_USAGE;
        goto done;
    }
    if (o.out && (code = out_dir_begin(&o, o.out, NULL, &f))) /* before the run */
        goto done;
    if (trace_out && (code = out_dir_begin(&o, trace_out, NULL, &tf)))
        goto done;
    if ((code = cli_opts_run(&o, &sc, NULL, &summary)))
        goto done;
    if (!(r = out_dir_results(&o, &sc, origins, summary))) {
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    sim_summary_destroy(summary);
    summary = NULL;
    if (sc.nvariants > 0 && !no_variants && (code = out_dir_variants(&o, &sc, r)))
        goto done;
    sim_err e;
    sim_err_clear(&e);
    if (res_verdict_compute(r, &v, &e) != SIM_OK) {
        out_text_line(stderr, "erpsim run: error: %s", e.msg);
        code = CLI_EXIT_INTERNAL;
        goto done;
    }
    if ((code = cli_opts_interrupted(&o))) /* writing starts here */
        goto done;
    if (trace_out && out_trace_write(&sc, sc.seed, tf.tmp, &e) != SIM_OK) {
        out_text_line(stderr, "erpsim run: error: --trace-out %s: %s", trace_out, e.msg);
        code = cli_opts_exit_code(e.code);
        goto done;
    }
    int charts = 0;
    unsigned drawn = 0;
    if (o.out) {
        if ((code = out_dir_write(&o, r, &v, f.tmp)))
            goto done;
        if (!o.no_charts)
            charts = out_dir_charts(&o, r, f.tmp, o.out, 1, &drawn);
        if (charts != 0 && charts != CLI_EXIT_NO_CHARTS) {
            code = charts;
            goto done;
        }
        if ((code = out_dir_end(&o, &f, charts)) != charts) /* the folder swapped in */
            goto done;
    }
    if (trace_out && (code = out_dir_end(&o, &tf, 0)) != 0)
        goto done;
    if (!o.quiet && dist_rank() == 0) { /* the other ranks print nothing (dist.h) */
        int rc = SIM_OK;
        switch (o.format) {
        case CLI_FORMAT_TEXT:
            text = out_text_summary(r, &v, &e);
            break;
        case CLI_FORMAT_JSON: /* streamed, as results.json is: never held whole */
            rc = json_to_stdout(r, &v, &e);
            break;
        case CLI_FORMAT_CSV:
            text = out_csv_metrics(r, &e);
            break;
        }
        if (rc != SIM_OK || (!text && o.format != CLI_FORMAT_JSON)) {
            out_text_line(stderr, "erpsim run: error: %s", e.msg);
            code = rc == SIM_EIO ? CLI_EXIT_IO : CLI_EXIT_INTERNAL;
            goto done;
        }
        if (text)
            fputs(text, stdout);
        if (o.out && o.format == CLI_FORMAT_TEXT) {
            int n = 0;
            for (int k = 0; k < PLT_NCHARTS; k++)
                n += (drawn >> k) & 1;
            printf("\nResults in %s/: summary.txt results.json metrics.csv series/", o.out);
            if (n > 0)
                printf(" charts/ (%d chart%s)", n, n == 1 ? "" : "s");
            printf("\n");
        }
        fflush(stdout);
    }
    code = o.fail_on_violation && !v.holds ? CLI_EXIT_VIOLATION : charts;
done:
    plt_folder_fini(&f); /* a folder not swapped in is removed */
    plt_folder_fini(&tf);
    sim_free(text);
    res_verdict_fini(&v);
    res_results_destroy(r);
    sim_summary_destroy(summary);
    scn_origins_destroy(origins);
    mdl_scenario_fini(&sc);
    return code;
}
