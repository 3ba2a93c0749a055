/*
 * test_mdl_subscriber.c - an event subscriber against hand-computed cases:
 * losses from an offline window with and without a replay id, the time the
 * delivery allocation runs out, duplicates under forced redelivery and a
 * crash, the ordering guard on scripted out-of-order sequences, the
 * dead-letter queue after N attempts, token expiry, CDC from a bulk load,
 * and conservation (created = delivered + dead-lettered + lost + pending)
 * under every fault at once.
 *
 * Publishers here are deterministic: one event every k seconds from an
 * offset chosen so that no event falls exactly on a window edge (edges are
 * checked separately in test_mdl_channel.c). The apply call is a script:
 * a fixed latency, or per-call latencies and outcomes.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_apply.h"
#include "mdl_apply_endpoint.h"
#include "mdl_backoff.h"
#include "mdl_channel.h"
#include "mdl_endpoint.h"
#include "mdl_ledger.h"
#include "mdl_quota.h"
#include "mdl_subscriber.h"
#include "sim_alloc.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_rng.h"

/* ---- a scripted apply ------------------------------------------------- */

typedef struct step {
    sim_time latency;
    int ok, retryable;
} step;

typedef struct answer {
    uint64_t token;
    int ok, retryable;
    mdl_apply_done_fn *done;
    void *ctx;
} answer;

typedef struct stub {
    sim_queue *q;
    sim_time latency;   /* default latency */
    const step *script; /* call i < nscript follows script[i] */
    int nscript;
    int always_fail, fail_retryable;
    gsl_rng *rng; /* random outcomes when set */
    double p_transient, p_permanent, mean_latency_s;
    int sync; /* answer zero-latency calls inside the call */
    int calls;
    answer *ans;
    int nans, capans;
} stub;

static void stub_fire(void *ctx, uint64_t arg, sim_time now)
{
    stub *s = ctx;
    answer a = s->ans[arg];
    a.done(a.ctx, a.token, a.ok, a.retryable, now);
}

static int stub_apply(void *impl, uint64_t token, sim_time now, mdl_apply_done_fn *done, void *ctx)
{
    stub *s = impl;
    int c = s->calls++;
    step st = {s->latency, 1, 1};
    if (c < s->nscript) {
        st = s->script[c];
    } else if (s->always_fail) {
        st.ok = 0;
        st.retryable = s->fail_retryable;
    } else if (s->rng) {
        st.latency = sim_time_clamp_seconds(gsl_ran_exponential(s->rng, s->mean_latency_s));
        double u = gsl_rng_uniform(s->rng);
        if (u < s->p_permanent) {
            st.ok = 0;
            st.retryable = 0;
        } else if (u < s->p_permanent + s->p_transient) {
            st.ok = 0;
            st.retryable = 1;
        }
    }
    if (s->sync && st.latency == 0) {
        done(ctx, token, st.ok, st.retryable, now);
        return SIM_OK;
    }
    if (s->nans == s->capans) {
        s->capans = s->capans ? 2 * s->capans : 64;
        s->ans = sim_reallocarray(s->ans, (size_t)s->capans, sizeof *s->ans);
        assert_non_null(s->ans);
    }
    s->ans[s->nans] = (answer){token, st.ok, st.retryable, done, ctx};
    sim_queue_push(s->q, now + st.latency, stub_fire, s, (uint64_t)s->nans);
    s->nans++;
    return SIM_OK;
}

static mdl_apply apply_of(stub *s)
{
    return (mdl_apply){stub_apply, s};
}

/* ---- a deterministic publisher ----------------------------------------- */

typedef struct pub {
    sim_queue *q;
    mdl_channel *ch;
    int flow;
    sim_time every, until;
    uint64_t keys; /* K > 0: keys 1..K in turn; 0: key 0 */
    uint64_t n;
    gsl_rng *rng; /* Poisson arrivals with mean `every` when set */
} pub;

static void pub_fire(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    pub *p = ctx;
    uint64_t key = p->keys ? p->n % p->keys + 1 : 0;
    int rc = mdl_channel_publish(p->ch, p->flow, key, now, now, NULL);
    assert_true(rc == SIM_OK || rc == SIM_EFULL);
    p->n++;
    sim_time gap = p->every;
    if (p->rng)
        gap =
            1 + sim_time_clamp_seconds(gsl_ran_exponential(p->rng, sim_time_to_seconds(p->every)));
    if (now + gap < p->until)
        sim_queue_push(p->q, now + gap, pub_fire, p, 0);
}

static void pub_start(pub *p, sim_time first)
{
    sim_queue_push(p->q, first, pub_fire, p, 0);
}

/* ---- fixture ------------------------------------------------------------ */

static const char *const flow_ids[] = {"F-001"};

typedef struct fix {
    sim_queue *q;
    mdl_channel *ch;
    mdl_ledger *l;
    stub st;
    pub p;
    mdl_subscriber_cfg cfg;
    mdl_channel *sources[1];
} fix;

static void fix_init(fix *f, sim_time retention, double delivery_allocation)
{
    memset(f, 0, sizeof *f);
    f->q = sim_queue_create(0, NULL);
    assert_non_null(f->q);
    mdl_channel_cfg cc;
    mdl_channel_cfg_init(&cc);
    cc.id = "sf";
    cc.retention = retention;
    cc.delivery_allocation = delivery_allocation;
    f->ch = mdl_channel_create(&cc, NULL, NULL);
    assert_non_null(f->ch);
    f->l = mdl_ledger_create(1, flow_ids, NULL);
    assert_non_null(f->l);
    f->st.q = f->q;
    f->st.latency = SIM_SEC;
    f->p.q = f->q;
    f->p.ch = f->ch;
    f->p.flow = 0;
    f->sources[0] = f->ch;
    mdl_subscriber_cfg_init(&f->cfg);
    f->cfg.flow_id = "F-001";
    f->cfg.flow = 0;
    f->cfg.ledger = f->l;
    f->cfg.ledger_flow = 0;
    f->cfg.sources = f->sources;
    f->cfg.nsources = 1;
    f->cfg.apply = apply_of(&f->st);
    f->cfg.backoff.jitter = MDL_JITTER_NONE;
}

static void fix_fini(fix *f)
{
    mdl_ledger_destroy(f->l);
    mdl_channel_destroy(f->ch);
    sim_queue_destroy(f->q);
    sim_free(f->st.ans);
}

static mdl_subscriber *make_sub(fix *f)
{
    sim_err err;
    mdl_subscriber *s = mdl_subscriber_create(f->q, &f->cfg, &err);
    if (!s)
        fail_msg("subscriber: %s", err.msg);
    return s;
}

static mdl_subscriber_stats stats(const mdl_subscriber *s, sim_time now)
{
    mdl_subscriber_stats st;
    mdl_subscriber_stats_get(s, now, &st);
    return st;
}

/* created = delivered + rejected + dead-lettered + lost + pending. */
static void assert_conserved(const mdl_ledger *l, const mdl_subscriber *s)
{
    uint64_t pending = mdl_subscriber_pending(s);
    sim_err err;
    if (mdl_ledger_check(l, &pending, &err) != SIM_OK)
        fail_msg("conservation: %s", err.msg);
}

/* Events at p_i = first + every i. The number with a <= p_i < b. */
static uint64_t grid_count_every(sim_time first, sim_time every, sim_time a, sim_time b)
{
    uint64_t n = 0;
    for (sim_time p = first; p < b; p += every)
        if (p >= a)
            n++;
    return n;
}

/* Events at p_i = 30 + 60 i seconds. */
static uint64_t grid_count(sim_time a, sim_time b)
{
    return grid_count_every(30 * SIM_SEC, 60 * SIM_SEC, a, b);
}

/* ---- when a subscriber reads ------------------------------------------- */

typedef struct probe {
    const stub *st;
    int calls; /* the apply calls made when the probe fired */
} probe;

static void probe_fire(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    (void)now;
    probe *p = ctx;
    p->calls = p->st->calls;
}

/* One change published at 10 s, and another event due at 10 s pushed after
 * the publisher's: the subscriber reads (its apply call is out) once the
 * publishing event is done, before that other event, and its read is no
 * event of its own: the calendar fires the publication, the other event
 * and the apply's answer (1 s later), 3 events. Delivered at 11 s. */
static void a_published_change_is_read_at_that_instant_before_other_events_due_then(void **state)
{
    (void)state;
    const sim_time T = 20 * SIM_SEC;
    fix f;
    fix_init(&f, SIM_HOUR, 0);
    mdl_subscriber *s = make_sub(&f);
    f.p.every = SIM_HOUR;
    f.p.until = T;
    pub_start(&f.p, 10 * SIM_SEC);
    probe pr = {&f.st, -1};
    sim_queue_push(f.q, 10 * SIM_SEC, probe_fire, &pr, 0);
    assert_int_equal(sim_queue_run(f.q, 11 * SIM_SEC - 1), SIM_OK);
    assert_int_equal(pr.calls, 1);
    assert_int_equal(stats(s, 11 * SIM_SEC - 1).delivered, 0);
    assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
    assert_int_equal(stats(s, T).delivered, 1);
    assert_int_equal(sim_queue_fired(f.q), 3);
    assert_conserved(f.l, s);
    mdl_subscriber_destroy(s);
    fix_fini(&f);
}

/* ---- offline windows and replay ids --------------------------------------- */

/* Retention R = 2 h, one event a minute (from 30 s), the subscriber offline
 * during [S, E) = [10 h, 15 h), reconnecting with its replay id. An event
 * published at p is purged when the clock passes p + R, so at the
 * reconnect E the events with p < E - R are gone; the subscriber had read
 * everything before S. Lost = events with S <= p < E - R:
 *   p = 30 + 60 i, 36000 <= p < 46800  ->  i = 600..779  ->  180 events,
 * all by retention. The other events of the window (p in [13 h, 15 h), 120
 * of them) are read after the reconnect. */
