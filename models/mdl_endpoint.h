/*
 * mdl_endpoint.h - a system's API surface: the workers that serve requests
 * (SAP dialog work processes, a platform's request threads), the line in
 * front of them, and the faults that make it fail or slow down.
 *
 * Model. A G/G/c/K station (sim_station): c workers, a FIFO line, service
 * times lognormal from the p50 and p95 a user knows (measured on an idle
 * system):  mu = ln p50,  sigma = (ln p95 - ln p50) / 1.6449.  Requests wait
 * for a free worker, so latency grows with load by itself: with exponential
 * service it is M/M/c and the wait follows Erlang C (checked in the tests).
 * Any mdl_service (exponential, deterministic, gamma, an empirical
 * distribution of measured times; mdl_service.h) can replace the
 * lognormal.
 *
 * Immediate answers (returned by mdl_endpoint_request, no event):
 *   503 queue full    queue_limit requests already wait (K = c + limit);
 *   503 outage        inside a fail-fast outage window;
 *   concurrency       the concurrency limit is reached: at least `limit`
 *                     requests in flight (waiting or in service) that have
 *                     been in flight for >= min_age. min_age = 0: a plain
 *                     semaphore (Dataverse 52, NetSuite's account limit);
 *                     min_age = 20 s, limit 25: Salesforce's long-running
 *                     request limit (REFERENCE.md A1, D, E). No queueing.
 * Later answers: a request that entered is answered through the answer
 * callback given with it, when its service ends:
 *   MDL_EP_DONE            the service completed (2xx);
 *   MDL_EP_SERVER_TIMEOUT  the server aborted it: it had been in service
 *                          for server_timeout (Dynamics 2 min, NetSuite REST
 *                          15 min, Salesforce REST 10 min; REFERENCE.md
 *                          "Modelling implications" 4). The worker is freed
 *                          at start of service + server_timeout and the
 *                          caller gets a 5xx error, worth retrying. Only time
 *                          in service counts: the wait in line does not (the
 *                          server's clock starts when a worker takes the
 *                          request), and a hung request (no worker) is never
 *                          aborted.
 *
 * Faults, as windows [start, end) in simulated time:
 *   outage, fail-fast  arrivals are answered 503 at once;
 *   outage, hang       arrivals are accepted and never answered, and hold no
 *                      worker (the system is not working on them); only the
 *                      caller's timeout ends them;
 *   degradation        service times of requests that START service in the
 *                      window are multiplied by factor k (the card's 200 ms
 *                      -> 30 s is k = 150).
 * Requests already admitted when an outage starts are served normally.
 * Windows of one kind must not overlap.
 *
 * Wasted work. A caller that times out calls mdl_endpoint_abandon; the
 * system does not know, so the request keeps its place in the line and its
 * worker until done (or until the server timeout aborts it), and its answer
 * is thrown away. Its service time is counted as wasted work. This is what
 * turns slowness into collapse: under overload the workers spend their time
 * on requests nobody waits for. A server timeout shorter than the callers'
 * timeout bounds that waste; a longer one (the usual case: 2-60 min against
 * a caller's seconds) does not.
 *
 * Statistics: requests by outcome, worker utilisation (time-weighted busy
 * workers / c), queue length, the wait in line (tally and histogram),
 * wasted work, and optional fixed-interval series of utilisation and queue
 * length for charts.
 *
 * Defaults: p50 0.2 s, p95 2 s (integration-patterns-card.txt: real-time
 * means 200 ms - 2 s); queue unbounded (an SAP dispatcher queues and does
 * not reject, REFERENCE.md "Modelling implications" 1); no concurrency
 * limit; no server timeout; workers have no public default and must be set
 * (REFERENCE.md "Modelling implications" 9).
 *
 * Reference: L. Kleinrock, "Queueing Systems", vol. 1 (1975), 3.5 (M/M/m);
 * REFERENCE.md A1, B, D, E.
 * Checked by: tests/models/test_mdl_endpoint.c.
 */
#ifndef MDL_ENDPOINT_H
#define MDL_ENDPOINT_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "mdl_service.h"
#include "sim_err.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_rng.h"
#include "sim_stats.h"

/* queue_limit value for "no line at all: busy workers mean 503". */
#define MDL_ENDPOINT_NO_QUEUE (-1)

