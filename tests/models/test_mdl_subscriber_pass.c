/*
 * test_mdl_subscriber_pass.c - the event path's commit and inject (issue
 * 14, tier R) against the per-record path: a channel, one subscriber with
 * two slots, and its apply through a quota and an endpoint of two workers
 * that one other user also calls. Run (A) sends every record through the
 * calendar; run (B) does the same outside [t0, t1) = [20 s, 40 s) and
 * carries the records inside by a hand-written pass: slot starts from
 * mdl_fifo_run, the endpoint's waits from its FIFO recursion, then every
 * model's commit and the injection of what is still in flight at t1. The
 * published metrics of both runs must be the same.
 *
 * The script (seconds). Records of flow 0 (key, the endpoint's service S,
 * the publish p, the read d = the apply call, the answer e); X and X2 are
 * the other user's requests (arrival a):
 *
 *   rec  e0 e1 e2 e3 | e4  e5   e6 e7   e8   | e9 e10    X   X2
 *   key   1  2  3  4 |  7   9    9 10   10   |  1   9
 *   S     3 11 15  4 |  2   7    3  7    4   |  3   3     3   5
 *   p/a   1 12 14 17 | 24 31.5  32 36.5 37   | 46  50    21  39
 *   d     1 12 14 23 | 29 31.5  32 36.5 38.5 | 46  50
 *   start 1 12 14 26 | 29 31.5  32 36.5 38.5 | 46  50    23  42.5
 *   e     4 23 29 30 | 31 38.5  35 43.5 42.5 | 49  53    26  47.5
 *
 * worked by hand: at 14 both slots are busy (e1 to 23, e2 to 29), so e3
 * (published 17) waits in the log and is read when e1 ends at 23; X (21)
 * found both workers busy and took e1's at 23, so e3's call waits for X's
 * end at 26; e4 waits in the log for e2's slot (29) and takes e2's worker
 * at once; e5 and e6 carry one key and both are in flight from 32 s: the
 * newer e6 (published later) is answered first (35 s) and the older e5,
 * answered at 38.5 s, is discarded by the ordering guard; e7 and e8 carry
 * one key too and are still in their slots (and in service) at t1: the
 * newer e8 is answered first (42.5 s), so the guard discards e7 at 43.5 s
 * through the key reference the commit kept and the injection took over;
 * X2 waits at the endpoint at t1.
 *
 * At t0 = 20 s: both slots busy (e1, e2: their calls end at 23 and 29 s,
 * inside the interval), e3 unread (a backlog of one), nobody waits at the
 * endpoint. The channel's charts sample every 9 s: the points 27 and 36 s
 * fall inside the interval (held for the commit's replay), and so do the
 * series' bucket edges. No two events share a microsecond except those
 * one causes at once (an answer and the read it lets happen), so the
 * calendar's tie order plays no part.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agg_pass.h"
#include "mdl_apply_endpoint.h"
#include "mdl_channel.h"
#include "mdl_endpoint.h"
#include "mdl_fifo.h"
#include "mdl_ledger.h"
#include "mdl_quota.h"
#include "mdl_subscriber.h"
#include "sim_alloc.h"
#include "sim_queue.h"
#include "sim_result.h"

#define S(x) ((sim_time)((x) * (double)SIM_SEC))

#define NE     11
#define FIRST  3 /* e3 .. e8 are the pass's: unread at t0 or published in [t0, t1) */
#define LAST   9
#define NP     (LAST - FIRST)
#define T0     S(20)
#define T1     S(40)
#define END    S(100)
#define WIDTH  S(9)
#define NBINS  12
#define NOTHER 2

static const double ev_p[NE] = {1, 12, 14, 17, 24, 31.5, 32, 36.5, 37, 46, 50};
static const uint64_t ev_key[NE] = {1, 2, 3, 4, 7, 9, 9, 10, 10, 1, 9};
static const double ev_svc[NE] = {3, 11, 15, 4, 2, 7, 3, 7, 4, 3, 3};
static const double ev_d[NE] = {1, 12, 14, 23, 29, 31.5, 32, 36.5, 38.5, 46, 50};
static const double ev_e[NE] = {4, 23, 29, 30, 31, 38.5, 35, 43.5, 42.5, 49, 53};
static const double other_a[NOTHER] = {21, 39};
static const double other_svc[NOTHER] = {3, 5};
static const double other_e[NOTHER] = {26, 47.5};

/* The empirical samples (ascending); a draw u = (i + 0.5) / 8 picks value i. */
static const double values[] = {2, 3, 4, 5, 6, 7, 11, 15};
#define NVALUES (sizeof values / sizeof values[0])

static const char *const flow_ids[] = {"F-001"};

/* One run's models. */
struct run {
    sim_queue *q;
    gsl_rng *rng;
    mdl_ledger *ledger;
    mdl_channel *ch;
    mdl_quota *quota;
    mdl_endpoint *ep;
    mdl_apply_endpoint *apply;
    mdl_subscriber *sub;
    sim_time other_answered[NOTHER];
    /* What the pass read at t0. */
    mdl_subscriber_pass_view view;
    mdl_subscriber_call calls[4];
    sim_time call_end[4];
    mdl_event unread[4];
    uint64_t nunread;
    sim_time ep_ends[4];
    int ep_busy;
};

static void publish_fire(void *ctx, uint64_t k, sim_time now)
{
    struct run *r = ctx;
    assert_int_equal(mdl_channel_publish(r->ch, 0, ev_key[k], now, now, NULL), SIM_OK);
}

static void other_answer(void *ctx, uint64_t k, mdl_ep_answer answer, sim_time now)
{
    struct run *r = ctx;
    assert_int_equal(answer, MDL_EP_DONE);
    r->other_answered[k] = now;
}

