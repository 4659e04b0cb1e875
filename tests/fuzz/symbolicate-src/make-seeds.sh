#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the fuzz-symbolicate seeds from module.c into ../symbolicate/:
# gcc and clang, -O0 and -O2, with DWARF 5 (and DWARF 4 at -O2 for the
# older location-list forms). No path of the build machine goes in: the
# compilation directory is mapped to /src, and .comment (compiler
# versions) is removed. Run from anywhere: sh make-seeds.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../symbolicate"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/module.c" "$tmp/"
cd "$tmp"
build() { # NAME CC FLAGS...
        name=$1 cc=$2
        shift 2
        "$cc" -g "$@" -fdebug-prefix-map="$tmp"=/src -o "$name" module.c
        objcopy --remove-section=.comment "$name"
        cp "$name" "$out/seed-$name"
}
build gcc-O0 gcc -O0
build gcc-O2 gcc -O2
build gcc-O2-dwarf4 gcc -O2 -gdwarf-4
if command -v clang >/dev/null; then
        build clang-O0 clang -O0
        build clang-O2 clang -O2
fi
ls -l "$out"
