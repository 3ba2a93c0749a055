/*
 * out_trace.c - the arrivals of a run as timestamp logs; see out_trace.h.
 *
 * The files are streamed (a flow can create millions of records): one
 * FILE per flow, opened when its first arrival comes (mdl_world_arrivals
 * walks the flows one after the other), so one file is open at a time.
 */
#include "out_trace.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cal_time.h"
#include "mdl_world.h"
#include "plt_file.h"
#include "sim_alloc.h"

int64_t out_trace_day0(const mdl_scenario *sc)
{
    return sc->start_day; /* start_date: given, or derived from first_weekday */
}

typedef struct writer {
    const mdl_scenario *sc;
    const char *dir;
    int flow; /* the flow of the open file, -1: none */
    FILE *f;
    char *tmp, *path;
    unsigned char *written; /* per flow: its file is written */
    int64_t origin_us;      /* the instant of simulated time 0 */
    int offset_min;
    sim_err *err;
} writer;

/* Closes the open file and renames it to its final name. */
static int finish(writer *w)
{
    int rc = SIM_OK;
    if (w->f) {
        int bad = ferror(w->f);
        if (fclose(w->f) != 0 || bad) {
            rc = sim_err_set(w->err, SIM_EIO, w->path, 0, 0, "cannot write: %s", strerror(errno));
            remove(w->tmp);
        } else {
            rc = plt_file_commit(w->tmp, w->path, w->err);
        }
    }
    w->f = NULL;
    sim_free(w->tmp);
    sim_free(w->path);
    w->tmp = w->path = NULL;
    return rc;
}

/* Opens the file of a flow (and writes its header). */
static int open_flow(writer *w, int flow)
{
    char name[MDL_SPEC_ID_MAX + 8];
    snprintf(name, sizeof name, "%s.csv", w->sc->flows[flow].id); /* ids are [A-Za-z0-9_-] */
    w->flow = flow;
    w->written[flow] = 1;
    if (!(w->path = plt_file_join(w->dir, name)) || !(w->tmp = plt_file_temp_name(w->path)))
        return sim_err_set(w->err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    if (!(w->f = fopen(w->tmp, "w")))
        return sim_err_set(w->err, SIM_EIO, w->tmp, 0, 0, "cannot create: %s", strerror(errno));
    fputs("timestamp\n", w->f);
    return SIM_OK;
}

static int write_arrival(void *ctx, int flow, sim_time at)
{
    writer *w = ctx;
    int rc;
    if (flow != w->flow) {
        if ((rc = finish(w)) != SIM_OK || (rc = open_flow(w, flow)) != SIM_OK)
            return rc;
    }
    char t[48];
    cal_time_format(w->origin_us + at, w->offset_min, t, sizeof t);
    fputs(t, w->f);
    fputc('\n', w->f);
    return SIM_OK;
}

int out_trace_write(const mdl_scenario *sc, uint64_t seed, const char *dir, sim_err *err)
{
    int rc = plt_file_mkdirs(dir, err);
    if (rc != SIM_OK)
        return rc;
    writer w = {.sc = sc, .dir = dir, .flow = -1, .err = err};
    if (!(w.written = sim_calloc((size_t)sc->nflows + 1, 1)))
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    w.offset_min = (int)(sc->utc_offset / SIM_MIN);
    /* local midnight of day 0, as an instant */
    w.origin_us = out_trace_day0(sc) * CAL_US_PER_DAY - sc->utc_offset;
    rc = mdl_world_arrivals(sc, seed, 0, write_arrival, &w, err);
    int rc2 = finish(&w);
    /* a flow without any arrival still gets its (empty) trace */
    for (int i = 0; i < sc->nflows && rc == SIM_OK && rc2 == SIM_OK; i++) {
        char name[MDL_SPEC_ID_MAX + 8];
        snprintf(name, sizeof name, "%s.csv", sc->flows[i].id);
        if (!w.written[i])
            rc2 = plt_file_write(dir, name, "timestamp\n", 10, err);
    }
    sim_free(w.written);
    return rc != SIM_OK ? rc : rc2;
}
