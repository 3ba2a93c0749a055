/*
 * sim_rng.c - xoshiro256** as a GSL generator, stream seeding, distributions.
 *
 * Generator. xoshiro256** (D. Blackman, S. Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 47(4), 2021; preprint 2018),
 * written from the published algorithm:
 *
 *     result = rotl(s1 * 5, 7) * 9
 *     t = s1 << 17;  s2 ^= s0;  s3 ^= s1;  s1 ^= s2;  s0 ^= s3;  s2 ^= t;
 *     s3 = rotl(s3, 45)
 *
 * The state must never be all zero. Seeding fills the four words with four
 * consecutive SplitMix64 outputs of the seed; SplitMix64's output function is
 * a bijection of its counter, so the four words are distinct and at most one
 * of them can be zero.
 *
 * GSL's interface. get() returns an unsigned long: on LP64 that is the whole
 * 64-bit output and max = ULONG_MAX; where unsigned long is 32 bits, get()
 * returns the top 32 bits (the best ones) and max is still ULONG_MAX.
 * get_double() uses the top 53 bits, giving k * 2^-53 for k in [0, 2^53): a
 * uniform in [0, 1) with every representable step. GSL's set() receives an
 * unsigned long seed; sim_rng_create bypasses it and seeds the state from
 * the full uint64_t so a 32-bit long cannot truncate stream seeds.
 *
 * Allocation. sim_rng_create builds the gsl_rng (a public two-field struct)
 * and its state in one sim_alloc block, so allocation-failure tests reach
 * it and a draw touches one block, not two (at 1,000 flows the streams do
 * not stay in the cache between draws). The block (48 bytes) starts on a
 * cache line, so a draw misses on one line, never two. Only sim_rng_destroy frees it:
 * gsl_rng_free would free the state as a block of its own.
 *
 * Draws. The uniforms of our streams come from xoshiro directly
 * (uniform below): the number gsl_rng_uniform gives, without its call
 * through the type's function pointer.
 *
 * Normals (hence lognormals) are GSL's ziggurat, gsl_ran_gaussian_ziggurat
 * (G. Marsaglia, W. W. Tsang, "The ziggurat method for generating random
 * variables", J. Stat. Softw. 5(8), 2000, as J. Voss wrote it for GSL: 128
 * strips, 24 bits of abscissa, an exponential wedge for the tail beyond
 * 3.444): about one draw of the generator and a table lookup a normal,
 * where the polar method (gsl_ran_gaussian, gsl_ran_lognormal) takes 2.55
 * uniforms, a log, a division and a square root. A ziggurat of our own on
 * xoshiro's inline step was measured against it: 3.4 ns a normal against
 * 5.0 alone, but inside a run (bench_scale, 100 flows, 7 d, where every
 * service time is a lognormal) no faster (CPU 0.99x, inside the spread),
 * so the library's stays.
 *
 * Exponentials have no ziggurat in GSL; ours is Marsaglia and Tsang's with
 * 256 strips, laid out as in J. A. Doornik, "An improved ziggurat method
 * to generate normal random samples" (2005): one table of strip edges for
 * f(x) = exp(-x),
 *
 *     x[0] = v / f(r),  x[1] = r,  x[i + 1] = f^-1(f(x[i]) + v / x[i]),
 *     x[256] = 0,
 *
 * r = 7.69711747013104972, v = (r + 1) f(r), so strip i >= 1 is the box
 * [0, x[i]) x [f(x[i]), f(x[i + 1])) and strip 0 the box [0, r) x [0, f(r))
 * plus the tail beyond r, each of area v: a strip drawn uniformly, then a
 * point uniform in it, is a point uniform under f. One 64-bit word gives
 * the strip (its low 8 bits) and the point's abscissa (its top 53 bits,
 * times x[i]). Below x[i + 1] the point is under f whatever its height: it
 * is returned at once, 97.8% of the time (the mean over the strips of
 * x[i + 1] / x[i]). Otherwise strip 0 returns r + Exp(1) (the tail, the
 * exponential having no memory) and any other strip draws a height and
 * keeps x if it is under f(x), else starts again. Exact (no approximation
 * of f), with 53 bits of abscissa. The table at the end of this file was
 * computed with the recurrence in long double and rounded;
 * tests/sim/test_sim_rng.c checks that every strip's area is v.
 *
 * Stream seeds. seed, rep and the FNV-1a hash of the name each pass through
 * the SplitMix64 finaliser before being combined, in a fixed nesting:
 *     mix(mix(mix(seed) ^ rep) ^ fnv1a(name))
 * so flipping one bit of any input changes about half the bits of the
 * result (the finaliser's avalanche), and nearby seeds, reps or names give
 * unrelated streams.
 */
