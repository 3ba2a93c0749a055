/*
 * test_mdl_channel.c - the event log: positions, retention to the
 * microsecond, readers and their notes, the delivery and publish
 * allocations, CDC runs, seeks and rewinds, consumed-prefix freeing, and
 * the published metrics. Every expected number is worked out in a comment.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_channel.h"
#include "sim_alloc.h"
#include "sim_queue.h"
#include "sim_result.h"

/* What a reader's notes told, per kind, split by replay. */
typedef struct notes {
    uint64_t n[MDL_NOTE_READ + 1][2];
    uint64_t last_seq;
    sim_time last_created;
} notes;

static void note(void *ctx, int reader, mdl_channel_note what, const mdl_event *ev, uint64_t n,
                 int replay, sim_time now)
{
    (void)reader;
    (void)now;
    notes *t = ctx;
    t->n[what][replay ? 1 : 0] += n;
    t->last_seq = ev->seq;
    t->last_created = ev->created;
}

static mdl_channel *make(sim_time retention, double delivery, double publish)
{
    mdl_channel_cfg cfg;
    mdl_channel_cfg_init(&cfg);
    cfg.id = "sf";
    cfg.retention = retention;
    cfg.delivery_allocation = delivery;
    cfg.publish_allocation = publish;
    mdl_channel *ch = mdl_channel_create(&cfg, NULL, NULL);
    assert_non_null(ch);
    return ch;
}

static int attach(mdl_channel *ch, int flow, int cdc, notes *t)
{
    mdl_channel_reader_cfg rc = {.flow = flow, .cdc = cdc, .notify = note, .ctx = t};
    int r = mdl_channel_attach(ch, &rc, NULL);
    assert_true(r >= 0);
    return r;
}

static void events_come_out_in_order_with_consecutive_positions(void **state)
{
    (void)state;
    mdl_channel *ch = make(0, 0, 0);
    notes t = {0};
    int r = attach(ch, 0, 0, &t);
    for (int i = 0; i < 5; i++)
        assert_int_equal(
            mdl_channel_publish(ch, 0, (uint64_t)i + 1, i * SIM_SEC, i * SIM_SEC, NULL), SIM_OK);
    assert_int_equal(t.n[MDL_NOTE_PUBLISHED][0], 5);
    assert_int_equal(mdl_channel_backlog(ch, r), 5);
    assert_int_equal(mdl_channel_backlog_own(ch, r), 5);
    for (uint64_t i = 0; i < 5; i++) {
        mdl_event ev;
        int replay = -1;
        assert_int_equal(mdl_channel_deliver(ch, r, 10 * SIM_SEC, &ev, &replay, NULL),
                         MDL_READ_DELIVERED);
        assert_int_equal(ev.seq, i);
        assert_int_equal(ev.key, i + 1);
        assert_int_equal(ev.created, (sim_time)i * SIM_SEC);
        assert_int_equal(replay, 0);
    }
    mdl_event ev;
    assert_int_equal(mdl_channel_deliver(ch, r, 10 * SIM_SEC, &ev, NULL, NULL), MDL_READ_EMPTY);
    assert_int_equal(mdl_channel_backlog(ch, r), 0);
    assert_int_equal(mdl_channel_position(ch, r), 5);
    mdl_channel_destroy(ch);
}

static void default_retention_is_72_hours(void **state)
{
    (void)state;
    mdl_channel_cfg cfg;
    mdl_channel_cfg_init(&cfg);
    assert_int_equal(cfg.retention, 72 * SIM_HOUR);
    mdl_events_spec spec;
    mdl_events_spec_init(&spec);
    spec.delivery_allocation = 50000;
    mdl_channel_cfg_from_spec(&cfg, &spec, "salesforce");
    assert_int_equal(cfg.retention, 72 * SIM_HOUR);
    assert_true(cfg.delivery_allocation == 50000.0);
    mdl_channel *ch = mdl_channel_create(&cfg, NULL, NULL);
    assert_non_null(ch);
    assert_int_equal(mdl_channel_retention(ch), 72 * SIM_HOUR);
    mdl_channel_destroy(ch);
}

/* An event published at p with retention R is readable at p + R and gone
 * at p + R + 1 us; the reader is told EXPIRED once. */
static void
an_event_exactly_retention_old_is_still_there_and_gone_one_microsecond_later(void **state)
{
    (void)state;
    const sim_time R = 2 * SIM_HOUR, p = 5 * SIM_SEC;
    mdl_channel *ch = make(R, 0, 0);
    notes t = {0};
    int r = attach(ch, 0, 0, &t);
    assert_int_equal(mdl_channel_publish(ch, 0, 1, p, p, NULL), SIM_OK);
    mdl_channel_expire(ch, p + R);
    assert_int_equal(mdl_channel_retained(ch), 1);
    mdl_channel_expire(ch, p + R + 1);
    assert_int_equal(mdl_channel_retained(ch), 0);
    assert_int_equal(t.n[MDL_NOTE_EXPIRED][0], 1);
    assert_int_equal(mdl_channel_backlog(ch, r), 0);
    /* The reader's position (0) is below the oldest (1): out of range. */
    mdl_event ev;
    assert_int_equal(mdl_channel_deliver(ch, r, p + R + 1, &ev, NULL, NULL), MDL_READ_OUT_OF_RANGE);
    mdl_channel_seek_oldest(ch, r, p + R + 1);
    assert_int_equal(mdl_channel_deliver(ch, r, p + R + 1, &ev, NULL, NULL), MDL_READ_EMPTY);
    mdl_channel_destroy(ch);
}

/* Events every k = 60 s from 30 s; a reader that stops reading at S =
 * 10 h and looks at T = 15 h with R = 2 h finds purged exactly the events
 * with S <= p < T - R: p = 30 + 60 i, 36000 <= p < 46800 -> i = 600..779,
 * 180 events; everything older it had read. */
static void
a_reader_that_stops_loses_exactly_what_was_published_before_now_minus_retention(void **state)
{
    (void)state;
    const sim_time R = 2 * SIM_HOUR, S = 10 * SIM_HOUR, T = 15 * SIM_HOUR;
    mdl_channel *ch = make(R, 0, 0);
    notes t = {0};
    int r = attach(ch, 0, 0, &t);
    for (sim_time p = 30 * SIM_SEC; p < T; p += 60 * SIM_SEC) {
        assert_int_equal(mdl_channel_publish(ch, 0, 0, p, p, NULL), SIM_OK);
        if (p < S) {
            mdl_event ev;
            assert_int_equal(mdl_channel_deliver(ch, r, p, &ev, NULL, NULL), MDL_READ_DELIVERED);
        }
    }
    mdl_channel_expire(ch, T);
    assert_int_equal(t.n[MDL_NOTE_EXPIRED][0], 180);
    /* Still unread and retained: p in [13 h, 15 h) -> 7200 / 60 = 120. */
    assert_int_equal(mdl_channel_backlog(ch, r), 120);
    mdl_channel_stats st;
    mdl_channel_stats_get(ch, &st);
    assert_int_equal(st.expired_unread, 180);
    /* Purged in all: p < 13 h -> (46800 - 30) / 60 rounded up = 780. */
    assert_int_equal(st.expired, 780);
    mdl_channel_destroy(ch);
}

/* Allocation L = 10 deliveries per 24 h, two readers reading every event
 * as it is published (one every minute from 30 s): each event costs 2, so
 * events 1..5 go through and the 6th is refused for the first reader at
 * its publication time 30 + 5 * 60 = 330 s. The five events were
 * delivered in the minute buckets 0..4; bucket b frees at (b + 1) min +
 * 24 h, so one more delivery fits at 1 min + 24 h. */
static void
the_delivery_allocation_counts_each_reader_and_refuses_at_the_computed_time(void **state)
{
    (void)state;
    const int L = 10, n = 2;
    mdl_channel *ch = make(0, L, 0);
    notes t[2];
    memset(t, 0, sizeof t);
    int r[2] = {attach(ch, 0, 0, &t[0]), attach(ch, 0, 0, &t[1])};
    sim_time refused_at = SIM_TIME_NEVER, retry = 0;
    for (int k = 1; k <= 8 && refused_at == SIM_TIME_NEVER; k++) {
        sim_time p = 30 * SIM_SEC + (k - 1) * 60 * SIM_SEC;
        assert_int_equal(mdl_channel_publish(ch, 0, 0, p, p, NULL), SIM_OK);
        for (int i = 0; i < n; i++) {
            mdl_event ev;
            int rc = mdl_channel_deliver(ch, r[i], p, &ev, NULL, &retry);
            if (rc == MDL_READ_ALLOCATION) {
                refused_at = p;
                break;
            }
            assert_int_equal(rc, MDL_READ_DELIVERED);
        }
    }
    sim_time expected = 30 * SIM_SEC + (L / n) * 60 * SIM_SEC; /* event L/n + 1 */
    assert_int_equal(refused_at, expected);
    mdl_channel_stats st;
    mdl_channel_stats_get(ch, &st);
    assert_int_equal(st.exhausted_at, expected);
    assert_int_equal(st.allocation_peak, L);
    assert_int_equal(st.deliveries, L);
    assert_int_equal(retry, 1 * SIM_MIN + SIM_DAY);
    /* The event stays in the log: both readers still have it. */
    assert_int_equal(mdl_channel_backlog(ch, r[0]), 1);
    assert_int_equal(mdl_channel_backlog(ch, r[1]), 1);
    mdl_event ev;
    assert_int_equal(mdl_channel_deliver(ch, r[0], retry - 1, &ev, NULL, NULL),
                     MDL_READ_ALLOCATION);
    assert_int_equal(mdl_channel_deliver(ch, r[0], retry, &ev, NULL, NULL), MDL_READ_DELIVERED);
    assert_int_equal(ev.seq, L / n);
    mdl_channel_destroy(ch);
}

/* Turns on an exhausted allocation, by hand. L = 10 deliveries per 24 h
 * (one-minute buckets), retention forever, 40 events of flow 0 published
 * at 30 s; readers A, B, C of flow 0.
 *   30 s: A reads 10 (nobody waits yet: first come, first served) and is
 *         refused at the 11th: the turns begin with A waiting; its retry
 *         is 24 h + 1 min, when bucket 0 leaves the window. B asks and is
 *         refused too (no room): A and B wait, no credit handed out.
 *   24 h + 1 min: room 10. B asks first: the surplus 10 is split between
 *         A and B, 5 each (both told GRANTED 5). B reads 5 and is
 *         refused; C asks and joins, but the room left (5) is A's credit:
 *         C is refused and granted nothing. A reads its 5.
 *   48 h + 2 min: the 10 delivered in bucket 1441 leave. C asks: surplus
 *         10 among A, B, C: 4, 3, 3 (the remainder goes to the first in
 *         rotation, A). C reads 3, A reads 4 and then goes idle (it has
 *         used its share), B reads 3.
 *   72 h + 3 min: 10 leave; B and C wait (A idle): 5 each. B reads 2 and
 *         goes idle: its unused 3 go to C at once (GRANTED 3), who reads 8.
 * Deliveries: A 10 + 5 + 4 = 19, B 5 + 3 + 2 = 10, C 3 + 8 = 11: the 40
 * events, the window never above 10. */
