#!/usr/bin/env bash
# sweep.sh - `erpsim sweep` end to end (run by ctest from the source root as
# `bash tests/cli/sweep.sh path/to/erpsim`):
#   1. two --vary give their cartesian product in nested-loop order (the
#      first --vary outermost), in the table and in sweep.csv;
#   2. common random numbers: at one load, the points that differ only in
#      the ERP's workers create exactly the same records (same arrivals);
#   3. --metric takes names and '*' patterns; --format csv prints sweep.csv;
#      --format json is valid JSON with every point;
#   4. the chart is drawn (gnuplot) or, with ERPSIM_GNUPLOT empty, its data
#      is written and the exit code is 4;
#   5. bad input (a range without a step, a value the loader refuses, no
#      --vary, an unknown metric) is exit 2 with a message and no output;
#   6. more replications in all than an int holds is counted without
#      overflow.
set -u
erpsim=${1:?usage: sweep.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
. tests/cli/fixtures/needs.sh
fx=tests/cli/fixtures/tiny.yaml

# 1. the product and its order
"$erpsim" sweep "$fx" --reps 2 --vary load=1x..2x/0.5x --vary systems.erp.api.workers=4,8 \
    --metric flow.F-010.created --metric 'flow.*.latency_p99' --out "$tmp/s" --no-charts \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "sweep: exit $rc: $(cat "$tmp/err")"
grep -q '^6 points (load: 3 values x systems.erp.api.workers: 2 values), 2 replications each' \
    "$tmp/out" || fail "sweep: header: $(head -3 "$tmp/out")"
[ -f "$tmp/s/sweep.csv" ] || fail "sweep: no sweep.csv"
[ "$(wc -l <"$tmp/s/sweep.csv")" -eq 7 ] || fail "sweep.csv: not 1 + 6 lines"
order=$(tail -n +2 "$tmp/s/sweep.csv" | cut -d, -f2,3 | tr '\n' ' ')
[ "$order" = "1x,4 1x,8 1.5x,4 1.5x,8 2x,4 2x,8 " ] || fail "sweep.csv: point order '$order'"
head -1 "$tmp/s/sweep.csv" | grep -q '^point,load,systems.erp.api.workers,flow.F-010.created:mean,flow.F-010.created:half_width,flow.F-010.latency_p99:mean,' ||
    fail "sweep.csv header: $(head -1 "$tmp/s/sweep.csv")"
head -1 "$tmp/s/sweep.csv" | grep -q 'flow.F-011.latency_p99:mean' ||
    fail "sweep.csv: the pattern flow.*.latency_p99 did not pick F-011"

# 2. common random numbers: workers do not change the arrivals, so the
# created counts of the two points at each load are equal to the digit
for load in 1x 1.5x 2x; do
    a=$(grep "^[0-9]*,$load,4," "$tmp/s/sweep.csv" | cut -d, -f4)
    b=$(grep "^[0-9]*,$load,8," "$tmp/s/sweep.csv" | cut -d, -f4)
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "CRN: created at $load differs between workers 4 ($a) and 8 ($b)"
done
# and the load scales them: 1.5x creates more than 1x
c1=$(grep '^1,' "$tmp/s/sweep.csv" | cut -d, -f4)
c2=$(grep '^3,' "$tmp/s/sweep.csv" | cut -d, -f4)
awk -v a="$c1" -v b="$c2" 'BEGIN { exit !(b > 1.3 * a && b < 1.7 * a) }' ||
    fail "created at 1.5x ($c2) is not about 1.5 times 1x ($c1)"

# the command's options may come before the scenario
"$erpsim" sweep --metric flow.F-010.created --vary load=1x "$fx" --reps 2 >/dev/null 2>"$tmp/err" ||
    fail "sweep --metric M --vary V SCENARIO: exit $?: $(cat "$tmp/err")"

# 3. formats
"$erpsim" sweep "$fx" --reps 2 --vary load=1x,2x --metric flow.F-010.created --format csv \
    >"$tmp/csv" 2>/dev/null || fail "--format csv: exit $?"
[ "$(head -1 "$tmp/csv")" = "point,load,flow.F-010.created:mean,flow.F-010.created:half_width,replications,verdict" ] ||
    fail "--format csv header: $(head -1 "$tmp/csv")"
[ "$(wc -l <"$tmp/csv")" -eq 3 ] || fail "--format csv: not 3 lines"
"$erpsim" sweep "$fx" --reps 2 --vary load=1x,2x --format json >"$tmp/json" 2>/dev/null ||
    fail "--format json: exit $?"
if needs python3; then
    python3 - "$tmp/json" <<'EOF' || fail "--format json is not the expected JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "sweep" and len(d["points"]) == 2
p = d["points"][1]
assert p["vary"] == {"load": "2x"}
m = p["metrics"]["flow.F-010.latency_p99"]
assert len(m["values"]) == 2 and m["mean"] > 0
# the default metrics: per flow p99, delivered, rejected, lost; every
# limit's peak use (the limit table's)
names = [x["name"] for x in d["metrics"]]
assert names[:4] == ["flow.F-010.latency_p99", "flow.F-010.delivered",
                     "flow.F-010.rejected", "flow.F-010.lost"], names
assert "system.erp.quota_peak" in names
# each point's verdict, as run gives it
assert p["verdict"]["result"] in ("PASS", "FAIL") and p["verdict"]["banner"]
EOF
fi

# 4. the chart
if needs gnuplot; then
    "$erpsim" sweep "$fx" --reps 2 --vary load=1x,2x --out "$tmp/c" >/dev/null 2>"$tmp/err"
    rc=$?
    [ $rc -eq 0 ] || fail "chart: exit $rc: $(cat "$tmp/err")"
    [ -s "$tmp/c/charts/sweep.png" ] && [ -s "$tmp/c/charts/sweep.svg" ] ||
        fail "chart: no charts/sweep.png|svg"
fi
ERPSIM_GNUPLOT= "$erpsim" sweep "$fx" --reps 2 --vary load=1x,2x --out "$tmp/n" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 4 ] || fail "no gnuplot: exit $rc, want 4"
[ -s "$tmp/n/series/sweep.csv" ] && [ -s "$tmp/n/sweep.csv" ] || fail "no gnuplot: data not written"

