/*
 * cli_opts.h - what every simulating command (run, report, sweep, compare,
 * plan, advise) shares: its common options, loading the scenario with the
 * overrides, and running the experiment with a progress bar.
 *
 *   [SCENARIO]        a scenario file; none: the compiled-in default.yaml
 *   --load 3x         the load multiplier (same as --set load=3x)
 *   --days N          the horizon in days, 1 to SCN_HORIZON_MAX_DAYS (--set horizon=Nd)
 *   --seed S          the base seed of every random stream (--set seed=S)
 *   --reps R          replications (--set replications=R)
 *   --threads N       worker threads; 0 or absent: one per core. Results do
 *                     not depend on it (sim_experiment.h)
 *   --set PATH=VALUE  any scenario value (repeatable), validated like the file
 *   --out DIR         write the results into DIR, replaced whole (out_dir.h)
 *   --format F        what goes to stdout: text (default), json or csv
 *   --quiet           nothing on stdout or progress on stderr; errors only
 *   --no-charts       do not run gnuplot (the chart data is still written)
 *   --no-faults       inject none of the scenario's faults (each is read with
 *                     enabled: false, so variants and --set can still name it)
 *   --fail-on-violation  exit 1 when an SLO is missed or a limit runs out
 *   --no-memory-check  run even when the run is estimated not to fit in
 *                     the memory available (cli/memory.h)
 *   --journal DIR     keep every finished replication in DIR and resume
 *                     from it (journal.h)
 * Both "--opt VALUE" and "--opt=VALUE" are accepted.
 *
 * --load, --days, --seed and --reps become --set overrides, so the scenario
 * loader validates them like any other value and `check --print` style
 * origins say "--set". Diagnostics are printed as
 * `file:line:column: error: message` on stderr; bad input is exit code 2.
 *
 * Exit codes shared by the commands (docs/results.md):
 *   0 ok; 1 violation with --fail-on-violation; 2 bad input or usage,
 *   an unusable --out (a file, a folder erpsim did not write, no
 *   permission), or a run estimated not to fit in memory; 3 internal error
 *   (a bug, or out of memory); 4 results written but charts not drawn
 *   (gnuplot missing or failing); 5 a file could not be written (disk
 *   full, I/O error; the results folder is then as it was before the
 *   command); 130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM, with
 *   nothing written.
 */
#ifndef CLI_OPTS_H
#define CLI_OPTS_H

#include <stdint.h>
#include <stdio.h>

#include "mdl_scenario.h"
#include "plt_calibrate.h"
#include "plt_compare.h"
#include "plt_sweep.h"
#include "scn_load.h"
#include "sim_result.h"

#define CLI_MAX_SETS 256

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_VIOLATION = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_INTERNAL = 3,
    CLI_EXIT_NO_CHARTS = 4,
    CLI_EXIT_IO = 5
};

/* The exit code for a failed library call's status: 5 for SIM_EIO, 2 for
 * bad input (SIM_EINVAL, SIM_ERANGE, SIM_EPARSE), 3 otherwise. */
int cli_opts_exit_code(int status);

typedef enum cli_format { CLI_FORMAT_TEXT = 0, CLI_FORMAT_JSON, CLI_FORMAT_CSV } cli_format;

/* Filled by cli_opts_parse. Do not copy it: sets[] points into generated[]
 * and into argv. */
typedef struct cli_opts {
    const char *cmd;      /* "run", for messages */
    const char *scenario; /* path, or NULL for the compiled-in default */
    /* --set overrides in order: the generated ones first, then the user's
     * (a user --set wins over --load etc. as it is applied later). */
    const char *sets[CLI_MAX_SETS];
    int nsets;
    int user_sets;         /* sets[user_sets..nsets-1] are the user's own --set */
    char generated[4][64]; /* storage of the generated overrides: load, horizon, seed, reps */
    int threads;           /* 0 = one per core */
    const char *out;       /* NULL = no files */
    const char *from;      /* --from DIR, for commands that read results */
    cli_format format;
    int format_given;
    int quiet;
    int no_charts;
    int no_faults; /* --no-faults: every fault read with enabled: false */
    int fail_on_violation;
    int no_memory_check;
    const char *journal; /* --journal DIR, or NULL */
} cli_opts;

/* Parses the common options out of argv[1..argc-1] (argv[0] is the command
 * name). Arguments it does not know (a command's own options, further
 * positional arguments) are kept, in order, in argv[1..*argc-1], and *argc
 * is updated: the command parses those itself. The first positional
 * argument is taken as SCENARIO. --from is parsed only when allow_from.
 * --help is left for the command. Returns 0, or CLI_EXIT_USAGE after
 * printing the problem and `usage` on stderr. */
int cli_opts_parse(cli_opts *o, const char *cmd, int *argc, char **argv, int allow_from,
                   const char *usage);

/* A command's own option that takes a value: "--opt VALUE" or
 * "--opt=VALUE". Returns the value (advancing *i past it), NULL if argv[*i]
 * is not this option, or NULL with *missing set when the value is absent. */
const char *cli_opt_value(const char *name, int argc, char **argv, int *i, int *missing);

