/*
 * mdl_component.c - the graph of users and shared objects, and its
 * components for an interval (see the header for the model and the table
 * of edges).
 *
 * Layout. Nodes are numbered users first (flows, subscribers, loads), then
 * objects (system by system, then callers, then topics). Edges are kept
 * twice: as (user, object) pairs in the order they were added, user by
 * user, for the split; and as adjacency lists (CSR), for the queries.
 *
 * Invariants after create:
 *   1. every edge joins a user node (< users) to an object node (>= users);
 *   2. no (user, object) pair appears twice;
 *   3. each adjacency list is in ascending node order;
 *   4. a CDC node has edges only when it has both a writer and a reader.
 * After a split: comp[i] is in [0, ncomp); the first node of component c
 * (in node order) comes before the first node of component c + 1.
 */
#include "mdl_component.h"

#include <assert.h>
#include <string.h>

#include "sim_alloc.h"

const char *const mdl_component_kind_names[] = {
    "flow",    "subscriber", "load", "endpoint",     "quota",        "rate_limit",      "token",
    "publish", "delivery",   "cdc",  "bulk_batches", "bulk_records", "bulk_query_jobs", "caller",
    "topic",   NULL};

/* Objects of one system: MDL_COMP_ENDPOINT .. MDL_COMP_BULK_QUERY_JOBS. */
#define SYS_FIRST MDL_COMP_ENDPOINT
#define SYS_KINDS (MDL_COMP_BULK_QUERY_JOBS - MDL_COMP_ENDPOINT + 1)

struct mdl_component {
    int nusers, nobjects, nnodes;
    mdl_component_node *node;
    int nflows, nsystems, nfaults;
    int *sub_first;       /* [nflows]: node of the flow's first subscriber, -1 if none */
    int *load_node;       /* [nfaults]: node of a bulk-load fault, -1 otherwise */
    int *sys_obj;         /* [nsystems * SYS_KINDS]: node of a system's object, or -1 */
    int caller_first;     /* node of caller 0 */
    int topic_first;      /* node of the first topic */
    unsigned char *rt;    /* [nusers]: a real-time flow: 1, or 2 when its writes publish CDC */
    unsigned char *clean; /* [nusers]: see mdl_component_realtime_only */
    unsigned char *evok;  /* [nusers]: see mark_users */
    int nedges, capedges; /* edge list */
    int *eu, *eo;         /* user node, object node */
    int *adj_first, *adj; /* CSR: adj[adj_first[i] .. adj_first[i + 1]) */
    /* Split scratch and results. */
    int *parent, *comp, *first, *members;
    unsigned char *rank, *comp_rt, *comp_ev;
    int ncomp;
};

/* ---- which objects exist and who touches them (the header's table) ----- */

static int sys_has(const mdl_system_spec *s, mdl_component_kind k)
{
    switch (k) {
    case MDL_COMP_ENDPOINT:
        return 1;
    case MDL_COMP_QUOTA:
        return s->api.daily_limit > 0;
    case MDL_COMP_RATE_LIMIT:
        return s->api.rate_limit > 0;
    case MDL_COMP_TOKEN:
        return s->tokens.lifetime > 0;
    case MDL_COMP_PUBLISH:
        return s->events.enabled && s->events.publish_allocation > 0;
    case MDL_COMP_DELIVERY:
        return s->events.enabled && s->events.delivery_allocation > 0;
    case MDL_COMP_CDC:
        return s->events.enabled;
    case MDL_COMP_BULK_BATCHES:
        return s->bulk.enabled && s->bulk.batches_per_day > 0;
    case MDL_COMP_BULK_RECORDS:
        return s->bulk.enabled && s->bulk.records_per_day > 0;
    case MDL_COMP_BULK_QUERY_JOBS:
        return s->bulk.enabled && s->bulk.query_jobs_per_day > 0;
    default:
        return 0;
    }
}

static int is_event(const mdl_flow_spec *f)
{
    return f->pattern == MDL_SPEC_PATTERN_EVENT;
}

