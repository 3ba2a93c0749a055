/*
 * test_mdl_component.c - the graph of users and shared objects, and its
 * components for an interval, against graphs drawn by hand from each
 * scenario (the header's table says which edges a model has) and from the
 * code of the landscape generator (scenarios/scn_landscape.c). Every
 * expected value is a count or an identity: exact, no tolerance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_component.h"
#include "plt_buf.h"
#include "scn_landscape.h"
#include "scn_load.h"
#include "sim_alloc.h"

static void load(mdl_scenario *sc, const char *text, const char *const *sets, int nsets)
{
    scn_diag diag;
    scn_diag_init(&diag);
    scn_load_opts opts = {.sets = sets, .nsets = nsets};
    int rc = scn_load_string("component-test.yaml", text, strlen(text), &opts, sc, &diag);
    for (int i = 0; i < diag.count; i++) {
        char buf[600];
        fprintf(stderr, "%s\n", scn_diag_format(&diag.items[i], buf, sizeof buf));
    }
    scn_diag_fini(&diag);
    assert_int_equal(rc, SIM_OK);
}

static mdl_component *graph(const mdl_scenario *sc)
{
    sim_err err = {0};
    mdl_component *g = mdl_component_create(sc, &err);
    if (!g)
        fail_msg("create: %s", err.msg);
    return g;
}

/* The node of an object of system `id`. */
static int sys_obj(const mdl_component *g, const mdl_scenario *sc, mdl_component_kind k,
                   const char *id)
{
    int s = mdl_scenario_system_index(sc, id);
    assert_true(s >= 0);
    return mdl_component_find(g, k, s, -1);
}

/* The active set with every object of the given kinds set to on, the
 * others to !on. */
static void fill(const mdl_component *g, unsigned char *active, int on,
                 const mdl_component_kind *kinds, int nkinds)
{
    for (int o = 0; o < mdl_component_objects(g); o++) {
        mdl_component_kind k = mdl_component_node_at(g, mdl_component_users(g) + o)->kind;
        int listed = 0;
        for (int i = 0; i < nkinds; i++)
            listed |= k == kinds[i];
        active[o] = (unsigned char)(listed ? on : !on);
    }
}

static void assert_links(const mdl_component *g, int node, const int *expected, int n)
{
    const int *got;
    assert_int_equal(mdl_component_links(g, node, &got), n);
    for (int i = 0; i < n; i++)
        assert_int_equal(got[i], expected[i]);
}

/* ---- hand-drawn graphs ---------------------------------------------------- */

/* Two real-time flows of one caller into two systems (generic systems: an
 * endpoint each, no quota, rate limit, token or channel). */
static const char two_systems[] = "name: two\n"
                                  "horizon: 1d\n"
                                  "systems:\n"
                                  "  - id: a\n"
                                  "    kind: generic\n"
                                  "  - id: b\n"
                                  "    kind: generic\n"
                                  "  - id: shop\n"
                                  "    kind: generic\n"
                                  "callers:\n"
                                  "  - id: web\n"
                                  "    pool_size: 10\n"
                                  "flows:\n"
                                  "  - id: f1\n"
                                  "    source: shop\n"
                                  "    target: a\n"
                                  "    volume: 1k/day\n"
                                  "    pattern: realtime\n"
                                  "    caller: web\n"
                                  "  - id: f2\n"
                                  "    source: shop\n"
                                  "    target: b\n"
                                  "    volume: 1k/day\n"
                                  "    pattern: realtime\n"
                                  "    caller: web\n";

/* Nodes by hand: users f1 = 0, f2 = 1; objects a.endpoint = 2,
 * b.endpoint = 3, shop.endpoint = 4, caller web = 5. Edges: f1-2, f1-5,
 * f2-3, f2-5. */
