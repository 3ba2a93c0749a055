#!/usr/bin/env bash
# folder_full.sh - a full disk while writing a results folder (run by ctest
# from the source root as `bash tests/cli/folder_full.sh path/to/erpsim`):
# on a small tmpfs that holds one results folder but not two, a rerun into
# the same folder fails with exit 5 (an I/O failure), the old folder is
# intact, and nothing is left beside it; so does `report`; `run --format
# json` with TMPDIR there prints nothing. Mounting needs
# root: otherwise, or when the mount fails (a container without the
# right), the test exits 77, which ctest reports as skipped.
set -u
erpsim=${1:?usage: folder_full.sh ERPSIM}
tiny=tests/cli/fixtures/tiny.yaml
[ "$(id -u)" -eq 0 ] || {
    echo "SKIP: mounting a tmpfs needs root"
    exit 77
}
tmp=$(mktemp -d)
disk="$tmp/disk"
mkdir "$disk"
mount -t tmpfs -o size=1000k erpsim-test "$disk" 2>/dev/null || {
    rmdir "$disk"
    rm -rf "$tmp"
    echo "SKIP: cannot mount a tmpfs here"
    exit 77
}
trap 'umount "$disk"; rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh

# one results folder (about 600 KB with one replication) fits, two do not
"$erpsim" run "$tiny" --reps 1 --no-charts --out "$disk/res" --quiet || fail "the first run"
cp -r "$disk/res" "$tmp/before"
for cmd in run report; do
    "$erpsim" $cmd "$tiny" --reps 2 --no-charts --out "$disk/res" --quiet 2>"$tmp/err"
    rc=$?
    [ $rc -eq 5 ] || fail "$cmd on a full disk: exit $rc, want 5: $(head -c 300 "$tmp/err")"
    grep -q "No space left" "$tmp/err" || fail "$cmd on a full disk: message '$(head -c 300 "$tmp/err")'"
    diff -r "$tmp/before" "$disk/res" >/dev/null || fail "$cmd on a full disk: the old folder changed"
    left=$(ls -A "$disk" | grep -v '^res$' || true)
    [ -z "$left" ] || fail "$cmd on a full disk: left behind: $left"
done

# run --format json streams through a temporary file in $TMPDIR before it
# prints: on a full disk, exit 5 and nothing at all on stdout (the JSON of
# the default scenario, about 590 KB for 3 replications of 2 days, does not
# fit beside the folder)
TMPDIR="$disk" "$erpsim" run --reps 3 --days 2 --format json >"$tmp/json" 2>"$tmp/err"
rc=$?
[ $rc -eq 5 ] || fail "--format json on a full disk: exit $rc, want 5: $(head -c 300 "$tmp/err")"
grep -q "temporary file in $disk: No space left" "$tmp/err" ||
    fail "--format json on a full disk: message '$(head -c 300 "$tmp/err")'"
[ -s "$tmp/json" ] && fail "--format json on a full disk: printed $(wc -c <"$tmp/json") bytes"
left=$(ls -A "$disk" | grep -v '^res$' || true)
[ -z "$left" ] || fail "--format json on a full disk: left behind: $left"

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "ok: a full disk leaves the old results folder as it was (exit 5)"
