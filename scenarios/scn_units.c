/*
 * scn_units.c - parsing and canonical formatting of numbers with units.
 *
 * Design notes:
 *   1. Every parser follows the same path: trim the text, lex a decimal
 *      number into (significant digits, power of ten), refuse a '-' sign,
 *      read the unit expression (spaces allowed around '/' and '%' and
 *      between the number and the unit, never inside a word), strip a
 *      k/M/B magnitude where the kind allows one, then look the unit up in
 *      the kind's table. One table per kind; adding a unit is one row.
 *   2. Scaling by a power of ten (%, k, M, B, KB, MB, GB, ms, s) is done in
 *      decimal, by moving the exponent before strtod. So "0.1%" is exactly
 *      the double nearest 0.001, and the formatter can always write a text
 *      that reads back to the identical double: it shifts the shortest
 *      round-tripping digits of the value the other way.
 *   3. Durations with at most 19 significant digits are computed with
 *      integer arithmetic (exact up to SIM_TIME_LIMIT_S, beyond 2^53 us);
 *      longer mantissas fall back to double and round to the microsecond.
 *   4. Rates divide by a number of seconds (not a power of ten), so the
 *      formatter tries each unit and keeps the shortest text that the parser
 *      reads back to the identical value; "%.17g/s" always qualifies.
 *   5. Library code: no printing, no allocation; all buffers are fixed.
 */
#include "scn_units.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- characters and spans ---------------------------------------------- */

typedef struct span {
    const char *p, *end;
} span;

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Letters, plus any non-ASCII byte (so "µs" is one word). */
static int is_word(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80;
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static span trim_span(const char *p, const char *end)
{
    span t = {p, end};
    while (t.p < t.end && is_space(*t.p))
        t.p++;
    while (t.end > t.p && is_space(t.end[-1]))
        t.end--;
    return t;
}

static span trim(const char *s)
{
    s = s ? s : "";
    return trim_span(s, s + strlen(s));
}

static const char *skip_spaces(const char *p, const char *end)
{
    while (p < end && is_space(*p))
        p++;
    return p;
}

/* ASCII case-insensitive equality of a NUL-terminated string and a span. */
static int span_ieq(span s, const char *lit)
{
    size_t n = (size_t)(s.end - s.p);
    if (strlen(lit) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (lower(s.p[i]) != lower(lit[i]))
            return 0;
    }
    return 1;
}

static int ieq(const char *a, const char *b)
{
    span s = {a, a + strlen(a)};
    return span_ieq(s, b);
}

/* Copies a span into a NUL-terminated buffer; 0 if it does not fit. */
static int span_copy(span s, char *out, size_t n)
{
    size_t len = (size_t)(s.end - s.p);
    if (len >= n)
        return 0;
    memcpy(out, s.p, len);
    out[len] = '\0';
    return 1;
}

/* ---- error messages ---------------------------------------------------- */

#define QUOTE_MAX 64

/* The input as quoted in a message: at most QUOTE_MAX - 4 bytes, "..." when
 * cut, control characters shown as '?'. */
static const char *quote(span s, char *buf)
{
    size_t len = (size_t)(s.end - s.p), keep = len < QUOTE_MAX - 4 ? len : QUOTE_MAX - 7;
    for (size_t i = 0; i < keep; i++)
        buf[i] = (unsigned char)s.p[i] < 0x20 ? '?' : s.p[i];
    strcpy(buf + keep, keep < len ? "..." : "");
    return buf;
}

/* What a kind of value is called in messages. */
typedef struct kind {
    const char *noun;     /* "duration must not be negative" */
    const char *expected; /* "expected a duration with a unit (...)" */
    const char *limit;    /* appended to "out of range" */
} kind;

static const kind k_duration = {"duration", "a duration with a unit (us, ms, s, m, h, d, w)",
                                " (at most 1000 years)"};
static const kind k_rate = {"rate", "a rate with a unit (/s, /min, /h, /day, /week)", ""};
static const kind k_count = {"count", "a count like '500', '50k' or '1.2M'", ""};
static const kind k_percent = {"percentage", "a percentage like '30%'", ""};
static const kind k_growth = {"growth rate", "a growth rate like '12%/month'", ""};
static const kind k_multiplier = {"multiplier", "a multiplier like '3x'", ""};
static const kind k_size = {"size", "a size with a unit (B, KB, MB, GB, KiB, MiB, GiB)", ""};
static const kind k_clock = {"time of day", "a time of day like '01:00' or '22:30:15'",
                             " (00:00 to 23:59:59)"};
static const kind k_schedule = {"schedule",
                                "a schedule (daily HH:MM, weekdays HH:MM, weekends HH:MM, "
                                "mon,wed,fri HH:MM, every 15m, every 1h at 00:05, monthly "
                                "1st 02:00, monthly last-weekday 22:00, quarterly, none)",
                                ""};

static int fail_expected(sim_err *err, const kind *k, span s)
{
    char q[QUOTE_MAX];
    return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "expected %s, got '%s'", k->expected,
                       quote(s, q));
}

static int fail_negative(sim_err *err, const kind *k, span s)
{
    char q[QUOTE_MAX];
    return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "%s must not be negative, got '%s'", k->noun,
                       quote(s, q));
}

static int fail_range(sim_err *err, const kind *k, span s)
{
    char q[QUOTE_MAX];
    return sim_err_set(err, SIM_ERANGE, NULL, 0, 0, "%s out of range%s, got '%s'", k->noun,
                       k->limit, quote(s, q));
}

