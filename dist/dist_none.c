/*
 * dist_none.c - dist.h without MPI (ERPSIM_MPI off): one rank.
 */
#include "dist.h"

int dist_init(int *argc, char ***argv, sim_err *err)
{
    (void)argc;
    (void)argv;
    (void)err;
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

int dist_finish(int code, int torn_down)
{
    (void)torn_down;
    return code;
}

int dist_quit_code(void)
{
    return -1;
}
