/*
 * test_mdl_world_tier.c - the aggregate pass of real-time components
 * (tier R, models/mdl_world.c "Tier R"; docs/models/aggregate.md) against
 * the per-record path (MDL_REF_RECORDS), replication by replication.
 *
 * The pass continues each flow's arrival sequence where the calendar held
 * it and draws the services from the system's own stream in arrival order,
 * which is the order the endpoint's FIFO starts them; a fallback puts both
 * back. So with deterministic services, and even with random ones, a
 * replication on either path gives the same records the same lives: the
 * counts are equal, and a latency, wait or utilisation differs at most by
 * the order in which floating sums were added (1e-9 relative is some
 * thousand times the rounding of a sum of 10^5 terms, 1e5 x 2^-53 = 1e-11).
 * The paths test (test_mdl_world_paths.c) compares distributions; this one
 * is the stricter, pathwise check, plus determinism across threads.
 */
#include <gsl/gsl_errno.h>
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

#include "mdl_world.h"
#include "scn_load.h"
#include "sim_experiment.h"
#include "sim_stats.h"
#include "world_pass.h"

/* Three real-time flows of one caller into one system with a quota and
 * breakers, one day: one component the pass may run. `service` is the
 * endpoint's service block. */
static const char scenario_fmt[] =
    "name: tier-exact\n"
    "horizon: 1d\n"
    "load: 1x\n"
    "seed: 11\n"
    "systems:\n"
    "  - id: crm\n"
    "    kind: generic\n"
    "    api: {workers: 4, latency_p50: 200ms, latency_p95: 800ms, daily_limit: 200k%s}\n"
    "  - id: shop\n"
    "    kind: generic\n"
    "callers:\n"
    "  - {id: app, pool_size: 20}\n"
    "flows:\n"
    "  - {id: R-1, source: shop, target: crm, direction: outbound, volume: 30k/day,\n"
    "     pattern: realtime, caller: app, realtime: {timeout: 5s, breaker: {enabled: true,\n"
    "     consecutive_failures: %s}}}\n"
    "  - {id: R-2, source: shop, target: crm, direction: outbound, volume: 30k/day,\n"
    "     pattern: realtime, caller: app, realtime: {timeout: 5s}}\n"
    "  - {id: R-3, source: shop, target: crm, direction: outbound, volume: 20k/day,\n"
    "     pattern: realtime, caller: app, realtime: {timeout: 5s}}\n";

static const char slow_3s[] = "5, slow_call_duration: 3s";

/* Two flows of one system with deterministic arrivals, T-1 three times as
 * often as T-2: arrival j of T-2 is where its integrated rate reaches
 * j + 1/2, which is where T-1's reaches 3 j + 3/2, T-1's arrival 3 j + 1
 * (flat rates: every 2.16 s and 0.72 s, exact in microseconds). So every
 * arrival of T-2 ties with one of T-1, and T-2 pushed its arrival first
 * (at its previous one, 2.16 s earlier; T-1 0.72 s earlier): the calendar
 * fires T-2's first, against the flows' order. */
static const char ties[] =
    "name: tier-ties\n"
    "horizon: 1d\n"
    "load: 1x\n"
    "seed: 12\n"
    "systems:\n"
    "  - id: crm\n"
    "    kind: generic\n"
    "    api: {workers: 4, latency_p50: 200ms, latency_p95: 800ms}\n"
    "  - id: shop\n"
    "    kind: generic\n"
    "callers:\n"
    "  - {id: app, pool_size: 20}\n"
    "flows:\n"
    "  - {id: T-1, source: shop, target: crm, direction: outbound, volume: 120k/day, caller: app,\n"
    "     pattern: realtime, arrival: {process: deterministic}, realtime: {timeout: 5s}}\n"
    "  - {id: T-2, source: shop, target: crm, direction: outbound, volume: 40k/day, caller: app,\n"
    "     pattern: realtime, arrival: {process: deterministic}, realtime: {timeout: 5s}}\n";

static sim_summary *run_with(const char *service, const char *breaker, unsigned reference, int reps,
                             int threads)
{
    char text[sizeof scenario_fmt + 256];
    snprintf(text, sizeof text, scenario_fmt, service, breaker);
    return load_and_run(text, reference, reps, threads);
}

static sim_summary *run(const char *service, unsigned reference, int reps, int threads)
{
    return run_with(service, slow_3s, reference, reps, threads);
}

/* Deterministic services of 250 ms: the same arrivals and the same
 * services on both paths, so identical counts and latencies. */
static void deterministic_services_give_identical_records_on_both_paths(void **state)
{
    (void)state;
    const char *svc = ", service: {distribution: deterministic, mean: 250ms}";
    sim_summary *f = run(svc, 0, 3, 1);
    sim_summary *r = run(svc, MDL_REF_RECORDS, 3, 1);
    /* 80k calls a day x 0.25 s = 0.23 in service: most intervals are quiet */
    assert_true(mean_of(f, "run.aggregate_share") > 0.5);
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(f);
    sim_summary_destroy(r);
}

/* Lognormal services: the pass draws them in the order the endpoint would,
 * and a fallback puts the stream back, so the paths agree here too. */
static void random_services_give_the_same_records_on_both_paths(void **state)
{
    (void)state;
    sim_summary *f = run("", 0, 3, 1);
    sim_summary *r = run("", MDL_REF_RECORDS, 3, 1);
    assert_true(mean_of(f, "run.aggregate_share") > 0.5);
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(f);
    sim_summary_destroy(r);
}

/* R-1's breaker opens after 2 slow calls in a row, slow above 400 ms (a
 * lognormal with p50 200 ms and p95 800 ms is above 400 ms with
 * probability P(Z > ln 2 / 0.843 = 0.82) = 0.21, so about 4% of pairs):
 * passes whose slow calls would open it fall back, the others commit
 * their slow calls through the breaker, and both paths still agree
 * replication by replication, breaker openings and refusals included. */
