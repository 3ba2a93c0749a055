/*
 * plan_search.c - value lists, cartesian products and the load search;
 * see plan_search.h.
 *
 * Ranges: the count is floor((B - A) / STEP + 1e-9) + 1, so an end that
 * (B - A) / STEP misses by a rounding error, as (0.3 - 0.1) / 0.1 =
 * 1.9999999999999998 does, is still included; the i-th value is A + i *
 * STEP, clamped to B, printed with %.12g (12 significant digits hide the
 * rounding of A + i * STEP yet keep any step a person types).
 */
#include "plan_search.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_alloc.h"

/* ---- value lists ------------------------------------------------------------ */

/* A number with a unit suffix: "1.5x" -> 1.5 and "x". */
typedef struct quantity {
    double v;
    const char *suffix; /* into the item text */
    size_t suffix_len;
} quantity;

static int parse_quantity(const char *s, size_t len, quantity *q)
{
    char buf[128];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    /* strtod also reads "inf", "nan" and hex: a range wants plain decimals */
    if (!(isdigit((unsigned char)buf[0]) || buf[0] == '.' || buf[0] == '-' || buf[0] == '+'))
        return -1;
    char *end;
    double v = strtod(buf, &end);
    if (end == buf || !isfinite(v))
        return -1;
    for (const char *c = buf; c < end; c++)
        if (!(isdigit((unsigned char)*c) || strchr(".+-eE", *c)))
            return -1;
    q->v = v;
    q->suffix = s + (end - buf);
    q->suffix_len = len - (size_t)(end - buf);
    return 0;
}

static int same_suffix(const quantity *a, const quantity *b)
{
    return a->suffix_len == b->suffix_len && !memcmp(a->suffix, b->suffix, a->suffix_len);
}

static int add_value(plan_search_dim *d, const char *s, size_t len, sim_err *err)
{
    if (d->nvalues >= PLAN_SEARCH_MAX_VALUES)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "more than %d values",
                           PLAN_SEARCH_MAX_VALUES);
    char **grown = sim_reallocarray(d->values, (size_t)d->nvalues + 1, sizeof *grown);
    if (!grown)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    d->values = grown;
    char *v = sim_malloc(len + 1);
    if (!v)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    memcpy(v, s, len);
    v[len] = '\0';
    d->values[d->nvalues++] = v;
    return SIM_OK;
}

/* Where the step of "B/STEP" starts: the first '/' followed by a digit, a
 * point or a sign (a unit such as "k/day" has a letter after its '/'). */
static const char *step_slash(const char *s, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '/' && (isdigit((unsigned char)s[i + 1]) || strchr(".+-", s[i + 1])))
            return s + i;
    return NULL;
}

static int expand_range(plan_search_dim *d, const char *item, size_t len, const char *dots,
                        sim_err *err)
{
    const char *rest = dots + 2, *end = item + len;
    const char *slash = step_slash(rest, (size_t)(end - rest));
    int n = (int)len;
    if (!slash)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "range '%.*s' has no step: write FROM..TO/STEP, e.g. 1x..5x/0.5x", n,
                           item);
    quantity a, b, s;
    if (parse_quantity(item, (size_t)(dots - item), &a) ||
        parse_quantity(rest, (size_t)(slash - rest), &b) ||
        parse_quantity(slash + 1, (size_t)(end - slash - 1), &s))
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "range '%.*s': FROM, TO and STEP must be numbers with an optional "
                           "unit, e.g. 1x..5x/0.5x",
                           n, item);
    if (!same_suffix(&a, &b))
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "range '%.*s': FROM and TO must have the same unit", n, item);
    if (s.suffix_len && !same_suffix(&a, &s))
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "range '%.*s': STEP must have the unit of FROM and TO, or none", n,
                           item);
    if (!(s.v > 0))
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "range '%.*s': STEP must be > 0", n, item);
    if (b.v < a.v)
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "range '%.*s': TO must not be below FROM",
                           n, item);
    double steps = (b.v - a.v) / s.v;
    if (!(steps + 1 <= PLAN_SEARCH_MAX_VALUES))
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "range '%.*s' has more than %d values", n,
                           item, PLAN_SEARCH_MAX_VALUES);
    int count = (int)floor(steps + 1e-9) + 1;
    for (int i = 0; i < count; i++) {
        double v = a.v + (double)i * s.v;
        if (v > b.v)
            v = b.v;
        char buf[160];
        int w = snprintf(buf, sizeof buf, "%.12g%.*s", v, (int)a.suffix_len, a.suffix);
        if (w < 0 || (size_t)w >= sizeof buf)
            return sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "range '%.*s': value too long", n,
                               item);
        int rc = add_value(d, buf, (size_t)w, err);
        if (rc != SIM_OK)
            return rc;
    }
    return SIM_OK;
}

static void free_values(plan_search_dim *d)
{
    for (int i = 0; i < d->nvalues; i++)
        sim_free(d->values[i]);
    sim_free(d->values);
    d->values = NULL;
    d->nvalues = 0;
}

