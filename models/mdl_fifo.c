/*
 * mdl_fifo.c - the recursions of mdl_fifo.h.
 *
 * Heaps. Both the servers' free times (mdl_fifo_run) and the ends of the
 * services in progress (mdl_fifo_busy) are binary min-heaps in the
 * caller's array: root at 0, children of i at 2i + 1 and 2i + 2. The
 * recursion only ever replaces the root (the server that frees first takes
 * the record), one sift-down; the sweep pushes one end per record and pops
 * the ends that have passed. Which of two equal values sits higher changes
 * nothing: servers are identical and only values are read.
 *
 * Buckets. The area of an interval [lo, hi) is clipped to [t0, t1) and
 * split at the bucket edges by walking a cursor (bucket k, its end e):
 * every caller hands intervals with nondecreasing lo, so the cursor only
 * moves forward and no division is needed per record. The per-bucket
 * maximum is kept by a second cursor that moves with the sweep's time:
 * crossing an edge, the level in force (after the ends at or before the
 * edge) opens the new bucket, because it is held from the edge on.
 *
 * Invariants of the sweeps (half-open intervals, see the header):
 *   1. after the pops for time t, the heap (or the pointer p for waits)
 *      holds exactly the intervals started before or at t that end after t;
 *   2. levels only rise at starts, so every maximum is read just after a
 *      start (or at t0 and at bucket edges), where the level is held for a
 *      positive time: at equal times the ends are popped first.
 */
#include "mdl_fifo.h"

#include <assert.h>
#include <string.h>

#include "sim_err.h"

#if defined(__GNUC__) || defined(__clang__)
#define FIFO_INLINE inline __attribute__((always_inline))
#else
#define FIFO_INLINE inline
#endif

/* Puts v at position i of the min-heap h[c] and sifts it down. */
static void sift_down(sim_time *h, size_t c, size_t i, sim_time v)
{
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= c)
            break;
        size_t m = l + 1 < c && h[l + 1] < h[l] ? l + 1 : l;
        if (h[m] >= v)
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = v;
}

static void heapify(sim_time *h, size_t c)
{
    for (size_t i = c / 2; i-- > 0;)
        sift_down(h, c, i, h[i]);
}

void mdl_fifo_run(int c, sim_time *free, size_t n, const sim_time *arrival, const sim_time *service,
                  sim_time *start, sim_time *end, mdl_fifo_tally *out)
{
    assert(c >= 1);
    size_t nc = (size_t)c;
    heapify(free, nc);
    size_t waited = 0, full = 0;
    sim_time first_full = SIM_TIME_NEVER;
    for (size_t i = 0; i < n; i++) {
        sim_time a = arrival[i], f = free[0];
        assert(i == 0 || a >= arrival[i - 1]);
        assert(service[i] >= 0);
        if (f >= a) { /* no server free before a: ties count as busy */
            if (full++ == 0)
                first_full = a;
        }
        waited += f > a;
        sim_time s = f > a ? f : a;
        start[i] = s;
        end[i] = s + service[i];
        sift_down(free, nc, 0, end[i]);
    }
    if (out)
        *out = (mdl_fifo_tally){.waited = waited, .found_full = full, .first_full = first_full};
}

size_t mdl_fifo_first_full(int c, sim_time *free, size_t n, const sim_time *arrival,
                           const sim_time *hold)
{
    assert(c >= 1);
    size_t nc = (size_t)c;
    heapify(free, nc);
    for (size_t i = 0; i < n; i++) {
        if (free[0] >= arrival[i])
            return i;
        sift_down(free, nc, 0, arrival[i] + hold[i]);
    }
    return n;
}

size_t mdl_fifo_buckets(const mdl_fifo_window *w)
{
    assert(w->t0 >= 0 && w->t1 > w->t0 && w->width > 0);
    return (size_t)((w->t1 - 1) / w->width - w->t0 / w->width + 1);
}

/* ---- levels --------------------------------------------------------------- */

/* Splits areas into buckets: bucket k (absolute) ends at e; k only grows. */
typedef struct area_cursor {
    sim_time k0, k, e, width, t0, t1;
} area_cursor;

static area_cursor area_cursor_at(const mdl_fifo_window *w)
{
    sim_time k0 = w->t0 / w->width;
    return (area_cursor){
        .k0 = k0, .k = k0, .e = (k0 + 1) * w->width, .width = w->width, .t0 = w->t0, .t1 = w->t1};
}

