/*
 * test_mdl_batch.c - the scheduled batch job: durations by hand, bulk caps,
 * checkpoint resume vs restart, growth, overlap, failures and retries, the
 * shared REST quota, file imports, and the overrun projection.
 *
 * Most cases use fixed per-record times and failure rates of 0 or 1, so
 * every duration, count and date is exact and computed in the test from
 * the parameters. Conservation (mdl_ledger_check) is checked in every case
 * that counts records.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_arrivals.h"
#include "mdl_batch.h"
#include "mdl_ledger.h"
#include "mdl_quota.h"
#include "mdl_scenario.h"
#include "sim_alloc.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_rng.h"

#define assert_close(actual, expected, tol)                                                        \
    check_close((actual), (expected), (tol), #actual, __FILE__, __LINE__)

static void check_close(double actual, double expected, double tol, const char *what,
                        const char *file, int line)
{
    if (!(fabs(actual - expected) <= tol))
        fail_msg("%s:%d: %s = %.17g, expected %.17g +- %g", file, line, what, actual, expected,
                 tol);
}

#define MAX_RUNS 64

static const char *const ids[] = {"F-1"};

typedef struct fx {
    sim_queue *q;
    mdl_ledger *l;
    gsl_rng *rng;
    mdl_batch_run runs[MAX_RUNS];
    int nruns;
    uint64_t hook_records;
    int hook_calls;
    int hook_target;
} fx;

static void on_run(void *ctx, const mdl_batch_run *run)
{
    fx *f = ctx;
    if (f->nruns < MAX_RUNS)
        f->runs[f->nruns] = *run;
    f->nruns++;
}

static void on_write(void *ctx, int target, uint64_t records, sim_time now)
{
    (void)now;
    fx *f = ctx;
    f->hook_calls++;
    f->hook_records += records;
    f->hook_target = target;
}

static void fx_init(fx *f)
{
    memset(f, 0, sizeof *f);
    f->q = sim_queue_create(0, NULL);
    f->l = mdl_ledger_create(1, ids, NULL);
    f->rng = sim_rng_create(42, 0, "batch", NULL);
    assert_non_null(f->q);
    assert_non_null(f->l);
    assert_non_null(f->rng);
}

static void fx_fini(fx *f)
{
    sim_rng_destroy(f->rng);
    mdl_ledger_destroy(f->l);
    sim_queue_destroy(f->q);
}

/* A deterministic job of flow 0: daily at 01:00, no window, fixed
 * per-record time, no failures, bulk API without pools. */
static mdl_batch_cfg base_cfg(fx *f)
{
    mdl_batch_cfg c;
    mdl_batch_cfg_init(&c);
    c.id = "F-1";
    c.flow = 0;
    c.q = f->q;
    c.ledger = f->l;
    c.rng = f->rng;
    c.run_hook = on_run;
    c.run_ctx = f;
    c.batch.window = 0;
    c.batch.record_time_cv = 0;
    c.batch.failure_rate = 0;
    c.batch.api = MDL_SPEC_API_BULK;
    return c;
}

static mdl_batch *make(const mdl_batch_cfg *c)
{
    sim_err err;
    mdl_batch *b = mdl_batch_create(c, &err);
    if (!b)
        fail_msg("mdl_batch_create: %s", err.msg);
    return b;
}

static void check_conservation(fx *f, mdl_batch *b)
{
    uint64_t pending[1] = {mdl_batch_pending(b)};
    sim_err err;
    if (mdl_ledger_check(f->l, pending, &err) != SIM_OK)
        fail_msg("%s", err.msg);
}

static double metric(const sim_result *r, const char *name)
{
    long i = sim_result_find(r, name);
    if (i < 0)
        fail_msg("metric %s is missing", name);
    assert_int_equal(sim_result_kind(r, (size_t)i), SIM_METRIC_SCALAR);
    return sim_result_value(r, (size_t)i);
}

/* 10,000 records, chunks of 2,000 on 2 jobs, 30 s overhead and 10 ms per
 * record: each chunk takes 30 + 2,000 x 0.01 = 50 s; chunks 1-2 end at
 * +50 s, 3-4 at +100 s, 5 at +150 s. The run starts at 01:00 (3,600 s). */
static void two_jobs_write_ten_thousand_records_in_150_s(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.chunk_size = 2000;
    c.batch.concurrent_jobs = 2;
    c.batch.chunk_overhead = 30 * SIM_SEC;
    c.batch.record_time = 10 * SIM_MS;
    c.series_interval = SIM_HOUR;
    c.series_bins = 24;
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 10000);
    assert_int_equal(sim_queue_run(f.q, SIM_DAY - 1), SIM_OK);

    const double chunk = 30.0 + 2000 * 0.010;
    const double start = 3600.0;
    assert_int_equal(f.nruns, 1);
    assert_int_equal(f.runs[0].start, 3600 * SIM_SEC);
    assert_int_equal(f.runs[0].end - f.runs[0].start, (sim_time)(3 * chunk) * SIM_SEC);
    assert_int_equal(f.runs[0].records, 10000);
    assert_int_equal(f.runs[0].chunks, 5);
    assert_int_equal(f.runs[0].delivered, 10000);
    assert_int_equal(f.runs[0].overrun, 0);
    assert_int_equal(mdl_ledger_count(f.l, 0, MDL_DELIVERED), 10000);
    check_conservation(&f, b);

    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_batch_publish(b, sim_queue_now(f.q), r, NULL), SIM_OK);
    assert_int_equal(mdl_ledger_publish(f.l, NULL, r, NULL), SIM_OK);
    /* Latency of each record = its chunk's end - 0: two chunks at +50 s,
     * two at +100 s, one at +150 s (exact: one latency per chunk). */
    double mean = (2 * (start + chunk) + 2 * (start + 2 * chunk) + (start + 3 * chunk)) / 5;
    assert_close(metric(r, "flow.F-1.latency_mean"), mean, 1e-6);
    assert_close(metric(r, "flow.F-1.batch.runs"), 1, 0);
    assert_close(metric(r, "flow.F-1.batch.duration_max"), 3 * chunk, 1e-9);
    /* One observation: the histogram's p50 is its bin midpoint clamped to
     * [min, max] = the value itself. */
    assert_close(metric(r, "flow.F-1.batch.duration_p50"), 3 * chunk, 1e-9);
    assert_close(metric(r, "flow.F-1.batch.bulk_batches_used"), 5, 0); /* 1 batch per chunk */
    assert_close(metric(r, "flow.F-1.batch.records_per_run_mean"), 10000, 0);
    assert_true(isnan(metric(r, "flow.F-1.batch.first_overrun_at")));
    assert_true(isnan(metric(r, "flow.F-1.batch.overrun_projection_month"))); /* one run */
    assert_true(sim_result_find(r, "flow.F-1.batch.duration_series") >= 0);
    assert_true(sim_result_find(r, "flow.F-1.batch.duration") >= 0);
    sim_result_destroy(r);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* REFERENCE.md A3: 200 M records at 10,000 per batch = 20,000 batches
 * against 15,000 batches (and 150 M records) per rolling 24 h. 250 jobs,
 * chunks of 10,000 records (one batch each) at 6 ms per record = 60 s:
 * 250 batches a minute, so the pools are full after 60 minutes. Calls made
 * in the quota's first one-minute bucket leave the window at 24 h + 1 min
 * (mdl_quota.h: a bucket frees one bucket after an exact sliding log); from
 * then on a bucket of 250 frees every minute, and the remaining 5,000
 * batches take 20 more rounds of 60 s. */
