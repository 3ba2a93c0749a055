/*
 * test_scn_load.c - the scenario loader: the compiled-in default scenario,
 * the schema table against the built-in defaults, the presets, every
 * example scenario, the bad-input fixtures with their exact messages, and
 * robustness against arbitrary bytes and failing allocations.
 *
 * Bad-input fixtures: every tests/scenarios/bad/NAME.yaml has a sibling
 * NAME.expected holding the exact "file:line:column: message" lines the
 * loader must report, in order. Each position was checked by hand against
 * the fixture text (line and column of the offending key or value, 1-based,
 * as an editor shows them); the messages are the wording the user sees.
 *
 * Expected numbers are the arithmetic a person would do: 500 records a day
 * is 500 / 86400 per second. The loader gets them through scn_units.c,
 * which divides the same way, so they are compared within 1e-14 relative
 * (a few ulps; the value is not computed by a different formula).
 */
#define _XOPEN_SOURCE 700 /* realpath, symlink */

#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mdl_scenario.h"
#include "scn_load.h"
#include "scn_presets.h"
#include "scn_schema.h"
#include "sim_alloc.h"
#include "sim_time.h"

#define BAD_DIR "tests/scenarios/bad"

static void assert_close(double got, double want)
{
    double tol = 1e-14 * (want < 0 ? -want : want);
    if (!(got >= want - tol && got <= want + tol))
        fail_msg("got %.17g, want %.17g (relative 1e-14)", got, want);
}

static void print_diag(const scn_diag *d)
{
    char line[1024];
    for (int i = 0; i < d->count; i++)
        print_message("  %s\n", scn_diag_format(&d->items[i], line, sizeof line));
}

static int load_ok(const char *path, mdl_scenario *sc)
{
    scn_diag d;
    scn_diag_init(&d);
    int rc = path ? scn_load_file(path, NULL, sc, &d) : scn_load_default(NULL, sc, &d);
    if (rc != SIM_OK)
        print_diag(&d);
    scn_diag_fini(&d);
    return rc;
}

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, fp) : 0;
    fclose(fp);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* ---- the default scenario ---------------------------------------------- */

static void default_scenario_holds_the_cards_audit_table_at_3x(void **state)
{
    (void)state;
    mdl_scenario sc;
    assert_int_equal(load_ok(NULL, &sc), SIM_OK);
    assert_int_equal(sc.horizon, 7 * SIM_DAY);
    assert_close(sc.load, 3.0);
    assert_int_equal(sc.nflows, 3);

    const mdl_flow_spec *f1 = &sc.flows[mdl_scenario_flow_index(&sc, "F-001")];
    assert_string_equal(sc.systems[f1->source_index].id, "salesforce");
    assert_string_equal(sc.systems[f1->target_index].id, "netsuite");
    assert_close(f1->volume, 500.0 / 86400.0);
    assert_int_equal(f1->latency_slo, 5 * SIM_MIN);
    assert_int_equal(f1->pattern, MDL_SPEC_PATTERN_EVENT);
    assert_int_equal(f1->impact, MDL_SPEC_IMPACT_HIGH);
    assert_int_equal(f1->event.broker_index, -1); /* platform events of Salesforce */
    assert_int_equal(f1->event.nsubscribers, 1);
    assert_int_equal(f1->event.subscribers[0].target_index, f1->target_index);
    assert_string_equal(f1->event.topic, "F-001"); /* derived from the flow id */

    const mdl_flow_spec *f2 = &sc.flows[mdl_scenario_flow_index(&sc, "F-002")];
    assert_close(f2->volume, 50000.0 / 86400.0);
    assert_int_equal(f2->slo_nightly, 1);
    /* nightly = by the end of the next run: 24 h + its 4 h window. */
    assert_int_equal(f2->latency_slo, SIM_DAY + 4 * SIM_HOUR);
    assert_int_equal(f2->pattern, MDL_SPEC_PATTERN_BATCH);
    assert_int_equal(f2->batch.api, MDL_SPEC_API_BULK);

    const mdl_flow_spec *f3 = &sc.flows[mdl_scenario_flow_index(&sc, "F-003")];
    assert_close(f3->volume, 200.0 / 86400.0);
    assert_int_equal(f3->latency_slo, SIM_SEC);
    assert_int_equal(f3->pattern, MDL_SPEC_PATTERN_REALTIME);
    assert_int_equal(f3->impact, MDL_SPEC_IMPACT_CRITICAL);
    assert_string_equal(sc.callers[f3->caller_index].id, "website-backend");
    assert_int_equal(f3->decision.someone_waiting, 1);

    /* Presets (REFERENCE.md A1, A3, A4, E) fill what the file leaves out. */
    const mdl_system_spec *sf = &sc.systems[mdl_scenario_system_index(&sc, "salesforce")];
    assert_close(sf->api.daily_limit, 100000.0);
    assert_int_equal(sf->api.window, MDL_SPEC_WINDOW_ROLLING);
    assert_int_equal(sf->api.limit_status, 403);
    assert_close(sf->bulk.batches_per_day, 15000.0);
    assert_close(sf->bulk.records_per_batch, 10000.0);
    assert_close(sf->events.delivery_allocation, 50000.0);
    assert_int_equal(sf->events.retention, 72 * SIM_HOUR);
    assert_int_equal(sf->events.ncdc_objects, 1);
    assert_string_equal(sf->events.cdc_objects[0], "Order");
    const mdl_system_spec *ns = &sc.systems[f1->target_index];
    assert_int_equal(ns->api.concurrency_limit, 15);
    /* Inherited from the target system. */
    assert_int_equal(f1->event.reconciliation.page_size, ns->api.page_size);
    mdl_scenario_fini(&sc);
    mdl_scenario_fini(&sc); /* twice is safe */
}

