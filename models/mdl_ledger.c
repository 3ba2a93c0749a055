/*
 * mdl_ledger.c - per-flow bookkeeping of where every record change ends.
 *
 * Layout. One `acct` per flow: a count per (state, reason) pair, the extras
 * counted on top (duplicates, corrupted), the API calls, and a sim_hist of
 * delivery latencies in seconds. Everything is allocated in
 * mdl_ledger_create; the recording functions never allocate, so they cannot
 * fail. A record touches created, calls and (delivered) the held-back
 * latencies and by_reason[DELIVERED][OK]: they come first in an acct, the
 * accts are whole cache lines and the array starts on a line, so they share
 * one line (asserted below). The total per state is the sum of its reasons,
 * added up when asked for (a count per record less, and a line less for a
 * rejection).
 *
 * Pending. A delivered record's latency does not go into the histogram
 * at once: it is held in its acct's HELD slots, on the line the record
 * touches anyway, and each HELD of them are copied together to its flow's
 * PENDING slots (a stretch of `pending`, written in order, HELD to a
 * store of one line). The held-back latencies (pending, then held) are
 * added together when the PENDING slots are full, before an add of n > 1
 * records, and before anything reads the histograms (publish); a reset
 * (reset_stats) drops them with the rest.
 * At 1,000 flows a histogram's bins leave the cache between two records
 * of its flow, so one add at a time missed on the bin's line for almost
 * every record; 256 at a time load those lines once for many adds. The
 * pending line a latency went to was cold as well (a write miss per
 * delivered record at 1,000 flows); HELD at a time in the acct's line
 * make it one a HELD records. Each histogram sees the same adds in the
 * same order, so its counts, sum, min and max are those of adding at
 * once, bit for bit. Memory: 2 KB a flow, and an acct of 704 bytes (11
 * lines; 640 before the held latencies). by_reason[DELIVERED][REPAIRED]
 * is on the second line: a repaired delivery (reconciliation) touches
 * two.
 *
 * Invariants:
 *   1. Delivered records carry reason OK or REPAIRED, and records in the
 *      other states carry any other reason (asserted: mixing them up is a
 *      programming error in a model, not bad input).
 *   2. created_at_reset <= created: the created count when the statistics
 *      were last reset, so calls_per_record divides the calls made since the
 *      reset by the records created since the reset.
 *   3. npending < PENDING, npending is a multiple of HELD and nheld < HELD
 *      between calls: the latencies recorded for flow f are those in its
 *      histogram followed by pending[PENDING * f .. PENDING * f + npending)
 *      followed by held[0 .. nheld).
 *
 * Publishing. For determinism every replication must list the same metrics
 * in the same order (sim_result.h), so mdl_ledger_publish writes every
 * (state, reason) pair that makes sense for the state, zeros included:
 * delivered.{ok,repaired}, and every other reason under rejected,
 * dead_lettered and lost. Writers may hide the zeros.
 */
#include "mdl_ledger.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sim_alloc.h"
#include "sim_stats.h"

/* Metric names are "flow.<id>.<what>"; <what> is at most ~30 characters. */
#define NAME_MAX_LEN 512

/* Latencies a flow holds back before adding them to its histogram (see
 * Pending). */
#define PENDING 256
/* Latencies an acct holds on its first line before copying them to pending
 * (see Pending); PENDING is a multiple of it. */
#define HELD 4

#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

typedef struct acct {
    /* What every record touches, first: one cache line (see Layout). */
    _Alignas(SIM_CACHE_LINE) uint64_t created;
    uint64_t calls;
    uint32_t npending; /* latencies held back in the ledger's pending[] */
    uint32_t nheld;    /* and in held[], after those (invariant 3) */
    sim_time held[HELD];
    uint64_t by_reason[MDL_STATE_COUNT][MDL_R_COUNT]; /* [DELIVERED][OK] ends the line */
    sim_hist *latency;                                /* seconds */
    uint64_t created_at_reset;
    uint64_t duplicates;
    uint64_t corrupted;
} acct;

_Static_assert(offsetof(acct, by_reason[MDL_DELIVERED][MDL_R_OK]) + sizeof(uint64_t) <=
                   SIM_CACHE_LINE,
               "a record's counts and held latencies share the acct's first line");
_Static_assert(PENDING % HELD == 0 && PENDING <= UINT32_MAX, "pending takes whole helds");
_Static_assert(SIM_CACHE_LINE % (HELD * sizeof(sim_time)) == 0, "a copy of held is in one line");

