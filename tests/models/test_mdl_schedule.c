/*
 * test_mdl_schedule.c - next start times of cron-like schedules across day
 * and week boundaries, with day 0 on weekdays other than Monday, and the
 * shortest gap between starts.
 *
 * The hand-checked cases spell out which weekday each day number is; the
 * seeded random cases compare against a reference that enumerates every
 * start day by day (or period by period), which shares no code with the
 * module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mdl_schedule.h"
#include "sim_time.h"

/* Weekday numbers and masks: 0 = Monday ... 6 = Sunday. */
enum { MON, TUE, WED, THU, FRI, SAT, SUN };
#define BIT(d) ((uint8_t)(1u << (d)))

#define AT(day, h, m) ((sim_time)(day)*SIM_DAY + (sim_time)(h)*SIM_HOUR + (sim_time)(m)*SIM_MIN)

static mdl_schedule on_days(uint8_t mask, sim_time tod)
{
    return (mdl_schedule){.kind = MDL_SCHEDULE_DAYS, .days_mask = mask, .time_of_day = tod};
}

static mdl_schedule every(sim_time period, sim_time offset)
{
    return (mdl_schedule){.kind = MDL_SCHEDULE_EVERY, .period = period, .offset = offset};
}

/* SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator for inputs. */
static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- hand-checked cases ------------------------------------------------ */

static void daily_runs_later_today_or_tomorrow(void **state)
{
    (void)state;
    mdl_schedule s = on_days(MDL_DAYS_ALL, SIM_HOUR);
    assert_int_equal(mdl_schedule_next(&s, 0, 0, MON), AT(0, 1, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(0, 1, 0), 0, MON), AT(1, 1, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(0, 1, 0), 1, MON), AT(0, 1, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(0, 1, 0) - 1, 0, MON), AT(0, 1, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(0, 23, 0), 0, MON), AT(1, 1, 0));
    /* A time before the run (day -1) still finds the day-0 start. */
    assert_int_equal(mdl_schedule_next(&s, -1, 0, MON), AT(0, 1, 0));
}

static void weekdays_skip_the_weekend_when_day_0_is_a_saturday(void **state)
{
    (void)state;
    /* Day 0 Sat, 1 Sun, 2 Mon, 3 Tue, 4 Wed, 5 Thu, 6 Fri, 7 Sat, 8 Sun, 9 Mon. */
    mdl_schedule s = on_days(MDL_DAYS_WEEKDAYS, 22 * SIM_HOUR + 30 * SIM_MIN);
    assert_int_equal(mdl_schedule_next(&s, 0, 0, SAT), AT(2, 22, 30));
    assert_int_equal(mdl_schedule_next(&s, AT(2, 22, 30), 0, SAT), AT(3, 22, 30));
    assert_int_equal(mdl_schedule_next(&s, AT(6, 22, 30), 0, SAT), AT(9, 22, 30));
    assert_int_equal(mdl_schedule_next(&s, AT(6, 23, 59), 1, SAT), AT(9, 22, 30));
    /* The same rule with day 0 a Monday: Friday is day 4, then day 7. */
    assert_int_equal(mdl_schedule_next(&s, AT(4, 23, 0), 0, MON), AT(7, 22, 30));
}

static void weekends_run_saturday_and_sunday_when_day_0_is_a_thursday(void **state)
{
    (void)state;
    /* Day 0 Thu, 1 Fri, 2 Sat, 3 Sun, ..., 9 Sat. */
    mdl_schedule s = on_days(MDL_DAYS_WEEKENDS, 6 * SIM_HOUR);
    assert_int_equal(mdl_schedule_next(&s, 0, 0, THU), AT(2, 6, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(2, 6, 0), 0, THU), AT(3, 6, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(3, 6, 0), 0, THU), AT(9, 6, 0));
}

static void a_day_list_crosses_the_week_boundary_when_day_0_is_a_sunday(void **state)
{
    (void)state;
    /* "mon,fri 02:00". Day 0 Sun, 1 Mon, 5 Fri, 8 Mon, 12 Fri. */
    mdl_schedule s = on_days(BIT(MON) | BIT(FRI), 2 * SIM_HOUR);
    assert_int_equal(mdl_schedule_next(&s, 0, 0, SUN), AT(1, 2, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(1, 2, 0), 0, SUN), AT(5, 2, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(5, 2, 0), 1, SUN), AT(5, 2, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(5, 2, 0), 0, SUN), AT(8, 2, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(8, 2, 0), 0, SUN), AT(12, 2, 0));
}

