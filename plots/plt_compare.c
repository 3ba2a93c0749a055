/*
 * plt_compare.c - the comparison chart; see plt_compare.h.
 *
 * The bars are drawn from a datablock written into the script, one block
 * per panel (unit), so the CSV for people can stay in the plain long form.
 * The datablock holds numbers only: the metrics' labels and the texts
 * written at the bars' ends are gnuplot string literals in the arrays MLAB
 * and VTXT (plt_gnuplot.h), which a row refers to by index, so no text is
 * ever read as data or as a command.
 */
#include "plt_compare.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plt_buf.h"
#include "plt_file.h"
#include "plt_gnuplot.h"
#include "res_fmt.h"
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

/* How a panel is drawn: its scale (values are divided by it), its axis
 * label, and whether its axis is logarithmic from xmin. */
typedef struct panel {
    int first, rows, filled;
    double scale;
    char axis[96];
    int log;
    double xmin, xmax;
} panel;

static double value(const plt_compare *c, int k, int m)
{
    return c->mean[k * c->nmetrics + m];
}

static double hw_of(const plt_compare *c, int k, int m)
{
    return c->half_width ? c->half_width[k * c->nmetrics + m] : NAN;
}

/* A duration panel takes the unit of its largest value (res_fmt's rule). */
static void duration_scale(double top, panel *p)
{
    const char *name;
    p->scale = res_fmt_duration_unit(top, &name);
    snprintf(p->axis, sizeof p->axis, "%s", name);
}

static void layout(const plt_compare *c, const int *panel_of, int np, const int *first, panel *ps)
{
    for (int p = 0; p < np; p++) {
        panel *q = &ps[p];
        memset(q, 0, sizeof *q);
        q->first = first[p];
        q->scale = 1.0;
        const char *u = unit_of(c, first[p]);
        snprintf(q->axis, sizeof q->axis, "%s", u[0] ? u : "value");
        double top = 0.0, low = INFINITY;
        for (int m = 0; m < c->nmetrics; m++) {
            if (panel_of[m] != p)
                continue;
            q->rows++;
            for (int k = 0; k < c->nvariants; k++) {
                double x = value(c, k, m), h = hw_of(c, k, m);
                if (!isfinite(x))
                    continue;
                double hi = x + (isfinite(h) ? h : 0.0);
                top = hi > top ? hi : top;
                if (x > 0 && x < low)
                    low = x;
            }
            double ref = c->ref ? c->ref[m] : NAN;
            top = isfinite(ref) && ref > top ? ref : top;
        }
        for (int l = 0; l < c->nlines; l++) { /* lines are values to show too */
            double x = c->lines[l].value;
            if (strcmp(c->lines[l].unit, u) != 0)
                continue;
            top = x > top ? x : top;
            low = x > 0 && x < low ? x : low;
        }
        if (!strcmp(u, "s"))
            duration_scale(top, q);
        top /= q->scale;
        low /= q->scale;
        q->log = isfinite(low) && top / low > 50.0;
        if (q->log && !strcmp(u, "s")) /* its ticks are durations (duration_ticks) */
            snprintf(q->axis, sizeof q->axis, "duration (logarithmic scale)");
        if (q->log) {
            q->xmin = pow(10.0, floor(log10(low)) - 0.3);
            q->xmax = pow(10.0, ceil(log10(top) + 0.35));
        } else {
            q->xmin = 0.0;
            q->xmax = top > 0 ? top * 1.22 : 1.0;
        }
    }
}

/* The ticks of a logarithmic duration panel: durations a reader knows,
 * about a power of ten apart, at their place in the panel's unit; a
 * number like 0.0001 hours says nothing. */
static const struct {
    double s;
    const char *label;
} duration_marks[] = {{1e-6, "1 us"},  {1e-5, "10 us"}, {1e-4, "100 us"}, {1e-3, "1 ms"},
                      {1e-2, "10 ms"}, {0.1, "100 ms"}, {1, "1 s"},       {10, "10 s"},
                      {60, "1 min"},   {600, "10 min"}, {3600, "1 h"},    {36000, "10 h"},
                      {864000, "10 d"}};

