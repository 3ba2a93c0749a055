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
    case MDL_SCHEDULE_NONE:
    default:
        return SIM_TIME_NEVER;
    }
}
