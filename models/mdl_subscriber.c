/*
 * mdl_subscriber.c - reading, applying, retrying, losing and repairing the
 * change events of one flow.
 *
 * Pieces of state:
 *   sources[i]  one reader on each source channel, its events in flight,
 *               its abandoned set (below), and until when its channel's
 *               delivery allocation is known to be exhausted;
 *   slots       one per event in flight: CALLING (an apply call is out),
 *               SLEEPING (between attempts, a timer pending), or ZOMBIE (a
 *               call abandoned by a crash, waiting for its answer to be
 *               ignored). `active` counts CALLING + SLEEPING <= concurrency;
 *   fifo        copies the source will deliver again (at-least-once), each
 *               due at a time;
 *   keys        for upserts with keys: per key with an event in flight (or
 *               a copy queued), the version the target holds and a count of
 *               references; the entry goes when the count drops to 0, so
 *               there are at most concurrency + copies keys. The first
 *               NEAR_KEYS live in the struct (near), the others in a hash
 *               table; a key is in one place or the other;
 *   held        lost and corrupted records awaiting repair (when a
 *               reconciliation job is attached).
 *
 * First readings and replays. A change is ended in the ledger by its first
 * reading (`first`). The channel marks a reading below the reader's high
 * water as a replay; a replay is a first reading only if its seq is in the
 * source's abandoned set: the changes that were in flight (not yet ended)
 * when a crash rewound the reader. Every other replay (and every fifo copy)
 * is a redelivery of a change already ended.
 *
 * Invariants:
 *   1. pending == sum over sources of (backlog_own + abandoned_own)
 *                 + own first readings in CALLING/SLEEPING slots
 *                 + held lost records.
 *   2. Every seq in an abandoned set is >= its reader's position and below
 *      its high water (re-read or lost by a later note).
 *   3. A ZOMBIE slot is not active and holds no key reference.
 *   4. Re-entrancy: an apply may answer synchronously; pump() is guarded
 *      (a nested call sets `again`), and no slot pointer is kept across an
 *      apply call (the slot array may grow). A channel note never pumps: it
 *      defers a pump to the end of the current event (schedule_wake).
 *
 * The aggregate path (mdl_subscriber_pass_*). From pass_begin to pass_end
 * a pass carries the subscriber's reads: pump and schedule_wake do
 * nothing (the calls running at t0 still end through the calendar, and
 * their slots free), the channel's replay tells the lag's changes in
 * batches (LAGS: on_lags), and the commit works out the ordering guard
 * with the same key table: every record referenced at its read (unless
 * the guard cannot act on it: alone), written or discarded at its
 * apply (applies before reads at the same microsecond, as release comes
 * before pump), unreferenced unless it is still in flight at t1, when
 * pass_inject turns it into a CALLING slot holding that reference.
 *
 * Commits. With commit_interval I > 0 the committed position of each
 * source is the low-water mark (its position, or the lowest seq of its
 * readings still in flight) in effect at the last multiple of I. State
 * only changes inside this module's handlers, so each handler first calls
 * commit_catchup: if a multiple of I has passed since the last change, the
 * low-water mark of the state before the change is the one that was in
 * effect then. No periodic timer is needed. With I = 0 every change
 * commits at once.
 */
#include "mdl_subscriber.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim_alloc.h"
#include "sim_rng.h"
#include "sim_stats.h"

enum { S_FREE = 0, S_CALLING, S_SLEEPING, S_ZOMBIE, S_PROCESSING };
enum { K_OFFLINE = 0, K_TOKEN = 1 };

#define HELD_CORRUPTED (-1)

typedef struct slot {
    mdl_event ev;
    sim_event_id timer;
    sim_time prev_sleep;
    uint32_t gen;
    int next_free;
    int source;
    int attempts;
    uint8_t state, own, first, copy, bad, keyed;
} slot;

typedef struct abandoned {
    uint64_t seq;
    int own;
} abandoned;

typedef struct feed {
    mdl_subscriber *sub;
    mdl_channel *ch;
    int reader;
    int inflight;
    sim_time blocked_until; /* delivery allocation exhausted before this */
    abandoned *ab;
    size_t nab, capab, nab_own;
} feed;

typedef struct redo {
    mdl_event ev;
    int source;
    int keyed;
    sim_time ready;
} redo;

typedef struct keyrec {
    uint64_t key; /* 0 = empty */
    uint32_t refs;
    int has;
    sim_time cur_created;
    uint64_t cur_seq;
} keyrec;

/* Keys kept in the struct itself before the table (see key_find). */
#define NEAR_KEYS 2

typedef struct held {
    sim_time created;
    int reason; /* mdl_reason of a lost record, or HELD_CORRUPTED */
} held;

struct mdl_subscriber {
    /* What each delivery reads (on_note, pump, dispatch, the apply and
     * its answer), first: at 1,000 flows a subscriber is cold at each
     * event, so these share the struct's first few cache lines. */
    sim_queue *q;
    mdl_ledger *ledger;
    feed *src;
    slot *slots;
    redo *fifo;
    keyrec *keys;
    int nsrc, rr;
    int nslots, free_head, active;
    int concurrency, ordered;
    int lrow, flow;
    int down;
    int wake_now; /* a pump is deferred to the end of the current event */
    int pumping, again, finished;
    int in_pass;    /* a pass carries the reads (mdl_subscriber_pass_begin .. _end) */
    int committing; /* inside mdl_subscriber_pass_commit: the bulk says which applies
                       were redelivered (the pass drew them) */
    int status;
    int apply_cdc;
    mdl_receiver receiver;
    int guard;
    size_t fifo_head, fifo_n, fifo_cap;
    size_t keys_cap, keys_n; /* the table's size and entries (near ones apart) */
    keyrec near[NEAR_KEYS];  /* the first keys referenced: key 0 = free */
    sim_event_id wake_ev;
    sim_time wake_at;
    sim_time commit_interval, next_commit;
    mdl_apply apply;
    double redelivery, permanent;
    int delivery_limit, processing_on;
    gsl_rng *rng_errors, *rng_redelivery, *rng_backoff, *rng_processing;
    uint64_t own_first_inflight;
    sim_series *s_lag, *s_dlq;
    mdl_subscriber_stats st;

    char *prefix;
    int receive_cdc;
    mdl_reconnect reconnect;
    mdl_reset reset;
    sim_time token_lifetime, token_reconnect;
    int auto_renew;
    sim_time redelivery_delay;
    int max_attempts, fail_fast, dead_letter, expired_dlq;
    mdl_backoff_cfg backoff;
    mdl_service processing;
    mdl_echo_fn *echo;
    void *echo_ctx;
    int echo_filter;
    uint64_t echo_max_hops;

    held *hold;
    size_t nhold, caphold;
    uint64_t held_lost;
    int holding;

    sim_time down_since;
    sim_event_id token_timer;

    struct pending_apply *applies; /* the commit's heap of applies due; [concurrency] */
    size_t applies_cap;
    unsigned char *copy_keyed; /* the commit's: per record, its copy holds a key reference */
    size_t copy_cap;
    sim_time *lat; /* the commit's delivered latencies, in apply order; [lat_cap] */
    size_t nlat, lat_cap;
};

static void pump(mdl_subscriber *s, sim_time now);

/* ---- configuration ----------------------------------------------------- */

void mdl_subscriber_cfg_init(mdl_subscriber_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->concurrency = 1;
    cfg->reconnect = MDL_RECONNECT_RESUME;
    cfg->reset = MDL_RESET_EARLIEST;
    cfg->auto_renew = 1;
    cfg->receiver = MDL_RECEIVER_UPSERT;
    cfg->ordering_guard = 1;
    cfg->max_attempts = 5;
    cfg->backoff.jitter = MDL_JITTER_FULL;
    cfg->backoff.base = 2 * SIM_SEC;
    cfg->dead_letter = 1;
    cfg->apply_cdc = 1;
    cfg->processing.none = 1;
    cfg->echo_filter = 1;
}

void mdl_subscriber_cfg_from_spec(mdl_subscriber_cfg *cfg, const mdl_event_spec *ev,
                                  const mdl_subscriber_spec *sub)
{
    mdl_subscriber_cfg_init(cfg);
    cfg->concurrency = sub->concurrency > 0 ? sub->concurrency : 1;
    cfg->offline = sub->offline;
    cfg->noffline = sub->noffline;
    cfg->reconnect = sub->replay_resume ? MDL_RECONNECT_RESUME : MDL_RECONNECT_LATEST;
    cfg->token_lifetime = sub->token_lifetime;
    cfg->auto_renew = sub->auto_renew;
    cfg->receiver =
        ev->receiver == MDL_SPEC_RECEIVER_INSERT ? MDL_RECEIVER_INSERT : MDL_RECEIVER_UPSERT;
    cfg->ordering_guard = ev->ordering_guard;
    cfg->redelivery = ev->redelivery;
    cfg->redelivery_delay = ev->redelivery_delay;
    cfg->permanent_errors = ev->permanent_errors;
    cfg->max_attempts = ev->max_attempts > 0 ? ev->max_attempts : 1;
    if (ev->retry_base > 0)
        cfg->backoff.base = ev->retry_base;
    cfg->dead_letter = ev->dead_letter;
}

/* ---- small helpers --------------------------------------------------------- */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static int is_own(const mdl_subscriber *s, const mdl_event *ev)
{
    return ev->flow >= 0 && ev->flow == s->flow;
}

