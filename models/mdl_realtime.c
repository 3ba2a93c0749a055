/*
 * mdl_realtime.c - the record life cycle of mdl_realtime.h.
 *
 * Layout. Each record in the flow has a slot in a table that grows by
 * doubling and recycles slots through a free list. Its handle (generation
 * << 32 | index; generation >= 1, bumped when freed) is the uint64_t arg of
 * every event and the tag of every endpoint request, so callbacks find the
 * record in O(1) and a stale callback never matches a reused slot.
 *
 * States of a slot:
 *   POOL     waiting in the caller's line for a thread (pool_wait); no event
 *            of its own: the caller calls ev_granted or ev_pool_refused
 *   TOKEN    waiting for an inline token refresh; ev = the send event
 *   CALL     request accepted by the endpoint; ev = the timeout event, or
 *            SIM_EVENT_NONE when the endpoint's answer is due by the
 *            deadline (see send_call)
 *   SLEEP    sleeping before a retry; ev = the retry event
 *   QUEUED   parked in the retry queue (a FIFO linked through next_q), due
 *            for its next attempt at `due`; no event of its own
 * A record is `parked` from its first fallback to the queue on. A record
 * holds one caller thread (`holds`, if there is a pool) from the moment the
 * pool grants it until it is parked or finished: never while in POOL. A parked
 * record out of the FIFO (TOKEN or CALL) is being tried by queue consumer
 * `worker`.
 *
 * Queue consumers (park_workers of them), each in one state:
 *   IDLE     no event; only while the FIFO is empty or it has just finished
 *   WAIT     one event, when it looks at the FIFO again (the head's due time,
 *            or now right after finishing a record)
 *   BUSY     trying one record
 * A consumer takes the head when it is due, makes one attempt through the
 * same breaker, token, quota, rate limit and endpoint, and on failure puts
 * it back at the head, due park_retry later (or after the server's
 * Retry-After). So while the target fails, each consumer makes one attempt
 * per park_retry, and once it recovers the line drains at the consumers'
 * pace. Consumers always continue through an event (never by recursion), so
 * a long line of records that fail at once (e.g. dead tokens) costs no stack.
 *
 * Invariants:
 *   1. Every live slot in TOKEN or SLEEP has exactly one pending event, its
 *      ev; a CALL slot has one (its timeout) unless its answer is already
 *      known to come by the deadline; QUEUED slots are exactly the FIFO's
 *      members; POOL slots are exactly this flow's members of the caller's
 *      waiting line.
 *   2. live slots = pending records; parked_now = slots with parked set.
 *   3. Each record ends in the ledger exactly once, when its slot is freed
 *      (finish()), so created = ended + pending at any time.
 *   4. A breaker ticket is taken before each attempt and given an outcome
 *      exactly once (record) for every call made.
 *   5. Threads held by this flow = live records with `holds` set = live
 *      records that are neither parked nor in POOL.
 */
#include "mdl_realtime.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_alloc.h"

#define NO_SLOT UINT32_MAX

enum rec_state { S_FREE = 0, S_POOL, S_TOKEN, S_CALL, S_SLEEP, S_QUEUED };
enum worker_state { W_IDLE = 0, W_WAIT, W_BUSY };

/* What one attempt came to. */
enum outcome {
    O_OK = 0,
    O_TIMEOUT,
    O_UNAVAILABLE,
    O_RATE_LIMITED,
    O_CONCURRENCY,
    O_QUOTA,
    O_TOKEN
};

/* 64 bytes, and the table starts on a cache line (sim_reallocarray_hot):
 * a record is one line. Two pairs of fields share their bytes, never
 * used at once: next_free (FREE) and next_q (QUEUED); prev_sleep (the
 * synchronous loop's backoff, never read once the record is parked) and
 * due (parked). */
struct rec {
    uint32_t gen;
    union {
        uint32_t next_free; /* FREE: the next free slot */
        uint32_t next_q;    /* QUEUED: the next record in the FIFO */
    };
    unsigned char state, parked, has_ticket, holds;
    int attempt; /* attempts made in the synchronous loop */
    int worker;  /* parked and being tried: the consumer trying it */
    uint32_t ticket;
    sim_time created, sent;
    union {
        sim_time prev_sleep; /* not parked: the last backoff sleep */
        sim_time due;        /* parked: its next attempt */
    };
    uint64_t ep_handle;
    sim_event_id ev;
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(struct rec) == SIM_CACHE_LINE,
               "realtime: performance layout (a moved field changes no result): "
               "a record is one cache line");
