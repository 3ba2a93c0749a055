/*
 * mdl_world.c - wiring a scenario into models and running one replication.
 *
 * Order of construction (it fixes the order of metrics in the result, which
 * must be the same in every replication): systems in scenario order, then
 * callers, then flows. Every model is created before the calendar runs and
 * destroyed after it; nothing here allocates per event.
 *
 * The quota of a system is sampled into a level series once per series
 * interval (its rolling-window use), for the quota chart.
 */
#include "mdl_world.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_apply_endpoint.h"
#include "mdl_arrivals.h"
#include "mdl_batch.h"
#include "mdl_broker.h"
#include "mdl_caller.h"
#include "mdl_channel.h"
#include "mdl_component.h"
#include "mdl_endpoint.h"
#include "mdl_fifo.h"
#include "mdl_ledger.h"
#include "mdl_quota.h"
#include "mdl_ratelimit.h"
#include "mdl_realtime.h"
#include "mdl_recon.h"
#include "mdl_service.h"
#include "mdl_subscriber.h"
#include "mdl_token.h"
#include "sim_alloc.h"
#include "sim_queue.h"
#include "sim_rng.h"

#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* Workers of an endpoint whose scenario says "unlimited". */
#define UNLIMITED_WORKERS 4096

typedef struct world world;

typedef struct sys_rt {
    world *w;
    const mdl_system_spec *spec;
    gsl_rng *service_rng, *token_rng;
    mdl_endpoint *endpoint;
    mdl_quota *quota;                       /* NULL: no daily limit */
    mdl_quota *bulk_batches, *bulk_records; /* NULL: no bulk cap */
    mdl_quota *bulk_query_jobs;             /* NULL: no cap on bulk query jobs */
    mdl_channel *channel;                   /* NULL: no platform events / CDC */
    sim_series *quota_series;
    mdl_ratelimit *ratelimit;
    mdl_token *token;
    mdl_outage *outages;
    mdl_degradation *degradations;
} sys_rt;

/* One subscriber of an event flow and what serves it. */
typedef struct sub_rt {
    mdl_subscriber *sub;
    mdl_apply_endpoint *apply; /* NULL: applied without an API call */
    mdl_recon *recon;          /* NULL: no reconciliation */
    gsl_rng *rng_errors, *rng_redelivery, *rng_backoff, *rng_processing;
    int ledger_row;
} sub_rt;

/* The ledger id of an extra subscriber row: "<flow>.<subscriber>". */
typedef char row_id[2 * MDL_SPEC_ID_MAX];

typedef struct flow_rt {
    /* What every arrival reads, first: at 1,000 flows a flow is cold at each
     * of its arrivals, so these share the struct's first cache line(s) and
     * copy what the spec holds (pattern, key_space) rather than reach it. */
    mdl_spec_pattern pattern;
    int index;
    world *w;
    mdl_arrivals *arrivals;
    mdl_realtime *realtime;
    /* The arrival in the calendar (real-time and event flows), and the
     * arrivals a pass drew beyond it and handed back (held[held_head ..
     * nheld), in order): the flow's sequence goes on with them before
     * drawing again (flow_next). */
    sim_time next_at;
    sim_event_id next_ev;
    uint64_t pushed;    /* the world's push count when next_ev was pushed: equal
                           times fire in push order */
    sim_time pushed_at; /* and the time it was pushed at */
    sim_time *held;
    size_t nheld, held_head, held_cap;
    /* Event flows: where they publish, their record keys, their readers. */
    mdl_channel *channel; /* the source's platform channel, or NULL */
    mdl_broker *broker;   /* or a broker topic */
    gsl_rng *key_rng;
    double key_space; /* spec->event's key_space */
    uint64_t next_key;
    uint64_t next_key_t0; /* tier R: next_key when the pass began, for a fallback */
    int topic;
    int nsubs;
    sub_rt *subs;
    /* Set up once. */
    const mdl_flow_spec *spec;
    gsl_rng *arrival_rng, *policy_rng;
    mdl_spike *spikes;
    mdl_batch *batch; /* batch and file flows */
} flow_rt;

struct world {
    const mdl_scenario *sc;
    uint64_t seed;
    int rep;
    sim_queue *q;
    mdl_ledger *ledger;
    const char **flow_ids; /* borrowed by the ledger: flows, then extra subscriber rows */
    row_id *extra_ids;
    int nrows;
    sim_time interval;
    size_t nbins;
    sys_rt *systems;
    mdl_caller **callers;
    mdl_broker **brokers;
    flow_rt *flows;
    mdl_batch **loads; /* bulk-load faults, by fault index (NULL for others) */
    gsl_rng *load_rng;
    uint64_t pushes; /* arrival events pushed so far (flow_rt.pushed) */
    /* The aggregate path (below, "Tier R"): NULL when off. */
    struct agg *agg;
};

sim_time mdl_world_series_interval(sim_time horizon)
{
    sim_time per_bin = (horizon + 999) / 1000;
    sim_time minutes = (per_bin + SIM_MIN - 1) / SIM_MIN;
    return (minutes < 1 ? 1 : minutes) * SIM_MIN;
}

static gsl_rng *stream(world *w, const char *kind, const char *id, const char *what, sim_err *err)
{
    char name[512];
    snprintf(name, sizeof name, "%s.%s.%s", kind, id, what);
    return sim_rng_create(w->seed, (uint64_t)w->rep, name, err);
}

/* ---- systems ------------------------------------------------------------- */

static int count_faults(const mdl_scenario *sc, int system, mdl_spec_fault_kind kind)
{
    int n = 0;
    for (int i = 0; i < sc->nfaults; i++)
        n += sc->faults[i].enabled && sc->faults[i].system_index == system &&
             sc->faults[i].kind == kind;
    return n;
}

/* Copies the outage and degradation faults of system s into cfg. */
static int system_faults(world *w, sys_rt *s, int index, mdl_endpoint_cfg *cfg, sim_err *err)
{
    const mdl_scenario *sc = w->sc;
    int no = count_faults(sc, index, MDL_SPEC_FAULT_OUTAGE);
    int nd = count_faults(sc, index, MDL_SPEC_FAULT_DEGRADATION);
    s->outages = sim_calloc((size_t)no + 1, sizeof *s->outages);
    s->degradations = sim_calloc((size_t)nd + 1, sizeof *s->degradations);
    if (!s->outages || !s->degradations)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory for faults");
    no = nd = 0;
    for (int i = 0; i < sc->nfaults; i++) {
        const mdl_fault_spec *f = &sc->faults[i];
        if (!f->enabled || f->system_index != index)
            continue;
        if (f->kind == MDL_SPEC_FAULT_OUTAGE)
            s->outages[no++] = (mdl_outage){
                .start = f->start,
                .end = f->start + f->duration,
                .mode = f->mode == MDL_SPEC_OUTAGE_HANG ? MDL_OUTAGE_HANG : MDL_OUTAGE_FAIL_FAST};
        else if (f->kind == MDL_SPEC_FAULT_DEGRADATION)
            s->degradations[nd++] = (mdl_degradation){
                .start = f->start, .end = f->start + f->duration, .factor = f->factor};
    }
    cfg->outages = s->outages;
    cfg->noutages = no;
    cfg->degradations = s->degradations;
    cfg->ndegradations = nd;
    return SIM_OK;
}

static void sample_quota(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    sys_rt *s = ctx;
    sim_series_set(s->quota_series, now, (double)mdl_quota_used(s->quota, now));
    sim_queue_after(s->w->q, s->w->interval, sample_quota, s, 0);
}

static int system_create(world *w, int index, sim_err *err)
{
    sys_rt *s = &w->systems[index];
    const mdl_system_spec *spec = &w->sc->systems[index];
    const mdl_api_spec *api = &spec->api;
    int rc;
    s->w = w;
    s->spec = spec;
    if (!(s->service_rng = stream(w, "system", spec->id, "service", err)) ||
        !(s->token_rng = stream(w, "system", spec->id, "token", err)))
        return err ? err->code : SIM_ENOMEM;

    /* The service time: the api's lognormal through latency_p50/p95, or
     * the distribution its service block names (mean and cv derived from
     * that lognormal unless given). */
    mdl_service_spec ss = api->service;
    ss.p50 = api->latency_p50;
    ss.p95 = api->latency_p95;
    mdl_service_spec_derive(&ss);
    mdl_service service;
    if ((rc = mdl_service_from_spec(&ss, &service, err)) != SIM_OK)
        return rc;
    mdl_endpoint_cfg ep = {
        .id = spec->id,
        .workers = api->workers > 0 ? api->workers : UNLIMITED_WORKERS,
        .service_time = &service,
        .queue_limit = api->queue_limit,
        .concurrency_limit = api->concurrency_limit,
        .concurrency_min_age = api->long_running,
        .server_timeout = api->server_timeout,
        .rng = s->service_rng,
        .series_interval = w->interval,
        .series_bins = w->nbins,
    };
    if ((rc = system_faults(w, s, index, &ep, err)) != SIM_OK)
        return rc;
    if (!(s->endpoint = mdl_endpoint_create(w->q, &ep, err)))
        return err ? err->code : SIM_ENOMEM;

    if (api->daily_limit > 0) {
        mdl_quota_cfg qc = {.limit = api->daily_limit,
                            .window = api->window_length,
                            .calendar = api->window == MDL_SPEC_WINDOW_CALENDAR};
        if (!(s->quota = mdl_quota_create(&qc, err)))
            return err ? err->code : SIM_ENOMEM;
        if (!(s->quota_series = sim_series_create(SIM_SERIES_LEVEL, w->interval, w->nbins, err)))
            return err ? err->code : SIM_ENOMEM;
        sim_queue_push(w->q, 0, sample_quota, s, 0);
    }
    if ((rc = mdl_batch_bulk_pools_create(&spec->bulk, &s->bulk_batches, &s->bulk_records, err)) !=
        SIM_OK)
        return rc;
    if (spec->bulk.enabled && spec->bulk.query_jobs_per_day > 0) {
        mdl_quota_cfg qc = {.limit = spec->bulk.query_jobs_per_day, .window = SIM_DAY};
        if (!(s->bulk_query_jobs = mdl_quota_create(&qc, err)))
            return err ? err->code : SIM_ENOMEM;
    }
    if (api->rate_limit > 0) {
        mdl_ratelimit_cfg rl = {.id = spec->id,
                                .limit = (uint64_t)api->rate_limit,
                                .window = api->rate_window,
                                .retry_after_unit = api->retry_after};
        if (!(s->ratelimit = mdl_ratelimit_create(&rl, err)))
            return err ? err->code : SIM_ENOMEM;
    }
    if (spec->events.enabled) {
        mdl_channel_cfg cc;
        mdl_channel_cfg_init(&cc);
        mdl_channel_cfg_from_spec(&cc, &spec->events, spec->id);
        cc.series_interval = w->interval;
        cc.series_bins = w->nbins;
        if (!(s->channel = mdl_channel_create(&cc, w->q, err)))
            return err ? err->code : SIM_ENOMEM;
    }
    if (spec->tokens.lifetime > 0) {
        static const mdl_token_mode modes[] = {
            [MDL_SPEC_REFRESH_PROACTIVE] = MDL_TOKEN_PROACTIVE,
            [MDL_SPEC_REFRESH_INLINE] = MDL_TOKEN_INLINE,
            [MDL_SPEC_REFRESH_NONE] = MDL_TOKEN_NONE,
        };
        mdl_token_cfg tc = {.id = spec->id,
                            .mode = modes[spec->tokens.refresh],
                            .lifetime = spec->tokens.lifetime,
                            .refresh_min = spec->tokens.refresh_latency,
                            .refresh_max = spec->tokens.refresh_latency,
                            .rng = s->token_rng};
        if (!(s->token = mdl_token_create(&tc, 0, err)))
            return err ? err->code : SIM_ENOMEM;
    }
    return SIM_OK;
}

static void system_destroy(sys_rt *s)
{
    mdl_channel_destroy(s->channel);
    mdl_token_destroy(s->token);
    mdl_ratelimit_destroy(s->ratelimit);
    sim_series_destroy(s->quota_series);
    mdl_quota_destroy(s->quota);
    mdl_quota_destroy(s->bulk_batches);
    mdl_quota_destroy(s->bulk_records);
    mdl_quota_destroy(s->bulk_query_jobs);
    mdl_endpoint_destroy(s->endpoint);
    sim_free(s->outages);
    sim_free(s->degradations);
    sim_rng_destroy(s->service_rng);
    sim_rng_destroy(s->token_rng);
}

/* "system.<id>.<what>_*" for one window limit of a system: the limit, the
 * peak window use, the share used and the headroom left at the peak, the
 * calls it refused, and when it first refused one (-1: never). what is
 * "quota" (the daily API limit), "bulk_batches" or "bulk_records". */
static int publish_limit(const sys_rt *s, const char *what, const char *unit, const mdl_quota *q,
                         sim_result *r, sim_err *err)
{
    char name[256];
    double limit = mdl_quota_limit(q), peak = (double)mdl_quota_peak(q);
    sim_time out = mdl_quota_exhausted_at(q);
    struct {
        const char *suffix, *unit;
        double v;
    } m[] = {
        {"limit", unit, limit},
        {"peak", unit, peak},
        {"peak_share", "ratio", peak / limit},
        {"headroom", "ratio", 1.0 - peak / limit},
        {"refused", unit, (double)mdl_quota_refused(q)},
        {"exhausted_at", "s", out == SIM_TIME_NEVER ? -1.0 : sim_time_to_seconds(out)},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        snprintf(name, sizeof name, "system.%s.%s_%s", s->spec->id, what, m[i].suffix);
        int rc = sim_result_scalar(r, name, m[i].unit, m[i].v);
        if (rc != SIM_OK)
            return sim_err_set(err, rc, NULL, 0, 0, "cannot record %s", name);
    }
    return SIM_OK;
}

/* The API quota's limits and its use over time (the quota chart). */
static int system_publish_quota(const world *w, sys_rt *s, sim_result *r, sim_err *err)
{
    char name[256];
    int rc = publish_limit(s, "quota", "calls", s->quota, r, err);
    if (rc != SIM_OK)
        return rc;
    sim_series_finish(s->quota_series, w->sc->horizon);
    sim_series *copy = sim_series_clone(s->quota_series, err);
    if (!copy)
        return err ? err->code : SIM_ENOMEM;
    snprintf(name, sizeof name, "system.%s.quota_use_series", s->spec->id);
    return sim_result_series(r, name, "calls", copy);
}

/* ---- flows --------------------------------------------------------------- */

static void arrive(void *ctx, uint64_t arg, sim_time now);
static int flow_event(world *w, flow_rt *f, int *extra_row, sim_err *err);
static void publish_event(flow_rt *f, sim_time now);

static int flow_arrivals(world *w, flow_rt *f, sim_err *err)
{
    const mdl_flow_spec *spec = f->spec;
    const mdl_arrival_spec *a = &spec->arrival;
    static const mdl_arrivals_process processes[] = {
        [MDL_SPEC_PROCESS_POISSON] = MDL_ARRIVALS_POISSON,
        [MDL_SPEC_PROCESS_DETERMINISTIC] = MDL_ARRIVALS_DETERMINISTIC,
        [MDL_SPEC_PROCESS_TRACE] = MDL_ARRIVALS_TRACE,
    };
    mdl_arrivals_cfg cfg = {.process = processes[a->process],
                            .trace = a->trace_times,
                            .ntrace = (size_t)a->ntrace,
                            .base_rate = spec->volume,
                            .load_multiplier = w->sc->load,
                            .first_weekday = (int)w->sc->first_weekday,
                            .growth_per_month = a->growth,
                            .growth_monthly = a->growth_step == MDL_SPEC_GROWTH_MONTHLY,
                            .nspikes = a->nspikes,
                            .reference = (w->sc->reference & MDL_REF_ARRIVALS) != 0};
    memcpy(cfg.diurnal, a->diurnal, sizeof cfg.diurnal);
    memcpy(cfg.weekly, a->weekly, sizeof cfg.weekly);
    if (a->nspikes > 0) {
        f->spikes = sim_calloc((size_t)a->nspikes, sizeof *f->spikes);
        if (!f->spikes)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory for spikes");
        for (int i = 0; i < a->nspikes; i++)
            f->spikes[i] = (mdl_spike){
                .start = a->spikes[i].at,
                .end = a->spikes[i].at + a->spikes[i].duration,
                .multiplier = a->spikes[i].multiplier > 0 ? a->spikes[i].multiplier : 1.0,
                .extra = a->spikes[i].extra};
        cfg.spikes = f->spikes;
    }
    if (!(f->arrival_rng = stream(w, "flow", spec->id, "arrivals", err)))
        return err ? err->code : SIM_ENOMEM;
    if (!(f->arrivals = mdl_arrivals_create(&cfg, f->arrival_rng, err)))
        return err ? err->code : SIM_ENOMEM;
    return SIM_OK;
}

/* Pushes the flow's first arrival; every arrival pushes the next. */
static void flow_start_arrivals(world *w, flow_rt *f)
{
    f->next_at = mdl_arrivals_next(f->arrivals, 0);
    f->next_ev = SIM_EVENT_NONE;
    f->pushed = ++w->pushes;
    f->pushed_at = 0;
    if (f->next_at != SIM_TIME_NEVER && f->next_at <= w->sc->horizon)
        f->next_ev = sim_queue_push(w->q, f->next_at, arrive, f, 0);
}

/* The flow's arrival after the one at now: those a pass handed back
 * first, then the process's next. */
static sim_time flow_next(flow_rt *f, sim_time now)
{
    if (f->held_head < f->nheld)
        return f->held[f->held_head++];
    return mdl_arrivals_next(f->arrivals, now);
}

static void publish_cdc(void *ctx, int target_system, uint64_t records, sim_time now);

/* How a batch reads source system s (mdl_batch.h, "Extraction"). */
static mdl_extract_cfg extract_cfg(const sys_rt *s, mdl_spec_extract kind)
{
    const mdl_system_spec *spec = s->spec;
    mdl_extract_cfg x = {.kind = kind,
                         .quota = s->quota,
                         .rate = s->ratelimit,
                         .query_jobs = s->bulk_query_jobs,
                         .batches = spec->bulk.query_counts_batches ? s->bulk_batches : NULL,
                         .page_size = spec->api.page_size > 0 ? spec->api.page_size : 1,
                         .query_job_calls = spec->bulk.query_job_calls,
                         .counts_batches = spec->bulk.query_counts_batches,
                         .records_per_batch = spec->bulk.records_per_batch};
    return x;
}

/* A batch or file flow: the job pulls the flow's arrivals at each run; its
 * writes publish CDC events when the target has CDC on for its object. */
static int flow_batch(world *w, flow_rt *f, sim_err *err)
{
    const mdl_flow_spec *spec = f->spec;
    sys_rt *target = &w->systems[spec->target_index];
    mdl_batch_cfg cfg;
    mdl_batch_cfg_init(&cfg);
    mdl_batch_cfg_from_flow(&cfg, spec, target->spec, (int)w->sc->first_weekday);
    cfg.batch.schedule.day0 = w->sc->start_day; /* the calendar of monthly schedules */
    if (!(f->policy_rng = stream(w, "flow", spec->id, "batch", err)))
        return err ? err->code : SIM_ENOMEM;
    cfg.flow = f->index;
    cfg.q = w->q;
    cfg.ledger = w->ledger;
    cfg.rng = f->policy_rng;
    cfg.arrivals = f->arrivals;
    cfg.rest_quota = target->quota;
    cfg.rest_rate = target->ratelimit;
    cfg.bulk_batches = target->bulk_batches;
    cfg.bulk_records = target->bulk_records;
    if (spec->pattern == MDL_SPEC_PATTERN_BATCH) /* reading the source costs the source */
        cfg.extract = extract_cfg(&w->systems[spec->source_index], spec->batch.extract);
    cfg.series_interval = w->interval;
    cfg.series_bins = w->nbins;
    if (target->channel && mdl_scenario_flow_cdc_system(w->sc, spec) == spec->target_index) {
        cfg.write_hook = publish_cdc;
        cfg.write_ctx = w;
    }
    if (!(f->batch = mdl_batch_create(&cfg, err)))
        return err ? err->code : SIM_ENOMEM;
    return SIM_OK;
}

static int flow_realtime(world *w, flow_rt *f, sim_err *err)
{
    const mdl_flow_spec *spec = f->spec;
    const mdl_realtime_spec *rs = &spec->realtime;
    sys_rt *target = &w->systems[spec->target_index];
    static const mdl_jitter jitters[] = {
        [MDL_SPEC_JITTER_FULL] = MDL_JITTER_FULL,
        [MDL_SPEC_JITTER_NONE] = MDL_JITTER_NONE,
        [MDL_SPEC_JITTER_EQUAL] = MDL_JITTER_EQUAL,
        [MDL_SPEC_JITTER_DECORRELATED] = MDL_JITTER_DECORRELATED,
    };
    static const mdl_fallback fallbacks[] = {
        [MDL_SPEC_FALLBACK_NONE] = MDL_FALLBACK_NONE,
        [MDL_SPEC_FALLBACK_FAIL_CLOSED] = MDL_FALLBACK_FAIL_CLOSED,
        [MDL_SPEC_FALLBACK_QUEUE] = MDL_FALLBACK_QUEUE,
    };
    const mdl_breaker_spec *bs = &rs->breaker;
    /* window_type none: the consecutive rule alone (the card's pure rule);
     * count or time: the rate rule over that window, plus the consecutive
     * rule when consecutive_failures is set (either opens the breaker). */
    mdl_breaker_cfg breaker = {
        .mode =
            bs->window_type == MDL_SPEC_BREAKER_NONE ? MDL_BREAKER_CONSECUTIVE : MDL_BREAKER_RATE,
        .window_kind = bs->window_type == MDL_SPEC_BREAKER_TIME ? MDL_BREAKER_WINDOW_TIME
                                                                : MDL_BREAKER_WINDOW_COUNT,
        .window = bs->window_size,
        .minimum_calls = bs->minimum_calls,
        .failure_rate = bs->failure_rate * 100.0,
        .slow_call_rate = bs->slow_call_rate * 100.0,
        .slow_call_duration = bs->slow_call_duration,
        .open_duration = bs->open_duration,
        .half_open_calls = bs->half_open_calls,
        .consecutive = bs->consecutive_failures,
        .series_interval = w->interval,
        .series_bins = w->nbins,
    };
    if (!(f->policy_rng = stream(w, "flow", spec->id, "policy", err)))
        return err ? err->code : SIM_ENOMEM;
    mdl_realtime_cfg cfg = {
        .id = spec->id,
        .flow = f->index,
        .q = w->q,
        .ledger = w->ledger,
        .endpoint = target->endpoint,
        .caller = spec->caller_index >= 0 ? w->callers[spec->caller_index] : NULL,
        .quota = target->quota,
        .ratelimit = target->ratelimit,
        .token = target->token,
        .rng = f->policy_rng,
        .timeout = rs->timeout,
        .max_attempts = rs->retries.max_attempts,
        .backoff = {.jitter = jitters[rs->retries.jitter],
                    .base = rs->retries.base,
                    .cap = rs->retries.cap},
        .ignore_retry_after = !rs->retries.honour_retry_after,
        .breaker = bs->enabled ? &breaker : NULL,
        .fallback = fallbacks[rs->fallback],
        .series_interval = w->interval,
        .series_bins = w->nbins,
    };
    /* A record written into an object the target has CDC on for publishes
     * a change event, as a batch's writes do. */
    if (target->channel && mdl_scenario_flow_cdc_system(w->sc, spec) == spec->target_index) {
        cfg.write_hook = publish_cdc;
        cfg.write_ctx = w;
        cfg.target_system = spec->target_index;
    }
    if (!(f->realtime = mdl_realtime_create(&cfg, err)))
        return err ? err->code : SIM_ENOMEM;
    return SIM_OK;
}