static void other_fire(void *ctx, uint64_t k, sim_time now)
{
    (void)now;
    struct run *r = ctx;
    assert_int_equal(mdl_endpoint_request(r->ep, other_answer, r, k, NULL), MDL_EP_ACCEPTED);
}

static int in_pass(int pass, double t)
{
    return pass && S(t) >= T0 && S(t) < T1;
}

static void run_init(struct run *r, int pass)
{
    static const mdl_service emp = {.samples = values, .n = NVALUES};
    memset(r, 0, sizeof *r);
    r->q = sim_queue_create(0, NULL);
    r->rng = gsl_rng_alloc(scripted_type());
    r->ledger = mdl_ledger_create(1, flow_ids, NULL);
    assert_true(r->q && r->rng && r->ledger);
    /* The services the endpoint draws, in the order requests start there
     * (the pass draws its own, and gives the injected ones theirs). */
    const double start_order[][2] = {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {0, 3}, {0, 4}, {0, 5},
                                     {0, 6}, {0, 7}, {0, 8}, {1, 1}, {0, 9}, {0, 10}};
    for (size_t j = 0; j < sizeof start_order / sizeof start_order[0]; j++) {
        int other = start_order[j][0] > 0, k = (int)start_order[j][1];
        int by_pass = other ? in_pass(pass, other_a[k]) : (pass && k >= FIRST && k < LAST);
        if (!by_pass)
            scripted_push(r->rng, values, NVALUES, other ? other_svc[k] : ev_svc[k]);
    }
    mdl_channel_cfg cc;
    mdl_channel_cfg_init(&cc);
    cc.id = "crm";
    cc.publish_allocation = 1000;
    cc.delivery_allocation = 10000;
    cc.series_interval = WIDTH;
    cc.series_bins = NBINS;
    r->ch = mdl_channel_create(&cc, r->q, NULL);
    mdl_quota_cfg qc = {.limit = 1000, .window = SIM_DAY};
    r->quota = mdl_quota_create(&qc, NULL);
    mdl_endpoint_cfg ec = {.id = "erp",
                           .workers = 2,
                           .service_time = &emp,
                           .rng = r->rng,
                           .series_interval = WIDTH,
                           .series_bins = NBINS};
    r->ep = mdl_endpoint_create(r->q, &ec, NULL);
    assert_true(r->ch && r->quota && r->ep);
    mdl_apply_endpoint_cfg ac = {
        .q = r->q, .endpoint = r->ep, .quota = r->quota, .ledger = r->ledger, .ledger_flow = 0};
    r->apply = mdl_apply_endpoint_create(&ac, NULL);
    assert_non_null(r->apply);
    mdl_channel *sources[1] = {r->ch};
    mdl_subscriber_cfg cfg;
    mdl_subscriber_cfg_init(&cfg);
    cfg.flow_id = "F-001";
    cfg.flow = 0;
    cfg.ledger = r->ledger;
    cfg.sources = sources;
    cfg.nsources = 1;
    cfg.concurrency = 2;
    cfg.apply = mdl_apply_endpoint_apply(r->apply);
    cfg.backoff.jitter = MDL_JITTER_NONE;
    cfg.series_interval = WIDTH;
    cfg.series_bins = NBINS;
    r->sub = mdl_subscriber_create(r->q, &cfg, NULL);
    assert_non_null(r->sub);
    for (int k = 0; k < NE; k++)
        if (!in_pass(pass, ev_p[k]))
            sim_queue_push(r->q, S(ev_p[k]), publish_fire, r, (uint64_t)k);
    for (int k = 0; k < NOTHER; k++) {
        r->other_answered[k] = -1;
        if (!in_pass(pass, other_a[k]))
            sim_queue_push(r->q, S(other_a[k]), other_fire, r, (uint64_t)k);
    }
}

static void run_fini(struct run *r)
{
    mdl_subscriber_destroy(r->sub);
    mdl_apply_endpoint_destroy(r->apply);
    mdl_endpoint_destroy(r->ep);
    mdl_quota_destroy(r->quota);
    mdl_channel_destroy(r->ch);
    mdl_ledger_destroy(r->ledger);
    gsl_rng_free(r->rng);
    sim_queue_destroy(r->q);
}

/* ---- the pass ----------------------------------------------------------- */

/* At t0: what the pass reads, and the state the script says it finds. */
static void pass_t0(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    (void)now;
    struct run *r = ctx;
    mdl_subscriber_pass_read(r->sub, &r->view, r->calls, 4);
    assert_null(r->view.why);
    assert_true(r->view.slots == 2 && r->view.calls == 2);
    for (int i = 0; i < r->view.calls; i++) {
        r->call_end[i] = mdl_apply_endpoint_answer_of(r->apply, r->calls[i].token);
        /* e1 (key 2) ends at 23 s, e2 (key 3) at 29 s; both keyed. */
        const mdl_event *ev = &r->calls[i].ev;
        assert_true(r->calls[i].keyed && (ev->key == 2 || ev->key == 3));
        assert_true(r->call_end[i] == S(ev->key == 2 ? 23 : 29));
    }
    r->nunread = mdl_channel_unread(r->view.source, r->view.reader, r->unread, 4);
    assert_true(r->nunread == 1 && r->unread[0].key == 4 && r->unread[0].seq == 3 &&
                r->unread[0].published == S(17));
    assert_int_equal(mdl_endpoint_waiting(r->ep), 0);
    r->ep_busy = mdl_endpoint_in_service(r->ep, r->ep_ends, 4);
    assert_int_equal(r->ep_busy, 2);
    assert_true(mdl_channel_pass_ready(r->ch));
    mdl_channel_pass_begin(r->ch, T0, T1);
    mdl_subscriber_pass_begin(r->sub);
}

/* An endpoint request of the pass. */
struct req {
    sim_time a, svc, start, end;
    int rec; /* the record's index, or -1 - k for the other user's k */
};