#endif

struct worker {
    unsigned char state;
    sim_event_id ev;
};

struct mdl_realtime {
    /* What every record reads, first: at 1,000 flows a flow's state is
     * cold at each record, so its attempt path (submit, send_call,
     * outcome, finish) should touch few cache lines. Lines 0 and 1 hold
     * the links and what a submit and an answer read besides; line 2
     * starts with the stats' first counters (submitted, attempts, retries,
     * ok). */
    sim_queue *q;
    mdl_ledger *ledger;
    mdl_endpoint *ep;
    mdl_quota *quota;
    mdl_ratelimit *rl;
    mdl_token *token;
    mdl_breaker *breaker; /* owned */
    mdl_caller *caller;
    struct rec *recs;
    void (*write_hook)(void *ctx, int target_system, uint64_t records, sim_time now);
    void *write_ctx;
    uint64_t live;
    sim_time timeout;
    uint32_t nrecs, cap, free_head;
    int flow;
    int target_system;
    int ignore_retry_after;
    mdl_realtime_stats s;

    int max_attempts;
    int status;
    mdl_breaker *trial; /* owned: a copy to try a pass's outcomes on */
    char *id;
    gsl_rng *rng;
    sim_time park_retry;
    int retry_quota;
    int nworkers;
    struct worker *workers;
    uint32_t qhead, qtail; /* the retry queue, NO_SLOT when empty */
    mdl_backoff_cfg backoff;
    mdl_fallback fallback;
    sim_series *parked_series;
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(struct mdl_realtime, ignore_retry_after) + sizeof(int) <=
                       2 * SIM_CACHE_LINE &&
                   offsetof(struct mdl_realtime, s) == 2 * SIM_CACHE_LINE,
               "realtime: performance layout (a moved field changes no result): "
               "lines 0 and 1 hold the links and a record's reads, line 2 the first counters");
#endif

static void start_attempt(mdl_realtime *rt, uint32_t i, sim_time now);

/* ---- record table ------------------------------------------------------ */

static uint64_t handle_of(const mdl_realtime *rt, uint32_t i)
{
    return ((uint64_t)rt->recs[i].gen << 32) | i;
}

static struct rec *lookup(mdl_realtime *rt, uint64_t h, uint32_t *index)
{
    uint32_t i = (uint32_t)(h & 0xffffffffu);
    if (i >= rt->nrecs)
        return NULL;
    struct rec *r = &rt->recs[i];
    if (r->state == S_FREE || r->gen != (uint32_t)(h >> 32))
        return NULL;
    *index = i;
    return r;
}

static uint32_t alloc_rec(mdl_realtime *rt)
{
    uint32_t i;
    if (rt->free_head != NO_SLOT) {
        i = rt->free_head;
        rt->free_head = rt->recs[i].next_free;
    } else {
        if (rt->nrecs == rt->cap) {
            uint32_t ncap = rt->cap ? rt->cap * 2 : 64;
            if (ncap <= rt->cap || ncap >= NO_SLOT)
                return NO_SLOT;
            struct rec *r = sim_reallocarray_hot(rt->recs, rt->cap, ncap, sizeof *r);
            if (!r)
                return NO_SLOT;
            rt->recs = r;
            rt->cap = ncap;
        }
        i = rt->nrecs++;
        rt->recs[i].gen = 1;
    }
    struct rec *r = &rt->recs[i];
    r->state = S_SLEEP; /* anything but S_FREE; set properly by the caller */
    r->parked = r->has_ticket = r->holds = 0;
    r->attempt = 0;
    r->prev_sleep = 0;
    r->ep_handle = 0;
    r->ev = SIM_EVENT_NONE;
    rt->live++;
    return i;
}

static void set_parked_level(mdl_realtime *rt, sim_time now)
{
    if (rt->parked_series)
        sim_series_set(rt->parked_series, now, (double)rt->s.parked_now);
}

