#!/usr/bin/env bash
# tests/package/test-package.sh: the Debian packages, built and used as a
# user would (issue 12). Run as root on Debian 12 with the build
# dependencies installed (scripts/install-deps.sh); scripts/test.sh runs it.
#
#  1. builds the packages from a clean copy of the tree (dpkg-buildpackage
#     -us -uc -b; the 'unit' suite runs with Debian's build flags) and runs
#     lintian on them: no error, no warning that debian/*.lintian-overrides
#     does not justify;
#  2. installs them with `apt-get install ./*.deb` and checks what is where:
#     the programs, the library and its soname, the conffile, the spool
#     (1733) and the state directory (0700), the units enabled, the man
#     pages, the completion, a program built with `pkg-config crashdump`;
#     with crashd-coredump, kernel.core_pattern set by its drop-in;
#  3. the quick start against the installed paths: examples/crashme (gcc)
#     under LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libcrashdump.so.0 leaves a
#     dump in the installed spool; then with the installed crashd running
#     (started in the foreground with --dir into a temporary directory when
#     systemd is not PID 1, otherwise the installed units) `crashctl list`
#     shows the crash and `crashctl show` its locals;
#  4. purges the packages and checks that nothing is left: no file dpkg
#     listed for them, no /etc/crashd, /var/lib/crashd, /var/spool/crashd,
#     /run/crashd, no unit symlinks, kernel.core_pattern as it was before.
#
# Whatever fails, the exit trap stops crashd, purges what was installed and
# puts core_pattern back. It refuses to run (exit 1) when not root, or
# when a crashd package, a core dump handler (systemd-coredump) or crashd's
# directories are already on the machine: it would purge someone's crashd.
#
# Exit status 0: passed; 1: failed; 77: skipped (not Debian, no
# dpkg-buildpackage). CRASHD_PACKAGE_DEBS=DIR tests the packages in DIR
# instead of building them; CRASHD_PACKAGE_OUT=DIR keeps the packages
# (and .changes) there.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
LIBDIR=/usr/lib/x86_64-linux-gnu
PACKAGES=(crashd-coredump libcrashdump-dev crashd libcrashdump0)
START=$(date +%s)

log() { printf '\n==> %s\n' "$*"; }
failures=0
ok() { printf 'ok - %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
check() {       # check DESCRIPTION COMMAND...
        local what=$1; shift
        if "$@"; then ok "$what"; else fail "$what"; fi
}
refuse() { echo "test-package.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || refuse "needs root (it installs and purges packages)"
if [ ! -r /etc/debian_version ] || ! command -v dpkg-buildpackage >/dev/null 2>&1; then
        echo "SKIP: not Debian, or no dpkg-buildpackage (scripts/install-deps.sh installs it)"
        exit 77
fi
for p in "${PACKAGES[@]}"; do
        st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
        case $st in
        ''|not-installed) ;;
        *) refuse "$p is already on this machine ($st): purge it first, or test elsewhere" ;;
        esac
done
handler=$(dpkg-query -W -f '${db:Status-Status} ${Package} ${Provides}\n' 2>/dev/null |
          awk '$1 == "installed" && /core-dump-handler/ { print $2 }')
[ -z "$handler" ] || refuse "$handler (a core dump handler) is installed; crashd-coredump would replace it"
for d in /etc/crashd /var/lib/crashd /var/spool/crashd /run/crashd /var/lib/crashd-coredump; do
        [ ! -e "$d" ] || refuse "$d exists (crashd installed by hand?); purging the packages would remove it"
done

TMP=$(mktemp -d /tmp/crashd-package.XXXXXX)
chmod 755 "$TMP"
CORE_PATTERN_BEFORE=$(cat /proc/sys/kernel/core_pattern)
CORE_PIPE_LIMIT_BEFORE=$(cat /proc/sys/kernel/core_pipe_limit)
CRASHD_PID=
INSTALLED=0