static void two_flows_of_one_caller_are_one_component_only_while_the_pool_is_active(void **state)
{
    (void)state;
    mdl_scenario sc;
    load(&sc, two_systems, NULL, 0);
    mdl_component *g = graph(&sc);
    assert_int_equal(mdl_component_nodes(g), 6);
    assert_int_equal(mdl_component_users(g), 2);
    assert_int_equal(mdl_component_edges(g), 4);
    int web = mdl_component_find(g, MDL_COMP_CALLER, 0, -1);
    assert_int_equal(web, 5);
    assert_int_equal(sys_obj(g, &sc, MDL_COMP_ENDPOINT, "a"), 2);
    assert_int_equal(sys_obj(g, &sc, MDL_COMP_QUOTA, "a"), -1);
    assert_links(g, 0, (int[]){2, 5}, 2);
    assert_links(g, web, (int[]){0, 1}, 2);

    unsigned char all[4] = {1, 1, 1, 1};
    /* {f1, f2, a, b, web} and {shop}. */
    assert_int_equal(mdl_component_split(g, all), 2);
    assert_int_equal(mdl_component_of(g, 0), mdl_component_of(g, 1));
    const int *m;
    assert_int_equal(mdl_component_members(g, 0, &m), 5);
    assert_int_equal(m[4], web);
    assert_true(mdl_component_realtime_only(g, 0));
    assert_false(mdl_component_realtime_only(g, 1)); /* no user */

    unsigned char no_pool[4] = {1, 1, 1, 0};
    /* {f1, a}, {f2, b}, {shop}, {web}: ids in node order. */
    assert_int_equal(mdl_component_split(g, no_pool), 4);
    assert_int_equal(mdl_component_of(g, 0), 0);
    assert_int_equal(mdl_component_of(g, 1), 1);
    assert_int_equal(mdl_component_of(g, 2), 0);
    assert_int_equal(mdl_component_of(g, 3), 1);
    assert_int_equal(mdl_component_of(g, 4), 2);
    assert_int_equal(mdl_component_of(g, web), 3);
    assert_true(mdl_component_realtime_only(g, 0));
    assert_true(mdl_component_realtime_only(g, 1));

    /* Nothing active: every node alone. */
    assert_int_equal(mdl_component_split(g, NULL), 6);
    mdl_component_destroy(g);
    mdl_scenario_fini(&sc);
}

/* A real-time flow and a REST batch into one system with a daily quota.
 * Nodes: orders = 0, catalog = 1; erp.endpoint = 2, erp.quota = 3,
 * shop.endpoint = 4, dwh.endpoint = 5 (dwh has no quota or rate limit, so
 * reading it costs nothing shared), caller app = 6. Edges: orders-2,
 * orders-3, orders-6, catalog-3. */
static const char shared_quota[] = "name: quota\n"
                                   "horizon: 1d\n"
                                   "systems:\n"
                                   "  - id: erp\n"
                                   "    kind: generic\n"
                                   "    api:\n"
                                   "      daily_limit: 20k\n"
                                   "  - id: shop\n"
                                   "    kind: generic\n"
                                   "  - id: dwh\n"
                                   "    kind: generic\n"
                                   "callers:\n"
                                   "  - id: app\n"
                                   "flows:\n"
                                   "  - id: orders\n"
                                   "    source: shop\n"
                                   "    target: erp\n"
                                   "    volume: 1k/day\n"
                                   "    pattern: realtime\n"
                                   "    caller: app\n"
                                   "  - id: catalog\n"
                                   "    source: dwh\n"
                                   "    target: erp\n"
                                   "    volume: 5k/day\n"
                                   "    latency_slo: nightly\n"
                                   "    pattern: batch\n"
                                   "    batch:\n"
                                   "      schedule: daily 01:00\n"
                                   "      window: 4h\n"
                                   "      api: rest\n"
                                   "      page_size: 200\n";

