/*
 * test_mdl_fifo.c - the aggregate pass's FIFO recursions: hand traces,
 * sim_station fed the same records (exact), a count at every microsecond
 * for the levels (exact), and Erlang C for M/M/c (statistical).
 */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_fifo.h"
#include "sim_queue.h"
#include "sim_rng.h"
#include "sim_station.h"

#define MS SIM_MS

/* ---- hand traces -------------------------------------------------------- */

/* Two servers at t0 = 0: one busy with an in-flight request until 5 ms, one
 * idle. Six records (arrival, service) in ms, worked by hand:
 *   r0 (0, 4): idle server, start 0, end 4.            V = {4, 5}
 *   r1 (1, 3): waits for 4, end 7 (waited, full).      V = {5, 7}
 *   r2 (2, 2): waits for 5, end 7 (waited, full).      V = {7, 7}
 *   r3 (7, 1): a service ends at 7 = a: tie, start 7, no wait; counted as
 *              found full (the arrival may fire first). V = {7, 8}
 *   r4 (7, 2): the other server ends at 7 too: start 7, end 9, tie again.
 *   r5 (20, 3): after an idle gap, start 20, end 23.    V = {9, 23}
 * Expected exactly (integers): starts 0 4 5 7 7 20, waited 2, found_full 4
 * (r1..r4), first_full 1 ms, free times {9, 23} ms. */
static const sim_time hand_a[6] = {0, 1 * MS, 2 * MS, 7 * MS, 7 * MS, 20 * MS};
static const sim_time hand_s[6] = {4 * MS, 3 * MS, 2 * MS, 1 * MS, 2 * MS, 3 * MS};

static void two_servers_and_six_records_follow_the_hand_trace(void **state)
{
    (void)state;
    sim_time vfree[2] = {5 * MS, -1};
    sim_time start[6], end[6];
    mdl_fifo_tally t;
    mdl_fifo_run(2, vfree, 6, hand_a, hand_s, start, end, &t);
    const sim_time want[6] = {0, 4 * MS, 5 * MS, 7 * MS, 7 * MS, 20 * MS};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(start[i], want[i]);
        assert_int_equal(end[i], want[i] + hand_s[i]);
    }
    assert_int_equal(t.waited, 2);
    assert_int_equal(t.found_full, 4);
    assert_int_equal(t.first_full, 1 * MS);
    sim_time lo = vfree[0] < vfree[1] ? vfree[0] : vfree[1];
    sim_time hi = vfree[0] < vfree[1] ? vfree[1] : vfree[0];
    assert_int_equal(lo, 9 * MS);
    assert_int_equal(hi, 23 * MS);
}

/* The busy level of the trace above on [0, 30 ms), buckets of 6 ms. In
 * service: the in-flight request [0, 5), r0 [0, 4), r1 [4, 7), r2 [5, 7),
 * r3 [7, 8), r4 [7, 9), r5 [20, 23). So N = 2 on [0, 8), 1 on [8, 9), 0 on
 * [9, 20), 1 on [20, 23). Bucket [0, 6): 12 ms; [6, 12) (its edge at 6 cuts
 * r1 and r2): 2 + 2 + 1 = 5; [12, 18): 0; [18, 24): 3; [24, 30): 0. Total
 * 20 ms = the sum of the services in the window (5 + 4 + 3 + 2 + 1 + 2 + 3).
 * Maxima: 2, 2 (N = 2 at the edge 6), 0, 1, 0. Waiting: r1 [1, 4), r2
 * [2, 5); with 3 ms buckets [0, 3): 2 + 1 = 3, [3, 6): 1 + 2 = 3 (edge 3
 * inside both waits), maxima 2 and 2 (both wait on [2, 4)). */
