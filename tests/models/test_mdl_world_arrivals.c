/*
 * test_mdl_world_arrivals.c - the arrivals `erpsim run --trace-out` writes
 * are the ones the run creates: for every flow of every pattern (real-time,
 * event, batch) and two replications, the count mdl_world_arrivals hands
 * out equals the ledger's created count of mdl_world_run with the same
 * seed and replication, exactly; times never decrease and stay within the
 * horizon.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_world.h"
#include "scn_load.h"

/* Shapes, growth, a spike with extra records, and one flow per pattern. */
static const char text[] = "name: trace-test\n"
                           "horizon: 9d\n"
                           "seed: 11\n"
                           "first_weekday: thursday\n"
                           "load: 1.5x\n"
                           "systems:\n"
                           "  - id: erp\n"
                           "    kind: generic\n"
                           "  - id: crm\n"
                           "    kind: salesforce\n"
                           "callers:\n"
                           "  - id: app\n"
                           "    pool_size: 50\n"
                           "flows:\n"
                           "  - id: R-1\n"
                           "    source: crm\n"
                           "    target: erp\n"
                           "    volume: 3k/day\n"
                           "    pattern: realtime\n"
                           "    caller: app\n"
                           "    arrival:\n"
                           "      diurnal: office-hours\n"
                           "      weekly: weekdays-only\n"
                           "      growth: 20%/month\n"
                           "  - id: E-1\n"
                           "    source: crm\n"
                           "    target: erp\n"
                           "    volume: 2k/day\n"
                           "    pattern: event\n"
                           "    arrival:\n"
                           "      spikes:\n"
                           "        - at: 2d\n"
                           "          duration: 6h\n"
                           "          extra: 5k\n"
                           "  - id: B-1\n"
                           "    source: crm\n"
                           "    target: erp\n"
                           "    volume: 10k/day\n"
                           "    pattern: batch\n"
                           "    batch:\n"
                           "      schedule: daily 02:00\n";

typedef struct tally {
    long n[8];
    sim_time last[8];
    sim_time horizon;
    int bad;
} tally;

static int count(void *ctx, int flow, sim_time at)
{
    tally *t = ctx;
    if (at < t->last[flow] || at > t->horizon)
        t->bad++;
    t->last[flow] = at;
    t->n[flow]++;
    return 0;
}

static int stop_at_ten(void *ctx, int flow, sim_time at)
{
    (void)at;
    (void)flow;
    return ++*(int *)ctx == 10 ? 42 : 0;
}

static void the_arrivals_are_the_records_the_run_creates(void **state)
{
    (void)state;
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    int rc = scn_load_string("trace-test.yaml", text, strlen(text), NULL, &sc, &diag);
    if (rc != SIM_OK)
        fail_msg("%s", diag.count ? diag.items[0].msg : "?");
    scn_diag_fini(&diag);
    for (int rep = 0; rep < 2; rep++) {
        sim_result *r = sim_result_create(NULL);
        sim_err err;
        assert_int_equal(mdl_world_run(&sc, sc.seed, rep, r, &err), SIM_OK);
        tally t = {.horizon = sc.horizon};
        assert_int_equal(mdl_world_arrivals(&sc, sc.seed, rep, count, &t, &err), SIM_OK);
        assert_int_equal(t.bad, 0);
        for (int f = 0; f < sc.nflows; f++) {
            char name[128];
            snprintf(name, sizeof name, "flow.%s.created", sc.flows[f].id);
            long i = sim_result_find(r, name);
            assert_true(i >= 0);
            if ((double)t.n[f] != sim_result_value(r, (size_t)i))
                fail_msg("%s, replication %d: %ld arrivals, the run created %.0f", sc.flows[f].id,
                         rep, t.n[f], sim_result_value(r, (size_t)i));
            assert_true(t.n[f] > 1000); /* not a trivially empty flow */
        }
        sim_result_destroy(r);
    }
    int calls = 0;
    sim_err err;
    assert_int_equal(mdl_world_arrivals(&sc, sc.seed, 0, stop_at_ten, &calls, &err), 42);
    assert_int_equal(calls, 10);
    mdl_scenario_fini(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_arrivals_are_the_records_the_run_creates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
