#!/usr/bin/env bash
# advise.sh - `erpsim advise` end to end (run by ctest from the source root as
# `bash tests/cli/advise.sh path/to/erpsim`):
#   1. on the default scenario: exit 0, the three flows F-001..F-003 listed with
#      the branch each takes, and the card's audit table as the answer
#      (F-001 event-driven, F-002 batch (bulk), F-003 real-time), all agreeing
#      with the declared patterns, no anti-pattern warning;
#   2. with the simulation: exit 0 whether or not every pattern can be
#      simulated yet; the section says which (a table, or "could not run: why");
#   3. --format json is valid JSON with the same answers;
#   4. a scenario with anti-patterns: the warnings are named by id, the
#      recommended switch is listed; --fail-on-violation exits as `run
#      --fail-on-violation` does on the declared assignment (the one
#      verdict), and with --no-sim it is a usage error (nothing to judge);
#   5. every anti-pattern id of the catalogue is documented;
#   6. usage errors and bad input exit 2.
set -u
erpsim=${1:?usage: advise.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
. tests/cli/fixtures/needs.sh
has() { # has FILE TEXT: the file contains the fixed string
    grep -qF -- "$2" "$1" || fail "$1 lacks: $2"
}

# 1. the default scenario, advice only
"$erpsim" advise --no-sim >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "advise --no-sim exited $rc: $(cat "$tmp/err")"
for id in F-001 F-002 F-003; do
    grep -q "^$id  " "$tmp/out" || fail "flow $id is not listed"
done
has "$tmp/out" "├── Is someone actively waiting for the result? no"
has "$tmp/out" "Records per day? 500 (<= 1,000) → EVENT-DRIVEN"
has "$tmp/out" "Volume per run? 50,000 records (2,000-150,000) → BULK API (single job)"
has "$tmp/out" "Is it a financial-impact or compliance decision? yes → REAL-TIME (synchronous API call)"
has "$tmp/out" "└── Bidirectional sync needed? no → Proceed with chosen pattern"
has "$tmp/out" "recommended: EVENT-DRIVEN [event]; declared: event: agrees"
has "$tmp/out" "recommended: BULK API (single job) [bulk]; declared: batch (bulk): agrees"
has "$tmp/out" "recommended: REAL-TIME (synchronous API call) [realtime]; declared: realtime: agrees"
has "$tmp/out" "anti-patterns and pitfalls: 0 warnings"
has "$tmp/out" "not run (--no-sim)"
# the branch of each flow is printed under its own header, in order
awk '/^F-00[123]  /{f=$1} /→ EVENT-DRIVEN$/{e=f} /→ BULK API/{b=f} /→ REAL-TIME/{r=f}
     END{exit !(e=="F-001" && b=="F-002" && r=="F-003")}' "$tmp/out" ||
    fail "the leaves are not under F-001 (event), F-002 (bulk), F-003 (real-time)"

# 2. with the simulation (small): exit 0 and an explicit outcome
"$erpsim" advise --reps 2 --days 1 >"$tmp/sim" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "advise with simulation exited $rc: $(cat "$tmp/err")"
has "$tmp/sim" "simulation: declared vs recommended assignment, 2 replications"
if ! grep -q "^  flow    metric" "$tmp/sim" && ! grep -q "the simulation could not run: ." "$tmp/sim"; then
    fail "the simulation section shows neither a table nor why it could not run"
fi

# 3. JSON
"$erpsim" advise --no-sim --format json >"$tmp/json" 2>"$tmp/err" || fail "json exited $?"
if needs python3; then
    python3 - "$tmp/json" <<'EOF' || fail "the JSON output is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
rec = {f["id"]: (f["recommended"], f["agreement"]) for f in d["flows"]}
want = {"F-001": ("event", "agrees"), "F-002": ("bulk", "agrees"),
        "F-003": ("realtime", "agrees")}
assert rec == want, rec
assert all(x["severity"] == "note" for x in d["findings"]), d["findings"]
assert d["simulation"]["skipped"] == "--no-sim"
EOF
fi

# 4. a scenario with anti-patterns
cat >"$tmp/bad.yaml" <<'EOF'
name: antipatterns
horizon: 1d
replications: 2
systems:
  - id: web
  - id: erp
    api: {daily_limit: 12k}
callers:
  - id: app
flows:
  - id: F-1
    source: web
    target: erp
    volume: 200/day
    pattern: realtime
    caller: app
    decision: {someone_waiting: true, financial_or_compliance: true}
    realtime: {breaker: {enabled: true}, fallback: queue}
  - id: F-2
    source: web
    target: erp
    volume: 9000/day
    pattern: realtime
    caller: app
    decision: {scheduled: true}
EOF
"$erpsim" advise "$tmp/bad.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "advise of a scenario with anti-patterns exited $rc: $(cat "$tmp/err")"
has "$tmp/out" "warning AP-REALTIME-HIGH-VOLUME"
has "$tmp/out" "warning AP-REALTIME-NO-BREAKER"
has "$tmp/out" "warning AP-QUOTA-HEADROOM"
has "$tmp/out" "recommended: BULK API (single job) [bulk]; declared: realtime: differs"
has "$tmp/out" "switched F-2: realtime -> batch"
"$erpsim" advise "$tmp/bad.yaml" --no-sim --fail-on-violation >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] || fail "--fail-on-violation with --no-sim exited $rc, not 2"
for s in "$tmp/bad.yaml" scenarios/default.yaml; do
    "$erpsim" run "$s" --reps 2 --days 2 --fail-on-violation --quiet --no-variants >/dev/null 2>&1
    want=$?
    "$erpsim" advise "$s" --reps 2 --days 2 --fail-on-violation --quiet >/dev/null 2>&1
    rc=$?
    [ $rc -eq $want ] || fail "advise --fail-on-violation on $s exited $rc, run $want"
done

# 5. every detector of models/mdl_advise.c is documented (planning-advise.md,
#    or planning.md once merged)
ids=$(grep -o '{"AP-[A-Z-]*"' models/mdl_advise.c | tr -d '{"' | sort -u)
[ -n "$ids" ] || fail "no AP- ids found in models/mdl_advise.c"
for id in $ids; do
    grep -qsF -- "$id" docs/planning-advise.md docs/planning.md || fail "$id is not documented"
done

# 6. usage errors and bad input
for args in "--format csv" "--bogus" "a.yaml b.yaml" "--set flows.F-001.volume=-5/day" \
    "$tmp/missing.yaml"; do
    # shellcheck disable=SC2086
    "$erpsim" advise $args --no-sim >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 2 ] || fail "advise $args exited $rc, not 2"
    [ -s "$tmp/err" ] || fail "advise $args printed no error"
    [ -s "$tmp/out" ] && fail "advise $args printed on stdout"
done

if [ $failures -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
exit_if_skipped advise.sh
echo "advise.sh: ok"