static void a_batch_shares_the_quota_but_never_queues_at_the_endpoint(void **state)
{
    (void)state;
    mdl_scenario sc;
    load(&sc, shared_quota, NULL, 0);
    mdl_component *g = graph(&sc);
    assert_int_equal(mdl_component_nodes(g), 7);
    assert_int_equal(sys_obj(g, &sc, MDL_COMP_QUOTA, "erp"), 3);
    assert_links(g, 0, (int[]){2, 3, 6}, 3);
    assert_links(g, 1, (int[]){3}, 1);

    unsigned char endpoint_only[5] = {1, 0, 1, 1, 1};
    assert_int_equal(mdl_component_split(g, endpoint_only), 5);
    assert_int_not_equal(mdl_component_of(g, 0), mdl_component_of(g, 1));
    /* The quota is quiet, but its other user is a batch: the pass would
     * have to know its calls, so the flow is not real-time only. */
    assert_false(mdl_component_realtime_only(g, mdl_component_of(g, 0)));

    unsigned char all[5] = {1, 1, 1, 1, 1};
    assert_int_equal(mdl_component_split(g, all), 3);
    assert_int_equal(mdl_component_of(g, 0), mdl_component_of(g, 1));
    mdl_component_destroy(g);
    mdl_scenario_fini(&sc);
}

/* A CDC chain: orders (real time) writes Order into crm, which publishes
 * its change events; sync's connector reads them (cdc) and applies them to
 * erp as Invoice, which erp publishes in turn (an echo); ship's picker
 * reads erp's change events and applies them to wms. No allocation is set,
 * so the channels have a CDC stream each and no publish or delivery node.
 * Nodes: orders = 0, sync = 1, ship = 2, connector = 3, picker = 4;
 * crm.endpoint = 5, crm.cdc = 6, erp.endpoint = 7, erp.cdc = 8,
 * wms.endpoint = 9, web.endpoint = 10, caller app = 11. Edges: orders-5,
 * orders-6, orders-11, connector-6, connector-7, connector-8, picker-8,
 * picker-9. */
static const char cdc_chain[] = "name: chain\n"
                                "horizon: 1d\n"
                                "systems:\n"
                                "  - id: crm\n"
                                "    kind: generic\n"
                                "    events: {enabled: true, cdc_objects: [Order]}\n"
                                "  - id: erp\n"
                                "    kind: generic\n"
                                "    events: {enabled: true, cdc_objects: [Invoice]}\n"
                                "  - id: wms\n"
                                "    kind: generic\n"
                                "  - id: web\n"
                                "    kind: generic\n"
                                "callers:\n"
                                "  - id: app\n"
                                "flows:\n"
                                "  - id: orders\n"
                                "    source: web\n"
                                "    target: crm\n"
                                "    volume: 1k/day\n"
                                "    pattern: realtime\n"
                                "    caller: app\n"
                                "    object: Order\n"
                                "  - id: sync\n"
                                "    source: crm\n"
                                "    target: erp\n"
                                "    volume: 1k/day\n"
                                "    pattern: event\n"
                                "    object: Invoice\n"
                                "    event:\n"
                                "      subscribers:\n"
                                "        - id: connector\n"
                                "  - id: ship\n"
                                "    source: erp\n"
                                "    target: wms\n"
                                "    volume: 1k/day\n"
                                "    pattern: event\n"
                                "    event:\n"
                                "      subscribers:\n"
                                "        - id: picker\n";

