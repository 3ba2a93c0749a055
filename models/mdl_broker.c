/*
 * mdl_broker.c - topics, partitions and queues over mdl_channel logs.
 *
 * Each topic keeps an array of channels: the P partitions of a Kafka topic
 * (fixed when the topic is made), or the queues bound to a RabbitMQ
 * exchange (one more per subscriber). The array only grows, and the
 * channels it points to live until the broker is destroyed, so a
 * subscriber may keep a pointer to it (mdl_broker_subscribe hands out
 * `parts`; for RabbitMQ a subscriber gets its own one-element slot, kept in
 * `single`).
 *
 * Partitioning. partition = mix(key) mod P, with mix the SplitMix64
 * finaliser (Kafka hashes the serialised key with murmur2; any good hash
 * gives the same property: one key, one partition, keys spread evenly).
 */
#include "mdl_broker.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "sim_alloc.h"

typedef struct topic {
    char *name;
    mdl_channel **parts;
    int nparts, capparts;
    mdl_channel ***single; /* RabbitMQ: per-subscriber one-element arrays */
    int nsingle;
    uint64_t rr;
    uint64_t published, unroutable;
} topic;

struct mdl_broker {
    char *id;
    mdl_broker_type type;
    int partitions;
    sim_time retention, commit_interval;
    mdl_reset reset;
    int delivery_limit, dead_letter;
    topic *topics;
    int ntopics, captopics;
};

void mdl_broker_cfg_init(mdl_broker_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->type = MDL_BROKER_KAFKA;
    cfg->partitions = 1;
    cfg->retention = MDL_BROKER_DEFAULT_RETENTION;
    cfg->commit_interval = MDL_BROKER_DEFAULT_COMMIT;
    cfg->offset_reset = MDL_RESET_LATEST;
}

void mdl_broker_cfg_from_spec(mdl_broker_cfg *cfg, const mdl_broker_spec *spec)
{
    mdl_broker_cfg_init(cfg);
    cfg->id = spec->id;
    cfg->type = spec->type == MDL_SPEC_BROKER_RABBITMQ ? MDL_BROKER_RABBITMQ : MDL_BROKER_KAFKA;
    cfg->partitions = spec->partitions > 0 ? spec->partitions : 1;
    cfg->retention = spec->retention;
    if (cfg->type == MDL_BROKER_KAFKA && cfg->retention == 0)
        cfg->retention = MDL_BROKER_DEFAULT_RETENTION;
    cfg->commit_interval = spec->commit_interval;
    cfg->delivery_limit = spec->delivery_limit;
    cfg->dead_letter = spec->dead_letter;
}

mdl_broker *mdl_broker_create(const mdl_broker_cfg *cfg, sim_err *err)
{
    if (!cfg->id || !cfg->id[0]) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "broker: id is required");
        return NULL;
    }
    if (cfg->partitions < 0 || cfg->retention < 0 || cfg->commit_interval < 0 ||
        cfg->delivery_limit < 0) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "broker %s: partitions, retention, commit interval and delivery limit "
                    "must be >= 0",
                    cfg->id);
        return NULL;
    }
    mdl_broker *b = sim_calloc(1, sizeof *b);
    if (!b || !(b->id = sim_strdup(cfg->id))) {
        sim_free(b);
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "broker: out of memory");
        return NULL;
    }
    b->type = cfg->type;
    b->partitions = cfg->partitions > 0 ? cfg->partitions : 1;
    if (b->type == MDL_BROKER_KAFKA)
        b->retention = cfg->retention > 0 ? cfg->retention : MDL_BROKER_DEFAULT_RETENTION;
    else
        b->retention = cfg->retention > 0 ? cfg->retention : MDL_CHANNEL_FOREVER;
    b->commit_interval = cfg->commit_interval;
    b->reset = cfg->offset_reset;
    b->delivery_limit = cfg->delivery_limit;
    b->dead_letter = cfg->dead_letter != 0;
    return b;
}

