/*
 * test_serve_whatif.c - the what-ifs behind `erpsim serve`, without HTTP:
 * refused values answered 422 with the loader's message, the verdict of a
 * run against a hand calculation, the downloaded YAML loading back, data
 * files confined to the scenario's folder, a stale run cancelled by a
 * newer one, and a run too large for interactive use.
 *
 * The fixture tests/cli/fixtures/workshop.yaml has two real-time flows of
 * 6k and 4k records a day into an ERP allowing 30k API calls a day, one
 * call per record: at 1x, 10k calls a day is a third of the limit (the
 * card's 30% headroom holds, nothing else can fail: SLOs of 10 s against
 * a p95 of 900 ms); at 5x, 50k calls a day cannot fit 30k, so the limit
 * runs out in every replication and the verdict fails.
 */
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "scn_load.h"
#include "serve_whatif.h"
#include "sim_alloc.h"

static const char fixture[] = "tests/cli/fixtures/workshop.yaml";

static serve_whatif *open_whatif(const char *path, double budget)
{
    serve_whatif_cfg cfg = {.scenario = path, .budget_s = budget};
    scn_diag d;
    scn_diag_init(&d);
    sim_err e;
    sim_err_clear(&e);
    serve_whatif *w = serve_whatif_create(&cfg, &d, &e);
    if (!w)
        fail_msg("%s: %s", path ? path : "default", e.msg);
    scn_diag_fini(&d);
    return w;
}

/* Answers and parses a JSON reply; *status gets the HTTP status. */
static json_t *ask(serve_whatif *w, serve_what what, const char *const *sets, int nsets, int reps,
                   int *status)
{
    serve_reply r;
    assert_int_equal(serve_whatif_answer(w, what, sets, nsets, reps, &r), SIM_OK);
    *status = r.status;
    json_t *j = json_loadb(r.body, r.len, 0, NULL);
    sim_free(r.body);
    assert_non_null(j);
    return j;
}

static const char *message(const json_t *j)
{
    const char *m = json_string_value(json_object_get(j, "message"));
    return m ? m : "";
}

static void a_refused_value_is_answered_with_the_loaders_message(void **state)
{
    (void)state;
    serve_whatif *w = open_whatif(fixture, 0);
    int status;
    const char *bad[] = {"load=lots"};
    json_t *j = ask(w, SERVE_RUN, bad, 1, 0, &status);
    assert_int_equal(status, 422);
    assert_non_null(strstr(message(j), "--set load=lots: load: expected a multiplier"));
    json_decref(j);
    const char *ctl[] = {"name=x\nload: 9x"};
    j = ask(w, SERVE_YAML, ctl, 1, 0, &status);
    assert_int_equal(status, 422);
    assert_non_null(strstr(message(j), "control character"));
    json_decref(j);
    serve_whatif_destroy(w);
}

/* The verdict of the page is results.json's, and it is the hand
 * calculation's (see the top of this file). */
static void five_times_the_load_runs_the_erp_quota_out(void **state)
{
    (void)state;
    serve_whatif *w = open_whatif(fixture, 0);
    int status;
    json_t *j = ask(w, SERVE_RUN, NULL, 0, 0, &status);
    assert_int_equal(status, 200);
    json_t *v = json_object_get(json_object_get(j, "results"), "verdict");
    assert_string_equal(json_string_value(json_object_get(v, "result")), "PASS");
    assert_non_null(strstr(json_string_value(json_object_get(j, "summary")), "Verdict: PASS"));
    json_decref(j);

    const char *five[] = {"load=5x"};
    j = ask(w, SERVE_RUN, five, 1, 0, &status);
    assert_int_equal(status, 200);
    v = json_object_get(json_object_get(j, "results"), "verdict");
    assert_string_equal(json_string_value(json_object_get(v, "result")), "FAIL");
    json_t *quota = json_array_get(json_object_get(v, "limits"), 0);
    assert_string_equal(json_string_value(json_object_get(quota, "kind")), "quota");
    /* 50k a day against 30k: every replication runs out */
    assert_int_equal(json_integer_value(json_object_get(quota, "runs_out")),
                     json_integer_value(json_object_get(quota, "replications")));
    json_decref(j);
    serve_whatif_destroy(w);
}

