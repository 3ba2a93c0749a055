/*
 * test_cal_minutes.c - counts per minute in day blocks: rows in any order,
 * the span limit, copying across a day boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cal_minutes.h"

#define DAY 1440

static void counts_land_in_their_minute_whatever_the_order(void **state)
{
    (void)state;
    cal_minutes *m = cal_minutes_create(NULL);
    assert_non_null(m);
    int64_t d0 = 20394 * (int64_t)DAY; /* some day's first minute */
    assert_int_equal(cal_minutes_add(m, d0 + 600, 2), SIM_OK);
    assert_int_equal(cal_minutes_add(m, d0 - 1, 1),
                     SIM_OK); /* the day before: grows at the front */
    assert_int_equal(cal_minutes_add(m, d0 + 5 * DAY, 4), SIM_OK);
    assert_int_equal(cal_minutes_add(m, d0 + 600, 3), SIM_OK);
    assert_int_equal(cal_minutes_get(m, d0 + 600), 5);
    assert_int_equal(cal_minutes_get(m, d0 - 1), 1);
    assert_int_equal(cal_minutes_get(m, d0 + 5 * DAY), 4);
    assert_int_equal(cal_minutes_get(m, d0 + 2 * DAY), 0);  /* a day without data */
    assert_int_equal(cal_minutes_get(m, d0 - 9 * DAY), 0);  /* before the span */
    assert_int_equal(cal_minutes_get(m, d0 + 99 * DAY), 0); /* after it */
    assert_int_equal(cal_minutes_total(m), 10);
    int64_t first, last;
    cal_minutes_days(m, &first, &last);
    assert_int_equal(first, 20393);
    assert_int_equal(last, 20399);
    cal_minutes_destroy(m);
}

static void a_copy_spans_day_boundaries_and_empty_days(void **state)
{
    (void)state;
    cal_minutes *m = cal_minutes_create(NULL);
    int64_t d0 = 100 * (int64_t)DAY;
    assert_int_equal(cal_minutes_add(m, d0 + DAY - 1, 7), SIM_OK);
    assert_int_equal(cal_minutes_add(m, d0 + 2 * DAY, 9), SIM_OK);
    uint32_t out[DAY + 3];
    /* from the last minute of day 100 to the first of day 102 */
    cal_minutes_copy(m, d0 + DAY - 1, DAY + 2, out);
    assert_int_equal(out[0], 7);
    for (int i = 1; i <= DAY; i++)
        assert_int_equal(out[i], 0);
    assert_int_equal(out[DAY + 1], 9);
    cal_minutes_destroy(m);
}

static void the_span_is_limited_to_ten_years(void **state)
{
    (void)state;
    cal_minutes *m = cal_minutes_create(NULL);
    assert_int_equal(cal_minutes_add(m, 0, 1), SIM_OK);
    assert_int_equal(cal_minutes_add(m, (int64_t)(CAL_MINUTES_MAX_DAYS - 1) * DAY, 1), SIM_OK);
    assert_int_equal(cal_minutes_add(m, (int64_t)CAL_MINUTES_MAX_DAYS * DAY, 1), SIM_ERANGE);
    assert_int_equal(cal_minutes_add(m, -1, 1), SIM_ERANGE);
    assert_int_equal(cal_minutes_total(m), 2);
    cal_minutes_destroy(m);
}

static void an_empty_record_has_no_days(void **state)
{
    (void)state;
    cal_minutes *m = cal_minutes_create(NULL);
    int64_t first, last;
    cal_minutes_days(m, &first, &last);
    assert_true(first > last);
    cal_minutes_destroy(m);
    cal_minutes_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_land_in_their_minute_whatever_the_order),
        cmocka_unit_test(a_copy_spans_day_boundaries_and_empty_days),
        cmocka_unit_test(the_span_is_limited_to_ten_years),
        cmocka_unit_test(an_empty_record_has_no_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
