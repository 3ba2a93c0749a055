/*
 * test_mdl_broker.c - Kafka-like topics (key partitioning, per-partition
 * order, auto-commit redelivery, auto.offset.reset after retention) and
 * RabbitMQ-like queues (fanout, acknowledged messages leave, delivery
 * limit, TTL with and without a dead-letter exchange), with hand-computed
 * counts.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_broker.h"
#include "mdl_ledger.h"
#include "mdl_subscriber.h"
#include "sim_alloc.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_rng.h"

/* ---- a fixed-latency apply, optionally failing every call -------------- */

typedef struct answer {
    uint64_t token;
    int ok;
    mdl_apply_done_fn *done;
    void *ctx;
} answer;

typedef struct stub {
    sim_queue *q;
    sim_time latency;
    gsl_rng *rng; /* exponential latency with mean `latency` when set */
    int fail;     /* every call fails (transient) */
    answer *ans;
    int nans, cap;
} stub;

static void stub_fire(void *ctx, uint64_t i, sim_time now)
{
    stub *s = ctx;
    s->ans[i].done(s->ans[i].ctx, s->ans[i].token, s->ans[i].ok, 1, now);
}

static int stub_apply(void *impl, uint64_t token, sim_time now, mdl_apply_done_fn *done, void *ctx)
{
    stub *s = impl;
    if (s->nans == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->ans = sim_reallocarray(s->ans, (size_t)s->cap, sizeof *s->ans);
        assert_non_null(s->ans);
    }
    s->ans[s->nans] = (answer){token, !s->fail, done, ctx};
    sim_time lat = s->latency;
    if (s->rng)
        lat = sim_time_clamp_seconds(gsl_ran_exponential(s->rng, sim_time_to_seconds(lat)));
    sim_queue_push(s->q, now + lat, stub_fire, s, (uint64_t)s->nans++);
    return SIM_OK;
}

/* ---- a publisher on a broker topic ------------------------------------- */

typedef struct pub {
    sim_queue *q;
    mdl_broker *b;
    int topic;
    sim_time every, until;
    uint64_t keys, n;
} pub;

static void pub_fire(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    pub *p = ctx;
    uint64_t key = p->keys ? p->n % p->keys + 1 : 0;
    assert_int_equal(mdl_broker_publish(p->b, p->topic, 0, key, now, now), SIM_OK);
    p->n++;
    if (now + p->every < p->until)
        sim_queue_push(p->q, now + p->every, pub_fire, p, 0);
}

static const char *const flow_ids[] = {"F-001"};

static mdl_broker *make_broker(mdl_broker_type type, int partitions, sim_time retention)
{
    mdl_broker_cfg cfg;
    mdl_broker_cfg_init(&cfg);
    cfg.id = type == MDL_BROKER_KAFKA ? "kafka" : "rabbit";
    cfg.type = type;
    cfg.partitions = partitions;
    cfg.retention = retention;
    mdl_broker *b = mdl_broker_create(&cfg, NULL);
    assert_non_null(b);
    return b;
}

static void sub_cfg(mdl_subscriber_cfg *cfg, mdl_ledger *l, stub *st)
{
    mdl_subscriber_cfg_init(cfg);
    cfg->flow_id = "F-001";
    cfg->ledger = l;
    cfg->apply = (mdl_apply){stub_apply, st};
    cfg->backoff.jitter = MDL_JITTER_NONE;
}

static void assert_conserved(const mdl_ledger *l, const mdl_subscriber *s)
{
    uint64_t pending = mdl_subscriber_pending(s);
    sim_err err;
    if (mdl_ledger_check(l, &pending, &err) != SIM_OK)
        fail_msg("conservation: %s", err.msg);
}

static uint64_t grid_count(sim_time a, sim_time b)
{
    uint64_t n = 0;
    for (sim_time p = 30 * SIM_SEC; p < b; p += 60 * SIM_SEC)
        if (p >= a)
            n++;
    return n;
}

