/*
 * bench_fifo.c - cost per record of the aggregate pass's recursions
 * (models/mdl_fifo.h): nanoseconds of CPU per record for the FIFO start
 * times at c = 1, 2 and 16, the pool check at c = 25, and the busy and
 * waiting sweeps with a bucket grid.
 *
 * Records. One stream of Poisson arrivals with exponential services at
 * load rho per server (c = 16 at rho = 0.3, as an endpoint's workers at 3x
 * in the issue-14 landscape; c = 1 and 2 at rho = 0.2, a subscriber's
 * slots), cut into intervals of 4,096 records (about one 10-minute interval
 * of a busy component); each interval continues from the free times the
 * previous one left, as the pass will. Draws happen once, before timing:
 * only the recursions are timed. The sweeps run over the output of the
 * c = 16 recursion, 8 buckets an interval.
 *
 * Output: one line per case, the best of --rounds rounds (default 5) of
 * CPU time (CLOCK_PROCESS_CPUTIME_ID) divided by the records, and a
 * checksum so the work cannot be optimised away.
 *
 * Usage: bench_fifo [--rounds R] [--intervals K]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdl_fifo.h"
#include "sim_rng.h"

#define CHUNK 4096

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct recs {
    size_t n;
    sim_time *a, *s, *start, *end;
} recs;

static int draw(recs *r, size_t n, int c, double rho, uint64_t seed)
{
    r->n = n;
    r->a = malloc(n * sizeof *r->a);
    r->s = malloc(n * sizeof *r->s);
    r->start = malloc(n * sizeof *r->start);
    r->end = malloc(n * sizeof *r->end);
    gsl_rng *rng = sim_rng_create(seed, 0, "bench-fifo", NULL);
    if (!r->a || !r->s || !r->start || !r->end || !rng) {
        sim_rng_destroy(rng);
        return -1;
    }
    const double svc = 200e3; /* mean service 200 ms */
    const double gap = svc / (rho * c);
    sim_time t = 0;
    for (size_t i = 0; i < n; i++) {
        t += (sim_time)llround(-gap * log(gsl_rng_uniform_pos(rng)));
        r->a[i] = t;
        r->s[i] = (sim_time)llround(-svc * log(gsl_rng_uniform_pos(rng)));
    }
    sim_rng_destroy(rng);
    return 0;
}

static void release(recs *r)
{
    free(r->a);
    free(r->s);
    free(r->start);
    free(r->end);
}

/* One round over every interval, continuing the free times: the
 * recursion (pool = 0) or the pool check (pool = 1); returns a checksum. */
static sim_time run_all(recs *r, int c, int pool)
{
    sim_time vfree[32], sum = 0;
    for (int k = 0; k < c; k++)
        vfree[k] = -1;
    for (size_t i = 0; i < r->n; i += CHUNK) {
        size_t m = r->n - i < CHUNK ? r->n - i : CHUNK;
        mdl_fifo_tally t = {0};
        if (pool)
            t.waited = mdl_fifo_first_full(c, vfree, m, r->a + i, r->s + i);
        else
            mdl_fifo_run(c, vfree, m, r->a + i, r->s + i, r->start + i, r->end + i, &t);
        sum += (sim_time)t.waited;
    }
    return pool ? sum : sum + r->start[r->n - 1];
}

/* The sweeps over the c = 16 output, one window per interval. */
static sim_time sweep_all(recs *r, int waiting)
{
    sim_time heap[16], flight[16], area[16], sum = 0;
    int mx[16];
    size_t nflight = 0;
    for (size_t i = 0; i < r->n; i += CHUNK) {
        size_t m = r->n - i < CHUNK ? r->n - i : CHUNK;
        mdl_fifo_window w = {.t0 = r->a[i], .t1 = r->a[i + m - 1] + 1};
        w.width = (w.t1 - w.t0) / 8 + 1;
        mdl_fifo_level lv = {.bucket_area = area, .bucket_max = mx};
        if (waiting) {
            mdl_fifo_waiting(&w, m, r->a + i, r->start + i, &lv);
        } else if (mdl_fifo_busy(&w, nflight, flight, m, r->start + i, r->end + i, heap, 16, &lv) !=
                   0) {
            return -1;
        }
        sum += lv.area + lv.max;
        /* the services still running at t1 are the next window's flight */
        nflight = 0;
        for (size_t j = i; j < i + m; j++)
            if (r->end[j] > w.t1 && nflight < 16)
                flight[nflight++] = r->end[j];
    }
    return sum;
}

int main(int argc, char **argv)
{
    int rounds = 5;
    size_t intervals = 256;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--intervals") && i + 1 < argc)
            intervals = (size_t)atol(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_fifo [--rounds R] [--intervals K]\n");
            return 2;
        }
    }
    if (rounds < 1 || intervals < 1) {
        fprintf(stderr, "bench_fifo: rounds and intervals must be >= 1\n");
        return 2;
    }
    size_t n = intervals * CHUNK;
    struct {
        const char *name;
        int c;
        double rho;
        int kind; /* 0 recursion, 1 pool, 2 busy sweep, 3 waiting sweep */
    } cases[] = {
        {"fifo_run c=1 rho=0.2", 1, 0.2, 0},        {"fifo_run c=2 rho=0.2", 2, 0.2, 0},
        {"fifo_run c=16 rho=0.3", 16, 0.3, 0},      {"first_full c=25 rho=0.3", 25, 0.3, 1},
        {"busy sweep c=16, 8 buckets", 16, 0.3, 2}, {"waiting sweep c=16, 8 buckets", 16, 0.3, 3},
    };
    printf("bench_fifo: %zu records (%zu intervals of %d), best of %d rounds, CPU time\n", n,
           intervals, CHUNK, rounds);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        recs r;
        if (draw(&r, n, cases[k].c, cases[k].rho, 42) != 0) {
            fprintf(stderr, "bench_fifo: out of memory\n");
            release(&r);
            return 3;
        }
        if (cases[k].kind >= 2)
            (void)run_all(&r, cases[k].c, 0); /* the sweeps read its output */
        double best = INFINITY;
        sim_time check = 0;
        for (int round = 0; round < rounds; round++) {
            double t0 = cpu_s();
            switch (cases[k].kind) {
            case 0:
            case 1:
                check = run_all(&r, cases[k].c, cases[k].kind);
                break;
            default:
                check = sweep_all(&r, cases[k].kind == 3);
                break;
            }
            double dt = cpu_s() - t0;
            best = dt < best ? dt : best;
        }
        printf("%-32s %6.2f ns/record   (checksum %lld)\n", cases[k].name, best * 1e9 / (double)n,
               (long long)check);
        release(&r);
    }
    return 0;
}
