/*
 * mdl_batch.h - the scheduled batch job of one flow (and, with the same
 * machinery, a file import and a one-off bulk load).
 *
 * What is simulated. A job starts on a cron-like schedule (mdl_schedule.h)
 * and works through a selection of records in chunks until it is done or
 * its window ends:
 *
 *   start --select--> chunks c = 0 .. C-1 on up to K jobs at once --> done
 *     |                  each chunk: acquire calls / batches from the
 *     |                  target's pools, then overhead + n x per-record time,
 *     |                  then n - f records written, f failed
 *     +-- start + window: hard cutoff, chunks in flight are aborted
 *
 * Selection.
 *   delta  the records created since the last successful run: the flow's
 *          record changes waiting here, kept as counts per arrival-time
 *          bucket (default one minute) with the bucket's mean creation
 *          time, so memory is bounded by the span of waiting records, not
 *          by their number. A chunk's records are delivered when the chunk
 *          completes, latency = completion - the bucket's mean creation time.
 *   full   the whole dataset every run: dataset x (1 + g)^(t / month) records
 *          (g per month, compounded, month = MDL_MONTH; with growth_monthly
 *          (1 + g)^floor(t / month): in steps), rounded to the
 *          nearest record, at least the record changes waiting. The changes
 *          waiting are spread evenly over the dataset: a chunk covering
 *          positions [a, b) of W delivers the changes [a S / W, b S / W).
 *
 * Execution. A run of W records has C = ceil(W / N) chunks of N records
 * (the last may be smaller), run by K jobs in chunk order. A chunk of n
 * records first acquires from the target's pools (all borrowed, shared with
 * every other user of the system):
 *   REST  ceil(n / page_size) calls from the REST quota (rolling or calendar
 *         daily allocation, shared with real-time flows);
 *   bulk  ceil(n / records_per_batch) batches (+1 per chunk with
 *         parent_batch) from the bulk batch pool and n records from the bulk
 *         records pool (Bulk API 2.0: 15,000 batches and 150 M records per
 *         rolling 24 h, REFERENCE.md A3);
 *   file  no pool (a file import; see mdl_batch_cfg_file).
 * It takes what the pool has left and, when the pool is empty, makes one
 * refused call (the platform's 403 REQUEST_LIMIT_EXCEEDED, which the quota
 * counts) and waits until mdl_quota_free_at says one more unit fits. REST
 * calls also pass the target's rate limit one by one, when it has one: a
 * call it refuses is answered 429 (counted, not taken from the quota) and
 * the job waits the Retry-After. The waiting is counted. Then it runs for
 *   overhead + n x X,   X = the per-record time, one draw per chunk
 * (fixed, or lognormal with the spec's mean and cv: the target's speed
 * during the chunk; one draw per record would average the variability away).
 * Bulk batches longer than batch_time_limit (records_per_batch x X) fail on
 * every automatic retry (X does not change within a chunk), costing
 * (1 + batch_retries) x batch_time_limit each; their records fail.
 * A chunk running longer than job_timeout is abandoned at the timeout and
 * all its records fail. Otherwise each record fails with failure_rate
 * (binomial count; the failed subset is taken from the end of the chunk).
 *
 * Extraction. Each chunk is read from the source system before it is
 * written (its first attempt; retries re-write, they do not re-read), and
 * reading spends the source's pools (mdl_extract_cfg), not only the
 * target's:
 *   rest  ceil(n / page_size) calls from the source's REST quota, through
 *         its rate limit: each query page is an API call (Salesforce: SOQL
 *         pages of 2,000 rows, each nextRecordsUrl page a new call,
 *         REFERENCE.md A1);
 *   bulk  one query job from the source's query-job pool (Salesforce Bulk
 *         API 2.0: 10,000 query jobs per 24 h, A3) and query_job_calls API
 *         calls (REFERENCE.md does not say how many calls a query job costs:
 *         2 by default, one to create it and one to fetch its results), and
 *         ceil(n / records_per_batch) batches only when counts_batches
 *         (Salesforce: query jobs consume no batches, A3);
 *   none  free (a file drop, a database read the scenario does not model).
 * Waiting for the source's pools works as for the target's.
 *
 * Failures. Failed records are retried
 *   next_run   with the next run (kept with their attempt count), or
 *   immediate  by the same job at once, as a sub-chunk of the failed
 *              records (acquiring again, overhead again),
 * up to retry_limit retries; after that they are given up: the ledger
 * counts them dead-lettered with reason "retries" (a batch's per-record
 * error log is its dead-letter queue: the records wait for a person or a
 * reconciliation, they are not lost and no user saw an error).
 *
 * Cutoff. At start + window (window 0: no cutoff) the chunks in flight are
 * aborted and the run is an overrun. With checkpoint the next run resumes
 * from the chunks not yet completed; without it the next run starts over:
 * the records the cut-off run wrote are written again (wasted work,
 * counted; the records were applied when first written, so they stay
 * delivered). A job that cannot finish within its window therefore never
 * finishes without a checkpoint. With no window, a run still going at the
 * next scheduled start is an overrun; that start is skipped or queued (at
 * most one start waits; later ones merge into it). Ties follow the models'
 * deadline rule (docs/models/deadlines.md): a chunk ending exactly at the
 * cutoff, or a run ending exactly at the next start, completes; no chunk
 * starts at the cutoff itself.
 *
 * Micro-batch is this model with a short period ("every 5m"). A file import
 * is this model with chunk = records per file, one job, no pool, and a
 * manual review delay before the first file (mdl_batch_cfg_file). A one-off
 * bulk load of R records is a full selection of R records on a one-shot
 * schedule (mdl_batch_cfg_bulk_load).
 *
 * Outputs per run (mdl_batch_run): start, end, records, written, delivered,
 * overrun. Overall: see mdl_batch_publish. When no run overran, the month
 * the duration trend crosses the window is projected from a fit of
 * log(duration) against start time (mdl_batch_project_overrun): the
 * durations grow like the data, compounded, so their logarithm is linear in
 * time. It is a projection, never a simulated fact.
 *
 * Left out: per-record identity within a bucket, the order in which a
 * chunk's records fail, partial results of aborted chunks, bulk job polling
 * calls, the Bulk API's "job Failed" when the records pool runs out mid-job
 * (here the job waits for the pool, as a client that checks /limits does).
 *
 * Units: sim_time (us) for times, records and calls as counts.
 * Reference: integration-patterns-card.txt (batch window overrun, checkpoint
 * resume, the 50,000-record catalog anti-pattern, the 15,000 batches/24 h
 * cap); ../shared/domain/REFERENCE.md A3 (Bulk API 2.0), C (FBDI), E
 * (NetSuite CSV import 25,000 records per job); docs/models/batch.md.
 * Checked by: tests/models/test_mdl_batch.c.
 */
