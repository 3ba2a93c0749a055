/*
 * mdl_advise.c - the card's decision tree, safeguards and anti-pattern
 * detectors (see mdl_advise.h for the rules and the estimates).
 *
 * Design notes.
 *  1. The tree walk only reads a decision block, a tolerance and two counts
 *     (mdl_advise_tree), so each leaf can be tested from hand-made inputs;
 *     mdl_advise_flow adds what needs the scenario (volumes, schedules,
 *     safeguards, agreement, the note about the scenario's load).
 *  2. Every text the walk produces is either a static string of the card's
 *     wording or formatted into a fixed buffer of the result: no allocation.
 *  3. Detectors are independent static functions run in catalogue order;
 *     each appends findings through add(), the only allocating call.
 *  4. Counts are compared with a relative tolerance (cmp_count) so that
 *     1,000/day stored as 0.011574.../s still reads as exactly 1,000.
 */
#include "mdl_advise.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mdl_limit.h"
#include "sim_alloc.h"

#define DAY_S         86400.0
#define HEADROOM_MIN  MDL_HEADROOM /* card: Step 4, "at least 30% headroom" */
#define PEAK_LOAD     3.0          /* card: "Load-test at 3x expected peak" */
#define EVENT_MAX_DAY 1000.0       /* card: "< 1,000 records/day -> EVENT-DRIVEN" */
#define REST_MAX_RUN  2000.0       /* card: "< 2,000 records -> REST API" */
#define BULK_MAX_RUN  150000.0

/* ---- names and texts --------------------------------------------------- */

static const char *const pattern_names[MDL_ADVICE_COUNT] = {
    "realtime", "event", "batch", "rest-batch", "bulk", "bulk-chunked", "file", "case-by-case"};

static const char *const pattern_texts[MDL_ADVICE_COUNT] = {
    "REAL-TIME (synchronous API call)",
    "EVENT-DRIVEN",
    "BATCH",
    "REST API (batch-style)",
    "BULK API (single job)",
    "BULK API with job chunking or FILE-BASED",
    "FILE-BASED IMPORT",
    "Analyze case-by-case",
};

const char *mdl_advice_pattern_name(mdl_advice_pattern p)
{
    return (unsigned)p < MDL_ADVICE_COUNT ? pattern_names[p] : "?";
}

const char *mdl_advice_pattern_text(mdl_advice_pattern p)
{
    return (unsigned)p < MDL_ADVICE_COUNT ? pattern_texts[p] : "?";
}

int mdl_advice_to_spec(mdl_advice_pattern p, mdl_spec_pattern *pattern, int *api)
{
    mdl_spec_pattern pat = MDL_SPEC_PATTERN_BATCH;
    int a = -1;
    switch (p) {
    case MDL_ADVICE_REALTIME:
        pat = MDL_SPEC_PATTERN_REALTIME;
        break;
    case MDL_ADVICE_EVENT:
        pat = MDL_SPEC_PATTERN_EVENT;
        break;
    case MDL_ADVICE_BATCH:
        break;
    case MDL_ADVICE_REST_BATCH:
        a = MDL_SPEC_API_REST;
        break;
    case MDL_ADVICE_BULK:
    case MDL_ADVICE_BULK_CHUNKED:
        a = MDL_SPEC_API_BULK;
        break;
    case MDL_ADVICE_FILE:
        pat = MDL_SPEC_PATTERN_FILE;
        break;
    default:
        return -1;
    }
    if (pattern)
        *pattern = pat;
    if (api)
        *api = a;
    return 0;
}

const char *mdl_advice_agreement_name(mdl_advice_agreement a)
{
    static const char *const names[] = {"agrees", "agrees on the pattern, not the API", "differs",
                                        "no recommendation"};
    return (unsigned)a <= MDL_UNDECIDED ? names[a] : "?";
}

static const struct {
    const char *id, *text;
} safeguards[MDL_SG_COUNT] = {
    [MDL_SG_BREAKER] = {"SG-BREAKER", "circuit breaker in front of the synchronous call (card: "
                                      "5-failure threshold, 60 s recovery window)"},
    [MDL_SG_FALLBACK] = {"SG-FALLBACK", "fallback path when the target fails: queue for "
                                        "asynchronous retry (or fail closed, on purpose)"},
    [MDL_SG_IDEMPOTENT_UPSERT] = {"SG-IDEMPOTENT-UPSERT",
                                  "at-least-once delivery with an idempotent receiver: upsert "
                                  "on an external id, never insert"},
    [MDL_SG_REPLAY_DLQ] = {"SG-REPLAY-DLQ", "zero loss: reconnect with the last replay id and "
                                            "keep a dead-letter queue"},
    [MDL_SG_RECONCILIATION] = {"SG-RECONCILIATION",
                               "periodic full reconciliation independent of the event stream"},
    [MDL_SG_RETRY_FAILED] = {"SG-RETRY-FAILED",
                             "per-record error logging; retry the failed subset"},
    [MDL_SG_CHECKPOINT] = {"SG-CHECKPOINT", "zero loss: hard cutoff with checkpoint resume, so "
                                            "a run cut off resumes instead of dropping records"},
    [MDL_SG_RECON_REPORT] = {"SG-RECON-REPORT", "best effort: a reconciliation report of the "
                                                "records that failed"},
    [MDL_SG_CONFLICT_RESOLUTION] = {"SG-CONFLICT-RESOLUTION",
                                    "bidirectional: design the conflict resolution strategy "
                                    "FIRST"},
    [MDL_SG_ORDERING_GUARD] = {"SG-ORDERING-GUARD", "bidirectional: sequence numbers or "
                                                    "last-modified-wins on every apply"},
};

const char *mdl_safeguard_id(mdl_safeguard_kind k)
{
    return (unsigned)k < MDL_SG_COUNT ? safeguards[k].id : "?";
}

const char *mdl_safeguard_text(mdl_safeguard_kind k)
{
    return (unsigned)k < MDL_SG_COUNT ? safeguards[k].text : "?";
}

const char *mdl_safeguard_status_name(mdl_safeguard_status s)
{
    static const char *const names[] = {"present", "missing", "unchecked"};
    return (unsigned)s <= MDL_SG_UNCHECKED ? names[s] : "?";
}

const char *mdl_finding_severity_name(mdl_finding_severity s)
{
    return s == MDL_FINDING_NOTE ? "note" : "warning";
}

/* ---- counts and schedules ---------------------------------------------- */

/* -1, 0, 1 as a is below, equal to (within 1e-9 relative) or above b. */
static int cmp_count(double a, double b)
{
    double scale = fmax(1.0, fmax(fabs(a), fabs(b)));
    if (fabs(a - b) <= 1e-9 * scale)
        return 0;
    return a < b ? -1 : 1;
}