/* ---- Kafka ----------------------------------------------------------------- */

static void defaults_follow_kafka_and_the_spec(void **state)
{
    (void)state;
    mdl_broker_cfg cfg;
    mdl_broker_cfg_init(&cfg);
    assert_int_equal(cfg.retention, 7 * SIM_DAY);
    assert_int_equal(cfg.commit_interval, 5 * SIM_SEC);
    assert_int_equal(cfg.offset_reset, MDL_RESET_LATEST);
    mdl_broker_spec spec;
    mdl_broker_spec_init(&spec);
    strcpy(spec.id, "mq");
    spec.type = MDL_SPEC_BROKER_RABBITMQ;
    spec.retention = 0;
    spec.delivery_limit = 20;
    spec.dead_letter = 1;
    mdl_broker_cfg_from_spec(&cfg, &spec);
    assert_int_equal(cfg.type, MDL_BROKER_RABBITMQ);
    assert_int_equal(cfg.delivery_limit, 20);
    mdl_broker *b = mdl_broker_create(&cfg, NULL);
    assert_non_null(b);
    int t = mdl_broker_topic(b, "orders", 0, NULL);
    mdl_subscriber_cfg sc;
    mdl_subscriber_cfg_init(&sc);
    assert_int_equal(mdl_broker_subscribe(b, t, &sc, NULL), SIM_OK);
    assert_int_equal(mdl_channel_retention(sc.sources[0]), MDL_CHANNEL_FOREVER);
    assert_int_equal(sc.delivery_limit, 20);
    assert_int_equal(sc.dead_letter, 1);
    assert_int_equal(sc.expired_dead_letter, 1);
    mdl_broker_destroy(b);
}

/* 1,000 keys, each published twice, on 4 partitions: both messages of a key
 * land in the same partition, and the partitions hold 2,000 in all. Eight
 * keyless messages go round-robin: 2 each. */
static void a_key_always_goes_to_the_same_partition_and_keyless_ones_round_robin(void **state)
{
    (void)state;
    mdl_broker *b = make_broker(MDL_BROKER_KAFKA, 4, 0);
    int t = mdl_broker_topic(b, "orders", 0, NULL);
    assert_int_equal(mdl_broker_topic(b, "orders", 0, NULL), t);
    assert_int_equal(mdl_broker_partitions(b, t), 4);
    for (int round = 0; round < 2; round++)
        for (uint64_t k = 1; k <= 1000; k++)
            assert_int_equal(mdl_broker_publish(b, t, 0, k, 0, 0), SIM_OK);
    uint64_t total = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t n = mdl_channel_retained(mdl_broker_channel(b, t, i));
        assert_int_equal(n % 2, 0); /* pairs never split */
        /* Keys per partition ~ Binomial(1000, 1/4): messages 500 +- 27 (one
         * sd); a sound hash stays within 5.5 sd. */
        assert_true(n > 350 && n < 650);
        total += n;
    }
    assert_int_equal(total, 2000);
    for (int i = 0; i < 8; i++)
        mdl_broker_publish(b, t, 0, 0, 0, 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(mdl_channel_retained(mdl_broker_channel(b, t, i)) % 2, 0);
    assert_int_equal(mdl_broker_partition_of(b, t, 0), -1);
    mdl_broker_destroy(b);
}

/* 4 partitions, 20 keys, one update a second for an hour, concurrency 4,
 * random apply latency (exponential, mean 5 s), no ordering guard. A Kafka
 * consumer processes each partition in order: no update of a key can
 * overtake an earlier one, so nothing is corrupted. The same consumer
 * processing in parallel within a partition reorders: with 4 in flight and
 * latencies spread over seconds, the same key is updated again about every
 * 20 s, so some later update finishes first (the seeded stream gives a
 * fixed count > 0). */