static uint64_t lag(const mdl_subscriber *s)
{
    uint64_t n = 0;
    for (int i = 0; i < s->nsrc; i++)
        n += mdl_channel_backlog_own(s->src[i].ch, s->src[i].reader);
    return n;
}

static void lag_is(mdl_subscriber *s, uint64_t l, sim_time now)
{
    if (l > s->st.lag_peak)
        s->st.lag_peak = l;
    if (s->s_lag)
        sim_series_set(s->s_lag, now, (double)l);
}

static void lag_changed(mdl_subscriber *s, sim_time now)
{
    lag_is(s, lag(s), now);
}

static void dlq_add(mdl_subscriber *s, uint64_t n, sim_time now)
{
    s->st.dlq_depth += n;
    if (s->s_dlq)
        sim_series_set(s->s_dlq, now, (double)s->st.dlq_depth);
}

/* ---- keys (near ones, then open addressing, linear probing,
 * backward-shift delete) ----------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Why near keys: every keyed record looks its key up when dispatched and
 * when applied, and at 1,000 flows the table (64 entries, 2 KB) is cold at
 * each of those events: two cache misses per record, 6% of such a run.
 * With at most NEAR_KEYS keys referenced (concurrency <= 2 without copies:
 * the landscape's connectors), the table is never touched. Keys are never
 * 0 here (tracks), so a free near entry matches no lookup. */
static keyrec *key_find(mdl_subscriber *s, uint64_t key)
{
    for (int j = 0; j < NEAR_KEYS; j++)
        if (s->near[j].key == key)
            return &s->near[j];
    if (s->keys_n == 0)
        return NULL;
    size_t mask = s->keys_cap - 1;
    for (size_t i = (size_t)mix(key) & mask;; i = (i + 1) & mask) {
        if (s->keys[i].key == key)
            return &s->keys[i];
        if (s->keys[i].key == 0)
            return NULL;
    }
}

static int key_grow(mdl_subscriber *s)
{
    size_t cap = s->keys_cap ? 2 * s->keys_cap : 64;
    keyrec *k = sim_calloc(cap, sizeof *k);
    if (!k)
        return SIM_ENOMEM;
    for (size_t j = 0; j < s->keys_cap; j++) {
        if (s->keys[j].key == 0)
            continue;
        size_t i = (size_t)mix(s->keys[j].key) & (cap - 1);
        while (k[i].key != 0)
            i = (i + 1) & (cap - 1);
        k[i] = s->keys[j];
    }
    sim_free(s->keys);
    s->keys = k;
    s->keys_cap = cap;
    return SIM_OK;
}

/* Takes a reference on key; 1, or 0 when the table cannot grow. */
static int key_ref(mdl_subscriber *s, uint64_t key)
{
    keyrec *k = key_find(s, key);
    for (int j = 0; !k && j < NEAR_KEYS; j++) {
        if (s->near[j].key == 0) {
            k = &s->near[j];
            memset(k, 0, sizeof *k);
            k->key = key;
        }
    }
    if (!k) {
        if (2 * (s->keys_n + 1) > s->keys_cap && key_grow(s) != SIM_OK) {
            s->status = SIM_ENOMEM;
            return 0;
        }
        size_t mask = s->keys_cap - 1;
        size_t i = (size_t)mix(key) & mask;
        while (s->keys[i].key != 0)
            i = (i + 1) & mask;
        k = &s->keys[i];
        memset(k, 0, sizeof *k);
        k->key = key;
        s->keys_n++;
    }
    k->refs++;
    return 1;
}

static void key_unref(mdl_subscriber *s, uint64_t key)
{
    keyrec *k = key_find(s, key);
    assert(k && k->refs > 0);
    if (--k->refs > 0)
        return;
    for (int j = 0; j < NEAR_KEYS; j++) {
        if (k == &s->near[j]) {
            k->key = 0;
            return;
        }
    }
    /* Backward-shift deletion keeps every probe chain unbroken. */
    size_t mask = s->keys_cap - 1;
    size_t i = (size_t)(k - s->keys);
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (s->keys[j].key == 0)
            break;
        size_t home = (size_t)mix(s->keys[j].key) & mask;
        /* Entry j may move to i if its home is not in the cyclic range (i, j]. */
        int in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            s->keys[i] = s->keys[j];
            i = j;
        }
    }
    s->keys[i].key = 0;
    s->keys_n--;
}

static int tracks(const mdl_subscriber *s, const mdl_event *ev)
{
    /* An echo's key is its hop count, not a record. */
    return s->receiver == MDL_RECEIVER_UPSERT && ev->key != 0 && ev->flow != MDL_CHANNEL_ECHO;
}

/* The target holds a version newer than ev. */
static int newer(const keyrec *k, const mdl_event *ev)
{
    return k->has && (k->cur_created > ev->created ||
                      (k->cur_created == ev->created && k->cur_seq > ev->seq));
}

/* ---- abandoned sets (sorted by seq) ------------------------------------ */