/* Adds the endpoint's commit of reqs[n] (in arrival order) over [t0, t1):
 * the busy set read at t0 joins the maxima and the found-busy test, only
 * the pass's requests the areas. */
static void commit_endpoint(struct run *r, const struct req *q, int n)
{
    struct span busy[NP + NOTHER + 4], wait[NP + NOTHER];
    int nb = 0;
    for (int i = 0; i < r->ep_busy; i++)
        busy[nb++] = (struct span){T0, r->ep_ends[i]};
    for (int i = 0; i < n; i++) {
        busy[nb + i] = (struct span){q[i].start, q[i].end};
        wait[i] = (struct span){q[i].a, q[i].start};
    }
    mdl_endpoint_bulk b = {.requests = (uint64_t)n, .first_busy_at = SIM_TIME_NEVER};
    /* Found both workers busy: half-open spans, so a worker freed at a by
     * the answer that causes this request (e4 at 29 s) is free. */
    for (int i = 0; i < n; i++)
        if (level_at(busy, nb + i, q[i].a) >= 2 && b.found_busy++ == 0)
            b.first_busy_at = q[i].a;
    sim_time waits[NP + NOTHER], sojourns[NP + NOTHER], last = -1;
    for (;;) { /* the ends before t1 in their order */
        int next = -1;
        for (int i = 0; i < n; i++)
            if (q[i].end < T1 && q[i].end > last && (next < 0 || q[i].end < q[next].end))
                next = i;
        if (next < 0)
            break;
        waits[b.served] = q[next].start - q[next].a;
        sojourns[b.served] = q[next].end - q[next].a;
        b.served++;
        last = q[next].end;
    }
    b.wait = waits;
    b.sojourn = sojourns;
    double barea[8], bmax[8], qarea[8], qmax[8];
    agg_endpoint_levels(&b, busy, nb, wait, n, T0, T1, WIDTH, barea, bmax, qarea, qmax);
    assert_int_equal(b.nbuckets, 3);
    assert_int_equal(mdl_endpoint_commit(r->ep, &b), SIM_OK);
}

/* At t1: the pass over [t0, t1), as tier R will run it. */
static void pass_t1(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    struct run *r = ctx;
    assert_true(now == T1);
    /* The pass's records in FIFO order: the unread one, then those
     * published in [t0, t1) (their keys and services are the pass's
     * draws; here the script's). */
    sim_time p[NP], svc[NP], d[NP], e[NP];
    uint64_t key[NP];
    for (int i = 0; i < NP; i++) {
        p[i] = S(ev_p[FIRST + i]);
        key[i] = ev_key[FIRST + i];
        svc[i] = S(ev_svc[FIRST + i]);
    }
    assert_true(p[0] == r->unread[0].published && key[0] == r->unread[0].key);
    /* Slots: two FIFO servers seeded with the calls' ends; the endpoint:
     * two workers seeded with its busy set. A record's slot start is its
     * read and call; its slot is held until the endpoint answers it. */
    sim_time slot_free[2], ep_free[2];
    for (int i = 0; i < 2; i++) {
        slot_free[i] = i < r->view.calls ? r->call_end[i] : -1;
        ep_free[i] = i < r->ep_busy ? r->ep_ends[i] : -1;
    }
    struct req q[NP + NOTHER];
    int nq = 0, o = 0;
    for (int i = 0; i < NP; i++) {
        sim_time first_free = slot_free[0] < slot_free[1] ? slot_free[0] : slot_free[1];
        d[i] = p[i] > first_free ? p[i] : first_free;
        for (; o < NOTHER && S(other_a[o]) < d[i]; o++, nq++) {
            q[nq] = (struct req){.a = S(other_a[o]), .svc = S(other_svc[o]), .rec = -1 - o};
            mdl_fifo_run(2, ep_free, 1, &q[nq].a, &q[nq].svc, &q[nq].start, &q[nq].end, NULL);
        }
        q[nq] = (struct req){.a = d[i], .svc = svc[i], .rec = i};
        mdl_fifo_run(2, ep_free, 1, &q[nq].a, &q[nq].svc, &q[nq].start, &q[nq].end, NULL);
        e[i] = q[nq++].end;
        sim_time hold = e[i] - d[i], start, end;
        mdl_fifo_run(2, slot_free, 1, &p[i], &hold, &start, &end, NULL);
        assert_true(start == d[i] && end == e[i]);
        assert_true(d[i] == S(ev_d[FIRST + i]) && e[i] == S(ev_e[FIRST + i]));
    }
    for (; o < NOTHER; o++, nq++) {
        q[nq] = (struct req){.a = S(other_a[o]), .svc = S(other_svc[o]), .rec = -1 - o};
        mdl_fifo_run(2, ep_free, 1, &q[nq].a, &q[nq].svc, &q[nq].start, &q[nq].end, NULL);
        assert_true(q[nq].end == S(other_e[o]));
    }

    /* The allocations and the quota fit (one grid bucket: [0, 60 s)). */
    const mdl_quota *pub = mdl_channel_allocation(r->ch, MDL_CHANNEL_PUBLISH_ALLOCATION);
    const mdl_quota *del = mdl_channel_allocation(r->ch, MDL_CHANNEL_DELIVERY_ALLOCATION);
    assert_true(mdl_quota_grid(pub) == S(60) && mdl_quota_grid(r->quota) == S(60));
    uint64_t npub[1] = {NP - 1}, nread[1] = {NP}, ncalls[1] = {NP};
    assert_int_equal(mdl_quota_fits(pub, T0, npub, 1, 0), 1);
    assert_int_equal(mdl_quota_fits(del, T0, nread, 1, 0), 1);
    assert_int_equal(mdl_quota_fits(r->quota, T0, ncalls, 1, 0), 1);

    /* 1. The channel: publishes (all but the unread one) and reads. */
    int pub_flow[NP - 1], reader[NP];
    uint64_t seq[NP - 1];
    mdl_event read_ev[NP];
    for (int i = 0; i < NP; i++) {
        reader[i] = r->view.reader;
        if (i > 0)
            pub_flow[i - 1] = 0;
    }
    mdl_channel_bulk cb = {.npub = NP - 1,
                           .pub_at = p + 1,
                           .pub_flow = pub_flow,
                           .pub_key = key + 1,
                           .pub_seq = seq,
                           .nread = NP,
                           .read_at = d,
                           .read_reader = reader,
                           .read_ev = read_ev};
    assert_int_equal(mdl_channel_pass_commit(r->ch, &cb), SIM_OK);
    for (int i = 0; i < NP; i++) /* e3 is seq 3: the reads take seqs 3 .. 8 in order */
        assert_true(read_ev[i].seq == (uint64_t)(FIRST + i) && read_ev[i].key == key[i] &&
                    read_ev[i].created == p[i] && (i == 0 || seq[i - 1] == read_ev[i].seq));
    /* 2. The subscriber; 3. the apply, the quota, the endpoint. */
    mdl_subscriber_bulk sb = {.n = NP, .ev = read_ev, .read_at = d, .done_at = e};
    assert_int_equal(mdl_subscriber_pass_commit(r->sub, &sb), SIM_OK);
    uint64_t ok = 0;
    for (int i = 0; i < NP; i++)
        ok += e[i] < T1;
    mdl_apply_endpoint_pass_commit(r->apply, NP, ok);
    mdl_quota_commit(r->quota, T0, ncalls, 1);
    commit_endpoint(r, q, nq);
    /* 4. What is still in flight at t1: in service first, then waiting,
     * each in start order (q is in arrival order, so in start order). */
    for (int waiting = 0; waiting < 2; waiting++)
        for (int j = 0; j < nq; j++) {
            if (q[j].end < T1 || (q[j].start >= T1) != waiting)
                continue;
            mdl_endpoint_inflight in = {
                .arrived = q[j].a, .start = q[j].start, .service = q[j].end - q[j].start};
            if (q[j].rec < 0) { /* the other user's: answered to it */
                in.fn = other_answer;
                in.ctx = r;
                in.tag = (uint64_t)(-1 - q[j].rec);
                assert_int_equal(mdl_endpoint_inject(r->ep, &in, NULL), SIM_OK);
                continue;
            }
            mdl_subscriber_inflight sub_in;
            assert_int_equal(mdl_subscriber_pass_inject(r->sub, &read_ev[q[j].rec], &sub_in),
                             SIM_OK);
            assert_int_equal(mdl_apply_endpoint_pass_inject(r->apply, &in, sub_in.token,
                                                            sub_in.done, sub_in.ctx),
                             SIM_OK);
        }
    mdl_subscriber_pass_end(r->sub, now);
}