#include "sim_rng.h"

#include <gsl/gsl_cdf.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "sim_alloc.h"

/* ---- xoshiro256** ------------------------------------------------------ */

typedef struct xoshiro_state {
    uint64_t s[4];
} xoshiro_state;

/* The step is sim__xoshiro_next in sim_rng.h (inline there for
 * sim_rng_uniform). */
static inline uint64_t next(xoshiro_state *st)
{
    return sim__xoshiro_next(st->s);
}

/* SplitMix64's output function (Steele, Lea, Flood 2014; Vigna's
 * splitmix64.c): a bijection of 64-bit words with good avalanche. It and
 * the seeding below are sim__mix64 and sim__xoshiro_seed in sim_rng.h. */
static inline uint64_t mix64(uint64_t z)
{
    return sim__mix64(z);
}

#define GOLDEN_GAMMA SIM__GOLDEN_GAMMA

static void seed_state(xoshiro_state *st, uint64_t seed)
{
    sim__xoshiro_seed(st->s, seed);
}

static void xoshiro_set(void *state, unsigned long int seed)
{
    seed_state(state, (uint64_t)seed);
}

static unsigned long int xoshiro_get(void *state)
{
#if ULONG_MAX >= UINT64_MAX
    return (unsigned long int)next(state);
#else
    return (unsigned long int)(next(state) >> 32);
#endif
}

static double xoshiro_get_double(void *state)
{
    return (double)(next(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
    .name = "xoshiro256ss",
    .max = ULONG_MAX,
    .min = 0,
    .size = sizeof(xoshiro_state),
    .set = xoshiro_set,
    .get = xoshiro_get,
    .get_double = xoshiro_get_double,
};

const gsl_rng_type *sim_rng_xoshiro256ss = &xoshiro_type;

/* A uniform in [0, 1): sim_rng_uniform's number, comparing the type with
 * the generator's own address (no load of sim_rng_xoshiro256ss). */
static inline double uniform(gsl_rng *r)
{
    return r->type == &xoshiro_type ? xoshiro_get_double(r->state) : gsl_rng_uniform(r);
}

/* A uniform in (0, 1), as gsl_rng_uniform_pos draws it: 0 is drawn again. */
static inline double uniform_pos(gsl_rng *r)
{
    double x;
    do
        x = uniform(r);
    while (x == 0.0);
    return x;
}

/* 64 random bits: one xoshiro step for our streams; for any other
 * generator, two 32-bit halves from its uniforms. */
static inline uint64_t bits64(gsl_rng *r)
{
    if (r->type == &xoshiro_type)
        return next(r->state);
    uint64_t hi = (uint64_t)(gsl_rng_uniform(r) * 0x1.0p32);
    return (hi << 32) | (uint64_t)(gsl_rng_uniform(r) * 0x1.0p32);
}

#define ZIG_EXPO_R 7.69711747013104972

/* The ziggurat's point for the 64-bit word u: the abscissa in strip
 * u & 0xff (see "Draws" above). */
static inline double expo_point(uint64_t u)
{
    return (double)(u >> 11) * 0x1.0p-53 * sim__zig_expo_x[u & 0xff];
}

/* The rest of an Exp(1) draw whose first point, from u, was not below its
 * strip's next edge: the tail, a wedge, or a fresh point. Out of line so
 * the common case inlines small. */
static double expo_slow(gsl_rng *r, uint64_t u)
{
    const double *x_tab = sim__zig_expo_x;
    for (;;) {
        unsigned i = (unsigned)(u & 0xff);
        double x = expo_point(u);
        if (x < x_tab[i + 1])
            return x;
        if (i == 0) /* the tail beyond r: r + Exp(1), the exponential having no memory */
            return ZIG_EXPO_R - log(uniform_pos(r));
        double f0 = exp(-x_tab[i]), f1 = exp(-x_tab[i + 1]);
        if (f0 + (f1 - f0) * uniform(r) < exp(-x))
            return x;
        u = bits64(r);
    }
}

/* An Exp(1) variate by the ziggurat (see "Draws" above). */
static inline double std_exponential(gsl_rng *r)
{
    uint64_t u = bits64(r);
    double x = expo_point(u);
    return x < sim__zig_expo_x[(u & 0xff) + 1] ? x : expo_slow(r, u);
}

/* ---- streams ----------------------------------------------------------- */

uint64_t sim_rng_stream_seed(uint64_t seed, uint64_t rep, const char *name)
{
    /* FNV-1a 64: offset basis and prime from the FNV reference. */
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    /* The golden-gamma offsets keep mix64(0) = 0 from making an all-zero
     * (seed, rep) special. */
    uint64_t x = mix64(seed + GOLDEN_GAMMA);
    x = mix64(x ^ (rep + 2 * GOLDEN_GAMMA));
    return mix64(x ^ (h + 3 * GOLDEN_GAMMA));
}

/* A stream: the gsl_rng and its state in one block (see "Allocation"). */
typedef struct stream_block {
    gsl_rng rng;
    xoshiro_state state;
} stream_block;

gsl_rng *sim_rng_create(uint64_t seed, uint64_t rep, const char *name, sim_err *err)
{
    stream_block *b = sim_calloc_hot(sizeof *b);
    if (!b) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory creating random stream '%s'",
                    name ? name : "");
        return NULL;
    }
    b->rng.type = sim_rng_xoshiro256ss;
    b->rng.state = &b->state;
    seed_state(&b->state, sim_rng_stream_seed(seed, rep, name));
    return &b->rng;
}

