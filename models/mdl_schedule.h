/*
 * mdl_schedule.h - when a scheduled job (batch, file import, reconciliation)
 * starts: cron-like rules as users write them.
 *
 *   "daily 01:00"       every day at 01:00
 *   "weekdays 22:30"    Monday to Friday at 22:30
 *   "weekends 06:00"    Saturday and Sunday at 06:00
 *   "mon,wed,fri 02:00" the listed days at 02:00
 *   "every 15m"         every period, starting at offset (default 0) from time 0
 *
 * Simulated time 0 is midnight at the start of day 0 in the scenario's local
 * time zone, and day 0 is the weekday given by the scenario (default Monday).
 * Times of day are local; the scenario's UTC offset only matters for output.
 */
#ifndef MDL_SCHEDULE_H
#define MDL_SCHEDULE_H

#include <stdint.h>

#include "sim_time.h"

typedef enum mdl_schedule_kind {
    MDL_SCHEDULE_NONE = 0, /* never runs on its own */
    MDL_SCHEDULE_DAYS,     /* at time_of_day on the weekdays in days_mask */
    MDL_SCHEDULE_EVERY     /* every period, first at offset */
} mdl_schedule_kind;

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
} mdl_schedule;

/* The first start time strictly after `after` (or at `after` when
 * inclusive is non-zero). first_weekday is the weekday of day 0 (0 =
 * Monday; taken modulo 7). SIM_TIME_NEVER for MDL_SCHEDULE_NONE, for an
 * empty days_mask, and when the next start would not fit a sim_time. */
sim_time mdl_schedule_next(const mdl_schedule *s, sim_time after, int inclusive, int first_weekday);

/* The shortest gap between two consecutive starts (a day for "daily", the
 * period for "every", 3 days for "mon,fri", a week for a single weekday);
 * for checking that a window fits between runs. SIM_TIME_NEVER when the
 * schedule never starts (NONE, empty days_mask). */
sim_time mdl_schedule_min_gap(const mdl_schedule *s);

#endif
