/*
 * cal_headroom.c - the rolling 24-hour peak; see cal_headroom.h.
 *
 * One pass over the minutes of the window with a running sum of the last
 * 1440 minutes: O(minutes x groups) time, 4 bytes per minute of memory.
 */
#include "cal_headroom.h"

#include "cal_time.h"
#include "sim_alloc.h"

#define DAY_MIN 1440

int cal_headroom_compute(const cal_minutes *const *counted, int n, int64_t from_us, int64_t to_us,
                         double limit, cal_headroom *out, sim_err *err)
{
    int64_t first = -cal_floor_div(-from_us, CAL_US_PER_MIN); /* whole minutes inside */
    int64_t end = cal_floor_div(to_us, CAL_US_PER_MIN);
    if (end <= first || !(limit > 0.0))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "headroom needs a window of at least a minute and a limit > 0");
    int64_t len = end - first;
    uint32_t *sum = sim_calloc((size_t)len, sizeof *sum);
    uint32_t *tmp = sim_calloc((size_t)len, sizeof *tmp);
    if (!sum || !tmp) {
        sim_free(sum);
        sim_free(tmp);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (int g = 0; g < n; g++) {
        cal_minutes_copy(counted[g], first, (int)len, tmp);
        for (int64_t i = 0; i < len; i++)
            sum[i] += tmp[i];
    }
    double run = 0.0, peak = 0.0;
    int64_t peak_end = end;
    for (int64_t i = 0; i < len; i++) {
        run += sum[i];
        if (i >= DAY_MIN)
            run -= sum[i - DAY_MIN];
        if (i + 1 >= DAY_MIN && run > peak) {
            peak = run;
            peak_end = first + i + 1;
        }
    }
    out->whole_windows = len >= DAY_MIN;
    if (!out->whole_windows) {
        peak = run; /* the whole (short) log */
        peak_end = end;
    }
    sim_free(sum);
    sim_free(tmp);
    out->peak = peak;
    out->peak_end_us = peak_end * CAL_US_PER_MIN;
    out->limit = limit;
    out->headroom = 1.0 - peak / limit;
    return SIM_OK;
}

double cal_headroom_share(const cal_minutes *counted, const cal_headroom *h)
{
    int64_t end = h->peak_end_us / CAL_US_PER_MIN, s = 0;
    for (int64_t k = end - DAY_MIN; k < end; k++)
        s += cal_minutes_get(counted, k);
    return (double)s;
}
