/*
 * test_mdl_recon.c - reconciliation: which records a run finds (full vs
 * delta comparison), that it repairs exactly those, when, with what
 * latency, and how many API calls it spends and through which quotas.
 *
 * The main case is the card's "replay window expiry": a subscriber offline
 * for 4 days against a 72 h retention.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_channel.h"
#include "mdl_ledger.h"
#include "mdl_quota.h"
#include "mdl_recon.h"
#include "mdl_subscriber.h"
#include "sim_alloc.h"
#include "sim_queue.h"
#include "sim_result.h"

/* ---- a fixed-latency apply --------------------------------------------- */

typedef struct answer {
    uint64_t token;
    mdl_apply_done_fn *done;
    void *ctx;
} answer;

typedef struct stub {
    sim_queue *q;
    sim_time latency;
    const sim_time *script; /* per-call latencies, then `latency` */
    int nscript, calls;
    answer *ans;
    int nans, cap;
} stub;

static void stub_fire(void *ctx, uint64_t i, sim_time now)
{
    stub *s = ctx;
    s->ans[i].done(s->ans[i].ctx, s->ans[i].token, 1, 1, now);
}

static int stub_apply(void *impl, uint64_t token, sim_time now, mdl_apply_done_fn *done, void *ctx)
{
    stub *s = impl;
    if (s->nans == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->ans = sim_reallocarray(s->ans, (size_t)s->cap, sizeof *s->ans);
        assert_non_null(s->ans);
    }
    s->ans[s->nans] = (answer){token, done, ctx};
    int c = s->calls++;
    sim_time lat = c < s->nscript ? s->script[c] : s->latency;
    sim_queue_push(s->q, now + lat, stub_fire, s, (uint64_t)s->nans++);
    return SIM_OK;
}

typedef struct pub {
    sim_queue *q;
    mdl_channel *ch;
    sim_time every, until;
} pub;

static void pub_fire(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    pub *p = ctx;
    assert_int_equal(mdl_channel_publish(p->ch, 0, 0, now, now, NULL), SIM_OK);
    if (now + p->every < p->until)
        sim_queue_push(p->q, now + p->every, pub_fire, p, 0);
}

static const char *const flow_ids[] = {"F-001"};

typedef struct fix {
    sim_queue *q;
    mdl_channel *ch;
    mdl_channel *sources[1];
    mdl_ledger *l;
    stub st;
    mdl_subscriber_cfg cfg;
    mdl_subscriber *s;
} fix;

static void fix_init(fix *f, sim_time retention)
{
    memset(f, 0, sizeof *f);
    f->q = sim_queue_create(0, NULL);
    mdl_channel_cfg cc;
    mdl_channel_cfg_init(&cc);
    cc.retention = retention;
    f->ch = mdl_channel_create(&cc, NULL, NULL);
    f->sources[0] = f->ch;
    f->l = mdl_ledger_create(1, flow_ids, NULL);
    assert_true(f->q && f->ch && f->l);
    f->st.q = f->q;
    f->st.latency = SIM_SEC;
    mdl_subscriber_cfg_init(&f->cfg);
    f->cfg.flow_id = "F-001";
    f->cfg.ledger = f->l;
    f->cfg.sources = f->sources;
    f->cfg.nsources = 1;
    f->cfg.apply = (mdl_apply){stub_apply, &f->st};
    f->cfg.backoff.jitter = MDL_JITTER_NONE;
}

static void fix_start(fix *f)
{
    f->s = mdl_subscriber_create(f->q, &f->cfg, NULL);
    assert_non_null(f->s);
}

static void fix_fini(fix *f)
{
    mdl_subscriber_destroy(f->s);
    mdl_ledger_destroy(f->l);
    mdl_channel_destroy(f->ch);
    sim_queue_destroy(f->q);
    sim_free(f->st.ans);
}

static void assert_conserved(const fix *f)
{
    uint64_t pending = mdl_subscriber_pending(f->s);
    sim_err err;
    if (mdl_ledger_check(f->l, &pending, &err) != SIM_OK)
        fail_msg("conservation: %s", err.msg);
}

static double metric(const sim_result *r, const char *name)
{
    long i = sim_result_find(r, name);
    if (i < 0)
        fail_msg("metric %s is missing", name);
    return sim_result_value(r, (size_t)i);
}

/* Events at p_i = 300 + 600 i s (one every 10 minutes). */
static uint64_t grid_count(sim_time a, sim_time b)
{
    uint64_t n = 0;
    for (sim_time p = 300 * SIM_SEC; p < b; p += 600 * SIM_SEC)
        if (p >= a)
            n++;
    return n;
}

static mdl_schedule daily_at(sim_time tod)
{
    mdl_schedule s = {.kind = MDL_SCHEDULE_DAYS, .days_mask = MDL_DAYS_ALL, .time_of_day = tod};
    return s;
}