typedef enum mdl_outage_mode {
    MDL_OUTAGE_FAIL_FAST = 0, /* 503 at once */
    MDL_OUTAGE_HANG           /* no answer, ever */
} mdl_outage_mode;

typedef struct mdl_outage {
    sim_time start, end; /* [start, end) */
    mdl_outage_mode mode;
} mdl_outage;

typedef struct mdl_degradation {
    sim_time start, end; /* [start, end) */
    double factor;       /* service time x factor, > 0 */
} mdl_degradation;

/* What mdl_endpoint_request says at once. */
typedef enum mdl_ep_reply {
    MDL_EP_ACCEPTED = 0, /* answered later by the callback, or never (hang) */
    MDL_EP_OUTAGE,       /* 503: fail-fast outage */
    MDL_EP_QUEUE_FULL,   /* 503: the line is full */
    MDL_EP_CONCURRENCY   /* refused by the concurrency limit */
} mdl_ep_reply;

/* How the service of an accepted request ended (see "Later answers"). */
typedef enum mdl_ep_answer {
    MDL_EP_DONE = 0,      /* completed: success */
    MDL_EP_SERVER_TIMEOUT /* aborted after server_timeout in service: a 5xx, retryable */
} mdl_ep_answer;

/* The answer to an accepted request, at the end of its service (now). */
typedef void mdl_endpoint_answer_fn(void *ctx, uint64_t tag, mdl_ep_answer answer, sim_time now);

typedef struct mdl_endpoint_cfg {
    const char *id;                  /* system id for metric names (copied); required */
    int workers;                     /* c >= 1; required */
    double p50, p95;                 /* service time quantiles in seconds; 0 = 0.2 and 2.0 */
    const sim_dist *service;         /* if not NULL, used instead of p50/p95 (copied) */
    const mdl_service *service_time; /* if not NULL, used instead of both (copied; its
                                        empirical samples are borrowed) */
    int queue_limit;                 /* waiting places; 0 = unbounded; MDL_ENDPOINT_NO_QUEUE */
    int concurrency_limit;           /* 0 = none */
    sim_time concurrency_min_age;    /* 0 = every in-flight request counts */
    const mdl_outage *outages;       /* copied; may be NULL */
    int noutages;
    const mdl_degradation *degradations; /* copied; may be NULL */
    int ndegradations;
    sim_time server_timeout; /* a service this long is aborted (5xx); 0 = never */
    gsl_rng *rng;            /* borrowed: service times */
    /* Optional charts of utilisation and queue length: 0 bins = none. */
    sim_time series_interval;
    size_t series_bins;
} mdl_endpoint_cfg;

typedef struct mdl_endpoint_stats {
    uint64_t requests;   /* every request presented */
    uint64_t accepted;   /* entered the line (including hung ones) */
    uint64_t outage;     /* 503 fail-fast */
    uint64_t queue_full; /* 503 queue limit */
    uint64_t concurrency;
    uint64_t hung;      /* accepted during a hang outage: never answered */
    uint64_t served;    /* services ended (completed or aborted) */
    uint64_t aborted;   /* of which aborted at server_timeout */
    uint64_t answered;  /* answers (success or abort) delivered to a waiting caller */
    uint64_t abandoned; /* mdl_endpoint_abandon calls that hit a live request */
    uint64_t wasted;    /* completions whose caller had given up */
    double wasted_work_s;
    uint64_t offered;    /* requests that reached the workers (entered, or refused queue full) */
    uint64_t found_busy; /* of them, those that found every worker busy: P(wait) */
    sim_time
        exhausted_at;   /* when a request first found every worker busy; SIM_TIME_NEVER if none */
    double utilisation; /* time-weighted busy workers / c */
    double mean_queue;  /* time-weighted requests waiting */
    sim_tally wait;     /* seconds in line, of served requests */
    sim_tally sojourn;  /* seconds in the system, of served requests */
} mdl_endpoint_stats;

typedef struct mdl_endpoint mdl_endpoint;

/* The endpoint borrows q and cfg->rng for its whole life. */
mdl_endpoint *mdl_endpoint_create(sim_queue *q, const mdl_endpoint_cfg *cfg, sim_err *err);
void mdl_endpoint_destroy(mdl_endpoint *ep); /* NULL is a no-op */

