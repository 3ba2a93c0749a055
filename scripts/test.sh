#!/usr/bin/env bash
# Installs what is missing, builds (warnings are errors) and runs the whole
# test suite with ctest. Usage: scripts/test.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
shift || true
"$root/scripts/setup.sh" "$build" -DSIM_WERROR=ON "$@"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
