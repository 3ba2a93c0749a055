/*
 * plt_buf.h - a growable text buffer for the writers (CSV, gnuplot scripts,
 * summaries, HTML).
 *
 * Writers append many small pieces; checking every append for an
 * allocation failure would bury the logic. So the buffer is sticky: after
 * the first failed allocation every later append is a no-op and `failed`
 * stays set. The writer checks once, at the end (plt_buf_status). The text
 * is always NUL-terminated while data is not NULL.
 */
#ifndef PLT_BUF_H
#define PLT_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "sim_err.h"

typedef struct plt_buf {
    char *data; /* owned; NULL until the first append */
    size_t len; /* bytes used, without the terminating NUL */
    size_t cap;
    int failed; /* an allocation failed: the text is incomplete */
} plt_buf;

void plt_buf_init(plt_buf *b);
void plt_buf_fini(plt_buf *b); /* frees the text; init again to reuse */
void plt_buf_put(plt_buf *b, const char *s, size_t n);
void plt_buf_puts(plt_buf *b, const char *s);
void plt_buf_printf(plt_buf *b, const char *fmt, ...) SIM_PRINTF(2, 3);
void plt_buf_vprintf(plt_buf *b, const char *fmt, va_list ap) SIM_PRINTF(2, 0);
/* Forgets the text but keeps the memory. */
void plt_buf_clear(plt_buf *b);
/* SIM_OK, or SIM_ENOMEM (with err filled) when an append failed. */
int plt_buf_status(const plt_buf *b, sim_err *err);
/* Hands the text over to the caller (sim_free it); the buffer is empty
 * after. Never NULL unless an allocation failed (then the buffer is
 * freed too). */
char *plt_buf_take(plt_buf *b);

/* Appends s with every character a reader could take for something else
 * (control characters, malformed UTF-8 ...) shown as its escape, by the
 * rule of sim_text.h: for text from a scenario, a results.json or an
 * argument in a summary or a message. NULL appends nothing. */
void plt_buf_put_visible(plt_buf *b, const char *s);

/* CSV (RFC 4180), shared by every CSV writer. plt_buf_csv_field appends
 * s as one field: as is, or in double quotes (inner quotes doubled) when
 * it holds a comma or a quote. Control characters are shown as escapes
 * (sim_text.h: a newline is the two characters \n), so a record is always
 * one line, for gnuplot (which reads data line by line) as for people.
 * NULL is an empty field.
 * plt_buf_csv_num appends a comma and then v as %.10g, or nothing after
 * the comma when v is not finite (an empty cell, not "nan"). */
void plt_buf_csv_field(plt_buf *b, const char *s);
void plt_buf_csv_num(plt_buf *b, double v);

#endif