/* The system a subscriber applies to. */
static int sub_target(const mdl_flow_spec *f, const mdl_subscriber_spec *ss)
{
    return ss->target_index >= 0 ? ss->target_index : f->target_index;
}

/* The system whose CDC stream a subscriber reads, or -1. */
static int sub_cdc_source(const mdl_scenario *sc, const mdl_flow_spec *f,
                          const mdl_subscriber_spec *ss)
{
    int s = f->source_index;
    if (f->event.broker_index >= 0 || !ss->cdc || s < 0 || !sc->systems[s].events.enabled ||
        sc->systems[s].events.ncdc_objects <= 0)
        return -1;
    return s;
}

/* The system a subscriber's writes publish echoes into, or -1. */
static int sub_echo(const mdl_scenario *sc, const mdl_subscriber_spec *ss)
{
    return mdl_scenario_write_publishes(sc, ss->target_index, ss->object) ? ss->target_index : -1;
}

/* The system a bulk-load fault's writes publish CDC into, or -1. */
static int load_cdc(const mdl_scenario *sc, const mdl_fault_spec *x)
{
    int s = x->system_index;
    return x->cdc && s >= 0 && sc->systems[s].events.enabled ? s : -1;
}

static int is_load(const mdl_fault_spec *x)
{
    return x->enabled && x->kind == MDL_SPEC_FAULT_BULK_LOAD;
}

/* ---- building ------------------------------------------------------------ */

static int sys_node(const mdl_component *g, int s, mdl_component_kind k)
{
    if (s < 0 || s >= g->nsystems)
        return -1;
    return g->sys_obj[s * SYS_KINDS + (k - SYS_FIRST)];
}

/* Adds the edge (user, object) unless object is -1 or the edge exists;
 * `from` is the user's first edge. */
static int add(mdl_component *g, int from, int user, int object)
{
    if (object < 0)
        return SIM_OK;
    for (int e = from; e < g->nedges; e++)
        if (g->eo[e] == object)
            return SIM_OK;
    if (g->nedges == g->capedges) {
        int cap = g->capedges ? 2 * g->capedges : 64;
        int *eu = sim_reallocarray(g->eu, (size_t)cap, sizeof *eu);
        if (!eu)
            return SIM_ENOMEM;
        g->eu = eu;
        int *eo = sim_reallocarray(g->eo, (size_t)cap, sizeof *eo);
        if (!eo)
            return SIM_ENOMEM;
        g->eo = eo;
        g->capedges = cap;
    }
    g->eu[g->nedges] = user;
    g->eo[g->nedges] = object;
    g->nedges++;
    return SIM_OK;
}

/* What writing through the API (rest) or the bulk API of system s costs:
 * a batch's or a load's writes. */
static int add_writes(mdl_component *g, int from, int u, int s, mdl_spec_api api)
{
    int rc = SIM_OK;
    if (api == MDL_SPEC_API_REST) {
        if ((rc = add(g, from, u, sys_node(g, s, MDL_COMP_QUOTA))) == SIM_OK)
            rc = add(g, from, u, sys_node(g, s, MDL_COMP_RATE_LIMIT));
    } else {
        if ((rc = add(g, from, u, sys_node(g, s, MDL_COMP_BULK_BATCHES))) == SIM_OK)
            rc = add(g, from, u, sys_node(g, s, MDL_COMP_BULK_RECORDS));
    }
    return rc;
}

/* A write of CDC (or echo) events into system s: its publish allocation,
 * and its CDC stream when that stream is read (link). */
static int add_cdc_write(mdl_component *g, int from, int u, int s, const unsigned char *linked)
{
    if (s < 0)
        return SIM_OK;
    int rc = add(g, from, u, sys_node(g, s, MDL_COMP_PUBLISH));
    if (rc == SIM_OK && linked[s])
        rc = add(g, from, u, sys_node(g, s, MDL_COMP_CDC));
    return rc;
}

