/*
 * test_mdl_ledger.c - where every record change ends: counts by state and
 * reason, conservation, published metrics and latency quantiles.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_ledger.h"
#include "sim_alloc.h"
#include "sim_result.h"
#include "sim_stats.h"

#define assert_close(actual, expected, tol)                                                        \
    check_close((actual), (expected), (tol), #actual, __FILE__, __LINE__)

static void check_close(double actual, double expected, double tol, const char *what,
                        const char *file, int line)
{
    if (!(fabs(actual - expected) <= tol))
        fail_msg("%s:%d: %s = %.17g, expected %.17g +- %g", file, line, what, actual, expected,
                 tol);
}

static const char *const ids[] = {"F-001", "F-002"};

/* The value of scalar metric `name` in r, failing if it is absent. */
static double metric(const sim_result *r, const char *name)
{
    long i = sim_result_find(r, name);
    if (i < 0)
        fail_msg("metric %s is missing", name);
    assert_int_equal(sim_result_kind(r, (size_t)i), SIM_METRIC_SCALAR);
    return sim_result_value(r, (size_t)i);
}

static const char *unit_of(const sim_result *r, const char *name)
{
    long i = sim_result_find(r, name);
    if (i < 0)
        fail_msg("metric %s is missing", name);
    return sim_result_unit(r, (size_t)i);
}

/* Flow 0: 10 created; 4 delivered (3 ok, 1 repaired), 2 rejected by timeout,
 * 1 rejected by quota, 1 dead-lettered (retries), 1 lost (retention), 1 still
 * pending. Flow 1: 5 created, 5 delivered. */
static mdl_ledger *sample_ledger(void)
{
    mdl_ledger *l = mdl_ledger_create(2, ids, NULL);
    assert_non_null(l);
    mdl_ledger_created(l, 0, 7);
    mdl_ledger_created(l, 0, 3);
    mdl_ledger_delivered(l, 0, 100 * SIM_MS);
    mdl_ledger_end(l, 0, MDL_DELIVERED, MDL_R_OK, 2, 200 * SIM_MS);
    mdl_ledger_end(l, 0, MDL_DELIVERED, MDL_R_REPAIRED, 1, SIM_DAY);
    mdl_ledger_end(l, 0, MDL_REJECTED, MDL_R_TIMEOUT, 2, 0);
    mdl_ledger_end(l, 0, MDL_REJECTED, MDL_R_QUOTA, 1, 0);
    mdl_ledger_end(l, 0, MDL_DEAD_LETTERED, MDL_R_RETRIES, 1, 0);
    mdl_ledger_end(l, 0, MDL_LOST, MDL_R_RETENTION, 1, 0);
    mdl_ledger_duplicate(l, 0, 2);
    mdl_ledger_corrupted(l, 0, 1);
    mdl_ledger_calls(l, 0, 25);
    mdl_ledger_created(l, 1, 5);
    mdl_ledger_end(l, 1, MDL_DELIVERED, MDL_R_OK, 5, 2 * SIM_SEC);
    mdl_ledger_calls(l, 1, 5);
    return l;
}

static void counts_add_up_by_state_and_reason(void **state)
{
    (void)state;
    mdl_ledger *l = sample_ledger();
    assert_int_equal(mdl_ledger_created_count(l, 0), 10);
    assert_int_equal(mdl_ledger_count(l, 0, MDL_DELIVERED), 4);
    assert_int_equal(mdl_ledger_count(l, 0, MDL_REJECTED), 3);
    assert_int_equal(mdl_ledger_count(l, 0, MDL_DEAD_LETTERED), 1);
    assert_int_equal(mdl_ledger_count(l, 0, MDL_LOST), 1);
    assert_int_equal(mdl_ledger_count_reason(l, 0, MDL_DELIVERED, MDL_R_OK), 3);
    assert_int_equal(mdl_ledger_count_reason(l, 0, MDL_DELIVERED, MDL_R_REPAIRED), 1);
    assert_int_equal(mdl_ledger_count_reason(l, 0, MDL_REJECTED, MDL_R_TIMEOUT), 2);
    assert_int_equal(mdl_ledger_count_reason(l, 0, MDL_REJECTED, MDL_R_QUOTA), 1);
    assert_int_equal(mdl_ledger_count_reason(l, 0, MDL_REJECTED, MDL_R_POOL_FULL), 0);
    assert_int_equal(mdl_ledger_count_reason(l, 0, MDL_LOST, MDL_R_RETENTION), 1);
    assert_int_equal(mdl_ledger_created_count(l, 1), 5);
    assert_int_equal(mdl_ledger_count(l, 1, MDL_DELIVERED), 5);
    assert_int_equal(mdl_ledger_count(l, 1, MDL_REJECTED), 0);
    mdl_ledger_destroy(l);
}

