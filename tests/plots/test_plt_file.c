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
#include "res_json.h"
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

/* results.json streamed into the file through a sink that refuses after
 * `limit` bytes (a disk filling up part-way; 0: never). */
typedef struct json_job {
    const res_results *r;
    plt_file_out *out;
    size_t limit, sent;
} json_job;

static int limited_put(void *ctx, const char *data, size_t len)
{
    json_job *j = ctx;
    if (j->limit && j->sent + len > j->limit)
        return -1;
    j->sent += len;
    return plt_file_put(j->out, data, len);
}

static int fill_json(void *ctx, plt_file_out *out, sim_err *err)
{
    json_job *j = ctx;
    j->out = out;
    return res_json_write(j->r, NULL, limited_put, j, err);
}

/* docs/results.md: the folder is all or nothing. A stream that fails
 * part-way (after 20 KB of a text of about 60 KB: its first chunk is
 * already in the file) leaves the old results.json as it was and no
 * temporary; one that completes replaces it with the whole text. */
static void a_stream_that_fails_part_way_leaves_the_old_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/erpsim-test-file-XXXXXX";
    assert_non_null(mkdtemp(dir));
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    assert_int_equal(fixture_fill(r), 0);
    char *whole = res_json_text(r, NULL, NULL);
    assert_non_null(whole);
    assert_true(strlen(whole) > 40000);
    assert_int_equal(plt_file_write(dir, "results.json", "old\n", 4, NULL), SIM_OK);
    char *path = plt_file_join(dir, "results.json"), *tmp = plt_file_temp_name(path);
    json_job job = {.r = r, .limit = 20000};
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(plt_file_stream(dir, "results.json", fill_json, &job, &err), SIM_EIO);
    assert_true(job.sent > 0); /* it had started writing */
    char *text = plt_file_read(path, NULL, NULL);
    assert_string_equal(text, "old\n");
    sim_free(text);
    assert_false(plt_file_exists(tmp));
    job = (json_job){.r = r};
    assert_int_equal(plt_file_stream(dir, "results.json", fill_json, &job, &err), SIM_OK);
    text = plt_file_read(path, NULL, NULL);
    assert_string_equal(text, whole);
    assert_false(plt_file_exists(tmp));
    sim_free(text);
    sim_free(tmp);
    sim_free(path);
    sim_free(whole);
    res_results_destroy(r);
    fixture_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_write_creates_its_folders_and_leaves_no_temporary),
        cmocka_unit_test(paths_join_with_one_slash),
        cmocka_unit_test(failures_are_reported_not_hidden),
        cmocka_unit_test(a_stream_that_fails_part_way_leaves_the_old_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
