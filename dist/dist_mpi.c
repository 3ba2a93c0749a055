/*
 * dist_mpi.c - dist.h over MPI (ERPSIM_MPI on). The only file that
 * includes mpi.h.
 *
 * Messages (MPI_BYTE, packed with sim_pack.h) on MPI_COMM_WORLD:
 *   rank k -> 0, TAG_CONTROL   HELLO(seq, threads) at the start of each
 *                              experiment; GONE(seq, why) when k's command
 *                              ended (why: what k said last, e.g. its error)
 *   0 -> rank k, TAG_MAIN      MERGED(seq, rep, result) in replication
 *                              order, END(seq, status, message), QUIT(code)
 *   0 -> k, TAG_THREAD + j     WORK(seq, rep, seed) for k's thread j, or
 *                              STOP (rep -1) once the experiment is over
 *   k -> 0, TAG_THREAD + j     RESULT(seq, rep, status, message, result)
 * One tag per receiving thread, so no two threads ever probe for the same
 * (source, tag) and MPI's non-overtaking rule keeps each stream in order:
 * a rank sees every MERGED before the END that follows it.
 *
 * Waiting is polling (MPI_Iprobe, then a sleep) rather than a
 * blocking receive: OpenMPI's blocking calls spin a core, which the
 * replications on the same machine need, and a poll can notice Ctrl-C.
 *
 * Rank 0 sends a remote thread one replication at a time and always takes
 * its result back before the experiment ends (the drain after the run),
 * so a large result's rendezvous send on the other side never waits for a
 * receive that will not come.
 */
#include <mpi.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dist.h"
#include "sim_alloc.h"
#include "sim_pack.h"

enum { TAG_CONTROL = 1, TAG_MAIN = 2, TAG_THREAD = 100 };
enum { MSG_HELLO = 1, MSG_GONE, MSG_MERGED, MSG_END, MSG_QUIT };
/* Polling backs off from 20 us to 2 ms while nothing comes: a reply to
 * a quick exchange is taken at once, and a rank waiting out a long
 * replication wakes 500 times a second, well under 1% of a core. */
#define POLL_MIN_NS 20000L
#define POLL_MAX_NS 2000000L

static int my_rank, nranks = 1;
static int joined;      /* MPI_Init_thread was called: MPI_Finalize is owed */
static int experiments; /* started so far: the same sequence on every rank */
static atomic_int quit_code = -1;

static void nap(long *ns)
{
    struct timespec ts = {0, *ns};
    nanosleep(&ts, NULL);
    *ns = *ns * 2 > POLL_MAX_NS ? POLL_MAX_NS : *ns * 2;
}

/* ---- messages ------------------------------------------------------------ */

typedef int stop_fn(void *ctx);

/* Receives the next message from source with tag into *data (sim_free it)
 * and *len. Returns 1, or 0 when stop said so before one came. */
static int poll_recv(int source, int tag, unsigned char **data, size_t *len, stop_fn *stop,
                     void *ctx)
{
    long wait_ns = POLL_MIN_NS;
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(source, tag, MPI_COMM_WORLD, &flag, &st);
        if (flag) {
            int n = 0;
            MPI_Get_count(&st, MPI_BYTE, &n);
            *data = sim_malloc(n > 0 ? (size_t)n : 1);
            if (!*data) /* out of memory: MPI_ERRORS_ARE_FATAL ends the job anyway */
                MPI_Abort(MPI_COMM_WORLD, 3);
            MPI_Recv(*data, n, MPI_BYTE, source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            *len = (size_t)n;
            return 1;
        }
        if (stop && stop(ctx))
            return 0;
        nap(&wait_ns);
    }
}

static int send_pack(const sim_pack *p, int dest, int tag, sim_err *err)
{
    if (p->failed || p->len > (size_t)INT32_MAX)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0,
                           "cannot pack a message for rank %d (out of memory or over 2 GB)", dest);
    MPI_Send(p->data, (int)p->len, MPI_BYTE, dest, tag, MPI_COMM_WORLD);
    return SIM_OK;
}

