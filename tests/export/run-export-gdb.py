#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gdb and lldb on `crashctl export --core` of a real crash, against
`crashctl symbolicate` of the same dump (meson suite 'export').

  run-export-gdb.py --source conf.c --cc gcc|clang --opt O0|O2 [--mode segv|abort]
                    [--plugin conf-plugin.c] --dumper SO --crashctl EXE [--lldb]

1. Builds SOURCE (run-conformance.py's build()) and crashes it once under
   the dumper (its crash(): ASLR off, no core file, so the threads are
   parked). No kernel core is needed: both sides read the same dump.
2. Exports the dump's core and runs gdb (run-conformance.py's run_gdb():
   `thread apply all bt full`, frame arguments all) on PROGRAM and the core,
   and `crashctl symbolicate --format json --raw --no-mask` on the dump.
3. Compares every thread (by LWP), frame (function, line, and the pc where
   gdb prints one) and value leaf by leaf (gdb_values.py). On top of what
   run-conformance.py fails on, a value crashctl says is <unavailable> must
   not be a value in gdb: the core must not hold, or make gdb read from a
   file, memory the dump lacks.
4. gdb's threads are numbered 1..N in the order of the notes, the crashing
   thread first (`info threads`); gdb says the program died of the dump's
   signal, and $_siginfo has its number, code and si_addr (SIGSEGV) or
   sender (abort()'s tgkill).
5. Memory the dump lacks reads as an error in gdb, not as a value: the
   environment's strings, the heap's last word.
6. With --lldb: `lldb-14 --batch -o 'bt all' -c CORE PROGRAM` shows the
   same frames as lldb on the dump itself, every thread in crashctl's
   order, the crashing thread with crashctl's function names (save inlined
   and tail calls lldb-14 does not show). Without lldb-14 that part is
   left out, or fails with CRASHD_REQUIRE_ORACLES=1.