static void an_offline_window_with_resume_loses_what_was_published_before_reconnect_minus_retention(
    void **state)
{
    (void)state;
    const sim_time R = 2 * SIM_HOUR, S = 10 * SIM_HOUR, E = 15 * SIM_HOUR, T = 16 * SIM_HOUR;
    fix f;
    fix_init(&f, R, 0);
    mdl_window_spec w = {.start = S, .duration = E - S};
    f.cfg.offline = &w;
    f.cfg.noffline = 1;
    mdl_subscriber *s = make_sub(&f);
    f.p.every = 60 * SIM_SEC;
    f.p.until = T;
    pub_start(&f.p, 30 * SIM_SEC);
    assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
    mdl_subscriber_stats st = stats(s, T);
    uint64_t lost = grid_count(S, E - R);
    assert_int_equal(lost, 180);
    assert_int_equal(st.lost_retention, lost);
    assert_int_equal(st.lost_no_replay_id, 0);
    assert_int_equal(st.created, grid_count(0, T));
    /* Caught up by T: the last event (57570 s) was applied at 57571 s. */
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.delivered, grid_count(0, T) - lost);
    assert_int_equal(st.offline_time, E - S);
    assert_int_equal(st.disconnects, 1);
    assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_LOST, MDL_R_RETENTION), lost);
    assert_conserved(f.l, s);
    mdl_subscriber_destroy(s);
    fix_fini(&f);
}

/* The same window reconnecting at the tip (no replay id): every event
 * published while away is lost, whether retention purged it first or the
 * reconnect skipped it: p in [10 h, 15 h) -> 300 events, all no_replay_id. */
static void an_offline_window_without_replay_id_loses_everything_published_while_away(void **state)
{
    (void)state;
    const sim_time R = 2 * SIM_HOUR, S = 10 * SIM_HOUR, E = 15 * SIM_HOUR, T = 16 * SIM_HOUR;
    fix f;
    fix_init(&f, R, 0);
    mdl_window_spec w = {.start = S, .duration = E - S};
    f.cfg.offline = &w;
    f.cfg.noffline = 1;
    f.cfg.reconnect = MDL_RECONNECT_LATEST;
    mdl_subscriber *s = make_sub(&f);
    f.p.every = 60 * SIM_SEC;
    f.p.until = T;
    pub_start(&f.p, 30 * SIM_SEC);
    assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
    mdl_subscriber_stats st = stats(s, T);
    uint64_t lost = grid_count(S, E);
    assert_int_equal(lost, 300);
    assert_int_equal(st.lost_no_replay_id, lost);
    assert_int_equal(st.lost_retention, 0);
    assert_int_equal(st.delivered, grid_count(0, T) - lost);
    assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_LOST, MDL_R_NO_REPLAY_ID), lost);
    assert_conserved(f.l, s);
    mdl_subscriber_destroy(s);
    fix_fini(&f);
}

/* A short window [10 h, 11 h) with R = 2 h: resuming loses nothing;
 * reconnecting at EARLIEST re-reads what is still retained and was read
 * before: p in [E - R, S) = [9 h, 10 h) -> 60 redeliveries, and with an
 * insert receiver 60 duplicate records. */
static void reconnecting_at_earliest_replays_the_retained_events_already_read(void **state)
{
    (void)state;
    const sim_time R = 2 * SIM_HOUR, S = 10 * SIM_HOUR, E = 11 * SIM_HOUR, T = 12 * SIM_HOUR;
    for (int mode = 0; mode < 2; mode++) {
        fix f;
        fix_init(&f, R, 0);
        mdl_window_spec w = {.start = S, .duration = E - S};
        f.cfg.offline = &w;
        f.cfg.noffline = 1;
        f.cfg.reconnect = mode ? MDL_RECONNECT_EARLIEST : MDL_RECONNECT_RESUME;
        f.cfg.receiver = MDL_RECEIVER_INSERT;
        mdl_subscriber *s = make_sub(&f);
        f.p.every = 60 * SIM_SEC;
        f.p.until = T;
        pub_start(&f.p, 30 * SIM_SEC);
        assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
        mdl_subscriber_stats st = stats(s, T);
        uint64_t replays = mode ? grid_count(E - R, S) : 0;
        assert_int_equal(st.lost_retention + st.lost_no_replay_id, 0);
        assert_int_equal(st.redeliveries, replays);
        assert_int_equal(st.duplicates, replays);
        assert_int_equal(st.delivered, grid_count(0, T));
        assert_conserved(f.l, s);
        mdl_subscriber_destroy(s);
        fix_fini(&f);
    }
}

/* Token lifetime 2 h without auto-renew, back 30 min after each expiry: the
 * subscriber is away [2 h, 2.5 h) and [4.5 h, 5 h) before the 6 h horizon
 * (the next expiry is at 7 h). At the tip each gap loses its 30 events;
 * resuming with a 72 h retention loses none. */
static void a_token_expiring_without_auto_renew_disconnects_until_the_reconnect(void **state)
{
    (void)state;
    const sim_time T = 6 * SIM_HOUR;
    for (int latest = 0; latest < 2; latest++) {
        fix f;
        fix_init(&f, 0, 0);
        f.cfg.token_lifetime = 2 * SIM_HOUR;
        f.cfg.auto_renew = 0;
        f.cfg.token_reconnect = 30 * SIM_MIN;
        f.cfg.reconnect = latest ? MDL_RECONNECT_LATEST : MDL_RECONNECT_RESUME;
        mdl_subscriber *s = make_sub(&f);
        f.p.every = 60 * SIM_SEC;
        f.p.until = T;
        pub_start(&f.p, 30 * SIM_SEC);
        assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
        mdl_subscriber_stats st = stats(s, T);
        uint64_t gaps =
            grid_count(2 * SIM_HOUR, 150 * SIM_MIN) + grid_count(270 * SIM_MIN, 300 * SIM_MIN);
        assert_int_equal(gaps, 60);
        assert_int_equal(st.token_disconnects, 2);
        assert_int_equal(st.offline_time, SIM_HOUR);
        assert_int_equal(st.lost_no_replay_id, latest ? gaps : 0);
        assert_int_equal(st.delivered, grid_count(0, T) - (latest ? gaps : 0));
        assert_conserved(f.l, s);
        mdl_subscriber_destroy(s);
        fix_fini(&f);
    }
    /* A scripted expiry with no reconnect (duration 0): silent until the
     * horizon. From 1 h on nothing is read; with R = 2 h the events with
     * p < 6 h - 2 h are purged by the end: p in [1 h, 4 h) -> 180 lost by
     * retention, p in [4 h, 6 h) -> 120 pending. */
    fix f;
    fix_init(&f, 2 * SIM_HOUR, 0);
    mdl_subscriber *s = make_sub(&f);
    assert_int_equal(mdl_subscriber_token_expiry(s, SIM_HOUR, 0, NULL), SIM_OK);
    f.p.every = 60 * SIM_SEC;
    f.p.until = T;
    pub_start(&f.p, 30 * SIM_SEC);
    assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
    mdl_subscriber_finish(s, T);
    mdl_subscriber_stats st = stats(s, T);
    assert_int_equal(st.lost_retention, grid_count(SIM_HOUR, 4 * SIM_HOUR));
    assert_int_equal(st.pending, grid_count(4 * SIM_HOUR, T));
    assert_int_equal(st.offline_time, 5 * SIM_HOUR);
    assert_false(mdl_subscriber_connected(s));
    assert_conserved(f.l, s);
    mdl_subscriber_destroy(s);
    fix_fini(&f);
}

/* ---- the delivery allocation ---------------------------------------------- */

/* Allocation L = 50,000 deliveries per rolling 24 h (REFERENCE.md A4), one
 * event a second from t = 1 s, n = 2 subscribers applying at once. Each
 * event costs n deliveries, so events 1..L/n = 25,000 pass and event
 * L/n + 1 is refused at t = (L/n + 1) s = 25,001 s, i.e. after
 * L / (rate x n) = 25,000 s of use. Delivery stops (the events wait in the
 * log) until the first minute bucket leaves the window at 60 s + 24 h =
 * 86,460 s, which frees the 2 x 59 deliveries of events 1..59. */
static void
the_allocation_runs_out_at_l_over_rate_times_subscribers_and_resumes_when_freed(void **state)
{
    (void)state;
    const double L = 50000;
    const int n = 2;
    const sim_time every = SIM_SEC;
    fix f;
    fix_init(&f, 0, L);
    f.cfg.apply.fn = NULL; /* applied at once */
    mdl_subscriber *s[2];
    for (int i = 0; i < n; i++) {
        f.cfg.id = i ? "b" : "a";
        s[i] = make_sub(&f);
    }
    f.p.every = every;
    f.p.until = 90000 * SIM_SEC;
    pub_start(&f.p, every);
    sim_time expected = ((sim_time)L / n + 1) * every;
    assert_int_equal(sim_queue_run(f.q, expected - 1), SIM_OK);
    mdl_channel_stats cs;
    mdl_channel_stats_get(f.ch, &cs);
    assert_int_equal(cs.exhausted_at, SIM_TIME_NEVER);
    assert_int_equal(sim_queue_run(f.q, expected), SIM_OK);
    mdl_channel_stats_get(f.ch, &cs);
    assert_int_equal(cs.exhausted_at, expected);
    assert_int_equal(cs.allocation_peak, (uint64_t)L);
    const sim_time freed = SIM_MIN + SIM_DAY;
    assert_int_equal(sim_queue_run(f.q, freed - 1), SIM_OK);
    assert_int_equal(stats(s[0], freed).delivered + stats(s[1], freed).delivered, (uint64_t)L);
    assert_int_equal(sim_queue_run(f.q, freed), SIM_OK);
    assert_int_equal(stats(s[0], freed).delivered + stats(s[1], freed).delivered,
                     (uint64_t)L + n * 59);
    /* Nothing was lost: the backlog waits well within 72 h. */
    for (int i = 0; i < n; i++) {
        assert_int_equal(stats(s[i], freed).lost_retention, 0);
        mdl_subscriber_destroy(s[i]);
    }
    fix_fini(&f);
}

/* The same exhaustion with a reconnect while reading is blocked. L = 100
 * deliveries per rolling 24 h (1-minute buckets), one event a minute at
 * 30 s + i min (i = 0..299, until 5 h), applied at once. Events 0..99 are
 * delivered as published, in buckets 0..99; event 100 (100.5 min) is
 * refused and reading waits until bucket 0 leaves at 24 h + 1 min; then
 * bucket k - 1 leaves at 24 h + k min and event 99 + k is delivered, for
 * k = 1..100, by 25 h 40 min. The deliveries made after 24 h only leave
 * the window after 48 h, so at T = 30 h: 200 delivered, 100 pending. An
 * offline window [3 h, 4 h) inside the blocked stretch (resuming) changes
 * nothing: the reconnect must not forget that reading resumes at
 * 24 h + 1 min. */