/* Sends a short message of 64-bit words. */
static void send_words(int dest, int tag, const uint64_t *w, int n)
{
    sim_pack p;
    sim_pack_init(&p);
    for (int i = 0; i < n; i++)
        sim_pack_u64(&p, w[i]);
    send_pack(&p, dest, tag, NULL);
    sim_pack_fini(&p);
}

/* ---- set-up and end ------------------------------------------------------ */

int dist_init(int *argc, char ***argv, sim_err *err)
{
    /* Only a process that mpirun, orterun or srun started joins a job:
     * alone, erpsim does not touch MPI at all. */
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_SIZE"))
        return SIM_OK;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "MPI_Init_thread failed");
    joined = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    if (provided < MPI_THREAD_MULTIPLE) {
        MPI_Finalize();
        joined = 0;
        my_rank = 0;
        nranks = 1;
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "this MPI library does not support MPI_THREAD_MULTIPLE, which erpsim "
                           "needs (replications run on threads that talk to other ranks)");
    }
    return SIM_OK;
}

int dist_rank(void)
{
    return my_rank;
}

int dist_size(void)
{
    return nranks;
}

int dist_in_job(void)
{
    return joined;
}

int dist_quit_code(void)
{
    return atomic_load(&quit_code);
}

int dist_finish(int code, int torn_down, const char *why)
{
    if (torn_down) /* every rank got the signal: nobody waits for anybody */
        return code;
    if (nranks == 1) {
        if (joined) /* mpirun -np 1 */
            MPI_Finalize();
        joined = 0;
        return code;
    }
    if (my_rank == 0) {
        for (int k = 1; k < nranks; k++)
            send_words(k, TAG_MAIN, (uint64_t[]){MSG_QUIT, (uint64_t)code}, 2);
    } else {
        if (atomic_load(&quit_code) < 0) {
            char said[DIST_WHY_MAX];
            snprintf(said, sizeof said, "%s", why ? why : "");
            sim_pack p;
            sim_pack_init(&p);
            sim_pack_u64(&p, MSG_GONE);
            sim_pack_u64(&p, (uint64_t)experiments);
            sim_pack_str(&p, said);
            send_pack(&p, 0, TAG_CONTROL, NULL);
            sim_pack_fini(&p);
            unsigned char *d;
            size_t n;
            while (atomic_load(&quit_code) < 0 && poll_recv(0, TAG_MAIN, &d, &n, NULL, NULL)) {
                sim_unpack u;
                sim_unpack_init(&u, d, n);
                if (sim_unpack_u64(&u) == MSG_QUIT)
                    atomic_store(&quit_code, (int)sim_unpack_u64(&u));
                sim_free(d);
            }
        }
        code = atomic_load(&quit_code);
    }
    MPI_Finalize();
    joined = 0;
    return code;
}

/* ---- rank 0 ---------------------------------------------------------------- */

/* The experiment in flight on rank 0: which pool thread stands for which
 * remote thread. Slots 0..local-1 compute here; slot local + i stands for
 * remote thread i, in rank order. A pool thread takes a slot the first
 * time it runs a replication. */
typedef struct flight {
    int seq;
    int local, nslots;
    int *rank_of, *thread_of;
    unsigned char *outstanding; /* [slot]: a WORK whose RESULT is not read yet */
    atomic_int next_slot;
    const sim_experiment_cfg *cfg;
} flight;

static flight *current;
static _Thread_local int tl_seq = -1, tl_slot;

typedef struct proxy_stop {
    const sim_experiment_cfg *cfg;
    int rank;
} proxy_stop;

static int run_cancelled(void *ctx)
{
    const sim_experiment_cfg *cfg = ctx;
    return cfg->cancelled && cfg->cancelled(cfg->cancel_ctx);
}

