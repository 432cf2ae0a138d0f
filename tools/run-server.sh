#!/usr/bin/env bash
# Build if needed and run the server with the default configuration: the mock
# game (SpaceCenter, on the launch pad) and the test service loaded, listening
# on 127.0.0.1:50000 (RPC) and 50001 (streams).
# Extra arguments go to krpc-server (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh >&2
builddir=${BUILDDIR:-build}
exec "$builddir/server/krpc-server" \
  --plugin "$builddir/services/spacecenter/krpc-spacecenter.so" \
  --plugin "$builddir/services/testservice/krpc-testservice.so" "$@"
