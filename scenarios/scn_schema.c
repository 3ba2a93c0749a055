/*
 * scn_schema.c - the key table of the scenario language, and the parsing,
 * formatting and comparison of one value of each type.
 *
 * How to add a key: add the field to the struct in models/mdl_scenario.h
 * with its built-in default in the struct's init (models/mdl_scenario.c),
 * then one K(...) line in the block's table below, with the same default as
 * text and where it comes from. The loader, --set, --print and the docs
 * pick it up; tests/scenarios/test_scn_load.c checks the default agrees.
 *
 * Sources of defaults (the `src` column):
 *   "REFERENCE.md X"  ../shared/domain/REFERENCE.md, section X;
 *   "card: ..."       ../shared/domain/integration-patterns-card.txt;
 *   "built-in"        a neutral choice ("none", false, 0) or, with
 *                     SCN_ASSUMED, an assumption with no public source that
 *                     `check --print` flags so a workshop sets it.
 */
#include "scn_schema.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_arrivals.h"
#include "mdl_backoff.h"
#include "mdl_scenario.h"
#include "mdl_schedule.h"
#include "scn_units.h"
#include "sim_alloc.h"
#include "sim_text.h"

#define BUILTIN "built-in"
#define DAY_S   86400.0
#define YEAR_S  (365.0 * DAY_S)

/* One table line. st is the struct, f the field. */
#define K(nm, ty, st, f, ...)                                                                      \
    {                                                                                              \
        .name = nm, .type = SCN_T_##ty, .off = offsetof(st, f), __VA_ARGS__                        \
    }
#define NAMES(t) .aux = mdl_spec_##t##_names
#define SUB(b)   .aux = &b

/* ---- named arrival shapes ------------------------------------------------ */

static const char *const diurnal_names = "flat, office-hours";
static const char *const weekly_names = "flat, weekdays-only";

int scn_shape_named(int n, const char *name, double *out)
{
    if (n == 24)
        return mdl_arrivals_diurnal_named(name, out, NULL) == SIM_OK ? SIM_OK : SIM_EINVAL;
    if (!strcmp(name, "flat")) {
        for (int i = 0; i < 7; i++)
            out[i] = 1.0;
        return SIM_OK;
    }
    if (!strcmp(name, "weekdays-only")) {
        for (int i = 0; i < 7; i++)
            out[i] = i < 5 ? 1.0 : 0.0;
        return SIM_OK;
    }
    return SIM_EINVAL;
}

const char *scn_shape_names(int n)
{
    return n == 24 ? diurnal_names : weekly_names;
}

/* ---- the tables, leaves first -------------------------------------------- */

/* Service times (models/mdl_service.h): the same keys for an api's
 * service and a subscriber's processing, except that the api's lognormal
 * takes latency_p50 / latency_p95 from the api block. */
#define SERVICE_SHAPE_KEYS(what)                                                                   \
    K("mean", DURATION, mdl_service_spec, mean, .flags = SCN_POSITIVE | SCN_DERIVED, .max = DAY_S, \
      .src = "derived: the mean of the lognormal through " what,                                   \
      .doc = "mean time (exponential, deterministic, gamma)"),                                     \
        K("cv", PERCENT, mdl_service_spec, cv, .flags = SCN_DERIVED, .max = 10,                    \
          .src = "derived: the coefficient of variation of that lognormal",                        \
          .doc = "gamma: coefficient of variation (Erlang-k: 1/sqrt(k); 100%: exponential)"),      \
        K("file", STRING, mdl_service_spec, file, .def = "", .src = BUILTIN,                       \
          .doc = "empirical: a CSV file of measured times (a header line, one value per row; "     \
                 "relative to the scenario file); read as numbers only"),                          \
        K("column", STRING, mdl_service_spec, column, .def = "", .src = BUILTIN,                   \
          .doc = "empirical: the column's header name (empty: the first column)"),                 \
        K("unit", ENUM, mdl_service_spec, unit, NAMES(time_unit), .def = "ms", .src = BUILTIN,     \
          .doc = "empirical: the unit of the values, ms or s")

/* The keys each distribution takes besides `distribution` (p50 and p95
 * are keys of a subscriber's processing only). */
const char *scn_service_keys(int distribution)
{
    switch (distribution) {
    case MDL_SPEC_DIST_LOGNORMAL:
        return "p50 p95";
    case MDL_SPEC_DIST_EXPONENTIAL:
    case MDL_SPEC_DIST_DETERMINISTIC:
        return "p50 p95 mean";
    case MDL_SPEC_DIST_GAMMA:
        return "p50 p95 mean cv";
    case MDL_SPEC_DIST_EMPIRICAL:
        return "file column unit";
    default:
        return "";
    }
}

static int word_in(const char *list, const char *word);

static int service_applies(const void *base, const char *key)
{
    const mdl_service_spec *s = base;
    return !strcmp(key, "distribution") || word_in(scn_service_keys(s->distribution), key);
}

static const scn_key api_service_keys[] = {
    K("distribution", ENUM, mdl_service_spec, distribution, NAMES(distribution), .def = "lognormal",
      .src = "built-in (through latency_p50 and latency_p95)",
      .doc = "lognormal (through latency_p50/p95), exponential, deterministic, gamma (mean "
             "and cv) or empirical (measured values from a CSV file)"),
    SERVICE_SHAPE_KEYS("latency_p50 and latency_p95"),
};

static const scn_block api_service_block = {
    .name = "system.api.service",
    .path = "systems[].api.service",
    .size = sizeof(mdl_service_spec),
    .keys = api_service_keys,
    .nkeys = sizeof api_service_keys / sizeof *api_service_keys,
    .applies = service_applies,
    .doc = "The distribution of one call's service time at a worker (models/mdl_service.h).",
};

static const scn_key processing_keys[] = {
    K("distribution", ENUM, mdl_service_spec, distribution, NAMES(distribution), .def = "none",
      .src = BUILTIN,
      .doc = "none (applied at once, or in the apply call's time), lognormal (p50, p95), "
             "exponential, deterministic, gamma (mean, cv) or empirical (a CSV file)"),
    K("p50", DURATION, mdl_service_spec, p50, .flags = SCN_NONE_OK | SCN_POSITIVE, .max = DAY_S,
      .def = "none", .src = BUILTIN, .doc = "lognormal: median processing time"),
    K("p95", DURATION, mdl_service_spec, p95, .flags = SCN_NONE_OK | SCN_POSITIVE, .max = DAY_S,
      .def = "none", .src = BUILTIN, .doc = "lognormal: 95th percentile (none: p50)"),
    SERVICE_SHAPE_KEYS("p50 and p95 (given for other distributions: required)"),
};

static const scn_block processing_block = {
    .name = "flow.event.subscriber.processing",
    .path = "flows[].event.subscribers[].processing",
    .size = sizeof(mdl_service_spec),
    .keys = processing_keys,
    .nkeys = sizeof processing_keys / sizeof *processing_keys,
    .applies = service_applies,
    .doc = "A subscriber's own time per event (transform, lookups), before its apply call; "
           "each event holds one of its concurrency slots meanwhile.",
};

static const scn_key api_keys[] = {
    K("enabled", BOOL, mdl_api_spec, enabled, .def = "true", .src = BUILTIN,
      .doc = "the system offers a REST/SOAP API"),
    K("daily_limit", COUNT, mdl_api_spec, daily_limit, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .min = 1, .max = 1e12, .def = "none", .src = BUILTIN,
      .doc = "API calls allowed per quota window (every call counts: retries, reconciliation)"),
    K("window", ENUM, mdl_api_spec, window, NAMES(window), .def = "rolling", .src = BUILTIN,
      .doc = "rolling: a trailing window; calendar: resets at each multiple of window_length"),
    K("window_length", DURATION, mdl_api_spec, window_length, .flags = SCN_POSITIVE,
      .max = 366 * DAY_S, .def = "24h", .src = BUILTIN, .doc = "length of the quota window"),
    K("rate_limit", COUNT, mdl_api_spec, rate_limit, .flags = SCN_NONE_OK | SCN_POSITIVE, .min = 1,
      .max = 1e12, .def = "none", .src = BUILTIN,
      .doc = "calls per rate_window; beyond it calls get 429 with Retry-After. Every caller "
             "of the system is one integration user, so a per-user limit (Dataverse's 6,000 "
             "per 5 min per user) applies to all of them together"),
    K("rate_window", DURATION, mdl_api_spec, rate_window, .flags = SCN_POSITIVE, .max = DAY_S,
      .def = "60s", .src = BUILTIN, .doc = "sliding window of rate_limit"),
    K("retry_after", DURATION, mdl_api_spec, retry_after, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = DAY_S, .def = "none", .src = BUILTIN,
      .doc = "Retry-After sent with a 429 (none: no header)"),
    K("concurrency_limit", INT, mdl_api_spec, concurrency_limit,
      .flags = SCN_NONE_OK | SCN_POSITIVE, .max = 1e6, .def = "none", .src = BUILTIN,
      .doc = "calls in flight; one more is rejected at once"),
    K("long_running", DURATION, mdl_api_spec, long_running, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = DAY_S, .def = "none", .src = BUILTIN,
      .doc = "only calls running at least this long count toward concurrency_limit"),
    K("workers", INT, mdl_api_spec, workers, .flags = SCN_NONE_OK | SCN_POSITIVE, .max = 1e6,
      .def = "none", .src = BUILTIN,
      .doc = "calls served in parallel (dialog work processes); none: unlimited"),
    K("latency_p50", DURATION, mdl_api_spec, latency_p50, .flags = SCN_POSITIVE, .max = DAY_S,
      .def = "200ms", .src = "card: Important Caveats (real-time means 200ms-2s)",
      .doc = "median service time of one call without queueing"),
    K("latency_p95", DURATION, mdl_api_spec, latency_p95, .flags = SCN_POSITIVE, .max = DAY_S,
      .def = "2s", .src = "card: Important Caveats (real-time means 200ms-2s)",
      .doc = "95th percentile service time (lognormal through p50 and p95)"),
    K("queue_limit", INT, mdl_api_spec, queue_limit, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = 1e9, .def = "none", .src = BUILTIN,
      .doc = "calls waiting for a worker; beyond it 503 at once"),
    K("server_timeout", DURATION, mdl_api_spec, server_timeout, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = DAY_S, .def = "none", .src = BUILTIN,
      .doc = "the server aborts a call that has been in service this long: its worker is "
             "freed and the caller gets a 5xx error, which it retries like a 503"),
    K("service", BLOCK, mdl_api_spec, service, SUB(api_service_block),
      .doc = "service-time distribution of a call (default: lognormal through p50/p95)"),
    K("limit_status", INT, mdl_api_spec, limit_status, .min = 100, .max = 599, .def = "429",
      .src = "built-in (RFC 6585 Too Many Requests)",
      .doc = "HTTP status when a quota or limit rejects a call"),
    K("limit_error", STRING, mdl_api_spec, limit_error, .def = "", .src = BUILTIN,
      .doc = "the platform's error code for it (for reports)"),
    K("page_size", INT, mdl_api_spec, page_size, .flags = SCN_POSITIVE | SCN_ASSUMED, .max = 1e7,
      .def = "1000", .src = BUILTIN,
      .doc = "records per query page (reconciliation and REST reads)"),
};

static const scn_block api_block = {
    .name = "system.api",
    .path = "systems[].api",
    .size = sizeof(mdl_api_spec),
    .keys = api_keys,
    .nkeys = sizeof api_keys / sizeof *api_keys,
    .doc = "The REST/SOAP API: daily quota, rate limit, concurrency limit, workers, latency.",
};

