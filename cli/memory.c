/*
 * memory.c - the memory check of a run; see memory.h.
 *
 * The constants below were measured with /usr/bin/time -v (maximum
 * resident set size) on the default scenario, 400 scalar metrics per
 * replication: `erpsim check` peaks at 6.6-6.9 MB (3.8 MB before the
 * binary linked libmicrohttpd, which maps GnuTLS and its libraries); each replication adds
 * 16.5 bytes per scalar to `run --quiet` (the summary and its copy), and
 * added 67 with --format json while results.json was built whole (now
 * streamed: see JSON_BYTES_PER_VALUE) (docs/results.md, "Memory").
 * tests/cli/memory.sh
 * compares the whole estimate with the measured peak on several
 * scenarios.
 */
#include "memory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_alloc.h"
#include "sim_stats.h"

/* The program, its libraries, the scenario and the stdio buffers. */
#define BASE_BYTES (7.0 * 1024 * 1024)
/* results.json is streamed (res_json_write): it holds one member's jansson
 * tree at a time, never the document or its text. Bytes per value of that
 * tree: a jansson real and its array slot (about 40), with room for
 * malloc's rounding; measured as 60 with the dumped text when the whole
 * document was built. */
#define JSON_BYTES_PER_VALUE 60.0
/* The values of the largest members: a time series writes 2 per bucket
 * (its mean and its max); a histogram 4 per bin ([lo, hi, count]: three
 * reals and their array), for SIM_HIST_TYPICAL_OCTAVES octaves of 64 bins
 * (docs/results.md); the verdict 20 per flow (18 figures and the flow's
 * object), more than the scenario's facts (13). */
#define JSON_SERIES_VALUES_PER_BUCKET 2.0
#define JSON_HIST_VALUES              (SIM_HIST_TYPICAL_OCTAVES * 64 * 4.0)
#define JSON_FLOW_VALUES              20.0
/* A value of results.json as text (a number and its separator and
 * indentation, ~10 bytes), twice for a buffer that grows by doubling:
 * measured as about 20 when the whole document was built. */
#define JSON_TEXT_BYTES_PER_VALUE 20.0
/* The stream's chunk and stdio's buffer. */
#define JSON_STREAM_BYTES (16.0 * 1024 + 8.0 * 1024)

static double max2(double a, double b)
{
    return a > b ? a : b;
}
/* A process in an MPI job (OpenMPI 4.1, shared-memory transport): its
 * library, buffers and segments. Measured with /usr/bin/time's %M on each
 * rank of `run --reps 2 --days 1 --threads 1` (its own need: 4 MB) under
 * mpirun -np 1, 2 and 3 against the same run alone (11.5 MB): 7.1 MB more
 * at -np 1; rank 0 8.4 MB more at -np 2 and 11-11.5 at -np 3, the other
 * ranks 5-9 MB more. */
#define MPI_BASE_BYTES (8.0 * 1024 * 1024)
#define MPI_RANK_BYTES (1.5 * 1024 * 1024)