static void a_cdc_chain_is_one_component_even_with_nothing_active(void **state)
{
    (void)state;
    mdl_scenario sc;
    load(&sc, cdc_chain, NULL, 0);
    mdl_component *g = graph(&sc);
    assert_int_equal(mdl_component_nodes(g), 12);
    assert_int_equal(mdl_component_edges(g), 8);
    int connector = mdl_component_find(g, MDL_COMP_SUBSCRIBER, 1, 0);
    int picker = mdl_component_find(g, MDL_COMP_SUBSCRIBER, 2, 0);
    assert_int_equal(connector, 3);
    assert_int_equal(picker, 4);
    assert_int_equal(sys_obj(g, &sc, MDL_COMP_CDC, "crm"), 6);
    assert_int_equal(sys_obj(g, &sc, MDL_COMP_PUBLISH, "crm"), -1);
    assert_links(g, 0, (int[]){5, 6, 11}, 3);
    assert_links(g, connector, (int[]){6, 7, 8}, 3);
    assert_links(g, 8, (int[]){3, 4}, 2);
    assert_links(g, 1, NULL, 0); /* a publisher with no allocation shares nothing */

    /* {orders, connector, picker, crm.cdc, erp.cdc}; every other node alone. */
    assert_int_equal(mdl_component_split(g, NULL), 8);
    const int *m;
    assert_int_equal(mdl_component_members(g, 0, &m), 5);
    const int chain[] = {0, 3, 4, 6, 8};
    for (int i = 0; i < 5; i++)
        assert_int_equal(m[i], chain[i]);
    assert_int_equal(mdl_component_of(g, 1), 1);
    assert_int_equal(mdl_component_of(g, 10), 6);
    assert_int_equal(mdl_component_of(g, 11), 7);
    assert_false(mdl_component_realtime_only(g, 0));
    mdl_component_destroy(g);
    mdl_scenario_fini(&sc);

    /* The connector deaf to CDC: crm's stream is written, never read, so it
     * links nothing; the echo still chains the connector to the picker. */
    const char *deaf[] = {"flows.sync.event.subscribers.connector.cdc=false"};
    load(&sc, cdc_chain, deaf, 1);
    g = graph(&sc);
    assert_int_equal(mdl_component_edges(g), 6);
    assert_int_equal(mdl_component_split(g, NULL), 10);
    assert_int_equal(mdl_component_members(g, mdl_component_of(g, 0), &m), 1);
    assert_int_equal(mdl_component_members(g, mdl_component_of(g, 3), &m), 3);
    /* Alone, yet not real-time only: its writes still publish CDC events
     * into crm's log, among the sync flow's events. */
    assert_false(mdl_component_realtime_only(g, mdl_component_of(g, 0)));
    mdl_component_destroy(g);
    mdl_scenario_fini(&sc);
}

/* An event flow whose second subscriber applies to another system, where
 * a real-time flow also calls. crm has a delivery allocation only.
 * Nodes: sync = 0, picks = 1, connector = 2, replica = 3; crm.endpoint = 4,
 * crm.delivery = 5, crm.cdc = 6, erp.endpoint = 7, wms.endpoint = 8,
 * web.endpoint = 9, caller app = 10. Edges: picks-8, picks-10,
 * connector-5, connector-7, replica-5, replica-8. */
static const char replica[] = "name: replica\n"
                              "horizon: 1d\n"
                              "systems:\n"
                              "  - id: crm\n"
                              "    kind: generic\n"
                              "    events: {enabled: true, delivery_allocation: 100k}\n"
                              "  - id: erp\n"
                              "    kind: generic\n"
                              "  - id: wms\n"
                              "    kind: generic\n"
                              "  - id: web\n"
                              "    kind: generic\n"
                              "callers:\n"
                              "  - id: app\n"
                              "flows:\n"
                              "  - id: sync\n"
                              "    source: crm\n"
                              "    target: erp\n"
                              "    volume: 1k/day\n"
                              "    pattern: event\n"
                              "    event:\n"
                              "      subscribers:\n"
                              "        - id: connector\n"
                              "        - id: replica\n"
                              "          target: wms\n"
                              "  - id: picks\n"
                              "    source: web\n"
                              "    target: wms\n"
                              "    volume: 1k/day\n"
                              "    pattern: realtime\n"
                              "    caller: app\n";

