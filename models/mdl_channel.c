/*
 * mdl_channel.c - the event log, its readers and its allocations.
 *
 * Storage. The log is a sequence of entries; entry number `a` (an
 * absolute, ever-growing index) lives in page a >> PAGE_BITS, slot
 * a & (PAGE - 1). Entries [head, tail) are retained. An entry holds
 * consecutive events (one for a flow's event, the run length for a CDC
 * run); entries are contiguous in seq, so entry head starts at the oldest
 * retained seq, an entry's count is the next entry's seq minus its own,
 * and the last one ends at the tip. Pages of PAGE entries (4 KB) are
 * allocated as the tail reaches them and freed as purging leaves them (one
 * is kept spare), and the directory of pages is itself a ring that doubles
 * when full: the log holds what is retained plus at most two pages, never
 * a copy of itself while it grows, and shrinks again after a peak.
 *
 * Compact entries. An entry is 16 bytes: its published time as an offset
 * (48 bits of microseconds, 8.9 years) from its page's first entry, its
 * seq as a 32-bit offset from that entry's, its key in 32 bits and its
 * flow in 16; created is its published time. Both bases are kept whole in
 * the page's directory slot, so every field reads back exactly. An event
 * that does not fit (a key of 2^32 or more, created before published, a
 * flow beyond 16 bits, a page spanning 2^32 seqs or 8.9 years) is a wide
 * entry: its flow field says WIDE and its key field is the low 32 bits of
 * the index of a whole copy in a FIFO ring beside the pages (wide entries
 * leave in the order they came). The models publish created = published,
 * keys below their key space and a few thousand flows, so the ring stays
 * empty there; it is freed whenever it empties.
 *
 * Finding a seq. Each reader caches the entry holding its position
 * (pos_abs); it is revalidated on use and recomputed by binary search over
 * [head, tail) (entries are sorted by seq) after a rewind or a purge.
 *
 * Invariants (for every reader r):
 *   1. oldest <= ... : either r.pos < oldest (out of range: purged under
 *      it), or r.pos == tip, or the event at r.pos matches r's filter.
 *   2. r.high >= r.pos whenever r.pos >= oldest; events below r.high were
 *      read (or skipped) once.
 *   3. r.backlog == the number of matching events in the log with seq >=
 *      max(r.pos, r.high); r.backlog_own counts those of r's flow.
 *   4. retained == sum of the counts of entries [head, tail).
 *
 * Purging. Every public function that changes state first purges what
 * retention has expired (lazy: the log is only trimmed when it is looked
 * at, and mdl_channel_expire trims it on demand). Expired events at or
 * above a reader's position are told to it (EXPIRED), split into the part
 * below its high water (replay = 1) and the part above (which leaves the
 * backlog). With keep_until_consumed, an entry also leaves once every
 * reader's committed position is past its end (no note: it was read).
 *
 * Turns (the delivery allocation once exhausted). While no reader waits,
 * a delivery simply takes one unit from the quota. The first refusal makes
 * the refused reader wait: from then on every reader that asks joins the
 * turn order (waiting = 1), and what the rolling window frees is shared
 * out among the waiting readers when someone asks after it freed: room =
 * limit - used(now), surplus S = room - credits, each waiting reader gets
 * floor(S / k) more credit and the first S mod k of them, in reader order
 * from share_start (which then moves on), one more; each is told GRANTED.
 * A waiting reader delivers only from its credit. It leaves the order
 * (giving its credit back, which is shared out again at once to the
 * others) when it finds nothing to read or goes idle (mdl_channel_idle);
 * the order dissolves when nobody waits.
 *   5. credits == the sum of the waiting readers' credits; a reader that
 *      is not waiting has credit 0.
 *   6. while nwaiting > 0: limit - used(now) >= credits (a share-out hands
 *      out only room that exists, room only grows until someone takes, and
 *      only credit holders take).
 * The aggregate path (mdl_channel_pass_commit). Between pass_begin and the
 * commit the pass owns [t0, t1]: purge does nothing (a purge at a slot's
 * end inside the interval would run ahead of the replay's earlier
 * appends and change retained_peak) and the sampler holds its points
 * (nheld of them from held_first, one interval apart). The commit then
 * replays publishes, reads and held samples in time order through the
 * per-record path's code (append_entry and append's reader updates in
 * pass_publish, deliver_one or its usual case in pass_read, take_sample)
 * with the allocations forced instead of taken (a run's counts within
 * one grid bucket held and forced at once: held_force); a reader
 * attached with pass_lags gathers its own backlog's changes (lags)
 * instead of a note per publish and read, told in batches (tell_lags),
 * and before any other note to it.
 * And for the log:
 *   7. first == the seq of entry head when head < tail, else tip (entries
 *      are contiguous, so purging entry head moves it to that entry's end;
 *      an append to an empty log starts at tip, which first already is).
 *   8. newest == dir[(page_hi - 1) & dmask] whenever page page_hi - 1
 *      holds an entry (its bases are written to both with its first
 *      entry; a newer page is allocated only when tail reaches it).
 */
#include "mdl_channel.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mdl_quota.h"
#include "sim_alloc.h"
#include "sim_stats.h"

/* A compact entry (see Compact entries above). */
typedef struct entry {
    uint64_t tf;   /* (published - page t0) << 16 | the flow's 16 bits (WIDE: see the ring) */
    uint32_t dseq; /* seq - page seq0 */
    uint32_t key;  /* the key; for a wide entry the low 32 bits of its ring index */
} entry;

/* A page of entries and the bases of its offsets (those of its slot 0). */
typedef struct page {
    entry *e;
    uint64_t seq0;
    sim_time t0;
} log_page;

/* A commit's counts on an allocation held back (held_force): while the
 * records' times stay in the quota's grid bucket it last saw (before
 * `end`), n more were counted here, and its used is `used`. */
typedef struct held_count {
    sim_time end;  /* 0: none held, the next force goes to the quota */
    sim_time at;   /* a time of that bucket the quota saw */
    sim_time grid; /* mdl_quota_grid */
    uint64_t n, used;
} held_count;

typedef struct reader {
    int flow, cdc;
    mdl_channel_notify_fn *notify;
    void *ctx;
    uint64_t pos, pos_abs, high, committed;
    uint64_t backlog, backlog_own;
    int waiting;           /* in the turn order of the exhausted delivery allocation */
    uint64_t credit;       /* deliveries handed to it by a share-out, not yet taken */
    int pass_lags;         /* its cfg's: a commit tells it LAGS (mdl_channel_pass_lags) */
    int nlags;             /* changes gathered in lags, not yet told */
    mdl_channel_lag *lags; /* [MDL_CHANNEL_LAGS], from its first commit; NULL: notes */
} reader;

struct mdl_channel {
    char *id;
    sim_time retention;
    int keep_until_consumed;
    /* 0: held_pub and held_del hold nothing (n and end 0), so flush_held
     * has nothing to do; 1: they may hold counts (a commit's reset of
     * them leaves it set, which costs one flush_held). Not nheld or
     * held_first, which are samples held for replay. Here, on the line
     * purge reads first, so that a per-record publish or delivery does
     * not load the held counts' lines only to find them empty (1,000
     * flows: 0.85 level-1 misses an event, docs/kernel.md). Set by
     * held_force, cleared by flush_held. */
    int held_any;
    mdl_quota *delivery; /* NULL = no allocation */
    mdl_quota *publish;  /* NULL = no allocation */

    log_page *dir;             /* page p at dir[p & dmask] for p in [page_lo, page_hi) */
    log_page newest;           /* a copy of dir's slot of page page_hi - 1 (invariant 8) */
    uint64_t dmask;            /* directory size - 1 (a power of two), 0 before the first */
    uint64_t page_lo, page_hi; /* pages allocated: [head >> PAGE_BITS, page_hi) */
    entry *spare;              /* a freed page's entries kept for the next, or NULL */
    uint64_t head, tail;
    mdl_event *wide;    /* the wide entries' ring: [wide_lo, wide_hi), NULL when empty */
    uint64_t wide_mask; /* its size - 1 (a power of two) */
    uint64_t wide_lo, wide_hi;
    sim_time expire_at; /* when entry head expires by time; SIM_TIME_NEVER if none will */
    uint64_t tip;       /* next seq */
    uint64_t first;     /* seq of entry head, tip if the log is empty (invariant 7) */
    uint64_t retained;

    reader *readers;
    int nreaders, readers_cap;
    int nwaiting;     /* readers in the turn order */
    uint64_t credits; /* sum of their credits */
    int share_start;  /* the reader first in line for a share-out's remainder */

    mdl_channel_stats st;

    sim_queue *q;
    sim_series *s_alloc, *s_backlog, *s_age;
    sim_time interval;
    size_t nbins;

    int pass_on;                   /* between mdl_channel_pass_begin and the commit */
    sim_time pass_t0, pass_t1;     /* the pass's interval, both ends held */
    sim_time held_first;           /* the first sample point held */
    size_t nheld;                  /* sample points held (one interval apart) */
    held_count held_pub, held_del; /* a commit's forces held back (held_force) */
};