int memory_need_of(const mdl_scenario *sc, const memory_run *run, memory_need *out, sim_err *err)
{
    *out = (memory_need){0};
    int rc = mdl_memory_estimate(sc, &out->rep, err);
    if (rc != SIM_OK)
        return rc;
    int reps = run->reps;
    sim_experiment_cfg own = {.replications = reps, .threads = run->threads};
    int local = sim_experiment_threads(&own);
    /* rank 0 runs the experiment on its threads plus one proxy for each
     * thread of the other ranks (dist.h), every rank with the same
     * --threads: the window is the job's, the worlds its own */
    int ranks = run->ranks > 1 ? run->ranks : 1;
    sim_experiment_cfg job = {.replications = reps, .threads = local * ranks};
    double values = (double)reps * (double)out->rep.scalars;
    int remote = sim_experiment_threads(&job) - local;
    /* a proxy holds no world, but the packed result it receives */
    out->experiment = sim_experiment_bytes(&job, &out->rep.bytes) +
                      remote * (out->rep.bytes.result - out->rep.bytes.world);
    double merged = out->rep.bytes.result + 2 * 8.0 * values;
    /* results.json is written from the merged results, which stay while it
     * is, one member at a time: the largest is a scalar's values (one per
     * replication), a series, a histogram or the verdict's flows */
    double json_values =
        max2(max2(reps, out->rep.series ? out->rep.bins * JSON_SERIES_VALUES_PER_BUCKET : 0),
             max2(out->rep.hists ? JSON_HIST_VALUES : 0, sc->nflows * JSON_FLOW_VALUES));
    out->output =
        merged + (run->json ? json_values * JSON_BYTES_PER_VALUE + JSON_STREAM_BYTES : 0.0);
    /* held whole (serve's reply): the text of every value, with the
     * buffer's doubling */
    if (run->json_whole)
        out->output +=
            (values +
             (double)out->rep.series * (double)out->rep.bins * JSON_SERIES_VALUES_PER_BUCKET +
             (double)out->rep.hists * JSON_HIST_VALUES) *
            JSON_TEXT_BYTES_PER_VALUE;
    /* The hot regions (sim_alloc.h) beyond the blocks the worlds hold: the
     * region being filled, and one per thread that a finished world left
     * partly used while another world's blocks keep it (2 threads: +3.3 MB
     * measured on tests/cli/memory.sh's runs); whole huge pages. */
    double base = BASE_BYTES + (local + 1) * (double)SIM_HOT_REGION;
    if (run->ranks > 0)
        base += MPI_BASE_BYTES + (ranks - 1) * MPI_RANK_BYTES;
    out->total = base + (out->experiment > out->output ? out->experiment : out->output);
    return SIM_OK;
}

/* A size with an optional K, M, G or T suffix (powers of 1024); -1 if it
 * is not one. */
static double parse_size(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !(v >= 0))
        return -1;
    static const char units[] = "KMGT";
    const char *u = *end ? strchr(units, *end) : NULL;
    if (*end && (!u || end[1] != '\0'))
        return -1;
    for (const char *p = units; u && p <= u; p++)
        v *= 1024;
    return v;
}

/* The first number after `key` in the file, or -1. */
static double read_number(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    double v = -1;
    while (fgets(line, sizeof line, f)) {
        size_t k = strlen(key);
        if (strncmp(line, key, k) == 0) {
            char *end;
            double x = strtod(line + k, &end);
            if (end != line + k)
                v = x;
            break;
        }
    }
    fclose(f);
    return v;
}

double memory_available(const char **source)
{
    const char *env = getenv("ERPSIM_MEMORY");
    if (env && *env) {
        double v = parse_size(env);
        if (v >= 0) {
            *source = "ERPSIM_MEMORY";
            return v;
        }
    }
    double avail = read_number("/proc/meminfo", "MemAvailable:"); /* kB */
    *source = "MemAvailable in /proc/meminfo";
    if (avail >= 0) {
        avail *= 1024;
    } else {
        long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        avail = pages > 0 && size > 0 ? (double)pages * (double)size : 0;
        *source = "free physical memory";
    }
    /* cgroup v2: a container's limit, which /proc/meminfo does not show
     * ("max" when there is none: not a number, so skipped) */
    double max = read_number("/sys/fs/cgroup/memory.max", "");
    double cur = read_number("/sys/fs/cgroup/memory.current", "");
    if (max > 0 && cur >= 0 && max - cur < avail) {
        avail = max > cur ? max - cur : 0;
        *source = "the cgroup's memory.max";
    }
    return avail;
}

char *memory_format(double bytes, char *buf, size_t n)
{
    const char *units[] = {"bytes", "KB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (bytes >= 1024 && u < 5) {
        bytes /= 1024;
        u++;
    }
    if (u == 0 && bytes == 1) /* "1 byte", not "1 bytes" */
        units[0] = "byte";
    snprintf(buf, n,
             u == 0        ? "%.0f %s"
             : bytes < 10  ? "%.2f %s"
             : bytes < 100 ? "%.1f %s"
                           : "%.0f %s",
             bytes, units[u]);
    return buf;
}
