#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: erpsim on the
# compiled-in default scenario (results and charts in out/default/), then
# the kernel benchmark.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" "$root/build"
"$root/build/erpsim" --version
"$root/build/erpsim" run --out "$root/out/default"
"$root/build/bench_mm1"
