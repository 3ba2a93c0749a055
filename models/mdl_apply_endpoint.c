/*
 * mdl_apply_endpoint.c - a subscriber's apply call through quota + endpoint.
 *
 * Each accepted call has a record in a pool (free list, grows by doubling):
 * the subscriber's token and callback, the endpoint's handle and the
 * timeout timer (none when the endpoint serves the call at once and its
 * answer is due by the deadline: that timer could never fire). The
 * endpoint's tag and the timer's argument name the
 * record as (generation << 32 | index), so whichever of answer and timeout
 * comes second finds a newer generation and does nothing. Refusals are
 * answered synchronously (mdl_apply.h allows it) and use no record.
 */
#include "mdl_apply_endpoint.h"

#include <string.h>

#include "sim_alloc.h"

typedef struct call {
    uint64_t token;
    mdl_apply_done_fn *done;
    void *ctx;
    uint64_t handle;
    sim_event_id timer;
    uint32_t gen;
    int next_free;
} call;

struct mdl_apply_endpoint {
    sim_queue *q;
    mdl_endpoint *ep;
    mdl_quota *quota;
    mdl_ledger *ledger;
    int lrow;
    sim_time timeout;
    call *calls;
    int ncalls, free_head;
    mdl_apply_endpoint_stats st;
};

mdl_apply_endpoint *mdl_apply_endpoint_create(const mdl_apply_endpoint_cfg *cfg, sim_err *err)
{
    if (!cfg->q || !cfg->endpoint || cfg->timeout < 0) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "apply endpoint: a calendar, an endpoint and a timeout >= 0 are required");
        return NULL;
    }
    mdl_apply_endpoint *a = sim_calloc_hot(sizeof *a);
    if (!a) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "apply endpoint: out of memory");
        return NULL;
    }
    a->q = cfg->q;
    a->ep = cfg->endpoint;
    a->quota = cfg->quota;
    a->ledger = cfg->ledger;
    a->lrow = cfg->ledger_flow;
    a->timeout = cfg->timeout > 0 ? cfg->timeout : 120 * SIM_SEC;
    a->free_head = -1;
    return a;
}

void mdl_apply_endpoint_destroy(mdl_apply_endpoint *a)
{
    if (!a)
        return;
    sim_free_hot(a->calls);
    sim_free_hot(a);
}

static int grow(mdl_apply_endpoint *a)
{
    int cap = a->ncalls ? 2 * a->ncalls : 16;
    call *c = sim_reallocarray_hot(a->calls, (size_t)a->ncalls, (size_t)cap, sizeof *c);
    if (!c)
        return SIM_ENOMEM;
    for (int i = cap - 1; i >= a->ncalls; i--) {
        memset(&c[i], 0, sizeof c[i]);
        c[i].next_free = a->free_head;
        a->free_head = i;
    }
    a->calls = c;
    a->ncalls = cap;
    return SIM_OK;
}

static uint64_t tag_of(const mdl_apply_endpoint *a, int i)
{
    return ((uint64_t)a->calls[i].gen << 32) | (uint32_t)i;
}

/* The live call a tag names, or -1. */
static int call_of(const mdl_apply_endpoint *a, uint64_t tag)
{
    uint32_t i = (uint32_t)(tag & 0xffffffffu);
    if ((int)i >= a->ncalls || a->calls[i].gen != (uint32_t)(tag >> 32) || !a->calls[i].done)
        return -1;
    return (int)i;
}

/* Returns call i to the free list (its tag goes stale). */
static void release(mdl_apply_endpoint *a, int i)
{
    a->calls[i].gen++;
    a->calls[i].done = NULL;
    a->calls[i].timer = SIM_EVENT_NONE;
    a->calls[i].next_free = a->free_head;
    a->free_head = i;
    a->st.in_flight--;
}

/* Frees call i and answers its subscriber. */
static void finish(mdl_apply_endpoint *a, int i, int ok, sim_time now)
{
    call c = a->calls[i];
    release(a, i);
    c.done(c.ctx, c.token, ok, 1, now);
}

static void on_answer(void *ctx, uint64_t tag, mdl_ep_answer answer, sim_time now)
{
    mdl_apply_endpoint *a = ctx;
    int i = call_of(a, tag);
    if (i < 0)
        return;
    sim_queue_cancel(a->q, a->calls[i].timer);
    if (answer == MDL_EP_SERVER_TIMEOUT) { /* a 5xx after server_timeout: transient */
        a->st.unavailable++;
        finish(a, i, 0, now);
        return;
    }
    a->st.ok++;
    finish(a, i, 1, now);
}

/* The timeout is a deadline (docs/models/deadlines.md): an answer due
 * exactly at it is in time. on_timeout yields once (on_timed_out at the
 * same instant), so an answer scheduled for now fires first and cancels
 * it. */
static void on_timed_out(void *ctx, uint64_t tag, sim_time now);