static void an_exhausted_allocation_is_shared_in_turns_among_the_waiting_readers(void **state)
{
    (void)state;
    mdl_channel *ch = make(MDL_CHANNEL_FOREVER, 10, 0);
    notes t[3];
    memset(t, 0, sizeof t);
    int a = attach(ch, 0, 0, &t[0]), b = attach(ch, 0, 0, &t[1]), c = attach(ch, 0, 0, &t[2]);
    const sim_time p = 30 * SIM_SEC;
    for (int k = 0; k < 40; k++)
        assert_int_equal(mdl_channel_publish(ch, 0, 0, p, p, NULL), SIM_OK);
    mdl_event ev;
    sim_time retry = 0;
    int got[3] = {0, 0, 0};
    /* Reads reader r until refused (or n deliveries); returns the count. */
#define READ(r, at, n)                                                                             \
    do {                                                                                           \
        int k_ = 0, rc_;                                                                           \
        while (k_ < (n) && (rc_ = mdl_channel_deliver(ch, (r), (at), &ev, NULL, &retry)) ==        \
                               MDL_READ_DELIVERED)                                                 \
            k_++;                                                                                  \
        got[(r)] += k_;                                                                            \
    } while (0)
    READ(a, p, 100);
    assert_int_equal(got[a], 10);
    assert_int_equal(retry, SIM_MIN + SIM_DAY);
    READ(b, p, 100);
    assert_int_equal(got[b], 0);

    const sim_time d2 = SIM_MIN + SIM_DAY;
    READ(b, d2, 100);
    assert_int_equal(got[b], 5);
    assert_int_equal(t[0].n[MDL_NOTE_GRANTED][0], 5);
    assert_int_equal(t[1].n[MDL_NOTE_GRANTED][0], 5);
    READ(c, d2, 100);
    assert_int_equal(got[c], 0);
    assert_int_equal(t[2].n[MDL_NOTE_GRANTED][0], 0);
    READ(a, d2, 100);
    assert_int_equal(got[a], 15);

    const sim_time d3 = 2 * SIM_MIN + 2 * SIM_DAY;
    READ(c, d3, 100);
    assert_int_equal(got[c], 3);
    assert_int_equal(t[0].n[MDL_NOTE_GRANTED][0], 5 + 4);
    assert_int_equal(t[1].n[MDL_NOTE_GRANTED][0], 5 + 3);
    assert_int_equal(t[2].n[MDL_NOTE_GRANTED][0], 3);
    READ(a, d3, 100);
    assert_int_equal(got[a], 19);
    mdl_channel_idle(ch, a, d3);
    READ(b, d3, 100);
    assert_int_equal(got[b], 8);

    /* 72 h + 3 min: B and C wait (A idle): 5 each. B reads 2 and goes
     * idle: its 3 unused go to C at once. */
    const sim_time d4 = 3 * SIM_MIN + 3 * SIM_DAY;
    READ(b, d4, 2);
    assert_int_equal(got[b], 10);
    assert_int_equal(t[1].n[MDL_NOTE_GRANTED][0], 5 + 3 + 5);
    assert_int_equal(t[2].n[MDL_NOTE_GRANTED][0], 3 + 5);
    mdl_channel_idle(ch, b, d4);
    assert_int_equal(t[2].n[MDL_NOTE_GRANTED][0], 3 + 5 + 3);
    READ(c, d4, 100);
    assert_int_equal(got[c], 3 + 8);
#undef READ
    mdl_channel_stats st;
    mdl_channel_stats_get(ch, &st);
    assert_int_equal(st.deliveries, 40);
    assert_int_equal(st.allocation_peak, 10);
    mdl_channel_destroy(ch);
}

/* Publish allocation 3 per rolling hour: the 4th publish in the hour is
 * refused, never enters the log, and matching readers are told REFUSED. */
static void publishes_beyond_the_publish_allocation_are_refused_and_told(void **state)
{
    (void)state;
    mdl_channel *ch = make(0, 0, 3);
    notes t = {0}, other = {0};
    attach(ch, 0, 0, &t);
    attach(ch, 1, 0, &other);
    for (int i = 0; i < 3; i++)
        assert_int_equal(mdl_channel_publish(ch, 0, 0, i * SIM_SEC, i * SIM_SEC, NULL), SIM_OK);
    assert_int_equal(mdl_channel_publish(ch, 0, 0, 10 * SIM_SEC, 10 * SIM_SEC, NULL), SIM_EFULL);
    assert_int_equal(t.n[MDL_NOTE_REFUSED][0], 1);
    assert_int_equal(other.n[MDL_NOTE_REFUSED][0], 0);
    assert_int_equal(mdl_channel_retained(ch), 3);
    assert_int_equal(mdl_channel_tip(ch), 3);
    /* CDC: 5 records with room for 0 this hour -> all 5 refused; after the
     * hour (bucket 0 frees at 1 min + 1 h) room for 3 of 5. */
    assert_int_equal(mdl_channel_publish_cdc(ch, 5, 20 * SIM_SEC), SIM_EFULL);
    assert_int_equal(mdl_channel_publish_cdc(ch, 5, SIM_HOUR + SIM_MIN), SIM_EFULL);
    mdl_channel_stats st;
    mdl_channel_stats_get(ch, &st);
    assert_int_equal(st.published, 6);
    assert_int_equal(st.cdc_published, 3);
    assert_int_equal(st.publish_refused, 1 + 5 + 2);
    assert_int_equal(st.publish_exhausted_at, 10 * SIM_SEC);
    mdl_channel_destroy(ch);
}

/* A bulk load of 1,000 records with CDC on is one entry of 1,000 events. A
 * reader with cdc reads them one by one, each a delivery; a reader of flow
 * 0 without cdc never sees them, and its own event behind them is next. */
static void a_cdc_run_is_one_entry_read_event_by_event_and_skipped_by_other_readers(void **state)
{
    (void)state;
    mdl_channel *ch = make(0, 0, 0);
    notes tc = {0}, tf = {0};
    int rc_ = attach(ch, MDL_CHANNEL_NO_FLOW, 1, &tc);
    int rf = attach(ch, 0, 0, &tf);
    assert_int_equal(mdl_channel_publish_cdc(ch, 1000, SIM_SEC), SIM_OK);
    assert_int_equal(mdl_channel_publish(ch, 0, 9, 2 * SIM_SEC, 2 * SIM_SEC, NULL), SIM_OK);
    assert_int_equal(tc.n[MDL_NOTE_PUBLISHED][0], 1000);
    assert_int_equal(tf.n[MDL_NOTE_PUBLISHED][0], 1);
    assert_int_equal(mdl_channel_retained(ch), 1001);
    assert_int_equal(mdl_channel_backlog(ch, rc_), 1000);
    assert_int_equal(mdl_channel_backlog_own(ch, rc_), 0);
    mdl_event ev;
    assert_int_equal(mdl_channel_deliver(ch, rf, 3 * SIM_SEC, &ev, NULL, NULL), MDL_READ_DELIVERED);
    assert_int_equal(ev.seq, 1000);
    assert_int_equal(ev.key, 9);
    for (uint64_t i = 0; i < 1000; i++) {
        assert_int_equal(mdl_channel_deliver(ch, rc_, 3 * SIM_SEC, &ev, NULL, NULL),
                         MDL_READ_DELIVERED);
        assert_int_equal(ev.seq, i);
        assert_int_equal(ev.flow, MDL_CHANNEL_CDC);
    }
    assert_int_equal(mdl_channel_deliver(ch, rc_, 3 * SIM_SEC, &ev, NULL, NULL), MDL_READ_EMPTY);
    mdl_channel_stats st;
    mdl_channel_stats_get(ch, &st);
    assert_int_equal(st.deliveries, 1001);
    mdl_channel_destroy(ch);
}

/* seek_tip tells every unread matching event SKIPPED, split at the high
 * water; seek_oldest replays what was read. */
static void seeking_to_the_tip_skips_and_to_the_oldest_replays(void **state)
{
    (void)state;
    mdl_channel *ch = make(0, 0, 0);
    notes t = {0};
    int r = attach(ch, 0, 0, &t);
    for (int i = 0; i < 10; i++)
        mdl_channel_publish(ch, 0, 0, i, i, NULL);
    mdl_event ev;
    for (int i = 0; i < 4; i++)
        assert_int_equal(mdl_channel_deliver(ch, r, 10, &ev, NULL, NULL), MDL_READ_DELIVERED);
    /* Back to the oldest: 4 replays available below the high water 4. */
    mdl_channel_seek_oldest(ch, r, 10);
    assert_int_equal(mdl_channel_position(ch, r), 0);
    assert_int_equal(mdl_channel_high_water(ch, r), 4);
    int replay = 0;
    assert_int_equal(mdl_channel_deliver(ch, r, 10, &ev, &replay, NULL), MDL_READ_DELIVERED);
    assert_int_equal(replay, 1);
    assert_int_equal(mdl_channel_backlog(ch, r), 6); /* 4..9 never read */
    /* Now at 1 with high water 4: the tip skips 3 replays and 6 fresh. */
    mdl_channel_seek_tip(ch, r, 10);
    assert_int_equal(t.n[MDL_NOTE_SKIPPED][1], 3);
    assert_int_equal(t.n[MDL_NOTE_SKIPPED][0], 6);
    assert_int_equal(mdl_channel_backlog(ch, r), 0);
    assert_int_equal(mdl_channel_position(ch, r), 10);
    /* A rewind makes the read events replays again. */
    mdl_channel_rewind(ch, r, 7);
    assert_int_equal(mdl_channel_deliver(ch, r, 10, &ev, &replay, NULL), MDL_READ_DELIVERED);
    assert_int_equal(ev.seq, 7);
    assert_int_equal(replay, 1);
    mdl_channel_destroy(ch);
}

/* keep_until_consumed (a RabbitMQ queue): what every reader committed past
 * leaves the log without a note; the rest stays. */
static void a_queue_drops_what_every_reader_committed(void **state)
{
    (void)state;
    mdl_channel_cfg cfg;
    mdl_channel_cfg_init(&cfg);
    cfg.retention = MDL_CHANNEL_FOREVER;
    cfg.keep_until_consumed = 1;
    mdl_channel *ch = mdl_channel_create(&cfg, NULL, NULL);
    assert_non_null(ch);
    notes t = {0};
    int r = attach(ch, 0, 0, &t);
    for (int i = 0; i < 6; i++)
        mdl_channel_publish(ch, 0, 0, i, i, NULL);
    mdl_event ev;
    for (int i = 0; i < 4; i++)
        mdl_channel_deliver(ch, r, 10, &ev, NULL, NULL);
    assert_int_equal(mdl_channel_retained(ch), 6); /* read, not acknowledged */
    mdl_channel_commit(ch, r, 3, 10);
    assert_int_equal(mdl_channel_retained(ch), 3);
    assert_int_equal(mdl_channel_oldest(ch), 3);
    assert_int_equal(t.n[MDL_NOTE_EXPIRED][0] + t.n[MDL_NOTE_EXPIRED][1], 0);
    /* A year later nothing else left: no time limit. */
    mdl_channel_expire(ch, 365 * SIM_DAY);
    assert_int_equal(mdl_channel_retained(ch), 3);
    mdl_channel_destroy(ch);
}

/* Memory is bounded by what is retained: 100,000 events, one a second,
 * retention 100 s: the log never holds more than 101 (an event exactly
 * 100 s old is still there). */
static void the_log_holds_only_what_retention_keeps(void **state)
{
    (void)state;
    mdl_channel *ch = make(100 * SIM_SEC, 0, 0);
    for (sim_time t = 0; t < 100000; t++)
        assert_int_equal(mdl_channel_publish(ch, 0, 0, t * SIM_SEC, t * SIM_SEC, NULL), SIM_OK);
    mdl_channel_stats st;
    mdl_channel_stats_get(ch, &st);
    assert_int_equal(st.retained_peak, 101);
    assert_int_equal(mdl_channel_retained(ch), 101);
    assert_int_equal(mdl_channel_oldest(ch), 100000 - 101);
    mdl_channel_destroy(ch);
}

