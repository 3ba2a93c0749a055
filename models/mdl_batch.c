/*
 * mdl_batch.c - the scheduled batch job: runs, chunks, pools, failures,
 * cutoffs and the overrun projection.
 *
 * Records. The flow's record changes held here are groups (`entry`): a count,
 * the mean creation time of the group (us, as a double, so the mean latency
 * of a group is exact), the arrival bucket it came from and how many failed
 * attempts its records have had. They live in three places:
 *   wait      a deque of groups waiting for the next run;
 *   sel       the active run's selection, a flat array with prefix sums
 *             (cum[i] = records before group i), so that a range of real
 *             records [ra, rb) maps to groups by binary search;
 *   failed    groups that failed in the active run, retried with the next;
 *   returned  groups of the selection not processed by a cut-off run.
 * Invariant 1: every record change given to the model is either ended in the
 * ledger or counted in exactly one of wait.total, sel_open, failed.total,
 * returned.total (returned is empty between runs), so
 *   pending = wait.total + sel_open + failed.total + returned.total.
 *
 * Positions. A run works on W positions: in delta mode redo_run phantom
 * positions (records already delivered that a run without checkpoint must
 * write again) followed by the S selected records; in full mode W dataset
 * records over which the S changes are spread evenly. real_of(p) maps a
 * position to the number of real records before it; it is non-decreasing
 * with real_of(0) = 0 and real_of(W) = S, so the chunks' ranges partition
 * the selection. Invariant 2: during a run, [0, W) is the disjoint union of
 * the ranges already resolved (delivered, failed or given up), the ranges
 * held by busy jobs ([a, b) of their current attempt) and the chunks not
 * yet started [next_chunk * N, W). The cutoff returns the last two.
 *
 * Jobs. A job is IDLE, WAIT (for a pool, or for its pacing slot) or RUN.
 * Every WAIT or RUN job has one pending event (ev) unless it waits for a
 * pool that can never refill (a limit below one unit; refused at create).
 * busy counts WAIT + RUN jobs; idle[0 .. nidle) lists the IDLE ones, so
 * nidle + busy == njobs and handing out a chunk is O(1). Invariant 3: a
 * run ends when no chunk is left to start and busy == 0, or at its cutoff.
 *
 * Allocation. Tables grow by doubling during a run. When growth fails, the
 * model merges the new group into a neighbour (counts stay exact, the
 * latency of the merged records becomes their mean) and records SIM_ENOMEM
 * (mdl_batch_status). Every table has room for one group from creation, so
 * a merge always has a neighbour.
 */
#include "mdl_batch.h"

#include <assert.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_randist.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_alloc.h"
#include "sim_rng.h"
#include "sim_stats.h"

#define FIT_CAP     1024 /* points kept for the trend fit (thinned by 2 when full) */
#define DEQUE_START 16
#define NAME_LEN    512

/* The source's pools first: a chunk is read before it is written. */
enum {
    POOL_SRC_REST = 0, /* the source's REST quota (extraction pages, query job calls) */
    POOL_SRC_JOBS,     /* the source's bulk query jobs per 24 h */
    POOL_SRC_BATCHES,  /* the source's bulk batches (when its queries count them) */
    POOL_REST,         /* the target's REST quota */
    POOL_BATCHES,
    POOL_RECORDS,
    POOL_COUNT,
    WAIT_PACE = POOL_COUNT
};
enum { JOB_IDLE = 0, JOB_WAIT, JOB_RUN };

typedef struct entry {
    double t;          /* mean creation time of the group, us */
    uint64_t n;        /* records, > 0 */
    int64_t bucket;    /* arrival bucket (t / bucket width when created) */
    uint32_t attempts; /* failed attempts so far */
} entry;

typedef struct deque {
    entry *a;
    size_t cap, head, len;
    uint64_t total; /* records in the deque */
} deque;

typedef struct job {
    int state;
    uint64_t chunk;            /* chunk of the run (for pacing) */
    uint64_t a, b;             /* positions of the current attempt */
    int retries;               /* immediate retries done on this chunk */
    uint64_t need[POOL_COUNT]; /* units still to acquire */
    int wait_on;               /* a pool or WAIT_PACE */
    sim_time since;            /* start of the current wait or work */
    uint64_t fail;             /* records of this attempt that fail */
    sim_event_id ev;
} job;

struct mdl_batch {
    /* configuration */
    char *id;
    char *prefix;
    int flow;
    sim_queue *q;
    mdl_ledger *ledger;
    gsl_rng *rng;
    mdl_arrivals *arrivals;
    mdl_quota *pool[POOL_COUNT];
    mdl_ratelimit *rate[POOL_COUNT]; /* borrowed; REST calls pass it one by one */
    mdl_extract_cfg extract;
    mdl_batch_spec spec;
    uint64_t chunk_size, rpb, page;
    int parent_batch;
    sim_time batch_limit;
    int batch_retries;
    double growth;
    int growth_monthly;
    int first_weekday;
    int file_import;
    sim_time review, spread;
    int target;
    mdl_write_hook *write_hook;
    void *write_ctx;
    mdl_batch_run_hook *run_hook;
    void *run_ctx;
    sim_time bucket;
    sim_dist rt; /* per-record time in seconds (lognormal) */
    int rt_fixed;
    sim_time proj_window; /* the duration the trend is compared with; 0 = none */

    /* records */
    deque wait, failed, returned;
    entry *sel;
    uint64_t *cum;
    size_t nsel, selcap;
    uint64_t sel_open;
    sim_time pulled; /* the arrivals before this time are pulled */

    /* jobs */
    job *jobs;
    int njobs, busy;
    int *idle; /* stack of idle jobs (njobs - busy of them) */
    int nidle;
    uint64_t *ranges; /* 2 * (njobs + 1): scratch for the cutoff */

    /* the active run */
    int active, reviewing, queued;
    mdl_batch_run run;
    uint64_t W, S, redo_run, nchunks, next_chunk;
    int full_map;
    sim_time cut_at, run_job_done;
    sim_event_id cut_ev, start_ev, review_ev;
    sim_time start_at; /* start_ev's time, SIM_TIME_NEVER without one */

    /* carried between runs */
    uint64_t redo;   /* delta without checkpoint: records to write again */
    uint64_t resume; /* full with checkpoint: positions left of a cut-off pass */
    int last_cut;
    uint64_t run_count;

    /* totals */
    mdl_batch_stats st;
    sim_time wait_time[POOL_COUNT];
    sim_time wasted_time;
    sim_tally dur, recs, chunks;
    sim_hist *dur_hist;
    sim_series *series;
    double *fit_t, *fit_d;
    size_t nfit;
    uint64_t fit_seen, fit_stride;
    int status;
};

/* ---- configuration helpers ---------------------------------------------- */

void mdl_batch_cfg_init(mdl_batch_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->flow = -1;
    cfg->target_system = -1;
    mdl_batch_spec_init(&cfg->batch);
    mdl_bulk_spec_init(&cfg->bulk);
}

