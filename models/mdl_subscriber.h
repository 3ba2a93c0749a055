/*
 * mdl_subscriber.h - an event subscriber: reads a flow's change events from
 * a channel (platform events / CDC) or a broker (Kafka partitions, a
 * RabbitMQ queue) and applies each to its target system.
 *
 * The life of one change event of the subscriber's flow:
 *
 *   published on a source --(allocation refused)--> lost (allocation)
 *      | in the log: the subscriber's backlog
 *      |--(purged by retention before it is read)--> lost (retention)
 *      |--(skipped by a reconnect at the tip)-------> lost (no_replay_id)
 *      v  read (one delivery from the channel's allocation; when it is
 *         exhausted reading stops until the window frees)
 *   in flight (one of `concurrency` slots):
 *      attempt n: its own processing time (mdl_service.h; none by
 *        default), then the apply call (mdl_apply.h) to the target
 *        ok -------------------------------------> delivered
 *                                                   (latency = applied - created)
 *        failed, n < max_attempts --> sleep backoff(n) in the slot, retry
 *        failed, n = max_attempts (or the broker's delivery limit), or a
 *        permanent failure with permanent_fail_fast
 *                       --> dead-lettered (a DLQ exists) or lost (dropped)
 *
 * Every change ends in exactly one ledger state (mdl_ledger.h): delivered,
 * dead-lettered, lost (retention, no_replay_id, allocation, or the last
 * failure's reason when there is no DLQ) or pending. Pending is what is
 * still in the log unread, in flight, abandoned by a crash and not yet read
 * again, or held for repair (below). mdl_subscriber_pending gives it for
 * mdl_ledger_check.
 *
 * Connection. Disconnected during offline windows, after a crash until it
 * restarts, and when its subscription token expires without auto-renewal
 * (the card: short-lived tokens "silently disconnect"); it reconnects after
 * token_reconnect (0 = never: silent until the horizon). While
 * disconnected it reads nothing; calls already running finish. On
 * reconnect (the pub/sub replay presets, REFERENCE.md A4):
 *   RESUME    (CUSTOM) from its stored replay id / committed offset; what
 *             retention purged meanwhile is lost (retention);
 *   LATEST    at the tip: every unread event is skipped, lost
 *             (no_replay_id); events purged while it was away also count as
 *             no_replay_id (they would have been skipped);
 *   EARLIEST  from the oldest retained event: a replay of what it already
 *             read (redeliveries).
 * A position found purged while reading (a lagging or returning reader) is
 * reset: EARLIEST continues at the oldest retained event, LATEST jumps to
 * the tip (Kafka's auto.offset.reset = latest: "silent loss", H1).
 *
 * At-least-once. (1) After a change is applied, with probability
 * `redelivery` the source delivers it again after redelivery_delay (a lost
 * acknowledgement): one more delivery from the allocation, one more apply.
 * (2) A crash (mdl_subscriber_crash) abandons what is in flight and rewinds
 * every source to its committed position: Kafka auto-commit commits every
 * commit_interval (5 s, H1) the lowest position not yet finished, so
 * events finished since the last commit are read and applied again. Calls
 * running at the crash finish at the target, unobserved: their change is
 * delivered when it is read again (so if such a call had succeeded, that
 * second apply is an uncounted duplicate).
 * Receivers: an upsert on an external id makes a second apply harmless; an
 * insert creates a duplicate record (counted, and in the ledger's
 * duplicates). Ordering (upserts of records with a key != 0): the target
 * holds the version (created, seq) of the last write; applying an older
 * version over a newer one is a corrupted record (ledger corrupted) unless
 * the ordering guard (sequence number / last-modified-wins) discards it.
 * Out-of-order applies come from concurrency > 1 (a later event of a key
 * finishing first, e.g. while the earlier one sleeps between retries) and
 * from redeliveries. ordered_sources = 1 keeps one event in flight per
 * source: a Kafka consumer processing each partition in order.
 *
 * CDC from other writes (mdl_channel_publish_cdc): with receive_cdc the
 * subscriber receives them (each a delivery from the allocation) and, with
 * apply_cdc, applies them like its own (calls, capacity). They are not
 * changes of an erpsim flow: counted apart (cdc_*), never in the ledger.
 *
 * Its own writes (echo). When the target has CDC on for what the
 * subscriber writes, each first apply it writes publishes a change event on
 * the target's channel (the echo callback; a redelivered copy rewrites the
 * same values and publishes nothing). A subscriber of a flow the other way
 * would apply it back, whose write publishes again: a loop. Real
 * deployments filter the integration user's own changes (the change event
 * header names the user who committed it); so does echo_filter (on by
 * default): echo events read are acknowledged and dropped, unapplied
 * (their delivery still counts against the allocation). With the filter
 * off, an echo chain is followed for at most echo_max_hops writes.
 *
 * Repair. When a reconciliation job is attached (mdl_recon.h calls
 * mdl_subscriber_hold_for_repair), lost records are not ended at once: they
 * are held (pending) until the job repairs them (delivered, reason
 * repaired, with their long latency) or the run ends (mdl_subscriber_finish
 * ends them lost, with their reason). Corrupted records are held too, to be
 * counted as repaired. Holding costs 16 bytes per record.
 *
 * Defaults (mdl_subscriber_cfg_init): concurrency 1, RESUME, reset
 * EARLIEST, upsert with ordering guard, 5 attempts with backoff base 2 s
 * full jitter (mdl_scenario.h event defaults; the card's Python example
 * uses 5 retries, base 2 s), a DLQ, no redelivery, commit per event.
 * Units: sim_time (microseconds), probabilities in [0, 1].
 *
 * Lifetime: borrows its sources, ledger, rngs and the calendar; destroy it
 * only when the calendar will not run again (its events point at it).
 *
 * Reference: integration-patterns-card.txt (failure points: replay window
 * expiry, idempotency failure, out-of-order events); REFERENCE.md A4, H1,
 * H2. Checked by: tests/models/test_mdl_subscriber.c.
 */