/* The replay window expiry. Retention 72 h, one event every 10 minutes
 * (from 300 s) for 6 days, the subscriber offline from day 1 to day 5 (4
 * days). Lost (purged before it could read them): p in [24 h, 120 h - 72
 * h) = [24 h, 48 h) -> 144 events; an event is purged once the clock
 * passes p + 72 h, so they go during [96 h, 120 h).
 *
 * A daily full reconciliation at 02:00 comparing 1,000 records in pages of
 * 100 (10 pages, 1 s each) runs at 2, 26, 50, 74, 98 and 122 h. At 98 h it
 * finds the records purged so far: p < 98 h - 72 h = 26 h, i.e. p in
 * [24 h, 26 h) -> 12; at 122 h the other 132. Repair writes (batches of
 * 100): ceil(12/100) = 1 and ceil(132/100) = 2. Calls: source 6 x 10 = 60,
 * target 60 + 3 = 63 (123 in the ledger's calls). A run ends after (pages + writes) x 1 s; its
 * records are repaired then, with latency end - p: the largest is the oldest record of the second
 * batch, p = 93,900 s, repaired at 122 h + 12 s = 439,212 s: 345,312 s. Without reconciliation the
 * 144 stay lost. */
static void
a_daily_full_reconciliation_repairs_exactly_the_lost_records_and_spends_the_calls(void **state)
{
    (void)state;
    const sim_time R = 72 * SIM_HOUR, S = SIM_DAY, E = 5 * SIM_DAY, T = 6 * SIM_DAY;
    for (int with_recon = 0; with_recon < 2; with_recon++) {
        fix f;
        fix_init(&f, R);
        mdl_window_spec w = {.start = S, .duration = E - S};
        f.cfg.offline = &w;
        f.cfg.noffline = 1;
        fix_start(&f);
        mdl_quota_cfg qc = {.limit = 1e6, .window = SIM_DAY};
        mdl_quota *qs = mdl_quota_create(&qc, NULL);
        mdl_quota *qt = mdl_quota_create(&qc, NULL);
        mdl_recon *rc = NULL;
        if (with_recon) {
            mdl_recon_cfg rcfg;
            mdl_recon_cfg_init(&rcfg);
            rcfg.flow_id = "F-001";
            rcfg.sub = f.s;
            rcfg.schedule = daily_at(2 * SIM_HOUR);
            rcfg.page_size = 100;
            rcfg.records = 1000;
            rcfg.page_time = SIM_SEC;
            rcfg.source_quota = qs;
            rcfg.target_quota = qt;
            rcfg.ledger = f.l;
            rc = mdl_recon_create(f.q, &rcfg, NULL);
            assert_non_null(rc);
        }
        pub p = {.q = f.q, .ch = f.ch, .every = 600 * SIM_SEC, .until = T};
        sim_queue_push(f.q, 300 * SIM_SEC, pub_fire, &p, 0);
        assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
        assert_conserved(&f);
        mdl_subscriber_finish(f.s, T);
        assert_conserved(&f);
        uint64_t lost = grid_count(S, E - R);
        assert_int_equal(lost, 144);
        mdl_subscriber_stats ss;
        mdl_subscriber_stats_get(f.s, T, &ss);
        assert_int_equal(ss.lost_retention, lost); /* what the stream lost */
        if (!with_recon) {
            assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_LOST, MDL_R_RETENTION), lost);
            assert_int_equal(ss.repaired, 0);
        } else {
            mdl_recon_stats rs;
            mdl_recon_stats_get(rc, &rs);
            assert_int_equal(rs.runs, 6);
            assert_int_equal(rs.found_lost, lost);
            assert_int_equal(rs.repaired, lost);
            assert_int_equal(ss.repaired, lost);
            assert_int_equal(rs.pages, 60);
            assert_int_equal(rs.calls_source, 60);
            assert_int_equal(rs.calls_target, 63);
            /* Runs are 24 h apart and a call counts until its minute bucket
             * has left the window (at most 1 min late), so each run still
             * sees the previous one: peaks 10 + 10 (source) and 11 + 12
             * (target, the last two runs); at T the 122 h run counts. */
            assert_int_equal(mdl_quota_used(qs, T), 10);
            assert_int_equal(mdl_quota_peak(qs), 20);
            assert_int_equal(mdl_quota_peak(qt), 23);
            assert_int_equal(mdl_ledger_count(f.l, 0, MDL_LOST), 0);
            assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_DELIVERED, MDL_R_REPAIRED), lost);
            sim_result *r = sim_result_create(NULL);
            uint64_t pending = mdl_subscriber_pending(f.s);
            assert_int_equal(mdl_ledger_publish(f.l, &pending, r, NULL), SIM_OK);
            /* The apply calls are counted by the apply implementation (here
             * a stub that counts nothing): the flow's calls are the job's. */
            assert_true(metric(r, "flow.F-001.calls") == 123.0);
            assert_true(metric(r, "flow.F-001.latency_max") == 345312.0);
            assert_int_equal(mdl_recon_publish(rc, r, NULL), SIM_OK);
            assert_true(metric(r, "flow.F-001.recon.repaired") == (double)lost);
            assert_true(metric(r, "flow.F-001.recon.calls_target") == 63.0);
            assert_true(metric(r, "flow.F-001.recon.busy_s") == 6 * 10 + 3);
            sim_result_destroy(r);
        }
        mdl_recon_destroy(rc);
        mdl_quota_destroy(qs);
        mdl_quota_destroy(qt);
        fix_fini(&f);
    }
}