static void bulk_cap_of_15000_batches_a_day_stretches_200m_records_past_a_day(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    const double records = 200e6, per_batch = 10000;
    const int jobs = 250;
    mdl_batch_cfg c = base_cfg(&f);
    mdl_batch_bulk_defaults(&c.bulk);
    mdl_quota *batches = NULL, *recs = NULL;
    assert_int_equal(mdl_batch_bulk_pools_create(&c.bulk, &batches, &recs, NULL), SIM_OK);
    assert_non_null(batches);
    assert_non_null(recs);
    c.bulk_batches = batches;
    c.bulk_records = recs;
    mdl_fault_spec fault;
    mdl_fault_spec_init(&fault);
    strcpy(fault.id, "migration");
    fault.kind = MDL_SPEC_FAULT_BULK_LOAD;
    fault.start = 0;
    fault.duration = 0;
    fault.records = records;
    fault.api = MDL_SPEC_API_BULK;
    fault.cdc = 0;
    fault.chunk_size = (int)per_batch; /* the load's own batch keys */
    fault.concurrent_jobs = jobs;
    fault.chunk_overhead = 0;
    fault.record_time = 6 * SIM_MS;
    fault.record_time_cv = 0;
    mdl_batch_cfg_bulk_load(&c, &fault);
    mdl_batch *b = make(&c);
    assert_int_equal(sim_queue_run(f.q, 3 * SIM_DAY), SIM_OK);

    double total_batches = records / per_batch;          /* 20,000 */
    double chunk_s = per_batch * 0.006;                  /* 60 s */
    double per_minute = jobs;                            /* batches started per round */
    double day1 = MDL_BULK_BATCHES_PER_DAY;              /* 15,000 in the first window */
    double blocked_at = day1 / per_minute * chunk_s;     /* 3,600 s */
    double reopen = 86400 + 60;                          /* first bucket leaves */
    double rounds = (total_batches - day1) / per_minute; /* 20 */
    double finish = reopen + rounds * chunk_s;           /* 87,660 s */
    assert_int_equal(f.nruns, 1);
    assert_int_equal(f.runs[0].end, (sim_time)finish * SIM_SEC);
    assert_int_equal(f.runs[0].written, (uint64_t)records);
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_int_equal(s.bulk_batches_used, (uint64_t)total_batches);
    assert_int_equal(s.bulk_records_used, (uint64_t)records);
    /* Every job blocked at 3,600 s made one refused call and waited until
     * the first bucket left. */
    assert_int_equal(s.refused, jobs);
    assert_close(s.bulk_wait_s, jobs * (reopen - blocked_at), 1e-6);
    assert_int_equal(mdl_quota_exhausted_at(batches), (sim_time)blocked_at * SIM_SEC);
    assert_int_equal(mdl_batch_pending(b), 0);
    assert_int_equal(mdl_ledger_created_count(f.l, 0), 0); /* a load is not a flow */

    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_batch_publish(b, sim_queue_now(f.q), r, NULL), SIM_OK);
    assert_close(metric(r, "fault.migration.batch.last_run_end_at"), finish, 1e-6);
    sim_result_destroy(r);
    mdl_batch_destroy(b);
    mdl_quota_destroy(recs);
    mdl_quota_destroy(batches);
    fx_fini(&f);
}

/* 10,000 records, one job, chunks of 1,000 at 100 ms per record (100 s a
 * chunk), a 450 s window: a run completes 4 chunks and is cut off in the
 * 5th. */
static mdl_batch_cfg cutoff_cfg(fx *f, int checkpoint)
{
    mdl_batch_cfg c = base_cfg(f);
    c.batch.chunk_size = 1000;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = 100 * SIM_MS;
    c.batch.window = 450 * SIM_SEC;
    c.batch.checkpoint = checkpoint;
    return c;
}

/* With checkpoint: run 1 writes 4,000, run 2 resumes with the 6,000 left
 * and writes 4,000, run 3 writes the last 2,000 in 200 s. */
static void checkpoint_resumes_where_the_cutoff_stopped(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = cutoff_cfg(&f, 1);
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 10000);
    assert_int_equal(sim_queue_run(f.q, 3 * SIM_DAY), SIM_OK);

    assert_int_equal(f.nruns, 3);
    const uint64_t records[] = {10000, 6000, 2000}, delivered[] = {4000, 4000, 2000};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f.runs[i].start, i * SIM_DAY + SIM_HOUR);
        assert_int_equal(f.runs[i].records, records[i]);
        assert_int_equal(f.runs[i].delivered, delivered[i]);
        assert_int_equal(f.runs[i].written, delivered[i]);
        assert_int_equal(f.runs[i].cut_off, i < 2);
        assert_int_equal(f.runs[i].resumed, i > 0);
    }
    assert_int_equal(f.runs[2].end - f.runs[2].start, 200 * SIM_SEC);
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_int_equal(s.overruns, 2);
    assert_int_equal(s.first_overrun_at, SIM_HOUR);
    assert_int_equal(s.wasted_records, 0);
    assert_close(s.wasted_job_s, 2 * 50.0, 1e-9); /* the chunk in flight at each cutoff */
    assert_int_equal(mdl_ledger_count(f.l, 0, MDL_DELIVERED), 10000);
    assert_int_equal(mdl_batch_pending(b), 0);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* Without checkpoint: run 1 writes 4,000 (delivered), and every later run
 * writes those 4,000 again first (10,000 positions: 4,000 redone + 6,000
 * waiting), is cut off after them, and never gets further. */
static void without_checkpoint_a_cut_off_job_redoes_its_work_forever(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = cutoff_cfg(&f, 0);
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 10000);
    assert_int_equal(sim_queue_run(f.q, 3 * SIM_DAY), SIM_OK);

    assert_int_equal(f.nruns, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f.runs[i].records, 10000);
        assert_int_equal(f.runs[i].written, 4000);
        assert_int_equal(f.runs[i].delivered, i == 0 ? 4000 : 0);
        assert_int_equal(f.runs[i].cut_off, 1);
        assert_int_equal(f.runs[i].restarted, i > 0);
    }
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_int_equal(s.overruns, 3);
    assert_int_equal(s.wasted_records, 3 * 4000);
    assert_close(s.wasted_job_s, 3 * (400.0 + 50.0), 1e-9);
    assert_int_equal(mdl_ledger_count(f.l, 0, MDL_DELIVERED), 4000);
    assert_int_equal(mdl_batch_pending(b), 6000);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* A full selection of 100,000 records growing 12 % a month, run at the
 * start of each month: run k selects round(100,000 x 1.12^k) records and,
 * at 1 ms a record on one job, takes that many milliseconds. */