static const scn_key bulk_keys[] = {
    K("enabled", BOOL, mdl_bulk_spec, enabled, .def = "false", .src = BUILTIN,
      .doc = "the system offers a bulk API"),
    K("batches_per_day", COUNT, mdl_bulk_spec, batches_per_day, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .min = 1, .max = 1e12, .def = "none", .src = BUILTIN,
      .doc = "bulk batches per rolling 24 h (a pool separate from the REST quota)"),
    K("records_per_batch", COUNT, mdl_bulk_spec, records_per_batch, .flags = SCN_POSITIVE,
      .max = 1e9, .def = "10k", .src = "REFERENCE.md A3 (Bulk API 2.0 internal batch size)",
      .doc = "records in one bulk batch"),
    K("records_per_day", COUNT, mdl_bulk_spec, records_per_day, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .min = 1, .max = 1e15, .def = "none", .src = BUILTIN, .doc = "records per rolling 24 h"),
    K("batch_time_limit", DURATION, mdl_bulk_spec, batch_time_limit,
      .flags = SCN_NONE_OK | SCN_POSITIVE, .max = DAY_S, .def = "none", .src = BUILTIN,
      .doc = "a batch running longer fails and is retried"),
    K("batch_retries", INT, mdl_bulk_spec, batch_retries, .max = 1000, .def = "0", .src = BUILTIN,
      .doc = "automatic retries of a failed batch"),
    K("query_jobs_per_day", COUNT, mdl_bulk_spec, query_jobs_per_day,
      .flags = SCN_NONE_OK | SCN_POSITIVE, .max = 1e12, .def = "none", .src = BUILTIN,
      .doc = "bulk query (extraction) jobs per rolling 24 h: a batch reading this system "
             "with extract: bulk takes one per chunk"),
    K("query_job_calls", INT, mdl_bulk_spec, query_job_calls, .flags = SCN_ASSUMED, .max = 1000,
      .def = "2", .src = "built-in (REFERENCE.md does not say: one call to create, one to fetch)",
      .doc = "API calls of the daily quota a bulk query job costs"),
    K("query_counts_batches", BOOL, mdl_bulk_spec, query_counts_batches, .def = "false",
      .src = "REFERENCE.md A3 (Salesforce: query jobs consume no batches)",
      .doc = "a bulk query also takes batches (records_per_batch each) from batches_per_day"),
};

static const scn_block bulk_block = {
    .name = "system.bulk",
    .path = "systems[].bulk",
    .size = sizeof(mdl_bulk_spec),
    .keys = bulk_keys,
    .nkeys = sizeof bulk_keys / sizeof *bulk_keys,
    .doc = "The bulk API: batches and records per rolling 24 h.",
};

static const scn_key events_keys[] = {
    K("enabled", BOOL, mdl_events_spec, enabled, .def = "false", .src = BUILTIN,
      .doc = "the system has its own event channel (platform events, CDC, event mesh)"),
    K("delivery_allocation", COUNT, mdl_events_spec, delivery_allocation,
      .flags = SCN_NONE_OK | SCN_POSITIVE, .max = 1e12, .def = "none", .src = BUILTIN,
      .doc = "event deliveries per rolling 24 h; each event to each subscriber counts"),
    K("publish_allocation", COUNT, mdl_events_spec, publish_allocation,
      .flags = SCN_NONE_OK | SCN_POSITIVE, .max = 1e12, .def = "none", .src = BUILTIN,
      .doc = "events published per hour"),
    K("retention", DURATION, mdl_events_spec, retention, .flags = SCN_POSITIVE, .max = YEAR_S,
      .def = "72h", .src = "card: Constraints (event replay window: 72 hours)",
      .doc = "events older than this can no longer be replayed"),
    K("cdc_objects", STRLIST, mdl_events_spec, cdc_objects,
      .off2 = offsetof(mdl_events_spec, ncdc_objects), .def = "[]", .src = BUILTIN,
      .doc = "objects with change data capture on: every write to them publishes an event"),
};

static const scn_block events_block = {
    .name = "system.events",
    .path = "systems[].events",
    .size = sizeof(mdl_events_spec),
    .keys = events_keys,
    .nkeys = sizeof events_keys / sizeof *events_keys,
    .doc = "The system's event channel: shared delivery allocation, retention, CDC objects.",
};

static const scn_key sysfile_keys[] = {
    K("enabled", BOOL, mdl_file_spec, enabled, .def = "false", .src = BUILTIN,
      .doc = "the system imports files (CSV, FBDI, Data Loader)"),
    K("max_file_size", SIZE, mdl_file_spec, max_file_size, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .def = "none", .src = BUILTIN, .doc = "largest file accepted"),
    K("max_records", COUNT, mdl_file_spec, max_records, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = 1e12, .def = "none", .src = BUILTIN, .doc = "records per file or import job"),
    K("review_delay", DURATION, mdl_file_spec, review_delay, .max = YEAR_S, .def = "0s",
      .src = BUILTIN, .doc = "manual review before an import runs"),
};

static const scn_block sysfile_block = {
    .name = "system.file",
    .path = "systems[].file",
    .size = sizeof(mdl_file_spec),
    .keys = sysfile_keys,
    .nkeys = sizeof sysfile_keys / sizeof *sysfile_keys,
    .doc = "The file import surface.",
};

static const scn_key tokens_keys[] = {
    K("lifetime", DURATION, mdl_tokens_spec, lifetime, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = YEAR_S, .def = "none", .src = BUILTIN,
      .doc = "access-token lifetime (none: tokens do not expire)"),
    K("refresh", ENUM, mdl_tokens_spec, refresh, NAMES(refresh), .def = "proactive",
      .src = "card: Authentication Gotchas (refresh before expiry)",
      .doc = "proactive: ahead of expiry; inline: the call pays the refresh; none: calls fail "
             "(for every real-time flow calling the system)"),
    K("refresh_latency", DURATION, mdl_tokens_spec, refresh_latency, .max = 3600, .def = "500ms",
      .src = "card: Authentication Gotchas (200-500ms); REFERENCE.md I [NF]",
      .doc = "time an inline refresh adds to the call"),
};

static const scn_block tokens_block = {
    .name = "system.tokens",
    .path = "systems[].tokens",
    .size = sizeof(mdl_tokens_spec),
    .keys = tokens_keys,
    .nkeys = sizeof tokens_keys / sizeof *tokens_keys,
    .doc = "Access tokens used to call the system.",
};

static const scn_key system_keys[] = {
    K("id", ID, mdl_system_spec, id, .flags = SCN_REQUIRED, .doc = "unique system id"),
    K("kind", ENUM, mdl_system_spec, kind, NAMES(kind), .def = "generic", .src = BUILTIN,
      .doc = "preset of defaults (see the preset table)"),
    K("description", STRING, mdl_system_spec, description, .def = "", .src = BUILTIN,
      .doc = "free text"),
    K("api", BLOCK, mdl_system_spec, api, SUB(api_block), .doc = "REST/SOAP API"),
    K("bulk", BLOCK, mdl_system_spec, bulk, SUB(bulk_block), .doc = "bulk API"),
    K("events", BLOCK, mdl_system_spec, events, SUB(events_block), .doc = "event channel"),
    K("file", BLOCK, mdl_system_spec, file, SUB(sysfile_block), .doc = "file import"),
    K("tokens", BLOCK, mdl_system_spec, tokens, SUB(tokens_block), .doc = "access tokens"),
};

static void init_system(void *p)
{
    mdl_system_spec_init(p);
}

static void fini_system(void *p)
{
    mdl_system_spec_fini(p);
}

static const scn_block system_block = {
    .label = "system",
    .name = "system",
    .path = "systems[]",
    .size = sizeof(mdl_system_spec),
    .init = init_system,
    .fini = fini_system,
    .keys = system_keys,
    .nkeys = sizeof system_keys / sizeof *system_keys,
    .preset_key = "kind",
    .doc = "A system of the landscape: an ERP, a SaaS platform, or a generic source.",
};

static const scn_key caller_keys[] = {
    K("id", ID, mdl_caller_spec, id, .flags = SCN_REQUIRED, .doc = "unique caller id"),
    K("description", STRING, mdl_caller_spec, description, .def = "", .src = BUILTIN,
      .doc = "free text"),
    K("pool_size", INT, mdl_caller_spec, pool_size, .flags = SCN_POSITIVE, .max = 1e6, .def = "25",
      .src = "REFERENCE.md G1 (resilience4j Bulkhead maxConcurrentCalls)",
      .doc = "threads/connections shared by all its real-time flows"),
    K("pool_wait", DURATION, mdl_caller_spec, pool_wait, .max = 3600, .def = "0s",
      .src = "REFERENCE.md G1 (Bulkhead maxWaitDuration 0)",
      .doc = "how long a request finding every thread busy waits (first come, first served, "
             "holding none) before it is rejected pool_full; 0s: rejected at once"),
};

static void init_caller(void *p)
{
    mdl_caller_spec_init(p);
}

static void fini_caller(void *p)
{
    mdl_caller_spec *c = p;
    sim_free(c->description);
    mdl_caller_spec_init(c);
}

static const scn_block caller_block = {
    .label = "caller",
    .name = "caller",
    .path = "callers[]",
    .size = sizeof(mdl_caller_spec),
    .init = init_caller,
    .fini = fini_caller,
    .keys = caller_keys,
    .nkeys = sizeof caller_keys / sizeof *caller_keys,
    .doc = "A calling application with a finite thread/connection pool.",
};

static const scn_key broker_keys[] = {
    K("id", ID, mdl_broker_spec, id, .flags = SCN_REQUIRED, .doc = "unique broker id"),
    K("type", ENUM, mdl_broker_spec, type, NAMES(broker_type), .def = "kafka", .src = BUILTIN,
      .doc = "kafka or rabbitmq (selects the preset)"),
    K("description", STRING, mdl_broker_spec, description, .def = "", .src = BUILTIN,
      .doc = "free text"),
    K("partitions", INT, mdl_broker_spec, partitions, .flags = SCN_POSITIVE | SCN_ASSUMED,
      .max = 1e5, .def = "1", .src = BUILTIN,
      .doc = "partitions of a topic; ordering holds per partition only"),
    K("retention", DURATION, mdl_broker_spec, retention, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = YEAR_S, .def = "7d", .src = "REFERENCE.md H1 (Kafka retention.ms)",
      .doc = "messages older than this are deleted (none: kept until consumed)"),
    K("delivery_limit", INT, mdl_broker_spec, delivery_limit, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = 1e6, .def = "none", .src = BUILTIN,
      .doc = "deliveries of one message before it is dead-lettered or dropped"),
    K("dead_letter", BOOL, mdl_broker_spec, dead_letter, .def = "false", .src = BUILTIN,
      .doc = "a dead-letter queue/exchange is configured"),
    K("commit_interval", DURATION, mdl_broker_spec, commit_interval,
      .flags = SCN_NONE_OK | SCN_POSITIVE, .max = DAY_S, .def = "5s",
      .src = "REFERENCE.md H1 (auto.commit.interval.ms)",
      .doc = "consumer commit period: work since the last commit is redelivered after a crash"),
};

static void init_broker(void *p)
{
    mdl_broker_spec_init(p);
}

static void fini_broker(void *p)
{
    mdl_broker_spec *b = p;
    sim_free(b->description);
    mdl_broker_spec_init(b);
}

static const scn_block broker_block = {
    .label = "broker",
    .name = "broker",
    .path = "brokers[]",
    .size = sizeof(mdl_broker_spec),
    .init = init_broker,
    .fini = fini_broker,
    .keys = broker_keys,
    .nkeys = sizeof broker_keys / sizeof *broker_keys,
    .preset_key = "type",
    .doc = "A message broker: Kafka-like (partitioned log) or RabbitMQ-like (queue).",
};

static const scn_key spike_keys[] = {
    K("at", DURATION, mdl_spike_spec, at, .flags = SCN_REQUIRED, .max = 100 * YEAR_S,
      .doc = "start, from the beginning of the run"),
    K("duration", DURATION, mdl_spike_spec, duration, .flags = SCN_REQUIRED | SCN_POSITIVE,
      .max = 100 * YEAR_S, .doc = "length of the spike"),
    K("multiplier", MULT, mdl_spike_spec, multiplier, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = 1e6, .def = "none", .src = BUILTIN, .doc = "multiplies the rate in the window"),
    K("extra", COUNT, mdl_spike_spec, extra, .flags = SCN_NONE_OK | SCN_POSITIVE, .max = 1e12,
      .def = "none", .src = BUILTIN,
      .doc = "extra records spread over the window (e.g. a migration load)"),
};