static void slow_calls_that_open_a_breaker_give_the_same_records_on_both_paths(void **state)
{
    (void)state;
    const char *breaker = "2, slow_call_duration: 400ms";
    sim_summary *f = run_with("", breaker, 0, 3, 1);
    sim_summary *r = run_with("", breaker, MDL_REF_RECORDS, 3, 1);
    assert_true(mean_of(f, "flow.R-1.breaker_opened") > 10.0); /* ~0.04 x 30k calls */
    assert_true(mean_of(f, "run.aggregate_fallback_slow") > 0.0);
    assert_true(mean_of(f, "run.aggregate_passes") > 0.0);
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(f);
    sim_summary_destroy(r);
}

/* Arrivals due at the same microsecond fire in the calendar's push order;
 * the pass must take them in that order, or the two records would swap
 * services (and latencies) between the flows. Here every arrival ties. */
static void equal_arrival_times_keep_the_calendars_order(void **state)
{
    (void)state;
    sim_summary *f = load_and_run(ties, 0, 3, 1);
    sim_summary *r = load_and_run(ties, MDL_REF_RECORDS, 3, 1);
    assert_true(mean_of(f, "run.aggregate_share") > 0.5);
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(f);
    sim_summary_destroy(r);
}

/* A breaker whose slow-call rate rule needs 5 calls in a 10 s window:
 * slow calls (over 400 ms: about a fifth of them) open it often, and the
 * pass must try its records on a copy of it. This case passed before the
 * fix for fast successes too (its passes that hold a slow call were
 * tried anyway); the fix itself is shown by the failure-rate case below,
 * which fails without it. */
static void
a_slow_call_rate_rule_in_a_time_window_gives_the_same_records_on_both_paths(void **state)
{
    (void)state;
    const char *breaker = "none, window_type: time, window_size: 10, minimum_calls: 5, "
                          "slow_call_rate: 50%, slow_call_duration: 400ms";
    sim_summary *f = run_with("", breaker, 0, 3, 1);
    sim_summary *r = run_with("", breaker, MDL_REF_RECORDS, 3, 1);
    assert_true(mean_of(r, "flow.R-1.breaker_opened") > 0); /* the case is reached */
    assert_true(mean_of(f, "run.aggregate_passes") > 0);
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(f);
    sim_summary_destroy(r);
}

/* A minute of outage at the start fills R-1's count window (100 calls,
 * at least 30, 10% failures) with failures; after it the window holds
 * them until 100 successes push them out. With 5k records a day (one
 * every 17 s) the count reaches 30 again within the next passes, and a
 * success there opens the breaker: the pass must fall back rather than
 * deliver records the breaker would refuse. */
static const char outage_then_rate_rule[] =
    "name: outage-then-rate-rule\n"
    "horizon: 1d\n"
    "load: 1x\n"
    "seed: 11\n"
    "systems:\n"
    "  - id: crm\n"
    "    kind: generic\n"
    "    api: {workers: 4, latency_p50: 200ms, latency_p95: 800ms,\n"
    "          service: {distribution: deterministic, mean: 250ms}}\n"
    "  - id: shop\n"
    "    kind: generic\n"
    "callers:\n"
    "  - {id: app, pool_size: 20}\n"
    "flows:\n"
    "  - {id: R-1, source: shop, target: crm, direction: outbound, volume: 5k/day,\n"
    "     pattern: realtime, caller: app, realtime: {timeout: 5s, breaker: {enabled: true,\n"
    "     window_type: count, window_size: 100, minimum_calls: 30, failure_rate: 10%}}}\n"
    "  - {id: R-2, source: shop, target: crm, direction: outbound, volume: 30k/day,\n"
    "     pattern: realtime, caller: app, realtime: {timeout: 5s}}\n"
    "faults:\n"
    "  - {id: down, kind: outage, system: crm, start: 0s, duration: 60s}\n";

static void a_success_that_opens_a_failure_rate_rule_ends_the_pass(void **state)
{
    (void)state;
    sim_summary *f = load_and_run(outage_then_rate_rule, 0, 3, 1);
    sim_summary *r = load_and_run(outage_then_rate_rule, MDL_REF_RECORDS, 3, 1);
    assert_true(mean_of(r, "flow.R-1.breaker_opened") > 0);
    assert_true(mean_of(f, "run.aggregate_share") > 0.5);
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(f);
    sim_summary_destroy(r);
}

/* One worker, 720 ms services, an arrival every 720 ms: every arrival
 * meets the end of the one before at its very microsecond. The calendar
 * fires the end first (pushed at the start of service, before the
 * arrival was), so no record finds the worker busy; the pass, which
 * cannot know the order of such ties, must leave them to the calendar
 * rather than count them found busy. */
static const char end_at_arrival[] =
    "name: end-at-arrival\n"
    "horizon: 1d\n"
    "load: 1x\n"
    "seed: 11\n"
    "systems:\n"
    "  - id: crm\n"
    "    kind: generic\n"
    "    api: {workers: 1, service: {distribution: deterministic, mean: 720ms}}\n"
    "  - id: shop\n"
    "    kind: generic\n"
    "callers:\n"
    "  - {id: app, pool_size: 20}\n"
    "flows:\n"
    "  - {id: T-1, source: shop, target: crm, direction: outbound, volume: 120k/day,\n"
    "     caller: app, pattern: realtime, arrival: {process: deterministic},\n"
    "     realtime: {timeout: 5s}}\n";

static void an_end_at_an_arrivals_instant_is_not_counted_found_busy(void **state)
{
    (void)state;
    sim_summary *f = load_and_run(end_at_arrival, 0, 2, 1);
    sim_summary *r = load_and_run(end_at_arrival, MDL_REF_RECORDS, 2, 1);
    assert_true(mean_of(r, "system.crm.workers_wait_share") == 0.0);
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(f);
    sim_summary_destroy(r);
}

