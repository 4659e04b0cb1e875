#!/usr/bin/env bash
# scripts/demo.sh: the quick start. Installs what crashd needs, builds it,
# runs an unmodified program that crashes under LD_PRELOAD=libcrashdump.so
# and shows what its dump holds.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${CRASHD_SKIP_DEPS:-0}" = 1 ] || ./scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

dumps=$(mktemp -d /tmp/crashd-demo.XXXXXX)
echo "==> LD_PRELOAD=build/dumper/libcrashdump.so build/examples/crashme"
set +e
LD_PRELOAD=$PWD/build/dumper/libcrashdump.so CRASHD_DUMP_DIR=$dumps build/examples/crashme
status=$?
set -e
echo "==> exit status $status (128 + 11: SIGSEGV, as without crashd)"
# The process may die before its dump is written (see CRASHD_WAIT): wait.
for _ in $(seq 100); do
        dump=$(ls "$dumps"/*.dmp.zst 2>/dev/null || true)
        [ -n "$dump" ] && break
        sleep 0.05
done
echo "==> $dump ($(stat -c %s "$dump") bytes)"
echo
build/tools/crashctl info "$dump"
if build/tools/crashctl symbolicate --help >/dev/null 2>&1; then
        echo
        build/tools/crashctl symbolicate "$dump"
fi
