/*
 * sim_station.c - the G/G/c/K station of sim_station.h.
 *
 * Layout. A station owns two arrays, one fixed-size, one amortised:
 *
 *   servers[c]   one slot per server: the job in service, its arrival time
 *                and the start of its service. A busy server has exactly one
 *                pending completion event on the calendar, whose uint64_t
 *                arg is the server's index: the event finds its job without
 *                any lookup and without allocating.
 *
 *   ring[cap]    the FIFO waiting line: a ring buffer of (job, arrival time)
 *                with cap a power of two, head the oldest entry, count the
 *                length. It doubles when full, so its size is bounded by the
 *                largest number of jobs ever waiting together (and by K - c
 *                when K is set); after a warm-up no arrival allocates.
 *
 * The idle servers are a stack (nidle entries): the servers freed and not
 * yet taken again, linked through their slots from idle_top (next_idle in
 * place of the job), then the servers never used, fresh .. c - 1. So
 * initially 0 is on top, then 1, 2, ..., and an empty station serves its
 * first job on server 0 (which server serves a job changes nothing for
 * identical servers, but the stack makes it deterministic). The links live
 * in the slots, not in an array of their own, because a push follows the
 * completion's read of the slot and a pop precedes the start's write of
 * it: at 1,000 flows that array's line was one more miss at each
 * (sim_station_arrive, complete). The never-used servers are a count, not
 * links, so that their slots stay untouched (most workers of a large
 * landscape never serve: calloc'd pages that are never written).
 *
 * Invariants (checked by assert in debug builds):
 *   1. busy + nidle == c, and busy == number of pending completion events.
 *      idle_top, then next_idle of each slot in turn, names distinct idle
 *      servers below fresh, then -1; with fresh .. c - 1 they are the nidle
 *      idle servers.
 *   2. count > 0 implies nidle == 0 (work-conserving: no job waits while a
 *      server is idle).
 *   3. in_system == busy + count, and capacity > 0 implies
 *      in_system <= capacity.
 *   4. The time-weighted levels are (busy + count, count, busy) themselves:
 *      every change of busy or count has advance() before it.
 *
 * Transitions:
 *   arrive     in_system == K           -> blocked (counted, nothing else)
 *              an idle server            -> start_service on it
 *              all servers busy          -> append to the ring
 *   inject     (the aggregate path) as arrive, with the job's own arrival
 *              time; a job already in service takes an idle server with its
 *              completion at the end given, no service drawn
 *   complete   record wait and sojourn of the job on that server, then
 *              either start the head of the ring on the same server or put
 *              the server back on the idle stack; then call done. done comes
 *              last so that it sees a consistent station and may call
 *              sim_station_arrive (a job that re-enters joins the line
 *              behind those already waiting).
 *
 * Errors. A push to the calendar that fails is recorded by the calendar
 * (sticky SIM_ENOMEM, sim_queue_run returns it), as sim_queue.h specifies;
 * the station needs no extra check. The only allocation after creation is
 * the doubling of the ring: if it fails, sim_station_arrive returns
 * SIM_ENOMEM and the station is unchanged (the arrival is not counted).
 */
#include "sim_station.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sim_alloc.h"

/* The initial length of the waiting line; it doubles when full. */
#define RING_INITIAL 16u

/* A job in service on one server, or (idle) the link of the idle stack. */
struct server {
    union {
        uint64_t job;  /* busy: the job in service */
        int next_idle; /* idle, freed: the server below it on the stack, or -1 */
    };
    sim_time arrived; /* when the job arrived at the station */
    sim_time started; /* when its service started */
};

/* A job in the waiting line. */
struct waiting {
    uint64_t job;
    sim_time arrived;
};

