/*
 * bench_run.c - the scenario benchmarks' shared run-and-time; see
 * bench_run.h.
 */
#include "bench_run.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_print_diag(scn_diag *diag)
{
    char buf[600];
    for (int i = 0; i < diag->count; i++)
        fprintf(stderr, "%s\n", scn_diag_format(&diag->items[i], buf, sizeof buf));
    scn_diag_fini(diag);
}

int bench_run_experiment(const char *name, const mdl_scenario *sc, int reps, int threads,
                         bench_run *out)
{
    *out = (bench_run){0};
    sim_experiment_cfg cfg = {.replications = reps, .threads = threads, .seed = sc->seed};
    sim_err err = {0};
    double t0 = bench_now_s();
    int rc = sim_experiment_run(&cfg, mdl_world_run, sc, &out->summary, &err);
    out->wall_s = bench_now_s() - t0;
    if (rc != SIM_OK) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        out->summary = NULL;
        return rc;
    }
    const sim_metric *ev = sim_summary_find(out->summary, "run.events");
    out->events_per_rep = ev ? ev->mean : 0.0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    out->user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    out->peak_mb = (double)ru.ru_maxrss / 1024.0;
    return SIM_OK;
}
