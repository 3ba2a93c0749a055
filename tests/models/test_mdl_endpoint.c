/*
 * Tests of mdl_endpoint: hand-computed schedules in integer microseconds
 * (exact) for wasted work, the server timeout, the queue limit, outages
 * (fail-fast and hang),
 * degradation and both concurrency limits; the lognormal from p50/p95; and
 * an M/M/c endpoint against Erlang C (statistical, tolerances stated there).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "mdl_endpoint.h"
#include "sim_alloc.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_rng.h"

#define S(x)   ((sim_time)((x)*1e6 + 0.5))
#define MAXLOG 64

/* A scripted test: requests at given times, answers logged. */
struct fix {
    sim_queue *q;
    gsl_rng *rng;
    mdl_endpoint *ep;
    int reply[MAXLOG];       /* reply of request k */
    uint64_t handle[MAXLOG]; /* its handle */
    sim_time answered[MAXLOG];
    mdl_ep_answer answer[MAXLOG]; /* how it ended */
    int nanswers;
};

static void on_answer(void *ctx, uint64_t tag, mdl_ep_answer answer, sim_time now)
{
    struct fix *f = ctx;
    assert_true(tag < MAXLOG);
    f->answered[tag] = now;
    f->answer[tag] = answer;
    f->nanswers++;
}

static void request_ev(void *ctx, uint64_t k, sim_time now)
{
    (void)now;
    struct fix *f = ctx;
    f->reply[k] = mdl_endpoint_request(f->ep, on_answer, f, k, &f->handle[k]);
}

static void abandon_ev(void *ctx, uint64_t k, sim_time now)
{
    (void)now;
    struct fix *f = ctx;
    mdl_endpoint_abandon(f->ep, f->handle[k]);
}

static void fix_init(struct fix *f, mdl_endpoint_cfg cfg)
{
    f->q = sim_queue_create(0, NULL);
    assert_non_null(f->q);
    f->rng = sim_rng_create(11, 0, "endpoint", NULL);
    assert_non_null(f->rng);
    cfg.rng = f->rng;
    f->ep = mdl_endpoint_create(f->q, &cfg, NULL);
    assert_non_null(f->ep);
    for (int k = 0; k < MAXLOG; k++) {
        f->reply[k] = -100;
        f->answered[k] = -1;
    }
    f->nanswers = 0;
}

static void fix_fini(struct fix *f)
{
    mdl_endpoint_destroy(f->ep);
    sim_rng_destroy(f->rng);
    sim_queue_destroy(f->q);
}

static void at(struct fix *f, sim_time t, int k)
{
    sim_queue_push(f->q, t, request_ev, f, (uint64_t)k);
}

static void a_timed_out_request_keeps_its_worker_until_done(void **state)
{
    (void)state;
    /* One worker, 30 s per request. A at 0 s, abandoned at 5 s; B at 10 s
     * (waits for A), abandoned at 15 s. The worker still serves A on
     * [0, 30) and B on [30, 60): busy all 60 s, 60 s of wasted work, and
     * nobody gets an answer. */
    sim_dist thirty = {.kind = SIM_DIST_CONST, .a = 30.0};
    struct fix f;
    fix_init(&f, (mdl_endpoint_cfg){.id = "erp", .workers = 1, .service = &thirty});
    at(&f, 0, 0);
    sim_queue_push(f.q, S(5), abandon_ev, &f, 0);
    at(&f, S(10), 1);
    sim_queue_push(f.q, S(15), abandon_ev, &f, 1);
    assert_int_equal(sim_queue_run(f.q, S(60)), SIM_OK);
    assert_int_equal(f.reply[0], MDL_EP_ACCEPTED);
    assert_int_equal(f.reply[1], MDL_EP_ACCEPTED);
    assert_int_equal(f.nanswers, 0);
    mdl_endpoint_stats s;
    mdl_endpoint_stats_get(f.ep, &s);
    assert_int_equal(s.served, 2);
    assert_int_equal(s.answered, 0);
    assert_int_equal(s.abandoned, 2);
    assert_int_equal(s.wasted, 2);
    assert_true(s.wasted_work_s == 60.0);
    assert_true(fabs(s.utilisation - 1.0) < 1e-12);
    assert_true(fabs(s.wait.mean - 10.0) < 1e-9); /* waits 0 s and 20 s */
    fix_fini(&f);
}