#ifndef MDL_BATCH_H
#define MDL_BATCH_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "mdl_arrivals.h"
#include "mdl_ledger.h"
#include "mdl_quota.h"
#include "mdl_ratelimit.h"
#include "mdl_scenario.h"
#include "mdl_schedule.h"
#include "sim_err.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_time.h"

/* Salesforce Bulk API 2.0 (REFERENCE.md A3): what mdl_batch_bulk_defaults
 * fills in. */
#define MDL_BULK_BATCHES_PER_DAY   15000.0     /* batches per rolling 24 h */
#define MDL_BULK_RECORDS_PER_BATCH 10000.0     /* records per internal batch */
#define MDL_BULK_RECORDS_PER_DAY   150000000.0 /* records per rolling 24 h */
#define MDL_BULK_BATCH_TIME_LIMIT  (5 * SIM_MIN)
#define MDL_BULK_BATCH_RETRIES     20

/* Called for every chunk written into the target (records = the chunk's
 * records that did not fail), so the event-driven model can publish change
 * events for writes into a system with CDC on. */
typedef void mdl_write_hook(void *ctx, int target_system, uint64_t records, sim_time now);

/* Reading the records from the source (see "Extraction" above). The
 * pools are the source system's, borrowed, shared with everything else that
 * calls it; NULL = unlimited. */
typedef struct mdl_extract_cfg {
    mdl_spec_extract kind;    /* none, rest or bulk */
    mdl_quota *quota;         /* the source's REST quota (pages, query job calls) */
    mdl_ratelimit *rate;      /* the source's rate limit */
    mdl_quota *query_jobs;    /* bulk: the source's query jobs per 24 h */
    mdl_quota *batches;       /* bulk: its batch pool (only with counts_batches) */
    int page_size;            /* rest: records per page, >= 1 */
    int query_job_calls;      /* bulk: API calls per query job */
    int counts_batches;       /* bulk: a query counts batches of records_per_batch */
    double records_per_batch; /* bulk: 0 = 10,000 */
} mdl_extract_cfg;

