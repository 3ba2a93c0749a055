#include "res_fmt.h"

#include <math.h>
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
    const char *name;
    double seconds;
} units[] = {{"d", 86400.0}, {"h", 3600.0}, {"min", 60.0}, {"s", 1.0}, {"ms", 1e-3}, {"us", 1e-6}};

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

static void three_digits(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%.3g", v);
}

char *res_fmt_duration(double s, char *buf, size_t n)
{
    if (!isfinite(s)) {
        snprintf(buf, n, "n/a");
        return buf;
    }
    const struct unit *u = unit_for(s);
    char num[32];
    three_digits(s / u->seconds, num, sizeof num);
    snprintf(buf, n, "%s %s", num, u->name);
    return buf;
}

char *res_fmt_duration_ci(double s, double hw, char *buf, size_t n)
{
    if (!isfinite(s)) {
        snprintf(buf, n, "n/a");
        return buf;
    }
    const struct unit *u = unit_for(s);
    char num[32], h[32];
    three_digits(s / u->seconds, num, sizeof num);
    if (!isfinite(hw)) {
        snprintf(buf, n, "%s %s", num, u->name);
        return buf;
    }
    /* A CI needs two significant digits at most, but never an exponent:
     * a half-width wider than 100 units prints whole. */
    double hu = hw / u->seconds;
    snprintf(h, sizeof h, hu >= 100.0 ? "%.0f" : "%.2g", hu);
    snprintf(buf, n, "%s %s ± %s", num, u->name, h);
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