/* A request arrives now. Returns an mdl_ep_reply, or SIM_ENOMEM (< 0) if
 * the request table could not grow (nothing happened then). When
 * MDL_EP_ACCEPTED, fn(ctx, tag, answer, t) is called when its service ends
 * at t (never for a hung request), and *handle (if not NULL) names the
 * request for mdl_endpoint_abandon (0 for a hung request). */
int mdl_endpoint_request(mdl_endpoint *ep, mdl_endpoint_answer_fn *fn, void *ctx, uint64_t tag,
                         uint64_t *handle);
/* The caller gave up on the request (its timeout fired): it keeps its place
 * and its worker, but no answer will be delivered. Unknown or finished
 * handles (and 0) are ignored. */
void mdl_endpoint_abandon(mdl_endpoint *ep, uint64_t handle);
/* When the answer to the live request `handle` is due, once its service
 * has started: the time is fixed then (the service is drawn at its start
 * and cut by the server timeout, and nothing later changes it), and fn is
 * called at exactly that time unless the caller abandons the request.
 * SIM_TIME_NEVER while the request waits in line, and for a hung request
 * (handle 0), an unknown or a finished one. A caller whose deadline is at
 * or after this time needs no timeout event (docs/models/deadlines.md). */
sim_time mdl_endpoint_answer_at(const mdl_endpoint *ep, uint64_t handle);

int mdl_endpoint_busy(const mdl_endpoint *ep);    /* workers busy now */
int mdl_endpoint_waiting(const mdl_endpoint *ep); /* requests in line now */
int mdl_endpoint_workers(const mdl_endpoint *ep);
/* The service time distribution (after p50/p95 conversion). */
const mdl_service *mdl_endpoint_service(const mdl_endpoint *ep);
void mdl_endpoint_stats_get(const mdl_endpoint *ep, mdl_endpoint_stats *out);
const char *mdl_ep_reply_name(mdl_ep_reply r);

/* ---- the aggregate path (issue 14, tier R) -------------------------------
 *
 * A pass outside the calendar may carry the requests of an interval
 * [t0, t1) when no limit can bind there: it reads the endpoint at t0, draws
 * every request's arrival and service, runs the FIFO c-server recursion
 * (models/mdl_fifo.h), adds the outcome of [t0, t1) at once
 * (mdl_endpoint_commit) and hands the requests still present at t1 to the
 * endpoint (mdl_endpoint_inject), which from then on runs them exactly as
 * if they had come through mdl_endpoint_request.
 *
 * What the caller must guarantee for [t0, t1):
 *   - nobody waits at t0 (mdl_endpoint_waiting is 0); the requests in
 *     service at t0 stay with the calendar, which ends them at the times
 *     mdl_endpoint_in_service gives; no request enters through
 *     mdl_endpoint_request in [t0, t1);
 *   - no outage or degradation window meets [t0, t1), nor the start of an
 *     injected waiting request (its service is fixed: no factor applies);
 *   - no limit binds: no queue or concurrency limit refuses, no service is
 *     longer than server_timeout (a request may wait for a worker: the
 *     recursion computes its wait);
 *   - the start times are the FIFO recursion's over every request, the
 *     calendar's included, and the maxima, and which arrivals found every
 *     worker busy, are over every request too.
 * Who counts what: whatever happens to a request of the pass before t1 is
 * the commit's (its arrival; its end and answer, or its abandon, when
 * before t1); whatever happens at or after t1 is the endpoint's, at the
 * moment the per-record path counts it (an end at or after t1: served,
 * answered or wasted, the wait and sojourn, the histogram).
 * Levels add up: during [t0, t1) the endpoint's own levels hold only the
 * calendar's requests (they only end), and the commit adds the areas of
 * the pass's requests; the sum is the per-record path's integral. Maxima
 * do not add up: the pass gives the maximum of the whole and commit takes
 * the larger of it and the endpoint's.
 * Equal times: the calendar breaks ties by push order, and an injected
 * end is pushed at t1 where the per-record path pushed it at the start;
 * events at the same microsecond may then fire in another order. */

/* The answer times of the requests in service now (abandoned ones
 * included: they hold their worker to the end), ascending: the busy set
 * the pass seeds its recursion with. Returns their number n (=
 * mdl_endpoint_busy) and writes ends[0..n) only when n <= cap. */
int mdl_endpoint_in_service(const mdl_endpoint *ep, sim_time *ends, int cap);