static void full_selection_grows_compounded_per_month(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.schedule = (mdl_schedule){.kind = MDL_SCHEDULE_EVERY, .period = MDL_MONTH};
    c.batch.selection = MDL_SPEC_SELECTION_FULL;
    c.batch.dataset = 100000;
    c.growth = 0.12;
    c.batch.chunk_size = 10000;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = SIM_MS;
    mdl_batch *b = make(&c);
    assert_int_equal(sim_queue_run(f.q, 12 * MDL_MONTH - SIM_SEC), SIM_OK);

    assert_int_equal(f.nruns, 12);
    double factor = 1.0; /* (1 + g)^k by repeated multiplication */
    double sum = 0;
    for (int k = 0; k < 12; k++) {
        uint64_t expected = (uint64_t)floor(100000 * factor + 0.5);
        assert_int_equal(f.runs[k].start, k * MDL_MONTH);
        assert_int_equal(f.runs[k].records, expected);
        assert_int_equal(f.runs[k].end - f.runs[k].start, (sim_time)expected * SIM_MS);
        sum += (double)expected;
        factor *= 1.12;
    }
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_close(s.records_per_run_mean, sum / 12, 1e-6);
    check_conservation(&f, b); /* no record changes: 0 = 0 */
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* An hourly job with no window whose run takes 90 minutes (5,400 records
 * at 1 s). */
static mdl_batch_cfg overlap_cfg(fx *f, mdl_spec_overlap overlap)
{
    mdl_batch_cfg c = base_cfg(f);
    c.batch.schedule = (mdl_schedule){.kind = MDL_SCHEDULE_EVERY, .period = SIM_HOUR};
    c.batch.selection = MDL_SPEC_SELECTION_FULL;
    c.batch.dataset = 5400;
    c.batch.chunk_size = 5400;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = SIM_SEC;
    c.batch.overlap = overlap;
    return c;
}

/* Skip: the 1 h, 3 h and 5 h starts find a run going and are dropped; runs
 * start at 0, 2 h and 4 h. Each run was still going at the next start. */
static void overlap_skip_drops_starts_while_a_run_is_going(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = overlap_cfg(&f, MDL_SPEC_OVERLAP_SKIP);
    mdl_batch *b = make(&c);
    assert_int_equal(sim_queue_run(f.q, 6 * SIM_HOUR - SIM_MIN), SIM_OK);

    assert_int_equal(f.nruns, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f.runs[i].start, 2 * i * SIM_HOUR);
        assert_int_equal(f.runs[i].end - f.runs[i].start, 90 * SIM_MIN);
        assert_int_equal(f.runs[i].overrun, 1);
    }
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_int_equal(s.runs_skipped, 3);
    assert_int_equal(s.runs_queued, 0);
    assert_int_equal(s.overruns, 3);
    assert_int_equal(s.first_overrun_at, 0);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* Queue: the 1 h start waits and runs at 1.5 h when run 1 ends, the 2 h
 * start waits for 3 h; the 3 h start finds the queued run beginning at that
 * very time and merges into it; the 4 h start waits until 4.5 h and the 5 h
 * start waits again. Runs back to back: 0, 1.5 h, 3 h (4.5 h still going). */
static void overlap_queue_starts_late_runs_back_to_back(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = overlap_cfg(&f, MDL_SPEC_OVERLAP_QUEUE);
    mdl_batch *b = make(&c);
    assert_int_equal(sim_queue_run(f.q, 6 * SIM_HOUR - SIM_MIN), SIM_OK);

    assert_int_equal(f.nruns, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f.runs[i].start, i * 90 * SIM_MIN);
        assert_int_equal(f.runs[i].end, (i + 1) * 90 * SIM_MIN);
    }
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_int_equal(s.runs_queued, 4);  /* the 1 h, 2 h, 4 h and 5 h starts */
    assert_int_equal(s.runs_skipped, 1); /* 3 h, merged */
    assert_int_equal(s.overruns, 4);     /* runs 1, 2, 3 and the one going at 5 h */
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* Durations 7,200 s x 1.12^(t / month), sampled weekly for a year; the
 * window of 14,400 s is crossed where 1.12^m = 2: m = ln 2 / ln 1.12. The
 * data are exactly exponential, so the fit is exact up to rounding
 * (~1e-12 months). */
static void projection_recovers_the_crossing_month_of_an_exact_exponential_trend(void **state)
{
    (void)state;
    double t[52], d[52];
    const double month = (double)MDL_MONTH / 1e6;
    for (int k = 0; k < 52; k++) {
        t[k] = k * 7 * 86400.0;
        d[k] = 7200.0 * pow(1.12, t[k] / month);
    }
    double m = 0;
    assert_int_equal(mdl_batch_project_overrun(t, d, 52, 14400.0, &m), SIM_OK);
    assert_close(m, log(2.0) / log(1.12), 1e-6);
}

static void projection_is_nan_without_growth_and_einval_without_data(void **state)
{
    (void)state;
    double t[3] = {0, 86400, 2 * 86400}, flat[3] = {7200, 7200, 7200};
    double falling[3] = {7200, 7000, 6800}, zero[3] = {0, 0, 0};
    double m = 0;
    assert_int_equal(mdl_batch_project_overrun(t, flat, 3, 14400, &m), SIM_OK);
    assert_true(isnan(m));
    assert_int_equal(mdl_batch_project_overrun(t, falling, 3, 14400, &m), SIM_OK);
    assert_true(isnan(m));
    assert_int_equal(mdl_batch_project_overrun(t, flat, 1, 14400, &m), SIM_EINVAL);
    assert_true(isnan(m));
    assert_int_equal(mdl_batch_project_overrun(t, zero, 3, 14400, &m), SIM_EINVAL);
    assert_int_equal(mdl_batch_project_overrun(t, flat, 3, 0, &m), SIM_EINVAL);
    double same_t[3] = {5, 5, 5};
    assert_int_equal(mdl_batch_project_overrun(same_t, falling, 3, 14400, &m), SIM_EINVAL);
}

/* The batch-window-growth story: a nightly full job that takes 2 h today
 * (7.2 M records at 1 ms) and grows 12 % a month, in a 4 h window. 60 days
 * see no overrun (2 h x 1.12^2 < 4 h); the projection is where 1.12^m = 2.
 * Each duration is D(t) x 1 ms with D rounded to a whole record, a relative
 * error below 0.5 / 7.2e6 = 7e-8 in each log-duration; extrapolating from
 * 2 months of data to 6 magnifies it by less than 100: tolerance 1e-4. */
static void model_projects_the_overrun_month_of_a_growing_nightly_job(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.window = 4 * SIM_HOUR;
    c.batch.selection = MDL_SPEC_SELECTION_FULL;
    c.batch.dataset = 7.2e6;
    c.growth = 0.12;
    c.batch.chunk_size = 100000;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = SIM_MS;
    mdl_batch *b = make(&c);
    assert_int_equal(sim_queue_run(f.q, 60 * SIM_DAY), SIM_OK);

    assert_int_equal(f.nruns, 60);
    /* The first run is at 01:00: the dataset has grown for an hour. */
    double d0 = floor(7.2e6 * pow(1.12, 3600.0 / ((double)MDL_MONTH / 1e6)) + 0.5);
    assert_int_equal(f.runs[0].end - f.runs[0].start, (sim_time)d0 * SIM_MS);
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_batch_publish(b, sim_queue_now(f.q), r, NULL), SIM_OK);
    assert_close(metric(r, "flow.F-1.batch.overruns"), 0, 0);
    assert_true(isnan(metric(r, "flow.F-1.batch.first_overrun_at")));
    assert_close(metric(r, "flow.F-1.batch.overrun_projection_month"), log(2.0) / log(1.12), 1e-4);
    sim_result_destroy(r);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* A REST batch of 10,000 records (one call per record) against a shared
 * quota of 5,000 calls per rolling 24 h: at 01:00 it takes all 5,000, so a
 * real-time caller using the same quota a second later is refused. The job
 * waits until the calls of minute 60 leave the window at 24 h + 61 min
 * (bucket 60 frees at (60 + 1 + 1440) min), takes the other 5,000 and ends
 * 30 + 10,000 x 0.01 = 130 s later. */
static void rest_batch_exhausting_a_shared_quota_makes_it_refuse_other_callers(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_quota_cfg qc = {.limit = 5000, .window = SIM_DAY, .calendar = 0, .bucket = SIM_MIN};
    mdl_quota *quota = mdl_quota_create(&qc, NULL);
    assert_non_null(quota);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.api = MDL_SPEC_API_REST;
    c.batch.page_size = 1;
    c.batch.chunk_size = 10000;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 30 * SIM_SEC;
    c.batch.record_time = 10 * SIM_MS;
    c.rest_quota = quota;
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 10000);

    assert_int_equal(sim_queue_run(f.q, SIM_HOUR + SIM_SEC), SIM_OK);
    assert_int_equal(mdl_quota_used(quota, SIM_HOUR + SIM_SEC), 5000);
    assert_int_equal(mdl_quota_take(quota, SIM_HOUR + SIM_SEC, 1), 0); /* the other user */
    assert_int_equal(mdl_quota_exhausted_at(quota), SIM_HOUR);         /* the batch's own 403 */

    assert_int_equal(sim_queue_run(f.q, 2 * SIM_DAY), SIM_OK);
    sim_time reopen = (60 + 1 + 1440) * SIM_MIN;
    assert_int_equal(f.nruns, 1);
    assert_int_equal(f.runs[0].end, reopen + 130 * SIM_SEC);
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_int_equal(s.rest_calls_used, 10000);
    assert_close(s.rest_wait_s, sim_time_to_seconds(reopen - SIM_HOUR), 1e-9);
    assert_int_equal(s.runs_skipped, 1); /* day 1 01:00: still waiting */
    assert_int_equal(s.overruns, 1);
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_ledger_publish(f.l, NULL, r, NULL), SIM_OK);
    assert_close(metric(r, "flow.F-1.calls"), 10000, 0);
    assert_close(metric(r, "flow.F-1.latency_max"), sim_time_to_seconds(reopen) + 130, 1e-6);
    sim_result_destroy(r);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    mdl_quota_destroy(quota);
    fx_fini(&f);
}