static void a_subscriber_applying_to_another_system_joins_that_systems_users(void **state)
{
    (void)state;
    mdl_scenario sc;
    load(&sc, replica, NULL, 0);
    mdl_component *g = graph(&sc);
    assert_int_equal(mdl_component_nodes(g), 11);
    assert_int_equal(mdl_component_edges(g), 6);
    int delivery = sys_obj(g, &sc, MDL_COMP_DELIVERY, "crm");
    assert_int_equal(delivery, 5);
    assert_links(g, 3, (int[]){5, 8}, 2);

    unsigned char active[7];
    const mdl_component_kind allocations[] = {MDL_COMP_DELIVERY};
    fill(g, active, 0, allocations, 1);
    /* {sync}, {picks, replica, wms, app}, {connector, erp}, {crm.endpoint},
     * {crm.delivery}, {crm.cdc}, {web}. */
    assert_int_equal(mdl_component_split(g, active), 7);
    assert_int_equal(mdl_component_of(g, 3), mdl_component_of(g, 1));
    assert_int_not_equal(mdl_component_of(g, 2), mdl_component_of(g, 3));
    assert_false(mdl_component_realtime_only(g, mdl_component_of(g, 1)));

    memset(active, 1, sizeof active);
    /* {sync}, {picks, connector, replica, delivery, erp, wms, app}, {crm},
     * {crm.cdc}, {web}. */
    assert_int_equal(mdl_component_split(g, active), 5);
    assert_int_equal(mdl_component_of(g, 2), 1);
    assert_int_equal(mdl_component_of(g, 3), 1);
    assert_int_equal(mdl_component_of(g, 4), 2);
    assert_int_equal(mdl_component_of(g, 9), 4);
    mdl_component_destroy(g);
    mdl_scenario_fini(&sc);
}

/* The event pass: in `replica` with everything active, {picks, connector,
 * replica, ...} holds a clean real-time flow and two API subscribers of a
 * platform flow: it qualifies (the world then finds its publisher, sync,
 * outside it: crm has no publish allocation to join them). With a
 * reconciliation (compare pages against crm's and erp's quotas, between
 * whose runs the world's pass checks) they still are. A component of
 * real-time flows only is not an event component. */
static void an_event_component_holds_only_users_the_event_pass_carries(void **state)
{
    (void)state;
    mdl_scenario sc;
    load(&sc, replica, NULL, 0);
    mdl_component *g = graph(&sc);
    unsigned char active[7];
    memset(active, 1, sizeof active);
    mdl_component_split(g, active);
    assert_true(mdl_component_event_pass(g, mdl_component_of(g, 1)));
    assert_false(mdl_component_realtime_only(g, mdl_component_of(g, 1)));
    /* sync alone touches nothing: it qualifies, and the world finds its
     * subscribers outside it */
    assert_true(mdl_component_event_pass(g, mdl_component_of(g, 0)));
    mdl_component_destroy(g);
    mdl_scenario_fini(&sc);

    const char *recon[] = {"flows.sync.event.reconciliation.enabled=true",
                           "flows.sync.event.reconciliation.compare=delta"};
    load(&sc, replica, recon, 2);
    g = graph(&sc);
    mdl_component_split(g, NULL);
    memset(active, 1, sizeof active);
    mdl_component_split(g, active);
    assert_true(mdl_component_event_pass(g, mdl_component_of(g, 2)));
    mdl_component_destroy(g);
    mdl_scenario_fini(&sc);

    load(&sc, two_systems, NULL, 0);
    g = graph(&sc);
    assert_true(mdl_component_realtime_only(g, 0));
    assert_false(mdl_component_event_pass(g, 0));
    mdl_component_destroy(g);
    mdl_scenario_fini(&sc);
}

/* Flows on one Kafka topic share it; a flow naming no topic gets its own
 * (its id), numbered in the order flows first name them. Nodes: a = 0,
 * b = 1, c = 2, then one subscriber each = 3, 4, 5; crm.endpoint = 6,
 * erp.endpoint = 7, topic orders = 8, topic c = 9. */
