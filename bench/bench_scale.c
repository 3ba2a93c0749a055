/*
 * bench_scale.c - how the model stack scales with the size of a landscape.
 *
 *   bench_scale [--flows N] [--days D] [--load X] [--reps R] [--threads T]
 *               [--seed S] [--write FILE] [--no-run] [--reference]
 *
 * Generates an integration landscape of N flows from the seed, in groups of
 * eight around one ERP whose daily API quota they share (the realistic mix
 * of issue 14: 3/8 real-time, 3/8 event-driven with subscribers, 2/8
 * batch), writes it as a scenario (--write; `erpsim run FILE` runs it too),
 * runs R replications of D days at load X on T threads and prints the
 * events per replication, the cost per event, the wall time, events/s and
 * the peak resident memory (ru_maxrss, the whole process).
 *
 * A group k (k = 0, 1, ...) has four systems and one caller:
 *   erp-k    the ERP every flow of the group writes into (kinds netsuite,
 *            sap-s4hana, dynamics-365, oracle-erp-cloud in turn), 16
 *            workers, latency p50 150 ms / p95 800 ms, no rate limit, and a
 *            rolling daily limit 1.5 x the calls its flows make on an
 *            average day at the load (about 33% headroom: shared, tight,
 *            holding);
 *   crm-k    a Salesforce org whose platform events / CDC the event flows
 *            read (delivery allocation raised to 100 M a day: an add-on);
 *   shop-k   the web shop calling the ERP in real time (caller web-k, 50
 *            threads);
 *   dwh-k    the warehouse the batches read (no bulk API of its own).
 * and eight flows, in this order (a landscape of N flows keeps the first N;
 * any prefix keeps the mix within one flow of 3/8 : 3/8 : 2/8):
 *   real-time  office hours, weekdays; 1k-10k records a day (log-uniform),
 *              timeout 10 s, 3 attempts, a breaker on the second;
 *   event      office hours; 1k-10k a day, key space 50k, one subscriber
 *              with 2 slots (the second event flow of a group has a second
 *              subscriber into the next group's ERP, the third a daily
 *              delta reconciliation);
 *   batch      flat (a system feed); 10k-200k a day, 2%/month growth,
 *              nightly at 00:00-04:00 with a 4 h window, the first of a
 *              group through the bulk API in chunks of 10,000, the second
 *              over REST in pages of 200 on 2 jobs.
 * The generator draws from the kernel's own stream ("bench_scale", the
 * seed, replication 0), so a seed always gives the same landscape.
 *
 * --reference runs the per-record reference paths instead of the fast
 * ones (mdl_scenario.reference), for comparing the two.
 */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "mdl_world.h"
#include "plt_buf.h"
#include "scn_load.h"
#include "sim_alloc.h"
#include "sim_experiment.h"
#include "sim_rng.h"

#define GROUP 8

typedef struct opts {
    int flows, days, reps, threads, run, reference;
    double load;
    unsigned long long seed;
    const char *write;
} opts;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Uniform on a log scale in [lo, hi]. */
static double log_uniform(gsl_rng *r, double lo, double hi)
{
    return lo * exp(gsl_rng_uniform(r) * log(hi / lo));
}

typedef enum { RT, EV, BATCH } kind;
static const kind order[GROUP] = {RT, EV, BATCH, RT, EV, RT, EV, BATCH};

/* The k-th flow of a kind within its group (0-based). */
static int nth(int slot)
{
    int n = 0;
    for (int i = 0; i < slot; i++)
        n += order[i] == order[slot];
    return n;
}

typedef struct flow {
    kind k;
    double volume; /* records per day at 1x */
    int hour, minute;
} flow;

static void put_systems(plt_buf *b, int g, int ngroups, double calls_per_day)
{
    static const char *const kinds[] = {"netsuite", "sap-s4hana", "dynamics-365",
                                        "oracle-erp-cloud"};
    plt_buf_printf(b,
                   "  - id: erp-%d\n"
                   "    kind: %s\n"
                   "    api:\n"
                   "      workers: 16\n"
                   "      concurrency_limit: none\n"
                   "      rate_limit: none\n"
                   "      latency_p50: 150ms\n"
                   "      latency_p95: 800ms\n"
                   "      daily_limit: %.0f\n",
                   g, kinds[g % 4], ceil(1.5 * calls_per_day));
    plt_buf_printf(b,
                   "  - id: crm-%d\n"
                   "    kind: salesforce\n"
                   "    events:\n"
                   "      delivery_allocation: 100M\n"
                   "      cdc_objects: [Order]\n"
                   "  - id: shop-%d\n"
                   "    kind: generic\n"
                   "  - id: dwh-%d\n"
                   "    kind: generic\n"
                   "    bulk:\n"
                   "      enabled: false\n",
                   g, g, g);
    (void)ngroups;
}

