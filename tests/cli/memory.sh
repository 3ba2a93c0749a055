#!/usr/bin/env bash
# memory.sh - the memory check before a run (run by ctest from the source
# root as `bash tests/cli/memory.sh path/to/erpsim`):
#   1. the estimate against the measured peak resident memory
#      (getrusage of the child) of four runs, each dominated by a
#      different term: the per-replication values and results.json, the
#      events a channel retains, the hists of 200 flows, and their series
#      and histograms in results.json. Tolerance: the
#      estimate is within 0.75 to 1.5 times the measured peak. Low by up to
#      a quarter: the retained events' ring is a power of two, 1 to 2 times
#      what it holds, estimated at 1.5; high by up to a half: the estimate
#      counts the worst case of results waiting to be merged;
#   2. --reps 100000 on a large scenario (200 flows) is refused at once,
#      exit 2, with the estimate, what to lower and --no-memory-check,
#      nothing written; with the machine's own memory too (400 flows: 200
#      GB), unless the machine has that much;
#   3. a run over half the memory available warns and runs;
#      --no-memory-check runs whatever the estimate;
#   4. every simulating command refuses before it runs;
#   5. memory grows with the replications only by what the summary keeps:
#      the peak of 4000 replications minus that of 500, per replication,
#      is at most 1.25 x 16 bytes per scalar metric (the summary's values
#      and their copy in the results, both 8 bytes; 1.25 for malloc's
#      rounding and the sampling of the resident set). A build that keeps
#      every replication's result (0.4 MB each here, measured on a build
#      from before the incremental merge) is 45 times over.
# ERPSIM_MEMORY sets the memory available (docs/results.md), so that the
# checks do not depend on the machine.
set -u
erpsim=${1:?usage: memory.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/needs.sh
. tests/cli/fixtures/fail.sh

# A landscape of N real-time flows into one ERP (each flow has its own
# latency histogram: a few KB per replication per flow).
large() {
    {
        printf 'name: large\nhorizon: 7d\nsystems:\n  - id: erp\n    kind: generic\n'
        printf '  - id: website\n    kind: generic\ncallers:\n  - id: backend\n    pool_size: 50\nflows:\n'
        for i in $(seq 1 "$1"); do
            printf '  - id: L-%03d\n    source: website\n    target: erp\n    volume: 200/day\n' "$i"
            printf '    latency_slo: 1s\n    pattern: realtime\n    caller: backend\n'
        done
    } >"$2"
}
large 200 "$tmp/large.yaml"
large 400 "$tmp/large400.yaml"

# 1. estimate vs measured peak RSS
measure() { # measure DESCRIPTION ARGS...: the estimate (from a refusal) and the peak
    local what=$1
    shift
    python3 - "$erpsim" "$what" "$@" <<'EOF' || fail "$what"
import os, re, resource, subprocess, sys
erpsim, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ, ERPSIM_MEMORY="1")
p = subprocess.run([erpsim, "run", *args], env=env, capture_output=True, text=True)
m = re.search(r"needs about ([0-9.]+) (bytes|KB|MB|GB|TB)", p.stderr)
if p.returncode != 2 or not m:
    sys.exit(f"{what}: no estimate (exit {p.returncode}): {p.stderr[:300]}")
scale = {"bytes": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
est = float(m.group(1)) * scale[m.group(2)]
p = subprocess.run([erpsim, "run", *args, "--no-memory-check"], stdout=subprocess.DEVNULL)
if p.returncode != 0:
    sys.exit(f"{what}: the run failed (exit {p.returncode})")
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KB on Linux
ratio = est / peak
print(f"  {what}: estimate {est / 2**20:.1f} MB, measured peak {peak / 2**20:.1f} MB, "
      f"ratio {ratio:.2f}", file=sys.stderr)
sys.exit(0 if 0.75 <= ratio <= 1.5 else f"{what}: ratio {ratio:.2f} outside [0.75, 1.5]")
EOF
}
if ! needs python3; then
    : # the peak is read with python3's getrusage
elif ldd "$erpsim" 2>/dev/null | grep -q 'libasan\|libtsan\|libmsan'; then
    # a sanitizer's shadow memory and quarantine multiply the resident set
    echo "  skipped the estimate against the measured peak: a sanitizer build" >&2
else
    measure "3000 replications, results.json" --reps 3000 --set horizon=2h --format json
    measure "events retained 72 h" --set flows.F-001.volume=200k/day --reps 1 --threads 1 --quiet
    measure "200 flows" "$tmp/large.yaml" --reps 8 --days 1 --threads 1 --quiet
    # --no-charts: getrusage's peak of the children is the largest process,
    # which with charts is gnuplot drawing them (36 MB here, erpsim 24 MB)
    measure "200 flows, results.json" "$tmp/large.yaml" --reps 1 --days 1 --threads 1 \
        --quiet --no-charts --out "$tmp/large-out"
fi

# 2. --reps 100000 on a large scenario: refused at once, nothing written
start=$(date +%s.%N)
ERPSIM_MEMORY=8G "$erpsim" run "$tmp/large.yaml" --reps 100000 --out "$tmp/out" >"$tmp/stdout" 2>"$tmp/err"
rc=$?
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
[ $rc -eq 2 ] || fail "--reps 100000: exit $rc, want 2: $(head -c 300 "$tmp/err")"
grep -q "needs about [0-9.]* GB of memory but 8.00 GB is available (ERPSIM_MEMORY)" "$tmp/err" ||
    fail "--reps 100000: no estimate against the memory available: $(cat "$tmp/err")"
grep -q "100000 replications x [0-9,]* scalar metrics x 8 bytes" "$tmp/err" ||
    fail "--reps 100000: the message does not say what the summary keeps: $(cat "$tmp/err")"
grep -q -- "--no-memory-check" "$tmp/err" || fail "--reps 100000: the way out is not named"
grep -q "Lower --reps or --days" "$tmp/err" || fail "--reps 100000: what to lower is not named"
[ -s "$tmp/stdout" ] && fail "--reps 100000: something was printed on stdout"
[ -e "$tmp/out" ] && fail "--reps 100000: the output folder was written"
awk -v t="$took" 'BEGIN { exit !(t < 5) }' || fail "--reps 100000: refused only after $took s: did it run?"

avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
if [ -n "$avail_kb" ] && [ "$avail_kb" -lt $((150 * 1024 * 1024)) ]; then
    "$erpsim" run "$tmp/large400.yaml" --reps 100000 --out "$tmp/out" >"$tmp/stdout" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 2 ] || fail "400 flows x 100000 replications on this machine: exit $rc, want 2"
    grep -q "is available (MemAvailable in /proc/meminfo\|is available (the cgroup" "$tmp/err" ||
        fail "the machine's memory is not what the check read: $(head -c 300 "$tmp/err")"
