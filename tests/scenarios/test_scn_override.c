/*
 * test_scn_override.c - `--set path=value` overrides: they change the value
 * they name (by key, by list item id, by list index), create the blocks a
 * file leaves out, read lists in YAML flow style, are validated exactly like
 * the file, and every problem names the --set argument as its position.
 *
 * All cases start from the compiled-in default scenario (scenarios/
 * default.yaml: F-001..F-003, systems salesforce, netsuite, warehouse,
 * website). Expected rates are hand arithmetic (150,000 records a day is
 * 150000 / 86400 per second), compared within 1e-14 relative: the parser
 * divides the same way, so only a few ulps can differ.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_scenario.h"
#include "scn_load.h"
#include "scn_schema.h"
#include "sim_time.h"

static void assert_close(double got, double want)
{
    double tol = 1e-14 * (want < 0 ? -want : want);
    if (!(got >= want - tol && got <= want + tol))
        fail_msg("got %.17g, want %.17g (relative 1e-14)", got, want);
}

/* Loads the default scenario with the given overrides; must succeed. */
static void load_with(const char *const *sets, int n, mdl_scenario *sc, scn_origins **o)
{
    scn_diag d;
    scn_diag_init(&d);
    scn_load_opts opts = {.sets = sets, .nsets = n, .origins = o};
    int rc = scn_load_default(&opts, sc, &d);
    char line[1024];
    for (int i = 0; i < d.count; i++)
        print_message("  %s\n", scn_diag_format(&d.items[i], line, sizeof line));
    assert_int_equal(rc, SIM_OK);
    scn_diag_fini(&d);
}

static const mdl_flow_spec *flow(const mdl_scenario *sc, const char *id)
{
    int i = mdl_scenario_flow_index(sc, id);
    assert_true(i >= 0);
    return &sc->flows[i];
}

static const mdl_system_spec *sys(const mdl_scenario *sc, const char *id)
{
    int i = mdl_scenario_system_index(sc, id);
    assert_true(i >= 0);
    return &sc->systems[i];
}

static void set_changes_a_flow_volume_and_records_its_origin(void **state)
{
    (void)state;
    const char *sets[] = {"flows.F-002.volume=150k/day"};
    mdl_scenario sc;
    scn_origins *o = NULL;
    load_with(sets, 1, &sc, &o);
    const mdl_flow_spec *f = flow(&sc, "F-002");
    assert_close(f->volume, 150000.0 / 86400.0);
    int idx;
    const scn_block *fb = scn_schema_key(scn_schema_root(), "flows", NULL)->aux;
    assert_non_null(scn_schema_key(fb, "volume", &idx));
    assert_int_equal(scn_origins_get(o, fb, f, idx)->from, SCN_FROM_SET);
    /* The other flows keep their file values. */
    assert_int_equal(scn_origins_get(o, fb, flow(&sc, "F-001"), idx)->from, SCN_FROM_FILE);
    assert_close(flow(&sc, "F-001")->volume, 500.0 / 86400.0);
    scn_origins_destroy(o);
    mdl_scenario_fini(&sc);
}

static void set_changes_a_preset_limit_and_the_load(void **state)
{
    (void)state;
    const char *sets[] = {"systems.salesforce.api.daily_limit=200k", "load=5x"};
    mdl_scenario sc;
    load_with(sets, 2, &sc, NULL);
    assert_close(sys(&sc, "salesforce")->api.daily_limit, 200000.0);
    assert_close(sc.load, 5.0);
    /* Untouched preset values stay (REFERENCE.md A3: 15,000 batches). */
    assert_close(sys(&sc, "salesforce")->bulk.batches_per_day, 15000.0);
    mdl_scenario_fini(&sc);
}

