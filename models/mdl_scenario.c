/*
 * mdl_scenario.c - built-in defaults and freeing of the scenario structs.
 *
 * The numbers below are the "built-in" defaults of docs/scenarios.md. Each
 * one's source is stated in the schema table (scenarios/scn_schema.c) and
 * in the docs; tests/scenarios/test_scn_load.c checks that the table's
 * default text parses to exactly the value set here, so the two cannot drift.
 */
#include "mdl_scenario.h"

#include <string.h>

#include "sim_alloc.h"

const char *const mdl_spec_kind_names[] = {
    "generic",      "salesforce", "sap-s4hana", "oracle-erp-cloud",
    "dynamics-365", "netsuite",   "workday",    NULL};
const char *const mdl_spec_weekday_names[] = {"monday", "tuesday",  "wednesday", "thursday",
                                              "friday", "saturday", "sunday",    NULL};
const char *const mdl_spec_window_names[] = {"rolling", "calendar", NULL};
const char *const mdl_spec_refresh_names[] = {"proactive", "inline", "none", NULL};
const char *const mdl_spec_broker_type_names[] = {"kafka", "rabbitmq", NULL};
const char *const mdl_spec_direction_names[] = {"outbound", "inbound", "bidirectional", NULL};
const char *const mdl_spec_impact_names[] = {"low", "medium", "high", "critical", NULL};
const char *const mdl_spec_pattern_names[] = {"realtime", "event", "batch", "file", NULL};
const char *const mdl_spec_tolerance_names[] = {"retry", "zero-loss", "best-effort", NULL};
const char *const mdl_spec_jitter_names[] = {"full", "none", "equal", "decorrelated", NULL};
const char *const mdl_spec_breaker_window_names[] = {"count", "time", "none", NULL};
const char *const mdl_spec_fallback_names[] = {"none", "fail-closed", "queue", NULL};
const char *const mdl_spec_receiver_names[] = {"upsert", "insert", NULL};
const char *const mdl_spec_overlap_names[] = {"skip", "queue", NULL};
const char *const mdl_spec_selection_names[] = {"delta", "full", NULL};
const char *const mdl_spec_api_names[] = {"bulk", "rest", NULL};
const char *const mdl_spec_retry_failed_names[] = {"next-run", "immediate", NULL};
const char *const mdl_spec_fault_kind_names[] = {
    "outage", "degradation", "subscriber-offline", "token-expiry", "bulk-load", NULL};
const char *const mdl_spec_outage_mode_names[] = {"fail-fast", "hang", NULL};
const char *const mdl_spec_distribution_names[] = {
    "lognormal", "exponential", "deterministic", "gamma", "empirical", "none", NULL};
const char *const mdl_spec_time_unit_names[] = {"ms", "s", NULL};
const char *const mdl_spec_process_names[] = {"poisson", "deterministic", "trace", NULL};
const char *const mdl_spec_extract_names[] = {"none", "rest", "bulk", NULL};
const char *const mdl_spec_growth_step_names[] = {"continuous", "monthly", NULL};

const char *mdl_spec_name(const char *const *names, int v)
{
    if (v < 0)
        return "?";
    for (int i = 0; names[i]; i++)
        if (i == v)
            return names[i];
    return "?";
}

static mdl_schedule daily_at(sim_time tod)
{
    mdl_schedule s = {.kind = MDL_SCHEDULE_DAYS, .days_mask = MDL_DAYS_ALL, .time_of_day = tod};
    return s;
}

void mdl_service_spec_init(mdl_service_spec *s)
{
    memset(s, 0, sizeof *s);
    s->distribution = MDL_SPEC_DIST_LOGNORMAL;
    s->cv = -1.0; /* derived: see mdl_service_spec_derive */
    s->unit = MDL_SPEC_UNIT_MS;
}

void mdl_processing_spec_init(mdl_service_spec *s)
{
    mdl_service_spec_init(s);
    s->distribution = MDL_SPEC_DIST_NONE;
}

void mdl_service_spec_fini(mdl_service_spec *s)
{
    sim_free(s->file);
    sim_free(s->column);
    sim_free(s->samples);
    s->file = s->column = NULL;
    s->samples = NULL;
    s->nsamples = 0;
}