/* ---- the number lexer -------------------------------------------------- */

/* Significant digits kept; a longer mantissa is refused (no scenario needs
 * 40 digits, and refusing beats silently rounding). */
#define MAX_DIGITS 40
/* Exponents are saturated here: far beyond any double either way. */
#define EXP_CAP 100000L

/* A decimal number: value = dig (an integer, no leading or trailing zeros,
 * "" for zero) times 10^exp. */
typedef struct num {
    char dig[MAX_DIGITS + 1];
    int ndig;
    long exp;
    int negative;
} num;

enum { LEX_OK, LEX_NONE, LEX_GROUPING, LEX_LONG };

/* Appends one digit. Zeros after the first significant digit wait in
 * *zeros: they become digits if a non-zero follows, a power of ten if not. */
static int add_digit(num *n, int d, long *zeros)
{
    if (d == 0) {
        if (n->ndig > 0)
            (*zeros)++;
        return LEX_OK;
    }
    if (n->ndig + *zeros + 1 > MAX_DIGITS)
        return LEX_LONG;
    for (; *zeros > 0; (*zeros)--)
        n->dig[n->ndig++] = '0';
    n->dig[n->ndig++] = (char)('0' + d);
    n->dig[n->ndig] = '\0';
    return LEX_OK;
}

/* Integer digits, with thousands commas only in groups of three after a
 * first group of one to three digits: 1,000 and 12,345,678, not 1,00. */
static int lex_integer(const char **pp, const char *end, num *n, long *zeros, int *count)
{
    const char *p = *pp;
    int group = 0, commas = 0, rc;
    for (; p < end; p++) {
        if (is_digit(*p)) {
            group++;
            (*count)++;
            if ((rc = add_digit(n, *p - '0', zeros)) != LEX_OK)
                return rc;
        } else if (*p == ',') {
            if (group == 0 || group > 3 || (commas > 0 && group != 3))
                return LEX_GROUPING;
            commas++;
            group = 0;
        } else {
            break;
        }
    }
    if (commas > 0 && group != 3)
        return LEX_GROUPING;
    *pp = p;
    return LEX_OK;
}

/* An exponent "e3", "E-5", "e+07"; left alone unless digits follow. */
static void lex_exponent(const char **pp, const char *end, num *n)
{
    const char *q = *pp;
    if (q >= end || (*q != 'e' && *q != 'E'))
        return;
    q++;
    long sign = 1, e = 0;
    if (q < end && (*q == '+' || *q == '-'))
        sign = *q++ == '-' ? -1 : 1;
    if (q >= end || !is_digit(*q))
        return;
    for (; q < end && is_digit(*q); q++) {
        if (e < EXP_CAP)
            e = e * 10 + (*q - '0');
    }
    n->exp += sign * e;
    *pp = q;
}

/* [+-] digits[,ddd...] [.digits] [e[+-]digits], or .digits. No hex, no
 * nan/inf: those are not numbers here. On LEX_OK *pp is past the number. */
static int lex_number(const char **pp, const char *end, num *n)
{
    const char *p = *pp;
    long zeros = 0;
    int count = 0, rc;
    memset(n, 0, sizeof *n);
    if (p < end && (*p == '+' || *p == '-'))
        n->negative = *p++ == '-';
    if ((rc = lex_integer(&p, end, n, &zeros, &count)) != LEX_OK)
        return rc;
    if (p + 1 < end && *p == '.' && is_digit(p[1])) {
        for (p++; p < end && is_digit(*p); p++) {
            count++;
            n->exp--;
            if ((rc = add_digit(n, *p - '0', &zeros)) != LEX_OK)
                return rc;
        }
    }
    if (count == 0)
        return LEX_NONE;
    n->exp += zeros;
    lex_exponent(&p, end, n);
    if (n->exp > EXP_CAP)
        n->exp = EXP_CAP;
    if (n->exp < -EXP_CAP)
        n->exp = -EXP_CAP;
    *pp = p;
    return LEX_OK;
}

/* The value times 10^shift, correctly rounded (strtod of "DIGITSeEXP"). */
static double num_value(const num *n, long shift)
{
    if (n->ndig == 0)
        return 0.0;
    char buf[MAX_DIGITS + 32];
    snprintf(buf, sizeof buf, "%se%ld", n->dig, n->exp + shift);
    return strtod(buf, NULL);
}

/* The digits as an exact integer, when there are at most 19 of them. */
static int num_digits_u64(const num *n, uint64_t *out)
{
    if (n->ndig > 19)
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < n->ndig; i++)
        v = v * 10 + (uint64_t)(n->dig[i] - '0');
    *out = v;
    return 1;
}

/* ---- number + unit ----------------------------------------------------- */

#define UNIT_MAX 24

/* A lexed quantity: the number, its unit text without spaces, the input. */
typedef struct qty {
    num n;
    char unit[UNIT_MAX];
    span text;
} qty;

/* The unit expression without spaces. Spaces may sit next to '/' or '%',
 * never between two letters ("m in" is not "min"). 0 if not acceptable. */
static int unit_text(span s, char *out, size_t n)
{
    size_t len = 0;
    for (const char *p = s.p; p < s.end; p++) {
        if (is_space(*p)) {
            const char *q = skip_spaces(p, s.end);
            if (len > 0 && q < s.end && is_word(out[len - 1]) && is_word(*q))
                return 0;
            p = q - 1;
            continue;
        }
        if (len + 1 >= n)
            return 0;
        out[len++] = *p;
    }
    out[len] = '\0';
    return 1;
}

