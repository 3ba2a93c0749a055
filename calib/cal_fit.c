/*
 * cal_fit.c - the estimates of one group; see cal_fit.h for the model and
 * docs/calibration.md for the equations.
 *
 * The minute counts are summarised once into per-day tables (count per
 * hour, sum of squared minute counts per hour); every estimate then works
 * on those tables, so the cost is O(days x 1440) once plus O(days) per
 * regression round.
 */
#include "cal_fit.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal_glm.h"
#include "cal_time.h"
#include "sim_alloc.h"

#define ROUNDS  5
#define HOUR_US (60 * CAL_US_PER_MIN)
#define Z95     1.959963984540054
#define ZERO_UPPER                                                                                 \
    3.6888794541139363 /* -ln(0.025): the 95% upper bound of a Poisson mean seen as 0 */

const char *cal_day_kind_name(cal_day_kind k)
{
    static const char *const names[] = {"used", "gap", "spike", "low"};
    return (int)k >= 0 && (int)k < 4 ? names[k] : "?";
}

const char *cal_burst_name(cal_burst b)
{
    static const char *const names[] = {"unknown", "poisson", "bursty", "far-burstier"};
    return (int)b >= 0 && (int)b < 4 ? names[b] : "?";
}

static void note(cal_fit *f, const char *fmt, ...) SIM_PRINTF(2, 3);

static void note(cal_fit *f, const char *fmt, ...)
{
    if (f->nnotes == CAL_FIT_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->notes[f->nnotes++], sizeof f->notes[0], fmt, ap);
    va_end(ap);
}

static cal_ci ci_none(void)
{
    return (cal_ci){NAN, NAN, NAN};
}

/* The per-day tables: hour counts and sums of squared minute counts. */
typedef struct tables {
    double *hour; /* [ndays * 24] */
    double *sq;   /* [ndays * 24] */
} tables;

/* ---- step 2: the daily regression ---------------------------------------- */

/* tau of day i: months from the end of the log to the middle of the day. */
static double tau_of(const cal_fit *f, int i)
{
    return ((double)(f->days[i].day - f->end_day) + 0.5) / CAL_MONTH_DAYS;
}

typedef struct daily {
    int weekly, growth;   /* the model's terms */
    int col[7];           /* column of each weekday's indicator, -1: a zero weekday */
    int ncols;            /* weekday columns (or 1 intercept) */
    int zero_days[7];     /* used days of each weekday */
    double zero_total[7]; /* records of each weekday */
    cal_glm g;
    int ok;
} daily;

/* Which terms the log supports (no weekly term when flat is set). The
 * terms depend on the days that are not gaps, so flagging a spike never
 * changes the model; a weekday whose used days all have 0 records gets no
 * column (its weight is 0). */
static void choose_terms(const cal_fit *f, daily *m, int flat)
{
    int present[7] = {0}, days = 0;
    memset(m->zero_days, 0, sizeof m->zero_days);
    memset(m->zero_total, 0, sizeof m->zero_total);
    for (int i = 0; i < f->ndays; i++) {
        const cal_day *d = &f->days[i];
        if (d->kind == CAL_DAY_GAP)
            continue;
        present[d->weekday]++;
        days++;
        if (d->kind == CAL_DAY_USED) {
            m->zero_days[d->weekday]++;
            m->zero_total[d->weekday] += d->count;
        }
    }
    int every = 1;
    for (int w = 0; w < 7; w++)
        every &= present[w] >= 2;
    m->weekly = m->growth = !flat && days >= CAL_FIT_MIN_DAYS && every;
    m->ncols = 0;
    for (int w = 0; w < 7; w++)
        m->col[w] = !m->weekly ? 0 : m->zero_total[w] > 0 ? m->ncols++ : -1;
    if (!m->weekly)
        m->ncols = 1;
}