static size_t ab_lower(const feed *c, uint64_t seq)
{
    size_t lo = 0, hi = c->nab;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->ab[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void ab_add(mdl_subscriber *s, feed *c, uint64_t seq, int own)
{
    if (c->nab == c->capab) {
        size_t cap = c->capab ? 2 * c->capab : 8;
        abandoned *a = sim_reallocarray(c->ab, cap, sizeof *a);
        if (!a) {
            s->status = SIM_ENOMEM;
            return;
        }
        c->ab = a;
        c->capab = cap;
    }
    size_t i = ab_lower(c, seq);
    memmove(&c->ab[i + 1], &c->ab[i], (c->nab - i) * sizeof *c->ab);
    c->ab[i].seq = seq;
    c->ab[i].own = own;
    c->nab++;
    if (own)
        c->nab_own++;
}

/* Removes the abandoned seqs in [lo, hi); counts them. */
static void ab_remove(feed *c, uint64_t lo, uint64_t hi, uint64_t *own, uint64_t *other)
{
    *own = *other = 0;
    if (c->nab == 0)
        return;
    size_t i = ab_lower(c, lo), j = i;
    while (j < c->nab && c->ab[j].seq < hi) {
        if (c->ab[j].own)
            (*own)++;
        else
            (*other)++;
        j++;
    }
    memmove(&c->ab[i], &c->ab[j], (c->nab - j) * sizeof *c->ab);
    c->nab -= j - i;
    c->nab_own -= *own;
}

/* ---- ends of records ------------------------------------------------------ */

static int hold_push(mdl_subscriber *s, sim_time created, int reason)
{
    if (s->nhold == s->caphold) {
        size_t cap = s->caphold ? 2 * s->caphold : 64;
        held *h = sim_reallocarray(s->hold, cap, sizeof *h);
        if (!h) {
            s->status = SIM_ENOMEM;
            return 0;
        }
        s->hold = h;
        s->caphold = cap;
    }
    s->hold[s->nhold].created = created;
    s->hold[s->nhold].reason = reason;
    s->nhold++;
    return 1;
}

/* n own records like ev are lost for `reason`: held for repair or ended. */
static void lose(mdl_subscriber *s, const mdl_event *ev, mdl_reason reason, uint64_t n)
{
    switch (reason) {
    case MDL_R_RETENTION:
        s->st.lost_retention += n;
        break;
    case MDL_R_NO_REPLAY_ID:
        s->st.lost_no_replay_id += n;
        break;
    case MDL_R_ALLOCATION:
        s->st.lost_allocation += n;
        break;
    default:
        s->st.lost_failed += n;
        break;
    }
    uint64_t ended = n;
    if (s->holding) {
        for (uint64_t i = 0; i < n && hold_push(s, ev->created, (int)reason); i++) {
            s->held_lost++;
            ended--;
        }
    }
    if (ended > 0 && s->ledger)
        mdl_ledger_end(s->ledger, s->lrow, MDL_LOST, reason, ended, 0);
}

static void dead_letter_own(mdl_subscriber *s, mdl_reason reason, uint64_t n, sim_time now)
{
    s->st.dead_lettered += n;
    dlq_add(s, n, now);
    if (s->ledger)
        mdl_ledger_end(s->ledger, s->lrow, MDL_DEAD_LETTERED, reason, n, 0);
}

/* ---- wake-ups --------------------------------------------------------------- */

static void wake_fire(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    mdl_subscriber *s = ctx;
    s->wake_ev = SIM_EVENT_NONE;
    pump(s, now);
}

static void wake_deferred(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    mdl_subscriber *s = ctx;
    s->wake_now = 0;
    pump(s, now);
}

/* Pumps at t (one wake pending at a time: the earliest; a pump arms again
 * what it still waits for). A wake at the current time is not pumped in
 * the caller's frame (a channel telling its readers, or a pump in
 * progress) but deferred to the end of the current event: the same
 * instant, without an event on the calendar. */
static void schedule_wake(mdl_subscriber *s, sim_time t)
{
    if (s->finished || s->wake_now || s->in_pass)
        return;
    if (s->wake_ev != SIM_EVENT_NONE && sim_queue_pending(s->q, s->wake_ev)) {
        if (s->wake_at <= t)
            return;
        sim_queue_cancel(s->q, s->wake_ev);
        s->wake_ev = SIM_EVENT_NONE;
    }
    if (t <= sim_queue_now(s->q)) {
        s->wake_now = 1;
        sim_queue_defer(s->q, wake_deferred, s, 0);
        return;
    }
    s->wake_at = t;
    s->wake_ev = sim_queue_push(s->q, t, wake_fire, s, 0);
}

/* ---- commits ------------------------------------------------------------------ */

static uint64_t lowwater(const mdl_subscriber *s, int i)
{
    uint64_t lw = mdl_channel_position(s->src[i].ch, s->src[i].reader);
    for (int j = 0; j < s->nslots; j++) {
        const slot *sl = &s->slots[j];
        if ((sl->state == S_CALLING || sl->state == S_SLEEPING || sl->state == S_PROCESSING) &&
            sl->source == i && !sl->copy)
            lw = min_u64(lw, sl->ev.seq);
    }
    return lw;
}

static void commit_source(mdl_subscriber *s, int i, sim_time now)
{
    mdl_channel_commit(s->src[i].ch, s->src[i].reader, lowwater(s, i), now);
}

static void commit_catchup(mdl_subscriber *s, sim_time now)
{
    if (s->commit_interval == 0 || now < s->next_commit)
        return;
    for (int i = 0; i < s->nsrc; i++)
        commit_source(s, i, now);
    s->next_commit = (now / s->commit_interval + 1) * s->commit_interval;
}

static void commit_immediate(mdl_subscriber *s, int i, sim_time now)
{
    if (s->commit_interval == 0)
        commit_source(s, i, now);
}

/* ---- channel notes ------------------------------------------------------------ */

/* A pass's PUBLISHED and READ notes that change the lag, in a batch
 * (mdl_channel_pass_lags): what on_note does for each. */
static void on_lags(feed *c, int reader, uint64_t n)
{
    mdl_subscriber *s = c->sub;
    size_t k;
    const mdl_channel_lag *l = mdl_channel_pass_lags(c->ch, reader, &k);
    uint64_t made = 0, peak = s->st.lag_peak;
    assert(s->nsrc == 1 && k == n); /* its lag is that reader's own backlog */
    (void)n;
    for (size_t j = 0; j < k; j++) { /* lag_is, the peak kept in a local */
        made += (uint64_t)l[j].published;
        if (l[j].own > peak)
            peak = l[j].own;
    }
    s->st.lag_peak = peak;
    if (s->s_lag)
        for (size_t j = 0; j < k; j++)
            sim_series_set(s->s_lag, l[j].at, (double)l[j].own);
    for (size_t j = 0; !s->in_pass && j < k; j++) /* a pass's wakes do nothing */
        if (l[j].published && s->down == 0 && s->active < s->concurrency &&
            l[j].at >= c->blocked_until)
            schedule_wake(s, l[j].at);
    s->st.created += made;
    if (s->ledger && made > 0)
        mdl_ledger_created(s->ledger, s->lrow, made);
}

static void on_note(void *ctx, int reader, mdl_channel_note what, const mdl_event *ev, uint64_t n,
                    int replay, sim_time now)
{
    feed *c = ctx;
    if (what == MDL_NOTE_LAGS) { /* ev is NULL */
        on_lags(c, reader, n);
        return;
    }
    mdl_subscriber *s = c->sub;
    int own = is_own(s, ev);
    switch (what) {
    case MDL_NOTE_PUBLISHED:
        if (own) {
            s->st.created += n;
            if (s->ledger)
                mdl_ledger_created(s->ledger, s->lrow, n);
            lag_changed(s, now);
        }
        if (s->down == 0 && s->active < s->concurrency && now >= c->blocked_until)
            schedule_wake(s, now);
        break;
    case MDL_NOTE_REFUSED:
        if (own) {
            s->st.created += n;
            if (s->ledger)
                mdl_ledger_created(s->ledger, s->lrow, n);
            lose(s, ev, MDL_R_ALLOCATION, n);
        } else {
            s->st.cdc_lost += n;
        }
        break;
    case MDL_NOTE_EXPIRED:
    case MDL_NOTE_SKIPPED: {
        /* While away without a replay id, purged events would have been
         * skipped at reconnect anyway: that is the cause. */
        int away_latest = s->down > 0 && s->reconnect == MDL_RECONNECT_LATEST;
        mdl_reason reason =
            (what == MDL_NOTE_SKIPPED || away_latest) ? MDL_R_NO_REPLAY_ID : MDL_R_RETENTION;
        uint64_t k_own = 0, k_cdc = 0;
        if (replay)
            ab_remove(c, ev->seq, ev->seq + n, &k_own, &k_cdc);
        else if (own)
            k_own = n;
        else
            k_cdc = n;
        if (what == MDL_NOTE_EXPIRED && s->expired_dlq) {
            if (k_own)
                dead_letter_own(s, MDL_R_RETENTION, k_own, now);
            s->st.cdc_dead_lettered += k_cdc;
            dlq_add(s, k_cdc, now);
        } else {
            if (k_own)
                lose(s, ev, reason, k_own);
            s->st.cdc_lost += k_cdc;
        }
        if (own && !replay)
            lag_changed(s, now);
        break;
    }
    case MDL_NOTE_GRANTED:
        /* Its turn on the exhausted delivery allocation: read now. */
        c->blocked_until = now;
        if (s->down == 0 && s->active < s->concurrency)
            schedule_wake(s, now);
        break;
    case MDL_NOTE_READ: /* a pass read it (read_one's lag, in the replay's order) */
        if (own && !replay)
            lag_changed(s, now);
        break;
    case MDL_NOTE_LAGS: /* above */
        break;
    }
}

/* A first reading abandoned by a crash after retention purged its event
 * (it was read near the end of the window and still in flight): the rewind
 * cannot read it again and no EXPIRED note will come for it, so it ends
 * now, as such a note would end it. */
static void purged_in_flight(mdl_subscriber *s, const mdl_event *ev, int own, sim_time now)
{
    int away_latest = s->down > 0 && s->reconnect == MDL_RECONNECT_LATEST;
    if (s->expired_dlq && own) {
        dead_letter_own(s, MDL_R_RETENTION, 1, now);
    } else if (s->expired_dlq) {
        s->st.cdc_dead_lettered++;
        dlq_add(s, 1, now);
    } else if (own) {
        lose(s, ev, away_latest ? MDL_R_NO_REPLAY_ID : MDL_R_RETENTION, 1);
    } else {
        s->st.cdc_lost++;
    }
}

/* ---- slots ---------------------------------------------------------------------- */

static int ensure_slot(mdl_subscriber *s)
{
    if (s->free_head >= 0)
        return SIM_OK;
    int cap = s->nslots ? 2 * s->nslots : s->concurrency;
    slot *sl = sim_reallocarray_hot(s->slots, (size_t)s->nslots, (size_t)cap, sizeof *sl);
    if (!sl)
        return SIM_ENOMEM;
    s->slots = sl;
    for (int i = cap - 1; i >= s->nslots; i--) {
        memset(&sl[i], 0, sizeof sl[i]);
        sl[i].state = S_FREE;
        sl[i].next_free = s->free_head;
        s->free_head = i;
    }
    s->nslots = cap;
    return SIM_OK;
}

static int slot_take(mdl_subscriber *s)
{
    int i = s->free_head;
    assert(i >= 0);
    s->free_head = s->slots[i].next_free;
    return i;
}

static void slot_free(mdl_subscriber *s, int i)
{
    slot *sl = &s->slots[i];
    sl->state = S_FREE;
    sl->gen++;
    sl->timer = SIM_EVENT_NONE;
    sl->next_free = s->free_head;
    s->free_head = i;
}

static uint64_t token_of(const mdl_subscriber *s, int i)
{
    return ((uint64_t)s->slots[i].gen << 32) | (uint32_t)i;
}

/* The slot a token names, or -1 if it is stale. */
static int slot_of(const mdl_subscriber *s, uint64_t token)
{
    uint32_t i = (uint32_t)(token & 0xffffffffu);
    uint32_t gen = (uint32_t)(token >> 32);
    if ((int)i >= s->nslots || s->slots[i].gen != gen)
        return -1;
    return (int)i;
}

/* Ends the slot's presence (not its record: the callers did that). */
static void release(mdl_subscriber *s, int i, sim_time now)
{
    slot *sl = &s->slots[i];
    int src = sl->source, was_copy = sl->copy;
    if (sl->keyed)
        key_unref(s, sl->ev.key);
    if (sl->own && sl->first)
        s->own_first_inflight--;
    s->active--;
    s->src[src].inflight--;
    slot_free(s, i);
    if (!was_copy)
        commit_immediate(s, src, now);
}

static int want_redelivery(mdl_subscriber *s)
{
    if (!(s->redelivery > 0.0))
        return 0;
    if (s->redelivery >= 1.0)
        return 1;
    return sim_rng_bernoulli(s->rng_redelivery, s->redelivery);
}

static void push_copy(mdl_subscriber *s, const mdl_event *ev, int source, sim_time ready)
{
    if (s->fifo_n == s->fifo_cap) {
        size_t cap = s->fifo_cap ? 2 * s->fifo_cap : 16;
        redo *f = sim_reallocarray(NULL, cap, sizeof *f);
        if (!f) {
            s->status = SIM_ENOMEM;
            return;
        }
        for (size_t k = 0; k < s->fifo_n; k++)
            f[k] = s->fifo[(s->fifo_head + k) % s->fifo_cap];
        sim_free(s->fifo);
        s->fifo = f;
        s->fifo_cap = cap;
        s->fifo_head = 0;
    }
    redo *c = &s->fifo[(s->fifo_head + s->fifo_n) % s->fifo_cap];
    c->ev = *ev;
    c->source = source;
    c->ready = ready;
    c->keyed = tracks(s, ev) && key_ref(s, ev->key);
    s->fifo_n++;
}

/* The apply of ev (own: of its flow; first: its first reading; keyed: it
 * holds a reference on its key; source: its source) succeeded at now. */
static void applied_event(mdl_subscriber *s, const mdl_event *ev, int own, int first, int keyed,
                          int source, sim_time now)
{
    int written = 1;
    if (keyed) {
        keyrec *k = key_find(s, ev->key);
        assert(k);
        if (newer(k, ev)) {
            if (s->guard) {
                s->st.stale_discarded++;
                written = 0;
            } else if (own) {
                s->st.corrupted++;
                if (s->ledger)
                    mdl_ledger_corrupted(s->ledger, s->lrow, 1);
                if (s->holding)
                    hold_push(s, ev->created, HELD_CORRUPTED);
            }
        }
        if (written) {
            k->has = 1;
            k->cur_created = ev->created;
            k->cur_seq = ev->seq;
        }
    }
    if (first) {
        if (own) {
            s->st.delivered++;
            /* A commit hands its latencies to the ledger together (the same
             * histogram, bit for bit: mdl_ledger_delivered_n). */
            if (s->ledger && s->committing)
                s->lat[s->nlat++] = now - ev->created;
            else if (s->ledger)
                mdl_ledger_delivered(s->ledger, s->lrow, now - ev->created);
        } else {
            s->st.cdc_applied++;
        }
        /* Its write into a CDC object of the target publishes a change
         * event there: an echo, one more write down the chain. */
        uint64_t hops = (ev->flow == MDL_CHANNEL_ECHO ? ev->key : 0) + 1;
        if (written && s->echo && (own || s->apply_cdc) && hops <= s->echo_max_hops) {
            s->st.echoes_published++;
            s->echo(s->echo_ctx, hops, now);
        }
        if (!s->committing && want_redelivery(s))
            push_copy(s, ev, source, now + s->redelivery_delay);
    } else {
        s->st.redeliveries++;
        if (s->receiver == MDL_RECEIVER_INSERT && own) {
            s->st.duplicates++;
            if (s->ledger)
                mdl_ledger_duplicate(s->ledger, s->lrow, 1);
        }
    }
}

/* The apply of slot i succeeded at now. */
static void applied(mdl_subscriber *s, int i, sim_time now)
{
    const slot *sl = &s->slots[i];
    applied_event(s, &sl->ev, sl->own, sl->first, sl->keyed, sl->source, now);
}

/* Slot i failed for good (attempts used up or permanent): DLQ or dropped. */
static void give_up(mdl_subscriber *s, int i, mdl_reason reason, sim_time now)
{
    slot *sl = &s->slots[i];
    if (!sl->first)
        return; /* a copy of a change already ended */
    if (s->dead_letter) {
        if (sl->own) {
            dead_letter_own(s, reason, 1, now);
        } else {
            s->st.cdc_dead_lettered++;
            dlq_add(s, 1, now);
        }
    } else if (sl->own) {
        lose(s, &sl->ev, reason, 1);
    } else {
        s->st.cdc_lost++;
    }
}

static void start_attempt(mdl_subscriber *s, int i, sim_time now);

static void retry_fire(void *ctx, uint64_t token, sim_time now)
{
    mdl_subscriber *s = ctx;
    int i = slot_of(s, token);
    if (i < 0 || s->slots[i].state != S_SLEEPING)
        return;
    s->slots[i].state = S_CALLING;
    s->slots[i].timer = SIM_EVENT_NONE;
    commit_catchup(s, now);
    start_attempt(s, i, now);
}

static void finish_attempt(mdl_subscriber *s, int i, int ok, int retryable, sim_time now)
{
    slot *sl = &s->slots[i];
    if (ok && sl->bad) { /* the call was made; the target refused the data */
        ok = 0;
        retryable = 0;
    }
    if (ok) {
        applied(s, i, now);
        release(s, i, now);
        pump(s, now);
        return;
    }
    int limit = s->max_attempts;
    if (s->delivery_limit > 0 && s->delivery_limit < limit)
        limit = s->delivery_limit;
    if ((!retryable && s->fail_fast) || sl->attempts >= limit) {
        give_up(s, i, retryable ? MDL_R_RETRIES : MDL_R_PERMANENT, now);
        release(s, i, now);
        pump(s, now);
        return;
    }
    sim_time d = mdl_backoff_delay(&s->backoff, sl->attempts, &sl->prev_sleep, -1, s->rng_backoff);
    sl->state = S_SLEEPING;
    sl->timer = sim_queue_after(s->q, d, retry_fire, s, token_of(s, i));
}

static void on_done(void *ctx, uint64_t token, int ok, int retryable, sim_time now)
{
    mdl_subscriber *s = ctx;
    int i = slot_of(s, token);
    if (i < 0)
        return;
    if (s->slots[i].state == S_ZOMBIE) { /* abandoned by a crash: ignored */
        slot_free(s, i);
        return;
    }
    if (s->slots[i].state != S_CALLING)
        return;
    commit_catchup(s, now);
    finish_attempt(s, i, ok, retryable, now);
}

/* The attempt's apply call (its processing, if any, is done). */
static void call_apply(mdl_subscriber *s, int i, sim_time now)
{
    slot *sl = &s->slots[i];
    if (s->apply.fn == NULL || (!sl->own && !s->apply_cdc)) {
        finish_attempt(s, i, 1, 0, now); /* applied without a call */
        return;
    }
    s->st.attempts++;
    int rc = s->apply.fn(s->apply.impl, token_of(s, i), now, on_done, s);
    /* The slot may have been answered (and reused) already: do not touch it. */
    if (rc != SIM_OK) {
        s->status = rc;
        s->st.apply_errors++;
        finish_attempt(s, i, 0, 1, now);
    }
}

static void processed_fire(void *ctx, uint64_t token, sim_time now)
{
    mdl_subscriber *s = ctx;
    int i = slot_of(s, token);
    if (i < 0 || s->slots[i].state != S_PROCESSING)
        return;
    s->slots[i].state = S_CALLING;
    s->slots[i].timer = SIM_EVENT_NONE;
    commit_catchup(s, now);
    call_apply(s, i, now);
}

static void start_attempt(mdl_subscriber *s, int i, sim_time now)
{
    slot *sl = &s->slots[i];
    /* Every attempt counts toward max_attempts, with or without a call:
     * a bad record applied without a call would otherwise retry for ever. */
    sl->attempts++;
    if (s->processing_on && (sl->own || s->apply_cdc)) {
        /* Its own work on the event first, holding the slot. */
        double d = mdl_service_sample(&s->processing, s->rng_processing);
        sl->state = S_PROCESSING;
        sl->timer =
            sim_queue_after(s->q, sim_time_clamp_seconds(d), processed_fire, s, token_of(s, i));
        return;
    }
    call_apply(s, i, now);
}

/* Puts an event read (or a copy) into a free slot and starts it. */
static void dispatch(mdl_subscriber *s, const mdl_event *ev, int source, int first, int is_copy,
                     int keyed, sim_time now)
{
    int i = slot_take(s);
    slot *sl = &s->slots[i];
    sl->ev = *ev;
    sl->source = source;
    sl->first = (uint8_t)first;
    sl->copy = (uint8_t)is_copy;
    sl->own = (uint8_t)is_own(s, ev);
    sl->attempts = 0;
    sl->prev_sleep = 0;
    sl->timer = SIM_EVENT_NONE;
    sl->state = S_CALLING;
    int applies = sl->own || s->apply_cdc;
    sl->bad = (uint8_t)(first && applies && s->permanent > 0.0 &&
                        sim_rng_bernoulli(s->rng_errors, s->permanent));
    if (is_copy)
        sl->keyed = (uint8_t)keyed;
    else
        sl->keyed = (uint8_t)(tracks(s, ev) && key_ref(s, ev->key));
    s->active++;
    s->src[source].inflight++;
    if (sl->own && first)
        s->own_first_inflight++;
    start_attempt(s, i, now);
}

/* The position of source i fell out of retention: apply the reset policy. */
static void reset_source(mdl_subscriber *s, int i, sim_time now)
{
    feed *c = &s->src[i];
    if (s->reset == MDL_RESET_LATEST)
        mdl_channel_seek_tip(c->ch, c->reader, now);
    else
        mdl_channel_seek_oldest(c->ch, c->reader, now);
    commit_source(s, i, now);
    lag_changed(s, now);
}

/* The source k after i (i, k < nsrc) in the round, without a division: a
 * 32-bit idiv per read was a third of pump's own time at 100 flows. */
static int next_source(const mdl_subscriber *s, int i, int k)
{
    int j = i + k;
    return j >= s->nsrc ? j - s->nsrc : j;
}

/* Reads from the sources round-robin; 1 if something was dispatched. */
static int read_one(mdl_subscriber *s, sim_time now)
{
    for (int k = 0; k < s->nsrc; k++) {
        int i = next_source(s, s->rr, k);
        feed *c = &s->src[i];
        if (s->ordered && c->inflight > 0)
            continue;
        if (now < c->blocked_until) {
            /* The wake set when it blocked may have been replaced by an
             * earlier one (a reconnect, a copy due): look again then. */
            schedule_wake(s, c->blocked_until);
            continue;
        }
        for (int tries = 0; tries < 2; tries++) {
            mdl_event ev;
            int replay = 0;
            sim_time retry = SIM_TIME_NEVER;
            int rc = mdl_channel_deliver(c->ch, c->reader, now, &ev, &replay, &retry);
            if (rc == MDL_READ_OUT_OF_RANGE) {
                reset_source(s, i, now);
                continue;
            }
            if (rc == MDL_READ_ALLOCATION) {
                c->blocked_until = retry;
                schedule_wake(s, retry);
            }
            if (rc != MDL_READ_DELIVERED)
                break;
            int first = 1;
            if (replay) {
                uint64_t o, x;
                ab_remove(c, ev.seq, ev.seq + 1, &o, &x);
                first = (o + x) > 0;
            }
            if (first && !is_own(s, &ev))
                s->st.cdc_received++;
            if (ev.flow == MDL_CHANNEL_ECHO && s->echo_filter) {
                /* The integration user's own write: acknowledged, not applied. */
                if (first)
                    s->st.cdc_echo_filtered++;
                s->rr = next_source(s, i, 1);
                commit_immediate(s, i, now);
                return 1;
            }
            if (first && is_own(s, &ev))
                lag_changed(s, now);
            s->rr = next_source(s, i, 1);
            dispatch(s, &ev, i, first, 0, 0, now);
            commit_immediate(s, i, now);
            return 1;
        }
    }
    return 0;
}

/* Dispatches the next due copy; 1 if one was, 0 if none is due, -1 if its
 * channel's allocation is exhausted. */
static int copy_one(mdl_subscriber *s, sim_time now)
{
    if (s->fifo_n == 0)
        return 0;
    redo *c = &s->fifo[s->fifo_head];
    if (c->ready > now) {
        schedule_wake(s, c->ready);
        return 0;
    }
    feed *src = &s->src[c->source];
    sim_time retry = SIM_TIME_NEVER;
    if (now < src->blocked_until || !mdl_channel_charge(src->ch, src->reader, now, &retry)) {
        if (now >= src->blocked_until)
            src->blocked_until = retry;
        schedule_wake(s, src->blocked_until);
        return -1;
    }
    redo taken = *c;
    s->fifo_head = (s->fifo_head + 1) % s->fifo_cap;
    s->fifo_n--;
    dispatch(s, &taken.ev, taken.source, 0, 1, taken.keyed, now);
    return 1;
}

static void pump(mdl_subscriber *s, sim_time now)
{
    if (s->finished || s->in_pass)
        return;
    if (s->pumping) {
        s->again = 1;
        return;
    }
    s->pumping = 1;
    commit_catchup(s, now);
    do {
        s->again = 0;
        while (s->down == 0 && s->active < s->concurrency) {
            if (ensure_slot(s) != SIM_OK) {
                s->status = SIM_ENOMEM;
                goto out;
            }
            int rc = copy_one(s, now);
            if (rc > 0)
                continue;
            if (rc < 0)
                break;
            if (!read_one(s, now))
                break;
        }
    } while (s->again);
out:
    s->pumping = 0;
}

/* ---- connection ------------------------------------------------------------------ */

static void token_fire(void *ctx, uint64_t arg, sim_time now);
static void up_fire(void *ctx, uint64_t arg, sim_time now);

static void arm_token(mdl_subscriber *s, sim_time now)
{
    if (s->token_lifetime > 0 && !s->auto_renew)
        s->token_timer = sim_queue_push(s->q, now + s->token_lifetime, token_fire, s, 0);
}

static void go_down(mdl_subscriber *s, sim_time now)
{
    if (s->down++ > 0)
        return;
    s->down_since = now;
    s->st.disconnects++;
    for (int i = 0; i < s->nsrc; i++) /* no longer waits for its turn */
        mdl_channel_idle(s->src[i].ch, s->src[i].reader, now);
    if (s->token_timer != SIM_EVENT_NONE) {
        sim_queue_cancel(s->q, s->token_timer);
        s->token_timer = SIM_EVENT_NONE;
    }
}

static void go_up(mdl_subscriber *s, sim_time now)
{
    assert(s->down > 0);
    if (s->down == 1) /* what expired up to this instant expired while away */
        mdl_subscriber_sync(s, now);
    if (--s->down > 0)
        return;
    s->st.offline_time += now - s->down_since;
    commit_catchup(s, now);
    for (int i = 0; i < s->nsrc; i++) {
        feed *c = &s->src[i];
        if (s->reconnect == MDL_RECONNECT_LATEST)
            mdl_channel_seek_tip(c->ch, c->reader, now);
        else if (s->reconnect == MDL_RECONNECT_EARLIEST)
            mdl_channel_seek_oldest(c->ch, c->reader, now);
        else
            continue;
        commit_source(s, i, now);
    }
    lag_changed(s, now);
    arm_token(s, now);
    schedule_wake(s, now);
}

static void token_fire(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    mdl_subscriber *s = ctx;
    s->token_timer = SIM_EVENT_NONE;
    s->st.token_disconnects++;
    go_down(s, now);
    if (s->token_reconnect > 0)
        sim_queue_push(s->q, now + s->token_reconnect, up_fire, s, K_TOKEN);
}

static void down_fire(void *ctx, uint64_t arg, sim_time now)
{
    mdl_subscriber *s = ctx;
    if (arg == K_TOKEN)
        s->st.token_disconnects++;
    go_down(s, now);
}

static void up_fire(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    go_up(ctx, now);
}

static void crash_fire(void *ctx, uint64_t down_for, sim_time now)
{
    mdl_subscriber *s = ctx;
    commit_catchup(s, now);
    s->st.crashes++;
    for (int i = 0; i < s->nslots; i++) {
        slot *sl = &s->slots[i];
        if (sl->state != S_CALLING && sl->state != S_SLEEPING && sl->state != S_PROCESSING)
            continue;
        if (sl->first && !sl->copy) {
            feed *c = &s->src[sl->source];
            if (sl->ev.seq >= mdl_channel_oldest(c->ch))
                ab_add(s, c, sl->ev.seq, sl->own);
            else /* purged while in flight: no reading and no note will come */
                purged_in_flight(s, &sl->ev, sl->own, now);
        }
        if (sl->own && sl->first)
            s->own_first_inflight--;
        if (sl->keyed)
            key_unref(s, sl->ev.key);
        sl->keyed = 0;
        s->active--;
        s->src[sl->source].inflight--;
        if (sl->state == S_SLEEPING || sl->state == S_PROCESSING) {
            sim_queue_cancel(s->q, sl->timer);
            slot_free(s, i);
        } else {
            sl->state = S_ZOMBIE;
        }
    }
    while (s->fifo_n > 0) {
        redo *c = &s->fifo[s->fifo_head];
        if (c->keyed)
            key_unref(s, c->ev.key);
        s->fifo_head = (s->fifo_head + 1) % s->fifo_cap;
        s->fifo_n--;
    }
    for (int i = 0; i < s->nsrc; i++) {
        feed *c = &s->src[i];
        mdl_channel_rewind(c->ch, c->reader, mdl_channel_committed(c->ch, c->reader));
    }
    go_down(s, now);
    sim_queue_push(s->q, now + (sim_time)down_for, up_fire, s, K_OFFLINE);
}

/* ---- lifecycle ------------------------------------------------------------------- */

static int check_cfg(const mdl_subscriber_cfg *cfg, sim_err *err)
{
    const char *who = cfg->flow_id ? cfg->flow_id : "?";
    if (!cfg->flow_id || !cfg->flow_id[0])
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "subscriber: flow_id is required");
    if (cfg->flow < 0)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "subscriber of %s: flow must be >= 0", who);
    if (!cfg->sources || cfg->nsources < 1)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "subscriber of %s: needs a source", who);
    for (int i = 0; i < cfg->nsources; i++)
        if (!cfg->sources[i])
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "subscriber of %s: source %d is NULL",
                               who, i);
    if (cfg->concurrency < 1 || cfg->max_attempts < 1)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "subscriber of %s: concurrency and max_attempts must be >= 1", who);
    if (!(cfg->redelivery >= 0.0 && cfg->redelivery <= 1.0) ||
        !(cfg->permanent_errors >= 0.0 && cfg->permanent_errors <= 1.0))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "subscriber of %s: probabilities must be in [0, 1]", who);
    if (cfg->redelivery > 0.0 && cfg->redelivery < 1.0 && !cfg->rng_redelivery)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "subscriber of %s: redelivery needs rng_redelivery", who);
    if (cfg->permanent_errors > 0.0 && !cfg->rng_errors)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "subscriber of %s: permanent errors need rng_errors", who);
    if (!cfg->processing.none && !cfg->rng_processing)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "subscriber of %s: a processing time needs rng_processing", who);
    if (cfg->max_attempts > 1 && cfg->backoff.jitter != MDL_JITTER_NONE && !cfg->rng_backoff)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "subscriber of %s: jittered backoff needs rng_backoff", who);
    if (cfg->commit_interval < 0 || cfg->redelivery_delay < 0 || cfg->token_lifetime < 0 ||
        cfg->token_reconnect < 0 || cfg->delivery_limit < 0)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "subscriber of %s: durations and limits must be >= 0", who);
    if (cfg->series_bins > 0 && cfg->series_interval <= 0)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "subscriber of %s: charts need an interval > 0", who);
    for (int i = 0; i < cfg->noffline; i++)
        if (cfg->offline[i].duration <= 0 || cfg->offline[i].start < 0)
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "subscriber of %s: offline window %d must have start >= 0 and "
                               "duration > 0",
                               who, i);
    return mdl_backoff_check(&cfg->backoff, err);
}

