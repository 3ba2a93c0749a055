/*
 * cal_log.c - reading usage logs; see cal_log.h for the formats and the
 * rules on bad input.
 *
 * One pass per file, one row at a time: the row's time, group, id and
 * count are read from their columns, the row is checked for a duplicate,
 * and its count is added to its group's minute counts. Nothing of a row is
 * kept but that (and its duplicate key for an hour or two), so memory does
 * not grow with the rows.
 *
 * Invariants:
 *   1. gslot is an open-addressing table of group indices + 1 (0 = empty),
 *      at most half full.
 *   2. The duplicate keys of rows in hour-slab `slab` are in cur, those of
 *      slab - 1 in prev; keys are never 0 (0 marks an empty slot).
 */
#include "cal_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cal_csv.h"
#include "scn_schema.h"
#include "sim_alloc.h"

#define GROUP_SLOTS 4096                  /* > 2 * CAL_LOG_MAX_GROUPS */
#define SLAB_US     ((int64_t)3600000000) /* an hour: the duplicate check's generation */

const char *cal_log_kind_name(cal_log_kind k)
{
    static const char *const names[] = {"auto", "salesforce", "timestamps", "counts"};
    return (int)k >= 0 && (int)k < 4 ? names[k] : "?";
}

/* ---- small tools ------------------------------------------------------------ */

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A set of non-zero 64-bit keys (open addressing, linear probing). */
typedef struct keyset {
    uint64_t *slot;
    size_t cap, n;
} keyset;

static void keyset_clear(keyset *s)
{
    if (s->slot)
        memset(s->slot, 0, s->cap * sizeof *s->slot);
    s->n = 0;
}

static int keyset_has(const keyset *s, uint64_t k)
{
    if (!s->cap)
        return 0;
    for (size_t i = k & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->slot[i] == k)
            return 1;
        if (!s->slot[i])
            return 0;
    }
}

static int keyset_put(keyset *s, uint64_t k)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        uint64_t *slot = sim_calloc(cap, sizeof *slot);
        if (!slot)
            return SIM_ENOMEM;
        for (size_t j = 0; j < s->cap; j++)
            if (s->slot[j]) {
                size_t i = s->slot[j] & (cap - 1);
                while (slot[i])
                    i = (i + 1) & (cap - 1);
                slot[i] = s->slot[j];
            }
        sim_free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    size_t i = k & (s->cap - 1);
    while (s->slot[i] && s->slot[i] != k)
        i = (i + 1) & (s->cap - 1);
    if (!s->slot[i]) {
        s->slot[i] = k;
        s->n++;
    }
    return SIM_OK;
}

/* ---- the reader's state ------------------------------------------------------ */

typedef struct reader {
    const cal_log_opts *o;
    cal_log *l;
    int gslot[GROUP_SLOTS];
    keyset cur, prev;
    int64_t slab; /* hour slab of the newest row; INT64_MIN before the first */
    /* where the first time with / without a zone was, for the mixed-zone message */
    char zone_at[300], naive_at[300];
    int64_t newest_before; /* the latest instant of the files read before this one */
    int has_id, has_by;
    int tfmt_set; /* l->tfmt is the first file's format */
} reader;

/* The columns of the current file. */
typedef struct cols {
    int n; /* fields of the header */
    int time, by, id, count, limit;
} cols;

static int row_error(sim_err *err, const cal_csv *c, int field, int code, const char *fmt, ...)
    SIM_PRINTF(5, 6);