static void init_spike(void *p)
{
    mdl_spike_spec_init(p);
}

static const scn_block spike_block = {
    .label = "spike",
    .name = "flow.arrival.spike",
    .path = "flows[].arrival.spikes[]",
    .size = sizeof(mdl_spike_spec),
    .init = init_spike,
    .keys = spike_keys,
    .nkeys = sizeof spike_keys / sizeof *spike_keys,
    .doc = "A one-off window with more traffic: give multiplier, extra, or both.",
};

static const scn_key arrival_keys[] = {
    K("process", ENUM, mdl_arrival_spec, process, NAMES(process), .def = "poisson", .src = BUILTIN,
      .doc = "poisson (non-homogeneous, at the profile's rate), deterministic (the same "
             "rate, evenly spaced: exact counts) or trace (replays the timestamps of a CSV "
             "file, scaled by load and growth)"),
    K("trace", STRING, mdl_arrival_spec, trace, .def = "", .src = BUILTIN,
      .doc = "process trace: a CSV file of timestamps (ISO 8601 or epoch s/ms; relative to "
             "the scenario file), replayed from the local midnight of its first day"),
    K("trace_column", STRING, mdl_arrival_spec, trace_column, .def = "", .src = BUILTIN,
      .doc = "process trace: the column's header name (empty: the first column)"),
    K("diurnal", SHAPE24, mdl_arrival_spec, diurnal,
      .off2 = offsetof(mdl_arrival_spec, diurnal_name), .def = "flat", .src = BUILTIN,
      .doc = "flat, office-hours, or 24 relative weights (00:00 first)"),
    K("weekly", SHAPE7, mdl_arrival_spec, weekly, .off2 = offsetof(mdl_arrival_spec, weekly_name),
      .def = "flat", .src = BUILTIN, .doc = "flat, weekdays-only, or 7 weights (Monday first)"),
    K("growth", GROWTH, mdl_arrival_spec, growth, .max = 10, .def = "0%/month", .src = BUILTIN,
      .doc = "volume growth, compounded monthly"),
    K("growth_step", ENUM, mdl_arrival_spec, growth_step, NAMES(growth_step), .def = "continuous",
      .src = BUILTIN,
      .doc = "continuous: (1 + growth)^(t / month); monthly: the growth comes once a month, "
             "(1 + growth)^floor(t / month), as data warehouses report it (the arrivals and "
             "a full batch's dataset)"),
    K("spikes", LIST, mdl_arrival_spec, spikes, .off2 = offsetof(mdl_arrival_spec, nspikes),
      SUB(spike_block), .doc = "one-off windows with more traffic"),
};

/* A trace brings its own shape (diurnal and weekly do not apply); only a
 * trace takes a file. */
static int arrival_applies(const void *base, const char *key)
{
    const mdl_arrival_spec *a = base;
    int trace = a->process == MDL_SPEC_PROCESS_TRACE;
    if (!strcmp(key, "trace") || !strcmp(key, "trace_column"))
        return trace;
    if (!strcmp(key, "diurnal") || !strcmp(key, "weekly"))
        return !trace;
    return 1;
}

static const scn_block arrival_block = {
    .name = "flow.arrival",
    .path = "flows[].arrival",
    .size = sizeof(mdl_arrival_spec),
    .keys = arrival_keys,
    .nkeys = sizeof arrival_keys / sizeof *arrival_keys,
    .applies = arrival_applies,
    .doc = "When records are created: a non-homogeneous Poisson process, evenly spaced, or a "
           "replayed trace (models/mdl_arrivals.h).",
};

static const scn_key decision_keys[] = {
    K("someone_waiting", BOOL, mdl_decision_spec, someone_waiting, .def = "false", .src = BUILTIN,
      .doc = "a user actively waits for the result"),
    K("financial_or_compliance", BOOL, mdl_decision_spec, financial_or_compliance, .def = "false",
      .src = BUILTIN, .doc = "a financial-impact or compliance decision"),
    K("five_minute_impact", BOOL, mdl_decision_spec, five_minute_impact, .def = "false",
      .src = BUILTIN, .doc = "a 5-minute delay causes genuine business impact"),
    K("change_triggered", BOOL, mdl_decision_spec, change_triggered, .def = "false", .src = BUILTIN,
      .doc = "the flow is triggered by a record change"),
    K("downstream_systems", INT, mdl_decision_spec, downstream_systems, .min = 1, .max = 1e4,
      .def = "1", .src = BUILTIN, .doc = "systems that need the change"),
    K("scheduled", BOOL, mdl_decision_spec, scheduled, .def = "false", .src = BUILTIN,
      .doc = "a scheduled data synchronisation"),
    K("migration", BOOL, mdl_decision_spec, migration, .def = "false", .src = BUILTIN,
      .doc = "a full data migration"),
    K("bidirectional", BOOL, mdl_decision_spec, bidirectional, .flags = SCN_DERIVED,
      .src = "derived: true when direction is bidirectional",
      .doc = "both systems write the same records (conflict resolution first)"),
};

static const scn_block decision_block = {
    .name = "flow.decision",
    .path = "flows[].decision",
    .size = sizeof(mdl_decision_spec),
    .keys = decision_keys,
    .nkeys = sizeof decision_keys / sizeof *decision_keys,
    .doc = "The card's decision-tree inputs, read by `erpsim advise`.",
};

static const scn_key retry_keys[] = {
    K("max_attempts", INT, mdl_retry_spec, max_attempts, .min = 1, .max = 100, .def = "3",
      .src = "REFERENCE.md G1 (resilience4j Retry maxAttempts)",
      .doc = "attempts including the first call"),
    K("base", DURATION, mdl_retry_spec, base, .flags = SCN_POSITIVE, .max = DAY_S, .def = "500ms",
      .src = "REFERENCE.md G1 (resilience4j Retry waitDuration)",
      .doc = "backoff base: expo(n) = min(cap, base * 2^n)"),
    K("cap", DURATION, mdl_retry_spec, cap, .flags = SCN_POSITIVE | SCN_ASSUMED, .max = DAY_S,
      .def = "30s", .src = BUILTIN, .doc = "longest backoff"),
    K("jitter", ENUM, mdl_retry_spec, jitter, NAMES(jitter), .def = "full",
      .src = "REFERENCE.md G3, Modelling implication 6",
      .doc = "full, none, equal or decorrelated (AWS backoff formulas)"),
    K("honour_retry_after", BOOL, mdl_retry_spec, honour_retry_after, .def = "true",
      .src = "REFERENCE.md Modelling implication 6",
      .doc = "a server's Retry-After overrides the backoff; false: the client ignores it and "
             "sleeps its backoff formula (a badly written client)"),
};

static const scn_block retry_block = {
    .name = "flow.realtime.retries",
    .path = "flows[].realtime.retries",
    .size = sizeof(mdl_retry_spec),
    .keys = retry_keys,
    .nkeys = sizeof retry_keys / sizeof *retry_keys,
    .doc = "Retries with exponential backoff and jitter.",
};

#define G1 "REFERENCE.md G1 (resilience4j CircuitBreakerConfig)"
static const scn_key breaker_keys[] = {
    K("enabled", BOOL, mdl_breaker_spec, enabled, .def = "false", .src = BUILTIN,
      .doc = "a circuit breaker guards the calls"),
    K("window_type", ENUM, mdl_breaker_spec, window_type, NAMES(breaker_window), .def = "count",
      .src = G1,
      .doc = "count: the rate rule over the last N calls; time: over the last N seconds (N "
             "one-second buckets); none: no rate rule, only consecutive_failures (the card's "
             "pure 5 failures / 60 s; needs consecutive_failures)"),
    K("window_size", INT, mdl_breaker_spec, window_size, .flags = SCN_POSITIVE, .max = 1e6,
      .def = "100", .src = G1, .doc = "N calls or N seconds"),
    K("minimum_calls", INT, mdl_breaker_spec, minimum_calls, .flags = SCN_POSITIVE, .max = 1e6,
      .def = "100", .src = G1, .doc = "no failure rate is computed below this many calls"),
    K("failure_rate", PERCENT, mdl_breaker_spec, failure_rate, .flags = SCN_POSITIVE, .max = 1,
      .def = "50%", .src = G1, .doc = "opens when failures / calls >= this"),
    K("consecutive_failures", INT, mdl_breaker_spec, consecutive_failures,
      .flags = SCN_NONE_OK | SCN_POSITIVE, .max = 1e6, .def = "none", .src = BUILTIN,
      .doc = "also opens after this many failures (or slow calls) in a row, the rate rule "
             "still on: whichever fires first; with window_type none the only rule"),
    K("slow_call_duration", DURATION, mdl_breaker_spec, slow_call_duration, .flags = SCN_POSITIVE,
      .max = DAY_S, .def = "60s", .src = G1, .doc = "calls longer than this count as slow"),
    K("slow_call_rate", PERCENT, mdl_breaker_spec, slow_call_rate, .flags = SCN_POSITIVE, .max = 1,
      .def = "100%", .src = G1, .doc = "opens when slow calls / calls >= this"),
    K("open_duration", DURATION, mdl_breaker_spec, open_duration, .flags = SCN_POSITIVE,
      .max = DAY_S, .def = "60s", .src = G1, .doc = "OPEN rejects calls this long, then HALF_OPEN"),
    K("half_open_calls", INT, mdl_breaker_spec, half_open_calls,
      .flags = SCN_POSITIVE | SCN_DERIVED, .max = 1e6,
      .src = "derived: 10 (REFERENCE.md G1, resilience4j); 1 with window_type none "
             "(REFERENCE.md G2, one trial decides)",
      .doc = "trial calls in HALF_OPEN; the rate rule judges them (any failure reopens with "
             "window_type none)"),
};

static const scn_block breaker_block = {
    .name = "flow.realtime.breaker",
    .path = "flows[].realtime.breaker",
    .size = sizeof(mdl_breaker_spec),
    .keys = breaker_keys,
    .nkeys = sizeof breaker_keys / sizeof *breaker_keys,
    .doc = "Circuit breaker with resilience4j semantics.",
};

static const scn_key realtime_keys[] = {
    K("timeout", DURATION, mdl_realtime_spec, timeout, .flags = SCN_POSITIVE, .max = DAY_S,
      .def = "120s", .src = "REFERENCE.md A2 (Apex callout maximum 120 s)",
      .doc = "the caller gives up after this (and the server may keep working)"),
    K("retries", BLOCK, mdl_realtime_spec, retries, SUB(retry_block), .doc = "retry policy"),
    K("breaker", BLOCK, mdl_realtime_spec, breaker, SUB(breaker_block), .doc = "circuit breaker"),
    K("fallback", ENUM, mdl_realtime_spec, fallback, NAMES(fallback), .def = "none", .src = BUILTIN,
      .doc = "none, fail-closed (reject) or queue (park for async retry)"),
};

static const scn_block realtime_block = {
    .name = "flow.realtime",
    .path = "flows[].realtime",
    .size = sizeof(mdl_realtime_spec),
    .keys = realtime_keys,
    .nkeys = sizeof realtime_keys / sizeof *realtime_keys,
    .doc = "Real-time pattern: the client policy of a synchronous call.",
};

static const scn_key window_keys[] = {
    K("start", DURATION, mdl_window_spec, start, .flags = SCN_REQUIRED, .max = 100 * YEAR_S,
      .doc = "from the beginning of the run"),
    K("duration", DURATION, mdl_window_spec, duration, .flags = SCN_REQUIRED | SCN_POSITIVE,
      .max = 100 * YEAR_S, .doc = "length of the window"),
};

static void init_window(void *p)
{
    mdl_window_spec_init(p);
}