static void arrive(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    flow_rt *f = ctx;
    /* The next arrival is drawn after the record's own work; its process's
     * lines load meanwhile instead of stalling that draw. */
    mdl_arrivals_prefetch(f->arrivals);
    switch (f->pattern) {
    case MDL_SPEC_PATTERN_REALTIME:
        mdl_realtime_submit(f->realtime, now);
        break;
    case MDL_SPEC_PATTERN_EVENT:
        publish_event(f, now);
        break;
    default:
        break;
    }
    f->next_at = flow_next(f, now);
    f->pushed = ++f->w->pushes;
    f->pushed_at = now;
    if (f->next_at != SIM_TIME_NEVER && f->next_at <= f->w->sc->horizon)
        f->next_ev = sim_queue_push(f->w->q, f->next_at, arrive, f, 0);
}

static int flow_create(world *w, int index, int *extra_row, sim_err *err)
{
    flow_rt *f = &w->flows[index];
    f->w = w;
    f->index = index;
    f->spec = &w->sc->flows[index];
    f->pattern = f->spec->pattern;
    f->key_space = f->spec->key_space;
    int rc = flow_arrivals(w, f, err);
    if (rc != SIM_OK)
        return rc;
    switch (f->spec->pattern) {
    case MDL_SPEC_PATTERN_REALTIME:
        if ((rc = flow_realtime(w, f, err)) == SIM_OK)
            flow_start_arrivals(w, f);
        return rc;
    case MDL_SPEC_PATTERN_EVENT:
        if ((rc = flow_event(w, f, extra_row, err)) == SIM_OK)
            flow_start_arrivals(w, f);
        return rc;
    case MDL_SPEC_PATTERN_BATCH:
    case MDL_SPEC_PATTERN_FILE:
        return flow_batch(w, f, err);
    }
    return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "flow %s: unknown pattern", f->spec->id);
}

/* The write hook of batch loads: records written into a system with CDC
 * on publish change events on its channel. */
static void publish_cdc(void *ctx, int target_system, uint64_t records, sim_time now)
{
    world *w = ctx;
    if (target_system >= 0 && w->systems[target_system].channel)
        mdl_channel_publish_cdc(w->systems[target_system].channel, records, now);
}

/* The echo hook of subscribers: their write into system s (sys_rt *)
 * publishes a change event of the integration user. */
static void publish_echo(void *ctx, uint64_t hops, sim_time now)
{
    sys_rt *s = ctx;
    mdl_channel_publish_echo(s->channel, hops, now);
}

/* Scripted faults of subscriber i of flow f. */
static int subscriber_faults(world *w, const flow_rt *f, int i, mdl_subscriber *sub, sim_err *err)
{
    for (int k = 0; k < w->sc->nfaults; k++) {
        const mdl_fault_spec *fault = &w->sc->faults[k];
        if (!fault->enabled || fault->flow_index != f->index || fault->subscriber_index != i)
            continue;
        int rc = SIM_OK;
        if (fault->kind == MDL_SPEC_FAULT_SUBSCRIBER_OFFLINE)
            rc = f->broker && mdl_broker_type_of(f->broker) == MDL_BROKER_KAFKA
                     ? mdl_subscriber_crash(sub, fault->start, fault->duration, err)
                     : mdl_subscriber_offline(sub, fault->start, fault->duration, err);
        else if (fault->kind == MDL_SPEC_FAULT_TOKEN_EXPIRY)
            rc = mdl_subscriber_token_expiry(sub, fault->start, fault->duration, err);
        if (rc != SIM_OK)
            return rc;
    }
    return SIM_OK;
}

static int subscriber_create(world *w, flow_rt *f, int i, int *extra_row, sim_err *err)
{
    const mdl_flow_spec *spec = f->spec;
    const mdl_event_spec *ev = &spec->event;
    const mdl_subscriber_spec *ss = &ev->subscribers[i];
    sub_rt *u = &f->subs[i];
    sys_rt *target = &w->systems[ss->target_index >= 0 ? ss->target_index : spec->target_index];
    char what[3 * MDL_SPEC_ID_MAX];
    int rc;

    /* The first subscriber ends its changes in the flow's row; each further
     * one is responsible for its own copy of every change: a row of its own. */
    u->ledger_row = i == 0 ? f->index : (*extra_row)++;
    snprintf(what, sizeof what, "sub.%s.errors", ss->id);
    if (!(u->rng_errors = stream(w, "flow", spec->id, what, err)))
        return err ? err->code : SIM_ENOMEM;
    snprintf(what, sizeof what, "sub.%s.redelivery", ss->id);
    if (!(u->rng_redelivery = stream(w, "flow", spec->id, what, err)))
        return err ? err->code : SIM_ENOMEM;
    snprintf(what, sizeof what, "sub.%s.backoff", ss->id);
    if (!(u->rng_backoff = stream(w, "flow", spec->id, what, err)))
        return err ? err->code : SIM_ENOMEM;

    mdl_subscriber_cfg cfg;
    mdl_subscriber_cfg_init(&cfg);
    mdl_subscriber_cfg_from_spec(&cfg, ev, ss);
    if (ss->processing.distribution != MDL_SPEC_DIST_NONE) {
        mdl_service_spec ps = ss->processing;
        mdl_service_spec_derive(&ps);
        if ((rc = mdl_service_from_spec(&ps, &cfg.processing, err)) != SIM_OK)
            return rc;
        snprintf(what, sizeof what, "sub.%s.processing", ss->id);
        if (!(u->rng_processing = stream(w, "flow", spec->id, what, err)))
            return err ? err->code : SIM_ENOMEM;
        cfg.rng_processing = u->rng_processing;
    }
    cfg.flow_id = spec->id;
    cfg.id = ev->nsubscribers > 1 ? ss->id : NULL;
    cfg.flow = f->index;
    cfg.ledger = w->ledger;
    cfg.ledger_flow = u->ledger_row;
    cfg.rng_errors = u->rng_errors;
    cfg.rng_redelivery = u->rng_redelivery;
    cfg.rng_backoff = u->rng_backoff;
    cfg.series_interval = w->interval;
    cfg.series_bins = w->nbins;
    /* Its writes into a CDC object of its target publish change events
     * there (echoes; its echo filter drops the ones it reads). */
    cfg.echo_filter = ss->echo_filter;
    if (target->channel && mdl_scenario_write_publishes(w->sc, ss->target_index, ss->object)) {
        cfg.echo = publish_echo;
        cfg.echo_ctx = target;
    }
    if (ss->apply_via_api) {
        mdl_apply_endpoint_cfg ac = {.q = w->q,
                                     .endpoint = target->endpoint,
                                     .quota = target->quota,
                                     .ledger = w->ledger,
                                     .ledger_flow = u->ledger_row};
        if (!(u->apply = mdl_apply_endpoint_create(&ac, err)))
            return err ? err->code : SIM_ENOMEM;
        cfg.apply = mdl_apply_endpoint_apply(u->apply);
    }
    mdl_channel *const *sources = &f->channel;
    if (f->broker) {
        if ((rc = mdl_broker_subscribe(f->broker, f->topic, &cfg, err)) < 0)
            return rc;
    } else {
        cfg.sources = sources;
        cfg.nsources = 1;
        /* A platform subscriber also reads the system's change events. */
        cfg.receive_cdc = ss->cdc && w->systems[spec->source_index].spec->events.ncdc_objects > 0;
    }
    if (!(u->sub = mdl_subscriber_create(w->q, &cfg, err)))
        return err ? err->code : SIM_ENOMEM;
    if ((rc = subscriber_faults(w, f, i, u->sub, err)) != SIM_OK)
        return rc;
    if (ev->reconciliation.enabled) {
        mdl_recon_cfg rc_cfg;
        mdl_recon_cfg_init(&rc_cfg);
        mdl_recon_cfg_from_spec(&rc_cfg, &ev->reconciliation);
        rc_cfg.flow_id = spec->id;
        rc_cfg.id = ev->nsubscribers > 1 ? ss->id : NULL;
        rc_cfg.sub = u->sub;
        rc_cfg.first_weekday = (int)w->sc->first_weekday;
        rc_cfg.schedule.day0 = w->sc->start_day;
        /* full: every record of the object (the loader requires a key
         * space); delta: the records changed since the previous run. */
        rc_cfg.records =
            ev->reconciliation.compare == MDL_SPEC_SELECTION_FULL ? spec->key_space : 0.0;
        rc_cfg.page_time = target->spec->api.latency_p50;
        rc_cfg.source_quota = w->systems[spec->source_index].quota;
        rc_cfg.target_quota = target->quota;
        rc_cfg.ledger = w->ledger;
        rc_cfg.ledger_flow = u->ledger_row;
        if (!(u->recon = mdl_recon_create(w->q, &rc_cfg, err)))
            return err ? err->code : SIM_ENOMEM;
    }
    return SIM_OK;
}

/* An event flow: publishes each change on its channel or broker topic;
 * its subscribers apply them to their targets. */
static int flow_event(world *w, flow_rt *f, int *extra_row, sim_err *err)
{
    const mdl_flow_spec *spec = f->spec;
    const mdl_event_spec *ev = &spec->event;
    int rc;
    if (!(f->key_rng = stream(w, "flow", spec->id, "keys", err)))
        return err ? err->code : SIM_ENOMEM;
    if (ev->broker_index >= 0) {
        f->broker = w->brokers[ev->broker_index];
        f->topic =
            mdl_broker_topic(f->broker, ev->topic[0] ? ev->topic : spec->id, ev->partitions, err);
        if (f->topic < 0)
            return f->topic;
    } else {
        f->channel = w->systems[spec->source_index].channel;
        if (!f->channel)
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "flow %s: system %s has no event channel (events.enabled)", spec->id,
                               spec->source);
    }
    f->subs = sim_calloc((size_t)ev->nsubscribers + 1, sizeof *f->subs);
    if (!f->subs)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory for subscribers");
    f->nsubs = ev->nsubscribers;
    for (int i = 0; i < ev->nsubscribers; i++)
        if ((rc = subscriber_create(w, f, i, extra_row, err)) != SIM_OK)
            return rc;
    return SIM_OK;
}

static void publish_event(flow_rt *f, sim_time now)
{
    double space = f->key_space;
    uint64_t key =
        space >= 1.0 ? 1 + (uint64_t)(sim_rng_uniform(f->key_rng) * space) : ++f->next_key;
    if (f->broker)
        mdl_broker_publish(f->broker, f->topic, f->index, key, now, now);
    else
        mdl_channel_publish(f->channel, f->index, key, now, now, NULL);
}

/* A one-off load written into a system (fault kind bulk-load). */
static int load_create(world *w, int index, sim_err *err)
{
    const mdl_fault_spec *fault = &w->sc->faults[index];
    sys_rt *target = &w->systems[fault->system_index];
    mdl_batch_cfg cfg;
    mdl_batch_cfg_init(&cfg);
    cfg.id = fault->id;
    cfg.q = w->q;
    cfg.rng = w->load_rng;
    cfg.bulk = target->spec->bulk;
    cfg.rest_quota = target->quota;
    cfg.rest_rate = target->ratelimit;
    cfg.bulk_batches = target->bulk_batches;
    cfg.bulk_records = target->bulk_records;
    cfg.target_system = fault->system_index;
    /* The load's writes publish change events when the fault says CDC is on
     * (by default: when its object is one of the system's CDC objects). */
    cfg.write_hook = publish_cdc; /* mdl_batch_cfg_bulk_load drops it without cdc */
    cfg.write_ctx = w;
    cfg.series_interval = w->interval;
    cfg.series_bins = w->nbins;
    mdl_batch_cfg_bulk_load(&cfg, fault);
    if (!(w->loads[index] = mdl_batch_create(&cfg, err)))
        return err ? err->code : SIM_ENOMEM;
    return SIM_OK;
}

/* What the flow still holds at the horizon, per ledger row (the ledger's
 * pending). */
static void flow_pending(const flow_rt *f, sim_time end, uint64_t *pending)
{
    if (f->realtime)
        pending[f->index] = mdl_realtime_pending(f->realtime);
    if (f->batch) {
        mdl_batch_pull(f->batch, end);
        pending[f->index] = mdl_batch_pending(f->batch);
    }
    for (int i = 0; i < f->nsubs; i++) {
        mdl_subscriber_finish(f->subs[i].sub, end);
        pending[f->subs[i].ledger_row] = mdl_subscriber_pending(f->subs[i].sub);
    }
}

static int flow_publish(const flow_rt *f, sim_time end, sim_result *r, sim_err *err)
{
    int rc = SIM_OK;
    if (f->realtime)
        rc = mdl_realtime_publish(f->realtime, r, err);
    if (f->batch)
        rc = mdl_batch_publish(f->batch, end, r, err);
    for (int i = 0; i < f->nsubs && rc == SIM_OK; i++) {
        rc = mdl_subscriber_publish(f->subs[i].sub, end, r, err);
        if (rc == SIM_OK && f->subs[i].recon)
            rc = mdl_recon_publish(f->subs[i].recon, r, err);
    }
    return rc;
}

static void flow_destroy(flow_rt *f)
{
    mdl_realtime_destroy(f->realtime);
    mdl_batch_destroy(f->batch);
    if (f->subs)
        for (int i = 0; i < f->nsubs; i++) {
            sub_rt *u = &f->subs[i];
            mdl_recon_destroy(u->recon);
            mdl_subscriber_destroy(u->sub);
            mdl_apply_endpoint_destroy(u->apply);
            sim_rng_destroy(u->rng_errors);
            sim_rng_destroy(u->rng_redelivery);
            sim_rng_destroy(u->rng_backoff);
            sim_rng_destroy(u->rng_processing);
        }
    sim_free(f->subs);
    sim_free(f->held);
    sim_rng_destroy(f->key_rng);
    mdl_arrivals_destroy(f->arrivals);
    sim_free(f->spikes);
    sim_rng_destroy(f->arrival_rng);
    sim_rng_destroy(f->policy_rng);
}

/* ---- tier R: real-time and event components by aggregate ---------------
 *
 * docs/models/aggregate.md, "Tier R for real-time components". A component
 * (mdl_component.h) whose users are all real-time flows runs each interval
 * [t0, t1) of a fixed grid either per record (the calendar, as always) or
 * by a PASS: at t0 it takes over its flows' arrivals, draws every record
 * of the interval with its service, runs the FIFO recursion of each
 * endpoint (run_endpoint, mdl_fifo_run), counts the threads each caller
 * pool holds at each arrival (under_limit: mdl_fifo_first_full's rule),
 * checks that every record is quiet (mdl_realtime.h: one successful call,
 * by the deadline, inside the quota, under the endpoint's queue and
 * concurrency limits, its breaker kept CLOSED), and commits every output
 * at once. Otherwise it hands the drawn arrivals back to the calendar
 * (FALLBACK) and the interval runs per record.
 *
 * Invariants the pass relies on:
 *   1. Entry: at t0 nothing of the component is in flight (its flows idle,
 *      breakers CLOSED, endpoints and caller pools empty), so the
 *      recursions start from idle servers and no calendar event of the
 *      component is pending but its flows' next arrivals. A component
 *      that is not quiet at a grid point looks again every AGG_RETRY; a
 *      pass may start there and carry the rest of the interval (t0 need
 *      not be a grid point: nothing below assumes it).
 *   2. Nothing else touches the component's objects: every user of its
 *      endpoints, quotas and pools is one of its flows (the component is
 *      real-time only, split with every object active). Its systems have
 *      no rate limit, no token but a proactive one (which never fails
 *      nor delays a call) and no CDC write hook on its flows (static:
 *      such components stay per record).
 *   3. Quiet end: the pass carries the arrivals of [t0, t1') where t1' is
 *      the first instant >= t1 at which none of its records is in flight
 *      (a record arriving before t1' whose answer comes later extends
 *      it). Nothing is left to inject, and the component is quiet at
 *      t1': the next pass may start there, and carries up to the next
 *      grid point.
 *   4. The pass commits at t0 (after the events already due at t0: the tick
 *      yields once), what the per-record path would have counted in
 *      [t0, t1'). Nobody reads the component meanwhile but the quota
 *      sampler, whose times are grid points: the calls at or after the
 *      first sample after t0 are committed by an event at that sample,
 *      which fires after it, so each sample reads the calls made before
 *      it (the quota counts calls in minute buckets, and a sample is at a
 *      minute edge). That event commits the calls up to the next sample
 *      and moves there if the pass reaches it (agg_quota_tail), so a pass
 *      may span any number of samples.
 *   5. The flows' arrival sequences are the per-record path's: the pass
 *      continues each from the arrival the calendar held, and a fallback
 *      hands every arrival it drew back (flow_rt.held) before the process
 *      draws again.
 *   6. A fallback also puts the systems' service streams back as they were
 *      at t0, so the calendar gives the same records the same services
 *      (drawn in arrival order by the pass, in start order by the
 *      endpoint: the same FIFO order) up to the first event that is not
 *      quiet. Drawing fresh ones would bias the run: the services that
 *      made the pass fall back (a slow one, say) would be replaced by
 *      typical ones, and timeouts would go missing. With both, a fallback
 *      interval runs exactly as it would have, and a committed one gives
 *      the per-record path's outputs for the same draws: the law of every
 *      output is the per-record path's.
 *   7. Equal times. The calendar fires two arrivals due at the same
 *      microsecond in the order they were pushed, and a flow pushes its
 *      next arrival when its previous one fires (flow_rt.pushed counts
 *      those pushes). The pass merges its flows in that order, counting
 *      the pushes the calendar would make as it takes each arrival,
 *      cancels a flow's event only when it commits having taken one of
 *      its arrivals, and pushes the next ones back in that order; so records arriving
 *      together at one endpoint get the services they would get there.
 *   8. Event components (mdl_component_event_pass; docs "Tier R for event
 *      components"). Besides real-time flows, a component may hold event
 *      flows on platform channels and their API subscribers, when every
 *      publisher and reader of each of its channels is in it and nobody
 *      else publishes there (ev_comp_ok). Entry as 1, and each subscriber
 *      idle with nothing unread. The pass (ev_draw) draws the publishes'
 *      keys from the flows' key streams and runs every request of the
 *      endpoints in time order: real-time calls, and each subscriber's
 *      reads at max(publish, a slot free) with the slot freed at its
 *      apply's answer, where it draws its redelivery (a copy then takes
 *      the slot at once); two requests of one endpoint at one microsecond,
 *      one an apply, fall back (the calendar's order there is unknown).
 *      Quiet end as 3, strictly after the last answer. The endpoints,
 *      quotas and callers commit at t0 (pass_commit, every user's
 *      requests); the channels and subscribers at the quiet end, in an
 *      event pushed before the flows' next arrivals and the next tick
 *      (ev_commit: channel, subscriber, apply); the arrivals it did not
 *      take were pushed before it, and none of them is at the quiet end
 *      (10). A fallback also puts back the key and redelivery streams.
 *      The component may also hold REST batches and reconciliations
 *      sharing its quotas (unless MDL_REF_SHARED): they run by the
 *      calendar, and a pass falls back (WHY_SHARED) unless none is
 *      running at t0 and none may start at or before its quiet end
 *      (ev_shared), so it knows every call its quotas count.
 *   9. Sample instants. The calendar fires an arrival and a quota sample
 *      due at one instant S in push order; the sampler pushes S at
 *      S - interval, the flow at its previous arrival (flow_rt.pushed_at,
 *      or the previous one the pass took). The pass counts a call at S
 *      after the sample (4) unless the calendar surely fires it first
 *      (pushed before S - interval: sample_tie, in take_next): then it
 *      commits it before the sample, at t0 for the first sample, else in
 *      the tail event before S (agg_comp.early). Pushed at S - interval,
 *      the order is the one of two events there: the pass falls back
 *      (WHY_EDGE). Pushing back a flow's next arrival at
 *      S at t0 < S - interval fires it before the sample, where the
 *      calendar pushes it at the flow's last arrival: at or after
 *      S - interval, the pass falls back too (sample_ties). An event
 *      pass's read at S falls back (its order there is not known), and
 *      so does a redelivered copy's apply at S whose reading was at or
 *      before S - interval (ev_answer: the answer's event that makes it
 *      may precede the sample's). A fallback keeps every flow's
 *      pending event (take_next cancels none; repush_arrivals, on a
 *      commit, does): pushing it again at t0 could move it past a
 *      sample. Only flows on systems with a quota count (every event
 *      flow does); Poisson arrivals practically never land on S.
 *  10. Answers at arrivals. The calendar fires an answer and an arrival
 *      due at one microsecond in push order (the arrival first when its
 *      event was pushed before the service started), and that order
 *      decides whether the endpoint, its line or a caller pool holds one
 *      more there; the commit's sweeps (mdl_fifo_busy_sorted,
 *      mdl_fifo_waiting, commit_pool) count the answer first. So the
 *      pass falls back (WHY_EDGE) on an end at an arrival of its
 *      endpoint (run_endpoint), a wait ending at one
 *      (wait_ends_at_arrival), a thread released at an arrival of its
 *      pool (check_caller), a record answering at the quiet end while
 *      an arrival is due there (end_tie), and, in an event pass, an
 *      event flow it did not take whose publish is due at the quiet end
 *      (ev_end_tie: its event, pushed before t0, fires before
 *      ev_commit, on a channel and a subscriber the pass holds). An
 *      apply made in the event of an answer at that instant at its
 *      endpoint (a read at a slot's freeing, a redelivered copy) meets
 *      that one end in a known order, the end first; but such a read
 *      from the backlog at an instant its flow publishes falls back
 *      (read_meets_publish: the lag's order there is the push order of
 *      the answer's and the publish's events). Two more ties
 *      fall back (WHY_EDGE): a service drawn as 0 us (station_run: the
 *      calendar counts the request in service at the instant it starts
 *      and ends, the sweeps count its end first; a gamma of shape < 1
 *      draws it, 3% of draws at shape 0.25), and two records ending at
 *      one series sample instant (ends_together_at_sample: the calendar
 *      fires the two ends one after the other and the series open the
 *      bin with the level between them, where the sweeps count what is
 *      held for a positive time). Poisson arrivals and continuous
 *      services tie on a microsecond only by chance.
 */

/* The grid: the series interval cut into equal parts of at most this, so
 * that the quota samples (at multiples of the series interval) are grid
 * points. */
#define AGG_MAX_GRID (10 * SIM_MIN)
/* How long a component that was not quiet at a boundary waits before it
 * looks again (the rest of the interval to the next grid point may still
 * be a pass): a few mean service times of a typical API (0.2-2 s). The
 * tests shorten it (mdl_scenario.look_period, agg.retry) to start passes
 * at many more instants. */
#define AGG_RETRY SIM_SEC
/* A component whose draws keep failing backs off: after n fallbacks in a
 * row that drew records, it looks again 2^min(n - 1, AGG_BACKOFF) grid
 * points later instead of at the next one (a committed pass resets n),
 * so a component that a slow tail or a tight pool keeps per record
 * draws an eighth of its intervals. Looks only decide which intervals a
 * pass tries: every output is the per-record path's either way
 * (invariants 5, 6). The looks of a component that is not quiet do not
 * back off: a busy one is quiet at rare instants, which looking every
 * AGG_RETRY finds and a back-off misses (doubling the wait up to 512 s
 * cut the share of the 100-flow landscape from 0.62 to 0.25, of a busy
 * sampled quota's from 0.82 to 0), and such a look costs a few checks
 * (a chain of 1,000 flows: 66k looks a day, under 1% of its run). */
#define AGG_BACKOFF 3
/* How many records a pass may draw past its grid point t1 to find its
 * quiet end (invariant 3): a component still busy then falls back
 * (WHY_BUSY), so a failed draw holds a bounded number of records (one
 * that ran on for hours held 284k, some 60 MB of scratch). A pass of a
 * busy component may span several grid points (a sampled quota's: 12 at
 * 4 calls/s), of a chain at 1,000 flows 23k records past t1. */
#define AGG_MAX_OVERRUN 65536