mdl_subscriber *mdl_subscriber_create(sim_queue *q, const mdl_subscriber_cfg *cfg, sim_err *err)
{
    if (check_cfg(cfg, err) != SIM_OK)
        return NULL;
    sim_time now = sim_queue_now(q);
    mdl_subscriber *s = sim_calloc_hot(sizeof *s);
    if (!s)
        goto fail;
    s->q = q;
    char name[256];
    int len = (cfg->id && cfg->id[0])
                  ? snprintf(name, sizeof name, "flow.%s.event.%s", cfg->flow_id, cfg->id)
                  : snprintf(name, sizeof name, "flow.%s.event", cfg->flow_id);
    if (len < 0 || (size_t)len >= sizeof name) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "subscriber: ids too long: %.64s", cfg->flow_id);
        sim_free_hot(s);
        return NULL;
    }
    s->prefix = sim_strdup(name);
    if (!s->prefix)
        goto fail;
    s->flow = cfg->flow;
    s->ledger = cfg->ledger;
    s->lrow = cfg->ledger_flow;
    s->receive_cdc = cfg->receive_cdc != 0;
    s->apply_cdc = cfg->apply_cdc != 0;
    s->apply = cfg->apply;
    s->concurrency = cfg->concurrency;
    s->ordered = cfg->ordered_sources != 0;
    s->reconnect = cfg->reconnect;
    s->reset = cfg->reset;
    s->commit_interval = cfg->commit_interval;
    if (s->commit_interval > 0)
        s->next_commit = (now / s->commit_interval + 1) * s->commit_interval;
    s->token_lifetime = cfg->token_lifetime;
    s->token_reconnect = cfg->token_reconnect;
    s->auto_renew = cfg->auto_renew != 0;
    s->receiver = cfg->receiver;
    s->guard = cfg->ordering_guard != 0;
    s->redelivery = cfg->redelivery;
    s->redelivery_delay = cfg->redelivery_delay;
    s->permanent = cfg->permanent_errors;
    s->max_attempts = cfg->max_attempts;
    s->fail_fast = cfg->permanent_fail_fast != 0;
    s->delivery_limit = cfg->delivery_limit;
    s->dead_letter = cfg->dead_letter != 0;
    s->expired_dlq = cfg->expired_dead_letter != 0;
    s->backoff = cfg->backoff;
    s->rng_errors = cfg->rng_errors;
    s->rng_redelivery = cfg->rng_redelivery;
    s->rng_backoff = cfg->rng_backoff;
    s->rng_processing = cfg->rng_processing;
    s->echo = cfg->echo;
    s->echo_ctx = cfg->echo_ctx;
    s->echo_filter = cfg->echo_filter != 0;
    s->echo_max_hops =
        cfg->echo_max_hops > 0 ? (uint64_t)cfg->echo_max_hops : MDL_SUBSCRIBER_ECHO_MAX_HOPS;
    s->processing = cfg->processing;
    s->processing_on = !cfg->processing.none;
    s->free_head = -1;
    s->status = SIM_OK;
    if (cfg->series_bins > 0) {
        s->s_lag = sim_series_create(SIM_SERIES_LEVEL, cfg->series_interval, cfg->series_bins, err);
        s->s_dlq = sim_series_create(SIM_SERIES_LEVEL, cfg->series_interval, cfg->series_bins, err);
        if (!s->s_lag || !s->s_dlq)
            goto fail_quiet;
    }
    s->src = sim_calloc_hot((size_t)cfg->nsources * sizeof *s->src); /* on_note's ctx */
    if (!s->src)
        goto fail;
    s->nsrc = cfg->nsources;
    for (int i = 0; i < cfg->nsources; i++) {
        feed *c = &s->src[i];
        c->sub = s;
        c->ch = cfg->sources[i];
        /* One source: its lag is that reader's own backlog (LAGS). */
        mdl_channel_reader_cfg rc = {.flow = cfg->flow,
                                     .cdc = s->receive_cdc,
                                     .notify = on_note,
                                     .ctx = c,
                                     .pass_lags = cfg->nsources == 1};
        c->reader = mdl_channel_attach(c->ch, &rc, err);
        if (c->reader < 0)
            goto fail_quiet;
    }
    if (ensure_slot(s) != SIM_OK)
        goto fail;
    for (int i = 0; i < cfg->noffline; i++)
        if (mdl_subscriber_offline(s, cfg->offline[i].start, cfg->offline[i].duration, err) !=
            SIM_OK)
            goto fail_quiet;
    arm_token(s, now);
    return s;