int plan_search_expand(const char *list, plan_search_dim *d, sim_err *err)
{
    free_values(d);
    const char *item = list;
    int depth = 0, rc = SIM_OK;
    for (const char *c = list;; c++) {
        if (*c == '[' || *c == '{')
            depth++;
        else if ((*c == ']' || *c == '}') && depth > 0)
            depth--;
        if (*c != '\0' && (*c != ',' || depth > 0))
            continue;
        size_t len = (size_t)(c - item);
        while (len > 0 && isspace((unsigned char)*item)) /* "1x, 2x" */
            item++, len--;
        while (len > 0 && isspace((unsigned char)item[len - 1]))
            len--;
        if (len == 0) {
            rc = sim_err_set(err, SIM_EPARSE, NULL, 0, 0, "empty value in '%s'", list);
            break;
        }
        const char *dots = NULL;
        for (size_t i = 0; i + 1 < len && !dots; i++)
            if (item[i] == '.' && item[i + 1] == '.')
                dots = item + i;
        rc = dots && item[0] != '[' && item[0] != '{' ? expand_range(d, item, len, dots, err)
                                                      : add_value(d, item, len, err);
        if (rc != SIM_OK || *c == '\0')
            break;
        item = c + 1;
    }
    if (rc != SIM_OK)
        free_values(d);
    return rc;
}

int plan_search_parse_vary(const char *arg, plan_search_dim *d, sim_err *err)
{
    plan_search_dim_fini(d);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return sim_err_set(err, SIM_EPARSE, NULL, 0, 0,
                           "--vary takes PATH=V1,V2,... or PATH=FROM..TO/STEP, got '%s'", arg);
    if (!(d->path = sim_malloc((size_t)(eq - arg) + 1)))
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    memcpy(d->path, arg, (size_t)(eq - arg));
    d->path[eq - arg] = '\0';
    int rc = plan_search_expand(eq + 1, d, err);
    if (rc != SIM_OK)
        plan_search_dim_fini(d);
    return rc;
}

void plan_search_dim_fini(plan_search_dim *d)
{
    if (!d)
        return;
    free_values(d);
    sim_free(d->path);
    d->path = NULL;
}

int plan_search_number(const char *value, double *x)
{
    quantity q;
    if (!value || parse_quantity(value, strlen(value), &q))
        return -1;
    *x = q.v;
    return 0;
}

/* ---- cartesian product --------------------------------------------------------- */

long plan_search_points(const int *n, int d)
{
    long total = 1;
    for (int k = 0; k < d; k++) {
        if (n[k] < 1 || n[k] > PLAN_SEARCH_MAX_POINTS)
            return -1;
        total *= n[k];
        if (total > PLAN_SEARCH_MAX_POINTS)
            return -1;
    }
    return total;
}

void plan_search_point(const int *n, int d, long p, int *idx)
{
    for (int k = d - 1; k >= 0; k--) { /* the last dimension is the fastest digit */
        idx[k] = (int)(p % n[k]);
        p /= n[k];
    }
}

/* ---- the load search --------------------------------------------------------- */

static int eval(plan_search_fn *holds, void *ctx, double load, plan_search_result *out)
{
    out->evaluations++;
    int h = holds(ctx, load);
    return h < 0 ? h : h != 0;
}

int plan_search_load(const plan_search_cfg *cfg, plan_search_fn *holds, void *ctx,
                     plan_search_result *out, sim_err *err)
{
    *out = (plan_search_result){.outcome = PLAN_SEARCH_FOUND, .lo = 0.0, .hi = INFINITY};
    if (!cfg || !holds || !(cfg->start > 0) || !(cfg->min > 0) || cfg->min > cfg->start ||
        !(cfg->max >= cfg->start) || !isfinite(cfg->max) || !(cfg->tol > 0))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "load search: need 0 < min <= start <= max (finite) and tol > 0");
    double x = cfg->start;
    int h = eval(holds, ctx, x, out);
    if (h < 0)
        return h;
    if (h) { /* 1. bracket upwards */
        out->lo = x;
        while (x < cfg->max) {
            x = 2 * x < cfg->max ? 2 * x : cfg->max;
            if ((h = eval(holds, ctx, x, out)) < 0)
                return h;
            if (!h) {
                out->hi = x;
                break;
            }
            out->lo = x;
        }
        if (!isfinite(out->hi)) {
            out->outcome = PLAN_SEARCH_ABOVE_MAX;
            return SIM_OK;
        }
    } else { /* 1. bracket downwards */
        out->hi = x;
        while (x > cfg->min) {
            x = x / 2 > cfg->min ? x / 2 : cfg->min;
            if ((h = eval(holds, ctx, x, out)) < 0)
                return h;
            if (h) {
                out->lo = x;
                break;
            }
            out->hi = x;
        }
        if (out->lo == 0.0) {
            out->outcome = PLAN_SEARCH_BELOW_MIN;
            return SIM_OK;
        }
    }
    /* 2. bisection: lo holds, hi fails */
    while (out->hi - out->lo > cfg->tol * out->lo) {
        double mid = 0.5 * (out->lo + out->hi);
        if (mid <= out->lo || mid >= out->hi) /* no double between them */
            break;
        if ((h = eval(holds, ctx, mid, out)) < 0)
            return h;
        if (h)
            out->lo = mid;
        else
            out->hi = mid;
    }
    return SIM_OK;
}
