/*
 * Tests of mdl_advise: one test per leaf of the card's decision tree (built
 * by hand from the card's wording, not from the program's output), the
 * boundaries at exactly 1,000 records/day, 2,000 and 150,000 records per run
 * (the header states how equality is read), the error-tolerance and
 * bidirectional branches, the safeguards, and each anti-pattern detector on
 * a small scenario that has the problem and one that does not. Scenarios
 * are YAML strings loaded with scn_load_string, so they are validated the
 * way a user's file is. The estimates behind the quota and event-sizing
 * detectors are checked against hand calculations done in the test.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_advise.h"
#include "mdl_world.h"
#include "scn_load.h"
#include "scn_schema.h"
#include "sim_alloc.h"

/* ---- helpers ----------------------------------------------------------------- */

/* Two systems and a caller that every scenario below starts from. crm
 * publishes platform events (allocation 10k/day); erp has a daily API limit
 * of 12k calls, a bulk API with 20 batches/day of 10k records, and tokens
 * that expire after an hour. */
#define BASE                                                                                       \
    "name: t\n"                                                                                    \
    "horizon: 1d\n"                                                                                \
    "systems:\n"                                                                                   \
    "  - id: crm\n"                                                                                \
    "    events: {enabled: true, delivery_allocation: 10k}\n"                                      \
    "  - id: erp\n"                                                                                \
    "    api: {daily_limit: 12k}\n"                                                                \
    "    bulk: {enabled: true, batches_per_day: 20, records_per_batch: 10k}\n"                     \
    "    tokens: {lifetime: 1h}\n"                                                                 \
    "callers:\n"                                                                                   \
    "  - id: app\n"                                                                                \
    "flows:\n"

/* A well-built real-time flow: a user waits on a credit check. */
#define RT_OK(id)                                                                                  \
    "  - id: " id "\n"                                                                             \
    "    source: crm\n"                                                                            \
    "    target: erp\n"                                                                            \
    "    volume: 500/day\n"                                                                        \
    "    pattern: realtime\n"                                                                      \
    "    caller: app\n"                                                                            \
    "    decision: {someone_waiting: true, financial_or_compliance: true}\n"                       \
    "    realtime: {breaker: {enabled: true}, fallback: queue}\n"

/* A well-built event flow crm -> erp; extra event keys via ev. */
#define EVENT(id, vol, ev)                                                                         \
    "  - id: " id "\n"                                                                             \
    "    source: crm\n"                                                                            \
    "    target: erp\n"                                                                            \
    "    volume: " vol "\n"                                                                        \
    "    pattern: event\n"                                                                         \
    "    decision: {change_triggered: true}\n"                                                     \
    "    event: {reconciliation: {enabled: true, compare: delta}" ev "}\n"

static void load(const char *yaml, mdl_scenario *sc)
{
    scn_diag diag;
    scn_diag_init(&diag);
    int rc = scn_load_string("t.yaml", yaml, strlen(yaml), NULL, sc, &diag);
    for (int i = 0; i < diag.count; i++) {
        char buf[512];
        print_error("%s\n", scn_diag_format(&diag.items[i], buf, sizeof buf));
    }
    scn_diag_fini(&diag);
    assert_int_equal(rc, SIM_OK);
}

/* The severity of the first finding `id` (for that flow/system when not
 * NULL) in the scenario, or -1 when there is none. */
static int finding(const char *yaml, const char *id, const char *flow, const char *system)
{
    mdl_scenario sc;
    load(yaml, &sc);
    mdl_findings f;
    mdl_findings_init(&f);
    assert_int_equal(mdl_advise_findings(&sc, &f, NULL), SIM_OK);
    const mdl_finding *x = mdl_findings_find(&f, id, flow, system);
    int sev = x ? (int)x->severity : -1;
    if (x) {
        assert_non_null(x->ap->fix);
        assert_true(x->detail[0] != '\0');
    }
    mdl_findings_fini(&f);
    mdl_scenario_fini(&sc);
    return sev;
}

static mdl_decision_spec decision(void)
{
    mdl_decision_spec d;
    mdl_decision_spec_init(&d);
    return d;
}

/* Walks the tree with retry tolerance and returns the leaf. */
static mdl_advice_pattern walk(mdl_decision_spec d, double per_day, double per_run,
                               mdl_flow_advice *a)
{
    memset(a, 0, sizeof *a);
    return mdl_advise_tree(&d, MDL_SPEC_TOLERANCE_RETRY, per_day, per_run, a);
}

/* The step that ended the given branch. */
static const mdl_advice_step *leaf(const mdl_flow_advice *a, mdl_advice_branch b)
{
    const mdl_advice_step *s = NULL;
    for (int i = 0; i < a->nsteps; i++)
        if (a->steps[i].branch == b)
            s = &a->steps[i];
    assert_non_null(s);
    assert_non_null(s->outcome);
    return s;
}

static const mdl_safeguard *safeguard(const mdl_flow_advice *a, mdl_safeguard_kind k)
{
    for (int i = 0; i < a->nsafeguards; i++)
        if (a->safeguards[i].kind == k)
            return &a->safeguards[i];
    return NULL;
}

/* Advice for flow `id` of a YAML scenario. */
static void advise(const char *yaml, const char *id, mdl_flow_advice *a)
{
    mdl_scenario sc;
    load(yaml, &sc);
    int i = mdl_scenario_flow_index(&sc, id);
    assert_true(i >= 0);
    assert_int_equal(mdl_advise_flow(&sc, i, a, NULL), SIM_OK);
    mdl_scenario_fini(&sc);
}

/* ---- the timing branch: one test per leaf --------------------------------------- */

static void waiting_for_a_financial_decision_is_realtime(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.someone_waiting = 1;
    d.financial_or_compliance = 1;
    mdl_flow_advice a;
    assert_int_equal(walk(d, 200, 0, &a), MDL_ADVICE_REALTIME);
    const mdl_advice_step *s = leaf(&a, MDL_BRANCH_TIMING);
    assert_string_equal(s->question, "Is it a financial-impact or compliance decision?");
    assert_int_equal(s->depth, 1);
    assert_string_equal(s->outcome, "REAL-TIME (synchronous API call)");
}