/* ---- the schema table --------------------------------------------------- */

static void init_api(void *p)
{
    mdl_api_spec_init(p);
}
static void init_bulk(void *p)
{
    mdl_bulk_spec_init(p);
}
static void init_events(void *p)
{
    mdl_events_spec_init(p);
}
static void init_file(void *p)
{
    mdl_file_spec_init(p);
}
static void init_tokens(void *p)
{
    mdl_tokens_spec_init(p);
}
static void init_arrival(void *p)
{
    mdl_arrival_spec_init(p);
}
static void init_decision(void *p)
{
    mdl_decision_spec_init(p);
}
static void init_realtime(void *p)
{
    mdl_realtime_spec_init(p);
}
static void init_retry(void *p)
{
    mdl_retry_spec_init(p);
}
static void init_breaker(void *p)
{
    mdl_breaker_spec_init(p);
}
static void init_event(void *p)
{
    mdl_event_spec_init(p);
}
static void init_recon(void *p)
{
    mdl_recon_spec_init(p);
}
static void init_batch(void *p)
{
    mdl_batch_spec_init(p);
}
static void init_filejob(void *p)
{
    mdl_filejob_spec_init(p);
}
static void init_service(void *p)
{
    mdl_service_spec_init(p);
}
static void init_processing(void *p)
{
    mdl_processing_spec_init(p);
}
static void init_root(void *p)
{
    mdl_scenario_init(p);
}

/* The init function of a block that is not a list element. */
static void (*init_of(const scn_block *b))(void *)
{
    static const struct {
        const char *name;
        void (*init)(void *);
    } t[] = {{"scenario", init_root},
             {"system.api", init_api},
             {"system.api.service", init_service},
             {"flow.event.subscriber.processing", init_processing},
             {"system.bulk", init_bulk},
             {"system.events", init_events},
             {"system.file", init_file},
             {"system.tokens", init_tokens},
             {"flow.arrival", init_arrival},
             {"flow.decision", init_decision},
             {"flow.realtime", init_realtime},
             {"flow.realtime.retries", init_retry},
             {"flow.realtime.breaker", init_breaker},
             {"flow.event", init_event},
             {"flow.event.reconciliation", init_recon},
             {"flow.batch", init_batch},
             {"flow.file", init_filejob}};
    if (b->init)
        return b->init;
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (!strcmp(t[i].name, b->name))
            return t[i].init;
    return NULL;
}

static void schema_defaults_agree_with_the_built_in_init_values(void **state)
{
    (void)state;
    const scn_block *const *blocks = scn_schema_blocks();
    int checked = 0;
    for (int i = 0; blocks[i]; i++) {
        const scn_block *b = blocks[i];
        void (*init)(void *) = init_of(b);
        if (!init)
            fail_msg("block %s has no init function in this test", b->name);
        char *built = calloc(1, b->size), *parsed = calloc(1, b->size);
        assert_non_null(built);
        assert_non_null(parsed);
        for (int j = 0; j < b->nkeys; j++) {
            const scn_key *k = &b->keys[j];
            if (!k->def || k->type == SCN_T_BLOCK || k->type == SCN_T_LIST)
                continue;
            init(built);
            init(parsed);
            sim_err err;
            int rc = k->type == SCN_T_STRLIST && !strcmp(k->def, "[]")
                         ? scn_value_parse_list(k, NULL, 0, parsed, &err)
                         : scn_value_parse(k, k->def, parsed, &err);
            if (rc != SIM_OK)
                fail_msg("%s.%s default '%s' does not parse: %s", b->name, k->name, k->def,
                         err.msg);
            if (!scn_value_equal(k, built, parsed))
                fail_msg("%s.%s: the table says '%s' but the init function sets another value",
                         b->name, k->name, k->def);
            if (k->type == SCN_T_STRING) {
                char **s = (char **)(parsed + k->off);
                sim_free(*s);
                *s = NULL;
            }
            checked++;
        }
        free(built);
        free(parsed);
    }
    assert_true(checked > 100);
}