void sim_rng_destroy(gsl_rng *r)
{
    sim_free_hot(r); /* the state is in the same block */
}

double sim_rng_uniform_pos(gsl_rng *r)
{
    return uniform_pos(r);
}

double sim_rng_exponential(gsl_rng *r)
{
    return std_exponential(r);
}

uint64_t sim_rng_key(gsl_rng *r)
{
    /* Two draws: on LP64 the second is a full word already; where long is
     * 32 bits the first fills the high half. */
    uint64_t hi = (uint64_t)gsl_rng_get(r);
    return (hi << 32) ^ (uint64_t)gsl_rng_get(r);
}

/* log P(N = k) for N ~ Poisson(m), m > 0: Stirling's series with
 * k log(m / k) + k - m written as k log1p(d) - k d, d = (m - k) / k, which
 * keeps its precision when k and m are large and close (C. Loader, "Fast
 * and accurate computation of binomial probabilities", 2000). */
static double poisson_log_pmf_j(uint64_t k, double m)
{
    double x = (double)k;
    if (k < 16)
        return x * log(m) - m - lgamma(x + 1.0);
    double d = (m - x) / x;
    double x2 = x * x;
    double stirling = (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * x2)) / x2) / x;
    return x * log1p(d) - x * d - 0.5 * (1.8378770664093453 + log(x)) - stirling; /* ln 2 pi */
}

/* P(N <= k) summed exactly (long double, from where the lower tail is
 * below 1e-30): the slow path, for the rare u that lies too close to a step
 * of the fast CDF to trust it. */
static double poisson_cdf_exact(uint64_t k, double m)
{
    double lo = m - 12.0 * sqrt(m) - 20.0;
    uint64_t j = lo > 0.0 ? (uint64_t)lo : 0;
    if (j > k)
        return 0.0;
    long double p = expl((long double)poisson_log_pmf_j(j, m)), sum = 0.0L;
    for (; j <= k; j++) {
        sum += p;
        p *= (long double)m / (long double)(j + 1);
    }
    return (double)sum;
}

