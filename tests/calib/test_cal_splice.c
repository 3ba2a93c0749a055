/*
 * test_cal_splice.c - calibrated values spliced into a scenario's text:
 * the output is compared byte for byte with the text expected (written by
 * hand below: the original with exactly the replaced values and added
 * lines changed), so every comment, blank line, quote style and untouched
 * line is proved identical; and the output loads with the scenario loader
 * to the values spliced in.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cal_splice.h"
#include "scn_load.h"
#include "sim_alloc.h"

/* A scenario with comments everywhere, a non-ASCII description (libyaml
 * counts characters, the splice bytes), three flows: F-1 with a volume
 * and an arrival block (a named diurnal shape, a block list for weekly),
 * F-2 without arrival, F-3 in flow style. */
static const char original[] =
    "# Order-to-cash landscape (comment kept)\n"
    "name: o2c\n"
    "description: \"Bestellungen für Müller & Söhne\"  # UTF-8 before the flows\n"
    "systems:\n"
    "  - id: shop\n"
    "    kind: generic\n"
    "  - id: erp\n"
    "    kind: generic\n"
    "\n"
    "flows:\n"
    "  # the web shop's orders\n"
    "  - id: F-1\n"
    "    source: shop\n"
    "    target: erp\n"
    "    volume: '500/day'   # a guess from the workshop\n"
    "    pattern: batch\n"
    "    arrival:\n"
    "      diurnal: office-hours   # was a guess too\n"
    "      weekly:\n"
    "        - 1\n"
    "        - 1   # Tuesday\n"
    "        - 1\n"
    "        - 1\n"
    "        - 1\n"
    "        - 0.2\n"
    "        - 0.2\n"
    "      # growth unknown\n"
    "    batch:\n"
    "      schedule: daily 01:00\n"
    "  # stock levels, no arrival block yet\n"
    "  - id: F-2\n"
    "    source: erp\n"
    "    target: shop\n"
    "    volume: 2k/day\n"
    "    pattern: batch\n"
    "  - {id: F-3, source: erp, target: shop, volume: 10/day, pattern: batch}\n"
    "# end of file\n";

static const char expected[] =
    "# Order-to-cash landscape (comment kept)\n"
    "name: o2c\n"
    "description: \"Bestellungen für Müller & Söhne\"  # UTF-8 before the flows\n"
    "systems:\n"
    "  - id: shop\n"
    "    kind: generic\n"
    "  - id: erp\n"
    "    kind: generic\n"
    "\n"
    "flows:\n"
    "  # the web shop's orders\n"
    "  - id: F-1\n"
    "    source: shop\n"
    "    target: erp\n"
    "    volume: 612/day   # a guess from the workshop\n"
    "    pattern: batch\n"
    "    arrival:\n"
    "      diurnal: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 2, 2, 2, 2, 2, 2, 2, 2, 0.5, 0.5, "
    "0.5, 0.5, 0.5, 0.5, 0.5, 0.5]   # was a guess too\n"
    "      weekly:\n"
    "        [1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5]\n"
    "      growth: 2.5%/month\n" /* after the block's last value line */
    "      # growth unknown\n"
    "    batch:\n"
    "      schedule: daily 01:00\n"
    "  # stock levels, no arrival block yet\n"
    "  - id: F-2\n"
    "    source: erp\n"
    "    target: shop\n"
    "    volume: 1800/day\n"
    "    pattern: batch\n"
    "    arrival:\n"
    "      weekly: [1.4, 1.4, 1.4, 1.4, 1.4, 0, 0]\n"
    "      growth: 1%/month\n"
    "  - {id: F-3, source: erp, target: shop, volume: 12/day, pattern: batch}\n"
    "# end of file\n";

#define DIURNAL                                                                                    \
    "[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 2, 2, 2, 2, 2, 2, 2, 2, 0.5, 0.5, 0.5, 0.5, 0.5, "   \
    "0.5, 0.5, 0.5]"

