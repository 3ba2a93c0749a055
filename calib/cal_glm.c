/*
 * cal_glm.c - Poisson regression by IRLS; see cal_glm.h.
 *
 * The start is the least-squares fit of log(y + 0.5) (weights y + 0.5),
 * which is close for counts of any size; a handful of IRLS steps then
 * reach the maximum likelihood (Newton's method on a concave function).
 * Each step is solved by gsl_multifit_wlinear (an SVD: a rank-deficient X
 * is caught by its rank, not by a division by zero).
 */
#include "cal_glm.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_multifit.h>
#include <math.h>
#include <string.h>

#define MAX_ITER 100

double cal_glm_t95(int df)
{
    return df > 0 ? gsl_cdf_tdist_Qinv(0.025, df) : 1.959963984540054;
}

static double deviance_of(const double *y, const double *mu, int n)
{
    double d = 0.0;
    for (int i = 0; i < n; i++)
        d += (y[i] > 0.0 ? y[i] * log(y[i] / mu[i]) : 0.0) - (y[i] - mu[i]);
    return 2.0 * d;
}

int cal_glm_poisson(const double *x, const double *y, int n, int p, cal_glm *out, double *mu_out,
                    sim_err *err)
{
    if (p < 1 || p > CAL_GLM_MAX_P || n < p)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "glm: %d rows for %d coefficients", n, p);
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        if (!(y[i] >= 0.0))
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "glm: a negative count");
        sum += y[i];
    }
    if (!(sum > 0.0))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "glm: every count is 0");
    gsl_matrix *X = gsl_matrix_alloc((size_t)n, (size_t)p);
    gsl_vector *w = gsl_vector_alloc((size_t)n), *z = gsl_vector_alloc((size_t)n);
    gsl_vector *b = gsl_vector_alloc((size_t)p), *mu = gsl_vector_alloc((size_t)n);
    gsl_matrix *cov = gsl_matrix_alloc((size_t)p, (size_t)p);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc((size_t)n, (size_t)p);
    int rc = SIM_OK;
    if (!X || !w || !z || !b || !mu || !cov || !ws) {
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < p; j++)
            gsl_matrix_set(X, (size_t)i, (size_t)j, x[i * p + j]);
        gsl_vector_set(z, (size_t)i, log(y[i] + 0.5));
        gsl_vector_set(w, (size_t)i, y[i] + 0.5);
    }
    double chisq, dev = INFINITY;
    size_t rank;
    int it;
    for (it = 0; it < MAX_ITER; it++) {
        if (gsl_multifit_wlinear_tsvd(X, w, z, 1e-12, b, cov, &chisq, &rank, ws) ||
            rank < (size_t)p) {
            rc = sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                             "glm: the columns are not independent (rank %zu of %d)", rank, p);
            goto done;
        }
        /* the new means, weights and working response */
        double *ym = mu->data;
        for (int i = 0; i < n; i++) {
            double eta = 0.0;
            for (int j = 0; j < p; j++)
                eta += x[i * p + j] * gsl_vector_get(b, (size_t)j);
            if (eta > 700.0)
                eta = 700.0;
            ym[i] = exp(eta);
            gsl_vector_set(w, (size_t)i, ym[i] > 1e-300 ? ym[i] : 1e-300);
            gsl_vector_set(z, (size_t)i, eta + (y[i] - ym[i]) / (ym[i] > 1e-300 ? ym[i] : 1e-300));
        }
        double d = deviance_of(y, ym, n);
        if (fabs(d - dev) <= 1e-10 * (fabs(d) + 0.1))
            break;
        dev = d;
    }
    if (it == MAX_ITER) {
        rc = sim_err_set(err, SIM_ERANGE, NULL, 0, 0, "glm: no convergence in %d steps", MAX_ITER);
        goto done;
    }
    /* the covariance at the converged weights */
    gsl_multifit_wlinear_tsvd(X, w, z, 1e-12, b, cov, &chisq, &rank, ws);
    memset(out, 0, sizeof *out);
    out->n = n;
    out->p = p;
    out->df = n - p;
    out->iterations = it + 1;
    double pearson = 0.0;
    for (int i = 0; i < n; i++) {
        double m = mu->data[i];
        pearson += (y[i] - m) * (y[i] - m) / m;
    }
    out->phi = out->df > 0 ? pearson / out->df : 1.0;
    out->deviance = deviance_of(y, mu->data, n);
    double mean = sum / n, nd = 0.0;
    for (int i = 0; i < n; i++)
        nd += (y[i] > 0.0 ? y[i] * log(y[i] / mean) : 0.0) - (y[i] - mean);
    out->null_deviance = 2.0 * nd;
    for (int j = 0; j < p; j++) {
        out->beta[j] = gsl_vector_get(b, (size_t)j);
        for (int k = 0; k < p; k++)
            out->cov[j * p + k] = out->phi * gsl_matrix_get(cov, (size_t)j, (size_t)k);
    }
    if (mu_out)
        memcpy(mu_out, mu->data, (size_t)n * sizeof *mu_out);
done:
    gsl_multifit_linear_free(ws);
    gsl_matrix_free(cov);
    gsl_vector_free(mu);
    gsl_vector_free(b);
    gsl_vector_free(z);
    gsl_vector_free(w);
    gsl_matrix_free(X);
    return rc;
}
