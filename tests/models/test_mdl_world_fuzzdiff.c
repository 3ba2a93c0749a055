/*
 * test_mdl_world_fuzzdiff.c - a randomized differential test of the
 * aggregate pass (models/mdl_world.c "Tier R", docs/models/aggregate.md)
 * against the per-record calendar path (MDL_REF_RECORDS), issue 14's
 * proof on scenarios nobody wrote by hand.
 *
 * Each seed gives a small scenario (difz_gen.h: 2-4 systems of every
 * kind, real-time, event and batch flows, small worker counts and pools,
 * tight and loose quotas, faults, whole-second deterministic arrivals and
 * services, some longer than the series interval; a quarter of the
 * seeds aim at the ties of sample instants instead, difz_ties: every
 * service and arrival deterministic, on round parts of the interval). It
 * runs with the pass on (reference 0), with MDL_REF_SHARED (components
 * holding a batch or a reconciliation left to the calendar), with the
 * pass looking every look_period(seed) instead of AGG_RETRY's 1 s
 * (mdl_scenario.look_period: 7 ms to 2.9 s; under the sanitizer one
 * under 500 ms is taken 10 times longer, so 70 ms to 2.9 s; passes
 * start at other instants; looks only decide which intervals a pass
 * tries) and with MDL_REF_RECORDS, 2 replications each, and every
 * published value but the run's bookkeeping ("run.") must agree with
 * MDL_REF_RECORDS replication by replication (`differ`): counts
 * exactly, the rest to 1e-9 relative. The pass gives every record the
 * same arrivals, services and life as the calendar; a latency, wait or
 * utilisation may differ only in the order of a floating sum, and 1e-9
 * is a thousand times the rounding of a sum of 1e5 terms (1e5 x 2^-53 =
 * 1e-11), as in test_mdl_world_tier.c and test_mdl_world_event.c.
 *
 * A search where the pass never carries anything tests nothing, so the
 * test also gathers each run's share (run.aggregate_share) and its
 * intervals by reason (run.aggregate_*), prints their distribution, and
 * asserts that the seeds reach the pass: more than half of the scenarios
 * have a component the pass may run (~68% of them do), and the pass
 * commits in more than a third of those (~73%); and that every scenario
 * loads. (A soak of 1,000 seeds: median share 0.10 of the scenarios with
 * a component, a quarter above 0.73, every fallback reason reached.)
 *
 * CI runs the fixed seeds 1..DIFZ_CI_SEEDS: 60 in Release, 30 under the
 * sanitizer (7 to 10 times slower), 40 in a Debug build. A long soak:
 *
 *   DIFZ_SEEDS=5000 DIFZ_START=1000 build/models_test_mdl_world_fuzzdiff
 *
 * (DIFZ_REPS=1 halves it; DIFZ_TIES=1 makes every seed aim at ties,
 * DIFZ_TIES=0 none). A mismatch prints the seed, the scenario text
 * and the differing metrics; the test fails at the end. DIFZ_FILE=FILE
 * runs that scenario (one being minimized by hand) once, four ways, and
 * asserts only that it loads and agrees (one scenario says nothing about
 * how often the search reaches the pass).
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

#include <cmocka.h>

#include "difz_gen.h"
#include "mdl_world.h"
#include "sanitized.h"
#include "scn_load.h"
#include "sim_experiment.h"
#include "sim_stats.h"
#include "world_pass.h"

/* Release: ~8 s of CPU (4.4-5.2 s with three paths and no short looks);
 * ASan + UBSan Debug: 30 seeds in 56-63 s on a loaded machine (43-47 s
 * before, ~32 s idle); Debug without the sanitizer ~3x slower than
 * Release */
#if SANITIZED
#define DIFZ_CI_SEEDS 30
#elif defined(NDEBUG)
#define DIFZ_CI_SEEDS 60
#else
#define DIFZ_CI_SEEDS 40
#endif

static const char *const why[] = {"blocked",        "fallback_slow",   "fallback_pool",
                                  "fallback_limit", "fallback_quota",  "fallback_fault",
                                  "fallback_edge",  "fallback_shared", "fallback_busy"};
enum { NWHY = sizeof why / sizeof *why, MAXREFUSED = 16 };

