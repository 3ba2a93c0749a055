/*
 * mdl_scenario.h - a scenario as plain, validated data: the integration
 * landscape (systems, callers, brokers), its data flows with the pattern
 * chosen for each, and the faults to inject.
 *
 * This is what the scenario loader (scenarios/scn_load.h) produces from a
 * YAML file and what models/world.c turns into running models. Everything
 * here is already converted and checked:
 *   durations   sim_time (microseconds)
 *   rates       per-second doubles (a flow's volume of 50k/day is 0.5787/s)
 *   percents    fractions (30% is 0.30); growth is a fraction per month
 *   sizes       bytes (double)
 *   counts      double when they can be large (quotas, records), int when
 *               they are small (workers, partitions, attempts)
 *   references  both the id text and the index into the scenario's array,
 *               resolved by the loader (-1 when the reference is absent)
 * A limit written "none" in the file is stored as 0 and means "no limit";
 * each field's comment says when 0 has that meaning.
 *
 * Ownership: an mdl_scenario owns every array and string it points to;
 * mdl_scenario_fini frees them. Ids are fixed buffers restricted to
 * [A-Za-z0-9_-] (they become path segments of metric names).
 *
 * The init functions fill a struct with the built-in defaults, the values a
 * key takes when neither the file nor a system preset gives one; the
 * scenario reference docs/scenarios.md lists them with their sources, and a
 * test checks that the schema table (scenarios/scn_schema.c) states the same
 * defaults. System presets (salesforce, sap-s4hana, ...) are applied by the
 * loader, not here.
 *
 * Checked by: tests/scenarios/test_scn_load.c (defaults agree with the
 * schema table, every key loads and validates).
 */
#ifndef MDL_SCENARIO_H
#define MDL_SCENARIO_H

#include <stdint.h>

#include "mdl_schedule.h"
#include "sim_time.h"

/* Ids: at most MDL_SPEC_ID_MAX - 1 characters of [A-Za-z0-9_-]. */
#define MDL_SPEC_ID_MAX 64

/* ---- enumerations; each has a NULL-terminated table of its YAML names,
 * indexed by the enum value (mdl_spec_*_names, defined in mdl_scenario.c). */

typedef enum mdl_spec_kind { /* system kind: selects the preset of defaults */
                             MDL_SPEC_KIND_GENERIC = 0,
                             MDL_SPEC_KIND_SALESFORCE,
                             MDL_SPEC_KIND_SAP_S4HANA,
                             MDL_SPEC_KIND_ORACLE_ERP_CLOUD,
                             MDL_SPEC_KIND_DYNAMICS_365,
                             MDL_SPEC_KIND_NETSUITE,
                             MDL_SPEC_KIND_WORKDAY,
                             MDL_SPEC_KIND_COUNT
} mdl_spec_kind;

typedef enum mdl_spec_weekday {
    MDL_SPEC_MONDAY = 0,
    MDL_SPEC_TUESDAY,
    MDL_SPEC_WEDNESDAY,
    MDL_SPEC_THURSDAY,
    MDL_SPEC_FRIDAY,
    MDL_SPEC_SATURDAY,
    MDL_SPEC_SUNDAY
} mdl_spec_weekday;

typedef enum mdl_spec_window {                              /* how a daily quota counts */
                               MDL_SPEC_WINDOW_ROLLING = 0, /* trailing window (Salesforce) */
                               MDL_SPEC_WINDOW_CALENDAR /* resets at each multiple of the window */
} mdl_spec_window;

typedef enum mdl_spec_refresh { /* access-token refresh */
                                MDL_SPEC_REFRESH_PROACTIVE =
                                    0, /* refreshed ahead of expiry, no added latency */
                                MDL_SPEC_REFRESH_INLINE, /* the call that finds it expired pays the
                                                            refresh */
                                MDL_SPEC_REFRESH_NONE /* never refreshed: calls fail after expiry */
} mdl_spec_refresh;

typedef enum mdl_spec_broker_type {
    MDL_SPEC_BROKER_KAFKA = 0, /* partitioned log, time retention, consumer offsets */
    MDL_SPEC_BROKER_RABBITMQ   /* queue, delivery limit, dead-letter exchange */
} mdl_spec_broker_type;

typedef enum mdl_spec_direction {
    MDL_SPEC_DIR_OUTBOUND = 0,
    MDL_SPEC_DIR_INBOUND,
    MDL_SPEC_DIR_BIDIRECTIONAL
} mdl_spec_direction;