void mdl_batch_cfg_file(mdl_batch_cfg *cfg, const mdl_filejob_spec *file, double record_size)
{
    double per = INFINITY;
    if (file->max_records > 0)
        per = floor(file->max_records);
    if (file->max_file_size > 0 && record_size > 0 &&
        floor(file->max_file_size / record_size) < per)
        per = floor(file->max_file_size / record_size);
    if (per < 1)
        per = 1; /* a record larger than a file still makes one file */
    mdl_batch_spec *s = &cfg->batch;
    s->schedule = file->schedule;
    s->window = 0;
    s->overlap = MDL_SPEC_OVERLAP_SKIP;
    s->selection = MDL_SPEC_SELECTION_DELTA;
    s->chunk_size = per < (double)INT_MAX ? (int)per : INT_MAX;
    s->concurrent_jobs = 1;
    s->chunk_overhead = 0;
    s->record_time = file->record_time;
    s->record_time_cv = 0;
    s->failure_rate = 0;
    s->retry_limit = 0;
    s->job_timeout = 0;
    s->checkpoint = 1;
    cfg->file_import = 1;
    cfg->review_delay = file->review_delay;
}

void mdl_batch_cfg_from_flow(mdl_batch_cfg *cfg, const mdl_flow_spec *flow,
                             const mdl_system_spec *target, int first_weekday)
{
    cfg->id = flow->id;
    cfg->batch = flow->batch;
    cfg->file_import = 0;
    cfg->review_delay = 0;
    if (flow->pattern == MDL_SPEC_PATTERN_FILE)
        mdl_batch_cfg_file(cfg, &flow->file, flow->record_size);
    if (target)
        cfg->bulk = target->bulk;
    cfg->growth = flow->arrival.growth;
    cfg->growth_monthly = flow->arrival.growth_step == MDL_SPEC_GROWTH_MONTHLY;
    cfg->target_system = flow->target_index;
    cfg->first_weekday = first_weekday;
}

void mdl_batch_cfg_bulk_load(mdl_batch_cfg *cfg, const mdl_fault_spec *fault)
{
    mdl_batch_spec *s = &cfg->batch;
    cfg->id = fault->id;
    cfg->prefix = "fault";
    cfg->flow = -1;
    cfg->ledger = NULL;
    cfg->arrivals = NULL;
    /* One start at fault->start: an "every" schedule whose next period
     * would not fit a sim_time (mdl_schedule_next returns SIM_TIME_NEVER). */
    s->schedule.kind = MDL_SCHEDULE_EVERY;
    s->schedule.period = SIM_TIME_NEVER;
    s->schedule.offset = fault->start;
    s->window = 0;
    s->selection = MDL_SPEC_SELECTION_FULL;
    s->dataset = fault->records;
    s->api = fault->api;
    s->chunk_size = fault->chunk_size;
    s->concurrent_jobs = fault->concurrent_jobs;
    s->chunk_overhead = fault->chunk_overhead;
    s->record_time = fault->record_time;
    s->record_time_cv = fault->record_time_cv;
    cfg->growth = 0;
    cfg->file_import = 0;
    cfg->review_delay = 0;
    cfg->spread = fault->duration;
    cfg->target_system = fault->system_index;
    if (!fault->cdc) {
        cfg->write_hook = NULL;
        cfg->write_ctx = NULL;
    }
}

void mdl_batch_bulk_defaults(mdl_bulk_spec *b)
{
    b->enabled = 1;
    b->batches_per_day = MDL_BULK_BATCHES_PER_DAY;
    b->records_per_batch = MDL_BULK_RECORDS_PER_BATCH;
    b->records_per_day = MDL_BULK_RECORDS_PER_DAY;
    b->batch_time_limit = MDL_BULK_BATCH_TIME_LIMIT;
    b->batch_retries = MDL_BULK_BATCH_RETRIES;
}

int mdl_batch_bulk_pools_create(const mdl_bulk_spec *bulk, mdl_quota **batches, mdl_quota **records,
                                sim_err *err)
{
    *batches = NULL;
    *records = NULL;
    if (!bulk->enabled)
        return SIM_OK;
    mdl_quota_cfg qc = {.window = SIM_DAY, .calendar = 0, .bucket = SIM_MIN};
    if (bulk->batches_per_day > 0) {
        qc.limit = bulk->batches_per_day;
        *batches = mdl_quota_create(&qc, err);
        if (!*batches)
            return err ? err->code : SIM_ENOMEM;
    }
    if (bulk->records_per_day > 0) {
        qc.limit = bulk->records_per_day;
        *records = mdl_quota_create(&qc, err);
        if (!*records) {
            mdl_quota_destroy(*batches);
            *batches = NULL;
            return err ? err->code : SIM_ENOMEM;
        }
    }
    return SIM_OK;
}

/* ---- small helpers ------------------------------------------------------ */

static int counted(const mdl_batch *b)
{
    return b->ledger && b->flow >= 0;
}

/* a * k for non-negative times, saturating at SIM_TIME_LIMIT_S. */
static sim_time sat_mul(sim_time a, uint64_t k)
{
    const sim_time limit = (sim_time)(SIM_TIME_LIMIT_S * 1e6);
    if (a == 0 || k == 0)
        return 0;
    if (k > (uint64_t)(limit / a))
        return limit;
    return a * (sim_time)k;
}

static sim_time sat_add(sim_time a, sim_time b)
{
    const sim_time limit = (sim_time)(SIM_TIME_LIMIT_S * 1e6);
    return (a > limit - b) ? limit : a + b;
}

/* ---- deques ------------------------------------------------------------- */

static int dq_init(deque *d)
{
    memset(d, 0, sizeof *d);
    d->a = sim_calloc(DEQUE_START, sizeof *d->a);
    if (!d->a)
        return SIM_ENOMEM;
    d->cap = DEQUE_START;
    return SIM_OK;
}

static void dq_fini(deque *d)
{
    sim_free(d->a);
    memset(d, 0, sizeof *d);
}

static entry *dq_at(const deque *d, size_t i)
{
    return &d->a[(d->head + i) % d->cap];
}

static void dq_clear(deque *d)
{
    d->head = 0;
    d->len = 0;
    d->total = 0;
}

/* Doubles the capacity, keeping the order. 0 on success. */
static int dq_grow(deque *d)
{
    if (d->cap > SIZE_MAX / 2 / sizeof(entry))
        return -1;
    entry *a = sim_calloc(d->cap * 2, sizeof *a);
    if (!a)
        return -1;
    for (size_t i = 0; i < d->len; i++)
        a[i] = *dq_at(d, i);
    sim_free(d->a);
    d->a = a;
    d->cap *= 2;
    d->head = 0;
    return 0;
}

/* Adds e's records to `into`: the mean time is weighted by the counts. */
static void merge(entry *into, const entry *e)
{
    uint64_t n = into->n + e->n;
    into->t += (e->t - into->t) * ((double)e->n / (double)n);
    into->n = n;
    if (e->attempts > into->attempts)
        into->attempts = e->attempts;
}

static void dq_push_back(mdl_batch *b, deque *d, const entry *e)
{
    d->total += e->n;
    if (d->len == d->cap && dq_grow(d) != 0) {
        b->status = SIM_ENOMEM;
        merge(dq_at(d, d->len - 1), e);
        return;
    }
    *dq_at(d, d->len) = *e;
    d->len++;
}

static void dq_push_front(mdl_batch *b, deque *d, const entry *e)
{
    d->total += e->n;
    if (d->len == d->cap && dq_grow(d) != 0) {
        b->status = SIM_ENOMEM;
        merge(dq_at(d, 0), e);
        return;
    }
    d->head = (d->head + d->cap - 1) % d->cap;
    *dq_at(d, 0) = *e;
    d->len++;
}

/* Moves every group of src to the front of dst, keeping src's order. */
static void dq_prepend(mdl_batch *b, deque *dst, deque *src)
{
    for (size_t i = src->len; i > 0; i--)
        dq_push_front(b, dst, dq_at(src, i - 1));
    dq_clear(src);
}