/* A leading k/K, M or b/B multiplies a count or a rate; "m" is refused
 * because it could be read as minutes. */
static int take_magnitude(qty *q, const kind *k, sim_err *err)
{
    char c = q->unit[0];
    if (c == '\0' || c == '/' || (q->unit[1] != '\0' && q->unit[1] != '/'))
        return SIM_OK;
    long shift;
    switch (c) {
    case 'k':
    case 'K':
        shift = 3;
        break;
    case 'M':
        shift = 6;
        break;
    case 'b':
    case 'B':
        shift = 9;
        break;
    case 'm': {
        char qb[QUOTE_MAX];
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "ambiguous 'm' in %s '%s': write M for million", k->noun,
                           quote(q->text, qb));
    }
    default:
        return SIM_OK; /* not a magnitude: the unit lookup will complain */
    }
    q->n.exp += shift;
    memmove(q->unit, q->unit + 1, strlen(q->unit));
    return SIM_OK;
}

static int lex_quantity(const char *s, const kind *k, int with_magnitude, qty *q, sim_err *err)
{
    char qb[QUOTE_MAX];
    q->text = trim(s);
    const char *p = q->text.p;
    switch (lex_number(&p, q->text.end, &q->n)) {
    case LEX_NONE:
        return fail_expected(err, k, q->text);
    case LEX_GROUPING:
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "misplaced thousands separator in '%s' (write 1,000 or 1000)",
                           quote(q->text, qb));
    case LEX_LONG:
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "too many digits in '%s'",
                           quote(q->text, qb));
    default:
        break;
    }
    if (q->n.negative)
        return fail_negative(err, k, q->text);
    span rest = {skip_spaces(p, q->text.end), q->text.end};
    if (!unit_text(rest, q->unit, sizeof q->unit))
        return fail_expected(err, k, q->text);
    return with_magnitude ? take_magnitude(q, k, err) : SIM_OK;
}

/* Finds a unit by name (case-insensitive) in a table of structs whose first
 * member is the name. */
static const void *lookup(const char *name, const void *table, size_t count, size_t stride)
{
    const char *row = table;
    for (size_t i = 0; i < count; i++, row += stride) {
        if (ieq(name, *(const char *const *)(const void *)row))
            return row;
    }
    return NULL;
}

#define COUNT_OF(table)     (sizeof(table) / sizeof(table)[0])
#define LOOKUP(name, table) lookup((name), (table), COUNT_OF(table), sizeof(table)[0])

/* ---- durations --------------------------------------------------------- */

/* A unit is mult * 10^pow10 microseconds. */
typedef struct duration_unit {
    const char *name;
    uint64_t mult;
    int pow10;
} duration_unit;

/* Canonical names first, largest first: the formatter uses rows 0..6. */
static const duration_unit duration_units[] = {
    {"w", 604800, 6},  {"d", 86400, 6},    {"h", 3600, 6},      {"m", 60, 6},
    {"s", 1, 6},       {"ms", 1, 3},       {"us", 1, 0},        {"\xc2\xb5s", 1, 0},
    {"sec", 1, 6},     {"secs", 1, 6},     {"second", 1, 6},    {"seconds", 1, 6},
    {"min", 60, 6},    {"mins", 60, 6},    {"minute", 60, 6},   {"minutes", 60, 6},
    {"hr", 3600, 6},   {"hrs", 3600, 6},   {"hour", 3600, 6},   {"hours", 3600, 6},
    {"day", 86400, 6}, {"days", 86400, 6}, {"week", 604800, 6}, {"weeks", 604800, 6},
    {"wk", 604800, 6}, {"wks", 604800, 6},
};
#define DURATION_CANONICAL 7

/* SIM_TIME_LIMIT_S in microseconds: 3.15576e16, exact in an int64_t. */
#define LIMIT_US ((uint64_t)(SIM_TIME_LIMIT_S)*1000000u)

/* *v *= m, or 0 when the product would exceed LIMIT_US. */
static int mul_within(uint64_t *v, uint64_t m)
{
    if (m != 0 && *v > LIMIT_US / m)
        return 0;
    *v *= m;
    return *v <= LIMIT_US;
}

/* d * 10^e rounded to an integer, e < 0, half away from zero. */
static uint64_t div_pow10_round(uint64_t d, long e)
{
    if (-e > 19)
        return 0; /* d < 1.9e19 < 0.5e20 */
    uint64_t q = 1;
    for (long i = 0; i < -e; i++)
        q *= 10;
    uint64_t r = d / q, rem = d % q;
    return rem >= q - rem ? r + 1 : r;
}

/* The quantity in microseconds; SIM_ERANGE beyond LIMIT_US. */
static int duration_us(const num *n, const duration_unit *u, sim_time *out)
{
    uint64_t d;
    if (n->ndig == 0) {
        *out = 0;
        return SIM_OK;
    }
    if (num_digits_u64(n, &d) && d <= UINT64_MAX / u->mult) {
        long e = n->exp + u->pow10;
        uint64_t v = d * u->mult;
        if (e >= 0) {
            for (long i = 0; i < e; i++) {
                if (!mul_within(&v, 10))
                    return SIM_ERANGE;
            }
        } else {
            v = div_pow10_round(v, e);
        }
        if (v > LIMIT_US)
            return SIM_ERANGE;
        *out = (sim_time)v;
        return SIM_OK;
    }
    double us = num_value(n, u->pow10) * (double)u->mult;
    if (!(us <= (double)LIMIT_US))
        return SIM_ERANGE;
    *out = (sim_time)llround(us);
    return SIM_OK;
}