static void set_creates_the_blocks_a_file_leaves_out(void **state)
{
    (void)state;
    /* default.yaml writes no events: block for netsuite. */
    const char *sets[] = {"systems.netsuite.events.enabled=true",
                          "systems.netsuite.events.retention=24h",
                          "flows.F-003.realtime.retries.max_attempts=5"};
    mdl_scenario sc;
    load_with(sets, 3, &sc, NULL);
    assert_int_equal(sys(&sc, "netsuite")->events.enabled, 1);
    assert_int_equal(sys(&sc, "netsuite")->events.retention, 24 * SIM_HOUR);
    assert_int_equal(flow(&sc, "F-003")->realtime.retries.max_attempts, 5);
    mdl_scenario_fini(&sc);
}

static void set_reads_lists_in_flow_style(void **state)
{
    (void)state;
    const char *sets[] = {"systems.salesforce.events.cdc_objects=[Account, Order, Product2]"};
    mdl_scenario sc;
    load_with(sets, 1, &sc, NULL);
    const mdl_events_spec *e = &sys(&sc, "salesforce")->events;
    assert_int_equal(e->ncdc_objects, 3);
    assert_string_equal(e->cdc_objects[0], "Account");
    assert_string_equal(e->cdc_objects[2], "Product2");
    mdl_scenario_fini(&sc);
}

static void set_picks_list_items_by_id_or_by_index(void **state)
{
    (void)state;
    const char *sets[] = {"flows.1.volume=1k/day", /* index 1 is F-002 */
                          "flows.F-001.event.subscribers.netsuite-connector.concurrency=4"};
    mdl_scenario sc;
    load_with(sets, 2, &sc, NULL);
    assert_close(flow(&sc, "F-002")->volume, 1000.0 / 86400.0);
    assert_int_equal(flow(&sc, "F-001")->event.subscribers[0].concurrency, 4);
    mdl_scenario_fini(&sc);
}

static void a_later_set_on_the_same_key_wins(void **state)
{
    (void)state;
    const char *sets[] = {"load=2x", "load=4x"};
    mdl_scenario sc;
    load_with(sets, 2, &sc, NULL);
    assert_close(sc.load, 4.0);
    mdl_scenario_fini(&sc);
}

static void set_can_switch_a_flows_pattern_and_defaults_fill_in(void **state)
{
    (void)state;
    /* What `compare` does: F-001 as a batch. The batch block was never
     * written, so it is all defaults: daily 01:00, 4 h window; the api is
     * derived from the target (netsuite has a bulk API in its preset). */
    const char *sets[] = {"flows.F-001.pattern=batch"};
    mdl_scenario sc;
    load_with(sets, 1, &sc, NULL);
    const mdl_flow_spec *f = flow(&sc, "F-001");
    assert_int_equal(f->pattern, MDL_SPEC_PATTERN_BATCH);
    assert_int_equal(f->batch.window, 4 * SIM_HOUR);
    assert_int_equal(f->batch.schedule.time_of_day, 1 * SIM_HOUR);
    assert_int_equal(f->batch.api, MDL_SPEC_API_BULK);
    mdl_scenario_fini(&sc);
}

