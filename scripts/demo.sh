#!/usr/bin/env bash
# scripts/demo.sh: the quick start. Installs what crashd needs, builds it,
# starts crashd with its embedded defaults, crashes an unmodified program
# under LD_PRELOAD=libcrashdump.so and shows the stored report, with the
# values of locals, through crashctl.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${CRASHD_SKIP_DEPS:-0}" = 1 ] || ./scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

# No flags, no config file: as root /var/spool/crashd and /var/lib/crashd,
# otherwise ~/.local/state/crashd, the places libcrashdump.so uses by itself.
echo "==> build/daemon/crashd &"
build/daemon/crashd &
crashd=$!
trap 'kill "$crashd" 2>/dev/null; wait "$crashd" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
        build/tools/crashctl list >/dev/null 2>&1 && break
        sleep 0.1
done
before=$(build/tools/crashctl list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["crashes"]))')

echo "==> LD_PRELOAD=build/dumper/libcrashdump.so build/examples/crashme"
set +e
LD_PRELOAD=$PWD/build/dumper/libcrashdump.so build/examples/crashme
status=$?
set -e
echo "==> exit status $status (128 + 11: SIGSEGV, as without crashd)"
for _ in $(seq 100); do
        n=$(build/tools/crashctl list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["crashes"]))')
        [ "$n" -gt "$before" ] && break
        sleep 0.1
done
echo
echo "==> crashctl list"
build/tools/crashctl list -n 5
id=$(build/tools/crashctl list --json -n 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["crashes"][0]["id"])')
echo
echo "==> crashctl show $id"
build/tools/crashctl show "$id"
