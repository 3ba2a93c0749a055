/*
 * test_cal_csv.c - the streaming CSV reader against RFC 4180: quoting
 * (commas, doubled quotes, line breaks inside quotes), CRLF, positions, the
 * errors it must refuse, and a line break split across two read blocks.
 *
 * Every expected value below is read off the input text by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cal_csv.h"
#include "sim_alloc.h"

static cal_csv *mem(const char *text)
{
    sim_err err;
    cal_csv *c = cal_csv_open_mem("t.csv", text, strlen(text), &err);
    assert_non_null(c);
    return c;
}

/* Reads the next record and checks its fields against want[0..n). */
static void expect_record(cal_csv *c, int n, const char *const *want)
{
    sim_err err;
    sim_err_clear(&err);
    int rc = cal_csv_next(c, &err);
    if (rc != 1)
        fail_msg("cal_csv_next returned %d: %s", rc, err.msg);
    assert_int_equal(cal_csv_nfields(c), n);
    for (int i = 0; i < n; i++)
        assert_string_equal(cal_csv_field(c, i, NULL), want[i]);
}

static void plain_records_end_with_lf_crlf_or_the_end_of_the_file(void **state)
{
    (void)state;
    cal_csv *c = mem("a,b,c\n1,2,3\r\n4,5,6");
    expect_record(c, 3, (const char *[]){"a", "b", "c"});
    assert_int_equal(cal_csv_line(c), 1);
    expect_record(c, 3, (const char *[]){"1", "2", "3"});
    assert_int_equal(cal_csv_line(c), 2);
    expect_record(c, 3, (const char *[]){"4", "5", "6"});
    assert_int_equal(cal_csv_line(c), 3);
    assert_int_equal(cal_csv_next(c, NULL), 0);
    assert_int_equal(cal_csv_next(c, NULL), 0);
    cal_csv_close(c);
}

static void empty_fields_are_kept_and_blank_lines_skipped(void **state)
{
    (void)state;
    cal_csv *c = mem("\xEF\xBB\xBFx,,y,\n\n\r\n,\n");
    expect_record(c, 4, (const char *[]){"x", "", "y", ""});
    expect_record(c, 2, (const char *[]){"", ""});
    assert_int_equal(cal_csv_line(c), 4); /* two blank lines were skipped */
    assert_int_equal(cal_csv_next(c, NULL), 0);
    cal_csv_close(c);
}

static void quoted_fields_hold_commas_doubled_quotes_and_line_breaks(void **state)
{
    (void)state;
    cal_csv *c = mem("\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",\"\"\r\nnext,\"x\"\n");
    expect_record(c, 4, (const char *[]){"a,b", "say \"hi\"", "two\r\nlines", ""});
    size_t len;
    assert_string_equal(cal_csv_field(c, 1, &len), "say \"hi\"");
    assert_int_equal(len, 8);
    /* the fourth field starts on line 2, after the quoted line break */
    assert_int_equal(cal_csv_field_line(c, 3), 2);
    assert_int_equal(cal_csv_field_column(c, 3), 8); /* lines",  is 7 bytes */
    expect_record(c, 2, (const char *[]){"next", "x"});
    assert_int_equal(cal_csv_line(c), 3);
    assert_int_equal(cal_csv_field_column(c, 1), 6);
    assert_int_equal(cal_csv_next(c, NULL), 0);
    cal_csv_close(c);
}

static void a_quote_inside_an_unquoted_field_is_a_character(void **state)
{
    (void)state;
    cal_csv *c = mem("5\" disk,ok\n");
    expect_record(c, 2, (const char *[]){"5\" disk", "ok"});
    cal_csv_close(c);
}

static void expect_error(const char *text, int line, int column, const char *words)
{
    cal_csv *c = mem(text);
    sim_err err;
    sim_err_clear(&err);
    int rc;
    while ((rc = cal_csv_next(c, &err)) == 1)
        ;
    assert_int_equal(rc, SIM_EPARSE);
    assert_string_equal(err.file, "t.csv");
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    if (!strstr(err.msg, words))
        fail_msg("message '%s' does not say '%s'", err.msg, words);
    /* the reader stays at the error */
    assert_int_equal(cal_csv_next(c, NULL), SIM_EPARSE);
    cal_csv_close(c);
}

static void an_unclosed_quote_is_reported_where_it_opened(void **state)
{
    (void)state;
    expect_error("a,b\n1,\"open\nstill open\n", 2, 3, "never closed");
}