cleanup() {
        local status=$?
        if [ -n "$CRASHD_PID" ]; then
                kill "$CRASHD_PID" 2>/dev/null
                wait "$CRASHD_PID" 2>/dev/null
        fi
        if [ "$INSTALLED" = 1 ]; then
                echo "cleanup: purging the packages"
                dpkg --purge "${PACKAGES[@]}" >"$TMP/cleanup-purge.log" 2>&1 ||
                        cat "$TMP/cleanup-purge.log"
        fi
        if [ "$(cat /proc/sys/kernel/core_pattern)" != "$CORE_PATTERN_BEFORE" ]; then
                echo "cleanup: putting kernel.core_pattern back"
                printf '%s\n' "$CORE_PATTERN_BEFORE" > /proc/sys/kernel/core_pattern
        fi
        [ "$(cat /proc/sys/kernel/core_pipe_limit)" = "$CORE_PIPE_LIMIT_BEFORE" ] ||
                printf '%s\n' "$CORE_PIPE_LIMIT_BEFORE" > /proc/sys/kernel/core_pipe_limit
        rm -rf "$TMP"
        exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---------------------------------------------------------------- build
if [ -n "${CRASHD_PACKAGE_DEBS:-}" ]; then
        log "testing the packages in $CRASHD_PACKAGE_DEBS"
        mkdir -p "$TMP/out"
        cp "$CRASHD_PACKAGE_DEBS"/*.deb "$CRASHD_PACKAGE_DEBS"/*.changes "$CRASHD_PACKAGE_DEBS"/*.buildinfo \
                "$TMP/out/" || exit 1
else
        # A clean copy: the tracked files as they are in the work tree (so
        # uncommitted edits are tested too), none of the build directories.
        log "copying the tree into $TMP/src"
        mkdir -p "$TMP/src" "$TMP/out"
        if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
                (cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
                        xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
                        tar --null -T - -cf -) | tar -xf - -C "$TMP/src" || exit 1
        else
                tar -C "$SRC" --exclude='./build*' --exclude='./obj-*' --exclude=node_modules -cf - . |
                        tar -xf - -C "$TMP/src" || exit 1
        fi
        log "dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=parallel=$(nproc))"
        t0=$(date +%s)
        if ! (cd "$TMP/src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
              dpkg-buildpackage -us -uc -b >"$TMP/build.log" 2>&1); then
                tail -n 60 "$TMP/build.log"
                fail "dpkg-buildpackage"
                exit 1
        fi
        ok "dpkg-buildpackage ($(($(date +%s) - t0)) s)"
        grep '^dpkg-[a-z]*: warning' "$TMP/build.log"
        mv "$TMP"/*.deb "$TMP"/*.changes "$TMP"/*.buildinfo "$TMP/out/"
fi
ls "$TMP/out"
if [ -n "${CRASHD_PACKAGE_OUT:-}" ]; then
        # For test-systemd.sh, which installs the same packages.
        mkdir -p "$CRASHD_PACKAGE_OUT"
        rm -f "$CRASHD_PACKAGE_OUT"/*.deb "$CRASHD_PACKAGE_OUT"/*.changes "$CRASHD_PACKAGE_OUT"/*.buildinfo
        cp "$TMP"/out/* "$CRASHD_PACKAGE_OUT/"
fi

if command -v lintian >/dev/null 2>&1; then
        log "lintian"
        # The verdict without --show-overrides: with it, lintian 2.116
        # fails on overridden warnings too. Then the overridden tags are
        # shown, with the comment that justifies each.
        (cd "$TMP/out" && lintian --fail-on error,warning *.changes) >"$TMP/lintian.log" 2>&1
        lintian_status=$?
        (cd "$TMP/out" && lintian --show-overrides *.changes) >>"$TMP/lintian.log" 2>&1
        grep -v '^running with root privileges' "$TMP/lintian.log"
        check "lintian: no error or warning that is not overridden" [ "$lintian_status" -eq 0 ]
else
        fail "lintian is not installed (scripts/install-deps.sh installs it)"
fi

debs=()
for f in "$TMP"/out/*.deb; do
        case $f in *-dbgsym_*) ;; *) debs+=("$f") ;; esac
done
with_coredump=0
compgen -G "$TMP/out/crashd-coredump_*.deb" >/dev/null && with_coredump=1
[ "$with_coredump" = 1 ] || echo "(no crashd-coredump package: the tree has no coredump/ yet)"

# ---------------------------------------------------------------- install
log "apt-get install ./*.deb"
INSTALLED=1
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${debs[@]}" \
      >"$TMP/install.log" 2>&1; then
        cat "$TMP/install.log"
        fail "apt-get install"
        exit 1
fi
grep -E '^(Setting up|crashd)' "$TMP/install.log"
ok "apt-get install"

exists() { [ -e "$1" ]; }
mode_is() {     # mode_is PATH MODE OWNER:GROUP
        [ "$(stat -c '%a %U:%G' "$1" 2>/dev/null)" = "$2 $3" ]
}
for f in /usr/sbin/crashd /usr/bin/crashctl "$LIBDIR/libcrashdump.so.0" "$LIBDIR/libcrashdump.so" \
         /usr/include/crashdump/crashdump.h "$LIBDIR/pkgconfig/crashdump.pc" \
         /lib/systemd/system/crashd.service /lib/systemd/system/crashd.socket /usr/lib/tmpfiles.d/crashd.conf \
         /usr/share/man/man1/crashctl.1.gz /usr/share/man/man5/crashd.conf.5.gz /usr/share/man/man8/crashd.8.gz \
         /usr/share/man/man3/libcrashdump.3.gz /usr/share/man/man3/crashdump_write_dump.3.gz \
         /usr/share/bash-completion/completions/crashctl /usr/share/zsh/vendor-completions/_crashctl \
         /usr/share/doc/crashd/crashd.md; do
        check "installed: $f" exists "$f"
done
check "libcrashdump.so.0's soname is libcrashdump.so.0" \
        bash -c "objdump -p $LIBDIR/libcrashdump.so.0 | grep -qx '  SONAME               libcrashdump.so.0'"
check "/etc/crashd/crashd.conf is a conffile of crashd" \
        bash -c "dpkg-query -W -f '\${Conffiles}' crashd | grep -q '^ /etc/crashd/crashd.conf '"
check "/var/spool/crashd is 1733 root:root" mode_is /var/spool/crashd 1733 root:root
check "/var/lib/crashd is 700 root:root" mode_is /var/lib/crashd 700 root:root
check "crashd.socket is enabled" exists /etc/systemd/system/sockets.target.wants/crashd.socket
check "crashd.service is enabled" exists /etc/systemd/system/multi-user.target.wants/crashd.service
check "crashd --check-config accepts the installed config file" /usr/sbin/crashd --check-config

cat >"$TMP/api.c" <<'EOF'
#include <crashdump.h>

int main(void) {
        if (crashdump_set_tag("installed", "package") != 0)
                return 1;
        crashdump_breadcrumb(CRASHDUMP_INFO, "about to ask for a dump");
        return crashdump_write_dump() == 0 ? 0 : 2;
}
EOF
mkdir -p "$TMP/api-dumps"
check "a program built with pkg-config crashdump writes a dump" bash -c "
        gcc -o '$TMP/api' '$TMP/api.c' \$(pkg-config --cflags --libs crashdump) &&
        CRASHD_DUMP_DIR='$TMP/api-dumps' CRASHD_SOCKET= '$TMP/api' &&
        crashctl info '$TMP'/api-dumps/*.dmp.zst | grep -q 'installed = package'"

if [ "$with_coredump" = 1 ]; then
        dropin=/usr/lib/sysctl.d/50-crashd-coredump.conf
        check "installed: /usr/libexec/crashd/crashd-coredump" exists /usr/libexec/crashd/crashd-coredump
        check "installed: $dropin" exists "$dropin"
        want=$(sed -n 's/^[[:space:]]*-\{0,1\}kernel[./]core_pattern[[:space:]]*=[[:space:]]*//p' "$dropin" |
               tail -n 1 | sed 's/[[:space:]]*$//')
        check "kernel.core_pattern is the drop-in's ($want)" \
                [ "$(cat /proc/sys/kernel/core_pattern)" = "$want" ]
        check "the previous core_pattern is saved" \
                grep -qF "kernel.core_pattern	$CORE_PATTERN_BEFORE" /var/lib/crashd-coredump/sysctl.saved
