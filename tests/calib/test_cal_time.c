/*
 * test_cal_time.c - timestamps: ISO 8601 with and without zones, epoch
 * seconds and milliseconds, format detection, calendar arithmetic and the
 * writer. Calendar days are checked against an independent year-by-year
 * sum and month lengths counted by hand; weekdays against dates read off a
 * calendar (1970-01-01 a Thursday, 2024-01-01 and 2026-11-02 Mondays).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cal_time.h"

/* Days from 1970-01-01 to y-01-01, summed year by year: an independent
 * check of days_from_civil. */
static int64_t days_to_year(int y)
{
    int64_t n = 0;
    for (int k = 1970; k < y; k++)
        n += ((k % 4 == 0 && k % 100 != 0) || k % 400 == 0) ? 366 : 365;
    return n;
}

static void calendar_days_match_a_year_by_year_count(void **state)
{
    (void)state;
    assert_int_equal(cal_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(cal_days_from_civil(2026, 1, 1), days_to_year(2026));
    /* 2026 is not a leap year: Jan 31 + Feb 28 + ... + Oct 31 = 304 days to Nov 1 */
    assert_int_equal(cal_days_from_civil(2026, 11, 2), days_to_year(2026) + 305);
    assert_int_equal(cal_days_from_civil(2024, 3, 1), days_to_year(2024) + 31 + 29);
    assert_int_equal(cal_days_from_civil(2100, 3, 1), days_to_year(2100) + 31 + 28);
    for (int64_t d = -800; d < 200000; d += 37) {
        int y, m, dd;
        cal_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(cal_days_from_civil(y, m, dd), d);
    }
}

static void weekdays_count_from_a_thursday(void **state)
{
    (void)state;
    assert_int_equal(cal_weekday(0), 3);                               /* 1970-01-01 Thursday */
    assert_int_equal(cal_weekday(cal_days_from_civil(2024, 1, 1)), 0); /* a Monday */
    assert_int_equal(cal_weekday(cal_days_from_civil(2026, 11, 2)), 0);
    assert_int_equal(cal_weekday(cal_days_from_civil(2026, 11, 8)), 6); /* Sunday */
    assert_int_equal(cal_weekday(-1), 2);
    assert_int_equal(cal_floor_div(-1, 7), -1);
    assert_int_equal(cal_floor_div(-7, 7), -1);
    assert_int_equal(cal_floor_div(13, 7), 1);
}

static int64_t at(int y, int m, int d, int h, int mi, int s)
{
    return (cal_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s) * 1000000LL;
}

static void iso_timestamps_with_zones_give_the_utc_instant(void **state)
{
    (void)state;
    cal_stamp st;
    cal_tfmt used;
    sim_err err;
    assert_int_equal(cal_time_parse("2026-11-02T13:45:12.345Z", CAL_TFMT_AUTO, &st, &used, &err),
                     SIM_OK);
    assert_int_equal(used, CAL_TFMT_ISO);
    assert_int_equal(st.us, at(2026, 11, 2, 13, 45, 12) + 345000);
    assert_true(st.zone);
    assert_int_equal(st.offset_min, 0);
    /* 13:45 at +01:00 is 12:45 UTC */
    assert_int_equal(cal_time_parse("2026-11-02 13:45:12+01:00", CAL_TFMT_ISO, &st, NULL, &err),
                     SIM_OK);
    assert_int_equal(st.us, at(2026, 11, 2, 12, 45, 12));
    assert_int_equal(st.offset_min, 60);
    assert_int_equal(cal_time_parse("2026-11-02T00:10-0530", CAL_TFMT_ISO, &st, NULL, &err),
                     SIM_OK);
    assert_int_equal(st.us, at(2026, 11, 2, 5, 40, 0));
    assert_int_equal(st.offset_min, -330);
    assert_int_equal(
        cal_time_parse("2026-11-02T01:00:00.1234567+02", CAL_TFMT_ISO, &st, NULL, &err), SIM_OK);
    assert_int_equal(st.us, at(2026, 11, 1, 23, 0, 0) + 123456); /* truncated to the us */
}

static void iso_timestamps_without_a_zone_and_dates_are_wall_clock_times(void **state)
{
    (void)state;
    cal_stamp st;
    sim_err err;
    assert_int_equal(cal_time_parse("2026-11-02T08:30", CAL_TFMT_AUTO, &st, NULL, &err), SIM_OK);
    assert_false(st.zone);
    assert_int_equal(st.us, at(2026, 11, 2, 8, 30, 0));
    assert_int_equal(cal_time_parse("2026-11-02", CAL_TFMT_AUTO, &st, NULL, &err), SIM_OK);
    assert_int_equal(st.us, at(2026, 11, 2, 0, 0, 0));
}

static void epoch_seconds_and_milliseconds_are_told_apart_by_size(void **state)
{
    (void)state;
    cal_stamp st;
    cal_tfmt used;
    sim_err err;
    int64_t t = at(2026, 11, 2, 13, 45, 12);
    char text[64];
    snprintf(text, sizeof text, "%lld", (long long)(t / 1000000));
    assert_int_equal(cal_time_parse(text, CAL_TFMT_AUTO, &st, &used, &err), SIM_OK);
    assert_int_equal(used, CAL_TFMT_EPOCH_S);
    assert_int_equal(st.us, t);
    snprintf(text, sizeof text, "%lld.25", (long long)(t / 1000000));
    assert_int_equal(cal_time_parse(text, CAL_TFMT_AUTO, &st, &used, &err), SIM_OK);
    assert_int_equal(st.us, t + 250000);
    snprintf(text, sizeof text, "%lld", (long long)(t / 1000 + 345));
    assert_int_equal(cal_time_parse(text, CAL_TFMT_AUTO, &st, &used, &err), SIM_OK);
    assert_int_equal(used, CAL_TFMT_EPOCH_MS);
    assert_int_equal(st.us, t + 345000);
    /* 1e11 s would be the year 5138: from there on, milliseconds */
    assert_int_equal(cal_time_parse("99999999999", CAL_TFMT_AUTO, &st, &used, &err), SIM_OK);
    assert_int_equal(used, CAL_TFMT_EPOCH_S);
    assert_int_equal(cal_time_parse("100000000000", CAL_TFMT_AUTO, &st, &used, &err), SIM_OK);
    assert_int_equal(used, CAL_TFMT_EPOCH_MS);
    /* a forced format reads the same digits in its unit */
    assert_int_equal(cal_time_parse("1500", CAL_TFMT_EPOCH_MS, &st, NULL, &err), SIM_OK);
    assert_int_equal(st.us, 1500000);
}

static void bad_timestamps_are_refused_with_what_is_accepted(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "yesterday",
        "2026-11-02T",
        "2026-11-02T13",
        "2026-11-02T13:45:12.",
        "2026-11-02Tx",
        "2026-11-02T13:45:12Zjunk",
        "12.5.3",
        "-1500",
        "2026/11/02",
        "1e9",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cal_stamp st;
        sim_err err;
        int rc = cal_time_parse(bad[i], CAL_TFMT_AUTO, &st, NULL, &err);
        if (rc != SIM_EPARSE)
            fail_msg("'%s' gave %d, not SIM_EPARSE", bad[i], rc);
        assert_non_null(strstr(err.msg, "ISO 8601"));
    }
    static const char *const out_of_range[] = {
        "2026-13-01",
        "2026-02-29",
        "2024-02-30",
        "2026-11-02T24:00",
        "2026-11-02T10:60",
        "1969-12-31T23:00Z",
        "2026-11-02T10:00+15:00",
        "99999999999999999",
    };
    for (size_t i = 0; i < sizeof out_of_range / sizeof *out_of_range; i++) {
        cal_stamp st;
        sim_err err;
        int rc = cal_time_parse(out_of_range[i], CAL_TFMT_AUTO, &st, NULL, &err);
        if (rc != SIM_ERANGE)
            fail_msg("'%s' gave %d, not SIM_ERANGE", out_of_range[i], rc);
    }
    cal_stamp st;
    assert_int_equal(cal_time_parse("2024-02-29", CAL_TFMT_AUTO, &st, NULL, NULL), SIM_OK);
    assert_int_equal(cal_time_parse("2026-11-02", CAL_TFMT_EPOCH_S, &st, NULL, NULL), SIM_EPARSE);
}

