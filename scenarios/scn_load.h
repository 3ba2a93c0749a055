/*
 * scn_load.h - the scenario loader: YAML text (a file, a string, or the
 * compiled-in default scenario) plus --set overrides -> a validated
 * mdl_scenario (models/mdl_scenario.h), or every problem found.
 *
 * Pipeline:
 *   text --scn_yaml_parse--> node tree with positions (syntax errors stop here)
 *        --scn_override_apply, once per --set--> the same tree, edited
 *        --walk driven by the schema table (scn_schema.h)--> the structs:
 *            unknown keys (with the nearest valid key), wrong types, units,
 *            ranges, duplicate keys and ids, missing required keys
 *        --presets, references, derived and inherited defaults-->
 *        --cross checks--> references to missing systems/callers/brokers/
 *            flows/subscribers, windows longer than their schedule, pattern
 *            settings the target cannot serve, fault kinds and their keys.
 * Every problem of the walk and the checks is collected (up to
 * SCN_DIAG_MAX) and sorted in file order, --set problems last; a YAML syntax
 * error is the only problem reported then. On any problem the scenario is
 * left empty (mdl_scenario_init state): there is no partial result.
 *
 * Library code: nothing is printed; the caller formats the diagnostics with
 * scn_diag_format ("file:line:column: message").
 */
#ifndef SCN_LOAD_H
#define SCN_LOAD_H

#include <stddef.h>

#include "mdl_scenario.h"
#include "scn_schema.h"
#include "sim_err.h"

/* scenarios/default.yaml, embedded at build time (cmake/embed.cmake). */
extern const char scn_default_text[];
extern const unsigned long scn_default_len;

/* ---- diagnostics ---------------------------------------------------------- */

#define SCN_DIAG_MAX 200

/* Problems found while loading, each a sim_err with file, line, column (line
 * 0: no position, e.g. a --set argument or an unreadable file). */
typedef struct scn_diag {
    sim_err *items;
    int count, cap;
    int truncated; /* more than SCN_DIAG_MAX problems: the rest were dropped */
} scn_diag;

void scn_diag_init(scn_diag *d);
void scn_diag_fini(scn_diag *d); /* frees the items; the diag can be reused after init */
/* Adds a problem (copies it). Returns e->code, or SIM_ENOMEM. */
int scn_diag_add(scn_diag *d, const sim_err *e);
/* Stable sort into file order: positioned problems by line and column first,
 * then those without a position in the order they were added. */
void scn_diag_sort(scn_diag *d);
/* "file:line:column: message", or "file: message" without a position. */
char *scn_diag_format(const sim_err *e, char *buf, size_t n);

/* ---- where each value came from (for `check --print`) --------------------- */

typedef enum scn_from {
    SCN_FROM_BUILTIN = 0, /* the schema's built-in default */
    SCN_FROM_FILE,        /* written in the scenario */
    SCN_FROM_SET,         /* a --set override */
    SCN_FROM_PRESET,      /* the system kind's or broker type's preset */
    SCN_FROM_INHERIT,     /* copied from the flow's target system */
    SCN_FROM_DERIVED      /* computed from other values (see the key's doc) */
} scn_from;

typedef struct scn_origin {
    scn_from from;
    const char *note; /* PRESET: the source ("REFERENCE.md A1"); else NULL */
    int unknown;      /* PRESET: a [NF] guess to replace */
} scn_origin;

typedef struct scn_origins scn_origins;

/* Where key `key_index` of block b, in the struct at base, came from. Every
 * block instance of a loaded scenario has an entry; NULL for an address the
 * loader did not fill. The origins refer to the scenario by address: they
 * are valid while it is neither moved nor freed. */
const scn_origin *scn_origins_get(const scn_origins *o, const scn_block *b, const void *base,
                                  int key_index);
void scn_origins_destroy(scn_origins *o); /* NULL is a no-op */

/* ---- loading -------------------------------------------------------------- */

typedef struct scn_load_opts {
    const char *const *sets; /* --set "path=value" arguments, applied in order */
    int nsets;
    scn_origins **origins; /* if not NULL: receives the origins (caller destroys) */
    /* If not NULL (initialised by the caller): receives warnings, values
     * that are valid but probably a mistake (a schedule that never runs
     * within the horizon, a daily volume far above the dataset, ...), in
     * file order. Warnings never make the load fail. */
    scn_diag *warnings;
    int no_faults; /* every fault is read with enabled: false (--no-faults) */
    /* If not NULL, the only folder data files (arrival traces, measured
     * service times) are read from: each must be a relative path without a
     * '..' segment, resolved against data_dir (an absolute path without a
     * trailing '/', symbolic links resolved), and must not lead out of it
     * through a link; "" refuses every data file. For `erpsim serve`,
     * whose overrides come from a browser. NULL: a data file is resolved
     * against the file that names it, anywhere. */
    const char *data_dir;
} scn_load_opts;

/* Loads the file at path (at most SCN_YAML_MAX_BYTES). opts may be NULL.
 * *out must not hold a scenario (it is overwritten). Returns SIM_OK with *out
 * filled, or SIM_EPARSE / SIM_EIO / SIM_ENOMEM with the problems in diag
 * (which must have been initialised) and *out empty. */
int scn_load_file(const char *path, const scn_load_opts *opts, mdl_scenario *out, scn_diag *diag);
/* The same from text[0..len), reported under the name `name`. */
int scn_load_string(const char *name, const char *text, size_t len, const scn_load_opts *opts,
                    mdl_scenario *out, scn_diag *diag);
/* Reads the file at path whole into a NUL-terminated buffer (*out, freed
 * with sim_free; *len bytes without the NUL): SIM_OK, SIM_EIO (cannot open
 * or read; with regular_only also anything but a regular file, refused
 * before it is opened), SIM_EPARSE (more than max bytes), SIM_ENOMEM; err
 * names the file. Shared by the scenario and the data files it names. */
int scn_read_file(const char *path, size_t max, int regular_only, char **out, size_t *len,
                  sim_err *err);
/* The compiled-in scenarios/default.yaml, reported as "default.yaml". */
int scn_load_default(const scn_load_opts *opts, mdl_scenario *out, scn_diag *diag);

#endif
