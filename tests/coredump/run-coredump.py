#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/coredump/run-coredump.py CASE: crashd-coredump as the kernel's core
handler (suite 'coredump', one at a time: each sets core_pattern through
testkit.core_pattern_set(), which holds the lock every such test takes and
puts the old value back however the test ends).

  static    a static program (no preload can see it) crashes as nobody: one
            dump in the spool, nobody's, 0600, from the core ("from-core",
            every thread's context "core"), symbolicated with its frames and
            values; then abort() in it
  setuid    the same program setuid root, run as nobody with
            fs.suid_dumpable=2: the dump is root's, 0600, parsed as nobody
  threads   a 5-thread -O2 program without the preload: every thread is
            there with its registers, and the frames, lines and values equal
            those of the preload's dump of the same crash (the preload with
            no core handler), addresses aside; the host facts equal too
  preload   a program under libcrashdump.so with the handler installed (and
            keep_core on): one dump, the preload's; the core still kept,
            whole; with CRASHD_DISABLE=1 the handler's dump instead
  keep      keep_core: the core is kept zstd-compressed, byte for byte what
            the kernel streamed, and the minidump beside it
  hostile   crashd-coredump run by hand as nobody on truncated and forged
            cores, garbage, and a core that never ends: it exits by itself,
            within its time limit and memory, and leaves no temp file; every
            dump it writes reads back
  pidns     the 5-thread program in a PID namespace of its own: the
            dump has pid 1 and tids 1 to 5 with their names
  daemon    a crashd of the test's own: the handler's dump lands in its
            spool, is stored as nobody's crash, and `crashctl show` has
            its values
  setup     crashctl setup-core-handler and --undo: the pattern and
            core_pipe_limit set, a crash dumped, the old values put back
            exactly

Skips (77) when not root or core_pattern cannot be written.
"""
import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from testkit import SKIP, Fail, check, core_pattern_set, core_pattern_writable, wait_for  # noqa: E402

NOBODY = 65534
SPECIFIERS = '%P %i %u %g %s %t %c %h %e %d'
PIPE_LIMIT = '/proc/sys/kernel/core_pipe_limit'
SUID_DUMPABLE = '/proc/sys/fs/suid_dumpable'
TIMEOUT = 60


def sysctl(path, value=None):
    with open(path) as f:
        old = f.read().strip()
    if value is not None:
        with open(path, 'w') as f:
            f.write(str(value))
    return old


class Sysctl:
    """A /proc/sys value for the block, put back after it."""

    def __init__(self, path, value):
        self.path, self.value = path, value

    def __enter__(self):
        self.old = sysctl(self.path, self.value)
        return self

    def __exit__(self, *exc):
        sysctl(self.path, self.old)


class Work:
    """A short temp folder (core_pattern holds 128 bytes): the handler
    linked in as h, the spool s, the stats file st."""

    def __init__(self, a):
        self.a = a
        self.dir = tempfile.mkdtemp(prefix='cd', dir='/tmp')
        os.chmod(self.dir, 0o755)
        self.handler = os.path.join(self.dir, 'h')
        os.symlink(os.path.abspath(a.handler), self.handler)
        self.spool = self.path('s')
        os.mkdir(self.spool)
        os.chmod(self.spool, 0o1733)
        self.stats = self.path('st')

    def path(self, name):
        return os.path.join(self.dir, name)

    def pattern(self, **settings):
        """core_pattern for the handler with its settings in a config file
        of root's (the pattern's 128 bytes would not hold them)."""
        conf = self.path('c')
        settings = dict({'spool': self.spool, 'stats': self.stats, 'socket': ''}, **settings)
        with open(conf, 'w') as f:
            f.write('# run-coredump.py\n' + ''.join('%s = %s\n' % kv for kv in settings.items()))
        os.chmod(conf, 0o644)
        p = '|%s -c %s %s' % (self.handler, conf, SPECIFIERS)
        check(len(p) < 128, 'core_pattern too long for the kernel: %r' % p)
        return p

    def copy(self, prog, name):
        """prog copied here, where nobody can run it."""
        dst = self.path(name)
        shutil.copy(prog, dst)
        os.chmod(dst, 0o755)
        return dst

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def clean_env(**extra):
    env = {'PATH': '/usr/bin:/bin', 'LC_ALL': 'C', 'HOME': '/'}
    env.update(extra)
    return env


def crash(argv, env=None, user=None, core_limit=None, cwd='/'):
    """Runs argv (as user, with RLIMIT_CORE core_limit); returns (pid, returncode)."""
    def pre():
        if core_limit is not None:
            resource.setrlimit(resource.RLIMIT_CORE, (core_limit, resource.RLIM_INFINITY))
    if user is not None:
        argv = ['setpriv', '--reuid=%d' % user, '--regid=%d' % user, '--clear-groups', '--'] + argv
    p = subprocess.Popen(argv, env=env or clean_env(), cwd=cwd, preexec_fn=pre, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=TIMEOUT)
    return p.pid, p.returncode, err.decode(errors='replace')


def stats_of(w, pid):
    """The handler's line for pid in the stats file, once it has exited."""
    def line():
        try:
            with open(w.stats) as f:
                for ln in f:
                    d = dict(kv.split('=', 1) for kv in ln.split())
                    if d.get('pid') == str(pid):
                        return {k: int(v) for k, v in d.items()}
        except FileNotFoundError:
            pass
        return None
    return wait_for('crashd-coredump to finish pid %d' % pid, line, timeout=TIMEOUT)