static void every_key_has_a_doc_and_every_default_a_source(void **state)
{
    (void)state;
    const scn_block *const *blocks = scn_schema_blocks();
    for (int i = 0; blocks[i]; i++) {
        for (int j = 0; j < blocks[i]->nkeys; j++) {
            const scn_key *k = &blocks[i]->keys[j];
            if (!k->doc || !k->doc[0])
                fail_msg("%s.%s has no doc", blocks[i]->name, k->name);
            if ((k->def || k->inherit || (k->flags & SCN_DERIVED)) && !k->src)
                fail_msg("%s.%s has a default but no source", blocks[i]->name, k->name);
            int has_default = k->def || k->inherit || (k->flags & SCN_DERIVED) ||
                              (k->flags & SCN_REQUIRED) || (k->flags & SCN_OPTIONAL) ||
                              k->type == SCN_T_BLOCK || k->type == SCN_T_LIST;
            if (!has_default)
                fail_msg("%s.%s is neither required nor defaulted", blocks[i]->name, k->name);
        }
    }
}

static void every_preset_value_names_a_key_and_parses(void **state)
{
    (void)state;
    const scn_preset *const *p = scn_presets();
    const scn_block *root = scn_schema_root();
    int n = 0;
    for (int i = 0; p[i]; i++) {
        const scn_block *b =
            scn_schema_key(root, !strcmp(p[i]->block, "system") ? "systems" : "brokers", NULL)->aux;
        assert_string_equal(b->name, p[i]->block);
        char *base = calloc(1, b->size);
        assert_non_null(base);
        b->init(base);
        for (int j = 0; j < p[i]->nvalues; j++) {
            const scn_block *owner;
            size_t off;
            const scn_key *k = scn_schema_path(b, p[i]->values[j].path, &owner, &off);
            if (!k)
                fail_msg("preset %s: no key %s", p[i]->name, p[i]->values[j].path);
            sim_err err;
            if (scn_value_parse(k, p[i]->values[j].value, base + off, &err) != SIM_OK)
                fail_msg("preset %s %s: %s", p[i]->name, p[i]->values[j].path, err.msg);
            const char *src = p[i]->values[j].source;
            if (!src || (strncmp(src, "REFERENCE.md", 12) && strncmp(src, "card", 4)))
                fail_msg("preset %s %s cites no source", p[i]->name, p[i]->values[j].path);
            n++;
        }
        if (b->fini)
            b->fini(base);
        free(base);
    }
    assert_true(n > 50);
    /* Every system kind has a preset. */
    for (int i = 0; mdl_spec_kind_names[i]; i++)
        assert_non_null(scn_preset_find("system", mdl_spec_kind_names[i]));
}

static void distance_counts_edits_and_transpositions(void **state)
{
    (void)state;
    assert_int_equal(scn_distance("retension", "retention"), 1); /* substitution */
    assert_int_equal(scn_distance("voluem", "volume"), 1);       /* transposition */
    assert_int_equal(scn_distance("flow", "flows"), 1);          /* insertion */
    assert_int_equal(scn_distance("Pattern", "pattern"), 0);     /* case-folded */
    assert_int_equal(scn_distance("abc", ""), 3);
    const char *names[] = {"volume", "pattern", "source", NULL};
    assert_string_equal(scn_suggest("patern", names, -1), "pattern");
    assert_null(scn_suggest("colour", names, -1));
}

/* ---- service-time distributions ------------------------------------------ */

static int load_text(const char *name, const char *text, mdl_scenario *sc)
{
    scn_diag diag;
    scn_diag_init(&diag);
    int rc = scn_load_string(name, text, strlen(text), NULL, sc, &diag);
    if (rc != SIM_OK)
        print_diag(&diag);
    scn_diag_fini(&diag);
    return rc;
}

