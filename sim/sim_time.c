#include "sim_time.h"

#include <math.h>
#include <stdio.h>

#include "sim_err.h"

int sim_time_from_seconds(double seconds, sim_time *out)
{
    if (!(seconds >= 0.0) || seconds > SIM_TIME_LIMIT_S)
        return SIM_ERANGE;
    *out = (sim_time)llround(seconds * 1e6);
    return SIM_OK;
}

/* One unit of the human format. */
struct unit {
    sim_time size;
    const char *name;
};

static const struct unit units[] = {
    {SIM_DAY, "d"}, {SIM_HOUR, "h"}, {SIM_MIN, "m"}, {SIM_SEC, "s"}, {SIM_MS, "ms"}, {SIM_US, "us"},
};

char *sim_time_format(sim_time t, char *buf, size_t n)
{
    const char *sign = "";
    uint64_t u = (uint64_t)t;
    if (t < 0) {
        sign = "-";
        u = (uint64_t)0 - u;
    }
    if (u == 0) {
        snprintf(buf, n, "0s");
        return buf;
    }
    /* Below a minute, one unit with decimals reads best: 1.5s, 250ms. */
    if (u < (uint64_t)SIM_MIN) {
        if (u >= (uint64_t)SIM_SEC)
            snprintf(buf, n, "%s%.3gs", sign, (double)u / 1e6);
        else if (u >= (uint64_t)SIM_MS)
            snprintf(buf, n, "%s%.3gms", sign, (double)u / 1e3);
        else
            snprintf(buf, n, "%s%lluus", sign, (unsigned long long)u);
        return buf;
    }
    /* Otherwise the two largest whole units, rounded to the second one. */
    size_t i = 0;
    while (u < (uint64_t)units[i].size)
        i++;
    uint64_t big = (uint64_t)units[i].size, small = (uint64_t)units[i + 1].size;
    uint64_t rounded = (u + small / 2) / small * small;
    uint64_t a = rounded / big, b = (rounded % big) / small;
    if (b)
        snprintf(buf, n, "%s%llu%s%llu%s", sign, (unsigned long long)a, units[i].name,
                 (unsigned long long)b, units[i + 1].name);
    else
        snprintf(buf, n, "%s%llu%s", sign, (unsigned long long)a, units[i].name);
    return buf;
}

char *sim_time_format_clock(sim_time t, char *buf, size_t n)
{
    if (t < 0)
        t = 0;
    long long s = (long long)(t / SIM_SEC);
    snprintf(buf, n, "day %lld %02lld:%02lld:%02lld", s / 86400, s / 3600 % 24, s / 60 % 60,
             s % 60);
    return buf;
}