int scn_parse_duration(const char *s, sim_time *out, sim_err *err)
{
    qty q;
    int rc = lex_quantity(s, &k_duration, 0, &q, err);
    if (rc != SIM_OK)
        return rc;
    const duration_unit *u = LOOKUP(q.unit, duration_units);
    if (!u)
        return fail_expected(err, &k_duration, q.text);
    sim_time t;
    if (duration_us(&q.n, u, &t) != SIM_OK)
        return fail_range(err, &k_duration, q.text);
    *out = t;
    return SIM_OK;
}

/* ---- rates ------------------------------------------------------------- */

#define MONTH_S (30.4375 * 86400.0)

typedef struct rate_unit {
    const char *name;
    double seconds;
} rate_unit;

/* Canonical names first, in the formatter's order of preference. */
static const rate_unit rate_units[] = {
    {"/s", 1.0},         {"/min", 60.0},  {"/h", 3600.0},   {"/day", 86400.0}, {"/week", 604800.0},
    {"/month", MONTH_S}, {"/sec", 1.0},   {"/second", 1.0}, {"/minute", 60.0}, {"/hr", 3600.0},
    {"/hour", 3600.0},   {"/d", 86400.0}, {"/w", 604800.0},
};
#define RATE_CANONICAL 6

int scn_parse_rate(const char *s, double *per_second, sim_err *err)
{
    qty q;
    int rc = lex_quantity(s, &k_rate, 1, &q, err);
    if (rc != SIM_OK)
        return rc;
    const rate_unit *u = LOOKUP(q.unit, rate_units);
    if (!u)
        return fail_expected(err, &k_rate, q.text);
    double v = num_value(&q.n, 0) / u->seconds;
    if (!isfinite(v))
        return fail_range(err, &k_rate, q.text);
    *per_second = v;
    return SIM_OK;
}

/* ---- counts, percentages, multipliers ------------------------------------ */

/* A unit that scales by a power of ten: "%" is 10^-2, "x" is 10^0. */
typedef struct decimal_unit {
    const char *name;
    int pow10;
} decimal_unit;

static const decimal_unit count_units[] = {{"", 0}};
static const decimal_unit percent_units[] = {{"%", -2}};
static const decimal_unit multiplier_units[] = {{"x", 0}, {"\xc3\x97", 0}};

static int parse_decimal(const char *s, const kind *k, int with_magnitude,
                         const decimal_unit *table, size_t count, double *out, sim_err *err)
{
    qty q;
    int rc = lex_quantity(s, k, with_magnitude, &q, err);
    if (rc != SIM_OK)
        return rc;
    const decimal_unit *u = lookup(q.unit, table, count, sizeof *table);
    if (!u)
        return fail_expected(err, k, q.text);
    double v = num_value(&q.n, u->pow10);
    if (!isfinite(v))
        return fail_range(err, k, q.text);
    *out = v;
    return SIM_OK;
}

int scn_parse_count(const char *s, double *out, sim_err *err)
{
    return parse_decimal(s, &k_count, 1, count_units, COUNT_OF(count_units), out, err);
}

int scn_parse_percent(const char *s, double *fraction, sim_err *err)
{
    return parse_decimal(s, &k_percent, 0, percent_units, COUNT_OF(percent_units), fraction, err);
}

int scn_parse_multiplier(const char *s, double *out, sim_err *err)
{
    return parse_decimal(s, &k_multiplier, 0, multiplier_units, COUNT_OF(multiplier_units), out,
                         err);
}

/* ---- growth ------------------------------------------------------------ */

/* per_month = (1 + g)^(units in a month) - 1: a weekly figure compounds
 * 30.4375/7 times a month, a yearly one 1/12 of a time. */
typedef struct growth_unit {
    const char *name;
    double units_per_month;
} growth_unit;

/* Canonical names first, in the formatter's order of preference. */
static const growth_unit growth_units[] = {
    {"%/month", 1.0}, {"%/week", 30.4375 / 7.0}, {"%/year", 1.0 / 12.0}, {"%/day", 30.4375},
    {"%/mo", 1.0},    {"%/w", 30.4375 / 7.0},    {"%/yr", 1.0 / 12.0},   {"%/y", 1.0 / 12.0},
    {"%/d", 30.4375},
};
#define GROWTH_CANONICAL 4

int scn_parse_growth(const char *s, double *per_month, sim_err *err)
{
    qty q;
    int rc = lex_quantity(s, &k_growth, 0, &q, err);
    if (rc != SIM_OK)
        return rc;
    const growth_unit *u = LOOKUP(q.unit, growth_units);
    if (!u)
        return fail_expected(err, &k_growth, q.text);
    double g = num_value(&q.n, -2);
    if (u->units_per_month != 1.0)
        g = expm1(u->units_per_month * log1p(g));
    if (!isfinite(g))
        return fail_range(err, &k_growth, q.text);
    *per_month = g;
    return SIM_OK;
}

/* ---- sizes ------------------------------------------------------------- */