/* tests/scenarios/data/latencies.csv holds duration_ms 120, 80, 250, 50:
 * loaded relative to the scenario's directory, in seconds, sorted: 0.05,
 * 0.08, 0.12, 0.25. The second system's gamma takes the mean and cv of its
 * lognormal (p50 0.2 s, p95 2 s: 0.532796 s and 246.9%, as in
 * test_mdl_service.c); the subscriber's exponential takes the mean given. */
static void service_blocks_load_their_distribution_and_measured_values(void **state)
{
    (void)state;
    const char *text = "systems:\n"
                       "  - id: erp\n"
                       "    api:\n"
                       "      service:\n"
                       "        distribution: empirical\n"
                       "        file: latencies.csv\n"
                       "        column: duration_ms\n"
                       "  - id: crm\n"
                       "    events: {enabled: true}\n"
                       "    api:\n"
                       "      service: {distribution: gamma}\n"
                       "flows:\n"
                       "  - id: F-1\n"
                       "    source: crm\n"
                       "    target: erp\n"
                       "    volume: 10/day\n"
                       "    pattern: event\n"
                       "    event:\n"
                       "      subscribers:\n"
                       "        - id: s\n"
                       "          processing: {distribution: exponential, mean: 200ms}\n";
    mdl_scenario sc;
    assert_int_equal(load_text("tests/scenarios/data/inline.yaml", text, &sc), SIM_OK);
    const mdl_service_spec *e = &sc.systems[0].api.service;
    assert_int_equal(e->distribution, MDL_SPEC_DIST_EMPIRICAL);
    assert_int_equal(e->nsamples, 4);
    const double want[] = {50 * 1e-3, 80 * 1e-3, 120 * 1e-3, 250 * 1e-3};
    for (int i = 0; i < 4; i++)
        assert_true(e->samples[i] == want[i]);
    const mdl_service_spec *g = &sc.systems[1].api.service;
    assert_int_equal(g->distribution, MDL_SPEC_DIST_GAMMA);
    assert_true(fabs(sim_time_to_seconds(g->mean) - 0.532796) < 1e-5);
    assert_true(fabs(g->cv - 2.469168) < 1e-5);
    const mdl_service_spec *p = &sc.flows[0].event.subscribers[0].processing;
    assert_int_equal(p->distribution, MDL_SPEC_DIST_EXPONENTIAL);
    assert_int_equal(p->mean, 200 * SIM_MS);
    mdl_scenario_fini(&sc);
}

/* ---- the calendar and warnings ------------------------------------------ */

/* start_date and first_weekday: 2025-03-05 is a Wednesday, so given alone
 * it sets first_weekday; first_weekday friday alone sets start_date to the
 * first Friday on or after 2024-01-01 (a Monday): 2024-01-05. */
static void start_date_and_first_weekday_derive_each_other(void **state)
{
    (void)state;
    mdl_scenario sc;
    assert_int_equal(load_text("a.yaml", "start_date: 2025-03-05\n", &sc), SIM_OK);
    assert_int_equal(sc.first_weekday, MDL_SPEC_WEDNESDAY);
    assert_int_equal(sc.start_day, 20152); /* 2025-03-05: 55 years + 14 leap days */
    mdl_scenario_fini(&sc);
    assert_int_equal(load_text("b.yaml", "first_weekday: friday\n", &sc), SIM_OK);
    assert_int_equal(sc.start_day, 19723 + 4);
    mdl_scenario_fini(&sc);
}

/* Warnings are reported apart, in file order, and never fail the load: on
 * a 7-day horizon from Monday 2024-01-01, "monthly last-weekday 22:00"
 * (next on Wednesday Jan 31, day 30) never starts, "monthly 1st 02:00"
 * starts once (day 0, 02:00), "daily 01:00" is fine. */
