/*
 * bench_run.h - what the scenario benchmarks share (bench_scale,
 * bench_scenario): print a scenario's load errors, and run an experiment
 * of a loaded scenario with its wall time, user CPU time and peak memory.
 *
 * Benchmark code, not library code: it prints to stderr on failure.
 */
#ifndef BENCH_RUN_H
#define BENCH_RUN_H

#include "mdl_world.h"
#include "scn_load.h"
#include "sim_experiment.h"

/* Seconds on the monotonic clock. */
double bench_now_s(void);

/* Prints each diagnostic of a failed load, file:line:column first, and
 * finalizes diag. */
void bench_print_diag(scn_diag *diag);

/* One timed experiment. */
typedef struct bench_run {
    sim_summary *summary;  /* the merged results (the caller destroys it) */
    double events_per_rep; /* the mean of run.events */
    double wall_s;         /* from the start of the experiment to its end */
    double user_s;         /* user CPU time of the whole process so far */
    double peak_mb;        /* ru_maxrss of the whole process, MB (2^20) */
} bench_run;

/* Runs reps replications of sc on threads threads from sc's seed and
 * measures them. On failure prints "NAME: why" and returns the status
 * (out->summary NULL). */
int bench_run_experiment(const char *name, const mdl_scenario *sc, int reps, int threads,
                         bench_run *out);

#endif
