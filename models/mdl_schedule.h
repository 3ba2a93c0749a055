/*
 * mdl_schedule.h - when a scheduled job (batch, file import, reconciliation)
 * starts: cron-like rules as users write them.
 *
 *   "daily 01:00"       every day at 01:00
 *   "weekdays 22:30"    Monday to Friday at 22:30
 *   "weekends 06:00"    Saturday and Sunday at 06:00
 *   "mon,wed,fri 02:00" the listed days at 02:00
 *   "every 15m"         every period, starting at offset (default 0) from time 0
 *   "monthly 1st 02:00" on a day of every month: 1st .. 31st (a shorter
 *                       month runs on its last day), last, last-weekday (the
 *                       last Monday-Friday), first-weekday
 *   "quarterly last-weekday 22:00"  the same in January, April, July and
 *                       October (the first month of each quarter; "quarterly"
 *                       alone is the 1st at 00:00)
 *
 * Simulated time 0 is midnight at the start of day 0 in the scenario's local
 * time zone, and day 0 is the weekday given by the scenario (default Monday).
 * Times of day are local; the scenario's UTC offset only matters for output.
 * Monthly schedules need the calendar date of day 0: day0, the days from
 * 1970-01-01 to it (the loader sets it from the scenario's start_date).
 * Holidays are not modelled: "last-weekday" is the last Monday to Friday.
 */
#ifndef MDL_SCHEDULE_H
#define MDL_SCHEDULE_H

#include <stdint.h>

#include "sim_time.h"

typedef enum mdl_schedule_kind {
    MDL_SCHEDULE_NONE = 0, /* never runs on its own */
    MDL_SCHEDULE_DAYS,     /* at time_of_day on the weekdays in days_mask */
    MDL_SCHEDULE_EVERY,    /* every period, first at offset */
    MDL_SCHEDULE_MONTHLY   /* on month_day of every month_step-th month */
} mdl_schedule_kind;

/* month_day values besides 1..31. */
#define MDL_MONTH_LAST          (-1) /* the last day */
#define MDL_MONTH_LAST_WEEKDAY  (-2) /* the last Monday to Friday */
#define MDL_MONTH_FIRST_WEEKDAY (-3) /* the first Monday to Friday */

/* Bit i of days_mask is weekday i, 0 = Monday ... 6 = Sunday. */
#define MDL_DAYS_ALL      0x7f
#define MDL_DAYS_WEEKDAYS 0x1f
#define MDL_DAYS_WEEKENDS 0x60

typedef struct mdl_schedule {
    mdl_schedule_kind kind;
    uint8_t days_mask;    /* DAYS */
    sim_time time_of_day; /* DAYS: 0 <= t < SIM_DAY */
    sim_time period;      /* EVERY: > 0 */
    sim_time offset;      /* EVERY: first run, 0 <= offset */
    int month_day;        /* MONTHLY: 1..31 or MDL_MONTH_* (time_of_day applies) */
    int month_step;       /* MONTHLY: 1 every month, 3 the first month of each quarter */
    int64_t day0;         /* MONTHLY: days from 1970-01-01 to simulated day 0 (the
                             calendar, not part of the rule: set by the loader) */
} mdl_schedule;

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), and back; the
 * weekday of an epoch day, 0 = Monday. */
int64_t mdl_days_from_civil(int64_t y, int m, int d);
void mdl_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int mdl_weekday_of_epoch_day(int64_t days);

/* The first start time strictly after `after` (or at `after` when
 * inclusive is non-zero). first_weekday is the weekday of day 0 (0 =
 * Monday; taken modulo 7). SIM_TIME_NEVER for MDL_SCHEDULE_NONE, for an
 * empty days_mask, and when the next start would not fit a sim_time. */
sim_time mdl_schedule_next(const mdl_schedule *s, sim_time after, int inclusive, int first_weekday);

/* The shortest gap between two consecutive starts (a day for "daily", the
 * period for "every", 3 days for "mon,fri", a week for a single weekday;
 * monthly: over a 400-year cycle of the calendar: 28 days for the 1st, the
 * last day or the last weekday; quarterly 90 days for the 1st, 87 for the
 * last weekday); for checking that a
 * window fits between runs. SIM_TIME_NEVER when the schedule never starts
 * (NONE, empty days_mask). */
sim_time mdl_schedule_min_gap(const mdl_schedule *s);

#endif
