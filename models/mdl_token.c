/*
 * mdl_token.c - the token lifetime and refresh modes of mdl_token.h.
 *
 * State: expires (the current token is valid on [.., expires)), and for
 * inline mode refresh_done (a refresh started by a call is running until
 * then; calls before it wait). Proactive mode counts its background
 * refreshes lazily: every time a call passes the scheduled refresh time, a
 * new lifetime is drawn, so the count covers the refreshes due up to the
 * last call (a refresh nobody needed after the last call is not counted).
 */
#include "mdl_token.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_alloc.h"
#include "sim_rng.h"

struct mdl_token {
    /* What every call reads, first: at 1,000 flows a token is cold at each
     * call; on a line of its own (sim_calloc_hot), a call that needs no
     * refresh loads one line. */
    mdl_token_mode mode;
    sim_time expires, refresh_done;
    uint64_t refreshes, waits, expired;
    sim_time wait_total;
    /* Read only when a token is drawn. */
    sim_time lifetime, lifetime_max, refresh_min, refresh_max;
    gsl_rng *rng;
    char *id;
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(struct mdl_token, wait_total) + sizeof(sim_time) <= SIM_CACHE_LINE,
               "token: performance layout (a moved field changes no result): "
               "line 0 holds what a call reads and writes");
#endif

static sim_time uniform(gsl_rng *r, sim_time lo, sim_time hi)
{
    if (hi <= lo || !r)
        return lo;
    return lo + (sim_time)llround((double)(hi - lo) * sim_rng_uniform(r));
}

static sim_time draw_lifetime(mdl_token *t)
{
    return uniform(t->rng, t->lifetime, t->lifetime_max);
}

mdl_token *mdl_token_create(const mdl_token_cfg *cfg, sim_time now, sim_err *err)
{
    if (!cfg || !cfg->id || !cfg->id[0]) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "token: an id is required");
        return NULL;
    }
    if (cfg->mode < MDL_TOKEN_PROACTIVE || cfg->mode > MDL_TOKEN_NONE) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "token %s: unknown mode %d", cfg->id,
                    (int)cfg->mode);
        return NULL;
    }
    sim_time lifetime = cfg->lifetime ? cfg->lifetime : 2 * SIM_HOUR;
    sim_time rmin = cfg->refresh_min ? cfg->refresh_min : 200 * SIM_MS;
    sim_time rmax = cfg->refresh_max ? cfg->refresh_max : 500 * SIM_MS;
    if (lifetime < 0 || cfg->lifetime_max < 0 || rmin < 0 || rmax < rmin ||
        (cfg->lifetime_max && cfg->lifetime_max < lifetime)) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "token %s: need 0 < lifetime <= lifetime_max and 0 <= refresh_min <= "
                    "refresh_max",
                    cfg->id);
        return NULL;
    }
    if (!cfg->rng &&
        (cfg->lifetime_max > lifetime || (cfg->mode == MDL_TOKEN_INLINE && rmax > rmin))) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "token %s: an rng is required for random lifetimes or inline refresh latencies",
                    cfg->id);
        return NULL;
    }
    mdl_token *t = sim_calloc_hot(sizeof *t);
    if (!t)
        goto fail_t;
    t->id = sim_strdup(cfg->id);
    if (!t->id)
        goto fail_id;
    t->mode = cfg->mode;
    t->lifetime = lifetime;
    t->lifetime_max = cfg->lifetime_max;
    t->refresh_min = rmin;
    t->refresh_max = rmax;
    t->rng = cfg->rng;
    t->expires = now + draw_lifetime(t);
    t->refresh_done = now;
    return t;

fail_id:
    sim_free_hot(t);
fail_t:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "token %s: out of memory", cfg->id);
    return NULL;
}

void mdl_token_destroy(mdl_token *t)
{
    if (!t)
        return;
    sim_free(t->id);
    sim_free_hot(t);
}

int mdl_token_use(mdl_token *t, sim_time now, sim_time *extra)
{
    sim_time wait = 0;
    switch (t->mode) {
    case MDL_TOKEN_PROACTIVE:
        /* Background refreshes due by now; each new token lives one lifetime. */
        while (now >= t->expires) {
            t->refreshes++;
            t->expires += draw_lifetime(t);
        }
        break;
    case MDL_TOKEN_INLINE:
        if (now < t->refresh_done) {
            wait = t->refresh_done - now; /* a refresh is running: wait for it */
        } else if (now >= t->expires) {
            wait = uniform(t->rng, t->refresh_min, t->refresh_max);
            t->refreshes++;
            t->refresh_done = now + wait;
            t->expires = t->refresh_done + draw_lifetime(t);
        }
        if (wait > 0) {
            t->waits++;
            t->wait_total += wait;
        }
        break;
    case MDL_TOKEN_NONE:
        if (now >= t->expires) {
            t->expired++;
            if (extra)
                *extra = 0;
            return 0;
        }
        break;
    }
    if (extra)
        *extra = wait;
    return 1;
}

const char *mdl_token_mode_name(mdl_token_mode m)
{
    switch (m) {
    case MDL_TOKEN_PROACTIVE:
        return "proactive";
    case MDL_TOKEN_INLINE:
        return "inline";
    case MDL_TOKEN_NONE:
        return "none";
    }
    return "?";
}

uint64_t mdl_token_refreshes(const mdl_token *t)
{
    return t->refreshes;
}

uint64_t mdl_token_waits(const mdl_token *t)
{
    return t->waits;
}

uint64_t mdl_token_expired(const mdl_token *t)
{
    return t->expired;
}

sim_time mdl_token_wait_total(const mdl_token *t)
{
    return t->wait_total;
}

static int put(sim_result *r, const char *id, const char *what, const char *unit, double v,
               sim_err *err)
{
    char name[256];
    int len = snprintf(name, sizeof name, "caller.%s.%s", id, what);
    if (len < 0 || (size_t)len >= sizeof name)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "token: id too long: %.64s...", id);
    int rc = sim_result_scalar(r, name, unit, v);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, NULL, 0, 0, "token: cannot add metric %s: %s", name,
                           sim_status_str(rc));
    return SIM_OK;
}

int mdl_token_publish(const mdl_token *t, sim_result *r, sim_err *err)
{
    int rc;
    if ((rc = put(r, t->id, "token_refreshes", "refreshes", (double)t->refreshes, err)) ||
        (rc = put(r, t->id, "token_waits", "calls", (double)t->waits, err)) ||
        (rc = put(r, t->id, "token_wait_s", "s", sim_time_to_seconds(t->wait_total), err)) ||
        (rc = put(r, t->id, "token_expired_calls", "calls", (double)t->expired, err)))
        return rc;
    return SIM_OK;
}
