/*
 * mdl_recon.c - the runs of a reconciliation job.
 *
 * A run is a small state machine driven by one calendar event at a time:
 *   COMPARE  page i < pages: both quotas must fit one call; if not, wait
 *            until the later of their free times; then take one call from
 *            each and sleep page_time;
 *   REPAIR   write j < writes: the target quota must fit one call; take it
 *            and sleep page_time;
 *   END      repair the records found (mdl_subscriber_repair with the cut
 *            and window taken at the start), count, idle.
 * Starts are scheduled independently of runs (start_fire reschedules
 * itself), so a long run makes the next start skip.
 *
 * Invariants: calls_source == pages done; calls_target == pages done +
 * writes done; at END writes == ceil(found / repair_batch).
 */
#include "mdl_recon.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_alloc.h"

struct mdl_recon {
    sim_queue *q;
    char *prefix;
    mdl_subscriber *sub;
    mdl_schedule schedule;
    int first_weekday;
    int page_size, repair_batch;
    double records;
    sim_time page_time;
    mdl_quota *src_q, *tgt_q;
    mdl_ledger *ledger;
    int lrow;

    sim_time next_at; /* the next start, SIM_TIME_NEVER if none */
    /* the run in progress */
    int running;
    sim_time started;
    uint64_t cut;
    sim_time since;
    uint64_t pages, page_i, writes, write_i;
    /* for delta comparisons */
    sim_time prev_start;
    uint64_t created_at_prev;

    mdl_recon_stats st;
};

void mdl_recon_cfg_init(mdl_recon_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->page_size = 1000;
    cfg->page_time = SIM_SEC;
}

void mdl_recon_cfg_from_spec(mdl_recon_cfg *cfg, const mdl_recon_spec *spec)
{
    mdl_recon_cfg_init(cfg);
    cfg->schedule = spec->schedule;
    if (spec->page_size > 0)
        cfg->page_size = spec->page_size;
}

static void start_fire(void *ctx, uint64_t arg, sim_time now);
static void step(void *ctx, uint64_t arg, sim_time now);

/* Schedules the next start; SIM_ENOMEM if the calendar could not take it
 * (a schedule that never starts again is fine). */
static int schedule_next(mdl_recon *rc, sim_time after, int inclusive)
{
    sim_time t = mdl_schedule_next(&rc->schedule, after, inclusive, rc->first_weekday);
    rc->next_at = t;
    if (t == SIM_TIME_NEVER)
        return SIM_OK;
    return sim_queue_push(rc->q, t, start_fire, rc, 0) == SIM_EVENT_NONE ? SIM_ENOMEM : SIM_OK;
}

mdl_recon *mdl_recon_create(sim_queue *q, const mdl_recon_cfg *cfg, sim_err *err)
{
    if (!cfg->flow_id || !cfg->flow_id[0] || !cfg->sub) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "recon: flow_id and sub are required");
        return NULL;
    }
    if (cfg->page_size < 0 || cfg->repair_batch < 0 || cfg->page_time < 0 ||
        !(cfg->records >= 0.0)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "recon of %s: page size, repair batch, page time and records must be >= 0",
                    cfg->flow_id);
        return NULL;
    }
    mdl_recon *rc = sim_calloc(1, sizeof *rc);
    if (!rc)
        goto fail;
    char name[256];
    int len = (cfg->id && cfg->id[0])
                  ? snprintf(name, sizeof name, "flow.%s.recon.%s", cfg->flow_id, cfg->id)
                  : snprintf(name, sizeof name, "flow.%s.recon", cfg->flow_id);
    if (len < 0 || (size_t)len >= sizeof name) {
        sim_free(rc);
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "recon: ids too long: %.64s", cfg->flow_id);
        return NULL;
    }
    rc->prefix = sim_strdup(name);
    if (!rc->prefix) {
        sim_free(rc);
        goto fail;
    }
    rc->q = q;
    rc->sub = cfg->sub;
    rc->schedule = cfg->schedule;
    rc->first_weekday = cfg->first_weekday;
    rc->page_size = cfg->page_size > 0 ? cfg->page_size : 1000;
    rc->repair_batch = cfg->repair_batch > 0 ? cfg->repair_batch : rc->page_size;
    rc->records = cfg->records;
    rc->page_time = cfg->page_time > 0 ? cfg->page_time : SIM_SEC;
    rc->src_q = cfg->source_quota;
    rc->tgt_q = cfg->target_quota;
    rc->ledger = cfg->ledger;
    rc->lrow = cfg->ledger_flow;
    rc->prev_start = sim_queue_now(q);
    mdl_subscriber_stats ss;
    mdl_subscriber_stats_get(rc->sub, rc->prev_start, &ss);
    rc->created_at_prev = ss.created;
    if (schedule_next(rc, sim_queue_now(q), 1) != SIM_OK) {
        mdl_recon_destroy(rc); /* no event points at it */
        goto fail;
    }
    mdl_subscriber_hold_for_repair(rc->sub);
    return rc;

fail:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "recon: out of memory");
    return NULL;
}

void mdl_recon_destroy(mdl_recon *rc)
{
    if (!rc)
        return;
    sim_free(rc->prefix);
    sim_free(rc);
}