static void per_partition_order_prevents_corruption_that_parallel_processing_causes(void **state)
{
    (void)state;
    uint64_t corrupted[2];
    for (int parallel = 0; parallel < 2; parallel++) {
        sim_queue *q = sim_queue_create(0, NULL);
        mdl_broker *b = make_broker(MDL_BROKER_KAFKA, 4, 0);
        int t = mdl_broker_topic(b, "orders", 0, NULL);
        mdl_ledger *l = mdl_ledger_create(1, flow_ids, NULL);
        gsl_rng *rng = sim_rng_create(3, 0, "latency", NULL);
        stub st = {.q = q, .latency = 5 * SIM_SEC, .rng = rng};
        mdl_subscriber_cfg cfg;
        sub_cfg(&cfg, l, &st);
        cfg.concurrency = 4;
        cfg.ordering_guard = 0;
        assert_int_equal(mdl_broker_subscribe(b, t, &cfg, NULL), SIM_OK);
        assert_int_equal(cfg.ordered_sources, 1);
        if (parallel)
            cfg.ordered_sources = 0;
        mdl_subscriber *s = mdl_subscriber_create(q, &cfg, NULL);
        assert_non_null(s);
        pub p = {.q = q, .b = b, .topic = t, .every = SIM_SEC, .until = SIM_HOUR, .keys = 20};
        sim_queue_push(q, 0, pub_fire, &p, 0);
        assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
        mdl_subscriber_stats ss;
        mdl_subscriber_stats_get(s, 0, &ss);
        assert_int_equal(ss.delivered, 3600);
        corrupted[parallel] = ss.corrupted;
        assert_conserved(l, s);
        mdl_subscriber_destroy(s);
        sim_rng_destroy(rng);
        mdl_ledger_destroy(l);
        mdl_broker_destroy(b);
        sim_queue_destroy(q);
        sim_free(st.ans);
    }
    assert_int_equal(corrupted[0], 0);
    assert_true(corrupted[1] > 0);
}

/* Retention 1 h, one message a minute (from 30 s) on one partition, the
 * consumer group away during [2 h, 5 h). Its committed offset (the message
 * of 2 h) was deleted: events with p < 4 h are gone by 5 h, lost by
 * retention (120 of them, p in [2 h, 4 h)). auto.offset.reset = latest
 * then jumps to the end: the 60 messages still retained (p in [4 h, 5 h))
 * are lost too, silently (no_replay_id). With earliest they are read. */
static void an_aged_out_offset_is_reset_to_latest_and_the_retained_backlog_is_lost(void **state)
{
    (void)state;
    const sim_time S = 2 * SIM_HOUR, E = 5 * SIM_HOUR, R = SIM_HOUR, T = 6 * SIM_HOUR;
    for (int earliest = 0; earliest < 2; earliest++) {
        sim_queue *q = sim_queue_create(0, NULL);
        mdl_broker_cfg bc;
        mdl_broker_cfg_init(&bc);
        bc.id = "kafka";
        bc.retention = R;
        bc.offset_reset = earliest ? MDL_RESET_EARLIEST : MDL_RESET_LATEST;
        mdl_broker *b = mdl_broker_create(&bc, NULL);
        int t = mdl_broker_topic(b, "orders", 1, NULL);
        mdl_ledger *l = mdl_ledger_create(1, flow_ids, NULL);
        stub st = {.q = q, .latency = SIM_SEC};
        mdl_subscriber_cfg cfg;
        sub_cfg(&cfg, l, &st);
        mdl_window_spec w = {.start = S, .duration = E - S};
        cfg.offline = &w;
        cfg.noffline = 1;
        assert_int_equal(mdl_broker_subscribe(b, t, &cfg, NULL), SIM_OK);
        mdl_subscriber *s = mdl_subscriber_create(q, &cfg, NULL);
        pub p = {.q = q, .b = b, .topic = t, .every = 60 * SIM_SEC, .until = T};
        sim_queue_push(q, 30 * SIM_SEC, pub_fire, &p, 0);
        assert_int_equal(sim_queue_run(q, T), SIM_OK);
        mdl_subscriber_stats ss;
        mdl_subscriber_stats_get(s, T, &ss);
        assert_int_equal(ss.lost_retention, grid_count(S, E - R));
        assert_int_equal(ss.lost_retention, 120);
        assert_int_equal(ss.lost_no_replay_id, earliest ? 0 : grid_count(E - R, E));
        assert_int_equal(ss.delivered, grid_count(0, T) - 120 - (earliest ? 0 : 60));
        assert_conserved(l, s);
        mdl_subscriber_destroy(s);
        mdl_ledger_destroy(l);
        mdl_broker_destroy(b);
        sim_queue_destroy(q);
        sim_free(st.ans);
    }
}

