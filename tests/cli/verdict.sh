#!/usr/bin/env bash
# verdict.sh - one decision layer, end to end (run by ctest from the source
# root as `bash tests/cli/verdict.sh path/to/erpsim`). Issue 12.
#   1. run, report and plan (--target 1x: the same load, seed and
#      replications) give the same exit code with --fail-on-violation and
#      the same verdict line, on scenarios that hold, fail on an SLO, fail
#      on completeness, fail on a limit and overrun a batch
#      (tests/cli/fixtures/verdict/). Before: four definitions of failing
#      disagreed (the report's "HOLDS, WITH WARNINGS" beside exit 1, the
#      plan failing what run passed, a batch overrun not a violation).
#   2. each symptom of the issue, checked on the output a reviewer reads:
#      a. a projection from one replication of ten is not a finding: it
#         says "not enough evidence" and how many days would give it;
#      b. a flow that rejects its records is not "met"; the flow table has
#         created and pending;
#      c. a batch overrun names its cause (bulk batches over the 5-minute
#         batch limit, retried);
#      d. half-widths carry their unit; a caller pool has an exhaustion
#         time in results.json;
#      e. variants are in summary.txt, results.json and the report;
#      f. advise's table is in human units and flags a recommendation that
#         misses its SLO as simulated;
#      g. a subscriber-offline fault does not block compare to batch (it is
#         left out, with a note); faults take enabled:, and --no-faults;
#      h. the plan, compare and sweep charts write every bar's value, in
#         human units, with the SLO and limit lines.
set -u
erpsim=${1:?usage: verdict.sh ERPSIM}
fx=tests/cli/fixtures/verdict
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
has() { # has FILE TEXT: the file contains the fixed string
    grep -qF -- "$2" "$1" || fail "$1 lacks: $2"
}
lacks() { # lacks FILE TEXT
    grep -qF -- "$2" "$1" && fail "$1 has: $2"
}
have_py=0
command -v python3 >/dev/null && have_py=1

# 1. run, report and plan agree
for name in holds slo completeness limit overrun; do
    s=$fx/$name.yaml
    ERPSIM_GNUPLOT= "$erpsim" run "$s" --fail-on-violation --no-charts --out "$tmp/run-$name" \
        >"$tmp/run.txt" 2>"$tmp/err"
    rc_run=$?
    ERPSIM_GNUPLOT= "$erpsim" report "$s" --fail-on-violation --no-charts --quiet \
        --out "$tmp/rep-$name" 2>"$tmp/err"
    rc_rep=$?
    "$erpsim" plan "$s" --target 1x --max-load 2x --tolerance 50% --fail-on-violation \
        >"$tmp/plan.txt" 2>"$tmp/err"
    rc_plan=$?
    [ $rc_run -eq $rc_rep ] && [ $rc_run -eq $rc_plan ] ||
        fail "$name: exit codes differ: run $rc_run, report $rc_rep, plan $rc_plan"
    banner_run=$(sed -n 's/^Verdict: //p' "$tmp/run.txt")
    banner_rep=$(sed -n 's/^\*\*Verdict: \(.*\)\*\*$/\1/p' "$tmp/rep-$name/report.md")
    banner_plan=$(sed -n 's/^Verdict at 1x: //p' "$tmp/plan.txt")
    [ -n "$banner_run" ] && [ "$banner_run" = "$banner_rep" ] && [ "$banner_run" = "$banner_plan" ] ||
        fail "$name: verdicts differ: run '$banner_run', report '$banner_rep', plan '$banner_plan'"
    # and what breaks first says "nothing" in the same words (the plan had
    # its own sentence, without completeness)
    if [ $name = holds ]; then
        nothing_run=$(grep -m1 '^  nothing: ' "$tmp/run.txt")
        nothing_plan=$(grep -m1 '^  nothing: ' "$tmp/plan.txt")
        [ -n "$nothing_run" ] && [ "$nothing_run" = "$nothing_plan" ] ||
            fail "holds: 'nothing breaks' differs: run '$nothing_run', plan '$nothing_plan'"
    fi
    case $name in
    holds) want_rc=0 want="PASS" ;;
    slo) want_rc=1 want="FAIL: 1 flow misses its latency SLO" ;;
    completeness) want_rc=1 want="FAIL: 1 flow does not deliver its records" ;;
    limit) want_rc=1 want="FAIL: 1 limit ran out" ;;
    overrun) want_rc=1 want="FAIL: 1 batch overran its window" ;;
    esac
    [ $rc_run -eq $want_rc ] || fail "$name: exit $rc_run, want $want_rc"
    case $banner_run in
    "$want"*) ;;
    *) fail "$name: verdict '$banner_run', want '$want...'" ;;
    esac
    if [ $have_py -eq 1 ]; then
        python3 - "$tmp/run-$name/results.json" "$want_rc" <<'EOF' || fail "$name: results.json verdict"
