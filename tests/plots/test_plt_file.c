/*
 * test_plt_file.c - atomic writes: folders created, the final name only
 * once complete, no temporary file left, failures reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plt_file.h"
#include "results/res_fixture.h"

static void a_write_creates_its_folders_and_leaves_no_temporary(void **state)
{
    (void)state;
    char dir[] = "/tmp/erpsim-test-file-XXXXXX";
    assert_non_null(mkdtemp(dir));
    sim_err err;
    assert_int_equal(plt_file_write(dir, "series/deep/x.csv", "a,b\n1,2\n", 8, &err), SIM_OK);
    char *path = plt_file_join(dir, "series/deep/x.csv");
    size_t n = 0;
    char *text = plt_file_read(path, &n, &err);
    assert_non_null(text);
    assert_int_equal(n, 8);
    assert_string_equal(text, "a,b\n1,2\n");
    sim_free(text);
    /* overwritten atomically: the new content, still no temporary */
    assert_int_equal(plt_file_write(dir, "series/deep/x.csv", "new\n", 4, &err), SIM_OK);
    text = plt_file_read(path, &n, NULL);
    assert_string_equal(text, "new\n");
    sim_free(text);
    char *tmp = plt_file_temp_name(path);
    assert_non_null(strstr(tmp, "/series/deep/.x.csv.tmp"));
    assert_false(plt_file_exists(tmp));
    sim_free(tmp);
    sim_free(path);
    fixture_rmtree(dir);
}

static void paths_join_with_one_slash(void **state)
{
    (void)state;
    char *p = plt_file_join("out/", "results.json");
    assert_string_equal(p, "out/results.json");
    sim_free(p);
    p = plt_file_join("out", "results.json");
    assert_string_equal(p, "out/results.json");
    sim_free(p);
    p = plt_file_join(NULL, "results.json");
    assert_string_equal(p, "results.json");
    sim_free(p);
    p = plt_file_temp_name("summary.txt");
    assert_string_equal(p, ".summary.txt.tmp");
    sim_free(p);
}

static void failures_are_reported_not_hidden(void **state)
{
    (void)state;
    char dir[] = "/tmp/erpsim-test-file-XXXXXX";
    assert_non_null(mkdtemp(dir));
    sim_err err;
    sim_err_clear(&err);
    /* a file where a folder is needed */
    assert_int_equal(plt_file_write(dir, "f", "x", 1, &err), SIM_OK);
    char *f = plt_file_join(dir, "f");
    assert_int_equal(plt_file_mkdirs(f, &err), SIM_EIO);
    assert_non_null(strstr(err.msg, "not a folder"));
    assert_int_equal(plt_file_write(dir, "f/inside.csv", "x", 1, &err), SIM_EIO);
    sim_free(f);
    f = plt_file_join(dir, "missing.txt");
    assert_null(plt_file_read(f, NULL, &err));
    assert_int_equal(err.code, SIM_EIO);
    sim_free(f);
    fixture_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_write_creates_its_folders_and_leaves_no_temporary),
        cmocka_unit_test(paths_join_with_one_slash),
        cmocka_unit_test(failures_are_reported_not_hidden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