static void the_downloaded_yaml_loads_back_with_the_change(void **state)
{
    (void)state;
    serve_whatif *w = open_whatif(fixture, 0);
    const char *sets[] = {"load=5x", "callers.shop-backend.pool_size=7"};
    serve_reply r;
    assert_int_equal(serve_whatif_answer(w, SERVE_YAML, sets, 2, 0, &r), SIM_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.filename, "workshop-whatif.yaml");
    mdl_scenario sc;
    scn_diag d;
    scn_diag_init(&d);
    assert_int_equal(scn_load_string("download.yaml", r.body, r.len, NULL, &sc, &d), SIM_OK);
    assert_true(sc.load == 5.0);
    assert_int_equal(sc.callers[0].pool_size, 7);
    mdl_scenario_fini(&sc);
    scn_diag_fini(&d);
    sim_free(r.body);
    serve_whatif_destroy(w);
}

static void data_files_come_only_from_the_scenarios_folder(void **state)
{
    (void)state;
    serve_whatif *w = open_whatif("scenarios/extraction-quota.yaml", 0);
    int status;
    json_t *j = ask(w, SERVE_SCENARIO, NULL, 0, 0, &status);
    assert_int_equal(status, 200); /* its own data/ files are read */
    json_decref(j);
    const char *out[] = {"flows.F-701.arrival.trace=/etc/passwd"};
    j = ask(w, SERVE_RUN, out, 1, 0, &status);
    assert_int_equal(status, 422);
    assert_non_null(strstr(message(j), "inside the scenario's folder"));
    json_decref(j);
    serve_whatif_destroy(w);

    w = open_whatif(NULL, 0); /* the compiled-in scenario: no folder */
    const char *trace[] = {"flows.F-003.arrival.process=trace",
                           "flows.F-003.arrival.trace=scenarios/data/orders-trace.csv"};
    j = ask(w, SERVE_RUN, trace, 2, 0, &status);
    assert_int_equal(status, 422);
    assert_non_null(strstr(message(j), "data files are not read here"));
    json_decref(j);
    serve_whatif_destroy(w);
}

typedef struct slow_run {
    serve_whatif *w;
    int status;
    char error[32];
} slow_run;

static void *run_slow(void *arg)
{
    slow_run *s = arg;
    json_t *j = ask(s->w, SERVE_RUN, NULL, 0, 2000, &s->status);
    const char *e = json_string_value(json_object_get(j, "error"));
    snprintf(s->error, sizeof s->error, "%s", e ? e : "");
    json_decref(j);
    return NULL;
}

/* 2000 replications take seconds (4 take about 20 ms on one core); a run
 * asked 0.3 s later finds the first still going and cancels it. */
static void a_newer_run_cancels_the_stale_one(void **state)
{
    (void)state;
    serve_whatif *w = open_whatif(fixture, 600);
    slow_run s = {.w = w};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_slow, &s), 0);
    struct timespec nap = {0, 300 * 1000 * 1000};
    nanosleep(&nap, NULL);
    int status;
    const char *two[] = {"load=2x"};
    json_t *j = ask(w, SERVE_RUN, two, 1, 0, &status);
    pthread_join(t, NULL);
    assert_int_equal(s.status, 409);
    assert_string_equal(s.error, "superseded");
    assert_int_equal(status, 200);
    json_decref(j);
    serve_whatif_destroy(w);
}

static void a_run_too_large_says_how_many_replications_fit(void **state)
{
    (void)state;
    serve_whatif *w = open_whatif(fixture, 0.5);
    int status;
    json_t *j = ask(w, SERVE_RUN, NULL, 0, 100000, &status);
    assert_int_equal(status, 503);
    assert_string_equal(json_string_value(json_object_get(j, "error")), "too_big");
    assert_non_null(strstr(message(j), "too large for interactive use"));
    json_int_t fit = json_integer_value(json_object_get(j, "suggest_replications"));
    assert_true(fit >= 1 && fit < 100000);
    json_decref(j);
    serve_whatif_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_refused_value_is_answered_with_the_loaders_message),
        cmocka_unit_test(five_times_the_load_runs_the_erp_quota_out),
        cmocka_unit_test(the_downloaded_yaml_loads_back_with_the_change),
        cmocka_unit_test(data_files_come_only_from_the_scenarios_folder),
        cmocka_unit_test(a_newer_run_cancels_the_stale_one),
        cmocka_unit_test(a_run_too_large_says_how_many_replications_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