static const scn_block window_block = {
    .label = "offline window",
    .name = "flow.event.subscriber.offline",
    .path = "flows[].event.subscribers[].offline[]",
    .size = sizeof(mdl_window_spec),
    .init = init_window,
    .keys = window_keys,
    .nkeys = sizeof window_keys / sizeof *window_keys,
    .doc = "A window when the subscriber is disconnected.",
};

static const scn_key subscriber_keys[] = {
    K("id", ID, mdl_subscriber_spec, id, .flags = SCN_REQUIRED, .doc = "unique within the flow"),
    K("target", REF, mdl_subscriber_spec, target, .ref = SCN_REF_SYSTEM,
      .off2 = offsetof(mdl_subscriber_spec, target_index), .flags = SCN_DERIVED,
      .src = "derived: the flow's target", .doc = "the system it applies changes to"),
    K("concurrency", INT, mdl_subscriber_spec, concurrency, .flags = SCN_POSITIVE | SCN_ASSUMED,
      .max = 1e5, .def = "1", .src = BUILTIN, .doc = "events applied in parallel"),
    K("apply_via_api", BOOL, mdl_subscriber_spec, apply_via_api, .def = "true", .src = BUILTIN,
      .doc = "each apply is a call to the target's API (its quota, latency, limits)"),
    K("offline", LIST, mdl_subscriber_spec, offline,
      .off2 = offsetof(mdl_subscriber_spec, noffline), SUB(window_block),
      .doc = "windows when it is disconnected"),
    K("replay_resume", BOOL, mdl_subscriber_spec, replay_resume, .def = "true",
      .src = "card: Authentication Gotchas (reconnect with replay ID)",
      .doc = "reconnects from its last replay id (false: at the tip, skipping events)"),
    K("token_lifetime", DURATION, mdl_subscriber_spec, token_lifetime,
      .flags = SCN_NONE_OK | SCN_POSITIVE, .max = YEAR_S, .def = "none", .src = BUILTIN,
      .doc = "its subscription token (none: does not expire)"),
    K("auto_renew", BOOL, mdl_subscriber_spec, auto_renew, .def = "true",
      .src = "card: Authentication (subscription credentials auto-renewing)",
      .doc = "renews its token before expiry (false: silently disconnects)"),
    K("cdc", BOOL, mdl_subscriber_spec, cdc, .def = "true", .src = BUILTIN,
      .doc = "also receives the change events of the source system's events.cdc_objects "
             "(platform channel only); each delivery counts against the allocation"),
    K("processing", BLOCK, mdl_subscriber_spec, processing, SUB(processing_block),
      .doc = "its own processing time per event (default none)"),
    K("object", ID, mdl_subscriber_spec, object, .flags = SCN_OPTIONAL | SCN_DERIVED,
      .src = "derived: the flow's object",
      .doc = "the object it writes into its target: when the target lists it in "
             "events.cdc_objects, each write publishes a change event there"),
    K("echo_filter", BOOL, mdl_subscriber_spec, echo_filter, .def = "true",
      .src = "built-in (deployments filter the integration user's own changes; the card: "
             "bidirectional sync needs conflict resolution first)",
      .doc = "drops the change events its own integration writes caused (echoes) instead "
             "of applying them back: false lets two flows in opposite directions ping-pong"),
};

static void init_subscriber(void *p)
{
    mdl_subscriber_spec_init(p);
}

static void fini_subscriber(void *p)
{
    mdl_subscriber_spec_fini(p);
}

static const scn_block subscriber_block = {
    .label = "subscriber",
    .name = "flow.event.subscriber",
    .path = "flows[].event.subscribers[]",
    .size = sizeof(mdl_subscriber_spec),
    .init = init_subscriber,
    .fini = fini_subscriber,
    .keys = subscriber_keys,
    .nkeys = sizeof subscriber_keys / sizeof *subscriber_keys,
    .doc = "A subscriber of the flow's events (default: one, named after the target).",
};

static const scn_key recon_keys[] = {
    K("enabled", BOOL, mdl_recon_spec, enabled, .def = "false", .src = BUILTIN,
      .doc = "a reconciliation job compares source and target"),
    K("schedule", SCHEDULE, mdl_recon_spec, schedule, .flags = SCN_ASSUMED, .def = "daily 02:00",
      .src = "card: Common Pitfalls (daily full reconciliation)", .doc = "when it runs"),
    K("page_size", INT, mdl_recon_spec, page_size, .flags = SCN_POSITIVE, .max = 1e7,
      .inherit = "api.page_size", .src = "the target system's api.page_size",
      .doc = "records compared per API call"),
    K("compare", ENUM, mdl_recon_spec, compare, NAMES(selection), .def = "full",
      .src = "card: Common Pitfalls (daily full reconciliation)",
      .doc = "full: every record of the object (needs the flow's key_space); delta: the "
             "records changed since the previous run (misses older losses)"),
};

static const scn_block recon_block = {
    .name = "flow.event.reconciliation",
    .path = "flows[].event.reconciliation",
    .size = sizeof(mdl_recon_spec),
    .keys = recon_keys,
    .nkeys = sizeof recon_keys / sizeof *recon_keys,
    .doc = "Periodic reconciliation that repairs lost and diverged records.",
};

static const scn_key event_keys[] = {
    K("channel", REF, mdl_event_spec, channel, .ref = SCN_REF_CHANNEL,
      .off2 = offsetof(mdl_event_spec, broker_index), .def = "platform", .src = BUILTIN,
      .doc = "platform (the source system's own events) or a broker id"),
    K("topic", ID, mdl_event_spec, topic, .flags = SCN_DERIVED, .src = "derived: the flow id",
      .doc = "topic name"),
    K("partitions", INT, mdl_event_spec, partitions, .flags = SCN_POSITIVE | SCN_DERIVED,
      .max = 1e5, .src = "derived: the broker's partitions (1 on a platform channel)",
      .doc = "partitions of the topic"),
    K("subscribers", LIST, mdl_event_spec, subscribers,
      .off2 = offsetof(mdl_event_spec, nsubscribers), SUB(subscriber_block),
      .doc = "who consumes the events"),
    K("receiver", ENUM, mdl_event_spec, receiver, NAMES(receiver), .def = "upsert",
      .src = "card: Failure Points (always upsert with an external id)",
      .doc = "upsert (idempotent) or insert (a redelivery duplicates)"),
    K("ordering_guard", BOOL, mdl_event_spec, ordering_guard, .def = "true",
      .src = "card: Error Patterns (sequence numbers, last-modified-wins)",
      .doc = "an older update cannot overwrite a newer one"),
    K("redelivery", PERCENT, mdl_event_spec, redelivery, .flags = SCN_ASSUMED, .max = 1,
      .def = "1%", .src = "card: Error Patterns (duplicate events: common)",
      .doc = "probability an event is delivered again"),
    K("redelivery_delay", DURATION, mdl_event_spec, redelivery_delay, .max = DAY_S, .def = "0s",
      .src = BUILTIN,
      .doc = "how long after the first apply a redelivered copy arrives (late copies can "
             "overtake newer updates)"),
    K("permanent_errors", PERCENT, mdl_event_spec, permanent_errors, .max = 1, .def = "0%",
      .src = BUILTIN, .doc = "probability a record can never be applied"),
    K("max_attempts", INT, mdl_event_spec, max_attempts, .min = 1, .max = 1000, .def = "5",
      .src = "card: Code Examples (MAX_RETRIES = 5)",
      .doc = "attempts before the dead-letter queue"),
    K("retry_base", DURATION, mdl_event_spec, retry_base, .flags = SCN_POSITIVE,
      .max = (double)MDL_BACKOFF_DEFAULT_CAP / 1e6, .def = "2s",
      .src = "card: Code Examples (BACKOFF_BASE = 2)",
      .doc = "backoff base between attempts (at most the backoff's 30 s cap)"),
    K("dead_letter", BOOL, mdl_event_spec, dead_letter, .def = "true",
      .src = "card: Step 3 (dead letter queues for event-driven)",
      .doc = "failed events go to a dead-letter queue (false: dropped)"),
    K("reconciliation", BLOCK, mdl_event_spec, reconciliation, SUB(recon_block),
      .doc = "periodic reconciliation"),
};

static const scn_block event_block = {
    .name = "flow.event",
    .path = "flows[].event",
    .size = sizeof(mdl_event_spec),
    .keys = event_keys,
    .nkeys = sizeof event_keys / sizeof *event_keys,
    .doc = "Event-driven pattern: channel, subscribers, delivery semantics.",
};

static const scn_key batch_keys[] = {
    K("schedule", SCHEDULE, mdl_batch_spec, schedule, .flags = SCN_ASSUMED, .def = "daily 01:00",
      .src = "card: audit table (nightly)", .doc = "when a run starts"),
    K("window", DURATION, mdl_batch_spec, window, .flags = SCN_POSITIVE | SCN_ASSUMED,
      .max = YEAR_S, .def = "4h", .src = BUILTIN,
      .doc = "hard cutoff after the start; at most the gap between runs"),
    K("overlap", ENUM, mdl_batch_spec, overlap, NAMES(overlap), .def = "skip", .src = BUILTIN,
      .doc = "a run due while the previous one runs: skip or queue"),
    K("selection", ENUM, mdl_batch_spec, selection, NAMES(selection), .def = "delta",
      .src = "card: Code Examples (always prefer delta)",
      .doc = "delta (changed records) or full (the whole dataset)"),
    K("dataset", COUNT, mdl_batch_spec, dataset, .flags = SCN_NONE_OK | SCN_POSITIVE, .max = 1e12,
      .def = "none", .src = BUILTIN,
      .doc = "records in the full dataset (required for selection full)"),
    K("chunk_size", INT, mdl_batch_spec, chunk_size, .flags = SCN_POSITIVE, .max = 1e9,
      .def = "10000", .src = "card: Code Examples (CHUNK_SIZE); REFERENCE.md A3",
      .doc = "records per chunk (job)"),
    K("concurrent_jobs", INT, mdl_batch_spec, concurrent_jobs, .flags = SCN_POSITIVE, .max = 1e4,
      .def = "3", .src = "card: Code Examples (MAX_CONCURRENT_JOBS)",
      .doc = "chunks processed at once"),
    K("chunk_overhead", DURATION, mdl_batch_spec, chunk_overhead, .flags = SCN_ASSUMED,
      .max = DAY_S, .def = "30s", .src = BUILTIN, .doc = "fixed time per chunk"),
    K("record_time", DURATION, mdl_batch_spec, record_time, .flags = SCN_POSITIVE | SCN_ASSUMED,
      .max = 3600, .def = "10ms", .src = BUILTIN, .doc = "mean processing time per record"),
    K("record_time_cv", PERCENT, mdl_batch_spec, record_time_cv, .flags = SCN_ASSUMED, .max = 10,
      .def = "50%", .src = BUILTIN,
      .doc = "coefficient of variation of the per-record time (0%: fixed; else lognormal)"),
    K("api", ENUM, mdl_batch_spec, api, NAMES(api), .flags = SCN_DERIVED,
      .src = "derived: bulk when the target offers a bulk API, else rest",
      .doc = "bulk batches or REST calls"),
    K("extract", ENUM, mdl_batch_spec, extract, NAMES(extract), .flags = SCN_DERIVED,
      .src = "derived: bulk when the source offers a bulk API, else rest when it has an API, "
             "else none",
      .doc = "how each chunk is read from the source, at the source's cost: rest (query "
             "pages of the source's api.page_size, each an API call), bulk (a query job and "
             "its calls) or none (free)"),
    K("page_size", INT, mdl_batch_spec, page_size, .flags = SCN_POSITIVE | SCN_ASSUMED, .max = 1e6,
      .def = "1", .src = BUILTIN, .doc = "records per REST call (api rest)"),
    K("failure_rate", PERCENT, mdl_batch_spec, failure_rate, .flags = SCN_ASSUMED, .max = 1,
      .def = "0.1%", .src = "card: Error Patterns (partial failure: common)",
      .doc = "probability a record fails"),
    K("retry_failed", ENUM, mdl_batch_spec, retry_failed, NAMES(retry_failed), .def = "next-run",
      .src = BUILTIN, .doc = "failed records retried next-run or immediate"),
    K("retry_limit", INT, mdl_batch_spec, retry_limit, .flags = SCN_ASSUMED, .max = 1000,
      .def = "3", .src = BUILTIN, .doc = "retries of a failed record before it is given up"),
    K("job_timeout", DURATION, mdl_batch_spec, job_timeout, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = YEAR_S, .def = "none", .src = BUILTIN, .doc = "a chunk running longer fails"),
    K("checkpoint", BOOL, mdl_batch_spec, checkpoint, .def = "false", .src = BUILTIN,
      .doc = "after a cutoff the next run resumes from the last chunk (false: restarts)"),
};