/* Why an interval ran per record (published as run.aggregate_<name>). */
enum agg_why {
    WHY_QUIET = 0, /* it did not: the pass committed it */
    WHY_BLOCKED,   /* something was in flight at t0 and at every retry up to t1 */
    WHY_SLOW,      /* an answer after the timeout, or slow calls that would move a breaker */
    WHY_POOL,      /* a caller pool would have filled */
    WHY_LIMIT,     /* an endpoint's queue or concurrency limit or server timeout could bind */
    WHY_QUOTA,     /* the quota would have refused a call */
    WHY_FAULT,     /* an outage or degradation window met the interval */
    WHY_EDGE,      /* the warm-up end, a quota sample, the last interval, or a tie (inv. 10) */
    WHY_SHARED,    /* a batch or a reconciliation sharing a quota runs in the interval */
    WHY_BUSY,      /* still busy AGG_MAX_OVERRUN records past t1 */
    WHY_COUNT
};

static const char *const why_names[WHY_COUNT] = {
    "passes",         "blocked",        "fallback_slow", "fallback_pool",   "fallback_limit",
    "fallback_quota", "fallback_fault", "fallback_edge", "fallback_shared", "fallback_busy"};

/* The FIFO state of one endpoint during a pass (run_endpoint). */
typedef struct agg_station {
    sim_time *heap; /* the ends in service; once exact, the c servers' free times */
    size_t n, cap;
    int exact;
    mdl_fifo_tally tally;
    const mdl_service *service; /* its services and their stream (pass_draw) */
    gsl_rng *rng;
    size_t workers;          /* its endpoint's */
    sim_time server_timeout; /* its API's, 0 for none */
    int queue_limit;         /* whether its API has a queue limit */
} agg_station;

/* A record of a pass: its arrival, flow (world index), service and
 * answer, and its target's position in the component (agg_comp.systems). */
typedef struct agg_rec {
    sim_time at, service, end;
    int flow, sys;
} agg_rec;

/* What an event pass keeps from its draw (at t0) to its commit at its
 * quiet end (ev_commit): the publishes in calendar order, and the reads
 * in time order (rd_sub: the subscriber's index in the component; rd_pub:
 * the publish it reads; rd_done: its apply's answer). */
typedef struct agg_evbuf {
    sim_time *pub_at;
    int *pub_flow;
    uint64_t *pub_key;
    size_t *pub_link; /* the next publish of the same flow, SIZE_MAX for none yet */
    size_t npub, pcap;
    sim_time *rd_at, *rd_done;
    int *rd_sub;
    size_t *rd_pub;
    size_t *rd_copy; /* SIZE_MAX, or the read a redelivered copy repeats */
    size_t nrd, rcap;
    /* The publishes by channel and the reads by channel and by subscriber
     * (ev_index; positions in agg_comp.chans and .subs), each bucket in
     * pass order, bucket k at [off[k], off[k + 1]); ix_key is scratch. */
    size_t *ix_pub, *ix_rd_chan, *ix_rd_sub;
    int *ix_key;
    size_t ixcap;
    size_t *pub_off, *rd_chan_off, *rd_sub_off;
    /* The commit's scratch: per channel, then per subscriber. */
    sim_time *b_at, *b_done;
    int *b_int;
    uint64_t *b_key;
    mdl_event *b_ev;
    size_t *b_copy, *b_local;
    size_t bcap;
} agg_evbuf;

/* A subscriber of an event component during a draw: the ends of its
 * records in its slots (a heap), and the next publish it has to read. */
typedef struct agg_slots {
    sim_time *end; /* [n]: the answers of its applies in flight */
    size_t *rd;    /* [n]: their reads (agg_evbuf.rd_*) */
    size_t n, cap;
    /* The next publish it reads (SIZE_MAX: not known yet, follow prev's
     * link), and the last one it read (SIZE_MAX: none yet, its flow's
     * first). */
    size_t next, prev;
    size_t seen;             /* read_meets_publish's hint: the last publish it passed */
    sim_time freed;          /* when a slot last became free */
    sim_time step_at;        /* its next step's time (sub_key) */
    sim_time retention;      /* its channel's (at the pass's start) */
    double redelivery;       /* its flow's redelivery probability */
    gsl_rng *rng_redelivery; /* and its stream */
    int ans;                 /* its next answer's slot, or -1: its next step is a read (sub_key) */
    int slots, reader;       /* its slot recursion's c; its reader on its channel */
    int flow;                /* its flow (world index), set once at the build */
    int chan;                /* its channel's position in agg_comp.chans, also set once at build */
} agg_slots;

typedef struct agg_comp {
    int *flows, nflows; /* world indices, ascending: its real-time flows */
    /* Every flow whose arrivals the pass draws: the real-time flows, then
     * the event flows (all[nflows .. nall)). */
    int *all, nall;
    int *subs, nsubs;   /* its subscribers (agg.gsubs indices) */
    int *chans, nchans; /* the systems whose channels it carries */
    /* Its REST batch flows (world indices): they share a quota with it and
     * run by the calendar, so a pass must end before one runs. */
    int *batches, nbatches;
    agg_slots *slot; /* [nsubs] */
    agg_evbuf ev;    /* the pass waiting for its commit */
    int *systems, nsystems;
    int *callers, ncallers;
    /* The quota calls of the last pass at or after the quota sample it
     * passed, committed at that sample (agg_quota_tail): per system k of
     * the component, tail_nb[k] buckets at tail + k * tail_stride. */
    uint64_t *tail;
    size_t *tail_nb, tail_stride;
    size_t *tail_done; /* per system: the tail buckets committed so far */
    uint64_t *early;   /* as tail: the calls of each that the calendar makes
                          before the sample at the bucket's start (sample_tie) */
    sim_time tail_at;
    /* Every record of a pass falls in the first bucket of pass_index's
     * key by caller (one caller and no subscriber, or no caller: every
     * record an apply) or by flow (likewise): pass_index need not sort. */
    int one_caller, one_flow;
    int fails;             /* its failed draws in a row, at most AGG_BACKOFF + 1 */
    sim_time online_until; /* no subscriber is offline before (ev_offline) */
} agg_comp;

/* A flow the pass took over, by when the calendar pushed its next arrival
 * (repush_arrivals). */
typedef struct agg_push {
    uint64_t pushed;
    int k; /* its position in agg_comp.all */
} agg_push;

/* A flow's place in take_next's heap: its next arrival after the pass's
 * start and its rank in the order the calendar would push it (agg.last)
 * in one word, (at - t0) << FKEY_RANK | rank (fkey), so that one
 * comparison orders two flows as the calendar fires them (invariant 7);
 * and its position in agg_comp.all. The heap keeps its keys inline, so a
 * sift reads no flow. A time too far for the word is saturated at
 * FKEY_FAR (the draws fall back before they could take it: 203 days after
 * t0); the ranks are renumbered when they run out (flow_renumber). */
typedef struct agg_fkey {
    uint64_t key;
    int k;
} agg_fkey;
#define FKEY_RANK  20
#define FKEY_FAR   ((UINT64_MAX >> FKEY_RANK) - 1)
#define FKEY_NEVER UINT64_MAX

/* A subscriber's place in ev_draw's heap (sub_key): its next step's
 * time after the pass's start, its class and its index in the component
 * in one word, (at - t0) << skey_bits | class << (skey_bits - 2) | index,
 * so that one comparison orders two steps as (time, class, index). A time
 * too far for the word is saturated at agg.skey_far (ev_draw falls back
 * before it could take such a step: at 50 subscribers, 2^56 us after t0),
 * and no step is SKEY_NEVER. */
typedef uint64_t agg_skey;
#define SKEY_NEVER UINT64_MAX

/* A subscriber of the scenario, numbered flow by flow (agg.gsubs). */
typedef struct agg_sub {
    flow_rt *f;
    int i;      /* in f->subs */
    int target; /* the system its applies call */
} agg_sub;

typedef struct agg {
    world *w;
    agg_comp *comps;
    int ncomps;
    agg_sub *gsubs;
    int ngsubs;
    int *gsub_first;   /* per flow: the gsubs index of its first subscriber */
    size_t *pub_first; /* per flow: its first and last publish of the event pass */
    size_t *pub_last;
    /* The order ev_draw takes its subscribers' steps in: nsubs keys, then
     * SKEY_NEVER up to 2 nsubs + 2, so that a sift needs no bound. */
    agg_skey *sub_heap;
    int skey_bits;      /* sub_key's: 2 + the bits of the component's subscribers */
    int ev_slow;        /* a request of the event pass answered after its limit */
    sim_time ev_maxend; /* the event pass's last answer so far */
    uint64_t skey_far;  /* the largest time after t0 a key holds (saturated) */
    /* The order take_next takes its flows' arrivals in: nall keys, then
     * FKEY_NEVER up to 2 nall + 2 (as sub_heap). */
    agg_fkey *flow_heap;
    sim_time fkey_t0;         /* its keys' times are after this */
    uint64_t frank;           /* the rank of the next push in its keys */
    uint64_t frank_max;       /* renumbered when frank reaches it (mdl_scenario.rank_limit) */
    sim_time retry;           /* AGG_RETRY, or mdl_scenario.look_period (the tests' knob) */
    agg_push *order;          /* repush_arrivals' scratch, per flow of the component */
    int events;               /* some component the pass runs has event flows */
    uint64_t ev_records;      /* publishes carried by passes */
    unsigned char *key_saved; /* the event flows' key streams at t0 */
    unsigned char *red_saved; /* the subscribers' redelivery streams at t0 */
    sim_time *rt_at;          /* an event pass's real-time arrivals, in order */
    int *rt_flow;
    size_t nrt, rtcap;
    sim_time *last_at;             /* per system of the component: its last request's arrival */
    unsigned char *last_ap;        /* and whether that was an apply */
    sim_time grid_num, grid_den;   /* grid point j is floor(j * num / den) */
    sim_time last_start;           /* the last grid point before the horizon */
    uint64_t records;              /* carried by passes */
    uint64_t intervals[WHY_COUNT]; /* intervals by how they ran */
    uint64_t looks;                /* the ticks: a component looked whether it was quiet */
    unsigned char *rng_saved;      /* the component's service streams at t0 */
    agg_station *st;               /* per system of the component */
    uint64_t *last;                /* per flow of the component: when its next arrival was pushed */
    sim_time *took;                /* per flow: the last arrival the pass took */
    unsigned char *taken;          /* per flow: the pass took it over */
    sim_time t0;                   /* the pass's start */
    int tie;                       /* it took an arrival at a sample instant (sample_tie) */
    sim_time sample_at;            /* sample_tie's cursor: a sample instant */
    sim_time *early_at;            /* the arrivals the calendar fires before their */
    int *early_sys;                /* sample (sample_early), and their targets */
    size_t nearly, early_cap;
    int nst;
    size_t rng_size;   /* the bytes of one stream's state */
    int status;        /* the first failure (agg_fail), reported by agg_publish */
    sim_time taken_at; /* the arrival take_next took */
    /* Scratch, grown as needed and kept for the run. */
    agg_rec *recs, *sorted; /* the pass's records; some of them in answer order */
    size_t nrecs, cap;
    sim_time *arr, *svc, *start, *end, *heap, *tmp;
    size_t *idx;
    /* The pass's records by system, caller and real-time flow (pass_index):
     * keys (positions in the component), then the record indices bucket
     * by bucket, bucket k at [off[k], off[k + 1]). */
    int *key_sys, *key_caller, *key_flow;
    size_t *by_sys, *by_caller, *by_flow;
    size_t *sys_off, *caller_off, *flow_off;
    size_t *cur; /* per real-time flow of the component: pass_commit's cursor */
    /* Per world system, caller and flow: its position in its component
     * (c->systems, c->callers, c->flows), -1 if it has none. */
    int *pos_sys, *pos_caller, *pos_flow;
    int *pos_chan; /* per world system: its channel's position in c->chans */
    /* rec_sys[f] for a world flow f >= 0, rec_sys[-1 - g] for subscriber
     * g (gsubs): the position of its target in its component (add_rec);
     * rec_sys = rec_sys_all + ngsubs. */
    int *rec_sys, *rec_sys_all;
    int *flow_caller; /* per world flow: its caller's position in its component, or -1 */
    /* Per world flow and per subscriber (gsubs): how long a call may take
     * and stay quiet (the real-time timeout, the apply's). */
    sim_time *lim_flow, *lim_sub;
    sim_time *bucket_area, *busy_a, *queue_a;
    int *bucket_max, *busy_m, *queue_m;
    double *dbuf;
    uint64_t *calls;
    size_t acap, bcap;
    /* What a->calls holds (quota_calls): the pass's calls to system calls_s
     * (the world's index) over [calls_t0, calls_t1), calls_nb buckets;
     * calls_s < 0: nothing known (agg_create, each tick). */
    int calls_s;
    sim_time calls_t0, calls_t1;
    size_t calls_nb;
} agg;

static sim_time grid_point(const agg *a, sim_time j)
{
    return j * a->grid_num / a->grid_den;
}

/* The first grid point > t. */
static sim_time grid_after(const agg *a, sim_time t)
{
    sim_time j = t * a->grid_den / a->grid_num;
    while (grid_point(a, j) <= t)
        j++;
    return grid_point(a, j);
}

/* Keeps the run's first failure: SIM_ENOMEM when scratch could not grow,
 * SIM_EINTERNAL when a pass committed a state the model refuses
 * (pass_commit, ev_commit). agg_publish reports it. */
static void agg_fail(agg *a, int rc)
{
    if (a->status == SIM_OK)
        a->status = rc;
}

static int agg_grow(agg *a, size_t n)
{
    if (n <= a->acap)
        return SIM_OK;
    size_t c = a->acap ? a->acap : 256;
    while (c < n)
        c *= 2;
    sim_time **t[] = {&a->arr, &a->svc, &a->start, &a->end, &a->heap, &a->tmp};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        sim_time *p = sim_reallocarray(*t[i], c, sizeof **t[i]);
        if (!p)
            return SIM_ENOMEM;
        *t[i] = p;
    }
    size_t **z[] = {&a->idx, &a->by_sys, &a->by_caller, &a->by_flow};
    for (size_t i = 0; i < sizeof z / sizeof *z; i++) {
        size_t *p = sim_reallocarray(*z[i], c, sizeof **z[i]);
        if (!p)
            return SIM_ENOMEM;
        *z[i] = p;
    }
    int **k[] = {&a->key_sys, &a->key_caller, &a->key_flow};
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
        int *p = sim_reallocarray(*k[i], c, sizeof **k[i]);
        if (!p)
            return SIM_ENOMEM;
        *k[i] = p;
    }
    a->acap = c;
    return SIM_OK;
}

static int agg_grow_buckets(agg *a, size_t n)
{
    if (n <= a->bcap)
        return SIM_OK;
    size_t c = n + 16;
    sim_time **t[] = {&a->bucket_area, &a->busy_a, &a->queue_a};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        sim_time *p = sim_reallocarray(*t[i], c, sizeof **t[i]);
        if (!p)
            return SIM_ENOMEM;
        *t[i] = p;
    }
    int **m[] = {&a->bucket_max, &a->busy_m, &a->queue_m};
    for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
        int *p = sim_reallocarray(*m[i], c, sizeof **m[i]);
        if (!p)
            return SIM_ENOMEM;
        *m[i] = p;
    }
    double *d = sim_reallocarray(a->dbuf, 4 * c, sizeof *d);
    uint64_t *k = sim_reallocarray(a->calls, c, sizeof *k);
    if (d)
        a->dbuf = d;
    if (k)
        a->calls = k;
    if (!d || !k)
        return SIM_ENOMEM;
    a->bcap = c;
    return SIM_OK;
}

/* Grows the pass's records by doubling. */
static int grow_recs(agg *a)
{
    size_t c = a->cap ? 2 * a->cap : 256;
    agg_rec *p = sim_reallocarray(a->recs, c, sizeof *p);
    if (p)
        a->recs = p;
    agg_rec *q = p ? sim_reallocarray(a->sorted, c, sizeof *q) : NULL;
    if (!q)
        return SIM_ENOMEM;
    a->sorted = q;
    a->cap = c;
    return SIM_OK;
}

/* A record arriving at `at` of a real-time flow (flow >= 0) or of a
 * subscriber's apply (flow = -1 - its gsubs index), its target's
 * position read from a table (rec_sys) rather than the flow's spec. */
static inline int add_rec(agg *a, sim_time at, int flow)
{
    if (a->nrecs == a->cap && grow_recs(a) != SIM_OK)
        return SIM_ENOMEM;
    a->recs[a->nrecs++] = (agg_rec){.at = at, .flow = flow, .sys = a->rec_sys[flow]};
    return SIM_OK;
}

/* Sorts r[n], given in arrival order, into answer order (the calendar's
 * order of the ends; equal ends by arrival). By insertion: the records of
 * an interval are nearly in answer order already (an answer overtakes
 * another only when its service is shorter by more than the gap between
 * their arrivals), so this costs O(n + records overtaken). */
static void sort_by_end(agg_rec *r, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        agg_rec x = r[i];
        size_t j = i;
        for (; j > 0 && r[j - 1].end > x.end; j--)
            r[j] = r[j - 1];
        r[j] = x;
    }
}

/* Whether a fault window of system s meets [t0, t1). */
static int faulted(const sys_rt *s, sim_time t0, sim_time t1)
{
    const mdl_scenario *sc = s->w->sc;
    int index = (int)(s - s->w->systems);
    for (int i = 0; i < sc->nfaults; i++) {
        const mdl_fault_spec *f = &sc->faults[i];
        if (f->enabled && f->system_index == index &&
            (f->kind == MDL_SPEC_FAULT_OUTAGE || f->kind == MDL_SPEC_FAULT_DEGRADATION) &&
            f->start < t1 && f->start + f->duration > t0)
            return 1;
    }
    return 0;
}

/* Whether no arrival finds `limit` or more requests in flight: a[0..n)
 * arrivals (nondecreasing), e[0..n) their ends. A request ending exactly at
 * an arrival counts as in flight (the calendar's order there depends on
 * history: the safe side), and so does every request whatever its age (a
 * concurrency limit with a minimum age counts fewer). heap[n] is scratch
 * for the ends of the requests in flight. tie (if not NULL) is set when a
 * request ends exactly at an arrival. */
static int under_limit(const sim_time *a, const sim_time *e, size_t n, sim_time *heap, int limit,
                       int *tie)
{
    size_t h = 0;
    for (size_t i = 0; i < n; i++) {
        while (h > 0 && heap[0] < a[i])
            mdl_fifo_heap_pop(heap, &h);
        if (tie && h > 0 && heap[0] == a[i])
            *tie = 1;
        if (h >= (size_t)limit)
            return 0;
        mdl_fifo_heap_push(heap, &h, e[i]);
    }
    return 1;
}

/* How many times the min-heap h[n] holds v, from place i down: a subtree
 * whose root is above v holds nothing below it. Once a station is exact
 * its heap holds the c servers' free times: the ones at or before an
 * arrival are visited, few when the station is loaded enough to be
 * exact. */
static int heap_count(const sim_time *h, size_t n, size_t i, sim_time v)
{
    if (i >= n || h[i] > v)
        return 0;
    return (h[i] == v) + heap_count(h, n, 2 * i + 1, v) + heap_count(h, n, 2 * i + 2, v);
}

/* Readies the FIFO state of the k-th system of c for a pass: idle, its
 * services and their stream, its workers and limits. */
static void station_start(agg *a, const agg_comp *c, int k)
{
    const sys_rt *sys = &a->w->systems[c->systems[k]];
    agg_station *st = &a->st[k];
    st->n = 0;
    st->exact = 0;
    st->tally = (mdl_fifo_tally){.first_full = SIM_TIME_NEVER};
    st->service = mdl_endpoint_service(sys->endpoint);
    st->rng = sys->service_rng;
    st->workers = (size_t)mdl_endpoint_workers(sys->endpoint);
    st->server_timeout = sys->spec->api.server_timeout;
    st->queue_limit = sys->spec->api.queue_limit != 0;
}

/* Grows station st's heap of ends in service (at most its workers). */
static int station_grow(agg_station *st)
{
    size_t cap = st->cap ? 2 * st->cap : 16;
    cap = cap < st->workers ? cap : st->workers;
    sim_time *h = sim_reallocarray(st->heap, cap, sizeof *h);
    if (!h)
        return SIM_ENOMEM;
    st->heap = h;
    st->cap = cap;
    return SIM_OK;
}

/* One step of the FIFO recursion of station st (run_endpoint): record r,
 * the next to arrive there, gets its end. WHY_QUIET, or why it is not
 * quiet; < 0 on no memory. */
static inline int station_run(agg_station *st, agg_rec *r, int causal)
{
    size_t c = st->workers;
    if (st->server_timeout > 0 && r->service > st->server_timeout)
        return WHY_LIMIT;
    if (r->service == 0)
        return WHY_EDGE; /* it starts and ends at one instant: the calendar counts it in
                            service there, the level sweeps count its end first (a gamma
                            of shape < 1 draws 0 us: 3% at shape 0.25, mean 300 ms) */
    if (!st->exact) {
        while (st->n > 0 && st->heap[0] < r->at)
            mdl_fifo_heap_pop(st->heap, &st->n);
        if (st->n > 0 && st->n < c && st->heap[0] == r->at &&
            heap_count(st->heap, st->n, 0, r->at) > causal)
            return WHY_EDGE; /* an end at an arrival that finds a worker free */
        if (st->n < c) {
            if (st->n == st->cap && station_grow(st) != SIM_OK)
                return SIM_ENOMEM;
            r->end = r->at + r->service;
            mdl_fifo_heap_push(st->heap, &st->n, r->end);
            return WHY_QUIET;
        }
        st->exact = 1; /* the heap holds c ends >= r->at: the servers' free times */
    }
    /* mdl_fifo_run on one record, the heap kept in order */
    sim_time f = st->heap[0];
    if (f < r->at && heap_count(st->heap, st->n, 0, r->at) > causal)
        return WHY_EDGE; /* (at heap[0] it finds every worker busy: below) */
    if (f == r->at)
        return WHY_LIMIT; /* an end at its very instant: the calendar's order
                             decides whether it found every worker busy */
    r->end = (f > r->at ? f : r->at) + r->service;
    mdl_fifo_heap_replace(st->heap, st->n, r->end);
    if (f > r->at) {
        st->tally.waited++;
        if (st->tally.found_full++ == 0)
            st->tally.first_full = r->at;
    }
    return WHY_QUIET;
}

/* The FIFO recursion of the k-th system of the component over the pass's
 * records from index `from` on, in arrival order (the records before it
 * are final: in FIFO a later arrival never changes an earlier one's
 * start): fills their recs[].end and a->st[k] (station_start done). The
 * common case first: while no arrival finds c requests in service (a
 * request ending at that instant counted: a tie is the safe side), nobody
 * waits (by induction in arrival order), start = arrival, and the state
 * is the heap of the ends in service. The first arrival that finds c of
 * them turns that heap into the c servers' free times, and from there on
 * the recursion is mdl_fifo_run's. A request ending at the very instant
 * another arrives is a tie whose order only the calendar knows (it
 * decides whether the number in service reaches one more there, and
 * mdl_fifo_busy_sorted counts the end first): WHY_EDGE. But a request
 * `causal` (an apply its subscriber calls in the very event of an answer
 * at that instant at this endpoint: the end then comes first, as the
 * sweep counts it) tolerates that one end. WHY_QUIET, or why a record is
 * not quiet; < 0 on no memory. */
static int run_endpoint(agg *a, int k, size_t from, int causal)
{
    agg_station *st = &a->st[k];
    for (size_t i = from; i < a->nrecs; i++) {
        agg_rec *r = &a->recs[i];
        if (r->sys != k)
            continue;
        int why = station_run(st, r, causal);
        if (why != WHY_QUIET)
            return why;
    }
    if (st->queue_limit && st->tally.found_full > 0)
        return WHY_LIMIT; /* a queue limit could bind: leave it to the calendar */
    return WHY_QUIET;
}

/* Sorts the indices 0 .. n) by key[i] in 0 .. nkeys] (stably: each
 * bucket in index order) into out[n], bucket k at out[off[k] ..
 * off[k + 1]). off has nkeys + 2 places. */