/* A unit is 10^pow10 * 2^pow2 bytes. */
typedef struct size_unit {
    const char *name;
    int pow10, pow2;
} size_unit;

static const size_unit size_units[] = {
    {"B", 0, 0},    {"KB", 3, 0},   {"MB", 6, 0},   {"GB", 9, 0},
    {"KiB", 0, 10}, {"MiB", 0, 20}, {"GiB", 0, 30},
};

int scn_parse_size(const char *s, double *bytes, sim_err *err)
{
    qty q;
    int rc = lex_quantity(s, &k_size, 0, &q, err);
    if (rc != SIM_OK)
        return rc;
    const size_unit *u = LOOKUP(q.unit, size_units);
    if (!u)
        return fail_expected(err, &k_size, q.text);
    double v = ldexp(num_value(&q.n, u->pow10), u->pow2);
    if (!isfinite(v))
        return fail_range(err, &k_size, q.text);
    *bytes = v;
    return SIM_OK;
}

/* ---- times of day ------------------------------------------------------ */

/* Exactly `width` digits (or 1..2 when width is 0) into *v. */
static int lex_field(const char **pp, const char *end, int width, int *v)
{
    const char *p = *pp;
    int n = 0;
    *v = 0;
    while (p < end && is_digit(*p) && n < 2) {
        *v = *v * 10 + (*p++ - '0');
        n++;
    }
    if (n == 0 || (width && n != width))
        return 0;
    *pp = p;
    return 1;
}

/* H:MM or HH:MM[:SS] into seconds. 1 ok, 0 syntax, -1 out of range. */
static int lex_clock(span s, long *seconds)
{
    const char *p = s.p;
    int h, m, sec = 0;
    if (!lex_field(&p, s.end, 0, &h) || p >= s.end || *p++ != ':' || !lex_field(&p, s.end, 2, &m))
        return 0;
    if (p < s.end && (*p++ != ':' || !lex_field(&p, s.end, 2, &sec)))
        return 0;
    if (p != s.end)
        return 0;
    if (h > 23 || m > 59 || sec > 59)
        return -1;
    *seconds = (long)h * 3600 + m * 60 + sec;
    return 1;
}

static int parse_clock(span s, sim_time *out, sim_err *err)
{
    long secs = 0;
    int rc = lex_clock(s, &secs);
    if (rc == 0)
        return fail_expected(err, &k_clock, s);
    if (rc < 0)
        return fail_range(err, &k_clock, s);
    *out = (sim_time)secs * SIM_SEC;
    return SIM_OK;
}

int scn_parse_time_of_day(const char *s, sim_time *out, sim_err *err)
{
    return parse_clock(trim(s), out, err);
}

/* ---- schedules --------------------------------------------------------- */

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* Named day sets; anything else must be a list of day names. */
static const struct day_set {
    const char *name;
    uint8_t mask;
} day_sets[] = {
    {"daily", MDL_DAYS_ALL},
    {"weekdays", MDL_DAYS_WEEKDAYS},
    {"weekends", MDL_DAYS_WEEKENDS},
};

static int day_index(span s)
{
    for (int i = 0; i < 7; i++) {
        if (span_ieq(s, day_names[i]))
            return i;
    }
    return -1;
}

/* The next space-separated word of [*pp, end), moving *pp past it. */
static span next_word(const char **pp, const char *end)
{
    span w;
    w.p = skip_spaces(*pp, end);
    w.end = w.p;
    while (w.end < end && !is_space(*w.end))
        w.end++;
    *pp = w.end;
    return w;
}

/* "mon,wed, fri" -> a mask. Spaces may follow or precede commas. */
static int parse_day_list(span list, span whole, uint8_t *mask, sim_err *err)
{
    char q1[QUOTE_MAX], q2[QUOTE_MAX];
    const char *p = list.p;
    *mask = 0;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(list.end - p));
        span d = trim_span(p, comma ? comma : list.end);
        int i = day_index(d);
        if (i < 0)
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                               "unknown day '%s' in '%s' (use mon, tue, wed, thu, fri, sat, sun)",
                               quote(d, q1), quote(whole, q2));
        if (*mask & (1u << i))
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "day '%s' listed twice in '%s'",
                               day_names[i], quote(whole, q2));
        *mask |= (uint8_t)(1u << i);
        if (!comma)
            return SIM_OK;
        p = comma + 1;
    }
}

static int parse_every(span rest, span whole, mdl_schedule *out, sim_err *err)
{
    char buf[QUOTE_MAX], q[QUOTE_MAX];
    span period = rest, offset = {rest.end, rest.end};
    int has_at = 0;
    for (const char *p = rest.p; p < rest.end;) {
        span w = next_word(&p, rest.end);
        if (span_ieq(w, "at")) {
            period.end = w.p;
            offset.p = p;
            has_at = 1;
            break;
        }
    }
    span per = trim_span(period.p, period.end);
    if (per.p == per.end || !span_copy(per, buf, sizeof buf))
        return fail_expected(err, &k_schedule, whole);
    sim_time every, at = 0;
    int rc = scn_parse_duration(buf, &every, err);
    if (rc != SIM_OK)
        return rc;
    if (every == 0)
        return sim_err_set(err, SIM_ERANGE, NULL, 0, 0,
                           "schedule period must be greater than 0, got '%s'", quote(whole, q));
    if (has_at && (rc = parse_clock(trim_span(offset.p, offset.end), &at, err)) != SIM_OK)
        return rc;
    *out = (mdl_schedule){.kind = MDL_SCHEDULE_EVERY, .period = every, .offset = at};
    return SIM_OK;
}