typedef enum mdl_spec_impact {
    MDL_SPEC_IMPACT_LOW = 0,
    MDL_SPEC_IMPACT_MEDIUM,
    MDL_SPEC_IMPACT_HIGH,
    MDL_SPEC_IMPACT_CRITICAL
} mdl_spec_impact;

typedef enum mdl_spec_pattern {
    MDL_SPEC_PATTERN_REALTIME = 0, /* synchronous API call per record */
    MDL_SPEC_PATTERN_EVENT,        /* publish/subscribe through a channel */
    MDL_SPEC_PATTERN_BATCH,        /* scheduled job, REST pages or bulk batches */
    MDL_SPEC_PATTERN_FILE          /* scheduled file import */
} mdl_spec_pattern;

typedef enum mdl_spec_tolerance { /* the card's "error tolerance" */
                                  MDL_SPEC_TOLERANCE_RETRY = 0,
                                  MDL_SPEC_TOLERANCE_ZERO_LOSS,
                                  MDL_SPEC_TOLERANCE_BEST_EFFORT
} mdl_spec_tolerance;

typedef enum mdl_spec_jitter {                              /* REFERENCE.md G3 */
                               MDL_SPEC_JITTER_FULL = 0,    /* U(0, expo(n)) */
                               MDL_SPEC_JITTER_NONE,        /* expo(n) */
                               MDL_SPEC_JITTER_EQUAL,       /* expo(n)/2 + U(0, expo(n)/2) */
                               MDL_SPEC_JITTER_DECORRELATED /* min(cap, U(base, 3 * previous)) */
} mdl_spec_jitter;

typedef enum mdl_spec_breaker_window { /* resilience4j slidingWindowType, or none */
                                       MDL_SPEC_BREAKER_COUNT = 0, /* the last N calls */
                                       MDL_SPEC_BREAKER_TIME,      /* the last N seconds */
                                       MDL_SPEC_BREAKER_NONE /* no rate rule: consecutive only */
} mdl_spec_breaker_window;

typedef enum mdl_spec_fallback {
    MDL_SPEC_FALLBACK_NONE = 0,    /* the record is rejected */
    MDL_SPEC_FALLBACK_FAIL_CLOSED, /* rejected on purpose (credit checks) */
    MDL_SPEC_FALLBACK_QUEUE        /* parked for asynchronous retry */
} mdl_spec_fallback;

typedef enum mdl_spec_receiver {
    MDL_SPEC_RECEIVER_UPSERT = 0, /* idempotent on an external id */
    MDL_SPEC_RECEIVER_INSERT      /* a redelivery creates a duplicate */
} mdl_spec_receiver;

typedef enum mdl_spec_overlap { /* a run starts while the previous one runs */
                                MDL_SPEC_OVERLAP_SKIP = 0,
                                MDL_SPEC_OVERLAP_QUEUE
} mdl_spec_overlap;

typedef enum mdl_spec_selection {
    MDL_SPEC_SELECTION_DELTA = 0, /* records changed since the last good run */
    MDL_SPEC_SELECTION_FULL       /* the whole dataset every run */
} mdl_spec_selection;

typedef enum mdl_spec_api { /* how a batch writes into its target */
                            MDL_SPEC_API_BULK =
                                0, /* bulk batches, a pool separate from the REST quota */
                            MDL_SPEC_API_REST /* REST calls of page_size records, against the quota
                                               */
} mdl_spec_api;

typedef enum mdl_spec_extract {                            /* how a batch reads its source */
                                MDL_SPEC_EXTRACT_NONE = 0, /* free (not modelled) */
                                MDL_SPEC_EXTRACT_REST,     /* query pages, each an API call */
                                MDL_SPEC_EXTRACT_BULK      /* bulk query jobs */
} mdl_spec_extract;

typedef enum mdl_spec_retry_failed {
    MDL_SPEC_RETRY_NEXT_RUN = 0,
    MDL_SPEC_RETRY_IMMEDIATE
} mdl_spec_retry_failed;

typedef enum mdl_spec_fault_kind {
    MDL_SPEC_FAULT_OUTAGE = 0,         /* system down: fail-fast 503 or hang */
    MDL_SPEC_FAULT_DEGRADATION,        /* service time x factor */
    MDL_SPEC_FAULT_SUBSCRIBER_OFFLINE, /* an event subscriber disconnected */
    MDL_SPEC_FAULT_TOKEN_EXPIRY,       /* an access token expires at start */
    MDL_SPEC_FAULT_BULK_LOAD           /* a one-off load written into a system */
} mdl_spec_fault_kind;