/* log(1 + e) - e, accurate for small e (its series) as for large. */
static double log1p_minus(double e)
{
    if (fabs(e) > 0.01)
        return log1p(e) - e;
    /* sum over n >= 2 of (-1)^(n+1) e^n / n; e^15 / 15 < 1e-26 of e^2 / 2 */
    double sum = 0.0, pw = e;
    for (int n = 2; n <= 14; n++) {
        pw *= e;
        sum += (n % 2 ? pw : -pw) / n;
    }
    return sum;
}

/* P(N <= k) = Q(k + 1, m), the regularised upper incomplete gamma, by
 * Temme's uniform asymptotic expansion to two terms (N. M. Temme, "The
 * asymptotic expansion of the incomplete gamma functions", SIAM J. Math.
 * Anal. 10, 1979; the coefficients as in GSL's gamma_inc_Q_asymp_unif):
 *   Q(a, x) = erfc(eta sqrt(a / 2)) / 2
 *             + exp(-a eta^2 / 2) / sqrt(2 pi a) (c0(eta) + c1(eta) / a),
 *   e = (x - a) / a,  eta = sign(e) sqrt(-2 (log(1 + e) - e)).
 * Measured against the exact sum over every k within 8 sd of the mean, its
 * error is at most 3.4e-7 (k = 29, mean 30), 1.7e-8 at a mean of 100,
 * 5.4e-11 at 1,000 and rounding (2e-13) from 10,000 on. */
static double poisson_cdf_fast(uint64_t k, double m)
{
    double a = (double)k + 1.0;
    double e = (m - a) / a;
    double ln = log1p_minus(e);
    double eta = (e < 0.0 ? -1.0 : 1.0) * sqrt(-2.0 * ln);
    double c0, c1;
    if (fabs(e) < 7.4e-4) { /* the fifth root of the double epsilon, as GSL */
        c0 = -1.0 / 3.0 +
             e * (1.0 / 12.0 - e * (23.0 / 540.0 - e * (353.0 / 12960.0 - e * 589.0 / 30240.0)));
        c1 = -1.0 / 540.0 - e / 288.0;
    } else {
        double lam = m / a, e3 = e * e * e, eta3 = eta * eta * eta;
        c0 = 1.0 / e - 1.0 / eta;
        c1 = -(eta3 * (lam * lam + 10.0 * lam + 1.0) - 12.0 * e3) / (12.0 * eta3 * e3);
    }
    double r = exp(-0.5 * a * eta * eta) / sqrt(2.0 * 3.14159265358979323846 * a) * (c0 + c1 / a);
    return 0.5 * erfc(eta * sqrt(0.5 * a)) + r;
}

/* How close u may come to a step of the fast CDF before the exact sum
 * decides: six times the expansion's worst error (at k = 29). The slow path
 * is taken for about one draw in 250,000. */
#define CDF_TRUST 2e-6

uint64_t sim_poisson_quantile(double mean, double u)
{
    if (!(mean > 0.0))
        return 0;
    if (mean < 40.0) {
        double p = exp(-mean), F = p;
        uint64_t k = 0;
        /* The tail beyond mean + 60 is below 1e-20: rounding, not a count. */
        while (F < u && k < 100) {
            k++;
            p *= mean / (double)k;
            F += p;
        }
        return k;
    }
    /* Cornish-Fisher: the quantile is about m + z sqrt(m) + (z^2 - 1) / 6,
     * within a few counts; walking the CDF one pmf term at a time from
     * there finds it. Below k = 29 the expansion is not trusted: the CDF
     * is summed from 0 instead (exp(-m) underflows to 0 above m = 745,
     * where such a k is 25 sd below the mean anyway). */
    double z = gsl_cdf_ugaussian_Pinv(u);
    double guess = mean + sqrt(mean) * z + (z * z - 1.0) / 6.0;
    uint64_t k = guess < 29.0 ? 29 : (uint64_t)guess;
    double F = poisson_cdf_fast(k, mean);
    double p = exp(poisson_log_pmf_j(k, mean));
    if (F >= u) {
        while (k > 29 && F - p >= u) {
            F -= p;
            p *= (double)k / mean;
            k--;
        }
        if (k == 29 && F - p >= u) { /* far in the lower tail: sum exactly */
            double q = exp(-mean), G = q;
            for (k = 0; G < u && k < 29; k++) {
                q *= mean / (double)(k + 1);
                G += q;
            }
            return k;
        }
    } else {
        while (F < u && p > 0.0) {
            k++;
            p *= mean / (double)k;
            F += p;
        }
    }
    /* Now F(k - 1) < u <= F(k) by the fast CDF. Where u is within its
     * error of either step, decide by the exact sum. */
    if (F - u < CDF_TRUST || u - (F - p) < CDF_TRUST) {
        double exact = poisson_cdf_exact(k, mean);
        while (exact < u) {
            k++;
            exact = poisson_cdf_exact(k, mean);
        }
        while (k > 0 && poisson_cdf_exact(k - 1, mean) >= u)
            k--;
    }
    return k;
}

