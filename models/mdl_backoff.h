/*
 * mdl_backoff.h - how long a client sleeps before retry n: exponential
 * backoff with jitter, and a server's Retry-After that overrides it.
 *
 * With expo(n) = min(cap, base * 2^n) and n the retry number (1 for the
 * first retry, as in the simulator behind the AWS post), the sleep before
 * retry n is
 *
 *   none           expo(n)
 *   full           U(0, expo(n))                      mean expo(n) / 2
 *   equal          expo(n)/2 + U(0, expo(n)/2)        mean 3 expo(n) / 4
 *   decorrelated   min(cap, U(base, 3 * prev))        prev = the previous
 *                                                     sleep, base at first
 *
 * U(a, b) is uniform on [a, b); the result is rounded to the microsecond.
 * Decorrelated jitter is stateful per client: the caller keeps `prev` (one
 * sim_time per retrying record) and passes it in and out.
 *
 * Retry-After. When the server sent one (Dataverse, F&O, Marketing Cloud
 * answer 429 + Retry-After), the client sleeps exactly that long, whatever
 * the strategy: it is not capped and not jittered. Salesforce core REST
 * sends none (REFERENCE.md A1), so the formula applies there. For
 * decorrelated jitter the slept Retry-After becomes `prev`.
 *
 * Defaults (a zero field takes its default): jitter full (REFERENCE.md,
 * "Modelling implications" 6), base 500 ms (resilience4j Retry waitDuration,
 * G1), cap 30 s (no public figure; chosen so the cap only binds after the
 * fifth retry). Units: sim_time (microseconds).
 *
 * Reference: M. Brooker, "Exponential Backoff And Jitter", AWS Architecture
 * Blog, 2015, and its simulator aws-samples/aws-arch-backoff-simulator
 * (REFERENCE.md G3).
 * Checked by: tests/models/test_mdl_backoff.c.
 */
#ifndef MDL_BACKOFF_H
#define MDL_BACKOFF_H

#include <gsl/gsl_rng.h>

#include "sim_err.h"
#include "sim_time.h"

typedef enum mdl_jitter {
    MDL_JITTER_FULL = 0, /* the default */
    MDL_JITTER_NONE,
    MDL_JITTER_EQUAL,
    MDL_JITTER_DECORRELATED
} mdl_jitter;

#define MDL_BACKOFF_DEFAULT_BASE (500 * SIM_MS)
#define MDL_BACKOFF_DEFAULT_CAP  (30 * SIM_SEC)

typedef struct mdl_backoff_cfg {
    mdl_jitter jitter; /* default full */
    sim_time base;     /* > 0; 0 = 500 ms */
    sim_time cap;      /* >= base; 0 = 30 s */
} mdl_backoff_cfg;

/* The name of a strategy ("none", "full", "equal", "decorrelated"). */
const char *mdl_jitter_name(mdl_jitter j);

/* SIM_OK, or SIM_EINVAL (err filled) for an unknown jitter, a negative base
 * or cap, or a cap below the base. Zero fields are valid (defaults). */
int mdl_backoff_check(const mdl_backoff_cfg *cfg, sim_err *err);

/* The cap-limited exponential expo(n) = min(cap, base * 2^n) for retry
 * n >= 1 (defaults applied). */
sim_time mdl_backoff_expo(const mdl_backoff_cfg *cfg, int n);

/* The sleep before retry n (n >= 1). prev is the decorrelated state: set
 * *prev = 0 before the first retry of a record; it is updated on return
 * (to the sleep returned) for every strategy. retry_after is the server's
 * Retry-After, or a negative value when the answer had none. r is the
 * stream jitter is drawn from (not used for none or a Retry-After). */
sim_time mdl_backoff_delay(const mdl_backoff_cfg *cfg, int n, sim_time *prev, sim_time retry_after,
                           gsl_rng *r);

#endif