/* One run, as reported to the run hook when it ends. */
typedef struct mdl_batch_run {
    uint64_t index;      /* 0-based, in start order */
    sim_time start, end; /* end: when it finished or was cut off */
    uint64_t records;    /* records selected: the run's work */
    uint64_t chunks;     /* chunks of the run */
    uint64_t written;    /* records written by completed chunks (retries included) */
    uint64_t delivered;  /* the flow's record changes delivered by this run */
    uint64_t failed;     /* record failures (each failed attempt counts) */
    int overrun;         /* missed its window (cut off, or still going at the next start) */
    int cut_off;         /* stopped at the cutoff */
    int resumed;         /* continued a cut-off run from its checkpoint */
    int restarted;       /* redid the work of a cut-off run (no checkpoint) */
} mdl_batch_run;

/* run is valid during the call only. */
typedef void mdl_batch_run_hook(void *ctx, const mdl_batch_run *run);

typedef struct mdl_batch_cfg {
    const char *id;     /* flow (or fault) id for metric names (copied); required */
    const char *prefix; /* metric names are "<prefix>.<id>.batch.*"; NULL = "flow" */
    int flow;           /* the flow's index in the ledger; -1 = not counted */
    /* Links, all borrowed. Required: q. */
    sim_queue *q;
    mdl_ledger *ledger;       /* NULL: nothing counted (a bulk load) */
    gsl_rng *rng;             /* per-record times and failures; required when
                                 record_time_cv > 0 or failure_rate > 0 */
    mdl_arrivals *arrivals;   /* the flow's record changes, pulled at each run
                                 start; NULL: only mdl_batch_add */
    mdl_quota *rest_quota;    /* the target's REST daily quota; NULL = unlimited */
    mdl_ratelimit *rest_rate; /* the target's rate limit (429 + Retry-After); NULL = none */
    mdl_quota *bulk_batches;  /* the target's bulk batch pool; NULL = unlimited */
    mdl_quota *bulk_records;  /* the target's bulk records pool; NULL = unlimited */
    mdl_extract_cfg extract;  /* reading from the source; kind none = free */
    /* The job (copied): schedule, window, selection, chunks, API, failures. */
    mdl_batch_spec batch;
    /* The target's bulk API (copied): records_per_batch (0 = 10,000),
     * batch_time_limit (0 = none) and batch_retries are used here; the pool
     * limits live in the quota objects (mdl_batch_bulk_pools_create). */
    mdl_bulk_spec bulk;
    int parent_batch;           /* bulk: each chunk (a bulk job) costs one more batch,
                                   the Bulk API 2.0 parent batch; 0 = not counted */
    double growth;              /* full selection: dataset growth per month, compounded, > -1 */
    int growth_monthly;         /* ... applied once a month: (1 + g)^floor(t / month) */
    int first_weekday;          /* weekday of day 0, 0 = Monday */
    int file_import;            /* a file import: no pool is used */
    sim_time review_delay;      /* wait before the first chunk of each run (manual review) */
    sim_time spread;            /* chunk c of a run starts no earlier than
                                   start + review + c x spread / C; 0 = no pacing */
    int target_system;          /* passed to the write hook */
    mdl_write_hook *write_hook; /* NULL = none */
    void *write_ctx;
    mdl_batch_run_hook *run_hook; /* NULL = none */
    void *run_ctx;
    sim_time bucket; /* delta: arrival-time bucket of waiting records; 0 = 1 min */
    /* Optional chart of run durations: 0 bins = none. */
    sim_time series_interval;
    size_t series_bins;
} mdl_batch_cfg;

/* Zero links, flow -1, target_system -1, prefix "flow", and the scenario's
 * built-in defaults for batch (mdl_batch_spec_init) and bulk
 * (mdl_bulk_spec_init). */
void mdl_batch_cfg_init(mdl_batch_cfg *cfg);
/* Fills the job from a flow and its target system (target may be NULL):
 * id, batch (or, for pattern file, mdl_batch_cfg_file from flow->file and
 * flow->record_size), bulk, growth (flow->arrival.growth), target_system,
 * first_weekday. Links, flow index and hooks are left alone. */
void mdl_batch_cfg_from_flow(mdl_batch_cfg *cfg, const mdl_flow_spec *flow,
                             const mdl_system_spec *target, int first_weekday);
