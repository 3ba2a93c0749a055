/*
 * test_res_verdict.c - the holds policy of results/res_verdict.h on the hand-written
 * fixture (tests/results/res_fixture.h), with expected values computed
 * here from the fixture's numbers.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "out_text.h"
#include "res_verdict.h"
#include "results/res_fixture.h"

static res_results *make_fixture(void)
{
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    assert_int_equal(fixture_fill(r), 0);
    return r;
}

static const res_limit *limit_of(const res_verdict *v, mdl_limit_kind k, const char *id)
{
    for (int i = 0; i < v->nlimits; i++)
        if (v->limits[i].def->kind == k && !strcmp(v->limits[i].def->id, id))
            return &v->limits[i];
    fail_msg("no limit %s", id);
    return NULL;
}

static void limits_get_headroom_and_the_time_they_ran_out(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    assert_int_equal(v.nlimits, 3);
    /* erp quota: ran out at 72000 s and 75600 s in two of three replications */
    const res_limit *q = limit_of(&v, MDL_LIMIT_QUOTA, "erp");
    assert_int_equal(q->status, RES_LIMIT_EXHAUSTED);
    assert_int_equal(q->runs_out, 2);
    assert_int_equal(q->reps, 3);
    assert_true(fabs(q->out_at_s - (72000.0 + 75600.0) / 2) < 1e-9);
    assert_true(fabs(q->refused - 100.0) < 1e-9); /* (120 + 80 + 100) / 3 */
    assert_true(fabs(q->headroom) < 1e-12);       /* peak 1000 of 1000 */
    /* crm allocation: peak (400 + 420 + 380) / 3 = 400 of 500: 20% headroom */
    const res_limit *a = limit_of(&v, MDL_LIMIT_ALLOCATION, "crm");
    assert_true(fabs(a->headroom - 0.2) < 1e-12);
    assert_int_equal(a->status, RES_LIMIT_TIGHT);
    assert_int_equal(a->runs_out, 0);
    /* web pool: peak (6 + 7 + 8) / 3 = 7 of 10: exactly the card's 30% is enough */
    const res_limit *p = limit_of(&v, MDL_LIMIT_CALLER_POOL, "web");
    assert_true(fabs(p->headroom - 0.3) < 1e-12);
    assert_int_equal(p->status, RES_LIMIT_OK);
    assert_int_equal(p->runs_out, 0); /* pool_exhausted_at -1: never full */
    assert_false(v.holds);
    res_verdict_fini(&v);
    res_results_destroy(r);
}

/* The fixture's scalar metric name, to edit its values in a test. */
static res_metric *metric(res_results *r, const char *name)
{
    for (size_t i = 0; i < r->nmetrics; i++)
        if (!strcmp(r->metrics[i].name, name))
            return &r->metrics[i];
    fail_msg("no metric %s", name);
    return NULL;
}

/* Sets the three values of a fixture scalar and its mean. */
static void set3(res_results *r, const char *name, double a, double b, double c)
{
    res_metric *m = metric(r, name);
    m->values[0] = a;
    m->values[1] = b;
    m->values[2] = c;
    m->mean = (a + b + c) / 3;
}

