/*
 * test_res_json.c - results.json written and read back: the same results,
 * NaN as null, and clear errors for files that are not erpsim results.
 */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plt_file.h"
#include "res_json.h"
#include "res_verdict.h"
#include "results/res_fixture.h"

/* Equal numbers, or both NaN (null in the file). */
static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static char *write_temp(char *dir, const char *text)
{
    assert_non_null(mkdtemp(dir));
    assert_int_equal(plt_file_write(dir, "results.json", text, strlen(text), NULL), SIM_OK);
    return plt_file_join(dir, "results.json");
}

static void results_read_back_unchanged(void **state)
{
    (void)state;
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    assert_int_equal(fixture_fill(r), 0);
    /* a NaN that must travel as null */
    res_metric *m = res_results_add(r, "flow.F-1.latency_max", "s", SIM_METRIC_SCALAR, NULL);
    assert_non_null(m);
    m->n = 2;
    m->values = sim_calloc(2, sizeof *m->values);
    m->values[0] = NAN;
    m->values[1] = 3.0;
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    char *text = res_json_text(r, &v, NULL);
    assert_non_null(text);
    assert_null(strstr(text, "NaN"));
    assert_null(strstr(text, "nan"));
    assert_null(strstr(text, "inf"));
    assert_non_null(strstr(text, "\"half_width\": null"));
    char dir[] = "/tmp/erpsim-test-json-XXXXXX";
    char *path = write_temp(dir, text);
    sim_err err;
    sim_err_clear(&err);
    res_results *back = res_json_read(path, &err);
    if (!back)
        fail_msg("read back: %s", err.msg);
    assert_string_equal(back->name, r->name);
    assert_string_equal(back->yaml, r->yaml);
    assert_true(back->seed == 7 && back->replications == 3 && back->load == 3.0);
    assert_true(back->horizon_s == r->horizon_s && back->confidence == 0.95);
    assert_int_equal(back->nflows, 3);
    assert_string_equal(back->flows[2].pattern, "batch");
    assert_true(back->flows[2].batch_window_s == 4 * 3600.0 && back->flows[2].growth == 0.05);
    assert_true(back->flows[1].slo_s == 300.0 && back->flows[2].slo_nightly);
    assert_true(back->systems[0].daily_limit == 1000.0 && back->systems[0].quota_rolling);
    assert_true(back->systems[1].retention_s == 259200.0);
    assert_int_equal(back->callers[0].pool_size, 10);
    /* the limit table: the verdict of plot --from / report --from walks it */
    assert_int_equal(back->nlimits, r->nlimits);
    for (int i = 0; i < r->nlimits; i++) {
        const mdl_limit *a = &r->limits[i], *b = &back->limits[i];
        assert_int_equal(a->kind, b->kind);
        assert_string_equal(a->id, b->id);
        assert_string_equal(a->what, b->what);
        assert_string_equal(a->unit, b->unit);
        assert_string_equal(a->refused_unit, b->refused_unit);
        assert_true(a->limit == b->limit && a->window_s == b->window_s);
        assert_string_equal(a->peak, b->peak);
        assert_string_equal(a->exhausted_at, b->exhausted_at);
        assert_string_equal(a->ran_out, b->ran_out);
        assert_string_equal(a->refused, b->refused);
    }
    assert_int_equal(back->nmetrics, r->nmetrics);
    for (size_t i = 0; i < r->nmetrics; i++) {
        const res_metric *a = &r->metrics[i], *b = &back->metrics[i];
        assert_string_equal(a->name, b->name); /* same order */
        assert_string_equal(a->unit, b->unit);
        assert_int_equal(a->kind, b->kind);
        assert_true(same(a->mean, b->mean));
        assert_true(same(a->min, b->min) && same(a->max, b->max));
        if (a->kind == SIM_METRIC_SCALAR) {
            assert_int_equal(a->n, b->n);
            assert_true(same(a->half_width, b->half_width));
            for (int k = 0; k < a->n; k++)
                assert_true(same(a->values[k], b->values[k]));
        } else if (a->kind == SIM_METRIC_HIST) {
            assert_int_equal(a->nbins, b->nbins);
            assert_true(a->count == b->count && same(a->p99, b->p99));
            for (size_t k = 0; k < a->nbins; k++)
                assert_true(a->lo[k] == b->lo[k] && a->hi[k] == b->hi[k] &&
                            a->bin_count[k] == b->bin_count[k]);
        } else {
            assert_int_equal(a->npoints, b->npoints);
            assert_true(a->interval_s == b->interval_s);
            for (size_t k = 0; k < a->npoints; k++)
                assert_true(a->y[k] == b->y[k] && a->ymax[k] == b->ymax[k]);
        }
    }
    /* written again, byte for byte the same (the verdict is recomputed) */
    res_verdict v2;
    assert_int_equal(res_verdict_compute(back, &v2, NULL), SIM_OK);
    char *again = res_json_text(back, &v2, NULL);
    assert_non_null(again);
    assert_string_equal(again, text);
    sim_free(again);
    res_verdict_fini(&v2);
    res_results_destroy(back);
    sim_free(path);
    fixture_rmtree(dir);
    sim_free(text);
    res_verdict_fini(&v);
    res_results_destroy(r);
}

