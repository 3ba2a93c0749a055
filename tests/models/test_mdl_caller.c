/*
 * Tests of mdl_caller: immediate refusal when every thread is held, the
 * exact time exhausted and utilisation of a scripted schedule (integer
 * microseconds: exact), the waiting line (first come, first served, refused
 * at the deadline, grown past its first ring with wrap-around), the series,
 * defaults and publish.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_caller.h"
#include "models/agg_pass.h"
#include "sim_alloc.h"
#include "sim_queue.h"
#include "sim_result.h"

#define S(x) ((sim_time)((x)*1e6 + 0.5))

/* A scripted use of one pool on a calendar: who got a thread or was
 * refused, and when. */
#define MAXW 64
struct script {
    sim_queue *q;
    mdl_caller *c;
    int reply[MAXW];
    sim_time granted[MAXW], refused[MAXW];
    int order[MAXW], norder; /* waiters in the order they got a thread */
    int release_on_grant;    /* give the thread back as soon as it comes */
};

static void on_granted(void *ctx, uint64_t k, sim_time now)
{
    struct script *sc = ctx;
    sc->granted[k] = now;
    sc->order[sc->norder++] = (int)k;
    if (sc->release_on_grant)
        mdl_caller_release(sc->c, now);
}

static void on_refused(void *ctx, uint64_t k, sim_time now)
{
    struct script *sc = ctx;
    sc->refused[k] = now;
}

static void request_ev(void *ctx, uint64_t k, sim_time now)
{
    struct script *sc = ctx;
    mdl_caller_waiter w = {.granted = on_granted, .refused = on_refused, .ctx = sc, .arg = k};
    sc->reply[k] = mdl_caller_request(sc->c, now, &w);
}

static void release_ev(void *ctx, uint64_t k, sim_time now)
{
    (void)k;
    struct script *sc = ctx;
    mdl_caller_release(sc->c, now);
}

static void script_init(struct script *sc, int size, sim_time wait)
{
    *sc = (struct script){0};
    sc->q = sim_queue_create(0, NULL);
    assert_non_null(sc->q);
    mdl_caller_cfg cfg = {.id = "web", .size = size, .wait = wait, .q = sc->q};
    sc->c = mdl_caller_create(&cfg, 0, NULL);
    assert_non_null(sc->c);
    for (int k = 0; k < MAXW; k++)
        sc->reply[k] = -100, sc->granted[k] = sc->refused[k] = -1;
}

static void script_fini(struct script *sc)
{
    mdl_caller_destroy(sc->c);
    sim_queue_destroy(sc->q);
}

static void a_full_pool_refuses_at_once_and_counts_the_time_exhausted(void **state)
{
    (void)state;
    mdl_caller_cfg cfg = {.id = "web", .size = 2};
    mdl_caller *c = mdl_caller_create(&cfg, 0, NULL);
    assert_non_null(c);
    /* in use: 0 s: 1, 1 s: 2 (full), 2 s: refused, 4 s: 1, 5 s: 2 (full),
     * 8 s: 1, 10 s: end. Full on [1, 4) and [5, 8): 6 s. Area:
     * 1*1 + 2*3 + 1*1 + 2*3 + 1*2 = 16 thread-seconds over 10 s. */
    assert_int_equal(mdl_caller_acquire(c, 0), 1);
    assert_int_equal(mdl_caller_acquire(c, 1 * SIM_SEC), 1);
    assert_int_equal(mdl_caller_acquire(c, 2 * SIM_SEC), 0);
    mdl_caller_release(c, 4 * SIM_SEC);
    assert_int_equal(mdl_caller_acquire(c, 5 * SIM_SEC), 1);
    mdl_caller_release(c, 8 * SIM_SEC);
    mdl_caller_stats s;
    mdl_caller_stats_get(c, 10 * SIM_SEC, &s);
    assert_int_equal(s.refused, 1);
    assert_int_equal(s.acquired, 3);
    assert_int_equal(s.max_in_use, 2);
    assert_int_equal(s.in_use, 1);
    assert_int_equal(s.time_exhausted, 6 * SIM_SEC);
    assert_true(fabs(s.mean_in_use - 1.6) < 1e-12);
    assert_true(fabs(s.utilisation - 0.8) < 1e-12);
    /* A period of exhaustion still running counts up to now. */
    assert_int_equal(mdl_caller_acquire(c, 10 * SIM_SEC), 1);
    mdl_caller_stats_get(c, 13 * SIM_SEC, &s);
    assert_int_equal(s.time_exhausted, 9 * SIM_SEC);
    mdl_caller_destroy(c);
}