fi

# ---------------------------------------------------------------- quick start
log "the quick start against the installed paths"
gcc -g -O0 -fno-omit-frame-pointer -pthread -o "$TMP/crashme" "$SRC/examples/crashme.c" ||
        { fail "gcc examples/crashme.c"; exit 1; }
PRELOAD=$LIBDIR/libcrashdump.so.0

spooled() { find /var/spool/crashd -maxdepth 1 -name 'crashme.*.dmp.zst' | wc -l; }
crashme_stored() {      # crashme_stored CONNECTION-OPTIONS...: the newest crashme's ID
        crashctl list "$@" --json -r 2>/dev/null | python3 -c '
import json, sys
c = [x for x in json.load(sys.stdin)["crashes"] if "crashme" in (x.get("program") or "") + (x.get("executable") or "")]
print(c[0]["id"] if c else "")'
}
wait_for() {    # wait_for SECONDS COMMAND...: until COMMAND succeeds
        local n=$(($1 * 10)); shift
        for _ in $(seq "$n"); do
                "$@" && return 0
                sleep 0.1
        done
        return 1
}
has_crashme() { [ -n "$(crashme_stored "$@")" ]; }

if [ -d /run/systemd/system ]; then
        # systemd is PID 1: the postinst started crashd.socket; the
        # dumper's notice (or crashctl) activates crashd.service.
        log "LD_PRELOAD=$PRELOAD crashme (systemd: the installed units)"
        LD_PRELOAD=$PRELOAD "$TMP/crashme" >"$TMP/crashme.out" 2>&1
        status=$?
        check "crashme dies of SIGSEGV under the preload (status $status)" [ "$status" -eq 139 ]
        check "crashctl list shows the crash" wait_for 30 has_crashme
        id=$(crashme_stored)
        [ -z "$id" ] || check "crashctl show $id has crashme's locals" \
                bash -c "crashctl show '$id' | grep -q 'tax_rate=0.2'"