/* Runs (A) per record or (B) with the pass; publishes every model's
 * metrics into res. */
static void run(struct run *r, int pass, sim_result *res)
{
    run_init(r, pass);
    if (pass) {
        sim_queue_push(r->q, T0, pass_t0, r, 0);
        sim_queue_push(r->q, T1, pass_t1, r, 0);
    }
    assert_int_equal(sim_queue_run(r->q, END), SIM_OK);
    mdl_subscriber_finish(r->sub, END);
    uint64_t pending[1] = {mdl_subscriber_pending(r->sub)};
    assert_int_equal(mdl_channel_publish_metrics(r->ch, END, res, NULL), SIM_OK);
    assert_int_equal(mdl_subscriber_publish(r->sub, END, res, NULL), SIM_OK);
    assert_int_equal(mdl_endpoint_publish(r->ep, res, NULL), SIM_OK);
    assert_int_equal(mdl_ledger_publish(r->ledger, pending, res, NULL), SIM_OK);
    assert_int_equal(mdl_ledger_check(r->ledger, pending, NULL), SIM_OK);
}

static void a_pass_over_the_event_path_publishes_what_the_per_record_run_does(void **state)
{
    (void)state;
    struct run ra, rb;
    sim_result *a = sim_result_create(NULL), *b = sim_result_create(NULL);
    assert_true(a && b);
    run(&ra, 0, a);
    run(&rb, 1, b);
    /* Run (A) follows the hand schedule: 11 delivered, e5 and e7 discarded
     * by the guard, 11 calls; X and X2 answered at 26 and 47.5 s; 3 requests
     * found both workers busy (X at 21, e3 at 23, X2 at 39). */
    mdl_subscriber_stats sa, sb;
    mdl_subscriber_stats_get(ra.sub, END, &sa);
    mdl_subscriber_stats_get(rb.sub, END, &sb);
    assert_true(sa.delivered == NE && sa.stale_discarded == 2 && sa.attempts == NE);
    assert_true(sa.lag_peak == 1 && sa.corrupted == 0 && sa.pending == 0);
    mdl_endpoint_stats es;
    mdl_endpoint_stats_get(ra.ep, &es);
    assert_true(es.found_busy == 3 && es.exhausted_at == S(21));
    for (int k = 0; k < NOTHER; k++) {
        assert_true(ra.other_answered[k] == S(other_e[k]));
        assert_true(rb.other_answered[k] == (k == 0 ? -1 : ra.other_answered[k]));
    }
    mdl_apply_endpoint_stats xa, xb;
    mdl_apply_endpoint_stats_get(ra.apply, &xa);
    mdl_apply_endpoint_stats_get(rb.apply, &xb);
    assert_true(xa.calls == NE && xa.ok == NE && xa.in_flight == 0);
    assert_true(xb.calls == xa.calls && xb.ok == xa.ok && xb.in_flight == 0);
    assert_true(mdl_quota_peak(ra.quota) == NE && mdl_quota_peak(rb.quota) == NE);
    /* The publish allocation (its count is not a published metric): the 11
     * publishes of the run lie within one rolling hour. */
    const mdl_quota *pa = mdl_channel_allocation(ra.ch, MDL_CHANNEL_PUBLISH_ALLOCATION);
    const mdl_quota *pb = mdl_channel_allocation(rb.ch, MDL_CHANNEL_PUBLISH_ALLOCATION);
    assert_true(mdl_quota_peak(pa) == NE && mdl_quota_peak(pb) == NE);
    assert_true(mdl_quota_used(ra.quota, END) == mdl_quota_used(rb.quota, END));
    assert_true(mdl_channel_committed(ra.ch, 0) == mdl_channel_committed(rb.ch, 0));
    assert_true(mdl_channel_log_bytes(ra.ch) == mdl_channel_log_bytes(rb.ch));
    /* Within 1e-12 relative (agg_pass.h): the endpoint's time averages and
     * tallies, which the commit adds in another order than the calendar
     * interleaves them. The ledger's latency mean is compared exactly: the
     * commit hands the latencies over in the order of the applies. */
    static const char *const approx[] = {"system.erp.utilisation", "system.erp.mean_queue",
                                         "system.erp.wait_mean_s", "system.erp.sojourn_mean_s"};
    assert_same_metrics(a, b, approx, sizeof approx / sizeof approx[0]);
    sim_result_destroy(a);
    sim_result_destroy(b);
    run_fini(&ra);
    run_fini(&rb);
}

