#!/usr/bin/env bash
# Install what the build needs (Debian packages, only those missing), then
# configure and build into build/. Safe to run again: it only does what is left.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(meson ninja-build pkg-config gcc libc6-dev
          libprotobuf-c-dev protobuf-c-compiler libuv1-dev libwebsockets-dev libwebsockets-evlib-uv libyaml-dev
          protobuf-compiler python3 python3-protobuf
          chromium)  # chromium: the status page test renders it headless
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# the krpc-node test (tests/node) needs node and npm: on Debian 12 they are two
# packages (nodejs 18, npm 9); a node from elsewhere (e.g. NodeSource, npm included) is kept
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

builddir=${BUILDDIR:-build}
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" ${MESON_ARGS:-}
fi
ninja -C "$builddir"
