/*
 * test_cal_headroom.c - the rolling 24-hour peak of counted calls against
 * hand-counted windows.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cal_headroom.h"
#include "cal_time.h"

#define H 60 /* minutes */

static void the_peak_is_the_busiest_24_hours_anywhere_in_the_log(void **state)
{
    (void)state;
    int64_t d0 = cal_days_from_civil(2026, 11, 2) * 1440;
    cal_minutes *a = cal_minutes_create(NULL), *b = cal_minutes_create(NULL);
    /* app a: 100 calls at day 0 10:00 and 70 at day 1 09:00; app b: 50 at
     * day 0 20:00 and 30 at day 1 11:00. The 24 hours from day 0 10:00
     * hold 100 + 50 + 70 = 220; from day 0 10:01 on, the 100 are out of
     * the window and at most 50 + 70 + 30 = 150 remain. */
    cal_minutes_add(a, d0 + 10 * H, 100);
    cal_minutes_add(a, d0 + 1440 + 9 * H, 70);
    cal_minutes_add(b, d0 + 20 * H, 50);
    cal_minutes_add(b, d0 + 1440 + 11 * H, 30);
    const cal_minutes *both[] = {a, b};
    cal_headroom h;
    int64_t from = d0 * CAL_US_PER_MIN, to = (d0 + 3 * 1440) * CAL_US_PER_MIN;
    assert_int_equal(cal_headroom_compute(both, 2, from, to, 1000.0, &h, NULL), SIM_OK);
    assert_true(h.whole_windows);
    assert_true(h.peak == 220.0);
    /* the first window holding all three ends just after day 1 09:00 */
    assert_int_equal(h.peak_end_us, (d0 + 1440 + 9 * H + 1) * CAL_US_PER_MIN);
    assert_true(fabs(h.headroom - 0.78) < 1e-12);
    assert_true(cal_headroom_share(a, &h) == 170.0);
    assert_true(cal_headroom_share(b, &h) == 50.0);
    cal_minutes_destroy(a);
    cal_minutes_destroy(b);
}

static void a_log_shorter_than_a_day_reports_its_total(void **state)
{
    (void)state;
    cal_minutes *a = cal_minutes_create(NULL);
    cal_minutes_add(a, 5000, 7);
    cal_minutes_add(a, 5100, 8);
    const cal_minutes *one[] = {a};
    cal_headroom h;
    assert_int_equal(
        cal_headroom_compute(one, 1, 4800 * CAL_US_PER_MIN, 5400 * CAL_US_PER_MIN, 100.0, &h, NULL),
        SIM_OK);
    assert_false(h.whole_windows);
    assert_true(h.peak == 15.0);
    sim_err err;
    assert_int_equal(cal_headroom_compute(one, 1, 10, 10, 100.0, &h, &err), SIM_EINVAL);
    assert_int_equal(cal_headroom_compute(one, 1, 0, 5400 * CAL_US_PER_MIN, 0.0, &h, &err),
                     SIM_EINVAL);
    cal_minutes_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_peak_is_the_busiest_24_hours_anywhere_in_the_log),
        cmocka_unit_test(a_log_shorter_than_a_day_reports_its_total),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
