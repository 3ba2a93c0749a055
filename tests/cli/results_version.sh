#!/usr/bin/env bash
# results_version.sh - `plot --from` and `report --from` check the
# format_version of results.json (docs/results.md: "A reader checks both"):
# a missing, unknown or newer version is refused with a message naming the
# file, exit 2, and nothing is written; the version run writes reads back.
# Run by ctest from the source root as `bash tests/cli/results_version.sh ERPSIM`.
set -u
erpsim=${1:?usage: results_version.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh

"$erpsim" run tests/cli/fixtures/tiny.yaml --reps 1 --days 1 --no-charts -q --out "$tmp/run" \
    >/dev/null 2>"$tmp/err" || fail "run: $(cat "$tmp/err")"
grep -q '"format_version": 1,' "$tmp/run/results.json" || fail "run does not write format_version 1"

# each doctored copy: the version member's line replaced (or removed)
for case in 'absent|' 'newer|"format_version": 2,' 'zero|"format_version": 0,' \
    'text|"format_version": "1",' 'real|"format_version": 1.5,'; do
    name=${case%%|*}
    line=${case#*|}
    mkdir -p "$tmp/$name"
    if [ -n "$line" ]; then
        sed "s/^ *\"format_version\": 1,\$/ $line/" "$tmp/run/results.json" >"$tmp/$name/results.json"
    else
        grep -v '^ *"format_version": 1,$' "$tmp/run/results.json" >"$tmp/$name/results.json"
    fi
    cmp -s "$tmp/run/results.json" "$tmp/$name/results.json" && fail "$name: the copy was not changed"
    case $name in
    absent) want='has no "format_version"' ;;
    newer) want='has format_version 2, written by a newer erpsim' ;;
    *) want='unknown format_version' ;;
    esac
    for cmd in plot report; do
        opts=-q
        [ $cmd = report ] && opts="-q --no-charts" # plot's only work is charts
        "$erpsim" $cmd --from "$tmp/$name" --out "$tmp/$name-$cmd" $opts \
            >"$tmp/out" 2>"$tmp/err"
        rc=$?
        [ $rc -eq 2 ] || fail "$cmd --from with format_version $name: exit $rc, want 2"
        grep -qF "$want" "$tmp/err" || fail "$cmd --from $name: stderr does not say '$want': $(cat "$tmp/err")"
        grep -qF "$tmp/$name/results.json" "$tmp/err" || fail "$cmd --from $name: the message does not name the file"
        [ -e "$tmp/$name-$cmd" ] && fail "$cmd --from $name wrote $tmp/$name-$cmd"
    done
done

"$erpsim" plot --from "$tmp/run" --out "$tmp/replot" -q >/dev/null 2>"$tmp/err"
rc=$? # 4: gnuplot missing; the file was read
[ $rc -eq 0 ] || [ $rc -eq 4 ] || fail "plot --from the file run wrote: exit $rc: $(cat "$tmp/err")"

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "results_version.sh: all passed"