static void bucket_sort(const int *key, size_t n, int nkeys, size_t *off, size_t *out)
{
    memset(off, 0, ((size_t)nkeys + 2) * sizeof *off);
    for (size_t i = 0; i < n; i++)
        off[key[i] + 1]++;
    for (int k = 0; k <= nkeys; k++)
        off[k + 1] += off[k];
    for (size_t i = 0; i < n; i++)
        out[off[key[i]]++] = i;
    for (int k = nkeys; k > 0; k--) /* off[k] moved to the end of bucket k */
        off[k] = off[k - 1];
    off[0] = 0;
}

/* The indices 0 .. n) as one bucket 0 (bucket_sort's output when every
 * key is 0): out[i] = i, off[0] = 0, off[1 .. nkeys + 1] = n. */
static void one_bucket(size_t n, int nkeys, size_t *off, size_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = i;
    off[0] = 0;
    for (int k = 1; k <= nkeys + 1; k++)
        off[k] = n;
}

/* Indexes the pass's final records (a->recs, in arrival order) once, so
 * that each check and commit sweeps only its own: by system, caller and
 * real-time flow of c (their positions in c: a->pos_*), each bucket in
 * arrival order. A record of no caller or no flow (an apply) goes to the
 * last bucket. Where c says every record falls in the first bucket (one
 * system; one caller or one flow and no subscriber, or none: c->one_*),
 * the order is the records' own and nothing is sorted. */
static void pass_index(agg *a, const agg_comp *c)
{
    const agg_rec *r = a->recs;
    size_t n = a->nrecs;
    if (c->nsystems == 1) {
        one_bucket(n, c->nsystems, a->sys_off, a->by_sys);
    } else {
        for (size_t i = 0; i < n; i++)
            a->key_sys[i] = r[i].sys;
        bucket_sort(a->key_sys, n, c->nsystems, a->sys_off, a->by_sys);
    }
    if (c->one_caller) {
        one_bucket(n, c->ncallers, a->caller_off, a->by_caller);
    } else {
        for (size_t i = 0; i < n; i++) {
            int kc = r[i].flow >= 0 ? a->flow_caller[r[i].flow] : -1;
            a->key_caller[i] = kc >= 0 ? kc : c->ncallers;
        }
        bucket_sort(a->key_caller, n, c->ncallers, a->caller_off, a->by_caller);
    }
    if (c->one_flow) {
        one_bucket(n, c->nflows, a->flow_off, a->by_flow);
    } else {
        for (size_t i = 0; i < n; i++) {
            int kf = r[i].flow >= 0 ? a->pos_flow[r[i].flow] : -1;
            a->key_flow[i] = kf >= 0 ? kf : c->nflows;
        }
        bucket_sort(a->key_flow, n, c->nflows, a->flow_off, a->by_flow);
    }
}

/* The pass's records of the k-th system of the component in arrival order
 * (pass_index): arrivals into a->arr, ends into a->end, their indices into
 * a->idx; their number. */
static size_t system_records(agg *a, int k)
{
    size_t b = a->sys_off[k], n = a->sys_off[k + 1] - b;
    for (size_t j = 0; j < n; j++) {
        size_t i = a->by_sys[b + j];
        a->idx[j] = i;
        a->arr[j] = a->recs[i].at;
        a->end[j] = a->recs[i].end;
    }
    return n;
}

/* Caller pool p never refuses the pass's records and never fills.
 * The common case needs no sweep: when p's records all go to one system
 * and none of that system's records waited (run_endpoint's tally), each
 * arrival there found fewer than its c workers in flight, ties counted
 * (run_endpoint: below c while not exact; once exact, a record finding
 * every worker busy waited or sent the pass back, and one that did not
 * found a worker free before it). p's records in flight are among those,
 * so with c < size the pool never holds size - 1. Nor does a thread come
 * back at the very instant a record of p arrives: the calendar's order
 * there decides the pool's maximum (commit_pool's sweep releases first);
 * in the common case such a tie is an end at an arrival of the one
 * system, which run_endpoint sends back. WHY_QUIET, WHY_POOL, or WHY_EDGE
 * for such a tie. */
static int check_caller(agg *a, const agg_comp *c, int q)
{
    world *w = a->w;
    int p = c->callers[q];
    size_t b = a->caller_off[q], n = a->caller_off[q + 1] - b;
    if (n == 0)
        return WHY_QUIET; /* no record of p */
    int k = a->recs[a->by_caller[b]].sys, single = 1;
    /* key_sys: pass_index fills it only when c has more than one system */
    for (size_t j = 1; j < n && c->nsystems > 1; j++)
        single &= a->key_sys[a->by_caller[b + j]] == k;
    int size = mdl_caller_size(w->callers[p]);
#ifndef NDEBUG
    /* the tally says what a sweep of the system's records would: one of
     * them waited when it answered later than its arrival and service */
    int swept = 0;
    for (size_t i = a->sys_off[k]; i < a->sys_off[k + 1]; i++) {
        const agg_rec *r = &a->recs[a->by_sys[i]];
        swept |= r->end - r->service != r->at;
    }
    assert(swept == (a->st[k].tally.waited > 0) && "run_endpoint's tally counts every wait");
#endif
    if (single && a->st[k].tally.waited == 0 &&
        mdl_endpoint_workers(w->systems[c->systems[k]].endpoint) < size)
        return WHY_QUIET; /* a release at an arrival is the endpoint's (run_endpoint) */
    for (size_t j = 0; j < n; j++) {
        const agg_rec *r = &a->recs[a->by_caller[b + j]];
        a->arr[j] = r->at;
        a->svc[j] = r->end; /* the release times */
    }
    /* A record finding size - 1 threads held would fill the pool (its time
     * exhausted is left to the calendar); with none free it is refused.
     * A thread released at the instant a record arrives counts as held
     * (under_limit's ties): mdl_fifo_first_full's rule with size - 1. */
    int tie = 0;
    if (size < 2 || !under_limit(a->arr, a->svc, n, a->tmp, size - 1, &tie))
        return WHY_POOL;
    return tie ? WHY_EDGE : WHY_QUIET;
}

/* The pass's calls per quota grid bucket of system s, the k-th of the
 * component, from t0's, into a->calls: the number of buckets. The
 * commit (commit_quota) finds there what the check (pass_checks) counted
 * when no other count came between: when exactly one system of the
 * component has a quota (the check counts each such system in turn, so
 * with two the commit counts again). The key names the system (in the
 * world: a system is in one component) and the pass's [t0, t1); a pass's
 * records are fixed from its check to its commit, and each tick clears
 * the key before it draws new ones (agg_tick), so the count cannot be
 * another pass's. */
static size_t quota_calls(agg *a, int k, int s, sim_time t0, sim_time t1)
{
    if (s == a->calls_s && t0 == a->calls_t0 && t1 == a->calls_t1)
        return a->calls_nb;
    mdl_quota *q = a->w->systems[s].quota;
    sim_time g = mdl_quota_grid(q);
    size_t nb = (size_t)((t1 - 1) / g - t0 / g + 1);
    if (agg_grow_buckets(a, nb) != SIM_OK)
        return 0;
    memset(a->calls, 0, nb * sizeof *a->calls);
    /* a cursor over the bucket edges (the records come in arrival order)
     * instead of a division per record */
    size_t j = 0;
    uint64_t count = 0; /* bucket j's, in a register until the cursor moves */
    sim_time edge = (t0 / g + 1) * g;
    for (size_t i = a->sys_off[k]; i < a->sys_off[k + 1]; i++) {
        const agg_rec *r = &a->recs[a->by_sys[i]];
        assert(r->at >= edge - g && "the pass's records come in arrival order");
        for (; r->at >= edge; edge += g) {
            a->calls[j++] = count;
            count = 0;
        }
        count++;
    }
    a->calls[j] = count;
    a->calls_s = s;
    a->calls_t0 = t0;
    a->calls_t1 = t1;
    a->calls_nb = nb;
    return nb;
}

/* The records of the q-th real-time flow of the component in answer
 * order, into a->arr (created) and a->end (answered); their number. */
static size_t flow_answers(agg *a, int q)
{
    size_t b = a->flow_off[q], n = a->flow_off[q + 1] - b;
    for (size_t j = 0; j < n; j++)
        a->sorted[j] = a->recs[a->by_flow[b + j]];
    sort_by_end(a->sorted, n);
    for (size_t j = 0; j < n; j++) {
        a->arr[j] = a->sorted[j].at;
        a->end[j] = a->sorted[j].end;
    }
    return n;
}

/* Whether flow fi's breaker stays CLOSED through its records of the pass.
 * Their answer order matters only when a trial must tell (a slow call, or
 * failures in the window), so they are sorted only then. */
static int breaker_holds(agg *a, const agg_comp *c, int q)
{
    mdl_realtime *rt = a->w->flows[c->flows[q]].realtime;
    if (!mdl_realtime_breaker(rt))
        return 1;
    size_t b = a->flow_off[q], n = a->flow_off[q + 1] - b;
    for (size_t j = 0; j < n; j++) {
        const agg_rec *r = &a->recs[a->by_flow[b + j]];
        a->arr[j] = r->at;
        a->end[j] = r->end;
    }
    if (mdl_realtime_breaker_surely_holds(rt, n, a->arr, a->end))
        return 1;
    n = flow_answers(a, q);
    return mdl_realtime_breaker_holds(rt, n, a->arr, a->end);
}

/* The first quota sample after t0 (sample_quota runs at every multiple of
 * the series interval). */
static sim_time next_sample(const world *w, sim_time t0)
{
    return (t0 / w->interval + 1) * w->interval;
}

/* The key of a flow's arrival at `at` (agg_fkey) with push rank r. */
static inline uint64_t fkey(const agg *a, sim_time at, uint64_t r)
{
    if (at == SIM_TIME_NEVER)
        return FKEY_NEVER;
    assert(at >= a->fkey_t0 && "a flow's next arrival is not before the pass");
    uint64_t rel = (uint64_t)(at - a->fkey_t0);
    return (rel < FKEY_FAR ? rel : FKEY_FAR) << FKEY_RANK | r;
}

/* Restores the heap of flows (the first to fire on top) below place h,
 * whose key grew. Past its keys the heap holds FKEY_NEVER (agg.flow_heap),
 * which no key passes: no bound to check. */
static void flow_sift_down(agg_fkey *heap, size_t h)
{
    /* The places as byte offsets: a level costs no scaling of an index
     * (the entries are 16 bytes, beyond an address's scale) */
    const size_t size = sizeof *heap;
    char *base = (char *)heap;
    agg_fkey x = heap[h];
    size_t at = h * size;
    for (;;) {
        size_t l = 2 * at + size;
        const agg_fkey *kids = (const agg_fkey *)(base + l);
        l += kids[1].key < kids[0].key ? size : 0;
        const agg_fkey *kid = (const agg_fkey *)(base + l);
        if (kid->key >= x.key)
            break;
        *(agg_fkey *)(base + at) = *kid;
        at = l;
    }
    *(agg_fkey *)(base + at) = x;
}

static int by_push(const void *x, const void *y);

/* Ranks the m keys of the heap's first n places that are not
 * FKEY_NEVER anew 0 .. m), in their order, and returns n, a rank above
 * them all for the next push (their order, and so the heap, stays as it
 * was). The ranks run out after 2^FKEY_RANK pushes in a pass (or
 * mdl_scenario.rank_limit, the tests' knob: agg.frank_max). */
static NOINLINE uint64_t flow_renumber(agg *a, int n)
{
    const uint64_t mask = ((uint64_t)1 << FKEY_RANK) - 1;
    assert((uint64_t)n < ((uint64_t)1 << FKEY_RANK) && "a rank for every flow and one to push");
    int m = 0;
    for (int h = 0; h < n; h++)
        if (a->flow_heap[h].key != FKEY_NEVER)
            a->order[m++] = (agg_push){.pushed = a->flow_heap[h].key & mask, .k = h};
    qsort(a->order, (size_t)m, sizeof *a->order, by_push);
    for (int j = 0; j < m; j++) {
        agg_fkey *x = &a->flow_heap[a->order[j].k];
        x->key = (x->key & ~mask) | (uint64_t)j;
    }
    return (uint64_t)n;
}

/* The heap of c's flows on their next arrivals (a->last set) for a pass
 * starting at t0, ranked by when the calendar pushed them. */
static void flow_heap_build(agg *a, const agg_comp *c, sim_time t0)
{
    assert((uint64_t)c->nall < ((uint64_t)1 << FKEY_RANK) && "a rank for every flow");
    a->fkey_t0 = t0;
    for (int k = 0; k < c->nall; k++)
        a->order[k] = (agg_push){.pushed = a->last[k], .k = k};
    qsort(a->order, (size_t)c->nall, sizeof *a->order, by_push);
    for (int r = 0; r < c->nall; r++) {
        int k = a->order[r].k;
        a->flow_heap[r] =
            (agg_fkey){.key = fkey(a, a->w->flows[c->all[k]].next_at, (uint64_t)r), .k = k};
    }
    for (int h = c->nall; h < 2 * c->nall + 2; h++)
        a->flow_heap[h] = (agg_fkey){.key = FKEY_NEVER, .k = -1};
    a->frank = (uint64_t)c->nall;
    for (int h = c->nall / 2 - 1; h >= 0; h--)
        flow_sift_down(a->flow_heap, (size_t)h);
}

/* Whether the calendar may order flow f's arrival at `at`, pushed at
 * `pushed`, against a quota sample differently from
 * the pass (invariant 9). The pass commits a call at a sample instant S
 * after the sample; the calendar fires it before the sample when it was
 * pushed before the sampler pushed S, at S - interval (at that very
 * instant the order is the one of the two events there: not known). A
 * real-time flow matters only if its target has a quota; an event flow's
 * publish may start an apply anywhere: it always matters. 0: the pass's
 * order is the calendar's; 2: the calendar fires it first, surely (it
 * was pushed before S - interval), and the pass can commit it before the
 * sample (sample_early); 1: neither, the pass must fall back. */
static int sample_tie(agg *a, const flow_rt *f, sim_time at, sim_time pushed)
{
    const world *w = a->w;
    while (a->sample_at < at) /* the arrivals come in time order: no division */
        a->sample_at += w->interval;
    if (at != a->sample_at || at <= a->t0 || pushed > at - w->interval)
        return 0;
    if (f->realtime && !w->systems[f->spec->target_index].quota)
        return 0;
    if (!f->realtime)
        return 1;
    return pushed < at - w->interval ? 2 : 1;
}

/* Notes flow f's arrival at `at` as one the calendar fires before the
 * quota sample at that instant (sample_tie). */
static void sample_early(agg *a, const flow_rt *f, sim_time at)
{
    if (a->nearly == a->early_cap) {
        size_t cap = a->early_cap ? 2 * a->early_cap : 64;
        sim_time *t = sim_reallocarray(a->early_at, cap, sizeof *t);
        if (t)
            a->early_at = t;
        int *g = t ? sim_reallocarray(a->early_sys, cap, sizeof *g) : NULL;
        if (!g) {
            agg_fail(a, SIM_ENOMEM);
            a->tie = 1; /* the pass falls back */
            return;
        }
        a->early_sys = g;
        a->early_cap = cap;
    }
    a->early_at[a->nearly] = at;
    a->early_sys[a->nearly++] = f->spec->target_index;
}

/* take_next's check of flow f's arrival at `at`, its k-th, against the
 * quota samples (sample_tie), made only for an arrival at or after the
 * sample instant a->sample_at: before it, sample_tie finds no tie. Out of
 * line: most arrivals of a pass come before the next sample. */
static NOINLINE void take_tie(agg *a, const flow_rt *f, int k, sim_time at)
{
    int tie = sample_tie(a, f, at, a->taken[k] ? a->took[k] : f->pushed_at);
    if (tie == 2)
        sample_early(a, f, at);
    else if (tie)
        a->tie = 1;
}

/* The flow of c whose arrival before `until` the calendar would fire
 * next (invariant 7), taken over by the pass; -1 when none is due. The
 * arrival taken is a->taken_at. The flows wait in a->flow_heap
 * (flow_heap_build at the pass's start): the first to fire is on top.
 * Its rare cases (a sample instant reached, the ranks renumbered) are
 * out of line. */
static int take_next(agg *a, const agg_comp *c, sim_time until)
{
    world *w = a->w;
    agg_fkey *top = a->flow_heap;
    /* its time, or for a saturated or no arrival one >= until (the draws'
     * guard: until - t0 <= FKEY_FAR) */
    if (c->nall == 0 || !(a->fkey_t0 + (sim_time)(top->key >> FKEY_RANK) < until))
        return -1;
    int next = top->k;
    flow_rt *f = &w->flows[c->all[next]];
    sim_time at = f->next_at;
    if (!a->tie && at >= a->sample_at)
        take_tie(a, f, next, at);
    a->taken[next] = 1;          /* its event is cancelled on a commit (pass_repush) */
    a->last[next] = ++w->pushes; /* the calendar would push its next now */
    a->taken_at = a->took[next] = at;
    at = f->next_at = flow_next(f, at);
    if (a->frank >= a->frank_max)
        a->frank = flow_renumber(a, c->nall);
    top->key = fkey(a, at, a->frank++); /* a later arrival, pushed last */
    flow_sift_down(a->flow_heap, 0);
    return f->index;
}

/* Whether a record of the k-th system of the pass leaves the line at the
 * very instant another arrives: the calendar's order there decides
 * whether the line holds one more (mdl_fifo_waiting lets it leave
 * first). The arrivals and the starts both come in order (FIFO): a merge.
 * Reads a->arr, a->end and a->idx (system_records). */
static int wait_ends_at_arrival(agg *a, int k)
{
    size_t b = a->sys_off[k], n = a->sys_off[k + 1] - b, j = 0;
    for (size_t i = 0; i < n; i++) {
        for (; j < n; j++) {
            sim_time start = a->end[j] - a->recs[a->idx[j]].service;
            if (start > a->arr[j] && start >= a->arr[i]) { /* a wait ending at or after it */
                if (start == a->arr[i])
                    return 1;
                break;
            }
        }
    }
    return 0;
}

/* Whether two records of the pass end at one series sample instant (a
 * multiple of the interval) in (t0, t1]: the calendar fires the two ends
 * one after the other, and the series open the bin with the level
 * between them (one more than after both); the commit's level sweeps
 * count what is held for a positive time, so the bin maxima of the
 * endpoint, its line and the caller pool would come out one lower.
 * Deterministic arrivals and services meet there. The cost is a
 * comparison a record for each sample instant in (t0, t1] (no division):
 * one or two for a pass of about a grid step, but t1 (the pass's until)
 * reaches several intervals past t0 when services are long or an event
 * pass overruns (+0.40% instructions on l100_event, 1 day). */
static int ends_together_at_sample(const agg *a, sim_time t0, sim_time t1)
{
    sim_time interval = a->w->interval;
    for (sim_time at = (t0 / interval + 1) * interval; at <= t1; at += interval) {
        int seen = 0;
        for (size_t i = 0; i < a->nrecs; i++)
            if (a->recs[i].end == at && seen++)
                return 1;
    }
    return 0;
}

/* The checks of a pass over [t0, until) on its drawn records (a->recs,
 * ends set) besides the timeouts: breakers, caller pools, the warm-up
 * edge, two ends at one series sample instant (ends_together_at_sample),
 * faults, concurrency limits, quotas and the quota sample edge.
 * WHY_QUIET, or why the interval must run per record; < 0 on no memory. */
static int pass_checks(agg *a, const agg_comp *c, sim_time t0, sim_time until)
{
    world *w = a->w;
    pass_index(a, c); /* for pass_commit too: the records are final */
    for (int k = 0; k < c->nflows; k++)
        if (!breaker_holds(a, c, k))
            return WHY_SLOW; /* the records would move a breaker */
    for (int k = 0; k < c->ncallers; k++) {
        int why = check_caller(a, c, k);
        if (why != WHY_QUIET)
            return why;
    }
    sim_time warmup = w->sc->warmup;
    if (warmup > t0 && warmup <= until)
        return WHY_EDGE;
    if (ends_together_at_sample(a, t0, until))
        return WHY_EDGE;
    for (int k = 0; k < c->nsystems; k++) {
        int s = c->systems[k];
        if (faulted(&w->systems[s], t0, until))
            return WHY_FAULT;
        int waited = a->st[k].tally.waited > 0;
        int limit = w->systems[s].spec->api.concurrency_limit;
        if (waited || limit > 0) { /* both read the system's records, gathered once */
            size_t n = system_records(a, k);
            if (waited && n > 0 && wait_ends_at_arrival(a, k))
                return WHY_EDGE;
            if (limit > 0 && !under_limit(a->arr, a->end, n, a->tmp, limit, NULL))
                return WHY_LIMIT;
        }
        if (!w->systems[s].quota)
            continue;
        size_t nb = quota_calls(a, k, s, t0, until);
        if (nb == 0)
            return SIM_ENOMEM;
        if (mdl_quota_fits(w->systems[s].quota, t0, a->calls, nb, 0) != nb)
            return WHY_QUOTA;
    }
    return WHY_QUIET;
}

/* Whether a record of the pass answers at its quiet end t1 while an
 * arrival of the component is due there (invariant 3): the calendar's
 * order of the two decides whether the endpoint and the caller pool hold
 * one more at t1, which the pass, committing the answer as a release
 * before t1, cannot tell. */
static int end_tie(const agg *a, const agg_comp *c, sim_time t1)
{
    int due = 0;
    for (int k = 0; k < c->nall && !due; k++)
        due = a->w->flows[c->all[k]].next_at == t1;
    for (size_t i = 0; i < a->nrecs && due; i++)
        if (a->recs[i].end == t1)
            return 1;
    return 0;
}

/* Draws the component's records of [t0, *t1) and runs them; extends *t1
 * to the quiet end. WHY_QUIET when every record is quiet, else why the
 * interval must run per record; < 0 on no memory. */
static int pass_draw(agg *a, const agg_comp *c, sim_time t0, sim_time *t1)
{
    sim_time until = *t1, last = until;
    size_t base = SIZE_MAX; /* the records before t1 */
    int slow = 0;           /* a record answered later than its flow's limit */
    for (int k = 0; k < c->nsystems; k++)
        station_start(a, c, k);
    for (;;) {
        if ((uint64_t)(until - t0) > FKEY_FAR)
            return WHY_BUSY; /* take_next's keys would not order the arrivals before until */
        size_t from = a->nrecs;
        for (int fi; (fi = take_next(a, c, until)) >= 0;) {
            if (add_rec(a, a->taken_at, fi) != SIM_OK)
                return SIM_ENOMEM;
            agg_rec *r = &a->recs[a->nrecs - 1]; /* each system's stream in arrival order */
            const agg_station *st = &a->st[r->sys];
            r->service = sim_time_clamp_seconds(mdl_service_sample(st->service, st->rng));
        }
        size_t fresh = a->nrecs - from;
        if (fresh == 0 && from > 0)
            break;
        if (agg_grow(a, a->nrecs + 1) != SIM_OK) /* + 1: a server even with no record */
            return SIM_ENOMEM;
        for (int k = 0; k < c->nsystems; k++) {
            int why = run_endpoint(a, k, from, 0);
            if (why != WHY_QUIET)
                return why;
        }
        for (size_t i = from; i < a->nrecs; i++) { /* final: FIFO */
            const agg_rec *r = &a->recs[i];
            last = r->end > last ? r->end : last;
            slow |= r->end - r->at > a->lim_flow[r->flow];
        }
        if (last == until)
            break;
        until = last; /* records still in flight: carry the arrivals up to their end */
        if (until > a->last_start)
            return WHY_EDGE;
        base = base == SIZE_MAX ? a->nrecs : base;
        if (a->nrecs - base > AGG_MAX_OVERRUN)
            return WHY_BUSY;
    }
    *t1 = until;
    if (slow)
        return WHY_SLOW; /* a timeout: its retries are left to the calendar */
    if (last == until && end_tie(a, c, until))
        return WHY_EDGE;
    return pass_checks(a, c, t0, until);
}

static void agg_quota_tail(void *ctx, uint64_t arg, sim_time now);