void mdl_broker_destroy(mdl_broker *b)
{
    if (!b)
        return;
    for (int t = 0; t < b->ntopics; t++) {
        topic *tp = &b->topics[t];
        for (int i = 0; i < tp->nparts; i++)
            mdl_channel_destroy(tp->parts[i]);
        for (int i = 0; i < tp->nsingle; i++)
            sim_free(tp->single[i]);
        sim_free(tp->single);
        sim_free(tp->parts);
        sim_free(tp->name);
    }
    sim_free(b->topics);
    sim_free(b->id);
    sim_free(b);
}

/* Appends a new channel (a partition or a queue) to topic tp. */
static int add_channel(mdl_broker *b, topic *tp, sim_err *err)
{
    if (tp->nparts == tp->capparts) {
        int cap = tp->capparts ? 2 * tp->capparts : 4;
        mdl_channel **p = sim_reallocarray(tp->parts, (size_t)cap, sizeof *p);
        if (!p)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "broker %s: out of memory", b->id);
        tp->parts = p;
        tp->capparts = cap;
    }
    char name[256];
    snprintf(name, sizeof name, "%s.%s.%s%d", b->id, tp->name,
             b->type == MDL_BROKER_KAFKA ? "p" : "q", tp->nparts);
    mdl_channel_cfg cc;
    mdl_channel_cfg_init(&cc);
    cc.id = name;
    cc.retention = b->retention;
    cc.keep_until_consumed = b->type == MDL_BROKER_RABBITMQ;
    mdl_channel *ch = mdl_channel_create(&cc, NULL, err);
    if (!ch)
        return err ? err->code : SIM_ENOMEM;
    tp->parts[tp->nparts++] = ch;
    return SIM_OK;
}

int mdl_broker_topic(mdl_broker *b, const char *name, int partitions, sim_err *err)
{
    for (int t = 0; t < b->ntopics; t++)
        if (strcmp(b->topics[t].name, name) == 0)
            return t;
    if (partitions < 0)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "broker %s: partitions must be >= 0",
                           b->id);
    if (b->ntopics == b->captopics) {
        int cap = b->captopics ? 2 * b->captopics : 4;
        topic *tps = sim_reallocarray(b->topics, (size_t)cap, sizeof *tps);
        if (!tps)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "broker %s: out of memory", b->id);
        b->topics = tps;
        b->captopics = cap;
    }
    topic *tp = &b->topics[b->ntopics];
    memset(tp, 0, sizeof *tp);
    tp->name = sim_strdup(name);
    if (!tp->name)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "broker %s: out of memory", b->id);
    b->ntopics++;
    if (b->type == MDL_BROKER_KAFKA) {
        int n = partitions > 0 ? partitions : b->partitions;
        for (int i = 0; i < n; i++) {
            int rc = add_channel(b, tp, err);
            if (rc != SIM_OK)
                return rc; /* the topic stays, partly built; destroy frees it */
        }
    }
    return b->ntopics - 1;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

int mdl_broker_partition_of(const mdl_broker *b, int t, uint64_t key)
{
    assert(t >= 0 && t < b->ntopics);
    const topic *tp = &b->topics[t];
    if (key == 0 || tp->nparts == 0)
        return -1;
    return (int)(mix(key) % (uint64_t)tp->nparts);
}

int mdl_broker_publish(mdl_broker *b, int t, int flow, uint64_t key, sim_time created, sim_time now)
{
    assert(t >= 0 && t < b->ntopics);
    topic *tp = &b->topics[t];
    if (tp->nparts == 0) { /* RabbitMQ exchange with no queue bound */
        tp->unroutable++;
        return SIM_OK;
    }
    tp->published++;
    if (b->type == MDL_BROKER_KAFKA) {
        int p = mdl_broker_partition_of(b, t, key);
        if (p < 0)
            p = (int)(tp->rr++ % (uint64_t)tp->nparts);
        int rc = mdl_channel_publish(tp->parts[p], flow, key, created, now, NULL);
        return rc == SIM_EFULL ? SIM_OK : rc; /* no publish allocation here */
    }
    for (int i = 0; i < tp->nparts; i++) {
        int rc = mdl_channel_publish(tp->parts[i], flow, key, created, now, NULL);
        if (rc == SIM_ENOMEM)
            return rc;
    }
    return SIM_OK;
}

