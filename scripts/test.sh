#!/usr/bin/env bash
# scripts/test.sh: the project's test command (see README).
#
#  1. installs what the build and the tests need: scripts/install-deps.sh
#     (Debian 12 packages, and the Breakpad oracle from npm into
#     tests/node_modules);
#  2. builds with -Dwerror=true into build-test/ and runs every suite;
#  3. builds with ASan+UBSan into build-test-asan/ and runs the 'unit' and
#     'fuzz' suites. Not 'crash': the dumper is LD_PRELOADed into
#     uninstrumented programs there, and ASan would own SIGSEGV.
#  4. builds crashd and crashctl alone with ASan+UBSan into build-test-sand/
#     (-Ddaemon-sanitize=true) and runs the 'e2e' and 'torture' suites, so
#     the daemon meets real crashes and the attacks under the sanitizers.
#  5. builds the libFuzzer targets with clang into build-test-fuzz/ and
#     runs each for CRASHD_FUZZ_SECONDS (default 60) from a copy of its
#     corpus (suite 'fuzz-run'); a crash fails the run and its input is
#     kept in build-test-fuzz/fuzz-artifacts/ (tests/fuzz/README.md).
#  6. builds the Debian packages from a clean copy of the tree, lints
#     them, installs them on this machine, crashes examples/crashme
#     against the installed paths and purges them, checking that nothing
#     is left (tests/package/test-package.sh; as root only, else one
#     skip); the packages are kept in build-test-package/.
#  7. installs the same packages in a container booted with systemd
#     (debootstrap, systemd-nspawn) and checks the units: Type=notify, the
#     watchdog, socket activation, the hardening
#     (tests/package/test-systemd.sh; skipped, with the reason, where no
#     container can be booted).
#
# Environment: CRASHD_SKIP_DEPS=1 skips step 1; CRASHD_FUZZ_SECONDS=0
# skips step 5; CRASHD_PACKAGE_TESTS=0 skips steps 6 and 7;
# CRASHD_REQUIRE_ORACLES=1 turns a missing oracle into a failure instead of
# a skip (CI sets it). The last line is "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

if [ "${CRASHD_SKIP_DEPS:-0}" != 1 ]; then
        log "installing build and test dependencies (scripts/install-deps.sh)"
        bash ./scripts/install-deps.sh --with-test-tools
fi

# meson test's results, as "OK FAIL SKIP ..." words, one per test.
results() {
        python3 - "$1" <<'PY'
import json, sys
try:
    with open(sys.argv[1]) as f:
        for line in f:
            print(json.loads(line)['result'])
except FileNotFoundError:
    pass
PY
}

setup() {
        local dir=$1; shift
        if [ -f "$dir/build.ninja" ]; then
                meson setup --reconfigure "$dir" "$@" >/dev/null
        else
                rm -rf "$dir"
                meson setup "$dir" "$@" >/dev/null
        fi
}

status=0
all=()

log "build: -Dwerror=true (build-test/)"
setup build-test -Dwerror=true
ninja -C build-test
log "tests: all suites"
rm -f build-test/meson-logs/testlog.json
meson test -C build-test --print-errorlogs || status=1
mapfile -t r < <(results build-test/meson-logs/testlog.json)
all+=("${r[@]}")

log "build: ASan+UBSan (build-test-asan/)"
setup build-test-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-test-asan
log "tests: suites unit and fuzz under ASan+UBSan"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
rm -f build-test-asan/meson-logs/testlog.json
meson test -C build-test-asan --print-errorlogs --suite unit --suite fuzz || status=1
mapfile -t r < <(results build-test-asan/meson-logs/testlog.json)
all+=("${r[@]}")

# The daemon under the sanitizers, against real crashes: only crashd,
# crashctl and their libraries are instrumented (-Ddaemon-sanitize), so the
# preloaded dumper and the crashing programs stay plain.
log "build: crashd and crashctl with ASan+UBSan (build-test-sand/)"
setup build-test-sand -Dwerror=true -Ddaemon-sanitize=true
ninja -C build-test-sand
log "tests: suites e2e and torture with the sanitized daemon"
rm -f build-test-sand/meson-logs/testlog.json
meson test -C build-test-sand --print-errorlogs --suite e2e --suite torture || status=1
mapfile -t r < <(results build-test-sand/meson-logs/testlog.json)
all+=("${r[@]}")
if [ "${CRASHD_FUZZ_SECONDS:-60}" != 0 ]; then
        log "build: libFuzzer targets, clang (build-test-fuzz/)"
        CC=clang CXX=clang++ setup build-test-fuzz -Dllvm-fuzz=true -Db_lundef=false
        ninja -C build-test-fuzz fuzz-run-targets
        log "tests: suite fuzz-run, ${CRASHD_FUZZ_SECONDS:-60} s per target"
        rm -f build-test-fuzz/meson-logs/testlog.json
        meson test -C build-test-fuzz --no-rebuild --print-errorlogs --suite fuzz-run || status=1
        mapfile -t r < <(results build-test-fuzz/meson-logs/testlog.json)
        all+=("${r[@]}")
fi

# One result each, as meson's: OK, FAIL or SKIP (exit status 77).
script_result() {
        case $1 in
        0) echo OK ;;
        77) echo SKIP ;;
        *) echo FAIL ;;
        esac
}
if [ "${CRASHD_PACKAGE_TESTS:-1}" != 0 ] && [ "$(id -u)" -ne 0 ]; then
        log "package: skipped, tests/package/ installs and purges packages: run as root"
        all+=(SKIP)
elif [ "${CRASHD_PACKAGE_TESTS:-1}" != 0 ]; then
        log "package: build, lint, install, crash, purge (tests/package/test-package.sh)"
        rm -rf build-test-package
        rc=0
        CRASHD_PACKAGE_OUT=$PWD/build-test-package bash tests/package/test-package.sh || rc=$?
        all+=("$(script_result "$rc")")
        [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || status=1
        if compgen -G 'build-test-package/crashd_*.deb' >/dev/null; then
                log "package: under systemd in a container (tests/package/test-systemd.sh)"
                rc=0
                bash tests/package/test-systemd.sh build-test-package || rc=$?
                all+=("$(script_result "$rc")")
                [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || status=1
        fi
fi

passed=0 failed=0 skipped=0
for x in "${all[@]}"; do
        case $x in
        OK|EXPECTEDFAIL) passed=$((passed + 1)) ;;
        SKIP) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)) ;;
        esac
done
[ "$failed" -eq 0 ] || status=1
[ $((passed + failed)) -gt 0 ] || { echo "no test ran" >&2; status=1; }
echo
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
