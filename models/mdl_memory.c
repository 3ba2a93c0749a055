/*
 * mdl_memory.c - the memory estimate of a replication; see mdl_memory.h.
 */
#include "mdl_memory.h"

#include <math.h>

#include "mdl_arrivals.h"
#include "mdl_broker.h"
#include "mdl_ledger.h"
#include "mdl_world.h"
#include "sim_stats.h"

/* The probe's horizon: long enough for every model to be built and to
 * publish, short enough to cost a few milliseconds on any scenario. */
#define PROBE_HORIZON SIM_MIN

/* Bytes per retained event: a channel's log entry (published, seq, key
 * and flow packed in 16 bytes; the models never publish an event that
 * needs the 40-byte whole copy, mdl_channel.c). The log is paged and frees
 * its pages as they expire, so it holds what is retained plus at most
 * three pages of 4 KB per channel (left out). */
#define RETAINED_EVENT_BYTES 16.0

/* The largest of n weights over their mean (1 if they are all zero). */
static double peak_over_mean(const double *w, int n)
{
    double sum = 0, max = 0;
    for (int i = 0; i < n; i++) {
        sum += w[i];
        max = w[i] > max ? w[i] : max;
    }
    return sum > 0 ? max * n / sum : 1.0;
}

/* Records per second a flow creates at its peak over a window of length
 * `over`: the volume times the load, grown for the whole horizon, times
 * its busiest weekday's share (and busiest hour's, for a window shorter
 * than a day) and its largest spike multiplier. */
static double peak_rate(const mdl_scenario *sc, const mdl_flow_spec *f, sim_time over)
{
    double rate = f->volume * sc->load;
    rate *= peak_over_mean(f->arrival.weekly, 7);
    if (over < SIM_DAY)
        rate *= peak_over_mean(f->arrival.diurnal, 24);
    if (f->arrival.growth > 0)
        rate *= pow(1.0 + f->arrival.growth, (double)sc->horizon / (double)MDL_MONTH);
    double spike = 1.0;
    for (int i = 0; i < f->arrival.nspikes; i++)
        if (f->arrival.spikes[i].multiplier > spike)
            spike = f->arrival.spikes[i].multiplier;
    return rate * spike;
}

/* Events retained at once by the channel or topic an event flow publishes
 * on: its peak rate over the retention window (the horizon at most). A
 * broker that keeps messages until consumed (retention 0) holds only the
 * backlog, which is left out (mdl_memory.h). */
static double retained_events(const mdl_scenario *sc, const mdl_flow_spec *f)
{
    if (f->pattern != MDL_SPEC_PATTERN_EVENT)
        return 0.0;
    sim_time retention;
    if (f->event.broker_index >= 0) {
        retention = sc->brokers[f->event.broker_index].retention;
        if (retention == 0 && sc->brokers[f->event.broker_index].type == MDL_SPEC_BROKER_KAFKA)
            retention = MDL_BROKER_DEFAULT_RETENTION;
    } else {
        retention = sc->systems[f->source_index].events.retention;
    }
    if (retention > sc->horizon)
        retention = sc->horizon;
    return peak_rate(sc, f, retention) * sim_time_to_seconds(retention);
}

int mdl_memory_estimate(const mdl_scenario *sc, mdl_memory *out, sim_err *err)
{
    *out = (mdl_memory){0};
    mdl_scenario probe = *sc; /* shallow: the world only reads the scenario */
    probe.horizon = PROBE_HORIZON < sc->horizon ? PROBE_HORIZON : sc->horizon;
    probe.warmup = 0;
    sim_result *r = sim_result_create(err);
    if (!r)
        return SIM_ENOMEM;
    int rc = mdl_world_run(&probe, sc->seed, 0, r, err);
    if (rc != SIM_OK) {
        sim_result_destroy(r);
        return rc;
    }
    size_t probe_bins = 0;
    for (size_t i = 0; i < sim_result_count(r); i++) {
        switch (sim_result_kind(r, i)) {
        case SIM_METRIC_SCALAR:
            out->scalars++;
            break;
        case SIM_METRIC_HIST:
            out->hists++;
            break;
        case SIM_METRIC_SERIES:
            out->series++;
            probe_bins = sim_series_nbins(sim_result_series_at(r, i));
            break;
        }
    }
    sim_time interval = mdl_world_series_interval(sc->horizon);
    out->bins = (size_t)((sc->horizon + interval - 1) / interval);
    double series_probe = (double)out->series * (double)sim_series_bytes(probe_bins);
    double series_full = (double)out->series * (double)sim_series_bytes(out->bins);
    double stats = (double)out->hists * (double)sim_hist_bytes() + series_full;
    for (int i = 0; i < sc->nflows; i++)
        out->retained += retained_events(sc, &sc->flows[i]);
    out->bytes.result = (double)sim_result_bytes(r) - series_probe + series_full;
    out->bytes.world = stats + out->retained * RETAINED_EVENT_BYTES +
                       (double)mdl_world_ledger_rows(sc) * (double)mdl_ledger_bytes_per_flow();
    out->bytes.per_rep = 8.0 * (double)out->scalars;
    sim_result_destroy(r);
    return SIM_OK;
}