/* A REST batch of 1,000 one-record calls against a rate limit of 100 per
 * 60 s (1 s buckets, Retry-After in whole seconds). The run starts at
 * 01:00 = 3,600 s: 100 calls pass in bucket 3,600, the 101st is refused
 * with Retry-After = (3,600 + 1) + 60 - 3,600 = 61 s, so each further 100
 * pass at 3,661, 3,722, ...: the tenth hundred at 3,600 + 9 x 61 = 4,149 s,
 * after 9 refusals (429s, counted as calls but not against the quota).
 * With no overhead and no per-record time the run ends then. */
static void rest_batch_waits_out_the_rate_limit_retry_after(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_ratelimit_cfg rc = {.id = "erp", .limit = 100, .window = 60 * SIM_SEC, .bucket = SIM_SEC};
    mdl_ratelimit *rate = mdl_ratelimit_create(&rc, NULL);
    assert_non_null(rate);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.api = MDL_SPEC_API_REST;
    c.batch.page_size = 1;
    c.batch.chunk_size = 1000;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = 0;
    c.rest_rate = rate;
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 1000);
    assert_int_equal(sim_queue_run(f.q, SIM_DAY - SIM_SEC), SIM_OK);
    assert_int_equal(f.nruns, 1);
    assert_int_equal(f.runs[0].start, SIM_HOUR);
    assert_int_equal(f.runs[0].end, SIM_HOUR + 9 * 61 * SIM_SEC);
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_int_equal(s.rest_calls_used, 1000);
    assert_int_equal(s.rate_limited, 9);
    assert_int_equal(mdl_ratelimit_refused(rate), 9);
    assert_int_equal(mdl_ratelimit_accepted(rate), 1000);
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_ledger_publish(f.l, NULL, r, NULL), SIM_OK);
    assert_close(metric(r, "flow.F-1.calls"), 1009, 0);
    sim_result_destroy(r);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    mdl_ratelimit_destroy(rate);
    fx_fini(&f);
}

/* Failure rate 1: every attempt fails. Retried with the next run up to 2
 * times: runs 1 and 2 retry the 1,000 records, run 3 gives them up. */
static void failed_records_retried_next_run_are_given_up_after_the_retry_limit(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.chunk_size = 1000;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = 10 * SIM_MS;
    c.batch.failure_rate = 1.0;
    c.batch.retry_failed = MDL_SPEC_RETRY_NEXT_RUN;
    c.batch.retry_limit = 2;
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 1000);
    assert_int_equal(sim_queue_run(f.q, 4 * SIM_DAY), SIM_OK);

    assert_int_equal(f.nruns, 4);
    const uint64_t records[] = {1000, 1000, 1000, 0};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(f.runs[i].records, records[i]);
        assert_int_equal(f.runs[i].failed, records[i]);
        assert_int_equal(f.runs[i].written, 0);
    }
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_int_equal(s.failed_retried, 2000);
    assert_int_equal(s.failed_given_up, 1000);
    assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_DEAD_LETTERED, MDL_R_RETRIES), 1000);
    assert_int_equal(mdl_ledger_count(f.l, 0, MDL_DELIVERED), 0);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* The same, retried immediately: one run of 1 + 2 attempts, each 1,000 x
 * 10 ms = 10 s. */
static void failed_records_retried_immediately_cost_time_in_the_same_run(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.chunk_size = 1000;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = 10 * SIM_MS;
    c.batch.failure_rate = 1.0;
    c.batch.retry_failed = MDL_SPEC_RETRY_IMMEDIATE;
    c.batch.retry_limit = 2;
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 1000);
    assert_int_equal(sim_queue_run(f.q, SIM_DAY), SIM_OK);

    assert_int_equal(f.nruns, 1);
    assert_int_equal(f.runs[0].end - f.runs[0].start, 3 * 10 * SIM_SEC);
    assert_int_equal(f.runs[0].failed, 3000);
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_int_equal(s.failed_retried, 2000);
    assert_int_equal(s.failed_given_up, 1000);
    assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_DEAD_LETTERED, MDL_R_RETRIES), 1000);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* 100,000 records failing with p = 1 % each, retried at once up to 3
 * times: expected retries n (p + p^2 + p^3) = 1,010.1, given up n p^4 =
 * 0.001. The retry count is dominated by the first Binomial(1e5, 0.01)
 * (sd 31.5): tolerance 4 sd = 126. */
