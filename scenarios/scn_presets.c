/*
 * scn_presets.c - the preset table. Every value cites its section of
 * ../shared/domain/REFERENCE.md (or the card); `unknown` marks the [NF]
 * guesses that `check --print` flags.
 *
 * Choices where REFERENCE.md gives a range or several editions:
 *   - Salesforce: the Enterprise formula base (100,000 calls per rolling
 *     24 h, A1) without per-licence additions, and the Performance/
 *     Unlimited event delivery allocation of 50,000 (A4, the card's "50K
 *     base"); an org sets its own figures.
 *   - NetSuite: Tier 1/Premium concurrency (15, E); Standard is 5, Tier 2 20,
 *     plus 10 per SuiteCloud Plus licence.
 *   - Unknowns err on the side of showing trouble: shorter retention,
 *     lower rate limits, shorter token lifetimes.
 */
#include "scn_presets.h"

#include <string.h>

#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

static const scn_preset_value salesforce[] = {
    {"api.daily_limit", "100k", "REFERENCE.md A1 (100,000 + licences x 1,000, rolling 24 h)", 0},
    {"api.window", "rolling", "REFERENCE.md A1 (rolling 24 h, no fixed reset hour)", 0},
    {"api.concurrency_limit", "25", "REFERENCE.md A1 (25 long-running requests)", 0},
    {"api.long_running", "20s", "REFERENCE.md A1 (requests running >= 20 s)", 0},
    {"api.server_timeout", "10m", "REFERENCE.md A1 (REST/SOAP call timeout 10 min)", 0},
    {"api.limit_status", "403", "REFERENCE.md A1 (403, not 429)", 0},
    {"api.limit_error", "REQUEST_LIMIT_EXCEEDED", "REFERENCE.md A1", 0},
    {"api.retry_after", "none", "REFERENCE.md A1 (core REST sends no Retry-After)", 0},
    {"api.page_size", "2000", "REFERENCE.md A1 (REST SOQL page size)", 0},
    {"bulk.enabled", "true", "REFERENCE.md A3 (Bulk API 2.0)", 0},
    {"bulk.batches_per_day", "15k", "REFERENCE.md A3 (15,000 batches per rolling 24 h)", 0},
    {"bulk.records_per_batch", "10k", "REFERENCE.md A3 (10,000 records per internal batch)", 0},
    {"bulk.records_per_day", "150M", "REFERENCE.md A3 (150,000,000 records per rolling 24 h)", 0},
    {"bulk.batch_time_limit", "5m", "REFERENCE.md A3 (5 min per batch)", 0},
    {"bulk.batch_retries", "20", "REFERENCE.md A3 (20 automatic retries)", 0},
    {"bulk.query_jobs_per_day", "10k", "REFERENCE.md A3 (10,000 Bulk API 2.0 query jobs per 24 h)",
     0},
    {"bulk.query_job_calls", "2",
     "REFERENCE.md A3 [NF]: calls per query job not listed (create + fetch results)", 1},
    {"bulk.query_counts_batches", "false", "REFERENCE.md A3 (query jobs consume no batches)", 0},
    {"events.enabled", "true", "REFERENCE.md A4 (platform events, CDC)", 0},
    {"events.delivery_allocation", "50k",
     "REFERENCE.md A4 (50,000 per 24 h, Performance/Unlimited; Enterprise 25,000)", 0},
    {"events.publish_allocation", "250k", "REFERENCE.md A4 (250,000 per hour, secondary source)",
     0},
    {"events.retention", "72h", "REFERENCE.md A4 (72 h for high-volume events and CDC)", 0},
    {"file.enabled", "true", "card: pattern mapping (Data Loader CSV)", 0},
    {"file.max_file_size", "150MB", "REFERENCE.md A3 (150 MB per upload)", 0},
    {"tokens.lifetime", "2h", "REFERENCE.md A5 (session timeout default 2 h)", 0},
    {"tokens.refresh_latency", "500ms", "REFERENCE.md I [NF]: card's 200-500ms, upper end", 1},
};

