/*
 * progress.h - a progress bar on stderr for long runs.
 *
 *   [######..............] 3/10 replications  24.6/70.0 simulated days  4.1M events/s  2.3 s
 * ETA 5.4 s
 *
 * The bar moves by simulated time, not only when a replication ends: the
 * experiment reports how far each running replication got (sim_progress),
 * so a single 10-year replication shows its days going by. The share done
 * is (simulated days finished + days reached by the running replications)
 * / (total replications x days each); the ETA is the elapsed time x (1 -
 * share) / share, shown once a second has passed.
 *
 * Drawn only when stderr is a terminal and the run is expected to take
 * more than about a second (estimated from the share done so far), so
 * quick runs, pipes and CI logs stay silent. The bar is redrawn in place
 * with '\r' at most ten times a second and erased when the run ends or is
 * interrupted.
 *
 * Counting is thread-safe (atomics): replications report from worker
 * threads with progress_add; drawing happens on the caller's thread, in
 * the experiment's progress callback (progress_running, progress_draw). A
 * bar can span several experiments (the points of a sweep): the total is
 * set up front.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

typedef struct progress progress;

/* A bar for `total` replications of `sim_days` simulated days each;
 * enabled = 0 never draws (counting still works). NULL on no memory. */
progress *progress_create(int total, double sim_days, int enabled);
void progress_destroy(progress *p); /* erases the bar; NULL is a no-op */

/* One replication finished with `events` events (thread-safe). */
void progress_add(progress *p, double events);
/* The simulated days reached by the replications running now, summed
 * (caller's thread). */
void progress_running(progress *p, double days);
/* Redraws if due (caller's thread only). */
void progress_draw(progress *p);
/* Erases the bar (e.g. before printing results); it may be drawn again. */
void progress_clear(progress *p);

/* The share of the work done, in [0, 1]: finished and running simulated
 * days over the total. */
double progress_share(progress *p);
/* Events per second over the replications so far (wall clock). */
double progress_events_per_s(progress *p);
/* Seconds since progress_create. */
double progress_elapsed(const progress *p);

#endif
