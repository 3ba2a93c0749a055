/*
 * mdl_advise.h - the patterns card's decision tree and its anti-pattern
 * checks, applied to a validated scenario. Pure functions: nothing is
 * simulated, printed or (for one flow) allocated. `erpsim advise` prints
 * what these return and then simulates the declared and the recommended
 * assignment side by side.
 *
 * 1. The decision tree (card: "Integration Pattern Decision Tree"), walked
 *    for one flow from its `decision` block, its volume and its error
 *    tolerance. The tree has three branches under START; the first assigns
 *    the pattern, the other two attach safeguards:
 *
 *    timing      Is someone actively waiting for the result?
 *                  yes: financial-impact or compliance decision?  yes -> REAL-TIME
 *                       no: would a 5-minute delay cause impact?  yes -> REAL-TIME
 *                                                                  no -> EVENT-DRIVEN
 *                  no: triggered by a record change?
 *                       yes: multiple downstream systems?         yes -> EVENT-DRIVEN
 *                            no: records per day  <= 1,000 -> EVENT-DRIVEN
 *                                                 >  1,000 -> BATCH
 *                       no: scheduled synchronisation (or a full migration)?
 *                            full data migration                  -> FILE-BASED IMPORT
 *                            records per run  <  2,000           -> REST API (batch-style)
 *                                             2,000 .. 150,000   -> BULK API (single job)
 *                                             >  150,000         -> BULK API chunked or FILE
 *                            not scheduled                        -> case by case
 *    tolerance   zero-loss   -> EVENT-DRIVEN with replay + dead letter queue
 *                retry       -> EVENT-DRIVEN with at-least-once delivery
 *                best-effort -> BATCH with reconciliation report
 *    bidirectional  yes -> design a conflict resolution strategy FIRST
 *                   no  -> proceed with the chosen pattern
 *
 *    Boundaries. The card writes "< 1,000" and "> 1,000" records/day,
 *    "< 2,000", "2,000-150,000" and "> 150,000" records per run. Equality is
 *    read as: exactly 1,000/day is not "more than 1,000", so EVENT-DRIVEN;
 *    the range 2,000-150,000 includes both ends, so exactly 2,000 and
 *    exactly 150,000 records per run are BULK. Counts are compared with a
 *    relative tolerance of 1e-9, because a volume is stored per second
 *    (1,000/day is 0.011574.../s) and the product back to records/day need
 *    not be exactly 1,000.
 *
 *    Volume. The thresholds apply to the flow's declared volume (records per
 *    day at load 1x: the business volume the card's audit table lists), not
 *    to the scenario's load multiplier, which is a stress factor for the
 *    simulation. When the scenario's load would take another leaf the advice
 *    says so in its note.
 *
 *    Records per run (scheduled branch): selection full with a dataset: the
 *    dataset; otherwise the records created between two runs, volume x the
 *    longest gap between consecutive starts of the flow's schedule (a day
 *    for "daily", three for "mon,wed,fri" over the weekend, the period for
 *    "every"). The schedule is the flow's batch schedule, or its file
 *    schedule when the flow is declared file; both blocks have defaults, so
 *    every flow has one ("daily 01:00" unless written).
 *
 *    A flow is bidirectional when decision.bidirectional is set or its
 *    direction is bidirectional. A migration flag sends the flow to FILE
 *    when it is not change-triggered, whether or not `scheduled` is set (the
 *    card lists "Full data migration" under the scheduled branch).
 *
 * 2. Safeguards. Each recommendation lists what the card says it requires,
 *    checked against the flow's settings for the recommended pattern (the
 *    flow keeps a block per pattern, so a flow declared batch and advised
 *    event is checked against its event block, which is what a switch would
 *    use). Ids are stable (see mdl_safeguard_kind below).
 *
 * 3. Findings: the card's anti-patterns, failure points, pitfalls and
 *    authentication gotchas found in the whole scenario, each with a stable
 *    id ("AP-REALTIME-HIGH-VOLUME"), the flow(s) and/or system concerned, a
 *    detail with the numbers, and the card's fix. The catalogue (ids,
 *    titles, rules, fixes) is mdl_advise_catalogue(); docs/planning-advise.md
 *    lists it. A finding is a WARNING when the scenario certainly has the
 *    problem and a NOTE when the scenario cannot tell (it has no "data
 *    object" field, so a batch writing into a system with CDC on may or may
 *    not write a CDC object).
 *
 *    Static estimates (no simulation), at the scenario's load L unless said:
 *    - daily API calls of a system = sum over flows targeting it of
 *        realtime            records/day (one call each; retries not counted)
 *        event               records/day x (1 + redelivery) per subscriber that
 *                            applies through this system's API, plus the
 *                            reconciliation of flows targeting it: runs/day x
 *                            ceil(records compared / page_size), records
 *                            compared = key_space, or the records created
 *                            between two reconciliation runs
 *        batch, api rest     runs/day x ceil(records per run / page_size)
 *        batch bulk, file    0 (separate pools)
 *        bulk-load fault     records / days it is spread over (at least 1),
 *        with api rest       one call per record (a fault has no page size)
 *      headroom = 1 - calls / daily_limit, a finding below 30% (card: Step 4).
 *      Bulk: batches/day = runs/day x batches per run (each chunk of
 *      chunk_size records split into batches of records_per_batch), plus
 *      bulk-load faults, against bulk.batches_per_day, the same 30% rule.
 *      The simulated peak use is `erpsim plan`'s job.
 *    - event deliveries per day at 3x peak on a system's platform channel:
 *      "certain" = 3 x sum over event flows publishing there of records/day
 *      at 1x x peak-day factor (largest weekly weight / mean weight) x (1 +
 *      redelivery) x subscribers, plus the records per day of bulk-load
 *      faults with CDC on (one-off, not multiplied) x the channel's
 *      subscribers (at least 1: CDC consumers the scenario does not list);
 *      and of every flow whose `object` is one of the system's CDC objects;
 *      "possible" = the same 3x peak-day records of every flow that writes
 *      into the system while it has CDC objects without saying its object,
 *      x those subscribers. A flow or bulk load whose object is not a CDC
 *      object publishes nothing. A WARNING when the
 *      certain deliveries exceed events.delivery_allocation, a NOTE when only
 *      certain + possible do (card: "Load-test at 3x expected peak;
 *      provision based on peak, not average").
 *
 * Ownership: mdl_flow_advice is a plain struct with fixed arrays (no
 * allocation; texts are static or copied into fixed buffers). mdl_findings
 * owns its items; mdl_findings_fini frees them.
 *
 * Reference: integration-patterns-card.txt (decision tree, error patterns,
 * failure points, anti-patterns, common pitfalls), REFERENCE.md A4 (event
 * deliveries are counted per subscriber).
 * Checked by: tests/models/test_mdl_advise.c (one test per leaf; each
 * detector on a scenario that has the problem and one that does not).
 */
