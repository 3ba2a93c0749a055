#!/usr/bin/env bash
# Installs what erpsim needs (Debian/Ubuntu, apt-get) when it is missing,
# then configures and builds. Usage: scripts/setup.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail

# clang and libclang-rt-14-dev (libFuzzer; only recommended by clang, and
# recommends are not installed) for the clang build and the fuzz targets;
# clang-format-14: CI checks the formatting with major version 14;
# libmicrohttpd-dev: the HTTP server of `erpsim serve`;
# libopenmpi-dev and openmpi-bin (mpirun) for the ERPSIM_MPI build and its
# tests (docs/scale-out.md); the default build does not need them;
# time: GNU time, the peak memory of a run (tests/cli/memory.sh).
packages=(cmake gcc make pkg-config libgsl-dev libyaml-dev libcmocka-dev libjansson-dev
          gnuplot-nox clang-format-14 clang libclang-rt-14-dev chromium python3 cmark-gfm
          libmicrohttpd-dev libopenmpi-dev openmpi-bin time)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
shift || true
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