import json, sys
v = json.load(open(sys.argv[1]))["verdict"]
assert v["violation"] == (sys.argv[2] == "1"), v["violation"]
assert v["result"] == ("FAIL" if sys.argv[2] == "1" else "PASS"), v["result"]
EOF
    fi
done

# 2a. a projection needs most replications: 7 days of a job growing 8% a
# month, where only some of 10 replications fit a trend
"$erpsim" run scenarios/batch-window-growth.yaml --days 7 --reps 10 --no-variants \
    --set flows.F-201.arrival.growth=8%/month >"$tmp/proj.txt" 2>"$tmp/err" ||
    fail "projection run: exit $?: $(cat "$tmp/err")"
has "$tmp/proj.txt" "not enough evidence for a projection"
grep -Eq 'of 10 replications show a trend over 7 runs\); run with --days [0-9]+' "$tmp/proj.txt" ||
    fail "the projection does not say how long to run: $(grep F-201 "$tmp/proj.txt" | head -2)"
lacks "$tmp/proj.txt" "projected to outgrow"

# 2b. completeness: not "met", and the flow table shows created and pending
has "$tmp/run-completeness/summary.txt" "INCOMPLETE"
grep -Eq '^  Flows +SLO +p99 latency +created +delivered +rejected +DLQ +lost +pending +verdict$' \
    "$tmp/run-completeness/summary.txt" || fail "the flow table has no created/pending column"
has "$tmp/run-completeness/summary.txt" "does not deliver"

# 2c. the overrun names its cause
"$erpsim" run $fx/overrun.yaml --set flows.F-1.batch.record_time=40ms >"$tmp/cause.txt" 2>&1
has "$tmp/cause.txt" "exceed the platform's batch time limit and are retried"

# 2d. units on half-widths; a caller pool's exhaustion time
grep -Eq 'p99 [0-9.]+ [a-z]+ ± [0-9.]+ (us|ms|s|min|h|d)$' "$tmp/run-slo/summary.txt" ||
    fail "a p99 half-width without its unit: $(grep 'misses' "$tmp/run-slo/summary.txt")"
if [ $have_py -eq 1 ]; then
    python3 - "$tmp/run-limit/results.json" <<'EOF' || fail "caller pool: no exhaustion time"
import json, sys
d = json.load(open(sys.argv[1]))
pool = [l for l in d["verdict"]["limits"] if l["kind"] == "caller_pool"][0]
assert pool["runs_out"] > 0 and pool["out_at_s"] is not None, pool
kinds = {l["kind"] for l in d["scenario"]["limits"]}
assert "caller_pool" in kinds, kinds
EOF
fi

# 2e. variants everywhere
ERPSIM_GNUPLOT= "$erpsim" report scenarios/cascading-timeouts.yaml --reps 2 --days 1 --no-charts \
    --quiet --out "$tmp/var" 2>"$tmp/err" || true
has "$tmp/var/summary.txt" "with-breaker"
has "$tmp/var/report.md" "## Variants"
has "$tmp/var/report.html" "<h2>Variants</h2>"
if [ $have_py -eq 1 ]; then
    python3 - "$tmp/var/results.json" <<'EOF' || fail "results.json: no variants"
import json, sys
v = json.load(open(sys.argv[1]))["variants"]
assert v[0]["id"] == "with-breaker" and v[0]["result"] in ("PASS", "FAIL") and v[0]["flows"], v
EOF
fi