static void flows_meet_miss_or_cannot_tell(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    assert_int_equal(v.nflows, 3);
    /* F-1: p99 0.8, 0.9, 0.85 -> mean 0.85, s = 0.05, half-width
     * 4.3027 * 0.05 / sqrt(3) = 0.124; SLO 1 s is 0.15 away: met */
    assert_int_equal(v.flows[0].latency, RES_VERDICT_OK);
    assert_true(fabs(v.flows[0].p99_hw - 4.302652729911275 * 0.05 / sqrt(3.0)) < 1e-9);
    /* F-2: p99 mean 450 s, half-width 124 s; SLO 300 s is 150 away: missed */
    assert_int_equal(v.flows[1].latency, RES_VERDICT_MISSED);
    assert_int_equal(v.flows[1].status, RES_VERDICT_MISSED);
    assert_true(fabs(v.flows[1].lost - 10.0) < 1e-9);
    assert_string_equal(v.flows[1].top_reason, "retention");
    /* F-3: p99 8.3 h against a nightly SLO of 24 h: met */
    assert_int_equal(v.flows[2].status, RES_VERDICT_OK);
    res_verdict_fini(&v);

    /* F-1 at 0.9, 0.95, 1.0 s: mean 0.95 below the 1 s SLO, which is
     * inside the CI (half-width 4.3027 * 0.05 / sqrt 3 = 0.124): uncertain,
     * a warning; with the mean above the SLO it is missed. */
    set3(r, "flow.F-1.latency_p99", 0.9, 0.95, 1.0);
    metric(r, "flow.F-1.latency_p99")->half_width = 4.302652729911275 * 0.05 / sqrt(3.0);
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    assert_int_equal(v.flows[0].latency, RES_VERDICT_UNCERTAIN);
    assert_int_equal(v.count[RES_RULE_SLO_UNCERTAIN], 1);
    res_verdict_fini(&v);
    set3(r, "flow.F-1.latency_p99", 0.95, 1.0, 1.1);
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    assert_int_equal(v.flows[0].latency, RES_VERDICT_MISSED);
    res_verdict_fini(&v);
    res_results_destroy(r);
}

/* The tolerance table of res_verdict.h. */
static void tolerances_follow_error_tolerance_and_impact(void **state)
{
    (void)state;
    res_flow f;
    memset(&f, 0, sizeof f);
    snprintf(f.impact, sizeof f.impact, "critical");
    assert_true(res_verdict_tolerance(&f) == 0.001); /* retry by default */
    snprintf(f.tolerance, sizeof f.tolerance, "zero-loss");
    assert_true(res_verdict_tolerance(&f) == 0.0);
    snprintf(f.tolerance, sizeof f.tolerance, "best-effort");
    snprintf(f.impact, sizeof f.impact, "low");
    assert_true(fabs(res_verdict_tolerance(&f) - 0.25) < 1e-15);
    snprintf(f.tolerance, sizeof f.tolerance, "retry");
    snprintf(f.impact, sizeof f.impact, "medium");
    assert_true(res_verdict_tolerance(&f) == 0.01);
}

/* Issue 12, "met while almost nothing arrived": a flow whose delivered
 * records are fast is not "met" when its records do not arrive. F-1 (high
 * impact: 0.5% tolerance) rejects (50 + 50 + 40) / 3 = 46.7 of 3,000
 * records per run: 1.56%, a miss although its p99 meets the SLO. */
static void a_flow_misses_when_its_records_do_not_arrive(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    const res_verdict_flow *f = &v.flows[0];
    assert_int_equal(f->latency, RES_VERDICT_OK);
    assert_true(fabs(f->share - 140.0 / 3 / 3000.0) < 1e-12);
    assert_true(f->tolerance == 0.005);
    assert_int_equal(f->complete, 0);
    assert_int_equal(f->status, RES_VERDICT_INCOMPLETE);
    assert_false(v.holds);
    res_verdict_fini(&v);

    /* Pending records count once they are older than the SLO: F-1 creates
     * 3,000 records in 2 days, so 3000 / 172800 s x 1 s = 0.017 can be in
     * flight within its 1 s SLO. 2,900 of 3,000 pending (parked by the
     * queue fallback), nothing rejected, 100 delivered fast: 96.7% not
     * delivered. */
    set3(r, "flow.F-1.rejected", 0, 0, 0);
    set3(r, "flow.F-1.delivered", 100, 100, 100);
    assert_non_null(fixture_scalar(r, "flow.F-1.pending", "records", 2900, 3000, 2800));
    assert_non_null(fixture_scalar(r, "flow.F-1.parked_at_end", "records", 2900, 3000, 2800));
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    f = &v.flows[0];
    double young = 3000.0 / (2 * 86400.0) * 1.0;
    assert_true(fabs(f->overdue - (2900.0 - young)) < 1e-9);
    assert_true(fabs(f->share - (2900.0 - young) / 3000.0) < 1e-12);
    assert_int_equal(f->status, RES_VERDICT_INCOMPLETE);
    int parked = 0;
    for (int i = 0; i < v.nitems; i++)
        parked |= strstr(v.items[i].text, "parked by the queue fallback") != NULL;
    assert_true(parked);
    res_verdict_fini(&v);
    res_results_destroy(r);
}