static void the_levels_of_the_hand_trace_split_at_bucket_edges(void **state)
{
    (void)state;
    sim_time vfree[2] = {5 * MS, -1};
    sim_time start[6], end[6], heap[2];
    mdl_fifo_run(2, vfree, 6, hand_a, hand_s, start, end, NULL);
    const sim_time flight[1] = {5 * MS};
    mdl_fifo_window w = {.t0 = 0, .t1 = 30 * MS, .width = 6 * MS};
    assert_int_equal(mdl_fifo_buckets(&w), 5);
    sim_time area[5];
    int mx[5];
    mdl_fifo_level busy = {.bucket_area = area, .bucket_max = mx};
    assert_int_equal(mdl_fifo_busy(&w, 1, flight, 6, start, end, heap, 2, &busy), SIM_OK);
    const sim_time want_area[5] = {12 * MS, 5 * MS, 0, 3 * MS, 0};
    const int want_max[5] = {2, 2, 0, 1, 0};
    for (int k = 0; k < 5; k++) {
        assert_int_equal(area[k], want_area[k]);
        assert_int_equal(mx[k], want_max[k]);
    }
    assert_int_equal(busy.area, 20 * MS);
    assert_int_equal(busy.max, 2);

    mdl_fifo_window w3 = {.t0 = 0, .t1 = 30 * MS, .width = 3 * MS};
    sim_time warea[10];
    int wmx[10];
    mdl_fifo_level wait = {.bucket_area = warea, .bucket_max = wmx};
    mdl_fifo_waiting(&w3, 6, hand_a, start, &wait);
    assert_int_equal(wait.area, 6 * MS);
    assert_int_equal(wait.max, 2);
    assert_int_equal(warea[0], 3 * MS);
    assert_int_equal(warea[1], 3 * MS);
    assert_int_equal(wmx[0], 2);
    assert_int_equal(wmx[1], 2);
    for (int k = 2; k < 10; k++) {
        assert_int_equal(warea[k], 0);
        assert_int_equal(wmx[k], 0);
    }
}

/* A window that does not start on a bucket edge: [15, 47) with buckets of
 * 10, so the buckets [10, 20) .. [40, 50) clipped to [15, 20), [20, 30),
 * [30, 40), [40, 47). In service: in flight until 22; [18, 45) crossing
 * three edges; [30, 60) cut by t1; [47, 50) starting at t1 (nothing).
 * Areas by hand: [15, 20): 5 + 2 = 7; [20, 30): 2 + 10 = 12; [30, 40):
 * 10 + 10 = 20; [40, 47): 5 + 7 = 12; total 51 = 7 + 27 + 17. Maxima: 2 in
 * every bucket (the long record with the in-flight one or with [30, 60)),
 * 1 at t0 only. With a heap of 1 the second interval does not fit:
 * SIM_EINVAL. */
static void a_window_off_the_grid_is_clipped_at_both_ends(void **state)
{
    (void)state;
    const sim_time flight[1] = {22};
    const sim_time start[3] = {18, 30, 47}, end[3] = {45, 60, 50};
    mdl_fifo_window w = {.t0 = 15, .t1 = 47, .width = 10};
    assert_int_equal(mdl_fifo_buckets(&w), 4);
    sim_time area[4], heap[2];
    int mx[4];
    mdl_fifo_level busy = {.bucket_area = area, .bucket_max = mx};
    assert_int_equal(mdl_fifo_busy(&w, 1, flight, 3, start, end, heap, 2, &busy), SIM_OK);
    const sim_time want[4] = {7, 12, 20, 12};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(area[k], want[k]);
        assert_int_equal(mx[k], 2);
    }
    assert_int_equal(busy.area, 51);
    assert_int_equal(busy.max, 2);
    mdl_fifo_level none = {0};
    assert_int_equal(mdl_fifo_busy(&w, 1, flight, 3, start, end, heap, 1, &none), SIM_EINVAL);
}

/* A pool of 2 threads with no line: free at -1 (idle) and 10. (0, hold 5)
 * takes the idle one (V = {5, 10}); (3, hold 1) finds both held: index 1.
 * Starting again with (5, 1) instead, the thread released at exactly 5 is a
 * tie: counted as held (the refusal the calendar gives when the arrival
 * fires first), so index 1 again. Arrivals at 0, 6 (the thread freed at
 * 5 is free: V = {7, 10}) and 8 (7 < 8) all find a thread: n = 3. */
