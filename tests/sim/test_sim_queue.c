/*
 * test_sim_queue.c - the event calendar: ordering by (time, push order),
 * cancellation by id, pool reuse, run/step/stop and allocation failure.
 *
 * Random inputs come from a fixed-seed SplitMix64 defined here, so every
 * run of the tests sees the same event times. Expected firing orders come
 * from a reference computed in the test (a stable sort by time), never from
 * the calendar itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_alloc.h"
#include "sim_err.h"
#include "sim_queue.h"
#include "sim_time.h"
#include "test_sim_queue_ref.h"

/* ---- helpers ----------------------------------------------------------- */

/* Records every firing: the arg (an event's label) and its time. */
typedef struct firing_log {
    size_t n, cap;
    uint64_t *args;
    sim_time *times;
} firing_log;

static void log_init(firing_log *l, size_t cap)
{
    l->n = 0;
    l->cap = cap;
    l->args = calloc(cap, sizeof *l->args);
    l->times = calloc(cap, sizeof *l->times);
    assert_non_null(l->args);
    assert_non_null(l->times);
}

static void log_fini(firing_log *l)
{
    free(l->args);
    free(l->times);
}

static void record(void *ctx, uint64_t arg, sim_time now)
{
    firing_log *l = ctx;
    assert_true(l->n < l->cap);
    l->args[l->n] = arg;
    l->times[l->n] = now;
    l->n++;
}

static void do_nothing(void *ctx, uint64_t arg, sim_time now)
{
    (void)ctx;
    (void)arg;
    (void)now;
}

/* A reference order: labels sorted by time, ties by label (= push index). */
typedef struct keyed {
    sim_time time;
    uint64_t label;
} keyed;

static int by_time_then_label(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->label < y->label ? -1 : x->label > y->label;
}

/* ---- ordering ---------------------------------------------------------- */

static void equal_times_fire_in_push_order(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 16);
    /* Two groups at the same instants, pushed interleaved. */
    for (uint64_t i = 0; i < 10; i++)
        assert_int_not_equal(sim_queue_push(q, i % 2 ? 50 : 40, record, &l, i), SIM_EVENT_NONE);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    const uint64_t want[10] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9};
    assert_int_equal(l.n, 10);
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(l.args[i], want[i]);
    log_fini(&l);
    sim_queue_destroy(q);
}

static void events_fire_in_time_order(void **state)
{
    (void)state;
    enum { N = 100000 };
    sim_queue *q = sim_queue_create(0, NULL); /* grows from the default size */
    assert_non_null(q);
    keyed *ref = malloc(N * sizeof *ref);
    assert_non_null(ref);
    firing_log l;
    log_init(&l, N);
    uint64_t seed = 42;
    for (uint64_t i = 0; i < N; i++) {
        /* Times in [0, 5000): about 20 events share each microsecond, so
         * ties are common and the tie rule is checked too. */
        sim_time t = (sim_time)(splitmix(&seed) % 5000);
        ref[i] = (keyed){t, i};
        assert_int_not_equal(sim_queue_push(q, t, record, &l, i), SIM_EVENT_NONE);
    }
    assert_int_equal(sim_queue_size(q), N);
    qsort(ref, N, sizeof *ref, by_time_then_label); /* = a stable sort by time */
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(l.n, N);
    assert_int_equal(sim_queue_fired(q), N);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(l.args[i], ref[i].label);
        assert_int_equal(l.times[i], ref[i].time);
    }
    assert_int_equal(sim_queue_size(q), 0);
    log_fini(&l);
    free(ref);
    sim_queue_destroy(q);
}

/* A callback that checks what it was given. */
typedef struct probe {
    sim_queue *q;
    int calls;
    sim_time seen_now, seen_queue_now;
    uint64_t seen_arg;
} probe;

static void look(void *ctx, uint64_t arg, sim_time now)
{
    probe *p = ctx;
    p->calls++;
    p->seen_arg = arg;
    p->seen_now = now;
    p->seen_queue_now = sim_queue_now(p->q);
}

static void callbacks_get_their_ctx_arg_and_time(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(4, NULL);
    assert_non_null(q);
    probe p = {.q = q};
    sim_queue_push(q, 7 * SIM_SEC, look, &p, UINT64_MAX);
    assert_int_equal(sim_queue_next_time(q), 7 * SIM_SEC);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(p.calls, 1);
    assert_int_equal(p.seen_arg, UINT64_MAX);
    assert_int_equal(p.seen_now, 7 * SIM_SEC);
    assert_int_equal(p.seen_queue_now, 7 * SIM_SEC);
    /* horizon NEVER leaves now at the last event. */
    assert_int_equal(sim_queue_now(q), 7 * SIM_SEC);
    assert_int_equal(sim_queue_next_time(q), SIM_TIME_NEVER);
    sim_queue_destroy(q);
}

/* Each event pushes a zero-delay follow-up, labelled 100 + its own label. */
typedef struct chain {
    sim_queue *q;
    firing_log *l;
} chain;

static void push_follow_up(void *ctx, uint64_t arg, sim_time now)
{
    chain *c = ctx;
    record(c->l, arg, now);
    if (arg < 100)
        assert_int_not_equal(sim_queue_after(c->q, 0, push_follow_up, c, 100 + arg),
                             SIM_EVENT_NONE);
}