typedef struct difz_stats {
    int seeds, refused, mismatched, with_component, carried, ties;
    double *shares;           /* of the scenarios with a component */
    double *look_shares;      /* and with the short look period, in the same order */
    int look_more, look_less; /* scenarios whose share it raised, lowered */
    double passes, look_passes, looks, look_looks, intervals[NWHY];
    int seeds_with[NWHY];
    char reasons[MAXREFUSED][160];
    int reason_count[MAXREFUSED], nreasons;
} difz_stats;

/* Loads text; SIM_OK or the loader's first complaint in msg. */
static int difz_load(const char *text, mdl_scenario *sc, char *msg, size_t n)
{
    scn_diag diag;
    scn_diag_init(&diag);
    scn_load_opts opts = {0};
    int rc = scn_load_string("difz", text, strlen(text), &opts, sc, &diag);
    if (rc != SIM_OK && diag.count)
        scn_diag_format(&diag.items[0], msg, n);
    else if (rc != SIM_OK)
        snprintf(msg, n, "load");
    scn_diag_fini(&diag);
    return rc;
}

static void refused(difz_stats *st, const char *msg)
{
    /* the reason without its line and column */
    const char *m = strstr(msg, ": ");
    m = m ? m + 2 : msg;
    st->refused++;
    for (int i = 0; i < st->nreasons; i++)
        if (!strncmp(st->reasons[i], m, sizeof st->reasons[i] - 1)) {
            st->reason_count[i]++;
            return;
        }
    if (st->nreasons < MAXREFUSED) {
        snprintf(st->reasons[st->nreasons], sizeof st->reasons[0], "%.159s", m);
        st->reason_count[st->nreasons++] = 1;
    }
}

/* The look periods of the fourth path (mdl_scenario.look_period, us):
 * shorter than AGG_RETRY's 1 s mostly (a component that is not quiet
 * looks again sooner: passes start at many more instants), some
 * dividing the second and the sample interval (looks on the arrivals'
 * and samples' instants), some prime to them (looks anywhere), and two
 * longer than 1 s. Not under 7 ms: a component blocked all day looks
 * 86400 / period times a replication (12 M at 7 ms). */
static const sim_time look_periods[] = {7000,   20000,  37000,  50000,   113000, 125000,
                                        250000, 500000, 777000, 1500000, 2900000};

/* seed's look period, drawn apart from its scenario; under the
 * sanitizer, where a look costs ~2 us (30 seeds looked 22 M times, 88 s
 * of CPU), one under 500 ms is taken 10 times longer */
static sim_time look_period(uint64_t seed)
{
    difz_rng r = {seed ^ 0x6c6f6f6b73ull};
    sim_time look = DIFZ_PICK(&r, look_periods);
    return SANITIZED && look < 500000 ? 10 * look : look;
}