static const scn_block batch_block = {
    .name = "flow.batch",
    .path = "flows[].batch",
    .size = sizeof(mdl_batch_spec),
    .keys = batch_keys,
    .nkeys = sizeof batch_keys / sizeof *batch_keys,
    .doc = "Batch pattern: schedule, window, chunks, bulk or REST.",
};

static const scn_key filejob_keys[] = {
    K("schedule", SCHEDULE, mdl_filejob_spec, schedule, .flags = SCN_ASSUMED, .def = "daily 01:00",
      .src = "card: pattern table (file-based import)",
      .doc = "when a file is produced and imported"),
    K("max_file_size", SIZE, mdl_filejob_spec, max_file_size, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .inherit = "file.max_file_size", .src = "the target system's file.max_file_size",
      .doc = "largest file"),
    K("max_records", COUNT, mdl_filejob_spec, max_records, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = 1e12, .inherit = "file.max_records", .src = "the target system's file.max_records",
      .doc = "records per file"),
    K("review_delay", DURATION, mdl_filejob_spec, review_delay, .max = YEAR_S,
      .inherit = "file.review_delay", .src = "the target system's file.review_delay",
      .doc = "manual review before the import"),
    K("record_time", DURATION, mdl_filejob_spec, record_time, .flags = SCN_POSITIVE | SCN_ASSUMED,
      .max = 3600, .def = "10ms", .src = BUILTIN, .doc = "import time per record"),
};

static const scn_block filejob_block = {
    .name = "flow.file",
    .path = "flows[].file",
    .size = sizeof(mdl_filejob_spec),
    .keys = filejob_keys,
    .nkeys = sizeof filejob_keys / sizeof *filejob_keys,
    .doc = "File pattern: scheduled file import.",
};

static const scn_key flow_keys[] = {
    K("id", ID, mdl_flow_spec, id, .flags = SCN_REQUIRED, .doc = "unique flow id (F-001)"),
    K("description", STRING, mdl_flow_spec, description, .def = "", .src = BUILTIN,
      .doc = "free text"),
    K("source", REF, mdl_flow_spec, source, .ref = SCN_REF_SYSTEM,
      .off2 = offsetof(mdl_flow_spec, source_index), .flags = SCN_REQUIRED,
      .doc = "system where records change"),
    K("target", REF, mdl_flow_spec, target, .ref = SCN_REF_SYSTEM,
      .off2 = offsetof(mdl_flow_spec, target_index), .flags = SCN_REQUIRED,
      .doc = "system the changes go to"),
    K("direction", ENUM, mdl_flow_spec, direction, NAMES(direction), .def = "outbound",
      .src = BUILTIN, .doc = "outbound, inbound or bidirectional"),
    K("volume", RATE, mdl_flow_spec, volume, .flags = SCN_REQUIRED | SCN_POSITIVE,
      .max = 1e12 / DAY_S, .doc = "records created at the source (500/day, 50k/day, 40/s)"),
    K("latency_slo", SLO, mdl_flow_spec, latency_slo, .off2 = offsetof(mdl_flow_spec, slo_nightly),
      .def = "none", .src = BUILTIN,
      .doc = "latency need: a duration, nightly (24 h plus the batch window), or none"),
    K("impact", ENUM, mdl_flow_spec, impact, NAMES(impact), .def = "medium", .src = BUILTIN,
      .doc = "business impact: low, medium, high or critical"),
    K("pattern", ENUM, mdl_flow_spec, pattern, NAMES(pattern), .flags = SCN_REQUIRED,
      .doc = "realtime, event, batch or file"),
    K("arrival", BLOCK, mdl_flow_spec, arrival, SUB(arrival_block), .doc = "arrival profile"),
    K("key_space", COUNT, mdl_flow_spec, key_space, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = 1e15, .def = "none", .src = BUILTIN,
      .doc = "distinct records the changes fall on (none: every change is a new record)"),
    K("record_size", SIZE, mdl_flow_spec, record_size, .flags = SCN_POSITIVE | SCN_ASSUMED,
      .max = 1e9, .def = "2KB", .src = BUILTIN, .doc = "bytes per record"),
    K("object", ID, mdl_flow_spec, object, .flags = SCN_OPTIONAL, .def = "none", .src = BUILTIN,
      .doc = "the object it writes into its target (e.g. Order): its writes (batch, file "
             "and real-time) publish change events when the target lists it in "
             "events.cdc_objects"),
    K("error_tolerance", ENUM, mdl_flow_spec, error_tolerance, NAMES(tolerance), .def = "retry",
      .src = BUILTIN, .doc = "zero-loss, retry or best-effort"),
    K("decision", BLOCK, mdl_flow_spec, decision, SUB(decision_block),
      .doc = "decision-tree inputs"),
    K("caller", REF, mdl_flow_spec, caller, .ref = SCN_REF_CALLER,
      .off2 = offsetof(mdl_flow_spec, caller_index), .flags = SCN_OPTIONAL, .def = "none",
      .src = BUILTIN, .doc = "calling application (required for realtime)"),
    K("realtime", BLOCK, mdl_flow_spec, realtime, SUB(realtime_block), .doc = "real-time settings"),
    K("event", BLOCK, mdl_flow_spec, event, SUB(event_block), .doc = "event-driven settings"),
    K("batch", BLOCK, mdl_flow_spec, batch, SUB(batch_block), .doc = "batch settings"),
    K("file", BLOCK, mdl_flow_spec, file, SUB(filejob_block), .doc = "file settings"),
};

static void init_flow(void *p)
{
    mdl_flow_spec_init(p);
}

static void fini_flow(void *p)
{
    mdl_flow_spec_fini(p);
}

static const scn_block flow_block = {
    .label = "flow",
    .name = "flow",
    .path = "flows[]",
    .size = sizeof(mdl_flow_spec),
    .init = init_flow,
    .fini = fini_flow,
    .keys = flow_keys,
    .nkeys = sizeof flow_keys / sizeof *flow_keys,
    .doc = "A data flow: the card's audit-table row plus its pattern settings.",
};

static const scn_key fault_keys[] = {
    K("id", ID, mdl_fault_spec, id, .flags = SCN_DERIVED, .src = "derived: fault-N",
      .doc = "name in reports"),
    K("kind", ENUM, mdl_fault_spec, kind, NAMES(fault_kind), .flags = SCN_REQUIRED,
      .doc = "outage, degradation, subscriber-offline, token-expiry or bulk-load"),
    K("enabled", BOOL, mdl_fault_spec, enabled, .def = "true", .src = BUILTIN,
      .doc = "false: the fault is kept (variants and --set can name it) but not injected"),
    K("system", REF, mdl_fault_spec, system, .ref = SCN_REF_SYSTEM,
      .off2 = offsetof(mdl_fault_spec, system_index), .flags = SCN_OPTIONAL, .def = "none",
      .src = BUILTIN, .doc = "the system affected (outage, degradation, token-expiry, bulk-load)"),
    K("flow", REF, mdl_fault_spec, flow, .ref = SCN_REF_FLOW,
      .off2 = offsetof(mdl_fault_spec, flow_index), .flags = SCN_OPTIONAL, .def = "none",
      .src = BUILTIN, .doc = "the event flow (subscriber-offline, token-expiry of a subscriber)"),
    K("subscriber", REF, mdl_fault_spec, subscriber, .ref = SCN_REF_SUBSCRIBER,
      .off2 = offsetof(mdl_fault_spec, subscriber_index), .flags = SCN_OPTIONAL, .def = "none",
      .src = BUILTIN, .doc = "a subscriber of that flow"),
    K("start", DURATION, mdl_fault_spec, start, .flags = SCN_REQUIRED, .max = 100 * YEAR_S,
      .doc = "from the beginning of the run"),
    K("duration", DURATION, mdl_fault_spec, duration, .flags = SCN_NONE_OK | SCN_POSITIVE,
      .max = 100 * YEAR_S, .def = "none", .src = BUILTIN,
      .doc = "length (outage, degradation, subscriber-offline); bulk-load: spread over"),
    K("mode", ENUM, mdl_fault_spec, mode, NAMES(outage_mode), .def = "fail-fast", .src = BUILTIN,
      .doc = "outage: fail-fast (503) or hang"),
    K("factor", MULT, mdl_fault_spec, factor, .flags = SCN_POSITIVE | SCN_ASSUMED, .max = 1e6,
      .def = "10x", .src = BUILTIN, .doc = "degradation: service time multiplier"),
    K("object", STRING, mdl_fault_spec, object, .def = "", .src = BUILTIN,
      .doc = "bulk-load: the object written"),
    K("records", COUNT, mdl_fault_spec, records, .flags = SCN_NONE_OK | SCN_POSITIVE, .max = 1e12,
      .def = "none", .src = BUILTIN, .doc = "bulk-load: records written"),
    K("api", ENUM, mdl_fault_spec, api, NAMES(api), .def = "bulk", .src = BUILTIN,
      .doc = "bulk-load: bulk or rest"),
    K("chunk_size", INT, mdl_fault_spec, chunk_size, .flags = SCN_POSITIVE, .max = 1e9,
      .def = "10000", .src = "card: Code Examples (CHUNK_SIZE); REFERENCE.md A3",
      .doc = "bulk-load: records per chunk (job), as batch.chunk_size"),
    K("concurrent_jobs", INT, mdl_fault_spec, concurrent_jobs, .flags = SCN_POSITIVE, .max = 1e4,
      .def = "3", .src = "card: Code Examples (MAX_CONCURRENT_JOBS)",
      .doc = "bulk-load: chunks at once, as batch.concurrent_jobs"),
    K("chunk_overhead", DURATION, mdl_fault_spec, chunk_overhead, .flags = SCN_ASSUMED,
      .max = DAY_S, .def = "30s", .src = BUILTIN,
      .doc = "bulk-load: fixed time per chunk, as batch.chunk_overhead"),
    K("record_time", DURATION, mdl_fault_spec, record_time, .flags = SCN_POSITIVE | SCN_ASSUMED,
      .max = 3600, .def = "10ms", .src = BUILTIN,
      .doc = "bulk-load: mean time per record, as batch.record_time"),
    K("record_time_cv", PERCENT, mdl_fault_spec, record_time_cv, .flags = SCN_ASSUMED, .max = 10,
      .def = "50%", .src = BUILTIN,
      .doc = "bulk-load: its coefficient of variation (0%: fixed), as batch.record_time_cv"),
    K("cdc", BOOL, mdl_fault_spec, cdc, .flags = SCN_DERIVED,
      .src = "derived: true when object is one of the system's events.cdc_objects (or not given)",
      .doc = "bulk-load: CDC stays on for the object, so every record written publishes a "
             "change event (the card's pitfall)"),
};

static const struct {
    const char *required, *allowed;
} fault_rules[] = {
    [MDL_SPEC_FAULT_OUTAGE] = {"system duration", "system duration mode"},
    [MDL_SPEC_FAULT_DEGRADATION] = {"system duration", "system duration factor"},
    [MDL_SPEC_FAULT_SUBSCRIBER_OFFLINE] = {"flow duration", "flow subscriber duration"},
    [MDL_SPEC_FAULT_TOKEN_EXPIRY] = {"", "system flow subscriber"},
    [MDL_SPEC_FAULT_BULK_LOAD] = {"system records",
                                  "system duration object records api cdc chunk_size "
                                  "concurrent_jobs chunk_overhead record_time record_time_cv"},
};