uint64_t sim_binomial(gsl_rng *r, double p, uint64_t n)
{
    if (!(p > 0.0) || n == 0)
        return 0;
    if (p >= 1.0)
        return n;
    uint64_t k = 0;
    while (n > UINT_MAX) {
        k += gsl_ran_binomial(r, p, UINT_MAX);
        n -= UINT_MAX;
    }
    return k + gsl_ran_binomial(r, p, (unsigned int)n);
}

/* ---- distributions ----------------------------------------------------- */

/* z_0.95, the 95th percentile of the standard normal (as in the header). */
#define Z95 1.6448536269514722

static int bad(sim_err *err, const char *what, double v)
{
    return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "%s, got %g", what, v);
}

int sim_dist_const(double value, sim_dist *out, sim_err *err)
{
    if (!isfinite(value))
        return bad(err, "constant value must be a finite number", value);
    *out = (sim_dist){.kind = SIM_DIST_CONST, .a = value, .b = 0.0};
    return SIM_OK;
}

int sim_dist_exponential(double mean, sim_dist *out, sim_err *err)
{
    if (!isfinite(mean) || !(mean > 0.0))
        return bad(err, "exponential mean must be a finite number > 0", mean);
    *out = (sim_dist){.kind = SIM_DIST_EXP, .a = mean, .b = 0.0};
    return SIM_OK;
}

int sim_dist_uniform(double lo, double hi, sim_dist *out, sim_err *err)
{
    if (!isfinite(lo))
        return bad(err, "uniform lower bound must be a finite number", lo);
    if (!isfinite(hi))
        return bad(err, "uniform upper bound must be a finite number", hi);
    if (!(lo <= hi))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "uniform lower bound must be <= upper bound, got [%g, %g)", lo, hi);
    *out = (sim_dist){.kind = SIM_DIST_UNIFORM, .a = lo, .b = hi};
    return SIM_OK;
}

int sim_dist_normal(double mean, double sd, sim_dist *out, sim_err *err)
{
    if (!isfinite(mean))
        return bad(err, "normal mean must be a finite number", mean);
    if (!isfinite(sd) || !(sd >= 0.0))
        return bad(err, "normal standard deviation must be a finite number >= 0", sd);
    *out = (sim_dist){.kind = SIM_DIST_NORMAL, .a = mean, .b = sd};
    return SIM_OK;
}

int sim_dist_lognormal_median_p95(double median, double p95, sim_dist *out, sim_err *err)
{
    if (!isfinite(median) || !(median > 0.0))
        return bad(err, "lognormal median must be a finite number > 0", median);
    if (!isfinite(p95))
        return bad(err, "lognormal p95 must be a finite number", p95);
    if (!(p95 > median))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "lognormal p95 must be greater than the median, got median %g, p95 %g",
                           median, p95);
    double mu = log(median);
    *out = (sim_dist){.kind = SIM_DIST_LOGNORMAL, .a = mu, .b = (log(p95) - mu) / Z95};
    return SIM_OK;
}

