/*
 * mdl_endpoint.c - the endpoint of mdl_endpoint.h on top of sim_station.
 *
 * Layout. Every request that enters the station has a slot in a request
 * table that grows by doubling and recycles slots through a free list: no
 * malloc per request after warm-up. A slot's handle is (generation << 32 |
 * index); the generation starts at 1 and is bumped when the slot is freed,
 * so a handle is never 0 and a stale handle never matches. The handle is
 * the station's job id, so the station's callbacks find the slot in O(1).
 *
 * Invariants:
 *   1. in_flight = live slots = sim_station_in_system (hung requests get no
 *      slot and never enter the station). The two differ only inside the
 *      station's arrive and inject calls, where it may call service_fn,
 *      which reads neither; so set_levels and the request's checks read
 *      in_flight for the station's levels (busy = min(in_flight, workers):
 *      the station never keeps a line while a worker is idle).
 *   2. aged = live slots with the aged flag; a live slot that is not aged
 *      has a pending aged event iff min_age > 0.
 *   3. The utilisation and queue-length series always hold the station's
 *      levels: set_levels() runs after every arrival and every completion.
 *   4. Fault windows are sorted by start and do not overlap; the cursors
 *      only move forward because time does.
 *
 * Transitions of a request:
 *   request    outage(fail-fast) -> MDL_EP_OUTAGE; concurrency -> refused;
 *              outage(hang) -> accepted, forgotten; station full ->
 *              MDL_EP_QUEUE_FULL; else a slot, then the station.
 *   service    service_fn draws the time and applies the degradation factor
 *              in force at the start of service; a time longer than
 *              server_timeout is cut to it and the slot marked aborted (the
 *              station then frees the worker at start + server_timeout).
 *              The time is kept for the wasted-work count.
 *   inject     (the aggregate path) a slot marked fixed, holding the
 *              pass's service, then the station: in service with its end,
 *              or the line; service_fn returns a fixed slot's service
 *              instead of drawing one (no degradation, no server timeout:
 *              the pass applied them). Nothing is counted.
 *   commit     adds a pass's counts, waits, areas and buckets; no slot.
 *   abandon    marks the slot; nothing else changes.
 *   done       frees the slot, then answers (if not abandoned) last, with
 *              MDL_EP_SERVER_TIMEOUT if aborted, so the callback sees a
 *              consistent endpoint and may send a request.
 */
#include "mdl_endpoint.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_alloc.h"
#include "sim_station.h"

#define NO_SLOT UINT32_MAX

struct req {
    uint32_t gen;
    uint32_t next_free;
    unsigned char live, abandoned, aged, aborted;
    unsigned char fixed; /* injected: service was drawn by the aggregate pass */
    mdl_endpoint_answer_fn *fn;
    void *ctx;
    uint64_t tag;
    sim_time service;
    sim_time answer_at; /* SIM_TIME_NEVER until the service starts */
    sim_event_id aged_ev;
};

/* The fields by when they are touched (the endpoint is on a line of its
 * own, sim_calloc_hot): at 1,000 flows every request and answer finds its
 * endpoint cold.
 *   line 0 and 1  what a request and its answer (done_fn) read and write
 *   line 2        what a request reads besides (outages, concurrency) and
 *                 service_fn's draw
 *   line 3        the service distribution (service_fn), then cold fields.
 * An answer touches lines 0 and 1 only, a request lines 0 to 2, and 3 if
 * its service starts at once. */
struct mdl_endpoint {
    /* line 0 */
    sim_queue *q;
    sim_station *st;
    struct req *reqs;
    mdl_outage *outages;
    sim_series *util_series, *queue_series;
    uint32_t nreqs, cap, free_head;
    int in_flight;

    /* line 1 */
    uint64_t requests, accepted, offered, served, answered;
    sim_hist *wait_hist;
    int aged;
    /* The waiting count queue_series was last set to (set_levels): on a
     * line every caller of set_levels touches; at the struct's end it took
     * a line of its own. */
    int queue_set;
    int workers, capacity;