/* Any service distribution drives the workers. Deterministic 0.25 s, one
 * worker: requests at 0, 1 and 1 s are answered at 0.25, 1.25 and 1.5 s
 * (the third waits 0.25 s). Empirical {0.1, 0.3} s on 10 workers, 40
 * requests a second apart (never queueing): each answer comes exactly 0.1
 * or 0.3 s after its request, both values occur, and nothing else. */
static void the_workers_serve_with_any_service_distribution(void **state)
{
    (void)state;
    mdl_service_spec sp;
    mdl_service_spec_init(&sp);
    sp.distribution = MDL_SPEC_DIST_DETERMINISTIC;
    sp.mean = S(0.25);
    mdl_service det;
    assert_int_equal(mdl_service_from_spec(&sp, &det, NULL), SIM_OK);
    struct fix f;
    fix_init(&f, (mdl_endpoint_cfg){.id = "erp", .workers = 1, .service_time = &det});
    at(&f, 0, 0);
    at(&f, S(1), 1);
    at(&f, S(1), 2);
    assert_int_equal(sim_queue_run(f.q, S(10)), SIM_OK);
    assert_int_equal(f.answered[0], S(0.25));
    assert_int_equal(f.answered[1], S(1.25));
    assert_int_equal(f.answered[2], S(1.5));
    fix_fini(&f);

    static double v[] = {0.1, 0.3};
    sp.distribution = MDL_SPEC_DIST_EMPIRICAL;
    sp.samples = v;
    sp.nsamples = 2;
    mdl_service emp;
    assert_int_equal(mdl_service_from_spec(&sp, &emp, NULL), SIM_OK);
    fix_init(&f, (mdl_endpoint_cfg){.id = "erp", .workers = 10, .service_time = &emp});
    for (int k = 0; k < 40; k++)
        at(&f, S(k), k);
    assert_int_equal(sim_queue_run(f.q, S(100)), SIM_OK);
    int seen[2] = {0, 0};
    for (int k = 0; k < 40; k++) {
        sim_time d = f.answered[k] - S(k);
        assert_true(d == S(0.1) || d == S(0.3));
        seen[d == S(0.3)]++;
    }
    assert_true(seen[0] > 0 && seen[1] > 0);
    fix_fini(&f);
}

/* P(wait) and first exhaustion. One worker, 10 s per request: requests
 * at 0 s (served 0-10), 5 s (finds the worker busy: waits, served 10-20)
 * and 25 s (finds it free): 1 of 3, workers_wait_share 1/3, first at 5 s.
 * With 2 workers nobody waits: 0 and -1 (never). */
static void the_share_of_requests_finding_every_worker_busy_and_the_first_one(void **state)
{
    (void)state;
    sim_dist ten = {.kind = SIM_DIST_CONST, .a = 10.0};
    for (int workers = 1; workers <= 2; workers++) {
        struct fix f;
        fix_init(&f, (mdl_endpoint_cfg){.id = "erp", .workers = workers, .service = &ten});
        at(&f, 0, 0);
        at(&f, S(5), 1);
        at(&f, S(25), 2);
        assert_int_equal(sim_queue_run(f.q, S(60)), SIM_OK);
        mdl_endpoint_stats st;
        mdl_endpoint_stats_get(f.ep, &st);
        assert_int_equal(st.offered, 3);
        assert_int_equal(st.found_busy, workers == 1 ? 1 : 0);
        assert_int_equal(st.exhausted_at, workers == 1 ? S(5) : SIM_TIME_NEVER);
        sim_result *r = sim_result_create(NULL);
        assert_non_null(r);
        assert_int_equal(mdl_endpoint_publish(f.ep, r, NULL), SIM_OK);
        long i = sim_result_find(r, "system.erp.workers_wait_share");
        assert_true(i >= 0 && sim_result_value(r, (size_t)i) == (workers == 1 ? 1.0 / 3.0 : 0.0));
        i = sim_result_find(r, "system.erp.workers_exhausted_at");
        assert_true(i >= 0 && sim_result_value(r, (size_t)i) == (workers == 1 ? 5.0 : -1.0));
        sim_result_destroy(r);
        fix_fini(&f);
    }
}

