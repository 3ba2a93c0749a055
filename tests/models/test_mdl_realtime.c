/*
 * Tests of mdl_realtime, the client of a real-time flow, wired to the real
 * models (endpoint, caller, breaker, quota, rate limit, token, ledger).
 *
 * Hand-computed schedules in integer microseconds (exact): the pool
 * exhaustion case of the issue, the cascade onto an unrelated flow with and
 * without a breaker + queue fallback, a timed-out call keeping its worker,
 * retries that hold the thread while sleeping, Retry-After (honoured or
 * ignored), a server timeout retried as a 5xx, a record waiting for a caller
 * thread, the quota's 403, tokens, the retry queue (a record parked behind
 * another keeps its due time; decorrelated retries in a slot a parked
 * record left start their chain afresh). Then conservation (the ledger
 * balances against what the flow still holds) under every fault, with every
 * fallback, with and without a breaker.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mdl_realtime.h"
#include "sim_alloc.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_rng.h"

#define S(x) ((sim_time)((x)*1e6 + 0.5))

static const char *const flow_ids[2] = {"A", "B"};

/* Two flows (A = 0, B = 1), each calling its own endpoint, optionally
 * sharing one caller pool and the limits given. */
struct world {
    sim_queue *q;
    mdl_ledger *ledger;
    mdl_caller *caller;
    mdl_endpoint *ep[2];
    mdl_realtime *rt[2];
    mdl_quota *quota;
    mdl_ratelimit *rl;
    mdl_token *token;
    gsl_rng *svc[2], *jit, *tok;
};

static void world_init(struct world *w)
{
    *w = (struct world){0};
    w->q = sim_queue_create(0, NULL);
    assert_non_null(w->q);
    w->ledger = mdl_ledger_create(2, flow_ids, NULL);
    assert_non_null(w->ledger);
    w->svc[0] = sim_rng_create(99, 0, "svc.A", NULL);
    w->svc[1] = sim_rng_create(99, 0, "svc.B", NULL);
    w->jit = sim_rng_create(99, 0, "jitter", NULL);
    w->tok = sim_rng_create(99, 0, "token", NULL);
    assert_non_null(w->svc[0]);
    assert_non_null(w->svc[1]);
    assert_non_null(w->jit);
    assert_non_null(w->tok);
}

static void add_caller_waiting(struct world *w, int size, sim_time wait)
{
    mdl_caller_cfg cfg = {.id = "app", .size = size, .wait = wait, .q = w->q};
    w->caller = mdl_caller_create(&cfg, 0, NULL);
    assert_non_null(w->caller);
}

static void add_caller(struct world *w, int size)
{
    add_caller_waiting(w, size, 0);
}

/* Endpoint i; cfg.rng is filled in. */
static void add_endpoint(struct world *w, int i, mdl_endpoint_cfg cfg)
{
    cfg.rng = w->svc[i];
    w->ep[i] = mdl_endpoint_create(w->q, &cfg, NULL);
    assert_non_null(w->ep[i]);
}

/* Flow i on endpoint i with the world's shared links; cfg's links are set. */
static void add_flow(struct world *w, int i, mdl_realtime_cfg cfg)
{
    cfg.id = flow_ids[i];
    cfg.flow = i;
    cfg.q = w->q;
    cfg.ledger = w->ledger;
    cfg.endpoint = w->ep[i];
    cfg.caller = w->caller;
    cfg.quota = w->quota;
    cfg.ratelimit = w->rl;
    cfg.token = w->token;
    cfg.rng = w->jit;
    sim_err err;
    w->rt[i] = mdl_realtime_create(&cfg, &err);
    if (!w->rt[i])
        print_error("%s\n", err.msg);
    assert_non_null(w->rt[i]);
}

static void world_fini(struct world *w)
{
    for (int i = 0; i < 2; i++) {
        mdl_realtime_destroy(w->rt[i]);
        mdl_endpoint_destroy(w->ep[i]);
        sim_rng_destroy(w->svc[i]);
    }
    mdl_token_destroy(w->token);
    mdl_ratelimit_destroy(w->rl);
    mdl_quota_destroy(w->quota);
    mdl_caller_destroy(w->caller);
    mdl_ledger_destroy(w->ledger);
    sim_rng_destroy(w->jit);
    sim_rng_destroy(w->tok);
    sim_queue_destroy(w->q);
}

static void submit_ev(void *ctx, uint64_t flow, sim_time now)
{
    struct world *w = ctx;
    assert_int_equal(mdl_realtime_submit(w->rt[flow], now), SIM_OK);
}

/* A record of flow f created at t (all pushed before the run starts, so at
 * equal times a submission fires before events scheduled during the run). */
static void record_at(struct world *w, int f, sim_time t)
{
    sim_queue_push(w->q, t, submit_ev, w, (uint64_t)f);
}

static uint64_t count(const struct world *w, int f, mdl_state s, mdl_reason r)
{
    return mdl_ledger_count_reason(w->ledger, f, s, r);
}

/* The ledger balances against what each flow still holds. */
static void assert_conserved(const struct world *w)
{
    uint64_t pending[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        if (w->rt[i])
            pending[i] = mdl_realtime_pending(w->rt[i]);
    sim_err err;
    int rc = mdl_ledger_check(w->ledger, pending, &err);
    if (rc != SIM_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SIM_OK);
}

static const sim_dist tenth = {.kind = SIM_DIST_CONST, .a = 0.1};
static const mdl_outage hang_0_1000[] = {{.start = 0, .end = S(1000), .mode = MDL_OUTAGE_HANG}};
static const mdl_outage hang_0_100[] = {{.start = 0, .end = S(100), .mode = MDL_OUTAGE_HANG}};

static void two_threads_and_hanging_calls_reject_exactly_the_third_and_fourth(void **state)
{
    (void)state;
    /* Pool of 2 threads; every call hangs; timeout 10 s, no retry, no
     * breaker, no fallback. Records at 0, 1, 2, 3, 11, 12 s.
     *   0 s  takes thread 1 (held until its timeout at 10 s)
     *   1 s  takes thread 2 (until 11 s): the pool is full
     *   2 s  pool full -> rejected pool_full
     *   3 s  pool full -> rejected pool_full
     *  10 s  record 0 times out: rejected timeout, thread 1 free
     *  11 s  record 11 takes thread 1 (it was pushed before the run, so it
     *        fires before record 1's timeout due at the same time), then
     *        record 1 times out and frees thread 2
     *  12 s  record 12 takes thread 2
     *  21 s, 22 s  the last two time out.
     * So exactly 2 rejected pool_full, 4 rejected timeout, 4 calls. The
     * pool is exhausted on [1, 10) and [12, 21) (and for 0 s at 11 s): 18 s. */
    struct world w;
    world_init(&w);
    add_caller(&w, 2);
    add_endpoint(
        &w, 0,
        (mdl_endpoint_cfg){
            .id = "erp", .workers = 5, .service = &tenth, .outages = hang_0_1000, .noutages = 1});
    add_flow(&w, 0, (mdl_realtime_cfg){.timeout = S(10), .max_attempts = 1});
    const double t[] = {0, 1, 2, 3, 11, 12};
    for (int k = 0; k < 6; k++)
        record_at(&w, 0, S(t[k]));
    assert_int_equal(sim_queue_run(w.q, S(30)), SIM_OK);
    assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_POOL_FULL), 2);
    assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_TIMEOUT), 4);
    assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), 0);
    mdl_realtime_stats rs;
    mdl_realtime_stats_get(w.rt[0], &rs);
    assert_int_equal(rs.attempts, 4);
    assert_int_equal(rs.pending, 0);
    mdl_caller_stats cs;
    mdl_caller_stats_get(w.caller, S(30), &cs);
    assert_int_equal(cs.refused, 2);
    assert_int_equal(cs.time_exhausted, S(18));
    assert_conserved(&w);
    world_fini(&w);
}