/* A proxy stops waiting when the run is cancelled or its rank has left
 * the job's command (GONE: the ranks diverged). */
static int proxy_should_stop(void *ctx)
{
    proxy_stop *p = ctx;
    if (run_cancelled((void *)p->cfg))
        return 1;
    int flag = 0;
    MPI_Iprobe(p->rank, TAG_CONTROL, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    return flag;
}

int dist_remote(uint64_t seed, int rep, sim_result *out, sim_err *err)
{
    flight *f = current;
    if (!f)
        return DIST_HERE;
    if (tl_seq != f->seq) {
        tl_seq = f->seq;
        tl_slot = atomic_fetch_add(&f->next_slot, 1);
    }
    if (tl_slot < f->local || tl_slot >= f->nslots)
        return DIST_HERE;
    int k = f->rank_of[tl_slot], tag = TAG_THREAD + f->thread_of[tl_slot];
    send_words(k, tag, (uint64_t[]){(uint64_t)f->seq, (uint64_t)rep, seed}, 3);
    f->outstanding[tl_slot] = 1;
    proxy_stop ps = {f->cfg, k};
    for (;;) {
        unsigned char *d;
        size_t n;
        if (!poll_recv(k, tag, &d, &n, proxy_should_stop, &ps))
            return sim_err_set(err, SIM_ECANCELED, NULL, 0, 0,
                               "replication %d on rank %d: cancelled", rep, k);
        sim_unpack u;
        sim_unpack_init(&u, d, n);
        uint64_t seq = sim_unpack_u64(&u), got = sim_unpack_u64(&u);
        int rc = (int)(int64_t)sim_unpack_u64(&u);
        char msg[sizeof err->msg];
        sim_unpack_str(&u, msg, sizeof msg);
        if (seq != (uint64_t)f->seq || got != (uint64_t)rep) { /* a stale answer */
            sim_free(d);
            continue;
        }
        f->outstanding[tl_slot] = 0;
        if (rc == SIM_OK && !u.failed)
            rc = sim_result_unpack(out, &u, err);
        else if (rc != SIM_OK)
            sim_err_set(err, rc, NULL, 0, 0, "%s", msg);
        else
            rc = sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "a corrupt result from rank %d", k);
        sim_free(d);
        return rc;
    }
}

/* sim_merged_fn: passes each merged result on to every other rank. */
static int forward(void *ctx, int rep, const sim_result *r, sim_err *err)
{
    flight *f = ctx;
    sim_pack p;
    sim_pack_init(&p);
    sim_pack_u64(&p, MSG_MERGED);
    sim_pack_u64(&p, (uint64_t)f->seq);
    sim_pack_u64(&p, (uint64_t)rep);
    sim_result_pack(r, &p);
    int rc = SIM_OK;
    for (int k = 1; k < nranks && rc == SIM_OK; k++)
        rc = send_pack(&p, k, TAG_MAIN, err);
    sim_pack_fini(&p);
    return rc;
}

/* Waits for every other rank's HELLO for experiment seq, checks that it
 * computes what rank 0 does, and fills threads[k]. Every HELLO is taken
 * even after a problem, so that no rank's HELLO is left unread. */