/* One thread, wait 10 s. Request 0 at 0 s takes the thread; 1, 2, 3 at 1,
 * 2, 3 s find it held and wait (deadlines 11, 12, 13 s).
 *    5 s    release: the head, 1, gets the thread at once (waited 4 s);
 *   12 s    2 has waited 10 s: refused (3 is still in line, deadline 13 s);
 *   12.5 s  release: 3 gets the thread (waited 9.5 s).
 * The thread never goes back to the pool in between: in use 1 throughout
 * [0, 20), so the pool is exhausted all 20 s. With wait 0 the same script
 * refuses 1, 2 and 3 at once (today's behaviour: resilience4j's default
 * maxWaitDuration 0). */
static void a_request_waits_first_come_first_served_until_its_deadline(void **state)
{
    (void)state;
    struct script sc;
    script_init(&sc, 1, S(10));
    for (int k = 0; k < 4; k++)
        sim_queue_push(sc.q, S(k), request_ev, &sc, (uint64_t)k);
    sim_queue_push(sc.q, S(5), release_ev, &sc, 0);
    sim_queue_push(sc.q, S(12.5), release_ev, &sc, 0);
    assert_int_equal(sim_queue_run(sc.q, S(20)), SIM_OK);
    assert_int_equal(sc.reply[0], MDL_CALLER_HELD);
    for (int k = 1; k < 4; k++)
        assert_int_equal(sc.reply[k], MDL_CALLER_WAITING);
    assert_int_equal(sc.granted[1], S(5));
    assert_int_equal(sc.refused[1], -1);
    assert_int_equal(sc.refused[2], S(12));
    assert_int_equal(sc.granted[2], -1);
    assert_int_equal(sc.granted[3], S(12.5));
    assert_int_equal(sc.refused[3], -1);
    mdl_caller_stats st;
    mdl_caller_stats_get(sc.c, S(20), &st);
    assert_int_equal(st.acquired, 3);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.waited, 3);
    assert_int_equal(st.wait_refused, 1);
    assert_int_equal(st.waiting, 0);
    assert_int_equal(st.wait_granted, S(4) + S(9.5));
    assert_int_equal(st.in_use, 1);
    assert_int_equal(st.time_exhausted, S(20));
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_caller_publish(sc.c, S(20), r, NULL), SIM_OK);
    long i = sim_result_find(r, "caller.web.pool_wait_mean_s");
    assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 6.75) < 1e-12); /* 13.5 s / 2 */
    i = sim_result_find(r, "caller.web.pool_wait_refused");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 1.0);
    i = sim_result_find(r, "caller.web.pool_waited");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 3.0);
    sim_result_destroy(r);
    script_fini(&sc);

    script_init(&sc, 1, 0);
    for (int k = 0; k < 4; k++)
        sim_queue_push(sc.q, S(k), request_ev, &sc, (uint64_t)k);
    sim_queue_push(sc.q, S(5), release_ev, &sc, 0);
    assert_int_equal(sim_queue_run(sc.q, S(20)), SIM_OK);
    for (int k = 1; k < 4; k++) {
        assert_int_equal(sc.reply[k], MDL_CALLER_REFUSED);
        assert_int_equal(sc.granted[k], -1);
        assert_int_equal(sc.refused[k], -1); /* said at once, no callback */
    }
    mdl_caller_stats_get(sc.c, S(20), &st);
    assert_int_equal(st.refused, 3);
    assert_int_equal(st.waited, 0);
    assert_int_equal(st.in_use, 0);
    script_fini(&sc);
}

