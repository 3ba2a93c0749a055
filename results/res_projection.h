/*
 * res_projection.h - when a batch window stops fitting as the data grows,
 * stated with its evidence.
 *
 * Each replication's batch model fits log(run duration) against time and
 * projects the month the trend crosses the window, when the trend is at
 * least two standard errors above zero (models/mdl_batch.h:
 * overrun_projection_month, trend_per_month, trend_se, trend_runs). One
 * replication's projection is weak evidence: over a week the trend of a
 * job growing 8% a month is far inside the noise of its daily runs, and a
 * single replication may still show one. So, per batch or file flow:
 *
 *   overrun      a run overran its window: the date is a simulated fact
 *                (the verdict's batch_overrun rule), nothing to project;
 *   none         no growth or no window: nothing to project;
 *   finding      most replications (more than half) project a month and
 *                they fit at least RES_PROJECTION_MIN_RUNS runs each: the
 *                median month is printed, with the range and the count;
 *   no_trend     the horizon was long enough to see the expected growth
 *                (its standard error below a third of log(1 + growth)),
 *                yet most replications show no trend toward the window:
 *                no overrun in sight;
 *   no_evidence  otherwise: "not enough evidence", with the horizon that
 *                would give it (below).
 *
 * The horizon needed. With runs evenly spread over a horizon H, the
 * standard error of the fitted slope falls like H^(-3/2) (n ~ H runs,
 * spread ~ H). The expected slope is s = log(1 + growth) per month; a
 * replication shows a trend when its estimate exceeds 2 standard errors,
 * which happens in most replications (84%) when s is 3 of them. So
 *   days = H x (3 SE / s)^(2/3),
 * with SE the median over the replications, and at least enough days for
 * RES_PROJECTION_MIN_RUNS runs at the run's pace; rounded up, at least one
 * more day than the run had.
 *
 * The curve for the chart: through the simulated runs (the mean duration
 * at the middle of the horizon) and, for a finding, through the window at
 * the median month; otherwise at the scenario's growth, marked as what
 * the duration would do if it grew with the data.
 */
#ifndef RES_PROJECTION_H
#define RES_PROJECTION_H

#include "res_results.h"
#include "sim_err.h"

#define RES_PROJECTION_MIN_RUNS 10

typedef enum res_projection_state {
    RES_PROJ_NONE = 0,
    RES_PROJ_OVERRUN,
    RES_PROJ_FINDING,
    RES_PROJ_NO_TREND,
    RES_PROJ_NO_EVIDENCE
} res_projection_state;

typedef struct res_projection {
    const res_flow *flow; /* borrowed from the results */
    res_projection_state state;
    double window_s, growth;
    int reps, with;         /* replications, of which with a projected month */
    double median, lo, hi;  /* months from the start over those; NaN when none */
    double runs;            /* runs fitted per replication (median) */
    double trend, trend_se; /* fitted slope of log(duration) per month, and its SE (medians) */
    double days_needed;     /* no_evidence: the horizon to run; NaN otherwise */
    double anchor_month;    /* the curve: d(m) = anchor_s exp(slope (m - anchor_month)) */
    double anchor_s, slope;
} res_projection;

/* The projection of every batch or file flow of r that published batch
 * metrics, in flow order, into *out (sim_free it; NULL when *n is 0). */
int res_projection_compute(const res_results *r, res_projection **out, int *n, sim_err *err);

/* "none", "overrun", "finding", "no_trend", "no_evidence". */
const char *res_projection_state_name(res_projection_state s);

/* One sentence for people: "F-004: the batch run is projected to outgrow
 * its 3 h window in month 19.2 (median of 9 of 10 replications, range
 * 17.8-21.0, 90 runs each; at 8% growth per month)", or "...: not enough
 * evidence for a projection in 7 d (1 of 10 replications show a trend);
 * run with --days 132". Returns buf. */
char *res_projection_text(const res_projection *p, double horizon_s, char *buf, size_t n);

#endif
