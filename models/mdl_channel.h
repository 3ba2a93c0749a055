/*
 * mdl_channel.h - an ordered event log with positions, retention and
 * allocations: a system's platform-event / change-data-capture channel
 * (Salesforce platform events and CDC, SAP Event Mesh, Dynamics business
 * events), and the storage under the broker models (a Kafka partition, a
 * RabbitMQ queue; see mdl_broker.h).
 *
 * The log. Every event published gets the next position `seq` (0, 1, 2,
 * ...): the replay id a subscriber stores and resubscribes with. Entries
 * are kept in publication order in a paged log of compact records
 * (published, created, key, flow, count; 16 bytes, exact, see
 * mdl_channel.c) and leave it from the oldest end:
 *   - by time: an event published at p is purged once now > p + retention
 *     (an event exactly `retention` old can still be read; default 72 h:
 *     Salesforce high-volume platform events and CDC, REFERENCE.md A4;
 *     purging is exact to the microsecond, where Salesforce may purge later
 *     and Kafka deletes whole segments, see the docs);
 *   - when consumed (keep_until_consumed, a RabbitMQ queue): once every
 *     reader has committed past it.
 * Memory is therefore bounded by what is retained, never by the horizon.
 * CDC events written by other flows (a bulk load) are published in runs:
 * one entry of `count` events, so a million-record load costs one entry.
 *
 * Allocations (each 0 = none), each an mdl_quota shared by everything that
 * goes through this channel:
 *   delivery  deliveries per rolling 24 h. Every event delivered to every
 *             reader counts: one event read by N subscribers is N
 *             deliveries; platform events and CDC share it (REFERENCE.md A4:
 *             50,000 base on Performance/Unlimited, counted per
 *             subscriber). When it is exhausted, delivery stops until the
 *             window frees (mdl_channel_deliver says when); the events stay
 *             in the log until retention ends, so a long exhaustion turns
 *             into losses by retention. Once it has refused a delivery,
 *             readers take turns: what the window frees is shared equally
 *             among the readers waiting for it (below).
 *   publish   events published per rolling hour (250,000, a secondary
 *             source, REFERENCE.md A4). A publish beyond it fails: the event
 *             never enters the log (the readers are told, MDL_NOTE_REFUSED).
 * Both use one-minute buckets by default (mdl_quota.h): a delivery is
 * freed at most one minute later than an exact sliding log would free it.
 *
 * Sharing an exhausted delivery allocation. REFERENCE.md A4 says the
 * allocation is shared by all clients and counted per subscriber, and that
 * a client refused at exhaustion can fetch the stored events later; it does
 * not say who gets the deliveries the rolling window frees. Without a rule,
 * the first reader to wake at the freeing instant would read until refused
 * and take everything. The rule here: waiting readers take turns. After
 * the first refusal, each reader that asks joins a turn order; whenever the
 * window has freed deliveries beyond those already handed out, the
 * surplus is split equally among the waiting readers (the remainder one
 * each, in a rotating order) and each is told GRANTED; a waiting reader
 * delivers only from its share. A reader leaves the order when it has
 * nothing to read (its unused share goes to the others at once) or when
 * its owner calls mdl_channel_idle (a disconnected subscriber). With one
 * reader, or before the allocation runs out, nothing changes.
 *
 * Readers. A reader is a cursor of one subscriber (or consumer group) with a
 * filter: the events of one flow, plus (cdc = 1) the change events written
 * by other flows. It keeps:
 *   position   the next seq it will read (the replay id to resume after);
 *   high water the highest position it ever reached: events below it were
 *              read once, so reading them again (after a rewind) is a replay;
 *   committed  the position a restart rewinds to (Kafka's committed offset,
 *              a RabbitMQ queue's acknowledged prefix);
 *   backlog    matching events at or above both position and high water:
 *              published, never read, still in the log.
 * Invariant: the position is the seq of a matching event or the tip, except
 * when it has fallen below the oldest retained event (out of range). A
 * reader starts at the tip when it attaches (Salesforce's LATEST preset).
 *
 * The reader's owner is told, through its notify callback, of every
 * matching event that
 *   PUBLISHED  entered the log (backlog + n);
 *   REFUSED    was refused by the publish allocation (never in the log);
 *   EXPIRED    left the log by retention at or above its position, unread
 *              (backlog - n when not a replay);
 *   SKIPPED    was jumped over by mdl_channel_seek_tip (LATEST);
 *   GRANTED    (no event: n deliveries of the exhausted allocation were
 *              handed to it; ev->seq is its position) read now.
 * `replay` is 1 when the events lie below the high water (read before). A
 * notify callback may use the read-only accessors but must not call any
 * other function of this channel (it runs in the middle of one).
 *
 * Units: sim_time (microseconds); allocations in events per window.
 * Reference: Salesforce "Event Message Durability", "Platform Event
 * Allocations", "CDC Allocations" (REFERENCE.md A4); pub/sub API replay
 * presets LATEST / EARLIEST / CUSTOM (forcedotcom/pub-sub-api).
 * Checked by: tests/models/test_mdl_channel.c.
 */
