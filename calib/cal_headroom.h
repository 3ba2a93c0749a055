/*
 * cal_headroom.h - today's real headroom against a daily API limit, from a
 * usage log: the highest number of calls counting against the limit in any
 * rolling 24 hours of the log.
 *
 * Salesforce counts an org's API calls over a rolling 24 hours and refuses
 * calls once the count reaches the allocation (../shared/domain/
 * REFERENCE.md A1), so the peak of that rolling count is what the log
 * says about the limit: headroom = 1 - peak / limit. Windows are taken at
 * every minute boundary ([t - 24 h, t) for every whole minute t with the
 * window inside the log), so the peak is exact to the minute (a window
 * between two minute boundaries can hold at most the calls of one more
 * minute). A log shorter than a day has no whole window: its total is
 * reported, a lower bound of the peak.
 *
 * Checked by: tests/calib/test_cal_headroom.c.
 */
#ifndef CAL_HEADROOM_H
#define CAL_HEADROOM_H

#include <stdint.h>

#include "cal_minutes.h"
#include "sim_err.h"

typedef struct cal_headroom {
    double peak;         /* most counted calls in a 24 h window of the log */
    int64_t peak_end_us; /* the end of the first such window (UTC) */
    int whole_windows;   /* 0: the log is shorter than a day; peak is its total */
    double limit;        /* the daily limit it is compared with */
    double headroom;     /* 1 - peak / limit */
} cal_headroom;

/* The rolling peak of the sum of n minute counts (the counted calls of
 * every group) over the window [from_us, to_us). SIM_EINVAL for an empty
 * window or a limit <= 0; SIM_ENOMEM. */
int cal_headroom_compute(const cal_minutes *const *counted, int n, int64_t from_us, int64_t to_us,
                         double limit, cal_headroom *out, sim_err *err);

/* The calls of one group in the peak window (its share of the peak). */
double cal_headroom_share(const cal_minutes *counted, const cal_headroom *h);

#endif