static void a_pool_reports_the_first_arrival_that_finds_every_thread_held(void **state)
{
    (void)state;
    const sim_time a1[2] = {0, 3}, h1[2] = {5, 1};
    sim_time vfree[2] = {-1, 10};
    assert_int_equal(mdl_fifo_first_full(2, vfree, 2, a1, h1), 1);
    const sim_time a2[2] = {0, 5};
    sim_time vfree2[2] = {-1, 10};
    assert_int_equal(mdl_fifo_first_full(2, vfree2, 2, a2, h1), 1);
    const sim_time a3[3] = {0, 6, 8}, h3[3] = {5, 1, 100};
    sim_time vfree3[2] = {-1, 10};
    assert_int_equal(mdl_fifo_first_full(2, vfree3, 3, a3, h3), 3);
}

/* ---- against sim_station on the calendar ---------------------------------- */

typedef struct station_run {
    sim_station *st;
    sim_queue *q;
    const sim_time *a, *s;
    size_t n, next;
    int c;
    sim_time *start; /* the start of each job, from service_fn */
    sim_time *wait;  /* the wait of each job, from done */
    size_t found_busy;
} station_run;

static sim_time scripted_service(void *ctx, uint64_t job, sim_time now)
{
    station_run *r = ctx;
    r->start[job] = now;
    return r->s[job];
}

static void job_done(void *ctx, uint64_t job, sim_time wait, sim_time sojourn, sim_time now)
{
    (void)sojourn;
    (void)now;
    station_run *r = ctx;
    r->wait[job] = wait;
}

/* One arrival: counts "found every server busy" as mdl_endpoint does. */
static void arrive_one(station_run *r, uint64_t job)
{
    r->found_busy += sim_station_busy(r->st) >= r->c;
    assert_int_equal(sim_station_arrive(r->st, job), SIM_OK);
}

static void ev_arrive(void *ctx, uint64_t job, sim_time now)
{
    (void)now;
    arrive_one(ctx, job);
}

/* The world's way (mdl_world.c, arrive): each arrival schedules the next
 * after its own work, so a completion scheduled before it fires first. */
static void ev_arrive_chained(void *ctx, uint64_t job, sim_time now)
{
    (void)now;
    station_run *r = ctx;
    arrive_one(r, job);
    if (job + 1 < r->n)
        sim_queue_push(r->q, r->a[job + 1], ev_arrive_chained, r, job + 1);
}

/* Runs the records through sim_station; chained = 0 pushes every arrival
 * first (so at a tie the arrival fires before the completion), 1 chains
 * them as the world does. */
static void run_station(int c, size_t n, const sim_time *a, const sim_time *s, int chained,
                        sim_time *start, sim_time *wait, size_t *found_busy)
{
    sim_queue *q = sim_queue_create(0, NULL);
    assert_non_null(q);
    station_run r = {.q = q, .a = a, .s = s, .n = n, .c = c, .start = start, .wait = wait};
    sim_station_cfg cfg = {.servers = c,
                           .service_fn = scripted_service,
                           .service_ctx = &r,
                           .done = job_done,
                           .done_ctx = &r};
    r.st = sim_station_create(q, &cfg, NULL);
    assert_non_null(r.st);
    if (chained)
        sim_queue_push(q, a[0], ev_arrive_chained, &r, 0);
    else
        for (size_t i = 0; i < n; i++)
            sim_queue_push(q, a[i], ev_arrive, &r, i);
    assert_int_equal(sim_queue_run(q, SIM_TIME_NEVER - 1), SIM_OK);
    *found_busy = r.found_busy;
    sim_station_destroy(r.st);
    sim_queue_destroy(q);
}

/* n records with exponential gaps (mean gap) and services (mean svc),
 * rounded to `grain` us; a coarse grain makes ties common. */
static void draw_records(gsl_rng *rng, size_t n, double gap, double svc, sim_time grain,
                         sim_time *a, sim_time *s)
{
    sim_time t = 0;
    for (size_t i = 0; i < n; i++) {
        t += grain * (sim_time)llround(-gap * log(gsl_rng_uniform_pos(rng)) / (double)grain);
        a[i] = t;
        s[i] = grain * (sim_time)llround(-svc * log(gsl_rng_uniform_pos(rng)) / (double)grain);
    }
}

