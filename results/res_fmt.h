/*
 * res_fmt.h - numbers, durations and times of day written for people, the
 * same way in the terminal summary, the report and the chart labels.
 *
 * The functions for people write into the caller's buffer (n >= 32 always
 * suffices) and return it; NaN is written as "n/a". The two at the end
 * write numbers for machines (results.json, the CSV files) and return the
 * length written.
 */
#ifndef RES_FMT_H
#define RES_FMT_H

#include <stddef.h>

/* A count with thousands separators, rounded: 1234567.4 -> "1,234,567";
 * below 10 with one decimal when not whole: 2.5 -> "2.5". */
char *res_fmt_count(double v, char *buf, size_t n);

/* A duration in seconds in the largest fitting unit with 3 significant
 * digits: 0.0123 -> "12.3 ms", 4.2 -> "4.2 s", 300 -> "5 min",
 * 5400 -> "90 min", 259200 -> "3 d" (a unit is used from 2 of it up). */
char *res_fmt_duration(double s, char *buf, size_t n);

/* A duration and its CI half-width, each in its own unit with two digits
 * for the half-width: "3.25 s ± 210 ms", "2.92 d ± 13 min"; without the
 * "±" part when hw is NaN or 0. */
char *res_fmt_duration_ci(double s, double hw, char *buf, size_t n);

/* The unit res_fmt_duration writes a duration of about `s` seconds in,
 * for an axis of such durations: returns the seconds in one (86400, 3600,
 * 60, 1, 1e-3, 1e-6) and puts its name in words in *name ("days",
 * "hours", "minutes", "seconds", "milliseconds", "microseconds"). */
double res_fmt_duration_unit(double s, const char **name);

/* v in units of its SI prefix (k, M, G...), for a count axis written with
 * prefixes: 1,800,000 -> 1.8, 350,000 -> 350, 999 -> 999. */
double res_fmt_si_mantissa(double v);

/* A count and its half-width: "30,045 ± 146"; without "±" when hw is NaN
 * or 0. */
char *res_fmt_count_ci(double v, double hw, char *buf, size_t n);

/* A value in a metric unit, for tables of any metric: "s" as a duration,
 * "ratio" or "share" as a percentage (half-width in percentage points),
 * anything else as a count ("0.57" below 100 when not whole), each with
 * its half-width as above. */
char *res_fmt_value_ci(double v, double hw, const char *unit, char *buf, size_t n);
/* 1 when unit is a share of 1 ("ratio", "share"). */
int res_fmt_unit_is_share(const char *unit);

/* A point in simulated time, seconds from the start: "day 1 14:02" (day
 * 0 is the first day). */
char *res_fmt_clock(double s, char *buf, size_t n);

/* A share as a percentage: 0.0732 -> "7.3%". */
char *res_fmt_percent(double share, char *buf, size_t n);

/* v as jansson writes a real in results.json, byte for byte: printf's
 * "%.17g", then ".0" appended when that has neither '.' nor 'e', and the
 * exponent's '+' and leading zeros dropped ("1e+20" -> "1e20"). Values from
 * 1e-4 to 1e17 (f-style under %.17g) are formatted here exactly (the
 * digits from a 128-bit product, rounded half to even as printf does),
 * about 20 times faster than printf; the others, and when the digits carry
 * into e-style, go through snprintf. v finite; buf holds 32 bytes; returns
 * the length written (a NUL follows). */
int res_fmt_json_real(double v, char *buf);

/* v as snprintf(buf, 32, "%.*g", prec, v) writes it, byte for byte (the
 * charts' CSV data: "%.10g"): from 1e-4 to 10^prec (1 <= prec <= 17) the
 * same way as res_fmt_json_real, else snprintf. buf holds 32 bytes;
 * returns the length written (a NUL follows). */
int res_fmt_g(double v, int prec, char *buf);

#endif
