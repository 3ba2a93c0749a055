/*
 * serve_whatif.h - the what-ifs behind `erpsim serve`: the scenario given
 * at start, loaded again for each question with its overrides, simulated
 * with the scenario's seed (common random numbers: a change shows its own
 * effect, not new luck) and judged by the decision layer, so that the page
 * shows the verdict `erpsim run` prints (results/res_verdict.h) in the
 * JSON it writes (results/res_json.h).
 *
 * Files. The scenario file is read once, at create; every what-if loads
 * that text from memory. Data files it names (an arrival trace, measured
 * service times) are read only from the scenario's own folder
 * (scn_load_opts.data_dir): none for the compiled-in scenario. Nothing
 * else is opened, nothing is written, no program is run (charts are drawn
 * by the page from the JSON, not by gnuplot).
 *
 * One simulation at a time. A run takes a ticket; a newer run cancels the
 * older one, which stops at its next watch step (1/4096 of its horizon,
 * cli_opts_watch_step) and is answered 409 "superseded", then the newer
 * one runs. Replications run on the worker threads (sim_experiment.h).
 *
 * Too large for interactive use. While a run goes, its progress predicts
 * its running time; once that passes the budget (budget_s) the run is
 * stopped and answered 503 with the replications that would fit, which
 * the page offers. A run whose memory estimate exceeds half the memory
 * available is refused the same way before it starts.
 *
 * Every answer is a complete HTTP body: JSON for the API, the YAML or the
 * report for downloads. serve_whatif_* are safe to call from several
 * threads at once.
 */
#ifndef SERVE_WHATIF_H
#define SERVE_WHATIF_H

#include <stddef.h>

#include "scn_load.h"
#include "sim_err.h"

typedef struct serve_whatif serve_whatif;

typedef struct serve_whatif_cfg {
    const char *scenario; /* a file, NULL: the compiled-in default scenario */
    int threads;          /* worker threads; 0: one per core */
    double budget_s;      /* a run predicted to take longer is too large; 0: 10 s */
} serve_whatif_cfg;

/* Reads and loads the scenario (without overrides). NULL on failure with
 * err filled (for a scenario with problems, the first of them; diag, if
 * not NULL, receives them all: the command prints them). */
serve_whatif *serve_whatif_create(const serve_whatif_cfg *cfg, scn_diag *diag, sim_err *err);
void serve_whatif_destroy(serve_whatif *w); /* NULL is a no-op */

/* The scenario's name as reported: its path or "default.yaml". */
const char *serve_whatif_label(const serve_whatif *w);

typedef enum serve_what {
    SERVE_SCENARIO, /* JSON: the scenario's name, description and controls */
    SERVE_RUN,      /* JSON: the run's summary text and results.json */
    SERVE_YAML,     /* the scenario with the overrides, as YAML erpsim run loads */
    SERVE_REPORT,   /* the HTML report of the run (out_report.h, without charts) */
    SERVE_SUMMARY   /* the summary text `erpsim run` prints */
} serve_what;

typedef struct serve_reply {
    int status;        /* HTTP status: 200, 409, 422, 500, 503 */
    const char *type;  /* its Content-Type */
    char filename[96]; /* an attachment's file name, or "" */
    char *body;        /* sim_free */
    size_t len;
} serve_reply;

#define SERVE_MAX_SETS 64

/* Answers one question: `what` for the scenario with the overrides
 * sets[0..nsets) ("path=value", at most SERVE_MAX_SETS, validated by the
 * loader: problems are answered 422 with the loader's messages) and reps
 * replications (0: the scenario's, or what a set says). Returns SIM_OK
 * with *out filled (any status), or SIM_ENOMEM. */
int serve_whatif_answer(serve_whatif *w, serve_what what, const char *const *sets, int nsets,
                        int reps, serve_reply *out);

/* Cancels the running simulation and every later one (shutting down). */
void serve_whatif_stop(serve_whatif *w);

#endif
