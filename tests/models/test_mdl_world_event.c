/*
 * test_mdl_world_event.c - the event pass (tier R for components with
 * event subscribers, models/mdl_world.c invariant 8; docs/models/
 * aggregate.md "Tier R for event components") against the per-record path
 * (MDL_REF_RECORDS), replication by replication.
 *
 * The pass continues each flow's arrival sequence where the calendar held
 * it, draws each publish's key from the flow's key stream and each
 * request's service from its system's stream in the order the endpoint
 * starts them (real-time calls and applies merged in time order), and a
 * fallback puts arrivals, keys and services back. So a replication on
 * either path gives every record the same life: counts are equal, and a
 * latency, wait or utilisation differs at most by the order of floating
 * sums (1e-9 relative: a thousand times the rounding of a sum of 1e5
 * terms, 1e5 x 2^-53 = 1e-11).
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

#include "mdl_world.h"
#include "scn_load.h"
#include "sim_experiment.h"
#include "sim_stats.h"

/* One source system with a channel, one event flow publishing on it, one
 * subscriber with 2 slots applying into an ERP with a quota, and one
 * real-time flow into the same ERP: 2 days at 3x. %s: the ERP's api extras,
 * %s: the event block's extras, %s: faults. */
static const char group_fmt[] =
    "name: event-group\n"
    "horizon: 2d\n"
    "load: 3x\n"
    "seed: 7\n"
    "systems:\n"
    "  - id: crm\n"
    "    kind: salesforce\n"
    "    events: {delivery_allocation: 100M}\n"
    "  - id: erp\n"
    "    kind: generic\n"
    "    api: {workers: 8, latency_p50: 150ms, latency_p95: 800ms, daily_limit: 1M%s}\n"
    "  - id: shop\n"
    "    kind: generic\n"
    "callers:\n"
    "  - {id: web, pool_size: 20}\n"
    "flows:\n"
    "  - id: E-1\n"
    "    source: crm\n"
    "    target: erp\n"
    "    volume: 10k/day\n"
    "    pattern: event\n"
    "    key_space: 5k\n"
    "    event:\n"
    "      channel: platform\n"
    "      redelivery: 0%%\n"
    "%s"
    "      subscribers:\n"
    "        - id: connector\n"
    "          concurrency: 2\n"
    "  - {id: R-1, source: shop, target: erp, direction: outbound, volume: 10k/day,\n"
    "     pattern: realtime, caller: web, realtime: {timeout: 10s}}\n"
    "%s";

static sim_summary *load_and_run(const char *text, unsigned reference, int reps, int threads)
{
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    scn_load_opts opts = {0};
    int rc = scn_load_string("event-group", text, strlen(text), &opts, &sc, &diag);
    if (rc != SIM_OK) {
        char buf[600];
        fail_msg("%s", diag.count ? scn_diag_format(&diag.items[0], buf, sizeof buf) : "load");
    }
    scn_diag_fini(&diag);
    sc.reference = reference;
    sim_experiment_cfg cfg = {.replications = reps, .threads = threads, .seed = sc.seed};
    sim_summary *s = NULL;
    sim_err err = {0};
    rc = sim_experiment_run(&cfg, mdl_world_run, &sc, &s, &err);
    mdl_scenario_fini(&sc);
    if (rc != SIM_OK)
        fail_msg("%s", err.msg);
    return s;
}

static sim_summary *run(const char *api, const char *event, const char *faults, unsigned reference,
                        int reps, int threads)
{
    char text[sizeof group_fmt + 1024];
    snprintf(text, sizeof text, group_fmt, api, event, faults);
    return load_and_run(text, reference, reps, threads);
}

/* Every scalar but the run's bookkeeping ("run.") agrees replication by
 * replication: counts exactly, the rest to rel (see the header). Returns
 * how many differ (each printed). */
static int differ(const sim_summary *f, const sim_summary *r, double rel)
{
    int bad = 0, compared = 0;
    for (size_t i = 0; i < sim_summary_count(f); i++) {
        const sim_metric *a = sim_summary_at(f, i);
        if (strncmp(a->name, "run.", 4) == 0)
            continue;
        const sim_metric *b = sim_summary_find(r, a->name);
        if (!b || b->n != a->n || b->kind != a->kind) {
            printf("  %s: missing on one side\n", a->name);
            bad++;
            continue;
        }
        if (a->kind == SIM_METRIC_SERIES) {
            for (size_t k = 0; k < sim_series_nbins(a->series); k++) {
                double x = sim_series_value(a->series, k), y = sim_series_value(b->series, k);
                double u = sim_series_max(a->series, k), v = sim_series_max(b->series, k);
                compared++;
                if (!(fabs(x - y) <= rel * (fabs(x) + fabs(y)) + 1e-12) ||
                    (!(isnan(u) && isnan(v)) && u != v)) {
                    printf("  series %s bin %zu: %.17g vs %.17g (max %g vs %g)\n", a->name, k, x, y,
                           u, v);
                    bad++;
                    break;
                }
            }
            continue;
        }
        if (a->kind != SIM_METRIC_SCALAR)
            continue;
        int count = !strcmp(a->unit, "records") || !strcmp(a->unit, "calls") ||
                    !strcmp(a->unit, "requests") || !strcmp(a->unit, "events");
        for (int k = 0; k < a->n; k++) {
            double x = a->values[k], y = b->values[k];
            compared++;
            if (isnan(x) && isnan(y))
                continue;
            if (count ? x != y : !(fabs(x - y) <= rel * (fabs(x) + fabs(y)))) {
                printf("  %s, replication %d: %.17g vs %.17g\n", a->name, k + 1, x, y);
                bad++;
                break;
            }
        }
    }
    printf("  %d values compared\n", compared);
    assert_true(compared > 100); /* a comparison of nothing proves nothing */
    return bad;
}

static double mean_of(const sim_summary *s, const char *name)
{
    const sim_metric *m = sim_summary_find(s, name);
    if (!m)
        fail_msg("no metric %s", name);
    return m->mean;
}

/* The hand group. Its load: 30k publishes and 30k calls a day, office
 * hours or not (flat), 0.35 s mean service (lognormal p50 150 ms, p95
 * 800 ms: sigma = ln(800/150)/1.645 = 1.02, mean = 150 e^(sigma^2/2) =
 * 252 ms... plus nothing else): 0.7 requests/s x 0.25 s = 0.18 busy of 8
 * workers; the subscriber's 2 slots are busy 0.35 x 0.25 = 0.09 of the
 * time. A 3-minute interval (2 days: 2,880 s series interval / 16) holds
 * ~125 requests, and the pass ends at the first instant after the last
 * answer: a pass falls back only for a slow answer (an apply over 120 s or
 * a call over 10 s: P(S > 10 s) = P(Z > ln(66.7)/1.02 = 4.1) = 2e-5 per
 * record, 0.3% of intervals) or a tie. So the share is ~0.99; 0.5 leaves
 * room for a grid of a different width, not for a pass that never runs. */
static void the_hand_group_gives_the_same_records_on_both_paths(void **state)
{
    (void)state;
    sim_summary *f = run("", "", "", 0, 2, 1);
    sim_summary *r = run("", "", "", MDL_REF_RECORDS, 2, 1);
    printf("  share %.4f passes %.0f\n", mean_of(f, "run.aggregate_share"),
           mean_of(f, "run.aggregate_passes"));
    assert_true(mean_of(f, "run.aggregate_share") > 0.5);
    assert_int_equal(differ(f, r, 1e-9), 0);
    sim_summary_destroy(f);
    sim_summary_destroy(r);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_hand_group_gives_the_same_records_on_both_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