Prints a table per case: threads, frames, values (equal, different,
unknown to crashctl) and the export's time and core size. Exit status 0
pass, 1 fail, 77 skip (no gdb or compiler). Standard library only.
"""

import argparse
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.join(HERE, '..', 'conformance')
sys.path.insert(0, CONFORMANCE)
_spec = importlib.util.spec_from_file_location('run_conformance', os.path.join(CONFORMANCE, 'run-conformance.py'))
conformance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conformance)

SKIP = 77
TIMEOUT = 180
LLDB = 'lldb-14'


def export_core(crashctl, dump, core):
    t0 = time.monotonic()
    r = subprocess.run([crashctl, 'export', '--core', '-o', core, dump], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=TIMEOUT)
    ms = 1000 * (time.monotonic() - t0)
    if r.returncode != 0:
        raise RuntimeError('crashctl export failed (%d): %s' % (r.returncode, r.stderr.decode()))
    return ms


def gdb_batch(exe, core, work, *commands):
    cmd = ['gdb', '-batch', '-nx', '-iex', 'set auto-load python-scripts off', '-iex', 'set debuginfod enabled off',
           '-ex', 'set width 0', '-ex', 'set height 0']
    for c in commands:
        cmd += ['-ex', c]
    r = subprocess.run(cmd + [exe, core], env={'PATH': '/usr/bin:/bin', 'LC_ALL': 'C', 'HOME': work},
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    return r.stdout.decode('utf-8', 'replace')


GDB_FRAME_PC = re.compile(r'^#(\d+)\s+0x([0-9a-f]+) in ')
GDB_THREAD = re.compile(r'^Thread \d+ \(.*LWP (\d+)\)+:$')


def frame_pcs(gdb_text):
    """{LWP: {frame number: pc}} for the frames where gdb prints the pc
    (not for a frame whose pc starts a line, nor an inlined call's)."""
    out, cur = {}, None
    for line in gdb_text.splitlines():
        tm = GDB_THREAD.match(line)
        if tm:
            cur = out.setdefault(int(tm.group(1)), {})
            continue
        m = GDB_FRAME_PC.match(line)
        if m and cur is not None:
            cur[int(m.group(1))] = int(m.group(2), 16)
    return out


def check_pcs(gdb_text, report, problems):
    """gdb's frame #k is crashctl's frame k when both name the same
    function (both list inlined calls as frames; frames that do not line
    up fail compare_with_gdb): the same pc where gdb prints it."""
    ours = {th['tid']: th['frames'] for th in report['threads']}
    gthreads = conformance.parse_gdb(gdb_text)
    compared = 0
    for tid, pcs in frame_pcs(gdb_text).items():
        frames = ours.get(tid, [])
        names = {gf['n']: gf['function'] for gf in gthreads.get(tid, [])}
        for n, pc in sorted(pcs.items()):
            if n >= len(frames) or names.get(n) not in (frames[n].get('function'), '??'):
                continue
            compared += 1
            if int(frames[n]['pc'], 16) != pc:
                problems.append('thread %d #%d %s: pc gdb 0x%x, crashctl %s' % (tid, n, names.get(n), pc,
                                                                              frames[n]['pc']))
    return compared


INFO_THREAD = re.compile(r'^[* ] +(\d+) +(?:Thread 0x[0-9a-f]+ \(LWP (\d+)\)|LWP (\d+)) ')


def check_threads(text, report, problems):
    """`info threads`: ids 1..N, the crashing thread 1, the dump's tids."""
    rows = []
    for line in text.splitlines():
        m = INFO_THREAD.match(line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2) or m.group(3)), line.startswith('*')))
    ids = [r[0] for r in rows]
    if ids != list(range(1, len(rows) + 1)):
        problems.append('gdb thread ids are %s, not 1..%d' % (ids, len(rows)))
    crashed = report['crash']['thread']
    if not rows or rows[0][1] != crashed or not rows[0][2]:
        problems.append('gdb thread 1 is %s (current: %s), not the crashing thread %d'
                        % (rows[0][1] if rows else None, rows[0][2] if rows else None, crashed))
    if sorted(r[1] for r in rows) != sorted(th['tid'] for th in report['threads']):
        problems.append('gdb threads %s, crashctl %s' % (sorted(r[1] for r in rows),
                                                         sorted(th['tid'] for th in report['threads'])))
    return len(rows)


def check_signal(text, report, mode, problems):
    crash = report['crash']
    name = {'segv': 'SIGSEGV', 'abort': 'SIGABRT'}[mode]
    if 'Program terminated with signal %s' % name not in text:
        problems.append('gdb does not say the program died of %s' % name)
    m = re.search(r'^\$\d+ = \{si_signo = (\d+), si_errno = (-?\d+), si_code = (-?\d+),', text, re.M)
    if not m or int(m.group(1)) != crash['signal'] or int(m.group(3)) != crash['code']:
        problems.append('$_siginfo is %s, want signo %d code %d' % (m.group(0) if m else None, crash['signal'],
                                                                   crash['code']))
    if mode == 'segv':
        a = re.search(r'^\$\d+ = \(void \*\) (0x[0-9a-f]+)$', text, re.M)
        if not a or int(a.group(1), 16) != int(crash['address'], 16):
            problems.append('$_siginfo si_addr is %s, want %s' % (a.group(1) if a else None, crash['address']))
    else:
        p = re.search(r'^\$\d+ = (\d+)$', text, re.M)
        if not p or int(p.group(1)) != crash['pid']:
            problems.append('$_siginfo si_pid is %s, want %d' % (p.group(1) if p else None, crash['pid']))


def in_dump(memory, addr, n):
    return any(m['start'] <= addr and addr + n <= m['start'] + m['size'] for m in memory)