static int gather_hellos(const sim_experiment_cfg *cfg, int seq, uint64_t identity, int *threads,
                         sim_err *err)
{
    int rc = SIM_OK;
    for (int k = 1; k < nranks; k++) {
        unsigned char *d;
        size_t n;
        if (!poll_recv(k, TAG_CONTROL, &d, &n, run_cancelled, (void *)cfg))
            return sim_err_set(err, SIM_ECANCELED, NULL, 0, 0, "cancelled");
        sim_unpack u;
        sim_unpack_init(&u, d, n);
        uint64_t type = sim_unpack_u64(&u), seq_k = sim_unpack_u64(&u), t = 1, identity_k = 0;
        char said[DIST_WHY_MAX] = "";
        if (type == MSG_HELLO) {
            t = sim_unpack_u64(&u);
            identity_k = sim_unpack_u64(&u);
        } else {
            sim_unpack_str(&u, said, sizeof said);
            if (u.failed)
                said[0] = '\0';
            /* the message holds 255 bytes and its own text ~100: a longer
             * quote is cut with "..." so that it still closes */
            if (strlen(said) > 140)
                memcpy(said + 137, "...", 4);
        }
        sim_free(d);
        threads[k] = t < 1 ? 1 : t > 4096 ? 4096 : (int)t;
        if (rc != SIM_OK)
            continue;
        if (type != MSG_HELLO)
            rc = sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                             "rank %d ended its command after %llu experiment%s while rank 0 "
                             "starts experiment %d%s%s%s",
                             k, (unsigned long long)seq_k, seq_k == 1 ? "" : "s", seq + 1,
                             said[0] ? "; it said: \"" : "", said,
                             said[0] ? "\""
                                     : ": the ranks do not run the same command (give "
                                       "every rank the same arguments and files)");
        else if (seq_k != (uint64_t)seq || identity_k != identity)
            rc = sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                             "rank %d does not simulate what rank 0 does at experiment %d (%s): "
                             "give every rank the same arguments and the same scenario files",
                             k, seq + 1,
                             seq_k != (uint64_t)seq ? "it is at another experiment"
                                                    : "another scenario, seed or replications");
    }
    return rc;
}

static int lead(const sim_experiment_cfg *cfg, uint64_t identity, sim_rep_watched_fn *fn,
                const void *ctx, sim_summary **out, sim_err *err)
{
    int seq = experiments++;
    int *threads = sim_calloc((size_t)nranks, sizeof *threads);
    if (!threads)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = gather_hellos(cfg, seq, identity, threads, err);
    flight f = {.seq = seq, .cfg = cfg};
    f.local = cfg->threads ? cfg->threads : sim_experiment_cores();
    f.nslots = f.local;
    for (int k = 1; k < nranks; k++)
        f.nslots += threads[k];
    f.rank_of = sim_calloc((size_t)f.nslots, sizeof *f.rank_of);
    f.thread_of = sim_calloc((size_t)f.nslots, sizeof *f.thread_of);
    f.outstanding = sim_calloc((size_t)f.nslots, 1);
    atomic_init(&f.next_slot, 0);
    if (rc == SIM_OK && (!f.rank_of || !f.thread_of || !f.outstanding))
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    /* remote threads interleaved over the ranks (thread 0 of every rank,
     * then thread 1...), so that a few replications still spread; filled
     * whatever rc, as every remote thread gets its STOP below */
    for (int s = f.local, j = 0; f.rank_of && f.thread_of && s < f.nslots; j++)
        for (int k = 1; k < nranks; k++)
            if (j < threads[k]) {
                f.rank_of[s] = k;
                f.thread_of[s++] = j;
            }
    if (rc == SIM_OK) {
        sim_experiment_cfg c = *cfg;
        c.threads = f.nslots;
        c.merged = forward;
        c.merged_ctx = &f;
        current = &f;
        rc = sim_experiment_run_watched(&c, fn, ctx, out, err);
        current = NULL;
    }
    /* The outcome to every rank, then the answers still on their way are
     * taken back (the other ranks see END and stop their running
     * replication at its next watch step), then every remote thread is
     * told the experiment is over. */
    sim_pack end;
    sim_pack_init(&end);
    sim_pack_u64(&end, MSG_END);
    sim_pack_u64(&end, (uint64_t)seq);
    sim_pack_u64(&end, (uint64_t)(int64_t)rc);
    sim_pack_str(&end, rc == SIM_OK ? "" : err ? err->msg : "failed");
    for (int k = 1; k < nranks; k++)
        send_pack(&end, k, TAG_MAIN, NULL);
    sim_pack_fini(&end);
    for (int s = f.local; f.outstanding && s < f.nslots; s++) {
        if (!f.outstanding[s])
            continue;
        unsigned char *d;
        size_t n;
        poll_recv(f.rank_of[s], TAG_THREAD + f.thread_of[s], &d, &n, NULL, NULL);
        sim_free(d);
    }
    for (int s = f.local; f.rank_of && f.thread_of && s < f.nslots; s++)
        send_words(f.rank_of[s], TAG_THREAD + f.thread_of[s],
                   (uint64_t[]){(uint64_t)seq, UINT64_MAX, 0}, 3);
    sim_free(f.rank_of);
    sim_free(f.thread_of);
    sim_free(f.outstanding);
    sim_free(threads);
    if (rc != SIM_OK && out)
        *out = NULL;
    return rc;
}

