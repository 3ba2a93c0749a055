/*
 * test_sim_queue_ref.h - a reference calendar for the calendar's tests:
 * the pending events in an array, the next one found by a linear scan for
 * the smallest (time, push index). Too slow for a model, plainly right, and
 * independent of the heap. Also SplitMix64 for seeded inputs. Shared by
 * test_sim_queue.c and test_sim_queue_renumber.c; include it after
 * <cmocka.h> (ref_fired asserts).
 */
#ifndef TEST_SIM_QUEUE_REF_H
#define TEST_SIM_QUEUE_REF_H

#include <stdint.h>

#include "sim_queue.h"
#include "sim_time.h"

/* SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator for inputs. */
static inline uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

enum { REF_MAX = 300 };

/* A pending event: its time, its label (the push index) and the id the
 * calendar under test gave the same event. */
typedef struct ref_event {
    sim_time time;
    uint64_t label;
    sim_event_id id;
} ref_event;

typedef struct ref_calendar {
    ref_event ev[REF_MAX];
    int n;
    uint64_t pushed; /* labels handed out */
} ref_calendar;

/* Adds an event due at time; returns its label. */
static inline uint64_t ref_add(ref_calendar *r, sim_time time, sim_event_id id)
{
    if (r->n >= REF_MAX)
        return UINT64_MAX; /* the caller asserts on the label */
    r->ev[r->n++] = (ref_event){time, r->pushed, id};
    return r->pushed++;
}

/* The index of the next event (smallest time, then label), -1 if none. */
static inline int ref_next(const ref_calendar *r)
{
    int best = r->n > 0 ? 0 : -1;
    for (int i = 1; i < r->n; i++)
        if (r->ev[i].time < r->ev[best].time ||
            (r->ev[i].time == r->ev[best].time && r->ev[i].label < r->ev[best].label))
            best = i;
    return best;
}

static inline sim_time ref_next_time(const ref_calendar *r)
{
    int i = ref_next(r);
    return i < 0 ? SIM_TIME_NEVER : r->ev[i].time;
}

static inline void ref_remove(ref_calendar *r, int i)
{
    r->ev[i] = r->ev[--r->n];
}

/* Checks that the calendar under test fired the reference's next event
 * (label at time now) and removes it from the reference. */
static inline void ref_fired(ref_calendar *r, uint64_t label, sim_time now)
{
    int i = ref_next(r);
    assert_true(i >= 0);
    assert_int_equal(label, r->ev[i].label);
    assert_int_equal(now, r->ev[i].time);
    ref_remove(r, i);
}

#endif
