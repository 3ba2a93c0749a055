/*
 * mdl_service.c - service-time distributions (see mdl_service.h).
 */
#include "mdl_service.h"

#include <math.h>

void mdl_service_spec_derive(mdl_service_spec *spec)
{
    double p50 = sim_time_to_seconds(spec->p50), p95 = sim_time_to_seconds(spec->p95);
    if (p95 < p50)
        p95 = p50;
    double sigma = p50 > 0 ? (log(p95) - log(p50)) / 1.6448536269514722 : 0.0;
    if (spec->mean <= 0 && p50 > 0)
        spec->mean = sim_time_clamp_seconds(p50 * exp(0.5 * sigma * sigma));
    if (spec->cv < 0)
        spec->cv = p50 > 0 ? sqrt(expm1(sigma * sigma)) : 1.0;
}

mdl_service mdl_service_of_dist(const sim_dist *d)
{
    mdl_service s = {.dist = *d};
    return s;
}

int mdl_service_from_spec(const mdl_service_spec *spec, mdl_service *out, sim_err *err)
{
    mdl_service s = {0};
    double mean = sim_time_to_seconds(spec->mean);
    int rc = SIM_OK;
    switch (spec->distribution) {
    case MDL_SPEC_DIST_NONE:
        s.none = 1;
        break;
    case MDL_SPEC_DIST_LOGNORMAL:
        rc = sim_dist_lognormal_median_p95(sim_time_to_seconds(spec->p50),
                                           sim_time_to_seconds(spec->p95), &s.dist, err);
        break;
    case MDL_SPEC_DIST_EXPONENTIAL:
        rc = sim_dist_exponential(mean, &s.dist, err);
        break;
    case MDL_SPEC_DIST_DETERMINISTIC:
        rc = mean > 0 ? sim_dist_const(mean, &s.dist, err)
                      : sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "service: mean must be > 0");
        break;
    case MDL_SPEC_DIST_GAMMA:
        rc = sim_dist_gamma_mean_cv(mean, spec->cv, &s.dist, err);
        break;
    case MDL_SPEC_DIST_EMPIRICAL:
        if (!spec->samples || spec->nsamples < 1)
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "service: an empirical distribution needs measured values");
        s.samples = spec->samples;
        s.n = (size_t)spec->nsamples;
        break;
    default:
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "service: unknown distribution %d",
                           (int)spec->distribution);
    }
    if (rc != SIM_OK)
        return rc;
    if (!s.none && s.n == 0 && !(mean > 0) && spec->distribution != MDL_SPEC_DIST_LOGNORMAL)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "service: mean must be > 0");
    *out = s;
    return SIM_OK;
}

double mdl_service__sample(const mdl_service *s, gsl_rng *r)
{
    if (s->none)
        return 0.0;
    if (s->n > 0) {
        size_t i = (size_t)(sim_rng_uniform(r) * (double)s->n); /* uniform in [0, n) */
        return s->samples[i < s->n ? i : s->n - 1];
    }
    double x = sim_dist_sample(&s->dist, r);
    return x > 0 ? x : 0.0;
}

double mdl_service_mean(const mdl_service *s)
{
    if (s->none)
        return 0.0;
    if (s->n > 0) {
        double sum = 0.0;
        for (size_t i = 0; i < s->n; i++)
            sum += s->samples[i];
        return sum / (double)s->n;
    }
    return sim_dist_mean(&s->dist);
}

double mdl_service_quantile(const mdl_service *s, double q)
{
    if (!(q > 0.0 && q < 1.0))
        return NAN;
    if (s->none)
        return 0.0;
    if (s->n > 0) {
        size_t k = (size_t)ceil(q * (double)s->n); /* 1-based rank */
        return s->samples[(k < 1 ? 1 : k) - 1];
    }
    return sim_dist_quantile(&s->dist, q);
}