/* The log gives its memory back after a peak: a burst of 100,000 events at
 * one instant, then one a second for 200 s with a retention of 100 s. At
 * the peak the log holds at least the 100,000 entries of 16 bytes; once
 * the burst has expired it holds the 101 retained events: at most two
 * pages of 256 entries (4 KB each), a spare page, and the directory that
 * grew to 512 slots of 24 bytes (12 KB) during the burst; 24 KB against a
 * 1.6 MB peak. */
static void the_log_gives_memory_back_after_a_peak(void **state)
{
    (void)state;
    mdl_channel *ch = make(100 * SIM_SEC, 0, 0);
    assert_int_equal(mdl_channel_log_bytes(ch), 0);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(mdl_channel_publish(ch, 0, (uint64_t)i, 0, 0, NULL), SIM_OK);
    size_t peak = mdl_channel_log_bytes(ch);
    assert_true(peak >= 100000 * 16);
    for (sim_time t = 1; t <= 200; t++)
        assert_int_equal(mdl_channel_publish(ch, 0, 0, t * SIM_SEC, t * SIM_SEC, NULL), SIM_OK);
    assert_int_equal(mdl_channel_retained(ch), 101);
    size_t after = mdl_channel_log_bytes(ch);
    assert_true(after <= 3 * 256 * 16 + 512 * 24);
    assert_true(after < peak / 50);
    mdl_channel_destroy(ch);
}

/* A publish whose page cannot be allocated fails (SIM_ENOMEM) and leaves
 * the log as it was; the next one succeeds. */
static void a_publish_without_memory_for_its_page_changes_nothing(void **state)
{
    (void)state;
    mdl_channel *ch = make(100 * SIM_SEC, 0, 0);
    for (int i = 0; i < 256; i++) /* fills the first page exactly */
        assert_int_equal(mdl_channel_publish(ch, 0, 0, 0, 0, NULL), SIM_OK);
    sim_alloc_fail_after(1);
    int rc = mdl_channel_publish(ch, 0, 0, 0, 0, NULL);
    sim_alloc_fail_reset();
    assert_int_equal(rc, SIM_ENOMEM);
    assert_int_equal(mdl_channel_retained(ch), 256);
    uint64_t seq = 0;
    assert_int_equal(mdl_channel_publish(ch, 0, 0, 0, 0, &seq), SIM_OK);
    assert_int_equal(seq, 256);
    mdl_channel_destroy(ch);
}

static void read_one(mdl_channel *ch, int r, sim_time now, uint64_t seq, sim_time published,
                     sim_time created, uint64_t key, int flow)
{
    mdl_event ev;
    assert_int_equal(mdl_channel_deliver(ch, r, now, &ev, NULL, NULL), MDL_READ_DELIVERED);
    assert_int_equal(ev.seq, seq);
    assert_int_equal(ev.published, published);
    assert_int_equal(ev.created, created);
    assert_int_equal(ev.key, key);
    assert_int_equal(ev.flow, flow);
}

/* Events that do not fit a 16-byte entry read back exactly, wherever the
 * field that does not fit: a key of 2^40 (2^35 for an echo's hops), a
 * change created before it was published, a flow beyond 16 bits, a
 * publication 9 years (over 2^48 us) after its page's first, seqs 5e9
 * past the page's first (after a CDC run of 5e9 records, stored as runs
 * of 2^32 - 1 and 705,032,705). The 256 events after those fill the rest
 * of the first page (247, also beyond 2^32 seqs) and start the second
 * (9). Retention of 10 years purges them all at the end, and the ring of
 * whole copies is given back: what is left is the page that held the tail
 * and the spare (4 KB each) and the directory of 4 slots of 24 bytes. */
static void events_that_do_not_fit_a_compact_entry_read_back_exactly(void **state)
{
    (void)state;
    const sim_time year = 365 * SIM_DAY, t9 = 9 * year;
    mdl_channel *ch = make(10 * year, 0, 0);
    notes ta = {0}, tb = {0}, tc = {0};
    int a = attach(ch, 0, 0, &ta), b = attach(ch, 40000, 0, &tb);
    int c = attach(ch, MDL_CHANNEL_NO_FLOW, 1, &tc);
    assert_int_equal(mdl_channel_publish(ch, 0, 7, 0, 0, NULL), SIM_OK);
    assert_int_equal(mdl_channel_publish(ch, 0, UINT64_C(1) << 40, 0, SIM_SEC, NULL), SIM_OK);
    assert_int_equal(mdl_channel_publish(ch, 0, 8, 0, 2 * SIM_SEC, NULL), SIM_OK);
    assert_int_equal(mdl_channel_publish(ch, 40000, 9, 3 * SIM_SEC, 3 * SIM_SEC, NULL), SIM_OK);
    assert_int_equal(mdl_channel_publish_echo(ch, UINT64_C(1) << 35, 4 * SIM_SEC), SIM_OK);
    assert_int_equal(mdl_channel_publish(ch, 0, 10, t9, t9, NULL), SIM_OK);
    assert_int_equal(mdl_channel_publish_cdc(ch, 5000000000u, t9), SIM_OK);
    assert_int_equal(mdl_channel_publish(ch, 0, 11, t9, t9, NULL), SIM_OK);
    for (int i = 0; i < 256; i++) {
        sim_time t = t9 + (i + 1) * SIM_SEC;
        assert_int_equal(mdl_channel_publish(ch, 0, 100 + (uint64_t)i, t, t, NULL), SIM_OK);
    }
    /* seqs: 0-5 one each, 6 .. 5,000,000,005 the CDC run, then 11's event
     * and the 256 */
    assert_int_equal(mdl_channel_tip(ch), 5000000007u + 256);
    assert_int_equal(mdl_channel_retained(ch), 5000000007u + 256);
    sim_time now = t9 + 300 * SIM_SEC;
    read_one(ch, a, now, 0, 0, 0, 7, 0);
    read_one(ch, a, now, 1, SIM_SEC, 0, UINT64_C(1) << 40, 0);
    read_one(ch, a, now, 2, 2 * SIM_SEC, 0, 8, 0);
    read_one(ch, a, now, 5, t9, t9, 10, 0);
    read_one(ch, a, now, 5000000006u, t9, t9, 11, 0);
    for (int i = 0; i < 256; i++) {
        sim_time t = t9 + (i + 1) * SIM_SEC;
        read_one(ch, a, now, 5000000007u + (uint64_t)i, t, t, 100 + (uint64_t)i, 0);
    }
    mdl_event ev;
    assert_int_equal(mdl_channel_deliver(ch, a, now, &ev, NULL, NULL), MDL_READ_EMPTY);
    read_one(ch, b, now, 3, 3 * SIM_SEC, 3 * SIM_SEC, 9, 40000);
    read_one(ch, c, now, 4, 4 * SIM_SEC, 4 * SIM_SEC, UINT64_C(1) << 35, MDL_CHANNEL_ECHO);
    /* c's next is the CDC run at seq 6, published t9 */
    assert_int_equal(mdl_channel_oldest_unread(ch, c), t9);
    mdl_channel_seek_tip(ch, c, now);
    assert_int_equal(tc.n[MDL_NOTE_SKIPPED][0], 5000000000u);
    mdl_channel_expire(ch, t9 + 257 * SIM_SEC + 10 * year);
    assert_int_equal(mdl_channel_retained(ch), 0);
    assert_int_equal(mdl_channel_oldest(ch), mdl_channel_tip(ch));
    assert_true(mdl_channel_log_bytes(ch) <= 2 * 256 * 16 + 4 * 24);
    mdl_channel_destroy(ch);
}

/* Reading across pages: 1,536 events, one a second from 0 with key i + 1,
 * fill six pages of 256 (the directory of four slots doubles once). At
 * 1,535 s a retention of 1,000 s has purged those published before 535 s:
 * the oldest retained seq is 535, the reader left at 0 is out of range,
 * and from the oldest it reads 535 .. 1,535 back exactly (the old pages
 * through the directory, the newest one as well). Once all has expired
 * the log is empty at a page boundary (every page freed): the oldest is
 * the tip, 1,536, and three events published at 3,000 s start a new page
 * and read back exactly. Expected values by construction. */
static void a_reader_reads_back_exactly_across_pages_and_after_the_log_empties(void **state)
{
    (void)state;
    mdl_channel *ch = make(1000 * SIM_SEC, 0, 0);
    notes t = {0};
    int a = attach(ch, 0, 0, &t);
    for (int i = 0; i < 1536; i++)
        assert_int_equal(
            mdl_channel_publish(ch, 0, (uint64_t)i + 1, i * SIM_SEC, i * SIM_SEC, NULL), SIM_OK);
    sim_time now = 1535 * SIM_SEC;
    mdl_event ev;
    assert_int_equal(mdl_channel_deliver(ch, a, now, &ev, NULL, NULL), MDL_READ_OUT_OF_RANGE);
    assert_int_equal(mdl_channel_oldest(ch), 535);
    mdl_channel_seek_oldest(ch, a, now);
    for (uint64_t i = 535; i < 1536; i++)
        read_one(ch, a, now, i, (sim_time)i * SIM_SEC, (sim_time)i * SIM_SEC, i + 1, 0);
    assert_int_equal(mdl_channel_deliver(ch, a, now, &ev, NULL, NULL), MDL_READ_EMPTY);
    mdl_channel_expire(ch, 2536 * SIM_SEC);
    assert_int_equal(mdl_channel_retained(ch), 0);
    assert_int_equal(mdl_channel_oldest(ch), 1536);
    for (int i = 0; i < 3; i++)
        assert_int_equal(
            mdl_channel_publish(ch, 0, 9000 + (uint64_t)i, 3000 * SIM_SEC, 3000 * SIM_SEC, NULL),
            SIM_OK);
    assert_int_equal(mdl_channel_oldest(ch), 1536);
    for (uint64_t i = 0; i < 3; i++)
        read_one(ch, a, 3000 * SIM_SEC, 1536 + i, 3000 * SIM_SEC, 3000 * SIM_SEC, 9000 + i, 0);
    mdl_channel_destroy(ch);
}

/* A publish whose whole copy cannot be allocated (the ring of wide
 * entries) fails (SIM_ENOMEM) and leaves the log as it was. */
static void a_publish_without_memory_for_its_wide_copy_changes_nothing(void **state)
{
    (void)state;
    mdl_channel *ch = make(100 * SIM_SEC, 0, 0);
    assert_int_equal(mdl_channel_publish(ch, 0, 1, 0, 0, NULL), SIM_OK); /* the page */
    sim_alloc_fail_after(1);
    int rc = mdl_channel_publish(ch, 0, UINT64_C(1) << 40, 0, 0, NULL);
    sim_alloc_fail_reset();
    assert_int_equal(rc, SIM_ENOMEM);
    assert_int_equal(mdl_channel_retained(ch), 1);
    uint64_t seq = 0;
    assert_int_equal(mdl_channel_publish(ch, 0, UINT64_C(1) << 40, 0, 0, &seq), SIM_OK);
    assert_int_equal(seq, 1);
    mdl_channel_destroy(ch);
}

static double metric(const sim_result *r, const char *name)
{
    long i = sim_result_find(r, name);
    if (i < 0)
        fail_msg("metric %s is missing", name);
    return sim_result_value(r, (size_t)i);
}

/* Metrics, and the charts sampled on the calendar. exhausted_at is
 * censored at the end of the run when the allocation never ran out. */