static const char topics[] = "name: topics\n"
                             "horizon: 1d\n"
                             "systems:\n"
                             "  - id: crm\n"
                             "    kind: generic\n"
                             "  - id: erp\n"
                             "    kind: generic\n"
                             "brokers:\n"
                             "  - id: bus\n"
                             "    type: kafka\n"
                             "flows:\n"
                             "  - id: a\n"
                             "    source: crm\n"
                             "    target: erp\n"
                             "    volume: 1k/day\n"
                             "    pattern: event\n"
                             "    event: {channel: bus, topic: orders, subscribers: [{id: s}]}\n"
                             "  - id: b\n"
                             "    source: crm\n"
                             "    target: erp\n"
                             "    volume: 1k/day\n"
                             "    pattern: event\n"
                             "    event: {channel: bus, topic: orders, subscribers: [{id: s}]}\n"
                             "  - id: c\n"
                             "    source: crm\n"
                             "    target: erp\n"
                             "    volume: 1k/day\n"
                             "    pattern: event\n"
                             "    event: {channel: bus, subscribers: [{id: s}]}\n";

static void flows_naming_one_broker_topic_share_its_node(void **state)
{
    (void)state;
    mdl_scenario sc;
    load(&sc, topics, NULL, 0);
    mdl_component *g = graph(&sc);
    assert_int_equal(mdl_component_nodes(g), 10);
    assert_int_equal(mdl_component_find(g, MDL_COMP_TOPIC, 0, 0), 8);
    assert_int_equal(mdl_component_find(g, MDL_COMP_TOPIC, 0, 1), 9);
    assert_int_equal(mdl_component_find(g, MDL_COMP_TOPIC, 0, 2), -1);
    assert_links(g, 8, (int[]){0, 1, 3, 4}, 4);
    assert_links(g, 9, (int[]){2, 5}, 2);
    mdl_component_destroy(g);
    mdl_scenario_fini(&sc);
}

/* ---- the generated landscape ---------------------------------------------- */

static void put(void *ctx, const char *text, size_t n)
{
    plt_buf_put(ctx, text, n);
}

static void landscape(mdl_scenario *sc, int flows)
{
    scn_landscape l = {.flows = flows, .days = 1, .load = 3.0, .replications = 1, .seed = 14};
    plt_buf b;
    plt_buf_init(&b);
    assert_int_equal(scn_landscape_write(&l, put, &b, NULL), SIM_OK);
    assert_int_equal(plt_buf_status(&b, NULL), SIM_OK);
    char *text = plt_buf_take(&b);
    load(sc, text, NULL, 0);
    sim_free(text);
}

/* The generator's group of eight (scn_landscape.c, `order`): slots 0, 3, 5
 * real-time (caller web-g), 1, 4, 6 event (from crm-g; a connector into
 * erp-g each; slot 4 also a replica into erp-(g+1) mod groups; slot 6 a
 * reconciliation, which takes crm-g's and erp-g's quota), 2 a bulk batch
 * (the ERP presets set no bulk cap and dwh-g has no quota: it shares
 * nothing), 7 a REST batch (erp-g's quota). */
enum { RT0 = 0, EV1 = 1, BULK = 2, RT3 = 3, EV4 = 4, RT5 = 5, EV6 = 6, REST = 7 };

/* The ERP group (system index of erp-g) a user's component must hold when
 * the channel allocations are quiet, or -1 for a user that must be alone:
 * an event flow's publisher and the bulk batch. */
static int expected_group(const mdl_scenario *sc, int flow, int sub)
{
    int g = flow / 8, slot = flow % 8, groups = (sc->nflows + 7) / 8;
    char id[32];
    if (sub < 0 && (slot == EV1 || slot == EV4 || slot == EV6 || slot == BULK))
        return -1;
    snprintf(id, sizeof id, "erp-%d", sub == 1 ? (g + 1) % groups : g);
    return mdl_scenario_system_index(sc, id);
}