static void a_schedule_longer_than_the_horizon_is_a_warning_not_an_error(void **state)
{
    (void)state;
    const char *text = "horizon: 7d\n"
                       "systems:\n"
                       "  - id: erp\n"
                       "    bulk: {enabled: true}\n"
                       "  - id: dwh\n"
                       "flows:\n"
                       "  - {id: F-1, source: dwh, target: erp, volume: 100/day, pattern: batch,\n"
                       "     batch: {schedule: monthly last-weekday 22:00, window: 2h}}\n"
                       "  - {id: F-2, source: dwh, target: erp, volume: 100/day, pattern: batch,\n"
                       "     batch: {schedule: monthly 1st 02:00, window: 2h}}\n"
                       "  - {id: F-3, source: dwh, target: erp, volume: 100/day, pattern: batch,\n"
                       "     batch: {schedule: daily 01:00, window: 2h}}\n";
    mdl_scenario sc;
    scn_diag diag, warn;
    scn_diag_init(&diag);
    scn_diag_init(&warn);
    scn_load_opts opts = {.warnings = &warn};
    assert_int_equal(scn_load_string("w.yaml", text, strlen(text), &opts, &sc, &diag), SIM_OK);
    assert_int_equal(diag.count, 0);
    assert_int_equal(warn.count, 2);
    assert_int_equal(warn.items[0].line, 8);
    assert_non_null(strstr(warn.items[0].msg, "'monthly last-weekday 22:00' never starts within "
                                              "the 1w horizon"));
    assert_int_equal(warn.items[1].line, 10);
    assert_non_null(strstr(warn.items[1].msg, "'monthly 1st 02:00' starts only once within the "
                                              "1w horizon (2h into the run"));
    scn_diag_fini(&diag);
    scn_diag_fini(&warn);
    mdl_scenario_fini(&sc);
}

/* tests/scenarios/data/warnings.yaml holds one of each value that is
 * valid but probably a mistake; each warning is worked out by hand:
 *   F-1 50k/day against a full dataset of 4k: 12.5 changes a record a day;
 *   F-1 bulk batches of min(10,000 chunk, 10,000 per batch) at 40 ms =
 *       400 s > the salesforce preset's 5 min limit (REFERENCE.md A3);
 *   F-1 a chunk of 30 s + 10,000 x 40 ms = 430 s > job_timeout 60 s;
 *   F-2 an SLO of 100 ms < the 200 ms median service time (lognormal p50);
 *   F-3 a trace (tests/scenarios/data/trace.csv) starting Monday 2024-03-04
 *       while day 0 is a Tuesday, and ending 60 h in (03-06 12:00) of 7 d;
 *   the bulk load: 10,000-record batches at 50 ms = 500 s > 5 min.
 * The file loads (SIM_OK, no error) and the warnings come in file order. */
static void values_that_are_probably_a_mistake_are_warned_about(void **state)
{
    (void)state;
    const char *want[] = {
        "15:13: flow 'F-1': 50k records a day is more than 10 times its dataset of 4k records "
        "(batch.dataset): every record would change 12.5 times a day; check the units",
        "21:20: flow 'F-1': a bulk batch of 10k records at 40ms a record takes 400s, longer than "
        "the 5m batch time limit of system 'salesforce': every batch would fail and be retried "
        "(make chunks or bulk.records_per_batch smaller)",
        "22:20: flow 'F-1': a chunk of 10000 records takes 430s on average, longer than its "
        "job_timeout 1m: chunks would time out",
        "27:18: flow 'F-2': its latency SLO 100ms is shorter than the median service time of "
        "system 'salesforce' (200ms): more than half of its records miss it even without "
        "queueing",
        "38:14: flow 'F-3': the trace starts on a monday but day 0 is a tuesday: its weekly "
        "pattern is shifted (set first_weekday or start_date)",
        "38:14: flow 'F-3': the trace ends 60h into the 1w horizon: nothing arrives after it",
        "46:18: fault 'migration': a bulk batch of 10k records at 50ms a record takes 500s, "
        "longer than the 5m batch time limit of system 'salesforce': every batch would fail",
    };
    mdl_scenario sc;
    scn_diag diag, warn;
    scn_diag_init(&diag);
    scn_diag_init(&warn);
    scn_load_opts opts = {.warnings = &warn};
    int rc = scn_load_file("tests/scenarios/data/warnings.yaml", &opts, &sc, &diag);
    if (rc != SIM_OK)
        print_diag(&diag);
    assert_int_equal(rc, SIM_OK);
    assert_int_equal(warn.count, (int)(sizeof want / sizeof *want));
    for (int i = 0; i < warn.count; i++) {
        char got[600];
        snprintf(got, sizeof got, "%d:%d: %s", warn.items[i].line, warn.items[i].column,
                 warn.items[i].msg);
        if (strcmp(got, want[i]))
            fail_msg("warning %d:\n got  %s\n want %s", i, got, want[i]);
    }
    scn_diag_fini(&diag);
    scn_diag_fini(&warn);
    mdl_scenario_fini(&sc);
}

/* ---- example scenarios -------------------------------------------------- */

static void every_scenario_file_in_scenarios_is_valid(void **state)
{
    (void)state;
    DIR *d = opendir("scenarios");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "scenarios/%s", e->d_name);
        mdl_scenario sc;
        if (load_ok(path, &sc) != SIM_OK)
            fail_msg("%s does not load", path);
        assert_true(sc.nflows > 0);
        mdl_scenario_fini(&sc);
        n++;
    }
    closedir(d);
    assert_true(n >= 1);
}

