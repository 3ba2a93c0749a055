#!/usr/bin/env python3
"""make_sf_log.py - synthetic Salesforce API Total Usage event log files
from a known profile, for tests/cli/calibrate_salesforce.sh.

    make_sf_log.py OUT_DIR [SEED]

Writes one file per UTC day, OUT_DIR/ApiTotalUsage-YYYY-MM-DD.csv, in the
format of an EventLogFile of event type ApiTotalUsage: the header and
quoting of the real export (every value in double quotes), its columns
(EVENT_TYPE, TIMESTAMP 20261102134512.345, REQUEST_ID, ORGANIZATION_ID,
USER_ID, API_FAMILY, API_VERSION, API_RESOURCE, CLIENT_NAME, HTTP_METHOD,
CLIENT_IP, COUNTS_AGAINST_API_LIMIT, CONNECTED_APP_ID, CONNECTED_APP_NAME,
ENTITY_NAME, STATUS_CODE, TIMESTAMP_DERIVED 2026-11-02T13:45:12.345Z,
USER_ID_DERIVED), and rows sorted by time.

Every value is invented: the org, the users, the ids. The arrivals of each
connected app are a Poisson process with the rate of PROFILES below (a
volume per day at the start, a diurnal and a weekly shape in local time
UTC+01:00, a growth per month), so calibrating the files must give the
profiles back. Three rows are written twice (the same REQUEST_ID at the same
time), as a re-exported file would, and must be found as duplicates.
The profile and the counted calls are also written to OUT_DIR/truth.json.
"""
import json
import os
import random
import string
import sys

START = "2026-11-02"       # a Monday, local time
DAYS = 28
LOCAL_OFFSET_H = 1         # local time = UTC + 1 h
EPOCH_START = 1793577600   # 2026-11-02T00:00:00Z

OFFICE = [0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.9, 1.8, 2.3, 2.4, 2.2,
          1.9, 2.1, 2.3, 2.1, 1.8, 1.2, 0.8, 0.5, 0.3, 0.2, 0.1, 0.1]
NIGHTLY = [2.5, 3.0, 3.5, 3.0, 2.0, 1.0, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6,
           0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.8, 1.2, 1.8]
PROFILES = {
    "MuleSoft ERP Sync": {"volume": 4000, "growth": 0.06, "diurnal": OFFICE,
                          "weekly": [1.2, 1.2, 1.15, 1.15, 1.1, 0.6, 0.6],
                          "family": "REST", "client": "MuleSoft", "app_id": "0H4000000000A1B",
                          "entities": ["Account", "Order", "Product2"], "counted": 1.0},
    "Data Loader": {"volume": 800, "growth": 0.0, "diurnal": NIGHTLY,
                    "weekly": [1, 1, 1, 1, 1, 1, 1],
                    "family": "Bulk", "client": "DataLoaderBulkUI/", "app_id": "0H4000000000C3D",
                    "entities": ["Contact"], "counted": 0.5},
    "": {"volume": 200, "growth": 0.0, "diurnal": OFFICE,
         "weekly": [1.3, 1.3, 1.3, 1.3, 1.3, 0.25, 0.25],
         "family": "SOAP", "client": "Workbench/", "app_id": "",
         "entities": ["Opportunity"], "counted": 1.0},
}
HEADER = ["EVENT_TYPE", "TIMESTAMP", "REQUEST_ID", "ORGANIZATION_ID", "USER_ID", "API_FAMILY",
          "API_VERSION", "API_RESOURCE", "CLIENT_NAME", "HTTP_METHOD", "CLIENT_IP",
          "COUNTS_AGAINST_API_LIMIT", "CONNECTED_APP_ID", "CONNECTED_APP_NAME", "ENTITY_NAME",
          "STATUS_CODE", "TIMESTAMP_DERIVED", "USER_ID_DERIVED"]


def norm(w):
    m = sum(w) / len(w)
    return [x / m for x in w]


def stamp(t):
    """Epoch seconds -> (TIMESTAMP, TIMESTAMP_DERIVED), to the millisecond."""
    ms = int(t * 1000)
    s, ms = divmod(ms, 1000)
    days, rest = divmod(s, 86400)
    y, mo, d = civil(days)
    h, rest = divmod(rest, 3600)
    mi, se = divmod(rest, 60)
    return ("%04d%02d%02d%02d%02d%02d.%03d" % (y, mo, d, h, mi, se, ms),
            "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (y, mo, d, h, mi, se, ms))


def civil(z):
    """Days since 1970-01-01 -> (y, m, d) (H. Hinnant's civil_from_days)."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


def main():
    out = sys.argv[1]
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    os.makedirs(out, exist_ok=True)
    rows = []
    alphabet = string.ascii_letters + string.digits
    for app, p in PROFILES.items():
        diurnal, weekly = norm(p["diurnal"]), norm(p["weekly"])
        for d in range(DAYS):
            for h in range(24):
                month = (d + (h + 0.5) / 24) / 30.4375
                rate = p["volume"] * weekly[d % 7] * diurnal[h] / 24 * (1 + p["growth"]) ** month
                t = 0.0
                while True:
                    t += rng.expovariate(rate / 3600.0)
                    if t >= 3600:
                        break
                    utc = EPOCH_START + d * 86400 + h * 3600 + t - LOCAL_OFFSET_H * 3600
                    rows.append((utc, app, rng.random() < p["counted"],
                                 "".join(rng.choice(alphabet) for _ in range(22))))
    rows.sort()
    # three events written twice, as a re-exported file would
    for k in (100, 5000, 20000):
        rows.insert(k + 1, rows[k])
    files, counted = {}, []
    for utc, app, is_counted, rid in rows:
        p = PROFILES[app]
        ts, derived = stamp(utc)
        user = "005000000000%03d" % rng.randrange(1, 40)
        entity = rng.choice(p["entities"])
        resource = {"REST": "/v62.0/sobjects/%s" % entity, "SOAP": "query",
                    "Bulk": "/services/async/62.0/job"}[p["family"]]
        row = ["ApiTotalUsage", ts, rid, "00D000000000123", user, p["family"], "62.0", resource,
               p["client"], "POST" if p["family"] == "Bulk" else "GET", "198.51.100.%d" % (7 + len(app)),
               "true" if is_counted else "false", p["app_id"], app, entity, "200", derived,
               user + "AAA"]
        day = derived[:10]
        if day not in files:
            files[day] = open(os.path.join(out, "ApiTotalUsage-%s.csv" % day), "w", newline="")
            files[day].write(",".join('"%s"' % c for c in HEADER) + "\r\n")
        files[day].write(",".join('"%s"' % c.replace('"', '""') for c in row) + "\r\n")
        if is_counted:
            counted.append(utc)
    for f in files.values():
        f.close()
    truth = {"local_offset_min": 60 * LOCAL_OFFSET_H, "days": DAYS, "duplicates": 3,
             "profiles": {app: {k: p[k] for k in ("volume", "growth", "diurnal", "weekly")}
                          for app, p in PROFILES.items()},
             "counted": sorted(set(counted))}
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main()