    /* line 2 */
    int conc_limit;
    int noutages, out_cur;
    int ndegr, degr_cur;
    gsl_rng *rng;
    mdl_degradation *degr;
    sim_time server_timeout; /* 0 = never */
    sim_time conc_min_age;
    uint64_t found_busy; /* of the requests that reached the workers, those finding all busy */

    /* line 3 and cold */
    mdl_service service;
    sim_time exhausted_at; /* the first that found all busy; SIM_TIME_NEVER if none */
    char *id;
    uint64_t outage, queue_full, concurrency, hung, aborted, abandoned, wasted;
    sim_time wasted_work;
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(struct mdl_endpoint, requests) == SIM_CACHE_LINE &&
                   offsetof(struct mdl_endpoint, conc_limit) == 2 * SIM_CACHE_LINE &&
                   offsetof(struct mdl_endpoint, service) == 3 * SIM_CACHE_LINE,
               "endpoint: performance layout (a moved field changes no result): "
               "the hot fields on lines 0 to 2, the service on line 3");
#endif

static uint64_t handle_of(const mdl_endpoint *ep, uint32_t i)
{
    return ((uint64_t)ep->reqs[i].gen << 32) | i;
}

/* The live slot named by handle h, or NULL. */
static struct req *lookup(const mdl_endpoint *ep, uint64_t h)
{
    uint32_t i = (uint32_t)(h & 0xffffffffu);
    if (h == 0 || i >= ep->nreqs)
        return NULL;
    struct req *r = &ep->reqs[i];
    if (!r->live || r->gen != (uint32_t)(h >> 32))
        return NULL;
    return r;
}

/* The slot of a job the station hands back (service_fn, done_fn): its
 * handle is live (invariant 1), so lookup's checks are not redone. */
static struct req *slot_of(const mdl_endpoint *ep, uint64_t h)
{
    assert(lookup(ep, h) != NULL);
    return &ep->reqs[(uint32_t)(h & 0xffffffffu)];
}

static int grow(mdl_endpoint *ep)
{
    uint32_t ncap = ep->cap ? ep->cap * 2 : 64;
    if (ncap <= ep->cap || ncap >= NO_SLOT)
        return SIM_ENOMEM;
    struct req *r = sim_reallocarray_hot(ep->reqs, ep->cap, ncap, sizeof *r);
    if (!r)
        return SIM_ENOMEM;
    ep->reqs = r;
    ep->cap = ncap;
    return SIM_OK;
}

/* A free slot index, or NO_SLOT when the table cannot grow. */
static uint32_t alloc_slot(mdl_endpoint *ep)
{
    uint32_t i;
    if (ep->free_head != NO_SLOT) {
        i = ep->free_head;
        ep->free_head = ep->reqs[i].next_free;
    } else {
        if (ep->nreqs == ep->cap && grow(ep) != SIM_OK)
            return NO_SLOT;
        i = ep->nreqs++;
        ep->reqs[i].gen = 1;
    }
    struct req *r = &ep->reqs[i];
    r->live = 1;
    r->abandoned = r->aged = r->aborted = r->fixed = 0;
    r->aged_ev = SIM_EVENT_NONE;
    r->service = 0;
    r->answer_at = SIM_TIME_NEVER;
    return i;
}

static void free_slot(mdl_endpoint *ep, uint32_t i)
{
    struct req *r = &ep->reqs[i];
    r->live = 0;
    r->gen++;
    if (r->gen == 0)
        r->gen = 1;
    r->next_free = ep->free_head;
    ep->free_head = i;
}

/* Sets the two series. A queue that was empty and still is leaves its
 * series alone: a level 0 set over a level 0 adds 0.0 to the bucket's
 * area and raises no maximum the bucket's end would not raise, so the
 * series' values are the same bit for bit (tests/sim/test_sim_stats.c),
 * and at 1,000 flows the set was a cold line per request and answer. */
