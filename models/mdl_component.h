/*
 * mdl_component.h - which models of a scenario can be simulated apart from
 * the others in an interval: the components of the aggregate pass
 * (issue 14, docs/models/aggregate.md "Components").
 *
 * A record moves through models (its flow's client, a subscriber) that
 * share objects with other records' models: a system's endpoint, its
 * quota, a caller's thread pool, a channel's allocations. Two models are
 * coupled in an interval [t0, t1) only through a shared object whose limit
 * can bind there (the object is ACTIVE: an endpoint that can queue or
 * refuse, a quota or allocation that can run out, a pool that can fill).
 * An inactive object is a counter for that interval: its users do not see
 * each other through it. A COMPONENT is a connected set of nodes of the
 * graph below, keeping only the edges through active objects: the unit the
 * aggregate pass simulates, commits or sends back to the per-record path.
 *
 * The graph is bipartite. USER nodes are what a record moves through:
 *   flow        each flow's client: a real-time flow's calls (retries,
 *               breaker, park queue), an event flow's publisher, a batch or
 *               file flow's job;
 *   subscriber  each subscriber of an event flow (its slots, its apply, its
 *               reconciliation, which reads and repairs its state);
 *   load        each enabled bulk-load fault (a batch job of its own).
 * OBJECT nodes are what users share, each existing only when the world
 * builds the model (mdl_world.c): per system, in this order, its endpoint
 * (always), quota (api.daily_limit), rate limit (api.rate_limit), token
 * (tokens.lifetime), the channel's publish and delivery allocations
 * (events.enabled and the allocation set), the channel's CDC stream
 * (events.enabled), the bulk batches and records pools, the bulk query
 * jobs pool; then each caller's thread pool; then each broker topic, in
 * the order the flows first name them (mdl_broker_topic's numbering).
 *
 * An EDGE says "this user touches this object". What each user touches,
 * read from the code that wires it (mdl_world.c's build, mdl_realtime.c,
 * mdl_subscriber.c, mdl_apply_endpoint.c, mdl_batch.c, mdl_recon.c):
 *
 *   user          object                     how
 *   ------------  -------------------------  ------------------------------
 *   real-time     caller pool                holds a thread per call
 *   flow          target endpoint            queues for a worker
 *                 target quota, rate limit   takes one call per attempt
 *                 target token               refreshes (inline) or expires
 *                 target publish allocation  write hook: a CDC event per
 *                 target CDC stream          record, when the target lists
 *                                            the flow's object in cdc_objects
 *   event flow    source publish allocation  publishes each change (platform)
 *                 broker topic               or on its broker topic
 *   batch flow    target quota, rate limit   api rest: a call per page
 *                 target bulk batches,       api bulk: batches and records
 *                 records                    (never the endpoint: jobs do
 *                                            not queue for workers)
 *                 source quota, rate limit   extract rest: a call per page;
 *                                            extract bulk: the job's calls
 *                 source bulk query jobs,    extract bulk: one job (and its
 *                 batches                    batches when they count)
 *                 target publish, CDC        write hook, as real-time
 *   file flow     target publish, CDC        write hook only (no API calls)
 *   subscriber    source publish allocation  reads what it let in (a refused
 *                 source delivery allocation publish never arrives); each
 *                                            delivery to it counts
 *                 or broker topic            reads the topic
 *                 source CDC stream          cdc: reads other flows' writes
 *                 target endpoint, quota     apply_via_api: one call per
 *                                            apply (no rate limit, no token)
 *                 source quota, target quota reconciliation: compare pages
 *                 target publish, CDC        echo: its write of a CDC object
 *   load          target quota, rate limit   api rest, as a batch
 *                 target bulk batches,       api bulk, as a batch
 *                 records
 *                 target publish, CDC        cdc: true
 *
 * (a subscriber's source is its flow's source system; its target, the
 * subscriber's target, else the flow's).
 *
 * CDC streams are links, not limits. A subscriber reading a system's CDC
 * stream reads what other users wrote there, when they wrote it: its input
 * is their output, whatever any limit does. So a CDC stream joins its
 * writers and its readers in every interval (its `active` entry is
 * ignored), and has no edges at all unless it has both a writer and a
 * reader (written and never read, it is only counted by the allocations).
 * An event flow's own publishes are not a link: its subscribers read its
 * arrivals, which no other model influences (mdl_arrivals.h), so the
 * publisher and each subscriber are coupled only through the channel's
 * limits. The generated landscape (scenarios/scn_landscape.h) shows why
 * this matters: the replica subscriber of group k reads crm-k's channel
 * and writes into erp-(k+1), so with the allocations active the groups
 * form one component, and with them inactive each ERP group is one.
 *
 * Components of an interval. mdl_component_split takes the active set (one
 * entry per object, filled by the caller for the interval) and runs
 * union-find (union by rank, path halving) over the edges through active
 * objects and CDC links: O(edges x alpha), no allocation (the scratch is
 * made at create). Component ids are numbered in node order (the component
 * of node 0 is 0, the next node in a new component opens 1, ...), so they
 * depend only on the scenario and the active set, never on the thread or
 * on addresses. An object that is inactive, or that nobody uses, is a
 * component of its own.
 *
 * Real-time only. The first tier-R step handles only real-time flows: a
 * component qualifies when it holds at least one user, all of them
 * real-time flows whose writes publish no CDC event, and every user of
 * every object they touch (active or not) is such a flow too (an inactive
 * object's other users still count calls the pass must know). A write
 * hook makes a flow a publisher on the target's channel: its events
 * interleave with the event flows' in the channel's log and count in its
 * publish allocation, so such a flow is never real-time only.
 *
 * Event pass. The tier-R pass of event components (mdl_world.c) carries
 * besides such real-time flows an event flow publishing on its source's
 * platform channel (no broker), a batch writing through the REST API with
 * no bulk extract and no CDC write (the pass ends before it runs), and a
 * subscriber of an event flow that applies through the API, receives no
 * CDC that anyone writes and publishes no echo of its writes (its
 * reconciliation, if any, is checked as a batch is). A component
 * qualifies when every user in it is
 * one of these, every user of every object they touch is one too, and at
 * least one is an event user. (The world checks the rest: every
 * publisher and reader of each channel in the component, and the
 * subscribers' own settings, mdl_subscriber_pass_read.)
 *
 * Ownership: the graph copies what it needs from the scenario at create and
 * does not keep it. Checked by: tests/models/test_mdl_component.c.
 */