static void check_landscape(int flows, int groups, int publishers, int bulks)
{
    mdl_scenario sc;
    landscape(&sc, flows);
    mdl_component *g = graph(&sc);
    int nobj = mdl_component_objects(g), users = mdl_component_users(g);
    unsigned char *active = sim_calloc((size_t)nobj, 1);
    assert_non_null(active);

    /* Group 0's third event flow: its connector reads crm-0's channel
     * (both allocations), applies to erp-0 (endpoint and quota) and its
     * reconciliation compares pages against crm-0's quota (the salesforce
     * preset's 100k) and erp-0's; crm-0's CDC stream is never written, so
     * it links nothing. In node order: erp-0's objects, then crm-0's. */
    int erp0 = mdl_scenario_system_index(&sc, "erp-0"),
        crm0 = mdl_scenario_system_index(&sc, "crm-0");
    assert_links(g, mdl_component_find(g, MDL_COMP_SUBSCRIBER, EV6, 0),
                 (int[]){mdl_component_find(g, MDL_COMP_ENDPOINT, erp0, -1),
                         mdl_component_find(g, MDL_COMP_QUOTA, erp0, -1),
                         mdl_component_find(g, MDL_COMP_QUOTA, crm0, -1),
                         mdl_component_find(g, MDL_COMP_PUBLISH, crm0, -1),
                         mdl_component_find(g, MDL_COMP_DELIVERY, crm0, -1)},
                 5);

    /* Everything active: the replicas chain the groups into one component
     * holding every user but the bulk batches, each alone. */
    memset(active, 1, (size_t)nobj);
    mdl_component_split(g, active);
    int ring = mdl_component_of(g, 0), held = 0;
    for (int u = 0; u < users; u++) {
        const mdl_component_node *n = mdl_component_node_at(g, u);
        int bulk = n->kind == MDL_COMP_FLOW && n->owner % 8 == BULK;
        const int *m;
        if (bulk)
            assert_int_equal(mdl_component_members(g, mdl_component_of(g, u), &m), 1);
        else
            assert_int_equal(mdl_component_of(g, u), ring);
        held += !bulk;
        assert_false(mdl_component_realtime_only(g, mdl_component_of(g, u)));
        /* the REST batches and the reconciliations, which share the
         * ERPs' quotas, are event users (the world checks their runs); a
         * bulk batch is not */
        assert_int_equal(mdl_component_event_pass(g, mdl_component_of(g, u)), !bulk);
    }
    assert_int_equal(held, users - bulks);

    /* The channel allocations quiet: one component per ERP group, holding
     * its real-time flows, its REST batch, its connectors and the previous
     * group's replica; the publishers and bulk batches alone. */
    const mdl_component_kind allocations[] = {MDL_COMP_PUBLISH, MDL_COMP_DELIVERY};
    fill(g, active, 0, allocations, 2);
    mdl_component_split(g, active);
    int *seen = sim_calloc((size_t)mdl_component_nodes(g), sizeof *seen);
    assert_non_null(seen);
    int erp_components = 0, alone = 0;
    for (int s = 0; s < sc.nsystems; s++) {
        if (strncmp(sc.systems[s].id, "erp-", 4))
            continue;
        int c = mdl_component_of(g, mdl_component_find(g, MDL_COMP_ENDPOINT, s, -1));
        assert_int_equal(seen[c], 0); /* no two ERPs share a component */
        seen[c] = 1;
        erp_components++;
    }
    assert_int_equal(erp_components, groups);
    for (int u = 0; u < users; u++) {
        const mdl_component_node *n = mdl_component_node_at(g, u);
        int flow = n->owner, sub = n->kind == MDL_COMP_SUBSCRIBER ? n->sub : -1;
        int want = expected_group(&sc, flow, sub);
        const int *m;
        if (want < 0) {
            assert_int_equal(mdl_component_members(g, mdl_component_of(g, u), &m), 1);
            alone++;
        } else {
            int erp = mdl_component_find(g, MDL_COMP_ENDPOINT, want, -1);
            assert_int_equal(mdl_component_of(g, u), mdl_component_of(g, erp));
        }
    }
    assert_int_equal(alone, publishers + bulks);

    /* Only the delivery allocation quiet: a refused publish would never
     * reach the readers, so the publish allocation still joins them and
     * the replicas still chain the groups. */
    const mdl_component_kind delivery[] = {MDL_COMP_DELIVERY};
    fill(g, active, 0, delivery, 1);
    mdl_component_split(g, active);
    int first = mdl_component_find(g, MDL_COMP_ENDPOINT, 0, -1);
    for (int s = 0; s < sc.nsystems; s++)
        if (!strncmp(sc.systems[s].id, "erp-", 4))
            assert_int_equal(mdl_component_of(g, mdl_component_find(g, MDL_COMP_ENDPOINT, s, -1)),
                             mdl_component_of(g, first));
    sim_free(seen);
    sim_free(active);
    mdl_component_destroy(g);
    mdl_scenario_fini(&sc);
}

