/*
 * test_scn_units.c - numbers with units as people write them in scenarios:
 * a table of inputs with the expected value or the exact error message,
 * canonical formatting of hand-picked values, and round trips (format, then
 * parse) on tables and on seeded random values.
 *
 * Expected values are written as the arithmetic a person would do
 * (50000.0 / 86400.0 for "50000/day"). Values that the parser gets by pure
 * decimal scaling ("0.5%", "1.2M", "250ms") are compared exactly; values
 * that involve a division or a power (rates, compounded growth) are
 * compared within a relative 1e-14 plus 1e-16 absolute, because the hand
 * formula may round differently from the parser by a few ulps (1 ulp is
 * 1.1e-16 relative; pow(1+g, k) - 1 for g near 0.3% loses up to 7e-14 of
 * it to the subtraction). Round trips are exact by contract: the same
 * double, the same sim_time.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_schedule.h"
#include "scn_units.h"
#include "sim_err.h"
#include "sim_time.h"

/* ---- helpers ----------------------------------------------------------- */

/* SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator for inputs. */
static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A uniform double in [0, 1). */
static double uniform(uint64_t *s)
{
    return (double)(splitmix(s) >> 11) * 0x1.0p-53;
}

/* Any finite double >= 0, from its bit pattern. */
static double any_double(uint64_t *s)
{
    for (;;) {
        uint64_t bits = splitmix(s) & ~(1ull << 63);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isfinite(v))
            return v;
    }
}

/* A value spread evenly over decades 10^lo .. 10^hi. */
static double log_uniform(uint64_t *s, double lo, double hi)
{
    return pow(10.0, lo + (hi - lo) * uniform(s));
}

/* 1000 years, the largest duration: SIM_TIME_LIMIT_S in microseconds. */
#define LIMIT_US ((sim_time)31557600000 * SIM_SEC)
#define MONTH_S  (30.4375 * 86400.0)

/* ---- the input table --------------------------------------------------- */

typedef enum kind { DUR, RATE, COUNT, PCT, GROWTH, MULT, SIZE, TOD } kind;

typedef struct row {
    kind k;
    const char *in;
    int rc;          /* expected status */
    double v;        /* expected value (double kinds) */
    sim_time t;      /* expected value (DUR, TOD) */
    int exact;       /* compare v exactly (pure decimal scaling) */
    const char *msg; /* expected err.msg when rc != SIM_OK */
} row;

#define OK_T(k, in, t)                                                                             \
    {                                                                                              \
        k, in, SIM_OK, 0.0, t, 1, NULL                                                             \
    }
#define OK_X(k, in, v)                                                                             \
    {                                                                                              \
        k, in, SIM_OK, v, 0, 1, NULL                                                               \
    }
#define OK_V(k, in, v)                                                                             \
    {                                                                                              \
        k, in, SIM_OK, v, 0, 0, NULL                                                               \
    }
#define BAD(k, in, rc, m)                                                                          \
    {                                                                                              \
        k, in, rc, 0.0, 0, 0, m                                                                    \
    }

#define E_DUR  "expected a duration with a unit (us, ms, s, m, h, d, w), got "
#define E_RATE "expected a rate with a unit (/s, /min, /h, /day, /week), got "
#define E_CNT  "expected a count like '500', '50k' or '1.2M', got "
#define E_PCT  "expected a percentage like '30%', got "
#define E_GRO  "expected a growth rate like '12%/month', got "
#define E_MUL  "expected a multiplier like '3x', got "
#define E_SIZE "expected a size with a unit (B, KB, MB, GB, KiB, MiB, GiB), got "
#define E_TOD  "expected a time of day like '01:00' or '22:30:15', got "

