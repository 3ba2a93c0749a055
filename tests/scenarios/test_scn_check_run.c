/*
 * test_scn_check_run.c - what `check` accepts, `run` runs: the loader refuses
 * (with a position) every scenario that the models would refuse after
 * loading, so no refusal waits until a run.
 *
 * The property: for a scenario the loader accepts, replication 0 of the
 * world (models/mdl_world.h) builds every model, runs and publishes its
 * metrics without an error. The run is cut to a short horizon
 * (RUN_HORIZON): the models refuse a scenario when they are created or
 * when they publish, both of which a short run covers, and a short run keeps
 * the extreme volumes tried below fast (arrivals are at least 1 us apart).
 *
 * Inputs:
 *   1. every example scenario, every CLI fixture and tests/scenarios/good/,
 *      each with each of its variants;
 *   2. every scalar key of tests/scenarios/good/every-block.yaml (which fills
 *      every block of the schema) set in turn, through --set, to the
 *      extremes the schema table allows: its maximum, its minimum or its
 *      smallest positive value, "none", every name of an enumeration, both
 *      booleans, and extreme weight lists. Each value the loader accepts
 *      must run; a value it refuses is fine (that is the point).
 * A failure names the key, the value and the model's message: move that
 * condition into the loader (scenarios/scn_load.c or the schema table) with
 * a bad-input fixture.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_arrivals.h"
#include "mdl_scenario.h"
#include "mdl_world.h"
#include "scn_load.h"
#include "scn_schema.h"
#include "sim_result.h"
#include "sim_time.h"

#define EVERY_BLOCK   "tests/scenarios/good/every-block.yaml"
#define RUN_HORIZON   SIM_MS
#define PATH_MAX_TEXT 512

/* Replication 0 of sc cut to RUN_HORIZON; SIM_OK or the world's status with
 * err filled. The scenario is only read (a shallow copy changes the
 * horizon). */
static int run_briefly(const mdl_scenario *sc, sim_err *err)
{
    mdl_scenario cut = *sc;
    if (cut.horizon > RUN_HORIZON)
        cut.horizon = RUN_HORIZON;
    sim_result *r = sim_result_create(err);
    if (!r)
        return SIM_ENOMEM;
    sim_err_clear(err);
    int rc = mdl_world_run(&cut, sc->seed, 0, r, err);
    sim_result_destroy(r);
    return rc;
}

/* Every flow of sc has a finite number of arrivals above 0 over the horizon
 * (weights or spikes that overflow make a flow silent or infinite, which no
 * model refuses). The arrival settings are mapped as models/mdl_world.c
 * maps them. Returns 1, or 0 with why filled. */
static int flows_arrive(const mdl_scenario *sc, char *why, size_t n)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        const mdl_arrival_spec *a = &f->arrival;
        mdl_spike spikes[64];
        mdl_arrivals_cfg cfg = {.base_rate = f->volume,
                                .load_multiplier = sc->load,
                                .first_weekday = (int)sc->first_weekday,
                                .growth_per_month = a->growth,
                                .spikes = spikes,
                                .nspikes = a->nspikes < 64 ? a->nspikes : 64};
        memcpy(cfg.diurnal, a->diurnal, sizeof cfg.diurnal);
        memcpy(cfg.weekly, a->weekly, sizeof cfg.weekly);
        for (int j = 0; j < cfg.nspikes; j++)
            spikes[j] = (mdl_spike){.start = a->spikes[j].at,
                                    .end = a->spikes[j].at + a->spikes[j].duration,
                                    .multiplier =
                                        a->spikes[j].multiplier > 0 ? a->spikes[j].multiplier : 1.0,
                                    .extra = a->spikes[j].extra};
        double expected = mdl_arrivals_expected(&cfg, 0, sc->horizon);
        if (!(expected > 0) || !isfinite(expected)) {
            snprintf(why, n, "flow %s expects %g arrivals over the horizon", f->id, expected);
            return 0;
        }
    }
    return 1;
}

static void print_diag(const scn_diag *d)
{
    char line[1024];
    for (int i = 0; i < d->count; i++)
        print_message("  %s\n", scn_diag_format(&d->items[i], line, sizeof line));
}

/* Loads path with the --set arguments sets[0..nsets); SIM_OK with *sc
 * filled, else the loader's status (and *sc empty). */