/* The end of a wait is a deadline: a thread released exactly then goes
 * to the waiter. Pool of 1, wait 10 s: request 0 holds the thread from 0;
 * request 1 waits from 1 s (deadline 11 s). A release at 11 s, scheduled
 * (at 2 s) after the line's timer (set at 1 s), grants request 1 at 11 s.
 * A release at 11 s + 1 us comes too late: request 1 is refused at 11 s. */
static void schedule_release(void *ctx, uint64_t at, sim_time now)
{
    (void)now;
    struct script *sc = ctx;
    sim_queue_push(sc->q, (sim_time)at, release_ev, sc, 0);
}

static void a_thread_released_exactly_at_a_waiters_deadline_is_granted(void **state)
{
    (void)state;
    for (int late = 0; late < 2; late++) {
        struct script sc;
        script_init(&sc, 1, S(10));
        sim_queue_push(sc.q, 0, request_ev, &sc, 0);
        sim_queue_push(sc.q, S(1), request_ev, &sc, 1);
        sim_queue_push(sc.q, S(2), schedule_release, &sc, (uint64_t)(S(11) + late));
        assert_int_equal(sim_queue_run(sc.q, S(20)), SIM_OK);
        assert_int_equal(sc.reply[1], MDL_CALLER_WAITING);
        assert_int_equal(sc.granted[1], late ? -1 : S(11));
        assert_int_equal(sc.refused[1], late ? S(11) : -1);
        script_fini(&sc);
    }
}

/* P(wait) and first exhaustion. Pool of 1: request 0 at 0 s takes the
 * thread (held to the end); requests 1, 2, 3 at 1, 2, 3 s find it held: 3
 * of 4 requests, pool_wait_share 0.75, first at 1 s. The same with a line
 * (wait 10 s: they wait, and are refused at 11-13 s) and without (wait 0:
 * refused at once): the share counts requests that found the pool
 * exhausted either way. A pool that never runs out says -1. */
static void the_share_of_requests_finding_every_thread_held_and_the_first_one(void **state)
{
    (void)state;
    for (int line = 0; line < 3; line++) {
        struct script sc;
        script_init(&sc, line == 2 ? 4 : 1, line == 1 ? S(10) : 0);
        for (int k = 0; k < 4; k++)
            sim_queue_push(sc.q, S(k), request_ev, &sc, (uint64_t)k);
        assert_int_equal(sim_queue_run(sc.q, S(20)), SIM_OK);
        mdl_caller_stats st;
        mdl_caller_stats_get(sc.c, S(20), &st);
        assert_int_equal(st.requests, 4);
        assert_int_equal(st.found_full, line == 2 ? 0 : 3);
        assert_int_equal(st.exhausted_at, line == 2 ? SIM_TIME_NEVER : S(1));
        sim_result *r = sim_result_create(NULL);
        assert_non_null(r);
        assert_int_equal(mdl_caller_publish(sc.c, S(20), r, NULL), SIM_OK);
        long i = sim_result_find(r, "caller.web.pool_wait_share");
        assert_true(i >= 0 && sim_result_value(r, (size_t)i) == (line == 2 ? 0.0 : 0.75));
        i = sim_result_find(r, "caller.web.pool_exhausted_at");
        assert_true(i >= 0 && sim_result_value(r, (size_t)i) == (line == 2 ? -1.0 : 1.0));
        sim_result_destroy(r);
        script_fini(&sc);
    }
}