static const row rows[] = {
    /* durations: the units, spaces, case, long forms */
    OK_T(DUR, "250ms", 250 * SIM_MS),
    OK_T(DUR, "120s", 120 * SIM_SEC),
    OK_T(DUR, "15m", 15 * SIM_MIN),
    OK_T(DUR, "72h", 72 * SIM_HOUR),
    OK_T(DUR, "3d", 3 * SIM_DAY),
    OK_T(DUR, "1w", SIM_WEEK),
    OK_T(DUR, "1.5h", 90 * SIM_MIN),
    OK_T(DUR, "0s", 0),
    OK_T(DUR, "0.1s", 100 * SIM_MS),
    OK_T(DUR, ".5s", 500 * SIM_MS),
    OK_T(DUR, "15 m", 15 * SIM_MIN),
    OK_T(DUR, "  15m\t", 15 * SIM_MIN),
    OK_T(DUR, "15M", 15 * SIM_MIN), /* m or M: minutes in a duration */
    OK_T(DUR, "15MIN", 15 * SIM_MIN),
    OK_T(DUR, "15mins", 15 * SIM_MIN),
    OK_T(DUR, "15 minutes", 15 * SIM_MIN),
    OK_T(DUR, "2 hours", 2 * SIM_HOUR),
    OK_T(DUR, "2hrs", 2 * SIM_HOUR),
    OK_T(DUR, "30 seconds", 30 * SIM_SEC),
    OK_T(DUR, "30sec", 30 * SIM_SEC),
    OK_T(DUR, "1day", SIM_DAY),
    OK_T(DUR, "2 weeks", 2 * SIM_WEEK),
    OK_T(DUR, "15MS", 15 * SIM_MS),
    OK_T(DUR, "7us", 7),
    OK_T(DUR, "3\xc2\xb5s", 3),
    OK_T(DUR, "1e3s", 1000 * SIM_SEC),
    OK_T(DUR, "1E3MS", SIM_SEC),
    OK_T(DUR, "2.5e-3s", 2500),
    OK_T(DUR, "1,000ms", SIM_SEC),
    OK_T(DUR, "+5s", 5 * SIM_SEC),
    OK_T(DUR, "1.5us", 2), /* halves round away from zero */
    OK_T(DUR, "0.5us", 1),
    OK_T(DUR, "0.4us", 0),
    OK_T(DUR, "1e-400s", 0), /* underflows to zero, which is in range */
    OK_T(DUR, "52178w", 52178 * SIM_WEEK),
    OK_T(DUR, "31557600000s", LIMIT_US),               /* exactly 1000 years */
    OK_T(DUR, "9007199254740993us", 9007199254740993), /* 2^53 + 1: exact */
    /* durations: errors */
    BAD(DUR, "120", SIM_EPARSE, E_DUR "'120'"),
    BAD(DUR, "", SIM_EPARSE, E_DUR "''"),
    BAD(DUR, "   ", SIM_EPARSE, E_DUR "''"),
    BAD(DUR, "nan", SIM_EPARSE, E_DUR "'nan'"),
    BAD(DUR, "inf", SIM_EPARSE, E_DUR "'inf'"),
    BAD(DUR, "infs", SIM_EPARSE, E_DUR "'infs'"),
    BAD(DUR, "-5s", SIM_EPARSE, "duration must not be negative, got '-5s'"),
    BAD(DUR, "-0s", SIM_EPARSE, "duration must not be negative, got '-0s'"),
    BAD(DUR, "1e400s", SIM_ERANGE, "duration out of range (at most 1000 years), got '1e400s'"),
    BAD(DUR, "52179w", SIM_ERANGE, "duration out of range (at most 1000 years), got '52179w'"),
    BAD(DUR, "31557600000.000001s", SIM_ERANGE,
        "duration out of range (at most 1000 years), got '31557600000.000001s'"),
    BAD(DUR, "99999999999999999999999d", SIM_ERANGE,
        "duration out of range (at most 1000 years), got '99999999999999999999999d'"),
    BAD(DUR, "1,00s", SIM_EPARSE, "misplaced thousands separator in '1,00s' (write 1,000 or 1000)"),
    BAD(DUR, "0x10s", SIM_EPARSE, E_DUR "'0x10s'"),
    BAD(DUR, "0x1p3s", SIM_EPARSE, E_DUR "'0x1p3s'"),
    BAD(DUR, "15mn", SIM_EPARSE, E_DUR "'15mn'"),
    BAD(DUR, "2h30m", SIM_EPARSE, E_DUR "'2h30m'"),
    BAD(DUR, "15 m in", SIM_EPARSE, E_DUR "'15 m in'"),
    BAD(DUR, "5.s", SIM_EPARSE, E_DUR "'5.s'"),
    BAD(DUR, "1000y", SIM_EPARSE, E_DUR "'1000y'"),
    BAD(DUR, "s", SIM_EPARSE, E_DUR "'s'"),
    BAD(DUR, "12345678901234567890123456789012345678901s", SIM_EPARSE,
        "too many digits in '12345678901234567890123456789012345678901s'"),
    /* rates */
    OK_V(RATE, "50000/day", 50000.0 / 86400.0),
    OK_V(RATE, "50k/day", 50000.0 / 86400.0),
    OK_V(RATE, "1.2M/day", 1200000.0 / 86400.0),
    OK_V(RATE, "200/h", 200.0 / 3600.0),
    OK_V(RATE, "40/s", 40.0),
    OK_V(RATE, "3/min", 3.0 / 60.0),
    OK_V(RATE, "1000/week", 1000.0 / 604800.0),
    OK_V(RATE, "1e3/day", 1000.0 / 86400.0),
    OK_V(RATE, " 50k / day ", 50000.0 / 86400.0),
    OK_V(RATE, "50 K/Day", 50000.0 / 86400.0),
    OK_V(RATE, "12/month", 12.0 / MONTH_S),
    OK_V(RATE, "2B/day", 2e9 / 86400.0),
    OK_V(RATE, "5k/hr", 5000.0 / 3600.0),
    OK_V(RATE, "10/second", 10.0),
    OK_V(RATE, "7/d", 7.0 / 86400.0),
    OK_V(RATE, "1/w", 1.0 / 604800.0),
    OK_V(RATE, "0/s", 0.0),
    BAD(RATE, "500", SIM_EPARSE, E_RATE "'500'"),
    BAD(RATE, "50k", SIM_EPARSE, E_RATE "'50k'"),
    BAD(RATE, "50m/day", SIM_EPARSE, "ambiguous 'm' in rate '50m/day': write M for million"),
    BAD(RATE, "1/m", SIM_EPARSE, E_RATE "'1/m'"),
    BAD(RATE, "-1/s", SIM_EPARSE, "rate must not be negative, got '-1/s'"),
    BAD(RATE, "1e400/s", SIM_ERANGE, "rate out of range, got '1e400/s'"),
    BAD(RATE, "1/15m", SIM_EPARSE, E_RATE "'1/15m'"),
    BAD(RATE, "50 per day", SIM_EPARSE, E_RATE "'50 per day'"),
    BAD(RATE, "nan/s", SIM_EPARSE, E_RATE "'nan/s'"),
    /* counts */
    OK_X(COUNT, "500", 500.0),
    OK_X(COUNT, "50k", 50000.0),
    OK_X(COUNT, "1.2M", 1200000.0),
    OK_X(COUNT, "2B", 2e9),
    OK_X(COUNT, "2b", 2e9),
    OK_X(COUNT, "3K", 3000.0),
    OK_X(COUNT, "1e3", 1000.0),
    OK_X(COUNT, "1,000", 1000.0),
    OK_X(COUNT, "12,345,678", 12345678.0),
    OK_X(COUNT, "1,000.5", 1000.5),
    OK_X(COUNT, "+5", 5.0),
    OK_X(COUNT, "0", 0.0),
    OK_X(COUNT, "0.1", 0.1),
    OK_X(COUNT, "1.5 k", 1500.0),
    BAD(COUNT, "50m", SIM_EPARSE, "ambiguous 'm' in count '50m': write M for million"),
    BAD(COUNT, "1234,567", SIM_EPARSE,
        "misplaced thousands separator in '1234,567' (write 1,000 or 1000)"),
    BAD(COUNT, "1,000,00", SIM_EPARSE,
        "misplaced thousands separator in '1,000,00' (write 1,000 or 1000)"),
    BAD(COUNT, "1,5", SIM_EPARSE, "misplaced thousands separator in '1,5' (write 1,000 or 1000)"),
    BAD(COUNT, "1e400", SIM_ERANGE, "count out of range, got '1e400'"),
    BAD(COUNT, "1e308k", SIM_ERANGE, "count out of range, got '1e308k'"),
    BAD(COUNT, "-5", SIM_EPARSE, "count must not be negative, got '-5'"),
    BAD(COUNT, "abc", SIM_EPARSE, E_CNT "'abc'"),
    BAD(COUNT, "1 000", SIM_EPARSE, E_CNT "'1 000'"),
    BAD(COUNT, "5kk", SIM_EPARSE, E_CNT "'5kk'"),
    BAD(COUNT, "0x1A", SIM_EPARSE, E_CNT "'0x1A'"),
    /* percentages */
    OK_X(PCT, "30%", 0.30),
    OK_X(PCT, "0.5%", 0.005),
    OK_X(PCT, "30 %", 0.30),
    OK_X(PCT, "150%", 1.5),
    OK_X(PCT, "0%", 0.0),
    OK_X(PCT, "0.1%", 0.001), /* the double nearest 0.001, not 0.1 / 100 */
    BAD(PCT, "0.3", SIM_EPARSE, E_PCT "'0.3'"),
    BAD(PCT, "30", SIM_EPARSE, E_PCT "'30'"),
    BAD(PCT, "30%%", SIM_EPARSE, E_PCT "'30%%'"),
    BAD(PCT, "-5%", SIM_EPARSE, "percentage must not be negative, got '-5%'"),
    /* growth */
    OK_X(GROWTH, "12%/month", 0.12),
    OK_X(GROWTH, "12 % / month", 0.12),
    OK_X(GROWTH, "3%/mo", 0.03),
    OK_V(GROWTH, "2%/week", 0.0), /* value filled in by growth_expected() */
    OK_V(GROWTH, "40%/year", 0.0),
    OK_V(GROWTH, "1%/day", 0.0),
    OK_X(GROWTH, "0%/week", 0.0),
    BAD(GROWTH, "12%", SIM_EPARSE, E_GRO "'12%'"),
    BAD(GROWTH, "12", SIM_EPARSE, E_GRO "'12'"),
    BAD(GROWTH, "12%/m", SIM_EPARSE, E_GRO "'12%/m'"),
    BAD(GROWTH, "-2%/month", SIM_EPARSE, "growth rate must not be negative, got '-2%/month'"),
    BAD(GROWTH, "1e300%/day", SIM_ERANGE, "growth rate out of range, got '1e300%/day'"),
    /* multipliers */
    OK_X(MULT, "3x", 3.0),
    OK_X(MULT, "1.5x", 1.5),
    OK_X(MULT, "0.5x", 0.5),
    OK_X(MULT, "3X", 3.0),
    OK_X(MULT, "3 x", 3.0),
    BAD(MULT, "3", SIM_EPARSE, E_MUL "'3'"),
    BAD(MULT, "x", SIM_EPARSE, E_MUL "'x'"),
    BAD(MULT, "0x10", SIM_EPARSE, E_MUL "'0x10'"),
    BAD(MULT, "-3x", SIM_EPARSE, "multiplier must not be negative, got '-3x'"),
    /* sizes */
    OK_X(SIZE, "2KB", 2000.0),
    OK_X(SIZE, "250MB", 250e6),
    OK_X(SIZE, "1GB", 1e9),
    OK_X(SIZE, "512B", 512.0),
    OK_X(SIZE, "4KiB", 4096.0),
    OK_X(SIZE, "1MiB", 1048576.0),
    OK_X(SIZE, "1GiB", 1073741824.0),
    OK_X(SIZE, "2kb", 2000.0),
    OK_X(SIZE, "1.5 KiB", 1536.0),
    BAD(SIZE, "2", SIM_EPARSE, E_SIZE "'2'"),
    BAD(SIZE, "2 bits", SIM_EPARSE, E_SIZE "'2 bits'"),
    BAD(SIZE, "-1KB", SIM_EPARSE, "size must not be negative, got '-1KB'"),
    /* times of day */
    OK_T(TOD, "01:00", SIM_HOUR),
    OK_T(TOD, "22:30", 22 * SIM_HOUR + 30 * SIM_MIN),
    OK_T(TOD, "07:05:30", 7 * SIM_HOUR + 5 * SIM_MIN + 30 * SIM_SEC),
    OK_T(TOD, "7:05", 7 * SIM_HOUR + 5 * SIM_MIN),
    OK_T(TOD, " 00:00 ", 0),
    OK_T(TOD, "23:59:59", SIM_DAY - SIM_SEC),
    BAD(TOD, "24:00", SIM_ERANGE, "time of day out of range (00:00 to 23:59:59), got '24:00'"),
    BAD(TOD, "12:60", SIM_ERANGE, "time of day out of range (00:00 to 23:59:59), got '12:60'"),
    BAD(TOD, "12:00:60", SIM_ERANGE,
        "time of day out of range (00:00 to 23:59:59), got '12:00:60'"),
    BAD(TOD, "1:5", SIM_EPARSE, E_TOD "'1:5'"),
    BAD(TOD, "12", SIM_EPARSE, E_TOD "'12'"),
    BAD(TOD, "aa:bb", SIM_EPARSE, E_TOD "'aa:bb'"),
    BAD(TOD, "", SIM_EPARSE, E_TOD "''"),
};