static void metrics_name_the_channel_and_censor_exhaustion_at_the_end(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    mdl_channel_cfg cfg;
    mdl_channel_cfg_init(&cfg);
    cfg.id = "salesforce";
    cfg.delivery_allocation = 100;
    cfg.series_interval = SIM_HOUR;
    cfg.series_bins = 24;
    mdl_channel *ch = mdl_channel_create(&cfg, q, NULL);
    assert_non_null(ch);
    notes t = {0};
    int r = attach(ch, 0, 0, &t);
    for (int i = 0; i < 3; i++)
        mdl_channel_publish(ch, 0, 0, 0, 0, NULL);
    mdl_event ev;
    mdl_channel_deliver(ch, r, 0, &ev, NULL, NULL);
    assert_int_equal(sim_queue_run(q, SIM_DAY), SIM_OK);
    sim_result *res = sim_result_create(NULL);
    assert_non_null(res);
    assert_int_equal(mdl_channel_publish_metrics(ch, SIM_DAY, res, NULL), SIM_OK);
    assert_true(metric(res, "channel.salesforce.published") == 3.0);
    assert_true(metric(res, "channel.salesforce.deliveries") == 1.0);
    assert_true(metric(res, "channel.salesforce.allocation_limit") == 100.0);
    assert_true(metric(res, "channel.salesforce.allocation_used_peak") == 1.0);
    assert_true(metric(res, "channel.salesforce.allocation_exhausted") == 0.0);
    assert_true(metric(res, "channel.salesforce.allocation_exhausted_at") == 86400.0);
    assert_true(metric(res, "channel.salesforce.retention_s") == 72.0 * 3600.0);
    /* Two events unread since time 0: sampled at 23 h, the oldest is 23 h. */
    assert_true(metric(res, "channel.salesforce.oldest_unread_age_peak_s") == 23.0 * 3600.0);
    long i = sim_result_find(res, "channel.salesforce.backlog_series");
    assert_true(i >= 0);
    assert_true(sim_series_value(sim_result_series_at(res, (size_t)i), 5) == 2.0);
    assert_true(sim_result_find(res, "channel.salesforce.allocation_used_series") >= 0);
    sim_result_destroy(res);
    mdl_channel_destroy(ch);
    sim_queue_destroy(q);
}

static void bad_configurations_are_refused(void **state)
{
    (void)state;
    mdl_channel_cfg cfg;
    mdl_channel_cfg_init(&cfg);
    cfg.delivery_allocation = -1;
    sim_err err;
    assert_null(mdl_channel_create(&cfg, NULL, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_channel_cfg_init(&cfg);
    cfg.series_bins = 10; /* no interval, no calendar */
    assert_null(mdl_channel_create(&cfg, NULL, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_channel_cfg_init(&cfg);
    mdl_channel *ch = mdl_channel_create(&cfg, NULL, NULL);
    mdl_channel_reader_cfg rc = {.flow = -5};
    assert_true(mdl_channel_attach(ch, &rc, &err) < 0);
    mdl_channel_destroy(ch);
}

/* Every allocation in create can fail; each failure is reported and leaks
 * nothing (the ASan build checks). */
static void allocation_failures_in_create_are_reported(void **state)
{
    (void)state;
    mdl_channel_cfg cfg;
    mdl_channel_cfg_init(&cfg);
    cfg.delivery_allocation = 10;
    cfg.publish_allocation = 10;
    for (long n = 1; n < 20; n++) {
        sim_alloc_fail_after(n);
        sim_err err;
        mdl_channel *ch = mdl_channel_create(&cfg, NULL, &err);
        sim_alloc_fail_reset();
        if (ch) {
            mdl_channel_destroy(ch);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
    }
}

/* ---- the aggregate path ----------------------------------------------------- */

/* What a pass reads at t0. One reader of flow 0 with CDC: flow 0 key 7 at
 * 1 s (seq 0), a CDC run of 3 at 2 s (seqs 1-3), flow 1 at 3 s (seq 4, not
 * its), flow 0 key 8 at 4 s (seq 5): 5 unread, in seq order, the run
 * counted event by event; after one read, 4 from seq 1. */
static void the_unread_events_are_listed_oldest_first(void **state)
{
    (void)state;
    mdl_channel *ch = make(MDL_CHANNEL_FOREVER, 0, 0);
    notes t = {0};
    int r = attach(ch, 0, 1, &t);
    mdl_channel_publish(ch, 0, 7, SIM_SEC, SIM_SEC, NULL);
    mdl_channel_publish_cdc(ch, 3, 2 * SIM_SEC);
    mdl_channel_publish(ch, 1, 9, 3 * SIM_SEC, 3 * SIM_SEC, NULL);
    mdl_channel_publish(ch, 0, 8, 4 * SIM_SEC, 4 * SIM_SEC, NULL);
    mdl_event ev[5];
    assert_int_equal(mdl_channel_unread(ch, r, ev, 2), 5); /* only 2 written */
    assert_int_equal(mdl_channel_unread(ch, r, ev, 5), 5);
    const uint64_t seq[5] = {0, 1, 2, 3, 5}, key[5] = {7, 0, 0, 0, 8};
    for (int i = 0; i < 5; i++)
        assert_true(ev[i].seq == seq[i] && ev[i].key == key[i]);
    assert_true(ev[1].flow == MDL_CHANNEL_CDC && ev[4].published == 4 * SIM_SEC);
    mdl_event one;
    assert_int_equal(mdl_channel_deliver(ch, r, 5 * SIM_SEC, &one, NULL, NULL), MDL_READ_DELIVERED);
    assert_int_equal(mdl_channel_unread(ch, r, ev, 5), 4);
    assert_true(ev[0].seq == 1);
    mdl_channel_destroy(ch);
}

/* The state conditions: a fresh channel may be carried; not one whose
 * readers take turns (a delivery allocation of 1, refused at the second
 * read), nor a queue kept until consumed, nor one with a reader replaying
 * (rewound below its high water) or out of range (its unread event purged
 * by retention), nor one a pass already carries. */
static void a_pass_is_refused_where_the_channel_could_bind_or_replay(void **state)
{
    (void)state;
    notes t = {0};
    mdl_event ev;
    mdl_channel *ch = make(MDL_CHANNEL_FOREVER, 1, 0);
    int r = attach(ch, 0, 0, &t);
    assert_true(mdl_channel_pass_ready(ch));
    mdl_channel_publish(ch, 0, 1, 0, 0, NULL);
    mdl_channel_publish(ch, 0, 2, 0, 0, NULL);
    assert_int_equal(mdl_channel_deliver(ch, r, 0, &ev, NULL, NULL), MDL_READ_DELIVERED);
    assert_true(mdl_channel_pass_ready(ch));
    assert_int_equal(mdl_channel_deliver(ch, r, 0, &ev, NULL, NULL), MDL_READ_ALLOCATION);
    assert_false(mdl_channel_pass_ready(ch));
    mdl_channel_destroy(ch);

    mdl_channel_cfg cfg;
    mdl_channel_cfg_init(&cfg);
    cfg.keep_until_consumed = 1;
    ch = mdl_channel_create(&cfg, NULL, NULL);
    assert_non_null(ch);
    assert_false(mdl_channel_pass_ready(ch));
    mdl_channel_destroy(ch);

    ch = make(10 * SIM_SEC, 0, 0);
    r = attach(ch, 0, 0, &t);
    mdl_channel_publish(ch, 0, 1, 0, 0, NULL);
    assert_int_equal(mdl_channel_deliver(ch, r, 0, &ev, NULL, NULL), MDL_READ_DELIVERED);
    mdl_channel_rewind(ch, r, 0);
    assert_false(mdl_channel_pass_ready(ch));
    mdl_channel_destroy(ch);

    ch = make(10 * SIM_SEC, 0, 0);
    r = attach(ch, 0, 0, &t);
    mdl_channel_publish(ch, 0, 1, 0, 0, NULL);
    mdl_channel_expire(ch, 11 * SIM_SEC);
    assert_true(mdl_channel_position(ch, r) < mdl_channel_oldest(ch));
    assert_false(mdl_channel_pass_ready(ch));
    mdl_channel_destroy(ch);

    ch = make(10 * SIM_SEC, 0, 0);
    mdl_channel_pass_begin(ch, 0, SIM_SEC);
    assert_false(mdl_channel_pass_ready(ch));
    mdl_channel_destroy(ch);
}

/* The commit replays as publish and deliver would, and nothing purges
 * before it. Retention 10 s; events at 0, 1 and 2 s, each read at once.
 * A pass over [5 s, 15 s) publishes at 6 s (key 4, seq 3) and 12 s (key 5,
 * seq 4), reads at 6 s and 13 s; meanwhile, at 11.5 s, a slot's end
 * commits the reader's position (which purges, per record). Per record:
 * at 6 s nothing has expired (6 - 10 < 0), so the log holds 3 + 1 = 4,
 * the peak; at 11.5 s the events at 0 and 1 s expire (older than 1.5 s);
 * at 13 s the one at 2 s: 3 expired, none unread, 2 retained, 5
 * deliveries; the reads tell READ with seqs 3 and 4. Had the purge at
 * 11.5 s run during the pass, the append at 6 s would have found 1 event
 * and the peak would stay 3. */
static void a_commit_replays_in_time_order_and_nothing_purges_before_it(void **state)
{
    (void)state;
    mdl_channel *ch = make(10 * SIM_SEC, 1000, 1000);
    notes t = {0};
    int r = attach(ch, 0, 0, &t);
    mdl_event ev;
    for (int i = 0; i < 3; i++) {
        mdl_channel_publish(ch, 0, (uint64_t)i + 1, i * SIM_SEC, i * SIM_SEC, NULL);
        assert_int_equal(mdl_channel_deliver(ch, r, i * SIM_SEC, &ev, NULL, NULL),
                         MDL_READ_DELIVERED);
    }
    mdl_channel_pass_begin(ch, 5 * SIM_SEC, 15 * SIM_SEC);
    mdl_channel_commit(ch, r, 3, 11 * SIM_SEC + SIM_SEC / 2);
    assert_int_equal(mdl_channel_retained(ch), 3);
    sim_time pub_at[2] = {6 * SIM_SEC, 12 * SIM_SEC}, read_at[2] = {6 * SIM_SEC, 13 * SIM_SEC};
    int flow[2] = {0, 0}, reader[2] = {r, r};
    uint64_t key[2] = {4, 5}, seq[2];
    mdl_event read[2];
    mdl_channel_bulk b = {.npub = 2,
                          .pub_at = pub_at,
                          .pub_flow = flow,
                          .pub_key = key,
                          .pub_seq = seq,
                          .nread = 2,
                          .read_at = read_at,
                          .read_reader = reader,
                          .read_ev = read};
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_OK);
    assert_true(seq[0] == 3 && seq[1] == 4);
    assert_true(read[0].seq == 3 && read[0].key == 4 && read[0].published == 6 * SIM_SEC);
    assert_true(read[1].seq == 4 && read[1].key == 5 && read[1].created == 12 * SIM_SEC);
    assert_true(t.n[MDL_NOTE_READ][0] == 2 && t.n[MDL_NOTE_PUBLISHED][0] == 5);
    assert_true(t.n[MDL_NOTE_EXPIRED][0] + t.n[MDL_NOTE_EXPIRED][1] == 0);
    mdl_channel_stats st;
    mdl_channel_stats_get(ch, &st);
    assert_true(st.retained_peak == 4 && st.expired == 3 && st.deliveries == 5);
    assert_true(mdl_channel_retained(ch) == 2 && mdl_channel_backlog(ch, r) == 0);
    assert_true(mdl_channel_allocation_used(ch, 13 * SIM_SEC) == 5);
    assert_true(mdl_channel_pass_ready(ch)); /* the pass is over */
    mdl_channel_destroy(ch);
}

/* A redelivered copy takes a delivery without reading (mdl_channel_charge):
 * in a commit its charge counts like one. By hand: one publish at 6 s read
 * at 7 s, its copy charged at 9 s: 2 deliveries in the 24 h window, the
 * reader's position 1 past the one read, nothing left unread; a charge of
 * an unknown reader or out of order is refused first. */
static void a_commit_counts_the_charges_of_copies(void **state)
{
    (void)state;
    mdl_channel *ch = make(MDL_CHANNEL_FOREVER, 1000, 1000);
    notes t = {0};
    int r = attach(ch, 0, 0, &t);
    mdl_channel_pass_begin(ch, 5 * SIM_SEC, 15 * SIM_SEC);
    sim_time pub_at[1] = {6 * SIM_SEC}, read_at[1] = {7 * SIM_SEC},
             charge_at[2] = {9 * SIM_SEC, 8 * SIM_SEC};
    int flow[1] = {0}, reader[1] = {r}, charger[2] = {r, 3};
    uint64_t key[1] = {4};
    mdl_event read[1];
    mdl_channel_bulk b = {.npub = 1,
                          .pub_at = pub_at,
                          .pub_flow = flow,
                          .pub_key = key,
                          .nread = 1,
                          .read_at = read_at,
                          .read_reader = reader,
                          .read_ev = read,
                          .ncharge = 2,
                          .charge_at = charge_at,
                          .charge_reader = charger};
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_EINVAL); /* reader 3, out of order */
    b.ncharge = 1;
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_OK);
    mdl_channel_stats st;
    mdl_channel_stats_get(ch, &st);
    assert_true(st.deliveries == 2);
    assert_true(mdl_channel_allocation_used(ch, 10 * SIM_SEC) == 2);
    assert_true(mdl_channel_backlog(ch, r) == 0 && t.n[MDL_NOTE_READ][0] == 1);
    mdl_channel_destroy(ch);
}

/* Lists the channel cannot replay are refused (SIM_EINVAL) and change
 * nothing: no pass on; publishes out of order, outside [t0, t1) or of a
 * negative flow; a bad reader; a read with nothing to read (the backlog
 * of 1 is read at 12 s, and the second read at 14 s comes before the
 * publish at 15 s it would need). The right lists then commit. */
static void a_commit_refuses_lists_it_cannot_replay(void **state)
{
    (void)state;
    mdl_channel *ch = make(MDL_CHANNEL_FOREVER, 0, 0);
    notes t = {0};
    int r = attach(ch, 0, 0, &t);
    mdl_channel_publish(ch, 0, 1, 0, 0, NULL);
    sim_time at[2] = {15 * SIM_SEC, 16 * SIM_SEC}, read_at[2] = {12 * SIM_SEC, 14 * SIM_SEC};
    int flow[2] = {0, 0}, reader[2] = {r, r};
    uint64_t key[2] = {2, 3};
    mdl_event read[2];
    mdl_channel_bulk b = {.npub = 2,
                          .pub_at = at,
                          .pub_flow = flow,
                          .pub_key = key,
                          .nread = 2,
                          .read_at = read_at,
                          .read_reader = reader,
                          .read_ev = read};
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_EINVAL); /* no pass */
    mdl_channel_pass_begin(ch, 10 * SIM_SEC, 20 * SIM_SEC);
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_EINVAL); /* the read at 14 s */
    read_at[1] = 16 * SIM_SEC;
    at[0] = 17 * SIM_SEC;
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_EINVAL); /* out of order */
    at[0] = 5 * SIM_SEC;
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_EINVAL); /* before t0 */
    at[0] = 15 * SIM_SEC;
    at[1] = 20 * SIM_SEC;
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_EINVAL); /* at t1 */
    at[1] = 16 * SIM_SEC;
    flow[1] = MDL_CHANNEL_CDC;
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_EINVAL);
    flow[1] = 0;
    reader[1] = 1;
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_EINVAL);
    reader[1] = r;
    assert_true(mdl_channel_tip(ch) == 1 && mdl_channel_backlog(ch, r) == 1);
    assert_true(t.n[MDL_NOTE_PUBLISHED][0] == 1 && t.n[MDL_NOTE_READ][0] == 0);
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_OK);
    assert_true(mdl_channel_tip(ch) == 3 && mdl_channel_backlog(ch, r) == 1);
    assert_true(read[0].seq == 0 && read[1].seq == 1);
    mdl_channel_destroy(ch);
}

