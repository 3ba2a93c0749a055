/*
 * test_plt_buf.c - the growable text buffer: appends, hand-over, and the
 * sticky failure that lets writers check for lack of memory once.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plt_buf.h"
#include "sim_alloc.h"

static void appends_accumulate_and_are_handed_over(void **state)
{
    (void)state;
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_puts(&b, "time_s");
    for (int i = 0; i < 1000; i++) /* past several doublings */
        plt_buf_printf(&b, ",%d", i);
    plt_buf_put(&b, "\nxyz", 2);
    assert_int_equal(plt_buf_status(&b, NULL), SIM_OK);
    assert_int_equal(strlen(b.data), b.len);
    assert_true(b.data[b.len - 2] == '\n' && b.data[b.len - 1] == 'x'); /* 2 bytes only */
    assert_memory_equal(b.data, "time_s,0,1,2", 12);
    char *text = plt_buf_take(&b);
    assert_non_null(text);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    sim_free(text);
    /* an empty buffer hands over an empty string */
    text = plt_buf_take(&b);
    assert_non_null(text);
    assert_string_equal(text, "");
    sim_free(text);
    plt_buf_fini(&b);
}

static void a_long_formatted_piece_is_not_truncated(void **state)
{
    (void)state;
    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_printf(&b, "<%s>", big);
    assert_int_equal(b.len, 1001);
    assert_true(b.data[0] == '<' && b.data[1000] == '>');
    plt_buf_fini(&b);
}

static void a_failed_allocation_sticks_until_checked(void **state)
{
    (void)state;
    plt_buf b;
    plt_buf_init(&b);
    sim_alloc_fail_after(1);
    plt_buf_puts(&b, "lost");
    sim_alloc_fail_reset();
    plt_buf_puts(&b, "ignored after the failure");
    assert_true(b.failed);
    sim_err err;
    assert_int_equal(plt_buf_status(&b, &err), SIM_ENOMEM);
    assert_null(plt_buf_take(&b));
    plt_buf_fini(&b);
}

static void csv_fields_are_quoted_only_when_they_must_be(void **state)
{
    (void)state;
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_csv_field(&b, "flow.F-001.delivered"); /* plain: as is */
    plt_buf_puts(&b, "|");
    plt_buf_csv_field(&b, "a,b"); /* comma: quoted */
    plt_buf_puts(&b, "|");
    plt_buf_csv_field(&b, "say \"hi\""); /* quotes: quoted and doubled (RFC 4180) */
    plt_buf_puts(&b, "|");
    plt_buf_csv_field(&b, "x\ry\nz"); /* CR and LF shown escaped: one line per record */
    plt_buf_puts(&b, "|");
    plt_buf_csv_field(&b, NULL); /* empty field */
    plt_buf_puts(&b, "|");
    plt_buf_csv_num(&b, 0.1);
    plt_buf_csv_num(&b, NAN); /* not finite: an empty cell, never "nan" */
    plt_buf_csv_num(&b, -INFINITY);
    plt_buf_csv_num(&b, 1234567890.0); /* 10 significant digits: whole */
    assert_int_equal(plt_buf_status(&b, NULL), SIM_OK);
    assert_string_equal(b.data, "flow.F-001.delivered|\"a,b\"|\"say \"\"hi\"\"\"|x\\x0dy\\nz||"
                                ",0.1,,,1234567890");
    plt_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appends_accumulate_and_are_handed_over),
        cmocka_unit_test(a_long_formatted_piece_is_not_truncated),
        cmocka_unit_test(a_failed_allocation_sticks_until_checked),
        cmocka_unit_test(csv_fields_are_quoted_only_when_they_must_be),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
