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
 *              handed to it; ev->seq is its position) read now;
 *   READ       (the aggregate path only: mdl_channel_pass_commit) *ev was
 *              delivered to it at now by a pass, n = 1;
 *   LAGS       (the aggregate path only, to a reader attached with
 *              pass_lags: see mdl_channel_pass_lags) in place of the
 *              pass's PUBLISHED and READ notes: the last n changes of its
 *              own backlog; ev is NULL.
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

#include "mdl_quota.h"
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
    MDL_NOTE_GRANTED,
    MDL_NOTE_READ,
    MDL_NOTE_LAGS
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
    /* 1: a pass's commit tells it the changes of its own backlog in
     * batches (LAGS), not a note per publish and read (below) */
    int pass_lags;
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

/* ---- the aggregate path (issue 14, tier R) -------------------------------
 *
 * A pass outside the calendar may carry the events of an interval [t0, t1)
 * on this channel when no allocation can bind there: it reads the channel
 * at t0, draws every publish and works out every read (the subscribers'
 * slot recursion), then at t1 hands both lists to mdl_channel_pass_commit,
 * which replays them in time order on the log, the readers and the
 * allocations exactly as mdl_channel_publish and mdl_channel_deliver would
 * have, minus the calendar: the same seqs, entries, backlogs, peaks,
 * allocation counts and series values. A redelivered copy takes a
 * delivery without reading (mdl_channel_charge): the bulk's charges.
 *
 * Read at t0: mdl_channel_pass_ready (the state conditions), the
 * allocations (mdl_channel_allocation: their rooms through mdl_quota_fits,
 * read-only), the log (tip, oldest, retention: a read must come within
 * retention of its publish), and per reader its position and the unread
 * events (mdl_channel_unread).
 *
 * What the caller must guarantee for [t0, t1):
 *   - mdl_channel_pass_ready held at t0; mdl_channel_pass_begin was called
 *     at t0 (in an event of its own, after the events of t0 it follows);
 *   - every publisher and every reader of the channel is carried by the
 *     pass (the log is shared: seqs and the time order of the entries
 *     depend on every publish), so nothing publishes, delivers or charges
 *     through the calendar in [t0, t1), and every read is in the lists;
 *   - the publishes and the deliveries fit the allocations
 *     (mdl_quota_fits on both, per grid bucket): nothing is refused;
 *   - every read finds an event (the k-th read of a reader reads its k-th
 *     unread event) and reads it within retention of its publish (nothing
 *     unread expires in [t0, t1)).
 * Between begin and commit the channel purges nothing (the replay purges
 * at each record's time, as the per-record path would) and its sampler
 * holds its sample points in [t0, t1] for the replay, which takes each
 * one before the records of its microsecond (the calendar's order at such
 * a tie depends on push order; the pass tests avoid it).
 * Equal times: a publish comes before a read at the same microsecond (an
 * event published at t is read at t at the earliest). */

/* 1 if a pass may carry the channel from now: no reader takes turns on an
 * exhausted delivery allocation, the log is not kept until consumed (a
 * broker's queue), and no reader is out of range or replaying (position
 * below its high water). */
int mdl_channel_pass_ready(const mdl_channel *ch);

typedef enum mdl_channel_allocation_kind {
    MDL_CHANNEL_PUBLISH_ALLOCATION = 0,
    MDL_CHANNEL_DELIVERY_ALLOCATION
} mdl_channel_allocation_kind;

/* The allocation's quota (NULL: none), for mdl_quota_grid and
 * mdl_quota_fits; borrowed for the channel's life. */
const mdl_quota *mdl_channel_allocation(const mdl_channel *ch, mdl_channel_allocation_kind kind);

/* The unread events of reader r (its backlog, from its position), oldest
 * first: writes the first min(n, cap) to out and returns n. A CDC run
 * counts as its events (seq, seq + 1, ...). */
uint64_t mdl_channel_unread(const mdl_channel *ch, int r, mdl_event *out, size_t cap);

/* A pass carries the channel over [t0, t1] from now (see above). */
void mdl_channel_pass_begin(mdl_channel *ch, sim_time t0, sim_time t1);

/* What the pass did on the channel in [t0, t1): its publishes and reads. */
typedef struct mdl_channel_bulk {
    size_t npub;
    const sim_time *pub_at;  /* [npub] nondecreasing, in [t0, t1) */
    const int *pub_flow;     /* [npub] each >= 0 (created = the publish time) */
    const uint64_t *pub_key; /* [npub] */
    uint64_t *pub_seq;       /* [npub] or NULL: the seq each was given (out) */
    size_t nread;
    const sim_time *read_at;   /* [nread] nondecreasing, in [t0, t1) */
    const int *read_reader;    /* [nread] the reader of each */
    mdl_event *read_ev;        /* [nread] the event each read (out) */
    size_t ncharge;            /* deliveries taken without a read (redelivered copies) */
    const sim_time *charge_at; /* [ncharge] nondecreasing, in [t0, t1) */
    const int *charge_reader;  /* [ncharge] */
} mdl_channel_bulk;

/* Replays b at t1 = now, in time order, as mdl_channel_publish (the
 * publish allocation counted, the log appended, the readers' backlogs and
 * the peaks, PUBLISHED notes) and mdl_channel_deliver (the delivery
 * allocation counted, the position moved, the allocation series set, a
 * READ note to the reader's owner) and mdl_channel_charge (the charges; a
 * charge comes before a read at the same microsecond, as a subscriber
 * dispatches a copy before it reads) would have, with the sample points held
 * since mdl_channel_pass_begin in their places (a reader attached with
 * pass_lags hears LAGS instead of PUBLISHED and READ: see
 * mdl_channel_pass_lags); then ends the pass. The
 * allocations are counted one by one (mdl_quota_force at each record's
 * time, which is what a take that fits does): the allocation series reads
 * the count at each delivery, which a commit per bucket could not give.
 * O(npub + nread + samples), no calendar event. Returns SIM_OK; SIM_EINVAL
 * (nothing done, the pass still on) if the lists are out of order, out of
 * [t0, t1], name a bad flow or reader, or a read would find nothing;
 * SIM_ENOMEM if the log could not grow (the records before it are
 * committed, the channel consistent, the pass ended: the run must stop). */
int mdl_channel_pass_commit(mdl_channel *ch, const mdl_channel_bulk *b);

/* One change of a reader's own backlog (backlog_own) in a pass's commit:
 * at `at` it became `own`, by a publish of its flow (published = 1, +1) or
 * a first reading of one (published = 0, -1). */
typedef struct mdl_channel_lag {
    sim_time at;
    uint64_t own;
    int published;
} mdl_channel_lag;

/* A reader attached with pass_lags hears of the commit's publishes and
 * reads only where its own backlog changes, and in batches: a LAGS note
 * (n changes) whenever MDL_CHANNEL_LAGS of them have gathered and at the
 * end of the commit; its notify reads them here (*n of them, in time
 * order, the commit's order of records), during that note only. It hears
 * no PUBLISHED note of the pass and no READ note, so it must take nothing
 * else from those (its own backlog is what a subscriber's lag is). Where
 * the batch cannot be allocated the notes come one by one as usual. */
#define MDL_CHANNEL_LAGS 64
const mdl_channel_lag *mdl_channel_pass_lags(const mdl_channel *ch, int r, size_t *n);

#endif
