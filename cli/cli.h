/*
 * cli.h - the erpsim commands, one file each (cli/cmd_<name>.c).
 *
 * Each command takes its own argv (argv[0] is the command name) and returns
 * the process exit code: 0 ok, 1 the plan violates a limit or SLO
 * (--fail-on-violation), 2 bad input or usage (an unusable --out too),
 * 3 internal error, 4 results written but charts not drawn (gnuplot
 * missing or failing), 5 a file could not be written (disk full, I/O
 * error; docs/results.md). Only cli/
 * prints or exits; main() returns what the command returns.
 */
#ifndef CLI_H
#define CLI_H

/* erpsim check [--print] [--set PATH=VALUE]... [FILE...]
 * Validates scenario files (no FILE: the compiled-in default scenario) and
 * prints "FILE: ok" or every problem as "file:line:column: error: message"
 * on stderr; --print writes the normalised scenario with the origin of
 * every value. Exit 0 when every file is valid, 2 otherwise. */
int cmd_check(int argc, char **argv);

/* erpsim advise [SCENARIO] [common options] [--no-sim]
 * The card's decision tree on every flow (the branch taken, the recommended
 * pattern against the declared one, the safeguards it needs), the card's
 * anti-patterns found in the scenario, and a simulation of the declared
 * and the recommended assignment side by side with common random numbers,
 * each judged by the verdict (results/res_verdict.h); a recommended switch
 * that does not hold as simulated is flagged. Exit 0 (also when the
 * simulation cannot run: it says why), 1 with --fail-on-violation when the
 * declared assignment fails its verdict, 2 bad input (also
 * --fail-on-violation with --no-sim), 3 internal error. See
 * cli/cmd_advise.c. */
int cmd_advise(int argc, char **argv);

/* erpsim run [SCENARIO] [common options]
 * Simulates a scenario; prints what breaks first and the verdict per flow
 * and limit; --out DIR writes the results folder (cli/out_dir.h). Exit 0,
 * 1 with --fail-on-violation when the verdict fails (results/res_verdict.h),
 * 2 bad input, 3 internal error, 4 results written but charts not drawn.
 * See cli/cmd_run.c. */
int cmd_run(int argc, char **argv);

/* erpsim plot --from DIR [--out DIR2]
 * Redraws the charts of a results folder from its results.json. Exit 0,
 * 2 bad input, 3 internal error, 4 charts not drawn. See cli/cmd_plot.c. */
int cmd_plot(int argc, char **argv);

/* erpsim report [SCENARIO | --from DIR] [common options]
 * The self-contained HTML report and its Markdown twin. Exit codes as run.
 * See cli/cmd_report.c. */
int cmd_report(int argc, char **argv);

/* erpsim sweep [SCENARIO] --vary PATH=VALUES... [--metric NAME]... [common options]
 * Every combination of the varied values, each point R replications with
 * the same seed (common random numbers); the chosen metrics with their CI
 * as a table, CSV and chart. Exit 0, 2 bad input, 3 internal error, 4
 * chart not drawn. See cli/cmd_sweep.c. */
int cmd_sweep(int argc, char **argv);

/* erpsim compare [SCENARIO] --flow ID [--patterns LIST] [common options]
 * The flow under each pattern, everything else unchanged, side by side on
 * the card's criteria. Exit 0, 2 bad input, 3 internal error, 4 chart not
 * drawn. See cli/cmd_compare.c. */
int cmd_compare(int argc, char **argv);

/* erpsim plan [SCENARIO] [--target 3x] [--tolerance 5%] [common options]
 * The highest load at which every SLO and limit holds, headroom at 1x and
 * at the target, what breaks first, batch overrun months, PASS/FAIL. Exit
 * 0, 1 FAIL with --fail-on-violation, 2 bad input, 3 internal error, 4
 * chart not drawn. See cli/cmd_plan.c. */
int cmd_plan(int argc, char **argv);

/* erpsim calibrate LOG.csv... [--by COLUMN] [--tz OFFSET] [--out DIR] ...
 * Estimates each group's volume, diurnal and weekly shapes, growth (with
 * 95% intervals), spike days, burstiness and, for Salesforce logs, the
 * API limit headroom from usage logs; prints a report and scenario
 * fragments. Exit 0, 2 bad input (file:line:column), 3 internal error.
 * See cli/cmd_calibrate.c and docs/calibration.md. */
int cmd_calibrate(int argc, char **argv);

/* erpsim serve [SCENARIO] [--port N] [--bind ADDR] [--allow-remote] ...
 * The workshop page: a local HTTP server (127.0.0.1 by default) with the
 * scenario's what-ifs, each simulated again and judged as `run` judges.
 * Runs until Ctrl-C (exit 130) or SIGTERM (143); 2 bad input or usage, 5
 * cannot listen. See cli/cmd_serve.c and docs/workshop.md. */
int cmd_serve(int argc, char **argv);

#endif