int sim_dist_lognormal_mean_cv(double mean, double cv, sim_dist *out, sim_err *err)
{
    if (!isfinite(mean) || !(mean > 0.0))
        return bad(err, "lognormal mean must be a finite number > 0", mean);
    if (!isfinite(cv) || !(cv >= 0.0))
        return bad(err, "lognormal coefficient of variation must be a finite number >= 0", cv);
    double s2 = log1p(cv * cv);
    *out = (sim_dist){.kind = SIM_DIST_LOGNORMAL, .a = log(mean) - s2 / 2.0, .b = sqrt(s2)};
    return SIM_OK;
}

int sim_dist_gamma_mean_cv(double mean, double cv, sim_dist *out, sim_err *err)
{
    if (!isfinite(mean) || !(mean > 0.0))
        return bad(err, "gamma mean must be a finite number > 0", mean);
    if (!isfinite(cv) || !(cv >= 0.0))
        return bad(err, "gamma coefficient of variation must be a finite number >= 0", cv);
    if (cv == 0.0) {
        *out = (sim_dist){.kind = SIM_DIST_CONST, .a = mean, .b = 0.0};
        return SIM_OK;
    }
    double c2 = cv * cv;
    *out = (sim_dist){.kind = SIM_DIST_GAMMA, .a = 1.0 / c2, .b = mean * c2};
    return SIM_OK;
}

double sim_dist_sample(const sim_dist *d, gsl_rng *r)
{
    switch (d->kind) {
    case SIM_DIST_CONST:
        return d->a;
    case SIM_DIST_EXP:
        return d->a * std_exponential(r);
    case SIM_DIST_UNIFORM:
        return gsl_ran_flat(r, d->a, d->b);
    case SIM_DIST_NORMAL:
        return d->a + gsl_ran_gaussian_ziggurat(r, d->b);
    case SIM_DIST_LOGNORMAL:
        return exp(d->a + gsl_ran_gaussian_ziggurat(r, d->b));
    case SIM_DIST_GAMMA:
        return gsl_ran_gamma(r, d->a, d->b);
    }
    return NAN;
}

sim_time sim_dist_sample_time(const sim_dist *d, gsl_rng *r)
{
    return sim_time_clamp_seconds(sim_dist_sample(d, r));
}

double sim_dist_mean(const sim_dist *d)
{
    switch (d->kind) {
    case SIM_DIST_CONST:
    case SIM_DIST_EXP:
    case SIM_DIST_NORMAL:
        return d->a;
    case SIM_DIST_UNIFORM:
        return 0.5 * (d->a + d->b);
    case SIM_DIST_LOGNORMAL:
        return exp(d->a + 0.5 * d->b * d->b);
    case SIM_DIST_GAMMA:
        return d->a * d->b;
    }
    return NAN;
}

double sim_dist_quantile(const sim_dist *d, double q)
{
    if (!(q >= 0.0 && q <= 1.0))
        return NAN;
    switch (d->kind) {
    case SIM_DIST_CONST:
        return d->a;
    case SIM_DIST_EXP:
        return gsl_cdf_exponential_Pinv(q, d->a);
    case SIM_DIST_UNIFORM:
        return gsl_cdf_flat_Pinv(q, d->a, d->b);
    case SIM_DIST_NORMAL:
        return d->a + gsl_cdf_gaussian_Pinv(q, d->b);
    case SIM_DIST_LOGNORMAL:
        return gsl_cdf_lognormal_Pinv(q, d->a, d->b);
    case SIM_DIST_GAMMA:
        return gsl_cdf_gamma_Pinv(q, d->a, d->b);
    }
    return NAN;
}

/* ---- tables ------------------------------------------------------------ */

/* gsl_ran_discrete_preproc allocates with malloc inside GSL; only the
 * wrapper goes through sim_alloc. Weights are validated here first because
 * GSL reports bad weights through its error handler (abort by default). */
struct sim_table {
    gsl_ran_discrete_t *g;
};

