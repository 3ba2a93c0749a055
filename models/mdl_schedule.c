/*
 * mdl_schedule.c - next start time and shortest gap of a schedule.
 *
 * Invariants and conventions:
 *   1. Day d covers [d * SIM_DAY, (d + 1) * SIM_DAY); its weekday is
 *      (first_weekday + d) mod 7, with a floored modulo so that negative
 *      times (before the run) still map to the right weekday.
 *   2. A DAYS schedule starts at d * SIM_DAY + time_of_day on every day d
 *      whose weekday bit is set; the next start is therefore at most 7 days
 *      after the day of `after`, so next() looks at no more than 8 days.
 *   3. An EVERY schedule starts at offset + k * period for k >= 0; nothing
 *      starts before offset.
 *   4. Results that would not fit an int64_t are SIM_TIME_NEVER, never a
 *      wrapped-around time.
 * All arithmetic is on integers, so a start that should coincide with an
 * event time does coincide.
 */
#include "mdl_schedule.h"

#include <stdint.h>

/* Floored division and modulo: the day of a (possibly negative) time. */
static sim_time floor_div(sim_time a, sim_time b)
{
    sim_time q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int weekday_of(sim_time day, int first_weekday)
{
    sim_time w = (day + first_weekday) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* day * SIM_DAY + tod, or SIM_TIME_NEVER when that would overflow. */
static sim_time day_start_at(sim_time day, sim_time tod)
{
    if (day > (SIM_TIME_NEVER - tod) / SIM_DAY)
        return SIM_TIME_NEVER;
    return day * SIM_DAY + tod;
}

static sim_time next_on_days(const mdl_schedule *s, sim_time after, int inclusive, int first)
{
    unsigned mask = s->days_mask & MDL_DAYS_ALL;
    if (mask == 0)
        return SIM_TIME_NEVER;
    sim_time day = floor_div(after, SIM_DAY);
    sim_time tod = after - day * SIM_DAY;
    /* Today counts only if the start is still ahead (or exactly now). */
    sim_time d = (tod < s->time_of_day || (inclusive && tod == s->time_of_day)) ? day : day + 1;
    for (int i = 0; i < 7; i++, d++) {
        if (mask & (1u << weekday_of(d, first)))
            return day_start_at(d, s->time_of_day);
    }
    return SIM_TIME_NEVER; /* unreachable: mask has a bit in 0..6 */
}

static sim_time next_every(const mdl_schedule *s, sim_time after, int inclusive)
{
    if (s->period <= 0)
        return SIM_TIME_NEVER;
    if (after < s->offset || (inclusive && after == s->offset))
        return s->offset;
    /* after >= offset here, so the difference cannot overflow. */
    sim_time k = (after - s->offset) / s->period;
    if (inclusive && (after - s->offset) % s->period == 0)
        return after;
    k += 1;
    if (k > (SIM_TIME_NEVER - s->offset) / s->period)
        return SIM_TIME_NEVER;
    return s->offset + k * s->period;
}

/* ---- the calendar (H. Hinnant, "chrono-compatible low-level date
 * algorithms": days_from_civil, civil_from_days) ---------------------------- */

int64_t mdl_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void mdl_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int mdl_weekday_of_epoch_day(int64_t days)
{
    return (int)(((days + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
}

static int days_in_month(int64_t y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return n[m - 1] + (m == 2 && leap);
}

/* The epoch day of the schedule's run in month m of year y. */
static int64_t run_day(const mdl_schedule *s, int64_t y, int m)
{
    int last = days_in_month(y, m);
    int64_t first = mdl_days_from_civil(y, m, 1);
    switch (s->month_day) {
    case MDL_MONTH_LAST:
        return first + last - 1;
    case MDL_MONTH_LAST_WEEKDAY: {
        int64_t d = first + last - 1;
        while (mdl_weekday_of_epoch_day(d) >= 5)
            d--;
        return d;
    }
    case MDL_MONTH_FIRST_WEEKDAY: {
        int64_t d = first;
        while (mdl_weekday_of_epoch_day(d) >= 5)
            d++;
        return d;
    }
    default:
        return first + (s->month_day < last ? s->month_day : last) - 1;
    }
}

static int month_selected(const mdl_schedule *s, int m)
{
    return s->month_step <= 1 || (m - 1) % s->month_step == 0;
}

static sim_time next_monthly(const mdl_schedule *s, sim_time after, int inclusive)
{
    int64_t y;
    int m, d;
    mdl_civil_from_days(s->day0 + floor_div(after, SIM_DAY), &y, &m, &d);
    for (int k = 0; k < 13; k++) { /* this month and the next twelve */
        if (month_selected(s, m)) {
            int64_t day = run_day(s, y, m) - s->day0;
            if (day <= (SIM_TIME_NEVER - s->time_of_day) / SIM_DAY &&
                day >= -(SIM_TIME_NEVER / SIM_DAY) + 1) {
                sim_time t = day * SIM_DAY + s->time_of_day;
                if (t > after || (inclusive && t == after))
                    return t;
            }
        }
        if (++m > 12) {
            m = 1;
            y++;
        }
    }
    return SIM_TIME_NEVER;
}

sim_time mdl_schedule_next(const mdl_schedule *s, sim_time after, int inclusive, int first_weekday)
{
    if (after == SIM_TIME_NEVER)
        return SIM_TIME_NEVER;
    first_weekday %= 7;
    if (first_weekday < 0)
        first_weekday += 7;
    switch (s->kind) {
    case MDL_SCHEDULE_DAYS:
        return next_on_days(s, after, inclusive, first_weekday);
    case MDL_SCHEDULE_EVERY:
        return next_every(s, after, inclusive);
    case MDL_SCHEDULE_MONTHLY:
        return next_monthly(s, after, inclusive);
    case MDL_SCHEDULE_NONE:
    default:
        return SIM_TIME_NEVER;
    }
}

/* The shortest cyclic distance, in days, between two set bits of a week
 * mask (7 when only one bit is set). */
static int min_days_between(unsigned mask)
{
    int best = 0, first = -1, prev = -1;
    for (int i = 0; i < 7; i++) {
        if (!(mask & (1u << i)))
            continue;
        if (prev >= 0 && (best == 0 || i - prev < best))
            best = i - prev;
        if (first < 0)
            first = i;
        prev = i;
    }
    int wrap = first + 7 - prev; /* from the last day to the first next week */
    return (best == 0 || wrap < best) ? wrap : best;
}

sim_time mdl_schedule_min_gap(const mdl_schedule *s)
{
    switch (s->kind) {
    case MDL_SCHEDULE_DAYS: {
        unsigned mask = s->days_mask & MDL_DAYS_ALL;
        return mask ? min_days_between(mask) * SIM_DAY : SIM_TIME_NEVER;
    }
    case MDL_SCHEDULE_EVERY:
        return s->period > 0 ? s->period : SIM_TIME_NEVER;
    case MDL_SCHEDULE_MONTHLY: {
        /* The calendar repeats every 400 years (146,097 days, a whole
         * number of weeks): the shortest gap of one cycle is the answer. */
        int64_t prev = 0, best = INT64_MAX;
        int have = 0;
        for (int64_t y = 2000; y < 2400; y++)
            for (int m = 1; m <= 12; m++) {
                if (!month_selected(s, m))
                    continue;
                int64_t day = run_day(s, y, m);
                if (have && day - prev < best)
                    best = day - prev;
                prev = day;
                have = 1;
            }
        return best * SIM_DAY;
    }
    case MDL_SCHEDULE_NONE:
    default:
        return SIM_TIME_NEVER;
    }
}
