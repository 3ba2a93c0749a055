/*
 * fuzz_scenario.c - libFuzzer target for the scenario loader
 * (scenarios/scn_load.h): YAML text plus --set overrides.
 *
 * Input: the YAML text up to the first NUL byte; after it, each further
 * NUL-separated piece (at most MAX_SETS) is one --set PATH=VALUE argument.
 * Seeds in tests/fuzz/corpus/scenario/ are example scenarios and fixtures,
 * some with overrides appended that way.
 *
 * For every input the loader accepts, the target asserts (abort() on a
 * failure, which libFuzzer reports as a crash with the input saved):
 *   1. round trip: what `check --print` prints (scn_print_yaml, with the
 *      origins) loads back to a scenario equal key by key
 *      (scn_schema_equal), and the print of that is a fixed point (printing
 *      what it loads gives the same text);
 *   2. check and run agree: replication 0 of the world builds, runs a short
 *      horizon and publishes its metrics without a model refusing it;
 *   3. every flow expects a finite number of arrivals over the first week
 *      (and more than 0 when the horizon holds a whole week).
 * Sanitizers (address, undefined, with float-cast-overflow) catch the rest.
 * docs/fuzzing.md says how to build and run it.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_arrivals.h"
#include "mdl_world.h"
#include "scn_load.h"
#include "scn_print.h"
#include "scn_schema.h"
#include "sim_alloc.h"
#include "sim_result.h"

#define MAX_SETS    8
#define MAX_SET_LEN 512
#define RUN_HORIZON SIM_MS /* arrivals are >= 1 us apart: at most 1000 per flow */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_scenario: %s\n%s\n", what, detail ? detail : "");
    abort();
}

/* 1 with *sc loaded, 0 when out of memory (not a finding). */
static int load_or_die(const char *text, mdl_scenario *sc, scn_origins **o)
{
    scn_diag d;
    scn_diag_init(&d);
    scn_load_opts opts = {.origins = o};
    int rc = scn_load_string("printed.yaml", text, strlen(text), &opts, sc, &d);
    if (rc != SIM_OK && rc != SIM_ENOMEM) {
        char line[1024];
        for (int i = 0; i < d.count; i++)
            fprintf(stderr, "  %s\n", scn_diag_format(&d.items[i], line, sizeof line));
        die("the print of an accepted scenario does not load back", text);
    }
    scn_diag_fini(&d);
    return rc == SIM_OK;
}

/* As `check --print` prints: with each value's origin, which also decides
 * whether the pattern blocks a flow does not use are printed. The first
 * print (with --set origins) loads back equal; from then on the text is a
 * fixed point: printing what the print loads gives the same text. */
static void round_trip(const mdl_scenario *sc, const scn_origins *o)
{
    char *p1 = scn_print_yaml(sc, o, "fuzz", NULL);
    if (!p1)
        return; /* out of memory */
    mdl_scenario back, again;
    scn_origins *ob = NULL, *oa = NULL;
    if (!load_or_die(p1, &back, &ob)) {
        sim_free(p1);
        return;
    }
    if (!scn_schema_equal(scn_schema_root(), sc, &back))
        die("the print loads back to a different scenario", p1);
    char *p2 = scn_print_yaml(&back, ob, "fuzz", NULL);
    if (p2 && load_or_die(p2, &again, &oa)) {
        char *p3 = scn_print_yaml(&again, oa, "fuzz", NULL);
        if (p3 && strcmp(p2, p3) != 0) {
            fprintf(stderr, "--- print of the print\n%s\n--- and its print\n%s\n", p2, p3);
            die("printing the print changes the text", NULL);
        }
        sim_free(p3);
        scn_origins_destroy(oa);
        mdl_scenario_fini(&again);
    }
    sim_free(p2);
    scn_origins_destroy(ob);
    mdl_scenario_fini(&back);
    sim_free(p1);
}

static void runs(const mdl_scenario *sc)
{
    mdl_scenario cut = *sc; /* shallow: the world only reads it */
    if (cut.horizon > RUN_HORIZON)
        cut.horizon = RUN_HORIZON;
    sim_err err;
    sim_err_clear(&err);
    sim_result *r = sim_result_create(&err);
    if (!r)
        return;
    int rc = mdl_world_run(&cut, sc->seed, 0, r, &err);
    sim_result_destroy(r);
    if (rc != SIM_OK && rc != SIM_ENOMEM)
        die("check accepts a scenario that run refuses:", err.msg);
}

/* As models/mdl_world.c maps a flow's arrival settings. */
static void arrivals_are_finite(const mdl_scenario *sc)
{
    sim_time span = sc->horizon < SIM_WEEK ? sc->horizon : SIM_WEEK;
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        const mdl_arrival_spec *a = &f->arrival;
        mdl_spike *spikes = sim_calloc((size_t)a->nspikes + 1, sizeof *spikes);
        if (!spikes)
            return;
        mdl_arrivals_cfg cfg = {.base_rate = f->volume,
                                .load_multiplier = sc->load,
                                .first_weekday = (int)sc->first_weekday,
                                .growth_per_month = a->growth,
                                .spikes = spikes,
                                .nspikes = a->nspikes};
        memcpy(cfg.diurnal, a->diurnal, sizeof cfg.diurnal);
        memcpy(cfg.weekly, a->weekly, sizeof cfg.weekly);
        for (int j = 0; j < a->nspikes; j++)
            spikes[j] = (mdl_spike){.start = a->spikes[j].at,
                                    .end = a->spikes[j].at + a->spikes[j].duration,
                                    .multiplier =
                                        a->spikes[j].multiplier > 0 ? a->spikes[j].multiplier : 1.0,
                                    .extra = a->spikes[j].extra};
        double n = mdl_arrivals_expected(&cfg, 0, span);
        sim_free(spikes);
        if (!isfinite(n) || (span == SIM_WEEK && !(n > 0))) {
            char msg[128];
            snprintf(msg, sizeof msg, "flow %s expects %g arrivals in its first week", f->id, n);
            die("check accepts a flow whose arrivals are silent or infinite:", msg);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t ylen = strnlen(text, size);
    char sets[MAX_SETS][MAX_SET_LEN];
    const char *setp[MAX_SETS];
    int nsets = 0;
    for (size_t at = ylen + 1; at < size && nsets < MAX_SETS;) {
        size_t n = strnlen(text + at, size - at);
        if (n > 0 && n < MAX_SET_LEN) {
            memcpy(sets[nsets], text + at, n);
            sets[nsets][n] = '\0';
            setp[nsets] = sets[nsets];
            nsets++;
        }
        at += n + 1;
    }
    mdl_scenario sc;
    scn_diag d;
    scn_diag_init(&d);
    scn_origins *origins = NULL;
    scn_load_opts o = {.sets = setp, .nsets = nsets, .origins = &origins};
    int rc = scn_load_string("fuzz.yaml", text, ylen, &o, &sc, &d);
    scn_diag_fini(&d);
    if (rc != SIM_OK)
        return 0;
    round_trip(&sc, origins);
    runs(&sc);
    arrivals_are_finite(&sc);
    scn_origins_destroy(origins);
    mdl_scenario_fini(&sc);
    return 0;
}