/* Each bad override with the exact line the user sees. */
static void bad_overrides_report_the_argument_and_the_problem(void **state)
{
    (void)state;
    static const struct {
        const char *arg, *want;
    } cases[] = {
        {"flows.F-002.volume=-5/day",
         "--set flows.F-002.volume=-5/day: volume: rate must not be negative, got '-5/day'"},
        {"flows.F-009.volume=1/day",
         "--set flows.F-009.volume=1/day: no item 'F-009' in the list (items: F-001, F-002, "
         "F-003)"},
        {"flows.F-002.volum=1/day", "--set flows.F-002.volum=1/day: unknown key 'volum' in flow "
                                    "'F-002' (did you mean 'volume'?)"},
        {"load", "--set load: expected path=value, e.g. flows.F-002.volume=150k/day"},
        {"=3x", "--set =3x: expected path=value, e.g. flows.F-002.volume=150k/day"},
        {"load=", "--set load=: load has no value (expected a multiplier such as 3x)"},
        {"load=3", "--set load=3: load: expected a multiplier like '3x', got '3'"},
        {"systems.salesforce.api.daily_limit=[1,2]",
         "--set systems.salesforce.api.daily_limit=[1,2]: daily_limit must be a number such as "
         "500, 50k or 1.2M, got a list"},
        {"flows.F-001=x",
         "--set flows.F-001=x: 'F-001' is a list item: set one of its keys (e.g. flows.F-001.id)"},
        {"flows.F-001.target=nowhere",
         "--set flows.F-001.target=nowhere: target 'nowhere' is not a defined system"},
        {"brokers.k.partitions=2", "--set brokers.k.partitions=2: the scenario has no brokers to "
                                   "change"},
        {"flows.F-001.volume.x=1",
         "--set flows.F-001.volume.x=1: 'x' is inside a value that is not a mapping"},
        {"load={", "--set load={: YAML syntax error: did not find expected node content"},
        {"load=*x", "--set load=*x: YAML aliases (*x) are not supported: write the value out"},
        {"flows..volume=1", "--set flows..volume=1: empty key in path 'flows..volume'"},
        {"systems.salesforce.kind=salesfroce",
         "--set systems.salesforce.kind=salesfroce: kind 'salesfroce' is not one of generic, "
         "salesforce, sap-s4hana, oracle-erp-cloud, dynamics-365, netsuite, workday (did you mean "
         "'salesforce'?)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *sets[] = {cases[i].arg};
        scn_load_opts opts = {.sets = sets, .nsets = 1};
        mdl_scenario sc;
        scn_diag d;
        scn_diag_init(&d);
        assert_int_equal(scn_load_default(&opts, &sc, &d), SIM_EPARSE);
        char line[1024];
        line[0] = '\0';
        if (d.count > 0)
            scn_diag_format(&d.items[0], line, sizeof line);
        if (d.count != 1 || strcmp(line, cases[i].want))
            fail_msg("--set %s: got %d problems, first '%s'\nwant '%s'", cases[i].arg, d.count,
                     line, cases[i].want);
        assert_int_equal(sc.nflows, 0);
        scn_diag_fini(&d);
    }
}

static void an_override_is_cross_checked_against_the_file(void **state)
{
    (void)state;
    /* Removing F-003's caller breaks a rule that involves the file's
     * `pattern: realtime` line, so the problem points there (column 14, the
     * value); a second, positionless --set problem follows it. */
    int want_line = 1;
    const char *at = strstr(scn_default_text, "    pattern: realtime\n");
    assert_non_null(at);
    for (const char *p = scn_default_text; p < at; p++)
        want_line += *p == '\n';
    const char *sets[] = {"flows.F-003.caller=none", "flows.F-001.impact=huge"};
    scn_load_opts opts = {.sets = sets, .nsets = 2};
    mdl_scenario sc;
    scn_diag d;
    scn_diag_init(&d);
    assert_int_equal(scn_load_default(&opts, &sc, &d), SIM_EPARSE);
    assert_int_equal(d.count, 2);
    char line[1024];
    char want[256];
    snprintf(want, sizeof want,
             "default.yaml:%d:14: flow 'F-003' is realtime but has no caller (add caller: naming "
             "one of the callers)",
             want_line);
    assert_string_equal(scn_diag_format(&d.items[0], line, sizeof line), want);
    assert_string_equal(scn_diag_format(&d.items[1], line, sizeof line),
                        "--set flows.F-001.impact=huge: impact 'huge' is not one of low, medium, "
                        "high, critical (did you mean 'high'?)");
    scn_diag_fini(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_changes_a_flow_volume_and_records_its_origin),
        cmocka_unit_test(set_changes_a_preset_limit_and_the_load),
        cmocka_unit_test(set_creates_the_blocks_a_file_leaves_out),
        cmocka_unit_test(set_reads_lists_in_flow_style),
        cmocka_unit_test(set_picks_list_items_by_id_or_by_index),
        cmocka_unit_test(a_later_set_on_the_same_key_wins),
        cmocka_unit_test(set_can_switch_a_flows_pattern_and_defaults_fill_in),
        cmocka_unit_test(bad_overrides_report_the_argument_and_the_problem),
        cmocka_unit_test(an_override_is_cross_checked_against_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