/* Runs seed's scenario four ways; counts what it finds in st. */
static void difz_seed(uint64_t seed, int reps, int ties, difz_stats *st)
{
    char text[16384];
    const char *file = getenv("DIFZ_FILE");
    if (file) { /* a scenario to minimize by hand instead of seed's */
        FILE *in = fopen(file, "r");
        assert_non_null(in);
        text[fread(text, 1, sizeof text - 1, in)] = 0;
        fclose(in);
    } else {
        difz_generate(seed, ties, text, sizeof text);
    }
    st->seeds++;
    mdl_scenario sc;
    char msg[300];
    if (difz_load(text, &sc, msg, sizeof msg) != SIM_OK) {
        printf("seed %llu refused: %s\n", (unsigned long long)seed, msg);
        refused(st, msg);
        return;
    }
    mdl_scenario_fini(&sc);
    sim_time look = look_period(seed);
    st->ties += ties;
    printf("seed %llu:%s look %lld us\n", (unsigned long long)seed, ties ? " ties," : "",
           (long long)look);  /* named before a run can fail */
    if (getenv("DIFZ_PRINT")) /* every scenario's text */
        printf("%s", text);
    sim_summary *f = load_and_run(text, 0, reps, 1);
    sim_summary *s = load_and_run(text, MDL_REF_SHARED, reps, 1);
    sim_summary *l = load_and_run_knobs(text, 0, reps, 1, 0, look);
    sim_summary *r = load_and_run(text, MDL_REF_RECORDS, reps, 1);
    int bad = differ(f, r, 1e-9);
    int bad_shared = differ(s, r, 1e-9);
    int bad_look = differ(l, r, 1e-9);
    const sim_metric *share = sim_summary_find(f, "run.aggregate_share");
    if (share) {
        double ls = mean_of(l, "run.aggregate_share");
        st->look_shares[st->with_component] = ls;
        st->look_more += ls > share->mean;
        st->look_less += ls < share->mean;
        st->look_passes += mean_of(l, "run.aggregate_passes");
        st->looks += mean_of(f, "run.aggregate_looks");
        st->look_looks += mean_of(l, "run.aggregate_looks");
        st->shares[st->with_component++] = share->mean;
        st->passes += sim_summary_find(f, "run.aggregate_passes")->mean;
        if (share->mean > 0)
            st->carried++;
        for (int i = 0; i < NWHY; i++) {
            char name[64];
            snprintf(name, sizeof name, "run.aggregate_%s", why[i]);
            double v = sim_summary_find(f, name)->mean;
            st->intervals[i] += v;
            st->seeds_with[i] += v > 0;
        }
        printf("  share %.4f passes %.1f looks %.0f; looking every %lld us: share %.4f passes "
               "%.1f looks %.0f\n",
               share->mean, mean_of(f, "run.aggregate_passes"), mean_of(f, "run.aggregate_looks"),
               (long long)look, ls, mean_of(l, "run.aggregate_passes"),
               mean_of(l, "run.aggregate_looks"));
    }
    if (bad || bad_shared || bad_look) {
        st->mismatched++;
        printf("MISMATCH seed %llu (%d values with the pass, %d with MDL_REF_SHARED, %d "
               "looking every %lld us), scenario:\n%s\n",
               (unsigned long long)seed, bad, bad_shared, bad_look, (long long)look, text);
    }
    sim_summary_destroy(f);
    sim_summary_destroy(s);
    sim_summary_destroy(l);
    sim_summary_destroy(r);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(const double *sorted, int n, double q)
{
    return n ? sorted[(int)(q * (n - 1) + 0.5)] : NAN;
}

static void report(difz_stats *st)
{
    int n = st->with_component;
    double sum = 0, look_sum = 0;
    for (int i = 0; i < n; i++) {
        sum += st->shares[i];
        look_sum += st->look_shares[i];
    }
    qsort(st->shares, (size_t)n, sizeof *st->shares, cmp_double);
    qsort(st->look_shares, (size_t)n, sizeof *st->look_shares, cmp_double);
    printf("difz: %d seeds (%d aiming at ties), %d refused, %d mismatched; %d with a component, "
           "%d carried by a pass\n",
           st->seeds, st->ties, st->refused, st->mismatched, n, st->carried);
    printf("difz: share min %.3f q25 %.3f median %.3f q75 %.3f max %.3f mean %.3f; passes %.0f\n",
           quantile(st->shares, n, 0), quantile(st->shares, n, 0.25), quantile(st->shares, n, 0.5),
           quantile(st->shares, n, 0.75), quantile(st->shares, n, 1), n ? sum / n : NAN,
           st->passes);
    printf("difz: short looks: share q25 %.3f median %.3f q75 %.3f mean %.3f; passes %.0f; "
           "share raised in %d scenarios, lowered in %d; looks %.0f (%.0f by default)\n",
           quantile(st->look_shares, n, 0.25), quantile(st->look_shares, n, 0.5),
           quantile(st->look_shares, n, 0.75), n ? look_sum / n : NAN, st->look_passes,
           st->look_more, st->look_less, st->look_looks, st->looks);
    for (int i = 0; i < NWHY; i++)
        printf("difz: %-16s %10.0f intervals, in %d seeds\n", why[i], st->intervals[i],
               st->seeds_with[i]);
    for (int i = 0; i < st->nreasons; i++)
        printf("difz: refused %d: %s\n", st->reason_count[i], st->reasons[i]);
}

static long env_long(const char *name, long fallback)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : fallback;
}

/* The fixed seeds (or DIFZ_SEEDS from DIFZ_START): every scenario loads,
 * every run agrees with the per-record path, and the pass carries a good
 * part of them. */
