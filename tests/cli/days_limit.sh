#!/usr/bin/env bash
# days_limit.sh - `--days` and the scenario's horizon share one limit: the
# largest N that --days takes is the horizon maximum of the schema table (as
# `check --schema-md` documents it), `run --help` names it, N + 1 is refused
# as usage (exit 2). Run by ctest as `bash tests/cli/days_limit.sh ERPSIM`.
set -u
erpsim=${1:?usage: days_limit.sh ERPSIM}
. tests/cli/fixtures/fail.sh

max=$("$erpsim" check --schema-md | sed -n 's/^| `horizon` | duration (> 0, <= \([0-9]*\)d) .*/\1/p')
[ -n "$max" ] || fail "no horizon maximum in days in check --schema-md"
"$erpsim" run --help | grep -q -- "--days N .*1 to $max\b" || fail "run --help does not name 1 to $max"
# advise --no-sim parses the common options and loads the scenario without simulating
"$erpsim" advise --no-sim --days "$max" tests/cli/fixtures/tiny.yaml >/dev/null 2>&1 ||
    fail "--days $max (the schema's limit) is refused"
err=$("$erpsim" advise --no-sim --days "$((max + 1))" tests/cli/fixtures/tiny.yaml 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "--days $((max + 1)): exit $rc, want 2"
case $err in
*"from 1 to $max"*) ;;
*) fail "--days $((max + 1)) does not name the limit: $err" ;;
esac

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "days_limit.sh: all passed (limit $max days)"
