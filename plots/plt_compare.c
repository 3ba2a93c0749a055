/*
 * plt_compare.c - the comparison chart; see plt_compare.h.
 *
 * The bars are drawn from a datablock written into the script, one block
 * per panel (unit), so the CSV for people can stay in the plain long form.
 * The datablock holds numbers only: a row starts with the metric's index
 * into the array MLAB, which holds the labels as gnuplot string literals
 * (plt_gnuplot.h), so no label is ever read as data or as a command.
 */
#include "plt_compare.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plt_buf.h"
#include "plt_file.h"
#include "plt_gnuplot.h"
#include "sim_alloc.h"

static int check(const plt_compare *c, sim_err *err)
{
    if (!c || c->nvariants < 1 || c->nmetrics < 1 || !c->variants || !c->metrics || !c->mean)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "a comparison needs at least one variant and one metric");
    return SIM_OK;
}

int plt_compare_write_data(const plt_compare *c, const char *dir, const char *name, sim_err *err)
{
    int rc = check(c, err);
    if (rc != SIM_OK)
        return rc;
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_puts(&b, "metric,unit,variant,mean,half_width\n");
    for (int m = 0; m < c->nmetrics; m++)
        for (int v = 0; v < c->nvariants; v++) {
            plt_buf_csv_field(&b, c->metrics[m]);
            plt_buf_puts(&b, ",");
            plt_buf_csv_field(&b, c->units && c->units[m] ? c->units[m] : "");
            plt_buf_puts(&b, ",");
            plt_buf_csv_field(&b, c->variants[v]);
            plt_buf_csv_num(&b, c->mean[v * c->nmetrics + m]);
            plt_buf_csv_num(&b, c->half_width ? c->half_width[v * c->nmetrics + m] : NAN);
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

static const char *unit_of(const plt_compare *c, int m)
{
    return c->units && c->units[m] ? c->units[m] : "";
}

int plt_compare_draw(const plt_compare *c, const char *dir, const char *name, const char *gnuplot,
                     sim_err *err)
{
    int rc = plt_compare_write_data(c, dir, name, err);
    if (rc != SIM_OK)
        return rc;
    int nm = c->nmetrics, nv = c->nvariants;
    int *panel = sim_calloc((size_t)nm, sizeof *panel); /* panel of each metric */
    int *first = sim_calloc((size_t)nm, sizeof *first); /* first metric of each panel */
    if (!panel || !first) {
        sim_free(panel);
        sim_free(first);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int np = 0;
    for (int m = 0; m < nm; m++) {
        int p = 0;
        while (p < np && strcmp(unit_of(c, first[p]), unit_of(c, m)) != 0)
            p++;
        if (p == np)
            first[np++] = m;
        panel[m] = p;
    }
    plt_buf v;
    plt_buf_init(&v);
    plt_buf_puts(&v, "$D << EOD\n");
    for (int p = 0; p < np; p++) {
        if (p > 0)
            plt_buf_puts(&v, "\n\n");
        for (int m = 0; m < nm; m++) {
            if (panel[m] != p)
                continue;
            plt_buf_printf(&v, "%d", m + 1); /* MLAB[m + 1] */
            for (int k = 0; k < nv; k++) {
                double mean = c->mean[k * nm + m];
                double hw = c->half_width ? c->half_width[k * nm + m] : NAN;
                plt_buf_printf(&v, ",%.10g,%.10g", isfinite(mean) ? mean : 0.0,
                               isfinite(hw) ? hw : 0.0);
            }
            plt_buf_puts(&v, "\n");
        }
    }
    plt_buf_puts(&v, "EOD\nTITLE = ");
    plt_gnuplot_quote(&v, c->title ? c->title : "Comparison");
    plt_buf_printf(&v, "\nNP = %d\nNV = %d\narray PUNIT[%d] = [", np, nv, np);
    for (int p = 0; p < np; p++) {
        if (p)
            plt_buf_puts(&v, ", ");
        plt_gnuplot_quote(&v, unit_of(c, first[p])[0] ? unit_of(c, first[p]) : "value");
    }
    plt_buf_printf(&v, "]\narray MLAB[%d] = [", nm);
    for (int m = 0; m < nm; m++) {
        if (m)
            plt_buf_puts(&v, ", ");
        plt_gnuplot_quote(&v, c->metrics[m]);
    }
    plt_buf_printf(&v, "]\narray VAR[%d] = [", nv);
    for (int k = 0; k < nv; k++) {
        if (k)
            plt_buf_puts(&v, ", ");
        plt_gnuplot_quote(&v, c->variants[k]);
    }
    plt_buf_puts(&v, "]\n");
    /* y range per panel: from min(0, lowest whisker) to the highest one */
    plt_buf_printf(&v, "array YMIN[%d]\narray YMAX[%d]\n", np, np);
    for (int p = 0; p < np; p++) {
        double lo = 0.0, hi = 0.0;
        for (int m = 0; m < nm; m++)
            for (int k = 0; panel[m] == p && k < nv; k++) {
                double mean = c->mean[k * nm + m];
                double hw = c->half_width ? c->half_width[k * nm + m] : NAN;
                if (!isfinite(mean))
                    continue;
                double w = isfinite(hw) ? hw : 0.0;
                lo = mean - w < lo ? mean - w : lo;
                hi = mean + w > hi ? mean + w : hi;
            }
        if (hi <= lo)
            hi = lo + 1.0;
        double pad = 0.08 * (hi - lo);
        plt_buf_printf(&v, "YMIN[%d] = %.10g\nYMAX[%d] = %.10g\n", p + 1, lo < 0 ? lo - pad : 0.0,
                       p + 1, hi + pad);
    }
    rc = plt_buf_status(&v, err);
    char *charts = rc == SIM_OK ? plt_file_join(dir, "charts") : NULL;
    if (rc == SIM_OK && !charts)
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SIM_OK)
        rc = plt_gnuplot_draw(gnuplot, charts, name, "compare.gp", v.data, 1280, 120 + 330 * np,
                              PLT_PNG | PLT_SVG, err);
    sim_free(charts);
    plt_buf_fini(&v);
    sim_free(panel);
    sim_free(first);
    return rc;
}