#ifndef MDL_SUBSCRIBER_H
#define MDL_SUBSCRIBER_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "mdl_apply.h"
#include "mdl_backoff.h"
#include "mdl_channel.h"
#include "mdl_ledger.h"
#include "mdl_scenario.h"
#include "mdl_service.h"
#include "sim_err.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_time.h"

typedef enum mdl_receiver {
    MDL_RECEIVER_UPSERT = 0, /* idempotent on an external id */
    MDL_RECEIVER_INSERT      /* a second apply creates a duplicate */
} mdl_receiver;

typedef enum mdl_reconnect {
    MDL_RECONNECT_RESUME = 0, /* CUSTOM: after the last replay id / committed offset */
    MDL_RECONNECT_LATEST,     /* at the tip */
    MDL_RECONNECT_EARLIEST    /* at the oldest retained event */
} mdl_reconnect;

typedef enum mdl_reset {
    MDL_RESET_EARLIEST = 0, /* a purged position continues at the oldest retained */
    MDL_RESET_LATEST        /* ... jumps to the tip (Kafka's default) */
} mdl_reset;

/* Echoes are followed for at most this many writes when no filter stops
 * them (a real loop has no end; this keeps a run finite). */
#define MDL_SUBSCRIBER_ECHO_MAX_HOPS 100

/* Publishes the change event of one write (hops: writes in its chain). */
typedef void mdl_echo_fn(void *ctx, uint64_t hops, sim_time now);

typedef struct mdl_subscriber_cfg {
    const char *flow_id; /* metric names (copied); required */
    const char *id;      /* subscriber id (copied); NULL or "" for a flow's only one */
    int flow;            /* the flow number its events carry on the sources, >= 0 */
    mdl_ledger *ledger;  /* borrowed; NULL = no ledger */
    int ledger_flow;     /* the ledger row its changes end in */

    mdl_channel *const *sources; /* borrowed channels (array copied); >= 1 */
    int nsources;
    int receive_cdc; /* also receives CDC events written by other flows */
    int apply_cdc;   /* ... and applies them (else acknowledges them unapplied) */

    mdl_apply apply; /* fn NULL = applied at once (no API call) */
    /* Its own processing of each event it applies, before each attempt's
     * apply call, holding the event's slot (default none). */
    mdl_service processing;
    gsl_rng *rng_processing; /* borrowed: processing times (needed unless none) */
    /* Its writes into the target publish change events (the target has CDC
     * on for what it writes): called once per first apply it writes (own
     * changes, and CDC it applies), with the chain's length; NULL = none. */
    mdl_echo_fn *echo;
    void *echo_ctx;
    int echo_filter;   /* drops echo events it reads, unapplied (default 1) */
    int echo_max_hops; /* 0 = MDL_SUBSCRIBER_ECHO_MAX_HOPS */
    int concurrency;   /* events in flight, >= 1 */
    int ordered_sources;

    mdl_reconnect reconnect;
    mdl_reset reset;
    sim_time commit_interval; /* 0 = commit each event when it is finished */

    const mdl_window_spec *offline; /* scheduled at create (copied); may be NULL */
    int noffline;
    sim_time token_lifetime;  /* 0 = the subscription token does not expire */
    int auto_renew;           /* renewed before expiry: never disconnects */
    sim_time token_reconnect; /* back this long after an expiry; 0 = never */

    mdl_receiver receiver;
    int ordering_guard;
    double redelivery;         /* probability a change is delivered again */
    sim_time redelivery_delay; /* after its first apply */
    double permanent_errors;   /* probability a record can never be applied */
    int max_attempts;          /* >= 1 */
    int permanent_fail_fast;   /* a permanent failure goes to the DLQ at once */
    mdl_backoff_cfg backoff;
    int delivery_limit;      /* broker delivery limit (RabbitMQ quorum: 20); 0 = none */
    int dead_letter;         /* a dead-letter queue exists; else dropped = lost */
    int expired_dead_letter; /* expired unread events are dead-lettered (TTL + DLX) */

    gsl_rng *rng_errors;     /* borrowed: permanent errors (needed if > 0) */
    gsl_rng *rng_redelivery; /* borrowed: redeliveries (needed if 0 < p < 1) */
    gsl_rng *rng_backoff;    /* borrowed: jitter (needed unless jitter none) */

    /* Charts (0 bins = none): lag (own events unread) and DLQ depth. */
    sim_time series_interval;
    size_t series_bins;
} mdl_subscriber_cfg;