int mdl_broker_subscribe(mdl_broker *b, int t, mdl_subscriber_cfg *cfg, sim_err *err)
{
    if (t < 0 || t >= b->ntopics)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "broker %s: no topic %d", b->id, t);
    topic *tp = &b->topics[t];
    if (b->type == MDL_BROKER_KAFKA) {
        cfg->sources = tp->parts;
        cfg->nsources = tp->nparts;
        cfg->commit_interval = b->commit_interval;
        cfg->reset = b->reset;
        cfg->reconnect = MDL_RECONNECT_RESUME;
        cfg->ordered_sources = 1;
        return SIM_OK;
    }
    mdl_channel ***single = sim_reallocarray(tp->single, (size_t)tp->nsingle + 1, sizeof *single);
    if (!single)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "broker %s: out of memory", b->id);
    tp->single = single;
    mdl_channel **slot = sim_malloc(sizeof *slot);
    if (!slot)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "broker %s: out of memory", b->id);
    int rc = add_channel(b, tp, err);
    if (rc != SIM_OK) {
        sim_free(slot);
        return rc;
    }
    *slot = tp->parts[tp->nparts - 1];
    tp->single[tp->nsingle++] = slot;
    cfg->sources = slot;
    cfg->nsources = 1;
    cfg->commit_interval = 0; /* acknowledged one by one */
    cfg->reset = MDL_RESET_EARLIEST;
    cfg->reconnect = MDL_RECONNECT_RESUME;
    cfg->delivery_limit = b->delivery_limit;
    cfg->dead_letter = b->dead_letter;
    cfg->expired_dead_letter = b->dead_letter;
    return SIM_OK;
}

int mdl_broker_partitions(const mdl_broker *b, int t)
{
    assert(t >= 0 && t < b->ntopics);
    return b->topics[t].nparts;
}

mdl_channel *mdl_broker_channel(const mdl_broker *b, int t, int i)
{
    assert(t >= 0 && t < b->ntopics && i >= 0 && i < b->topics[t].nparts);
    return b->topics[t].parts[i];
}

mdl_broker_type mdl_broker_type_of(const mdl_broker *b)
{
    return b->type;
}

static int put(sim_result *r, const char *id, const char *tname, const char *what, double v,
               const char *unit, sim_err *err)
{
    char name[320];
    int len = snprintf(name, sizeof name, "broker.%s.%s.%s", id, tname, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "broker: name too long: %.64s", id);
    int rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "broker: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

int mdl_broker_publish_metrics(const mdl_broker *b, sim_result *r, sim_err *err)
{
    for (int t = 0; t < b->ntopics; t++) {
        const topic *tp = &b->topics[t];
        uint64_t expired = 0, unread = 0, peak = 0, deliveries = 0;
        for (int i = 0; i < tp->nparts; i++) {
            mdl_channel_stats s;
            mdl_channel_stats_get(tp->parts[i], &s);
            expired += s.expired;
            unread += s.expired_unread;
            peak += s.retained_peak;
            deliveries += s.deliveries;
        }
        int rc;
        if ((rc = put(r, b->id, tp->name, "published", (double)tp->published, "messages", err)) ||
            (rc = put(r, b->id, tp->name, "unroutable", (double)tp->unroutable, "messages", err)) ||
            (rc = put(r, b->id, tp->name, "expired", (double)expired, "messages", err)) ||
            (rc = put(r, b->id, tp->name, "expired_unread", (double)unread, "messages", err)) ||
            (rc = put(r, b->id, tp->name, "retained_peak", (double)peak, "messages", err)) ||
            (rc = put(r, b->id, tp->name, "deliveries", (double)deliveries, "deliveries", err)))
            return rc;
    }
    return SIM_OK;
}