else
        log "LD_PRELOAD=$PRELOAD crashme (no CRASHD_* set: the installed spool)"
        before=$(spooled)
        LD_PRELOAD=$PRELOAD "$TMP/crashme" >"$TMP/crashme.out" 2>&1
        status=$?
        check "crashme dies of SIGSEGV under the preload (status $status)" [ "$status" -eq 139 ]
        spooled_more() { [ "$(spooled)" -gt "$before" ]; }
        check "its dump is in /var/spool/crashd" wait_for 10 spooled_more
        dump=$(find /var/spool/crashd -maxdepth 1 -name 'crashme.*.dmp.zst' | head -n 1)
        [ -z "$dump" ] || check "crashctl info reads it" bash -c "crashctl info '$dump' | grep -q crashme"
        [ -z "$dump" ] || check "its mode is 0600" [ "$(stat -c %a "$dump")" = 600 ]

        log "/usr/sbin/crashd --dir $TMP/crashd (systemd is not PID 1: $(ps -p 1 -o comm=))"
        /usr/sbin/crashd --dir "$TMP/crashd" >"$TMP/crashd.log" 2>&1 &
        CRASHD_PID=$!
        if wait_for 20 crashctl status --dir "$TMP/crashd" >/dev/null 2>&1; then
                ok "crashd runs (crashctl status)"
        else
                cat "$TMP/crashd.log"
                fail "crashd runs (crashctl status)"
        fi
        LD_PRELOAD=$PRELOAD CRASHD_DUMP_DIR=$TMP/crashd/spool CRASHD_SOCKET=$TMP/crashd/notify.sock \
                "$TMP/crashme" >"$TMP/crashme.out" 2>&1
        status=$?
        check "crashme dies of SIGSEGV with crashd running (status $status)" [ "$status" -eq 139 ]
        check "crashctl list shows the crash" wait_for 60 has_crashme --dir "$TMP/crashd"
        crashctl list --dir "$TMP/crashd" -n 3
        id=$(crashme_stored --dir "$TMP/crashd")
        [ -z "$id" ] || check "crashctl show $id has crashme's locals" \
                bash -c "crashctl show --dir '$TMP/crashd' '$id' | grep -q 'tax_rate=0.2'"
        kill "$CRASHD_PID"
        wait "$CRASHD_PID"
        check "crashd exits 0 on SIGTERM" [ "$?" -eq 0 ]
        CRASHD_PID=
fi

# ---------------------------------------------------------------- purge
log "apt-get purge"
installed=()
for p in "${PACKAGES[@]}"; do
        if dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
                installed+=("$p")
                dpkg-query -L "$p" >>"$TMP/files"
        fi
done
if DEBIAN_FRONTEND=noninteractive apt-get purge -y "${installed[@]}" >"$TMP/purge.log" 2>&1; then
        INSTALLED=0
        ok "apt-get purge ${installed[*]}"
else
        cat "$TMP/purge.log"
        fail "apt-get purge"
fi
grep -iE 'warning|error' "$TMP/purge.log"

for p in "${PACKAGES[@]}"; do
        check "$p is not known to dpkg any more" \
                bash -c "! dpkg-query -W -f '\${db:Status-Status}' '$p' 2>/dev/null | grep -qv '^not-installed$'"
done
left=()
while IFS= read -r f; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        # A directory another package owns too (/usr/bin, /lib/systemd/system),
        # or /lib itself, a link to usr/lib on a merged /usr.
        [ "$f" = /. ] && continue
        [ -d "$f" ] && [ -L "$f" ] && continue
        [ -d "$f" ] && dpkg-query -S "$f" >/dev/null 2>&1 && continue
        left+=("$f")
done < <(sort -u "$TMP/files")
check "no file dpkg listed for them is left (${left[*]:-none})" [ "${#left[@]}" -eq 0 ]
for d in /etc/crashd /var/lib/crashd /var/spool/crashd /run/crashd /var/lib/crashd-coredump; do
        check "$d is gone" [ ! -e "$d" ]
done
units=$(find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
        /var/lib/systemd/deb-systemd-helper-masked -name '*crashd*' 2>/dev/null)
check "no unit symlinks or deb-systemd-helper state (${units:-none})" [ -z "$units" ]
check "kernel.core_pattern is as before ($CORE_PATTERN_BEFORE)" \
        [ "$(cat /proc/sys/kernel/core_pattern)" = "$CORE_PATTERN_BEFORE" ]
check "kernel.core_pipe_limit is as before ($CORE_PIPE_LIMIT_BEFORE)" \
        [ "$(cat /proc/sys/kernel/core_pipe_limit)" = "$CORE_PIPE_LIMIT_BEFORE" ]

echo
echo "test-package.sh: $failures failed, $(($(date +%s) - START)) s"
[ "$failures" -eq 0 ]