/* The defaults listed above; flow_id, sources and apply are left empty. */
void mdl_subscriber_cfg_init(mdl_subscriber_cfg *cfg);
/* Defaults, then a flow's event block and one of its subscribers:
 * concurrency, offline windows, reconnect (replay_resume: RESUME, else
 * LATEST), token, receiver, ordering guard, redelivery, permanent errors,
 * max attempts, retry base, dead letter. Pointers are borrowed. */
void mdl_subscriber_cfg_from_spec(mdl_subscriber_cfg *cfg, const mdl_event_spec *ev,
                                  const mdl_subscriber_spec *sub);

typedef struct mdl_subscriber mdl_subscriber;

/* Attaches one reader to each source at its tip and connects at the
 * calendar's now. */
mdl_subscriber *mdl_subscriber_create(sim_queue *q, const mdl_subscriber_cfg *cfg, sim_err *err);
void mdl_subscriber_destroy(mdl_subscriber *s); /* NULL is a no-op */

/* ---- scripted faults (times >= now) ------------------------------------ */

/* Disconnected during [start, start + duration). */
int mdl_subscriber_offline(mdl_subscriber *s, sim_time start, sim_time duration, sim_err *err);
/* The token expires at `at`: disconnected until at + duration (0 = never). */
int mdl_subscriber_token_expiry(mdl_subscriber *s, sim_time at, sim_time duration, sim_err *err);
/* The process crashes at `at` and restarts down_for later (see above). */
int mdl_subscriber_crash(mdl_subscriber *s, sim_time at, sim_time down_for, sim_err *err);

/* ---- repair (mdl_recon.h) -------------------------------------------- */

/* From now on lost and corrupted records are held for repair. */
void mdl_subscriber_hold_for_repair(mdl_subscriber *s);
/* Purges what retention expired on every source by now (losses are then
 * counted or held). */
void mdl_subscriber_sync(mdl_subscriber *s, sim_time now);
/* Records held now (lost + corrupted). A job that starts at T remembers
 * this as its cut: it sees the records held before T. */
uint64_t mdl_subscriber_held(const mdl_subscriber *s);
/* Of the first `cut` held records, those created at or after `since`:
 * *lost and *corrupted (either may be NULL). */
void mdl_subscriber_diverged(const mdl_subscriber *s, uint64_t cut, sim_time since, uint64_t *lost,
                             uint64_t *corrupted);
/* Repairs them at now: lost ones end delivered (repaired) with latency
 * now - created; corrupted ones are counted repaired. Returns the number
 * repaired (lost + corrupted). */
uint64_t mdl_subscriber_repair(mdl_subscriber *s, uint64_t cut, sim_time since, sim_time now);

/* ---- end of run ---------------------------------------------------------- */

/* At the horizon: purges expired events, ends held lost records lost (with
 * their reason) and closes the offline time. Call before the ledger check.
 * The subscriber must not run afterwards. */
void mdl_subscriber_finish(mdl_subscriber *s, sim_time now);
/* Own changes not yet ended (for mdl_ledger_check). */
uint64_t mdl_subscriber_pending(const mdl_subscriber *s);
/* The sticky status of apply calls that could not be made (SIM_OK). */
int mdl_subscriber_status(const mdl_subscriber *s);
int mdl_subscriber_connected(const mdl_subscriber *s);
int mdl_subscriber_in_flight(const mdl_subscriber *s);

