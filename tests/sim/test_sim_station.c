/*
 * Unit tests of sim_station: hand-computed schedules (exact, integer
 * microseconds), blocking at capacity K, FIFO order, warm-up deletion,
 * service_fn, allocation failures and the no-allocation-per-job promise.
 * The statistical behaviour against queueing theory is checked separately
 * in tests/validation/test_queueing_theory.c.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_alloc.h"
#include "sim_err.h"
#include "sim_queue.h"
#include "sim_rng.h"
#include "sim_station.h"
#include "sim_stats.h"
#include "sim_time.h"

/* Time-weighted means are ratios of exact integer areas; 1e-9 only absorbs
 * the rounding of the final division. */
#define EPS 1e-9

/* What the done callback saw, in completion order. */
#define MAX_DONE 64
struct log {
    int n;
    uint64_t job[MAX_DONE];
    sim_time wait[MAX_DONE], sojourn[MAX_DONE], at[MAX_DONE];
};

static void record_done(void *ctx, uint64_t job, sim_time wait, sim_time sojourn, sim_time now)
{
    struct log *l = ctx;
    assert_true(l->n < MAX_DONE);
    l->job[l->n] = job;
    l->wait[l->n] = wait;
    l->sojourn[l->n] = sojourn;
    l->at[l->n] = now;
    l->n++;
}

/* A scripted arrival: the event's arg is the job id, ctx the station. The
 * result of each arrival is stored in results[job]. */
static int results[MAX_DONE];

static void arrive_ev(void *ctx, uint64_t arg, sim_time now)
{
    (void)now;
    results[arg] = sim_station_arrive(ctx, arg);
}

/* A station with c servers, capacity K and constant service `service_s`
 * seconds, logging completions into l. rng must outlive the station. */
static sim_station *make_const_station(sim_queue *q, gsl_rng *rng, int c, int k, double service_s,
                                       struct log *l)
{
    sim_station_cfg cfg = {
        .servers = c, .capacity = k, .rng = rng, .done = record_done, .done_ctx = l};
    assert_int_equal(sim_dist_const(service_s, &cfg.service, NULL), SIM_OK);
    sim_err err;
    sim_station *st = sim_station_create(q, &cfg, &err);
    assert_non_null(st);
    return st;
}

static void schedule_arrivals(sim_queue *q, sim_station *st, const sim_time *at, int n)
{
    for (int i = 0; i < n; i++)
        assert_int_not_equal(sim_queue_push(q, at[i], arrive_ev, st, (uint64_t)i), SIM_EVENT_NONE);
}

/*
 * Two servers, constant service 10 s, arrivals at 0, 1, 2, 3 s.
 *
 *   t=0   job 0 arrives, server 0 idle  -> service 0..10, wait 0
 *   t=1   job 1 arrives, server 1 idle  -> service 1..11, wait 0
 *   t=2   job 2 arrives, both busy      -> waits (queue 1)
 *   t=3   job 3 arrives, both busy      -> waits (queue 2)
 *   t=10  job 0 done (sojourn 10); job 2 starts: wait 10 - 2 = 8, ends 20
 *   t=11  job 1 done (sojourn 10); job 3 starts: wait 11 - 3 = 8, ends 21
 *   t=20  job 2 done (sojourn 20 - 2 = 18)
 *   t=21  job 3 done (sojourn 21 - 3 = 18)
 *
 * Levels over [0, 21] (interval: in system / in queue / busy):
 *   [0,1) 1/0/1  [1,2) 2/0/2  [2,3) 3/1/2  [3,10) 4/2/2
 *   [10,11) 3/1/2  [11,20) 2/0/2  [20,21) 1/0/1
 * Areas: L = 1+2+3+28+3+18+1 = 56, Lq = 1+14+1 = 16, busy = 1+2+2+14+2+18+1 = 40,
 * so L = 56/21, Lq = 16/21, busy = 40/21. Little: lambda = 4/21, W = 14 s,
 * lambda * W = 56/21 = L.
 */
