/*
 * bench_calendar.c - the event calendar alone: CPU ns per event of the
 * hold model (each event pushes one successor, so n events stay pending)
 * for a few calendar sizes and two shapes of delay.
 *
 * Shapes. "exp": exponential delays with a mean of 1 s, the classic hold
 * model. "mix": the delays of a large landscape (docs/kernel.md, "Why the
 * cost per event grows": at 1,000 flows 60% of pushes are due within 1 s
 * and half the pending events 16 s or more ahead): 60% exponential with a
 * mean of 100 ms, 30% with a mean of 30 s, 10% uniform over 1 to 10 min.
 * Delays come from a table drawn before timing (SplitMix64, fixed seed),
 * so only the calendar and the callback's indirect call are timed.
 *
 * Output: one line per shape and size, the best of --rounds rounds
 * (default 5) of CPU time (CLOCK_PROCESS_CPUTIME_ID) per event, and the
 * last event's time as a checksum (the same on every build: the order of
 * events is exact).
 *
 * Usage: bench_calendar [--rounds R] [--events E] [SIZE ...]
 *        (default sizes 2 1000 100000; E = 4,000,000 events a round)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_queue.h"

#define TABLE 65536u

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unit(uint64_t *s) /* in (0, 1) */
{
    return ((double)(splitmix(s) >> 11) + 0.5) / 9007199254740992.0;
}

typedef struct hold {
    sim_queue *q;
    const sim_time *delay;
    uint32_t i;
    uint64_t left;
} hold;

static void fire(void *ctx, uint64_t arg, sim_time now)
{
    hold *h = ctx;
    if (h->left == 0) {
        sim_queue_stop(h->q);
        return;
    }
    h->left--;
    sim_queue_push(h->q, now + h->delay[h->i++ & (TABLE - 1)], fire, h, arg);
}

static void fill(sim_time *t, int mix)
{
    uint64_t s = 42;
    for (uint32_t i = 0; i < TABLE; i++) {
        double u = unit(&s), v = unit(&s);
        double d;
        if (!mix)
            d = -1e6 * log(u);
        else if (v < 0.6)
            d = -1e5 * log(u);
        else if (v < 0.9)
            d = -30e6 * log(u);
        else
            d = 60e6 + 540e6 * u;
        t[i] = (sim_time)d;
    }
}

/* ns per event of one round of `events` events with n pending. */
static double round_ns(const sim_time *delay, uint32_t n, uint64_t events, sim_time *last)
{
    hold h = {.delay = delay, .left = events};
    h.q = sim_queue_create(0, NULL);
    if (!h.q) {
        fprintf(stderr, "bench_calendar: out of memory\n");
        exit(1);
    }
    for (uint32_t k = 0; k < n; k++)
        sim_queue_push(h.q, delay[h.i++ & (TABLE - 1)], fire, &h, k);
    /* warm up: every event pushed at least once more */
    h.left = n;
    sim_queue_run(h.q, SIM_TIME_NEVER);
    h.left = events;
    uint64_t fired = sim_queue_fired(h.q);
    double t0 = cpu_s();
    sim_queue_run(h.q, SIM_TIME_NEVER);
    double t1 = cpu_s();
    fired = sim_queue_fired(h.q) - fired;
    *last = sim_queue_now(h.q);
    sim_queue_destroy(h.q);
    return 1e9 * (t1 - t0) / (double)fired;
}

int main(int argc, char **argv)
{
    int rounds = 5;
    uint64_t events = 4000000;
    uint32_t sizes[16];
    int nsizes = 0;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--rounds") && a + 1 < argc)
            rounds = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--events") && a + 1 < argc)
            events = strtoull(argv[++a], NULL, 10);
        else if (nsizes < 16)
            sizes[nsizes++] = (uint32_t)strtoul(argv[a], NULL, 10);
    }
    if (nsizes == 0) {
        sizes[nsizes++] = 2;
        sizes[nsizes++] = 1000;
        sizes[nsizes++] = 100000;
    }
    static sim_time delay[TABLE];
    for (int mix = 0; mix < 2; mix++) {
        fill(delay, mix);
        for (int k = 0; k < nsizes; k++) {
            double best = INFINITY;
            sim_time last = 0;
            for (int r = 0; r < rounds; r++) {
                double ns = round_ns(delay, sizes[k], events, &last);
                best = ns < best ? ns : best;
            }
            printf("%-3s pending %7u: %6.2f ns per event (%.1f M events/s), last %lld\n",
                   mix ? "mix" : "exp", (unsigned)sizes[k], best, 1e3 / best, (long long)last);
        }
    }
    return 0;
}
