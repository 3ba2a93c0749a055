#!/usr/bin/env bash
# run.sh - `erpsim run` and `erpsim plot` end to end (run by ctest from the
# source root as `bash tests/cli/run.sh path/to/erpsim`):
#   1. usage: --help exits 0, bad options and values exit 2;
#   2. the tiny scenario (tests/cli/fixtures/tiny.yaml, real-time flows only)
#      with --out: exit 0, every file of the results folder written, no
#      temporary file left, summary.txt is what was printed and <= 60 lines;
#   3. results.json parses (python3 -m json.tool), has no NaN, and follows
#      the schema of docs/results.md; metrics.csv has one row per metric;
#   4. --format json|csv|text on stdout; --quiet prints nothing; stdout
#      that cannot be written (/dev/full) is exit 5 (an I/O failure);
#   5. determinism: the same seed twice, and --threads 1 vs 2, give
#      byte-identical results.json; another seed gives another one;
#   6. --set reaches the run; --fail-on-violation exits 1 on a violation;
#   7. a bad scenario exits 2 with file:line:column: error: and writes nothing;
#   8. without gnuplot: exit 4, the data is written, a clear message;
#      `plot --from DIR` draws the charts afterwards;
#   9. the default scenario: exit 0, or (until the event and batch models
#      land) exit 2 with "cannot be simulated yet".
#  10. a gnuplot that hangs is stopped after $ERPSIM_GNUPLOT_TIMEOUT seconds
#      (1 s here): exit 4, the data written, a message naming the timeout;
#  11. the report's "reproduce" command keeps the user's --set overrides,
#      shell-quoted: run as printed, it gives the same metrics.csv;
#  12. one replication is "1 replication" in the summary and the chart title.
set -u
erpsim=${1:?usage: run.sh ERPSIM}
tiny=tests/cli/fixtures/tiny.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
expect_rc() { # expect_rc WANT DESCRIPTION COMMAND...
    local want=$1 what=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ $rc -eq "$want" ] || fail "$what: exit $rc, want $want; stderr: $(head -c 400 "$tmp/err")"
}

# 1. usage
expect_rc 0 "run --help" "$erpsim" run --help
grep -q "exit codes" "$tmp/out" || fail "run --help does not document the exit codes"
grep -q "4 results written but charts not drawn" "$tmp/out" || fail "run --help does not document exit code 4"
expect_rc 2 "an unknown option" "$erpsim" run "$tiny" --bogus
expect_rc 2 "--reps 0" "$erpsim" run "$tiny" --reps 0
expect_rc 2 "--days x" "$erpsim" run "$tiny" --days x
expect_rc 2 "--format xml" "$erpsim" run "$tiny" --format xml
expect_rc 2 "--seed without a value" "$erpsim" run "$tiny" --seed
expect_rc 2 "two scenarios" "$erpsim" run "$tiny" "$tiny"
expect_rc 2 "a bad --load" "$erpsim" run "$tiny" --load fast
grep -q "load" "$tmp/err" || fail "a bad --load: the message does not name load"

# 2. the results folder
out="$tmp/res"
start=$(date +%s.%N)
"$erpsim" run "$tiny" --out "$out" >"$tmp/stdout" 2>"$tmp/err"
rc=$?
end=$(date +%s.%N)
awk -v a="$start" -v b="$end" "BEGIN { printf \"erpsim run %s --out: %.3f s (with charts)\\n\", \"$tiny\", b - a }"
[ $rc -eq 0 ] || fail "run --out: exit $rc: $(cat "$tmp/err")"
for f in summary.txt results.json metrics.csv series/all.csv series/hists.csv series/quota.csv \
    series/latency.csv series/cascade.csv series/rejections.csv charts/quota.png charts/quota.svg \
    charts/latency.png charts/latency.svg charts/cascade.png charts/cascade.svg; do
    [ -s "$out/$f" ] || fail "run --out did not write $f"
done
leftover=$(find "$out" -name '.*' -type f ! -name .erpsim-results | head -5)
[ -z "$leftover" ] || fail "temporary files left behind: $leftover"
[ -e "$out/series/channels.csv" ] && fail "a channel chart without event flows"
[ -e "$out/charts/batch.png" ] && fail "a batch chart without batch flows"
lines=$(wc -l <"$out/summary.txt")
[ "$lines" -le 60 ] || fail "summary.txt has $lines lines (at most about 60)"
head -n "$lines" "$tmp/stdout" | cmp -s - "$out/summary.txt" || fail "stdout does not start with summary.txt"
grep -q "^What breaks first" "$out/summary.txt" || fail "no 'What breaks first' in the summary"
grep -q "F-010" "$out/summary.txt" || fail "flow F-010 missing from the summary"
grep -q "erp API calls per rolling 24 h" "$out/summary.txt" || fail "the erp quota missing from the summary"
grep -q "seed 42" "$out/summary.txt" || fail "the seed missing from the summary"
grep -q "4 replications" "$out/summary.txt" || fail "the replications missing from the summary"
grep -q "Results in $out/" "$tmp/stdout" || fail "stdout does not say where the results are"

