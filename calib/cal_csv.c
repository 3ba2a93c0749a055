/*
 * cal_csv.c - the streaming CSV reader; see cal_csv.h for the grammar.
 *
 * Layout: `in` holds the current block of the input (in[pos..len) not yet
 * consumed); `rec` holds the fields of the current record, each followed
 * by a NUL, at offsets off[0..nf). An unquoted field is copied in spans
 * (runs of ordinary bytes found with a table lookup, one memcpy each), so
 * the common log row costs a few memcpy calls, not a call per byte.
 *
 * Invariants:
 *   1. line and col are the position of in[pos], the next byte to read.
 *   2. rec_len <= CAL_CSV_MAX_RECORD + nf (the NULs) < rec_cap.
 *   3. Once `failed` is set, `fail` holds the error and nothing moves.
 */
#include "cal_csv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim_alloc.h"

#define END  (-1) /* peek(): the end of the input */
#define FAIL (-2) /* peek(): an error, kept in c->fail */

struct cal_csv {
    FILE *f;         /* NULL when reading from memory */
    char *name;      /* owned */
    const char *in;  /* the block: buf, or the caller's text */
    char *buf;       /* owned block buffer (files only) */
    size_t len, pos; /* bytes in the block, next byte */
    int eof;         /* no more blocks */
    uint64_t bytes;  /* consumed before this block */
    long line, col;  /* position of in[pos] */
    char *rec;       /* fields, each NUL-terminated */
    size_t rec_len, rec_cap;
    size_t *off; /* field offsets in rec */
    long *fline, *fcol;
    int nf, fcap;
    long rec_line;
    int started; /* the BOM check is done */
    int failed;
    sim_err fail;
};

/* Bytes that end a span: of an unquoted field (comma, CR, LF, NUL) and
 * of a quoted one (quote, CR, LF, NUL). */
static unsigned char special[256], in_quotes[256];

static void init_special(void)
{
    special[(unsigned char)','] = special[(unsigned char)'\r'] = 1;
    special[(unsigned char)'\n'] = special[0] = 1;
    in_quotes[(unsigned char)'"'] = in_quotes[(unsigned char)'\r'] = 1;
    in_quotes[(unsigned char)'\n'] = in_quotes[0] = 1;
}

static cal_csv *create(const char *name, sim_err *err)
{
    if (!special[0])
        init_special();
    cal_csv *c = sim_calloc(1, sizeof *c);
    if (!c)
        goto fail;
    c->name = sim_strdup(name ? name : "");
    c->rec_cap = 4096;
    c->rec = sim_malloc(c->rec_cap);
    c->fcap = 64;
    c->off = sim_calloc((size_t)c->fcap, sizeof *c->off);
    c->fline = sim_calloc((size_t)c->fcap, sizeof *c->fline);
    c->fcol = sim_calloc((size_t)c->fcap, sizeof *c->fcol);
    if (!c->name || !c->rec || !c->off || !c->fline || !c->fcol)
        goto fail;
    c->line = c->col = 1;
    return c;
fail:
    cal_csv_close(c);
    sim_err_set(err, SIM_ENOMEM, name, 0, 0, "out of memory");
    return NULL;
}

