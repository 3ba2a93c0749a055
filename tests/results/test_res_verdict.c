/*
 * test_res_verdict.c - the verdict rules of results/res_verdict.h on the hand-written
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
    assert_true(v.violation);
    res_verdict_fini(&v);
    res_results_destroy(r);
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
    assert_int_equal(v.flows[0].status, RES_VERDICT_OK);
    assert_true(fabs(v.flows[0].p99_hw - 4.302652729911275 * 0.05 / sqrt(3.0)) < 1e-9);
    /* F-2: p99 mean 450 s, half-width 124 s; SLO 300 s is 150 away: missed */
    assert_int_equal(v.flows[1].status, RES_VERDICT_MISSED);
    assert_true(fabs(v.flows[1].lost - 10.0) < 1e-9);
    assert_string_equal(v.flows[1].top_reason, "retention");
    /* F-3: p99 8.3 h against a nightly SLO of 24 h: met */
    assert_int_equal(v.flows[2].status, RES_VERDICT_OK);
    res_verdict_fini(&v);

    /* F-1 at 0.9, 1.0, 1.1 s: the SLO of 1 s is the mean, inside the CI */
    res_metric *m = NULL;
    for (size_t i = 0; i < r->nmetrics; i++)
        if (!strcmp(r->metrics[i].name, "flow.F-1.latency_p99"))
            m = &r->metrics[i];
    assert_non_null(m);
    m->values[0] = 0.9;
    m->values[1] = 1.0;
    m->values[2] = 1.1;
    m->mean = 1.0;
    m->half_width = 4.302652729911275 * 0.1 / sqrt(3.0);
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    assert_int_equal(v.flows[0].status, RES_VERDICT_UNCERTAIN);
    res_verdict_fini(&v);
    res_results_destroy(r);
}

static void what_breaks_first_is_in_time_order_then_by_severity(void **state)
{
    (void)state;
    res_results *r = make_fixture();
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    assert_true(v.nbreaks >= 6);
    /* timed: the quota at 73800 s, then the batch projected to outgrow its
     * window in month 10 (the mean of 9, 10, 11) */
    assert_true(fabs(v.breaks[0].at_s - 73800.0) < 1e-9);
    assert_non_null(strstr(v.breaks[0].text, "erp"));
    /* a month is MDL_MONTH, 30.4375 days, everywhere */
    assert_true(fabs(v.breaks[1].at_s - 10.0 * 30.4375 * 86400.0) < 1e-3);
    assert_non_null(strstr(v.breaks[1].text, "F-3"));
    assert_non_null(strstr(v.breaks[1].text, "month 10.0"));
    /* untimed, most severe first: the missed SLO, the lost records, the
     * rejected records, the tight allocation */
    assert_true(isnan(v.breaks[2].at_s));
    assert_non_null(strstr(v.breaks[2].text, "F-2 misses its 5 min latency SLO"));
    assert_non_null(strstr(v.breaks[3].text, "F-2: 10 of 1,000 records lost"));
    assert_non_null(strstr(v.breaks[4].text, "F-1: 47 of 3,000 records rejected"));
    assert_non_null(strstr(v.breaks[4].text, "mostly pool_full"));
    assert_non_null(strstr(v.breaks[5].text, "crm"));
    assert_non_null(strstr(v.breaks[5].text, "below the card's 30%"));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(limits_get_headroom_and_the_time_they_ran_out),
        cmocka_unit_test(flows_meet_miss_or_cannot_tell),
        cmocka_unit_test(what_breaks_first_is_in_time_order_then_by_severity),
        cmocka_unit_test(the_summary_fits_a_screen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
