/*
 * test_scn_csv.c - one column of a CSV file: the values of a named or the
 * first column, quotes, a byte-order mark, CRLF and empty lines, and every
 * refusal with the exact file:line:column it names. Files are written to a
 * temporary directory by the test; the expected values are the ones
 * written.
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

#include "scn_csv.h"
#include "sim_alloc.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/erpsim-csv-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to <dir>/name and returns the path (static buffer). */
static const char *write_file(const char *name, const char *text, size_t len)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    fclose(fp);
    return path;
}

static const char *file_of(const char *name, const char *text)
{
    return write_file(name, text, strlen(text));
}

static void a_named_column_is_read_as_sorted_numbers_times_the_scale(void **state)
{
    (void)state;
    const char *p = file_of("a.csv", "ts,duration_ms,status\r\n"
                                     "1,120,200\r\n"
                                     "2,80,200\r\n"
                                     "\r\n"
                                     "3,250,500\r\n"
                                     "4,50,200"); /* no final newline */
    double *v = NULL;
    size_t n = 0;
    sim_err err;
    assert_int_equal(scn_csv_numbers(p, "duration_ms", 1e-3, &v, &n, &err), SIM_OK);
    assert_int_equal(n, 4);
    const double want[] = {50 * 1e-3, 80 * 1e-3, 120 * 1e-3, 250 * 1e-3};
    for (size_t i = 0; i < n; i++)
        assert_true(v[i] == want[i]);
    sim_free(v);
    /* No column named: the first one. */
    assert_int_equal(scn_csv_numbers(p, "", 1.0, &v, &n, &err), SIM_OK);
    assert_int_equal(n, 4);
    assert_true(v[0] == 1.0 && v[3] == 4.0);
    sim_free(v);
}

static void quotes_a_bom_and_spaces_are_handled(void **state)
{
    (void)state;
    const char *text = "\xef\xbb\xbf\"name, with comma\",\"value\"\n"
                       "\"a \"\"quoted\"\" one\", 1.5 \n"
                       "plain,\"2\"\n";
    const char *p = file_of("b.csv", text);
    double *v = NULL;
    size_t n = 0;
    assert_int_equal(scn_csv_numbers(p, "value", 1.0, &v, &n, NULL), SIM_OK);
    assert_int_equal(n, 2);
    assert_true(v[0] == 1.5 && v[1] == 2.0);
    sim_free(v);
}

static void expect_error(const char *name, const char *text, const char *column, int line, int col,
                         const char *msg_part)
{
    const char *p = file_of(name, text);
    double *v = NULL;
    size_t n = 0;
    sim_err err;
    int rc = scn_csv_numbers(p, column, 1.0, &v, &n, &err);
    assert_int_equal(rc, SIM_EPARSE);
    assert_null(v);
    if (err.line != line || err.column != col || !strstr(err.msg, msg_part) ||
        strcmp(err.file, p) != 0)
        fail_msg("%s: got %s:%d:%d: %s; want line %d column %d with '%s'", name, err.file, err.line,
                 err.column, err.msg, line, col, msg_part);
}