/* A commit whose log cannot grow (its first publish needs a new page)
 * returns SIM_ENOMEM with the channel consistent: nothing appended, the
 * pass over; the per-record path then publishes on. */
static void a_commit_without_memory_for_its_log_stops_consistent(void **state)
{
    (void)state;
    mdl_channel *ch = make(MDL_CHANNEL_FOREVER, 0, 0);
    for (int i = 0; i < 256; i++) /* fills the first page exactly */
        assert_int_equal(mdl_channel_publish(ch, 0, 0, 0, 0, NULL), SIM_OK);
    mdl_channel_pass_begin(ch, SIM_SEC, 2 * SIM_SEC);
    sim_time at[1] = {SIM_SEC};
    int flow[1] = {0};
    uint64_t key[1] = {1};
    mdl_channel_bulk b = {.npub = 1, .pub_at = at, .pub_flow = flow, .pub_key = key};
    sim_alloc_fail_after(1);
    int rc = mdl_channel_pass_commit(ch, &b);
    sim_alloc_fail_reset();
    assert_int_equal(rc, SIM_ENOMEM);
    assert_int_equal(mdl_channel_retained(ch), 256);
    assert_true(mdl_channel_pass_ready(ch));
    uint64_t seq = 0;
    assert_int_equal(mdl_channel_publish(ch, 0, 0, 2 * SIM_SEC, 2 * SIM_SEC, &seq), SIM_OK);
    assert_int_equal(seq, 256);
    mdl_channel_destroy(ch);
}

static sim_time max_time(sim_time a, sim_time b)
{
    return a > b ? a : b;
}

/* A small deterministic generator for the randomized comparisons below. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* At one microsecond the commit takes a held sample point first, then a
 * charge, a publish, a read (the calendar's order there, see the header).
 * Charts every 10 s on a channel with a delivery allocation; a pass over
 * [5 s, 25 s] holds the sample points at 10 and 20 s. Its lists: publishes
 * at 10 and 20 s, reads at 15 and 20 s, a charge at 20 s. By hand, the
 * backlog is sampled 0 at 10 s and at 20 s (before the publishes there),
 * so backlog_series bins 1 and 2 are 0 (1 had a publish come first); the
 * allocation used is 0 from the 10 s sample, 1 from the read at 15 s, then
 * at 20 s the sample sets 1, the charge 2 and the read 3: bin 1's mean is
 * (0 x 5 s + 1 x 5 s) / 10 s = 0.5 and bin 2's 3. (A charge before the
 * sample would not show: both set levels at one instant.) Fails when a
 * publish at a sample point's time comes first. */
static void a_commit_takes_a_sample_then_a_charge_a_publish_and_a_read_at_one_time(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    mdl_channel_cfg cfg;
    mdl_channel_cfg_init(&cfg);
    cfg.id = "sf";
    cfg.delivery_allocation = 100;
    cfg.series_interval = 10 * SIM_SEC;
    cfg.series_bins = 6;
    mdl_channel *ch = mdl_channel_create(&cfg, q, NULL);
    assert_non_null(ch);
    notes t = {0};
    int r = attach(ch, 0, 0, &t);
    mdl_channel_pass_begin(ch, 5 * SIM_SEC, 25 * SIM_SEC);
    assert_int_equal(sim_queue_run(q, 25 * SIM_SEC), SIM_OK);
    sim_time pub_at[2] = {10 * SIM_SEC, 20 * SIM_SEC}, read_at[2] = {15 * SIM_SEC, 20 * SIM_SEC},
             charge_at[1] = {20 * SIM_SEC};
    int flow[2] = {0, 0}, reader[2] = {r, r}, charger[1] = {r};
    uint64_t key[2] = {1, 2};
    mdl_event read[2];
    mdl_channel_bulk b = {.npub = 2,
                          .pub_at = pub_at,
                          .pub_flow = flow,
                          .pub_key = key,
                          .nread = 2,
                          .read_at = read_at,
                          .read_reader = reader,
                          .read_ev = read,
                          .ncharge = 1,
                          .charge_at = charge_at,
                          .charge_reader = charger};
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_OK);
    assert_int_equal(sim_queue_run(q, 60 * SIM_SEC), SIM_OK);
    sim_result *res = sim_result_create(NULL);
    assert_non_null(res);
    assert_int_equal(mdl_channel_publish_metrics(ch, 60 * SIM_SEC, res, NULL), SIM_OK);
    long i = sim_result_find(res, "channel.sf.backlog_series");
    assert_true(i >= 0);
    const sim_series *sb = sim_result_series_at(res, (size_t)i);
    assert_true(sim_series_value(sb, 1) == 0.0 && sim_series_value(sb, 2) == 0.0);
    i = sim_result_find(res, "channel.sf.allocation_used_series");
    assert_true(i >= 0);
    const sim_series *sa = sim_result_series_at(res, (size_t)i);
    assert_true(sim_series_value(sa, 1) == 0.5);
    assert_true(sim_series_value(sa, 2) == 3.0);
    assert_true(read[0].seq == 0 && read[1].seq == 1);
    assert_true(metric(res, "channel.sf.deliveries") == 3.0);
    sim_result_destroy(res);
    mdl_channel_destroy(ch);
    sim_queue_destroy(q);
}

/* What the lists' check must answer, worked out per reader in the test:
 * reader i's k-th read (k = 0, 1, ...) finds an event iff its backlog
 * plus the publishes of its flow at or before the read exceed k. */
static int reads_all_find(const uint64_t *backlog, const int *rflow, int nr, const sim_time *pub_at,
                          const int *pub_flow, size_t np, const sim_time *read_at,
                          const int *read_reader, size_t nrd)
{
    for (int i = 0; i < nr; i++) {
        uint64_t k = 0;
        for (size_t j = 0; j < nrd; j++) {
            if (read_reader[j] != i)
                continue;
            uint64_t have = backlog[i];
            for (size_t p = 0; p < np; p++)
                have += pub_at[p] <= read_at[j] && pub_flow[p] == rflow[i];
            if (have <= k++)
                return 0;
        }
    }
    return 1;
}

/* The commit's check that every read finds an event sweeps the lists once
 * for all readers (up to 64; per reader beyond). Random lists on 5 and 70
 * readers (flows 0-3, some reading only CDC, some with a backlog of 0-2)
 * get the answer the per-reader count gives, both ways (about half the
 * lists are refused); a refused commit changes nothing and a later right
 * one commits. */