static int row_error(sim_err *err, const cal_csv *c, int field, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int line = (int)(field >= 0 ? cal_csv_field_line(c, field) : cal_csv_line(c));
    int col = field >= 0 ? (int)cal_csv_field_column(c, field) : 0;
    sim_err_setv(err, code, cal_csv_name(c), line, col, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- columns ---------------------------------------------------------------- */

/* The index of column `name` in the header: exact, else the one column
 * equal ignoring case; -1 if none. */
static int find_col(const cal_csv *c, const char *name)
{
    int found = -1, n = cal_csv_nfields(c);
    for (int i = 0; i < n; i++)
        if (!strcmp(cal_csv_field(c, i, NULL), name))
            return i;
    for (int i = 0; i < n; i++) {
        const char *h = cal_csv_field(c, i, NULL);
        size_t k = 0;
        while (h[k] && name[k] && (h[k] | 0x20) == (name[k] | 0x20))
            k++;
        if (!h[k] && !name[k]) {
            if (found >= 0)
                return -1; /* ambiguous */
            found = i;
        }
    }
    return found;
}

/* The column `name` (what it is for: "time", ...), or an error at the
 * header naming the columns there are and the nearest one. */
static int need_col(const cal_csv *c, const char *name, const char *what, int *out, sim_err *err)
{
    if ((*out = find_col(c, name)) >= 0)
        return SIM_OK;
    int n = cal_csv_nfields(c);
    const char *cands[64];
    int k = n < 64 ? n : 64;
    char list[160] = "";
    size_t used = 0;
    for (int i = 0; i < k; i++) {
        cands[i] = cal_csv_field(c, i, NULL);
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", cands[i]);
        if (w < 0 || (size_t)w >= sizeof list - used) {
            snprintf(list + (sizeof list > 5 ? sizeof list - 5 : 0), 5, "...");
            break;
        }
        used += (size_t)w;
    }
    const char *near = scn_suggest(name, cands, k);
    if (near)
        return sim_err_set(err, SIM_EPARSE, cal_csv_name(c), (int)cal_csv_line(c), 1,
                           "no %s column '%s'; did you mean '%s'? (columns: %s)", what, name, near,
                           list);
    return sim_err_set(err, SIM_EPARSE, cal_csv_name(c), (int)cal_csv_line(c), 1,
                       "no %s column '%s' (columns: %s)", what, name, list);
}

static int is_salesforce(const cal_csv *c)
{
    return find_col(c, "EVENT_TYPE") >= 0 && find_col(c, "TIMESTAMP_DERIVED") >= 0 &&
           find_col(c, "REQUEST_ID") >= 0;
}

/* Fixes the log's kind and column names from the first file's header. */
static void choose_columns(reader *r, const cal_csv *c)
{
    const cal_log_opts *o = r->o;
    cal_log *l = r->l;
    l->kind = o->kind != CAL_LOG_AUTO ? o->kind
              : is_salesforce(c)      ? CAL_LOG_SALESFORCE
                                      : CAL_LOG_TIMESTAMPS;
    const char *time = o->time_col, *by = o->by, *id = o->id_col;
    if (l->kind == CAL_LOG_SALESFORCE) {
        if (!time)
            time = "TIMESTAMP_DERIVED";
        if (!by)
            by = find_col(c, "CONNECTED_APP_NAME") >= 0 ? "CONNECTED_APP_NAME"
                 : find_col(c, "CLIENT_NAME") >= 0      ? "CLIENT_NAME"
                                                        : "";
        if (!id)
            id = "REQUEST_ID";
        l->has_limit = find_col(c, "COUNTS_AGAINST_API_LIMIT") >= 0;
    }
    if (!time)
        time = l->kind == CAL_LOG_COUNTS ? "bucket" : "timestamp";
    snprintf(l->time_col, sizeof l->time_col, "%s", time);
    snprintf(l->by, sizeof l->by, "%s", by ? by : "");
    snprintf(l->id_col, sizeof l->id_col, "%s", id ? id : "");
    r->has_by = l->by[0] != 0;
    r->has_id = l->id_col[0] != 0;
}

static int file_columns(reader *r, const cal_csv *c, cols *k, sim_err *err)
{
    cal_log *l = r->l;
    int rc;
    k->n = cal_csv_nfields(c);
    k->by = k->id = k->count = k->limit = -1;
    if (l->kind == CAL_LOG_SALESFORCE && !is_salesforce(c))
        return sim_err_set(err, SIM_EPARSE, cal_csv_name(c), 1, 1,
                           "not a Salesforce event log file (no EVENT_TYPE, TIMESTAMP_DERIVED "
                           "and REQUEST_ID columns), unlike %s",
                           l->files[0].path);
    if (l->kind != CAL_LOG_SALESFORCE && r->o->kind == CAL_LOG_AUTO && is_salesforce(c))
        return sim_err_set(err, SIM_EPARSE, cal_csv_name(c), 1, 1,
                           "a Salesforce event log file among generic logs (%s is not one): "
                           "calibrate them separately",
                           l->files[0].path);
    if ((rc = need_col(c, l->time_col, "time", &k->time, err)) != SIM_OK)
        return rc;
    if (r->has_by && (rc = need_col(c, l->by, "group (--by)", &k->by, err)) != SIM_OK)
        return rc;
    if (r->has_id && (rc = need_col(c, l->id_col, "id", &k->id, err)) != SIM_OK)
        return rc;
    if (l->kind == CAL_LOG_COUNTS && (rc = need_col(c, r->o->count_col ? r->o->count_col : "count",
                                                    "count", &k->count, err)) != SIM_OK)
        return rc;
    if (l->has_limit &&
        (rc = need_col(c, "COUNTS_AGAINST_API_LIMIT", "limit", &k->limit, err)) != SIM_OK)
        return rc;
    return SIM_OK;
}

/* ---- groups ------------------------------------------------------------------ */

static int group_of(reader *r, const cal_csv *c, int field, int *out, sim_err *err)
{
    cal_log *l = r->l;
    size_t n = 0;
    const char *name = field >= 0 ? cal_csv_field(c, field, &n) : "all";
    if (field < 0)
        n = 3;
    if (n == 0) {
        name = "(empty)";
        n = 7;
    }
    uint64_t h = fnv1a(name, n);
    size_t i = h & (GROUP_SLOTS - 1);
    for (; r->gslot[i]; i = (i + 1) & (GROUP_SLOTS - 1)) {
        const char *g = l->groups[r->gslot[i] - 1].name;
        if (strlen(g) == n && !memcmp(g, name, n)) {
            *out = r->gslot[i] - 1;
            return SIM_OK;
        }
    }
    if (l->ngroups == CAL_LOG_MAX_GROUPS)
        return row_error(err, c, field, SIM_EPARSE,
                         "more than %d different values in the group column '%s': group by a "
                         "coarser column (--by)",
                         CAL_LOG_MAX_GROUPS, l->by);
    cal_group *grown = sim_reallocarray(l->groups, (size_t)l->ngroups + 1, sizeof *grown);
    if (!grown)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    l->groups = grown;
    cal_group *g = &l->groups[l->ngroups];
    memset(g, 0, sizeof *g);
    l->ngroups++; /* counted now, so destroy frees what was made */
    if (!(g->name = sim_malloc(n + 1)) || !(g->all = cal_minutes_create(err)) ||
        (l->has_limit && !(g->limited = cal_minutes_create(err))))
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    memcpy(g->name, name, n);
    g->name[n] = '\0';
    r->gslot[i] = l->ngroups;
    *out = l->ngroups - 1;
    return SIM_OK;
}

/* ---- one row ----------------------------------------------------------------- */

static int parse_bool(const char *s, int *out)
{
    if (!s[0] || !strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "FALSE") ||
        !strcmp(s, "False")) {
        *out = 0;
        return 1;
    }
    if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "TRUE") || !strcmp(s, "True")) {
        *out = 1;
        return 1;
    }
    return 0;
}

