#!/usr/bin/env bash
# Builds every fuzz target with clang + libFuzzer (all code instrumented for
# coverage, ASan and UBSan) into build-fuzz/ and runs each for SECONDS (default
# 30), starting from its saved corpus. A crash fails the run and leaves the
# input in build-fuzz/crashes/<name>/: add it to tests/fuzz/corpus/<name>/ once fixed.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
build=${PARLEY_FUZZ_BUILD_DIR:-$top/build-fuzz}
export CCACHE_BASEDIR="$top" CCACHE_NOHASHDIR=true
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g"
CC=clang CXX=clang++ cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPARLEY_FUZZ=ON "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags" >/dev/null
cmake --build "$build" --target parley_fuzzers
status=0
for fuzzer in "$build"/bin/*_fuzz; do
  name=$(basename "$fuzzer" _fuzz)
  corpus=$build/corpus/$name crashes=$build/crashes/$name
  mkdir -p "$corpus" "$crashes"
  [ -d "$top/tests/fuzz/corpus/$name" ] && cp -r "$top/tests/fuzz/corpus/$name/." "$corpus/"
  echo "fuzz: $name for ${seconds}s"
  if ! "$fuzzer" "$corpus" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="$crashes/" \
       -print_final_stats=1 > "$build/$name.log" 2>&1; then
    tail -40 "$build/$name.log"; echo "fuzz: $name FAILED (input in $crashes)"; status=1
  else
    grep -E 'stat::number_of_executed_units|cov:' "$build/$name.log" | tail -2
  fi
done
exit $status