/* The caller's timeout is a deadline: an answer due exactly at it is in
 * time. One worker, a fixed 10 s service, timeout 20 s, no retry; two
 * records at 0 s: the first is served [0, 10), the second waits for the
 * worker and is served [10, 20): its answer comes at 20 s, exactly its
 * timeout. Both are delivered (the second with latency 20 s). With a
 * service of 10 s + 1 us the second answer comes at 20 s + 2 us: it times
 * out at 20 s. (Before the rule, the timeout, scheduled first, won the
 * tie for a request that had queued, and lost it for one served at once.) */
static const sim_dist ten_s = {.kind = SIM_DIST_CONST, .a = 10.0};
static const sim_dist ten_s_and_a_us = {.kind = SIM_DIST_CONST, .a = 10.000001};

static void an_answer_exactly_at_the_timeout_is_in_time(void **state)
{
    (void)state;
    for (int late = 0; late < 2; late++) {
        struct world w;
        world_init(&w);
        add_caller(&w, 2);
        add_endpoint(&w, 0,
                     (mdl_endpoint_cfg){
                         .id = "erp", .workers = 1, .service = late ? &ten_s_and_a_us : &ten_s});
        add_flow(&w, 0, (mdl_realtime_cfg){.timeout = S(20), .max_attempts = 1});
        record_at(&w, 0, 0);
        record_at(&w, 0, 0);
        assert_int_equal(sim_queue_run(w.q, S(60)), SIM_OK);
        assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), late ? 1 : 2);
        assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_TIMEOUT), late ? 1 : 0);
        assert_conserved(&w);
        world_fini(&w);
    }
}

/* A call served at once whose answer is due by the deadline needs no
 * timeout event: the answer is the only way it can end. One worker, a
 * fixed 10 s service, timeout 10 s, one record at 0 s: right after the
 * submission the calendar holds exactly one event, the endpoint's
 * completion (the old model also held a timeout that the answer always
 * cancelled), and the record is delivered at 10 s, exactly its deadline.
 * With 10 s + 1 us of service the answer would be 1 us late: the timeout
 * event is there (two events), fires at 10 s, and the record is rejected
 * timeout. */
static void a_call_answered_by_its_deadline_holds_no_timeout_event(void **state)
{
    (void)state;
    for (int late = 0; late < 2; late++) {
        struct world w;
        world_init(&w);
        add_caller(&w, 1);
        add_endpoint(&w, 0,
                     (mdl_endpoint_cfg){
                         .id = "erp", .workers = 1, .service = late ? &ten_s_and_a_us : &ten_s});
        add_flow(&w, 0, (mdl_realtime_cfg){.timeout = S(10), .max_attempts = 1});
        record_at(&w, 0, 0);
        assert_int_equal(sim_queue_run(w.q, 0), SIM_OK);
        assert_int_equal(sim_queue_size(w.q), late ? 2 : 1);
        assert_int_equal(sim_queue_run(w.q, S(60)), SIM_OK);
        assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), late ? 0 : 1);
        assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_TIMEOUT), late ? 1 : 0);
        assert_conserved(&w);
        world_fini(&w);
    }
}

/* The scenario of the card, scaled down. Flow A's ERP hangs for 100 s;
 * flow B's target is healthy (0.1 s); both share a pool of 2 threads.
 * A: records at 0, 1, 12, 13, 14 s; B: records at 5, 12.5, 13.5, 14.5 s.
 * Timeout 10 s, no retries. */
static void run_cascade(struct world *w, int protect)
{
    world_init(w);
    add_caller(w, 2);
    add_endpoint(
        w, 0,
        (mdl_endpoint_cfg){
            .id = "erp", .workers = 5, .service = &tenth, .outages = hang_0_100, .noutages = 1});
    add_endpoint(w, 1, (mdl_endpoint_cfg){.id = "crm", .workers = 5, .service = &tenth});
    mdl_breaker_cfg breaker = {.mode = MDL_BREAKER_CONSECUTIVE, .consecutive = 2};
    mdl_realtime_cfg a = {.timeout = S(10), .max_attempts = 1};
    if (protect) {
        a.breaker = &breaker; /* open 60 s, one probe: the defaults */
        a.fallback = MDL_FALLBACK_QUEUE;
        a.park_retry = S(30);
    } else {
        a.fallback = MDL_FALLBACK_FAIL_CLOSED;
    }
    add_flow(w, 0, a);
    add_flow(w, 1, (mdl_realtime_cfg){.timeout = S(10), .max_attempts = 1});
    const double ta[] = {0, 1, 12, 13, 14}, tb[] = {5, 12.5, 13.5, 14.5};
    for (int k = 0; k < 5; k++)
        record_at(w, 0, S(ta[k]));
    for (int k = 0; k < 4; k++)
        record_at(w, 1, S(tb[k]));
    assert_int_equal(sim_queue_run(w->q, S(200)), SIM_OK);
    assert_conserved(w);
}

static void a_hanging_erp_exhausts_the_pool_and_fails_an_unrelated_flow(void **state)
{
    (void)state;
    /* No breaker. A@0 holds a thread on [0, 10), A@1 on [1, 11): B@5 finds
     * the pool full. A@12 [12, 22); B@12.5 takes the other thread for
     * 0.1 s; A@13 [13, 23) fills the pool again: B@13.5, A@14, B@14.5 are
     * rejected. B: 1 delivered, 3 pool_full, although its target is fine. */
    struct world w;
    run_cascade(&w, 0);
    assert_int_equal(count(&w, 1, MDL_REJECTED, MDL_R_POOL_FULL), 3);
    assert_int_equal(mdl_ledger_count(w.ledger, 1, MDL_DELIVERED), 1);
    assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_TIMEOUT), 4);
    assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_POOL_FULL), 1);
    world_fini(&w);
}

