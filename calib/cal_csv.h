/*
 * cal_csv.h - a streaming CSV reader (RFC 4180) for usage logs.
 *
 * A log can be larger than memory, so the reader holds one record at a
 * time: the file is read in blocks of CAL_CSV_BLOCK bytes and each call of
 * cal_csv_next parses the next record into a buffer that is reused. Memory
 * is two buffers of a block and of the longest record, whatever the size
 * of the file.
 *
 * The grammar (RFC 4180, section 2, with the usual leniencies):
 *   - records end with CRLF, LF or a lone CR; the last one may end at the
 *     end of the file without a line break;
 *   - fields are separated by commas; a field that begins with a double
 *     quote is quoted: it ends at the next quote that is not doubled, may
 *     hold commas, line breaks and doubled quotes ("" is one "), and must
 *     be followed by a comma, a line break or the end of the file;
 *   - a quote inside an unquoted field is kept as a character (as
 *     Python's csv module does): real exports write such values;
 *   - a UTF-8 byte order mark at the start of the file is skipped; blank
 *     lines are skipped (a trailing empty line is common).
 * Refused, with the position: a quoted field still open at the end of the
 * file, a character after a closing quote, a NUL byte (a binary or UTF-16
 * file), a record longer than CAL_CSV_MAX_RECORD bytes or with more than
 * CAL_CSV_MAX_FIELDS fields. Records may have different numbers of fields:
 * the caller decides (a log's rows must match its header).
 *
 * Positions: lines are physical lines (a quoted line break starts a new
 * one), 1-based; a field's column is the 1-based byte offset of its first
 * character in its line.
 *
 * Library code: nothing is printed; errors come back in a sim_err with
 * the file name, line and column.
 * Checked by: tests/calib/test_cal_csv.c.
 */
#ifndef CAL_CSV_H
#define CAL_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"

#define CAL_CSV_BLOCK      (1u << 20) /* bytes read at a time */
#define CAL_CSV_MAX_RECORD (1u << 20) /* bytes of one record, quotes removed */
#define CAL_CSV_MAX_FIELDS 4096

typedef struct cal_csv cal_csv;

/* Opens the file at path for reading. NULL with err filled (SIM_EIO,
 * SIM_ENOMEM). */
cal_csv *cal_csv_open(const char *path, sim_err *err);
/* Reads from text[0..len) (borrowed: it must outlive the reader), reported
 * under `name` (copied). For tests and small inputs. */
cal_csv *cal_csv_open_mem(const char *name, const char *text, size_t len, sim_err *err);
void cal_csv_close(cal_csv *c); /* NULL is a no-op */

/* Parses the next record. Returns 1 when there is one, 0 at the end of the
 * input, or a negative status (SIM_EPARSE, SIM_EIO) with err filled with
 * the file, line and column of the problem. After an error the reader
 * stays at the error (every later call returns it again). */
int cal_csv_next(cal_csv *c, sim_err *err);

/* The current record: its fields, NUL-terminated, valid until the next
 * call of cal_csv_next. len (may be NULL) receives the length (a field can
 * hold a NUL only if the file does, which is refused). i must be <
 * cal_csv_nfields. */
int cal_csv_nfields(const cal_csv *c);
const char *cal_csv_field(const cal_csv *c, int i, size_t *len);
/* The line where the current record starts, and the line and column of
 * field i. */
long cal_csv_line(const cal_csv *c);
long cal_csv_field_line(const cal_csv *c, int i);
long cal_csv_field_column(const cal_csv *c, int i);
/* The name the input is reported under. */
const char *cal_csv_name(const cal_csv *c);
/* Bytes consumed so far (for progress and the benchmark). */
uint64_t cal_csv_bytes(const cal_csv *c);

#endif