#define PAGE_BITS    8u
#define PAGE         (1u << PAGE_BITS)
#define DIR_INITIAL  4u
#define WIDE_INITIAL 16u
/* The flow field: 16 bits, two's complement; this value marks a wide entry. */
#define FLOW_MASK 0xffffu
#define FLOW_WIDE 0x8000u
#define FLOW_MAX  0x7fff
#define DT_MAX    ((UINT64_C(1) << 48) - 1) /* published - page t0, microseconds */

void mdl_channel_cfg_init(mdl_channel_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->retention = MDL_CHANNEL_DEFAULT_RETENTION;
}

void mdl_channel_cfg_from_spec(mdl_channel_cfg *cfg, const mdl_events_spec *spec, const char *id)
{
    mdl_channel_cfg_init(cfg);
    cfg->id = id;
    if (spec->retention > 0)
        cfg->retention = spec->retention;
    cfg->delivery_allocation = spec->delivery_allocation;
    cfg->publish_allocation = spec->publish_allocation;
}

/* The newest page comes from the copy in the struct: publishing writes it
 * and the readers, who mostly read near the tip, read it at once, so the
 * directory slot (a line apart, cold at each event in a large landscape)
 * is not loaded twice per event. */
static inline const log_page *page_of(const mdl_channel *ch, uint64_t a)
{
    uint64_t p = a >> PAGE_BITS;
    assert(p + 1 != ch->page_hi || ch->newest.e == ch->dir[p & ch->dmask].e); /* inv. 8 */
    return p + 1 == ch->page_hi ? &ch->newest : &ch->dir[p & ch->dmask];
}

static inline entry *at(const mdl_channel *ch, uint64_t a)
{
    return &page_of(ch, a)->e[a & (PAGE - 1)];
}

static inline int is_wide(const entry *e)
{
    return (e->tf & FLOW_MASK) == FLOW_WIDE;
}

/* The whole copy of a wide entry: its ring index from the low 32 bits
 * (fewer than 2^32 wide entries are ever retained). */
static inline const mdl_event *wide_of(const mdl_channel *ch, const entry *e)
{
    uint64_t i = ch->wide_lo + (uint32_t)(e->key - (uint32_t)ch->wide_lo);
    return &ch->wide[i & ch->wide_mask];
}

/* The fields of entry e of page p. Each lookup of entry a costs a page
 * lookup (page_of), so the hot paths take the entry once (entry_of) and
 * read every field they need from it. */
static inline uint64_t e_seq(const mdl_channel *ch, const log_page *p, const entry *e)
{
    return is_wide(e) ? wide_of(ch, e)->seq : p->seq0 + e->dseq;
}

static inline sim_time e_published(const mdl_channel *ch, const log_page *p, const entry *e)
{
    return is_wide(e) ? wide_of(ch, e)->published : p->t0 + (sim_time)(e->tf >> 16);
}

static inline int e_flow(const mdl_channel *ch, const entry *e)
{
    if (is_wide(e))
        return wide_of(ch, e)->flow;
    int v = (int)(e->tf & FLOW_MASK);
    return v > FLOW_MAX ? v - (int)FLOW_MASK - 1 : v;
}

/* Entry e of page p as an event (its first seq). */
static inline void e_load(const mdl_channel *ch, const log_page *p, const entry *e, mdl_event *ev)
{
    if (is_wide(e)) {
        *ev = *wide_of(ch, e);
        return;
    }
    ev->seq = p->seq0 + e->dseq;
    ev->published = p->t0 + (sim_time)(e->tf >> 16);
    ev->created = ev->published;
    ev->key = e->key;
    ev->flow = e_flow(ch, e);
}

static inline uint64_t seq_of(const mdl_channel *ch, uint64_t a)
{
    const log_page *p = page_of(ch, a);
    return e_seq(ch, p, &p->e[a & (PAGE - 1)]);
}

static inline sim_time published_of(const mdl_channel *ch, uint64_t a)
{
    const log_page *p = page_of(ch, a);
    return e_published(ch, p, &p->e[a & (PAGE - 1)]);
}

static inline int flow_of(const mdl_channel *ch, uint64_t a)
{
    return e_flow(ch, at(ch, a));
}

/* One past the last seq of entry a (entries are contiguous in seq). */
static inline uint64_t end_of(const mdl_channel *ch, uint64_t a)
{
    return a + 1 < ch->tail ? seq_of(ch, a + 1) : ch->tip;
}

/* Entry a as an event (its first seq). */
static inline void load(const mdl_channel *ch, uint64_t a, mdl_event *ev)
{
    const log_page *p = page_of(ch, a);
    e_load(ch, p, &p->e[a & (PAGE - 1)], ev);
}

/* Kept rather than read from entry head: every delivery asks, and in a
 * long log the oldest entry sits on a page nothing else touches (a cache
 * miss per delivery: seq_of was 2.7% of a 100-flow run). */
static uint64_t oldest(const mdl_channel *ch)
{
    assert(ch->first == (ch->head < ch->tail ? seq_of(ch, ch->head) : ch->tip)); /* inv. 7 */
    return ch->first;
}

static int matches(const reader *r, int flow)
{
    return (flow >= 0 && flow == r->flow) ||
           ((flow == MDL_CHANNEL_CDC || flow == MDL_CHANNEL_ECHO) && r->cdc);
}

/* The sampler: every interval up to the end of the charts. */
static void sample(void *ctx, uint64_t arg, sim_time now);

mdl_channel *mdl_channel_create(const mdl_channel_cfg *cfg, sim_queue *q, sim_err *err)
{
    if (cfg->retention < 0) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "channel: retention must be >= 0");
        return NULL;
    }
    if (!(cfg->delivery_allocation >= 0.0) || !(cfg->publish_allocation >= 0.0)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "channel: allocations must be >= 0");
        return NULL;
    }
    if (cfg->series_bins > 0 && (cfg->series_interval <= 0 || q == NULL)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "channel: charts need an interval > 0 and a calendar");
        return NULL;
    }
    mdl_channel *ch = sim_calloc_hot(sizeof *ch);
    if (!ch)
        goto fail_nomem;
    ch->id = sim_strdup(cfg->id ? cfg->id : "channel");
    if (!ch->id)
        goto fail;
    ch->retention = cfg->retention == 0 ? MDL_CHANNEL_DEFAULT_RETENTION : cfg->retention;
    ch->keep_until_consumed = cfg->keep_until_consumed != 0;
    if (cfg->delivery_allocation > 0.0) {
        mdl_quota_cfg qc = {
            .limit = cfg->delivery_allocation, .window = SIM_DAY, .bucket = cfg->allocation_bucket};
        ch->delivery = mdl_quota_create(&qc, err);
        if (!ch->delivery)
            goto fail_quiet;
    }
    if (cfg->publish_allocation > 0.0) {
        mdl_quota_cfg qc = {
            .limit = cfg->publish_allocation, .window = SIM_HOUR, .bucket = cfg->allocation_bucket};
        ch->publish = mdl_quota_create(&qc, err);
        if (!ch->publish)
            goto fail_quiet;
    }
    ch->st.allocation_limit = cfg->delivery_allocation;
    ch->st.exhausted_at = SIM_TIME_NEVER;
    ch->expire_at = SIM_TIME_NEVER;
    ch->st.publish_exhausted_at = SIM_TIME_NEVER;
    if (cfg->series_bins > 0) {
        ch->q = q;
        ch->interval = cfg->series_interval;
        ch->nbins = cfg->series_bins;
        if (ch->delivery) {
            ch->s_alloc = sim_series_create(SIM_SERIES_LEVEL, ch->interval, ch->nbins, err);
            if (!ch->s_alloc)
                goto fail_quiet;
        }
        ch->s_backlog = sim_series_create(SIM_SERIES_LEVEL, ch->interval, ch->nbins, err);
        ch->s_age = sim_series_create(SIM_SERIES_LEVEL, ch->interval, ch->nbins, err);
        if (!ch->s_backlog || !ch->s_age)
            goto fail_quiet;
        sim_time first = sim_queue_now(q);
        /* Sample at the start of the bucket holding now, or the next one. */
        sim_time k = (first + ch->interval - 1) / ch->interval;
        if (k < (sim_time)ch->nbins)
            sim_queue_push(q, k * ch->interval, sample, ch, 0);
    }
    return ch;

fail:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "channel: out of memory");
fail_quiet:
    mdl_channel_destroy(ch);
    return NULL;
fail_nomem:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "channel: out of memory");
    return NULL;
}

void mdl_channel_destroy(mdl_channel *ch)
{
    if (!ch)
        return;
    sim_series_destroy(ch->s_alloc);
    sim_series_destroy(ch->s_backlog);
    sim_series_destroy(ch->s_age);
    for (int i = 0; i < ch->nreaders; i++)
        sim_free(ch->readers[i].lags);
    sim_free_hot(ch->readers);
    for (uint64_t p = ch->page_lo; p < ch->page_hi; p++)
        sim_free(ch->dir[p & ch->dmask].e);
    sim_free(ch->dir);
    sim_free(ch->spare);
    sim_free(ch->wide);
    mdl_quota_destroy(ch->delivery);
    mdl_quota_destroy(ch->publish);
    sim_free(ch->id);
    sim_free_hot(ch);
}