static void first_weekday_is_taken_modulo_7(void **state)
{
    (void)state;
    mdl_schedule s = on_days(BIT(MON), 0);
    /* 7 is Monday again: day 0 runs. -1 is Sunday: Monday is day 1. */
    assert_int_equal(mdl_schedule_next(&s, 0, 1, 7), 0);
    assert_int_equal(mdl_schedule_next(&s, 0, 1, -1), AT(1, 0, 0));
}

static void every_15m_at_00_05_runs_at_5_20_35_and_across_midnight(void **state)
{
    (void)state;
    mdl_schedule s = every(15 * SIM_MIN, 5 * SIM_MIN);
    assert_int_equal(mdl_schedule_next(&s, 0, 0, MON), AT(0, 0, 5));
    assert_int_equal(mdl_schedule_next(&s, 0, 1, MON), AT(0, 0, 5)); /* 0 is not a start */
    assert_int_equal(mdl_schedule_next(&s, AT(0, 0, 5), 0, MON), AT(0, 0, 20));
    assert_int_equal(mdl_schedule_next(&s, AT(0, 0, 20), 1, MON), AT(0, 0, 20));
    assert_int_equal(mdl_schedule_next(&s, AT(0, 0, 20) + 1, 0, MON), AT(0, 0, 35));
    /* Day 1 23:58 is minute 2878; starts are at 5 + 15k: k = 192 gives
     * minute 2885, day 2 00:05. */
    assert_int_equal(mdl_schedule_next(&s, AT(1, 23, 58), 0, MON), AT(2, 0, 5));
    /* The weekday of day 0 does not matter for "every". */
    assert_int_equal(mdl_schedule_next(&s, AT(1, 23, 58), 0, FRI), AT(2, 0, 5));
}

static void every_with_an_offset_beyond_the_period_starts_at_the_offset(void **state)
{
    (void)state;
    mdl_schedule s = every(SIM_HOUR, 2 * SIM_HOUR + 30 * SIM_MIN); /* every 1h at 02:30 */
    assert_int_equal(mdl_schedule_next(&s, 0, 0, MON), AT(0, 2, 30));
    assert_int_equal(mdl_schedule_next(&s, AT(0, 1, 0), 0, MON), AT(0, 2, 30));
    assert_int_equal(mdl_schedule_next(&s, AT(0, 2, 30), 0, MON), AT(0, 3, 30));
    assert_int_equal(mdl_schedule_next(&s, -SIM_DAY, 0, MON), AT(0, 2, 30));
}

static void schedules_that_never_run_return_never(void **state)
{
    (void)state;
    mdl_schedule none = {.kind = MDL_SCHEDULE_NONE};
    mdl_schedule empty = on_days(0, SIM_HOUR);
    assert_true(mdl_schedule_next(&none, 0, 0, MON) == SIM_TIME_NEVER);
    assert_true(mdl_schedule_next(&empty, 0, 1, MON) == SIM_TIME_NEVER);
    assert_true(mdl_schedule_min_gap(&none) == SIM_TIME_NEVER);
    assert_true(mdl_schedule_min_gap(&empty) == SIM_TIME_NEVER);
}

static void a_start_beyond_the_end_of_time_is_never_not_a_wrapped_time(void **state)
{
    (void)state;
    mdl_schedule hourly = every(SIM_HOUR, 0);
    mdl_schedule daily = on_days(MDL_DAYS_ALL, 23 * SIM_HOUR);
    assert_true(mdl_schedule_next(&hourly, SIM_TIME_NEVER - 1, 0, MON) == SIM_TIME_NEVER);
    assert_true(mdl_schedule_next(&daily, SIM_TIME_NEVER - 1, 0, MON) == SIM_TIME_NEVER);
    assert_true(mdl_schedule_next(&daily, SIM_TIME_NEVER, 1, MON) == SIM_TIME_NEVER);
}