static void conservation_holds_when_the_pending_records_are_counted(void **state)
{
    (void)state;
    mdl_ledger *l = sample_ledger();
    /* 10 = 4 + 3 + 1 + 1 + 1 pending; 5 = 5 + 0 pending. */
    uint64_t pending[2] = {1, 0};
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(mdl_ledger_check(l, pending, &err), SIM_OK);
    assert_int_equal(err.code, SIM_OK);
    mdl_ledger_destroy(l);
}

static void conservation_failure_names_the_flow(void **state)
{
    (void)state;
    mdl_ledger *l = sample_ledger();
    uint64_t pending[2] = {1, 0};
    mdl_ledger_created(l, 1, 1); /* one record of F-002 is unaccounted for */
    sim_err err;
    assert_int_equal(mdl_ledger_check(l, pending, &err), SIM_EINTERNAL);
    assert_int_equal(err.code, SIM_EINTERNAL);
    assert_non_null(strstr(err.msg, "F-002"));
    assert_null(strstr(err.msg, "F-001"));
    assert_non_null(strstr(err.msg, "created 6"));

    /* Too many pending for F-001 breaks it too, and it is named first. */
    pending[0] = 2;
    assert_int_equal(mdl_ledger_check(l, pending, &err), SIM_EINTERNAL);
    assert_non_null(strstr(err.msg, "F-001"));
    /* Without a pending list nothing is in flight: F-001 misses 1. */
    assert_int_equal(mdl_ledger_check(l, NULL, &err), SIM_EINTERNAL);
    assert_non_null(strstr(err.msg, "F-001"));
    mdl_ledger_destroy(l);
}

/* Metrics per flow: created; per state its total and every reason of the
 * state (delivered: ok, repaired; rejected, dead_lettered, lost: the 15
 * other reasons each); pending, duplicates, corrupted, calls,
 * calls_per_record; latency mean/p50/p95/p99/max; the latency histogram. */
#define OTHER_REASONS    (MDL_R_COUNT - 2)
#define METRICS_PER_FLOW (1 + (1 + 2) + 3 * (1 + OTHER_REASONS) + 5 + 5 + 1)