static inline void set_levels(mdl_endpoint *ep, sim_time now)
{
    /* The station's levels from in_flight (invariant 1: it is the
     * station's in_system; the station is work-conserving: busy is
     * min(in_system, workers)), without two calls into the station. */
    int busy = ep->in_flight < ep->workers ? ep->in_flight : ep->workers;
    int waiting = ep->in_flight - busy;
    assert(busy == sim_station_busy(ep->st) && ep->in_flight == sim_station_in_system(ep->st));
    if (ep->util_series)
        sim_series_set(ep->util_series, now, (double)busy / (double)ep->workers);
    if (ep->queue_series && (waiting != 0 || ep->queue_set != 0)) {
        sim_series_set(ep->queue_series, now, (double)waiting);
        ep->queue_set = waiting;
    }
}

/* Index of the outage window active at now, or -1 (invariant 4). */
static int active_outage(mdl_endpoint *ep, sim_time now)
{
    while (ep->out_cur < ep->noutages && ep->outages[ep->out_cur].end <= now)
        ep->out_cur++;
    if (ep->out_cur < ep->noutages && ep->outages[ep->out_cur].start <= now)
        return ep->out_cur;
    return -1;
}

static double degradation_factor(mdl_endpoint *ep, sim_time now)
{
    while (ep->degr_cur < ep->ndegr && ep->degr[ep->degr_cur].end <= now)
        ep->degr_cur++;
    if (ep->degr_cur < ep->ndegr && ep->degr[ep->degr_cur].start <= now)
        return ep->degr[ep->degr_cur].factor;
    return 1.0;
}

static sim_time service_fn(void *ctx, uint64_t job, sim_time now)
{
    mdl_endpoint *ep = ctx;
    struct req *r = slot_of(ep, job);
    if (r->fixed) { /* injected while waiting: the pass drew its service */
        r->answer_at = now + r->service;
        return r->service;
    }
    double s = mdl_service_sample(&ep->service, ep->rng) * degradation_factor(ep, now);
    sim_time d = sim_time_clamp_seconds(s);
    if (ep->server_timeout > 0 && d > ep->server_timeout) {
        d = ep->server_timeout; /* the server gives up: the worker is free at start + timeout */
        r->aborted = 1;
    }
    r->service = d;
    r->answer_at = now + (d > 0 ? d : 0); /* when sim_station completes it */
    return d;
}

static void done_fn(void *ctx, uint64_t job, sim_time wait, sim_time sojourn, sim_time now)
{
    (void)sojourn;
    mdl_endpoint *ep = ctx;
    struct req *r = slot_of(ep, job);
    ep->served++;
    sim_hist_add(ep->wait_hist, sim_time_to_seconds(wait));
    ep->in_flight--; /* the station has let the job go: set_levels reads it */
    set_levels(ep, now);
    if (r->aged) {
        ep->aged--;
    } else if (r->aged_ev != SIM_EVENT_NONE) {
        sim_queue_cancel(ep->q, r->aged_ev);
    }
    mdl_endpoint_answer_fn *fn = r->fn;
    void *fctx = r->ctx;
    uint64_t tag = r->tag;
    int abandoned = r->abandoned;
    mdl_ep_answer answer = r->aborted ? MDL_EP_SERVER_TIMEOUT : MDL_EP_DONE;
    if (r->aborted)
        ep->aborted++;
    if (abandoned) {
        ep->wasted++;
        ep->wasted_work += r->service;
    }
    free_slot(ep, (uint32_t)(job & 0xffffffffu));
    if (!abandoned) {
        ep->answered++;
        if (fn)
            fn(fctx, tag, answer, now);
    }
}

/* A request reached min_age while still in the system. */
static void aged_fn(void *ctx, uint64_t arg, sim_time now)
{
    (void)now;
    mdl_endpoint *ep = ctx;
    struct req *r = lookup(ep, arg);
    if (!r)
        return;
    r->aged = 1;
    r->aged_ev = SIM_EVENT_NONE;
    ep->aged++;
}

