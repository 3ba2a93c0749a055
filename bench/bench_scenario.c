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

#include "bench_run.h"

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    const char *path = argc > 1 ? argv[1] : NULL;
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    int rc = path ? scn_load_file(path, NULL, &sc, &diag) : scn_load_default(NULL, &sc, &diag);
    if (rc != SIM_OK) {
        bench_print_diag(&diag);
        return 2;
    }
    scn_diag_fini(&diag);
    int reps = argc > 2 ? atoi(argv[2]) : sc.replications;
    if (reps < 1)
        reps = 1;

    bench_run r;
    if (bench_run_experiment("bench_scenario", &sc, reps, 1, &r) != SIM_OK) {
        mdl_scenario_fini(&sc);
        return 3;
    }
    sim_summary *s = r.summary;
    double wall = r.wall_s;
    double events = r.events_per_rep * reps;
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
    printf("scenario            %s (%s)\n", sc.name ? sc.name : "?", path ? path : "default.yaml");
    printf("replications        %d on 1 thread, %.0f simulated days each\n", reps, days / reps);
    printf("events fired        %.0f\n", events);
    printf("wall time           %.3f s\n", wall);
    printf("events/s            %.2f million\n", events / wall / 1e6);
    printf("record changes      %.0f (%.2f million/s)\n", records, records / wall / 1e6);
    printf("simulated days/s    %.0f\n", days / wall);
    printf("peak memory         %.1f MB (ru_maxrss)\n", r.peak_mb);
    sim_summary_destroy(s);
    mdl_scenario_fini(&sc);
    return 0;
}
