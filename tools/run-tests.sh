#!/usr/bin/env bash
# Build if needed and run every test suite (unit, integration, conformance).
# Ends with one line "N passed, N failed" summing the checks of every suite.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
builddir=${BUILDDIR:-build}
meson test -C "$builddir" --print-errorlogs --num-processes "${TEST_JOBS:-2}" "$@"
status=$?
/usr/bin/python3 tools/test-summary.py "$builddir/meson-logs/testlog.json"
summary=$?
[ $status -eq 0 ] && [ $summary -eq 0 ]
