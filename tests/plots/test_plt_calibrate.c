/*
 * test_plt_calibrate.c - the calibration chart: its data files, its
 * drawing (not blank: the thresholds of test_plt_charts.c, measured on
 * gnuplot 5.4: a blank 1280 px chart is an ~11.6 KB PNG with ~40 SVG line
 * segments; this one draws 168 hourly and 28 daily points), and a title
 * from a log that gnuplot must take as text, never as a command.
 * The drawing tests are skipped when gnuplot is not installed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "plt_calibrate.h"
#include "plt_gnuplot.h"
#include "results/res_fixture.h"

enum { DAYS = 28 };

typedef struct sample {
    double obs[168], fit[168], count[DAYS], fitted[DAYS], trend[DAYS];
    int kind[DAYS];
    char date[DAYS][16];
    const char *dates[DAYS];
} sample;

static plt_calibrate make(sample *s, const char *title)
{
    for (int k = 0; k < 168; k++) {
        int h = k % 24;
        s->fit[k] = h >= 9 && h < 17 ? 60.0 : 8.0;
        s->obs[k] = s->fit[k] * (1.0 + 0.05 * sin(k));
    }
    for (int i = 0; i < DAYS; i++) {
        s->fitted[i] = i % 7 >= 5 ? 300.0 : 720.0;
        s->trend[i] = 617.0;
        s->count[i] = s->fitted[i] * (1.0 + 0.03 * cos(i));
        s->kind[i] = i == 10 ? 2 : i == 20 ? 1 : 0;
        snprintf(s->date[i], sizeof s->date[i], "2026-11-%02d", i + 1);
        s->dates[i] = s->date[i];
    }
    s->count[10] = 3000.0;
    s->count[20] = 0.0;
    return (plt_calibrate){.title = title,
                           .subtitle = "Records per day",
                           .has_week = 1,
                           .week_obs = s->obs,
                           .week_fit = s->fit,
                           .ndays = DAYS,
                           .dates = s->dates,
                           .count = s->count,
                           .fitted = s->fitted,
                           .trend = s->trend,
                           .kind = s->kind};
}

static void the_data_files_hold_every_hour_and_day(void **state)
{
    (void)state;
    sample s;
    plt_calibrate c = make(&s, "g");
    char dir[] = "/tmp/erpsim-test-calib-XXXXXX";
    assert_non_null(mkdtemp(dir));
    sim_err err;
    assert_int_equal(plt_calibrate_write_data(&c, dir, "calibrate-g", &err), SIM_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/series/calibrate-g-week.csv", dir);
    assert_int_equal(fixture_count(path, "\n"), 169);   /* header + 168 hours */
    assert_int_equal(fixture_count(path, ",60\n"), 56); /* 8 office hours x 7 days fitted at 60 */
    snprintf(path, sizeof path, "%s/series/calibrate-g-days.csv", dir);
    assert_int_equal(fixture_count(path, "\n"), DAYS + 1);
    assert_int_equal(fixture_count(path, "\n10,2026-11-11,3000,720,617,2\n"), 1);
    assert_int_equal(fixture_count(path, "\n20,2026-11-21,0,300,617,1\n"), 1);
    c.ndays = 0;
    assert_int_equal(plt_calibrate_write_data(&c, dir, "x", &err), SIM_EINVAL);
    fixture_rmtree(dir);
}

static void the_chart_is_drawn_and_a_hostile_title_stays_text(void **state)
{
    (void)state;
    char gp[4096];
    const char *gnuplot = plt_gnuplot_find(gp, sizeof gp);
    if (!gnuplot)
        skip();
    sample s;
    const char *title = "evil\" ; system \"touch /tmp/erpsim-calib-pwned\" ; x = \"\\";
    unlink("/tmp/erpsim-calib-pwned");
    plt_calibrate c = make(&s, title);
    char dir[] = "/tmp/erpsim-test-calib-XXXXXX";
    assert_non_null(mkdtemp(dir));
    sim_err err;
    sim_err_clear(&err);
    if (plt_calibrate_draw(&c, dir, "calibrate-g", gnuplot, &err) != SIM_OK)
        fail_msg("drawing failed: %s", err.msg);
    assert_int_not_equal(access("/tmp/erpsim-calib-pwned", F_OK), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/charts/calibrate-g.png", dir);
    assert_true(fixture_file_size(path) > 20000L);
    snprintf(path, sizeof path, "%s/charts/calibrate-g.svg", dir);
    assert_true(fixture_count(path, "system") >= 1); /* the title, drawn as text */
    assert_true(fixture_count(path, "spike (left out)") == 1);
    assert_true(fixture_count(path, "low day (left out)") == 0); /* none in the data */
    fixture_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_data_files_hold_every_hour_and_day),
        cmocka_unit_test(the_chart_is_drawn_and_a_hostile_title_stays_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