static void random_scenarios_give_the_same_records_on_every_path(void **state)
{
    (void)state;
    int one_file = getenv("DIFZ_FILE") != NULL; /* that scenario, once */
    long seeds = one_file ? 1 : env_long("DIFZ_SEEDS", DIFZ_CI_SEEDS);
    long start = env_long("DIFZ_START", 1);
    int reps = (int)env_long("DIFZ_REPS", 2);
    long ties = env_long("DIFZ_TIES", -1); /* 1: every seed aims at ties, 0: none */
    difz_stats st = {0};
    st.shares = calloc((size_t)seeds, sizeof *st.shares);
    st.look_shares = calloc((size_t)seeds, sizeof *st.look_shares);
    assert_non_null(st.shares);
    assert_non_null(st.look_shares);
    for (long i = 0; i < seeds; i++) {
        uint64_t seed = (uint64_t)(start + i);
        difz_seed(seed, reps, ties < 0 ? difz_ties(seed) : ties > 0, &st);
    }
    report(&st);
    assert_int_equal(st.mismatched, 0);
    assert_int_equal(st.refused, 0);
    /* the search reaches the pass: most scenarios have a component and
     * the pass commits passes in them; and the fourth path honours its
     * look period: 9 of the 11 periods are under AGG_RETRY's 1 s (6
     * under the sanitizer), so its components look more often in all
     * (60 seeds in Release: 25.9 M looks vs 1.0 M; the same count if the
     * knob were ignored). Not asked of one file (its period may be
     * longer). */
    if (!one_file) {
        assert_true(st.with_component * 2 > st.seeds);
        assert_true(st.carried * 3 > st.with_component);
        assert_true(st.look_looks > st.looks);
    }
    free(st.shares);
    free(st.look_shares);
}

/* Every value of the scenario `text` agrees with the per-record path
 * (fast_matches_reference: counts exactly, the rest to 1e-9), more than
 * min_edges intervals a replication fell back at a tie (fallback_edge),
 * and the passes still carry more than min_share of the records. */
static void falls_back_and_carries(const char *text, double min_edges, double min_share)
{
    sim_summary *f = fast_matches_reference(text);
    assert_true(mean_of(f, "run.aggregate_fallback_edge") > min_edges);
    assert_true(mean_of(f, "run.aggregate_share") > min_share);
    sim_summary_destroy(f);
}

/* Found by the search (seed 31, minimized by hand): a service drawn as
 * 0 us starts and ends at one instant. The calendar counts the request
 * in service there (its start, then its end, in two events), while the
 * commit's level sweeps count an end before a start at one instant, so a
 * pass made the bin maxima of utilisation_series and pool_in_use_series
 * one lower (1/3 vs 2/3 and 1 vs 2 at bin 432). A gamma of cv 200% has
 * shape 0.25 (scale 1.2 s at a mean of 300 ms): P(X < 1 us) =
 * (1e-6 / 1.2)^0.25 / Gamma(1.25) = 3.3%, ~144 of the 4,320 requests a
 * day. Such a pass falls back (fallback_edge); every value must agree
 * with the per-record path (counts exactly, the rest to 1e-9, as above),
 * and the pass still carries most of the day: at most 720 (1 - e^-0.2) =
 * 130 of the 720 two-minute intervals hold such a request (108 fall back
 * here), so the share is ~0.8 (0.79); 50 edges and a share of 0.5 leave
 * room for another draw, not for a check that never fires or a pass that
 * stops. Fails without the check (the two maxima above). */
static void a_service_of_zero_falls_back(void **state)
{
    (void)state;
    static const char text[] = "name: zero-service\n"
                               "horizon: 1d\n"
                               "load: 6x\n"
                               "seed: 32\n"
                               "systems:\n"
                               "  - id: s1\n"
                               "    kind: generic\n"
                               "    api: {service: {distribution: gamma, mean: 300ms, cv: 200%},\n"
                               "          workers: 3}\n"
                               "  - id: s3\n"
                               "    kind: generic\n"
                               "callers:\n"
                               "  - {id: c0, pool_size: 3}\n"
                               "flows:\n"
                               "  - id: F0\n"
                               "    source: s3\n"
                               "    target: s1\n"
                               "    pattern: realtime\n"
                               "    volume: 720/day\n"
                               "    caller: c0\n"
                               "    realtime: {timeout: 30s, retries: {max_attempts: 1}}\n";
    falls_back_and_carries(text, 50, 0.5);
}

