/*
 * scn_landscape.h - a generated integration landscape of N flows, as
 * scenario text: the enterprise-scale case of the benchmarks
 * (bench/bench_scale.c) and of the tests that compare the fast and the
 * reference paths of the models at scale.
 *
 * The landscape is made of groups of eight flows around one ERP whose
 * daily API quota they share (the mix of issue 14: 3/8 real-time, 3/8
 * event-driven with subscribers, 2/8 batch). Group k (k = 0, 1, ...) has
 * four systems and one caller:
 *   erp-k    the ERP every flow of the group writes into (kinds netsuite,
 *            sap-s4hana, dynamics-365, oracle-erp-cloud in turn), 16
 *            workers, latency p50 150 ms / p95 800 ms, no rate or
 *            concurrency limit, and a rolling daily limit 1.5 x the calls
 *            its flows make on an average day at the load (a third of
 *            headroom: shared, tight, holding);
 *   crm-k    a Salesforce org whose platform events / CDC the event flows
 *            read (delivery allocation raised to 100 M a day, an add-on);
 *   shop-k   the web shop calling the ERP in real time (caller web-k, 50
 *            threads);
 *   dwh-k    the warehouse the batches read (no bulk API of its own);
 * and eight flows, in this order (N flows keep the first N; any prefix
 * keeps the mix within one flow of 3/8 : 3/8 : 2/8):
 *   real-time  office hours, weekdays; 1k-10k records a day (log-uniform),
 *              SLO 2 s, timeout 10 s, fallback queue, a breaker on the
 *              second of the group;
 *   event      office hours; 1k-10k a day, key space 50k, one subscriber
 *              with 2 slots; the second of a group has a second subscriber
 *              into the next group's ERP, the third a daily delta
 *              reconciliation;
 *   batch      flat (a system feed); 10k-200k a day, 2%/month growth,
 *              nightly at a quarter hour between 00:00 and 03:45 with a
 *              4 h window; the first of a group through the bulk API in
 *              chunks of 10,000 on 3 jobs, the second over REST in pages
 *              of 200, chunks of 2,000 on 2 jobs.
 * Volumes and start times are drawn from the seed (stream "bench_scale",
 * replication 0, after the benchmark that first drew them), so a seed
 * always gives the same landscape.
 */
#ifndef SCN_LANDSCAPE_H
#define SCN_LANDSCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"

typedef struct scn_landscape {
    int flows;        /* >= 1 */
    int days;         /* horizon, >= 1 */
    double load;      /* > 0: the scenario's load multiplier */
    int replications; /* >= 1 */
    uint64_t seed;    /* the landscape's draws and the scenario's seed */
} scn_landscape;

/* Receives the text piece by piece. */
typedef void scn_put_fn(void *ctx, const char *text, size_t n);

/* Writes the landscape's scenario (YAML) through put. SIM_OK, SIM_EINVAL
 * for a bad size, SIM_ENOMEM. */
int scn_landscape_write(const scn_landscape *l, scn_put_fn *put, void *ctx, sim_err *err);

#endif
