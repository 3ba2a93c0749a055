/*
 * progress.c - the progress bar; see progress.h.
 *
 * Counters are C11 atomics so worker threads can report without a lock;
 * events are counted as an integer (a replication's event count is a
 * whole number, published as a double by the world).
 */
#include "progress.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "sim_alloc.h"

struct progress {
    int total;
    double sim_days;
    int enabled;
    atomic_int done;
    atomic_llong events;
    double start, last_draw;
    int shown; /* the bar is on the screen */
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
        fprintf(stderr, "\r%*s\r", 100, "");
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
    /* draw only for runs expected to last more than about a second */
    double expected = done > 0 ? elapsed * p->total / done : elapsed;
    if (!p->shown && (expected < 1.0 || elapsed < 0.25))
        return;
    if (p->shown && t - p->last_draw < 0.1 && done < p->total)
        return;
    p->last_draw = t;
    enum { WIDTH = 20 };
    char bar[WIDTH + 1], rate[16];
    int fill = (int)((double)done * WIDTH / p->total);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    human(progress_events_per_s(p), rate, sizeof rate);
    fprintf(stderr, "\r[%s] %d/%d replications  %.1f/%.1f simulated days  %s events/s  %.1fs ", bar,
            done, p->total, done * p->sim_days, p->total * p->sim_days, rate, elapsed);
    fflush(stderr);
    p->shown = 1;
}
