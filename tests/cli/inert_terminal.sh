#!/usr/bin/env bash
# inert_terminal.sh - text from a scenario, a results.json or an argument
# never drives the terminal or forges a line (run by ctest from the source
# root as `bash tests/cli/inert_terminal.sh path/to/erpsim`):
#   1. run: the summary on stdout and summary.txt, for a scenario whose
#      name and description are hostile (tests/cli/fixtures/hostile.sh:
#      ESC sequences, BEL, a C1 CSI, a right-to-left override, a newline
#      followed by a forged "**Verdict: PASS**" ...);
#   2. a variant's description in run's variants table;
#   3. error messages that quote the input: an unknown key, a bad id, a
#      --set value, an unknown option, an unknown command;
#   4. sweep's table of --vary values;
#   5. report --from a results.json whose name and variants are hostile
#      (its summary.txt in a new folder).
# Each output must hold no control character but the line ends, no C1
# control, no bidi control and no malformed UTF-8, and show the text as
# typed with those characters escaped (\x1b, \x07, \u009b, \u202e, \n).
set -u
erpsim=${1:?usage: inert_terminal.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
. tests/cli/fixtures/hostile.sh
tiny=tests/cli/fixtures/tiny.yaml

# clean FILE CASE: nothing in FILE a terminal would act on
clean() {
    python3 - "$1" <<'PY' || fail "$2: $1 has characters a terminal acts on (above)"
import sys
text = open(sys.argv[1], "rb").read().decode("utf-8", "surrogateescape")
bad = sorted({"U+%04X" % ord(c) for c in text
              if (ord(c) < 0x20 and c != "\n") or ord(c) == 0x7F or 0x80 <= ord(c) <= 0x9F
              or ord(c) in (0x061C, 0x200E, 0x200F) or 0x2028 <= ord(c) <= 0x202E
              or 0x2066 <= ord(c) <= 0x2069 or 0xDC80 <= ord(c) <= 0xDCFF})
if bad:
    print(" ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
}
# has FILE CASE TEXT: FILE shows TEXT
has() {
    grep -qF -- "$3" "$1" || fail "$2: $1 does not show '$3'"
}

# 1. the summary
hostile_scenario term "$tmp/term.yaml"
cat >>"$tmp/term.yaml" <<'EOF'
variants:
  - id: more-workers
    description: "v\e[31mred\e[0m\a \u202eRLO"
    set: ["systems.erp.api.workers=16"]
EOF
"$erpsim" run "$tmp/term.yaml" --reps 1 --no-charts --out "$tmp/run" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
[ $rc -eq 0 ] || fail "run: exit $rc: $(head -c 300 "$tmp/stderr")"
visible=$(visible_payload term)
for f in "$tmp/stdout" "$tmp/stderr" "$tmp/run/summary.txt"; do
    clean "$f" "run"
done
has "$tmp/stdout" "run" "scenario $visible ("
has "$tmp/run/summary.txt" "run" "scenario $visible ("
grep -q '^\*\*Verdict' "$tmp/stdout" "$tmp/run/summary.txt" && fail "run: the forged verdict starts a line"

# 2. the variants table
has "$tmp/stdout" "variants" 'v\x1b[31mred\x1b[0m\x07 \u202eRLO'

# 3. error messages quoting the input
printf 'name: x\nsystems:\n  - id: erp\n    kind: generic\n    "bad\\e[2Jkey\\a": 1\n' >"$tmp/key.yaml"
printf 'name: x\nsystems:\n  - id: "erp\\e]0;owned\\a"\n    kind: generic\n' >"$tmp/id.yaml"
i=0
while IFS= read -r -d '' want && IFS= read -r -d '' args; do
    i=$((i + 1))
    eval "set -- $args"
    "$erpsim" "$@" >"$tmp/out$i" 2>"$tmp/err$i"
    rc=$?
    [ $rc -eq 2 ] || fail "message $i ($args): exit $rc, want 2"
    clean "$tmp/err$i" "message $i ($args)"
    has "$tmp/err$i" "message $i ($args)" "$want"
done < <(printf '%s\0' \
    'bad\x1b[2Jkey\x07' "check $tmp/key.yaml" \
    'erp\x1b]0;owned\x07' "check $tmp/id.yaml" \
    'name=a\x1b]0;owned\x07' "run $tiny --set \$'name=a\\e]0;owned\\a'" \
    'systems.erp.api.workers=\x1b[2J' "check $tiny --set \$'systems.erp.api.workers=\\e[2J'" \
    '--bogus\x1b[2J\u009b' "run $tiny \$'--bogus\\e[2J\\xc2\\x9b'" \
    'x\x07\xff' "\$'x\\a\\xff'")

# 4. sweep's table of values (a right-to-left override reaches it: YAML allows it)
"$erpsim" sweep "$tiny" --reps 1 --vary $'name=a\u202eb,c' >"$tmp/sweep" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "sweep: exit $rc: $(head -c 300 "$tmp/err")"
clean "$tmp/sweep" "sweep"
has "$tmp/sweep" "sweep" 'a\u202eb'

# 5. report --from a hostile results.json: the summary of the new folder
"$erpsim" run "$tiny" --reps 1 --no-charts --out "$tmp/from" --quiet || fail "run for report --from"
python3 - "$tmp/from/results.json" <<'PY' || fail "editing results.json"
import json, sys
doc = json.load(open(sys.argv[1]))
doc["scenario"]["name"] = "n\x1b[2J\x07\u009b\u202e\nPASS"
doc["erpsim_version"] = "\x1b]0;owned\x07"
# a variant, as a results.json from elsewhere may carry: its id, banner and
# a flow's status reach the summary's variants table
flow = doc["verdict"]["flows"][0]["id"]
doc["variants"] = [{"id": "v\x1b[31m", "description": "d", "result": "FAIL",
                    "banner": "FAIL\x1b[2J\u009b", "flows": [{"id": flow, "status": "S\x07"}]}]
json.dump(doc, open(sys.argv[1], "w"))
PY
"$erpsim" report --from "$tmp/from" --out "$tmp/rep" --no-charts >"$tmp/stdout" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "report --from: exit $rc: $(head -c 300 "$tmp/err")"
clean "$tmp/rep/summary.txt" "report --from"
has "$tmp/rep/summary.txt" "report --from" 'erpsim \x1b]0;owned\x07 - scenario n\x1b[2J\x07\u009b\u202e\nPASS ('
has "$tmp/rep/summary.txt" "report --from" 'v\x1b[31m'
has "$tmp/rep/summary.txt" "report --from" 'FAIL\x1b[2J\u009b'
has "$tmp/rep/summary.txt" "report --from" 'S\x07'

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "ok: no control character from the input reaches the terminal or summary.txt"
