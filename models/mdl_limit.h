/*
 * mdl_limit.h - the limits of a scenario as a table of records: every quota,
 * pool and allocation a run can exhaust, with what it means in words, its
 * size and the names of the metrics that measure it.
 *
 * The models publish their measurements as metrics (sim_result.h); this
 * table is how they say which of those metrics describe a limit, so that
 * the decision layer (results/res_verdict.h) walks the table instead of
 * matching metric names against patterns. mdl_world_limits (mdl_world.h)
 * builds it from a scenario, next to the code that publishes the metrics;
 * tests/models/test_mdl_world.c checks that every name in it is a metric a
 * run publishes, so a renamed metric breaks a test rather than a verdict.
 *
 * Kinds:
 *   quota         a system's daily API limit (calls per rolling or calendar
 *                 window)
 *   bulk_batches  a system's bulk API batch pool (batches per rolling 24 h)
 *   bulk_records  a system's bulk API records pool (records per rolling 24 h)
 *   allocation    a system's event delivery allocation (deliveries per
 *                 rolling 24 h, each event to each subscriber counts)
 *   caller_pool   a calling application's threads (a level, not a window)
 * A new kind is a new enum value, its two names below and its rows in
 * mdl_world_limits: the decision layer needs no change.
 *
 * The metrics a record names are scalars, one value per replication:
 *   peak          the highest use, in the limit's unit;
 *   exhausted_at  seconds from the start when it first ran out (every
 *                 thread busy for a pool, the first refusal for a window
 *                 limit); a negative value means never;
 *   ran_out       (optional) 1 when it ran out in that replication, for a
 *                 model whose exhausted_at is censored at the end of the run
 *                 instead of negative; "" when exhausted_at decides;
 *   refused       requests refused because it was exhausted.
 * An empty name is a measurement the model does not make.
 *
 * MDL_HEADROOM is the card's rule for every limit: "leave at least 30%
 * headroom for spikes" (integration-patterns-card.txt, Step 4). The
 * advisor's estimates and the verdict on simulated peaks both use it.
 */
#ifndef MDL_LIMIT_H
#define MDL_LIMIT_H

#include "mdl_scenario.h"

#define MDL_HEADROOM         0.30
#define MDL_LIMIT_METRIC_MAX 160

typedef enum mdl_limit_kind {
    MDL_LIMIT_QUOTA = 0,
    MDL_LIMIT_BULK_BATCHES,
    MDL_LIMIT_BULK_RECORDS,
    MDL_LIMIT_ALLOCATION,
    MDL_LIMIT_CALLER_POOL,
    MDL_LIMIT_NKINDS
} mdl_limit_kind;

typedef struct mdl_limit {
    mdl_limit_kind kind;
    char id[MDL_SPEC_ID_MAX]; /* the system or caller it belongs to */
    char what[96];            /* "API calls per rolling 24 h": reads after "the limit of N" */
    char unit[16];            /* "calls", "batches", "records", "deliveries", "threads" */
    char refused_unit[24];    /* what `refused` counts: "calls", "delivery attempts" ... */
    double limit;             /* its size, in unit */
    double window_s;          /* the window it counts over; 0 for a level (a pool) */
    char peak[MDL_LIMIT_METRIC_MAX];
    char exhausted_at[MDL_LIMIT_METRIC_MAX];
    char ran_out[MDL_LIMIT_METRIC_MAX];
    char refused[MDL_LIMIT_METRIC_MAX];
} mdl_limit;

/* "quota", "bulk_batches", "bulk_records", "allocation", "caller_pool"
 * (results.json's names); "limit" for an unknown kind. */
const char *mdl_limit_kind_name(mdl_limit_kind k);
/* The kind named name, or -1. */
int mdl_limit_kind_parse(const char *name);
/* A short label for charts and tables: "API quota", "bulk batches", "bulk
 * records", "event allocation", "caller pool". */
const char *mdl_limit_kind_label(mdl_limit_kind k);

#endif