static void zero_delay_events_fire_now_after_those_already_due(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 16);
    chain c = {q, &l};
    sim_queue_push(q, 10, push_follow_up, &c, 0);
    sim_queue_push(q, 10, push_follow_up, &c, 1);
    sim_queue_push(q, 11, record, &l, 2);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    /* The follow-ups are due at 10 too but were pushed after 0 and 1. */
    const uint64_t want[5] = {0, 1, 100, 101, 2};
    const sim_time when[5] = {10, 10, 10, 10, 11};
    assert_int_equal(l.n, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(l.args[i], want[i]);
        assert_int_equal(l.times[i], when[i]);
    }
    log_fini(&l);
    sim_queue_destroy(q);
}

/* ---- deferred calls ------------------------------------------------------ */

/* Label k < 10 defers k + 10 and k + 20 and pushes k + 30 at now; label
 * 10..19 defers one more call, labelled + 100. Everything else records. */
static void defer_some(void *ctx, uint64_t arg, sim_time now)
{
    chain *c = ctx;
    record(c->l, arg, now);
    if (arg < 10) {
        assert_int_equal(sim_queue_defer(c->q, defer_some, c, arg + 10), SIM_OK);
        assert_int_equal(sim_queue_defer(c->q, defer_some, c, arg + 20), SIM_OK);
        sim_queue_push(c->q, now, record, c->l, arg + 30);
    } else if (arg < 20) {
        assert_int_equal(sim_queue_defer(c->q, defer_some, c, arg + 100), SIM_OK);
    }
}

static void deferred_calls_run_after_their_event_before_any_other_due_then(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 16);
    chain c = {q, &l};
    sim_queue_push(q, 10, defer_some, &c, 0);
    sim_queue_push(q, 10, record, &l, 1);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    /* 0's deferred calls (10, 20, then 10's own 110) finish event 0 before
     * 1, which was due at 10 already; the event 0 pushed at 10 (30) comes
     * after 1, in push order. All at 10; only 0, 1 and 30 are events. */
    const uint64_t want[6] = {0, 10, 20, 110, 1, 30};
    assert_int_equal(l.n, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(l.args[i], want[i]);
        assert_int_equal(l.times[i], 10);
    }
    assert_int_equal(sim_queue_fired(q), 3);
    assert_int_equal(sim_queue_size(q), 0);
    log_fini(&l);
    sim_queue_destroy(q);
}

static void a_call_deferred_outside_a_callback_runs_first_in_the_next_step(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 8);
    sim_queue_push(q, 5, record, &l, 1);
    assert_int_equal(sim_queue_defer(q, record, &l, 2), SIM_OK);
    assert_int_equal(sim_queue_size(q), 1); /* not an event */
    assert_int_equal(sim_queue_step(q), 1);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.args[0], 2);
    assert_int_equal(l.times[0], 0); /* it ran at the time it was deferred */
    assert_int_equal(l.args[1], 1);
    assert_int_equal(sim_queue_defer(q, record, &l, 3), SIM_OK);
    assert_int_equal(sim_queue_step(q), 1); /* the deferred call alone */
    assert_int_equal(sim_queue_step(q), 0);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.times[2], 5);
    assert_int_equal(sim_queue_defer(q, record, &l, 4), SIM_OK);
    assert_int_equal(sim_queue_run(q, 9), SIM_OK);
    assert_int_equal(l.n, 4);
    assert_int_equal(sim_queue_fired(q), 1);
    log_fini(&l);
    sim_queue_destroy(q);
}

/* ---- a callback's pushes: the vacant root ------------------------------ */

/* While a callback runs, the fired event's place at the root of the heap
 * is vacant: the callback's first push fills it and sifts down once, and
 * if it pushes nothing the run loop fills it afterwards (sim_queue.c,
 * fire_first). Whatever the callback does meanwhile (no push, one, several,
 * earlier than every pending event or at an equal time, cancels, size and
 * next-time queries, deferrals, a stop, a pool that grows) must give
 * exactly the order of the reference calendar (test_sim_queue_ref.h).
 * Exact: the order is a rule, not an estimate. */
typedef struct holder {
    sim_queue *q;
    ref_calendar ref;
    uint64_t seed;
    int target;      /* pending events the model keeps around */
    sim_time spread; /* a push is due now + 0 .. spread - 1 us */
    uint64_t budget; /* pushes left */
    /* what was exercised, so the test cannot pass by missing a case */
    uint64_t fired, cancelled, deferred, stops, none, several, earliest, ties;
} holder;

static void hold_fire(void *ctx, uint64_t label, sim_time now);

/* What a callback learns from the calendar matches the reference. */
static void hold_check(const holder *h)
{
    assert_int_equal(sim_queue_size(h->q), h->ref.n);
    assert_int_equal(sim_queue_next_time(h->q), ref_next_time(&h->ref));
}

/* Pushes one event at now + 0 .. spread - 1 us into both calendars (with a
 * spread of 8, equal times are common; a delay of 0 is due before or with
 * every pending event). */
