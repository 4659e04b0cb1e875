#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/realworld/fetch-sources.sh DEST PKG...: the sources of real
# projects, from Debian 12's own binary packages (and one npm package),
# for run-realworld.py.
#
# Each PKG (librust-lua52-sys-dev, librust-onig-sys-dev, googletest: they
# ship C and C++ source trees as plain files) is unpacked into DEST/PKG/
# with `dpkg-deb -x`, not installed: no dependencies, no root needed for
# that part, nothing on the system changes. DEST is a git-ignored cache
# (the build folder's tests/realworld/sources).
#
# Idempotent and offline-friendly: a package already unpacked in DEST is
# left alone; a .deb already in DEST or in apt's own cache
# (/var/cache/apt/archives) is unpacked without the network; only a
# missing one is fetched, with `apt-get download` (the candidate version
# of the machine's apt lists). Parallel test cases share DEST: one at a
# time under DEST/.lock.
#
# Exit status: 0 when every PKG is in DEST, 2 when one could not be
# obtained (the runner then skips, or fails under CRASHD_REQUIRE_ORACLES=1).
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 DEST PKG..." >&2; exit 2; }
dest=$1
shift
mkdir -p "$dest/debs"
exec 9>"$dest/.lock"
flock 9
shopt -s nullglob

first() { [ $# -gt 0 ] && printf '%s\n' "$1"; return 0; }

# npm:NAME@VERSION: a package of the npm registry (SQLite's amalgamation
# comes in better-sqlite3), `npm pack`ed into DEST/debs and untarred; the
# version is pinned, so the cached tarball is the one wanted.
fetch_npm() {
        local pkg=$1 spec=${1#npm:} tgz packed
        tgz="$dest/debs/npm-${spec//\//-}.tgz"
        if [ ! -f "$tgz" ]; then
                command -v npm >/dev/null 2>&1 || { echo "$pkg: no npm to fetch it with" >&2; exit 2; }
                rm -rf "$dest/debs/npm.tmp"
                mkdir -p "$dest/debs/npm.tmp"
                if ! (cd "$dest/debs/npm.tmp" && npm pack -q "$spec" >/dev/null 2>&1); then
                        echo "$pkg: npm pack failed (no network?)" >&2
                        exit 2
                fi
                packed=$(first "$dest/debs/npm.tmp"/*.tgz)
                [ -n "$packed" ] || { echo "$pkg: npm pack left no tarball" >&2; exit 2; }
                mv "$packed" "$tgz"
                rm -rf "$dest/debs/npm.tmp"
        fi
        rm -rf "$dest/$pkg.tmp"
        mkdir -p "$dest/$pkg.tmp"
        tar -xzf "$tgz" -C "$dest/$pkg.tmp" || { echo "$pkg: cannot unpack $tgz" >&2; exit 2; }
        basename "$tgz" >"$dest/$pkg.tmp/.unpacked"
        rm -rf "${dest:?}/$pkg"
        mv "$dest/$pkg.tmp" "$dest/$pkg"
}

for pkg in "$@"; do
        [ -f "$dest/$pkg/.unpacked" ] && continue
        if [ "${pkg#npm:}" != "$pkg" ]; then
                fetch_npm "$pkg"
                continue
        fi
        deb=$(first "$dest/debs/${pkg}"_*.deb)
        [ -n "$deb" ] || deb=$(first /var/cache/apt/archives/"${pkg}"_*.deb)
        if [ -z "$deb" ]; then
                command -v apt-get >/dev/null 2>&1 || { echo "$pkg: no apt-get to fetch it with" >&2; exit 2; }
                # As root apt drops to the _apt user, who cannot write
                # into DEST: download as root, as apt would after warning.
                sandbox=()
                [ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
                if ! (cd "$dest/debs" && apt-get download -q "${sandbox[@]}" "$pkg" >/dev/null); then
                        echo "$pkg: apt-get download failed (no network, or not in the apt lists: apt-get update)" >&2
                        exit 2
                fi
                deb=$(first "$dest/debs/${pkg}"_*.deb)
                [ -n "$deb" ] || { echo "$pkg: apt-get download left no .deb" >&2; exit 2; }
        fi
        rm -rf "$dest/$pkg.tmp"
        dpkg-deb -x "$deb" "$dest/$pkg.tmp" || { echo "$pkg: cannot unpack $deb" >&2; exit 2; }
        basename "$deb" >"$dest/$pkg.tmp/.unpacked"
        rm -rf "${dest:?}/$pkg"
        mv "$dest/$pkg.tmp" "$dest/$pkg"
done