#ifndef MDL_COMPONENT_H
#define MDL_COMPONENT_H

#include "mdl_scenario.h"
#include "sim_err.h"

typedef enum mdl_component_kind {
    /* users */
    MDL_COMP_FLOW = 0,
    MDL_COMP_SUBSCRIBER,
    MDL_COMP_LOAD,
    /* objects of a system, in the order they are numbered */
    MDL_COMP_ENDPOINT,
    MDL_COMP_QUOTA,
    MDL_COMP_RATE_LIMIT,
    MDL_COMP_TOKEN,
    MDL_COMP_PUBLISH,  /* the channel's publish allocation */
    MDL_COMP_DELIVERY, /* the channel's delivery allocation */
    MDL_COMP_CDC,      /* the channel's CDC stream: a link */
    MDL_COMP_BULK_BATCHES,
    MDL_COMP_BULK_RECORDS,
    MDL_COMP_BULK_QUERY_JOBS,
    /* other objects */
    MDL_COMP_CALLER,
    MDL_COMP_TOPIC,
    MDL_COMP_KIND_COUNT
} mdl_component_kind;

/* Names of the kinds ("flow", "subscriber", ..., "topic"), by kind. */
extern const char *const mdl_component_kind_names[];

/* What a node stands for. owner: the flow index (flow, subscriber), the
 * fault index (load), the system index (system objects), the caller index,
 * the broker index (topic). sub: the subscriber's index in its flow's
 * event.subscribers, the topic's number in its broker; -1 otherwise. */
typedef struct mdl_component_node {
    mdl_component_kind kind;
    int owner, sub;
} mdl_component_node;

typedef struct mdl_component mdl_component;

/* The graph of a validated scenario (every reference resolved, as the
 * loader leaves it), with the scratch of mdl_component_split. NULL with
 * err set on failure (SIM_ENOMEM). */
mdl_component *mdl_component_create(const mdl_scenario *sc, sim_err *err);
void mdl_component_destroy(mdl_component *g); /* NULL is a no-op */

/* Nodes: users first, numbered 0 .. users - 1 (flows in scenario order, so
 * flow i is node i; then subscribers, flow by flow; then loads), then
 * objects: object o is node users + o. */
int mdl_component_nodes(const mdl_component *g);
int mdl_component_users(const mdl_component *g);
int mdl_component_objects(const mdl_component *g);
const mdl_component_node *mdl_component_node_at(const mdl_component *g, int node);
/* The node of (kind, owner, sub) (sub is ignored except for subscribers
 * and topics), or -1 when the scenario has no such model. */
int mdl_component_find(const mdl_component *g, mdl_component_kind kind, int owner, int sub);

/* The neighbours of a node in ascending node order: a user's objects, or
 * an object's users. Sets *nodes (valid as long as g) and returns their
 * number. */
int mdl_component_links(const mdl_component *g, int node, const int **nodes);
/* Edges in all (each counted once). */
int mdl_component_edges(const mdl_component *g);

/* Splits the graph for one interval: active[o] != 0 when object o can bind
 * in it (mdl_component_objects entries; NULL: none is active). CDC streams
 * join whatever their entry says. Returns the number of components. The
 * results below are valid until the next split. */
int mdl_component_split(mdl_component *g, const unsigned char *active);
/* The component of a node, in [0, count). */
int mdl_component_of(const mdl_component *g, int node);
/* The nodes of component c in ascending order: sets *nodes, returns how
 * many. */
int mdl_component_members(const mdl_component *g, int c, const int **nodes);
/* 1 when component c is real-time only (see above), else 0. */
int mdl_component_realtime_only(const mdl_component *g, int c);
/* 1 when the event pass may carry component c (see above), else 0. */
int mdl_component_event_pass(const mdl_component *g, int c);

#endif
