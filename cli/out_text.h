/*
 * out_text.h - the terminal summary (also summary.txt): at most about 60
 * lines, for reading at a glance.
 *
 *   erpsim 0.1.0 - scenario tiny (tests/cli/fixtures/tiny.yaml)
 *   load 3x, horizon 2 d, 4 replications, seed 42; ± is the 95% CI
 *
 *   What breaks first
 *     1. day 1 14:02  erp: API calls per rolling 24 h (30,000) runs out ...
 *     2.              F-011 misses its 500 ms latency SLO: p99 3.09 s ± 0.99
 *
 *   Flows   SLO  p99 latency  verdict  delivered  rejected  DLQ  lost
 *   Limits  limit  peak use  headroom  ran out  verdict
 *
 * Long lists are cut (at most 10 problems, 15 flows, 15 limits) with a line
 * saying how many more are in results.json. The verdict rules are in
 * verdict.h.
 */
#ifndef OUT_TEXT_H
#define OUT_TEXT_H

#include "plt_results.h"
#include "sim_err.h"
#include "verdict.h"

/* The summary text (sim_free it), or NULL with err filled. */
char *out_text_summary(const plt_results *r, const verdict *v, sim_err *err);

#endif
