/*
 * sim_text.c - untrusted text made visible; see sim_text.h.
 *
 * UTF-8 is decoded by the table of RFC 3629 section 4 (the well-formed
 * byte sequences): a lead byte fixes the length and the range of the
 * second byte, which is what excludes overlong forms (C0, C1, E0 80-9F,
 * F0 80-8F), surrogates (ED A0-BF) and code points beyond U+10FFFF
 * (F4 90-BF, F5-FF). A byte where no well-formed sequence starts is
 * escaped alone, and decoding resumes at the next byte.
 */
#include "sim_text.h"

#include <stdio.h>
#include <string.h>

/* The length of the well-formed UTF-8 sequence at s and its code point,
 * or 0 when none starts there. */
static size_t decode(const unsigned char *s, unsigned long *cp)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        *cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        *cp = c & 0x0F;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        *cp = c & 0x07;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        unsigned char t = s[i];
        if (i == 1 ? t < lo || t > hi : t < 0x80 || t > 0xBF)
            return 0; /* also stops at the NUL */
        *cp = *cp << 6 | (t & 0x3F);
    }
    return n;
}

/* 1 for the code points that are escaped although well-formed. */
static int hidden(unsigned long cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t sim_text_piece(const char *s, char piece[SIM_TEXT_PIECE])
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned long cp;
    size_t n = decode(u, &cp);
    if (n == 0) {
        snprintf(piece, SIM_TEXT_PIECE, "\\x%02x", u[0]);
        return 1;
    }
    if (!hidden(cp)) {
        memcpy(piece, s, n);
        piece[n] = '\0';
    } else if (cp == '\n') {
        memcpy(piece, "\\n", 3);
    } else if (cp == '\t') {
        memcpy(piece, "\\t", 3);
    } else if (cp < 0x80) {
        snprintf(piece, SIM_TEXT_PIECE, "\\x%02lx", cp);
    } else {
        snprintf(piece, SIM_TEXT_PIECE, "\\u%04lx", cp);
    }
    return n;
}

int sim_text_is_plain(const char *s)
{
    char piece[SIM_TEXT_PIECE];
    while (s && *s) {
        size_t n = sim_text_piece(s, piece);
        if (strlen(piece) != n || memcmp(piece, s, n) != 0)
            return 0;
        s += n;
    }
    return 1;
}

char *sim_text_visible(const char *s, char *out, size_t n)
{
    size_t len = 0;
    if (n == 0)
        return out;
    out[0] = '\0';
    char piece[SIM_TEXT_PIECE];
    while (s && *s) {
        s += sim_text_piece(s, piece);
        size_t k = strlen(piece);
        if (len + k >= n)
            break;
        memcpy(out + len, piece, k + 1);
        len += k;
    }
    return out;
}