/* Commits the quota calls of system k of c over [t0, t1). The quota
 * sampler reads the quota at each multiple of the series interval and must
 * see only the calls made before it (invariant 4): calls from the first
 * sample after t0 on are committed by an event at that sample, pushed now,
 * so after the sample's own event (pushed one interval earlier); that
 * event commits the calls up to the next sample and, if the pass reaches
 * it, pushes itself there (after that sample's event, pushed by the
 * sample it follows), and so on. */
static int commit_quota(agg *a, agg_comp *c, int k, sim_time t0, sim_time t1)
{
    world *w = a->w;
    int s = c->systems[k];
    mdl_quota *q = w->systems[s].quota;
    sim_time g = mdl_quota_grid(q), sample = next_sample(w, t0);
    size_t nb = quota_calls(a, k, s, t0, t1);
    if (nb == 0)
        return SIM_ENOMEM;
    size_t now_nb =
        sample < t1 ? (size_t)(sample / g - t0 / g) : nb; /* a sample is at a bucket edge */
    mdl_quota_commit(q, t0, a->calls, now_nb);
    if (now_nb == nb)
        return SIM_OK;
    size_t rest = nb - now_nb;
    if (c->tail_at != sample) { /* the first system with a tail in this pass */
        memset(c->tail_nb, 0, (size_t)c->nsystems * sizeof *c->tail_nb);
        memset(c->tail_done, 0, (size_t)c->nsystems * sizeof *c->tail_done);
        c->tail_at = sample;
        if (sim_queue_push(w->q, sample, agg_quota_tail, a, (uint64_t)(c - a->comps)) ==
            SIM_EVENT_NONE)
            return SIM_ENOMEM;
    }
    if (rest > c->tail_stride || !c->tail) {
        size_t stride = rest > c->tail_stride ? rest : c->tail_stride;
        uint64_t *t = sim_reallocarray(c->tail, (size_t)c->nsystems * stride, sizeof *t);
        if (!t)
            return SIM_ENOMEM;
        c->tail = t;
        uint64_t *e = sim_reallocarray(c->early, (size_t)c->nsystems * stride, sizeof *e);
        if (!e)
            return SIM_ENOMEM;
        c->early = e;
        /* the tails of this pass's earlier systems to the wider stride */
        for (int j = c->nsystems - 1; j >= 0 && c->tail_stride > 0; j--)
            if (c->tail_nb[j] > 0) {
                memmove(t + (size_t)j * stride, t + (size_t)j * c->tail_stride,
                        c->tail_nb[j] * sizeof *t);
                memmove(e + (size_t)j * stride, e + (size_t)j * c->tail_stride,
                        c->tail_nb[j] * sizeof *e);
            }
        c->tail_stride = stride;
    }
    uint64_t *tail = c->tail + (size_t)k * c->tail_stride;
    uint64_t *early = c->early + (size_t)k * c->tail_stride;
    memcpy(tail, a->calls + now_nb, rest * sizeof *tail);
    memset(early, 0, rest * sizeof *early);
    /* the calls the calendar makes before the sample at their instant
     * (sample_tie): at the first sample committed now, after the calls
     * before it; at a later one by the tail event before it */
    for (size_t i = 0; i < a->nearly; i++)
        if (a->early_sys[i] == s) {
            size_t b = (size_t)(a->early_at[i] / g - t0 / g) - now_nb;
            assert(b < rest && tail[b] > 0);
            tail[b]--;
            early[b]++;
        }
    if (early[0] > 0)
        mdl_quota_commit(q, sample, early, 1);
    c->tail_nb[k] = rest;
    return SIM_OK;
}

/* At a quota sample: commits the calls of the last pass from now to the
 * next sample, and comes back there if the pass went on (commit_quota). */
static void agg_quota_tail(void *ctx, uint64_t arg, sim_time now)
{
    agg *a = ctx;
    world *w = a->w;
    agg_comp *c = &a->comps[arg];
    int more = 0;
    for (int k = 0; k < c->nsystems; k++) {
        size_t left = c->tail_nb[k] - c->tail_done[k];
        if (left == 0)
            continue;
        mdl_quota *q = w->systems[c->systems[k]].quota;
        size_t per = (size_t)(w->interval / mdl_quota_grid(q)); /* it divides (agg_comp_init) */
        size_t n = left < per ? left : per;
        mdl_quota_commit(q, now, c->tail + (size_t)k * c->tail_stride + c->tail_done[k], n);
        c->tail_done[k] += n;
        more |= c->tail_done[k] < c->tail_nb[k];
        if (c->tail_done[k] < c->tail_nb[k]) { /* the next sample's early calls, before it */
            const uint64_t *e = c->early + (size_t)k * c->tail_stride + c->tail_done[k];
            if (*e > 0)
                mdl_quota_commit(q, now + w->interval, e, 1);
        }
    }
    if (more) {
        c->tail_at = now + w->interval;
        if (sim_queue_push(w->q, c->tail_at, agg_quota_tail, a, arg) == SIM_EVENT_NONE)
            agg_fail(a, SIM_ENOMEM);
        return;
    }
    memset(c->tail_nb, 0, (size_t)c->nsystems * sizeof *c->tail_nb);
    memset(c->tail_done, 0, (size_t)c->nsystems * sizeof *c->tail_done);
}

/* Commits n requests' hold of caller pool p: the level of threads held
 * over the pass (area and maximum) and per series bucket (d: nb areas,
 * then nb maxima, from bucket first). */
static int commit_pool(mdl_caller *p, size_t n, const mdl_fifo_level *held, size_t first, size_t nb,
                       const double *d)
{
    mdl_caller_bulk b = {.requests = n,
                         .in_use_area = (double)held->area,
                         .max_in_use = held->max,
                         .first_bucket = first,
                         .nbuckets = nb,
                         .bucket_area = d,
                         .bucket_max = d + nb};
    return mdl_caller_commit(p, &b);
}

/* Commits the pass over [t0, t1): every record quiet. System by system:
 * its records in arrival order (system_records) and, sorted once, in
 * answer order (a->sorted), which gives each of its flows' answers in
 * order, the endpoint's waits and sojourns in order, and the ends in order
 * that the number in service is swept from (mdl_fifo_busy_sorted). */
static int pass_commit(agg *a, agg_comp *c, sim_time t0, sim_time t1)
{
    world *w = a->w;
    int rc;
    mdl_fifo_window win = {.t0 = t0, .t1 = t1, .width = w->interval};
    size_t nb = mdl_fifo_buckets(&win);
    if (agg_grow_buckets(a, nb) != SIM_OK)
        return SIM_ENOMEM;
    size_t first = (size_t)(t0 / w->interval);
    uint64_t swept = 0; /* caller pools committed with their system (bit k: c->callers[k]) */
    for (int k = 0; k < c->nsystems; k++) {
        int s = c->systems[k];
        sys_rt *sys = &w->systems[s];
        size_t n = system_records(a, k);
        for (size_t j = 0; j < n; j++) {
            a->sorted[j] = a->recs[a->idx[j]];
            a->start[j] = a->end[j] - a->sorted[j].service;
        }
        sort_by_end(a->sorted, n);
        /* its flows, each in the order of its answers: one sweep places
         * each flow's records (as many as in its flow_off bucket: a flow
         * calls one system) from its own offset on */
        size_t next = 0;
        for (int f = 0; f < c->nflows; f++)
            if (w->sc->flows[c->flows[f]].target_index == s) {
                a->cur[f] = next;
                next += a->flow_off[f + 1] - a->flow_off[f];
            }
        for (size_t j = 0; j < n; j++) {
            if (a->sorted[j].flow < 0)
                continue; /* an apply */
            size_t at = a->cur[a->pos_flow[a->sorted[j].flow]]++;
            a->tmp[at] = a->sorted[j].at;
            a->svc[at] = a->sorted[j].end;
        }
        next = 0;
        for (int f = 0; f < c->nflows; f++) {
            int fi = c->flows[f];
            if (w->sc->flows[fi].target_index != s)
                continue;
            size_t m = a->flow_off[f + 1] - a->flow_off[f];
            mdl_realtime_commit(w->flows[fi].realtime, m, a->tmp + next, a->svc + next);
            next += m;
        }
        /* the endpoint */
        /* the ends in order: every service is positive (station_run
         * refuses 0 us), so each record's end is a release of the sweep */
        for (size_t j = 0; j < n; j++) {
            const agg_rec *r = &a->sorted[j];
            assert(r->service > 0 && "station_run refuses a service of 0 us");
            a->tmp[j] = r->end - r->service - r->at; /* wait */
            a->svc[j] = r->end - r->at;              /* sojourn */
            a->heap[j] = r->end;
        }
        const mdl_fifo_tally *tally = &a->st[k].tally; /* pass_draw's recursion */
        mdl_fifo_level busy = {.bucket_area = a->busy_a, .bucket_max = a->busy_m};
        mdl_fifo_level queue = {.bucket_area = a->queue_a, .bucket_max = a->queue_m};
        /* start[] is nondecreasing: FIFO hands out servers in arrival order */
        mdl_fifo_busy_sorted(&win, n, a->start, a->end, a->heap, n, &busy);
        mdl_fifo_waiting(&win, n, a->arr, a->start, &queue);
        double *d = a->dbuf;
        for (size_t j = 0; j < nb; j++) {
            d[j] = (double)a->busy_a[j];
            d[nb + j] = (double)a->busy_m[j];
            d[2 * nb + j] = (double)a->queue_a[j];
            d[3 * nb + j] = (double)a->queue_m[j];
        }
        mdl_endpoint_bulk b = {.requests = n,
                               .found_busy = tally->found_full,
                               .first_busy_at = tally->first_full,
                               .served = n,
                               .wait = a->tmp,
                               .sojourn = a->svc,
                               .busy_area = (double)busy.area,
                               .queue_area = (double)queue.area,
                               .first_bucket = first,
                               .nbuckets = nb,
                               .busy_bucket_area = d,
                               .busy_bucket_max = d + nb,
                               .queue_bucket_area = d + 2 * nb,
                               .queue_bucket_max = d + 3 * nb};
        if (mdl_endpoint_commit(sys->endpoint, &b) != SIM_OK)
            return SIM_EINTERNAL;
        /* A caller pool whose records are this system's alone (no other
         * pool's calls, no subscriber's applies), none of which waited,
         * holds a thread exactly while a worker serves it: the same
         * intervals, so the same level, and no second sweep. */
        for (int q = 0; q < c->ncallers && q < 64 && a->st[k].tally.waited == 0; q++) {
            int alone = 1;
            for (int f = 0; f < c->nflows && alone; f++) {
                const mdl_flow_spec *fs = &w->sc->flows[c->flows[f]];
                alone = (fs->caller_index == c->callers[q]) == (fs->target_index == s);
            }
            for (int u = 0; u < c->nsubs && alone; u++) /* applies hold no thread */
                alone = a->gsubs[c->subs[u]].target != s;
            if (!alone)
                continue;
            if (commit_pool(w->callers[c->callers[q]], n, &busy, first, nb, d) != SIM_OK)
                return SIM_EINTERNAL;
            swept |= (uint64_t)1 << q;
        }
        /* A proactive token never fails nor delays a call; its uses in
         * time order draw the background refreshes as the calls would.
         * Applies (flow < 0) use none: mdl_apply_endpoint calls the
         * endpoint without the system's token. */
        if (sys->token && c->nflows > 0)
            for (size_t j = 0; j < n; j++)
                if (c->nsubs == 0 || a->recs[a->idx[j]].flow >= 0)
                    mdl_token_use(sys->token, a->arr[j], NULL);
        if (sys->quota && (rc = commit_quota(a, c, k, t0, t1)) != SIM_OK)
            return rc;
    }
    /* caller pools: each record holds a thread from arrival to answer */
    for (int k = 0; k < c->ncallers; k++) {
        if (k < 64 && (swept >> k & 1))
            continue;
        int p = c->callers[k];
        size_t b = a->caller_off[k], n = a->caller_off[k + 1] - b;
        for (size_t i = 0; i < n; i++) {
            const agg_rec *r = &a->recs[a->by_caller[b + i]];
            a->arr[i] = r->at;
            a->end[i] = r->end;
            /* the releases in order, by insertion: nearly sorted already;
             * every record holds its thread a positive time (its service
             * is > 0 us: station_run refuses 0) */
            assert(r->end > r->at && "station_run refuses a service of 0 us");
            size_t j = i;
            for (; j > 0 && a->heap[j - 1] > r->end; j--)
                a->heap[j] = a->heap[j - 1];
            a->heap[j] = r->end;
        }
        mdl_fifo_level held = {.bucket_area = a->busy_a, .bucket_max = a->busy_m};
        mdl_fifo_busy_sorted(&win, n, a->arr, a->end, a->heap, n, &held);
        double *d = a->dbuf;
        for (size_t j = 0; j < nb; j++) {
            d[j] = (double)a->busy_a[j];
            d[nb + j] = (double)a->busy_m[j];
        }
        if (commit_pool(w->callers[p], n, &held, first, nb, d) != SIM_OK)
            return SIM_EINTERNAL;
    }
    return SIM_OK;
}

/* Hands flow f's arrivals at[0..n) (in order) drawn by a failed pass back
 * to the calendar: the first as its next arrival, the rest (and the
 * process's next) held. */
static int hand_back(flow_rt *f, const sim_time *at, size_t n)
{
    if (n == 0)
        return SIM_OK;
    size_t left = f->nheld - f->held_head, need = n + left;
    if (need > f->held_cap) {
        sim_time *p = sim_reallocarray(f->held, need, sizeof *p);
        if (!p)
            return SIM_ENOMEM;
        f->held = p;
        f->held_cap = need;
    }
    /* the held ones not yet used follow what the pass drew */
    memmove(f->held + n, f->held + f->held_head, left * sizeof *f->held);
    memcpy(f->held, at + 1, (n - 1) * sizeof *f->held);
    f->held[n - 1] = f->next_at; /* the first arrival the pass did not draw */
    f->held_head = 0;
    f->nheld = n + left;
    f->next_at = at[0];
    return SIM_OK;
}

/* Hands back what a failed pass drew: a real-time pass's records
 * (a->recs), an event pass's real-time arrivals and publishes. */
static int pass_hand_back(agg *a, const agg_comp *c)
{
    const agg_evbuf *e = &c->ev;
    size_t most = c->nsubs ? (a->nrt > e->npub ? a->nrt : e->npub) : a->nrecs;
    if (agg_grow(a, most + 1) != SIM_OK)
        return SIM_ENOMEM;
    int rc = SIM_OK;
    for (int k = 0; k < c->nall && rc == SIM_OK; k++) {
        flow_rt *f = &a->w->flows[c->all[k]];
        size_t n = 0;
        if (!c->nsubs) {
            for (size_t i = 0; i < a->nrecs; i++)
                if (a->recs[i].flow == f->index)
                    a->arr[n++] = a->recs[i].at;
        } else if (f->realtime) {
            for (size_t i = 0; i < a->nrt; i++)
                if (a->rt_flow[i] == f->index)
                    a->arr[n++] = a->rt_at[i];
        } else {
            for (size_t i = 0; i < e->npub; i++)
                if (e->pub_flow[i] == f->index)
                    a->arr[n++] = e->pub_at[i];
        }
        rc = hand_back(f, a->arr, n);
    }
    return rc;
}

static void agg_tick(void *ctx, uint64_t arg, sim_time now);

/* The service stream of the k-th system of a component, saved at t0 and
 * put back on a fallback (invariant 6). The world's streams are
 * sim_rng_create's, whose whole state is r->state. */
static void rng_save(agg *a, const gsl_rng *r, int k)
{
    memcpy(a->rng_saved + (size_t)k * a->rng_size, r->state, a->rng_size);
}

static void rng_restore(agg *a, gsl_rng *r, int k)
{
    memcpy(r->state, a->rng_saved + (size_t)k * a->rng_size, a->rng_size);
}

/* The tick at grid point t0 yields once, so the events already due at t0
 * (an arrival, the quota sample, the end of the warm-up) fire first. */
static void agg_tick_due(void *ctx, uint64_t arg, sim_time now)
{
    agg *a = ctx;
    sim_queue_push(a->w->q, now, agg_tick, a, arg);
}

static void schedule_tick(agg *a, int comp, sim_time at)
{
    if (at < a->last_start)
        sim_queue_push(a->w->q, at, agg_tick_due, a, (uint64_t)comp);
}

/* 1 when component c is quiet at now (invariant 1). */
static int quiet(const world *w, const agg_comp *c)
{
    for (int k = 0; k < c->nflows; k++)
        if (!mdl_realtime_idle(w->flows[c->flows[k]].realtime))
            return 0;
    for (int k = 0; k < c->nsystems; k++) {
        const mdl_endpoint *ep = w->systems[c->systems[k]].endpoint;
        if (mdl_endpoint_busy(ep) > 0 || mdl_endpoint_waiting(ep) > 0)
            return 0;
    }
    for (int k = 0; k < c->ncallers; k++)
        if (mdl_caller_in_use(w->callers[c->callers[k]]) > 0 ||
            mdl_caller_waiting(w->callers[c->callers[k]]) > 0)
            return 0;
    return 1;
}

/* The order of the arrivals repush_arrivals puts back: as pushed. */
static int by_push(const void *x, const void *y)
{
    const agg_push *p = x, *q = y;
    if (p->pushed != q->pushed)
        return p->pushed < q->pushed ? -1 : 1;
    return (p->k > q->k) - (p->k < q->k);
}

/* After a committed pass, puts the next arrivals of the flows the pass
 * took over back into the calendar (their events until then are
 * cancelled), in the order the per-record path pushed them
 * (flow_rt.pushed), so that equal times fire as they would have
 * (invariant 7). The flows the pass did not take keep their event, and so
 * do all on a fallback (invariant 9). */
static void repush_arrivals(agg *a, const agg_comp *c)
{
    world *w = a->w;
    size_t n = 0;
    for (int k = 0; k < c->nall; k++)
        if (a->taken[k]) {
            a->taken[k] = 0;
            a->order[n++] = (agg_push){.pushed = w->flows[c->all[k]].pushed, .k = k};
        }
    qsort(a->order, n, sizeof *a->order, by_push);
    for (size_t i = 0; i < n; i++) {
        flow_rt *f = &w->flows[c->all[a->order[i].k]];
        sim_queue_cancel(w->q, f->next_ev);
        f->next_ev = SIM_EVENT_NONE;
        f->pushed_at = a->t0;
        if (f->next_at != SIM_TIME_NEVER && f->next_at <= w->sc->horizon)
            f->next_ev = sim_queue_push(w->q, f->next_at, arrive, f, 0);
    }
}

/* ---- the event pass (invariant 8) ------------------------------------------ */

/* Grows the n parallel arrays *v[i] (elements of size[i] bytes, *cap of
 * them) to hold `need`. */
static int grow_many(void **const *v, const size_t *size, int n, size_t *cap, size_t need)
{
    if (need <= *cap)
        return SIM_OK;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    for (int i = 0; i < n; i++) {
        void *p = sim_reallocarray(*v[i], c, size[i]);
        if (!p)
            return SIM_ENOMEM;
        *v[i] = p;
    }
    *cap = c;
    return SIM_OK;
}

/* Room for one more publish, read or real-time arrival of an event pass
 * (out of line: the adds below are called once a record). */
static int ev_grow_pubs(agg_evbuf *e)
{
    void **const v[] = {(void **)&e->pub_at, (void **)&e->pub_flow, (void **)&e->pub_key,
                        (void **)&e->pub_link};
    const size_t size[] = {sizeof *e->pub_at, sizeof *e->pub_flow, sizeof *e->pub_key,
                           sizeof *e->pub_link};
    return grow_many(v, size, 4, &e->pcap, e->npub + 1);
}

static int ev_grow_reads(agg_evbuf *e)
{
    void **const v[] = {(void **)&e->rd_at, (void **)&e->rd_done, (void **)&e->rd_sub,
                        (void **)&e->rd_pub, (void **)&e->rd_copy};
    const size_t size[] = {sizeof *e->rd_at, sizeof *e->rd_done, sizeof *e->rd_sub,
                           sizeof *e->rd_pub, sizeof *e->rd_copy};
    return grow_many(v, size, 5, &e->rcap, e->nrd + 1);
}

static int rt_grow(agg *a)
{
    void **const v[] = {(void **)&a->rt_at, (void **)&a->rt_flow};
    const size_t size[] = {sizeof *a->rt_at, sizeof *a->rt_flow};
    return grow_many(v, size, 2, &a->rtcap, a->nrt + 1);
}

static inline int ev_add_pub(agg *a, agg_evbuf *e, sim_time at, int flow, uint64_t key)
{
    if (e->npub == e->pcap && ev_grow_pubs(e) != SIM_OK)
        return SIM_ENOMEM;
    /* the flow's chain of publishes, which its subscribers follow */
    e->pub_link[e->npub] = SIZE_MAX;
    if (a->pub_last[flow] != SIZE_MAX)
        e->pub_link[a->pub_last[flow]] = e->npub;
    else
        a->pub_first[flow] = e->npub;
    a->pub_last[flow] = e->npub;
    e->pub_at[e->npub] = at;
    e->pub_flow[e->npub] = flow;
    e->pub_key[e->npub++] = key;
    return SIM_OK;
}

static inline int ev_add_read(agg_evbuf *e, sim_time at, sim_time done, int sub, size_t pub,
                              size_t copy)
{
    if (e->nrd == e->rcap && ev_grow_reads(e) != SIM_OK)
        return SIM_ENOMEM;
    e->rd_copy[e->nrd] = copy;
    e->rd_at[e->nrd] = at;
    e->rd_done[e->nrd] = done;
    e->rd_sub[e->nrd] = sub;
    e->rd_pub[e->nrd++] = pub;
    return SIM_OK;
}

static inline int rt_add(agg *a, sim_time at, int flow)
{
    if (a->nrt == a->rtcap && rt_grow(a) != SIM_OK)
        return SIM_ENOMEM;
    a->rt_at[a->nrt] = at;
    a->rt_flow[a->nrt++] = flow;
    return SIM_OK;
}

/* The key an event flow's publish at an arrival draws (publish_event's). */
static uint64_t draw_key(flow_rt *f)
{
    double space = f->key_space;
    return space >= 1.0 ? 1 + (uint64_t)(sim_rng_uniform(f->key_rng) * space) : ++f->next_key;
}

/* Subscriber k's next step: its next answer (class 0; the earliest end,
 * equal ends in read order: the calendar's) or, if earlier, its next read
 * (class 2: at its next publish, or when a slot freed if none was free
 * then; none while its slots are all busy or it has read every publish
 * drawn), noted in its slots (step_at, ans) and as its heap key
 * (agg_skey). ev_draw takes the steps in the order (time, class,
 * subscriber) with the next real-time call as class 1: at equal times
 * answers first, then the call, then reads, each kind in subscriber
 * order. A subscriber's steps change only with its own steps and with
 * new publishes. */
static inline agg_skey skey_of(const agg *a, sim_time at, uint64_t cls, int k)
{
    if (at == SIM_TIME_NEVER)
        return SKEY_NEVER;
    uint64_t rel = (uint64_t)(at - a->t0);
    rel = rel < a->skey_far ? rel : a->skey_far;
    return rel << a->skey_bits | cls << (a->skey_bits - 2) | (uint64_t)k;
}

static agg_skey sub_key(agg *a, agg_comp *c, int k)
{
    agg_slots *sl = &c->slot[k];
    const agg_evbuf *e = &c->ev;
    int j = -1;
    sim_time at = SIM_TIME_NEVER;
    for (size_t i = 0; i < sl->n; i++)
        if (j < 0 || sl->end[i] < at || (sl->end[i] == at && sl->rd[i] < sl->rd[j])) {
            at = sl->end[i];
            j = (int)i;
        }
    uint64_t cls = 0;
    if (sl->next == SIZE_MAX) /* its flow's next publish, if drawn yet */
        sl->next = sl->prev == SIZE_MAX ? a->pub_first[sl->flow] : e->pub_link[sl->prev];
    if (sl->next != SIZE_MAX && sl->n < (size_t)sl->slots) {
        sim_time r = e->pub_at[sl->next];
        r = r > sl->freed ? r : sl->freed;
        if (r < at) { /* an answer at the same time comes first */
            at = r;
            j = -1;
            cls = 2;
        }
    }
    sl->step_at = at;
    sl->ans = j;
    return skey_of(a, at, cls, k);
}