static void a_reconnect_while_the_allocation_is_exhausted_still_resumes_when_it_frees(void **state)
{
    (void)state;
    const sim_time T = 30 * SIM_HOUR;
    for (int offline = 0; offline < 2; offline++) {
        fix f;
        fix_init(&f, 0, 100);
        f.cfg.apply.fn = NULL;
        mdl_window_spec w = {.start = 3 * SIM_HOUR, .duration = SIM_HOUR};
        if (offline) {
            f.cfg.offline = &w;
            f.cfg.noffline = 1;
        }
        mdl_subscriber *s = make_sub(&f);
        f.p.every = SIM_MIN;
        f.p.until = 5 * SIM_HOUR;
        pub_start(&f.p, 30 * SIM_SEC);
        assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
        mdl_subscriber_stats st = stats(s, T);
        assert_int_equal(st.created, 300);
        assert_int_equal(st.delivered, 200);
        assert_int_equal(st.pending, 100);
        assert_int_equal(st.lost_retention, 0);
        assert_conserved(f.l, s);
        mdl_subscriber_destroy(s);
        fix_fini(&f);
    }
}

/* A bulk load of 5,000 records with CDC on, published at t = 0 on a channel
 * with a 1,000-delivery allocation, ahead of the flow's events (one every
 * 2 minutes: 720 a day, within the allocation on their own). A subscriber
 * that receives CDC spends the whole allocation on the load at t = 0 and
 * the flow's events wait until the window frees (1 min + 24 h); they are
 * not lost and the load is not in the ledger. A subscriber that does not
 * receive CDC is unaffected. */
static void a_bulk_load_with_cdc_exhausts_the_allocation_and_stops_the_flow(void **state)
{
    (void)state;
    for (int cdc = 0; cdc < 2; cdc++) {
        fix f;
        fix_init(&f, 0, 1000);
        f.cfg.receive_cdc = cdc;
        f.cfg.apply.fn = NULL;
        mdl_subscriber *s = make_sub(&f);
        assert_int_equal(mdl_channel_publish_cdc(f.ch, 5000, 0), SIM_OK);
        const sim_time every = 2 * SIM_MIN, first = 30 * SIM_SEC, T = SIM_DAY;
        f.p.every = every;
        f.p.until = 2 * SIM_DAY;
        pub_start(&f.p, first);
        assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
        mdl_subscriber_stats st = stats(s, T);
        mdl_channel_stats cs;
        mdl_channel_stats_get(f.ch, &cs);
        uint64_t created = grid_count_every(first, every, 0, T);
        assert_int_equal(created, 720);
        assert_int_equal(mdl_ledger_created_count(f.l, 0), created);
        if (cdc) {
            assert_int_equal(st.cdc_received, 1000);
            assert_int_equal(cs.exhausted_at, 0);
            assert_int_equal(st.delivered, 0);
            assert_int_equal(st.pending, created);
        } else {
            assert_int_equal(st.cdc_received, 0);
            assert_int_equal(cs.exhausted_at, SIM_TIME_NEVER);
            assert_int_equal(st.delivered, created);
        }
        assert_conserved(f.l, s);
        mdl_subscriber_destroy(s);
        fix_fini(&f);
    }
}

/* ---- processing time -------------------------------------------------- */

/* Erlang C: the probability that an arrival waits in M/M/c with offered
 * load a = lambda / mu (Kleinrock, Queueing Systems vol. 1, 3.5). */
static double erlang_c(int c, double a)
{
    double term = 1.0, sum = 1.0; /* a^k / k!, k = 0 */
    for (int k = 1; k < c; k++) {
        term *= a / k;
        sum += term;
    }
    double last = term * a / c * c / (c - a); /* a^c / c! x c / (c - a) */
    return last / (sum + last);
}

/* A subscriber with 3 slots and exponential processing (mean 1 s), fed by
 * a Poisson stream of 2.4 events/s and applying without a call, is an
 * M/M/3 queue in FIFO order (rho = 0.8): the mean latency is Wq + 1/mu with
 * Wq = C(3, 2.4) / (3 mu - lambda) = 0.6472 / 0.6 = 1.0787 s, so 2.0787 s.
 * R = 10 replications of 20,000 s (48,000 events each, started empty: the
 * relaxation time, about 1 / (mu (1 - sqrt(rho))^2) = 90 s, is under 1%
 * of the run); the theory must lie within 4 standard errors of the mean of
 * the replications (Student t with 9 degrees of freedom exceeds 4 with
 * probability 0.003), plus 1% for the start-empty bias. */
static void exponential_processing_makes_the_subscriber_an_m_m_c_queue(void **state)
{
    (void)state;
    enum { R = 10 };
    const int c = 3;
    const double lambda = 2.4, mu = 1.0;
    const double wq = erlang_c(c, lambda / mu) / (c * mu - lambda);
    const double want = wq + 1.0 / mu;
    assert_true(fabs(want - 2.0787) < 1e-3); /* the figure above, by hand */
    double est[R];
    for (int rep = 0; rep < R; rep++) {
        fix f;
        fix_init(&f, 0, 0);
        f.cfg.apply.fn = NULL;
        f.cfg.concurrency = c;
        mdl_service_spec sp;
        mdl_service_spec_init(&sp);
        sp.distribution = MDL_SPEC_DIST_EXPONENTIAL;
        sp.mean = SIM_SEC;
        assert_int_equal(mdl_service_from_spec(&sp, &f.cfg.processing, NULL), SIM_OK);
        gsl_rng *rp = sim_rng_create(21, (uint64_t)rep, "processing", NULL);
        gsl_rng *ra = sim_rng_create(21, (uint64_t)rep, "arrivals", NULL);
        f.cfg.rng_processing = rp;
        mdl_subscriber *s = make_sub(&f);
        f.p.every = (sim_time)(1e6 / lambda);
        f.p.until = 20000 * SIM_SEC;
        f.p.rng = ra;
        pub_start(&f.p, 1);
        assert_int_equal(sim_queue_run(f.q, SIM_TIME_NEVER), SIM_OK);
        sim_result *r = sim_result_create(NULL);
        uint64_t pending = mdl_subscriber_pending(s);
        assert_int_equal(pending, 0);
        assert_int_equal(mdl_ledger_publish(f.l, &pending, r, NULL), SIM_OK);
        long i = sim_result_find(r, "flow.F-001.latency_mean");
        assert_true(i >= 0);
        est[rep] = sim_result_value(r, (size_t)i);
        sim_result_destroy(r);
        mdl_subscriber_destroy(s);
        sim_rng_destroy(rp);
        sim_rng_destroy(ra);
        fix_fini(&f);
    }
    double m = 0, v = 0;
    for (int i = 0; i < R; i++)
        m += est[i] / R;
    for (int i = 0; i < R; i++)
        v += (est[i] - m) * (est[i] - m) / (R - 1);
    double se = sqrt(v / R);
    if (!(fabs(m - want) <= 4 * se + 0.01 * want))
        fail_msg("mean latency %.4f s, Erlang C %.4f s, SE %.4f", m, want, se);
}

/* ---- echoes: subscriber writes into CDC objects -------------------------- */

static void echo_into(void *ctx, uint64_t hops, sim_time now)
{
    assert_int_equal(mdl_channel_publish_echo(ctx, hops, now), SIM_OK);
}

/* Two systems A and B, both with CDC on the object, and two flows the
 * opposite ways: s1 reads flow 0 on A's channel (and its CDC) and writes
 * into B; s2 reads flow 1 on B's channel and writes into A; both apply at
 * once. 5 changes of flow 0 on A, 3 of flow 1 on B, at t = 0.
 *   echo filter on (the default): s1's 5 writes publish 5 echoes on B, s2
 *     drops them (5 filtered) and writes nothing back; likewise s2's 3
 *     echoes on A are dropped by s1: B holds 5 CDC events, A 3, and it
 *     stops there.
 *   filter off: every echo is applied back and echoes again, up to the
 *     100-write cap: a change of flow 0 makes writes 1, 3, ..., 99 into B
 *     and 2, ..., 100 into A, 50 each; a change of flow 1 the same the
 *     other way. A and B each get 50 x (5 + 3) = 400 CDC events, and each
 *     subscriber publishes 400. */
static void the_echo_filter_stops_a_loop_between_two_opposite_flows(void **state)
{
    (void)state;
    for (int filter = 1; filter >= 0; filter--) {
        sim_queue *q = sim_queue_create(0, NULL);
        mdl_channel_cfg cc;
        mdl_channel_cfg_init(&cc);
        cc.id = "a";
        mdl_channel *a = mdl_channel_create(&cc, NULL, NULL);
        cc.id = "b";
        mdl_channel *b = mdl_channel_create(&cc, NULL, NULL);
        assert_non_null(a);
        assert_non_null(b);
        mdl_subscriber_cfg c;
        mdl_subscriber_cfg_init(&c);
        c.flow_id = "F-1";
        c.flow = 0;
        c.sources = &a;
        c.nsources = 1;
        c.receive_cdc = 1;
        c.echo = echo_into;
        c.echo_ctx = b;
        c.echo_filter = filter;
        c.backoff.jitter = MDL_JITTER_NONE;
        mdl_subscriber *s1 = mdl_subscriber_create(q, &c, NULL);
        c.flow_id = "F-2";
        c.flow = 1;
        c.sources = &b;
        c.echo_ctx = a;
        mdl_subscriber *s2 = mdl_subscriber_create(q, &c, NULL);
        assert_non_null(s1);
        assert_non_null(s2);
        for (int k = 0; k < 5; k++)
            assert_int_equal(mdl_channel_publish(a, 0, 0, 0, 0, NULL), SIM_OK);
        for (int k = 0; k < 3; k++)
            assert_int_equal(mdl_channel_publish(b, 1, 0, 0, 0, NULL), SIM_OK);
        assert_int_equal(sim_queue_run(q, SIM_HOUR), SIM_OK);
        mdl_channel_stats sa, sb;
        mdl_channel_stats_get(a, &sa);
        mdl_channel_stats_get(b, &sb);
        mdl_subscriber_stats t1 = stats(s1, SIM_HOUR), t2 = stats(s2, SIM_HOUR);
        assert_int_equal(t1.delivered, 5);
        assert_int_equal(t2.delivered, 3);
        assert_int_equal(sb.cdc_published, filter ? 5 : 400);
        assert_int_equal(sa.cdc_published, filter ? 3 : 400);
        assert_int_equal(t1.echoes_published, filter ? 5 : 400);
        assert_int_equal(t2.echoes_published, filter ? 3 : 400);
        assert_int_equal(t1.cdc_echo_filtered, filter ? 3 : 0);
        assert_int_equal(t2.cdc_echo_filtered, filter ? 5 : 0);
        mdl_subscriber_destroy(s1);
        mdl_subscriber_destroy(s2);
        mdl_channel_destroy(a);
        mdl_channel_destroy(b);
        sim_queue_destroy(q);
    }
}

