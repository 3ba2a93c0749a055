#include "res_fmt.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

char *res_fmt_count(double v, char *buf, size_t n)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "%s", isnan(v) ? "n/a" : v > 0 ? "inf" : "-inf");
        return buf;
    }
    if (fabs(v) < 10.0 && fabs(v - round(v)) > 1e-9) {
        snprintf(buf, n, "%.1f", v);
        return buf;
    }
    if (fabs(v) >= 1e15) {
        snprintf(buf, n, "%.3g", v);
        return buf;
    }
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", fabs(v));
    size_t len = strlen(digits), at = 0;
    char out[48];
    if (v < 0 && strcmp(digits, "0") != 0)
        out[at++] = '-';
    for (size_t i = 0; i < len; i++) {
        out[at++] = digits[i];
        size_t left = len - i - 1;
        if (left > 0 && left % 3 == 0)
            out[at++] = ',';
    }
    out[at] = '\0';
    snprintf(buf, n, "%s", out);
    return buf;
}

static const struct unit {
    const char *name, *words;
    double seconds;
} units[] = {{"d", "days", 86400.0}, {"h", "hours", 3600.0},       {"min", "minutes", 60.0},
             {"s", "seconds", 1.0},  {"ms", "milliseconds", 1e-3}, {"us", "microseconds", 1e-6}};

/* The unit a duration is written in: the largest with value >= 1 (minutes
 * from 2 min, hours from 2 h, days from 2 d, so 90 s stays "90 s"). */
static const struct unit *unit_for(double s)
{
    double a = fabs(s);
    if (a >= 2 * 86400.0)
        return &units[0];
    if (a >= 2 * 3600.0)
        return &units[1];
    if (a >= 120.0)
        return &units[2];
    if (a >= 1.0 || a == 0.0)
        return &units[3];
    if (a >= 1e-3)
        return &units[4];
    return &units[5];
}

/* v to `digits` significant digits as %g writes it, but never with an
 * exponent from 1 up: a value that rounds to 10^digits or more (999.7 ms,
 * a half-width of 99.7, 1,500 days) is written whole ("1000 ms", "100",
 * "1500 d"), not "1e+03 ms". */
static void sig_digits(double v, int digits, char *buf, size_t n)
{
    snprintf(buf, n, "%.*g", digits, v);
    if (fabs(v) >= 1.0 && strchr(buf, 'e'))
        snprintf(buf, n, "%.0f", v);
}

double res_fmt_duration_unit(double s, const char **name)
{
    const struct unit *u = unit_for(isfinite(s) ? s : 0.0);
    if (name)
        *name = u->words;
    return u->seconds;
}

double res_fmt_si_mantissa(double v)
{
    while (fabs(v) >= 1000.0)
        v /= 1000.0;
    return v;
}

char *res_fmt_duration(double s, char *buf, size_t n)
{
    if (!isfinite(s)) {
        snprintf(buf, n, "n/a");
        return buf;
    }
    const struct unit *u = unit_for(s);
    char num[32];
    sig_digits(s / u->seconds, 3, num, sizeof num);
    snprintf(buf, n, "%s %s", num, u->name);
    return buf;
}

/* A half-width: two significant digits, whole from 100 up (never an
 * exponent). */
static void two_digits(double v, char *buf, size_t n)
{
    sig_digits(v, 2, buf, n);
}

char *res_fmt_duration_ci(double s, double hw, char *buf, size_t n)
{
    char a[32], h[32];
    res_fmt_duration(s, a, sizeof a);
    if (!isfinite(s) || !isfinite(hw) || hw <= 0) {
        snprintf(buf, n, "%s", a);
        return buf;
    }
    const struct unit *u = unit_for(hw);
    two_digits(hw / u->seconds, h, sizeof h);
    snprintf(buf, n, "%s ± %s %s", a, h, u->name);
    return buf;
}