static void immediate_retries_follow_the_binomial_expectation(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.chunk_size = 1000;
    c.batch.concurrent_jobs = 4;
    c.batch.chunk_overhead = SIM_SEC;
    c.batch.record_time = SIM_MS;
    c.batch.failure_rate = 0.01;
    c.batch.retry_failed = MDL_SPEC_RETRY_IMMEDIATE;
    c.batch.retry_limit = 3;
    mdl_batch *b = make(&c);
    const double n = 100000, p = 0.01;
    mdl_batch_add(b, 0, (uint64_t)n);
    assert_int_equal(sim_queue_run(f.q, SIM_DAY), SIM_OK);

    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_close((double)s.failed_retried, n * (p + p * p + p * p * p), 4 * sqrt(n * p * (1 - p)));
    assert_true(s.failed_given_up <= 1); /* P(>= 2) ~ 5e-7 */
    assert_int_equal(s.delivered + s.failed_given_up, (uint64_t)n);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* A chunk of 1,000 records at 100 ms (100 s) with a 60 s job timeout is
 * abandoned at 60 s; with no retries its records are given up. */
static void job_timeout_abandons_the_chunk(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.chunk_size = 1000;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = 100 * SIM_MS;
    c.batch.job_timeout = 60 * SIM_SEC;
    c.batch.retry_limit = 0;
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 1000);
    assert_int_equal(sim_queue_run(f.q, SIM_DAY), SIM_OK);

    assert_int_equal(f.nruns, 1);
    assert_int_equal(f.runs[0].end - f.runs[0].start, 60 * SIM_SEC);
    assert_int_equal(f.runs[0].written, 0);
    assert_int_equal(mdl_ledger_count(f.l, 0, MDL_DEAD_LETTERED), 1000);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* Bulk batches of 10,000 with a 5 min limit and 2 automatic retries, at
 * 40 ms a record: a full batch needs 400 s and fails 3 times (3 x 300 s);
 * a chunk of 25,000 has two such batches and a last one of 5,000 (200 s,
 * fine). Duration 30 + 2 x 900 + 200 = 2,030 s; 20,000 records fail. */
static void bulk_batches_longer_than_the_time_limit_fail_on_every_retry(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.chunk_size = 25000;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 30 * SIM_SEC;
    c.batch.record_time = 40 * SIM_MS;
    c.batch.retry_limit = 0;
    c.bulk.records_per_batch = 10000;
    c.bulk.batch_time_limit = 5 * SIM_MIN;
    c.bulk.batch_retries = 2;
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 25000);
    assert_int_equal(sim_queue_run(f.q, SIM_DAY), SIM_OK);

    assert_int_equal(f.nruns, 1);
    assert_int_equal(f.runs[0].end - f.runs[0].start, (30 + 2 * 3 * 300 + 200) * SIM_SEC);
    assert_int_equal(f.runs[0].delivered, 5000);
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_int_equal(s.failed_given_up, 20000);
    assert_int_equal(s.bulk_batches_used, 3);
    /* what the verdict names as the cause: 2 batches x 3 attempts timed
     * out of 2 x 3 + 1 sent, taking 6 x 300 s of the job */
    assert_int_equal(s.bulk_batches_sent, 7);
    assert_int_equal(s.bulk_batches_timed_out, 6);
    assert_true(s.bulk_timeout_s == 1800.0);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* ---- the deadline rule: work finishing exactly at a deadline completes -- */

/* Window 100 s; one job; 2 chunks of 1,000 at 50 ms a record (50 s each,
 * no overhead): the second ends at start + 100 s, exactly the cutoff. By
 * the rule it completes: no overrun, 2,000 delivered, the run ends at
 * +100 s. With a 1 us overhead per chunk the second ends 2 us after the
 * cutoff: it is cut off, an overrun, 1,000 delivered. */
static void
a_run_ending_exactly_at_the_cutoff_completes_and_one_microsecond_later_is_cut(void **state)
{
    (void)state;
    for (int late = 0; late < 2; late++) {
        fx f;
        fx_init(&f);
        mdl_batch_cfg c = base_cfg(&f);
        c.batch.window = 100 * SIM_SEC;
        c.batch.chunk_size = 1000;
        c.batch.concurrent_jobs = 1;
        c.batch.chunk_overhead = late ? 1 : 0;
        c.batch.record_time = 50 * SIM_MS;
        mdl_batch *b = make(&c);
        mdl_batch_add(b, 0, 2000);
        assert_int_equal(sim_queue_run(f.q, SIM_HOUR + 200 * SIM_SEC), SIM_OK);
        assert_int_equal(f.nruns, 1);
        assert_int_equal(f.runs[0].end - f.runs[0].start, 100 * SIM_SEC);
        assert_int_equal(f.runs[0].cut_off, late);
        assert_int_equal(f.runs[0].overrun, late);
        assert_int_equal(f.runs[0].delivered, late ? 1000 : 2000);
        check_conservation(&f, b);
        mdl_batch_destroy(b);
        fx_fini(&f);
    }
}

/* No window, every hour from 0: each run holds 3,600 records at 1 s a
 * record on one job, so it ends exactly at the next start. By the rule the
 * run completes before that start is judged: no overrun, no skipped start,
 * a new run every hour (4 runs started in [0, 3 h], 3 ended by 3 h). */
static void a_run_ending_exactly_at_the_next_start_is_no_overrun(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.schedule = (mdl_schedule){.kind = MDL_SCHEDULE_EVERY, .period = SIM_HOUR};
    c.batch.chunk_size = 100000;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = SIM_SEC;
    c.batch.selection = MDL_SPEC_SELECTION_FULL;
    c.batch.dataset = 3600;
    mdl_batch *b = make(&c);
    assert_int_equal(sim_queue_run(f.q, 3 * SIM_HOUR), SIM_OK);
    mdl_batch_stats s;
    mdl_batch_stats_get(b, &s);
    assert_int_equal(s.runs, 3);
    assert_int_equal(s.overruns, 0);
    assert_int_equal(s.runs_skipped, 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f.runs[i].start, i * SIM_HOUR);
        assert_int_equal(f.runs[i].end, (i + 1) * SIM_HOUR);
    }
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* A chunk of exactly job_timeout (1,000 records x 60 ms = 60 s) completes;
 * a chunk of 1,000 x 60.001 ms (60.001 s) is abandoned at 60 s. */
static void a_chunk_of_exactly_the_job_timeout_completes(void **state)
{
    (void)state;
    for (int late = 0; late < 2; late++) {
        fx f;
        fx_init(&f);
        mdl_batch_cfg c = base_cfg(&f);
        c.batch.chunk_size = 1000;
        c.batch.concurrent_jobs = 1;
        c.batch.chunk_overhead = 0;
        c.batch.record_time = 60 * SIM_MS + late;
        c.batch.job_timeout = 60 * SIM_SEC;
        c.batch.retry_limit = 0;
        mdl_batch *b = make(&c);
        mdl_batch_add(b, 0, 1000);
        assert_int_equal(sim_queue_run(f.q, SIM_DAY), SIM_OK);
        assert_int_equal(f.runs[0].end - f.runs[0].start, 60 * SIM_SEC);
        assert_int_equal(f.runs[0].delivered, late ? 0 : 1000);
        check_conservation(&f, b);
        mdl_batch_destroy(b);
        fx_fini(&f);
    }
}

/* A bulk batch of exactly batch_time_limit (10,000 records x 30 ms = 300 s
 * = 5 min) succeeds; at 30 ms + 1 us a record (300.01 s) it fails on its
 * one try and its retry: 2 x 300 s, nothing written. */
static void a_bulk_batch_of_exactly_the_time_limit_succeeds(void **state)
{
    (void)state;
    for (int late = 0; late < 2; late++) {
        fx f;
        fx_init(&f);
        mdl_batch_cfg c = base_cfg(&f);
        c.batch.chunk_size = 10000;
        c.batch.concurrent_jobs = 1;
        c.batch.chunk_overhead = 0;
        c.batch.record_time = 30 * SIM_MS + late;
        c.batch.retry_limit = 0;
        c.bulk.records_per_batch = 10000;
        c.bulk.batch_time_limit = 5 * SIM_MIN;
        c.bulk.batch_retries = 1;
        mdl_batch *b = make(&c);
        mdl_batch_add(b, 0, 10000);
        assert_int_equal(sim_queue_run(f.q, SIM_DAY), SIM_OK);
        assert_int_equal(f.runs[0].end - f.runs[0].start, (late ? 600 : 300) * SIM_SEC);
        assert_int_equal(f.runs[0].delivered, late ? 0 : 10000);
        check_conservation(&f, b);
        mdl_batch_destroy(b);
        fx_fini(&f);
    }
}

/* ---- extraction costs the source ---------------------------------------- */

/* 10,000 records in chunks of 2,000 read from a source with 500-record
 * query pages (REST): 4 calls per chunk, 20 in all, counted in the flow's
 * calls; with bulk query jobs: one job and 2 calls per chunk (5 jobs, 10
 * calls), and with query_counts_batches one 10,000-record batch per chunk
 * of 2,000 (5 batches). A retried chunk is not read again. */
static void extraction_spends_the_sources_pools_per_chunk(void **state)
{
    (void)state;
    for (int kind = 0; kind < 3; kind++) {
        fx f;
        fx_init(&f);
        mdl_quota_cfg qc = {.limit = 1e9, .window = SIM_DAY};
        mdl_quota *calls = mdl_quota_create(&qc, NULL), *jobs = mdl_quota_create(&qc, NULL);
        mdl_quota *batches = mdl_quota_create(&qc, NULL);
        mdl_batch_cfg c = base_cfg(&f);
        c.batch.chunk_size = 2000;
        c.extract =
            (mdl_extract_cfg){.kind = kind == 0 ? MDL_SPEC_EXTRACT_REST : MDL_SPEC_EXTRACT_BULK,
                              .quota = calls,
                              .query_jobs = jobs,
                              .batches = kind == 2 ? batches : NULL,
                              .page_size = 500,
                              .query_job_calls = 2,
                              .counts_batches = kind == 2};
        mdl_batch *b = make(&c);
        mdl_batch_add(b, 0, 10000);
        assert_int_equal(sim_queue_run(f.q, SIM_DAY), SIM_OK);
        mdl_batch_stats st;
        mdl_batch_stats_get(b, &st);
        assert_int_equal(st.extract_calls_used, kind == 0 ? 20 : 10);
        assert_int_equal(st.extract_query_jobs_used, kind == 0 ? 0 : 5);
        assert_int_equal(st.extract_batches_used, kind == 2 ? 5 : 0);
        assert_int_equal(mdl_quota_used(calls, SIM_DAY - 1), kind == 0 ? 20 : 10);
        assert_int_equal(mdl_quota_used(jobs, SIM_DAY - 1), kind == 0 ? 0 : 5);
        sim_result *r = sim_result_create(NULL);
        uint64_t pending = 0;
        assert_int_equal(mdl_ledger_publish(f.l, &pending, r, NULL), SIM_OK);
        assert_close(metric(r, "flow.F-1.calls"), kind == 0 ? 20 : 10, 0);
        sim_result_destroy(r);
        mdl_batch_destroy(b);
        mdl_quota_destroy(calls);
        mdl_quota_destroy(jobs);
        mdl_quota_destroy(batches);
        fx_fini(&f);
    }
}

/* The source's quota runs out: 4,000 records, chunks of 2,000 on one job,
 * 1,000-record pages (2 calls a chunk), a source quota of 3 calls per
 * rolling 24 h, instant work, one run at 01:00 (3,600 s). Chunk 1 takes 2
 * calls (minute bucket 60); chunk 2 takes the last one, is refused the
 * next and waits until bucket 60 leaves the window at 61 min + 24 h =
 * 90,060 s, then takes it and is written: the run lasts 86,460 s, 4 calls,
 * 1 refused, 86,460 s of waiting for the source. */
static void a_batch_waits_when_its_sources_quota_runs_out(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_quota_cfg qc = {.limit = 3, .window = SIM_DAY};
    mdl_quota *calls = mdl_quota_create(&qc, NULL);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.schedule =
        (mdl_schedule){.kind = MDL_SCHEDULE_EVERY, .period = 10 * SIM_DAY, .offset = SIM_HOUR};
    c.batch.chunk_size = 2000;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = 0;
    c.extract = (mdl_extract_cfg){.kind = MDL_SPEC_EXTRACT_REST, .quota = calls, .page_size = 1000};
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 4000);
    assert_int_equal(sim_queue_run(f.q, 3 * SIM_DAY), SIM_OK);
    assert_int_equal(f.nruns, 1);
    assert_int_equal(f.runs[0].end - f.runs[0].start, 86460 * SIM_SEC);
    mdl_batch_stats st;
    mdl_batch_stats_get(b, &st);
    assert_int_equal(st.extract_calls_used, 4);
    assert_int_equal(st.refused, 1);
    assert_close(st.extract_wait_s, 86460.0, 1e-9);
    assert_int_equal(mdl_ledger_count(f.l, 0, MDL_DELIVERED), 4000);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    mdl_quota_destroy(calls);
    fx_fini(&f);
}