static void publish_writes_every_metric_with_its_name_unit_and_value(void **state)
{
    (void)state;
    mdl_ledger *l = sample_ledger();
    uint64_t pending[2] = {1, 0};
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_ledger_publish(l, pending, r, NULL), SIM_OK);
    assert_int_equal(sim_result_count(r), 2 * METRICS_PER_FLOW);

    assert_close(metric(r, "flow.F-001.created"), 10, 0);
    assert_close(metric(r, "flow.F-001.delivered"), 4, 0);
    assert_close(metric(r, "flow.F-001.delivered.ok"), 3, 0);
    assert_close(metric(r, "flow.F-001.delivered.repaired"), 1, 0);
    assert_close(metric(r, "flow.F-001.rejected"), 3, 0);
    assert_close(metric(r, "flow.F-001.rejected.timeout"), 2, 0);
    assert_close(metric(r, "flow.F-001.rejected.quota"), 1, 0);
    assert_close(metric(r, "flow.F-001.rejected.pool_full"), 0, 0); /* zeros are listed */
    assert_close(metric(r, "flow.F-001.dead_lettered"), 1, 0);
    assert_close(metric(r, "flow.F-001.dead_lettered.retries"), 1, 0);
    assert_close(metric(r, "flow.F-001.lost"), 1, 0);
    assert_close(metric(r, "flow.F-001.lost.retention"), 1, 0);
    assert_close(metric(r, "flow.F-001.lost.no_replay_id"), 0, 0);
    assert_close(metric(r, "flow.F-001.pending"), 1, 0);
    assert_close(metric(r, "flow.F-001.duplicates"), 2, 0);
    assert_close(metric(r, "flow.F-001.corrupted"), 1, 0);
    assert_close(metric(r, "flow.F-001.calls"), 25, 0);
    assert_close(metric(r, "flow.F-001.calls_per_record"), 25.0 / 10.0, 1e-15);
    assert_close(metric(r, "flow.F-002.calls_per_record"), 5.0 / 5.0, 1e-15);
    /* Reasons that belong to another state are not listed. */
    assert_true(sim_result_find(r, "flow.F-001.rejected.ok") < 0);
    assert_true(sim_result_find(r, "flow.F-001.delivered.timeout") < 0);

    assert_string_equal(unit_of(r, "flow.F-001.created"), "records");
    assert_string_equal(unit_of(r, "flow.F-001.lost.retention"), "records");
    assert_string_equal(unit_of(r, "flow.F-001.calls"), "calls");
    assert_string_equal(unit_of(r, "flow.F-001.calls_per_record"), "calls/record");
    assert_string_equal(unit_of(r, "flow.F-001.latency_p99"), "s");

    /* Flow 0 latencies: 0.1, 0.2, 0.2, 86400 s. Mean and max are exact;
     * the max is the exact day. */
    assert_close(metric(r, "flow.F-001.latency_mean"), (0.1 + 0.2 + 0.2 + 86400.0) / 4, 1e-9);
    assert_close(metric(r, "flow.F-001.latency_max"), 86400.0, 0);
    /* p50 is the 2nd of 4 sorted values (rank ceil(0.5 * 4) = 2): 0.2 s,
     * within the histogram's 1%. */
    assert_close(metric(r, "flow.F-001.latency_p50"), 0.2, 0.01 * 0.2);
    long h = sim_result_find(r, "flow.F-001.latency");
    assert_true(h >= 0);
    assert_int_equal(sim_result_kind(r, (size_t)h), SIM_METRIC_HIST);
    assert_string_equal(sim_result_unit(r, (size_t)h), "s");
    assert_int_equal(sim_hist_count(sim_result_hist_at(r, (size_t)h)), 4);
    assert_close(metric(r, "flow.F-002.latency_p95"), 2.0, 0.01 * 2.0);

    sim_result_destroy(r);
    mdl_ledger_destroy(l);
}

static void an_empty_ledger_lists_the_same_metrics_with_nan_latency(void **state)
{
    (void)state;
    mdl_ledger *full = sample_ledger();
    mdl_ledger *empty = mdl_ledger_create(2, ids, NULL);
    assert_non_null(empty);
    sim_result *a = sim_result_create(NULL);
    sim_result *b = sim_result_create(NULL);
    assert_non_null(a);
    assert_non_null(b);
    uint64_t pending[2] = {1, 0};
    assert_int_equal(mdl_ledger_publish(full, pending, a, NULL), SIM_OK);
    assert_int_equal(mdl_ledger_publish(empty, NULL, b, NULL), SIM_OK);
    /* Replications must list identical metrics in identical order. */
    assert_int_equal(sim_result_count(a), sim_result_count(b));
    for (size_t i = 0; i < sim_result_count(a); i++) {
        assert_string_equal(sim_result_name(a, i), sim_result_name(b, i));
        assert_string_equal(sim_result_unit(a, i), sim_result_unit(b, i));
    }
    /* Nothing delivered or created: latency and calls per record are
     * undefined. */
    assert_true(isnan(metric(b, "flow.F-001.latency_p50")));
    assert_true(isnan(metric(b, "flow.F-001.latency_max")));
    assert_true(isnan(metric(b, "flow.F-001.calls_per_record")));
    assert_close(metric(b, "flow.F-001.created"), 0, 0);
    sim_result_destroy(a);
    sim_result_destroy(b);
    mdl_ledger_destroy(empty);
    mdl_ledger_destroy(full);
}