static int parse_count(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    int nd = 0;
    for (; *s >= '0' && *s <= '9'; s++, nd++) {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return 0;
    }
    if (nd == 0 || *s)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

/* Checks the zone of a time against the log's: one offset, and either
 * every time with a zone or none. */
static int check_zone(reader *r, const cal_csv *c, int field, const cal_stamp *st, sim_err *err)
{
    cal_log *l = r->l;
    if (!st->zone) {
        if (l->zone_seen)
            return row_error(err, c, field, SIM_EPARSE,
                             "a time without a time zone, but %s has one: mixed time zones in "
                             "one log",
                             r->zone_at);
        if (!r->naive_at[0])
            snprintf(r->naive_at, sizeof r->naive_at, "%s:%ld", cal_csv_name(c), cal_csv_line(c));
        return SIM_OK;
    }
    if (r->naive_at[0])
        return row_error(err, c, field, SIM_EPARSE,
                         "a time with a time zone, but %s has none: mixed time zones in one log",
                         r->naive_at);
    if (!l->zone_seen) {
        l->zone_seen = 1;
        l->offsets = 1;
        l->offset_min = st->offset_min;
        snprintf(r->zone_at, sizeof r->zone_at, "%s:%ld", cal_csv_name(c), cal_csv_line(c));
    } else if (st->offset_min != l->offset_min && l->offsets == 1) {
        l->offsets = 2;
        if (!r->o->tz_given) {
            char a[16], b[16];
            return row_error(err, c, field, SIM_EPARSE,
                             "UTC offset %s, but %s has %s (daylight saving time?): give --tz to "
                             "say which local time the daily shape is in",
                             cal_offset_format(st->offset_min, a, sizeof a), r->zone_at,
                             cal_offset_format(l->offset_min, b, sizeof b));
        }
    }
    return SIM_OK;
}

/* Whether the row is a duplicate of one read in the last hour or two;
 * *late is set when it is too old to tell. */
static int duplicate(reader *r, const char *id, size_t n, int64_t us, int *dup, int *late)
{
    uint64_t key = (fnv1a(id, n) ^ mix64((uint64_t)us)) | 1;
    int64_t slab = cal_floor_div(us, SLAB_US);
    *dup = *late = 0;
    if (r->slab == INT64_MIN || slab > r->slab) {
        if (r->slab != INT64_MIN && slab == r->slab + 1) {
            keyset t = r->prev;
            r->prev = r->cur;
            r->cur = t;
        } else {
            keyset_clear(&r->prev);
        }
        keyset_clear(&r->cur);
        r->slab = slab;
    }
    if (slab < r->slab - 1) {
        *late = 1;
        return SIM_OK;
    }
    if (keyset_has(&r->cur, key) || keyset_has(&r->prev, key)) {
        *dup = 1;
        return SIM_OK;
    }
    return keyset_put(slab == r->slab ? &r->cur : &r->prev, key);
}

/* A problem with one row: stops the read, or with skip_bad counts it. */
static int bad_row(reader *r, int rc, sim_err *row, sim_err *err)
{
    if (!r->o->skip_bad || rc == SIM_ENOMEM) {
        *err = *row;
        return rc;
    }
    if (r->l->skipped++ == 0)
        r->l->first_skipped = *row;
    return SIM_OK;
}

typedef struct file_state {
    int64_t max_us; /* latest instant so far in this file */
    uint64_t late;
    long first_late_line;
    int64_t prev_bucket; /* counts: the previous row's bucket start */
    int have_prev;
} file_state;

static int read_row(reader *r, const cal_csv *c, const cols *k, cal_log_file *f, file_state *fs,
                    sim_err *err)
{
    cal_log *l = r->l;
    sim_err row; /* filled by whichever check fails (not cleared: a row costs ~100 ns) */
    int rc;
    if (cal_csv_nfields(c) != k->n)
        return bad_row(r,
                       row_error(&row, c, -1, SIM_EPARSE,
                                 "%d fields, but the header has %d (a comma in an unquoted "
                                 "value?)",
                                 cal_csv_nfields(c), k->n),
                       &row, err);
    cal_stamp st;
    const char *text = cal_csv_field(c, k->time, NULL);
    cal_tfmt used;
    if ((rc = cal_time_parse(text, f->rows == 0 ? r->o->tfmt : l->tfmt, &st, &used, &row)) !=
        SIM_OK) {
        char msg[sizeof row.msg];
        snprintf(msg, sizeof msg, "%s", row.msg);
        row_error(&row, c, k->time, rc, "%s", msg);
        return bad_row(r, rc, &row, err);
    }
    if (f->rows == 0 && !r->tfmt_set) {
        l->tfmt = used;
        r->tfmt_set = 1;
    } else if (f->rows == 0 && used != l->tfmt)
        return row_error(err, c, k->time, SIM_EPARSE,
                         "this file writes times as %s, but %s wrote %s: one log, one format",
                         cal_tfmt_name(used), l->files[0].path, cal_tfmt_name(l->tfmt));
    if ((rc = check_zone(r, c, k->time, &st, err)) != SIM_OK)
        return rc;
    int64_t us = st.zone ? st.us : st.us - (int64_t)r->o->tz_min * CAL_US_PER_MIN;
    uint32_t n = 1;
    if (k->count >= 0 && !parse_count(cal_csv_field(c, k->count, NULL), &n))
        return bad_row(r,
                       row_error(&row, c, k->count, SIM_EPARSE,
                                 "count '%.40s' is not a whole number >= 0",
                                 cal_csv_field(c, k->count, NULL)),
                       &row, err);
    int limited = 0;
    if (k->limit >= 0 && !parse_bool(cal_csv_field(c, k->limit, NULL), &limited))
        return bad_row(r,
                       row_error(&row, c, k->limit, SIM_EPARSE,
                                 "COUNTS_AGAINST_API_LIMIT '%.40s' is not true or false",
                                 cal_csv_field(c, k->limit, NULL)),
                       &row, err);
    l->rows++;
    if (f->rows++ == 0 || us < f->first_us)
        f->first_us = us;
    if (f->rows == 1 || us > f->last_us)
        f->last_us = us;
    if (f->rows > 1 && us < fs->max_us) {
        l->unsorted++;
        if (fs->max_us - us > l->max_back_us)
            l->max_back_us = fs->max_us - us;
    }
    if (f->rows == 1 || us > fs->max_us)
        fs->max_us = us;
    if (k->count >= 0) {
        if (fs->have_prev && us != fs->prev_bucket) {
            int64_t d = us > fs->prev_bucket ? us - fs->prev_bucket : fs->prev_bucket - us;
            l->bucket_us = gcd64(l->bucket_us, d);
        }
        fs->prev_bucket = us;
        fs->have_prev = 1;
    }
    if (k->id >= 0) {
        size_t idn;
        const char *id = cal_csv_field(c, k->id, &idn);
        int dup, late;
        if (duplicate(r, id, idn, us, &dup, &late) != SIM_OK)
            return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        if (dup) {
            l->duplicates++;
            return SIM_OK;
        }
        if (late) {
            l->late++;
            if (fs->late++ == 0)
                fs->first_late_line = cal_csv_line(c);
        }
    }
    int g = 0;
    if ((rc = group_of(r, c, k->by, &g, err)) != SIM_OK)
        return rc;
    cal_group *grp = &l->groups[g];
    int64_t minute = cal_floor_div(us, CAL_US_PER_MIN);
    rc = cal_minutes_add(grp->all, minute, n);
    if (rc == SIM_OK && grp->limited && limited)
        rc = cal_minutes_add(grp->limited, minute, n);
    if (rc == SIM_ERANGE)
        return row_error(err, c, k->time, rc,
                         "%s is more than %d days away from the log's other times (a time in "
                         "the wrong unit?)",
                         text, CAL_MINUTES_MAX_DAYS);
    if (rc != SIM_OK)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    grp->rows += n;
    if (limited)
        grp->limited_rows += n;
    if (l->rows == 1 || us < l->first_us)
        l->first_us = us;
    if (l->rows == 1 || us > l->last_us)
        l->last_us = us;
    return SIM_OK;
}

/* ---- files ------------------------------------------------------------------- */

static int read_file(reader *r, int index, sim_err *err)
{
    cal_log *l = r->l;
    cal_log_file *f = &l->files[index];
    cal_csv *c = cal_csv_open(f->path, err);
    if (!c)
        return err ? err->code : SIM_EIO;
    int rc = cal_csv_next(c, err);
    if (rc == 0)
        rc = sim_err_set(err, SIM_EPARSE, f->path, 1, 1, "an empty file: no header line");
    cols k = {.time = -1, .by = -1, .id = -1, .count = -1, .limit = -1};
    if (rc == 1) {
        if (index == 0)
            choose_columns(r, c);
        rc = file_columns(r, c, &k, err);
    }
    file_state fs = {0};
    r->newest_before = index > 0 ? l->last_us : INT64_MIN;
    while (rc == SIM_OK && (rc = cal_csv_next(c, err)) == 1)
        rc = read_row(r, c, &k, f, &fs, err);
    if (rc == 0)
        rc = SIM_OK;
    /* Rows too far back for the duplicate check, in a file that overlaps
     * the ones read before: the same requests may be in both. */
    if (rc == SIM_OK && fs.late > 0 && index > 0 && f->first_us < r->newest_before) {
        char a[40], b[40];
        rc = sim_err_set(err, SIM_EPARSE, f->path, (int)fs.first_late_line, 0,
                         "this file overlaps the files read before it in time (it starts at %s, "
                         "they end at %s), so its requests may be counted twice, and duplicates "
                         "can only be found within an hour: give each period once",
                         cal_time_format(f->first_us, 0, a, sizeof a),
                         cal_time_format(r->newest_before, 0, b, sizeof b));
    }
    cal_csv_close(c);
    return rc;
}

/* The first time of a file (INT64_MAX when it cannot be read: the real
 * pass then reports why), for reading files in time order. */
static int64_t first_time(reader *r, const char *path)
{
    sim_err err;
    int64_t t = INT64_MAX;
    cal_csv *c = cal_csv_open(path, &err);
    if (!c)
        return t;
    if (cal_csv_next(c, &err) == 1) {
        const char *name = r->o->time_col                 ? r->o->time_col
                           : is_salesforce(c)             ? "TIMESTAMP_DERIVED"
                           : r->o->kind == CAL_LOG_COUNTS ? "bucket"
                                                          : "timestamp";
        int col = find_col(c, name);
        cal_stamp st;
        if (col >= 0 && cal_csv_next(c, &err) == 1 && col < cal_csv_nfields(c) &&
            cal_time_parse(cal_csv_field(c, col, NULL), r->o->tfmt, &st, NULL, NULL) == SIM_OK)
            t = st.us;
    }
    cal_csv_close(c);
    return t;
}

int cal_log_read(const char *const *paths, int npaths, const cal_log_opts *o, cal_log **out,
                 sim_err *err)
{
    *out = NULL;
    if (npaths < 1)
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "no log file");
    cal_log *l = sim_calloc(1, sizeof *l);
    reader *r = sim_calloc(1, sizeof *r);
    int64_t *first = sim_calloc((size_t)npaths, sizeof *first);
    int rc = SIM_OK;
    if (!l || !r || !first || !(l->files = sim_calloc((size_t)npaths, sizeof *l->files))) {
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    r->o = o;
    r->l = l;
    r->slab = INT64_MIN;
    /* Files in the order of their first times (stable), so that a log of
     * several days read in any order is read day after day. */
    for (int i = 0; i < npaths; i++) {
        int64_t t = first_time(r, paths[i]);
        int j = l->nfiles;
        while (j > 0 && first[j - 1] > t) {
            first[j] = first[j - 1];
            l->files[j] = l->files[j - 1];
            j--;
        }
        first[j] = t;
        l->files[j].path = sim_strdup(paths[i]);
        l->nfiles++;
        if (!l->files[j].path) {
            rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
    }
    for (int i = 0; i < l->nfiles && rc == SIM_OK; i++)
        rc = read_file(r, i, err);
    if (rc != SIM_OK)
        goto done;
    if (l->skipped > 0 && l->skipped * 100 > l->rows + l->skipped) {
        sim_err e = l->first_skipped;
        rc = sim_err_set(err, SIM_EPARSE, e.file, e.line, e.column,
                         "%llu of %llu rows cannot be read (more than 1%%, too many to skip "
                         "safely); the first: %s",
                         (unsigned long long)l->skipped, (unsigned long long)(l->rows + l->skipped),
                         e.msg);
        goto done;
    }
    if (l->kind == CAL_LOG_COUNTS && l->rows > 0 && l->bucket_us == 0) {
        rc = sim_err_set(err, SIM_EPARSE, l->files[0].path, 0, 0,
                         "every row has the same bucket start: one bucket is nothing to fit");
        goto done;
    }
    if (l->kind != CAL_LOG_COUNTS)
        l->bucket_us = CAL_US_PER_MIN;
    l->local_min = o->tz_given ? o->tz_min : l->offsets == 1 ? l->offset_min : 0;
    *out = l;
    l = NULL;
done:
    if (r) {
        sim_free(r->cur.slot);
        sim_free(r->prev.slot);
    }
    sim_free(r);
    sim_free(first);
    cal_log_destroy(l);
    return rc;
}

void cal_log_destroy(cal_log *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->ngroups; i++) {
        sim_free(l->groups[i].name);
        cal_minutes_destroy(l->groups[i].all);
        cal_minutes_destroy(l->groups[i].limited);
    }
    sim_free(l->groups);
    for (int i = 0; i < l->nfiles; i++)
        sim_free(l->files[i].path);
    sim_free(l->files);
    sim_free(l);
}

const cal_group *cal_log_group(const cal_log *l, const char *name)
{
    for (int i = 0; i < l->ngroups; i++)
        if (!strcmp(l->groups[i].name, name))
            return &l->groups[i];
    return NULL;
}
