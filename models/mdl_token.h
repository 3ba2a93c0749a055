/*
 * mdl_token.h - an OAuth access token shared by the calls of one
 * integration user, its lifetime and how it is refreshed.
 *
 * The first token is valid from creation for one lifetime. Refresh modes:
 *
 *   proactive  refreshed in the background ahead of expiry: a call never
 *              waits and never finds it expired (the card's advice: "cache
 *              tokens and refresh asynchronously before expiry").
 *   inline     the first call that finds the token expired refreshes it
 *              itself and pays the refresh latency, U(200 ms, 500 ms) by
 *              default (the card: "refresh OAuth tokens inline add
 *              200-500ms per call"). Calls that arrive while that refresh is
 *              running wait for it too (a shared token cache with a lock),
 *              paying the rest of it. The new token lives one lifetime from
 *              the end of its refresh.
 *   none       no refresh: every call at or after expiry fails with 401
 *              (token_expired); retrying does not help.
 *
 * Lifetime: fixed, or uniform on [lifetime, lifetime_max] drawn for each
 * token (Microsoft Entra: 60-90 min, so refreshes are smeared).
 * Refresh calls go to the identity provider, not to the target's API, so
 * they count against no API quota here. Units: sim_time (microseconds).
 *
 * Defaults (zero fields): mode proactive, lifetime 2 h (Salesforce session
 * default, REFERENCE.md A5 and I), refresh latency U(200 ms, 500 ms)
 * (integration-patterns-card.txt, Authentication Gotchas; REFERENCE.md I
 * has no public figure).
 *
 * Checked by: tests/models/test_mdl_token.c.
 */
#ifndef MDL_TOKEN_H
#define MDL_TOKEN_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "sim_err.h"
#include "sim_result.h"
#include "sim_time.h"

typedef enum mdl_token_mode {
    MDL_TOKEN_PROACTIVE = 0,
    MDL_TOKEN_INLINE,
    MDL_TOKEN_NONE
} mdl_token_mode;

typedef struct mdl_token_cfg {
    const char *id; /* for metric names (copied); required */
    mdl_token_mode mode;
    sim_time lifetime;     /* 0 = 2 h */
    sim_time lifetime_max; /* > lifetime: uniform lifetime; 0 = fixed */
    sim_time refresh_min;  /* 0 = 200 ms */
    sim_time refresh_max;  /* 0 = 500 ms; >= refresh_min */
    gsl_rng *rng;          /* borrowed; lifetimes and refresh latencies */
} mdl_token_cfg;

typedef struct mdl_token mdl_token;

/* The first token is issued at now. */
mdl_token *mdl_token_create(const mdl_token_cfg *cfg, sim_time now, sim_err *err);
void mdl_token_destroy(mdl_token *t); /* NULL is a no-op */

/* A call wants the token at now (now never decreases). Returns 1 with
 * *extra = how long the call waits for a refresh first (0 when the token is
 * valid), or 0 when the token has expired and cannot be refreshed (mode
 * none): the call fails with token_expired. */
int mdl_token_use(mdl_token *t, sim_time now, sim_time *extra);

const char *mdl_token_mode_name(mdl_token_mode m);
uint64_t mdl_token_refreshes(const mdl_token *t); /* refreshes started by now */
uint64_t mdl_token_waits(const mdl_token *t);     /* calls that waited for one */
uint64_t mdl_token_expired(const mdl_token *t);   /* calls refused (mode none) */
sim_time mdl_token_wait_total(const mdl_token *t);

/* Appends "caller.<id>.token_refreshes", ".token_waits", ".token_wait_s"
 * and ".token_expired_calls". */
int mdl_token_publish(const mdl_token *t, sim_result *r, sim_err *err);

#endif