typedef struct mdl_subscriber_stats {
    uint64_t created;   /* own changes published on its sources (refused included) */
    uint64_t delivered; /* first applies (repairs not included) */
    uint64_t dead_lettered;
    uint64_t lost_retention, lost_no_replay_id, lost_allocation;
    uint64_t lost_failed; /* failures with no DLQ (dropped) */
    uint64_t repaired;    /* lost records delivered by repair */
    uint64_t repaired_corrupted;
    uint64_t held;            /* held for repair now */
    uint64_t redeliveries;    /* applies of changes already ended (copies, replays) */
    uint64_t duplicates;      /* duplicate records created (insert receiver) */
    uint64_t corrupted;       /* older versions written over newer ones */
    uint64_t stale_discarded; /* older versions the guard discarded */
    uint64_t attempts;        /* apply calls started (incl. retries, copies) */
    uint64_t apply_errors;    /* calls that could not be made */
    uint64_t dlq_depth;       /* own + CDC events in the DLQ */
    uint64_t disconnects, token_disconnects, crashes;
    sim_time offline_time; /* total time disconnected (up to now) */
    uint64_t lag_peak;     /* most own events unread at once */
    uint64_t cdc_received, cdc_applied, cdc_lost, cdc_dead_lettered;
    uint64_t cdc_echo_filtered; /* echo events dropped by the echo filter */
    uint64_t echoes_published;  /* change events its writes published */
    uint64_t pending;
} mdl_subscriber_stats;

void mdl_subscriber_stats_get(const mdl_subscriber *s, sim_time now, mdl_subscriber_stats *out);

/* Appends "flow.<flow_id>.event[.<id>].": created, delivered,
 * dead_lettered, lost_retention, lost_no_replay_id, lost_allocation,
 * lost_failed, repaired, repaired_corrupted, diverged_unrepaired,
 * redeliveries, duplicates, corrupted, stale_discarded, attempts,
 * attempts_per_record, dlq_depth, disconnects, token_disconnects,
 * crashes, offline_s, lag_peak, pending, cdc_received, cdc_applied,
 * cdc_lost, cdc_dead_lettered, cdc_echo_filtered, echoes_published and,
 * when configured, lag_series and dlq_series (copies). */
int mdl_subscriber_publish(const mdl_subscriber *s, sim_time now, sim_result *r, sim_err *err);

/* ---- the aggregate path (issue 14, tier R) -------------------------------
 *
 * A pass outside the calendar may carry the subscriber's reads and applies
 * of an interval [t0, t1) when nothing can bind there (docs/models/
 * aggregate.md, "Event path: commit and inject"). Its events reach a slot
 * in FIFO order: record i, published at p_i (or unread at t0), is read at
 * d_i = max(p_i, the first slot free), the slots being `slots` FIFO
 * servers (mdl_fifo_run) seeded with the ends of the calls running at t0;
 * its apply call is made at d_i and answered at e_i (the endpoint's
 * recursion, mdl_apply_endpoint.h), which frees its slot.
 *
 * At t0: mdl_subscriber_pass_read says whether a pass may carry it (the
 * static and state conditions below) and gives the calls running (their
 * tokens: mdl_apply_endpoint_answer_of gives their fixed ends; their keys:
 * see the guard below); its unread events come from its channel
 * (mdl_channel_unread). Then mdl_subscriber_pass_begin.
 * At t1 = now, in this order: mdl_channel_pass_commit (the publishes and
 * reads: the created counts, the lag and its series come with its notes),
 * mdl_subscriber_pass_commit (calls, applies, ledger, ordering guard), the
 * apply's and the endpoint's and the quota's commits, then
 * mdl_subscriber_pass_inject for every record still in flight at t1 (in
 * read order) and its apply's injection, and mdl_subscriber_pass_end.
 *
 * What the pass does not carry (mdl_subscriber_pass_read says why, and the
 * interval runs per record): a disconnected subscriber, one whose
 * subscription token expires without renewal, or one with offline, crash
 * or token windows ahead in the interval (the caller checks those: they
 * are scripted faults on the calendar), more than one source (brokers' partitions),
 * CDC received when anything publishes it (the view's cdc flag: the
 * caller checks), commits every interval, certain redelivery (p = 1) or
 * redelivery after a delay (a copy due at the original's answer is
 * carried: the pass draws the redelivery at each first apply's answer,
 * in answer order, from rng_redelivery, and names the copies in the
 * bulk; the commit then draws nothing), permanent errors,
 * echoes of its writes, a processing time, retries (every apply must
 * succeed at its first attempt: the pass checks no quota refusal, 503 or
 * timeout), copies queued, events abandoned by a crash, a slot sleeping
 * or processing, a wake-up pending (an exhausted allocation).
 *
 * The ordering guard. The key table holds a version per key only while an
 * event of that key is in flight. The commit replays it exactly for the
 * pass's own records (two of one key in flight at once, finishing out of
 * order: the older is discarded, or corrupts without the guard). The calls
 * running at t0 end through the calendar before the commit, so the caller
 * must guarantee that no record of the pass is read while a call running
 * at t0 with the same key is still in flight (else the calendar's apply
 * would not see the pass's version): the calls' keys come with
 * mdl_subscriber_pass_read. */

