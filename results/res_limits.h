/*
 * res_limits.h - how each limit of a run fared: its peak use against its
 * size, the headroom left, whether and when it ran out.
 *
 * It walks the results' limit table (models/mdl_limit.h) and reads the
 * metrics each record names, so it knows no metric name itself. Per limit:
 *   peak       mean over the replications of the peak use, with its CI;
 *   headroom   1 - peak / limit;
 *   runs_out   replications in which it ran out: the record's ran_out
 *              metric is 1 when it names one, else its exhausted_at is
 *              finite and >= 0 (negative = never);
 *   out_at_s   the mean exhaustion time over those replications (with
 *              the earliest and latest);
 *   refused    requests it refused, mean per replication.
 * Status: EXHAUSTED when it ran out in at least one replication, tight
 * when the headroom is below the card's 30% (MDL_HEADROOM), ok otherwise;
 * unmeasured ("-") when the run has no peak for it.
 */
#ifndef RES_LIMITS_H
#define RES_LIMITS_H

#include "mdl_limit.h"
#include "res_results.h"
#include "sim_err.h"

typedef enum res_limit_status {
    RES_LIMIT_OK = 0,
    RES_LIMIT_TIGHT,
    RES_LIMIT_EXHAUSTED,
    RES_LIMIT_UNMEASURED
} res_limit_status;

typedef struct res_limit {
    const mdl_limit *def; /* the record, borrowed from the results */
    double peak, peak_hw; /* in def->unit */
    double headroom;      /* 1 - peak / limit; NaN when unmeasured */
    int runs_out, reps;
    double out_at_s;                /* mean over the replications it ran out in; NaN if never */
    double out_first_s, out_last_s; /* earliest and latest of those */
    double refused;                 /* mean per replication; NaN when not measured */
    res_limit_status status;
} res_limit;

/* Judges every limit of r's table into *out (sim_free it; NULL when *n is
 * 0). SIM_ENOMEM. */
int res_limits_judge(const res_results *r, res_limit **out, int *n, sim_err *err);

/* "ok", "tight", "EXHAUSTED", "-". */
const char *res_limit_status_name(res_limit_status s);

#endif