fail:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "subscriber: out of memory");
fail_quiet:
    mdl_subscriber_destroy(s);
    return NULL;
}

void mdl_subscriber_destroy(mdl_subscriber *s)
{
    if (!s)
        return;
    for (int i = 0; s->src && i < s->nsrc; i++)
        sim_free(s->src[i].ab);
    sim_free_hot(s->src);
    sim_free_hot(s->slots);
    sim_free(s->fifo);
    sim_free(s->keys);
    sim_free(s->hold);
    sim_free(s->applies);
    sim_free(s->copy_keyed);
    sim_free(s->lat);
    sim_series_destroy(s->s_lag);
    sim_series_destroy(s->s_dlq);
    sim_free(s->prefix);
    sim_free_hot(s);
}

/* ---- scripted faults ---------------------------------------------------------- */

static int check_time(const mdl_subscriber *s, sim_time at, sim_time d, const char *what,
                      sim_err *err)
{
    if (at < sim_queue_now(s->q) || d < 0)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "%s: %s must start now or later and last >= 0", s->prefix, what);
    return SIM_OK;
}

int mdl_subscriber_offline(mdl_subscriber *s, sim_time start, sim_time duration, sim_err *err)
{
    int rc = check_time(s, start, duration, "an offline window", err);
    if (rc != SIM_OK)
        return rc;
    if (duration == 0)
        return SIM_OK;
    if (sim_queue_push(s->q, start, down_fire, s, K_OFFLINE) == SIM_EVENT_NONE ||
        sim_queue_push(s->q, start + duration, up_fire, s, K_OFFLINE) == SIM_EVENT_NONE)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "%s: out of memory", s->prefix);
    return SIM_OK;
}

