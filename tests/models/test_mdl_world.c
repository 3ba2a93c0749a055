/*
 * test_mdl_world.c - a scenario wired into models: conservation, the same
 * numbers on every run and every thread count, common random numbers across
 * variants, and one hand-checked case through the whole stack.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_world.h"
#include "scn_load.h"
#include "sim_alloc.h"
#include "sim_experiment.h"

/* Two real-time flows of one caller into two systems, a nightly batch over
 * REST into the first one (sharing its daily quota), a degradation window
 * and an outage: every mechanism the world wires, in one day. */
static const char landscape[] = "name: world-test\n"
                                "horizon: 1d\n"
                                "replications: 4\n"
                                "seed: 7\n"
                                "systems:\n"
                                "  - id: erp\n"
                                "    kind: generic\n"
                                "    api:\n"
                                "      workers: 4\n"
                                "      latency_p50: 200ms\n"
                                "      latency_p95: 800ms\n"
                                "      daily_limit: 20k\n"
                                "  - id: tax\n"
                                "    kind: generic\n"
                                "    api:\n"
                                "      workers: 8\n"
                                "      latency_p50: 50ms\n"
                                "      latency_p95: 150ms\n"
                                "  - id: shop\n"
                                "    kind: generic\n"
                                "callers:\n"
                                "  - id: backend\n"
                                "    pool_size: 10\n"
                                "flows:\n"
                                "  - id: orders\n"
                                "    source: shop\n"
                                "    target: erp\n"
                                "    volume: 8k/day\n"
                                "    latency_slo: 2s\n"
                                "    pattern: realtime\n"
                                "    caller: backend\n"
                                "    realtime:\n"
                                "      timeout: 5s\n"
                                "  - id: taxes\n"
                                "    source: shop\n"
                                "    target: tax\n"
                                "    volume: 8k/day\n"
                                "    latency_slo: 1s\n"
                                "    pattern: realtime\n"
                                "    caller: backend\n"
                                "    realtime:\n"
                                "      timeout: 5s\n"
                                "  - id: catalog\n"
                                "    source: shop\n"
                                "    target: erp\n"
                                "    volume: 5k/day\n"
                                "    latency_slo: nightly\n"
                                "    pattern: batch\n"
                                "    batch:\n"
                                "      schedule: daily 01:00\n"
                                "      window: 4h\n"
                                "      api: rest\n"
                                "      page_size: 200\n"
                                "faults:\n"
                                "  - id: slow\n"
                                "    kind: degradation\n"
                                "    system: erp\n"
                                "    start: 10h\n"
                                "    duration: 1h\n"
                                "    factor: 20x\n"
                                "  - id: down\n"
                                "    kind: outage\n"
                                "    system: erp\n"
                                "    start: 15h\n"
                                "    duration: 30m\n"
                                "    mode: hang\n";

static void load(mdl_scenario *sc, const char *text, const char *const *sets, int nsets)
{
    scn_diag diag;
    scn_diag_init(&diag);
    scn_load_opts opts = {.sets = sets, .nsets = nsets};
    int rc = scn_load_string("world-test.yaml", text, strlen(text), &opts, sc, &diag);
    for (int i = 0; i < diag.count; i++) {
        char buf[600];
        fprintf(stderr, "%s\n", scn_diag_format(&diag.items[i], buf, sizeof buf));
    }
    scn_diag_fini(&diag);
    assert_int_equal(rc, SIM_OK);
}

/* Exact equality of two doubles (counts), with both values in the message. */
#define assert_same(a, b)                                                                          \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (a_ != b_)                                                                              \
            fail_msg("%s = %.17g but %s = %.17g", #a, a_, #b, b_);                                 \
    } while (0)

static double scalar(const sim_result *r, const char *name)
{
    long i = sim_result_find(r, name);
    if (i < 0)
        fail_msg("metric %s is missing", name);
    return sim_result_value(r, (size_t)i);
}

/* Every scalar of a summary, printed exactly: two summaries are the same
 * when these texts are. */
static char *serialise(const sim_summary *s)
{
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (size_t i = 0; i < sim_summary_count(s); i++) {
        const sim_metric *m = sim_summary_at(s, i);
        if (m->kind != SIM_METRIC_SCALAR)
            continue;
        for (int k = 0; k < m->n; k++) {
            if (cap - len < 256) {
                cap *= 2;
                buf = realloc(buf, cap);
                assert_non_null(buf);
            }
            len +=
                (size_t)snprintf(buf + len, cap - len, "%s %d %.17g\n", m->name, k, m->values[k]);
        }
    }
    return buf;
}

/* Arrival processes through the loader and the world. tests/scenarios/
 * data/trace.csv holds 5 timestamps: 2024-03-04 (a Monday) 08:00, 09:30
 * twice, 03-05 01:00 and 03-06 12:00 UTC; the scenario is UTC, horizon 2 d:
 * replayed from the midnight of 03-04, the first 4 fall inside the
 * horizon, each twice at load 2: 8 records created. A deterministic flow of
 * 1,000/day creates exactly 2,000 in 2 days (evenly spaced, not Poisson),
 * in every replication; an event flow with the same volume and a spike of
 * 100 extra records creates exactly 2,100. */