/* Server timeout 10 s, one worker, 30 s per request.
 *   A at 0 s: in service [0, 10): aborted at 10 s, answered SERVER_TIMEOUT.
 *   B at 1 s: waits 9 s, in service [10, 20): aborted at 20 s. Its 19 s in
 *     the system exceed the timeout, but only the 10 s in service count.
 *   C at 2 s, abandoned by its caller at 5 s: in service [20, 30), aborted
 *     at 30 s, no answer; 10 s of wasted work (not 30).
 *   D at 3 s: in service [30, 40), aborted at 40 s.
 * Without the server timeout the same worker would answer A at 30 s and
 * keep B, C and D until 120 s. A service exactly as long as the timeout
 * completes (the rule is "longer than"): a 10 s request on an endpoint with
 * a 10 s timeout is answered DONE at 10 s. */
static void a_server_timeout_aborts_the_service_and_frees_the_worker(void **state)
{
    (void)state;
    sim_dist thirty = {.kind = SIM_DIST_CONST, .a = 30.0};
    struct fix f;
    fix_init(&f, (mdl_endpoint_cfg){
                     .id = "erp", .workers = 1, .service = &thirty, .server_timeout = S(10)});
    for (int k = 0; k < 4; k++)
        at(&f, S(k), k);
    sim_queue_push(f.q, S(5), abandon_ev, &f, 2);
    assert_int_equal(sim_queue_run(f.q, S(40)), SIM_OK);
    assert_int_equal(f.answered[0], S(10));
    assert_int_equal(f.answer[0], MDL_EP_SERVER_TIMEOUT);
    assert_int_equal(f.answered[1], S(20));
    assert_int_equal(f.answer[1], MDL_EP_SERVER_TIMEOUT);
    assert_int_equal(f.answered[2], -1); /* abandoned: no answer */
    assert_int_equal(f.answered[3], S(40));
    assert_int_equal(f.answer[3], MDL_EP_SERVER_TIMEOUT);
    mdl_endpoint_stats st;
    mdl_endpoint_stats_get(f.ep, &st);
    assert_int_equal(st.served, 4);
    assert_int_equal(st.aborted, 4);
    assert_int_equal(st.answered, 3);
    assert_int_equal(st.wasted, 1);
    assert_true(st.wasted_work_s == 10.0);
    assert_true(fabs(st.wait.mean - (0 + 9 + 18 + 27) / 4.0) < 1e-9);
    assert_true(fabs(st.utilisation - 1.0) < 1e-12); /* busy all 40 s */
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_endpoint_publish(f.ep, r, NULL), SIM_OK);
    long i = sim_result_find(r, "system.erp.server_timeouts");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 4.0);
    sim_result_destroy(r);
    fix_fini(&f);

    /* The same requests without a server timeout: A answered DONE at 30 s. */
    fix_init(&f, (mdl_endpoint_cfg){.id = "erp", .workers = 1, .service = &thirty});
    for (int k = 0; k < 4; k++)
        at(&f, S(k), k);
    assert_int_equal(sim_queue_run(f.q, S(40)), SIM_OK);
    assert_int_equal(f.answered[0], S(30));
    assert_int_equal(f.answer[0], MDL_EP_DONE);
    assert_int_equal(f.answered[1], -1); /* still in service until 60 s */
    fix_fini(&f);

    sim_dist ten = {.kind = SIM_DIST_CONST, .a = 10.0};
    fix_init(&f, (mdl_endpoint_cfg){
                     .id = "erp", .workers = 1, .service = &ten, .server_timeout = S(10)});
    at(&f, 0, 0);
    assert_int_equal(sim_queue_run(f.q, S(20)), SIM_OK);
    assert_int_equal(f.answered[0], S(10));
    assert_int_equal(f.answer[0], MDL_EP_DONE);
    mdl_endpoint_stats_get(f.ep, &st);
    assert_int_equal(st.aborted, 0);
    fix_fini(&f);
}

/* The answer time is known once the service starts (callers skip their
 * timeout event with it). One worker, 30 s per request, A and B at 0 s: A
 * is served [0, 30), so its answer is due at 30 s; B waits, so its time is
 * not known (never) until it starts at 30 s, then due at 60 s. Each answer
 * comes exactly when it was due, and a finished request's time is never
 * again. With a 10 s server timeout A's answer is due at 10 s (the cut
 * service); a hung request (handle 0) is never answered. */
