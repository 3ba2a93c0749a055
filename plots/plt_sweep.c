/*
 * plt_sweep.c - the sweep chart; see plt_sweep.h.
 *
 * The points go into the script as a datablock, one block per metric, so
 * the CSV for people can stay in the plain long form. The datablock holds
 * numbers only: a row starts with the point's index into the array XLAB,
 * which holds the value texts as gnuplot string literals (plt_gnuplot.h).
 * A missing mean is written as NaN, which gnuplot skips; a missing
 * half-width as 0.
 */
#include "plt_sweep.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plt_buf.h"
#include "plt_file.h"
#include "plt_gnuplot.h"
#include "res_fmt.h"
#include "sim_alloc.h"

static int check(const plt_sweep *s, sim_err *err)
{
    if (!s || s->npoints < 1 || s->nseries < 1 || s->nmetrics < 1 || !s->xlabels || !s->metrics ||
        !s->mean)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "a sweep chart needs at least one point, series and metric");
    return SIM_OK;
}

static size_t at(const plt_sweep *s, int series, int point, int metric)
{
    return ((size_t)series * (size_t)s->npoints + (size_t)point) * (size_t)s->nmetrics +
           (size_t)metric;
}

static double hw_at(const plt_sweep *s, size_t i)
{
    return s->half_width ? s->half_width[i] : NAN;
}

static double x_of(const plt_sweep *s, int p)
{
    return s->x ? s->x[p] : (double)p;
}

static const char *text(const char *const *list, int i)
{
    return list && list[i] ? list[i] : "";
}

int plt_sweep_write_data(const plt_sweep *s, const char *dir, const char *name, sim_err *err)
{
    int rc = check(s, err);
    if (rc != SIM_OK)
        return rc;
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_puts(&b, "metric,unit,series,x,label,mean,half_width\n");
    for (int m = 0; m < s->nmetrics; m++)
        for (int k = 0; k < s->nseries; k++)
            for (int p = 0; p < s->npoints; p++) {
                size_t i = at(s, k, p, m);
                plt_buf_csv_field(&b, s->metrics[m]);
                plt_buf_puts(&b, ",");
                plt_buf_csv_field(&b, text(s->units, m));
                plt_buf_puts(&b, ",");
                plt_buf_csv_field(&b, text(s->series, k));
                plt_buf_csv_num(&b, x_of(s, p));
                plt_buf_puts(&b, ",");
                plt_buf_csv_field(&b, s->xlabels[p]);
                plt_buf_csv_num(&b, s->mean[i]);
                plt_buf_csv_num(&b, hw_at(s, i));
                plt_buf_puts(&b, "\n");
            }
    char file[300];
    snprintf(file, sizeof file, "series/%s.csv", name);
    rc = plt_buf_status(&b, err);
    if (rc == SIM_OK)
        rc = plt_file_write(dir, file, b.data, b.len, err);
    plt_buf_fini(&b);
    return rc;
}

static void quoted_array(plt_buf *b, const char *name, const char *const *list, int n)
{
    plt_buf_printf(b, "array %s[%d] = [", name, n);
    for (int i = 0; i < n; i++) {
        if (i)
            plt_buf_puts(b, ", ");
        plt_gnuplot_quote(b, text(list, i));
    }
    plt_buf_puts(b, "]\n");
}

/* How metric m is shown. Values are divided by `scale`, the axis says
 * `axis`: seconds in the largest readable unit of the panel, shares in
 * percent, anything else as it is. Its reference is drawn when it lies
 * within 5 times the largest value (`ref`, NaN otherwise): a 5-minute SLO
 * beside latencies of 700 ms would flatten them to a line at 0, so it is
 * named in the key as above the panel instead. `si`: SI prefixes on a
 * large count axis (1), with one decimal (2). */
typedef struct view {
    double scale, ref;
    char axis[32], ref_label[96];
    int si;
} view;

static void view_of(const plt_sweep *s, int m, view *w)
{
    const char *u = text(s->units, m);
    double top = 0.0, ref = s->ref ? s->ref[m] : NAN;
    for (int k = 0; k < s->nseries; k++)
        for (int p = 0; p < s->npoints; p++) {
            double x = s->mean[at(s, k, p, m)];
            top = isfinite(x) && fabs(x) > top ? fabs(x) : top;
        }
    const char *label = text(s->ref_label, m);
    snprintf(w->ref_label, sizeof w->ref_label, "%s", label);
    if (isfinite(ref) && top > 0 && ref > 5 * top) {
        snprintf(w->ref_label, sizeof w->ref_label, "%s (above the panel)", label);
        ref = NAN;
    }
    double span = isfinite(ref) && ref > top ? ref : top;
    w->scale = 1.0;
    snprintf(w->axis, sizeof w->axis, "%s", u);
    if (res_fmt_unit_is_share(u)) {
        w->scale = 0.01;
        snprintf(w->axis, sizeof w->axis, "%%");
    } else if (!strcmp(u, "s")) {
        const char *name;
        w->scale = res_fmt_duration_unit(span, &name);
        snprintf(w->axis, sizeof w->axis, "%s", name);
    }
    w->ref = isfinite(ref) ? ref / w->scale : NAN;
    /* SI prefixes for large counts; one decimal when the axis spans less
     * than 10 of its prefix (1.8M: ticks at 1.2M, 1.4M... that "%.0s"
     * would all print as 1M) */
    w->si = w->scale == 1.0 && span >= 10000 ? 1 + (res_fmt_si_mantissa(span) < 10.0) : 0;
}