typedef enum mdl_spec_outage_mode {
    MDL_SPEC_OUTAGE_FAIL_FAST = 0, /* 503 at once */
    MDL_SPEC_OUTAGE_HANG           /* no answer until the caller gives up */
} mdl_spec_outage_mode;

typedef enum mdl_spec_distribution { /* a service time (models/mdl_service.h) */
                                     MDL_SPEC_DIST_LOGNORMAL = 0, /* through p50 and p95 */
                                     MDL_SPEC_DIST_EXPONENTIAL,   /* mean */
                                     MDL_SPEC_DIST_DETERMINISTIC, /* always the mean */
                                     MDL_SPEC_DIST_GAMMA,         /* mean and cv (Erlang) */
                                     MDL_SPEC_DIST_EMPIRICAL,     /* measured values (CSV) */
                                     MDL_SPEC_DIST_NONE           /* no time */
} mdl_spec_distribution;

typedef enum mdl_spec_time_unit { /* of numbers read from a file */
                                  MDL_SPEC_UNIT_MS = 0,
                                  MDL_SPEC_UNIT_S
} mdl_spec_time_unit;

extern const char *const mdl_spec_kind_names[];
extern const char *const mdl_spec_distribution_names[];
extern const char *const mdl_spec_time_unit_names[];
extern const char *const mdl_spec_process_names[];
extern const char *const mdl_spec_extract_names[];
extern const char *const mdl_spec_growth_step_names[];
extern const char *const mdl_spec_weekday_names[];
extern const char *const mdl_spec_window_names[];
extern const char *const mdl_spec_refresh_names[];
extern const char *const mdl_spec_broker_type_names[];
extern const char *const mdl_spec_direction_names[];
extern const char *const mdl_spec_impact_names[];
extern const char *const mdl_spec_pattern_names[];
extern const char *const mdl_spec_tolerance_names[];
extern const char *const mdl_spec_jitter_names[];
extern const char *const mdl_spec_breaker_window_names[];
extern const char *const mdl_spec_fallback_names[];
extern const char *const mdl_spec_receiver_names[];
extern const char *const mdl_spec_overlap_names[];
extern const char *const mdl_spec_selection_names[];
extern const char *const mdl_spec_api_names[];
extern const char *const mdl_spec_retry_failed_names[];
extern const char *const mdl_spec_fault_kind_names[];
extern const char *const mdl_spec_outage_mode_names[];

/* The YAML name of value v in a names table ("?" when out of range). */
const char *mdl_spec_name(const char *const *names, int v);

/* ---- service times -------------------------------------------------------- */

/* A service-time distribution (models/mdl_service.h). The api's service
 * takes p50 and p95 from api.latency_p50 / latency_p95 (the loader copies
 * them); mean and cv, when not given, are derived from the lognormal
 * through p50 and p95, so switching the distribution keeps the first two
 * moments. */
typedef struct mdl_service_spec {
    mdl_spec_distribution distribution;
    sim_time p50, p95; /* lognormal */
    sim_time mean;     /* exponential, deterministic, gamma; > 0 */
    double cv;         /* gamma: coefficient of variation (Erlang-k: 1 / sqrt(k)) */
    char *file;        /* empirical: CSV of measured times (owned; as written) */
    char *column;      /* its column, by header name (owned) */
    mdl_spec_time_unit unit;
    double *samples; /* empirical: the values read by the loader, seconds,
                        ascending (owned) */
    int nsamples;
} mdl_service_spec;

/* ---- systems ----------------------------------------------------------- */

/* The REST/SOAP API surface of a system: shared quota, rate limit,
 * concurrency limit, and the workers that serve calls. */
