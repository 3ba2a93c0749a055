/*
 * sim_queue.c - the event calendar: a 4-ary min-heap over a pool of event
 * records.
 *
 * Layout. Two arrays, both of `cap` elements:
 *
 *   heap[0 .. size)   24-byte entries {time, key = seq << 32 | slot, ctx},
 *                     a 4-ary min-heap on (time, seq). Everything a
 *                     comparison needs is in the entry, so sifting reads no
 *                     record (it only stores each moved entry's new
 *                     position). Node i has children 4i+1 .. 4i+4; the array
 *                     is placed so that &heap[1] is 64-byte aligned, which
 *                     puts every group of four siblings (96 bytes) in two
 *                     cache lines (LaMarca and Ladner).
 *   rec[0 .. used)    64-byte event records {fn, arg, gen, pos, and while
 *                     the slot waits in the far wheel its entry and bucket
 *                     links}, one cache line each (the array is 64-byte
 *                     aligned). A slot is
 *                     pending (pos = its heap index, or FAR_BIT | its
 *                     bucket while it waits in the far wheel of a large
 *                     calendar, below) or free (pos = the next
 *                     free slot, a singly linked free list from free_head).
 *                     Slots at and above `used` were never used.
 *
 * Why ctx sits in the entry. An event's callback can start on its model's
 * state only once it has ctx. With ctx in the record, that took three
 * dependent loads after the previous callback (the heap pointer, the first
 * entry's slot, the record's ctx); from the entry it takes two. In an
 * M/M/1 model, where each event's push decides by a coin flip which event
 * fires next (a mispredicted branch half the time), those loads are on the
 * critical path of every event: moving ctx was worth 4 to 5 points of the
 * bare loop's speed (docs/kernel.md). fn stays in the record: the
 * processor predicts an indirect call's target, so its load is not waited
 * for.
 *
 * Invariants.
 *   1. heap[(i-1)/4] is before heap[i] for 0 < i < size (heap order;
 *      for 4 < i < size while the root is vacant, see below), with
 *      before(a, b) = a.time < b.time || (a.time == b.time && a.seq < b.seq)
 *      (comparing keys compares seqs, as seqs are distinct).
 *   2. For a pending slot s in the heap, the slot of heap[rec[s].pos] is
 *      s; each pending slot appears in the heap or (invariant 7) in one
 *      bucket of the far wheel exactly once, free slots in neither.
 *   3. seq values in the heap are distinct and smaller than next_seq, so an
 *      event pushed later compares after every pending one of equal time.
 *   4. An id is ((uint64_t)gen << 32) | slot. gen is odd (it starts at 1
 *      and grows by 2), so never 0 and no id is SIM_EVENT_NONE. rec[s].gen
 *      changes each time slot s is freed (fired or cancelled), so an id is
 *      valid exactly while its event is pending; a stale id no longer
 *      matches and cancel ignores it. (gen wraps after 2^31 reuses of one
 *      slot; an id held that long could alias.)
 *   5. now starts at 0 and never decreases; every pending event has
 *      time >= now, so no time is negative.
 *
 * Sequence numbers are 32-bit to keep (time, seq, slot) in 16 bytes. When next_seq
 * reaches SIM_QUEUE_SEQ_LIMIT (once per ~4 billion pushes) the pending
 * events are renumbered 0 .. size-1 in (time, seq) order: relative order is
 * all the heap uses, so nothing observable changes (see renumber()).
 *
 * Deferred calls. later[0 .. nlater) holds the calls deferred by the
 * current callback, in order; attend() runs them after the callback and
 * empties the list, so between events it is empty unless a call was
 * deferred outside a callback. run and step run those first.
 *
 * The run loop's one test per event. attn is 0 only while nothing is
 * deferred, no stop is asked and status is SIM_OK: whatever defers, stops
 * or fails sets it, and attend() (out of line) recomputes it after the
 * callback. A stale 1 only costs one call of attend().
 *
 * Firing an event frees its slot before calling fn, so the callback can
 * reuse the slot, and cancelling the event's own id from inside it is the
 * documented no-op.
 *
 * The vacant root (the hold operation). Firing takes the root's entry but
 * leaves heap[0] vacant (hole = 1) while the callback runs; size still
 * counts it. Most callbacks schedule a successor: their first push puts the
 * new event at the root and sifts it down once, where a pop then a push
 * would have sifted the last entry down and the new one up. In a calendar
 * of two (an M/M/1 model's arrival and departure) that saves the copy of
 * the other event into the root on every event: about 3 points of the bare
 * loop's speed (docs/kernel.md). A callback that pushes nothing leaves the
 * hole to the run loop, which fills it from the last entry as the pop
 * would have. Everything else that needs the heap whole first fills the
 * hole the same way (cancel, a push that must renumber or grow, a run or
 * step from inside a callback); next_time and size read around it. The
 * hole never outlives the callback, so between events the heap is whole.
 * Calendars of more than PREFETCH_OVER events pop before the callback
 * instead, so that the next event's context can be prefetched while it
 * runs (pop_large).
 * Which entry sits where may differ from a pop then a push, but the order
 * of (time, seq) keys does not, and that is all a run sees.
 *
 * Large calendars: the far wheel. A heap's pop sifts through log4 n levels,
 * so its cost grows with the pending count (5.4 levels at the 1,700
 * events of a 1,000-flow landscape, docs/kernel.md). Once the heap holds
 * more than PREFETCH_OVER events (checked at the pop), the calendar keeps
 * in the heap only the events due in one block of 2^NEAR_BITS us (65 ms),
 * [base, near_last], and the later ones in the buckets of a hierarchical
 * wheel: an event due at t > near_last waits at the level of the highest
 * DIGIT_BITS-bit digit where t differs from base, in the bucket of its
 * digit there (a doubly linked list of slots through the records, so that
 * cancel is O(1); rec.pos is then FAR_BIT | bucket). A waiting event's
 * entry and links sit in its record's line, beside fn, arg and pos: a push
 * into the wheel writes the line the fired event's slot (reused first, the
 * free list is LIFO) has just loaded, a refill reads the entry and stores
 * the position in one line, and the event's fn and arg are there when it
 * fires. (In an array of their own, by slot, they cost a push and a refill
 * a line each more: 1,000 flows, about 2.7 level-1 misses an event,
 * docs/kernel.md.) Every event in a bucket is
 * before every event in a higher digit of the same level and in every
 * higher level, so when the heap runs empty, refill() moves base to the
 * first non-empty bucket of the lowest level and empties it, into the heap
 * (the events of the new block) or into lower levels (each event moves
 * down at least one level each time: at most 8 moves, 1 or 2 for delays
 * under 4 min). A push costs one compare more (at > near_last, never true
 * while the wheel is off: near_last is SIM_TIME_NEVER), a pop sifts a heap
 * of tens of events.
 * Invariants while the wheel is on (big):
 *   6. every heap entry is due at or before near_last, every waiting one
 *      after it (base <= near_last = base + 2^NEAR_BITS - 1), and the heap
 *      is empty only if nothing waits either, so heap[0] is always the
 *      next event: run, next_time and the watched loop read it as before.
 *   7. a waiting event's digits above its level equal base's, and its
 *      digit at its level is its bucket's (and larger than base's).
 * The order is still exactly (time, seq): the heap orders what it holds,
 * the wheel only decides when an event enters the heap, and events of
 * equal time are in the same block, so together. The root is never left
 * vacant with the wheel on (hold_max = 0: every fire pops first). The
 * wheel goes off, every waiting event back into the heap, when fewer than
 * SIM_QUEUE_BIG_OFF are pending, and before a renumbering. Its bucket
 * heads (2.3 KB) are allocated when it first goes on; if that fails, the
 * calendar stays a heap (slower, not wrong).
 *
 * Growth. When no slot is free the pool doubles: new aligned heap and
 * record buffers. A slot costs 88 bytes (its 24-byte heap entry and
 * 64-byte record), wheel on or off: a calendar of 100,000 pending events
 * (131,072 slots) 11.5 MB, 10% more than with the far entries apart (80
 * bytes a slot with the wheel on, 48 without it). If either allocation
 * fails, push returns SIM_EVENT_NONE and status becomes SIM_ENOMEM for
 * good (sticky); run checks it after every event. Nothing else allocates
 * after create.
 */