/* Appends n records created at t on average (us) in arrival bucket
 * `bucket` to the wait deque, in the last group when it is the same bucket
 * of fresh records. */
static void add_records(mdl_batch *b, double t, uint64_t n, int64_t bucket)
{
    entry e = {.t = t, .n = n, .bucket = bucket, .attempts = 0};
    deque *d = &b->wait;
    if (d->len > 0) {
        entry *last = dq_at(d, d->len - 1);
        if (last->bucket == e.bucket && last->attempts == 0) {
            merge(last, &e);
            d->total += n;
            return;
        }
    }
    dq_push_back(b, d, &e);
}

/* ---- create / destroy ---------------------------------------------------- */

static void on_start(void *ctx, uint64_t arg, sim_time now);
static void on_cutoff(void *ctx, uint64_t arg, sim_time now);
static void on_review(void *ctx, uint64_t arg, sim_time now);
static void on_wake(void *ctx, uint64_t arg, sim_time now);
static void on_done(void *ctx, uint64_t arg, sim_time now);

static int bad(sim_err *err, const char *id, const char *what)
{
    return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "batch %s: %s", id ? id : "?", what);
}

static int validate(const mdl_batch_cfg *cfg, sim_err *err)
{
    const mdl_batch_spec *s = &cfg->batch;
    const char *id = cfg->id;
    if (!id || !id[0])
        return bad(err, id, "an id is required");
    if (!cfg->q)
        return bad(err, id, "a queue is required");
    if (s->chunk_size < 1)
        return bad(err, id, "chunk_size must be >= 1");
    if (s->concurrent_jobs < 1 || s->concurrent_jobs > 1000000)
        return bad(err, id, "concurrent_jobs must be in 1..1000000");
    if (s->record_time < 0 || s->chunk_overhead < 0)
        return bad(err, id, "record_time and chunk_overhead must be >= 0");
    if (!(s->record_time_cv >= 0) || !isfinite(s->record_time_cv))
        return bad(err, id, "record_time_cv must be a number >= 0");
    if (!(s->failure_rate >= 0 && s->failure_rate <= 1))
        return bad(err, id, "failure_rate must be in [0, 1]");
    if (s->retry_limit < 0)
        return bad(err, id, "retry_limit must be >= 0");
    if (s->window < 0 || s->job_timeout < 0)
        return bad(err, id, "window and job_timeout must be >= 0");
    if (s->selection == MDL_SPEC_SELECTION_FULL && (!(s->dataset >= 0) || !(s->dataset < 9e18)))
        return bad(err, id, "dataset must be a number of records >= 0");
    if (!cfg->file_import && s->api == MDL_SPEC_API_REST && s->page_size < 1)
        return bad(err, id, "page_size must be >= 1");
    if (!(cfg->bulk.records_per_batch >= 0) || !(cfg->bulk.records_per_batch < 9e18))
        return bad(err, id, "records_per_batch must be >= 0 (0: 10,000)");
    if (cfg->bulk.batch_time_limit < 0 || cfg->bulk.batch_retries < 0)
        return bad(err, id, "batch_time_limit and batch_retries must be >= 0");
    if (!(cfg->growth > -1) || !isfinite(cfg->growth))
        return bad(err, id, "growth must be a number > -1 (per month)");
    if (cfg->review_delay < 0 || cfg->spread < 0 || cfg->bucket < 0)
        return bad(err, id, "review_delay, spread and bucket must be >= 0");
    if (!cfg->rng && (s->record_time_cv > 0 || s->failure_rate > 0))
        return bad(err, id, "a random stream is required for variable times or failures");
    const mdl_quota *pools[] = {cfg->rest_quota,    cfg->bulk_batches,       cfg->bulk_records,
                                cfg->extract.quota, cfg->extract.query_jobs, cfg->extract.batches};
    for (size_t k = 0; k < sizeof pools / sizeof *pools; k++)
        if (pools[k] && !(mdl_quota_limit(pools[k]) >= 1))
            return bad(err, id, "a pool's limit must be at least 1");
    if (cfg->extract.kind != MDL_SPEC_EXTRACT_NONE && cfg->extract.kind != MDL_SPEC_EXTRACT_REST &&
        cfg->extract.kind != MDL_SPEC_EXTRACT_BULK)
        return bad(err, id, "unknown extraction");
    if (cfg->extract.page_size < 0 || cfg->extract.query_job_calls < 0 ||
        !(cfg->extract.records_per_batch >= 0))
        return bad(err, id, "extraction page size, calls and batch size must be >= 0");
    return SIM_OK;
}

mdl_batch *mdl_batch_create(const mdl_batch_cfg *cfg, sim_err *err)
{
    if (validate(cfg, err) != SIM_OK)
        return NULL;
    const mdl_batch_spec *s = &cfg->batch;
    mdl_batch *b = sim_calloc(1, sizeof *b);
    if (!b)
        goto fail;
    b->id = sim_strdup(cfg->id);
    b->prefix = sim_strdup(cfg->prefix ? cfg->prefix : "flow");
    if (!b->id || !b->prefix)
        goto fail;
    b->flow = cfg->flow;
    b->q = cfg->q;
    b->ledger = cfg->ledger;
    b->rng = cfg->rng;
    b->arrivals = cfg->arrivals;
    b->spec = *s;
    b->chunk_size = (uint64_t)s->chunk_size;
    b->file_import = cfg->file_import != 0;
    if (!b->file_import) {
        if (s->api == MDL_SPEC_API_REST) {
            b->pool[POOL_REST] = cfg->rest_quota;
            b->rate[POOL_REST] = cfg->rest_rate;
        } else {
            b->pool[POOL_BATCHES] = cfg->bulk_batches;
            b->pool[POOL_RECORDS] = cfg->bulk_records;
        }
    }
    b->extract = cfg->extract;
    b->pool[POOL_SRC_REST] = cfg->extract.quota;
    b->rate[POOL_SRC_REST] = cfg->extract.rate;
    b->pool[POOL_SRC_JOBS] = cfg->extract.query_jobs;
    b->pool[POOL_SRC_BATCHES] = cfg->extract.batches;
    b->page = s->page_size > 0 ? (uint64_t)s->page_size : 1;
    double rpb =
        cfg->bulk.records_per_batch > 0 ? cfg->bulk.records_per_batch : MDL_BULK_RECORDS_PER_BATCH;
    b->rpb = rpb >= 1 ? (uint64_t)llround(rpb) : 1;
    b->parent_batch = cfg->parent_batch != 0;
    b->batch_limit = cfg->bulk.batch_time_limit;
    b->batch_retries = cfg->bulk.batch_retries;
    b->growth = cfg->growth;
    b->growth_monthly = cfg->growth_monthly != 0;
    b->first_weekday = cfg->first_weekday;
    b->review = cfg->review_delay;
    b->spread = cfg->spread;
    b->target = cfg->target_system;
    b->write_hook = cfg->write_hook;
    b->write_ctx = cfg->write_ctx;
    b->run_hook = cfg->run_hook;
    b->run_ctx = cfg->run_ctx;
    b->bucket = cfg->bucket > 0 ? cfg->bucket : SIM_MIN;
    b->rt_fixed = !(s->record_time_cv > 0) || s->record_time == 0;
    if (!b->rt_fixed && sim_dist_lognormal_mean_cv(sim_time_to_seconds(s->record_time),
                                                   s->record_time_cv, &b->rt, err) != SIM_OK)
        goto fail_quiet;
    if (s->window > 0) {
        b->proj_window = s->window;
    } else {
        sim_time gap = mdl_schedule_min_gap(&s->schedule);
        b->proj_window = gap == SIM_TIME_NEVER ? 0 : gap;
    }

    if (dq_init(&b->wait) || dq_init(&b->failed) || dq_init(&b->returned))
        goto fail;
    b->selcap = DEQUE_START;
    b->sel = sim_calloc(b->selcap, sizeof *b->sel);
    b->cum = sim_calloc(b->selcap, sizeof *b->cum);
    b->njobs = s->concurrent_jobs;
    b->jobs = sim_calloc((size_t)b->njobs, sizeof *b->jobs);
    b->idle = sim_calloc((size_t)b->njobs, sizeof *b->idle);
    b->ranges = sim_calloc(2 * ((size_t)b->njobs + 1), sizeof *b->ranges);
    b->fit_t = sim_calloc(FIT_CAP, sizeof *b->fit_t);
    b->fit_d = sim_calloc(FIT_CAP, sizeof *b->fit_d);
    b->dur_hist = sim_hist_create(err);
    if (!b->sel || !b->cum || !b->jobs || !b->idle || !b->ranges || !b->fit_t || !b->fit_d ||
        !b->dur_hist)
        goto fail;
    for (int j = 0; j < b->njobs; j++) /* job 0 on top: the first chunk goes to job 0 */
        b->idle[j] = b->njobs - 1 - j;
    b->nidle = b->njobs;
    if (cfg->series_bins > 0) {
        b->series =
            sim_series_create(SIM_SERIES_LEVEL, cfg->series_interval, cfg->series_bins, err);
        if (!b->series)
            goto fail_quiet;
    }
    b->fit_stride = 1;
    sim_tally_init(&b->dur);
    sim_tally_init(&b->recs);
    sim_tally_init(&b->chunks);
    b->st.first_overrun_at = SIM_TIME_NEVER;
    b->st.last_end = SIM_TIME_NEVER;

    sim_time now = sim_queue_now(b->q);
    b->pulled = now;
    sim_time first = mdl_schedule_next(&s->schedule, now, 1, b->first_weekday);
    b->start_at = first;
    if (first != SIM_TIME_NEVER)
        b->start_ev = sim_queue_push(b->q, first, on_start, b, 0);
    return b;

fail:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "batch %s: out of memory", cfg->id);
fail_quiet:
    mdl_batch_destroy(b);
    return NULL;
}