typedef struct mdl_api_spec {
    int enabled;
    double daily_limit;       /* calls per window; 0 = none */
    mdl_spec_window window;   /* rolling or calendar */
    sim_time window_length;   /* the quota window, normally 24 h */
    double rate_limit;        /* calls per rate_window by the integration's user; 0 = none */
    sim_time rate_window;     /* the sliding window of rate_limit */
    sim_time retry_after;     /* Retry-After sent with a 429; 0 = none sent */
    int concurrency_limit;    /* calls in flight; excess rejected at once; 0 = none */
    sim_time long_running;    /* only calls running this long count toward the
                                 concurrency limit (Salesforce: 20 s); 0 = all */
    int workers;              /* calls served in parallel; 0 = unlimited */
    sim_time latency_p50;     /* service time median without queueing */
    sim_time latency_p95;     /* service time 95th percentile, >= p50 */
    int queue_limit;          /* calls waiting for a worker before 503; 0 = none */
    sim_time server_timeout;  /* the server aborts a call in service this long (5xx); 0 = none */
    mdl_service_spec service; /* the service-time distribution (lognormal from p50/p95) */
    int limit_status;         /* HTTP status when a limit rejects a call */
    char *limit_error;        /* the platform's error code for it (owned) */
    int page_size;            /* records per query page (reconciliation, REST reads) */
} mdl_api_spec;

/* The bulk API: a pool of batches separate from the REST quota. */
typedef struct mdl_bulk_spec {
    int enabled;
    double batches_per_day;    /* batches per rolling 24 h; 0 = none */
    double records_per_batch;  /* records in one batch, > 0 */
    double records_per_day;    /* records per rolling 24 h; 0 = none */
    sim_time batch_time_limit; /* a batch running longer fails and is retried; 0 = none */
    int batch_retries;         /* automatic retries of a failed batch */
    double query_jobs_per_day; /* bulk query (extraction) jobs per rolling 24 h; 0 = none */
    int query_job_calls;       /* API calls a bulk query job costs (create, fetch) */
    int query_counts_batches;  /* a bulk query takes batches from batches_per_day */
} mdl_bulk_spec;

/* The system's own event channel (platform events, CDC, event mesh). */
typedef struct mdl_events_spec {
    int enabled;
    double delivery_allocation; /* deliveries per rolling 24 h, each event to each
                                   subscriber counts; 0 = none */
    double publish_allocation;  /* events published per hour; 0 = none */
    sim_time retention;         /* events older than this are gone, > 0 */
    char **cdc_objects;         /* objects whose writes publish change events (owned) */
    int ncdc_objects;
} mdl_events_spec;

/* The file import surface (CSV/FBDI/Data Loader). */
typedef struct mdl_file_spec {
    int enabled;
    double max_file_size;  /* bytes per file; 0 = none */
    double max_records;    /* records per file or import job; 0 = none */
    sim_time review_delay; /* manual review before the import runs */
} mdl_file_spec;

/* Access tokens used to call the system. */
typedef struct mdl_tokens_spec {
    sim_time lifetime;        /* 0 = tokens do not expire */
    mdl_spec_refresh refresh; /* how callers refresh them */
    sim_time refresh_latency; /* added to the call that refreshes inline */
} mdl_tokens_spec;

typedef struct mdl_system_spec {
    char id[MDL_SPEC_ID_MAX];
    mdl_spec_kind kind;
    char *description; /* owned, may be "" */
    mdl_api_spec api;
    mdl_bulk_spec bulk;
    mdl_events_spec events;
    mdl_file_spec file;
    mdl_tokens_spec tokens;
} mdl_system_spec;

/* ---- callers and brokers ------------------------------------------------ */

/* A calling application: a finite pool of threads/connections shared by
 * every real-time flow that names it. */
typedef struct mdl_caller_spec {
    char id[MDL_SPEC_ID_MAX];
    char *description;
    int pool_size;      /* threads/connections, >= 1 */
    sim_time pool_wait; /* how long a request waits for a free thread; 0 = reject at once */
} mdl_caller_spec;

typedef struct mdl_broker_spec {
    char id[MDL_SPEC_ID_MAX];
    mdl_spec_broker_type type;
    char *description;
    int partitions;           /* default partitions of a topic, >= 1 */
    sim_time retention;       /* 0 = kept until consumed (RabbitMQ) */
    int delivery_limit;       /* deliveries before dead-lettering/dropping; 0 = none */
    int dead_letter;          /* a dead-letter queue/exchange exists */
    sim_time commit_interval; /* consumer offset commit period: work since the last
                                 commit is redelivered after a crash; 0 = per message */
} mdl_broker_spec;

/* ---- flows -------------------------------------------------------------- */

typedef struct mdl_spike_spec {
    sim_time at;       /* from the start of the run */
    sim_time duration; /* > 0 */
    double multiplier; /* multiplies the rate in the window; 0 = not given */
    double extra;      /* extra records spread over the window; 0 = not given */
} mdl_spike_spec;

