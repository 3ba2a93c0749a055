/*
 * out_trace.h - `erpsim run --trace-out DIR`: each flow's simulated record
 * changes as a log of timestamps, DIR/<flow id>.csv:
 *
 *   timestamp
 *   2024-01-01T00:03:17.204Z
 *   2024-01-01T00:05:02.911Z
 *   ...
 *
 * one row per record change (replication 1 of the run: the same arrivals,
 * the same random streams, mdl_world_arrivals), in time order, ISO 8601 to
 * the millisecond. This is the generic timestamp format `erpsim calibrate`
 * reads (its default column is "timestamp") and a flow's `arrival.trace`
 * replays, so a calibration can be checked against a simulation and a log
 * can be anonymised by simulating it.
 *
 * Calendar: simulated time 0 is local midnight of day 0; day 0 is the
 * scenario's start_date (by default the first date from 2024-01-01, a
 * Monday, whose weekday is first_weekday), so weekday-based shapes and
 * monthly schedules land on the right dates. Times
 * are written as local wall-clock times with the scenario's utc_offset
 * ("Z" when it is +00:00), so a calibration reads them back in the
 * scenario's local time.
 *
 * DIR is a results folder like --out's (cli/out_dir.h): cmd_run builds it
 * beside DIR and swaps it in whole, so an interrupted run leaves the old
 * traces complete, and a folder erpsim did not write is refused.
 */
#ifndef OUT_TRACE_H
#define OUT_TRACE_H

#include <stdint.h>

#include "mdl_scenario.h"
#include "sim_err.h"

/* The epoch day of simulated day 0 (see above). */
int64_t out_trace_day0(const mdl_scenario *sc);

/* Writes DIR/<flow>.csv for every flow of the scenario, replication 1 of
 * base seed `seed` (DIR: the staging folder). SIM_EIO / SIM_ENOMEM / a
 * model's error with err filled. */
int out_trace_write(const mdl_scenario *sc, uint64_t seed, const char *dir, sim_err *err);

#endif