/* ---- the other ranks --------------------------------------------------------- */

typedef struct follower {
    const sim_experiment_cfg *cfg;
    sim_rep_watched_fn *fn;
    const void *ctx;
    int seq;
    atomic_int ended; /* END or QUIT came: stop the running replication */
} follower;

typedef struct follower_thread {
    follower *fw;
    int index;
    pthread_t tid;
} follower_thread;

static int quit_came(void *ctx)
{
    (void)ctx;
    return atomic_load(&quit_code) >= 0;
}

static int follower_watch(void *ctx, sim_time now)
{
    (void)now;
    follower *fw = ctx;
    return atomic_load(&fw->ended) ||
           (fw->cfg->cancelled && fw->cfg->cancelled(fw->cfg->cancel_ctx));
}

/* A remote thread: runs the replications rank 0 sends it until STOP. */
static void *serve(void *arg)
{
    follower_thread *t = arg;
    follower *fw = t->fw;
    int tag = TAG_THREAD + t->index;
    sim_watch watch = {.every = fw->cfg->watch_every, .fn = follower_watch, .ctx = fw};
    for (;;) {
        unsigned char *d;
        size_t n;
        if (!poll_recv(0, tag, &d, &n, quit_came, NULL))
            break;
        sim_unpack u;
        sim_unpack_init(&u, d, n);
        uint64_t seq = sim_unpack_u64(&u), rep = sim_unpack_u64(&u), seed = sim_unpack_u64(&u);
        sim_free(d);
        if (rep == UINT64_MAX) {
            if (seq == (uint64_t)fw->seq)
                break;
            continue; /* the STOP of an experiment this thread did not see end */
        }
        sim_err e;
        sim_err_clear(&e);
        sim_result *r = sim_result_create(&e);
        int rc =
            r ? fw->fn(fw->ctx, seed, (int)rep, fw->cfg->watch_every > 0 ? &watch : NULL, r, &e)
              : SIM_ENOMEM;
        sim_pack p;
        sim_pack_init(&p);
        sim_pack_u64(&p, seq);
        sim_pack_u64(&p, rep);
        sim_pack_u64(&p, (uint64_t)(int64_t)rc);
        sim_pack_str(&p, rc == SIM_OK ? "" : e.msg);
        if (rc == SIM_OK)
            sim_result_pack(r, &p);
        sim_result_destroy(r);
        if (p.failed) { /* say so rather than send half a result */
            sim_pack_fini(&p);
            sim_pack_u64(&p, seq);
            sim_pack_u64(&p, rep);
            sim_pack_u64(&p, (uint64_t)(int64_t)SIM_ENOMEM);
            sim_pack_str(&p, "out of memory packing a result");
        }
        send_pack(&p, 0, tag, NULL);
        sim_pack_fini(&p);
    }
    return NULL;
}