/* ---- conditions, refusals and allocation failures -------------------------- */

/* An apply that never answers: its calls stay in flight. */
static int hold_apply(void *impl, uint64_t token, sim_time now, mdl_apply_done_fn *done, void *ctx)
{
    (void)impl;
    (void)token;
    (void)now;
    (void)done;
    (void)ctx;
    return SIM_OK;
}

struct small {
    sim_queue *q;
    mdl_channel *ch[2];
    mdl_subscriber *sub;
};

/* A subscriber of flow 0 on one channel (two with nsources 2), changed by
 * `tweak` before it is created. */
static void small_init(struct small *m, int nsources, void (*tweak)(mdl_subscriber_cfg *))
{
    memset(m, 0, sizeof *m);
    m->q = sim_queue_create(0, NULL);
    assert_non_null(m->q);
    mdl_channel_cfg cc;
    mdl_channel_cfg_init(&cc);
    for (int i = 0; i < 2; i++) {
        m->ch[i] = mdl_channel_create(&cc, NULL, NULL);
        assert_non_null(m->ch[i]);
    }
    mdl_subscriber_cfg cfg;
    mdl_subscriber_cfg_init(&cfg);
    cfg.flow_id = "F-001";
    cfg.sources = m->ch;
    cfg.nsources = nsources;
    cfg.concurrency = 2;
    cfg.apply = (mdl_apply){hold_apply, NULL};
    cfg.backoff.jitter = MDL_JITTER_NONE;
    if (tweak)
        tweak(&cfg);
    m->sub = mdl_subscriber_create(m->q, &cfg, NULL);
    assert_non_null(m->sub);
}

static void small_fini(struct small *m)
{
    mdl_subscriber_destroy(m->sub);
    mdl_channel_destroy(m->ch[0]);
    mdl_channel_destroy(m->ch[1]);
    sim_queue_destroy(m->q);
}

static void redelivers(mdl_subscriber_cfg *c)
{
    c->redelivery = 1.0;
}

static void receives_cdc(mdl_subscriber_cfg *c)
{
    c->receive_cdc = 1;
}

static void commits_every_5s(mdl_subscriber_cfg *c)
{
    c->commit_interval = 5 * SIM_SEC;
}

static void ordered(mdl_subscriber_cfg *c)
{
    c->ordered_sources = 1;
}

static void no_apply(mdl_subscriber_cfg *c)
{
    c->apply = (mdl_apply){NULL, NULL};
}

static const char *why_of(const struct small *m, mdl_subscriber_pass_view *v)
{
    mdl_subscriber_pass_read(m->sub, v, NULL, 0);
    return v->why;
}

/* What the pass cannot carry is named at t0: certain redelivery, commits
 * at intervals, two sources, a disconnection (an offline window from 0 to
 * 10 s, read at 5 s). CDC received is the caller's to rule out (whether
 * anything publishes it): the view flags it. A plain one may be carried
 * with 2 slots; with ordered sources its recursion has 1. */
static void a_subscriber_the_pass_cannot_carry_says_why(void **state)
{
    (void)state;
    void (*const refused[])(mdl_subscriber_cfg *) = {redelivers, commits_every_5s};
    mdl_subscriber_pass_view v;
    struct small m;
    small_init(&m, 1, receives_cdc);
    assert_true(why_of(&m, &v) == NULL && v.cdc == 1);
    small_fini(&m);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        small_init(&m, 1, refused[i]);
        assert_non_null(why_of(&m, &v));
        small_fini(&m);
    }
    small_init(&m, 2, NULL);
    assert_non_null(why_of(&m, &v));
    small_fini(&m);
    small_init(&m, 1, NULL);
    assert_int_equal(mdl_subscriber_offline(m.sub, 0, 10 * SIM_SEC, NULL), SIM_OK);
    assert_int_equal(sim_queue_run(m.q, 5 * SIM_SEC), SIM_OK);
    assert_non_null(why_of(&m, &v));
    assert_int_equal(sim_queue_run(m.q, 11 * SIM_SEC), SIM_OK);
    assert_null(why_of(&m, &v));
    assert_true(v.slots == 2 && v.calls == 0 && v.source == m.ch[0] && v.reader == 0 && !v.cdc);
    small_fini(&m);
    small_init(&m, 1, ordered);
    assert_true(why_of(&m, &v) == NULL && v.slots == 1);
    small_fini(&m);
}

