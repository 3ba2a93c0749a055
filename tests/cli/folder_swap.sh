#!/usr/bin/env bash
# folder_swap.sh - a results folder is always one run's folder (run by
# ctest from the source root as `bash tests/cli/folder_swap.sh
# path/to/erpsim`; plots/plt_folder.h):
#   1. safety: --out naming a file, a folder with files erpsim did not
#      write, or `.` in such a folder is refused with exit 2 and nothing is
#      touched; an empty folder, an older erpsim folder (only erpsim's
#      names) and a marked one are accepted;
#   2. a rerun replaces the folder whole: old charts do not survive a
#      rerun that draws none;
#   3. gnuplot failing: exit 4, the new results without charts, no
#      staging folder left;
#   4. plot --from DIR redrawing in place with gnuplot failing: exit 4, the
#      charts absent (never the old ones), the data kept;
#   5. kill -9 of erpsim while gnuplot draws (a stand-in gnuplot that
#      sleeps, $ERPSIM_GNUPLOT): the old folder is intact, and the next run
#      removes the staging folder left behind.
# The full-disk case is tests/cli/folder_full.sh.
set -u
erpsim=${1:?usage: folder_swap.sh ERPSIM}
erpsim=$(cd "$(dirname "$erpsim")" && pwd)/$(basename "$erpsim") # used from other folders
tiny=$PWD/tests/cli/fixtures/tiny.yaml
tmp=$(mktemp -d)
sleeper=
trap '[ -n "$sleeper" ] && kill -9 "$sleeper" 2>/dev/null; rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
run() { # run WANT CASE ARGS...: erpsim ARGS, expecting exit WANT
    local want=$1 what=$2
    shift 2
    "$erpsim" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ $rc -eq "$want" ] || fail "$what: exit $rc, want $want: $(head -c 300 "$tmp/err")"
}
no_staging() { # no_staging CASE FOLDER: nothing beside FOLDER but FOLDER
    local left
    left=$(ls -a "$(dirname "$2")" | grep -F ".$(basename "$2").erpsim-" || true)
    [ -z "$left" ] || fail "$1: left behind: $left"
}

# 1. safety
mkdir -p "$tmp/home/docs"
echo "my notes" >"$tmp/home/notes.txt"
run 2 "--out a folder of other files" run "$tiny" --reps 1 --no-charts --out "$tmp/home" --quiet
grep -q "not an erpsim results folder" "$tmp/err" || fail "--out a folder of other files: message '$(cat "$tmp/err")'"
[ "$(cat "$tmp/home/notes.txt")" = "my notes" ] && [ -d "$tmp/home/docs" ] || fail "the folder was touched"
(cd "$tmp/home" && "$erpsim" run "$tiny" --reps 1 --no-charts --out . --quiet 2>/dev/null)
[ $? -eq 2 ] || fail "--out . in a folder of other files: not refused with exit 2"
[ "$(cat "$tmp/home/notes.txt")" = "my notes" ] || fail "--out .: the folder was touched"
echo "a file" >"$tmp/file"
run 2 "--out an existing file" run "$tiny" --reps 1 --no-charts --out "$tmp/file" --quiet
[ "$(cat "$tmp/file")" = "a file" ] || fail "--out an existing file: the file was touched"
no_staging "refused folders" "$tmp/home"
mkdir "$tmp/empty"
run 0 "--out an empty folder" run "$tiny" --reps 1 --no-charts --out "$tmp/empty" --quiet
[ -s "$tmp/empty/results.json" ] && [ -e "$tmp/empty/.erpsim-results" ] || fail "--out an empty folder: no results, no marker"
mkdir -p "$tmp/legacy/series"
echo '{}' >"$tmp/legacy/results.json"
echo 'x' >"$tmp/legacy/summary.txt"
run 0 "--out a folder of an older erpsim" run "$tiny" --reps 1 --no-charts --out "$tmp/legacy" --quiet
(cd "$tmp/empty" && "$erpsim" run "$tiny" --reps 1 --no-charts --out . --quiet)
[ $? -eq 0 ] || fail "--out . in a results folder: refused"

# 2. a rerun replaces the folder whole
res="$tmp/res"
run 0 "first run" run "$tiny" --reps 1 --no-charts --out "$res" --quiet
mkdir -p "$res/charts" && echo stale >"$res/charts/quota.png" && echo old >"$res/summary.txt"
run 0 "rerun" run "$tiny" --reps 2 --no-charts --out "$res" --quiet
[ -e "$res/charts" ] && fail "rerun without charts: the old charts survived"
grep -q "2 replications" "$res/summary.txt" || fail "rerun: summary.txt is not the new run's"
no_staging "rerun" "$res"

# 3. gnuplot failing: the new results, no charts
printf '#!/bin/sh\necho "gnuplot: broken on purpose" >&2\nexit 1\n' >"$tmp/bad-gnuplot"
chmod +x "$tmp/bad-gnuplot"
ERPSIM_GNUPLOT="$tmp/bad-gnuplot" run 4 "gnuplot failing" run "$tiny" --reps 3 --out "$res" --quiet
grep -q "3 replications" "$res/summary.txt" || fail "gnuplot failing: summary.txt is not the new run's"
ls "$res/charts/"*.png >/dev/null 2>&1 && fail "gnuplot failing: charts exist"
[ -z "$(find "$res" -name '.*.tmp')" ] || fail "gnuplot failing: temporary files left: $(find "$res" -name '.*.tmp')"
no_staging "gnuplot failing" "$res"

# 4. plot --from in place: charts that are not drawn again are absent
mkdir -p "$res/charts" && echo stale >"$res/charts/quota.png"
ERPSIM_GNUPLOT="$tmp/bad-gnuplot" run 4 "plot --from, gnuplot failing" plot --from "$res" --quiet
[ -e "$res/charts/quota.png" ] && fail "plot --from: a chart not drawn again is still there (stale)"
[ -s "$res/results.json" ] && [ -s "$res/series/quota.csv" ] && [ -s "$res/summary.txt" ] ||
    fail "plot --from: the results were not kept"
no_staging "plot --from" "$res"

# 5. kill -9 while gnuplot draws
cp -r "$res" "$tmp/before"
cat >"$tmp/slow-gnuplot" <<EOF
#!/bin/sh
echo \$\$ >"$tmp/gnuplot.pid"
exec sleep 60
EOF
chmod +x "$tmp/slow-gnuplot"
rm -f "$tmp/gnuplot.pid"
ERPSIM_GNUPLOT="$tmp/slow-gnuplot" "$erpsim" run "$tiny" --reps 1 --out "$res" --quiet 2>/dev/null &
victim=$!
for _ in $(seq 1 300); do
    [ -s "$tmp/gnuplot.pid" ] && break
    sleep 0.1
done
sleeper=$(cat "$tmp/gnuplot.pid" 2>/dev/null)
[ -n "$sleeper" ] || fail "kill -9: the stand-in gnuplot never started"
kill -9 "$victim"
wait "$victim" 2>/dev/null
[ -n "$sleeper" ] && kill -9 "$sleeper" 2>/dev/null
sleeper=
diff -r "$tmp/before" "$res" >/dev/null || fail "kill -9: the old folder changed"
left=$(ls -a "$tmp" | grep -F ".res.erpsim-tmp." || true)
[ -n "$left" ] || fail "kill -9: no staging folder left to clean (the test did not kill mid-run)"
run 0 "the run after a kill -9" run "$tiny" --reps 1 --no-charts --out "$res" --quiet
no_staging "the run after a kill -9" "$res"

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "ok: results folders are replaced whole, and only erpsim's"