/* ---- sharing an exhausted allocation ------------------------------------ */

/* Two subscribers of different flows on one channel, applied at once: A
 * reads flow 0 (120 events at 30 s), B flow 1 (300 events at 30 s). L = 100
 * deliveries per rolling 24 h (one-minute buckets), retention 10 days.
 * Hand count, with waiting readers taking turns:
 *   30 s          A wakes first and reads 100 (nobody waits yet); B is
 *                 refused: both wait for 24 h + 1 min (bucket 0 frees).
 *   24 h + 1 min  100 freed: 50 each. A reads its last 20, finds nothing
 *                 more and leaves the turns: its 30 go to B, who reads 80.
 *   48 h + 2 min  B alone: 100 (B = 180); 72 h + 3 min: 100 (280);
 *   96 h + 4 min  the last 20 (300).
 * Without turns A would read its 20 and B 80 at 24 h + 1 min too (B takes
 * what A leaves), so the difference shows in the next case. */
static mdl_subscriber *sub_of_flow(fix *f, int flow, const char *id)
{
    f->cfg.flow = flow;
    f->cfg.id = id;
    f->cfg.ledger = NULL;
    return make_sub(f);
}

static void publish_n(fix *f, int flow, int n, sim_time at)
{
    for (int k = 0; k < n; k++)
        assert_int_equal(mdl_channel_publish(f->ch, flow, 0, at, at, NULL), SIM_OK);
}

static void a_share_one_subscriber_does_not_need_goes_to_the_other_as_counted_by_hand(void **state)
{
    (void)state;
    fix f;
    fix_init(&f, 10 * SIM_DAY, 100);
    f.cfg.apply.fn = NULL;
    mdl_subscriber *a = sub_of_flow(&f, 0, "a"), *b = sub_of_flow(&f, 1, "b");
    publish_n(&f, 0, 120, 30 * SIM_SEC);
    publish_n(&f, 1, 300, 30 * SIM_SEC);
    const sim_time at[] = {SIM_DAY, SIM_DAY + 2 * SIM_MIN, 2 * SIM_DAY + 3 * SIM_MIN,
                           3 * SIM_DAY + 4 * SIM_MIN, 4 * SIM_DAY + 5 * SIM_MIN};
    const uint64_t want_a[] = {100, 120, 120, 120, 120}, want_b[] = {0, 80, 180, 280, 300};
    for (int k = 0; k < 5; k++) {
        assert_int_equal(sim_queue_run(f.q, at[k]), SIM_OK);
        assert_int_equal(stats(a, at[k]).delivered, want_a[k]);
        assert_int_equal(stats(b, at[k]).delivered, want_b[k]);
    }
    mdl_subscriber_destroy(a);
    mdl_subscriber_destroy(b);
    fix_fini(&f);
}

/* The same channel, A with 300 events of flow 0 and B with 300 of flow 1:
 * after A's first-come 100 at 30 s every freed 100 is split 50 / 50:
 *   24 h + 1 min: A 150, B 50; 48 h + 2 min: A 200, B 100; 72 h + 3 min:
 *   A 250, B 150; 96 h + 4 min: A 300, B 200 (A then leaves); 120 h +
 *   5 min: B 300.
 * The old rule (whoever wakes first reads until refused) gave A 300 by
 * 48 h + 2 min and B nothing before then. */
static void freed_deliveries_are_split_equally_between_waiting_subscribers(void **state)
{
    (void)state;
    fix f;
    fix_init(&f, 10 * SIM_DAY, 100);
    f.cfg.apply.fn = NULL;
    mdl_subscriber *a = sub_of_flow(&f, 0, "a"), *b = sub_of_flow(&f, 1, "b");
    publish_n(&f, 0, 300, 30 * SIM_SEC);
    publish_n(&f, 1, 300, 30 * SIM_SEC);
    for (int k = 1; k <= 5; k++) {
        sim_time t = k * SIM_DAY + k * SIM_MIN + SIM_MIN; /* just after the k-th freeing */
        assert_int_equal(sim_queue_run(f.q, t), SIM_OK);
        uint64_t wa = k < 4 ? 100 + 50 * (uint64_t)k : 300;
        uint64_t wb = k < 5 ? 50 * (uint64_t)k : 300;
        assert_int_equal(stats(a, t).delivered, wa);
        assert_int_equal(stats(b, t).delivered, wb);
    }
    mdl_subscriber_destroy(a);
    mdl_subscriber_destroy(b);
    fix_fini(&f);
}

/* The case: two identical subscribers of one flow (Poisson,
 * 100,000 changes a day, applied at once) on a 50,000-delivery allocation
 * with 72 h retention, for 6 days. Each change costs two deliveries, so
 * the window runs out after about 6 h; from then on each subscriber can
 * read half of what the window frees, 25,000 a day against 100,000
 * created, oldest first. By day t a subscriber has read about 25,000 (t +
 * 1) changes, those created before (t + 1) / 4 days: the oldest unread is
 * 0.75 t - 0.25 days old, past the 72 h retention from t = 4.33 days on,
 * so both lose changes before day 6. Theory: the two are exchangeable, so
 * their deliveries and losses have the same expectation, and turns keep
 * the difference within one share-out remainder per freed bucket. Over
 * R = 5 replications: the mean difference of deliveries is within its 95%
 * Student-t interval of 0 (+ 1 for the remainder) and below 0.1% of the
 * mean; losses differ by less than 1%; the deliveries add up to what the
 * allocation allows, 6 windows of 50,000 = 300,000 (within 1%: the
 * one-minute buckets free a little late). The old rule (whoever wakes
 * first reads until refused) gave every freed delivery to the first
 * subscriber: it lost nothing and the second lost ~191,000. */
static void
two_identical_subscribers_get_equal_deliveries_when_the_allocation_is_exhausted(void **state)
{
    (void)state;
    enum { R = 5 };
    const sim_time T = 6 * SIM_DAY;
    double diff[R], sum[R], lost_a = 0, lost_b = 0;
    for (int rep = 0; rep < R; rep++) {
        fix f;
        fix_init(&f, 0, 50000);
        f.cfg.apply.fn = NULL;
        mdl_subscriber *a = sub_of_flow(&f, 0, "a"), *b = sub_of_flow(&f, 0, "b");
        gsl_rng *rng = sim_rng_create(11, (uint64_t)rep, "publisher", NULL);
        assert_non_null(rng);
        f.p.every = (sim_time)(86400.0 / 100000.0 * 1e6);
        f.p.until = T;
        f.p.rng = rng;
        pub_start(&f.p, 1);
        assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
        mdl_subscriber_finish(a, T);
        mdl_subscriber_finish(b, T);
        mdl_subscriber_stats sa = stats(a, T), sb = stats(b, T);
        assert_int_equal(sa.created, sb.created);
        diff[rep] = (double)sa.delivered - (double)sb.delivered;
        sum[rep] = (double)sa.delivered + (double)sb.delivered;
        lost_a += (double)sa.lost_retention;
        lost_b += (double)sb.lost_retention;
        assert_true(sa.lost_retention > 0 && sb.lost_retention > 0);
        mdl_subscriber_destroy(a);
        mdl_subscriber_destroy(b);
        sim_rng_destroy(rng);
        fix_fini(&f);
    }
    double m = 0, v = 0, ms = 0;
    for (int i = 0; i < R; i++) {
        m += diff[i] / R;
        ms += sum[i] / R;
    }
    for (int i = 0; i < R; i++)
        v += (diff[i] - m) * (diff[i] - m) / (R - 1);
    double half = 2.776 * sqrt(v / R); /* t(0.975, 4) */
    assert_true(fabs(m) <= half + 1.0);
    assert_true(fabs(m) < 0.001 * ms / 2);
    assert_true(fabs(ms - 300000.0) < 0.01 * 300000.0);
    assert_true(fabs(lost_a - lost_b) < 0.01 * (lost_a + lost_b) / 2);
}

/* A publish allocation of 3 per rolling hour and 5 changes in the first
 * minute: 3 are delivered, the 4th and 5th never enter the log and are lost
 * with reason allocation (they were created at the source all the same). */
static void changes_refused_by_the_publish_allocation_are_lost_for_allocation(void **state)
{
    (void)state;
    fix f;
    fix_init(&f, 0, 0);
    mdl_channel_destroy(f.ch);
    mdl_channel_cfg cc;
    mdl_channel_cfg_init(&cc);
    cc.publish_allocation = 3;
    f.ch = mdl_channel_create(&cc, NULL, NULL);
    f.sources[0] = f.ch;
    mdl_subscriber *s = make_sub(&f);
    for (int i = 0; i < 5; i++) {
        int rc = mdl_channel_publish(f.ch, 0, 0, i * SIM_SEC, i * SIM_SEC, NULL);
        assert_int_equal(rc, i < 3 ? SIM_OK : SIM_EFULL);
    }
    assert_int_equal(sim_queue_run(f.q, SIM_TIME_NEVER), SIM_OK);
    mdl_subscriber_stats st = stats(s, 0);
    assert_int_equal(st.created, 5);
    assert_int_equal(st.delivered, 3);
    assert_int_equal(st.lost_allocation, 2);
    assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_LOST, MDL_R_ALLOCATION), 2);
    assert_conserved(f.l, s);
    mdl_subscriber_destroy(s);
    fix_fini(&f);
}

/* ---- duplicates ------------------------------------------------------------ */

/* Redelivery forced with probability 1: each of N = 100 changes is applied
 * twice. An insert receiver creates 100 duplicate records; an upsert none.
 * Either way 100 redeliveries and 2 N deliveries from the channel; keys
 * 1..10 in turn, copies applied right after their original: no ordering
 * damage. */