/* Found by the search (seed 396, minimized by hand): two deterministic
 * flows of 480 a day at 2x on one office-hours profile arrive at the
 * same instants, and their 150 s services end together. At 20:10
 * (72,600 s, a multiple of the 2-minute series interval) the calendar
 * fires the two ends one after the other, and the series open bin 605
 * with the level between them: a maximum of 1 (1/8 busy, 1 thread held)
 * where the commit's sweeps, which count what is held for a positive
 * time, gave 0. Such a pass falls back (fallback_edge); every value must
 * agree with the per-record path (counts exactly, the rest to 1e-9). The
 * two flows' records end together at every arrival, but on a sample
 * instant only where arrival + 150 s is a multiple of 120 s: the pass
 * still carries a part of the day (0.13), asserted > 0.05. Fails without
 * the check (the two maxima above). */
static void two_ends_at_a_sample_instant_fall_back(void **state)
{
    (void)state;
    static const char text[] = "name: ends-at-sample\n"
                               "horizon: 1d\n"
                               "load: 2x\n"
                               "seed: 397\n"
                               "systems:\n"
                               "  - id: s0\n"
                               "    kind: generic\n"
                               "    api: {service: {distribution: deterministic, mean: 150s}, "
                               "workers: 8}\n"
                               "  - id: s2\n"
                               "    kind: generic\n"
                               "callers:\n"
                               "  - {id: c0, pool_size: 11}\n"
                               "flows:\n"
                               "  - {id: F0, source: s2, target: s0, pattern: realtime, volume: "
                               "240/day, caller: c0,\n"
                               "     arrival: {process: deterministic, diurnal: office-hours},\n"
                               "     realtime: {timeout: 3000s}}\n"
                               "  - {id: F3, source: s2, target: s0, pattern: realtime, volume: "
                               "240/day, caller: c0,\n"
                               "     arrival: {process: deterministic, diurnal: office-hours},\n"
                               "     realtime: {timeout: 3000s}}\n";
    falls_back_and_carries(text, 0, 0.05);
}

/* The two backlog-read cases below: an ERP applying in 30 s, and a CRM
 * publishing on its platform channel; a deterministic flow `id` from
 * the CRM to the ERP, 960 a day with a 6x spike from 1:42 for 50
 * minutes, applied by a subscriber of 2 slots, half of it delivered
 * again. */
#define READ_AT_PUBLISH_SYSTEMS                                                                    \
    "  - id: s0\n"                                                                                 \
    "    kind: sap-s4hana\n"                                                                       \
    "    api: {service: {distribution: deterministic, mean: 30s}, workers: 8}\n"                   \
    "  - id: s1\n"                                                                                 \
    "    kind: salesforce\n"                                                                       \
    "    events: {enabled: true, delivery_allocation: 100M, publish_allocation: 1M}\n"
#define READ_AT_PUBLISH_FLOW(id)                                                                   \
    "  - id: " id "\n"                                                                             \
    "    source: s1\n"                                                                             \
    "    target: s0\n"                                                                             \
    "    pattern: event\n"                                                                         \
    "    volume: 960/day\n"                                                                        \
    "    arrival: {process: deterministic,\n"                                                      \
    "              spikes: [{at: 102m, duration: 50m, multiplier: 6x}]}\n"                         \
    "    key_space: 3\n"                                                                           \
    "    event:\n"                                                                                 \
    "      channel: platform\n"                                                                    \
    "      redelivery: 50%\n"                                                                      \
    "      subscribers: [{id: k0, target: s0, concurrency: 2}]\n"

/* Found by the search aiming at ties (seed 1103, minimized by hand): a
 * subscriber of 2 slots applies its deterministic flow's publishes in
 * 30 s, a spike of 6x brings one every 15 s from 1:42 for 50 minutes,
 * and half the applies are delivered again (a copy takes the slot at
 * once), so a backlog forms and the subscriber reads from it at each
 * slot's freeing, on the 15 s grid of the publishes. At such an instant
 * the calendar fires the answer's event (pushed when its apply started,
 * 30 s before) before the publish's (pushed 15 s before): the lag goes
 * down, then up; the channel's commit took the publish first, so a pass
 * made the lag series' maximum one higher (4 vs 3 in bin 51, and 2 vs 1
 * with the spike at 1:43). Such a pass falls back (fallback_edge,
 * read_meets_publish); every value must agree with the per-record path
 * (counts exactly, the rest to 1e-9), and the day outside the spike and
 * its backlog is still carried: share 0.80 (0.998 without the spike),
 * asserted > 0.5. Fails without the check (the maximum above). */
