/*
 * progress.c - the progress bar; see progress.h.
 *
 * Counters are C11 atomics so worker threads can report without a lock;
 * events are counted as an integer (a replication's event count is a
 * whole number, published as a double by the world). The running days
 * are only touched on the caller's thread.
 */
#include "progress.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "res_fmt.h"
#include "sim_alloc.h"

struct progress {
    int total;
    double sim_days;
    int enabled;
    atomic_int done;
    atomic_llong events;
    double running_days;
    double start, last_draw;
    int shown; /* the width of the bar on the screen, 0 if none */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

progress *progress_create(int total, double sim_days, int enabled)
{
    progress *p = sim_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->total = total > 0 ? total : 1;
    p->sim_days = sim_days;
    p->enabled = enabled && isatty(STDERR_FILENO);
    atomic_init(&p->done, 0);
    atomic_init(&p->events, 0);
    p->start = now_s();
    return p;
}

void progress_clear(progress *p)
{
    if (p && p->shown) {
        fprintf(stderr, "\r%*s\r", p->shown, "");
        fflush(stderr);
        p->shown = 0;
    }
}

void progress_destroy(progress *p)
{
    if (!p)
        return;
    progress_clear(p);
    sim_free(p);
}

void progress_add(progress *p, double events)
{
    if (!p)
        return;
    atomic_fetch_add(&p->events, (long long)(events > 0 ? events : 0));
    atomic_fetch_add(&p->done, 1);
    /* the finished replication's days now count as done, not running */
}

void progress_running(progress *p, double days)
{
    if (p)
        p->running_days = days > 0 ? days : 0;
}

double progress_share(progress *p)
{
    if (!p)
        return 0.0;
    int done = atomic_load(&p->done);
    double total = p->total * p->sim_days;
    double share =
        total > 0 ? (done * p->sim_days + p->running_days) / total : (double)done / p->total;
    return share < 0 ? 0 : share > 1 ? 1 : share;
}

double progress_elapsed(const progress *p)
{
    return p ? now_s() - p->start : 0.0;
}

double progress_events_per_s(progress *p)
{
    double t = progress_elapsed(p);
    return p && t > 0 ? (double)atomic_load(&p->events) / t : 0.0;
}

static void human(double v, char *buf, size_t n)
{
    if (v >= 1e9)
        snprintf(buf, n, "%.1fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, n, "%.1fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, n, "%.1fk", v / 1e3);
    else
        snprintf(buf, n, "%.0f", v);
}

void progress_draw(progress *p)
{
    if (!p || !p->enabled)
        return;
    double t = now_s(), elapsed = t - p->start;
    int done = atomic_load(&p->done);
    double share = progress_share(p);
    /* draw only for runs expected to last more than about a second */
    double expected = share > 0 ? elapsed / share : elapsed;
    if (!p->shown && (expected < 1.0 || elapsed < 0.25))
        return;
    if (p->shown && t - p->last_draw < 0.1 && done < p->total)
        return;
    p->last_draw = t;
    enum { WIDTH = 20 };
    char bar[WIDTH + 1], rate[32], spent[32], eta[48] = "";
    int fill = (int)(share * WIDTH);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    rate[0] = '\0'; /* events are counted when a replication ends */
    if (progress_events_per_s(p) > 0) {
        char r[16];
        human(progress_events_per_s(p), r, sizeof r);
        snprintf(rate, sizeof rate, "  %s events/s", r);
    }
    res_fmt_duration(elapsed, spent, sizeof spent);
    if (share > 0 && share < 1 && elapsed >= 1.0) {
        char left[32];
        snprintf(eta, sizeof eta, "  ETA %s",
                 res_fmt_duration(elapsed * (1 - share) / share, left, sizeof left));
    }
    int width =
        fprintf(stderr, "\r[%s] %d/%d replications  %.1f/%.1f simulated days%s  %s%s ", bar, done,
                p->total, share * p->total * p->sim_days, p->total * p->sim_days, rate, spent, eta);
    /* a shorter line than the last one leaves its tail: blank it */
    if (width > 0 && width - 1 < p->shown)
        fprintf(stderr, "%*s", p->shown - (width - 1), "");
    fflush(stderr);
    if (width - 1 > p->shown)
        p->shown = width - 1;
}
