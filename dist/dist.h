/*
 * dist.h - experiments spread over the ranks of an MPI job (`mpirun -np N
 * erpsim ...`), with output byte-identical to a single process.
 *
 * SPMD. Every rank runs the same command with the same arguments, so every
 * rank reaches the same experiments in the same order (a sweep's points,
 * plan's search steps). Within an experiment, rank 0 runs sim_experiment
 * with its own threads plus one proxy thread per thread of every other
 * rank: a proxy hands its replication to "its" remote thread and waits for
 * the packed result (sim_pack.h). The pool takes the next replication as
 * soon as a thread, local or proxy, is free: the distribution is dynamic,
 * a slow rank simply finishes fewer replications. Rank 0 merges in
 * replication order (sim_experiment.h) and sends every merged result, in
 * that order, to the other ranks, which merge them too: every rank ends
 * with the same summary, bit for bit, and carries on with the command.
 * Only rank 0 writes (cli/ silences the others); the summary cannot
 * depend on the ranks or threads because the merge sees the same results
 * in the same order wherever they were computed.
 *
 * Without MPI (ERPSIM_MPI off, or not started by mpirun) there is one rank
 * and dist_experiment is sim_experiment_run_watched.
 *
 * Failure. A rank that dies ends the whole job (mpirun's default); the
 * results merged so far are in the --journal if one is kept. Ranks that
 * stop reaching the same experiments (a bug) are caught and reported.
 *
 * Library code: nothing is printed, nothing exits; cli/ does both.
 */
#ifndef DIST_H
#define DIST_H

#include "sim_err.h"
#include "sim_experiment.h"

/* Joins the MPI job when the process was started by mpirun (or srun):
 * otherwise, and in a build without MPI, the process is rank 0 of 1.
 * SIM_EINVAL with a message when MPI cannot run the threads this needs. */
int dist_init(int *argc, char ***argv, sim_err *err);

int dist_rank(void);   /* 0 .. dist_size() - 1 */
int dist_size(void);   /* 1 without MPI */
int dist_in_job(void); /* 1 in an MPI job, even of one rank (mpirun -np 1) */

/* Runs an experiment over every rank; called by every rank with the same
 * configuration (SPMD). identity is what the replications compute (a hash
 * of the scenario, seed and replications): a rank whose identity differs
 * from rank 0's (its scenario file is another) fails the experiment with
 * SIM_EINVAL rather than mix its results in. fn runs a replication
 * wherever it is computed: on rank 0 it may call dist_remote to have
 * another rank compute it. The outcome, summary and error are those of
 * sim_experiment_run_watched, on every rank. SIM_ECANCELED also once rank
 * 0 has quit (dist_quit_code). */
int dist_experiment(const sim_experiment_cfg *cfg, uint64_t identity, sim_rep_watched_fn *fn,
                    const void *ctx, sim_summary **out, sim_err *err);

/* Inside fn on rank 0: when the calling thread stands for a thread of
 * another rank, has replication rep computed there into out and returns
 * its status (err filled on failure); otherwise returns DIST_HERE and fn
 * computes it itself. */
#define DIST_HERE 1
int dist_remote(uint64_t seed, int rep, sim_result *out, sim_err *err);

/* Ends the job: rank 0 tells every other rank to exit with code; another
 * rank waits for rank 0's word. Returns the code the process exits with:
 * rank 0's on every rank. torn_down: the job is being stopped by a signal
 * (mpirun passes Ctrl-C on as SIGTERM, then sends SIGKILL a second later):
 * the rank leaves at once, without the MPI_Finalize that would wait for a
 * launcher that no longer answers. why: on a rank other than 0 that ends
 * its command before rank 0 does, what it said last (its error; only rank
 * 0 prints), which rank 0 quotes when it reports the rank gone; NULL or ""
 * for nothing. At most DIST_WHY_MAX - 1 bytes of it are sent. */
#define DIST_WHY_MAX 256
int dist_finish(int code, int torn_down, const char *why);

/* The exit code rank 0 quit with, once it did (another rank learns it
 * while waiting in dist_experiment); -1 before. */
int dist_quit_code(void);

#endif