void mdl_api_spec_init(mdl_api_spec *a)
{
    memset(a, 0, sizeof *a);
    mdl_service_spec_init(&a->service);
    a->enabled = 1;
    a->window = MDL_SPEC_WINDOW_ROLLING;
    a->window_length = SIM_DAY;
    a->rate_window = 60 * SIM_SEC;
    a->latency_p50 = 200 * SIM_MS;
    a->latency_p95 = 2 * SIM_SEC;
    a->limit_status = 429;
    a->page_size = 1000;
}

void mdl_bulk_spec_init(mdl_bulk_spec *b)
{
    memset(b, 0, sizeof *b);
    b->records_per_batch = 10000;
    b->query_job_calls = 2;
}

void mdl_events_spec_init(mdl_events_spec *e)
{
    memset(e, 0, sizeof *e);
    e->retention = 72 * SIM_HOUR;
}

void mdl_file_spec_init(mdl_file_spec *f)
{
    memset(f, 0, sizeof *f);
}

void mdl_tokens_spec_init(mdl_tokens_spec *t)
{
    memset(t, 0, sizeof *t);
    t->refresh = MDL_SPEC_REFRESH_PROACTIVE;
    t->refresh_latency = 500 * SIM_MS;
}

void mdl_system_spec_init(mdl_system_spec *s)
{
    memset(s, 0, sizeof *s);
    s->kind = MDL_SPEC_KIND_GENERIC;
    mdl_api_spec_init(&s->api);
    mdl_bulk_spec_init(&s->bulk);
    mdl_events_spec_init(&s->events);
    mdl_file_spec_init(&s->file);
    mdl_tokens_spec_init(&s->tokens);
}

void mdl_caller_spec_init(mdl_caller_spec *c)
{
    memset(c, 0, sizeof *c);
    c->pool_size = 25;
}

void mdl_broker_spec_init(mdl_broker_spec *b)
{
    memset(b, 0, sizeof *b);
    b->type = MDL_SPEC_BROKER_KAFKA;
    b->partitions = 1;
    b->retention = 7 * SIM_DAY;
    b->commit_interval = 5 * SIM_SEC;
}

void mdl_spike_spec_init(mdl_spike_spec *s)
{
    memset(s, 0, sizeof *s);
}

void mdl_window_spec_init(mdl_window_spec *w)
{
    memset(w, 0, sizeof *w);
}

void mdl_arrival_spec_init(mdl_arrival_spec *a)
{
    memset(a, 0, sizeof *a);
    strcpy(a->diurnal_name, "flat");
    for (int i = 0; i < 24; i++)
        a->diurnal[i] = 1.0;
    strcpy(a->weekly_name, "flat");
    for (int i = 0; i < 7; i++)
        a->weekly[i] = 1.0;
}

void mdl_decision_spec_init(mdl_decision_spec *d)
{
    memset(d, 0, sizeof *d);
    d->downstream_systems = 1;
}

void mdl_retry_spec_init(mdl_retry_spec *r)
{
    memset(r, 0, sizeof *r);
    r->max_attempts = 3;
    r->base = 500 * SIM_MS;
    r->cap = 30 * SIM_SEC;
    r->jitter = MDL_SPEC_JITTER_FULL;
    r->honour_retry_after = 1;
}

void mdl_breaker_spec_init(mdl_breaker_spec *b)
{
    memset(b, 0, sizeof *b);
    b->window_type = MDL_SPEC_BREAKER_COUNT;
    b->window_size = 100;
    b->minimum_calls = 100;
    b->failure_rate = 0.5;
    b->slow_call_duration = 60 * SIM_SEC;
    b->slow_call_rate = 1.0;
    b->open_duration = 60 * SIM_SEC;
    b->half_open_calls = 10;
}

void mdl_realtime_spec_init(mdl_realtime_spec *r)
{
    memset(r, 0, sizeof *r);
    r->timeout = 120 * SIM_SEC;
    mdl_retry_spec_init(&r->retries);
    mdl_breaker_spec_init(&r->breaker);
    r->fallback = MDL_SPEC_FALLBACK_NONE;
}

void mdl_subscriber_spec_init(mdl_subscriber_spec *s)
{
    memset(s, 0, sizeof *s);
    s->target_index = -1;
    s->concurrency = 1;
    s->apply_via_api = 1;
    s->replay_resume = 1;
    s->auto_renew = 1;
    s->cdc = 1;
    s->echo_filter = 1;
    mdl_processing_spec_init(&s->processing);
}