/* "<days> HH:MM": the last word is the time, the words before it the days. */
static int parse_on_days(span whole, mdl_schedule *out, sim_err *err)
{
    const char *t = whole.end;
    while (t > whole.p && !is_space(t[-1]))
        t--;
    span days = trim_span(whole.p, t), clock = {t, whole.end};
    span first = {days.p, days.p};
    while (first.end < days.end && !is_space(*first.end) && *first.end != ',')
        first.end++;
    uint8_t mask = 0;
    int rc = SIM_OK;
    for (size_t i = 0; i < COUNT_OF(day_sets); i++) {
        if (span_ieq(days, day_sets[i].name))
            mask = day_sets[i].mask;
    }
    if (mask == 0 && day_index(first) < 0)
        return fail_expected(err, &k_schedule, whole);
    if (mask == 0 && (rc = parse_day_list(days, whole, &mask, err)) != SIM_OK)
        return rc;
    sim_time tod;
    if ((rc = parse_clock(clock, &tod, err)) != SIM_OK)
        return rc;
    *out = (mdl_schedule){.kind = MDL_SCHEDULE_DAYS, .days_mask = mask, .time_of_day = tod};
    return SIM_OK;
}

static const struct month_day_name {
    const char *name;
    int day;
} month_day_names[] = {
    {"last", MDL_MONTH_LAST},
    {"last-weekday", MDL_MONTH_LAST_WEEKDAY},
    {"first-weekday", MDL_MONTH_FIRST_WEEKDAY},
};

/* "1st", "2nd", "3rd", "4th" ... "31st"; 0 if not one. */
static int ordinal(span w)
{
    int n = 0;
    const char *p = w.p;
    while (p < w.end && is_digit(*p) && n < 100)
        n = 10 * n + (*p++ - '0');
    if (p == w.p || n < 1 || n > 31)
        return 0;
    const char *suffix = n % 10 == 1 && n != 11   ? "st"
                         : n % 10 == 2 && n != 12 ? "nd"
                         : n % 10 == 3 && n != 13 ? "rd"
                                                  : "th";
    return span_ieq((span){p, w.end}, suffix) ? n : 0;
}

/* "monthly|quarterly [DAY] [HH:MM]" (rest is what follows the first word). */
static int parse_monthly(int step, span rest, span whole, mdl_schedule *out, sim_err *err)
{
    char q[QUOTE_MAX], q2[QUOTE_MAX];
    const char *p = rest.p;
    span day = next_word(&p, rest.end), clock = next_word(&p, rest.end);
    if (skip_spaces(p, rest.end) != rest.end)
        return fail_expected(err, &k_schedule, whole);
    int md = 1;
    sim_time tod = 0;
    if (day.p != day.end && memchr(day.p, ':', (size_t)(day.end - day.p))) {
        clock = day; /* "monthly 02:00": the 1st */
        day.end = day.p;
    }
    if (day.p != day.end) {
        md = ordinal(day);
        for (size_t i = 0; md == 0 && i < COUNT_OF(month_day_names); i++)
            if (span_ieq(day, month_day_names[i].name))
                md = month_day_names[i].day;
        if (md == 0)
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                               "unknown day of the month '%s' in '%s' (use 1st .. 31st, last, "
                               "last-weekday or first-weekday)",
                               quote(day, q), quote(whole, q2));
    }
    int rc;
    if (clock.p != clock.end && (rc = parse_clock(clock, &tod, err)) != SIM_OK)
        return rc;
    *out = (mdl_schedule){
        .kind = MDL_SCHEDULE_MONTHLY, .month_day = md, .month_step = step, .time_of_day = tod};
    return SIM_OK;
}

int scn_parse_schedule(const char *s, mdl_schedule *out, sim_err *err)
{
    span whole = trim(s);
    const char *p = whole.p;
    span first = next_word(&p, whole.end);
    if (span_ieq(first, "none") && skip_spaces(p, whole.end) == whole.end) {
        *out = (mdl_schedule){.kind = MDL_SCHEDULE_NONE};
        return SIM_OK;
    }
    if (span_ieq(first, "every"))
        return parse_every((span){p, whole.end}, whole, out, err);
    if (span_ieq(first, "monthly"))
        return parse_monthly(1, (span){p, whole.end}, whole, out, err);
    if (span_ieq(first, "quarterly"))
        return parse_monthly(3, (span){p, whole.end}, whole, out, err);
    return parse_on_days(whole, out, err);
}

/* ---- formatting -------------------------------------------------------- */

/* A decimal as digits: value = dig * 10^x, dig without trailing zeros. */
typedef struct decimal {
    char dig[24];
    long x;
} decimal;

/* v (finite, >= 0) rounded to p significant digits. */
static decimal digits_at(double v, int p)
{
    decimal d = {"0", 0};
    if (v == 0.0)
        return d;
    char buf[48];
    snprintf(buf, sizeof buf, "%.*e", p - 1, v);
    const char *e = strchr(buf, 'e');
    int n = 0;
    for (const char *c = buf; c < e; c++) {
        if (is_digit(*c))
            d.dig[n++] = *c;
    }
    d.x = strtol(e + 1, NULL, 10) - (n - 1);
    while (n > 1 && d.dig[n - 1] == '0') {
        n--;
        d.x++;
    }
    d.dig[n] = '\0';
    return d;
}

