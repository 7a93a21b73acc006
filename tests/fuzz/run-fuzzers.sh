#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS (default 30), as many at once as there
# are cores ($PARLEY_FUZZ_JOBS), each starting from its saved corpus. The targets come from the checking build (clang, ASan + UBSan, all code
# instrumented for coverage: packaging/build-check.sh), which this brings up to
# date first. A crash fails the run and leaves the input in
# build-check/fuzz/crashes/<name>/: add it to tests/fuzz/corpus/<name>/ once fixed.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
build=${PARLEY_CHECK_DIR:-$top/build-check}
# CI has just built it (PARLEY_FUZZ_BUILT=1): no second configure and check.
if [ "${PARLEY_FUZZ_BUILT:-0}" != 1 ]; then bash "$top/packaging/build-check.sh"; fi
work=$build/fuzz
mkdir -p "$work"
jobs=${PARLEY_FUZZ_JOBS:-$(nproc)}

# One target: copy in its saved corpus, fuzz, print coverage or the crash.
fuzz_one() {
  local fuzzer=$1 name corpus crashes
  name=$(basename "$fuzzer" _fuzz)
  corpus=$work/corpus/$name crashes=$work/crashes/$name
  mkdir -p "$corpus" "$crashes"
  if [ -d "$top/tests/fuzz/corpus/$name" ]; then cp -r "$top/tests/fuzz/corpus/$name/." "$corpus/"; fi
  if "$fuzzer" "$corpus" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="$crashes/" \
       -print_final_stats=1 > "$work/$name.log" 2>&1; then
    echo "fuzz: $name ${seconds}s: $(grep -E 'stat::number_of_executed_units' "$work/$name.log" | awk '{print $2}') inputs, $(grep -oE 'cov: [0-9]+' "$work/$name.log" | tail -1)"
  else
    tail -40 "$work/$name.log"; echo "fuzz: $name FAILED (input in $crashes)"; return 1
  fi
}

# Targets run $jobs at a time (each libFuzzer process uses one core).
status=0
running=0
for fuzzer in "$build"/bin/*_fuzz; do
  fuzz_one "$fuzzer" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