static void other_files_are_rejected_with_a_position(void **state)
{
    (void)state;
    char dir[] = "/tmp/erpsim-test-json-XXXXXX";
    char *path = write_temp(dir, "{\n  \"format\": \"erpsim-results\",\n  \"scenario\": {\n}");
    sim_err err;
    sim_err_clear(&err);
    assert_null(res_json_read(path, &err));
    assert_int_equal(err.code, SIM_EPARSE);
    assert_int_equal(err.line, 4); /* the JSON parser's position */
    assert_int_equal(plt_file_write(dir, "results.json", "{\"format\": \"other\"}", 19, NULL),
                     SIM_OK);
    assert_null(res_json_read(path, &err));
    assert_non_null(strstr(err.msg, "not an erpsim results file"));
    const char *bad_kind = "{\"format\": \"erpsim-results\", \"format_version\": 1, "
                           "\"scenario\": {}, \"metrics\": "
                           "{\"a.b\": {\"kind\": \"cube\", \"unit\": \"s\"}}}";
    assert_int_equal(plt_file_write(dir, "results.json", bad_kind, strlen(bad_kind), NULL), SIM_OK);
    assert_null(res_json_read(path, &err));
    assert_non_null(strstr(err.msg, "unknown kind 'cube'"));
    sim_free(path);
    path = plt_file_join(dir, "missing.json");
    assert_null(res_json_read(path, &err));
    assert_int_equal(err.code, SIM_EPARSE);
    sim_free(path);
    fixture_rmtree(dir);
}

/* A hand-edited file with counts no C integer holds (1e300, negative) is
 * read without undefined conversions: such a count reads as 0. */
static void absurd_counts_read_as_zero(void **state)
{
    (void)state;
    char dir[] = "/tmp/erpsim-test-json-XXXXXX";
    char *path = write_temp(
        dir, "{\"format\": \"erpsim-results\", \"format_version\": 1,"
             " \"run\": {\"seed\": -1.5, \"replications\": 1e300},"
             " \"scenario\": {\"systems\": [{\"id\": \"s\", \"concurrency_limit\": -1e300}],"
             " \"callers\": [{\"id\": \"c\", \"pool_size\": 1e300}]},"
             " \"metrics\": {\"flow.F.latency\": {\"kind\": \"hist\", \"unit\": \"s\","
             " \"replications\": -7, \"count\": 1e300, \"bins\": [[1, 2, 1e300], [2, 3, -4]]}}}");
    sim_err err;
    sim_err_clear(&err);
    res_results *r = res_json_read(path, &err);
    if (!r)
        fail_msg("read failed: %s", err.msg);
    assert_int_equal(r->replications, 0);
    assert_true(r->seed == 0);
    assert_int_equal(r->systems[0].concurrency_limit, 0);
    assert_int_equal(r->callers[0].pool_size, 0);
    const res_metric *m = res_results_find(r, "flow.F.latency");
    assert_non_null(m);
    assert_int_equal(m->n, 0);
    assert_true(m->count == 0);
    assert_int_equal(m->nbins, 2);
    assert_true(m->bin_count[0] == 0 && m->bin_count[1] == 0);
    res_results_destroy(r);
    sim_free(path);
    fixture_rmtree(dir);
}

