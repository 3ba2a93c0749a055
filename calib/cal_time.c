/*
 * cal_time.c - timestamps; see cal_time.h.
 *
 * The parsers work on the text directly (no sscanf, no locale, no
 * timegm): a log has millions of timestamps and every one must be checked
 * completely, including its trailing characters.
 */
#include "cal_time.h"

#include <stdio.h>
#include <string.h>

#include "mdl_scenario.h"
#include "mdl_schedule.h"
#include "scn_schema.h"

#define MAX_EPOCH_S ((int64_t)253402300800) /* 10000-01-01T00:00Z */

static const char *const tfmt_names[] = {"auto", "iso", "epoch-s", "epoch-ms"};

int cal_tfmt_parse(const char *name, cal_tfmt *out, sim_err *err)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, tfmt_names[i])) {
            *out = (cal_tfmt)i;
            return SIM_OK;
        }
    return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                       "unknown time format '%s' (known: auto, iso, epoch-s, epoch-ms)", name);
}

const char *cal_tfmt_name(cal_tfmt f)
{
    return (int)f >= 0 && (int)f < 4 ? tfmt_names[f] : "?";
}

/* ---- calendar ------------------------------------------------------------- */

int64_t cal_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* The calendar arithmetic lives once, in models/mdl_schedule (the same
 * Hinnant algorithms, used by the monthly schedules). */
int64_t cal_days_from_civil(int y, int m, int d)
{
    return mdl_days_from_civil(y, m, d);
}

void cal_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    int64_t yy;
    mdl_civil_from_days(z, &yy, m, d);
    *y = (int)yy;
}

int cal_weekday(int64_t days)
{
    return mdl_weekday_of_epoch_day(days);
}

static int days_in_month(int y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : n[m - 1];
}

/* ---- parsing -------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int bad(sim_err *err, const char *s)
{
    return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                       "cannot read '%.60s' as a time: expected ISO 8601 "
                       "(2026-11-02T13:45:12.345Z), epoch seconds or epoch milliseconds",
                       s);
}

static int parse_iso(const char *s, cal_stamp *out, sim_err *err)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac_us = 0;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return bad(err, s);
    const char *p = s + 10;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi))
            return bad(err, s);
        p += 6;
        if (*p == ':') {
            if (!digits(p + 1, 2, &sec))
                return bad(err, s);
            p += 3;
            if (*p == '.' || *p == ',') {
                int nd = 0;
                int64_t scale = 100000;
                for (p++; *p >= '0' && *p <= '9'; p++, nd++)
                    if (nd < 6) {
                        frac_us += (*p - '0') * scale;
                        scale /= 10;
                    }
                if (nd < 1 || nd > 9)
                    return bad(err, s);
            }
        }
    }
    out->zone = 0;
    out->offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        out->zone = 1;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        if (!digits(p + 1, 2, &oh))
            return bad(err, s);
        p += 3;
        if (*p == ':')
            p++;
        if (*p >= '0' && *p <= '9') {
            if (!digits(p, 2, &om))
                return bad(err, s);
            p += 2;
        }
        if (oh > 14 || om > 59 || oh * 60 + om > 14 * 60)
            return sim_err_set(err, SIM_ERANGE, NULL, 0, 0,
                               "the UTC offset of '%.60s' is beyond +-14:00", s);
        out->zone = 1;
        out->offset_min = sign * (oh * 60 + om);
    }
    if (*p)
        return bad(err, s);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 59)
        return sim_err_set(err, SIM_ERANGE, NULL, 0, 0,
                           "'%.60s' is not a valid date and time (or before 1970)", s);
    int64_t t = cal_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    out->us = t * 1000000 + frac_us - (int64_t)out->offset_min * CAL_US_PER_MIN;
    if (out->us < 0)
        return sim_err_set(err, SIM_ERANGE, NULL, 0, 0, "'%.60s' is before 1970", s);
    return SIM_OK;
}

/* Digits with an optional fraction, as a count of `unit` (1 = seconds,
 * 1000 = milliseconds). */