/* Restores the heap of subscribers' steps below place h, whose key grew.
 * Past its keys the heap holds SKEY_NEVER (agg.sub_heap), which no key
 * passes: no bound to check. */
static void sub_sift_down(agg_skey *heap, size_t h)
{
    agg_skey x = heap[h];
    for (;;) { /* size_t places: no sign extension a level */
        size_t l = 2 * h + 1;
        l += heap[l + 1] < heap[l];
        if (heap[l] >= x)
            break;
        heap[h] = heap[l];
        h = l;
    }
    heap[h] = x;
}

/* Every subscriber's next step and their heap (after new publishes).
 * Only a subscriber whose next publish was not drawn when sub_key last
 * looked (slots.next unknown) and is now may step otherwise; the others'
 * steps are the ones sub_key noted (step_at, ans: a read is class 2, an
 * answer class 0), and their keys are made from them, not searched for
 * again. The heap is built as from sub_key's keys: the same keys in the
 * same places. */
static void sub_heap_build(agg *a, agg_comp *c)
{
    const agg_evbuf *e = &c->ev;
    for (int k = 0; k < c->nsubs; k++) {
        const agg_slots *sl = &c->slot[k];
        int stale =
            sl->next == SIZE_MAX &&
            (sl->prev == SIZE_MAX ? a->pub_first[sl->flow] : e->pub_link[sl->prev]) != SIZE_MAX;
        a->sub_heap[k] = stale ? sub_key(a, c, k) : skey_of(a, sl->step_at, sl->ans < 0 ? 2 : 0, k);
    }
    for (int h = c->nsubs; h < 2 * c->nsubs + 2; h++)
        a->sub_heap[h] = SKEY_NEVER;
    for (int h = c->nsubs / 2 - 1; h >= 0; h--)
        sub_sift_down(a->sub_heap, (size_t)h);
}

/* A request at the endpoint of its system at `at`: a real-time call
 * (flow >= 0) or an apply (flow = -1 - its gsubs index). Draws its service
 * and runs the endpoint's recursion. Two requests of one endpoint at the
 * same microsecond, one of them an apply, fire in an order only the
 * calendar knows (which one draws which service): WHY_EDGE. causal: made
 * in the event of an answer at `at` (run_endpoint). Notes its answer in
 * a->ev_maxend and whether it is later than its limit in a->ev_slow. */
static int ev_request(agg *a, sim_time at, int flow, int causal)
{
    if (add_rec(a, at, flow) != SIM_OK)
        return SIM_ENOMEM;
    agg_rec *r = &a->recs[a->nrecs - 1];
    int k = r->sys;
    if (a->last_at[k] == at && (flow < 0 || a->last_ap[k]))
        return WHY_EDGE;
    a->last_at[k] = at;
    a->last_ap[k] = flow < 0;
    agg_station *st = &a->st[k];
    r->service = sim_time_clamp_seconds(mdl_service_sample(st->service, st->rng));
    int why = run_endpoint(a, k, a->nrecs - 1, causal);
    if (why != WHY_QUIET)
        return why;
    a->ev_maxend = r->end > a->ev_maxend ? r->end : a->ev_maxend;
    a->ev_slow |= r->end - r->at > (flow >= 0 ? a->lim_flow[flow] : a->lim_sub[-1 - flow]);
    return WHY_QUIET;
}

/* Whether fault f takes subscriber u offline: an offline window or a
 * token expiry scripted for it. */
static int sub_fault(const mdl_fault_spec *f, const agg_sub *u)
{
    return f->enabled && f->flow_index == u->f->index && f->subscriber_index == u->i &&
           (f->kind == MDL_SPEC_FAULT_SUBSCRIBER_OFFLINE || f->kind == MDL_SPEC_FAULT_TOKEN_EXPIRY);
}

/* Whether a subscriber-offline or token-expiry window of subscriber u
 * meets [t0, t1]. */
static int sub_faulted(const world *w, const agg_sub *u, sim_time t0, sim_time t1)
{
    for (int i = 0; i < w->sc->nfaults; i++) {
        const mdl_fault_spec *f = &w->sc->faults[i];
        if (sub_fault(f, u) && f->start <= t1 && f->start + f->duration >= t0)
            return 1;
    }
    /* and the windows of its own spec (flows[].event.subscribers[].offline),
     * which the subscriber puts on the calendar itself */
    const mdl_subscriber_spec *ss = &u->f->spec->event.subscribers[u->i];
    for (int k = 0; k < ss->noffline; k++)
        if (ss->offline[k].start <= t1 && ss->offline[k].start + ss->offline[k].duration >= t0)
            return 1;
    return 0;
}

/* Whether a batch or a reconciliation of c may use a shared quota or a
 * subscriber's state before `until` (a run going at t0, or its next start
 * at or before until: at until itself its start, pushed earlier, would
 * fire before the commit). The pass then does not know every call its
 * quotas count, and falls back. */
static int ev_shared(const agg *a, const agg_comp *c, sim_time t0, sim_time until)
{
    const world *w = a->w;
    for (int k = 0; k < c->nbatches; k++)
        if (mdl_batch_next_use(w->flows[c->batches[k]].batch, t0) <= until)
            return 1;
    for (int k = 0; k < c->nsubs; k++) {
        const agg_sub *u = &a->gsubs[c->subs[k]];
        const mdl_recon *r = u->f->subs[u->i].recon;
        if (r && mdl_recon_next_use(r, t0) <= until)
            return 1;
    }
    return 0;
}

/* Indexes an event pass's final publishes and reads (c->ev) by channel
 * and by subscriber, so that each channel's allocation check and commit
 * and each subscriber's commit sweeps only its own. */
static int ev_index(agg *a, agg_comp *c)
{
    agg_evbuf *e = &c->ev;
    void **const v[] = {(void **)&e->ix_pub, (void **)&e->ix_rd_chan, (void **)&e->ix_rd_sub,
                        (void **)&e->ix_key};
    const size_t size[] = {sizeof *e->ix_pub, sizeof *e->ix_rd_chan, sizeof *e->ix_rd_sub,
                           sizeof *e->ix_key};
    if (grow_many(v, size, 4, &e->ixcap, (e->npub > e->nrd ? e->npub : e->nrd) + 1) != SIM_OK)
        return SIM_ENOMEM;
    for (size_t j = 0; j < e->npub; j++)
        e->ix_key[j] = a->pos_chan[a->w->flows[e->pub_flow[j]].spec->source_index];
    bucket_sort(e->ix_key, e->npub, c->nchans, e->pub_off, e->ix_pub);
    for (size_t j = 0; j < e->nrd; j++)
        e->ix_key[j] = c->slot[e->rd_sub[j]].chan;
    bucket_sort(e->ix_key, e->nrd, c->nchans, e->rd_chan_off, e->ix_rd_chan);
    bucket_sort(e->rd_sub, e->nrd, c->nsubs, e->rd_sub_off, e->ix_rd_sub);
    return SIM_OK;
}

/* Whether the publishes (deliveries = 0) or the reads (1) of the x-th
 * channel of c in the pass fit its allocation over [t0, t1) (ev_index
 * done). */
static int allocation_fits(agg *a, const agg_comp *c, int x, int deliveries, sim_time t0,
                           sim_time t1)
{
    world *w = a->w;
    const mdl_channel *ch = w->systems[c->chans[x]].channel;
    const mdl_quota *q = mdl_channel_allocation(ch, deliveries ? MDL_CHANNEL_DELIVERY_ALLOCATION
                                                               : MDL_CHANNEL_PUBLISH_ALLOCATION);
    if (!q)
        return 1;
    const agg_evbuf *e = &c->ev;
    sim_time g = mdl_quota_grid(q);
    size_t nb = (size_t)((t1 - 1) / g - t0 / g + 1);
    if (agg_grow_buckets(a, nb) != SIM_OK)
        return SIM_ENOMEM;
    a->calls_s = -1; /* a->calls no longer holds quota_calls' count */
    memset(a->calls, 0, nb * sizeof *a->calls);
    if (deliveries) {
        for (size_t j = e->rd_chan_off[x]; j < e->rd_chan_off[x + 1]; j++)
            a->calls[e->rd_at[e->ix_rd_chan[j]] / g - t0 / g]++;
    } else {
        for (size_t j = e->pub_off[x]; j < e->pub_off[x + 1]; j++)
            a->calls[e->pub_at[e->ix_pub[j]] / g - t0 / g]++;
    }
    return mdl_quota_fits(q, t0, a->calls, nb, 0) == nb;
}

/* The answer of subscriber k's j-th apply in flight: its first reading
 * draws the redelivery (applied_event's draw, in answer order, from the
 * subscriber's stream); a copy then takes the slot at once (a delay of 0:
 * the copy is due at the answer, and pump dispatches a copy before it
 * reads), an apply of its own at the same instant. Otherwise the slot
 * frees. */
static int ev_answer(agg *a, agg_comp *c, int k, int j)
{
    agg_slots *sl = &c->slot[k];
    agg_evbuf *e = &c->ev;
    sim_time at = sl->end[j];
    size_t rd = sl->rd[j];
    sl->end[j] = sl->end[--sl->n];
    sl->rd[j] = sl->rd[sl->n];
    double p = sl->redelivery;
    if (e->rd_copy[rd] != SIZE_MAX || !(p > 0.0) || !sim_rng_bernoulli(sl->rng_redelivery, p)) {
        sl->freed = at;
        return WHY_QUIET;
    }
    /* The copy's call is made in the answer's event, pushed when its first
     * reading's apply started: at or after that reading, rd_at[rd]. At a
     * quota sample instant S the calendar fires that event before the
     * sample's own, pushed at S - interval, when it was pushed before
     * then, and counts the copy in the sample, where commit_quota counts
     * every call at S after it (invariant 9); pushed at S - interval, the
     * order is the one of two events there. A reading after S - interval
     * pushed it later: the sample fires first, as the pass counts. So
     * only a service longer than the interval may reach back; the
     * reading itself, at a sample instant, has fallen back (ev_draw). */
    const world *w = a->w;
    if (at % w->interval == 0 && e->rd_at[rd] <= at - w->interval &&
        w->systems[a->gsubs[c->subs[k]].target].quota)
        return WHY_EDGE;
    int why = ev_request(a, at, -1 - c->subs[k], 1); /* in the answer's event */
    if (why != WHY_QUIET)
        return why;
    sim_time end = a->recs[a->nrecs - 1].end;
    sl->end[sl->n] = end;
    sl->rd[sl->n++] = e->nrd;
    return ev_add_read(e, at, end, k, e->rd_pub[rd], rd);
}

/* Whether an event flow of c that the pass did not take has its pending
 * arrival at the quiet end t1 (invariant 8). Its event was pushed before
 * t0, so it fires at t1 before ev_commit (pushed at t0): its publish would
 * reach a channel and a subscriber the pass still holds (the subscriber
 * reads it only at the commit's wake, after whatever else fires at t1, a
 * quota sample say, and the channel numbers it before the pass's
 * publishes). The flows the pass took are pushed back after ev_commit. A
 * real-time flow's call at t1 touches no channel or subscriber: it may
 * fire first. */
static int ev_end_tie(const agg *a, const agg_comp *c, sim_time t1)
{
    for (int k = c->nflows; k < c->nall; k++)
        if (!a->taken[k] && a->w->flows[c->all[k]].next_at == t1)
            return 1;
    return 0;
}

/* Whether subscriber sl's flow publishes at `at`, where sl reads from its
 * backlog at a slot's freeing: the calendar fires the answer's event
 * (pushed at its apply's start) and the publish's (pushed at the flow's
 * previous arrival) in push order, so the lag goes down then up, or up
 * then down, where the channel's commit takes the publish first
 * (mdl_channel_pass_commit): the lag series' maximum and the lag's peak
 * would come out one higher than the calendar's when its answer's event
 * was pushed first. The walk starts at the publish sl reads, sl->next
 * (before `at`; a flow's publishes are appended in time order, so its
 * links go forward in time). The reads at a freeing come in time order:
 * sl->seen, the last publish a walk passed, lets the next walk skip
 * what is behind it, but only when it is one of this pass's publishes
 * of sl's flow past sl->next and before `at` (so the walk does not
 * depend on its reset at each draw). */
static int read_meets_publish(const agg_evbuf *e, agg_slots *sl, sim_time at)
{
    size_t n = sl->next;
    assert(n != SIZE_MAX && e->pub_at[n] < at && "a read from the backlog");
    size_t s = sl->seen;
    if (s != SIZE_MAX && s > n && s < e->npub && e->pub_flow[s] == sl->flow && e->pub_at[s] < at)
        n = s;
    for (;;) {
        sl->seen = n; /* before at */
        n = e->pub_link[n];
        if (n == SIZE_MAX || e->pub_at[n] > at)
            return 0;
        if (e->pub_at[n] == at)
            return 1;
    }
}

/* The event pass's draw (invariant 8): the component's arrivals of
 * [t0, *t1) in the calendar's order, each event flow's key drawn at its
 * publish; then every request of its endpoints in time order, real-time
 * calls and applies merged: subscriber k reads its next publish at
 * max(publish, first slot free), calls its apply then, and the apply's
 * answer (the endpoint's recursion) frees the slot. Extends *t1 to the
 * first instant after every answer (nothing in flight, nothing unread).
 * WHY_QUIET when every record is quiet, else why the interval must run
 * per record; < 0 on no memory. */
static int ev_draw(agg *a, agg_comp *c, sim_time t0, sim_time *t1)
{
    world *w = a->w;
    agg_evbuf *e = &c->ev;
    e->npub = e->nrd = 0;
    a->nrt = 0;
    size_t rt_next = 0;
    for (int k = 0; k < c->nsystems; k++) {
        station_start(a, c, k);
        a->last_at[k] = -1;
        a->last_ap[k] = 0;
    }
    for (int k = 0; k < c->nsubs; k++) {
        c->slot[k].n = 0;
        c->slot[k].next = c->slot[k].prev = c->slot[k].seen = SIZE_MAX;
        c->slot[k].freed = t0;
        c->slot[k].step_at = SIM_TIME_NEVER; /* no step: sub_heap_build's key */
        c->slot[k].ans = -1;
        const agg_sub *u = &a->gsubs[c->subs[k]];
        c->slot[k].retention = mdl_channel_retention(u->f->channel);
        c->slot[k].redelivery = u->f->spec->event.redelivery;
        c->slot[k].rng_redelivery = u->f->subs[u->i].rng_redelivery;
    }
    for (int k = c->nflows; k < c->nall; k++)
        a->pub_first[c->all[k]] = a->pub_last[c->all[k]] = SIZE_MAX;
    int kcls = 0; /* the bits of the subscribers' indices in their keys (sub_key) */
    while (kcls < 30 && ((c->nsubs - 1) >> kcls) > 0)
        kcls++;
    assert((c->nsubs < 2 || ((c->nsubs - 1) >> kcls) == 0) &&
           "every subscriber's index in its key");
    const uint64_t kmask = ((uint64_t)1 << kcls) - 1;
    a->skey_bits = kcls + 2;
    a->skey_far = (UINT64_MAX >> a->skey_bits) - 1;
    sim_time until = *t1;
    a->ev_maxend = t0;
    a->ev_slow = 0;
    int expired = 0;                      /* a read more than its retention after its publish */
    sim_time sample = next_sample(w, t0); /* the first sample instant > t0 at or after the steps */
    size_t base = SIZE_MAX;               /* the records and publishes before t1 */
    if (ev_shared(a, c, t0, until))
        return WHY_SHARED; /* before drawing anything */
    for (;;) {
        if ((uint64_t)(until - t0) > FKEY_FAR || (uint64_t)(until - t0) > a->skey_far)
            return WHY_BUSY; /* the heaps' keys would not order the steps before until */
        for (int fi; (fi = take_next(a, c, until)) >= 0;) {
            flow_rt *f = &w->flows[fi];
            int rc = f->realtime ? rt_add(a, a->taken_at, fi)
                                 : ev_add_pub(a, e, a->taken_at, fi, draw_key(f));
            if (rc != SIM_OK)
                return rc;
        }
        sub_heap_build(a, c); /* new publishes */
        for (;;) { /* the component's answers and requests before `until`, in time order */
            sim_time best = SIM_TIME_NEVER;
            int who = -2, answer = -1; /* who: -1 the next real-time call, k subscriber k */
            int cls = 2;               /* the class of the subscribers' first step */
            agg_skey top = a->sub_heap[0];
            if (top != SKEY_NEVER) {
                who = (int)(top & kmask);
                cls = (int)(top >> kcls & 3);
                best = c->slot[who].step_at;
            }
            if (rt_next < a->nrt &&
                (a->rt_at[rt_next] < best || (a->rt_at[rt_next] == best && cls == 2))) {
                best = a->rt_at[rt_next];
                who = -1;
            } else if (who >= 0) {
                answer = c->slot[who].ans;
            }
            if (who == -2 || best >= until)
                break;
            int why = WHY_QUIET;
            if (who < 0) {
                why = ev_request(a, best, a->rt_flow[rt_next++], 0);
            } else if (answer >= 0) {
                why = ev_answer(a, c, who, answer);
            } else {
                agg_slots *sl = &c->slot[who];
                assert(best >= sample - w->interval && "the steps come in time order");
                while (sample < best)
                    sample += w->interval;
                if (best == sample && w->systems[a->gsubs[c->subs[who]].target].quota)
                    return WHY_EDGE; /* the calendar's order with the sample is not known */
                /* read at a slot's freeing, the publish before it or no
                 * other slot free: the answer's event pumps it (causal) */
                int backlog = best == sl->freed && e->pub_at[sl->next] < best;
                int causal = backlog || (best == sl->freed && sl->n + 1 == (size_t)sl->slots);
                if (backlog && read_meets_publish(e, sl, best))
                    return WHY_EDGE; /* the lag's order there is not known */
                why = ev_request(a, best, -1 - c->subs[who], causal);
                if (why == WHY_QUIET) {
                    sim_time end = a->recs[a->nrecs - 1].end;
                    sl->end[sl->n] = end;
                    sl->rd[sl->n++] = e->nrd;
                    sl->prev = sl->next; /* read: its successor is next */
                    sl->next = SIZE_MAX;
                    if (ev_add_read(e, best, end, who, sl->prev, SIZE_MAX) != SIM_OK)
                        return SIM_ENOMEM;
                    expired |= best - e->pub_at[sl->prev] > sl->retention;
                }
            }
            if (why != WHY_QUIET)
                return why;
            if (who >= 0) { /* the heap's top took its step */
                a->sub_heap[0] = sub_key(a, c, who);
                sub_sift_down(a->sub_heap, 0);
            }
        }
        /* A read still to come is at the end of one of its slots' calls,
         * so the last answer >= until covers it. */
        if (a->ev_maxend < until)
            break;
        until = a->ev_maxend + 1; /* carry the arrivals up to the last answer */
        if (until > a->last_start)
            return WHY_EDGE;
        base = base == SIZE_MAX ? a->nrecs + e->npub : base;
        if (a->nrecs + e->npub - base > AGG_MAX_OVERRUN)
            return WHY_BUSY;
    }
    *t1 = until;
    if (ev_end_tie(a, c, until))
        return WHY_EDGE;
    if (ev_shared(a, c, t0, until))
        return WHY_SHARED;
    if (agg_grow(a, a->nrecs + 1) != SIM_OK)
        return SIM_ENOMEM;
    if (a->ev_slow)
        return WHY_SLOW; /* a timeout: its retries are left to the calendar */
    int why = pass_checks(a, c, t0, until);
    if (why != WHY_QUIET)
        return why;
    for (int k = 0; k < c->nsubs; k++)
        if (sub_faulted(w, &a->gsubs[c->subs[k]], t0, until))
            return WHY_FAULT;
    if (expired)
        return WHY_LIMIT;         /* a publish would expire unread */
    if (ev_index(a, c) != SIM_OK) /* for ev_commit too: the pass is final */
        return SIM_ENOMEM;
    for (int k = 0; k < c->nchans; k++)
        for (int d = 0; d < 2; d++) {
            int fits = allocation_fits(a, c, k, d, t0, until);
            if (fits != 1)
                return fits < 0 ? fits : WHY_QUOTA;
        }
    return WHY_QUIET;
}

/* 1 when the event component c is quiet at now (invariant 8): its
 * real-time side (quiet), and each subscriber idle with nothing unread, a
 * pass may carry it (mdl_subscriber_pass_read); sets its slots. */
static int ev_quiet(agg *a, agg_comp *c)
{
    if (!quiet(a->w, c))
        return 0;
    for (int k = 0; k < c->nsubs; k++) {
        const agg_sub *u = &a->gsubs[c->subs[k]];
        mdl_subscriber_pass_view v;
        mdl_subscriber_pass_read(u->f->subs[u->i].sub, &v, NULL, 0);
        if (v.why || v.calls > 0 || mdl_channel_unread(v.source, v.reader, NULL, 0) > 0)
            return 0;
        agg_slots *sl = &c->slot[k];
        if ((size_t)v.slots > sl->cap) {
            sim_time *h = sim_reallocarray(sl->end, (size_t)v.slots, sizeof *h);
            if (h)
                sl->end = h;
            size_t *r = h ? sim_reallocarray(sl->rd, (size_t)v.slots, sizeof *r) : NULL;
            if (!r) {
                agg_fail(a, SIM_ENOMEM);
                return 0;
            }
            sl->rd = r;
            sl->cap = (size_t)v.slots;
        }
        sl->slots = v.slots;
        sl->reader = v.reader;
    }
    return 1;
}

/* The first start after now of a subscriber-offline or token-expiry
 * window of subscriber u (those sub_faulted sees), SIM_TIME_NEVER if
 * none. */
static sim_time sub_next_window(const world *w, const agg_sub *u, sim_time now)
{
    sim_time next = SIM_TIME_NEVER;
    for (int i = 0; i < w->sc->nfaults; i++) {
        const mdl_fault_spec *f = &w->sc->faults[i];
        if (sub_fault(f, u) && f->start > now && f->start < next)
            next = f->start;
    }
    const mdl_subscriber_spec *ss = &u->f->spec->event.subscribers[u->i];
    for (int k = 0; k < ss->noffline; k++)
        if (ss->offline[k].start > now && ss->offline[k].start < next)
            next = ss->offline[k].start;
    return next;
}

/* Whether a subscriber of c is in a scripted offline or token window at
 * now: it stays not quiet to its end, so retrying every AGG_RETRY until
 * then would only add events (a 4-day outage: 345k of them). When none
 * is, none is before the first window's start (c->online_until): the
 * looks of a busy chain of 500 subscribers skip the scan. */
static int ev_offline(const agg *a, agg_comp *c, sim_time now)
{
    if (now < c->online_until)
        return 0;
    sim_time next = SIM_TIME_NEVER;
    for (int k = 0; k < c->nsubs; k++) {
        const agg_sub *u = &a->gsubs[c->subs[k]];
        if (sub_faulted(a->w, u, now, now))
            return 1;
        sim_time t = sub_next_window(a->w, u, now);
        next = t < next ? t : next;
    }
    c->online_until = next;
    return 0;
}

static void ev_commit(void *ctx, uint64_t arg, sim_time now);

/* A committed event pass over [t0, t1): the channels and subscribers wait
 * for its commit at t1 (ev_commit), which fires before anything else of
 * the component there: pushed before the arrivals the pass took and its
 * next tick, and no flow it did not take publishes at t1 (ev_end_tie;
 * such a flow's real-time call at t1 touches neither). */