/* Two partitions, the default 5 s auto-commit, messages at k + 0.5 s with
 * alternating keys, applied 0.1 s later. A crash at 12.8 s, restarting at
 * once: each partition rewinds to its offset committed at 10 s (everything
 * published before 10 s was done), so the messages of 10.5, 11.5 and 12.5 s
 * are applied again: 3 redeliveries, whichever partition they are in. */
static void a_consumer_crash_reprocesses_the_messages_since_the_last_commit(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    mdl_broker *b = make_broker(MDL_BROKER_KAFKA, 2, 0);
    int t = mdl_broker_topic(b, "orders", 0, NULL);
    mdl_ledger *l = mdl_ledger_create(1, flow_ids, NULL);
    stub st = {.q = q, .latency = 100 * SIM_MS};
    mdl_subscriber_cfg cfg;
    sub_cfg(&cfg, l, &st);
    cfg.concurrency = 2;
    cfg.receiver = MDL_RECEIVER_INSERT;
    assert_int_equal(mdl_broker_subscribe(b, t, &cfg, NULL), SIM_OK);
    assert_int_equal(cfg.commit_interval, 5 * SIM_SEC);
    mdl_subscriber *s = mdl_subscriber_create(q, &cfg, NULL);
    assert_int_equal(mdl_subscriber_crash(s, 12800 * SIM_MS, 0, NULL), SIM_OK);
    pub p = {.q = q, .b = b, .topic = t, .every = SIM_SEC, .until = 20 * SIM_SEC, .keys = 2};
    sim_queue_push(q, 500 * SIM_MS, pub_fire, &p, 0);
    assert_int_equal(sim_queue_run(q, 20 * SIM_SEC), SIM_OK);
    mdl_subscriber_stats ss;
    mdl_subscriber_stats_get(s, 20 * SIM_SEC, &ss);
    assert_int_equal(ss.redeliveries, 3);
    assert_int_equal(ss.duplicates, 3);
    assert_int_equal(ss.delivered, 20);
    assert_conserved(l, s);
    mdl_subscriber_destroy(s);
    mdl_ledger_destroy(l);
    mdl_broker_destroy(b);
    sim_queue_destroy(q);
    sim_free(st.ans);
}

/* ---- RabbitMQ ------------------------------------------------------------- */

/* A message published before any queue is bound is unroutable. Then two
 * subscribers each get their own queue and all 10 messages; acknowledged
 * messages leave their queue. */