/* The record leaves the flow (invariant 3): thread back, slot freed. */
static void finish(mdl_realtime *rt, uint32_t i, sim_time now, mdl_state st, mdl_reason why)
{
    struct rec *r = &rt->recs[i];
    if (st == MDL_DELIVERED) {
        mdl_ledger_end(rt->ledger, rt->flow, st, why, 1, now - r->created);
        if (rt->write_hook)
            rt->write_hook(rt->write_ctx, rt->target_system, 1, now);
        if (r->parked)
            rt->s.delivered_after_park++;
    } else {
        mdl_ledger_end(rt->ledger, rt->flow, st, why, 1, 0);
    }
    if (r->parked) {
        rt->s.parked_now--;
        set_parked_level(rt, now);
    }
    if (r->holds) {
        r->holds = 0;
        mdl_caller_release(rt->caller, now);
    }
    r->state = S_FREE;
    r->gen++;
    if (r->gen == 0)
        r->gen = 1;
    r->next_free = rt->free_head;
    rt->free_head = i;
    rt->live--;
}

/* ---- events -------------------------------------------------------------- */

static void ev_attempt(void *ctx, uint64_t arg, sim_time now)
{
    mdl_realtime *rt = ctx;
    uint32_t i;
    struct rec *r = lookup(rt, arg, &i);
    if (!r)
        return;
    r->ev = SIM_EVENT_NONE;
    start_attempt(rt, i, now);
}

/* The caller's pool gave record i a thread after it waited (S_POOL). */
static void ev_granted(void *ctx, uint64_t arg, sim_time now)
{
    mdl_realtime *rt = ctx;
    uint32_t i;
    struct rec *r = lookup(rt, arg, &i);
    if (!r || r->state != S_POOL) { /* cannot happen (invariant 1); never leak the thread */
        mdl_caller_release(rt->caller, now);
        return;
    }
    r->holds = 1;
    r->state = S_SLEEP; /* anything but S_POOL; start_attempt sets the real state */
    start_attempt(rt, i, now);
}

/* Record i waited pool_wait for a thread in vain: rejected pool_full. */
static void ev_pool_refused(void *ctx, uint64_t arg, sim_time now)
{
    mdl_realtime *rt = ctx;
    uint32_t i;
    struct rec *r = lookup(rt, arg, &i);
    if (r && r->state == S_POOL)
        finish(rt, i, now, MDL_REJECTED, MDL_R_POOL_FULL);
}

/* ---- the retry queue and its consumers ------------------------------------ */

static void ev_worker(void *ctx, uint64_t w, sim_time now);

/* Consumer w looks at the queue again at `at` (>= now). */
static void wake(mdl_realtime *rt, int w, sim_time at)
{
    struct worker *k = &rt->workers[w];
    k->state = W_WAIT;
    k->ev = sim_queue_push(rt->q, at, ev_worker, rt, (uint64_t)w);
}

/* Idle consumers wake for the head (the queue just got a member). */
static void wake_idle(mdl_realtime *rt, sim_time now)
{
    sim_time due = rt->recs[rt->qhead].due;
    for (int w = 0; w < rt->nworkers; w++)
        if (rt->workers[w].state == W_IDLE)
            wake(rt, w, due > now ? due : now);
}

/* Consumer w finished with its record: it looks again, through an event. */
static void worker_done(mdl_realtime *rt, int w, sim_time now)
{
    rt->workers[w].state = W_IDLE;
    if (rt->qhead != NO_SLOT)
        wake(rt, w, now);
}

/* Puts parked record i in the queue, due at `due`: at the head (a consumer
 * retries the same record: FIFO order is kept) or at the tail. */
static void enqueue(mdl_realtime *rt, uint32_t i, sim_time due, int at_head, sim_time now)
{
    struct rec *r = &rt->recs[i];
    r->state = S_QUEUED;
    r->ev = SIM_EVENT_NONE;
    r->due = due;
    if (rt->qhead == NO_SLOT) {
        r->next_q = NO_SLOT;
        rt->qhead = rt->qtail = i;
    } else if (at_head) {
        r->next_q = rt->qhead;
        rt->qhead = i;
    } else {
        r->next_q = NO_SLOT;
        rt->recs[rt->qtail].next_q = i;
        rt->qtail = i;
    }
    wake_idle(rt, now);
}

static void ev_worker(void *ctx, uint64_t w, sim_time now)
{
    mdl_realtime *rt = ctx;
    struct worker *k = &rt->workers[w];
    k->ev = SIM_EVENT_NONE;
    k->state = W_IDLE;
    if (rt->qhead == NO_SLOT)
        return;
    uint32_t i = rt->qhead;
    struct rec *r = &rt->recs[i];
    if (r->due > now) {
        wake(rt, (int)w, r->due);
        return;
    }
    rt->qhead = r->next_q;
    if (rt->qhead == NO_SLOT)
        rt->qtail = NO_SLOT;
    k->state = W_BUSY;
    r->worker = (int)w;
    r->state = S_SLEEP; /* out of the queue; start_attempt sets the real state */
    start_attempt(rt, i, now);
}