cal_csv *cal_csv_open(const char *path, sim_err *err)
{
    cal_csv *c = create(path, err);
    if (!c)
        return NULL;
    if (!(c->buf = sim_malloc(CAL_CSV_BLOCK))) {
        cal_csv_close(c);
        sim_err_set(err, SIM_ENOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    c->in = c->buf;
    if (!(c->f = fopen(path, "rb"))) {
        sim_err_set(err, SIM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
        cal_csv_close(c);
        return NULL;
    }
    return c;
}

cal_csv *cal_csv_open_mem(const char *name, const char *text, size_t len, sim_err *err)
{
    cal_csv *c = create(name, err);
    if (!c)
        return NULL;
    c->in = text;
    c->len = len;
    c->eof = 1;
    return c;
}

void cal_csv_close(cal_csv *c)
{
    if (!c)
        return;
    if (c->f)
        fclose(c->f);
    sim_free(c->buf);
    sim_free(c->name);
    sim_free(c->rec);
    sim_free(c->off);
    sim_free(c->fline);
    sim_free(c->fcol);
    sim_free(c);
}

/* ---- input -------------------------------------------------------------- */

static int fail_at(cal_csv *c, int code, long line, long col, const char *msg)
{
    c->failed = 1;
    return sim_err_set(&c->fail, code, c->name, (int)line, (int)col, "%s", msg);
}

/* Makes in[pos] available: reads the next block when this one is used up.
 * 1 when a byte is there, 0 at the end, or a negative status. */
static int fill(cal_csv *c)
{
    if (c->failed)
        return c->fail.code;
    if (c->pos < c->len)
        return 1;
    if (c->eof || !c->f)
        return 0;
    c->bytes += c->len;
    c->len = fread(c->buf, 1, CAL_CSV_BLOCK, c->f);
    c->pos = 0;
    if (c->len < CAL_CSV_BLOCK) {
        if (ferror(c->f))
            return fail_at(c, SIM_EIO, c->line, c->col, "read error");
        c->eof = 1;
    }
    return c->len > 0;
}

static int peek(cal_csv *c)
{
    int rc = fill(c);
    return rc > 0 ? (unsigned char)c->in[c->pos] : rc == 0 ? END : FAIL;
}

/* Consumes one byte that is not a line break. */
static void skip1(cal_csv *c)
{
    c->pos++;
    c->col++;
}

/* Consumes a line break (CRLF, LF or a lone CR) whose first byte is at
 * pos; `keep` appends its bytes to the record (inside a quoted field). */
static int line_break(cal_csv *c, int keep);

/* ---- the record ----------------------------------------------------------- */

static int append(cal_csv *c, const char *s, size_t n)
{
    if (c->rec_len + n + 1 > CAL_CSV_MAX_RECORD + (size_t)c->nf + 1)
        return fail_at(c, SIM_EPARSE, c->rec_line, 1,
                       "a record longer than 1 MiB (a quote that is never closed?)");
    if (c->rec_len + n + 1 > c->rec_cap) {
        size_t cap = c->rec_cap;
        while (cap < c->rec_len + n + 1)
            cap *= 2;
        char *r = sim_realloc(c->rec, cap);
        if (!r)
            return fail_at(c, SIM_ENOMEM, c->rec_line, 1, "out of memory");
        c->rec = r;
        c->rec_cap = cap;
    }
    memcpy(c->rec + c->rec_len, s, n);
    c->rec_len += n;
    return SIM_OK;
}

static int line_break(cal_csv *c, int keep)
{
    char ch = c->in[c->pos];
    int rc = keep ? append(c, &ch, 1) : SIM_OK;
    c->pos++;
    if (rc == SIM_OK && ch == '\r' && peek(c) == '\n') {
        if (keep)
            rc = append(c, "\n", 1);
        c->pos++;
    }
    c->line++;
    c->col = 1;
    return rc;
}

static int begin_field(cal_csv *c)
{
    if (c->nf == CAL_CSV_MAX_FIELDS)
        return fail_at(c, SIM_EPARSE, c->line, c->col, "more than 4096 fields in a record");
    if (c->nf == c->fcap) {
        int cap = c->fcap * 2;
        size_t *off = sim_reallocarray(c->off, (size_t)cap, sizeof *off);
        if (off)
            c->off = off;
        long *fl = off ? sim_reallocarray(c->fline, (size_t)cap, sizeof *fl) : NULL;
        if (fl)
            c->fline = fl;
        long *fc = fl ? sim_reallocarray(c->fcol, (size_t)cap, sizeof *fc) : NULL;
        if (!fc)
            return fail_at(c, SIM_ENOMEM, c->line, c->col, "out of memory");
        c->fcol = fc;
        c->fcap = cap;
    }
    c->off[c->nf] = c->rec_len;
    c->fline[c->nf] = c->line;
    c->fcol[c->nf] = c->col;
    return SIM_OK;
}

static int end_field(cal_csv *c)
{
    if (append(c, "", 0) != SIM_OK) /* makes room for the NUL */
        return c->fail.code;
    c->rec[c->rec_len++] = '\0';
    c->nf++;
    return SIM_OK;
}

/* A quoted field, from its opening quote to the byte after the closing
 * one: spans of ordinary bytes copied at once, then the byte that ended
 * the span (a quote, a line break, a NUL) handled alone. */
static int quoted(cal_csv *c)
{
    long line = c->line, col = c->col;
    skip1(c);
    for (;;) {
        int rc = fill(c);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return fail_at(c, SIM_EPARSE, line, col, "a quoted field is never closed");
        const unsigned char *p = (const unsigned char *)c->in + c->pos;
        size_t n = 0, avail = c->len - c->pos;
        while (n < avail && !in_quotes[p[n]])
            n++;
        if (n > 0) {
            if (append(c, (const char *)p, n) != SIM_OK)
                return c->fail.code;
            c->pos += n;
            c->col += (long)n;
            continue;
        }
        int ch = p[0];
        if (ch == '\0')
            return fail_at(c, SIM_EPARSE, c->line, c->col,
                           "a NUL byte (a binary or UTF-16 file? logs must be UTF-8 text)");
        if (ch == '\r' || ch == '\n') {
            if (line_break(c, 1) != SIM_OK)
                return c->fail.code;
            continue;
        }
        skip1(c); /* a quote: the end, or the first of a doubled one */
        if (peek(c) != '"')
            return SIM_OK;
        skip1(c);
        if (append(c, "\"", 1) != SIM_OK)
            return c->fail.code;
    }
}

/* An unquoted field: spans of ordinary bytes up to a comma, a line break
 * or the end. */
static int unquoted(cal_csv *c)
{
    for (;;) {
        int rc = fill(c);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return SIM_OK;
        const unsigned char *p = (const unsigned char *)c->in + c->pos;
        size_t n = 0, avail = c->len - c->pos;
        while (n < avail && !special[p[n]])
            n++;
        if (n > 0 && append(c, (const char *)p, n) != SIM_OK)
            return c->fail.code;
        c->pos += n;
        c->col += (long)n;
        if (n < avail) {
            if (p[n] == '\0')
                return fail_at(c, SIM_EPARSE, c->line, c->col,
                               "a NUL byte (a binary or UTF-16 file? logs must be UTF-8 text)");
            return SIM_OK; /* a comma or a line break: the caller decides */
        }
    }
}

int cal_csv_next(cal_csv *c, sim_err *err)
{
    if (c->failed)
        goto failed;
    if (!c->started) {
        c->started = 1;
        if (fill(c) > 0 && c->len - c->pos >= 3 && !memcmp(c->in + c->pos, "\xEF\xBB\xBF", 3))
            c->pos += 3;
    }
    for (;;) { /* blank lines */
        int ch = peek(c);
        if (ch == FAIL)
            goto failed;
        if (ch == END)
            return 0;
        if (ch != '\r' && ch != '\n')
            break;
        line_break(c, 0);
    }
    c->rec_len = 0;
    c->nf = 0;
    c->rec_line = c->line;
    for (;;) {
        if (begin_field(c) != SIM_OK)
            goto failed;
        int ch = peek(c);
        if (ch == '"') {
            if (quoted(c) != SIM_OK)
                goto failed;
            ch = peek(c);
            if (ch != ',' && ch != '\r' && ch != '\n' && ch != END) {
                if (ch != FAIL)
                    fail_at(c, SIM_EPARSE, c->line, c->col,
                            "a character after the closing quote of a field (a quote inside "
                            "a quoted field must be doubled: \"\")");
                goto failed;
            }
        } else if (unquoted(c) != SIM_OK) {
            goto failed;
        }
        if (end_field(c) != SIM_OK)
            goto failed;
        ch = peek(c);
        if (ch == FAIL)
            goto failed;
        if (ch == ',') {
            skip1(c);
            continue;
        }
        if (ch != END)
            line_break(c, 0);
        return 1;
    }
failed:
    if (err)
        *err = c->fail;
    return c->fail.code;
}

int cal_csv_nfields(const cal_csv *c)
{
    return c->nf;
}

const char *cal_csv_field(const cal_csv *c, int i, size_t *len)
{
    const char *s = c->rec + c->off[i];
    if (len)
        *len = (i + 1 < c->nf ? c->off[i + 1] : c->rec_len) - c->off[i] - 1;
    return s;
}

long cal_csv_line(const cal_csv *c)
{
    return c->rec_line;
}

long cal_csv_field_line(const cal_csv *c, int i)
{
    return c->fline[i];
}

long cal_csv_field_column(const cal_csv *c, int i)
{
    return c->fcol[i];
}

const char *cal_csv_name(const cal_csv *c)
{
    return c->name;
}

uint64_t cal_csv_bytes(const cal_csv *c)
{
    return c->bytes + c->pos;
}