#include "sim_queue.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "sim_alloc.h"

/* Renumber the pending events when the next sequence number reaches this.
 * A build may define a smaller value to exercise renumbering in tests. */
#ifndef SIM_QUEUE_SEQ_LIMIT
#define SIM_QUEUE_SEQ_LIMIT UINT32_MAX
#endif

#define DEFAULT_CAPACITY 64u
/* Slot indices are 32-bit and UINT32_MAX marks "no slot". */
#define MAX_CAPACITY ((uint32_t)1 << 31)
#define NO_SLOT      UINT32_MAX
#define LINE         64u /* cache line size assumed for heap alignment */
/* Calendars holding more events than this pop before the callback and
 * prefetch the next event's context; smaller ones leave the root vacant. */
#ifndef SIM_QUEUE_PREFETCH_OVER
#define SIM_QUEUE_PREFETCH_OVER 256u
#endif
#define PREFETCH_OVER SIM_QUEUE_PREFETCH_OVER

/* The far wheel (see "Large calendars" above). A calendar switches to it
 * when its heap holds more than PREFETCH_OVER events, and back to the heap
 * alone when fewer than BIG_OFF are pending. The heap then holds the events
 * of one block of 2^NEAR_BITS us; the others wait in buckets, DIGIT_BITS of
 * their time per level. Builds may define other values for tests. */
#ifndef SIM_QUEUE_NEAR_BITS
#define SIM_QUEUE_NEAR_BITS 16
#endif
#ifndef SIM_QUEUE_BIG_OFF
#define SIM_QUEUE_BIG_OFF 64u
#endif
#define NEAR_BITS  SIM_QUEUE_NEAR_BITS
#define NEAR_MASK  (((sim_time)1 << NEAR_BITS) - 1)
#define DIGIT_BITS 6
#define DIGITS     (1u << DIGIT_BITS)
/* Levels cover the bits NEAR_BITS .. 62 of a time (times are >= 0). */
#define LEVELS  ((62 - NEAR_BITS) / DIGIT_BITS + 1)
#define FAR_BIT ((uint32_t)1 << 31) /* in rec.pos: the slot waits in a bucket */

/* Rare paths (growth, renumbering) stay out of line, so that push keeps a
 * small stack frame and few saved registers; the sifts are inlined into
 * their few callers even where GCC's size heuristics would decline, so an
 * event in a small calendar costs a few compares and no calls. */
#if defined(__GNUC__) || defined(__clang__)
#define COLD        __attribute__((cold, noinline))
#define NOINLINE    __attribute__((noinline))
#define INLINE      inline __attribute__((always_inline))
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define COLD
#define NOINLINE
#define INLINE      inline
#define PREFETCH(p) ((void)(p))
#endif

/* key = seq << 32 | slot. The entry is three 8-byte words that are always
 * written and read as such (see the note on store forwarding at put()). */
struct entry {
    sim_time time;
    uint64_t key;
    void *ctx;
};

