/*
 * cal_yaml.h - a group's estimates written in the scenario language: the
 * keys of a flow that calibration knows (see docs/scenarios.md, flows[]
 * and flows[].arrival):
 *
 *   volume: 2205/day                  records per day at the end of the log,
 *                                     averaged over the week (4 significant
 *                                     digits)
 *   arrival:
 *     diurnal: [0.102, 0.098, ...]    24 weights, 00:00 first, mean 1
 *     weekly: [1.21, 1.15, ...]       7 weights, Monday first, mean 1
 *     growth: 3.1%/month              compounded monthly
 *
 * each with a comment giving its 95% interval and how well it fits. A key
 * whose estimate is missing (a short log, hourly buckets ...) is left out
 * with a comment saying why. A negative growth is written as 0%/month with
 * the measured figure in the comment: the scenario language has no
 * negative growth (scenarios/scn_units.h).
 *
 * Text from the log (the group's name) reaches the YAML only inside a
 * comment, shown by the rule of sim/sim_text.h (a newline as "\n", ...),
 * so no value in a log can add a line or a key to the fragment.
 *
 * Checked by: tests/calib/test_cal_yaml.c (the fragment loads with the
 * scenario loader and gives back the estimates).
 */
#ifndef CAL_YAML_H
#define CAL_YAML_H

#include <stddef.h>

#include "cal_fit.h"

typedef enum cal_key {
    CAL_KEY_VOLUME = 0, /* flows[].volume */
    CAL_KEY_DIURNAL,    /* flows[].arrival.diurnal */
    CAL_KEY_WEEKLY,     /* flows[].arrival.weekly */
    CAL_KEY_GROWTH,     /* flows[].arrival.growth */
    CAL_NKEYS
} cal_key;

/* The key's name inside its block ("volume", "diurnal", ...). */
const char *cal_key_name(cal_key k);
/* 1 for the keys of the arrival block. */
int cal_key_in_arrival(cal_key k);

/* The value text of an estimate as the scenario reads it ("2205/day",
 * "[0.102, ...]", "3.1%/month"), or "" when it was not estimated. n >= 256
 * suffices. Returns buf. */
char *cal_yaml_value(const cal_fit *f, cal_key k, char *buf, size_t n);

/* The comment of an estimate: its interval and fit ("95% CI 2150 ..
 * 2260/day"), or why it is missing. n >= 200 suffices. */
char *cal_yaml_comment(const cal_fit *f, cal_key k, char *buf, size_t n);

/* The whole fragment: a comment header (the group, `about`: a line of
 * where the figures come from), then the keys with `indent` spaces before
 * the first level. Returns the length written (as snprintf: the text is
 * cut at n - 1 bytes; n >= 4096 suffices). */
size_t cal_yaml_fragment(const cal_fit *f, const char *group, const char *about, int indent,
                         char *buf, size_t n);

#endif