/* ---- helpers ------------------------------------------------------------ */

/* The entry holding seq (oldest <= seq < tip), by binary search. */
static uint64_t locate(const mdl_channel *ch, uint64_t seq)
{
    uint64_t lo = ch->head, hi = ch->tail; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (seq_of(ch, mid) <= seq)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Points r.pos_abs at the entry holding r.pos (requires oldest <= pos). */
static void fix_abs(const mdl_channel *ch, reader *r)
{
    if (r->pos >= ch->tip) {
        r->pos_abs = ch->tail;
        return;
    }
    if (r->pos_abs >= ch->head && r->pos_abs < ch->tail && seq_of(ch, r->pos_abs) <= r->pos &&
        r->pos < end_of(ch, r->pos_abs))
        return;
    r->pos_abs = locate(ch, r->pos);
}

/* Moves r past events it does not read, from a valid r.pos_abs. */
static void skip_unmatched(const mdl_channel *ch, reader *r)
{
    while (r->pos_abs < ch->tail) {
        if (matches(r, flow_of(ch, r->pos_abs)))
            break;
        r->pos = end_of(ch, r->pos_abs);
        r->pos_abs++;
    }
    if (r->pos > r->high)
        r->high = r->pos;
}

/* Restores invariant 1: moves r past events it does not read. */
static void advance_to_match(const mdl_channel *ch, reader *r)
{
    if (r->pos < oldest(ch))
        return; /* out of range: the owner seeks */
    fix_abs(ch, r);
    skip_unmatched(ch, r);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static void note_backlog_peak(mdl_channel *ch, const reader *r)
{
    if (r->backlog > ch->st.backlog_peak)
        ch->st.backlog_peak = r->backlog;
}

/* Counts one on q at now in a commit, as mdl_quota_force would, and
 * returns used(now) after it. Once q has seen a time of a grid bucket, a
 * later call in that bucket finds q's head there (a rolling bucket is the
 * grid; a calendar window is a multiple of it): advance does nothing and
 * count adds one to the total and the peak (which only grows). So the
 * counts of a run in one bucket are held and given to q in one force
 * (flush_held), and used is the held total. */
static inline uint64_t held_force(mdl_channel *ch, mdl_quota *q, held_count *h, sim_time now)
{
    ch->held_any = 1;
    if (now < h->end) {
        h->n++;
        return ++h->used;
    }
    if (h->n > 0)
        mdl_quota_force(q, h->at, h->n);
    mdl_quota_force(q, now, 1);
    h->n = 0;
    h->at = now;
    h->used = mdl_quota_used(q, now);
    h->end = (now / h->grid + 1) * h->grid;
    return h->used;
}

/* Gives the held counts to their quotas, before anything else may read
 * or change them (a charge, a sample, the per-record delivery, a note,
 * the commit's end). No note's handler reads a quota today: the flushes
 * before notes keep the counts right for one that would. */
static void flush_held(mdl_channel *ch)
{
    if (!ch->held_any)
        return;
    ch->held_any = 0;
    if (ch->held_pub.n > 0)
        mdl_quota_force(ch->publish, ch->held_pub.at, ch->held_pub.n);
    if (ch->held_del.n > 0)
        mdl_quota_force(ch->delivery, ch->held_del.at, ch->held_del.n);
    ch->held_pub.n = ch->held_del.n = 0;
    ch->held_pub.end = ch->held_del.end = 0;
}

/* Tells reader ri the changes of its own backlog gathered by a commit
 * (LAGS), if any. */
static void tell_lags(mdl_channel *ch, int ri)
{
    reader *r = &ch->readers[ri];
    if (r->nlags == 0)
        return;
    flush_held(ch);
    r->notify(r->ctx, ri, MDL_NOTE_LAGS, NULL, (uint64_t)r->nlags, 0, r->lags[r->nlags - 1].at);
    r->nlags = 0;
}

/* Events [lo, hi) of e are leaving r unread (EXPIRED or SKIPPED): split at
 * the high water, update the backlog, tell the owner. */
static void tell_leaving(mdl_channel *ch, int ri, const mdl_event *e, uint64_t lo, uint64_t hi,
                         mdl_channel_note what, sim_time now)
{
    reader *r = &ch->readers[ri];
    if (lo >= hi)
        return;
    /* Its notes in their order. In a commit an event published in the
     * pass can expire unread before t1 (a reader further behind than the
     * retention): the changes gathered so far are told first, then this
     * note, as the per-record path would have told them; the expiry
     * itself is no gathered change (the reader hears it here). */
    tell_lags(ch, ri);
    mdl_event ev = *e;
    uint64_t mid = min_u64(max_u64(lo, r->high), hi);
    if (lo < mid) { /* below the high water: read before */
        ev.seq = lo;
        if (what == MDL_NOTE_EXPIRED)
            ch->st.expired_unread += mid - lo;
        if (r->notify)
            r->notify(r->ctx, ri, what, &ev, mid - lo, 1, now);
    }
    if (mid < hi) {
        uint64_t n = hi - mid;
        assert(r->backlog >= n);
        r->backlog -= n;
        if (e->flow == r->flow && e->flow >= 0) {
            assert(r->backlog_own >= n);
            r->backlog_own -= n;
        }
        ev.seq = mid;
        if (what == MDL_NOTE_EXPIRED)
            ch->st.expired_unread += n;
        if (r->notify)
            r->notify(r->ctx, ri, what, &ev, n, 0, now);
    }
}

static uint64_t min_committed(const mdl_channel *ch)
{
    uint64_t m = UINT64_MAX;
    for (int i = 0; i < ch->nreaders; i++)
        m = min_u64(m, ch->readers[i].committed);
    return m;
}

/* The first instant at which an event published at p has expired. */
static sim_time expiry(const mdl_channel *ch, sim_time p)
{
    if (ch->retention == MDL_CHANNEL_FOREVER || p > SIM_TIME_NEVER - 1 - ch->retention)
        return SIM_TIME_NEVER;
    return p + ch->retention + 1;
}

static int expired_by_time(const mdl_channel *ch, sim_time published, sim_time now)
{
    if (ch->retention == MDL_CHANNEL_FOREVER)
        return 0;
    /* Gone once strictly older than the retention: an event exactly R old
     * can still be read. */
    return now > ch->retention && published < now - ch->retention;
}

/* Drops expired (and, keep_until_consumed, consumed) entries from the head. */
static void purge(mdl_channel *ch, sim_time now)
{
    /* The common case, checked without touching the log's oldest entry
     * (cold memory in a long log): nothing has expired yet. */
    if (now < ch->expire_at && !ch->keep_until_consumed)
        return;
    if (ch->pass_on) /* the commit purges at each record's time */
        return;
    flush_held(ch); /* EXPIRED notes may follow */
    uint64_t consumed_below = 0;
    if (ch->keep_until_consumed && ch->nreaders > 0)
        consumed_below = min_committed(ch);
    sim_time expire_at = SIM_TIME_NEVER; /* that of the entry left at head */
    while (ch->head < ch->tail) {
        const log_page *p = page_of(ch, ch->head);
        const entry *e = &p->e[ch->head & (PAGE - 1)];
        mdl_event ev;
        e_load(ch, p, e, &ev);
        int by_time = expired_by_time(ch, ev.published, now);
        uint64_t end = end_of(ch, ch->head);
        if (!by_time && end > consumed_below) {
            expire_at = expiry(ch, ev.published);
            break;
        }
        uint64_t seq = ev.seq;
        if (by_time) {
            ch->st.expired += end - seq;
            for (int i = 0; i < ch->nreaders; i++) {
                reader *r = &ch->readers[i];
                if (!matches(r, ev.flow))
                    continue;
                tell_leaving(ch, i, &ev, max_u64(seq, r->pos), end, MDL_NOTE_EXPIRED, now);
            }
        }
        if (is_wide(e))
            ch->wide_lo++;
        ch->retained -= end - seq;
        ch->head++;
        ch->first = end;
    }
    ch->expire_at = expire_at;
    if (ch->wide && ch->wide_lo == ch->wide_hi) { /* the ring emptied: give it back */
        sim_free(ch->wide);
        ch->wide = NULL;
        ch->wide_mask = 0;
    }
    /* Free the pages left behind, keeping one spare. */
    for (; ch->page_lo < ch->page_hi && ch->page_lo < (ch->head >> PAGE_BITS); ch->page_lo++) {
        log_page *slot = &ch->dir[ch->page_lo & ch->dmask];
        if (!ch->spare)
            ch->spare = slot->e;
        else
            sim_free(slot->e);
        slot->e = NULL;
    }
}

/* Makes room for one more entry: the page of entry tail, and a larger
 * directory when it is full. */
static int grow_pages(mdl_channel *ch)
{
    uint64_t page = ch->tail >> PAGE_BITS;
    if (page < ch->page_hi)
        return SIM_OK;
    if (ch->page_lo == ch->page_hi) /* no page in use: the next starts afresh */
        ch->page_lo = ch->page_hi = page;
    uint64_t size = ch->dir ? ch->dmask + 1 : 0;
    if (ch->page_hi - ch->page_lo == size) {
        uint64_t bigger = size ? 2 * size : DIR_INITIAL;
        log_page *dir = sim_calloc((size_t)bigger, sizeof *dir);
        if (!dir)
            return SIM_ENOMEM;
        for (uint64_t p = ch->page_lo; p < ch->page_hi; p++)
            dir[p & (bigger - 1)] = ch->dir[p & ch->dmask];
        sim_free(ch->dir);
        ch->dir = dir;
        ch->dmask = bigger - 1;
    }
    entry *e = ch->spare ? ch->spare : sim_malloc(PAGE * sizeof *e);
    if (!e)
        return SIM_ENOMEM;
    ch->spare = NULL;
    ch->dir[page & ch->dmask].e = e;
    ch->newest.e = e; /* its bases come with its first entry (append) */
    ch->page_hi = page + 1;
    return SIM_OK;
}

/* Whether the next entry (at tail, seq tip) fits a compact entry. */
static int fits(const mdl_channel *ch, int flow, uint64_t key, sim_time created, sim_time now)
{
    if (created != now || key > UINT32_MAX || flow < -FLOW_MAX || flow > FLOW_MAX)
        return 0;
    if ((ch->tail & (PAGE - 1)) == 0)
        return 1;                    /* it starts a page: the bases are its own */
    const log_page *p = &ch->newest; /* grow_pages made the page of tail the newest */
    assert(p == page_of(ch, ch->tail));
    return now >= p->t0 && (uint64_t)(now - p->t0) <= DT_MAX && ch->tip - p->seq0 <= UINT32_MAX;
}

/* Makes room for one more wide entry in the ring. */
static int grow_wide(mdl_channel *ch)
{
    uint64_t size = ch->wide ? ch->wide_mask + 1 : 0;
    if (ch->wide_hi - ch->wide_lo < size)
        return SIM_OK;
    uint64_t bigger = size ? 2 * size : WIDE_INITIAL;
    mdl_event *w = sim_malloc((size_t)bigger * sizeof *w);
    if (!w)
        return SIM_ENOMEM;
    for (uint64_t i = ch->wide_lo; i < ch->wide_hi; i++)
        w[i & (bigger - 1)] = ch->wide[i & ch->wide_mask];
    sim_free(ch->wide);
    ch->wide = w;
    ch->wide_mask = bigger - 1;
    return SIM_OK;
}

/* Makes room for the next entry: *wide says whether it will be wide. */
static int grow(mdl_channel *ch, int flow, uint64_t key, sim_time created, sim_time now, int *wide)
{
    if (grow_pages(ch) != SIM_OK)
        return SIM_ENOMEM;
    *wide = !fits(ch, flow, key, created, now);
    return *wide ? grow_wide(ch) : SIM_OK;
}

/* Appends an entry of n events to the log, wide or not as grow said (the
 * readers are append's, or the commit's). */
static inline void append_entry(mdl_channel *ch, int flow, uint64_t key, sim_time created,
                                sim_time now, uint64_t n, int wide)
{
    log_page *p = &ch->newest; /* grow made the page of tail the newest */
    entry *e = &p->e[ch->tail & (PAGE - 1)];
    uint64_t seq = ch->tip;
    if (ch->head == ch->tail)
        ch->expire_at = expiry(ch, now);
    if ((ch->tail & (PAGE - 1)) == 0) { /* into both copies (invariant 8) */
        log_page *slot = &ch->dir[(ch->tail >> PAGE_BITS) & ch->dmask];
        slot->seq0 = p->seq0 = seq;
        slot->t0 = p->t0 = now;
    }
    if (wide) {
        mdl_event *w = &ch->wide[ch->wide_hi & ch->wide_mask];
        *w =
            (mdl_event){.seq = seq, .published = now, .created = created, .key = key, .flow = flow};
        e->tf = FLOW_WIDE;
        e->dseq = 0;
        e->key = (uint32_t)ch->wide_hi++;
    } else {
        e->tf = (uint64_t)(now - p->t0) << 16 | ((uint64_t)(unsigned)flow & FLOW_MASK);
        e->dseq = (uint32_t)(seq - p->seq0);
        e->key = (uint32_t)key;
    }
    ch->tail++;
    ch->tip += n;
    ch->retained += n;
    ch->st.published += n;
    if (ch->retained > ch->st.retained_peak)
        ch->st.retained_peak = ch->retained;
}

/* Appends an entry of n events, wide or not as grow said, and updates the
 * readers (before telling them). */
static void append(mdl_channel *ch, int flow, uint64_t key, sim_time created, sim_time now,
                   uint64_t n, int wide)
{
    uint64_t seq = ch->tip;
    append_entry(ch, flow, key, created, now, n, wide);
    /* matches(r, flow), with the flow's kind worked out once; the
     * readers to tell (the first 64, by bit) gathered on the way */
    int own = flow >= 0, cdc = flow == MDL_CHANNEL_CDC || flow == MDL_CHANNEL_ECHO;
    uint64_t tell = 0;
    for (int i = 0; i < ch->nreaders; i++) {
        reader *r = &ch->readers[i];
        if (own ? r->flow == flow : cdc && r->cdc) {
            r->backlog += n;
            if (own)
                r->backlog_own += n;
            note_backlog_peak(ch, r);
            if (r->notify && i < 64)
                tell |= UINT64_C(1) << i;
        } else if (r->pos == seq) { /* at the tip: step over it */
            r->pos = ch->tip;
            r->pos_abs = ch->tail;
            if (r->pos > r->high)
                r->high = r->pos;
        }
    }
    mdl_event ev = {.seq = seq, .published = now, .created = created, .key = key, .flow = flow};
    for (; tell; tell &= tell - 1) {
        int i = __builtin_ctzll(tell);
        reader *r = &ch->readers[i];
        r->notify(r->ctx, i, MDL_NOTE_PUBLISHED, &ev, n, 0, now);
    }
    for (int i = 64; i < ch->nreaders; i++) {
        reader *r = &ch->readers[i];
        if (matches(r, flow) && r->notify)
            r->notify(r->ctx, i, MDL_NOTE_PUBLISHED, &ev, n, 0, now);
    }
}

/* ---- turns on the delivery allocation -------------------------------- */

static void tell_granted(mdl_channel *ch, int ri, uint64_t n, sim_time now)
{
    reader *r = &ch->readers[ri];
    mdl_event ev = {.seq = r->pos, .published = now, .created = now, .flow = r->flow};
    if (r->notify)
        r->notify(r->ctx, ri, MDL_NOTE_GRANTED, &ev, n, 0, now);
}

/* Hands out what the window freed since the last share-out (invariant 6). */
static void share_out(mdl_channel *ch, sim_time now)
{
    if (ch->nwaiting == 0)
        return;
    double limit = floor(mdl_quota_limit(ch->delivery));
    double used = (double)mdl_quota_used(ch->delivery, now);
    if (!(limit - used > (double)ch->credits))
        return;
    uint64_t surplus = (uint64_t)(limit - used) - ch->credits;
    uint64_t k = (uint64_t)ch->nwaiting, each = surplus / k, rest = surplus % k;
    int n = ch->nreaders, last = -1;
    for (int j = 0; j < n; j++) {
        int i = (ch->share_start + j) % n;
        reader *r = &ch->readers[i];
        if (!r->waiting)
            continue;
        uint64_t give = each;
        if (rest > 0) {
            give++;
            rest--;
            last = i;
        }
        if (give == 0)
            continue;
        r->credit += give;
        ch->credits += give;
        tell_granted(ch, i, give, now);
    }
    if (last >= 0)
        ch->share_start = (last + 1) % n;
}

static void join(mdl_channel *ch, reader *r)
{
    if (!r->waiting) {
        r->waiting = 1;
        ch->nwaiting++;
    }
}

/* r leaves the turn order; its unused credit goes to the others. */
static void leave(mdl_channel *ch, reader *r, sim_time now)
{
    if (!r->waiting)
        return;
    r->waiting = 0;
    ch->nwaiting--;
    ch->credits -= r->credit;
    r->credit = 0;
    if (ch->nwaiting == 0)
        ch->credits = 0;
    else
        share_out(ch, now);
}

static void refused_delivery(mdl_channel *ch, sim_time now)
{
    ch->st.delivery_refused++;
    if (ch->st.exhausted_at == SIM_TIME_NEVER)
        ch->st.exhausted_at = now;
    if (ch->s_alloc)
        sim_series_set(ch->s_alloc, now, (double)mdl_quota_used(ch->delivery, now));
}

/* Takes one delivery for reader ri: 1, or 0 with *retry_at (when the
 * reader may be served again) after a refusal. */
static int take_delivery(mdl_channel *ch, int ri, sim_time now, sim_time *retry_at)
{
    reader *r = &ch->readers[ri];
    if (!ch->delivery)
        return 1;
    if (ch->nwaiting == 0) {
        if (mdl_quota_take(ch->delivery, now, 1))
            return 1;
        join(ch, r); /* the allocation ran out: turns from now on */
        refused_delivery(ch, now);
        if (retry_at)
            *retry_at = mdl_quota_free_at(ch->delivery, now, 1);
        return 0;
    }
    join(ch, r);
    share_out(ch, now);
    if (r->credit > 0) {
        int ok = mdl_quota_take(ch->delivery, now, 1);
        assert(ok); /* invariant 6 */
        (void)ok;
        r->credit--;
        ch->credits--;
        return 1;
    }
    refused_delivery(ch, now);
    if (retry_at) /* when the window holds more than what is already handed out */
        *retry_at = mdl_quota_free_at(ch->delivery, now, ch->credits + 1);
    return 0;
}

void mdl_channel_idle(mdl_channel *ch, int ri, sim_time now)
{
    assert(ri >= 0 && ri < ch->nreaders);
    leave(ch, &ch->readers[ri], now);
}

/* ---- publishing ---------------------------------------------------------- */

static void tell_refused(mdl_channel *ch, int flow, uint64_t key, sim_time created, uint64_t n,
                         sim_time now)
{
    mdl_event ev = {
        .seq = UINT64_MAX, .published = now, .created = created, .key = key, .flow = flow};
    ch->st.publish_refused += n;
    if (ch->st.publish_exhausted_at == SIM_TIME_NEVER)
        ch->st.publish_exhausted_at = now;
    for (int i = 0; i < ch->nreaders; i++) {
        reader *r = &ch->readers[i];
        if (matches(r, flow) && r->notify)
            r->notify(r->ctx, i, MDL_NOTE_REFUSED, &ev, n, 0, now);
    }
}

size_t mdl_channel_log_bytes(const mdl_channel *ch)
{
    uint64_t pages = ch->page_hi - ch->page_lo + (ch->spare != NULL);
    size_t dir = ch->dir ? (size_t)(ch->dmask + 1) * sizeof *ch->dir : 0;
    size_t wide = ch->wide ? (size_t)(ch->wide_mask + 1) * sizeof *ch->wide : 0;
    return (size_t)pages * PAGE * sizeof(entry) + dir + wide;
}

/* One publish; `force` counts it on the publish allocation without the
 * check (a pass's, which fits). */
static int publish_one(mdl_channel *ch, int flow, uint64_t key, sim_time created, sim_time now,
                       int force, uint64_t *seq)
{
    purge(ch, now);
    int wide;
    if (grow(ch, flow, key, created, now, &wide) != SIM_OK)
        return SIM_ENOMEM;
    if (ch->publish && force) {
        mdl_quota_force(ch->publish, now, 1);
    } else if (ch->publish && !mdl_quota_take(ch->publish, now, 1)) {
        tell_refused(ch, flow, key, created, 1, now);
        return SIM_EFULL;
    }
    if (seq)
        *seq = ch->tip;
    append(ch, flow, key, created, now, 1, wide);
    return SIM_OK;
}

int mdl_channel_publish(mdl_channel *ch, int flow, uint64_t key, sim_time created, sim_time now,
                        uint64_t *seq)
{
    assert(flow >= 0 && created <= now);
    return publish_one(ch, flow, key, created, now, 0, seq);
}

int mdl_channel_publish_cdc(mdl_channel *ch, uint64_t records, sim_time now)
{
    purge(ch, now);
    if (records == 0)
        return SIM_OK;
    int wide;
    if (grow(ch, MDL_CHANNEL_CDC, 0, now, now, &wide) != SIM_OK)
        return SIM_ENOMEM;
    uint64_t n = records;
    if (ch->publish) {
        double limit = floor(mdl_quota_limit(ch->publish));
        uint64_t used = mdl_quota_used(ch->publish, now);
        uint64_t room = (double)used >= limit ? 0 : (uint64_t)(limit - (double)used);
        if (n > room)
            n = room;
        if (n > 0) {
            int ok = mdl_quota_take(ch->publish, now, n);
            assert(ok);
            (void)ok;
        }
    }
    /* A run's count is 32 bits: split huge loads into several entries. */
    uint64_t left = n;
    int rc = SIM_OK;
    while (left > 0) {
        uint64_t part = left > UINT32_MAX ? UINT32_MAX : left;
        if (grow(ch, MDL_CHANNEL_CDC, 0, now, now, &wide) != SIM_OK) {
            rc = SIM_ENOMEM;
            break;
        }
        append(ch, MDL_CHANNEL_CDC, 0, now, now, part, wide);
        ch->st.cdc_published += part;
        left -= part;
    }
    if (n < records) {
        /* The refused part is told as a refusal, as a single run. */
        tell_refused(ch, MDL_CHANNEL_CDC, 0, now, records - n, now);
        if (rc == SIM_OK)
            rc = SIM_EFULL;
    }
    return rc;
}

int mdl_channel_publish_echo(mdl_channel *ch, uint64_t hops, sim_time now)
{
    purge(ch, now);
    int wide;
    if (grow(ch, MDL_CHANNEL_ECHO, hops, now, now, &wide) != SIM_OK)
        return SIM_ENOMEM;
    if (ch->publish && !mdl_quota_take(ch->publish, now, 1)) {
        tell_refused(ch, MDL_CHANNEL_ECHO, hops, now, 1, now);
        return SIM_EFULL;
    }
    append(ch, MDL_CHANNEL_ECHO, hops, now, now, 1, wide);
    ch->st.cdc_published++;
    return SIM_OK;
}

/* ---- readers ----------------------------------------------------------- */

int mdl_channel_attach(mdl_channel *ch, const mdl_channel_reader_cfg *cfg, sim_err *err)
{
    if (cfg->flow < 0 && cfg->flow != MDL_CHANNEL_NO_FLOW)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "channel %s: a reader's flow must be >= 0 or NO_FLOW", ch->id);
    if (ch->nreaders == ch->readers_cap) {
        int cap = ch->readers_cap ? 2 * ch->readers_cap : 4;
        reader *rs =
            sim_reallocarray_hot(ch->readers, (size_t)ch->readers_cap, (size_t)cap, sizeof *rs);
        if (!rs)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "channel %s: out of memory", ch->id);
        ch->readers = rs;
        ch->readers_cap = cap;
    }
    reader *r = &ch->readers[ch->nreaders];
    memset(r, 0, sizeof *r);
    r->flow = cfg->flow;
    r->cdc = cfg->cdc != 0;
    r->notify = cfg->notify;
    r->ctx = cfg->ctx;
    r->pass_lags = cfg->pass_lags != 0 && cfg->notify != NULL;
    r->pos = r->high = r->committed = ch->tip;
    r->pos_abs = ch->tail;
    return ch->nreaders++;
}

