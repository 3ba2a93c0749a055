/*
 * test_scn_print.c - `erpsim check --print`: the normalised scenario loads
 * back to an identical mdl_scenario (every example, the default with
 * overrides, and a scenario that uses every kind of value), it says where
 * each value came from, printing is stable, and the schema reference for
 * docs/scenarios.md names every key.
 *
 * "Identical" is checked field by field through the schema table: the same
 * doubles bit for bit (==), the same sim_time ticks, the same strings, list
 * lengths and resolved reference indices. A failure names the first key
 * that differs.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_scenario.h"
#include "scn_load.h"
#include "scn_print.h"
#include "scn_schema.h"
#include "sim_alloc.h"

/* A scenario with every kind of value, including awkward ones. */
static const char kitchen_sink[] =
    "name: \"kitchen \\\"sink\\\"\"\n"
    "description: \"line one\\nline two\\ttabbed, and a # hash\"\n"
    "horizon: 90d\n"
    "warmup: 36h\n"
    "seed: 9223372036854775807\n"
    "replications: 3\n"
    "load: 2.5x\n"
    "utc_offset: -05:30\n"
    "first_weekday: thursday\n"
    "systems:\n"
    "  - id: sf\n"
    "    kind: salesforce\n"
    "    events:\n"
    "      cdc_objects: [Account, \"Sales Order\", Product2]\n"
    "  - id: sap\n"
    "    kind: sap-s4hana\n"
    "    api: {latency_p50: 350ms, latency_p95: 7.5s, workers: 12, queue_limit: 300}\n"
    "  - id: d365\n"
    "    kind: dynamics-365\n"
    "  - id: ora\n"
    "    kind: oracle-erp-cloud\n"
    "  - {id: wd, kind: workday}\n"
    "  - {id: ns, kind: netsuite, tokens: {lifetime: 45m, refresh: inline}}\n"
    "  - id: src\n"
    "    api: {daily_limit: 1.2M, window: calendar, rate_limit: 250, rate_window: 10s}\n"
    "callers:\n"
    "  - {id: app, pool_size: 7, pool_wait: 250ms}\n"
    "brokers:\n"
    "  - {id: k, type: kafka, partitions: 12}\n"
    "  - {id: r, type: rabbitmq, dead_letter: true}\n"
    "flows:\n"
    "  - id: E1\n"
    "    source: sf\n"
    "    target: sap\n"
    "    volume: 1.2M/day\n"
    "    latency_slo: 90s\n"
    "    pattern: event\n"
    "    key_space: 40k\n"
    "    record_size: 1.5KiB\n"
    "    arrival:\n"
    "      diurnal: [0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 2, 3, 3, 2.5, 2, 3, 3, 2.75, 2,\n"
    "                1, 0.5, 0.3333333333333333, 0.2, 0.1, 0.1, 0.1]\n"
    "      weekly: [1, 1.1, 1.2, 1.3, 1.4, 0.25, 0]\n"
    "      growth: 12%/month\n"
    "      spikes:\n"
    "        - {at: 57h, duration: 90m, multiplier: 5x}\n"
    "        - {at: 30d, duration: 3d, extra: 2M}\n"
    "    event:\n"
    "      channel: k\n"
    "      receiver: insert\n"
    "      ordering_guard: false\n"
    "      redelivery: 0.3%\n"
    "      subscribers:\n"
    "        - id: s1\n"
    "          offline: [{start: 1d, duration: 4d}, {start: 40d, duration: 30m}]\n"
    "          replay_resume: false\n"
    "        - {id: s2, target: ns, concurrency: 8, token_lifetime: 2h, auto_renew: false}\n"
    "      reconciliation: {enabled: true, schedule: every 6h at 00:30}\n"
    "  - id: B1\n"
    "    source: src\n"
    "    target: sf\n"
    "    volume: 7/week\n"
    "    latency_slo: nightly\n"
    "    pattern: batch\n"
    "    direction: bidirectional\n"
    "    batch:\n"
    "      schedule: mon,wed,fri 22:30\n"
    "      window: 26h\n"
    "      selection: full\n"
    "      dataset: 200M\n"
    "      api: rest\n"
    "      page_size: 200\n"
    "      record_time_cv: 0%\n"
    "      checkpoint: true\n"
    "    realtime: {timeout: 3s}\n"
    "  - {id: R1, source: src, target: d365, volume: 40/s, pattern: realtime, caller: app,\n"
    "     realtime: {retries: {jitter: decorrelated, cap: 1m}, breaker: {enabled: true,\n"
    "     window_type: time, failure_rate: 33.3%}, fallback: fail-closed}}\n"
    "  - {id: F1, source: src, target: ora, volume: 250k/day, pattern: file,\n"
    "     file: {schedule: weekdays 23:00, review_delay: 1d}}\n"
    "faults:\n"
    "  - {kind: outage, system: sap, start: 3d, duration: 2h, mode: hang}\n"
    "  - {kind: degradation, system: d365, start: 4d, duration: 6h, factor: 150x}\n"
    "  - {kind: subscriber-offline, flow: E1, subscriber: s2, start: 5d, duration: 4d}\n"
    "  - {id: tok, kind: token-expiry, flow: E1, subscriber: s2, start: 6d}\n"
    "  - {kind: bulk-load, system: sf, object: Account, records: 2M, start: 7d,\n"
    "     duration: 12h, cdc: true}\n";