static void a_breaker_with_a_queue_fallback_keeps_the_unrelated_flow_healthy(void **state)
{
    (void)state;
    /* Breaker: 2 consecutive failures, open 60 s, 1 probe; queue fallback
     * with one consumer retrying every 30 s.
     *   A@0, A@1 time out at 10 s, 11 s -> parked (threads freed), due 40 s
     *   and 41 s; the second failure opens the breaker at 11 s until 71 s.
     *   B@5 was already rejected (pool full before the breaker could open).
     *   A@12, 13, 14: the breaker refuses at once -> parked (due 42-44 s), no
     *   thread held: B@12.5, 13.5, 14.5 are delivered.
     * The consumer takes the head A@0 at 40 s: breaker OPEN, refused, back
     *   to the head due 70 s; at 70 s still OPEN (until 71 s), due 100 s. At
     *   100 s the call is the half-open probe; the hang window [0, 100) is
     *   over, so it is answered at 100.1 s: CLOSED. The consumer then takes
     *   A@1, A@12, A@13, A@14 one after another, 0.1 s each.
     * Delivered: 100.1 s (latency 100.1), 100.2 (99.2), 100.3 (88.3),
     *   100.4 (87.4), 100.5 (86.5): max 100.1 s, mean 92.3 s.
     * Calls of A: 0, 1, 100, 100.1, 100.2, 100.3, 100.4 s = 7. Breaker
     *   refusals: 12, 13, 14, 40, 70 s = 5. OPEN on [11, 100): 89 s;
     *   HALF_OPEN on [100, 100.1): 0.1 s. */
    struct world w;
    run_cascade(&w, 1);
    assert_int_equal(mdl_ledger_count(w.ledger, 1, MDL_DELIVERED), 3);
    assert_int_equal(count(&w, 1, MDL_REJECTED, MDL_R_POOL_FULL), 1);
    assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), 5);
    assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_REJECTED), 0);
    mdl_realtime_stats rs;
    mdl_realtime_stats_get(w.rt[0], &rs);
    assert_int_equal(rs.attempts, 7);
    assert_int_equal(rs.parked, 5);
    assert_int_equal(rs.delivered_after_park, 5);
    assert_int_equal(rs.timeout, 2);
    assert_int_equal(rs.breaker_refused, 5);
    assert_int_equal(rs.pending, 0);
    const mdl_breaker *b = mdl_realtime_breaker(w.rt[0]);
    assert_int_equal(mdl_breaker_opened(b), 1);
    assert_int_equal(mdl_breaker_time_open(b, S(200)), S(89));
    assert_int_equal(mdl_breaker_time_half_open(b, S(200)), S(0.1));
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_ledger_publish(w.ledger, NULL, r, NULL), SIM_OK);
    long i = sim_result_find(r, "flow.A.latency_max");
    assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 100.1) < 1e-6);
    i = sim_result_find(r, "flow.A.latency_mean");
    assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 92.3) < 1e-6);
    assert_int_equal(mdl_realtime_publish(w.rt[0], r, NULL), SIM_OK);
    i = sim_result_find(r, "flow.A.breaker_open_s");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 89.0);
    i = sim_result_find(r, "flow.A.delivered_after_park");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 5.0);
    sim_result_destroy(r);
    world_fini(&w);
}

static void a_timed_out_call_keeps_the_worker_busy(void **state)
{
    (void)state;
    /* One worker, 30 s per request; the flow gives up after 5 s. Records at
     * 0 and 10 s are both rejected (timeout at 5 s and 15 s), but the worker
     * serves them on [0, 30) and [30, 60): 100 % utilisation, 60 s wasted. */
    sim_dist thirty = {.kind = SIM_DIST_CONST, .a = 30.0};
    struct world w;
    world_init(&w);
    add_endpoint(&w, 0, (mdl_endpoint_cfg){.id = "erp", .workers = 1, .service = &thirty});
    add_flow(&w, 0, (mdl_realtime_cfg){.timeout = S(5), .max_attempts = 1});
    record_at(&w, 0, 0);
    record_at(&w, 0, S(10));
    sim_queue_run(w.q, S(60));
    assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_TIMEOUT), 2);
    mdl_endpoint_stats s;
    mdl_endpoint_stats_get(w.ep[0], &s);
    assert_true(fabs(s.utilisation - 1.0) < 1e-12);
    assert_int_equal(s.wasted, 2);
    assert_true(s.wasted_work_s == 60.0);
    assert_conserved(&w);
    world_fini(&w);
}

static void retries_sleep_the_backoff_while_holding_the_thread(void **state)
{
    (void)state;
    /* Fail-fast outage: every call gets 503 at once. 3 attempts, no jitter,
     * base 1 s: attempts at 0, 0 + 2 = 2, 2 + 4 = 6 s, then rejected
     * (unavailable). The single thread is held all 6 s, so a record at 3 s
     * is rejected pool_full. */
    mdl_outage down[] = {{.start = 0, .end = S(1000), .mode = MDL_OUTAGE_FAIL_FAST}};
    struct world w;
    world_init(&w);
    add_caller(&w, 1);
    add_endpoint(&w, 0,
                 (mdl_endpoint_cfg){
                     .id = "erp", .workers = 1, .service = &tenth, .outages = down, .noutages = 1});
    add_flow(
        &w, 0,
        (mdl_realtime_cfg){.backoff = {.jitter = MDL_JITTER_NONE, .base = S(1), .cap = S(100)}});
    record_at(&w, 0, 0);
    record_at(&w, 0, S(3));
    sim_queue_run(w.q, S(10));
    assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_UNAVAILABLE), 1);
    assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_POOL_FULL), 1);
    mdl_realtime_stats rs;
    mdl_realtime_stats_get(w.rt[0], &rs);
    assert_int_equal(rs.attempts, 3);
    assert_int_equal(rs.retries, 2);
    assert_int_equal(rs.sleep_total, S(6));
    mdl_caller_stats cs;
    mdl_caller_stats_get(w.caller, S(10), &cs);
    assert_true(fabs(cs.mean_in_use - 0.6) < 1e-12); /* held 6 s of 10 */
    sim_result *r = sim_result_create(NULL);
    assert_int_equal(mdl_ledger_publish(w.ledger, NULL, r, NULL), SIM_OK);
    long i = sim_result_find(r, "flow.A.calls_per_record");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 1.5); /* 3 calls, 2 records */
    sim_result_destroy(r);
    assert_conserved(&w);
    world_fini(&w);
}

static void a_429_is_retried_after_exactly_the_retry_after(void **state)
{
    (void)state;
    /* 1 request per 10 s (1 s buckets, Retry-After in whole seconds).
     * Record 1 at 0 s: delivered at 0.1 s. Record 2 at 0.5 s: 429; bucket 0
     * leaves at 11 s, Retry-After = ceil(10.5 s) = 11 s, so the retry goes
     * at 11.5 s, is accepted and answered at 11.6 s: latency 11.1 s. */
    struct world w;
    world_init(&w);
    mdl_ratelimit_cfg rl = {.id = "erp", .limit = 1, .window = S(10), .bucket = S(1)};
    w.rl = mdl_ratelimit_create(&rl, NULL);
    assert_non_null(w.rl);
    add_endpoint(&w, 0, (mdl_endpoint_cfg){.id = "erp", .workers = 2, .service = &tenth});
    add_flow(&w, 0, (mdl_realtime_cfg){0});
    record_at(&w, 0, 0);
    record_at(&w, 0, S(0.5));
    sim_queue_run(w.q, S(100));
    assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), 2);
    mdl_realtime_stats rs;
    mdl_realtime_stats_get(w.rt[0], &rs);
    assert_int_equal(rs.attempts, 3);
    assert_int_equal(rs.rate_limited, 1);
    assert_int_equal(rs.sleep_total, S(11));
    sim_result *r = sim_result_create(NULL);
    assert_int_equal(mdl_ledger_publish(w.ledger, NULL, r, NULL), SIM_OK);
    long i = sim_result_find(r, "flow.A.latency_max");
    assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 11.1) < 1e-9);
    sim_result_destroy(r);
    assert_conserved(&w);
    world_fini(&w);
}

