#!/usr/bin/env bash
# calibrate_salesforce.sh - a Salesforce-format log made from a known
# profile calibrates to that profile (run by ctest from the source root as
# `bash tests/cli/calibrate_salesforce.sh ERPSIM`).
#
# tests/calib/make_sf_log.py writes four weeks of API Total Usage event log
# files (one per UTC day, the real columns and quoting) for three clients:
# two connected apps and Workbench calls without one, each a Poisson
# process with a known volume, diurnal and weekly shape (local time
# UTC+01:00) and growth. The files are given in shuffled order. Checked:
#   - the groups are the connected app names (the empty one "(empty)");
#   - the 3 rows written twice are found as duplicates;
#   - per app, the volume at the end of the log and the growth are within
#     1.5 times their 95% half-width of the truth (about 3 standard
#     errors: a right interval misses that by chance with probability
#     under 0.3% per value);
#   - the 62 diurnal and weekly weights of the two big apps: the count of
#     95% intervals covering the truth is within the range a right interval
#     stays in with probability 1 - 2e-3 (Binomial(62, 0.95));
#   - the headroom's peak equals the rolling 24 h peak of the counted calls
#     computed here from the generator's own list, to the call.
set -u
erpsim=${1:?usage: calibrate_salesforce.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 tests/calib/make_sf_log.py "$tmp/logs" 3 || { echo "FAIL: the generator" >&2; exit 1; }
mapfile -t files < <(ls "$tmp"/logs/*.csv | sort -r) # newest first: read in time order anyway
"$erpsim" calibrate "${files[@]}" --tz +01:00 --daily-limit 15k --format json \
    >"$tmp/c.json" 2>"$tmp/err" || { echo "FAIL: calibrate: exit $?: $(cat "$tmp/err")" >&2; exit 1; }
grep -q 'warning: 3 duplicate rows dropped (the same REQUEST_ID at the same time)' "$tmp/err" ||
    { echo "FAIL: no duplicate warning: $(cat "$tmp/err")" >&2; exit 1; }
python3 - "$tmp/c.json" "$tmp/logs/truth.json" <<'EOF'
import json, math, sys
c = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))
bad = []

def norm(w):
    m = sum(w) / len(w)
    return [x / m for x in w]

assert c["log"]["kind"] == "salesforce" and c["log"]["group_column"] == "CONNECTED_APP_NAME"
groups = {g["name"]: g for g in c["groups"]}
if set(groups) != {"MuleSoft ERP Sync", "Data Loader", "(empty)"}:
    bad.append("groups %s" % sorted(groups))
if c["log"]["duplicates"] != truth["duplicates"]:
    bad.append("duplicates %d, want %d" % (c["log"]["duplicates"], truth["duplicates"]))

def within(ci, t, k=1.5):
    half = (ci["hi"] - ci["lo"]) / 2
    return abs(ci["est"] - t) <= k * half

covers = total = 0
for app in ("MuleSoft ERP Sync", "Data Loader"):
    p, g = truth["profiles"][app], groups[app]
    # local days: the first local day starts at 23:00 UTC of the day before
    # the first file's day, inside the window of whole UTC days
    days = g["days"]
    v_end = p["volume"] * (1 + p["growth"]) ** (truth["days"] / 30.4375)
    print("%-18s volume %.0f (CI %.0f..%.0f) truth %.0f; growth %.4f (CI %.4f..%.4f) truth %.2f"
          % (app, g["volume_per_day"]["est"], g["volume_per_day"]["lo"], g["volume_per_day"]["hi"],
             v_end, g["growth_per_month"]["est"], g["growth_per_month"]["lo"],
             g["growth_per_month"]["hi"], p["growth"]))
    if days != truth["days"]:
        bad.append("%s: %d whole local days, want %d" % (app, days, truth["days"]))
    if not within(g["volume_per_day"], v_end):
        bad.append("%s: volume %s, truth %.1f" % (app, g["volume_per_day"], v_end))
    if not within(g["growth_per_month"], p["growth"]):
        bad.append("%s: growth %s, truth %.3f" % (app, g["growth_per_month"], p["growth"]))
    for est, t in zip(g["weekly"] + g["diurnal"], norm(p["weekly"]) + norm(p["diurnal"])):
        covers += est["lo"] <= t <= est["hi"]
        total += 1

def binom_range(n, p=0.95, alpha=1e-3):
    pmf = [math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(n + 1)]
    lo, acc = 0, 0.0
    while acc + pmf[lo] <= alpha:
        acc += pmf[lo]; lo += 1
    hi, acc = n, 0.0
    while acc + pmf[hi] <= alpha:
        acc += pmf[hi]; hi -= 1
    return lo, hi

lo, hi = binom_range(total)
print("shape weights: %d of %d intervals cover the truth (a right 95%% interval: %d..%d)"
      % (covers, total, lo, hi))
if not lo <= covers <= hi:
    bad.append("shape weights: %d of %d covers, outside %d..%d" % (covers, total, lo, hi))

# the rolling 24 h peak of counted calls, windows ending at whole minutes
# inside the log's whole UTC days, counted here from the generator's list
counted = [int(t // 60) for t in truth["counted"]]
first_day, last_day = counted[0] // 1440, counted[-1] // 1440
per = {}
for m in counted:
    per[m] = per.get(m, 0) + 1
best, run = 0, 0
for m in range(first_day * 1440, (last_day + 1) * 1440):
    run += per.get(m, 0) - per.get(m - 1440, 0)
    if m + 1 - first_day * 1440 >= 1440:
        best = max(best, run)
h = c["headroom"]
print("headroom peak %d (computed here: %d) of %d" % (h["peak"], best, h["limit"]))
if h["peak"] != best or h["limit"] != 15000:
    bad.append("headroom %s, peak computed here %d" % (h, best))
if abs(h["headroom"] - (1 - best / 15000)) > 1e-9:  # JSON keeps 10 digits
    bad.append("headroom share %s" % h["headroom"])
for b in bad:
    print("FAIL: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
[ $? -eq 0 ] || { echo "calibrate_salesforce.sh: failed" >&2; exit 1; }
echo "calibrate_salesforce.sh: ok"
