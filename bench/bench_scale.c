/*
 * bench_scale.c - how the model stack scales with the size of a landscape.
 *
 *   bench_scale [--flows N] [--days D] [--load X] [--reps R] [--threads T]
 *               [--seed S] [--write FILE] [--no-run] [--reference]
 *               [--shared-per-record]
 *
 * Generates an integration landscape of N flows from the seed, in groups of
 * eight around one ERP whose daily API quota they share (the realistic mix
 * of issue 14: 3/8 real-time, 3/8 event-driven with subscribers, 2/8
 * batch), writes it as a scenario (--write; `erpsim run FILE` runs it too),
 * runs R replications of D days at load X on T threads and prints the
 * events per replication, the cost per event, the wall time, events/s and
 * the peak resident memory (ru_maxrss, the whole process).
 *
 * The landscape is described in scenarios/scn_landscape.h.
 *
 * --reference runs the per-record reference paths instead of the fast
 * ones (mdl_scenario.reference), for comparing the two.
 * --shared-per-record leaves the components that hold REST batches and
 * reconciliations (every event component of the landscape) to the
 * calendar (MDL_REF_SHARED); the aggregate pass carries them by default
 * (--trial-shared, from when it did not, is accepted and changes
 * nothing). When the pass runs, the run.aggregate_*
 * metrics (means per replication) are printed too.
 */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_run.h"
#include "plt_buf.h"
#include "scn_landscape.h"
#include "sim_alloc.h"

typedef struct opts {
    int flows, days, reps, threads, run, reference, shared_per_record;
    double load;
    unsigned long long seed;
    const char *write;
} opts;

static void put(void *ctx, const char *text, size_t n)
{
    plt_buf_put(ctx, text, n);
}

/* The scenario text of the landscape (NULL: out of memory). */
static char *landscape(const opts *o)
{
    scn_landscape l = {.flows = o->flows,
                       .days = o->days,
                       .load = o->load,
                       .replications = o->reps,
                       .seed = o->seed};
    plt_buf b;
    plt_buf_init(&b);
    if (scn_landscape_write(&l, put, &b, NULL) != SIM_OK || plt_buf_status(&b, NULL) != SIM_OK) {
        plt_buf_fini(&b);
        return NULL;
    }
    return plt_buf_take(&b);
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--flows N] [--days D] [--load X] [--reps R] [--threads T]\n"
            "          [--seed S] [--write FILE] [--no-run] [--reference]\n"
            "          [--shared-per-record]\n",
            argv0);
    return 2;
}

/* A positive integer argument. */
static int int_arg(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1 || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse(int argc, char **argv, opts *o)
{
    *o = (opts){
        .flows = 100, .days = 7, .reps = 10, .threads = 1, .run = 1, .load = 3.0, .seed = 14};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "--no-run")) {
            o->run = 0;
            continue;
        }
        if (!strcmp(a, "--reference")) {
            o->reference = 1;
            continue;
        }
        if (!strcmp(a, "--shared-per-record")) {
            o->shared_per_record = 1;
            continue;
        }
        if (!strcmp(a, "--trial-shared")) /* the default now */
            continue;
        if (!v)
            return -1;
        if (!strcmp(a, "--flows"))
            bad = int_arg(v, &o->flows);
        else if (!strcmp(a, "--days"))
            bad = int_arg(v, &o->days);
        else if (!strcmp(a, "--reps"))
            bad = int_arg(v, &o->reps);
        else if (!strcmp(a, "--threads"))
            bad = int_arg(v, &o->threads);
        else if (!strcmp(a, "--seed"))
            o->seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--load"))
            bad = !((o->load = strtod(v, NULL)) > 0.0 && o->load <= 1000.0);
        else if (!strcmp(a, "--write"))
            o->write = v;
        else
            return -1;
        if (bad)
            return -1;
        i++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o;
    if (parse(argc, argv, &o) != 0)
        return usage(argv[0]);
    gsl_set_error_handler_off();
    char *text = landscape(&o);
    if (!text) {
        fprintf(stderr, "bench_scale: cannot generate the landscape\n");
        return 3;
    }
    if (o.write) {
        FILE *f = fopen(o.write, "w");
        if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
            fprintf(stderr, "bench_scale: cannot write %s\n", o.write);
            sim_free(text);
            return 3;
        }
    }
    if (!o.run) {
        sim_free(text);
        return 0;
    }
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    int rc = scn_load_string("bench_scale.yaml", text, strlen(text), NULL, &sc, &diag);
    sim_free(text);
    if (rc != SIM_OK) {
        bench_print_diag(&diag);
        return 3;
    }
    scn_diag_fini(&diag);
    sc.reference = (o.reference ? MDL_REF_ALL : 0) | (o.shared_per_record ? MDL_REF_SHARED : 0);

    bench_run r;
    if (bench_run_experiment("bench_scale", &sc, o.reps, o.threads, &r) != SIM_OK) {
        mdl_scenario_fini(&sc);
        return 3;
    }
    double wall = r.wall_s, cpu = r.user_s, per_rep = r.events_per_rep;
    printf("landscape           %d flows, %d systems, seed %llu%s\n", o.flows, sc.nsystems, o.seed,
           o.reference ? " (reference paths)" : "");
    printf("run                 %d d at %gx, %d replications on %d thread%s\n", o.days, o.load,
           o.reps, o.threads, o.threads > 1 ? "s" : "");
    printf("events/replication  %.0f\n", per_rep);
    printf("wall time           %.3f s (user CPU %.3f s)\n", wall, cpu);
    printf("ns/event            %.1f (CPU time / events)\n", cpu * 1e9 / (per_rep * o.reps));
    printf("events/s            %.2f million (wall)\n", per_rep * o.reps / wall / 1e6);
    printf("peak memory         %.1f MB (ru_maxrss)\n", r.peak_mb);
    /* the aggregate path's metrics, as the world publishes them */
    for (size_t i = 0; i < sim_summary_count(r.summary); i++) {
        const sim_metric *m = sim_summary_at(r.summary, i);
        if (!strncmp(m->name, "run.aggregate_", 14))
            printf("%-25s %.4g %s%s\n", m->name + 4, m->mean, m->unit,
                   strcmp(m->unit, "ratio") ? "/rep" : "");
    }
    sim_summary_destroy(r.summary);
    mdl_scenario_fini(&sc);
    return 0;
}