#define KEY(seq, slot) ((uint64_t)(seq) << 32 | (slot))
#define SLOT(e)        ((uint32_t)(e).key)

/* A slot: one cache line (see "Large calendars"). e, next and prev hold
 * the slot's event while it waits in a bucket of the far wheel: its heap
 * entry and the links of the bucket's doubly linked list (slots). */
struct rec {
    _Alignas(LINE) sim_event_fn *fn; /* 64 bytes where pointers are 4 too */
    uint64_t arg;
    uint32_t gen; /* odd, so never 0 */
    uint32_t pos; /* heap index while pending, next free slot while free */
    struct entry e;
    uint32_t next, prev;
};
_Static_assert(sizeof(struct rec) == LINE, "calendar: a record is one cache line");
_Static_assert(LINE == SIM_CACHE_LINE, "calendar: records come from sim_calloc_lines");

/* The far wheel's buckets: head[level * DIGITS + digit] is the first slot
 * of a list (NO_SLOT if empty), bit digit of occ[level] says it is not. */
struct wheel {
    uint64_t occ[LEVELS];
    uint32_t head[LEVELS * DIGITS];
};

struct later {
    sim_event_fn *fn;
    void *ctx;
    uint64_t arg;
};

struct sim_queue {
    struct entry *heap; /* aligned view into heap_mem */
    struct rec *rec;
    uint32_t size; /* pending events */
    uint32_t cap;  /* slots in rec and entries in heap */
    uint32_t used; /* slots ever handed out */
    uint32_t free_head;
    uint32_t next_seq;
    int status;         /* SIM_OK or SIM_ENOMEM, sticky */
    int stop;           /* set by sim_queue_stop, cleared by sim_queue_run */
    int attn;           /* 0 only if nlater == 0, stop == 0 and status == SIM_OK */
    int hole;           /* heap[0] is vacant: a callback runs and has not pushed yet */
    uint32_t hold_max;  /* heaps up to this size keep the root vacant (hole) */
    sim_time near_last; /* a push due after this goes to the far wheel */
    sim_time now;
    uint64_t fired;
    void *heap_mem;      /* what sim_malloc returned for heap */
    struct later *later; /* calls deferred by the current callback */
    uint32_t nlater, caplater;
    /* The far wheel: on while big; the wheel stays allocated once made. */
    int big;
    int no_far;    /* the wheel could not be allocated: heap only */
    uint32_t nfar; /* events waiting in buckets */
    sim_time base; /* the start of the heap's block, a multiple of 2^NEAR_BITS */
    struct wheel *wheel;
};

static inline int before(const struct entry *a, const struct entry *b)
{
    return a->time < b->time || (a->time == b->time && a->key < b->key);
}

/* The same test without branches, for choosing among siblings: which of
 * two random events comes first is a coin flip the branch predictor cannot
 * learn, and a mispredicted branch costs more than evaluating the whole
 * test. Times are never negative (invariant 5, from now = 0), so (time,
 * key) read as one unsigned 128-bit number orders like the pair, and the
 * test is one compare and one subtract with borrow: about 3% less CPU per
 * event at 1,000 flows than the same test in & and | of six flag
 * operations (docs/kernel.md), which is what compilers without a 128-bit
 * type get. */
#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128;
static inline size_t before_nb(const struct entry *a, const struct entry *b)
{
    return (size_t)(((u128)(uint64_t)a->time << 64 | a->key) <
                    ((u128)(uint64_t)b->time << 64 | b->key));
}
#else
static inline size_t before_nb(const struct entry *a, const struct entry *b)
{
    return (size_t)((a->time < b->time) | ((a->time == b->time) & (a->key < b->key)));
}
#endif

/* Writes an entry into heap slot i and records the position (invariant 2).
 *
 * A note on store forwarding: entries are copied word by word, never as one
 * struct assignment (except in the cold renumber()). GCC turns a struct copy into a 16-byte SSE
 * load, and a load that spans two earlier 8-byte stores (the way an entry built in registers is
 * written) cannot be forwarded from the store buffer: the CPU stalls until the stores retire. With
 * the two to three pending events of an M/M/1 model every push reads entries written moments ago,
 * and the stall cost about a quarter of the calendar's time (perf annotate). */
static inline void put(struct entry *h, struct rec *r, size_t i, sim_time time, uint64_t key,
                       void *ctx)
{
    h[i].time = time;
    h[i].key = key;
    h[i].ctx = ctx;
    r[(uint32_t)key].pos = (uint32_t)i;
}

/* Moves (time, key) down from the hole at i within heap[0 .. n): invariant
 * 1 holds everywhere except at the hole. */
static INLINE void sift_down(struct entry *h, struct rec *r, size_t n, size_t i, sim_time time,
                             uint64_t key, void *ctx)
{
    const struct entry e = {time, key, ctx};
    for (;;) {
        size_t c = 4 * i + 1;
        size_t best;
        if (c + 3 < n) {
            /* All four children: a branch-free tournament (conditional
             * moves), the common case inside a large heap. */
            size_t b01 = c + before_nb(&h[c + 1], &h[c]);
            size_t b23 = c + 2 + before_nb(&h[c + 3], &h[c + 2]);
            best = before_nb(&h[b23], &h[b01]) ? b23 : b01;
        } else if (c < n) {
            best = c;
            for (size_t k = c + 1; k < n; k++)
                best = before_nb(&h[k], &h[best]) ? k : best;
        } else {
            break;
        }
        if (!before(&h[best], &e))
            break;
        put(h, r, i, h[best].time, h[best].key, h[best].ctx);
        i = best;
    }
    put(h, r, i, time, key, ctx);
}