static int parse_epoch(const char *s, int64_t unit, cal_stamp *out, sim_err *err)
{
    const char *p = s;
    int64_t whole = 0;
    int nd = 0;
    for (; *p >= '0' && *p <= '9'; p++, nd++) {
        if (nd >= 16)
            return sim_err_set(err, SIM_ERANGE, NULL, 0, 0, "epoch time '%.60s' is too large", s);
        whole = whole * 10 + (*p - '0');
    }
    int64_t per = 1000000 / unit; /* microseconds per unit */
    int64_t frac_us = 0, scale = per / 10;
    if (nd > 0 && *p == '.') {
        int nf = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, nf++, scale /= 10)
            frac_us += (*p - '0') * scale; /* digits below a microsecond add 0 */
        if (nf == 0)
            return bad(err, s);
    }
    if (nd == 0 || *p)
        return bad(err, s);
    if (whole / unit >= MAX_EPOCH_S)
        return sim_err_set(err, SIM_ERANGE, NULL, 0, 0, "epoch time '%.60s' is after 9999", s);
    out->us = whole * per + frac_us;
    out->zone = 1;
    out->offset_min = 0;
    return SIM_OK;
}

int cal_time_parse(const char *s, cal_tfmt fmt, cal_stamp *out, cal_tfmt *used, sim_err *err)
{
    cal_stamp st;
    int rc;
    if (fmt == CAL_TFMT_AUTO) {
        /* The integer part decides between seconds and milliseconds; the
         * chosen parser then checks the whole text. */
        int64_t whole = 0;
        for (int i = 0; s[i] >= '0' && s[i] <= '9' && i < 17; i++)
            whole = whole * 10 + (s[i] - '0');
        if (strlen(s) > 4 && s[4] == '-')
            fmt = CAL_TFMT_ISO;
        else
            fmt = whole < (int64_t)100000000000 ? CAL_TFMT_EPOCH_S : CAL_TFMT_EPOCH_MS;
    }
    switch (fmt) {
    case CAL_TFMT_ISO:
        rc = parse_iso(s, &st, err);
        break;
    case CAL_TFMT_EPOCH_S:
        rc = parse_epoch(s, 1, &st, err);
        break;
    default:
        rc = parse_epoch(s, 1000, &st, err);
        break;
    }
    if (rc != SIM_OK)
        return rc;
    *out = st;
    if (used)
        *used = fmt;
    return SIM_OK;
}

int cal_time_parse_offset(const char *s, int *minutes, sim_err *err)
{
    /* The scenario's own utc_offset key reads it, so --tz and utc_offset
     * accept exactly the same text. */
    int index;
    const scn_key *k = scn_schema_key(scn_schema_root(), "utc_offset", &index);
    mdl_scenario sc;
    mdl_scenario_init(&sc);
    int rc = k ? scn_value_parse(k, s, &sc, err)
               : sim_err_set(err, SIM_EINTERNAL, NULL, 0, 0, "no utc_offset key in the schema");
    if (rc == SIM_OK)
        *minutes = (int)(sc.utc_offset / SIM_MIN);
    mdl_scenario_fini(&sc);
    return rc;
}

/* ---- writing -------------------------------------------------------------- */

/* "+01:00", or `utc` for offset 0. */
static char *zone_text(int offset_min, const char *utc, char *buf, size_t n)
{
    int a = offset_min < 0 ? -offset_min : offset_min;
    if (offset_min == 0)
        snprintf(buf, n, "%s", utc);
    else
        snprintf(buf, n, "%c%02d:%02d", offset_min < 0 ? '-' : '+', a / 60, a % 60);
    return buf;
}

char *cal_offset_format(int offset_min, char *buf, size_t n)
{
    return zone_text(offset_min, "UTC", buf, n);
}

char *cal_date_format(int64_t day, char *buf, size_t n)
{
    int y, m, d;
    cal_civil_from_days(day, &y, &m, &d);
    snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
    return buf;
}

char *cal_time_format(int64_t us, int offset_min, char *buf, size_t n)
{
    int64_t local = us + (int64_t)offset_min * CAL_US_PER_MIN;
    int64_t day = cal_floor_div(local, CAL_US_PER_DAY);
    int64_t in_day = local - day * CAL_US_PER_DAY;
    int y, m, d;
    cal_civil_from_days(day, &y, &m, &d);
    int64_t ms = in_day / 1000;
    char zone[16];
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", y, m, d, (int)(ms / 3600000),
             (int)(ms / 60000 % 60), (int)(ms / 1000 % 60), (int)(ms % 1000),
             zone_text(offset_min, "Z", zone, sizeof zone));
    return buf;
}
