#!/usr/bin/env bash
# serve_bad.sh - `erpsim serve` against a corpus of malformed and hostile
# requests (tests/cli/serve_bad.py): each gets its 4xx, the server keeps
# answering, never crashes (ctest runs this in the ASan + UBSan build too)
# and exits 143 on SIGTERM. Also the command's own refusals: a non-loopback
# bind without --allow-remote, a bad port, a scenario with problems.
# Skipped (77) without Python 3.
set -u
erpsim=${1:?usage: serve_bad.sh ERPSIM}
tmp=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
. tests/cli/fixtures/needs.sh
. tests/cli/fixtures/serve.sh

"$erpsim" serve --bind 0.0.0.0 --port 0 >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- "--allow-remote" "$tmp/err" || fail "a 0.0.0.0 bind without --allow-remote is not refused"
"$erpsim" serve --port 70000 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--port 70000 is not a usage error"
"$erpsim" serve --bind example.com --allow-remote --port 0 >/dev/null 2>&1
[ $? -eq 2 ] || fail "a host name for --bind is not a usage error"
printf 'name: x\nload: lots\n' >"$tmp/bad.yaml"
"$erpsim" serve "$tmp/bad.yaml" --port 0 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "bad.yaml:2:7: error" "$tmp/err" || fail "a bad scenario is not reported as file:line:column: $(cat "$tmp/err")"

needs python3 || { echo "serve_bad.sh: skipped the requests: python3 not installed"; exit 77; }
serve_start "$erpsim" tests/cli/fixtures/workshop.yaml ||
    { echo "FAIL: serve printed no URL: $(cat "$tmp/err")" >&2; exit 1; }
timeout 300 python3 tests/cli/serve_bad.py "$port" || fail "the corpus of bad requests"
serve_stop
[ $serve_rc -eq 143 ] || fail "serve exited $serve_rc on SIGTERM, want 143 (a crash?): $(tail -5 "$tmp/err")"
[ $failures -eq 0 ] || exit 1
echo "serve_bad.sh: ok"