/* Moves (time, key) up from the hole at i. */
static INLINE void sift_up(struct entry *h, struct rec *r, size_t i, sim_time time, uint64_t key,
                           void *ctx)
{
    const struct entry e = {time, key, ctx};
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!before(&e, &h[p]))
            break;
        put(h, r, i, h[p].time, h[p].key, h[p].ctx);
        i = p;
    }
    put(h, r, i, time, key, ctx);
}

/* A heap buffer of cap entries with &heap[1] on a cache line boundary. */
static struct entry *heap_alloc(uint32_t cap, void **mem)
{
    size_t bytes = ((size_t)cap + 1) * sizeof(struct entry) + LINE;
    unsigned char *raw = sim_malloc(bytes);
    if (!raw)
        return NULL;
    uintptr_t first = ((uintptr_t)raw + sizeof(struct entry) + LINE - 1) & ~(uintptr_t)(LINE - 1);
    *mem = raw;
    return (struct entry *)(raw + (first - (uintptr_t)raw) - sizeof(struct entry));
}

/* Doubles the pool. SIM_ENOMEM (and nothing changed) if it cannot. */
static COLD int grow(sim_queue *q)
{
    if (q->cap >= MAX_CAPACITY)
        return SIM_ENOMEM;
    uint32_t cap = q->cap * 2;
    void *mem;
    struct entry *heap = heap_alloc(cap, &mem);
    if (!heap)
        return SIM_ENOMEM;
    struct rec *rec = sim_calloc_lines((size_t)cap * sizeof *rec);
    if (!rec) {
        sim_free(mem);
        return SIM_ENOMEM;
    }
    memcpy(heap, q->heap, (size_t)q->size * sizeof *heap);
    memcpy(rec, q->rec, (size_t)q->used * sizeof *rec);
    sim_free(q->heap_mem);
    sim_free(q->rec);
    q->heap = heap;
    q->heap_mem = mem;
    q->rec = rec;
    q->cap = cap;
    return SIM_OK;
}

/* ---- the far wheel ------------------------------------------------------ */

#if defined(__GNUC__) || defined(__clang__)
static inline unsigned high_bit(uint64_t x) /* x > 0 */
{
    return 63u - (unsigned)__builtin_clzll(x);
}
static inline unsigned low_bit(uint64_t x) /* x > 0 */
{
    return (unsigned)__builtin_ctzll(x);
}
#else
static inline unsigned high_bit(uint64_t x)
{
    unsigned b = 0;
    while (x >>= 1)
        b++;
    return b;
}
static inline unsigned low_bit(uint64_t x)
{
    unsigned b = 0;
    while (!(x & 1)) {
        x >>= 1;
        b++;
    }
    return b;
}
#endif

/* Links slot s's event (time > near_last) into its bucket: the level of
 * the highest bit where time differs from base, the digit of time there. */
static inline void far_link(sim_queue *q, uint32_t s, sim_time time, uint64_t key, void *ctx)
{
    unsigned level = (high_bit((uint64_t)(time ^ q->base)) - NEAR_BITS) / DIGIT_BITS;
    unsigned digit = (unsigned)((uint64_t)time >> (NEAR_BITS + DIGIT_BITS * level)) & (DIGITS - 1);
    unsigned b = level * DIGITS + digit;
    struct wheel *w = q->wheel;
    struct rec *f = &q->rec[s];
    uint32_t first = w->head[b];
    f->e.time = time;
    f->e.key = key;
    f->e.ctx = ctx;
    f->next = first;
    f->prev = NO_SLOT;
    f->pos = FAR_BIT | b;
    if (first != NO_SLOT)
        q->rec[first].prev = s;
    else
        w->occ[level] |= (uint64_t)1 << digit;
    w->head[b] = s;
}

/* Unlinks slot s (pos = FAR_BIT | bucket) from its bucket. */
static void far_unlink(sim_queue *q, uint32_t s, uint32_t pos)
{
    unsigned b = pos & ~FAR_BIT;
    struct wheel *w = q->wheel;
    const struct rec *f = &q->rec[s];
    if (f->next != NO_SLOT)
        q->rec[f->next].prev = f->prev;
    if (f->prev != NO_SLOT) {
        q->rec[f->prev].next = f->next;
    } else {
        w->head[b] = f->next;
        if (f->next == NO_SLOT)
            w->occ[b / DIGITS] &= ~((uint64_t)1 << (b % DIGITS));
    }
    q->nfar--;
}

/* The heap is empty and nfar > 0: moves the heap's block on to the first
 * bucket that holds events (the lowest digit of the lowest level: every
 * event there is before every other waiting one) and empties that bucket
 * into the heap (the events of the new block) and lower levels (the
 * rest), until the heap holds something. */
static NOINLINE void refill(sim_queue *q)
{
    struct wheel *w = q->wheel;
    do {
        unsigned level = 0;
        while (!w->occ[level])
            level++;
        unsigned digit = low_bit(w->occ[level]);
        unsigned shift = NEAR_BITS + DIGIT_BITS * level;
        uint64_t high = shift + DIGIT_BITS >= 64 ? 0 : ~(uint64_t)0 << (shift + DIGIT_BITS);
        q->base = (sim_time)(((uint64_t)q->base & high) | (uint64_t)digit << shift);
        q->near_last = q->base | NEAR_MASK;
        unsigned b = level * DIGITS + digit;
        uint32_t s = w->head[b];
        w->head[b] = NO_SLOT;
        w->occ[level] &= ~((uint64_t)1 << digit);
        while (s != NO_SLOT) {
            const struct rec *f = &q->rec[s];
            const sim_time time = f->e.time;
            const uint64_t key = f->e.key;
            void *const ctx = f->e.ctx;
            const uint32_t next = f->next;
            if (time <= q->near_last) {
                q->nfar--;
                sift_up(q->heap, q->rec, q->size++, time, key, ctx);
            } else {
                far_link(q, s, time, key, ctx);
            }
            s = next;
        }
    } while (q->size == 0);
}