#ifndef MDL_CHANNEL_H
#define MDL_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "mdl_scenario.h"
#include "sim_err.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_time.h"

/* The flow of change events written by other flows (bulk loads, CDC). */
#define MDL_CHANNEL_CDC (-1)
/* The flow of change events written by an event subscriber (as the
 * integration user): echoes, which an echo filter drops. Their key is the
 * number of subscriber writes in the chain that produced them (1: a
 * subscriber applied an original change). Readers of CDC read them too. */
#define MDL_CHANNEL_ECHO (-3)
/* A reader's flow when it reads no flow's events (only CDC). */
#define MDL_CHANNEL_NO_FLOW (-2)
/* Retention value for "no time limit". */
#define MDL_CHANNEL_FOREVER SIM_TIME_NEVER
/* Default retention: 72 h (REFERENCE.md A4). */
#define MDL_CHANNEL_DEFAULT_RETENTION (72 * SIM_HOUR)

/* One event as handed out by the channel. */
typedef struct mdl_event {
    uint64_t seq;       /* position in the channel: the replay id */
    sim_time published; /* entered the channel; retention counts from here */
    sim_time created;   /* the change was made at the source (latency origin) */
    uint64_t key;       /* the record changed; 0 = a record no other change touches */
    int flow;           /* publishing flow, or MDL_CHANNEL_CDC */
} mdl_event;

typedef enum mdl_channel_note {
    MDL_NOTE_PUBLISHED = 0,
    MDL_NOTE_REFUSED,
    MDL_NOTE_EXPIRED,
    MDL_NOTE_SKIPPED,
    MDL_NOTE_GRANTED
} mdl_channel_note;

/* n matching events like *ev (seqs ev->seq .. ev->seq + n - 1; seq is
 * meaningless for REFUSED) had `what` happen at now. */
typedef void mdl_channel_notify_fn(void *ctx, int reader, mdl_channel_note what,
                                   const mdl_event *ev, uint64_t n, int replay, sim_time now);

typedef struct mdl_channel_cfg {
    const char *id;             /* metric names "channel.<id>." (copied); NULL = "channel" */
    sim_time retention;         /* 0 = 72 h; MDL_CHANNEL_FOREVER = no time limit */
    int keep_until_consumed;    /* drop events every reader has committed past */
    double delivery_allocation; /* deliveries per rolling 24 h; 0 = none */
    double publish_allocation;  /* publishes per rolling hour; 0 = none */
    sim_time allocation_bucket; /* quota bucket width; 0 = one minute */
    /* Charts (0 bins = none): allocation used, backlog of the laggiest
     * reader, its oldest unread age. Sampled every interval by an event on
     * the calendar given to create (and allocation use at every delivery). */
    sim_time series_interval;
    size_t series_bins;
} mdl_channel_cfg;

/* Defaults: retention 72 h, no allocations, no charts. */
void mdl_channel_cfg_init(mdl_channel_cfg *cfg);
/* A system's events block: retention, delivery and publish allocations.
 * id is borrowed until mdl_channel_create copies it. */
void mdl_channel_cfg_from_spec(mdl_channel_cfg *cfg, const mdl_events_spec *spec, const char *id);