def check_missing_memory(exe, core, work, memory, problems):
    """Memory the dump lacks is an error in gdb, never a value: the
    environment's strings (left out of dumps without CRASHD_CAPTURE_ENV)
    and the heap's last word (past what pointers led the dumper to).
    Returns how many addresses were checked."""
    text = gdb_batch(exe, core, work, 'p environ[0]', 'x/s environ[0]',
                     'p/x (char *) mp_.sbrk_base + main_arena.system_mem - 8')
    checked = 0
    m = re.search(r'^\$1 = (0x[0-9a-f]+) (.*)$', text, re.M)
    if not m:
        problems.append('gdb cannot print environ[0]: %s' % text[-300:])
    elif not in_dump(memory, int(m.group(1), 16), 1):
        checked += 1
        err = '<error: Cannot access memory at address %s>' % m.group(1)
        if m.group(2) != err or not re.search(r'^%s:\s+%s$' % (m.group(1), re.escape(err)), text, re.M):
            problems.append('environ[0] (%s, not in the dump) reads %r in gdb' % (m.group(1), m.group(2)))
    h = re.search(r'^\$2 = (0x[0-9a-f]+)$', text, re.M)
    if not h:
        problems.append('gdb cannot find the heap\'s end: %s' % text[-300:])
    elif not in_dump(memory, int(h.group(1), 16), 8):
        checked += 1
        out = gdb_batch(exe, core, work, 'x/1xg %s' % h.group(1))
        if 'Cannot access memory at address %s' % h.group(1) not in out:
            problems.append('the heap\'s last word (%s, not in the dump) reads %s in gdb' % (h.group(1),
                                                                                         out.splitlines()[-1:]))
    return checked


def unavailable_known_to_gdb(tally):
    """Values crashctl says are <unavailable> that gdb shows: the core gave
    gdb memory the dump does not have."""
    return [n for n in tally.notes if re.search(r': we say unavailable, gdb knows', n)]


LLDB_THREAD = re.compile(r'^[* ] thread #(\d+)(?:: tid = (\d+))?')
LLDB_FRAME = re.compile(r'^\s+[* ]?\s*frame #(\d+): 0x([0-9a-f]+) (?:[^`]*`)?(.*)$')


def lldb_function(rest):
    """The function of a frame line's text after the module's backquote:
    'crash_now [inlined] poke(why=...) at f.c:1' -> 'poke', '_start + 33' ->
    '_start', '__libc_pause at pause.c:29:10' -> '__libc_pause'."""
    if ' [inlined] ' in rest:
        rest = rest.split(' [inlined] ', 1)[1]
    depth = 0
    for i, c in enumerate(rest):
        if c == '(' and depth == 0 and i > 0:
            return rest[:i]
        if c == '<':
            depth += 1
        elif c == '>':
            depth -= 1
        elif c == ' ' and depth == 0:
            return rest[:i]
    return rest


def lldb_name(name):
    """lldb's spelling to crashctl's (and gdb's): '::f' is
    '(anonymous namespace)::f', 'f.cold' gcc's cold part of f, '__clone3'
    the symbol of clone3 (an alias)."""
    name = name[2:] if name.startswith('::') else name
    name = name[:-5] if name.endswith('.cold') else name
    return name.lstrip('_')