static void put_flow(plt_buf *b, const opts *o, int g, int ngroups, int slot, const flow *f)
{
    int id = g * GROUP + slot + 1;
    const char *pattern = f->k == RT ? "realtime" : f->k == EV ? "event" : "batch";
    plt_buf_printf(b,
                   "  - id: F-%04d\n"
                   "    source: %s-%d\n"
                   "    target: erp-%d\n"
                   "    volume: %.0f/day\n"
                   "    pattern: %s\n",
                   id,
                   f->k == RT   ? "shop"
                   : f->k == EV ? "crm"
                                : "dwh",
                   g, g, f->volume, pattern);
    switch (f->k) {
    case RT:
        plt_buf_printf(b,
                       "    latency_slo: 2s\n"
                       "    impact: high\n"
                       "    caller: web-%d\n"
                       "    arrival:\n"
                       "      diurnal: office-hours\n"
                       "      weekly: weekdays-only\n"
                       "    realtime:\n"
                       "      timeout: 10s\n"
                       "      fallback: queue\n",
                       g);
        if (nth(slot) == 1)
            plt_buf_puts(b, "      breaker:\n"
                            "        enabled: true\n");
        break;
    case EV:
        plt_buf_puts(b, "    latency_slo: 5m\n"
                        "    key_space: 50k\n"
                        "    arrival:\n"
                        "      diurnal: office-hours\n"
                        "    event:\n"
                        "      channel: platform\n"
                        "      subscribers:\n"
                        "        - id: connector\n"
                        "          concurrency: 2\n");
        if (nth(slot) == 1)
            plt_buf_printf(b,
                           "        - id: replica\n"
                           "          target: erp-%d\n",
                           (g + 1) % ngroups);
        if (nth(slot) == 2)
            plt_buf_puts(b, "      reconciliation:\n"
                            "        enabled: true\n"
                            "        compare: delta\n"
                            "        schedule: daily 02:00\n");
        break;
    case BATCH:
        plt_buf_printf(b,
                       "    latency_slo: nightly\n"
                       "    arrival:\n"
                       "      growth: 2%%/month\n"
                       "    batch:\n"
                       "      schedule: daily %02d:%02d\n"
                       "      window: 4h\n"
                       "      selection: delta\n",
                       f->hour, f->minute);
        if (nth(slot) == 0)
            plt_buf_puts(b, "      api: bulk\n"
                            "      chunk_size: 10000\n"
                            "      concurrent_jobs: 3\n");
        else
            plt_buf_puts(b, "      api: rest\n"
                            "      page_size: 200\n"
                            "      chunk_size: 2000\n"
                            "      concurrent_jobs: 2\n");
        break;
    }
    (void)o;
}

/* The scenario text of the landscape (NULL: out of memory). */
static char *landscape(const opts *o)
{
    sim_err err = {0};
    gsl_rng *r = sim_rng_create(o->seed, 0, "bench_scale", &err);
    if (!r)
        return NULL;
    int ngroups = (o->flows + GROUP - 1) / GROUP;
    flow *fl = calloc((size_t)o->flows, sizeof *fl);
    double *calls = calloc((size_t)ngroups, sizeof *calls);
    if (!fl || !calls) {
        free(fl);
        free(calls);
        sim_rng_destroy(r);
        return NULL;
    }
    for (int i = 0; i < o->flows; i++) {
        flow *f = &fl[i];
        int g = i / GROUP;
        f->k = order[i % GROUP];
        f->volume = f->k == BATCH ? log_uniform(r, 10e3, 200e3) : log_uniform(r, 1e3, 10e3);
        f->volume = floor(f->volume);
        f->hour = (int)(gsl_rng_uniform(r) * 4.0);
        f->minute = 15 * (int)(gsl_rng_uniform(r) * 4.0);
        /* Calls into erp-g on an average day at the load (REST batches:
         * one per page of 200; event flows with a replica write into the
         * next group's ERP too). */
        double v = f->volume * o->load;
        if (f->k == RT)
            calls[g] += v * 5.0 / 7.0;
        else if (f->k == EV) {
            calls[g] += v;
            if (nth(i % GROUP) == 1)
                calls[(g + 1) % ngroups] += v;
        } else if (nth(i % GROUP) == 1) {
            calls[g] += v / 200.0;
        }
    }
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_printf(&b,
                   "# bench_scale: %d flows, seed %llu (bench/bench_scale.c)\n"
                   "name: scale-%d\n"
                   "horizon: %dd\n"
                   "load: %gx\n"
                   "replications: %d\n"
                   "seed: %llu\n"
                   "systems:\n",
                   o->flows, o->seed, o->flows, o->days, o->load, o->reps, o->seed);
    for (int g = 0; g < ngroups; g++)
        put_systems(&b, g, ngroups, calls[g] > 1000.0 ? calls[g] : 1000.0);
    plt_buf_puts(&b, "callers:\n");
    for (int g = 0; g < ngroups; g++)
        plt_buf_printf(&b, "  - id: web-%d\n    pool_size: 50\n", g);
    plt_buf_puts(&b, "flows:\n");
    for (int i = 0; i < o->flows; i++)
        put_flow(&b, o, i / GROUP, ngroups, i % GROUP, &fl[i]);
    free(fl);
    free(calls);
    sim_rng_destroy(r);
    if (plt_buf_status(&b, NULL) != SIM_OK) {
        plt_buf_fini(&b);
        return NULL;
    }
    return plt_buf_take(&b);
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--flows N] [--days D] [--load X] [--reps R] [--threads T]\n"
            "          [--seed S] [--write FILE] [--no-run] [--reference]\n",
            argv0);
    return 2;
}

