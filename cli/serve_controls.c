/*
 * serve_controls.c - the what-if controls of a scenario; see
 * serve_controls.h.
 */
#include "serve_controls.h"

#include <stdarg.h>
#include <stdio.h>

#include "scn_units.h"

/* Appends one control; a failed allocation is noted in *nomem. */
static void add(json_t *list, int *nomem, const char *group, const char *label, const char *kind,
                const char *value, const char *fmt, ...) SIM_PRINTF(7, 8);
static void add(json_t *list, int *nomem, const char *group, const char *label, const char *kind,
                const char *value, const char *fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s}", "group", group, "label", label, "path", path,
                          "value", value, "kind", kind);
    if (!c || json_array_append_new(list, c) != 0)
        *nomem = 1;
}

/* The canonical text of a limit where 0 means none. */
static const char *limit_text(double v, char *buf, size_t n)
{
    return v > 0 ? scn_format_count(v, buf, n) : "none";
}

static const char *duration_text(sim_time t, char *buf, size_t n)
{
    return scn_format_duration(t, buf, n);
}

static void flow_controls(json_t *l, int *nomem, const mdl_flow_spec *f)
{
    char v[SCN_FORMAT_SIZE], g[96];
    snprintf(g, sizeof g, "flow %s (%s)", f->id, mdl_spec_pattern_names[f->pattern]);
    add(l, nomem, g, "volume", "rate", scn_format_rate(f->volume, v, sizeof v), "flows.%s.volume",
        f->id);
    add(l, nomem, g, "growth", "growth", scn_format_growth(f->arrival.growth, v, sizeof v),
        "flows.%s.arrival.growth", f->id);
    if (f->pattern != MDL_SPEC_PATTERN_REALTIME)
        return;
    const mdl_realtime_spec *rt = &f->realtime;
    add(l, nomem, g, "timeout", "duration", duration_text(rt->timeout, v, sizeof v),
        "flows.%s.realtime.timeout", f->id);
    add(l, nomem, g, "breaker", "bool", rt->breaker.enabled ? "true" : "false",
        "flows.%s.realtime.breaker.enabled", f->id);
    add(l, nomem, g, "breaker failure rate", "percent",
        scn_format_percent(rt->breaker.failure_rate, v, sizeof v),
        "flows.%s.realtime.breaker.failure_rate", f->id);
    add(l, nomem, g, "breaker open for", "duration",
        duration_text(rt->breaker.open_duration, v, sizeof v),
        "flows.%s.realtime.breaker.open_duration", f->id);
}

static void system_controls(json_t *l, int *nomem, const mdl_system_spec *s)
{
    char v[SCN_FORMAT_SIZE], g[96];
    snprintf(g, sizeof g, "system %s (%s)", s->id, mdl_spec_kind_names[s->kind]);
    if (s->api.enabled) {
        add(l, nomem, g, "API calls per window", "count",
            limit_text(s->api.daily_limit, v, sizeof v), "systems.%s.api.daily_limit", s->id);
        add(l, nomem, g, "calls in flight", "count",
            limit_text(s->api.concurrency_limit, v, sizeof v), "systems.%s.api.concurrency_limit",
            s->id);
    }
    if (s->events.enabled)
        add(l, nomem, g, "event deliveries per 24 h", "count",
            limit_text(s->events.delivery_allocation, v, sizeof v),
            "systems.%s.events.delivery_allocation", s->id);
}

static void fault_controls(json_t *l, int *nomem, const mdl_fault_spec *ft)
{
    char v[SCN_FORMAT_SIZE], g[96];
    snprintf(g, sizeof g, "fault %s (%s)", ft->id, mdl_spec_fault_kind_names[ft->kind]);
    add(l, nomem, g, "injected", "bool", ft->enabled ? "true" : "false", "faults.%s.enabled",
        ft->id);
    add(l, nomem, g, "start", "duration", duration_text(ft->start, v, sizeof v), "faults.%s.start",
        ft->id);
    if (ft->kind == MDL_SPEC_FAULT_OUTAGE || ft->kind == MDL_SPEC_FAULT_DEGRADATION ||
        ft->kind == MDL_SPEC_FAULT_SUBSCRIBER_OFFLINE)
        add(l, nomem, g, "duration", "duration", duration_text(ft->duration, v, sizeof v),
            "faults.%s.duration", ft->id);
    if (ft->kind == MDL_SPEC_FAULT_DEGRADATION)
        add(l, nomem, g, "service time factor", "multiplier",
            scn_format_multiplier(ft->factor, v, sizeof v), "faults.%s.factor", ft->id);
}

json_t *serve_controls(const mdl_scenario *sc)
{
    json_t *l = json_array();
    if (!l)
        return NULL;
    int nomem = 0;
    char v[SCN_FORMAT_SIZE];
    add(l, &nomem, "run", "load", "multiplier", scn_format_multiplier(sc->load, v, sizeof v),
        "load");
    add(l, &nomem, "run", "horizon", "duration", duration_text(sc->horizon, v, sizeof v),
        "horizon");
    snprintf(v, sizeof v, "%d", sc->replications);
    add(l, &nomem, "run", "replications", "count", v, "replications");
    for (int i = 0; i < sc->nflows; i++)
        flow_controls(l, &nomem, &sc->flows[i]);
    for (int i = 0; i < sc->nsystems; i++)
        system_controls(l, &nomem, &sc->systems[i]);
    for (int i = 0; i < sc->ncallers; i++) {
        char g[96];
        snprintf(g, sizeof g, "caller %s", sc->callers[i].id);
        snprintf(v, sizeof v, "%d", sc->callers[i].pool_size);
        add(l, &nomem, g, "pool size", "count", v, "callers.%s.pool_size", sc->callers[i].id);
    }
    for (int i = 0; i < sc->nfaults; i++)
        fault_controls(l, &nomem, &sc->faults[i]);
    if (nomem) {
        json_decref(l);
        return NULL;
    }
    return l;
}