static void a_backlog_read_at_a_publish_falls_back(void **state)
{
    (void)state;
    static const char text[] =
        "name: read-at-publish\n"
        "horizon: 1d\n"
        "seed: 1104\n"
        "systems:\n" READ_AT_PUBLISH_SYSTEMS "flows:\n" READ_AT_PUBLISH_FLOW("F0");
    falls_back_and_carries(text, 0, 0.5);
}

/* The review's variant of the case above: the same flow F1, and before
 * it on the same channel (so in the same component, its first event
 * flow) F0, one publish a day to another subscriber. The check must
 * walk the publishes of the reading subscriber's own flow: walking the
 * component's first event flow's (F0's) instead misses every publish
 * of F1 at a read, and F1's lag peak and the channel's backlog peak
 * come out one higher than the calendar's (58 vs 57). Every value must
 * agree with the per-record path (counts exactly, the rest to 1e-9),
 * the pass falls back at such reads (2 a replication) and carries most
 * of the day: share 0.80, asserted > 0.5. */
static void a_backlog_read_at_its_own_flows_publish_falls_back(void **state)
{
    (void)state;
    static const char text[] =
        "name: read-at-publish-2flows\n"
        "horizon: 1d\n"
        "seed: 1104\n"
        "systems:\n" READ_AT_PUBLISH_SYSTEMS "  - id: s2\n"
        "    kind: sap-s4hana\n"
        "    api: {service: {distribution: deterministic, mean: 30s}, "
        "workers: 8}\n"
        "flows:\n"
        "  - id: F0\n"
        "    source: s1\n"
        "    target: s2\n"
        "    pattern: event\n"
        "    volume: 1/day\n"
        "    arrival: {process: deterministic}\n"
        "    key_space: 3\n"
        "    event:\n"
        "      channel: platform\n"
        "      redelivery: 0%\n"
        "      subscribers: [{id: k9, target: s2, concurrency: 1}]\n" READ_AT_PUBLISH_FLOW("F1");
    falls_back_and_carries(text, 0, 0.5);
}

/* differ's rule for one pair (world_pass.h values_agree): a value that
 * is not finite agrees only with the same value (NaN with NaN), however
 * loose rel; finite values within rel * (|x| + |y|) + abs. Fails with a
 * bare relative test, where inf - 1 <= 1e-9 * inf holds. */
static void differ_reports_a_value_not_finite(void **state)
{
    (void)state;
    assert_false(values_agree(INFINITY, 1, 1e-9, 0));
    assert_false(values_agree(1, INFINITY, 1e-9, 1e-12));
    assert_false(values_agree(INFINITY, -INFINITY, 1e-9, 0));
    assert_false(values_agree(NAN, 1, 1e-9, 0));
    assert_false(values_agree(NAN, INFINITY, 1e-9, 0));
    assert_true(values_agree(INFINITY, INFINITY, 0, 0));
    assert_true(values_agree(NAN, NAN, 0, 0));
    assert_true(values_agree(1, 1 + 1e-10, 1e-9, 0)); /* 1e-10 <= 2e-9 */
    assert_false(values_agree(1, 1 + 1e-8, 1e-9, 0)); /* 1e-8 > 2e-9 */
    assert_true(values_agree(0, 1e-13, 1e-9, 1e-12)); /* the series' absolute slack */
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(differ_reports_a_value_not_finite),
        cmocka_unit_test(random_scenarios_give_the_same_records_on_every_path),
        cmocka_unit_test(a_service_of_zero_falls_back),
        cmocka_unit_test(two_ends_at_a_sample_instant_fall_back),
        cmocka_unit_test(a_backlog_read_at_a_publish_falls_back),
        cmocka_unit_test(a_backlog_read_at_its_own_flows_publish_falls_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