static void the_answer_time_is_fixed_when_the_service_starts(void **state)
{
    (void)state;
    sim_dist thirty = {.kind = SIM_DIST_CONST, .a = 30.0};
    struct fix f;
    fix_init(&f, (mdl_endpoint_cfg){.id = "erp", .workers = 1, .service = &thirty});
    at(&f, 0, 0);
    at(&f, 0, 1);
    assert_int_equal(sim_queue_run(f.q, 0), SIM_OK);
    assert_int_equal(mdl_endpoint_answer_at(f.ep, f.handle[0]), S(30));
    assert_int_equal(mdl_endpoint_answer_at(f.ep, f.handle[1]), SIM_TIME_NEVER);
    assert_int_equal(sim_queue_run(f.q, S(30)), SIM_OK);
    assert_int_equal(f.answered[0], S(30));
    assert_int_equal(mdl_endpoint_answer_at(f.ep, f.handle[0]), SIM_TIME_NEVER);
    assert_int_equal(mdl_endpoint_answer_at(f.ep, f.handle[1]), S(60));
    assert_int_equal(sim_queue_run(f.q, S(60)), SIM_OK);
    assert_int_equal(f.answered[1], S(60));
    fix_fini(&f);

    fix_init(&f, (mdl_endpoint_cfg){
                     .id = "erp", .workers = 1, .service = &thirty, .server_timeout = S(10)});
    at(&f, 0, 0);
    assert_int_equal(sim_queue_run(f.q, 0), SIM_OK);
    assert_int_equal(mdl_endpoint_answer_at(f.ep, f.handle[0]), S(10));
    assert_int_equal(sim_queue_run(f.q, S(10)), SIM_OK);
    assert_int_equal(f.answered[0], S(10));
    assert_int_equal(f.answer[0], MDL_EP_SERVER_TIMEOUT);
    fix_fini(&f);

    static const mdl_outage hang[] = {{.start = 0, .end = S(5), .mode = MDL_OUTAGE_HANG}};
    fix_init(&f,
             (mdl_endpoint_cfg){
                 .id = "erp", .workers = 1, .service = &thirty, .outages = hang, .noutages = 1});
    at(&f, 0, 0);
    assert_int_equal(sim_queue_run(f.q, 0), SIM_OK);
    assert_int_equal(f.reply[0], MDL_EP_ACCEPTED);
    assert_int_equal(f.handle[0], 0);
    assert_int_equal(mdl_endpoint_answer_at(f.ep, f.handle[0]), SIM_TIME_NEVER);
    fix_fini(&f);
}

static void a_full_line_answers_503_at_once(void **state)
{
    (void)state;
    sim_dist one = {.kind = SIM_DIST_CONST, .a = 1.0};
    struct fix f;
    fix_init(&f, (mdl_endpoint_cfg){.id = "erp", .workers = 1, .queue_limit = 1, .service = &one});
    at(&f, 0, 0);
    at(&f, 0, 1);
    at(&f, 0, 2);
    sim_queue_run(f.q, S(10));
    assert_int_equal(f.reply[0], MDL_EP_ACCEPTED);
    assert_int_equal(f.reply[1], MDL_EP_ACCEPTED); /* waits */
    assert_int_equal(f.reply[2], MDL_EP_QUEUE_FULL);
    assert_int_equal(f.answered[0], S(1));
    assert_int_equal(f.answered[1], S(2));
    fix_fini(&f);

    fix_init(&f,
             (mdl_endpoint_cfg){
                 .id = "erp", .workers = 2, .queue_limit = MDL_ENDPOINT_NO_QUEUE, .service = &one});
    at(&f, 0, 0);
    at(&f, 0, 1);
    at(&f, 0, 2);
    sim_queue_run(f.q, S(10));
    assert_int_equal(f.reply[1], MDL_EP_ACCEPTED);
    assert_int_equal(f.reply[2], MDL_EP_QUEUE_FULL);
    fix_fini(&f);
}

static void outages_fail_fast_or_hang_inside_their_windows(void **state)
{
    (void)state;
    sim_dist one = {.kind = SIM_DIST_CONST, .a = 1.0};
    mdl_outage outages[] = {
        {.start = S(30), .end = S(40), .mode = MDL_OUTAGE_HANG}, /* unsorted on purpose */
        {.start = S(10), .end = S(20), .mode = MDL_OUTAGE_FAIL_FAST},
    };
    struct fix f;
    fix_init(&f,
             (mdl_endpoint_cfg){
                 .id = "erp", .workers = 1, .service = &one, .outages = outages, .noutages = 2});
    at(&f, S(9.5), 0); /* before: served normally, even across the start */
    at(&f, S(15), 1);  /* fail-fast: 503 at once */
    at(&f, S(20), 2);  /* the window is [10, 20): served */
    at(&f, S(35), 3);  /* hang: accepted, never answered, no worker */
    at(&f, S(40), 4);
    sim_queue_run(f.q, S(100));
    assert_int_equal(f.reply[0], MDL_EP_ACCEPTED);
    assert_int_equal(f.answered[0], S(10.5));
    assert_int_equal(f.reply[1], MDL_EP_OUTAGE);
    assert_int_equal(f.answered[2], S(21));
    assert_int_equal(f.reply[3], MDL_EP_ACCEPTED);
    assert_int_equal(f.handle[3], 0);
    assert_int_equal(f.answered[3], -1);
    assert_int_equal(f.answered[4], S(41)); /* the worker was free */
    mdl_endpoint_stats s;
    mdl_endpoint_stats_get(f.ep, &s);
    assert_int_equal(s.outage, 1);
    assert_int_equal(s.hung, 1);
    assert_int_equal(s.served, 3);
    fix_fini(&f);
}