/* The same 429 as above, for a client that ignores Retry-After (a badly
 * written one): 3 attempts, no jitter, base 1 s. Record 2's attempts go at
 * 0.5 s, 0.5 + expo(1) = 0.5 + 2 = 2.5 s and 2.5 + expo(2) = 2.5 + 4 = 6.5 s;
 * the only slot of [0, 10 s) is taken until 11 s, so all three get 429 and
 * it is rejected rate_limited at 6.5 s, after 6 s of sleep. (Honouring the
 * header it slept 11 s once and was delivered.) */
static void a_client_that_ignores_retry_after_sleeps_its_backoff(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    mdl_ratelimit_cfg rl = {.id = "erp", .limit = 1, .window = S(10), .bucket = S(1)};
    w.rl = mdl_ratelimit_create(&rl, NULL);
    assert_non_null(w.rl);
    add_endpoint(&w, 0, (mdl_endpoint_cfg){.id = "erp", .workers = 2, .service = &tenth});
    add_flow(
        &w, 0,
        (mdl_realtime_cfg){.ignore_retry_after = 1,
                           .backoff = {.jitter = MDL_JITTER_NONE, .base = S(1), .cap = S(100)}});
    record_at(&w, 0, 0);
    record_at(&w, 0, S(0.5));
    sim_queue_run(w.q, S(100));
    assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), 1);
    assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_RATE_LIMITED), 1);
    mdl_realtime_stats rs;
    mdl_realtime_stats_get(w.rt[0], &rs);
    assert_int_equal(rs.attempts, 4);
    assert_int_equal(rs.rate_limited, 3);
    assert_int_equal(rs.sleep_total, S(6));
    assert_conserved(&w);
    world_fini(&w);
}

/* A server timeout (endpoint: one worker, 30 s per request, aborted after
 * 10 s in service) answers 5xx: the client retries it like a 503. Client
 * timeout 20 s, 2 attempts, no jitter, base 1 s. The record at 0 s:
 * attempt 1 is aborted at 10 s; sleep expo(1) = 2 s; attempt 2 at 12 s is
 * aborted at 22 s: rejected unavailable at 22 s, the worker busy only
 * [0, 10) and [12, 22), no wasted work (the client waited for both
 * answers). Without the server timeout the client gives up at 20 s,
 * retries at 22 s, behind the abandoned first request (in service until
 * 30 s), and gives up again at 42 s: rejected timeout, while the worker
 * serves both abandoned requests until 60 s: 60 s of wasted work. */
static void a_server_timeout_is_a_retryable_5xx(void **state)
{
    (void)state;
    sim_dist thirty = {.kind = SIM_DIST_CONST, .a = 30.0};
    for (int server = 1; server >= 0; server--) {
        struct world w;
        world_init(&w);
        add_endpoint(&w, 0,
                     (mdl_endpoint_cfg){.id = "erp",
                                        .workers = 1,
                                        .service = &thirty,
                                        .server_timeout = server ? S(10) : 0});
        add_flow(&w, 0,
                 (mdl_realtime_cfg){
                     .timeout = S(20),
                     .max_attempts = 2,
                     .backoff = {.jitter = MDL_JITTER_NONE, .base = S(1), .cap = S(100)}});
        record_at(&w, 0, 0);
        assert_int_equal(sim_queue_run(w.q, S(200)), SIM_OK);
        mdl_realtime_stats rs;
        mdl_realtime_stats_get(w.rt[0], &rs);
        mdl_endpoint_stats es;
        mdl_endpoint_stats_get(w.ep[0], &es);
        assert_int_equal(rs.attempts, 2);
        assert_int_equal(rs.retries, 1);
        assert_int_equal(rs.sleep_total, S(2));
        if (server) {
            assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_UNAVAILABLE), 1);
            assert_int_equal(rs.unavailable, 2);
            assert_int_equal(rs.timeout, 0);
            assert_int_equal(es.aborted, 2);
            assert_int_equal(es.wasted, 0);
            /* busy [0, 10) and [12, 22): 20 s of 200 */
            assert_true(fabs(es.utilisation - 0.1) < 1e-12);
        } else {
            assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_TIMEOUT), 1);
            assert_int_equal(rs.timeout, 2);
            assert_int_equal(es.aborted, 0);
            assert_true(es.wasted_work_s == 60.0);
            assert_true(fabs(es.utilisation - 0.3) < 1e-12); /* busy [0, 60) of 200 s */
        }
        assert_conserved(&w);
        world_fini(&w);
    }
}

/* One caller thread, pool_wait 5 s; every call takes 3 s on a roomy
 * endpoint. Records at 0, 1, 2, 2.5 and 10 s:
 *    0 s    takes the thread; answered at 3 s
 *    1 s    waits (deadline 6 s); gets the thread at 3 s, answered at 6 s
 *    2 s    waits (deadline 7 s); gets it at 6 s, answered at 9 s
 *    2.5 s  waits (deadline 7.5 s); refused pool_full at 7.5 s
 *   10 s    the thread is free: answered at 13 s
 * Latencies include the wait: 3, 5, 7 and 3 s (mean 4.5 s, max 7 s). The
 * record that waits holds no thread: in use [0, 9) and [10, 13), 12 s of
 * 20. With pool_wait 0 the records at 1, 2 and 2.5 s are rejected at once. */
