/*
 * serve_http.c - the HTTP side of `erpsim serve`; see serve_http.h.
 */
#include "serve_http.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_alloc.h"

/* cli/serve/page.html, embedded at build time (cmake/embed.cmake). */
extern const char serve_page_text[];
extern const unsigned long serve_page_len;

struct serve_http {
    struct MHD_Daemon *d;
    serve_whatif *w;
    int port;
    char hosts[2 * (4 + SERVE_HTTP_MAX_HOSTS)][300]; /* the Host values accepted */
    int nhosts;
    double rate, tokens; /* the token bucket of the rate limit */
    struct timespec refilled;
    pthread_mutex_t lock;
};

/* The state of one request while its body arrives. */
typedef struct request {
    char *body;
    size_t len;
} request;

static const char csp[] = "default-src 'none'; script-src 'unsafe-inline'; style-src "
                          "'unsafe-inline'; connect-src 'self'; img-src 'self' data: blob:; "
                          "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static void free_body(void *p)
{
    sim_free(p);
}

/* Queues body (taken; sim_malloc'd, or static when `owned` is 0). */
static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type,
                              const char *filename, char *body, size_t len, int owned)
{
    struct MHD_Response *r =
        owned ? MHD_create_response_from_buffer_with_free_callback(len, body, free_body)
              : MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (owned)
            sim_free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    if (status == MHD_HTTP_TOO_MANY_REQUESTS)
        MHD_add_response_header(r, "Retry-After", "1");
    if (filename && filename[0]) {
        char cd[160];
        snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", filename);
        MHD_add_response_header(r, "Content-Disposition", cd);
    }
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* A JSON error {"error": kind, "message": message}. */
static enum MHD_Result fail(struct MHD_Connection *c, unsigned status, const char *kind,
                            const char *message)
{
    json_t *j = json_pack("{s:s, s:s}", "error", kind, "message", message);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    char *body = text ? sim_strdup(text) : NULL;
    free(text);
    if (!body)
        return MHD_NO;
    return answer(c, status, "application/json", NULL, body, strlen(body), 1);
}

static int host_allowed(const serve_http *h, const char *host)
{
    for (int i = 0; host && i < h->nhosts; i++)
        if (!strcmp(host, h->hosts[i]))
            return 1;
    return 0;
}

/* Origin "http://HOST" with an accepted HOST. */
static int origin_allowed(const serve_http *h, const char *origin)
{
    return !strncmp(origin, "http://", 7) && host_allowed(h, origin + 7);
}

/* Takes a token from the bucket; 0 when it is empty. */
static int rate_ok(serve_http *h)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    pthread_mutex_lock(&h->lock);
    double dt =
        (double)(t.tv_sec - h->refilled.tv_sec) + (double)(t.tv_nsec - h->refilled.tv_nsec) * 1e-9;
    h->refilled = t;
    h->tokens += dt * h->rate;
    if (h->tokens > 2 * h->rate)
        h->tokens = 2 * h->rate;
    int ok = h->tokens >= 1.0;
    if (ok)
        h->tokens -= 1.0;
    pthread_mutex_unlock(&h->lock);
    return ok;
}

typedef struct route {
    const char *path;
    const char *method;
    serve_what what;
} route;

static const route routes[] = {
    {"/api/scenario", "GET", SERVE_SCENARIO},    {"/api/run", "POST", SERVE_RUN},
    {"/api/scenario.yaml", "POST", SERVE_YAML},  {"/api/report.html", "POST", SERVE_REPORT},
    {"/api/summary.txt", "POST", SERVE_SUMMARY},
};
#define NROUTES (sizeof routes / sizeof routes[0])

/* Reads {"sets": [...], "replications": n} (both optional). Returns NULL,
 * or what is wrong. sets point into *doc (the caller decrefs it). */