typedef enum mdl_spec_growth_step {                                 /* how growth applies */
                                    MDL_SPEC_GROWTH_CONTINUOUS = 0, /* (1 + g)^(t / month) */
                                    MDL_SPEC_GROWTH_MONTHLY         /* (1 + g)^floor(t / month) */
} mdl_spec_growth_step;

typedef enum mdl_spec_process { /* models/mdl_arrivals.h */
                                MDL_SPEC_PROCESS_POISSON = 0,
                                MDL_SPEC_PROCESS_DETERMINISTIC,
                                MDL_SPEC_PROCESS_TRACE
} mdl_spec_process;

/* When a flow's records are created: see models/mdl_arrivals.h. */
typedef struct mdl_arrival_spec {
    mdl_spec_process process;
    char diurnal_name[32];            /* "flat", "office-hours", or "" for a custom list */
    double diurnal[24];               /* relative weights per hour, not normalised */
    char weekly_name[32];             /* "flat", "weekdays-only", or "" */
    double weekly[7];                 /* relative weights, Monday first, not normalised */
    double growth;                    /* per month, compounded */
    mdl_spec_growth_step growth_step; /* continuous, or once a month */
    mdl_spike_spec *spikes;
    int nspikes;
    char *trace;           /* process trace: CSV of timestamps (owned; as written) */
    char *trace_column;    /* its column (owned; "" or NULL: the first) */
    sim_time *trace_times; /* read by the loader: microseconds from the horizon start
                              (the local midnight of the trace's first day), ascending
                              (owned) */
    int64_t ntrace;
    int trace_weekday; /* weekday of the trace's first day, 0 = Monday */
} mdl_arrival_spec;

/* The card's decision-tree inputs, read by `erpsim advise`. */
typedef struct mdl_decision_spec {
    int someone_waiting;
    int financial_or_compliance;
    int five_minute_impact;
    int change_triggered;
    int downstream_systems; /* systems that need the change, >= 1 */
    int scheduled;
    int migration;
    int bidirectional;
} mdl_decision_spec;

typedef struct mdl_retry_spec {
    int max_attempts; /* including the first call, >= 1 */
    sim_time base;    /* expo(n) = min(cap, base * 2^n) */
    sim_time cap;
    mdl_spec_jitter jitter;
    int honour_retry_after; /* 0: the client ignores Retry-After (its backoff formula) */
} mdl_retry_spec;

/* resilience4j CircuitBreaker semantics (REFERENCE.md G1). */
typedef struct mdl_breaker_spec {
    int enabled;
    mdl_spec_breaker_window window_type; /* none: only consecutive_failures (> 0) */
    int window_size;                     /* calls (count) or seconds (time) */
    int minimum_calls;                   /* no rate is computed below this many calls */
    double failure_rate;                 /* opens when failures/calls >= this fraction */
    int consecutive_failures;            /* also opens after this many in a row; 0 = off */
    sim_time slow_call_duration;         /* calls longer than this count as slow */
    double slow_call_rate;               /* opens when slow/calls >= this fraction */
    sim_time open_duration;              /* OPEN rejects for this long, then HALF_OPEN */
    int half_open_calls;                 /* trial calls in HALF_OPEN (loader: 1 with window_type
                                            none, else 10; init: 10) */
} mdl_breaker_spec;

typedef struct mdl_realtime_spec {
    sim_time timeout; /* the caller gives up after this */
    mdl_retry_spec retries;
    mdl_breaker_spec breaker;
    mdl_spec_fallback fallback;
} mdl_realtime_spec;

typedef struct mdl_window_spec {
    sim_time start;    /* from the start of the run */
    sim_time duration; /* > 0 */
} mdl_window_spec;

typedef struct mdl_subscriber_spec {
    char id[MDL_SPEC_ID_MAX];
    char target[MDL_SPEC_ID_MAX]; /* the system it applies changes to */
    int target_index;
    int concurrency;          /* events applied in parallel, >= 1 */
    int apply_via_api;        /* each apply is a call to the target's API */
    mdl_window_spec *offline; /* windows when it is disconnected */
    int noffline;
    int replay_resume;            /* reconnects with its last replay id (else at the tip) */
    sim_time token_lifetime;      /* its subscription token; 0 = does not expire */
    int auto_renew;               /* renews the token before it expires */
    int cdc;                      /* also receives the source system's change events
                                     (when that system has CDC objects) */
    mdl_service_spec processing;  /* its own time per event before the apply
                                     (default none: applied at once) */
    char object[MDL_SPEC_ID_MAX]; /* the object it writes into its target (loader:
                                     the flow's object); CDC on it publishes echoes */
    int echo_filter;              /* drops change events of the integration user's own
                                     writes (echoes) instead of applying them back */
} mdl_subscriber_spec;

