/*
 * serve_http.h - the HTTP side of `erpsim serve`: GNU libmicrohttpd parses
 * the requests (no home-made parser), a thread per connection, so that a
 * newer what-if arrives while an older one runs and cancels it.
 *
 *   GET  /                  the page (cli/serve/page.html, compiled in)
 *   GET  /api/scenario      the scenario's name and controls (JSON)
 *   POST /api/run           {"sets": ["load=5x", ...], "replications": 3}
 *                           -> {"run", "elapsed_s", "summary", "results"}
 *   POST /api/scenario.yaml the same body -> the changed scenario as YAML
 *   POST /api/report.html   the same body -> the report of that run
 *   POST /api/summary.txt   the same body -> the summary `erpsim run` prints
 * Answers of the what-ifs: serve_whatif.h (422 with the loader's messages,
 * 409 superseded by a newer run, 503 too large for interactive use).
 *
 * Safety, checked in this order before anything else is done:
 *   - Host must name this server (127.0.0.1, localhost or [::1] with its
 *     port, the bound address, or an --allow-host name): a page on another
 *     site that rebinds its DNS name to 127.0.0.1 is refused (403);
 *   - Origin, when present, must be http:// and such a host (403): another
 *     site's page cannot post to the API;
 *   - at most `rate` requests a second on average, bursts of 2 x rate (429
 *     with Retry-After);
 *   - GET and POST only (405), known paths only (404); POST bodies must be
 *     application/json (415) of at most SERVE_HTTP_MAX_BODY bytes (413; a
 *     chunked body that grows past it closes the connection);
 *   - a body that is not JSON, or not {"sets": [strings], "replications":
 *     whole number}, is 400 with what is wrong.
 * Headers are bounded by libmicrohttpd's per-connection memory (32 KiB:
 * longer ones are its own 431/414), connections by count (64, 16 per
 * address) and by an idle timeout (30 s). Every answer says no-store and
 * carries a Content-Security-Policy that allows nothing from elsewhere.
 */
#ifndef SERVE_HTTP_H
#define SERVE_HTTP_H

#include "serve_whatif.h"
#include "sim_err.h"

#define SERVE_HTTP_MAX_BODY  (64 * 1024)
#define SERVE_HTTP_MAX_HOSTS 8

typedef struct serve_http_cfg {
    const char *bind; /* a numeric IPv4 or IPv6 address */
    int port;         /* 0: any free port (serve_http_port says which) */
    double rate;      /* requests per second; 0: 20 */
    const char *allow_hosts[SERVE_HTTP_MAX_HOSTS]; /* more Host names (no port) */
    int nallow_hosts;
} serve_http_cfg;

typedef struct serve_http serve_http;

/* Starts serving w (borrowed: it must outlive the server). NULL with err
 * filled when the address is not numeric or cannot be bound. */
serve_http *serve_http_start(const serve_http_cfg *cfg, serve_whatif *w, sim_err *err);
/* The port bound. */
int serve_http_port(const serve_http *h);
/* Stops the server: waits for the connections' threads (cancel the
 * what-ifs first with serve_whatif_stop, so none is left running). */
void serve_http_stop(serve_http *h); /* NULL is a no-op */

/* 1 when addr (numeric) is a loopback address: 127.0.0.0/8 or ::1. */
int serve_http_loopback(const char *addr);

#endif
