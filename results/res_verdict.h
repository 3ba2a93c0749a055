/*
 * res_verdict.h - what the numbers of a run mean for an architecture
 * review, decided once: every command (run, report, plan at each load,
 * sweep, compare, advise), the exit codes and the banners ask this.
 *
 * One `holds` policy with named rules. A run PASSES when no FAIL rule
 * fires; it passes WITH WARNINGS when a WARN rule fires; NOTE items are
 * said but change nothing. docs/results.md states the rules for readers.
 *
 *   rule               severity  fires when
 *   slo_p99            FAIL      a flow's p99 latency (the mean over the
 *                                replications of flow.ID.latency_p99) is
 *                                above its latency SLO
 *   completeness       FAIL      the share of a flow's records not delivered
 *                                within the horizon is above its tolerance
 *                                (below)
 *   limit_exhausted    FAIL      a limit ran out in at least one replication
 *                                (res_limits.h)
 *   batch_overrun      FAIL      a batch or file run overran its window in at
 *                                least one replication
 *   slo_uncertain      WARN      the SLO lies inside the 95% CI of the p99,
 *                                the mean below it: more replications would
 *                                settle it
 *   too_few_records    WARN      fewer than 100 records delivered per
 *                                replication: a p99 cannot be told from the
 *                                maximum, so the SLO is not judged
 *   limit_tight        WARN      a limit's headroom is below the card's 30%
 *   not_delivered      WARN      records not delivered, within the tolerance
 *   projected_overrun  WARN      most replications project a batch window
 *                                overrun as the data grows
 *                                (res_projection.h: a finding)
 *   projection_evidence NOTE     a projection without enough evidence: the
 *                                horizon to run to get it
 *
 * Completeness. Per flow, per replication on average:
 *   not delivered = rejected + dead-lettered + lost + overdue pending,
 *   overdue pending = pending beyond what the flow creates in one SLO at
 *   its mean rate (created / measured time x SLO): those can still be in
 *   flight on time; the rest waited longer than the SLO (records parked by
 *   a queue fallback are pending). A flow without an SLO has no overdue.
 * The flow misses when not delivered / created > tolerance, where the
 * tolerance comes from its error_tolerance and impact (res_verdict_tolerance):
 *   zero-loss                 0 (any record)
 *   retry (the default)       critical 0.1%, high 0.5%, medium 1%, low 5%
 *   best-effort               five times that
 *
 * What breaks first: the items, FAIL before WARN before NOTE; within a
 * severity, those with a time first (earliest first: a limit running out,
 * a batch overrunning), then the others by weight. Each failure and each
 * tight limit names its cause, and each exhausted or tight limit what it
 * would take (res_cause.h).
 */
#ifndef RES_VERDICT_H
#define RES_VERDICT_H

#include "res_limits.h"
#include "res_projection.h"
#include "res_results.h"
#include "sim_err.h"

/* A p99 needs at least this many records per replication (below it the
 * 99th percentile is the largest value). */
#define RES_MIN_RECORDS_P99 100

typedef enum res_severity { RES_NOTE = 0, RES_WARN, RES_FAIL } res_severity;

typedef enum res_rule {
    RES_RULE_SLO_P99 = 0,
    RES_RULE_COMPLETENESS,
    RES_RULE_LIMIT_EXHAUSTED,
    RES_RULE_BATCH_OVERRUN,
    RES_RULE_SLO_UNCERTAIN,
    RES_RULE_TOO_FEW_RECORDS,
    RES_RULE_LIMIT_TIGHT,
    RES_RULE_NOT_DELIVERED,
    RES_RULE_PROJECTED_OVERRUN,
    RES_RULE_NO_EVIDENCE,
    RES_NRULES
} res_rule;

typedef enum res_verdict_status {
    RES_VERDICT_OK = 0,     /* SLO met, complete */
    RES_VERDICT_UNCERTAIN,  /* SLO inside the CI of the p99 */
    RES_VERDICT_FEW,        /* too few records for a p99 */
    RES_VERDICT_MISSED,     /* p99 above the SLO */
    RES_VERDICT_INCOMPLETE, /* too many records not delivered */
    RES_VERDICT_NONE        /* no SLO, or nothing created */
} res_verdict_status;