/* 8 flows: one group (its replica writes into erp-0 itself), 3 event
 * flows, 1 bulk batch. 100 flows: 13 groups (12 full, the 13th keeps slots
 * 0-3: real-time, event, bulk, real-time, so no replica closes the ring:
 * the groups form a chain), 12 x 3 + 1 = 37 event flows, 13 bulk batches. */
static void
the_landscape_is_one_chain_and_one_component_per_erp_when_allocations_are_quiet(void **state)
{
    (void)state;
    check_landscape(8, 1, 3, 1);
    check_landscape(100, 13, 37, 13);
}

/* ---- determinism and failures ------------------------------------------------ */

static void ids_are_the_same_in_two_builds_and_after_other_splits(void **state)
{
    (void)state;
    mdl_scenario sc;
    landscape(&sc, 100);
    mdl_component *a = graph(&sc), *b = graph(&sc);
    int n = mdl_component_nodes(a), nobj = mdl_component_objects(a);
    assert_int_equal(mdl_component_nodes(b), n);
    unsigned char *quiet = sim_calloc((size_t)nobj, 1), *all = sim_calloc((size_t)nobj, 1);
    assert_non_null(quiet);
    assert_non_null(all);
    const mdl_component_kind allocations[] = {MDL_COMP_PUBLISH, MDL_COMP_DELIVERY};
    fill(a, quiet, 0, allocations, 2);
    memset(all, 1, (size_t)nobj);
    int ca = mdl_component_split(a, quiet);
    /* b first splits another way: its scratch must not carry over. */
    mdl_component_split(b, all);
    mdl_component_split(b, NULL);
    assert_int_equal(mdl_component_split(b, quiet), ca);
    for (int i = 0; i < n; i++)
        assert_int_equal(mdl_component_of(a, i), mdl_component_of(b, i));
    /* Ids in node order: each component's first member is the first node
     * not in an earlier one. */
    int next = 0;
    for (int i = 0; i < n; i++) {
        int c = mdl_component_of(a, i);
        assert_true(c <= next);
        next += c == next;
    }
    assert_int_equal(next, ca);
    sim_free(quiet);
    sim_free(all);
    mdl_component_destroy(a);
    mdl_component_destroy(b);
    mdl_scenario_fini(&sc);
}

static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    mdl_scenario sc;
    landscape(&sc, 100); /* enough edges to grow the edge list several times */
    for (long n = 1;; n++) {
        sim_err err = {0};
        sim_alloc_fail_after(n);
        mdl_component *g = mdl_component_create(&sc, &err);
        sim_alloc_fail_reset();
        if (g) {
            assert_true(n > 10);
            mdl_component_destroy(g);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
    }
    mdl_scenario_fini(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_flows_of_one_caller_are_one_component_only_while_the_pool_is_active),
        cmocka_unit_test(a_batch_shares_the_quota_but_never_queues_at_the_endpoint),
        cmocka_unit_test(a_cdc_chain_is_one_component_even_with_nothing_active),
        cmocka_unit_test(a_subscriber_applying_to_another_system_joins_that_systems_users),
        cmocka_unit_test(an_event_component_holds_only_users_the_event_pass_carries),
        cmocka_unit_test(flows_naming_one_broker_topic_share_its_node),
        cmocka_unit_test(
            the_landscape_is_one_chain_and_one_component_per_erp_when_allocations_are_quiet),
        cmocka_unit_test(ids_are_the_same_in_two_builds_and_after_other_splits),
        cmocka_unit_test(create_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