/* One delivery; `force` counts it on the delivery allocation without the
 * check or the turns (a pass's, which fits while nobody takes turns). */
static int deliver_one(mdl_channel *ch, int ri, sim_time now, mdl_event *out, int *replay,
                       sim_time *retry_at, int force)
{
    flush_held(ch);
    purge(ch, now);
    reader *r = &ch->readers[ri];
    if (r->pos < oldest(ch))
        return MDL_READ_OUT_OF_RANGE;
    /* The entry at pos_abs, decoded once: when it holds pos and matches
     * (invariant 1 and a valid cache: the usual case, often the entry
     * just published), advance_to_match would change nothing. */
    mdl_event ev;
    uint64_t a = r->pos_abs, end = 0;
    int at_pos = 0;
    if (r->pos < ch->tip && a >= ch->head && a < ch->tail) {
        load(ch, a, &ev);
        end = end_of(ch, a);
        at_pos = ev.seq <= r->pos && r->pos < end && matches(r, ev.flow);
        assert(!at_pos || r->pos <= r->high); /* invariant 2 */
    }
    if (!at_pos) {
        advance_to_match(ch, r);
        if (r->pos >= ch->tip) {
            leave(ch, r, now); /* nothing to read: no turn needed */
            return MDL_READ_EMPTY;
        }
        a = r->pos_abs; /* the entry holding pos */
        load(ch, a, &ev);
        end = end_of(ch, a);
    }
    if (force) {
        if (ch->delivery)
            mdl_quota_force(ch->delivery, now, 1);
    } else if (!take_delivery(ch, ri, now, retry_at)) {
        return MDL_READ_ALLOCATION;
    }
    *out = ev;
    out->seq = r->pos;
    int again = r->pos < r->high;
    if (!again) {
        assert(r->backlog > 0);
        r->backlog--;
        if (out->flow >= 0 && out->flow == r->flow)
            r->backlog_own--;
    }
    if (replay)
        *replay = again;
    r->pos++;
    if (r->pos == end)
        r->pos_abs++; /* entries are contiguous: pos is the next one's first seq, or tip */
    if (r->pos > r->high)
        r->high = r->pos;
    skip_unmatched(ch, r); /* pos_abs is valid: fix_abs would keep it */
    ch->st.deliveries++;
    if (ch->s_alloc)
        sim_series_set(ch->s_alloc, now, (double)mdl_quota_used(ch->delivery, now));
    return MDL_READ_DELIVERED;
}

