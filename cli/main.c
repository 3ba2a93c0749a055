/*
 * main.c - the erpsim command line: parses the command, runs it, and turns
 * errors into messages and exit codes. Only cli/ prints or exits.
 *
 * Exit codes: 0 ok, 1 the plan violates a limit or SLO (--fail-on-violation),
 * 2 bad input or usage (an unusable --out too), 3 internal error, 4 results
 * written but charts not drawn (gnuplot missing or failing), 5 a file could
 * not be written (disk full, I/O error), 130 interrupted (Ctrl-C; 143 for
 * SIGTERM).
 */
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "dist.h"
#include "interrupt.h"
#include "out_text.h"

static const char usage[] =
    "usage: erpsim [--version] [--help] COMMAND [ARGS]\n"
    "\n"
    "erpsim is a discrete-event simulator and capacity planner for ERP integration\n"
    "patterns (real-time API calls, event-driven change propagation, batch, bulk and\n"
    "file loads).\n"
    "\n"
    "commands:\n"
    "  run [SCENARIO]   simulate a scenario (default: the compiled-in scenario)\n"
    "  check FILE...    validate scenario files\n"
    "  plot --from DIR  redraw the charts of a results folder\n"
    "  report [SCENARIO | --from DIR]  the HTML + Markdown architecture-review report\n"
    "  advise [SCENARIO] the card's decision tree per flow, anti-patterns, and the\n"
    "                   declared vs recommended patterns simulated side by side\n"
    "  sweep [SCENARIO] --vary PATH=VALUES  what-if grid with common random numbers\n"
    "  compare [SCENARIO] --flow ID  one flow under each pattern, side by side\n"
    "  plan [SCENARIO]  the capacity plan: highest load that holds, headroom, PASS/FAIL\n"
    "  calibrate LOG... volumes, daily and weekly shapes, growth and API headroom from\n"
    "                   usage logs, as scenario values\n"
    "  serve [SCENARIO] the workshop page: live what-ifs in a browser (127.0.0.1)\n"
    "\n"
    "options:\n"
    "  --version        print the version and exit\n"
    "  --help           print this help and exit\n"
    "\n"
    "exit codes: 0 ok, 1 plan violates a limit or SLO (--fail-on-violation),\n"
    "            2 bad input or usage (also an --out that is a file or a folder\n"
    "            erpsim did not write), 3 internal error, 4 results written but\n"
    "            charts not drawn (gnuplot missing or failing), 5 a file could\n"
    "            not be written (disk full, I/O error; the old results are kept),\n"
    "            130 interrupted by Ctrl-C (143 by SIGTERM) with nothing written\n";

/* The command's exit code, or 5 (an I/O failure) when what it printed on
 * stdout could not all be written (a full disk behind `> results.json`,
 * /dev/full): the output is then incomplete and exit 0 would hide it. */
static int finish(int code)
{
    int e = fflush(stdout) != 0 ? errno : ferror(stdout) ? EIO : 0;
    if (!e)
        return code;
    out_text_line(stderr, "erpsim: error: cannot write to standard output: %s", strerror(e));
    return 5;
}