/* A full selection of 10,000 records growing 12% a month in steps: runs
 * every 20 days (0, 20, 40, 60, 80 d) are in months 0, 0, 1, 1, 2 (30.4375
 * days each) and select 10,000, 10,000, 11,200, 11,200 and 12,544 records.
 * Continuous growth selects 10,000 x 1.12^(t / month) instead: 10,773 at
 * 20 d. */
static void full_selection_grows_in_monthly_steps(void **state)
{
    (void)state;
    for (int monthly = 1; monthly >= 0; monthly--) {
        fx f;
        fx_init(&f);
        mdl_batch_cfg c = base_cfg(&f);
        c.batch.schedule = (mdl_schedule){.kind = MDL_SCHEDULE_EVERY, .period = 20 * SIM_DAY};
        c.batch.selection = MDL_SPEC_SELECTION_FULL;
        c.batch.dataset = 10000;
        c.batch.record_time = 0;
        c.growth = 0.12;
        c.growth_monthly = monthly;
        mdl_batch *b = make(&c);
        assert_int_equal(sim_queue_run(f.q, 81 * SIM_DAY), SIM_OK);
        assert_int_equal(f.nruns, 5);
        const uint64_t stepped[] = {10000, 10000, 11200, 11200, 12544};
        for (int i = 0; i < 5; i++) {
            uint64_t want =
                monthly ? stepped[i] : (uint64_t)llround(10000 * pow(1.12, i * 20 / 30.4375));
            assert_int_equal(f.runs[i].records, want);
        }
        if (!monthly)
            assert_int_equal(f.runs[1].records, 10773);
        mdl_batch_destroy(b);
        fx_fini(&f);
    }
}

/* A NetSuite-style CSV import (REFERENCE.md E: 25,000 records per job):
 * 60,000 records make 3 files, imported one after another at 10 ms a
 * record after a 2 h manual review: 7,200 + 600 s. A 10 MB file limit with
 * 2,000-byte records makes files of 5,000 records instead. */
static void file_import_splits_by_record_limit_and_waits_for_review(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_filejob_spec fs;
    mdl_filejob_spec_init(&fs);
    fs.max_records = 25000;
    fs.review_delay = 2 * SIM_HOUR;
    fs.record_time = 10 * SIM_MS;
    mdl_batch_cfg c = base_cfg(&f);
    mdl_batch_cfg_file(&c, &fs, 2000);
    assert_int_equal(c.batch.chunk_size, 25000);
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 60000);
    assert_int_equal(sim_queue_run(f.q, SIM_DAY), SIM_OK);

    assert_int_equal(f.nruns, 1);
    assert_int_equal(f.runs[0].chunks, 3);
    assert_int_equal(f.runs[0].end - f.runs[0].start, (7200 + 600) * SIM_SEC);
    assert_int_equal(mdl_ledger_count(f.l, 0, MDL_DELIVERED), 60000);
    check_conservation(&f, b);
    mdl_batch_destroy(b);

    mdl_batch_cfg c2 = base_cfg(&f);
    fs.max_file_size = 10e6;
    mdl_batch_cfg_file(&c2, &fs, 2000);
    assert_int_equal(c2.batch.chunk_size, 5000);
    fx_fini(&f);
}