/* The fields are laid out by when they are touched (the station is on a
 * cache line of its own, sim_calloc_hot): at 1,000 flows every event finds
 * its station cold, and three time averages of 40 bytes each, updated
 * together, spread an event over all six lines of the old layout.
 *   line 0  what every arrival and completion reads and writes: the
 *           queue state, and the time of the levels' last change
 *   line 1  the levels' areas, the arrival, served and blocked counts, the
 *           service callback (a start of service)
 *   line 2  the done callback, the wait tally, the sojourn tally's first
 *           8 bytes
 *   line 3  the rest of the sojourn tally; cold fields after it.
 * The three levels (in system, in queue, busy) are busy + count, count and
 * busy themselves, and change together, so they share one start and one
 * last: the same means a sim_timeavg each would give, with the same
 * additions in the same order (advance() below). No maximum is kept: no
 * caller read one (the endpoint's series keep their own). */
struct sim_station {
    /* line 0 */
    sim_queue *q;         /* borrowed */
    struct server *slots; /* [servers] */
    struct waiting *ring; /* [cap], cap a power of two */
    int idle_top;         /* the freed server on top of the idle stack, or -1 */
    int nidle;
    int fresh; /* servers fresh .. c - 1 have never served (the stack's bottom) */
    int busy;
    uint32_t cap, head, count;
    int capacity;  /* K, 0 = unbounded */
    sim_time last; /* the levels' last change */

    /* line 1: statistics since creation or the last reset; what a start of
     * service calls */
    double area_sys, area_queue, area_busy; /* level * us over [start, last] */
    uint64_t arrivals, served, blocked;
    sim_station_service_fn *service_fn;
    void *service_ctx;

    /* line 2 and 3 */
    sim_station_done_fn *done;
    void *done_ctx;
    sim_tally wait, sojourn;
    sim_time start; /* of the levels' observation */

    /* cold */
    int servers; /* c */
    sim_dist service;
    gsl_rng *rng; /* borrowed */
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(struct sim_station, last) + sizeof(sim_time) <= SIM_CACHE_LINE,
               "station: performance layout (a moved field changes no result): "
               "line 0 holds the queue state and last");
_Static_assert(offsetof(struct sim_station, area_sys) == SIM_CACHE_LINE &&
                   offsetof(struct sim_station, service_ctx) + sizeof(void *) <= 2 * SIM_CACHE_LINE,
               "station: performance layout (a moved field changes no result): "
               "line 1 holds the areas, counts and the service callback");
_Static_assert(offsetof(struct sim_station, done) == 2 * SIM_CACHE_LINE,
               "station: performance layout (a moved field changes no result): "
               "line 2 starts with the done callback");
#endif

/* advance with no line (count == 0, the common case): the system's step
 * is the busy one, and the queue's is +0.0, which leaves its area (+0.0
 * or more) as it is. The same sums. */
static inline void advance_no_line(sim_station *st, sim_time now)
{
    assert(now >= st->last && st->count == 0);
    double busy = (double)st->busy * (double)(now - st->last);
    st->area_sys += busy;
    st->area_busy += busy;
    st->last = now;
}

/* Before a change of the levels at now: adds each level times the time
 * since the last change to its area, as sim_timeavg_set does first. */
static inline void advance(sim_station *st, sim_time now)
{
    if (st->count == 0) {
        advance_no_line(st, now);
        return;
    }
    assert(now >= st->last);
    double dt = (double)(now - st->last);
    st->area_sys += (double)(st->busy + (int)st->count) * dt;
    st->area_queue += (double)st->count * dt;
    st->area_busy += (double)st->busy * dt;
    st->last = now;
}

static void complete(void *ctx, uint64_t arg, sim_time now);

/* The idle stack (Layout): server s on top; its slot was just read. */
static inline void push_idle(sim_station *st, int s)
{
    assert(s >= 0 && s < st->fresh); /* invariant 1: only a used server is freed */
    st->slots[s].next_idle = st->idle_top;
    st->idle_top = s;
    st->nidle++;
}

/* The idle server on top, taken off the stack (nidle > 0); its slot is
 * written next. */