static void two_servers_constant_service_match_the_hand_schedule(void **state)
{
    (void)state;
    struct log l = {0};
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    assert_non_null(rng);
    sim_station *st = make_const_station(q, rng, 2, 0, 10.0, &l);
    const sim_time at[] = {0, 1 * SIM_SEC, 2 * SIM_SEC, 3 * SIM_SEC};
    schedule_arrivals(q, st, at, 4);

    /* At t = 5 s: two in service, two waiting. */
    assert_int_equal(sim_queue_run(q, 5 * SIM_SEC), SIM_OK);
    assert_int_equal(sim_station_in_system(st), 4);
    assert_int_equal(sim_station_busy(st), 2);

    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(sim_queue_now(q), 21 * SIM_SEC);
    assert_int_equal(l.n, 4);
    const uint64_t jobs[] = {0, 1, 2, 3};
    const sim_time waits[] = {0, 0, 8 * SIM_SEC, 8 * SIM_SEC};
    const sim_time sojourns[] = {10 * SIM_SEC, 10 * SIM_SEC, 18 * SIM_SEC, 18 * SIM_SEC};
    const sim_time ends[] = {10 * SIM_SEC, 11 * SIM_SEC, 20 * SIM_SEC, 21 * SIM_SEC};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(l.job[i], jobs[i]);
        assert_int_equal(l.wait[i], waits[i]);
        assert_int_equal(l.sojourn[i], sojourns[i]);
        assert_int_equal(l.at[i], ends[i]);
        assert_int_equal(results[i], SIM_OK);
    }

    sim_station_stats s;
    sim_station_stats_get(st, &s);
    assert_int_equal(s.arrivals, 4);
    assert_int_equal(s.blocked, 0);
    assert_int_equal(s.served, 4);
    assert_int_equal(s.wait.n, 4);
    assert_float_equal(s.wait.mean, 4.0, EPS); /* (0+0+8+8)/4 */
    assert_float_equal(s.wait.max, 8.0, EPS);
    assert_float_equal(s.sojourn.mean, 14.0, EPS); /* (10+10+18+18)/4 */
    assert_float_equal(s.mean_in_system, 56.0 / 21.0, EPS);
    assert_float_equal(s.mean_in_queue, 16.0 / 21.0, EPS);
    assert_float_equal(s.mean_busy, 40.0 / 21.0, EPS);
    assert_int_equal(sim_station_in_system(st), 0);
    assert_int_equal(sim_station_busy(st), 0);

    sim_station_destroy(st);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

/* Freed servers are taken again before the never-used ones (the idle
 * stack of sim_station.c's Layout), each by one job at a time. Three
 * servers, constant service 10 s, arrivals at 0, 1 (servers 0 and 1,
 * freed at 10 and 11), 20, 21 (the freed 1 and 0), 22 (the never-used 2,
 * all three busy), 23 (waits for 30), then 50 to 53 again. Every job must
 * come out with its own arrival: wait 0 and sojourn 10 s, except job 5
 * (wait 7 s) and job 9 (wait 7 s). */
