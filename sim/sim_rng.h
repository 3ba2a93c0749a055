/*
 * sim_rng.h - random streams and the distributions the models draw from.
 *
 * Streams. Every random purpose (arrivals of flow F, service times at
 * endpoint E, failures of batch B, ...) has its own GSL generator, seeded
 * from (scenario seed, replication index, stream name) through a 64-bit hash
 * (FNV-1a of the name, mixed with SplitMix64). A stream's numbers therefore
 * depend only on those three values: not on how many other streams exist or
 * in which order they were created, nor on which thread or rank runs the
 * replication. Two variants of a scenario that keep a stream name see the
 * same numbers on it (common random numbers).
 *
 * The generator is xoshiro256** (Blackman and Vigna, 2018), registered as a
 * gsl_rng_type so every GSL distribution (gsl_ran_*) draws from it. It takes
 * the full 64-bit seed (GSL's built-in generators keep 32 bits or fewer of
 * a seed, which would make stream collisions likely in large sweeps), has a
 * period of 2^256 - 1 and costs about a nanosecond a number.
 *
 * Distributions. sim_dist is plain data (kind + two parameters) so that a
 * scenario can carry it; constructors derive the parameters from what users
 * know (a median and a p95, a mean and a coefficient of variation) and
 * validate them. Values are in the caller's unit (seconds for durations).
 * Normals and lognormals come from GSL's ziggurat normal, exponentials
 * from a ziggurat of our own (sim_rng.c): the distributions GSL's other
 * samplers draw, other numbers, in about a third of the time.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"
#include "sim_time.h"

/* The GSL generator type behind every stream. */
extern const gsl_rng_type *sim_rng_xoshiro256ss;

/* The 64-bit seed of stream `name` of replication `rep` under `seed`. */
uint64_t sim_rng_stream_seed(uint64_t seed, uint64_t rep, const char *name);

/* A generator for that stream; free with sim_rng_destroy, never
 * gsl_rng_free (the state shares the generator's block).
 * NULL on allocation failure (err filled). */
gsl_rng *sim_rng_create(uint64_t seed, uint64_t rep, const char *name, sim_err *err);
void sim_rng_destroy(gsl_rng *r); /* NULL is a no-op */

/* One step of xoshiro256** on its four words s (see sim_rng.c): private to
 * this header's inline draws and to sim_rng.c, never called by models. */
