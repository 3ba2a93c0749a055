/*
 * test_mdl_memory.c - the memory estimate of a replication: the probe
 * counts the metrics a full replication publishes and sizes its result
 * exactly; the retained events follow a hand calculation.
 *
 * The estimate against the measured peak memory of whole runs is checked
 * end to end by tests/cli/memory.sh.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_memory.h"
#include "mdl_world.h"
#include "scn_load.h"

static void load(mdl_scenario *sc, const char *path, const char *text, const char *const *sets,
                 int nsets)
{
    scn_diag diag;
    scn_diag_init(&diag);
    scn_load_opts opts = {.sets = sets, .nsets = nsets};
    int rc = path ? scn_load_file(path, &opts, sc, &diag)
                  : scn_load_string("memory-test.yaml", text, strlen(text), &opts, sc, &diag);
    for (int i = 0; i < diag.count; i++) {
        char buf[600];
        fprintf(stderr, "%s\n", scn_diag_format(&diag.items[i], buf, sizeof buf));
    }
    scn_diag_fini(&diag);
    assert_int_equal(rc, SIM_OK);
}

/* The probe replication (one simulated minute) publishes the same metrics
 * as a whole replication, so its counts are the whole run's, and its
 * result, with the series scaled to the horizon's buckets, has exactly the
 * bytes of a whole replication's result. Every scenario of the tree, over
 * ten minutes (the metric list does not depend on the horizon; ten minutes keep
 * the test quick). */
static void the_probe_counts_and_sizes_a_whole_replication(void **state)
{
    (void)state;
    static const char *const files[] = {"scenarios/default.yaml",
                                        "scenarios/allocation-exhaustion.yaml",
                                        "scenarios/batch-window-growth.yaml",
                                        "scenarios/bulk-migration.yaml",
                                        "scenarios/cascading-timeouts.yaml",
                                        "scenarios/idempotency.yaml",
                                        "scenarios/quota-sharing.yaml",
                                        "scenarios/realtime-vs-bulk-catalog.yaml",
                                        "scenarios/replay-window-expiry.yaml"};
    const char *sets[] = {"horizon=10m", "warmup=0s"};
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        mdl_scenario sc;
        load(&sc, files[k], NULL, sets, 2);
        mdl_memory m;
        sim_err err;
        sim_err_clear(&err);
        if (mdl_memory_estimate(&sc, &m, &err) != SIM_OK)
            fail_msg("%s: %s", files[k], err.msg);
        sim_result *r = sim_result_create(NULL);
        assert_non_null(r);
        assert_int_equal(mdl_world_run(&sc, sc.seed, 0, r, NULL), SIM_OK);
        size_t counts[3] = {0, 0, 0}, bins = 0;
        for (size_t i = 0; i < sim_result_count(r); i++) {
            counts[sim_result_kind(r, i)]++;
            if (sim_result_kind(r, i) == SIM_METRIC_SERIES)
                bins = sim_series_nbins(sim_result_series_at(r, i));
        }
        if (m.scalars != counts[SIM_METRIC_SCALAR] || m.hists != counts[SIM_METRIC_HIST] ||
            m.series != counts[SIM_METRIC_SERIES] || (m.series && m.bins != bins))
            fail_msg("%s: the probe counts %zu/%zu/%zu metrics (%zu buckets), a whole run "
                     "%zu/%zu/%zu (%zu)",
                     files[k], m.scalars, m.hists, m.series, m.bins, counts[0], counts[1],
                     counts[2], bins);
        /* Exact: the same metric names and kinds, the same bucket count. */
        assert_true(m.bytes.result == (double)sim_result_bytes(r));
        assert_true(m.bytes.per_rep == 8.0 * (double)m.scalars);
        /* The models hold at least the hists and series they publish. */
        assert_true(m.bytes.world >= m.hists * (double)sim_hist_bytes());
        sim_result_destroy(r);
        mdl_scenario_fini(&sc);
    }
}

/* One event flow of V records a day at load L, on weekdays only, on a
 * platform channel with a 72 h retention: the busiest weekday carries
 * V x L x 7/5, and the channel holds three days of them at the peak,
 * V x L x 7/5 x 3. A horizon shorter than the retention holds the whole
 * horizon's events at most. */
static const char events[] = "name: events\n"
                             "horizon: 10d\n"
                             "load: 2x\n"
                             "systems:\n"
                             "  - id: src\n"
                             "    kind: generic\n"
                             "    events:\n"
                             "      enabled: true\n"
                             "      retention: 72h\n"
                             "  - id: dst\n"
                             "    kind: generic\n"
                             "flows:\n"
                             "  - id: E\n"
                             "    source: src\n"
                             "    target: dst\n"
                             "    volume: 10k/day\n"
                             "    pattern: event\n"
                             "    arrival:\n"
                             "      weekly: weekdays-only\n"
                             "    event:\n"
                             "      channel: platform\n"
                             "      subscribers:\n"
                             "        - id: reader\n";

static double retained(const char *const *sets, int nsets)
{
    mdl_scenario sc;
    load(&sc, NULL, events, sets, nsets);
    mdl_memory m;
    assert_int_equal(mdl_memory_estimate(&sc, &m, NULL), SIM_OK);
    mdl_scenario_fini(&sc);
    return m.retained;
}

static void retained_events_follow_the_hand_calculation(void **state)
{
    (void)state;
    /* Exact products of small numbers: 1e-6 allows rounding only. */
    double per_s = 10000.0 / 86400.0 * 2.0 * 7.0 / 5.0;
    assert_true(fabs(retained(NULL, 0) - per_s * 3 * 86400) < 1e-6);
    const char *short_run[] = {"horizon=2d"};
    assert_true(fabs(retained(short_run, 1) - per_s * 2 * 86400) < 1e-6);
    /* A retention under a day also takes the busiest hour: the flat
     * default diurnal profile has a peak equal to its mean. */
    const char *hours[] = {"systems.src.events.retention=6h"};
    assert_true(fabs(retained(hours, 1) - per_s * 6 * 3600) < 1e-6);
    /* Twice the load, twice the events. */
    const char *loaded[] = {"load=4x"};
    assert_true(fabs(retained(loaded, 1) - 2 * per_s * 3 * 86400) < 1e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_probe_counts_and_sizes_a_whole_replication),
        cmocka_unit_test(retained_events_follow_the_hand_calculation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