/* docs/results.md: "A reader checks both" format and format_version. A file
 * without a version, with one that is not a positive integer, or with a
 * version newer than this erpsim writes is refused with a message that says
 * which; the version this erpsim writes reads back. */
static void format_version_missing_unknown_or_newer_is_refused(void **state)
{
    (void)state;
    static const struct {
        const char *version; /* the member's JSON text, NULL: absent */
        const char *says;    /* in the message; NULL: read */
    } cases[] = {
        {NULL, "has no \"format_version\""},
        {"0", "unknown format_version"},
        {"-3", "unknown format_version"},
        {"1.0", "unknown format_version"}, /* a JSON real is not the integer 1 */
        {"\"1\"", "unknown format_version"},
        {"null", "unknown format_version"},
        {"2", "has format_version 2, written by a newer erpsim (9.9.9)"},
        {"9223372036854775807", "written by a newer erpsim"},
        {"1", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"format\": \"erpsim-results\", %s%s%s\"erpsim_version\": \"9.9.9\", "
                 "\"scenario\": {}, \"metrics\": {}}",
                 cases[i].version ? "\"format_version\": " : "",
                 cases[i].version ? cases[i].version : "", cases[i].version ? ", " : "");
        sim_err err;
        sim_err_clear(&err);
        res_results *r = res_json_parse("r.json", text, strlen(text), &err);
        if (!cases[i].says) {
            if (!r)
                fail_msg("version %s: %s", cases[i].version, err.msg);
            res_results_destroy(r);
            continue;
        }
        if (r)
            fail_msg("version %s was read", cases[i].version ? cases[i].version : "(absent)");
        assert_int_equal(err.code, SIM_EPARSE);
        if (!strstr(err.msg, cases[i].says) || strncmp(err.msg, "r.json", 6))
            fail_msg("version %s: '%s' does not name the file and say '%s'",
                     cases[i].version ? cases[i].version : "(absent)", err.msg, cases[i].says);
    }
}

/* A sink that keeps what it gets, and fails once it has `fail_after`
 * bytes (0: never). */
typedef struct collect {
    char *data;
    size_t len, cap, fail_after, largest;
    int calls_after_failure, failed;
} collect;

static int collect_put(void *ctx, const char *data, size_t len)
{
    collect *c = ctx;
    if (c->failed)
        c->calls_after_failure++;
    if (c->fail_after && c->len + len > c->fail_after) {
        c->failed = 1;
        return -1;
    }
    if (c->len + len + 1 > c->cap) {
        c->cap = 2 * (c->len + len + 1);
        c->data = sim_realloc(c->data, c->cap);
        assert_non_null(c->data);
    }
    memcpy(c->data + c->len, data, len);
    c->len += len;
    c->data[c->len] = '\0';
    if (len > c->largest)
        c->largest = len;
    return 0;
}

/* Results with what needs care in JSON: NaN and infinities (null), names
 * that need escaping or are not ASCII, an empty histogram, variants. */
static res_results *awkward_results(void)
{
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    assert_int_equal(fixture_fill(r), 0);
    res_metric *m = fixture_scalar(r, "flow.\"F-1\"\\\t\n/caf\xc3\xa9.\xe2\x82\xac", "\xc2\xb5s",
                                   NAN, INFINITY, -INFINITY);
    assert_non_null(m);
    m->half_width = NAN;
    assert_non_null(res_results_add(r, "flow.F-9.latency", "s", SIM_METRIC_HIST, NULL));
    res_variant *x = res_results_add_variant(r, "more \"staff\"", "caf\xc3\xa9\n", 1, NULL);
    assert_non_null(x);
    snprintf(x->flows[0].id, sizeof x->flows[0].id, "F-1");
    x->flows[0].p99 = NAN;
    x->flows[0].created = 1e300;
    return r;
}