/* Adds [lo, hi) clipped to [t0, t1); lo never decreases between calls.
 * Inline: the sweeps call it once a record (as a call, a tenth of their
 * instructions went into it and back). `buckets` (a constant where it is
 * inlined): out->bucket_area is known to be there. */
static inline void add_area_to(area_cursor *cur, sim_time lo, sim_time hi, mdl_fifo_level *out,
                               int buckets)
{
    if (lo < cur->t0)
        lo = cur->t0;
    if (hi > cur->t1)
        hi = cur->t1;
    if (hi <= lo)
        return;
    out->area += hi - lo;
    if (!buckets && !out->bucket_area)
        return;
    while (lo >= cur->e) {
        cur->k++;
        cur->e += cur->width;
    }
    sim_time *area = out->bucket_area + (cur->k - cur->k0);
    for (sim_time e = cur->e; hi > e; e += cur->width) {
        *area++ += e - lo;
        lo = e;
    }
    *area += hi - lo;
}

static inline void add_area(area_cursor *cur, sim_time lo, sim_time hi, mdl_fifo_level *out)
{
    add_area_to(cur, lo, hi, out, 0);
}

/* The per-bucket maximum: bucket j (relative) ends at edge (clipped to t1). */
typedef struct peak_cursor {
    size_t j, nb;
    sim_time edge, width, t1;
    int *bmax; /* NULL: only the overall maximum is kept */
} peak_cursor;

static peak_cursor peak_cursor_at(const mdl_fifo_window *w, size_t nb, int *bmax)
{
    sim_time edge = (w->t0 / w->width + 1) * w->width;
    return (peak_cursor){.j = 0,
                         .nb = nb,
                         .edge = edge < w->t1 ? edge : w->t1,
                         .width = w->width,
                         .t1 = w->t1,
                         .bmax = bmax};
}

/* The count `level` is held from now on, in the current bucket. */
static void note(peak_cursor *pk, int level, mdl_fifo_level *out)
{
    if (level > out->max)
        out->max = level;
    if (pk->bmax && level > pk->bmax[pk->j])
        pk->bmax[pk->j] = level;
}

/* note with pk->bmax known to be there. */
static inline void note_bucket(peak_cursor *pk, int level, mdl_fifo_level *out)
{
    if (level > out->max)
        out->max = level;
    if (level > pk->bmax[pk->j])
        pk->bmax[pk->j] = level;
}

/* Moves to the next bucket, whose maximum starts at the level held at its
 * start edge. */
static void next_bucket(peak_cursor *pk, int level)
{
    pk->j++;
    pk->edge = pk->edge + pk->width < pk->t1 ? pk->edge + pk->width : pk->t1;
    pk->bmax[pk->j] = level;
}

static void level_init(mdl_fifo_level *out, size_t nb)
{
    out->max = 0;
    out->area = 0;
    if (out->bucket_area)
        memset(out->bucket_area, 0, nb * sizeof *out->bucket_area);
    if (out->bucket_max)
        memset(out->bucket_max, 0, nb * sizeof *out->bucket_max);
}

/* Pops the ends at or before t (half-open: they no longer count at t). */
static void pop_ended(sim_time *heap, size_t *h, sim_time t)
{
    while (*h > 0 && heap[0] <= t)
        mdl_fifo_heap_pop(heap, h);
}

int mdl_fifo_busy(const mdl_fifo_window *w, size_t nflight, const sim_time *flight_end, size_t n,
                  const sim_time *start, const sim_time *end, sim_time *heap, size_t cap,
                  mdl_fifo_level *out)
{
    size_t nb = mdl_fifo_buckets(w);
    level_init(out, nb);
    area_cursor area = area_cursor_at(w);
    peak_cursor pk = peak_cursor_at(w, nb, out->bucket_max);
    size_t h = 0;
    for (size_t f = 0; f < nflight; f++) {
        if (flight_end[f] <= w->t0)
            continue;
        if (h == cap)
            return SIM_EINVAL;
        mdl_fifo_heap_push(heap, &h, flight_end[f]);
        add_area(&area, w->t0, flight_end[f], out);
    }
    note(&pk, (int)h, out); /* held from t0 on: only starts can come at t0 */
    for (size_t i = 0; i < n; i++) {
        sim_time s = start[i], e = end[i];
        assert(s >= w->t0 && (i == 0 || s >= start[i - 1]));
        if (s >= w->t1)
            break; /* starts are sorted: nothing later meets [t0, t1) */
        if (e <= s)
            continue; /* in service for no time */
        add_area(&area, s, e, out);
        if (pk.bmax)
            while (s >= pk.edge) {
                pop_ended(heap, &h, pk.edge);
                next_bucket(&pk, (int)h);
            }
        pop_ended(heap, &h, s);
        if (h == cap)
            return SIM_EINVAL;
        mdl_fifo_heap_push(heap, &h, e);
        note(&pk, (int)h, out);
    }
    if (pk.bmax)
        while (pk.j + 1 < nb) {
            pop_ended(heap, &h, pk.edge);
            next_bucket(&pk, (int)h);
        }
    return SIM_OK;
}