static int cmp_outage(const void *a, const void *b)
{
    const mdl_outage *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static int cmp_degr(const void *a, const void *b)
{
    const mdl_degradation *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static int check_cfg(const sim_queue *q, const mdl_endpoint_cfg *cfg, sim_err *err)
{
    if (!q || !cfg || !cfg->id || !cfg->id[0])
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "endpoint: queue, cfg and id required");
    const char *id = cfg->id;
    if (cfg->workers < 1)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "endpoint %s: workers must be >= 1 (no public default: set it from "
                           "the system's capacity), got %d",
                           id, cfg->workers);
    if (!cfg->rng)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "endpoint %s: an rng is required", id);
    if (cfg->queue_limit < MDL_ENDPOINT_NO_QUEUE)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "endpoint %s: queue_limit must be >= 0 or MDL_ENDPOINT_NO_QUEUE", id);
    if (cfg->queue_limit > 0 && cfg->queue_limit > INT32_MAX - cfg->workers)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "endpoint %s: queue_limit too large", id);
    if (cfg->concurrency_limit < 0 || cfg->concurrency_min_age < 0 || cfg->series_interval < 0 ||
        cfg->server_timeout < 0)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "endpoint %s: concurrency, server timeout and series settings must be "
                           ">= 0",
                           id);
    if ((cfg->noutages > 0 && !cfg->outages) || cfg->noutages < 0 ||
        (cfg->ndegradations > 0 && !cfg->degradations) || cfg->ndegradations < 0)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "endpoint %s: bad fault window list", id);
    for (int i = 0; i < cfg->noutages; i++) {
        const mdl_outage *o = &cfg->outages[i];
        if (o->start < 0 || o->end <= o->start ||
            (o->mode != MDL_OUTAGE_FAIL_FAST && o->mode != MDL_OUTAGE_HANG))
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "endpoint %s: outage %d needs 0 <= start < end and a known mode", id,
                               i);
    }
    for (int i = 0; i < cfg->ndegradations; i++) {
        const mdl_degradation *d = &cfg->degradations[i];
        if (d->start < 0 || d->end <= d->start || !(d->factor > 0.0) || !isfinite(d->factor))
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "endpoint %s: degradation %d needs 0 <= start < end and a factor "
                               "> 0",
                               id, i);
    }
    return SIM_OK;
}