typedef struct mdl_recon_spec {
    int enabled;
    mdl_schedule schedule;
    int page_size;              /* records compared per API call (inherited from the target) */
    mdl_spec_selection compare; /* full: every record of the object (the flow's
                                   key_space); delta: the records changed since
                                   the previous run */
} mdl_recon_spec;

typedef struct mdl_event_spec {
    char channel[MDL_SPEC_ID_MAX]; /* "platform" or a broker id */
    int broker_index;              /* -1: the source system's own events */
    char topic[MDL_SPEC_ID_MAX];
    int partitions; /* ordering holds per partition only */
    mdl_subscriber_spec *subscribers;
    int nsubscribers;
    mdl_spec_receiver receiver;
    int ordering_guard;        /* sequence number / last-modified-wins */
    double redelivery;         /* probability an event is delivered again */
    sim_time redelivery_delay; /* how long after the first apply the copy comes */
    double permanent_errors;   /* probability a record can never be applied */
    int max_attempts;          /* attempts before the dead-letter queue */
    sim_time retry_base;       /* backoff base between attempts */
    int dead_letter;           /* a dead-letter queue exists (else: dropped) */
    mdl_recon_spec reconciliation;
} mdl_event_spec;

typedef struct mdl_batch_spec {
    mdl_schedule schedule;
    sim_time window; /* hard cutoff after the start, <= the gap between runs */
    mdl_spec_overlap overlap;
    mdl_spec_selection selection;
    double dataset; /* records in the full dataset (selection full) */
    int chunk_size; /* records per chunk/job */
    int concurrent_jobs;
    sim_time chunk_overhead; /* fixed time per chunk */
    sim_time record_time;    /* mean time per record */
    double record_time_cv;   /* coefficient of variation; 0 = fixed, else lognormal */
    mdl_spec_api api;
    mdl_spec_extract extract; /* how the job reads its source (loader: bulk when the
                                 source has a bulk API, else rest, else none) */
    int page_size;            /* records per REST call (api rest) */
    double failure_rate;      /* probability a record fails */
    mdl_spec_retry_failed retry_failed;
    int retry_limit;      /* retries of a failed record before it is given up */
    sim_time job_timeout; /* a chunk running longer fails; 0 = none */
    int checkpoint;       /* after the cutoff the next run resumes (else restarts) */
} mdl_batch_spec;

typedef struct mdl_filejob_spec {
    mdl_schedule schedule;
    double max_file_size;  /* inherited from the target's file block */
    double max_records;    /* inherited */
    sim_time review_delay; /* inherited */
    sim_time record_time;  /* import time per record */
} mdl_filejob_spec;

typedef struct mdl_flow_spec {
    char id[MDL_SPEC_ID_MAX];
    char *description;
    char source[MDL_SPEC_ID_MAX];
    int source_index;
    char target[MDL_SPEC_ID_MAX];
    int target_index;
    mdl_spec_direction direction;
    double volume;        /* records per second (before the load multiplier) */
    sim_time latency_slo; /* 0 = none */
    int slo_nightly;      /* the SLO was "nightly": latency_slo is then 24 h plus the
                              batch window (applied by the end of the next run) */
    mdl_spec_impact impact;
    mdl_spec_pattern pattern;
    mdl_arrival_spec arrival;
    double key_space;   /* distinct records changes fall on; 0 = every change is new */
    double record_size; /* bytes */
    /* The object written into the target ("" = not said): CDC publishes the
     * flow's writes (batch, file, real-time) when the target lists it in
     * events.cdc_objects. */
    char object[MDL_SPEC_ID_MAX];
    mdl_spec_tolerance error_tolerance;
    mdl_decision_spec decision;
    char caller[MDL_SPEC_ID_MAX]; /* real-time: the calling application */
    int caller_index;
    /* One block per pattern; the one named by `pattern` is used, the others
     * keep their values so `compare` can switch patterns. */
    mdl_realtime_spec realtime;
    mdl_event_spec event;
    mdl_batch_spec batch;
    mdl_filejob_spec file;
} mdl_flow_spec;