static void a_fanout_gives_each_subscriber_its_own_queue_and_acks_empty_it(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    mdl_broker *b = make_broker(MDL_BROKER_RABBITMQ, 0, 0);
    int t = mdl_broker_topic(b, "orders", 0, NULL);
    assert_int_equal(mdl_broker_publish(b, t, 0, 1, 0, 0), SIM_OK);
    mdl_ledger *l = mdl_ledger_create(1, flow_ids, NULL);
    stub st = {.q = q, .latency = SIM_SEC};
    mdl_subscriber *s[2];
    for (int i = 0; i < 2; i++) {
        mdl_subscriber_cfg cfg;
        sub_cfg(&cfg, l, &st);
        cfg.id = i ? "b" : "a";
        assert_int_equal(mdl_broker_subscribe(b, t, &cfg, NULL), SIM_OK);
        s[i] = mdl_subscriber_create(q, &cfg, NULL);
        assert_non_null(s[i]);
    }
    assert_int_equal(mdl_broker_partitions(b, t), 2);
    pub p = {.q = q, .b = b, .topic = t, .every = 10 * SIM_SEC, .until = 100 * SIM_SEC};
    sim_queue_push(q, 0, pub_fire, &p, 0);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    for (int i = 0; i < 2; i++) {
        mdl_subscriber_stats ss;
        mdl_subscriber_stats_get(s[i], 0, &ss);
        assert_int_equal(ss.delivered, 10);
        assert_int_equal(mdl_channel_retained(mdl_broker_channel(b, t, i)), 0);
    }
    sim_result *r = sim_result_create(NULL);
    assert_int_equal(mdl_broker_publish_metrics(b, r, NULL), SIM_OK);
    long i = sim_result_find(r, "broker.rabbit.orders.unroutable");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 1.0);
    i = sim_result_find(r, "broker.rabbit.orders.published");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 10.0);
    sim_result_destroy(r);
    for (int k = 0; k < 2; k++)
        mdl_subscriber_destroy(s[k]);
    mdl_ledger_destroy(l);
    mdl_broker_destroy(b);
    sim_queue_destroy(q);
    sim_free(st.ans);
}

/* A message failing every delivery with a delivery limit of 3 (below the
 * subscriber's 5 attempts) is dead-lettered after 3 deliveries when a
 * dead-letter exchange exists, dropped (lost) otherwise. */
static void the_delivery_limit_dead_letters_or_drops(void **state)
{
    (void)state;
    for (int dlx = 0; dlx < 2; dlx++) {
        sim_queue *q = sim_queue_create(0, NULL);
        mdl_broker_cfg bc;
        mdl_broker_cfg_init(&bc);
        bc.id = "rabbit";
        bc.type = MDL_BROKER_RABBITMQ;
        bc.delivery_limit = 3;
        bc.dead_letter = dlx;
        mdl_broker *b = mdl_broker_create(&bc, NULL);
        int t = mdl_broker_topic(b, "orders", 0, NULL);
        mdl_ledger *l = mdl_ledger_create(1, flow_ids, NULL);
        stub st = {.q = q, .latency = SIM_SEC, .fail = 1};
        mdl_subscriber_cfg cfg;
        sub_cfg(&cfg, l, &st);
        cfg.max_attempts = 5;
        assert_int_equal(mdl_broker_subscribe(b, t, &cfg, NULL), SIM_OK);
        mdl_subscriber *s = mdl_subscriber_create(q, &cfg, NULL);
        mdl_broker_publish(b, t, 0, 1, 0, 0);
        assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
        mdl_subscriber_stats ss;
        mdl_subscriber_stats_get(s, 0, &ss);
        assert_int_equal(ss.attempts, 3);
        if (dlx)
            assert_int_equal(mdl_ledger_count_reason(l, 0, MDL_DEAD_LETTERED, MDL_R_RETRIES), 1);
        else
            assert_int_equal(mdl_ledger_count_reason(l, 0, MDL_LOST, MDL_R_RETRIES), 1);
        assert_int_equal(mdl_channel_retained(mdl_broker_channel(b, t, 0)), 0);
        assert_conserved(l, s);
        mdl_subscriber_destroy(s);
        mdl_ledger_destroy(l);
        mdl_broker_destroy(b);
        sim_queue_destroy(q);
        sim_free(st.ans);
    }
}

/* Message TTL 10 min, one message a minute (from 30 s), the consumer away
 * during [1 h, 2 h). At 2 h the messages with p < 2 h - 10 min have
 * expired: p in [60, 110) min -> 50, dead-lettered with a dead-letter
 * exchange (reason retention), lost without one. The 10 of [110, 120) min
 * are delivered late. */