/* 10,000 records at load 0.9 through c = 1, 2 and 16 servers, in two
 * intervals (the second continues from the free times the first left), in
 * microseconds and on a 1 ms grid where a service often ends exactly at an
 * arrival. Expected, exactly (no tolerance: the same integers either way):
 *   - every start time and wait equals the station's, in both calendar
 *     orders (arrivals scheduled first, or chained as the world does);
 *   - waited = the station's jobs with a wait > 0;
 *   - found_full = the station's "found every server busy" when arrivals
 *     fire first at ties, and >= it when chained (ties counted busy). */
static void start_times_equal_sim_station_for_ten_thousand_records(void **state)
{
    (void)state;
    enum { N = 10000 };
    const int cs[3] = {1, 2, 16};
    const sim_time grains[2] = {1, MS};
    sim_time *a = malloc(N * sizeof *a), *s = malloc(N * sizeof *s);
    sim_time *start = malloc(N * sizeof *start), *end = malloc(N * sizeof *end);
    sim_time *st_start = malloc(N * sizeof *st_start), *st_wait = malloc(N * sizeof *st_wait);
    sim_time vfree[16];
    assert_true(a && s && start && end && st_start && st_wait);
    gsl_rng *rng = sim_rng_create(11, 0, "fifo-vs-station", NULL);
    assert_non_null(rng);
    size_t ties_seen = 0;
    for (int ci = 0; ci < 3; ci++)
        for (int g = 0; g < 2; g++) {
            int c = cs[ci];
            /* load 0.9: mean service 0.9 c x the mean gap of 10 ms */
            draw_records(rng, N, 10e3, 0.9 * c * 10e3, grains[g], a, s);
            for (int k = 0; k < c; k++)
                vfree[k] = -1;
            mdl_fifo_tally t1, t2;
            mdl_fifo_run(c, vfree, N / 2, a, s, start, end, &t1);
            mdl_fifo_run(c, vfree, N - N / 2, a + N / 2, s + N / 2, start + N / 2, end + N / 2,
                         &t2);
            size_t waited = 0;
            for (int chained = 0; chained < 2; chained++) {
                size_t found = 0;
                run_station(c, N, a, s, chained, st_start, st_wait, &found);
                waited = 0;
                for (size_t i = 0; i < N; i++) {
                    assert_int_equal(start[i], st_start[i]);
                    assert_int_equal(start[i] - a[i], st_wait[i]);
                    waited += st_wait[i] > 0;
                }
                if (chained)
                    assert_true(t1.found_full + t2.found_full >= found);
                else
                    assert_int_equal(t1.found_full + t2.found_full, found);
            }
            assert_int_equal(t1.waited + t2.waited, waited);
            ties_seen += t1.found_full + t2.found_full - (t1.waited + t2.waited);
        }
    /* The ms grid must have produced ties, or the test proves little. */
    assert_true(ties_seen > 100);
    sim_rng_destroy(rng);
    free(a);
    free(s);
    free(start);
    free(end);
    free(st_start);
    free(st_wait);
}

/* ---- levels against a count at every microsecond ------------------------- */

/* Random records on a small integer grid (times 0..~600 us, services 0..40,
 * some 0) through c = 3 servers with 0..3 in flight, in a window [t0, t1)
 * off the grid of 7 us buckets. Brute force: N(t) for every integer t in
 * [t0, t1) (all times are integers, so a level held for a positive time is
 * held at some integer t). Every area and maximum must match exactly, and
 * mdl_fifo_busy_sorted must equal mdl_fifo_busy (ends at arrivals and at
 * bucket edges are common on this grid). */