def dumps_of(folder, pid):
    return sorted(f for f in os.listdir(folder) if f.endswith('.dmp.zst') and '.%d.' % pid in f)


def temp_files(folder, pid):
    """pid's temp files (another test on the machine may crash a program
    while the handler is installed: its files are not ours)."""
    return [f for f in os.listdir(folder) if f.endswith('.tmp') and '.%d.' % pid in f]


def symbolicate(a, dump, fmt='text'):
    p = subprocess.run([a.crashctl, 'symbolicate', '--no-mask', '--format', fmt, dump],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    check(p.returncode == 0, 'crashctl symbolicate %s: %d %s' % (dump, p.returncode, p.stderr.decode()))
    return json.loads(p.stdout) if fmt == 'json' else p.stdout.decode()


def info(a, dump):
    p = subprocess.run([a.crashctl, 'info', '--json', dump], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT)
    check(p.returncode == 0, 'crashctl info %s: %s' % (dump, p.stderr.decode()))
    return json.loads(p.stdout)


def expect_in(text, needles, what):
    missing = [n for n in needles if not re.search(n, text)]
    check(not missing, '%s lacks %s:\n%s' % (what, missing, text))


def check_from_core(a, dump, n_threads):
    d = info(a, dump)
    flags = d['dumper'].get('flags') or []
    check('from-core' in flags, 'flags %s lack from-core' % flags)
    threads = d['threads']
    check(len(threads) == n_threads, '%d threads, not %d' % (len(threads), n_threads))
    sources = {t.get('context_source') for t in threads}
    check(sources == {'core'}, 'context sources %s, not core' % sources)
    return d


def own_dump(w, pid):
    """The one dump of pid in the spool, after the handler exited."""
    st = stats_of(w, pid)
    found = dumps_of(w.spool, pid)
    check(len(found) == 1, 'pid %d: %d dumps in the spool: %s (stats %s)' % (pid, len(found), found, st))
    check(not temp_files(w.spool, pid), 'temp files left: %s' % temp_files(w.spool, pid))
    return os.path.join(w.spool, found[0]), st


STATIC_VALUES = [r'#0  charge \(o=0x[0-9a-f]+, tax_rate=0\.20000000000000001\) at .*static-crash\.c:\d+',
                 r'total = 35\.96',
                 r'in checkout \(o=0x[0-9a-f]+\) at .*static-crash\.c',
                 r'currency = 0x[0-9a-f]+ "EUR"',
                 r'in main \(argc=1, argv=0x[0-9a-f]+\) at',
                 r'o = \{quantity = 3, unit_price = 9\.9900000000000002, customer = 0x[0-9a-f]+ "static-customer"\}',
                 r'attempts = 42']


def case_static(a, w):
    prog = w.copy(a.static, 'static-crash')
    with core_pattern_set(w.pattern()), Sysctl(PIPE_LIMIT, 16):
        pid, rc, err = crash([prog], user=NOBODY, cwd=w.dir)
        check(rc == -signal.SIGSEGV, 'static-crash ended %d, not by SIGSEGV: %s' % (rc, err))
        dump, st = own_dump(w, pid)
        s = os.stat(dump)
        check(s.st_uid == NOBODY and s.st_gid == NOBODY and stat.S_IMODE(s.st_mode) == 0o600,
              '%s: owner %d:%d mode %o, not nobody\'s 0600' % (dump, s.st_uid, s.st_gid, stat.S_IMODE(s.st_mode)))
        check(st['uid'] == NOBODY, 'parsed as uid %d' % st['uid'])
        d = check_from_core(a, dump, 1)
        check(d['process']['uid'] == NOBODY, 'crash info uid %s' % d['process'].get('uid'))
        text = symbolicate(a, dump)
        expect_in(text, STATIC_VALUES, 'the report')
        print('static: %s, %d bytes (core %d bytes, handler %.1f ms)' % (os.path.basename(dump), s.st_size,
              st['core_bytes'], (st['exit_ns'] - st['start_ns']) / 1e6))

        pid, rc, err = crash([prog, 'abort'], user=NOBODY, cwd=w.dir)
        check(rc == -signal.SIGABRT, 'static-crash abort ended %d: %s' % (rc, err))
        dump, st = own_dump(w, pid)
        d = info(a, dump)
        check(d['crash']['signal_name'] == 'SIGABRT', 'signal %s' % d['crash'].get('signal_name'))
        expect_in(symbolicate(a, dump), [r'in main \(', r'abort'], 'the abort report')
    return 0


def case_setuid(a, w):
    prog = w.copy(a.static, 'suid-crash')
    os.chown(prog, 0, 0)
    os.chmod(prog, 0o4755)
    with core_pattern_set(w.pattern()), Sysctl(PIPE_LIMIT, 16), Sysctl(SUID_DUMPABLE, 2):
        pid, rc, err = crash([prog], user=NOBODY, cwd=w.dir)
        check(rc == -signal.SIGSEGV, 'suid-crash ended %d: %s' % (rc, err))
        dump, st = own_dump(w, pid)
        s = os.stat(dump)
        check(s.st_uid == 0 and s.st_gid == 0 and stat.S_IMODE(s.st_mode) == 0o600,
              '%s: owner %d:%d mode %o, not root\'s 0600' % (dump, s.st_uid, s.st_gid, stat.S_IMODE(s.st_mode)))
        check(st['uid'] == NOBODY, 'parsed as uid %d, not nobody' % st['uid'])
        d = check_from_core(a, dump, 1)
        check(d['process']['uid'] == NOBODY, 'crash info uid %s: the real uid is nobody' % d['process'].get('uid'))
        expect_in(symbolicate(a, dump), STATIC_VALUES[:1], 'the setuid report')
        print('setuid: %s root:root 0600, parsed as nobody' % os.path.basename(dump))
    return 0


ADDR = re.compile(r'0x[0-9a-f]{5,}')
BIG = re.compile(r'-?\b\d{10,}\b')
# Differ between any two runs: glibc mangles jmp_buf's registers with a
# per-process guard (as tests/conformance's PER_PROCESS).
PER_PROCESS = {('start_thread', 'unwind_buf'), ('__libc_start_call_main', 'unwind_buf')}


def stable(report):
    """Each thread (by name, crashed) as its frames: function, file line,
    and values with addresses and address-sized numbers left out."""
    out = {}
    for t in report['threads']:
        frames = []
        for f in t['frames']:
            vs = []
            for v in f.get('vars') or []:
                if (f.get('function'), v['name']) in PER_PROCESS:
                    continue
                val = v.get('value')
                if val is not None:
                    val = BIG.sub('N', ADDR.sub('0x?', val))
                vs.append((v['name'], val, v.get('reason')))
            frames.append((f.get('function'), f.get('line'), vs))
        out[(t.get('name') or '', t['crashed'])] = frames
    return out


def case_threads(a, w):
    prog = w.copy(a.threads, 'threads-crash')
    pre = w.path('pre')
    cores = w.path('cores')
    os.mkdir(pre)
    os.mkdir(cores)
    # The preload's dump, no handler: the kernel writes a core file, so
    # the dumper stops the other threads with ptrace (as the kernel's own
    # dump finds them) instead of parking them with a signal.
    with core_pattern_set(os.path.join(cores, 'core.%p')):
        env = clean_env(LD_PRELOAD=os.path.abspath(a.dumper), CRASHD_DUMP_DIR=pre, CRASHD_WAIT='1')
        pid_p, rc, err = crash([prog], env=env, core_limit=resource.RLIM_INFINITY, cwd=w.dir)
        check(rc == -signal.SIGSEGV, 'with the preload: ended %d: %s' % (rc, err))
    found = dumps_of(pre, pid_p)
    check(len(found) == 1, 'the preload wrote %s' % found)
    preload_dump = os.path.join(pre, found[0])
    # The handler's, no preload.
    with core_pattern_set(w.pattern()), Sysctl(PIPE_LIMIT, 16):
        pid_h, rc, err = crash([prog], cwd=w.dir)
        check(rc == -signal.SIGSEGV, 'with the handler: ended %d: %s' % (rc, err))
        dump, st = own_dump(w, pid_h)
    d = check_from_core(a, dump, 5)
    names = sorted(t.get('name') or '' for t in d['threads'])
    check(names == ['threads-crash', 'worker-0', 'worker-1', 'worker-2', 'worker-3'], 'thread names %s' % names)
    ours_j, theirs_j = symbolicate(a, dump, 'json'), symbolicate(a, preload_dump, 'json')
    # Who crashed, where: the same host facts (hostname, machine and boot
    # ids, cgroups, container marks), read by the handler as the process
    # would read them.
    check(ours_j.get('host') and ours_j.get('host') == theirs_j.get('host'),
          'host: handler %s, preload %s' % (ours_j.get('host'), theirs_j.get('host')))
    ours, theirs = stable(ours_j), stable(theirs_j)
    check(sorted(ours) == sorted(theirs), 'threads: handler %s, preload %s' % (sorted(ours), sorted(theirs)))
    problems = []
    compared = 0
    for key in sorted(ours):
        if ours[key] != theirs[key]:
            problems.append('thread %s:\n  handler %s\n  preload %s' % (key, ours[key], theirs[key]))
        compared += sum(len(f[2]) for f in ours[key])
    check(not problems, 'the dumps differ:\n' + '\n'.join(problems))
    crashed = ours[('threads-crash', True)]
    check(crashed[0][0] == 'compute' and any(f[0] == 'main' for f in crashed), 'crashing thread frames %s' % crashed)
    workers = ours[('worker-1', False)]
    check(any(f[0] == 'wait_forever' for f in workers), 'worker frames %s' % workers)
    print('threads: 5 threads, %d frames and %d values equal to the preload\'s dump (handler %.1f ms, '
          'dump %d bytes, the preload\'s %d)' % (sum(len(v) for v in ours.values()), compared,
                                                (st['exit_ns'] - st['start_ns']) / 1e6, os.path.getsize(dump),
                                                os.path.getsize(preload_dump)))
    return 0


def check_core_file(path, size):
    """A kept core: zstd, and inside it an ELF core of size bytes."""
    p = subprocess.run(['zstd', '-dc', path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    check(p.returncode == 0, 'zstd -d %s: %s' % (path, p.stderr.decode()))
    core = p.stdout
    check(core[:4] == b'\x7fELF' and struct.unpack_from('<H', core, 16)[0] == 4, '%s is not an ELF core' % path)
    check(len(core) == size, '%s holds %d bytes, the kernel streamed %d' % (path, len(core), size))
    return core


def case_preload(a, w):
    prog = w.copy(a.threads, 'threads-crash')
    pre, cores = w.path('pre'), w.path('cores')
    os.mkdir(pre)
    with core_pattern_set(w.pattern(keep_core='yes', core_dir=cores)), Sysctl(PIPE_LIMIT, 16):
        env = clean_env(LD_PRELOAD=os.path.abspath(a.dumper), CRASHD_DUMP_DIR=pre, CRASHD_WAIT='1')
        pid, rc, err = crash([prog], env=env, core_limit=resource.RLIM_INFINITY, cwd=w.dir)
        check(rc == -signal.SIGSEGV, 'ended %d: %s' % (rc, err))
        st = stats_of(w, pid)
        check(st['preload'] == 1 and st['dump'] == 0, 'the handler did not see the preload\'s dump: %s' % st)
        check(len(dumps_of(pre, pid)) == 1, 'the preload wrote %s' % os.listdir(pre))
        check(not dumps_of(w.spool, pid), 'a second dump: %s' % dumps_of(w.spool, pid))
        kept = [f for f in os.listdir(cores) if f.endswith('.core.zst') and '.%d.' % pid in f]
        check(len(kept) == 1 and st['core'] == 1, 'the core was not kept: %s, %s' % (os.listdir(cores), st))
        check_core_file(os.path.join(cores, kept[0]), st['core_bytes'])
        print('preload: one dump (the preload\'s), the core kept (%d bytes, %d compressed)'
              % (st['core_bytes'], st['core_zst_bytes']))

        env['CRASHD_DISABLE'] = '1'
        pid, rc, err = crash([prog], env=env, core_limit=resource.RLIM_INFINITY, cwd=w.dir)
        check(rc == -signal.SIGSEGV, 'disabled: ended %d: %s' % (rc, err))
        dump, st = own_dump(w, pid)
        check(st['preload'] == 0 and not dumps_of(pre, pid), 'CRASHD_DISABLE=1: %s, %s' % (st, os.listdir(pre)))
        check_from_core(a, dump, 5)
        print('preload: with CRASHD_DISABLE=1 the handler\'s dump')
    return 0


def case_keep(a, w):
    prog = w.copy(a.static, 'static-crash')
    cores = w.path('cores')
    with core_pattern_set(w.pattern(keep_core='yes', core_dir=cores)), Sysctl(PIPE_LIMIT, 16):
        pid, rc, err = crash([prog], user=NOBODY, core_limit=resource.RLIM_INFINITY, cwd=w.dir)
        check(rc == -signal.SIGSEGV, 'ended %d: %s' % (rc, err))
        dump, st = own_dump(w, pid)
        name = os.path.basename(dump)[:-len('.dmp.zst')] + '.core.zst'
        path = os.path.join(cores, name)
        check(os.path.exists(path), 'no %s: %s' % (name, os.listdir(cores)))
        s = os.stat(path)
        check(s.st_uid == NOBODY and stat.S_IMODE(s.st_mode) == 0o600, '%s: %d %o' % (path, s.st_uid, s.st_mode))
        core = check_core_file(path, st['core_bytes'])
        print('keep: %s, %d bytes of core in %d (the dump %d)' % (name, len(core), s.st_size, st['dump_bytes']))
        # RLIMIT_CORE 0 (ulimit -c 0): no core kept, the dump all the same.
        pid, rc, err = crash([prog], user=NOBODY, core_limit=0, cwd=w.dir)
        dump, st = own_dump(w, pid)
        check(st['core'] == 0 and not [f for f in os.listdir(cores) if '.%d.' % pid in f],
              'RLIMIT_CORE 0 kept a core: %s' % os.listdir(cores))
        print('keep: with RLIMIT_CORE 0 the dump only')
    return 0


# ---- hostile input ---------------------------------------------------------------------


def real_core(a, w):
    """A kernel core of static-crash (no environment, short argv)."""
    prog = w.copy(a.static, 'static-crash')
    cores = w.path('kcores')
    os.mkdir(cores)
    with core_pattern_set(os.path.join(cores, 'core.%p')):
        pid, rc, err = crash([prog], env={}, core_limit=resource.RLIM_INFINITY, cwd=w.dir)
    path = os.path.join(cores, 'core.%d' % pid)
    check(os.path.exists(path), 'the kernel wrote no core: %s' % os.listdir(cores))
    with open(path, 'rb') as f:
        return f.read()


def forged(core):
    """Headers that lie: PN_XNUM, notes past the end, a segment 2^40 in."""
    out = {}
    eh = bytearray(core[:64])
    phoff, phnum = struct.unpack_from('<QH', core, 32)[0], struct.unpack_from('<H', core, 56)[0]
    phdrs = bytearray(core[phoff:phoff + 56 * phnum])
    x = bytearray(eh)
    struct.pack_into('<H', x, 56, 0xffff)
    out['pn-xnum-lie'] = bytes(x) + bytes(phdrs) + core[len(x) + len(phdrs):]
    p = bytearray(phdrs)
    struct.pack_into('<Q', p, 32, 1 << 40)           # PT_NOTE's filesz
    out['notes-huge'] = bytes(eh) + bytes(p) + core[64 + len(p):]
    p = bytearray(phdrs)
    struct.pack_into('<Q', p, 56 + 8, 1 << 40)       # the first PT_LOAD's offset
    out['segment-far'] = bytes(eh) + bytes(p) + core[64 + len(p):]
    p = bytearray(phdrs)
    struct.pack_into('<Q', p, 56 + 8, 0)             # a PT_LOAD behind the headers
    out['segment-behind'] = bytes(eh) + bytes(p) + core[64 + len(p):]
    notes_off = struct.unpack_from('<Q', phdrs, 8)[0]
    c = bytearray(core)
    struct.pack_into('<II', c, notes_off, 5, 0xfffffff0)   # the first note's descsz
    out['note-huge-desc'] = bytes(c)
    c = bytearray(core)
    rnd = random.Random(12)
    for _ in range(200):
        i = rnd.randrange(64, min(len(c), notes_off + 8192))
        c[i] = rnd.randrange(256)
    out['notes-scrambled'] = bytes(c)
    return out


def flood(core):
    """The real core's headers and notes, then one PT_LOAD of 1 TiB: every
    byte that follows is segment data, not zeros."""
    phoff = struct.unpack_from('<Q', core, 32)[0]
    note = bytearray(core[phoff:phoff + 56])
    notes_off, notes_size = struct.unpack_from('<Q', note, 8)[0], struct.unpack_from('<Q', note, 32)[0]
    eh = bytearray(core[:64])
    struct.pack_into('<H', eh, 56, 2)
    new_notes = 64 + 2 * 56
    struct.pack_into('<Q', note, 8, new_notes)
    data_off = (new_notes + notes_size + 4095) & ~4095
    load = struct.pack('<IIQQQQQQ', 1, 6, data_off, 0x10000000, 0, 1 << 40, 1 << 40, 4096)
    head = bytes(eh) + bytes(note) + load + core[notes_off:notes_off + notes_size]
    return head + bytes(data_off - len(head))


def run_by_hand(a, w, data, endless=False, timeout=5, buffer_max='16M'):
    """crashd-coredump as nobody on data (then, endless, random bytes
    until it stops reading); returns (returncode, seconds, its stats line,
    stderr). The fake pid has no process: the core's facts alone."""
    run_by_hand.n = getattr(run_by_hand, 'n', 0) + 1
    fake_pid = int(open('/proc/sys/kernel/pid_max').read()) + run_by_hand.n
    stats = os.path.join(w.spool, 'stats')             # nobody writes it
    argv = ['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups', '--',
            os.path.abspath(a.handler), '--config=', '-s', w.spool, '--stats', stats, '-o',
            'buffer_max=' + buffer_max, '-o', 'timeout=%d' % timeout, str(fake_pid), str(fake_pid), str(NOBODY),
            str(NOBODY), '11', str(int(time.time())), '0', 'host', 'hostile', '1']
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=clean_env())

    def feed():
        try:
            p.stdin.write(data)
            if endless:
                chunk = os.urandom(1 << 20)
                while True:
                    p.stdin.write(chunk)
        except (BrokenPipeError, ValueError, OSError):
            pass
        finally:
            try:
                p.stdin.close()
            except OSError:
                pass
    t = threading.Thread(target=feed, daemon=True)
    t.start()
    err = p.stderr.read().decode(errors='replace')
    rc = p.wait(TIMEOUT)
    secs = time.monotonic() - t0
    t.join(5)
    st = None
    if os.path.exists(stats):
        with open(stats) as f:
            for ln in f:
                d = dict(kv.split('=', 1) for kv in ln.split())
                if d.get('pid') == str(fake_pid):
                    st = {k: int(v) for k, v in d.items()}
    return rc, secs, st, err, fake_pid


def case_hostile(a, w):
    os.chmod(w.spool, 0o777)
    core = real_core(a, w)
    notes_off = struct.unpack_from('<Q', core, 64 + 8)[0]
    first_load = struct.unpack_from('<Q', core, 64 + 56 + 8)[0]
    rnd = random.Random(7)
    inputs = {'empty': b'', 'one-byte': b'\x7f', 'garbage': bytes(rnd.randrange(256) for _ in range(1 << 16)),
              'elf-header-only': core[:64], 'in-phdrs': core[:64 + 30], 'in-notes': core[:notes_off + 100],
              'after-notes': core[:first_load], 'in-segment': core[:first_load + 5000],
              'whole': core, 'zeros': bytes(1 << 20)}
    inputs.update(forged(core))
    # The parsing process's own peak (the handler's stats), with a
    # buffer_max of 16 MiB: a little more than that and the dump's memory.
    limit_kib = 96 * 1024 if not a.sanitized else 2 * 1024 * 1024
    pids = []
    runs = [(name, data, False, 5) for name, data in sorted(inputs.items())]
    runs += [('endless', core[:first_load], True, 2), ('flood', flood(core), True, 3)]
    for name, data, endless, timeout in runs:
        rc, secs, st, err, pid = run_by_hand(a, w, data, endless=endless, timeout=timeout)
        pids.append(pid)
        last = (err.strip().splitlines() or [''])[-1]
        check(rc in (0, 1), '%s: exit %d (%s)' % (name, rc, err.strip()))
        check(secs < timeout + 3, '%s: %.1f s, past its %d s' % (name, secs, timeout))
        check(st is not None, '%s: no stats line: the handler did not finish (%s)' % (name, err.strip()))
        check(st['maxrss_kib'] < limit_kib, '%s: %d KiB of memory' % (name, st['maxrss_kib']))
        print('hostile %-16s exit %d in %4.0f ms, %6d KiB, %9d bytes read, %5d dump bytes: %s'
              % (name, rc, secs * 1000, st['maxrss_kib'], st['core_bytes'], st['dump_bytes'], last))
        if name == 'flood':
            check(st['core_bytes'] > 32 << 20 and st['buffered'] <= 16 << 20,
                  'flood: %d bytes read, %d held' % (st['core_bytes'], st['buffered']))
    for pid in pids:
        check(not temp_files(w.spool, pid), 'temp files left: %s' % temp_files(w.spool, pid))
    dumps = [f for f in os.listdir(w.spool) if f.endswith('.dmp.zst') and any('.%d.' % p in f for p in pids)]
    check(dumps, 'not even the whole core gave a dump')
    for f in dumps:
        info(a, os.path.join(w.spool, f))
    print('hostile: %d inputs, %d dumps written, each reads back' % (len(runs), len(dumps)))
    return 0


def case_pidns(a, w):
    """In a PID namespace of its own (unshare --pid): the dump says the
    pids and tids the process knew, 1 to 5, with each thread's name (the
    handler maps the host's /proc/PID/task through NSpid)."""
    if not shutil.which('unshare'):
        print('SKIP: no unshare')
        return SKIP
    prog = w.copy(a.threads, 'threads-crash')
    with core_pattern_set(w.pattern()), Sysctl(PIPE_LIMIT, 16):
        # unshare --fork dies of its child's signal too: a second crash.
        crash(['unshare', '--pid', '--fork', '--mount-proc', prog], cwd=w.dir)
        dump = wait_for('the dump of pid 1 in its namespace', lambda: [
            f for f in os.listdir(w.spool) if f.startswith('threads-crash.1.') and f.endswith('.dmp.zst')],
            timeout=TIMEOUT)[0]
    d = check_from_core(a, os.path.join(w.spool, dump), 5)
    got = [(t['tid'], t.get('name')) for t in d['threads']]
    want = [(1, 'threads-crash'), (2, 'worker-0'), (3, 'worker-1'), (4, 'worker-2'), (5, 'worker-3')]
    check(got == want and d['process']['pid'] == 1, 'threads %s, pid %s' % (got, d['process']['pid']))
    print('pidns: %s: pid 1, threads %s' % (dump, got))
    return 0


# ---- the daemon ------------------------------------------------------------------------------


def case_daemon(a, w):
    """A crashd of its own (--dir): the handler's dump goes into its spool,
    the notice to its socket; crashd stores it as nobody's crash and shows
    its report."""
    prog = w.copy(a.static, 'static-crash')
    base = w.path('d')
    log = open(w.path('crashd.log'), 'w')
    d = subprocess.Popen([a.crashd, '--dir', base], stdout=log, stderr=subprocess.STDOUT, env=clean_env())
    try:
        wait_for('crashd to answer', lambda: d.poll() is not None or subprocess.run(
            [a.crashctl, 'status', '--dir', base], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL).returncode == 0, timeout=30)
        check(d.poll() is None, 'crashd exited: %s' % open(w.path('crashd.log')).read())
        pattern = w.pattern(spool=os.path.join(base, 'spool'), socket=os.path.join(base, 'notify.sock'))
        with core_pattern_set(pattern), Sysctl(PIPE_LIMIT, 16):
            pid, rc, err = crash([prog], user=NOBODY, cwd=w.dir)
            check(rc == -signal.SIGSEGV, 'ended %d: %s' % (rc, err))
            stats_of(w, pid)

        def stored():
            p = subprocess.run([a.crashctl, 'list', '--json', '--dir', base], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=TIMEOUT)
            rows = json.loads(p.stdout or b'{}').get('crashes') or []
            return [c for c in rows if c.get('pid') == pid]
        rows = wait_for('crashd to store pid %d' % pid, stored, timeout=60)
        check(rows[0].get('uid') == NOBODY, 'stored as uid %s, not nobody' % rows[0].get('uid'))
        p = subprocess.run([a.crashctl, 'show', '--dir', base, str(pid)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        check(p.returncode == 0, 'crashctl show: %s' % p.stderr.decode())
        expect_in(p.stdout.decode(), [r'charge \(', r'attempts = 42'], 'crashctl show')
        print('daemon: crashd stored pid %d as nobody\'s crash (%s), its report with the values' % (
            pid, rows[0].get('signature')))
    finally:
        d.terminate()
        try:
            d.wait(30)
        except subprocess.TimeoutExpired:
            d.kill()
        log.close()
    return 0


# ---- crashctl setup-core-handler ------------------------------------------------------------


def setup(a, w, *args):
    return subprocess.run([a.crashctl, 'setup-core-handler', '--handler', w.handler, '--state', w.path('state')] +
                          list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)


def current_pattern():
    with open('/proc/sys/kernel/core_pattern') as f:
        return f.read().rstrip('\n')


def case_setup(a, w):
    prog = w.copy(a.static, 'static-crash')
    before = 'core-before.%p %e |x'
    handler_args = '--config= -s %s --stats %s' % (w.spool, w.stats)
    want = '|%s %s %s' % (w.handler, handler_args, SPECIFIERS)
    with core_pattern_set(before), Sysctl(PIPE_LIMIT, 0):
        p = setup(a, w, '--handler-args', handler_args)
        check(p.returncode == 0, 'setup: %d %s' % (p.returncode, p.stderr))
        check(current_pattern() == want, 'core_pattern %r, not %r' % (current_pattern(), want))
        check(sysctl(PIPE_LIMIT) == '16', 'core_pipe_limit %s' % sysctl(PIPE_LIMIT))
        p = setup(a, w, '--handler-args', handler_args)
        check(p.returncode == 0 and 'already' in p.stdout, 'setup again: %d %s%s' % (p.returncode, p.stdout, p.stderr))
        pid, rc, err = crash([prog], user=NOBODY, cwd=w.dir)
        check(rc == -signal.SIGSEGV, 'ended %d: %s' % (rc, err))
        own_dump(w, pid)
        p = subprocess.run(['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups', '--',
                            a.crashctl, 'setup-core-handler', '--undo'], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)
        check(p.returncode == 1 and 'root' in p.stderr, 'as nobody: %d %s' % (p.returncode, p.stderr))
        p = setup(a, w, '--undo')
        check(p.returncode == 0, 'undo: %d %s' % (p.returncode, p.stderr))
        check(current_pattern() == before, 'after --undo core_pattern %r, not %r' % (current_pattern(), before))
        check(sysctl(PIPE_LIMIT) == '0', 'after --undo core_pipe_limit %s' % sysctl(PIPE_LIMIT))
        check(not os.path.exists(w.path('state')), 'the state file is left')
        p = setup(a, w, '--undo')
        check(p.returncode == 1, 'a second --undo: %d' % p.returncode)
        # Another handler set meanwhile: --undo leaves it.
        setup(a, w, '--handler-args', handler_args)
        with open('/proc/sys/kernel/core_pattern', 'w') as f:
            f.write('|/bin/false %p')
        p = setup(a, w, '--undo')
        check(p.returncode == 1 and current_pattern() == '|/bin/false %p', '--undo over another handler: %d %r'
              % (p.returncode, current_pattern()))
    print('setup: %r -> %r -> %r, core_pipe_limit 0 -> 16 -> 0' % (before, want, before))
    return 0


CASES = {'static': case_static, 'setuid': case_setuid, 'threads': case_threads, 'preload': case_preload,
         'keep': case_keep, 'hostile': case_hostile, 'setup': case_setup, 'daemon': case_daemon,
         'pidns': case_pidns}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('case', choices=sorted(CASES))
    ap.add_argument('--handler', required=True)
    ap.add_argument('--crashctl', required=True)
    ap.add_argument('--dumper')
    ap.add_argument('--crashd')
    ap.add_argument('--static', required=True)
    ap.add_argument('--threads')
    ap.add_argument('--sanitized', action='store_true')
    a = ap.parse_args()
    if os.geteuid() != 0:
        print('SKIP: crashd-coredump as the core handler needs root (core_pattern, setuid, other users)')
        return SKIP
    if not core_pattern_writable():
        print('SKIP: /proc/sys/kernel/core_pattern cannot be written here')
        return SKIP
    for tool in ('setpriv', 'zstd'):
        if not shutil.which(tool):
            print('SKIP: no %s' % tool)
            return SKIP
    # meson stops a test with SIGTERM: end through 'finally' (core_pattern).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    w = Work(a)
    try:
        return CASES[a.case](a, w)
    finally:
        w.cleanup()


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (Fail, subprocess.TimeoutExpired) as e:
        print('FAIL:', e)
        sys.exit(1)