static void latency_quantiles_are_within_one_percent(void **state)
{
    (void)state;
    static const char *const one[] = {"F-9"};
    mdl_ledger *l = mdl_ledger_create(1, one, NULL);
    assert_non_null(l);
    /* Latencies 1 ms, 2 ms, ..., 10000 ms: the value of rank k is k ms, so
     * p50 = rank 5000 = 5 s, p95 = rank 9500 = 9.5 s, p99 = rank 9900 =
     * 9.9 s (rank ceil(q n), sim_stats.h); max 10 s and mean 5.0005 s are
     * exact. The histogram promises 1% on quantiles. */
    enum { N = 10000 };
    mdl_ledger_created(l, 0, N);
    for (int k = N; k >= 1; k--) /* order must not matter */
        mdl_ledger_delivered(l, 0, (sim_time)k * SIM_MS);
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_ledger_publish(l, NULL, r, NULL), SIM_OK);
    assert_close(metric(r, "flow.F-9.latency_p50"), 5.0, 0.01 * 5.0);
    assert_close(metric(r, "flow.F-9.latency_p95"), 9.5, 0.01 * 9.5);
    assert_close(metric(r, "flow.F-9.latency_p99"), 9.9, 0.01 * 9.9);
    assert_close(metric(r, "flow.F-9.latency_max"), 10.0, 1e-12);
    assert_close(metric(r, "flow.F-9.latency_mean"), (N + 1) / 2.0 / 1000.0, 1e-9);
    assert_close(metric(r, "flow.F-9.delivered"), N, 0);
    sim_result_destroy(r);
    mdl_ledger_destroy(l);
}

static void reset_stats_forgets_latency_and_calls_but_keeps_counts(void **state)
{
    (void)state;
    mdl_ledger *l = sample_ledger();
    mdl_ledger_reset_stats(l);
    /* After the warm-up: 4 more records, one delivered at 3 s, 6 calls. */
    mdl_ledger_created(l, 0, 4);
    mdl_ledger_delivered(l, 0, 3 * SIM_SEC);
    mdl_ledger_calls(l, 0, 6);
    assert_int_equal(mdl_ledger_created_count(l, 0), 14);
    assert_int_equal(mdl_ledger_count(l, 0, MDL_DELIVERED), 5);
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    uint64_t pending[2] = {4, 0};
    assert_int_equal(mdl_ledger_publish(l, pending, r, NULL), SIM_OK);
    assert_close(metric(r, "flow.F-001.calls"), 6, 0);
    /* 6 calls for the 4 records created since the reset. */
    assert_close(metric(r, "flow.F-001.calls_per_record"), 6.0 / 4.0, 1e-15);
    assert_close(metric(r, "flow.F-001.latency_max"), 3.0, 0);
    assert_close(metric(r, "flow.F-001.latency_mean"), 3.0, 0);
    assert_true(isnan(metric(r, "flow.F-002.latency_mean"))); /* F-002: none since */
    assert_close(metric(r, "flow.F-001.created"), 14, 0);
    assert_int_equal(mdl_ledger_check(l, pending, NULL), SIM_OK);
    sim_result_destroy(r);
    mdl_ledger_destroy(l);
}

/* The published latency histogram of flow "F-9" in r. */
static const sim_hist *latency_hist(const sim_result *r)
{
    long i = sim_result_find(r, "flow.F-9.latency");
    assert_true(i >= 0);
    return sim_result_hist_at(r, (size_t)i);
}