static inline uint64_t sim__xoshiro_next(uint64_t *s)
{
    const uint64_t x = s[1] * 5;
    const uint64_t result = ((x << 7) | (x >> 57)) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* The strip edges of the exponential's ziggurat (see sim_rng.c): private
 * to sim_rng.c and to its test. */
extern const double sim__zig_expo_x[257];

/* A uniform double in [0, 1): the number gsl_rng_uniform(r) gives (the top
 * 53 bits of the step, times 2^-53), drawn without GSL's function pointer
 * when r is a sim_rng_create stream. Inline: the arrivals and the models
 * draw a uniform per record, and the call into sim_rng.c for each was about
 * 2% of a 100-flow run. */
static inline double sim_rng_uniform(gsl_rng *r)
{
    if (r->type == sim_rng_xoshiro256ss)
        return (double)(sim__xoshiro_next(r->state) >> 11) * 0x1.0p-53;
    return gsl_rng_uniform(r);
}
/* A uniform double in (0, 1): never exactly 0 or 1. */
double sim_rng_uniform_pos(gsl_rng *r);
/* An exponential variate of mean 1 (the ziggurat of sim_rng.c): scale it
 * for another mean. About 3.4 ns a draw, where -ln(u) takes 6 and
 * gsl_ran_exponential (log1p, through GSL's function pointer) 14. */
double sim_rng_exponential(gsl_rng *r);
/* 1 with probability p, else 0. */
static inline int sim_rng_bernoulli(gsl_rng *r, double p)
{
    return sim_rng_uniform(r) < p;
}

/* Counter-based use of a stream. A model that must be able to draw the
 * numbers of a stretch of simulated time on their own (whatever was drawn
 * before) keeps one 64-bit key (sim_rng_key: drawn from its stream once) and
 * reseeds a private generator at the start of each stretch with
 * sim_rng_mix(key, stretch), where stretch names the stretch (its start
 * time): the numbers of a stretch then depend only on (key, stretch).
 * sim_rng_mix is the SplitMix64 finaliser applied to both words in a fixed
 * nesting, like the stream seeds. sim_rng_reseed takes the full 64-bit
 * seed (a generator from sim_rng_create; any other GSL generator gets
 * gsl_rng_set). */
uint64_t sim_rng_key(gsl_rng *r);

/* SplitMix64's output function and its seeding of xoshiro's four words
 * (see sim_rng.c): private to this header's inline functions and to
 * sim_rng.c. Inline, as sim_rng_mix and sim_rng_reseed are: the fast
 * arrival process (mdl_arrivals.c) names and reseeds a generator for
 * every dozen arrivals it places, and the calls were 6% of its cost. */
static inline uint64_t sim__mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

#define SIM__GOLDEN_GAMMA UINT64_C(0x9e3779b97f4a7c15)

static inline void sim__xoshiro_seed(uint64_t *s, uint64_t seed)
{
    uint64_t z = seed;
    for (int i = 0; i < 4; i++) {
        z += SIM__GOLDEN_GAMMA;
        s[i] = sim__mix64(z);
    }
}

static inline uint64_t sim_rng_mix(uint64_t a, uint64_t b)
{
    return sim__mix64(sim__mix64(a + SIM__GOLDEN_GAMMA) ^ (b + 2 * SIM__GOLDEN_GAMMA));
}

static inline void sim_rng_reseed(gsl_rng *r, uint64_t seed)
{
    if (r->type == sim_rng_xoshiro256ss)
        sim__xoshiro_seed(r->state, seed);
    else
        gsl_rng_set(r, (unsigned long)seed);
}

/* The u-quantile of a Poisson distribution with the given mean: the
 * smallest k with P(N <= k) >= u, for u in (0, 1). Inversion, so one
 * uniform gives one count and a larger mean never gives a smaller count
 * for the same u (counts at two loads drawn with common random numbers are
 * comonotone). Exact up to the double rounding of the CDF: sequential
 * search from 0 for means below 40; above, a Cornish-Fisher start
 * corrected by walking the exact CDF (GSL's regularised incomplete gamma,
 * P(N <= k) = Q(k + 1, mean)) one pmf term at a time. 0 for mean <= 0. */
uint64_t sim_poisson_quantile(double mean, double u);
/* A binomial count of n trials with success probability p (clamped to
 * [0, 1]); n may exceed GSL's unsigned int (drawn in parts). */
uint64_t sim_binomial(gsl_rng *r, double p, uint64_t n);

typedef enum sim_dist_kind {
    SIM_DIST_CONST = 0, /* a = value */
    SIM_DIST_EXP,       /* a = mean */
    SIM_DIST_UNIFORM,   /* [a, b) */
    SIM_DIST_NORMAL,    /* a = mean, b = standard deviation */
    SIM_DIST_LOGNORMAL, /* a = mu, b = sigma of the underlying normal */
    SIM_DIST_GAMMA      /* a = shape k, b = scale theta (Erlang when k is whole) */
} sim_dist_kind;

typedef struct sim_dist {
    sim_dist_kind kind;
    double a, b;
} sim_dist;

/* Constructors: SIM_EINVAL (err filled) for parameters that make no sense:
 * NaN, negative means, median >= p95, ... *out is untouched on error. */
int sim_dist_const(double value, sim_dist *out, sim_err *err);
int sim_dist_exponential(double mean, sim_dist *out, sim_err *err);
int sim_dist_uniform(double lo, double hi, sim_dist *out, sim_err *err);
int sim_dist_normal(double mean, double sd, sim_dist *out, sim_err *err);
/* Lognormal with the given median and 95th percentile:
 * mu = ln(median), sigma = (ln(p95) - ln(median)) / z_0.95, z_0.95 = 1.6449. */
int sim_dist_lognormal_median_p95(double median, double p95, sim_dist *out, sim_err *err);
/* Lognormal with the given mean and coefficient of variation:
 * sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2. */
int sim_dist_lognormal_mean_cv(double mean, double cv, sim_dist *out, sim_err *err);
/* Gamma with the given mean and cv: k = 1 / cv^2, theta = mean * cv^2.
 * cv = 1/sqrt(n) gives Erlang-n. cv = 0 gives the constant mean. */
int sim_dist_gamma_mean_cv(double mean, double cv, sim_dist *out, sim_err *err);

double sim_dist_sample(const sim_dist *d, gsl_rng *r);
/* A sample as a duration in seconds rounded to microseconds; negative
 * samples (possible for a normal) become 0. */
sim_time sim_dist_sample_time(const sim_dist *d, gsl_rng *r);
double sim_dist_mean(const sim_dist *d);
/* The q-quantile (0 < q < 1), from GSL's inverse CDFs. */
double sim_dist_quantile(const sim_dist *d, double q);

/* A table of weights: sample returns index i with probability w[i] / sum(w).
 * Walker's alias method through gsl_ran_discrete (O(1) per sample). */
typedef struct sim_table sim_table;
sim_table *sim_table_create(const double *weights, size_t n, sim_err *err);
void sim_table_destroy(sim_table *t); /* NULL is a no-op */
size_t sim_table_sample(const sim_table *t, gsl_rng *r);

#endif