/* Prints "erpsim CMD: error: WHATARG" and usage on stderr; returns
 * CLI_EXIT_USAGE. arg may be NULL. */
int cli_usage_error(const char *cmd, const char *usage, const char *what, const char *arg);

/* The name the scenario is reported under: its path or "default.yaml". */
const char *cli_opts_label(const cli_opts *o);

/* Prints every diagnostic as "file:line:column: error: message" on stderr
 * (label for problems without a file). Returns the exit code: 3 when
 * memory ran out, 2 otherwise. */
int cli_opts_print_diag(const char *label, int rc, const scn_diag *diag);

/* Loads the scenario with the overrides into *sc (origins may be NULL: if
 * not, it receives where each value came from; destroy it). Prints the
 * problems and returns 2 (3 on no memory); 0 on success. */
int cli_opts_load(const cli_opts *o, mdl_scenario *sc, scn_origins **origins);

/* Counts of a progress bar spanning several experiments (sweep points):
 * NULL means one experiment with its own bar. */
typedef struct progress progress;

/* Runs the scenario's replications (sc->replications, sc->seed, the
 * threads option) with mdl_world_run, drawing progress on p, or on a bar
 * of its own when p is NULL and the run is not quiet. On failure prints
 * "erpsim CMD: error: ..." and returns 3 (2 when the scenario cannot be
 * simulated: a model refused it); after Ctrl-C or SIGTERM, what
 * cli_opts_interrupted returns (130 or 143); 0 with *out set on success. */
int cli_opts_run(const cli_opts *o, const mdl_scenario *sc, progress *p, sim_summary **out);

/* Before a run of `reps` replications of sc: refuses one that would not
 * fit in the memory available, printing the estimate and what to do, and
 * returns 2; warns (once per process) when it would take more than half
 * of it; 0 to go ahead. With --no-memory-check, 0 at once. cli_opts_run*
 * call it; commands that call cli_opts_simulate call it first. */
int cli_opts_check_memory(const cli_opts *o, const mdl_scenario *sc, int reps);

/* The same with an explicit seed and replication count (sweep points use
 * the same seed for common random numbers). */
int cli_opts_run_with(const cli_opts *o, const mdl_scenario *sc, uint64_t seed, int reps,
                      progress *p, sim_summary **out);

/* The same without printing, for commands that keep a failure as part of
 * their answer (compare, advise): returns the sim_experiment_run status,
 * SIM_OK with *out set, or a negative status with err filled and *out
 * NULL; SIM_ECANCELED after Ctrl-C or SIGTERM (interrupt.h: the command
 * then returns cli_opts_interrupted). The bar p (or an own bar when NULL)
 * is cleared afterwards. */
int cli_opts_simulate(const cli_opts *o, const mdl_scenario *sc, uint64_t seed, int reps,
                      progress *p, sim_summary **out, sim_err *err);

/* The step of simulated time between two looks of a replication's run
 * loop (sim_experiment_cfg.watch_every): 4096 looks over the horizon, at
 * most one a simulated second. The bar moves and a cancel (Ctrl-C, a newer
 * what-if in `erpsim serve`) takes hold within 1/4096 of a replication's
 * running time, for a few nanoseconds a look (sim_queue_run_watched adds
 * nothing per event). */
sim_time cli_opts_watch_step(sim_time horizon);

/* 0 if no interrupt came; otherwise prints "erpsim CMD: interrupted" and
 * returns its exit code (130 for SIGINT, 143 for SIGTERM). A command calls
 * it right before it starts writing files or stdout, so that an interrupt
 * during the run leaves nothing written (interrupt.h). Also 2 once the
 * --journal folder was refused (another study's: the message is printed
 * then, and cli_opts_simulate returns SIM_ECANCELED like after Ctrl-C). */
int cli_opts_interrupted(const cli_opts *o);

/* Draws a command's chart `name` into dir/charts (PNG and SVG), or, with
 * --no-charts or without gnuplot, writes only its data to
 * dir/series/NAME.csv. Returns 0, CLI_EXIT_NO_CHARTS (4: gnuplot missing or
 * failing, with a warning on stderr) or CLI_EXIT_INTERNAL (3). */
int cli_opts_draw_compare(const cli_opts *o, const char *dir, const char *name,
                          const plt_compare *chart);
int cli_opts_draw_sweep(const cli_opts *o, const char *dir, const char *name,
                        const plt_sweep *chart);
int cli_opts_draw_calibrate(const cli_opts *o, const char *dir, const char *name,
                            const plt_calibrate *chart);

/* Remembers the command's arguments (argv[0] the command name), whose
 * hash identifies the study in a --journal (journal.h). main calls it. */
void cli_opts_remember_args(int argc, char **argv);

/* Closes the journal, saying how many replications it gave (unless
 * quiet). main calls it once the command returned. */
void cli_opts_finish(void);

/* A temporary file ("w+") in $TMPDIR, or /tmp, already unlinked (it goes
 * when closed or at exit); *dir says which folder. NULL if none can be
 * made there. */
FILE *cli_temp_file(const char **dir);

#endif