static void a_record_waits_for_a_caller_thread_up_to_pool_wait(void **state)
{
    (void)state;
    sim_dist three = {.kind = SIM_DIST_CONST, .a = 3.0};
    for (int wait = 1; wait >= 0; wait--) {
        struct world w;
        world_init(&w);
        add_caller_waiting(&w, 1, wait ? S(5) : 0);
        add_endpoint(&w, 0, (mdl_endpoint_cfg){.id = "erp", .workers = 5, .service = &three});
        add_flow(&w, 0, (mdl_realtime_cfg){0});
        const double t[] = {0, 1, 2, 2.5, 10};
        for (int k = 0; k < 5; k++)
            record_at(&w, 0, S(t[k]));
        sim_queue_run(w.q, S(4));
        /* at 4 s: one record calling (holds the thread), two waiting */
        if (wait) {
            assert_int_equal(mdl_realtime_pending(w.rt[0]), 3);
            assert_int_equal(mdl_caller_in_use(w.caller), 1);
            assert_int_equal(mdl_caller_waiting(w.caller), 2);
            assert_conserved(&w);
        }
        assert_int_equal(sim_queue_run(w.q, S(20)), SIM_OK);
        mdl_caller_stats cs;
        mdl_caller_stats_get(w.caller, S(20), &cs);
        sim_result *r = sim_result_create(NULL);
        assert_int_equal(mdl_ledger_publish(w.ledger, NULL, r, NULL), SIM_OK);
        long i = sim_result_find(r, "flow.A.latency_max");
        if (wait) {
            assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), 4);
            assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_POOL_FULL), 1);
            assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 7.0) < 1e-9);
            i = sim_result_find(r, "flow.A.latency_mean");
            assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 4.5) < 1e-9);
            assert_int_equal(cs.waited, 3);
            assert_int_equal(cs.wait_refused, 1);
            assert_int_equal(cs.wait_granted, S(2) + S(4));
            assert_true(fabs(cs.mean_in_use - 0.6) < 1e-12);
        } else {
            assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), 2);
            assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_POOL_FULL), 3);
            assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 3.0) < 1e-9);
            assert_int_equal(cs.waited, 0);
        }
        sim_result_destroy(r);
        assert_int_equal(mdl_caller_in_use(w.caller), 0);
        assert_conserved(&w);
        world_fini(&w);
    }
}

static void an_exhausted_quota_answers_403_and_the_queue_waits_for_the_window(void **state)
{
    (void)state;
    /* 2 calls per rolling 24 h (1-minute buckets). Records at 0, 1, 2 s.
     * Fallback none: the third gets 403 REQUEST_LIMIT_EXCEEDED, which is not
     * retried (no Retry-After; waiting seconds is useless): 1 call. */
    for (int queue = 0; queue <= 1; queue++) {
        struct world w;
        world_init(&w);
        mdl_quota_cfg qc = {.limit = 2, .window = SIM_DAY};
        w.quota = mdl_quota_create(&qc, NULL);
        assert_non_null(w.quota);
        add_endpoint(&w, 0, (mdl_endpoint_cfg){.id = "sf", .workers = 2, .service = &tenth});
        mdl_realtime_cfg cfg = {0};
        if (queue) {
            cfg.fallback = MDL_FALLBACK_QUEUE;
            cfg.park_retry = SIM_HOUR;
        }
        add_flow(&w, 0, cfg);
        for (int k = 0; k < 3; k++)
            record_at(&w, 0, S(k));
        sim_queue_run(w.q, 2 * SIM_DAY);
        mdl_realtime_stats rs;
        mdl_realtime_stats_get(w.rt[0], &rs);
        if (!queue) {
            assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_QUOTA), 1);
            assert_int_equal(rs.attempts, 3);
            assert_int_equal(rs.quota, 1);
        } else {
            /* Parked at 2 s, retried every hour at 2 s + k h. The calls of 0 s
             * and 1 s lie in bucket [0, 60 s) and count until 60 s + 24 h =
             * 86,460 s; k = 24 (86,402 s) is still refused, k = 25 (90,002 s)
             * passes: delivered at 90,002.1 s, latency 90,000.1 s, after
             * 1 + 24 refusals. */
            assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), 3);
            assert_int_equal(rs.quota, 25);
            assert_int_equal(rs.attempts, 2 + 26);
            sim_result *r = sim_result_create(NULL);
            assert_int_equal(mdl_ledger_publish(w.ledger, NULL, r, NULL), SIM_OK);
            long i = sim_result_find(r, "flow.A.latency_max");
            assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 90000.1) < 1e-6);
            sim_result_destroy(r);
        }
        assert_conserved(&w);
        world_fini(&w);
    }
}

static void tokens_expire_or_cost_a_refresh_inline(void **state)
{
    (void)state;
    for (int mode = MDL_TOKEN_INLINE; mode <= MDL_TOKEN_NONE; mode++) {
        struct world w;
        world_init(&w);
        mdl_quota_cfg qc = {.limit = 100, .window = SIM_DAY};
        w.quota = mdl_quota_create(&qc, NULL);
        mdl_token_cfg tc = {.id = "app",
                            .mode = (mdl_token_mode)mode,
                            .lifetime = S(10),
                            .refresh_min = S(0.3),
                            .refresh_max = S(0.3),
                            .rng = w.tok};
        w.token = mdl_token_create(&tc, 0, NULL);
        assert_non_null(w.quota);
        assert_non_null(w.token);
        add_endpoint(&w, 0, (mdl_endpoint_cfg){.id = "sf", .workers = 2, .service = &tenth});
        add_flow(&w, 0, (mdl_realtime_cfg){.fallback = MDL_FALLBACK_QUEUE});
        record_at(&w, 0, S(5));
        record_at(&w, 0, S(11));
        sim_queue_run(w.q, S(100));
        sim_result *r = sim_result_create(NULL);
        assert_int_equal(mdl_ledger_publish(w.ledger, NULL, r, NULL), SIM_OK);
        long i = sim_result_find(r, "flow.A.latency_max");
        if (mode == MDL_TOKEN_INLINE) {
            /* The record at 11 s refreshes first: 0.3 s + 0.1 s. */
            assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), 2);
            assert_true(fabs(sim_result_value(r, (size_t)i) - 0.4) < 1e-9);
        } else {
            /* The record at 11 s calls with a dead token: 401, not retried,
             * not parked (waiting cannot help), and not billed to the quota. */
            assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_TOKEN_EXPIRED), 1);
            assert_int_equal(mdl_quota_used(w.quota, S(100)), 1);
            mdl_realtime_stats rs;
            mdl_realtime_stats_get(w.rt[0], &rs);
            assert_int_equal(rs.attempts, 2);
            assert_int_equal(rs.parked, 0);
        }
        sim_result_destroy(r);
        assert_conserved(&w);
        world_fini(&w);
    }
}