int mdl_channel_deliver(mdl_channel *ch, int ri, sim_time now, mdl_event *out, int *replay,
                        sim_time *retry_at)
{
    assert(ri >= 0 && ri < ch->nreaders);
    return deliver_one(ch, ri, now, out, replay, retry_at, 0);
}

int mdl_channel_charge(mdl_channel *ch, int ri, sim_time now, sim_time *retry_at)
{
    assert(ri >= 0 && ri < ch->nreaders);
    flush_held(ch);
    if (!take_delivery(ch, ri, now, retry_at))
        return 0;
    ch->st.deliveries++;
    if (ch->s_alloc)
        sim_series_set(ch->s_alloc, now, (double)mdl_quota_used(ch->delivery, now));
    return 1;
}

void mdl_channel_seek_tip(mdl_channel *ch, int ri, sim_time now)
{
    assert(ri >= 0 && ri < ch->nreaders);
    purge(ch, now);
    reader *r = &ch->readers[ri];
    uint64_t start = max_u64(r->pos, oldest(ch));
    if (start < ch->tip) {
        for (uint64_t a = locate(ch, start); a < ch->tail; a++) {
            if (!matches(r, flow_of(ch, a)))
                continue;
            mdl_event ev;
            load(ch, a, &ev);
            tell_leaving(ch, ri, &ev, max_u64(ev.seq, start), end_of(ch, a), MDL_NOTE_SKIPPED, now);
        }
    }
    assert(r->backlog == 0 && r->backlog_own == 0);
    r->pos = r->high = ch->tip;
    r->pos_abs = ch->tail;
}

