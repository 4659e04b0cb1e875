#!/usr/bin/env bash
# tests/package/test-systemd.sh DEBDIR: the Debian packages in DEBDIR under
# systemd as PID 1 (issue 12). CI's machine has no systemd running, so the
# test boots one: a minimal Debian 12 tree made with debootstrap (from the
# mirror the host's apt uses, with the packages' dependencies), booted
# with systemd-nspawn -b on a network of its own (crashd's web port and
# sockets never meet the host's), entered with nsenter. In the container
# it installs the packages with apt-get and checks:
#
#  - both units enabled and started by the postinst;
#  - Type=notify: a restart returns once crashd said READY=1, and its
#    STATUS= line is the unit's StatusText;
#  - the watchdog: with WatchdogSec=3s (a drop-in), crashd keeps pinging
#    and stays up; stopped with SIGSTOP, systemd kills it for the
#    watchdog's timeout and Restart=on-failure brings it back;
#  - socket activation: with crashd.service stopped, a crash under
#    LD_PRELOAD=libcrashdump.so.0 (its notice on notify.sock) starts it and
#    `crashctl list` shows the crash; `crashctl status` (api.sock) starts
#    it too;
#  - hardening: systemd-analyze security's exposure stays within
#    CRASHD_EXPOSURE_MAX (default 3.0, the unit scores 2.x); the running
#    crashd's bounding set is exactly CapabilityBoundingSet=, it has no
#    capability outside it, no_new_privs, a seccomp filter and umask 0077;
#    PrivateDevices= gives it a /dev of pseudo devices only (none of the
#    container's other device nodes, no block device) and DevicePolicy=closed;
#  - an upgrade (reinstall) leaves crashd running; the purge removes the
#    units, the state and the spool.
#
# Exit status 0: passed; 1: failed; 77: skipped, with the reason (not
# root, no systemd-nspawn or debootstrap, the mirror unreachable, or a
# container that cannot boot here). It cleans up (powers the container
# off, removes the tree) whatever happens.
set -uo pipefail

DEBDIR=${1:?usage: test-systemd.sh DEBDIR}
DEBDIR=$(cd "$DEBDIR" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
EXPOSURE_MAX=${CRASHD_EXPOSURE_MAX:-3.0}
START=$(date +%s)

log() { printf '\n==> %s\n' "$*"; }
failures=0
ok() { printf 'ok - %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
check() {
        local what=$1; shift
        if "$@"; then ok "$what"; else fail "$what"; fi
}
skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, systemd-nspawn)"
command -v systemd-nspawn >/dev/null 2>&1 || skip "no systemd-nspawn (package systemd-container)"
command -v debootstrap >/dev/null 2>&1 || skip "no debootstrap"
compgen -G "$DEBDIR/crashd_*.deb" >/dev/null || { echo "no crashd_*.deb in $DEBDIR" >&2; exit 1; }
. /etc/os-release
SUITE=${VERSION_CODENAME:-bookworm}
# The Debian mirror this machine's apt uses, for the same suite.
MIRROR=${CRASHD_DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null |
        awk -v s="$SUITE" '$2 == s { print $1; exit }')}
[ -n "$MIRROR" ] || skip "no Debian mirror for $SUITE in apt's sources (CRASHD_DEBIAN_MIRROR sets one)"

TMP=$(mktemp -d /tmp/crashd-nspawn.XXXXXX)
CORE_PATTERN_BEFORE=$(cat /proc/sys/kernel/core_pattern)
ROOT=$TMP/root
NSPAWN_PID=
LEADER=