static void deterministic_and_trace_flows_create_exact_counts(void **state)
{
    (void)state;
    const char *text = "name: processes\n"
                       "horizon: 2d\n"
                       "load: 2x\n"
                       "systems:\n"
                       "  - id: erp\n"
                       "    api: {workers: 50}\n"
                       "  - id: shop\n"
                       "    events: {enabled: true}\n"
                       "callers:\n"
                       "  - id: web\n"
                       "flows:\n"
                       "  - id: replayed\n"
                       "    source: shop\n"
                       "    target: erp\n"
                       "    volume: 4/day\n"
                       "    pattern: realtime\n"
                       "    caller: web\n"
                       "    arrival: {process: trace, trace: trace.csv, trace_column: when}\n"
                       "  - id: even\n"
                       "    source: shop\n"
                       "    target: erp\n"
                       "    volume: 500/day\n"
                       "    pattern: realtime\n"
                       "    caller: web\n"
                       "    arrival: {process: deterministic}\n"
                       "  - id: spiky\n"
                       "    source: shop\n"
                       "    target: erp\n"
                       "    volume: 500/day\n"
                       "    pattern: event\n"
                       "    event: {subscribers: [{id: s, apply_via_api: false}]}\n"
                       "    arrival:\n"
                       "      process: deterministic\n"
                       "      spikes: [{at: 10h, duration: 1h, extra: 100}]\n";
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    int rc = scn_load_string("tests/scenarios/data/processes.yaml", text, strlen(text), NULL, &sc,
                             &diag);
    for (int i = 0; i < diag.count; i++) {
        char buf[600];
        fprintf(stderr, "%s\n", scn_diag_format(&diag.items[i], buf, sizeof buf));
    }
    scn_diag_fini(&diag);
    assert_int_equal(rc, SIM_OK);
    assert_int_equal(sc.flows[0].arrival.ntrace, 5);
    assert_int_equal(sc.flows[0].arrival.trace_weekday, 0);
    for (int rep = 0; rep < 3; rep++) {
        sim_result *r = sim_result_create(NULL);
        sim_err err;
        if (mdl_world_run(&sc, 5, rep, r, &err) != SIM_OK)
            fail_msg("%s", err.msg);
        assert_same(scalar(r, "flow.replayed.created"), 8.0);
        assert_same(scalar(r, "flow.even.created"), 2000.0);
        assert_same(scalar(r, "flow.spiky.created"), 2100.0);
        sim_result_destroy(r);
    }
    mdl_scenario_fini(&sc);
}

/* The case: a nightly full extraction of 400,000 Salesforce rows
 * into a warehouse. Read through REST (SOQL pages of 2,000 rows, the
 * salesforce preset's api.page_size, REFERENCE.md A1) each run costs
 * Salesforce 400,000 / 2,000 = 200 API calls: 7 runs, 1,400 calls, and the
 * rolling window holds at least one run's 200 (a little more where two
 * nights' minute buckets overlap). Read with Bulk API 2.0 query jobs (the
 * derived default, the source has a bulk API), each of the 40 chunks of
 * 10,000 takes one query job (10,000 per 24 h, A3) and 2 calls (an
 * assumption: REFERENCE.md gives none): 280 jobs and 560 calls in 7 runs.
 * With extract none it costs Salesforce nothing, as before. */
static void extracting_from_salesforce_spends_its_quota(void **state)
{
    (void)state;
    const char *text = "name: extract\n"
                       "horizon: 7d\n"
                       "systems:\n"
                       "  - id: salesforce\n"
                       "    kind: salesforce\n"
                       "  - id: dwh\n"
                       "    bulk: {enabled: true}\n"
                       "flows:\n"
                       "  - id: F-9\n"
                       "    source: salesforce\n"
                       "    target: dwh\n"
                       "    volume: 1k/day\n"
                       "    pattern: batch\n"
                       "    batch: {selection: full, dataset: 400k, failure_rate: 0%}\n";
    const char *extract[] = {"flows.F-9.batch.extract=rest", NULL, "flows.F-9.batch.extract=none"};
    const double calls[] = {1400, 560, 0}, jobs[] = {0, 280, 0};
    for (int k = 0; k < 3; k++) {
        mdl_scenario sc;
        load(&sc, text, extract[k] ? &extract[k] : NULL, extract[k] ? 1 : 0);
        assert_int_equal(sc.flows[0].batch.extract, k == 0   ? MDL_SPEC_EXTRACT_REST
                                                    : k == 1 ? MDL_SPEC_EXTRACT_BULK
                                                             : MDL_SPEC_EXTRACT_NONE);
        sim_result *r = sim_result_create(NULL);
        sim_err err;
        if (mdl_world_run(&sc, 3, 0, r, &err) != SIM_OK)
            fail_msg("%s", err.msg);
        assert_same(scalar(r, "flow.F-9.batch.runs"), 7.0);
        assert_same(scalar(r, "flow.F-9.batch.extract_calls_used"), calls[k]);
        assert_same(scalar(r, "flow.F-9.batch.extract_query_jobs_used"), jobs[k]);
        double peak = scalar(r, "system.salesforce.quota_peak");
        if (k == 2)
            assert_same(peak, 0.0);
        else
            assert_true(peak >= calls[k] / 7 && peak <= 2 * calls[k] / 7);
        if (k == 1)
            assert_true(scalar(r, "system.salesforce.bulk_query_jobs_peak") >= 40);
        sim_result_destroy(r);
        mdl_scenario_fini(&sc);
    }
}