mdl_endpoint *mdl_endpoint_create(sim_queue *q, const mdl_endpoint_cfg *cfg, sim_err *err)
{
    if (check_cfg(q, cfg, err) != SIM_OK)
        return NULL;
    mdl_service service;
    if (cfg->service_time) {
        service = *cfg->service_time;
        if (!service.none && service.n == 0 &&
            (service.dist.kind < SIM_DIST_CONST || service.dist.kind > SIM_DIST_GAMMA ||
             isnan(service.dist.a) || isnan(service.dist.b))) {
            sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "endpoint %s: bad service distribution",
                        cfg->id);
            return NULL;
        }
    } else if (cfg->service) {
        service = mdl_service_of_dist(cfg->service);
        if (service.dist.kind < SIM_DIST_CONST || service.dist.kind > SIM_DIST_GAMMA ||
            isnan(service.dist.a) || isnan(service.dist.b)) {
            sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "endpoint %s: bad service distribution",
                        cfg->id);
            return NULL;
        }
    } else {
        double p50 = cfg->p50 > 0 ? cfg->p50 : 0.2;
        double p95 = cfg->p95 > 0 ? cfg->p95 : 2.0;
        sim_dist d;
        if (sim_dist_lognormal_median_p95(p50, p95, &d, err) != SIM_OK)
            return NULL;
        service = mdl_service_of_dist(&d);
    }

    /* Every pointer starts NULL, so one unwinding path (destroy) fits all. */
    mdl_endpoint *ep = sim_calloc_hot(sizeof *ep);
    if (!ep)
        goto fail_nomem;
    ep->q = q;
    ep->rng = cfg->rng;
    ep->service = service;
    ep->workers = cfg->workers;
    if (cfg->queue_limit == MDL_ENDPOINT_NO_QUEUE)
        ep->capacity = cfg->workers;
    else if (cfg->queue_limit > 0)
        ep->capacity = cfg->workers + cfg->queue_limit;
    else
        ep->capacity = 0;
    ep->conc_limit = cfg->concurrency_limit;
    ep->conc_min_age = cfg->concurrency_min_age;
    ep->server_timeout = cfg->server_timeout;
    ep->free_head = NO_SLOT;
    ep->exhausted_at = SIM_TIME_NEVER;
    ep->id = sim_strdup(cfg->id);
    if (!ep->id)
        goto fail_nomem;

    if (cfg->noutages > 0) {
        ep->outages = sim_reallocarray(NULL, (size_t)cfg->noutages, sizeof *ep->outages);
        if (!ep->outages)
            goto fail_nomem;
        memcpy(ep->outages, cfg->outages, (size_t)cfg->noutages * sizeof *ep->outages);
        ep->noutages = cfg->noutages;
        qsort(ep->outages, (size_t)ep->noutages, sizeof *ep->outages, cmp_outage);
    }
    if (cfg->ndegradations > 0) {
        ep->degr = sim_reallocarray(NULL, (size_t)cfg->ndegradations, sizeof *ep->degr);
        if (!ep->degr)
            goto fail_nomem;
        memcpy(ep->degr, cfg->degradations, (size_t)cfg->ndegradations * sizeof *ep->degr);
        ep->ndegr = cfg->ndegradations;
        qsort(ep->degr, (size_t)ep->ndegr, sizeof *ep->degr, cmp_degr);
    }
    for (int i = 1; i < ep->noutages; i++)
        if (ep->outages[i].start < ep->outages[i - 1].end) {
            sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "endpoint %s: outage windows overlap",
                        cfg->id);
            goto fail;
        }
    for (int i = 1; i < ep->ndegr; i++)
        if (ep->degr[i].start < ep->degr[i - 1].end) {
            sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "endpoint %s: degradation windows overlap",
                        cfg->id);
            goto fail;
        }

    ep->wait_hist = sim_hist_create(err);
    if (!ep->wait_hist)
        goto fail_nomem;
    sim_time now = sim_queue_now(q);
    if (cfg->series_bins > 0 && cfg->series_interval > 0) {
        ep->util_series =
            sim_series_create(SIM_SERIES_LEVEL, cfg->series_interval, cfg->series_bins, err);
        ep->queue_series =
            sim_series_create(SIM_SERIES_LEVEL, cfg->series_interval, cfg->series_bins, err);
        if (!ep->util_series || !ep->queue_series)
            goto fail_nomem;
        sim_series_set(ep->util_series, now, 0.0);
        sim_series_set(ep->queue_series, now, 0.0);
    }

    sim_station_cfg scfg = {
        .servers = cfg->workers,
        .capacity = ep->capacity,
        .service = {.kind = SIM_DIST_CONST}, /* unused: service_fn draws */
        .rng = cfg->rng,
        .service_fn = service_fn,
        .service_ctx = ep,
        .done = done_fn,
        .done_ctx = ep,
    };
    ep->st = sim_station_create(q, &scfg, err);
    if (!ep->st)
        goto fail_nomem;
    return ep;

fail_nomem:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "endpoint %s: out of memory", cfg->id);
fail:
    mdl_endpoint_destroy(ep);
    return NULL;
}

void mdl_endpoint_destroy(mdl_endpoint *ep)
{
    if (!ep)
        return;
    sim_station_destroy(ep->st);
    sim_series_destroy(ep->queue_series);
    sim_series_destroy(ep->util_series);
    sim_hist_destroy(ep->wait_hist);
    sim_free_hot(ep->reqs);
    sim_free(ep->degr);
    sim_free(ep->outages);
    sim_free(ep->id);
    sim_free_hot(ep);
}

