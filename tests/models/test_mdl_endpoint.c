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
#include <string.h>

#include <cmocka.h>

#include "mdl_endpoint.h"
#include "models/agg_pass.h"
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

/* ---- the aggregate path: commit and inject against the per-record path ----
 *
 * Two workers, an unbounded line, series buckets of 9 s. Eleven requests
 * with scripted services (times in seconds; start and end by the FIFO
 * two-server recursion, worked by hand), three callers giving up:
 *
 *   k    0   1   2   3   4   5   6   7   8   9   10
 *   a    1  12  14  21  23  28  35  38  39  47   60
 *   S    4  15   3   5  20   6  10   7   3   4    5
 *   s    1  12  14  21  26  28  35  45  46  49   60
 *   e    5  27  17  26  46  34  45  52  49  53   65
 *   gives up        24  44      36
 *
 * Run (A) sends every request through mdl_endpoint_request. Run (B) does
 * the same up to t0 = 20 s and from t1 = 40 s on, and carries requests 3
 * to 8 (arrivals in [t0, t1)) by the pass below. At t0 request 1 is in
 * service (it ends at 27 s, inside the interval) and nobody waits. Inside
 * the interval request 3 is abandoned and ends (wasted work the commit
 * counts), 5 ends answered, 4, 7 and 8 find both workers busy and wait.
 * At t1, 4 (which waited 3 s) and 6 (abandoned at 36 s) are in service, 7
 * and 8 still wait (starting at 45 s and 46 s); 4 is abandoned at 44 s
 * through the handle the injection gave. Bucket [27, 36) lies wholly
 * inside the interval (the pass alone raises its maximum), the edges at
 * 27 and 36 s inside it, and t0 and t1 inside buckets 2 and 4. No two
 * events that touch the endpoint share a microsecond, so the calendar's
 * tie order plays no part.
 */
#define AGG_N 11
static const double agg_a[AGG_N] = {1, 12, 14, 21, 23, 28, 35, 38, 39, 47, 60};
static const double agg_svc[AGG_N] = {4, 15, 3, 5, 20, 6, 10, 7, 3, 4, 5};
static const double agg_gives_up[AGG_N] = {0, 0, 0, 24, 44, 0, 36, 0, 0, 0, 0}; /* 0: never */
/* The empirical samples (ascending); a draw u = (i + 0.5) / 8 picks value i. */
static const double agg_values[] = {3, 4, 5, 6, 7, 10, 15, 20};
#define AGG_T0     S(20)
#define AGG_T1     S(40)
#define AGG_END    S(100)
#define AGG_WIDTH  S(9)
#define AGG_NBINS  12
#define AGG_FIRST  3 /* requests AGG_FIRST .. AGG_LAST - 1 arrive in [t0, t1) */
#define AGG_LAST   9
#define AGG_SERIES ((size_t)AGG_NBINS)

/* The fixture of one run; the script holds the services drawn, in the
 * order the requests start (FIFO: arrival order). */
static void agg_init(struct fix *f, int pass)
{
    static mdl_service emp = {.samples = agg_values, .n = sizeof agg_values / sizeof agg_values[0]};
    f->q = sim_queue_create(0, NULL);
    f->rng = gsl_rng_alloc(scripted_type());
    assert_non_null(f->q);
    assert_non_null(f->rng);
    for (int k = 0; k < AGG_N; k++)
        if (!pass || k < AGG_FIRST || k >= AGG_LAST)
            scripted_push(f->rng, agg_values, sizeof agg_values / sizeof agg_values[0], agg_svc[k]);
    mdl_endpoint_cfg cfg = {.id = "erp",
                            .workers = 2,
                            .service_time = &emp,
                            .rng = f->rng,
                            .series_interval = AGG_WIDTH,
                            .series_bins = AGG_SERIES};
    f->ep = mdl_endpoint_create(f->q, &cfg, NULL);
    assert_non_null(f->ep);
    for (int k = 0; k < MAXLOG; k++) {
        f->reply[k] = -100;
        f->handle[k] = 0;
        f->answered[k] = -1;
    }
    f->nanswers = 0;
    for (int k = 0; k < AGG_N; k++)
        if (!pass || k < AGG_FIRST || k >= AGG_LAST)
            at(f, S(agg_a[k]), k);
    for (int k = 0; k < AGG_N; k++) /* the pass counts the give-ups of its interval */
        if (agg_gives_up[k] > 0 &&
            (!pass || k < AGG_FIRST || k >= AGG_LAST || S(agg_gives_up[k]) >= AGG_T1))
            sim_queue_push(f->q, S(agg_gives_up[k]), abandon_ev, f, (uint64_t)k);
}

