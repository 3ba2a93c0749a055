/*
 * memory.h - will a run fit in memory? The check every simulating command
 * makes before it starts.
 *
 * The estimate of a run (bytes):
 *   base                                       the program, libraries, scenario
 * + MPI               in an MPI job: the library's buffers and shared memory
 * + the largest of
 *     experiment   threads x world + (W + 1) x result + R x 8 x scalars
 *                  (sim_experiment_bytes with mdl_memory_estimate's figures)
 *                  In an MPI job of N ranks the figure is rank 0's, the
 *                  rank that holds the most: its own threads' worlds, but
 *                  the reorder window W of every rank's threads, and a
 *                  packed result for each remote thread (its proxy thread
 *                  receives it there). Every rank checks that figure
 *                  against its own memory: another rank holds its threads'
 *                  worlds, a result each and the same summary, never more
 *                  than rank 0.
 *     output       result + 2 x R x 8 x scalars (the summary and the
 *                  results model copied from it), and while results.json
 *                  is streamed from them (--out, --format json) one
 *                  member's tree at a time: J bytes per value of the
 *                  largest member, the largest of R (a scalar's values),
 *                  2 per bucket of a series, 4 per bin of a histogram (16
 *                  octaves of 64 bins, sim_hist_bytes' typical) and 20 per
 *                  flow (the verdict), with J = 60 (a jansson real and its
 *                  array slot), plus the stream's 24 KB of buffers
 * It is compared with the memory available: ERPSIM_MEMORY if set (bytes,
 * or with a K, M, G or T suffix), else MemAvailable in /proc/meminfo,
 * capped by the cgroup's memory.max - memory.current (containers),
 * else the free physical pages (sysconf). A run over the available memory
 * is refused (exit 2) unless --no-memory-check; over half of it, a warning.
 */
#ifndef MEMORY_H
#define MEMORY_H

#include <stddef.h>

#include "mdl_memory.h"

/* What a run needs, in bytes, and its parts for the message. */
typedef struct memory_need {
    double total;
    double experiment; /* the replications running and merging */
    double output;     /* the summary's copy and results.json while written */
    mdl_memory rep;    /* one replication */
} memory_need;

/* A run to estimate. */
typedef struct memory_run {
    int reps;
    int threads;    /* of each rank; 0: one per core */
    int ranks;      /* 0: not in an MPI job; N: rank 0 of a job of N ranks */
    int json;       /* results.json is built (--out or --format json) */
    int json_whole; /* ... and held whole as text (serve's reply) */
} memory_run;

/* The bytes a run of sc needs (see the top): the most any process of it
 * holds. Returns SIM_OK or the probe's error (mdl_memory_estimate). */
int memory_need_of(const mdl_scenario *sc, const memory_run *run, memory_need *out, sim_err *err);

/* The bytes available to this process (see the top), and where the figure
 * comes from ("MemAvailable", "cgroup memory.max", "ERPSIM_MEMORY", ...).
 * 0 if unknown. */
double memory_available(const char **source);

/* bytes as "512 MB", "61.2 GB" (powers of 1024, 3 significant digits). */
char *memory_format(double bytes, char *buf, size_t n);

#endif