static int duration_ticks(const plt_compare *c, const panel *q)
{
    int n = 0;
    if (!q->log || strcmp(unit_of(c, q->first), "s") != 0)
        return 0;
    for (size_t i = 0; i < sizeof duration_marks / sizeof duration_marks[0]; i++) {
        double x = duration_marks[i].s / q->scale;
        n += x >= q->xmin && x <= q->xmax;
    }
    return n;
}

/* v with `sig` significant digits, never with an exponent (%g writes
 * one below 1e-4: 8.3e-05 is written 0.000083). */
static void no_exponent(double v, int sig, char *buf, size_t n)
{
    if (!isfinite(v) || v == 0 || fabs(v) >= 1e-4) {
        snprintf(buf, n, "%.*g", sig, v);
        return;
    }
    int d = sig - 1 - (int)floor(log10(fabs(v)));
    snprintf(buf, n, "%.*f", d > 12 ? 12 : d, v);
}

/* The text at a bar's end: "21.9 h ± 20 min", "452% ± 0.3 pts",
 * "0.0535% ± 0.000083 pts", "12,345": a half-width of a percentage is in
 * percentage points, as the summary writes it, and never an exponent. */
static void bar_text(const char *unit, double x, double h, char *buf, size_t n)
{
    if (!isfinite(x))
        snprintf(buf, n, "n/a");
    else if (!strcmp(unit, "s"))
        res_fmt_duration_ci(x, h, buf, n);
    else if (strchr(unit, '%')) {
        char a[24], b[24]; /* with the text around them, within buf's 64 */
        if (fabs(x) >= 100)
            snprintf(a, sizeof a, "%.0f", x);
        else
            no_exponent(x, 3, a, sizeof a);
        if (!(isfinite(h) && h > 0)) { /* one replication: no half-width */
            snprintf(buf, n, "%s%%", a);
            return;
        }
        if (h >= 100)
            snprintf(b, sizeof b, "%.0f", h);
        else
            no_exponent(h, 2, b, sizeof b);
        snprintf(buf, n, "%s%% ± %s pts", a, b);
    } else
        res_fmt_value_ci(x, h, unit, buf, n);
}