static void forced_redelivery_duplicates_inserts_but_not_upserts(void **state)
{
    (void)state;
    const int N = 100;
    for (int insert = 0; insert < 2; insert++) {
        fix f;
        fix_init(&f, 0, 0);
        f.cfg.redelivery = 1.0;
        f.cfg.receiver = insert ? MDL_RECEIVER_INSERT : MDL_RECEIVER_UPSERT;
        f.cfg.ordering_guard = 0;
        mdl_subscriber *s = make_sub(&f);
        f.p.every = 10 * SIM_SEC;
        f.p.until = N * 10 * SIM_SEC;
        f.p.keys = 10;
        pub_start(&f.p, 0);
        assert_int_equal(sim_queue_run(f.q, SIM_TIME_NEVER), SIM_OK);
        mdl_subscriber_stats st = stats(s, 0);
        assert_int_equal(f.p.n, N);
        assert_int_equal(st.delivered, N);
        assert_int_equal(st.redeliveries, N);
        assert_int_equal(st.duplicates, insert ? N : 0);
        assert_int_equal(st.corrupted, 0);
        assert_int_equal(st.attempts, 2 * N);
        mdl_channel_stats cs;
        mdl_channel_stats_get(f.ch, &cs);
        assert_int_equal(cs.deliveries, 2 * N);
        sim_result *r = sim_result_create(NULL);
        assert_int_equal(mdl_ledger_publish(f.l, &(uint64_t){0}, r, NULL), SIM_OK);
        long i = sim_result_find(r, "flow.F-001.duplicates");
        assert_true(i >= 0);
        assert_true(sim_result_value(r, (size_t)i) == (insert ? N : 0));
        sim_result_destroy(r);
        assert_conserved(f.l, s);
        mdl_subscriber_destroy(s);
        fix_fini(&f);
    }
}

/* Kafka-style auto-commit every I = 5 s. Events at k + 0.5 s (seq k),
 * applied 0.1 s later. At the commit point 10 s every event up to seq 9
 * was done, so the committed position is 10. A crash at 12.8 s (events
 * 10, 11, 12 done) rewinds to 10: 3 redeliveries, 3 duplicate inserts. A
 * crash at 12.55 s catches seq 12 in flight: 10 and 11 are redelivered,
 * 12 is delivered once (its abandoned call's answer at 12.6 s is
 * ignored). Calls: 13 before the crash + 3 after the rewind + 7 for events
 * 13..19. */
static void a_crash_redelivers_what_was_done_since_the_last_auto_commit(void **state)
{
    (void)state;
    const sim_time crash_at[2] = {12800 * SIM_MS, 12550 * SIM_MS};
    const uint64_t redelivered[2] = {3, 2};
    for (int c = 0; c < 2; c++) {
        fix f;
        fix_init(&f, 0, 0);
        f.st.latency = 100 * SIM_MS;
        f.cfg.commit_interval = 5 * SIM_SEC;
        f.cfg.receiver = MDL_RECEIVER_INSERT;
        mdl_subscriber *s = make_sub(&f);
        assert_int_equal(mdl_subscriber_crash(s, crash_at[c], 0, NULL), SIM_OK);
        f.p.every = SIM_SEC;
        f.p.until = 20 * SIM_SEC;
        pub_start(&f.p, 500 * SIM_MS);
        assert_int_equal(sim_queue_run(f.q, 20 * SIM_SEC), SIM_OK);
        mdl_subscriber_stats st = stats(s, 20 * SIM_SEC);
        assert_int_equal(st.crashes, 1);
        assert_int_equal(st.redeliveries, redelivered[c]);
        assert_int_equal(st.duplicates, redelivered[c]);
        assert_int_equal(st.delivered, 20);
        assert_int_equal(st.attempts, 23);
        assert_int_equal(st.pending, 0);
        assert_conserved(f.l, s);
        mdl_subscriber_destroy(s);
        fix_fini(&f);
    }
}

/* A crash abandoning a change whose event retention purged while its call
 * ran. Retention 1 h, one event published at 1 s, read at once, its apply
 * call takes 2 h; commits every 5 s keep the committed position at its seq
 * 0 (the lowest in flight). Retention purges it when the clock passes
 * 1 h 0 min 1 s; the crash at 1 h 30 min abandons the call and rewinds to
 * 0, below the oldest retained event (the log is empty): the change can
 * never be read again, so it is lost by retention, not pending. */
static void a_change_purged_while_in_flight_and_abandoned_by_a_crash_is_lost(void **state)
{
    (void)state;
    const sim_time T = 10 * SIM_HOUR;
    for (int latest = 0; latest < 2; latest++) {
        fix f;
        fix_init(&f, SIM_HOUR, 0);
        f.st.latency = 2 * SIM_HOUR;
        f.cfg.commit_interval = 5 * SIM_SEC;
        f.cfg.reset = latest ? MDL_RESET_LATEST : MDL_RESET_EARLIEST;
        mdl_subscriber *s = make_sub(&f);
        assert_int_equal(mdl_subscriber_crash(s, 90 * SIM_MIN, 10 * SIM_MIN, NULL), SIM_OK);
        f.p.every = T;
        f.p.until = 2 * SIM_SEC; /* one event, at 1 s */
        pub_start(&f.p, SIM_SEC);
        assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
        mdl_subscriber_finish(s, T);
        mdl_subscriber_stats st = stats(s, T);
        assert_int_equal(st.created, 1);
        assert_int_equal(st.delivered, 0);
        assert_int_equal(st.lost_retention, 1);
        assert_int_equal(st.pending, 0);
        assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_LOST, MDL_R_RETENTION), 1);
        assert_conserved(f.l, s);
        mdl_subscriber_destroy(s);
        fix_fini(&f);
    }
}

/* ---- ordering ------------------------------------------------------------- */

/* Two updates of record 7: v1 published at 0 s, v2 at 1 s, concurrency 2.
 * Script: v1's call takes 10 s, v2's 1 s: v2 lands at 2 s, v1 at 10 s,
 * older over newer. Without a guard that is a corrupted record; with the
 * guard v1 is discarded. Both changes count as delivered.
 * The same race again with records 1 and 2 holding their keys (20 s each,
 * concurrency 4) so that record 7 is not among the first two keys in
 * flight (the subscriber keeps those in its struct, the others in a
 * table), in two rounds 100 s apart (the freed places are reused with no
 * version left behind): the same outcome in each round. */
static void the_ordering_guard_discards_an_older_update_that_arrives_after_a_newer_one(void **state)
{
    (void)state;
    static const step script[] = {{10 * SIM_SEC, 1, 1}, {SIM_SEC, 1, 1}};
    static const step crowd[] = {{20 * SIM_SEC, 1, 1}, {20 * SIM_SEC, 1, 1}, {10 * SIM_SEC, 1, 1},
                                 {SIM_SEC, 1, 1},      {20 * SIM_SEC, 1, 1}, {20 * SIM_SEC, 1, 1},
                                 {10 * SIM_SEC, 1, 1}, {SIM_SEC, 1, 1}};
    for (int others = 0; others <= 2; others += 2) {
        int rounds = others ? 2 : 1;
        for (int guard = 0; guard < 2; guard++) {
            fix f;
            fix_init(&f, 0, 0);
            f.st.script = others ? crowd : script;
            f.st.nscript = rounds * (2 + others);
            f.cfg.concurrency = 2 + others;
            f.cfg.ordering_guard = guard;
            mdl_subscriber *s = make_sub(&f);
            for (int round = 0; round < rounds; round++) {
                sim_time t0 = round * 100 * SIM_SEC, t1 = t0 + SIM_SEC;
                assert_int_equal(sim_queue_run(f.q, t0), SIM_OK);
                for (int k = 1; k <= others; k++)
                    assert_int_equal(mdl_channel_publish(f.ch, 0, (uint64_t)k, t0, t0, NULL),
                                     SIM_OK);
                assert_int_equal(mdl_channel_publish(f.ch, 0, 7, t0, t0, NULL), SIM_OK);
                assert_int_equal(sim_queue_run(f.q, t1), SIM_OK);
                assert_int_equal(mdl_channel_publish(f.ch, 0, 7, t1, t1, NULL), SIM_OK);
            }
            assert_int_equal(sim_queue_run(f.q, SIM_TIME_NEVER), SIM_OK);
            mdl_subscriber_stats st = stats(s, 0);
            assert_int_equal(st.delivered, rounds * (2 + others));
            assert_int_equal(st.corrupted, guard ? 0 : rounds);
            assert_int_equal(st.stale_discarded, guard ? rounds : 0);
            assert_int_equal(mdl_ledger_count(f.l, 0, MDL_DELIVERED), rounds * (2 + others));
            assert_conserved(f.l, s);
            mdl_subscriber_destroy(s);
            fix_fini(&f);
        }
    }
}

/* A retry reorders too. v1 (0 s) fails after 1 s; backoff without jitter
 * sleeps expo(1) = base * 2 = 2 s; meanwhile v2 (1.5 s) lands at 2 s; v1's
 * retry starts at 3 s and lands at 4 s over v2: corrupted (no guard). With
 * concurrency 1 v2 waits behind v1's retries: no damage. A redelivered
 * copy of v1 5 s after it landed (1 s) comes after v2 (3 s): corrupted
 * again, and the guard discards it. */
static void retries_and_late_redeliveries_reorder_unless_one_at_a_time_or_guarded(void **state)
{
    (void)state;
    static const step retry_script[] = {
        {SIM_SEC, 0, 1}, {500 * SIM_MS, 1, 1}, {SIM_SEC, 1, 1}, {SIM_SEC, 1, 1}};
    for (int conc = 1; conc <= 2; conc++) {
        fix f;
        fix_init(&f, 0, 0);
        f.st.script = retry_script;
        f.st.nscript = 4;
        f.cfg.concurrency = conc;
        f.cfg.ordering_guard = 0;
        f.cfg.backoff.base = SIM_SEC;
        mdl_subscriber *s = make_sub(&f);
        mdl_channel_publish(f.ch, 0, 7, 0, 0, NULL);
        sim_queue_run(f.q, 1500 * SIM_MS);
        mdl_channel_publish(f.ch, 0, 7, 1500 * SIM_MS, 1500 * SIM_MS, NULL);
        assert_int_equal(sim_queue_run(f.q, SIM_TIME_NEVER), SIM_OK);
        mdl_subscriber_stats st = stats(s, 0);
        assert_int_equal(st.delivered, 2);
        assert_int_equal(st.corrupted, conc == 2 ? 1 : 0);
        assert_conserved(f.l, s);
        mdl_subscriber_destroy(s);
        fix_fini(&f);
    }
    for (int guard = 0; guard < 2; guard++) {
        fix f;
        fix_init(&f, 0, 0);
        f.cfg.redelivery = 1.0;
        f.cfg.redelivery_delay = 5 * SIM_SEC;
        f.cfg.ordering_guard = guard;
        mdl_subscriber *s = make_sub(&f);
        mdl_channel_publish(f.ch, 0, 7, 0, 0, NULL);
        sim_queue_run(f.q, 2 * SIM_SEC);
        mdl_channel_publish(f.ch, 0, 7, 2 * SIM_SEC, 2 * SIM_SEC, NULL);
        assert_int_equal(sim_queue_run(f.q, SIM_TIME_NEVER), SIM_OK);
        mdl_subscriber_stats st = stats(s, 0);
        assert_int_equal(st.redeliveries, 2);
        assert_int_equal(st.corrupted, guard ? 0 : 1);
        assert_int_equal(st.stale_discarded, guard ? 1 : 0);
        assert_conserved(f.l, s);
        mdl_subscriber_destroy(s);
        fix_fini(&f);
    }
}