/* The synchronous loop hands record i to the queue: its thread is released
 * (the caller moves on) and it waits park_retry before its first retry. */
static void park(mdl_realtime *rt, uint32_t i, sim_time now)
{
    struct rec *r = &rt->recs[i];
    r->parked = 1;
    rt->s.parked++;
    rt->s.parked_now++;
    set_parked_level(rt, now);
    if (r->holds) {
        r->holds = 0;
        mdl_caller_release(rt->caller, now);
    }
    enqueue(rt, i, now + rt->park_retry, 0, now);
}

/* A consumer's attempt at parked record i failed (or was refused by the
 * breaker): back to the head of the queue. */
static void requeue(mdl_realtime *rt, uint32_t i, sim_time retry_after, sim_time now)
{
    int w = rt->recs[i].worker;
    enqueue(rt, i, now + (retry_after >= 0 ? retry_after : rt->park_retry), 1, now);
    worker_done(rt, w, now);
}

/* The synchronous loop gave up with `why`. */
static void fall_back(mdl_realtime *rt, uint32_t i, sim_time now, mdl_reason why)
{
    if (rt->fallback == MDL_FALLBACK_QUEUE && why != MDL_R_TOKEN_EXPIRED)
        park(rt, i, now);
    else
        finish(rt, i, now, MDL_REJECTED, why);
}

static mdl_reason reason_of(enum outcome o)
{
    switch (o) {
    case O_TIMEOUT:
        return MDL_R_TIMEOUT;
    case O_UNAVAILABLE:
        return MDL_R_UNAVAILABLE;
    case O_RATE_LIMITED:
        return MDL_R_RATE_LIMITED;
    case O_CONCURRENCY:
        return MDL_R_CONCURRENCY;
    case O_QUOTA:
        return MDL_R_QUOTA;
    case O_TOKEN:
        return MDL_R_TOKEN_EXPIRED;
    case O_OK:
        break;
    }
    return MDL_R_OK;
}

/* A call made at r->sent came to o at now; retry_after < 0 if none. */
static void outcome(mdl_realtime *rt, uint32_t i, enum outcome o, sim_time retry_after,
                    sim_time now)
{
    struct rec *r = &rt->recs[i];
    r->ev = SIM_EVENT_NONE;
    r->ep_handle = 0;
    if (rt->ignore_retry_after)
        retry_after = -1; /* a client that never reads the header: its backoff formula */
    if (r->has_ticket) {
        mdl_breaker_record(rt->breaker, r->ticket, o != O_OK, now - r->sent, now);
        r->has_ticket = 0;
    }
    switch (o) {
    case O_OK: {
        rt->s.ok++;
        int w = r->parked ? r->worker : -1;
        finish(rt, i, now, MDL_DELIVERED, MDL_R_OK);
        if (w >= 0)
            worker_done(rt, w, now);
        return;
    }
    case O_TIMEOUT:
        rt->s.timeout++;
        break;
    case O_UNAVAILABLE:
        rt->s.unavailable++;
        break;
    case O_RATE_LIMITED:
        rt->s.rate_limited++;
        break;
    case O_CONCURRENCY:
        rt->s.concurrency++;
        break;
    case O_QUOTA:
        rt->s.quota++;
        break;
    case O_TOKEN:
        rt->s.token_expired++;
        break;
    }
    mdl_reason why = reason_of(o);
    if (r->parked) {
        if (o == O_TOKEN) { /* waiting cannot help a token that is never refreshed */
            int w = r->worker;
            finish(rt, i, now, MDL_REJECTED, why);
            worker_done(rt, w, now);
        } else {
            requeue(rt, i, retry_after, now);
        }
        return;
    }
    int retryable = o == O_TIMEOUT || o == O_UNAVAILABLE || o == O_RATE_LIMITED ||
                    o == O_CONCURRENCY || (o == O_QUOTA && rt->retry_quota);
    if (retryable && r->attempt < rt->max_attempts) {
        sim_time d =
            mdl_backoff_delay(&rt->backoff, r->attempt, &r->prev_sleep, retry_after, rt->rng);
        rt->s.sleep_total += d;
        r->state = S_SLEEP;
        r->ev = sim_queue_after(rt->q, d, ev_attempt, rt, handle_of(rt, i));
        return;
    }
    fall_back(rt, i, now, why);
}