/* Turns the job into a file import: chunk = records per file =
 * min(max_records, floor(max_file_size / record_size)) (each 0 = no limit;
 * one file per run when neither is set), one job, no overhead, fixed
 * per-record time, no failures, no window, the schedule and review delay of
 * the spec. */
void mdl_batch_cfg_file(mdl_batch_cfg *cfg, const mdl_filejob_spec *file, double record_size);
/* Turns the job into a one-off load (fault kind bulk-load): id = fault id,
 * prefix "fault", not counted in the ledger, no arrivals, one run at
 * fault->start, no window, full selection of fault->records records with no
 * growth, the fault's API, chunk size, concurrent jobs, chunk overhead and
 * per-record time (mean and cv), chunks spread over fault->duration, and no
 * write hook unless fault->cdc. Failures and retries stay as they are in
 * cfg->batch. Call after setting the hooks. */
void mdl_batch_cfg_bulk_load(mdl_batch_cfg *cfg, const mdl_fault_spec *fault);

/* Bulk API 2.0 figures (REFERENCE.md A3): enabled, 15,000 batches and
 * 150 M records per rolling 24 h, 10,000 records per batch, 5 min per
 * batch, 20 automatic retries. */
void mdl_batch_bulk_defaults(mdl_bulk_spec *b);
/* The target's bulk pools as rolling 24 h quotas (one-minute buckets):
 * *batches from batches_per_day, *records from records_per_day; each is
 * NULL when its limit is 0 (none) or bulk->enabled is 0. The caller owns
 * them (mdl_quota_destroy). SIM_EINVAL or SIM_ENOMEM (nothing created). */
int mdl_batch_bulk_pools_create(const mdl_bulk_spec *bulk, mdl_quota **batches, mdl_quota **records,
                                sim_err *err);

typedef struct mdl_batch mdl_batch;

/* A job whose first start is the first scheduled time at or after the
 * queue's now. NULL on a bad config (SIM_EINVAL, err says which field) or
 * no memory. */
mdl_batch *mdl_batch_create(const mdl_batch_cfg *cfg, sim_err *err);
/* NULL is a no-op. Its pending events point at it: destroy it only once its
 * queue will not run again (or after destroying the queue). */
void mdl_batch_destroy(mdl_batch *b);

/* n record changes of the flow created at `created` (<= the queue's now)
 * wait for the next run. They are counted as created in the ledger. */
void mdl_batch_add(mdl_batch *b, sim_time created, uint64_t n);
/* Pulls the arrivals created up to now (done at every run start; call it at
 * the horizon before checking conservation, so every record created so far
 * is counted). */
void mdl_batch_pull(mdl_batch *b, sim_time now);
/* The flow's record changes still here (waiting, in a run, or failed and
 * waiting for a retry): the `pending` of mdl_ledger_check. */
uint64_t mdl_batch_pending(const mdl_batch *b);
/* The first instant >= now at which b may take a unit of a pool or make a
 * call: now while a run is going (active, queued, or a job busy), else
 * its next scheduled start (SIM_TIME_NEVER if none). Between runs b makes
 * no call and holds nothing (its arrivals wait for the pull), so a model
 * sharing its pools may count them without b up to that instant
 * (docs/models/aggregate.md "Tier R for event components"). */
sim_time mdl_batch_next_use(const mdl_batch *b, sim_time now);
/* SIM_OK, or SIM_ENOMEM once a table could not grow during the run (the
 * model then merged buckets instead: counts stay exact, latencies coarser). */
int mdl_batch_status(const mdl_batch *b);