/* The first key (as a path) where a and b differ, or "" if none. */
static int diff(const scn_block *b, const void *x, const void *y, char *path, size_t n)
{
    for (int i = 0; i < b->nkeys; i++) {
        const scn_key *k = &b->keys[i];
        size_t len = strlen(path);
        if (k->type == SCN_T_BLOCK) {
            snprintf(path + len, n - len, ".%s", k->name);
            if (diff(k->aux, (const char *)x + k->off, (const char *)y + k->off, path, n))
                return 1;
        } else if (k->type == SCN_T_LIST) {
            const scn_block *eb = k->aux;
            int cx = *(const int *)((const char *)x + k->off2);
            int cy = *(const int *)((const char *)y + k->off2);
            snprintf(path + len, n - len, ".%s", k->name);
            if (cx != cy)
                return 1;
            const char *ax = *(const char *const *)((const char *)x + k->off);
            const char *ay = *(const char *const *)((const char *)y + k->off);
            for (int j = 0; j < cx; j++) {
                size_t l2 = strlen(path);
                snprintf(path + l2, n - l2, "[%d]", j);
                if (diff(eb, ax + (size_t)j * eb->size, ay + (size_t)j * eb->size, path, n))
                    return 1;
                path[l2] = '\0';
            }
        } else if (!scn_value_equal(k, x, y)) {
            snprintf(path + len, n - len, ".%s", k->name);
            return 1;
        }
        path[len] = '\0';
    }
    return 0;
}

static int load_text(const char *name, const char *text, const char *const *sets, int nsets,
                     mdl_scenario *sc, scn_origins **o)
{
    scn_diag d;
    scn_diag_init(&d);
    scn_load_opts opts = {.sets = sets, .nsets = nsets, .origins = o};
    int rc = scn_load_string(name, text, strlen(text), &opts, sc, &d);
    char line[1024];
    for (int i = 0; i < d.count; i++)
        print_message("  %s\n", scn_diag_format(&d.items[i], line, sizeof line));
    scn_diag_fini(&d);
    return rc;
}

/* Loads text, prints it, loads the print, and compares. Returns the print
 * (caller frees) for further checks. */
