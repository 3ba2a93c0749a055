/*
 * out_dir.c - writing a results folder; see out_dir.h.
 */
#include "out_dir.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "out_csv.h"
#include "out_text.h"
#include "plt_charts.h"
#include "plt_file.h"
#include "plt_gnuplot.h"
#include "res_json.h"
#include "scn_print.h"
#include "sim_alloc.h"

static int fail(const cli_opts *o, const sim_err *e)
{
    out_text_line(stderr, "erpsim %s: error: %s", o->cmd, e->msg);
    return cli_opts_exit_code(e->code);
}

int out_dir_begin(const cli_opts *o, const char *dir, const char *seed_from, plt_folder *f)
{
    sim_err e;
    sim_err_clear(&e);
    if (plt_folder_begin(f, dir, &e) != SIM_OK)
        return fail(o, &e);
    if (seed_from && plt_folder_seed(f, seed_from, &e) != SIM_OK) {
        plt_folder_fini(f);
        return fail(o, &e);
    }
    return 0;
}

int out_dir_same(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int out_dir_end(const cli_opts *o, plt_folder *f, int code)
{
    sim_err e;
    sim_err_clear(&e);
    /* Ctrl-C while the folder was being written: the old folder stays */
    int interrupted = cli_opts_interrupted(o);
    if (interrupted)
        code = interrupted;
    else if ((code == CLI_EXIT_OK || code == CLI_EXIT_VIOLATION || code == CLI_EXIT_NO_CHARTS) &&
             plt_folder_commit(f, &e) != SIM_OK) {
        out_text_line(stderr, "erpsim %s: error: %s; %s is as it was", o->cmd, e.msg, f->path);
        code = CLI_EXIT_IO;
    }
    plt_folder_fini(f); /* removes the staging folder when not swapped in */
    return code;
}

res_results *out_dir_results_of(const mdl_scenario *sc, const scn_origins *origins,
                                const char *label, const char *const *sets, int nsets,
                                const sim_summary *s, sim_err *e)
{
    char *yaml = scn_print_yaml(sc, origins, label, e);
    res_results *r = yaml ? res_results_create(e) : NULL;
    if (!r || res_results_set_scenario(r, sc, label, yaml, e) != SIM_OK ||
        res_results_set_overrides(r, sets, nsets, e) != SIM_OK ||
        res_results_add_summary(r, s, e) != SIM_OK) {
        if (!e->msg[0])
            sim_err_set(e, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        res_results_destroy(r);
        r = NULL;
    }
    sim_free(yaml);
    return r;
}

res_results *out_dir_results(const cli_opts *o, const mdl_scenario *sc, const scn_origins *origins,
                             const sim_summary *s)
{
    sim_err e;
    sim_err_clear(&e);
    res_results *r = out_dir_results_of(sc, origins, cli_opts_label(o), o->sets + o->user_sets,
                                        o->nsets - o->user_sets, s, &e);
    if (!r)
        fail(o, &e);
    return r;
}

int out_dir_variants(const cli_opts *o, const mdl_scenario *sc, res_results *r)
{
    int code = 0;
    for (int k = 0; k < sc->nvariants && !code; k++) {
        const mdl_variant_spec *var = &sc->variants[k];
        cli_opts ov = *o;
        if (ov.nsets + var->nset > CLI_MAX_SETS) {
            out_text_line(stderr, "erpsim %s: error: variant %s: too many overrides", o->cmd,
                          var->id);
            return CLI_EXIT_USAGE;
        }
        for (int i = 0; i < var->nset; i++)
            ov.sets[ov.nsets++] = var->set[i];
        mdl_scenario vs;
        sim_summary *summary = NULL;
        res_results *vr = NULL;
        res_verdict v = {0};
        sim_err e;
        sim_err_clear(&e);
        if ((code = cli_opts_load(&ov, &vs, NULL)))
            break;
        if (!(code = cli_opts_run(&ov, &vs, NULL, &summary))) {
            res_variant *x = NULL;
            if (!(vr = out_dir_results(&ov, &vs, NULL, summary)) ||
                res_verdict_compute(vr, &v, &e) != SIM_OK ||
                !(x = res_results_add_variant(r, var->id, var->description, v.nflows, &e)))
                code = e.msg[0] ? fail(o, &e) : CLI_EXIT_INTERNAL;
            else
                res_verdict_summarise(&v, x);
        }
        res_verdict_fini(&v);
        res_results_destroy(vr);
        sim_summary_destroy(summary);
        mdl_scenario_fini(&vs);
    }
    return code;
}

/* Writes text under name into dir; frees text. */
static int put(const cli_opts *o, const char *dir, const char *name, char *text, sim_err *e)
{
    if (!text)
        return fail(o, e);
    int rc = plt_file_write(dir, name, text, strlen(text), e);
    sim_free(text);
    return rc == SIM_OK ? 0 : fail(o, e);
}

typedef struct json_job {
    const res_results *r;
    const res_verdict *v;
} json_job;

static int fill_json(void *ctx, plt_file_out *out, sim_err *e)
{
    const json_job *j = ctx;
    return res_json_write(j->r, j->v, plt_file_put, out, e);
}

int out_dir_write(const cli_opts *o, const res_results *r, const res_verdict *v, const char *dir)
{
    sim_err e;
    sim_err_clear(&e);
    if (plt_file_mkdirs(dir, &e) != SIM_OK)
        return fail(o, &e);
    int code;
    if ((code = put(o, dir, "summary.txt", out_text_summary(r, v, &e), &e)))
        return code;
    /* results.json streamed: the largest output, hundreds of megabytes as
     * one text at 1,000 flows */
    json_job job = {r, v};
    if (plt_file_stream(dir, "results.json", fill_json, &job, &e) != SIM_OK)
        return fail(o, &e);
    if ((code = put(o, dir, "metrics.csv", out_csv_metrics(r, &e), &e)))
        return code;
    if (plt_charts_write_data(r, dir, &e) != SIM_OK)
        return fail(o, &e);
    return 0;
}

int out_dir_charts(const cli_opts *o, const res_results *r, const char *dir, const char *shown,
                   int data_written, unsigned *drawn)
{
    sim_err e;
    sim_err_clear(&e);
    char path[4096];
    if (drawn)
        *drawn = 0;
    /* the data first: a disk that refuses it is an I/O failure, a chart
     * that gnuplot does not draw (SIM_EIO too) only a missing chart */
    if (!data_written && plt_charts_write_data(r, dir, &e) != SIM_OK)
        return fail(o, &e);
    const char *gnuplot = plt_gnuplot_find(path, sizeof path);
    if (!gnuplot) {
        fprintf(stderr,
                "erpsim %s: gnuplot not found: charts not drawn (exit code 4). Their data is in "
                "%s/series; install gnuplot (Debian: apt-get install gnuplot-nox) and run "
                "`erpsim plot --from %s`.\n",
                o->cmd, shown, shown);
        return CLI_EXIT_NO_CHARTS;
    }
    /* concurrently: at most --threads gnuplots at once, one per core */
    int rc = plt_charts_draw_jobs(r, dir, gnuplot, o->threads, drawn, &e);
    if (rc == SIM_EIO) {
        out_text_line(stderr, "erpsim %s: %s: some charts not drawn (exit code 4)", o->cmd, e.msg);
        return CLI_EXIT_NO_CHARTS;
    }
    if (rc != SIM_OK)
        return fail(o, &e);
    return 0;
}
