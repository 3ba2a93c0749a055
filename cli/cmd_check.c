/*
 * cmd_check.c - `erpsim check`: validate scenarios, print them normalised.
 *
 *   erpsim check FILE...              "FILE: ok" or the problems, exit 0 / 2
 *   erpsim check --print [FILE]       the scenario with every default filled
 *                                     in and where each value came from
 *   erpsim check --set PATH=VALUE ... overrides, validated like the file
 *   erpsim check --schema-md          (hidden) the key tables of
 *                                     docs/scenarios.md, from the schema
 * Without FILE the compiled-in default scenario is checked.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "out_text.h"
#include "scn_load.h"
#include "scn_print.h"
#include "sim_alloc.h"

static const char check_usage[] =
    "usage: erpsim check [--print] [--set PATH=VALUE]... [FILE...]\n"
    "\n"
    "Validates scenario files (without FILE: the compiled-in default scenario).\n"
    "Prints 'FILE: ok', or every problem as file:line:column: error: message.\n"
    "Values that are valid but probably a mistake are printed as\n"
    "file:line:column: warning: message; they do not change the exit code.\n"
    "\n"
    "options:\n"
    "  --print            print the normalised scenario: every key, defaults\n"
    "                     filled in, each with a comment saying where it came from\n"
    "  --set PATH=VALUE   override a value, e.g. flows.F-002.volume=150k/day\n"
    "                     or systems.salesforce.api.daily_limit=200k (repeatable)\n"
    "  --help             print this help\n"
    "\n"
    "exit codes: 0 every file is valid, 2 a problem was found or bad usage,\n"
    "            3 internal error\n";

static int report(const char *label, int rc, const scn_diag *diag)
{
    char line[1024];
    for (int i = 0; i < diag->count; i++) {
        const sim_err *e = &diag->items[i];
        if (e->line > 0)
            snprintf(line, sizeof line, "%s:%d:%d: error: %s", e->file, e->line, e->column, e->msg);
        else if (e->file[0])
            snprintf(line, sizeof line, "%s: error: %s", e->file, e->msg);
        else
            snprintf(line, sizeof line, "%s: error: %s", label, e->msg);
        out_text_line(stderr, "%s", line);
    }
    if (diag->truncated)
        out_text_line(stderr, "%s: error: more than %d problems; the rest are not shown", label,
                      SCN_DIAG_MAX);
    return rc == SIM_ENOMEM ? 3 : 2;
}

/* Warnings: valid values that are probably a mistake. Printed, never an
 * error (the exit code stays 0). */
static void report_warnings(const char *label, const scn_diag *w)
{
    for (int i = 0; i < w->count; i++) {
        const sim_err *e = &w->items[i];
        if (e->line > 0)
            fprintf(stderr, "%s:%d:%d: warning: %s\n", e->file, e->line, e->column, e->msg);
        else
            fprintf(stderr, "%s: warning: %s\n", e->file[0] ? e->file : label, e->msg);
    }
}

static int check_one(const char *path, const char *const *sets, int nsets, int print)
{
    scn_diag diag, warnings;
    mdl_scenario sc;
    scn_origins *origins = NULL;
    scn_diag_init(&warnings);
    scn_load_opts opts = {
        .sets = sets, .nsets = nsets, .origins = print ? &origins : NULL, .warnings = &warnings};
    const char *label = path ? path : "default.yaml";
    scn_diag_init(&diag);
    int rc = path ? scn_load_file(path, &opts, &sc, &diag) : scn_load_default(&opts, &sc, &diag);
    if (rc != SIM_OK) {
        int code = report(label, rc, &diag);
        scn_diag_fini(&diag);
        scn_diag_fini(&warnings);
        return code;
    }
    scn_diag_fini(&diag);
    report_warnings(label, &warnings);
    scn_diag_fini(&warnings);
    int code = 0;
    if (print) {
        sim_err err;
        char *text = scn_print_yaml(&sc, origins, label, &err);
        if (!text) {
            out_text_line(stderr, "erpsim: %s", err.msg);
            code = 3;
        } else {
            fputs(text, stdout);
            sim_free(text);
        }
    } else {
        printf("%s: ok\n", label);
    }
    scn_origins_destroy(origins);
    mdl_scenario_fini(&sc);
    return code;
}

int cmd_check(int argc, char **argv)
{
    enum { MAX_SETS = 256 };
    const char *sets[MAX_SETS];
    int nsets = 0, print = 0, nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(check_usage, stdout);
            return 0;
        }
        if (!strcmp(a, "--schema-md")) {
            sim_err err;
            char *md = scn_print_schema_md(&err);
            if (!md) {
                out_text_line(stderr, "erpsim: %s", err.msg);
                return 3;
            }
            fputs(md, stdout);
            sim_free(md);
            return 0;
        }
        if (!strcmp(a, "--print")) {
            print = 1;
        } else if (!strcmp(a, "--set") || !strncmp(a, "--set=", 6)) {
            const char *v = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                fprintf(stderr, "erpsim check: --set needs PATH=VALUE\n%s", check_usage);
                return 2;
            }
            if (nsets == MAX_SETS) {
                fprintf(stderr, "erpsim check: more than %d --set options\n", MAX_SETS);
                return 2;
            }
            sets[nsets++] = v;
        } else if (a[0] == '-' && a[1]) {
            out_text_line(stderr, "erpsim check: unknown option '%s'", a);
            fputs(check_usage, stderr);
            return 2;
        } else {
            argv[++nfiles] = argv[i]; /* compact the file names to argv[1..nfiles] */
        }
    }
    if (print && nfiles > 1) {
        fprintf(stderr, "erpsim check: --print takes one file\n");
        return 2;
    }
    if (nfiles == 0)
        return check_one(NULL, sets, nsets, print);
    int worst = 0;
    for (int i = 1; i <= nfiles; i++) {
        int code = check_one(argv[i], sets, nsets, print);
        if (code > worst)
            worst = code;
    }
    return worst;
}
