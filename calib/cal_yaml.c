/*
 * cal_yaml.c - the estimates as scenario text; see cal_yaml.h.
 */
#include "cal_yaml.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim_text.h"

static const char *const key_names[CAL_NKEYS] = {"volume", "diurnal", "weekly", "growth"};

const char *cal_key_name(cal_key k)
{
    return (int)k >= 0 && k < CAL_NKEYS ? key_names[k] : "?";
}

int cal_key_in_arrival(cal_key k)
{
    return k != CAL_KEY_VOLUME;
}

/* Appends to buf at *len like snprintf, never past n - 1. */
static void put(char *buf, size_t n, size_t *len, const char *fmt, ...) SIM_PRINTF(4, 5);

static void put(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(*len < n ? buf + *len : NULL, *len < n ? n - *len : 0, fmt, ap);
    va_end(ap);
    if (w > 0)
        *len += (size_t)w;
}

/* Drops the trailing zeros of a decimal ("3.100" -> "3.1", "3.000" -> "3"). */
static void trim_zeros(char *num)
{
    if (!strchr(num, '.'))
        return;
    char *e = num + strlen(num);
    while (e[-1] == '0')
        *--e = '\0';
    if (e[-1] == '.')
        e[-1] = '\0';
}

/* v per day with 4 significant digits: "2205/day", "12.35/day". */
static void per_day(double v, char *buf, size_t n)
{
    int decimals = v >= 1000.0 || v <= 0.0 ? 0 : 3 - (int)floor(log10(v));
    if (decimals > 6)
        decimals = 6;
    double scale = v >= 1000.0 ? pow(10.0, floor(log10(v)) - 3) : 1.0;
    double r = v >= 1000.0 ? round(v / scale) * scale : v;
    char num[64];
    snprintf(num, sizeof num, "%.*f", decimals, r);
    trim_zeros(num);
    snprintf(buf, n, "%s/day", num);
}

static void weights(const cal_ci *w, int k, char *buf, size_t n)
{
    size_t len = 0;
    put(buf, n, &len, "[");
    for (int i = 0; i < k; i++)
        put(buf, n, &len, "%s%.3f", i ? ", " : "", w[i].est);
    put(buf, n, &len, "]");
}

char *cal_yaml_value(const cal_fit *f, cal_key k, char *buf, size_t n)
{
    buf[0] = '\0';
    switch (k) {
    case CAL_KEY_VOLUME:
        if (isfinite(f->volume.est))
            per_day(f->volume.est, buf, n);
        break;
    case CAL_KEY_DIURNAL:
        if (f->has_diurnal)
            weights(f->diurnal, 24, buf, n);
        break;
    case CAL_KEY_WEEKLY:
        if (f->has_weekly)
            weights(f->weekly, 7, buf, n);
        break;
    default:
        if (f->has_growth) {
            /* to 0.01% a month (below anything a log can resolve), always
             * per month, trailing zeros dropped: "3.12%/month", "0%/month" */
            char num[32];
            snprintf(num, sizeof num, "%.2f", f->growth.est > 0.0 ? 100.0 * f->growth.est : 0.0);
            trim_zeros(num);
            snprintf(buf, n, "%s%%/month", num);
        }
        break;
    }
    return buf;
}

static void percent(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%+.1f%%", 100.0 * v);
}

char *cal_yaml_comment(const cal_fit *f, cal_key k, char *buf, size_t n)
{
    char a[48], b[48];
    switch (k) {
    case CAL_KEY_VOLUME:
        if (!isfinite(f->volume.est)) {
            snprintf(buf, n, "no volume: no record in a whole day of the log");
            break;
        }
        per_day(f->volume.lo, a, sizeof a);
        per_day(f->volume.hi, b, sizeof b);
        snprintf(buf, n, "at the end of the log, week average; 95%% CI %s .. %s", a, b);
        break;
    case CAL_KEY_DIURNAL:
        if (!f->has_diurnal)
            snprintf(buf, n, "no diurnal shape: %s",
                     f->nnotes ? f->notes[f->nnotes - 1] : "not estimated");
        else
            snprintf(buf, n,
                     "00:00 first; explains %.0f%% of the hourly variation (R^2), "
                     "dispersion %.2f (1 = Poisson noise only)",
                     100.0 * f->diurnal_r2, f->hour_dispersion);
        break;
    case CAL_KEY_WEEKLY:
        if (!f->has_weekly)
            snprintf(buf, n, "no weekly shape: %s", f->nnotes ? f->notes[0] : "not estimated");
        else
            snprintf(buf, n,
                     "Monday first; with growth explains %.0f%% of the daily variation "
                     "(R^2), dispersion %.2f",
                     100.0 * f->weekly_r2, f->day_dispersion);
        break;
    default:
        if (!f->has_growth) {
            snprintf(buf, n, "no growth: %s", f->nnotes ? f->notes[0] : "not estimated");
            break;
        }
        percent(f->growth.lo, a, sizeof a);
        percent(f->growth.hi, b, sizeof b);
        {
            char m[48];
            percent(f->growth.est, m, sizeof m);
            snprintf(buf, n, "%s%s/month, 95%% CI %s .. %s, %s (p = %.2g)%s",
                     f->growth.est < 0.0 ? "measured " : "", m, a, b,
                     f->growth_p < 0.05 ? "significant" : "not significant", f->growth_p,
                     f->growth.est < 0.0 ? "; scenarios have no negative growth" : "");
        }
        break;
    }
    return buf;
}

size_t cal_yaml_fragment(const cal_fit *f, const char *group, const char *about, int indent,
                         char *buf, size_t n)
{
    size_t len = 0;
    char name[200], value[512], comment[256];
    if (n > 0)
        buf[0] = '\0';
    put(buf, n, &len, "%*s# group: %s\n", indent, "", sim_text_visible(group, name, sizeof name));
    if (about && *about)
        put(buf, n, &len, "%*s# %s\n", indent, "", sim_text_visible(about, value, sizeof value));
    int arrival = 0; /* an arrival block: some arrival key has a value */
    for (int k = 0; k < CAL_NKEYS; k++)
        arrival |= cal_key_in_arrival((cal_key)k) && cal_yaml_value(f, (cal_key)k, value, 8)[0];
    for (int k = 0; k < CAL_NKEYS; k++) {
        cal_yaml_value(f, (cal_key)k, value, sizeof value);
        cal_yaml_comment(f, (cal_key)k, comment, sizeof comment);
        int in = cal_key_in_arrival((cal_key)k);
        if (k == CAL_KEY_DIURNAL && arrival)
            put(buf, n, &len, "%*sarrival:\n", indent, "");
        int pad = indent + (in && arrival ? 2 : 0);
        if (value[0])
            put(buf, n, &len, "%*s%s: %s    # %s\n", pad, "", cal_key_name((cal_key)k), value,
                comment);
        else
            put(buf, n, &len, "%*s# %s\n", pad, "", comment);
    }
    return len;
}