void mdl_channel_seek_oldest(mdl_channel *ch, int ri, sim_time now)
{
    assert(ri >= 0 && ri < ch->nreaders);
    purge(ch, now);
    reader *r = &ch->readers[ri];
    r->pos = oldest(ch);
    r->pos_abs = ch->head;
    advance_to_match(ch, r);
}

void mdl_channel_rewind(mdl_channel *ch, int ri, uint64_t seq)
{
    assert(ri >= 0 && ri < ch->nreaders);
    reader *r = &ch->readers[ri];
    assert(seq <= r->high);
    r->pos = seq;
    advance_to_match(ch, r);
}

void mdl_channel_commit(mdl_channel *ch, int ri, uint64_t seq, sim_time now)
{
    assert(ri >= 0 && ri < ch->nreaders);
    ch->readers[ri].committed = seq;
    purge(ch, now);
}

void mdl_channel_expire(mdl_channel *ch, sim_time now)
{
    purge(ch, now);
}

/* ---- state ------------------------------------------------------------ */

uint64_t mdl_channel_tip(const mdl_channel *ch)
{
    return ch->tip;
}

uint64_t mdl_channel_oldest(const mdl_channel *ch)
{
    return oldest(ch);
}

uint64_t mdl_channel_retained(const mdl_channel *ch)
{
    return ch->retained;
}

sim_time mdl_channel_retention(const mdl_channel *ch)
{
    return ch->retention;
}

uint64_t mdl_channel_position(const mdl_channel *ch, int r)
{
    return ch->readers[r].pos;
}

uint64_t mdl_channel_high_water(const mdl_channel *ch, int r)
{
    return ch->readers[r].high;
}

uint64_t mdl_channel_committed(const mdl_channel *ch, int r)
{
    return ch->readers[r].committed;
}

uint64_t mdl_channel_backlog(const mdl_channel *ch, int r)
{
    return ch->readers[r].backlog;
}

uint64_t mdl_channel_backlog_own(const mdl_channel *ch, int r)
{
    return ch->readers[r].backlog_own;
}

sim_time mdl_channel_oldest_unread(const mdl_channel *ch, int ri)
{
    const reader *r = &ch->readers[ri];
    if (r->pos >= ch->tip || ch->head == ch->tail)
        return SIM_TIME_NEVER;
    if (r->pos < oldest(ch))
        return published_of(ch, ch->head);
    uint64_t a = r->pos_abs;
    if (a < ch->head || a >= ch->tail || seq_of(ch, a) > r->pos || end_of(ch, a) <= r->pos)
        a = locate(ch, r->pos);
    return published_of(ch, a);
}

int mdl_channel_readers(const mdl_channel *ch)
{
    return ch->nreaders;
}

void mdl_channel_stats_get(const mdl_channel *ch, mdl_channel_stats *out)
{
    *out = ch->st;
    if (ch->delivery) {
        out->allocation_peak = mdl_quota_peak(ch->delivery);
        out->exhausted_at = mdl_quota_exhausted_at(ch->delivery);
    }
}

uint64_t mdl_channel_allocation_used(mdl_channel *ch, sim_time now)
{
    return ch->delivery ? mdl_quota_used(ch->delivery, now) : 0;
}

/* ---- charts -------------------------------------------------------------- */

/* The sample of the charts at now. */
static void take_sample(mdl_channel *ch, sim_time now)
{
    flush_held(ch);
    purge(ch, now);
    uint64_t backlog = 0;
    double age = 0.0;
    for (int i = 0; i < ch->nreaders; i++) {
        backlog = max_u64(backlog, ch->readers[i].backlog);
        sim_time t = mdl_channel_oldest_unread(ch, i);
        if (t != SIM_TIME_NEVER && sim_time_to_seconds(now - t) > age)
            age = sim_time_to_seconds(now - t);
    }
    if (age > ch->st.oldest_unread_age_peak_s)
        ch->st.oldest_unread_age_peak_s = age;
    sim_series_set(ch->s_backlog, now, (double)backlog);
    sim_series_set(ch->s_age, now, age);
    if (ch->s_alloc)
        sim_series_set(ch->s_alloc, now, (double)mdl_quota_used(ch->delivery, now));
}

static void sample(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    mdl_channel *ch = ctx;
    if (ch->pass_on && now >= ch->pass_t0 && now <= ch->pass_t1) {
        if (ch->nheld++ == 0) /* held for the commit's replay */
            ch->held_first = now;
    } else {
        take_sample(ch, now);
    }
    /* The last sample is at the start of the last bucket; the copies made
     * by mdl_channel_publish_metrics are closed at the end of the run. */
    sim_time next = now + ch->interval;
    if (next < ch->interval * (sim_time)ch->nbins)
        sim_queue_push(ch->q, next, sample, ch, 0);
}

/* ---- metrics ------------------------------------------------------------- */

