#!/usr/bin/env bash
# check_warnings.sh - `erpsim check` prints warnings and still succeeds (run
# by ctest from the source root as `bash tests/cli/check_warnings.sh
# path/to/erpsim`): a value that is valid but probably a mistake is printed
# on stderr as "file:line:column: warning: message", the file is "ok" on
# stdout and the exit code is 0. Example scenarios and the compiled-in
# default print no warning at all.
set -u
erpsim=${1:?usage: check_warnings.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh

cat >"$tmp/monthly.yaml" <<'YAML'
horizon: 7d
systems:
  - id: erp
    bulk: {enabled: true}
  - id: dwh
flows:
  - id: F-1
    source: dwh
    target: erp
    volume: 100/day
    pattern: batch
    batch:
      schedule: monthly last-weekday 22:00
      window: 2h
YAML
out=$("$erpsim" check "$tmp/monthly.yaml" 2>"$tmp/err")
rc=$?
[ $rc -eq 0 ] || fail "a warning changed the exit code to $rc"
[ "$out" = "$tmp/monthly.yaml: ok" ] || fail "stdout was '$out'"
grep -q "^$tmp/monthly.yaml:13:17: warning: flow 'F-1' schedule 'monthly last-weekday 22:00' never starts within the 1w horizon" "$tmp/err" ||
    fail "no positioned warning on stderr: $(cat "$tmp/err")"

for f in scenarios/*.yaml; do
    "$erpsim" check "$f" >/dev/null 2>"$tmp/err" || fail "$f does not check"
    [ -s "$tmp/err" ] && fail "$f warns: $(cat "$tmp/err")"
done
"$erpsim" check >/dev/null 2>"$tmp/err" || fail "the default does not check"
[ -s "$tmp/err" ] && fail "the default scenario warns: $(cat "$tmp/err")"

if [ "$failures" -gt 0 ]; then
    echo "check_warnings.sh: $failures failure(s)" >&2
    exit 1
fi
echo "check_warnings.sh: ok"