/* ---- errors and the dead-letter queue ------------------------------------- */

/* One change whose every call fails after 1 s (transient), max 4 attempts,
 * backoff without jitter, base 1 s, cap 30 s: the calls end at 1, 4, 9, 18 s
 * (sleeps expo(n) = min(cap, base 2^n) = 2, 4, 8 s). It is dead-lettered at
 * 4 x 1 s + 2 + 4 + 8 s = 18 s with reason retries. */
static void a_change_failing_every_attempt_is_dead_lettered_after_n_attempts(void **state)
{
    (void)state;
    const int N = 4;
    const sim_time lat = SIM_SEC, base = SIM_SEC, cap = 30 * SIM_SEC;
    sim_time at = N * lat;
    for (int n = 1; n < N; n++) {
        sim_time e = base << n;
        at += e < cap ? e : cap;
    }
    assert_int_equal(at, 18 * SIM_SEC);
    fix f;
    fix_init(&f, 0, 0);
    f.st.latency = lat;
    f.st.always_fail = 1;
    f.st.fail_retryable = 1;
    f.cfg.max_attempts = N;
    f.cfg.backoff.base = base;
    f.cfg.backoff.cap = cap;
    f.cfg.series_interval = SIM_SEC;
    f.cfg.series_bins = 60;
    mdl_subscriber *s = make_sub(&f);
    mdl_channel_publish(f.ch, 0, 1, 0, 0, NULL);
    assert_int_equal(sim_queue_run(f.q, at - 1), SIM_OK);
    assert_int_equal(stats(s, at).dead_lettered, 0);
    assert_int_equal(stats(s, at).pending, 1);
    assert_int_equal(sim_queue_run(f.q, at), SIM_OK);
    mdl_subscriber_stats st = stats(s, at);
    assert_int_equal(st.dead_lettered, 1);
    assert_int_equal(st.dlq_depth, 1);
    assert_int_equal(st.attempts, N);
    assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_DEAD_LETTERED, MDL_R_RETRIES), 1);
    sim_result *r = sim_result_create(NULL);
    assert_int_equal(mdl_subscriber_publish(s, 60 * SIM_SEC, r, NULL), SIM_OK);
    long i = sim_result_find(r, "flow.F-001.event.dlq_series");
    assert_true(i >= 0);
    const sim_series *dlq = sim_result_series_at(r, (size_t)i);
    assert_true(sim_series_value(dlq, 17) == 0.0);
    assert_true(sim_series_value(dlq, 18) == 1.0);
    sim_result_destroy(r);
    assert_conserved(f.l, s);
    mdl_subscriber_destroy(s);
    fix_fini(&f);
}

/* Permanent errors (every record bad, p = 1): dead-lettered after N
 * attempts with reason permanent, or after 1 with permanent_fail_fast;
 * without a DLQ they are lost (dropped) instead. A broker delivery limit
 * of 2 below max_attempts 5 dead-letters after 2. */
static void permanent_errors_and_delivery_limits_end_where_configured(void **state)
{
    (void)state;
    gsl_rng *rng = sim_rng_create(1, 0, "errors", NULL);
    assert_non_null(rng);
    struct {
        int fail_fast, dlq, limit;
        uint64_t attempts;
        mdl_state state;
        mdl_reason reason;
    } cases[] = {
        {0, 1, 0, 5, MDL_DEAD_LETTERED, MDL_R_PERMANENT},
        {1, 1, 0, 1, MDL_DEAD_LETTERED, MDL_R_PERMANENT},
        {0, 0, 0, 5, MDL_LOST, MDL_R_PERMANENT},
        {0, 1, 2, 2, MDL_DEAD_LETTERED, MDL_R_PERMANENT},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fix f;
        fix_init(&f, 0, 0);
        f.cfg.permanent_errors = 1.0;
        f.cfg.rng_errors = rng;
        f.cfg.permanent_fail_fast = cases[c].fail_fast;
        f.cfg.dead_letter = cases[c].dlq;
        f.cfg.delivery_limit = cases[c].limit;
        mdl_subscriber *s = make_sub(&f);
        mdl_channel_publish(f.ch, 0, 1, 0, 0, NULL);
        assert_int_equal(sim_queue_run(f.q, SIM_TIME_NEVER), SIM_OK);
        mdl_subscriber_stats st = stats(s, 0);
        assert_int_equal(st.attempts, cases[c].attempts);
        assert_int_equal(mdl_ledger_count_reason(f.l, 0, cases[c].state, cases[c].reason), 1);
        assert_int_equal(st.dlq_depth, cases[c].dlq ? 1 : 0);
        assert_conserved(f.l, s);
        mdl_subscriber_destroy(s);
        fix_fini(&f);
    }
    sim_rng_destroy(rng);
}

/* The same bad records applied without an API call (apply_via_api false):
 * each attempt still counts toward max_attempts. Every record bad (p = 1),
 * 3 attempts, backoff without jitter, base 2 s (the default), cap 30 s:
 * attempts at 0, 4 and 12 s (sleeps expo(1) = 4 s, expo(2) = 8 s), so the
 * change published at 0 is dead-lettered at 12 s with reason permanent;
 * the one published at 1 s waits behind it (concurrency 1), is read at
 * 12 s and dead-lettered at 24 s. No call is made. */
static void a_bad_record_applied_without_a_call_is_dead_lettered_after_max_attempts(void **state)
{
    (void)state;
    gsl_rng *rng = sim_rng_create(1, 0, "errors", NULL);
    assert_non_null(rng);
    fix f;
    fix_init(&f, 0, 0);
    f.cfg.apply.fn = NULL;
    f.cfg.permanent_errors = 1.0;
    f.cfg.rng_errors = rng;
    f.cfg.max_attempts = 3;
    mdl_subscriber *s = make_sub(&f);
    mdl_channel_publish(f.ch, 0, 0, 0, 0, NULL);
    assert_int_equal(sim_queue_run(f.q, SIM_SEC), SIM_OK);
    mdl_channel_publish(f.ch, 0, 0, SIM_SEC, SIM_SEC, NULL);
    assert_int_equal(sim_queue_run(f.q, 12 * SIM_SEC - 1), SIM_OK);
    assert_int_equal(stats(s, 0).dead_lettered, 0);
    assert_int_equal(sim_queue_run(f.q, 12 * SIM_SEC), SIM_OK);
    assert_int_equal(stats(s, 0).dead_lettered, 1);
    /* A finite horizon: before the fix the first record retried for ever. */
    assert_int_equal(sim_queue_run(f.q, SIM_HOUR), SIM_OK);
    mdl_subscriber_stats st = stats(s, SIM_HOUR);
    assert_int_equal(st.dead_lettered, 2);
    assert_int_equal(st.delivered, 0);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.attempts, 0); /* calls made */
    assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_DEAD_LETTERED, MDL_R_PERMANENT), 2);
    assert_int_equal(sim_queue_size(f.q), 0);
    assert_conserved(f.l, s);
    mdl_subscriber_destroy(s);
    fix_fini(&f);
    sim_rng_destroy(rng);
}

/* ---- re-entrancy and robustness -------------------------------------------- */

/* An apply that answers inside the call, and a backlog of 100,000 events
 * read in one go at a reconnect: everything is delivered without deep
 * recursion. */
static void synchronous_answers_drain_a_large_backlog_iteratively(void **state)
{
    (void)state;
    fix f;
    fix_init(&f, 0, 0);
    f.st.latency = 0;
    f.st.sync = 1;
    f.cfg.concurrency = 8;
    mdl_subscriber *s = make_sub(&f);
    assert_int_equal(mdl_subscriber_offline(s, 0, SIM_HOUR, NULL), SIM_OK);
    assert_int_equal(sim_queue_run(f.q, 1), SIM_OK);
    for (int i = 0; i < 100000; i++)
        mdl_channel_publish(f.ch, 0, (uint64_t)(i % 97) + 1, 1, 1, NULL);
    assert_int_equal(sim_queue_run(f.q, SIM_TIME_NEVER), SIM_OK);
    mdl_subscriber_stats st = stats(s, SIM_HOUR);
    assert_int_equal(st.delivered, 100000);
    assert_int_equal(st.lag_peak, 100000);
    assert_int_equal(mdl_subscriber_in_flight(s), 0);
    assert_conserved(f.l, s);
    mdl_subscriber_destroy(s);
    fix_fini(&f);
}

/* ---- conservation under every fault ----------------------------------------- */

typedef struct checker {
    sim_queue *q;
    const mdl_ledger *l;
    const mdl_subscriber *s;
    sim_time every, until;
    int checks;
} checker;

static void check_fire(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    checker *c = ctx;
    assert_conserved(c->l, c->s);
    c->checks++;
    if (now + c->every < c->until)
        sim_queue_push(c->q, now + c->every, check_fire, c, 0);
}

/* Random arrivals (mean 20 s) on 50 keys for 3 days, every fault at once:
 * two offline windows (one longer than the 6 h retention), a token that
 * expires every 10 h without renewal, a crash, redelivery 10 %, permanent
 * errors 2 %, a target failing 20 % transiently and 3 % permanently with
 * random latency (mean 5 s), a 3,000-delivery allocation, a 200-per-hour
 * publish allocation, a CDC bulk load, concurrency 4. Conservation must
 * hold every 3 hours of the run and after finish, for each combination of
 * reconnect mode, receiver, guard, dead-letter queue and commit interval. */
