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
 *   limits     every record of the results' limit table, judged by
 *              res_limits.h: headroom = 1 - peak / limit; `EXHAUSTED` when
 *              it ran out in at least one replication, `tight` when the
 *              headroom is below the card's 30% ("leave at least 30%
 *              headroom for spikes"), `ok` otherwise.
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

#include "res_limits.h"
#include "res_results.h"
#include "sim_err.h"

typedef enum res_verdict_status {
    RES_VERDICT_OK = 0,    /* SLO met / limit with >= 30% headroom */
    RES_VERDICT_UNCERTAIN, /* SLO inside the CI of the p99 */
    RES_VERDICT_MISSED,    /* SLO missed */
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

typedef struct res_verdict_break {
    double at_s;  /* when (mean over the replications it happened in); NaN = no time */
    int severity; /* higher first among the untimed */
    char text[256];
} res_verdict_break;

typedef struct res_verdict {
    res_verdict_flow *flows;
    int nflows;
    res_limit *limits; /* one per record of the results' limit table */
    int nlimits;
    res_verdict_break *breaks;
    int nbreaks;
    int violation;
} res_verdict;

/* Computes the verdict of r into v (which owns its arrays; v borrows r). */
int res_verdict_compute(const res_results *r, res_verdict *v, sim_err *err);
void res_verdict_fini(res_verdict *v); /* frees the arrays; safe on a zeroed verdict */

/* A flow's latency verdict: "met", "uncertain", "MISSED", "-" (no SLO or
 * no data); the flow argument is kept for callers (ignored). */
const char *res_verdict_status_name(res_verdict_status s, int flow);

#endif
