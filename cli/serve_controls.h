/*
 * serve_controls.h - the what-if controls the workshop page offers for a
 * scenario (`erpsim serve`): the common questions of a capacity workshop,
 * each one scenario value with its `--set` path and its current value in
 * the loader's canonical text (scenarios/scn_units.h).
 *
 *   run      load, horizon, replications
 *   flows    volume, growth; real-time: timeout, breaker on/off, its
 *            failure rate and open duration
 *   systems  API calls per window, calls in flight, event deliveries
 *   callers  pool size
 *   faults   on/off, start, duration (outage, degradation, subscriber
 *            offline), degradation factor
 *
 * A control is only a suggestion: the page sends what the user typed as
 * `PATH=VALUE` and the loader validates it like any --set.
 */
#ifndef SERVE_CONTROLS_H
#define SERVE_CONTROLS_H

#include <jansson.h>

#include "mdl_scenario.h"

/* A JSON array of {"group", "label", "path", "value", "kind"} (kind:
 * multiplier, duration, count, rate, growth, percent, bool), or NULL on no
 * memory. The caller owns the reference. */
json_t *serve_controls(const mdl_scenario *sc);

#endif