static void the_retry_queue_drains_at_the_consumers_pace_after_recovery(void **state)
{
    (void)state;
    /* Fail-fast outage on [0, 100 s); 10 records at 0..9 s, one attempt
     * each, queue fallback with 2 consumers and park_retry 30 s; service
     * 1 s on 10 workers.
     *   Every record gets 503 at once and is parked, due 30 s after.
     *   While the outage lasts, the consumers keep retrying the head only:
     *   A@0 at 30, 60, 90 s (one attempt per park_retry, not one per
     *   parked record).
     *   At 120 s both consumers take a record (A@0, A@1), answered at 121 s;
     *   then A@2, A@3 at 122 s, ... A@8, A@9 at 125 s.
     * Latencies 121, 120, 120, 119, 119, 118, 118, 117, 117, 116 s: mean
     * 118.5 s. Calls: 10 + 3 + 10 = 23. */
    mdl_outage down[] = {{.start = 0, .end = S(100), .mode = MDL_OUTAGE_FAIL_FAST}};
    sim_dist one = {.kind = SIM_DIST_CONST, .a = 1.0};
    struct world w;
    world_init(&w);
    add_endpoint(&w, 0,
                 (mdl_endpoint_cfg){
                     .id = "erp", .workers = 10, .service = &one, .outages = down, .noutages = 1});
    add_flow(&w, 0,
             (mdl_realtime_cfg){.max_attempts = 1,
                                .fallback = MDL_FALLBACK_QUEUE,
                                .park_retry = S(30),
                                .park_workers = 2,
                                .series_interval = S(50),
                                .series_bins = 4});
    for (int k = 0; k < 10; k++)
        record_at(&w, 0, S(k));
    sim_queue_run(w.q, S(200));
    mdl_realtime_stats rs;
    mdl_realtime_stats_get(w.rt[0], &rs);
    assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), 10);
    assert_int_equal(rs.attempts, 23);
    assert_int_equal(rs.park_attempts, 13);
    assert_int_equal(rs.parked_now, 0);
    sim_result *r = sim_result_create(NULL);
    assert_int_equal(mdl_ledger_publish(w.ledger, NULL, r, NULL), SIM_OK);
    assert_int_equal(mdl_realtime_publish(w.rt[0], r, NULL), SIM_OK);
    long i = sim_result_find(r, "flow.A.latency_max");
    assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 121.0) < 1e-9);
    i = sim_result_find(r, "flow.A.latency_mean");
    assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 118.5) < 1e-9);
    /* Parked records over time: 10 from 9 s to 120 s, then draining. The
     * bucket [50, 100) holds 10 throughout. */
    i = sim_result_find(r, "flow.A.parked_series");
    assert_true(i >= 0);
    assert_true(sim_series_value(sim_result_series_at(r, (size_t)i), 1) == 10.0);
    sim_result_destroy(r);
    assert_conserved(&w);
    world_fini(&w);
}

/* The flow's attempts so far, after running the calendar up to t. */
static uint64_t attempts_by(struct world *w, sim_time t)
{
    assert_int_equal(sim_queue_run(w->q, t), SIM_OK);
    mdl_realtime_stats rs;
    mdl_realtime_stats_get(w->rt[0], &rs);
    return rs.attempts;
}

/* The decorrelated sleep of docs/models/realtime.md, drawn here from a copy
 * of the flow's jitter stream: min(cap, U(base, 3 prev)), prev = base for a
 * record's first retry, U(a, b) = a + round((b - a) u) with u in [0, 1). */
static sim_time decorrelated(gsl_rng *r, sim_time base, sim_time cap, sim_time prev)
{
    sim_time p = prev > 0 ? prev : base;
    sim_time d = base + (sim_time)llround((double)(3 * p - base) * sim_rng_uniform(r));
    return d > cap ? cap : d;
}

/* A record's last backoff sleep (read by decorrelated jitter) shares its
 * bytes with `due`, its next attempt once parked: a record that parks
 * leaves `due` in its slot, and the next record in that slot must start
 * its decorrelated chain from base again, and set `due` only once parked.
 * Fail-fast outages on [0, 20 s) and [100, 120 s); 3 attempts, base 1 s,
 * cap 100 s; queue fallback, park_retry 30 s; service 0.1 s.
 *   X at 1 s: 503 at 1, 1 + d1, 1 + d1 + d2 s (d1 = U(1, 3 s), d2 =
 *     U(1, 3 d1): at most 13 s), parked there; the consumer's attempt 30 s
 *     later (past the outage) is answered 0.1 s after: X finishes and its
 *     slot, the only one used so far, is free with `due` still in it.
 *   Y at 100 s takes that slot: 503 at 100, 100 + e1, 100 + e1 + e2 s, with
 *     e1 = U(1, 3 s) again (a fresh chain) and e2 = U(1, 3 e1); parked, and
 *     delivered 30.1 s later.
 * d1, d2, e1, e2 are the next four draws of the jitter stream (nothing
 * else draws from it), computed here; each attempt is checked to come at
 * its time to the microsecond (not 1 us earlier). */
static void decorrelated_retries_start_afresh_in_a_slot_a_parked_record_left(void **state)
{
    (void)state;
    const sim_time base = S(1), cap = S(100);
    gsl_rng *mine = sim_rng_create(99, 0, "jitter", NULL); /* the world's jitter stream */
    assert_non_null(mine);
    sim_time d1 = decorrelated(mine, base, cap, 0);
    sim_time d2 = decorrelated(mine, base, cap, d1);
    sim_time e1 = decorrelated(mine, base, cap, 0);
    sim_time e2 = decorrelated(mine, base, cap, e1);
    sim_rng_destroy(mine);
    /* The first sleep of a chain lies in [base, 3 base], the second in
     * [base, 3 * first]. */
    assert_true(d1 >= base && d1 <= 3 * base && e1 >= base && e1 <= 3 * base);
    assert_true(d2 >= base && d2 <= 3 * d1 && e2 >= base && e2 <= 3 * e1);

    mdl_outage down[] = {{.start = 0, .end = S(20), .mode = MDL_OUTAGE_FAIL_FAST},
                         {.start = S(100), .end = S(120), .mode = MDL_OUTAGE_FAIL_FAST}};
    struct world w;
    world_init(&w);
    add_endpoint(&w, 0,
                 (mdl_endpoint_cfg){
                     .id = "erp", .workers = 2, .service = &tenth, .outages = down, .noutages = 2});
    add_flow(
        &w, 0,
        (mdl_realtime_cfg){.max_attempts = 3,
                           .backoff = {.jitter = MDL_JITTER_DECORRELATED, .base = base, .cap = cap},
                           .fallback = MDL_FALLBACK_QUEUE,
                           .park_retry = S(30)});
    record_at(&w, 0, S(1));
    record_at(&w, 0, S(100));
    const sim_time x = S(1), tp = x + d1 + d2, y = S(100), tq = y + e1 + e2;
    const sim_time at[] = {x, x + d1, tp, tp + S(30), y, y + e1, tq, tq + S(30)};
    for (int k = 0; k < 8; k++) {
        assert_int_equal(attempts_by(&w, at[k] - 1), (uint64_t)k);
        assert_int_equal(attempts_by(&w, at[k]), (uint64_t)k + 1);
    }
    assert_int_equal(sim_queue_run(w.q, S(300)), SIM_OK);
    mdl_realtime_stats rs;
    mdl_realtime_stats_get(w.rt[0], &rs);
    assert_int_equal(rs.attempts, 8);
    assert_int_equal(rs.retries, 4);
    assert_int_equal(rs.parked, 2);
    assert_int_equal(rs.delivered_after_park, 2);
    assert_int_equal(rs.sleep_total, d1 + d2 + e1 + e2);
    assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), 2);
    assert_conserved(&w);
    world_fini(&w);
}

/* A queued record's `due` is set once, when it is parked, and survives
 * while it waits behind another. Fail-fast outage on [0, 10 s), one
 * attempt, one consumer, park_retry 30 s, service 0.1 s. P at 1 s and Q at
 * 4 s get 503 and are parked, due 31 s and 34 s; Q is not the head. The
 * consumer takes P at 31 s (delivered 31.1 s), looks again at 31.1 s, finds
 * Q due at 34 s and waits: Q's first park attempt is at 34 s exactly (not
 * 1 us earlier), delivered 34.1 s. Latencies 30.1 s both. */