static int load(const char *path, const char *const *sets, int nsets, mdl_scenario *sc, int verbose)
{
    scn_diag d;
    scn_diag_init(&d);
    scn_load_opts o = {.sets = sets, .nsets = nsets};
    int rc = scn_load_file(path, &o, sc, &d);
    if (rc != SIM_OK && verbose)
        print_diag(&d);
    scn_diag_fini(&d);
    return rc;
}

/* Loads the file and each of its variants; each must load and run. */
static void file_and_variants_run(const char *path)
{
    mdl_scenario sc;
    if (load(path, NULL, 0, &sc, 1) != SIM_OK)
        fail_msg("%s does not load", path);
    sim_err err;
    if (run_briefly(&sc, &err) != SIM_OK)
        fail_msg("%s loads but does not run: %s", path, err.msg);
    char why[256];
    if (!flows_arrive(&sc, why, sizeof why))
        fail_msg("%s: %s", path, why);
    for (int v = 0; v < sc.nvariants; v++) {
        const mdl_variant_spec *var = &sc.variants[v];
        mdl_scenario vs;
        if (load(path, (const char *const *)var->set, var->nset, &vs, 1) != SIM_OK)
            fail_msg("%s: variant %s does not load", path, var->id);
        if (run_briefly(&vs, &err) != SIM_OK)
            fail_msg("%s: variant %s loads but does not run: %s", path, var->id, err.msg);
        mdl_scenario_fini(&vs);
    }
    mdl_scenario_fini(&sc);
}

static int each_yaml(const char *dir, void (*fn)(const char *path))
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        fn(path);
        n++;
    }
    closedir(d);
    return n;
}

static void every_scenario_that_loads_runs_with_each_of_its_variants(void **state)
{
    (void)state;
    int n = each_yaml("scenarios", file_and_variants_run);
    n += each_yaml("tests/cli/fixtures", file_and_variants_run);
    n += each_yaml("tests/scenarios/good", file_and_variants_run);
    assert_true(n >= 12); /* 9 examples, 4 CLI fixtures, the good fixtures */
}

/* ---- every key at its extremes ----------------------------------------- */

typedef struct sweep {
    int tried, accepted;
    int failures;
} sweep;

/* Loads EVERY_BLOCK with path=value; what loads must run. */
static void try_value(sweep *s, const char *path, const char *value)
{
    char arg[2 * PATH_MAX_TEXT + 1200];
    snprintf(arg, sizeof arg, "%s=%s", path, value);
    const char *sets[] = {arg};
    mdl_scenario sc;
    s->tried++;
    if (load(EVERY_BLOCK, sets, 1, &sc, 0) != SIM_OK)
        return;
    s->accepted++;
    sim_err err;
    char why[256];
    if (run_briefly(&sc, &err) != SIM_OK) {
        print_message("check accepts but run refuses --set %s: %s\n", arg, err.msg);
        s->failures++;
    } else if (!flows_arrive(&sc, why, sizeof why)) {
        print_message("check accepts --set %s but %s\n", arg, why);
        s->failures++;
    }
    mdl_scenario_fini(&sc);
}

/* The text of value v for key k (the key's own formatter, so units are as a
 * user writes them). */
static const char *format_number(const scn_key *k, double v, char *buf, size_t n)
{
    /* A zeroed struct of any block is large enough: the field is at k->off. */
    union {
        char bytes[4096];
        double align;
    } scratch;
    memset(&scratch, 0, sizeof scratch);
    void *field = scratch.bytes + k->off;
    switch (k->type) {
    case SCN_T_DURATION:
        *(sim_time *)field = (sim_time)(v * 1e6 + 0.5);
        break;
    case SCN_T_INT:
        *(int *)field = (int)v;
        break;
    default:
        *(double *)field = v;
        break;
    }
    return scn_value_format(k, scratch.bytes, buf, n);
}

/* The smallest value a user can write for k above 0. */
static double smallest_positive(const scn_key *k)
{
    switch (k->type) {
    case SCN_T_DURATION:
        return 1e-6; /* 1 us, the kernel's tick */
    case SCN_T_INT:
        return 1;
    default:
        return 1e-9;
    }
}