/* The ledger holds latencies back and adds them to the histogram in
 * batches (mdl_ledger.c, Pending). A publish in the middle of a run must
 * see every latency recorded before it, in the order recorded, and a reset
 * must forget them. Hand values: latencies k ms for k = 1..1000 (1000 is
 * not a multiple of the batch, so some are still held back), 3 records at
 * 2 s in the middle (an add of n > 1), a run of 4 at k = 700
 * (mdl_ledger_delivered_n), then 10 at 5 s and, after a reset,
 * one at 7 ms. The reference is a histogram fed the same values in the
 * same order at once: every count, min, max and mean must be equal bit
 * for bit (the same additions in the same order). */
static void a_publish_mid_run_sees_every_latency_recorded_before_it(void **state)
{
    (void)state;
    static const char *const one[] = {"F-9"};
    mdl_ledger *l = mdl_ledger_create(1, one, NULL);
    sim_hist *ref = sim_hist_create(NULL);
    assert_non_null(l);
    assert_non_null(ref);
    mdl_ledger_created(l, 0, 1021);
    for (int k = 1; k <= 1000; k++) {
        mdl_ledger_delivered(l, 0, (sim_time)k * SIM_MS);
        sim_hist_add(ref, sim_time_to_seconds((sim_time)k * SIM_MS));
        if (k == 500) {
            mdl_ledger_end(l, 0, MDL_DELIVERED, MDL_R_OK, 3, 2 * SIM_SEC);
            sim_hist_add_n(ref, 2.0, 3);
        }
        if (k == 700) { /* a run at once, behind the latencies held back */
            static const sim_time run[4] = {3 * SIM_MS, SIM_SEC, 250 * SIM_MS, 1500 * SIM_MS};
            mdl_ledger_delivered_n(l, 0, 4, run);
            for (int j = 0; j < 4; j++)
                sim_hist_add(ref, sim_time_to_seconds(run[j]));
        }
    }
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_ledger_publish(l, NULL, r, NULL), SIM_OK);
    const sim_hist *h = latency_hist(r);
    assert_int_equal(sim_hist_count(h), 1007);
    assert_true(sim_hist_max(h) == 2.0);
    assert_true(sim_hist_min(h) == 0.001);
    /* (500.5 s + 6 s + 2.753 s) / 1007; 1e-12 absorbs the order of the
     * additions. */
    assert_close(sim_hist_mean(h), 509.253 / 1007.0, 1e-12);
    assert_true(sim_hist_mean(h) == sim_hist_mean(ref));
    for (double q = 0.0; q <= 1.0; q += 0.01)
        assert_true(sim_hist_quantile(h, q) == sim_hist_quantile(ref, q));
    sim_result_destroy(r);

    /* 10 more: the next publish sees all 1017. */
    for (int k = 0; k < 10; k++) {
        mdl_ledger_delivered(l, 0, 5 * SIM_SEC);
        sim_hist_add(ref, 5.0);
    }
    r = sim_result_create(NULL);
    assert_int_equal(mdl_ledger_publish(l, NULL, r, NULL), SIM_OK);
    h = latency_hist(r);
    assert_int_equal(sim_hist_count(h), 1017);
    assert_true(sim_hist_max(h) == 5.0);
    assert_true(sim_hist_mean(h) == sim_hist_mean(ref));
    sim_result_destroy(r);

    /* Held back, then reset: forgotten. */
    for (int k = 0; k < 3; k++)
        mdl_ledger_delivered(l, 0, 9 * SIM_SEC);
    mdl_ledger_reset_stats(l);
    mdl_ledger_delivered(l, 0, 7 * SIM_MS);
    r = sim_result_create(NULL);
    assert_int_equal(mdl_ledger_publish(l, NULL, r, NULL), SIM_OK);
    h = latency_hist(r);
    assert_int_equal(sim_hist_count(h), 1);
    assert_true(sim_hist_max(h) == 0.007);
    assert_close(metric(r, "flow.F-9.delivered"), 1021, 0);
    sim_result_destroy(r);
    sim_hist_destroy(ref);
    mdl_ledger_destroy(l);
}

/* Publishes l and checks each of its nf flows' latency histogram against
 * ref[f]: the same count, mean, min and max, bit for bit. */
