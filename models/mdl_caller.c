/*
 * mdl_caller.c - the thread pool of mdl_caller.h.
 *
 * Layout. The waiting line is a ring buffer of waiters (line[(head + k) %
 * cap], k < nwait), oldest first; each keeps its arrival time. Since every
 * request waits the same `wait`, deadlines increase along the line, so one
 * timer event is enough: it is due at the deadline of the head it was set
 * for. When it fires it refuses every head whose deadline has come and, if
 * the line is not empty, is set again for the new head. A head granted a
 * thread before its deadline leaves the timer in place; the timer then
 * fires early for the next head, finds it not yet due and is set again
 * (at most one such extra event per waiter).
 *
 * Invariants:
 *   1. 0 <= in_use <= size; the time-weighted average and the series always
 *      hold in_use (every change goes through set_level); while in_use ==
 *      size, exhausted_since is the time the pool last became full.
 *   2. nwait > 0 implies in_use == size: release hands the thread straight
 *      to the head instead of lowering in_use.
 *   3. timer != SIM_EVENT_NONE iff a timer event is pending; it is pending
 *      whenever nwait > 0, due no later than the head's deadline.
 *   4. Callbacks run only from calendar events (grants through an event
 *      pushed at the release time, refusals from the timer), never from
 *      inside request or release.
 *
 * The aggregate path (mdl_caller.h): commit adds a pass's counts, area,
 * maximum, time exhausted and buckets without touching in_use; inject
 * raises in_use through set_level, as an acquire that counts nothing, so
 * invariant 1 holds and exhausted_since starts at the injection when the
 * pool fills there.
 */
#include "mdl_caller.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_alloc.h"
#include "sim_stats.h"

struct waiter {
    mdl_caller_waiter w;
    sim_time since; /* arrival: deadline = since + wait */
};

struct mdl_caller {
    /* What a release reads and writes, on line 0 (set_level, and nwait):
     * at 1,000 flows a caller is cold at each record. set_level also
     * writes line 1 (exhausted_total, exhausted_since) when the pool
     * fills or a full pool frees a thread. A request adds line 1 (its
     * counts). level.start is read by no request. */
    int size, in_use, max_in_use;
    uint32_t nwait;
    sim_series *series;
    sim_timeavg level;
    uint64_t requests, acquired;
    sim_time exhausted_total, exhausted_since;
    uint64_t found_full;   /* requests that found every thread held */
    sim_time exhausted_at; /* the first such request; SIM_TIME_NEVER if none */
    uint64_t refused, waited, wait_refused;
    sim_time created;
    char *id;

    sim_queue *q;
    sim_time wait;
    struct waiter *line; /* ring buffer, cap entries */
    uint32_t cap, head;
    sim_event_id timer;
    sim_time wait_granted;
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(struct mdl_caller, level) + sizeof(sim_timeavg) <= SIM_CACHE_LINE &&
                   offsetof(struct mdl_caller, acquired) + sizeof(uint64_t) <= 2 * SIM_CACHE_LINE,
               "caller: performance layout (a moved field changes no result): "
               "line 0 holds the level, line 1 a request's counts");
#endif

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
    if (cfg->size < 0 || cfg->series_interval < 0 || cfg->wait < 0) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "caller %s: size, wait and series_interval must be >= 0, got %d", cfg->id,
                    cfg->size);
        return NULL;
    }
    if (cfg->wait > 0 && !cfg->q) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "caller %s: a wait needs the calendar (q)",
                    cfg->id);
        return NULL;
    }
    mdl_caller *c = sim_calloc_hot(sizeof *c);
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
    c->q = cfg->q;
    c->wait = cfg->wait;
    c->timer = SIM_EVENT_NONE;
    c->exhausted_at = SIM_TIME_NEVER;
    sim_timeavg_init(&c->level, now, 0.0);
    return c;

fail_series:
    sim_free(c->id);
fail_id:
    sim_free_hot(c);