const char *scn_fault_keys(int kind, int required)
{
    if (kind < 0 || kind > MDL_SPEC_FAULT_BULK_LOAD)
        return "";
    return required ? fault_rules[kind].required : fault_rules[kind].allowed;
}

static int word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

int scn_fault_has_key(int kind, const char *key, int required)
{
    return word_in(scn_fault_keys(kind, required), key);
}

static int fault_applies(const void *base, const char *key)
{
    const mdl_fault_spec *f = base;
    return !strcmp(key, "id") || !strcmp(key, "kind") || !strcmp(key, "start") ||
           !strcmp(key, "enabled") || word_in(scn_fault_keys(f->kind, 0), key);
}

static void init_fault(void *p)
{
    mdl_fault_spec_init(p);
}

static void fini_fault(void *p)
{
    mdl_fault_spec *f = p;
    sim_free(f->object);
    mdl_fault_spec_init(f);
}

static const scn_block fault_block = {
    .label = "fault",
    .name = "fault",
    .path = "faults[]",
    .size = sizeof(mdl_fault_spec),
    .init = init_fault,
    .fini = fini_fault,
    .keys = fault_keys,
    .nkeys = sizeof fault_keys / sizeof *fault_keys,
    .applies = fault_applies,
    .doc = "A fault to inject: outage, degradation, subscriber offline, token expiry, bulk load.",
};

static const scn_key variant_keys[] = {
    K("id", ID, mdl_variant_spec, id, .flags = SCN_REQUIRED, .doc = "unique variant name"),
    K("description", STRING, mdl_variant_spec, description, .def = "", .src = BUILTIN,
      .doc = "free text"),
    K("set", STRLIST, mdl_variant_spec, set, .off2 = offsetof(mdl_variant_spec, nset),
      .flags = SCN_REQUIRED, .doc = "overrides as path=value, exactly like --set"),
};

static void init_variant(void *p)
{
    mdl_variant_spec_init(p);
}

static void fini_variant(void *p)
{
    mdl_variant_spec_fini(p);
}

static const scn_block variant_block = {
    .label = "variant",
    .name = "variant",
    .path = "variants[]",
    .size = sizeof(mdl_variant_spec),
    .init = init_variant,
    .fini = fini_variant,
    .keys = variant_keys,
    .nkeys = sizeof variant_keys / sizeof *variant_keys,
    .doc = "A named what-if: overrides applied on top of the scenario (checked by the loader).",
};

static const scn_key root_keys[] = {
    K("name", STRING, mdl_scenario, name, .def = "", .src = BUILTIN,
      .doc = "scenario name for reports (empty: the file name)"),
    K("description", STRING, mdl_scenario, description, .def = "", .src = BUILTIN,
      .doc = "free text"),
    K("horizon", DURATION, mdl_scenario, horizon, .flags = SCN_POSITIVE,
      .max = SCN_HORIZON_MAX_DAYS * DAY_S, .def = "7d", .src = BUILTIN,
      .doc = "simulated time of one replication"),
    K("warmup", DURATION, mdl_scenario, warmup, .max = SCN_HORIZON_MAX_DAYS * DAY_S, .def = "0s",
      .src = BUILTIN,
      .doc = "flow latencies and calls per record restart after this (warm-up "
             "deletion); record counts, limits and utilisations cover the whole run; "
             "shorter than the horizon"),
    K("seed", U64, mdl_scenario, seed, .def = "1", .src = BUILTIN,
      .doc = "seed of every random stream"),
    K("replications", INT, mdl_scenario, replications, .min = 1, .max = 1e5, .def = "10",
      .src = BUILTIN, .doc = "independent replications (confidence intervals)"),
    K("load", MULT, mdl_scenario, load, .flags = SCN_POSITIVE, .max = 1000, .def = "1x",
      .src = BUILTIN, .doc = "multiplies every flow's volume (the card: test at 3x peak)"),
    K("utc_offset", UTC, mdl_scenario, utc_offset, .def = "+00:00", .src = BUILTIN,
      .doc = "local time minus UTC (schedules are local; for output)"),
    K("first_weekday", ENUM, mdl_scenario, first_weekday, NAMES(weekday), .def = "monday",
      .src = BUILTIN, .doc = "weekday of day 0 (given a start_date: its weekday)"),
    K("start_date", DATE, mdl_scenario, start_day, .flags = SCN_DERIVED,
      .src = "derived: the first day on or after 2024-01-01 that is a first_weekday",
      .doc = "the calendar date of day 0, for monthly and quarterly schedules"),
    K("systems", LIST, mdl_scenario, systems, .off2 = offsetof(mdl_scenario, nsystems),
      SUB(system_block), .doc = "systems of the landscape"),
    K("callers", LIST, mdl_scenario, callers, .off2 = offsetof(mdl_scenario, ncallers),
      SUB(caller_block), .doc = "calling applications"),
    K("brokers", LIST, mdl_scenario, brokers, .off2 = offsetof(mdl_scenario, nbrokers),
      SUB(broker_block), .doc = "message brokers"),
    K("flows", LIST, mdl_scenario, flows, .off2 = offsetof(mdl_scenario, nflows), SUB(flow_block),
      .doc = "data flows"),
    K("faults", LIST, mdl_scenario, faults, .off2 = offsetof(mdl_scenario, nfaults),
      SUB(fault_block), .doc = "faults to inject"),
    K("variants", LIST, mdl_scenario, variants, .off2 = offsetof(mdl_scenario, nvariants),
      SUB(variant_block), .doc = "named what-ifs, each a list of overrides"),
};

static const scn_block root_block = {
    .name = "scenario",
    .path = "",
    .size = sizeof(mdl_scenario),
    .keys = root_keys,
    .nkeys = sizeof root_keys / sizeof *root_keys,
    .doc = "The scenario header and its lists.",
};

static const scn_block *const all_blocks[] = {
    &root_block,    &system_block,  &api_block,    &api_service_block, &bulk_block,
    &events_block,  &sysfile_block, &tokens_block, &caller_block,      &broker_block,
    &flow_block,    &arrival_block, &spike_block,  &decision_block,    &realtime_block,
    &retry_block,   &breaker_block, &event_block,  &subscriber_block,  &processing_block,
    &window_block,  &recon_block,   &batch_block,  &filejob_block,     &fault_block,
    &variant_block, NULL,
};

const scn_block *scn_schema_root(void)
{
    return &root_block;
}

const scn_block *const *scn_schema_blocks(void)
{
    return all_blocks;
}

const scn_key *scn_schema_key(const scn_block *b, const char *name, int *index)
{
    for (int i = 0; i < b->nkeys; i++) {
        if (!strcmp(b->keys[i].name, name)) {
            if (index)
                *index = i;
            return &b->keys[i];
        }
    }
    return NULL;
}

const scn_key *scn_schema_path(const scn_block *b, const char *path, const scn_block **owner,
                               size_t *offset)
{
    size_t off = 0;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        char name[64];
        if (len == 0 || len >= sizeof name)
            return NULL;
        memcpy(name, p, len);
        name[len] = '\0';
        const scn_key *k = scn_schema_key(b, name, NULL);
        if (!k)
            return NULL;
        if (!dot) {
            if (k->type == SCN_T_BLOCK || k->type == SCN_T_LIST)
                return NULL;
            if (owner)
                *owner = b;
            if (offset)
                *offset = off;
            return k;
        }
        if (k->type != SCN_T_BLOCK)
            return NULL;
        off += k->off;
        b = k->aux;
        p = dot + 1;
    }
}

/* ---- values --------------------------------------------------------------- */

#define FIELD(k, base, T)   ((T *)((char *)(base) + (k)->off))
#define CFIELD(k, base, T)  ((const T *)((const char *)(base) + (k)->off))
#define FIELD2(k, base, T)  ((T *)((char *)(base) + (k)->off2))
#define CFIELD2(k, base, T) ((const T *)((const char *)(base) + (k)->off2))

const char *scn_type_name(scn_type t)
{
    static const char *const names[] = {"duration",     "rate",
                                        "count",        "integer",
                                        "integer",      "percent",
                                        "growth",       "multiplier",
                                        "size",         "schedule",
                                        "boolean",      "text",
                                        "choice",       "id",
                                        "reference",    "duration or nightly",
                                        "UTC offset",   "diurnal shape",
                                        "weekly shape", "list of names",
                                        "mapping",      "list",
                                        "date"};
    return t < SCN_T_COUNT_OF_TYPES ? names[t] : "?";
}

static void join_names(const char *const *names, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; names[i] && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", names[i]);
}

const char *scn_type_describe(const scn_key *k)
{
    switch (k->type) {
    case SCN_T_DURATION:
        return "a duration such as 250ms, 120s, 15m, 72h or 3d";
    case SCN_T_RATE:
        return "a rate such as 500/day, 50k/day, 200/h or 40/s";
    case SCN_T_COUNT:
        return "a number such as 500, 50k or 1.2M";
    case SCN_T_INT:
    case SCN_T_U64:
        return "a whole number";
    case SCN_T_PERCENT:
        return "a percentage such as 30%";
    case SCN_T_GROWTH:
        return "a growth such as 12%/month";
    case SCN_T_MULT:
        return "a multiplier such as 3x";
    case SCN_T_SIZE:
        return "a size such as 2KB or 250MB";
    case SCN_T_SCHEDULE:
        return "a schedule such as 'daily 01:00', 'weekdays 22:30' or 'every 15m'";
    case SCN_T_BOOL:
        return "true or false";
    case SCN_T_STRING:
        return "text";
    case SCN_T_ENUM:
        return "one of the listed names";
    case SCN_T_ID:
    case SCN_T_REF:
        return "an id of letters, digits, '_' and '-'";
    case SCN_T_SLO:
        return "a duration such as 5m, or nightly, or none";
    case SCN_T_UTC:
        return "an offset such as +01:00 or -05:30";
    case SCN_T_DATE:
        return "a date such as 2025-03-03";
    case SCN_T_SHAPE24:
        return "flat, office-hours, or a list of 24 weights";
    case SCN_T_SHAPE7:
        return "flat, weekdays-only, or a list of 7 weights";
    case SCN_T_STRLIST:
        return "a list of names such as [Account, Order]";
    case SCN_T_BLOCK:
        return "a mapping of keys";
    case SCN_T_LIST:
        return "a list of mappings (each item starting with '- ')";
    default:
        return "?";
    }
}

/* Damerau-Levenshtein (optimal string alignment) distance, ASCII case-folded,
 * for "did you mean". Strings longer than 63 characters count as far. */
int scn_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63)
        return 99;
    int d[64][64];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            int cost = ca != cb;
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[n][m];
}

const char *scn_suggest(const char *word, const char *const *cands, int n)
{
    const char *best = NULL;
    int bestd = 3; /* distance <= 2 */
    for (int i = 0; n < 0 ? cands[i] != NULL : i < n; i++) {
        int d = scn_distance(word, cands[i]);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    return best;
}

static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

static int is_none(const char *s)
{
    return ieq(s, "none");
}

static int valid_id(const char *s, sim_err *err, const char *key)
{
    size_t n = strlen(s);
    if (n == 0)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s is empty", key);
    if (n >= MDL_SPEC_ID_MAX)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "%s '%.20s...' is longer than %d characters", key, s,
                           MDL_SPEC_ID_MAX - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '_' || c == '-') || c >= 0x80)
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                               "%s '%s' may only contain letters, digits, '_' and '-' (ids "
                               "become parts of metric names)",
                               key, s);
    }
    if (!strcmp(s, "none") || !strcmp(s, "platform"))
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s '%s' is a reserved word", key, s);
    return SIM_OK;
}

