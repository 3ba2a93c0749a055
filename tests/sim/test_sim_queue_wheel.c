/*
 * test_sim_queue_wheel.c - the calendar as built, against a reference heap
 * over millions of operations (test_sim_queue_diff.h): with at most a few
 * hundred pending events (the heap alone, the vacant root and the large
 * pop), and swinging between a few and 2,000 (the far wheel of large
 * calendars switched on and off, sim_queue.c). Exact: the order is a rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_queue.h"
#include "test_sim_queue_diff.h"

static void a_small_calendar_fires_in_the_reference_order(void **state)
{
    (void)state;
    diff_run(1, 200, 1000000, 11);
}

static void a_large_calendar_fires_in_the_reference_order(void **state)
{
    (void)state;
    diff_run(3, 2000, 3000000, 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_small_calendar_fires_in_the_reference_order),
        cmocka_unit_test(a_large_calendar_fires_in_the_reference_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
