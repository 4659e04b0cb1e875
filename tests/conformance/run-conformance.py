#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Conformance of `crashctl symbolicate` against gdb on the core of the very
same crash (meson suite 'conformance').

  run-conformance.py --source conf.c --cc gcc|clang --opt O0|Og|O2|O3
                     [--mode segv|abort] [--plugin conf-plugin.c]
                     --dumper SO --crashctl EXE [thresholds]
  run-conformance.py --exe PROGRAM --own DIR-OR-FILE... --name LABEL
                     --cc gcc|clang --opt LEVEL --dumper SO --crashctl EXE [thresholds]

With --exe the program is prebuilt (tests/realworld/run-realworld.py
builds real projects and calls run_case() here); its own frames are those
whose source file lies under one of the --own paths, instead of the one
--source file (by basename).

1. Builds SOURCE with the compiler at that level (-g), in a temp folder,
   and PLUGIN as a shared library that the program dlopen()s (its path in
   CONF_PLUGIN): its frames count as the program's.
2. Crashes it once under the dumper with RLIMIT_CORE unlimited and
   core_pattern pointed at the temp folder (put back however this ends,
   under the lock every test that changes it takes): one crash leaves our
   dump (the ptrace path: a core is coming) and the kernel's core.
3. Crashes it again with no core coming: the dumper parks the threads with
   a signal instead of ptrace. ASLR is off and the environment the same, so
   both dumps must symbolicate to the same frames and values, thread by
   thread.