/* "50,000", "1,234,567", or "0.5" for small non-integers. */
static const char *fmt_count(double x, char *buf, size_t n)
{
    if (!(fabs(x) < 1e15)) {
        snprintf(buf, n, "%g", x);
        return buf;
    }
    double r = floor(x + 0.5);
    if (fabs(x) < 100 && fabs(x - r) > 1e-6 * fmax(1.0, fabs(x))) {
        snprintf(buf, n, "%.3g", x);
        return buf;
    }
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", fabs(r));
    size_t len = strlen(digits), o = 0;
    if (r < 0 && o + 1 < n)
        buf[o++] = '-';
    for (size_t i = 0; i < len && o + 1 < n; i++) {
        buf[o++] = digits[i];
        size_t left = len - i - 1;
        if (left > 0 && left % 3 == 0 && o + 1 < n)
            buf[o++] = ',';
    }
    buf[o] = '\0';
    return buf;
}

/* The longest gap between consecutive starts, in seconds; 0 when the
 * schedule never starts. */
static double longest_gap_s(const mdl_schedule *s)
{
    if (s->kind == MDL_SCHEDULE_EVERY)
        return s->period > 0 ? sim_time_to_seconds(s->period) : 0.0;
    if (s->kind != MDL_SCHEDULE_DAYS || (s->days_mask & MDL_DAYS_ALL) == 0)
        return 0.0;
    int best = 0;
    for (int d = 0; d < 7; d++) {
        if (!(s->days_mask & (1u << d)))
            continue;
        int gap = 1;
        while (!(s->days_mask & (1u << ((d + gap) % 7))))
            gap++;
        if (gap > best)
            best = gap;
    }
    return best * DAY_S;
}

/* Starts per day on average; 0 when the schedule never starts. */
static double runs_per_day(const mdl_schedule *s)
{
    if (s->kind == MDL_SCHEDULE_EVERY)
        return s->period > 0 ? DAY_S / sim_time_to_seconds(s->period) : 0.0;
    if (s->kind != MDL_SCHEDULE_DAYS)
        return 0.0;
    int days = 0;
    for (int d = 0; d < 7; d++)
        days += (s->days_mask >> d) & 1u;
    return days / 7.0;
}

static const mdl_schedule *flow_schedule(const mdl_flow_spec *f)
{
    return f->pattern == MDL_SPEC_PATTERN_FILE ? &f->file.schedule : &f->batch.schedule;
}

double mdl_advise_per_run(const mdl_flow_spec *f, double scale)
{
    if (f->pattern != MDL_SPEC_PATTERN_FILE && f->batch.selection == MDL_SPEC_SELECTION_FULL &&
        f->batch.dataset > 0)
        return f->batch.dataset;
    double gap = longest_gap_s(flow_schedule(f));
    if (gap <= 0)
        gap = DAY_S; /* never runs on its own: size it as a daily run */
    return f->volume * scale * gap;
}

/* The peak day's share of an average day: largest weekly weight / mean. */
static double peak_day_factor(const mdl_flow_spec *f)
{
    double sum = 0, max = 0;
    for (int i = 0; i < 7; i++) {
        sum += f->arrival.weekly[i];
        if (f->arrival.weekly[i] > max)
            max = f->arrival.weekly[i];
    }
    return sum > 0 ? max / (sum / 7.0) : 1.0;
}

static double per_day_1x(const mdl_flow_spec *f)
{
    return f->volume * DAY_S;
}

static int is_bidirectional(const mdl_flow_spec *f)
{
    return f->decision.bidirectional || f->direction == MDL_SPEC_DIR_BIDIRECTIONAL;
}

/* ---- the tree ------------------------------------------------------------ */

static mdl_advice_step *step(mdl_flow_advice *a, mdl_advice_branch b, int depth,
                             const char *question, const char *outcome, const char *fmt, ...)
    SIM_PRINTF(6, 7);

static mdl_advice_step *step(mdl_flow_advice *a, mdl_advice_branch b, int depth,
                             const char *question, const char *outcome, const char *fmt, ...)
{
    if (a->nsteps >= MDL_ADVICE_STEPS_MAX)
        return NULL; /* cannot happen: the deepest walk has 7 steps */
    mdl_advice_step *s = &a->steps[a->nsteps++];
    s->branch = b;
    s->depth = depth;
    s->question = question;
    s->outcome = outcome;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->answer, sizeof s->answer, fmt, ap);
    va_end(ap);
    return s;
}

static const char Q_WAITING[] = "Is someone actively waiting for the result?";
static const char Q_FINANCIAL[] = "Is it a financial-impact or compliance decision?";
static const char Q_FIVE_MIN[] = "Would a 5-minute delay cause genuine business impact?";
static const char Q_CHANGE[] = "Is the data flow triggered by a record change?";
static const char Q_DOWNSTREAM[] = "Do multiple downstream systems need this change?";
static const char Q_PER_DAY[] = "Records per day?";
static const char Q_SCHEDULED[] = "Is it a scheduled data synchronization?";
static const char Q_PER_RUN[] = "Volume per run?";
static const char Q_TOLERANCE[] = "Error tolerance?";
static const char Q_BIDIR[] = "Bidirectional sync needed?";

static mdl_advice_pattern timing(const mdl_decision_spec *d, double per_day, double per_run,
                                 mdl_flow_advice *a)
{
    const mdl_advice_branch T = MDL_BRANCH_TIMING;
    static const char rt[] = "REAL-TIME (synchronous API call)";
    char n[32];
    if (d->someone_waiting) {
        step(a, T, 0, Q_WAITING, NULL, "yes");
        if (d->financial_or_compliance) {
            step(a, T, 1, Q_FINANCIAL, rt, "yes");
            return MDL_ADVICE_REALTIME;
        }
        step(a, T, 1, Q_FINANCIAL, NULL, "no");
        if (d->five_minute_impact) {
            step(a, T, 2, Q_FIVE_MIN, rt, "yes");
            return MDL_ADVICE_REALTIME;
        }
        step(a, T, 2, Q_FIVE_MIN, "EVENT-DRIVEN (near-real-time async)", "no");
        return MDL_ADVICE_EVENT;
    }
    step(a, T, 0, Q_WAITING, NULL, "no");
    if (d->change_triggered) {
        step(a, T, 1, Q_CHANGE, NULL, "yes");
        if (d->downstream_systems > 1) {
            step(a, T, 2, Q_DOWNSTREAM, "EVENT-DRIVEN (pub/sub pattern)", "yes (%d systems)",
                 d->downstream_systems);
            return MDL_ADVICE_EVENT;
        }
        step(a, T, 2, Q_DOWNSTREAM, NULL, "no (1 system): EVENT-DRIVEN or BATCH by volume");
        fmt_count(per_day, n, sizeof n);
        if (cmp_count(per_day, EVENT_MAX_DAY) <= 0) {
            step(a, T, 3, Q_PER_DAY, "EVENT-DRIVEN", "%s (<= 1,000)", n);
            return MDL_ADVICE_EVENT;
        }
        step(a, T, 3, Q_PER_DAY, "BATCH", "%s (> 1,000)", n);
        return MDL_ADVICE_BATCH;
    }
    step(a, T, 1, Q_CHANGE, NULL, "no");
    if (d->migration) {
        if (d->scheduled)
            step(a, T, 2, Q_SCHEDULED, NULL, "yes");
        else
            step(a, T, 2, Q_SCHEDULED, NULL,
                 "no, but a full data migration (the card lists it under yes)");
        step(a, T, 3, Q_PER_RUN, "FILE-BASED IMPORT", "full data migration");
        return MDL_ADVICE_FILE;
    }
    if (!d->scheduled) {
        step(a, T, 2, Q_SCHEDULED, "Analyze case-by-case", "no");
        return MDL_ADVICE_CASE_BY_CASE;
    }
    step(a, T, 2, Q_SCHEDULED, NULL, "yes");
    fmt_count(per_run, n, sizeof n);
    if (cmp_count(per_run, REST_MAX_RUN) < 0) {
        step(a, T, 3, Q_PER_RUN, "REST API (batch-style)", "%s records (< 2,000)", n);
        return MDL_ADVICE_REST_BATCH;
    }
    if (cmp_count(per_run, BULK_MAX_RUN) <= 0) {
        step(a, T, 3, Q_PER_RUN, "BULK API (single job)", "%s records (2,000-150,000)", n);
        return MDL_ADVICE_BULK;
    }
    step(a, T, 3, Q_PER_RUN, "BULK API with job chunking or FILE-BASED", "%s records (> 150,000)",
         n);
    return MDL_ADVICE_BULK_CHUNKED;
}

