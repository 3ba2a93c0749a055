/*
 * plan_search.h - the pure logic of the what-if commands (sweep, plan):
 * the values a `--vary` argument stands for, the points of the cartesian
 * product of several of them, and the search for the highest load
 * multiplier at which a scenario still holds.
 *
 * Value lists (`erpsim sweep --vary PATH=LIST`):
 *   LIST   = ITEM { "," ITEM }     commas inside [...] or {...} do not split,
 *                                  so a YAML list value stays one item
 *   ITEM   = VALUE                 taken as written ("8", "150k/day", "[A,B]")
 *          | A ".." B "/" STEP     a range: A, A + STEP, ..., up to B
 *                                  (inclusive within a relative 1e-9)
 * A range's ends and step are a number followed by a unit suffix: the
 * suffix of A and B must be the same, the step's the same or none
 * ("1x..5x/0.5x" and "1x..5x/0.5" are both 1x, 1.5x, ..., 5x: 9 values;
 * "10k/day..50k/day/10k/day" is 5 values). The i-th value is computed as
 * A + i * STEP, not by adding STEP repeatedly, and printed with 12
 * significant digits, so 0.1..0.3/0.1 gives "0.1", "0.2", "0.3" and not
 * 0.30000000000000004. Values are text: the scenario loader checks them
 * exactly as it checks `--set PATH=VALUE`.
 *
 * Cartesian product: the points of dimensions with n[0], ..., n[d-1]
 * values are numbered 0 .. n[0] * ... * n[d-1] - 1 in nested-loop order,
 * the first dimension outermost and the last one varying fastest (like
 * the digits of a number): for n = {2, 3}, point 4 is (1, 1).
 *
 * The load search (`erpsim plan`): given a predicate holds(L) that says
 * whether the scenario at load multiplier L meets every SLO and limit,
 *   1. bracketing: evaluate at `start`; while it holds double L (up to
 *      `max`); if it failed at `start`, halve L instead (down to `min`),
 *      so that lo holds and hi fails with hi = 2 lo;
 *   2. bisection: evaluate the midpoint of [lo, hi] and keep the half
 *      whose ends still disagree, until hi - lo <= tol * lo.
 * The answer is the bracket [lo, hi]: lo is the highest multiplier seen to
 * hold, hi the lowest seen to fail above it; the threshold lies between.
 * The search assumes holds() is monotone (holds below the threshold,
 * fails above); with a noisy predicate it still ends with lo holding and
 * hi failing, but the threshold it brackets is one crossing among
 * possibly several. With common random numbers (the same seed at every
 * multiplier) the predicate is a deterministic function of L, which keeps
 * the crossings few.
 *
 * Library code: nothing is printed; problems come back in a sim_err.
 * Checked by: tests/cli/test_plan_search.c (ranges, product order, the
 * search on step predicates) and tests/validation/test_plan_erlang.c (the
 * search against an Erlang C threshold, and on the simulator).
 */
#ifndef PLAN_SEARCH_H
#define PLAN_SEARCH_H

#include "sim_err.h"

/* More values than this in one --vary, or points in a product, is refused
 * (a typo such as a step of 0.001x, not a plan). */
#define PLAN_SEARCH_MAX_VALUES 1000
#define PLAN_SEARCH_MAX_POINTS 100000

/* ---- value lists ------------------------------------------------------------ */

/* One --vary PATH=LIST. Owns path and values. */
typedef struct plan_search_dim {
    char *path;    /* "load", "systems.erp.api.workers" */
    char **values; /* the expanded values, in order */
    int nvalues;
} plan_search_dim;

/* Expands LIST (see above) into d->values. d->path is left alone. Returns
 * SIM_OK, SIM_EPARSE (err says what is wrong with which item; the
 * dimension is then empty) or SIM_ENOMEM. */
int plan_search_expand(const char *list, plan_search_dim *d, sim_err *err);

/* Parses "PATH=LIST" into d (which must be zeroed or finished). */
int plan_search_parse_vary(const char *arg, plan_search_dim *d, sim_err *err);

/* Frees the path and the values and zeroes d. NULL is a no-op. */
void plan_search_dim_fini(plan_search_dim *d);

/* The number at the start of a value ("1.5x" -> 1.5, "150k/day" -> 150),
 * for the axis of a chart. Returns 0 and sets *x when the value starts
 * with a finite number, -1 otherwise ("[A,B]", "none"). */
int plan_search_number(const char *value, double *x);

/* ---- cartesian product --------------------------------------------------------- */

/* The number of points of dimensions with sizes n[0..d-1] (1 for d = 0), or
 * -1 when a size is < 1 or the product exceeds PLAN_SEARCH_MAX_POINTS. */
long plan_search_points(const int *n, int d);

/* The value indices idx[0..d-1] of point p (0 <= p < plan_search_points). */
void plan_search_point(const int *n, int d, long p, int *idx);

/* ---- the load search --------------------------------------------------------- */

/* Whether the scenario holds at multiplier load: 1 holds, 0 fails; a
 * negative sim_status stops the search and is returned by it. */
typedef int plan_search_fn(void *ctx, double load);

typedef struct plan_search_cfg {
    double start; /* the first multiplier tried, > 0 (normally 1) */
    double min;   /* halving stops here: 0 < min <= start */
    double max;   /* doubling stops here: max >= start */
    double tol;   /* relative width of the final bracket, > 0 (e.g. 0.05) */
} plan_search_cfg;

typedef enum plan_search_outcome {
    PLAN_SEARCH_FOUND = 0, /* lo holds, hi fails, hi - lo <= tol * lo */
    PLAN_SEARCH_BELOW_MIN, /* fails even at min: lo = 0, hi = min */
    PLAN_SEARCH_ABOVE_MAX  /* holds even at max: lo = max, hi = +inf */
} plan_search_outcome;

typedef struct plan_search_result {
    plan_search_outcome outcome;
    double lo, hi;
    int evaluations; /* calls of the predicate */
} plan_search_result;

/* Runs the search (see above). SIM_EINVAL for a bad cfg; the predicate's
 * negative status if it returned one (*out then holds the bracket so far). */
int plan_search_load(const plan_search_cfg *cfg, plan_search_fn *holds, void *ctx,
                     plan_search_result *out, sim_err *err);

#endif