static uint64_t ceil_div(double n, double d)
{
    return n <= 0.0 ? 0 : (uint64_t)ceil(n / d);
}

static void start_fire(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    mdl_recon *rc = ctx;
    (void)schedule_next(rc, now, 0); /* a failed push stops the calendar run */
    if (rc->running) {
        rc->st.skipped++;
        return;
    }
    mdl_subscriber_sync(rc->sub, now);
    mdl_subscriber_stats ss;
    mdl_subscriber_stats_get(rc->sub, now, &ss);
    double records;
    if (rc->records > 0.0) {
        records = rc->records;
        rc->since = INT64_MIN;
    } else {
        records = (double)(ss.created - rc->created_at_prev);
        rc->since = rc->prev_start;
    }
    rc->prev_start = now;
    rc->created_at_prev = ss.created;
    rc->cut = mdl_subscriber_held(rc->sub);
    uint64_t lost = 0, corrupted = 0;
    mdl_subscriber_diverged(rc->sub, rc->cut, rc->since, &lost, &corrupted);
    rc->st.found_lost += lost;
    rc->st.found_corrupted += corrupted;
    rc->st.records_compared += records;
    rc->pages = ceil_div(records, (double)rc->page_size);
    rc->writes = ceil_div((double)(lost + corrupted), (double)rc->repair_batch);
    rc->page_i = rc->write_i = 0;
    rc->running = 1;
    rc->started = now;
    step(rc, 0, now);
}

/* The earliest time both quotas fit one call (now if they do). */
static sim_time quota_time(mdl_quota *a, mdl_quota *b, sim_time now)
{
    sim_time t = now;
    if (a) {
        sim_time ta = mdl_quota_free_at(a, now, 1);
        if (ta > t)
            t = ta;
    }
    if (b) {
        sim_time tb = mdl_quota_free_at(b, now, 1);
        if (tb > t)
            t = tb;
    }
    return t;
}

static void step(void *ctx, uint64_t arg, sim_time now)
{
    (void)arg;
    mdl_recon *rc = ctx;
    if (rc->page_i < rc->pages || rc->write_i < rc->writes) {
        int compare = rc->page_i < rc->pages;
        mdl_quota *src = compare ? rc->src_q : NULL;
        sim_time t = quota_time(src, rc->tgt_q, now);
        if (t == SIM_TIME_NEVER) {
            rc->st.aborted++;
            rc->running = 0;
            return;
        }
        if (t > now) {
            rc->st.quota_wait += t - now;
            sim_queue_push(rc->q, t, step, rc, 0);
            return;
        }
        uint64_t calls = 1;
        if (src)
            mdl_quota_take(src, now, 1);
        if (rc->tgt_q)
            mdl_quota_take(rc->tgt_q, now, 1);
        rc->st.calls_target++;
        if (compare) {
            rc->st.calls_source++;
            rc->st.pages++;
            rc->page_i++;
            calls = 2;
        } else {
            rc->write_i++;
        }
        if (rc->ledger)
            mdl_ledger_calls(rc->ledger, rc->lrow, calls);
        sim_queue_push(rc->q, now + rc->page_time, step, rc, 0);
        return;
    }
    rc->st.repaired += mdl_subscriber_repair(rc->sub, rc->cut, rc->since, now);
    rc->st.runs++;
    rc->st.busy += now - rc->started;
    rc->running = 0;
}

sim_time mdl_recon_next_use(const mdl_recon *rc, sim_time now)
{
    return rc->running ? now : rc->next_at;
}

void mdl_recon_stats_get(const mdl_recon *rc, mdl_recon_stats *out)
{
    *out = rc->st;
    out->running = rc->running;
}

static int put(sim_result *r, const char *prefix, const char *what, const char *unit, double v,
               sim_err *err)
{
    char name[320];
    int len = snprintf(name, sizeof name, "%s.%s", prefix, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "recon: name too long: %.64s", prefix);
    int rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "recon: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

int mdl_recon_publish(const mdl_recon *rc, sim_result *r, sim_err *err)
{
    const mdl_recon_stats *s = &rc->st;
    const char *p = rc->prefix;
    int e;
    if ((e = put(r, p, "runs", "count", (double)s->runs, err)) ||
        (e = put(r, p, "skipped", "count", (double)s->skipped, err)) ||
        (e = put(r, p, "aborted", "count", (double)s->aborted, err)) ||
        (e = put(r, p, "pages", "pages", (double)s->pages, err)) ||
        (e = put(r, p, "records_compared", "records", s->records_compared, err)) ||
        (e = put(r, p, "calls_source", "calls", (double)s->calls_source, err)) ||
        (e = put(r, p, "calls_target", "calls", (double)s->calls_target, err)) ||
        (e = put(r, p, "found_lost", "records", (double)s->found_lost, err)) ||
        (e = put(r, p, "found_corrupted", "records", (double)s->found_corrupted, err)) ||
        (e = put(r, p, "repaired", "records", (double)s->repaired, err)) ||
        (e = put(r, p, "quota_wait_s", "s", sim_time_to_seconds(s->quota_wait), err)) ||
        (e = put(r, p, "busy_s", "s", sim_time_to_seconds(s->busy), err)))
        return e;
    return SIM_OK;
}
