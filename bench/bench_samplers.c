/*
 * bench_samplers.c - the cost of one draw of each distribution the models
 * use, against the samplers they replaced (sim/sim_rng.c, "Draws").
 *
 * Each line draws N numbers from one stream in a tight loop and prints the
 * CPU nanoseconds per draw (best of R rounds, alternating the lines, so a
 * busy machine's worst moments drop out) and the sample mean against the
 * distribution's (a check that the loop drew what it says). The lines:
 *
 *   uniform                   sim_rng_uniform, xoshiro's step inline
 *   exponential (ziggurat)    sim_dist_sample of an exponential
 *   exponential -ln(u)        the former one: -mean ln(U), U in (0, 1)
 *   gsl_ran_exponential       GSL's: -mean log1p(-U), through its pointer
 *   normal (GSL ziggurat)     sim_dist_sample of a normal
 *   gsl_ran_gaussian (polar)  the former one
 *   lognormal (ziggurat)      sim_dist_sample of a lognormal (every
 *                             service time of a lognormal endpoint)
 *   gsl_ran_lognormal (polar) the former one, number for number
 *   lognormal (service)       mdl_service_sample of that lognormal: the
 *                             same numbers, drawn inline (mdl_service.h)
 *   arrival (fast Poisson)    mdl_arrivals_next of a flat Poisson process
 *                             at 20 records/s (72,000 an hour: halving by
 *                             binomials and coins, leaves of up to 16
 *                             placed at once); its mean is the mean gap, s
 *
 * A loop's draws are not a model's: in a run the stream's state is often a
 * cache miss away and the branches are less predictable, so a run gains
 * less than these lines suggest (docs/kernel.md gives both).
 *
 * Run:  build/bench_samplers [--rounds R] [N]   (default 5, 10 000 000)
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdl_arrivals.h"
#include "mdl_service.h"
#include "sim_rng.h"

enum {
    UNIFORM,
    EXPO_ZIG,
    EXPO_LOG,
    EXPO_GSL,
    NORMAL_ZIG,
    NORMAL_POLAR,
    LOGN_ZIG,
    LOGN_POLAR,
    LOGN_SERVICE,
    ARRIVAL,
    KINDS
};

static const char *const names[KINDS] = {
    [UNIFORM] = "uniform",
    [EXPO_ZIG] = "exponential (ziggurat)",
    [EXPO_LOG] = "exponential -ln(u)",
    [EXPO_GSL] = "gsl_ran_exponential",
    [NORMAL_ZIG] = "normal (GSL ziggurat)",
    [NORMAL_POLAR] = "gsl_ran_gaussian (polar)",
    [LOGN_ZIG] = "lognormal (ziggurat)",
    [LOGN_POLAR] = "gsl_ran_lognormal (polar)",
    [LOGN_SERVICE] = "lognormal (service)",
    [ARRIVAL] = "arrival (fast Poisson)",
};

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define ARRIVAL_RATE 20.0 /* records/s */

/* The service of LOGN_SERVICE, and the arrival process of ARRIVAL with the
 * time it last handed out (each round continues it). */
static mdl_service service;
static mdl_arrivals *arrivals;
static sim_time arrival_t;