/* Echoes through the world: CRM and ERP both have CDC on Account; F-1
 * carries 100 CRM changes a day to the ERP, F-2 50 ERP changes a day to
 * the CRM (deterministic, 1 day, applied without calls). Each subscriber
 * writes Account (the flow's object) into its target, so each write
 * publishes a change event there; with the default echo filter the other
 * subscriber drops it: the ERP's channel holds 100 CDC events and the
 * CRM's 50, F-1's subscriber drops 50 and F-2's 100. With both filters off
 * every event ping-pongs to the 100-write cap: (100 + 50) x 50 CDC events
 * on each channel. */
static void subscriber_writes_publish_echoes_that_the_filter_drops(void **state)
{
    (void)state;
    const char *text =
        "name: echo\n"
        "horizon: 1d\n"
        "systems:\n"
        "  - id: crm\n"
        "    events: {enabled: true, cdc_objects: [Account]}\n"
        "  - id: erp\n"
        "    events: {enabled: true, cdc_objects: [Account]}\n"
        "flows:\n"
        "  - id: F-1\n"
        "    source: crm\n"
        "    target: erp\n"
        "    volume: 100/day\n"
        "    object: Account\n"
        "    pattern: event\n"
        "    arrival: {process: deterministic}\n"
        "    event: {redelivery: 0%, subscribers: [{id: s1, apply_via_api: false}]}\n"
        "  - id: F-2\n"
        "    source: erp\n"
        "    target: crm\n"
        "    volume: 50/day\n"
        "    object: Account\n"
        "    pattern: event\n"
        "    arrival: {process: deterministic}\n"
        "    event: {redelivery: 0%, subscribers: [{id: s2, apply_via_api: false}]}\n";
    const char *off[] = {"flows.F-1.event.subscribers.s1.echo_filter=false",
                         "flows.F-2.event.subscribers.s2.echo_filter=false"};
    for (int filter = 1; filter >= 0; filter--) {
        mdl_scenario sc;
        load(&sc, text, off, filter ? 0 : 2);
        assert_string_equal(sc.flows[0].event.subscribers[0].object, "Account");
        sim_result *r = sim_result_create(NULL);
        sim_err err;
        if (mdl_world_run(&sc, 1, 0, r, &err) != SIM_OK)
            fail_msg("%s", err.msg);
        assert_same(scalar(r, "flow.F-1.delivered"), 100.0);
        assert_same(scalar(r, "flow.F-2.delivered"), 50.0);
        assert_same(scalar(r, "channel.erp.cdc_published"), filter ? 100.0 : 7500.0);
        assert_same(scalar(r, "channel.crm.cdc_published"), filter ? 50.0 : 7500.0);
        assert_same(scalar(r, "flow.F-1.event.cdc_echo_filtered"), filter ? 50.0 : 0.0);
        assert_same(scalar(r, "flow.F-2.event.cdc_echo_filtered"), filter ? 100.0 : 0.0);
        sim_result_destroy(r);
        mdl_scenario_fini(&sc);
    }
}

/* A one-off migration load takes the batch keys: 100,000 records into the
 * ERP in chunks of 20,000 on 2 jobs, 10 s of overhead and a fixed 5 ms a
 * record: 5 chunks of 10 + 100 = 110 s, in 3 rounds: 330 s; each chunk is
 * 2 bulk batches of 10,000: 10 batches. The defaults (chunks of 10,000 on 3
 * jobs, 30 s + 10 ms a record, fixed here) give 10 chunks of 130 s in 4
 * rounds: 520 s. */
static void a_bulk_load_fault_runs_with_its_own_batch_keys(void **state)
{
    (void)state;
    const char *text =
        "name: load\n"
        "horizon: 1d\n"
        "systems:\n"
        "  - id: erp\n"
        "    bulk: {enabled: true}\n"
        "  - id: src\n"
        "callers: [{id: web}]\n"
        "flows:\n"
        "  - {id: F-1, source: src, target: erp, volume: 10/day, pattern: realtime,\n"
        "     caller: web}\n"
        "faults:\n"
        "  - id: migration\n"
        "    kind: bulk-load\n"
        "    system: erp\n"
        "    records: 100k\n"
        "    start: 1h\n"
        "    record_time_cv: 0%\n";
    const char *keys[] = {"faults.migration.chunk_size=20000", "faults.migration.concurrent_jobs=2",
                          "faults.migration.chunk_overhead=10s",
                          "faults.migration.record_time=5ms"};
    for (int own = 1; own >= 0; own--) {
        mdl_scenario sc;
        load(&sc, text, keys, own ? 4 : 0);
        sim_result *r = sim_result_create(NULL);
        sim_err err;
        if (mdl_world_run(&sc, 1, 0, r, &err) != SIM_OK)
            fail_msg("%s", err.msg);
        assert_same(scalar(r, "fault.migration.batch.duration_max"), own ? 330.0 : 520.0);
        assert_same(scalar(r, "fault.migration.batch.chunks_per_run_mean"), own ? 5.0 : 10.0);
        assert_same(scalar(r, "fault.migration.batch.bulk_batches_used"), 10.0);
        sim_result_destroy(r);
        mdl_scenario_fini(&sc);
    }
}