int plt_sweep_draw(const plt_sweep *s, const char *dir, const char *name, const char *gnuplot,
                   sim_err *err)
{
    int rc = plt_sweep_write_data(s, dir, name, err);
    if (rc != SIM_OK)
        return rc;
    view *w = sim_calloc((size_t)s->nmetrics, sizeof *w);
    if (!w)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    for (int m = 0; m < s->nmetrics; m++)
        view_of(s, m, &w[m]);
    plt_buf v;
    plt_buf_init(&v);
    plt_buf_puts(&v, "$D << EOD\n");
    for (int m = 0; m < s->nmetrics; m++) {
        if (m > 0)
            plt_buf_puts(&v, "\n\n");
        for (int p = 0; p < s->npoints; p++) {
            plt_buf_printf(&v, "%d,%.10g", p + 1, x_of(s, p)); /* XLAB[p + 1], x */
            for (int k = 0; k < s->nseries; k++) {
                size_t i = at(s, k, p, m);
                double hw = hw_at(s, i);
                if (isfinite(s->mean[i]))
                    plt_buf_printf(&v, ",%.10g", s->mean[i] / w[m].scale);
                else
                    plt_buf_puts(&v, ",NaN");
                plt_buf_printf(&v, ",%.10g", isfinite(hw) ? hw / w[m].scale : 0.0);
            }
            plt_buf_puts(&v, "\n");
        }
    }
    plt_buf_puts(&v, "EOD\nTITLE = ");
    plt_gnuplot_quote(&v, s->title ? s->title : "Sweep");
    plt_buf_puts(&v, "\nXLABEL = ");
    plt_gnuplot_quote(&v, s->xlabel ? s->xlabel : "");
    plt_buf_printf(&v, "\nNM = %d\nNS = %d\nCATEGORICAL = %d\n", s->nmetrics, s->nseries,
                   s->x ? 0 : 1);
    quoted_array(&v, "XLAB", s->xlabels, s->npoints);
    quoted_array(&v, "MET", s->metrics, s->nmetrics);
    plt_buf_printf(&v, "array MUNIT[%d] = [", s->nmetrics);
    for (int m = 0; m < s->nmetrics; m++) {
        if (m)
            plt_buf_puts(&v, ", ");
        plt_gnuplot_quote(&v, w[m].axis);
    }
    plt_buf_printf(&v, "]\narray REF[%d] = [", s->nmetrics);
    for (int m = 0; m < s->nmetrics; m++)
        plt_buf_printf(&v, isfinite(w[m].ref) ? "%s%.10g" : "%sNaN", m ? ", " : "", w[m].ref);
    plt_buf_printf(&v, "]\narray MSI[%d] = [", s->nmetrics); /* large counts: SI prefixes */
    for (int m = 0; m < s->nmetrics; m++)
        plt_buf_printf(&v, "%s%d", m ? ", " : "", w[m].si);
    plt_buf_printf(&v, "]\narray REFL[%d] = [", s->nmetrics);
    for (int m = 0; m < s->nmetrics; m++) {
        if (m)
            plt_buf_puts(&v, ", ");
        plt_gnuplot_quote(&v, w[m].ref_label);
    }
    plt_buf_puts(&v, "]\n");
    plt_buf_printf(&v, "array NONNEG[%d] = [", s->nmetrics);
    for (int m = 0; m < s->nmetrics; m++) {
        int nonneg = 1;
        for (int k = 0; k < s->nseries; k++)
            for (int p = 0; p < s->npoints; p++) {
                size_t i = at(s, k, p, m);
                double hw = hw_at(s, i);
                if (isfinite(s->mean[i]) && s->mean[i] - (isfinite(hw) ? hw : 0.0) < 0)
                    nonneg = 0;
            }
        plt_buf_printf(&v, "%s%d", m ? ", " : "", nonneg);
    }
    plt_buf_puts(&v, "]\n");
    const char *one[1] = {""};
    quoted_array(&v, "SER", s->series ? s->series : one, s->nseries);
    /* x range: the points with a margin of 5% of the span (or of 1) */
    double lo = x_of(s, 0), hi = lo;
    for (int p = 1; p < s->npoints; p++) {
        lo = fmin(lo, x_of(s, p));
        hi = fmax(hi, x_of(s, p));
    }
    double pad = hi > lo ? 0.05 * (hi - lo) : 0.5;
    if (!s->x)
        pad = 0.5;
    int cols = s->nmetrics == 1 ? 1 : s->nmetrics <= 4 ? 2 : 3;
    int rows = (s->nmetrics + cols - 1) / cols;
    plt_buf_printf(&v, "XMIN = %.10g\nXMAX = %.10g\nROWS = %d\nCOLS = %d\n", lo - pad, hi + pad,
                   rows, cols);
    rc = plt_buf_status(&v, err);
    char *charts = rc == SIM_OK ? plt_file_join(dir, "charts") : NULL;
    if (rc == SIM_OK && !charts)
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SIM_OK)
        rc = plt_gnuplot_draw(gnuplot, charts, name, "sweep.gp", v.data, cols == 1 ? 900 : 1400,
                              90 + 330 * rows, PLT_PNG | PLT_SVG, err);
    sim_free(charts);
    plt_buf_fini(&v);
    sim_free(w);
    return rc;
}