static void hold_push(holder *h, sim_time now)
{
    sim_time t = now + (sim_time)(splitmix(&h->seed) % (uint64_t)h->spread);
    sim_time next = ref_next_time(&h->ref);
    h->earliest += h->ref.n > 0 && t < next;
    h->ties += t == next;
    sim_event_id id = sim_queue_push(h->q, t, hold_fire, h, h->ref.pushed);
    assert_int_not_equal(id, SIM_EVENT_NONE);
    assert_int_not_equal(ref_add(&h->ref, t, id), UINT64_MAX);
    h->budget--;
    hold_check(h);
}

static void hold_deferred(void *ctx, uint64_t arg, sim_time now)
{
    holder *h = ctx;
    (void)arg;
    hold_check(h);
    if (h->budget > 0)
        hold_push(h, now);
}

static void hold_fire(void *ctx, uint64_t label, sim_time now)
{
    holder *h = ctx;
    ref_fired(&h->ref, label, now);
    h->fired++;
    hold_check(h); /* with the root vacant */
    uint64_t r = splitmix(&h->seed);
    if (h->ref.n > 0 && r % 8 == 0) {
        /* any pending event; in a small calendar all are the root's children */
        int k = (int)(splitmix(&h->seed) % (uint64_t)h->ref.n);
        assert_int_equal(sim_queue_cancel(h->q, h->ref.ev[k].id), 1);
        ref_remove(&h->ref, k);
        h->cancelled++;
        hold_check(h);
    }
    if (r / 8 % 16 == 0) {
        assert_int_equal(sim_queue_defer(h->q, hold_deferred, h, 0), SIM_OK);
        h->deferred++;
    }
    if (r / 128 % 64 == 0) {
        sim_queue_stop(h->q);
        h->stops++;
    }
    /* 0 to 2 pushes, 1 to 3 while below the target */
    int pushes = (int)(r / 8192 % 3) + (h->ref.n < h->target);
    if (h->budget < (uint64_t)pushes)
        pushes = (int)h->budget;
    if (h->ref.n + pushes > REF_MAX - 1) /* room for a deferred push */
        pushes = REF_MAX - 1 - h->ref.n;
    h->none += pushes == 0;
    h->several += pushes > 1;
    for (int p = 0; p < pushes; p++)
        hold_push(h, now);
}

/* Runs the holder to the end: runs (each ends at a stop) and, after each,
 * a few single steps. capacity 1 makes the pool grow inside callbacks. */
static void hold_against_the_reference(int target, sim_time spread, uint64_t seed)
{
    holder *h = calloc(1, sizeof *h);
    assert_non_null(h);
    h->seed = seed;
    h->target = target;
    h->spread = spread;
    h->budget = 100000;
    assert_non_null(h->q = sim_queue_create(1, NULL));
    for (int i = 0; i < target; i++)
        hold_push(h, 0);
    while (sim_queue_size(h->q) > 0) {
        assert_int_equal(sim_queue_run(h->q, SIM_TIME_NEVER), SIM_OK);
        for (int i = 0; i < 3; i++)
            sim_queue_step(h->q);
        hold_check(h);
    }
    assert_int_equal(h->ref.n, 0);
    assert_int_equal(h->budget, 0);
    assert_int_equal(h->fired + h->cancelled, h->ref.pushed);
    assert_int_equal(sim_queue_fired(h->q), h->fired);
    assert_true(h->cancelled > 1000 && h->deferred > 1000 && h->stops > 100);
    assert_true(h->none > 1000 && h->several > 1000 && h->earliest > 10 && h->ties > 10);
    sim_queue_destroy(h->q);
    free(h);
}

/* One or two events pending (the hold's two-event fast path and an empty
 * calendar), a handful (a root with up to four children) and forty (a
 * root whose children have children). */
static void a_callbacks_pushes_keep_the_reference_order_with_one_pending(void **state)
{
    (void)state;
    hold_against_the_reference(1, 8, 1);
}

static void a_callbacks_pushes_keep_the_reference_order_with_a_few_pending(void **state)
{
    (void)state;
    hold_against_the_reference(4, 8, 2);
}

static void a_callbacks_pushes_keep_the_reference_order_with_forty_pending(void **state)
{
    (void)state;
    hold_against_the_reference(40, 8, 3);
}

/* About 256 pending: the calendar leaves the root vacant at up to 256 and
 * pops before the callback above (sim_queue.c, PREFETCH_OVER), so here it
 * switches between the two from one event to the next. A wider spread of
 * times, so that a push still comes first now and then among 256. */
static void a_callbacks_pushes_keep_the_reference_order_across_the_large_pop(void **state)
{
    (void)state;
    hold_against_the_reference(256, 2048, 4);
}

/* A step from inside a callback fires the next pending event, though the
 * root is vacant, and the outer callback then sees the calendar without
 * it. Events at 10 (label 0), 20 (1), 30 (2); the first steps (firing 1),
 * then pushes label 3 at 25, which fires before 2. */
typedef struct stepper {
    sim_queue *q;
    firing_log log;
} stepper;

static void step_inside(void *ctx, uint64_t arg, sim_time now)
{
    stepper *s = ctx;
    record(&s->log, arg, now);
    if (arg != 0)
        return;
    assert_int_equal(sim_queue_size(s->q), 2);
    assert_int_equal(sim_queue_next_time(s->q), 20);
    assert_int_equal(sim_queue_step(s->q), 1);
    assert_int_equal(sim_queue_size(s->q), 1);
    assert_int_equal(sim_queue_next_time(s->q), 30);
    assert_int_not_equal(sim_queue_push(s->q, 25, step_inside, s, 3), SIM_EVENT_NONE);
}

