#!/usr/bin/env bash
# plan.sh - `erpsim plan` end to end (run by ctest from the source root as
# `bash tests/cli/plan.sh path/to/erpsim`):
#   1. the threshold of plan-quota.yaml lies where theory puts it: one flow
#      of V = 10,000 records/day against a rolling daily limit of
#      Q = 36,000 calls runs out between (Q - 6 sqrt Q) / V = 3.486 and
#      (Q + 2 sqrt Q) / V = 3.638 (the argument is in
#      tests/validation/test_plan_erlang.c); the bracket is at most 5% wide;
#   2. headroom at 1x is 1 - peak / Q, the peak of the one 24 h window
#      being the day's count, Poisson(V): its mean over the R = 4
#      replications lies within V +- 4 sqrt(V / R) = V +- 200 (4 standard
#      errors), so the headroom is in [0.717, 0.728]: "ok"; at 3x,
#      1 - 3 V / Q is about 16.7%: "tight" but holding, so the verdict is
#      PASS, with the warning `erpsim run` gives at that load;
#   3. --target 4x is above the threshold: FAIL, and exit 1 with
#      --fail-on-violation (0 without);
#   4. the batch windows of plan-batch.yaml: a month is projected at 1x and
#      at 3x by most replications, earlier at 3x (three times the records
#      per run), and the range over the 10 replications holds the fixture's
#      hand calculation (month 20.7 at 1x, 9.2 at 3x; it misses with
#      probability 0.2% a load when the months' median is the hand
#      calculation, see the fixture);
#   5. --out writes plan.json, plan.csv (the loads evaluated, from 1x) and
#      the chart (without gnuplot: its data, and exit 4);
#   6. bad input (--load, a bad --target) is exit 2;
#   7. a target that holds above a load that failed (or fails below one
#      that held) is flagged, in the text and in plan.json.
set -u
erpsim=${1:?usage: plan.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
. tests/cli/fixtures/needs.sh
q=tests/cli/fixtures/plan-quota.yaml
have_py=0
needs python3 && have_py=1

# 1-2, 5. the threshold, the headroom, PASS; the files (without gnuplot:
# exit 4, everything but the chart written)
ERPSIM_GNUPLOT= "$erpsim" plan "$q" --out "$tmp/o" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 4 ] || fail "plan --out without gnuplot: exit $rc, want 4: $(cat "$tmp/err")"
[ -s "$tmp/o/plan.json" ] && [ -s "$tmp/o/plan.csv" ] && [ -s "$tmp/o/series/plan.csv" ] ||
    fail "--out: files missing"
grep -q '^Verdict at 3x: PASS, WITH WARNINGS: 1 limit below 30% headroom$' "$tmp/out" ||
    fail "plan: no PASS at 3x: $(cat "$tmp/out")"
grep -q '^Highest load that holds: ' "$tmp/out" || fail "plan: no answer"
grep -Eq '^  erp: API calls per rolling 24 h \(36,000\) +7[0-2]\.[0-9]% left, ok +1[5-8]\.[0-9]% left, tight$' \
    "$tmp/out" || fail "plan: headroom line: $(grep 'erp:' "$tmp/out")"
[ "$(head -1 "$tmp/o/plan.csv")" = "order,load,holds,problems,first_problem" ] || fail "csv header"
[ "$(sed -n 2p "$tmp/o/plan.csv" | cut -d, -f1-3)" = "1,1,1" ] ||
    fail "csv: the search does not start at 1x"
if [ $have_py -eq 1 ]; then
    python3 - "$tmp/o/plan.json" <<'EOF2' || fail "plan: the JSON does not match theory"
import json, math, sys
d = json.load(open(sys.argv[1]))
q, v = 36000.0, 10000.0
h = d["highest_load"]
lo, hi = h["holds_at"], h["fails_at"]
low, high = (q - 6 * math.sqrt(q)) / v, (q + 2 * math.sqrt(q)) / v
assert h["outcome"] == "found", h
assert lo <= high and hi >= low, (lo, hi, low, high)
assert hi - lo <= d["tolerance"] * lo + 1e-12, (lo, hi)
lim = [x for x in d["limits"] if x["id"] == "erp"][0]
hr1 = lim["at_1x"]["headroom"]
se = math.sqrt(v / 4)
assert (q - (v + 4 * se)) / q <= hr1 <= (q - (v - 4 * se)) / q, hr1
assert lim["at_1x"]["status"] == "ok" and lim["at_target"]["status"] == "tight"
assert d["verdict"]["result"] == "PASS"
assert all(p["holds"] == (p["load"] <= lo) for p in d["points"]), d["points"]
EOF2
fi