static const scn_preset_value sap[] = {
    {"api.daily_limit", "none", "REFERENCE.md B (no daily allocation; work processes limit)", 0},
    {"api.workers", "8",
     "REFERENCE.md B (rdisp/wp_no_dia is site-specific: guess 10 dialog WPs x 80% max_quota)", 1},
    {"api.concurrency_limit", "500", "REFERENCE.md B (gw/max_conn 500)", 0},
    {"api.queue_limit", "none", "REFERENCE.md B (saturated WPs queue in the dispatcher)", 0},
    {"api.server_timeout", "60m", "REFERENCE.md B (rdisp/scheduler/prio_normal/max_runtime)", 0},
    {"api.limit_status", "503", "REFERENCE.md B (gateway refuses new connections)", 0},
    {"api.page_size", "1000", "REFERENCE.md B [NF]: OData page size not listed", 1},
    {"bulk.enabled", "true", "card: pattern mapping (IDoc, BTP Integration)", 0},
    {"bulk.records_per_batch", "200", "REFERENCE.md B (IDoc packet size guideline 10-200)", 0},
    {"events.enabled", "true", "card: pattern mapping (Event Mesh)", 0},
    {"events.retention", "24h", "REFERENCE.md B [NF] (Event Mesh TTL not found)", 1},
    {"file.enabled", "true", "card: pattern mapping (BTP file upload)", 0},
    {"tokens.lifetime", "1h", "REFERENCE.md I [NF] (set your IdP's lifetime)", 1},
};

static const scn_preset_value oracle[] = {
    {"api.rate_limit", "100", "REFERENCE.md C [NF] (Fusion REST rates not published)", 1},
    {"api.rate_window", "1m", "REFERENCE.md C [NF] (Fusion REST rates not published)", 1},
    {"api.page_size", "500", "REFERENCE.md C (REST collection page ~500 rows)", 0},
    {"api.server_timeout", "10m", "REFERENCE.md C [NF] (no figure; guess)", 1},
    {"bulk.enabled", "true", "REFERENCE.md C (FBDI import, ESS jobs)", 0},
    {"bulk.records_per_batch", "100k", "REFERENCE.md C (~100,000 records per CSV, secondary)", 0},
    {"events.enabled", "true", "card: pattern mapping (Business Events, OIC)", 0},
    {"events.retention", "24h", "REFERENCE.md C [NF] (no retention figure)", 1},
    {"file.enabled", "true", "REFERENCE.md C (FBDI)", 0},
    {"file.max_file_size", "250MB", "REFERENCE.md C (FBDI ZIP 250 MB, secondary)", 0},
    {"file.max_records", "100k", "REFERENCE.md C (~100,000 records per CSV, secondary)", 0},
    {"tokens.lifetime", "1h", "REFERENCE.md I [NF] (set your IdP's lifetime)", 1},
};

static const scn_preset_value dynamics[] = {
    {"api.daily_limit", "100k",
     "REFERENCE.md D (non-licensed user pool 100,000 per 24 h with a D365 subscription)", 0},
    {"api.rate_limit", "6000",
     "REFERENCE.md D (6,000 requests per 300 s per user per server; one integration user)", 0},
    {"api.rate_window", "300s", "REFERENCE.md D (300 s sliding window)", 0},
    {"api.retry_after", "10s", "REFERENCE.md D (Retry-After in seconds; value not published)", 1},
    {"api.concurrency_limit", "52", "REFERENCE.md D (52 concurrent requests per user)", 0},
    {"api.server_timeout", "2m", "REFERENCE.md D (message operation limit 2 min)", 0},
    {"api.limit_status", "429", "REFERENCE.md D (429 Too Many Requests)", 0},
    {"api.limit_error", "0x80072322", "REFERENCE.md D (service protection fault)", 0},
    {"api.page_size", "1000", "REFERENCE.md D ($batch up to 1,000 operations)", 0},
    {"bulk.enabled", "true", "card: pattern mapping (DMF, Dual Write)", 0},
    {"bulk.records_per_batch", "10k", "REFERENCE.md D [NF] (DMF limits not found)", 1},
    {"events.enabled", "true", "card: pattern mapping (Business Events, Webhooks)", 0},
    {"events.retention", "24h", "REFERENCE.md D [NF] (no retention figure)", 1},
    {"file.enabled", "true", "card: pattern mapping (DMF packages)", 0},
    {"tokens.lifetime", "75m", "REFERENCE.md I (Entra access token 60-90 min, mean 75)", 0},
};