# 3. results.json: parses, no NaN, schema
python3 -m json.tool "$out/results.json" >/dev/null || fail "results.json does not parse"
python3 - "$out/results.json" "$out/metrics.csv" <<'PY' || fail "results.json schema"
import csv, json, math, sys
def no_constants(name):
    raise ValueError("JSON has " + name)
doc = json.load(open(sys.argv[1]), parse_constant=no_constants)
errors = []
def need(cond, msg):
    if not cond:
        errors.append(msg)
need(doc["format"] == "erpsim-results" and doc["format_version"] == 1, "format")
need(isinstance(doc["erpsim_version"], str) and doc["erpsim_version"], "version")
sc = doc["scenario"]
for k in ("name", "source", "horizon_s", "load", "seed", "replications", "flows", "systems", "callers", "yaml"):
    need(k in sc, "scenario." + k)
need(sc["horizon_s"] == 172800 and sc["load"] == 3 and sc["seed"] == 42, "scenario facts")
need("daily_limit: 30k" in sc["yaml"], "the scenario YAML as run")
flows = {f["id"]: f for f in sc["flows"]}
need(flows["F-011"]["latency_slo_s"] == 0.5 and flows["F-011"]["pattern"] == "realtime", "flow facts")
run = doc["run"]
need(run["seed"] == 42 and run["replications"] == 4 and run["confidence"] == 0.95, "run")
metrics = doc["metrics"]
need(len(metrics) > 50, "too few metrics")
kinds = {"scalar": 0, "hist": 0, "series": 0}
for name, m in metrics.items():
    kinds[m["kind"]] += 1
    need(isinstance(m["unit"], str), name + " unit")
    if m["kind"] == "scalar":
        need(m["replications"] == 4 and len(m["values"]) == 4, name + " values")
        for k in ("mean", "half_width", "min", "max"):
            need(k in m, name + " " + k)
        vals = [v for v in m["values"] if v is not None]
        if len(vals) == 4 and m["mean"] is not None:
            need(abs(sum(vals) / 4 - m["mean"]) <= 1e-9 * max(1, abs(m["mean"])), name + " mean")
    elif m["kind"] == "hist":
        need(all(len(b) == 3 and b[0] <= b[1] for b in m["bins"]), name + " bins")
        need(sum(b[2] for b in m["bins"]) == m["count"], name + " bin counts")
    else:
        need(m["interval_s"] > 0 and len(m["values"]) == len(m["max_values"]) > 0, name + " series")
need(all(kinds.values()), "every kind of metric: %s" % kinds)
for name in ("flow.F-010.latency_p99", "flow.F-010.latency", "system.erp.quota_use_series",
             "system.erp.quota_limit", "caller.shop-backend.pool_in_use_series", "run.events"):
    need(name in metrics, "metric " + name)
need(metrics["system.erp.quota_limit"]["mean"] == 30000, "quota limit")
# one replication per value: with 4 equal values the half-width is 0, never null
need(metrics["system.erp.quota_limit"]["half_width"] == 0, "half-width of a constant")
v = doc["verdict"]
need(isinstance(v["violation"], bool) and v["breaks_first"] and v["flows"] and v["limits"], "verdict")
rows = list(csv.DictReader(open(sys.argv[2])))
need(len(rows) == len(metrics), "metrics.csv has %d rows for %d metrics" % (len(rows), len(metrics)))
need([r["metric"] for r in rows] == list(metrics), "metrics.csv order")
if errors:
    print("\n".join(errors[:20]), file=sys.stderr)
    sys.exit(1)
PY

# 4. stdout formats
"$erpsim" run "$tiny" --format json --threads 2 >"$tmp/o.json" 2>"$tmp/err" || fail "--format json: $(cat "$tmp/err")"
python3 -m json.tool "$tmp/o.json" >/dev/null || fail "--format json does not print JSON"
cmp -s "$tmp/o.json" "$out/results.json" || fail "--format json differs from results.json"
"$erpsim" run "$tiny" --format csv >"$tmp/o.csv" 2>"$tmp/err" || fail "--format csv: $(cat "$tmp/err")"
cmp -s "$tmp/o.csv" "$out/metrics.csv" || fail "--format csv differs from metrics.csv"
"$erpsim" run "$tiny" --format text >"$tmp/o.txt" 2>"$tmp/err" || fail "--format text: $(cat "$tmp/err")"
cmp -s "$tmp/o.txt" "$out/summary.txt" || fail "--format text (no --out) differs from summary.txt"
"$erpsim" run "$tiny" --quiet --out "$tmp/quiet" --no-charts >"$tmp/o.q" 2>&1 || fail "--quiet failed"
[ -s "$tmp/o.q" ] && fail "--quiet printed: $(head -3 "$tmp/o.q")"
[ -s "$tmp/quiet/results.json" ] || fail "--quiet --out wrote no results.json"
[ -e "$tmp/quiet/charts" ] && fail "--no-charts drew charts"
[ -s "$tmp/quiet/series/quota.csv" ] || fail "--no-charts did not write the chart data"
# stdout that cannot be written (a full disk) is an error, not exit 0
if [ -w /dev/full ]; then
    "$erpsim" run "$tiny" --reps 2 --format json >/dev/full 2>"$tmp/err"
    rc=$?
    [ $rc -eq 5 ] || fail "run >/dev/full: exit $rc, want 5"
    grep -q "cannot write to standard output" "$tmp/err" || fail "run >/dev/full: $(cat "$tmp/err")"
