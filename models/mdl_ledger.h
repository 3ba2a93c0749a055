/*
 * mdl_ledger.h - where every record change ends, per flow.
 *
 * The unit of work is a record change created by a flow at its source. Every
 * change ends in exactly one state:
 *   delivered      applied to the target; latency = applied - created
 *                  (repaired: delivered late by a reconciliation job)
 *   rejected       a user-facing error (fail-closed, breaker open without
 *                  fallback, caller pool full, quota exhausted, ...)
 *   dead-lettered  moved to a dead-letter queue after N attempts
 *   lost           fell out of a replay or retention window, or dropped
 *   pending        still in flight at the horizon
 * and each terminal state carries a reason. Conservation:
 *   created = delivered + rejected + dead_lettered + lost + pending
 * where pending is what the models report as still in flight at the end;
 * mdl_ledger_check verifies it for every flow. Duplicates applied (an insert
 * receiver seeing a redelivery) and corrupted records (an older update
 * overwriting a newer one) are counted on top: they are not extra changes.
 *
 * Latency is recorded in a log-spaced histogram per flow (sim_hist, seconds),
 * so p50/p95/p99 come out within 1%. Counts cover the whole run; latency
 * observations and calls can be reset at the end of a warm-up.
 */
#ifndef MDL_LEDGER_H
#define MDL_LEDGER_H

#include <stdint.h>

#include "sim_err.h"
#include "sim_result.h"
#include "sim_time.h"

typedef enum mdl_state {
    MDL_DELIVERED = 0,
    MDL_REJECTED,
    MDL_DEAD_LETTERED,
    MDL_LOST,
    MDL_STATE_COUNT
} mdl_state;

/* Why a record ended where it did. Names (for metrics) via mdl_reason_name. */
typedef enum mdl_reason {
    MDL_R_OK = 0,        /* delivered normally */
    MDL_R_REPAIRED,      /* delivered by reconciliation */
    MDL_R_TIMEOUT,       /* the caller gave up waiting */
    MDL_R_RATE_LIMITED,  /* 429 */
    MDL_R_CONCURRENCY,   /* the system's concurrency limit refused it */
    MDL_R_QUOTA,         /* daily API allocation exhausted */
    MDL_R_UNAVAILABLE,   /* 503: outage or endpoint queue full */
    MDL_R_BREAKER_OPEN,  /* circuit breaker open, no fallback */
    MDL_R_POOL_FULL,     /* caller's thread/connection pool exhausted */
    MDL_R_TOKEN_EXPIRED, /* access token expired, no refresh */
    MDL_R_RETENTION,     /* fell out of the replay/retention window */
    MDL_R_NO_REPLAY_ID,  /* reconnect at the tip skipped it */
    MDL_R_ALLOCATION,    /* event delivery/publish allocation exhausted */
    MDL_R_PERMANENT,     /* a permanent error (bad data) */
    MDL_R_RETRIES,       /* retries exhausted */
    MDL_R_CUTOFF,        /* batch window cutoff, not resumed */
    MDL_R_BULK_CAP,      /* bulk batch or record cap reached */
    MDL_R_DROPPED,       /* dropped by a queue limit */
    MDL_R_COUNT
} mdl_reason;

const char *mdl_reason_name(mdl_reason r); /* "timeout", "rate_limited", ... */
const char *mdl_state_name(mdl_state s);   /* "delivered", "rejected", ... */

typedef struct mdl_ledger mdl_ledger;

/* A ledger for nflows flows, numbered 0..nflows-1, with their ids (borrowed
 * for the ledger's life) used in metric names. */
mdl_ledger *mdl_ledger_create(int nflows, const char *const *flow_ids, sim_err *err);
void mdl_ledger_destroy(mdl_ledger *l); /* NULL is a no-op */

/* The bytes the ledger holds per row (flow) beyond its statistics: the latencies
 * it holds back before adding them to the flow's histogram. */
size_t mdl_ledger_bytes_per_flow(void);

/* n record changes were created by flow f. */
void mdl_ledger_created(mdl_ledger *l, int f, uint64_t n);
/* n records of flow f ended in state s for reason r; for MDL_DELIVERED each
 * had the given latency (applied - created, >= 0). */
void mdl_ledger_end(mdl_ledger *l, int f, mdl_state s, mdl_reason r, uint64_t n, sim_time latency);
/* Shorthand for one delivered record. */
void mdl_ledger_delivered(mdl_ledger *l, int f, sim_time latency);
/* n delivered records (reason OK) with latencies latency[0..n), in that
 * order: the same counts and histogram, bit for bit, as n calls of
 * mdl_ledger_delivered (the aggregate path). */
void mdl_ledger_delivered_n(mdl_ledger *l, int f, size_t n, const sim_time *latency);
/* Counted on top of the states. */
void mdl_ledger_duplicate(mdl_ledger *l, int f, uint64_t n);
void mdl_ledger_corrupted(mdl_ledger *l, int f, uint64_t n);
/* API calls made on behalf of flow f (retries and reconciliation included). */
void mdl_ledger_calls(mdl_ledger *l, int f, uint64_t n);

uint64_t mdl_ledger_count(const mdl_ledger *l, int f, mdl_state s);
uint64_t mdl_ledger_count_reason(const mdl_ledger *l, int f, mdl_state s, mdl_reason r);
uint64_t mdl_ledger_created_count(const mdl_ledger *l, int f);

/* Forgets latency observations and calls (not counts) at the end of a warm-up. */
void mdl_ledger_reset_stats(mdl_ledger *l);

/* Checks conservation for every flow given what is still in flight per flow
 * (pending[f]; NULL = nothing). SIM_EINTERNAL naming the first flow that does
 * not balance. */
int mdl_ledger_check(const mdl_ledger *l, const uint64_t *pending, sim_err *err);

/* Appends the per-flow metrics to r under "flow.<id>.": created, delivered,
 * rejected, dead_lettered, lost, pending, each reason of each state, zeros
 * included so that every replication lists the same metrics (delivered.ok,
 * delivered.repaired, and rejected./dead_lettered./lost. with every other
 * reason, e.g. rejected.timeout), duplicates, corrupted, calls,
 * calls_per_record (calls / records created since the last reset_stats),
 * latency_mean/p50/p95/p99/max (seconds; NaN when nothing was delivered)
 * and the latency histogram "flow.<id>.latency". pending may be NULL.
 * Adds the latencies held back (mdl_ledger.c, Pending) first: a publish in
 * the middle of a run sees every one recorded before it. */
int mdl_ledger_publish(mdl_ledger *l, const uint64_t *pending, sim_result *r, sim_err *err);

#endif