static const scn_preset_value netsuite[] = {
    {"api.concurrency_limit", "15",
     "REFERENCE.md E (Tier 1/Premium 15; Standard 5, Tier 2 20, +10 per SuiteCloud Plus)", 0},
    {"api.server_timeout", "15m", "REFERENCE.md E (REST web services 15 min)", 0},
    {"api.limit_status", "400", "REFERENCE.md E (RESTlet 400)", 0},
    {"api.limit_error", "SSS_REQUEST_LIMIT_EXCEEDED", "REFERENCE.md E", 0},
    {"api.page_size", "1000", "REFERENCE.md E (REST WS page size 1,000)", 0},
    {"bulk.enabled", "true", "card: pattern mapping (CSV Import, SuiteQL)", 0},
    {"bulk.records_per_batch", "25k", "REFERENCE.md E (CSV import 25,000 records per job)", 0},
    {"file.enabled", "true", "card: pattern mapping (CSV Import)", 0},
    {"file.max_records", "25k", "REFERENCE.md E (CSV import 25,000 records per job)", 0},
    {"tokens.lifetime", "1h", "REFERENCE.md E/I [NF] (token lifetime not listed)", 1},
};

static const scn_preset_value workday[] = {
    {"api.rate_limit", "60", "REFERENCE.md F [NF] (rates not published; folklore 60-100/min)", 1},
    {"api.rate_window", "1m", "REFERENCE.md F [NF] (rates not published)", 1},
    {"api.server_timeout", "30m", "REFERENCE.md F (RaaS 30 min timeout, secondary)", 0},
    {"file.enabled", "true", "REFERENCE.md F [NF] (EIB file loads; limits not found)", 1},
    {"tokens.lifetime", "1h", "REFERENCE.md I [NF] (set your IdP's lifetime)", 1},
};

static const scn_preset_value kafka[] = {
    {"retention", "7d", "REFERENCE.md H1 (retention.ms 7 d)", 0},
    {"delivery_limit", "none", "REFERENCE.md H1 (no delivery limit)", 0},
    {"commit_interval", "5s", "REFERENCE.md H1 (auto.commit.interval.ms 5,000)", 0},
};

static const scn_preset_value rabbitmq[] = {
    {"retention", "none", "REFERENCE.md H2 (no retention: messages stay until consumed)", 0},
    {"delivery_limit", "20", "REFERENCE.md H2 (quorum queue delivery-limit 20 since 4.0)", 0},
    {"dead_letter", "false", "REFERENCE.md H2 (no DLX configured: message dropped)", 0},
    {"commit_interval", "none", "REFERENCE.md H2 (per-message acknowledgement)", 0},
};

#define PRESET(blk, nm, d, v)                                                                      \
    {                                                                                              \
        blk, nm, d, v, COUNT(v)                                                                    \
    }
static const scn_preset p_salesforce =
    PRESET("system", "salesforce", "Salesforce Platform (REFERENCE.md A)", salesforce);
static const scn_preset p_sap =
    PRESET("system", "sap-s4hana", "SAP S/4HANA, ABAP platform (REFERENCE.md B)", sap);
static const scn_preset p_oracle =
    PRESET("system", "oracle-erp-cloud", "Oracle ERP Cloud / Fusion (REFERENCE.md C)", oracle);
static const scn_preset p_dynamics = PRESET(
    "system", "dynamics-365", "Microsoft Dynamics 365 / Dataverse (REFERENCE.md D)", dynamics);
static const scn_preset p_netsuite =
    PRESET("system", "netsuite", "Oracle NetSuite (REFERENCE.md E)", netsuite);
static const scn_preset p_workday =
    PRESET("system", "workday", "Workday (REFERENCE.md F)", workday);
static const scn_preset p_generic = {"system", "generic", "any other system: the built-in defaults",
                                     NULL, 0};
static const scn_preset p_kafka =
    PRESET("broker", "kafka", "Apache Kafka (REFERENCE.md H1)", kafka);
static const scn_preset p_rabbitmq =
    PRESET("broker", "rabbitmq", "RabbitMQ quorum queues (REFERENCE.md H2)", rabbitmq);

static const scn_preset *const all[] = {&p_salesforce, &p_sap,     &p_oracle,  &p_dynamics,
                                        &p_netsuite,   &p_workday, &p_generic, &p_kafka,
                                        &p_rabbitmq,   NULL};

const scn_preset *const *scn_presets(void)
{
    return all;
}

const scn_preset *scn_preset_find(const char *block, const char *name)
{
    for (int i = 0; all[i]; i++)
        if (!strcmp(all[i]->block, block) && !strcmp(all[i]->name, name))
            return all[i];
    return NULL;
}

const scn_preset_value *scn_preset_value_of(const scn_preset *p, const char *path)
{
    for (int i = 0; p && i < p->nvalues; i++)
        if (!strcmp(p->values[i].path, path))
            return &p->values[i];
    return NULL;
}