static void conservation_holds_under_every_fault(void **state)
{
    (void)state;
    const sim_time T = 3 * SIM_DAY;
    for (int combo = 0; combo < 8; combo++) {
        sim_queue *q = sim_queue_create(0, NULL);
        mdl_channel_cfg cc;
        mdl_channel_cfg_init(&cc);
        cc.retention = 6 * SIM_HOUR;
        cc.delivery_allocation = 3000;
        cc.publish_allocation = 200;
        mdl_channel *ch = mdl_channel_create(&cc, NULL, NULL);
        mdl_ledger *l = mdl_ledger_create(1, flow_ids, NULL);
        gsl_rng *r_pub = sim_rng_create(7, (uint64_t)combo, "pub", NULL);
        gsl_rng *r_app = sim_rng_create(7, (uint64_t)combo, "apply", NULL);
        gsl_rng *r_err = sim_rng_create(7, (uint64_t)combo, "errors", NULL);
        gsl_rng *r_red = sim_rng_create(7, (uint64_t)combo, "redelivery", NULL);
        gsl_rng *r_bo = sim_rng_create(7, (uint64_t)combo, "backoff", NULL);
        assert_true(q && ch && l && r_pub && r_app && r_err && r_red && r_bo);
        stub st = {
            .q = q, .rng = r_app, .p_transient = 0.2, .p_permanent = 0.03, .mean_latency_s = 5.0};
        mdl_channel *sources[1] = {ch};
        mdl_window_spec w[2] = {{.start = 8 * SIM_HOUR, .duration = 2 * SIM_HOUR},
                                {.start = 30 * SIM_HOUR, .duration = 9 * SIM_HOUR}};
        mdl_subscriber_cfg cfg;
        mdl_subscriber_cfg_init(&cfg);
        cfg.flow_id = "F-001";
        cfg.ledger = l;
        cfg.sources = sources;
        cfg.nsources = 1;
        cfg.receive_cdc = 1;
        cfg.apply = apply_of(&st);
        cfg.concurrency = 4;
        cfg.reconnect = (mdl_reconnect)(combo % 3);
        cfg.reset = (combo & 1) ? MDL_RESET_LATEST : MDL_RESET_EARLIEST;
        cfg.receiver = (combo & 2) ? MDL_RECEIVER_INSERT : MDL_RECEIVER_UPSERT;
        cfg.ordering_guard = (combo & 4) != 0;
        cfg.dead_letter = combo != 5;
        cfg.commit_interval = (combo & 1) ? 5 * SIM_SEC : 0;
        cfg.offline = w;
        cfg.noffline = 2;
        cfg.token_lifetime = 10 * SIM_HOUR;
        cfg.auto_renew = 0;
        cfg.token_reconnect = SIM_HOUR;
        cfg.redelivery = 0.1;
        cfg.redelivery_delay = 30 * SIM_SEC;
        cfg.permanent_errors = 0.02;
        cfg.rng_errors = r_err;
        cfg.rng_redelivery = r_red;
        cfg.rng_backoff = r_bo;
        cfg.series_interval = SIM_HOUR;
        cfg.series_bins = 72;
        mdl_subscriber *s = mdl_subscriber_create(q, &cfg, NULL);
        assert_non_null(s);
        assert_int_equal(mdl_subscriber_crash(s, 50 * SIM_HOUR, 10 * SIM_MIN, NULL), SIM_OK);
        assert_int_equal(mdl_channel_publish_cdc(ch, 2000, 0), SIM_EFULL);
        pub p = {.q = q,
                 .ch = ch,
                 .flow = 0,
                 .every = 20 * SIM_SEC,
                 .until = T,
                 .keys = 50,
                 .rng = r_pub};
        pub_start(&p, 0);
        checker c = {.q = q, .l = l, .s = s, .every = 3 * SIM_HOUR, .until = T};
        sim_queue_push(q, 0, check_fire, &c, 0);
        assert_int_equal(sim_queue_run(q, T), SIM_OK);
        assert_int_equal(c.checks, 24);
        mdl_subscriber_finish(s, T);
        assert_conserved(l, s);
        mdl_subscriber_stats ss = stats(s, T);
        assert_int_equal(mdl_subscriber_status(s), SIM_OK);
        assert_int_equal(ss.created, mdl_ledger_created_count(l, 0));
        assert_int_equal(ss.created, p.n);
        /* Every fault left a mark. */
        assert_true(ss.delivered > 0);
        assert_true(ss.lost_retention + ss.lost_no_replay_id > 0);
        assert_true(ss.redeliveries > 0);
        assert_true(ss.dead_lettered + ss.lost_failed > 0);
        assert_true(ss.token_disconnects > 0);
        assert_int_equal(ss.crashes, 1);
        assert_true(ss.cdc_received > 0);
        sim_result *res = sim_result_create(NULL);
        uint64_t pending = mdl_subscriber_pending(s);
        assert_int_equal(mdl_ledger_publish(l, &pending, res, NULL), SIM_OK);
        assert_int_equal(mdl_subscriber_publish(s, T, res, NULL), SIM_OK);
        sim_result_destroy(res);
        mdl_subscriber_destroy(s);
        sim_rng_destroy(r_pub);
        sim_rng_destroy(r_app);
        sim_rng_destroy(r_err);
        sim_rng_destroy(r_red);
        sim_rng_destroy(r_bo);
        mdl_ledger_destroy(l);
        mdl_channel_destroy(ch);
        sim_queue_destroy(q);
        sim_free(st.ans);
    }
}

/* ---- the apply through a target's quota and endpoint ------------------------ */

static mdl_endpoint *make_endpoint(sim_queue *q, gsl_rng *rng, const mdl_outage *outage)
{
    static const sim_dist two_s = {SIM_DIST_CONST, 2.0, 0.0};
    mdl_endpoint_cfg ec = {.id = "netsuite", .workers = 1, .service = &two_s, .rng = rng};
    if (outage) {
        ec.outages = outage;
        ec.noutages = 1;
    }
    mdl_endpoint *ep = mdl_endpoint_create(q, &ec, NULL);
    assert_non_null(ep);
    return ep;
}

/* One worker serving each call in 2 s, a quota of 3 calls a day,
 * concurrency 2, five changes at t = 0. Changes 1 and 2 are sent at 0
 * (served [0, 2) and [2, 4)); change 3 is sent at 2 when change 1 lands
 * and is served [4, 6). Changes 4 and 5 find the quota used up: each of
 * their 5 attempts is refused at once (403, transient) and they are
 * dead-lettered (retries). Calls counted in the ledger: 3 + 2 x 5 = 13. */
static void the_endpoint_apply_goes_through_the_quota_and_the_workers(void **state)
{
    (void)state;
    fix f;
    fix_init(&f, 0, 0);
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    mdl_endpoint *ep = make_endpoint(f.q, rng, NULL);
    mdl_quota_cfg qc = {.limit = 3, .window = SIM_DAY};
    mdl_quota *quota = mdl_quota_create(&qc, NULL);
    mdl_apply_endpoint_cfg ac = {
        .q = f.q, .endpoint = ep, .quota = quota, .ledger = f.l, .ledger_flow = 0};
    mdl_apply_endpoint *a = mdl_apply_endpoint_create(&ac, NULL);
    assert_non_null(a);
    f.cfg.apply = mdl_apply_endpoint_apply(a);
    f.cfg.concurrency = 2;
    f.cfg.backoff.base = SIM_SEC;
    mdl_subscriber *s = make_sub(&f);
    for (uint64_t k = 1; k <= 5; k++)
        mdl_channel_publish(f.ch, 0, k, 0, 0, NULL);
    assert_int_equal(sim_queue_run(f.q, 6 * SIM_SEC - 1), SIM_OK);
    assert_int_equal(stats(s, 0).delivered, 2);
    assert_int_equal(sim_queue_run(f.q, SIM_TIME_NEVER), SIM_OK);
    mdl_subscriber_stats st = stats(s, 0);
    assert_int_equal(st.delivered, 3);
    assert_int_equal(st.dead_lettered, 2);
    assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_DEAD_LETTERED, MDL_R_RETRIES), 2);
    mdl_apply_endpoint_stats as;
    mdl_apply_endpoint_stats_get(a, &as);
    assert_int_equal(as.calls, 13);
    assert_int_equal(as.ok, 3);
    assert_int_equal(as.quota, 10);
    assert_int_equal(as.in_flight, 0);
    sim_result *r = sim_result_create(NULL);
    uint64_t pending = 0;
    assert_int_equal(mdl_ledger_publish(f.l, &pending, r, NULL), SIM_OK);
    long i = sim_result_find(r, "flow.F-001.calls");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 13.0);
    sim_result_destroy(r);
    assert_conserved(f.l, s);
    mdl_subscriber_destroy(s);
    mdl_apply_endpoint_destroy(a);
    mdl_quota_destroy(quota);
    mdl_endpoint_destroy(ep);
    sim_rng_destroy(rng);
    fix_fini(&f);
}

/* The apply timeout is a deadline: an answer due exactly at it is in
 * time. One worker serving each call in 2 s, apply timeout 4 s,
 * concurrency 2, two changes at t = 0: change 1 is served [0, 2), change 2
 * waits for the worker and is served [2, 4): its answer comes at 4 s,
 * exactly its timeout (sent at 0). Both are delivered, no timeout. With a
 * timeout of 4 s - 1 us, change 2 times out (and is retried). */
static void an_apply_answered_exactly_at_its_timeout_is_in_time(void **state)
{
    (void)state;
    for (int early = 0; early < 2; early++) {
        fix f;
        fix_init(&f, 0, 0);
        gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
        mdl_endpoint *ep = make_endpoint(f.q, rng, NULL);
        mdl_apply_endpoint_cfg ac = {.q = f.q,
                                     .endpoint = ep,
                                     .ledger = f.l,
                                     .ledger_flow = 0,
                                     .timeout = 4 * SIM_SEC - early};
        mdl_apply_endpoint *a = mdl_apply_endpoint_create(&ac, NULL);
        assert_non_null(a);
        f.cfg.apply = mdl_apply_endpoint_apply(a);
        f.cfg.concurrency = 2;
        mdl_subscriber *s = make_sub(&f);
        for (uint64_t k = 1; k <= 2; k++)
            mdl_channel_publish(f.ch, 0, k, 0, 0, NULL);
        assert_int_equal(sim_queue_run(f.q, 4 * SIM_SEC), SIM_OK);
        mdl_apply_endpoint_stats as;
        mdl_apply_endpoint_stats_get(a, &as);
        assert_int_equal(stats(s, 4 * SIM_SEC).delivered, early ? 1 : 2);
        assert_int_equal(as.timeouts, early ? 1 : 0);
        assert_int_equal(as.ok, early ? 1 : 2);
        mdl_subscriber_destroy(s);
        mdl_apply_endpoint_destroy(a);
        mdl_endpoint_destroy(ep);
        sim_rng_destroy(rng);
        fix_fini(&f);
    }
}

/* An apply call served at once whose answer is due by its timeout needs
 * no timer: the answer is the only way it can end. One worker serving each
 * call in 2 s, apply timeout 2 s, one call at t = 0: the calendar then
 * holds exactly the endpoint's completion (the old model also held a timer
 * the answer always cancelled), and the call succeeds at 2 s, exactly its
 * deadline. With a timeout of 2 s - 1 us the timer is there (two events),
 * and the call times out at 2 s - 1 us. */