/* ---- bad input ------------------------------------------------------------ */

static void every_bad_fixture_reports_exactly_its_expected_messages(void **state)
{
    (void)state;
    DIR *d = opendir(BAD_DIR);
    assert_non_null(d);
    int fixtures = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        char path[512], exp_path[512];
        snprintf(path, sizeof path, BAD_DIR "/%s", e->d_name);
        snprintf(exp_path, sizeof exp_path, BAD_DIR "/%.*s.expected", (int)(len - 5), e->d_name);
        char *expected = read_text(exp_path);
        if (!expected)
            fail_msg("%s has no %s", path, exp_path);
        mdl_scenario sc;
        scn_diag diag;
        scn_diag_init(&diag);
        int rc = scn_load_file(path, NULL, &sc, &diag);
        if (rc != SIM_EPARSE)
            fail_msg("%s: status %d, want SIM_EPARSE", path, rc);
        assert_int_equal(sc.nflows, 0); /* no partial result */
        assert_int_equal(sc.nsystems, 0);
        char got[16384];
        size_t n = 0;
        got[0] = '\0';
        for (int i = 0; i < diag.count; i++) {
            char line[1024];
            n += (size_t)snprintf(got + n, sizeof got - n, "%s\n",
                                  scn_diag_format(&diag.items[i], line, sizeof line));
        }
        if (strcmp(got, expected))
            fail_msg("%s:\n--- got\n%s--- want\n%s", path, got, expected);
        scn_diag_fini(&diag);
        free(expected);
        fixtures++;
    }
    closedir(d);
    assert_true(fixtures >= 30);
}

/* Loads scenarios/extraction-quota.yaml (an arrival trace and measured
 * service times in data/) with data files restricted to data_dir and the
 * override `set` (may be NULL); returns the status and copies the first
 * problem into msg. */
static int load_in(const char *data_dir, const char *set, char *msg, size_t n)
{
    char *text = read_text("scenarios/extraction-quota.yaml");
    assert_non_null(text);
    const char *sets[1] = {set};
    scn_load_opts o = {.sets = sets, .nsets = set ? 1 : 0, .data_dir = data_dir};
    mdl_scenario sc;
    scn_diag d;
    scn_diag_init(&d);
    int rc = scn_load_string("scenarios/extraction-quota.yaml", text, strlen(text), &o, &sc, &d);
    snprintf(msg, n, "%s", d.count > 0 ? d.items[0].msg : "");
    scn_diag_fini(&d);
    mdl_scenario_fini(&sc);
    free(text);
    return rc;
}

/* `erpsim serve` takes overrides from a browser: with data_dir, a data
 * file is read only from inside that folder, whatever the override says. */
static void data_files_are_read_only_from_inside_the_data_folder(void **state)
{
    (void)state;
    char dir[4096], msg[256];
    assert_non_null(realpath("scenarios", dir));
    assert_int_equal(load_in(dir, NULL, msg, sizeof msg), SIM_OK);
    assert_int_equal(load_in(dir, "flows.F-701.arrival.trace=/etc/passwd", msg, sizeof msg),
                     SIM_EPARSE);
    assert_non_null(strstr(msg, "relative path inside the scenario's folder"));
    assert_int_equal(load_in(dir,
                             "flows.F-701.arrival.trace=data/../../scenarios/data/orders-trace.csv",
                             msg, sizeof msg),
                     SIM_EPARSE);
    assert_non_null(strstr(msg, "without '..'"));
    assert_int_equal(load_in(dir, "systems.erp.api.service.file=..", msg, sizeof msg), SIM_EPARSE);
    assert_non_null(strstr(msg, "without '..'"));
    /* "a..b" is a name, not a climb: it is looked for (and missing) */
    assert_int_equal(load_in(dir, "systems.erp.api.service.file=a..b.csv", msg, sizeof msg),
                     SIM_EPARSE);
    assert_null(strstr(msg, "without '..'"));
    /* the compiled-in scenario has no folder: no data file at all */
    assert_int_equal(load_in("", NULL, msg, sizeof msg), SIM_EPARSE);
    assert_non_null(strstr(msg, "data files are not read here"));
    /* a link inside the folder that leads out of it */
    char tmp[] = "/tmp/erpsim-datadir-XXXXXX", link[64], target[4200];
    assert_non_null(mkdtemp(tmp));
    snprintf(link, sizeof link, "%s/data", tmp);
    snprintf(target, sizeof target, "%s/data", dir);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(load_in(tmp, NULL, msg, sizeof msg), SIM_EPARSE);
    assert_non_null(strstr(msg, "a link leads out"));
    assert_int_equal(unlink(link), 0);
    assert_int_equal(rmdir(tmp), 0);
}