/* Hand formulas for the compounded growth rows: (1+g)^(units a month) - 1. */
static double growth_expected(const char *in)
{
    if (strcmp(in, "2%/week") == 0)
        return pow(1.02, 30.4375 / 7.0) - 1.0;
    if (strcmp(in, "40%/year") == 0)
        return pow(1.40, 1.0 / 12.0) - 1.0;
    if (strcmp(in, "1%/day") == 0)
        return pow(1.01, 30.4375) - 1.0;
    return NAN;
}

/* Parses one row; the out values start as sentinels so a failed parse can
 * be checked to leave them alone. */
static int parse_row(const row *r, double *v, sim_time *t, sim_err *err)
{
    switch (r->k) {
    case DUR:
        return scn_parse_duration(r->in, t, err);
    case TOD:
        return scn_parse_time_of_day(r->in, t, err);
    case RATE:
        return scn_parse_rate(r->in, v, err);
    case COUNT:
        return scn_parse_count(r->in, v, err);
    case PCT:
        return scn_parse_percent(r->in, v, err);
    case GROWTH:
        return scn_parse_growth(r->in, v, err);
    case MULT:
        return scn_parse_multiplier(r->in, v, err);
    case SIZE:
    default:
        return scn_parse_size(r->in, v, err);
    }
}