int mdl_endpoint_request(mdl_endpoint *ep, mdl_endpoint_answer_fn *fn, void *ctx, uint64_t tag,
                         uint64_t *handle)
{
    sim_time now = sim_queue_now(ep->q);
    if (handle)
        *handle = 0;
    ep->requests++;
    int o = active_outage(ep, now);
    if (o >= 0 && ep->outages[o].mode == MDL_OUTAGE_FAIL_FAST) {
        ep->outage++;
        return MDL_EP_OUTAGE;
    }
    if (ep->conc_limit > 0) {
        int counted = ep->conc_min_age > 0 ? ep->aged : ep->in_flight;
        if (counted >= ep->conc_limit) {
            ep->concurrency++;
            return MDL_EP_CONCURRENCY;
        }
    }
    if (o >= 0) { /* hang: swallowed, never answered, no worker held */
        ep->accepted++;
        ep->hung++;
        return MDL_EP_ACCEPTED;
    }
    /* It reaches the workers: does it find every one busy (P(wait))? */
    int all_busy = ep->in_flight >= ep->workers; /* busy == workers (set_levels) */
    ep->offered++;
    if (all_busy) {
        ep->found_busy++;
        if (ep->exhausted_at == SIM_TIME_NEVER)
            ep->exhausted_at = now;
    }
    if (ep->capacity > 0 && ep->in_flight >= ep->capacity) { /* in_system (invariant 1) */
        ep->queue_full++;
        return MDL_EP_QUEUE_FULL;
    }
    uint32_t i = alloc_slot(ep);
    if (i == NO_SLOT) {
        ep->requests--;
        ep->offered--;
        ep->found_busy -= (uint64_t)all_busy;
        return SIM_ENOMEM;
    }
    struct req *r = &ep->reqs[i];
    r->fn = fn;
    r->ctx = ctx;
    r->tag = tag;
    uint64_t h = handle_of(ep, i);
    ep->in_flight++;
    int rc = sim_station_arrive(ep->st, h); /* may start service: service_fn sees the slot */
    if (rc != SIM_OK) {
        ep->in_flight--;
        free_slot(ep, i);
        if (rc == SIM_EFULL) { /* not reached: capacity was checked above */
            ep->queue_full++;
            return MDL_EP_QUEUE_FULL;
        }
        ep->requests--; /* SIM_ENOMEM: the station's line could not grow */
        ep->offered--;
        ep->found_busy -= (uint64_t)all_busy;
        return SIM_ENOMEM;
    }
    ep->accepted++;
    if (ep->conc_limit > 0 && ep->conc_min_age > 0)
        ep->reqs[i].aged_ev = sim_queue_after(ep->q, ep->conc_min_age, aged_fn, ep, h);
    set_levels(ep, now);
    if (handle)
        *handle = h;
    return MDL_EP_ACCEPTED;
}

void mdl_endpoint_abandon(mdl_endpoint *ep, uint64_t handle)
{
    struct req *r = lookup(ep, handle);
    if (!r || r->abandoned)
        return;
    r->abandoned = 1;
    ep->abandoned++;
}

sim_time mdl_endpoint_answer_at(const mdl_endpoint *ep, uint64_t handle)
{
    const struct req *r = lookup(ep, handle);
    return r ? r->answer_at : SIM_TIME_NEVER;
}

static int cmp_time(const void *a, const void *b)
{
    sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
    return (x > y) - (x < y);
}

int mdl_endpoint_in_service(const mdl_endpoint *ep, sim_time *ends, int cap)
{
    int n = sim_station_busy(ep->st);
    if (n > cap)
        return n;
    int k = 0;
    for (uint32_t i = 0; i < ep->nreqs && k < n; i++)
        if (ep->reqs[i].live && ep->reqs[i].answer_at != SIM_TIME_NEVER)
            ends[k++] = ep->reqs[i].answer_at;
    qsort(ends, (size_t)k, sizeof *ends, cmp_time);
    return n;
}

int mdl_endpoint_commit(mdl_endpoint *ep, const mdl_endpoint_bulk *b)
{
    int series = ep->util_series != NULL;
    if (b->wasted > b->served || b->found_busy > b->requests ||
        (b->found_busy > 0 && b->first_busy_at == SIM_TIME_NEVER) ||
        (b->served > 0 && (!b->wait || !b->sojourn)) ||
        (series && b->nbuckets > 0 &&
         (!b->busy_bucket_area || !b->busy_bucket_max || !b->queue_bucket_area ||
          !b->queue_bucket_max)))
        return SIM_EINVAL;
    ep->requests += b->requests;
    ep->accepted += b->requests;
    ep->offered += b->requests;
    ep->found_busy += b->found_busy;
    if (ep->exhausted_at == SIM_TIME_NEVER && b->found_busy > 0)
        ep->exhausted_at = b->first_busy_at;
    ep->served += b->served;
    ep->answered += b->served - b->wasted;
    ep->wasted += b->wasted;
    ep->wasted_work += b->wasted_work;
    ep->abandoned += b->abandoned;
    sim_hist_add_times(ep->wait_hist, b->wait, (size_t)b->served);
    sim_station_bulk sb = {
        .arrivals = b->requests,
        .served = b->served,
        .wait = b->wait,
        .sojourn = b->sojourn,
        .busy_area = b->busy_area,
        .queue_area = b->queue_area,
    };
    sim_station_commit(ep->st, &sb);
    if (!series)
        return SIM_OK;
    double c = (double)ep->workers; /* the utilisation series holds busy / c */
    for (size_t j = 0; j < b->nbuckets; j++) {
        sim_series_add_area(ep->util_series, b->first_bucket + j, b->busy_bucket_area[j] / c,
                            b->busy_bucket_max[j] / c);
        sim_series_add_area(ep->queue_series, b->first_bucket + j, b->queue_bucket_area[j],
                            b->queue_bucket_max[j]);
    }
    return SIM_OK;
}

