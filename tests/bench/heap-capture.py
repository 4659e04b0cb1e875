#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""How much of the heap a dump holds, and what that costs (issue 10).

  heap-capture.py --dumper SO --crashctl EXE --refcrash EXE --source printers.cc
                  [--cxx g++] [--opt O0 --opt O2] [--heap-max N ...]

Builds tests/conformance/printers.cc (C++17, -g, -pthread) at each level,
crashes it under the dumper (it segfaults by design), symbolicates the dump
with `crashctl symbolicate --format json --no-mask`, and prints, for the
program's own frames, how many values of standard library types (a type
that names std::) print whole and how many are cut by "<unavailable>"
(memory the dump lacks), which ones, and the compressed dump size. Then
the same size for the reference C crash (tests/bench/refcrash.c).

Figures, not a timed test. It fails (exit 1) only when a program did not
crash or wrote no dump, or a dump is over its size goal: the reference
crash at most 16 KiB compressed, the C++ crash with its containers at most
64 KiB (at the default CRASHD_HEAP_MAX). Standard library only."""

import argparse
import json
import os
import subprocess
import sys
import tempfile

REF_GOAL = 16 * 1024
CXX_GOAL = 64 * 1024


def crash(argv, dumper, work, name, heap_max=None):
    d = os.path.join(work, name)
    os.mkdir(d)
    env = {k: v for k, v in os.environ.items() if not k.startswith('CRASHD_') and k != 'LD_PRELOAD'}
    env.update(LD_PRELOAD=dumper, CRASHD_DUMP_DIR=d, CRASHD_WAIT='1')
    if heap_max is not None:
        env['CRASHD_HEAP_MAX'] = str(heap_max)
    p = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    if p.returncode >= 0:
        raise RuntimeError('%s exited %d instead of crashing' % (argv[0], p.returncode))
    dumps = [f for f in os.listdir(d) if f.endswith('.dmp.zst') and not f.startswith('.')]
    if len(dumps) != 1:
        raise RuntimeError('%s: %d dumps' % (argv[0], len(dumps)))
    return os.path.join(d, dumps[0])


def values(crashctl, dump, exe):
    p = subprocess.run([crashctl, 'symbolicate', '--format', 'json', '--no-mask', dump],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if p.returncode != 0:
        raise RuntimeError('crashctl symbolicate: %s' % p.stderr.decode())
    out = []
    for t in json.loads(p.stdout)['threads']:
        for f in t['frames']:
            if f.get('module') != exe:
                continue
            for v in f.get('vars') or []:
                if 'std::' in (v.get('type') or '') and v.get('value') is not None:
                    out.append(('%s:%s' % (f.get('function'), v['name']), v['value']))
    return out


def kib(n):
    return '%.1f KiB' % (n / 1024)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dumper', required=True)
    ap.add_argument('--crashctl', required=True)
    ap.add_argument('--refcrash', required=True)
    ap.add_argument('--source', required=True)
    ap.add_argument('--cxx', default='g++')
    ap.add_argument('--opt', action='append')
    ap.add_argument('--heap-max', action='append', type=int,
                    help='CRASHD_HEAP_MAX values to try besides the default')
    a = ap.parse_args()
    over = []
    with tempfile.TemporaryDirectory(prefix='heap-capture.') as work:
        for opt in a.opt or ['O0', 'O2']:
            exe = os.path.join(work, 'printers-' + opt)
            subprocess.run([a.cxx, '-std=c++17', '-g', '-' + opt, '-pthread', '-o', exe, a.source],
                           check=True, timeout=300)
            for heap_max in [None] + (a.heap_max or []):
                label = '%s -%s, CRASHD_HEAP_MAX=%s' % (a.cxx, opt, 'default' if heap_max is None else heap_max)
                dump = crash([exe], a.dumper, work, 'p-%s-%s' % (opt, heap_max), heap_max)
                size = os.path.getsize(dump)
                vals = values(a.crashctl, dump, exe)
                cut = [n for n, v in vals if '<unavailable>' in v]
                print('printers.cc, %s: %d std:: values in its frames, %d complete, %d cut by <unavailable>; '
                      'dump %s compressed (goal <= %s)' % (label, len(vals), len(vals) - len(cut), len(cut),
                                                          kib(size), kib(CXX_GOAL)))
                for n in cut:
                    print('    cut: %s' % n)
                if heap_max is None and size > CXX_GOAL:
                    over.append(label)
        dump = crash([a.refcrash], a.dumper, work, 'ref')
        size = os.path.getsize(dump)
        print('refcrash (the reference C crash): dump %s compressed (goal <= %s)' % (kib(size), kib(REF_GOAL)))
        if size > REF_GOAL:
            over.append('refcrash')
    if over:
        print('over the size goal: %s' % ', '.join(over))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