/* Checks one row; returns 1 and prints why when it does not match. */
static int row_fails(const row *r)
{
    const double sentinel_v = -12345.0;
    const sim_time sentinel_t = -12345;
    double v = sentinel_v;
    sim_time t = sentinel_t;
    sim_err err;
    sim_err_clear(&err);
    int rc = parse_row(r, &v, &t, &err);
    if (rc != r->rc) {
        print_message("'%s': status %d, want %d (%s)\n", r->in, rc, r->rc, err.msg);
        return 1;
    }
    if (rc != SIM_OK) {
        int bad =
            strcmp(err.msg, r->msg) != 0 || err.code != rc || v != sentinel_v || t != sentinel_t;
        if (bad)
            print_message("'%s': message\n  got  %s\n  want %s\n", r->in, err.msg, r->msg);
        return bad;
    }
    if (r->k == DUR || r->k == TOD) {
        if (t != r->t)
            print_message("'%s': %lld us, want %lld\n", r->in, (long long)t, (long long)r->t);
        return t != r->t;
    }
    double want = r->k == GROWTH && !r->exact ? growth_expected(r->in) : r->v;
    int bad = r->exact ? v != want : !(fabs(v - want) <= 1e-14 * fabs(want) + 1e-16);
    if (bad)
        print_message("'%s': %.17g, want %.17g\n", r->in, v, want);
    return bad;
}

static void every_table_row_parses_to_its_value_or_its_exact_message(void **state)
{
    (void)state;
    size_t n = sizeof rows / sizeof rows[0], failures = 0;
    for (size_t i = 0; i < n; i++)
        failures += (size_t)row_fails(&rows[i]);
    assert_true(n >= 80);
    assert_int_equal(failures, 0);
}

static void parsers_accept_a_null_error_record(void **state)
{
    (void)state;
    sim_time t = 0;
    double v = 0.0;
    assert_int_equal(scn_parse_duration("120", &t, NULL), SIM_EPARSE);
    assert_int_equal(scn_parse_rate("1e400/s", &v, NULL), SIM_ERANGE);
    assert_int_equal(scn_parse_duration(NULL, &t, NULL), SIM_EPARSE);
}