/* Switches the far wheel on (heap size > PREFETCH_OVER, no hole): the
 * heap keeps the events of the first one's block, the others go to
 * buckets. If the wheel cannot be allocated, the calendar stays a heap. */
static COLD void big_on(sim_queue *q)
{
    if (!q->wheel && !(q->wheel = sim_malloc(sizeof *q->wheel))) {
        q->no_far = 1;
        return;
    }
    struct wheel *w = q->wheel;
    memset(w->occ, 0, sizeof w->occ);
    for (size_t b = 0; b < LEVELS * DIGITS; b++)
        w->head[b] = NO_SLOT;
    struct entry *h = q->heap;
    q->big = 1;
    q->hold_max = 0;
    q->base = h[0].time & ~NEAR_MASK;
    q->near_last = q->base | NEAR_MASK;
    size_t n = q->size, k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct entry e = {h[i].time, h[i].key, h[i].ctx};
        if (e.time <= q->near_last) {
            put(h, q->rec, k++, e.time, e.key, e.ctx);
        } else {
            far_link(q, SLOT(e), e.time, e.key, e.ctx);
            q->nfar++;
        }
    }
    q->size = (uint32_t)k;
    for (size_t i = k > 1 ? (k - 2) / 4 + 1 : 0; i-- > 0;)
        sift_down(h, q->rec, k, i, h[i].time, h[i].key, h[i].ctx);
}

/* Switches the far wheel off: every waiting event goes into the heap. */
static COLD void big_off(sim_queue *q)
{
    struct wheel *w = q->wheel;
    for (size_t b = 0; b < LEVELS * DIGITS; b++) {
        for (uint32_t s = w->head[b]; s != NO_SLOT; s = q->rec[s].next)
            sift_up(q->heap, q->rec, q->size++, q->rec[s].e.time, q->rec[s].e.key, q->rec[s].e.ctx);
    }
    q->nfar = 0;
    q->big = 0;
    q->hold_max = PREFETCH_OVER;
    q->near_last = SIM_TIME_NEVER;
}

/* Reassigns seq = rank in (time, seq) order to every pending event, so
 * next_seq can restart at size. Heapsort in place (no allocation, so it
 * cannot fail): popping the minimum into the vacated tail leaves the array
 * in descending order; reversing it gives ascending order, which is itself
 * a valid heap. O(n log n), once per SIM_QUEUE_SEQ_LIMIT pushes. */
static COLD void renumber(sim_queue *q)
{
    if (q->big)
        big_off(q);
    struct entry *h = q->heap;
    size_t n = q->size;
    for (size_t end = n; end > 1; end--) {
        struct entry top = h[0];
        sift_down(h, q->rec, end - 1, 0, h[end - 1].time, h[end - 1].key, h[end - 1].ctx);
        h[end - 1] = top;
    }
    for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
        struct entry t = h[i];
        h[i] = h[j];
        h[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        h[i].key = KEY(i, SLOT(h[i]));
        q->rec[SLOT(h[i])].pos = (uint32_t)i;
    }
    q->next_seq = (uint32_t)n;
}

/* Returns slot s to the free list and retires its id (invariant 4). */
static inline void free_slot(sim_queue *q, uint32_t s)
{
    struct rec *r = &q->rec[s];
    r->gen += 2; /* odd, so never 0 */
    /* A volatile store, so that the compiler cannot merge it with gen's
     * into one 8-byte store built in vector registers (GCC's SLP
     * vectorizer did, in the run loop: two moves into vector registers, a
     * shuffle and a store on every event); the push that takes the slot
     * reads gen and pos back. About a point of bench_mm1's ratio
     * (docs/kernel.md). */
    *(volatile uint32_t *)&r->pos = q->free_head;
    q->free_head = s;
}

/* Removes the entry at heap index i and refills the hole. */
static void remove_at(sim_queue *q, size_t i)
{
    size_t n = --q->size;
    if (i == n)
        return;
    const struct entry last = {q->heap[n].time, q->heap[n].key, q->heap[n].ctx};
    if (i > 0 && before(&last, &q->heap[(i - 1) / 4]))
        sift_up(q->heap, q->rec, i, last.time, last.key, last.ctx);
    else
        sift_down(q->heap, q->rec, n, i, last.time, last.key, last.ctx);
}

/* The removal of the fired event, left undone while its callback ran
 * (fire_first): the last entry fills the vacant root. */
static NOINLINE void fill_hole(sim_queue *q)
{
    q->hole = 0;
    size_t n = --q->size;
    if (n > 0)
        sift_down(q->heap, q->rec, n, 0, q->heap[n].time, q->heap[n].key, q->heap[n].ctx);
}

/* The pop of a large calendar, done before the callback runs: in a large
 * model the next event's context is usually cold (one flow's state among
 * thousands), and knowing the next event early lets its loading overlap
 * the callback. A hint only: an event the callback pushes may come first.
 * (Left vacant, the root is known only after the callback's first push:
 * 1,000 flows took about 4% more CPU that way.) */