static void a_step_inside_a_callback_fires_the_next_pending_event(void **state)
{
    (void)state;
    stepper s;
    assert_non_null(s.q = sim_queue_create(0, NULL));
    log_init(&s.log, 8);
    for (uint64_t i = 0; i < 3; i++)
        assert_int_not_equal(sim_queue_push(s.q, 10 * (sim_time)(i + 1), step_inside, &s, i),
                             SIM_EVENT_NONE);
    assert_int_equal(sim_queue_run(s.q, SIM_TIME_NEVER), SIM_OK);
    const uint64_t order[] = {0, 1, 3, 2};
    const sim_time times[] = {10, 20, 25, 30};
    assert_int_equal(s.log.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(s.log.args[i], order[i]);
        assert_int_equal(s.log.times[i], times[i]);
    }
    assert_int_equal(sim_queue_fired(s.q), 4);
    log_fini(&s.log);
    sim_queue_destroy(s.q);
}

/* ---- cancellation ------------------------------------------------------ */

static void cancel_of_a_pending_event_stops_it_from_firing(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 8);
    sim_event_id a = sim_queue_push(q, 10, record, &l, 1);
    sim_event_id b = sim_queue_push(q, 20, record, &l, 2);
    sim_event_id c = sim_queue_push(q, 30, record, &l, 3);
    assert_true(a != SIM_EVENT_NONE && b != SIM_EVENT_NONE && c != SIM_EVENT_NONE);
    assert_true(a != b && b != c && a != c);
    assert_int_equal(sim_queue_size(q), 3);
    assert_true(sim_queue_pending(q, b));
    assert_int_equal(sim_queue_cancel(q, b), 1);
    assert_false(sim_queue_pending(q, b));
    assert_int_equal(sim_queue_size(q), 2);
    /* Cancelling the first one changes the next time. */
    assert_int_equal(sim_queue_cancel(q, a), 1);
    assert_int_equal(sim_queue_next_time(q), 30);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.args[0], 3);
    assert_int_equal(sim_queue_fired(q), 1);
    log_fini(&l);
    sim_queue_destroy(q);
}

/* Cancels its own id from inside its callback and keeps the result. */
typedef struct self_cancel {
    sim_queue *q;
    sim_event_id id;
    int result;
} self_cancel;

static void cancel_own_id(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    (void)now;
    self_cancel *s = ctx;
    s->result = sim_queue_cancel(s->q, s->id);
}

static void cancel_of_a_fired_or_cancelled_id_is_a_no_op(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 8);

    assert_int_equal(sim_queue_cancel(q, SIM_EVENT_NONE), 0);
    assert_false(sim_queue_pending(q, SIM_EVENT_NONE));
    /* An id no slot ever had. */
    assert_int_equal(sim_queue_cancel(q, ((uint64_t)1 << 32) | 12345u), 0);

    sim_event_id fired = sim_queue_push(q, 5, record, &l, 1);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(sim_queue_cancel(q, fired), 0);
    assert_false(sim_queue_pending(q, fired));

    sim_event_id gone = sim_queue_push(q, 6, record, &l, 2);
    assert_int_equal(sim_queue_cancel(q, gone), 1);
    assert_int_equal(sim_queue_cancel(q, gone), 0); /* twice */

    /* The freed slot is handed out again; the old ids must not touch the
     * new event that now lives in it. */
    sim_event_id fresh = sim_queue_push(q, 7, record, &l, 3);
    assert_int_equal(sim_queue_cancel(q, gone), 0);
    assert_int_equal(sim_queue_cancel(q, fired), 0);
    assert_true(sim_queue_pending(q, fresh));
    assert_int_equal(sim_queue_size(q), 1);

    /* Inside its own callback an event has already fired: a no-op too. */
    self_cancel s = {q, SIM_EVENT_NONE, -1};
    s.id = sim_queue_push(q, 8, cancel_own_id, &s, 0);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(s.result, 0);

    assert_int_equal(l.n, 2); /* labels 1 and 3 */
    assert_int_equal(l.args[0], 1);
    assert_int_equal(l.args[1], 3);
    assert_int_equal(sim_queue_size(q), 0);
    log_fini(&l);
    sim_queue_destroy(q);
}

