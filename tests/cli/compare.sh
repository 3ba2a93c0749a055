#!/usr/bin/env bash
# compare.sh - `erpsim compare` end to end (run by ctest from the source root
# as `bash tests/cli/compare.sh path/to/erpsim`):
#   1. the declared pattern comes first, every asked pattern has a column,
#      and one that cannot be simulated says why in its column;
#   2. common random numbers: the flow creates exactly the same records
#      under every pattern (only the pattern differs), and the other flow's
#      change is reported against the declared pattern;
#   3. the measured rows move the way the card says: batch has far higher
#      latency and far fewer API calls than real-time for the same records;
#   4. --format csv and json; --out writes compare.csv and the chart;
#   5. bad input is exit 2; no pattern simulated at all is exit 2.
set -u
erpsim=${1:?usage: compare.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
. tests/cli/fixtures/needs.sh
fx=tests/cli/fixtures/plan-mixed.yaml
run() { "$erpsim" compare "$fx" --reps 2 --days 2 "$@"; }

# 1. columns
run --flow F-2 --patterns realtime,batch,file >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "compare: exit $rc: $(cat "$tmp/err")"
head -8 "$tmp/out" | grep -Eq '^ +batch \(declared\) +realtime +file \*$' ||
    fail "compare: column header: $(head -8 "$tmp/out")"
grep -q "^\* file: not simulated: .*imports no files" "$tmp/out" ||
    fail "compare: the file column does not say why"
for row in 'latency p50' 'latency p99 (SLO' 'freshness (mean latency)' \
    'throughput: delivered per day' 'API calls per day' 'target quota at its peak' \
    'records lost' 'records rejected' 'flow verdict (SLO, delivery)' 'limits that ran out' \
    'F-1 latency p99' 'F-1 records rejected' 'coupling' 'error handling'; do
    grep -qF "  $row" "$tmp/out" || fail "compare: no row '$row'"
done
grep -q '^  F-1 latency p99 *(baseline) ' "$tmp/out" || fail "compare: the declared column is not the baseline"

# the command's options may come before the scenario
"$erpsim" compare --flow F-2 --patterns batch "$fx" --reps 2 --days 1 >/dev/null 2>"$tmp/err" ||
    fail "compare --flow F-2 ... SCENARIO: exit $?: $(cat "$tmp/err")"

# 2 and 3, from the CSV: flow,criterion,unit,pattern,declared,mean,half_width,note
run --flow F-2 --patterns batch,realtime --format csv >"$tmp/csv" 2>"$tmp/err" ||
    fail "--format csv: exit $?: $(cat "$tmp/err")"
val() { grep "^F-2,$1,[^,]*,$2," "$tmp/csv" | cut -d, -f6; }
cb=$(val 'records created per day' batch)
cr=$(val 'records created per day' realtime)
[ -n "$cb" ] && [ "$cb" = "$cr" ] || fail "CRN: created per day differs: batch $cb, realtime $cr"
lb=$(val 'latency p50' batch)
lr=$(val 'latency p50' realtime)
awk -v b="$lb" -v r="$lr" 'BEGIN { exit !(b > 3600 && r < 5) }' ||
    fail "latency p50: batch $lb s should be hours, realtime $lr s should be seconds"
ab=$(val 'API calls per day' batch)
ar=$(val 'API calls per day' realtime)
# REST pages of 100 records: about 100 times fewer calls than one per record
awk -v b="$ab" -v r="$ar" 'BEGIN { exit !(b > 0 && r > 50 * b) }' ||
    fail "API calls per day: batch $ab, realtime $ar"
grep -q '^F-2,change of F-1 latency p99,s,batch,1,0,0,' "$tmp/csv" ||
    fail "the declared pattern's change of F-1 is not 0"
if needs python3; then
    run --flow F-2 --patterns batch,realtime --format json >"$tmp/json" 2>/dev/null ||
        fail "--format json: exit $?"
    python3 - "$tmp/json" <<'EOF' || fail "--format json is not the expected JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "compare" and d["flow"] == "F-2"
cols = d["patterns"]
assert [c["pattern"] for c in cols] == ["batch", "realtime"] and cols[0]["declared"]
assert all(c["simulated"] for c in cols)
assert "F-1" in cols[1]["other_flows"]
assert cols[1]["card"]["coupling"].startswith("tight")
EOF
fi

# 4. files
ERPSIM_GNUPLOT= run --flow F-2 --patterns batch,realtime --out "$tmp/o" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 4 ] || fail "--out without gnuplot: exit $rc, want 4"
[ -s "$tmp/o/compare.csv" ] && [ -s "$tmp/o/series/compare.csv" ] || fail "--out: files missing"
if needs gnuplot; then
    run --flow F-2 --patterns batch,realtime --out "$tmp/g" >/dev/null 2>"$tmp/err" ||
        fail "--out: exit $?: $(cat "$tmp/err")"
    [ -s "$tmp/g/charts/compare.png" ] || fail "--out: no charts/compare.png"
fi

# 5. bad input
bad() { # expected-fragment args...
    local want=$1
    shift
    run "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ $rc -eq 2 ] || fail "compare $*: exit $rc, want 2"
    [ -s "$tmp/out" ] && fail "compare $*: printed on stdout"
    grep -q -- "$want" "$tmp/err" || fail "compare $*: stderr lacks '$want': $(cat "$tmp/err")"
}
bad "needs --flow"
bad "no such flow" --flow F-9
bad "unknown pattern 'streaming'" --flow F-2 --patterns batch,streaming
bad "no pattern could be simulated" --flow F-2 --patterns file
bad "takes a list" --flow F-2 --patterns ""

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
exit_if_skipped compare.sh
echo "compare.sh: all passed"