typedef struct res_verdict_flow {
    const res_flow *flow; /* borrowed from the results */
    char id[RES_ID_MAX];
    double slo_s;       /* 0 = none */
    double p99, p99_hw; /* s; NaN if absent */
    /* means per replication */
    double created, delivered, rejected, dead_lettered, lost, pending;
    double parked;               /* of pending, parked by a queue fallback; NaN if not measured */
    double overdue;              /* pending older than the SLO (estimated, see above) */
    double not_delivered;        /* rejected + dead_lettered + lost + overdue */
    double share;                /* not_delivered / created; NaN when nothing was created */
    double tolerance;            /* the share it may not deliver */
    char top_reason[RES_ID_MAX]; /* the most frequent rejected/lost reason, "" if none */
    res_verdict_status latency;  /* OK, UNCERTAIN, FEW, MISSED or NONE */
    int complete;                /* 1 within its tolerance, 0 not, -1 nothing created */
    res_verdict_status status;   /* the flow's verdict: MISSED, INCOMPLETE, else latency */
} res_verdict_flow;

/* One entry of "what breaks first". */
typedef struct res_item {
    res_rule rule;
    char subject[RES_ID_MAX]; /* the flow or limit it is about */
    double at_s;              /* when (mean over the replications it happened in); NaN = no time */
    double weight;            /* orders the untimed within a severity, larger first */
    char text[320];
    char cause[320]; /* the mechanism behind it, from the metrics (res_cause.h); "" if none */
    char take[240];  /* for a limit: the capacity it would take (res_cause.h); "" otherwise */
} res_item;

typedef struct res_verdict {
    res_verdict_flow *flows;
    int nflows;
    res_limit *limits; /* one per record of the results' limit table */
    int nlimits;
    res_projection *projections; /* one per batch or file flow */
    int nprojections;
    res_item *items; /* sorted: see above */
    int nitems;
    int count[RES_NRULES]; /* items per rule */
    int holds;             /* no FAIL item */
} res_verdict;

/* Computes the verdict of r into v (which owns its arrays; v borrows r). */
int res_verdict_compute(const res_results *r, res_verdict *v, sim_err *err);
void res_verdict_fini(res_verdict *v); /* frees the arrays; safe on a zeroed verdict */

/* 2 when it fails, 1 when it passes with warnings, 0 when it passes. */
int res_verdict_level(const res_verdict *v);
/* "PASS" or "FAIL". */
const char *res_verdict_result(const res_verdict *v);
/* The one-line verdict every command prints: "FAIL: 1 flow misses its
 * latency SLO, 1 limit ran out", "PASS, WITH WARNINGS: 1 limit below 30%
 * headroom", "PASS: every SLO met, every flow delivers its records, every
 * limit keeps 30% headroom". Returns buf. */
char *res_verdict_banner(const res_verdict *v, char *buf, size_t n);
/* What "What breaks first" says when nothing does: "every SLO is met,
 * every flow delivers its records and every limit keeps the card's 30%
 * headroom" (no capital, no full stop). Returns buf. */
char *res_verdict_nothing_breaks(char *buf, size_t n);
/* The first FAIL item, or NULL when it holds. */
const res_item *res_verdict_first_failure(const res_verdict *v);

/* Fills a variant's verdict and flow figures (res_results.h) from v;
 * var->flows has room for v->nflows (res_results_add_variant). */
void res_verdict_summarise(const res_verdict *v, res_variant *var);

/* 1 when the flow's own verdict holds (not MISSED, not INCOMPLETE). */
int res_verdict_flow_holds(const res_verdict_flow *f);

/* "met", "uncertain", "too few", "MISSED", "INCOMPLETE", "-". */
const char *res_verdict_status_name(res_verdict_status s);
/* "slo_p99", "completeness", ... (results.json's names). */
const char *res_rule_name(res_rule r);
res_severity res_rule_severity(res_rule r);
/* "FAIL", "WARN", "NOTE". */
const char *res_severity_name(res_severity s);
/* The hold rules in one sentence, for the plan's explanation. */
const char *res_verdict_rules_text(void);

/* The share of records flow f may leave undelivered (see above). */
double res_verdict_tolerance(const res_flow *f);

#endif