/* The line is a ring of 16 to start with. 10 requests wait (1..10 at 1 s
 * steps), 5 releases at 11-15 s hand the thread to 1..5 (the ring's head
 * moves to slot 5), then 15 more wait (11..25 at 16-30 s): 20 in line, so
 * the ring grows while its contents wrap around. From 40 s each grant gives
 * the thread straight back, so one release at 40 s passes it down the whole
 * line: the order of grants must be 1, 2, ..., 25 and nobody is refused
 * (wait 1000 s). */
static void the_line_grows_and_keeps_first_come_first_served(void **state)
{
    (void)state;
    struct script sc;
    script_init(&sc, 1, S(1000));
    sim_queue_push(sc.q, 0, request_ev, &sc, 0);
    for (int k = 1; k <= 10; k++)
        sim_queue_push(sc.q, S(k), request_ev, &sc, (uint64_t)k);
    for (int k = 0; k < 5; k++)
        sim_queue_push(sc.q, S(11 + k), release_ev, &sc, 0);
    for (int k = 11; k <= 25; k++)
        sim_queue_push(sc.q, S(k + 5), request_ev, &sc, (uint64_t)k);
    assert_int_equal(sim_queue_run(sc.q, S(35)), SIM_OK);
    assert_int_equal(mdl_caller_waiting(sc.c), 20);
    sc.release_on_grant = 1;
    sim_queue_push(sc.q, S(40), release_ev, &sc, 0);
    assert_int_equal(sim_queue_run(sc.q, S(50)), SIM_OK);
    assert_int_equal(sc.norder, 25);
    for (int k = 0; k < 25; k++)
        assert_int_equal(sc.order[k], k + 1);
    mdl_caller_stats st;
    mdl_caller_stats_get(sc.c, S(50), &st);
    assert_int_equal(st.refused, 0);
    assert_int_equal(st.waiting, 0);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.acquired, 26);
    script_fini(&sc);
}

/* The line cannot grow: the request is refused with SIM_ENOMEM and nothing
 * is counted. */
static void a_line_that_cannot_grow_reports_enomem(void **state)
{
    (void)state;
    struct script sc;
    script_init(&sc, 1, S(10));
    mdl_caller_waiter w = {.granted = on_granted, .refused = on_refused, .ctx = &sc, .arg = 1};
    assert_int_equal(mdl_caller_request(sc.c, 0, &w), MDL_CALLER_HELD);
    sim_alloc_fail_after(1);
    int rc = mdl_caller_request(sc.c, 0, &w);
    sim_alloc_fail_reset();
    assert_int_equal(rc, SIM_ENOMEM);
    mdl_caller_stats st;
    mdl_caller_stats_get(sc.c, 0, &st);
    assert_int_equal(st.waited, 0);
    assert_int_equal(st.refused, 0);
    assert_int_equal(mdl_caller_waiting(sc.c), 0);
    script_fini(&sc);
}

static void the_default_pool_has_25_threads(void **state)
{
    (void)state;
    mdl_caller_cfg cfg = {.id = "app"};
    mdl_caller *c = mdl_caller_create(&cfg, 0, NULL);
    assert_non_null(c);
    assert_int_equal(mdl_caller_size(c), 25);
    for (int k = 0; k < 25; k++)
        assert_int_equal(mdl_caller_acquire(c, 0), 1);
    assert_int_equal(mdl_caller_acquire(c, 0), 0);
    mdl_caller_destroy(c);
}

static void publish_gives_utilisation_and_the_in_use_series(void **state)
{
    (void)state;
    mdl_caller_cfg cfg = {
        .id = "crm", .size = 4, .series_interval = 10 * SIM_SEC, .series_bins = 2};
    mdl_caller *c = mdl_caller_create(&cfg, 0, NULL);
    assert_non_null(c);
    for (int k = 0; k < 4; k++)
        mdl_caller_acquire(c, 5 * SIM_SEC); /* 4 in use from 5 s */
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_caller_publish(c, 20 * SIM_SEC, r, NULL), SIM_OK);
    long i = sim_result_find(r, "caller.crm.pool_exhausted_s");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 15.0);
    i = sim_result_find(r, "caller.crm.pool_utilisation");
    assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 0.75) < 1e-12);
    i = sim_result_find(r, "caller.crm.pool_in_use_series");
    assert_true(i >= 0);
    const sim_series *s = sim_result_series_at(r, (size_t)i);
    assert_true(fabs(sim_series_value(s, 0) - 2.0) < 1e-12); /* 0 for 5 s, 4 for 5 s */
    assert_true(fabs(sim_series_value(s, 1) - 4.0) < 1e-12);
    sim_result_destroy(r);
    mdl_caller_destroy(c);
}