static void every_record_is_accounted_for(void **state)
{
    (void)state;
    mdl_scenario sc;
    load(&sc, landscape, NULL, 0);
    for (int rep = 0; rep < 3; rep++) {
        sim_result *r = sim_result_create(NULL);
        sim_err err = {0};
        /* mdl_world_run checks conservation itself and fails when the
         * ledger does not balance; check the identity here as well. */
        assert_int_equal(mdl_world_run(&sc, 7, rep, r, &err), SIM_OK);
        const char *flows[] = {"orders", "taxes", "catalog"};
        for (int f = 0; f < 3; f++) {
            char name[128];
            double sum = 0, created;
            static const char *const ends[] = {"delivered", "rejected", "dead_lettered", "lost",
                                               "pending"};
            snprintf(name, sizeof name, "flow.%s.created", flows[f]);
            created = scalar(r, name);
            for (int e = 0; e < 5; e++) {
                snprintf(name, sizeof name, "flow.%s.%s", flows[f], ends[e]);
                sum += scalar(r, name);
            }
            assert_true(created > 0);
            assert_same(sum, created);
        }
        sim_result_destroy(r);
    }
    mdl_scenario_fini(&sc);
}

static void same_seed_same_numbers_whatever_the_thread_count(void **state)
{
    (void)state;
    mdl_scenario sc;
    load(&sc, landscape, NULL, 0);
    char *text[3];
    int threads[3] = {1, 2, 1};
    for (int i = 0; i < 3; i++) {
        sim_experiment_cfg cfg = {.replications = 4, .threads = threads[i], .seed = 7};
        sim_summary *s = NULL;
        sim_err err = {0};
        assert_int_equal(sim_experiment_run(&cfg, mdl_world_run, &sc, &s, &err), SIM_OK);
        text[i] = serialise(s);
        sim_summary_destroy(s);
    }
    assert_string_equal(text[0], text[1]);
    assert_string_equal(text[0], text[2]);
    for (int i = 0; i < 3; i++)
        free(text[i]);
    mdl_scenario_fini(&sc);
}

/* Streams are named per flow and system, so a variant that changes only
 * the orders' client policy sees exactly the same arrivals on every flow:
 * the created counts agree replication by replication. */
static void variants_share_their_arrivals(void **state)
{
    (void)state;
    mdl_scenario base, variant;
    const char *sets[] = {"flows.orders.realtime.timeout=1s",
                          "flows.orders.realtime.breaker.enabled=true"};
    load(&base, landscape, NULL, 0);
    load(&variant, landscape, sets, 2);
    for (int rep = 0; rep < 3; rep++) {
        sim_result *a = sim_result_create(NULL), *b = sim_result_create(NULL);
        assert_int_equal(mdl_world_run(&base, 11, rep, a, NULL), SIM_OK);
        assert_int_equal(mdl_world_run(&variant, 11, rep, b, NULL), SIM_OK);
        assert_same(scalar(a, "flow.orders.created"), scalar(b, "flow.orders.created"));
        assert_same(scalar(a, "flow.taxes.created"), scalar(b, "flow.taxes.created"));
        assert_same(scalar(a, "flow.catalog.created"), scalar(b, "flow.catalog.created"));
        sim_result_destroy(a);
        sim_result_destroy(b);
    }
    mdl_scenario_fini(&base);
    mdl_scenario_fini(&variant);
}

/* A hand-checked case through the whole stack: one real-time flow into a
 * fast endpoint with far more workers than it needs and no fault, under a
 * daily limit it cannot reach. Every record is delivered with exactly one
 * call, and all the calls of a one-day run fall into one rolling 24 h
 * window, so the quota's peak equals the records created and it never
 * refuses a call. */
static void quota_peak_counts_every_call_of_the_day(void **state)
{
    (void)state;
    static const char text[] = "name: quota\n"
                               "horizon: 1d\n"
                               "seed: 3\n"
                               "systems:\n"
                               "  - id: erp\n"
                               "    kind: generic\n"
                               "    api:\n"
                               "      workers: 64\n"
                               "      latency_p50: 10ms\n"
                               "      latency_p95: 20ms\n"
                               "      daily_limit: 1M\n"
                               "  - id: web\n"
                               "    kind: generic\n"
                               "callers:\n"
                               "  - id: app\n"
                               "    pool_size: 64\n"
                               "flows:\n"
                               "  - id: F\n"
                               "    source: web\n"
                               "    target: erp\n"
                               "    volume: 2000/day\n"
                               "    pattern: realtime\n"
                               "    caller: app\n";
    mdl_scenario sc;
    load(&sc, text, NULL, 0);
    sim_result *r = sim_result_create(NULL);
    assert_int_equal(mdl_world_run(&sc, 3, 0, r, NULL), SIM_OK);
    double created = scalar(r, "flow.F.created");
    /* Poisson with mean 2000: within 5 standard deviations (sqrt(2000) = 45). */
    assert_true(fabs(created - 2000) < 5 * sqrt(2000.0));
    assert_same(scalar(r, "flow.F.delivered"), created);
    assert_same(scalar(r, "flow.F.calls"), created);
    /* One call per record, all within the day's rolling window. */
    assert_same(scalar(r, "system.erp.quota_peak"), created);
    assert_same(scalar(r, "system.erp.quota_exhausted_at"), -1.0);
    sim_result_destroy(r);
    mdl_scenario_fini(&sc);
}

/* A batch writing into a system with CDC on for its object publishes a
 * change event per record written, and the CDC subscriber's deliveries
 * count against the system's shared allocation; writing another object
 * publishes nothing. The run at 01:00 on day 1 writes the ~20,000 records
 * created since the run of day 0. */
