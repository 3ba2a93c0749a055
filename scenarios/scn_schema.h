/*
 * scn_schema.h - the table of every scenario key: the one place that says
 * which keys a block has, their value types and units, their range, their
 * default and where that default comes from.
 *
 * A block is a YAML mapping that fills one C struct of models/mdl_scenario.h
 * (the scenario header, a system, a system's api, a flow's realtime.breaker,
 * ...). Each of its keys is one scn_key: the YAML name, the value type, the
 * field's offset in the struct, limits, the default text and its source. The
 * loader (scn_load.c), the printer (scn_print.c), the override paths
 * (scn_override.c) and the key reference in docs/scenarios.md are all driven
 * by this table, so adding a key is adding one entry (and the struct field).
 *
 * Value types and what they store (units as in scenarios/scn_units.h):
 *   DURATION  sim_time            RATE     double /s     COUNT  double
 *   INT       int (a count that must be a whole number)  U64    uint64_t
 *   PERCENT   double fraction     GROWTH   double /month MULT   double
 *   SIZE      double bytes        SCHEDULE mdl_schedule  BOOL   int
 *   STRING    char * (owned)      ENUM     int, names in aux
 *   ID        char[MDL_SPEC_ID_MAX], [A-Za-z0-9_-]
 *   REF       char[MDL_SPEC_ID_MAX] at off plus its int index at off2,
 *             resolved against the list named by ref
 *   SLO       a duration or "nightly": sim_time at off, int flag at off2
 *   UTC       "+01:00": sim_time offset
 *   DATE      "2025-03-03": int64_t days since 1970-01-01
 *   SHAPE24 / SHAPE7  a named profile or a list of 24 / 7 weights:
 *             char[32] name at off2, double[24 or 7] at off
 *   STRLIST   char ** at off, int count at off2
 *   BLOCK     a nested struct at off, keys in aux (const scn_block *)
 *   LIST      a sequence of blocks: pointer at off, int count at off2
 * SCN_NONE_OK lets a numeric key be written "none", stored as 0.
 *
 * Ranges are checked on the stored value in these units: seconds for
 * durations, per second for rates, fractions for percents, bytes for sizes.
 */
#ifndef SCN_SCHEMA_H
#define SCN_SCHEMA_H

#include <stddef.h>

#include "sim_err.h"

typedef enum scn_type {
    SCN_T_DURATION = 0,
    SCN_T_RATE,
    SCN_T_COUNT,
    SCN_T_INT,
    SCN_T_U64,
    SCN_T_PERCENT,
    SCN_T_GROWTH,
    SCN_T_MULT,
    SCN_T_SIZE,
    SCN_T_SCHEDULE,
    SCN_T_BOOL,
    SCN_T_STRING,
    SCN_T_ENUM,
    SCN_T_ID,
    SCN_T_REF,
    SCN_T_SLO,
    SCN_T_UTC,
    SCN_T_SHAPE24,
    SCN_T_SHAPE7,
    SCN_T_STRLIST,
    SCN_T_BLOCK,
    SCN_T_LIST,
    SCN_T_DATE,
    SCN_T_COUNT_OF_TYPES
} scn_type;

/* The longest horizon (and warm-up) of a scenario, in days: ten years. The
 * schema's limit and `--days` use it; SCN_HORIZON_MAX_DAYS_TEXT is the same
 * number as a string literal, for help texts. */
#define SCN_HORIZON_MAX_DAYS      3650
#define SCN_STR_(x)               #x
#define SCN_STR(x)                SCN_STR_(x)
#define SCN_HORIZON_MAX_DAYS_TEXT SCN_STR(SCN_HORIZON_MAX_DAYS)

/* Key flags. */
#define SCN_REQUIRED 0x01u /* must be given (no default) */
#define SCN_NONE_OK  0x02u /* "none" is accepted and stored as 0 */
#define SCN_POSITIVE 0x04u /* must be > 0 (besides "none"); else >= min */
#define SCN_ASSUMED  0x08u /* built-in default with no public source: an assumption */
#define SCN_DERIVED  0x10u /* default computed from other values (see doc) */
#define SCN_OPTIONAL 0x20u /* REF: may be absent (index -1) */

/* What a REF points at. */
typedef enum scn_ref {
    SCN_REF_SYSTEM = 1,
    SCN_REF_CALLER,
    SCN_REF_BROKER,
    SCN_REF_FLOW,
    SCN_REF_CHANNEL,   /* "platform" or a broker */
    SCN_REF_SUBSCRIBER /* a subscriber of the fault's flow */
} scn_ref;

typedef struct scn_block scn_block;