static void every_refusal_names_the_file_line_and_column(void **state)
{
    (void)state;
    expect_error("c1.csv", "a,b\n1,2\n3,x7\n", "b", 3, 3, "'x7' is not a number");
    expect_error("c2.csv", "a,b\n1,2\n3,-1\n", "b", 3, 3, "not a number >= 0");
    expect_error("c3.csv", "a,b\n1,2\n", "latency", 1, 1, "no column named 'latency'");
    expect_error("c4.csv", "a,b\n1,2\n3\n", "b", 3, 2, "no value in column 'b'");
    expect_error("c5.csv", "a,b\n1,\n", "b", 2, 3, "no value in column 'b'");
    expect_error("c6.csv", "a,b\n1,\"2\n", "b", 2, 3, "bad quote");
    expect_error("c7.csv", "a,b\n", "b", 0, 0, "no values below the header");
    expect_error("c8.csv", "\n\n", "b", 1, 1, "expected a header line");
    expect_error("c9.csv", "a,b\n1,nan\n", "b", 2, 3, "not a number");
    expect_error("c10.csv", "a,b\n1,2e400\n", "b", 2, 3, "not a number");
    expect_error("c11.csv", "a,b\n1,1e-3; rm -rf /\n", "b", 2, 3, "not a number");
    const char nul[] = "a,b\n1,\0\n";
    write_file("c12.csv", nul, sizeof nul - 1);
    double *v = NULL;
    size_t n = 0;
    sim_err err;
    char path[512];
    snprintf(path, sizeof path, "%s/c12.csv", dir);
    assert_int_equal(scn_csv_numbers(path, "b", 1.0, &v, &n, &err), SIM_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(scn_csv_numbers("/dev/null", "b", 1.0, &v, &n, &err), SIM_EIO);
    assert_non_null(strstr(err.msg, "not a regular file"));
    assert_int_equal(scn_csv_numbers(dir, "b", 1.0, &v, &n, &err), SIM_EIO); /* a directory */
    snprintf(path, sizeof path, "%s/missing.csv", dir);
    assert_int_equal(scn_csv_numbers(path, "b", 1.0, &v, &n, &err), SIM_EIO);
    assert_non_null(strstr(err.msg, "cannot open"));
}

/* Timestamps. 2024-03-04 is a Monday, day 19786 since 1970-01-01 (a
 * Thursday): 1709510400 s is its midnight UTC. With the scenario at
 * UTC+01:00 local time is UTC + 1 h:
 *   2024-03-04T09:00:00Z        -> 10:00 local -> 36,000 s from the local
 *                                  midnight of the first day
 *   2024-03-04T10:30:00+02:00   -> 08:30 UTC -> 09:30 local -> 34,200 s
 *   2024-03-04 12:00            -> no zone: local as written -> 43,200 s
 *   1709542800 (epoch s)        -> 2024-03-04T09:00:00Z -> 36,000 s
 *   2024-03-05T00:00:00.25Z     -> 01:00:00.25 local on day 1 -> 90,000.25 s
 * sorted ascending, first day Monday (0). A file of epoch milliseconds
 * (its first number >= 1e11) reads the same instants. */
static void timestamps_in_any_form_become_local_offsets_from_the_first_midnight(void **state)
{
    (void)state;
    const char *p = file_of("t1.csv", "when,user\n"
                                      "2024-03-04T09:00:00Z,a\n"
                                      "2024-03-04T10:30:00+02:00,b\n"
                                      "2024-03-04 12:00,c\n"
                                      "1709542800,d\n"
                                      "2024-03-05T00:00:00.25Z,e\n");
    sim_time *t = NULL;
    size_t n = 0;
    int wd = -1;
    sim_err err;
    if (scn_csv_times(p, "when", SIM_HOUR, &t, &n, &wd, &err) != SIM_OK)
        fail_msg("%s:%d:%d: %s", err.file, err.line, err.column, err.msg);
    const sim_time want[] = {34200 * SIM_SEC, 36000 * SIM_SEC, 36000 * SIM_SEC, 43200 * SIM_SEC,
                             90000 * SIM_SEC + 250000};
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(t[i], want[i]);
    assert_int_equal(wd, 0);
    sim_free(t);
    p = file_of("t2.csv", "ms\n1709542800000\n1709542800500\n");
    assert_int_equal(scn_csv_times(p, "", 0, &t, &n, &wd, &err), SIM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(t[0], 9 * SIM_HOUR);
    assert_int_equal(t[1], 9 * SIM_HOUR + 500000);
    sim_free(t);
}

static void expect_time_error(const char *name, const char *text, int line, int col,
                              const char *msg_part)
{
    const char *p = file_of(name, text);
    sim_time *t = NULL;
    size_t n = 0;
    sim_err err;
    assert_int_equal(scn_csv_times(p, "", 0, &t, &n, NULL, &err), SIM_EPARSE);
    assert_null(t);
    if (err.line != line || err.column != col || !strstr(err.msg, msg_part))
        fail_msg("%s: got %d:%d: %s; want %d:%d with '%s'", name, err.line, err.column, err.msg,
                 line, col, msg_part);
}

static void bad_timestamps_are_refused_at_their_position(void **state)
{
    (void)state;
    expect_time_error("u1.csv", "ts\n2024-02-30T00:00:00Z\n", 2, 1, "not a timestamp");
    expect_time_error("u2.csv", "ts\n2023-02-29\n", 2, 1, "not a timestamp");
    expect_time_error("u3.csv", "ts\n2024-03-04T24:00:00Z\n", 2, 1, "not a timestamp");
    expect_time_error("u4.csv", "ts\n2024-03-04T09:00:00+25:00\n", 2, 1, "not a timestamp");
    expect_time_error("u5.csv", "ts\n2024-03-04T09:00:00Zjunk\n", 2, 1, "not a timestamp");
    expect_time_error("u6.csv", "ts\nyesterday\n", 2, 1, "not a timestamp");
    expect_time_error("u7.csv", "ts\n-5\n", 2, 1, "not a timestamp");
    expect_time_error("u8.csv", "ts\n1969-12-31\n", 2, 1, "not a timestamp");
    expect_time_error("u9.csv", "ts\n", 0, 0, "no timestamps");
}

static void paths_are_relative_to_the_scenario_file(void **state)
{
    (void)state;
    char out[64];
    assert_string_equal(scn_csv_resolve("scenarios/x.yaml", "d/l.csv", out, sizeof out),
                        "scenarios/d/l.csv");
    assert_string_equal(scn_csv_resolve("x.yaml", "l.csv", out, sizeof out), "l.csv");
    assert_string_equal(scn_csv_resolve("/a/b/x.yaml", "/abs/l.csv", out, sizeof out),
                        "/abs/l.csv");
    assert_null(scn_csv_resolve("a/x.yaml",
                                "0123456789012345678901234567890123456789012345678901"
                                "234567890123456789",
                                out, sizeof out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_named_column_is_read_as_sorted_numbers_times_the_scale),
        cmocka_unit_test(quotes_a_bom_and_spaces_are_handled),
        cmocka_unit_test(every_refusal_names_the_file_line_and_column),
        cmocka_unit_test(timestamps_in_any_form_become_local_offsets_from_the_first_midnight),
        cmocka_unit_test(bad_timestamps_are_refused_at_their_position),
        cmocka_unit_test(paths_are_relative_to_the_scenario_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