static double as_double(const scn_key *k, const void *base)
{
    switch (k->type) {
    case SCN_T_DURATION:
        return sim_time_to_seconds(*CFIELD(k, base, sim_time));
    case SCN_T_INT:
    case SCN_T_ENUM:
    case SCN_T_BOOL:
        return (double)*CFIELD(k, base, int);
    default:
        return *CFIELD(k, base, double);
    }
}

/* A limit written in the key's unit, for messages. */
static const char *limit_text(const scn_key *k, double v, char *buf, size_t n)
{
    switch (k->type) {
    case SCN_T_DURATION:
        return scn_format_duration((sim_time)llround(v * 1e6), buf, n);
    case SCN_T_RATE:
        return scn_format_rate(v, buf, n);
    case SCN_T_PERCENT:
        return scn_format_percent(v, buf, n);
    case SCN_T_GROWTH:
        return scn_format_growth(v, buf, n);
    case SCN_T_MULT:
        return scn_format_multiplier(v, buf, n);
    case SCN_T_SIZE:
        return scn_format_size(v, buf, n);
    default:
        return scn_format_count(v, buf, n);
    }
}

static int check_range(const scn_key *k, const void *base, const char *text, sim_err *err)
{
    double v = as_double(k, base);
    char lim[64];
    if ((k->flags & SCN_POSITIVE) && !(v > 0))
        return sim_err_set(err, SIM_ERANGE, NULL, 0, 0, "%s must be greater than 0%s, got '%s'",
                           k->name, (k->flags & SCN_NONE_OK) ? " (or none)" : "", text);
    if (v < k->min)
        return sim_err_set(err, SIM_ERANGE, NULL, 0, 0, "%s must be at least %s, got '%s'", k->name,
                           limit_text(k, k->min, lim, sizeof lim), text);
    if (k->max > 0 && v > k->max)
        return sim_err_set(err, SIM_ERANGE, NULL, 0, 0, "%s must be at most %s, got '%s'", k->name,
                           limit_text(k, k->max, lim, sizeof lim), text);
    if (k->type == SCN_T_COUNT && v != floor(v)) /* calls, records, batches: whole */
        return sim_err_set(err, SIM_ERANGE, NULL, 0, 0, "%s must be a whole number, got '%s'",
                           k->name, text);
    return SIM_OK;
}

/* Prefixes a units-module message with the key name. */
static int unit_error(const scn_key *k, int rc, sim_err *err)
{
    if (err) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        sim_err_set(err, rc, NULL, 0, 0, "%s: %s", k->name, msg);
    }
    return rc;
}

static int parse_enum(const scn_key *k, const char *text, void *base, sim_err *err)
{
    const char *const *names = k->aux;
    char norm[64];
    size_t n = strlen(text);
    if (n < sizeof norm) {
        for (size_t i = 0; i <= n; i++)
            norm[i] = text[i] == '_' ? '-' : (char)tolower((unsigned char)text[i]);
        for (int i = 0; names[i]; i++) {
            if (!strcmp(norm, names[i])) {
                *FIELD(k, base, int) = i;
                return SIM_OK;
            }
        }
    }
    char list[256];
    join_names(names, list, sizeof list);
    const char *s = scn_suggest(text, names, -1);
    if (s)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "%s '%s' is not one of %s (did you mean '%s'?)", k->name, text, list, s);
    return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s '%s' is not one of %s", k->name, text,
                       list);
}

static int parse_bool(const scn_key *k, const char *text, int *out, sim_err *err)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (int i = 0; i < 3; i++) {
        if (ieq(text, yes[i])) {
            *out = 1;
            return SIM_OK;
        }
        if (ieq(text, no[i])) {
            *out = 0;
            return SIM_OK;
        }
    }
    return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s must be true or false, got '%s'", k->name,
                       text);
}

/* A whole number from 0 to INT64_MAX, not UINT64_MAX: the value (the seed)
 * is written back as a JSON integer, which jansson holds in an int64, and
 * `--seed` takes the same range. */
static int parse_u64(const scn_key *k, const char *text, uint64_t *out, sim_err *err)
{
    const char *p = text;
    uint64_t v = 0;
    if (!*p)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s is empty", k->name);
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                               "%s must be a whole number from 0 to 9223372036854775807, got '%s'",
                               k->name, text);
        unsigned d = (unsigned)(*p - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10)
            return sim_err_set(err, SIM_ERANGE, NULL, 0, 0,
                               "%s must be at most 9223372036854775807, got '%s'", k->name, text);
        v = v * 10 + d;
    }
    *out = v;
    return SIM_OK;
}

/* "+01:00", "-05:30", "+1", "UTC", "Z", "0". */
/* "YYYY-MM-DD", a real day of 1970-9999. */
static int parse_date(const scn_key *k, const char *text, int64_t *out, sim_err *err)
{
    int y = 0, m = 0, d = 0, n = 0;
    int ok = strlen(text) == 10 && sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 &&
             text[4] == '-' && text[7] == '-';
    for (int i = 0; ok && i < 10; i++)
        ok = i == 4 || i == 7 || (text[i] >= '0' && text[i] <= '9');
    if (ok && (y < 1970 || m < 1 || m > 12 || d < 1))
        ok = 0;
    if (ok) {
        int64_t day = mdl_days_from_civil(y, m, d);
        int64_t yy;
        int mm, dd;
        mdl_civil_from_days(day, &yy, &mm, &dd);
        ok = mm == m && dd == d; /* 2025-02-30 is not a day */
        *out = day;
    }
    if (!ok)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s must be %s (YYYY-MM-DD), got '%s'",
                           k->name, scn_type_describe(k), text);
    return SIM_OK;
}

static int parse_utc(const scn_key *k, const char *text, sim_time *out, sim_err *err)
{
    if (ieq(text, "utc") || ieq(text, "z") || !strcmp(text, "0")) {
        *out = 0;
        return SIM_OK;
    }
    int sign = text[0] == '-' ? -1 : text[0] == '+' ? 1 : 0;
    const char *p = text + 1;
    int h = 0, m = 0, nd = 0;
    if (sign) {
        while (*p >= '0' && *p <= '9' && nd < 3)
            h = h * 10 + (*p++ - '0'), nd++;
        if (nd >= 1 && nd <= 2 && *p == ':' && p[1] >= '0' && p[1] <= '5' && p[2] >= '0' &&
            p[2] <= '9' && !p[3]) {
            m = (p[1] - '0') * 10 + (p[2] - '0');
            p += 3;
        }
    }
    if (!sign || nd < 1 || nd > 2 || *p)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s must be %s, got '%s'", k->name,
                           scn_type_describe(k), text);
    if (h * 60 + m > 14 * 60)
        return sim_err_set(err, SIM_ERANGE, NULL, 0, 0,
                           "%s must be between -14:00 and +14:00, got '%s'", k->name, text);
    *out = sign * ((sim_time)h * SIM_HOUR + (sim_time)m * SIM_MIN);
    return SIM_OK;
}

static int parse_weight(const scn_key *k, const char *text, double *out, sim_err *err)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno || !isfinite(v) || v < 0)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "%s: weights must be numbers >= 0, got '%s'", k->name, text);
    *out = v;
    return SIM_OK;
}

int scn_value_parse(const scn_key *k, const char *text, void *base, sim_err *err)
{
    int rc = SIM_OK;
    int none = (k->flags & SCN_NONE_OK) && is_none(text);
    switch (k->type) {
    case SCN_T_DURATION: {
        sim_time t;
        if (none) {
            *FIELD(k, base, sim_time) = 0;
            return SIM_OK;
        }
        if ((rc = scn_parse_duration(text, &t, err)) != SIM_OK)
            return unit_error(k, rc, err);
        *FIELD(k, base, sim_time) = t;
        break;
    }
    case SCN_T_RATE:
    case SCN_T_COUNT:
    case SCN_T_PERCENT:
    case SCN_T_GROWTH:
    case SCN_T_MULT:
    case SCN_T_SIZE: {
        static int (*const parsers[])(const char *, double *, sim_err *) = {
            [SCN_T_RATE] = scn_parse_rate,       [SCN_T_COUNT] = scn_parse_count,
            [SCN_T_PERCENT] = scn_parse_percent, [SCN_T_GROWTH] = scn_parse_growth,
            [SCN_T_MULT] = scn_parse_multiplier, [SCN_T_SIZE] = scn_parse_size};
        double v;
        if (none) {
            *FIELD(k, base, double) = 0;
            return SIM_OK;
        }
        if ((rc = parsers[k->type](text, &v, err)) != SIM_OK)
            return unit_error(k, rc, err);
        *FIELD(k, base, double) = v;
        break;
    }
    case SCN_T_INT: {
        double v;
        if (none) {
            *FIELD(k, base, int) = 0;
            return SIM_OK;
        }
        if ((rc = scn_parse_count(text, &v, err)) != SIM_OK)
            return unit_error(k, rc, err);
        if (v != floor(v))
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s must be a whole number, got '%s'",
                               k->name, text);
        if (v > 2147483647.0)
            return sim_err_set(err, SIM_ERANGE, NULL, 0, 0, "%s is too large, got '%s'", k->name,
                               text);
        *FIELD(k, base, int) = (int)v;
        break;
    }
    case SCN_T_U64:
        return parse_u64(k, text, FIELD(k, base, uint64_t), err);
    case SCN_T_SCHEDULE: {
        mdl_schedule s;
        if ((rc = scn_parse_schedule(text, &s, err)) != SIM_OK)
            return unit_error(k, rc, err);
        *FIELD(k, base, mdl_schedule) = s;
        return SIM_OK;
    }
    case SCN_T_BOOL:
        return parse_bool(k, text, FIELD(k, base, int), err);
    case SCN_T_STRING: {
        char *d = sim_strdup(text);
        if (!d)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        sim_free(*FIELD(k, base, char *));
        *FIELD(k, base, char *) = d;
        return SIM_OK;
    }
    case SCN_T_ENUM:
        return parse_enum(k, text, base, err);
    case SCN_T_ID:
    case SCN_T_REF: {
        char *dst = FIELD(k, base, char);
        if ((k->flags & SCN_OPTIONAL) && is_none(text)) {
            dst[0] = '\0';
            if (k->type == SCN_T_REF)
                *FIELD2(k, base, int) = -1;
            return SIM_OK;
        }
        if (k->type == SCN_T_REF && k->ref == SCN_REF_CHANNEL && !strcmp(text, "platform")) {
            strcpy(dst, "platform");
            *FIELD2(k, base, int) = -1;
            return SIM_OK;
        }
        if ((rc = valid_id(text, err, k->name)) != SIM_OK)
            return rc;
        snprintf(dst, MDL_SPEC_ID_MAX, "%s", text);
        if (k->type == SCN_T_REF)
            *FIELD2(k, base, int) = -1; /* resolved by the loader */
        return SIM_OK;
    }
    case SCN_T_SLO: {
        sim_time t;
        *FIELD2(k, base, int) = 0;
        if (is_none(text)) {
            *FIELD(k, base, sim_time) = 0;
            return SIM_OK;
        }
        if (ieq(text, "nightly")) {
            *FIELD(k, base, sim_time) = SIM_DAY;
            *FIELD2(k, base, int) = 1;
            return SIM_OK;
        }
        if ((rc = scn_parse_duration(text, &t, err)) != SIM_OK)
            return unit_error(k, rc, err);
        if (t <= 0)
            return sim_err_set(err, SIM_ERANGE, NULL, 0, 0,
                               "%s must be greater than 0 (or none), got '%s'", k->name, text);
        *FIELD(k, base, sim_time) = t;
        return SIM_OK;
    }
    case SCN_T_UTC:
        return parse_utc(k, text, FIELD(k, base, sim_time), err);
    case SCN_T_DATE:
        return parse_date(k, text, FIELD(k, base, int64_t), err);
    case SCN_T_SHAPE24:
    case SCN_T_SHAPE7: {
        int n = k->type == SCN_T_SHAPE24 ? 24 : 7;
        double w[24];
        if (scn_shape_named(n, text, w) != SIM_OK) {
            const char *names[] = {"flat", n == 24 ? "office-hours" : "weekdays-only", NULL};
            const char *s = scn_suggest(text, names, -1);
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s '%s' is not one of %s%s%s%s%s",
                               k->name, text, scn_shape_names(n),
                               n == 24 ? " or a list of 24 weights" : " or a list of 7 weights",
                               s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        }
        memcpy(FIELD(k, base, double), w, sizeof(double) * (size_t)n);
        snprintf(FIELD2(k, base, char), 32, "%s", text);
        return SIM_OK;
    }
    case SCN_T_STRLIST:
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s must be %s, got '%s'", k->name,
                           scn_type_describe(k), text);
    default:
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s must be %s", k->name,
                           scn_type_describe(k));
    }
    return check_range(k, base, text, err);
}

