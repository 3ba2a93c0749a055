/*
 * out_text.h - the terminal summary (also summary.txt): at most about 60
 * lines, for reading at a glance.
 *
 *   erpsim 0.1.0 - scenario tiny (tests/cli/fixtures/tiny.yaml)
 *   load 3x, horizon 2 d, 4 replications, seed 42; ± is the 95% CI
 *
 *   Verdict: FAIL: 1 flow misses its latency SLO, 1 limit ran out
 *
 *   What breaks first
 *     1. day 1 14:02  erp: API calls per rolling 24 h (30,000) runs out ...
 *     2.              F-011 misses its 500 ms latency SLO: p99 3.09 s ± 990 ms
 *
 *   Flows   SLO  p99 latency  created  delivered  rejected  DLQ  lost  pending  verdict
 *   Limits  limit  peak use  headroom  ran out  verdict
 *
 * Long lists are cut (at most 10 problems, 15 flows, 15 limits) with a line
 * saying how many more are in results.json. A cut flow or limit table
 * shows the worst rows, worst first, and counts the rest by verdict
 * (docs/results.md, "Large landscapes in the summary"). The verdict (its banner, its
 * items, each flow's and limit's status) is res_verdict.h's.
 *
 * Text from the scenario, a results.json or the command line (names,
 * descriptions, ids, paths, error messages that quote them) is shown with
 * every control character, C1 control, bidi control and malformed UTF-8
 * byte as a visible escape (sim_text.h), in the summary and in every
 * message: it can neither drive the terminal (ESC, BEL) nor add a line.
 * The escaping happens here, where cli/ prints, not in the library's
 * messages.
 */
#ifndef OUT_TEXT_H
#define OUT_TEXT_H

#include <stdio.h>

#include "res_results.h"
#include "res_verdict.h"
#include "sim_err.h"

/* The summary text (sim_free it), or NULL with err filled. */
char *out_text_summary(const res_results *r, const res_verdict *v, sim_err *err);

/* Prints one line on f: fmt with its arguments, every character that
 * sim_text.h escapes shown as its escape, then a newline (fmt has none at
 * its end). For every message that may quote a scenario, a results.json or
 * an argument: "file:line:column: error: ...", "unknown option '...'". */
void out_text_line(FILE *f, const char *fmt, ...) SIM_PRINTF(2, 3);

#endif