/* The caller's timeout is a deadline (docs/models/deadlines.md): an
 * answer due exactly at it is in time. ev_timeout yields once, pushing
 * ev_timed_out at the same instant, so an answer whose event was scheduled
 * for now fires first (and cancels it). */
static void ev_timed_out(void *ctx, uint64_t arg, sim_time now);

static void ev_timeout(void *ctx, uint64_t arg, sim_time now)
{
    mdl_realtime *rt = ctx;
    uint32_t i;
    struct rec *r = lookup(rt, arg, &i);
    if (!r || r->state != S_CALL)
        return;
    r->ev = sim_queue_push(rt->q, now, ev_timed_out, rt, arg);
}

static void ev_timed_out(void *ctx, uint64_t arg, sim_time now)
{
    mdl_realtime *rt = ctx;
    uint32_t i;
    struct rec *r = lookup(rt, arg, &i);
    if (!r || r->state != S_CALL)
        return;
    mdl_endpoint_abandon(rt->ep, r->ep_handle); /* its worker keeps serving it */
    outcome(rt, i, O_TIMEOUT, -1, now);
}

static void on_answer(void *ctx, uint64_t tag, mdl_ep_answer answer, sim_time now)
{
    mdl_realtime *rt = ctx;
    uint32_t i;
    struct rec *r = lookup(rt, tag, &i);
    if (!r || r->state != S_CALL)
        return;
    sim_queue_cancel(rt->q, r->ev);
    /* A server timeout answers 5xx: a failure like a 503, and retryable. */
    outcome(rt, i, answer == MDL_EP_SERVER_TIMEOUT ? O_UNAVAILABLE : O_OK, -1, now);
}

/* The call goes out now (breaker and token already passed). */
static void send_call(mdl_realtime *rt, uint32_t i, sim_time now)
{
    struct rec *r = &rt->recs[i];
    r->sent = now;
    if (r->parked)
        rt->s.park_attempts++;
    else if (++r->attempt > 1)
        rt->s.retries++;
    rt->s.attempts++;
    mdl_ledger_calls(rt->ledger, rt->flow, 1);

    if (rt->quota && !mdl_quota_take(rt->quota, now, 1)) {
        outcome(rt, i, O_QUOTA, -1, now);
        return;
    }
    sim_time retry_after = -1;
    if (rt->rl && !mdl_ratelimit_take(rt->rl, now, &retry_after)) {
        outcome(rt, i, O_RATE_LIMITED, retry_after, now);
        return;
    }
    uint64_t h = handle_of(rt, i);
    uint64_t eph = 0;
    int reply = mdl_endpoint_request(rt->ep, on_answer, rt, h, &eph);
    r = &rt->recs[i]; /* the endpoint does not call back synchronously, but be safe */
    switch (reply) {
    case MDL_EP_ACCEPTED:
        r->state = S_CALL;
        r->ep_handle = eph;
        /* Served at once, its answer time is fixed; an answer by the
         * deadline is in time, and only the answer or the timeout ends a
         * call, so the timeout could never fire: no event for it. */
        if (mdl_endpoint_answer_at(rt->ep, eph) - now <= rt->timeout)
            r->ev = SIM_EVENT_NONE;
        else
            r->ev = sim_queue_after(rt->q, rt->timeout, ev_timeout, rt, h);
        return;
    case MDL_EP_CONCURRENCY:
        outcome(rt, i, O_CONCURRENCY, -1, now);
        return;
    case MDL_EP_OUTAGE:
    case MDL_EP_QUEUE_FULL:
        outcome(rt, i, O_UNAVAILABLE, -1, now);
        return;
    default: /* SIM_ENOMEM: remember it, and let the call fail like a 503 */
        rt->status = SIM_ENOMEM;
        outcome(rt, i, O_UNAVAILABLE, -1, now);
        return;
    }
}

static void ev_send(void *ctx, uint64_t arg, sim_time now)
{
    mdl_realtime *rt = ctx;
    uint32_t i;
    struct rec *r = lookup(rt, arg, &i);
    if (!r || r->state != S_TOKEN)
        return;
    r->ev = SIM_EVENT_NONE;
    send_call(rt, i, now);
}