struct mdl_ledger {
    int nflows;
    const char *const *ids; /* borrowed */
    acct *flows;
    sim_time *pending; /* flow f's held-back latencies at [PENDING * f] */
};

static const char *const reason_names[MDL_R_COUNT] = {
    [MDL_R_OK] = "ok",
    [MDL_R_REPAIRED] = "repaired",
    [MDL_R_TIMEOUT] = "timeout",
    [MDL_R_RATE_LIMITED] = "rate_limited",
    [MDL_R_CONCURRENCY] = "concurrency_limited",
    [MDL_R_QUOTA] = "quota",
    [MDL_R_UNAVAILABLE] = "unavailable",
    [MDL_R_BREAKER_OPEN] = "breaker_open",
    [MDL_R_POOL_FULL] = "pool_full",
    [MDL_R_TOKEN_EXPIRED] = "token_expired",
    [MDL_R_RETENTION] = "retention",
    [MDL_R_NO_REPLAY_ID] = "no_replay_id",
    [MDL_R_ALLOCATION] = "allocation",
    [MDL_R_PERMANENT] = "permanent",
    [MDL_R_RETRIES] = "retries",
    [MDL_R_CUTOFF] = "cutoff",
    [MDL_R_BULK_CAP] = "bulk_cap",
    [MDL_R_DROPPED] = "dropped",
};

static const char *const state_names[MDL_STATE_COUNT] = {
    [MDL_DELIVERED] = "delivered",
    [MDL_REJECTED] = "rejected",
    [MDL_DEAD_LETTERED] = "dead_lettered",
    [MDL_LOST] = "lost",
};

const char *mdl_reason_name(mdl_reason r)
{
    if ((int)r < 0 || r >= MDL_R_COUNT)
        return "unknown";
    return reason_names[r];
}

const char *mdl_state_name(mdl_state s)
{
    if ((int)s < 0 || s >= MDL_STATE_COUNT)
        return "unknown";
    return state_names[s];
}

/* Invariant 1: which reasons belong to which state. */
static int reason_fits(mdl_state s, mdl_reason r)
{
    int delivered_reason = (r == MDL_R_OK || r == MDL_R_REPAIRED);
    return (s == MDL_DELIVERED) == delivered_reason;
}

mdl_ledger *mdl_ledger_create(int nflows, const char *const *flow_ids, sim_err *err)
{
    if (nflows < 0 || (nflows > 0 && !flow_ids)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "ledger: %d flows without ids", nflows);
        return NULL;
    }
    for (int f = 0; f < nflows; f++) {
        if (!flow_ids[f] || !flow_ids[f][0]) {
            sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "ledger: flow %d has no id", f);
            return NULL;
        }
    }
    mdl_ledger *l = sim_calloc(1, sizeof *l);
    if (!l)
        goto fail_nomem;
    l->nflows = nflows;
    l->ids = flow_ids;
    if (nflows > 0) {
        l->flows = sim_calloc_hot((size_t)nflows * sizeof *l->flows); /* see Layout */
        /* On a line: HELD latencies copied at once fill half of one.
         * Zeroed, so each row's 2 KB is resident from the start, where
         * malloc's were touched as they filled: the same for every row that
         * delivers 256 records, as any row of a week's run does. */
        l->pending = sim_calloc_lines((size_t)nflows * PENDING * sizeof *l->pending);
        if (!l->flows || !l->pending)
            goto fail_flows;
    }
    for (int f = 0; f < nflows; f++) {
        l->flows[f].latency = sim_hist_create(err);
        if (!l->flows[f].latency)
            goto fail_flows;
    }
    return l;

fail_flows:
    mdl_ledger_destroy(l); /* frees whatever was created */
fail_nomem:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "ledger: out of memory for %d flows", nflows);
    return NULL;
}

size_t mdl_ledger_bytes_per_flow(void)
{
    return PENDING * sizeof(sim_time);
}

void mdl_ledger_destroy(mdl_ledger *l)
{
    if (!l)
        return;
    if (l->flows) {
        for (int f = 0; f < l->nflows; f++)
            sim_hist_destroy(l->flows[f].latency);
        sim_free_hot(l->flows);
    }
    sim_free(l->pending);
    sim_free(l);
}

static acct *flow_of(const mdl_ledger *l, int f)
{
    assert(l && f >= 0 && f < l->nflows);
    return &l->flows[f];
}

