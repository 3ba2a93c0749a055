/*
 * cmd_serve.c - `erpsim serve`: the workshop page, live what-ifs in a
 * browser.
 *
 *   erpsim serve [SCENARIO] [--port N] [--bind ADDR] [--allow-remote]
 *                [--allow-host NAME]... [--threads N] [--budget S]
 *
 * Loads the scenario (problems: printed, exit 2), listens on 127.0.0.1
 * (serve_http.h), prints the page's URL and answers until Ctrl-C or
 * SIGTERM (exit 130 or 143, the shell's convention, as the other
 * simulating commands). Each what-if is a run of serve_whatif.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_opts.h"
#include "interrupt.h"
#include "out_text.h"
#include "serve_http.h"
#include "serve_whatif.h"

static const char serve_usage[] =
    "usage: erpsim serve [SCENARIO] [options]\n"
    "\n"
    "Serves the workshop page: the scenario's flows, systems and limits, controls\n"
    "for the common what-ifs and any --set PATH=VALUE; each change is simulated\n"
    "again with the same seed and the verdict, what breaks first and the charts\n"
    "update. Open the URL it prints; Ctrl-C stops it. Works offline.\n"
    "\n"
    "options:\n"
    "  --port N           the port, 0 to 65535 (default 8737; 0: any free port)\n"
    "  --bind ADDR        the numeric address to listen on (default 127.0.0.1)\n"
    "  --allow-remote     needed to bind an address other than loopback: anyone\n"
    "                     who reaches it can run simulations on this machine\n"
    "  --allow-host NAME  also answer requests for Host NAME (repeatable; e.g. the\n"
    "                     machine's name with --allow-remote)\n"
    "  --threads N        worker threads (default: one per core)\n"
    "  --budget S         seconds a what-if may take before it is called too large\n"
    "                     for interactive use (default 10)\n"
    "  --help             print this help\n"
    "\n"
    "Data files the scenario names are read from its own folder only.\n"
    "exit codes: 2 bad input or usage, 3 internal error, 5 cannot listen,\n"
    "            130 stopped by Ctrl-C (143 by SIGTERM)\n";

static int number(const char *v, long lo, long hi, long *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < lo || n > hi)
        return -1;
    *out = n;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    serve_whatif_cfg wc = {0};
    serve_http_cfg hc = {.bind = "127.0.0.1", .port = 8737};
    int allow_remote = 0;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        long n;
        double d;
        char *end;
        if ((v = cli_opt_value("--port", argc, argv, &i, &missing))) {
            if (number(v, 0, 65535, &n))
                return cli_usage_error("serve", serve_usage, "--port takes 0 to 65535, got ", v);
            hc.port = (int)n;
        } else if (!missing && (v = cli_opt_value("--bind", argc, argv, &i, &missing))) {
            hc.bind = v;
        } else if (!missing && (v = cli_opt_value("--allow-host", argc, argv, &i, &missing))) {
            if (hc.nallow_hosts == SERVE_HTTP_MAX_HOSTS || !v[0] || strpbrk(v, ":/ \t"))
                return cli_usage_error("serve", serve_usage,
                                       "--allow-host takes a host name without port (at most 8), "
                                       "got ",
                                       v);
            hc.allow_hosts[hc.nallow_hosts++] = v;
        } else if (!missing && (v = cli_opt_value("--threads", argc, argv, &i, &missing))) {
            if (number(v, 0, 4096, &n))
                return cli_usage_error("serve", serve_usage, "--threads takes 0 to 4096, got ", v);
            wc.threads = (int)n;
        } else if (!missing && (v = cli_opt_value("--budget", argc, argv, &i, &missing))) {
            d = strtod(v, &end);
            if (end == v || *end || !(d >= 0.1 && d <= 3600))
                return cli_usage_error("serve", serve_usage,
                                       "--budget takes seconds from 0.1 to 3600, got ", v);
            wc.budget_s = d;
        } else if (missing) {
            return cli_usage_error("serve", serve_usage, "a value is missing after ", argv[i]);
        } else if (!strcmp(argv[i], "--allow-remote")) {
            allow_remote = 1;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(serve_usage, stdout);
            return 0;
        } else if (argv[i][0] != '-' && !wc.scenario) {
            wc.scenario = argv[i];
        } else {
            return cli_usage_error(
                "serve", serve_usage,
                argv[i][0] == '-' ? "unknown option " : "more than one scenario: ", argv[i]);
        }
    }
    if (!serve_http_loopback(hc.bind)) {
        if (!allow_remote)
            return cli_usage_error(
                "serve", serve_usage,
                "binding an address other than loopback needs --allow-remote: ", hc.bind);
        out_text_line(stderr,
                      "erpsim serve: warning: listening on %s: anyone who can reach it can run "
                      "simulations on this machine (the page has no login)",
                      hc.bind);
    }
    scn_diag diag;
    scn_diag_init(&diag);
    sim_err e;
    sim_err_clear(&e);
    serve_whatif *w = serve_whatif_create(&wc, &diag, &e);
    if (!w) {
        int code = diag.count > 0 ? cli_opts_print_diag(wc.scenario ? wc.scenario : "default.yaml",
                                                        e.code, &diag)
                                  : cli_opts_exit_code(e.code);
        if (diag.count == 0)
            out_text_line(stderr, "erpsim serve: error: %s%s%s", e.file, e.file[0] ? ": " : "",
                          e.msg);
        scn_diag_fini(&diag);
        return code;
    }
    scn_diag_fini(&diag);
    serve_http *h = serve_http_start(&hc, w, &e);
    if (!h) {
        out_text_line(stderr, "erpsim serve: error: %s", e.msg);
        serve_whatif_destroy(w);
        return e.code == SIM_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_IO;
    }
    int v6 = strchr(hc.bind, ':') != NULL;
    printf("erpsim serve: %s on http://%s%s%s:%d/ (Ctrl-C to stop)\n", serve_whatif_label(w),
           v6 ? "[" : "", hc.bind, v6 ? "]" : "", serve_http_port(h));
    fflush(stdout);
    struct timespec nap = {0, 100 * 1000 * 1000};
    while (!interrupt_caught())
        nanosleep(&nap, NULL);
    serve_whatif_stop(w);
    serve_http_stop(h);
    serve_whatif_destroy(w);
    fprintf(stderr, "erpsim serve: stopped\n");
    return interrupt_exit_code();
}