static void start_attempt(mdl_realtime *rt, uint32_t i, sim_time now)
{
    struct rec *r = &rt->recs[i];
    if (rt->breaker) {
        if (!mdl_breaker_acquire(rt->breaker, now, &r->ticket)) {
            rt->s.breaker_refused++;
            if (r->parked)
                requeue(rt, i, -1, now);
            else
                fall_back(rt, i, now, MDL_R_BREAKER_OPEN);
            return;
        }
        r->has_ticket = 1;
    }
    if (rt->token) {
        sim_time extra = 0;
        if (!mdl_token_use(rt->token, now, &extra)) {
            /* The call goes out with a dead token and gets 401: a call
             * made, not billed against the quota. */
            r->sent = now;
            rt->s.attempts++;
            if (r->parked)
                rt->s.park_attempts++;
            else if (++r->attempt > 1)
                rt->s.retries++;
            mdl_ledger_calls(rt->ledger, rt->flow, 1);
            outcome(rt, i, O_TOKEN, -1, now);
            return;
        }
        if (extra > 0) {
            r->state = S_TOKEN;
            r->ev = sim_queue_after(rt->q, extra, ev_send, rt, handle_of(rt, i));
            return;
        }
    }
    send_call(rt, i, now);
}

/* ---- public ----------------------------------------------------------------- */

mdl_realtime *mdl_realtime_create(const mdl_realtime_cfg *cfg, sim_err *err)
{
    if (!cfg || !cfg->id || !cfg->id[0]) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "realtime: an id is required");
        return NULL;
    }
    const char *id = cfg->id;
    if (!cfg->q || !cfg->ledger || !cfg->endpoint) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "realtime %s: the calendar, the ledger and the endpoint are required", id);
        return NULL;
    }
    if (cfg->flow < 0 || cfg->timeout < 0 || cfg->max_attempts < 0 || cfg->park_retry < 0 ||
        cfg->park_workers < 0 || cfg->series_interval < 0) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "realtime %s: flow, timeout, max_attempts, park_retry and park_workers must "
                    "be >= 0",
                    id);
        return NULL;
    }
    if (cfg->fallback < MDL_FALLBACK_NONE || cfg->fallback > MDL_FALLBACK_QUEUE) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "realtime %s: unknown fallback %d", id,
                    (int)cfg->fallback);
        return NULL;
    }
    if (mdl_backoff_check(&cfg->backoff, err) != SIM_OK)
        return NULL;
    if (!cfg->rng && cfg->backoff.jitter != MDL_JITTER_NONE) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "realtime %s: an rng is required for %s jitter",
                    id, mdl_jitter_name(cfg->backoff.jitter));
        return NULL;
    }

    mdl_realtime *rt = sim_calloc_hot(sizeof *rt);
    if (!rt)
        goto fail_nomem;
    rt->flow = cfg->flow;
    rt->q = cfg->q;
    rt->ledger = cfg->ledger;
    rt->write_hook = cfg->write_hook;
    rt->write_ctx = cfg->write_ctx;
    rt->target_system = cfg->target_system;
    rt->ep = cfg->endpoint;
    rt->caller = cfg->caller;
    rt->quota = cfg->quota;
    rt->rl = cfg->ratelimit;
    rt->token = cfg->token;
    rt->rng = cfg->rng;
    rt->timeout = cfg->timeout ? cfg->timeout : 120 * SIM_SEC;
    rt->park_retry = cfg->park_retry ? cfg->park_retry : 60 * SIM_SEC;
    rt->max_attempts = cfg->max_attempts ? cfg->max_attempts : 3;
    rt->retry_quota = cfg->retry_quota;
    rt->ignore_retry_after = cfg->ignore_retry_after;
    rt->backoff = cfg->backoff;
    rt->fallback = cfg->fallback;
    rt->free_head = NO_SLOT;
    rt->qhead = rt->qtail = NO_SLOT;
    rt->status = SIM_OK;
    rt->id = sim_strdup(id);
    if (!rt->id)
        goto fail_nomem;
    rt->nworkers = cfg->park_workers ? cfg->park_workers : 1;
    rt->workers = sim_calloc((size_t)rt->nworkers, sizeof *rt->workers);
    if (!rt->workers)
        goto fail_nomem;
    sim_time now = sim_queue_now(cfg->q);
    if (cfg->breaker) {
        rt->breaker = mdl_breaker_create(cfg->breaker, now, err);
        if (!rt->breaker)
            goto fail; /* err filled: EINVAL or ENOMEM */
        mdl_breaker_cfg quiet = *cfg->breaker;
        quiet.series_bins = 0; /* the trial keeps no chart */
        if (!(rt->trial = mdl_breaker_create(&quiet, now, err)))
            goto fail;
    }
    if (cfg->series_bins > 0 && cfg->series_interval > 0) {
        rt->parked_series =
            sim_series_create(SIM_SERIES_LEVEL, cfg->series_interval, cfg->series_bins, err);
        if (!rt->parked_series)
            goto fail_nomem;
        sim_series_set(rt->parked_series, now, 0.0);
    }
    return rt;