/* Metrics full of numbers where writing them directly (not through a
 * jansson tree) could differ: reals of every size and sign (the fast range
 * 1e-4..1e17 and beyond it, ties, -0, NaN and infinities as null), a
 * histogram's bins with counts up to 2^62, empty and missing arrays, a unit
 * to escape. */
static res_results *awkward_numbers(void)
{
    res_results *r = res_results_create(NULL);
    assert_non_null(r);
    res_metric *m = res_results_add(r, "sys.S-1.level", "\"x\"\\y", SIM_METRIC_SERIES, NULL);
    assert_non_null(m);
    m->n = 3;
    m->interval_s = 0.1;
    m->npoints = 4000;
    m->y = sim_calloc(m->npoints, sizeof *m->y);
    m->ymax = sim_calloc(m->npoints, sizeof *m->ymax);
    assert_true(m->y && m->ymax);
    static const double odd[] = {
        0.0,   -0.0, 1.0,      0.1,           1e16,    1e17,     99999999999999999.0,
        1e-4,  1e-5, 2.5e-4,   1e300,         -1e-300, 4.9e-324, 0x1.8p-20,
        0.125, NAN,  INFINITY, 123456789.123, 5e-324,  1e22};
    uint64_t x = 7;
    for (size_t i = 0; i < m->npoints; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v =
            i < sizeof odd / sizeof odd[0] ? odd[i] : ldexp((double)(x >> 11), (int)(x % 100) - 80);
        m->y[i] = i % 2 ? -v : v;
        m->ymax[i] = (double)(x % 100000) / 8.0;
    }
    m->mean = 1.0 / 3.0;
    m->min = -0.0;
    m->max = 1e17;
    m = res_results_add(r, "flow.F-1.latency", "s", SIM_METRIC_HIST, NULL);
    assert_non_null(m);
    m->count = UINT64_C(1) << 62;
    m->nbins = 3;
    m->lo = sim_calloc(3, sizeof *m->lo);
    m->hi = sim_calloc(3, sizeof *m->hi);
    m->bin_count = sim_calloc(3, sizeof *m->bin_count);
    assert_true(m->lo && m->hi && m->bin_count);
    m->lo[1] = 0x1.0p-30;
    m->hi[0] = 0x1.0p-30;
    m->hi[1] = 0x1.04p-30;
    m->lo[2] = 0x1.0p40;
    m->hi[2] = 3e12;
    m->bin_count[0] = 1;
    m->bin_count[1] = 0;
    m->bin_count[2] = (UINT64_C(1) << 62) - 1;
    m->mean = m->p50 = m->p95 = m->p99 = 0.5;
    m->min = 0.0;
    m->max = 3e12;
    m = res_results_add(r, "none", "", SIM_METRIC_SCALAR, NULL); /* values: [] */
    assert_non_null(m);
    m = res_results_add(r, "missing", "", SIM_METRIC_SCALAR, NULL); /* values: [null, null] */
    assert_non_null(m);
    m->n = 2;
    assert_non_null(res_results_add(r, "empty", "", SIM_METRIC_SERIES, NULL));
    return r;
}

/* The streamed text against an independent whole-tree dump: the text
 * parsed by jansson and dumped again as one tree with the flags
 * results.json has always been written with (JSON_INDENT(1),
 * JSON_PRESERVE_ORDER, then a newline). Byte for byte: the stream must
 * write exactly what the one-tree writer wrote, so that files and scripts
 * see no change. Also with no metrics ("metrics": {}) and no verdict, and
 * with awkward numbers (the metrics are written without a tree). */