static void freed_servers_serve_one_job_each(void **state)
{
    (void)state;
    struct log l = {0};
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    assert_non_null(rng);
    sim_station *st = make_const_station(q, rng, 3, 0, 10.0, &l);
    const sim_time at[] = {0,
                           1 * SIM_SEC,
                           20 * SIM_SEC,
                           21 * SIM_SEC,
                           22 * SIM_SEC,
                           23 * SIM_SEC,
                           50 * SIM_SEC,
                           51 * SIM_SEC,
                           52 * SIM_SEC,
                           53 * SIM_SEC};
    schedule_arrivals(q, st, at, 10);
    assert_int_equal(sim_queue_run(q, 22 * SIM_SEC + 1), SIM_OK);
    assert_int_equal(sim_station_busy(st), 3);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(l.n, 10);
    const uint64_t jobs[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const sim_time ends[] = {10, 11, 30, 31, 32, 40, 60, 61, 62, 70};
    for (int i = 0; i < 10; i++) {
        sim_time w = (i == 5 || i == 9) ? 7 * SIM_SEC : 0;
        assert_int_equal(l.job[i], jobs[i]);
        assert_int_equal(l.wait[i], w);
        assert_int_equal(l.sojourn[i], w + 10 * SIM_SEC);
        assert_int_equal(l.at[i], ends[i] * SIM_SEC);
    }
    assert_int_equal(sim_station_busy(st), 0);
    assert_int_equal(sim_station_in_system(st), 0);
    sim_station_destroy(st);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

/*
 * One server, K = 2 (one in service + one waiting), constant service 10 s,
 * arrivals at 0, 1, 2, 3, 12, 13, 14 s:
 *
 *   t=0   job 0 enters service (n=1), ends 10
 *   t=1   job 1 waits (n=2)
 *   t=2   job 2 blocked (n=2=K)
 *   t=3   job 3 blocked
 *   t=10  job 0 done; job 1 starts (n=1), ends 20
 *   t=12  job 4 waits (n=2)
 *   t=13  job 5 blocked
 *   t=14  job 6 blocked
 *   t=20  job 1 done; job 4 starts, ends 30
 *   t=30  job 4 done
 *
 * Blocked: 4 of 7 arrivals (jobs 2, 3, 5, 6); served 0, 1, 4.
 */
static void capacity_blocks_arrivals_that_find_k_present(void **state)
{
    (void)state;
    struct log l = {0};
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    assert_non_null(rng);
    sim_station *st = make_const_station(q, rng, 1, 2, 10.0, &l);
    const sim_time at[] = {
        0, 1 * SIM_SEC, 2 * SIM_SEC, 3 * SIM_SEC, 12 * SIM_SEC, 13 * SIM_SEC, 14 * SIM_SEC};
    schedule_arrivals(q, st, at, 7);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);

    const int expect[] = {SIM_OK, SIM_OK, SIM_EFULL, SIM_EFULL, SIM_OK, SIM_EFULL, SIM_EFULL};
    for (int i = 0; i < 7; i++)
        assert_int_equal(results[i], expect[i]);
    sim_station_stats s;
    sim_station_stats_get(st, &s);
    assert_int_equal(s.arrivals, 7);
    assert_int_equal(s.blocked, 4);
    assert_int_equal(s.served, 3);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.job[0], 0);
    assert_int_equal(l.job[1], 1);
    assert_int_equal(l.job[2], 4);
    assert_int_equal(l.at[2], 30 * SIM_SEC);
    assert_int_equal(l.wait[2], 8 * SIM_SEC); /* arrived 12, started 20 */

    sim_station_destroy(st);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

/* K = c is a pure loss system (Erlang B): no one ever waits. Two servers,
 * K = 2, service 10 s, arrivals at 0, 0, 0, 5, 10 s: the third arrival at 0
 * and the one at 5 are blocked; at 10 both services end before the arrival
 * at 10 (they were pushed earlier, and equal times fire in push order), so
 * it is served. */
static void capacity_equal_to_servers_is_a_loss_system(void **state)
{
    (void)state;
    struct log l = {0};
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    assert_non_null(rng);
    sim_station *st = make_const_station(q, rng, 2, 2, 10.0, &l);
    /* The arrival at 10 s is pushed from an event at 5 s, i.e. after the
     * completions (pushed at 0 s), so it fires after them. */
    const sim_time at[] = {0, 0, 0, 5 * SIM_SEC};
    schedule_arrivals(q, st, at, 4);
    assert_int_equal(sim_queue_run(q, 5 * SIM_SEC), SIM_OK);
    assert_int_not_equal(sim_queue_push(q, 10 * SIM_SEC, arrive_ev, st, 4), SIM_EVENT_NONE);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);

    const int expect[] = {SIM_OK, SIM_OK, SIM_EFULL, SIM_EFULL, SIM_OK};
    for (int i = 0; i < 5; i++)
        assert_int_equal(results[i], expect[i]);
    sim_station_stats s;
    sim_station_stats_get(st, &s);
    assert_int_equal(s.blocked, 2);
    assert_int_equal(s.served, 3);
    assert_float_equal(s.wait.max, 0.0, EPS);
    assert_float_equal(s.mean_in_queue, 0.0, EPS);

    sim_station_destroy(st);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

/* With equal service times, jobs complete in arrival order. Three servers,
 * service 5 s, 30 jobs: ten arrive together at 0, then one every 0.1 s. The
 * first three start at 0; each completion hands its server to the head of
 * the line, so job i starts at 5 * floor(i / 3) or on arrival and the
 * completions, equal times included, come out as 0, 1, 2, ..., 29. */
static void equal_service_times_complete_in_arrival_order(void **state)
{
    (void)state;
    struct log l = {0};
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    assert_non_null(rng);
    sim_station *st = make_const_station(q, rng, 3, 0, 5.0, &l);
    sim_time at[30];
    for (int i = 0; i < 30; i++)
        at[i] = i < 10 ? 0 : (sim_time)(i - 9) * 100 * SIM_MS;
    schedule_arrivals(q, st, at, 30);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);

    assert_int_equal(l.n, 30);
    for (int i = 0; i < 30; i++) {
        assert_int_equal(l.job[i], (uint64_t)i);
        /* Served in groups of three every 5 s: job i ends at 5 * (i/3 + 1). */
        assert_int_equal(l.at[i], (sim_time)(i / 3 + 1) * 5 * SIM_SEC);
        if (i > 0)
            assert_true(l.at[i] >= l.at[i - 1]);
    }

    sim_station_destroy(st);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

/*
 * Warm-up deletion: the hand schedule of the two-server case, with the
 * statistics reset at t = 2.5 s (jobs 0, 1 in service, job 2 waiting).
 * After the reset: arrivals = 1 (job 3), served = 4 (all complete later),
 * waits 0, 0, 8, 8 (mean 4). Levels over [2.5, 21] (18.5 s):
 *   [2.5,3) 3/1/2  [3,10) 4/2/2  [10,11) 3/1/2  [11,20) 2/0/2  [20,21) 1/0/1
 * Areas: L = 1.5+28+3+18+1 = 51.5, Lq = 0.5+14+1 = 15.5, busy = 1+14+2+18+1 = 36.
 */
static void reset_stats_forgets_the_past_but_keeps_the_jobs(void **state)
{
    (void)state;
    struct log l = {0};
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    assert_non_null(rng);
    sim_station *st = make_const_station(q, rng, 2, 0, 10.0, &l);
    const sim_time at[] = {0, 1 * SIM_SEC, 2 * SIM_SEC, 3 * SIM_SEC};
    schedule_arrivals(q, st, at, 4);
    assert_int_equal(sim_queue_run(q, 2 * SIM_SEC + 500 * SIM_MS), SIM_OK);

    sim_station_reset_stats(st);
    assert_int_equal(sim_station_in_system(st), 3);
    assert_int_equal(sim_station_busy(st), 2);
    sim_station_stats s;
    sim_station_stats_get(st, &s);
    assert_int_equal(s.arrivals, 0);
    assert_int_equal(s.served, 0);
    assert_int_equal(s.wait.n, 0);
    /* No time has passed since the reset: the means are the current levels. */
    assert_float_equal(s.mean_in_system, 3.0, EPS);
    assert_float_equal(s.mean_in_queue, 1.0, EPS);
    assert_float_equal(s.mean_busy, 2.0, EPS);

    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    sim_station_stats_get(st, &s);
    assert_int_equal(s.arrivals, 1);
    assert_int_equal(s.blocked, 0);
    assert_int_equal(s.served, 4);
    assert_int_equal(s.wait.n, 4);
    assert_float_equal(s.wait.mean, 4.0, EPS);
    assert_float_equal(s.sojourn.mean, 14.0, EPS);
    assert_float_equal(s.mean_in_system, 51.5 / 18.5, EPS);
    assert_float_equal(s.mean_in_queue, 15.5 / 18.5, EPS);
    assert_float_equal(s.mean_busy, 36.0 / 18.5, EPS);

    sim_station_destroy(st);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

/* service_fn: job j takes (j + 1) s; it is called at the start of service
 * with the station's service_ctx. One server, jobs 0, 1, 2 arrive at 0:
 * services [0,1), [1,3), [3,6); waits 0, 1, 3; the rng is not needed. */
struct svc_probe {
    int calls;
    sim_time started[8];
};

static sim_time job_dependent_service(void *ctx, uint64_t job, sim_time now)
{
    struct svc_probe *p = ctx;
    p->started[p->calls++] = now;
    return (sim_time)(job + 1) * SIM_SEC;
}

static void service_fn_replaces_the_distribution(void **state)
{
    (void)state;
    struct log l = {0};
    struct svc_probe probe = {0};
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    sim_station_cfg cfg = {.servers = 1,
                           .service = {.kind = SIM_DIST_CONST, .a = 100.0},
                           .rng = NULL,
                           .service_fn = job_dependent_service,
                           .service_ctx = &probe,
                           .done = record_done,
                           .done_ctx = &l};
    sim_station *st = sim_station_create(q, &cfg, NULL);
    assert_non_null(st);
    const sim_time at[] = {0, 0, 0};
    schedule_arrivals(q, st, at, 3);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);

    assert_int_equal(probe.calls, 3);
    assert_int_equal(probe.started[0], 0);
    assert_int_equal(probe.started[1], 1 * SIM_SEC);
    assert_int_equal(probe.started[2], 3 * SIM_SEC);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.at[0], 1 * SIM_SEC);
    assert_int_equal(l.at[1], 3 * SIM_SEC);
    assert_int_equal(l.at[2], 6 * SIM_SEC);
    assert_int_equal(l.wait[2], 3 * SIM_SEC);

    sim_station_destroy(st);
    sim_queue_destroy(q);
}

