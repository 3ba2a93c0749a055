/*
 * test_sim_text.c - untrusted text made visible: which characters are
 * escaped and how. The expected escapes are written by hand from the
 * character tables (ASCII for C0 and DEL, Unicode for C1, the separators
 * and the bidi controls, RFC 3629 section 4 for well-formed UTF-8), not
 * taken from the program's output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim_text.h"

static const char *visible(const char *s)
{
    static char out[256];
    return sim_text_visible(s, out, sizeof out);
}

static void printable_text_and_utf8_are_kept_as_they_are(void **state)
{
    (void)state;
    const char *plain = "F-001 x`touch /tmp/m` 'q' \"d\" \\ $(id) <b> \xc3\xa9t\xc3\xa9 "
                        "\xe2\x86\x92 \xf0\x9f\x98\x80 \xc2\xa0"; /* é, →, an emoji, NBSP */
    assert_string_equal(visible(plain), plain);
    assert_true(sim_text_is_plain(plain));
    assert_true(sim_text_is_plain(NULL));
    assert_true(sim_text_is_plain(""));
}

static void c0_controls_and_del_are_escaped(void **state)
{
    (void)state;
    assert_string_equal(visible("a\nb\tc"), "a\\nb\\tc");
    assert_string_equal(visible("\033[2J\033]0;t\a\r\x7f"), "\\x1b[2J\\x1b]0;t\\x07\\x0d\\x7f");
    assert_string_equal(visible("\x01"), "\\x01");
    assert_false(sim_text_is_plain("x\n"));
    assert_false(sim_text_is_plain("\033"));
}

static void c1_controls_separators_and_bidi_controls_are_escaped(void **state)
{
    (void)state;
    assert_string_equal(visible("\xc2\x9b"
                                "2J"),
                        "\\u009b2J");                    /* 8-bit CSI */
    assert_string_equal(visible("\xc2\x85"), "\\u0085"); /* NEL */
    assert_string_equal(visible("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
    assert_string_equal(visible("\xe2\x80\xa8\xe2\x80\xa9"), "\\u2028\\u2029");
    assert_string_equal(visible("PASS\xe2\x80\xae"
                                "LIAF"),
                        "PASS\\u202eLIAF"); /* RLO */
    assert_string_equal(visible("\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x81\xa6\xe2\x81\xa9"),
                        "\\u061c\\u200e\\u200f\\u2066\\u2069");
    /* neighbours of the escaped ranges stay */
    assert_string_equal(visible("\xc2\xa0\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xaa"),
                        "\xc2\xa0\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xaa");
}

static void bytes_that_are_not_well_formed_utf8_are_escaped_one_by_one(void **state)
{
    (void)state;
    assert_string_equal(visible("a\xff"
                                "b"),
                        "a\\xffb");
    assert_string_equal(visible("\xc0\xaf"), "\\xc0\\xaf");          /* overlong '/' */
    assert_string_equal(visible("\xe0\x80\xaf"), "\\xe0\\x80\\xaf"); /* overlong, 3 bytes */
    assert_string_equal(visible("\xed\xa0\x80"), "\\xed\\xa0\\x80"); /* a surrogate */
    assert_string_equal(visible("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
    assert_string_equal(visible("\xe2\x86"), "\\xe2\\x86"); /* cut short by the end */
    assert_string_equal(visible("\x9b"), "\\x9b");          /* a lone continuation byte */
    assert_false(sim_text_is_plain("\xff"));
}

static void a_piece_says_how_many_bytes_it_covers(void **state)
{
    (void)state;
    char piece[SIM_TEXT_PIECE];
    assert_int_equal(sim_text_piece("\xf0\x9f\x98\x80!", piece), 4);
    assert_string_equal(piece, "\xf0\x9f\x98\x80");
    assert_int_equal(sim_text_piece("\xe2\x80\xae", piece), 3);
    assert_string_equal(piece, "\\u202e");
    assert_int_equal(sim_text_piece("\xe2\x86", piece), 1);
    assert_string_equal(piece, "\\xe2");
}

static void truncation_never_cuts_an_escape(void **state)
{
    (void)state;
    char out[8];
    /* "ab" (2) + "\x1b" (4) = 6 fits with the NUL; the next escape does not */
    assert_string_equal(sim_text_visible("ab\033\033", out, sizeof out), "ab\\x1b");
    assert_string_equal(sim_text_visible("abcdefghij", out, sizeof out), "abcdefg");
    assert_string_equal(sim_text_visible(NULL, out, sizeof out), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(printable_text_and_utf8_are_kept_as_they_are),
        cmocka_unit_test(c0_controls_and_del_are_escaped),
        cmocka_unit_test(c1_controls_separators_and_bidi_controls_are_escaped),
        cmocka_unit_test(bytes_that_are_not_well_formed_utf8_are_escaped_one_by_one),
        cmocka_unit_test(a_piece_says_how_many_bytes_it_covers),
        cmocka_unit_test(truncation_never_cuts_an_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