/* Draws n numbers of kind k; their sum (ARRIVAL: of the gaps, s). */
static double draw(int k, long n, gsl_rng *r, const sim_dist *expo, const sim_dist *normal,
                   const sim_dist *logn)
{
    double s = 0.0;
    switch (k) {
    case EXPO_ZIG:
        for (long i = 0; i < n; i++)
            s += sim_dist_sample(expo, r);
        break;
    case EXPO_LOG:
        for (long i = 0; i < n; i++)
            s += -expo->a * log(sim_rng_uniform_pos(r));
        break;
    case EXPO_GSL:
        for (long i = 0; i < n; i++)
            s += gsl_ran_exponential(r, expo->a);
        break;
    case NORMAL_ZIG:
        for (long i = 0; i < n; i++)
            s += sim_dist_sample(normal, r);
        break;
    case NORMAL_POLAR:
        for (long i = 0; i < n; i++)
            s += normal->a + gsl_ran_gaussian(r, normal->b);
        break;
    case LOGN_ZIG:
        for (long i = 0; i < n; i++)
            s += sim_dist_sample(logn, r);
        break;
    case LOGN_POLAR:
        for (long i = 0; i < n; i++)
            s += gsl_ran_lognormal(r, logn->a, logn->b);
        break;
    case LOGN_SERVICE:
        for (long i = 0; i < n; i++)
            s += mdl_service_sample(&service, r);
        break;
    case ARRIVAL: {
        sim_time t0 = arrival_t;
        for (long i = 0; i < n; i++)
            arrival_t = mdl_arrivals_next(arrivals, arrival_t);
        s = sim_time_to_seconds(arrival_t - t0);
        break;
    }
    case UNIFORM:
        for (long i = 0; i < n; i++)
            s += sim_rng_uniform(r);
        break;
    }
    return s;
}

int main(int argc, char **argv)
{
    long n = 10000000;
    int rounds = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else
            n = atol(argv[i]);
    }
    if (n < 1 || rounds < 1) {
        fprintf(stderr, "usage: bench_samplers [--rounds R] [N]\n");
        return 2;
    }
    gsl_set_error_handler_off();
    sim_err err = {0};
    gsl_rng *r = sim_rng_create(1, 0, "bench", &err);
    sim_dist expo, normal, logn;
    if (!r || sim_dist_exponential(1.0, &expo, &err) != SIM_OK ||
        sim_dist_normal(0.0, 1.0, &normal, &err) != SIM_OK ||
        sim_dist_lognormal_median_p95(0.120, 0.600, &logn, &err) != SIM_OK) {
        fprintf(stderr, "bench_samplers: %s\n", err.msg);
        sim_rng_destroy(r);
        return 1;
    }
    service = mdl_service_of_dist(&logn);
    mdl_arrivals_cfg acfg = {.base_rate = ARRIVAL_RATE, .load_multiplier = 1.0};
    mdl_arrivals_diurnal_flat(acfg.diurnal);
    mdl_arrivals_weekly_flat(acfg.weekly);
    gsl_rng *ar = sim_rng_create(1, 0, "bench.arrivals", &err);
    if (!ar || !(arrivals = mdl_arrivals_create(&acfg, ar, &err))) {
        fprintf(stderr, "bench_samplers: %s\n", err.msg);
        sim_rng_destroy(ar);
        sim_rng_destroy(r);
        return 1;
    }
    const double means[KINDS] = {
        [EXPO_ZIG] = 1.0,
        [EXPO_LOG] = 1.0,
        [EXPO_GSL] = 1.0,
        [NORMAL_ZIG] = 0.0,
        [NORMAL_POLAR] = 0.0,
        [LOGN_ZIG] = sim_dist_mean(&logn),
        [LOGN_POLAR] = sim_dist_mean(&logn),
        [LOGN_SERVICE] = sim_dist_mean(&logn),
        [ARRIVAL] = 1.0 / ARRIVAL_RATE,
        [UNIFORM] = 0.5,
    };
    double best[KINDS], sum[KINDS];
    for (int k = 0; k < KINDS; k++)
        best[k] = INFINITY;
    for (int round = 0; round < rounds; round++)
        for (int k = 0; k < KINDS; k++) {
            double t0 = cpu_now();
            sum[k] = draw(k, n, r, &expo, &normal, &logn);
            double t = cpu_now() - t0;
            best[k] = t < best[k] ? t : best[k];
        }
    printf("%ld draws a line, best of %d rounds, CPU time\n", n, rounds);
    printf("%-28s %10s %12s %12s\n", "sampler", "ns/draw", "mean", "expected");
    for (int k = 0; k < KINDS; k++)
        printf("%-28s %10.2f %12.5f %12.5f\n", names[k], best[k] / (double)n * 1e9,
               sum[k] / (double)n, means[k]);
    mdl_arrivals_destroy(arrivals);
    sim_rng_destroy(ar);
    sim_rng_destroy(r);
    return 0;
}