static void agg_fini(struct fix *f)
{
    mdl_endpoint_destroy(f->ep);
    gsl_rng_free(f->rng);
    sim_queue_destroy(f->q);
}

/* What run (B)'s pass needs between its two events. */
struct agg_pass {
    struct fix *f;
    sim_time busy_ends[4];
    int nbusy;
};

static void agg_t0(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    (void)now;
    struct agg_pass *p = ctx;
    assert_int_equal(mdl_endpoint_waiting(p->f->ep), 0);
    p->nbusy = mdl_endpoint_in_service(p->f->ep, p->busy_ends, 4);
}

/* The pass, the way tier R will run it: the FIFO two-server recursion over
 * the arrivals of [t0, t1) seeded with the answer times read at t0, then
 * the outcome of [t0, t1) committed and the requests present at t1
 * injected. The hand-simple code here stands in for models/mdl_fifo. */
static void agg_t1(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    struct agg_pass *p = ctx;
    struct fix *f = p->f;
    assert_true(now == AGG_T1);
    enum { NP = AGG_LAST - AGG_FIRST };
    sim_time a[NP], s[NP], e[NP], free_at[2] = {AGG_T0, AGG_T0};
    struct span busy[NP + 4], wait[NP];
    int nb = 0;
    for (int i = 0; i < p->nbusy; i++) {
        free_at[i] = p->busy_ends[i];
        busy[nb++] = (struct span){AGG_T0, p->busy_ends[i]};
    }
    mdl_endpoint_bulk b = {.requests = NP, .first_busy_at = SIM_TIME_NEVER};
    for (int i = 0; i < NP; i++) {
        int k = AGG_FIRST + i;
        a[i] = S(agg_a[k]);
        if (level_at(busy, nb, a[i]) >= 2 && b.found_busy++ == 0)
            b.first_busy_at = a[i];
        int w = free_at[1] < free_at[0];
        s[i] = a[i] > free_at[w] ? a[i] : free_at[w];
        e[i] = s[i] + S(agg_svc[k]);
        free_at[w] = e[i];
        busy[nb++] = (struct span){s[i], e[i]};
        wait[i] = (struct span){a[i], s[i]};
    }
    /* The ends before t1, in their order (3 at 26 s, then 5 at 34 s); a
     * request whose caller gave up before its end is wasted work. */
    sim_time waits[NP], sojourns[NP], last = -1;
    for (;;) {
        int next = -1;
        for (int i = 0; i < NP; i++)
            if (e[i] < AGG_T1 && e[i] > last && (next < 0 || e[i] < e[next]))
                next = i;
        if (next < 0)
            break;
        sim_time up = S(agg_gives_up[AGG_FIRST + next]);
        if (up > 0 && up < e[next]) {
            b.wasted++;
            b.wasted_work += e[next] - s[next];
        }
        waits[b.served] = s[next] - a[next];
        sojourns[b.served] = e[next] - a[next];
        b.served++;
        last = e[next];
    }
    b.wait = waits;
    b.sojourn = sojourns;
    for (int i = 0; i < NP; i++) {
        sim_time up = S(agg_gives_up[AGG_FIRST + i]);
        b.abandoned += up > 0 && up < AGG_T1 && up < e[i];
    }
    double barea[8], bmax[8], qarea[8], qmax[8];
    agg_endpoint_levels(&b, busy, p->nbusy, wait, NP, AGG_T0, AGG_T1, AGG_WIDTH, barea, bmax, qarea,
                        qmax);
    assert_int_equal(b.nbuckets, 3);
    assert_int_equal(mdl_endpoint_commit(f->ep, &b), SIM_OK);
    /* In service first, then the waiting ones, each in start order. */
    for (int waiting = 0; waiting < 2; waiting++)
        for (int i = 0; i < NP; i++) {
            int k = AGG_FIRST + i;
            if (e[i] < AGG_T1 || (s[i] >= AGG_T1) != waiting)
                continue;
            mdl_endpoint_inflight in = {.arrived = a[i],
                                        .start = s[i],
                                        .service = e[i] - s[i],
                                        .abandoned =
                                            agg_gives_up[k] > 0 && S(agg_gives_up[k]) < AGG_T1,
                                        .fn = on_answer,
                                        .ctx = f,
                                        .tag = (uint64_t)k};
            assert_int_equal(mdl_endpoint_inject(f->ep, &in, &f->handle[k]), SIM_OK);
        }
}