static int follow(const sim_experiment_cfg *cfg, uint64_t identity, sim_rep_watched_fn *fn,
                  const void *ctx, sim_summary **out, sim_err *err)
{
    *out = NULL;
    if (atomic_load(&quit_code) >= 0)
        return sim_err_set(err, SIM_ECANCELED, NULL, 0, 0, "rank 0 has quit");
    follower fw = {.cfg = cfg, .fn = fn, .ctx = ctx, .seq = experiments++};
    atomic_init(&fw.ended, 0);
    int nthreads = cfg->threads ? cfg->threads : sim_experiment_cores();
    send_words(0, TAG_CONTROL,
               (uint64_t[]){MSG_HELLO, (uint64_t)fw.seq, (uint64_t)nthreads, identity}, 4);
    sim_merge *m = sim_merge_create(cfg->confidence != 0.0 ? cfg->confidence : 0.95, err);
    follower_thread *ts = sim_calloc((size_t)nthreads, sizeof *ts);
    if (!m || !ts) /* the job cannot go on without this rank */
        MPI_Abort(MPI_COMM_WORLD, 3);
    int started = 0;
    for (int j = 0; j < nthreads; j++) {
        ts[j].fw = &fw;
        ts[j].index = j;
        if (pthread_create(&ts[j].tid, NULL, serve, &ts[j]) != 0)
            MPI_Abort(MPI_COMM_WORLD, 3); /* rank 0 counts on every thread */
        started++;
    }
    int rc = SIM_OK, merge_rc = SIM_OK;
    for (;;) {
        unsigned char *d;
        size_t n;
        poll_recv(0, TAG_MAIN, &d, &n, NULL, NULL);
        sim_unpack u;
        sim_unpack_init(&u, d, n);
        uint64_t type = sim_unpack_u64(&u);
        if (type == MSG_QUIT) {
            atomic_store(&quit_code, (int)sim_unpack_u64(&u));
            rc = sim_err_set(err, SIM_ECANCELED, NULL, 0, 0, "rank 0 has quit");
            sim_free(d);
            break;
        }
        uint64_t seq = sim_unpack_u64(&u);
        if (seq != (uint64_t)fw.seq) { /* cannot happen: one experiment at a time */
            sim_free(d);
            continue;
        }
        if (type == MSG_MERGED) {
            sim_unpack_u64(&u); /* rep: the merge counts them itself */
            sim_result *r = sim_result_create(err);
            if (merge_rc == SIM_OK)
                merge_rc = r ? sim_result_unpack(r, &u, err) : SIM_ENOMEM;
            if (merge_rc == SIM_OK)
                merge_rc = sim_merge_add(m, r, err);
            sim_result_destroy(r);
        } else if (type == MSG_END) {
            rc = (int)(int64_t)sim_unpack_u64(&u);
            char msg[sizeof err->msg];
            sim_unpack_str(&u, msg, sizeof msg);
            if (rc != SIM_OK)
                sim_err_set(err, rc, NULL, 0, 0, "%s", msg);
            else if (merge_rc != SIM_OK)
                rc = merge_rc; /* err says why */
            atomic_store(&fw.ended, 1);
            sim_free(d);
            break;
        }
        sim_free(d);
    }
    for (int j = 0; j < started; j++)
        pthread_join(ts[j].tid, NULL);
    sim_free(ts);
    if (rc == SIM_OK) {
        *out = sim_merge_finish(m, err);
        m = NULL;
        if (!*out)
            rc = err ? err->code : SIM_ENOMEM;
    }
    sim_merge_destroy(m);
    return rc;
}

int dist_experiment(const sim_experiment_cfg *cfg, uint64_t identity, sim_rep_watched_fn *fn,
                    const void *ctx, sim_summary **out, sim_err *err)
{
    if (nranks == 1)
        return sim_experiment_run_watched(cfg, fn, ctx, out, err);
    return my_rank == 0 ? lead(cfg, identity, fn, ctx, out, err)
                        : follow(cfg, identity, fn, ctx, out, err);
}