static void publish_matches(mdl_ledger *l, int nf, const char *const *hist_names,
                            sim_hist *const *ref)
{
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_ledger_publish(l, NULL, r, NULL), SIM_OK);
    for (int g = 0; g < nf; g++) {
        long i = sim_result_find(r, hist_names[g]);
        assert_true(i >= 0);
        const sim_hist *h = sim_result_hist_at(r, (size_t)i);
        assert_int_equal(sim_hist_count(h), sim_hist_count(ref[g]));
        if (sim_hist_count(h) == 0)
            continue;
        assert_true(sim_hist_mean(h) == sim_hist_mean(ref[g]));
        assert_true(sim_hist_min(h) == sim_hist_min(ref[g]));
        assert_true(sim_hist_max(h) == sim_hist_max(ref[g]));
    }
    sim_result_destroy(r);
}

/* The latencies held on an acct's line and copied HELD at a time to the
 * pending slots (mdl_ledger.c, Pending) reach each flow's histogram in the
 * order recorded, whatever the counts held at a publish, an add of n > 1
 * or a reset. Three flows interleaved, 6,000 steps drawn by a fixed LCG:
 * single deliveries (most), runs of 2 to 5 (mdl_ledger_delivered_n or
 * mdl_ledger_end with n = 3), publishes and resets, checked at every
 * publish against a histogram per flow fed the same values in the same
 * order at once; then 600 single deliveries of one flow, so that its
 * pending slots fill (twice) between publishes. The latencies are 1 us or
 * 2^33 s (8.6e9 s: once a sum passes 2^34 s its last bit is 2^-18 s, so a
 * 1 us added after it is lost and before it is not) or k ms: the sums,
 * and so the means, are equal bit for bit only in the recorded order. */
static void held_latencies_reach_the_histogram_in_the_order_recorded(void **state)
{
    (void)state;
    enum { NF = 3 };
    static const char *const three[NF] = {"F-a", "F-b", "F-c"};
    static const char *const hist_names[NF] = {"flow.F-a.latency", "flow.F-b.latency",
                                               "flow.F-c.latency"};
    mdl_ledger *l = mdl_ledger_create(NF, three, NULL);
    assert_non_null(l);
    sim_hist *ref[NF];
    for (int f = 0; f < NF; f++) {
        ref[f] = sim_hist_create(NULL);
        assert_non_null(ref[f]);
    }
    const sim_time huge = ((sim_time)1 << 33) * SIM_SEC;
    uint64_t x = 12345;
    int publishes = 0;
    for (int step = 0; step < 6000; step++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        unsigned u = (unsigned)(x >> 33);
        int f = (int)(u % NF);
        unsigned op = (u / NF) % 100;
        unsigned v = (u / (NF * 100)) % 8;
        sim_time lat = v == 0 ? huge : v < 4 ? SIM_US : (sim_time)(v * 7 + step % 13) * SIM_MS;
        mdl_ledger_created(l, f, 5);
        if (op < 85) {
            mdl_ledger_delivered(l, f, lat);
            sim_hist_add(ref[f], sim_time_to_seconds(lat));
        } else if (op < 90) {
            sim_time run[5];
            size_t n = 2 + (size_t)(v % 4);
            for (size_t k = 0; k < n; k++)
                run[k] = k % 2 ? huge : (sim_time)(k + 1) * SIM_US;
            mdl_ledger_delivered_n(l, f, n, run);
            for (size_t k = 0; k < n; k++)
                sim_hist_add(ref[f], sim_time_to_seconds(run[k]));
        } else if (op < 93) {
            mdl_ledger_end(l, f, MDL_DELIVERED, MDL_R_OK, 3, lat);
            sim_hist_add_n(ref[f], sim_time_to_seconds(lat), 3);
        } else if (op < 99) {
            publish_matches(l, NF, hist_names, ref);
            publishes++;
        } else {
            mdl_ledger_reset_stats(l);
            for (int g = 0; g < NF; g++)
                sim_hist_reset(ref[g]);
        }
    }
    assert_true(publishes > 100);
    for (int k = 0; k < 600; k++) {
        sim_time lat = k % 3 == 0 ? huge : SIM_US;
        mdl_ledger_delivered(l, 1, lat);
        sim_hist_add(ref[1], sim_time_to_seconds(lat));
    }
    publish_matches(l, NF, hist_names, ref);
    for (int f = 0; f < NF; f++)
        sim_hist_destroy(ref[f]);
    mdl_ledger_destroy(l);
}