/* A fault can be switched off (enabled: false, or --no-faults for all):
 * it is still read and kept, so variants and --set can name it, but what
 * it needs of the flows is not checked and the models do not inject it.
 * The fixture bad/fault-flow-not-event.yaml fails only because of its
 * fault. */
static void a_disabled_fault_is_kept_but_not_checked(void **state)
{
    (void)state;
    const char *path = BAD_DIR "/fault-flow-not-event.yaml";
    const char *off[] = {"faults.connector-down.enabled=false"};
    scn_load_opts one = {.sets = off, .nsets = 1};
    scn_load_opts all = {.no_faults = 1};
    const scn_load_opts *opts[] = {&one, &all};
    for (int k = 0; k < 2; k++) {
        mdl_scenario sc;
        scn_diag diag;
        scn_diag_init(&diag);
        int rc = scn_load_file(path, opts[k], &sc, &diag);
        print_diag(&diag);
        assert_int_equal(rc, SIM_OK);
        assert_int_equal(sc.nfaults, 1);
        assert_string_equal(sc.faults[0].id, "connector-down");
        assert_int_equal(sc.faults[0].enabled, 0);
        scn_diag_fini(&diag);
        mdl_scenario_fini(&sc);
    }
}

static void problems_come_in_file_order_and_all_at_once(void **state)
{
    (void)state;
    /* Three independent problems, on lines 3, 5 and 7, found by different
     * phases (a reference, a range, a unit): all three are reported, sorted. */
    static const char text[] = "systems:\n"             /* 1 */
                               "  - id: a\n"            /* 2 */
                               "    kind: salesfroce\n" /* 3 */
                               "flows:\n"               /* 4 */
                               "  - {id: F, source: a, target: b, volume: 1/day, pattern: batch,\n"
                               "     batch: {window: 0s}}\n" /* 6 */
                               "horizon: -3d\n";             /* 7 */
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    assert_int_equal(scn_load_string("t.yaml", text, sizeof text - 1, NULL, &sc, &diag),
                     SIM_EPARSE);
    char line[512];
    assert_int_equal(diag.count, 4);
    assert_string_equal(scn_diag_format(&diag.items[0], line, sizeof line),
                        "t.yaml:3:11: kind 'salesfroce' is not one of generic, salesforce, "
                        "sap-s4hana, oracle-erp-cloud, dynamics-365, netsuite, workday (did you "
                        "mean 'salesforce'?)");
    assert_string_equal(scn_diag_format(&diag.items[1], line, sizeof line),
                        "t.yaml:5:32: target 'b' is not a defined system (did you mean 'a'?)");
    assert_string_equal(scn_diag_format(&diag.items[2], line, sizeof line),
                        "t.yaml:6:22: window must be greater than 0, got '0s'");
    assert_int_equal(diag.items[3].line, 7);
    assert_int_equal(diag.items[3].column, 10);
    scn_diag_fini(&diag);
}

static void a_file_larger_than_16_mib_is_refused_without_reading_on(void **state)
{
    (void)state;
    size_t n = 16u * 1024u * 1024u + 1u;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, '#', n);
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    assert_int_equal(scn_load_string("big.yaml", big, n, NULL, &sc, &diag), SIM_EPARSE);
    assert_int_equal(diag.count, 1);
    assert_string_equal(diag.items[0].msg, "larger than 16 MiB: refused");
    scn_diag_fini(&diag);
    free(big);
    /* An endless device: the reader stops at the limit instead of hanging. */
    scn_diag_init(&diag);
    assert_int_equal(scn_load_file("/dev/zero", NULL, &sc, &diag), SIM_EPARSE);
    assert_string_equal(diag.items[0].msg, "larger than 16 MiB: refused");
    scn_diag_fini(&diag);
    scn_diag_init(&diag);
    assert_int_equal(scn_load_file(BAD_DIR "/no-such-file.yaml", NULL, &sc, &diag), SIM_EIO);
    assert_string_equal(diag.items[0].msg, "cannot open: No such file or directory");
    scn_diag_fini(&diag);
}

/* SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator. */
static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void check_outcome(int rc, const mdl_scenario *sc, const scn_diag *diag)
{
    if (rc == SIM_OK) {
        assert_int_equal(diag->count, 0);
        return;
    }
    assert_int_equal(rc, SIM_EPARSE);
    assert_true(diag->count >= 1);
    for (int i = 0; i < diag->count; i++)
        assert_true(diag->items[i].msg[0] != '\0');
    assert_int_equal(sc->nflows, 0);
}

static void random_bytes_and_mutations_never_crash_or_hang(void **state)
{
    (void)state;
    static const char alphabet[] = "[]{}:-,&*!|>'\"#%@` \n\t0123456789abcxyz/.%";
    uint64_t seed = 12345;
    size_t dlen = (size_t)scn_default_len;
    char *buf = malloc(dlen + 4096);
    assert_non_null(buf);
    for (int iter = 0; iter < 3000; iter++) {
        size_t len;
        if (iter % 4 == 0) { /* pure random bytes */
            len = splitmix(&seed) % 2048;
            for (size_t i = 0; i < len; i++)
                buf[i] = (char)(splitmix(&seed) & 0xff);
        } else { /* the default scenario with a few edits */
            memcpy(buf, scn_default_text, dlen);
            len = dlen;
            int edits = 1 + (int)(splitmix(&seed) % 4);
            for (int k = 0; k < edits; k++) {
                size_t at = splitmix(&seed) % len;
                char c = alphabet[splitmix(&seed) % (sizeof alphabet - 1)];
                switch (splitmix(&seed) % 3) {
                case 0:
                    buf[at] = c;
                    break;
                case 1:
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = c;
                    len++;
                    break;
                default:
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                }
            }
        }
        mdl_scenario sc;
        scn_diag diag;
        scn_diag_init(&diag);
        int rc = scn_load_string("fuzz.yaml", buf, len, NULL, &sc, &diag);
        check_outcome(rc, &sc, &diag);
        mdl_scenario_fini(&sc);
        scn_diag_fini(&diag);
    }
    free(buf);
}

static void every_failing_allocation_is_reported_as_out_of_memory(void **state)
{
    (void)state;
    /* Fail the 1st, 2nd, ... allocation of a full load until one succeeds:
     * every earlier attempt must return SIM_ENOMEM, leak nothing (ASan
     * build) and leave the scenario empty. */
    int n;
    for (n = 1; n < 100000; n++) {
        mdl_scenario sc;
        scn_diag diag;
        scn_origins *o = NULL;
        scn_load_opts opts = {.origins = &o};
        scn_diag_init(&diag);
        sim_alloc_fail_after(n);
        int rc = scn_load_default(&opts, &sc, &diag);
        sim_alloc_fail_reset();
        if (rc == SIM_OK) {
            assert_non_null(o);
            scn_origins_destroy(o);
            mdl_scenario_fini(&sc);
            scn_diag_fini(&diag);
            break;
        }
        if (rc != SIM_ENOMEM)
            fail_msg("allocation %d failed: status %d, want SIM_ENOMEM", n, rc);
        assert_null(o);
        assert_int_equal(sc.nflows, 0);
        scn_diag_fini(&diag);
    }
    assert_true(n > 10 && n < 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_scenario_holds_the_cards_audit_table_at_3x),
        cmocka_unit_test(schema_defaults_agree_with_the_built_in_init_values),
        cmocka_unit_test(every_key_has_a_doc_and_every_default_a_source),
        cmocka_unit_test(every_preset_value_names_a_key_and_parses),
        cmocka_unit_test(distance_counts_edits_and_transpositions),
        cmocka_unit_test(service_blocks_load_their_distribution_and_measured_values),
        cmocka_unit_test(start_date_and_first_weekday_derive_each_other),
        cmocka_unit_test(a_schedule_longer_than_the_horizon_is_a_warning_not_an_error),
        cmocka_unit_test(values_that_are_probably_a_mistake_are_warned_about),
        cmocka_unit_test(every_scenario_file_in_scenarios_is_valid),
        cmocka_unit_test(every_bad_fixture_reports_exactly_its_expected_messages),
        cmocka_unit_test(a_disabled_fault_is_kept_but_not_checked),
        cmocka_unit_test(data_files_are_read_only_from_inside_the_data_folder),
        cmocka_unit_test(problems_come_in_file_order_and_all_at_once),
        cmocka_unit_test(a_file_larger_than_16_mib_is_refused_without_reading_on),
        cmocka_unit_test(random_bytes_and_mutations_never_crash_or_hang),
        cmocka_unit_test(every_failing_allocation_is_reported_as_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