# 2f. advise in human units; a recommendation that misses its SLO is flagged
cat >"$tmp/adv.yaml" <<'EOF'
name: adv5
horizon: 2d
replications: 2
systems:
  - {id: shop, kind: generic}
  - {id: erp, kind: generic, api: {workers: 64, latency_p50: 100ms, latency_p95: 300ms},
     bulk: {enabled: true}}
callers:
  - {id: app, pool_size: 100}
flows:
  - {id: F-1, source: shop, target: erp, volume: 50k/day, latency_slo: 5m, pattern: realtime,
     caller: app, decision: {change_triggered: true},
     realtime: {breaker: {enabled: true}, fallback: queue}}
EOF
"$erpsim" advise "$tmp/adv.yaml" >"$tmp/adv.txt" 2>"$tmp/err" || fail "advise: exit $?"
lacks "$tmp/adv.txt" "(s)"
grep -Eq '^ +latency p99 +[0-9.]+ (ms|s) ' "$tmp/adv.txt" || fail "advise: p99 not in human units"
has "$tmp/adv.txt" "flagged: the switch of F-1 does not hold as simulated"

# 2g. faults: compare to batch with a subscriber-offline fault; enabled:; --no-faults
"$erpsim" compare scenarios/replay-window-expiry.yaml --flow F-001 --patterns batch --reps 2 \
    >"$tmp/cmp.txt" 2>"$tmp/err" || fail "compare with a fault: exit $?: $(cat "$tmp/err")"
has "$tmp/cmp.txt" "fault 'connector-down' (subscriber-offline of F-001) left out"
lacks "$tmp/cmp.txt" "* batch: not simulated"
"$erpsim" run scenarios/replay-window-expiry.yaml --reps 2 --no-variants \
    --set faults.connector-down.enabled=false >"$tmp/off.txt" 2>"$tmp/err" ||
    fail "enabled=false: exit $?: $(cat "$tmp/err")"
"$erpsim" run scenarios/replay-window-expiry.yaml --reps 2 --no-variants --no-faults \
    >"$tmp/none.txt" 2>"$tmp/err" || fail "--no-faults: exit $?: $(cat "$tmp/err")"
cmp -s "$tmp/off.txt" "$tmp/none.txt" || fail "--no-faults differs from the fault disabled"
has "$tmp/none.txt" "Verdict: PASS"
"$erpsim" run scenarios/replay-window-expiry.yaml --reps 2 --set flows.F-001.pattern=batch \
    >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "a fault that needs an event flow on a batch flow is not exit 2"
has "$tmp/err" "faults.connector-down.enabled=false"

# 2h. the charts write their values (only when gnuplot is there)
if command -v gnuplot >/dev/null; then
    "$erpsim" plan scenarios/replay-window-expiry.yaml --reps 2 --max-load 2x --tolerance 50% \
        --quiet --out "$tmp/pl" 2>"$tmp/err" || fail "plan chart: exit $?: $(cat "$tmp/err")"
    svg="$tmp/pl/charts/plan.svg"
    has "$svg" ">the SLO<"
    has "$svg" ">the limit<"
    has "$svg" ">30% headroom<"
    # p99 at ~84,000% of the SLO and allocations of a few %: a log axis, and
    # every bar's value written: 2 loads x (4 limits + 1 SLO)
    n=$(grep -oE '>[0-9][0-9.]*%( ± [0-9.]+ pts)?<' "$svg" | wc -l)
    [ "$n" -eq 10 ] || fail "plan chart: $n value labels, want 10"
    grep -qE '>[^<]*[0-9]e[-+]?[0-9]+[^<]*<' "$svg" && fail "plan chart: a label in exponent notation"
    "$erpsim" sweep $fx/slo.yaml --vary load=1x,2x --reps 2 --quiet --out "$tmp/sw" \
        2>"$tmp/err" || fail "sweep chart: exit $?: $(cat "$tmp/err")"
    has "$tmp/sw/charts/sweep.svg" ">SLO 200 ms<"
    has "$tmp/sw/charts/sweep.svg" ">seconds<"
fi

if [ $failures -gt 0 ]; then
    echo "verdict.sh: $failures failure(s)" >&2
    exit 1
fi
echo "verdict.sh: ok"
