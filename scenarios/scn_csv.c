/*
 * scn_csv.c - reading one column of a CSV file (see scn_csv.h).
 *
 * The whole file is read into memory (at most SCN_CSV_MAX_BYTES) and
 * walked line by line; a field is copied, without its quotes, into a
 * buffer as long as the line, so no field is ever truncated.
 */
#include "scn_csv.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_load.h"
#include "sim_alloc.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Parses the field starting at p (within [p, end)), copying its text into
 * dst (room for end - p + 1 bytes). Returns the position after the field
 * (at the comma or end), or NULL for a bad quote. */
static const char *field(const char *p, const char *end, char *dst)
{
    while (p < end && is_space(*p))
        p++;
    size_t k = 0;
    if (p < end && *p == '"') {
        p++;
        for (;;) {
            if (p >= end)
                return NULL; /* unterminated */
            if (*p == '"') {
                if (p + 1 < end && p[1] == '"') {
                    dst[k++] = '"';
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            dst[k++] = *p++;
        }
        while (p < end && is_space(*p))
            p++;
        if (p < end && *p != ',')
            return NULL; /* text after the closing quote */
    } else {
        while (p < end && *p != ',')
            dst[k++] = *p++;
        while (k > 0 && is_space(dst[k - 1]))
            k--;
    }
    dst[k] = '\0';
    return p;
}

int scn_csv_read_column(const char *path, const char *column, scn_csv_cell_fn *fn, void *ctx,
                        size_t *nrows, sim_err *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = scn_read_file(path, SCN_CSV_MAX_BYTES, 1, &text, &len, err);
    if (rc != SIM_OK)
        return rc;
    char *buf = sim_malloc(len + 1);
    if (!buf) {
        sim_free(text);
        return sim_err_set(err, SIM_ENOMEM, path, 0, 0, "out of memory reading the file");
    }
    const char *p = text, *stop = text + len;
    if (len >= 3 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb &&
        (unsigned char)p[2] == 0xbf)
        p += 3;
    char label[128];
    int want = -1, line = 0;
    size_t rows = 0;
    char names[512];
    size_t nnames = 0;
    names[0] = '\0';
    while (p < stop && rc == SIM_OK) {
        const char *eol = memchr(p, '\n', (size_t)(stop - p));
        const char *end = eol ? eol : stop;
        const char *next = eol ? eol + 1 : stop;
        line++;
        if (end > p && end[-1] == '\r')
            end--;
        const char *q = p;
        while (q < end && is_space(*q))
            q++;
        if (q == end) { /* empty line */
            p = next;
            continue;
        }
        if (memchr(p, '\0', (size_t)(end - p))) {
            rc = sim_err_set(err, SIM_EPARSE, path, line, 1, "a NUL byte: not a text file");
            break;
        }
        const char *f = p;
        int idx = 0;
        if (want < 0) { /* the header */
            for (;;) {
                const char *after = field(f, end, buf);
                if (!after) {
                    rc = sim_err_set(err, SIM_EPARSE, path, line, (int)(f - p) + 1,
                                     "a header name has a bad quote");
                    break;
                }
                if (want < 0 && (!column || !column[0] || !strcmp(buf, column))) {
                    want = idx;
                    snprintf(label, sizeof label, "%s", buf);
                }
                if (nnames + strlen(buf) + 3 < sizeof names)
                    nnames += (size_t)snprintf(names + nnames, sizeof names - nnames, "%s%s",
                                               idx ? ", " : "", buf);
                idx++;
                if (after >= end)
                    break;
                f = after + 1;
            }
            if (rc == SIM_OK && want < 0)
                rc = sim_err_set(err, SIM_EPARSE, path, line, 1,
                                 "no column named '%.64s' in the header (columns: %.160s)", column,
                                 names);
            p = next;
            continue;
        }
        for (;;) {
            const char *after = field(f, end, buf);
            if (!after) {
                rc = sim_err_set(err, SIM_EPARSE, path, line, (int)(f - p) + 1,
                                 "a field has a bad quote");
                break;
            }
            if (idx == want) {
                if (!buf[0]) {
                    rc = sim_err_set(err, SIM_EPARSE, path, line, (int)(f - p) + 1,
                                     "no value in column '%.64s'", label);
                } else if (rows >= SCN_CSV_MAX_ROWS) {
                    rc = sim_err_set(err, SIM_EPARSE, path, line, 1, "more than %u values: refused",
                                     SCN_CSV_MAX_ROWS);
                } else {
                    sim_err_clear(err);
                    rc = fn(ctx, buf, err);
                    if (rc != SIM_OK && err) {
                        err->code = rc;
                        snprintf(err->file, sizeof err->file, "%s", path);
                        err->line = line;
                        err->column = (int)(f - p) + 1;
                    }
                    rows++;
                }
                break;
            }
            if (after >= end) {
                rc = sim_err_set(err, SIM_EPARSE, path, line, (int)(end - p) + 1,
                                 "the record has no value in column '%.64s'", label);
                break;
            }
            idx++;
            f = after + 1;
        }
        p = next;
    }
    if (rc == SIM_OK && want < 0)
        rc = sim_err_set(err, SIM_EPARSE, path, 1, 1, "empty: expected a header line");
    sim_free(buf);
    sim_free(text);
    if (nrows)
        *nrows = rows;
    return rc;
}

/* ---- numbers ------------------------------------------------------------ */

typedef struct numbers {
    double scale;
    double *v;
    size_t n, cap;
} numbers;

static int add_number(void *ctx, const char *text, sim_err *err)
{
    numbers *nb = ctx;
    char *end = NULL;
    errno = 0;
    double x = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(x) || x < 0)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "'%.64s' is not a number >= 0 (plain digits, e.g. 250 or 0.25)", text);
    if (nb->n == nb->cap) {
        size_t cap = nb->cap ? 2 * nb->cap : 1024;
        double *v = sim_reallocarray(nb->v, cap, sizeof *v);
        if (!v)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        nb->v = v;
        nb->cap = cap;
    }
    nb->v[nb->n++] = x * nb->scale;
    return SIM_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int scn_csv_numbers(const char *path, const char *column, double scale, double **out, size_t *n,
                    sim_err *err)
{
    numbers nb = {.scale = scale};
    int rc = scn_csv_read_column(path, column, add_number, &nb, NULL, err);
    if (rc == SIM_OK && nb.n == 0)
        rc = sim_err_set(err, SIM_EPARSE, path, 0, 0, "no values below the header");
    if (rc != SIM_OK) {
        sim_free(nb.v);
        return rc;
    }
    qsort(nb.v, nb.n, sizeof *nb.v, cmp_double);
    *out = nb.v;
    *n = nb.n;
    return SIM_OK;
}

/* ---- timestamps ------------------------------------------------------- */

#define US_PER_DAY ((int64_t)86400 * 1000000)

typedef struct times {
    sim_time offset; /* local - UTC */
    int unit;        /* numbers: 0 unknown yet, 1 seconds, 1000 milliseconds */
    int64_t *v;      /* local microseconds since 1970-01-01 00:00 local */
    size_t n, cap;
} times;

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H.
 * Hinnant, "chrono-compatible low-level date algorithms", days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* n decimal digits at *p; -1 if not all digits. */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = 10 * v + (**p - '0');
    }
    return v;
}

