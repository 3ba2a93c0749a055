/*
 * cal_log.h - usage logs read into counts per minute, per group.
 *
 * Three kinds of CSV log (a header line, then one row per record):
 *
 *   salesforce  Salesforce Event Monitoring event log files (EventLogFile,
 *               e.g. the API Total Usage event type), recognised by their
 *               header: EVENT_TYPE, TIMESTAMP_DERIVED and REQUEST_ID. Time
 *               from TIMESTAMP_DERIVED (UTC); groups by CONNECTED_APP_NAME
 *               (else CLIENT_NAME); duplicates by REQUEST_ID; calls that
 *               count against the API limit from COUNTS_AGAINST_API_LIMIT.
 *   timestamps  one row per request or record, the time in a column chosen
 *               by name (default "timestamp"), optionally a group column
 *               (--by) and an id column for duplicates (--id). This is also
 *               the format `erpsim run --trace-out` writes.
 *   counts      one row per time bucket: its start (column "bucket" by
 *               default), a count (column "count") and optionally a group.
 *               The bucket width is the greatest common divisor of the gaps
 *               between bucket starts.
 *
 * Several files are read as one log, in the order of their first
 * timestamps. Memory is bounded by days x groups (cal_minutes.h), plus the
 * ids of the last one to two hours of rows when duplicates are checked.
 *
 * Bad input never gives a silent wrong fit. The reader stops with
 * `file:line:column` and SIM_EPARSE on: a missing column (naming the
 * nearest one), a row with a different number of fields than the header,
 * an unreadable time or count (unless skip_bad: such rows are skipped and
 * counted, up to 1% of the rows), timestamps with and without a zone in one
 * log, different UTC offsets without --tz (daylight saving time: say which
 * local time the shapes are in), more than CAL_LOG_MAX_GROUPS groups, and
 * files that overlap in time when duplicates cannot be checked across them.
 * It counts, and the caller reports as warnings: duplicate rows (the same
 * id at the same time; dropped), rows out of time order (each is counted in
 * its own minute, so the order does not matter), rows too far out of order
 * for the duplicate check, and skipped rows.
 *
 * Duplicates: Salesforce documents REQUEST_ID as the id of a transaction,
 * which several events may share; two rows with the same id AND the same
 * timestamp are the same event written twice. The check holds the keys of
 * the rows of the last one to two hours of log time (two one-hour
 * generations), so a duplicate is found when its copy is within an hour of
 * the newest row read; a row older than that cannot be checked and is
 * counted as `late`.
 *
 * Checked by: tests/calib/test_cal_log.c and the fixtures in
 * tests/calib/logs/.
 */
#ifndef CAL_LOG_H
#define CAL_LOG_H

#include <stdint.h>

#include "cal_minutes.h"
#include "cal_time.h"
#include "sim_err.h"

#define CAL_LOG_MAX_GROUPS 1000
#define CAL_LOG_NAME_MAX   128

typedef enum cal_log_kind {
    CAL_LOG_AUTO = 0, /* salesforce when the header says so, else timestamps */
    CAL_LOG_SALESFORCE,
    CAL_LOG_TIMESTAMPS,
    CAL_LOG_COUNTS
} cal_log_kind;

const char *cal_log_kind_name(cal_log_kind k);

typedef struct cal_log_opts {
    cal_log_kind kind;
    const char *time_col;  /* NULL: the kind's default (see above) */
    const char *by;        /* group column; NULL: the kind's default ("" = no groups) */
    const char *count_col; /* counts: NULL = "count" */
    const char *id_col;    /* duplicates; NULL: REQUEST_ID for salesforce, none otherwise */
    cal_tfmt tfmt;         /* AUTO: detected from each file's first time */
    int tz_given;          /* times without a zone are in tz_min; shapes are in tz_min */
    int tz_min;
    int skip_bad; /* skip unreadable rows (at most 1% of them) instead of stopping */
} cal_log_opts;

typedef struct cal_group {
    char *name;           /* the group column's value; "(empty)" for an empty one */
    uint64_t rows;        /* records counted (duplicates dropped) */
    cal_minutes *all;     /* records per UTC minute */
    cal_minutes *limited; /* salesforce: calls counting against the API limit; else NULL */
    uint64_t limited_rows;
} cal_group;

typedef struct cal_log_file {
    char *path;
    uint64_t rows;
    int64_t first_us, last_us; /* earliest and latest instant in the file */
} cal_log_file;

typedef struct cal_log {
    cal_log_kind kind;
    char time_col[CAL_LOG_NAME_MAX], by[CAL_LOG_NAME_MAX], id_col[CAL_LOG_NAME_MAX];
    cal_tfmt tfmt;     /* the format of the first file's times */
    cal_group *groups; /* in the order they first appear */
    int ngroups;
    cal_log_file *files; /* in reading order */
    int nfiles;
    int64_t first_us, last_us; /* earliest and latest instant (bucket starts for counts) */
    int64_t bucket_us;         /* counts: the bucket width; else 60 s (one minute) */
    /* Time zones: offsets written in the log, and the local time used. */
    int zone_seen;  /* some time had a zone (or is an epoch time) */
    int offsets;    /* distinct UTC offsets seen: 0, 1 or 2 (= more than one) */
    int offset_min; /* the first one seen */
    int local_min;  /* local time = UTC + local_min: --tz, else the logs' one offset, else 0 */
    /* What the caller reports as warnings. */
    uint64_t rows;       /* data rows read */
    uint64_t duplicates; /* dropped */
    uint64_t unsorted;   /* rows earlier than the row before them in their file */
    int64_t max_back_us; /* the largest step back */
    uint64_t late;       /* rows too far back for the duplicate check */
    uint64_t skipped;    /* unreadable rows skipped (skip_bad) */
    sim_err first_skipped;
    int has_limit; /* salesforce with COUNTS_AGAINST_API_LIMIT */
} cal_log;

/* Reads the files as one log. SIM_OK with *out set (destroy it), or an
 * error with err filled (file, line, column) and *out NULL. */
int cal_log_read(const char *const *paths, int npaths, const cal_log_opts *o, cal_log **out,
                 sim_err *err);
void cal_log_destroy(cal_log *l); /* NULL is a no-op */

/* The group named name, or NULL. */
const cal_group *cal_log_group(const cal_log *l, const char *name);

#endif