static int put(sim_result *r, const char *id, const char *what, const char *unit, double v,
               sim_err *err)
{
    char name[256];
    int len = snprintf(name, sizeof name, "channel.%s.%s", id, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "channel: id too long: %.64s...", id);
    int rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "channel: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

static int put_series(sim_result *r, const char *id, const char *what, const char *unit,
                      const sim_series *s, sim_time now, sim_err *err)
{
    if (!s)
        return SIM_OK;
    char name[256];
    int len = snprintf(name, sizeof name, "channel.%s.%s", id, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "channel: id too long: %.64s...", id);
    sim_series *copy = sim_series_clone(s, err);
    if (!copy)
        return SIM_ENOMEM;
    sim_series_finish(copy, now);
    int rc = sim_result_series(r, name, unit, copy);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "channel: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

static double censored_s(sim_time t, sim_time now)
{
    return sim_time_to_seconds(t == SIM_TIME_NEVER ? now : t);
}

int mdl_channel_publish_metrics(const mdl_channel *ch, sim_time now, sim_result *r, sim_err *err)
{
    mdl_channel_stats s;
    mdl_channel_stats_get(ch, &s);
    const char *id = ch->id;
    int rc;
    if ((rc = put(r, id, "published", "events", (double)s.published, err)) ||
        (rc = put(r, id, "publish_refused", "events", (double)s.publish_refused, err)) ||
        (rc = put(r, id, "cdc_published", "events", (double)s.cdc_published, err)) ||
        (rc = put(r, id, "deliveries", "deliveries", (double)s.deliveries, err)) ||
        (rc = put(r, id, "delivery_refused", "attempts", (double)s.delivery_refused, err)) ||
        (rc = put(r, id, "expired", "events", (double)s.expired, err)) ||
        (rc = put(r, id, "expired_unread", "events", (double)s.expired_unread, err)) ||
        (rc = put(r, id, "retained_peak", "events", (double)s.retained_peak, err)) ||
        (rc = put(r, id, "backlog_peak", "events", (double)s.backlog_peak, err)) ||
        (rc = put(r, id, "oldest_unread_age_peak_s", "s", s.oldest_unread_age_peak_s, err)))
        return rc;
    if (ch->retention != MDL_CHANNEL_FOREVER &&
        (rc = put(r, id, "retention_s", "s", sim_time_to_seconds(ch->retention), err)))
        return rc;
    if (ch->delivery) {
        if ((rc = put(r, id, "allocation_limit", "deliveries", s.allocation_limit, err)) ||
            (rc = put(r, id, "allocation_used_peak", "deliveries", (double)s.allocation_peak,
                      err)) ||
            (rc = put(r, id, "allocation_exhausted", "bool",
                      s.exhausted_at == SIM_TIME_NEVER ? 0.0 : 1.0, err)) ||
            (rc = put(r, id, "allocation_exhausted_at", "s", censored_s(s.exhausted_at, now), err)))
            return rc;
    }
    if (ch->publish) {
        if ((rc = put(r, id, "publish_allocation_exhausted_at", "s",
                      censored_s(s.publish_exhausted_at, now), err)))
            return rc;
    }
    if ((rc = put_series(r, id, "allocation_used_series", "deliveries", ch->s_alloc, now, err)) ||
        (rc = put_series(r, id, "backlog_series", "events", ch->s_backlog, now, err)) ||
        (rc = put_series(r, id, "oldest_unread_age_series", "s", ch->s_age, now, err)))
        return rc;
    return SIM_OK;
}

/* ---- the aggregate path ----------------------------------------------------- */

int mdl_channel_pass_ready(const mdl_channel *ch)
{
    if (ch->nwaiting > 0 || ch->keep_until_consumed || ch->pass_on)
        return 0;
    for (int i = 0; i < ch->nreaders; i++) {
        const reader *r = &ch->readers[i];
        if (r->pos < oldest(ch) || r->pos < r->high)
            return 0;
    }
    return 1;
}

const mdl_quota *mdl_channel_allocation(const mdl_channel *ch, mdl_channel_allocation_kind kind)
{
    return kind == MDL_CHANNEL_PUBLISH_ALLOCATION ? ch->publish : ch->delivery;
}

uint64_t mdl_channel_unread(const mdl_channel *ch, int ri, mdl_event *out, size_t cap)
{
    const reader *r = &ch->readers[ri];
    uint64_t n = 0;
    if (r->pos < oldest(ch) || r->pos >= ch->tip)
        return 0;
    for (uint64_t a = locate(ch, r->pos); a < ch->tail; a++) {
        if (!matches(r, flow_of(ch, a)))
            continue;
        mdl_event ev;
        load(ch, a, &ev);
        for (uint64_t seq = max_u64(ev.seq, r->pos); seq < end_of(ch, a); seq++, n++) {
            if (n < cap) {
                out[n] = ev;
                out[n].seq = seq;
            }
        }
    }
    return n;
}

void mdl_channel_pass_begin(mdl_channel *ch, sim_time t0, sim_time t1)
{
    ch->pass_on = 1;
    ch->pass_t0 = t0;
    ch->pass_t1 = t1;
    ch->nheld = 0;
}

/* Whether times[n] are nondecreasing within [t0, t1): each at or after
 * the one before (the first after t0), and the last before t1. */
static int in_order(const sim_time *times, size_t n, sim_time t0, sim_time t1)
{
    sim_time prev = t0;
    for (size_t i = 0; i < n; i++) {
        if (times[i] < prev)
            return 0;
        prev = times[i];
    }
    return n == 0 || times[n - 1] < t1;
}

/* Readers up to which valid_bulk checks the reads in one sweep. */
#define VALID_FEW 64

/* Whether every read of b finds an event, in one sweep over the lists for
 * all readers (at most VALID_FEW): a pass's publish (flow >= 0) matches
 * exactly the readers of its flow, so the readers are grouped by flow and
 * each group counts the publishes of its flow so far; reader r's read
 * finds an event while r's reads so far are fewer than its backlog plus
 * its group's count. The same answer as valid_bulk's sweep per reader. */
static int reads_find_few(const mdl_channel *ch, const mdl_channel_bulk *b)
{
    int gflow[VALID_FEW];      /* the flows of the groups */
    uint64_t gpub[VALID_FEW];  /* publishes of each group's flow so far */
    int grp[VALID_FEW];        /* each reader's group; -1: it reads no flow */
    uint64_t avail[VALID_FEW]; /* each reader's backlog minus its reads so far */
    int ng = 0;
    for (int ri = 0; ri < ch->nreaders; ri++) {
        const reader *r = &ch->readers[ri];
        avail[ri] = r->backlog;
        grp[ri] = -1;
        if (r->flow < 0)
            continue;
        int g = 0;
        while (g < ng && gflow[g] != r->flow)
            g++;
        if (g == ng) {
            gflow[ng] = r->flow;
            gpub[ng++] = 0;
        }
        grp[ri] = g;
    }
    /* A publish's group by its flow: from a table when the groups' flows
     * span fewer than FLOW_SPAN values (the flows of one channel are
     * usually close), else by a scan. */
    enum { FLOW_SPAN = 256 };
    signed char gmap[FLOW_SPAN];
    int fmin = ng > 0 ? gflow[0] : 0, fmax = fmin;
    for (int g = 1; g < ng; g++) {
        fmin = gflow[g] < fmin ? gflow[g] : fmin;
        fmax = gflow[g] > fmax ? gflow[g] : fmax;
    }
    unsigned span = (unsigned)(fmax - fmin) < FLOW_SPAN ? (unsigned)(fmax - fmin) + 1 : 0;
    memset(gmap, -1, span);
    if (span > 0)
        for (int g = 0; g < ng; g++)
            gmap[gflow[g] - fmin] = (signed char)g;
    size_t i = 0;
    for (size_t j = 0; j <= b->nread; j++) {
        /* the publishes up to this read (all of them after the last) */
        sim_time upto = j < b->nread ? b->read_at[j] : SIM_TIME_NEVER;
        for (; i < b->npub && b->pub_at[i] <= upto; i++) {
            if (b->pub_flow[i] < 0)
                return 0;
            if (span > 0) {
                unsigned d = (unsigned)b->pub_flow[i] - (unsigned)fmin;
                if (d < span && gmap[d] >= 0)
                    gpub[gmap[d]]++;
                continue;
            }
            for (int g = 0; g < ng; g++) {
                if (gflow[g] == b->pub_flow[i]) {
                    gpub[g]++;
                    break;
                }
            }
        }
        if (j == b->nread)
            break;
        int ri = b->read_reader[j];
        if (ri < 0 || ri >= ch->nreaders)
            return 0;
        int g = grp[ri];
        if (avail[ri] + (g >= 0 ? gpub[g] : 0) == 0)
            return 0;
        avail[ri]--; /* wraps below 0 while gpub[g] covers it: the sum is what counts */
    }
    return 1;
}

/* Whether b is a pass's lists this channel can replay: the times in order,
 * the flows and readers valid, and every read finding an event (reader r
 * has its backlog plus the publishes it matches up to the read's time). */
static int valid_bulk(const mdl_channel *ch, const mdl_channel_bulk *b)
{
    if ((b->npub > 0 && (!b->pub_at || !b->pub_flow || !b->pub_key)) ||
        (b->nread > 0 && (!b->read_at || !b->read_reader || !b->read_ev)) ||
        !in_order(b->pub_at, b->npub, ch->pass_t0, ch->pass_t1) ||
        !in_order(b->read_at, b->nread, ch->pass_t0, ch->pass_t1) ||
        (b->ncharge > 0 && (!b->charge_at || !b->charge_reader)) ||
        !in_order(b->charge_at, b->ncharge, ch->pass_t0, ch->pass_t1))
        return 0;
    for (size_t j = 0; j < b->ncharge; j++)
        if (b->charge_reader[j] < 0 || b->charge_reader[j] >= ch->nreaders)
            return 0;
    if (ch->nreaders <= VALID_FEW) /* it checks the flows and readers too */
        return reads_find_few(ch, b);
    for (size_t i = 0; i < b->npub; i++)
        if (b->pub_flow[i] < 0)
            return 0;
    for (size_t j = 0; j < b->nread; j++)
        if (b->read_reader[j] < 0 || b->read_reader[j] >= ch->nreaders)
            return 0;
    for (int ri = 0; ri < ch->nreaders; ri++) {
        const reader *r = &ch->readers[ri];
        uint64_t left = r->backlog;
        size_t i = 0;
        for (size_t j = 0; j < b->nread; j++) {
            for (; i < b->npub && b->pub_at[i] <= b->read_at[j]; i++)
                left += matches(r, b->pub_flow[i]);
            if (b->read_reader[j] == ri && left-- == 0)
                return 0;
        }
    }
    return 1;
}

/* Gathers reader r's own backlog after a change at now, in place of a
 * note (tell_lags tells them). There is room: the buffer holds
 * MDL_CHANNEL_LAGS and is empty between commits (the commit's end tells
 * every reader's), a publish gathers at most one change per reader and
 * tells it at its end when the buffer is full (those below 64 by the
 * bit of `tell`, the others in the loop after it), and a read tells a
 * full buffer at once: so no gather finds it full. */
static inline void gather_lag(reader *r, sim_time now, int published)
{
    assert(r->lags && r->nlags < MDL_CHANNEL_LAGS);
    mdl_channel_lag *l = &r->lags[r->nlags++];
    l->at = now;
    l->own = r->backlog_own;
    l->published = published;
}

/* A pass's publish (flow >= 0, created = now, the publish allocation
 * forced): publish_one, with append's readers; those gathering their
 * lags gather the change. The same state and the same notes otherwise. */
static int pass_publish(mdl_channel *ch, int flow, uint64_t key, sim_time now, uint64_t *seq_out)
{
    purge(ch, now);
    /* grow's answer without the call when tail is inside the newest page
     * (allocated, its bases set) and the entry fits it: compact */
    int wide = 0;
    const log_page *np = &ch->newest;
    if ((ch->tail & (PAGE - 1)) == 0 || key > UINT32_MAX || flow > FLOW_MAX || now < np->t0 ||
        (uint64_t)(now - np->t0) > DT_MAX || ch->tip - np->seq0 > UINT32_MAX) {
        if (grow(ch, flow, key, now, now, &wide) != SIM_OK)
            return SIM_ENOMEM;
    }
    assert(wide || fits(ch, flow, key, now, now));
    if (ch->publish)
        held_force(ch, ch->publish, &ch->held_pub, now);
    uint64_t seq = ch->tip;
    if (seq_out)
        *seq_out = seq;
    append_entry(ch, flow, key, now, now, 1, wide);
    /* matches(r, flow) is r->flow == flow (flow >= 0); the readers to tell
     * (a note, or a full batch; the first 64, by bit) gathered on the way */
    uint64_t tell = 0;
    for (int i = 0; i < ch->nreaders; i++) {
        reader *r = &ch->readers[i];
        if (r->flow == flow) {
            r->backlog++;
            r->backlog_own++;
            note_backlog_peak(ch, r);
            if (r->lags) {
                gather_lag(r, now, 1);
                if (r->nlags == MDL_CHANNEL_LAGS && i < 64)
                    tell |= UINT64_C(1) << i;
            } else if (r->notify && i < 64) {
                tell |= UINT64_C(1) << i;
            }
        } else if (r->pos == seq) { /* at the tip: step over it */
            r->pos = ch->tip;
            r->pos_abs = ch->tail;
            if (r->pos > r->high)
                r->high = r->pos;
        }
    }
    if (tell == 0 && ch->nreaders <= 64)
        return SIM_OK; /* the usual case: a gathered change, nobody to tell now */
    flush_held(ch);
    mdl_event ev = {.seq = seq, .published = now, .created = now, .key = key, .flow = flow};
    for (; tell; tell &= tell - 1) {
        int i = __builtin_ctzll(tell);
        reader *r = &ch->readers[i];
        if (r->lags)
            tell_lags(ch, i);
        else
            r->notify(r->ctx, i, MDL_NOTE_PUBLISHED, &ev, 1, 0, now);
    }
    for (int i = 64; i < ch->nreaders; i++) {
        reader *r = &ch->readers[i];
        if (r->flow != flow || !r->notify)
            continue;
        if (!r->lags)
            r->notify(r->ctx, i, MDL_NOTE_PUBLISHED, &ev, 1, 0, now);
        else if (r->nlags == MDL_CHANNEL_LAGS)
            tell_lags(ch, i);
    }
    return SIM_OK;
}

/* A pass's read by reader ri at now: deliver_one (forced), with the
 * usual case worked out from the entry at the reader's position alone:
 * nothing expires, the entry is compact and of the reader's flow (so it
 * holds one event, the one at the position: runs are CDC's), and the
 * reader is at its high water (no replay). */
static int pass_read(mdl_channel *ch, int ri, sim_time now, mdl_event *out, int *replay)
{
    reader *r = &ch->readers[ri];
    uint64_t a = r->pos_abs;
    if (now >= ch->expire_at || ch->keep_until_consumed || a < ch->head || a >= ch->tail ||
        r->pos != r->high || r->flow < 0)
        return deliver_one(ch, ri, now, out, replay, NULL, 1);
    const log_page *p = page_of(ch, a);
    const entry *e = &p->e[a & (PAGE - 1)];
    if (is_wide(e) || p->seq0 + e->dseq != r->pos || e_flow(ch, e) != r->flow)
        return deliver_one(ch, ri, now, out, replay, NULL, 1);
    assert(r->pos >= oldest(ch) && r->pos < ch->tip && end_of(ch, a) == r->pos + 1);
    uint64_t used = ch->delivery ? held_force(ch, ch->delivery, &ch->held_del, now) : 0;
    out->seq = r->pos;
    out->published = p->t0 + (sim_time)(e->tf >> 16);
    out->created = out->published;
    out->key = e->key;
    out->flow = r->flow;
    assert(r->backlog > 0 && r->backlog_own > 0);
    r->backlog--;
    r->backlog_own--;
    *replay = 0;
    r->high = ++r->pos;
    r->pos_abs = a + 1;
    skip_unmatched(ch, r);
    ch->st.deliveries++;
    if (ch->s_alloc)
        sim_series_set(ch->s_alloc, now, (double)used);
    return MDL_READ_DELIVERED;
}

const mdl_channel_lag *mdl_channel_pass_lags(const mdl_channel *ch, int r, size_t *n)
{
    assert(r >= 0 && r < ch->nreaders);
    const reader *rd = &ch->readers[r];
    *n = (size_t)rd->nlags;
    return rd->lags;
}

int mdl_channel_pass_commit(mdl_channel *ch, const mdl_channel_bulk *b)
{
    if (!ch->pass_on || !valid_bulk(ch, b))
        return SIM_EINVAL;
    ch->pass_on = 0;
    ch->held_pub = ch->held_del = (held_count){0};
    if (ch->publish)
        ch->held_pub.grid = mdl_quota_grid(ch->publish);
    if (ch->delivery)
        ch->held_del.grid = mdl_quota_grid(ch->delivery);
    for (int ri = 0; ri < ch->nreaders; ri++) {
        reader *r = &ch->readers[ri];
        if (r->pass_lags && !r->lags) /* none: it is told note by note */
            r->lags = sim_malloc(MDL_CHANNEL_LAGS * sizeof *r->lags);
    }
    size_t i = 0, j = 0, k = 0, m = 0;
    int rc = SIM_OK;
    /* The next sample point ts and charge tc (few), and the first of them:
     * at equal times a sample comes first, then a charge, a publish, a read. */
    sim_time ts = SIM_TIME_NEVER, tc = SIM_TIME_NEVER, tx = SIM_TIME_NEVER;
    int more_x = ch->nheld > 0 || b->ncharge > 0;
    if (more_x) {
        ts = ch->nheld > 0 ? ch->held_first : SIM_TIME_NEVER;
        tc = b->ncharge > 0 ? b->charge_at[0] : SIM_TIME_NEVER;
        tx = ts < tc ? ts : tc;
    }
    /* A list done gives SIM_TIME_NEVER, later than any record (< t1): with
     * all three done, tx <= tp and tx <= tr with nothing more to do. */
    for (;;) {
        sim_time tp = i < b->npub ? b->pub_at[i] : SIM_TIME_NEVER;
        sim_time tr = j < b->nread ? b->read_at[j] : SIM_TIME_NEVER;
        if (tx <= tp && tx <= tr) {
            if (!more_x)
                break;
            if (k < ch->nheld && ts <= tc) {
                take_sample(ch, ts);
                k++;
            } else {
                sim_time retry;
                int took = mdl_channel_charge(ch, b->charge_reader[m], tc, &retry);
                assert(took); /* the caller checked the allocation */
                (void)took;
                m++;
            }
            more_x = k < ch->nheld || m < b->ncharge;
            ts = k < ch->nheld ? ch->held_first + (sim_time)k * ch->interval : SIM_TIME_NEVER;
            tc = m < b->ncharge ? b->charge_at[m] : SIM_TIME_NEVER;
            tx = ts < tc ? ts : tc;
        } else if (tp <= tr) {
            rc = pass_publish(ch, b->pub_flow[i], b->pub_key[i], tp,
                              b->pub_seq ? &b->pub_seq[i] : NULL);
            if (rc != SIM_OK)
                break;
            i++;
        } else {
            int ri = b->read_reader[j], replay = 0;
            mdl_event *ev = &b->read_ev[j];
            int got = pass_read(ch, ri, tr, ev, &replay);
            assert(got == MDL_READ_DELIVERED); /* valid_bulk, and reads within retention */
            (void)got;
            reader *r = &ch->readers[ri];
            if (!r->lags) {
                if (r->notify) {
                    flush_held(ch);
                    r->notify(r->ctx, ri, MDL_NOTE_READ, ev, 1, replay, tr);
                }
            } else if (!replay && ev->flow == r->flow) { /* deliver_one took it off backlog_own */
                gather_lag(r, tr, 0);
                if (r->nlags == MDL_CHANNEL_LAGS)
                    tell_lags(ch, ri);
            }
            j++;
        }
    }
    flush_held(ch);
    for (int ri = 0; ri < ch->nreaders; ri++)
        if (ch->readers[ri].lags)
            tell_lags(ch, ri);
    ch->nheld = 0;
    return rc;
}