int mdl_subscriber_token_expiry(mdl_subscriber *s, sim_time at, sim_time duration, sim_err *err)
{
    int rc = check_time(s, at, duration, "a token expiry", err);
    if (rc != SIM_OK)
        return rc;
    if (sim_queue_push(s->q, at, down_fire, s, K_TOKEN) == SIM_EVENT_NONE ||
        (duration > 0 &&
         sim_queue_push(s->q, at + duration, up_fire, s, K_TOKEN) == SIM_EVENT_NONE))
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "%s: out of memory", s->prefix);
    return SIM_OK;
}

int mdl_subscriber_crash(mdl_subscriber *s, sim_time at, sim_time down_for, sim_err *err)
{
    int rc = check_time(s, at, down_for, "a crash", err);
    if (rc != SIM_OK)
        return rc;
    if (sim_queue_push(s->q, at, crash_fire, s, (uint64_t)down_for) == SIM_EVENT_NONE)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "%s: out of memory", s->prefix);
    return SIM_OK;
}

/* ---- repair -------------------------------------------------------------------- */

void mdl_subscriber_hold_for_repair(mdl_subscriber *s)
{
    s->holding = 1;
}

void mdl_subscriber_sync(mdl_subscriber *s, sim_time now)
{
    for (int i = 0; i < s->nsrc; i++)
        mdl_channel_expire(s->src[i].ch, now);
}

uint64_t mdl_subscriber_held(const mdl_subscriber *s)
{
    return s->nhold;
}

void mdl_subscriber_diverged(const mdl_subscriber *s, uint64_t cut, sim_time since, uint64_t *lost,
                             uint64_t *corrupted)
{
    uint64_t l = 0, c = 0;
    size_t n = (size_t)min_u64(cut, s->nhold);
    for (size_t i = 0; i < n; i++) {
        if (s->hold[i].created < since)
            continue;
        if (s->hold[i].reason == HELD_CORRUPTED)
            c++;
        else
            l++;
    }
    if (lost)
        *lost = l;
    if (corrupted)
        *corrupted = c;
}

uint64_t mdl_subscriber_repair(mdl_subscriber *s, uint64_t cut, sim_time since, sim_time now)
{
    size_t n = (size_t)min_u64(cut, s->nhold), out = 0;
    uint64_t repaired = 0;
    for (size_t i = 0; i < s->nhold; i++) {
        held h = s->hold[i];
        if (i < n && h.created >= since) {
            repaired++;
            if (h.reason == HELD_CORRUPTED) {
                s->st.repaired_corrupted++;
            } else {
                s->st.repaired++;
                s->held_lost--;
                if (s->ledger)
                    mdl_ledger_end(s->ledger, s->lrow, MDL_DELIVERED, MDL_R_REPAIRED, 1,
                                   now - h.created);
            }
            continue;
        }
        s->hold[out++] = h;
    }
    s->nhold = out;
    return repaired;
}