static int ev_begin(agg *a, agg_comp *c, sim_time t0, sim_time t1)
{
    world *w = a->w;
    for (int k = 0; k < c->nchans; k++)
        mdl_channel_pass_begin(w->systems[c->chans[k]].channel, t0, t1);
    for (int k = 0; k < c->nsubs; k++) {
        const agg_sub *u = &a->gsubs[c->subs[k]];
        mdl_subscriber_pass_begin(u->f->subs[u->i].sub);
    }
    if (sim_queue_push(w->q, t1, ev_commit, a, (uint64_t)(c - a->comps)) == SIM_EVENT_NONE)
        return SIM_ENOMEM;
    return SIM_OK;
}

/* The commit of an event pass at its quiet end t1 = now, in the order the
 * models ask: each channel (the publishes and reads replayed), each
 * subscriber (its applies, the ledger, the ordering guard), each apply
 * adapter (its calls; the endpoints and quotas were committed at t0 with
 * every user's calls, pass_commit). */
static void ev_commit(void *ctx, uint64_t arg, sim_time now)
{
    agg *a = ctx;
    world *w = a->w;
    agg_comp *c = &a->comps[arg];
    agg_evbuf *e = &c->ev;
    void **const v[] = {(void **)&e->b_at,   (void **)&e->b_done, (void **)&e->b_int,
                        (void **)&e->b_key,  (void **)&e->b_ev,   (void **)&e->b_copy,
                        (void **)&e->b_local};
    const size_t size[] = {sizeof *e->b_at, sizeof *e->b_done, sizeof *e->b_int,  sizeof *e->b_key,
                           sizeof *e->b_ev, sizeof *e->b_copy, sizeof *e->b_local};
    int rc = grow_many(v, size, 7, &e->bcap, e->npub + 2 * e->nrd + 1);
    if (rc != SIM_OK) {
        agg_fail(a, rc);
        return;
    }
    /* b_ev[0 .. nrd): the event of each read (a copy: its first
     * reading's); the rest is scratch */
    for (int k = 0; k < c->nchans && rc == SIM_OK; k++) {
        mdl_channel *ch = w->systems[c->chans[k]].channel;
        size_t np = 0, nr = 0, nc = 0;
        for (size_t i = e->pub_off[k]; i < e->pub_off[k + 1]; i++) {
            size_t j = e->ix_pub[i];
            e->b_at[np] = e->pub_at[j];
            e->b_int[np] = e->pub_flow[j];
            e->b_key[np++] = e->pub_key[j];
        }
        const size_t *rd = e->ix_rd_chan + e->rd_chan_off[k];
        size_t nrk = e->rd_chan_off[k + 1] - e->rd_chan_off[k];
        for (size_t i = 0; i < nrk; i++) {
            if (e->rd_copy[rd[i]] == SIZE_MAX)
                nr++;
            else
                nc++;
        }
        /* b_at, b_int: the publishes, then the reads, then the charges */
        sim_time *rat = e->b_at + np, *cat = rat + nr;
        int *rreader = e->b_int + np, *creader = rreader + nr;
        nr = nc = 0;
        for (size_t i = 0; i < nrk; i++) {
            size_t j = rd[i];
            int reader = c->slot[e->rd_sub[j]].reader;
            if (e->rd_copy[j] == SIZE_MAX) {
                rat[nr] = e->rd_at[j];
                rreader[nr++] = reader;
            } else {
                cat[nc] = e->rd_at[j];
                creader[nc++] = reader;
            }
        }
        mdl_event *out = e->b_ev + e->nrd;
        mdl_channel_bulk b = {.npub = np,
                              .pub_at = e->b_at,
                              .pub_flow = e->b_int,
                              .pub_key = e->b_key,
                              .nread = nr,
                              .read_at = rat,
                              .read_reader = rreader,
                              .read_ev = out,
                              .ncharge = nc,
                              .charge_at = cat,
                              .charge_reader = creader};
        rc = mdl_channel_pass_commit(ch, &b);
        for (size_t i = 0, m = 0; i < nrk && rc == SIM_OK; i++) {
            size_t j = rd[i]; /* a copy's first reading is its subscriber's: before it here */
            e->b_ev[j] = e->rd_copy[j] == SIZE_MAX ? out[m++] : e->b_ev[e->rd_copy[j]];
        }
    }
    for (int k = 0; k < c->nsubs && rc == SIM_OK; k++) {
        const agg_sub *u = &a->gsubs[c->subs[k]];
        sub_rt *su = &u->f->subs[u->i];
        size_t m = 0;
        mdl_event *ev = e->b_ev + e->nrd;
        for (size_t i = e->rd_sub_off[k]; i < e->rd_sub_off[k + 1]; i++) {
            size_t j = e->ix_rd_sub[i];
            e->b_local[j] = m; /* its index in this subscriber's bulk */
            ev[m] = e->b_ev[j];
            e->b_at[m] = e->rd_at[j];
            e->b_copy[m] = e->rd_copy[j] == SIZE_MAX ? SIZE_MAX : e->b_local[e->rd_copy[j]];
            e->b_done[m++] = e->rd_done[j];
        }
        mdl_subscriber_bulk b = {
            .n = m, .ev = ev, .read_at = e->b_at, .done_at = e->b_done, .copy_of = e->b_copy};
        rc = mdl_subscriber_pass_commit(su->sub, &b);
        if (rc == SIM_OK) {
            mdl_apply_endpoint_pass_commit(su->apply, m, m);
            mdl_subscriber_pass_end(su->sub, now);
        }
    }
    if (rc != SIM_OK)
        agg_fail(a, rc);
}

/* Subscriber k's redelivery stream when it draws one (0 < p < 1), else
 * NULL. */
static gsl_rng *sub_redelivery(const agg *a, const agg_comp *c, int k)
{
    const agg_sub *u = &a->gsubs[c->subs[k]];
    double p = u->f->spec->event.redelivery;
    return p > 0.0 && p < 1.0 ? u->f->subs[u->i].rng_redelivery : NULL;
}

/* Whether the pass started at t0 must fall back because the calendar
 * would order one of its arrivals and a quota sample otherwise than the
 * pass (invariant 9): it took one at a sample instant that the calendar
 * fires before the sample (take_next, a->tie), or the next arrival of a
 * flow it took is at a sample instant S, so that pushing it back now
 * (before the sampler pushes S at S - interval) would fire it before the
 * sample, where the calendar pushes it at the flow's last arrival, at or
 * after S - interval. */
static int sample_ties(const agg *a, const agg_comp *c, sim_time t0)
{
    const world *w = a->w;
    if (a->tie)
        return 1;
    for (int k = 0; k < c->nall; k++) {
        const flow_rt *f = &w->flows[c->all[k]];
        sim_time at = f->next_at;
        if (!a->taken[k] || at == SIM_TIME_NEVER || at > w->sc->horizon || at % w->interval != 0 ||
            !(t0 < at - w->interval) || a->took[k] < at - w->interval)
            continue;
        if (!f->realtime || w->systems[f->spec->target_index].quota)
            return 1;
    }
    return 0;
}

static void agg_tick(void *ctx, uint64_t arg, sim_time now)
{
    agg *a = ctx;
    world *w = a->w;
    agg_comp *c = &a->comps[arg];
    sim_time t1 = grid_after(a, now);
    a->looks++;
    if (!(c->nsubs ? ev_quiet(a, c) : quiet(w, c))) {
        /* try again soon: a pass may carry the rest, unless a subscriber
         * is in a scripted offline window (it may last days) */
        if (now + a->retry < t1 && !ev_offline(a, c, now)) {
            sim_queue_push(w->q, now + a->retry, agg_tick, a, arg);
            return;
        }
        a->intervals[WHY_BLOCKED]++;
        schedule_tick(a, (int)arg, t1);
        return;
    }
    for (int k = 0; k < c->nall; k++) {
        a->taken[k] = 0;
        a->last[k] = w->flows[c->all[k]].pushed;
    }
    flow_heap_build(a, c, now);
    for (int k = 0; k < c->nsystems; k++) /* invariant 6 */
        rng_save(a, w->systems[c->systems[k]].service_rng, k);
    for (int k = c->nflows; k < c->nall; k++) { /* and the event flows' keys */
        memcpy(a->key_saved + (size_t)k * a->rng_size, w->flows[c->all[k]].key_rng->state,
               a->rng_size);
        w->flows[c->all[k]].next_key_t0 = w->flows[c->all[k]].next_key;
    }
    for (int k = 0; k < c->nsubs; k++) /* and the subscribers' redelivery draws */
        if (sub_redelivery(a, c, k))
            memcpy(a->red_saved + (size_t)k * a->rng_size, sub_redelivery(a, c, k)->state,
                   a->rng_size);
    a->nrecs = 0;
    a->t0 = now;
    a->calls_s = -1; /* new records */
    a->tie = 0;
    a->sample_at = next_sample(w, now);
    a->nearly = 0;
    sim_time end = t1;
    int rc = c->nsubs ? ev_draw(a, c, now, &end) : pass_draw(a, c, now, &end);
    if (rc == WHY_QUIET && sample_ties(a, c, now))
        rc = WHY_EDGE;
    if (rc == WHY_QUIET && (rc = pass_commit(a, c, now, end)) == SIM_OK &&
        (!c->nsubs || (rc = ev_begin(a, c, now, end)) == SIM_OK)) {
        a->intervals[WHY_QUIET]++;
        c->fails = 0;
        a->records += c->nsubs ? a->nrt : a->nrecs;
        a->ev_records += c->nsubs ? c->ev.npub : 0;
        t1 = end; /* quiet there (invariant 3): the next pass may start at once */
        for (int k = 0; k < c->nall; k++) /* their next arrivals came from their last */
            if (a->taken[k])
                w->flows[c->all[k]].pushed = a->last[k];
    } else {
        if (rc > 0)
            a->intervals[rc]++;
        if (a->nrecs + c->ev.npub > 0 && c->fails <= AGG_BACKOFF) /* it drew: back off */
            c->fails++;
        for (int n = 1; n < 1 << (c->fails > 0 ? c->fails - 1 : 0); n++)
            t1 = grid_after(a, t1);
        for (int k = 0; k < c->nsystems; k++)
            rng_restore(a, w->systems[c->systems[k]].service_rng, k);
        for (int k = c->nflows; k < c->nall; k++) {
            memcpy(w->flows[c->all[k]].key_rng->state, a->key_saved + (size_t)k * a->rng_size,
                   a->rng_size);
            w->flows[c->all[k]].next_key = w->flows[c->all[k]].next_key_t0;
        }
        for (int k = 0; k < c->nsubs; k++)
            if (sub_redelivery(a, c, k))
                memcpy(sub_redelivery(a, c, k)->state, a->red_saved + (size_t)k * a->rng_size,
                       a->rng_size);
        if (rc >= 0)
            rc = pass_hand_back(a, c);
        if (rc < 0) /* no memory, or a commit refused: the run's result reports it */
            agg_fail(a, rc);
        for (int k = 0; k < c->nall; k++) /* their events stay (invariant 9) */
            a->taken[k] = 0;
    }
    repush_arrivals(a, c); /* of a committed pass: the fallback left no flow taken */
    schedule_tick(a, (int)arg, t1);
}

/* Whether anything but the event flows on it publishes on system x's
 * channel: a CDC write (a real-time or batch flow's, a bulk load's) or a
 * subscriber's echo. */
static int channel_written(const world *w, int x)
{
    const mdl_scenario *sc = w->sc;
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (f->pattern != MDL_SPEC_PATTERN_EVENT && mdl_scenario_flow_cdc_system(sc, f) == x)
            return 1;
        for (int j = 0; f->pattern == MDL_SPEC_PATTERN_EVENT && j < f->event.nsubscribers; j++)
            if (mdl_scenario_write_publishes(sc, f->event.subscribers[j].target_index,
                                             f->event.subscribers[j].object) &&
                f->event.subscribers[j].target_index == x)
                return 1;
    }
    for (int k = 0; k < sc->nfaults; k++)
        if (sc->faults[k].enabled && sc->faults[k].kind == MDL_SPEC_FAULT_BULK_LOAD &&
            sc->faults[k].cdc && sc->faults[k].system_index == x)
            return 1;
    return 0;
}

static int has(const int *v, int n, int x)
{
    for (int k = 0; k < n; k++)
        if (v[k] == x)
            return 1;
    return 0;
}

/* The event side of component c (invariant 8): every publisher and reader
 * of its channels is in it, nobody else writes there, and each subscriber
 * is one a pass may carry (mdl_subscriber_pass_read at build: its static
 * conditions). 1 if so. */
static int ev_comp_ok(agg *a, agg_comp *c, const int *evflows, int nev)
{
    world *w = a->w;
    for (int k = 0; k < nev; k++) {
        const flow_rt *f = &w->flows[evflows[k]];
        if (!f->channel)
            return 0;
        int x = f->spec->source_index;
        if (!has(c->chans, c->nchans, x))
            c->chans[c->nchans++] = x;
        for (int i = 0; i < f->nsubs; i++)
            if (!has(c->subs, c->nsubs, a->gsub_first[f->index] + i))
                return 0;
    }
    for (int k = 0; k < c->nsubs; k++) {
        const agg_sub *u = &a->gsubs[c->subs[k]];
        mdl_subscriber_pass_view v;
        mdl_subscriber_pass_read(u->f->subs[u->i].sub, &v, NULL, 0);
        if (v.why || v.calls > 0 || !has(evflows, nev, u->f->index) || !u->f->subs[u->i].apply)
            return 0;
    }
    for (int k = 0; k < c->nchans; k++) {
        if (channel_written(w, c->chans[k]))
            return 0;
        for (int i = 0; i < w->sc->nflows; i++)
            if (w->flows[i].channel == w->systems[c->chans[k]].channel && !has(evflows, nev, i))
                return 0;
    }
    return 1;
}

/* Component c of g as the pass needs it (invariants 2 and 8): 1 if the
 * pass may run it, 0 if it stays per record, < 0 on no memory. */
static int agg_comp_init(agg *a, const mdl_component *g, int comp, agg_comp *c)
{
    world *w = a->w;
    const int *nodes;
    int n = mdl_component_members(g, comp, &nodes);
    c->flows = sim_calloc((size_t)n + 1, sizeof *c->flows);
    c->all = sim_calloc((size_t)n + 1, sizeof *c->all);
    c->systems = sim_calloc((size_t)n + 1, sizeof *c->systems);
    c->callers = sim_calloc((size_t)n + 1, sizeof *c->callers);
    c->subs = sim_calloc((size_t)n + 1, sizeof *c->subs);
    c->chans = sim_calloc((size_t)n + 1, sizeof *c->chans);
    c->batches = sim_calloc((size_t)n + 1, sizeof *c->batches);
    c->tail_nb = sim_calloc((size_t)n + 1, sizeof *c->tail_nb);
    c->tail_done = sim_calloc((size_t)n + 1, sizeof *c->tail_done);
    c->tail_at = -1;
    if (!c->flows || !c->all || !c->systems || !c->callers || !c->subs || !c->chans ||
        !c->batches || !c->tail_nb || !c->tail_done)
        return SIM_ENOMEM;
    int ok = 1, nev = 0;
    for (int i = 0; i < n; i++) {
        const mdl_component_node *node = mdl_component_node_at(g, nodes[i]);
        switch (node->kind) {
        case MDL_COMP_FLOW: {
            const flow_rt *f = &w->flows[node->owner];
            if (f->pattern == MDL_SPEC_PATTERN_EVENT) {
                nev++;
                break;
            }
            if (f->pattern == MDL_SPEC_PATTERN_BATCH) { /* REST (mdl_component) */
                c->batches[c->nbatches++] = node->owner;
                break;
            }
            const sys_rt *s = &w->systems[f->spec->target_index];
            c->flows[c->nflows++] = node->owner;
            if (s->ratelimit ||
                (s->token && s->spec->tokens.refresh != MDL_SPEC_REFRESH_PROACTIVE) ||
                (s->channel &&
                 mdl_scenario_flow_cdc_system(w->sc, f->spec) == f->spec->target_index))
                ok = 0;
            break;
        }
        case MDL_COMP_SUBSCRIBER:
            c->subs[c->nsubs++] = a->gsub_first[node->owner] + node->sub;
            break;
        case MDL_COMP_ENDPOINT:
            c->systems[c->nsystems++] = node->owner;
            break;
        case MDL_COMP_QUOTA:
            /* The quota sampler reads at every series interval, so a
             * commit by quota buckets must not cut a bucket there (a
             * calendar window of 90 s has 90 s buckets). */
            if (w->interval % mdl_quota_grid(w->systems[node->owner].quota) != 0)
                ok = 0;
            break;
        case MDL_COMP_CALLER:
            c->callers[c->ncallers++] = node->owner;
            break;
        default: /* rate limit, token: excluded above; allocations: the channel's */
            break;
        }
    }
    /* all: the real-time flows, then the event flows in ascending order */
    memcpy(c->all, c->flows, (size_t)c->nflows * sizeof *c->all);
    c->nall = c->nflows;
    for (int i = 0; i < n; i++) {
        const mdl_component_node *node = mdl_component_node_at(g, nodes[i]);
        if (node->kind == MDL_COMP_FLOW && w->flows[node->owner].pattern == MDL_SPEC_PATTERN_EVENT)
            c->all[c->nall++] = node->owner;
    }
    c->one_flow = (c->nflows == 1 && c->nsubs == 0) || c->nflows == 0;
    /* With one caller, every real-time flow of c calls through it: the
     * loader requires a real-time flow to have a caller (docs/scenarios.md)
     * and the flow's caller is in the flow's component. */
    c->one_caller = (c->ncallers == 1 && c->nsubs == 0) || c->ncallers == 0;
    for (int k = 0; k < c->nflows && c->ncallers == 1; k++)
        assert(w->sc->flows[c->flows[k]].caller_index == c->callers[0] &&
               "a real-time flow's caller is in its component");
    if (c->nbatches > 0 && c->nsubs == 0)
        return 0; /* only the event pass checks the batches (ev_shared) */
    int shared = c->nbatches > 0;
    for (int k = 0; k < c->nsubs; k++)
        shared |= a->gsubs[c->subs[k]].f->subs[a->gsubs[c->subs[k]].i].recon != NULL;
    if (shared && (w->sc->reference & MDL_REF_SHARED))
        return 0; /* per record on request (tests) */
    if (nev > 0 || c->nsubs > 0) {
        if (!ev_comp_ok(a, c, c->all + c->nflows, nev))
            return 0;
        if (!(c->slot = sim_calloc((size_t)c->nsubs + 1, sizeof *c->slot)) ||
            !(c->ev.pub_off = sim_calloc((size_t)c->nchans + 2, sizeof *c->ev.pub_off)) ||
            !(c->ev.rd_chan_off = sim_calloc((size_t)c->nchans + 2, sizeof *c->ev.rd_chan_off)) ||
            !(c->ev.rd_sub_off = sim_calloc((size_t)c->nsubs + 2, sizeof *c->ev.rd_sub_off)))
            return SIM_ENOMEM;
    }
    return ok && c->nall > 0;
}

static void comp_free(agg_comp *c)
{
    void *p[] = {
        c->flows,      c->all,         c->systems,        c->callers,       c->subs,
        c->chans,      c->tail_nb,     c->tail,           c->early,         c->tail_done,
        c->ev.pub_at,  c->ev.pub_flow, c->ev.pub_key,     c->ev.rd_at,      c->ev.rd_done,
        c->ev.rd_sub,  c->ev.rd_pub,   c->ev.pub_link,    c->ev.b_at,       c->ev.b_done,
        c->ev.b_int,   c->ev.b_key,    c->ev.b_ev,        c->ev.rd_copy,    c->ev.b_copy,
        c->ev.b_local, c->batches,     c->ev.ix_pub,      c->ev.ix_rd_chan, c->ev.ix_rd_sub,
        c->ev.ix_key,  c->ev.pub_off,  c->ev.rd_chan_off, c->ev.rd_sub_off};
    for (size_t i = 0; i < sizeof p / sizeof *p; i++)
        sim_free(p[i]);
    for (int k = 0; c->slot && k < c->nsubs; k++) {
        sim_free(c->slot[k].end);
        sim_free(c->slot[k].rd);
    }
    sim_free(c->slot);
}

static void agg_destroy(agg *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->ncomps; i++)
        comp_free(&a->comps[i]);
    sim_free(a->comps);
    sim_free(a->gsubs);
    sim_free(a->gsub_first);
    sim_free(a->pub_first);
    sim_free(a->pub_last);
    sim_free(a->sub_heap);
    sim_free(a->flow_heap);
    sim_free(a->order);
    sim_free(a->key_saved);
    sim_free(a->red_saved);
    sim_free(a->rt_at);
    sim_free(a->rt_flow);
    sim_free(a->last_at);
    sim_free(a->last_ap);
    sim_free(a->recs);
    sim_free(a->sorted);
    sim_free(a->rng_saved);
    sim_free(a->last);
    sim_free(a->took);
    sim_free(a->early_at);
    sim_free(a->early_sys);
    sim_free(a->taken);
    for (int i = 0; a->st && i < a->nst; i++)
        sim_free(a->st[i].heap);
    sim_free(a->st);
    void *z[] = {a->cur,      a->key_sys,  a->key_caller,  a->key_flow, a->by_sys,  a->by_caller,
                 a->by_flow,  a->sys_off,  a->caller_off,  a->flow_off, a->pos_sys, a->pos_caller,
                 a->pos_flow, a->pos_chan, a->flow_caller, a->lim_flow, a->lim_sub, a->rec_sys_all};
    for (size_t i = 0; i < sizeof z / sizeof *z; i++)
        sim_free(z[i]);
    void *p[] = {a->arr,        a->svc,    a->start,       a->end,    a->heap,
                 a->tmp,        a->idx,    a->bucket_area, a->busy_a, a->queue_a,
                 a->bucket_max, a->busy_m, a->queue_m,     a->dbuf,   a->calls};
    for (size_t i = 0; i < sizeof p / sizeof *p; i++)
        sim_free(p[i]);
    sim_free(a);
}

/* Finds the components the pass may run and schedules their first ticks.
 * Nothing to do (w->agg stays NULL) when the scenario has none. */