/* The same outage with a delta comparison (records = 0): each run compares
 * only the records created since the previous run started, so it never
 * sees the records created on day 1 and lost on day 4. Pages: the first run
 * (2 h) compares the 12 records of [0, 2 h) in 1 page, each later one the
 * 144 records of a day in 2 pages: 1 + 5 x 2 = 11. */
static void a_delta_reconciliation_misses_records_lost_long_after_they_changed(void **state)
{
    (void)state;
    const sim_time R = 72 * SIM_HOUR, S = SIM_DAY, E = 5 * SIM_DAY, T = 6 * SIM_DAY;
    fix f;
    fix_init(&f, R);
    mdl_window_spec w = {.start = S, .duration = E - S};
    f.cfg.offline = &w;
    f.cfg.noffline = 1;
    fix_start(&f);
    mdl_recon_cfg rcfg;
    mdl_recon_cfg_init(&rcfg);
    rcfg.flow_id = "F-001";
    rcfg.sub = f.s;
    rcfg.schedule = daily_at(2 * SIM_HOUR);
    rcfg.page_size = 100;
    mdl_recon *rc = mdl_recon_create(f.q, &rcfg, NULL);
    assert_non_null(rc);
    pub p = {.q = f.q, .ch = f.ch, .every = 600 * SIM_SEC, .until = T};
    sim_queue_push(f.q, 300 * SIM_SEC, pub_fire, &p, 0);
    assert_int_equal(sim_queue_run(f.q, T), SIM_OK);
    mdl_subscriber_finish(f.s, T);
    mdl_recon_stats rs;
    mdl_recon_stats_get(rc, &rs);
    assert_int_equal(rs.runs, 6);
    assert_int_equal(rs.found_lost, 0);
    assert_int_equal(rs.pages, 11);
    assert_true(rs.records_compared == (double)grid_count(0, 122 * SIM_HOUR));
    assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_LOST, MDL_R_RETENTION), 144);
    assert_conserved(&f);
    mdl_recon_destroy(rc);
    fix_fini(&f);
}

/* A run that meets an exhausted quota waits for it. Events every minute
 * from 30 s, the subscriber offline [30 min, 60 min) reconnecting at the
 * tip: 30 events lost (no replay id), p in [1830, 3570] s. One full run at
 * 90 min: 10 compare pages use the target quota's 10 calls per rolling
 * hour (all in the minute bucket 90-91 min); the repair write waits until
 * that bucket leaves the window at 91 min + 60 min = 9,060 s (a 3,650 s
 * wait from 5,410 s), and the run ends 1 s later: the first lost record
 * (1,830 s) is repaired with latency 9,061 - 1,830 = 7,231 s. */
