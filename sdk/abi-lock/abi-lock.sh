#!/usr/bin/env bash
# Guards the plugin ABI: every header in sdk/include/parley/abi/ is recorded in
# sdk/abi-lock/abi.lock with its interface version and a hash of its content
# without comments and whitespace. A header whose content changes while its
# version stays the same fails the check: bump the kind's MINOR (additions at
# the end of a table) or MAJOR (anything else), or PARLEY_ABI_VERSION for
# plugin.h / net_types.h, then record it with `abi-lock.sh update`.
#
#   abi-lock.sh check  [ABI_DIR] [LOCK_FILE]   exit 1 with one line per problem
#   abi-lock.sh update [ABI_DIR] [LOCK_FILE]   refuses a change without a bump
set -euo pipefail

mode=${1:-check}
here=$(cd "$(dirname "$0")" && pwd)
abi_dir=${2:-$here/../include/parley/abi}
lock=${3:-$here/abi.lock}

version_of() {  # the version a header declares: abi-N or <kind>-MAJOR.MINOR
  local file=$1 major minor
  major=$(sed -nE 's/^#define PARLEY_[A-Z_]+_MAJOR ([0-9]+).*/\1/p' "$file" | head -n1)
  minor=$(sed -nE 's/^#define PARLEY_[A-Z_]+_MINOR ([0-9]+).*/\1/p' "$file" | head -n1)
  if [ -n "$major" ] && [ -n "$minor" ]; then
    echo "$major.$minor"
  else
    echo "abi-$(sed -nE 's/^#define PARLEY_ABI_VERSION ([0-9]+).*/\1/p' "$abi_dir/plugin.h")"
  fi
}

hash_of() {  # comments and whitespace do not change the ABI
  gcc -fpreprocessed -dD -E -P -x c "$1" 2>/dev/null | tr -d ' \t\n' | sha256sum | cut -d' ' -f1
}

current() {
  for file in "$abi_dir"/*.h; do
    printf '%s %s %s\n' "$(basename "$file")" "$(version_of "$file")" "$(hash_of "$file")"
  done
}

problems=()
compare() {
  local name version hash old_version old_hash
  while read -r name version hash; do
    read -r old_version old_hash < <(awk -v n="$name" '$1 == n {print $2, $3}' "$lock") || true
    if [ -z "${old_version:-}" ]; then
      problems+=("$name: new ABI header, not in $(basename "$lock"); run: $0 update")
    elif [ "$hash" != "$old_hash" ] && [ "$version" = "$old_version" ]; then
      problems+=("$name: changed without a version bump (still $version); bump its MINOR for additions at the end of a table, MAJOR otherwise")
    elif [ "$version" != "$old_version" ] && [ "$1" = check ]; then
      problems+=("$name: version $old_version -> $version not recorded; run: $0 update")
    fi
    old_version=
  done < <(current)
  while read -r name _; do
    case "$name" in ''|'#'*) continue ;; esac
    [ -f "$abi_dir/$name" ] || problems+=("$name: in the lock but removed: removing a header is a major change")
  done < "$lock"
}

case "$mode" in
  check)
    [ -f "$lock" ] || { echo "abi-lock: no lock file $lock; run: $0 update" >&2; exit 1; }
    compare check
    if [ ${#problems[@]} -gt 0 ]; then
      printf 'abi-lock: %s\n' "${problems[@]}" >&2
      exit 1
    fi
    echo "abi-lock: $(ls "$abi_dir"/*.h | wc -l) ABI headers match $(basename "$lock")"
    ;;
  update)
    if [ -f "$lock" ]; then
      compare update
      for p in "${problems[@]}"; do
        case "$p" in *"without a version bump"*|*"removed"*) echo "abi-lock: $p" >&2; exit 1 ;; esac
      done
    fi
    { echo "# header version content-sha256 (written by abi-lock.sh update; do not edit)"; current; } > "$lock"
    echo "abi-lock: recorded $(grep -vc '^#' "$lock") headers in $lock"
    ;;
  *) echo "usage: $0 check|update [ABI_DIR] [LOCK_FILE]" >&2; exit 2 ;;
esac