static void names_of_states_and_reasons_are_metric_words(void **state)
{
    (void)state;
    assert_string_equal(mdl_state_name(MDL_DELIVERED), "delivered");
    assert_string_equal(mdl_state_name(MDL_DEAD_LETTERED), "dead_lettered");
    assert_string_equal(mdl_reason_name(MDL_R_RATE_LIMITED), "rate_limited");
    assert_string_equal(mdl_reason_name(MDL_R_NO_REPLAY_ID), "no_replay_id");
    assert_string_equal(mdl_reason_name(MDL_R_DROPPED), "dropped");
    assert_string_equal(mdl_reason_name(MDL_R_COUNT), "unknown");
    for (int k = 0; k < MDL_R_COUNT; k++) {
        const char *n = mdl_reason_name((mdl_reason)k);
        assert_true(strlen(n) > 0);
        assert_null(strchr(n, '.')); /* a name is one path component */
        assert_null(strchr(n, ' '));
    }
}

static void bad_arguments_and_allocation_failures_are_reported(void **state)
{
    (void)state;
    sim_err err;
    static const char *const missing[] = {"F-1", ""};
    assert_null(mdl_ledger_create(2, missing, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_null(mdl_ledger_create(-1, ids, &err));
    assert_int_equal(err.code, SIM_EINVAL);

    /* Every allocation of create may fail; nothing leaks (ASan build). */
    int failures = 0;
    for (long k = 1; k < 50; k++) {
        sim_alloc_fail_after(k);
        mdl_ledger *l = mdl_ledger_create(2, ids, &err);
        sim_alloc_fail_reset();
        if (l) {
            mdl_ledger_destroy(l);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
        failures++;
    }
    assert_true(failures >= 2); /* the ledger, the flows, the histograms */

    /* Publishing under allocation failure reports, and leaks nothing. A
     * fresh ledger each time: publishing first adds the latencies held back
     * (mdl_ledger.c, Pending), and a histogram that lost one for want of
     * memory never publishes again. */
    int published = 0;
    for (long k = 1; k < 1000 && !published; k++) {
        mdl_ledger *l = sample_ledger();
        sim_result *r = sim_result_create(NULL);
        assert_non_null(r);
        sim_alloc_fail_after(k);
        int rc = mdl_ledger_publish(l, NULL, r, &err);
        sim_alloc_fail_reset();
        sim_result_destroy(r);
        mdl_ledger_destroy(l);
        if (rc == SIM_OK)
            published = 1;
        else
            assert_int_equal(rc, SIM_ENOMEM);
    }
    assert_true(published);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_add_up_by_state_and_reason),
        cmocka_unit_test(conservation_holds_when_the_pending_records_are_counted),
        cmocka_unit_test(conservation_failure_names_the_flow),
        cmocka_unit_test(publish_writes_every_metric_with_its_name_unit_and_value),
        cmocka_unit_test(an_empty_ledger_lists_the_same_metrics_with_nan_latency),
        cmocka_unit_test(latency_quantiles_are_within_one_percent),
        cmocka_unit_test(reset_stats_forgets_latency_and_calls_but_keeps_counts),
        cmocka_unit_test(a_publish_mid_run_sees_every_latency_recorded_before_it),
        cmocka_unit_test(held_latencies_reach_the_histogram_in_the_order_recorded),
        cmocka_unit_test(names_of_states_and_reasons_are_metric_words),
        cmocka_unit_test(bad_arguments_and_allocation_failures_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