char *res_fmt_count_ci(double v, double hw, char *buf, size_t n)
{
    char a[32], h[32];
    res_fmt_count(v, a, sizeof a);
    if (isfinite(v) && isfinite(hw) && hw > 0)
        snprintf(buf, n, "%s ± %s", a, res_fmt_count(hw, h, sizeof h));
    else
        snprintf(buf, n, "%s", a);
    return buf;
}

int res_fmt_unit_is_share(const char *unit)
{
    return unit && (!strcmp(unit, "ratio") || !strcmp(unit, "share"));
}

char *res_fmt_value_ci(double v, double hw, const char *unit, char *buf, size_t n)
{
    char a[40], h[40];
    if (!isfinite(v)) {
        snprintf(buf, n, "n/a");
    } else if (unit && !strcmp(unit, "s")) {
        res_fmt_duration_ci(v, hw, buf, n);
    } else if (res_fmt_unit_is_share(unit)) {
        res_fmt_percent(v, a, sizeof a);
        if (isfinite(hw) && hw > 0) {
            two_digits(100.0 * hw, h, sizeof h);
            snprintf(buf, n, "%s ± %s pts", a, h);
        } else {
            snprintf(buf, n, "%s", a);
        }
    } else if (fabs(v) < 100 && v != floor(v)) {
        snprintf(a, sizeof a, "%.3g", v);
        if (isfinite(hw) && hw > 0) {
            two_digits(hw, h, sizeof h);
            snprintf(buf, n, "%s ± %s", a, h);
        } else {
            snprintf(buf, n, "%s", a);
        }
    } else {
        res_fmt_count_ci(v, hw, buf, n);
    }
    return buf;
}

char *res_fmt_clock(double s, char *buf, size_t n)
{
    /* beyond 1e18 s (far past any horizon: only a hand-edited results.json)
     * the minutes would not fit a long long */
    if (!isfinite(s) || s < 0 || s > 1e18) {
        snprintf(buf, n, "n/a");
        return buf;
    }
    long long t = (long long)floor(s / 60.0 + 0.5); /* whole minutes */
    long long day = t / 1440, rest = t % 1440;
    snprintf(buf, n, "day %lld %02lld:%02lld", day, rest / 60, rest % 60);
    return buf;
}

char *res_fmt_percent(double share, char *buf, size_t n)
{
    if (!isfinite(share))
        snprintf(buf, n, "n/a");
    else if (fabs(share) < 0.1 && share != 0.0)
        snprintf(buf, n, "%.2g%%", share * 100.0);
    else
        snprintf(buf, n, "%.1f%%", share * 100.0);
    return buf;
}

/* ---- results.json's reals -------------------------------------------------- */

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 fmt_u128;

static const uint64_t pow10_u64[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};
#endif

/* jansson's jsonp_dtostr: "%.17g", ".0" when neither '.' nor 'e', the
 * exponent without '+' and leading zeros. */
static int json_real_slow(double v, char *buf)
{
    int len = snprintf(buf, 32, "%.17g", v);
    if (len < 0 || len >= 32)
        return 0;
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        memcpy(buf + len, ".0", 3);
        len += 2;
    }
    char *start = strchr(buf, 'e');
    if (start) {
        start++;
        char *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)(len - (end - buf)) + 1);
            len -= (int)(end - start);
        }
    }
    return len;
}

#ifdef __SIZEOF_INT128__
/* floor(m 2^e 10^k) (k <= 21, the product below 2^128) in *q, and how the
 * rest compares with one half (-1, 0, 1). */
static void scaled(uint64_t m, int e, int k, uint64_t *q, int *half)
{
    fmt_u128 n = (fmt_u128)m * pow10_u64[k > 19 ? 19 : k];
    for (int i = 19; i < k; i++)
        n *= 10;
    if (e >= 0) {
        *q = (uint64_t)(n << e);
        *half = -1;
        return;
    }
    int s = -e;
    fmt_u128 rest = n & ((((fmt_u128)1) << s) - 1), h = ((fmt_u128)1) << (s - 1);
    *q = (uint64_t)(n >> s);
    *half = rest < h ? -1 : rest > h;
}

