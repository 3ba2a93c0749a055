/*
 * mdl_broker.h - a message broker between a flow's publisher and its
 * subscribers: Kafka-like (a partitioned log) or RabbitMQ-like (a queue per
 * subscriber behind a fanout exchange). Storage is mdl_channel's log; this
 * module routes messages and says how subscribers read them.
 *
 * Kafka. A topic has P partitions, each an mdl_channel with time retention
 * (retention.ms, 7 days by default, H1) and no allocation. A message with a
 * key goes to partition hash(key) mod P, so all changes of one record stay
 * in one partition and in order; a message without a key (key 0) goes
 * round-robin. A subscriber is a consumer group reading every partition:
 *   - offsets are committed every commit_interval (auto.commit.interval.ms
 *     5 s, H1); after a crash the group restarts from the committed offsets
 *     and the work done since is done again (duplicates);
 *   - a committed offset that retention has deleted is reset by
 *     auto.offset.reset, `latest` by default (H1): the consumer jumps to the
 *     end and the unread messages are silently lost;
 *   - a group resumes from its offsets after any disconnection;
 *   - each partition is processed in order (one message in flight per
 *     partition, the usual consumer loop): ordering holds per partition
 *     only, and parallelism is at most the number of partitions.
 * Retention is exact per message here; Kafka deletes whole closed segments
 * (segment.ms 7 d), so real data may live up to ~2x longer: set the
 * retention to what the operators actually see.
 *
 * RabbitMQ. A topic is a fanout exchange; each subscriber gets its own
 * queue (an mdl_channel that drops what is acknowledged). A message lives
 * until it is acknowledged or its TTL (`retention`, 0 = none) expires:
 * expired messages are dead-lettered when a dead-letter exchange exists,
 * else dropped (H2). A failing message is redelivered until the delivery
 * limit (quorum queues: 20 since RabbitMQ 4.0, H2), then dead-lettered or
 * dropped; a crash requeues the unacknowledged messages. A message
 * published when no queue is bound is unroutable (dropped, counted).
 *
 * Reference: REFERENCE.md H1 (apache/kafka LogConfig, ConsumerConfig), H2
 * (rabbitmq-website dlx.md, ttl.md; rabbitmq-server 4.0.1 release notes).
 * Checked by: tests/models/test_mdl_broker.c.
 */
#ifndef MDL_BROKER_H
#define MDL_BROKER_H

#include <stdint.h>

#include "mdl_channel.h"
#include "mdl_scenario.h"
#include "mdl_subscriber.h"
#include "sim_err.h"
#include "sim_result.h"
#include "sim_time.h"

typedef enum mdl_broker_type { MDL_BROKER_KAFKA = 0, MDL_BROKER_RABBITMQ } mdl_broker_type;

#define MDL_BROKER_DEFAULT_RETENTION (7 * SIM_DAY) /* Kafka retention.ms, H1 */
#define MDL_BROKER_DEFAULT_COMMIT    (5 * SIM_SEC) /* auto.commit.interval.ms, H1 */

typedef struct mdl_broker_cfg {
    const char *id; /* metric names "broker.<id>." (copied); required */
    mdl_broker_type type;
    int partitions;           /* Kafka: default partitions of a topic; 0 = 1 */
    sim_time retention;       /* Kafka: 0 = 7 d. RabbitMQ: message TTL, 0 = none */
    sim_time commit_interval; /* Kafka: offset commit period; 0 = every message */
    mdl_reset offset_reset;   /* Kafka auto.offset.reset */
    int delivery_limit;       /* RabbitMQ: deliveries before dead-lettering; 0 = none */
    int dead_letter;          /* RabbitMQ: a dead-letter exchange exists */
} mdl_broker_cfg;

/* Kafka defaults: 1 partition, 7 d, commits every 5 s, reset latest; no
 * delivery limit, no dead-letter exchange. */
void mdl_broker_cfg_init(mdl_broker_cfg *cfg);
/* A scenario's broker entry (ids borrowed until create copies them). For
 * RabbitMQ, retention is the message TTL. */
void mdl_broker_cfg_from_spec(mdl_broker_cfg *cfg, const mdl_broker_spec *spec);

typedef struct mdl_broker mdl_broker;

mdl_broker *mdl_broker_create(const mdl_broker_cfg *cfg, sim_err *err);
void mdl_broker_destroy(mdl_broker *b); /* NULL is a no-op; destroys its channels */

/* The topic named `name` (created on first use; partitions 0 = the
 * broker's default; Kafka only). Returns its number or a negative status. */
int mdl_broker_topic(mdl_broker *b, const char *name, int partitions, sim_err *err);

/* Publishes one change of `flow` to record `key` (0 = no key) on topic t at
 * now. SIM_OK, or SIM_ENOMEM. */
int mdl_broker_publish(mdl_broker *b, int t, int flow, uint64_t key, sim_time created,
                       sim_time now);

/* Prepares a subscriber of topic t: sets cfg's sources (Kafka: the topic's
 * partitions; RabbitMQ: a new queue bound to the exchange, receiving what
 * is published from now on) and the broker's reading semantics
 * (commit_interval, reset, reconnect RESUME, ordered partitions; delivery
 * limit, dead letter, expired_dead_letter). The sources array is owned by
 * the broker and lives as long as it. */
int mdl_broker_subscribe(mdl_broker *b, int t, mdl_subscriber_cfg *cfg, sim_err *err);

/* The partition (Kafka) a key goes to; -1 for key 0 (round-robin). */
int mdl_broker_partition_of(const mdl_broker *b, int t, uint64_t key);
int mdl_broker_partitions(const mdl_broker *b, int t); /* or bound queues (RabbitMQ) */
mdl_channel *mdl_broker_channel(const mdl_broker *b, int t, int i);
mdl_broker_type mdl_broker_type_of(const mdl_broker *b);

/* Appends "broker.<id>.<topic>.": published, unroutable, expired,
 * expired_unread, retained_peak (sum over partitions/queues of each one's
 * peak), deliveries. */
int mdl_broker_publish_metrics(const mdl_broker *b, sim_result *r, sim_err *err);

#endif