static int agg_create(world *w, sim_err *err)
{
    const mdl_scenario *sc = w->sc;
    mdl_component *g = mdl_component_create(sc, err);
    if (!g)
        return err ? err->code : SIM_ENOMEM;
    int nobj = mdl_component_objects(g);
    unsigned char *active = sim_malloc((size_t)nobj + 1);
    agg *a = sim_calloc(1, sizeof *a);
    int rc = SIM_OK;
    if (!active || !a)
        goto nomem;
    memset(active, 1, (size_t)nobj + 1);
    int ncomp = mdl_component_split(g, active);
    a->w = w;
    a->frank_max = (uint64_t)1 << FKEY_RANK;
    if (sc->rank_limit > 0 && sc->rank_limit < a->frank_max)
        a->frank_max = sc->rank_limit; /* the tests' knob */
    /* and another: looks every AGG_RETRY unless a test says otherwise */
    a->retry = sc->look_period > 0 ? sc->look_period : AGG_RETRY;
    a->calls_s = -1; /* a->calls holds no count yet (calloc's 0 would name system 0) */
    a->comps = sim_calloc((size_t)ncomp + 1, sizeof *a->comps);
    a->gsub_first = sim_calloc((size_t)sc->nflows + 1, sizeof *a->gsub_first);
    for (int i = 0; i < sc->nflows; i++)
        a->ngsubs += w->flows[i].nsubs;
    a->gsubs = sim_calloc((size_t)a->ngsubs + 1, sizeof *a->gsubs);
    if (!a->comps || !a->gsub_first || !a->gsubs)
        goto nomem;
    for (int i = 0, n = 0; i < sc->nflows; i++) {
        flow_rt *f = &w->flows[i];
        a->gsub_first[i] = n;
        for (int k = 0; k < f->nsubs; k++) {
            const mdl_subscriber_spec *ss = &f->spec->event.subscribers[k];
            a->gsubs[n++] = (agg_sub){.f = f,
                                      .i = k,
                                      .target = ss->target_index >= 0 ? ss->target_index
                                                                      : f->spec->target_index};
        }
    }
    for (int i = 0; i < ncomp; i++) {
        if (!mdl_component_realtime_only(g, i) && !mdl_component_event_pass(g, i))
            continue;
        agg_comp *c = &a->comps[a->ncomps++];
        int ok = agg_comp_init(a, g, i, c);
        if (ok < 0)
            goto nomem;
        if (!ok) { /* keep it per record */
            comp_free(c);
            memset(c, 0, sizeof *c);
            a->ncomps--;
        }
    }
    if (a->ncomps == 0) {
        agg_destroy(a);
        a = NULL;
        goto done;
    }
    /* the grid: the series interval cut into k equal parts of <= 10 min */
    a->grid_den = (w->interval + AGG_MAX_GRID - 1) / AGG_MAX_GRID;
    a->grid_num = w->interval;
    /* the last grid point before the horizon: [last_start, horizon) runs
     * per record, and so does any pass that would reach past it */
    sim_time j = sc->horizon * a->grid_den / a->grid_num;
    while (j > 0 && grid_point(a, j) >= sc->horizon)
        j--;
    while (grid_point(a, j + 1) < sc->horizon)
        j++;
    a->last_start = grid_point(a, j);
    int most = 0, flows = 0, subs = 0, callers = 0;
    if (!(a->pos_sys = sim_malloc(((size_t)sc->nsystems + 1) * sizeof *a->pos_sys)) ||
        !(a->pos_caller = sim_malloc(((size_t)sc->ncallers + 1) * sizeof *a->pos_caller)) ||
        !(a->pos_flow = sim_malloc(((size_t)sc->nflows + 1) * sizeof *a->pos_flow)) ||
        !(a->pos_chan = sim_malloc(((size_t)sc->nsystems + 1) * sizeof *a->pos_chan)))
        goto nomem;
    memset(a->pos_chan, 0xff, ((size_t)sc->nsystems + 1) * sizeof *a->pos_chan);
    if (!(a->flow_caller = sim_malloc(((size_t)sc->nflows + 1) * sizeof *a->flow_caller)) ||
        !(a->lim_flow = sim_calloc((size_t)sc->nflows + 1, sizeof *a->lim_flow)) ||
        !(a->lim_sub = sim_calloc((size_t)a->ngsubs + 1, sizeof *a->lim_sub)))
        goto nomem;
    memset(a->pos_sys, 0xff, ((size_t)sc->nsystems + 1) * sizeof *a->pos_sys); /* -1 */
    memset(a->pos_caller, 0xff, ((size_t)sc->ncallers + 1) * sizeof *a->pos_caller);
    memset(a->pos_flow, 0xff, ((size_t)sc->nflows + 1) * sizeof *a->pos_flow);
    for (int i = 0; i < a->ncomps; i++) { /* the components share no node */
        const agg_comp *c = &a->comps[i];
        for (int k = 0; k < c->nsystems; k++)
            a->pos_sys[c->systems[k]] = k;
        for (int k = 0; k < c->ncallers; k++)
            a->pos_caller[c->callers[k]] = k;
        for (int k = 0; k < c->nflows; k++)
            a->pos_flow[c->flows[k]] = k;
        for (int k = 0; k < c->nchans; k++)
            a->pos_chan[c->chans[k]] = k;
        callers = c->ncallers > callers ? c->ncallers : callers;
    }
    for (int i = 0; i < a->ncomps; i++) { /* each subscriber's flow and channel, once */
        agg_comp *c = &a->comps[i];
        for (int k = 0; k < c->nsubs; k++) {
            const flow_rt *f = a->gsubs[c->subs[k]].f;
            c->slot[k].flow = f->index;
            c->slot[k].chan = a->pos_chan[f->spec->source_index];
        }
    }
    if (!(a->rec_sys_all =
              sim_malloc(((size_t)a->ngsubs + (size_t)sc->nflows + 1) * sizeof *a->rec_sys_all)))
        goto nomem;
    a->rec_sys = a->rec_sys_all + a->ngsubs;
    for (int i = 0; i < a->ngsubs; i++)
        a->rec_sys[-1 - i] = a->pos_sys[a->gsubs[i].target];
    for (int i = 0; i < sc->nflows; i++) {
        int p = sc->flows[i].caller_index;
        a->rec_sys[i] = a->pos_sys[sc->flows[i].target_index];
        a->flow_caller[i] = p >= 0 ? a->pos_caller[p] : -1;
        if (w->flows[i].realtime)
            a->lim_flow[i] = mdl_realtime_quiet_limit(w->flows[i].realtime);
    }
    for (int i = 0; i < a->ngsubs; i++)
        if (a->gsubs[i].f->subs[a->gsubs[i].i].apply)
            a->lim_sub[i] = mdl_apply_endpoint_timeout(a->gsubs[i].f->subs[a->gsubs[i].i].apply);
    for (int i = 0; i < a->ncomps; i++) {
        most = a->comps[i].nsystems > most ? a->comps[i].nsystems : most;
        flows = a->comps[i].nall > flows ? a->comps[i].nall : flows;
        subs = a->comps[i].nsubs > subs ? a->comps[i].nsubs : subs;
        a->events |= a->comps[i].nall > a->comps[i].nflows;
    }
    if (!(a->last = sim_calloc((size_t)flows + 1, sizeof *a->last)) ||
        !(a->took = sim_calloc((size_t)flows + 1, sizeof *a->took)) ||
        !(a->taken = sim_calloc((size_t)flows + 1, 1)) ||
        !(a->flow_heap = sim_calloc(2 * (size_t)flows + 2, sizeof *a->flow_heap)) ||
        !(a->order = sim_calloc((size_t)flows + 1, sizeof *a->order)) ||
        !(a->pub_first = sim_calloc((size_t)sc->nflows + 1, sizeof *a->pub_first)) ||
        !(a->pub_last = sim_calloc((size_t)sc->nflows + 1, sizeof *a->pub_last)) ||
        !(a->sub_heap = sim_calloc(2 * (size_t)subs + 2, sizeof *a->sub_heap)) ||
        !(a->sys_off = sim_calloc((size_t)most + 2, sizeof *a->sys_off)) ||
        !(a->caller_off = sim_calloc((size_t)callers + 2, sizeof *a->caller_off)) ||
        !(a->flow_off = sim_calloc((size_t)flows + 2, sizeof *a->flow_off)) ||
        !(a->cur = sim_calloc((size_t)flows + 1, sizeof *a->cur)))
        goto nomem;
    a->rng_size = w->systems[a->comps[0].systems[0]].service_rng->type->size;
    if (!(a->rng_saved = sim_malloc((size_t)(most + 1) * a->rng_size)) ||
        !(a->key_saved = sim_malloc((size_t)flows * a->rng_size + 1)) ||
        !(a->red_saved = sim_malloc((size_t)subs * a->rng_size + 1)) ||
        !(a->last_at = sim_calloc((size_t)most + 1, sizeof *a->last_at)) ||
        !(a->last_ap = sim_calloc((size_t)most + 1, 1)) ||
        !(a->st = sim_calloc((size_t)most + 1, sizeof *a->st)))
        goto nomem;
    a->nst = most;
    for (int i = 0; i < a->ncomps; i++)
        schedule_tick(a, i, 0);
    w->agg = a;
    goto done;
nomem:
    agg_destroy(a);
    rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory for the aggregate path");
done:
    sim_free(active);
    mdl_component_destroy(g);
    return rc;
}

/* "run.aggregate_share" (real-time records carried by passes / every
 * real-time record created) and the intervals by how they ran. Published
 * only when the scenario has a component the pass may run (so other
 * scenarios' outputs are unchanged). */
static int agg_publish(const world *w, sim_result *r, sim_err *err)
{
    const agg *a = w->agg;
    if (!a)
        return SIM_OK;
    if (a->status == SIM_ENOMEM)
        return sim_err_set(err, a->status, NULL, 0, 0, "out of memory in the aggregate path");
    if (a->status == SIM_EINTERNAL)
        return sim_err_set(err, a->status, NULL, 0, 0,
                           "internal error in the aggregate path: a pass committed a state the "
                           "model refuses");
    if (a->status != SIM_OK)
        return sim_err_set(err, a->status, NULL, 0, 0, "error in the aggregate path: %s",
                           sim_status_str(a->status));
    uint64_t all = 0;
    for (int i = 0; i < w->sc->nflows; i++)
        if (w->flows[i].realtime || (a->events && w->flows[i].nsubs > 0))
            all += mdl_ledger_created_count(w->ledger, i);
    double carried = (double)(a->records + a->ev_records);
    int rc =
        sim_result_scalar(r, "run.aggregate_share", "ratio", all ? carried / (double)all : 0.0);
    for (int i = 0; i < WHY_COUNT && rc == SIM_OK; i++) {
        char name[64];
        snprintf(name, sizeof name, "run.aggregate_%s", why_names[i]);
        rc = sim_result_scalar(r, name, "intervals", (double)a->intervals[i]);
    }
    if (rc == SIM_OK)
        rc = sim_result_scalar(r, "run.aggregate_looks", "looks", (double)a->looks);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "cannot record the aggregate path's metrics");
    return SIM_OK;
}

/* ---- the run ------------------------------------------------------------- */

static void end_warmup(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    (void)now;
    world *w = ctx;
    mdl_ledger_reset_stats(w->ledger);
}

int mdl_world_ledger_rows(const mdl_scenario *sc)
{
    int rows = sc->nflows;
    for (int i = 0; i < sc->nflows; i++)
        if (sc->flows[i].pattern == MDL_SPEC_PATTERN_EVENT && sc->flows[i].event.nsubscribers > 1)
            rows += sc->flows[i].event.nsubscribers - 1;
    return rows;
}

static int build(world *w, sim_err *err)
{
    const mdl_scenario *sc = w->sc;
    int rc;
    w->interval = mdl_world_series_interval(sc->horizon);
    w->nbins = (size_t)((sc->horizon + w->interval - 1) / w->interval);
    if (!(w->q = sim_queue_create(0, err)))
        return err ? err->code : SIM_ENOMEM;
    /* Ledger rows: one per flow, then one per further subscriber of an
     * event flow, in the order subscriber_create hands them out. */
    w->nrows = mdl_world_ledger_rows(sc);
    int extra = w->nrows - sc->nflows;
    w->flow_ids = sim_calloc((size_t)w->nrows + 1, sizeof *w->flow_ids);
    w->extra_ids = sim_calloc((size_t)extra + 1, sizeof *w->extra_ids);
    if (!w->flow_ids || !w->extra_ids)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    for (int i = 0, k = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        w->flow_ids[i] = f->id;
        for (int j = 1; f->pattern == MDL_SPEC_PATTERN_EVENT && j < f->event.nsubscribers;
             j++, k++) {
            snprintf(w->extra_ids[k], sizeof w->extra_ids[k], "%s.%s", f->id,
                     f->event.subscribers[j].id);
            w->flow_ids[sc->nflows + k] = w->extra_ids[k];
        }
    }
    if (!(w->ledger = mdl_ledger_create(w->nrows, w->flow_ids, err)))
        return err ? err->code : SIM_ENOMEM;
    w->systems = sim_calloc((size_t)sc->nsystems + 1, sizeof *w->systems);
    w->callers = sim_calloc((size_t)sc->ncallers + 1, sizeof *w->callers);
    w->brokers = sim_calloc((size_t)sc->nbrokers + 1, sizeof *w->brokers);
    w->flows = sim_calloc_hot(((size_t)sc->nflows + 1) * sizeof *w->flows); /* arrive's ctx */
    if (!w->systems || !w->callers || !w->brokers || !w->flows)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    for (int i = 0; i < sc->nsystems; i++)
        if ((rc = system_create(w, i, err)) != SIM_OK)
            return rc;
    for (int i = 0; i < sc->ncallers; i++) {
        mdl_caller_cfg cc = {.id = sc->callers[i].id,
                             .size = sc->callers[i].pool_size,
                             .wait = sc->callers[i].pool_wait,
                             .q = w->q,
                             .series_interval = w->interval,
                             .series_bins = w->nbins};
        if (!(w->callers[i] = mdl_caller_create(&cc, 0, err)))
            return err ? err->code : SIM_ENOMEM;
    }
    for (int i = 0; i < sc->nbrokers; i++) {
        mdl_broker_cfg bc;
        mdl_broker_cfg_init(&bc);
        mdl_broker_cfg_from_spec(&bc, &sc->brokers[i]);
        if (!(w->brokers[i] = mdl_broker_create(&bc, err)))
            return err ? err->code : SIM_ENOMEM;
    }
    int extra_row = sc->nflows;
    for (int i = 0; i < sc->nflows; i++)
        if ((rc = flow_create(w, i, &extra_row, err)) != SIM_OK)
            return rc;
    if (!(w->loads = sim_calloc((size_t)sc->nfaults + 1, sizeof *w->loads)) ||
        !(w->load_rng = sim_rng_create(w->seed, (uint64_t)w->rep, "faults.loads", err)))
        return err && err->code ? err->code : SIM_ENOMEM;
    for (int i = 0; i < sc->nfaults; i++)
        if (sc->faults[i].enabled && sc->faults[i].kind == MDL_SPEC_FAULT_BULK_LOAD &&
            (rc = load_create(w, i, err)) != SIM_OK)
            return rc;
    if (sc->warmup > 0)
        sim_queue_push(w->q, sc->warmup, end_warmup, w, 0);
    if (!(sc->reference & MDL_REF_RECORDS) && (rc = agg_create(w, err)) != SIM_OK)
        return rc;
    return SIM_OK;
}

static int publish(world *w, sim_result *r, sim_err *err)
{
    const mdl_scenario *sc = w->sc;
    sim_time end = sc->horizon;
    int rc = SIM_OK;
    uint64_t *pending = sim_calloc((size_t)w->nrows + 1, sizeof *pending);
    if (!pending)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    for (int i = 0; i < sc->nflows; i++)
        flow_pending(&w->flows[i], end, pending);
    if ((rc = mdl_ledger_check(w->ledger, pending, err)) != SIM_OK ||
        (rc = mdl_ledger_publish(w->ledger, pending, r, err)) != SIM_OK)
        goto done;
    for (int i = 0; i < sc->nflows && rc == SIM_OK; i++)
        rc = flow_publish(&w->flows[i], end, r, err);
    for (int i = 0; i < sc->nfaults && rc == SIM_OK; i++)
        if (w->loads[i])
            rc = mdl_batch_publish(w->loads[i], end, r, err);
    for (int i = 0; i < sc->nsystems && rc == SIM_OK; i++) {
        sys_rt *s = &w->systems[i];
        rc = mdl_endpoint_publish(s->endpoint, r, err);
        if (rc == SIM_OK && s->quota)
            rc = system_publish_quota(w, s, r, err);
        if (rc == SIM_OK && s->bulk_batches)
            rc = publish_limit(s, "bulk_batches", "batches", s->bulk_batches, r, err);
        if (rc == SIM_OK && s->bulk_records)
            rc = publish_limit(s, "bulk_records", "records", s->bulk_records, r, err);
        if (rc == SIM_OK && s->bulk_query_jobs)
            rc = publish_limit(s, "bulk_query_jobs", "jobs", s->bulk_query_jobs, r, err);
        if (rc == SIM_OK && s->token)
            rc = mdl_token_publish(s->token, r, err);
    }
    for (int i = 0; i < sc->nsystems && rc == SIM_OK; i++)
        if (w->systems[i].channel)
            rc = mdl_channel_publish_metrics(w->systems[i].channel, end, r, err);
    for (int i = 0; i < sc->nbrokers && rc == SIM_OK; i++)
        rc = mdl_broker_publish_metrics(w->brokers[i], r, err);
    for (int i = 0; i < sc->ncallers && rc == SIM_OK; i++)
        rc = mdl_caller_publish(w->callers[i], end, r, err);
    if (rc == SIM_OK)
        rc = sim_result_scalar(r, "run.events", "events", (double)sim_queue_fired(w->q));
    if (rc == SIM_OK)
        rc = agg_publish(w, r, err);
done:
    sim_free(pending);
    return rc;
}

static void teardown(world *w)
{
    const mdl_scenario *sc = w->sc;
    agg_destroy(w->agg);
    if (w->loads)
        for (int i = 0; i < sc->nfaults; i++)
            mdl_batch_destroy(w->loads[i]);
    sim_free(w->loads);
    sim_rng_destroy(w->load_rng);
    if (w->flows)
        for (int i = 0; i < sc->nflows; i++)
            flow_destroy(&w->flows[i]);
    if (w->callers)
        for (int i = 0; i < sc->ncallers; i++)
            mdl_caller_destroy(w->callers[i]);
    if (w->brokers)
        for (int i = 0; i < sc->nbrokers; i++)
            mdl_broker_destroy(w->brokers[i]);
    sim_free(w->brokers);
    if (w->systems)
        for (int i = 0; i < sc->nsystems; i++)
            system_destroy(&w->systems[i]);
    sim_free_hot(w->flows);
    sim_free(w->callers);
    sim_free(w->systems);
    mdl_ledger_destroy(w->ledger);
    sim_free(w->flow_ids);
    sim_free(w->extra_ids);
    sim_queue_destroy(w->q);
}

int mdl_world_arrivals(const mdl_scenario *sc, uint64_t seed, int rep, mdl_world_arrival_fn *fn,
                       void *ctx, sim_err *err)
{
    world w = {.sc = sc, .seed = seed, .rep = rep};
    int rc = SIM_OK;
    for (int i = 0; i < sc->nflows && rc == SIM_OK; i++) {
        flow_rt f = {.w = &w, .index = i, .spec = &sc->flows[i]};
        rc = flow_arrivals(&w, &f, err);
        /* the run's sequence: the first arrival from 0, then each from the
         * last (flow_start_arrivals, arrive, mdl_batch_pull) */
        for (sim_time t = rc == SIM_OK ? mdl_arrivals_next(f.arrivals, 0) : SIM_TIME_NEVER;
             t != SIM_TIME_NEVER && t <= sc->horizon && rc == SIM_OK;
             t = mdl_arrivals_next(f.arrivals, t))
            rc = fn(ctx, i, t);
        mdl_arrivals_destroy(f.arrivals);
        sim_free(f.spikes);
        sim_rng_destroy(f.arrival_rng);
    }
    return rc;
}

/* ---- the limit table ----------------------------------------------------- */

/* Appends a record without its texts and metric names. */
static mdl_limit *add_limit(mdl_limit *t, int *n, mdl_limit_kind kind, const char *id,
                            const char *unit, const char *refused_unit, double limit,
                            double window_s)
{
    mdl_limit *l = &t[(*n)++];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    snprintf(l->id, sizeof l->id, "%s", id);
    snprintf(l->unit, sizeof l->unit, "%s", unit);
    snprintf(l->refused_unit, sizeof l->refused_unit, "%s", refused_unit);
    l->limit = limit;
    l->window_s = window_s;
    return l;
}

/* dst = "<family>.<id>.<what>". */
static void limit_metric(char *dst, const char *family, const char *id, const char *what)
{
    snprintf(dst, MDL_LIMIT_METRIC_MAX, "%s.%s.%s", family, id, what);
}

/* The metrics publish_limit writes for a window limit "system.<id>.<what>_*". */
static void window_metrics(mdl_limit *l, const char *what)
{
    char m[64];
    snprintf(m, sizeof m, "%s_peak", what);
    limit_metric(l->peak, "system", l->id, m);
    snprintf(m, sizeof m, "%s_exhausted_at", what);
    limit_metric(l->exhausted_at, "system", l->id, m);
    snprintf(m, sizeof m, "%s_refused", what);
    limit_metric(l->refused, "system", l->id, m);
}

int mdl_world_limits(const mdl_scenario *sc, mdl_limit **out, int *n, sim_err *err)
{
    *out = NULL;
    *n = 0;
    int cap = 4 * sc->nsystems + sc->ncallers;
    if (cap == 0)
        return SIM_OK;
    mdl_limit *t = sim_calloc((size_t)cap, sizeof *t);
    if (!t)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    int k = 0;
    for (int i = 0; i < sc->nsystems; i++) {
        const mdl_system_spec *s = &sc->systems[i];
        if (s->api.enabled && s->api.daily_limit > 0) { /* as system_create */
            double w = sim_time_to_seconds(s->api.window_length);
            int rolling = s->api.window == MDL_SPEC_WINDOW_ROLLING;
            mdl_limit *l =
                add_limit(t, &k, MDL_LIMIT_QUOTA, s->id, "calls", "calls", s->api.daily_limit, w);
            if (w == 86400.0)
                snprintf(l->what, sizeof l->what, "API calls per %s",
                         rolling ? "rolling 24 h" : "calendar day");
            else if (fmod(w, 3600.0) == 0.0)
                snprintf(l->what, sizeof l->what, "API calls per %s %g h",
                         rolling ? "rolling" : "calendar", w / 3600.0);
            else
                snprintf(l->what, sizeof l->what, "API calls per %s %g min",
                         rolling ? "rolling" : "calendar", w / 60.0);
            window_metrics(l, "quota");
        }
        if (s->bulk.enabled && s->bulk.batches_per_day > 0) { /* mdl_batch_bulk_pools_create */
            mdl_limit *l = add_limit(t, &k, MDL_LIMIT_BULK_BATCHES, s->id, "batches",
                                     "batch requests", s->bulk.batches_per_day, 86400.0);
            snprintf(l->what, sizeof l->what, "bulk API batches per rolling 24 h");
            window_metrics(l, "bulk_batches");
        }
        if (s->bulk.enabled && s->bulk.records_per_day > 0) {
            mdl_limit *l = add_limit(t, &k, MDL_LIMIT_BULK_RECORDS, s->id, "records",
                                     "batch requests", s->bulk.records_per_day, 86400.0);
            snprintf(l->what, sizeof l->what, "bulk API records per rolling 24 h");
            window_metrics(l, "bulk_records");
        }
        if (s->events.enabled && s->events.delivery_allocation > 0) { /* mdl_channel */
            mdl_limit *l = add_limit(t, &k, MDL_LIMIT_ALLOCATION, s->id, "deliveries",
                                     "delivery attempts", s->events.delivery_allocation, 86400.0);
            snprintf(l->what, sizeof l->what, "event deliveries per rolling 24 h");
            limit_metric(l->peak, "channel", s->id, "allocation_used_peak");
            limit_metric(l->exhausted_at, "channel", s->id, "allocation_exhausted_at");
            limit_metric(l->ran_out, "channel", s->id, "allocation_exhausted");
            limit_metric(l->refused, "channel", s->id, "delivery_refused");
        }
    }
    for (int i = 0; i < sc->ncallers; i++) { /* mdl_caller_publish */
        const mdl_caller_spec *c = &sc->callers[i];
        mdl_limit *l =
            add_limit(t, &k, MDL_LIMIT_CALLER_POOL, c->id, "threads", "calls", c->pool_size, 0.0);
        snprintf(l->what, sizeof l->what, "threads in the caller pool");
        limit_metric(l->peak, "caller", c->id, "pool_max_in_use");
        limit_metric(l->exhausted_at, "caller", c->id, "pool_exhausted_at");
        limit_metric(l->refused, "caller", c->id, "pool_refused");
    }
    if (k == 0) {
        sim_free(t);
        t = NULL;
    }
    *out = t;
    *n = k;
    return SIM_OK;
}

int mdl_world_run(const void *scenario, uint64_t seed, int rep, sim_result *out, sim_err *err)
{
    return mdl_world_run_watched(scenario, seed, rep, NULL, out, err);
}

int mdl_world_run_watched(const void *scenario, uint64_t seed, int rep, const sim_watch *watch,
                          sim_result *out, sim_err *err)
{
    world w = {.sc = scenario, .seed = seed, .rep = rep};
    int rc = build(&w, err);
    if (rc == SIM_OK) {
        rc = sim_queue_run_watched(w.q, w.sc->horizon, watch);
        if (rc != SIM_OK)
            sim_err_set(err, rc, NULL, 0, 0, "the run stopped: %s", sim_status_str(rc));
    }
    if (rc == SIM_OK)
        rc = publish(&w, out, err);
    teardown(&w);
    return rc;
}