static void cancel_in_the_middle_of_a_large_heap_keeps_it_valid(void **state)
{
    (void)state;
    enum { N = 20000 };
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    sim_event_id *ids = malloc(N * sizeof *ids);
    keyed *ref = malloc(N * sizeof *ref);
    unsigned char *cancelled = calloc(N, 1);
    assert_true(ids && ref && cancelled);
    firing_log l;
    log_init(&l, N);
    uint64_t seed = 7;
    for (uint64_t i = 0; i < N; i++) {
        sim_time t = (sim_time)(splitmix(&seed) % 100000);
        ref[i] = (keyed){t, i};
        ids[i] = sim_queue_push(q, t, record, &l, i);
    }
    /* N cancels of random ids (about 63% of the events end up cancelled, the
     * other attempts hit ids already cancelled): this removes entries from
     * every depth of the heap, including ones whose replacement must move up
     * (the last entry can be smaller than the removed one's parent). */
    size_t kept = N;
    for (size_t k = 0; k < N; k++) {
        size_t i = (size_t)(splitmix(&seed) % N);
        int was_pending = !cancelled[i];
        assert_int_equal(sim_queue_cancel(q, ids[i]), was_pending);
        if (was_pending) {
            cancelled[i] = 1;
            kept--;
        }
        assert_int_equal(sim_queue_size(q), kept);
    }
    /* Then alternate firing and cancelling, so removals also hit a heap
     * that pops have reshaped; ids of events that fired must be no-ops. */
    unsigned char *fired = calloc(N, 1);
    assert_non_null(fired);
    for (int round = 0; round < 5; round++) {
        for (int k = 0; k < 1000; k++)
            assert_int_equal(sim_queue_step(q), 1);
        for (size_t f = 0; f < l.n; f++)
            fired[l.args[f]] = 1;
        for (int k = 0; k < 1000; k++) {
            size_t i = (size_t)(splitmix(&seed) % N);
            int was_pending = !cancelled[i] && !fired[i];
            assert_int_equal(sim_queue_cancel(q, ids[i]), was_pending);
            if (was_pending) {
                cancelled[i] = 1;
                kept--;
            }
        }
        assert_int_equal(sim_queue_size(q) + l.n, kept);
    }
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    /* The firings, in order, are the reference order without the cancelled. */
    qsort(ref, N, sizeof *ref, by_time_then_label);
    assert_int_equal(l.n, kept);
    size_t j = 0;
    for (size_t i = 0; i < N; i++) {
        if (cancelled[ref[i].label])
            continue;
        assert_int_equal(l.args[j], ref[i].label);
        assert_int_equal(l.times[j], ref[i].time);
        j++;
    }
    assert_int_equal(j, kept);
    free(fired);
    log_fini(&l);
    free(cancelled);
    free(ref);
    free(ids);
    sim_queue_destroy(q);
}

/* Keeps one event pending per lane: each firing pushes a replacement at a
 * random delay and sometimes cancels a random other pending event (then
 * pushes one more so the count is kept). */
typedef struct churn {
    sim_queue *q;
    uint64_t seed;
    sim_event_id *ids; /* ids[k] = the event currently in "lane" k */
    size_t lanes;
    uint64_t fired;
    sim_time last;
    int out_of_order;
} churn;

static void churn_fire(void *ctx, uint64_t lane, sim_time now)
{
    churn *c = ctx;
    if (now < c->last)
        c->out_of_order = 1;
    c->last = now;
    c->fired++;
    c->ids[lane] =
        sim_queue_after(c->q, (sim_time)(splitmix(&c->seed) % 1000), churn_fire, c, lane);
    if (splitmix(&c->seed) % 4 == 0) {
        uint64_t other = splitmix(&c->seed) % c->lanes;
        if (other != lane && sim_queue_cancel(c->q, c->ids[other]))
            c->ids[other] =
                sim_queue_after(c->q, (sim_time)(splitmix(&c->seed) % 1000), churn_fire, c, other);
    }
}

static void pool_slots_are_reused(void **state)
{
    (void)state;
    enum { LANES = 1000 };
    sim_event_id ids[LANES];
    churn c = {.seed = 99, .ids = ids, .lanes = LANES};
    c.q = sim_queue_create(0, NULL);
    assert_non_null(c.q);
    /* Warm up: the pool grows to hold LANES pending events. */
    for (uint64_t k = 0; k < LANES; k++)
        ids[k] = sim_queue_push(c.q, (sim_time)k, churn_fire, &c, k);
    assert_int_equal(sim_queue_size(c.q), LANES);
    /* From now on every allocation fails. 200 000 more firings, each with a
     * push (and a quarter with a cancel and another push), never have more
     * than LANES pending: if slots were not reused, or the heap grew, the
     * pool would have to allocate and the status would be SIM_ENOMEM. */
    sim_alloc_fail_after(1);
    for (int round = 0; round < 200; round++) {
        for (int k = 0; k < 1000; k++)
            assert_int_equal(sim_queue_step(c.q), 1);
        assert_int_equal(sim_queue_status(c.q), SIM_OK);
        assert_int_equal(sim_queue_size(c.q), LANES);
    }
    sim_alloc_fail_reset();
    assert_int_equal(c.fired, 200000);
    assert_false(c.out_of_order);
    assert_int_equal(sim_queue_status(c.q), SIM_OK);
    sim_queue_destroy(c.q);
}

/* ---- run, step, stop --------------------------------------------------- */

static void run_stops_at_the_horizon_and_leaves_later_events_pending(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 8);
    sim_queue_push(q, 10, record, &l, 1);
    sim_queue_push(q, 20, record, &l, 2);
    sim_queue_push(q, 30, record, &l, 3);

    /* An event exactly at the horizon fires. */
    assert_int_equal(sim_queue_run(q, 20), SIM_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(sim_queue_now(q), 20);
    assert_int_equal(sim_queue_size(q), 1);
    assert_int_equal(sim_queue_next_time(q), 30);

    /* No event before the horizon: time still advances to it. */
    assert_int_equal(sim_queue_run(q, 25), SIM_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(sim_queue_now(q), 25);

    /* After running past all events, now is the horizon, not the last event. */
    assert_int_equal(sim_queue_run(q, 1000), SIM_OK);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.times[2], 30);
    assert_int_equal(sim_queue_now(q), 1000);
    assert_int_equal(sim_queue_size(q), 0);

    /* sim_queue_after counts from the new now. */
    sim_queue_after(q, 5, record, &l, 4);
    assert_int_equal(sim_queue_next_time(q), 1005);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(sim_queue_now(q), 1005);
    log_fini(&l);
    sim_queue_destroy(q);
}