static char *round_trip(const char *name, const char *text, const char *const *sets, int nsets)
{
    mdl_scenario a, b;
    scn_origins *o = NULL;
    if (load_text(name, text, sets, nsets, &a, &o) != SIM_OK)
        fail_msg("%s does not load", name);
    sim_err err;
    char *printed = scn_print_yaml(&a, o, name, &err);
    assert_non_null(printed);
    /* The print stands beside the original: files it names (measured
     * latencies, traces) are relative to that directory. */
    char pname[512];
    const char *slash = strrchr(name, '/');
    snprintf(pname, sizeof pname, "%.*sprinted.yaml", slash ? (int)(slash - name + 1) : 0, name);
    if (load_text(pname, printed, NULL, 0, &b, NULL) != SIM_OK)
        fail_msg("the print of %s does not load:\n%s", name, printed);
    char path[512] = "";
    if (diff(scn_schema_root(), &a, &b, path, sizeof path))
        fail_msg("%s: the print loads back with a different %s", name, path);
    assert_true(scn_schema_equal(scn_schema_root(), &a, &b));
    scn_origins_destroy(o);
    mdl_scenario_fini(&a);
    mdl_scenario_fini(&b);
    return printed;
}

static void the_default_scenario_prints_and_loads_back_identical(void **state)
{
    (void)state;
    char *p = round_trip("default.yaml", scn_default_text, NULL, 0);
    sim_free(p);
}

static void a_scenario_with_every_kind_of_value_loads_back_identical(void **state)
{
    (void)state;
    char *p = round_trip("sink.yaml", kitchen_sink, NULL, 0);
    /* Strings with quotes, newlines and tabs are escaped, lists quoted where needed. */
    assert_non_null(strstr(p, "name: \"kitchen \\\"sink\\\"\""));
    assert_non_null(strstr(p, "\"line one\\nline two\\ttabbed, and a # hash\""));
    assert_non_null(strstr(p, "cdc_objects: [Account, \"Sales Order\", Product2]"));
    assert_non_null(strstr(p, "utc_offset: -05:30"));
    sim_free(p);
}

/* Characters a reader could take for something else (sim_text.h) print as
 * YAML escapes and read back as themselves: ESC, a C1 control, a line
 * separator (which a YAML reader would fold into a space if it were
 * printed raw) and a right-to-left override. A title with a newline stays
 * one comment line. */
static void hidden_characters_print_escaped_and_load_back_identical(void **state)
{
    (void)state;
    const char *text = "name: \"esc \\e[2J c1 \\x9b ls \\u2028 rlo \\u202e end\"\n"
                       "systems:\n  - id: erp\n    kind: generic\n";
    char *p = round_trip("bad\nname: forged.yaml", text, NULL, 0);
    assert_non_null(strstr(p, "name: \"esc \\x1b[2J c1 \\u009b ls \\u2028 rlo \\u202e end\""));
    assert_non_null(strstr(p, "# erpsim check --print: bad\\nname: forged.yaml\n"));
    assert_null(strstr(p, "\nname: forged"));
    sim_free(p);
}

/* Found by fuzz_scenario: values were printed through a 2048-byte buffer,
 * so a longer description (the loader takes 64 KiB) or a long list was cut
 * and loaded back different. A description of 4800 characters with quotes
 * and backslashes to escape, and 64 CDC objects of 255 characters (the most
 * the loader takes: 16 KiB of list), print whole. */
static void long_texts_and_lists_print_whole(void **state)
{
    (void)state;
    size_t cap = 64 * 300 + 8000;
    char *text = sim_malloc(cap);
    assert_non_null(text);
    size_t n = (size_t)snprintf(text, cap, "description: \"");
    static const char piece[] = "quote \\\" and backslash \\\\ "; /* YAML escapes */
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(text + n, cap - n, "%s", piece);
    n += (size_t)snprintf(text + n, cap - n,
                          "\"\nsystems:\n  - id: erp\n    events:\n      cdc_objects: [");
    for (int i = 0; i < 64; i++) {
        n += (size_t)snprintf(text + n, cap - n, "%sO%03d", i ? ", " : "", i);
        for (int j = 4; j < 255; j++)
            text[n++] = 'x';
    }
    snprintf(text + n, cap - n, "]\n");
    char *p = round_trip("long.yaml", text, NULL, 0);
    assert_true(strlen(p) > 5000 + 64 * 255);
    sim_free(p);
    sim_free(text);
}