4. Runs `gdb -batch -ex 'thread apply all bt full' EXE CORE` and compares
   it with `crashctl symbolicate --format json` of the first dump: every
   thread (by LWP), every frame (libc's too, with libc6-dbg), every value
   gdb shows, leaf by leaf, addresses exactly.

It prints one table row per program: values gdb shows, equal, unknown to
us (by reason), different, known to us and not to gdb, pointer symbols gdb
names and we do not, values gdb reads from a call-clobbered register of a
caller frame (gdb shows what the callee left there; we say optimized out,
and they are counted apart), frames gdb shows and we do not; for the
program's own frames and for the libraries' frames apart.

Fails on: any value that differs (the worst bug crashd can have), a value
we print where gdb says it is not known, a pointer gdb names and we do not, the two dump paths disagreeing,
and fewer known values or more missing frames than the thresholds allow
(set per program in meson.build: they only go up).

Exit status: 0 pass, 1 fail, 77 skip (no gdb, or core_pattern cannot be
changed: not root). Standard library only.
"""

import argparse
import ctypes
import difflib
import glob
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
sys.path.insert(0, HERE)
from gdb_values import Tally, compare_vars, parse_gdb  # noqa: E402
from testkit import core_pattern_set, core_pattern_writable  # noqa: E402

SKIP = 77
TIMEOUT = 180
ADDR_NO_RANDOMIZE = 0x0040000
COMPILERS = {('gcc', 'c'): 'gcc', ('gcc', 'c++'): 'g++', ('clang', 'c'): 'clang', ('clang', 'c++'): 'clang++'}


def build(a, work):
    lang = 'c++' if a.source.endswith('.cc') else 'c'
    exe = os.path.join(work, 'conf-%s-%s-%s' % ('cxx' if lang == 'c++' else 'c', a.cc, a.opt))
    cmd = [COMPILERS[(a.cc, lang)], '-g', '-' + a.opt, '-pthread', '-o', exe, a.source]
    if a.cc == 'clang':
        cmd.insert(1, '-Wno-unknown-attributes')       # noclone is GCC's
    cmds = [cmd]
    if a.plugin:
        so = os.path.join(work, 'libconf-plugin.so')
        cmds.append(cmd[:cmd.index('-o')] + ['-fPIC', '-shared', '-o', so, a.plugin])
        a.plugin_so = so
    for c in cmds:
        r = subprocess.run(c, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
        if r.returncode != 0:
            raise RuntimeError('%s failed:\n%s' % (' '.join(c), r.stdout.decode()))
    return exe


def crash(exe, mode, dumper, work, name, core_limit, plugin_so=None, args=(), extra_env=None):
    """Runs exe (with args) under the dumper; returns (dump path, pid)."""
    dumps = os.path.join(work, 'dumps-' + name)
    os.mkdir(dumps)
    # CRASHD_WAIT: the dump is in place when the program has exited.
    env = {'PATH': '/usr/bin:/bin', 'LC_ALL': 'C', 'HOME': work,
           'LD_PRELOAD': dumper, 'CRASHD_DUMP_DIR': dumps, 'CRASHD_WAIT': '1'}
    if plugin_so:
        env['CONF_PLUGIN'] = plugin_so
    env.update(extra_env or {})

    def child():
        ctypes.CDLL(None, use_errno=True).personality(ADDR_NO_RANDOMIZE)
        resource.setrlimit(resource.RLIMIT_CORE, (core_limit, resource.getrlimit(resource.RLIMIT_CORE)[1]))

    p = subprocess.Popen([exe] + list(args) + ([mode] if mode != 'segv' else []), env=env, cwd=work, preexec_fn=child, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=TIMEOUT)
    want = signal.SIGABRT if mode == 'abort' else signal.SIGSEGV
    if p.returncode != -want:
        raise RuntimeError('%s ended with %d, not %s: %s' % (name, p.returncode, want.name, err.decode()))
    files = glob.glob(os.path.join(dumps, '*.dmp*'))
    if len(files) != 1:
        raise RuntimeError('%s: expected one dump, found %s' % (name, files))
    return files[0], p.pid


def symbolicate(crashctl, dump):
    # gdb runs without printers here: --raw is its print/r (run-printers.py
    # compares the printers).
    s = subprocess.run([crashctl, 'symbolicate', '--format', 'json', '--no-mask', '--raw', dump],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    if s.returncode != 0:
        raise RuntimeError('crashctl symbolicate failed (%d): %s' % (s.returncode, s.stderr.decode()))
    return json.loads(s.stdout), s.stdout.decode()


def run_gdb(exe, core, work):
    cmd = ['gdb', '-batch', '-nx',
           '-iex', 'set auto-load python-scripts off',
           '-iex', 'set debuginfod enabled off',
           '-ex', 'set width 0', '-ex', 'set height 0',
           '-ex', 'set print frame-arguments all',
           '-ex', 'set print entry-values no',
           # gdb stops at main by default; crashd shows the frames above it.
           '-ex', 'set backtrace past-main on',
           '-ex', 'thread apply all bt full', exe, core]
    r = subprocess.run(cmd, env={'PATH': '/usr/bin:/bin', 'LC_ALL': 'C', 'HOME': work},
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    return r.stdout.decode('utf-8', 'replace')


def own_frame(gf, a):
    own = {os.path.basename(a.source)} | ({os.path.basename(a.plugin)} if a.plugin else set())
    return gf['file'] is not None and os.path.basename(gf['file']) in own


def under_tree(gf, roots):
    """gdb names the file as the compiler was given it: absolute paths in
    tests/realworld, where every source and -I is absolute."""
    f = gf['file']
    return f is not None and any(f == r or f.startswith(r.rstrip('/') + '/') for r in roots)


def is_own(a, gf):
    if getattr(a, 'own_prefixes', None):
        return gf['file'] is not None and any(gf['file'].startswith(p) for p in a.own_prefixes)
    return under_tree(gf, a.own) if getattr(a, 'own', None) else own_frame(gf, a)


def compare_with_gdb(a, gdb_text, report):
    """Tallies for the program's frames and the libraries', and the frames
    gdb shows that we do not."""
    gthreads = parse_gdb(gdb_text)
    othreads = {th['tid']: th['frames'] for th in report['threads']}
    own, lib = Tally(), Tally()
    frames = {'gdb': 0, 'agree': 0, 'missing': [], 'extra': [], 'tailcall': []}
    if not gthreads:
        own.problems.append('no threads in gdb output:\n' + gdb_text)
    if set(gthreads) != set(othreads):
        own.problems.append('threads: gdb %s, ours %s' % (sorted(gthreads), sorted(othreads)))
    for tid, gframes in sorted(gthreads.items()):
        oframes = othreads.get(tid, [])
        # gdb's "??": a frame in a module with no symbol there (the thread
        # entry of libstdc++, which has no .symtab and not that one in
        # .dynsym); ours has no function either.
        gnames = [None if gf['function'] == '??' else gf['function'] for gf in gframes]
        onames = [of.get('function') for of in oframes]
        frames['gdb'] += len(gframes)
        sm = difflib.SequenceMatcher(a=gnames, b=onames, autojunk=False)
        opcodes = sm.get_opcodes()
        callee_of_tailcall = set()      # our frame indices
        for op, g0, g1, o0, o1 in opcodes:
            if unverified_tailcall(op, g0, g1, o0, o1, gframes, oframes):
                frames['tailcall'].append('%d %s (below %s, above %s)' % (tid, onames[o0], gnames[g0 - 1],
                                                                           gnames[g0]))
                callee_of_tailcall.add(o0 - 1)
        correct_gdb_callsite_registers(gframes, oframes, opcodes, own)
        for op, g0, g1, o0, o1 in opcodes:
            if unverified_tailcall(op, g0, g1, o0, o1, gframes, oframes):
                continue
            if op != 'equal':
                frames['missing'] += ['%d#%d %s' % (tid, gframes[k]['n'], gnames[k]) for k in range(g0, g1)]
                frames['extra'] += ['%d %s' % (tid, onames[k]) for k in range(o0, o1)]
                continue
            for j, (gf, of) in enumerate(zip(gframes[g0:g1], oframes[o0:o1]), o0):
                t = own if is_own(a, gf) else lib
                t.accept_more = j in callee_of_tailcall
                where = '%d#%d %s' % (tid, gf['n'], gf['function'])
                if gdb_line_truncated(gf['line'], of.get('line')):
                    t.notes.append('%s: line gdb %s, ours %s (gdb keeps 16 bits of it)'
                                   % (where, gf['line'], of.get('line')))
                elif gf['line'] is not None and gf['line'] != of.get('line'):
                    t.problems.append('%s: line gdb %s, ours %s' % (where, gf['line'], of.get('line')))
                    continue
                frames['agree'] += 1
                ovars = of.get('vars') or []
                compare_vars(gf['args'], [v for v in ovars if v.get('kind') == 'param'], where + ' arg', t)
                compare_vars(gf['locals'], [v for v in ovars if v.get('kind') == 'local'], where + ' local', t)
                t.accept_more = False
    return own, lib, frames


def gdb_line_truncated(gline, oline):
    """gdb 13 keeps an inlined call's line (DW_AT_call_line, a symbol's
    line) in 16 bits: in tests/realworld's sqlite3.c, whose 260,000 lines
    run past 65,535, sqlite3_step's call of sqlite3Step at line 94236
    (`while( (rc = sqlite3Step(v))==SQLITE_SCHEMA`, DW_AT_call_line data4
    94236) shows as 28700, a line in the middle of the memory statistics
    (`mem.mxCurrent[i] = mem.nCurrent[i];`). Ours is the DWARF's line."""
    return gline is not None and oline is not None and oline > 65535 and oline % 65536 == gline


