/*
 * cal_minutes.h - counts per minute over a span of days: what calibration
 * keeps of a log.
 *
 * Minutes are numbered from the Unix epoch (minute m covers [m, m+1) * 60 s
 * UTC). The counts are stored per day, in blocks of 1440 uint32 counts
 * allocated when the first row of that day arrives, so a log costs 5.6 KB
 * per day with data, whatever its number of rows, and rows may arrive in
 * any order (a day before the first one grows the span at the front).
 *
 * The span is limited to CAL_MINUTES_MAX_DAYS days (ten years): a row that
 * would stretch it further is refused, which also catches a timestamp
 * column misread by a factor of 1000.
 *
 * Checked by: tests/calib/test_cal_minutes.c.
 */
#ifndef CAL_MINUTES_H
#define CAL_MINUTES_H

#include <stdint.h>

#include "sim_err.h"

#define CAL_MINUTES_MAX_DAYS 3660

typedef struct cal_minutes cal_minutes;

cal_minutes *cal_minutes_create(sim_err *err);
void cal_minutes_destroy(cal_minutes *m); /* NULL is a no-op */

/* Adds n to the count of minute `minute`. SIM_ERANGE when the span would
 * exceed CAL_MINUTES_MAX_DAYS or a count 2^32 - 1; SIM_ENOMEM. */
int cal_minutes_add(cal_minutes *m, int64_t minute, uint32_t n);

/* The count of a minute (0 outside the span or in a day without data). */
uint32_t cal_minutes_get(const cal_minutes *m, int64_t minute);
/* Copies the counts of minutes [from, from + n) into out. */
void cal_minutes_copy(const cal_minutes *m, int64_t from, int n, uint32_t *out);

/* The first and last UTC day (epoch day numbers) with data; *first >
 * *last when there is none. */
void cal_minutes_days(const cal_minutes *m, int64_t *first, int64_t *last);
/* The sum of every count. */
uint64_t cal_minutes_total(const cal_minutes *m);

#endif