static void degradation_multiplies_services_that_start_in_the_window(void **state)
{
    (void)state;
    sim_dist one = {.kind = SIM_DIST_CONST, .a = 1.0};
    mdl_degradation slow[] = {{.start = S(10), .end = S(20), .factor = 10.0}};
    struct fix f;
    fix_init(
        &f,
        (mdl_endpoint_cfg){
            .id = "erp", .workers = 3, .service = &one, .degradations = slow, .ndegradations = 1});
    at(&f, S(9.5), 0); /* started before: 1 s */
    at(&f, S(12), 1);  /* 10 s */
    at(&f, S(20), 2);  /* after: 1 s */
    sim_queue_run(f.q, S(100));
    assert_int_equal(f.answered[0], S(10.5));
    assert_int_equal(f.answered[1], S(22));
    assert_int_equal(f.answered[2], S(21));
    fix_fini(&f);
}

static void a_plain_concurrency_limit_refuses_the_next_request(void **state)
{
    (void)state;
    /* Dataverse/NetSuite style: limit 2 in flight, no queueing. */
    sim_dist ten = {.kind = SIM_DIST_CONST, .a = 10.0};
    struct fix f;
    fix_init(&f,
             (mdl_endpoint_cfg){.id = "ns", .workers = 5, .service = &ten, .concurrency_limit = 2});
    at(&f, 0, 0);
    at(&f, 0, 1);
    at(&f, S(5), 2);
    at(&f, S(10.5), 3); /* both finished at 10 s */
    sim_queue_run(f.q, S(100));
    assert_int_equal(f.reply[2], MDL_EP_CONCURRENCY);
    assert_int_equal(f.reply[3], MDL_EP_ACCEPTED);
    fix_fini(&f);
}

static void the_long_running_limit_counts_only_requests_older_than_the_age(void **state)
{
    (void)state;
    /* Salesforce style scaled down: at most 2 requests that have run >= 20 s.
     * Service 100 s. Requests at 0, 1, 5 s are admitted (none aged yet).
     * Aged: #0 at 20 s, #1 at 21 s, #2 at 25 s. At 21.5 s two are aged:
     * refused; 25.5 s: three: refused; 100.5 s: #0 done, two left: refused;
     * 101.5 s: #1 done, one left: admitted. */
    sim_dist hundred = {.kind = SIM_DIST_CONST, .a = 100.0};
    struct fix f;
    fix_init(&f, (mdl_endpoint_cfg){.id = "sf",
                                    .workers = 10,
                                    .service = &hundred,
                                    .concurrency_limit = 2,
                                    .concurrency_min_age = S(20)});
    at(&f, 0, 0);
    at(&f, S(1), 1);
    at(&f, S(5), 2);
    at(&f, S(21.5), 3);
    at(&f, S(25.5), 4);
    at(&f, S(100.5), 5);
    at(&f, S(101.5), 6);
    sim_queue_run(f.q, S(300));
    assert_int_equal(f.reply[2], MDL_EP_ACCEPTED);
    assert_int_equal(f.reply[3], MDL_EP_CONCURRENCY);
    assert_int_equal(f.reply[4], MDL_EP_CONCURRENCY);
    assert_int_equal(f.reply[5], MDL_EP_CONCURRENCY);
    assert_int_equal(f.reply[6], MDL_EP_ACCEPTED);
    assert_int_equal(f.answered[6], S(201.5));
    fix_fini(&f);
}

/* ---- statistical checks -------------------------------------------------- */

/* Poisson arrivals to an endpoint; latencies of requests arriving after
 * `warm` are summarised. tag = arrival time. */
