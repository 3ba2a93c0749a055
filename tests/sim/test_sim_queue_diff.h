/*
 * test_sim_queue_diff.h - a differential test of the calendar: millions of
 * pushes, pops and cancels against a reference, for the heap alone and for
 * the far wheel of large calendars (sim_queue.c, "Large calendars").
 *
 * The reference is a plain binary min-heap on (time, push index) with lazy
 * deletion: a cancelled event stays in it, marked, and is skipped when it
 * comes to the top. It shares no code with the calendar and is plainly
 * right: the next event is the smallest (time, push index) still marked
 * pending. Expected: the calendar fires exactly the reference's next event
 * every time (label and time), and its size, next time and pending flags
 * match the reference after every operation. Exact: the order is a rule.
 *
 * The driver. Callbacks push 0 to 3 events (one more while below the
 * target count), cancel a random pending event one time in eight, and stop
 * the run one time in 64. Delays mix equal times (0 to 7 us), the same
 * time as a random pending event (ties between the heap and the wheel),
 * microseconds to days, 2^50 us, and now and then SIM_TIME_NEVER (a
 * saturated delay). The target count swings between a few events and
 * `high`, so that large calendars switch the wheel on and off. Between
 * runs (to a random horizon) and single steps, pushes and cancels also come
 * from outside any callback, when now may be behind the heap's block.
 * Include after <cmocka.h> and sim_queue.h (or sim_queue.c).
 */
#ifndef TEST_SIM_QUEUE_DIFF_H
#define TEST_SIM_QUEUE_DIFF_H

#include <stdint.h>
#include <stdlib.h>

#include "sim_queue.h"
#include "sim_time.h"
#include "test_sim_queue_ref.h" /* splitmix */

typedef struct diff_item {
    sim_time time;
    uint64_t label;
} diff_item;

typedef struct diff {
    sim_queue *q;
    uint64_t seed;
    /* the reference: a binary heap with lazy deletion */
    diff_item *heap;
    size_t n, live;
    unsigned char *alive; /* by label */
    sim_event_id *ids;    /* by label */
    sim_time *times;      /* by label */
    /* pending labels, for picking one at random */
    uint64_t *pend;
    uint32_t *where; /* by label: index in pend */
    size_t npend;
    uint64_t pushed, max;
    int low, high, target;
    /* what was exercised, so the test cannot pass by missing a case */
    uint64_t fired, cancelled, ties, nevers, outside, phases;
} diff;

static int diff_before(diff_item a, diff_item b)
{
    return a.time < b.time || (a.time == b.time && a.label < b.label);
}

static void diff_ref_push(diff *d, sim_time time, uint64_t label)
{
    size_t i = d->n++;
    diff_item x = {time, label};
    while (i > 0 && diff_before(x, d->heap[(i - 1) / 2])) {
        d->heap[i] = d->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    d->heap[i] = x;
}

static void diff_ref_pop(diff *d)
{
    diff_item x = d->heap[--d->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= d->n)
            break;
        if (c + 1 < d->n && diff_before(d->heap[c + 1], d->heap[c]))
            c++;
        if (!diff_before(d->heap[c], x))
            break;
        d->heap[i] = d->heap[c];
        i = c;
    }
    if (d->n > 0)
        d->heap[i] = x;
}

/* The reference's next pending event, NULL if none. */
static const diff_item *diff_ref_top(diff *d)
{
    while (d->n > 0 && !d->alive[d->heap[0].label])
        diff_ref_pop(d);
    return d->n > 0 ? &d->heap[0] : NULL;
}

static void diff_forget(diff *d, uint64_t label)
{
    d->alive[label] = 0;
    d->live--;
    uint32_t i = d->where[label];
    uint64_t last = d->pend[--d->npend];
    d->pend[i] = last;
    d->where[last] = i;
}

/* A test that includes the calendar's source may look inside it. */
#ifndef DIFF_OBSERVE
#define DIFF_OBSERVE(q) ((void)(q))
#endif

static void diff_check(diff *d)
{
    DIFF_OBSERVE(d->q);
    const diff_item *top = diff_ref_top(d);
    assert_int_equal(sim_queue_size(d->q), d->live);
    assert_int_equal(sim_queue_next_time(d->q), top ? top->time : SIM_TIME_NEVER);
}

static void diff_fire(void *ctx, uint64_t label, sim_time now);

/* A delay from the mix above (the time itself for ties with a pending
 * event, which sim_queue_after gets as its distance from now). */
static sim_time diff_delay(diff *d, sim_time now)
{
    uint64_t r = splitmix(&d->seed);
    uint64_t x = splitmix(&d->seed);
    switch (r % 20) {
    case 0:
    case 1:
    case 2:
    case 3:
        return (sim_time)(x % 8);
    case 4:
    case 5: /* the time of a random pending event, if any is due by 2^62 */
        if (d->npend > 0) {
            sim_time t = d->times[d->pend[x % d->npend]];
            if (t >= now && t < ((sim_time)1 << 62)) {
                d->ties++;
                return t - now;
            }
        }
        return 0;
    case 6:
    case 7:
    case 8:
        return (sim_time)(x % 4096);
    case 9:
    case 10:
    case 11:
        return (sim_time)(x % ((uint64_t)1 << 20));
    case 12:
    case 13:
    case 14:
        return (sim_time)(x % ((uint64_t)1 << 26));
    case 15:
    case 16:
        return (sim_time)(x % ((uint64_t)1 << 36));
    case 17:
        return (sim_time)(x % ((uint64_t)1 << 50));
    case 18:
        if (x % 64 == 0) {
            d->nevers++;
            return SIM_TIME_NEVER; /* saturates */
        }
        return (sim_time)(x % 100);
    default:
        return (sim_time)(x % ((uint64_t)1 << 16)); /* about one block */
    }
}