static void the_commit_check_of_reads_agrees_with_a_count_per_reader(void **state)
{
    (void)state;
    uint64_t seed = 88172645463325252u;
    int refused = 0, accepted = 0;
    for (int trial = 0; trial < 400; trial++) {
        int nr = trial % 2 ? 5 : 70;
        mdl_channel *ch = make(MDL_CHANNEL_FOREVER, 0, 0);
        int rflow[70];
        uint64_t backlog[70];
        notes sink = {0};
        for (int i = 0; i < nr; i++) {
            rflow[i] = rnd(&seed) % 5 == 0 ? MDL_CHANNEL_NO_FLOW : (int)(rnd(&seed) % 4);
            attach(ch, rflow[i], (int)(rnd(&seed) % 2), &sink);
        }
        for (int f = 0; f < 4; f++) /* 0-2 events of each flow before the pass */
            for (uint64_t n = rnd(&seed) % 3; n > 0; n--)
                mdl_channel_publish(ch, f, 0, 0, 0, NULL);
        for (int i = 0; i < nr; i++)
            backlog[i] = mdl_channel_backlog(ch, i);
        enum { NP = 12, NRD = 12 };
        sim_time pub_at[NP], read_at[NRD];
        int pub_flow[NP], read_reader[NRD];
        uint64_t key[NP] = {0};
        mdl_event read[NRD];
        size_t np = rnd(&seed) % (NP + 1), nrd = rnd(&seed) % (NRD + 1);
        for (size_t p = 0; p < np; p++) {
            pub_at[p] = (sim_time)(SIM_SEC + rnd(&seed) % 20 * SIM_SEC);
            pub_flow[p] = (int)(rnd(&seed) % 4);
        }
        for (size_t j = 0; j < nrd; j++) {
            read_at[j] = (sim_time)(SIM_SEC + rnd(&seed) % 20 * SIM_SEC);
            read_reader[j] = (int)(rnd(&seed) % 6 == 0 ? 0 : rnd(&seed) % (uint64_t)nr);
        }
        /* sort both lists by time (insertion sort, ties keep their order) */
        for (size_t p = 1; p < np; p++)
            for (size_t q = p; q > 0 && pub_at[q] < pub_at[q - 1]; q--) {
                sim_time t = pub_at[q];
                pub_at[q] = pub_at[q - 1];
                pub_at[q - 1] = t;
                int f = pub_flow[q];
                pub_flow[q] = pub_flow[q - 1];
                pub_flow[q - 1] = f;
            }
        for (size_t j = 1; j < nrd; j++)
            for (size_t q = j; q > 0 && read_at[q] < read_at[q - 1]; q--) {
                sim_time t = read_at[q];
                read_at[q] = read_at[q - 1];
                read_at[q - 1] = t;
                int r = read_reader[q];
                read_reader[q] = read_reader[q - 1];
                read_reader[q - 1] = r;
            }
        int want =
            reads_all_find(backlog, rflow, nr, pub_at, pub_flow, np, read_at, read_reader, nrd);
        mdl_channel_bulk b = {.npub = np,
                              .pub_at = pub_at,
                              .pub_flow = pub_flow,
                              .pub_key = key,
                              .nread = nrd,
                              .read_at = read_at,
                              .read_reader = read_reader,
                              .read_ev = read};
        uint64_t tip = mdl_channel_tip(ch);
        mdl_channel_pass_begin(ch, SIM_SEC, 30 * SIM_SEC);
        int rc = mdl_channel_pass_commit(ch, &b);
        assert_int_equal(rc, want ? SIM_OK : SIM_EINVAL);
        if (want) {
            accepted++;
            assert_int_equal(mdl_channel_tip(ch), tip + np);
        } else {
            refused++;
            assert_int_equal(mdl_channel_tip(ch), tip); /* nothing done, the pass still on */
            b.nread = 0;
            assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_OK);
        }
        mdl_channel_destroy(ch);
    }
    assert_true(refused > 50 && accepted > 50);
}

/* A commit gives what the per-record calls give. Two channels (retention
 * 50 s, both allocations) with four readers (two of flow 0, one of flow 1,
 * one of CDC only) live 60 s of per-record publishes, CDC runs and reads;
 * then, over [60 s, 400 s), one gets ~600 random publishes (flows 0-2,
 * flow 2 read by nobody) and ~550 reads (each within 30 s of its publish, so
 * nothing unread expires; a publish and a read may share a microsecond,
 * the publish first) through mdl_channel_publish and mdl_channel_deliver,
 * the other the same lists through one commit. Crossing pages, purging
 * at every record's time and readers stepping over flow 2, both must end
 * with the same seqs, events read, positions, backlogs, notes, stats and
 * allocation counts; and by hand, the seqs follow on from the tip and
 * each reader's k-th read is the k-th publish of its flow. */
static void a_commit_equals_the_per_record_calls(void **state)
{
    (void)state;
    for (uint64_t seed = 7; seed < 12; seed++) {
        uint64_t sd = seed * 0x9E3779B97F4A7C15u;
        mdl_channel *ch[2];
        notes t[2][4];
        memset(t, 0, sizeof t);
        const int rflow[4] = {0, 0, 1, MDL_CHANNEL_NO_FLOW}, rcdc[4] = {0, 1, 0, 1};
        for (int c = 0; c < 2; c++) {
            ch[c] = make(50 * SIM_SEC, 1e6, 1e6);
            for (int i = 0; i < 4; i++)
                attach(ch[c], rflow[i], rcdc[i], &t[c][i]);
        }
        /* before the pass: the same per-record life on both, all read */
        for (sim_time now = 0; now < 60 * SIM_SEC; now += SIM_SEC) {
            for (int c = 0; c < 2; c++) {
                uint64_t s2 = sd;
                int f = (int)(rnd(&s2) % 4);
                if (f == 3)
                    mdl_channel_publish_cdc(ch[c], 1 + rnd(&s2) % 3, now);
                else
                    mdl_channel_publish(ch[c], f, rnd(&s2) % 100, now, now, NULL);
                mdl_event ev;
                for (int i = 0; i < 4; i++)
                    while (mdl_channel_deliver(ch[c], i, now, &ev, NULL, NULL) ==
                           MDL_READ_DELIVERED)
                        ;
            }
            rnd(&sd);
            rnd(&sd);
        }
        enum { N = 2000 };
        static sim_time pub_at[N], read_at[N];
        static int pub_flow[N], read_reader[N];
        static uint64_t key[N], seq[N], seq_ref[N];
        static mdl_event read[N], read_ref[N];
        /* the lists, drawn with each reader's unread publish times in a queue */
        sim_time unread[4][N];
        size_t qlo[4] = {0}, qhi[4] = {0}, np = 0, nrd = 0;
        sim_time now = 60 * SIM_SEC, last_read = -1;
        while (now < 395 * SIM_SEC && np < N && nrd < N) {
            now += (sim_time)(rnd(&sd) % 3) * SIM_SEC / 4;
            int i = (int)(rnd(&sd) % 4);
            int due = qlo[i] < qhi[i] && unread[i][qlo[i]] < now - 30 * SIM_SEC;
            if (!due && rnd(&sd) % 2 == 0) {
                if (now == last_read)
                    now++; /* a publish never after a read of its microsecond */
                int f = (int)(rnd(&sd) % 3);
                pub_at[np] = now;
                pub_flow[np] = f;
                key[np++] = rnd(&sd) % 1000;
                for (int r = 0; r < 4; r++)
                    if (rflow[r] == f)
                        unread[r][qhi[r]++] = now;
            } else if (qlo[i] < qhi[i]) {
                for (int r = 0; r < 4; r++) /* also any reader with an old event */
                    if (r != i && qlo[r] < qhi[r] && unread[r][qlo[r]] < now - 30 * SIM_SEC)
                        i = r;
                read_at[nrd] = now;
                read_reader[nrd++] = i;
                qlo[i]++;
                last_read = now;
            }
        }
        /* the reference: per record, a publish before a read at one time */
        for (size_t p = 0, j = 0; p < np || j < nrd;) {
            if (p < np && (j == nrd || pub_at[p] <= read_at[j])) {
                assert_int_equal(mdl_channel_publish(ch[0], pub_flow[p], key[p], pub_at[p],
                                                     pub_at[p], &seq_ref[p]),
                                 SIM_OK);
                p++;
            } else {
                assert_int_equal(mdl_channel_deliver(ch[0], read_reader[j], read_at[j],
                                                     &read_ref[j], NULL, NULL),
                                 MDL_READ_DELIVERED);
                j++;
            }
        }
        assert_true(mdl_channel_pass_ready(ch[1]));
        mdl_channel_pass_begin(ch[1], 60 * SIM_SEC, 400 * SIM_SEC);
        mdl_channel_bulk b = {.npub = np,
                              .pub_at = pub_at,
                              .pub_flow = pub_flow,
                              .pub_key = key,
                              .pub_seq = seq,
                              .nread = nrd,
                              .read_at = read_at,
                              .read_reader = read_reader,
                              .read_ev = read};
        assert_int_equal(mdl_channel_pass_commit(ch[1], &b), SIM_OK);
        assert_true(np > 500 && nrd > 400);
        /* by hand: consecutive seqs from the tip at 60 s; reader i's k-th
         * read is the k-th publish of its flow (it had read everything) */
        uint64_t tip0 = mdl_channel_tip(ch[0]) - np;
        size_t k[4] = {0};
        for (size_t p = 0; p < np; p++) {
            assert_int_equal(seq[p], tip0 + p);
            assert_int_equal(seq[p], seq_ref[p]);
        }
        for (size_t j = 0; j < nrd; j++) {
            int i = read_reader[j];
            while (pub_flow[k[i]] != rflow[i])
                k[i]++;
            size_t p = k[i]++;
            assert_true(read[j].seq == seq[p] && read[j].key == key[p] &&
                        read[j].published == pub_at[p] && read[j].flow == pub_flow[p]);
        }
        /* each reader ends at its first unread publish (or the tip), its
         * backlog the publishes of its flow left; everything published
         * before the last record's time minus 50 s expired (all of the
         * first 60 s, tip0 events) */
        sim_time last = max_time(pub_at[np - 1], read_at[nrd - 1]);
        uint64_t expired = tip0;
        for (size_t p = 0; p < np; p++)
            expired += pub_at[p] < last - 50 * SIM_SEC;
        for (int i = 0; i < 4; i++) {
            uint64_t pos = tip0 + np, left = 0;
            for (size_t p = np; p-- > k[i];) {
                if (pub_flow[p] == rflow[i]) {
                    pos = seq[p];
                    left++;
                }
            }
            assert_int_equal(mdl_channel_position(ch[1], i), pos);
            assert_int_equal(mdl_channel_high_water(ch[1], i), pos);
            assert_int_equal(mdl_channel_backlog(ch[1], i), left);
        }
        for (size_t j = 0; j < nrd; j++) {
            assert_int_equal(read[j].seq, read_ref[j].seq);
            assert_int_equal(read[j].published, read_ref[j].published);
            assert_int_equal(read[j].created, read_ref[j].created);
            assert_int_equal(read[j].key, read_ref[j].key);
            assert_int_equal(read[j].flow, read_ref[j].flow);
        }
        for (int i = 0; i < 4; i++) {
            assert_int_equal(mdl_channel_position(ch[1], i), mdl_channel_position(ch[0], i));
            assert_int_equal(mdl_channel_high_water(ch[1], i), mdl_channel_high_water(ch[0], i));
            assert_int_equal(mdl_channel_backlog(ch[1], i), mdl_channel_backlog(ch[0], i));
            assert_int_equal(mdl_channel_backlog_own(ch[1], i), mdl_channel_backlog_own(ch[0], i));
            assert_int_equal(mdl_channel_oldest_unread(ch[1], i),
                             mdl_channel_oldest_unread(ch[0], i));
            for (int w = MDL_NOTE_PUBLISHED; w < MDL_NOTE_READ; w++)
                assert_true(t[1][i].n[w][0] == t[0][i].n[w][0] &&
                            t[1][i].n[w][1] == t[0][i].n[w][1]);
            /* the commit tells READ, the calls tell nothing of reads */
            assert_int_equal(t[0][i].n[MDL_NOTE_READ][0], 0);
        }
        assert_int_equal(t[1][0].n[MDL_NOTE_READ][0] + t[1][1].n[MDL_NOTE_READ][0] +
                             t[1][2].n[MDL_NOTE_READ][0] + t[1][3].n[MDL_NOTE_READ][0],
                         nrd);
        mdl_channel_stats s0, s1;
        mdl_channel_stats_get(ch[0], &s0);
        mdl_channel_stats_get(ch[1], &s1);
        assert_true(s0.published == s1.published && s0.deliveries == s1.deliveries &&
                    s0.expired == s1.expired && s0.expired_unread == s1.expired_unread &&
                    s0.retained_peak == s1.retained_peak && s0.backlog_peak == s1.backlog_peak &&
                    s0.allocation_peak == s1.allocation_peak);
        assert_true(s1.expired == expired && s0.backlog_peak > 1);
        assert_int_equal(mdl_channel_tip(ch[1]), mdl_channel_tip(ch[0]));
        assert_int_equal(mdl_channel_oldest(ch[1]), mdl_channel_oldest(ch[0]));
        assert_int_equal(mdl_channel_retained(ch[1]), mdl_channel_retained(ch[0]));
        assert_int_equal(mdl_channel_log_bytes(ch[1]), mdl_channel_log_bytes(ch[0]));
        assert_int_equal(mdl_channel_allocation_used(ch[1], now),
                         mdl_channel_allocation_used(ch[0], now));
        for (int c = 0; c < 2; c++)
            mdl_channel_destroy(ch[c]);
    }
}

