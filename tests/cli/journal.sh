#!/usr/bin/env bash
# journal.sh - `--journal DIR` end to end (run by ctest from the source root
# as `bash tests/cli/journal.sh path/to/erpsim`):
#   1. a sweep with a journal prints what it prints without one, and the
#      same command again reads every replication from the journal and
#      prints the same bytes;
#   2. a sweep killed (SIGKILL: no clean-up at all) midway and run again
#      with the same journal resumes - it reads what was finished - and
#      prints the bytes of the uninterrupted run;
#   3. a damaged replication file is run again, the output unchanged; one
#      that cannot be written fails the command, exit 5;
#   4. a journal of another study is refused, exit 2, nothing on stdout:
#      another seed, another scenario (the file edited), another command,
#      a folder that holds other files;
#   5. run and plan resume to the same output too.
# Outputs are compared as CSV/JSON: the text table says how long it ran.
set -u
erpsim=${1:?usage: journal.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
fx=tests/cli/fixtures/tiny.yaml
sweep=(sweep "$fx" --reps 6 --days 30 --vary load=1x,2x --format csv)

# 1. same output with a journal, and again from it
"$erpsim" "${sweep[@]}" >"$tmp/ref" 2>"$tmp/err" || fail "reference sweep: $(cat "$tmp/err")"
"$erpsim" "${sweep[@]}" --journal "$tmp/j1" >"$tmp/out1" 2>"$tmp/err" ||
    fail "sweep with a new journal: $(cat "$tmp/err")"
cmp -s "$tmp/ref" "$tmp/out1" || fail "a journal changed the sweep's output"
[ "$(ls "$tmp/j1" | grep -c '\.rep$')" -eq 12 ] || fail "journal: not 2 points x 6 replications"
"$erpsim" "${sweep[@]}" --journal "$tmp/j1" --threads 1 >"$tmp/out2" 2>"$tmp/err" ||
    fail "sweep from a full journal: $(cat "$tmp/err")"
cmp -s "$tmp/ref" "$tmp/out2" || fail "the output read back from the journal differs"
grep -q '^erpsim: 12 replications read from the journal' "$tmp/err" ||
    fail "a full journal was not read: $(cat "$tmp/err")"

# 2. killed midway, resumed. One thread: replications end one at a time,
# so the kill lands between two of them, with some done and some not.
"$erpsim" "${sweep[@]}" --threads 1 --journal "$tmp/j2" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do
    [ "$(ls "$tmp/j2" 2>/dev/null | grep -c '\.rep$')" -ge 3 ] && break
    sleep 0.05
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
done_before=$(ls "$tmp/j2" | grep -c '\.rep$')
if [ "$done_before" -lt 3 ] || [ "$done_before" -ge 12 ]; then
    fail "kill: $done_before of 12 replications were journalled (the test needs some, not all)"
fi
"$erpsim" "${sweep[@]}" --journal "$tmp/j2" >"$tmp/out3" 2>"$tmp/err" ||
    fail "resumed sweep: $(cat "$tmp/err")"
cmp -s "$tmp/ref" "$tmp/out3" || fail "the resumed sweep's output differs from the uninterrupted one"
grep -q "^erpsim: $done_before replications read from the journal" "$tmp/err" ||
    fail "the resume did not read the $done_before finished replications: $(cat "$tmp/err")"

# 3. a damaged file is run again
f=$(ls "$tmp/j1"/*.rep | head -1)
head -c 100 "$f" >"$f.cut" && mv "$f.cut" "$f"
"$erpsim" "${sweep[@]}" --journal "$tmp/j1" >"$tmp/out4" 2>"$tmp/err" ||
    fail "sweep with a damaged journal file: $(cat "$tmp/err")"
cmp -s "$tmp/ref" "$tmp/out4" || fail "a damaged journal file changed the output"
grep -q '^erpsim: 11 replications read from the journal' "$tmp/err" ||
    fail "the damaged file was not run again: $(cat "$tmp/err")"

# a replication that cannot be written (its file's name taken by a
# folder) fails the command with exit 5 (a file could not be written)
f=$(ls "$tmp/j1"/*.rep | tail -1)
rm "$f" && mkdir "$f"
"$erpsim" "${sweep[@]}" --journal "$tmp/j1" >"$tmp/out5" 2>"$tmp/err"
rc=$?
[ $rc -eq 5 ] || fail "an unwritable journal file: exit $rc, want 5 ($(cat "$tmp/err"))"
[ -s "$tmp/out5" ] && fail "an unwritable journal file: wrote on stdout"
rmdir "$f"

# 4. another study's journal is refused
refused() { # WHAT PATTERN ARGS...
    local what=$1 pattern=$2
    shift 2
    "$erpsim" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ $rc -eq 2 ] || fail "$what: exit $rc, want 2"
    [ -s "$tmp/out" ] && fail "$what: wrote on stdout"
    grep -q "$pattern" "$tmp/err" || fail "$what: message: $(cat "$tmp/err")"
}
refused "another seed" "was made for another erpsim version, command or arguments" \
    "${sweep[@]}" --seed 7 --journal "$tmp/j1"
refused "another command" "made for another" run "$fx" --journal "$tmp/j1"
cp "$fx" "$tmp/edited.yaml"
"$erpsim" sweep "$tmp/edited.yaml" --reps 2 --vary load=1x,2x --format csv --journal "$tmp/j3" \
    >/dev/null 2>&1 || fail "sweep of a copy of the scenario"
sed -i 's/latency_p50: 150ms/latency_p50: 160ms/' "$tmp/edited.yaml"
refused "an edited scenario" "was made for another scenario or seed" \
    sweep "$tmp/edited.yaml" --reps 2 --vary load=1x,2x --format csv --journal "$tmp/j3"
mkdir "$tmp/notes" && echo hello >"$tmp/notes/todo.txt"
refused "a folder of other files" "folder with files but no journal.txt" \
    "${sweep[@]}" --journal "$tmp/notes"
[ "$(cat "$tmp/notes/todo.txt")" = hello ] || fail "the folder of other files was touched"

# 5. run and plan
for cmd in "run $fx --reps 3 --format json" "plan $fx --reps 2 --days 2 --format json"; do
    # shellcheck disable=SC2086
    "$erpsim" $cmd >"$tmp/ref" 2>"$tmp/err" || fail "$cmd: $(cat "$tmp/err")"
    rm -rf "$tmp/j4"
    # shellcheck disable=SC2086
    "$erpsim" $cmd --journal "$tmp/j4" >"$tmp/out" 2>&1 || fail "$cmd --journal"
    # shellcheck disable=SC2086
    "$erpsim" $cmd --journal "$tmp/j4" >"$tmp/out2" 2>"$tmp/err" || fail "$cmd resumed"
    cmp -s "$tmp/ref" "$tmp/out" || fail "$cmd: a journal changed the output"
    cmp -s "$tmp/ref" "$tmp/out2" || fail "$cmd: the resumed output differs"
    grep -q 'read from the journal' "$tmp/err" || fail "$cmd: nothing read from the journal"
done

[ $failures -eq 0 ] || exit 1
echo "journal: ok"
