#include "plt_buf.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "res_fmt.h"
#include "sim_alloc.h"
#include "sim_text.h"

void plt_buf_init(plt_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void plt_buf_fini(plt_buf *b)
{
    sim_free(b->data);
    plt_buf_init(b);
}

/* Makes room for n more bytes plus the NUL. */
static int reserve(plt_buf *b, size_t n)
{
    if (b->failed)
        return 0;
    if (b->len + n + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) {
        if (cap > (size_t)-1 / 2) {
            b->failed = 1;
            return 0;
        }
        cap *= 2;
    }
    char *p = sim_realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void plt_buf_put(plt_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void plt_buf_puts(plt_buf *b, const char *s)
{
    plt_buf_put(b, s, strlen(s));
}

void plt_buf_vprintf(plt_buf *b, const char *fmt, va_list ap)
{
    char small[256];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        b->failed = 1;
    } else if ((size_t)n < sizeof small) {
        plt_buf_put(b, small, (size_t)n);
    } else if (reserve(b, (size_t)n)) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void plt_buf_printf(plt_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plt_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void plt_buf_clear(plt_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int plt_buf_status(const plt_buf *b, sim_err *err)
{
    if (b->failed)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory while writing output");
    return SIM_OK;
}

char *plt_buf_take(plt_buf *b)
{
    if (!reserve(b, 0)) {
        plt_buf_fini(b);
        return NULL;
    }
    b->data[b->len] = '\0';
    char *p = b->data;
    plt_buf_init(b);
    return p;
}

void plt_buf_csv_field(plt_buf *b, const char *s)
{
    s = s ? s : "";
    int quote = strpbrk(s, ",\"") != NULL;
    char piece[SIM_TEXT_PIECE];
    if (quote)
        plt_buf_put(b, "\"", 1);
    while (*s) {
        if (*s == '"') {
            plt_buf_put(b, "\"\"", 2);
            s++;
            continue;
        }
        s += sim_text_piece(s, piece);
        plt_buf_puts(b, piece);
    }
    if (quote)
        plt_buf_put(b, "\"", 1);
}

void plt_buf_put_visible(plt_buf *b, const char *s)
{
    char piece[SIM_TEXT_PIECE];
    while (s && *s) {
        s += sim_text_piece(s, piece);
        plt_buf_puts(b, piece);
    }
}

void plt_buf_csv_num(plt_buf *b, double v)
{
    plt_buf_put(b, ",", 1);
    if (isfinite(v)) {
        char t[32]; /* "%.10g", without printf's cost */
        plt_buf_put(b, t, (size_t)res_fmt_g(v, 10, t));
    }
}