static void a_long_input_is_quoted_cut_short_in_the_message(void **state)
{
    (void)state;
    char in[300];
    memset(in, 'z', sizeof in - 1);
    in[sizeof in - 1] = '\0';
    sim_err err;
    sim_time t;
    assert_int_equal(scn_parse_duration(in, &t, &err), SIM_EPARSE);
    assert_true(strlen(err.msg) < sizeof err.msg - 1);
    assert_non_null(strstr(err.msg, "zzz...'"));
}

/* ---- schedules --------------------------------------------------------- */

typedef struct sched_row {
    const char *in;
    int rc;
    mdl_schedule want;
    const char *msg;
} sched_row;

#define E_SCHED                                                                                    \
    "expected a schedule (daily HH:MM, weekdays HH:MM, weekends HH:MM, mon,wed,fri HH:MM, every "  \
    "15m, every 1h at 00:05, monthly 1st 02:00, monthly last-weekday 22:00, quarterly, none), "    \
    "got "
#define DAYS(mask, tod)                                                                            \
    {                                                                                              \
        .kind = MDL_SCHEDULE_DAYS, .days_mask = (mask), .time_of_day = (tod)                       \
    }
#define EVERY(per, off)                                                                            \
    {                                                                                              \
        .kind = MDL_SCHEDULE_EVERY, .period = (per), .offset = (off)                               \
    }
#define MONTHLY(day, step, tod)                                                                    \
    {                                                                                              \
        .kind = MDL_SCHEDULE_MONTHLY, .month_day = (day), .month_step = (step),                    \
        .time_of_day = (tod)                                                                       \
    }
#define MON (1 << 0)
#define WED (1 << 2)
#define FRI (1 << 4)
#define SAT (1 << 5)
#define SUN (1 << 6)

static const sched_row sched_rows[] = {
    {"daily 01:00", SIM_OK, DAYS(MDL_DAYS_ALL, SIM_HOUR), NULL},
    {"weekdays 22:30", SIM_OK, DAYS(MDL_DAYS_WEEKDAYS, 22 * SIM_HOUR + 30 * SIM_MIN), NULL},
    {"weekends 06:00", SIM_OK, DAYS(MDL_DAYS_WEEKENDS, 6 * SIM_HOUR), NULL},
    {"mon,wed,fri 02:00", SIM_OK, DAYS(MON | WED | FRI, 2 * SIM_HOUR), NULL},
    {"Mon, FRI 02:00:30", SIM_OK, DAYS(MON | FRI, 2 * SIM_HOUR + 30 * SIM_SEC), NULL},
    {"sun,sat 06:00", SIM_OK, DAYS(SAT | SUN, 6 * SIM_HOUR), NULL},
    {"  DAILY   1:00 ", SIM_OK, DAYS(MDL_DAYS_ALL, SIM_HOUR), NULL},
    {"every 15m", SIM_OK, EVERY(15 * SIM_MIN, 0), NULL},
    {"every 15m at 00:05", SIM_OK, EVERY(15 * SIM_MIN, 5 * SIM_MIN), NULL},
    {"Every 1 h AT 00:05", SIM_OK, EVERY(SIM_HOUR, 5 * SIM_MIN), NULL},
    {"every 2d at 23:59:59", SIM_OK, EVERY(2 * SIM_DAY, SIM_DAY - SIM_SEC), NULL},
    {"none", SIM_OK, {.kind = MDL_SCHEDULE_NONE}, NULL},
    {"monthly 1st 02:00", SIM_OK, MONTHLY(1, 1, 2 * SIM_HOUR), NULL},
    {"Monthly 22nd 02:00", SIM_OK, MONTHLY(22, 1, 2 * SIM_HOUR), NULL},
    {"monthly 13th 02:00", SIM_OK, MONTHLY(13, 1, 2 * SIM_HOUR), NULL},
    {"monthly last-weekday 22:00", SIM_OK, MONTHLY(MDL_MONTH_LAST_WEEKDAY, 1, 22 * SIM_HOUR), NULL},
    {"monthly last", SIM_OK, MONTHLY(MDL_MONTH_LAST, 1, 0), NULL},
    {"monthly 06:00", SIM_OK, MONTHLY(1, 1, 6 * SIM_HOUR), NULL},
    {"quarterly", SIM_OK, MONTHLY(1, 3, 0), NULL},
    {"quarterly first-weekday 07:30", SIM_OK,
     MONTHLY(MDL_MONTH_FIRST_WEEKDAY, 3, 7 * SIM_HOUR + 30 * SIM_MIN), NULL},
    {"monthly 32nd 02:00",
     SIM_EPARSE,
     {0},
     "unknown day of the month '32nd' in 'monthly 32nd 02:00' (use 1st .. 31st, last, "
     "last-weekday or first-weekday)"},
    {"monthly 2st 02:00",
     SIM_EPARSE,
     {0},
     "unknown day of the month '2st' in 'monthly 2st 02:00' (use 1st .. 31st, last, "
     "last-weekday or first-weekday)"},
    {"monthly 1st 02:00 x", SIM_EPARSE, {0}, E_SCHED "'monthly 1st 02:00 x'"},
    {"quarterly 1st 25:00",
     SIM_ERANGE,
     {0},
     "time of day out of range (00:00 to 23:59:59), got '25:00'"},
    {"hourly", SIM_EPARSE, {0}, E_SCHED "'hourly'"},
    {"daily", SIM_EPARSE, {0}, E_SCHED "'daily'"},
    {"01:00", SIM_EPARSE, {0}, E_SCHED "'01:00'"},
    {"", SIM_EPARSE, {0}, E_SCHED "''"},
    {"every", SIM_EPARSE, {0}, E_SCHED "'every'"},
    {"monday 02:00", SIM_EPARSE, {0}, E_SCHED "'monday 02:00'"},
    {"daily 01:00 x", SIM_EPARSE, {0}, E_SCHED "'daily 01:00 x'"},
    {"daily 24:00", SIM_ERANGE, {0}, "time of day out of range (00:00 to 23:59:59), got '24:00'"},
    {"mon,xyz 02:00",
     SIM_EPARSE,
     {0},
     "unknown day 'xyz' in 'mon,xyz 02:00' (use mon, tue, wed, thu, fri, sat, sun)"},
    {"mon,mon 01:00", SIM_EPARSE, {0}, "day 'mon' listed twice in 'mon,mon 01:00'"},
    {"every 0s", SIM_ERANGE, {0}, "schedule period must be greater than 0, got 'every 0s'"},
    {"every 15", SIM_EPARSE, {0}, E_DUR "'15'"},
    {"every 15m at 25:00",
     SIM_ERANGE,
     {0},
     "time of day out of range (00:00 to 23:59:59), got '25:00'"},
    {"every 15m at", SIM_EPARSE, {0}, E_TOD "''"},
};