static void ignore(void *ctx, int reader, mdl_channel_note what, const mdl_event *ev, uint64_t n,
                   int replay, sim_time now)
{
    (void)ctx, (void)reader, (void)what, (void)ev, (void)n, (void)replay, (void)now;
}

/* The held-count tests' channel: publish allocation 1e6 an hour. */
static void alloc_cfg(mdl_channel_cfg *cfg)
{
    mdl_channel_cfg_init(cfg);
    cfg->id = "sf";
    cfg->retention = 3 * SIM_DAY;
    cfg->publish_allocation = 1e6;
    cfg->allocation_bucket = SIM_HOUR;
}

/* Two calendars and two channels of cfg, one reader each on flow 0:
 * [0] for the per-record reference, [1] for the commit. The reader is
 * told in batches (LAGS), as a subscriber is: no note per read gives the
 * held counts to the quota between records. */
static void two_channels(const mdl_channel_cfg *cfg, sim_queue *q[2], mdl_channel *ch[2])
{
    for (int c = 0; c < 2; c++) {
        q[c] = sim_queue_create(0, NULL);
        assert_non_null(q[c]);
        ch[c] = mdl_channel_create(cfg, q[c], NULL);
        assert_non_null(ch[c]);
        mdl_channel_reader_cfg rc = {.flow = 0, .notify = ignore, .ctx = NULL, .pass_lags = 1};
        assert_int_equal(mdl_channel_attach(ch[c], &rc, NULL), 0);
    }
}

/* The commit holds a run's counts on an allocation while the records stay
 * in the quota's grid bucket and gives them in one force (held_force in
 * mdl_channel.c). Here the delivery allocation is a rolling 24 h in 1 h
 * buckets and the publish allocation a rolling hour in 1 h buckets, the
 * charts on (3 h: most buckets end between samples); over 50 h, ~600
 * publishes each read 0 to 2 min later (no record on a whole hour, so no
 * tie with a sample). From the 25th hour the delivery window drops an
 * hour's bucket each hour: a count held across a bucket's end would set a
 * used too high, or count the calls in the wrong bucket, which then
 * leaves the window an hour early. The commit (the samples held) and the
 * per-record calls (the queue run to each record) must give the same
 * allocation_used_series, bin by bin (its mean and peak, exactly: the
 * same levels at the same times), the same used and peaks on both
 * allocations (the publish allocation's hour drops a bucket every hour);
 * and by hand, bin 10's peak (hours 30 to 32) is at least the deliveries
 * of hours 7 to 29 (a window less its oldest bucket). */
static void a_commit_counts_the_allocations_as_the_calls_across_buckets(void **state)
{
    (void)state;
    enum { N = 700, BINS = 20 };
    static sim_time pub_at[N], read_at[N];
    static int flow[N], reader[N];
    static uint64_t key[N];
    static mdl_event read[N];
    uint64_t sd = 0x2545F4914F6CDD1Du;
    size_t n = 0;
    sim_time t = 0, last_read = 0;
    while (n < N) {
        t += 1 + (sim_time)(rnd(&sd) % (10 * 60)) * SIM_SEC + (sim_time)(rnd(&sd) % 1000);
        if (t % SIM_HOUR == 0)
            t++;
        sim_time r = t + (sim_time)(rnd(&sd) % (2 * 60)) * SIM_SEC + 1;
        if (r % SIM_HOUR == 0)
            r++;
        if (r < last_read)
            r = last_read;
        if (r >= 50 * SIM_HOUR)
            break;
        pub_at[n] = t;
        read_at[n] = last_read = r;
        flow[n] = 0;
        reader[n] = 0;
        key[n++] = rnd(&sd) % 1000;
    }
    assert_true(n > 500);
    sim_queue *q[2];
    mdl_channel *ch[2];
    mdl_channel_cfg cfg;
    alloc_cfg(&cfg);
    cfg.delivery_allocation = 1e6;
    cfg.series_interval = 3 * SIM_HOUR; /* a bucket's end without a sample */
    cfg.series_bins = BINS;
    two_channels(&cfg, q, ch);
    /* the reference: per record, the samples due first */
    for (size_t p = 0, j = 0; p < n || j < n;) {
        if (p < n && pub_at[p] <= read_at[j]) {
            assert_int_equal(sim_queue_run(q[0], pub_at[p]), SIM_OK);
            assert_int_equal(mdl_channel_publish(ch[0], 0, key[p], pub_at[p], pub_at[p], NULL),
                             SIM_OK);
            p++;
        } else {
            mdl_event ev;
            assert_int_equal(sim_queue_run(q[0], read_at[j]), SIM_OK);
            assert_int_equal(mdl_channel_deliver(ch[0], 0, read_at[j], &ev, NULL, NULL),
                             MDL_READ_DELIVERED);
            j++;
        }
    }
    sim_time t1 = 50 * SIM_HOUR;
    assert_true(mdl_channel_pass_ready(ch[1]));
    mdl_channel_pass_begin(ch[1], 0, t1);
    assert_int_equal(sim_queue_run(q[1], t1), SIM_OK);
    mdl_channel_bulk b = {.npub = n,
                          .pub_at = pub_at,
                          .pub_flow = flow,
                          .pub_key = key,
                          .nread = n,
                          .read_at = read_at,
                          .read_reader = reader,
                          .read_ev = read};
    assert_int_equal(mdl_channel_pass_commit(ch[1], &b), SIM_OK);
    const sim_series *sa[2];
    sim_result *res[2];
    for (int c = 0; c < 2; c++) {
        sim_time end = BINS * 3 * SIM_HOUR;
        assert_int_equal(sim_queue_run(q[c], end), SIM_OK);
        res[c] = sim_result_create(NULL);
        assert_non_null(res[c]);
        assert_int_equal(mdl_channel_publish_metrics(ch[c], end, res[c], NULL), SIM_OK);
        long i = sim_result_find(res[c], "channel.sf.allocation_used_series");
        assert_true(i >= 0);
        sa[c] = sim_result_series_at(res[c], (size_t)i);
    }
    for (size_t k = 0; k < BINS; k++) {
        assert_true(sim_series_value(sa[1], k) == sim_series_value(sa[0], k));
        assert_true(sim_series_max(sa[1], k) == sim_series_max(sa[0], k));
    }
    uint64_t window = 0; /* deliveries in hours 7 to 29 */
    for (size_t j = 0; j < n; j++)
        window += read_at[j] >= 7 * SIM_HOUR && read_at[j] < 30 * SIM_HOUR;
    assert_true(sim_series_max(sa[1], 10) >= (double)window && window > 200);
    assert_true(metric(res[1], "channel.sf.allocation_used_peak") ==
                metric(res[0], "channel.sf.allocation_used_peak"));
    assert_true(metric(res[1], "channel.sf.deliveries") == (double)n);
    mdl_channel_stats s0, s1;
    mdl_channel_stats_get(ch[0], &s0);
    mdl_channel_stats_get(ch[1], &s1);
    assert_true(s0.allocation_peak == s1.allocation_peak && s0.published == s1.published);
    assert_int_equal(mdl_channel_allocation_used(ch[1], t1),
                     mdl_channel_allocation_used(ch[0], t1));
    /* the publish allocation's held counts: its peak and what it holds */
    mdl_quota *pq[2];
    for (int c = 0; c < 2; c++)
        pq[c] = (mdl_quota *)mdl_channel_allocation(ch[c], MDL_CHANNEL_PUBLISH_ALLOCATION);
    assert_true(mdl_quota_peak(pq[1]) == mdl_quota_peak(pq[0]) && mdl_quota_peak(pq[0]) > 0);
    assert_int_equal(mdl_quota_used(pq[1], t1), mdl_quota_used(pq[0], t1));
    for (int c = 0; c < 2; c++) {
        sim_result_destroy(res[c]);
        mdl_channel_destroy(ch[c]);
        sim_queue_destroy(q[c]);
    }
}

/* A commit of publishes alone (no reader reads in it): the publish
 * allocation's counts are held too and must reach it, as the per-record
 * publishes give them, before anything reads the quota. Expected: its
 * used and peak equal the reference's, at the commit's end and after
 * the run; exact (the same counts in the same buckets). Fails when only
 * a delivery's held count marks the channel as holding (flush_held then
 * skips the publish counts). */
static void a_commit_of_publishes_alone_counts_the_publish_allocation(void **state)
{
    (void)state;
    enum { N = 300 };
    static sim_time pub_at[N];
    static int flow[N];
    static uint64_t key[N];
    uint64_t sd = 0x9E3779B97F4A7C15u;
    size_t n = 0;
    sim_time t = 0;
    while (n < N) {
        t += 1 + (sim_time)(rnd(&sd) % (10 * 60)) * SIM_SEC;
        if (t >= 20 * SIM_HOUR)
            break;
        pub_at[n] = t;
        flow[n] = 0;
        key[n++] = rnd(&sd) % 1000;
    }
    assert_true(n > 100);
    sim_queue *q[2];
    mdl_channel *ch[2];
    mdl_channel_cfg cfg;
    alloc_cfg(&cfg);
    two_channels(&cfg, q, ch);
    for (size_t p = 0; p < n; p++) { /* the reference: per record */
        assert_int_equal(sim_queue_run(q[0], pub_at[p]), SIM_OK);
        assert_int_equal(mdl_channel_publish(ch[0], 0, key[p], pub_at[p], pub_at[p], NULL), SIM_OK);
    }
    sim_time t1 = 20 * SIM_HOUR;
    assert_true(mdl_channel_pass_ready(ch[1]));
    mdl_channel_pass_begin(ch[1], 0, t1);
    assert_int_equal(sim_queue_run(q[1], t1), SIM_OK);
    mdl_channel_bulk b = {.npub = n, .pub_at = pub_at, .pub_flow = flow, .pub_key = key};
    assert_int_equal(mdl_channel_pass_commit(ch[1], &b), SIM_OK);
    mdl_quota *pq[2];
    for (int c = 0; c < 2; c++) {
        assert_int_equal(sim_queue_run(q[c], t1), SIM_OK);
        pq[c] = (mdl_quota *)mdl_channel_allocation(ch[c], MDL_CHANNEL_PUBLISH_ALLOCATION);
    }
    assert_int_equal(mdl_quota_used(pq[1], t1), mdl_quota_used(pq[0], t1));
    assert_true(mdl_quota_peak(pq[1]) == mdl_quota_peak(pq[0]) && mdl_quota_peak(pq[0]) > 0);
    for (int c = 0; c < 2; c++)
        assert_int_equal(sim_queue_run(q[c], 2 * SIM_DAY), SIM_OK);
    assert_true(mdl_quota_peak(pq[1]) == mdl_quota_peak(pq[0]));
    for (int c = 0; c < 2; c++) {
        mdl_channel_destroy(ch[c]);
        sim_queue_destroy(q[c]);
    }
}