# An entry value gdb 13 resolves with the callee's registers instead of the
# caller's, proved from gdb's own output of the same thread: the parameter
# (function, name) is DW_OP_entry_value(reg) of a function inlined into
# `outer`, where `outer`'s parameter `same` is the value the call passed in
# that register; the caller's call site gives the register as a callee-
# saved one (DW_OP_breg3 rbx in sqlite3_exec's call of sqlite3_step),
# which the callee has reused by then. gdb's value is then the caller
# frame's `reused` (sqlite3_exec's db, which sqlite3_step keeps in rbx),
# where the source passes `same` unchanged (sqlite3.c: `Vdbe *v =
# (Vdbe*)pStmt; ... sqlite3Step(v)`). Ours must equal gdb's `same`.
GDB_CALLSITE_WRONG = [
    # (inlined function, its parameter, outer function, its parameter,
    #  caller of outer, the caller's variable gdb reads instead)
    ('sqlite3Step', 'p', 'sqlite3_step', 'pStmt', 'sqlite3_exec', 'db'),
]


def correct_gdb_callsite_registers(gframes, oframes, opcodes, t):
    """Applies GDB_CALLSITE_WRONG: replaces gdb's value with the proven one
    (noted), so that ours is compared with it."""
    def arg(frame, name):
        for n, v in frame['args']:
            if n == name:
                return v
        return None

    pairs = [(gframes[g0 + k], oframes[o0 + k], g0 + k)
             for op, g0, g1, o0, o1 in opcodes if op == 'equal' for k in range(g1 - g0)]
    for inner, pname, outer, same, caller, reused in GDB_CALLSITE_WRONG:
        for gf, of, k in pairs:
            if gf['function'] != inner or k + 2 >= len(gframes):
                continue
            go, gc = gframes[k + 1], gframes[k + 2]
            if go['function'] != outer or gc['function'] != caller:
                continue
            gval, want, wrong = arg(gf, pname), arg(go, same), arg(gc, reused)
            if gval is None or want is None or gval != wrong or gval == want:
                continue
            gf['args'] = [(n, want if n == pname else v) for n, v in gf['args']]
            t.notes.append('#%d %s arg %s: gdb says %s, the caller\'s %s; the call passed %s\'s %s = %s'
                           % (gf['n'], inner, pname, gval, reused, outer, same, want))