static int same_schedule(const mdl_schedule *a, const mdl_schedule *b)
{
    return a->kind == b->kind && a->days_mask == b->days_mask && a->time_of_day == b->time_of_day &&
           a->period == b->period && a->offset == b->offset && a->month_day == b->month_day &&
           a->month_step == b->month_step;
}

static void schedules_parse_to_their_rule_or_their_exact_message(void **state)
{
    (void)state;
    size_t failures = 0;
    for (size_t i = 0; i < sizeof sched_rows / sizeof sched_rows[0]; i++) {
        const sched_row *r = &sched_rows[i];
        mdl_schedule got = {.kind = MDL_SCHEDULE_NONE, .period = -7};
        sim_err err;
        sim_err_clear(&err);
        int rc = scn_parse_schedule(r->in, &got, &err);
        int bad = rc != r->rc;
        if (!bad && rc == SIM_OK)
            bad = !same_schedule(&got, &r->want);
        if (!bad && rc != SIM_OK)
            bad = strcmp(err.msg, r->msg) != 0 || got.period != -7;
        if (bad)
            print_message("'%s': status %d, message '%s'\n", r->in, rc, err.msg);
        failures += (size_t)bad;
    }
    assert_int_equal(failures, 0);
}

/* ---- canonical formatting ---------------------------------------------- */

static void durations_format_in_the_largest_unit_that_divides_them(void **state)
{
    (void)state;
    static const struct {
        sim_time t;
        const char *text;
    } cases[] = {
        {90 * SIM_MIN, "90m"},
        {5400000000, "90m"},
        {1500 * SIM_MS, "1500ms"},
        {72 * SIM_HOUR, "3d"},
        {14 * SIM_DAY, "2w"},
        {0, "0s"},
        {1, "1us"},
        {61 * SIM_SEC, "61s"},
        {120 * SIM_SEC, "2m"},
        {LIMIT_US, "365250d"},
        {SIM_DAY + 1, "86400000001us"},
    };
    char buf[SCN_FORMAT_SIZE];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_time back = -1;
        assert_string_equal(scn_format_duration(cases[i].t, buf, sizeof buf), cases[i].text);
        assert_int_equal(scn_parse_duration(buf, &back, NULL), SIM_OK);
        assert_true(back == cases[i].t);
    }
}

typedef char *format_fn(double v, char *buf, size_t n);
typedef int parse_fn(const char *s, double *out, sim_err *err);

typedef struct fmt_case {
    format_fn *format;
    parse_fn *parse;
    double v;
    const char *text;
} fmt_case;