void mdl_batch_destroy(mdl_batch *b)
{
    if (!b)
        return;
    sim_series_destroy(b->series);
    sim_hist_destroy(b->dur_hist);
    sim_free(b->fit_d);
    sim_free(b->fit_t);
    sim_free(b->ranges);
    sim_free(b->idle);
    sim_free(b->jobs);
    sim_free(b->cum);
    sim_free(b->sel);
    dq_fini(&b->returned);
    dq_fini(&b->failed);
    dq_fini(&b->wait);
    sim_free(b->prefix);
    sim_free(b->id);
    sim_free(b);
}

/* ---- records in and out -------------------------------------------------- */

void mdl_batch_add(mdl_batch *b, sim_time created, uint64_t n)
{
    if (n == 0)
        return;
    if (counted(b))
        mdl_ledger_created(b->ledger, b->flow, n);
    add_records(b, (double)created, n, created / b->bucket);
}

void mdl_batch_pull(mdl_batch *b, sim_time now)
{
    if (!b->arrivals || now < b->pulled)
        return;
    /* One take per arrival bucket: a group of the records created in it,
     * at their mean creation time. */
    uint64_t created = 0;
    for (sim_time t = b->pulled; t <= now;) {
        sim_time end = t - t % b->bucket + b->bucket;
        if (end > now)
            end = now + 1;
        double sum;
        uint64_t n = mdl_arrivals_take(b->arrivals, t, end, &sum);
        if (n > 0)
            add_records(b, sum / (double)n, n, t / b->bucket);
        created += n;
        t = end;
    }
    b->pulled = now + 1;
    if (created && counted(b))
        mdl_ledger_created(b->ledger, b->flow, created);
}

uint64_t mdl_batch_pending(const mdl_batch *b)
{
    return b->wait.total + b->sel_open + b->failed.total + b->returned.total;
}

sim_time mdl_batch_next_use(const mdl_batch *b, sim_time now)
{
    if (b->active || b->queued || b->busy > 0)
        return now;
    return b->start_at;
}

int mdl_batch_status(const mdl_batch *b)
{
    return b->status;
}

/* Real records before position p of the active run (invariant 2). */
static uint64_t real_of(const mdl_batch *b, uint64_t p)
{
    if (p >= b->W)
        return b->S;
    if (b->full_map)
        return (uint64_t)floor((double)p * (double)b->S / (double)b->W);
    return p <= b->redo_run ? 0 : p - b->redo_run;
}

typedef void piece_fn(mdl_batch *b, const entry *e, uint64_t n, sim_time now);

/* Calls fn on every piece of the selection's real records [ra, rb). */
static void walk(mdl_batch *b, uint64_t ra, uint64_t rb, piece_fn *fn, sim_time now)
{
    if (ra >= rb)
        return;
    size_t lo = 0, hi = b->nsel; /* the last group with cum <= ra */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->cum[mid] <= ra)
            lo = mid;
        else
            hi = mid;
    }
    for (size_t i = lo; i < b->nsel && ra < rb; i++) {
        uint64_t end = b->cum[i] + b->sel[i].n;
        if (end <= ra)
            continue;
        uint64_t take = (end < rb ? end : rb) - ra;
        fn(b, &b->sel[i], take, now);
        ra += take;
    }
    assert(ra == rb);
}

static void deliver_piece(mdl_batch *b, const entry *e, uint64_t n, sim_time now)
{
    sim_time latency = now - (sim_time)llround(e->t);
    if (counted(b))
        mdl_ledger_end(b->ledger, b->flow, MDL_DELIVERED, MDL_R_OK, n, latency > 0 ? latency : 0);
    b->run.delivered += n;
    b->st.delivered += n;
    b->sel_open -= n;
}

static void give_up_piece(mdl_batch *b, const entry *e, uint64_t n, sim_time now)
{
    (void)e;
    (void)now;
    if (counted(b))
        mdl_ledger_end(b->ledger, b->flow, MDL_DEAD_LETTERED, MDL_R_RETRIES, n, 0);
    b->sel_open -= n;
}

/* next_run retries: the piece waits for the next run with one more failed
 * attempt, or is given up after retry_limit retries. */
static void fail_piece(mdl_batch *b, const entry *e, uint64_t n, sim_time now)
{
    if ((int64_t)e->attempts + 1 > (int64_t)b->spec.retry_limit) {
        give_up_piece(b, e, n, now);
        b->st.failed_given_up += n;
        return;
    }
    entry f = *e;
    f.n = n;
    f.attempts++;
    dq_push_back(b, &b->failed, &f);
    b->st.failed_retried += n;
    b->sel_open -= n;
}

static void return_piece(mdl_batch *b, const entry *e, uint64_t n, sim_time now)
{
    (void)now;
    entry r = *e;
    r.n = n;
    dq_push_back(b, &b->returned, &r);
    b->sel_open -= n;
}