/* The commit and the injection refuse what they cannot carry and change
 * nothing: no pass on; an event of another flow; reads out of order; an
 * answer before its read; three records in flight at once for two slots.
 * Two records in flight at t1 are injected; a third finds both slots busy
 * (SIM_EFULL). Without an apply there is nothing to inject (SIM_EINVAL). */
static void commit_and_inject_refuse_what_they_cannot_carry(void **state)
{
    (void)state;
    struct small m;
    small_init(&m, 1, NULL);
    assert_int_equal(sim_queue_run(m.q, 10 * SIM_SEC), SIM_OK);
    mdl_event ev[3] = {{.seq = 0, .key = 1}, {.seq = 1, .key = 1}, {.seq = 2, .key = 2}};
    sim_time read_at[3] = {SIM_SEC, 2 * SIM_SEC, 3 * SIM_SEC};
    sim_time done_at[3] = {20 * SIM_SEC, 20 * SIM_SEC, 4 * SIM_SEC};
    mdl_subscriber_bulk b = {.n = 3, .ev = ev, .read_at = read_at, .done_at = done_at};
    mdl_subscriber_inflight in;
    assert_int_equal(mdl_subscriber_pass_commit(m.sub, &b), SIM_EINVAL);
    assert_int_equal(mdl_subscriber_pass_inject(m.sub, &ev[0], &in), SIM_EINVAL);
    mdl_subscriber_pass_begin(m.sub);
    ev[2].flow = 1;
    assert_int_equal(mdl_subscriber_pass_commit(m.sub, &b), SIM_EINVAL);
    ev[2].flow = 0;
    read_at[2] = SIM_SEC / 2;
    assert_int_equal(mdl_subscriber_pass_commit(m.sub, &b), SIM_EINVAL);
    read_at[2] = 3 * SIM_SEC;
    done_at[2] = 2 * SIM_SEC;
    assert_int_equal(mdl_subscriber_pass_commit(m.sub, &b), SIM_EINVAL);
    done_at[2] = 20 * SIM_SEC; /* three in flight at 3 s */
    assert_int_equal(mdl_subscriber_pass_commit(m.sub, &b), SIM_EINVAL);
    mdl_subscriber_stats st;
    mdl_subscriber_stats_get(m.sub, 10 * SIM_SEC, &st);
    assert_true(st.attempts == 0 && st.delivered == 0);
    b.n = 2;
    assert_int_equal(mdl_subscriber_pass_commit(m.sub, &b), SIM_OK);
    mdl_subscriber_stats_get(m.sub, 10 * SIM_SEC, &st);
    assert_true(st.attempts == 2 && st.delivered == 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(mdl_subscriber_pass_inject(m.sub, &ev[i], &in), SIM_OK);
    assert_int_equal(mdl_subscriber_pass_inject(m.sub, &ev[2], &in), SIM_EFULL);
    mdl_subscriber_pass_end(m.sub, 10 * SIM_SEC);
    assert_true(mdl_subscriber_in_flight(m.sub) == 2 && mdl_subscriber_pending(m.sub) == 2);
    small_fini(&m);

    small_init(&m, 1, no_apply);
    mdl_subscriber_pass_begin(m.sub);
    assert_int_equal(mdl_subscriber_pass_inject(m.sub, &ev[0], &in), SIM_EINVAL);
    small_fini(&m);
}

static mdl_ledger *ledger_of_small;

static void with_ledger(mdl_subscriber_cfg *c)
{
    c->ledger = ledger_of_small;
}

/* A commit hands its delivered latencies to the ledger together, in the
 * order of the applies, after what the ledger held back: the same
 * histogram, bit for bit, as one mdl_ledger_delivered per apply. Worked by
 * hand (seconds; two slots): r0 is read at 3.5 and answered at 4, r1 read
 * at 3.51 and answered at 3.6, r2 read at 3.65 (r1's slot) and answered at
 * 3.7, so the applies come r1, r2, r0, with latencies 0.677322, 0.406989
 * and 0.537138, after the 0.1 s one delivered before. The latency sum is a
 * plain double sum: of the 24 orders of these four only this one (and the
 * same with its first two swapped) gives 1.7214489999999998, so an exact
 * compare of the published mean fails with any other (the reads' order,
 * the applies reversed, the held one last). */
static void a_commit_adds_its_latencies_in_the_order_of_its_applies(void **state)
{
    (void)state;
    mdl_ledger *got = mdl_ledger_create(1, flow_ids, NULL),
               *want = mdl_ledger_create(1, flow_ids, NULL);
    assert_true(got && want);
    struct small m;
    ledger_of_small = got;
    small_init(&m, 1, with_ledger);
    const sim_time us = SIM_SEC / 1000000;
    mdl_event ev[3] = {{.seq = 0, .created = 3462862 * us},
                       {.seq = 1, .created = 2922678 * us},
                       {.seq = 2, .created = 3293011 * us}};
    sim_time read_at[3] = {3500000 * us, 3510000 * us, 3650000 * us};
    sim_time done_at[3] = {4000000 * us, 3600000 * us, 3700000 * us};
    mdl_subscriber_bulk b = {.n = 3, .ev = ev, .read_at = read_at, .done_at = done_at};
    assert_int_equal(sim_queue_run(m.q, 10 * SIM_SEC), SIM_OK);
    mdl_ledger_delivered(got, 0, 100000 * us); /* held back by the ledger */
    mdl_subscriber_pass_begin(m.sub);
    assert_int_equal(mdl_subscriber_pass_commit(m.sub, &b), SIM_OK);
    mdl_subscriber_pass_end(m.sub, 10 * SIM_SEC);
    const sim_time order[4] = {100000 * us, 677322 * us, 406989 * us, 537138 * us};
    for (int k = 0; k < 4; k++)
        mdl_ledger_delivered(want, 0, order[k]);
    sim_result *rg = sim_result_create(NULL), *rw = sim_result_create(NULL);
    assert_true(rg && rw);
    uint64_t pending[1] = {0};
    assert_int_equal(mdl_ledger_publish(got, pending, rg, NULL), SIM_OK);
    assert_int_equal(mdl_ledger_publish(want, pending, rw, NULL), SIM_OK);
    long j = sim_result_find(rw, "flow.F-001.latency_mean");
    assert_true(j >= 0 && sim_result_value(rw, (size_t)j) == 1.7214489999999998 / 4);
    assert_same_metrics(rw, rg, NULL, 0);
    sim_result_destroy(rg);
    sim_result_destroy(rw);
    small_fini(&m);
    mdl_ledger_destroy(got);
    mdl_ledger_destroy(want);
}

/* The ordering guard across a long flight, by hand (seconds; two slots,
 * upsert with the guard): r0 (key 5, created 0.5) is read at 1 and
 * answered at 30; meanwhile the other slot reads r1 .. r10 at 2 .. 11,
 * each answered 0.5 later; r1 .. r9 carry keys 11 .. 19, r10 (created
 * 10.5) key 5 again. r10 is read while r0 holds key 5, so its apply at
 * 11.5 writes the newer version and r0's at 30 is discarded: 11
 * delivered, 1 stale. r10 is the tenth read in r0's flight: a commit that
 * took no reference for r0 because it looked at too few of the reads in
 * its flight (alone's look-ahead) would write r0 and discard nothing. */
static void the_guard_sees_a_key_read_again_late_in_a_long_flight(void **state)
{
    (void)state;
    struct small m;
    small_init(&m, 1, NULL);
    assert_int_equal(sim_queue_run(m.q, 40 * SIM_SEC), SIM_OK);
    enum { N = 11 };
    mdl_event ev[N];
    sim_time read_at[N], done_at[N];
    for (int i = 0; i < N; i++) {
        ev[i] = (mdl_event){.seq = (uint64_t)i, .key = i == 0 || i == 10 ? 5 : (uint64_t)(10 + i)};
        ev[i].created = ev[i].published = i * SIM_SEC + SIM_SEC / 2;
        read_at[i] = (i + 1) * SIM_SEC;
        done_at[i] = i == 0 ? 30 * SIM_SEC : read_at[i] + SIM_SEC / 2;
    }
    mdl_subscriber_bulk b = {.n = N, .ev = ev, .read_at = read_at, .done_at = done_at};
    mdl_subscriber_pass_begin(m.sub);
    assert_int_equal(mdl_subscriber_pass_commit(m.sub, &b), SIM_OK);
    mdl_subscriber_pass_end(m.sub, 40 * SIM_SEC);
    mdl_subscriber_stats st;
    mdl_subscriber_stats_get(m.sub, 40 * SIM_SEC, &st);
    assert_true(st.attempts == N && st.delivered == N);
    assert_int_equal(st.stale_discarded, 1);
    small_fini(&m);
}

/* The last apply call started (an apply the test answers). */
static struct {
    uint64_t token;
    mdl_apply_done_fn *done;
    void *ctx;
    int calls;
} caught;

static int catch_apply(void *impl, uint64_t token, sim_time now, mdl_apply_done_fn *done, void *ctx)
{
    (void)impl;
    (void)now;
    caught.token = token;
    caught.done = done;
    caught.ctx = ctx;
    caught.calls++;
    return SIM_OK;
}

static void catches(mdl_subscriber_cfg *c)
{
    c->apply = (mdl_apply){catch_apply, NULL};
}

/* A record in flight at t1 keeps its key's reference through the commit
 * (alone is asked only of applies answered before t1), by hand (seconds;
 * two slots, upsert with the guard): r0 (key 5, created 1) is read at 2
 * and still in flight at t1 = 10, injected; after the pass r1 (key 5,
 * created 11) is published and read at 11 and answered at 12, writing
 * the newer version; r0's answer at 13 finds it and is discarded, as the
 * per-record run would (r0's reference taken at its read, held to its
 * answer): 2 delivered, 1 stale. A commit that let alone drop r0's
 * reference (nothing else of key 5 in the commit) would write r0 at 13
 * over the newer version and discard nothing. */
static void a_record_in_flight_at_t1_keeps_its_key_for_the_guard(void **state)
{
    (void)state;
    struct small m;
    memset(&caught, 0, sizeof caught);
    small_init(&m, 1, catches);
    assert_int_equal(sim_queue_run(m.q, 10 * SIM_SEC), SIM_OK);
    mdl_event ev = {.seq = 0, .key = 5, .created = SIM_SEC, .published = SIM_SEC};
    sim_time read_at = 2 * SIM_SEC, done_at = 20 * SIM_SEC;
    mdl_subscriber_bulk b = {.n = 1, .ev = &ev, .read_at = &read_at, .done_at = &done_at};
    mdl_subscriber_pass_begin(m.sub);
    assert_int_equal(mdl_subscriber_pass_commit(m.sub, &b), SIM_OK);
    mdl_subscriber_inflight in;
    assert_int_equal(mdl_subscriber_pass_inject(m.sub, &ev, &in), SIM_OK);
    mdl_subscriber_pass_end(m.sub, 10 * SIM_SEC);
    assert_int_equal(sim_queue_run(m.q, 11 * SIM_SEC), SIM_OK);
    assert_int_equal(mdl_channel_publish(m.ch[0], 0, 5, 11 * SIM_SEC, 11 * SIM_SEC, NULL), SIM_OK);
    assert_int_equal(sim_queue_run(m.q, 12 * SIM_SEC), SIM_OK);
    assert_int_equal(caught.calls, 1); /* r1's apply */
    caught.done(caught.ctx, caught.token, 1, 0, 12 * SIM_SEC);
    assert_int_equal(sim_queue_run(m.q, 13 * SIM_SEC), SIM_OK);
    in.done(in.ctx, in.token, 1, 0, 13 * SIM_SEC);
    assert_int_equal(sim_queue_run(m.q, 20 * SIM_SEC), SIM_OK);
    mdl_subscriber_stats st;
    mdl_subscriber_stats_get(m.sub, 20 * SIM_SEC, &st);
    assert_true(st.delivered == 2 && mdl_subscriber_in_flight(m.sub) == 0);
    assert_int_equal(st.stale_discarded, 1);
    small_fini(&m);
}

/* An answer: when (ctx[0]) and whether ok (ctx[1]). */
static void record_answer(void *ctx, uint64_t token, int ok, int retryable, sim_time now)
{
    (void)retryable;
    sim_time *at = ctx;
    assert_int_equal(token, 7);
    at[0] = now;
    at[1] = ok;
}

/* New allocations of the path fail cleanly. The subscriber's commit
 * allocates its scratch (one entry a slot) at its first use: SIM_ENOMEM and
 * nothing counted, then SIM_OK. The apply's injection allocates its first
 * call records (16): SIM_ENOMEM and nothing in flight, neither in the
 * adapter nor at the endpoint; then SIM_OK. A call in flight that would
 * have timed out before t1 is refused (SIM_EINVAL); one that times out
 * after t1 gets its timer, and times out then. */
static void the_pass_survives_allocation_failures(void **state)
{
    (void)state;
    struct small m;
    small_init(&m, 1, NULL);
    mdl_subscriber_pass_begin(m.sub);
    mdl_event ev = {.seq = 0, .key = 1};
    sim_time read_at = SIM_SEC, done_at = 2 * SIM_SEC;
    mdl_subscriber_bulk b = {.n = 1, .ev = &ev, .read_at = &read_at, .done_at = &done_at};
    assert_int_equal(sim_queue_run(m.q, 5 * SIM_SEC), SIM_OK);
    sim_alloc_fail_after(1);
    int rc = mdl_subscriber_pass_commit(m.sub, &b);
    sim_alloc_fail_reset();
    assert_int_equal(rc, SIM_ENOMEM);
    mdl_subscriber_stats st;
    mdl_subscriber_stats_get(m.sub, 5 * SIM_SEC, &st);
    assert_true(st.attempts == 0 && st.delivered == 0);
    assert_int_equal(mdl_subscriber_pass_commit(m.sub, &b), SIM_OK);
    mdl_subscriber_stats_get(m.sub, 5 * SIM_SEC, &st);
    assert_true(st.attempts == 1 && st.delivered == 1);
    small_fini(&m);

    sim_queue *q = sim_queue_create(0, NULL);
    sim_dist one = {.kind = SIM_DIST_CONST, .a = 1.0};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    mdl_endpoint_cfg ec = {.id = "erp", .workers = 2, .service = &one, .rng = rng};
    mdl_endpoint *ep = mdl_endpoint_create(q, &ec, NULL);
    mdl_apply_endpoint_cfg ac = {.q = q, .endpoint = ep, .timeout = 10 * SIM_SEC};
    mdl_apply_endpoint *a = mdl_apply_endpoint_create(&ac, NULL);
    assert_true(q && ep && a);
    assert_int_equal(sim_queue_run(q, 20 * SIM_SEC), SIM_OK);
    mdl_endpoint_inflight late = {
        .arrived = 5 * SIM_SEC, .start = 5 * SIM_SEC, .service = 11 * SIM_SEC};
    assert_int_equal(mdl_apply_endpoint_pass_inject(a, &late, 1, NULL, NULL), SIM_EINVAL);
    mdl_endpoint_inflight in = {
        .arrived = 15 * SIM_SEC, .start = 15 * SIM_SEC, .service = 20 * SIM_SEC};
    sim_alloc_fail_after(1);
    rc = mdl_apply_endpoint_pass_inject(a, &in, 1, NULL, NULL);
    sim_alloc_fail_reset();
    assert_int_equal(rc, SIM_ENOMEM);
    mdl_apply_endpoint_stats as;
    mdl_apply_endpoint_stats_get(a, &as);
    assert_true(as.in_flight == 0 && mdl_endpoint_busy(ep) == 0);
    sim_time answered[2] = {-1, -1};
    assert_int_equal(mdl_apply_endpoint_pass_inject(a, &in, 7, record_answer, answered), SIM_OK);
    mdl_apply_endpoint_stats_get(a, &as);
    assert_true(as.in_flight == 1 && mdl_endpoint_busy(ep) == 1);
    assert_true(mdl_apply_endpoint_answer_of(a, 7) == SIM_TIME_NEVER); /* it will time out */
    assert_int_equal(sim_queue_run(q, 40 * SIM_SEC), SIM_OK);
    assert_true(answered[0] == 25 * SIM_SEC && answered[1] == 0); /* 15 s + 10 s, failed */
    mdl_apply_endpoint_stats_get(a, &as);
    assert_true(as.timeouts == 1 && as.in_flight == 0);
    mdl_apply_endpoint_destroy(a);
    mdl_endpoint_destroy(ep);
    gsl_rng_free(rng);
    sim_queue_destroy(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_pass_over_the_event_path_publishes_what_the_per_record_run_does),
        cmocka_unit_test(a_commit_adds_its_latencies_in_the_order_of_its_applies),
        cmocka_unit_test(the_guard_sees_a_key_read_again_late_in_a_long_flight),
        cmocka_unit_test(a_record_in_flight_at_t1_keeps_its_key_for_the_guard),
        cmocka_unit_test(a_subscriber_the_pass_cannot_carry_says_why),
        cmocka_unit_test(commit_and_inject_refuse_what_they_cannot_carry),
        cmocka_unit_test(the_pass_survives_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