/* a (finite, > 0) with P significant digits (1 <= P <= 17) in f-style, as
 * printf's "%.Pg" writes it, at p; dot_zero: ".0" after a whole number
 * (jansson's rule). The length written, or -1 when a is outside
 * [1e-4, 10^P) or rounds up to 10^P (e-style), for snprintf to do. */
static int g_fixed(double a, int P, int dot_zero, char *p)
{
    if (!(a >= 1e-4 && a < (double)pow10_u64[P]))
        return -1;
    /* a = m 2^e, normal; its decimal exponent x is floor(E log10 2) or one
     * more (E the binary exponent), found from the P digits' range */
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    int be = (int)((bits >> 52) & 0x7ff);
    uint64_t m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
    int e = be - 1075;
    int x = (int)floor((double)(be - 1023) * 0.30102999566398120);
    uint64_t q;
    int half;
    scaled(m, e, P - 1 - x, &q, &half);
    if (q >= pow10_u64[P]) {
        x++;
        scaled(m, e, P - 1 - x, &q, &half);
    }
    if (q < pow10_u64[P - 1] || q >= pow10_u64[P])
        return -1; /* cannot happen: the estimate is off by at most 1 */
    if (half > 0 || (half == 0 && (q & 1)))
        q++; /* printf's rounding: to nearest, a tie to even */
    if (q == pow10_u64[P]) {
        q = pow10_u64[P - 1];
        x++;
    }
    if (x >= P || x < -4)
        return -1; /* e-style */
    char d[17];
    for (int i = P - 1; i >= 0; i--) {
        d[i] = (char)('0' + q % 10);
        q /= 10;
    }
    int last = P - 1; /* the last digit kept: %g drops the fraction's trailing zeros */
    while (last > (x > 0 ? x : 0) && d[last] == '0')
        last--;
    char *start = p;
    if (x >= 0) {
        memcpy(p, d, (size_t)x + 1);
        p += x + 1;
        if (last > x) {
            *p++ = '.';
            memcpy(p, d + x + 1, (size_t)(last - x));
            p += last - x;
        } else if (dot_zero) {
            memcpy(p, ".0", 2);
            p += 2;
        }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -x - 1; i++)
            *p++ = '0';
        memcpy(p, d, (size_t)last + 1);
        p += last + 1;
    }
    *p = '\0';
    return (int)(p - start);
}
#else
/* Without 128-bit integers every number goes through snprintf. */
static int g_fixed(double a, int P, int dot_zero, char *p)
{
    (void)a, (void)P, (void)dot_zero, (void)p;
    return -1;
}
#endif

int res_fmt_json_real(double v, char *buf)
{
    assert(isfinite(v)); /* the caller writes null for the others */
    char *p = buf;
    if (signbit(v))
        *p++ = '-';
    double a = fabs(v);
    if (a == 0.0) {
        memcpy(p, "0.0", 4);
        return (int)(p - buf) + 3;
    }
    int n = g_fixed(a, 17, 1, p);
    return n < 0 ? json_real_slow(v, buf) : (int)(p - buf) + n;
}

int res_fmt_g(double v, int prec, char *buf)
{
    if (prec >= 1 && prec <= 17 && isfinite(v)) {
        char *p = buf;
        if (signbit(v))
            *p++ = '-';
        double a = fabs(v);
        if (a == 0.0) {
            memcpy(p, "0", 2);
            return (int)(p - buf) + 1;
        }
        int n = g_fixed(a, prec, 0, p);
        if (n >= 0)
            return (int)(p - buf) + n;
    }
    int n = snprintf(buf, 32, "%.*g", prec, v);
    return n < 0 ? 0 : n < 32 ? n : 31;
}
