/*
 * res_verdict.h - what the numbers of a run mean for an architecture review:
 * per flow, was its latency SLO met; per limit, how much headroom was left
 * and did it run out; and "what breaks first", the problems in the order
 * they happen.
 *
 * Rules (docs/results.md states them for readers):
 *   flow SLO   met when the mean over replications of the flow's p99
 *              latency (flow.<id>.latency_p99) is at most its latency SLO;
 *              `uncertain` when the SLO lies inside the 95% confidence
 *              interval of that p99 (more replications would settle it).
 *              Flows without an SLO or without delivered records get no
 *              verdict.
 *   limits     found by name (each family is skipped when absent):
 *                system.<id>.quota_*           the daily API limit
 *                system.<id>.bulk_batches_*    the bulk API batch pool
 *                channel.<id>.allocation_*     the event delivery allocation
 *                caller.<id>.pool_*            a caller's thread pool
 *              headroom = 1 - peak / limit. Status: `exhausted` when it ran
 *              out in at least one replication, `tight` when the headroom
 *              is below the card's 30% ("leave at least 30% headroom for
 *              spikes"), `ok` otherwise.
 *   breaks     problems with a time first, earliest first (a limit running
 *              out, a batch overrunning its window: the mean time over the
 *              replications where it happened), then those without one
 *              (SLO missed, records rejected or lost, too little headroom),
 *              most severe first.
 *   violation  an SLO missed or a limit exhausted: what
 *              --fail-on-violation turns into exit code 1.
 */
#ifndef RES_VERDICT_H
#define RES_VERDICT_H

#include "res_results.h"
#include "sim_err.h"

typedef enum res_verdict_status {
    RES_VERDICT_OK = 0,    /* SLO met / limit with >= 30% headroom */
    RES_VERDICT_UNCERTAIN, /* SLO inside the CI of the p99 */
    RES_VERDICT_TIGHT,     /* limit held, headroom below 30% */
    RES_VERDICT_MISSED,    /* SLO missed */
    RES_VERDICT_EXHAUSTED, /* limit ran out */
    RES_VERDICT_NONE       /* no SLO, or no data */
} res_verdict_status;

typedef struct res_verdict_flow {
    const res_flow *flow; /* borrowed from the results; NULL if not in the scenario facts */
    char id[RES_ID_MAX];
    double slo_s;                                                      /* 0 = none */
    double p99, p99_hw;                                                /* s; NaN if absent */
    double created, delivered, rejected, dead_lettered, lost, pending; /* means per run */
    char top_reason[RES_ID_MAX]; /* the most frequent rejected/lost reason, "" if none */
    res_verdict_status status;
} res_verdict_flow;

typedef enum res_verdict_limit_kind {
    RES_VERDICT_LIMIT_QUOTA = 0,
    RES_VERDICT_LIMIT_ALLOCATION,
    RES_VERDICT_LIMIT_POOL,
    RES_VERDICT_LIMIT_BULK
} res_verdict_limit_kind;

typedef struct res_verdict_limit {
    res_verdict_limit_kind kind;
    char id[RES_ID_MAX];
    char what[96];        /* "API calls per rolling 24 h": reads after "the limit of N" */
    char unit[16];        /* "calls", "deliveries", "threads" */
    double limit;         /* the limit */
    double peak, peak_hw; /* peak use, mean over replications, and its CI half-width */
    double headroom;      /* 1 - peak / limit */
    int runs_out;         /* replications in which it ran out */
    int reps;
    double out_at_s; /* mean time it ran out over those replications; NaN if never */
    double refused;  /* calls refused because of it, mean per run */
    res_verdict_status status;
} res_verdict_limit;

typedef struct res_verdict_break {
    double at_s;  /* when (mean over the replications it happened in); NaN = no time */
    int severity; /* higher first among the untimed */
    char text[256];
} res_verdict_break;

typedef struct res_verdict {
    res_verdict_flow *flows;
    int nflows;
    res_verdict_limit *limits;
    int nlimits;
    res_verdict_break *breaks;
    int nbreaks;
    int violation;
} res_verdict;

/* Computes the verdict of r into v (which owns its arrays; v borrows r). */
int res_verdict_compute(const res_results *r, res_verdict *v, sim_err *err);
void res_verdict_fini(res_verdict *v); /* frees the arrays; safe on a zeroed verdict */

/* "met" (a flow) or "ok" (a limit), "uncertain", "tight", "MISSED",
 * "EXHAUSTED", "-" (no verdict). */
const char *res_verdict_status_name(res_verdict_status s, int flow);

/* The short name of a kind of limit: "quota", "allocation", "pool",
 * "bulk" (results.json's limit kinds; "limit" for an unknown kind). */
const char *res_verdict_limit_kind_name(res_verdict_limit_kind k);

/* The headroom the card asks for: 30%. */
#define RES_VERDICT_HEADROOM 0.30

#endif