fi

# 5. determinism
"$erpsim" run "$tiny" --out "$tmp/a" --threads 1 --quiet --no-charts || fail "threads 1"
"$erpsim" run "$tiny" --out "$tmp/b" --threads 2 --quiet --no-charts || fail "threads 2"
"$erpsim" run "$tiny" --out "$tmp/c" --threads 2 --quiet --no-charts || fail "threads 2 again"
cmp -s "$tmp/a/results.json" "$tmp/b/results.json" || fail "--threads 1 and 2 differ"
cmp -s "$tmp/b/results.json" "$tmp/c/results.json" || fail "the same seed twice differs"
cmp -s "$tmp/a/metrics.csv" "$tmp/b/metrics.csv" || fail "metrics.csv differs between thread counts"
cmp -s "$tmp/a/series/all.csv" "$tmp/b/series/all.csv" || fail "series differ between thread counts"
"$erpsim" run "$tiny" --out "$tmp/d" --seed 43 --quiet --no-charts || fail "seed 43"
cmp -s "$tmp/a/results.json" "$tmp/d/results.json" && fail "another seed gave the same results"
grep -q '"seed": 43' "$tmp/d/results.json" || fail "--seed not recorded"

# 6. overrides and --fail-on-violation
"$erpsim" run "$tiny" --set systems.erp.api.daily_limit=10M --reps 2 --days 1 --format json >"$tmp/set.json" 2>"$tmp/err" || fail "--set: $(cat "$tmp/err")"
python3 - "$tmp/set.json" <<'PY' || fail "--set, --reps, --days did not reach the run"
import json, sys
d = json.load(open(sys.argv[1]))
m = d["metrics"]
assert m["system.erp.quota_limit"]["mean"] == 10e6
assert d["run"]["replications"] == 2 and d["scenario"]["horizon_s"] == 86400
assert "# --set" in d["scenario"]["yaml"]
PY
expect_rc 1 "--fail-on-violation with missed SLOs" "$erpsim" run "$tiny" --fail-on-violation --quiet
expect_rc 0 "no --fail-on-violation" "$erpsim" run "$tiny" --quiet

# 7. bad scenario: exit 2, the position, nothing written
cat >"$tmp/bad.yaml" <<'YAML'
name: bad
horizon: 1d
systems:
  - id: erp
    kind: generic
    api:
      daily_limt: 10k
YAML
"$erpsim" run "$tmp/bad.yaml" --out "$tmp/badout" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || fail "bad scenario: exit $rc, want 2"
grep -Eq "^$tmp/bad.yaml:7:7: error: .*daily_limt" "$tmp/err" || fail "bad scenario: message '$(cat "$tmp/err")'"
[ -e "$tmp/badout" ] && fail "bad scenario: the output folder was created"
[ -s "$tmp/out" ] && fail "bad scenario: printed on stdout"
expect_rc 2 "a missing scenario file" "$erpsim" run "$tmp/none.yaml" --out "$tmp/none"
[ -e "$tmp/none" ] && fail "missing scenario: the output folder was created"

# 8. without gnuplot, then plot --from
ERPSIM_GNUPLOT= "$erpsim" run "$tiny" --out "$tmp/nognu" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 4 ] || fail "without gnuplot: exit $rc, want 4"
grep -q "gnuplot not found" "$tmp/err" || fail "without gnuplot: message '$(cat "$tmp/err")'"
[ -s "$tmp/nognu/results.json" ] && [ -s "$tmp/nognu/series/quota.csv" ] || fail "without gnuplot: the data was not written"
ls "$tmp/nognu/charts/"*.png >/dev/null 2>&1 && fail "without gnuplot: charts exist"
expect_rc 0 "plot --from" "$erpsim" plot --from "$tmp/nognu"
for c in quota latency cascade; do
    [ -s "$tmp/nognu/charts/$c.png" ] && [ -s "$tmp/nognu/charts/$c.svg" ] || fail "plot --from did not draw $c"