/* ---- end of run ------------------------------------------------------------------ */

void mdl_subscriber_finish(mdl_subscriber *s, sim_time now)
{
    if (s->finished)
        return;
    mdl_subscriber_sync(s, now);
    for (size_t i = 0; i < s->nhold; i++) {
        if (s->hold[i].reason == HELD_CORRUPTED)
            continue;
        if (s->ledger)
            mdl_ledger_end(s->ledger, s->lrow, MDL_LOST, (mdl_reason)s->hold[i].reason, 1, 0);
    }
    s->held_lost = 0;
    s->nhold = 0;
    if (s->down > 0) {
        s->st.offline_time += now - s->down_since;
        s->down_since = now;
    }
    s->finished = 1;
}

uint64_t mdl_subscriber_pending(const mdl_subscriber *s)
{
    uint64_t n = s->own_first_inflight + s->held_lost;
    for (int i = 0; i < s->nsrc; i++)
        n += mdl_channel_backlog_own(s->src[i].ch, s->src[i].reader) + s->src[i].nab_own;
    return n;
}

int mdl_subscriber_status(const mdl_subscriber *s)
{
    return s->status;
}

int mdl_subscriber_connected(const mdl_subscriber *s)
{
    return s->down == 0;
}

int mdl_subscriber_in_flight(const mdl_subscriber *s)
{
    return s->active;
}

void mdl_subscriber_stats_get(const mdl_subscriber *s, sim_time now, mdl_subscriber_stats *out)
{
    *out = s->st;
    out->held = s->nhold;
    out->pending = mdl_subscriber_pending(s);
    if (s->down > 0 && !s->finished && now > s->down_since)
        out->offline_time += now - s->down_since;
}

/* ---- metrics ------------------------------------------------------------------ */

