/*
 * scn_presets.h - default values per system kind (salesforce, sap-s4hana,
 * oracle-erp-cloud, dynamics-365, netsuite, workday, generic) and per broker
 * type (kafka, rabbitmq), each with its source.
 *
 * A preset is a list of (key path, value text, source): "api.daily_limit =
 * 100k, REFERENCE.md A1". The loader applies a preset value to every key the
 * file leaves out, parsing the text exactly like a value in the file, so a
 * preset can never hold a value the file could not. Keys a preset does not
 * name keep the built-in default of the schema (scn_schema.c).
 *
 * Where ../shared/domain/REFERENCE.md marks a figure [NF] (not found in any
 * public source) or "not published", the preset holds a conservative guess
 * flagged `unknown`: `erpsim check --print` shows it as
 * "UNKNOWN - set me" so a workshop replaces it with its own figure.
 * Vendor limits change with edition and release: every value can be
 * overridden in the file or with --set.
 */
#ifndef SCN_PRESETS_H
#define SCN_PRESETS_H

typedef struct scn_preset_value {
    const char *path;   /* key path inside the block, e.g. "api.daily_limit" */
    const char *value;  /* as it would be written in the file */
    const char *source; /* e.g. "REFERENCE.md A1" */
    int unknown;        /* 1: no public figure; a conservative guess to replace */
} scn_preset_value;

typedef struct scn_preset {
    const char *block; /* the schema block it applies to: "system" or "broker" */
    const char *name;  /* the value of the block's preset key: "salesforce" */
    const char *doc;   /* one line for the docs */
    const scn_preset_value *values;
    int nvalues;
} scn_preset;

/* The preset named name for block (NULL if none). */
const scn_preset *scn_preset_find(const char *block, const char *name);
/* The value a preset gives to path (NULL if it gives none). */
const scn_preset_value *scn_preset_value_of(const scn_preset *p, const char *path);
/* Every preset, NULL-terminated, in the order of the docs. */
const scn_preset *const *scn_presets(void);

#endif
