/*
 * bench_calibrate.c - how fast calibration reads a large usage log, and in
 * how much memory.
 *
 *   bench_calibrate [SIZE_MB] [timestamps|salesforce] [DIR]
 *
 * Writes a log of SIZE_MB megabytes (default 1024) into DIR (default
 * /tmp): "timestamps" is the generic format (timestamp,app; ~40 bytes a
 * row), "salesforce" an API Total Usage event log (18 quoted columns, ~330
 * bytes a row, REQUEST_ID checked for duplicates). Then it reads the file
 * once with plain fread (the disk or page-cache speed, the ceiling) and
 * once with cal_log_read (the CSV reader, timestamps, groups, duplicate
 * check, counts per minute), fits every group, and prints rows/s, MB/s
 * and the peak resident memory (ru_maxrss). The file is deleted at the
 * end. Memory must not grow with the file: compare two sizes.
 */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cal_fit.h"
#include "cal_log.h"
#include "cal_time.h"
#include "sim_alloc.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A 64-bit generator (splitmix64): fast, good enough for test data. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Writes about `bytes` of log; returns the rows written. Rows are 30 days
 * of office-hours traffic of 5 apps, in time order. */
static long generate(const char *path, int sf, double bytes)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    static const char *const apps[] = {"MuleSoft ERP Sync", "Data Loader", "Boomi Orders",
                                       "Shop Backend", "Reporting"};
    if (sf)
        fputs("\"EVENT_TYPE\",\"TIMESTAMP\",\"REQUEST_ID\",\"ORGANIZATION_ID\",\"USER_ID\","
              "\"API_FAMILY\",\"API_VERSION\",\"API_RESOURCE\",\"CLIENT_NAME\",\"HTTP_METHOD\","
              "\"CLIENT_IP\",\"COUNTS_AGAINST_API_LIMIT\",\"CONNECTED_APP_ID\","
              "\"CONNECTED_APP_NAME\",\"ENTITY_NAME\",\"STATUS_CODE\",\"TIMESTAMP_DERIVED\","
              "\"USER_ID_DERIVED\"\r\n",
              f);
    else
        fputs("timestamp,app\n", f);
    double row_bytes = sf ? 330.0 : 40.0, rows = bytes / row_bytes;
    double step_us = 30.0 * 86400e6 / rows; /* mean gap between rows */
    int64_t t0 = cal_days_from_civil(2026, 11, 2) * CAL_US_PER_DAY;
    uint64_t s = 7;
    long n = 0;
    double t = 0.0;
    char ts[48], tsc[32];
    for (double written = 0.0; written < bytes; n++) {
        t += step_us * (double)(next(&s) % 2000) / 1000.0;
        int64_t us = t0 + (int64_t)t;
        const char *app = apps[next(&s) % 5];
        cal_time_format(us, 0, ts, sizeof ts);
        int w;
        if (sf) {
            /* TIMESTAMP: 20261102134512.345 from the ISO text */
            snprintf(tsc, sizeof tsc, "%.4s%.2s%.2s%.2s%.2s%.2s.%.3s", ts, ts + 5, ts + 8, ts + 11,
                     ts + 14, ts + 17, ts + 20);
            uint64_t id = next(&s);
            w = fprintf(f,
                        "\"ApiTotalUsage\",\"%s\",\"4ex%016llX\",\"00D000000000123\","
                        "\"005000000000%03d\",\"REST\",\"62.0\",\"/v62.0/sobjects/Account/"
                        "001xx000003DGQW\",\"MuleSoft\",\"GET\",\"203.0.113.10\",\"%s\","
                        "\"0H4000000000001\",\"%s\",\"Account\",\"200\",\"%s\","
                        "\"005000000000001AAA\"\r\n",
                        tsc, (unsigned long long)id, (int)(id % 1000), id % 4 ? "true" : "false",
                        app, ts);
        } else {
            w = fprintf(f, "%s,%s\n", ts, app);
        }
        written += w;
    }
    fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    double mb = argc > 1 ? atof(argv[1]) : 1024.0;
    int sf = argc > 2 && !strcmp(argv[2], "salesforce");
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    char path[1024];
    snprintf(path, sizeof path, "%s/bench_calibrate_%s.csv", dir, sf ? "sf" : "ts");
    double t = now_s();
    long rows = generate(path, sf, mb * 1e6);
    if (rows < 0) {
        fprintf(stderr, "bench_calibrate: cannot write %s\n", path);
        return 2;
    }
    double gen = now_s() - t;
    long rss_gen = max_rss_kb();

    /* the ceiling: reading the bytes and nothing else */
    t = now_s();
    FILE *f = fopen(path, "rb");
    char *buf = malloc(1 << 20);
    double bytes = 0.0;
    size_t n;
    while (f && buf && (n = fread(buf, 1, 1 << 20, f)) > 0)
        bytes += (double)n;
    if (f)
        fclose(f);
    free(buf);
    double raw = now_s() - t;

    cal_log_opts o = {.by = sf ? NULL : "app"};
    cal_log *l = NULL;
    sim_err err;
    sim_err_clear(&err);
    const char *one[] = {path};
    t = now_s();
    int rc = cal_log_read(one, 1, &o, &l, &err);
    double rd = now_s() - t;
    if (rc != SIM_OK) {
        fprintf(stderr, "bench_calibrate: %s:%d: %s\n", err.file, err.line, err.msg);
        remove(path);
        return 3;
    }
    t = now_s();
    int64_t from = cal_floor_div(l->first_us, CAL_US_PER_DAY) * CAL_US_PER_DAY;
    int64_t to = (cal_floor_div(l->last_us, CAL_US_PER_DAY) + 1) * CAL_US_PER_DAY;
    int fitted = 0;
    for (int g = 0; g < l->ngroups; g++) {
        cal_fit_opts fo = {.from_us = from, .to_us = to, .bucket_us = CAL_US_PER_MIN};
        cal_fit fit;
        if (cal_fit_group(l->groups[g].all, &fo, &fit, &err) == SIM_OK) {
            fitted += fit.has_weekly && fit.has_diurnal;
            cal_fit_fini(&fit);
        }
    }
    double fit_s = now_s() - t;
    printf("log                 %s (%s, %.0f MB, %ld rows, %d groups)\n", path,
           sf ? "salesforce" : "timestamps", bytes / 1e6, rows, l->ngroups);
    printf("generate            %.2f s (peak RSS %.1f MB)\n", gen, rss_gen / 1024.0);
    printf("fread only          %.2f s = %.0f MB/s (page cache: the ceiling)\n", raw,
           bytes / 1e6 / raw);
    printf("cal_log_read        %.2f s = %.0f MB/s, %.2f million rows/s\n", rd, bytes / 1e6 / rd,
           (double)l->rows / rd / 1e6);
    printf("fit %d groups        %.3f s (%d with every shape)\n", l->ngroups, fit_s, fitted);
    printf("peak RSS            %.1f MB\n", max_rss_kb() / 1024.0);
    cal_log_destroy(l);
    remove(path);
    return 0;
}