struct load {
    sim_queue *q;
    mdl_endpoint *ep;
    gsl_rng *arr;
    double rate; /* per second */
    sim_time warm, stop;
    double *lat; /* optional: every latency (s) */
    size_t nlat, cap;
    double sum;
    uint64_t n, within;
    double slo;
};

static void load_answer(void *ctx, uint64_t tag, mdl_ep_answer answer, sim_time now)
{
    struct load *l = ctx;
    assert_int_equal(answer, MDL_EP_DONE); /* no server timeout configured */
    if ((sim_time)tag < l->warm)
        return;
    double t = sim_time_to_seconds(now - (sim_time)tag);
    l->n++;
    l->sum += t;
    l->within += t <= l->slo;
    if (l->lat && l->nlat < l->cap)
        l->lat[l->nlat++] = t;
}

static void load_arrive(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    struct load *l = ctx;
    int reply = mdl_endpoint_request(l->ep, load_answer, l, (uint64_t)now, NULL);
    assert_int_equal(reply, MDL_EP_ACCEPTED);
    sim_time next = now + sim_time_clamp_seconds(gsl_ran_exponential(l->arr, 1.0 / l->rate));
    if (next < l->stop)
        sim_queue_push(l->q, next, load_arrive, l, 0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void p50_and_p95_give_the_lognormal_of_the_service_time(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    gsl_rng *svc = sim_rng_create(5, 0, "svc", NULL);
    gsl_rng *arr = sim_rng_create(5, 0, "arr", NULL);
    assert_non_null(q);
    assert_non_null(svc);
    assert_non_null(arr);
    /* The default p50 0.2 s, p95 2 s; 1,000 workers at 1 request/s never
     * queue, so latency = service time. */
    mdl_endpoint_cfg cfg = {.id = "erp", .workers = 1000, .rng = svc};
    mdl_endpoint *ep = mdl_endpoint_create(q, &cfg, NULL);
    assert_non_null(ep);
    const sim_dist *d = &mdl_endpoint_service(ep)->dist;
    double sigma = log(10.0) / 1.6448536269514722;
    assert_int_equal(d->kind, SIM_DIST_LOGNORMAL);
    assert_true(fabs(d->a - log(0.2)) < 1e-12);
    assert_true(fabs(d->b - sigma) < 1e-3); /* to the precision of z_0.95 used */

    enum { N = 10000 };
    static double lat[N];
    struct load l = {
        .q = q, .ep = ep, .arr = arr, .rate = 1.0, .stop = S(N), .lat = lat, .cap = N, .slo = 1.0};
    sim_queue_push(q, 0, load_arrive, &l, 0);
    sim_queue_run(q, SIM_TIME_NEVER);
    assert_true(l.nlat > 9000);
    qsort(lat, l.nlat, sizeof lat[0], cmp_double);
    double n = (double)l.nlat;
    double med = lat[(size_t)(0.5 * n)], p95 = lat[(size_t)(0.95 * n)];
    /* Standard error of a sample q-quantile: sqrt(q(1-q)/n) / f(x_q), with
     * the lognormal density f(x) = phi(z) / (x sigma). 4 standard errors. */
    double se50 = sqrt(0.25 / n) / (0.3989422804 / (0.2 * sigma));
    double se95 = sqrt(0.95 * 0.05 / n) / (0.1031356747 / (2.0 * sigma));
    assert_true(fabs(med - 0.2) <= 4.0 * se50);
    assert_true(fabs(p95 - 2.0) <= 4.0 * se95);
    mdl_endpoint_destroy(ep);
    sim_rng_destroy(arr);
    sim_rng_destroy(svc);
    sim_queue_destroy(q);
}

/* Erlang C: the probability that an arrival waits in M/M/c with offered
 * load a = lambda / mu < c. */
static double erlang_c(int c, double a)
{
    double term = 1.0, sum = 0.0;
    for (int k = 0; k < c; k++) {
        sum += term;
        term *= a / (k + 1);
    }
    double top = term * c / (c - a); /* a^c / c! * c / (c - a) */
    return top / (sum + top);
}

static void an_mmc_endpoint_meets_a_latency_slo_as_erlang_c_predicts(void **state)
{
    (void)state;
    /* c = 5 workers, exponential service mean 1 s (mu = 1), Poisson
     * arrivals lambda = 3.5/s: a = 3.5, rho = 0.7. C(5, 3.5) = 0.3778,
     * theta = c mu - lambda = 1.5, Wq = C / theta = 0.252 s.
     * The latency T = W + S, W = 0 with probability 1 - C and Exp(theta)
     * otherwise, S ~ Exp(mu) independent:
     *   P(T > t) = (1 - C) e^{-mu t} + C (theta e^{-mu t} - mu e^{-theta t})
     *              / (theta - mu),
     * so for an SLO of 2 s, P(T <= 2 s) = 0.800.
     * R = 10 replications of 6,000 s (about 19,000 requests after a 500 s
     * warm-up each). Each replication gives one estimate; the check is
     * |mean of the 10 - theory| <= 4 standard errors of that mean (SE from
     * the sample sd of the 10; t with 9 df: p ~ 0.003), plus a sanity bound
     * on the SE itself so a huge spread cannot pass. The wait in line comes
     * from the endpoint's own tally over the whole run: starting empty
     * biases it low by about (relaxation ~100 requests) x Wq / 21,000 <
     * 0.2 %, far inside the tolerance. */
    const int c = 5, R = 10;
    const double mu = 1.0, lambda = 3.5, slo = 2.0;
    double C = erlang_c(c, lambda / mu), theta = c * mu - lambda;
    double wq = C / theta;
    double p_late = (1 - C) * exp(-mu * slo) +
                    C * (theta * exp(-mu * slo) - mu * exp(-theta * slo)) / (theta - mu);
    double p_slo = 1.0 - p_late;
    assert_true(fabs(C - 0.3778) < 1e-3 && fabs(p_slo - 0.800) < 1e-3); /* the hand figures */

    double est_slo[10], est_t[10], est_wq[10];
    sim_dist expo;
    assert_int_equal(sim_dist_exponential(1.0 / mu, &expo, NULL), SIM_OK);
    for (int rep = 0; rep < R; rep++) {
        sim_queue *q = sim_queue_create(0, NULL);
        gsl_rng *svc = sim_rng_create(2024, (uint64_t)rep, "svc", NULL);
        gsl_rng *arr = sim_rng_create(2024, (uint64_t)rep, "arr", NULL);
        assert_non_null(q);
        mdl_endpoint_cfg cfg = {.id = "mmc", .workers = c, .service = &expo, .rng = svc};
        mdl_endpoint *ep = mdl_endpoint_create(q, &cfg, NULL);
        assert_non_null(ep);
        struct load l = {.q = q,
                         .ep = ep,
                         .arr = arr,
                         .rate = lambda,
                         .warm = S(500),
                         .stop = S(6000),
                         .slo = slo};
        sim_queue_push(q, 0, load_arrive, &l, 0);
        assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
        assert_true(l.n > 15000);
        est_slo[rep] = (double)l.within / (double)l.n;
        est_t[rep] = l.sum / (double)l.n;
        mdl_endpoint_stats s;
        mdl_endpoint_stats_get(ep, &s);
        est_wq[rep] = s.wait.mean;
        mdl_endpoint_destroy(ep);
        sim_rng_destroy(arr);
        sim_rng_destroy(svc);
        sim_queue_destroy(q);
    }
    const double *est[3] = {est_slo, est_t, est_wq};
    const double theory[3] = {p_slo, wq + 1.0 / mu, wq};
    const double max_se[3] = {0.01, 0.02, 0.02}; /* sanity: the estimates are tight */
    for (int m = 0; m < 3; m++) {
        double sum = 0, sum2 = 0;
        for (int rep = 0; rep < R; rep++) {
            sum += est[m][rep];
            sum2 += est[m][rep] * est[m][rep];
        }
        double mean = sum / R;
        double sd = sqrt((sum2 - R * mean * mean) / (R - 1));
        double se = sd / sqrt((double)R);
        print_message("metric %d: simulated %.4f, theory %.4f, SE %.4f\n", m, mean, theory[m], se);
        assert_true(se < max_se[m]);
        assert_true(fabs(mean - theory[m]) <= 4.0 * se);
    }
}

static void publish_names_the_system_and_its_series(void **state)
{
    (void)state;
    sim_dist one = {.kind = SIM_DIST_CONST, .a = 1.0};
    struct fix f;
    fix_init(
        &f,
        (mdl_endpoint_cfg){
            .id = "sap", .workers = 2, .service = &one, .series_interval = S(1), .series_bins = 4});
    at(&f, 0, 0);
    at(&f, 0, 1);
    at(&f, 0, 2); /* waits 1 s */
    sim_queue_run(f.q, S(4));
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_endpoint_publish(f.ep, r, NULL), SIM_OK);
    long i = sim_result_find(r, "system.sap.utilisation");
    /* busy: 2 on [0,1), 1 on [1,2), 0 after: 3 worker-s / (2 x 4 s). */
    assert_true(i >= 0 && fabs(sim_result_value(r, (size_t)i) - 3.0 / 8.0) < 1e-12);
    i = sim_result_find(r, "system.sap.queue_length_series");
    assert_true(i >= 0);
    const sim_series *s = sim_result_series_at(r, (size_t)i);
    assert_true(sim_series_value(s, 0) == 1.0 && sim_series_value(s, 1) == 0.0);
    i = sim_result_find(r, "system.sap.utilisation_series");
    assert_true(i >= 0);
    s = sim_result_series_at(r, (size_t)i);
    assert_true(sim_series_value(s, 0) == 1.0 && sim_series_value(s, 1) == 0.5);
    sim_result_destroy(r);
    fix_fini(&f);
}

static void bad_configurations_are_rejected(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    gsl_rng *rng = sim_rng_create(1, 0, "x", NULL);
    sim_err err;
    mdl_endpoint_cfg no_workers = {.id = "x", .rng = rng};
    assert_null(mdl_endpoint_create(q, &no_workers, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_outage overlap[] = {{.start = 0, .end = 10}, {.start = 5, .end = 20}};
    mdl_endpoint_cfg ov = {.id = "x", .workers = 1, .rng = rng, .outages = overlap, .noutages = 2};
    assert_null(mdl_endpoint_create(q, &ov, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_endpoint_cfg p95_low = {.id = "x", .workers = 1, .rng = rng, .p50 = 1.0, .p95 = 0.5};
    assert_null(mdl_endpoint_create(q, &p95_low, &err));
    mdl_degradation zero[] = {{.start = 0, .end = 10, .factor = 0.0}};
    mdl_endpoint_cfg dz = {
        .id = "x", .workers = 1, .rng = rng, .degradations = zero, .ndegradations = 1};
    assert_null(mdl_endpoint_create(q, &dz, &err));
    mdl_endpoint_cfg neg_timeout = {.id = "x", .workers = 1, .rng = rng, .server_timeout = -1};
    assert_null(mdl_endpoint_create(q, &neg_timeout, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    gsl_rng *rng = sim_rng_create(1, 0, "x", NULL);
    assert_non_null(q);
    assert_non_null(rng);
    mdl_outage o[] = {{.start = 0, .end = 10}};
    mdl_degradation d[] = {{.start = 0, .end = 10, .factor = 2}};
    mdl_endpoint_cfg cfg = {.id = "erp",
                            .workers = 2,
                            .rng = rng,
                            .outages = o,
                            .noutages = 1,
                            .degradations = d,
                            .ndegradations = 1,
                            .series_interval = SIM_SEC,
                            .series_bins = 10};
    for (long n = 1;; n++) {
        sim_err err;
        sim_alloc_fail_after(n);
        mdl_endpoint *ep = mdl_endpoint_create(q, &cfg, &err);
        sim_alloc_fail_reset();
        if (ep) {
            mdl_endpoint_destroy(ep);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
    }
    sim_rng_destroy(rng);
    sim_queue_destroy(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_timed_out_request_keeps_its_worker_until_done),
        cmocka_unit_test(the_workers_serve_with_any_service_distribution),
        cmocka_unit_test(the_share_of_requests_finding_every_worker_busy_and_the_first_one),
        cmocka_unit_test(a_server_timeout_aborts_the_service_and_frees_the_worker),
        cmocka_unit_test(the_answer_time_is_fixed_when_the_service_starts),
        cmocka_unit_test(a_full_line_answers_503_at_once),
        cmocka_unit_test(outages_fail_fast_or_hang_inside_their_windows),
        cmocka_unit_test(degradation_multiplies_services_that_start_in_the_window),
        cmocka_unit_test(a_plain_concurrency_limit_refuses_the_next_request),
        cmocka_unit_test(the_long_running_limit_counts_only_requests_older_than_the_age),
        cmocka_unit_test(p50_and_p95_give_the_lognormal_of_the_service_time),
        cmocka_unit_test(an_mmc_endpoint_meets_a_latency_slo_as_erlang_c_predicts),
        cmocka_unit_test(publish_names_the_system_and_its_series),
        cmocka_unit_test(bad_configurations_are_rejected),
        cmocka_unit_test(create_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