int mdl_endpoint_inject(mdl_endpoint *ep, const mdl_endpoint_inflight *in, uint64_t *handle)
{
    sim_time now = sim_queue_now(ep->q);
    if (handle)
        *handle = 0;
    int in_service = in->start < now;
    int idle = sim_station_busy(ep->st) < ep->workers;
    if (in->arrived > now || in->start < in->arrived || in->service < 0 ||
        (in_service && in->start + in->service < now) || (!in_service && in->start > now && idle) ||
        (ep->server_timeout > 0 && in->service > ep->server_timeout))
        return SIM_EINVAL;
    if ((in_service && !idle) ||
        (ep->capacity > 0 && sim_station_in_system(ep->st) >= ep->capacity))
        return SIM_EFULL;
    uint32_t i = alloc_slot(ep);
    if (i == NO_SLOT)
        return SIM_ENOMEM;
    struct req *r = &ep->reqs[i];
    r->fn = in->fn;
    r->ctx = in->ctx;
    r->tag = in->tag;
    r->abandoned = in->abandoned != 0;
    r->fixed = 1;
    r->service = in->service;
    uint64_t h = handle_of(ep, i);
    int rc;
    if (in_service) {
        r->answer_at = in->start + in->service;
        rc = sim_station_inject_service(ep->st, h, in->arrived, in->start, r->answer_at);
    } else {
        rc = sim_station_inject_wait(ep->st, h, in->arrived); /* may start now: service_fn */
    }
    if (rc != SIM_OK) {
        free_slot(ep, i);
        return rc;
    }
    ep->in_flight++;
    if (ep->conc_limit > 0 && ep->conc_min_age > 0) {
        if (in->arrived + ep->conc_min_age <= now) {
            r->aged = 1;
            ep->aged++;
        } else {
            r->aged_ev = sim_queue_push(ep->q, in->arrived + ep->conc_min_age, aged_fn, ep, h);
        }
    }
    set_levels(ep, now);
    if (handle)
        *handle = h;
    return SIM_OK;
}

int mdl_endpoint_busy(const mdl_endpoint *ep)
{
    return sim_station_busy(ep->st);
}

int mdl_endpoint_waiting(const mdl_endpoint *ep)
{
    return sim_station_in_system(ep->st) - sim_station_busy(ep->st);
}

int mdl_endpoint_workers(const mdl_endpoint *ep)
{
    return ep->workers;
}

const mdl_service *mdl_endpoint_service(const mdl_endpoint *ep)
{
    return &ep->service;
}

void mdl_endpoint_stats_get(const mdl_endpoint *ep, mdl_endpoint_stats *out)
{
    sim_station_stats s;
    sim_station_stats_get(ep->st, &s);
    out->requests = ep->requests;
    out->accepted = ep->accepted;
    out->outage = ep->outage;
    out->queue_full = ep->queue_full;
    out->concurrency = ep->concurrency;
    out->hung = ep->hung;
    out->served = ep->served;
    out->aborted = ep->aborted;
    out->answered = ep->answered;
    out->abandoned = ep->abandoned;
    out->wasted = ep->wasted;
    out->wasted_work_s = sim_time_to_seconds(ep->wasted_work);
    out->offered = ep->offered;
    out->found_busy = ep->found_busy;
    out->exhausted_at = ep->exhausted_at;
    out->utilisation = s.mean_busy / (double)ep->workers;
    out->mean_queue = s.mean_in_queue;
    out->wait = s.wait;
    out->sojourn = s.sojourn;
}