mdl_advice_pattern mdl_advise_tree(const mdl_decision_spec *d, mdl_spec_tolerance tolerance,
                                   double per_day, double per_run, mdl_flow_advice *out)
{
    out->nsteps = 0;
    out->recommended = timing(d, per_day, per_run, out);
    const mdl_advice_branch E = MDL_BRANCH_TOLERANCE;
    switch (tolerance) {
    case MDL_SPEC_TOLERANCE_ZERO_LOSS:
        step(out, E, 0, Q_TOLERANCE, "EVENT-DRIVEN with replay + dead letter queue",
             "zero-loss required");
        break;
    case MDL_SPEC_TOLERANCE_BEST_EFFORT:
        step(out, E, 0, Q_TOLERANCE, "BATCH with reconciliation report", "best-effort");
        break;
    default:
        step(out, E, 0, Q_TOLERANCE, "EVENT-DRIVEN with at-least-once delivery",
             "retry acceptable");
        break;
    }
    if (d->bidirectional)
        step(out, MDL_BRANCH_BIDIRECTIONAL, 0, Q_BIDIR, "Design conflict resolution strategy FIRST",
             "yes");
    else
        step(out, MDL_BRANCH_BIDIRECTIONAL, 0, Q_BIDIR, "Proceed with chosen pattern", "no");
    return out->recommended;
}

/* ---- safeguards ---------------------------------------------------------- */

static void guard(mdl_flow_advice *a, mdl_safeguard_kind k, mdl_safeguard_status st,
                  const char *fmt, ...) SIM_PRINTF(4, 5);

static void guard(mdl_flow_advice *a, mdl_safeguard_kind k, mdl_safeguard_status st,
                  const char *fmt, ...)
{
    if (a->nsafeguards >= MDL_ADVICE_SAFEGUARDS_MAX)
        return; /* cannot happen: at most 5 per recommendation */
    mdl_safeguard *s = &a->safeguards[a->nsafeguards++];
    s->kind = k;
    s->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->detail, sizeof s->detail, fmt, ap);
    va_end(ap);
}

#define HAS(c) ((c) ? MDL_SG_PRESENT : MDL_SG_MISSING)

static void realtime_guards(const mdl_flow_spec *f, mdl_flow_advice *a)
{
    const mdl_realtime_spec *r = &f->realtime;
    guard(a, MDL_SG_BREAKER, HAS(r->breaker.enabled), "realtime.breaker.enabled: %s",
          r->breaker.enabled ? "true" : "false");
    const char *fb = mdl_spec_name(mdl_spec_fallback_names, (int)r->fallback);
    if (f->error_tolerance == MDL_SPEC_TOLERANCE_ZERO_LOSS)
        guard(a, MDL_SG_FALLBACK, HAS(r->fallback == MDL_SPEC_FALLBACK_QUEUE),
              "realtime.fallback: %s (zero loss needs queue: a rejected record is lost to the "
              "integration)",
              fb);
    else
        guard(a, MDL_SG_FALLBACK, HAS(r->fallback != MDL_SPEC_FALLBACK_NONE),
              "realtime.fallback: %s", fb);
}

static void event_guards(const mdl_flow_spec *f, mdl_flow_advice *a)
{
    const mdl_event_spec *e = &f->event;
    guard(a, MDL_SG_IDEMPOTENT_UPSERT,
          HAS(e->receiver == MDL_SPEC_RECEIVER_UPSERT && e->max_attempts > 1),
          "event.receiver: %s, event.max_attempts: %d",
          mdl_spec_name(mdl_spec_receiver_names, (int)e->receiver), e->max_attempts);
    if (f->error_tolerance == MDL_SPEC_TOLERANCE_ZERO_LOSS) {
        int resume = 1;
        for (int i = 0; i < e->nsubscribers; i++)
            resume = resume && e->subscribers[i].replay_resume;
        guard(a, MDL_SG_REPLAY_DLQ, HAS(resume && e->dead_letter),
              "replay_resume: %s, event.dead_letter: %s",
              resume ? "true for every subscriber" : "false for a subscriber",
              e->dead_letter ? "true" : "false");
    }
    guard(a, MDL_SG_RECONCILIATION, HAS(e->reconciliation.enabled),
          "event.reconciliation.enabled: %s", e->reconciliation.enabled ? "true" : "false");
}

static void batch_guards(const mdl_flow_spec *f, mdl_flow_advice *a)
{
    const mdl_batch_spec *b = &f->batch;
    guard(a, MDL_SG_RETRY_FAILED, HAS(b->retry_limit > 0), "batch.retry_limit: %d", b->retry_limit);
    if (f->error_tolerance == MDL_SPEC_TOLERANCE_ZERO_LOSS)
        guard(a, MDL_SG_CHECKPOINT, HAS(b->checkpoint), "batch.checkpoint: %s",
              b->checkpoint ? "true" : "false");
    if (f->error_tolerance == MDL_SPEC_TOLERANCE_BEST_EFFORT)
        guard(a, MDL_SG_RECON_REPORT, MDL_SG_UNCHECKED,
              "no scenario setting: erpsim counts failed records per reason");
}

static void file_guards(const mdl_flow_spec *f, mdl_flow_advice *a)
{
    (void)f;
    guard(a, MDL_SG_RECON_REPORT, MDL_SG_UNCHECKED,
          "no scenario setting: erpsim counts failed records per reason");
}