/* The series too: the quota sampler must see only the calls made before
 * each sample. A calendar window of 90 s counts in 90 s buckets, which
 * the minute samples cut: such a component stays per record. */
static void the_series_are_the_same_on_both_paths(void **state)
{
    (void)state;
    sim_summary *f = run("", 0, 2, 1);
    sim_summary *r = run("", MDL_REF_RECORDS, 2, 1);
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(f);
    sim_summary_destroy(r);
    const char *odd = ", window: calendar, window_length: 90s";
    f = run(odd, 0, 2, 1);
    r = run(odd, MDL_REF_RECORDS, 2, 1);
    assert_null(sim_summary_find(f, "run.aggregate_passes"));
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(f);
    sim_summary_destroy(r);
}

/* A pass that spans many quota samples. One flow of 4 calls/s (346k a
 * day, flat) into 32 workers that serve each in exactly 2 s: 8 calls in
 * flight on average, so the system is idle only after a gap of more than
 * 2 s between arrivals, P = e^-8 = 3.4e-4 per arrival, once in ~12 min.
 * A pass starts at 0 (idle), runs to the first idle instant after its
 * grid point and the next starts there: ~30 passes in 6 h, each over ~12
 * samples of the quota series (every minute at 6 h). The calls of each
 * minute after the first sample must be committed at their own sample,
 * not earlier, or the samples see calls from their future; the series are
 * compared bin by bin. Before passes could span samples, each such pass
 * fell back (fallback_edge). */
static void a_pass_across_quota_samples_commits_each_minute_at_its_sample(void **state)
{
    (void)state;
    static const char text[] =
        "name: tier-samples\n"
        "horizon: 6h\n"
        "load: 1x\n"
        "seed: 13\n"
        "systems:\n"
        "  - id: crm\n"
        "    kind: generic\n"
        "    api: {workers: 32, latency_p50: 200ms, latency_p95: 800ms, daily_limit: 1M,\n"
        "          service: {distribution: deterministic, mean: 2s}}\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "callers:\n"
        "  - {id: app, pool_size: 64}\n"
        "flows:\n"
        "  - {id: R-1, source: shop, target: crm, direction: outbound, volume: 346k/day,\n"
        "     pattern: realtime, caller: app, realtime: {timeout: 10s}}\n";
    sim_summary *f = fast_matches_reference(text);
    assert_true(mean_of(f, "run.aggregate_share") > 0.5);
    /* 360 one-minute intervals: passes spanning ~12 of them are far fewer */
    assert_true(mean_of(f, "run.aggregate_passes") > 0);
    assert_true(mean_of(f, "run.aggregate_passes") < 120);
    sim_summary_destroy(f);
}

/* A deterministic flow every 120 s puts an arrival on every other quota
 * sample instant (every minute at 6 h). The calendar fires the arrival
 * and the sample at that instant in push order: the arrival was pushed
 * at its predecessor, 120 s earlier, before the sampler pushed the sample
 * (60 s earlier), so the sample counts the call. A pass that committed it
 * after the sample gave one call fewer in one bin (239 vs 240); a pass
 * that pushed back, at its start, an arrival whose predecessor came after
 * the sampler's push would fire it before the sample. Now the pass
 * commits such a call before its sample (share 0.82 over 2 replications;
 * 0.94 without R-2; ~0 when every such pass fell back), and falls back
 * only where the order is not known. Every scalar and series bin must
 * agree exactly (counts). */
static void an_arrival_at_a_quota_sample_is_counted_as_the_calendar_orders_it(void **state)
{
    (void)state;
    static const char text[] =
        "name: sample-tie\n"
        "horizon: 6h\n"
        "load: 1x\n"
        "seed: 13\n"
        "systems:\n"
        "  - id: crm\n"
        "    kind: generic\n"
        "    api: {workers: 32, latency_p50: 200ms, latency_p95: 800ms, daily_limit: 1M,\n"
        "          service: {distribution: deterministic, mean: 2s}}\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "callers:\n"
        "  - {id: app, pool_size: 64}\n"
        "flows:\n"
        "  - {id: R-1, source: shop, target: crm, direction: outbound, volume: 346k/day,\n"
        "     pattern: realtime, caller: app, realtime: {timeout: 10s}}\n"
        "  - {id: R-2, source: shop, target: crm, direction: outbound, volume: 720/day,\n"
        "     caller: app, pattern: realtime, arrival: {process: deterministic},\n"
        "     realtime: {timeout: 10s}}\n";
    sim_summary *f = fast_matches_reference(text);
    assert_true(mean_of(f, "run.aggregate_share") > 0.5);
    sim_summary_destroy(f);
}

/* Two systems with tight quotas, Poisson and deterministic flows (30k/day:
 * every 2.88 s, on a minute every 6 min; 8640/day: every 10 s, on every
 * minute). An arrival at a sample instant pushed after the sample's push
 * (its predecessor less than a minute before) is left to the tail; one
 * pushed back at a pass's start while its predecessor in the pass came
 * after the sampler's push would fire before the sample (13018 vs 13017.5
 * in one bin, the mean of two replications). Exact agreement. */