/* Runs (A) per record, or (B) with the pass; publishes into r. */
static void agg_run(struct fix *f, int pass, sim_result *r)
{
    struct agg_pass p = {.f = f};
    agg_init(f, pass);
    if (pass) {
        sim_queue_push(f->q, AGG_T0, agg_t0, &p, 0);
        sim_queue_push(f->q, AGG_T1, agg_t1, &p, 0);
    }
    assert_int_equal(sim_queue_run(f->q, AGG_END), SIM_OK);
    assert_int_equal(mdl_endpoint_publish(f->ep, r, NULL), SIM_OK);
}

static void a_pass_committed_and_injected_publishes_what_the_per_record_run_does(void **state)
{
    (void)state;
    struct fix fa, fb;
    sim_result *ra = sim_result_create(NULL), *rb = sim_result_create(NULL);
    assert_non_null(ra);
    assert_non_null(rb);
    agg_run(&fa, 0, ra);
    agg_run(&fb, 1, rb);
    /* The hand schedule above, in run (A): answers at the ends, none for
     * the three abandoned; 4 of 11 (4, 7, 8, 9) found both workers busy,
     * first at 23 s. In run (B) the endpoint answers the same requests at
     * the same times, except 5, which ended inside the interval: the pass
     * carried its whole life, answer included. */
    const double answer_s[AGG_N] = {5, 27, 17, -1, -1, 34, -1, 52, 49, 53, 65};
    for (int k = 0; k < AGG_N; k++) {
        assert_true(fa.answered[k] == (answer_s[k] < 0 ? -1 : S(answer_s[k])));
        assert_true(fb.answered[k] == (k == 5 ? -1 : fa.answered[k]));
    }
    mdl_endpoint_stats sa;
    mdl_endpoint_stats_get(fa.ep, &sa);
    assert_true(sa.found_busy == 4 && sa.exhausted_at == S(23));
    assert_true(sa.wasted == 3 && sa.wasted_work_s == 35.0);
    static const char *const approx[] = {"system.erp.utilisation", "system.erp.mean_queue",
                                         "system.erp.wait_mean_s", "system.erp.sojourn_mean_s"};
    assert_same_metrics(ra, rb, approx, sizeof approx / sizeof approx[0]);
    sim_result_destroy(ra);
    sim_result_destroy(rb);
    agg_fini(&fa);
    agg_fini(&fb);
}

/* A commit on its own, against a hand count. At 10 s, on an idle endpoint
 * with two workers: 3 requests, 1 of them finding both workers busy (at 4
 * s), 2 served with waits 0 and 100 s (sojourns 1 and 101 s), 10
 * worker-seconds busy and 5 request-seconds waiting. Utilisation 10 / (2 x
 * 10) = 0.5, mean queue 5 / 10 = 0.5, mean wait 50 s; the p99 of two waits
 * is the larger, 100 s exactly (a quantile is clamped to the exact max).
 * Inconsistent bulks are refused and change nothing. */