/* The write hook sees every chunk written: 10,000 records in chunks of
 * 3,000 are 4 writes. */
static void write_hook_sees_every_chunk_written(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.chunk_size = 3000;
    c.batch.concurrent_jobs = 2;
    c.batch.record_time = SIM_MS;
    c.write_hook = on_write;
    c.write_ctx = &f;
    c.target_system = 7;
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 10000);
    assert_int_equal(sim_queue_run(f.q, SIM_DAY), SIM_OK);

    assert_int_equal(f.hook_calls, 4);
    assert_int_equal(f.hook_records, 10000);
    assert_int_equal(f.hook_target, 7);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* Runs every `period` collect a Poisson stream of 50,000 records a day
 * and take no time, so a record's staleness is the time to the next run:
 * uniform on (0, period), mean period / 2. Returns the mean staleness
 * after checking the counts: what arrived after the last run is pending. */
static double mean_staleness(sim_time period, sim_time horizon, int runs)
{
    fx f;
    fx_init(&f);
    mdl_arrivals_cfg ac;
    memset(&ac, 0, sizeof ac);
    ac.base_rate = 50000.0 / 86400.0;
    ac.load_multiplier = 1;
    gsl_rng *arng = sim_rng_create(42, 0, "arrivals", NULL);
    assert_non_null(arng);
    mdl_arrivals *arr = mdl_arrivals_create(&ac, arng, NULL);
    assert_non_null(arr);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.schedule = (mdl_schedule){.kind = MDL_SCHEDULE_EVERY, .period = period};
    c.batch.chunk_size = 10000;
    c.batch.concurrent_jobs = 3;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = 0;
    c.arrivals = arr;
    mdl_batch *b = make(&c);
    assert_int_equal(sim_queue_run(f.q, horizon), SIM_OK);
    mdl_batch_pull(b, horizon);

    assert_int_equal(f.nruns, runs);
    uint64_t delivered = 0;
    for (int i = 0; i < runs && i < MAX_RUNS; i++)
        delivered += f.runs[i].delivered;
    if (runs <= MAX_RUNS)
        assert_int_equal(mdl_ledger_count(f.l, 0, MDL_DELIVERED), delivered);
    assert_true(mdl_batch_pending(b) > 0); /* arrivals after the last run */
    check_conservation(&f, b);
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_ledger_publish(f.l, NULL, r, NULL), SIM_OK);
    double mean = metric(r, "flow.F-1.latency_mean");
    sim_result_destroy(r);
    mdl_batch_destroy(b);
    mdl_arrivals_destroy(arr);
    sim_rng_destroy(arng);
    fx_fini(&f);
    return mean;
}

/* Daily runs at midnight over 4 days (~200,000 records): the sample mean
 * of U(0, 86,400) has sd 86,400 / sqrt(12) / sqrt(200,000) = 56 s:
 * tolerance 4 sd = 224 s. */
static void pulled_arrivals_wait_half_a_day_on_average(void **state)
{
    (void)state;
    assert_close(mean_staleness(SIM_DAY, 4 * SIM_DAY + SIM_HOUR, 5), 43200, 224);
}

/* Micro-batch: the same model every 5 minutes for a day (~50,000 records,
 * 288 runs): mean staleness 150 s, sd of the mean 300 / sqrt(12) /
 * sqrt(50,000) = 0.39 s: tolerance 4 sd = 1.55 s. */
static void micro_batch_every_five_minutes_waits_two_and_a_half_on_average(void **state)
{
    (void)state;
    assert_close(mean_staleness(5 * SIM_MIN, SIM_DAY - SIM_SEC, 288), 150, 1.55);
}

/* A one-off load of 100,000 records spread over 10 h from 02:00: chunk c of
 * 10 (10,000 records, 10 s at 1 ms) may not start before 02:00 + c hours,
 * so the last ends at 11:00:10. With CDC on, the write hook sees each
 * chunk; with CDC off, none. */
static void bulk_load_spreads_its_chunks_and_calls_the_hook_only_with_cdc(void **state)
{
    (void)state;
    for (int cdc = 0; cdc <= 1; cdc++) {
        fx f;
        fx_init(&f);
        mdl_batch_cfg c = base_cfg(&f);
        c.write_hook = on_write;
        c.write_ctx = &f;
        mdl_fault_spec fault;
        mdl_fault_spec_init(&fault);
        strcpy(fault.id, "load");
        fault.kind = MDL_SPEC_FAULT_BULK_LOAD;
        fault.system_index = 2;
        fault.start = 2 * SIM_HOUR;
        fault.duration = 10 * SIM_HOUR;
        fault.records = 100000;
        fault.cdc = cdc;
        fault.chunk_size = 10000;
        fault.concurrent_jobs = 10;
        fault.chunk_overhead = 0;
        fault.record_time = SIM_MS;
        fault.record_time_cv = 0;
        mdl_batch_cfg_bulk_load(&c, &fault);
        mdl_batch *b = make(&c);
        assert_int_equal(sim_queue_run(f.q, 2 * SIM_DAY), SIM_OK);

        assert_int_equal(f.nruns, 1);
        assert_int_equal(f.runs[0].start, 2 * SIM_HOUR);
        assert_int_equal(f.runs[0].end, 11 * SIM_HOUR + 10 * SIM_SEC);
        assert_int_equal(f.runs[0].written, 100000);
        assert_int_equal(f.hook_calls, cdc ? 10 : 0);
        assert_int_equal(f.hook_records, cdc ? 100000 : 0);
        if (cdc)
            assert_int_equal(f.hook_target, 2);
        mdl_batch_destroy(b);
        fx_fini(&f);
    }
}

/* A full run of 10,000 records in 4 chunks of 2,500 (25 s each at 10 ms)
 * carries 1,000 changes spread evenly: 250 per chunk, delivered at +25,
 * +50, +75 and +100 s after 01:00. */
static void full_selection_spreads_the_changes_over_its_chunks(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.selection = MDL_SPEC_SELECTION_FULL;
    c.batch.dataset = 10000;
    c.batch.chunk_size = 2500;
    c.batch.concurrent_jobs = 1;
    c.batch.chunk_overhead = 0;
    c.batch.record_time = 10 * SIM_MS;
    mdl_batch *b = make(&c);
    mdl_batch_add(b, 0, 1000);
    assert_int_equal(sim_queue_run(f.q, SIM_DAY - 1), SIM_OK);

    assert_int_equal(f.nruns, 1);
    assert_int_equal(f.runs[0].records, 10000);
    assert_int_equal(f.runs[0].written, 10000);
    assert_int_equal(f.runs[0].delivered, 1000);
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_ledger_publish(f.l, NULL, r, NULL), SIM_OK);
    assert_close(metric(r, "flow.F-1.latency_mean"), 3600 + (25 + 50 + 75 + 100) / 4.0, 1e-6);
    sim_result_destroy(r);
    check_conservation(&f, b);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* A full pass cut off with checkpoint resumes with the positions left
 * (6,000, then 2,000); after a successful run the next pass is whole. */
