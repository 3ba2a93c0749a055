/*
 * cal_time.h - timestamps of usage logs: parsing, calendar days, writing.
 *
 * An instant is an int64_t count of microseconds since 1970-01-01T00:00:00
 * UTC (the Unix epoch, without leap seconds, as POSIX time). Accepted text:
 *
 *   ISO 8601     2026-11-02T13:45:12.345Z   (Salesforce TIMESTAMP_DERIVED)
 *                2026-11-02 13:45:12+01:00  (a space for the T, as SQL exports)
 *                2026-11-02T13:45           (seconds optional)
 *                2026-11-02                 (a date: 00:00, for daily buckets)
 *                fraction: 1 to 9 digits (kept to the microsecond, truncated);
 *                zone: Z, +hh:mm, +hhmm, +hh, or none (then the time is a
 *                wall-clock time in the zone the caller says: --tz)
 *   epoch s      1793626512, 1793626512.345 (UTC by definition)
 *   epoch ms     1793626512345
 *
 * CAL_TFMT_AUTO tells them apart by their text: a '-' after four digits is
 * ISO 8601; digits with an optional fraction are epoch seconds below
 * 1e11 (the year 5138) and epoch milliseconds from 1e11 (March 1973) up.
 * Years must be 1970 to 9999.
 *
 * Calendar days are counted from 1970-01-01 (day 0) in the proleptic
 * Gregorian calendar (H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms", 2013: days_from_civil and civil_from_days); weekdays are 0 =
 * Monday ... 6 = Sunday, as the scenario's weekly shape.
 *
 * Checked by: tests/calib/test_cal_time.c.
 */
#ifndef CAL_TIME_H
#define CAL_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"

#define CAL_US_PER_MIN ((int64_t)60000000)
#define CAL_US_PER_DAY ((int64_t)86400000000)

typedef enum cal_tfmt {
    CAL_TFMT_AUTO = 0,
    CAL_TFMT_ISO,
    CAL_TFMT_EPOCH_S,
    CAL_TFMT_EPOCH_MS
} cal_tfmt;

/* "auto", "iso", "epoch-s", "epoch-ms": SIM_OK or SIM_EINVAL. */
int cal_tfmt_parse(const char *name, cal_tfmt *out, sim_err *err);
const char *cal_tfmt_name(cal_tfmt f);

typedef struct cal_stamp {
    int64_t us;     /* the instant; without a zone, the wall-clock time read as UTC */
    int zone;       /* the text gave its zone (Z or an offset); epoch times are UTC */
    int offset_min; /* that zone's offset, local minus UTC, in minutes */
} cal_stamp;

/* Parses one timestamp written in format fmt (AUTO: any of the above);
 * *used (may be NULL) receives the format it was read as. SIM_EPARSE with
 * a message naming the accepted forms, or SIM_ERANGE for a date or time out
 * of range (month 13, February 30, 25:00, year 1969). No position in err:
 * the caller knows the line. */
int cal_time_parse(const char *s, cal_tfmt fmt, cal_stamp *out, cal_tfmt *used, sim_err *err);

/* A UTC offset as the scenario's utc_offset key reads it ("+01:00",
 * "-05:30", "UTC"), in minutes. SIM_EPARSE / SIM_ERANGE otherwise. */
int cal_time_parse_offset(const char *s, int *minutes, sim_err *err);

/* Days from 1970-01-01 to y-m-d (negative before it). */
int64_t cal_days_from_civil(int y, int m, int d);
void cal_civil_from_days(int64_t days, int *y, int *m, int *d);
/* 0 = Monday ... 6 = Sunday. */
int cal_weekday(int64_t days);
/* floor(a / b) for b > 0, also for negative a. */
int64_t cal_floor_div(int64_t a, int64_t b);

/* "2026-11-02T13:45:12.345Z" (offset 0) or "...345+01:00": the instant us
 * as the wall-clock time at offset_min, to the millisecond (truncated).
 * n >= 32 suffices. Returns buf. */
char *cal_time_format(int64_t us, int offset_min, char *buf, size_t n);
/* "2026-11-02" for a day number. */
char *cal_date_format(int64_t day, char *buf, size_t n);
/* "+01:00", "-05:30" or "UTC". */
char *cal_offset_format(int offset_min, char *buf, size_t n);

#endif
