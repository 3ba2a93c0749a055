/*
 * mdl_world.h - a validated scenario turned into running models, for one
 * replication.
 *
 * For each system: an endpoint (its API workers, latency, queue, outages and
 * degradations from the faults), the shared daily quota, the rate limit and
 * the token. For each caller: its thread pool. For each flow: its arrival
 * process and the client of its pattern (real-time, event-driven, batch,
 * file), linked to the shared limits of its target. Then the calendar runs
 * to the horizon and every model appends its metrics to the result.
 *
 * Random streams are named after what they drive ("flow.F-001.arrivals",
 * "system.erp.service", ...), so two variants of a scenario see the same
 * arrivals on every flow they share (common random numbers).
 *
 * Conservation is checked at the end of every replication: a replication
 * whose ledger does not balance fails with SIM_EINTERNAL.
 *
 * Checked by: tests/models/test_mdl_world.c.
 */
#ifndef MDL_WORLD_H
#define MDL_WORLD_H

#include <stdint.h>

#include "mdl_limit.h"
#include "mdl_scenario.h"
#include "sim_err.h"
#include "sim_queue.h"
#include "sim_result.h"

/* Runs replication rep of the scenario (a const mdl_scenario *) with base
 * seed `seed` and appends its metrics to out. Matches sim_rep_fn, so it can
 * be handed to sim_experiment_run directly; the scenario is only read. */
int mdl_world_run(const void *scenario, uint64_t seed, int rep, sim_result *out, sim_err *err);

/* The same with a watch on the run loop (sim_queue_run_watched; NULL: none),
 * for progress by simulated time and cancelling; matches
 * sim_rep_watched_fn. When the watch stops the run it returns SIM_ECANCELED
 * and publishes nothing. The events and metrics are those of mdl_world_run. */
int mdl_world_run_watched(const void *scenario, uint64_t seed, int rep, const sim_watch *watch,
                          sim_result *out, sim_err *err);

/* Called with each record change a flow creates: the flow's index in the
 * scenario and the time it is created. A non-zero return stops the walk
 * and is returned by mdl_world_arrivals. */
typedef int mdl_world_arrival_fn(void *ctx, int flow, sim_time at);

/* The arrivals of every flow of replication rep with base seed `seed`, up
 * to the horizon: exactly the record changes mdl_world_run creates in that
 * replication (each flow's arrival process is built by the same code from
 * the same named random stream, and nothing else draws from that stream),
 * but without simulating anything else. Flows one after the other, each
 * in time order. For `erpsim run --trace-out`. Returns SIM_OK, the
 * callback's non-zero value, or an error (err filled). */
int mdl_world_arrivals(const mdl_scenario *sc, uint64_t seed, int rep, mdl_world_arrival_fn *fn,
                       void *ctx, sim_err *err);

/* The limits of the scenario (mdl_limit.h), in the order the run publishes
 * their metrics: per system its daily API quota, bulk batch pool, bulk
 * records pool and event delivery allocation (those it has), then each
 * caller's thread pool. *out (sim_free it; NULL when *n is 0) and *n.
 * SIM_ENOMEM. */
int mdl_world_limits(const mdl_scenario *sc, mdl_limit **out, int *n, sim_err *err);

/* The fixed interval of every time series of a run over `horizon`: a whole
 * number of minutes giving at most 1000 buckets. */
sim_time mdl_world_series_interval(sim_time horizon);

/* The rows of a run's ledger (mdl_ledger.h): one per flow, then one per
 * further subscriber of an event flow. */
int mdl_world_ledger_rows(const mdl_scenario *sc);

#endif