static void waiting_not_financial_with_a_five_minute_impact_is_realtime(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.someone_waiting = 1;
    d.five_minute_impact = 1;
    mdl_flow_advice a;
    assert_int_equal(walk(d, 200, 0, &a), MDL_ADVICE_REALTIME);
    const mdl_advice_step *s = leaf(&a, MDL_BRANCH_TIMING);
    assert_string_equal(s->question, "Would a 5-minute delay cause genuine business impact?");
    assert_int_equal(s->depth, 2);
}

static void waiting_without_a_five_minute_impact_is_event_driven(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.someone_waiting = 1;
    mdl_flow_advice a;
    assert_int_equal(walk(d, 200, 0, &a), MDL_ADVICE_EVENT);
    assert_string_equal(leaf(&a, MDL_BRANCH_TIMING)->outcome,
                        "EVENT-DRIVEN (near-real-time async)");
}

static void change_triggered_for_several_downstream_systems_is_pub_sub(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.change_triggered = 1;
    d.downstream_systems = 3;
    mdl_flow_advice a;
    /* Even at a volume that would be batch for one system. */
    assert_int_equal(walk(d, 50000, 0, &a), MDL_ADVICE_EVENT);
    const mdl_advice_step *s = leaf(&a, MDL_BRANCH_TIMING);
    assert_string_equal(s->outcome, "EVENT-DRIVEN (pub/sub pattern)");
    assert_string_equal(s->answer, "yes (3 systems)");
}

static void change_triggered_for_one_system_below_1000_a_day_is_event_driven(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.change_triggered = 1;
    mdl_flow_advice a;
    assert_int_equal(walk(d, 500, 0, &a), MDL_ADVICE_EVENT);
    const mdl_advice_step *s = leaf(&a, MDL_BRANCH_TIMING);
    assert_string_equal(s->question, "Records per day?");
    assert_int_equal(s->depth, 3);
    assert_string_equal(s->answer, "500 (<= 1,000)");
}

static void change_triggered_for_one_system_above_1000_a_day_is_batch(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.change_triggered = 1;
    mdl_flow_advice a;
    assert_int_equal(walk(d, 50000, 0, &a), MDL_ADVICE_BATCH);
    assert_string_equal(leaf(&a, MDL_BRANCH_TIMING)->answer, "50,000 (> 1,000)");
}

/* The card: "< 1,000 -> EVENT", "> 1,000 -> BATCH". Exactly 1,000 is not
 * more than 1,000: event. One record more is batch. The YAML case checks
 * that 1000/day, stored as 0.011574.../s, still reads as exactly 1,000. */
static void exactly_1000_records_a_day_is_event_driven(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.change_triggered = 1;
    mdl_flow_advice a;
    assert_int_equal(walk(d, 1000, 0, &a), MDL_ADVICE_EVENT);
    assert_int_equal(walk(d, 1001, 0, &a), MDL_ADVICE_BATCH);
    advise(BASE EVENT("F-1", "1000/day", ""), "F-1", &a);
    assert_int_equal(a.recommended, MDL_ADVICE_EVENT);
    advise(BASE EVENT("F-1", "1001/day", ""), "F-1", &a);
    assert_int_equal(a.recommended, MDL_ADVICE_BATCH);
}

static void scheduled_below_2000_records_a_run_is_rest_batch(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.scheduled = 1;
    mdl_flow_advice a;
    assert_int_equal(walk(d, 500, 500, &a), MDL_ADVICE_REST_BATCH);
    assert_string_equal(leaf(&a, MDL_BRANCH_TIMING)->outcome, "REST API (batch-style)");
}

static void scheduled_between_2000_and_150000_a_run_is_bulk(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.scheduled = 1;
    mdl_flow_advice a;
    assert_int_equal(walk(d, 50000, 50000, &a), MDL_ADVICE_BULK);
    assert_string_equal(leaf(&a, MDL_BRANCH_TIMING)->outcome, "BULK API (single job)");
}

static void scheduled_above_150000_a_run_is_chunked_bulk_or_file(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.scheduled = 1;
    mdl_flow_advice a;
    assert_int_equal(walk(d, 1e6, 1e6, &a), MDL_ADVICE_BULK_CHUNKED);
    assert_string_equal(leaf(&a, MDL_BRANCH_TIMING)->outcome,
                        "BULK API with job chunking or FILE-BASED");
}

/* "2,000-150,000 -> BULK" includes both ends: 2,000 and 150,000 are bulk,
 * 1,999 is REST and 150,001 is chunked. */
static void the_bulk_range_includes_2000_and_150000(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.scheduled = 1;
    mdl_flow_advice a;
    assert_int_equal(walk(d, 0, 1999, &a), MDL_ADVICE_REST_BATCH);
    assert_int_equal(walk(d, 0, 2000, &a), MDL_ADVICE_BULK);
    assert_int_equal(walk(d, 0, 150000, &a), MDL_ADVICE_BULK);
    assert_int_equal(walk(d, 0, 150001, &a), MDL_ADVICE_BULK_CHUNKED);
}

static void a_full_data_migration_is_a_file_import(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.scheduled = 1;
    d.migration = 1;
    mdl_flow_advice a;
    assert_int_equal(walk(d, 0, 5e6, &a), MDL_ADVICE_FILE);
    assert_string_equal(leaf(&a, MDL_BRANCH_TIMING)->outcome, "FILE-BASED IMPORT");
    d.scheduled = 0; /* a one-off migration is not scheduled: still a file import */
    assert_int_equal(walk(d, 0, 5e6, &a), MDL_ADVICE_FILE);
}

static void neither_change_triggered_nor_scheduled_is_case_by_case(void **state)
{
    (void)state;
    mdl_flow_advice a;
    assert_int_equal(walk(decision(), 500, 500, &a), MDL_ADVICE_CASE_BY_CASE);
    assert_string_equal(leaf(&a, MDL_BRANCH_TIMING)->outcome, "Analyze case-by-case");
    assert_int_equal(mdl_advice_to_spec(MDL_ADVICE_CASE_BY_CASE, NULL, NULL), -1);
}

