/*
 * scn_units.h - numbers with units, as people write them in a scenario.
 *
 *   duration    250ms 120s 15m 72h 3d 1w 1.5h 0s    (us ms s m|min h d w)
 *   rate        50000/day 50k/day 1.2M/day 200/h 40/s 3/min 1000/week
 *               (-> events per second)
 *   count       500 50k 1.2M 2B 1e3 1,000           (-> a plain number)
 *   percent     30% 0.5%                            (-> a fraction: 0.30)
 *   growth      12%/month 2%/week 40%/year          (-> a fraction per month,
 *               compounded: (1+g_w)^(30.4375/7)-1 for weekly figures)
 *   multiplier  3x 1.5x 0.5x                        (-> 3.0)
 *   size        2KB 250MB 1GB 512B 4KiB 1MiB        (KB = 1000 B, KiB = 1024 B)
 *   time of day 01:00 22:30 07:05:30                (-> sim_time since midnight)
 *   schedule    daily 01:00, weekdays 22:30, weekends 06:00,
 *               mon,wed,fri 02:00, every 15m, every 1h at 00:05,
 *               monthly 1st 02:00, monthly last-weekday 22:00, quarterly
 *               (monthly|quarterly [1st..31st|last|last-weekday|
 *               first-weekday] [HH:MM]; default the 1st at 00:00)
 *
 * Suffixes k, M, B (thousand, million, billion) multiply a count or a rate.
 * Units are case-insensitive except M (million) vs m (minute) where both
 * could apply: in a duration "m" is minutes; in a count or rate "M" is
 * million and "m" is refused as ambiguous. Spaces between the number and
 * the unit are allowed ("15 m", "50k / day"). A bare number where a unit is
 * required is an error whose message lists the accepted units. Every parser
 * rejects NaN, infinities, negative values, trailing garbage and values
 * beyond the type's range with SIM_EPARSE or SIM_ERANGE and a message in
 * err->msg (no position: the loader adds file:line:column); *out is left
 * unchanged on error.
 *
 * Details settled by the implementation (tests/scenarios/test_scn_units.c):
 *   - Numbers: digits with an optional fraction and exponent ("1e3",
 *     "1.5", ".5"), a leading '+', thousands commas only in groups of three
 *     after a first group of 1-3 digits ("1,000", "12,345,678"; "1,00" is an
 *     error); at most 40 significant digits. Hex, "nan", "inf" are not
 *     numbers. Any '-' is "must not be negative" (no type here allows one).
 *   - Scaling by a power of ten (%, k, M, B, KB, MB, GB, ms, s) is exact in
 *     decimal: "0.1%" is the double nearest 0.001, "1.2M" is 1200000.
 *   - A unit is always required, even for zero: "0" is not a duration.
 *   - Long forms are accepted: us/µs, sec/secs/second(s), min/mins/
 *     minute(s), hr/hrs/hour(s), day(s), wk/wks/week(s) ("15mins" is 15
 *     minutes); "15M" and "15MIN" are minutes too. Compound durations
 *     ("2h30m") are refused. Durations round to the nearest microsecond
 *     (halves away from zero), exactly for up to 19 significant digits.
 *   - Rate units: /s /sec /second /min /minute /h /hr /hour /d /day /w
 *     /week /month (30.4375 days). "/m" is refused (minute or month?).
 *   - Growth units: %/month %/mo %/week %/w %/year %/yr %/y %/day %/d; a
 *     yearly figure compounds as (1+g_y)^(1/12)-1, a daily one as
 *     (1+g_d)^30.4375-1.
 *   - Multipliers: "x", "X" or "×". Sizes: B KB MB GB KiB MiB GiB, any case
 *     ("2kb" is 2000 B: sizes are always bytes).
 *   - Times of day: H:MM, HH:MM or HH:MM:SS, from 00:00 to 23:59:59;
 *     outside that range is SIM_ERANGE.
 *   - Schedules are case-insensitive; a day list may have spaces after its
 *     commas ("mon, wed 02:00") but no day twice; "every P at HH:MM" puts
 *     the first run at HH:MM on day 0 (so the offset is under a day); a
 *     period of 0 is SIM_ERANGE; "none" is MDL_SCHEDULE_NONE.
 */
#ifndef SCN_UNITS_H
#define SCN_UNITS_H

#include <stddef.h>

#include "mdl_schedule.h"
#include "sim_err.h"
#include "sim_time.h"

int scn_parse_duration(const char *s, sim_time *out, sim_err *err);
int scn_parse_rate(const char *s, double *per_second, sim_err *err);
int scn_parse_count(const char *s, double *out, sim_err *err);
int scn_parse_percent(const char *s, double *fraction, sim_err *err);
int scn_parse_growth(const char *s, double *per_month, sim_err *err);
int scn_parse_multiplier(const char *s, double *out, sim_err *err);
int scn_parse_size(const char *s, double *bytes, sim_err *err);
int scn_parse_time_of_day(const char *s, sim_time *out, sim_err *err);
int scn_parse_schedule(const char *s, mdl_schedule *out, sim_err *err);

/* Writes the canonical text of a value, which the parser reads back to the
 * same value (for `erpsim check --print`): "250ms", "50k/day", "30%".
 *   duration    the largest of w d h m s ms us that divides it: 72h -> "3d",
 *               5400000000us -> "90m", 1500ms -> "1500ms", 0 -> "0s"
 *   rate        the unit (/s /min /h /day /week /month) and k/M/B giving the
 *               shortest text that reads back to the identical double
 *               ("50k/day", "200/h"), at worst "%.17g/s"
 *   count       k/M/B when shorter: 50000 -> "50k", 1500 -> "1500"
 *   percent, growth, multiplier   the shortest exact decimal: "30%",
 *               "12%/month", "1.5x"
 *   size        the unit giving the shortest text: "2KB", "4KiB", "512B"
 *   schedule    "daily 01:00", "weekdays 22:30", "mon,fri 02:00:30",
 *               "every 15m at 00:05", "none"
 * Round trips hold for every value the parsers can produce. Values they
 * never produce (negative, NaN, infinite, a time of day with a fraction of
 * a second or beyond a day) are still written, but do not read back.
 * The text is cut to n bytes like snprintf; n >= SCN_FORMAT_SIZE always
 * suffices. Returns buf. */
#define SCN_FORMAT_SIZE 64

char *scn_format_duration(sim_time t, char *buf, size_t n);
char *scn_format_rate(double per_second, char *buf, size_t n);
char *scn_format_count(double v, char *buf, size_t n);
char *scn_format_percent(double fraction, char *buf, size_t n);
char *scn_format_growth(double per_month, char *buf, size_t n);
char *scn_format_multiplier(double v, char *buf, size_t n);
char *scn_format_size(double bytes, char *buf, size_t n);
char *scn_format_schedule(const mdl_schedule *s, char *buf, size_t n);

#endif