#ifndef MDL_ADVISE_H
#define MDL_ADVISE_H

#include "mdl_scenario.h"
#include "sim_err.h"

/* ---- the recommendation ---------------------------------------------------- */

typedef enum mdl_advice_pattern {
    MDL_ADVICE_REALTIME = 0, /* REAL-TIME (synchronous API call) */
    MDL_ADVICE_EVENT,        /* EVENT-DRIVEN */
    MDL_ADVICE_BATCH,        /* BATCH (change-triggered, > 1,000/day): any batch API */
    MDL_ADVICE_REST_BATCH,   /* REST API (batch-style), < 2,000 records per run */
    MDL_ADVICE_BULK,         /* BULK API (single job), 2,000-150,000 per run */
    MDL_ADVICE_BULK_CHUNKED, /* BULK API with job chunking or FILE-BASED, > 150,000 */
    MDL_ADVICE_FILE,         /* FILE-BASED IMPORT (full data migration) */
    MDL_ADVICE_CASE_BY_CASE, /* "Analyze case-by-case": no recommendation */
    MDL_ADVICE_COUNT
} mdl_advice_pattern;

/* Short machine name ("realtime", "event", "batch", "rest-batch", "bulk",
 * "bulk-chunked", "file", "case-by-case") and the card's leaf text. */
const char *mdl_advice_pattern_name(mdl_advice_pattern p);
const char *mdl_advice_pattern_text(mdl_advice_pattern p);

