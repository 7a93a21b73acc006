#!/usr/bin/env bash
# Configures and builds the checking build into build-check/ (or
# $PARLEY_CHECK_DIR): clang, AddressSanitizer + UndefinedBehaviorSanitizer,
# warnings as errors, and every libFuzzer target. One build serves the tests
# (packaging/run-tests.sh), the fuzzers (tests/fuzz/run-fuzzers.sh) and
# clang-tidy (.ci/run), so CI compiles the tree once. Extra arguments go to CMake.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export PARLEY_BUILD_DIR=${PARLEY_CHECK_DIR:-$top/build-check}
# CMake reads the compilers only when it first configures a build directory.
export CC=clang CXX=clang++
bash "$top/packaging/build.sh" -DPARLEY_SANITIZE=ON -DPARLEY_FUZZ=ON -DPARLEY_WERROR=ON "$@"
