/*
 * sim_time.h - simulated time: an int64_t count of microseconds.
 *
 * Integer ticks are exact and associative, so two events that should
 * coincide (a quota window edge and a request exactly on it) do coincide,
 * and a seed reproduces a run byte for byte on any compiler. A year is
 * 3.2e13 us, far from the int64_t limit of 9.2e18. Variates from GSL come in
 * seconds as double and are rounded to the nearest microsecond at the
 * boundary (sim_time_from_seconds); statistics are computed in double.
 */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t sim_time;

#define SIM_US   ((sim_time)1)
#define SIM_MS   ((sim_time)1000)
#define SIM_SEC  ((sim_time)1000000)
#define SIM_MIN  (60 * SIM_SEC)
#define SIM_HOUR (60 * SIM_MIN)
#define SIM_DAY  (24 * SIM_HOUR)
#define SIM_WEEK (7 * SIM_DAY)
/* "Never": later than any reachable event time. */
#define SIM_TIME_NEVER INT64_MAX
/* The largest duration accepted from seconds: 1000 years. */
#define SIM_TIME_LIMIT_S (1000.0 * 365.25 * 86400.0)

/* Rounds seconds to the nearest microsecond. SIM_ERANGE for NaN, negative
 * values or more than SIM_TIME_LIMIT_S; *out is left unchanged then. */
int sim_time_from_seconds(double seconds, sim_time *out);

/* Rounds seconds to the nearest microsecond, clamping NaN and negative
 * values to 0 and huge values to SIM_TIME_LIMIT_S. For sampled durations,
 * where a normal variate below zero means "no time". Inline: every sampled
 * duration of every model passes through it (a call from another file per
 * draw was 1% of a 100-flow run). */
static inline sim_time sim_time_clamp_seconds(double seconds)
{
    if (!(seconds > 0.0))
        return 0;
    if (seconds > SIM_TIME_LIMIT_S)
        seconds = SIM_TIME_LIMIT_S;
    /* Round half up by hand: v is positive and below 2^53, so the
     * truncation and the difference are exact, and this is several times
     * faster than llround. */
    double v = seconds * 1e6;
    sim_time i = (sim_time)v;
    return i + (v - (double)i >= 0.5);
}

static inline double sim_time_to_seconds(sim_time t)
{
    return (double)t / 1e6;
}

/* Formats a duration for people: "250ms", "1.5s", "15m", "2h30m", "3d4h",
 * the largest units first, at most two units, rounded. Negative durations
 * get a leading '-'. Returns buf. n >= 24 always suffices. */
char *sim_time_format(sim_time t, char *buf, size_t n);

/* Formats a point in simulated time as "day D hh:mm:ss" (day 0 is the first
 * day of the run). */
char *sim_time_format_clock(sim_time t, char *buf, size_t n);

#endif