static void add_guards(const mdl_flow_spec *f, mdl_flow_advice *a)
{
    a->nsafeguards = 0;
    switch (a->recommended) {
    case MDL_ADVICE_REALTIME:
        realtime_guards(f, a);
        break;
    case MDL_ADVICE_EVENT:
        event_guards(f, a);
        break;
    case MDL_ADVICE_BATCH:
    case MDL_ADVICE_REST_BATCH:
    case MDL_ADVICE_BULK:
    case MDL_ADVICE_BULK_CHUNKED:
        batch_guards(f, a);
        break;
    case MDL_ADVICE_FILE:
        file_guards(f, a);
        break;
    default:
        break;
    }
    if (is_bidirectional(f)) {
        guard(a, MDL_SG_CONFLICT_RESOLUTION, MDL_SG_UNCHECKED,
              "a design decision the scenario cannot express");
        if (a->recommended == MDL_ADVICE_EVENT)
            guard(a, MDL_SG_ORDERING_GUARD, HAS(f->event.ordering_guard),
                  "event.ordering_guard: %s", f->event.ordering_guard ? "true" : "false");
    }
}

static mdl_advice_agreement agreement(const mdl_flow_spec *f, mdl_advice_pattern p)
{
    mdl_spec_pattern pat;
    int api;
    if (mdl_advice_to_spec(p, &pat, &api) != 0)
        return MDL_UNDECIDED;
    if (p == MDL_ADVICE_BULK_CHUNKED && f->pattern == MDL_SPEC_PATTERN_FILE)
        return MDL_AGREE; /* "BULK API with job chunking or FILE-BASED" */
    if (pat != f->pattern)
        return MDL_DISAGREE;
    if (pat == MDL_SPEC_PATTERN_BATCH && api >= 0 && (int)f->batch.api != api)
        return MDL_AGREE_PATTERN;
    return MDL_AGREE;
}

int mdl_advise_flow(const mdl_scenario *sc, int flow_index, mdl_flow_advice *out, sim_err *err)
{
    if (!sc || flow_index < 0 || flow_index >= sc->nflows)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "no flow #%d", flow_index);
    const mdl_flow_spec *f = &sc->flows[flow_index];
    memset(out, 0, sizeof *out);
    out->flow_index = flow_index;
    mdl_decision_spec d = f->decision;
    d.bidirectional = is_bidirectional(f);
    out->per_day = per_day_1x(f);
    double per_run = mdl_advise_per_run(f, 1.0);
    mdl_advise_tree(&d, f->error_tolerance, out->per_day, per_run, out);
    for (int i = 0; i < out->nsteps; i++)
        if (out->steps[i].question == Q_PER_RUN && d.scheduled && !d.migration)
            out->per_run = per_run;
    out->agreement = agreement(f, out->recommended);
    add_guards(f, out);
    out->at_load = out->recommended;
    if (cmp_count(sc->load, 1.0) != 0) {
        mdl_flow_advice tmp;
        memset(&tmp, 0, sizeof tmp);
        double day_l = out->per_day * sc->load;
        out->at_load =
            mdl_advise_tree(&d, f->error_tolerance, day_l, mdl_advise_per_run(f, sc->load), &tmp);
        if (out->at_load != out->recommended) {
            char l[32], v[32];
            snprintf(l, sizeof l, "%g", sc->load);
            const char *what = "records/day";
            double x = day_l;
            if (out->per_run > 0) {
                what = "records per run";
                x = mdl_advise_per_run(f, sc->load);
            }
            snprintf(out->note, sizeof out->note,
                     "at the scenario's load (%sx) the flow has %s %s, which the tree sends to "
                     "%s; the card's thresholds are read at the declared volume (1x)",
                     l, fmt_count(x, v, sizeof v), what, mdl_advice_pattern_text(out->at_load));
        }
    }
    return SIM_OK;
}

/* ---- findings: storage ------------------------------------------------------ */

void mdl_findings_init(mdl_findings *f)
{
    memset(f, 0, sizeof *f);
}

void mdl_findings_fini(mdl_findings *f)
{
    if (!f)
        return;
    sim_free(f->items);
    mdl_findings_init(f);
}

const mdl_finding *mdl_findings_find(const mdl_findings *f, const char *id, const char *flow,
                                     const char *system)
{
    for (int i = 0; i < f->count; i++) {
        const mdl_finding *x = &f->items[i];
        if (strcmp(x->ap->id, id) != 0)
            continue;
        if (flow && strcmp(x->flow, flow) != 0 && strcmp(x->flow2, flow) != 0)
            continue;
        if (system && strcmp(x->system, system) != 0)
            continue;
        return x;
    }
    return NULL;
}

static int add(mdl_findings *out, const mdl_antipattern *ap, mdl_finding_severity sev,
               const char *flow, const char *flow2, const char *system, const char *fmt, ...)
    SIM_PRINTF(7, 8);

static int add(mdl_findings *out, const mdl_antipattern *ap, mdl_finding_severity sev,
               const char *flow, const char *flow2, const char *system, const char *fmt, ...)
{
    if (out->count == out->cap) {
        int cap = out->cap ? 2 * out->cap : 8;
        mdl_finding *p = sim_reallocarray(out->items, (size_t)cap, sizeof *p);
        if (!p)
            return SIM_ENOMEM;
        out->items = p;
        out->cap = cap;
    }
    mdl_finding *x = &out->items[out->count++];
    memset(x, 0, sizeof *x);
    x->ap = ap;
    x->severity = sev;
    snprintf(x->flow, sizeof x->flow, "%s", flow ? flow : "");
    snprintf(x->flow2, sizeof x->flow2, "%s", flow2 ? flow2 : "");
    snprintf(x->system, sizeof x->system, "%s", system ? system : "");
    va_list ap_;
    va_start(ap_, fmt);
    vsnprintf(x->detail, sizeof x->detail, fmt, ap_);
    va_end(ap_);
    return SIM_OK;
}

/* ---- estimates -------------------------------------------------------------- */

static double recon_calls_per_day(const mdl_scenario *sc, const mdl_flow_spec *f)
{
    const mdl_recon_spec *r = &f->event.reconciliation;
    double runs = runs_per_day(&r->schedule);
    if (!r->enabled || runs <= 0)
        return 0.0;
    double gap_days = longest_gap_s(&r->schedule) / DAY_S;
    double records = f->key_space > 0 ? f->key_space : mdl_scenario_flow_per_day(sc, f) * gap_days;
    return runs * ceil(records / (r->page_size > 0 ? r->page_size : 1));
}

static double spread_days(const mdl_fault_spec *x)
{
    double d = sim_time_to_seconds(x->duration) / DAY_S;
    return d > 1.0 ? d : 1.0;
}

