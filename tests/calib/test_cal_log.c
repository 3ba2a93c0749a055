/*
 * test_cal_log.c - reading usage logs: the three formats, groups, counts
 * per minute, duplicates, rows out of order, time zones, and the limits
 * that protect a fit from bad input (skipped rows, overlapping files,
 * groups, the span). Expected counts are read off the fixture files in
 * tests/calib/logs/ (the comments say how).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cal_log.h"

#define MIN_US CAL_US_PER_MIN

static int64_t at(int y, int m, int d, int h, int mi, int s)
{
    return (cal_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s) * 1000000LL;
}

static int64_t minute_of(int64_t us)
{
    return cal_floor_div(us, MIN_US);
}

static cal_log *read_ok(const char *path, const cal_log_opts *o)
{
    cal_log *l = NULL;
    sim_err err;
    sim_err_clear(&err);
    int rc = cal_log_read(&path, 1, o, &l, &err);
    if (rc != SIM_OK)
        fail_msg("%s: %s:%d:%d: %s", path, err.file, err.line, err.column, err.msg);
    return l;
}

/* Writes text to a new temporary file; returns its path (free it). */
static char *temp_file(const char *text)
{
    char *path = strdup("/tmp/cal_log_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void timestamps_are_grouped_and_counted_per_minute(void **state)
{
    (void)state;
    cal_log_opts o = {.by = "app"};
    cal_log *l = read_ok("tests/calib/logs/timestamps.csv", &o);
    assert_int_equal(l->kind, CAL_LOG_TIMESTAMPS);
    assert_int_equal(l->rows, 5);
    assert_int_equal(l->ngroups, 3);
    const cal_group *erp = cal_log_group(l, "erp");
    assert_non_null(erp);
    assert_int_equal(erp->rows, 3);
    /* 09:00:05 and 09:00:40 share a minute; 08:59:59 is the minute before */
    assert_int_equal(cal_minutes_get(erp->all, minute_of(at(2026, 11, 2, 9, 0, 0))), 2);
    assert_int_equal(cal_minutes_get(erp->all, minute_of(at(2026, 11, 2, 8, 59, 0))), 1);
    assert_int_equal(cal_log_group(l, "crm")->rows, 1);
    assert_int_equal(cal_log_group(l, "crm, EMEA")->rows, 1); /* a quoted comma */
    /* 08:59:59 comes after 09:01:00: one row out of order, 61 s back */
    assert_int_equal(l->unsorted, 1);
    assert_int_equal(l->max_back_us, 61 * 1000000LL);
    assert_int_equal(l->first_us, at(2026, 11, 2, 8, 59, 59));
    assert_int_equal(l->last_us, at(2026, 11, 2, 10, 15, 0));
    assert_int_equal(l->bucket_us, MIN_US);
    assert_int_equal(l->offsets, 1); /* every time says Z */
    assert_int_equal(l->local_min, 0);
    cal_log_destroy(l);
}

static void without_a_group_column_every_row_is_one_group(void **state)
{
    (void)state;
    cal_log_opts o = {0};
    cal_log *l = read_ok("tests/calib/logs/timestamps.csv", &o);
    assert_int_equal(l->ngroups, 1);
    assert_string_equal(l->groups[0].name, "all");
    assert_int_equal(l->groups[0].rows, 5);
    cal_log_destroy(l);
}

static void salesforce_logs_are_recognised_and_duplicates_dropped(void **state)
{
    (void)state;
    cal_log_opts o = {0};
    cal_log *l = read_ok("tests/calib/logs/salesforce.csv", &o);
    assert_int_equal(l->kind, CAL_LOG_SALESFORCE);
    assert_string_equal(l->time_col, "TIMESTAMP_DERIVED");
    assert_string_equal(l->by, "CONNECTED_APP_NAME");
    assert_true(l->has_limit);
    /* rows 2 and 3 are one event written twice (same REQUEST_ID and time);
     * row 4 shares the REQUEST_ID at another time: a second event */
    assert_int_equal(l->rows, 5);
    assert_int_equal(l->duplicates, 1);
    const cal_group *mule = cal_log_group(l, "MuleSoft ERP Sync");
    assert_non_null(mule);
    assert_int_equal(mule->rows, 3);
    assert_int_equal(mule->limited_rows, 3);
    const cal_group *none = cal_log_group(l, "(empty)"); /* the Workbench call */
    assert_non_null(none);
    assert_int_equal(none->rows, 1);
    assert_int_equal(none->limited_rows, 0);
    assert_int_equal(cal_minutes_get(mule->limited, minute_of(at(2026, 11, 2, 13, 45, 0))), 2);
    cal_log_destroy(l);
}

static void counts_logs_add_each_bucket_and_find_its_width(void **state)
{
    (void)state;
    cal_log_opts o = {.kind = CAL_LOG_COUNTS, .by = "app"};
    cal_log *l = read_ok("tests/calib/logs/counts.csv", &o);
    /* bucket starts 09:00, 09:00, 10:00, 12:00: gaps 1 h and 2 h, gcd 1 h */
    assert_int_equal(l->bucket_us, 60 * MIN_US);
    assert_int_equal(cal_log_group(l, "erp")->rows, 12 + 0 + 7);
    assert_int_equal(cal_log_group(l, "crm")->rows, 3);
    assert_int_equal(
        cal_minutes_get(cal_log_group(l, "erp")->all, minute_of(at(2026, 11, 2, 12, 0, 0))), 7);
    cal_log_destroy(l);
}

static void times_without_a_zone_are_read_in_the_given_zone(void **state)
{
    (void)state;
    char *p = temp_file("timestamp\n2026-11-02 10:00:00\n2026-11-02 10:30:00\n");
    cal_log_opts o = {.tz_given = 1, .tz_min = 60};
    cal_log *l = read_ok(p, &o);
    assert_int_equal(l->first_us, at(2026, 11, 2, 9, 0, 0)); /* 10:00 at +01:00 */
    assert_int_equal(l->local_min, 60);
    assert_false(l->zone_seen);
    cal_log_destroy(l);
    /* times that carry +01:00 make it the local time when --tz is absent */
    char *q = temp_file("timestamp\n2026-11-02T10:00:00+01:00\n");
    cal_log_opts none = {0};
    l = read_ok(q, &none);
    assert_int_equal(l->local_min, 60);
    assert_int_equal(l->first_us, at(2026, 11, 2, 9, 0, 0));
    cal_log_destroy(l);
    remove(p);
    remove(q);
    free(p);
    free(q);
}

static void expect_error(const char *const *paths, int n, const cal_log_opts *o, int line,
                         const char *words)
{
    cal_log *l = NULL;
    sim_err err;
    sim_err_clear(&err);
    int rc = cal_log_read(paths, n, o, &l, &err);
    assert_int_not_equal(rc, SIM_OK);
    assert_null(l);
    assert_int_equal(err.line, line);
    if (!strstr(err.msg, words))
        fail_msg("message '%s' does not say '%s'", err.msg, words);
}

/* n rows, one a minute from 2026-11-02 at h0:00, with ids id-<k>. */
static char *minute_log(int h0, int n)
{
    size_t cap = 64 + (size_t)n * 48;
    char *text = malloc(cap);
    size_t used = (size_t)snprintf(text, cap, "timestamp,id\n");
    for (int k = 0; k < n; k++)
        used += (size_t)snprintf(text + used, cap - used, "2026-11-02T%02d:%02d:00Z,id-%d\n",
                                 h0 + k / 60, k % 60, k);
    char *p = temp_file(text);
    free(text);
    return p;
}

static void overlapping_files_are_refused_when_duplicates_cannot_be_checked(void **state)
{
    (void)state;
    char *a = minute_log(0, 180); /* 00:00 to 02:59 */
    char *b = minute_log(0, 180); /* the same three hours again */
    char *c = minute_log(3, 120); /* 03:00 to 04:59: no overlap */
    cal_log_opts o = {.id_col = "id"};
    const char *same[] = {a, b};
    /* b's rows from 00:00 come when a has reached 02:59: duplicates of
     * 02:00-02:59 are found, the rows before 01:00 are too far back */
    expect_error(same, 2, &o, 2, "overlaps");
    const char *next[] = {c, a}; /* read in time order whatever the order given */
    cal_log *l = read_ok(a, &o);
    cal_log_destroy(l);
    l = NULL;
    sim_err err;
    assert_int_equal(cal_log_read(next, 2, &o, &l, &err), SIM_OK);
    assert_string_equal(l->files[0].path, a);
    assert_int_equal(l->rows, 300);
    assert_int_equal(l->duplicates, 0);
    assert_int_equal(l->unsorted, 0);
    cal_log_destroy(l);
    /* without an id column, overlapping logs (two gateways) are fine */
    cal_log_opts no_id = {0};
    l = NULL;
    assert_int_equal(cal_log_read(same, 2, &no_id, &l, &err), SIM_OK);
    assert_int_equal(l->rows, 360);
    cal_log_destroy(l);
    remove(a);
    remove(b);
    remove(c);
    free(a);
    free(b);
    free(c);
}

static void duplicates_within_the_last_hour_are_dropped(void **state)
{
    (void)state;
    /* 90 rows, then rows 60..89 again (01:00-01:29 written twice, within
     * an hour of the newest row) */
    char *text = malloc(16384);
    size_t used = (size_t)sprintf(text, "timestamp,id\n");
    for (int k = 0; k < 90; k++)
        used += (size_t)sprintf(text + used, "2026-11-02T%02d:%02d:00Z,id-%d\n", k / 60, k % 60, k);
    for (int k = 60; k < 90; k++)
        used += (size_t)sprintf(text + used, "2026-11-02T%02d:%02d:00Z,id-%d\n", k / 60, k % 60, k);
    char *p = temp_file(text);
    cal_log_opts o = {.id_col = "id"};
    cal_log *l = read_ok(p, &o);
    assert_int_equal(l->rows, 120);
    assert_int_equal(l->duplicates, 30);
    assert_int_equal(l->groups[0].rows, 90);
    /* the copies of 01:00..01:28 come after 01:29; the copy of 01:29 does
     * not go back */
    assert_int_equal(l->unsorted, 29);
    assert_int_equal(l->late, 0);
    cal_log_destroy(l);
    remove(p);
    free(p);
    free(text);
}

static void unreadable_rows_are_skipped_only_up_to_one_percent(void **state)
{
    (void)state;
    char *text = malloc(65536);
    size_t used = (size_t)sprintf(text, "timestamp\n");
    for (int k = 0; k < 1000; k++)
        used += (size_t)sprintf(text + used, "2026-11-02T%02d:%02d:00Z\n", k / 60 % 24, k % 60);
    for (int k = 0; k < 5; k++)
        used += (size_t)sprintf(text + used, "garbage\n");
    char *p = temp_file(text);
    cal_log_opts skip = {.skip_bad = 1};
    cal_log *l = read_ok(p, &skip);
    assert_int_equal(l->skipped, 5);
    assert_int_equal(l->rows, 1000);
    assert_int_equal(l->first_skipped.line, 1002);
    cal_log_destroy(l);
    cal_log_opts strict = {0};
    const char *one[] = {p};
    expect_error(one, 1, &strict, 1002, "cannot read 'garbage'");
    for (int k = 0; k < 20; k++)
        used += (size_t)sprintf(text + used, "garbage\n");
    char *q = temp_file(text);
    const char *many[] = {q};
    expect_error(many, 1, &skip, 1002, "more than 1%");
    remove(p);
    remove(q);
    free(p);
    free(q);
    free(text);
}

static void more_groups_than_the_limit_is_an_error(void **state)
{
    (void)state;
    char *text = malloc(64 * (CAL_LOG_MAX_GROUPS + 2));
    size_t used = (size_t)sprintf(text, "timestamp,user\n");
    for (int k = 0; k <= CAL_LOG_MAX_GROUPS; k++)
        used += (size_t)sprintf(text + used, "2026-11-02T10:00:00Z,u%d\n", k);
    char *p = temp_file(text);
    cal_log_opts o = {.by = "user"};
    const char *one[] = {p};
    expect_error(one, 1, &o, CAL_LOG_MAX_GROUPS + 2, "coarser column");
    remove(p);
    free(p);
    free(text);
}

static void a_time_far_from_the_others_is_an_error(void **state)
{
    (void)state;
    /* 1970-01-02 among times of 2026: a column in the wrong unit, say */
    char *p = temp_file("timestamp\n1793626512\n100000\n");
    cal_log_opts o = {.tfmt = CAL_TFMT_EPOCH_S};
    const char *one[] = {p};
    expect_error(one, 1, &o, 3, "wrong unit");
    remove(p);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timestamps_are_grouped_and_counted_per_minute),
        cmocka_unit_test(without_a_group_column_every_row_is_one_group),
        cmocka_unit_test(salesforce_logs_are_recognised_and_duplicates_dropped),
        cmocka_unit_test(counts_logs_add_each_bucket_and_find_its_width),
        cmocka_unit_test(times_without_a_zone_are_read_in_the_given_zone),
        cmocka_unit_test(overlapping_files_are_refused_when_duplicates_cannot_be_checked),
        cmocka_unit_test(duplicates_within_the_last_hour_are_dropped),
        cmocka_unit_test(unreadable_rows_are_skipped_only_up_to_one_percent),
        cmocka_unit_test(more_groups_than_the_limit_is_an_error),
        cmocka_unit_test(a_time_far_from_the_others_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
