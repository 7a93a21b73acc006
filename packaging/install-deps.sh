#!/usr/bin/env bash
# Installs every Debian 12 package Parley's build, tests and demo need.
# Idempotent: when everything is present it only checks, in about a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git python3
  clang clang-format clang-tidy libclang-rt-14-dev
  libboost-dev libboost-program-options-dev libboost-filesystem-dev
  libssl-dev libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libprotobuf-dev protobuf-compiler
  libopus-dev libspeex-dev libspeexdsp-dev libgsm1-dev libcodec2-dev
  libsrtp2-dev libargon2-dev libopendht-dev
  libwxgtk3.2-dev xvfb
  sox gnuplot-nox espeak-ng pulseaudio pulseaudio-utils libasound2-plugins portaudio19-dev stun-client
  iproute2 iptables
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
