#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Standard library values against gdb's own printers, on the core of the
very same crash (meson suite 'conformance').

  run-printers.py --source printers.cc --cc gcc|clang --opt O0|O2
                  --dumper SO --crashctl EXE [--min-equal F]
  run-printers.py --source printers.cc --cc gcc --opt O0 --corrupt ...

1. Builds SOURCE (C++17, -g) with the compiler at that level.
2. Crashes it once under the dumper with a kernel core coming (the
   conformance suite's crash(): core_pattern and RLIMIT_CORE set, and put
   back however this ends).
3. Runs gdb 13 on the core with the libstdc++ printers Debian installs
   (auto-loaded with libstdc++.so.6) and compares every value of the
   program's own frames, every thread, with `crashctl symbolicate --format
   json`: the whole text of each value must be equal. Where ours stops at
   <unavailable> (memory the dump lacks) what comes before must be equal;
   that value counts as partial.
4. Runs gdb again without printers and compares `crashctl symbolicate
   --raw` with it the same way: --raw is gdb's print/r.

Prints a table: each variable, gdb's value and whether ours is equal.
Fails on any value that differs, and when fewer than --min-equal of them
are wholly equal (with printers). With --corrupt the program breaks some
containers before crashing: each must print its mark (a cycle, an end
before its start, an unreadable element) in bounded time and size.

Exit status: 0 pass, 1 fail, 77 skip (no gdb, or core_pattern cannot be
changed: not root). Standard library only.
"""

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
sys.path.insert(0, HERE)
from gdb_values import parse_gdb  # noqa: E402
from testkit import core_pattern_set, core_pattern_writable  # noqa: E402

spec = importlib.util.spec_from_file_location('run_conformance', os.path.join(HERE, 'run-conformance.py'))
conformance = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conformance)

SKIP = 77
TIMEOUT = 180
CXX = {'gcc': 'g++', 'clang': 'clang++'}

# What each corrupt container of `printers corrupt` must say.
CORRUPT_MARKS = {
    'backwards': 'std::vector of length -3, capacity 0 = {<error: a corrupt std::vector: its end is before its start>}',
    'cycle': "std::map with 3 elements = {[1] = 1, <error: the tree's links go round in a cycle>}",
    'loop': "std::__cxx11::list = {[0] = 1, [1] = 2, [2] = 3, [3] = <error: the list's links go round in a cycle>}",
    'wild': '= {<unavailable>}',
    'amplify': "<error: the value's text passed 1 MiB and was cut>",
}


def build(a, work):
    exe = os.path.join(work, 'printers-%s-%s' % (a.cc, a.opt))
    # clang leaves libstdc++'s extern templates (std::string) declared
    # only, and Debian's libstdc++6 has no debug info to define them: gdb's
    # printers then fail ("There is no member named _M_p"), and gdb is no
    # oracle. -fstandalone-debug emits them, as GCC does by default.
    flags = [CXX[a.cc], '-std=c++17', '-g', '-' + a.opt, '-pthread'] + (['-fstandalone-debug'] if a.cc == 'clang' else [])
    # The class with its vtable in another module: a shared library.
    lib = os.path.join(work, 'libprinters-parser.so')
    cmds = [flags + ['-fPIC', '-shared', '-o', lib, os.path.join(os.path.dirname(a.source), 'printers-parser.cc')],
            flags + ['-o', exe, a.source, lib, '-Wl,-rpath,' + work]]
    for cmd in cmds:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
        if r.returncode != 0:
            raise RuntimeError('%s failed:\n%s' % (' '.join(cmd), r.stdout.decode()))
    return exe


def gdb(exe, core, work, printers):
    cmd = ['gdb', '-batch', '-nx', '-iex', 'set debuginfod enabled off']
    if not printers:
        cmd += ['-iex', 'set auto-load python-scripts off']
    cmd += ['-ex', 'set width 0', '-ex', 'set height 0', '-ex', 'set print frame-arguments all',
            '-ex', 'set print entry-values no', '-ex', 'set backtrace past-main on',
            '-ex', 'thread apply all bt full', exe, core]
    # gdb's warnings ("RTTI symbol not found") go to stderr, apart: they
    # would land in the middle of a value.
    r = subprocess.run(cmd, env={'PATH': '/usr/bin:/bin', 'LC_ALL': 'C', 'HOME': work}, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    # Some warnings still reach stdout, in the middle of a value.
    return re.sub(r"warning: RTTI symbol not found for class '[^']*'\n", '', r.stdout.decode('utf-8', 'replace'))


def symbolicate(crashctl, dump, raw):
    cmd = [crashctl, 'symbolicate', '--format', 'json', '--no-mask'] + (['--raw'] if raw else []) + [dump]
    t0 = time.monotonic()
    s = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    took = time.monotonic() - t0
    if s.returncode != 0:
        raise RuntimeError('%s failed (%d): %s' % (' '.join(cmd), s.returncode, s.stderr.decode()))
    return json.loads(s.stdout), took, len(s.stdout)


def our_text(v):
    text = v['value'] if v.get('value') is not None else '<%s>' % v.get('reason', '?')
    # What gdb reads from a call-clobbered register of a caller frame is
    # what the callee left there (run-conformance.py counts these apart).
    if text == '<optimized out>' and 'call-clobbered' in (v.get('detail') or ''):
        return CLOBBERED
    return text


CLOBBERED = '<optimized out: call-clobbered>'


def own_values(gdb_text, report, source):
    """[(where, name, gdb's text, ours or None)] of the program's frames."""
    base = os.path.basename(source)   # the program's own frames
    othreads = {th['tid']: th['frames'] for th in report['threads']}
    out = []
    for tid, gframes in sorted(parse_gdb(gdb_text).items()):
        ours = [f for f in othreads.get(tid, []) if f.get('file') and os.path.basename(f['file']) == base]
        mine = [f for f in gframes if f['file'] and os.path.basename(f['file']) == base]
        for k, gf in enumerate(mine):
            of = ours[k] if k < len(ours) and ours[k].get('function') == gf['function'] else None
            ovars = {}
            for v in (of or {}).get('vars') or []:
                ovars.setdefault(v['name'], our_text(v))
            for name, value in gf['args'] + gf['locals']:
                out.append(('%d %s' % (tid, gf['function'].split('(')[0]), name, value, ovars.get(name)))
    return out


def verdict(g, o):
    if 'Python Exception' in g:
        # libstdc++'s printer failed in gdb (clang leaves std::string, an
        # extern template, declared only): no oracle for this value.
        return 'gdb-error'
    if o == CLOBBERED:
        return 'clobbered'
    if o is None:
        return 'missing'
    if o == g:
        return 'equal'
    k = o.find('<unavailable>')
    if k >= 0 and g.startswith(o[:k]):
        return 'partial'
    return 'DIFFERENT'


def compare(rows, label):
    counts = {'equal': 0, 'partial': 0, 'clobbered': 0, 'gdb-error': 0, 'missing': 0, 'DIFFERENT': 0}
    print('\n%s: %d values' % (label, len(rows)))
    print('%-24s %-14s %-9s %s' % ('frame', 'variable', 'ours', "gdb's value"))
    for where, name, g, o in rows:
        v = verdict(g, o)
        counts[v] += 1
        print('%-24s %-14s %-9s %s' % (where, name, v, g if len(g) < 160 else g[:157] + '...'))
        if v == 'DIFFERENT':
            print('%-24s %-14s %-9s %s' % ('', '', 'ours', o))
    print('%s: %s' % (label, ', '.join('%d %s' % (n, k) for k, n in counts.items())))
    return counts


def run(a, work):
    exe = build(a, work)
    with core_pattern_set(os.path.join(work, 'core.%p')):
        dump, pid = conformance.crash(exe, 'segv', a.dumper, work, 'a', -1,
                                      args=['corrupt'] if a.corrupt else [])
    core = os.path.join(work, 'core.%d' % pid)
    if not os.path.exists(core):
        raise RuntimeError('no core at %s' % core)
    failures = []
    report, took, size = symbolicate(a.crashctl, dump, raw=False)
    print('symbolicated in %.2f s, %d bytes of JSON; dump %d bytes' % (took, size, os.path.getsize(dump)))
    if a.corrupt:
        values = {}
        for th in report['threads']:
            for f in th['frames']:
                for v in f.get('vars') or []:
                    values.setdefault(v['name'], our_text(v))
        for name, mark in CORRUPT_MARKS.items():
            got = values.get(name)
            print('%-10s %s' % (name, got if got is None or len(got) < 300 else got[:200] + ' ... ' + got[-100:]))
            if got is None or mark not in got:
                failures.append('%s: %r does not say %r' % (name, got, mark))
        huge = values.get('huge') or ''
        if huge != '<error: a corrupt std::string: length 9223372036854775807, capacity 15>':
            failures.append('huge: a string longer than its buffer must say so: %r' % huge[:500])
        if 'wild' in values and '<unavailable>' not in values['wild']:
            failures.append('wild: elements nothing maps must read <unavailable>: %r' % values['wild'])
        if took > 30 or size > 4 << 20:
            failures.append('corrupt containers cost %.1f s and %d bytes' % (took, size))
        return failures
    pretty = compare(own_values(gdb(exe, core, work, True), report, a.source), 'with printers')
    raw_report, _, _ = symbolicate(a.crashctl, dump, raw=True)
    raw = compare(own_values(gdb(exe, core, work, False), raw_report, a.source), '--raw against gdb without printers')
    for label, c in (('with printers', pretty), ('--raw', raw)):
        if c['DIFFERENT'] or c['missing']:
            failures.append('%s: %d values differ from gdb, %d missing' % (label, c['DIFFERENT'], c['missing']))
    total = sum(pretty.values()) - pretty['clobbered'] - pretty['gdb-error']
    share = pretty['equal'] / total if total else 0
    print('\nequal with printers: %.3f (%d of %d), partial %d' % (share, pretty['equal'], total, pretty['partial']))
    if total == 0 or share < a.min_equal:
        failures.append('only %.3f of the values are wholly equal (at least %.3f)' % (share, a.min_equal))
    return failures


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--source', required=True)
    p.add_argument('--cc', choices=sorted(CXX), required=True)
    p.add_argument('--opt', required=True)
    p.add_argument('--dumper', required=True)
    p.add_argument('--crashctl', required=True)
    p.add_argument('--min-equal', type=float, default=1.0)
    p.add_argument('--corrupt', action='store_true')
    a = p.parse_args()
    a.dumper, a.crashctl, a.source = (os.path.abspath(x) for x in (a.dumper, a.crashctl, a.source))
    if not shutil.which('gdb') or not shutil.which(CXX[a.cc]):
        print('SKIP: gdb or %s missing' % CXX[a.cc])
        return SKIP
    if not core_pattern_writable():
        print('SKIP: core_pattern cannot be changed (not root)')
        return SKIP
    work = tempfile.mkdtemp(prefix='crashd-printers-')
    try:
        failures = run(a, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print('FAIL: ' + f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