static void on_timeout(void *ctx, uint64_t tag, sim_time now)
{
    mdl_apply_endpoint *a = ctx;
    int i = call_of(a, tag);
    if (i < 0)
        return;
    a->calls[i].timer = sim_queue_push(a->q, now, on_timed_out, a, tag);
}

static void on_timed_out(void *ctx, uint64_t tag, sim_time now)
{
    mdl_apply_endpoint *a = ctx;
    int i = call_of(a, tag);
    if (i < 0)
        return;
    mdl_endpoint_abandon(a->ep, a->calls[i].handle); /* its worker keeps serving it */
    a->st.timeouts++;
    finish(a, i, 0, now);
}

static int apply(void *impl, uint64_t token, sim_time now, mdl_apply_done_fn *done, void *ctx)
{
    mdl_apply_endpoint *a = impl;
    if (a->free_head < 0 && grow(a) != SIM_OK)
        return SIM_ENOMEM;
    a->st.calls++;
    if (a->ledger)
        mdl_ledger_calls(a->ledger, a->lrow, 1);
    if (a->quota && !mdl_quota_take(a->quota, now, 1)) {
        a->st.quota++;
        done(ctx, token, 0, 1, now);
        return SIM_OK;
    }
    /* The record is live before the request, in case the endpoint answers
     * at once. */
    int i = a->free_head;
    call *c = &a->calls[i];
    a->free_head = c->next_free;
    c->token = token;
    c->done = done;
    c->ctx = ctx;
    c->handle = 0;
    c->timer = SIM_EVENT_NONE;
    a->st.in_flight++;
    uint64_t tag = tag_of(a, i);
    uint64_t handle = 0;
    int reply = mdl_endpoint_request(a->ep, on_answer, a, tag, &handle);
    if (reply < 0) {
        release(a, i);
        return reply;
    }
    if (reply != MDL_EP_ACCEPTED) {
        if (reply == MDL_EP_CONCURRENCY)
            a->st.concurrency++;
        else
            a->st.unavailable++;
        release(a, i);
        done(ctx, token, 0, 1, now);
        return SIM_OK;
    }
    if (call_of(a, tag) == i) { /* not answered yet */
        a->calls[i].handle = handle;
        if (mdl_endpoint_answer_at(a->ep, handle) - now > a->timeout)
            a->calls[i].timer = sim_queue_push(a->q, now + a->timeout, on_timeout, a, tag);
    }
    return SIM_OK;
}

mdl_apply mdl_apply_endpoint_apply(mdl_apply_endpoint *a)
{
    return (mdl_apply){apply, a};
}

void mdl_apply_endpoint_stats_get(const mdl_apply_endpoint *a, mdl_apply_endpoint_stats *out)
{
    *out = a->st;
}

/* ---- the aggregate path ----------------------------------------------------- */

sim_time mdl_apply_endpoint_answer_of(const mdl_apply_endpoint *a, uint64_t token)
{
    for (int i = 0; i < a->ncalls; i++) {
        const call *c = &a->calls[i];
        if (c->done && c->token == token)
            return c->timer == SIM_EVENT_NONE ? mdl_endpoint_answer_at(a->ep, c->handle)
                                              : SIM_TIME_NEVER;
    }
    return SIM_TIME_NEVER;
}

sim_time mdl_apply_endpoint_timeout(const mdl_apply_endpoint *a)
{
    return a->timeout;
}

void mdl_apply_endpoint_pass_commit(mdl_apply_endpoint *a, uint64_t calls, uint64_t ok)
{
    a->st.calls += calls;
    a->st.ok += ok;
    if (a->ledger)
        mdl_ledger_calls(a->ledger, a->lrow, calls);
}

int mdl_apply_endpoint_pass_inject(mdl_apply_endpoint *a, const mdl_endpoint_inflight *in,
                                   uint64_t token, mdl_apply_done_fn *done, void *ctx)
{
    sim_time now = sim_queue_now(a->q);
    sim_time deadline = in->arrived + a->timeout;
    int timed = in->start + in->service > deadline;
    if (timed && deadline < now)
        return SIM_EINVAL;
    if (a->free_head < 0 && grow(a) != SIM_OK)
        return SIM_ENOMEM;
    int i = a->free_head;
    sim_event_id timer = SIM_EVENT_NONE;
    if (timed &&
        (timer = sim_queue_push(a->q, deadline, on_timeout, a, tag_of(a, i))) == SIM_EVENT_NONE)
        return SIM_ENOMEM;
    mdl_endpoint_inflight req = *in;
    req.fn = on_answer;
    req.ctx = a;
    req.tag = tag_of(a, i);
    uint64_t handle = 0;
    int rc = mdl_endpoint_inject(a->ep, &req, &handle);
    if (rc != SIM_OK) {
        sim_queue_cancel(a->q, timer);
        return rc;
    }
    call *c = &a->calls[i];
    a->free_head = c->next_free;
    c->token = token;
    c->done = done;
    c->ctx = ctx;
    c->handle = handle;
    c->timer = timer;
    a->st.in_flight++;
    return SIM_OK;
}
