/*
 * sim_queue.h - the event calendar: pending events ordered by (time, seq).
 *
 * An event is a callback fn(ctx, arg, now) due at an absolute sim_time. The
 * calendar is a 4-ary min-heap keyed by (time, insertion sequence): events
 * due at the same microsecond fire in the order they were pushed, so a run
 * is fully determined by its seed. Event records live in a pool that grows
 * by doubling and recycles slots through a free list: no malloc per event.
 * Each pending event has an id (slot + generation); cancelling it removes it
 * from the heap in O(log n) by its stored heap position, never by a scan, and
 * cancelling an id that already fired or was cancelled is a harmless no-op.
 * A large calendar (more than 256 events) keeps only the next 65 ms of
 * events in the heap and the later ones in the buckets of a hierarchical
 * wheel on their times (Varghese and Lauck, "Hashed and hierarchical timing
 * wheels", 1987), which feed the heap a bucket at a time: the cost of an
 * event then hardly depends on how many are pending, the order is the same
 * (time, seq), and cancelling a waiting event is O(1).
 *
 * A callback may also defer work: sim_queue_defer runs fn(ctx, arg, now)
 * right after the callback returns, before any other event, as the rest of
 * the same event. That is how a model says "when you are done, at this very
 * time" without the heap push and pop of an event at now (a subscriber told
 * of a new message by a channel iterating its readers reads once the
 * channel is done).
 *
 * Errors: push never fails the caller's control flow. If the pool cannot
 * grow, push returns SIM_EVENT_NONE and the calendar records SIM_ENOMEM;
 * sim_queue_run then stops and returns it. Models therefore need not check
 * every push. Pushing an event into the past is a programming error (assert).
 *
 * Reference: D. E. Knuth, TAOCP vol. 3, 5.2.3 (heaps); d-ary heaps as in
 * LaMarca and Ladner, "The influence of caches on the performance of heaps"
 * (1996).
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stdint.h>

#include "sim_err.h"
#include "sim_time.h"

typedef struct sim_queue sim_queue;

/* An event callback. ctx and arg are what was given to push; now is the
 * event's time (also sim_queue_now). It may push and cancel events. */
typedef void sim_event_fn(void *ctx, uint64_t arg, sim_time now);

/* Identifies a pending event; SIM_EVENT_NONE (0) is never a valid id. */
typedef uint64_t sim_event_id;
#define SIM_EVENT_NONE ((sim_event_id)0)

/* A calendar at time 0 with room for initial_capacity events (0: a small
 * default). NULL on allocation failure (err filled). */
sim_queue *sim_queue_create(uint32_t initial_capacity, sim_err *err);
void sim_queue_destroy(sim_queue *q); /* NULL is a no-op */

/* Schedules fn(ctx, arg, at) at absolute time at >= now. */
sim_event_id sim_queue_push(sim_queue *q, sim_time at, sim_event_fn *fn, void *ctx, uint64_t arg);
/* Schedules at now + delay (delay >= 0). */
sim_event_id sim_queue_after(sim_queue *q, sim_time delay, sim_event_fn *fn, void *ctx,
                             uint64_t arg);
/* Runs fn(ctx, arg, now) when the current event's callback returns, before
 * any other event and at the same time: deferred calls are part of the
 * event that deferred them, not events (no id, no cancel, not counted by
 * sim_queue_fired nor sim_queue_size). They run in the order deferred,
 * including those deferred by a deferred call. Deferred outside a callback,
 * it runs at the start of the next sim_queue_run or sim_queue_step. Like
 * push, an allocation failure records SIM_ENOMEM and returns it. */
int sim_queue_defer(sim_queue *q, sim_event_fn *fn, void *ctx, uint64_t arg);
/* Removes a pending event. Returns 1 if it was pending, 0 if id is
 * SIM_EVENT_NONE, already fired or already cancelled. */
int sim_queue_cancel(sim_queue *q, sim_event_id id);
/* 1 if id is still pending. */
int sim_queue_pending(const sim_queue *q, sim_event_id id);

/* Fires events in (time, seq) order while the next one is due at or before
 * horizon, then sets now = horizon (if horizon is not SIM_TIME_NEVER and is
 * later than the last event). Stops early, leaving later events pending, when
 * sim_queue_stop is called from a callback. Returns SIM_OK, or SIM_ENOMEM if
 * a push failed during the run. Run again to continue. */
int sim_queue_run(sim_queue *q, sim_time horizon);
/* A hook into the run loop, for progress and cancelling: called between
 * events each time simulated time passes a multiple of `every`. It returns
 * 0 to go on, anything else to stop the run. */
typedef int sim_watch_fn(void *ctx, sim_time now);
typedef struct sim_watch {
    sim_time every; /* > 0: the simulated time between two calls */
    sim_watch_fn *fn;
    void *ctx;
} sim_watch;

/* sim_queue_run with a hook: fires exactly the same events in the same
 * order, and for each multiple t = k * every (k >= 1) with t < horizon
 * that has an event due in (t, horizon] calls w->fn(w->ctx, t) once all
 * events due at or before t have fired, with now = t. The calls cost
 * nothing per event (the loop runs in slices of `every`). When fn returns
 * non-zero, returns SIM_ECANCELED at once with now = t and later events
 * pending (run again to continue). w NULL, w->fn NULL or every <= 0: the
 * same as sim_queue_run. */
int sim_queue_run_watched(sim_queue *q, sim_time horizon, const sim_watch *w);
/* Fires the next event only (after the calls deferred outside a callback,
 * if any). Returns 1 if something ran, 0 if nothing was due. */
int sim_queue_step(sim_queue *q);
/* Asks the running sim_queue_run to return after the current event. */
void sim_queue_stop(sim_queue *q);

sim_time sim_queue_now(const sim_queue *q);
/* The time of the next pending event, SIM_TIME_NEVER if none. */
sim_time sim_queue_next_time(const sim_queue *q);
uint32_t sim_queue_size(const sim_queue *q);  /* pending events */
uint64_t sim_queue_fired(const sim_queue *q); /* events fired so far */
/* The sticky error status (SIM_OK or SIM_ENOMEM). */
int sim_queue_status(const sim_queue *q);

#endif