/* The scenario pattern (and batch API) a recommendation is simulated with:
 * realtime -> realtime; event -> event; batch -> batch with the flow's
 * batch.api; rest-batch -> batch, api rest; bulk and bulk-chunked -> batch,
 * api bulk (chunked: the flow's chunk_size); file -> file. *api is set to
 * -1 when the recommendation leaves the API to the flow. Returns 0, or -1
 * for case-by-case (nothing to switch to). */
int mdl_advice_to_spec(mdl_advice_pattern p, mdl_spec_pattern *pattern, int *api);

/* How the declared pattern compares with the recommendation. */
typedef enum mdl_advice_agreement {
    MDL_AGREE = 0,     /* same pattern (and API when the advice names one) */
    MDL_AGREE_PATTERN, /* batch both, but the advice names another API */
    MDL_DISAGREE,      /* another pattern */
    MDL_UNDECIDED      /* case-by-case: the tree gives no pattern */
} mdl_advice_agreement;

const char *mdl_advice_agreement_name(mdl_advice_agreement a); /* "agrees", ... */

/* ---- the branch taken ---------------------------------------------------- */

typedef enum mdl_advice_branch {
    MDL_BRANCH_TIMING = 0,   /* the pattern */
    MDL_BRANCH_TOLERANCE,    /* error tolerance */
    MDL_BRANCH_BIDIRECTIONAL /* bidirectional sync */
} mdl_advice_branch;

/* One question of the tree and the flow's answer. depth is the question's
 * indentation under its branch (0 = the branch's first question). outcome is
 * the card's leaf text when this answer ends the branch, else NULL. */
typedef struct mdl_advice_step {
    mdl_advice_branch branch;
    int depth;
    const char *question; /* static, the card's wording */
    char answer[128];     /* "yes", "no (1 system)", "500 records/day (<= 1,000)" */
    const char *outcome;  /* static or NULL */
} mdl_advice_step;

/* ---- safeguards ---------------------------------------------------------- */

typedef enum mdl_safeguard_kind {
    MDL_SG_BREAKER = 0,         /* SG-BREAKER: circuit breaker (every real-time flow) */
    MDL_SG_FALLBACK,            /* SG-FALLBACK: fallback path (queue for zero loss) */
    MDL_SG_IDEMPOTENT_UPSERT,   /* SG-IDEMPOTENT-UPSERT: at-least-once + upsert receiver */
    MDL_SG_REPLAY_DLQ,          /* SG-REPLAY-DLQ: replay id + dead-letter queue (zero loss) */
    MDL_SG_RECONCILIATION,      /* SG-RECONCILIATION: full reconciliation behind events */
    MDL_SG_RETRY_FAILED,        /* SG-RETRY-FAILED: batch retries the failed subset */
    MDL_SG_CHECKPOINT,          /* SG-CHECKPOINT: batch cutoff resumes (zero loss) */
    MDL_SG_RECON_REPORT,        /* SG-RECON-REPORT: reconciliation report (best effort) */
    MDL_SG_CONFLICT_RESOLUTION, /* SG-CONFLICT-RESOLUTION: bidirectional, designed first */
    MDL_SG_ORDERING_GUARD,      /* SG-ORDERING-GUARD: last-modified-wins (bidirectional) */
    MDL_SG_COUNT
} mdl_safeguard_kind;

typedef enum mdl_safeguard_status {
    MDL_SG_PRESENT = 0, /* the flow's settings have it */
    MDL_SG_MISSING,     /* they do not */
    MDL_SG_UNCHECKED    /* the scenario cannot express it: a design task */
} mdl_safeguard_status;

typedef struct mdl_safeguard {
    mdl_safeguard_kind kind;
    mdl_safeguard_status status;
    char detail[160]; /* the settings looked at, e.g. "receiver: upsert" */
} mdl_safeguard;

const char *mdl_safeguard_id(mdl_safeguard_kind k);            /* "SG-BREAKER" */
const char *mdl_safeguard_text(mdl_safeguard_kind k);          /* what the card requires */
const char *mdl_safeguard_status_name(mdl_safeguard_status s); /* "present", ... */

/* ---- one flow's advice --------------------------------------------------- */

#define MDL_ADVICE_STEPS_MAX      12
#define MDL_ADVICE_SAFEGUARDS_MAX 8