/* Moves every waiting group into the selection of the run starting now. */
static void take_selection(mdl_batch *b)
{
    deque *w = &b->wait;
    if (w->len > b->selcap) {
        size_t cap = b->selcap;
        while (cap < w->len)
            cap *= 2;
        entry *sel = sim_reallocarray(b->sel, cap, sizeof *sel);
        if (sel)
            b->sel = sel;
        uint64_t *cum = sel ? sim_reallocarray(b->cum, cap, sizeof *cum) : NULL;
        if (cum)
            b->cum = cum;
        if (sel && cum) {
            b->selcap = cap;
        } else { /* keep the counts: one group with the mean time of all */
            b->status = SIM_ENOMEM;
            while (w->len > 1) {
                merge(dq_at(w, 0), dq_at(w, w->len - 1));
                w->len--;
            }
        }
    }
    uint64_t total = 0;
    for (size_t i = 0; i < w->len; i++) {
        b->sel[i] = *dq_at(w, i);
        b->cum[i] = total;
        total += b->sel[i].n;
    }
    assert(total == w->total);
    b->nsel = w->len;
    b->S = total;
    b->sel_open = total;
    dq_clear(w);
}

/* ---- runs ---------------------------------------------------------------- */

static uint64_t dataset_at(const mdl_batch *b, sim_time now)
{
    double months = b->growth_monthly ? (double)(now / MDL_MONTH) : (double)now / (double)MDL_MONTH;
    double x = b->spec.dataset * pow(1.0 + b->growth, months);
    if (!(x < 9e18))
        x = 9e18;
    return (uint64_t)floor(x + 0.5);
}

static void mark_overrun(mdl_batch *b)
{
    if (b->run.overrun)
        return;
    b->run.overrun = 1;
    b->st.overruns++;
    if (b->st.first_overrun_at == SIM_TIME_NEVER)
        b->st.first_overrun_at = b->run.start;
}

static void fit_add(mdl_batch *b, double t, double d)
{
    if (b->fit_seen++ % b->fit_stride != 0)
        return;
    if (b->nfit == FIT_CAP) { /* keep every other point, take every 2nd from now on */
        for (size_t i = 0; i < FIT_CAP / 2; i++) {
            b->fit_t[i] = b->fit_t[2 * i];
            b->fit_d[i] = b->fit_d[2 * i];
        }
        b->nfit = FIT_CAP / 2;
        b->fit_stride *= 2;
        if ((b->fit_seen - 1) % b->fit_stride != 0)
            return;
    }
    b->fit_t[b->nfit] = t;
    b->fit_d[b->nfit] = d;
    b->nfit++;
}

static void begin_run(mdl_batch *b, sim_time now);
static void dispatch(mdl_batch *b, sim_time now);

static void finish_run(mdl_batch *b, sim_time now, int cut)
{
    /* Invariant 1: what the run did not resolve waits again, oldest first:
     * the returned groups, then the failed ones, then what arrived since. */
    dq_prepend(b, &b->wait, &b->failed);
    dq_prepend(b, &b->wait, &b->returned);
    assert(b->sel_open == 0);
    b->nsel = 0;
    b->S = 0;
    if (b->cut_ev != SIM_EVENT_NONE) {
        sim_queue_cancel(b->q, b->cut_ev);
        b->cut_ev = SIM_EVENT_NONE;
    }
    b->run.end = now;
    double d = sim_time_to_seconds(now - b->run.start);
    b->st.runs++;
    b->st.last_end = now;
    sim_tally_add(&b->dur, d);
    sim_tally_add(&b->recs, (double)b->run.records);
    sim_tally_add(&b->chunks, (double)b->run.chunks);
    sim_hist_add(b->dur_hist, d);
    /* The first run of a delta job only finds what arrived since time 0,
     * a fraction of a period: a short duration that would tilt the trend
     * up and bring the projected overrun forward. It stays out of the fit. */
    if (d > 0 && !(b->st.runs == 1 && b->spec.selection == MDL_SPEC_SELECTION_DELTA))
        fit_add(b, sim_time_to_seconds(b->run.start), d);
    if (b->series)
        sim_series_set(b->series, b->run.start, d);
    b->active = 0;
    if (!cut) {
        b->redo = 0;
        b->resume = 0;
    }
    b->last_cut = cut;
    if (b->run_hook)
        b->run_hook(b->run_ctx, &b->run);
    if (b->queued) {
        b->queued = 0;
        begin_run(b, now);
    }
}

static void maybe_finish(mdl_batch *b, sim_time now)
{
    if (b->active && !b->reviewing && b->next_chunk >= b->nchunks && b->busy == 0)
        finish_run(b, now, 0);
}

static void begin_run(mdl_batch *b, sim_time now)
{
    mdl_batch_pull(b, now);
    memset(&b->run, 0, sizeof b->run);
    b->active = 1;
    b->run.index = b->run_count++;
    b->run.start = now;
    b->run.resumed = b->last_cut && b->spec.checkpoint;
    b->run.restarted = b->last_cut && !b->spec.checkpoint;
    take_selection(b);
    if (b->spec.selection == MDL_SPEC_SELECTION_FULL) {
        b->W = b->resume > 0 ? b->resume : dataset_at(b, now);
        if (b->W < b->S)
            b->W = b->S; /* the dataset holds at least the changed records */
        b->full_map = 1;
        b->redo_run = 0;
    } else {
        b->redo_run = b->redo;
        b->W = b->redo + b->S;
        b->full_map = 0;
    }
    b->run.records = b->W;
    b->nchunks = b->W ? (b->W - 1) / b->chunk_size + 1 : 0;
    b->run.chunks = b->nchunks;
    b->next_chunk = 0;
    b->run_job_done = 0;
    if (b->spec.window > 0) {
        b->cut_at = now + b->spec.window;
        b->cut_ev = sim_queue_push(b->q, b->cut_at, on_cutoff, b, 0);
    }
    if (b->W == 0) {
        finish_run(b, now, 0);
        return;
    }
    if (b->review > 0) {
        b->reviewing = 1;
        b->review_ev = sim_queue_after(b->q, b->review, on_review, b, 0);
        return;
    }
    dispatch(b, now);
}

/* ---- chunks -------------------------------------------------------------- */

/* Time for m records at the per-record time x (seconds; unused when fixed). */
static sim_time span(const mdl_batch *b, uint64_t m, double x)
{
    if (b->rt_fixed)
        return sat_mul(b->spec.record_time, m);
    return sim_time_clamp_seconds((double)m * x);
}

