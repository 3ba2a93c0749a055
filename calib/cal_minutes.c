/*
 * cal_minutes.c - counts per minute in day blocks; see cal_minutes.h.
 *
 * Invariants:
 *   1. day[i] (NULL or 1440 counts) holds UTC day base + i, 0 <= i < ndays.
 *   2. ndays <= cap and ndays <= CAL_MINUTES_MAX_DAYS.
 *   3. total is the sum of every count.
 */
#include "cal_minutes.h"

#include <string.h>

#include "cal_time.h"
#include "sim_alloc.h"

#define PER_DAY 1440

struct cal_minutes {
    uint32_t **day;
    int64_t base;
    int ndays, cap;
    uint64_t total;
};

cal_minutes *cal_minutes_create(sim_err *err)
{
    cal_minutes *m = sim_calloc(1, sizeof *m);
    if (!m)
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    return m;
}

void cal_minutes_destroy(cal_minutes *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->ndays; i++)
        sim_free(m->day[i]);
    sim_free(m->day);
    sim_free(m);
}

/* Makes day d part of the span (invariant 1 kept by shifting the block
 * pointers when d comes before base). */
static int cover(cal_minutes *m, int64_t d)
{
    if (m->ndays == 0) {
        m->base = d;
    } else if (d >= m->base && d < m->base + m->ndays) {
        return SIM_OK;
    }
    int64_t lo = m->ndays ? (d < m->base ? d : m->base) : d;
    int64_t hi = m->ndays ? (d >= m->base + m->ndays ? d : m->base + m->ndays - 1) : d;
    if (hi - lo + 1 > CAL_MINUTES_MAX_DAYS)
        return SIM_ERANGE;
    int need = (int)(hi - lo + 1);
    if (need > m->cap) {
        int cap = m->cap ? m->cap : 32;
        while (cap < need)
            cap *= 2;
        uint32_t **day = sim_reallocarray(m->day, (size_t)cap, sizeof *day);
        if (!day)
            return SIM_ENOMEM;
        m->day = day;
        m->cap = cap;
    }
    int shift = (int)(m->base - lo);
    if (shift > 0) {
        memmove(m->day + shift, m->day, (size_t)m->ndays * sizeof *m->day);
        memset(m->day, 0, (size_t)shift * sizeof *m->day);
    }
    for (int i = shift + m->ndays; i < need; i++)
        m->day[i] = NULL;
    m->base = lo;
    m->ndays = need;
    return SIM_OK;
}

int cal_minutes_add(cal_minutes *m, int64_t minute, uint32_t n)
{
    int64_t d = cal_floor_div(minute, PER_DAY);
    int rc = cover(m, d);
    if (rc != SIM_OK)
        return rc;
    uint32_t **b = &m->day[d - m->base];
    if (!*b && !(*b = sim_calloc(PER_DAY, sizeof **b)))
        return SIM_ENOMEM;
    uint32_t *c = &(*b)[minute - d * PER_DAY];
    if (*c > UINT32_MAX - n)
        return SIM_ERANGE;
    *c += n;
    m->total += n;
    return SIM_OK;
}

uint32_t cal_minutes_get(const cal_minutes *m, int64_t minute)
{
    int64_t d = cal_floor_div(minute, PER_DAY);
    if (d < m->base || d >= m->base + m->ndays || !m->day[d - m->base])
        return 0;
    return m->day[d - m->base][minute - d * PER_DAY];
}

void cal_minutes_copy(const cal_minutes *m, int64_t from, int n, uint32_t *out)
{
    for (int i = 0; i < n;) {
        int64_t minute = from + i;
        int64_t d = cal_floor_div(minute, PER_DAY);
        int off = (int)(minute - d * PER_DAY);
        int k = PER_DAY - off < n - i ? PER_DAY - off : n - i;
        const uint32_t *b = d >= m->base && d < m->base + m->ndays ? m->day[d - m->base] : NULL;
        if (b)
            memcpy(out + i, b + off, (size_t)k * sizeof *out);
        else
            memset(out + i, 0, (size_t)k * sizeof *out);
        i += k;
    }
}

void cal_minutes_days(const cal_minutes *m, int64_t *first, int64_t *last)
{
    int lo = 0, hi = m->ndays - 1;
    while (lo <= hi && !m->day[lo])
        lo++;
    while (hi >= lo && !m->day[hi])
        hi--;
    *first = m->base + lo;
    *last = m->base + hi;
}

uint64_t cal_minutes_total(const cal_minutes *m)
{
    return m->total;
}