typedef struct stopper {
    sim_queue *q;
    firing_log *l;
    uint64_t stop_at_label;
} stopper;

static void stop_on_label(void *ctx, uint64_t arg, sim_time now)
{
    stopper *s = ctx;
    record(s->l, arg, now);
    if (arg == s->stop_at_label)
        sim_queue_stop(s->q);
}

/* Pushes five events at 10, 20, .. 50 (labels 1 .. 5) with callback fn,
 * which stops the run at label stop_at; checks that the run returns right
 * after that event, and that running again fires the rest. */
static void stop_then_go_on(sim_event_fn *fn, uint64_t stop_at)
{
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 8);
    stopper s = {q, &l, stop_at};
    for (uint64_t i = 1; i <= 5; i++)
        sim_queue_push(q, (sim_time)(10 * i), fn, &s, i);
    assert_int_equal(sim_queue_run(q, 1000), SIM_OK);
    assert_int_equal(l.n, stop_at);
    assert_int_equal(sim_queue_size(q), 5 - stop_at);
    /* Stopped early: now is the stopping event's time, not the horizon. */
    assert_int_equal(sim_queue_now(q), 10 * stop_at);
    /* Running again continues where it stopped. */
    assert_int_equal(sim_queue_run(q, 1000), SIM_OK);
    assert_int_equal(l.n, 5);
    assert_int_equal(l.args[4], 5);
    assert_int_equal(sim_queue_now(q), 1000);
    log_fini(&l);
    sim_queue_destroy(q);
}

static void stop_from_a_callback_returns_after_that_event(void **state)
{
    (void)state;
    stop_then_go_on(stop_on_label, 2);
}

/* ---- the watched run ----------------------------------------------------- */

/* A ticker of events: each fires, logs itself and pushes the next after a
 * pseudo-random gap, with a long quiet stretch in the middle (gaps of
 * several watch steps with no event). */
typedef struct ticker {
    sim_queue *q;
    firing_log *l;
    uint64_t rng;
    int left;
} ticker;

static void ticker_fire(void *ctx, uint64_t arg, sim_time now)
{
    ticker *c = ctx;
    record(c->l, arg, now);
    if (--c->left <= 0)
        return;
    sim_time gap = (sim_time)(splitmix(&c->rng) % 40);
    if (c->left == 100)
        gap = 1000; /* the quiet stretch */
    sim_queue_push(c->q, now + gap, ticker_fire, c, arg + 1);
}

/* The hook's log: each call's time and what had fired by then. */
typedef struct watch_log {
    sim_queue *q;
    firing_log *l;
    int calls;
    sim_time at[1024];
    size_t fired_by[1024];
    int bad_now, cancel_at_call;
} watch_log;

static int log_watch(void *ctx, sim_time now)
{
    watch_log *w = ctx;
    assert_true(w->calls < 1024);
    w->at[w->calls] = now;
    w->fired_by[w->calls] = w->l->n;
    w->bad_now += sim_queue_now(w->q) != now;
    w->calls++;
    return w->calls == w->cancel_at_call;
}

/* Runs the ticker to horizon; with a watch if every > 0. */
static void run_ticker(firing_log *l, sim_time horizon, sim_time every, watch_log *w)
{
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    ticker c = {q, l, 42, 300};
    sim_queue_push(q, 3, ticker_fire, &c, 1);
    if (every > 0) {
        w->q = q;
        w->l = l;
        sim_watch sw = {.every = every, .fn = log_watch, .ctx = w};
        int rc;
        while ((rc = sim_queue_run_watched(q, horizon, &sw)) == SIM_ECANCELED)
            assert_int_equal(sim_queue_now(q), w->at[w->calls - 1]); /* stopped at the step */
        assert_int_equal(rc, SIM_OK);
    } else {
        assert_int_equal(sim_queue_run(q, horizon), SIM_OK);
    }
    assert_int_equal(sim_queue_now(q), horizon);
    sim_queue_destroy(q);
}

static void a_watched_run_fires_the_same_events_and_calls_the_hook_at_every_step(void **state)
{
    (void)state;
    const sim_time every = 25, horizon = 10000;
    firing_log plain, watched;
    log_init(&plain, 400);
    log_init(&watched, 400);
    run_ticker(&plain, horizon, 0, NULL);
    static watch_log w;
    memset(&w, 0, sizeof w);
    run_ticker(&watched, horizon, every, &w);

    /* The same events at the same times. */
    assert_int_equal(watched.n, plain.n);
    assert_memory_equal(watched.args, plain.args, plain.n * sizeof *plain.args);
    assert_memory_equal(watched.times, plain.times, plain.n * sizeof *plain.times);

    /* The expected calls, from the event times alone: every multiple t of
     * `every` below the horizon with an event after t (and by the horizon);
     * at that call, the events fired are exactly those at or before t. */
    int k = 0;
    for (sim_time t = every; t < horizon; t += every) {
        size_t by = 0, after = 0;
        for (size_t i = 0; i < plain.n; i++) {
            by += plain.times[i] <= t;
            after += plain.times[i] > t && plain.times[i] <= horizon;
        }
        if (after == 0)
            break;
        assert_true(k < w.calls);
        assert_int_equal(w.at[k], t);
        assert_int_equal(w.fired_by[k], by);
        k++;
    }
    assert_int_equal(w.calls, k);
    assert_int_equal(w.bad_now, 0);
    /* Not vacuous: the ticker spans the quiet stretch, so there are calls
     * with no event in between, and it ends before the horizon. */
    assert_true(k > 40);
    assert_true(plain.times[plain.n - 1] > 1000);
    assert_true(plain.times[plain.n - 1] + every < horizon);
    log_fini(&plain);
    log_fini(&watched);
}