int plt_compare_draw(const plt_compare *c, const char *dir, const char *name, const char *gnuplot,
                     sim_err *err)
{
    int rc = plt_compare_write_data(c, dir, name, err);
    if (rc != SIM_OK)
        return rc;
    int nm = c->nmetrics, nv = c->nvariants;
    int *panel_of = sim_calloc((size_t)nm, sizeof *panel_of); /* panel of each metric */
    int *first = sim_calloc((size_t)nm, sizeof *first);       /* first metric of each panel */
    int *row = sim_calloc((size_t)nm, sizeof *row);           /* row of each metric in its panel */
    panel *ps = sim_calloc((size_t)nm, sizeof *ps);
    if (!panel_of || !first || !row || !ps) {
        sim_free(panel_of);
        sim_free(first);
        sim_free(row);
        sim_free(ps);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int np = 0;
    for (int m = 0; m < nm; m++) {
        int p = 0;
        while (p < np && strcmp(unit_of(c, first[p]), unit_of(c, m)) != 0)
            p++;
        if (p == np)
            first[np++] = m;
        panel_of[m] = p;
    }
    layout(c, panel_of, np, first, ps);
    for (int m = 0; m < nm; m++) /* rows in metric order within each panel */
        row[m] = ps[panel_of[m]].filled++;

    plt_buf v, txt;
    plt_buf_init(&v);
    plt_buf_init(&txt);
    int ntxt = 0;
    /* per panel: y, x0, x1, y0, y1, variant, mean, lo, hi, text (its index
     * in VTXT), ref, text x */
    plt_buf_puts(&v, "$D << EOD\n");
    double bar = 0.8 / nv;
    for (int p = 0; p < np; p++) {
        const panel *q = &ps[p];
        if (p > 0)
            plt_buf_puts(&v, "\n\n");
        for (int m = 0; m < nm; m++) {
            if (panel_of[m] != p)
                continue;
            for (int k = 0; k < nv; k++) {
                double x = value(c, k, m), h = hw_of(c, k, m);
                double y = row[m] - 0.4 + bar * (k + 0.5);
                double xs = x / q->scale, hs = isfinite(h) ? h / q->scale : 0.0;
                double x0 = q->log ? q->xmin : 0.0;
                double x1 = !isfinite(xs) ? x0 : q->log && xs < q->xmin ? q->xmin : xs;
                double lo = xs - hs, hi = xs + hs;
                if (q->log && lo < q->xmin)
                    lo = q->xmin;
                char text[64];
                bar_text(unit_of(c, m), x, h, text, sizeof text);
                plt_buf_puts(&txt, ntxt ? ", " : "");
                plt_gnuplot_quote(&txt, text);
                double ref = c->ref && k == 0 ? c->ref[m] / q->scale : NAN;
                plt_buf_printf(&v, "%.10g,%.10g,%.10g,%.10g,%.10g,%d,", y, x0, x1, y - bar / 2,
                               y + bar / 2, k + 1);
                if (isfinite(xs) && isfinite(h) && h > 0)
                    plt_buf_printf(&v, "%.10g,%.10g,%.10g,", xs, lo, hi);
                else
                    plt_buf_puts(&v, "NaN,NaN,NaN,");
                plt_buf_printf(&v, "%d", ++ntxt); /* VTXT[ntxt] */
                double tx = isfinite(xs) && isfinite(h) && h > 0 && hi > x1 ? hi : x1;
                plt_buf_printf(&v, isfinite(ref) ? ",%.10g" : ",NaN", ref);
                plt_buf_printf(&v, ",%.10g\n", tx);
            }
        }
    }
    plt_buf_printf(&v, "EOD\narray VTXT[%d] = [", ntxt > 0 ? ntxt : 1);
    plt_buf_put(&v, txt.data ? txt.data : "", txt.len);
    plt_buf_puts(&v, ntxt > 0 ? "]\nTITLE = " : "'']\nTITLE = ");
    if (txt.failed)
        v.failed = 1;
    plt_buf_fini(&txt);
    plt_gnuplot_quote(&v, c->title ? c->title : "Comparison");
    plt_buf_printf(&v, "\nNP = %d\nNV = %d\nNM = %d\n", np, nv, nm);
    plt_buf_printf(&v, "array PUNIT[%d] = [", np);
    for (int p = 0; p < np; p++) {
        if (p)
            plt_buf_puts(&v, ", ");
        plt_gnuplot_quote(&v, ps[p].axis);
    }
    plt_buf_printf(&v, "]\narray VAR[%d] = [", nv);
    for (int k = 0; k < nv; k++) {
        if (k)
            plt_buf_puts(&v, ", ");
        plt_gnuplot_quote(&v, c->variants[k]);
    }
    plt_buf_printf(&v, "]\narray MLAB[%d] = [", nm);
    for (int m = 0; m < nm; m++) {
        if (m)
            plt_buf_puts(&v, ", ");
        plt_gnuplot_quote(&v, c->metrics[m]);
    }
    plt_buf_printf(&v, "]\narray MPANEL[%d]\narray MROW[%d]\n", nm, nm);
    for (int m = 0; m < nm; m++)
        plt_buf_printf(&v, "MPANEL[%d] = %d\nMROW[%d] = %d\n", m + 1, panel_of[m] + 1, m + 1,
                       row[m]);
    /* panels stacked, each as tall as its rows need; sizes are fractions
     * of the whole, from the top */
    int height = 70;
    for (int p = 0; p < np; p++)
        height += 95 + ps[p].rows * (16 * nv + 16);
    plt_buf_printf(&v,
                   "array PLOG[%d]\narray XMIN[%d]\narray XMAX[%d]\narray PROWS[%d]\n"
                   "array PY[%d]\narray PH[%d]\n",
                   np, np, np, np, np, np);
    double y = 1.0 - 60.0 / height;
    for (int p = 0; p < np; p++) {
        double h = (95.0 + ps[p].rows * (16 * nv + 16)) / height;
        y -= h;
        plt_buf_printf(&v, "PLOG[%d] = %d\nXMIN[%d] = %.10g\nXMAX[%d] = %.10g\nPROWS[%d] = %d\n",
                       p + 1, ps[p].log, p + 1, ps[p].xmin, p + 1, ps[p].xmax, p + 1, ps[p].rows);
        plt_buf_printf(&v, "PY[%d] = %.6f\nPH[%d] = %.6f\n", p + 1, y, p + 1, h);
    }
    /* reference lines, each in every panel of its unit */
    int nr = 0;
    for (int l = 0; l < c->nlines; l++)
        for (int p = 0; p < np; p++)
            nr += !strcmp(c->lines[l].unit, unit_of(c, first[p]));
    plt_buf_printf(&v, "NR = %d\narray REFP[%d]\narray REFX[%d]\narray REFW[%d]\narray REFL[%d]\n",
                   nr, nr > 0 ? nr : 1, nr > 0 ? nr : 1, nr > 0 ? nr : 1, nr > 0 ? nr : 1);
    int j = 0;
    for (int l = 0; l < c->nlines; l++)
        for (int p = 0; p < np; p++) {
            if (strcmp(c->lines[l].unit, unit_of(c, first[p])) != 0)
                continue;
            j++;
            plt_buf_printf(&v, "REFP[%d] = %d\nREFX[%d] = %.10g\nREFW[%d] = %d\nREFL[%d] = ", j,
                           p + 1, j, c->lines[l].value / ps[p].scale, j, c->lines[l].warn, j);
            plt_gnuplot_quote(&v, c->lines[l].label);
            plt_buf_puts(&v, "\n");
        }
    int any_ref = 0;
    plt_buf_printf(&v, "array PREF[%d]\n", np);
    for (int p = 0; p < np; p++) {
        int has = 0;
        for (int m = 0; c->ref && m < nm; m++)
            has |= panel_of[m] == p && isfinite(c->ref[m]);
        plt_buf_printf(&v, "PREF[%d] = %d\n", p + 1, has);
        any_ref |= has;
    }
    /* counts: SI prefixes on the axis (1), with one decimal (2) when a
     * linear axis spans less than 10 of its prefix (ticks at 1.2M, 1.4M) */
    plt_buf_printf(&v, "array PSI[%d]\n", np);
    for (int p = 0; p < np; p++) {
        int si = strcmp(unit_of(c, first[p]), "s") != 0 && !strchr(unit_of(c, first[p]), '%') &&
                 (ps[p].xmax >= 10000 || ps[p].log);
        if (si && !ps[p].log && res_fmt_si_mantissa(ps[p].xmax) < 10.0)
            si = 2;
        plt_buf_printf(&v, "PSI[%d] = %d\n", p + 1, si);
    }
    int nt = 0;
    for (int p = 0; p < np; p++)
        nt += duration_ticks(c, &ps[p]);
    plt_buf_printf(&v, "NT = %d\narray PTIC[%d]\narray TICP[%d]\narray TICX[%d]\narray TICL[%d]\n",
                   nt, np, nt > 0 ? nt : 1, nt > 0 ? nt : 1, nt > 0 ? nt : 1);
    for (int p = 0, t = 0; p < np; p++) {
        plt_buf_printf(&v, "PTIC[%d] = %d\n", p + 1, duration_ticks(c, &ps[p]) > 0);
        for (size_t i = 0;
             duration_ticks(c, &ps[p]) > 0 && i < sizeof duration_marks / sizeof duration_marks[0];
             i++) {
            double x = duration_marks[i].s / ps[p].scale;
            if (x < ps[p].xmin || x > ps[p].xmax)
                continue;
            t++;
            plt_buf_printf(&v, "TICP[%d] = %d\nTICX[%d] = %.10g\nTICL[%d] = ", t, p + 1, t, x, t);
            plt_gnuplot_quote(&v, duration_marks[i].label);
            plt_buf_puts(&v, "\n");
        }
    }
    plt_buf_puts(&v, "REFKEY = ");
    plt_gnuplot_quote(&v, any_ref && c->ref_label ? c->ref_label : "");
    plt_buf_puts(&v, "\n");
    rc = plt_buf_status(&v, err);
    char *charts = rc == SIM_OK ? plt_file_join(dir, "charts") : NULL;
    if (rc == SIM_OK && !charts)
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SIM_OK)
        rc = plt_gnuplot_draw(gnuplot, charts, name, "compare.gp", v.data, 1280, height,
                              PLT_PNG | PLT_SVG, err);
    sim_free(charts);
    plt_buf_fini(&v);
    sim_free(panel_of);
    sim_free(first);
    sim_free(row);
    sim_free(ps);
    return rc;
}