void mdl_recon_spec_init(mdl_recon_spec *r)
{
    memset(r, 0, sizeof *r);
    r->schedule = daily_at(2 * SIM_HOUR);
    r->page_size = 1000;
    r->compare = MDL_SPEC_SELECTION_FULL;
}

void mdl_event_spec_init(mdl_event_spec *e)
{
    memset(e, 0, sizeof *e);
    strcpy(e->channel, "platform");
    e->broker_index = -1;
    e->partitions = 1;
    e->receiver = MDL_SPEC_RECEIVER_UPSERT;
    e->ordering_guard = 1;
    e->redelivery = 0.01;
    e->max_attempts = 5;
    e->retry_base = 2 * SIM_SEC;
    e->dead_letter = 1;
    mdl_recon_spec_init(&e->reconciliation);
}

void mdl_batch_spec_init(mdl_batch_spec *b)
{
    memset(b, 0, sizeof *b);
    b->schedule = daily_at(1 * SIM_HOUR);
    b->window = 4 * SIM_HOUR;
    b->chunk_size = 10000;
    b->concurrent_jobs = 3;
    b->chunk_overhead = 30 * SIM_SEC;
    b->record_time = 10 * SIM_MS;
    b->record_time_cv = 0.5;
    b->api = MDL_SPEC_API_BULK;
    b->page_size = 1;
    b->failure_rate = 0.001;
    b->retry_limit = 3;
}

void mdl_filejob_spec_init(mdl_filejob_spec *f)
{
    memset(f, 0, sizeof *f);
    f->schedule = daily_at(1 * SIM_HOUR);
    f->record_time = 10 * SIM_MS;
}

void mdl_flow_spec_init(mdl_flow_spec *f)
{
    memset(f, 0, sizeof *f);
    f->source_index = -1;
    f->target_index = -1;
    f->caller_index = -1;
    f->direction = MDL_SPEC_DIR_OUTBOUND;
    f->impact = MDL_SPEC_IMPACT_MEDIUM;
    f->pattern = MDL_SPEC_PATTERN_REALTIME;
    f->record_size = 2000;
    f->error_tolerance = MDL_SPEC_TOLERANCE_RETRY;
    mdl_arrival_spec_init(&f->arrival);
    mdl_decision_spec_init(&f->decision);
    mdl_realtime_spec_init(&f->realtime);
    mdl_event_spec_init(&f->event);
    mdl_batch_spec_init(&f->batch);
    mdl_filejob_spec_init(&f->file);
}

void mdl_fault_spec_init(mdl_fault_spec *f)
{
    memset(f, 0, sizeof *f);
    f->system_index = -1;
    f->flow_index = -1;
    f->subscriber_index = -1;
    f->mode = MDL_SPEC_OUTAGE_FAIL_FAST;
    f->factor = 10.0;
    f->api = MDL_SPEC_API_BULK;
    f->cdc = 1;
    mdl_batch_spec b; /* a load runs like a batch job: the same defaults */
    mdl_batch_spec_init(&b);
    f->chunk_size = b.chunk_size;
    f->concurrent_jobs = b.concurrent_jobs;
    f->chunk_overhead = b.chunk_overhead;
    f->record_time = b.record_time;
    f->record_time_cv = b.record_time_cv;
    f->enabled = 1;
}

void mdl_variant_spec_init(mdl_variant_spec *v)
{
    memset(v, 0, sizeof *v);
}

void mdl_variant_spec_fini(mdl_variant_spec *v)
{
    sim_free(v->description);
    for (int i = 0; i < v->nset; i++)
        sim_free(v->set[i]);
    sim_free(v->set);
    mdl_variant_spec_init(v);
}

void mdl_scenario_init(mdl_scenario *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->horizon = 7 * SIM_DAY;
    sc->seed = 1;
    sc->replications = 10;
    sc->load = 1.0;
    sc->first_weekday = MDL_SPEC_MONDAY;
    sc->start_day = 19723; /* 2024-01-01, a Monday */
}