/* ---- faults ------------------------------------------------------------- */

typedef struct mdl_fault_spec {
    char id[MDL_SPEC_ID_MAX];
    mdl_spec_fault_kind kind;
    int enabled;                  /* 0: read and kept (for variants and --set), but not injected */
    char system[MDL_SPEC_ID_MAX]; /* outage, degradation, token-expiry, bulk-load */
    int system_index;
    char flow[MDL_SPEC_ID_MAX]; /* subscriber-offline, token-expiry of a subscriber */
    int flow_index;
    char subscriber[MDL_SPEC_ID_MAX];
    int subscriber_index; /* into flows[flow_index].event.subscribers */
    sim_time start;
    sim_time duration; /* outage, degradation, subscriber-offline; bulk-load: spread */
    mdl_spec_outage_mode mode;
    double factor;    /* degradation: service time multiplier */
    char *object;     /* bulk-load: the object written (for CDC) */
    double records;   /* bulk-load */
    mdl_spec_api api; /* bulk-load */
    int cdc;          /* bulk-load: CDC is on for the object */
    /* bulk-load: how the load runs, as a batch job (defaults: the batch's) */
    int chunk_size;          /* records per chunk (job) */
    int concurrent_jobs;     /* chunks at once */
    sim_time chunk_overhead; /* fixed time per chunk */
    sim_time record_time;    /* mean time per record */
    double record_time_cv;   /* 0 = fixed, else lognormal */
} mdl_fault_spec;

/* ---- variants ------------------------------------------------------------- */

/* A named what-if: --set overrides applied on top of the scenario (e.g.
 * "with a breaker"). Commands that compare variants load the scenario once
 * per variant with these overrides added (scn_load_opts.sets). */
typedef struct mdl_variant_spec {
    char id[MDL_SPEC_ID_MAX];
    char *description;
    char **set; /* "path=value" strings (owned) */
    int nset;
} mdl_variant_spec;

/* ---- the scenario -------------------------------------------------------- */

/* The per-record reference paths a run can take instead of the fast ones
 * (bits of mdl_scenario.reference), for tests that compare the two. */
#define MDL_REF_ARRIVALS 0x1u /* Poisson arrivals walked one by one (mdl_arrivals.h) */
#define MDL_REF_RECORDS                                                                            \
    0x2u /* every record through the calendar: no aggregate pass                                   \
            (mdl_world.c, docs/models/aggregate.md) */
#define MDL_REF_SHARED                                                                             \
    0x100u /* components holding REST batches or reconciliations through                           \
              the calendar; the event pass carries them by default (mdl_world.c                    \
              invariant 8, docs/models/aggregate.md "Tier R for event components") */
/* Every reference path. */
#define MDL_REF_ALL 0xffffffffu

typedef struct mdl_scenario {
    /* Reference paths to take (MDL_REF_* bits; 0 = the fast ones).
     * Not a scenario key: set by the tests and the benchmarks. */
    unsigned reference;
    /* Test knob, not a scenario key: the aggregate pass renumbers its
     * flows' push ranks (mdl_world.c, flow_renumber) when they reach this
     * many; 0 (or more than a key holds) = 2^20, which no real pass
     * reaches. A test lowers it to renumber every few arrivals. */
    unsigned rank_limit;
    /* Test knob, not a scenario key: how long a component of the
     * aggregate pass that was not quiet waits before it looks again, in
     * microseconds (mdl_world.c AGG_RETRY); 0 = AGG_RETRY (1 s). Looks
     * only decide which intervals a pass tries: a test shortens it to
     * start passes at many more instants, every output the same. */
    sim_time look_period;
    char *name;
    char *description;
    sim_time horizon;
    sim_time warmup; /* < horizon */
    uint64_t seed;
    int replications;
    double load;         /* multiplies every flow's volume */
    sim_time utc_offset; /* local time - UTC; only for output */
    mdl_spec_weekday first_weekday;
    int64_t start_day; /* the date of day 0: days since 1970-01-01 (its weekday is
                          first_weekday; init: 2024-01-01, a Monday) */
    mdl_system_spec *systems;
    int nsystems;
    mdl_caller_spec *callers;
    int ncallers;
    mdl_broker_spec *brokers;
    int nbrokers;
    mdl_flow_spec *flows;
    int nflows;
    mdl_fault_spec *faults;
    int nfaults;
    mdl_variant_spec *variants;
    int nvariants;
} mdl_scenario;

