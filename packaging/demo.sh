#!/usr/bin/env bash
# The README's main-job command: installs what is missing, builds, and runs
# `parley demo`: a live call between two users over a private network of
# real processes on 127.0.0.1, with a report (README.md, docs/demo.md).
# Extra arguments go to `parley demo` (e.g. --json, --call-seconds 5).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/packaging/install-deps.sh"
bash "$top/packaging/build.sh"
parley=${PARLEY_BUILD_DIR:-$top/build}/bin/parley
exec "$parley" demo "$@"
