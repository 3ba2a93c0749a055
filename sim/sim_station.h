/*
 * sim_station.h - a multi-server FIFO queueing station on the calendar.
 *
 * c identical servers, one FIFO waiting line, an optional capacity K on the
 * number in the system (waiting + in service; arrivals that find K present
 * are blocked and lost), and any service-time distribution. In Kendall's
 * notation: G/G/c/K with the arrival process supplied by the caller. It is
 * the base of the ERP endpoint model (workers = dialog work processes or a
 * platform's concurrency limit), and it validates the kernel against M/M/1,
 * M/M/c (Erlang C), M/M/c/K and M/D/1 (Pollaczek-Khinchine).
 *
 * A job is an opaque uint64_t the caller chooses. The service time of each
 * job comes from cfg.service sampled on the station's stream, or from
 * cfg.service_fn when given (so a model can apply a degradation factor).
 * When a job completes, done(done_ctx, job, wait, sojourn, now) is called;
 * a job that is blocked is reported by the return value of arrive.
 *
 * States per server: idle or busy. Invariants: in_system = waiting + busy;
 * busy < c implies waiting = 0 (work-conserving); K = 0 means unbounded.
 *
 * Statistics kept: arrivals, blocked, served; the wait in queue and the
 * sojourn time (tallies, seconds); the time-weighted number in system, in
 * queue and of busy servers. sim_station_reset_stats discards them at the end
 * of a warm-up without touching the jobs present.
 *
 * Reference: L. Kleinrock, "Queueing Systems", vol. 1 (1975), ch. 3;
 * D. Gross, C. M. Harris, "Fundamentals of Queueing Theory", 4th ed., 2.3-2.5.
 */
#ifndef SIM_STATION_H
#define SIM_STATION_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "sim_err.h"
#include "sim_queue.h"
#include "sim_rng.h"
#include "sim_stats.h"

typedef struct sim_station sim_station;

/* Service time of job (for models that vary it); now is the start of service. */
typedef sim_time sim_station_service_fn(void *ctx, uint64_t job, sim_time now);
/* Job finished: waited `wait` in the queue, spent `sojourn` in the station. */
typedef void sim_station_done_fn(void *ctx, uint64_t job, sim_time wait, sim_time sojourn,
                                 sim_time now);

typedef struct sim_station_cfg {
    int servers;      /* c >= 1 */
    int capacity;     /* K >= c, or 0 for unbounded */
    sim_dist service; /* used when service_fn is NULL */
    gsl_rng *rng;     /* borrowed; the stream service times are drawn from */
    sim_station_service_fn *service_fn;
    void *service_ctx;
    sim_station_done_fn *done; /* may be NULL */
    void *done_ctx;
} sim_station_cfg;

typedef struct sim_station_stats {
    uint64_t arrivals, blocked, served;
    sim_tally wait;        /* seconds, of served jobs */
    sim_tally sojourn;     /* seconds, of served jobs */
    double mean_in_system; /* time-weighted L */
    double mean_in_queue;  /* time-weighted Lq */
    double mean_busy;      /* time-weighted busy servers; utilisation = mean_busy / c */
} sim_station_stats;

/* The station borrows q and cfg->rng for its whole life. */
sim_station *sim_station_create(sim_queue *q, const sim_station_cfg *cfg, sim_err *err);
void sim_station_destroy(sim_station *st); /* NULL is a no-op */

/* A job arrives now. SIM_OK if it entered (queued or in service), SIM_EFULL
 * if it was blocked because K jobs were present. */
int sim_station_arrive(sim_station *st, uint64_t job);

int sim_station_in_system(const sim_station *st);
int sim_station_busy(const sim_station *st);
/* ---- the aggregate path (issue 14, tier R) ----------------------------
 * A pass outside the calendar carried some jobs through [t0, t1): it adds
 * their outcome at once (commit) and hands the jobs still present at t1
 * to the station (inject), which then runs them as if they had arrived
 * through sim_station_arrive. Neither counts an arrival: commit does, for
 * every job the pass carried. */

/* What the pass's jobs did in [t0, t1). The areas are of the pass's jobs
 * only (levels add up with the station's own jobs). */
typedef struct sim_station_bulk {
    uint64_t arrivals;              /* jobs that arrived in [t0, t1), none blocked */
    uint64_t served;                /* of the pass's jobs, those that completed in [t0, t1) */
    const sim_time *wait, *sojourn; /* [served], in completion order */
    double busy_area, queue_area;   /* busy servers * us and waiting jobs * us */
} sim_station_bulk;
/* Adds b: the counts, the waits and sojourns (added in the order given,
 * as completions add them), and the areas to the time-weighted levels
 * (in_system gets both). */
void sim_station_commit(sim_station *st, const sim_station_bulk *b);
/* A job that arrived at `arrived`, in service since `started` and
 * completing at `end` (arrived <= started <= now <= end): it takes an idle
 * server now. SIM_OK; SIM_EFULL (nothing happened) if no
 * server is idle or K jobs are present; SIM_EINVAL if the times are out of
 * order. Its wait and sojourn count from `arrived` when it completes. */
int sim_station_inject_service(sim_station *st, uint64_t job, sim_time arrived, sim_time started,
                               sim_time end);
/* A job that arrived at `arrived` (<= now) and is not yet in service: it
 * joins the line now behind the jobs waiting, or starts now on an idle
 * server; its service comes from service_fn or cfg.service when it
 * starts. SIM_OK; SIM_EFULL if K jobs are present; SIM_ENOMEM if the line
 * could not grow; SIM_EINVAL if arrived > now (nothing happened then). */
int sim_station_inject_wait(sim_station *st, uint64_t job, sim_time arrived);

/* Statistics from the last reset (or creation) up to now. */
void sim_station_stats_get(const sim_station *st, sim_station_stats *out);
void sim_station_reset_stats(sim_station *st);

#endif