typedef struct scn_key {
    const char *name;
    scn_type type;
    unsigned flags;
    size_t off, off2;    /* the field; off2: index (REF), count (LIST, STRLIST), flag/name */
    double min, max;     /* limits in stored units (see above); max 0 = no upper limit */
    const char *def;     /* default as text (what --print shows); NULL for required/derived */
    const char *src;     /* where the default comes from: "built-in", "REFERENCE.md G1", ... */
    const void *aux;     /* ENUM: const char *const *names; BLOCK/LIST: const scn_block * */
    scn_ref ref;         /* REF */
    const char *inherit; /* default copied from this key path of the flow's target system */
    const char *doc;     /* one line for docs/scenarios.md */
} scn_key;

struct scn_block {
    const char *name;     /* "system.api": used in docs and messages */
    const char *label;    /* list elements: "system", "flow", ... for messages */
    const char *path;     /* how it is written: "systems[].api" */
    size_t size;          /* sizeof the struct */
    void (*init)(void *); /* built-in defaults of one element (LIST elements) */
    void (*fini)(void *); /* frees one element, or NULL */
    const scn_key *keys;
    int nkeys;
    const char *preset_key; /* the ENUM key whose value selects a preset, or NULL */
    /* Non-NULL when whether a key applies depends on the struct's values (a
     * fault's kind): returns 0 for keys that must not be given, which --print
     * leaves out. */
    int (*applies)(const void *base, const char *key);
    const char *doc;
};

/* The top-level block (the scenario header and its lists). */
const scn_block *scn_schema_root(void);
/* Every block, root first, in document order; NULL-terminated. */
const scn_block *const *scn_schema_blocks(void);
/* The key of block b named name (NULL if none); *index receives its index. */
const scn_key *scn_schema_key(const scn_block *b, const char *name, int *index);
/* Follows a dotted path of BLOCK keys ("api.daily_limit") from block b to a
 * key; *owner receives the block that holds it and *offset the field's
 * offset from b's struct. NULL if the path does not name a scalar key. */
const scn_key *scn_schema_path(const scn_block *b, const char *path, const scn_block **owner,
                               size_t *offset);

/* Parses text as a value of key k into the struct at base. Returns SIM_OK or
 * a status with err->msg saying what is wrong (no position). Range limits
 * are checked too. STRING values are copied with sim_strdup (the old one is
 * freed). Not for BLOCK, LIST (the loader walks those) or STRLIST/SHAPE
 * lists (see scn_value_parse_list). */
int scn_value_parse(const scn_key *k, const char *text, void *base, sim_err *err);
/* For STRLIST, SHAPE24 and SHAPE7 given as a YAML list: n items. */
int scn_value_parse_list(const scn_key *k, const char *const *items, int n, void *base,
                         sim_err *err);
/* Writes the value of k in base as text that scn_value_parse reads back to
 * the same value. Lists (STRLIST, custom shapes) are written in YAML flow
 * style "[a, b]". Returns buf. */
char *scn_value_format(const scn_key *k, const void *base, char *buf, size_t n);
/* Non-zero when the field of k holds the same value in a and b. */
int scn_value_equal(const scn_key *k, const void *a, const void *b);
/* Non-zero when every value of block b (nested blocks and lists too) is the
 * same in x and y. */
int scn_schema_equal(const scn_block *b, const void *x, const void *y);
/* Damerau-Levenshtein distance (case-folded) and the nearest candidate at
 * distance <= 2 (NULL if none); n < 0: cands is NULL-terminated. */
int scn_distance(const char *a, const char *b);
const char *scn_suggest(const char *word, const char *const *cands, int n);
/* "a duration such as 250ms, 120s, 15m, 72h or 3d": what the type accepts. */
const char *scn_type_describe(const scn_key *k);
/* Short type name for the docs: "duration", "rate", ... */
const char *scn_type_name(scn_type t);

/* Fault kinds and their keys (besides id, kind and start): the keys a kind
 * needs and the keys it takes, as space-separated lists. */
const char *scn_fault_keys(int kind, int required);
/* Non-zero when key is in that list. */
int scn_fault_has_key(int kind, const char *key, int required);

/* The keys a service-time distribution (mdl_spec_distribution) takes
 * besides `distribution`, as a space-separated list. */
const char *scn_service_keys(int distribution);

/* The named diurnal (24) and weekly (7) profiles: fills out and returns
 * SIM_OK, or SIM_EINVAL for an unknown name. names receives the list of
 * valid names for messages. */
int scn_shape_named(int n, const char *name, double *out);
const char *scn_shape_names(int n);

#endif