static void min_gap_is_the_shortest_distance_between_starts(void **state)
{
    (void)state;
    static const struct {
        uint8_t mask;
        sim_time gap;
    } cases[] = {
        {MDL_DAYS_ALL, SIM_DAY},
        {MDL_DAYS_WEEKDAYS, SIM_DAY},
        {MDL_DAYS_WEEKENDS, SIM_DAY},                  /* Saturday to Sunday */
        {BIT(MON) | BIT(FRI), 3 * SIM_DAY},            /* Fri -> Mon beats Mon -> Fri */
        {BIT(MON) | BIT(THU), 3 * SIM_DAY},            /* Mon -> Thu */
        {BIT(TUE) | BIT(SAT), 3 * SIM_DAY},            /* Sat -> Tue */
        {BIT(MON) | BIT(WED) | BIT(FRI), 2 * SIM_DAY}, /* Mon -> Wed */
        {BIT(SUN) | BIT(MON), SIM_DAY},                /* across the week end */
        {BIT(WED), SIM_WEEK},                          /* one day a week */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mdl_schedule s = on_days(cases[i].mask, 2 * SIM_HOUR);
        assert_int_equal(mdl_schedule_min_gap(&s), cases[i].gap);
    }
    mdl_schedule s = every(15 * SIM_MIN, 5 * SIM_MIN);
    assert_int_equal(mdl_schedule_min_gap(&s), 15 * SIM_MIN);
}

/* ---- random cases against an enumerating reference --------------------- */

/* The first start > after (>= when inclusive), by walking day by day from
 * two days before `after` (days are all >= -3 here, so the weekday sum
 * below stays positive). */
static sim_time reference_days(uint8_t mask, sim_time tod, sim_time after, int inclusive, int first)
{
    for (sim_time d = after / SIM_DAY - 2;; d++) {
        sim_time start = d * SIM_DAY + tod;
        int weekday = (int)((d + 7 * 4 + first) % 7);
        int later = inclusive ? start >= after : start > after;
        if (later && (mask & (1u << weekday)))
            return start;
    }
}

static sim_time reference_every(sim_time period, sim_time offset, sim_time after, int inclusive)
{
    for (sim_time start = offset;; start += period) {
        if (inclusive ? start >= after : start > after)
            return start;
    }
}

static void day_rules_agree_with_a_day_by_day_walk(void **state)
{
    (void)state;
    uint64_t seed = 11;
    for (int i = 0; i < 20000; i++) {
        uint8_t mask = (uint8_t)(1 + splitmix(&seed) % 127);
        /* Times of day on the minute, so `after` often lands on a start. */
        sim_time tod = (sim_time)(splitmix(&seed) % 1440) * SIM_MIN;
        sim_time after = (sim_time)(splitmix(&seed) % (30 * 1440)) * SIM_MIN - SIM_DAY;
        int first = (int)(splitmix(&seed) % 7), inclusive = (int)(splitmix(&seed) % 2);
        mdl_schedule s = on_days(mask, tod);
        sim_time want = reference_days(mask, tod, after, inclusive, first);
        sim_time got = mdl_schedule_next(&s, after, inclusive, first);
        if (got != want)
            fail_msg("mask %#x tod %lld after %lld incl %d first %d: %lld, want %lld", mask,
                     (long long)tod, (long long)after, inclusive, first, (long long)got,
                     (long long)want);
    }
}

static void every_rules_agree_with_a_period_by_period_walk(void **state)
{
    (void)state;
    uint64_t seed = 12;
    for (int i = 0; i < 20000; i++) {
        sim_time period = (sim_time)(1 + splitmix(&seed) % 240) * SIM_MIN;
        sim_time offset = (sim_time)(splitmix(&seed) % 1440) * SIM_MIN;
        sim_time after = (sim_time)(splitmix(&seed) % (3 * 1440)) * SIM_MIN - SIM_HOUR;
        int inclusive = (int)(splitmix(&seed) % 2);
        mdl_schedule s = every(period, offset);
        sim_time want = reference_every(period, offset, after, inclusive);
        assert_int_equal(mdl_schedule_next(&s, after, inclusive, MON), want);
    }
}