static NOINLINE void pop_large(sim_queue *q)
{
    size_t n = --q->size;
    if (n > 0)
        sift_down(q->heap, q->rec, n, 0, q->heap[n].time, q->heap[n].key, q->heap[n].ctx);
    if (!q->big) {
        if (!q->no_far)
            big_on(q);
    } else if (n + q->nfar < SIM_QUEUE_BIG_OFF) {
        big_off(q);
    } else if (n == 0) {
        refill(q);
    }
    PREFETCH(q->heap[0].ctx);
}

/* The first push of a callback in a calendar of more than two entries:
 * the new event takes the fired one's place at the vacant root and sifts
 * down. */
static NOINLINE sim_event_id fill_hole_with(sim_queue *q, sim_time at, uint64_t key, void *ctx,
                                            sim_event_id id)
{
    q->hole = 0;
    sift_down(q->heap, q->rec, q->size, 0, at, key, ctx);
    return id;
}

/* A push with the root in place: the new event goes in at the end and
 * sifts up. Out of line, a tail call from insert, so that the common push
 * needs no saved registers (see push_at). */
static NOINLINE sim_event_id push_up(sim_queue *q, sim_time at, uint64_t key, void *ctx,
                                     sim_event_id id)
{
    sift_up(q->heap, q->rec, q->size++, at, key, ctx);
    return id;
}

/* Runs the deferred calls in order, those they defer included, and
 * empties the list. A call may grow the list: each is copied out first.
 * Out of line so that the loop around fire_first stays small. */
static NOINLINE void run_later(sim_queue *q)
{
    for (uint32_t i = 0; i < q->nlater; i++) {
        const struct later l = q->later[i];
        l.fn(l.ctx, l.arg, q->now);
    }
    q->nlater = 0;
}

/* Takes the first event, frees its slot and calls it. A calendar of up to
 * PREFETCH_OVER events keeps the root vacant (hole) while the callback
 * runs: its first push fills the root and sifts down once (the hold
 * operation), and if it pushes nothing the caller fills the hole afterwards
 * (fill_hole), then attends to what it deferred or asked for when attn is
 * set. A larger calendar pops at once (pop_large). size > 0 and no hole.
 * Freeing the slot leaves the record's fn and arg intact until a push
 * reuses it. */
static INLINE void fire_first(sim_queue *q)
{
    const sim_time time = q->heap[0].time;
    const uint32_t s = (uint32_t)q->heap[0].key;
    void *const ctx = q->heap[0].ctx;
    if (q->size > q->hold_max)
        pop_large(q);
    else
        q->hole = 1;
    free_slot(q, s);
    q->now = time;
    q->fired++;
    const struct rec *r = &q->rec[s];
    r->fn(ctx, r->arg, time);
}

/* After a callback that deferred, stopped or failed: runs what it
 * deferred and returns (and notes in attn) whether the run must end. */
static NOINLINE int attend(sim_queue *q)
{
    if (q->nlater)
        run_later(q);
    q->attn = q->stop | (q->status != SIM_OK);
    return q->attn;
}

sim_queue *sim_queue_create(uint32_t initial_capacity, sim_err *err)
{
    uint32_t cap = initial_capacity ? initial_capacity : DEFAULT_CAPACITY;
    if (cap > MAX_CAPACITY)
        cap = MAX_CAPACITY;
    sim_queue *q = sim_calloc(1, sizeof *q);
    if (!q)
        goto fail_queue;
    q->heap = heap_alloc(cap, &q->heap_mem);
    if (!q->heap)
        goto fail_heap;
    q->rec = sim_calloc_lines((size_t)cap * sizeof *q->rec);
    if (!q->rec)
        goto fail_rec;
    q->cap = cap;
    q->free_head = NO_SLOT;
    q->status = SIM_OK;
    q->hold_max = PREFETCH_OVER;
    q->near_last = SIM_TIME_NEVER;
    return q;

fail_rec:
    sim_free(q->heap_mem);
fail_heap:
    sim_free(q);
fail_queue:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "event calendar: cannot allocate %u event slots",
                (unsigned)cap);
    return NULL;
}

void sim_queue_destroy(sim_queue *q)
{
    if (!q)
        return;
    sim_free(q->heap_mem);
    sim_free(q->rec);
    sim_free(q->later);
    sim_free(q->wheel);
    sim_free(q);
}

/* A slot for a push when the free list is empty: the next never-used one,
 * doubling the pool first if all are in use. NO_SLOT, with status set to
 * SIM_ENOMEM, if the pool cannot grow. */
static uint32_t new_slot(sim_queue *q)
{
    if (q->used == q->cap && grow(q) != SIM_OK) {
        q->status = SIM_ENOMEM;
        q->attn = 1;
        return NO_SLOT;
    }
    uint32_t s = q->used++;
    q->rec[s].gen = 1;
    return s;
}

static sim_event_id push_renumbered(sim_queue *q, uint32_t s, sim_time at, void *ctx);

/* Puts slot s (taken off the free list or new, its fn and arg already
 * stored) in the heap. The test of next_seq is made here, after the slot
 * is taken, so that the common push need not keep fn and arg in registers
 * across it (see push_at). */