def run_lldb(exe, core, work):
    r = subprocess.run([LLDB, '--batch', '--no-lldbinit', '-o', 'thread list', '-o', 'bt all', '-c', core, exe],
                       env={'PATH': '/usr/bin:/bin', 'LC_ALL': 'C', 'HOME': work}, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    return r.stdout.decode('utf-8', 'replace')


def parse_lldb(text):
    """([tid from `thread list`], [[(pc, function)] per thread of `bt all`])."""
    tids, threads, cur = [], [], None
    for line in text.splitlines():
        m = LLDB_THREAD.match(line)
        if m and m.group(2):
            tids.append(int(m.group(2)))
            continue
        if m:
            cur = []
            threads.append(cur)
            continue
        m = LLDB_FRAME.match(line)
        if m and cur is not None:
            cur.append((int(m.group(2), 16), lldb_function(m.group(3))))
    return tids, threads


def compare_lldb(text, dump_text, report, problems, notes):
    """lldb on the core against lldb on the dump itself (lldb reads
    minidumps: the same unwinder and DWARF reader, so any difference is
    the core's), frame by frame; its threads in crashctl's order (the
    notes' order); the crashing thread with crashctl's functions, but for
    inlined calls and tail calls lldb-14 does not show (gcc -O2: poke in
    crash_now, pthread_kill's tail call of __pthread_kill_internal). Returns (threads, frames equal to crashctl's
    by name, frames crashctl shows)."""
    tids, threads = parse_lldb(text)
    ours = report['threads']
    if dump_text is not None:
        dtids, dthreads = parse_lldb(dump_text)
        if dthreads != threads:
            problems.append('lldb on the core and on the dump differ: %s / %s' % (threads, dthreads))
    if tids != [th['tid'] for th in ours]:
        problems.append('lldb\'s threads are %s, crashctl\'s %s' % (tids, [th['tid'] for th in ours]))
    equal = compared = 0
    for k, (lt, th) in enumerate(zip(threads, ours)):
        names = [lldb_name(f.get('function') or '') for f in th['frames']]
        got = [lldb_name(name) for _, name in lt]
        compared += len(names)
        j, missing = 0, []
        for name in got:
            while j < len(names) and names[j] != name:
                missing.append(th['frames'][j])
                j += 1
            if j == len(names):
                break
            equal += 1
            j += 1
        else:
            missing += th['frames'][j:]
            if k == 0 and all(f.get('inlined') or f.get('tailcall') for f in missing):
                continue
        if got != names:
            (problems if k == 0 else notes).append('thread #%d (%d): lldb %s, crashctl %s'
                                                   % (k + 1, th['tid'], got, names))
    return len(threads), equal, compared


def decompressed(dump, work):
    """The dump as a raw minidump (lldb reads no zstd), or None without zstd."""
    if not dump.endswith('.zst'):
        return dump
    if not shutil.which('zstd'):
        return None
    raw = os.path.join(work, 'dump.dmp')
    subprocess.run(['zstd', '-q', '-d', '-f', dump, '-o', raw], check=True, timeout=TIMEOUT)
    return raw


def run_case(a):
    dumper, crashctl = os.path.abspath(a.dumper), os.path.abspath(a.crashctl)
    a.source = os.path.abspath(a.source)
    a.plugin = os.path.abspath(a.plugin) if a.plugin else None
    a.plugin_so = None
    work = tempfile.mkdtemp(prefix='export-gdb-')
    os.chmod(work, 0o755)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    problems = []
    try:
        exe = conformance.build(a, work)
        dump, _ = conformance.crash(exe, a.mode, dumper, work, 'parked', 0, plugin_so=a.plugin_so)
        core = os.path.join(work, 'exported.core')
        ms = export_core(crashctl, dump, core)
        if os.stat(core).st_mode & 0o777 != 0o600:
            problems.append('the core is mode %o, not 600' % (os.stat(core).st_mode & 0o777))
        report, raw = conformance.symbolicate(crashctl, dump)
        gdb_text = conformance.run_gdb(exe, core, work)
        extra = gdb_batch(exe, core, work, 'info threads', 'p $_siginfo',
                          'p $_siginfo._sifields._sigfault.si_addr' if a.mode == 'segv'
                          else 'p $_siginfo._sifields._kill.si_pid')
        for name, text in (('gdb.txt', gdb_text), ('gdb-extra.txt', extra), ('ours.json', raw)):
            with open(os.path.join(work, name), 'w') as f:
                f.write(text)

        own, lib, frames = conformance.compare_with_gdb(a, gdb_text, report)
        n_threads = check_threads(extra, report, problems)
        check_signal(extra, report, a.mode, problems)
        pcs = check_pcs(gdb_text, report, problems)
        info = json.loads(subprocess.run([crashctl, 'info', '--json', dump], stdout=subprocess.PIPE,
                                         check=True, timeout=TIMEOUT).stdout)
        memory = [{'start': int(m['start'], 16), 'size': m['size']} for m in info['memory']['list']]
        missing = check_missing_memory(exe, core, work, memory, problems)
        for t in (own, lib):
            problems += ['crashctl says <unavailable>, gdb shows a value: ' + n for n in unavailable_known_to_gdb(t)]

        name = '%s %s -%s%s%s' % (os.path.basename(a.source), a.cc, a.opt, ' abort' if a.mode == 'abort' else '',
                                  ' plugin' if a.plugin else '')
        print('| %-24s | threads | frames gdb/agree | pcs | values gdb shows | equal | differ | unknown to crashctl '
              '| gdb reads a lost register | not in dump: errors | export ms | core bytes | dump bytes |' % 'case')
        for label, t in (('own', own), ('libs', lib)):
            print('| %-24s | %7d | %6d/%-9d | %3d | %15d | %5d | %6d | %19d | %25d | %19d | %9.1f | %10d | %10d |'
                  % (name + ' ' + label, n_threads, frames['gdb'], frames['agree'], pcs, t.compared, t.equal,
                     t.differ, sum(t.unknown.values()), t.gdb_lost, missing, ms, os.path.getsize(core),
                     os.path.getsize(dump)))
        if a.lldb and not shutil.which(LLDB):
            msg = '%s is not installed (apt install lldb-14): lldb not compared' % LLDB
            if os.environ.get('CRASHD_REQUIRE_ORACLES') == '1':
                problems.append(msg)
            print('note:', msg)
        elif a.lldb:
            lldb_text = run_lldb(exe, core, work)
            raw = decompressed(dump, work)
            dump_text = run_lldb(exe, raw, work) if raw else None
            for name, text in (('lldb.txt', lldb_text), ('lldb-dump.txt', dump_text or '')):
                with open(os.path.join(work, name), 'w') as f:
                    f.write(text)
            notes = []
            nt, eq, cmp = compare_lldb(lldb_text, dump_text, report, problems, notes)
            print('lldb-14: %d threads, %d of the %d frames crashctl shows with the same function%s'
                  % (nt, eq, cmp, '' if dump_text is not None else ' (no zstd: not compared with lldb on the dump)'))
            for n in notes:
                print('  note: lldb-14 names other frames:', n)
        failures = own.problems + lib.problems + problems
        if frames['missing'] or frames['extra']:
            failures.append('frames gdb shows and crashctl does not: %s; crashctl only: %s'
                            % (frames['missing'], frames['extra']))
        if conformance.known(own) < 1.0 or conformance.known(lib) < 1.0:
            failures.append('crashctl knows %.1f%% (own) and %.1f%% (libs) of what gdb shows on the core'
                            % (100 * conformance.known(own), 100 * conformance.known(lib)))
        for p in failures:
            print('  FAIL:', p)
        return 1 if failures else 0
    finally:
        if a.keep:
            print('work folder:', work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--source', required=True)
    ap.add_argument('--cc', required=True, choices=['gcc', 'clang'])
    ap.add_argument('--opt', required=True, choices=['O0', 'Og', 'O2', 'O3'])
    ap.add_argument('--mode', default='segv', choices=['segv', 'abort'])
    ap.add_argument('--dumper', required=True)
    ap.add_argument('--crashctl', required=True)
    ap.add_argument('--plugin', help='a shared library source the program dlopen()s (CONF_PLUGIN): '
                    'its thread-local variable in dynamic TLS')
    ap.add_argument('--lldb', action='store_true', help='also compare lldb-14\'s bt all')
    ap.add_argument('--keep', action='store_true', help='keep the work folder and print its path')
    a = ap.parse_args()
    lang = 'c++' if a.source.endswith('.cc') else 'c'
    if not shutil.which('gdb') or not shutil.which(conformance.COMPILERS[(a.cc, lang)]):
        print('SKIP: gdb or %s is not installed' % a.cc)
        return SKIP
    return run_case(a)


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print('FAIL:', e)
        sys.exit(1)