/* Fewer than 100 records per run: no p99 to judge, said as a warning. */
static void too_few_records_is_not_met(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    set3(r, "flow.F-3.created", 40, 40, 40);
    set3(r, "flow.F-3.delivered", 40, 40, 40);
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    assert_int_equal(v.flows[2].latency, RES_VERDICT_FEW);
    assert_string_equal(res_verdict_status_name(v.flows[2].status), "too few");
    assert_int_equal(v.count[RES_RULE_TOO_FEW_RECORDS], 1);
    /* 40 per run in 2 days: 100 need ceil(2 * 100 / 40) = 5 days */
    int found = 0;
    for (int i = 0; i < v.nitems; i++)
        found |= v.items[i].rule == RES_RULE_TOO_FEW_RECORDS &&
                 strstr(v.items[i].text, "--days 5") != NULL;
    assert_true(found);
    res_verdict_fini(&v);
    res_results_destroy(r);
}

/* Issue 12, "a batch overrun is not a violation": it is a FAIL item with
 * its time, like a limit running out. */
static void a_batch_overrun_fails_the_run(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    set3(r, "flow.F-3.batch.overruns", 0, 2, 1);
    assert_non_null(fixture_scalar(r, "flow.F-3.batch.first_overrun_at", "s", NAN, 90000, 95000));
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    assert_int_equal(v.count[RES_RULE_BATCH_OVERRUN], 1);
    const res_item *it = NULL;
    for (int i = 0; i < v.nitems; i++)
        if (v.items[i].rule == RES_RULE_BATCH_OVERRUN)
            it = &v.items[i];
    assert_non_null(it);
    assert_true(fabs(it->at_s - 92500.0) < 1e-9); /* the two that overran */
    assert_non_null(strstr(it->text, "in 2 of 3 replications"));
    assert_false(v.holds);
    res_verdict_fini(&v);
    res_results_destroy(r);
}

static void what_breaks_first_is_failures_in_time_order_then_warnings(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    assert_int_equal(v.nitems, 6);
    /* failures: the quota at 73800 s, then the untimed by weight: F-2's
     * p99 at 1.5 times its SLO, F-1's 1.56% and F-2's 1% not delivered */
    assert_int_equal(v.items[0].rule, RES_RULE_LIMIT_EXHAUSTED);
    assert_true(fabs(v.items[0].at_s - 73800.0) < 1e-9);
    assert_non_null(strstr(v.items[0].text, "erp"));
    assert_int_equal(v.items[1].rule, RES_RULE_SLO_P99);
    assert_non_null(strstr(v.items[1].text, "F-2 misses its 5 min latency SLO"));
    assert_int_equal(v.items[2].rule, RES_RULE_COMPLETENESS);
    assert_non_null(strstr(v.items[2].text, "F-1 does not deliver 47 of its 3,000 records"));
    assert_non_null(strstr(v.items[2].text, "mostly pool_full"));
    assert_int_equal(v.items[3].rule, RES_RULE_COMPLETENESS);
    assert_non_null(strstr(v.items[3].text, "F-2"));
    /* then the warnings: the batch projected to outgrow its window in
     * month 10 (the median of 9, 10, 11: a month is MDL_MONTH, 30.4375
     * days, everywhere), timed, then the tight allocation */
    assert_int_equal(v.items[4].rule, RES_RULE_PROJECTED_OVERRUN);
    assert_true(fabs(v.items[4].at_s - 10.0 * 30.4375 * 86400.0) < 1e-3);
    assert_non_null(strstr(v.items[4].text, "F-3"));
    assert_non_null(strstr(v.items[4].text, "month 10.0 (median of 3 of 3 replications"));
    assert_int_equal(v.items[5].rule, RES_RULE_LIMIT_TIGHT);
    assert_non_null(strstr(v.items[5].text, "below the card's 30%"));
    char banner[512];
    assert_string_equal(res_verdict_banner(&v, banner, sizeof banner),
                        "FAIL: 1 flow misses its latency SLO, 2 flows do not deliver their "
                        "records, 1 limit ran out");
    assert_string_equal(res_verdict_result(&v), "FAIL");
    assert_int_equal(res_verdict_level(&v), 2);
    assert_ptr_equal(res_verdict_first_failure(&v), &v.items[0]);
    res_verdict_fini(&v);
    res_results_destroy(r);
}

