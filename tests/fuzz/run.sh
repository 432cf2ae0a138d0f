#!/usr/bin/env bash
# Build the fuzz targets with clang, libFuzzer, ASan and UBSan (into
# build-fuzz/, or $FUZZ_BUILDDIR) and run each one, starting from the seed
# corpus of tests/fuzz/corpus/<target>/. What the fuzzers find goes to
# build-fuzz/fuzz-work/<target>/ (a working corpus, so the repository's seeds
# stay small); a crash leaves its input in build-fuzz/fuzz-work/artifacts/.
#
#   tests/fuzz/run.sh                    every target for 20 s (what CI does)
#   tests/fuzz/run.sh -t 600 request     one target for 10 minutes
#   tests/fuzz/run.sh -n 10000000 -j 2   the long run: ten million executions
#                                        each, two targets at a time
#
# Options: -t SECONDS per target (default 20), -n RUNS per target (instead
# of a time), -j JOBS targets run at once (default 1). Other arguments name
# targets (default: all). Ends with one line per target (executions, new
# coverage, time) and exits 1 if any target crashed, leaked or timed out.
# Needs the Debian packages clang and libclang-rt-14-dev.
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds=20
runs=""
jobs=1
while getopts "t:n:j:" opt; do
    case $opt in
    t) seconds=$OPTARG ;;
    n) runs=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
all=(framing handshake request values config serial)
[ -f tests/fuzz/fuzz_websocket.c ] && all+=(websocket)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

builddir=${FUZZ_BUILDDIR:-build-fuzz}
if ! command -v clang >/dev/null; then
    echo "run.sh: clang is needed (Debian: apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi
if [ ! -f "$builddir/build.ninja" ]; then
    CC=clang meson setup "$builddir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dbuildtype=debugoptimized -Dc_args=-fsanitize=fuzzer-no-link \
        >"$builddir.setup.log" 2>&1 || { cat "$builddir.setup.log"; exit 2; }
fi
build=(services/testservice/krpc-testservice.so $(printf 'tests/fuzz/fuzz_%s ' "${targets[@]}"))
ninja -C "$builddir" "${build[@]}" >/dev/null || { ninja -C "$builddir" "${build[@]}"; exit 2; }

work=$builddir/fuzz-work
mkdir -p "$work/artifacts" "$work/logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/fuzz/ubsan.supp}

run_one() {
    local t=$1
    local limit
    if [ -n "$runs" ]; then limit=(-runs="$runs"); else limit=(-max_total_time="$seconds"); fi
    mkdir -p "$work/$t"
    local dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    # targets with a server keep state across inputs: they check for leaks
    # themselves, each time they replace the server (fuzz_server.c)
    local leaks=1
    case $t in handshake | request | websocket | serial) leaks=0 ;; esac
    # libFuzzer's entropic schedule (the default) updates per-feature counts
    # after every input: half the time per input of the targets that run the
    # server (thousands of features each), a sixth of config's. Turning it off
    # changes only which inputs get mutated next, not what is checked; value
    # profiles stay off too (the default; they would multiply the features).
    local sched=()
    case $t in handshake | request | websocket | serial | config) sched=(-entropic=0) ;; esac
    "$builddir/tests/fuzz/fuzz_$t" "${limit[@]}" "${dict[@]}" "${sched[@]}" -use_value_profile=0 \
        -detect_leaks=$leaks -max_len=16384 -timeout=20 -rss_limit_mb=3072 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" \
        "$work/$t" "tests/fuzz/corpus/$t" >"$work/logs/$t.log" 2>&1
    local rc=$?
    local execs secs cov
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/logs/$t.log" | grep -o '[0-9]*$')
    secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$work/logs/$t.log" | grep -o 'in [0-9]*' | grep -o '[0-9]*')
    cov=$(grep -o 'cov: [0-9]*' "$work/logs/$t.log" | tail -1 | grep -o '[0-9]*')
    if [ $rc -eq 0 ]; then
        echo "ok   $t: ${execs:-?} executions in ${secs:-?} s, coverage ${cov:-?}, corpus $(ls "$work/$t" | wc -l) files"
    else
        echo "FAIL $t (exit $rc): see $work/logs/$t.log"
        grep -m1 -A12 'ERROR\|==ERROR\|runtime error\|fuzz_' "$work/logs/$t.log" | head -20
    fi
    return $rc
}

failed=0
running=0
for t in "${targets[@]}"; do
    if [ ! -x "$builddir/tests/fuzz/fuzz_$t" ]; then
        echo "FAIL $t: no such target"
        failed=1
        continue
    fi
    if [ "$jobs" -gt 1 ]; then
        if [ $running -ge "$jobs" ]; then
            wait -n || failed=1 # whichever target ends first makes room
            running=$((running - 1))
        fi
        run_one "$t" &
        running=$((running + 1))
    else
        run_one "$t" || failed=1
    fi
done
while [ $running -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
done
exit $failed