/* What a reader heard in a commit, one entry per change of its own
 * backlog (from LAGS, or worked out of PUBLISHED and READ) or per other
 * note, in the order heard. */
typedef struct heard {
    int kind; /* MDL_NOTE_LAGS for a change of the own backlog, else the note */
    sim_time at;
    uint64_t own; /* the change's own backlog; a note's n */
    int published;
} heard;

enum { LAG_READERS = 70, LAG_HEARD = 1000 };

typedef struct lag_ear {
    mdl_channel *ch;
    int flow;
    size_t n;
    heard h[LAG_HEARD];
    size_t batches, batch_max;
} lag_ear;

static void hear(lag_ear *e, int kind, sim_time at, uint64_t own, int published)
{
    assert_true(e->n < LAG_HEARD);
    e->h[e->n++] = (heard){.kind = kind, .at = at, .own = own, .published = published};
}

static void lag_note(void *ctx, int reader, mdl_channel_note what, const mdl_event *ev, uint64_t n,
                     int replay, sim_time now)
{
    lag_ear *e = ctx;
    if (what == MDL_NOTE_LAGS) {
        size_t k = 0;
        const mdl_channel_lag *l = mdl_channel_pass_lags(e->ch, reader, &k);
        assert_true(k == n && k >= 1 && k <= MDL_CHANNEL_LAGS && l[k - 1].at == now);
        for (size_t i = 0; i < k; i++)
            hear(e, MDL_NOTE_LAGS, l[i].at, l[i].own, l[i].published);
        e->batches++;
        if (k > e->batch_max)
            e->batch_max = k;
    } else if (what == MDL_NOTE_PUBLISHED || what == MDL_NOTE_READ) {
        /* a change of the own backlog where the event is of its flow and
         * not read again: +1 published, -1 read */
        if (!replay && ev->flow == e->flow)
            hear(e, MDL_NOTE_LAGS, now, mdl_channel_backlog_own(e->ch, reader),
                 what == MDL_NOTE_PUBLISHED);
    } else {
        hear(e, (int)what, now, n, 0);
    }
}

/* 70 readers (six past the 64 a publish tells by bit), half of them with
 * pass_lags, some never reading so that their events expire in the
 * commit: what each pass_lags reader hears in LAGS batches must be, change
 * for change (time, own backlog, kind) and in order among its EXPIRED
 * notes, what the same reader of a second channel, driven identically
 * without pass_lags, works out of its PUBLISHED and READ notes; the
 * batches hold at most 64 and some are full. */
static void a_commit_tells_pass_lags_readers_what_their_notes_would_have_told(void **state)
{
    (void)state;
    enum { NR = LAG_READERS, STEPS = 600, NP = STEPS, NRD = STEPS * NR };
    static lag_ear ear[2][NR];
    static sim_time pub_at[NP], read_at[NRD], unread[NR][NP];
    static int pub_flow[NP], read_reader[NRD];
    static uint64_t key[NP];
    static mdl_event read[NRD];
    memset(ear, 0, sizeof ear);
    mdl_channel *ch[2];
    for (int c = 0; c < 2; c++) {
        ch[c] = make(20 * SIM_SEC, 1e6, 1e6);
        for (int i = 0; i < NR; i++) {
            ear[c][i].ch = ch[c];
            ear[c][i].flow = i % 3;
            /* channel 0: the odd readers and all past 64 gather lags */
            mdl_channel_reader_cfg rc = {.flow = i % 3,
                                         .notify = lag_note,
                                         .ctx = &ear[c][i],
                                         .pass_lags = c == 0 && (i % 2 == 1 || i >= 64)};
            assert_int_equal(mdl_channel_attach(ch[c], &rc, NULL), i);
        }
    }
    /* every 250 ms a publish (flow step % 3), then a read by each reader
     * whose oldest unread event is (i % 7) / 2 s old; readers i % 5 == 4
     * never read: their events expire 20 s after publishing */
    size_t qlo[NR] = {0}, qhi[NR] = {0}, np = 0, nrd = 0;
    for (int step = 0; step < STEPS; step++) {
        sim_time now = SIM_SEC + (sim_time)step * SIM_SEC / 4;
        pub_at[np] = now;
        pub_flow[np] = step % 3;
        key[np++] = (uint64_t)step;
        for (int i = 0; i < NR; i++)
            if (i % 3 == step % 3)
                unread[i][qhi[i]++] = now;
        for (int i = 0; i < NR; i++) {
            if (i % 5 == 4 || qlo[i] == qhi[i] ||
                unread[i][qlo[i]] > now - (sim_time)(i % 7) * SIM_SEC / 2)
                continue;
            read_at[nrd] = now;
            read_reader[nrd++] = i;
            qlo[i]++;
        }
    }
    for (int c = 0; c < 2; c++) {
        assert_true(mdl_channel_pass_ready(ch[c]));
        mdl_channel_pass_begin(ch[c], SIM_SEC, 200 * SIM_SEC);
        mdl_channel_bulk b = {.npub = np,
                              .pub_at = pub_at,
                              .pub_flow = pub_flow,
                              .pub_key = key,
                              .nread = nrd,
                              .read_at = read_at,
                              .read_reader = read_reader,
                              .read_ev = read};
        assert_int_equal(mdl_channel_pass_commit(ch[c], &b), SIM_OK);
    }
    int full = 0, expired_between = 0;
    for (int i = 0; i < NR; i++) {
        const lag_ear *a = &ear[0][i], *r = &ear[1][i];
        int lags = i % 2 == 1 || i >= 64;
        /* 200 publishes of its flow, each read (or expired) once */
        assert_true(r->n >= 200 && r->batches == 0);
        assert_int_equal(a->n, r->n);
        for (size_t k = 0; k < r->n; k++) {
            assert_int_equal(a->h[k].kind, r->h[k].kind);
            assert_int_equal(a->h[k].at, r->h[k].at);
            assert_int_equal(a->h[k].own, r->h[k].own);
            assert_int_equal(a->h[k].published, r->h[k].published);
            /* a change heard after an EXPIRED note and before the next:
             * the batch was told before the note */
            if (lags && k > 0 && a->h[k - 1].kind == MDL_NOTE_EXPIRED &&
                a->h[k].kind == MDL_NOTE_LAGS)
                expired_between = 1;
        }
        if (lags) {
            assert_true(a->batches >= r->n / MDL_CHANNEL_LAGS && a->batch_max <= 64);
            full |= a->batch_max == MDL_CHANNEL_LAGS;
        } else {
            assert_int_equal(a->batches, 0);
        }
    }
    assert_true(full && expired_between);
    for (int c = 0; c < 2; c++)
        mdl_channel_destroy(ch[c]);
}

/* A key above UINT32_MAX published in a commit (the compact entry holds
 * 32 bits of key) reads back whole, in the commit and after it. */
static void a_commit_keeps_keys_above_32_bits_whole(void **state)
{
    (void)state;
    mdl_channel *ch = make(0, 0, 0);
    notes t = {0};
    int r = attach(ch, 0, 0, &t);
    mdl_channel_pass_begin(ch, SIM_SEC, 10 * SIM_SEC);
    const sim_time pub_at[4] = {SIM_SEC, 2 * SIM_SEC, 3 * SIM_SEC, 4 * SIM_SEC};
    const int pub_flow[4] = {0, 0, 0, 0};
    const uint64_t key[4] = {7, UINT64_C(1) << 32, UINT64_MAX, UINT64_C(0x123456789)};
    const sim_time read_at[2] = {5 * SIM_SEC, 6 * SIM_SEC};
    const int read_reader[2] = {r, r};
    mdl_event read[2];
    mdl_channel_bulk b = {.npub = 4,
                          .pub_at = pub_at,
                          .pub_flow = pub_flow,
                          .pub_key = key,
                          .nread = 2,
                          .read_at = read_at,
                          .read_reader = read_reader,
                          .read_ev = read};
    assert_int_equal(mdl_channel_pass_commit(ch, &b), SIM_OK);
    assert_true(read[0].key == 7 && read[1].key == UINT64_C(1) << 32);
    for (int i = 2; i < 4; i++) {
        mdl_event ev;
        assert_int_equal(mdl_channel_deliver(ch, r, 11 * SIM_SEC, &ev, NULL, NULL),
                         MDL_READ_DELIVERED);
        assert_true(ev.key == key[i] && ev.published == pub_at[i] && ev.created == pub_at[i]);
    }
    mdl_channel_destroy(ch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events_come_out_in_order_with_consecutive_positions),
        cmocka_unit_test(default_retention_is_72_hours),
        cmocka_unit_test(
            an_event_exactly_retention_old_is_still_there_and_gone_one_microsecond_later),
        cmocka_unit_test(
            a_reader_that_stops_loses_exactly_what_was_published_before_now_minus_retention),
        cmocka_unit_test(
            the_delivery_allocation_counts_each_reader_and_refuses_at_the_computed_time),
        cmocka_unit_test(an_exhausted_allocation_is_shared_in_turns_among_the_waiting_readers),
        cmocka_unit_test(publishes_beyond_the_publish_allocation_are_refused_and_told),
        cmocka_unit_test(a_cdc_run_is_one_entry_read_event_by_event_and_skipped_by_other_readers),
        cmocka_unit_test(seeking_to_the_tip_skips_and_to_the_oldest_replays),
        cmocka_unit_test(a_queue_drops_what_every_reader_committed),
        cmocka_unit_test(the_log_holds_only_what_retention_keeps),
        cmocka_unit_test(the_log_gives_memory_back_after_a_peak),
        cmocka_unit_test(a_publish_without_memory_for_its_page_changes_nothing),
        cmocka_unit_test(events_that_do_not_fit_a_compact_entry_read_back_exactly),
        cmocka_unit_test(a_reader_reads_back_exactly_across_pages_and_after_the_log_empties),
        cmocka_unit_test(a_publish_without_memory_for_its_wide_copy_changes_nothing),
        cmocka_unit_test(metrics_name_the_channel_and_censor_exhaustion_at_the_end),
        cmocka_unit_test(bad_configurations_are_refused),
        cmocka_unit_test(allocation_failures_in_create_are_reported),
        cmocka_unit_test(the_unread_events_are_listed_oldest_first),
        cmocka_unit_test(a_pass_is_refused_where_the_channel_could_bind_or_replay),
        cmocka_unit_test(a_commit_replays_in_time_order_and_nothing_purges_before_it),
        cmocka_unit_test(a_commit_counts_the_charges_of_copies),
        cmocka_unit_test(a_commit_refuses_lists_it_cannot_replay),
        cmocka_unit_test(a_commit_without_memory_for_its_log_stops_consistent),
        cmocka_unit_test(the_commit_check_of_reads_agrees_with_a_count_per_reader),
        cmocka_unit_test(a_commit_equals_the_per_record_calls),
        cmocka_unit_test(a_commit_counts_the_allocations_as_the_calls_across_buckets),
        cmocka_unit_test(a_commit_of_publishes_alone_counts_the_publish_allocation),
        cmocka_unit_test(a_commit_takes_a_sample_then_a_charge_a_publish_and_a_read_at_one_time),
        cmocka_unit_test(a_commit_tells_pass_lags_readers_what_their_notes_would_have_told),
        cmocka_unit_test(a_commit_keeps_keys_above_32_bits_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