static void diff_push(diff *d)
{
    if (d->pushed >= d->max)
        return;
    sim_time now = sim_queue_now(d->q);
    sim_time delay = diff_delay(d, now);
    sim_time t = delay > SIM_TIME_NEVER - now ? SIM_TIME_NEVER : now + delay;
    uint64_t label = d->pushed++;
    sim_event_id id = sim_queue_after(d->q, delay, diff_fire, d, label);
    assert_int_not_equal(id, SIM_EVENT_NONE);
    d->ids[label] = id;
    d->times[label] = t;
    d->alive[label] = 1;
    d->live++;
    d->where[label] = (uint32_t)d->npend;
    d->pend[d->npend++] = label;
    diff_ref_push(d, t, label);
}

static void diff_cancel_one(diff *d)
{
    if (d->npend == 0)
        return;
    uint64_t label = d->pend[splitmix(&d->seed) % d->npend];
    assert_true(sim_queue_pending(d->q, d->ids[label]));
    assert_int_equal(sim_queue_cancel(d->q, d->ids[label]), 1);
    assert_false(sim_queue_pending(d->q, d->ids[label]));
    assert_int_equal(sim_queue_cancel(d->q, d->ids[label]), 0);
    diff_forget(d, label);
    d->cancelled++;
}

static void diff_fire(void *ctx, uint64_t label, sim_time now)
{
    diff *d = ctx;
    const diff_item *top = diff_ref_top(d);
    assert_non_null(top);
    assert_int_equal(label, top->label);
    assert_int_equal(now, top->time);
    assert_false(sim_queue_pending(d->q, d->ids[label]));
    diff_forget(d, label);
    d->fired++;
    uint64_t r = splitmix(&d->seed);
    if (r % 8 == 0)
        diff_cancel_one(d);
    if (r / 8 % 64 == 0)
        sim_queue_stop(d->q);
    if (d->live <= (size_t)d->low && d->target != d->high) {
        d->target = d->high;
        d->phases++;
    } else if (d->live >= (size_t)d->high && d->target != d->low) {
        d->target = d->low;
        d->phases++;
    }
    int pushes = (int)(r / 512 % 3) + (d->live < (size_t)d->target);
    for (int p = 0; p < pushes; p++)
        diff_push(d);
    if (r / 2048 % 32 == 0)
        diff_check(d);
}

/* Runs max pushes through the driver with pending counts swinging between
 * low and high; checks everything and that each case was exercised. */
static void diff_run(int low, int high, uint64_t max, uint64_t seed)
{
    diff *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->seed = seed;
    d->low = low;
    d->high = high;
    d->target = high;
    d->max = max;
    d->heap = malloc(max * sizeof *d->heap);
    d->alive = calloc(max, 1);
    d->ids = malloc(max * sizeof *d->ids);
    d->times = malloc(max * sizeof *d->times);
    d->pend = malloc(max * sizeof *d->pend);
    d->where = malloc(max * sizeof *d->where);
    assert_true(d->heap && d->alive && d->ids && d->times && d->pend && d->where);
    assert_non_null(d->q = sim_queue_create(1, NULL)); /* the pool grows inside callbacks */
    for (int i = 0; i < high / 2; i++)
        diff_push(d);
    diff_check(d);
    while (d->pushed < d->max || d->live > 0) {
        uint64_t r = splitmix(&d->seed);
        sim_time now = sim_queue_now(d->q);
        switch (r % 8) {
        case 0: { /* a run to a horizon; now is the horizon unless stopped */
            sim_time span = (sim_time)(splitmix(&d->seed) % ((uint64_t)1 << (r / 8 % 40)));
            sim_time horizon = span > SIM_TIME_NEVER - now ? SIM_TIME_NEVER : now + span;
            uint64_t fired = d->fired;
            assert_int_equal(sim_queue_run(d->q, horizon), SIM_OK);
            if (d->fired == fired && horizon != SIM_TIME_NEVER)
                assert_int_equal(sim_queue_now(d->q), horizon);
            break;
        }
        case 1: /* a push from outside (now may be before the heap's block) */
            diff_push(d);
            d->outside++;
            break;
        case 2:
            diff_cancel_one(d);
            d->outside++;
            break;
        default:
            for (int k = 0; k < 16; k++)
                if (!sim_queue_step(d->q))
                    break;
            break;
        }
        if (d->pushed >= d->max && d->live > 0)
            assert_int_equal(sim_queue_run(d->q, SIM_TIME_NEVER), SIM_OK);
        diff_check(d);
    }
    assert_int_equal(sim_queue_status(d->q), SIM_OK);
    assert_int_equal(d->fired + d->cancelled, d->pushed);
    assert_int_equal(sim_queue_fired(d->q), d->fired);
    assert_true(d->cancelled > max / 20 && d->ties > max / 50 && d->outside > max / 100);
    assert_true(d->nevers > 10 && d->phases >= 4);
    sim_queue_destroy(d->q);
    free(d->heap);
    free(d->alive);
    free(d->ids);
    free(d->times);
    free(d->pend);
    free(d->where);
    free(d);
}

#endif