static void streamed_text_is_the_whole_tree_dump_byte_for_byte(void **state)
{
    (void)state;
    for (int pass = 0; pass < 3; pass++) {
        res_results *r = pass == 0   ? awkward_results()
                         : pass == 1 ? res_results_create(NULL)
                                     : awkward_numbers();
        assert_non_null(r);
        res_verdict v;
        assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
        collect c = {0};
        assert_int_equal(res_json_write(r, pass == 0 ? &v : NULL, collect_put, &c, NULL), SIM_OK);
        assert_true(c.len > 0 && c.largest <= 16384); /* chunks of at most 16 KB */
        json_error_t je;
        json_t *root = json_loads(c.data, 0, &je);
        if (!root)
            fail_msg("the stream is not JSON: %s at %d:%d", je.text, je.line, je.column);
        char *whole = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        assert_non_null(whole);
        size_t n = strlen(whole);
        assert_int_equal(c.len, n + 1);
        assert_memory_equal(c.data, whole, n);
        assert_int_equal(c.data[n], '\n');
        /* the members a reader needs are all there (null for NaN, inf) */
        json_t *metrics = json_object_get(root, "metrics");
        assert_true(json_is_object(metrics));
        assert_int_equal(json_object_size(metrics), r->nmetrics);
        assert_int_equal(json_object_get(root, "verdict") != NULL, pass == 0);
        if (pass == 0) {
            json_t *odd = json_object_get(metrics, r->metrics[r->nmetrics - 2].name);
            assert_true(json_is_null(json_object_get(odd, "half_width")));
            json_t *vals = json_object_get(odd, "values");
            for (size_t i = 0; i < 3; i++)
                assert_true(json_is_null(json_array_get(vals, i)));
            assert_true(json_is_array(json_object_get(root, "variants")));
        }
        /* res_json_text is the same text */
        char *text = res_json_text(r, pass == 0 ? &v : NULL, NULL);
        assert_non_null(text);
        assert_string_equal(text, c.data);
        sim_free(text);
        free(whole);
        json_decref(root);
        sim_free(c.data);
        res_verdict_fini(&v);
        res_results_destroy(r);
    }
}

/* A sink that refuses part-way (a full disk): the writer stops at once
 * (the sink is not called again), says SIM_EIO, and what the sink got is
 * the start of the text. */
static void a_sink_that_fails_mid_stream_stops_the_writing(void **state)
{
    (void)state;
    res_results *r = awkward_results();
    res_verdict v;
    assert_int_equal(res_verdict_compute(r, &v, NULL), SIM_OK);
    char *text = res_json_text(r, &v, NULL);
    assert_non_null(text);
    size_t whole = strlen(text);
    collect c = {.fail_after = whole / 2};
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(res_json_write(r, &v, collect_put, &c, &err), SIM_EIO);
    assert_int_equal(err.code, SIM_EIO);
    assert_true(c.failed);
    assert_int_equal(c.calls_after_failure, 0);
    assert_true(c.len <= whole / 2 && c.len > 0);
    assert_memory_equal(c.data, text, c.len);
    sim_free(c.data);
    sim_free(text);
    res_verdict_fini(&v);
    res_results_destroy(r);
}

/* Out of memory at each allocation of the writer in turn (its chunk
 * buffer, the growing text): NULL with SIM_ENOMEM, nothing leaked (the
 * sanitizer build), or the whole text once the failure comes too late to
 * matter. The text of the fixture needs a handful of allocations (doubling
 * from 4 KB), so 40 walks past every one of them. */
static void out_of_memory_while_writing_is_reported_not_hidden(void **state)
{
    (void)state;
    res_results *r = awkward_results();
    char *whole = res_json_text(r, NULL, NULL);
    assert_non_null(whole);
    int completed = 0;
    for (long n = 1; n <= 40; n++) {
        sim_err err;
        sim_err_clear(&err);
        sim_alloc_fail_after(n);
        char *text = res_json_text(r, NULL, &err);
        sim_alloc_fail_reset();
        if (text) {
            assert_string_equal(text, whole);
            completed++;
        } else {
            assert_int_equal(err.code, SIM_ENOMEM);
        }
        sim_free(text);
    }
    assert_true(completed > 0 && completed < 40);
    sim_free(whole);
    res_results_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(results_read_back_unchanged),
        cmocka_unit_test(other_files_are_rejected_with_a_position),
        cmocka_unit_test(absurd_counts_read_as_zero),
        cmocka_unit_test(format_version_missing_unknown_or_newer_is_refused),
        cmocka_unit_test(streamed_text_is_the_whole_tree_dump_byte_for_byte),
        cmocka_unit_test(a_sink_that_fails_mid_stream_stops_the_writing),
        cmocka_unit_test(out_of_memory_while_writing_is_reported_not_hidden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