static inline int pop_idle(sim_station *st)
{
    assert(st->nidle > 0);
    int s;
    if (st->idle_top >= 0) {
        s = st->idle_top;
        assert(s < st->fresh); /* invariant 1 */
        st->idle_top = st->slots[s].next_idle;
    } else {
        assert(st->fresh < st->servers);
        s = st->fresh++;
    }
    st->nidle--;
    return s;
}

/* Adds a job's wait and sojourn: sim_tally_add on each, the same
 * operations in the same order, but one 1/n for both (the two tallies
 * count the same jobs: their n are equal, reset and added together). */
static inline void add_job(sim_tally *wait, sim_tally *sojourn, double w, double s)
{
    assert(wait->n == sojourn->n);
    int64_t n = wait->n + 1;
    double inv = 1.0 / (double)n;
    wait->n = sojourn->n = n;
    double dw = w - wait->mean, ds = s - sojourn->mean;
    wait->mean += dw * inv;
    sojourn->mean += ds * inv;
    wait->m2 += dw * (w - wait->mean);
    sojourn->m2 += ds * (s - sojourn->mean);
    if (w < wait->min)
        wait->min = w;
    if (w > wait->max)
        wait->max = w;
    if (s < sojourn->min)
        sojourn->min = s;
    if (s > sojourn->max)
        sojourn->max = s;
}

/* Puts job on server s at now and schedules its completion. The slot is
 * written before the draw (only complete and the idle stack's pop read a
 * slot, and the draw reaches neither), so that only st and s live across the call: five
 * registers saved and restored a start became two. */
static void start_service(sim_station *st, int s, uint64_t job, sim_time arrived, sim_time now)
{
    st->slots[s].job = job;
    st->slots[s].arrived = arrived;
    st->slots[s].started = now;
    sim_time d;
    if (st->service_fn) {
        d = st->service_fn(st->service_ctx, job, now);
        if (d < 0)
            d = 0; /* a negative duration means "no time", as for samples */
    } else {
        d = sim_dist_sample_time(&st->service, st->rng);
    }
    /* A failed push is recorded by the calendar and ends the run. */
    (void)sim_queue_after(st->q, d, complete, st, (uint64_t)s);
}

/* Doubles the ring, keeping the FIFO order (the oldest entry moves to 0).
 * The line's length stays an int (busy + (int)count): cap stays <= 2^30. */
static int grow_ring(sim_station *st)
{
    if (st->cap > INT_MAX / 2)
        return SIM_ENOMEM;
    uint32_t ncap = st->cap * 2;
    struct waiting *r = sim_reallocarray(NULL, ncap, sizeof *r);
    if (!r)
        return SIM_ENOMEM;
    uint32_t first = st->cap - st->head; /* entries from head to the end */
    if (first > st->count)
        first = st->count;
    memcpy(r, st->ring + st->head, first * sizeof *r);
    memcpy(r + first, st->ring, (st->count - first) * sizeof *r);
    sim_free(st->ring);
    st->ring = r;
    st->cap = ncap;
    st->head = 0;
    return SIM_OK;
}

/* The completion event of the job on server arg. */
static void complete(void *ctx, uint64_t arg, sim_time now)
{
    sim_station *st = ctx;
    int s = (int)arg;
    assert(s >= 0 && s < st->servers);
    struct server done_job = st->slots[s];

    sim_time wait = done_job.started - done_job.arrived;
    sim_time sojourn = now - done_job.arrived;
    st->served++;
    add_job(&st->wait, &st->sojourn, sim_time_to_seconds(wait), sim_time_to_seconds(sojourn));

    advance(st, now);
    if (st->count > 0) {
        /* The head of the line takes over this server: busy is unchanged. */
        struct waiting next = st->ring[st->head];
        st->head = (st->head + 1) & (st->cap - 1);
        st->count--;
        start_service(st, s, next.job, next.arrived, now);
    } else {
        st->busy--;
        push_idle(st, s);
    }
    assert(st->busy + st->nidle == st->servers);
    assert(st->count == 0 || st->nidle == 0);

    if (st->done)
        st->done(st->done_ctx, done_job.job, wait, sojourn, now);
}