/* A job that re-enters from the done callback joins the line behind the
 * jobs already waiting: one server, service 1 s, jobs 0 and 1 at 0; job 0
 * comes back once as job 100 when it completes at 1 s. Order: 0, 1, 100. */
struct feedback {
    sim_station *st;
    struct log l;
};

static void feed_back(void *ctx, uint64_t job, sim_time wait, sim_time sojourn, sim_time now)
{
    struct feedback *f = ctx;
    record_done(&f->l, job, wait, sojourn, now);
    if (job == 0)
        assert_int_equal(sim_station_arrive(f->st, 100), SIM_OK);
}

static void a_job_may_reenter_from_the_done_callback(void **state)
{
    (void)state;
    struct feedback f = {0};
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    sim_station_cfg cfg = {.servers = 1, .done = feed_back, .done_ctx = &f};
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    assert_non_null(rng);
    cfg.rng = rng;
    assert_int_equal(sim_dist_const(1.0, &cfg.service, NULL), SIM_OK);
    f.st = sim_station_create(q, &cfg, NULL);
    assert_non_null(f.st);
    const sim_time at[] = {0, 0};
    schedule_arrivals(q, f.st, at, 2);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);

    assert_int_equal(f.l.n, 3);
    assert_int_equal(f.l.job[0], 0);
    assert_int_equal(f.l.job[1], 1);
    assert_int_equal(f.l.job[2], 100);
    assert_int_equal(f.l.at[2], 3 * SIM_SEC);
    assert_int_equal(f.l.wait[2], 1 * SIM_SEC); /* arrived 1, started 2 */

    sim_station_destroy(f.st);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