/* The fewest digits that read back to exactly v (finite, >= 0). */
static decimal shortest(double v)
{
    for (int p = 1; p < 17; p++) {
        decimal d = digits_at(v, p);
        char buf[48];
        snprintf(buf, sizeof buf, "%se%ld", d.dig, d.x);
        if (strtod(buf, NULL) == v)
            return d;
    }
    return digits_at(v, 17);
}

/* Writes d * 10^shift as plain decimal text when its leading digit is
 * between 10^-6 and 10^15, else as "1.5e20". Returns 1 for the exponent form. */
static int write_decimal(decimal d, long shift, char *out, size_t n)
{
    char t[SCN_FORMAT_SIZE];
    size_t k = 0;
    long len = (long)strlen(d.dig), x = d.x + shift, lead = x + len - 1;
    int sci = lead >= 16 || lead < -6;
    if (strcmp(d.dig, "0") == 0) {
        sci = 0;
        snprintf(t, sizeof t, "0");
    } else if (sci) {
        t[k++] = d.dig[0];
        if (len > 1)
            k += (size_t)snprintf(t + k, sizeof t - k, ".%s", d.dig + 1);
        snprintf(t + k, sizeof t - k, "e%ld", lead);
    } else if (lead < 0) {
        t[k++] = '0';
        t[k++] = '.';
        for (long i = 0; i < -lead - 1; i++)
            t[k++] = '0';
        snprintf(t + k, sizeof t - k, "%s", d.dig);
    } else {
        for (long i = 0; i <= lead; i++) /* the integer part */
            t[k++] = i < len ? d.dig[i] : '0';
        t[k] = '\0';
        if (len > lead + 1)
            snprintf(t + k, sizeof t - k, ".%s", d.dig + lead + 1);
    }
    snprintf(out, n, "%s", t);
    return sci;
}

/* The best candidate text so far: the shortest, where the exponent form
 * counts 4 characters extra ("200k/day" beats "2e5/day", "1e20/day" beats
 * "100000000000B/day"); the earlier candidate wins a tie. */
typedef struct best {
    char text[SCN_FORMAT_SIZE];
    size_t score;
    int set;
} best;

static void consider(best *b, const char *text, int sci)
{
    size_t score = strlen(text) + (sci ? 4 : 0);
    if (b->set && score >= b->score)
        return;
    snprintf(b->text, sizeof b->text, "%s", text);
    b->score = score;
    b->set = 1;
}

static char *emit(const char *text, char *buf, size_t n)
{
    if (n > 0)
        snprintf(buf, n, "%s", text);
    return buf;
}

/* Values the parsers never produce (negative, NaN, infinite) are written
 * with %g; they do not read back. */
static int unformattable(double v, const char *unit, char *buf, size_t n)
{
    if (isfinite(v) && v >= 0.0)
        return 0;
    if (n > 0)
        snprintf(buf, n, "%g%s", v, unit);
    return 1;
}

/* Magnitude suffixes for counts and rates, in order of preference. */
static const decimal_unit magnitudes[] = {{"", 0}, {"k", 3}, {"M", 6}, {"B", 9}};

/* Considers text = d with each magnitude, followed by unit. */
static void consider_magnitudes(best *b, decimal d, const char *unit)
{
    for (size_t i = 0; i < COUNT_OF(magnitudes); i++) {
        char number[SCN_FORMAT_SIZE], text[SCN_FORMAT_SIZE];
        int sci = write_decimal(d, -magnitudes[i].pow10, number, sizeof number);
        snprintf(text, sizeof text, "%s%s%s", number, magnitudes[i].name, unit);
        consider(b, text, sci);
    }
}

char *scn_format_duration(sim_time t, char *buf, size_t n)
{
    char text[SCN_FORMAT_SIZE];
    uint64_t u = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
    const char *sign = t < 0 ? "-" : "";
    if (u == 0)
        return emit("0s", buf, n);
    for (size_t i = 0; i < DURATION_CANONICAL; i++) {
        const duration_unit *du = &duration_units[i];
        uint64_t size = du->mult;
        for (int k = 0; k < du->pow10; k++)
            size *= 10;
        if (u % size == 0) {
            snprintf(text, sizeof text, "%s%llu%s", sign, (unsigned long long)(u / size), du->name);
            break;
        }
    }
    return emit(text, buf, n);
}

typedef int parse_fn(const char *s, double *out, sim_err *err);

/* Considers the fewest digits of v, a value expressed in `unit` (after a
 * decimal shift), whose text reads back through parse to exactly target;
 * with each magnitude suffix too if with_magnitudes. Nothing if no digits
 * do (v was rounded on the way to this unit). */
static void consider_unit(best *b, double v, long shift, const char *unit, parse_fn *parse,
                          double target, int with_magnitudes)
{
    if (!isfinite(v))
        return;
    for (int p = 1; p <= 17; p++) {
        if (b->set && (size_t)p + strlen(unit) >= b->score)
            return; /* even the shortest text of p digits would lose */
        decimal d = digits_at(v, p);
        char number[SCN_FORMAT_SIZE], text[SCN_FORMAT_SIZE];
        double back;
        int sci = write_decimal(d, shift, number, sizeof number);
        snprintf(text, sizeof text, "%s%s", number, unit);
        if (parse(text, &back, NULL) == SIM_OK && back == target) {
            if (with_magnitudes)
                consider_magnitudes(b, d, unit);
            else
                consider(b, text, sci);
            return;
        }
    }
}