static void values_format_to_short_canonical_text_that_reads_back(void **state)
{
    (void)state;
    const fmt_case cases[] = {
        {scn_format_rate, scn_parse_rate, 50000.0 / 86400.0, "50k/day"},
        {scn_format_rate, scn_parse_rate, 200.0 / 3600.0, "200/h"},
        {scn_format_rate, scn_parse_rate, 40.0, "40/s"},
        {scn_format_rate, scn_parse_rate, 3.0 / 60.0, "3/min"},
        {scn_format_rate, scn_parse_rate, 1000.0 / 604800.0, "1k/week"},
        {scn_format_rate, scn_parse_rate, 12.0 / MONTH_S, "12/month"},
        {scn_format_rate, scn_parse_rate, 1200000.0 / 86400.0, "50k/h"}, /* 1.2M/day */
        {scn_format_rate, scn_parse_rate, 0.0, "0/s"},
        {scn_format_count, scn_parse_count, 50000.0, "50k"},
        {scn_format_count, scn_parse_count, 1500.0, "1500"},
        {scn_format_count, scn_parse_count, 1.2e6, "1.2M"},
        {scn_format_count, scn_parse_count, 2e9, "2B"},
        {scn_format_count, scn_parse_count, 1234567.0, "1234567"},
        {scn_format_count, scn_parse_count, 0.25, "0.25"},
        {scn_format_count, scn_parse_count, 0.0, "0"},
        {scn_format_count, scn_parse_count, 1e300, "1e300"},
        {scn_format_percent, scn_parse_percent, 0.30, "30%"},
        {scn_format_percent, scn_parse_percent, 0.005, "0.5%"},
        {scn_format_percent, scn_parse_percent, 1.5, "150%"},
        {scn_format_percent, scn_parse_percent, 0.001, "0.1%"},
        {scn_format_growth, scn_parse_growth, 0.12, "12%/month"},
        {scn_format_multiplier, scn_parse_multiplier, 3.0, "3x"},
        {scn_format_multiplier, scn_parse_multiplier, 1.5, "1.5x"},
        {scn_format_size, scn_parse_size, 2000.0, "2KB"},
        {scn_format_size, scn_parse_size, 4096.0, "4KiB"},
        {scn_format_size, scn_parse_size, 512.0, "512B"},
        {scn_format_size, scn_parse_size, 1536.0, "1536B"},
        {scn_format_size, scn_parse_size, 250e6, "250MB"},
        {scn_format_size, scn_parse_size, 1073741824.0, "1GiB"},
    };
    char buf[SCN_FORMAT_SIZE];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double back = -1.0;
        assert_string_equal(cases[i].format(cases[i].v, buf, sizeof buf), cases[i].text);
        assert_int_equal(cases[i].parse(buf, &back, NULL), SIM_OK);
        assert_true(back == cases[i].v);
    }
}

static void compounded_growth_formats_in_the_unit_it_was_written_in(void **state)
{
    (void)state;
    static const char *const texts[] = {"2%/week", "40%/year", "1%/day", "0.5%/week"};
    char buf[SCN_FORMAT_SIZE];
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        double g = -1.0, back = -1.0;
        assert_int_equal(scn_parse_growth(texts[i], &g, NULL), SIM_OK);
        assert_string_equal(scn_format_growth(g, buf, sizeof buf), texts[i]);
        assert_int_equal(scn_parse_growth(buf, &back, NULL), SIM_OK);
        assert_true(back == g);
    }
}

static void schedules_format_to_text_that_reads_back(void **state)
{
    (void)state;
    static const struct {
        mdl_schedule s;
        const char *text;
    } cases[] = {
        {DAYS(MDL_DAYS_ALL, SIM_HOUR), "daily 01:00"},
        {DAYS(MDL_DAYS_WEEKDAYS, 22 * SIM_HOUR + 30 * SIM_MIN), "weekdays 22:30"},
        {DAYS(MDL_DAYS_WEEKENDS, 6 * SIM_HOUR), "weekends 06:00"},
        {DAYS(MON | FRI, 2 * SIM_HOUR + 30 * SIM_SEC), "mon,fri 02:00:30"},
        {EVERY(15 * SIM_MIN, 5 * SIM_MIN), "every 15m at 00:05"},
        {EVERY(90 * SIM_MIN, 0), "every 90m"},
        {MONTHLY(1, 1, 2 * SIM_HOUR), "monthly 1st 02:00"},
        {MONTHLY(23, 1, 2 * SIM_HOUR), "monthly 23rd 02:00"},
        {MONTHLY(11, 1, 0), "monthly 11th 00:00"},
        {MONTHLY(MDL_MONTH_LAST_WEEKDAY, 1, 22 * SIM_HOUR), "monthly last-weekday 22:00"},
        {MONTHLY(1, 3, 0), "quarterly 1st 00:00"},
        {{.kind = MDL_SCHEDULE_NONE}, "none"},
    };
    char buf[SCN_FORMAT_SIZE];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mdl_schedule back;
        assert_string_equal(scn_format_schedule(&cases[i].s, buf, sizeof buf), cases[i].text);
        assert_int_equal(scn_parse_schedule(buf, &back, NULL), SIM_OK);
        assert_true(same_schedule(&back, &cases[i].s));
    }
}

static void formatting_cuts_the_text_to_the_buffer_like_snprintf(void **state)
{
    (void)state;
    char buf[4];
    assert_string_equal(scn_format_rate(50000.0 / 86400.0, buf, sizeof buf), "50k");
    assert_string_equal(scn_format_duration(90 * SIM_MIN, buf, sizeof buf), "90m");
    assert_string_equal(scn_format_schedule(&(mdl_schedule){.kind = MDL_SCHEDULE_NONE}, buf, 3),
                        "no");
}

/* ---- random round trips ------------------------------------------------ */

#define RANDOM_N 1000

static void random_durations_read_back_to_the_same_microsecond(void **state)
{
    (void)state;
    static const sim_time units[] = {1, SIM_MS, SIM_SEC, SIM_MIN, SIM_HOUR, SIM_DAY, SIM_WEEK};
    uint64_t seed = 1;
    char buf[SCN_FORMAT_SIZE];
    for (int i = 0; i < RANDOM_N; i++) {
        /* Half any microsecond count up to the limit, half whole units. */
        sim_time unit = units[splitmix(&seed) % 7];
        sim_time t = i % 2 ? (sim_time)(splitmix(&seed) % ((uint64_t)LIMIT_US + 1))
                           : (sim_time)(splitmix(&seed) % (uint64_t)(LIMIT_US / unit + 1)) * unit;
        sim_time back = -1;
        scn_format_duration(t, buf, sizeof buf);
        assert_int_equal(scn_parse_duration(buf, &back, NULL), SIM_OK);
        if (back != t)
            fail_msg("%lld -> '%s' -> %lld", (long long)t, buf, (long long)back);
    }
}