static void try_extremes(sweep *s, const scn_key *k, const char *path)
{
    char buf[1024];
    switch (k->type) {
    case SCN_T_DURATION:
    case SCN_T_RATE:
    case SCN_T_COUNT:
    case SCN_T_INT:
    case SCN_T_PERCENT:
    case SCN_T_GROWTH:
    case SCN_T_MULT:
    case SCN_T_SIZE:
        /* No upper limit in the table: the largest double a user can write. */
        try_value(s, path, k->max > 0 ? format_number(k, k->max, buf, sizeof buf) : "1e308");
        try_value(s, path, format_number(k, k->min, buf, sizeof buf));
        if (k->min <= 0)
            try_value(s, path, format_number(k, smallest_positive(k), buf, sizeof buf));
        if (k->flags & SCN_NONE_OK)
            try_value(s, path, "none");
        break;
    case SCN_T_ENUM:
        for (const char *const *name = k->aux; *name; name++)
            try_value(s, path, *name);
        break;
    case SCN_T_BOOL:
        try_value(s, path, "true");
        try_value(s, path, "false");
        break;
    case SCN_T_SHAPE24:
    case SCN_T_SHAPE7: {
        int n = k->type == SCN_T_SHAPE24 ? 24 : 7;
        /* every weight huge; one weight huge and the others tiny */
        const char *w[] = {"1e307", "1e308", "1e-300"};
        for (int pick = 0; pick < 2; pick++) {
            size_t len = (size_t)snprintf(buf, sizeof buf, "[");
            for (int i = 0; i < n; i++)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "",
                                        pick == 0 || i == 0 ? w[pick] : w[2]);
            snprintf(buf + len, sizeof buf - len, "]");
            try_value(s, path, buf);
        }
        break;
    }
    case SCN_T_SCHEDULE: {
        static const char *const schedules[] = {"every 1s", "every 1000d", "daily 23:59",
                                                "weekdays 00:00", "none"};
        for (size_t i = 0; i < sizeof schedules / sizeof *schedules; i++)
            try_value(s, path, schedules[i]);
        break;
    }
    case SCN_T_UTC:
        try_value(s, path, "+14:00");
        try_value(s, path, "-14:00");
        break;
    case SCN_T_SLO:
        try_value(s, path, "1us");
        try_value(s, path, "nightly");
        break;
    default: /* ids, references, text, name lists: no extremes to try */
        break;
    }
}

/* Every scalar key of block b in the struct at base, under path prefix. */
static void sweep_block(sweep *s, const scn_block *b, const void *base, const char *prefix)
{
    for (int i = 0; i < b->nkeys; i++) {
        const scn_key *k = &b->keys[i];
        char path[PATH_MAX_TEXT];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", k->name);
        if (k->type == SCN_T_BLOCK) {
            sweep_block(s, k->aux, (const char *)base + k->off, path);
        } else if (k->type == SCN_T_LIST) {
            const scn_block *eb = k->aux;
            const char *items = *(char *const *)((const char *)base + k->off);
            int n = *(const int *)((const char *)base + k->off2);
            for (int j = 0; j < n; j++) {
                char item[sizeof path + 16];
                snprintf(item, sizeof item, "%s.%d", path, j);
                sweep_block(s, eb, items + (size_t)j * eb->size, item);
            }
        } else if (strcmp(k->name, "horizon") && strcmp(k->name, "replications")) {
            /* (the run is cut short and runs one replication anyway) */
            try_extremes(s, k, path);
        }
    }
}

static void every_key_at_its_extremes_runs_when_the_loader_accepts_it(void **state)
{
    (void)state;
    mdl_scenario sc;
    if (load(EVERY_BLOCK, NULL, 0, &sc, 1) != SIM_OK)
        fail_msg("%s does not load", EVERY_BLOCK);
    /* The fixture fills every block: each must have at least one instance. */
    assert_true(sc.nsystems >= 1 && sc.ncallers >= 1 && sc.nbrokers >= 2 && sc.nflows >= 4);
    assert_true(sc.nfaults >= 5 && sc.nvariants >= 1);
    sweep s = {0};
    sweep_block(&s, scn_schema_root(), &sc, "");
    mdl_scenario_fini(&sc);
    print_message("%d values tried, %d accepted by the loader\n", s.tried, s.accepted);
    assert_int_equal(s.failures, 0);
    /* The sweep must exercise the run, not only the loader's refusals. */
    assert_true(s.accepted > s.tried / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_scenario_that_loads_runs_with_each_of_its_variants),
        cmocka_unit_test(every_key_at_its_extremes_runs_when_the_loader_accepts_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