done
cmp -s "$tmp/nognu/series/quota.csv" "$out/series/quota.csv" || fail "plot --from wrote other chart data than run"
expect_rc 2 "plot without --from" "$erpsim" plot
expect_rc 2 "plot with a run option" "$erpsim" plot --from "$out" --reps 5
before=$(ls -l --time-style=full-iso "$out/charts")
expect_rc 2 "plot --no-charts (nothing to do)" "$erpsim" plot --from "$out" --no-charts
grep -q "nothing to do" "$tmp/err" || fail "plot --no-charts: message '$(cat "$tmp/err")'"
[ "$(ls -l --time-style=full-iso "$out/charts")" = "$before" ] || fail "plot --no-charts redrew the charts"
expect_rc 2 "plot --from a folder without results" "$erpsim" plot --from "$tmp/empty-nothing"
echo '{"format": "something else"}' >"$tmp/results.json"
expect_rc 2 "plot --from a foreign JSON" "$erpsim" plot --from "$tmp"

# 9. the default scenario (tolerant until every pattern can be simulated)
"$erpsim" run --days 1 --reps 2 --out "$tmp/default" --no-charts >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ]; then
    python3 -m json.tool "$tmp/default/results.json" >/dev/null || fail "default: results.json does not parse"
elif [ $rc -eq 2 ] && grep -q "cannot be simulated yet" "$tmp/err"; then
    echo "note: the default scenario cannot be simulated yet: $(cat "$tmp/err")"
    [ -e "$tmp/default" ] && fail "default: a failed run created its output folder"
else
    fail "default scenario: exit $rc: $(cat "$tmp/err")"
fi

# 10. a gnuplot that never finishes
printf '#!/bin/sh\nexec sleep 30\n' >"$tmp/slow-gnuplot"
chmod +x "$tmp/slow-gnuplot"
start=$(date +%s)
ERPSIM_GNUPLOT="$tmp/slow-gnuplot" ERPSIM_GNUPLOT_TIMEOUT=1 "$erpsim" run "$tiny" --out "$tmp/slow" \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
took=$(($(date +%s) - start))
[ $rc -eq 4 ] || fail "a hanging gnuplot: exit $rc, want 4: $(head -c 400 "$tmp/err")"
[ $took -lt 20 ] || fail "a hanging gnuplot: erpsim took $took s with a 1 s timeout"
grep -q "did not finish within 1 s" "$tmp/err" || fail "a hanging gnuplot: message '$(head -c 400 "$tmp/err")'"
[ -s "$tmp/slow/results.json" ] || fail "a hanging gnuplot: the results were not written"
ls "$tmp/slow/charts/"*.png >/dev/null 2>&1 && fail "a hanging gnuplot: charts exist"

# 11. the reproduce command keeps --set (a value with a quote and a pipe
# tests the shell quoting and the Markdown table escaping)
"$erpsim" report "$tiny" --days 1 --reps 2 --set systems.erp.api.daily_limit=20k \
    --set "description=it's a | test" --out "$tmp/repro" --no-charts --quiet 2>"$tmp/err" ||
    fail "report with --set: exit $?: $(head -c 400 "$tmp/err")"
again=$(sed -n 's/^| reproduce | `\(.*\)` |$/\1/p' "$tmp/repro/report.md" | sed 's/\\|/|/g')
case "$again" in
*"--set systems.erp.api.daily_limit=20k --set 'description=it'\\''s a | test'"*) ;;
*) fail "report.md: the reproduce command lacks the --set overrides: '$again'" ;;
esac
grep -q "daily_limit=20k" "$tmp/repro/report.html" || fail "report.html: the reproduce command lacks --set"
eval "\"\$erpsim\"${again#erpsim} --out \"\$tmp/again\" --no-charts --quiet" 2>"$tmp/err" ||
    fail "the reproduce command failed: $again: $(head -c 400 "$tmp/err")"
cmp -s "$tmp/repro/metrics.csv" "$tmp/again/metrics.csv" ||
    fail "the reproduce command gives other metrics: $again"

# 12. plurals
"$erpsim" run "$tiny" --days 1 --reps 1 --out "$tmp/one" >"$tmp/out" 2>"$tmp/err"
grep -q "1 replication," "$tmp/out" || fail "one replication: summary '$(sed -n 3p "$tmp/out")'"
# ("in 1 of 1 replications" is right; "(load 3x, 1 replications)" is not)
grep -rEq '(^|[^f]) 1 replications' "$tmp/out" "$tmp/one/charts/" 2>/dev/null &&
    fail "one replication: '1 replications' written"

if [ $failures -gt 0 ]; then
    echo "run.sh: $failures failure(s)" >&2
    exit 1
fi
echo "run.sh: ok"
