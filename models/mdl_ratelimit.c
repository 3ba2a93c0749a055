/*
 * mdl_ratelimit.c - the bucketed sliding window of mdl_ratelimit.h.
 *
 * Layout. M = W / B. Bucket number k = floor(t / B) (absolute). The window
 * at a time in bucket k is the M + 1 buckets k - M .. k, kept in a ring of
 * nb = M + 1 counters: bucket k lives in slot k mod nb.
 *
 * Invariants:
 *   1. total = the sum of all slots = requests counted in the window of
 *      bucket `cur` (the latest bucket seen).
 *   2. Every bucket number below `oldest` is zero and out of the window;
 *      oldest >= cur - M (once a request was seen).
 *   3. Slots of bucket numbers in (cur, cur + nb) that are not in the window
 *      hold zero: advancing to bucket k clears buckets oldest .. k - M - 1
 *      before bucket k's slot is reused, so a slot never carries an expired
 *      count into a new bucket.
 *
 * Cost. `oldest` only moves forward, by at most one step per bucket of
 * simulated time, so all clearing and all Retry-After searches together cost
 * O(elapsed / B + requests).
 */
#include "mdl_ratelimit.h"

#include <stdio.h>

#include "sim_alloc.h"

/* Guard against absurd memory: W / B at most this many buckets. */
#define MAX_BUCKETS 10000000

struct mdl_ratelimit {
    char *id;
    uint64_t limit;
    sim_time window, bucket, unit;
    int64_t m;  /* W / B */
    int64_t nb; /* M + 1 slots */
    uint64_t *slots;
    int64_t cur, oldest; /* bucket numbers; cur = -1 before the first request */
    uint64_t total;
    uint64_t accepted, refused, peak;
};

static uint64_t *slot(mdl_ratelimit *rl, int64_t k)
{
    return &rl->slots[k % rl->nb];
}

/* Moves the window to bucket k >= cur (invariant 3). */
static void advance(mdl_ratelimit *rl, int64_t k)
{
    if (k <= rl->cur)
        return;
    int64_t first_kept = k - rl->m;
    if (rl->total == 0) {
        if (rl->oldest < first_kept)
            rl->oldest = first_kept;
    } else {
        while (rl->oldest < first_kept && rl->oldest <= rl->cur) {
            uint64_t *s = slot(rl, rl->oldest);
            rl->total -= *s;
            *s = 0;
            rl->oldest++;
        }
        if (rl->oldest < first_kept)
            rl->oldest = first_kept;
    }
    rl->cur = k;
}

mdl_ratelimit *mdl_ratelimit_create(const mdl_ratelimit_cfg *cfg, sim_err *err)
{
    if (!cfg || !cfg->id || !cfg->id[0]) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "ratelimit: an id is required");
        return NULL;
    }
    uint64_t limit = cfg->limit ? cfg->limit : 6000;
    sim_time window = cfg->window ? cfg->window : 300 * SIM_SEC;
    sim_time unit = cfg->retry_after_unit ? cfg->retry_after_unit : SIM_SEC;
    if (window < 0 || cfg->bucket < 0 || unit < 0) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "ratelimit %s: window, bucket and retry_after_unit must be >= 0", cfg->id);
        return NULL;
    }
    sim_time bucket = cfg->bucket;
    if (bucket == 0)
        bucket = (window % 300 == 0 && window >= 300) ? window / 300 : window;
    if (window % bucket != 0) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "ratelimit %s: bucket (%lld us) must divide the window (%lld us)", cfg->id,
                    (long long)bucket, (long long)window);
        return NULL;
    }
    if (window / bucket > MAX_BUCKETS) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "ratelimit %s: window / bucket = %lld buckets is more than %d", cfg->id,
                    (long long)(window / bucket), MAX_BUCKETS);
        return NULL;
    }

    mdl_ratelimit *rl = sim_calloc(1, sizeof *rl);
    if (!rl)
        goto fail_rl;
    rl->id = sim_strdup(cfg->id);
    if (!rl->id)
        goto fail_id;
    rl->limit = limit;
    rl->window = window;
    rl->bucket = bucket;
    rl->unit = unit;
    rl->m = window / bucket;
    rl->nb = rl->m + 1;
    rl->slots = sim_calloc((size_t)rl->nb, sizeof *rl->slots);
    if (!rl->slots)
        goto fail_slots;
    rl->cur = -1;
    rl->oldest = 0;
    return rl;

fail_slots:
    sim_free(rl->id);
fail_id:
    sim_free(rl);
fail_rl:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "ratelimit %s: out of memory", cfg->id);
    return NULL;
}

void mdl_ratelimit_destroy(mdl_ratelimit *rl)
{
    if (!rl)
        return;
    sim_free(rl->slots);
    sim_free(rl->id);
    sim_free(rl);
}

int mdl_ratelimit_take(mdl_ratelimit *rl, sim_time now, sim_time *retry_after)
{
    int64_t k = now / rl->bucket;
    advance(rl, k);
    if (rl->total < rl->limit) {
        (*slot(rl, k))++;
        rl->total++;
        rl->accepted++;
        if (rl->total > rl->peak)
            rl->peak = rl->total;
        return 1;
    }
    rl->refused++;
    if (retry_after) {
        /* total >= limit >= 1, so some bucket in oldest .. cur is non-empty. */
        while (*slot(rl, rl->oldest) == 0 && rl->oldest < rl->cur)
            rl->oldest++;
        sim_time free_at = (rl->oldest + 1) * rl->bucket + rl->window;
        sim_time d = free_at - now;
        /* Round up to a whole unit, as a Retry-After header would. */
        *retry_after = ((d + rl->unit - 1) / rl->unit) * rl->unit;
    }
    return 0;
}

uint64_t mdl_ratelimit_used(mdl_ratelimit *rl, sim_time now)
{
    advance(rl, now / rl->bucket);
    return rl->total;
}

uint64_t mdl_ratelimit_accepted(const mdl_ratelimit *rl)
{
    return rl->accepted;
}

uint64_t mdl_ratelimit_refused(const mdl_ratelimit *rl)
{
    return rl->refused;
}

uint64_t mdl_ratelimit_peak(const mdl_ratelimit *rl)
{
    return rl->peak;
}

static int put(sim_result *r, const char *id, const char *what, const char *unit, double v,
               sim_err *err)
{
    char name[256];
    int len = snprintf(name, sizeof name, "system.%s.%s", id, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "ratelimit: id too long: %.64s...", id);
    int rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "ratelimit: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

int mdl_ratelimit_publish(const mdl_ratelimit *rl, sim_result *r, sim_err *err)
{
    int rc;
    if ((rc = put(r, rl->id, "rate_limit_accepted", "calls", (double)rl->accepted, err)))
        return rc;
    if ((rc = put(r, rl->id, "rate_limited", "calls", (double)rl->refused, err)))
        return rc;
    if ((rc = put(r, rl->id, "rate_limit_peak", "calls", (double)rl->peak, err)))
        return rc;
    return put(r, rl->id, "rate_limit_peak_share", "share", (double)rl->peak / (double)rl->limit,
               err);
}