static int dispatch(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("erpsim %s\n", ERPSIM_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage, stdout);
        return 0;
    }
    /* The commands that simulate stop cleanly on Ctrl-C and SIGTERM
     * (interrupt.h); the others keep the default action. */
    static const char *const simulating[] = {"run",     "report", "advise", "sweep",
                                             "compare", "plan",   "serve"};
    for (size_t i = 0; i < sizeof simulating / sizeof *simulating; i++)
        if (!strcmp(argv[1], simulating[i]))
            interrupt_install();
    if (!strcmp(argv[1], "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "plot"))
        return cmd_plot(argc - 1, argv + 1);
    if (!strcmp(argv[1], "report"))
        return cmd_report(argc - 1, argv + 1);
    if (!strcmp(argv[1], "advise"))
        return cmd_advise(argc - 1, argv + 1);
    if (!strcmp(argv[1], "sweep"))
        return cmd_sweep(argc - 1, argv + 1);
    if (!strcmp(argv[1], "compare"))
        return cmd_compare(argc - 1, argv + 1);
    if (!strcmp(argv[1], "plan"))
        return cmd_plan(argc - 1, argv + 1);
    if (!strcmp(argv[1], "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(argv[1], "calibrate"))
        return cmd_calibrate(argc - 1, argv + 1);
    out_text_line(stderr, "erpsim: unknown command '%s' (see erpsim --help)", argv[1]);
    return 2;
}

/* What a rank other than 0 writes on stderr: kept in a temporary file, so
 * that the last line (its error, if it ends its command early) can be
 * passed on to rank 0 (dist_finish); NULL elsewhere. */
static FILE *rank_stderr;

/* What this rank said last on stderr, into buf (n >= 1; "" when nothing):
 * the first line of its last error message (the last line with "error: "
 * in the final 4 KB it wrote), or else its last non-empty line. */
static const char *last_said(char *buf, size_t n)
{
    char tail[4096];
    buf[0] = '\0';
    if (!rank_stderr || fflush(stderr) != 0 || fseek(rank_stderr, 0, SEEK_END) != 0)
        return buf;
    long size = ftell(rank_stderr), keep = (long)sizeof tail - 1,
         from = size > keep ? size - keep : 0;
    if (size <= 0 || fseek(rank_stderr, from, SEEK_SET) != 0)
        return buf;
    tail[fread(tail, 1, sizeof tail - 1, rank_stderr)] = '\0';
    const char *last = "", *error = NULL;
    for (char *line = tail, *end; *line; line = end) {
        end = line + strcspn(line, "\r\n");
        if (*end)
            *end++ = '\0';
        if (*line)
            last = line;
        if (strstr(line, "error: "))
            error = line;
    }
    const char *said = error ? error : last;
    size_t len = strlen(said) < n - 1 ? strlen(said) : n - 1; /* cut to fit */
    memcpy(buf, said, len);
    buf[len] = '\0';
    return buf;
}

/* Under mpirun (dist.h): every rank runs the command; only rank 0 prints
 * and writes, so the others' stdout goes to /dev/null and their stderr to
 * rank_stderr (and cli_opts_parse drops their --out and --journal). The commands that
 * simulate through cli_opts run over the ranks; the others are refused
 * rather than run N times over the same files. Returns 0 or an exit code. */
static int join_ranks(int *argc, char ***argv)
{
    sim_err e;
    sim_err_clear(&e);
    int rc = dist_init(argc, argv, &e);
    if (rc != SIM_OK) {
        out_text_line(stderr, "erpsim: error: %s", e.msg);
        return cli_opts_exit_code(rc);
    }
    if (dist_size() == 1)
        return 0;
    if (dist_rank() > 0) {
        fflush(stderr);
        if (!freopen("/dev/null", "w", stdout))
            return 3;
        /* no temporary file (its folder full or read-only): the rank runs
         * as before, saying nothing rank 0 could quote */
        const char *dir;
        if (!(rank_stderr = cli_temp_file(&dir)) || dup2(fileno(rank_stderr), STDERR_FILENO) < 0) {
            if (rank_stderr)
                fclose(rank_stderr);
            rank_stderr = NULL;
            if (!freopen("/dev/null", "w", stderr))
                return 3;
        }
    }
    static const char *const spread[] = {"run",    "sweep",  "plan",     "compare",
                                         "advise", "--help", "--version"};
    for (size_t i = 0; *argc > 1 && i < sizeof spread / sizeof *spread; i++)
        if (!strcmp((*argv)[1], spread[i]))
            return 0;
    out_text_line(stderr,
                  "erpsim: error: under mpirun erpsim runs run, sweep, plan, compare and advise; "
                  "run '%s' without mpirun",
                  *argc > 1 ? (*argv)[1] : "");
    return 2;
}

int main(int argc, char **argv)
{
    char said[DIST_WHY_MAX];
    int code = join_ranks(&argc, &argv);
    if (code)
        return dist_finish(code, 0, last_said(said, sizeof said));
    if (argc > 1)
        cli_opts_remember_args(argc - 1, argv + 1);
    code = finish(dispatch(argc, argv));
    cli_opts_finish();
    /* An interrupt that came while the results were being written let the
     * writing finish; the exit code still says the run was interrupted. */
    return dist_finish(interrupt_caught() ? interrupt_exit_code() : code, interrupt_caught(),
                       last_said(said, sizeof said));
}
