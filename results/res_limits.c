/*
 * res_limits.c - limits judged from the metrics their records name; see
 * res_limits.h.
 */
#include "res_limits.h"

#include <math.h>
#include <string.h>

#include "sim_alloc.h"

const char *res_limit_status_name(res_limit_status s)
{
    switch (s) {
    case RES_LIMIT_OK:
        return "ok";
    case RES_LIMIT_TIGHT:
        return "tight";
    case RES_LIMIT_EXHAUSTED:
        return "EXHAUSTED";
    case RES_LIMIT_UNMEASURED:
        break;
    }
    return "-";
}

/* The scalar metric named name ("" = none), or NULL. */
static const res_metric *scalar(const res_results *r, const char *name)
{
    const res_metric *m = name[0] ? res_results_find(r, name) : NULL;
    return m && m->kind == SIM_METRIC_SCALAR ? m : NULL;
}

/* Value k of m, NaN when it has none. */
static double value(const res_metric *m, int k)
{
    return m && m->values && k < m->n ? m->values[k] : NAN;
}

static void judge(const res_results *r, const mdl_limit *d, res_limit *l)
{
    const res_metric *peak = scalar(r, d->peak), *at = scalar(r, d->exhausted_at),
                     *flag = scalar(r, d->ran_out), *refused = scalar(r, d->refused);
    l->def = d;
    l->reps = r->replications;
    l->peak = peak ? peak->mean : NAN;
    l->peak_hw = peak ? peak->half_width : NAN;
    l->headroom = d->limit > 0 && isfinite(l->peak) ? 1.0 - l->peak / d->limit : NAN;
    l->refused = refused ? refused->mean : NAN;
    l->out_at_s = l->out_first_s = l->out_last_s = NAN;
    double sum = 0.0;
    int n = at ? at->n : flag ? flag->n : 0, timed = 0;
    for (int k = 0; k < n; k++) {
        double t = value(at, k);
        int out = flag ? value(flag, k) > 0.5 : isfinite(t) && t >= 0;
        if (!out)
            continue;
        l->runs_out++;
        if (!(isfinite(t) && t >= 0))
            continue;
        sum += t;
        timed++;
        l->out_first_s = isnan(l->out_first_s) || t < l->out_first_s ? t : l->out_first_s;
        l->out_last_s = isnan(l->out_last_s) || t > l->out_last_s ? t : l->out_last_s;
    }
    if (timed > 0)
        l->out_at_s = sum / timed;
    if (l->runs_out > 0)
        l->status = RES_LIMIT_EXHAUSTED;
    else if (!isfinite(l->headroom))
        l->status = RES_LIMIT_UNMEASURED;
    else if (l->headroom < MDL_HEADROOM)
        l->status = RES_LIMIT_TIGHT;
    else
        l->status = RES_LIMIT_OK;
}

int res_limits_judge(const res_results *r, res_limit **out, int *n, sim_err *err)
{
    *out = NULL;
    *n = 0;
    if (r->nlimits == 0)
        return SIM_OK;
    res_limit *ls = sim_calloc((size_t)r->nlimits, sizeof *ls);
    if (!ls)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    for (int i = 0; i < r->nlimits; i++)
        judge(r, &r->limits[i], &ls[i]);
    *out = ls;
    *n = r->nlimits;
    return SIM_OK;
}