double mdl_advise_daily_calls(const mdl_scenario *sc, int si)
{
    double calls = 0;
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        double day = mdl_scenario_flow_per_day(sc, f);
        switch (f->pattern) {
        case MDL_SPEC_PATTERN_REALTIME:
            if (f->target_index == si)
                calls += day;
            break;
        case MDL_SPEC_PATTERN_EVENT:
            for (int j = 0; j < f->event.nsubscribers; j++) {
                const mdl_subscriber_spec *s = &f->event.subscribers[j];
                if (s->apply_via_api && s->target_index == si)
                    calls += day * (1.0 + f->event.redelivery);
            }
            if (f->target_index == si)
                calls += recon_calls_per_day(sc, f);
            break;
        case MDL_SPEC_PATTERN_BATCH:
            if (f->target_index == si && f->batch.api == MDL_SPEC_API_REST) {
                double runs = runs_per_day(&f->batch.schedule);
                double page = f->batch.page_size > 0 ? f->batch.page_size : 1;
                calls += runs * ceil(mdl_advise_per_run(f, sc->load) / page);
            }
            break;
        default:
            break;
        }
    }
    for (int i = 0; i < sc->nfaults; i++) {
        const mdl_fault_spec *x = &sc->faults[i];
        if (x->enabled && x->kind == MDL_SPEC_FAULT_BULK_LOAD && x->system_index == si &&
            x->api == MDL_SPEC_API_REST)
            calls += x->records / spread_days(x); /* one call per record: no page size */
    }
    return calls;
}

static double batches_for(double records, double chunk, double per_batch)
{
    if (records <= 0)
        return 0;
    if (chunk <= 0)
        chunk = records;
    double full = floor(records / chunk), rest = records - full * chunk;
    return full * ceil(chunk / per_batch) + (rest > 0 ? ceil(rest / per_batch) : 0);
}

double mdl_advise_daily_batches(const mdl_scenario *sc, int si)
{
    const mdl_bulk_spec *b = &sc->systems[si].bulk;
    double per_batch = b->records_per_batch > 0 ? b->records_per_batch : 10000;
    double n = 0;
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern != MDL_SPEC_PATTERN_BATCH || f->target_index != si ||
            f->batch.api != MDL_SPEC_API_BULK)
            continue;
        n += runs_per_day(&f->batch.schedule) *
             batches_for(mdl_advise_per_run(f, sc->load), f->batch.chunk_size, per_batch);
    }
    for (int i = 0; i < sc->nfaults; i++) {
        const mdl_fault_spec *x = &sc->faults[i];
        if (x->enabled && x->kind == MDL_SPEC_FAULT_BULK_LOAD && x->system_index == si &&
            x->api == MDL_SPEC_API_BULK)
            n += ceil(x->records / per_batch) / spread_days(x);
    }
    return n;
}

/* Subscribers of event flows on system si's own platform channel. */
static int channel_subscribers(const mdl_scenario *sc, int si)
{
    int n = 0;
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern == MDL_SPEC_PATTERN_EVENT && f->event.broker_index < 0 &&
            f->source_index == si)
            n += f->event.nsubscribers;
    }
    return n;
}

/* Whether system si has CDC on for some object. */
static int has_cdc(const mdl_system_spec *s)
{
    return s->events.enabled && s->events.ncdc_objects > 0;
}

void mdl_advise_deliveries(const mdl_scenario *sc, int si, double mult, double *certain,
                           double *possible)
{
    const mdl_system_spec *s = &sc->systems[si];
    int subs = channel_subscribers(sc, si);
    double cdc_subs = subs > 0 ? subs : 1; /* CDC consumers the scenario does not list */
    double c = 0, p = 0;
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        double day = per_day_1x(f) * mult * peak_day_factor(f);
        if (f->pattern == MDL_SPEC_PATTERN_EVENT && f->event.broker_index < 0 &&
            f->source_index == si)
            c += day * (1.0 + f->event.redelivery) * f->event.nsubscribers;
        /* change events: the simulator's rule (mdl_scenario_write_publishes)
         * for the flow's own writes or, for an event flow, its subscribers'
         * (echoes, one hop: with echo_filter false they can come back); a
         * write into a CDC system that does not say its object may publish
         * them in reality, but the simulation publishes none */
        if (mdl_scenario_flow_cdc_system(sc, f) == si)
            c += day * cdc_subs;
        else if (f->pattern != MDL_SPEC_PATTERN_EVENT && f->target_index == si && !f->object[0] &&
                 has_cdc(s))
            p += day * cdc_subs;
        for (int j = 0; f->pattern == MDL_SPEC_PATTERN_EVENT && j < f->event.nsubscribers; j++) {
            const mdl_subscriber_spec *ss = &f->event.subscribers[j];
            if (ss->target_index != si)
                continue;
            if (mdl_scenario_write_publishes(sc, si, ss->object))
                c += day * cdc_subs;
            else if (!ss->object[0] && has_cdc(s))
                p += day * cdc_subs;
        }
    }
    for (int i = 0; i < sc->nfaults; i++) {
        const mdl_fault_spec *x = &sc->faults[i];
        if (x->enabled && x->kind == MDL_SPEC_FAULT_BULK_LOAD && x->system_index == si && x->cdc &&
            s->events.enabled)
            c += x->records / spread_days(x) * cdc_subs;
    }
    if (certain)
        *certain = c;
    if (possible)
        *possible = p;
}

/* ---- detectors ------------------------------------------------------------ */

typedef int detector_fn(const mdl_scenario *sc, const mdl_antipattern *ap, mdl_findings *out);

#define PAT(f) mdl_spec_name(mdl_spec_pattern_names, (int)(f)->pattern)

static int d_realtime_high_volume(const mdl_scenario *sc, const mdl_antipattern *ap,
                                  mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern != MDL_SPEC_PATTERN_REALTIME)
            continue;
        const mdl_decision_spec *d = &f->decision;
        double day = per_day_1x(f);
        const char *why = d->migration   ? "a full data migration"
                          : d->scheduled ? "a scheduled synchronisation"
                          : (!d->someone_waiting && cmp_count(day, EVENT_MAX_DAY) > 0)
                              ? "a background load of more than 1,000 records/day"
                              : NULL;
        if (!why)
            continue;
        char n[32];
        int rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, f->target,
                     "%s calls %s synchronously, one API call per record, for %s records/day: "
                     "%s",
                     f->id, f->target, fmt_count(day, n, sizeof n), why);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static int d_realtime_unjustified(const mdl_scenario *sc, const mdl_antipattern *ap,
                                  mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern != MDL_SPEC_PATTERN_REALTIME || f->decision.someone_waiting)
            continue;
        int rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, f->target,
                     "%s is real-time but nobody waits for the result "
                     "(decision.someone_waiting: false)",
                     f->id);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static int d_batch_for_decisions(const mdl_scenario *sc, const mdl_antipattern *ap,
                                 mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (!f->decision.financial_or_compliance ||
            (f->pattern != MDL_SPEC_PATTERN_BATCH && f->pattern != MDL_SPEC_PATTERN_FILE))
            continue;
        int rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, f->target,
                     "%s feeds a financial-impact or compliance decision from %s data: between "
                     "runs the decision uses stale data",
                     f->id, PAT(f));
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static int d_event_no_idempotency(const mdl_scenario *sc, const mdl_antipattern *ap,
                                  mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern != MDL_SPEC_PATTERN_EVENT || f->event.receiver != MDL_SPEC_RECEIVER_INSERT)
            continue;
        int rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, f->target,
                     "%s applies events with a plain insert: each redelivery (%.3g%% of events) "
                     "creates a duplicate record",
                     f->id, 100.0 * f->event.redelivery);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static int d_event_no_reconciliation(const mdl_scenario *sc, const mdl_antipattern *ap,
                                     mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern != MDL_SPEC_PATTERN_EVENT || f->event.reconciliation.enabled)
            continue;
        int rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, f->target,
                     "%s treats its event stream as the only source of truth "
                     "(event.reconciliation.enabled: false): a missed event diverges silently",
                     f->id);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

