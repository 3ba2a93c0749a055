/*
 * out_csv.c - metrics.csv; see out_csv.h. Metric names and units never
 * contain commas or quotes (ids are [A-Za-z0-9_-]), but they are quoted
 * defensively if they ever do (RFC 4180).
 */
#include "out_csv.h"

#include <math.h>
#include <string.h>

#include "plt_buf.h"

static void field(plt_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        plt_buf_puts(b, s);
        return;
    }
    plt_buf_put(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            plt_buf_put(b, "\"", 1);
        plt_buf_put(b, s, 1);
    }
    plt_buf_put(b, "\"", 1);
}

static void number(plt_buf *b, double v)
{
    plt_buf_put(b, ",", 1);
    if (isfinite(v))
        plt_buf_printf(b, "%.10g", v);
}

char *out_csv_metrics(const plt_results *r, sim_err *err)
{
    static const char *const kinds[] = {"scalar", "hist", "series"};
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_puts(&b, "metric,kind,unit,mean,half_width,replications,min,max,count,p50,p95,p99\n");
    for (size_t i = 0; i < r->nmetrics; i++) {
        const plt_metric *m = &r->metrics[i];
        field(&b, m->name);
        plt_buf_printf(&b, ",%s,", kinds[m->kind]);
        field(&b, m->unit);
        number(&b, m->mean);
        number(&b, m->kind == SIM_METRIC_SCALAR ? m->half_width : NAN);
        plt_buf_printf(&b, ",%d", m->n);
        number(&b, m->min);
        number(&b, m->max);
        if (m->kind == SIM_METRIC_HIST) {
            plt_buf_printf(&b, ",%llu", (unsigned long long)m->count);
            number(&b, m->p50);
            number(&b, m->p95);
            number(&b, m->p99);
        } else {
            plt_buf_puts(&b, ",,,,");
        }
        plt_buf_puts(&b, "\n");
    }
    if (plt_buf_status(&b, err) != SIM_OK) {
        plt_buf_fini(&b);
        return NULL;
    }
    return plt_buf_take(&b);
}