/* ---- volume per run from the scenario ----------------------------------------- */

/* 1,000/day on mon,wed,fri: the run after the weekend carries 3 days, 3,000
 * records: bulk. Daily, a run carries 1,000: REST. */
static void records_per_run_use_the_longest_gap_of_the_schedule(void **state)
{
    (void)state;
    mdl_flow_advice a;
#define SCHED(s)                                                                                   \
    BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 1000/day\n"                   \
         "    pattern: batch\n    decision: {scheduled: true}\n    batch: {schedule: \"" s "\"}\n"
    advise(SCHED("mon,wed,fri 02:00"), "F-1", &a);
    assert_true(fabs(a.per_run - 3000.0) < 1e-6);
    assert_int_equal(a.recommended, MDL_ADVICE_BULK);
    advise(SCHED("daily 02:00"), "F-1", &a);
    assert_true(fabs(a.per_run - 1000.0) < 1e-6);
    assert_int_equal(a.recommended, MDL_ADVICE_REST_BATCH);
#undef SCHED
}

static void a_full_selection_runs_the_whole_dataset(void **state)
{
    (void)state;
    mdl_flow_advice a;
    advise(BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 100/day\n"
                "    pattern: batch\n    decision: {scheduled: true}\n"
                "    batch: {selection: full, dataset: 400k}\n",
           "F-1", &a);
    assert_true(fabs(a.per_run - 400000.0) < 1e-6);
    assert_int_equal(a.recommended, MDL_ADVICE_BULK_CHUNKED);
}

/* ---- the error-tolerance and bidirectional branches ---------------------------- */

static void zero_loss_needs_replay_and_a_dead_letter_queue(void **state)
{
    (void)state;
    mdl_flow_advice a;
    advise(BASE EVENT("F-1", "500/day", "") "    error_tolerance: zero-loss\n", "F-1", &a);
    const mdl_advice_step *s = leaf(&a, MDL_BRANCH_TOLERANCE);
    assert_string_equal(s->answer, "zero-loss required");
    assert_string_equal(s->outcome, "EVENT-DRIVEN with replay + dead letter queue");
    const mdl_safeguard *g = safeguard(&a, MDL_SG_REPLAY_DLQ);
    assert_non_null(g);
    assert_int_equal(g->status, MDL_SG_PRESENT); /* replay_resume and dead_letter default on */
    advise(BASE EVENT("F-1", "500/day", ", dead_letter: false") "    error_tolerance: zero-loss\n",
           "F-1", &a);
    assert_int_equal(safeguard(&a, MDL_SG_REPLAY_DLQ)->status, MDL_SG_MISSING);
}

static void retry_tolerance_needs_at_least_once_with_an_idempotent_receiver(void **state)
{
    (void)state;
    mdl_flow_advice a;
    advise(BASE EVENT("F-1", "500/day", ""), "F-1", &a);
    const mdl_advice_step *s = leaf(&a, MDL_BRANCH_TOLERANCE);
    assert_string_equal(s->answer, "retry acceptable");
    assert_string_equal(s->outcome, "EVENT-DRIVEN with at-least-once delivery");
    assert_int_equal(safeguard(&a, MDL_SG_IDEMPOTENT_UPSERT)->status, MDL_SG_PRESENT);
    assert_null(safeguard(&a, MDL_SG_REPLAY_DLQ));
    advise(BASE EVENT("F-1", "500/day", ", receiver: insert"), "F-1", &a);
    assert_int_equal(safeguard(&a, MDL_SG_IDEMPOTENT_UPSERT)->status, MDL_SG_MISSING);
}

static void best_effort_is_batch_with_a_reconciliation_report(void **state)
{
    (void)state;
    mdl_decision_spec d = decision();
    d.scheduled = 1;
    mdl_flow_advice a;
    memset(&a, 0, sizeof a);
    mdl_advise_tree(&d, MDL_SPEC_TOLERANCE_BEST_EFFORT, 50000, 50000, &a);
    const mdl_advice_step *s = leaf(&a, MDL_BRANCH_TOLERANCE);
    assert_string_equal(s->answer, "best-effort");
    assert_string_equal(s->outcome, "BATCH with reconciliation report");
    advise(BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 50k/day\n"
                "    pattern: batch\n    error_tolerance: best-effort\n"
                "    decision: {scheduled: true}\n",
           "F-1", &a);
    assert_int_equal(safeguard(&a, MDL_SG_RECON_REPORT)->status, MDL_SG_UNCHECKED);
}

static void bidirectional_sync_designs_conflict_resolution_first(void **state)
{
    (void)state;
    mdl_flow_advice a;
    advise(BASE EVENT("F-1", "500/day", "") "    direction: bidirectional\n", "F-1", &a);
    const mdl_advice_step *s = leaf(&a, MDL_BRANCH_BIDIRECTIONAL);
    assert_string_equal(s->answer, "yes");
    assert_string_equal(s->outcome, "Design conflict resolution strategy FIRST");
    assert_int_equal(safeguard(&a, MDL_SG_CONFLICT_RESOLUTION)->status, MDL_SG_UNCHECKED);
    assert_int_equal(safeguard(&a, MDL_SG_ORDERING_GUARD)->status, MDL_SG_PRESENT);
}

static void one_way_sync_proceeds_with_the_chosen_pattern(void **state)
{
    (void)state;
    mdl_flow_advice a;
    advise(BASE EVENT("F-1", "500/day", ""), "F-1", &a);
    const mdl_advice_step *s = leaf(&a, MDL_BRANCH_BIDIRECTIONAL);
    assert_string_equal(s->answer, "no");
    assert_string_equal(s->outcome, "Proceed with chosen pattern");
    assert_null(safeguard(&a, MDL_SG_CONFLICT_RESOLUTION));
}

/* ---- safeguards and agreement ------------------------------------------------- */

static void every_realtime_flow_needs_a_breaker_and_a_fallback(void **state)
{
    (void)state;
    mdl_flow_advice a;
    advise(BASE RT_OK("F-1"), "F-1", &a);
    assert_int_equal(a.recommended, MDL_ADVICE_REALTIME);
    assert_int_equal(a.agreement, MDL_AGREE);
    assert_int_equal(safeguard(&a, MDL_SG_BREAKER)->status, MDL_SG_PRESENT);
    assert_int_equal(safeguard(&a, MDL_SG_FALLBACK)->status, MDL_SG_PRESENT);
    advise(BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 500/day\n"
                "    pattern: realtime\n    caller: app\n"
                "    decision: {someone_waiting: true, financial_or_compliance: true}\n",
           "F-1", &a);
    assert_int_equal(safeguard(&a, MDL_SG_BREAKER)->status, MDL_SG_MISSING);
    assert_int_equal(safeguard(&a, MDL_SG_FALLBACK)->status, MDL_SG_MISSING);
}

static void agreement_compares_the_pattern_and_the_named_api(void **state)
{
    (void)state;
    mdl_flow_advice a;
    /* 50k/day daily is bulk; declared batch over REST agrees on the pattern only. */
    advise(BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 50k/day\n"
                "    pattern: batch\n    decision: {scheduled: true}\n    batch: {api: rest}\n",
           "F-1", &a);
    assert_int_equal(a.recommended, MDL_ADVICE_BULK);
    assert_int_equal(a.agreement, MDL_AGREE_PATTERN);
    /* A real-time flow the tree sends to events differs. */
    advise(BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 500/day\n"
                "    pattern: realtime\n    caller: app\n    decision: {change_triggered: true}\n",
           "F-1", &a);
    assert_int_equal(a.recommended, MDL_ADVICE_EVENT);
    assert_int_equal(a.agreement, MDL_DISAGREE);
    mdl_spec_pattern p;
    int api;
    assert_int_equal(mdl_advice_to_spec(MDL_ADVICE_REST_BATCH, &p, &api), 0);
    assert_int_equal(p, MDL_SPEC_PATTERN_BATCH);
    assert_int_equal(api, MDL_SPEC_API_REST);
}

/* The card's audit table: F-001 event-driven, F-002 batch, F-003 real-time.
 * The default scenario runs at 3x, where F-001 has 1,500/day: the tree still
 * reads the declared 500/day and says what 3x would change. */
static void the_default_scenario_reproduces_the_cards_audit_table(void **state)
{
    (void)state;
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    assert_int_equal(scn_load_default(NULL, &sc, &diag), SIM_OK);
    scn_diag_fini(&diag);
    static const struct {
        const char *id;
        mdl_advice_pattern p;
    } want[] = {
        {"F-001", MDL_ADVICE_EVENT}, {"F-002", MDL_ADVICE_BULK}, {"F-003", MDL_ADVICE_REALTIME}};
    for (size_t k = 0; k < 3; k++) {
        mdl_flow_advice a;
        int i = mdl_scenario_flow_index(&sc, want[k].id);
        assert_int_equal(mdl_advise_flow(&sc, i, &a, NULL), SIM_OK);
        assert_int_equal(a.recommended, want[k].p);
        assert_int_equal(a.agreement, MDL_AGREE);
        for (int j = 0; j < a.nsafeguards; j++)
            assert_int_not_equal(a.safeguards[j].status, MDL_SG_MISSING);
        if (k == 0) {
            assert_int_equal(a.at_load, MDL_ADVICE_BATCH);
            assert_non_null(strstr(a.note, "1,500 records/day"));
        }
    }
    /* The card's own table shows no anti-pattern: at most notes. */
    mdl_findings f;
    mdl_findings_init(&f);
    assert_int_equal(mdl_advise_findings(&sc, &f, NULL), SIM_OK);
    for (int i = 0; i < f.count; i++)
        assert_int_equal(f.items[i].severity, MDL_FINDING_NOTE);
    mdl_findings_fini(&f);
    mdl_scenario_fini(&sc);
}

static void the_catalogue_ids_are_unique_and_every_entry_has_a_fix(void **state)
{
    (void)state;
    int n;
    const mdl_antipattern *c = mdl_advise_catalogue(&n);
    assert_true(n >= 16);
    for (int i = 0; i < n; i++) {
        assert_int_equal(strncmp(c[i].id, "AP-", 3), 0);
        assert_true(strlen(c[i].fix) > 10 && strlen(c[i].rule) > 10);
        assert_ptr_equal(mdl_advise_antipattern(c[i].id), &c[i]);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(c[i].id, c[j].id);
    }
    assert_null(mdl_advise_antipattern("AP-NOPE"));
}

/* ---- detectors: one scenario with the problem, one without ------------------------ */

#define W MDL_FINDING_WARNING
#define N MDL_FINDING_NOTE

static void realtime_for_a_scheduled_load_is_flagged(void **state)
{
    (void)state;
    const char *has = BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 50k/day\n"
                           "    pattern: realtime\n    caller: app\n"
                           "    decision: {scheduled: true}\n";
    assert_int_equal(finding(has, "AP-REALTIME-HIGH-VOLUME", "F-1", NULL), W);
    assert_int_equal(finding(BASE RT_OK("F-1"), "AP-REALTIME-HIGH-VOLUME", NULL, NULL), -1);
}

static void realtime_with_nobody_waiting_is_flagged(void **state)
{
    (void)state;
    const char *has = BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 500/day\n"
                           "    pattern: realtime\n    caller: app\n"
                           "    realtime: {breaker: {enabled: true}, fallback: queue}\n";
    assert_int_equal(finding(has, "AP-REALTIME-UNJUSTIFIED", "F-1", NULL), W);
    assert_int_equal(finding(BASE RT_OK("F-1"), "AP-REALTIME-UNJUSTIFIED", NULL, NULL), -1);
}

static void batch_for_a_credit_decision_is_flagged(void **state)
{
    (void)state;
    const char *has = BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 500/day\n"
                           "    pattern: batch\n"
                           "    decision: {scheduled: true, financial_or_compliance: true}\n";
    const char *not = BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 500/day\n"
                           "    pattern: batch\n    decision: {scheduled: true}\n" RT_OK("F-2");
    assert_int_equal(finding(has, "AP-BATCH-FOR-DECISIONS", "F-1", NULL), W);
    assert_int_equal(finding(not, "AP-BATCH-FOR-DECISIONS", NULL, NULL), -1);
}

static void events_applied_with_insert_are_flagged(void **state)
{
    (void)state;
    assert_int_equal(finding(BASE EVENT("F-1", "500/day", ", receiver: insert"),
                             "AP-EVENT-NO-IDEMPOTENCY", "F-1", NULL),
                     W);
    assert_int_equal(
        finding(BASE EVENT("F-1", "500/day", ""), "AP-EVENT-NO-IDEMPOTENCY", NULL, NULL), -1);
}

static void events_without_reconciliation_are_flagged(void **state)
{
    (void)state;
    const char *has = BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 500/day\n"
                           "    pattern: event\n    decision: {change_triggered: true}\n";
    assert_int_equal(finding(has, "AP-EVENT-NO-RECONCILIATION", "F-1", NULL), W);
    assert_int_equal(
        finding(BASE EVENT("F-1", "500/day", ""), "AP-EVENT-NO-RECONCILIATION", NULL, NULL), -1);
}

static void two_patterns_on_one_source_target_and_direction_are_flagged(void **state)
{
    (void)state;
#define BATCH_CRM_ERP(dir)                                                                         \
    "  - id: F-2\n    source: crm\n    target: erp\n    volume: 50k/day\n"                         \
    "    direction: " dir "\n    pattern: batch\n    decision: {scheduled: true}\n"
    const char *has = BASE EVENT("F-1", "500/day", "") BATCH_CRM_ERP("outbound");
    const char *other_direction = BASE EVENT("F-1", "500/day", "") BATCH_CRM_ERP("inbound");
    const char *same_pattern = BASE EVENT("F-1", "500/day", "") EVENT("F-2", "900/day", "");
    assert_int_equal(finding(has, "AP-MIXED-PATTERNS", "F-1", NULL), W);
    assert_int_equal(finding(has, "AP-MIXED-PATTERNS", "F-2", NULL), W);
    assert_int_equal(finding(other_direction, "AP-MIXED-PATTERNS", NULL, NULL), -1);
    assert_int_equal(finding(same_pattern, "AP-MIXED-PATTERNS", NULL, NULL), -1);
#undef BATCH_CRM_ERP
}

/* erp allows 12,000 calls/day. A real-time flow of 10,000/day makes 10,000
 * calls (one per record): headroom 1 - 10/12 = 16.7% < 30%. At 8,000/day
 * the headroom is 1 - 8/12 = 33% >= 30%. At 5,000/day with load 2x the
 * scenario runs 10,000/day again: flagged. */
static void less_than_30_percent_quota_headroom_is_flagged(void **state)
{
    (void)state;
#define RT_VOL(vol, extra)                                                                         \
    extra BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: " vol "\n"              \
               "    pattern: realtime\n    caller: app\n"                                          \
               "    decision: {someone_waiting: true, financial_or_compliance: true}\n"            \
               "    realtime: {breaker: {enabled: true}, fallback: queue}\n"
    mdl_scenario sc;
    load(RT_VOL("10k/day", ""), &sc);
    assert_true(fabs(mdl_advise_daily_calls(&sc, mdl_scenario_system_index(&sc, "erp")) - 10000) <
                1e-6);
    mdl_scenario_fini(&sc);
    assert_int_equal(finding(RT_VOL("10k/day", ""), "AP-QUOTA-HEADROOM", NULL, "erp"), W);
    assert_int_equal(finding(RT_VOL("5k/day", "load: 2x\n"), "AP-QUOTA-HEADROOM", NULL, "erp"), W);
    assert_int_equal(finding(RT_VOL("8k/day", ""), "AP-QUOTA-HEADROOM", NULL, NULL), -1);
#undef RT_VOL
}

/* 150,000 records a day in one daily run, chunks of 10,000, batches of
 * 10,000 records: 15 batches/day. Against 20/day: 25% headroom, flagged;
 * against 30/day: 50%, not. */
static void bulk_batches_count_against_their_own_pool(void **state)
{
    (void)state;
#define BULK_FLOW(limit)                                                                           \
    "name: t\nsystems:\n  - id: wh\n  - id: erp\n"                                                 \
    "    bulk: {enabled: true, batches_per_day: " limit ", records_per_batch: 10k}\n"              \
    "flows:\n  - id: F-1\n    source: wh\n    target: erp\n    volume: 150k/day\n"                 \
    "    pattern: batch\n    decision: {scheduled: true}\n"                                        \
    "    batch: {api: bulk, chunk_size: 10000}\n"
    mdl_scenario sc;
    load(BULK_FLOW("20"), &sc);
    assert_true(fabs(mdl_advise_daily_batches(&sc, 1) - 15.0) < 1e-9);
    mdl_scenario_fini(&sc);
    assert_int_equal(finding(BULK_FLOW("20"), "AP-QUOTA-HEADROOM", NULL, "erp"), W);
    assert_int_equal(finding(BULK_FLOW("30"), "AP-QUOTA-HEADROOM", NULL, NULL), -1);
#undef BULK_FLOW
}

static void realtime_and_rest_batch_on_one_quota_are_flagged(void **state)
{
    (void)state;
#define WITH_BATCH(api)                                                                            \
    BASE RT_OK("F-1") "  - id: F-2\n    source: crm\n    target: erp\n    volume: 1k/day\n"        \
                      "    pattern: batch\n    decision: {scheduled: true}\n"                      \
                      "    batch: {api: " api "}\n"
    assert_int_equal(finding(WITH_BATCH("rest"), "AP-SHARED-QUOTA", "F-1", "erp"), W);
    assert_int_equal(finding(WITH_BATCH("bulk"), "AP-SHARED-QUOTA", NULL, NULL), -1);
#undef WITH_BATCH
}

static void a_bulk_load_with_cdc_on_is_flagged(void **state)
{
    (void)state;
#define LOAD(cdc)                                                                                  \
    BASE RT_OK("F-1") "faults:\n  - kind: bulk-load\n    system: crm\n    start: 1h\n"             \
                      "    records: 100k\n    api: rest\n    object: Account\n    cdc: " cdc "\n"
    assert_int_equal(finding(LOAD("true"), "AP-CDC-DURING-BULK", NULL, "crm"), W);
    assert_int_equal(finding(LOAD("false"), "AP-CDC-DURING-BULK", NULL, NULL), -1);
#undef LOAD
}

/* A batch into a system with CDC objects may publish change events: the
 * scenario does not say which object it writes, so this is a note. */
static void a_batch_into_a_system_with_cdc_objects_is_a_note(void **state)
{
    (void)state;
#define CDC(objs)                                                                                  \
    "name: t\nsystems:\n  - id: wh\n  - id: crm\n"                                                 \
    "    events: {enabled: true, delivery_allocation: 1M, cdc_objects: " objs "}\n"                \
    "flows:\n  - id: F-1\n    source: wh\n    target: crm\n    volume: 1k/day\n"                   \
    "    pattern: batch\n    decision: {scheduled: true}\n    batch: {api: rest}\n"
    assert_int_equal(finding(CDC("[Order]"), "AP-CDC-DURING-BULK", "F-1", "crm"), N);
    assert_int_equal(finding(CDC("[]"), "AP-CDC-DURING-BULK", NULL, NULL), -1);
    /* When the flow says what it writes, there is no guess: a CDC object is
     * a warning, any other object nothing. */
    assert_int_equal(
        finding(CDC("[Order]") "    object: Order\n", "AP-CDC-DURING-BULK", "F-1", "crm"), W);
    assert_int_equal(
        finding(CDC("[Order]") "    object: Product2\n", "AP-CDC-DURING-BULK", NULL, NULL), -1);
#undef CDC
}

/* crm allows 10,000 deliveries/day. An event flow of 2,500/day with one
 * subscriber and no redelivery: flat, 3 x 2,500 = 7,500 (fits); weekdays
 * only, the peak day carries max/mean of the weekly shape (7/5 for five
 * equal weekdays), 3 x 2,500 x 1.4 = 10,500 > 10,000: flagged. The factor
 * is computed here from the named shape, not assumed. */
static void event_deliveries_at_3x_peak_beyond_the_allocation_are_flagged(void **state)
{
    (void)state;
#define WEEKLY(shape)                                                                              \
    BASE EVENT("F-1", "2500/day", ", redelivery: 0%") "    arrival: {weekly: " shape "}\n"
    double w[7], max = 0, sum = 0;
    assert_int_equal(scn_shape_named(7, "weekdays-only", w), SIM_OK);
    for (int i = 0; i < 7; i++) {
        sum += w[i];
        max = w[i] > max ? w[i] : max;
    }
    double expect = 3.0 * 2500.0 * max / (sum / 7.0);
    mdl_scenario sc;
    load(WEEKLY("weekdays-only"), &sc);
    double certain, possible;
    mdl_advise_deliveries(&sc, mdl_scenario_system_index(&sc, "crm"), 3.0, &certain, &possible);
    assert_true(fabs(certain - expect) < 1e-6 * expect);
    assert_true(possible == 0.0); /* crm has no CDC objects */
    mdl_scenario_fini(&sc);
    assert_int_equal(finding(WEEKLY("weekdays-only"), "AP-EVENT-UNDERSIZED", NULL, "crm"), W);
    assert_int_equal(finding(WEEKLY("flat"), "AP-EVENT-UNDERSIZED", NULL, NULL), -1);
#undef WEEKLY
}

/* Issue 12, "advise counts CDC deliveries from writes that the simulator
 * does not publish": the advisor counts the change events of exactly the
 * writes the world publishes (mdl_scenario_write_publishes). erp has CDC
 * on for Order. F-1 is an event flow crm -> erp whose subscriber writes
 * its 2,000 Orders a day into erp: each write publishes an echo there.
 * F-2 writes 1,000 Orders a day into erp in real time: 1,000 change
 * events. F-3 writes 500 Accounts a day, which erp does not publish. Each
 * event is delivered to one CDC reader (erp's channel has no subscriber of
 * its own: one is assumed): 3,000 a day. The simulator over one day
 * publishes about Poisson(3,000) of them (the subscriber's echoes lag its
 * arrivals by seconds): within 5 standard deviations (274). */
static void the_advisor_counts_the_change_events_the_simulator_publishes(void **state)
{
    (void)state;
    static const char yaml[] =
        "name: t\nhorizon: 1d\nseed: 3\n"
        "systems:\n"
        "  - id: crm\n    events: {enabled: true}\n"
        "  - id: erp\n    api: {workers: 64}\n"
        "    events: {enabled: true, delivery_allocation: 1M, cdc_objects: [Order]}\n"
        "callers:\n  - id: app\n"
        "flows:\n"
        "  - id: F-1\n    source: crm\n    target: erp\n    volume: 2000/day\n"
        "    pattern: event\n    object: Order\n"
        "  - id: F-2\n    source: crm\n    target: erp\n    volume: 1000/day\n"
        "    pattern: realtime\n    caller: app\n    object: Order\n"
        "  - id: F-3\n    source: crm\n    target: erp\n    volume: 500/day\n"
        "    pattern: realtime\n    caller: app\n    object: Account\n";
    mdl_scenario sc;
    load(yaml, &sc);
    int erp = mdl_scenario_system_index(&sc, "erp");
    assert_int_equal(mdl_scenario_flow_cdc_system(&sc, &sc.flows[0]), -1); /* its subscriber's */
    assert_true(mdl_scenario_write_publishes(&sc, erp, sc.flows[0].event.subscribers[0].object));
    assert_int_equal(mdl_scenario_flow_cdc_system(&sc, &sc.flows[1]), erp);
    assert_int_equal(mdl_scenario_flow_cdc_system(&sc, &sc.flows[2]), -1);
    double certain, possible;
    mdl_advise_deliveries(&sc, erp, 1.0, &certain, &possible);
    assert_true(fabs(certain - 3000.0) < 1e-9);
    assert_true(possible == 0.0);
    sim_result *r = sim_result_create(NULL);
    assert_int_equal(mdl_world_run(&sc, 3, 0, r, NULL), SIM_OK);
    long i = sim_result_find(r, "channel.erp.cdc_published");
    assert_true(i >= 0);
    assert_true(fabs(sim_result_value(r, (size_t)i) - certain) < 5 * sqrt(3000.0));
    sim_result_destroy(r);
    mdl_scenario_fini(&sc);
}

/* Issue 12, "says 'no data-object field' for a flow that sets object:":
 * two flows on one route carry one object only when their objects agree,
 * and the finding names it. */
static void flows_on_one_route_with_other_objects_are_not_mixed_patterns(void **state)
{
    (void)state;
#define TWO(o1, o2)                                                                                \
    BASE EVENT("F-1", "500/day",                                                                   \
               "") "    object: " o1 "\n"                                                          \
                   "  - id: F-2\n    source: crm\n    target: erp\n    volume: 50k/day\n"          \
                   "    pattern: batch\n    decision: {scheduled: true}\n    object: " o2 "\n"
    assert_int_equal(finding(TWO("Order", "Account"), "AP-MIXED-PATTERNS", NULL, NULL), -1);
    assert_int_equal(finding(TWO("Order", "Order"), "AP-MIXED-PATTERNS", "F-1", NULL), W);
    mdl_scenario sc;
    load(TWO("Order", "Order"), &sc);
    mdl_findings f;
    mdl_findings_init(&f);
    assert_int_equal(mdl_advise_findings(&sc, &f, NULL), SIM_OK);
    const mdl_finding *x = mdl_findings_find(&f, "AP-MIXED-PATTERNS", "F-1", NULL);
    assert_non_null(x);
    assert_non_null(strstr(x->detail, "both carry Order"));
    assert_null(strstr(x->detail, "data-object"));
    mdl_findings_fini(&f);
    mdl_scenario_fini(&sc);
#undef TWO
}

static void realtime_without_a_breaker_is_flagged(void **state)
{
    (void)state;
    const char *has = BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 500/day\n"
                           "    pattern: realtime\n    caller: app\n"
                           "    decision: {someone_waiting: true, financial_or_compliance: true}\n"
                           "    realtime: {fallback: queue}\n";
    assert_int_equal(finding(has, "AP-REALTIME-NO-BREAKER", "F-1", NULL), W);
    assert_int_equal(finding(BASE RT_OK("F-1"), "AP-REALTIME-NO-BREAKER", NULL, NULL), -1);
}

/* Not user-facing and no fallback: flagged. The same without fallback but
 * with a user waiting (the user sees the error) is not. */
static void realtime_without_a_fallback_nobody_waits_on_is_flagged(void **state)
{
    (void)state;
#define NOFB(waiting)                                                                              \
    BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 500/day\n"                    \
         "    pattern: realtime\n    caller: app\n"                                                \
         "    decision: {someone_waiting: " waiting "}\n"                                          \
         "    realtime: {breaker: {enabled: true}}\n"
    assert_int_equal(finding(NOFB("false"), "AP-REALTIME-NO-FALLBACK", "F-1", NULL), W);
    assert_int_equal(finding(NOFB("true"), "AP-REALTIME-NO-FALLBACK", NULL, NULL), -1);
    assert_int_equal(finding(BASE RT_OK("F-1"), "AP-REALTIME-NO-FALLBACK", NULL, NULL), -1);
#undef NOFB
}

/* The token and its refresh mode belong to the target system (its
 * tokens.refresh): a real-time flow into a system that refreshes inline or
 * never is flagged; proactive, or a token that never expires, is not. */
static void inline_token_refresh_is_flagged(void **state)
{
    (void)state;
#define REFRESH(tokens)                                                                            \
    "name: t\nhorizon: 1d\nsystems:\n  - id: crm\n  - id: erp\n    tokens: " tokens "\n"           \
    "callers:\n  - id: app\nflows:\n"                                                              \
    "  - id: F-1\n    source: crm\n    target: erp\n    volume: 500/day\n"                         \
    "    pattern: realtime\n    caller: app\n"                                                     \
    "    decision: {someone_waiting: true, financial_or_compliance: true}\n"                       \
    "    realtime: {breaker: {enabled: true}, fallback: queue}\n"
    assert_int_equal(
        finding(REFRESH("{lifetime: 1h, refresh: inline}"), "AP-INLINE-TOKEN-REFRESH", "F-1", NULL),
        W);
    assert_int_equal(
        finding(REFRESH("{lifetime: 1h, refresh: none}"), "AP-INLINE-TOKEN-REFRESH", "F-1", NULL),
        W);
    assert_int_equal(finding(REFRESH("{lifetime: 1h, refresh: proactive}"),
                             "AP-INLINE-TOKEN-REFRESH", NULL, NULL),
                     -1);
    assert_int_equal(finding(REFRESH("{lifetime: none, refresh: inline}"),
                             "AP-INLINE-TOKEN-REFRESH", NULL, NULL),
                     -1);
#undef REFRESH
}

#define SUBSCRIBER(keys)                                                                           \
    BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 500/day\n"                    \
         "    pattern: event\n    decision: {change_triggered: true}\n"                            \
         "    event:\n      reconciliation: {enabled: true, compare: delta}\n"                     \
         "      subscribers:\n        - {id: s1" keys "}\n"

static void a_subscription_token_without_renewal_is_flagged(void **state)
{
    (void)state;
    assert_int_equal(finding(SUBSCRIBER(", token_lifetime: 2h, auto_renew: false"),
                             "AP-SUBSCRIBER-TOKEN-EXPIRY", "F-1", NULL),
                     W);
    assert_int_equal(finding(SUBSCRIBER(", token_lifetime: 2h, auto_renew: true"),
                             "AP-SUBSCRIBER-TOKEN-EXPIRY", NULL, NULL),
                     -1);
}

static void reconnecting_without_a_replay_id_is_flagged(void **state)
{
    (void)state;
    assert_int_equal(finding(SUBSCRIBER(", replay_resume: false"), "AP-NO-REPLAY-ID", "F-1", NULL),
                     W);
    assert_int_equal(finding(SUBSCRIBER(""), "AP-NO-REPLAY-ID", NULL, NULL), -1);
}

/* crm keeps events 72 h (the built-in retention). Offline 4 days: the
 * oldest day of events is gone; offline 1 day: nothing lost. A
 * subscriber-offline fault counts like an offline window. */
static void offline_longer_than_the_replay_window_is_flagged(void **state)
{
    (void)state;
    assert_int_equal(finding(SUBSCRIBER(", offline: [{start: 1h, duration: 4d}]"),
                             "AP-REPLAY-WINDOW-EXPIRY", "F-1", NULL),
                     W);
    assert_int_equal(finding(SUBSCRIBER("") "faults:\n  - kind: subscriber-offline\n"
                                            "    flow: F-1\n    start: 1h\n    duration: 4d\n",
                             "AP-REPLAY-WINDOW-EXPIRY", "F-1", NULL),
                     W);
    assert_int_equal(finding(SUBSCRIBER(", offline: [{start: 1h, duration: 1d}]"),
                             "AP-REPLAY-WINDOW-EXPIRY", NULL, NULL),
                     -1);
}

/* The findings list is the only allocation: when it fails the call says
 * so and what was collected can still be freed. */
static void running_out_of_memory_for_the_findings_is_reported(void **state)
{
    (void)state;
    mdl_scenario sc;
    load(BASE "  - id: F-1\n    source: crm\n    target: erp\n    volume: 50k/day\n"
              "    pattern: realtime\n    caller: app\n    decision: {scheduled: true}\n",
         &sc);
    mdl_findings f;
    mdl_findings_init(&f);
    sim_err err;
    sim_alloc_fail_after(1);
    int rc = mdl_advise_findings(&sc, &f, &err);
    sim_alloc_fail_reset();
    assert_int_equal(rc, SIM_ENOMEM);
    assert_int_equal(err.code, SIM_ENOMEM);
    assert_int_equal(f.count, 0);
    mdl_findings_fini(&f);
    assert_int_equal(mdl_advise_findings(&sc, &f, NULL), SIM_OK);
    assert_true(f.count >= 4); /* high volume, unjustified, no breaker, no fallback */
    mdl_findings_fini(&f);
    mdl_scenario_fini(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(waiting_for_a_financial_decision_is_realtime),
        cmocka_unit_test(waiting_not_financial_with_a_five_minute_impact_is_realtime),
        cmocka_unit_test(waiting_without_a_five_minute_impact_is_event_driven),
        cmocka_unit_test(change_triggered_for_several_downstream_systems_is_pub_sub),
        cmocka_unit_test(change_triggered_for_one_system_below_1000_a_day_is_event_driven),
        cmocka_unit_test(change_triggered_for_one_system_above_1000_a_day_is_batch),
        cmocka_unit_test(exactly_1000_records_a_day_is_event_driven),
        cmocka_unit_test(scheduled_below_2000_records_a_run_is_rest_batch),
        cmocka_unit_test(scheduled_between_2000_and_150000_a_run_is_bulk),
        cmocka_unit_test(scheduled_above_150000_a_run_is_chunked_bulk_or_file),
        cmocka_unit_test(the_bulk_range_includes_2000_and_150000),
        cmocka_unit_test(a_full_data_migration_is_a_file_import),
        cmocka_unit_test(neither_change_triggered_nor_scheduled_is_case_by_case),
        cmocka_unit_test(records_per_run_use_the_longest_gap_of_the_schedule),
        cmocka_unit_test(a_full_selection_runs_the_whole_dataset),
        cmocka_unit_test(zero_loss_needs_replay_and_a_dead_letter_queue),
        cmocka_unit_test(retry_tolerance_needs_at_least_once_with_an_idempotent_receiver),
        cmocka_unit_test(best_effort_is_batch_with_a_reconciliation_report),
        cmocka_unit_test(bidirectional_sync_designs_conflict_resolution_first),
        cmocka_unit_test(one_way_sync_proceeds_with_the_chosen_pattern),
        cmocka_unit_test(every_realtime_flow_needs_a_breaker_and_a_fallback),
        cmocka_unit_test(agreement_compares_the_pattern_and_the_named_api),
        cmocka_unit_test(the_default_scenario_reproduces_the_cards_audit_table),
        cmocka_unit_test(the_catalogue_ids_are_unique_and_every_entry_has_a_fix),
        cmocka_unit_test(realtime_for_a_scheduled_load_is_flagged),
        cmocka_unit_test(realtime_with_nobody_waiting_is_flagged),
        cmocka_unit_test(batch_for_a_credit_decision_is_flagged),
        cmocka_unit_test(events_applied_with_insert_are_flagged),
        cmocka_unit_test(events_without_reconciliation_are_flagged),
        cmocka_unit_test(two_patterns_on_one_source_target_and_direction_are_flagged),
        cmocka_unit_test(less_than_30_percent_quota_headroom_is_flagged),
        cmocka_unit_test(bulk_batches_count_against_their_own_pool),
        cmocka_unit_test(realtime_and_rest_batch_on_one_quota_are_flagged),
        cmocka_unit_test(a_bulk_load_with_cdc_on_is_flagged),
        cmocka_unit_test(a_batch_into_a_system_with_cdc_objects_is_a_note),
        cmocka_unit_test(event_deliveries_at_3x_peak_beyond_the_allocation_are_flagged),
        cmocka_unit_test(the_advisor_counts_the_change_events_the_simulator_publishes),
        cmocka_unit_test(flows_on_one_route_with_other_objects_are_not_mixed_patterns),
        cmocka_unit_test(realtime_without_a_breaker_is_flagged),
        cmocka_unit_test(realtime_without_a_fallback_nobody_waits_on_is_flagged),
        cmocka_unit_test(inline_token_refresh_is_flagged),
        cmocka_unit_test(a_subscription_token_without_renewal_is_flagged),
        cmocka_unit_test(reconnecting_without_a_replay_id_is_flagged),
        cmocka_unit_test(offline_longer_than_the_replay_window_is_flagged),
        cmocka_unit_test(running_out_of_memory_for_the_findings_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