/* The records of a that ended in state s: the sum of its reasons. */
static uint64_t state_total(const acct *a, mdl_state s)
{
    uint64_t n = 0;
    for (int r = 0; r < MDL_R_COUNT; r++)
        n += a->by_reason[s][r];
    return n;
}

/* Adds flow f's held-back latencies to its histogram, in the order they
 * came (Pending). */
static void apply(mdl_ledger *l, int f)
{
    acct *a = &l->flows[f];
    const sim_time *p = &l->pending[(size_t)f * PENDING];
    for (uint32_t k = 0; k < a->npending; k++)
        sim_hist_add(a->latency, sim_time_to_seconds(p[k]));
    for (uint32_t k = 0; k < a->nheld; k++)
        sim_hist_add(a->latency, sim_time_to_seconds(a->held[k]));
    a->npending = 0;
    a->nheld = 0;
}

/* Copies flow f's HELD held latencies to its pending slots (Pending), and
 * those to the histogram when they are full. Out of line, once a HELD
 * records: the record's own path (hold) stays as short as one store. */
static NOINLINE void pass_on(mdl_ledger *l, int f, acct *a)
{
    memcpy(&l->pending[(size_t)f * PENDING + a->npending], a->held, sizeof a->held);
    a->npending += HELD;
    a->nheld = 0;
    if (a->npending == PENDING)
        apply(l, f);
}

/* Holds one delivered latency of flow f (Pending). */
static inline void hold(mdl_ledger *l, int f, acct *a, sim_time latency)
{
    a->held[a->nheld++] = latency;
    if (a->nheld == HELD)
        pass_on(l, f, a);
}

static void apply_all(mdl_ledger *l)
{
    for (int f = 0; f < l->nflows; f++)
        apply(l, f);
}

void mdl_ledger_created(mdl_ledger *l, int f, uint64_t n)
{
    flow_of(l, f)->created += n;
}

void mdl_ledger_end(mdl_ledger *l, int f, mdl_state s, mdl_reason r, uint64_t n, sim_time latency)
{
    acct *a = flow_of(l, f);
    assert((int)s >= 0 && s < MDL_STATE_COUNT && (int)r >= 0 && r < MDL_R_COUNT);
    assert(reason_fits(s, r));
    a->by_reason[s][r] += n;
    if (s == MDL_DELIVERED && n > 0) {
        assert(latency >= 0);
        if (n == 1) {
            hold(l, f, a, latency);
        } else {
            apply(l, f); /* keeps the order */
            sim_hist_add_n(a->latency, sim_time_to_seconds(latency), n);
        }
    }
}

void mdl_ledger_delivered(mdl_ledger *l, int f, sim_time latency)
{
    mdl_ledger_end(l, f, MDL_DELIVERED, MDL_R_OK, 1, latency);
}

void mdl_ledger_delivered_n(mdl_ledger *l, int f, size_t n, const sim_time *latency)
{
    acct *a = flow_of(l, f);
    a->by_reason[MDL_DELIVERED][MDL_R_OK] += n;
    if (n == 0)
        return;
    apply(l, f); /* keeps the order (invariant 3) */
    sim_hist_add_times(a->latency, latency, n);
}

void mdl_ledger_duplicate(mdl_ledger *l, int f, uint64_t n)
{
    flow_of(l, f)->duplicates += n;
}

void mdl_ledger_corrupted(mdl_ledger *l, int f, uint64_t n)
{
    flow_of(l, f)->corrupted += n;
}

void mdl_ledger_calls(mdl_ledger *l, int f, uint64_t n)
{
    flow_of(l, f)->calls += n;
}

uint64_t mdl_ledger_count(const mdl_ledger *l, int f, mdl_state s)
{
    assert((int)s >= 0 && s < MDL_STATE_COUNT);
    return state_total(flow_of(l, f), s);
}

uint64_t mdl_ledger_count_reason(const mdl_ledger *l, int f, mdl_state s, mdl_reason r)
{
    assert((int)s >= 0 && s < MDL_STATE_COUNT && (int)r >= 0 && r < MDL_R_COUNT);
    return flow_of(l, f)->by_reason[s][r];
}

uint64_t mdl_ledger_created_count(const mdl_ledger *l, int f)
{
    return flow_of(l, f)->created;
}

void mdl_ledger_reset_stats(mdl_ledger *l)
{
    for (int f = 0; f < l->nflows; f++) {
        acct *a = &l->flows[f];
        a->npending = 0; /* dropped with the rest: no use adding them first */
        a->nheld = 0;
        sim_hist_reset(a->latency);
        a->calls = 0;
        a->created_at_reset = a->created;
    }
}