/* Starts the work of job j's current attempt (its units are acquired). */
static void work(mdl_batch *b, int j, sim_time now)
{
    job *jb = &b->jobs[j];
    uint64_t n = jb->b - jb->a;
    double x = b->rt_fixed ? 0.0 : sim_dist_sample(&b->rt, b->rng);
    sim_time dur = b->spec.chunk_overhead;
    uint64_t bad_records = 0;
    if (!b->file_import && b->spec.api == MDL_SPEC_API_BULK && b->batch_limit > 0) {
        /* Batches of rpb records (the last one smaller): one longer than the
         * limit fails on each of its 1 + batch_retries attempts. */
        uint64_t full = n / b->rpb, rem = n % b->rpb;
        uint64_t sizes[2] = {b->rpb, rem}, counts[2] = {full, rem > 0};
        for (int k = 0; k < 2; k++) {
            if (counts[k] == 0)
                continue;
            if (span(b, sizes[k], x) > b->batch_limit) {
                uint64_t tries = counts[k] * (1 + (uint64_t)b->batch_retries);
                sim_time lost = sat_mul(b->batch_limit, tries);
                dur = sat_add(dur, lost);
                bad_records += sizes[k] * counts[k];
                b->st.bulk_batches_sent += tries;
                b->st.bulk_batches_timed_out += tries;
                b->st.bulk_timeout_s += sim_time_to_seconds(lost);
            } else {
                b->st.bulk_batches_sent += counts[k];
                dur = sat_add(dur, span(b, sizes[k] * counts[k], x));
            }
        }
    } else {
        dur = sat_add(dur, span(b, n, x));
    }
    uint64_t ok = n - bad_records, fail = bad_records;
    double p = b->spec.failure_rate;
    if (ok > 0 && p > 0)
        fail += p >= 1 ? ok : gsl_ran_binomial(b->rng, p, (unsigned int)ok);
    if (b->spec.job_timeout > 0 && dur > b->spec.job_timeout) {
        dur = b->spec.job_timeout; /* abandoned: nothing written */
        fail = n;
    }
    jb->fail = fail;
    jb->state = JOB_RUN;
    jb->since = now;
    jb->ev = sim_queue_push(b->q, now + dur, on_done, b, (uint64_t)j);
}

static void wait_until(mdl_batch *b, int j, int on, sim_time at, sim_time now)
{
    job *jb = &b->jobs[j];
    jb->state = JOB_WAIT;
    jb->wait_on = on;
    jb->since = now;
    jb->ev =
        at == SIM_TIME_NEVER ? SIM_EVENT_NONE : sim_queue_push(b->q, at, on_wake, b, (uint64_t)j);
}

/* Takes job j's units from the pools; 1 when all are taken, 0 when it waits. */
static int acquire(mdl_batch *b, int j, sim_time now)
{
    job *jb = &b->jobs[j];
    uint64_t *used[POOL_COUNT] = {&b->st.extract_calls_used,   &b->st.extract_query_jobs_used,
                                  &b->st.extract_batches_used, &b->st.rest_calls_used,
                                  &b->st.bulk_batches_used,    &b->st.bulk_records_used};
    for (int k = 0; k < POOL_COUNT; k++) {
        while (jb->need[k] > 0) {
            uint64_t take = jb->need[k];
            mdl_quota *p = b->pool[k];
            if (b->rate[k]) {
                /* One call at a time through the rate limit: a refusal is a
                 * 429 with a Retry-After, which the job waits out. */
                sim_time retry_after = 0;
                if (!mdl_ratelimit_take(b->rate[k], now, &retry_after)) {
                    b->st.rate_limited++;
                    if (counted(b))
                        mdl_ledger_calls(b->ledger, b->flow, 1);
                    wait_until(b, j, k, now + (retry_after > 0 ? retry_after : 1), now);
                    return 0;
                }
                take = 1;
            }
            if (p) {
                double room = floor(mdl_quota_limit(p)) - (double)mdl_quota_used(p, now);
                if (!(room >= 1)) {
                    /* The empty pool refuses a call (403 REQUEST_LIMIT_EXCEEDED);
                     * the job waits until one more unit fits. */
                    (void)mdl_quota_take(p, now, 1);
                    b->st.refused++;
                    wait_until(b, j, k, mdl_quota_free_at(p, now, 1), now);
                    return 0;
                }
                if (room < (double)take)
                    take = (uint64_t)room;
                int ok = mdl_quota_take(p, now, take);
                assert(ok);
                (void)ok;
            }
            jb->need[k] -= take;
            *used[k] += take;
            if ((k == POOL_REST || k == POOL_SRC_REST) && counted(b))
                mdl_ledger_calls(b->ledger, b->flow, take);
        }
    }
    return 1;
}

/* What reading n records from the source costs (see mdl_batch.h,
 * "Extraction"): REST pages, or a bulk query job with its calls (and
 * batches where the platform counts them). */
static void extraction_needs(const mdl_batch *b, uint64_t n, uint64_t *need)
{
    const mdl_extract_cfg *x = &b->extract;
    if (n == 0)
        return;
    if (x->kind == MDL_SPEC_EXTRACT_REST) {
        uint64_t page = x->page_size > 0 ? (uint64_t)x->page_size : 1;
        need[POOL_SRC_REST] = (n + page - 1) / page;
    } else if (x->kind == MDL_SPEC_EXTRACT_BULK) {
        need[POOL_SRC_JOBS] = 1;
        need[POOL_SRC_REST] = (uint64_t)x->query_job_calls;
        if (x->counts_batches) {
            double rpb = x->records_per_batch > 0 ? x->records_per_batch : 10000.0;
            need[POOL_SRC_BATCHES] = (uint64_t)ceil((double)n / rpb);
        }
    }
}

/* Job j attempts positions [a, b): acquire, then work. */
static void start_attempt(mdl_batch *b, int j, sim_time now)
{
    job *jb = &b->jobs[j];
    uint64_t n = jb->b - jb->a;
    memset(jb->need, 0, sizeof jb->need);
    if (jb->retries == 0) /* a chunk is read once, by its first attempt */
        extraction_needs(b, n, jb->need);
    if (!b->file_import) {
        if (b->spec.api == MDL_SPEC_API_REST) {
            jb->need[POOL_REST] = (n + b->page - 1) / b->page;
        } else {
            jb->need[POOL_BATCHES] = (n + b->rpb - 1) / b->rpb + (uint64_t)b->parent_batch;
            jb->need[POOL_RECORDS] = n;
        }
    }
    if (acquire(b, j, now))
        work(b, j, now);
}

/* Job j takes the next chunk of the run. */
static void start_chunk(mdl_batch *b, int j, sim_time now)
{
    job *jb = &b->jobs[j];
    uint64_t c = b->next_chunk++;
    jb->chunk = c;
    jb->a = c * b->chunk_size;
    jb->b = b->W - jb->a < b->chunk_size ? b->W : jb->a + b->chunk_size;
    jb->retries = 0;
    b->busy++;
    if (b->spread > 0) {
        sim_time release = b->run.start + b->review +
                           (sim_time)((double)c * (double)b->spread / (double)b->nchunks);
        if (now < release) {
            wait_until(b, j, WAIT_PACE, release, now);
            return;
        }
    }
    start_attempt(b, j, now);
}

static void dispatch(mdl_batch *b, sim_time now)
{
    if (!b->active || b->reviewing)
        return;
    if (b->cut_ev != SIM_EVENT_NONE && b->cut_at <= now)
        return; /* no chunk starts at the cutoff itself */
    while (b->nidle > 0 && b->next_chunk < b->nchunks)
        start_chunk(b, b->idle[--b->nidle], now);
}

/* ---- events -------------------------------------------------------------- */

static void on_wake(void *ctx, uint64_t arg, sim_time now)
{
    mdl_batch *b = ctx;
    int j = (int)arg;
    job *jb = &b->jobs[j];
    jb->ev = SIM_EVENT_NONE;
    jb->state = JOB_RUN;
    if (jb->wait_on == WAIT_PACE) {
        start_attempt(b, j, now);
        return;
    }
    b->wait_time[jb->wait_on] += now - jb->since;
    if (acquire(b, j, now))
        work(b, j, now);
}