/* A positive integer argument. */
static int int_arg(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1 || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse(int argc, char **argv, opts *o)
{
    *o = (opts){
        .flows = 100, .days = 7, .reps = 10, .threads = 1, .run = 1, .load = 3.0, .seed = 14};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "--no-run")) {
            o->run = 0;
            continue;
        }
        if (!strcmp(a, "--reference")) {
            o->reference = 1;
            continue;
        }
        if (!v)
            return -1;
        if (!strcmp(a, "--flows"))
            bad = int_arg(v, &o->flows);
        else if (!strcmp(a, "--days"))
            bad = int_arg(v, &o->days);
        else if (!strcmp(a, "--reps"))
            bad = int_arg(v, &o->reps);
        else if (!strcmp(a, "--threads"))
            bad = int_arg(v, &o->threads);
        else if (!strcmp(a, "--seed"))
            o->seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--load"))
            bad = !((o->load = strtod(v, NULL)) > 0.0 && o->load <= 1000.0);
        else if (!strcmp(a, "--write"))
            o->write = v;
        else
            return -1;
        if (bad)
            return -1;
        i++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o;
    if (parse(argc, argv, &o) != 0)
        return usage(argv[0]);
    gsl_set_error_handler_off();
    char *text = landscape(&o);
    if (!text) {
        fprintf(stderr, "bench_scale: out of memory\n");
        return 3;
    }
    if (o.write) {
        FILE *f = fopen(o.write, "w");
        if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
            fprintf(stderr, "bench_scale: cannot write %s\n", o.write);
            sim_free(text);
            return 3;
        }
    }
    if (!o.run) {
        sim_free(text);
        return 0;
    }
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    int rc = scn_load_string("bench_scale.yaml", text, strlen(text), NULL, &sc, &diag);
    sim_free(text);
    if (rc != SIM_OK) {
        char buf[600];
        for (int i = 0; i < diag.count; i++)
            fprintf(stderr, "%s\n", scn_diag_format(&diag.items[i], buf, sizeof buf));
        scn_diag_fini(&diag);
        return 3;
    }
    scn_diag_fini(&diag);

    sim_experiment_cfg cfg = {.replications = o.reps, .threads = o.threads, .seed = sc.seed};
    sim_summary *s = NULL;
    sim_err err = {0};
    double t0 = now_s();
    rc = sim_experiment_run(&cfg, mdl_world_run, &sc, &s, &err);
    double wall = now_s() - t0;
    if (rc != SIM_OK) {
        fprintf(stderr, "bench_scale: %s\n", err.msg);
        mdl_scenario_fini(&sc);
        return 3;
    }
    const sim_metric *ev = sim_summary_find(s, "run.events");
    double per_rep = ev ? ev->mean : 0.0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    printf("landscape           %d flows, %d systems, seed %llu%s\n", o.flows, sc.nsystems, o.seed,
           o.reference ? " (reference paths)" : "");
    printf("run                 %d d at %gx, %d replications on %d thread%s\n", o.days, o.load,
           o.reps, o.threads, o.threads > 1 ? "s" : "");
    printf("events/replication  %.0f\n", per_rep);
    printf("wall time           %.3f s (user CPU %.3f s)\n", wall, cpu);
    printf("ns/event            %.1f (CPU time / events)\n", cpu * 1e9 / (per_rep * o.reps));
    printf("events/s            %.2f million (wall)\n", per_rep * o.reps / wall / 1e6);
    printf("peak memory         %.1f MB (ru_maxrss)\n", (double)ru.ru_maxrss / 1024.0);
    sim_summary_destroy(s);
    mdl_scenario_fini(&sc);
    return 0;
}
