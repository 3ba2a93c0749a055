/*
 * scn_print.h - the normalised scenario for `erpsim check --print`, and the
 * key reference for docs/scenarios.md.
 *
 * scn_print_yaml writes every key of a loaded scenario, defaults included,
 * in schema order, each with a trailing comment saying where its value came
 * from:
 *   # file                                    written in the scenario
 *   # --set                                   a command-line override
 *   # preset salesforce (REFERENCE.md A1 ...) the system kind's preset
 *   # preset workday: UNKNOWN - set me (...)  a [NF] guess to replace
 *   # built-in / # built-in: REFERENCE.md G1  the schema default
 *   # built-in: assumption, no public source - set me
 *   # inherited from system 'netsuite' file.max_records
 *   # derived: the flow id
 * The pattern blocks of a flow other than its own pattern are printed only
 * when the file or a --set wrote into them. The text loads back (through
 * scn_load_string) to a scenario equal to the one printed: every value is
 * written in the canonical form of scn_units.h, which reads back exactly.
 */
#ifndef SCN_PRINT_H
#define SCN_PRINT_H

#include "mdl_scenario.h"
#include "scn_load.h"
#include "sim_err.h"

/* The YAML text (owned by the caller: sim_free), or NULL on no memory.
 * title (may be NULL) goes into the leading comment; o may be NULL (every
 * value is then shown without its origin). */
char *scn_print_yaml(const mdl_scenario *sc, const scn_origins *o, const char *title, sim_err *err);

/* Markdown tables of every block and key (type, default, source) and of the
 * presets, as included in docs/scenarios.md (`erpsim check --schema-md`). */
char *scn_print_schema_md(sim_err *err);

#endif