cleanup() {
        local status=$?
        if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
                [ -z "$LEADER" ] || C systemctl poweroff >/dev/null 2>&1
                for _ in $(seq 100); do
                        kill -0 "$NSPAWN_PID" 2>/dev/null || break
                        sleep 0.2
                done
                # SIGTERM asks nspawn to halt the container; then SIGKILL.
                kill "$NSPAWN_PID" 2>/dev/null && sleep 3
                kill -9 "$NSPAWN_PID" 2>/dev/null
                wait "$NSPAWN_PID" 2>/dev/null
        fi
        if findmnt -R -n -o TARGET "$ROOT" >/dev/null 2>&1; then
                umount -R "$ROOT" 2>/dev/null || umount -R -l "$ROOT" 2>/dev/null
        fi
        rm -rf --one-file-system "$TMP"
        exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# In the container: all its namespaces, a clean environment.
C() {
        nsenter -t "$LEADER" -a -- env -i PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"
}
wait_for() {    # wait_for SECONDS COMMAND...
        local n=$(($1 * 5)); shift
        for _ in $(seq "$n"); do
                "$@" && return 0
                sleep 0.2
        done
        return 1
}
prop() { C systemctl show -p "$1" --value "${2:-crashd.service}"; }
active() {      # active UNIT...: every one of them (is-active says "any")
        local u
        for u; do C systemctl --quiet is-active "$u" || return 1; done
}

# ---------------------------------------------------------------- the tree
# The packages' dependencies go in with the tree: the container has no
# network (--private-network), and apt-get finds them installed.
deps=$(for f in "$DEBDIR"/*.deb; do
        case $f in *-dbgsym_*) ;; *) dpkg-deb -f "$f" Depends; echo ;; esac
done | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' |
        grep -Ev '^$|^(crashd|crashd-coredump|libcrashdump0|libcrashdump-dev)$' | sort -u | paste -sd, -)
echo "dependencies: $deps"
log "debootstrap --variant=minbase $SUITE (apt's mirror for $SUITE)"
t0=$(date +%s)
if ! debootstrap --variant=minbase --include="systemd,systemd-sysv,dbus,procps,$deps" "$SUITE" "$ROOT" "$MIRROR" \
      >"$TMP/debootstrap.log" 2>&1; then
        tail -n 5 "$TMP/debootstrap.log"
        skip "debootstrap could not make a $SUITE tree from $MIRROR: $(grep -E '^E:' "$TMP/debootstrap.log" | tail -n 1)"
fi
ok "debootstrap ($(($(date +%s) - t0)) s)"
mkdir -p "$ROOT/debs"
for f in "$DEBDIR"/*.deb; do
        case $f in *-dbgsym_*) ;; *) cp "$f" "$ROOT/debs/" ;; esac
done
gcc -g -O0 -fno-omit-frame-pointer -pthread -o "$ROOT/usr/local/bin/crashme" "$SRC/examples/crashme.c" ||
        { fail "gcc examples/crashme.c"; exit 1; }
# The container's hostname; no getty on a console it has not.
echo crashd-test > "$ROOT/etc/hostname"
ln -sf /dev/null "$ROOT/etc/systemd/system/console-getty.service"

# ---------------------------------------------------------------- boot
log "systemd-nspawn -b"
# --register=no --keep-unit: no systemd-machined or system bus on a host
# whose PID 1 is not systemd; the container's cgroup is nspawn's own.
systemd-nspawn --quiet --register=no --keep-unit --private-network --machine="crashd-test-$$" -D "$ROOT" \
        --console=pipe -b </dev/null >"$TMP/nspawn.log" 2>&1 &
NSPAWN_PID=$!
find_leader() {
        LEADER=$(pgrep -P "$NSPAWN_PID" -x systemd | head -n 1)
        [ -n "$LEADER" ]
}
if ! wait_for 30 find_leader; then
        cat "$TMP/nspawn.log"
        skip "systemd-nspawn did not start a systemd here: $(tail -n 1 "$TMP/nspawn.log")"
fi
# Until its bus is up, systemctl cannot ask; then until the boot is done.
# nspawn gone meanwhile: this machine cannot boot a container (cgroups,
# privileges), a skip; a systemd that never settles is a failure.
settled() {
        kill -0 "$NSPAWN_PID" 2>/dev/null || return 0
        state=$(C systemctl is-system-running 2>&1)
        case $state in running|degraded) return 0 ;; esac
        return 1
}
state=
wait_for 120 settled
if ! kill -0 "$NSPAWN_PID" 2>/dev/null; then
        cat "$TMP/nspawn.log"
        skip "systemd-nspawn -b exited during the boot here: $(tail -n 1 "$TMP/nspawn.log")"
fi
case $state in
running|degraded) ok "the container's systemd is up ($state)" ;;
*)
        C systemctl list-jobs --no-pager 2>&1
        C systemctl --failed --no-pager 2>&1
        fail "the container's systemd did not finish booting in 120 s: is-system-running said '$state'"
        exit 1 ;;
esac
[ "$state" = running ] || C systemctl --failed --no-pager

# ---------------------------------------------------------------- install
log "apt-get install /debs/*.deb (in the container)"
t0=$(date +%s)
if C sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /debs/*.deb' \
      >"$TMP/apt.log" 2>&1; then
        ok "apt-get install ($(($(date +%s) - t0)) s)"
else
        cat "$TMP/apt.log"
        fail "apt-get install"
        exit 1
fi
grep -E '^(Setting up|crashd-coredump:)' "$TMP/apt.log"
with_coredump=0
compgen -G "$ROOT/debs/crashd-coredump_*.deb" >/dev/null && with_coredump=1
if [ "$with_coredump" = 1 ]; then
        # /proc/sys is read-only in a container: the postinst says so and
        # goes on; the host's core_pattern is the host's business.
        check "crashd-coredump installs in a container" \
                [ "$(C dpkg-query -W -f '${db:Status-Status}' crashd-coredump)" = installed ]
        check "the host's core_pattern is left alone" \
                [ "$(cat /proc/sys/kernel/core_pattern)" = "$CORE_PATTERN_BEFORE" ]
        check "apt would remove crashd-coredump to install systemd-coredump (Conflicts)" \
                bash -c "nsenter -t $LEADER -a -- apt-get -s install systemd-coredump | grep -q '^Remv crashd-coredump '"
fi

check "crashd.socket and crashd.service are enabled" \
        [ "$(C systemctl is-enabled crashd.socket crashd.service | tr '\n' ' ')" = "enabled enabled " ]
check "the postinst started crashd.socket" [ "$(C systemctl is-active crashd.socket)" = active ]
check "the postinst started crashd.service" wait_for 10 active crashd.service
check "/var/spool/crashd is 1733 root:root" [ "$(C stat -c '%a %U:%G' /var/spool/crashd)" = "1733 root:root" ]
check "/var/lib/crashd is 700 root:root" [ "$(C stat -c '%a %U:%G' /var/lib/crashd)" = "700 root:root" ]

# ---------------------------------------------------------------- Type=notify
log "Type=notify"
check "Type=notify, NotifyAccess=main" [ "$(prop Type) $(prop NotifyAccess)" = "notify main" ]
C systemctl restart crashd.service
check "systemctl restart returns with crashd running" \
        [ "$(prop ActiveState)/$(prop SubState)" = active/running ]
status_text=$(prop StatusText)
echo "StatusText: $status_text"
check "crashd's STATUS= is the unit's StatusText" grep -q 'crashes stored' <<<"$status_text"

# ---------------------------------------------------------------- watchdog
log "the watchdog (WatchdogSec=3s in a drop-in)"
check "the unit's WatchdogSec is 1min" [ "$(prop WatchdogUSec)" = 1min ]
C mkdir -p /run/systemd/system/crashd.service.d
C sh -c 'printf "[Service]\nWatchdogSec=3s\n" > /run/systemd/system/crashd.service.d/test-watchdog.conf'
C systemctl daemon-reload
C systemctl restart crashd.service
restarts0=$(prop NRestarts)
pid0=$(prop MainPID)
ping0=$(prop WatchdogTimestampMonotonic)
sleep 7
check "crashd pings the watchdog (WatchdogTimestamp moves)" [ "$(prop WatchdogTimestampMonotonic)" != "$ping0" ]
check "crashd is still up after 7 s, the same process" \
        [ "$(prop ActiveState) $(prop MainPID) $(prop NRestarts)" = "active $pid0 $restarts0" ]
C sh -c "kill -STOP $pid0"
restarted() { [ "$(prop NRestarts)" -gt "$restarts0" ] && [ "$(prop ActiveState)" = active ]; }
check "a stopped crashd is killed by the watchdog and restarted" wait_for 40 restarted
check "a new process ($(prop MainPID), was $pid0)" [ "$(prop MainPID)" != "$pid0" ]
check "the journal says so" bash -c "nsenter -t $LEADER -a -- journalctl -u crashd.service --no-pager | grep -q 'Watchdog timeout'"
C rm -rf /run/systemd/system/crashd.service.d
C systemctl daemon-reload
C systemctl restart crashd.service

# ---------------------------------------------------------------- socket activation
log "socket activation"
crashme_in() {  # the newest crashme's ID in crashctl list
        C crashctl list --json -r 2>/dev/null | python3 -c '
import json, sys
c = [x for x in json.load(sys.stdin)["crashes"] if "crashme" in (x.get("program") or "")]
print(c[0]["id"] if c else "")'
}
C systemctl stop crashd.service
check "crashd.service stopped, crashd.socket still listening" \
        [ "$(C systemctl is-active crashd.service) $(C systemctl is-active crashd.socket)" = "inactive active" ]
C sh -c 'LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libcrashdump.so.0 crashme >/dev/null 2>&1'
check "crashme dies of SIGSEGV under the preload ($?)" [ "$?" -eq 139 ]
check "the dumper's notice started crashd.service" wait_for 20 active crashd.service
has_crashme() { [ -n "$(crashme_in)" ]; }
check "crashctl list shows the crash" wait_for 30 has_crashme
id=$(crashme_in)
[ -z "$id" ] || check "crashctl show $id has crashme's locals" \
        bash -c "nsenter -t $LEADER -a -- crashctl show '$id' | grep -q 'tax_rate=0.2'"
C systemctl stop crashd.service
C crashctl status >/dev/null 2>&1
check "crashctl status (api.sock) started crashd.service and it answered ($?)" \
        [ "$? $(C systemctl is-active crashd.service)" = "0 active" ]

# ---------------------------------------------------------------- hardening
log "systemd-analyze security crashd.service"
C systemd-analyze security --no-pager crashd.service >"$TMP/security.txt" 2>&1
grep -E '^✗' "$TMP/security.txt" | head -n 40
exposure=$(sed -n 's/.*Overall exposure level for crashd.service: \([0-9.]*\).*/\1/p' "$TMP/security.txt")
tail -n 1 "$TMP/security.txt"
check "exposure $exposure is at most $EXPOSURE_MAX" \
        python3 -c "import sys; sys.exit(0 if '$exposure' and float('$exposure') <= float('$EXPOSURE_MAX') else 1)"

pid=$(prop MainPID)
C cat "/proc/$pid/status" >"$TMP/status.txt"
unit_caps=$(prop CapabilityBoundingSet)
echo "CapabilityBoundingSet=$unit_caps"
grep -E '^(Cap|NoNewPrivs|Seccomp|Umask)' "$TMP/status.txt"
python3 - "$TMP/status.txt" "$unit_caps" <<'PY' >"$TMP/caps.txt"
import re, sys
# The capability numbers from the kernel's header, as the unit names them.
num = {m[0].lower(): int(m[1]) for m in
       re.findall(r'^#define (CAP_[A-Z_]+)\s+(\d+)\s*$', open('/usr/include/linux/capability.h').read(), re.M)}
want = 0
for name in sys.argv[2].split():
    want |= 1 << num[name.lower()]
st = dict(line.split(':', 1) for line in open(sys.argv[1]) if ':' in line)
have = {k: int(st[k], 16) for k in ('CapBnd', 'CapEff', 'CapPrm', 'CapInh', 'CapAmb')}
print('bnd', 'yes' if have['CapBnd'] == want else 'no %x != %x' % (have['CapBnd'], want))
print('eff', 'yes' if not (have['CapEff'] | have['CapPrm'] | have['CapInh'] | have['CapAmb']) & ~want else 'no')
print('nnp', st['NoNewPrivs'].strip())
print('seccomp', st['Seccomp'].strip())
print('umask', st['Umask'].strip())
PY
cat "$TMP/caps.txt"
check "crashd's bounding set is CapabilityBoundingSet=" grep -qx 'bnd yes' "$TMP/caps.txt"
check "crashd holds no capability outside it" grep -qx 'eff yes' "$TMP/caps.txt"
check "no_new_privs (NoNewPrivileges=yes)" grep -qx 'nnp 1' "$TMP/caps.txt"
check "a seccomp filter (SystemCallFilter=)" grep -qx 'seccomp 2' "$TMP/caps.txt"
check "umask 0077 (UMask=)" grep -qx 'umask 0077' "$TMP/caps.txt"

# PrivateDevices=yes: crashd's own /dev (its mount namespace, seen through
# /proc/PID/root) has the pseudo devices and nothing else.
C find "/proc/$pid/root/dev" \( -type c -o -type b \) -printf '%P %y\n' | sort >"$TMP/dev-crashd.txt"
C find /dev \( -type c -o -type b \) -printf '%P %y\n' | sort >"$TMP/dev-container.txt"
echo "crashd's /dev: $(tr '\n' ' ' <"$TMP/dev-crashd.txt")"
echo "the container's: $(tr '\n' ' ' <"$TMP/dev-container.txt")"
allowed='^(null|zero|full|random|urandom|tty|ptmx|pts/ptmx) c$'
check "crashd's /dev has only pseudo devices" bash -c "! grep -Ev '$allowed' '$TMP/dev-crashd.txt'"
check "no block device" bash -c "! grep -q ' b$' '$TMP/dev-crashd.txt'"
hidden=$(comm -13 "$TMP/dev-crashd.txt" "$TMP/dev-container.txt" | tr '\n' ' ')
check "the container's other devices are hidden from it (${hidden:-none to hide})" \
        bash -c "! comm -23 '$TMP/dev-crashd.txt' '$TMP/dev-container.txt' | grep -q ."
check "DevicePolicy=closed" [ "$(prop DevicePolicy)" = closed ]
for p in ProtectSystem ProtectHome PrivateTmp ProtectKernelTunables ProtectControlGroups RestrictSUIDSGID MemoryDenyWriteExecute; do
        echo "$p=$(prop "$p")"
done
check "/usr is read-only for crashd (ProtectSystem=strict)" \
        bash -c "nsenter -t $LEADER -a -- nsenter -t $pid -m -- sh -c '! touch /usr/crashd-test 2>/dev/null'"
check "/var/spool/crashd is writable for it (ReadWritePaths=)" \
        bash -c "nsenter -t $LEADER -a -- nsenter -t $pid -m -- sh -c 'touch /var/spool/crashd/.t && rm /var/spool/crashd/.t'"

# ---------------------------------------------------------------- upgrade, purge
log "reinstall (the upgrade path), then purge"
C sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall /debs/crashd_*.deb' >"$TMP/reinstall.log" 2>&1 ||
        { cat "$TMP/reinstall.log"; fail "apt-get install --reinstall"; }
check "crashd runs after the upgrade" wait_for 10 active crashd.service crashd.socket
pkgs=$(C dpkg-query -W -f '${db:Status-Status} ${Package}\n' 'crashd*' 'libcrashdump*' 2>/dev/null | awk '$1 == "installed" { print $2 }')
C sh -c "DEBIAN_FRONTEND=noninteractive apt-get purge -y $(echo $pkgs)" >"$TMP/purge.log" 2>&1 ||
        { cat "$TMP/purge.log"; fail "apt-get purge"; }
check "crashd's units are gone" bash -c "[ -z \"\$(nsenter -t $LEADER -a -- systemctl list-unit-files --no-legend 'crashd*')\" ]"
check "crashd is not running" bash -c "! nsenter -t $LEADER -a -- pgrep -x crashd >/dev/null"
for d in /etc/crashd /var/lib/crashd /var/spool/crashd /run/crashd /var/lib/crashd-coredump; do
        check "$d is gone" C sh -c "[ ! -e $d ]"
done
check "no unit symlinks left in /etc/systemd/system" bash -c "[ -z \"\$(find '$ROOT/etc/systemd/system' -name '*crashd*')\" ]"

echo
echo "test-systemd.sh: $failures failed, $(($(date +%s) - START)) s"
[ "$failures" -eq 0 ]
