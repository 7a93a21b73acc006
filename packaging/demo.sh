#!/usr/bin/env bash
# The README's main-job command: installs what is missing, builds, and runs
# the most complete real thing Parley does today (see README.md).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/packaging/install-deps.sh"
bash "$top/packaging/build.sh"
parley=${PARLEY_BUILD_DIR:-$top/build}/bin/parley
"$parley" plugins list
echo
"$parley" demo "$@"
