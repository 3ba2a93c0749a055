/*
 * test_cal_yaml.c - the fragment in the scenario language: pasted under a
 * flow it loads with the real scenario loader and gives the estimates back
 * (to the rounding the fragment states), keys that were not estimated are
 * left out, and a group name cannot add anything but a comment.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cal_yaml.h"
#include "scn_load.h"
#include "sim_time.h"

static const char head[] = "name: t\n"
                           "systems:\n"
                           "  - id: a\n"
                           "    kind: generic\n"
                           "  - id: b\n"
                           "    kind: generic\n"
                           "flows:\n"
                           "  - id: F-1\n"
                           "    source: a\n"
                           "    target: b\n"
                           "    pattern: batch\n";

/* A fit as calibrate would make it, with round figures. */
static cal_fit sample_fit(void)
{
    cal_fit f;
    memset(&f, 0, sizeof f);
    f.volume = (cal_ci){22054.3, 21000, 23000};
    f.has_weekly = f.has_growth = f.has_diurnal = 1;
    static const double w[7] = {1.2, 1.15, 1.1, 1.15, 1.0, 0.8, 0.6};
    for (int i = 0; i < 7; i++)
        f.weekly[i] = (cal_ci){w[i], w[i] * 0.9, w[i] * 1.1};
    for (int h = 0; h < 24; h++)
        f.diurnal[h] = (cal_ci){h >= 9 && h < 17 ? 2.25 : 0.6, 0, 3};
    f.growth = (cal_ci){0.03124, 0.01, 0.05};
    f.growth_p = 0.002;
    f.weekly_r2 = 0.8;
    f.diurnal_r2 = 0.9;
    f.day_dispersion = f.hour_dispersion = 1.0;
    return f;
}

/* Loads head + fragment; returns the status and fills sc. */
static int load(const char *fragment, mdl_scenario *sc, scn_diag *diag)
{
    char text[8192];
    snprintf(text, sizeof text, "%s%s", head, fragment);
    scn_diag_init(diag);
    return scn_load_string("t.yaml", text, strlen(text), NULL, sc, diag);
}

static void the_fragment_loads_and_gives_the_estimates_back(void **state)
{
    (void)state;
    cal_fit f = sample_fit();
    char frag[4096];
    cal_yaml_fragment(&f, "MuleSoft ERP Sync", "from test.csv", 4, frag, sizeof frag);
    mdl_scenario sc;
    scn_diag diag;
    int rc = load(frag, &sc, &diag);
    if (rc != SIM_OK)
        fail_msg("%s\n%s", diag.count ? diag.items[0].msg : "?", frag);
    scn_diag_fini(&diag);
    const mdl_flow_spec *fl = &sc.flows[0];
    /* 22054.3 to 4 significant digits is 22050 a day */
    assert_true(fabs(fl->volume * 86400.0 - 22050.0) < 1e-6);
    for (int i = 0; i < 7; i++)
        assert_true(fabs(fl->arrival.weekly[i] - f.weekly[i].est) < 5e-4);
    for (int h = 0; h < 24; h++)
        assert_true(fabs(fl->arrival.diurnal[h] - f.diurnal[h].est) < 5e-4);
    /* 3.124%/month to 0.01% */
    assert_true(fabs(fl->arrival.growth - 0.0312) < 1e-9);
    assert_non_null(strstr(frag, "# group: MuleSoft ERP Sync"));
    assert_non_null(strstr(frag, "significant (p = 0.002)"));
    mdl_scenario_fini(&sc);
}

static void missing_estimates_are_comments_not_keys(void **state)
{
    (void)state;
    cal_fit f = sample_fit();
    f.has_weekly = f.has_growth = f.has_diurnal = 0;
    f.nnotes = 1;
    snprintf(f.notes[0], sizeof f.notes[0], "only 5 whole days");
    f.volume = (cal_ci){12.3456, 10, 15};
    char frag[4096];
    cal_yaml_fragment(&f, "g", NULL, 4, frag, sizeof frag);
    assert_null(strstr(frag, "arrival:"));
    assert_non_null(strstr(frag, "# no weekly shape: only 5 whole days"));
    mdl_scenario sc;
    scn_diag diag;
    assert_int_equal(load(frag, &sc, &diag), SIM_OK);
    scn_diag_fini(&diag);
    assert_true(fabs(sc.flows[0].volume * 86400.0 - 12.35) < 1e-9);
    assert_true(sc.flows[0].arrival.growth == 0.0);
    mdl_scenario_fini(&sc);
}

static void a_negative_growth_is_written_as_zero_with_the_measure(void **state)
{
    (void)state;
    cal_fit f = sample_fit();
    f.growth = (cal_ci){-0.021, -0.04, -0.002};
    char value[256], comment[256];
    assert_string_equal(cal_yaml_value(&f, CAL_KEY_GROWTH, value, sizeof value), "0%/month");
    cal_yaml_comment(&f, CAL_KEY_GROWTH, comment, sizeof comment);
    assert_non_null(strstr(comment, "measured -2.1%/month"));
    assert_non_null(strstr(comment, "no negative growth"));
}

static void a_group_name_cannot_add_a_line(void **state)
{
    (void)state;
    cal_fit f = sample_fit();
    char frag[4096];
    cal_yaml_fragment(&f, "evil\nvolume: 1/day\r\x1b[31m\xc2\x9b", NULL, 4, frag, sizeof frag);
    /* shown by the rule of sim_text.h: every control as a printable escape */
    assert_non_null(strstr(frag, "# group: evil\\nvolume: 1/day\\x0d\\x1b[31m\\u009b\n"));
    mdl_scenario sc;
    scn_diag diag;
    assert_int_equal(load(frag, &sc, &diag), SIM_OK);
    scn_diag_fini(&diag);
    assert_true(fabs(sc.flows[0].volume * 86400.0 - 22050.0) < 1e-6);
    mdl_scenario_fini(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_fragment_loads_and_gives_the_estimates_back),
        cmocka_unit_test(missing_estimates_are_comments_not_keys),
        cmocka_unit_test(a_negative_growth_is_written_as_zero_with_the_measure),
        cmocka_unit_test(a_group_name_cannot_add_a_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
