/*
 * mdl_fifo.h - the FIFO c-server recursions of the aggregate pass, as pure
 * functions over arrays: no calendar, no allocation, no model state.
 *
 * The aggregate pass (docs/kernel.md, "The aggregate path's building
 * blocks"; issue 14) draws every record of an interval [t0, t1) with its
 * arrival and service, then asks what a FIFO station would have done with
 * them: when each record starts, how many waited, whether any arrival found
 * every server busy, and the time integrals of the number in service and
 * waiting that utilisation, mean queue and the series are made of. These
 * functions answer that; the caller owns every array.
 *
 * 1. Start times (mdl_fifo_run). c identical servers, one FIFO line, no
 *    capacity limit. Keep the servers' free-from times as a multiset
 *    V = {v_1..v_c} (the "workload vector" of Kiefer and Wolfowitz, 1955,
 *    in absolute time). Records come in arrival order (a_i nondecreasing;
 *    records with equal arrivals in the order the calendar would fire them):
 *
 *        start_i = max(a_i, min V)
 *        end_i   = start_i + s_i
 *        V      <- V - {min V} + {end_i}
 *
 *    This is exactly FIFO: the record at the head of the line takes the
 *    server that frees first. start_i is nondecreasing in i, and so is
 *    min V. V is kept as a binary min-heap in the caller's `free` array:
 *    O(log c) a record, O(c) to set up. Waits: w_i = start_i - a_i (the
 *    Lindley recursion generalised to c servers; for c = 1 it is
 *    w_i = max(0, w_{i-1} + s_{i-1} - (a_i - a_{i-1}))).
 *    Reference: J. Kiefer, J. Wolfowitz, "On the theory of queues with many
 *    servers", Trans. AMS 78 (1955) 1-18; L. Kleinrock, "Queueing Systems",
 *    vol. 1 (1975), 3.5 (M/M/m, Erlang C) for the check in the tests.
 *
 * 2. Levels (mdl_fifo_busy, mdl_fifo_waiting). A record is in service on
 *    [start_i, end_i) and waiting on [a_i, start_i): half-open intervals,
 *    so a record that ends at t and one that starts at t are never counted
 *    together, and an empty interval counts nowhere. For the number N(t) of
 *    such intervals containing t they give
 *        the largest N held for a positive time inside [t0, t1),
 *        A = integral of N(t) dt over [t0, t1), in count x microseconds,
 *        the same integral and maximum over every series bucket
 *        [k w, (k + 1) w) that meets [t0, t1) (clipped to it).
 *    A is the same quantity as the area of a sim_timeavg (or a
 *    SIM_SERIES_LEVEL bucket) fed with N at each change: utilisation over
 *    [t0, t1) is A / ((t1 - t0) c), the mean queue A / (t1 - t0), a series
 *    bucket's mean its area / w. Integers, so exact: a timeavg's double
 *    area adds the same integer products, exact below 2^53 us (285 years
 *    at level 1, 17 years of 16 busy workers).
 *
 * Ties (a service ends at exactly the microsecond a record arrives). The
 * calendar orders the completion event and the arrival event by (time,
 * insertion sequence) (docs/kernel.md, "The event calendar"): the one
 * scheduled first fires first. The completion was scheduled when the
 * service started (sim_station.c, start_service), the arrival when the
 * previous arrival of its flow fired (mdl_world.c, arrive). So the order at
 * a tie is decided by history, not by the two times, and no function of
 * the arrays can know it. What it changes, and what these functions do:
 *   - start times and waits: nothing. If the arrival fires first it joins
 *     the line and the completion hands it the server at the same instant
 *     (sim_station.c, complete); if the completion fires first the server
 *     is idle and the arrival takes it. Either way start = a, wait 0, and
 *     FIFO order among the records present is the same. The recursion
 *     (max(a_i, min V) with min V = a_i) gives exactly that.
 *   - "found every server busy" (the endpoint's found_busy and
 *     exhausted_at, a caller pool's refusal): yes if the arrival fires
 *     first, no otherwise. found_full counts it as found busy, the order in
 *     which the arrival fires first. For a pass that must prove no limit
 *     binds this is the safe side: a tie can cause a needless fallback to
 *     the per-record path, never a missed refusal.
 *   - a level's maximum: if the arrival fires first and starts on another
 *     server, the calendar holds one more in service for zero time; the
 *     half-open maximum leaves it out (at a forced handover, the record
 *     taking over the server of the one that ended, both orders agree with
 *     it). Integrals are unaffected (zero time).
 * Ties have probability about (services ending per second) x 1 us per
 * record: rare, but frequent enough over 10^7 records that the tests build
 * them on purpose.
 *
 * Units: sim_time (microseconds) throughout; counts are size_t or int.
 * Checked by: tests/models/test_mdl_fifo.c (hand traces, sim_station fed
 * the same records, Erlang C); timing in bench/bench_fifo.c.
 */
#ifndef MDL_FIFO_H
#define MDL_FIFO_H

#include <stddef.h>

#include "sim_time.h"

/* What mdl_fifo_run saw besides the start times. */
typedef struct mdl_fifo_tally {
    size_t waited;       /* records with start > arrival (a wait > 0) */
    size_t found_full;   /* records whose arrival found no server free before it:
                            min V >= a (ties count as busy, see "Ties") */
    sim_time first_full; /* arrival of the first of those; SIM_TIME_NEVER if none */
} mdl_fifo_tally;

