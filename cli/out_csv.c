/*
 * out_csv.c - metrics.csv; see out_csv.h. Metric names and units never
 * contain commas or quotes (ids are [A-Za-z0-9_-]), but they are quoted
 * defensively if they ever do (RFC 4180).
 */
#include "out_csv.h"

#include <math.h>
#include <string.h>

#include "plt_buf.h"

char *out_csv_metrics(const res_results *r, sim_err *err)
{
    static const char *const kinds[] = {"scalar", "hist", "series"};
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_puts(&b, "metric,kind,unit,mean,half_width,replications,min,max,count,p50,p95,p99\n");
    for (size_t i = 0; i < r->nmetrics; i++) {
        const res_metric *m = &r->metrics[i];
        plt_buf_csv_field(&b, m->name);
        plt_buf_printf(&b, ",%s,", kinds[m->kind]);
        plt_buf_csv_field(&b, m->unit);
        plt_buf_csv_num(&b, m->mean);
        plt_buf_csv_num(&b, m->kind == SIM_METRIC_SCALAR ? m->half_width : NAN);
        plt_buf_printf(&b, ",%d", m->n);
        plt_buf_csv_num(&b, m->min);
        plt_buf_csv_num(&b, m->max);
        if (m->kind == SIM_METRIC_HIST) {
            plt_buf_printf(&b, ",%llu", (unsigned long long)m->count);
            plt_buf_csv_num(&b, m->p50);
            plt_buf_csv_num(&b, m->p95);
            plt_buf_csv_num(&b, m->p99);
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