/* An ISO 8601 timestamp: local microseconds since 1970 (*zoned: it had a
 * zone, so the value is UTC). 0 on success. */
static int parse_iso(const char *t, int64_t *us, int *zoned)
{
    const char *p = t;
    int y = digits(&p, 4);
    if (y < 1970 || *p++ != '-')
        return -1;
    int mo = digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-')
        return -1;
    int d = digits(&p, 2);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
        return -1;
    int64_t v = days_from_civil(y, (unsigned)mo, (unsigned)d) * US_PER_DAY;
    *zoned = 0;
    if (*p == 'T' || *p == ' ') {
        p++;
        int h = digits(&p, 2);
        if (h < 0 || h > 23 || *p++ != ':')
            return -1;
        int mi = digits(&p, 2);
        if (mi < 0 || mi > 59)
            return -1;
        int sec = 0;
        int64_t frac = 0;
        if (*p == ':') {
            p++;
            sec = digits(&p, 2);
            if (sec < 0 || sec > 59)
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                int64_t scale = 100000;
                if (*p < '0' || *p > '9')
                    return -1;
                for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
                    frac += (*p - '0') * scale; /* digits past microseconds drop out */
            }
        }
        v += ((int64_t)h * 3600 + mi * 60 + sec) * 1000000 + frac;
        if (*p == 'Z') {
            p++;
            *zoned = 1;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            int oh = digits(&p, 2), om = 0;
            if (oh < 0 || oh > 23)
                return -1;
            if (*p == ':')
                p++;
            if (*p)
                om = digits(&p, 2);
            if (om < 0 || om > 59)
                return -1;
            v -= sign * ((int64_t)oh * 3600 + om * 60) * 1000000; /* to UTC */
            *zoned = 1;
        }
    }
    if (*p)
        return -1;
    *us = v;
    return 0;
}

