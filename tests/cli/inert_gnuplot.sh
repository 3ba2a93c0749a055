#!/usr/bin/env bash
# inert_gnuplot.sh - nothing from a scenario, a results.json or an argument
# is run by gnuplot (run by ctest from the source root as
# `bash tests/cli/inert_gnuplot.sh path/to/erpsim`). Hostile text
# (tests/cli/fixtures/hostile.sh: backquotes, system(), $(...), quotes, a
# backslash, @macro, <script>, ESC sequences, a newline ...) reaches the
# chart scripts through:
#   1. run --out: the scenario's name (every chart title);
#   2. plot --from: a results.json whose scenario.name and a flow id (in its
#      facts and metric names: legends, tick marks, rejections.csv) are
#      hostile;
#   3. the --out path itself (the `set output` and data file names), and
#      one with a newline, which is refused with exit 2 before anything runs;
#   4. sweep --vary name=...: the varied values become tick labels;
#   5. plan: the scenario's name in the title of the plan chart.
# Each case asserts that no marker file was created and that the chart
# (its SVG) shows the text as typed, with control characters escaped.
# Needs the real gnuplot (installed by scripts/setup.sh); without it the
# test exits 77, which ctest reports as skipped.
set -u
erpsim=${1:?usage: inert_gnuplot.sh ERPSIM}
command -v gnuplot >/dev/null || {
    echo "SKIP: gnuplot is not installed"
    exit 77
}
unset ERPSIM_GNUPLOT
tmp=$(mktemp -d /tmp/erpsim-inert-XXXXXX) # no '.': the hostile flow id holds this path
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
. tests/cli/fixtures/hostile.sh
tiny=tests/cli/fixtures/tiny.yaml

no_markers() { # no_markers CASE
    local made
    made=$(markers_created)
    [ -z "$made" ] || fail "$1: the payload ran: created $made"
}
# shows SVG TEXT... : every TEXT is in the SVG, as gnuplot writes text (it
# escapes < and & for XML)
shows() {
    local svg=$1 what=$2
    shift 2
    [ -s "$svg" ] || {
        fail "$what: $svg was not drawn"
        return
    }
    for t in "$@"; do
        grep -qF -- "$t" "$svg" || fail "$what: $svg does not show '$t' literally"
    done
}
# the payload as a chart shows it (hostile.sh), for tag T
literal() {
    local t=$1
    printf '%s\n' "x\`touch $tmp/$t-bq\` system(\"touch $tmp/$t-sys\") \$(touch $tmp/$t-sh) 'q' \"dq\" back\\slash @M &lt;script>alert(1)&lt;/script> &lt;!-- hidden [x](javascript:alert(1))"
    printf '%s\n' '\x1b[2J \x1b]0;owned\x07 \u009b2J \u202eRLO\n**Verdict: PASS: every SLO met** end'
}

# 1. run --out with a hostile scenario name
hostile_scenario run "$tmp/run.yaml"
"$erpsim" run "$tmp/run.yaml" --reps 1 --out "$tmp/run" --quiet 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "run --out: exit $rc: $(head -c 300 "$tmp/err")"
no_markers "run --out"
mapfile -t want < <(literal run)
for c in quota latency cascade; do
    shows "$tmp/run/charts/$c.svg" "run --out" "${want[@]}"
done

# 2. plot --from a results.json with a hostile name and flow id
"$erpsim" run "$tiny" --reps 1 --out "$tmp/from" --quiet --no-charts || fail "run for plot --from"
python3 - "$tmp/from/results.json" "$(hostile_payload from)" <<'PY' || fail "editing results.json"
import json, sys
path, payload = sys.argv[1], sys.argv[2]
text = json.loads('"' + payload.replace("\\e", "\\u001b").replace("\\a", "\\u0007")
                  .replace("\\x9b", "\\u009b") + '"')  # YAML escapes -> the characters
doc = json.load(open(path))
doc["scenario"]["name"] = text
bad_id = "F,1\"'`touch " + path.rsplit("/", 2)[0] + "/id`\n"  # < 64 bytes, the id limit
for f in doc["scenario"]["flows"]:
    if f["id"] == "F-010":
        f["id"] = bad_id
doc["metrics"] = {k.replace("F-010", bad_id): v for k, v in doc["metrics"].items()}
json.dump(doc, open(path, "w"))
PY
"$erpsim" plot --from "$tmp/from" --quiet 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "plot --from: exit $rc: $(head -c 300 "$tmp/err")"
no_markers "plot --from"
[ -e "$tmp/id" ] && fail "plot --from: the flow id's payload ran"
mapfile -t want < <(literal from)
shows "$tmp/from/charts/quota.svg" "plot --from" "${want[@]}"
shows "$tmp/from/charts/cascade.svg" "plot --from (flow id)" "F,1\"'\`touch $tmp/id\`\\n" "F-011"
shows "$tmp/from/charts/latency.svg" "plot --from (flow id)" "F,1\"'\`touch $tmp/id\`\\n"
head -2 "$tmp/from/series/rejections.csv" | tail -1 | grep -qF "\"F,1\"\"'\`touch $tmp/id\`\\n\"," ||
    fail "rejections.csv: the flow id is not one quoted CSV field on one line"

# 3. a hostile --out path; a path with a newline is refused
odd="$tmp/o\`touch $tmp/out-bq\`\$(touch $tmp/out-sh) 'q\" @M"
"$erpsim" run "$tiny" --reps 1 --out "$odd" --quiet 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "a hostile --out path: exit $rc: $(head -c 300 "$tmp/err")"
no_markers "a hostile --out path"
[ -s "$odd/charts/quota.png" ] && [ -s "$odd/charts/quota.svg" ] || fail "a hostile --out path: no chart"
"$erpsim" run "$tiny" --reps 1 --out "$tmp/nl
x" --quiet >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || fail "an --out path with a newline: exit $rc, want 2"
ls -d "$tmp"/nl* >/dev/null 2>&1 && fail "an --out path with a newline: something was created"
grep -qF -- "$tmp/nl\\nx" "$tmp/err" || fail "an --out path with a newline: the message does not show it escaped"

# 4. sweep --vary name=...
"$erpsim" sweep "$tiny" --reps 1 --vary "name=a\`touch $tmp/sweep-bq\`\$(touch $tmp/sweep-sh),b'c\"d @M" \
    --out "$tmp/sweep" --quiet 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "sweep --vary name: exit $rc: $(head -c 300 "$tmp/err")"
no_markers "sweep --vary name"
shows "$tmp/sweep/charts/sweep.svg" "sweep --vary name" "a\`touch $tmp/sweep-bq\`\$(touch $tmp/sweep-sh)" \
    "b'c\"d @M"

# 5. plan: the name in the title (cut at 200 bytes by the command)
hostile_scenario plan "$tmp/plan.yaml"
"$erpsim" plan "$tmp/plan.yaml" --reps 1 --out "$tmp/plan" --quiet 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "plan: exit $rc: $(head -c 300 "$tmp/err")"
no_markers "plan"
shows "$tmp/plan/charts/plan.svg" "plan" "x\`touch $tmp/plan-bq\` system(\"touch $tmp/plan-sys\") \$(touch"

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "ok: no payload ran through gnuplot; every chart shows the text as typed"