static void on_done(void *ctx, uint64_t arg, sim_time now)
{
    mdl_batch *b = ctx;
    int j = (int)arg;
    job *jb = &b->jobs[j];
    jb->ev = SIM_EVENT_NONE;
    b->run_job_done += now - jb->since;
    uint64_t a = jb->a, e = jb->b, f = jb->fail, w = e - a - f;
    if (w > 0) {
        b->run.written += w;
        b->st.records_written += w;
        if (b->write_hook)
            b->write_hook(b->write_ctx, b->target, w, now);
    }
    walk(b, real_of(b, a), real_of(b, e - f), deliver_piece, now);
    if (f > 0) {
        b->run.failed += f;
        uint64_t ra = real_of(b, e - f), rb = real_of(b, e);
        if (b->spec.retry_failed == MDL_SPEC_RETRY_IMMEDIATE) {
            if (jb->retries < b->spec.retry_limit) {
                b->st.failed_retried += f;
                jb->retries++;
                jb->a = e - f;
                start_attempt(b, j, now);
                return;
            }
            b->st.failed_given_up += f;
            walk(b, ra, rb, give_up_piece, now);
        } else {
            walk(b, ra, rb, fail_piece, now);
            /* Dataset or redo positions: written again by the next run anyway. */
            b->st.failed_retried += f - (rb - ra);
        }
    }
    jb->state = JOB_IDLE;
    b->busy--;
    b->idle[b->nidle++] = j;
    dispatch(b, now);
    maybe_finish(b, now);
}

static void cutoff(mdl_batch *b, sim_time now)
{
    b->cut_ev = SIM_EVENT_NONE;
    size_t nr = 0;
    for (int j = 0; j < b->njobs; j++) {
        job *jb = &b->jobs[j];
        if (jb->state == JOB_IDLE)
            continue;
        if (jb->ev != SIM_EVENT_NONE)
            sim_queue_cancel(b->q, jb->ev);
        jb->ev = SIM_EVENT_NONE;
        if (jb->state == JOB_RUN)
            b->wasted_time += now - jb->since; /* aborted in flight */
        else if (jb->wait_on < POOL_COUNT)
            b->wait_time[jb->wait_on] += now - jb->since;
        b->ranges[2 * nr] = jb->a;
        b->ranges[2 * nr + 1] = jb->b;
        nr++;
        jb->state = JOB_IDLE;
    }
    b->busy = 0;
    for (int j = 0; j < b->njobs; j++)
        b->idle[j] = b->njobs - 1 - j;
    b->nidle = b->njobs;
    if (b->reviewing) {
        sim_queue_cancel(b->q, b->review_ev);
        b->review_ev = SIM_EVENT_NONE;
        b->reviewing = 0;
    }
    if (b->next_chunk < b->nchunks) {
        b->ranges[2 * nr] = b->next_chunk * b->chunk_size;
        b->ranges[2 * nr + 1] = b->W;
        nr++;
        b->next_chunk = b->nchunks;
    }
    /* In position order (insertion sort: at most jobs + 1 ranges). */
    for (size_t i = 1; i < nr; i++) {
        uint64_t lo = b->ranges[2 * i], hi = b->ranges[2 * i + 1];
        size_t k = i;
        for (; k > 0 && b->ranges[2 * (k - 1)] > lo; k--) {
            b->ranges[2 * k] = b->ranges[2 * (k - 1)];
            b->ranges[2 * k + 1] = b->ranges[2 * (k - 1) + 1];
        }
        b->ranges[2 * k] = lo;
        b->ranges[2 * k + 1] = hi;
    }
    uint64_t left = 0;
    for (size_t i = 0; i < nr; i++) {
        left += b->ranges[2 * i + 1] - b->ranges[2 * i];
        walk(b, real_of(b, b->ranges[2 * i]), real_of(b, b->ranges[2 * i + 1]), return_piece, now);
    }
    mark_overrun(b);
    b->run.cut_off = 1;
    if (b->spec.checkpoint) {
        if (b->spec.selection == MDL_SPEC_SELECTION_FULL)
            b->resume = left;
    } else {
        /* Everything since the last successful run is done again. */
        b->st.wasted_records += b->run.written;
        b->wasted_time += b->run_job_done;
        if (b->spec.selection == MDL_SPEC_SELECTION_DELTA)
            b->redo = b->redo_run + b->run.delivered;
    }
    finish_run(b, now, 1);
}

/* The cutoff is a deadline (docs/models/deadlines.md): work finishing
 * exactly at it completes. Due at start + window, it first yields once
 * (arg 0: pushed again at the same instant, so every chunk due now, whose
 * event was scheduled earlier, completes first), then cuts (arg 1). */
static void on_cutoff(void *ctx, uint64_t arg, sim_time now)
{
    mdl_batch *b = ctx;
    if (arg == 0) {
        b->cut_ev = sim_queue_push(b->q, now, on_cutoff, b, 1);
        return;
    }
    b->cut_ev = SIM_EVENT_NONE;
    if (b->active)
        cutoff(b, now);
}

static void on_review(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    mdl_batch *b = ctx;
    b->review_ev = SIM_EVENT_NONE;
    b->reviewing = 0;
    dispatch(b, now);
    maybe_finish(b, now);
}

/* A scheduled start (arg 0). A run still going then is judged at the
 * start as at a deadline (docs/models/deadlines.md): the start yields once
 * (arg 1, pushed again at the same instant), so chunks finishing exactly
 * now complete first and a run ending exactly at the next start is no
 * overrun. */
static void on_start(void *ctx, uint64_t arg, sim_time now)
{
    mdl_batch *b = ctx;
    if (arg == 0) {
        b->start_ev = SIM_EVENT_NONE;
        sim_time next = mdl_schedule_next(&b->spec.schedule, now, 0, b->first_weekday);
        b->start_at = next;
        if (next != SIM_TIME_NEVER)
            b->start_ev = sim_queue_push(b->q, next, on_start, b, 0);
        if (b->active) {
            sim_queue_push(b->q, now, on_start, b, 1);
            return;
        }
        begin_run(b, now);
        return;
    }
    /* A cutoff due now goes first, whatever the order of the two events. */
    if (b->active && b->cut_ev != SIM_EVENT_NONE && b->cut_at <= now) {
        sim_queue_cancel(b->q, b->cut_ev);
        cutoff(b, now);
    }
    if (b->active && b->run.start == now) {
        b->st.runs_skipped++; /* a queued run began at this very time: merged into it */
        return;
    }
    if (b->active) {
        mark_overrun(b); /* still going at its next start */
        if (b->spec.overlap == MDL_SPEC_OVERLAP_QUEUE && !b->queued) {
            b->queued = 1;
            b->st.runs_queued++;
        } else {
            b->st.runs_skipped++; /* skipped, or merged into the start already queued */
        }
        return;
    }
    begin_run(b, now);
}

/* ---- results ------------------------------------------------------------- */

void mdl_batch_stats_get(const mdl_batch *b, mdl_batch_stats *out)
{
    *out = b->st;
    int any = b->dur.n > 0;
    out->duration_mean = any ? b->dur.mean : NAN;
    out->duration_max = any ? b->dur.max : NAN;
    out->records_per_run_mean = any ? b->recs.mean : NAN;
    out->chunks_per_run_mean = any ? b->chunks.mean : NAN;
    out->rest_wait_s = sim_time_to_seconds(b->wait_time[POOL_REST]);
    out->extract_wait_s = sim_time_to_seconds(
        b->wait_time[POOL_SRC_REST] + b->wait_time[POOL_SRC_JOBS] + b->wait_time[POOL_SRC_BATCHES]);
    out->bulk_wait_s = sim_time_to_seconds(b->wait_time[POOL_BATCHES] + b->wait_time[POOL_RECORDS]);
    out->wasted_job_s = sim_time_to_seconds(b->wasted_time);
}