/* The outcome of [t0, t1) for the requests the pass carried. The areas
 * are of the pass's requests only; the buckets' maxima of every request. */
typedef struct mdl_endpoint_bulk {
    uint64_t requests;       /* arrived in [t0, t1): each accepted and offered */
    uint64_t found_busy;     /* of them, those that found every worker busy */
    sim_time first_busy_at;  /* the first of those; SIM_TIME_NEVER if none */
    uint64_t served;         /* services of the pass's requests that ended in [t0, t1) */
    uint64_t wasted;         /* of them, abandoned by their caller (the rest were answered) */
    sim_time wasted_work;    /* the total service of those */
    uint64_t abandoned;      /* abandons in [t0, t1) that hit a request of the pass */
    const sim_time *wait;    /* [served]: wait in line, in the order of the ends */
    const sim_time *sojourn; /* [served]: arrival to end, same order */
    double busy_area;        /* integral over [t0, t1) of the pass's requests in service (us) */
    double queue_area;       /* integral over [t0, t1) of the pass's requests waiting (us) */
    /* The series buckets first_bucket .. first_bucket + nbuckets - 1 (ignored
     * if the endpoint keeps no series): the same integrals per bucket,
     * restricted to [t0, t1), and the maxima of all requests there. */
    size_t first_bucket, nbuckets;
    const double *busy_bucket_area, *busy_bucket_max;   /* [nbuckets], workers */
    const double *queue_bucket_area, *queue_bucket_max; /* [nbuckets], requests */
} mdl_endpoint_bulk;

/* Adds b: the counts, the waits and sojourns to their tallies in the
 * order given (so the bits are the per-record path's when no end of the
 * calendar's falls among them; otherwise within rounding: the sum is the
 * same, its order is not), the waits to the histogram, the areas to
 * utilisation and mean queue, the buckets to the series. Call at t1,
 * before the injections. SIM_EINVAL (nothing added) if wasted > served or
 * an array needed is NULL. Allocates nothing the per-record path would
 * not: a wait in a new octave widens the histogram as a request would. */
int mdl_endpoint_commit(mdl_endpoint *ep, const mdl_endpoint_bulk *b);

/* A request of the pass still present at t1 = now. */
typedef struct mdl_endpoint_inflight {
    sim_time arrived; /* before now (counted by the commit) */
    sim_time start;   /* >= arrived; < now: in service; >= now: still waiting */
    sim_time service; /* fixed (the pass drew it): the end is start + service */
    int abandoned;    /* its caller gave up before now (counted by the commit) */
    mdl_endpoint_answer_fn *fn;
    void *ctx;
    uint64_t tag;
} mdl_endpoint_inflight;

/* Hands the request `in` to the endpoint at now: from now on it holds its
 * worker (in service) or its place at the end of the line (waiting) and is
 * ended and answered (fn, at start + service) through the calendar, as a
 * request of mdl_endpoint_request; *handle (if not NULL) names it for
 * mdl_endpoint_abandon and mdl_endpoint_answer_at. Nothing is counted now.
 * Inject the requests in service first (in the order of their starts),
 * then the waiting ones in the order of their starts. Returns SIM_OK;
 * SIM_EINVAL if the times are out of order (start < arrived, an end before
 * now, a waiting request due after now while a worker is idle, a service
 * longer than server_timeout); SIM_EFULL if an in-service request finds
 * no idle worker or the line is full; SIM_ENOMEM if the request table or
 * the line could not grow. Nothing happened on an error. */
int mdl_endpoint_inject(mdl_endpoint *ep, const mdl_endpoint_inflight *in, uint64_t *handle);

/* Appends "system.<id>.": requests, served, answered, unavailable_outage,
 * unavailable_queue_full, concurrency_limited, hung, server_timeouts,
 * abandoned, wasted,
 * wasted_work_s, utilisation, mean_queue, wait_mean_s, wait_p95_s,
 * wait_p99_s, sojourn_mean_s, workers_wait_share (P(wait): found_busy /
 * offered; Erlang C's C(c, a) for M/M/c), workers_exhausted_at (s, when a
 * request first found every worker busy; -1 = never) and, when configured,
 * the series utilisation_series and queue_length_series (copies). */
int mdl_endpoint_publish(const mdl_endpoint *ep, sim_result *r, sim_err *err);

#endif
