/*
 * res_json.h - results.json: every metric of a run, the scenario as run
 * and the verdict, for scripts; and reading it back, so `erpsim plot` and
 * `erpsim report` can work from a results folder without running again.
 *
 * Schema (format "erpsim-results", version 1; docs/results.md has the
 * full description):
 *   {
 *     "format": "erpsim-results", "format_version": 1, "erpsim_version": "0.1.0",
 *     "scenario": {"name", "description", "source", "horizon_s", "warmup_s",
 *                  "load", "seed", "replications",
 *                  "flows": [{"id", "description", "source", "target", "caller",
 *                             "pattern", "impact", "error_tolerance", "records_per_day",
 *                             "latency_slo_s",
 *                             "slo_nightly", "batch_window_s", "growth_per_month"}],
 *                  "systems": [{"id", "kind", "daily_limit", "quota_window_s",
 *                               "quota_rolling", "concurrency_limit",
 *                               "delivery_allocation", "retention_s"}],
 *                  "callers": [{"id", "pool_size"}],
 *                  "limits": [{"kind", "id", "what", "unit", "refused_unit", "limit", "window_s",
 *                              "metrics": {"peak", "exhausted_at", "ran_out",
 *                                          "refused"}}],
 *                  "yaml": "the normalised scenario text with every default"},
 *     "run": {"seed", "replications", "confidence"},
 *     "metrics": {NAME: {"kind": "scalar", "unit", "mean", "half_width",
 *                        "replications", "min", "max", "values": [...]}
 *               | {"kind": "hist", "unit", "count", "mean", "min", "max",
 *                  "p50", "p95", "p99", "replications", "bins": [[lo, hi, count], ...]}
 *               | {"kind": "series", "unit", "interval_s", "replications",
 *                  "mean", "min", "max", "values": [...], "max_values": [...]}},
 *     "verdict": {"result": "PASS" | "FAIL", "banner", "violation": bool,
 *                 "breaks_first": [{"rule", "severity", "subject", "at_s", "text",
 *                                   "cause", "what_it_would_take"}],
 *                 "flows": [...], "limits": [...], "projections": [...]},
 *     "variants": [{"id", "description", "result", "banner",
 *                   "flows": [{"id", "status", "p99_s", "p99_half_width_s", "created",
 *                              "delivered", "rejected", "dead_lettered", "lost",
 *                              "pending"}]}]   (when the variants were run)
 *   }
 * JSON has no NaN or infinity: such numbers are written as null (a CI
 * half-width with one replication, a quantile of an empty histogram, a
 * time that never came). Metrics keep the order of the run. The output is
 * deterministic: the same scenario, seed and replications give the same
 * bytes whatever the thread count (nothing time- or machine-dependent is
 * written).
 */
#ifndef RES_JSON_H
#define RES_JSON_H

#include <stddef.h>

#include "res_results.h"
#include "res_verdict.h"
#include "sim_err.h"

/* Where res_json_write puts the text: called with the next len bytes
 * (len > 0) in order; returns 0, or nonzero to stop the writing (a full
 * disk: the sink keeps why in its ctx). */
typedef int res_json_sink(void *ctx, const char *data, size_t len);

/* Writes the JSON text, with a final newline, to sink in chunks of at
 * most 16 KB, building one metric (or the scenario, the verdict, the
 * variants) at a time: the memory it holds is the largest of these trees,
 * not the document. v may be NULL (no "verdict" member). SIM_OK;
 * SIM_EIO when the sink stopped it ("writing JSON failed": the sink knows
 * why); SIM_ENOMEM. On failure the sink has had part of the text. */
int res_json_write(const res_results *r, const res_verdict *v, res_json_sink *sink, void *ctx,
                   sim_err *err);

/* The same text whole (sim_free it), for `erpsim serve` and --format json;
 * NULL with err filled (SIM_ENOMEM) on failure. */
char *res_json_text(const res_results *r, const res_verdict *v, sim_err *err);

/* The format_version this erpsim writes and the only one it reads. */
#define OUT_JSON_FORMAT_VERSION 1

/* Reads results.json text (the file named `path`, for messages) into a new
 * res_results. SIM_EPARSE with the position for malformed JSON or a
 * document that is not erpsim results, and (no position, the path in the
 * message) for a format_version that is missing, not a positive integer, or
 * newer than OUT_JSON_FORMAT_VERSION. */
res_results *res_json_read(const char *path, sim_err *err);
/* The same from text[0..len), reported under `name`. */
res_results *res_json_parse(const char *name, const char *text, size_t len, sim_err *err);

#endif