static const char *parse_body(const request *q, json_t **doc, const char **sets, int *nsets,
                              int *reps)
{
    json_error_t je;
    *nsets = 0;
    *reps = 0;
    *doc = json_loadb(q->body ? q->body : "", q->len, JSON_REJECT_DUPLICATES, &je);
    if (!*doc)
        return "the body is not JSON";
    if (!json_is_object(*doc))
        return "the body must be a JSON object {\"sets\": [...], \"replications\": n}";
    const char *key;
    json_t *v;
    json_object_foreach(*doc, key, v)
    {
        if (strcmp(key, "sets") && strcmp(key, "replications"))
            return "unknown member: the body takes \"sets\" and \"replications\"";
    }
    json_t *s = json_object_get(*doc, "sets");
    if (s && !json_is_array(s))
        return "\"sets\" must be a list of \"PATH=VALUE\" strings";
    if (s && json_array_size(s) > SERVE_MAX_SETS)
        return "\"sets\" has too many overrides";
    for (size_t i = 0; s && i < json_array_size(s); i++) {
        json_t *e = json_array_get(s, i);
        if (!json_is_string(e) || json_string_length(e) != strlen(json_string_value(e)) ||
            json_string_length(e) > 1024)
            return "each of \"sets\" must be a \"PATH=VALUE\" string of at most 1024 bytes";
        sets[(*nsets)++] = json_string_value(e);
    }
    json_t *r = json_object_get(*doc, "replications");
    if (r && (!json_is_integer(r) || json_integer_value(r) < 1 || json_integer_value(r) > 100000))
        return "\"replications\" must be a whole number from 1 to 100000";
    if (r)
        *reps = (int)json_integer_value(r);
    return NULL;
}