static INLINE sim_event_id insert(sim_queue *q, uint32_t s, sim_time at, void *ctx)
{
    struct rec *r = &q->rec[s];
    const sim_event_id id = ((uint64_t)r->gen << 32) | s;
    const uint32_t seq = q->next_seq;
    if (seq >= SIM_QUEUE_SEQ_LIMIT)
        return push_renumbered(q, s, at, ctx); /* a tail call */
    q->next_seq = seq + 1;
    const uint64_t key = KEY(seq, s);
    if (!q->hole)
        return push_up(q, at, key, ctx, id); /* a tail call */
    if (q->size > 2)
        return fill_hole_with(q, at, key, ctx, id); /* a tail call */
    /* The first push of a callback takes the fired event's place. With
     * at most one other event (heap[1]) it comes first unless that one
     * is due at or before it (equal times: the new seq is the largest). */
    q->hole = 0;
    struct entry *h = q->heap;
    if (q->size == 2 && h[1].time <= at) {
        /* The other event moves up to the root, word by word (one register
         * in flight), and the new one takes its place. q->rec is read again
         * (volatile: the compiler would keep the first read in a register
         * across the push, and that register would be a saved one, whose
         * restore the run loop then waits for). */
        put(h, *(struct rec *volatile *)&q->rec, 0, h[1].time, h[1].key, h[1].ctx);
        h[1].time = at;
        h[1].key = key;
        h[1].ctx = ctx;
        r->pos = 1;
        return id;
    }
    h[0].time = at;
    h[0].key = key;
    h[0].ctx = ctx;
    r->pos = 0;
    return id;
}

/* Fills slot s and links it into the far wheel (at > near_last). If the
 * heap is empty (nothing else pending), the wheel's first bucket moves
 * into it at once, so that heap[0] is always the next event. */
static INLINE sim_event_id push_far(sim_queue *q, uint32_t s, sim_time at, sim_event_fn *fn,
                                    void *ctx, uint64_t arg)
{
    struct rec *r = &q->rec[s];
    r->fn = fn;
    r->arg = arg;
    const sim_event_id id = ((uint64_t)r->gen << 32) | s;
    far_link(q, s, at, KEY(q->next_seq++, s), ctx);
    q->nfar++;
    if (q->size == 0)
        refill(q);
    return id;
}

/* The end of a push whose slot s (off the free list, fn and arg stored)
 * would take the last sequence number: renumbers first (which switches the
 * far wheel off and leaves the root in place, so the event sifts up from
 * the heap's end). Not through insert: a build with a limit below the
 * pending count (a test's) has next_seq past the limit even after the
 * renumber, and insert would renumber again, without end; the numbers
 * past the limit still order (they are below 2^32). */
static COLD sim_event_id push_renumbered(sim_queue *q, uint32_t s, sim_time at, void *ctx)
{
    if (q->hole)
        fill_hole(q);
    renumber(q);
    const sim_event_id id = ((uint64_t)q->rec[s].gen << 32) | s;
    sift_up(q->heap, q->rec, q->size++, at, KEY(q->next_seq++, s), ctx);
    return id;
}

/* A push that must first find a never-used slot, or renumber before it
 * goes to the far wheel. */
static COLD sim_event_id push_slow(sim_queue *q, sim_time at, sim_event_fn *fn, void *ctx,
                                   uint64_t arg)
{
    if (q->hole)
        fill_hole(q);
    if (q->next_seq >= SIM_QUEUE_SEQ_LIMIT)
        renumber(q);
    uint32_t s = q->free_head;
    if (s != NO_SLOT)
        q->free_head = q->rec[s].pos;
    else if ((s = new_slot(q)) == NO_SLOT)
        return SIM_EVENT_NONE;
    if (at > q->near_last)
        return push_far(q, s, at, fn, ctx, arg);
    q->rec[s].fn = fn;
    q->rec[s].arg = arg;
    return insert(q, s, at, ctx);
}

/* push_far with the first free slot: out of line, so that the common
 * push's registers do not have to keep the slot and fn and arg alive
 * across the test of near_last (see push_at). */
static NOINLINE sim_event_id push_far_free(sim_queue *q, sim_time at, sim_event_fn *fn, void *ctx,
                                           uint64_t arg)
{
    if (q->next_seq >= SIM_QUEUE_SEQ_LIMIT)
        return push_slow(q, at, fn, ctx, arg);
    uint32_t s = q->free_head;
    q->free_head = q->rec[s].pos;
    return push_far(q, s, at, fn, ctx, arg);
}

/* The body of sim_queue_push and sim_queue_after, inlined into both so the
 * common sim_queue_after costs one call, not two. The common case (a free
 * slot, a near event, the first push of a callback in a calendar of up to
 * two events) calls nothing, the rare ones are tail calls, and it needs
 * no stack frame and no saved register: it fits in the call-clobbered
 * ones. That is why the far wheel's test comes before the slot is taken
 * (push_far_free takes it), fn and arg are stored before the sequence
 * number is read, next_seq's limit is tested after the slot is taken
 * (push_renumbered), the sift up is out of line (push_up), and insert
 * reads q->rec again. A saved register is restored by a load on the way
 * back: in an M/M/1 model, after the mispredicted comparison that decides
 * which event comes next, the run loop waited for that load before it
 * could read the next event (GCC kept three: bench_mm1's ratio went from
 * about 83.8 to 85.4%, docs/kernel.md). */
static INLINE sim_event_id push_at(sim_queue *q, sim_time at, sim_event_fn *fn, void *ctx,
                                   uint64_t arg)
{
    assert(at >= q->now && "event pushed into the past");
    assert(fn != NULL);
    uint32_t s = q->free_head;
    if (s == NO_SLOT)
        return push_slow(q, at, fn, ctx, arg);
    if (at > q->near_last)
        return push_far_free(q, at, fn, ctx, arg);
    struct rec *r = &q->rec[s];
    r->fn = fn;
    r->arg = arg;
    q->free_head = r->pos;
    return insert(q, s, at, ctx);
}

sim_event_id sim_queue_push(sim_queue *q, sim_time at, sim_event_fn *fn, void *ctx, uint64_t arg)
{
    return push_at(q, at, fn, ctx, arg);
}