static void expired_messages_are_dead_lettered_with_a_dlx_and_lost_without(void **state)
{
    (void)state;
    const sim_time S = SIM_HOUR, E = 2 * SIM_HOUR, TTL = 10 * SIM_MIN, T = 3 * SIM_HOUR;
    for (int dlx = 0; dlx < 2; dlx++) {
        sim_queue *q = sim_queue_create(0, NULL);
        mdl_broker_cfg bc;
        mdl_broker_cfg_init(&bc);
        bc.id = "rabbit";
        bc.type = MDL_BROKER_RABBITMQ;
        bc.retention = TTL;
        bc.dead_letter = dlx;
        mdl_broker *b = mdl_broker_create(&bc, NULL);
        int t = mdl_broker_topic(b, "orders", 0, NULL);
        mdl_ledger *l = mdl_ledger_create(1, flow_ids, NULL);
        stub st = {.q = q, .latency = SIM_SEC};
        mdl_subscriber_cfg cfg;
        sub_cfg(&cfg, l, &st);
        mdl_window_spec w = {.start = S, .duration = E - S};
        cfg.offline = &w;
        cfg.noffline = 1;
        assert_int_equal(mdl_broker_subscribe(b, t, &cfg, NULL), SIM_OK);
        mdl_subscriber *s = mdl_subscriber_create(q, &cfg, NULL);
        pub p = {.q = q, .b = b, .topic = t, .every = 60 * SIM_SEC, .until = T};
        sim_queue_push(q, 30 * SIM_SEC, pub_fire, &p, 0);
        assert_int_equal(sim_queue_run(q, T), SIM_OK);
        uint64_t expired = grid_count(S, E - TTL);
        assert_int_equal(expired, 50);
        if (dlx)
            assert_int_equal(mdl_ledger_count_reason(l, 0, MDL_DEAD_LETTERED, MDL_R_RETENTION),
                             expired);
        else
            assert_int_equal(mdl_ledger_count_reason(l, 0, MDL_LOST, MDL_R_RETENTION), expired);
        mdl_subscriber_stats ss;
        mdl_subscriber_stats_get(s, T, &ss);
        assert_int_equal(ss.delivered, grid_count(0, T) - expired);
        assert_conserved(l, s);
        mdl_subscriber_destroy(s);
        mdl_ledger_destroy(l);
        mdl_broker_destroy(b);
        sim_queue_destroy(q);
        sim_free(st.ans);
    }
}

static void bad_configurations_are_refused(void **state)
{
    (void)state;
    mdl_broker_cfg cfg;
    mdl_broker_cfg_init(&cfg);
    sim_err err;
    assert_null(mdl_broker_create(&cfg, &err)); /* no id */
    cfg.id = "k";
    cfg.retention = -1;
    assert_null(mdl_broker_create(&cfg, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    cfg.retention = 0;
    mdl_broker *b = mdl_broker_create(&cfg, NULL);
    mdl_subscriber_cfg sc;
    mdl_subscriber_cfg_init(&sc);
    assert_int_equal(mdl_broker_subscribe(b, 3, &sc, &err), SIM_EINVAL);
    mdl_broker_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_follow_kafka_and_the_spec),
        cmocka_unit_test(a_key_always_goes_to_the_same_partition_and_keyless_ones_round_robin),
        cmocka_unit_test(per_partition_order_prevents_corruption_that_parallel_processing_causes),
        cmocka_unit_test(an_aged_out_offset_is_reset_to_latest_and_the_retained_backlog_is_lost),
        cmocka_unit_test(a_consumer_crash_reprocesses_the_messages_since_the_last_commit),
        cmocka_unit_test(a_fanout_gives_each_subscriber_its_own_queue_and_acks_empty_it),
        cmocka_unit_test(the_delivery_limit_dead_letters_or_drops),
        cmocka_unit_test(expired_messages_are_dead_lettered_with_a_dlx_and_lost_without),
        cmocka_unit_test(bad_configurations_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