static const char cdc_landscape[] = "name: cdc\n"
                                    "horizon: 2d\n"
                                    "seed: 5\n"
                                    "systems:\n"
                                    "  - id: crm\n"
                                    "    kind: salesforce\n"
                                    "    events:\n"
                                    "      cdc_objects: [Order]\n"
                                    "  - id: erp\n"
                                    "    kind: generic\n"
                                    "    api:\n"
                                    "      workers: 16\n"
                                    "  - id: wms\n"
                                    "    kind: generic\n"
                                    "flows:\n"
                                    "  - id: orders\n"
                                    "    source: crm\n"
                                    "    target: erp\n"
                                    "    volume: 1000/day\n"
                                    "    pattern: event\n"
                                    "    event:\n"
                                    "      subscribers:\n"
                                    "        - id: connector\n"
                                    "  - id: load\n"
                                    "    source: wms\n"
                                    "    target: crm\n"
                                    "    volume: 20k/day\n"
                                    "    pattern: batch\n"
                                    "    object: Order\n"
                                    "    batch:\n"
                                    "      schedule: daily 01:00\n"
                                    "      window: 4h\n";

static void batch_writes_publish_cdc_only_for_cdc_objects(void **state)
{
    (void)state;
    const char *other[] = {"flows.load.object=Product2"};
    const char *deaf[] = {"flows.orders.event.subscribers.connector.cdc=false"};
    mdl_scenario on, off, unsubscribed;
    load(&on, cdc_landscape, NULL, 0);
    load(&off, cdc_landscape, other, 1);
    load(&unsubscribed, cdc_landscape, deaf, 1);
    sim_result *a = sim_result_create(NULL), *b = sim_result_create(NULL);
    sim_result *c = sim_result_create(NULL);
    assert_int_equal(mdl_world_run(&on, 5, 0, a, NULL), SIM_OK);
    assert_int_equal(mdl_world_run(&off, 5, 0, b, NULL), SIM_OK);
    assert_int_equal(mdl_world_run(&unsubscribed, 5, 0, c, NULL), SIM_OK);
    double with = scalar(a, "channel.crm.allocation_used_peak");
    double without = scalar(b, "channel.crm.allocation_used_peak");
    /* A subscriber with cdc: false reads only its flow's events: the change
     * events are published but nobody receives them, so no delivery counts,
     * exactly as when nothing was published. */
    assert_same(scalar(c, "channel.crm.allocation_used_peak"), without);
    sim_result_destroy(c);
    mdl_scenario_fini(&unsubscribed);
    /* Without CDC only the orders are delivered: at most the ~2,000 created
     * in two days (Poisson, 5 sd = 224 above). With CDC the load's ~20,000
     * records of day 0 are delivered on day 1 too. */
    assert_true(without > 0 && without < 2000 + 224);
    assert_true(with > without + 15000);
    sim_result_destroy(a);
    sim_result_destroy(b);
    mdl_scenario_fini(&on);
    mdl_scenario_fini(&off);
}

/* Faults switched off (--no-faults: every fault read with enabled: false)
 * are not injected: the 30-minute hang on erp at 15:00 leaves calls hung
 * with it and none without. */
static void disabled_faults_are_not_injected(void **state)
{
    (void)state;
    mdl_scenario on, off;
    load(&on, landscape, NULL, 0);
    scn_diag diag;
    scn_diag_init(&diag);
    scn_load_opts opts = {.no_faults = 1};
    assert_int_equal(
        scn_load_string("world-test.yaml", landscape, strlen(landscape), &opts, &off, &diag),
        SIM_OK);
    scn_diag_fini(&diag);
    sim_result *a = sim_result_create(NULL), *b = sim_result_create(NULL);
    assert_int_equal(mdl_world_run(&on, 7, 0, a, NULL), SIM_OK);
    assert_int_equal(mdl_world_run(&off, 7, 0, b, NULL), SIM_OK);
    assert_true(scalar(a, "system.erp.hung") > 0);
    assert_same(scalar(b, "system.erp.hung"), 0.0);
    sim_result_destroy(a);
    sim_result_destroy(b);
    mdl_scenario_fini(&on);
    mdl_scenario_fini(&off);
}

/* ---- the limit table ------------------------------------------------------ */

/* Every metric a limit record names is one the run publishes: the table is
 * how the verdict finds a limit's measurements, so a renamed metric must
 * fail here rather than leave a limit silently unmeasured. */
static void check_limit_names(const char *text, int expect[MDL_LIMIT_NKINDS])
{
    mdl_scenario sc;
    load(&sc, text, NULL, 0);
    mdl_limit *t = NULL;
    int n = 0, seen[MDL_LIMIT_NKINDS] = {0};
    assert_int_equal(mdl_world_limits(&sc, &t, &n, NULL), SIM_OK);
    sim_result *r = sim_result_create(NULL);
    assert_int_equal(mdl_world_run(&sc, 1, 0, r, NULL), SIM_OK);
    for (int i = 0; i < n; i++) {
        const char *names[] = {t[i].peak, t[i].exhausted_at, t[i].ran_out, t[i].refused};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (names[k][0] && sim_result_find(r, names[k]) < 0)
                fail_msg("limit %s %s names %s, which the run does not publish",
                         mdl_limit_kind_name(t[i].kind), t[i].id, names[k]);
        assert_true(t[i].limit > 0);
        assert_true(t[i].what[0] && t[i].unit[0] && t[i].peak[0] && t[i].exhausted_at[0]);
        seen[t[i].kind]++;
    }
    for (int k = 0; k < MDL_LIMIT_NKINDS; k++)
        assert_int_equal(seen[k], expect[k]);
    sim_result_destroy(r);
    sim_free(t);
    mdl_scenario_fini(&sc);
}