static enum MHD_Result run_route(serve_http *h, struct MHD_Connection *c, const route *rt,
                                 const request *q)
{
    const char *sets[SERVE_MAX_SETS] = {0};
    int nsets = 0, reps = 0;
    json_t *doc = NULL;
    if (rt->what != SERVE_SCENARIO) {
        const char *why = parse_body(q, &doc, sets, &nsets, &reps);
        if (why) {
            json_decref(doc);
            return fail(c, MHD_HTTP_BAD_REQUEST, "bad_request", why);
        }
    }
    serve_reply rep;
    int rc = serve_whatif_answer(h->w, rt->what, sets, nsets, reps, &rep);
    json_decref(doc);
    if (rc != SIM_OK || !rep.body) {
        sim_free(rep.body);
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory");
    }
    return answer(c, (unsigned)rep.status, rep.type, rep.filename, rep.body, rep.len, 1);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **state)
{
    (void)version;
    serve_http *h = cls;
    request *q = *state;
    if (!q) { /* the headers are in: check everything before the body */
        if (!(q = sim_calloc(1, sizeof *q)))
            return MHD_NO;
        *state = q;
        const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
        const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
        if (!host_allowed(h, host))
            return fail(c, MHD_HTTP_FORBIDDEN, "forbidden",
                        "the Host header does not name this server");
        if (origin && !origin_allowed(h, origin))
            return fail(c, MHD_HTTP_FORBIDDEN, "forbidden",
                        "requests from other sites are refused");
        if (!rate_ok(h))
            return fail(c, MHD_HTTP_TOO_MANY_REQUESTS, "rate", "too many requests: slow down");
        int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
        if (!get && !post)
            return fail(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method", "only GET and POST are served");
        if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
            return get ? answer(c, MHD_HTTP_OK, "text/html; charset=utf-8", NULL,
                                (char *)serve_page_text, serve_page_len, 0)
                       : fail(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method",
                              "the page is read with GET");
        size_t k = 0;
        while (k < NROUTES && strcmp(url, routes[k].path))
            k++;
        if (k == NROUTES)
            return fail(c, MHD_HTTP_NOT_FOUND, "not_found", "no such page");
        if (strcmp(method, routes[k].method))
            return fail(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method",
                        routes[k].what == SERVE_SCENARIO ? "use GET" : "use POST");
        if (post) {
            const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
            const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
            if (!type || strncmp(type, "application/json", 16) || (type[16] && type[16] != ';'))
                return fail(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "media_type",
                            "the body must be application/json");
            if (length && strtoull(length, NULL, 10) > SERVE_HTTP_MAX_BODY)
                return fail(c, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                            "the body is larger than 64 KiB");
        }
        return MHD_YES;
    }
    if (*upload_size > 0) { /* a piece of the body */
        if (q->len + *upload_size > SERVE_HTTP_MAX_BODY)
            return MHD_NO; /* a chunked body past the limit: close */
        char *b = sim_realloc(q->body, q->len + *upload_size + 1);
        if (!b)
            return MHD_NO;
        memcpy(b + q->len, upload_data, *upload_size);
        q->body = b;
        q->len += *upload_size;
        q->body[q->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    size_t k = 0;
    while (k < NROUTES && strcmp(url, routes[k].path))
        k++;
    return run_route(h, c, &routes[k], q); /* the first call checked the route */
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    request *q = *state;
    if (q) {
        sim_free(q->body);
        sim_free(q);
        *state = NULL;
    }
}

int serve_http_loopback(const char *addr)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, addr, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, addr, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

/* The Host values this server answers: HOST:PORT for the loopback names,
 * the bound address and each allowed name (also without :80 on port 80). */
static void accept_hosts(serve_http *h, const serve_http_cfg *cfg, int v6)
{
    const char *names[3 + 1 + SERVE_HTTP_MAX_HOSTS];
    int n = 0;
    names[n++] = "127.0.0.1";
    names[n++] = "localhost";
    names[n++] = "[::1]";
    char bound[64];
    snprintf(bound, sizeof bound, v6 ? "[%s]" : "%s", cfg->bind);
    names[n++] = bound;
    for (int i = 0; i < cfg->nallow_hosts && i < SERVE_HTTP_MAX_HOSTS; i++)
        names[n++] = cfg->allow_hosts[i];
    for (int i = 0; i < n; i++) {
        snprintf(h->hosts[h->nhosts++], sizeof h->hosts[0], "%.200s:%d", names[i], h->port);
        if (h->port == 80) /* a browser leaves the default port out */
            snprintf(h->hosts[h->nhosts++], sizeof h->hosts[0], "%.200s", names[i]);
    }
}

serve_http *serve_http_start(const serve_http_cfg *cfg, serve_whatif *w, sim_err *err)
{
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    int v6 = 0;
    if (inet_pton(AF_INET, cfg->bind, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, cfg->bind, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)cfg->port);
        v6 = 1;
    } else {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "--bind takes a numeric IPv4 or IPv6 address, got '%.100s'", cfg->bind);
        return NULL;
    }
    serve_http *h = sim_calloc(1, sizeof *h);
    if (!h) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    h->w = w;
    h->rate = cfg->rate > 0 ? cfg->rate : 20.0;
    h->tokens = 2 * h->rate;
    clock_gettime(CLOCK_MONOTONIC, &h->refilled);
    pthread_mutex_init(&h->lock, NULL);
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | (v6 ? MHD_USE_IPv6 : 0);
    h->d = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
        v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)64, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)16,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)32 * 1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!h->d) {
        sim_err_set(err, SIM_EIO, NULL, 0, 0,
                    "cannot listen on %.100s port %d (in use, or not an address of this machine)",
                    cfg->bind, cfg->port);
        serve_http_stop(h);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : cfg->port;
    accept_hosts(h, cfg, v6);
    return h;
}

int serve_http_port(const serve_http *h)
{
    return h->port;
}

void serve_http_stop(serve_http *h)
{
    if (!h)
        return;
    if (h->d)
        MHD_stop_daemon(h->d);
    pthread_mutex_destroy(&h->lock);
    sim_free(h);
}
