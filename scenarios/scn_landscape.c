/*
 * scn_landscape.c - the generated landscape (see the header for its
 * shape). Each flow's volume and start time are drawn first, so the daily
 * limit of an ERP can be sized from the calls its flows make.
 */
#include "scn_landscape.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "sim_alloc.h"
#include "sim_rng.h"

#define GROUP 8

typedef enum { RT, EV, BATCH } kind;
static const kind order[GROUP] = {RT, EV, BATCH, RT, EV, RT, EV, BATCH};

typedef struct flow {
    double volume; /* records per day at 1x */
    int hour, minute;
} flow;

typedef struct out {
    scn_put_fn *put;
    void *ctx;
} out;

static void say(const out *o, const char *fmt, ...) SIM_PRINTF(2, 3);

static void say(const out *o, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->put(o->ctx, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* The position of slot's flow among the flows of its kind in a group. */
static int nth(int slot)
{
    int n = 0;
    for (int i = 0; i < slot; i++)
        n += order[i] == order[slot];
    return n;
}

/* Uniform on a log scale in [lo, hi]. */
static double log_uniform(gsl_rng *r, double lo, double hi)
{
    return lo * exp(gsl_rng_uniform(r) * log(hi / lo));
}

static void put_systems(const out *o, int g, double calls_per_day)
{
    static const char *const kinds[] = {"netsuite", "sap-s4hana", "dynamics-365",
                                        "oracle-erp-cloud"};
    say(o,
        "  - id: erp-%d\n"
        "    kind: %s\n"
        "    api:\n"
        "      workers: 16\n"
        "      concurrency_limit: none\n"
        "      rate_limit: none\n"
        "      latency_p50: 150ms\n"
        "      latency_p95: 800ms\n"
        "      daily_limit: %.0f\n",
        g, kinds[g % 4], ceil(1.5 * calls_per_day));
    say(o,
        "  - id: crm-%d\n"
        "    kind: salesforce\n"
        "    events:\n"
        "      delivery_allocation: 100M\n"
        "      cdc_objects: [Order]\n"
        "  - id: shop-%d\n"
        "    kind: generic\n"
        "  - id: dwh-%d\n"
        "    kind: generic\n"
        "    bulk:\n"
        "      enabled: false\n",
        g, g, g);
}

static void put_flow(const out *o, int g, int ngroups, int slot, const flow *f)
{
    kind k = order[slot];
    say(o,
        "  - id: F-%04d\n"
        "    source: %s-%d\n"
        "    target: erp-%d\n"
        "    volume: %.0f/day\n"
        "    pattern: %s\n",
        g * GROUP + slot + 1,
        k == RT   ? "shop"
        : k == EV ? "crm"
                  : "dwh",
        g, g, f->volume,
        k == RT   ? "realtime"
        : k == EV ? "event"
                  : "batch");
    switch (k) {
    case RT:
        say(o,
            "    latency_slo: 2s\n"
            "    impact: high\n"
            "    caller: web-%d\n"
            "    arrival:\n"
            "      diurnal: office-hours\n"
            "      weekly: weekdays-only\n"
            "    realtime:\n"
            "      timeout: 10s\n"
            "      fallback: queue\n",
            g);
        if (nth(slot) == 1)
            say(o, "      breaker:\n"
                   "        enabled: true\n");
        break;
    case EV:
        say(o, "    latency_slo: 5m\n"
               "    key_space: 50k\n"
               "    arrival:\n"
               "      diurnal: office-hours\n"
               "    event:\n"
               "      channel: platform\n"
               "      subscribers:\n"
               "        - id: connector\n"
               "          concurrency: 2\n");
        if (nth(slot) == 1)
            say(o,
                "        - id: replica\n"
                "          target: erp-%d\n",
                (g + 1) % ngroups);
        if (nth(slot) == 2)
            say(o, "      reconciliation:\n"
                   "        enabled: true\n"
                   "        compare: delta\n"
                   "        schedule: daily 02:00\n");
        break;
    case BATCH:
        say(o,
            "    latency_slo: nightly\n"
            "    arrival:\n"
            "      growth: 2%%/month\n"
            "    batch:\n"
            "      schedule: daily %02d:%02d\n"
            "      window: 4h\n"
            "      selection: delta\n",
            f->hour, f->minute);
        if (nth(slot) == 0)
            say(o, "      api: bulk\n"
                   "      chunk_size: 10000\n"
                   "      concurrent_jobs: 3\n");
        else
            say(o, "      api: rest\n"
                   "      page_size: 200\n"
                   "      chunk_size: 2000\n"
                   "      concurrent_jobs: 2\n");
        break;
    }
}

int scn_landscape_write(const scn_landscape *l, scn_put_fn *put, void *ctx, sim_err *err)
{
    if (l->flows < 1 || l->flows > 100000 || l->days < 1 || l->days > 3650 || !(l->load > 0.0) ||
        l->replications < 1)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "landscape: flows 1..100000, days 1..3650, load > 0, replications >= 1");
    int ngroups = (l->flows + GROUP - 1) / GROUP;
    gsl_rng *r = sim_rng_create(l->seed, 0, "bench_scale", err);
    flow *fl = sim_calloc((size_t)l->flows, sizeof *fl);
    double *calls = sim_calloc((size_t)ngroups, sizeof *calls);
    if (!r || !fl || !calls) {
        sim_rng_destroy(r);
        sim_free(fl);
        sim_free(calls);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "landscape: out of memory");
    }
    for (int i = 0; i < l->flows; i++) {
        flow *f = &fl[i];
        int g = i / GROUP, slot = i % GROUP;
        f->volume =
            floor(order[slot] == BATCH ? log_uniform(r, 10e3, 200e3) : log_uniform(r, 1e3, 10e3));
        f->hour = (int)(gsl_rng_uniform(r) * 4.0);
        f->minute = 15 * (int)(gsl_rng_uniform(r) * 4.0);
        /* Calls into an ERP on an average day at the load: a real-time
         * record on a weekday (5 of 7 days), an event per subscriber (the
         * replica writes into the next group's ERP), a REST batch page of
         * 200 records; bulk batches use no API calls. */
        double v = f->volume * l->load;
        if (order[slot] == RT)
            calls[g] += v * 5.0 / 7.0;
        else if (order[slot] == EV) {
            calls[g] += v;
            if (nth(slot) == 1)
                calls[(g + 1) % ngroups] += v;
        } else if (nth(slot) == 1) {
            calls[g] += v / 200.0;
        }
    }
    out o = {.put = put, .ctx = ctx};
    say(&o,
        "# A generated landscape: %d flows, seed %llu (scenarios/scn_landscape.h)\n"
        "name: landscape-%d\n"
        "horizon: %dd\n"
        "load: %gx\n"
        "replications: %d\n"
        "seed: %llu\n"
        "systems:\n",
        l->flows, (unsigned long long)l->seed, l->flows, l->days, l->load, l->replications,
        (unsigned long long)l->seed);
    for (int g = 0; g < ngroups; g++)
        put_systems(&o, g, calls[g] > 1000.0 ? calls[g] : 1000.0);
    say(&o, "callers:\n");
    for (int g = 0; g < ngroups; g++)
        say(&o, "  - id: web-%d\n    pool_size: 50\n", g);
    say(&o, "flows:\n");
    for (int i = 0; i < l->flows; i++)
        put_flow(&o, i / GROUP, ngroups, i % GROUP, &fl[i]);
    sim_rng_destroy(r);
    sim_free(fl);
    sim_free(calls);
    return SIM_OK;
}
