/*
 * mdl_caller.c - the thread pool of mdl_caller.h.
 *
 * Invariants: 0 <= in_use <= size; the time-weighted average and the series
 * always hold in_use (every change goes through set_level); while in_use ==
 * size, exhausted_since is the time the pool last became full.
 */
#include "mdl_caller.h"

#include <assert.h>
#include <stdio.h>

#include "sim_alloc.h"
#include "sim_stats.h"

struct mdl_caller {
    char *id;
    int size, in_use, max_in_use;
    uint64_t acquired, refused;
    sim_time created;
    sim_timeavg level;
    sim_time exhausted_total, exhausted_since;
    sim_series *series;
};

static void set_level(mdl_caller *c, sim_time now, int in_use)
{
    if (c->in_use == c->size && in_use < c->size)
        c->exhausted_total += now - c->exhausted_since;
    if (in_use == c->size && c->in_use < c->size)
        c->exhausted_since = now;
    c->in_use = in_use;
    if (in_use > c->max_in_use)
        c->max_in_use = in_use;
    sim_timeavg_set(&c->level, now, (double)in_use);
    if (c->series)
        sim_series_set(c->series, now, (double)in_use);
}

mdl_caller *mdl_caller_create(const mdl_caller_cfg *cfg, sim_time now, sim_err *err)
{
    if (!cfg || !cfg->id || !cfg->id[0]) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "caller: an id is required");
        return NULL;
    }
    if (cfg->size < 0 || cfg->series_interval < 0) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "caller %s: size and series_interval must be >= 0, got %d", cfg->id, cfg->size);
        return NULL;
    }
    mdl_caller *c = sim_calloc(1, sizeof *c);
    if (!c)
        goto fail_c;
    c->id = sim_strdup(cfg->id);
    if (!c->id)
        goto fail_id;
    c->size = cfg->size ? cfg->size : 25;
    if (cfg->series_bins > 0 && cfg->series_interval > 0) {
        c->series =
            sim_series_create(SIM_SERIES_LEVEL, cfg->series_interval, cfg->series_bins, err);
        if (!c->series)
            goto fail_series;
        sim_series_set(c->series, now, 0.0);
    }
    c->created = now;
    sim_timeavg_init(&c->level, now, 0.0);
    return c;

fail_series:
    sim_free(c->id);
fail_id:
    sim_free(c);
fail_c:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "caller %s: out of memory", cfg->id);
    return NULL;
}

void mdl_caller_destroy(mdl_caller *c)
{
    if (!c)
        return;
    sim_series_destroy(c->series);
    sim_free(c->id);
    sim_free(c);
}

int mdl_caller_acquire(mdl_caller *c, sim_time now)
{
    if (c->in_use >= c->size) {
        c->refused++;
        return 0;
    }
    c->acquired++;
    set_level(c, now, c->in_use + 1);
    return 1;
}

void mdl_caller_release(mdl_caller *c, sim_time now)
{
    assert(c->in_use > 0);
    if (c->in_use > 0)
        set_level(c, now, c->in_use - 1);
}

int mdl_caller_in_use(const mdl_caller *c)
{
    return c->in_use;
}

int mdl_caller_size(const mdl_caller *c)
{
    return c->size;
}

void mdl_caller_stats_get(const mdl_caller *c, sim_time now, mdl_caller_stats *out)
{
    out->size = c->size;
    out->in_use = c->in_use;
    out->max_in_use = c->max_in_use;
    out->acquired = c->acquired;
    out->refused = c->refused;
    out->mean_in_use = sim_timeavg_mean(&c->level, now);
    out->utilisation = out->mean_in_use / (double)c->size;
    out->time_exhausted = c->exhausted_total;
    if (c->in_use == c->size && now > c->exhausted_since)
        out->time_exhausted += now - c->exhausted_since;
}

static int put(sim_result *r, const char *id, const char *what, const char *unit, double v,
               sim_err *err)
{
    char name[256];
    int len = snprintf(name, sizeof name, "caller.%s.%s", id, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "caller: id too long: %.64s...", id);
    int rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "caller: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

int mdl_caller_publish(const mdl_caller *c, sim_time now, sim_result *r, sim_err *err)
{
    mdl_caller_stats s;
    mdl_caller_stats_get(c, now, &s);
    double span = sim_time_to_seconds(now - c->created);
    double ex = sim_time_to_seconds(s.time_exhausted);
    int rc;
    if ((rc = put(r, c->id, "pool_size", "threads", s.size, err)) ||
        (rc = put(r, c->id, "pool_mean_in_use", "threads", s.mean_in_use, err)) ||
        (rc = put(r, c->id, "pool_utilisation", "share", s.utilisation, err)) ||
        (rc = put(r, c->id, "pool_max_in_use", "threads", s.max_in_use, err)) ||
        (rc = put(r, c->id, "pool_refused", "calls", (double)s.refused, err)) ||
        (rc = put(r, c->id, "pool_exhausted_s", "s", ex, err)) ||
        (rc = put(r, c->id, "pool_exhausted_share", "share", span > 0 ? ex / span : 0.0, err)))
        return rc;
    if (!c->series)
        return SIM_OK;
    char name[256];
    snprintf(name, sizeof name, "caller.%s.pool_in_use_series", c->id); /* fits: put() checked */
    sim_series *copy = sim_series_clone(c->series, err);
    if (!copy)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "caller: out of memory for %s", name);
    sim_series_finish(copy, now);
    rc = sim_result_series(r, name, "threads", copy); /* takes copy over */
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "caller: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}