/* Runs n records through c >= 1 FIFO servers. free[c] holds each server's
 * free-from time on entry: a server busy with an in-flight request, its
 * fixed end (mdl_endpoint_answer_at); an idle one, the time it became free
 * or any earlier time (at a run's start, -1 will do: an idle server freed
 * at exactly a_i counts as a tie in found_full). On return free[] holds the
 * free times after the last record (heap order), ready for the next
 * interval. arrival[n] must be nondecreasing; service[n] >= 0. Writes
 * start[n] and end[n] (neither may alias the inputs) and, if out is not
 * NULL, the tally. O(c + n log c); allocates nothing. */
void mdl_fifo_run(int c, sim_time *free, size_t n, const sim_time *arrival, const sim_time *service,
                  sim_time *start, sim_time *end, mdl_fifo_tally *out);

/* A pool of c threads with no line (a caller pool with wait 0): record i
 * holds a thread on [arrival[i], arrival[i] + hold[i]). Returns the index
 * of the first record whose arrival finds all c held (min V >= a, ties
 * counted as held), which a pool would refuse; n if none. free[] as in
 * mdl_fifo_run, updated up to the record returned (exact for the next
 * interval only when n is returned). O(c + n log c). */
size_t mdl_fifo_first_full(int c, sim_time *free, size_t n, const sim_time *arrival,
                           const sim_time *hold);

/* The interval of a pass and the series grid its levels are reported on. */
typedef struct mdl_fifo_window {
    sim_time t0, t1; /* [t0, t1), t0 < t1 */
    sim_time width;  /* series bucket width w > 0: bucket k is [k w, (k + 1) w) */
} mdl_fifo_window;

/* The number of buckets that meet [t0, t1): (t1 - 1) / w - t0 / w + 1
 * (t0 >= 0). Bucket j of the arrays below is bucket t0 / w + j. */
size_t mdl_fifo_buckets(const mdl_fifo_window *w);

/* A level's maximum and integrals over [t0, t1) (see 2. above). */
typedef struct mdl_fifo_level {
    int max;               /* largest count held for a positive time; 0 if none */
    sim_time area;         /* integral over [t0, t1), count x us */
    sim_time *bucket_area; /* caller's [mdl_fifo_buckets] array, or NULL: per bucket */
    int *bucket_max;       /* caller's [mdl_fifo_buckets] array, or NULL: per bucket */
} mdl_fifo_level;

/* The number in service. flight_end[nflight]: the ends of the services in
 * progress at t0 (started before t0; ends <= t0 are ignored). start[n] and
 * end[n]: the records' services, start nondecreasing and >= t0 (as
 * mdl_fifo_run writes them); records starting at or after t1 add nothing.
 * heap[cap] is scratch for the ends in progress: cap must be at least the
 * largest number in service at once (c for a station's records, or for a
 * pool that mdl_fifo_first_full passed). Fills out->max, out->area and the
 * bucket arrays given. SIM_OK, or SIM_EINVAL (out incomplete) if more than
 * cap were in service at once. O(n log cap + buckets). */
int mdl_fifo_busy(const mdl_fifo_window *w, size_t nflight, const sim_time *flight_end, size_t n,
                  const sim_time *start, const sim_time *end, sim_time *heap, size_t cap,
                  mdl_fifo_level *out);

/* mdl_fifo_busy with nothing in flight at t0, from the ends in order
 * instead of a heap: sorted[m] holds the ends of the records with
 * end > start (in service for a positive time), nondecreasing. The number
 * in service after the ends at or before t is the records started minus
 * the ends passed, so a pointer into sorted[] replaces the heap. Same
 * outputs (integers: the same bits). O(n + m + buckets), no scratch. The
 * aggregate pass has the ends in order anyway (its answer order). */
void mdl_fifo_busy_sorted(const mdl_fifo_window *w, size_t n, const sim_time *start,
                          const sim_time *end, const sim_time *sorted, size_t m,
                          mdl_fifo_level *out);

/* The number waiting: record i waits on [arrival[i], start[i]). Both
 * arrays nondecreasing (FIFO), arrival[i] >= t0 (nobody waits at t0: the
 * pass's entry condition) and start[i] >= arrival[i]. Fills out as
 * mdl_fifo_busy does. O(n + buckets); needs no scratch. */
void mdl_fifo_waiting(const mdl_fifo_window *w, size_t n, const sim_time *arrival,
                      const sim_time *start, mdl_fifo_level *out);

/* A binary min-heap of times in h[0 .. *n): replace the smallest h[0]
 * by v, push v (room for one more is the caller's), and drop the
 * smallest. O(log n), no allocation. The recursions' own heap, for
 * callers that keep times in flight (inline: the aggregate pass calls
 * them once or twice a record). */
static inline void mdl_fifo_heap_replace(sim_time *h, size_t n, sim_time v)
{
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n)
            break;
        size_t m = l + 1 < n && h[l + 1] < h[l] ? l + 1 : l;
        if (h[m] >= v)
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = v;
}

static inline void mdl_fifo_heap_push(sim_time *h, size_t *n, sim_time v)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h[parent] <= v)
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = v;
}

static inline void mdl_fifo_heap_pop(sim_time *h, size_t *n)
{
    if (--*n > 0)
        mdl_fifo_heap_replace(h, *n, h[*n]);
}

#endif