static int put(sim_result *r, const char *prefix, const char *what, const char *unit, double v,
               sim_err *err)
{
    char name[320];
    int len = snprintf(name, sizeof name, "%s.%s", prefix, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "subscriber: name too long: %.64s", prefix);
    int rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "subscriber: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

static int put_series(sim_result *r, const char *prefix, const char *what, const char *unit,
                      const sim_series *series, sim_time now, sim_err *err)
{
    if (!series)
        return SIM_OK;
    char name[320];
    int len = snprintf(name, sizeof name, "%s.%s", prefix, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "subscriber: name too long: %.64s", prefix);
    sim_series *copy = sim_series_clone(series, err);
    if (!copy)
        return SIM_ENOMEM;
    sim_series_finish(copy, now);
    int rc = sim_result_series(r, name, unit, copy);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "subscriber: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

int mdl_subscriber_publish(const mdl_subscriber *s, sim_time now, sim_result *r, sim_err *err)
{
    mdl_subscriber_stats st;
    mdl_subscriber_stats_get(s, now, &st);
    const char *p = s->prefix;
    uint64_t first = st.delivered + st.dead_lettered + st.lost_failed;
    double per = first > 0 ? (double)st.attempts / (double)first : 0.0;
    int rc;
    if ((rc = put(r, p, "created", "records", (double)st.created, err)) ||
        (rc = put(r, p, "delivered", "records", (double)st.delivered, err)) ||
        (rc = put(r, p, "dead_lettered", "records", (double)st.dead_lettered, err)) ||
        (rc = put(r, p, "lost_retention", "records", (double)st.lost_retention, err)) ||
        (rc = put(r, p, "lost_no_replay_id", "records", (double)st.lost_no_replay_id, err)) ||
        (rc = put(r, p, "lost_allocation", "records", (double)st.lost_allocation, err)) ||
        (rc = put(r, p, "lost_failed", "records", (double)st.lost_failed, err)) ||
        (rc = put(r, p, "repaired", "records", (double)st.repaired, err)) ||
        (rc = put(r, p, "repaired_corrupted", "records", (double)st.repaired_corrupted, err)) ||
        (rc = put(r, p, "diverged_unrepaired", "records", (double)st.held, err)) ||
        (rc = put(r, p, "redeliveries", "applies", (double)st.redeliveries, err)) ||
        (rc = put(r, p, "duplicates", "records", (double)st.duplicates, err)) ||
        (rc = put(r, p, "corrupted", "records", (double)st.corrupted, err)) ||
        (rc = put(r, p, "stale_discarded", "applies", (double)st.stale_discarded, err)) ||
        (rc = put(r, p, "attempts", "calls", (double)st.attempts, err)) ||
        (rc = put(r, p, "attempts_per_record", "calls/record", per, err)) ||
        (rc = put(r, p, "dlq_depth", "events", (double)st.dlq_depth, err)) ||
        (rc = put(r, p, "disconnects", "count", (double)st.disconnects, err)) ||
        (rc = put(r, p, "token_disconnects", "count", (double)st.token_disconnects, err)) ||
        (rc = put(r, p, "crashes", "count", (double)st.crashes, err)) ||
        (rc = put(r, p, "offline_s", "s", sim_time_to_seconds(st.offline_time), err)) ||
        (rc = put(r, p, "lag_peak", "events", (double)st.lag_peak, err)) ||
        (rc = put(r, p, "pending", "records", (double)st.pending, err)) ||
        (rc = put(r, p, "cdc_received", "events", (double)st.cdc_received, err)) ||
        (rc = put(r, p, "cdc_applied", "events", (double)st.cdc_applied, err)) ||
        (rc = put(r, p, "cdc_lost", "events", (double)st.cdc_lost, err)) ||
        (rc = put(r, p, "cdc_dead_lettered", "events", (double)st.cdc_dead_lettered, err)) ||
        (rc = put(r, p, "cdc_echo_filtered", "events", (double)st.cdc_echo_filtered, err)) ||
        (rc = put(r, p, "echoes_published", "events", (double)st.echoes_published, err)) ||
        (rc = put_series(r, p, "lag_series", "events", s->s_lag, now, err)) ||
        (rc = put_series(r, p, "dlq_series", "events", s->s_dlq, now, err)))
        return rc;
    return SIM_OK;
}

/* ---- the aggregate path ------------------------------------------------------ */

/* An apply of the commit's records, due at `at` (record i of the bulk). */
struct pending_apply {
    sim_time at;
    size_t i;
    int keyed;
};

static int due_before(const struct pending_apply *a, const struct pending_apply *b)
{
    return a->at < b->at || (a->at == b->at && a->i < b->i);
}

/* The heap's operations take and give the fields, not the struct by value:
 * a struct built on the stack for the call was read back across its
 * padding before the store had landed (a failed store forwarding per push,
 * a third of the commit's own time). */
static inline void heap_push(struct pending_apply *h, size_t *n, sim_time at, size_t idx, int keyed)
{
    size_t i = (*n)++;
    while (i > 0) {
        const struct pending_apply *p = &h[(i - 1) / 2];
        if (!(at < p->at || (at == p->at && idx < p->i)))
            break;
        h[i] = *p;
        i = (i - 1) / 2;
    }
    h[i].at = at;
    h[i].i = idx;
    h[i].keyed = keyed;
}

/* Removes the earliest apply into *top. */
static inline void heap_pop(struct pending_apply *h, size_t *n, struct pending_apply *top)
{
    *top = h[0];
    size_t m = --*n;
    if (m == 0)
        return;
    const struct pending_apply x = h[m];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m)
            break;
        if (c + 1 < m && due_before(&h[c + 1], &h[c]))
            c++;
        if (!due_before(&h[c], &x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static int slots_of(const mdl_subscriber *s)
{
    return s->ordered ? 1 : s->concurrency;
}

/* Why a pass may not carry s now (NULL: it may). */
static const char *not_ready(const mdl_subscriber *s)
{
    if (s->finished || s->status != SIM_OK)
        return "finished, or an apply call could not be made";
    if (s->down > 0)
        return "disconnected";
    if (s->nsrc != 1)
        return "more than one source";
    if (s->commit_interval > 0)
        return "commits at intervals";
    /* A redelivery draw is the caller's to check (none may fire: the
     * commit draws them again, in the same order, with the same result);
     * a certain one, or a permanent error drawn at each read, is not. */
    if (s->redelivery >= 1.0 || (s->redelivery > 0.0 && s->redelivery_delay > 0) ||
        s->permanent > 0.0)
        return "always redelivers, redelivers after a delay, or has permanent errors";
    if (s->echo || s->processing_on)
        return "echoes its writes, or has a processing time";
    if (s->token_lifetime > 0 && !s->auto_renew)
        return "its subscription token expires (a disconnection pending)";
    if (s->fifo_n > 0 || s->src[0].nab > 0)
        return "copies queued, or events abandoned by a crash";
    if (s->wake_now || (s->wake_ev != SIM_EVENT_NONE && sim_queue_pending(s->q, s->wake_ev)) ||
        sim_queue_now(s->q) < s->src[0].blocked_until)
        return "a wake-up is pending";
    for (int i = 0; i < s->nslots; i++)
        if (s->slots[i].state != S_FREE && s->slots[i].state != S_CALLING)
            return "an event sleeps, is processed, or was abandoned by a crash";
    if (!mdl_channel_pass_ready(s->src[0].ch))
        return "its channel is not ready";
    return NULL;
}

void mdl_subscriber_pass_read(const mdl_subscriber *s, mdl_subscriber_pass_view *v,
                              mdl_subscriber_call *calls, int cap)
{
    v->why = not_ready(s);
    v->cdc = s->receive_cdc;
    v->slots = slots_of(s);
    v->source = s->src[0].ch;
    v->reader = s->src[0].reader;
    v->calls = 0;
    for (int i = 0; i < s->nslots; i++) {
        const slot *sl = &s->slots[i];
        if (sl->state != S_CALLING)
            continue;
        if (v->calls < cap)
            calls[v->calls] =
                (mdl_subscriber_call){.token = token_of(s, i), .ev = sl->ev, .keyed = sl->keyed};
        v->calls++;
    }
}

void mdl_subscriber_pass_begin(mdl_subscriber *s)
{
    s->in_pass = 1;
}

/* Slots up to which valid_bulk keeps the ends in flight in a small array
 * (a scan), not the heap. */
#define VALID_SLOTS 8

/* Whether b's records can be committed: times in order, own events, and
 * never more of them in flight at once than slots (a dry run of the
 * commit's heap: at each read, the records answered by then leave, and
 * those answered at or after t1 never do). *copies: it names a copy. */
static int valid_bulk(const mdl_subscriber *s, const mdl_subscriber_bulk *b, sim_time t1,
                      int *copies)
{
    *copies = 0;
    if (b->n > 0 && (!b->ev || !b->read_at || !b->done_at))
        return 0;
    size_t nh = 0, stuck = 0, cap = (size_t)slots_of(s);
    sim_time ends[VALID_SLOTS]; /* with cap <= VALID_SLOTS: the ends in flight */
    for (size_t i = 0; i < b->n; i++) {
        if (b->ev[i].flow != s->flow || b->done_at[i] < b->read_at[i] || b->read_at[i] >= t1 ||
            (i > 0 && b->read_at[i] < b->read_at[i - 1]))
            return 0;
        size_t o = b->copy_of ? b->copy_of[i] : SIZE_MAX;
        if (o != SIZE_MAX) {
            if (o >= i || b->copy_of[o] != SIZE_MAX || b->done_at[o] != b->read_at[i] ||
                b->ev[o].seq != b->ev[i].seq)
                return 0; /* a copy is dispatched at its first reading's answer */
            *copies = 1;
        }
        if (cap <= VALID_SLOTS) {
            for (size_t k = 0; k < nh;)
                if (ends[k] <= b->read_at[i])
                    ends[k] = ends[--nh];
                else
                    k++;
            if (nh + 1 > cap)
                return 0;
            ends[nh++] = b->done_at[i];
            continue;
        }
        struct pending_apply gone;
        while (nh > 0 && s->applies[0].at <= b->read_at[i])
            heap_pop(s->applies, &nh, &gone);
        if (nh + stuck + 1 > cap)
            return 0;
        if (b->done_at[i] < t1)
            heap_push(s->applies, &nh, b->done_at[i], i, 0);
        else
            stuck++;
    }
    return 1;
}

/* Records after i that alone looks at before it takes the table. */
#define ALONE_LOOK 8

/* Whether record i's key (tracked; its apply answered before t1) is its
 * alone from its read to its apply: no entry of the key table holds it
 * now, and no record read before that apply (read_at < done_at[i]: an
 * apply comes before a read at the same microsecond) carries it. Then its
 * reference would create the key's entry, its apply find nothing newer
 * there and write it, and its release free the entry: the guard changes
 * nothing, so the commit takes no reference (a table that could not grow
 * would have set the sticky status; this skips that). Not asked for a
 * copy or a first reading with a copy (push_copy's reference, taken at
 * its answer, would keep the entry and its version). A copy's reference
 * comes at its read time (its first reading's answer), so the look-ahead
 * sees it as any read. */
static int alone(mdl_subscriber *s, const mdl_subscriber_bulk *b, size_t i)
{
    uint64_t key = b->ev[i].key;
    size_t end = i + 1 + ALONE_LOOK < b->n ? i + 1 + ALONE_LOOK : b->n;
    size_t j = i + 1;
    for (; j < end && b->read_at[j] < b->done_at[i]; j++)
        if (b->ev[j].key == key)
            return 0;
    if (j == end && end < b->n && b->read_at[j] < b->done_at[i])
        return 0; /* more reads in its flight than it looks at */
    return key_find(s, key) == NULL;
}

int mdl_subscriber_pass_commit(mdl_subscriber *s, const mdl_subscriber_bulk *b)
{
    sim_time t1 = sim_queue_now(s->q);
    if (!s->in_pass)
        return SIM_EINVAL;
    size_t cap = (size_t)slots_of(s);
    if (s->applies_cap < cap) {
        struct pending_apply *h = sim_reallocarray(s->applies, cap, sizeof *h);
        if (!h)
            return SIM_ENOMEM;
        s->applies = h;
        s->applies_cap = cap;
    }
    if (b->copy_of && s->copy_cap < b->n) {
        unsigned char *k = sim_reallocarray(s->copy_keyed, b->n, 1);
        if (!k)
            return SIM_ENOMEM;
        s->copy_keyed = k;
        s->copy_cap = b->n;
    }
    if (s->ledger && s->lat_cap < b->n) {
        sim_time *l = sim_reallocarray(s->lat, b->n, sizeof *l);
        if (!l)
            return SIM_ENOMEM;
        s->lat = l;
        s->lat_cap = b->n;
    }
    int copies;
    if (!valid_bulk(s, b, t1, &copies))
        return SIM_EINVAL;
    if (s->apply.fn)
        s->st.attempts += b->n;
    const size_t *copy_of = copies ? b->copy_of : NULL; /* NULL: every record a first reading */
    /* Which first readings were redelivered: the copies name them. */
    for (size_t i = 0; copy_of && i < b->n; i++)
        s->copy_keyed[i] = 0;
    for (size_t i = 0; copy_of && i < b->n; i++)
        if (copy_of[i] != SIZE_MAX)
            s->copy_keyed[copy_of[i]] = 2; /* has a copy; its reference comes at the answer */
    s->committing = 1;
    size_t nh = 0;
    for (size_t i = 0; i <= b->n; i++) {
        /* Applies due by this read first (release comes before pump). */
        sim_time upto = i < b->n ? b->read_at[i] : SIM_TIME_NEVER; /* done_at < t1 */
        while (nh > 0 && s->applies[0].at <= upto) {
            struct pending_apply a;
            heap_pop(s->applies, &nh, &a);
            const mdl_event *ev = &b->ev[a.i];
            int first = !copy_of || copy_of[a.i] == SIZE_MAX;
            if (first && !a.keyed && !s->echo) { /* applied_event's part that acts here */
                s->st.delivered++;
                if (s->ledger)
                    s->lat[s->nlat++] = a.at - ev->created;
            } else {
                applied_event(s, ev, 1, first, a.keyed, 0, a.at);
            }
            if (first && copy_of && s->copy_keyed[a.i] == 2) /* push_copy's reference */
                s->copy_keyed[a.i] = (unsigned char)(tracks(s, ev) && key_ref(s, ev->key));
            if (a.keyed)
                key_unref(s, ev->key);
        }
        if (i == b->n)
            break;
        size_t o = copy_of ? copy_of[i] : SIZE_MAX;
        int keyed;
        if (o != SIZE_MAX)
            keyed = s->copy_keyed[o];
        else if (!tracks(s, &b->ev[i]))
            keyed = 0;
        else if (b->done_at[i] < t1 && (!copy_of || s->copy_keyed[i] != 2) && alone(s, b, i))
            keyed = 0; /* the guard would do nothing: see alone */
        else
            keyed = key_ref(s, b->ev[i].key);
        if (b->done_at[i] < t1)
            heap_push(s->applies, &nh, b->done_at[i], i, keyed);
    }
    s->committing = 0;
    if (s->nlat > 0)
        mdl_ledger_delivered_n(s->ledger, s->lrow, s->nlat, s->lat);
    s->nlat = 0;
    return SIM_OK;
}

int mdl_subscriber_pass_inject(mdl_subscriber *s, const mdl_event *ev, mdl_subscriber_inflight *out)
{
    if (!s->in_pass || !s->apply.fn || !is_own(s, ev))
        return SIM_EINVAL;
    if (s->active >= slots_of(s))
        return SIM_EFULL;
    if (ensure_slot(s) != SIM_OK)
        return SIM_ENOMEM;
    int i = slot_take(s);
    slot *sl = &s->slots[i];
    sl->ev = *ev;
    sl->source = 0;
    sl->first = 1;
    sl->copy = 0;
    sl->own = 1;
    sl->attempts = 1;
    sl->prev_sleep = 0;
    sl->timer = SIM_EVENT_NONE;
    sl->state = S_CALLING;
    sl->bad = 0;
    /* The commit kept the reference of its key (unless the table could
     * not grow then: no reference, no guard, as dispatch would do). */
    sl->keyed = (uint8_t)(tracks(s, ev) && key_find(s, ev->key) != NULL);
    s->active++;
    s->src[0].inflight++;
    s->own_first_inflight++;
    out->token = token_of(s, i);
    out->done = on_done;
    out->ctx = s;
    return SIM_OK;
}

void mdl_subscriber_pass_end(mdl_subscriber *s, sim_time now)
{
    s->in_pass = 0;
    commit_source(s, 0, now);
    if (s->down == 0 && s->active < s->concurrency &&
        mdl_channel_backlog_own(s->src[0].ch, s->src[0].reader) > 0)
        schedule_wake(s, now);
}