/* Checks a configuration; SIM_OK or SIM_EINVAL with err filled. */
static int check_cfg(const sim_queue *q, const sim_station_cfg *cfg, sim_err *err)
{
    if (!q || !cfg)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "station: queue and cfg are required");
    if (cfg->servers < 1)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "station: servers must be >= 1, got %d",
                           cfg->servers);
    if (cfg->capacity < 0 || (cfg->capacity > 0 && cfg->capacity < cfg->servers))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "station: capacity must be 0 (unbounded) or >= servers (%d), got %d",
                           cfg->servers, cfg->capacity);
    if (!cfg->service_fn) {
        if (!cfg->rng)
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "station: an rng is required when service_fn is not given");
        if (cfg->service.kind < SIM_DIST_CONST || cfg->service.kind > SIM_DIST_GAMMA ||
            isnan(cfg->service.a) || isnan(cfg->service.b))
            return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                               "station: the service distribution is not valid");
    }
    return SIM_OK;
}

sim_station *sim_station_create(sim_queue *q, const sim_station_cfg *cfg, sim_err *err)
{
    if (check_cfg(q, cfg, err) != SIM_OK)
        return NULL;
    sim_station *st = sim_calloc_hot(sizeof *st);
    if (!st)
        goto fail_station;
    st->q = q;
    st->servers = cfg->servers;
    st->capacity = cfg->capacity;
    st->service = cfg->service;
    st->rng = cfg->rng;
    st->service_fn = cfg->service_fn;
    st->service_ctx = cfg->service_ctx;
    st->done = cfg->done;
    st->done_ctx = cfg->done_ctx;

    st->slots = sim_calloc((size_t)cfg->servers, sizeof *st->slots);
    if (!st->slots)
        goto fail_slots;
    st->ring = sim_reallocarray(NULL, RING_INITIAL, sizeof *st->ring);
    if (!st->ring)
        goto fail_ring;
    st->cap = RING_INITIAL;

    /* Server 0 on top of the stack, then 1, 2, ... (never used). */
    st->idle_top = -1;
    st->fresh = 0;
    st->nidle = cfg->servers;

    sim_time now = sim_queue_now(q);
    sim_tally_init(&st->wait);
    sim_tally_init(&st->sojourn);
    st->start = st->last = now; /* levels 0, areas 0 (calloc) */
    return st;

fail_ring:
    sim_free(st->slots);
fail_slots:
    sim_free_hot(st);
fail_station:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "station: out of memory");
    return NULL;
}

void sim_station_destroy(sim_station *st)
{
    if (!st)
        return;
    sim_free(st->ring);
    sim_free(st->slots);
    sim_free_hot(st);
}

/* A job that arrived at `arrived` enters now (room checked): an idle
 * server or the end of the line. SIM_OK, or SIM_ENOMEM (nothing changed). */
static inline int enter(sim_station *st, uint64_t job, sim_time arrived, sim_time now)
{
    if (st->nidle > 0) {
        advance(st, now);
        int s = pop_idle(st);
        st->busy++;
        start_service(st, s, job, arrived, now);
    } else {
        if (st->count == st->cap) {
            int rc = grow_ring(st);
            if (rc != SIM_OK)
                return rc;
        }
        advance(st, now);
        struct waiting *w = &st->ring[(st->head + st->count) & (st->cap - 1)];
        w->job = job;
        w->arrived = arrived;
        st->count++;
    }
    assert(st->busy + st->nidle == st->servers);
    assert(st->capacity == 0 || st->busy + (int)st->count <= st->capacity);
    return SIM_OK;
}

static int full(const sim_station *st)
{
    return st->capacity > 0 && st->busy + (int)st->count >= st->capacity;
}