sim_table *sim_table_create(const double *weights, size_t n, sim_err *err)
{
    if (n == 0 || !weights) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "a weight table needs at least one weight");
        return NULL;
    }
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(weights[i]) || !(weights[i] >= 0.0)) {
            sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                        "weight %zu must be a finite number >= 0, got %g", i, weights[i]);
            return NULL;
        }
        sum += weights[i];
    }
    if (!(sum > 0.0) || !isfinite(sum)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "weights must have a finite sum > 0, got %g", sum);
        return NULL;
    }
    sim_table *t = sim_malloc(sizeof *t);
    if (!t)
        goto fail_table;
    t->g = gsl_ran_discrete_preproc(n, weights);
    if (!t->g)
        goto fail_preproc;
    return t;

fail_preproc:
    sim_free(t);
fail_table:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory creating a weight table of %zu", n);
    return NULL;
}

void sim_table_destroy(sim_table *t)
{
    if (!t)
        return;
    gsl_ran_discrete_free(t->g);
    sim_free(t);
}

size_t sim_table_sample(const sim_table *t, gsl_rng *r)
{
    return gsl_ran_discrete(r, t->g);
}

/* ---- ziggurat tables ---------------------------------------------------- */

/* The strip edges x[0..256] of the exponential's ziggurat, f(x) = exp(-x):
 * see "Draws" at the top of this file for the recurrence. 17 significant
 * digits, so each is the double the long-double computation rounded to. */