typedef struct mdl_batch_stats {
    uint64_t runs;                      /* runs ended (finished or cut off) */
    uint64_t runs_skipped;              /* starts skipped: the previous run was going */
    uint64_t runs_queued;               /* starts delayed until the previous run ended */
    uint64_t overruns;                  /* runs that missed their window */
    sim_time first_overrun_at;          /* start of the first such run; SIM_TIME_NEVER if none */
    sim_time last_end;                  /* end of the last run; SIM_TIME_NEVER if none */
    double duration_mean, duration_max; /* s, over ended runs; NaN if none */
    double records_per_run_mean;        /* NaN if none */
    double chunks_per_run_mean;         /* chunks (files for a file import); NaN if none */
    uint64_t records_written;           /* records written by completed chunks */
    uint64_t delivered;                 /* flow record changes delivered */
    uint64_t failed_retried;            /* failed records retried (each retry counts) */
    uint64_t failed_given_up;           /* failed records given up after retry_limit retries */
    uint64_t rest_calls_used;           /* REST calls taken from the quota */
    uint64_t bulk_batches_used;         /* bulk batches taken from the pool */
    uint64_t bulk_records_used;         /* records taken from the bulk records pool */
    uint64_t extract_calls_used;        /* source API calls (pages, query job calls) */
    uint64_t extract_query_jobs_used;   /* source bulk query jobs */
    uint64_t extract_batches_used;      /* source bulk batches (queries that count them) */
    double extract_wait_s;              /* job-seconds spent waiting for the source's pools */
    uint64_t refused;                   /* refused calls made while a pool was empty */
    uint64_t rate_limited;              /* REST calls answered 429 by the rate limit */
    double rest_wait_s;                 /* job-seconds spent waiting for the REST quota */
    double bulk_wait_s;                 /* job-seconds spent waiting for the bulk pools */
    uint64_t bulk_batches_sent;      /* bulk batches attempted under a time limit (with retries) */
    uint64_t bulk_batches_timed_out; /* of them, failed on the batch time limit */
    double bulk_timeout_s;           /* job-seconds spent in those failed attempts */
    uint64_t wasted_records;         /* records written by cut-off runs and written again */
    double wasted_job_s;             /* job-seconds thrown away at cutoffs */
} mdl_batch_stats;

void mdl_batch_stats_get(const mdl_batch *b, mdl_batch_stats *out);

/* The projected month (from time 0) at which the fitted duration trend
 * crosses the window (the cutoff, or with no window the shortest gap of the
 * schedule); NaN when a run overran (the date is then a simulated fact),
 * when the flow's volume does not grow (growth <= 0: a slope in the run
 * durations is then noise), when fewer than two runs took time, or when
 * the trend does not grow. */
double mdl_batch_projection(const mdl_batch *b);

/* Fits log(dur) = c0 + c1 * m by least squares (gsl_fit_linear), m = t /
 * month (MDL_MONTH), over the points with dur > 0, and returns in
 * *month_out the month where c0 + c1 * m = log(window):
 * (log(window) - c0) / c1. t and dur are in seconds, window in seconds.
 * A growth compounded per month gives durations exactly exponential in t,
 * hence a straight line in log(dur). *month_out is NaN when c1 <= 0 (the
 * trend never reaches the window) or when c1 is less than two standard
 * errors (gsl_fit_linear's cov11) from zero, i.e. when the data show no
 * trend beyond their noise; the crossing may lie before the last
 * point when the data are noisy. Returns SIM_OK; SIM_EINVAL (NaN out) for
 * NULL arrays, window <= 0 or fewer than two usable points at distinct
 * times; SIM_ENOMEM. */
int mdl_batch_project_overrun(const double *t, const double *dur, size_t n, double window,
                              double *month_out);

/* The trend of the run durations the projection rests on: the slope of
 * log(duration) per month (mdl_batch_project_overrun's c1), its standard
 * error, and the runs fitted (the first delta run is left out; at most
 * 1,024, thinned evenly). NaN slope and error with fewer than two runs. */
void mdl_batch_trend(const mdl_batch *b, double *slope, double *se, double *runs);

/* Appends "<prefix>.<id>.batch.": runs, runs_skipped, runs_queued,
 * duration_mean, duration_p50, duration_p95, duration_max (s), overruns,
 * first_overrun_at (s from the start; NaN if none), last_run_end_at (s;
 * NaN if none), records_per_run_mean, chunks_per_run_mean, records_written,
 * delivered, failed_retried, failed_given_up, rest_calls_used,
 * bulk_batches_used, bulk_records_used, refused_calls, rate_limited, rest_wait_s,
 * extract_calls_used, extract_query_jobs_used, extract_batches_used,
 * extract_wait_s, bulk_wait_s, bulk_batches_sent, bulk_batches_timed_out
 * (attempts that hit the bulk batch time limit), bulk_timeout_s (job-seconds
 * they took), wasted_records, wasted_job_s, overrun_projection_month
 * (months from the start; NaN if none), trend_per_month, trend_se (1/month)
 * and trend_runs (mdl_batch_trend), the histogram "duration" (s) and,
 * when configured, the series "duration_series" (the duration of the latest
 * run, as a level from its start). */
int mdl_batch_publish(const mdl_batch *b, sim_time now, sim_result *r, sim_err *err);

#endif