# 5. bad input
bad() { # expected-fragment args...
    local want=$1
    shift
    "$erpsim" sweep "$fx" --reps 2 "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ $rc -eq 2 ] || fail "sweep $*: exit $rc, want 2"
    [ -s "$tmp/out" ] && fail "sweep $*: printed on stdout"
    grep -q -- "$want" "$tmp/err" || fail "sweep $*: stderr lacks '$want': $(cat "$tmp/err")"
}
bad "has no step" --vary load=1x..5x
bad "workers" --vary systems.erp.api.workers=4,lots
bad "needs at least one --vary"
bad "matches no metric" --vary load=1x,2x --metric flow.F-999.created
bad "given twice" --vary load=1x --vary load=2x

# 6. a sweep of 44,000 points, half of them of 100,000 replications, adds
# up to more replications than an int holds (the sanitizer build stops on
# the overflow); the metric matches nothing, so it stops after point 1
printf 'name: empty\nhorizon: 1h\n' >"$tmp/empty.yaml"
"$erpsim" sweep "$tmp/empty.yaml" --vary replications=1,100000 --vary seed=1..1000/1 \
    --vary load=1x..22x/1x --metric nothing.matches -q >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || fail "sweep of 2.2e9 replications: exit $rc, want 2: $(head -3 "$tmp/err")"
grep -q "matches no metric" "$tmp/err" || fail "sweep of 2.2e9 replications: $(head -3 "$tmp/err")"

# one replication is singular in the header
"$erpsim" sweep "$fx" --vary load=1x,2x --reps 1 --days 1 >"$tmp/out" 2>"$tmp/err" ||
    fail "sweep --reps 1: exit $?: $(head -3 "$tmp/err")"
grep -q "1 replication each" "$tmp/out" || fail "sweep --reps 1: header '$(sed -n 2p "$tmp/out")'"

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
exit_if_skipped sweep.sh
echo "sweep.sh: all passed"