def unverified_tailcall(op, g0, g1, o0, o1, gframes, oframes):
    """One frame of ours that gdb does not show, between two it does: a
    tail-call frame (DW_AT_call_tail_call) of a function the caller called
    through a pointer, whose value gdb shows in the caller's frame, named
    by that function's symbol. gdb 13 rebuilds tail calls only from call
    sites whose target it can compute without a frame (DW_AT_call_origin,
    a constant address), never from a DW_AT_call_target expression, so it
    cannot show the frame; we evaluate the expression with the caller's
    registers. Its values are not compared (gdb has none), nor what its
    callee knows only through it (entry values at its tail-call site):
    counted apart, at most --max-unverified-tailcalls. Real code at -O2:
    Lua's luaD_rawrunprotected calls (*f)(L, ud) and f_call jumps on to
    luaD_call."""
    if op != 'insert' or o1 - o0 != 1 or g0 == 0 or g0 >= len(gframes) or not oframes[o0].get('tailcall'):
        return False
    target = re.compile(r'0x[0-9a-f]+ <%s>' % re.escape(oframes[o0].get('function') or ''))
    caller = gframes[g0]
    return any(target.fullmatch(v) for _, v in caller['args'] + caller['locals'])


# Values that differ between any two runs of the program, whatever the
# dumper does: glibc mangles the registers a jmp_buf keeps with the
# per-process pointer guard (PTR_MANGLE, from AT_RANDOM).
PER_PROCESS = {('start_thread', 'unwind_buf'), ('__libc_start_call_main', 'unwind_buf')}


def compare_paths(ptrace, parked):
    """The parking path and the ptrace path: the same frames and values in
    every thread (matched by name, then order: tids differ between runs)."""
    problems = []

    def values(frame):
        return [(v['name'], v.get('value'), v.get('reason')) for v in frame.get('vars') or []
                if (frame.get('function'), v['name']) not in PER_PROCESS]

    def key(th):
        return (th.get('name') or '', th['crashed'])

    a, b = sorted(ptrace['threads'], key=key), sorted(parked['threads'], key=key)
    if [key(t) for t in a] != [key(t) for t in b]:
        return ['threads: ptrace %s, parked %s' % ([key(t) for t in a], [key(t) for t in b])]
    for ta, tb in zip(a, b):
        fa = [(f.get('function'), f.get('line'), f.get('pc')) for f in ta['frames']]
        fb = [(f.get('function'), f.get('line'), f.get('pc')) for f in tb['frames']]
        if fa != fb:
            problems.append('thread %s: frames ptrace %s, parked %s' % (ta.get('name'), fa, fb))
            continue
        for f, g in zip(ta['frames'], tb['frames']):
            va, vb = values(f), values(g)
            if va != vb:
                problems.append('thread %s %s: values ptrace %s, parked %s' % (ta.get('name'), f.get('function'),
                                                                                va, vb))
    return problems


