/*
 * bench_serve.c - how fast `erpsim serve` answers a what-if, end to end
 * through its HTTP API.
 *
 *   bench_serve [SCENARIO.yaml] [what-ifs] [threads]
 *
 * Starts the server in this process on a free loopback port (serve_http.h,
 * the same code `erpsim serve` runs), then asks it `what-ifs` questions
 * (default 20) one after another as the page does: POST /api/run with a
 * load from 3x to 5x in 0.25x steps, over a fresh TCP connection each,
 * timing from connect to the last byte of the answer (the simulation with
 * the scenario's replications on the worker threads, the verdict, the JSON).
 * Prints each time and the p50 and p95 (nearest rank). The target: a
 * what-if on the default scenario answers in <= 0.5 s.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "serve_http.h"
#include "serve_whatif.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One POST /api/run; returns the HTTP status (0 on a socket failure) and
 * the bytes of the answer in *bytes. */
static int ask(int port, const char *body, size_t *bytes)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        if (s >= 0)
            close(s);
        return 0;
    }
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "POST /api/run HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     port, strlen(body), body);
    if (write(s, req, (size_t)n) != n) {
        close(s);
        return 0;
    }
    char buf[65536], head[16] = {0};
    size_t got = 0;
    ssize_t k;
    while ((k = read(s, buf, sizeof buf)) > 0) {
        if (got < sizeof head - 1)
            memcpy(head + got, buf,
                   sizeof head - 1 - got < (size_t)k ? sizeof head - 1 - got : (size_t)k);
        got += (size_t)k;
    }
    close(s);
    *bytes = got;
    return strncmp(head, "HTTP/1.1 ", 9) ? 0 : atoi(head + 9);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    serve_whatif_cfg wc = {.scenario = argc > 1 && strcmp(argv[1], "-") ? argv[1] : NULL,
                           .threads = argc > 3 ? atoi(argv[3]) : 0};
    int n = argc > 2 ? atoi(argv[2]) : 20;
    if (n < 1 || n > 1000) {
        fprintf(stderr, "usage: bench_serve [SCENARIO.yaml|-] [what-ifs 1..1000] [threads]\n");
        return 2;
    }
    scn_diag d;
    scn_diag_init(&d);
    sim_err e;
    sim_err_clear(&e);
    serve_whatif *w = serve_whatif_create(&wc, &d, &e);
    scn_diag_fini(&d);
    serve_http_cfg hc = {.bind = "127.0.0.1", .port = 0, .rate = 1000};
    serve_http *h = w ? serve_http_start(&hc, w, &e) : NULL;
    if (!h) {
        fprintf(stderr, "bench_serve: %s\n", e.msg);
        serve_whatif_destroy(w);
        return 1;
    }
    double *t = malloc((size_t)n * sizeof *t);
    int code = t ? 0 : 1;
    printf("bench_serve: %s, %d what-ifs through POST /api/run\n", serve_whatif_label(w), n);
    for (int i = 0; i < n && !code; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"sets\": [\"load=%gx\"]}", 3.0 + 0.25 * (i % 9));
        size_t bytes = 0;
        double t0 = now_s();
        int status = ask(serve_http_port(h), body, &bytes);
        t[i] = now_s() - t0;
        printf("  %-28s %3d  %7zu bytes  %6.3f s\n", body, status, bytes, t[i]);
        if (status != 200)
            code = 1;
    }
    if (!code) {
        qsort(t, (size_t)n, sizeof *t, by_value);
        double p50 = t[(n + 1) / 2 - 1], p95 = t[(95 * n + 99) / 100 - 1];
        printf("p50 %.3f s, p95 %.3f s, max %.3f s (target: <= 0.5 s)\n", p50, p95, t[n - 1]);
    }
    free(t);
    serve_whatif_stop(w);
    serve_http_stop(h);
    serve_whatif_destroy(w);
    return code;
}