fail_nomem:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "realtime %s: out of memory", id);
fail:
    mdl_realtime_destroy(rt);
    return NULL;
}

void mdl_realtime_destroy(mdl_realtime *rt)
{
    if (!rt)
        return;
    sim_series_destroy(rt->parked_series);
    mdl_breaker_destroy(rt->breaker);
    mdl_breaker_destroy(rt->trial);
    sim_free(rt->workers);
    sim_free_hot(rt->recs);
    sim_free(rt->id);
    sim_free_hot(rt);
}

int mdl_realtime_submit(mdl_realtime *rt, sim_time created)
{
    sim_time now = sim_queue_now(rt->q);
    rt->s.submitted++;
    mdl_ledger_created(rt->ledger, rt->flow, 1);
    uint32_t i = alloc_rec(rt);
    if (i == NO_SLOT) {
        mdl_ledger_end(rt->ledger, rt->flow, MDL_REJECTED, MDL_R_DROPPED, 1, 0);
        rt->status = SIM_ENOMEM;
        return SIM_ENOMEM;
    }
    struct rec *r = &rt->recs[i];
    r->created = created <= now ? created : now;
    if (rt->caller) {
        mdl_caller_waiter w = {
            .granted = ev_granted, .refused = ev_pool_refused, .ctx = rt, .arg = handle_of(rt, i)};
        int reply = mdl_caller_request(rt->caller, now, &w);
        if (reply == MDL_CALLER_WAITING) {
            r->state = S_POOL; /* holds nothing; the caller calls back (invariant 1) */
            return SIM_OK;
        }
        if (reply != MDL_CALLER_HELD) {
            int enomem = reply < 0;
            finish(rt, i, now, MDL_REJECTED, enomem ? MDL_R_DROPPED : MDL_R_POOL_FULL);
            if (enomem)
                rt->status = SIM_ENOMEM;
            return enomem ? SIM_ENOMEM : SIM_OK;
        }
        r->holds = 1;
    }
    start_attempt(rt, i, now);
    return SIM_OK;
}

uint64_t mdl_realtime_pending(const mdl_realtime *rt)
{
    return rt->live;
}

int mdl_realtime_idle(const mdl_realtime *rt)
{
    return rt->live == 0 &&
           (!rt->breaker || mdl_breaker_state_of(rt->breaker) == MDL_BREAKER_CLOSED);
}

sim_time mdl_realtime_quiet_limit(const mdl_realtime *rt)
{
    return rt->timeout;
}

int mdl_realtime_breaker_surely_holds(const mdl_realtime *rt, size_t n, const sim_time *created,
                                      const sim_time *answer)
{
    if (!rt->breaker)
        return 1;
    /* No slow call, and successes that cannot open it: a window that still
     * holds failures or slow calls can open on a fast success (one more
     * call reaching minimum_calls, or older successes sliding out of a
     * time window); mdl_breaker_fast_successes_hold tells when not. */
    sim_time slow = mdl_breaker_slow_call_duration(rt->breaker);
    int fast = 1;
    for (size_t i = 0; i < n; i++)
        fast &= answer[i] - created[i] <= slow;
    return fast && mdl_breaker_fast_successes_hold(rt->breaker, n);
}

int mdl_realtime_breaker_holds(mdl_realtime *rt, size_t n, const sim_time *created,
                               const sim_time *answer)
{
    if (mdl_realtime_breaker_surely_holds(rt, n, created, answer))
        return 1;
    if (mdl_breaker_copy_state(rt->trial, rt->breaker) != SIM_OK)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t ticket;
        if (!mdl_breaker_acquire(rt->trial, answer[i], &ticket))
            return 0;
        mdl_breaker_record(rt->trial, ticket, 0, answer[i] - created[i], answer[i]);
        if (mdl_breaker_state_of(rt->trial) != MDL_BREAKER_CLOSED)
            return 0;
    }
    return 1;
}