void mdl_system_spec_fini(mdl_system_spec *s)
{
    sim_free(s->description);
    sim_free(s->api.limit_error);
    mdl_service_spec_fini(&s->api.service);
    for (int i = 0; i < s->events.ncdc_objects; i++)
        sim_free(s->events.cdc_objects[i]);
    sim_free(s->events.cdc_objects);
    mdl_system_spec_init(s);
}

void mdl_subscriber_spec_fini(mdl_subscriber_spec *s)
{
    sim_free(s->offline);
    mdl_service_spec_fini(&s->processing);
    mdl_subscriber_spec_init(s);
}

void mdl_flow_spec_fini(mdl_flow_spec *f)
{
    sim_free(f->description);
    sim_free(f->arrival.spikes);
    sim_free(f->arrival.trace);
    sim_free(f->arrival.trace_column);
    sim_free(f->arrival.trace_times);
    for (int i = 0; i < f->event.nsubscribers; i++)
        mdl_subscriber_spec_fini(&f->event.subscribers[i]);
    sim_free(f->event.subscribers);
    mdl_flow_spec_init(f);
}

void mdl_scenario_fini(mdl_scenario *sc)
{
    if (!sc)
        return;
    sim_free(sc->name);
    sim_free(sc->description);
    for (int i = 0; i < sc->nsystems; i++)
        mdl_system_spec_fini(&sc->systems[i]);
    sim_free(sc->systems);
    for (int i = 0; i < sc->ncallers; i++)
        sim_free(sc->callers[i].description);
    sim_free(sc->callers);
    for (int i = 0; i < sc->nbrokers; i++)
        sim_free(sc->brokers[i].description);
    sim_free(sc->brokers);
    for (int i = 0; i < sc->nflows; i++)
        mdl_flow_spec_fini(&sc->flows[i]);
    sim_free(sc->flows);
    for (int i = 0; i < sc->nfaults; i++)
        sim_free(sc->faults[i].object);
    sim_free(sc->faults);
    for (int i = 0; i < sc->nvariants; i++)
        mdl_variant_spec_fini(&sc->variants[i]);
    sim_free(sc->variants);
    mdl_scenario_init(sc);
}

int mdl_scenario_system_index(const mdl_scenario *sc, const char *id)
{
    for (int i = 0; i < sc->nsystems; i++)
        if (!strcmp(sc->systems[i].id, id))
            return i;
    return -1;
}

int mdl_scenario_caller_index(const mdl_scenario *sc, const char *id)
{
    for (int i = 0; i < sc->ncallers; i++)
        if (!strcmp(sc->callers[i].id, id))
            return i;
    return -1;
}

int mdl_scenario_broker_index(const mdl_scenario *sc, const char *id)
{
    for (int i = 0; i < sc->nbrokers; i++)
        if (!strcmp(sc->brokers[i].id, id))
            return i;
    return -1;
}

int mdl_scenario_flow_index(const mdl_scenario *sc, const char *id)
{
    for (int i = 0; i < sc->nflows; i++)
        if (!strcmp(sc->flows[i].id, id))
            return i;
    return -1;
}

double mdl_scenario_flow_per_day(const mdl_scenario *sc, const mdl_flow_spec *f)
{
    return f->volume * sc->load * 86400.0;
}

int mdl_scenario_write_publishes(const mdl_scenario *sc, int si, const char *object)
{
    if (si < 0 || si >= sc->nsystems || !object || !object[0])
        return 0;
    const mdl_events_spec *e = &sc->systems[si].events;
    if (!e->enabled)
        return 0;
    for (int i = 0; i < e->ncdc_objects; i++)
        if (!strcmp(e->cdc_objects[i], object))
            return 1;
    return 0;
}

int mdl_scenario_flow_cdc_system(const mdl_scenario *sc, const mdl_flow_spec *f)
{
    if (f->pattern == MDL_SPEC_PATTERN_EVENT)
        return -1;
    return mdl_scenario_write_publishes(sc, f->target_index, f->object) ? f->target_index : -1;
}

int mdl_scenario_fault_applies(const mdl_fault_spec *x, int flow, mdl_spec_pattern pattern)
{
    int needs_event = x->kind == MDL_SPEC_FAULT_SUBSCRIBER_OFFLINE ||
                      (x->kind == MDL_SPEC_FAULT_TOKEN_EXPIRY && x->flow[0]);
    return !(needs_event && x->flow_index == flow && pattern != MDL_SPEC_PATTERN_EVENT);
}