static void a_commit_adds_its_counts_waits_and_areas(void **state)
{
    (void)state;
    sim_dist one = {.kind = SIM_DIST_CONST, .a = 1.0};
    struct fix f;
    fix_init(&f, (mdl_endpoint_cfg){.id = "erp", .workers = 2, .service = &one});
    assert_int_equal(sim_queue_run(f.q, S(10)), SIM_OK);
    sim_time waits[] = {0, S(100)}, sojourns[] = {S(1), S(101)};
    mdl_endpoint_bulk bad = {.requests = 1, .served = 1, .wait = NULL, .sojourn = sojourns};
    assert_int_equal(mdl_endpoint_commit(f.ep, &bad), SIM_EINVAL);
    bad = (mdl_endpoint_bulk){.requests = 1, .found_busy = 1, .first_busy_at = SIM_TIME_NEVER};
    assert_int_equal(mdl_endpoint_commit(f.ep, &bad), SIM_EINVAL);
    bad = (mdl_endpoint_bulk){.served = 1, .wasted = 2, .wait = waits, .sojourn = sojourns};
    assert_int_equal(mdl_endpoint_commit(f.ep, &bad), SIM_EINVAL);
    mdl_endpoint_bulk b = {.requests = 3,
                           .found_busy = 1,
                           .first_busy_at = S(4),
                           .served = 2,
                           .wait = waits,
                           .sojourn = sojourns,
                           .busy_area = (double)S(10),
                           .queue_area = (double)S(5)};
    assert_int_equal(mdl_endpoint_commit(f.ep, &b), SIM_OK);
    mdl_endpoint_stats s;
    mdl_endpoint_stats_get(f.ep, &s);
    assert_true(s.requests == 3 && s.accepted == 3 && s.offered == 3 && s.found_busy == 1);
    assert_true(s.served == 2 && s.answered == 2 && s.wasted == 0 && s.exhausted_at == S(4));
    assert_true(fabs(s.utilisation - 0.5) < 1e-15 && fabs(s.mean_queue - 0.5) < 1e-15);
    assert_true(s.wait.n == 2 && s.wait.mean == 50.0 && s.sojourn.mean == 51.0);
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_endpoint_publish(f.ep, r, NULL), SIM_OK);
    long i = sim_result_find(r, "system.erp.wait_p99_s");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 100.0);
    sim_result_destroy(r);
    fix_fini(&f);
}

/* The busy set read at t0 and the injections' checks. One worker, 1 s
 * services: a request at 0 s is in service until 1 s, so at 0.5 s the
 * busy set is {1 s}; an in-service injection then finds no idle worker
 * (SIM_EFULL), a waiting one due later than now is accepted (the worker is
 * busy), and bad times are SIM_EINVAL. Nothing changes on an error. */