/* An event flow without subscribers gets a default one; its derived keys
 * (processing mean and cv, object) must be derived like an explicit one's,
 * or the print loads back different (found by fuzzing). */
static void a_default_subscriber_loads_back_identical(void **state)
{
    (void)state;
    static const char text[] = "systems:\n"
                               "  - {id: crm, events: {enabled: true}}\n"
                               "  - {id: erp}\n"
                               "flows:\n"
                               "  - {id: F-1, source: crm, target: erp, volume: 100/day,\n"
                               "     pattern: event, object: Account}\n";
    sim_free(round_trip("default-subscriber.yaml", text, NULL, 0));
}

static void every_example_scenario_loads_back_identical(void **state)
{
    (void)state;
    DIR *d = opendir("scenarios");
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "scenarios/%s", e->d_name);
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        static char text[1 << 18];
        size_t got = fread(text, 1, sizeof text - 1, fp);
        fclose(fp);
        text[got] = '\0';
        sim_free(round_trip(path, text, NULL, 0));
        n++;
    }
    closedir(d);
    assert_true(n >= 1);
}

static void overrides_print_as_set_and_load_back_identical(void **state)
{
    (void)state;
    const char *sets[] = {"flows.F-002.volume=150k/day", "systems.salesforce.api.daily_limit=200k",
                          "load=3.5x", "flows.F-001.pattern=batch"};
    char *p = round_trip("default.yaml", scn_default_text, sets, 4);
    assert_non_null(strstr(p, "volume: 6250/h"));
    assert_non_null(strstr(p, "daily_limit: 200k"));
    assert_non_null(strstr(p, "load: 3.5x"));
    /* F-001 is now batch: its event block is printed too, since the file
     * wrote into it; the batch block appears with its defaults. */
    sim_free(p);
}

/* The line of the print that starts (after indentation) with key: value. */
static const char *line_of(const char *text, const char *key_value)
{
    const char *p = strstr(text, key_value);
    while (p && p > text && p[-1] == ' ')
        p--;
    return p;
}

static void each_value_says_where_it_came_from(void **state)
{
    (void)state;
    const char *sets[] = {"flows.F-002.volume=150k/day"};
    mdl_scenario sc;
    scn_origins *o = NULL;
    assert_int_equal(load_text("default.yaml", scn_default_text, sets, 1, &sc, &o), SIM_OK);
    sim_err err;
    char *p = scn_print_yaml(&sc, o, "default.yaml", &err);
    assert_non_null(p);
    static const struct {
        const char *line, *comment;
    } want[] = {
        {"daily_limit: 100k", "# preset salesforce (REFERENCE.md A1"},
        {"batches_per_day: 15k", "# preset salesforce (REFERENCE.md A3"},
        {"delivery_allocation: 50k", "# preset salesforce (REFERENCE.md A4"},
        {"concurrency_limit: 15", "# preset netsuite (REFERENCE.md E"},
        {"lifetime: 1h", "# preset netsuite: UNKNOWN - set me"},
        {"volume: 500/day", "# file"},
        {"volume: 6250/h", "# --set"},
        {"warmup: 0s", "# built-in"},
        {"timeout: 10s", "# file"},
        {"max_attempts: 3", "# built-in: REFERENCE.md G1"},
        {"chunk_overhead: 30s", "# built-in: assumption, no public source - set me"},
        {"topic: F-001", "# derived: the flow id"},
        /* F-001's reconciliation (8 spaces in), not netsuite's own api.page_size */
        {"        page_size: 1000", "# inherited from system 'netsuite' api.page_size"},
        {"half_open_calls: 10", "# derived: 10 (REFERENCE.md G1"},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const char *l = line_of(p, want[i].line);
        if (!l)
            fail_msg("no line '%s' in the print", want[i].line);
        const char *end = strchr(l, '\n');
        const char *c = strstr(l, want[i].comment);
        if (!c || c > end)
            fail_msg("line '%.*s' lacks '%s'", (int)(end - l), l, want[i].comment);
    }
    assert_non_null(strstr(p, "marked 'set me'"));
    sim_free(p);
    scn_origins_destroy(o);
    mdl_scenario_fini(&sc);
}