static void invalid_configurations_are_rejected(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    assert_non_null(rng);
    sim_station_cfg good = {.servers = 2, .capacity = 0, .rng = rng};
    assert_int_equal(sim_dist_const(1.0, &good.service, NULL), SIM_OK);
    sim_err err;

    sim_station_cfg bad = good;
    bad.servers = 0;
    sim_err_clear(&err);
    assert_null(sim_station_create(q, &bad, &err));
    assert_int_equal(err.code, SIM_EINVAL);

    bad = good;
    bad.capacity = 1; /* K < c */
    sim_err_clear(&err);
    assert_null(sim_station_create(q, &bad, &err));
    assert_int_equal(err.code, SIM_EINVAL);

    bad = good;
    bad.capacity = -1;
    assert_null(sim_station_create(q, &bad, &err));
    assert_int_equal(err.code, SIM_EINVAL);

    bad = good;
    bad.rng = NULL; /* no rng and no service_fn */
    sim_err_clear(&err);
    assert_null(sim_station_create(q, &bad, &err));
    assert_int_equal(err.code, SIM_EINVAL);

    assert_null(sim_station_create(NULL, &good, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_null(sim_station_create(q, NULL, NULL)); /* err may be NULL */

    sim_station_destroy(NULL); /* a no-op */
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

/* Every allocation of create may fail: NULL and SIM_ENOMEM, nothing leaked
 * (the ASan build checks), and the first n that succeeds gives a station. */
static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    assert_non_null(rng);
    sim_station_cfg cfg = {.servers = 4, .capacity = 10, .rng = rng};
    assert_int_equal(sim_dist_exponential(1.0, &cfg.service, NULL), SIM_OK);
    sim_station *st = NULL;
    long n;
    for (n = 1; n < 100 && !st; n++) {
        sim_err err;
        sim_err_clear(&err);
        sim_alloc_fail_after(n);
        st = sim_station_create(q, &cfg, &err);
        sim_alloc_fail_reset();
        if (!st)
            assert_int_equal(err.code, SIM_ENOMEM);
    }
    assert_non_null(st);
    assert_true(n > 2); /* at least one failure path was walked */
    sim_station_destroy(st);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

/* When the waiting line cannot grow, arrive returns SIM_ENOMEM and leaves
 * the station as it was: one server, 17 jobs fill the server and the
 * initial ring of 16 waiting places; the 18th needs a larger ring, and the
 * allocation for it fails. */
static void a_full_line_that_cannot_grow_reports_enomem(void **state)
{
    (void)state;
    struct log l = {0};
    sim_queue *q = sim_queue_create(64, NULL);
    assert_non_null(q);
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    assert_non_null(rng);
    sim_station *st = make_const_station(q, rng, 1, 0, 1.0, &l);
    for (int i = 0; i < 17; i++)
        assert_int_equal(sim_station_arrive(st, (uint64_t)i), SIM_OK);
    sim_alloc_fail_after(1);
    int rc = sim_station_arrive(st, 17);
    sim_alloc_fail_reset();
    assert_int_equal(rc, SIM_ENOMEM);
    assert_int_equal(sim_station_in_system(st), 17);
    sim_station_stats s;
    sim_station_stats_get(st, &s);
    assert_int_equal(s.arrivals, 17);
    /* With memory back, the line grows and every job is served in order. */
    assert_int_equal(sim_station_arrive(st, 17), SIM_OK);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(l.n, 18);
    for (int j = 0; j < l.n; j++)
        assert_int_equal(l.job[j], (uint64_t)j);

    sim_station_destroy(st);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

/*
 * No allocation per job once warmed up. Two servers with exponential
 * service (mean 1 s, drawn from the stream). Warm-up: a burst of 50 jobs at
 * once grows the waiting line to at least 48 places and the calendar to at
 * least 50 pending events. Then every allocation is made to fail, and a
 * generator adds 1000 bursts of 40 jobs, one burst every 100 s (a burst
 * needs about 20 s of service on two servers, so the line holds at most 38
 * jobs and at most 3 events are pending). Every arrival must enter and the
 * run must end with SIM_OK: 40,000 jobs without one allocation. (The
 * station and the calendar check every allocation they make, so one made
 * during this phase would fail visibly: arrive would return SIM_ENOMEM, or
 * the run would.)
 */
struct burst {
    sim_queue *q;
    sim_station *st;
    int left;
    uint64_t next_job;
    int failures;
};

static void burst_ev(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    (void)now;
    struct burst *b = ctx;
    for (int i = 0; i < 40; i++)
        if (sim_station_arrive(b->st, b->next_job++) != SIM_OK)
            b->failures++;
    if (--b->left > 0)
        sim_queue_after(b->q, 100 * SIM_SEC, burst_ev, b, 0);
}

static void count_done(void *ctx, uint64_t job, sim_time wait, sim_time sojourn, sim_time now)
{
    (void)job;
    (void)wait;
    (void)sojourn;
    (void)now;
    (*(uint64_t *)ctx)++;
}

static void no_allocation_per_job_after_warm_up(void **state)
{
    (void)state;
    uint64_t done = 0;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    gsl_rng *rng = sim_rng_create(7, 0, "service", NULL);
    assert_non_null(rng);
    sim_station_cfg cfg = {.servers = 2, .rng = rng, .done = count_done, .done_ctx = &done};
    assert_int_equal(sim_dist_exponential(1.0, &cfg.service, NULL), SIM_OK);
    sim_station *st = sim_station_create(q, &cfg, NULL);
    assert_non_null(st);
    for (int i = 0; i < 50; i++)
        assert_int_not_equal(sim_queue_push(q, 0, arrive_ev, st, (uint64_t)i), SIM_EVENT_NONE);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(done, 50);
    for (int i = 0; i < 50; i++)
        assert_int_equal(results[i], SIM_OK);

    struct burst b = {.q = q, .st = st, .left = 1000, .next_job = 50};
    assert_int_not_equal(sim_queue_after(q, 100 * SIM_SEC, burst_ev, &b, 0), SIM_EVENT_NONE);
    sim_alloc_fail_after(1); /* from now on every allocation fails */
    int rc = sim_queue_run(q, SIM_TIME_NEVER);
    sim_alloc_fail_reset();
    assert_int_equal(rc, SIM_OK);
    assert_int_equal(b.failures, 0);
    assert_int_equal(done, 50 + 40000);
    sim_station_stats s;
    sim_station_stats_get(st, &s);
    assert_int_equal(s.served, 50 + 40000);

    sim_station_destroy(st);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

/*
 * The aggregate path. One server, constant service 10 s, nothing on the
 * calendar until 5 s. At 5 s a pass commits what its jobs did before (2
 * arrivals, 1 completion with wait 1 s and sojourn 3 s, 4 server-s busy,
 * 1 job-s waiting) and injects job 7 (arrived 2 s, in service since 3 s,
 * completing at 6 s) and job 8 (arrived 4 s, waiting). Then:
 *   t=6   job 7 done: wait 3 - 2 = 1, sojourn 6 - 2 = 4; job 8 starts
 *         (its service drawn now: 10 s), wait 6 - 4 = 2
 *   t=16  job 8 done: sojourn 16 - 4 = 12
 * Over [0, 20]: busy area 4 (committed) + 11 ([5, 16)) = 15, queue 1 + 1
 * ([5, 6)) = 2, in system 5 + 12 = 17. Waits {1, 1, 2}, sojourns {3, 4,
 * 12}. Injections count no arrival; a second in-service job finds no idle
 * server; times out of order are refused.
 */
static void injected_jobs_keep_their_arrival_and_start_times(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    gsl_rng *rng = sim_rng_create(1, 0, "station", NULL);
    struct log l = {0};
    sim_station *st = make_const_station(q, rng, 1, 0, 10.0, &l);
    assert_int_equal(sim_queue_run(q, 5 * SIM_SEC), SIM_OK);
    sim_time w[] = {SIM_SEC}, s[] = {3 * SIM_SEC};
    sim_station_bulk b = {.arrivals = 2,
                          .served = 1,
                          .wait = w,
                          .sojourn = s,
                          .busy_area = 4.0 * SIM_SEC,
                          .queue_area = 1.0 * SIM_SEC};
    sim_station_commit(st, &b);
    assert_int_equal(sim_station_inject_service(st, 7, 3 * SIM_SEC, 2 * SIM_SEC, 6 * SIM_SEC),
                     SIM_EINVAL); /* started before it arrived */
    assert_int_equal(sim_station_inject_service(st, 7, 2 * SIM_SEC, 3 * SIM_SEC, 4 * SIM_SEC),
                     SIM_EINVAL); /* ended before now */
    assert_int_equal(sim_station_inject_service(st, 7, 2 * SIM_SEC, 3 * SIM_SEC, 6 * SIM_SEC),
                     SIM_OK);
    assert_int_equal(sim_station_inject_service(st, 9, 2 * SIM_SEC, 3 * SIM_SEC, 6 * SIM_SEC),
                     SIM_EFULL);
    assert_int_equal(sim_station_inject_wait(st, 8, 6 * SIM_SEC), SIM_EINVAL); /* future */
    assert_int_equal(sim_station_inject_wait(st, 8, 4 * SIM_SEC), SIM_OK);
    assert_int_equal(sim_station_in_system(st), 2);
    assert_int_equal(sim_queue_run(q, 20 * SIM_SEC), SIM_OK);
    assert_int_equal(l.n, 2);
    assert_true(l.job[0] == 7 && l.at[0] == 6 * SIM_SEC && l.wait[0] == SIM_SEC &&
                l.sojourn[0] == 4 * SIM_SEC);
    assert_true(l.job[1] == 8 && l.at[1] == 16 * SIM_SEC && l.wait[1] == 2 * SIM_SEC &&
                l.sojourn[1] == 12 * SIM_SEC);
    sim_station_stats x;
    sim_station_stats_get(st, &x);
    assert_true(x.arrivals == 2 && x.served == 3 && x.wait.n == 3 && x.sojourn.n == 3);
    assert_true(fabs(x.wait.mean - 4.0 / 3.0) < EPS && fabs(x.sojourn.mean - 19.0 / 3.0) < EPS);
    assert_true(fabs(x.mean_busy - 15.0 / 20.0) < EPS);
    assert_true(fabs(x.mean_in_queue - 2.0 / 20.0) < EPS);
    assert_true(fabs(x.mean_in_system - 17.0 / 20.0) < EPS);
    sim_station_destroy(st);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

/*
 * The station keeps its three time-weighted levels (in system, in queue,
 * busy) with one start and one last between them. Expected: every mean
 * the same bits as three plain sim_timeavgs fed the levels at the same
 * instants (the station set all three at every arrival that entered,
 * every completion and every inject, added a commit's areas, and reset
 * them together), since both do the same additions in the same order.
 * Tolerance: none (memcmp of the doubles). The script mixes random
 * arrivals and exponential services (mean 1.5 s) on 3 servers with
 * K = 20, in phases of 200 arrivals: dense (mean gap 0.25 s, twice what
 * the servers serve, so arrivals block and the line grows past its first
 * ring) and sparse (mean gap 4 s, the line drains and servers idle, so
 * injects into service succeed). Also re-entries from the done callback,
 * commits with fractional areas, and a reset. The reset and the injects
 * fall half a second after an arrival, never at the instant of the last
 * change (so a reset that kept the old last, or an inject that did not
 * advance first, counts a wrong span). The means are compared right
 * after creation and right after the reset (no time observed: the means
 * are the levels), at 200 instants and at the end.
 */
struct shadow {
    sim_station *st;
    sim_queue *q;
    gsl_rng *draw;
    sim_timeavg sys, queue, busy;
    uint64_t next_job;
    int checks, injected;
    int reset_level; /* in system at the reset */
};

static void shadow_set(struct shadow *sh, sim_time now)
{
    int busy = sim_station_busy(sh->st), sys = sim_station_in_system(sh->st);
    sim_timeavg_set(&sh->sys, now, (double)sys);
    sim_timeavg_set(&sh->queue, now, (double)(sys - busy));
    sim_timeavg_set(&sh->busy, now, (double)busy);
}

static void shadow_check(struct shadow *sh, sim_time now)
{
    sim_station_stats s;
    sim_station_stats_get(sh->st, &s);
    double want[3] = {sim_timeavg_mean(&sh->sys, now), sim_timeavg_mean(&sh->queue, now),
                      sim_timeavg_mean(&sh->busy, now)};
    double got[3] = {s.mean_in_system, s.mean_in_queue, s.mean_busy};
    assert_memory_equal(got, want, sizeof want);
    sh->checks++;
}

static void shadow_done(void *ctx, uint64_t job, sim_time wait, sim_time sojourn, sim_time now)
{
    (void)wait;
    (void)sojourn;
    struct shadow *sh = ctx;
    shadow_set(sh, now); /* the station set its levels before calling done */
    if (job % 5 == 0 && sim_station_arrive(sh->st, sh->next_job++) == SIM_OK)
        shadow_set(sh, now); /* a re-entry */
}

enum { ACT_ARRIVE, ACT_CHECK, ACT_INJECT, ACT_COMMIT, ACT_RESET };

static void shadow_act(void *ctx, uint64_t act, sim_time now)
{
    struct shadow *sh = ctx;
    switch (act) {
    case ACT_ARRIVE:
        if (sim_station_arrive(sh->st, sh->next_job++) == SIM_OK)
            shadow_set(sh, now);
        break;
    case ACT_CHECK:
        shadow_check(sh, now);
        break;
    case ACT_INJECT: {
        sim_time end = now + (sim_time)(gsl_rng_uniform(sh->draw) * 20.0 * SIM_SEC);
        if (sim_station_inject_service(sh->st, sh->next_job++, now - SIM_SEC, now, end) == SIM_OK) {
            shadow_set(sh, now);
            sh->injected++;
        }
        if (sim_station_inject_wait(sh->st, sh->next_job++, now - 2 * SIM_SEC) == SIM_OK)
            shadow_set(sh, now);
        break;
    }
    case ACT_COMMIT: {
        sim_station_bulk b = {.busy_area = gsl_rng_uniform(sh->draw) * 1e6,
                              .queue_area = gsl_rng_uniform(sh->draw) * 3e5 + 0.1};
        sim_station_commit(sh->st, &b);
        /* the maxima do not enter a mean */
        sim_timeavg_add_area(&sh->busy, b.busy_area, -INFINITY);
        sim_timeavg_add_area(&sh->queue, b.queue_area, -INFINITY);
        sim_timeavg_add_area(&sh->sys, b.busy_area + b.queue_area, -INFINITY);
        break;
    }
    case ACT_RESET:
        sim_station_reset_stats(sh->st);
        sim_timeavg_reset(&sh->sys, now);
        sim_timeavg_reset(&sh->queue, now);
        sim_timeavg_reset(&sh->busy, now);
        sh->reset_level = sim_station_in_system(sh->st);
        shadow_check(sh, now); /* [start, now] has length 0 */
        break;
    }
}

static void shared_levels_match_three_plain_time_averages(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    gsl_rng *rng = sim_rng_create(7, 0, "service", NULL);
    struct shadow sh = {.q = q, .draw = sim_rng_create(7, 0, "script", NULL), .next_job = 1};
    assert_non_null(rng);
    assert_non_null(sh.draw);
    sim_station_cfg cfg = {
        .servers = 3, .capacity = 20, .rng = rng, .done = shadow_done, .done_ctx = &sh};
    assert_int_equal(sim_dist_exponential(1.5, &cfg.service, NULL), SIM_OK);
    sh.st = sim_station_create(q, &cfg, NULL);
    assert_non_null(sh.st);
    sim_timeavg_init(&sh.sys, 0, 0.0);
    sim_timeavg_init(&sh.queue, 0, 0.0);
    sim_timeavg_init(&sh.busy, 0, 0.0);
    shadow_check(&sh, 0);

    sim_time t = 0;
    for (int i = 0; i < 2000; i++) {
        double gap = i % 400 < 200 ? 0.5 : 8.0; /* dense, then sparse */
        t += (sim_time)(gsl_rng_uniform(sh.draw) * gap * SIM_SEC) + 1;
        assert_int_not_equal(sim_queue_push(q, t, shadow_act, &sh, ACT_ARRIVE), SIM_EVENT_NONE);
        int act = i % 10 == 3    ? ACT_CHECK
                  : i % 97 == 50 ? ACT_INJECT
                  : i % 131 == 7 ? ACT_COMMIT
                                 : -1;
        if (i == 1000)
            act = ACT_RESET;
        /* the reset and the injects between two changes, the others at one */
        sim_time at = act == ACT_RESET || act == ACT_INJECT ? t + SIM_SEC / 2 : t + (i % 2);
        if (act >= 0)
            assert_int_not_equal(sim_queue_push(q, at, shadow_act, &sh, (uint64_t)act),
                                 SIM_EVENT_NONE);
    }
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    shadow_check(&sh, sim_queue_now(q));
    sim_station_stats s;
    sim_station_stats_get(sh.st, &s);
    assert_true(s.blocked > 0);       /* K was reached */
    assert_true(sh.injected > 0);     /* an inject found an idle server */
    assert_true(sh.reset_level > 0);  /* the reset kept jobs present */
    assert_int_equal(sh.checks, 203); /* creation, 200, the reset, the end */

    sim_station_destroy(sh.st);
    sim_rng_destroy(sh.draw);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_servers_constant_service_match_the_hand_schedule),
        cmocka_unit_test(freed_servers_serve_one_job_each),
        cmocka_unit_test(capacity_blocks_arrivals_that_find_k_present),
        cmocka_unit_test(capacity_equal_to_servers_is_a_loss_system),
        cmocka_unit_test(equal_service_times_complete_in_arrival_order),
        cmocka_unit_test(reset_stats_forgets_the_past_but_keeps_the_jobs),
        cmocka_unit_test(service_fn_replaces_the_distribution),
        cmocka_unit_test(a_job_may_reenter_from_the_done_callback),
        cmocka_unit_test(invalid_configurations_are_rejected),
        cmocka_unit_test(create_survives_every_allocation_failure),
        cmocka_unit_test(a_full_line_that_cannot_grow_reports_enomem),
        cmocka_unit_test(no_allocation_per_job_after_warm_up),
        cmocka_unit_test(injected_jobs_keep_their_arrival_and_start_times),
        cmocka_unit_test(shared_levels_match_three_plain_time_averages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
