/*
 * sim_text.h - untrusted text made visible.
 *
 * Text from a scenario, a results.json or an argument reaches terminals,
 * summary.txt, CSV files, gnuplot scripts, YAML, Markdown and HTML. Every
 * writer shows it through the one rule here, so that a character can never
 * act as something other than itself (a newline that forges a line, an ESC
 * that drives the terminal, a right-to-left override that reorders what
 * the reader sees). A character is escaped, as printable ASCII, when it is:
 *
 *   a C0 control, bytes 0x00-0x1f     newline "\n", tab "\t", others "\x1b"
 *   DEL, byte 0x7f                    "\x7f"
 *   a C1 control, U+0080-U+009F       "\u009b" (8-bit CSI, OSC, NEL ...)
 *   a line or paragraph separator     "\u2028", "\u2029"
 *   a bidirectional format character  "\u202e" (U+061C, U+200E-U+200F,
 *                                     U+202A-U+202E, U+2066-U+2069)
 *   a byte that is not part of a valid UTF-8 sequence (overlong forms,
 *   surrogates and code points beyond U+10FFFF included)  "\xff"
 * Every other character is kept as it is, multi-byte UTF-8 included. The
 * escapes are those of YAML's double-quoted scalars, so the YAML printer
 * uses the same rule (an escaped character reads back as itself, except an
 * invalid byte, which no YAML reader accepts in any form). A backslash is
 * not escaped here: a writer whose readers take "\x1b" for an escape (YAML)
 * escapes it itself.
 */
#ifndef SIM_TEXT_H
#define SIM_TEXT_H

#include <stddef.h>

/* Room for one piece: a character of up to 4 bytes or an escape of up to
 * 6 ("\u2028"), and the terminating NUL. */
#define SIM_TEXT_PIECE 8

/* Looks at the character that starts at s (s points at a non-NUL byte):
 * writes into piece either that character's bytes unchanged or its escape,
 * NUL-terminated, and returns the number of bytes of s it covers (>= 1). */
size_t sim_text_piece(const char *s, char piece[SIM_TEXT_PIECE]);

/* 1 when sim_text_piece keeps every character of s unchanged (s is shown
 * as it is), 0 when something in it would be escaped. NULL is plain. */
int sim_text_is_plain(const char *s);

/* Writes s with every character shown as sim_text_piece shows it into
 * out[0..n), truncated (never inside an escape or a character) and always
 * NUL-terminated when n > 0. Returns out. */
char *sim_text_visible(const char *s, char *out, size_t n);

#endif