static void arrivals_pushed_back_at_a_sample_instant_keep_the_calendars_order(void **state)
{
    (void)state;
    static const char text[] =
        "name: t4\n"
        "horizon: 6h\n"
        "load: 1x\n"
        "seed: 21\n"
        "systems:\n"
        "  - id: crm\n"
        "    kind: generic\n"
        "    api: {workers: 32, latency_p50: 200ms, latency_p95: 800ms, daily_limit: 37k,\n"
        "          service: {distribution: deterministic, mean: 2s}}\n"
        "  - id: erp\n"
        "    kind: generic\n"
        "    api: {workers: 64, latency_p50: 200ms, latency_p95: 800ms, daily_limit: 12k,\n"
        "          service: {distribution: exponential, mean: 3s}}\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "callers:\n"
        "  - {id: app, pool_size: 400}\n"
        "flows:\n"
        "  - {id: R-1, source: shop, target: crm, direction: outbound, volume: 115k/day,\n"
        "     caller: app, pattern: realtime, realtime: {timeout: 60s}}\n"
        "  - {id: R-2, source: shop, target: erp, direction: outbound, volume: 40k/day,\n"
        "     caller: app, pattern: realtime, realtime: {timeout: 60s}}\n"
        "  - {id: R-3, source: shop, target: crm, direction: outbound, volume: 30k/day,\n"
        "     caller: app, pattern: realtime, arrival: {process: deterministic},\n"
        "     realtime: {timeout: 60s}}\n"
        "  - {id: R-4, source: shop, target: erp, direction: outbound, volume: 8640/day,\n"
        "     caller: app, pattern: realtime, arrival: {process: deterministic},\n"
        "     realtime: {timeout: 60s}}\n";
    sim_summary *f = fast_matches_reference(text);
    assert_true(mean_of(f, "run.aggregate_passes") > 0);
    sim_summary_destroy(f);
}

/* Two traces whose arrivals tie at 2 s and 3 s of every 10 s: A's come
 * at 1, 2, 3 s, B's at 0.5, 2, 3 s. At 2 s B fires first (its 2 s arrival
 * was pushed at 0.5 s, A's at 1 s); at 3 s B again (both pushed at 2 s,
 * B's first). Ordering ties by the time of the push would give A the 3 s
 * service meant for B. */