/* A batch reading its source (mdl_batch.c, extraction_needs). */
static int add_extract(mdl_component *g, int from, int u, const mdl_scenario *sc,
                       const mdl_flow_spec *f)
{
    int s = f->source_index, rc = SIM_OK;
    if (s < 0)
        return SIM_OK;
    const mdl_bulk_spec *bulk = &sc->systems[s].bulk;
    int calls = f->batch.extract == MDL_SPEC_EXTRACT_REST ||
                (f->batch.extract == MDL_SPEC_EXTRACT_BULK && bulk->query_job_calls > 0);
    if (calls && (rc = add(g, from, u, sys_node(g, s, MDL_COMP_QUOTA))) == SIM_OK)
        rc = add(g, from, u, sys_node(g, s, MDL_COMP_RATE_LIMIT));
    if (rc == SIM_OK && f->batch.extract == MDL_SPEC_EXTRACT_BULK) {
        rc = add(g, from, u, sys_node(g, s, MDL_COMP_BULK_QUERY_JOBS));
        if (rc == SIM_OK && bulk->query_counts_batches)
            rc = add(g, from, u, sys_node(g, s, MDL_COMP_BULK_BATCHES));
    }
    return rc;
}

static int flow_edges(mdl_component *g, const mdl_scenario *sc, int i, const int *topic_of,
                      const unsigned char *linked)
{
    const mdl_flow_spec *f = &sc->flows[i];
    int from = g->nedges, t = f->target_index, rc = SIM_OK;
    switch (f->pattern) {
    case MDL_SPEC_PATTERN_REALTIME: {
        int objs[] = {f->caller_index >= 0 ? g->caller_first + f->caller_index : -1,
                      sys_node(g, t, MDL_COMP_ENDPOINT), sys_node(g, t, MDL_COMP_QUOTA),
                      sys_node(g, t, MDL_COMP_RATE_LIMIT), sys_node(g, t, MDL_COMP_TOKEN)};
        for (size_t k = 0; k < sizeof objs / sizeof *objs && rc == SIM_OK; k++)
            rc = add(g, from, i, objs[k]);
        break;
    }
    case MDL_SPEC_PATTERN_EVENT:
        return add(g, from, i,
                   f->event.broker_index >= 0 ? topic_of[i]
                                              : sys_node(g, f->source_index, MDL_COMP_PUBLISH));
    case MDL_SPEC_PATTERN_BATCH:
        if ((rc = add_writes(g, from, i, t, f->batch.api)) == SIM_OK)
            rc = add_extract(g, from, i, sc, f);
        break;
    case MDL_SPEC_PATTERN_FILE:
        break;
    }
    if (rc == SIM_OK)
        rc = add_cdc_write(g, from, i, mdl_scenario_flow_cdc_system(sc, f), linked);
    return rc;
}

static int subscriber_edges(mdl_component *g, const mdl_scenario *sc, int i, int j,
                            const int *topic_of, const unsigned char *linked)
{
    const mdl_flow_spec *f = &sc->flows[i];
    const mdl_subscriber_spec *ss = &f->event.subscribers[j];
    int u = g->sub_first[i] + j, from = g->nedges, src = f->source_index, tgt = sub_target(f, ss),
        cdc = sub_cdc_source(sc, f, ss);
    int objs[8], n = 0;
    if (f->event.broker_index >= 0) {
        objs[n++] = topic_of[i];
    } else {
        objs[n++] = sys_node(g, src, MDL_COMP_PUBLISH);
        objs[n++] = sys_node(g, src, MDL_COMP_DELIVERY);
        objs[n++] = cdc >= 0 && linked[cdc] ? sys_node(g, cdc, MDL_COMP_CDC) : -1;
    }
    if (ss->apply_via_api) {
        objs[n++] = sys_node(g, tgt, MDL_COMP_ENDPOINT);
        objs[n++] = sys_node(g, tgt, MDL_COMP_QUOTA);
    }
    if (f->event.reconciliation.enabled) {
        objs[n++] = sys_node(g, src, MDL_COMP_QUOTA);
        objs[n++] = sys_node(g, tgt, MDL_COMP_QUOTA);
    }
    int rc = SIM_OK;
    for (int k = 0; k < n && rc == SIM_OK; k++)
        rc = add(g, from, u, objs[k]);
    if (rc == SIM_OK)
        rc = add_cdc_write(g, from, u, sub_echo(sc, ss), linked);
    return rc;
}