static void bad_configurations_are_rejected(void **state)
{
    (void)state;
    sim_err err;
    mdl_caller_cfg negative = {.id = "x", .size = -2};
    assert_null(mdl_caller_create(&negative, 0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_caller_cfg no_id = {.size = 2};
    assert_null(mdl_caller_create(&no_id, 0, &err));
    mdl_caller_cfg no_queue = {.id = "x", .wait = SIM_SEC}; /* a wait needs the calendar */
    assert_null(mdl_caller_create(&no_queue, 0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_caller_cfg negative_wait = {.id = "x", .wait = -1};
    assert_null(mdl_caller_create(&negative_wait, 0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
}

static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    mdl_caller_cfg cfg = {.id = "web", .series_interval = SIM_SEC, .series_bins = 10};
    for (long n = 1;; n++) {
        sim_err err;
        sim_alloc_fail_after(n);
        mdl_caller *c = mdl_caller_create(&cfg, 0, &err);
        sim_alloc_fail_reset();
        if (c) {
            mdl_caller_destroy(c);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
    }
}

/* ---- the aggregate path: commit and inject against the per-record path ----
 *
 * Three threads, no waiting (a full pool refuses), series buckets of 9 s.
 * Twelve requests (seconds): k takes a thread at a and gives it back at r.
 *
 *   k   0   1   2   3   4   5   6   7   8   9  10  11
 *   a   2  12  15  21  23  28  30  35  38  42  45  60
 *   r   8  27  18  26  44  33  37  50  48   -  55  61
 *
 * In use, by hand: 3 (the pool at its max) on [23, 26), [30, 33),
 * [35, 37), [38, 44) and [45, 48); request 9 at 42 s finds every thread
 * held and is refused (the only one; exhausted at 42 s); 17 s exhausted
 * in all. Run (A) runs every request on the pool. Run (B) does the same
 * up to t0 = 20 s and from t1 = 40 s on, and carries requests 3 to 8 by
 * the pass below: at t0 request 1 holds a thread (released at 27 s,
 * inside the interval; its release time is what the pass must take from
 * the model holding it); at t1 requests 4, 7 and 8 hold the three threads
 * and are injected, the pool exhausted across t1. Bucket [27, 36) lies
 * wholly inside the interval, where the pool's own in_use is 0. No two
 * events share a microsecond.
 */
#define AGG_N 12
static const double agg_a[AGG_N] = {2, 12, 15, 21, 23, 28, 30, 35, 38, 42, 45, 60};
static const double agg_r[AGG_N] = {8, 27, 18, 26, 44, 33, 37, 50, 48, 0, 55, 61};
#define AGG_T0    S(20)
#define AGG_T1    S(40)
#define AGG_END   S(100)
#define AGG_WIDTH S(9)
#define AGG_FIRST 3 /* requests AGG_FIRST .. AGG_LAST - 1 arrive in [t0, t1) */
#define AGG_LAST  9

static void agg_request_ev(void *ctx, uint64_t k, sim_time now)
{
    struct script *sc = ctx;
    request_ev(ctx, k, now);
    if (sc->reply[k] == MDL_CALLER_HELD)
        sim_queue_push(sc->q, S(agg_r[k]), release_ev, sc, k);
}

/* The pass, as tier R will run it, at t1: the pool's threads held at t0
 * (request 1's, until 27 s) and the pass's spans; the outcome of
 * [t0, t1) committed, the threads still held at t1 injected and given
 * back later through mdl_caller_release. */
static void agg_t1(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    struct script *sc = ctx;
    enum { NP = AGG_LAST - AGG_FIRST };
    struct span all[NP + 1];
    all[0] = (struct span){AGG_T0, S(agg_r[1])}; /* the calendar's thread */
    const struct span *mine = all + 1;
    mdl_caller_bulk b = {.requests = NP};
    for (int i = 0; i < NP; i++) {
        int k = AGG_FIRST + i;
        all[1 + i] = (struct span){S(agg_a[k]), S(agg_r[k])};
        assert_true(level_at(all, 1 + i, S(agg_a[k])) < 3); /* nobody finds the pool full */
        b.in_use_area += (double)overlap(mine[i], AGG_T0, AGG_T1);
    }
    b.max_in_use = max_over(all, NP + 1, AGG_T0, AGG_T1);
    /* Exhausted: every thread held, one at least by the pass; the level
     * only changes where a span begins or ends. */
    for (sim_time t = AGG_T0, next; t < AGG_T1; t = next) {
        next = AGG_T1;
        for (int i = 0; i < NP + 1; i++) {
            if (all[i].lo > t && all[i].lo < next)
                next = all[i].lo;
            if (all[i].hi > t && all[i].hi < next)
                next = all[i].hi;
        }
        if (level_at(all, NP + 1, t) == 3 && level_at(mine, NP, t) > 0)
            b.time_exhausted += next - t;
    }
    double area[3], mx[3];
    b.first_bucket = (size_t)(AGG_T0 / AGG_WIDTH);
    b.nbuckets = (size_t)((AGG_T1 - 1) / AGG_WIDTH) + 1 - b.first_bucket;
    assert_int_equal(b.nbuckets, 3);
    for (size_t j = 0; j < b.nbuckets; j++) {
        sim_time lo = (sim_time)(b.first_bucket + j) * AGG_WIDTH, hi = lo + AGG_WIDTH;
        lo = lo > AGG_T0 ? lo : AGG_T0;
        hi = hi < AGG_T1 ? hi : AGG_T1;
        area[j] = 0;
        for (int i = 0; i < NP; i++)
            area[j] += (double)overlap(mine[i], lo, hi);
        mx[j] = max_over(all, NP + 1, lo, hi);
    }
    b.bucket_area = area;
    b.bucket_max = mx;
    assert_int_equal(mdl_caller_commit(sc->c, &b), SIM_OK);
    for (int i = 0; i < NP; i++)
        if (mine[i].hi > now) {
            assert_int_equal(mdl_caller_inject(sc->c, now), SIM_OK);
            sim_queue_push(sc->q, mine[i].hi, release_ev, sc, (uint64_t)(AGG_FIRST + i));
        }
}

/* Runs (A) per record, or (B) with the pass; publishes into r. */
static void agg_run(struct script *sc, int pass, sim_result *r)
{
    *sc = (struct script){0};
    sc->q = sim_queue_create(0, NULL);
    assert_non_null(sc->q);
    mdl_caller_cfg cfg = {
        .id = "web", .size = 3, .q = sc->q, .series_interval = AGG_WIDTH, .series_bins = 12};
    sc->c = mdl_caller_create(&cfg, 0, NULL);
    assert_non_null(sc->c);
    for (int k = 0; k < AGG_N; k++)
        if (!pass || k < AGG_FIRST || k >= AGG_LAST)
            sim_queue_push(sc->q, S(agg_a[k]), agg_request_ev, sc, (uint64_t)k);
    if (pass)
        sim_queue_push(sc->q, AGG_T1, agg_t1, sc, 0);
    assert_int_equal(sim_queue_run(sc->q, AGG_END), SIM_OK);
    assert_int_equal(mdl_caller_publish(sc->c, AGG_END, r, NULL), SIM_OK);
}

static void a_pass_committed_and_injected_publishes_what_the_per_record_pool_does(void **state)
{
    (void)state;
    struct script a, b;
    sim_result *ra = sim_result_create(NULL), *rb = sim_result_create(NULL);
    assert_non_null(ra);
    assert_non_null(rb);
    agg_run(&a, 0, ra);
    agg_run(&b, 1, rb);
    mdl_caller_stats s;
    mdl_caller_stats_get(a.c, AGG_END, &s);
    assert_true(s.max_in_use == 3 && s.refused == 1 && s.exhausted_at == S(42));
    assert_true(s.time_exhausted == S(17) && s.in_use == 0);
    mdl_caller_stats_get(b.c, AGG_END, &s);
    assert_true(s.in_use == 0); /* every injected thread came back */
    /* The areas are integer microseconds, exact below 2^53: equal in fact,
     * the margin of close_rel is for the divisions. */
    static const char *const approx[] = {"caller.web.pool_mean_in_use",
                                         "caller.web.pool_utilisation"};
    assert_same_metrics(ra, rb, approx, 2);
    sim_result_destroy(ra);
    sim_result_destroy(rb);
    script_fini(&a);
    script_fini(&b);
}

/* Commit and inject on their own: an inconsistent bulk is refused and
 * changes nothing; injecting into a full pool is refused. */
static void a_commit_checks_its_bulk_and_inject_its_room(void **state)
{
    (void)state;
    struct script sc;
    script_init(&sc, 2, 0);
    mdl_caller_bulk bad[] = {{.max_in_use = 3}, {.time_exhausted = -1}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        assert_int_equal(mdl_caller_commit(sc.c, &bad[k]), SIM_EINVAL);
    mdl_caller_bulk ok = {.requests = 4, .in_use_area = (double)S(5), .max_in_use = 2};
    assert_int_equal(mdl_caller_commit(sc.c, &ok), SIM_OK);
    mdl_caller_stats s;
    mdl_caller_stats_get(sc.c, S(10), &s);
    assert_true(s.max_in_use == 2 && s.in_use == 0); /* the pass's maximum, nothing held */
    assert_int_equal(mdl_caller_inject(sc.c, S(10)), SIM_OK);
    assert_int_equal(mdl_caller_inject(sc.c, S(10)), SIM_OK);
    assert_int_equal(mdl_caller_inject(sc.c, S(10)), SIM_EFULL);
    mdl_caller_stats_get(sc.c, S(20), &s);
    /* 4 requests, none refused; in use: 5 thread-s committed + 2 on
     * [10, 20) s = 25 thread-s over 20 s. */
    assert_true(s.requests == 4 && s.acquired == 4 && s.refused == 0 && s.in_use == 2);
    assert_true(fabs(s.mean_in_use - 25.0 / 20.0) < 1e-12);
    assert_true(s.time_exhausted == S(10) && s.max_in_use == 2);
    script_fini(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_full_pool_refuses_at_once_and_counts_the_time_exhausted),
        cmocka_unit_test(a_request_waits_first_come_first_served_until_its_deadline),
        cmocka_unit_test(a_thread_released_exactly_at_a_waiters_deadline_is_granted),
        cmocka_unit_test(the_share_of_requests_finding_every_thread_held_and_the_first_one),
        cmocka_unit_test(the_line_grows_and_keeps_first_come_first_served),
        cmocka_unit_test(a_line_that_cannot_grow_reports_enomem),
        cmocka_unit_test(the_default_pool_has_25_threads),
        cmocka_unit_test(publish_gives_utilisation_and_the_in_use_series),
        cmocka_unit_test(bad_configurations_are_rejected),
        cmocka_unit_test(create_survives_every_allocation_failure),
        cmocka_unit_test(a_pass_committed_and_injected_publishes_what_the_per_record_pool_does),
        cmocka_unit_test(a_commit_checks_its_bulk_and_inject_its_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