/* Same data object and direction. Two flows that both name their object
 * carry the same data when the objects are the same; otherwise the same
 * source, target and direction stand for one object (bidirectional flows
 * also match with source and target swapped). */
static int same_lane(const mdl_flow_spec *a, const mdl_flow_spec *b)
{
    if (a->direction != b->direction)
        return 0;
    if (a->object[0] && b->object[0] && strcmp(a->object, b->object) != 0)
        return 0;
    if (a->source_index == b->source_index && a->target_index == b->target_index)
        return 1;
    return a->direction == MDL_SPEC_DIR_BIDIRECTIONAL && a->source_index == b->target_index &&
           a->target_index == b->source_index;
}

static int d_mixed_patterns(const mdl_scenario *sc, const mdl_antipattern *ap, mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        for (int j = i + 1; j < sc->nflows; j++) {
            const mdl_flow_spec *a = &sc->flows[i], *b = &sc->flows[j];
            if (!same_lane(a, b) || a->pattern == b->pattern)
                continue;
            int named = a->object[0] && b->object[0];
            int rc = named ? add(out, ap, MDL_FINDING_WARNING, a->id, b->id, a->target,
                                 "%s (%s) and %s (%s) both carry %s %s -> %s %s", a->id, PAT(a),
                                 b->id, PAT(b), a->object, a->source, a->target,
                                 mdl_spec_name(mdl_spec_direction_names, (int)a->direction))
                           : add(out, ap, MDL_FINDING_WARNING, a->id, b->id, a->target,
                                 "%s (%s) and %s (%s) both carry %s -> %s %s; %s does not say "
                                 "its object (set object:), so the same source, target and "
                                 "direction is taken as the same object",
                                 a->id, PAT(a), b->id, PAT(b), a->source, a->target,
                                 mdl_spec_name(mdl_spec_direction_names, (int)a->direction),
                                 a->object[0] ? b->id : a->id);
            if (rc)
                return rc;
        }
    }
    return SIM_OK;
}

static int d_quota_headroom(const mdl_scenario *sc, const mdl_antipattern *ap, mdl_findings *out)
{
    char a[32], b[32];
    for (int si = 0; si < sc->nsystems; si++) {
        const mdl_system_spec *s = &sc->systems[si];
        if (s->api.enabled && s->api.daily_limit > 0) {
            double calls = mdl_advise_daily_calls(sc, si);
            double head = 1.0 - calls / s->api.daily_limit;
            if (calls > 0 && head < HEADROOM_MIN) {
                int rc = add(out, ap, MDL_FINDING_WARNING, NULL, NULL, s->id,
                             "an estimated %s REST calls/day into %s at load %gx against a daily "
                             "limit of %s: %.0f%% headroom (< 30%%)",
                             fmt_count(calls, a, sizeof a), s->id, sc->load,
                             fmt_count(s->api.daily_limit, b, sizeof b), 100.0 * head);
                if (rc)
                    return rc;
            }
        }
        if (s->bulk.enabled && s->bulk.batches_per_day > 0) {
            double n = mdl_advise_daily_batches(sc, si);
            double head = 1.0 - n / s->bulk.batches_per_day;
            if (n > 0 && head < HEADROOM_MIN) {
                int rc = add(out, ap, MDL_FINDING_WARNING, NULL, NULL, s->id,
                             "an estimated %s bulk batches/day into %s at load %gx against %s "
                             "per day: %.0f%% headroom (< 30%%)",
                             fmt_count(n, a, sizeof a), s->id, sc->load,
                             fmt_count(s->bulk.batches_per_day, b, sizeof b), 100.0 * head);
                if (rc)
                    return rc;
            }
        }
    }
    return SIM_OK;
}

