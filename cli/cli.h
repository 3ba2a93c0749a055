/*
 * cli.h - the erpsim commands, one file each (cli/cmd_<name>.c).
 *
 * Each command takes its own argv (argv[0] is the command name) and returns
 * the process exit code: 0 ok, 1 the plan violates a limit or SLO
 * (--fail-on-violation), 2 bad input or usage, 3 internal error, 4 results
 * written but charts not drawn (gnuplot missing or failing). Only cli/
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

#endif