typedef struct mdl_channel mdl_channel;

/* q is borrowed for the channel's life when charts are configured (the
 * sampler runs on it); may be NULL otherwise. Destroy the channel only when
 * the calendar will not run again. */
mdl_channel *mdl_channel_create(const mdl_channel_cfg *cfg, sim_queue *q, sim_err *err);
void mdl_channel_destroy(mdl_channel *ch); /* NULL is a no-op */

/* ---- publishing ------------------------------------------------------ */

/* Publishes one change of `flow` (>= 0) to record `key`, created at
 * `created` (<= now), at now. SIM_OK (*seq, if not NULL, is its position),
 * SIM_EFULL when the publish allocation refused it (readers told REFUSED),
 * SIM_ENOMEM. */
int mdl_channel_publish(mdl_channel *ch, int flow, uint64_t key, sim_time created, sim_time now,
                        uint64_t *seq);

/* CDC hook: `records` records written into the system by another flow (a
 * bulk load) at now publish `records` change events (flow MDL_CHANNEL_CDC,
 * key 0, created now), as one run. They count against the publish and
 * delivery allocations like any event; they are not record changes of an
 * erpsim flow, so no ledger counts them (subscribers that receive CDC
 * count them apart). SIM_OK, SIM_EFULL when the publish allocation refused
 * some (the rest are published), SIM_ENOMEM. */
int mdl_channel_publish_cdc(mdl_channel *ch, uint64_t records, sim_time now);

/* CDC hook for an event subscriber's write (mdl_subscriber.h): one change
 * event of flow MDL_CHANNEL_ECHO with key `hops`, published at now like a
 * CDC event (allocations, readers with cdc). SIM_OK, SIM_EFULL (refused by
 * the publish allocation), SIM_ENOMEM. */
int mdl_channel_publish_echo(mdl_channel *ch, uint64_t hops, sim_time now);

/* ---- readers ---------------------------------------------------------- */

typedef struct mdl_channel_reader_cfg {
    int flow; /* the flow whose events it reads (>= 0), or MDL_CHANNEL_NO_FLOW */
    int cdc;  /* also reads MDL_CHANNEL_CDC events */
    mdl_channel_notify_fn *notify; /* may be NULL */
    void *ctx;
} mdl_channel_reader_cfg;

/* A new reader positioned at the tip. Returns its number (>= 0) or a
 * negative status (err filled). */
int mdl_channel_attach(mdl_channel *ch, const mdl_channel_reader_cfg *cfg, sim_err *err);

typedef enum mdl_channel_read {
    MDL_READ_DELIVERED = 0, /* *out is the next event; position advanced */
    MDL_READ_EMPTY,         /* nothing to read: the reader is at the tip */
    MDL_READ_ALLOCATION,    /* the delivery allocation is exhausted until *retry_at */
    MDL_READ_OUT_OF_RANGE   /* the position fell out of retention: seek first */
} mdl_channel_read;

/* Delivers the next matching event to reader r at now, taking one delivery
 * from the allocation (from r's share once readers take turns). *replay =
 * 1 when it lies below the high water (a second reading after a rewind).
 * Returns an mdl_channel_read; MDL_READ_ALLOCATION sets *retry_at, the
 * earliest time the window can hold one more delivery than it has handed
 * out (a GRANTED note may come earlier). MDL_READ_EMPTY takes r out of the
 * turn order. */
int mdl_channel_deliver(mdl_channel *ch, int r, sim_time now, mdl_event *out, int *replay,
                        sim_time *retry_at);
/* Takes one delivery for reader r from the allocation without reading (an
 * event the platform sends again), by the same turns. 1, or 0 and
 * *retry_at when refused. */
int mdl_channel_charge(mdl_channel *ch, int r, sim_time now, sim_time *retry_at);
/* Reader r stops asking for now (its subscriber disconnected): it leaves
 * the turn order and its unused share goes to the readers still waiting. */
void mdl_channel_idle(mdl_channel *ch, int r, sim_time now);