static void apply_done(void *ctx, uint64_t token, int ok, int retryable, sim_time now)
{
    (void)retryable;
    sim_time *when = ctx;
    when[token] = ok ? now : -now;
}

static void an_apply_answered_by_its_timeout_holds_no_timer(void **state)
{
    (void)state;
    for (int early = 0; early < 2; early++) {
        sim_queue *q = sim_queue_create(0, NULL);
        assert_non_null(q);
        gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
        mdl_endpoint *ep = make_endpoint(q, rng, NULL);
        mdl_apply_endpoint_cfg ac = {.q = q, .endpoint = ep, .timeout = 2 * SIM_SEC - early};
        mdl_apply_endpoint *a = mdl_apply_endpoint_create(&ac, NULL);
        assert_non_null(a);
        mdl_apply apply = mdl_apply_endpoint_apply(a);
        sim_time when[1] = {0};
        assert_int_equal(apply.fn(apply.impl, 0, 0, apply_done, when), SIM_OK);
        assert_int_equal(sim_queue_size(q), early ? 2 : 1);
        assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
        mdl_apply_endpoint_stats as;
        mdl_apply_endpoint_stats_get(a, &as);
        assert_int_equal(as.ok, early ? 0 : 1);
        assert_int_equal(as.timeouts, early ? 1 : 0);
        assert_int_equal(when[0], early ? -(2 * SIM_SEC - 1) : 2 * SIM_SEC);
        mdl_apply_endpoint_destroy(a);
        mdl_endpoint_destroy(ep);
        sim_rng_destroy(rng);
        sim_queue_destroy(q);
    }
}

/* A hung endpoint (outage mode hang for an hour) never answers: the call
 * times out after 10 s, the subscriber sleeps expo(1) = 2 s and tries
 * again, times out at 22 s, and with 2 attempts the change is
 * dead-lettered at 22 s instead of holding its slot forever. */
static void a_hung_endpoint_times_out_instead_of_holding_the_slot(void **state)
{
    (void)state;
    fix f;
    fix_init(&f, 0, 0);
    gsl_rng *rng = sim_rng_create(1, 0, "service", NULL);
    mdl_outage hang = {.start = 0, .end = SIM_HOUR, .mode = MDL_OUTAGE_HANG};
    mdl_endpoint *ep = make_endpoint(f.q, rng, &hang);
    mdl_apply_endpoint_cfg ac = {.q = f.q, .endpoint = ep, .timeout = 10 * SIM_SEC};
    mdl_apply_endpoint *a = mdl_apply_endpoint_create(&ac, NULL);
    f.cfg.apply = mdl_apply_endpoint_apply(a);
    f.cfg.max_attempts = 2;
    f.cfg.backoff.base = SIM_SEC;
    mdl_subscriber *s = make_sub(&f);
    mdl_channel_publish(f.ch, 0, 1, 0, 0, NULL);
    assert_int_equal(sim_queue_run(f.q, 22 * SIM_SEC - 1), SIM_OK);
    assert_int_equal(stats(s, 0).dead_lettered, 0);
    assert_int_equal(sim_queue_run(f.q, 22 * SIM_SEC), SIM_OK);
    assert_int_equal(stats(s, 0).dead_lettered, 1);
    mdl_apply_endpoint_stats as;
    mdl_apply_endpoint_stats_get(a, &as);
    assert_int_equal(as.timeouts, 2);
    assert_int_equal(as.in_flight, 0);
    assert_int_equal(mdl_subscriber_in_flight(s), 0);
    assert_conserved(f.l, s);
    mdl_subscriber_destroy(s);
    mdl_apply_endpoint_destroy(a);
    mdl_endpoint_destroy(ep);
    sim_rng_destroy(rng);
    fix_fini(&f);
}

/* ---- metrics and configuration ----------------------------------------------- */

static void metrics_are_named_after_the_flow_and_subscriber(void **state)
{
    (void)state;
    fix f;
    fix_init(&f, 0, 0);
    f.cfg.id = "netsuite";
    mdl_subscriber *s = make_sub(&f);
    sim_result *r = sim_result_create(NULL);
    assert_int_equal(mdl_subscriber_publish(s, 0, r, NULL), SIM_OK);
    const char *names[] = {"lost_retention", "lost_no_replay_id", "duplicates", "corrupted",
                           "dead_lettered",  "repaired",          "offline_s",  "pending"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char name[128];
        snprintf(name, sizeof name, "flow.F-001.event.netsuite.%s", names[i]);
        if (sim_result_find(r, name) < 0)
            fail_msg("missing %s", name);
    }
    sim_result_destroy(r);
    mdl_subscriber_destroy(s);
    fix_fini(&f);
}

static void the_spec_sets_the_subscriber(void **state)
{
    (void)state;
    mdl_event_spec ev;
    mdl_event_spec_init(&ev);
    mdl_subscriber_spec sub;
    mdl_subscriber_spec_init(&sub);
    sub.replay_resume = 0;
    sub.concurrency = 3;
    ev.receiver = MDL_SPEC_RECEIVER_INSERT;
    mdl_subscriber_cfg cfg;
    mdl_subscriber_cfg_from_spec(&cfg, &ev, &sub);
    assert_int_equal(cfg.reconnect, MDL_RECONNECT_LATEST);
    assert_int_equal(cfg.concurrency, 3);
    assert_int_equal(cfg.receiver, MDL_RECEIVER_INSERT);
    assert_int_equal(cfg.max_attempts, 5);
    assert_int_equal(cfg.backoff.base, 2 * SIM_SEC);
    assert_true(cfg.redelivery == 0.01);
    assert_int_equal(cfg.ordering_guard, 1);
    assert_int_equal(cfg.dead_letter, 1);
}

static void bad_configurations_are_refused(void **state)
{
    (void)state;
    fix f;
    fix_init(&f, 0, 0);
    sim_err err;
    mdl_subscriber_cfg good = f.cfg;
    f.cfg.flow_id = NULL;
    assert_null(mdl_subscriber_create(f.q, &f.cfg, &err));
    f.cfg = good;
    f.cfg.nsources = 0;
    assert_null(mdl_subscriber_create(f.q, &f.cfg, &err));
    f.cfg = good;
    f.cfg.redelivery = 0.5; /* no rng */
    assert_null(mdl_subscriber_create(f.q, &f.cfg, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    f.cfg = good;
    f.cfg.backoff.jitter = MDL_JITTER_FULL; /* no rng */
    assert_null(mdl_subscriber_create(f.q, &f.cfg, &err));
    f.cfg = good;
    f.cfg.concurrency = 0;
    assert_null(mdl_subscriber_create(f.q, &f.cfg, &err));
    f.cfg = good;
    mdl_subscriber *s = make_sub(&f);
    assert_int_equal(mdl_subscriber_offline(s, 5, -1, &err), SIM_EINVAL);
    mdl_subscriber_destroy(s);
    fix_fini(&f);
}

static void allocation_failures_in_create_are_reported(void **state)
{
    (void)state;
    fix f;
    fix_init(&f, 0, 0);
    f.cfg.series_interval = SIM_HOUR;
    f.cfg.series_bins = 10;
    for (long n = 1; n < 40; n++) {
        sim_alloc_fail_after(n);
        sim_err err;
        mdl_subscriber *s = mdl_subscriber_create(f.q, &f.cfg, &err);
        sim_alloc_fail_reset();
        if (s) {
            mdl_subscriber_destroy(s);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
    }
    fix_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_published_change_is_read_at_that_instant_before_other_events_due_then),
        cmocka_unit_test(
            an_offline_window_with_resume_loses_what_was_published_before_reconnect_minus_retention),
        cmocka_unit_test(an_offline_window_without_replay_id_loses_everything_published_while_away),
        cmocka_unit_test(reconnecting_at_earliest_replays_the_retained_events_already_read),
        cmocka_unit_test(a_token_expiring_without_auto_renew_disconnects_until_the_reconnect),
        cmocka_unit_test(
            the_allocation_runs_out_at_l_over_rate_times_subscribers_and_resumes_when_freed),
        cmocka_unit_test(a_reconnect_while_the_allocation_is_exhausted_still_resumes_when_it_frees),
        cmocka_unit_test(a_bulk_load_with_cdc_exhausts_the_allocation_and_stops_the_flow),
        cmocka_unit_test(a_share_one_subscriber_does_not_need_goes_to_the_other_as_counted_by_hand),
        cmocka_unit_test(freed_deliveries_are_split_equally_between_waiting_subscribers),
        cmocka_unit_test(
            two_identical_subscribers_get_equal_deliveries_when_the_allocation_is_exhausted),
        cmocka_unit_test(changes_refused_by_the_publish_allocation_are_lost_for_allocation),
        cmocka_unit_test(forced_redelivery_duplicates_inserts_but_not_upserts),
        cmocka_unit_test(a_crash_redelivers_what_was_done_since_the_last_auto_commit),
        cmocka_unit_test(a_change_purged_while_in_flight_and_abandoned_by_a_crash_is_lost),
        cmocka_unit_test(
            the_ordering_guard_discards_an_older_update_that_arrives_after_a_newer_one),
        cmocka_unit_test(retries_and_late_redeliveries_reorder_unless_one_at_a_time_or_guarded),
        cmocka_unit_test(a_change_failing_every_attempt_is_dead_lettered_after_n_attempts),
        cmocka_unit_test(permanent_errors_and_delivery_limits_end_where_configured),
        cmocka_unit_test(a_bad_record_applied_without_a_call_is_dead_lettered_after_max_attempts),
        cmocka_unit_test(synchronous_answers_drain_a_large_backlog_iteratively),
        cmocka_unit_test(conservation_holds_under_every_fault),
        cmocka_unit_test(the_endpoint_apply_goes_through_the_quota_and_the_workers),
        cmocka_unit_test(exponential_processing_makes_the_subscriber_an_m_m_c_queue),
        cmocka_unit_test(the_echo_filter_stops_a_loop_between_two_opposite_flows),
        cmocka_unit_test(a_hung_endpoint_times_out_instead_of_holding_the_slot),
        cmocka_unit_test(an_apply_answered_exactly_at_its_timeout_is_in_time),
        cmocka_unit_test(an_apply_answered_by_its_timeout_holds_no_timer),
        cmocka_unit_test(metrics_are_named_after_the_flow_and_subscriber),
        cmocka_unit_test(the_spec_sets_the_subscriber),
        cmocka_unit_test(bad_configurations_are_refused),
        cmocka_unit_test(allocation_failures_in_create_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
