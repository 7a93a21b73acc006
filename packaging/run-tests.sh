#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/packaging/install-deps.sh"
bash "$top/packaging/build.sh" -DPARLEY_WERROR=ON "$@"
build_dir=${PARLEY_BUILD_DIR:-$top/build}
# Benchmarks print figures rather than pass or fail; CI runs them separately.
ctest --test-dir "$build_dir" --output-on-failure -j2 -LE bench