static void min_gap_agrees_with_the_gaps_between_enumerated_starts(void **state)
{
    (void)state;
    for (unsigned mask = 1; mask < 128; mask++) {
        mdl_schedule s = on_days((uint8_t)mask, 3 * SIM_HOUR);
        sim_time prev = mdl_schedule_next(&s, 0, 1, MON), shortest = SIM_TIME_NEVER;
        for (int k = 0; k < 20; k++) { /* 20 starts span at least two weeks */
            sim_time next = mdl_schedule_next(&s, prev, 0, MON);
            if (next - prev < shortest)
                shortest = next - prev;
            prev = next;
        }
        assert_int_equal(mdl_schedule_min_gap(&s), shortest);
    }
}

/* ---- calendar schedules ------------------------------------------------ */

/* Day 0 is 2024-01-01, a Monday: epoch day 19,723 (54 years of 365 days +
 * 13 leap days 1972-2020 = 19,710 + 13). */
#define D0 19723

static mdl_schedule monthly(int day, int step, sim_time tod)
{
    return (mdl_schedule){.kind = MDL_SCHEDULE_MONTHLY,
                          .month_day = day,
                          .month_step = step,
                          .time_of_day = tod,
                          .day0 = D0};
}

static void the_calendar_converts_dates_and_weekdays(void **state)
{
    (void)state;
    assert_int_equal(mdl_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(mdl_days_from_civil(2024, 1, 1), D0);
    assert_int_equal(mdl_days_from_civil(2024, 3, 1), D0 + 31 + 29); /* 2024 is leap */
    assert_int_equal(mdl_days_from_civil(2100, 3, 1) - mdl_days_from_civil(2100, 2, 28), 1);
    int64_t y;
    int m, d;
    mdl_civil_from_days(D0 + 59, &y, &m, &d);
    assert_true(y == 2024 && m == 2 && d == 29);
    assert_int_equal(mdl_weekday_of_epoch_day(0), 3);  /* Thursday */
    assert_int_equal(mdl_weekday_of_epoch_day(D0), 0); /* Monday */
    assert_int_equal(mdl_weekday_of_epoch_day(-1), 2); /* 1969-12-31, a Wednesday */
}

/* 2024 from a Monday, January 1st:
 *   monthly 1st 02:00    Jan 1 (day 0), Feb 1 (day 31), Mar 1 (day 60: Feb
 *                        has 29 days)
 *   monthly last-weekday 22:00  Jan 31 is a Wednesday (day 30); Feb 29 a
 *                        Thursday (day 59); Mar 31 a Sunday, so Friday Mar
 *                        29 (day 88)
 *   monthly 31st 01:00   Jan 31 (day 30), then the last day of February,
 *                        the 29th (day 59), then Mar 31 (day 90)
 *   monthly first-weekday 06:00  Jan 1 Monday (day 0); Jun 1 2024 is a
 *                        Saturday: Monday Jun 3 (day 154)
 *   quarterly            Jan 1 (day 0), Apr 1 (day 91), Jul 1 (day 182)
 * A start is found from any time before it (inclusive at the very time
 * when asked). */
static void monthly_and_quarterly_schedules_follow_the_calendar(void **state)
{
    (void)state;
    mdl_schedule s = monthly(1, 1, 2 * SIM_HOUR);
    assert_int_equal(mdl_schedule_next(&s, 0, 1, MON), AT(0, 2, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(0, 2, 0), 0, MON), AT(31, 2, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(31, 2, 0), 1, MON), AT(31, 2, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(31, 2, 0), 0, MON), AT(60, 2, 0));
    s = monthly(MDL_MONTH_LAST_WEEKDAY, 1, 22 * SIM_HOUR);
    assert_int_equal(mdl_schedule_next(&s, 0, 0, MON), AT(30, 22, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(30, 22, 0), 0, MON), AT(59, 22, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(59, 22, 0), 0, MON), AT(88, 22, 0));
    s = monthly(31, 1, SIM_HOUR);
    assert_int_equal(mdl_schedule_next(&s, 0, 0, MON), AT(30, 1, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(30, 1, 0), 0, MON), AT(59, 1, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(59, 1, 0), 0, MON), AT(90, 1, 0));
    s = monthly(MDL_MONTH_FIRST_WEEKDAY, 1, 6 * SIM_HOUR);
    assert_int_equal(mdl_schedule_next(&s, 0, 1, MON), AT(0, 6, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(150, 0, 0), 0, MON), AT(154, 6, 0));
    s = monthly(1, 3, 0);
    assert_int_equal(mdl_schedule_next(&s, 0, 1, MON), AT(0, 0, 0));
    assert_int_equal(mdl_schedule_next(&s, 0, 0, MON), AT(91, 0, 0));
    assert_int_equal(mdl_schedule_next(&s, AT(91, 0, 0), 0, MON), AT(182, 0, 0));
    /* Before day 0 (December 2023): the 1st of January still comes next. */
    s = monthly(1, 1, 0);
    assert_int_equal(mdl_schedule_next(&s, -5 * SIM_DAY, 0, MON), 0);
    /* The shortest gaps over the 400-year cycle: 28 days (February) for the
     * 1st, the last day and the last weekday; a quarter of 90 days (Jan-Mar
     * of a common year) for the 1st, 87 for the last weekday (Tuesday
     * 2006-01-31 to Friday 2006-04-28: April 29-30 are a weekend). */
    assert_int_equal(mdl_schedule_min_gap(&(mdl_schedule){
                         .kind = MDL_SCHEDULE_MONTHLY, .month_day = 1, .month_step = 1}),
                     28 * SIM_DAY);
    s = monthly(MDL_MONTH_LAST_WEEKDAY, 1, 0);
    assert_int_equal(mdl_schedule_min_gap(&s), 28 * SIM_DAY);
    s = monthly(1, 3, 0);
    assert_int_equal(mdl_schedule_min_gap(&s), 90 * SIM_DAY);
    s = monthly(MDL_MONTH_LAST_WEEKDAY, 3, 0);
    assert_int_equal(mdl_schedule_min_gap(&s), 87 * SIM_DAY);
}

/* A walk day by day over 3 years from day 0: every start of "monthly
 * last-weekday" is the last day of its month that is not a Saturday or
 * Sunday, and every such day has a start. */
static void last_weekday_agrees_with_a_day_by_day_walk(void **state)
{
    (void)state;
    mdl_schedule s = monthly(MDL_MONTH_LAST_WEEKDAY, 1, 22 * SIM_HOUR);
    sim_time t = mdl_schedule_next(&s, 0, 1, MON);
    for (int64_t day = 0; day < 3 * 366; day++) {
        int64_t y, y2;
        int m, d, m2, d2;
        mdl_civil_from_days(D0 + day, &y, &m, &d);
        int wd = mdl_weekday_of_epoch_day(D0 + day);
        int is_last_weekday = wd < 5;
        for (int64_t k = day + 1; is_last_weekday; k++) { /* a later weekday in the month? */
            mdl_civil_from_days(D0 + k, &y2, &m2, &d2);
            if (m2 != m)
                break;
            if (mdl_weekday_of_epoch_day(D0 + k) < 5)
                is_last_weekday = 0;
        }
        if (is_last_weekday) {
            assert_int_equal(t, AT(day, 22, 0));
            t = mdl_schedule_next(&s, t, 0, MON);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(daily_runs_later_today_or_tomorrow),
        cmocka_unit_test(weekdays_skip_the_weekend_when_day_0_is_a_saturday),
        cmocka_unit_test(weekends_run_saturday_and_sunday_when_day_0_is_a_thursday),
        cmocka_unit_test(a_day_list_crosses_the_week_boundary_when_day_0_is_a_sunday),
        cmocka_unit_test(first_weekday_is_taken_modulo_7),
        cmocka_unit_test(every_15m_at_00_05_runs_at_5_20_35_and_across_midnight),
        cmocka_unit_test(every_with_an_offset_beyond_the_period_starts_at_the_offset),
        cmocka_unit_test(schedules_that_never_run_return_never),
        cmocka_unit_test(a_start_beyond_the_end_of_time_is_never_not_a_wrapped_time),
        cmocka_unit_test(min_gap_is_the_shortest_distance_between_starts),
        cmocka_unit_test(day_rules_agree_with_a_day_by_day_walk),
        cmocka_unit_test(every_rules_agree_with_a_period_by_period_walk),
        cmocka_unit_test(min_gap_agrees_with_the_gaps_between_enumerated_starts),
        cmocka_unit_test(the_calendar_converts_dates_and_weekdays),
        cmocka_unit_test(monthly_and_quarterly_schedules_follow_the_calendar),
        cmocka_unit_test(last_weekday_agrees_with_a_day_by_day_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