/* A call in flight at t0. */
typedef struct mdl_subscriber_call {
    uint64_t token; /* the apply call's token (mdl_apply_endpoint_answer_of) */
    mdl_event ev;   /* its event */
    int keyed;      /* its key is in the guard's table (upsert, key != 0) */
} mdl_subscriber_call;

typedef struct mdl_subscriber_pass_view {
    const char *why;     /* NULL: a pass may carry it; else what prevents it */
    int cdc;             /* it receives CDC events: the caller must see that nothing
                            publishes any (change events, echoes) on its source */
    int slots;           /* the c of its slot recursion (1 with ordered sources) */
    int calls;           /* calls in flight now */
    mdl_channel *source; /* its one source (borrowed) */
    int reader;          /* its reader there */
} mdl_subscriber_pass_view;

/* Fills v and writes the first min(v->calls, cap) calls in flight. */
void mdl_subscriber_pass_read(const mdl_subscriber *s, mdl_subscriber_pass_view *v,
                              mdl_subscriber_call *calls, int cap);

/* A pass carries the subscriber from now (see above): it reads nothing
 * until mdl_subscriber_pass_end. */
void mdl_subscriber_pass_begin(mdl_subscriber *s);

/* The records a pass read in [t0, t1), in read order. */
typedef struct mdl_subscriber_bulk {
    size_t n;
    const mdl_event *ev;     /* [n] as mdl_channel_pass_commit read them (own events) */
    const sim_time *read_at; /* [n] nondecreasing: the apply call's time */
    const sim_time *done_at; /* [n] the apply's success, >= read_at; >= t1: in flight */
    /* [n] or NULL (no copies): SIZE_MAX for a first reading; for a
     * redelivered copy, the index of its first reading, whose answer
     * dispatched it (read_at[i] = done_at[copy_of[i]], its event the same) */
    const size_t *copy_of;
} mdl_subscriber_bulk;

/* Adds at t1 = now what the records of b did before t1, as the per-record
 * path would have: an attempt each (the call, when there is an apply),
 * and for those answered before t1, in the order of their answers, the
 * ordering guard (stale_discarded, or corrupted in the ledger), delivered
 * and the ledger's delivered with latency done_at - created. The records
 * still in flight keep their key's reference for mdl_subscriber_pass_inject.
 * O(n log slots), no calendar event. SIM_OK; SIM_EINVAL (nothing done) if
 * no pass is on, the times are out of order, an event is not of its flow,
 * or more records are in flight at once than slots; SIM_ENOMEM (nothing
 * done) if its scratch (slots entries, kept) cannot be allocated. A key
 * table that cannot grow sets the sticky status, as a read would. */
int mdl_subscriber_pass_commit(mdl_subscriber *s, const mdl_subscriber_bulk *b);

/* How an injected call must be answered: done(ctx, token, ...) as any
 * apply call (mdl_apply.h). */
typedef struct mdl_subscriber_inflight {
    uint64_t token;
    mdl_apply_done_fn *done;
    void *ctx;
} mdl_subscriber_inflight;

/* Puts a record of the pass still in flight at t1 = now (its apply call
 * made before now, its answer not yet) into a slot, CALLING, its first
 * attempt, as if read through the calendar; nothing is counted. *out says
 * how its apply must answer it (mdl_apply_endpoint_pass_inject). SIM_OK;
 * SIM_EINVAL if no pass is on, it has no apply, or ev is not of its flow;
 * SIM_EFULL if every slot is busy; SIM_ENOMEM if the slots cannot grow.
 * Nothing happened on an error. */
int mdl_subscriber_pass_inject(mdl_subscriber *s, const mdl_event *ev,
                               mdl_subscriber_inflight *out);

/* Ends the pass at now: the committed position is the low-water mark
 * again, and it reads what is left (if a slot is free). */
void mdl_subscriber_pass_end(mdl_subscriber *s, sim_time now);

#endif