def known(t):
    return t.equal / t.compared if t.compared else 1.0


def row(label, t):
    unknown = sum(t.unknown.values())
    return ('| %-22s | %6d | %6d %5.1f%% | %5d %-28s | %6d | %7d | %8d | %6d |'
            % (label, t.compared, t.equal, 100 * known(t), unknown,
               ', '.join('%s %d' % kv for kv in sorted(t.unknown.items())) or '-', t.differ, t.we_more,
               t.sym_missing, t.gdb_lost))


def report(a, own, lib, frames, path_problems):
    name = '%s %s -%s%s' % (getattr(a, 'name', None) or os.path.basename(a.source), a.cc, a.opt,
                            ' abort' if a.mode == 'abort' else '')
    print('| frames of %-11s | values gdb shows | equal | we say unknown (why) | differ | we know, '
          'gdb not | symbols gdb names, we not | gdb reads a lost register |' % '')
    print(row(name + ' own', own))
    print(row(name + ' libs', lib))
    print('frames: gdb shows %d, %d agree, %d missing here %s, %d here only %s'
          % (frames['gdb'], frames['agree'], len(frames['missing']), frames['missing'], len(frames['extra']),
             frames['extra']))
    if frames['tailcall']:
        print('tail-call frames gdb cannot rebuild (a call through a pointer gdb names), not compared: %d %s'
              % (len(frames['tailcall']), frames['tailcall']))
    for t in (own, lib):
        for n in t.notes:
            print('  note:', n)
    failures = own.problems + lib.problems + ['parking and ptrace differ: ' + p for p in path_problems]
    if known(own) < a.min_known_own:
        failures.append('program frames: %.1f%% of gdb\'s values known, want >= %.1f%%'
                        % (100 * known(own), 100 * a.min_known_own))
    if known(lib) < a.min_known_lib:
        failures.append('library frames: %.1f%% of gdb\'s values known, want >= %.1f%%'
                        % (100 * known(lib), 100 * a.min_known_lib))
    if len(frames['missing']) > a.max_missing_frames:
        failures.append('%d frames gdb shows are missing, want <= %d' % (len(frames['missing']),
                                                                          a.max_missing_frames))
    if frames['extra']:
        failures.append('frames gdb does not show: %s' % frames['extra'])
    if own.sym_missing + lib.sym_missing > a.max_missing_symbols:
        failures.append('%d pointers gdb names and we do not, want <= %d'
                        % (own.sym_missing + lib.sym_missing, a.max_missing_symbols))
    if len(frames['tailcall']) > getattr(a, 'max_unverified_tailcalls', 0):
        failures.append('%d tail-call frames gdb cannot rebuild, want <= %d'
                        % (len(frames['tailcall']), getattr(a, 'max_unverified_tailcalls', 0)))
    for p in failures:
        print('  FAIL:', p)
    return 1 if failures else 0


def add_common_args(ap):
    """The options run-realworld.py shares."""
    ap.add_argument('--cc', required=True, choices=['gcc', 'clang'])
    ap.add_argument('--opt', required=True, choices=['O0', 'Og', 'O2', 'O3'])
    ap.add_argument('--dumper', required=True)
    ap.add_argument('--crashctl', required=True)
    ap.add_argument('--min-known-own', type=float, default=1.0,
                    help='fraction of the values gdb shows in the program\'s frames that we must know')
    ap.add_argument('--min-known-lib', type=float, default=0.0)
    ap.add_argument('--max-missing-symbols', type=int, default=0,
                    help='pointers gdb names (<symbol+offset>) that we leave bare')
    ap.add_argument('--max-missing-frames', type=int, default=0)
    ap.add_argument('--max-unverified-tailcalls', type=int, default=0,
                    help='tail-call frames of ours gdb cannot rebuild (see unverified_tailcall), allowed')
    ap.add_argument('--keep', action='store_true', help='keep the work folder and print its path')


