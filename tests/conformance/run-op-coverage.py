#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/conformance/run-op-coverage.py: every DWARF operation gcc 12 and
clang 14 emit, and libc's debug info holds, is one the evaluator knows.

Builds conf.c and conf.cc with gcc and clang at -O0, -Og, -O2 and -O3, finds
libc's debug file (libc6-dbg, by build-id), and runs dwarf-op-coverage over
them all; fails when any expression uses an operation the evaluator does
not implement. Skips (77) without libc6-dbg or a compiler."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def libc_debug_file():
    out = subprocess.run(['ldd', '/bin/true'], capture_output=True, text=True).stdout
    libc = next((line.split('=>')[1].split()[0] for line in out.splitlines() if 'libc.so' in line), None)
    if not libc:
        return None
    notes = subprocess.run(['readelf', '-n', libc], capture_output=True, text=True).stdout
    bid = next((line.split()[-1] for line in notes.splitlines() if 'Build ID' in line), None)
    path = '/usr/lib/debug/.build-id/%s/%s.debug' % (bid[:2], bid[2:]) if bid else None
    return path if path and os.path.exists(path) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--walker', required=True)
    ap.add_argument('--source', action='append', required=True)
    ap.add_argument('--gap', action='append', default=[])
    a = ap.parse_args()
    dbg = libc_debug_file()
    if not dbg:
        print('SKIP: no libc debug file (libc6-dbg)')
        return SKIP
    compilers = {'c': ['gcc', 'clang'], 'cc': ['g++', 'clang++']}
    files = []
    with tempfile.TemporaryDirectory(prefix='op-coverage-') as work:
        for src in a.source:
            kind = 'cc' if src.endswith('.cc') else 'c'
            for cc in compilers[kind]:
                if not shutil.which(cc):
                    print('SKIP: no %s' % cc)
                    return SKIP
                for opt in ('O0', 'Og', 'O2', 'O3'):
                    exe = os.path.join(work, '%s-%s-%s' % (os.path.basename(src), cc, opt))
                    cmd = [cc, '-g', '-' + opt, '-pthread', '-o', exe, src]
                    if cc.startswith('clang'):
                        cmd.insert(1, '-Wno-unknown-attributes')
                    subprocess.run(cmd, check=True)
                    files.append(exe)
        cmd = [a.walker] + sum([['--gap', g] for g in a.gap], []) + files + [dbg]
        return subprocess.run(cmd).returncode


if __name__ == '__main__':
    sys.exit(main())
