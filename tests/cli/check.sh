#!/usr/bin/env bash
# check.sh - `erpsim check` end to end (run by ctest from the source root as
# `bash tests/cli/check.sh path/to/erpsim`):
#   1. every scenarios/*.yaml, and the compiled-in default, prints "ok", exit 0;
#   2. every bad fixture prints exactly its tests/scenarios/bad/*.expected
#      lines (as "file:line:column: error: message") on stderr, nothing on
#      stdout, exit 2;
#   3. `check --print` output loads back (check says ok) and printing it again
#      gives the same keys and values;
#   4. --set problems name the argument; usage errors exit 2;
#   5. docs/scenarios.md holds the current `check --schema-md` tables;
#   6. the annotated example in docs/scenarios.md is a valid scenario.
set -u
erpsim=${1:?usage: check.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh

# 1. valid scenarios
for f in scenarios/*.yaml; do
    out=$("$erpsim" check "$f" 2>"$tmp/err")
    rc=$?
    [ $rc -eq 0 ] || fail "$f: exit $rc: $(cat "$tmp/err")"
    [ "$out" = "$f: ok" ] || fail "$f: printed '$out'"
done
out=$("$erpsim" check 2>&1)
[ "$out" = "default.yaml: ok" ] || fail "check without a file printed '$out'"
n=$(ls scenarios/*.yaml | wc -l)
"$erpsim" check scenarios/*.yaml >"$tmp/all" 2>&1 || fail "check of all $n scenarios at once failed"
[ "$(grep -c ': ok$' "$tmp/all")" -eq "$n" ] || fail "check of $n files did not print $n oks"

# 2. bad fixtures: exact messages, exit 2, no output on stdout
count=0
for f in tests/scenarios/bad/*.yaml; do
    count=$((count + 1))
    "$erpsim" check "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 2 ] || fail "$f: exit $rc, want 2"
    [ -s "$tmp/out" ] && fail "$f: printed on stdout: $(cat "$tmp/out")"
    sed -E 's/^([^:]+:[0-9]+:[0-9]+): /\1: error: /' "${f%.yaml}.expected" >"$tmp/want"
    cmp -s "$tmp/err" "$tmp/want" || fail "$f: stderr differs:
$(diff "$tmp/want" "$tmp/err")"
done
[ $count -ge 30 ] || fail "only $count bad fixtures"
# a mix of a good and a bad file: every file is reported, exit 2
"$erpsim" check scenarios/default.yaml tests/scenarios/bad/enum-typo.yaml >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "a good and a bad file: exit is not 2"
grep -q '^scenarios/default.yaml: ok$' "$tmp/out" || fail "the good file was not reported ok"

# 3. --print round trip (the prints stand in $tmp: the files scenarios name
#    relative to scenarios/ are found through a link to scenarios/data)
ln -s "$PWD/scenarios/data" "$tmp/data"
strip() { sed -E 's/[[:space:]]+# (file|--set|built-in|preset|inherited|derived).*$//' "$1" | grep -v '^#'; }
for f in scenarios/*.yaml; do
    "$erpsim" check --print "$f" >"$tmp/p1.yaml" 2>"$tmp/err" || fail "--print $f: $(cat "$tmp/err")"
    out=$("$erpsim" check "$tmp/p1.yaml" 2>&1) || fail "the print of $f does not check: $out"
    "$erpsim" check --print "$tmp/p1.yaml" >"$tmp/p2.yaml" 2>&1 || fail "--print of the print of $f"
    strip "$tmp/p1.yaml" >"$tmp/s1"
    strip "$tmp/p2.yaml" >"$tmp/s2"
    cmp -s "$tmp/s1" "$tmp/s2" || fail "printing the print of $f changes values:
$(diff "$tmp/s1" "$tmp/s2" | head -20)"
done
"$erpsim" check --print --set flows.F-002.volume=150k/day >"$tmp/p.yaml" || fail "--print --set"
grep -Eq '^    volume: 6250/h +# --set$' "$tmp/p.yaml" || fail "--print does not mark the --set value"
grep -Eq 'daily_limit: 100k +# preset salesforce \(REFERENCE.md A1' "$tmp/p.yaml" ||
    fail "--print does not cite the preset"

# 4. --set problems and usage
err=$("$erpsim" check --set flows.F-002.volume=-5/day 2>&1)
rc=$?
[ $rc -eq 2 ] || fail "bad --set: exit $rc"
[ "$err" = "--set flows.F-002.volume=-5/day: error: volume: rate must not be negative, got '-5/day'" ] ||
    fail "bad --set printed '$err'"
"$erpsim" check --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "an unknown option does not exit 2"
"$erpsim" check --print a.yaml b.yaml >/dev/null 2>&1
[ $? -eq 2 ] || fail "--print of two files does not exit 2"
"$erpsim" check "$tmp/missing.yaml" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "a missing file does not exit 2"
grep -q "cannot open" "$tmp/err" || fail "a missing file: $(cat "$tmp/err")"

# 5. the docs hold the generated key tables
"$erpsim" check --schema-md >"$tmp/schema.md" || fail "--schema-md"
sed -n '/^<!-- BEGIN schema-md/,/^<!-- END schema-md/p' docs/scenarios.md | sed '1d;$d' >"$tmp/docs.md"
cmp -s "$tmp/schema.md" "$tmp/docs.md" || fail "docs/scenarios.md is out of date: regenerate the
tables between the schema-md markers with 'erpsim check --schema-md'"

# 6. the annotated example in the docs is a valid scenario
sed -n '/^<!-- BEGIN example -->/,/^<!-- END example -->/p' docs/scenarios.md | sed '1,2d;$d' |
    sed '$d' >"$tmp/example.yaml"
out=$("$erpsim" check "$tmp/example.yaml" 2>&1) || fail "the docs example does not check: $out"

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "check.sh: all passed ($count bad fixtures, $n scenarios)"
