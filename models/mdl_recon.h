/*
 * mdl_recon.h - a reconciliation job: periodically compares a flow's source
 * and target page by page, finds the records the event stream lost or
 * corrupted, and repairs them (the card's fix for "replay window expiry"
 * and "no reconciliation layer": a periodic full reconciliation
 * independent of the event stream).
 *
 * One run, started by its schedule at T:
 *   1. the cut: the divergence known at T (records the subscriber holds as
 *      lost or corrupted before T; see mdl_subscriber.h "Repair");
 *   2. compare: pages = ceil(records / page_size) pages, each one call to
 *      the source and one to the target (in parallel, page_time per page),
 *      through the quotas given (a refused call waits until the quota
 *      frees: mdl_quota_free_at);
 *   3. repair: ceil(found / repair_batch) write calls to the target
 *      (batched upserts), page_time each, through the target quota;
 *   4. at the end E of the run, the records found are repaired: lost ones
 *      become delivered (reason repaired) with latency E - created,
 *      corrupted ones are counted repaired.
 * Calls per run: source = pages, target = pages + repair writes; all of
 * them counted in the ledger's calls of the flow.
 *
 * What is compared:
 *   full  (records > 0) `records` records (the object's size, e.g. the
 *         flow's key space): every divergence held before T is found;
 *   delta (records = 0) the records changed since the previous run started
 *         (the first run: since the start), counted from the subscriber's
 *         created changes: only divergence created in that window is found.
 *         A record lost long after it was created (a subscriber offline for
 *         4 days) escapes a delta comparison: that is why the card says
 *         "full".
 * Simplifications: records still in the event stream (unread, in flight)
 * are not touched; dead-lettered records are left to the DLQ; a run that
 * is still going when the next one is due makes the next one skip.
 *
 * Defaults: page_size 1000 (mdl_recon_spec), repair_batch = page_size,
 * page_time 1 s (no public figure: set it to the API latency of a page).
 * Checked by: tests/models/test_mdl_recon.c.
 */
#ifndef MDL_RECON_H
#define MDL_RECON_H

#include <stdint.h>

#include "mdl_ledger.h"
#include "mdl_quota.h"
#include "mdl_schedule.h"
#include "mdl_subscriber.h"
#include "sim_err.h"
#include "sim_queue.h"
#include "sim_result.h"
#include "sim_time.h"

typedef struct mdl_recon_cfg {
    const char *flow_id;     /* metric names "flow.<flow_id>.recon[.<id>]." (copied); required */
    const char *id;          /* optional, e.g. the subscriber's id */
    mdl_subscriber *sub;     /* borrowed: the divergence it repairs */
    mdl_schedule schedule;   /* when runs start */
    int first_weekday;       /* of day 0 (0 = Monday) */
    int page_size;           /* records per compare call; 0 = 1000 */
    int repair_batch;        /* records per repair write; 0 = page_size */
    double records;          /* records compared per run; 0 = delta (see above) */
    sim_time page_time;      /* per page or write; 0 = 1 s */
    mdl_quota *source_quota; /* borrowed, may be NULL */
    mdl_quota *target_quota; /* borrowed, may be NULL */
    mdl_ledger *ledger;      /* borrowed, may be NULL: calls of the flow */
    int ledger_flow;
} mdl_recon_cfg;

/* Defaults; sub, flow_id and schedule are left empty. */
void mdl_recon_cfg_init(mdl_recon_cfg *cfg);
/* From a flow's reconciliation block (schedule, page size). */
void mdl_recon_cfg_from_spec(mdl_recon_cfg *cfg, const mdl_recon_spec *spec);

typedef struct mdl_recon mdl_recon;

/* Tells sub to hold its lost records for repair and schedules the first
 * run at or after the calendar's now. */
mdl_recon *mdl_recon_create(sim_queue *q, const mdl_recon_cfg *cfg, sim_err *err);
void mdl_recon_destroy(mdl_recon *rc); /* NULL is a no-op */

typedef struct mdl_recon_stats {
    uint64_t runs;    /* completed */
    uint64_t skipped; /* starts skipped because a run was still going */
    uint64_t aborted; /* runs given up: a quota can never fit one call */
    uint64_t pages;   /* compare pages done */
    double records_compared;
    uint64_t calls_source, calls_target;
    uint64_t found_lost, found_corrupted;
    uint64_t repaired; /* lost + corrupted repaired */
    sim_time quota_wait;
    sim_time busy; /* total time runs took */
    int running;
} mdl_recon_stats;

void mdl_recon_stats_get(const mdl_recon *rc, mdl_recon_stats *out);

/* The first instant >= now at which rc may take a call from its quotas or
 * read or repair its subscriber's state: now while a run is going, else
 * its next scheduled start (SIM_TIME_NEVER if none). */
sim_time mdl_recon_next_use(const mdl_recon *rc, sim_time now);

/* Appends "flow.<flow_id>.recon[.<id>].": runs, skipped, aborted, pages,
 * records_compared, calls_source, calls_target, found_lost,
 * found_corrupted, repaired, quota_wait_s, busy_s. */
int mdl_recon_publish(const mdl_recon *rc, sim_result *r, sim_err *err);

#endif