static void tied_trace_arrivals_keep_the_calendars_push_order(void **state)
{
    (void)state;
    char dir[] = "/tmp/erpsim-ties-XXXXXX", a[64], b[64];
    assert_non_null(mkdtemp(dir));
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/b.csv", dir);
    FILE *fa = fopen(a, "w"), *fb = fopen(b, "w");
    assert_non_null(fa);
    assert_non_null(fb);
    fputs("timestamp\n", fa);
    fputs("timestamp\n", fb);
    const long long base = 1704067200000LL; /* 2024-01-01 00:00:00 UTC, in ms */
    for (long long p = 0; p < 8600; p++) {
        long long t = base + 10000 * p;
        fprintf(fa, "%lld\n%lld\n%lld\n", t + 1000, t + 2000, t + 3000);
        fprintf(fb, "%lld\n%lld\n%lld\n", t + 500, t + 2000, t + 3000);
    }
    assert_int_equal(fclose(fa), 0);
    assert_int_equal(fclose(fb), 0);
    static const char fmt[] =
        "name: trace-ties\n"
        "horizon: 1d\n"
        "load: 1x\n"
        "seed: 11\n"
        "systems:\n"
        "  - id: crm\n"
        "    kind: generic\n"
        "    api: {workers: 4, latency_p50: 200ms, latency_p95: 800ms}\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "callers:\n"
        "  - {id: app, pool_size: 20}\n"
        "flows:\n"
        "  - {id: A, source: shop, target: crm, direction: outbound, volume: 25k/day,\n"
        "     caller: app, pattern: realtime, arrival: {process: trace, trace: %s},\n"
        "     realtime: {timeout: 5s}}\n"
        "  - {id: B, source: shop, target: crm, direction: outbound, volume: 25k/day,\n"
        "     caller: app, pattern: realtime, arrival: {process: trace, trace: %s},\n"
        "     realtime: {timeout: 5s}}\n";
    char text[sizeof fmt + 128];
    snprintf(text, sizeof text, fmt, a, b);
    sim_summary *f = fast_matches_reference(text);
    assert_true(mean_of(f, "run.aggregate_share") > 0.5);
    sim_summary_destroy(f);
    assert_int_equal(unlink(a), 0);
    assert_int_equal(unlink(b), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* The pass ranks each flow's arrival by when the calendar pushed it and
 * renumbers the ranks when they run out (flow_renumber, after 2^20 pushes
 * in a pass: never in a test of reasonable size). With the ranks' limit
 * lowered (mdl_scenario.rank_limit) to 5, 6 and 9 for 4 flows, it
 * renumbers every take, every 2 and every 5. Four deterministic
 * real-time flows into 2 workers, three of them (A, B and D, every 30 s)
 * tied at each of their instants (C's, every 60 s, fall between): which
 * tied arrival draws
 * which service, and who waits, is the push order, so a renumbering that
 * reverses or loses it gives other records. Every scalar and series bin
 * must agree with the per-record path; a renumbering that ranks the
 * keys in reverse fails (planted once). */
static void renumbered_push_ranks_keep_the_calendars_order(void **state)
{
    (void)state;
    static const char text[] =
        "name: tie-order\n"
        "horizon: 1d\n"
        "load: 1x\n"
        "seed: 7\n"
        "systems:\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "  - id: erp\n"
        "    kind: generic\n"
        "    api: {workers: 2, latency_p50: 150ms, latency_p95: 800ms}\n"
        "callers:\n"
        "  - {id: web, pool_size: 50}\n"
        "flows:\n"
        "  - {id: A, source: shop, target: erp, volume: 2880/day, pattern: realtime, caller: web,\n"
        "     arrival: {process: deterministic}, realtime: {timeout: 10s, fallback: queue}}\n"
        "  - {id: B, source: shop, target: erp, volume: 2880/day, pattern: realtime, caller: web,\n"
        "     arrival: {process: deterministic}, realtime: {timeout: 10s, fallback: queue}}\n"
        "  - {id: C, source: shop, target: erp, volume: 1440/day, pattern: realtime, caller: web,\n"
        "     arrival: {process: deterministic}, realtime: {timeout: 10s, fallback: queue}}\n"
        "  - {id: D, source: shop, target: erp, volume: 2880/day, pattern: realtime, caller: web,\n"
        "     arrival: {process: deterministic}, realtime: {timeout: 10s, fallback: queue}}\n";
    sim_summary *r = load_and_run(text, MDL_REF_RECORDS, 2, 1);
    static const unsigned limits[] = {5, 6, 9};
    for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
        sim_summary *f = load_and_run_ranked(text, 0, 2, 1, limits[i]);
        printf("  rank limit %u: share %.4f passes %.1f\n", limits[i],
               mean_of(f, "run.aggregate_share"), mean_of(f, "run.aggregate_passes"));
        assert_true(mean_of(f, "run.aggregate_share") > 0.5);
        assert_int_equal(differ(f, r, 1e-9), 0);
        sim_summary_destroy(f);
    }
    sim_summary_destroy(r);
}

/* One worker, a deterministic 30 s service: B's calls (every 60 s, at
 * 30 s + 60 k s) end at 60 s + 60 k s, where every other one meets an
 * arrival of A (every 120 s, at 60 s + 120 k s) with the worker busy to
 * that very microsecond. The calendar fires A's arrival first (pushed at
 * A's previous arrival, before B's service started) and counts it as
 * found busy and waiting (for 0 s); station_run cannot tell the order
 * and falls back (WHY_LIMIT): no pass is carried here, every look
 * falls back. Every scalar and series bin must agree with the
 * per-record path: without the check the pass counts A served at once
 * (workers_wait_share 0.000926 vs 0.667). */
static void an_end_at_an_arrival_with_every_worker_busy_is_left_to_the_calendar(void **state)
{
    (void)state;
    static const char text[] =
        "name: exact-tie\n"
        "horizon: 1d\n"
        "load: 1x\n"
        "seed: 7\n"
        "systems:\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "  - id: erp\n"
        "    kind: generic\n"
        "    api: {workers: 1, latency_p50: 150ms, latency_p95: 800ms,\n"
        "          service: {distribution: deterministic, mean: 30000ms}}\n"
        "callers:\n"
        "  - {id: web, pool_size: 50}\n"
        "flows:\n"
        "  - {id: A, source: shop, target: erp, volume: 720/day, pattern: realtime, caller: web,\n"
        "     arrival: {process: deterministic}, realtime: {timeout: 100s, fallback: queue}}\n"
        "  - {id: B, source: shop, target: erp, volume: 1440/day, pattern: realtime, caller: web,\n"
        "     arrival: {process: deterministic}, realtime: {timeout: 100s, fallback: queue}}\n";
    sim_summary *f = fast_matches_reference(text);
    printf("  limit fallbacks %.1f\n", mean_of(f, "run.aggregate_fallback_limit"));
    assert_true(mean_of(f, "run.aggregate_fallback_limit") > 10);
    assert_true(mean_of(f, "run.aggregate_passes") == 0); /* every look falls back */
    sim_summary_destroy(f);
}

/* Many checks at once: a warm-up, a proactive token, a concurrency limit,
 * a server timeout, a queue limit, a small pool and a breaker over two
 * systems; scalars and series agree, with passes and fallbacks of
 * several kinds in the run. */
static const char mixed[] =
    "name: mixed\n"
    "horizon: 1d\n"
    "warmup: 25290s\n"
    "load: 1x\n"
    "seed: 13\n"
    "systems:\n"
    "  - id: crm\n"
    "    kind: generic\n"
    "    api: {workers: 3, latency_p50: 300ms, latency_p95: 1500ms, daily_limit: 200k,\n"
    "          concurrency_limit: 6, server_timeout: 4s, queue_limit: 50}\n"
    "    tokens: {lifetime: 10m, refresh: proactive}\n"
    "  - id: erp\n"
    "    kind: generic\n"
    "    api: {workers: 2, latency_p50: 200ms, latency_p95: 800ms}\n"
    "  - id: shop\n"
    "    kind: generic\n"
    "callers:\n"
    "  - {id: app, pool_size: 5}\n"
    "flows:\n"
    "  - {id: M-1, source: shop, target: crm, direction: outbound, volume: 40k/day,\n"
    "     pattern: realtime, caller: app, realtime: {timeout: 5s, breaker: {enabled: true,\n"
    "     consecutive_failures: 3, slow_call_duration: 2s}}}\n"
    "  - {id: M-2, source: shop, target: erp, direction: outbound, volume: 40k/day,\n"
    "     pattern: realtime, caller: app, realtime: {timeout: 5s}}\n";

static void a_mix_of_limits_gives_the_same_records_and_series_on_both_paths(void **state)
{
    (void)state;
    sim_summary *f = load_and_run(mixed, 0, 3, 1);
    sim_summary *r = load_and_run(mixed, MDL_REF_RECORDS, 3, 1);
    assert_true(mean_of(f, "run.aggregate_passes") > 0);
    assert_true(
        mean_of(f, "run.aggregate_fallback_pool") + mean_of(f, "run.aggregate_fallback_limit") > 0);
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(f);
    sim_summary_destroy(r);
}

/* Ties between an answer and an arrival (a reviewer's repro). Two
 * deterministic flows (every 240 s and every 360 s) and a Poisson one
 * into one system with 60 s deterministic services: answers land on
 * arrivals' very microseconds, inside a pass and at its quiet end. The
 * calendar fires the arrival first when it was pushed first (its
 * predecessor came before the answer's service started), and then the
 * pool holds one more thread at that instant: pool_in_use_series' bin 39
 * maximum is 3 per record, and the pass, sweeping the release first,
 * gave 2 (and 1 vs 2 at bins 63 and 94, at quiet ends). The pass cannot
 * know that order: it falls back (fallback_edge), and every scalar and
 * every series bin and maximum must agree exactly (maxima are counts;
 * values to 1e-9, the summing order). Fails without the fix: the pool's
 * and the workers' series, bin 39 maximum 2 vs 3 and 0.005 vs 0.0075.
 * Deterministic arrivals and services tie all the time: the share drops
 * (0.39 -> 0.20), the price of exactness. */
static void an_answer_at_an_arrivals_instant_leaves_the_levels_to_the_calendar(void **state)
{
    (void)state;
    static const char text[] =
        "name: answer-arrival-tie\n"
        "horizon: 6h\n"
        "load: 1x\n"
        "seed: 42\n"
        "systems:\n"
        "  - id: crm\n"
        "    kind: generic\n"
        "    api: {workers: 400, latency_p50: 200ms, latency_p95: 800ms, daily_limit: 1M,\n"
        "          service: {distribution: deterministic, mean: 60s}}\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "callers:\n"
        "  - {id: app0, pool_size: 2000}\n"
        "flows:\n"
        "  - {id: R-0, source: shop, target: crm, direction: outbound, volume: 360/day,\n"
        "     caller: app0, pattern: realtime, arrival: {process: deterministic},\n"
        "     realtime: {timeout: 600s}}\n"
        "  - {id: R-1, source: shop, target: crm, direction: outbound, volume: 240/day,\n"
        "     caller: app0, pattern: realtime, arrival: {process: deterministic},\n"
        "     realtime: {timeout: 600s}}\n"
        "  - {id: R-2, source: shop, target: crm, direction: outbound, volume: 500/day,\n"
        "     caller: app0, pattern: realtime, realtime: {timeout: 600s}}\n";
    sim_summary *f = fast_matches_reference(text);
    assert_true(mean_of(f, "run.aggregate_passes") > 100);      /* still carried between ties */
    assert_true(mean_of(f, "run.aggregate_fallback_edge") > 0); /* and the ties are not */
    sim_summary_destroy(f);
}

/* The pool check's shortcut (check_caller): a pool whose records all go
 * to one system of c workers holds fewer than c threads at each arrival
 * while nobody waits there, so with c < size it cannot fill. Two flows
 * into 3 workers, 10k/day each (0.23 calls/s of about 0.3 s: 0.07 in
 * flight, so an arrival finds 2 with probability about 0.25%, some 50 a
 * day, in some 7% of the 720 grid intervals of 2 min: the grid at 1 day
 * is the series interval). Pool size 4 = c + 1: the
 * pass relies on the shortcut; pool size 3 = c: an arrival finding 2 in
 * flight fills it, which the pass must leave to the calendar
 * (fallback_pool > 0). Both paths agree with the reference either way. */
static void a_pool_one_larger_than_its_systems_workers_cannot_fill(void **state)
{
    (void)state;
    static const char fmt[] =
        "name: pool-edge\n"
        "horizon: 1d\n"
        "load: 1x\n"
        "seed: 17\n"
        "systems:\n"
        "  - id: crm\n"
        "    kind: generic\n"
        "    api: {workers: 3, latency_p50: 200ms, latency_p95: 800ms}\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "callers:\n"
        "  - {id: app, pool_size: %d}\n"
        "flows:\n"
        "  - {id: P-1, source: shop, target: crm, direction: outbound, volume: 10k/day,\n"
        "     pattern: realtime, caller: app, realtime: {timeout: 5s}}\n"
        "  - {id: P-2, source: shop, target: crm, direction: outbound, volume: 10k/day,\n"
        "     pattern: realtime, caller: app, realtime: {timeout: 5s}}\n";
    for (int size = 3; size <= 4; size++) {
        char text[sizeof fmt + 16];
        snprintf(text, sizeof text, fmt, size);
        sim_summary *f = fast_matches_reference(text);
        assert_true(mean_of(f, "run.aggregate_passes") > 0);
        if (size == 3)
            assert_true(mean_of(f, "run.aggregate_fallback_pool") > 0);
        sim_summary_destroy(f);
    }
}

/* check_caller's shortcut reads whether the system's records waited from
 * the endpoint's tally (run_endpoint), not from the records. One system,
 * one caller, two flows of 13k/day (0.3 calls/s of about 0.3 s: 0.09 of a
 * worker busy).
 * - It waits: 1 worker, pool size 4. Some 9% of the calls wait, about 3
 *   in each grid interval (2 min at 1 day: 720 of them), so the shortcut
 *   (c < size, no wait) does not apply and the pool is swept: an arrival
 *   finding 3 threads held (one in service, two waiting: about 0.1% of
 *   the arrivals, some 4% of the intervals) would fill the pool, and that
 *   interval is left to the calendar (fallback_pool > 0). Were the tally
 *   read as "no wait", those intervals would be committed with the pool
 *   full: a fill to exactly its size differs from the reference's values
 *   (differ), and one beyond it the caller's bulk commit refuses
 *   (mdl_caller_commit: max_in_use > size), which fails the run (planted
 *   once: the run failed with an internal error).
 * - It does not: 4 workers, pool size 5, the same calls: nobody waits
 *   (an arrival finds 4 in service with probability ~1e-6), so each
 *   interval takes the shortcut and none falls back for the pool.
 * Both against MDL_REF_RECORDS, every value (fast_matches_reference). */
static void a_pool_whose_system_queues_is_swept_and_one_whose_does_not_is_not(void **state)
{
    (void)state;
    static const char fmt[] =
        "name: pool-waits\n"
        "horizon: 1d\n"
        "load: 1x\n"
        "seed: 23\n"
        "systems:\n"
        "  - id: crm\n"
        "    kind: generic\n"
        "    api: {workers: %d, latency_p50: 200ms, latency_p95: 800ms}\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "callers:\n"
        "  - {id: app, pool_size: %d}\n"
        "flows:\n"
        "  - {id: W-1, source: shop, target: crm, direction: outbound, volume: 13k/day,\n"
        "     pattern: realtime, caller: app, realtime: {timeout: 5s}}\n"
        "  - {id: W-2, source: shop, target: crm, direction: outbound, volume: 13k/day,\n"
        "     pattern: realtime, caller: app, realtime: {timeout: 5s}}\n";
    for (int waits = 1; waits >= 0; waits--) {
        char text[sizeof fmt + 16];
        snprintf(text, sizeof text, fmt, waits ? 1 : 4, waits ? 4 : 5);
        sim_summary *f = fast_matches_reference(text);
        printf("  waits %d: pool fallbacks %.1f, wait mean %g\n", waits,
               mean_of(f, "run.aggregate_fallback_pool"), mean_of(f, "system.crm.wait_mean_s"));
        assert_true(mean_of(f, "run.aggregate_passes") > 0);
        if (waits)
            assert_true(mean_of(f, "run.aggregate_fallback_pool") > 0);
        else
            assert_true(mean_of(f, "run.aggregate_fallback_pool") == 0);
        sim_summary_destroy(f);
    }
}

/* A component whose passes keep failing: lognormal services (p50 200 ms,
 * p95 800 ms) and a 1 s timeout, so that most grid intervals (2 min at 1
 * day: 720 of them; 0.35 calls/s, 42 a grid interval) hold a call the
 * pass cannot carry (fallback_slow: measured 164 of 227 tries). The
 * component is quiet at nearly every grid point (8 workers, 0.09 busy),
 * so without a back-off each of the 720 intervals would draw. After n
 * failed draws in a row it looks 2^min(n - 1, 3) grid points later
 * (AGG_BACKOFF), and a pass (probability q a try) resets n: a Markov
 * chain that tries 216 (q = 0.28) to 229 (q = 0.3) of the 720 intervals.
 * Looks < 720 / 2 holds that with room and fails with no back-off (720
 * tries). Whichever intervals it tries, the outputs are the per-record
 * path's: every value agrees with MDL_REF_RECORDS
 * (fast_matches_reference). */
static void a_component_whose_passes_keep_failing_backs_off_and_stays_exact(void **state)
{
    (void)state;
    static const char text[] =
        "name: tier-backoff\n"
        "horizon: 1d\n"
        "load: 1x\n"
        "seed: 15\n"
        "systems:\n"
        "  - id: crm\n"
        "    kind: generic\n"
        "    api: {workers: 8, latency_p50: 200ms, latency_p95: 800ms}\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "callers:\n"
        "  - {id: app, pool_size: 20}\n"
        "flows:\n"
        "  - {id: R-1, source: shop, target: crm, direction: outbound, volume: 30k/day,\n"
        "     pattern: realtime, caller: app, realtime: {timeout: 1s}}\n";
    sim_summary *f = fast_matches_reference(text);
    double tried = 0;
    static const char *const why[] = {
        "passes",         "blocked",        "fallback_slow", "fallback_pool",   "fallback_limit",
        "fallback_quota", "fallback_fault", "fallback_edge", "fallback_shared", "fallback_busy"};
    for (size_t i = 0; i < sizeof why / sizeof *why; i++) {
        char name[64];
        snprintf(name, sizeof name, "run.aggregate_%s", why[i]);
        tried += mean_of(f, name);
    }
    double looks = mean_of(f, "run.aggregate_looks");
    double slow = mean_of(f, "run.aggregate_fallback_slow");
    printf("  tried %.1f slow %.1f looks %.1f\n", tried, slow, looks);
    assert_true(slow > 0.5 * tried); /* its passes keep failing */
    assert_true(mean_of(f, "run.aggregate_passes") > 0);
    assert_true(looks >= tried && looks < 720.0 / 2); /* and it backs off */
    sim_summary_destroy(f);
}

/* A timeout among the records a pass carries past its grid point. The
 * grid at 1 day is 2 min (the series interval, 720 intervals); a trace
 * puts three arrivals around every grid point G: G - 1.0 s, G + 0.1 s and
 * G + 0.2 s, into one worker of deterministic 1.5 s services, the callers
 * waiting 2 s. The first is served from G - 1.0 to G + 0.5 s: in flight
 * at G, so the pass over [G - 2 min, G) carries the arrivals up to
 * G + 0.5 s in a second sweep. There the second waits to G + 0.5 and
 * answers at G + 2.0 (1.9 s: in time); the third waits to G + 2.0 and
 * answers at G + 3.5 (3.3 s > 2 s: a timeout, whose retries the pass
 * leaves to the calendar). So each interval that tries a pass falls back
 * (fallback_slow > 0) and the flow's timeouts are the calendar's. Checking
 * the limit in the first sweep only would commit the carried timeout as
 * an answer (planted once: 718 passes, rejected.timeout 0 against the
 * reference's 14 in replication 1). Every value against MDL_REF_RECORDS
 * (fast_matches_reference). The volume is the trace's count. */
static void a_timeout_carried_past_the_grid_point_leaves_the_interval_to_the_calendar(void **state)
{
    (void)state;
    char dir[] = "/tmp/erpsim-carry-XXXXXX", tr[64];
    assert_non_null(mkdtemp(dir));
    snprintf(tr, sizeof tr, "%s/t.csv", dir);
    FILE *ft = fopen(tr, "w");
    assert_non_null(ft);
    fputs("timestamp\n", ft);
    const long long base = 1704067200000LL; /* 2024-01-01 00:00:00 UTC, in ms */
    for (long long j = 1; j < 720; j++) {   /* the grid points G = 120 j s inside the day */
        long long g = base + 120000 * j;
        fprintf(ft, "%lld\n%lld\n%lld\n", g - 1000, g + 100, g + 200);
    }
    assert_int_equal(fclose(ft), 0);
    static const char fmt[] =
        "name: carry-timeout\n"
        "horizon: 1d\n"
        "load: 1x\n"
        "seed: 19\n"
        "systems:\n"
        "  - id: crm\n"
        "    kind: generic\n"
        "    api: {workers: 1, service: {distribution: deterministic, mean: 1500ms}}\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "callers:\n"
        "  - {id: app, pool_size: 20}\n"
        "flows:\n"
        "  - {id: C-1, source: shop, target: crm, direction: outbound, volume: 2157/day,\n"
        "     caller: app, pattern: realtime, arrival: {process: trace, trace: %s},\n"
        "     realtime: {timeout: 2s}}\n";
    char text[sizeof fmt + 128];
    snprintf(text, sizeof text, fmt, tr);
    sim_summary *f = fast_matches_reference(text);
    printf("  slow %.1f timeouts %.1f\n", mean_of(f, "run.aggregate_fallback_slow"),
           mean_of(f, "flow.C-1.rejected.timeout"));
    assert_true(mean_of(f, "run.aggregate_fallback_slow") > 0);
    assert_true(mean_of(f, "flow.C-1.rejected.timeout") > 0);
    sim_summary_destroy(f);
    assert_int_equal(unlink(tr), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* Two components in one scenario, each a caller into its own system with
 * a daily quota (crm: 30k calls/day against 40k, erp: 15k against 20k, no
 * refusal), one day. The pass counts each system's calls per quota bucket
 * when it checks the quota and finds the count again when it commits
 * (quota_calls); the two components' passes share that count's buffer and
 * tick at the same grid points, with their system the 0-th of their
 * component. A count kept from one component's pass and committed by the
 * other's would charge each system calls of the other (planted once, the
 * tick's reset removed: system.crm.quota_peak 22061 against the
 * reference's 30282, erp's 19980 against 15245). Every value against
 * MDL_REF_RECORDS (fast_matches_reference). */
static void two_components_with_quotas_each_commit_their_own_calls(void **state)
{
    (void)state;
    static const char text[] =
        "name: two-quotas\n"
        "horizon: 1d\n"
        "load: 1x\n"
        "seed: 29\n"
        "systems:\n"
        "  - id: crm\n"
        "    kind: generic\n"
        "    api: {workers: 4, latency_p50: 200ms, latency_p95: 800ms, daily_limit: 40k}\n"
        "  - id: erp\n"
        "    kind: generic\n"
        "    api: {workers: 4, latency_p50: 200ms, latency_p95: 800ms, daily_limit: 20k}\n"
        "  - id: shop\n"
        "    kind: generic\n"
        "  - id: store\n"
        "    kind: generic\n"
        "callers:\n"
        "  - {id: app, pool_size: 20}\n"
        "  - {id: batch, pool_size: 20}\n"
        "flows:\n"
        "  - {id: Q-1, source: shop, target: crm, direction: outbound, volume: 30k/day,\n"
        "     pattern: realtime, caller: app, realtime: {timeout: 5s}}\n"
        "  - {id: Q-2, source: store, target: erp, direction: outbound, volume: 15k/day,\n"
        "     pattern: realtime, caller: batch, realtime: {timeout: 5s}}\n";
    sim_summary *f = fast_matches_reference(text);
    printf("  crm peak %.1f erp peak %.1f\n", mean_of(f, "system.crm.quota_peak"),
           mean_of(f, "system.erp.quota_peak"));
    assert_true(mean_of(f, "run.aggregate_passes") > 0);
    assert_true(mean_of(f, "system.crm.quota_peak") > 0);
    assert_true(mean_of(f, "system.erp.quota_peak") > 0);
    sim_summary_destroy(f);
}

/* One thread or two: every metric of every replication bit for bit. */
static void the_aggregate_path_is_the_same_on_one_thread_and_two(void **state)
{
    (void)state;
    sim_summary *one = run("", 0, 4, 1);
    sim_summary *two = run("", 0, 4, 2);
    assert_int_equal(sim_summary_count(one), sim_summary_count(two));
    for (size_t i = 0; i < sim_summary_count(one); i++) {
        const sim_metric *a = sim_summary_at(one, i), *b = sim_summary_at(two, i);
        assert_string_equal(a->name, b->name);
        if (a->kind != SIM_METRIC_SCALAR)
            continue;
        assert_int_equal(a->n, b->n);
        assert_memory_equal(a->values, b->values, (size_t)a->n * sizeof *a->values);
    }
    sim_summary_destroy(one);
    sim_summary_destroy(two);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deterministic_services_give_identical_records_on_both_paths),
        cmocka_unit_test(random_services_give_the_same_records_on_both_paths),
        cmocka_unit_test(slow_calls_that_open_a_breaker_give_the_same_records_on_both_paths),
        cmocka_unit_test(equal_arrival_times_keep_the_calendars_order),
        cmocka_unit_test(
            a_slow_call_rate_rule_in_a_time_window_gives_the_same_records_on_both_paths),
        cmocka_unit_test(a_success_that_opens_a_failure_rate_rule_ends_the_pass),
        cmocka_unit_test(an_end_at_an_arrivals_instant_is_not_counted_found_busy),
        cmocka_unit_test(the_series_are_the_same_on_both_paths),
        cmocka_unit_test(a_pass_across_quota_samples_commits_each_minute_at_its_sample),
        cmocka_unit_test(an_arrival_at_a_quota_sample_is_counted_as_the_calendar_orders_it),
        cmocka_unit_test(arrivals_pushed_back_at_a_sample_instant_keep_the_calendars_order),
        cmocka_unit_test(tied_trace_arrivals_keep_the_calendars_push_order),
        cmocka_unit_test(renumbered_push_ranks_keep_the_calendars_order),
        cmocka_unit_test(an_end_at_an_arrival_with_every_worker_busy_is_left_to_the_calendar),
        cmocka_unit_test(a_mix_of_limits_gives_the_same_records_and_series_on_both_paths),
        cmocka_unit_test(a_pool_one_larger_than_its_systems_workers_cannot_fill),
        cmocka_unit_test(a_pool_whose_system_queues_is_swept_and_one_whose_does_not_is_not),
        cmocka_unit_test(an_answer_at_an_arrivals_instant_leaves_the_levels_to_the_calendar),
        cmocka_unit_test(a_component_whose_passes_keep_failing_backs_off_and_stays_exact),
        cmocka_unit_test(a_timeout_carried_past_the_grid_point_leaves_the_interval_to_the_calendar),
        cmocka_unit_test(two_components_with_quotas_each_commit_their_own_calls),
        cmocka_unit_test(the_aggregate_path_is_the_same_on_one_thread_and_two),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
