/*
 * scn_csv.h - one column of a CSV file, read as data: the measured service
 * times of an empirical distribution (api.service.file) and the timestamps
 * of an arrival trace (arrival.trace). The file is only ever read as text
 * and parsed as numbers or dates: nothing in it is executed or
 * interpreted otherwise.
 *
 * Format (what an APM tool or a log query exports):
 *   - UTF-8 or ASCII text; a byte-order mark at the start is skipped;
 *   - lines end with LF or CRLF; empty lines are skipped;
 *   - the first non-empty line is a header of column names;
 *   - fields are separated by commas; a field may be enclosed in double
 *     quotes, inside which a comma is data and "" is one quote;
 *   - surrounding spaces of a field are ignored.
 * The column is chosen by its header name (case-sensitive; "" or NULL:
 * the first column). Every record must have a value in that column.
 * Limits: SCN_CSV_MAX_BYTES per file, SCN_CSV_MAX_ROWS values.
 *
 * Errors are reported as the file's own position: err->file is the path,
 * err->line and err->column point at the offending field (1-based).
 */
#ifndef SCN_CSV_H
#define SCN_CSV_H

#include <stddef.h>

#include "sim_err.h"
#include "sim_time.h"

#define SCN_CSV_MAX_BYTES (256u * 1024u * 1024u)
#define SCN_CSV_MAX_ROWS  20000000u

/* Called for the chosen field of each record, in file order; text is the
 * field without quotes and surrounding spaces (valid during the call).
 * Returns SIM_OK, or a status with err filled (the reader adds the
 * position). */
typedef int scn_csv_cell_fn(void *ctx, const char *text, sim_err *err);

/* Reads column `column` of the file at path, calling fn for each value.
 * SIM_OK, SIM_EIO (cannot open or read), SIM_EPARSE (no header, unknown
 * column with the names found, a missing value, a bad quote, too large, or
 * fn's error), SIM_ENOMEM. *nrows (if not NULL) receives the number of
 * values. */
int scn_csv_read_column(const char *path, const char *column, scn_csv_cell_fn *fn, void *ctx,
                        size_t *nrows, sim_err *err);

/* The values of a column as non-negative finite numbers times scale,
 * sorted ascending (*out owned by the caller, sim_free). At least one value
 * is required. */
int scn_csv_numbers(const char *path, const char *column, double scale, double **out, size_t *n,
                    sim_err *err);

/* The values of a column as timestamps, each either
 *   ISO 8601: YYYY-MM-DD, optionally followed by T or a space and
 *             hh:mm[:ss[.fraction]], optionally followed by Z, +hh:mm,
 *             -hh:mm, +hhmm or +hh (without a zone: local time as written);
 *   a number: seconds since 1970-01-01 00:00 UTC, or milliseconds when the
 *             file's first number is 1e11 or more (1e11 s is the year 5138,
 *             1e11 ms early 1973); fractions allowed.
 * Times with a zone or as numbers are instants, turned into local time
 * with utc_offset (local = UTC + offset). The result (*out, owned by the
 * caller, sim_free) is ascending, in microseconds from the local midnight
 * starting the day of the earliest timestamp; *first_weekday (if not NULL)
 * receives that day's weekday, 0 = Monday. At least one value is
 * required. */
int scn_csv_times(const char *path, const char *column, sim_time utc_offset, sim_time **out,
                  size_t *n, int *first_weekday, sim_err *err);

/* path resolved against the directory of base (the scenario file): an
 * absolute path, or a base without a directory, leaves path as it is.
 * Returns out, or NULL when it does not fit n bytes. */
char *scn_csv_resolve(const char *base, const char *path, char *out, size_t n);

#endif