static void a_hook_that_says_stop_cancels_and_the_run_can_go_on(void **state)
{
    (void)state;
    firing_log plain, watched;
    log_init(&plain, 400);
    log_init(&watched, 400);
    run_ticker(&plain, 5000, 0, NULL);
    static watch_log w;
    memset(&w, 0, sizeof w);
    w.cancel_at_call = 7; /* run_ticker runs again after each SIM_ECANCELED */
    run_ticker(&watched, 5000, 25, &w);
    assert_true(w.calls > 7);
    assert_int_equal(w.at[6], 7 * 25);
    assert_int_equal(watched.n, plain.n);
    assert_memory_equal(watched.times, plain.times, plain.n * sizeof *plain.times);
    log_fini(&plain);
    log_fini(&watched);
}

static void a_watch_without_a_step_is_a_plain_run(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 8);
    static watch_log w;
    memset(&w, 0, sizeof w);
    w.q = q;
    w.l = &l;
    sim_queue_push(q, 10, record, &l, 1);
    sim_queue_push(q, 500, record, &l, 2);
    sim_watch none = {.every = 0, .fn = log_watch, .ctx = &w};
    assert_int_equal(sim_queue_run_watched(q, 1000, &none), SIM_OK);
    assert_int_equal(sim_queue_run_watched(q, 2000, NULL), SIM_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(w.calls, 0);
    assert_int_equal(sim_queue_now(q), 2000);
    log_fini(&l);
    sim_queue_destroy(q);
}

static void stop_now(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    (void)now;
    sim_queue_stop(ctx);
}

static void defer_stop_on_label(void *ctx, uint64_t arg, sim_time now)
{
    stopper *s = ctx;
    record(s->l, arg, now);
    if (arg == s->stop_at_label)
        assert_int_equal(sim_queue_defer(s->q, stop_now, s->q, 0), SIM_OK);
}

/* The run loop looks at stop (and at deferred calls) only after a callback
 * that asked for it: a stop asked by a deferred call must still end the run
 * after its event, and the next run must go on as if nothing had happened. */
static void a_stop_asked_by_a_deferred_call_ends_the_run_after_that_event(void **state)
{
    (void)state;
    stop_then_go_on(defer_stop_on_label, 3);
}

/* One slot fired and reused 1,000 times: each id it gets is new (the
 * generation moves on at every reuse and is never 0), and every earlier id
 * is no longer pending, so cancelling it does nothing. */
static void the_ids_of_a_reused_slot_never_repeat(void **state)
{
    (void)state;
    enum { REUSES = 1000 };
    static sim_event_id ids[REUSES];
    sim_queue *q = sim_queue_create(1, NULL);
    assert_non_null(q);
    for (int k = 0; k < REUSES; k++) {
        ids[k] = sim_queue_push(q, k, do_nothing, NULL, 0);
        assert_int_not_equal(ids[k], SIM_EVENT_NONE);
        assert_true(sim_queue_pending(q, ids[k]));
        for (int j = 0; j < k; j++) {
            assert_true(ids[j] != ids[k]);
            assert_false(sim_queue_pending(q, ids[j]));
        }
        if (k > 0)
            assert_int_equal(sim_queue_cancel(q, ids[k - 1]), 0);
        assert_int_equal(sim_queue_step(q), 1);
        assert_false(sim_queue_pending(q, ids[k]));
    }
    assert_int_equal(sim_queue_fired(q), REUSES);
    sim_queue_destroy(q);
}

static void step_fires_exactly_one_event(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 8);
    assert_int_equal(sim_queue_step(q), 0);
    sim_queue_push(q, 3, record, &l, 1);
    sim_queue_push(q, 9, record, &l, 2);
    assert_int_equal(sim_queue_step(q), 1);
    assert_int_equal(l.n, 1);
    assert_int_equal(sim_queue_now(q), 3);
    assert_int_equal(sim_queue_step(q), 1);
    assert_int_equal(sim_queue_now(q), 9);
    assert_int_equal(sim_queue_step(q), 0);
    assert_int_equal(sim_queue_fired(q), 2);
    log_fini(&l);
    sim_queue_destroy(q);
}

/* ---- allocation failure ------------------------------------------------ */

