#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang (in build-fuzz/) and
# runs each one for SECONDS (default 45) on top of its committed seed corpus.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (targets: scenario results)
#   FUZZ_JOBS=N   run N fuzzing processes per target (a long campaign)
# The corpus a run grows is kept in build-fuzz/corpus/TARGET/ and reused by
# the next run; an input that fails is saved in build-fuzz/artifacts/ and the
# script exits 1. docs/fuzzing.md says how to reproduce and keep a finding.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-45}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario results)
build="$root/build-fuzz"
command -v clang >/dev/null || { echo "fuzz: clang is not installed (scripts/setup.sh installs it)" >&2; exit 2; }
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DERPSIM_FUZZ=ON \
    -DERPSIM_TESTS=OFF -DERPSIM_BENCH=OFF -DSIM_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
# every committed input first (the regression tests), then new inputs
ctest --test-dir "$build" --output-on-failure
mkdir -p "$build/artifacts"
status=0
for t in "${targets[@]}"; do
    mkdir -p "$build/corpus/$t"
    log="$build/fuzz-$t.log"
    echo "fuzz: $t for ${seconds}s (log: $log)"
    if ! "$build/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
        -dict="$root/tests/fuzz/$t.dict" -artifact_prefix="$build/artifacts/$t-" \
        -print_final_stats=1 ${FUZZ_JOBS:+-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS} \
        "$build/corpus/$t" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1; then
        echo "fuzz: $t FAILED; the input is in $build/artifacts/:" >&2
        grep -E 'ERROR|fuzz_[a-z]*: |runtime error|SUMMARY' "$log" | head -20 >&2
        status=1
        continue
    fi
    grep -E '^stat::number_of_executed_units|^Done' "$log" | sed "s/^/fuzz: $t: /"
done
exit $status
