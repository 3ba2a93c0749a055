/*
 * mdl_backoff.c - the sleep formulas of mdl_backoff.h.
 *
 * expo(n) is computed in double (base * 2^n overflows int64 for n > 40 or
 * so) and compared with the cap before converting back to ticks, so any n is
 * safe. Uniform variates come from sim_rng_uniform, which is in [0, 1):
 * U(a, b) = a + (b - a) * u, rounded to the nearest microsecond.
 */
#include "mdl_backoff.h"

#include <math.h>

#include "sim_rng.h"

static sim_time base_of(const mdl_backoff_cfg *cfg)
{
    return cfg->base > 0 ? cfg->base : MDL_BACKOFF_DEFAULT_BASE;
}

static sim_time cap_of(const mdl_backoff_cfg *cfg)
{
    return cfg->cap > 0 ? cfg->cap : MDL_BACKOFF_DEFAULT_CAP;
}

/* a + (b - a) * u in ticks, rounded. */
static sim_time uniform_between(sim_time a, sim_time b, gsl_rng *r)
{
    double u = sim_rng_uniform(r);
    return a + (sim_time)llround((double)(b - a) * u);
}

const char *mdl_jitter_name(mdl_jitter j)
{
    switch (j) {
    case MDL_JITTER_FULL:
        return "full";
    case MDL_JITTER_NONE:
        return "none";
    case MDL_JITTER_EQUAL:
        return "equal";
    case MDL_JITTER_DECORRELATED:
        return "decorrelated";
    }
    return "?";
}

int mdl_backoff_check(const mdl_backoff_cfg *cfg, sim_err *err)
{
    if (!cfg)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "backoff: cfg is required");
    if (cfg->jitter < MDL_JITTER_FULL || cfg->jitter > MDL_JITTER_DECORRELATED)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "backoff: unknown jitter %d",
                           (int)cfg->jitter);
    if (cfg->base < 0 || cfg->cap < 0)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "backoff: base and cap must be >= 0");
    if (cap_of(cfg) < base_of(cfg))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "backoff: cap (%.3f s) must be >= base (%.3f s)",
                           sim_time_to_seconds(cap_of(cfg)), sim_time_to_seconds(base_of(cfg)));
    return SIM_OK;
}

sim_time mdl_backoff_expo(const mdl_backoff_cfg *cfg, int n)
{
    sim_time cap = cap_of(cfg);
    if (n < 0)
        n = 0;
    double e = ldexp((double)base_of(cfg), n > 1000 ? 1000 : n);
    return e >= (double)cap ? cap : (sim_time)llround(e);
}

sim_time mdl_backoff_delay(const mdl_backoff_cfg *cfg, int n, sim_time *prev, sim_time retry_after,
                           gsl_rng *r)
{
    sim_time d;
    if (retry_after >= 0) {
        d = retry_after;
    } else {
        sim_time e = mdl_backoff_expo(cfg, n);
        switch (cfg->jitter) {
        case MDL_JITTER_NONE:
            d = e;
            break;
        case MDL_JITTER_EQUAL:
            d = e / 2 + uniform_between(0, e - e / 2, r);
            break;
        case MDL_JITTER_DECORRELATED: {
            sim_time base = base_of(cfg), cap = cap_of(cfg);
            sim_time p = (prev && *prev > 0) ? *prev : base;
            /* 3 * p cannot overflow: p <= max(cap, a Retry-After) << 2^61. */
            d = uniform_between(base, 3 * p, r);
            if (d > cap)
                d = cap;
            break;
        }
        case MDL_JITTER_FULL:
        default:
            d = uniform_between(0, e, r);
            break;
        }
    }
    if (prev)
        *prev = d;
    return d;
}