else
    echo "  skipped the machine's own memory: more than 150 GB available" >&2
fi

# 3. a warning over half of it; --no-memory-check
need=$(ERPSIM_MEMORY=1 "$erpsim" run --reps 20 --days 1 2>&1 | sed -n 's/.*needs about \([0-9.]*\) MB.*/\1/p')
if [ -z "$need" ]; then
    fail "no estimate in MB for --reps 20"
else
    have=$(awk -v n="$need" 'BEGIN { printf "%d", n * 1.5 }')M
    ERPSIM_MEMORY=$have "$erpsim" run --reps 20 --days 1 >"$tmp/stdout" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 0 ] || fail "a run over half the memory: exit $rc, want 0 (a warning only)"
    grep -q "warning: this run needs about .* more than half of the .* available" "$tmp/err" ||
        fail "a run over half the memory: no warning: $(cat "$tmp/err")"
    grep -q "What breaks first" "$tmp/stdout" || fail "a run over half the memory: no summary"
fi
ERPSIM_MEMORY=1 "$erpsim" run --reps 2 --days 1 --no-memory-check >"$tmp/stdout" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "--no-memory-check: exit $rc, want 0: $(head -c 300 "$tmp/err")"

# 4. every simulating command refuses before it runs
for cmd in "run" "report --out $tmp/report" "sweep --vary load=1x,2x" "compare --flow F-001" \
    "plan" "advise"; do
    # shellcheck disable=SC2086
    ERPSIM_MEMORY=1M "$erpsim" $cmd --reps 100000 >"$tmp/stdout" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 2 ] || fail "$cmd: exit $rc, want 2: $(head -c 300 "$tmp/err")"
    grep -q "needs about" "$tmp/err" || fail "$cmd: no estimate: $(head -c 300 "$tmp/err")"
    [ -s "$tmp/stdout" ] && fail "$cmd: something was printed on stdout"
done
[ -e "$tmp/report" ] && fail "report: the folder was written"

# 5. the memory per replication is the summary's values, whatever R
per_rep() { # per_rep ARGS...: the peak RSS growth per replication against its bound
    python3 - "$erpsim" "$@" <<'EOF' || fail "memory per replication"
import re, subprocess, sys
erpsim, args = sys.argv[1], sys.argv[2:]

def peak(reps):  # the peak resident set of one run, in bytes (GNU time's %M is in KB)
    p = subprocess.run(["/usr/bin/time", "-f", "%M", erpsim, "run", "--reps", str(reps), *args,
                        "--quiet", "--no-memory-check"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"--reps {reps}: exit {p.returncode}: {p.stderr[:300]}")
    return int(p.stderr.split()[-1]) * 1024

p = subprocess.run([erpsim, "run", "--reps", "2", *args], capture_output=True, text=True,
                   env={"ERPSIM_MEMORY": "1", "PATH": "/usr/bin:/bin"})
m = re.search(r"x ([0-9,]+) scalar metrics", p.stderr)
if not m:
    sys.exit(f"no scalar count in the estimate: {p.stderr[:300]}")
scalars = int(m.group(1).replace(",", ""))
grown = (peak(4000) - peak(500)) / 3500
bound = 1.25 * 16 * scalars
print(f"  {grown:.0f} bytes more per replication, bound {bound:.0f} ({scalars} scalars)",
      file=sys.stderr)
sys.exit(0 if grown <= bound else f"{grown:.0f} bytes per replication, more than {bound:.0f}")
EOF
}
if ! needs python3 || ! needs /usr/bin/time; then
    : # GNU time measures the peak of each run
elif ldd "$erpsim" 2>/dev/null | grep -q 'libasan\|libtsan\|libmsan'; then
    echo "  skipped the memory per replication: a sanitizer build" >&2
else
    per_rep --set horizon=2h --threads 2
fi

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
exit_if_skipped memory.sh
echo "memory.sh: all checks passed"