/* Only warnings: it passes, with warnings, and says which. */
static void warnings_alone_pass(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    set3(r, "system.erp.quota_exhausted_at", -1, -1, -1);
    set3(r, "system.erp.quota_peak", 500, 500, 500);
    set3(r, "flow.F-1.rejected", 0, 0, 0);
    set3(r, "flow.F-2.lost", 0, 0, 0);
    set3(r, "flow.F-2.latency_p99", 100, 110, 120);
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    assert_true(v.holds);
    char banner[512];
    assert_string_equal(res_verdict_banner(&v, banner, sizeof banner),
                        "PASS, WITH WARNINGS: 1 limit below 30% headroom, 1 batch projected to "
                        "outgrow its window");
    assert_string_equal(res_verdict_result(&v), "PASS");
    assert_null(res_verdict_first_failure(&v));
    res_verdict_fini(&v);
    res_results_destroy(r);
}

static void the_summary_fits_a_screen(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    char *text = out_text_summary(r, &v, NULL);
    assert_non_null(text);
    int lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    assert_true(lines > 10 && lines <= 60);
    assert_non_null(strstr(text, "What breaks first"));
    assert_non_null(strstr(text, "day 0 20:30")); /* 73800 s */
    assert_non_null(strstr(text, "EXHAUSTED"));
    assert_non_null(strstr(text, "seed 7"));
    sim_free(text);
    res_verdict_fini(&v);
    res_results_destroy(r);
}

/* A landscape with more flows and limits than a table shows (15 rows):
 * the rows shown are the failing ones, then those nearest failing, worst
 * first; the line below counts the rest by verdict. Built by hand: flow i
 * of 20 is INCOMPLETE for i = 17 (share 0.2) and 3 (share 0.1), MISSED
 * for i = 9, met with p99 = i / 100 of its SLO otherwise, so the met ones
 * shown are the 12 with the largest p99 (i = 19, 18, 16 .. 6 less 9) and
 * i = 0, 1, 2, 4, 5 are left out: 5 met. Limit i of 20 ran out at
 * 1000 - i s for i = 4, 11 (so 11 first), is tight with headroom
 * i / 100 for i < 4, ok with headroom 0.3 + i / 100 otherwise. */