static int d_shared_quota(const mdl_scenario *sc, const mdl_antipattern *ap, mdl_findings *out)
{
    for (int si = 0; si < sc->nsystems; si++) {
        const mdl_system_spec *s = &sc->systems[si];
        if (!s->api.enabled || s->api.daily_limit <= 0)
            continue;
        const mdl_flow_spec *rt = NULL, *rest = NULL;
        for (int i = 0; i < sc->nflows; i++) {
            const mdl_flow_spec *f = &sc->flows[i];
            if (f->target_index != si)
                continue;
            if (f->pattern == MDL_SPEC_PATTERN_REALTIME && !rt)
                rt = f;
            if (f->pattern == MDL_SPEC_PATTERN_BATCH && f->batch.api == MDL_SPEC_API_REST && !rest)
                rest = f;
        }
        if (!rt || !rest)
            continue;
        int rc = add(out, ap, MDL_FINDING_WARNING, rt->id, rest->id, s->id,
                     "real-time %s and REST batch %s draw on the same daily quota of %s%s", rt->id,
                     rest->id, s->id,
                     s->bulk.enabled ? " although it has a bulk API (a separate pool)" : "");
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static void cdc_list(const mdl_events_spec *e, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < e->ncdc_objects && o + 1 < n; i++) {
        int w = snprintf(buf + o, n - o, "%s%s", i ? ", " : "", e->cdc_objects[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static int d_cdc_during_bulk(const mdl_scenario *sc, const mdl_antipattern *ap, mdl_findings *out)
{
    char n[32], objs[160];
    for (int i = 0; i < sc->nfaults; i++) {
        const mdl_fault_spec *x = &sc->faults[i];
        if (!x->enabled || x->kind != MDL_SPEC_FAULT_BULK_LOAD || x->system_index < 0 || !x->cdc)
            continue;
        const mdl_system_spec *s = &sc->systems[x->system_index];
        if (!s->events.enabled)
            continue;
        int rc = add(out, ap, MDL_FINDING_WARNING, NULL, NULL, s->id,
                     "bulk load '%s' writes %s records%s%s into %s with CDC on: every record "
                     "publishes a change event",
                     x->id, fmt_count(x->records, n, sizeof n),
                     x->object && x->object[0] ? " of " : "", x->object ? x->object : "", s->id);
        if (rc)
            return rc;
    }
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if ((f->pattern != MDL_SPEC_PATTERN_BATCH && f->pattern != MDL_SPEC_PATTERN_FILE) ||
            f->target_index < 0)
            continue;
        const mdl_system_spec *s = &sc->systems[f->target_index];
        /* 1: it publishes change events (the simulator's rule); -1: it may,
         * the scenario does not say its object; 0: it does not */
        int cdc = mdl_scenario_flow_cdc_system(sc, f) >= 0 ? 1
                  : !f->object[0] && has_cdc(s)            ? -1
                                                           : 0;
        if (cdc == 0)
            continue;
        cdc_list(&s->events, objs, sizeof objs);
        fmt_count(mdl_advise_per_run(f, sc->load), n, sizeof n);
        int rc = cdc > 0 ? add(out, ap, MDL_FINDING_WARNING, f->id, NULL, s->id,
                               "%s loads %s records of %s per run into %s with CDC on for it: "
                               "every record publishes a change event",
                               f->id, n, f->object, s->id)
                         : add(out, ap, MDL_FINDING_NOTE, f->id, NULL, s->id,
                               "%s loads %s records per run into %s, which has CDC on for [%s]; "
                               "the scenario does not say which object %s writes (set object): "
                               "if it is one of these, each record publishes a change event",
                               f->id, n, s->id, objs, f->id);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static int d_event_undersized(const mdl_scenario *sc, const mdl_antipattern *ap, mdl_findings *out)
{
    char a[32], b[32], c[32];
    for (int si = 0; si < sc->nsystems; si++) {
        const mdl_system_spec *s = &sc->systems[si];
        if (!s->events.enabled || s->events.delivery_allocation <= 0)
            continue;
        double certain, possible;
        mdl_advise_deliveries(sc, si, PEAK_LOAD, &certain, &possible);
        double alloc = s->events.delivery_allocation;
        int rc = SIM_OK;
        if (cmp_count(certain, alloc) > 0)
            rc = add(out, ap, MDL_FINDING_WARNING, NULL, NULL, s->id,
                     "at 3x the declared volume on the peak day, %s expects %s event deliveries "
                     "(each event to each subscriber) against an allocation of %s per day",
                     s->id, fmt_count(certain, a, sizeof a), fmt_count(alloc, b, sizeof b));
        else if (cmp_count(certain + possible, alloc) > 0)
            rc = add(out, ap, MDL_FINDING_NOTE, NULL, NULL, s->id,
                     "at 3x on the peak day, %s expects %s event deliveries, and %s more if the "
                     "writes into it touch its CDC objects, against an allocation of %s per day",
                     s->id, fmt_count(certain, a, sizeof a), fmt_count(possible, c, sizeof c),
                     fmt_count(alloc, b, sizeof b));
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static int d_realtime_no_breaker(const mdl_scenario *sc, const mdl_antipattern *ap,
                                 mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern != MDL_SPEC_PATTERN_REALTIME || f->realtime.breaker.enabled)
            continue;
        int rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, f->target,
                     "%s calls %s synchronously without a circuit breaker: when %s slows down, "
                     "every caller waits out its timeout",
                     f->id, f->target, f->target);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static int d_realtime_no_fallback(const mdl_scenario *sc, const mdl_antipattern *ap,
                                  mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern != MDL_SPEC_PATTERN_REALTIME || f->decision.someone_waiting ||
            f->realtime.fallback != MDL_SPEC_FALLBACK_NONE)
            continue;
        int rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, f->target,
                     "%s is not user-facing and has no fallback (realtime.fallback: none): "
                     "records are rejected while %s is down or the breaker is open",
                     f->id, f->target);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static int d_inline_token_refresh(const mdl_scenario *sc, const mdl_antipattern *ap,
                                  mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern != MDL_SPEC_PATTERN_REALTIME || f->target_index < 0)
            continue;
        /* The token and how it is refreshed belong to the target system (the
         * world models one token per system, shared by its callers). */
        const mdl_tokens_spec *t = &sc->systems[f->target_index].tokens;
        if (t->lifetime <= 0 || t->refresh == MDL_SPEC_REFRESH_PROACTIVE)
            continue;
        int rc;
        if (t->refresh == MDL_SPEC_REFRESH_INLINE)
            rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, f->target,
                     "%s refreshes its %s token inline: the call that finds it expired waits "
                     "%.0f ms more",
                     f->id, f->target, sim_time_to_seconds(t->refresh_latency) * 1000.0);
        else
            rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, f->target,
                     "%s never refreshes its %s token (refresh: none): every call fails once it "
                     "expires after %.0f s",
                     f->id, f->target, sim_time_to_seconds(t->lifetime));
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static int d_subscriber_token(const mdl_scenario *sc, const mdl_antipattern *ap, mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern != MDL_SPEC_PATTERN_EVENT)
            continue;
        for (int j = 0; j < f->event.nsubscribers; j++) {
            const mdl_subscriber_spec *s = &f->event.subscribers[j];
            if (s->token_lifetime <= 0 || s->auto_renew)
                continue;
            int rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, s->target,
                         "subscriber '%s' of %s uses a %.0f s subscription token without "
                         "auto-renewal: it silently disconnects when the token expires",
                         s->id, f->id, sim_time_to_seconds(s->token_lifetime));
            if (rc)
                return rc;
        }
    }
    return SIM_OK;
}

static int d_no_replay_id(const mdl_scenario *sc, const mdl_antipattern *ap, mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern != MDL_SPEC_PATTERN_EVENT)
            continue;
        for (int j = 0; j < f->event.nsubscribers; j++) {
            const mdl_subscriber_spec *s = &f->event.subscribers[j];
            if (s->replay_resume)
                continue;
            int rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, s->target,
                         "subscriber '%s' of %s reconnects at the tip (replay_resume: false): "
                         "every event published while it was away is skipped",
                         s->id, f->id);
            if (rc)
                return rc;
        }
    }
    return SIM_OK;
}

/* The retention of flow f's channel, 0 when events are kept until read. */
static sim_time channel_retention(const mdl_scenario *sc, const mdl_flow_spec *f)
{
    if (f->event.broker_index >= 0)
        return sc->brokers[f->event.broker_index].retention;
    return f->source_index >= 0 ? sc->systems[f->source_index].events.retention : 0;
}

static int d_replay_window(const mdl_scenario *sc, const mdl_antipattern *ap, mdl_findings *out)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        sim_time keep = channel_retention(sc, f);
        if (f->pattern != MDL_SPEC_PATTERN_EVENT || keep <= 0)
            continue;
        for (int j = 0; j < f->event.nsubscribers; j++) {
            const mdl_subscriber_spec *s = &f->event.subscribers[j];
            sim_time longest = 0;
            for (int k = 0; k < s->noffline; k++)
                if (s->offline[k].duration > longest)
                    longest = s->offline[k].duration;
            for (int k = 0; k < sc->nfaults; k++) {
                const mdl_fault_spec *x = &sc->faults[k];
                if (x->enabled && x->kind == MDL_SPEC_FAULT_SUBSCRIBER_OFFLINE &&
                    x->flow_index == i && x->subscriber_index == j && x->duration > longest)
                    longest = x->duration;
            }
            if (longest <= keep)
                continue;
            int rc = add(out, ap, MDL_FINDING_WARNING, f->id, NULL, s->target,
                         "subscriber '%s' of %s is offline for %.1f h, longer than the %.1f h "
                         "the channel retains events: the oldest are lost%s",
                         s->id, f->id, sim_time_to_seconds(longest) / 3600.0,
                         sim_time_to_seconds(keep) / 3600.0,
                         f->event.reconciliation.enabled ? " (reconciliation repairs them late)"
                                                         : " and nothing repairs them");
            if (rc)
                return rc;
        }
    }
    return SIM_OK;
}

