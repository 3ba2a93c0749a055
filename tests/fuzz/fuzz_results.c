/*
 * fuzz_results.c - libFuzzer target for the results.json reader
 * (results/res_json.h: res_json_parse, what `plot --from` and `report --from`
 * read) and for what those commands compute from a file they accept.
 *
 * Input: the bytes of a results.json. Seeds in tests/fuzz/corpus/results/
 * are files written by `erpsim run` (cut to a few metrics) and hand-made
 * edge cases.
 *
 * For every input the reader accepts, the target computes the verdict,
 * the text summary and the Markdown and HTML reports (no charts), then
 * asserts (abort() on a failure) that writing the results as JSON, reading
 * that back and writing it again gives the same text: the writer's output
 * is always readable and the reader loses nothing the writer wrote.
 * Sanitizers (address, undefined, with float-cast-overflow) catch the rest.
 * docs/fuzzing.md says how to build and run it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out_report.h"
#include "out_text.h"
#include "res_json.h"
#include "res_verdict.h"
#include "sim_alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_results: %s\n%s\n", what, detail ? detail : "");
    abort();
}

/* The JSON text of r with its verdict, or NULL on no memory. */
static char *as_json(const res_results *r)
{
    res_verdict v;
    memset(&v, 0, sizeof v);
    if (res_verdict_compute(r, &v, NULL) != SIM_OK) {
        res_verdict_fini(&v);
        return NULL;
    }
    char *text = res_json_text(r, &v, NULL);
    res_verdict_fini(&v);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim_err err;
    sim_err_clear(&err);
    res_results *r = res_json_parse("fuzz.json", (const char *)data, size, &err);
    if (!r)
        return 0;
    res_verdict v;
    memset(&v, 0, sizeof v);
    if (res_verdict_compute(r, &v, NULL) == SIM_OK) {
        sim_free(out_text_summary(r, &v, NULL));
        sim_free(out_report_md(r, &v, 0, NULL, NULL));
        sim_free(out_report_html(r, &v, NULL, 0, NULL, NULL));
    }
    res_verdict_fini(&v);
    char *t1 = as_json(r);
    res_results_destroy(r);
    if (!t1)
        return 0;
    res_results *back = res_json_parse("written.json", t1, strlen(t1), &err);
    if (!back)
        die("the JSON written from an accepted file does not read back:", err.msg);
    char *t2 = as_json(back);
    res_results_destroy(back);
    if (t2 && strcmp(t1, t2) != 0) {
        fprintf(stderr, "--- first write\n%s\n--- second write\n%s\n", t1, t2);
        die("writing what was read back changes the JSON", NULL);
    }
    sim_free(t2);
    sim_free(t1);
    return 0;
}