static void full_selection_with_checkpoint_resumes_the_pass(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = cutoff_cfg(&f, 1);
    c.batch.selection = MDL_SPEC_SELECTION_FULL;
    c.batch.dataset = 10000;
    mdl_batch *b = make(&c);
    assert_int_equal(sim_queue_run(f.q, 4 * SIM_DAY), SIM_OK);

    assert_int_equal(f.nruns, 4);
    const uint64_t records[] = {10000, 6000, 2000, 10000};
    for (int i = 0; i < 4; i++)
        assert_int_equal(f.runs[i].records, records[i]);
    assert_int_equal(f.runs[1].resumed, 1);
    assert_int_equal(f.runs[3].resumed, 0);
    mdl_batch_destroy(b);
    fx_fini(&f);
}

/* The job is configured from a flow and its target as the scenario gives
 * them; a file flow becomes a file import. */
static void cfg_from_flow_takes_the_flow_and_target_specs(void **state)
{
    (void)state;
    mdl_flow_spec fl;
    mdl_flow_spec_init(&fl);
    strcpy(fl.id, "F-9");
    fl.pattern = MDL_SPEC_PATTERN_BATCH;
    fl.arrival.growth = 0.05;
    fl.target_index = 3;
    fl.batch.chunk_size = 777;
    mdl_system_spec sys;
    mdl_system_spec_init(&sys);
    mdl_batch_bulk_defaults(&sys.bulk);
    mdl_batch_cfg c;
    mdl_batch_cfg_init(&c);
    mdl_batch_cfg_from_flow(&c, &fl, &sys, 2);
    assert_string_equal(c.id, "F-9");
    assert_int_equal(c.batch.chunk_size, 777);
    assert_close(c.growth, 0.05, 0);
    assert_int_equal(c.target_system, 3);
    assert_int_equal(c.first_weekday, 2);
    assert_close(c.bulk.batches_per_day, MDL_BULK_BATCHES_PER_DAY, 0);
    assert_int_equal(c.file_import, 0);
    fl.pattern = MDL_SPEC_PATTERN_FILE;
    fl.file.max_records = 25000;
    mdl_batch_cfg_from_flow(&c, &fl, &sys, 2);
    assert_int_equal(c.file_import, 1);
    assert_int_equal(c.batch.chunk_size, 25000);

    mdl_quota *pb = NULL, *pr = NULL;
    sys.bulk.records_per_day = 0; /* none */
    assert_int_equal(mdl_batch_bulk_pools_create(&sys.bulk, &pb, &pr, NULL), SIM_OK);
    assert_non_null(pb);
    assert_null(pr);
    assert_close(mdl_quota_limit(pb), 15000, 0);
    mdl_quota_destroy(pb);
    sys.bulk.enabled = 0;
    assert_int_equal(mdl_batch_bulk_pools_create(&sys.bulk, &pb, &pr, NULL), SIM_OK);
    assert_null(pb);
    assert_null(pr);
    mdl_system_spec_fini(&sys);
    mdl_flow_spec_fini(&fl);
}

static void create_rejects_bad_configs(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    sim_err err;
    mdl_batch_cfg c = base_cfg(&f);
    c.batch.chunk_size = 0;
    assert_null(mdl_batch_create(&c, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    c = base_cfg(&f);
    c.batch.failure_rate = 1.5;
    assert_null(mdl_batch_create(&c, &err));
    c = base_cfg(&f);
    c.batch.failure_rate = 0.1;
    c.rng = NULL;
    assert_null(mdl_batch_create(&c, &err));
    c = base_cfg(&f);
    c.id = NULL;
    assert_null(mdl_batch_create(&c, &err));
    c = base_cfg(&f);
    c.growth = -1;
    assert_null(mdl_batch_create(&c, &err));
    fx_fini(&f);
}

/* Every allocation of create may fail: it returns NULL and frees what it
 * made (the sanitizer build checks the leaks). */
static void create_survives_allocation_failures(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    mdl_batch_cfg c = base_cfg(&f);
    c.series_interval = SIM_HOUR;
    c.series_bins = 24;
    int made = 0;
    for (long n = 1; n < 100 && !made; n++) {
        sim_alloc_fail_after(n);
        mdl_batch *b = mdl_batch_create(&c, NULL);
        sim_alloc_fail_reset();
        made = b != NULL;
        mdl_batch_destroy(b);
    }
    assert_true(made);
    fx_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_jobs_write_ten_thousand_records_in_150_s),
        cmocka_unit_test(bulk_cap_of_15000_batches_a_day_stretches_200m_records_past_a_day),
        cmocka_unit_test(checkpoint_resumes_where_the_cutoff_stopped),
        cmocka_unit_test(without_checkpoint_a_cut_off_job_redoes_its_work_forever),
        cmocka_unit_test(full_selection_grows_compounded_per_month),
        cmocka_unit_test(overlap_skip_drops_starts_while_a_run_is_going),
        cmocka_unit_test(overlap_queue_starts_late_runs_back_to_back),
        cmocka_unit_test(projection_recovers_the_crossing_month_of_an_exact_exponential_trend),
        cmocka_unit_test(projection_is_nan_without_growth_and_einval_without_data),
        cmocka_unit_test(model_projects_the_overrun_month_of_a_growing_nightly_job),
        cmocka_unit_test(rest_batch_exhausting_a_shared_quota_makes_it_refuse_other_callers),
        cmocka_unit_test(rest_batch_waits_out_the_rate_limit_retry_after),
        cmocka_unit_test(failed_records_retried_next_run_are_given_up_after_the_retry_limit),
        cmocka_unit_test(failed_records_retried_immediately_cost_time_in_the_same_run),
        cmocka_unit_test(immediate_retries_follow_the_binomial_expectation),
        cmocka_unit_test(job_timeout_abandons_the_chunk),
        cmocka_unit_test(
            a_run_ending_exactly_at_the_cutoff_completes_and_one_microsecond_later_is_cut),
        cmocka_unit_test(a_run_ending_exactly_at_the_next_start_is_no_overrun),
        cmocka_unit_test(a_chunk_of_exactly_the_job_timeout_completes),
        cmocka_unit_test(a_bulk_batch_of_exactly_the_time_limit_succeeds),
        cmocka_unit_test(extraction_spends_the_sources_pools_per_chunk),
        cmocka_unit_test(a_batch_waits_when_its_sources_quota_runs_out),
        cmocka_unit_test(full_selection_grows_in_monthly_steps),
        cmocka_unit_test(bulk_batches_longer_than_the_time_limit_fail_on_every_retry),
        cmocka_unit_test(file_import_splits_by_record_limit_and_waits_for_review),
        cmocka_unit_test(write_hook_sees_every_chunk_written),
        cmocka_unit_test(pulled_arrivals_wait_half_a_day_on_average),
        cmocka_unit_test(micro_batch_every_five_minutes_waits_two_and_a_half_on_average),
        cmocka_unit_test(bulk_load_spreads_its_chunks_and_calls_the_hook_only_with_cdc),
        cmocka_unit_test(full_selection_spreads_the_changes_over_its_chunks),
        cmocka_unit_test(full_selection_with_checkpoint_resumes_the_pass),
        cmocka_unit_test(cfg_from_flow_takes_the_flow_and_target_specs),
        cmocka_unit_test(create_rejects_bad_configs),
        cmocka_unit_test(create_survives_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