static void a_record_parked_behind_another_keeps_its_due_time(void **state)
{
    (void)state;
    mdl_outage down[] = {{.start = 0, .end = S(10), .mode = MDL_OUTAGE_FAIL_FAST}};
    struct world w;
    world_init(&w);
    add_endpoint(&w, 0,
                 (mdl_endpoint_cfg){
                     .id = "erp", .workers = 2, .service = &tenth, .outages = down, .noutages = 1});
    add_flow(
        &w, 0,
        (mdl_realtime_cfg){.max_attempts = 1, .fallback = MDL_FALLBACK_QUEUE, .park_retry = S(30)});
    record_at(&w, 0, S(1));
    record_at(&w, 0, S(4));
    const sim_time at[] = {S(1), S(4), S(31), S(34)};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(attempts_by(&w, at[k] - 1), (uint64_t)k);
        assert_int_equal(attempts_by(&w, at[k]), (uint64_t)k + 1);
    }
    assert_int_equal(sim_queue_run(w.q, S(100)), SIM_OK);
    mdl_realtime_stats rs;
    mdl_realtime_stats_get(w.rt[0], &rs);
    assert_int_equal(rs.attempts, 4);
    assert_int_equal(rs.park_attempts, 2);
    assert_int_equal(rs.delivered_after_park, 2);
    sim_result *r = sim_result_create(NULL);
    assert_int_equal(mdl_ledger_publish(w.ledger, NULL, r, NULL), SIM_OK);
    long i = sim_result_find(r, "flow.A.latency_max");
    assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 30.1) < 1e-9);
    i = sim_result_find(r, "flow.A.latency_mean");
    assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 30.1) < 1e-9);
    sim_result_destroy(r);
    assert_conserved(&w);
    world_fini(&w);
}

/* ---- conservation under every fault ---------------------------------------- */

enum fault {
    F_OUTAGE_FAIL_FAST,
    F_OUTAGE_HANG,
    F_DEGRADATION,
    F_QUOTA,
    F_RATE_LIMIT,
    F_TOKEN,
    F_POOL,
    F_POOL_WAIT,
    F_CONCURRENCY,
    F_COUNT
};

static const char *const fault_names[F_COUNT] = {
    "outage fail-fast", "outage hang", "degradation", "quota", "rate limit", "token", "pool",
    "pool wait",        "concurrency"};

struct poisson {
    struct world *w;
    gsl_rng *r;
    double rate[2];
    sim_time stop;
};

static void poisson_ev(void *ctx, uint64_t f, sim_time now)
{
    struct poisson *p = ctx;
    assert_int_equal(mdl_realtime_submit(p->w->rt[f], now), SIM_OK);
    sim_time next = now + sim_time_clamp_seconds(gsl_ran_exponential(p->r, 1.0 / p->rate[f]));
    if (next < p->stop)
        sim_queue_push(p->w->q, next, poisson_ev, p, f);
}

/* One hour of Poisson traffic: flow A (1.5/s) calls the faulty endpoint,
 * flow B (0.5/s) a healthy one; both share a caller. The faults sit in
 * [10 min, 20 min) (degradation to 30 min), so the queue fallback can drain
 * before the end - or not, which the pending count covers. */
static void run_fault(enum fault fault, mdl_fallback fb, int with_breaker)
{
    struct world w;
    world_init(&w);
    sim_time t0 = 10 * SIM_MIN, t1 = 20 * SIM_MIN, horizon = SIM_HOUR;
    mdl_outage outage = {.start = t0,
                         .end = t1,
                         .mode = fault == F_OUTAGE_HANG ? MDL_OUTAGE_HANG : MDL_OUTAGE_FAIL_FAST};
    mdl_degradation slow = {.start = t0, .end = 30 * SIM_MIN, .factor = 50.0};
    if (fault == F_POOL_WAIT)
        add_caller_waiting(&w, 4, S(20));
    else
        add_caller(&w, fault == F_POOL ? 4 : 40);
    if (fault == F_QUOTA) {
        mdl_quota_cfg qc = {.limit = 3000, .window = SIM_DAY};
        w.quota = mdl_quota_create(&qc, NULL);
        assert_non_null(w.quota);
    }
    if (fault == F_RATE_LIMIT) {
        mdl_ratelimit_cfg rc = {.id = "erp", .limit = 300}; /* per 300 s: 1/s for 2/s offered */
        w.rl = mdl_ratelimit_create(&rc, NULL);
        assert_non_null(w.rl);
    }
    if (fault == F_TOKEN) {
        mdl_token_cfg tc = {.id = "app", .mode = MDL_TOKEN_NONE, .lifetime = 30 * SIM_MIN};
        w.token = mdl_token_create(&tc, 0, NULL);
        assert_non_null(w.token);
    }
    mdl_endpoint_cfg e = {.id = "erp", .workers = 8};
    if (fault == F_OUTAGE_FAIL_FAST || fault == F_OUTAGE_HANG) {
        e.outages = &outage;
        e.noutages = 1;
    }
    if (fault == F_DEGRADATION || fault == F_POOL || fault == F_POOL_WAIT) {
        e.degradations = &slow;
        e.ndegradations = 1;
    }
    if (fault == F_CONCURRENCY)
        e.concurrency_limit = 2;
    add_endpoint(&w, 0, e);
    add_endpoint(&w, 1, (mdl_endpoint_cfg){.id = "crm", .workers = 8});
    mdl_breaker_cfg bc = {.window = 20, .minimum_calls = 10};
    mdl_realtime_cfg cfg = {.timeout = S(30), .fallback = fb, .park_retry = S(60)};
    if (with_breaker)
        cfg.breaker = &bc;
    add_flow(&w, 0, cfg);
    add_flow(&w, 1, cfg);

    gsl_rng *arr = sim_rng_create(99, (uint64_t)fault, "arrivals", NULL);
    assert_non_null(arr);
    struct poisson p = {.w = &w, .r = arr, .rate = {1.5, 0.5}, .stop = horizon};
    sim_queue_push(w.q, 0, poisson_ev, &p, 0);
    sim_queue_push(w.q, 0, poisson_ev, &p, 1);
    assert_int_equal(sim_queue_run(w.q, horizon), SIM_OK);

    assert_conserved(&w);
    mdl_realtime_stats a, b;
    mdl_realtime_stats_get(w.rt[0], &a);
    mdl_realtime_stats_get(w.rt[1], &b);
    assert_int_equal(mdl_realtime_status(w.rt[0]), SIM_OK);
    /* Threads held = records in flight that are neither parked nor waiting
     * for a thread. */
    assert_int_equal((uint64_t)mdl_caller_in_use(w.caller) + (uint64_t)mdl_caller_waiting(w.caller),
                     a.pending - a.parked_now + b.pending - b.parked_now);
    /* The fault did happen, and traffic still flowed. */
    uint64_t hit = 0;
    switch (fault) {
    case F_OUTAGE_FAIL_FAST:
        hit = a.unavailable;
        break;
    case F_OUTAGE_HANG:
    case F_DEGRADATION:
        hit = a.timeout;
        break;
    case F_QUOTA:
        hit = a.quota + b.quota;
        break;
    case F_RATE_LIMIT:
        hit = a.rate_limited;
        break;
    case F_CONCURRENCY:
        hit = a.concurrency; /* its own reason since it is not a 429 */
        break;
    case F_TOKEN:
        hit = a.token_expired;
        break;
    case F_POOL:
        hit = count(&w, 1, MDL_REJECTED, MDL_R_POOL_FULL); /* the cascade onto B */
        break;
    case F_POOL_WAIT: { /* B waits for threads, and some wait in vain */
        mdl_caller_stats cs;
        mdl_caller_stats_get(w.caller, horizon, &cs);
        hit = cs.waited > cs.wait_refused ? count(&w, 1, MDL_REJECTED, MDL_R_POOL_FULL) : 0;
        break;
    }
    case F_COUNT:
        break;
    }
    if (hit == 0)
        print_error("fault %s, fallback %s, breaker %d: not triggered\n", fault_names[fault],
                    mdl_fallback_name(fb), with_breaker);
    assert_true(hit > 0);
    assert_true(mdl_ledger_count(w.ledger, 1, MDL_DELIVERED) > 0);
    if (fb == MDL_FALLBACK_QUEUE && fault != F_TOKEN && fault != F_QUOTA)
        assert_true(a.parked > 0 && a.delivered_after_park > 0);
    if (fb != MDL_FALLBACK_QUEUE)
        assert_int_equal(a.parked, 0);
    sim_rng_destroy(arr);
    world_fini(&w);
}