static void every_limit_names_metrics_the_run_publishes(void **state)
{
    (void)state;
    /* erp's daily limit and the backend's pool */
    int a[MDL_LIMIT_NKINDS] = {[MDL_LIMIT_QUOTA] = 1, [MDL_LIMIT_CALLER_POOL] = 1};
    check_limit_names(landscape, a);
    /* the salesforce preset: daily limit, bulk batches and records, allocation */
    int b[MDL_LIMIT_NKINDS] = {[MDL_LIMIT_QUOTA] = 1,
                               [MDL_LIMIT_BULK_BATCHES] = 1,
                               [MDL_LIMIT_BULK_RECORDS] = 1,
                               [MDL_LIMIT_ALLOCATION] = 1};
    check_limit_names(cdc_landscape, b);
}

/* ---- client and server policy keys reach the models --------------------- */

/* One real-time flow web -> erp; the keys under test come in --set. */
static const char policy_landscape[] = "name: policy\n"
                                       "horizon: 1d\n"
                                       "seed: 9\n"
                                       "systems:\n"
                                       "  - id: erp\n"
                                       "    kind: generic\n"
                                       "    api:\n"
                                       "      workers: 64\n"
                                       "      latency_p50: 1s\n"
                                       "      latency_p95: 1100ms\n"
                                       "  - id: web\n"
                                       "    kind: generic\n"
                                       "callers:\n"
                                       "  - id: app\n"
                                       "    pool_size: 64\n"
                                       "flows:\n"
                                       "  - id: F\n"
                                       "    source: web\n"
                                       "    target: erp\n"
                                       "    volume: 2000/day\n"
                                       "    pattern: realtime\n"
                                       "    caller: app\n"
                                       "    realtime:\n"
                                       "      timeout: 30s\n";

/* Runs policy_landscape with the overrides, replication 0. */
static sim_result *run_policy(const char *const *sets, int nsets)
{
    mdl_scenario sc;
    load(&sc, policy_landscape, sets, nsets);
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    sim_err err = {0};
    int rc = mdl_world_run(&sc, 9, 0, r, &err);
    if (rc != SIM_OK)
        fail_msg("run: %s", err.msg);
    mdl_scenario_fini(&sc);
    return r;
}

/* systems[].api.server_timeout: a service of 10-11 s (p50 10 s, p95 11 s:
 * sigma = ln 1.1 / 1.645 = 0.058, so a service under 5 s is 12 sigma away)
 * on an endpoint that aborts after 5 s. Every call is aborted and answered
 * 5xx at 5 s, before the client's 30 s timeout: every record is rejected
 * unavailable after its 3 attempts, and the client's unavailable attempts
 * are exactly the endpoint's aborts. Without the key every record is
 * delivered. */
static void a_server_timeout_aborts_every_long_call(void **state)
{
    (void)state;
    const char *slow[] = {"systems.erp.api.latency_p50=10s", "systems.erp.api.latency_p95=11s",
                          "systems.erp.api.server_timeout=5s"};
    sim_result *r = run_policy(slow, 3);
    double created = scalar(r, "flow.F.created"), pending = scalar(r, "flow.F.pending");
    assert_same(scalar(r, "flow.F.delivered"), 0.0);
    assert_same(scalar(r, "flow.F.rejected.unavailable") + pending, created);
    assert_same(scalar(r, "flow.F.attempt_unavailable"), scalar(r, "system.erp.server_timeouts"));
    assert_true(scalar(r, "system.erp.server_timeouts") >= 3 * (created - pending));
    sim_result_destroy(r);
    r = run_policy(slow, 2);
    assert_same(scalar(r, "flow.F.delivered") + scalar(r, "flow.F.pending"),
                scalar(r, "flow.F.created"));
    assert_same(scalar(r, "system.erp.server_timeouts"), 0.0);
    sim_result_destroy(r);
}

/* flows[].realtime.retries.honour_retry_after: 1 call per 60 s against
 * ~2000 records a day (two within a minute now and then: 429s). Retries have
 * no jitter, base 100 ms, 2 attempts: a client that ignores Retry-After
 * sleeps exactly expo(1) = 200 ms before each retry; one that honours it
 * sleeps the header, a whole number of seconds >= 1 s. */
static void ignoring_retry_after_sleeps_the_backoff_formula(void **state)
{
    (void)state;
    const char *honour[] = {"systems.erp.api.rate_limit=1",
                            "systems.erp.api.rate_window=60s",
                            "flows.F.realtime.retries.jitter=none",
                            "flows.F.realtime.retries.base=100ms",
                            "flows.F.realtime.retries.max_attempts=2",
                            "flows.F.realtime.retries.honour_retry_after=false"};
    sim_result *r = run_policy(honour, 6);
    double retries = scalar(r, "flow.F.retries");
    assert_true(retries > 0);
    assert_true(fabs(scalar(r, "flow.F.retry_sleep_s") - 0.2 * retries) < 1e-9 * retries);
    sim_result_destroy(r);
    r = run_policy(honour, 5);
    retries = scalar(r, "flow.F.retries");
    assert_true(retries > 0);
    assert_true(scalar(r, "flow.F.retry_sleep_s") >= 1.0 * retries);
    sim_result_destroy(r);
}