const char *mdl_ep_reply_name(mdl_ep_reply r)
{
    switch (r) {
    case MDL_EP_ACCEPTED:
        return "accepted";
    case MDL_EP_OUTAGE:
        return "outage";
    case MDL_EP_QUEUE_FULL:
        return "queue_full";
    case MDL_EP_CONCURRENCY:
        return "concurrency";
    }
    return "?";
}

static int put(sim_result *r, const char *id, const char *what, const char *unit, double v,
               sim_err *err)
{
    char name[256];
    int len = snprintf(name, sizeof name, "system.%s.%s", id, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "endpoint: id too long: %.64s...", id);
    int rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "endpoint: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

static int put_series(sim_result *r, const char *id, const char *what, const char *unit,
                      const sim_series *s, sim_time now, sim_err *err)
{
    char name[256];
    int len = snprintf(name, sizeof name, "system.%s.%s", id, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "endpoint: id too long: %.64s...", id);
    sim_series *copy = sim_series_clone(s, err);
    if (!copy)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "endpoint: out of memory for %s", name);
    sim_series_finish(copy, now);
    int rc = sim_result_series(r, name, unit, copy); /* takes copy over */
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "endpoint: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

int mdl_endpoint_publish(const mdl_endpoint *ep, sim_result *r, sim_err *err)
{
    mdl_endpoint_stats s;
    mdl_endpoint_stats_get(ep, &s);
    const char *id = ep->id;
    int rc;
    if ((rc = put(r, id, "requests", "calls", (double)s.requests, err)) ||
        (rc = put(r, id, "served", "calls", (double)s.served, err)) ||
        (rc = put(r, id, "answered", "calls", (double)s.answered, err)) ||
        (rc = put(r, id, "unavailable_outage", "calls", (double)s.outage, err)) ||
        (rc = put(r, id, "unavailable_queue_full", "calls", (double)s.queue_full, err)) ||
        (rc = put(r, id, "concurrency_limited", "calls", (double)s.concurrency, err)) ||
        (rc = put(r, id, "hung", "calls", (double)s.hung, err)) ||
        (rc = put(r, id, "server_timeouts", "calls", (double)s.aborted, err)) ||
        (rc = put(r, id, "abandoned", "calls", (double)s.abandoned, err)) ||
        (rc = put(r, id, "wasted", "calls", (double)s.wasted, err)) ||
        (rc = put(r, id, "wasted_work_s", "s", s.wasted_work_s, err)) ||
        (rc = put(r, id, "utilisation", "share", s.utilisation, err)) ||
        (rc = put(r, id, "mean_queue", "requests", s.mean_queue, err)) ||
        (rc = put(r, id, "wait_mean_s", "s", s.wait.n ? s.wait.mean : NAN, err)) ||
        (rc = put(r, id, "wait_p95_s", "s", sim_hist_quantile(ep->wait_hist, 0.95), err)) ||
        (rc = put(r, id, "wait_p99_s", "s", sim_hist_quantile(ep->wait_hist, 0.99), err)) ||
        (rc = put(r, id, "sojourn_mean_s", "s", s.sojourn.n ? s.sojourn.mean : NAN, err)) ||
        (rc = put(r, id, "workers_wait_share", "share",
                  s.offered ? (double)s.found_busy / (double)s.offered : 0.0, err)) ||
        (rc = put(r, id, "workers_exhausted_at", "s",
                  s.exhausted_at == SIM_TIME_NEVER ? -1.0 : sim_time_to_seconds(s.exhausted_at),
                  err)))
        return rc;
    sim_time now = sim_queue_now(ep->q);
    if (ep->util_series &&
        (rc = put_series(r, id, "utilisation_series", "share", ep->util_series, now, err)))
        return rc;
    if (ep->queue_series &&
        (rc = put_series(r, id, "queue_length_series", "requests", ep->queue_series, now, err)))
        return rc;
    return SIM_OK;
}