static void levels_equal_a_count_at_every_microsecond(void **state)
{
    (void)state;
    enum { N = 60, C = 3 };
    gsl_rng *rng = sim_rng_create(5, 0, "fifo-levels", NULL);
    assert_non_null(rng);
    for (int trial = 0; trial < 300; trial++) {
        sim_time t0 = (sim_time)gsl_rng_uniform_int(rng, 50);
        sim_time a[N], s[N], start[N], end[N], vfree[C], flight[C], heap[C];
        sim_time t = t0;
        for (int i = 0; i < N; i++) {
            t += (sim_time)gsl_rng_uniform_int(rng, 12);
            a[i] = t;
            s[i] = gsl_rng_uniform(rng) < 0.1 ? 0 : (sim_time)gsl_rng_uniform_int(rng, 40);
        }
        size_t nflight = gsl_rng_uniform_int(rng, C + 1);
        for (int k = 0; k < C; k++) {
            flight[k] = t0 - 5 + (sim_time)gsl_rng_uniform_int(rng, 60);
            vfree[k] = (size_t)k < nflight ? flight[k] : t0 - 1;
        }
        mdl_fifo_run(C, vfree, N, a, s, start, end, NULL);
        mdl_fifo_window w = {
            .t0 = t0, .t1 = t0 + 1 + (sim_time)gsl_rng_uniform_int(rng, 500), .width = 7};
        size_t nb = mdl_fifo_buckets(&w);
        sim_time barea[100], warea[100];
        int bmax[100], wmax[100];
        assert_true(nb <= 100);
        mdl_fifo_level busy = {.bucket_area = barea, .bucket_max = bmax};
        mdl_fifo_level wait = {.bucket_area = warea, .bucket_max = wmax};
        assert_int_equal(mdl_fifo_busy(&w, nflight, flight, N, start, end, heap, C, &busy), SIM_OK);
        mdl_fifo_waiting(&w, N, a, start, &wait);
        /* The heap-free sweep from the ends in order equals the heap's
         * sweep of the same records with nothing in flight (checked
         * against the count above when nflight is 0). */
        sim_time sorted[N], b0area[100], b1area[100];
        int b0max[100], b1max[100];
        size_t m = 0;
        for (int i = 0; i < N; i++)
            if (end[i] > start[i]) {
                size_t j = m++;
                for (; j > 0 && sorted[j - 1] > end[i]; j--)
                    sorted[j] = sorted[j - 1];
                sorted[j] = end[i];
            }
        mdl_fifo_level b0 = {.bucket_area = b0area, .bucket_max = b0max};
        mdl_fifo_level b1 = {.bucket_area = b1area, .bucket_max = b1max};
        assert_int_equal(mdl_fifo_busy(&w, 0, NULL, N, start, end, heap, C, &b0), SIM_OK);
        mdl_fifo_busy_sorted(&w, N, start, end, sorted, m, &b1);
        assert_int_equal(b1.area, b0.area);
        assert_int_equal(b1.max, b0.max);
        for (size_t j = 0; j < nb; j++) {
            assert_int_equal(b1area[j], b0area[j]);
            assert_int_equal(b1max[j], b0max[j]);
        }
        if (nflight == 0) {
            assert_int_equal(b1.area, busy.area);
            assert_int_equal(b1.max, busy.max);
        }
        sim_time want_barea[100] = {0}, want_warea[100] = {0}, bsum = 0, wsum = 0;
        int want_bmax[100] = {0}, want_wmax[100] = {0}, bm = 0, wm = 0;
        for (sim_time x = w.t0; x < w.t1; x++) {
            int nbusy = 0, nwait = 0;
            for (size_t k = 0; k < nflight; k++)
                nbusy += x < flight[k];
            for (int i = 0; i < N; i++) {
                nbusy += start[i] <= x && x < end[i];
                nwait += a[i] <= x && x < start[i];
            }
            size_t j = (size_t)(x / w.width - w.t0 / w.width);
            want_barea[j] += nbusy;
            want_warea[j] += nwait;
            bsum += nbusy;
            wsum += nwait;
            if (nbusy > want_bmax[j])
                want_bmax[j] = nbusy;
            if (nwait > want_wmax[j])
                want_wmax[j] = nwait;
            bm = nbusy > bm ? nbusy : bm;
            wm = nwait > wm ? nwait : wm;
        }
        assert_int_equal(busy.area, bsum);
        assert_int_equal(wait.area, wsum);
        assert_int_equal(busy.max, bm);
        assert_int_equal(wait.max, wm);
        for (size_t j = 0; j < nb; j++) {
            assert_int_equal(barea[j], want_barea[j]);
            assert_int_equal(warea[j], want_warea[j]);
            assert_int_equal(bmax[j], want_bmax[j]);
            assert_int_equal(wmax[j], want_wmax[j]);
        }
    }
    sim_rng_destroy(rng);
}

/* ---- M/M/c against Erlang C ---------------------------------------------- */

/* Erlang C by the stable recurrence of docs/kernel.md: B(0) = 1,
 * B(k) = a B(k-1) / (k + a B(k-1)), C = B / (1 - rho (1 - B)). */