fail_c:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "caller %s: out of memory", cfg->id);
    return NULL;
}

void mdl_caller_destroy(mdl_caller *c)
{
    if (!c)
        return;
    sim_series_destroy(c->series);
    sim_free(c->line);
    sim_free(c->id);
    sim_free_hot(c);
}

/* A request arrives: counts it, and whether it found the pool exhausted. */
static void arrival(mdl_caller *c, sim_time now)
{
    c->requests++;
    if (c->in_use < c->size)
        return;
    c->found_full++;
    if (c->exhausted_at == SIM_TIME_NEVER)
        c->exhausted_at = now;
}

int mdl_caller_acquire(mdl_caller *c, sim_time now)
{
    arrival(c, now);
    if (c->in_use >= c->size) {
        c->refused++;
        return 0;
    }
    c->acquired++;
    set_level(c, now, c->in_use + 1);
    return 1;
}

static void ev_timer(void *ctx, uint64_t arg, sim_time now);

/* Sets the timer for the head's deadline (invariant 3). */
static void arm(mdl_caller *c)
{
    if (c->timer == SIM_EVENT_NONE && c->nwait > 0)
        c->timer = sim_queue_push(c->q, c->line[c->head].since + c->wait, ev_timer, c, 0);
}

/* Removes and returns the head of the line (nwait > 0). */
static struct waiter pop(mdl_caller *c)
{
    struct waiter w = c->line[c->head];
    c->head = (c->head + 1) % c->cap;
    c->nwait--;
    return w;
}

/* Refuses every head whose wait has run out, then sets the timer again.
 * The end of a wait is a deadline (docs/models/deadlines.md): a thread
 * released exactly then still goes to the waiter. So the timer yields
 * once (arg 0: pushed again at the same instant with arg 1), letting every
 * release due now, scheduled earlier, come first. */
static void ev_timer(void *ctx, uint64_t arg, sim_time now)
{
    mdl_caller *c = ctx;
    if (arg == 0) {
        c->timer = sim_queue_push(c->q, now, ev_timer, c, 1);
        return;
    }
    c->timer = SIM_EVENT_NONE;
    while (c->nwait > 0 && c->line[c->head].since + c->wait <= now) {
        struct waiter w = pop(c);
        c->refused++;
        c->wait_refused++;
        w.w.refused(w.w.ctx, w.w.arg, now); /* may request or release: state is consistent */
    }
    arm(c);
}

static int grow(mdl_caller *c)
{
    uint32_t ncap = c->cap ? 2 * c->cap : 16;
    if (ncap <= c->cap)
        return SIM_ENOMEM;
    struct waiter *l = sim_reallocarray(NULL, ncap, sizeof *l);
    if (!l)
        return SIM_ENOMEM;
    for (uint32_t k = 0; k < c->nwait; k++) /* unwrap the ring, oldest first */
        l[k] = c->line[(c->head + k) % c->cap];
    sim_free(c->line);
    c->line = l;
    c->cap = ncap;
    c->head = 0;
    return SIM_OK;
}

int mdl_caller_request(mdl_caller *c, sim_time now, const mdl_caller_waiter *w)
{
    if (c->in_use >= c->size && c->wait > 0 && c->nwait == c->cap && grow(c) != SIM_OK)
        return SIM_ENOMEM; /* nothing happened: not counted */
    arrival(c, now);
    if (c->in_use < c->size) {
        c->acquired++;
        set_level(c, now, c->in_use + 1);
        return MDL_CALLER_HELD;
    }
    if (c->wait <= 0) {
        c->refused++;
        return MDL_CALLER_REFUSED;
    }
    if (c->nwait == c->cap && grow(c) != SIM_OK)
        return SIM_ENOMEM;
    c->line[(c->head + c->nwait) % c->cap] = (struct waiter){.w = *w, .since = now};
    c->nwait++;
    c->waited++;
    arm(c);
    return MDL_CALLER_WAITING;
}