/* mdl_fifo_busy_sorted's sweep; `both` (a constant where it is inlined)
 * says that out has both bucket arrays, so the checks of the arrays leave
 * the loop (the commits of the pass sweep with both). */
static FIFO_INLINE void busy_sorted(const mdl_fifo_window *w, size_t n, const sim_time *start,
                                    const sim_time *end, const sim_time *sorted, size_t m,
                                    mdl_fifo_level *out, int both)
{
    size_t nb = mdl_fifo_buckets(w);
    level_init(out, nb);
    /* The totals in a local copy, stored once: through out, the area (a
     * time, as the records' times are) may alias the arrays read. */
    mdl_fifo_level lv = *out;
    area_cursor area = area_cursor_at(w);
    peak_cursor pk = peak_cursor_at(w, nb, lv.bucket_max);
    size_t started = 0, p = 0; /* in service: started - p, once p passed the ends <= t */
    note(&pk, 0, &lv);
    for (size_t i = 0; i < n; i++) {
        sim_time s = start[i], e = end[i];
        assert(s >= w->t0 && (i == 0 || s >= start[i - 1]));
        if (s >= w->t1)
            break;
        if (e <= s)
            continue;
        add_area_to(&area, s, e, &lv, both);
        if (both || pk.bmax)
            while (s >= pk.edge) {
                for (; p < m && sorted[p] <= pk.edge; p++)
                    ;
                next_bucket(&pk, (int)(started - p));
            }
        for (; p < m && sorted[p] <= s; p++)
            ;
        started++;
        assert(p <= started);
        if (both)
            note_bucket(&pk, (int)(started - p), &lv);
        else
            note(&pk, (int)(started - p), &lv);
    }
    if (pk.bmax)
        while (pk.j + 1 < nb) {
            for (; p < m && sorted[p] <= pk.edge; p++)
                ;
            next_bucket(&pk, (int)(started - p));
        }
    *out = lv;
}

void mdl_fifo_busy_sorted(const mdl_fifo_window *w, size_t n, const sim_time *start,
                          const sim_time *end, const sim_time *sorted, size_t m,
                          mdl_fifo_level *out)
{
    if (out->bucket_area && out->bucket_max)
        busy_sorted(w, n, start, end, sorted, m, out, 1);
    else
        busy_sorted(w, n, start, end, sorted, m, out, 0);
}

void mdl_fifo_waiting(const mdl_fifo_window *w, size_t n, const sim_time *arrival,
                      const sim_time *start, mdl_fifo_level *out)
{
    size_t nb = mdl_fifo_buckets(w);
    level_init(out, nb);
    area_cursor area = area_cursor_at(w);
    peak_cursor pk = peak_cursor_at(w, nb, out->bucket_max);
    int level = 0;
    size_t p = 0; /* the next record whose wait may end (ends are start[]) */
    for (size_t i = 0; i < n; i++) {
        sim_time a = arrival[i], s = start[i];
        assert(a >= w->t0 && s >= a && (i == 0 || (a >= arrival[i - 1] && s >= start[i - 1])));
        if (a >= w->t1)
            break;
        if (s == a)
            continue; /* no wait */
        add_area(&area, a, s, out);
        /* Records before i whose wait ended at or before t leave the line;
         * one that did not wait never joined it. */
        if (pk.bmax)
            while (a >= pk.edge) {
                for (; p < i && start[p] <= pk.edge; p++)
                    level -= start[p] > arrival[p];
                next_bucket(&pk, level);
            }
        for (; p < i && start[p] <= a; p++)
            level -= start[p] > arrival[p];
        level++;
        note(&pk, level, out);
    }
    if (pk.bmax)
        while (pk.j + 1 < nb) {
            for (; p < n && start[p] <= pk.edge; p++)
                level -= arrival[p] < pk.t1 && start[p] > arrival[p];
            next_bucket(&pk, level);
        }
}