int scn_value_parse_list(const scn_key *k, const char *const *items, int n, void *base,
                         sim_err *err)
{
    int rc;
    if (k->type == SCN_T_SHAPE24 || k->type == SCN_T_SHAPE7) {
        int want = k->type == SCN_T_SHAPE24 ? 24 : 7;
        double w[24], sum = 0;
        if (n != want)
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s needs %d weights, got %d", k->name,
                               want, n);
        for (int i = 0; i < n; i++) {
            if ((rc = parse_weight(k, items[i], &w[i], err)) != SIM_OK)
                return rc;
            sum += w[i];
        }
        if (!(sum > 0))
            return sim_err_set(err, SIM_ERANGE, NULL, 0, 0,
                               "%s: every weight is 0, so nothing would ever arrive", k->name);
        /* The arrivals scale each weight by n / sum (models/mdl_arrivals.c):
         * an infinite sum would turn every weight into 0, a silent flow. */
        if (!isfinite(sum * n))
            return sim_err_set(err, SIM_ERANGE, NULL, 0, 0,
                               "%s: the weights are too large to add up (only their ratios "
                               "matter: scale them down)",
                               k->name);
        memcpy(FIELD(k, base, double), w, sizeof(double) * (size_t)n);
        FIELD2(k, base, char)[0] = '\0';
        return SIM_OK;
    }
    if (k->type != SCN_T_STRLIST)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s must be %s, not a list", k->name,
                           scn_type_describe(k));
    char **v = n ? sim_calloc((size_t)n, sizeof *v) : NULL;
    if (n && !v)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    for (int i = 0; i < n; i++) {
        if (!items[i][0] || strlen(items[i]) > 255) {
            rc = sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                             "%s: item %d must be a name of 1 to 255 characters", k->name, i + 1);
            goto fail;
        }
        if (!(v[i] = sim_strdup(items[i]))) {
            rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto fail;
        }
    }
    char ***field = FIELD(k, base, char **);
    int *count = FIELD2(k, base, int);
    for (int i = 0; i < *count; i++)
        sim_free((*field)[i]);
    sim_free(*field);
    *field = v;
    *count = n;
    return SIM_OK;
fail:
    for (int i = 0; i < n; i++)
        sim_free(v[i]);
    sim_free(v);
    return rc;
}

/* A list item written plainly when it is a simple word, else double-quoted. */
static size_t format_item(const char *s, char *buf, size_t n)
{
    int plain = *s != '\0';
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.'))
            plain = 0;
    if (plain)
        return (size_t)snprintf(buf, n, "%s", s);
    size_t len = (size_t)snprintf(buf, n, "\"");
    char piece[SIM_TEXT_PIECE];
    for (const char *p = s; *p && len + SIM_TEXT_PIECE + 1 < n;) {
        if (*p == '"' || *p == '\\') {
            len += (size_t)snprintf(buf + len, n - len, "\\%c", *p++);
            continue;
        }
        p += sim_text_piece(p, piece); /* YAML's escapes (sim_text.h) */
        len += (size_t)snprintf(buf + len, n - len, "%s", piece);
    }
    return len + (size_t)snprintf(buf + len, n - len, "\"");
}

char *scn_value_format(const scn_key *k, const void *base, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    buf[0] = '\0';
    switch (k->type) {
    case SCN_T_DURATION: {
        sim_time t = *CFIELD(k, base, sim_time);
        if (t == 0 && (k->flags & SCN_NONE_OK))
            snprintf(buf, n, "none");
        else
            scn_format_duration(t, buf, n);
        break;
    }
    case SCN_T_RATE:
    case SCN_T_COUNT:
    case SCN_T_PERCENT:
    case SCN_T_GROWTH:
    case SCN_T_MULT:
    case SCN_T_SIZE: {
        double v = *CFIELD(k, base, double);
        if (v == 0 && (k->flags & SCN_NONE_OK))
            snprintf(buf, n, "none");
        else
            limit_text(k, v, buf, n);
        break;
    }
    case SCN_T_INT: {
        int v = *CFIELD(k, base, int);
        if (v == 0 && (k->flags & SCN_NONE_OK))
            snprintf(buf, n, "none");
        else
            snprintf(buf, n, "%d", v);
        break;
    }
    case SCN_T_U64:
        snprintf(buf, n, "%llu", (unsigned long long)*CFIELD(k, base, uint64_t));
        break;
    case SCN_T_SCHEDULE:
        scn_format_schedule(CFIELD(k, base, mdl_schedule), buf, n);
        break;
    case SCN_T_BOOL:
        snprintf(buf, n, "%s", *CFIELD(k, base, int) ? "true" : "false");
        break;
    case SCN_T_STRING: {
        const char *s = *(char *const *)((const char *)base + k->off);
        snprintf(buf, n, "%s", s ? s : "");
        break;
    }
    case SCN_T_ENUM:
        snprintf(buf, n, "%s", mdl_spec_name(k->aux, *CFIELD(k, base, int)));
        break;
    case SCN_T_ID:
    case SCN_T_REF: {
        const char *s = CFIELD(k, base, char);
        snprintf(buf, n, "%s", s[0] ? s : "none");
        break;
    }
    case SCN_T_SLO: {
        sim_time t = *CFIELD(k, base, sim_time);
        if (*CFIELD2(k, base, int))
            snprintf(buf, n, "nightly");
        else if (t == 0)
            snprintf(buf, n, "none");
        else
            scn_format_duration(t, buf, n);
        break;
    }
    case SCN_T_UTC: {
        sim_time t = *CFIELD(k, base, sim_time);
        long long m = (long long)((t < 0 ? -t : t) / SIM_MIN);
        snprintf(buf, n, "%c%02lld:%02lld", t < 0 ? '-' : '+', m / 60, m % 60);
        break;
    }
    case SCN_T_DATE: {
        int64_t y;
        int m, d;
        mdl_civil_from_days(*CFIELD(k, base, int64_t), &y, &m, &d);
        snprintf(buf, n, "%04lld-%02d-%02d", (long long)y, m, d);
        break;
    }
    case SCN_T_SHAPE24:
    case SCN_T_SHAPE7: {
        int cnt = k->type == SCN_T_SHAPE24 ? 24 : 7;
        const char *name = CFIELD2(k, base, char);
        if (name[0]) {
            snprintf(buf, n, "%s", name);
            break;
        }
        const double *w = CFIELD(k, base, double);
        size_t len = (size_t)snprintf(buf, n, "[");
        for (int i = 0; i < cnt && len < n; i++)
            len += (size_t)snprintf(buf + len, n - len, "%s%.17g", i ? ", " : "", w[i]);
        if (len < n)
            snprintf(buf + len, n - len, "]");
        break;
    }
    case SCN_T_STRLIST: {
        char *const *v = *(char *const *const *)((const char *)base + k->off);
        int cnt = *CFIELD2(k, base, int);
        size_t len = (size_t)snprintf(buf, n, "[");
        for (int i = 0; i < cnt && len < n; i++) {
            if (i)
                len += (size_t)snprintf(buf + len, n - len, ", ");
            if (len < n)
                len += format_item(v[i], buf + len, n - len);
        }
        if (len < n)
            snprintf(buf + len, n - len, "]");
        break;
    }
    default:
        break;
    }
    return buf;
}

static int sched_equal(const mdl_schedule *a, const mdl_schedule *b)
{
    /* day0 is the calendar the loader adds, not part of the rule. */
    return a->kind == b->kind && a->days_mask == b->days_mask && a->time_of_day == b->time_of_day &&
           a->period == b->period && a->offset == b->offset && a->month_day == b->month_day &&
           a->month_step == b->month_step;
}

int scn_value_equal(const scn_key *k, const void *a, const void *b)
{
    switch (k->type) {
    case SCN_T_DURATION:
    case SCN_T_UTC:
        return *CFIELD(k, a, sim_time) == *CFIELD(k, b, sim_time);
    case SCN_T_SLO:
        return *CFIELD(k, a, sim_time) == *CFIELD(k, b, sim_time) &&
               *CFIELD2(k, a, int) == *CFIELD2(k, b, int);
    case SCN_T_RATE:
    case SCN_T_COUNT:
    case SCN_T_PERCENT:
    case SCN_T_GROWTH:
    case SCN_T_MULT:
    case SCN_T_SIZE:
        return *CFIELD(k, a, double) == *CFIELD(k, b, double);
    case SCN_T_INT:
    case SCN_T_BOOL:
    case SCN_T_ENUM:
        return *CFIELD(k, a, int) == *CFIELD(k, b, int);
    case SCN_T_U64:
        return *CFIELD(k, a, uint64_t) == *CFIELD(k, b, uint64_t);
    case SCN_T_DATE:
        return *CFIELD(k, a, int64_t) == *CFIELD(k, b, int64_t);
    case SCN_T_SCHEDULE:
        return sched_equal(CFIELD(k, a, mdl_schedule), CFIELD(k, b, mdl_schedule));
    case SCN_T_STRING: {
        const char *x = *(char *const *)((const char *)a + k->off);
        const char *y = *(char *const *)((const char *)b + k->off);
        return !strcmp(x ? x : "", y ? y : "");
    }
    case SCN_T_ID:
        return !strcmp(CFIELD(k, a, char), CFIELD(k, b, char));
    case SCN_T_REF:
        return !strcmp(CFIELD(k, a, char), CFIELD(k, b, char)) &&
               *CFIELD2(k, a, int) == *CFIELD2(k, b, int);
    case SCN_T_SHAPE24:
    case SCN_T_SHAPE7: {
        int cnt = k->type == SCN_T_SHAPE24 ? 24 : 7;
        if (strcmp(CFIELD2(k, a, char), CFIELD2(k, b, char)))
            return 0;
        for (int i = 0; i < cnt; i++)
            if (CFIELD(k, a, double)[i] != CFIELD(k, b, double)[i])
                return 0;
        return 1;
    }
    case SCN_T_STRLIST: {
        int cnt = *CFIELD2(k, a, int);
        if (cnt != *CFIELD2(k, b, int))
            return 0;
        for (int i = 0; i < cnt; i++)
            if (strcmp((*(char *const *const *)((const char *)a + k->off))[i],
                       (*(char *const *const *)((const char *)b + k->off))[i]))
                return 0;
        return 1;
    }
    default:
        return 0;
    }
}

int scn_schema_equal(const scn_block *b, const void *x, const void *y)
{
    for (int i = 0; i < b->nkeys; i++) {
        const scn_key *k = &b->keys[i];
        if (k->type == SCN_T_BLOCK) {
            if (!scn_schema_equal(k->aux, CFIELD(k, x, char), CFIELD(k, y, char)))
                return 0;
        } else if (k->type == SCN_T_LIST) {
            const scn_block *eb = k->aux;
            int n = *CFIELD2(k, x, int);
            if (n != *CFIELD2(k, y, int))
                return 0;
            const char *ex = *(char *const *)((const char *)x + k->off);
            const char *ey = *(char *const *)((const char *)y + k->off);
            for (int j = 0; j < n; j++)
                if (!scn_schema_equal(eb, ex + (size_t)j * eb->size, ey + (size_t)j * eb->size))
                    return 0;
        } else if (!scn_value_equal(k, x, y)) {
            return 0;
        }
    }
    return 1;
}