/* Formats v, parses it back and demands the identical double. */
static void round_trip(format_fn *format, parse_fn *parse, double v)
{
    char buf[SCN_FORMAT_SIZE];
    double back = -1.0;
    format(v, buf, sizeof buf);
    int rc = parse(buf, &back, NULL);
    if (rc != SIM_OK || memcmp(&back, &v, sizeof v) != 0)
        fail_msg("%.17g -> '%s' -> %.17g (status %d)", v, buf, back, rc);
}

/* Random values of three sorts: any bit pattern, a log-uniform value, and
 * a "workshop" value that came from parsing a short text. */
static void round_trip_random(format_fn *format, parse_fn *parse, const char *unit, uint64_t seed)
{
    for (int i = 0; i < RANDOM_N; i++) {
        round_trip(format, parse, any_double(&seed));
        round_trip(format, parse, log_uniform(&seed, -9.0, 12.0));
        char text[SCN_FORMAT_SIZE];
        double v;
        snprintf(text, sizeof text, "%.*g%s", (int)(1 + splitmix(&seed) % 4),
                 log_uniform(&seed, -3.0, 7.0), unit);
        assert_int_equal(parse(text, &v, NULL), SIM_OK);
        round_trip(format, parse, v);
    }
}

static void random_rates_read_back_to_the_same_double(void **state)
{
    (void)state;
    static const char *const units[] = {"/s", "/min", "/h", "/day", "/week", "/month"};
    round_trip_random(scn_format_rate, scn_parse_rate, "/day", 2);
    uint64_t seed = 3;
    for (int i = 0; i < RANDOM_N; i++) {
        char text[SCN_FORMAT_SIZE];
        double v;
        snprintf(text, sizeof text, "%.3gk%s", log_uniform(&seed, -2.0, 4.0),
                 units[splitmix(&seed) % 6]);
        assert_int_equal(scn_parse_rate(text, &v, NULL), SIM_OK);
        round_trip(scn_format_rate, scn_parse_rate, v);
    }
}

static void random_counts_percents_multipliers_read_back_to_the_same_double(void **state)
{
    (void)state;
    round_trip_random(scn_format_count, scn_parse_count, "k", 4);
    round_trip_random(scn_format_percent, scn_parse_percent, "%", 5);
    round_trip_random(scn_format_multiplier, scn_parse_multiplier, "x", 6);
}

static void random_sizes_and_growth_read_back_to_the_same_double(void **state)
{
    (void)state;
    round_trip_random(scn_format_size, scn_parse_size, "KiB", 7);
    round_trip_random(scn_format_growth, scn_parse_growth, "%/week", 8);
    round_trip_random(scn_format_growth, scn_parse_growth, "%/year", 9);
}

static void random_schedules_read_back_to_the_same_rule(void **state)
{
    (void)state;
    uint64_t seed = 10;
    char buf[SCN_FORMAT_SIZE];
    for (int i = 0; i < RANDOM_N; i++) {
        mdl_schedule s, back;
        sim_time tod = (sim_time)(splitmix(&seed) % 86400) * SIM_SEC;
        if (i % 2)
            s = (mdl_schedule)DAYS((uint8_t)(1 + splitmix(&seed) % 127), tod);
        else
            s = (mdl_schedule)EVERY((sim_time)(1 + splitmix(&seed) % (uint64_t)SIM_WEEK), tod);
        scn_format_schedule(&s, buf, sizeof buf);
        assert_int_equal(scn_parse_schedule(buf, &back, NULL), SIM_OK);
        if (!same_schedule(&s, &back))
            fail_msg("schedule -> '%s' reads back differently", buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_table_row_parses_to_its_value_or_its_exact_message),
        cmocka_unit_test(parsers_accept_a_null_error_record),
        cmocka_unit_test(a_long_input_is_quoted_cut_short_in_the_message),
        cmocka_unit_test(schedules_parse_to_their_rule_or_their_exact_message),
        cmocka_unit_test(durations_format_in_the_largest_unit_that_divides_them),
        cmocka_unit_test(values_format_to_short_canonical_text_that_reads_back),
        cmocka_unit_test(compounded_growth_formats_in_the_unit_it_was_written_in),
        cmocka_unit_test(schedules_format_to_text_that_reads_back),
        cmocka_unit_test(formatting_cuts_the_text_to_the_buffer_like_snprintf),
        cmocka_unit_test(random_durations_read_back_to_the_same_microsecond),
        cmocka_unit_test(random_rates_read_back_to_the_same_double),
        cmocka_unit_test(random_counts_percents_multipliers_read_back_to_the_same_double),
        cmocka_unit_test(random_sizes_and_growth_read_back_to_the_same_double),
        cmocka_unit_test(random_schedules_read_back_to_the_same_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