/* LATEST: jumps to the tip; every matching event passed is told SKIPPED. */
void mdl_channel_seek_tip(mdl_channel *ch, int r, sim_time now);
/* EARLIEST: moves to the oldest retained event (a replay of what is below
 * the high water). */
void mdl_channel_seek_oldest(mdl_channel *ch, int r, sim_time now);
/* Moves the position back to seq (<= position; a restart from the committed
 * position). */
void mdl_channel_rewind(mdl_channel *ch, int r, uint64_t seq);
/* Records the committed position (keep_until_consumed: frees what every
 * reader has committed past). */
void mdl_channel_commit(mdl_channel *ch, int r, uint64_t seq, sim_time now);
/* Purges what retention has expired by now (readers told EXPIRED). Every
 * other call does it too; call it before reading counts at the horizon. */
void mdl_channel_expire(mdl_channel *ch, sim_time now);

/* ---- state ------------------------------------------------------------ */

uint64_t mdl_channel_tip(const mdl_channel *ch);      /* the next seq to publish */
uint64_t mdl_channel_oldest(const mdl_channel *ch);   /* oldest retained seq (tip if empty) */
uint64_t mdl_channel_retained(const mdl_channel *ch); /* events in the log */
/* The heap bytes the log holds now (its pages of 16-byte entries, their
 * directory and the whole copies of entries that do not fit 16 bytes):
 * what is retained plus at most two pages of 256 entries. */
size_t mdl_channel_log_bytes(const mdl_channel *ch);
sim_time mdl_channel_retention(const mdl_channel *ch);
uint64_t mdl_channel_position(const mdl_channel *ch, int r);
uint64_t mdl_channel_high_water(const mdl_channel *ch, int r);
uint64_t mdl_channel_committed(const mdl_channel *ch, int r);
uint64_t mdl_channel_backlog(const mdl_channel *ch, int r);     /* matching, never read */
uint64_t mdl_channel_backlog_own(const mdl_channel *ch, int r); /* of those, the reader's flow */
/* Published time of the oldest unread event of r (SIM_TIME_NEVER if none). */
sim_time mdl_channel_oldest_unread(const mdl_channel *ch, int r);
int mdl_channel_readers(const mdl_channel *ch);

typedef struct mdl_channel_stats {
    uint64_t published;        /* events that entered the log */
    uint64_t publish_refused;  /* refused by the publish allocation */
    uint64_t cdc_published;    /* of published, by mdl_channel_publish_cdc and _echo */
    uint64_t deliveries;       /* deliveries counted (reads and charges) */
    uint64_t delivery_refused; /* delivery attempts refused by the allocation */
    uint64_t expired;          /* events purged by time */
    uint64_t expired_unread;   /* EXPIRED notes (per reader) */
    uint64_t retained_peak;    /* largest number of events in the log */
    uint64_t backlog_peak;     /* largest backlog of any reader */
    double allocation_limit;   /* delivery allocation, 0 = none */
    uint64_t allocation_peak;  /* largest count in a 24 h window */
    sim_time exhausted_at;     /* first refused delivery; SIM_TIME_NEVER if none */
    sim_time publish_exhausted_at;
    double oldest_unread_age_peak_s; /* at the sample points */
} mdl_channel_stats;

void mdl_channel_stats_get(const mdl_channel *ch, mdl_channel_stats *out);
/* Deliveries counted in the 24 h window ending at now (0 without allocation). */
uint64_t mdl_channel_allocation_used(mdl_channel *ch, sim_time now);

/* Appends "channel.<id>.": published, publish_refused, cdc_published,
 * deliveries, delivery_refused, expired, expired_unread, retained_peak,
 * backlog_peak, oldest_unread_age_peak_s, retention_s (unless forever); with a delivery
 * allocation: allocation_limit, allocation_used_peak, allocation_exhausted
 * (0/1) and allocation_exhausted_at (seconds; censored: `now`, the end of
 * the run, when it never ran out); with a publish allocation:
 * publish_allocation_exhausted_at (censored the same way); and when
 * configured the series allocation_used_series, backlog_series and
 * oldest_unread_age_series (copies). */
int mdl_channel_publish_metrics(const mdl_channel *ch, sim_time now, sim_result *r, sim_err *err);

#endif
