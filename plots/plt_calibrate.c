/*
 * plt_calibrate.c - the calibration chart; see plt_calibrate.h.
 */
#include "plt_calibrate.h"

#include <math.h>
#include <stdio.h>

#include "plt_buf.h"
#include "plt_file.h"
#include "plt_gnuplot.h"
#include "sim_alloc.h"

static int check(const plt_calibrate *c, sim_err *err)
{
    if (!c || c->ndays < 1 || !c->dates || !c->count || !c->fitted || !c->trend || !c->kind ||
        (c->has_week && (!c->week_obs || !c->week_fit)))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "a calibration chart needs its days");
    return SIM_OK;
}

static int write_file(plt_buf *b, const char *dir, const char *name, const char *suffix,
                      sim_err *err)
{
    char file[300];
    snprintf(file, sizeof file, "series/%s-%s.csv", name, suffix);
    int rc = plt_buf_status(b, err);
    if (rc == SIM_OK)
        rc = plt_file_write(dir, file, b->data, b->len, err);
    plt_buf_fini(b);
    return rc;
}

int plt_calibrate_write_data(const plt_calibrate *c, const char *dir, const char *name,
                             sim_err *err)
{
    int rc = check(c, err);
    if (rc != SIM_OK)
        return rc;
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_puts(&b, "hour_of_week,observed,fitted\n");
    for (int k = 0; k < 168 && c->has_week; k++) {
        plt_buf_printf(&b, "%d", k);
        plt_buf_csv_num(&b, c->week_obs[k]);
        plt_buf_csv_num(&b, c->week_fit[k]);
        plt_buf_puts(&b, "\n");
    }
    if ((rc = write_file(&b, dir, name, "week", err)) != SIM_OK)
        return rc;
    plt_buf_init(&b);
    plt_buf_puts(&b, "day,date,count,fitted,trend,kind\n");
    for (int i = 0; i < c->ndays; i++) {
        plt_buf_printf(&b, "%d,", i);
        plt_buf_csv_field(&b, c->dates[i]);
        plt_buf_csv_num(&b, c->count[i]);
        plt_buf_csv_num(&b, c->fitted[i]);
        plt_buf_csv_num(&b, c->trend[i]);
        plt_buf_printf(&b, ",%d\n", c->kind[i]);
    }
    return write_file(&b, dir, name, "days", err);
}

/* NAME = "text" as a gnuplot literal. */
static void var_str(plt_buf *b, const char *name, const char *text)
{
    plt_buf_printf(b, "%s = ", name);
    plt_gnuplot_quote(b, text ? text : "");
    plt_buf_puts(b, "\n");
}

/* NAME = the path of dir/series/<stem>-<suffix>.csv as a literal. */
static void var_path(plt_buf *b, const char *var, const char *dir, const char *stem,
                     const char *suffix)
{
    char file[300];
    snprintf(file, sizeof file, "series/%s-%s.csv", stem, suffix);
    char *p = plt_file_join(dir, file);
    if (!p) {
        b->failed = 1;
        return;
    }
    var_str(b, var, p);
    sim_free(p);
}

int plt_calibrate_draw(const plt_calibrate *c, const char *dir, const char *name,
                       const char *gnuplot, sim_err *err)
{
    int rc = plt_calibrate_write_data(c, dir, name, err);
    if (rc != SIM_OK)
        return rc;
    int n[4] = {0};
    for (int i = 0; i < c->ndays; i++)
        if (c->kind[i] >= 0 && c->kind[i] < 4)
            n[c->kind[i]]++;
    plt_buf v;
    plt_buf_init(&v);
    var_path(&v, "DATAW", dir, name, "week");
    var_path(&v, "DATAD", dir, name, "days");
    var_str(&v, "TITLE", c->title);
    var_str(&v, "SUBTITLE", c->subtitle);
    /* a date label every day up to two weeks, then every week */
    plt_buf_printf(&v,
                   "HASWEEK = %d\nNDAYS = %d\nTICKEVERY = %d\nNGAP = %d\nNSPIKE = %d\n"
                   "NLOW = %d\n",
                   c->has_week ? 1 : 0, c->ndays, c->ndays <= 14 ? 1 : 7, n[1], n[2], n[3]);
    rc = plt_buf_status(&v, err);
    char *charts = rc == SIM_OK ? plt_file_join(dir, "charts") : NULL;
    if (rc == SIM_OK && !charts)
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SIM_OK)
        rc = plt_gnuplot_draw(gnuplot, charts, name, "calibrate.gp", v.data, 1280,
                              c->has_week ? 900 : 500, PLT_PNG | PLT_SVG, err);
    sim_free(charts);
    plt_buf_fini(&v);
    return rc;
}