def preflight(a):
    """None, or why the case is skipped."""
    if not shutil.which('gdb') or not shutil.which(COMPILERS[(a.cc, 'c')]):
        return 'gdb or %s is not installed' % a.cc
    if not core_pattern_writable():
        return 'changing core_pattern needs root'
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--source', help='the program to build (conf.c, conf.cc)')
    ap.add_argument('--exe', help='a prebuilt program instead of --source')
    ap.add_argument('--own', action='append', default=[],
                    help='with --exe: a file or folder whose frames are the program\'s own (repeatable)')
    ap.add_argument('--name', help='with --exe: the label of its table rows')
    ap.add_argument('--mode', default='segv', choices=['segv', 'abort'],
                    help='how the program dies: a NULL store, or abort() (its argument "abort")')
    ap.add_argument('--plugin', help='with --source: a shared library source the program dlopen()s (CONF_PLUGIN)')
    add_common_args(ap)
    a = ap.parse_args()
    a.plugin_so = None
    if bool(a.source) == bool(a.exe) or (a.exe and not a.own):
        ap.error('give --source, or --exe with --own')

    why = preflight(a)
    if why:
        print('SKIP:', why)
        return SKIP
    if a.source:
        a.source = os.path.abspath(a.source)
    else:
        a.exe = os.path.abspath(a.exe)
        a.own = [os.path.abspath(p) for p in a.own]
        a.name = a.name or os.path.basename(a.exe)
    return run_case(a, lambda work: a.exe or build(a, work))


def run_case(a, make_exe):
    """Builds the program (make_exe(work folder) returns its path), crashes
    it twice and compares; a is main()'s arguments (a.own, a.name and
    a.mode as there). Returns the exit status."""
    dumper, crashctl = os.path.abspath(a.dumper), os.path.abspath(a.crashctl)
    work = tempfile.mkdtemp(prefix='conformance-')
    os.chmod(work, 0o755)
    # meson stops a test with SIGTERM: end through 'finally' (core_pattern).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        exe = make_exe(work)
        cores = os.path.join(work, 'cores')
        os.mkdir(cores)
        with core_pattern_set(os.path.join(cores, 'core.%p')):
            run = dict(plugin_so=a.plugin_so, args=getattr(a, 'exe_args', ()), extra_env=getattr(a, 'exe_env', None))
            dump, pid = crash(exe, a.mode, dumper, work, 'ptrace', resource.RLIM_INFINITY, **run)
            parked_dump, _ = crash(exe, a.mode, dumper, work, 'parked', 0, **run)
        core = os.path.join(cores, 'core.%d' % pid)
        if not os.path.exists(core):
            raise RuntimeError('the kernel wrote no core (%s)' % os.listdir(cores))
        t0 = time.monotonic()
        ours, raw = symbolicate(crashctl, dump)
        t1 = time.monotonic()
        parked, _ = symbolicate(crashctl, parked_dump)
        t2 = time.monotonic()
        gdb_text = run_gdb(exe, core, work)
        t3 = time.monotonic()
        # A figure, not a test: one run each, on a machine busy with other
        # tests (tests/bench has the benchmarks).
        print('time: crashctl symbolicate %.0f ms, gdb thread apply all bt full %.0f ms'
              % (1000 * (t1 - t0), 1000 * (t3 - t2)))
        with open(os.path.join(work, 'gdb.txt'), 'w') as f:
            f.write(gdb_text)
        with open(os.path.join(work, 'ours.json'), 'w') as f:
            f.write(raw)
        own, lib, frames = compare_with_gdb(a, gdb_text, ours)
        return report(a, own, lib, frames, compare_paths(ours, parked))
    finally:
        if a.keep:
            print('work folder:', work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print('FAIL:', e)
        sys.exit(1)