static int load_edges(mdl_component *g, const mdl_scenario *sc, int k, const unsigned char *linked)
{
    const mdl_fault_spec *x = &sc->faults[k];
    int u = g->load_node[k], from = g->nedges;
    int rc = add_writes(g, from, u, x->system_index, x->api);
    if (rc == SIM_OK)
        rc = add_cdc_write(g, from, u, load_cdc(sc, x), linked);
    return rc;
}

/* linked[s] = 1 when system s's CDC stream has a writer and a reader. */
enum { WRITER = 1, READER = 2 };
static void cdc_links(const mdl_scenario *sc, unsigned char *linked)
{
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        int s = mdl_scenario_flow_cdc_system(sc, f);
        if (s >= 0)
            linked[s] |= WRITER;
        for (int j = 0; is_event(f) && j < f->event.nsubscribers; j++) {
            const mdl_subscriber_spec *ss = &f->event.subscribers[j];
            if ((s = sub_echo(sc, ss)) >= 0)
                linked[s] |= WRITER;
            if ((s = sub_cdc_source(sc, f, ss)) >= 0)
                linked[s] |= READER;
        }
    }
    for (int k = 0; k < sc->nfaults; k++) {
        int s = is_load(&sc->faults[k]) ? load_cdc(sc, &sc->faults[k]) : -1;
        if (s >= 0)
            linked[s] |= WRITER;
    }
    for (int s = 0; s < sc->nsystems; s++)
        linked[s] = linked[s] == (WRITER | READER);
}

/* Numbers the nodes; topic_of[i] is flow i's topic node (or -1). */
static int number_nodes(mdl_component *g, const mdl_scenario *sc, int *topic_of, int *ntopics_of)
{
    int n = 0;
    for (int i = 0; i < sc->nflows; i++)
        g->node[n++] = (mdl_component_node){MDL_COMP_FLOW, i, -1};
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        g->sub_first[i] = is_event(f) && f->event.nsubscribers > 0 ? n : -1;
        for (int j = 0; is_event(f) && j < f->event.nsubscribers; j++)
            g->node[n++] = (mdl_component_node){MDL_COMP_SUBSCRIBER, i, j};
    }
    for (int k = 0; k < sc->nfaults; k++) {
        g->load_node[k] = is_load(&sc->faults[k]) ? n : -1;
        if (g->load_node[k] >= 0)
            g->node[n++] = (mdl_component_node){MDL_COMP_LOAD, k, -1};
    }
    assert(n == g->nusers);
    for (int s = 0; s < sc->nsystems; s++)
        for (int k = 0; k < SYS_KINDS; k++) {
            mdl_component_kind kind = (mdl_component_kind)(SYS_FIRST + k);
            int has = sys_has(&sc->systems[s], kind);
            g->sys_obj[s * SYS_KINDS + k] = has ? n : -1;
            if (has)
                g->node[n++] = (mdl_component_node){kind, s, -1};
        }
    g->caller_first = n;
    for (int c = 0; c < sc->ncallers; c++)
        g->node[n++] = (mdl_component_node){MDL_COMP_CALLER, c, -1};
    /* Topics, as mdl_broker_topic numbers them: a name new to its broker
     * opens the next topic, a name seen before is the same topic. */
    g->topic_first = n;
    for (int i = 0; i < sc->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        int b = f->event.broker_index;
        topic_of[i] = -1;
        if (!is_event(f) || b < 0)
            continue;
        const char *name = f->event.topic[0] ? f->event.topic : f->id;
        for (int j = 0; j < i && topic_of[i] < 0; j++) {
            const mdl_flow_spec *h = &sc->flows[j];
            if (topic_of[j] >= 0 && h->event.broker_index == b &&
                !strcmp(h->event.topic[0] ? h->event.topic : h->id, name))
                topic_of[i] = topic_of[j];
        }
        if (topic_of[i] < 0) {
            topic_of[i] = n;
            g->node[n++] = (mdl_component_node){MDL_COMP_TOPIC, b, ntopics_of[b]++};
        }
    }
    return n;
}