# 3. above the threshold: FAIL, exit 1 only with --fail-on-violation
"$erpsim" plan "$q" --target 4x --reps 2 --tolerance 20% --format csv >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] || fail "plan --target 4x without --fail-on-violation: exit $rc"
"$erpsim" plan "$q" --target 4x --fail-on-violation --out "$tmp/g" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "plan --target 4x --fail-on-violation: exit $rc, want 1: $(cat "$tmp/err")"
grep -q '^Verdict at 4x: FAIL: .*1 limit ran out$' "$tmp/out" || fail "plan --target 4x: no FAIL"
grep -q 'erp: .*ran out' "$tmp/out" || fail "plan --target 4x: the quota running out is not named"
if needs gnuplot; then
    [ -s "$tmp/g/charts/plan.png" ] || fail "--out: no charts/plan.png"
fi
"$erpsim" plan --fail-on-violation --target 3x "$q" --reps 2 --tolerance 20% --quiet \
    >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "plan --fail-on-violation at 3x (PASS): exit $rc"
[ -s "$tmp/out" ] && fail "plan --quiet printed: $(cat "$tmp/out")"

# 4. batch windows
"$erpsim" plan tests/cli/fixtures/plan-batch.yaml --tolerance 10% --format json >"$tmp/b.json" \
    2>"$tmp/err" || fail "plan plan-batch: exit $?: $(cat "$tmp/err")"
if [ $have_py -eq 1 ]; then
    python3 - "$tmp/b.json" <<'EOF2' || fail "plan-batch: batch months"
import json, math, sys
d = json.load(open(sys.argv[1]))
b = d["batch_windows"][0]
m1, m3 = b["overrun_month_at_1x"], b["overrun_month_at_target"]
assert b["flow"] == "F-B" and abs(b["growth_per_month"] - 0.1) < 1e-9
assert m1 is not None and m3 is not None and 0 < m3 < m1, (m1, m3)
for key, hand in (("projection_at_1x", math.log(120 / 16.7) / math.log(1.1)),
                  ("projection_at_target", math.log(120 / 50.0) / math.log(1.1))):
    p = b[key]
    assert p["state"] == "finding" and 2 * p["with_projection"] > p["replications"], p
    assert p["min_month"] <= hand <= p["max_month"], (key, hand, p)
EOF2
fi

# 7. a target on the wrong side of the bracket (it holds although a lower
# load failed: a flow with few records has a p99 CI too wide to call at a
# low load) is flagged: consistent_with_target in plan.json follows the
# rule from the other fields, and the text says "not monotone" exactly
# when it is false. With this fixture and seed it is false today; the
# check holds whatever the models give.
cat >"$tmp/few.yaml" <<'EOF2'
name: few-records
horizon: 2d
replications: 2
seed: 5
systems:
  - {id: erp, kind: generic, api: {workers: 200, latency_p50: 300ms, latency_p95: 600ms}}
  - {id: shop, kind: generic}
callers:
  - {id: web, pool_size: 500}
flows:
  - {id: F-1, source: shop, target: erp, volume: 20/day, latency_slo: 1s, impact: high,
     pattern: realtime, caller: web, realtime: {timeout: 30s}}
EOF2
"$erpsim" plan "$tmp/few.yaml" --target 40x --format json >"$tmp/few.json" 2>"$tmp/err" ||
    fail "plan few.yaml: exit $?: $(cat "$tmp/err")"
"$erpsim" plan "$tmp/few.yaml" --target 40x >"$tmp/few.txt" 2>"$tmp/err" ||
    fail "plan few.yaml (text): exit $?: $(cat "$tmp/err")"
if [ $have_py -eq 1 ]; then
    python3 - "$tmp/few.json" "$tmp/few.txt" <<'EOF2' || fail "plan: consistent_with_target"
import json, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
a, t = d["highest_load"], d["target"]
holds = d["verdict"]["result"] == "PASS"
if holds:
    want = not (a["fails_at"] is not None and t > a["fails_at"])
else:
    want = not (a["holds_at"] is not None and t < a["holds_at"])
assert a["consistent_with_target"] == want, (a, t, holds)
assert ("not monotone" in text) == (not want), text
EOF2
fi

# 6. bad input
for args in "--load 3x" "--target 0x" "--target lots" "--tolerance 0" "--max-load 5000x"; do
    # shellcheck disable=SC2086
    "$erpsim" plan "$q" $args >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 2 ] || fail "plan $args: exit $rc, want 2"
    [ -s "$tmp/out" ] && fail "plan $args: printed on stdout"
done

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
exit_if_skipped plan.sh
echo "plan.sh: all passed"
