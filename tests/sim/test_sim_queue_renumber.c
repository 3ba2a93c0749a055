/*
 * test_sim_queue_renumber.c - the calendar when its sequence numbers run
 * out. A sequence number (the tie-break of equal times: push order) is 32
 * bits; when the next one reaches SIM_QUEUE_SEQ_LIMIT, about 4 billion
 * pushes into a run, the pending events are renumbered 0 .. size-1 in
 * (time, seq) order (sim_queue.c, renumber). A real run takes hours to get
 * there, so this test compiles the calendar's source with a limit of 64:
 * a hold model of 100,000 events then renumbers over a thousand times.
 *
 * Expected: exactly the order of a reference calendar (test_sim_queue_ref.h:
 * a linear scan for the smallest (time, push index) among the pending
 * events), with equal times common (delays of 0 to 7 us) and cancels by id
 * in between. Exact: the order is a rule, not an estimate.
 */
#define SIM_QUEUE_SEQ_LIMIT 64u
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../../sim/sim_queue.c"
#include "test_sim_queue_ref.h"

enum { HELD = 40, EVENTS = 100000 };

typedef struct model {
    sim_queue *q;
    ref_calendar ref; /* labels are push indices */
    uint64_t fired, cancelled, seed;
    int held;        /* events kept pending */
    uint64_t events; /* pushes in all */
} model;

static void fire(void *ctx, uint64_t arg, sim_time now);

/* Pushes one event at now + 0..7 us into both calendars. */
static void push_one(model *m, sim_time now)
{
    sim_time t = now + (sim_time)(splitmix(&m->seed) % 8);
    sim_event_id id = sim_queue_push(m->q, t, fire, m, m->ref.pushed);
    assert_int_not_equal(id, SIM_EVENT_NONE);
    assert_int_not_equal(ref_add(&m->ref, t, id), UINT64_MAX);
}

static void fire(void *ctx, uint64_t arg, sim_time now)
{
    model *m = ctx;
    ref_fired(&m->ref, arg, now);
    m->fired++;
    if (m->ref.pushed >= m->events)
        return;
    /* one time in eight, cancel a pending event by its id (both calendars) */
    if (m->ref.n > 0 && splitmix(&m->seed) % 8 == 0) {
        int k = (int)(splitmix(&m->seed) % (uint64_t)m->ref.n);
        assert_int_equal(sim_queue_cancel(m->q, m->ref.ev[k].id), 1);
        assert_false(sim_queue_pending(m->q, m->ref.ev[k].id));
        ref_remove(&m->ref, k);
        m->cancelled++;
    }
    while (m->ref.n < m->held && m->ref.pushed < m->events)
        push_one(m, now);
}

/* Runs the hold model of m->held pending events to m->events pushes
 * against the reference; the caller checks next_seq. */
static void run_model(model *m)
{
    m->seed = 2026;
    assert_non_null(m->q = sim_queue_create(0, NULL));
    while (m->ref.n < m->held)
        push_one(m, 0);
    assert_int_equal(sim_queue_run(m->q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(m->ref.n, 0);
    assert_int_equal(m->ref.pushed, m->events);
    assert_int_equal(m->fired + m->cancelled, m->events);
    assert_int_equal(sim_queue_fired(m->q), m->fired);
}

static void order_and_cancels_survive_renumbering(void **state)
{
    (void)state;
    model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->held = HELD;
    m->events = EVENTS;
    run_model(m);
    /* renumbering ran: without it next_seq would be EVENTS (100,000); with
     * it, it restarts at the pending count (<= HELD) whenever it reaches
     * the limit, so it ends at most at the limit (equal when the last push
     * reached it) */
    assert_true(m->q->next_seq <= SIM_QUEUE_SEQ_LIMIT);
    assert_true(m->cancelled > EVENTS / 20);
    sim_queue_destroy(m->q);
    free(m);
}

/* More events pending than the limit (only a build with a small limit can
 * get there): a renumber leaves next_seq at the pending count, already
 * past the limit, so every push renumbers again; the push must still go
 * in once (an insert that tested the limit again after its renumber
 * recursed without end) and in order: the sequence numbers keep growing
 * past the limit, well inside 32 bits. */
static void more_pending_than_the_limit(void **state)
{
    (void)state;
    model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->held = 100;
    m->events = 3000;
    run_model(m);
    assert_true(m->q->next_seq > SIM_QUEUE_SEQ_LIMIT);
    sim_queue_destroy(m->q);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_and_cancels_survive_renumbering),
        cmocka_unit_test(more_pending_than_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
