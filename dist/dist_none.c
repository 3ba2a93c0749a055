/*
 * dist_none.c - dist.h without MPI (ERPSIM_MPI off): one rank.
 */
#include <stdlib.h>

#include "dist.h"

int dist_init(int *argc, char ***argv, sim_err *err)
{
    (void)argc;
    (void)argv;
    /* Started by mpirun -np N with N > 1: without MPI each copy would run
     * the whole command and write the same files. */
    const char *n = getenv("OMPI_COMM_WORLD_SIZE");
    if (!n)
        n = getenv("PMI_SIZE");
    if (n && atoi(n) > 1)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "this erpsim is built without MPI: under mpirun each of the %d copies "
                           "would run the whole command (build with cmake -DERPSIM_MPI=ON, see "
                           "docs/scale-out.md)",
                           atoi(n));
    return SIM_OK;
}

int dist_rank(void)
{
    return 0;
}

int dist_size(void)
{
    return 1;
}

int dist_in_job(void)
{
    return 0;
}

int dist_experiment(const sim_experiment_cfg *cfg, uint64_t identity, sim_rep_watched_fn *fn,
                    const void *ctx, sim_summary **out, sim_err *err)
{
    (void)identity;
    return sim_experiment_run_watched(cfg, fn, ctx, out, err);
}

int dist_remote(uint64_t seed, int rep, sim_result *out, sim_err *err)
{
    (void)seed;
    (void)rep;
    (void)out;
    (void)err;
    return DIST_HERE;
}

int dist_finish(int code, int torn_down, const char *why)
{
    (void)torn_down;
    (void)why;
    return code;
}

int dist_quit_code(void)
{
    return -1;
}