char *scn_format_rate(double per_second, char *buf, size_t n)
{
    if (unformattable(per_second, "/s", buf, n))
        return buf;
    best b = {0};
    /* "/s" always qualifies: 17 digits read back to any double. */
    for (size_t i = 0; i < RATE_CANONICAL; i++)
        consider_unit(&b, per_second * rate_units[i].seconds, 0, rate_units[i].name, scn_parse_rate,
                      per_second, 1);
    return emit(b.text, buf, n);
}

char *scn_format_count(double v, char *buf, size_t n)
{
    if (unformattable(v, "", buf, n))
        return buf;
    best b = {0};
    consider_magnitudes(&b, shortest(v), "");
    return emit(b.text, buf, n);
}

/* shortest(v) * 10^shift followed by unit. */
static char *format_decimal(double v, long shift, const char *unit, char *buf, size_t n)
{
    if (unformattable(v, unit, buf, n))
        return buf;
    char number[SCN_FORMAT_SIZE];
    write_decimal(shortest(v), shift, number, sizeof number);
    if (n > 0)
        snprintf(buf, n, "%s%s", number, unit);
    return buf;
}

char *scn_format_percent(double fraction, char *buf, size_t n)
{
    return format_decimal(fraction, 2, "%", buf, n);
}

char *scn_format_growth(double per_month, char *buf, size_t n)
{
    if (unformattable(per_month, "%/month", buf, n))
        return buf;
    best b = {0};
    /* "%/month" always qualifies: the scaling by 100 is exact in decimal. */
    for (size_t i = 0; i < GROWTH_CANONICAL; i++) {
        const growth_unit *u = &growth_units[i];
        double g =
            u->units_per_month == 1.0 ? per_month : expm1(log1p(per_month) / u->units_per_month);
        consider_unit(&b, g, 2, u->name, scn_parse_growth, per_month, 0);
    }
    return emit(b.text, buf, n);
}

char *scn_format_multiplier(double v, char *buf, size_t n)
{
    return format_decimal(v, 0, "x", buf, n);
}

char *scn_format_size(double bytes, char *buf, size_t n)
{
    if (unformattable(bytes, "B", buf, n))
        return buf;
    best b = {0};
    for (size_t i = 0; i < COUNT_OF(size_units); i++) {
        const size_unit *u = &size_units[i];
        char number[SCN_FORMAT_SIZE], text[SCN_FORMAT_SIZE];
        double back;
        int sci = write_decimal(shortest(ldexp(bytes, -u->pow2)), -u->pow10, number, sizeof number);
        snprintf(text, sizeof text, "%s%s", number, u->name);
        /* Exact by construction, except a binary unit on a subnormal. */
        if (scn_parse_size(text, &back, NULL) == SIM_OK && back == bytes)
            consider(&b, text, sci);
    }
    return emit(b.text, buf, n);
}

/* "HH:MM", or "HH:MM:SS" when the seconds are not zero. */
static void format_clock(sim_time t, char *out, size_t n)
{
    long long s = (long long)(t / SIM_SEC);
    if (s % 60)
        snprintf(out, n, "%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, n, "%02lld:%02lld", s / 3600, s / 60 % 60);
}

static void format_days(uint8_t mask, char *out, size_t n)
{
    for (size_t i = 0; i < COUNT_OF(day_sets); i++) {
        if (mask == day_sets[i].mask) {
            snprintf(out, n, "%s", day_sets[i].name);
            return;
        }
    }
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < 7; i++) {
        if (mask & (1u << i))
            len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "," : "", day_names[i]);
    }
}

char *scn_format_schedule(const mdl_schedule *s, char *buf, size_t n)
{
    char text[3 * SCN_FORMAT_SIZE], a[SCN_FORMAT_SIZE], b[SCN_FORMAT_SIZE];
    uint8_t mask = s->days_mask & MDL_DAYS_ALL;
    if (s->kind == MDL_SCHEDULE_DAYS && mask != 0) {
        format_days(mask, a, sizeof a);
        format_clock(s->time_of_day, b, sizeof b);
        snprintf(text, sizeof text, "%s %s", a, b);
    } else if (s->kind == MDL_SCHEDULE_EVERY) {
        scn_format_duration(s->period, a, sizeof a);
        format_clock(s->offset, b, sizeof b);
        snprintf(text, sizeof text, "every %s%s%s", a, s->offset ? " at " : "", s->offset ? b : "");
    } else if (s->kind == MDL_SCHEDULE_MONTHLY) {
        int md = s->month_day, last = md % 10;
        if (md > 0)
            snprintf(a, sizeof a, "%d%s", md,
                     last == 1 && md != 11   ? "st"
                     : last == 2 && md != 12 ? "nd"
                     : last == 3 && md != 13 ? "rd"
                                             : "th");
        for (size_t i = 0; md <= 0 && i < COUNT_OF(month_day_names); i++)
            if (month_day_names[i].day == md)
                snprintf(a, sizeof a, "%s", month_day_names[i].name);
        format_clock(s->time_of_day, b, sizeof b);
        snprintf(text, sizeof text, "%s %s %s", s->month_step == 3 ? "quarterly" : "monthly", a, b);
    } else {
        snprintf(text, sizeof text, "none");
    }
    return emit(text, buf, n);
}
