#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/run-fuzz.sh TARGET CORPUS ARTIFACTS [LIBFUZZER-ARGS...]: one
# bounded libFuzzer run, for CI (suite 'fuzz-run', -Dllvm-fuzz=true only).
# The corpus is copied into a temp dir first, so libFuzzer never writes
# into the repository; it runs for CRASHD_FUZZ_SECONDS (default 60). A
# crash, leak or timeout fails the test, and the input that caused it is
# kept in ARTIFACTS (in the build dir) and its path printed: copy it into
# the corpus as crash-<what> once fixed.
set -eu
target=$1 corpus=$2 artifacts=$3
shift 3
seconds=${CRASHD_FUZZ_SECONDS:-60}
work=$(mktemp -d "${TMPDIR:-/tmp}/crashd-fuzz-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts" "$work/corpus"
cp "$corpus"/* "$work/corpus/"
rc=0
"$target" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" \
        "$work/corpus" >"$work/log" 2>&1 || rc=$?
tail -n 25 "$work/log"
if [ "$rc" -ne 0 ]; then
        echo "FAIL: $(basename "$target") exited $rc after fuzzing; inputs kept:"
        ls -1 "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* 2>/dev/null || true
        exit 1
fi
echo "PASS: $(basename "$target"), ${seconds} s"