/* The least-squares line log(dur) = c0 + c1 m over the usable points (m in
 * months); SIM_EINVAL when fewer than two are usable at distinct times. */
static int fit_trend(const double *t, const double *dur, size_t n, double *c0, double *c1,
                     double *se, size_t *used)
{
    *c0 = *c1 = *se = NAN;
    *used = 0;
    if (!t || !dur || n < 2)
        return SIM_EINVAL;
    double *x = sim_reallocarray(NULL, 2 * n, sizeof *x);
    if (!x)
        return SIM_ENOMEM;
    double *y = x + n;
    const double month = sim_time_to_seconds(MDL_MONTH);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(dur[i] > 0) || !isfinite(dur[i]) || !isfinite(t[i]))
            continue;
        x[m] = t[i] / month;
        y[m] = log(dur[i]);
        m++;
    }
    int distinct = 0;
    for (size_t i = 1; i < m && !distinct; i++)
        distinct = x[i] != x[0];
    if (m < 2 || !distinct) {
        sim_free(x);
        return SIM_EINVAL;
    }
    double cov00, cov01, cov11, sumsq;
    gsl_fit_linear(x, 1, y, 1, m, c0, c1, &cov00, &cov01, &cov11, &sumsq);
    sim_free(x);
    *se = sqrt(cov11);
    *used = m;
    return SIM_OK;
}

int mdl_batch_project_overrun(const double *t, const double *dur, size_t n, double window,
                              double *month_out)
{
    double ignored;
    if (!month_out)
        month_out = &ignored;
    *month_out = NAN;
    if (!t || !dur || !(window > 0) || !isfinite(window) || n < 2)
        return SIM_EINVAL;
    double c0, c1, se;
    size_t used;
    int rc = fit_trend(t, dur, n, &c0, &c1, &se, &used);
    if (rc != SIM_OK)
        return rc;
    /* Project only a trend the data show: the slope must be positive and
     * at least two standard errors from zero (an exact trend has a zero
     * standard error). Noise around a flat duration gives no date. */
    if (c1 > 0 && isfinite(c0) && isfinite(c1) && c1 >= 2.0 * se)
        *month_out = (log(window) - c0) / c1;
    return SIM_OK;
}

void mdl_batch_trend(const mdl_batch *b, double *slope, double *se, double *runs)
{
    double c0;
    size_t used;
    if (fit_trend(b->fit_t, b->fit_d, b->nfit, &c0, slope, se, &used) != SIM_OK) {
        *slope = *se = NAN;
        used = 0;
    }
    *runs = (double)used;
}

double mdl_batch_projection(const mdl_batch *b)
{
    /* Without growth the volume per run does not trend: whatever slope the
     * run durations show is noise (weekdays, spikes), not a date. */
    if (b->st.overruns > 0 || b->proj_window <= 0 || !(b->growth > 0))
        return NAN;
    double month;
    if (mdl_batch_project_overrun(b->fit_t, b->fit_d, b->nfit, sim_time_to_seconds(b->proj_window),
                                  &month) != SIM_OK)
        return NAN;
    return month;
}

static int metric_name(const mdl_batch *b, const char *what, char *name, size_t n, sim_err *err)
{
    int len = snprintf(name, n, "%s.%s.batch.%s", b->prefix, b->id, what);
    if (len < 0 || (size_t)len >= n)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "batch: id too long: %.64s...", b->id);
    return SIM_OK;
}

static int put(const mdl_batch *b, sim_result *r, const char *what, const char *unit, double v,
               sim_err *err)
{
    char name[NAME_LEN];
    int rc = metric_name(b, what, name, sizeof name, err);
    if (rc != SIM_OK)
        return rc;
    rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "batch: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

static double at_seconds(sim_time t)
{
    return t == SIM_TIME_NEVER ? NAN : sim_time_to_seconds(t);
}

int mdl_batch_publish(const mdl_batch *b, sim_time now, sim_result *r, sim_err *err)
{
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    int rc;
#define PUT(what, unit, v)                                                                         \
    do {                                                                                           \
        if ((rc = put(b, r, (what), (unit), (double)(v), err)) != SIM_OK)                          \
            return rc;                                                                             \
    } while (0)
    PUT("runs", "runs", s.runs);
    PUT("runs_skipped", "runs", s.runs_skipped);
    PUT("runs_queued", "runs", s.runs_queued);
    PUT("duration_mean", "s", s.duration_mean);
    PUT("duration_p50", "s", sim_hist_quantile(b->dur_hist, 0.50));
    PUT("duration_p95", "s", sim_hist_quantile(b->dur_hist, 0.95));
    PUT("duration_max", "s", s.duration_max);
    PUT("overruns", "runs", s.overruns);
    PUT("first_overrun_at", "s", at_seconds(s.first_overrun_at));
    PUT("last_run_end_at", "s", at_seconds(s.last_end));
    PUT("records_per_run_mean", "records", s.records_per_run_mean);
    PUT("chunks_per_run_mean", "chunks", s.chunks_per_run_mean);
    PUT("records_written", "records", s.records_written);
    PUT("delivered", "records", s.delivered);
    PUT("failed_retried", "records", s.failed_retried);
    PUT("failed_given_up", "records", s.failed_given_up);
    PUT("rest_calls_used", "calls", s.rest_calls_used);
    PUT("bulk_batches_used", "batches", s.bulk_batches_used);
    PUT("bulk_records_used", "records", s.bulk_records_used);
    PUT("refused_calls", "calls", s.refused);
    PUT("rate_limited", "calls", s.rate_limited);
    PUT("rest_wait_s", "s", s.rest_wait_s);
    PUT("extract_calls_used", "calls", s.extract_calls_used);
    PUT("extract_query_jobs_used", "jobs", s.extract_query_jobs_used);
    PUT("extract_batches_used", "batches", s.extract_batches_used);
    PUT("extract_wait_s", "s", s.extract_wait_s);
    PUT("bulk_wait_s", "s", s.bulk_wait_s);
    PUT("bulk_batches_sent", "batches", s.bulk_batches_sent);
    PUT("bulk_batches_timed_out", "batches", s.bulk_batches_timed_out);
    PUT("bulk_timeout_s", "s", s.bulk_timeout_s);
    PUT("wasted_records", "records", s.wasted_records);
    PUT("wasted_job_s", "s", s.wasted_job_s);
    PUT("overrun_projection_month", "months", mdl_batch_projection(b));
    double slope, se, fitted;
    mdl_batch_trend(b, &slope, &se, &fitted);
    PUT("trend_per_month", "1/month", slope);
    PUT("trend_se", "1/month", se);
    PUT("trend_runs", "runs", fitted);
#undef PUT

    char name[NAME_LEN];
    metric_name(b, "duration", name, sizeof name, NULL); /* fits: checked by put() above */
    sim_hist *h = sim_hist_clone(b->dur_hist, err);
    if (!h)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "batch: out of memory for %s", name);
    rc = sim_result_hist(r, name, "s", h); /* takes h over */
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "batch: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    if (!b->series)
        return SIM_OK;
    metric_name(b, "duration_series", name, sizeof name, NULL);
    sim_series *copy = sim_series_clone(b->series, err);
    if (!copy)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "batch: out of memory for %s", name);
    sim_series_finish(copy, now);
    rc = sim_result_series(r, name, "s", copy); /* takes copy over */
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "batch: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}