static void a_cut_table_shows_the_worst_rows_and_counts_the_rest(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    res_verdict_flow *own_flows = v.flows, flows[20];
    res_limit *own_limits = v.limits, limits[20];
    mdl_limit defs[20];
    memset(flows, 0, sizeof flows);
    memset(limits, 0, sizeof limits);
    memset(defs, 0, sizeof defs);
    for (int i = 0; i < 20; i++) {
        res_verdict_flow *f = &flows[i];
        snprintf(f->id, sizeof f->id, "F-%02d", i);
        f->slo_s = 1;
        f->p99 = i / 100.0;
        f->share = i == 17 ? 0.2 : i == 3 ? 0.1 : 0;
        f->status = i == 17 || i == 3 ? RES_VERDICT_INCOMPLETE
                    : i == 9          ? RES_VERDICT_MISSED
                                      : RES_VERDICT_OK;
        res_limit *l = &limits[i];
        snprintf(defs[i].id, sizeof defs[i].id, "L-%02d", i);
        snprintf(defs[i].what, sizeof defs[i].what, "calls");
        defs[i].limit = 100;
        l->def = &defs[i];
        l->reps = 1;
        l->out_at_s = NAN;
        if (i == 4 || i == 11) {
            l->status = RES_LIMIT_EXHAUSTED;
            l->runs_out = 1;
            l->out_at_s = 1000 - i;
        } else if (i < 4) {
            l->status = RES_LIMIT_TIGHT;
            l->headroom = i / 100.0;
        } else {
            l->status = RES_LIMIT_OK;
            l->headroom = 0.3 + i / 100.0;
        }
    }
    v.flows = flows;
    v.nflows = 20;
    v.limits = limits;
    v.nlimits = 20;
    char *text = out_text_summary(r, &v, NULL);
    assert_non_null(text);
    /* worst first: F-17 (20% not delivered) before F-03 (10%) before the
     * missed F-09 before the met F-19 */
    const char *a = strstr(text, "F-17"), *b = strstr(text, "F-03"), *c = strstr(text, "F-09"),
               *d = strstr(text, "F-19");
    assert_true(a && b && c && d && a < b && b < c && c < d);
    assert_non_null(strstr(text, "F-06"));
    assert_null(strstr(text, "F-05"));
    assert_null(strstr(text, "F-00"));
    assert_non_null(strstr(text, "... and 5 more flows, none worse than those above: 5 met"));
    /* limits: L-11 ran out first, then L-04, then the tight ones by headroom */
    const char *e = strstr(text, "L-11"), *g = strstr(text, "L-04"), *h = strstr(text, "L-00"),
               *k = strstr(text, "L-03");
    assert_true(e && g && h && k && e < g && g < h && h < k);
    assert_null(strstr(text, "L-19"));
    assert_non_null(strstr(text, "... and 5 more limits, none worse than those above: 5 ok"));
    sim_free(text);
    v.flows = own_flows;
    v.limits = own_limits;
    res_verdict_fini(&v);
    res_results_destroy(r);
}

/* Five variants give each of the fixture's three flows six rows of the
 * variants table: two flows fit in its 15 rows. F-3 is met as written
 * (its batch fits, fixture) but INCOMPLETE under the last variant, so it
 * is shown, first, and one flow is left out and counted. */
static void a_cut_variants_table_shows_the_flows_failing_under_any_variant(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    char id[16];
    for (int k = 0; k < 5; k++) {
        snprintf(id, sizeof id, "v%d", k);
        res_variant *x = res_results_add_variant(r, id, NULL, 3, NULL);
        assert_non_null(x);
        x->nflows = 3;
        for (int i = 0; i < 3; i++) {
            snprintf(x->flows[i].id, sizeof x->flows[i].id, "F-%d", i + 1);
            snprintf(x->flows[i].status, sizeof x->flows[i].status, "%s",
                     k == 4 && i == 2 ? "INCOMPLETE" : "met");
        }
    }
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    char *text = out_text_summary(r, &v, NULL);
    assert_non_null(text);
    const char *table = strstr(text, "  Flow ");
    assert_non_null(table);
    const char *f3 = strstr(table, "F-3");
    assert_non_null(f3);
    assert_true(!strstr(table, "F-1") || f3 < strstr(table, "F-1"));
    assert_true(!strstr(table, "F-2") || f3 < strstr(table, "F-2"));
    assert_non_null(strstr(table, "... and 1 more flow, none worse than those above"));
    sim_free(text);
    res_verdict_fini(&v);
    res_results_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(limits_get_headroom_and_the_time_they_ran_out),
        cmocka_unit_test(flows_meet_miss_or_cannot_tell),
        cmocka_unit_test(tolerances_follow_error_tolerance_and_impact),
        cmocka_unit_test(a_flow_misses_when_its_records_do_not_arrive),
        cmocka_unit_test(too_few_records_is_not_met),
        cmocka_unit_test(a_batch_overrun_fails_the_run),
        cmocka_unit_test(what_breaks_first_is_failures_in_time_order_then_warnings),
        cmocka_unit_test(warnings_alone_pass),
        cmocka_unit_test(the_summary_fits_a_screen),
        cmocka_unit_test(a_cut_table_shows_the_worst_rows_and_counts_the_rest),
        cmocka_unit_test(a_cut_variants_table_shows_the_flows_failing_under_any_variant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
