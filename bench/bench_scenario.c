/*
 * bench_scenario.c - how fast the whole model stack runs a scenario.
 *
 *   bench_scenario [SCENARIO.yaml] [replications]
 *
 * Loads the scenario (default: the compiled-in default scenario), runs its
 * replications one after another on one thread (so the figure is per core),
 * and prints the events fired, the record changes created, the wall time,
 * events and records per second, simulated days per second and the peak
 * memory (ru_maxrss). A workshop what-if must
 * answer in well under a second: this is the number to watch.
 */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "mdl_world.h"
#include "scn_load.h"
#include "sim_experiment.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    const char *path = argc > 1 ? argv[1] : NULL;
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    int rc = path ? scn_load_file(path, NULL, &sc, &diag) : scn_load_default(NULL, &sc, &diag);
    if (rc != SIM_OK) {
        char buf[600];
        for (int i = 0; i < diag.count; i++)
            fprintf(stderr, "%s\n", scn_diag_format(&diag.items[i], buf, sizeof buf));
        scn_diag_fini(&diag);
        return 2;
    }
    scn_diag_fini(&diag);
    int reps = argc > 2 ? atoi(argv[2]) : sc.replications;
    if (reps < 1)
        reps = 1;

    sim_experiment_cfg cfg = {.replications = reps, .threads = 1, .seed = sc.seed};
    sim_summary *s = NULL;
    sim_err err = {0};
    double t0 = now_s();
    rc = sim_experiment_run(&cfg, mdl_world_run, &sc, &s, &err);
    double wall = now_s() - t0;
    if (rc != SIM_OK) {
        fprintf(stderr, "bench_scenario: %s\n", err.msg);
        mdl_scenario_fini(&sc);
        return 3;
    }
    const sim_metric *ev = sim_summary_find(s, "run.events");
    double events = ev ? ev->mean * reps : 0.0;
    double days = sim_time_to_seconds(sc.horizon) / 86400.0 * reps;
    /* Record changes created, every flow: batch flows pull their arrivals
     * without an event each, so events alone understate the work. */
    double records = 0.0;
    for (size_t i = 0; i < sim_summary_count(s); i++) {
        const sim_metric *m = sim_summary_at(s, i);
        size_t n = strlen(m->name);
        if (!strncmp(m->name, "flow.", 5) && n > 8 && !strcmp(m->name + n - 8, ".created"))
            records += m->mean * reps;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("scenario            %s (%s)\n", sc.name ? sc.name : "?", path ? path : "default.yaml");
    printf("replications        %d on 1 thread, %.0f simulated days each\n", reps, days / reps);
    printf("events fired        %.0f\n", events);
    printf("wall time           %.3f s\n", wall);
    printf("events/s            %.2f million\n", events / wall / 1e6);
    printf("record changes      %.0f (%.2f million/s)\n", records, records / wall / 1e6);
    printf("simulated days/s    %.0f\n", days / wall);
    printf("peak memory         %.1f MB (ru_maxrss)\n", (double)ru.ru_maxrss / 1024.0);
    sim_summary_destroy(s);
    mdl_scenario_fini(&sc);
    return 0;
}