static void injections_check_their_times_and_the_workers(void **state)
{
    (void)state;
    sim_dist one = {.kind = SIM_DIST_CONST, .a = 1.0};
    struct fix f;
    fix_init(
        &f, (mdl_endpoint_cfg){.id = "erp", .workers = 1, .service = &one, .server_timeout = S(5)});
    at(&f, 0, 0);
    assert_int_equal(sim_queue_run(f.q, S(0.5)), SIM_OK);
    sim_time ends[2] = {0, 0};
    assert_int_equal(mdl_endpoint_in_service(f.ep, ends, 0), 1); /* too small: not written */
    assert_true(ends[0] == 0);
    assert_int_equal(mdl_endpoint_in_service(f.ep, ends, 2), 1);
    assert_true(ends[0] == S(1));
    mdl_endpoint_inflight busy = {.arrived = S(0.1), .start = S(0.2), .service = S(2)};
    assert_int_equal(mdl_endpoint_inject(f.ep, &busy, NULL), SIM_EFULL);
    mdl_endpoint_inflight bad[] = {
        {.arrived = S(0.6), .start = S(0.6), .service = S(1)},   /* arrives after now */
        {.arrived = S(0.3), .start = S(0.2), .service = S(1)},   /* starts before it arrives */
        {.arrived = S(0.1), .start = S(0.2), .service = S(0.1)}, /* ended before now */
        {.arrived = S(0.1), .start = S(2), .service = S(6)},     /* longer than the timeout */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        assert_int_equal(mdl_endpoint_inject(f.ep, &bad[k], NULL), SIM_EINVAL);
    assert_int_equal(mdl_endpoint_waiting(f.ep), 0);
    uint64_t h = 0;
    mdl_endpoint_inflight later = {
        .arrived = S(0.4), .start = S(1), .service = S(3), .fn = on_answer, .ctx = &f, .tag = 1};
    assert_int_equal(mdl_endpoint_inject(f.ep, &later, &h), SIM_OK);
    assert_true(h != 0 && mdl_endpoint_waiting(f.ep) == 1);
    assert_true(mdl_endpoint_answer_at(f.ep, h) == SIM_TIME_NEVER); /* waiting */
    assert_int_equal(sim_queue_run(f.q, S(10)), SIM_OK);
    /* It started at 1 s with its fixed 3 s (not the endpoint's 1 s). */
    assert_true(f.answered[1] == S(4));
    mdl_endpoint_stats s;
    mdl_endpoint_stats_get(f.ep, &s);
    assert_true(s.requests == 1 && s.served == 2 && s.wait.max == 0.6 && s.sojourn.max == 3.6);

    /* An idle worker: a waiting request due later than now is refused. */
    mdl_endpoint_inflight due_later = {.arrived = S(9), .start = S(11), .service = S(1)};
    assert_int_equal(mdl_endpoint_inject(f.ep, &due_later, NULL), SIM_EINVAL);
    fix_fini(&f);
}

/* The long-running limit counts an injected request from its arrival: with
 * min_age 20 s, one injected at 30 s that arrived at 5 s is aged at once
 * and one that arrived at 25 s ages at 45 s. Limit 2: a request at 40 s is
 * admitted, one at 50 s is refused. */
static void an_injected_request_ages_from_its_arrival(void **state)
{
    (void)state;
    sim_dist hundred = {.kind = SIM_DIST_CONST, .a = 100.0};
    struct fix f;
    fix_init(&f, (mdl_endpoint_cfg){.id = "sf",
                                    .workers = 5,
                                    .service = &hundred,
                                    .concurrency_limit = 2,
                                    .concurrency_min_age = S(20)});
    assert_int_equal(sim_queue_run(f.q, S(30)), SIM_OK);
    mdl_endpoint_inflight old = {.arrived = S(5), .start = S(5), .service = S(100)};
    mdl_endpoint_inflight young = {.arrived = S(25), .start = S(25), .service = S(100)};
    assert_int_equal(mdl_endpoint_inject(f.ep, &old, NULL), SIM_OK);
    assert_int_equal(mdl_endpoint_inject(f.ep, &young, NULL), SIM_OK);
    at(&f, S(40), 0);
    at(&f, S(50), 1);
    assert_int_equal(sim_queue_run(f.q, S(60)), SIM_OK);
    assert_int_equal(f.reply[0], MDL_EP_ACCEPTED);
    assert_int_equal(f.reply[1], MDL_EP_CONCURRENCY);
    fix_fini(&f);
}

/* Injection allocates only a request slot (the table grows by doubling:
 * the first at 64) and, for a waiting request, a place in the station's
 * line (doubling from 16). Each injection below first runs with the next
 * allocation failing: SIM_ENOMEM and nothing changed, or SIM_OK when it
 * needed none; then again without the failure. */
static void injection_survives_allocation_failures(void **state)
{
    (void)state;
    sim_dist one = {.kind = SIM_DIST_CONST, .a = 1.0};
    struct fix f;
    fix_init(&f, (mdl_endpoint_cfg){.id = "erp", .workers = 1, .service = &one});
    assert_int_equal(sim_queue_run(f.q, S(1)), SIM_OK);
    int failed = 0;
    for (int k = 0; k < 70; k++) {
        mdl_endpoint_inflight in = {.arrived = 0, .start = k == 0 ? 0 : S(1), .service = S(1)};
        int before = mdl_endpoint_waiting(f.ep) + mdl_endpoint_busy(f.ep);
        sim_alloc_fail_after(1);
        int rc = mdl_endpoint_inject(f.ep, &in, NULL);
        sim_alloc_fail_reset();
        if (rc == SIM_ENOMEM) {
            failed++;
            assert_int_equal(mdl_endpoint_waiting(f.ep) + mdl_endpoint_busy(f.ep), before);
            rc = mdl_endpoint_inject(f.ep, &in, NULL);
        }
        assert_int_equal(rc, SIM_OK);
    }
    assert_int_equal(failed, 5); /* the table at k = 0 and 64, the line at 17, 33 and 65 */
    assert_int_equal(sim_queue_run(f.q, S(100)), SIM_OK);
    mdl_endpoint_stats s;
    mdl_endpoint_stats_get(f.ep, &s);
    assert_true(s.served == 70);
    fix_fini(&f);
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
        cmocka_unit_test(a_pass_committed_and_injected_publishes_what_the_per_record_run_does),
        cmocka_unit_test(a_commit_adds_its_counts_waits_and_areas),
        cmocka_unit_test(injections_check_their_times_and_the_workers),
        cmocka_unit_test(an_injected_request_ages_from_its_arrival),
        cmocka_unit_test(injection_survives_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