/* A breaker that is CLOSED throughout (mdl_realtime_breaker_holds) hands
 * out the same ticket whenever it is asked, and records an outcome at its
 * answer: so acquiring each ticket at the answer instead of at the send
 * gives the same tickets, and the outcomes enter the window at the same
 * times, in the same order. */
void mdl_realtime_commit(mdl_realtime *rt, size_t n, const sim_time *created,
                         const sim_time *answer)
{
    rt->s.submitted += n;
    rt->s.attempts += n;
    rt->s.ok += n;
    mdl_ledger_created(rt->ledger, rt->flow, n);
    mdl_ledger_calls(rt->ledger, rt->flow, n);
    sim_time latency[256]; /* in chunks: the ledger and the breaker take runs */
    for (size_t i = 0; i < n;) {
        size_t m = n - i < 256 ? n - i : 256;
        for (size_t j = 0; j < m; j++)
            latency[j] = answer[i + j] - created[i + j];
        mdl_ledger_delivered_n(rt->ledger, rt->flow, m, latency);
        if (rt->breaker)
            mdl_breaker_record_ok_n(rt->breaker, m, answer + i, latency);
        i += m;
    }
}

const mdl_breaker *mdl_realtime_breaker(const mdl_realtime *rt)
{
    return rt->breaker;
}

void mdl_realtime_stats_get(const mdl_realtime *rt, mdl_realtime_stats *out)
{
    *out = rt->s;
    out->pending = rt->live;
}

int mdl_realtime_status(const mdl_realtime *rt)
{
    return rt->status;
}

const char *mdl_fallback_name(mdl_fallback f)
{
    switch (f) {
    case MDL_FALLBACK_NONE:
        return "none";
    case MDL_FALLBACK_FAIL_CLOSED:
        return "fail_closed";
    case MDL_FALLBACK_QUEUE:
        return "queue";
    }
    return "?";
}

static int put(sim_result *r, const char *id, const char *what, const char *unit, double v,
               sim_err *err)
{
    char name[256];
    int len = snprintf(name, sizeof name, "flow.%s.%s", id, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "realtime: id too long: %.64s...", id);
    int rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "realtime: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

int mdl_realtime_publish(const mdl_realtime *rt, sim_result *r, sim_err *err)
{
    const mdl_realtime_stats *s = &rt->s;
    const char *id = rt->id;
    int rc;
    if ((rc = put(r, id, "attempts", "calls", (double)s->attempts, err)) ||
        (rc = put(r, id, "retries", "calls", (double)s->retries, err)) ||
        (rc = put(r, id, "attempt_ok", "calls", (double)s->ok, err)) ||
        (rc = put(r, id, "attempt_timeout", "calls", (double)s->timeout, err)) ||
        (rc = put(r, id, "attempt_unavailable", "calls", (double)s->unavailable, err)) ||
        (rc = put(r, id, "attempt_rate_limited", "calls", (double)s->rate_limited, err)) ||
        (rc = put(r, id, "attempt_concurrency_limited", "calls", (double)s->concurrency, err)) ||
        (rc = put(r, id, "attempt_quota", "calls", (double)s->quota, err)) ||
        (rc = put(r, id, "attempt_token_expired", "calls", (double)s->token_expired, err)) ||
        (rc = put(r, id, "retry_sleep_s", "s", sim_time_to_seconds(s->sleep_total), err)) ||
        (rc = put(r, id, "parked", "records", (double)s->parked, err)) ||
        (rc = put(r, id, "park_attempts", "calls", (double)s->park_attempts, err)) ||
        (rc =
             put(r, id, "delivered_after_park", "records", (double)s->delivered_after_park, err)) ||
        (rc = put(r, id, "parked_at_end", "records", (double)s->parked_now, err)))
        return rc;
    sim_time now = sim_queue_now(rt->q);
    char prefix[200];
    int len = snprintf(prefix, sizeof prefix, "flow.%s", id);
    if (len < 0 || (size_t)len >= sizeof prefix)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "realtime: id too long");
    if (rt->breaker && (rc = mdl_breaker_publish(rt->breaker, prefix, now, r, err)))
        return rc;
    if (!rt->parked_series)
        return SIM_OK;
    char name[256];
    snprintf(name, sizeof name, "%s.parked_series", prefix);
    sim_series *copy = sim_series_clone(rt->parked_series, err);
    if (!copy)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "realtime: out of memory for %s", name);
    sim_series_finish(copy, now);
    rc = sim_result_series(r, name, "records", copy); /* takes copy over */
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "realtime: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}