static int add_time(void *ctx, const char *text, sim_err *err)
{
    times *tm = ctx;
    int64_t us;
    int zoned = 1;
    if (text[0] >= '0' && text[0] <= '9' && strlen(text) >= 10 && text[4] == '-') {
        if (parse_iso(text, &us, &zoned) != 0)
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                               "'%.64s' is not a timestamp (ISO 8601 such as "
                               "2024-03-04T09:15:00Z, or epoch seconds/milliseconds)",
                               text);
    } else {
        char *end = NULL;
        errno = 0;
        double x = strtod(text, &end);
        if (end == text || *end != '\0' || errno == ERANGE || !isfinite(x) || x < 0)
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                               "'%.64s' is not a timestamp (ISO 8601 such as "
                               "2024-03-04T09:15:00Z, or epoch seconds/milliseconds)",
                               text);
        if (tm->unit == 0)
            tm->unit = x >= 1e11 ? 1000 : 1;
        double s = x / tm->unit;
        if (!(s < 2.5e11)) /* beyond the year 9999 */
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "'%.64s' is too far in the future",
                               text);
        us = (int64_t)llround(s * 1e6);
    }
    if (zoned)
        us += tm->offset;
    if (tm->n == tm->cap) {
        size_t cap = tm->cap ? 2 * tm->cap : 1024;
        int64_t *v = sim_reallocarray(tm->v, cap, sizeof *v);
        if (!v)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        tm->v = v;
        tm->cap = cap;
    }
    tm->v[tm->n++] = us;
    return SIM_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int scn_csv_times(const char *path, const char *column, sim_time utc_offset, sim_time **out,
                  size_t *n, int *first_weekday, sim_err *err)
{
    times tm = {.offset = utc_offset};
    int rc = scn_csv_read_column(path, column, add_time, &tm, NULL, err);
    if (rc == SIM_OK && tm.n == 0)
        rc = sim_err_set(err, SIM_EPARSE, path, 0, 0, "no timestamps below the header");
    if (rc != SIM_OK) {
        sim_free(tm.v);
        return rc;
    }
    qsort(tm.v, tm.n, sizeof *tm.v, cmp_i64);
    int64_t day0 = tm.v[0] >= 0 ? tm.v[0] / US_PER_DAY : -((-tm.v[0] - 1) / US_PER_DAY) - 1;
    for (size_t i = 0; i < tm.n; i++)
        tm.v[i] -= day0 * US_PER_DAY;
    if (first_weekday) /* 1970-01-01 was a Thursday (3, Monday = 0) */
        *first_weekday = (int)(((day0 + 3) % 7 + 7) % 7);
    *out = tm.v;
    *n = tm.n;
    return SIM_OK;
}

char *scn_csv_resolve(const char *base, const char *path, char *out, size_t n)
{
    const char *slash = base ? strrchr(base, '/') : NULL;
    int len;
    if (path[0] == '/' || !slash)
        len = snprintf(out, n, "%s", path);
    else
        len = snprintf(out, n, "%.*s/%s", (int)(slash - base), base, path);
    return len < 0 || (size_t)len >= n ? NULL : out;
}