sim_event_id sim_queue_after(sim_queue *q, sim_time delay, sim_event_fn *fn, void *ctx,
                             uint64_t arg)
{
    assert(delay >= 0 && "negative delay");
    /* Saturate rather than overflow: a delay past the end of time is never. */
    sim_time at = delay > SIM_TIME_NEVER - q->now ? SIM_TIME_NEVER : q->now + delay;
    return push_at(q, at, fn, ctx, arg);
}

int sim_queue_defer(sim_queue *q, sim_event_fn *fn, void *ctx, uint64_t arg)
{
    assert(fn != NULL);
    if (q->nlater == q->caplater) {
        uint32_t cap = q->caplater ? 2 * q->caplater : 16;
        struct later *l = cap > q->caplater ? sim_reallocarray(q->later, cap, sizeof *l) : NULL;
        if (!l) {
            q->status = SIM_ENOMEM;
            q->attn = 1;
            return SIM_ENOMEM;
        }
        q->later = l;
        q->caplater = cap;
    }
    q->later[q->nlater++] = (struct later){fn, ctx, arg};
    q->attn = 1;
    return SIM_OK;
}

/* The slot of id if it is pending, else NO_SLOT. */
static uint32_t pending_slot(const sim_queue *q, sim_event_id id)
{
    uint32_t s = (uint32_t)id;
    uint32_t gen = (uint32_t)(id >> 32);
    if (gen == 0 || s >= q->used || q->rec[s].gen != gen)
        return NO_SLOT;
    return s;
}

int sim_queue_cancel(sim_queue *q, sim_event_id id)
{
    uint32_t s = pending_slot(q, id);
    if (s == NO_SLOT)
        return 0;
    if (q->hole)
        fill_hole(q);
    uint32_t pos = q->rec[s].pos;
    if (pos & FAR_BIT) {
        far_unlink(q, s, pos);
        free_slot(q, s);
        return 1;
    }
    free_slot(q, s);
    remove_at(q, pos);
    if (q->size == 0 && q->nfar > 0)
        refill(q);
    return 1;
}

int sim_queue_pending(const sim_queue *q, sim_event_id id)
{
    return pending_slot(q, id) != NO_SLOT;
}

/* Fires the events due at or before limit. Returns 1 if sim_queue_stop or
 * an error ended it early, 0 once no event is due by limit. */
static INLINE int fire_until(sim_queue *q, sim_time limit)
{
    if (q->hole) /* run from inside a callback */
        fill_hole(q);
    if (q->nlater) /* deferred outside a callback */
        run_later(q);
    while (q->size > 0 && q->heap[0].time <= limit) {
        fire_first(q);
        if (q->hole)
            fill_hole(q);
        if (q->attn && attend(q))
            return 1;
    }
    return 0;
}

/* The end of a run to horizon: the sticky error, or now = horizon unless
 * a callback stopped the run. */
static int end_run(sim_queue *q, sim_time horizon)
{
    if (q->status != SIM_OK)
        return q->status;
    if (!q->stop && horizon != SIM_TIME_NEVER && horizon > q->now)
        q->now = horizon;
    q->stop = 0;
    return SIM_OK;
}

int sim_queue_run(sim_queue *q, sim_time horizon)
{
    if (q->status != SIM_OK)
        return q->status;
    q->stop = 0;
    fire_until(q, horizon);
    return end_run(q, horizon);
}

/* Runs slice by slice: each slice is the plain loop up to the next
 * multiple of every, so the events, their order and the per-event cost are
 * those of sim_queue_run; only the slice ends are added. */
int sim_queue_run_watched(sim_queue *q, sim_time horizon, const sim_watch *w)
{
    if (!w || !w->fn || w->every <= 0)
        return sim_queue_run(q, horizon);
    if (q->status != SIM_OK)
        return q->status;
    q->stop = 0;
    for (;;) {
        sim_time mark = q->now / w->every * w->every;
        if (mark > SIM_TIME_NEVER - w->every)
            break;
        mark += w->every;
        if (mark >= horizon)
            break;
        if (fire_until(q, mark))
            return end_run(q, horizon);
        if (q->size == 0 || q->heap[0].time > horizon)
            break;
        q->now = mark; /* every event due by mark has fired; the next is later */
        if (w->fn(w->ctx, mark))
            return SIM_ECANCELED;
    }
    fire_until(q, horizon);
    return end_run(q, horizon);
}

int sim_queue_step(sim_queue *q)
{
    if (q->hole) /* stepped from inside a callback */
        fill_hole(q);
    int ran = q->nlater > 0;
    if (ran) /* deferred outside a callback */
        run_later(q);
    if (q->size == 0)
        return ran;
    fire_first(q);
    if (q->hole)
        fill_hole(q);
    if (q->attn)
        attend(q);
    return 1;
}

void sim_queue_stop(sim_queue *q)
{
    q->stop = 1;
    q->attn = 1;
}

sim_time sim_queue_now(const sim_queue *q)
{
    return q->now;
}

sim_time sim_queue_next_time(const sim_queue *q)
{
    if (!q->hole)
        return q->size ? q->heap[0].time : SIM_TIME_NEVER;
    /* The root is vacant: the next event is the first of its children. */
    sim_time next = SIM_TIME_NEVER;
    for (size_t i = 1; i <= 4 && i < q->size; i++)
        next = q->heap[i].time < next ? q->heap[i].time : next;
    return next;
}

uint32_t sim_queue_size(const sim_queue *q)
{
    return q->size - (uint32_t)q->hole + q->nfar;
}

uint64_t sim_queue_fired(const sim_queue *q)
{
    return q->fired;
}

int sim_queue_status(const sim_queue *q)
{
    return q->status;
}
