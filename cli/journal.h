/*
 * journal.h - `--journal DIR`: every finished replication kept on disk, so
 * that a long study that stopped (Ctrl-C, a lost node, a wall-clock limit)
 * resumes where it was and gives the output of an uninterrupted run.
 *
 *   DIR/journal.txt          erpsim version, command, hash of its arguments
 *   DIR/eNNNNNN.txt          experiment N: hash of its canonical scenario
 *                            (scn_print_yaml), seed, replications
 *   DIR/eNNNNNN-rNNNNNN.rep  replication r of experiment N: its result,
 *                            packed exactly (sim/sim_pack.h), with a hash
 *
 * A command runs one experiment (run) or many in a fixed order (a sweep's
 * points, plan's search, compare's variants): experiments are numbered in
 * the order the command starts them, which the same command with the same
 * results repeats. Each file is written whole to a temporary name and
 * renamed (plots/plt_file.h): a kill leaves complete files or none.
 *
 * Resuming: a replication whose file is there is read instead of run;
 * the merge takes results in replication order wherever they came from
 * (sim_result.h), so the summary, hence the output, is the same bytes.
 * A journal made by another version, command, arguments, scenario or seed
 * is refused: results of another study would silently change the answer.
 * Options that change only where or how the output is shown (--out,
 * --format, --quiet, --no-charts, --threads, --no-memory-check, --journal)
 * are not part of the identity.
 */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stdint.h>

#include "mdl_scenario.h"
#include "sim_err.h"
#include "sim_result.h"

typedef struct journal journal;

/* The hash of the arguments that define a command's work (argv from the
 * command name on, less the options above). */
uint64_t journal_args_hash(int argc, char **argv);

/* Opens the journal in dir (creating it), or checks the one there against
 * version, cmd and args. SIM_EINVAL with a message naming what differs when
 * it belongs to another study or dir holds files that are not a journal;
 * SIM_EIO; SIM_ENOMEM. */
int journal_open(const char *dir, const char *cmd, uint64_t args, journal **out, sim_err *err);
void journal_close(journal *j); /* NULL is a no-op */

/* The hash of sc's canonical text (scn_print_yaml: every value, defaults
 * included): two scenarios that simulate alike hash alike. */
int journal_scenario_hash(const mdl_scenario *sc, uint64_t *h, sim_err *err);

/* Starts experiment number seq (0, 1, ...): records its identity, or checks
 * it against the one recorded (SIM_EINVAL: another scenario or seed). */
int journal_experiment(journal *j, int seq, const mdl_scenario *sc, uint64_t seed, int reps,
                       sim_err *err);

/* Fills into (an empty result) with replication rep of experiment seq and
 * returns 1 when the journal has it; 0 when not (or its file is damaged:
 * it is then run again and rewritten). Thread-safe. */
int journal_load(journal *j, int seq, int rep, sim_result *into);

/* Records replication rep of experiment seq. Thread-safe (one file each). */
int journal_save(const journal *j, int seq, int rep, const sim_result *r, sim_err *err);

/* How many replications were read from the journal so far. */
long journal_loaded(const journal *j);

#endif
