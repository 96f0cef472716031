#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run-fuzzers.sh SECONDS [BUILD_DIR]
#
# Builds the libFuzzer targets with clang (in BUILD_DIR, configured if it is not yet; default: a
# temporary folder) and runs each for SECONDS on a copy of its seed corpus in /dev/shm, so the
# checked-in corpora never change. Exits non-zero when a fuzzer finds a crash, leak, UB or timeout;
# its reproducer is kept in BUILD_DIR/fuzz-artifacts/ (the build folder is then kept too).
# Needs clang and libFuzzer (Debian: clang, libclang-rt-14-dev).
set -u

usage() {
        echo "usage: $0 SECONDS [BUILD_DIR]" >&2
        exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
seconds=$1
case $seconds in '' | *[!0-9]*) usage ;; esac
targets="qr minisig cert"
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

if [ $# -eq 2 ]; then
        build=$2
        is_temporary_build=false
else
        build=$(mktemp -d /tmp/kesu-fuzz-build.XXXXXX) || exit 1
        is_temporary_build=true
fi
work=$(mktemp -d /dev/shm/kesu-fuzz-run.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

if [ ! -f "$build/build.ninja" ]; then
        CC=clang meson setup "$build" "$src" -Dbuildtype=debug -Db_lundef=false >"$work/setup.log" 2>&1 || {
                cat "$work/setup.log" >&2
                echo "$0: meson setup failed" >&2
                exit 1
        }
fi
ninja -C "$build" $(for t in $targets; do printf 'tests/fuzz/fuzz-%s ' "$t"; done) >"$work/build.log" 2>&1 || {
        cat "$work/build.log" >&2
        echo "$0: build failed" >&2
        exit 1
}

passed=0
failed=0
for t in $targets; do
        exe=$build/tests/fuzz/fuzz-$t
        # without libFuzzer the meson file builds the replay driver instead: no fuzzing possible
        if ! "$exe" -help=1 2>&1 | grep -q max_total_time; then
                echo "$0: $exe is not a libFuzzer binary (is clang's libFuzzer installed?)" >&2
                exit 1
        fi
        corpus=$work/corpus-$t
        artifacts=$build/fuzz-artifacts/$t
        cp -r "$src/tests/fuzz/corpus-$t" "$corpus"
        mkdir -p "$artifacts"
        log=$work/$t.log
        echo "== fuzz-$t: ${seconds}s"
        mkdir "$work/tmp-$t"
        if KESU_FUZZ_DIR="$work/tmp-$t" "$exe" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
                -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1; then
                passed=$((passed + 1))
                # the last status line: executions, coverage, speed
                grep -E '^#[0-9]+' "$log" | tail -n 1
                grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log"
                echo "   corpus: $(ls "$src/tests/fuzz/corpus-$t" | wc -l) seeds -> $(ls "$corpus" | wc -l) inputs"
                rmdir "$artifacts" 2>/dev/null
        else
                failed=$((failed + 1))
                tail -n 60 "$log"
                echo "fuzz-$t FAILED; reproducer(s) in $artifacts:"
                ls -l "$artifacts"
                echo "replay: $exe $artifacts/<file>"
                is_temporary_build=false # keep the binaries and the reproducer
        fi
done
rmdir "$build/fuzz-artifacts" 2>/dev/null

echo "$passed passed, $failed failed"
if $is_temporary_build; then
        rm -rf "$build"
fi
[ "$failed" -eq 0 ]