/* Fits the used days; writes fitted and trend of every day. */
static int fit_daily(cal_fit *f, daily *m, int flat, sim_err *err)
{
    choose_terms(f, m, flat);
    int p = m->ncols + m->growth, n = 0;
    double *x = sim_calloc((size_t)f->ndays * (size_t)p + 1, sizeof *x);
    double *y = sim_calloc((size_t)f->ndays + 1, sizeof *y);
    if (!x || !y) {
        sim_free(x);
        sim_free(y);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (int i = 0; i < f->ndays; i++) {
        const cal_day *d = &f->days[i];
        if (d->kind != CAL_DAY_USED || m->col[d->weekday] < 0)
            continue;
        x[n * p + m->col[d->weekday]] = 1.0;
        if (m->growth)
            x[n * p + m->ncols] = tau_of(f, i);
        y[n++] = d->count;
    }
    int rc = cal_glm_poisson(x, y, n, p, &m->g, NULL, err);
    sim_free(x);
    sim_free(y);
    m->ok = rc == SIM_OK;
    if (!m->ok)
        return rc;
    double beta = m->growth ? m->g.beta[m->ncols] : 0.0;
    double level = 0.0; /* the week-average level at the end of the log */
    for (int w = 0; w < 7; w++)
        level += m->col[w] < 0 ? 0.0 : exp(m->g.beta[m->col[w]]) / (m->weekly ? 7.0 : 1.0);
    if (!m->weekly)
        level = exp(m->g.beta[0]);
    for (int i = 0; i < f->ndays; i++) {
        cal_day *d = &f->days[i];
        double t = exp(beta * tau_of(f, i));
        int c = m->col[d->weekday];
        d->fitted = c < 0 ? 0.0 : exp(m->g.beta[c]) * t;
        d->trend = level * t;
    }
    return SIM_OK;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n), n >= 1 (v is sorted in place). */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Robust z of every day against the fit, and the days classified again
 * from scratch (a day flagged against a fit that a spike distorted is
 * used again once the spike is out). Returns how many days changed. */
static int flag_outliers(cal_fit *f)
{
    int n = 0;
    double *r = sim_calloc((size_t)f->ndays + 1, sizeof *r);
    if (!r)
        return 0;
    for (int i = 0; i < f->ndays; i++)
        if (f->days[i].kind == CAL_DAY_USED && f->days[i].fitted > 0.0)
            r[n++] = (f->days[i].count - f->days[i].fitted) / sqrt(f->days[i].fitted);
    if (n < 7) { /* too few days to tell an outlier */
        sim_free(r);
        return 0;
    }
    double med = median(r, n);
    for (int i = 0; i < n; i++)
        r[i] = fabs(r[i] - med);
    double mad = median(r, n);
    sim_free(r);
    /* 1.4826 MAD estimates the standard deviation of normal residuals; it
     * is never taken below 1, the standard deviation of Pearson residuals
     * of Poisson counts, so very regular data do not flag ordinary days */
    double s = 1.4826 * mad < 1.0 ? 1.0 : 1.4826 * mad;
    cal_day_kind *kind = sim_calloc((size_t)f->ndays, sizeof *kind);
    if (!kind)
        return 0;
    int used[7] = {0}, present[7] = {0};
    for (int i = 0; i < f->ndays; i++) {
        cal_day *d = &f->days[i];
        kind[i] = CAL_DAY_GAP;
        if (d->kind == CAL_DAY_GAP)
            continue;
        present[d->weekday]++;
        kind[i] = CAL_DAY_USED;
        d->z = d->fitted > 0.0 ? ((d->count - d->fitted) / sqrt(d->fitted) - med) / s : NAN;
        if (fabs(d->z) > CAL_FIT_OUTLIER_Z)
            kind[i] = d->z > 0 ? CAL_DAY_SPIKE : CAL_DAY_LOW;
        used[d->weekday] += kind[i] == CAL_DAY_USED;
    }
    /* a weekday keeps two used days (or all it has): its weight needs them */
    int changed = 0;
    f->days_used = 0;
    for (int i = 0; i < f->ndays; i++) {
        cal_day *d = &f->days[i];
        if (kind[i] != CAL_DAY_GAP && used[d->weekday] < 2 &&
            used[d->weekday] < present[d->weekday])
            kind[i] = CAL_DAY_USED;
        changed += kind[i] != d->kind;
        d->kind = kind[i];
        f->days_used += kind[i] == CAL_DAY_USED;
    }
    sim_free(kind);
    return changed;
}

/* A first guess of each day's count that one spike cannot distort: the
 * median of the days of its weekday (of all days when the log cannot
 * tell weekdays apart). Outliers are judged against it before the first
 * regression, which a spike would otherwise pull up (and every ordinary
 * day of its weekday would look low). */
static void robust_start(cal_fit *f)
{
    daily m;
    choose_terms(f, &m, 0);
    double *v = sim_calloc((size_t)f->ndays + 1, sizeof *v);
    if (!v)
        return;
    for (int w = 0; w < 7; w++) {
        int n = 0;
        for (int i = 0; i < f->ndays; i++)
            if (f->days[i].kind != CAL_DAY_GAP && (!m.weekly || f->days[i].weekday == w))
                v[n++] = f->days[i].count;
        double med = n ? median(v, n) : NAN;
        for (int i = 0; i < f->ndays; i++)
            if (f->days[i].kind != CAL_DAY_GAP && (!m.weekly || f->days[i].weekday == w))
                f->days[i].fitted = med;
    }
    sim_free(v);
}

/* Volume, weekly shape and growth with their intervals, from the final
 * daily model. */
static void daily_estimates(cal_fit *f, const daily *m)
{
    const cal_glm *g = &m->g;
    int p = g->p;
    double t = cal_glm_t95(g->df);
    f->day_dispersion = g->phi;
    if (!m->weekly) {
        double se = sqrt(g->cov[0]);
        f->volume = (cal_ci){exp(g->beta[0]), exp(g->beta[0] - t * se), exp(g->beta[0] + t * se)};
        return;
    }
    /* V = (1/7) sum exp(gamma_w); a_w = d log V / d gamma_w */
    double a[CAL_GLM_MAX_P] = {0}, v = 0.0;
    for (int w = 0; w < 7; w++)
        if (m->col[w] >= 0)
            v += exp(g->beta[m->col[w]]) / 7.0;
    for (int w = 0; w < 7; w++)
        if (m->col[w] >= 0)
            a[m->col[w]] = exp(g->beta[m->col[w]]) / 7.0 / v;
    double var_v = 0.0;
    for (int j = 0; j < p; j++)
        for (int k = 0; k < p; k++)
            var_v += a[j] * g->cov[j * p + k] * a[k];
    double se = sqrt(var_v);
    f->volume = (cal_ci){v, v * exp(-t * se), v * exp(t * se)};
    f->has_weekly = 1;
    for (int w = 0; w < 7; w++) {
        int c = m->col[w];
        if (c < 0) { /* no record on this weekday: 0, at most a zero count's bound */
            f->weekly[w] = (cal_ci){0.0, 0.0, ZERO_UPPER / m->zero_days[w] / v};
            continue;
        }
        /* log W_w = gamma_w - log V: gradient e_w - a */
        double var = g->cov[c * p + c];
        for (int j = 0; j < p; j++)
            var -= 2.0 * a[j] * g->cov[j * p + c];
        var += var_v;
        double est = exp(g->beta[c]) / v, sw = sqrt(var > 0.0 ? var : 0.0);
        f->weekly[w] = (cal_ci){est, est * exp(-t * sw), est * exp(t * sw)};
    }
    f->weekly_r2 = g->null_deviance > 0.0 ? 1.0 - g->deviance / g->null_deviance : NAN;
    if (m->growth) {
        double b = g->beta[m->ncols], sb = sqrt(g->cov[m->ncols * p + m->ncols]);
        f->has_growth = 1;
        f->growth = (cal_ci){expm1(b), expm1(b - t * sb), expm1(b + t * sb)};
        f->growth_p = sb > 0.0 ? 2.0 * gsl_cdf_tdist_Q(fabs(b / sb), g->df) : NAN;
    }
}

/* ---- step 4: the diurnal shape -------------------------------------------- */

/* Wilson's score interval for a share p of n (n may be fractional). */
static void wilson(double p, double n, double *lo, double *hi)
{
    double z2 = Z95 * Z95, den = 1.0 + z2 / n;
    double mid = (p + z2 / (2.0 * n)) / den;
    double half = Z95 * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / den;
    *lo = mid - half < 0.0 ? 0.0 : mid - half;
    *hi = mid + half > 1.0 ? 1.0 : mid + half;
}

static void diurnal(cal_fit *f, const tables *t, double beta_month)
{
    double nh[24] = {0}, total = 0.0;
    for (int i = 0; i < f->ndays; i++)
        if (f->days[i].kind == CAL_DAY_USED)
            for (int h = 0; h < 24; h++) {
                nh[h] += t->hour[i * 24 + h];
                total += t->hour[i * 24 + h];
            }
    double share[24], tilt[24], norm = 0.0;
    for (int h = 0; h < 24; h++) {
        share[h] = nh[h] / total;
        /* growth within the day: hour h's rate is (1+g)^((h+0.5)/24/M) higher */
        tilt[h] = exp(beta_month * (h + 0.5) / 24.0 / CAL_MONTH_DAYS);
        norm += share[h] / tilt[h];
    }
    /* Pearson dispersion of the hour x day table given the day totals */
    double chi2 = 0.0, dev_shape = 0.0, dev_flat = 0.0;
    int days = 0, hours = 0;
    for (int h = 0; h < 24; h++)
        hours += share[h] > 0.0;
    for (int i = 0; i < f->ndays; i++) {
        double nd = f->days[i].count;
        if (f->days[i].kind != CAL_DAY_USED || !(nd > 0.0))
            continue;
        days++;
        for (int h = 0; h < 24; h++) {
            double o = t->hour[i * 24 + h], e = nd * share[h], e0 = nd / 24.0;
            if (e > 0.0)
                chi2 += (o - e) * (o - e) / e;
            if (o > 0.0) {
                dev_shape += 2.0 * o * log(o / e);
                dev_flat += 2.0 * o * log(o / e0);
            }
        }
    }
    int df = (days - 1) * (hours - 1);
    double phi = df > 0 ? chi2 / df : 1.0;
    double n_eff = total / (phi > 0.0 ? phi : 1.0);
    f->has_diurnal = 1;
    f->hour_dispersion = phi;
    f->diurnal_r2 = dev_flat > 0.0 ? 1.0 - dev_shape / dev_flat : NAN;
    for (int h = 0; h < 24; h++) {
        double scale = 24.0 / tilt[h] / norm; /* H_h = scale * share_h */
        double lo, hi;
        wilson(share[h], n_eff, &lo, &hi);
        f->diurnal[h] = (cal_ci){scale * share[h], scale * lo, scale * hi};
    }
    /* the hour-of-week profile, observed and fitted */
    double n[168] = {0};
    for (int k = 0; k < 168; k++)
        f->week_obs[k] = f->week_fit[k] = 0.0;
    for (int i = 0; i < f->ndays; i++) {
        const cal_day *d = &f->days[i];
        if (d->kind != CAL_DAY_USED)
            continue;
        for (int h = 0; h < 24; h++) {
            int k = d->weekday * 24 + h;
            n[k]++;
            f->week_obs[k] += t->hour[i * 24 + h];
            f->week_fit[k] += (isfinite(d->fitted) ? d->fitted : d->count) * share[h];
        }
    }
    for (int k = 0; k < 168; k++) {
        f->week_obs[k] = n[k] > 0 ? f->week_obs[k] / n[k] : NAN;
        f->week_fit[k] = n[k] > 0 ? f->week_fit[k] / n[k] : NAN;
    }
}

/* ---- step 5: burstiness --------------------------------------------------- */

static void burstiness(cal_fit *f, const tables *t)
{
    double s = 0.0, m = 0.0, x2 = 0.0, df = 0.0;
    for (int i = 0; i < f->ndays; i++) {
        if (f->days[i].kind != CAL_DAY_USED)
            continue;
        for (int h = 0; h < 24; h++) {
            double sum = t->hour[i * 24 + h], mean = sum / 60.0;
            if (!(mean > 0.0))
                continue;
            double ss = t->sq[i * 24 + h] - 60.0 * mean * mean; /* sum (x - mean)^2 */
            s += ss;
            m += 59.0 * mean;
            x2 += ss / mean;
            df += 59.0;
        }
    }
    if (!(m > 0.0))
        return;
    f->burst_index = s / m;
    f->burst_p = gsl_cdf_chisq_Q(x2, df);
    f->burst = f->burst_p >= 1e-3 || f->burst_index < 1.2 ? CAL_BURST_POISSON
               : f->burst_index < 2.0                     ? CAL_BURST_SOME
                                                          : CAL_BURST_FAR;
}

/* ---- the group ------------------------------------------------------------- */

/* Step 1: the complete local days and their tables. */
static int read_days(const cal_minutes *mc, const cal_fit_opts *o, cal_fit *f, tables *t,
                     sim_err *err)
{
    int64_t off = (int64_t)o->local_min * CAL_US_PER_MIN;
    int64_t first = -cal_floor_div(-(o->from_us + off), CAL_US_PER_DAY); /* ceil */
    int64_t end = cal_floor_div(o->to_us + off, CAL_US_PER_DAY);
    if (end <= first)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "the log covers no whole day in local time (UTC%+d min)", o->local_min);
    f->ndays = (int)(end - first);
    f->end_day = end;
    f->days = sim_calloc((size_t)f->ndays, sizeof *f->days);
    t->hour = sim_calloc((size_t)f->ndays * 24, sizeof *t->hour);
    t->sq = sim_calloc((size_t)f->ndays * 24, sizeof *t->sq);
    uint32_t *minute = sim_calloc(1440, sizeof *minute);
    if (!f->days || !t->hour || !t->sq || !minute) {
        sim_free(minute);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (int i = 0; i < f->ndays; i++) {
        cal_day *d = &f->days[i];
        d->day = first + i;
        d->weekday = cal_weekday(d->day);
        d->fitted = d->trend = d->z = NAN;
        cal_minutes_copy(mc, d->day * 1440 - o->local_min, 1440, minute);
        for (int k = 0; k < 1440; k++) {
            double x = minute[k];
            t->hour[i * 24 + k / 60] += x;
            t->sq[i * 24 + k / 60] += x * x;
            d->count += x;
        }
    }
    sim_free(minute);
    /* gaps: a day without a record although its weekday averages >= 10 */
    double sum[7] = {0};
    int n[7] = {0};
    for (int i = 0; i < f->ndays; i++) {
        sum[f->days[i].weekday] += f->days[i].count;
        n[f->days[i].weekday]++;
    }
    for (int i = 0; i < f->ndays; i++) {
        cal_day *d = &f->days[i];
        if (d->count == 0.0 && n[d->weekday] > 1 &&
            sum[d->weekday] / (n[d->weekday] - 1) >= CAL_FIT_GAP_MEAN)
            d->kind = CAL_DAY_GAP;
        else
            f->days_used++;
    }
    return SIM_OK;
}

int cal_fit_group(const cal_minutes *mc, const cal_fit_opts *o, cal_fit *f, sim_err *err)
{
    memset(f, 0, sizeof *f);
    f->volume = f->growth = ci_none();
    f->day_dispersion = f->weekly_r2 = f->growth_p = NAN;
    f->diurnal_r2 = f->hour_dispersion = f->burst_index = f->burst_p = NAN;
    for (int k = 0; k < 168; k++)
        f->week_obs[k] = f->week_fit[k] = NAN;
    for (int w = 0; w < 7; w++)
        f->weekly[w] = ci_none();
    for (int h = 0; h < 24; h++)
        f->diurnal[h] = ci_none();
    if (o->bucket_us <= 0 || CAL_US_PER_DAY % o->bucket_us != 0)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "a time bucket of %g min does not divide a day",
                           (double)o->bucket_us / CAL_US_PER_MIN);
    tables t = {0};
    int rc = read_days(mc, o, f, &t, err);
    if (rc != SIM_OK)
        goto done;
    for (int i = 0; i < f->ndays; i++)
        if (f->days[i].kind == CAL_DAY_USED)
            f->records += f->days[i].count;
    if (f->days_used == 0 || !(f->records > 0.0)) {
        note(f, "no record in the %d whole day%s of the log", f->ndays, f->ndays == 1 ? "" : "s");
        goto done;
    }
    /* steps 2 and 3, alternated until no day changes */
    robust_start(f);
    flag_outliers(f);
    daily m;
    for (int round = 0;; round++) {
        sim_err e;
        sim_err_clear(&e);
        if ((rc = fit_daily(f, &m, 0, &e)) != SIM_OK && m.weekly) {
            note(f, "the weekly and growth regression failed (%s): a flat model is used", e.msg);
            rc = fit_daily(f, &m, 1, &e);
        }
        if (rc != SIM_OK) {
            if (err)
                *err = e;
            goto done;
        }
        if (round == ROUNDS || flag_outliers(f) == 0)
            break;
    }
    f->records = 0.0;
    for (int i = 0; i < f->ndays; i++)
        if (f->days[i].kind == CAL_DAY_USED)
            f->records += f->days[i].count;
    f->mean_per_day = f->records / f->days_used;
    daily_estimates(f, &m);
    if (!m.weekly)
        note(f,
             "weekly shape and growth need %d whole days with two of each weekday; the log has %d "
             "usable",
             CAL_FIT_MIN_DAYS, f->days_used);
    if (f->records < CAL_FIT_MIN_RECORDS) {
        note(f, "shapes need at least %d records; the log has %.0f", CAL_FIT_MIN_RECORDS,
             f->records);
        goto done;
    }
    double beta = m.growth ? m.g.beta[m.ncols] : 0.0;
    if (HOUR_US % o->bucket_us == 0)
        diurnal(f, &t, beta);
    else
        note(f, "the diurnal shape needs buckets of an hour or less; these are %g min",
             (double)o->bucket_us / CAL_US_PER_MIN);
    if (o->bucket_us == CAL_US_PER_MIN)
        burstiness(f, &t);
    else
        note(f, "burstiness needs a count per minute; the buckets are %g min",
             (double)o->bucket_us / CAL_US_PER_MIN);
done:
    sim_free(t.hour);
    sim_free(t.sq);
    if (rc != SIM_OK)
        cal_fit_fini(f);
    return rc;
}

void cal_fit_fini(cal_fit *f)
{
    if (!f)
        return;
    sim_free(f->days);
    f->days = NULL;
    f->ndays = 0;
}
