/*
 * cal_glm.h - a Poisson regression with a log link, and its quasi-Poisson
 * standard errors: the daily-count model of calibration.
 *
 *   y_i ~ Poisson(mu_i) in mean and variance-to-mean ratio phi,
 *   log mu_i = x_i . beta
 *
 * Fitted by iteratively reweighted least squares (McCullagh and Nelder,
 * "Generalized Linear Models", 2nd ed. 1989, ch. 2): with mu from the
 * current beta, regress the working response z = eta + (y - mu) / mu on X
 * with weights mu (gsl_multifit_wlinear), until the deviance stops
 * changing. The covariance of beta is phi (X' W X)^-1 at convergence, with
 * the dispersion phi estimated by Pearson's statistic,
 *
 *   phi = sum (y_i - mu_i)^2 / mu_i / (n - p)
 *
 * (quasi-likelihood, McCullagh and Nelder ch. 9): phi = 1 for
 * Poisson counts, larger when the counts vary more than Poisson (real
 * day-to-day variation); the confidence intervals widen by sqrt(phi) and
 * use Student's t with n - p degrees of freedom.
 *
 * Checked by: tests/calib/test_cal_glm.c.
 */
#ifndef CAL_GLM_H
#define CAL_GLM_H

#include "sim_err.h"

#define CAL_GLM_MAX_P 16

typedef struct cal_glm {
    int n, p;
    double beta[CAL_GLM_MAX_P];
    double cov[CAL_GLM_MAX_P * CAL_GLM_MAX_P]; /* phi (X'WX)^-1, row-major p x p */
    double phi;                                /* Pearson dispersion; 1 when n == p */
    double deviance;                           /* 2 sum [y log(y/mu) - (y - mu)] */
    double null_deviance;                      /* the same for mu = mean(y) */
    int df;                                    /* n - p */
    int iterations;
} cal_glm;

/* Fits y[0..n) on the rows of x (n x p, row-major) and writes each fitted
 * mean into mu (may be NULL). p <= CAL_GLM_MAX_P, n >= p, y >= 0 with a
 * positive sum. SIM_EINVAL for bad sizes or a rank-deficient X,
 * SIM_ERANGE when the iteration does not converge in 100 steps (e.g. a
 * coefficient heading to -infinity: a column whose y are all 0). */
int cal_glm_poisson(const double *x, const double *y, int n, int p, cal_glm *out, double *mu,
                    sim_err *err);

/* The two-sided 95% quantile of Student's t with df degrees of freedom
 * (the normal 1.96 for df <= 0, i.e. a known dispersion). */
double cal_glm_t95(int df);

#endif
