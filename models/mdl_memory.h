/*
 * mdl_memory.h - how much memory a replication of a scenario holds,
 * estimated before anything runs, so that a run that cannot fit is refused
 * instead of being killed by the OOM killer hours later.
 *
 * What a replication holds:
 *   result   its sim_result: a name and a number per scalar metric, about
 *            4 KB per histogram (sim_hist_bytes: a histogram allocates
 *            the octaves its values span, 256 bytes each while its
 *            counts fit 32 bits, at most 16 of them typically), 16 bytes
 *            per bucket of each time series (up to 1000 buckets over the
 *            horizon);
 *   world    its models while it runs: each model keeps the hists and
 *            series it publishes (so about the result's hists and series
 *            again), plus the events a channel or broker retains: every
 *            event published within the retention window (the flow's
 *            volume x load x its busiest weekday's weight over the mean
 *            (and busiest hour's, for a retention under a day) x growth x
 *            spikes, times min(retention, horizon)) in a log of 16-byte
 *            entries, paged (mdl_channel.c: what is retained and a few
 *            pages more), and the ledger's held-back latencies (2 KB
 *            per ledger row: a flow or a further subscriber, mdl_ledger.c);
 *   per_rep  what the merged summary keeps per replication: 8 bytes per
 *            scalar metric (the values the verdict counts).
 * The metrics are counted, not guessed: a probe replication of the
 * scenario over one simulated minute (same systems, flows and models, so
 * the same metric list) is run and its result measured; only the series'
 * bucket count is scaled to the real horizon.
 *
 * Left out: queues that grow without bound when a system is overloaded
 * (records waiting for workers or a caller thread, a subscriber's backlog
 * while it is offline), about 50 to 100 bytes per record waiting. A run
 * where millions of records pile up needs more than the estimate.
 *
 * Checked by: tests/models/test_mdl_memory.c (the counts against full
 * runs) and tests/cli/memory.sh (the estimate against measured peak RSS).
 */
#ifndef MDL_MEMORY_H
#define MDL_MEMORY_H

#include <stddef.h>

#include "mdl_scenario.h"
#include "sim_err.h"
#include "sim_experiment.h"

typedef struct mdl_memory {
    size_t scalars, hists, series; /* metrics of one replication */
    size_t bins;                   /* buckets of each series over the horizon */
    double retained;               /* events retained by channels and brokers at the peak */
    sim_rep_bytes bytes;           /* world, result, per_rep (sim_experiment_bytes) */
} mdl_memory;

/* Estimates what a replication of sc holds (the scenario is only read).
 * Runs a probe replication of one simulated minute. Returns SIM_OK, or the
 * probe's error (a scenario the models refuse) with err filled. */
int mdl_memory_estimate(const mdl_scenario *sc, mdl_memory *out, sim_err *err);

#endif