static void values_are_replaced_and_every_other_byte_is_kept(void **state)
{
    (void)state;
    const cal_splice_item items[] = {
        {"F-1", CAL_KEY_VOLUME, "612/day"},
        {"F-1", CAL_KEY_DIURNAL, DIURNAL},
        {"F-1", CAL_KEY_WEEKLY, "[1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5]"},
        {"F-1", CAL_KEY_GROWTH, "2.5%/month"},
        {"F-2", CAL_KEY_GROWTH, "1%/month"},
        {"F-2", CAL_KEY_VOLUME, "1800/day"},
        {"F-2", CAL_KEY_WEEKLY, "[1.4, 1.4, 1.4, 1.4, 1.4, 0, 0]"},
        {"F-3", CAL_KEY_VOLUME, "12/day"},
    };
    char *out = NULL;
    size_t len = 0;
    sim_err err;
    sim_err_clear(&err);
    int rc = cal_splice("o2c.yaml", original, sizeof original - 1, items,
                        (int)(sizeof items / sizeof *items), &out, &len, &err);
    if (rc != SIM_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(len, strlen(out));
    if (strcmp(out, expected) != 0)
        fail_msg("got:\n%s", out);
    /* and it is a scenario with those values */
    mdl_scenario sc;
    scn_diag diag;
    scn_diag_init(&diag);
    rc = scn_load_string("o2c.yaml", out, len, NULL, &sc, &diag);
    if (rc != SIM_OK)
        fail_msg("%s", diag.count ? diag.items[0].msg : "?");
    scn_diag_fini(&diag);
    assert_true(fabs(sc.flows[0].volume * 86400 - 612) < 1e-6);
    assert_true(fabs(sc.flows[0].arrival.diurnal[9] - 2.0) < 1e-12);
    assert_true(fabs(sc.flows[0].arrival.weekly[6] - 0.5) < 1e-12);
    assert_true(fabs(sc.flows[0].arrival.growth - 0.025) < 1e-12);
    assert_true(fabs(sc.flows[1].volume * 86400 - 1800) < 1e-6);
    assert_true(sc.flows[1].arrival.weekly[5] == 0.0);
    assert_true(fabs(sc.flows[2].volume * 86400 - 12) < 1e-9);
    mdl_scenario_fini(&sc);
    sim_free(out);
}

static void expect_refused(const cal_splice_item *items, int n, int code, const char *words)
{
    char *out = NULL;
    size_t len = 0;
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(
        cal_splice("o2c.yaml", original, sizeof original - 1, items, n, &out, &len, &err), code);
    assert_null(out);
    if (!strstr(err.msg, words))
        fail_msg("'%s' does not say '%s'", err.msg, words);
}

static void what_cannot_be_spliced_is_refused_with_a_reason(void **state)
{
    (void)state;
    cal_splice_item typo[] = {{"F-11", CAL_KEY_VOLUME, "1/day"}};
    expect_refused(typo, 1, SIM_EINVAL, "did you mean 'F-1'");
    cal_splice_item flow_style[] = {{"F-3", CAL_KEY_GROWTH, "1%/month"}};
    expect_refused(flow_style, 1, SIM_EINVAL, "flow style");
    cal_splice_item twice[] = {{"F-1", CAL_KEY_VOLUME, "1/day"}, {"F-1", CAL_KEY_VOLUME, "2/day"}};
    expect_refused(twice, 2, SIM_EINVAL, "two values");
    char *out = NULL;
    size_t len;
    sim_err err;
    assert_int_equal(cal_splice("x.yaml", "a: [1, 2\n", 9, typo, 1, &out, &len, &err), SIM_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(cal_splice("x.yaml", "a: 1\n", 5, typo, 1, &out, &len, &err), SIM_EPARSE);
    assert_non_null(strstr(err.msg, "flows"));
}

static void a_file_without_a_final_newline_gets_its_lines_added_after_one(void **state)
{
    (void)state;
    static const char text[] = "flows:\n  - id: F-9\n    volume: 3/day";
    cal_splice_item items[] = {{"F-9", CAL_KEY_GROWTH, "2%/month"}};
    char *out = NULL;
    size_t len;
    assert_int_equal(cal_splice("x.yaml", text, sizeof text - 1, items, 1, &out, &len, NULL),
                     SIM_OK);
    assert_string_equal(out, "flows:\n  - id: F-9\n    volume: 3/day\n    arrival:\n"
                             "      growth: 2%/month\n");
    sim_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_are_replaced_and_every_other_byte_is_kept),
        cmocka_unit_test(what_cannot_be_spliced_is_refused_with_a_reason),
        cmocka_unit_test(a_file_without_a_final_newline_gets_its_lines_added_after_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
