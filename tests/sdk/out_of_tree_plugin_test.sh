#!/usr/bin/env bash
# Proof without rebuilding: install Parley into a temporary prefix, build the
# SDK example out of tree against that installed SDK only, install the plugin
# with the installed `parley`, and see it loaded, conformant and used. Then
# build it against an SDK of another ABI and see it refused with the reason.
set -euo pipefail
build_dir=$1
example_src=$2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
export XDG_DATA_HOME=$work/data XDG_CONFIG_HOME=$work/config
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build_dir" --prefix "$prefix" >/dev/null
parley=$prefix/bin/parley
[ -x "$parley" ] || fail "installed parley missing"

# 1. Build against the installed SDK (no access to the source tree's headers).
cmake -S "$example_src" -B "$work/example" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/example" >/dev/null
plugin=$work/example/parley-example-l16.so
[ -f "$plugin" ] || fail "example plugin not built"

# 2. Install it with the installed parley and see it loaded.
"$parley" plugins install "$plugin" | grep -q "installed org.example.codec.l16 1.0.0" \
  || fail "plugins install did not report the install"
[ -f "$XDG_DATA_HOME/parley/plugins/parley-example-l16.so" ] || fail "not copied to the user plugin dir"
"$parley" plugins info org.example.codec.l16 --json > "$work/info.json"
grep -q '"status": "loaded"' "$work/info.json" || fail "not loaded: $(cat "$work/info.json")"
"$parley" --prefer codec=l16 plugins list | grep -E '^codec +l16 >' >/dev/null \
  || fail "preference did not put l16 first"

# 3. It passes the installed conformance suite, and the kernel uses it.
"$prefix/bin/parley-conformance-codec" --plugin "$XDG_DATA_HOME/parley/plugins/parley-example-l16.so" \
  > "$work/conformance.log" 2>&1 || { cat "$work/conformance.log"; fail "conformance suite failed"; }
"$parley" demo --codec l16 --seconds 2 --output-dir "$work/decoded" --json > "$work/demo.json" \
  || fail "demo through the example codec failed: $(cat "$work/demo.json")"
grep -q '"codec": "l16"' "$work/demo.json" || fail "demo did not use l16: $(cat "$work/demo.json")"
grep -q '"packets_rejected": 0' "$work/demo.json" || fail "packets rejected: $(cat "$work/demo.json")"
[ -s "$work/decoded/decoded-l16.wav" ] || fail "no decoded WAV from the example codec"

# 4. The same plugin built against an SDK of another ABI is refused, with the reason.
cp -r "$prefix" "$work/other-sdk"
sed -i 's/#define PARLEY_ABI_VERSION 1$/#define PARLEY_ABI_VERSION 999/' \
    "$work/other-sdk/include/parley/abi/plugin.h"
cmake -S "$example_src" -B "$work/example-999" -G Ninja -DCMAKE_PREFIX_PATH="$work/other-sdk" >/dev/null
cmake --build "$work/example-999" >/dev/null
if "$parley" plugins install "$work/example-999/parley-example-l16.so" 2> "$work/refused.txt"; then
  fail "a plugin for ABI 999 was installed"
fi
grep -q "built for plugin ABI 999, this parley speaks ABI 1" "$work/refused.txt" \
  || fail "refusal reason unclear: $(cat "$work/refused.txt")"
mkdir -p "$work/dropped" && cp "$work/example-999/parley-example-l16.so" "$work/dropped/"
"$parley" --plugin-dir "$work/dropped" plugins list --json > "$work/list.json"
grep -q '"reason": "built for plugin ABI 999' "$work/list.json" || fail "dropped-in plugin not listed as refused"
echo "out-of-tree plugin: built, installed, loaded, conformant; ABI 999 build refused"