/* Built-in defaults. Strings are set to NULL (read as ""), arrays empty,
 * reference indices -1. These allocate nothing. */
void mdl_scenario_init(mdl_scenario *sc);
void mdl_system_spec_init(mdl_system_spec *s);
void mdl_caller_spec_init(mdl_caller_spec *c);
void mdl_broker_spec_init(mdl_broker_spec *b);
void mdl_flow_spec_init(mdl_flow_spec *f);
void mdl_spike_spec_init(mdl_spike_spec *s);
void mdl_window_spec_init(mdl_window_spec *w);
void mdl_subscriber_spec_init(mdl_subscriber_spec *s);
void mdl_fault_spec_init(mdl_fault_spec *f);
void mdl_variant_spec_init(mdl_variant_spec *v);
/* The parts, for code that builds a scenario without a file. */
void mdl_api_spec_init(mdl_api_spec *a);
void mdl_bulk_spec_init(mdl_bulk_spec *b);
void mdl_events_spec_init(mdl_events_spec *e);
void mdl_file_spec_init(mdl_file_spec *f);
void mdl_tokens_spec_init(mdl_tokens_spec *t);
void mdl_service_spec_init(mdl_service_spec *s);    /* lognormal (an api's) */
void mdl_processing_spec_init(mdl_service_spec *s); /* none (a subscriber's) */
void mdl_service_spec_fini(mdl_service_spec *s);
void mdl_arrival_spec_init(mdl_arrival_spec *a);
void mdl_decision_spec_init(mdl_decision_spec *d);
void mdl_retry_spec_init(mdl_retry_spec *r);
void mdl_breaker_spec_init(mdl_breaker_spec *b);
void mdl_realtime_spec_init(mdl_realtime_spec *r);
void mdl_recon_spec_init(mdl_recon_spec *r);
void mdl_event_spec_init(mdl_event_spec *e);
void mdl_batch_spec_init(mdl_batch_spec *b);
void mdl_filejob_spec_init(mdl_filejob_spec *f);

/* Frees everything the scenario owns and re-initialises it. NULL is a
 * no-op; calling it twice is safe. */
void mdl_scenario_fini(mdl_scenario *sc);
/* The same for the owning parts (used by the loader on list elements). */
void mdl_system_spec_fini(mdl_system_spec *s);
void mdl_flow_spec_fini(mdl_flow_spec *f);
void mdl_subscriber_spec_fini(mdl_subscriber_spec *s);
void mdl_variant_spec_fini(mdl_variant_spec *v);

/* Index of the element with that id, or -1. */
int mdl_scenario_system_index(const mdl_scenario *sc, const char *id);
int mdl_scenario_caller_index(const mdl_scenario *sc, const char *id);
int mdl_scenario_broker_index(const mdl_scenario *sc, const char *id);
int mdl_scenario_flow_index(const mdl_scenario *sc, const char *id);

/* Records per day of a flow at the scenario's load (volume * load * 86400). */
double mdl_scenario_flow_per_day(const mdl_scenario *sc, const mdl_flow_spec *f);

/* Whether a write of `object` into system si publishes a change event
 * there: si has platform events on and lists the object among its
 * cdc_objects (an unnamed object publishes nothing). The one rule the world
 * (mdl_world.c, which publishes the events: a batch, file or real-time
 * flow's writes, and an event flow's subscriber writes as echoes) and the
 * advisor (mdl_advise.c, which counts them) share. */
int mdl_scenario_write_publishes(const mdl_scenario *sc, int si, const char *object);

/* The system whose change events flow f's own writes publish: its target
 * when f writes its records itself (batch, file or real-time) and
 * mdl_scenario_write_publishes says so; -1 otherwise (an event flow's
 * writes are its subscribers': see mdl_scenario_write_publishes). */
int mdl_scenario_flow_cdc_system(const mdl_scenario *sc, const mdl_flow_spec *f);

/* 1 when fault x still applies if flow index `flow` took pattern
 * `pattern`: a subscriber-offline fault, or a token-expiry fault of a
 * subscriber, needs its flow to be event-driven; every other fault applies
 * whatever the patterns. compare and advise leave out (enabled: false) the
 * faults a switch makes inapplicable, and say which. */
int mdl_scenario_fault_applies(const mdl_fault_spec *x, int flow, mdl_spec_pattern pattern);

#endif