/* callers[].pool_wait: one thread, calls of 1-1.1 s, ~2000 records a day
 * (one every 43 s on average, so another arrives during a call now and
 * then: about 2000 x 1 s / 43 s = 46 a day). With pool_wait 0 those are
 * rejected pool_full; with pool_wait 10 s they wait (a line 10 s long would
 * need ~10 arrivals within 10 s) and are delivered. */
static void records_wait_for_a_caller_thread_with_pool_wait(void **state)
{
    (void)state;
    const char *one[] = {"callers.app.pool_size=1", "callers.app.pool_wait=10s"};
    sim_result *r = run_policy(one, 1);
    double refused = scalar(r, "caller.app.pool_refused");
    assert_true(refused > 0);
    assert_same(scalar(r, "flow.F.rejected.pool_full"), refused);
    assert_same(scalar(r, "caller.app.pool_waited"), 0.0);
    sim_result_destroy(r);
    r = run_policy(one, 2);
    assert_same(scalar(r, "flow.F.rejected.pool_full"), 0.0);
    assert_true(scalar(r, "caller.app.pool_waited") > 0);
    assert_same(scalar(r, "caller.app.pool_wait_refused"), 0.0);
    assert_true(scalar(r, "caller.app.pool_wait_mean_s") > 0);
    assert_same(scalar(r, "flow.F.delivered") + scalar(r, "flow.F.pending"),
                scalar(r, "flow.F.created"));
    sim_result_destroy(r);
}

/* flows[].realtime.breaker: ~100 records a day into a 4 h fail-fast outage
 * (~17 records, 3 attempts each within ~1.5 s). Window 10, minimum 7:
 *   count      7 failed outcomes of the last 10 calls: open after the third
 *              record of the outage;
 *   time       7 outcomes within 10 s would need 3 records within 10 s
 *              (at 100/day, about 1e-4 per outage): never opens;
 *   consecutive_failures 1000 with the count window: the rate rule is still
 *              on, so it opens as with count (it used to switch the rate
 *              rule off);
 *   none + consecutive_failures 1000: only the streak, never reached.
 * The loader gives window_type none one half-open call, otherwise 10. */
static void the_breaker_window_type_and_both_rules_reach_the_model(void **state)
{
    (void)state;
    static const char *base[] = {"flows.F.volume=100/day", "flows.F.realtime.breaker.enabled=true",
                                 "flows.F.realtime.breaker.window_size=10",
                                 "flows.F.realtime.breaker.minimum_calls=7", NULL};
    static const char *const extra[4][2] = {
        {"flows.F.realtime.breaker.window_type=count", NULL},
        {"flows.F.realtime.breaker.window_type=time", NULL},
        {"flows.F.realtime.breaker.window_type=count",
         "flows.F.realtime.breaker.consecutive_failures=1000"},
        {"flows.F.realtime.breaker.window_type=none",
         "flows.F.realtime.breaker.consecutive_failures=1000"},
    };
    const int opens[4] = {1, 0, 1, 0};
    char text[sizeof policy_landscape + 200];
    snprintf(text, sizeof text,
             "%sfaults:\n  - {kind: outage, system: erp, start: 2h, duration: 4h, "
             "mode: fail-fast}\n",
             policy_landscape);
    for (int v = 0; v < 4; v++) {
        const char *sets[6];
        int n = 0;
        for (int k = 0; base[k]; k++)
            sets[n++] = base[k];
        for (int k = 0; k < 2 && extra[v][k]; k++)
            sets[n++] = extra[v][k];
        mdl_scenario sc;
        load(&sc, text, sets, n);
        assert_int_equal(sc.flows[0].realtime.breaker.half_open_calls, v == 3 ? 1 : 10);
        sim_result *r = sim_result_create(NULL);
        assert_int_equal(mdl_world_run(&sc, 9, 0, r, NULL), SIM_OK);
        double opened = scalar(r, "flow.F.breaker_opened");
        if (opens[v] ? !(opened > 0) : opened != 0)
            fail_msg("variant %d (%s, %s): breaker opened %g times", v, extra[v][0],
                     extra[v][1] ? extra[v][1] : "-", opened);
        sim_result_destroy(r);
        mdl_scenario_fini(&sc);
    }
}

/* A real-time flow writing Order into a system with CDC on for Order
 * publishes one change event per record delivered: the CDC subscriber's
 * deliveries (the channel's allocation use) grow by the records the flow
 * delivered, which a Product2 writer does not add. */
static const char rt_cdc[] = "name: rt-cdc\n"
                             "horizon: 1d\n"
                             "seed: 9\n"
                             "systems:\n"
                             "  - id: crm\n"
                             "    kind: salesforce\n"
                             "    events:\n"
                             "      cdc_objects: [Order]\n"
                             "  - id: erp\n"
                             "    kind: generic\n"
                             "    api:\n"
                             "      workers: 16\n"
                             "  - id: web\n"
                             "    kind: generic\n"
                             "callers:\n"
                             "  - id: shop\n"
                             "    pool_size: 64\n"
                             "flows:\n"
                             "  - id: sync\n"
                             "    source: crm\n"
                             "    target: erp\n"
                             "    volume: 100/day\n"
                             "    pattern: event\n"
                             "  - id: orders\n"
                             "    source: web\n"
                             "    target: crm\n"
                             "    volume: 3000/day\n"
                             "    pattern: realtime\n"
                             "    caller: shop\n"
                             "    object: Order\n";