int sim_station_arrive(sim_station *st, uint64_t job)
{
    sim_time now = sim_queue_now(st->q);
    if (st->nidle > 0) {
        /* An idle server (enter's first case): no line (invariant 2) and
         * busy < c <= K, so the station is not full. */
        advance_no_line(st, now);
        int s = pop_idle(st);
        st->busy++;
        start_service(st, s, job, now, now);
        st->arrivals++;
        return SIM_OK;
    }
    if (full(st)) {
        st->arrivals++;
        st->blocked++;
        return SIM_EFULL;
    }
    int rc = enter(st, job, now, now);
    if (rc == SIM_OK)
        st->arrivals++;
    return rc;
}

void sim_station_commit(sim_station *st, const sim_station_bulk *b)
{
    st->arrivals += b->arrivals;
    st->served += b->served;
    /* The tallies in locals: the compiler cannot keep them in registers
     * through st (their counts are 64-bit integers, as the times read) and
     * stored and reloaded every field at each job. The same additions. */
    sim_tally wait = st->wait, sojourn = st->sojourn;
    for (uint64_t k = 0; k < b->served; k++)
        add_job(&wait, &sojourn, sim_time_to_seconds(b->wait[k]),
                sim_time_to_seconds(b->sojourn[k]));
    st->wait = wait;
    st->sojourn = sojourn;
    /* As sim_timeavg_add_area on each level. */
    st->area_busy += b->busy_area;
    st->area_queue += b->queue_area;
    st->area_sys += b->busy_area + b->queue_area;
}

int sim_station_inject_service(sim_station *st, uint64_t job, sim_time arrived, sim_time started,
                               sim_time end)
{
    sim_time now = sim_queue_now(st->q);
    if (!(arrived <= started && started <= now && now <= end))
        return SIM_EINVAL;
    if (st->nidle == 0 || full(st))
        return SIM_EFULL;
    advance(st, now);
    int s = pop_idle(st);
    st->busy++;
    st->slots[s].job = job;
    st->slots[s].arrived = arrived;
    st->slots[s].started = started;
    /* A failed push is recorded by the calendar and ends the run. */
    (void)sim_queue_push(st->q, end, complete, st, (uint64_t)s);
    assert(st->busy + st->nidle == st->servers);
    return SIM_OK;
}

int sim_station_inject_wait(sim_station *st, uint64_t job, sim_time arrived)
{
    sim_time now = sim_queue_now(st->q);
    if (arrived > now)
        return SIM_EINVAL;
    if (full(st))
        return SIM_EFULL;
    return enter(st, job, arrived, now);
}

int sim_station_in_system(const sim_station *st)
{
    return st->busy + (int)st->count;
}

int sim_station_busy(const sim_station *st)
{
    return st->busy;
}

/* As sim_timeavg_mean: the average over [start, now], the level itself if
 * no time has passed. */
static double level_mean(const sim_station *st, double area, double level, sim_time now)
{
    if (now <= st->start)
        return level;
    return (area + level * (double)(now - st->last)) / (double)(now - st->start);
}

void sim_station_stats_get(const sim_station *st, sim_station_stats *out)
{
    sim_time now = sim_queue_now(st->q);
    out->arrivals = st->arrivals;
    out->blocked = st->blocked;
    out->served = st->served;
    out->wait = st->wait;
    out->sojourn = st->sojourn;
    out->mean_in_system = level_mean(st, st->area_sys, (double)(st->busy + (int)st->count), now);
    out->mean_in_queue = level_mean(st, st->area_queue, (double)st->count, now);
    out->mean_busy = level_mean(st, st->area_busy, (double)st->busy, now);
}

void sim_station_reset_stats(sim_station *st)
{
    sim_time now = sim_queue_now(st->q);
    st->arrivals = 0;
    st->blocked = 0;
    st->served = 0;
    sim_tally_init(&st->wait);
    sim_tally_init(&st->sojourn);
    /* The levels stay (the jobs present are untouched); only the past goes. */
    st->start = st->last = now;
    st->area_sys = st->area_queue = st->area_busy = 0.0;
}
