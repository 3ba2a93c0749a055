/*
 * out_calib.h - what `erpsim calibrate` writes: the text report, the
 * scenario fragments and calibration.json.
 *
 *   report      per group: records and days, the volume at the end of the
 *               log, growth, the weekly and diurnal shapes with how well
 *               they fit, burstiness, and the days left out (gaps, spikes,
 *               lows); for Salesforce logs the rolling 24 h peak against
 *               the daily limit; what the log could not tell.
 *   fragments   one YAML document per group (cal_yaml.h), "---" between.
 *   json        {"format": "erpsim-calibration", "format_version": 1,
 *                "log": {kind, files, rows, first, last, local_time, ...},
 *                "window": {from, to}, "warnings": [...],
 *                "groups": [{name, records, days, days_used, volume: {est,
 *                  lo, hi}, growth: {est, lo, hi, p}, weekly: [{est, lo, hi}
 *                  x7], diurnal: [x24], weekly_r2, diurnal_r2,
 *                  day_dispersion, hour_dispersion, burstiness: {index, p,
 *                  verdict}, days: [{date, weekday, count, fitted, kind}],
 *                  notes: [...]}],
 *                "headroom": {limit, source, peak, peak_end, headroom,
 *                  by_group: {...}} or null}
 *               (NaN is null).
 * Group names and every other text from the log are shown by the rule of
 * sim/sim_text.h: a log cannot move the terminal's cursor or add lines.
 */
#ifndef OUT_CALIB_H
#define OUT_CALIB_H

#include "cal_fit.h"
#include "cal_headroom.h"
#include "cal_log.h"
#include "sim_err.h"

typedef struct calib_group {
    const cal_group *g;
    cal_fit fit;
    int fitted;     /* fit is filled */
    sim_err err;    /* why not, when not */
    char slug[64];  /* a file name for its chart: [A-Za-z0-9_-] */
    double in_peak; /* its counted calls in the headroom's peak window */
} calib_group;

typedef struct calib_result {
    const cal_log *log;
    calib_group *groups; /* by records, most first */
    int ngroups;
    int64_t from_us, to_us; /* the observed window (UTC) */
    int has_headroom;
    cal_headroom headroom;
    const char *limit_source; /* where the daily limit comes from */
} calib_result;

/* The texts, in new strings (sim_free them); NULL with err on no memory. */
char *out_calib_report(const calib_result *r, sim_err *err);
char *out_calib_fragments(const calib_result *r, sim_err *err);
char *out_calib_json(const calib_result *r, sim_err *err);

/* The warnings about the log (duplicates, rows out of order, skipped
 * rows, gaps), one line each without the "warning: " prefix, in a new
 * string; "" when there is none. */
char *out_calib_warnings(const calib_result *r, sim_err *err);

#endif
