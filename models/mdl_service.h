/*
 * mdl_service.h - a service-time distribution, as a scenario gives it: the
 * time one call takes at an endpoint's worker (api.service), or an event
 * subscriber's own processing of one event (subscribers[].processing).
 *
 * Kinds (mdl_spec_distribution, the `distribution` key):
 *   lognormal      through the median p50 and 95th percentile p95 a user
 *                  knows: mu = ln p50, sigma = (ln p95 - ln p50) / 1.6449
 *                  (the endpoints' default, unchanged);
 *   exponential    mean m (memoryless: with Poisson arrivals an endpoint is
 *                  M/M/c, checked against Erlang C in tests/validation);
 *   deterministic  always m;
 *   gamma          mean m and coefficient of variation cv: shape 1 / cv^2,
 *                  scale m cv^2; cv = 1 / sqrt(k) is Erlang-k, cv = 1 the
 *                  exponential, cv = 0 the constant m;
 *   empirical      the measured values of a CSV column (an APM export),
 *                  each equally likely: a draw picks one of the n values
 *                  uniformly (the empirical distribution function, i.e.
 *                  resampling the measurements); its mean is their mean and
 *                  its q-quantile the order statistic ceil(q n);
 *   none           no time at all (a subscriber that applies at once).
 * Durations are drawn in seconds and rounded to the microsecond by their
 * user.
 *
 * References: L. Kleinrock, "Queueing Systems", vol. 1 (1975), 3.5 (M/M/m);
 * A. M. Law, "Simulation Modeling and Analysis", 5th ed. (2015), 6.2.4
 * (empirical distributions), 6.2.2 (gamma, Erlang).
 * Checked by: tests/models/test_mdl_service.c; tests/validation (Erlang C).
 */
#ifndef MDL_SERVICE_H
#define MDL_SERVICE_H

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stddef.h>

#include "mdl_scenario.h"
#include "sim_err.h"
#include "sim_rng.h"

typedef struct mdl_service {
    int none;              /* no time: every draw is 0 */
    sim_dist dist;         /* the parametric kinds (unused when n > 0) */
    const double *samples; /* empirical: borrowed, ascending, seconds */
    size_t n;
} mdl_service;

/* The distribution of a spec: lognormal from spec->p50 / p95, the others
 * from mean / cv, empirical from samples (borrowed: they must outlive the
 * result). SIM_EINVAL (err says why) for values that make no sense: a
 * lognormal without p50 or with p95 < p50, a mean <= 0, an empirical
 * distribution without samples. */
int mdl_service_from_spec(const mdl_service_spec *spec, mdl_service *out, sim_err *err);
/* Fills what a spec leaves to derivation, from the lognormal through p50
 * and p95 (p95 0: p50; mu = ln p50, sigma = (ln p95 - ln p50) / 1.6449):
 * a mean of 0 becomes its mean p50 exp(sigma^2 / 2) (when p50 > 0), a cv
 * < 0 its cv sqrt(exp(sigma^2) - 1) (100% when p50 is 0). */
void mdl_service_spec_derive(mdl_service_spec *spec);
/* A plain sim_dist as a service. */
mdl_service mdl_service_of_dist(const sim_dist *d);

/* mdl_service_sample's general case (every kind). */
double mdl_service__sample(const mdl_service *s, gsl_rng *r);

/* One draw, seconds >= 0. Inline for the lognormal (the endpoints'
 * default, one draw per call): exp(mu + sigma z) with z from GSL's
 * ziggurat, the number sim_dist_sample gives, without the two calls and
 * the dispatch around it (a fifth of the draw's instructions); every
 * other kind goes through mdl_service__sample. */
static inline double mdl_service_sample(const mdl_service *s, gsl_rng *r)
{
    if (s->dist.kind == SIM_DIST_LOGNORMAL && !s->none && s->n == 0) {
        double x = exp(s->dist.a + gsl_ran_gaussian_ziggurat(r, s->dist.b));
        return x > 0 ? x : 0.0;
    }
    return mdl_service__sample(s, r);
}
double mdl_service_mean(const mdl_service *s);
/* The q-quantile (0 < q < 1). */
double mdl_service_quantile(const mdl_service *s, double q);

#endif