static void a_character_after_a_closing_quote_is_refused(void **state)
{
    (void)state;
    expect_error("a,b\n\"x\"y,2\n", 2, 4, "after the closing quote");
}

static void a_nul_byte_is_refused(void **state)
{
    (void)state;
    const char text[] = "a,b\n1,2\0x\n";
    sim_err err;
    cal_csv *c = cal_csv_open_mem("t.csv", text, sizeof text - 1, &err);
    assert_int_equal(cal_csv_next(c, &err), 1);
    assert_int_equal(cal_csv_next(c, &err), SIM_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 4);
    assert_non_null(strstr(err.msg, "NUL"));
    cal_csv_close(c);
}

static void a_record_longer_than_the_limit_is_refused(void **state)
{
    (void)state;
    size_t n = CAL_CSV_MAX_RECORD + 10;
    char *text = sim_malloc(n + 3);
    assert_non_null(text);
    text[0] = '"';
    memset(text + 1, 'x', n);
    text[n + 1] = '\n';
    text[n + 2] = '\0';
    sim_err err;
    cal_csv *c = cal_csv_open_mem("t.csv", text, n + 2, &err);
    assert_int_equal(cal_csv_next(c, &err), SIM_EPARSE);
    assert_int_equal(err.line, 1);
    assert_non_null(strstr(err.msg, "1 MiB"));
    cal_csv_close(c);
    sim_free(text);
}

/* A file whose first block ends between the CR and the LF of a line break,
 * and whose quoted field spans the block boundary. */
static void a_crlf_split_across_read_blocks_is_one_line_break(void **state)
{
    (void)state;
    char path[] = "/tmp/cal_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    /* line 1: "h\r\n"; then rows "1234567,x\r\n" (11 bytes) until the first
     * block's last byte is a CR. */
    size_t used = (size_t)fprintf(f, "h\r\n");
    long rows = 0;
    while (used + 11 <= CAL_CSV_BLOCK) {
        used += (size_t)fprintf(f, "1234567,x\r\n");
        rows++;
    }
    /* pad the last row so that its CR is byte BLOCK-1 */
    size_t pad = CAL_CSV_BLOCK - 1 - used; /* bytes of the field before "\r" */
    fputc('"', f);
    for (size_t i = 0; i + 2 < pad; i++)
        fputc('y', f);
    fputc('"', f);
    fputs("\r\n\"across,\r\nblocks\",end\r\n", f);
    fclose(f);

    sim_err err;
    cal_csv *c = cal_csv_open(path, &err);
    assert_non_null(c);
    assert_int_equal(cal_csv_next(c, &err), 1);
    for (long i = 0; i < rows; i++) {
        assert_int_equal(cal_csv_next(c, &err), 1);
        assert_string_equal(cal_csv_field(c, 0, NULL), "1234567");
    }
    assert_int_equal(cal_csv_next(c, &err), 1); /* the padded row */
    assert_int_equal(cal_csv_nfields(c), 1);
    assert_int_equal(cal_csv_line(c), rows + 2);
    expect_record(c, 2, (const char *[]){"across,\r\nblocks", "end"});
    assert_int_equal(cal_csv_line(c), rows + 3);
    assert_int_equal(cal_csv_field_line(c, 1), rows + 4);
    assert_int_equal(cal_csv_next(c, &err), 0);
    assert_int_equal(cal_csv_bytes(c), (uint64_t)CAL_CSV_BLOCK + 24);
    cal_csv_close(c);
    remove(path);
}

static void a_missing_file_is_an_io_error_naming_it(void **state)
{
    (void)state;
    sim_err err;
    assert_null(cal_csv_open("/nonexistent/log.csv", &err));
    assert_int_equal(err.code, SIM_EIO);
    assert_string_equal(err.file, "/nonexistent/log.csv");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_records_end_with_lf_crlf_or_the_end_of_the_file),
        cmocka_unit_test(empty_fields_are_kept_and_blank_lines_skipped),
        cmocka_unit_test(quoted_fields_hold_commas_doubled_quotes_and_line_breaks),
        cmocka_unit_test(a_quote_inside_an_unquoted_field_is_a_character),
        cmocka_unit_test(an_unclosed_quote_is_reported_where_it_opened),
        cmocka_unit_test(a_character_after_a_closing_quote_is_refused),
        cmocka_unit_test(a_nul_byte_is_refused),
        cmocka_unit_test(a_record_longer_than_the_limit_is_refused),
        cmocka_unit_test(a_crlf_split_across_read_blocks_is_one_line_break),
        cmocka_unit_test(a_missing_file_is_an_io_error_naming_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