static void offsets_read_like_the_scenario_utc_offset(void **state)
{
    (void)state;
    int m;
    sim_err err;
    assert_int_equal(cal_time_parse_offset("+01:00", &m, &err), SIM_OK);
    assert_int_equal(m, 60);
    assert_int_equal(cal_time_parse_offset("-05:30", &m, &err), SIM_OK);
    assert_int_equal(m, -330);
    assert_int_equal(cal_time_parse_offset("UTC", &m, &err), SIM_OK);
    assert_int_equal(m, 0);
    assert_int_not_equal(cal_time_parse_offset("CET", &m, &err), SIM_OK);
}

static void the_writer_reads_back_to_the_millisecond(void **state)
{
    (void)state;
    char buf[64];
    int64_t t = at(2026, 11, 2, 13, 45, 12) + 345678;
    assert_string_equal(cal_time_format(t, 0, buf, sizeof buf), "2026-11-02T13:45:12.345Z");
    assert_string_equal(cal_time_format(t, 60, buf, sizeof buf), "2026-11-02T14:45:12.345+01:00");
    assert_string_equal(cal_time_format(at(2026, 11, 2, 2, 0, 0), -330, buf, sizeof buf),
                        "2026-11-01T20:30:00.000-05:30");
    cal_stamp st;
    assert_int_equal(
        cal_time_parse(cal_time_format(t, -330, buf, sizeof buf), CAL_TFMT_AUTO, &st, NULL, NULL),
        SIM_OK);
    assert_int_equal(st.us, t - 678);
    assert_string_equal(cal_date_format(cal_days_from_civil(2026, 11, 2), buf, sizeof buf),
                        "2026-11-02");
    assert_string_equal(cal_offset_format(0, buf, sizeof buf), "UTC");
    assert_string_equal(cal_offset_format(-90, buf, sizeof buf), "-01:30");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(calendar_days_match_a_year_by_year_count),
        cmocka_unit_test(weekdays_count_from_a_thursday),
        cmocka_unit_test(iso_timestamps_with_zones_give_the_utc_instant),
        cmocka_unit_test(iso_timestamps_without_a_zone_and_dates_are_wall_clock_times),
        cmocka_unit_test(epoch_seconds_and_milliseconds_are_told_apart_by_size),
        cmocka_unit_test(bad_timestamps_are_refused_with_what_is_accepted),
        cmocka_unit_test(offsets_read_like_the_scenario_utc_offset),
        cmocka_unit_test(the_writer_reads_back_to_the_millisecond),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
