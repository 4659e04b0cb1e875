#!/usr/bin/env bash
# scripts/install-deps.sh: the Debian 12 packages crashd builds and tests
# with, and the npm tools the tests check our output with (into
# tests/node_modules). Run as root, or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=
if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || {
                echo "install-deps.sh: run as root or install sudo" >&2
                exit 1
        }
        SUDO=sudo
fi

pkgs=(meson ninja-build pkg-config gcc g++ clang libclang-rt-14-dev
      # libc++ for tests/conformance/printers-libcxx.cc (clang -stdlib=libc++)
      libc++-14-dev libc++abi-14-dev
      libzstd-dev zstd libdw-dev libelf-dev libdebuginfod-dev debuginfod
      libcmocka-dev elfutils gdb libc6-dbg python3 curl
      # lldb reads the cores of crashctl export --core (tests/export)
      lldb-14
      # CPython's debug build, which tests/realworld crashes
      python3.11-dbg
      # crashd: its loop, store, API and service; systemd-analyze and
      # systemd-socket-activate for its tests (PID 1 need not be systemd).
      libevent-dev libsqlite3-dev libjansson-dev libsystemd-dev libssl-dev systemd util-linux
      # forwarding to Sentry and webhooks
      libcurl4-openssl-dev
      # gzip'ed uploads; headless Chromium for tests/web
      zlib1g-dev chromium
      # the man pages (man/*.scd), and tests/install: man(1) checks them,
      # bash-completion and zsh run crashctl's completion
      scdoc man-db zsh bash-completion)
# Debian's npm conflicts with an upstream (nodesource) nodejs: take node
# and npm from apt only when there are none.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        pkgs+=(nodejs npm)
fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null

if [ "${1:-}" = "--with-test-tools" ]; then
        # --ignore-scripts: `minidump` ships prebuilt minidump_stackwalk and
        # dump_syms; its install script wants yarn and git submodules.
        (cd tests && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