/* Counts the nodes the scenario needs (topics: at most one per flow). */
static int count_nodes(const mdl_scenario *sc, int *users)
{
    int n = sc->nflows;
    for (int i = 0; i < sc->nflows; i++)
        n += is_event(&sc->flows[i]) ? sc->flows[i].event.nsubscribers : 0;
    for (int k = 0; k < sc->nfaults; k++)
        n += is_load(&sc->faults[k]);
    *users = n;
    n += sc->nsystems * SYS_KINDS + sc->ncallers + sc->nflows;
    return n;
}

/* Insertion sort of a short adjacency list. */
static void sort_ints(int *a, int n)
{
    for (int i = 1; i < n; i++) {
        int v = a[i], j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

static int make_adjacency(mdl_component *g)
{
    int n = g->nnodes;
    g->adj_first = sim_calloc((size_t)n + 1, sizeof *g->adj_first);
    g->adj = sim_calloc(2 * (size_t)g->nedges + 1, sizeof *g->adj);
    if (!g->adj_first || !g->adj)
        return SIM_ENOMEM;
    for (int e = 0; e < g->nedges; e++) {
        g->adj_first[g->eu[e] + 1]++;
        g->adj_first[g->eo[e] + 1]++;
    }
    for (int i = 0; i < n; i++)
        g->adj_first[i + 1] += g->adj_first[i];
    /* Fill with first[] as cursors (it ends shifted by one list), then
     * shift back. Edges come user by user, so object lists end up sorted;
     * user lists are sorted after. */
    for (int e = 0; e < g->nedges; e++) {
        g->adj[g->adj_first[g->eu[e]]++] = g->eo[e];
        g->adj[g->adj_first[g->eo[e]]++] = g->eu[e];
    }
    for (int i = n; i > 0; i--)
        g->adj_first[i] = g->adj_first[i - 1];
    g->adj_first[0] = 0;
    for (int u = 0; u < g->nusers; u++)
        sort_ints(g->adj + g->adj_first[u], g->adj_first[u + 1] - g->adj_first[u]);
    return SIM_OK;
}

/* Whether u and every user of every object u touches have `bit` set in
 * mark[]. */
static int closed(const mdl_component *g, const unsigned char *mark, int u, unsigned char bit)
{
    int ok = (mark[u] & bit) != 0;
    const int *objs;
    int no = mdl_component_links(g, u, &objs);
    for (int k = 0; k < no && ok; k++) {
        const int *users;
        int nu = mdl_component_links(g, objs[k], &users);
        for (int v = 0; v < nu && ok; v++)
            ok = (mark[users[v]] & bit) != 0;
    }
    return ok;
}

/* The users an event pass may carry besides clean real-time flows
 * (mdl_component_event_pass): an event flow on its source's platform
 * channel; a batch that writes through the REST API, extracts by none or
 * REST and writes no CDC (it only takes calls from quotas, and the
 * world's pass ends before it runs: mdl_batch_next_use); and a subscriber
 * of an event flow that applies through the API, receives no CDC that
 * anyone writes (a CDC stream with no writer has no edges) and echoes
 * none of its writes (its reconciliation, if any, is checked as a batch
 * is: mdl_recon_next_use). */
static int event_user(const mdl_component *g, const mdl_scenario *sc, int u)
{
    if (u < g->nflows) {
        const mdl_flow_spec *f = &sc->flows[u];
        if (f->pattern == MDL_SPEC_PATTERN_BATCH)
            return f->batch.api == MDL_SPEC_API_REST && f->batch.extract != MDL_SPEC_EXTRACT_BULK &&
                   mdl_scenario_flow_cdc_system(sc, f) < 0;
        return is_event(f) && f->event.broker_index < 0;
    }
    for (int i = 0; i < g->nflows; i++) {
        const mdl_flow_spec *f = &sc->flows[i];
        if (g->sub_first[i] < 0 || u < g->sub_first[i] ||
            u >= g->sub_first[i] + f->event.nsubscribers)
            continue;
        const mdl_subscriber_spec *ss = &f->event.subscribers[u - g->sub_first[i]];
        int cdc = sub_cdc_source(sc, f, ss);
        const int *w;
        return f->event.broker_index < 0 && ss->apply_via_api &&
               (cdc < 0 || mdl_component_links(g, sys_node(g, cdc, MDL_COMP_CDC), &w) == 0) &&
               sub_echo(sc, ss) < 0;
    }
    return 0;
}

/* evok[u] bit 1: u is a real-time flow that publishes nothing (rt[u] ==
 * 1, not 2); bit 0: that, or an event user (event_user). clean[u]: bit 1
 * holds for u and every user of every object it touches; evok[u] bit 2:
 * bit 0 does. */
static void mark_users(mdl_component *g, const mdl_scenario *sc)
{
    for (int u = 0; u < g->nusers; u++)
        g->evok[u] = (unsigned char)((g->rt[u] == 1 ? 3 : 0) | (event_user(g, sc, u) ? 1 : 0));
    for (int u = 0; u < g->nusers; u++) {
        g->clean[u] = (unsigned char)closed(g, g->evok, u, 2);
        g->evok[u] |= (unsigned char)(closed(g, g->evok, u, 1) ? 4 : 0);
    }
}

static int build(mdl_component *g, const mdl_scenario *sc)
{
    int users, cap = count_nodes(sc, &users), rc = SIM_OK;
    g->nflows = sc->nflows;
    g->nsystems = sc->nsystems;
    g->nfaults = sc->nfaults;
    g->nusers = users;
    g->node = sim_calloc((size_t)cap + 1, sizeof *g->node);
    g->sub_first = sim_calloc((size_t)sc->nflows + 1, sizeof *g->sub_first);
    g->load_node = sim_calloc((size_t)sc->nfaults + 1, sizeof *g->load_node);
    g->sys_obj = sim_calloc((size_t)sc->nsystems * SYS_KINDS + 1, sizeof *g->sys_obj);
    int *topic_of = sim_calloc((size_t)sc->nflows + 1, sizeof *topic_of);
    int *ntopics_of = sim_calloc((size_t)sc->nbrokers + 1, sizeof *ntopics_of);
    unsigned char *linked = sim_calloc((size_t)sc->nsystems + 1, 1);
    if (!g->node || !g->sub_first || !g->load_node || !g->sys_obj || !topic_of || !ntopics_of ||
        !linked) {
        rc = SIM_ENOMEM;
        goto done;
    }
    g->nnodes = number_nodes(g, sc, topic_of, ntopics_of);
    g->nobjects = g->nnodes - g->nusers;
    cdc_links(sc, linked);
    for (int i = 0; i < sc->nflows && rc == SIM_OK; i++)
        rc = flow_edges(g, sc, i, topic_of, linked);
    for (int i = 0; i < sc->nflows && rc == SIM_OK; i++)
        for (int j = 0;
             is_event(&sc->flows[i]) && j < sc->flows[i].event.nsubscribers && rc == SIM_OK; j++)
            rc = subscriber_edges(g, sc, i, j, topic_of, linked);
    for (int k = 0; k < sc->nfaults && rc == SIM_OK; k++)
        if (g->load_node[k] >= 0)
            rc = load_edges(g, sc, k, linked);
    if (rc != SIM_OK || (rc = make_adjacency(g)) != SIM_OK)
        goto done;

    size_t n = (size_t)g->nnodes + 1;
    g->rt = sim_calloc((size_t)users + 1, 1);
    g->clean = sim_calloc((size_t)users + 1, 1);
    g->evok = sim_calloc((size_t)users + 1, 1);
    g->parent = sim_calloc(n, sizeof *g->parent);
    g->comp = sim_calloc(n, sizeof *g->comp);
    g->first = sim_calloc(n, sizeof *g->first);
    g->members = sim_calloc(n, sizeof *g->members);
    g->rank = sim_calloc(n, 1);
    g->comp_rt = sim_calloc(n, 1);
    g->comp_ev = sim_calloc(n, 1);
    if (!g->rt || !g->clean || !g->evok || !g->comp_ev || !g->parent || !g->comp || !g->first ||
        !g->members || !g->rank || !g->comp_rt) {
        rc = SIM_ENOMEM;
        goto done;
    }
    for (int i = 0; i < sc->nflows; i++)
        g->rt[i] = sc->flows[i].pattern != MDL_SPEC_PATTERN_REALTIME      ? 0
                   : mdl_scenario_flow_cdc_system(sc, &sc->flows[i]) >= 0 ? 2
                                                                          : 1;
    mark_users(g, sc);
done:
    sim_free(topic_of);
    sim_free(ntopics_of);
    sim_free(linked);
    return rc;
}

mdl_component *mdl_component_create(const mdl_scenario *sc, sim_err *err)
{
    mdl_component *g = sim_calloc(1, sizeof *g);
    if (!g || build(g, sc) != SIM_OK) {
        mdl_component_destroy(g);
        sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory for the component graph");
        return NULL;
    }
    mdl_component_split(g, NULL);
    return g;
}

void mdl_component_destroy(mdl_component *g)
{
    if (!g)
        return;
    sim_free(g->node);
    sim_free(g->sub_first);
    sim_free(g->load_node);
    sim_free(g->sys_obj);
    sim_free(g->rt);
    sim_free(g->clean);
    sim_free(g->eu);
    sim_free(g->eo);
    sim_free(g->adj_first);
    sim_free(g->adj);
    sim_free(g->parent);
    sim_free(g->comp);
    sim_free(g->first);
    sim_free(g->members);
    sim_free(g->rank);
    sim_free(g->comp_rt);
    sim_free(g->comp_ev);
    sim_free(g->evok);
    sim_free(g);
}

/* ---- queries --------------------------------------------------------------- */

int mdl_component_nodes(const mdl_component *g)
{
    return g->nnodes;
}

int mdl_component_users(const mdl_component *g)
{
    return g->nusers;
}

int mdl_component_objects(const mdl_component *g)
{
    return g->nobjects;
}

const mdl_component_node *mdl_component_node_at(const mdl_component *g, int node)
{
    assert(node >= 0 && node < g->nnodes);
    return &g->node[node];
}

int mdl_component_find(const mdl_component *g, mdl_component_kind kind, int owner, int sub)
{
    switch (kind) {
    case MDL_COMP_FLOW:
        return owner >= 0 && owner < g->nflows ? owner : -1;
    case MDL_COMP_SUBSCRIBER: {
        if (owner < 0 || owner >= g->nflows || g->sub_first[owner] < 0 || sub < 0)
            return -1;
        int u = g->sub_first[owner] + sub;
        return u < g->nusers && g->node[u].kind == MDL_COMP_SUBSCRIBER && g->node[u].owner == owner
                   ? u
                   : -1;
    }
    case MDL_COMP_LOAD:
        return owner >= 0 && owner < g->nfaults ? g->load_node[owner] : -1;
    case MDL_COMP_CALLER:
        return owner >= 0 && g->caller_first + owner < g->topic_first ? g->caller_first + owner
                                                                      : -1;
    case MDL_COMP_TOPIC:
        for (int i = g->topic_first; i < g->nnodes; i++)
            if (g->node[i].owner == owner && g->node[i].sub == sub)
                return i;
        return -1;
    case MDL_COMP_KIND_COUNT:
        return -1;
    default:
        return sys_node(g, owner, kind);
    }
}

int mdl_component_links(const mdl_component *g, int node, const int **nodes)
{
    assert(node >= 0 && node < g->nnodes);
    *nodes = g->adj + g->adj_first[node];
    return g->adj_first[node + 1] - g->adj_first[node];
}

int mdl_component_edges(const mdl_component *g)
{
    return g->nedges;
}

/* ---- components ------------------------------------------------------------ */

/* The root of x, halving the path on the way. */
static int root(int *parent, int x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static void unite(mdl_component *g, int a, int b)
{
    a = root(g->parent, a);
    b = root(g->parent, b);
    if (a == b)
        return;
    if (g->rank[a] < g->rank[b]) {
        int t = a;
        a = b;
        b = t;
    }
    g->parent[b] = a;
    if (g->rank[a] == g->rank[b])
        g->rank[a]++;
}

int mdl_component_split(mdl_component *g, const unsigned char *active)
{
    int n = g->nnodes;
    for (int i = 0; i < n; i++) {
        g->parent[i] = i;
        g->rank[i] = 0;
        g->comp[i] = -1;
    }
    for (int e = 0; e < g->nedges; e++) {
        int o = g->eo[e];
        if (g->node[o].kind == MDL_COMP_CDC || (active && active[o - g->nusers]))
            unite(g, g->eu[e], o);
    }
    /* Ids in node order: the first node of a component names it. */
    g->ncomp = 0;
    for (int i = 0; i < n; i++) {
        int r = root(g->parent, i);
        if (g->comp[r] < 0)
            g->comp[r] = g->ncomp++;
        g->comp[i] = g->comp[r];
    }
    /* Members by counting sort (stable: ascending within a component). */
    memset(g->first, 0, ((size_t)g->ncomp + 1) * sizeof *g->first);
    for (int i = 0; i < n; i++)
        g->first[g->comp[i] + 1]++;
    for (int c = 0; c < g->ncomp; c++)
        g->first[c + 1] += g->first[c];
    for (int i = 0; i < n; i++)
        g->members[g->first[g->comp[i]]++] = i;
    for (int c = g->ncomp; c > 0; c--)
        g->first[c] = g->first[c - 1];
    g->first[0] = 0;
    /* Real-time only: 2 = no user seen yet, 1 = clean so far, 0 = not. */
    memset(g->comp_rt, 2, (size_t)g->ncomp);
    for (int u = 0; u < g->nusers; u++) {
        unsigned char *c = &g->comp_rt[g->comp[u]];
        *c = *c != 0 && g->clean[u];
    }
    /* Event pass: 2 = no user seen yet; bit 0: every user ok so far; bit
     * 2: an event user seen. */
    memset(g->comp_ev, 2, (size_t)g->ncomp);
    for (int u = 0; u < g->nusers; u++) {
        unsigned char *c = &g->comp_ev[g->comp[u]];
        int ok = (*c == 2 || (*c & 1)) && (g->evok[u] & 4);
        *c = (unsigned char)((ok ? 1 : 0) | (*c != 2 ? (*c & 4) : 0) | (g->rt[u] != 1 ? 4 : 0));
    }
    return g->ncomp;
}

int mdl_component_of(const mdl_component *g, int node)
{
    assert(node >= 0 && node < g->nnodes);
    return g->comp[node];
}

int mdl_component_members(const mdl_component *g, int c, const int **nodes)
{
    assert(c >= 0 && c < g->ncomp);
    *nodes = g->members + g->first[c];
    return g->first[c + 1] - g->first[c];
}

int mdl_component_realtime_only(const mdl_component *g, int c)
{
    assert(c >= 0 && c < g->ncomp);
    return g->comp_rt[c] == 1;
}

int mdl_component_event_pass(const mdl_component *g, int c)
{
    assert(c >= 0 && c < g->ncomp);
    return g->comp_ev[c] == 5;
}
