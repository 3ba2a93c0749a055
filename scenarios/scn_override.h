/*
 * scn_override.h - `--set path=value` overrides for what-if runs.
 *
 *   --set load=3x
 *   --set flows.F-002.volume=150k/day
 *   --set systems.salesforce.api.daily_limit=200k
 *   --set flows.F-001.event.subscribers.netsuite.concurrency=4
 *   --set flows.F-001.arrival.spikes.0.multiplier=5x     (list item by index)
 *   --set systems.salesforce.events.cdc_objects=[Account,Order]
 *
 * A path is dot-separated keys; inside a list (systems, flows, subscribers,
 * ...) the next segment picks the item whose id it is, or, failing that, the
 * item at that 0-based index. The value is read as YAML (so lists can be
 * given in flow style) and replaces the value in the scenario's node tree,
 * or is added when the file leaves the key out; intermediate mappings are
 * created as needed. The loader then validates the tree exactly as if the
 * file had said it, and every node made here carries the --set argument as
 * its position, so a problem reads
 *   --set flows.F-002.volume=-5/day: volume: ...
 * Overrides cannot add list items (a system, a flow): write those in a file.
 */
#ifndef SCN_OVERRIDE_H
#define SCN_OVERRIDE_H

#include "scn_load.h"
#include "scn_yaml.h"

/* Applies arg ("path=value") to the tree rooted at *root (a mapping; it is
 * created when *root is NULL). Problems go to diag with the argument as the
 * position; returns SIM_OK, SIM_EPARSE or SIM_ENOMEM. */
int scn_override_apply(scn_tree *t, scn_node **root, const char *arg, scn_diag *diag);

#endif