int mdl_ledger_check(const mdl_ledger *l, const uint64_t *pending, sim_err *err)
{
    for (int f = 0; f < l->nflows; f++) {
        const acct *a = &l->flows[f];
        uint64_t p = pending ? pending[f] : 0;
        uint64_t ended = state_total(a, MDL_DELIVERED) + state_total(a, MDL_REJECTED) +
                         state_total(a, MDL_DEAD_LETTERED) + state_total(a, MDL_LOST) + p;
        if (ended != a->created)
            return sim_err_set(
                err, SIM_EINTERNAL, NULL, 0, 0,
                "conservation broken for flow %s: created %" PRIu64 " != delivered %" PRIu64
                " + rejected %" PRIu64 " + dead-lettered %" PRIu64 " + lost %" PRIu64
                " + pending %" PRIu64 " = %" PRIu64,
                l->ids[f], a->created, state_total(a, MDL_DELIVERED), state_total(a, MDL_REJECTED),
                state_total(a, MDL_DEAD_LETTERED), state_total(a, MDL_LOST), p, ended);
    }
    return SIM_OK;
}

/* Appends the scalar "flow.<id>.<what>". */
static int put(sim_result *r, const char *id, const char *what, const char *unit, double v,
               sim_err *err)
{
    char name[NAME_MAX_LEN];
    int len = snprintf(name, sizeof name, "flow.%s.%s", id, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "ledger: flow id too long: %.64s...", id);
    int rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "ledger: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

/* delivered.ok, delivered.repaired / rejected.timeout, ... (invariant 1). */
static int put_reasons(sim_result *r, const char *id, const acct *a, mdl_state s, sim_err *err)
{
    for (int k = 0; k < MDL_R_COUNT; k++) {
        if (!reason_fits(s, (mdl_reason)k))
            continue;
        char what[64];
        snprintf(what, sizeof what, "%s.%s", state_names[s], reason_names[k]);
        int rc = put(r, id, what, "records", (double)a->by_reason[s][k], err);
        if (rc != SIM_OK)
            return rc;
    }
    return SIM_OK;
}

static int publish_flow(const mdl_ledger *l, int f, uint64_t pending, sim_result *r, sim_err *err)
{
    const acct *a = &l->flows[f];
    const char *id = l->ids[f];
    int rc;
#define PUT(what, unit, v)                                                                         \
    do {                                                                                           \
        if ((rc = put(r, id, (what), (unit), (double)(v), err)) != SIM_OK)                         \
            return rc;                                                                             \
    } while (0)

    PUT("created", "records", a->created);
    for (int s = 0; s < MDL_STATE_COUNT; s++) {
        PUT(state_names[s], "records", state_total(a, (mdl_state)s));
        if ((rc = put_reasons(r, id, a, (mdl_state)s, err)) != SIM_OK)
            return rc;
    }
    PUT("pending", "records", pending);
    PUT("duplicates", "records", a->duplicates);
    PUT("corrupted", "records", a->corrupted);
    PUT("calls", "calls", a->calls);
    uint64_t since_reset = a->created - a->created_at_reset;
    PUT("calls_per_record", "calls/record",
        since_reset ? (double)a->calls / (double)since_reset : NAN);

    /* NaN when nothing was delivered: the latency is undefined then. */
    PUT("latency_mean", "s", sim_hist_mean(a->latency));
    PUT("latency_p50", "s", sim_hist_quantile(a->latency, 0.50));
    PUT("latency_p95", "s", sim_hist_quantile(a->latency, 0.95));
    PUT("latency_p99", "s", sim_hist_quantile(a->latency, 0.99));
    PUT("latency_max", "s", sim_hist_max(a->latency));
#undef PUT

    char name[NAME_MAX_LEN];
    snprintf(name, sizeof name, "flow.%s.latency", id); /* fits: checked by put() above */
    sim_hist *h = sim_hist_clone(a->latency, err);
    if (!h)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "ledger: out of memory for %s", name);
    rc = sim_result_hist(r, name, "s", h); /* takes h over, even on failure */
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "ledger: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

int mdl_ledger_publish(mdl_ledger *l, const uint64_t *pending, sim_result *r, sim_err *err)
{
    apply_all(l);
    for (int f = 0; f < l->nflows; f++) {
        int rc = publish_flow(l, f, pending ? pending[f] : 0, r, err);
        if (rc != SIM_OK)
            return rc;
    }
    return SIM_OK;
}