/* ---- the catalogue ---------------------------------------------------------- */

static const mdl_antipattern catalogue[] = {
    {"AP-REALTIME-HIGH-VOLUME", "Defaulting to real-time for all integrations",
     "a real-time flow that is a scheduled sync, a migration, or a background load of more than "
     "1,000 records/day (nobody waiting)",
     "Use batch/bulk for high-volume scheduled operations: e.g. the Bulk API in chunks of "
     "10,000 records (5 bulk jobs instead of 50,000 calls); on persistent 429s, move to batch.",
     "Anti-Patterns"},
    {"AP-REALTIME-UNJUSTIFIED", "Treating \"real-time\" as a default",
     "a real-time flow for which nobody is actively waiting",
     "Require justification: \"Who is waiting, and what happens if they wait 5 minutes?\" 80% "
     "of flows work fine with batch or event-driven.",
     "Common Pitfalls"},
    {"AP-BATCH-FOR-DECISIONS", "Using batch for time-sensitive financial decisions",
     "a batch or file flow that feeds a financial-impact or compliance decision",
     "Use real-time for financial-impact decisions (fail closed if the ERP is unreachable); "
     "never use batch for inventory availability, credit decisions, or compliance checks.",
     "Anti-Patterns; Constraints"},
    {"AP-EVENT-NO-IDEMPOTENCY", "Event-driven without idempotency",
     "an event flow whose receiver inserts instead of upserting",
     "Always use upsert with external ID; never use insert for event-driven.",
     "Anti-Patterns; Failure Points"},
    {"AP-EVENT-NO-RECONCILIATION", "No reconciliation layer",
     "an event flow without a reconciliation job",
     "Daily full reconciliation independent of event stream.", "Common Pitfalls"},
    {"AP-MIXED-PATTERNS", "Mixing patterns on the same data object",
     "two flows with the same source, target and direction (the scenario's stand-in for a data "
     "object) and different patterns",
     "One primary pattern per data object per direction; implement sequence numbers if mixing.",
     "Common Pitfalls"},
    {"AP-QUOTA-HEADROOM", "Validate rate limit headroom",
     "estimated daily REST calls (or bulk batches) into a system leave less than 30% of its "
     "daily limit, at the scenario's load",
     "Leave at least 30% headroom for spikes; move batch traffic to the Bulk API (a separate "
     "limit pool).",
     "Step 4; Common Pitfalls"},
    {"AP-SHARED-QUOTA", "Not accounting for API limit sharing",
     "a real-time flow and a REST batch flow draw on the same system's daily quota",
     "Reserve 30% for real-time; use Bulk API (separate limit pool) for batch.", "Common Pitfalls"},
    {"AP-CDC-DURING-BULK", "Event allocation exhaustion (CDC left on during bulk loads)",
     "a bulk-load fault with CDC on into a system with events (warning), or a batch/file flow "
     "into a system with CDC objects (note: the scenario does not say which object it writes)",
     "Disable CDC on objects during bulk loads, or purchase high-volume add-on.",
     "Failure Points; Constraints"},
    {"AP-EVENT-UNDERSIZED", "Undersizing event infrastructure",
     "event deliveries at 3x the declared volume on the peak day exceed the system's delivery "
     "allocation",
     "Load-test at 3x expected peak; provision based on peak, not average.", "Common Pitfalls"},
    {"AP-REALTIME-NO-BREAKER", "Real-time cascading failure",
     "a real-time flow without a circuit breaker",
     "Circuit breaker with 5-failure threshold and 60s recovery window.",
     "Failure Points; Constraints"},
    {"AP-REALTIME-NO-FALLBACK", "Real-time creates tight coupling",
     "a real-time flow nobody waits on, with no fallback",
     "Design circuit breakers and fallback paths for every synchronous integration: queue and "
     "retry asynchronously.",
     "Constraints; Error Patterns"},
    {"AP-INLINE-TOKEN-REFRESH", "OAuth token refresh inline",
     "a real-time flow into a system with expiring tokens that refreshes inline or never",
     "Cache tokens and refresh asynchronously before expiry (inline refresh adds 200-500ms per "
     "call).",
     "Authentication Gotchas"},
    {"AP-SUBSCRIBER-TOKEN-EXPIRY", "Short-lived subscription tokens",
     "an event subscriber with an expiring token and no auto-renewal",
     "Subscription credentials must be long-lived and auto-renewing; implement automatic "
     "reconnection with replay ID.",
     "Authentication Gotchas"},
    {"AP-NO-REPLAY-ID", "Reconnect without replay ID",
     "an event subscriber that reconnects at the tip instead of its last replay id",
     "Implement automatic reconnection with replay ID; replay from last known ID.",
     "Authentication Gotchas; Error Patterns"},
    {"AP-REPLAY-WINDOW-EXPIRY", "Replay window expiry",
     "an event subscriber offline longer than its channel's retention",
     "Periodic full reconciliation independent of event stream.", "Failure Points"},
};

static detector_fn *const detectors[] = {
    d_realtime_high_volume,
    d_realtime_unjustified,
    d_batch_for_decisions,
    d_event_no_idempotency,
    d_event_no_reconciliation,
    d_mixed_patterns,
    d_quota_headroom,
    d_shared_quota,
    d_cdc_during_bulk,
    d_event_undersized,
    d_realtime_no_breaker,
    d_realtime_no_fallback,
    d_inline_token_refresh,
    d_subscriber_token,
    d_no_replay_id,
    d_replay_window,
};

_Static_assert(sizeof catalogue / sizeof *catalogue == sizeof detectors / sizeof *detectors,
               "one detector per catalogue entry");

const mdl_antipattern *mdl_advise_catalogue(int *n)
{
    if (n)
        *n = (int)(sizeof catalogue / sizeof *catalogue);
    return catalogue;
}

const mdl_antipattern *mdl_advise_antipattern(const char *id)
{
    for (size_t i = 0; i < sizeof catalogue / sizeof *catalogue; i++)
        if (!strcmp(catalogue[i].id, id))
            return &catalogue[i];
    return NULL;
}

int mdl_advise_findings(const mdl_scenario *sc, mdl_findings *out, sim_err *err)
{
    for (size_t i = 0; i < sizeof detectors / sizeof *detectors; i++) {
        int rc = detectors[i](sc, &catalogue[i], out);
        if (rc != SIM_OK)
            return sim_err_set(err, rc, NULL, 0, 0, "out of memory for the findings of %s",
                               catalogue[i].id);
    }
    return SIM_OK;
}
