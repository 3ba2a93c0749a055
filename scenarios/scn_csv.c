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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim_alloc.h"

/* Reads the file into a NUL-terminated buffer. */
static int slurp(const char *path, char **out, size_t *len, sim_err *err)
{
    /* Only a regular file: never a device, a pipe or a terminal, which
     * could block the load (opening a FIFO waits for a writer) or never
     * end. Checked before opening and again on what was opened. */
    struct stat st;
    if (stat(path, &st) != 0)
        return sim_err_set(err, SIM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return sim_err_set(err, SIM_EIO, path, 0, 0, "not a regular file");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return sim_err_set(err, SIM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return sim_err_set(err, SIM_EIO, path, 0, 0, "not a regular file");
    }
    if ((unsigned long long)st.st_size > SCN_CSV_MAX_BYTES) {
        fclose(fp);
        return sim_err_set(err, SIM_EPARSE, path, 0, 0, "larger than %u MiB: refused",
                           SCN_CSV_MAX_BYTES / (1024u * 1024u));
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = sim_malloc(cap + 1);
    int rc = buf ? SIM_OK : SIM_ENOMEM;
    while (rc == SIM_OK) {
        if (n == cap) {
            if (cap >= SCN_CSV_MAX_BYTES) {
                rc = sim_err_set(err, SIM_EPARSE, path, 0, 0, "larger than %u MiB: refused",
                                 SCN_CSV_MAX_BYTES / (1024u * 1024u));
                break;
            }
            char *nb = sim_realloc(buf, 2 * cap + 1);
            if (!nb) {
                rc = SIM_ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp))
                rc = sim_err_set(err, SIM_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
            break;
        }
    }
    fclose(fp);
    if (rc == SIM_ENOMEM)
        sim_err_set(err, SIM_ENOMEM, path, 0, 0, "out of memory reading the file");
    if (rc != SIM_OK) {
        sim_free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return SIM_OK;
}

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
    int rc = slurp(path, &text, &len, err);
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
