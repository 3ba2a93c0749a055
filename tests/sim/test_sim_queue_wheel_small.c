/*
 * test_sim_queue_wheel_small.c - the far wheel of large calendars
 * (sim_queue.c) at a small scale, where its rare paths are common: this
 * test compiles the calendar's source with the wheel on above 8 events in
 * the heap and off below 5 pending, a heap block of 8 us (so that most
 * events wait in the wheel and cascade through several levels), and
 * sequence numbers renumbered every 2^16 pushes (with the wheel on, a
 * renumbering first moves every waiting event back into the heap).
 * Expected: exactly the order of the reference heap (test_sim_queue_diff.h).
 */
#define SIM_QUEUE_NEAR_BITS     3
#define SIM_QUEUE_PREFETCH_OVER 8u
#define SIM_QUEUE_BIG_OFF       5u
#define SIM_QUEUE_SEQ_LIMIT     (1u << 16)
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../sim/sim_queue.c"

/* What the runs exercised inside the calendar, so that the test cannot
 * pass by missing the wheel: checks with the wheel on and off, with events
 * waiting at a level above the first, and renumberings with the wheel on. */
static struct {
    uint64_t on, off, high_level, renumbered_on;
    uint32_t last_seq;
} seen;

static void observe(const sim_queue *q)
{
    /* Every push tests the limit, the far wheel's too (push_far_free). */
    assert_true(q->next_seq <= SIM_QUEUE_SEQ_LIMIT);
    /* records start on a line, so each is one line (sim_calloc_lines) */
    assert_true(((uintptr_t)q->rec & (LINE - 1)) == 0);
    seen.on += q->big;
    seen.off += !q->big;
    if (q->big)
        for (unsigned l = 1; l < LEVELS; l++)
            seen.high_level += q->wheel->occ[l] != 0;
    if (q->big && q->next_seq < seen.last_seq)
        seen.renumbered_on++;
    seen.last_seq = q->next_seq;
}
#define DIFF_OBSERVE(q) observe(q)

#include "test_sim_queue_diff.h"

static void check_seen(void)
{
    assert_true(seen.on > 10000 && seen.off > 100 && seen.high_level > 10000);
    assert_true(seen.renumbered_on > 5);
    memset(&seen, 0, sizeof seen);
}

static void few_events_cross_the_wheel_thresholds_in_the_reference_order(void **state)
{
    (void)state;
    diff_run(2, 40, 2000000, 21);
    check_seen();
}

static void hundreds_of_events_in_the_wheel_fire_in_the_reference_order(void **state)
{
    (void)state;
    diff_run(3, 600, 2000000, 22);
    check_seen();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(few_events_cross_the_wheel_thresholds_in_the_reference_order),
        cmocka_unit_test(hundreds_of_events_in_the_wheel_fire_in_the_reference_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