/* Without the comments, printing the print gives the same text. */
static void printing_is_stable(void **state)
{
    (void)state;
    mdl_scenario a, b;
    scn_origins *oa = NULL, *ob = NULL;
    sim_err err;
    assert_int_equal(load_text("sink.yaml", kitchen_sink, NULL, 0, &a, &oa), SIM_OK);
    char *p1 = scn_print_yaml(&a, NULL, NULL, &err);
    assert_non_null(p1);
    assert_int_equal(load_text("p1.yaml", p1, NULL, 0, &b, &ob), SIM_OK);
    char *p2 = scn_print_yaml(&b, NULL, NULL, &err);
    assert_non_null(p2);
    /* Without origins, pattern blocks other than the flow's own are left
     * out; the first load had origins for none of them, so both agree. */
    assert_string_equal(p1, p2);
    sim_free(p1);
    sim_free(p2);
    scn_origins_destroy(oa);
    scn_origins_destroy(ob);
    mdl_scenario_fini(&a);
    mdl_scenario_fini(&b);
}

static void the_schema_reference_names_every_key_and_preset(void **state)
{
    (void)state;
    sim_err err;
    char *md = scn_print_schema_md(&err);
    assert_non_null(md);
    const scn_block *const *blocks = scn_schema_blocks();
    for (int i = 0; blocks[i]; i++) {
        char head[128];
        snprintf(head, sizeof head, "### `%s`",
                 blocks[i]->path[0] ? blocks[i]->path : "(top level)");
        assert_non_null(strstr(md, head));
        for (int j = 0; j < blocks[i]->nkeys; j++) {
            char cell[96];
            snprintf(cell, sizeof cell, "| `%s` |", blocks[i]->keys[j].name);
            if (!strstr(md, cell))
                fail_msg("no row for %s.%s", blocks[i]->name, blocks[i]->keys[j].name);
        }
    }
    assert_non_null(strstr(md, "### Preset `kind: salesforce`"));
    assert_non_null(strstr(md, "| `api.daily_limit` | `100k` | REFERENCE.md A1"));
    sim_free(md);
}

static void printing_without_memory_fails_cleanly(void **state)
{
    (void)state;
    mdl_scenario sc;
    scn_origins *o = NULL;
    assert_int_equal(load_text("default.yaml", scn_default_text, NULL, 0, &sc, &o), SIM_OK);
    int n;
    for (n = 1; n < 1000; n++) {
        sim_err err;
        sim_alloc_fail_after(n);
        char *p = scn_print_yaml(&sc, o, NULL, &err);
        sim_alloc_fail_reset();
        if (p) {
            sim_free(p);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
    }
    assert_true(n > 1 && n < 1000);
    scn_origins_destroy(o);
    mdl_scenario_fini(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_default_scenario_prints_and_loads_back_identical),
        cmocka_unit_test(a_scenario_with_every_kind_of_value_loads_back_identical),
        cmocka_unit_test(hidden_characters_print_escaped_and_load_back_identical),
        cmocka_unit_test(long_texts_and_lists_print_whole),
        cmocka_unit_test(a_default_subscriber_loads_back_identical),
        cmocka_unit_test(every_example_scenario_loads_back_identical),
        cmocka_unit_test(overrides_print_as_set_and_load_back_identical),
        cmocka_unit_test(each_value_says_where_it_came_from),
        cmocka_unit_test(printing_is_stable),
        cmocka_unit_test(the_schema_reference_names_every_key_and_preset),
        cmocka_unit_test(printing_without_memory_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