const double sim__zig_expo_x[257] = {
    8.6971174701310492,
    7.6971174701310501,
    6.9410336293772126,
    6.4783784938325697,
    6.1441646657724727,
    5.8821443157953999,
    5.6664101674540337,
    5.4828906275260625,
    5.3230905057543989,
    5.1814872813015009,
    5.054288489981305,
    4.9387770859012514,
    4.8329397410251129,
    4.7352429966017411,
    4.6444918854200852,
    4.5597370617073514,
    4.4802117465284219,
    4.4052876934735732,
    4.334443680317273,
    4.2672424802773659,
    4.2033137137351844,
    4.1423408656640515,
    4.0840513104082978,
    4.0282085446479368,
    3.9746060666737884,
    3.9230625001354897,
    3.8734176703995091,
    3.8255294185223367,
    3.7792709924116679,
    3.7345288940397974,
    3.6912010902374188,
    3.6491955157608538,
    3.6084288131289095,
    3.5688252656483375,
    3.5303158891293438,
    3.4928376547740601,
    3.4563328211327606,
    3.4207483572511204,
    3.3860354424603019,
    3.3521490309001098,
    3.3190474709707489,
    3.2866921715990691,
    3.2550473085704503,
    3.2240795652862646,
    3.1937579032122407,
    3.1640533580259733,
    3.1349388580844408,
    3.1063890623398245,
    3.0783802152540907,
    3.0508900166154556,
    3.0238975044556766,
    2.9973829495161306,
    2.9713277599210897,
    2.9457143948950457,
    2.9205262865127408,
    2.8957477686001418,
    2.8713640120155364,
    2.8473609656351888,
    2.8237253024500353,
    2.8004443702507382,
    2.777506146439757,
    2.7548991965623455,
    2.732612636194701,
    2.7106360958679292,
    2.6889596887418041,
    2.667573980773267,
    2.6464699631518096,
    2.6256390267977885,
    2.6050729387408356,
    2.5847638202141408,
    2.5647041263169053,
    2.54488662711187,
    2.525304390037828,
    2.505950763528594,
    2.4868193617402099,
    2.4679040502973648,
    2.4491989329782498,
    2.4306983392644201,
    2.4123968126888706,
    2.3942890999214583,
    2.376370140536141,
    2.3586350574093373,
    2.3410791477030348,
    2.3236978743901964,
    2.3064868582835798,
    2.2894418705322694,
    2.2725588255531548,
    2.2558337743672192,
    2.2392628983129086,
    2.2228425031110364,
    2.2065690132576634,
    2.19043896672322,
    2.1744490099377747,
    2.1585958930438855,
    2.1428764653998416,
    2.1272876713173678,
    2.1118265460190417,
    2.0964902118017146,
    2.0812758743932247,
    2.0661808194905755,
    2.0512024094685848,
    2.0363380802487696,
    2.0215853383189262,
    2.0069417578945181,
    1.9924049782135764,
    1.9779727009573602,
    1.9636426877895481,
    1.9494127580071845,
    1.9352807862970511,
    1.9212447005915276,
    1.9073024800183871,
    1.8934521529393078,
    1.879691795072211,
    1.8660195276928275,
    1.8524335159111751,
    1.8389319670188795,
    1.8255131289035191,
    1.8121752885263902,
    1.7989167704602904,
    1.7857359354841253,
    1.772631179231305,
    1.7596009308890743,
    1.746643651946074,
    1.7337578349855711,
    1.7209420025219351,
    1.7081947058780576,
    1.6955145241015377,
    1.6829000629175537,
    1.6703499537164519,
    1.6578628525741725,
    1.6454374393037234,
    1.6330724165359911,
    1.6207665088282577,
    1.6085184617988582,
    1.5963270412864832,
    1.5841910325326887,
    1.5721092393862295,
    1.5600804835278879,
    1.5481036037145133,
    1.5361774550410319,
    1.524300908219226,
    1.5124728488721169,
    1.5006921768428165,
    1.4889578055167456,
    1.4772686611561334,
    1.4656236822457451,
    1.4540218188487932,
    1.4424620319720123,
    1.4309432929388795,
    1.4194645827699828,
    1.4080248915695353,
    1.3966232179170417,
    1.3852585682631218,
    1.3739299563284901,
    1.3626364025050866,
    1.351376933258335,
    1.3401505805295046,
    1.3289563811371163,
    1.3177933761763245,
    1.3066606104151739,
    1.2955571316866008,
    1.2844819902750126,
    1.2734342382962411,
    1.2624129290696153,
    1.2514171164808525,
    1.2404458543344066,
    1.2294981956938491,
    1.2185731922087903,
    1.2076698934267613,
    1.1967873460884031,
    1.1859245934042024,
    1.1750806743109117,
    1.1642546227056791,
    1.1534454666557747,
    1.1426522275816728,
    1.1318739194110787,
    1.1211095477013306,
    1.1103581087274115,
    1.0996185885325978,
    1.0888899619385473,
    1.0781711915113728,
    1.0674612264799681,
    1.0567590016025519,
    1.0460634359770447,
    1.035373431790529,
    1.0246878730026179,
    1.0140056239570971,
    1.0033255279156974,
    0.99264640550727645,
    0.98196705308506316,
    0.97128624098390404,
    0.96060271166866706,
    0.94991517776407663,
    0.93922231995526295,
    0.92852278474721117,
    0.91781518207004498,
    0.90709808271569103,
    0.89637001558989071,
    0.88562946476175231,
    0.87487486629102584,
    0.86410460481100526,
    0.85331700984237413,
    0.84251035181036926,
    0.83168283773427387,
    0.82083260655441259,
    0.80995772405741906,
    0.79905617735548795,
    0.78812586886949332,
    0.77716460975913049,
    0.76617011273543545,
    0.75513998418198292,
    0.74407171550050877,
    0.73296267358436606,
    0.72181009030875687,
    0.71061105090965571,
    0.69936248110323262,
    0.68806113277374858,
    0.67670356802952336,
    0.66528614139267861,
    0.65380497984766572,
    0.64225596042453703,
    0.63063468493349106,
    0.61893645139487685,
    0.60715622162030092,
    0.59528858429150366,
    0.58332771274877027,
    0.57126731653258911,
    0.55910058551154129,
    0.54682012516331113,
    0.53441788123716616,
    0.52188505159213561,
    0.50921198244365495,
    0.49638804551867161,
    0.48340149165346225,
    0.47023927508216945,
    0.45688684093142073,
    0.44332786607355296,
    0.42954394022541131,
    0.41551416960035703,
    0.40121467889627838,
    0.38661797794112024,
    0.3716921453299179,
    0.35639976025839448,
    0.34069648106484984,
    0.32452911701691012,
    0.30783295467493288,
    0.29052795549123117,
    0.27251318547846548,
    0.25365836338591286,
    0.23379048305967556,
    0.21267151063096748,
    0.18995868962243281,
    0.16512762256418836,
    0.13730498094001387,
    0.10483850756582024,
    0.063852163815003554,
    0,
};