static void a_run_waits_for_an_exhausted_quota_before_it_repairs(void **state)
{
    (void)state;
    fix f;
    fix_init(&f, 0);
    mdl_window_spec w = {.start = 30 * SIM_MIN, .duration = 30 * SIM_MIN};
    f.cfg.offline = &w;
    f.cfg.noffline = 1;
    f.cfg.reconnect = MDL_RECONNECT_LATEST;
    fix_start(&f);
    mdl_quota_cfg qc = {.limit = 10, .window = SIM_HOUR};
    mdl_quota *qt = mdl_quota_create(&qc, NULL);
    mdl_recon_cfg rcfg;
    mdl_recon_cfg_init(&rcfg);
    rcfg.flow_id = "F-001";
    rcfg.sub = f.s;
    rcfg.schedule = (mdl_schedule){
        .kind = MDL_SCHEDULE_EVERY, .period = 100 * SIM_HOUR, .offset = 90 * SIM_MIN};
    rcfg.page_size = 100;
    rcfg.records = 1000;
    rcfg.target_quota = qt;
    mdl_recon *rc = mdl_recon_create(f.q, &rcfg, NULL);
    pub p = {.q = f.q, .ch = f.ch, .every = 60 * SIM_SEC, .until = 2 * SIM_HOUR};
    sim_queue_push(f.q, 30 * SIM_SEC, pub_fire, &p, 0);
    assert_int_equal(sim_queue_run(f.q, 9060 * SIM_SEC), SIM_OK);
    mdl_recon_stats rs;
    mdl_recon_stats_get(rc, &rs);
    assert_int_equal(rs.runs, 0);
    assert_int_equal(rs.quota_wait, 3650 * SIM_SEC);
    assert_int_equal(sim_queue_run(f.q, 9061 * SIM_SEC), SIM_OK);
    mdl_recon_stats_get(rc, &rs);
    assert_int_equal(rs.runs, 1);
    assert_int_equal(rs.found_lost, 30);
    assert_int_equal(rs.calls_target, 11);
    assert_int_equal(rs.calls_source, 10);
    assert_int_equal(mdl_ledger_count_reason(f.l, 0, MDL_DELIVERED, MDL_R_REPAIRED), 30);
    sim_result *r = sim_result_create(NULL);
    uint64_t pending = mdl_subscriber_pending(f.s);
    assert_int_equal(mdl_ledger_publish(f.l, &pending, r, NULL), SIM_OK);
    assert_true(metric(r, "flow.F-001.latency_max") == 7231.0);
    sim_result_destroy(r);
    assert_conserved(&f);
    mdl_recon_destroy(rc);
    mdl_quota_destroy(qt);
    fix_fini(&f);
}

/* A corrupted record (an older update applied over a newer one without a
 * guard: v1's call takes 10 s, v2's 1 s) is held and counted repaired by
 * the next run; it was delivered all along, so the ledger does not move. */
static void a_corrupted_record_is_found_and_counted_repaired(void **state)
{
    (void)state;
    static const sim_time script[] = {10 * SIM_SEC, SIM_SEC};
    fix f;
    fix_init(&f, 0);
    f.st.script = script;
    f.st.nscript = 2;
    f.cfg.concurrency = 2;
    f.cfg.ordering_guard = 0;
    fix_start(&f);
    mdl_recon_cfg rcfg;
    mdl_recon_cfg_init(&rcfg);
    rcfg.flow_id = "F-001";
    rcfg.sub = f.s;
    rcfg.schedule =
        (mdl_schedule){.kind = MDL_SCHEDULE_EVERY, .period = SIM_HOUR, .offset = SIM_HOUR};
    rcfg.records = 10;
    mdl_recon *rc = mdl_recon_create(f.q, &rcfg, NULL);
    mdl_channel_publish(f.ch, 0, 7, 0, 0, NULL);
    sim_queue_run(f.q, SIM_SEC);
    mdl_channel_publish(f.ch, 0, 7, SIM_SEC, SIM_SEC, NULL);
    assert_int_equal(sim_queue_run(f.q, 2 * SIM_HOUR - 1), SIM_OK);
    mdl_subscriber_stats ss;
    mdl_subscriber_stats_get(f.s, 0, &ss);
    assert_int_equal(ss.corrupted, 1);
    assert_int_equal(ss.repaired_corrupted, 1);
    assert_int_equal(ss.held, 0);
    mdl_recon_stats rs;
    mdl_recon_stats_get(rc, &rs);
    assert_int_equal(rs.found_corrupted, 1);
    assert_int_equal(rs.calls_target, 2); /* 1 page + 1 write */
    assert_int_equal(mdl_ledger_count(f.l, 0, MDL_DELIVERED), 2);
    assert_conserved(&f);
    mdl_recon_destroy(rc);
    fix_fini(&f);
}

static void bad_configurations_are_refused(void **state)
{
    (void)state;
    fix f;
    fix_init(&f, 0);
    fix_start(&f);
    mdl_recon_cfg rcfg;
    mdl_recon_cfg_init(&rcfg);
    sim_err err;
    assert_null(mdl_recon_create(f.q, &rcfg, &err)); /* no flow id, no subscriber */
    rcfg.flow_id = "F-001";
    rcfg.sub = f.s;
    rcfg.records = -1;
    assert_null(mdl_recon_create(f.q, &rcfg, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_recon_spec spec;
    mdl_recon_spec_init(&spec);
    mdl_recon_cfg_from_spec(&rcfg, &spec);
    assert_int_equal(rcfg.page_size, 1000);
    assert_int_equal(rcfg.schedule.time_of_day, 2 * SIM_HOUR);
    fix_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            a_daily_full_reconciliation_repairs_exactly_the_lost_records_and_spends_the_calls),
        cmocka_unit_test(a_delta_reconciliation_misses_records_lost_long_after_they_changed),
        cmocka_unit_test(a_run_waits_for_an_exhausted_quota_before_it_repairs),
        cmocka_unit_test(a_corrupted_record_is_found_and_counted_repaired),
        cmocka_unit_test(bad_configurations_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