void mdl_caller_release(mdl_caller *c, sim_time now)
{
    assert(c->in_use > 0);
    if (c->in_use <= 0)
        return;
    if (c->nwait > 0) { /* invariant 2: the thread goes to the head, in_use stays */
        struct waiter w = pop(c);
        c->acquired++;
        c->wait_granted += now - w.since;
        sim_queue_push(c->q, now, w.w.granted, w.w.ctx, w.w.arg);
        return; /* the timer stays: it fires for the next head, or finds none */
    }
    set_level(c, now, c->in_use - 1);
}

int mdl_caller_commit(mdl_caller *c, const mdl_caller_bulk *b)
{
    if (b->max_in_use > c->size || b->max_in_use < 0 || b->time_exhausted < 0 ||
        (c->series && b->nbuckets > 0 && (!b->bucket_area || !b->bucket_max)))
        return SIM_EINVAL;
    c->requests += b->requests;
    c->acquired += b->requests;
    if (b->max_in_use > c->max_in_use)
        c->max_in_use = b->max_in_use;
    c->exhausted_total += b->time_exhausted;
    sim_timeavg_add_area(&c->level, b->in_use_area, (double)b->max_in_use);
    if (c->series)
        for (size_t j = 0; j < b->nbuckets; j++)
            sim_series_add_area(c->series, b->first_bucket + j, b->bucket_area[j],
                                b->bucket_max[j]);
    return SIM_OK;
}

int mdl_caller_inject(mdl_caller *c, sim_time now)
{
    if (c->in_use >= c->size)
        return SIM_EFULL;
    set_level(c, now, c->in_use + 1);
    return SIM_OK;
}

int mdl_caller_in_use(const mdl_caller *c)
{
    return c->in_use;
}

int mdl_caller_waiting(const mdl_caller *c)
{
    return (int)c->nwait;
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
    out->waited = c->waited;
    out->wait_refused = c->wait_refused;
    out->waiting = (int)c->nwait;
    out->wait_granted = c->wait_granted;
    out->mean_in_use = sim_timeavg_mean(&c->level, now);
    out->utilisation = out->mean_in_use / (double)c->size;
    out->requests = c->requests;
    out->found_full = c->found_full;
    out->exhausted_at = c->exhausted_at;
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
    double granted = (double)(s.waited - s.wait_refused - (uint64_t)s.waiting);
    double wait_s = sim_time_to_seconds(s.wait_granted);
    int rc;
    if ((rc = put(r, c->id, "pool_size", "threads", s.size, err)) ||
        (rc = put(r, c->id, "pool_mean_in_use", "threads", s.mean_in_use, err)) ||
        (rc = put(r, c->id, "pool_utilisation", "share", s.utilisation, err)) ||
        (rc = put(r, c->id, "pool_max_in_use", "threads", s.max_in_use, err)) ||
        (rc = put(r, c->id, "pool_refused", "calls", (double)s.refused, err)) ||
        (rc = put(r, c->id, "pool_exhausted_s", "s", ex, err)) ||
        (rc = put(r, c->id, "pool_exhausted_share", "share", span > 0 ? ex / span : 0.0, err)) ||
        (rc = put(r, c->id, "pool_waited", "calls", (double)s.waited, err)) ||
        (rc = put(r, c->id, "pool_wait_refused", "calls", (double)s.wait_refused, err)) ||
        (rc = put(r, c->id, "pool_wait_mean_s", "s", granted > 0 ? wait_s / granted : 0.0, err)) ||
        (rc = put(r, c->id, "pool_wait_share", "share",
                  s.requests ? (double)s.found_full / (double)s.requests : 0.0, err)) ||
        (rc = put(r, c->id, "pool_exhausted_at", "s",
                  s.exhausted_at == SIM_TIME_NEVER ? -1.0 : sim_time_to_seconds(s.exhausted_at),
                  err)))
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