static double erlang_c(int c, double a)
{
    double b = 1.0;
    for (int k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    double rho = a / c;
    return b / (1.0 - rho * (1.0 - b));
}

/* M/M/c at rho = 0.8, mean service 1 s (1e6 us), c = 2 and 16: R = 20
 * replications of 200,000 records after a warm-up of 20,000 (over 100
 * relaxation times at these loads). Per replication P(wait) = the share
 * that waited, Wq = the mean of start - a. Theory: P(wait) = C(c, a),
 * Wq = C / (c mu - lambda). Tolerance: the mean of the 20 estimates within
 * max(4 SE, 0.1%) of theory, SE = s / sqrt(20), as the validation tests do
 * (docs/kernel.md "Tolerance"): (mean - theory) / SE is t with 19 degrees
 * of freedom when the recursion is right, P(|t19| > 4) = 0.0008, so with 4
 * comparisons and a fixed seed a false alarm is under 0.4%; the relative SE
 * is about 0.3-1.5%, so a wrong rule (a server idle while a record waits,
 * LIFO, an off-by-one in the heap) lands far outside. The 0.1% floor covers
 * the rounding of variates to the microsecond (5e-7 of a 1 s service). */
static void mm_c_waits_agree_with_erlang_c(void **state)
{
    (void)state;
    enum { R = 20, WARM = 20000, N = 200000 };
    const int cs[2] = {2, 16};
    sim_time *a = malloc((WARM + N) * sizeof *a), *s = malloc((WARM + N) * sizeof *s);
    sim_time *start = malloc((WARM + N) * sizeof *start), *end = malloc((WARM + N) * sizeof *end);
    assert_true(a && s && start && end);
    for (int ci = 0; ci < 2; ci++) {
        int c = cs[ci];
        double rho = 0.8, mu = 1.0, lambda = rho * c * mu;
        double pw_theory = erlang_c(c, lambda / mu);
        double wq_theory = pw_theory / (c * mu - lambda);
        double pw[R], wq[R];
        for (int r = 0; r < R; r++) {
            gsl_rng *rng = sim_rng_create(20240601, (uint64_t)r, "fifo-mmc", NULL);
            assert_non_null(rng);
            draw_records(rng, WARM + N, 1e6 / lambda, 1e6 / mu, 1, a, s);
            sim_time vfree[16];
            for (int k = 0; k < c; k++)
                vfree[k] = -1;
            mdl_fifo_run(c, vfree, WARM + N, a, s, start, end, NULL);
            size_t waited = 0;
            double sum = 0;
            for (size_t i = WARM; i < WARM + N; i++) {
                waited += start[i] > a[i];
                sum += (double)(start[i] - a[i]);
            }
            pw[r] = (double)waited / N;
            wq[r] = sum / N / 1e6;
            sim_rng_destroy(rng);
        }
        const double *est[2] = {pw, wq};
        const double theory[2] = {pw_theory, wq_theory};
        for (int m = 0; m < 2; m++) {
            double mean = 0, var = 0;
            for (int r = 0; r < R; r++)
                mean += est[m][r] / R;
            for (int r = 0; r < R; r++)
                var += (est[m][r] - mean) * (est[m][r] - mean) / (R - 1);
            double se = sqrt(var / R);
            double tol = fmax(4 * se, 1e-3 * theory[m]);
            if (fabs(mean - theory[m]) > tol)
                fail_msg("c = %d, %s: %.5f, theory %.5f, tolerance %.5f", c, m ? "Wq" : "P(wait)",
                         mean, theory[m], tol);
        }
    }
    free(a);
    free(s);
    free(start);
    free(end);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_servers_and_six_records_follow_the_hand_trace),
        cmocka_unit_test(the_levels_of_the_hand_trace_split_at_bucket_edges),
        cmocka_unit_test(a_window_off_the_grid_is_clipped_at_both_ends),
        cmocka_unit_test(a_pool_reports_the_first_arrival_that_finds_every_thread_held),
        cmocka_unit_test(start_times_equal_sim_station_for_ten_thousand_records),
        cmocka_unit_test(levels_equal_a_count_at_every_microsecond),
        cmocka_unit_test(mm_c_waits_agree_with_erlang_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