static void realtime_writes_publish_cdc_for_cdc_objects(void **state)
{
    (void)state;
    const char *other[] = {"flows.orders.object=Product2"};
    mdl_scenario on, off;
    load(&on, rt_cdc, NULL, 0);
    load(&off, rt_cdc, other, 1);
    sim_result *a = sim_result_create(NULL), *b = sim_result_create(NULL);
    assert_int_equal(mdl_world_run(&on, 9, 0, a, NULL), SIM_OK);
    assert_int_equal(mdl_world_run(&off, 9, 0, b, NULL), SIM_OK);
    /* Same seed, same arrivals: the writer delivers the same records in
     * both runs, and only the Order writer's records are published. */
    double delivered = scalar(a, "flow.orders.delivered");
    assert_same(delivered, scalar(b, "flow.orders.delivered"));
    assert_true(delivered > 2000);
    assert_same(scalar(a, "channel.crm.cdc_published"), delivered);
    assert_same(scalar(b, "channel.crm.cdc_published"), 0.0);
    sim_result_destroy(a);
    sim_result_destroy(b);
    mdl_scenario_fini(&on);
    mdl_scenario_fini(&off);
}

/* The watch's log: its calls, and whether to stop at one of them. */
typedef struct world_watch {
    int calls, stop_at;
    sim_time last;
} world_watch;

static int count_look(void *ctx, sim_time now)
{
    world_watch *w = ctx;
    w->calls++;
    w->last = now;
    return w->calls == w->stop_at;
}

/* A watched run fires the same events (the same metrics, exactly) and
 * looks at every hour of the day but the last: the quota is sampled every
 * series interval (2 minutes over 1 day), so every hour mark before the
 * horizon has a later event and sim_queue.h promises a look there. */
static void a_watched_run_gives_the_same_numbers_and_looks_every_step(void **state)
{
    (void)state;
    mdl_scenario sc;
    load(&sc, landscape, NULL, 0);
    sim_result *a = sim_result_create(NULL), *b = sim_result_create(NULL);
    world_watch w = {0};
    sim_watch watch = {.every = SIM_HOUR, .fn = count_look, .ctx = &w};
    assert_int_equal(mdl_world_run(&sc, 5, 1, a, NULL), SIM_OK);
    assert_int_equal(mdl_world_run_watched(&sc, 5, 1, &watch, b, NULL), SIM_OK);
    assert_int_equal(w.calls, 23);
    assert_int_equal(w.last, 23 * SIM_HOUR);
    assert_int_equal(sim_result_count(a), sim_result_count(b));
    for (size_t i = 0; i < sim_result_count(a); i++) {
        assert_string_equal(sim_result_name(a, i), sim_result_name(b, i));
        double x = sim_result_value(a, i), y = sim_result_value(b, i);
        assert_memory_equal(&x, &y, sizeof x); /* NaN == NaN bit for bit */
    }
    sim_result_destroy(a);
    sim_result_destroy(b);

    /* A watch that says stop ends the replication there, publishing
     * nothing. */
    world_watch stop = {.stop_at = 5};
    sim_watch stopper = {.every = SIM_HOUR, .fn = count_look, .ctx = &stop};
    sim_result *c = sim_result_create(NULL);
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(mdl_world_run_watched(&sc, 5, 1, &stopper, c, &err), SIM_ECANCELED);
    assert_int_equal(err.code, SIM_ECANCELED);
    assert_int_equal(stop.calls, 5);
    assert_int_equal(sim_result_count(c), 0);
    sim_result_destroy(c);
    mdl_scenario_fini(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_record_is_accounted_for),
        cmocka_unit_test(deterministic_and_trace_flows_create_exact_counts),
        cmocka_unit_test(extracting_from_salesforce_spends_its_quota),
        cmocka_unit_test(subscriber_writes_publish_echoes_that_the_filter_drops),
        cmocka_unit_test(a_bulk_load_fault_runs_with_its_own_batch_keys),
        cmocka_unit_test(same_seed_same_numbers_whatever_the_thread_count),
        cmocka_unit_test(variants_share_their_arrivals),
        cmocka_unit_test(quota_peak_counts_every_call_of_the_day),
        cmocka_unit_test(batch_writes_publish_cdc_only_for_cdc_objects),
        cmocka_unit_test(every_limit_names_metrics_the_run_publishes),
        cmocka_unit_test(disabled_faults_are_not_injected),
        cmocka_unit_test(realtime_writes_publish_cdc_for_cdc_objects),
        cmocka_unit_test(a_server_timeout_aborts_every_long_call),
        cmocka_unit_test(ignoring_retry_after_sleeps_the_backoff_formula),
        cmocka_unit_test(records_wait_for_a_caller_thread_with_pool_wait),
        cmocka_unit_test(the_breaker_window_type_and_both_rules_reach_the_model),
        cmocka_unit_test(a_watched_run_gives_the_same_numbers_and_looks_every_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
