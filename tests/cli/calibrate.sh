#!/usr/bin/env bash
# calibrate.sh - `erpsim calibrate` end to end (run by ctest from the source
# root as `bash tests/cli/calibrate.sh path/to/erpsim`):
#   1. every bad log in tests/calib/logs/bad/ prints exactly its .expected
#      line on stderr (file:line:column: error: ...), nothing on stdout,
#      writes nothing with --out, and exits 2;
#   2. logs that can be read safely give warnings with counts and exit 0
#      (duplicates, rows out of order, skipped rows, a gap day);
#   3. a generated eight-week log: the report lists its spike and its gap,
#      --format json parses, --out writes the report, the fragments and the
#      JSON, and the fragments pasted under a flow pass `erpsim check`;
#   4. --into writes a copy of a scenario with the mapped flow's values
#      replaced, every other line identical, the original untouched; a
#      group or flow that does not exist is exit 2 with nothing written;
#   5. usage errors exit 2.
set -u
erpsim=${1:?usage: calibrate.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh

# 1. bad logs: exact message, exit 2, no output, nothing written
count=0
for f in tests/calib/logs/bad/*.csv; do
    count=$((count + 1))
    args=()
    [ -f "${f%.csv}.args" ] && read -r -a args <"${f%.csv}.args"
    "$erpsim" calibrate "$f" "${args[@]}" --out "$tmp/out-bad" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 2 ] || fail "$f: exit $rc, want 2"
    [ -s "$tmp/out" ] && fail "$f: printed on stdout: $(head -3 "$tmp/out")"
    [ -e "$tmp/out-bad" ] && fail "$f: wrote $tmp/out-bad"
    cmp -s "$tmp/err" "${f%.csv}.expected" || fail "$f: stderr differs:
$(diff "${f%.csv}.expected" "$tmp/err")"
done
[ $count -ge 14 ] || fail "only $count bad logs"

# 2. warnings with counts, exit 0
"$erpsim" calibrate tests/calib/logs/salesforce.csv >"$tmp/out" 2>"$tmp/err" ||
    fail "salesforce.csv: exit $?"
grep -q '^erpsim calibrate: warning: 1 duplicate row dropped (the same REQUEST_ID at the same time)$' \
    "$tmp/err" || fail "salesforce.csv: no duplicate warning: $(cat "$tmp/err")"
grep -q 'API limit headroom' "$tmp/out" || fail "salesforce.csv: no headroom in the report"
"$erpsim" calibrate tests/calib/logs/timestamps.csv --by app >"$tmp/out" 2>"$tmp/err" ||
    fail "timestamps.csv: exit $?"
grep -q 'warning: 1 row out of time order (up to 61 s earlier' "$tmp/err" ||
    fail "timestamps.csv: no out-of-order warning: $(cat "$tmp/err")"
grep -q '^crm, EMEA  1 record' "$tmp/out" || fail "timestamps.csv: the quoted group is missing"
"$erpsim" calibrate tests/calib/logs/bad/mixed-offsets.csv --tz +01:00 >/dev/null 2>"$tmp/err" ||
    fail "mixed offsets with --tz: exit $?: $(cat "$tmp/err")"

# 3. an eight-week log from a known profile, with a spike and a gap
python3 - "$tmp/log.csv" <<'EOF'
import math, random, sys
random.seed(5)
# 2026-11-02 is a Monday; 600/day, weekdays x1.2, weekends x0.5, office hours
start = 1793577600  # 2026-11-02T00:00:00Z
weekly = [1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5]
diurnal = [0.2] * 7 + [1.0] + [2.2] * 9 + [1.0] + [0.3] * 6
with open(sys.argv[1], "w") as f:
    f.write("timestamp,app\n")
    for d in range(56):
        if d == 30:           # a gap: the export of day 30 is missing
            continue
        boost = 4.0 if d == 17 else 1.0   # a spike on day 17
        for h in range(24):
            rate = 600 * weekly[d % 7] * diurnal[h] / 24 * boost / 3600.0
            t = 0.0
            while True:
                t += random.expovariate(rate)
                if t >= 3600:
                    break
                f.write("%.3f,erp\n" % (start + d * 86400 + h * 3600 + t))
EOF
"$erpsim" calibrate "$tmp/log.csv" --by app >"$tmp/out" 2>"$tmp/err" || fail "8 weeks: exit $?"
grep -q 'spike  2026-11-19 Thu' "$tmp/out" || fail "8 weeks: the spike of day 17 is not listed"
grep -q 'gap    2026-12-02 Wed: no record' "$tmp/out" || fail "8 weeks: the gap of day 30 is not listed"
grep -q 'warning: group erp: 1 day without any record (missing data?) left out' "$tmp/err" ||
    fail "8 weeks: no gap warning: $(cat "$tmp/err")"
"$erpsim" calibrate "$tmp/log.csv" --by app --format json >"$tmp/c.json" 2>/dev/null ||
    fail "8 weeks json: exit $?"
python3 - "$tmp/c.json" <<'EOF' || fail "8 weeks: the JSON does not hold what was simulated"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["format"] == "erpsim-calibration"
g = c["groups"][0]
assert g["name"] == "erp" and g["days"] == 56 and g["days_used"] == 54, (g["days"], g["days_used"])
kinds = {d["date"]: d["kind"] for d in g["days_detail"]}
assert kinds["2026-11-19"] == "spike" and kinds["2026-12-02"] == "gap"
# the weekend weight: 0.5 of a week averaging (5 x 1.2 + 2 x 0.5) / 7 = 1.0
sat = g["weekly"][5]
assert sat["lo"] <= 0.5 <= sat["hi"], sat
assert g["burstiness"]["verdict"] == "poisson"
EOF
"$erpsim" calibrate "$tmp/log.csv" --by app --out "$tmp/res" --quiet >"$tmp/out" 2>/dev/null ||
    fail "--out: exit $?"
[ -s "$tmp/out" ] && fail "--quiet printed on stdout"
for f in report.txt calibration.yaml calibration.json series/calibrate-erp-days.csv \
    series/calibrate-erp-week.csv; do
    [ -s "$tmp/res/$f" ] || fail "--out did not write $f"
done
if command -v gnuplot >/dev/null; then
    [ -s "$tmp/res/charts/calibrate-erp.png" ] || fail "--out did not draw the chart"
fi
ERPSIM_GNUPLOT= "$erpsim" calibrate "$tmp/log.csv" --by app --out "$tmp/res2" --quiet 2>"$tmp/err"
[ $? -eq 4 ] || fail "without gnuplot: exit is not 4"
grep -q 'gnuplot not found' "$tmp/err" || fail "without gnuplot: no warning"
[ -s "$tmp/res2/series/calibrate-erp-days.csv" ] || fail "without gnuplot: no chart data"
# the fragment under a flow of a real scenario passes check
{
    printf 'name: t\nsystems:\n  - id: a\n    kind: generic\n  - id: b\n    kind: generic\n'
    printf 'flows:\n  - id: F-1\n    source: a\n    target: b\n    pattern: batch\n'
    sed -n '/^---$/,$p' "$tmp/res/calibration.yaml" | grep -v '^---$' | sed 's/^/    /'
} >"$tmp/scn.yaml"
out=$("$erpsim" check "$tmp/scn.yaml" 2>&1) || fail "the fragment does not check: $out"

# 4. --into: only the mapped flow's value lines change
cp tests/cli/fixtures/tiny.yaml "$tmp/tiny.yaml"
sum_before=$(cksum <"$tmp/tiny.yaml")
"$erpsim" calibrate "$tmp/log.csv" --by app --into "$tmp/tiny.yaml" --map erp=F-011 \
    --out "$tmp/into" >"$tmp/out" 2>/dev/null || fail "--into: exit $?"
[ "$(cksum <"$tmp/tiny.yaml")" = "$sum_before" ] || fail "--into changed the original"
grep -q 'F-011 <- volume diurnal weekly growth' "$tmp/out" || fail "--into: no summary"
# every line of the original is in the copy, in order, except F-011's volume
diff "$tmp/tiny.yaml" "$tmp/into/tiny.yaml" >"$tmp/diff"
grep '^<' "$tmp/diff" | grep -v '^<     volume: 4k/day$' &&
    fail "--into changed other lines: $(cat "$tmp/diff")"
[ "$(grep -c '^>' "$tmp/diff")" -eq 5 ] || fail "--into: want the volume and 4 arrival lines: $(cat "$tmp/diff")"
out=$("$erpsim" check "$tmp/into/tiny.yaml" 2>&1) || fail "the calibrated scenario does not check: $out"
for bad in "nobody=F-011" "erp=F-999"; do
    "$erpsim" calibrate "$tmp/log.csv" --by app --into "$tmp/tiny.yaml" --map "$bad" \
        --out "$tmp/into-bad" >"$tmp/out" 2>"$tmp/err"
    [ $? -eq 2 ] || fail "--map $bad: exit is not 2"
    [ -e "$tmp/into-bad" ] && fail "--map $bad: wrote $tmp/into-bad"
    [ -s "$tmp/out" ] && fail "--map $bad: printed on stdout"
done
grep -q "no flow 'F-999' in the scenario" "$tmp/err" || fail "--map to a missing flow: $(cat "$tmp/err")"
"$erpsim" calibrate "$tmp/log.csv" --into "$tmp/tiny.yaml" --map erp=F-011 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--into without --out: exit is not 2"
"$erpsim" calibrate "$tmp/log.csv" --by app --into "$tmp/tiny.yaml" --map erp=F-011 \
    --out "$tmp" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "--into over the original: exit is not 2"
[ "$(cksum <"$tmp/tiny.yaml")" = "$sum_before" ] || fail "--out next to the original overwrote it"

# the --out folder is erpsim's, replaced whole: another folder is refused
mkdir -p "$tmp/project" && echo keep >"$tmp/project/notes.txt"
"$erpsim" calibrate "$tmp/log.csv" --out "$tmp/project" --quiet 2>"$tmp/err"
[ $? -eq 2 ] || fail "--out into a folder with other files: exit is not 2"
[ "$(cat "$tmp/project/notes.txt")" = keep ] || fail "--out touched another folder"
[ -e "$tmp/res/.erpsim-results" ] || fail "--out wrote no marker"
# a log's bytes never reach the terminal raw
printf 'timestamp\n2026-11-02T10:00:00Z\n\033[31mred\n' >"$tmp/esc.csv"
"$erpsim" calibrate "$tmp/esc.csv" >/dev/null 2>"$tmp/err"
grep -q "cannot read '\\\\x1b\[31mred'" "$tmp/err" || fail "an escape in a log reached stderr: $(cat -v "$tmp/err")"
grep -q $'\033' "$tmp/err" && fail "an ESC byte reached stderr"
# run --trace-out: its own folder, not the --out one
"$erpsim" run tests/cli/fixtures/tiny.yaml --reps 1 --out "$tmp/r" --trace-out "$tmp/r" \
    --quiet 2>/dev/null
[ $? -eq 2 ] || fail "--trace-out = --out: exit is not 2"
"$erpsim" run tests/cli/fixtures/tiny.yaml --reps 1 --trace-out "$tmp/tr" --quiet ||
    fail "--trace-out: exit $?"
[ "$(head -1 "$tmp/tr/F-010.csv")" = timestamp ] || fail "--trace-out: no header"
[ -e "$tmp/tr/.erpsim-results" ] || fail "--trace-out wrote no marker"

# 5. usage
"$erpsim" calibrate >/dev/null 2>&1
[ $? -eq 2 ] || fail "no log: exit is not 2"
"$erpsim" calibrate --bogus x.csv >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option: exit is not 2"
"$erpsim" calibrate x.csv --format yaml >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad --format: exit is not 2"
"$erpsim" calibrate --help | grep -q '^usage: erpsim calibrate' || fail "--help"
"$erpsim" calibrate /nonexistent.csv 2>"$tmp/err"
[ $? -eq 2 ] || fail "a missing file: exit is not 2"
grep -q '^/nonexistent.csv: error: cannot open' "$tmp/err" || fail "a missing file: $(cat "$tmp/err")"

if [ $failures -gt 0 ]; then
    echo "calibrate.sh: $failures failure(s)" >&2
    exit 1
fi
echo "calibrate.sh: ok"