static void conservation_holds_under_every_fault_and_fallback(void **state)
{
    (void)state;
    for (int f = 0; f < F_COUNT; f++)
        for (int fb = MDL_FALLBACK_NONE; fb <= MDL_FALLBACK_QUEUE; fb++)
            for (int br = 0; br <= 1; br++)
                run_fault((enum fault)f, (mdl_fallback)fb, br);
}

static void bad_configurations_are_rejected(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    add_endpoint(&w, 0, (mdl_endpoint_cfg){.id = "erp", .workers = 1});
    sim_err err;
    mdl_realtime_cfg no_ledger = {.id = "A", .q = w.q, .endpoint = w.ep[0]};
    assert_null(mdl_realtime_create(&no_ledger, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_realtime_cfg no_rng = {.id = "A", .q = w.q, .ledger = w.ledger, .endpoint = w.ep[0]};
    assert_null(mdl_realtime_create(&no_rng, &err)); /* full jitter needs one */
    mdl_breaker_cfg bad = {.failure_rate = 101};
    mdl_realtime_cfg bad_breaker = {.id = "A",
                                    .q = w.q,
                                    .ledger = w.ledger,
                                    .endpoint = w.ep[0],
                                    .rng = w.jit,
                                    .breaker = &bad};
    assert_null(mdl_realtime_create(&bad_breaker, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    world_fini(&w);
}

static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    add_endpoint(&w, 0, (mdl_endpoint_cfg){.id = "erp", .workers = 1});
    mdl_breaker_cfg bc = {.series_interval = SIM_SEC, .series_bins = 10};
    mdl_realtime_cfg cfg = {.id = "A",
                            .q = w.q,
                            .ledger = w.ledger,
                            .endpoint = w.ep[0],
                            .rng = w.jit,
                            .breaker = &bc,
                            .series_interval = SIM_SEC,
                            .series_bins = 10};
    for (long n = 1;; n++) {
        sim_err err;
        sim_alloc_fail_after(n);
        mdl_realtime *rt = mdl_realtime_create(&cfg, &err);
        sim_alloc_fail_reset();
        if (rt) {
            mdl_realtime_destroy(rt);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
    }
    world_fini(&w);
}

static void a_record_table_that_cannot_grow_drops_the_record_and_balances(void **state)
{
    (void)state;
    /* The record table starts with 64 slots. 64 records in flight fill it;
     * the 65th needs it to grow, which fails: that record is rejected as
     * dropped, its thread is given back, the flow remembers SIM_ENOMEM,
     * and the ledger still balances. */
    struct world w;
    world_init(&w);
    add_caller(&w, 100);
    add_endpoint(&w, 0, (mdl_endpoint_cfg){.id = "erp", .workers = 100, .service = &tenth});
    add_flow(&w, 0, (mdl_realtime_cfg){0});
    for (int k = 0; k < 64; k++)
        assert_int_equal(mdl_realtime_submit(w.rt[0], 0), SIM_OK);
    sim_alloc_fail_after(1);
    int rc = mdl_realtime_submit(w.rt[0], 0);
    sim_alloc_fail_reset();
    assert_int_equal(rc, SIM_ENOMEM);
    assert_int_equal(mdl_realtime_status(w.rt[0]), SIM_ENOMEM);
    assert_int_equal(count(&w, 0, MDL_REJECTED, MDL_R_DROPPED), 1);
    assert_int_equal(mdl_caller_in_use(w.caller), 64);
    assert_conserved(&w);
    assert_int_equal(sim_queue_run(w.q, S(10)), SIM_OK);
    assert_int_equal(mdl_ledger_count(w.ledger, 0, MDL_DELIVERED), 64);
    assert_int_equal(mdl_caller_in_use(w.caller), 0);
    assert_conserved(&w);
    world_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_threads_and_hanging_calls_reject_exactly_the_third_and_fourth),
        cmocka_unit_test(an_answer_exactly_at_the_timeout_is_in_time),
        cmocka_unit_test(a_call_answered_by_its_deadline_holds_no_timeout_event),
        cmocka_unit_test(a_hanging_erp_exhausts_the_pool_and_fails_an_unrelated_flow),
        cmocka_unit_test(a_breaker_with_a_queue_fallback_keeps_the_unrelated_flow_healthy),
        cmocka_unit_test(a_timed_out_call_keeps_the_worker_busy),
        cmocka_unit_test(retries_sleep_the_backoff_while_holding_the_thread),
        cmocka_unit_test(a_429_is_retried_after_exactly_the_retry_after),
        cmocka_unit_test(a_client_that_ignores_retry_after_sleeps_its_backoff),
        cmocka_unit_test(a_server_timeout_is_a_retryable_5xx),
        cmocka_unit_test(a_record_waits_for_a_caller_thread_up_to_pool_wait),
        cmocka_unit_test(an_exhausted_quota_answers_403_and_the_queue_waits_for_the_window),
        cmocka_unit_test(tokens_expire_or_cost_a_refresh_inline),
        cmocka_unit_test(the_retry_queue_drains_at_the_consumers_pace_after_recovery),
        cmocka_unit_test(decorrelated_retries_start_afresh_in_a_slot_a_parked_record_left),
        cmocka_unit_test(a_record_parked_behind_another_keeps_its_due_time),
        cmocka_unit_test(conservation_holds_under_every_fault_and_fallback),
        cmocka_unit_test(bad_configurations_are_rejected),
        cmocka_unit_test(create_survives_every_allocation_failure),
        cmocka_unit_test(a_record_table_that_cannot_grow_drops_the_record_and_balances),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