typedef struct mdl_flow_advice {
    int flow_index;
    mdl_advice_pattern recommended;
    mdl_advice_agreement agreement;
    double per_day; /* records/day at 1x, as the tree used it */
    double per_run; /* records per run when the scheduled branch asked, else 0 */
    mdl_advice_step steps[MDL_ADVICE_STEPS_MAX];
    int nsteps;
    mdl_safeguard safeguards[MDL_ADVICE_SAFEGUARDS_MAX];
    int nsafeguards;
    /* The recommendation at the scenario's load (load != 1 only) and a note
     * when it differs from the one at 1x; "" otherwise. */
    mdl_advice_pattern at_load;
    char note[256];
} mdl_flow_advice;

/* Walks the tree for flow `flow_index` of sc and fills *out. sc must be a
 * validated scenario (the loader's output). Returns SIM_OK, or SIM_EINVAL
 * for an index out of range. */
int mdl_advise_flow(const mdl_scenario *sc, int flow_index, mdl_flow_advice *out, sim_err *err);

/* The same walk for given inputs (what mdl_advise_flow uses): per_day is
 * records/day, per_run records per run of the flow's schedule. Fills steps
 * and recommended only. For tests and for `compare`. */
mdl_advice_pattern mdl_advise_tree(const mdl_decision_spec *d, mdl_spec_tolerance tolerance,
                                   double per_day, double per_run, mdl_flow_advice *out);

/* Records per run of flow f at `scale` x its declared volume (see above). */
double mdl_advise_per_run(const mdl_flow_spec *f, double scale);

/* ---- findings ------------------------------------------------------------ */

typedef enum mdl_finding_severity {
    MDL_FINDING_WARNING = 0, /* the scenario has the problem */
    MDL_FINDING_NOTE         /* it may have it: the scenario cannot tell */
} mdl_finding_severity;

const char *mdl_finding_severity_name(mdl_finding_severity s); /* "warning", "note" */

/* One entry of the catalogue: what a detector looks for and the card's fix. */
typedef struct mdl_antipattern {
    const char *id;     /* "AP-REALTIME-HIGH-VOLUME" */
    const char *title;  /* the card's name for it */
    const char *rule;   /* what the detector checks, in one sentence */
    const char *fix;    /* the card's fix */
    const char *source; /* the card's section */
} mdl_antipattern;

/* The detectors in the order they run; *n receives their number. */
const mdl_antipattern *mdl_advise_catalogue(int *n);
/* The entry with that id, or NULL. */
const mdl_antipattern *mdl_advise_antipattern(const char *id);

typedef struct mdl_finding {
    const mdl_antipattern *ap; /* static */
    mdl_finding_severity severity;
    char flow[MDL_SPEC_ID_MAX];   /* "" when about a system only */
    char flow2[MDL_SPEC_ID_MAX];  /* the other flow (mixed patterns), else "" */
    char system[MDL_SPEC_ID_MAX]; /* "" when about a flow only */
    char detail[320];
} mdl_finding;

typedef struct mdl_findings {
    mdl_finding *items;
    int count, cap;
} mdl_findings;

void mdl_findings_init(mdl_findings *f);
void mdl_findings_fini(mdl_findings *f); /* frees the items; init state again */

/* Runs every detector on sc and appends the findings to out (initialised by
 * the caller), in catalogue order, then flow/system order. Returns SIM_OK or
 * SIM_ENOMEM (out keeps what was found before). */
int mdl_advise_findings(const mdl_scenario *sc, mdl_findings *out, sim_err *err);

/* The first finding with that id (and that flow or system when not NULL),
 * or NULL. */
const mdl_finding *mdl_findings_find(const mdl_findings *f, const char *id, const char *flow,
                                     const char *system);

/* ---- estimates the detectors use (exposed for tests and docs) ------------- */

/* Expected REST calls per day into system si at the scenario's load. */
double mdl_advise_daily_calls(const mdl_scenario *sc, int si);
/* Bulk batches per day into system si at the scenario's load. */
double mdl_advise_daily_batches(const mdl_scenario *sc, int si);
/* Event deliveries per day on system si's platform channel at `mult` x the
 * declared volume on the peak day: *certain gets the events of event flows
 * and bulk-load faults with CDC, *possible the CDC of batch/file writes. */
void mdl_advise_deliveries(const mdl_scenario *sc, int si, double mult, double *certain,
                           double *possible);

#endif
