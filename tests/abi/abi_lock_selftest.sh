#!/usr/bin/env bash
# The ABI lock must catch a change without a bump, accept comment-only edits,
# and accept a change once the version is bumped and recorded.
set -uo pipefail
lock_tool=$1
abi=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$abi" "$work/abi"
"$lock_tool" update "$work/abi" "$work/lock" >/dev/null || { echo "FAIL: initial update"; exit 1; }

echo "/* a comment changes nothing */" >> "$work/abi/nat.h"
"$lock_tool" check "$work/abi" "$work/lock" >/dev/null || { echo "FAIL: comment-only edit refused"; exit 1; }

sed -i 's/uint32_t max_payload_bytes;/uint32_t max_payload_bytes;\n  uint32_t added_field;/' "$work/abi/codec.h"
if "$lock_tool" check "$work/abi" "$work/lock" 2>"$work/err"; then
  echo "FAIL: a changed header without a version bump passed"; exit 1
fi
grep -q "codec.h: changed without a version bump" "$work/err" || { echo "FAIL: wrong message: $(cat "$work/err")"; exit 1; }
if "$lock_tool" update "$work/abi" "$work/lock" 2>/dev/null; then
  echo "FAIL: update recorded a change without a bump"; exit 1
fi

sed -i -E 's/#define PARLEY_CODEC_MINOR ([0-9]+)/#define PARLEY_CODEC_MINOR 99/' "$work/abi/codec.h"
"$lock_tool" update "$work/abi" "$work/lock" >/dev/null || { echo "FAIL: bumped change not recorded"; exit 1; }
"$lock_tool" check "$work/abi" "$work/lock" >/dev/null || { echo "FAIL: check after recording"; exit 1; }
echo "abi lock self-test: ok"
