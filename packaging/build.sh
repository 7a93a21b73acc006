#!/usr/bin/env bash
# Configures and builds Parley into build/ (or $PARLEY_BUILD_DIR). Extra
# arguments go to CMake, e.g. -DPARLEY_SANITIZE=ON. Incremental and ccache'd.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${PARLEY_BUILD_DIR:-$top/build}
# Let ccache reuse objects across checkouts in different directories (CI clones
# anew each run): paths are hashed relative to the tree, not absolutely.
export CCACHE_BASEDIR="$top" CCACHE_NOHASHDIR=true
cmake -S "$top" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
echo "build: compiling into $build_dir (this takes a few minutes the first time)"
cmake --build "$build_dir" -- -k 0