static void create_returns_null_when_allocation_fails(void **state)
{
    (void)state;
    /* create makes three allocations: the queue, the heap, the records.
     * Failing each in turn must give NULL, fill err and leak nothing. */
    for (long n = 1; n <= 3; n++) {
        sim_err err;
        sim_err_clear(&err);
        sim_alloc_fail_after(n);
        sim_queue *q = sim_queue_create(0, &err);
        sim_alloc_fail_reset();
        assert_null(q);
        assert_int_equal(err.code, SIM_ENOMEM);
    }
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    sim_queue_destroy(q);
    sim_queue_destroy(NULL);
}

/* Pushes `count` more events from inside a callback. */
static void push_many(void *ctx, uint64_t count, sim_time now)
{
    sim_queue *q = ctx;
    for (uint64_t i = 0; i < count; i++)
        sim_queue_push(q, now + 1, do_nothing, NULL, 0);
}

static void allocation_failure_makes_run_return_enomem(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(2, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 8);
    sim_queue_push(q, 1, push_many, q, 2);
    sim_queue_push(q, 2, record, &l, 1);
    /* The calendar is full (2 slots); the callback's pushes need it to grow. */
    sim_alloc_fail_after(1);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_ENOMEM);
    sim_alloc_fail_reset();
    /* The run stopped right after the failing callback. */
    assert_int_equal(l.n, 0);
    assert_int_equal(sim_queue_now(q), 1);
    assert_int_equal(sim_queue_status(q), SIM_ENOMEM);
    /* The status is sticky: later runs return it at once, even though
     * memory is available again. */
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_ENOMEM);
    assert_int_equal(l.n, 0);
    log_fini(&l);
    sim_queue_destroy(q);
}

static void a_failed_push_returns_no_id_and_keeps_the_rest(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(1, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 8);
    assert_int_not_equal(sim_queue_push(q, 1, record, &l, 1), SIM_EVENT_NONE);
    sim_alloc_fail_after(1);
    assert_int_equal(sim_queue_push(q, 2, record, &l, 2), SIM_EVENT_NONE);
    sim_alloc_fail_after(2); /* the heap allocation succeeds, the records fail */
    assert_int_equal(sim_queue_push(q, 2, record, &l, 2), SIM_EVENT_NONE);
    sim_alloc_fail_reset();
    assert_int_equal(sim_queue_status(q), SIM_ENOMEM);
    assert_int_equal(sim_queue_size(q), 1);
    assert_int_equal(sim_queue_next_time(q), 1);
    /* The pending event is intact and can still be stepped. */
    assert_int_equal(sim_queue_step(q), 1);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.args[0], 1);
    log_fini(&l);
    sim_queue_destroy(q);
}

static void a_deferral_that_cannot_allocate_records_enomem(void **state)
{
    (void)state;
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    firing_log l;
    log_init(&l, 4);
    sim_alloc_fail_after(1); /* the first deferral allocates the list */
    assert_int_equal(sim_queue_defer(q, record, &l, 1), SIM_ENOMEM);
    sim_alloc_fail_reset();
    assert_int_equal(sim_queue_status(q), SIM_ENOMEM);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER), SIM_ENOMEM);
    assert_int_equal(l.n, 0);
    log_fini(&l);
    sim_queue_destroy(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equal_times_fire_in_push_order),
        cmocka_unit_test(events_fire_in_time_order),
        cmocka_unit_test(callbacks_get_their_ctx_arg_and_time),
        cmocka_unit_test(zero_delay_events_fire_now_after_those_already_due),
        cmocka_unit_test(deferred_calls_run_after_their_event_before_any_other_due_then),
        cmocka_unit_test(a_call_deferred_outside_a_callback_runs_first_in_the_next_step),
        cmocka_unit_test(a_callbacks_pushes_keep_the_reference_order_with_one_pending),
        cmocka_unit_test(a_callbacks_pushes_keep_the_reference_order_with_a_few_pending),
        cmocka_unit_test(a_callbacks_pushes_keep_the_reference_order_with_forty_pending),
        cmocka_unit_test(a_callbacks_pushes_keep_the_reference_order_across_the_large_pop),
        cmocka_unit_test(a_step_inside_a_callback_fires_the_next_pending_event),
        cmocka_unit_test(cancel_of_a_pending_event_stops_it_from_firing),
        cmocka_unit_test(cancel_of_a_fired_or_cancelled_id_is_a_no_op),
        cmocka_unit_test(cancel_in_the_middle_of_a_large_heap_keeps_it_valid),
        cmocka_unit_test(pool_slots_are_reused),
        cmocka_unit_test(run_stops_at_the_horizon_and_leaves_later_events_pending),
        cmocka_unit_test(stop_from_a_callback_returns_after_that_event),
        cmocka_unit_test(a_stop_asked_by_a_deferred_call_ends_the_run_after_that_event),
        cmocka_unit_test(the_ids_of_a_reused_slot_never_repeat),
        cmocka_unit_test(step_fires_exactly_one_event),
        cmocka_unit_test(create_returns_null_when_allocation_fails),
        cmocka_unit_test(allocation_failure_makes_run_return_enomem),
        cmocka_unit_test(a_failed_push_returns_no_id_and_keeps_the_rest),
        cmocka_unit_test(a_deferral_that_cannot_allocate_records_enomem),
        cmocka_unit_test(a_watched_run_fires_the_same_events_and_calls_the_hook_at_every_step),
        cmocka_unit_test(a_hook_that_says_stop_cancels_and_the_run_can_go_on),
        cmocka_unit_test(a_watch_without_a_step_is_a_plain_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
