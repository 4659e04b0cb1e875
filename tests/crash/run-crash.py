#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Crash tests for libcrashdump.so, run by meson (suite 'crash').

  run-crash.py case NAME      --dumper SO --crashctl EXE --program EXE
  run-crash.py core           --dumper SO --program EXE
  run-crash.py stackwalk NAME --dumper SO --program EXE --oracles DIR

'case' runs one crashme mode twice, without and with LD_PRELOAD of the
dumper, each in a fresh CRASHD_DUMP_DIR, requires the same raw wait status
both times, then checks the dump files and `crashctl info --json`.
'core' checks that a kernel core file is still written with the dumper
loaded (it changes /proc/sys/kernel/core_pattern and restores it).
'stackwalk' feeds a dump to Breakpad's minidump_stackwalk (npm 'minidump').

Exit status: 0 pass, 1 fail, 77 skip (meson's convention). Standard library
only; every child runs under a timeout, and a hang is a failure.
"""

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from testkit import CORE_PATTERN, core_pattern_set  # noqa: E402

SKIP = 77
RUN_TIMEOUT = 60.0      # one run of a test program, dumper included
TOOL_TIMEOUT = 60.0     # crashctl, zstd, dump_syms, minidump_stackwalk

# The kernel's si_code values (asm-generic/siginfo.h) that the cases produce.
SI_USER, SI_KERNEL, SI_TKILL = 0, 0x80, -6
SEGV_MAPERR, SEGV_ACCERR = 1, 2
BUS_ADRERR = 2
FPE_INTDIV = 1
ILL_ILLOPN = 2
SYS_SECCOMP = 1

SIGNAL_NAMES = {s.value: s.name for s in signal.Signals
                if s.name.startswith('SIG') and not s.name.startswith('SIG_')}
# Python names SIGIOT and SIGABRT the same number; take the usual names.
SIGNAL_NAMES.update({signal.SIGABRT: 'SIGABRT', signal.SIGSEGV: 'SIGSEGV',
                     signal.SIGBUS: 'SIGBUS', signal.SIGSYS: 'SIGSYS'})
SIGNAL_NAMES.update({n: f'SIGRT{n}' for n in range(signal.SIGRTMIN, signal.SIGRTMAX + 1)})

DUMP_NAME = re.compile(r'^(?P<comm>.+)\.(?P<pid>\d+)\.(?P<sec>\d+)\.(?P<nsec>\d+)\.dmp\.zst$')


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


# ---- the cases ---------------------------------------------------------------

def parking_possible():
    """The dumper parks the other threads with a signal (their registers
    come from their own handler: 'signal') unless a core file will be
    written; the runs here have RLIMIT_CORE 0, so only a core_pattern pipe
    makes it fall back to ptrace."""
    with open('/proc/sys/kernel/core_pattern') as f:
        return not f.read().startswith('|')


PARKED = 'signal' if parking_possible() else 'ptrace'


def case(program='c', mode=None, status=('signal', signal.SIGSEGV), dumps=1,
         sig=signal.SIGSEGV, codes=(SEGV_MAPERR,), address=None, pc_in_program=True,
         threads=1, others=PARKED, overflow=False, requested=False,
         same_stdout=False, tags=None, crasher=None, child=False, names=None,
         capture_env=False, env=None):
    """address: None (unchecked), 'printed' (the 'addr=' line), 'pc' (equal to
    the crashing pc), or an int. crasher: the thread-name prefix of the thread
    that must be the crashed one. child: the dump is of the child that
    'child-pid=' names (forkexec). names: the sorted thread names.
    capture_env: run with CRASHD_CAPTURE_ENV=1. env: more variables for the
    run with the dumper."""
    return dict(program=program, mode=mode, status=status, dumps=dumps, sig=sig,
                codes=codes, address=address, pc_in_program=pc_in_program,
                threads=threads, others=others, overflow=overflow, requested=requested,
                same_stdout=same_stdout, tags=tags, crasher=crasher, child=child,
                names=names, capture_env=capture_env, env=env or {})


CASES = {
    'segv': case(address='printed', tags={'suite': 'crash', 'case': 'segv'}),
    'bus': case(sig=signal.SIGBUS, status=('signal', signal.SIGBUS), codes=(BUS_ADRERR,),
                address='printed'),
    'fpe': case(sig=signal.SIGFPE, status=('signal', signal.SIGFPE), codes=(FPE_INTDIV,),
                address='pc'),
    'ill': case(sig=signal.SIGILL, status=('signal', signal.SIGILL), codes=(ILL_ILLOPN,),
                address='pc'),
    'abrt': case(sig=signal.SIGABRT, status=('signal', signal.SIGABRT), codes=(SI_TKILL,),
                 pc_in_program=False),
    'trap': case(sig=signal.SIGTRAP, status=('signal', signal.SIGTRAP), codes=(SI_KERNEL,)),
    'sys': case(sig=signal.SIGSYS, status=('signal', signal.SIGSYS), codes=(SYS_SECCOMP,),
                address='pc'),
    'assert': case(sig=signal.SIGABRT, status=('signal', signal.SIGABRT), codes=(SI_TKILL,),
                   pc_in_program=False),
    'threads': case(threads=5, crasher='crasher-',
                    names=['crasher-0', 'crasher-1', 'crashme', 'idler-2', 'idler-3']),
    'overflow': case(codes=(SEGV_MAPERR, SEGV_ACCERR), overflow=True),
    'thread-overflow': case(codes=(SEGV_MAPERR, SEGV_ACCERR), overflow=True, threads=2,
                            crasher='overflower'),
    'kill': case(codes=(SI_USER,), pc_in_program=False),
    'handler': case(status=('exit', 42), same_stdout=True),
    'handler-signal': case(same_stdout=True),
    'forkexec': case(status=('exit', 0), address=0, child=True),
    'requested': case(status=('exit', 0), sig=None, codes=None, pc_in_program=False,
                      requested=True, same_stdout=False),
    # Parking off, so that the ptrace path is what is refused.
    'ptrace-denied': case(threads=3, others='none', env={'CRASHD_PARK': '0'}),
    # The other threads stopped by ptrace: parking off, or signals blocked.
    'threads-ptrace': case(mode='threads', threads=5, crasher='crasher-', others='ptrace',
                           names=['crasher-0', 'crasher-1', 'crashme', 'idler-2', 'idler-3'],
                           env={'CRASHD_PARK': '0'}),
    'blocked': case(threads=3, others='ptrace', names=['crashme', 'idler-2', 'idler-3']),
    # Not a crash signal: no dump, and the same death as without the dumper.
    'rt-signal': case(status=('signal', signal.SIGRTMAX - 3), dumps=0, sig=None, codes=None),
    'env': case(mode='segv', address=0, capture_env=True),
    'cxx': case(program='cxx', mode=(), sig=signal.SIGABRT,
                status=('signal', signal.SIGABRT), codes=(SI_TKILL,), pc_in_program=False),
}


# ---- ELF: the build-id note, read from the file ------------------------------

def elf_build_id(path):
    """The NT_GNU_BUILD_ID of an ELF64 little-endian file, as lower-case hex."""
    with open(path, 'rb') as f:
        data = f.read()
    check(data[:4] == b'\x7fELF' and data[4] == 2 and data[5] == 1,
          f'{path}: not a 64-bit little-endian ELF file')
    e_phoff, = struct.unpack_from('<Q', data, 0x20)
    e_phentsize, e_phnum = struct.unpack_from('<HH', data, 0x36)
    for i in range(e_phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            '<IIQQQQ', data, e_phoff + i * e_phentsize)
        if p_type != 4:                                 # PT_NOTE
            continue
        off, end = p_offset, p_offset + p_filesz
        while off + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from('<III', data, off)
            name = data[off + 12:off + 12 + namesz]
            desc_off = off + 12 + ((namesz + 3) & ~3)
            if ntype == 3 and name == b'GNU\0':         # NT_GNU_BUILD_ID
                return data[desc_off:desc_off + descsz].hex()
            off = desc_off + ((descsz + 3) & ~3)
    raise Fail(f'{path}: no NT_GNU_BUILD_ID note')


# ---- running things ------------------------------------------------------------

# Put into every test program's environment: a dump must not hold it
# unless CRASHD_CAPTURE_ENV=1 asked for the environment (DESIGN.md).
CANARY = f'crashd-canary-{os.getpid()}-{time.monotonic_ns():x}'


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('CRASHD_') and k != 'LD_PRELOAD'}
    env['CRASHME_SECRET_TOKEN'] = CANARY
    env.update(extra or {})
    return env


class Run:
    def __init__(self, argv, status, stdout, stderr, pid, seconds):
        self.argv, self.status, self.stdout, self.stderr = argv, status, stdout, stderr
        self.pid, self.seconds = pid, seconds

    def describe(self):
        return describe_status(self.status)

    def facts(self, key):
        """Every value of 'key=value' lines the program printed."""
        return [line.split('=', 1)[1] for line in self.stdout.splitlines()
                if line.startswith(key + '=')]

    def fact(self, key):
        v = self.facts(key)
        check(v, f'{self.argv}: printed no "{key}=" line; stdout: {self.stdout!r}')
        return v[0]


def describe_status(status):
    if os.WIFSIGNALED(status):
        core = ' (core dumped)' if os.WCOREDUMP(status) else ''
        return f'killed by {SIGNAL_NAMES.get(os.WTERMSIG(status), os.WTERMSIG(status))}{core}'
    if os.WIFEXITED(status):
        return f'exit {os.WEXITSTATUS(status)}'
    return f'status 0x{status:x}'


def run_program(argv, env, cwd, timeout=RUN_TIMEOUT, on_line=None):
    """Runs argv in its own session and returns the raw wait status. on_line
    (prefix, callback(pid)) fires once when stdout has a line starting with
    prefix. On timeout the whole process group is killed and it fails."""
    with tempfile.TemporaryFile(mode='w+') as out, tempfile.TemporaryFile(mode='w+') as err:
        start = time.monotonic()
        p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=err, start_new_session=True)
        fired = on_line is None
        status = None
        try:
            while True:
                pid, st = os.waitpid(p.pid, os.WNOHANG)
                if pid == p.pid:
                    status = st
                    break
                if not fired:
                    out.seek(0)
                    if any(line.startswith(on_line[0]) for line in out.read().splitlines()):
                        fired = True
                        on_line[1](p.pid)
                if time.monotonic() - start > timeout:
                    raise Fail(f'{argv}: still running after {timeout:.0f} s (hang)')
                time.sleep(0.002)
        finally:
            p.returncode = 0 if status is None else -1   # reaped here, not by Popen
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, signal.SIGKILL)
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return Run(argv, status, out.read(), err.read(), p.pid, seconds)


def tool(argv, timeout=TOOL_TIMEOUT, ok=(0,)):
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Fail(f'{argv}: still running after {timeout:.0f} s (hang)')
    if r.returncode not in ok:
        raise Fail(f'{argv}: exit {r.returncode}: {r.stderr.decode(errors="replace").strip()}')
    return r


def dump_files(d):
    return sorted(os.listdir(d))


def wait_dump_files(d, want, timeout=10.0):
    """The dumper lets the crashed process die once everything is copied and
    writes the file just after; wait for `want` finished dumps (temp files
    start with a dot), then a little longer so that an extra one shows."""
    deadline = time.monotonic() + (timeout if want else 0)
    while time.monotonic() < deadline:
        if len([f for f in os.listdir(d) if not f.startswith('.')]) >= want:
            break
        time.sleep(0.005)
    time.sleep(0.1)
    return dump_files(d)


def crashctl_info(crashctl, dump):
    r = tool([crashctl, 'info', '--json', dump])
    try:
        info = json.loads(r.stdout)
    except ValueError as e:
        raise Fail(f'crashctl info --json {dump}: not JSON ({e}): {r.stdout[:400]!r}')
    check(isinstance(info, dict) and info.get('format') == 'crashd-dump-info'
          and info.get('version') == 1,
          f'crashctl info: unexpected header: format={info.get("format")!r} '
          f'version={info.get("version")!r}')
    return info


def num(v):
    if isinstance(v, bool) or v is None:
        raise Fail(f'expected a number or "0x..." string, got {v!r}')
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        return int(v, 0)
    raise Fail(f'expected a number or "0x..." string, got {v!r}')


def program_argv(cfg, args):
    program = args.program
    if cfg['mode'] == ():
        return [program]
    return [program, cfg['mode'] or args.name]


# ---- 'case' ----------------------------------------------------------------------

def run_case(cfg, args, preload, workdir):
    dump_dir = tempfile.mkdtemp(prefix='dumps-', dir=workdir)
    extra = {'CRASHD_DUMP_DIR': dump_dir}
    if preload:
        extra['LD_PRELOAD'] = args.dumper
        if cfg['capture_env']:
            extra['CRASHD_CAPTURE_ENV'] = '1'
        if cfg['tags']:
            extra['CRASHD_TAGS'] = ','.join(f'{k}={v}' for k, v in cfg['tags'].items())
        extra.update(cfg['env'])
    on_line = None
    if args.name == 'kill':
        on_line = ('ready', lambda pid: os.kill(pid, signal.SIGSEGV))
    r = run_program(program_argv(cfg, args), clean_env(extra), workdir, on_line=on_line)
    return r, dump_dir


def check_case(args):
    cfg = CASES[args.name]
    workdir = tempfile.mkdtemp(prefix=f'crash-{args.name}-')
    try:
        plain, plain_dir = run_case(cfg, args, preload=False, workdir=workdir)
        loaded, dump_dir = run_case(cfg, args, preload=True, workdir=workdir)
        print(f'without dumper: {plain.describe()} in {plain.seconds * 1000:.1f} ms')
        print(f'with dumper:    {loaded.describe()} in {loaded.seconds * 1000:.1f} ms')

        # Dying the same way: the signal, the exit code and the core flag.
        kind, value = cfg['status']
        if kind == 'signal':
            check(os.WIFSIGNALED(plain.status) and os.WTERMSIG(plain.status) == value,
                  f'without the dumper the program should die of {SIGNAL_NAMES[value]}, '
                  f'but: {plain.describe()}; stderr: {plain.stderr.strip()!r}')
        else:
            check(os.WIFEXITED(plain.status) and os.WEXITSTATUS(plain.status) == value,
                  f'without the dumper the program should exit {value}, but: '
                  f'{plain.describe()}; stderr: {plain.stderr.strip()!r}')
        check(loaded.status == plain.status,
              f'the dumper changed how the program ends: without it {plain.describe()} '
              f'(0x{plain.status:x}), with it {loaded.describe()} (0x{loaded.status:x}); '
              f'stderr with it: {loaded.stderr.strip()[-600:]!r}')
        if cfg['same_stdout']:
            def strip_ids(s):
                return [l for l in s.splitlines() if not re.match(r'^(pid|tid)=', l)]
            check(strip_ids(plain.stdout) == strip_ids(loaded.stdout),
                  f'the program\'s own handler did not run the same way: without the dumper '
                  f'{plain.stdout!r}, with it {loaded.stdout!r}')

        check(dump_files(plain_dir) == [],
              f'files appeared without the dumper: {dump_files(plain_dir)}')
        files = wait_dump_files(dump_dir, cfg['dumps'])
        check(len(files) == cfg['dumps'],
              f'expected {cfg["dumps"]} dump(s) in CRASHD_DUMP_DIR, found {len(files)}: {files}; '
              f'stderr with the dumper: {loaded.stderr.strip()[-600:]!r}')
        if cfg['dumps'] == 0:
            print('no dump, as expected')
            return 0
        for name in files:
            check_dump(cfg, args, loaded, os.path.join(dump_dir, name))
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def check_dump(cfg, args, run, path):
    name = os.path.basename(path)
    m = DUMP_NAME.match(name)
    check(m, f'dump file name {name!r} is not <comm>.<pid>.<sec>.<nsec>.dmp.zst')
    st = os.lstat(path)
    check(stat.S_ISREG(st.st_mode), f'{name}: not a regular file')
    check(stat.S_IMODE(st.st_mode) == 0o600, f'{name}: mode {stat.S_IMODE(st.st_mode):o}, want 600')
    check(st.st_uid == os.geteuid(), f'{name}: owner {st.st_uid}, want {os.geteuid()}')
    with open(path, 'rb') as f:
        magic = f.read(4)
    check(magic == b'\x28\xb5\x2f\xfd', f'{name}: not a zstd frame (starts {magic.hex()})')

    pid = int(run.fact('child-pid')) if cfg['child'] else run.pid
    prog = os.path.basename(args.program)
    check(m['comm'] == prog[:15], f'{name}: comm {m["comm"]!r}, want {prog[:15]!r}')
    check(int(m['pid']) == pid, f'{name}: pid {m["pid"]}, want {pid}')
    check(abs(int(m['sec']) - time.time()) < 600, f'{name}: time {m["sec"]} is not now')

    info = crashctl_info(args.crashctl, path)
    print(f'{name}: {st.st_size} bytes, {len(info.get("threads", []))} thread(s), '
          f'{len(info.get("modules", []))} module(s), '
          f'{info.get("memory", {}).get("bytes")} bytes of memory')

    fi = info['file']
    check(fi.get('compressed') is True, f'info.file.compressed = {fi.get("compressed")!r}')
    check(fi.get('size') == st.st_size, f'info.file.size = {fi.get("size")!r}, file has {st.st_size}')
    check(isinstance(fi.get('raw_size'), int) and fi['raw_size'] > 0,
          f'info.file.raw_size = {fi.get("raw_size")!r}')

    proc = info['process']
    check(proc.get('pid') == pid, f'process.pid = {proc.get("pid")!r}, want {pid}')
    check(proc.get('uid') == os.getuid() and proc.get('gid') == os.getgid(),
          f'process uid/gid = {proc.get("uid")!r}/{proc.get("gid")!r}')
    want_cmdline = ['crashme', 'segv'] if cfg['child'] else program_argv(cfg, args)
    check(proc.get('cmdline') == want_cmdline,
          f'process.cmdline = {proc.get("cmdline")!r}, want {want_cmdline!r}')
    check(proc.get('exe') == os.path.realpath(args.program),
          f'process.exe = {proc.get("exe")!r}, want {os.path.realpath(args.program)!r}')

    crash = info['crash']
    check(crash.get('requested') is cfg['requested'],
          f'crash.requested = {crash.get("requested")!r}, want {cfg["requested"]}')
    if cfg['sig'] is not None:
        check(crash.get('signal') == cfg['sig'],
              f'crash.signal = {crash.get("signal")!r}, want {int(cfg["sig"])}')
        check(crash.get('signal_name') == SIGNAL_NAMES[cfg['sig']],
              f'crash.signal_name = {crash.get("signal_name")!r}, want {SIGNAL_NAMES[cfg["sig"]]}')
        check(crash.get('code') in cfg['codes'],
              f'crash.code = {crash.get("code")!r} ({crash.get("code_name")!r}), '
              f'want one of {cfg["codes"]}')
        check(isinstance(crash.get('code_name'), str) and crash['code_name'],
              f'crash.code_name = {crash.get("code_name")!r}')

    # The crashing (or requesting) thread.
    threads = info['threads']
    check(len(threads) == cfg['threads'],
          f'{len(threads)} thread(s) in the dump, want {cfg["threads"]}: '
          f'{[(t.get("tid"), t.get("name")) for t in threads]}')
    tids = [t.get('tid') for t in threads]
    check(len(set(tids)) == len(tids), f'duplicate thread ids: {tids}')
    if cfg['crasher']:
        candidates = {int(v) for v in run.facts('crasher-tid')}
    else:
        candidates = {int(run.fact('tid')) if not cfg['child'] else pid}
    check(crash.get('thread') in candidates,
          f'crash.thread = {crash.get("thread")!r}, want one of {sorted(candidates)}')
    crashed = [t for t in threads if t.get('crashed')]
    ct = [t for t in threads if t.get('tid') == crash.get('thread')]
    check(len(ct) == 1, f'crash.thread {crash.get("thread")} is not in the thread list {tids}')
    ct = ct[0]
    want_source = 'caller' if cfg['requested'] else 'ucontext'
    check(ct.get('context_source') == want_source,
          f'crashing thread {ct.get("tid")}: context_source {ct.get("context_source")!r}, '
          f'want {want_source!r}')
    if not cfg['requested']:
        check(crashed == [ct], f'threads marked crashed: {[t.get("tid") for t in crashed]}, '
              f'want exactly [{ct.get("tid")}]')
    if cfg['crasher']:
        check(str(ct.get('name', '')).startswith(cfg['crasher']),
              f'crashing thread name {ct.get("name")!r}, want {cfg["crasher"]}*')
    check(num(crash.get('pc')) == num(ct.get('pc')),
          f'crash.pc {crash.get("pc")!r} differs from the crashing thread\'s pc {ct.get("pc")!r}')

    for t in threads:
        if t is ct:
            continue
        check(t.get('context_source') == cfg['others'],
              f'thread {t.get("tid")} ({t.get("name")!r}): context_source '
              f'{t.get("context_source")!r}, want {cfg["others"]!r}')

    # Modules: the program itself, with the build-id from its ELF note.
    exe = os.path.realpath(args.program)
    want_id = elf_build_id(exe)
    mods = [mm for mm in info['modules']
            if mm.get('name') in (exe, args.program) or
            os.path.basename(str(mm.get('name'))) == os.path.basename(exe)]
    check(len(mods) == 1, f'the program {exe} appears {len(mods)} times in modules: '
          f'{[mm.get("name") for mm in info["modules"]]}')
    main_mod = mods[0]
    check(str(main_mod.get('build_id') or '').lower() == want_id,
          f'module {main_mod.get("name")}: build_id {main_mod.get("build_id")!r}, want {want_id}')
    base, size = num(main_mod.get('base')), num(main_mod.get('size'))
    for mm in info['modules']:
        check(num(mm.get('size')) > 0, f'module {mm.get("name")}: size {mm.get("size")!r}')

    pc = num(ct.get('pc'))
    if cfg['pc_in_program']:
        check(base <= pc < base + size,
              f'crashing pc 0x{pc:x} is outside {os.path.basename(exe)} '
              f'[0x{base:x}, 0x{base + size:x})')

    # The fault address.
    if cfg['address'] is not None and cfg['sig'] is not None:
        if cfg['address'] == 'printed':
            want = int(run.fact('addr'), 16)
        elif cfg['address'] == 'pc':
            want = pc
        else:
            want = cfg['address']
        check(num(crash.get('address')) == want,
              f'crash.address = {crash.get("address")!r}, want 0x{want:x}')

    # Stack memory for every thread that has registers.
    for t in threads:
        if t.get('context_source') in ('none', None):
            continue
        s = t.get('stack')
        check(isinstance(s, dict) and num(s.get('size')) > 0,
              f'thread {t.get("tid")} has a context but no stack memory: {s!r}')
        sp, start, ssize = num(t.get('sp')), num(s.get('start')), num(s.get('size'))
        if not (cfg['overflow'] and t is ct):
            # 128: the x86-64 red zone below sp that a dumper may keep too.
            check(start <= sp + 128 and sp < start + ssize,
                  f'thread {t.get("tid")}: sp 0x{sp:x} is not in its stack memory '
                  f'[0x{start:x}, 0x{start + ssize:x})')

    if args.name == 'ptrace-denied':
        check(run.fact('ptrace') == 'EPERM',
              f'the seccomp filter did not deny ptrace: ptrace={run.fact("ptrace")}')

    # Flags, streams, system facts.
    flags = info['dumper'].get('flags') or []
    check(('ptrace-denied' in flags) == (cfg['others'] == 'none'),
          f'dumper.flags = {flags}: "ptrace-denied" should be there only when ptrace failed')
    check(('requested' in flags) == cfg['requested'], f'dumper.flags = {flags}')
    streams = {st_['name'] for st_ in info.get('streams') or []}
    for want_stream in ('ThreadList', 'ModuleList', 'MemoryList', 'SystemInfo',
                        'LinuxMaps', 'CrashdCrashInfo', 'CrashdThreadInfo'):
        check(want_stream in streams, f'no {want_stream} stream; streams: {sorted(streams)}')
    if not cfg['requested']:
        check('Exception' in streams, f'no Exception stream; streams: {sorted(streams)}')
    system = info.get('system') or {}
    check(str(system.get('os', '')).startswith('Linux') and system.get('arch') in ('amd64', 'x86_64'),
          f'system = {system}')
    check(system.get('cpus') == os.cpu_count(),
          f'system.cpus = {system.get("cpus")}, this machine has {os.cpu_count()}')
    if cfg['names']:
        names = sorted(str(t.get('name')) for t in threads)
        check(names == cfg['names'], f'thread names {names}, want {cfg["names"]}')

    # The environment: only when asked for.
    raw = tool(['zstd', '-q', '-d', '-c', path]).stdout
    check(len(raw) == fi['raw_size'], f'zstd -d gives {len(raw)} bytes, info.file.raw_size says {fi["raw_size"]}')
    has_canary = CANARY.encode() in raw
    if cfg['capture_env']:
        check('LinuxEnviron' in streams, f'CRASHD_CAPTURE_ENV=1 but no LinuxEnviron stream: {sorted(streams)}')
        check(has_canary, 'CRASHD_CAPTURE_ENV=1 but the environment variable is not in the dump')
    else:
        check('LinuxEnviron' not in streams, 'a LinuxEnviron stream without CRASHD_CAPTURE_ENV=1')
        check(not has_canary, 'the value of an environment variable is in the dump, but '
              'CRASHD_CAPTURE_ENV=1 was not set')

    # Tags and breadcrumbs.
    if cfg['tags']:
        tags = info.get('tags') or {}
        for k, v in cfg['tags'].items():
            check(tags.get(k) == v, f'tags[{k!r}] = {tags.get(k)!r}, want {v!r} (from CRASHD_TAGS)')
    if cfg['requested']:
        check(run.fact('write_dump') == '0', f'crashdump_write_dump() returned {run.fact("write_dump")}')
        check('still alive' in run.stdout, 'the program did not go on after crashdump_write_dump()')
        if run.facts('set_tag'):
            check((info.get('tags') or {}).get('case') == 'requested',
                  f'tags = {info.get("tags")!r}, want case=requested (crashdump_set_tag)')
        check(any('about to write a dump' in json.dumps(b) for b in info.get('breadcrumbs') or []),
              f'breadcrumbs = {info.get("breadcrumbs")!r}, want "about to write a dump"')
    print(f'{name}: ok (signal {crash.get("signal_name")}, code {crash.get("code_name")}, '
          f'thread {crash.get("thread")}, pc 0x{pc:x})')


# ---- 'core': the kernel still writes its core file with the dumper loaded ---------

def check_core(args):
    if os.geteuid() != 0:
        print('skip: needs root to change core_pattern')
        return SKIP
    if not os.access(CORE_PATTERN, os.W_OK):
        print(f'skip: {CORE_PATTERN} is not writable')
        return SKIP
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if hard != resource.RLIM_INFINITY and hard < 1 << 30:
        print(f'skip: the hard RLIMIT_CORE is {hard}; cores would be cut short')
        return SKIP
    workdir = tempfile.mkdtemp(prefix='crash-core-')
    os.chmod(workdir, 0o755)
    try:
        core_dir = os.path.join(workdir, 'cores')
        os.mkdir(core_dir)
        # Soft limit only: without CAP_SYS_RESOURCE a lowered hard limit
        # could not be raised again.
        resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
        with core_pattern_set(os.path.join(core_dir, 'core.%e.%p')):
            for mode, sig in (('segv', signal.SIGSEGV), ('abrt', signal.SIGABRT)):
                for preload in (False, True):
                    dump_dir = tempfile.mkdtemp(prefix='dumps-', dir=workdir)
                    env = {'CRASHD_DUMP_DIR': dump_dir}
                    if preload:
                        env['LD_PRELOAD'] = args.dumper
                    r = run_program([args.program, mode], clean_env(env), workdir)
                    what = f'{mode} {"with" if preload else "without"} the dumper'
                    print(f'{what}: {r.describe()}, {r.seconds * 1000:.1f} ms')
                    check(os.WIFSIGNALED(r.status) and os.WTERMSIG(r.status) == sig,
                          f'{what}: {r.describe()}, want {SIGNAL_NAMES[sig]}')
                    check(os.WCOREDUMP(r.status), f'{what}: the wait status has no core flag')
                    cores = os.listdir(core_dir)
                    want = f'core.crashme.{r.pid}'
                    check(cores == [want], f'{what}: cores {cores}, want [{want}]')
                    core = os.path.join(core_dir, want)
                    with open(core, 'rb') as f:
                        check(f.read(4) == b'\x7fELF', f'{what}: the core is not ELF')
                    print(f'  core {want}: {os.stat(core).st_size} bytes')
                    os.unlink(core)
                    dumps = wait_dump_files(dump_dir, 1 if preload else 0)
                    check(len(dumps) == (1 if preload else 0),
                          f'{what}: dumps {dumps}')
        return 0
    finally:
        resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
        shutil.rmtree(workdir, ignore_errors=True)


# ---- 'stackwalk': Breakpad's processor reads the dump ----------------------------

# function names per case: frame 0 of the crashing thread (None: in a library,
# then the first of 'callers' must appear in the crashing thread's frames)
# and the callers that must follow it, in order.
STACKWALK = {
    'segv': dict(signal='SIGSEGV', address=0, frame0='level4',
                 callers=['level3', 'level2', 'level1', 'mode_segv', 'main']),
    'abrt': dict(signal='SIGABRT', frame0=None, callers=['abort_here', 'mode_abrt', 'main']),
    'assert': dict(signal='SIGABRT', frame0=None, callers=['assert_here', 'mode_assert', 'main']),
    'threads': dict(signal='SIGSEGV', address=0, frame0='crash_together',
                    callers=['crasher_main'], threads=5),
    'cxx': dict(signal='SIGABRT', frame0=None,
                callers=['crashme::thrower3', 'crashme::thrower2', 'crashme::thrower1', 'main']),
}


def oracle_bins(args):
    d = args.oracles
    bins = {n: os.path.join(d, n) for n in ('minidump_stackwalk', 'dump_syms')}
    missing = [p for p in bins.values() if not os.access(p, os.X_OK)]
    if missing:
        msg = (f'Breakpad tools not found: {", ".join(missing)}. '
               f'Run `npm install --ignore-scripts` in tests/ to install them (npm package minidump).')
        if os.environ.get('CRASHD_REQUIRE_ORACLES') == '1':
            raise Fail(msg)
        print('skip: ' + msg)
        return None
    return bins


def make_symbols(dump_syms, binary, store, debug_dir=None):
    argv = [dump_syms, binary] + ([debug_dir] if debug_dir else [])
    r = tool(argv)
    head = r.stdout.split(b'\n', 1)[0].decode(errors='replace').split()
    check(len(head) == 5 and head[0] == 'MODULE', f'dump_syms {binary}: bad MODULE line {head}')
    debug_id = head[3]
    # The processor looks symbols up by the file name in the dump's module
    # list (libstdc++.so.6.0.30), which can differ from the MODULE line's
    # (the soname, libstdc++.so.6).
    name = os.path.basename(binary)
    d = os.path.join(store, name, debug_id)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + '.sym'), 'wb') as f:
        f.write(r.stdout)
    return name, debug_id


def libc_debug_dir(path):
    """Debian's libc6-dbg keeps libc's DWARF under /usr/lib/debug/.build-id:
    with it, Breakpad names libc's functions too. Optional."""
    try:
        bid = elf_build_id(path)
    except (Fail, OSError):
        return None
    d = os.path.join('/usr/lib/debug/.build-id', bid[:2])
    return d if os.path.exists(os.path.join(d, bid[2:] + '.debug')) else None


def minidump_lists(path):
    """The thread ids (in thread-list order) and the module paths of a raw
    minidump, read here rather than through crashctl, so that this oracle
    test does not depend on our own reader."""
    with open(path, 'rb') as f:
        data = f.read()
    check(data[:4] == b'MDMP', f'{path}: not a minidump')
    count, dir_rva = struct.unpack_from('<II', data, 8)
    streams = {}
    for i in range(count):
        stype, size, rva = struct.unpack_from('<III', data, dir_rva + 12 * i)
        streams.setdefault(stype, (rva, size))
    check(3 in streams and 4 in streams, f'{path}: no thread list or no module list')
    rva, _ = streams[3]                                 # MD_THREAD_LIST_STREAM
    n, = struct.unpack_from('<I', data, rva)
    tids = [struct.unpack_from('<I', data, rva + 4 + 48 * i)[0] for i in range(n)]
    rva, _ = streams[4]                                 # MD_MODULE_LIST_STREAM
    n, = struct.unpack_from('<I', data, rva)
    modules = []
    for i in range(n):
        name_rva, = struct.unpack_from('<I', data, rva + 4 + 108 * i + 20)
        length, = struct.unpack_from('<I', data, name_rva)
        modules.append(data[name_rva + 4:name_rva + 4 + length].decode('utf-16-le'))
    return tids, modules


def check_stackwalk(args):
    bins = oracle_bins(args)
    if bins is None:
        return SKIP
    want = STACKWALK[args.name]
    cfg = CASES[args.name]
    workdir = tempfile.mkdtemp(prefix=f'stackwalk-{args.name}-')
    try:
        r, dump_dir = run_case(cfg, args, preload=True, workdir=workdir)
        files = wait_dump_files(dump_dir, 1)
        check(len(files) == 1, f'expected one dump, found {files}; {r.describe()}; '
              f'stderr: {r.stderr.strip()[-600:]!r}')
        dump_zst = os.path.join(dump_dir, files[0])
        # minidump_stackwalk needs a seekable file: decompress first.
        dump = os.path.join(workdir, 'dump.dmp')
        tool(['zstd', '-q', '-d', '-f', dump_zst, '-o', dump])
        tids, modules = minidump_lists(dump)

        store = os.path.join(workdir, 'syms')
        for path in modules:
            if not path.startswith('/') or not os.path.isfile(path):
                continue                                # the vdso, deleted files
            make_symbols(bins['dump_syms'], path, store, libc_debug_dir(path))

        out = os.path.join(workdir, 'stackwalk.txt')
        sw = tool([bins['minidump_stackwalk'], '-m', dump, store])
        text = sw.stdout.decode(errors='replace')
        with open(out, 'w') as f:
            f.write(text)

        crash_lines = [l.split('|') for l in text.splitlines() if l.startswith('Crash|')]
        check(len(crash_lines) == 1, f'minidump_stackwalk: no single Crash| line:\n{text[:2000]}')
        _, reason, address, index = crash_lines[0][:4]
        print(f'Crash|{reason}|{address}|{index}')
        check(reason.split(' ')[0] == want['signal'],
              f'stackwalk crash reason {reason!r}, want {want["signal"]}')
        if 'address' in want:
            check(int(address, 16) == want['address'],
                  f'stackwalk crash address {address}, want 0x{want["address"]:x}')
        crashers = ({int(v) for v in r.facts('crasher-tid')} if args.name == 'threads'
                    else {int(r.fact('tid'))})
        want_index = [i for i, t in enumerate(tids) if t in crashers]
        if args.name == 'threads':
            check(len(want_index) == 2, f'the crasher threads {crashers} are not both in {tids}')
        check(index.isdigit() and int(index) in want_index,
              f'stackwalk crashing thread index {index!r}, want {want_index} '
              f'(thread ids in the dump: {tids}, crashing: {sorted(crashers)})')

        frames = {}
        for line in text.splitlines():
            f = line.split('|')
            if len(f) >= 7 and f[0].isdigit() and f[1].isdigit():
                frames.setdefault(int(f[0]), []).append(f)
        if 'threads' in want:
            check(len(frames) == want['threads'],
                  f'stackwalk shows {len(frames)} threads, want {want["threads"]}')
        mine = frames.get(int(index), [])
        for f in mine:
            print('  ' + '|'.join(f))
        check(mine, f'no frames for the crashing thread {index}:\n{text[:2000]}')
        module = os.path.basename(args.program)

        def func(f):
            return f[3]

        def is_mine(f, name):
            # C++ names come with their parameter lists: "crashme::thrower3(int)".
            return f[2] == module and (func(f) == name or func(f).startswith(name + '('))

        if want['frame0']:
            check(is_mine(mine[0], want['frame0']),
                  f'frame 0 is {mine[0][2]}!{func(mine[0])}, want {module}!{want["frame0"]}')
            rest = mine[1:]
        else:
            rest = mine
        # The callers must appear in this order (other frames may sit between,
        # e.g. libc's abort() or libstdc++'s terminate machinery).
        pos = 0
        for name in want['callers']:
            while pos < len(rest) and not is_mine(rest[pos], name):
                pos += 1
            check(pos < len(rest), f'{module}!{name} missing from the crashing thread\'s frames '
                  f'(in order {want["callers"]})')
            pos += 1
        if not want['frame0']:
            first = next(i for i, f in enumerate(mine) if is_mine(f, want['callers'][0]))
            check(all(f[2] != module for f in mine[:first]),
                  f'frames above {want["callers"][0]} should be in libraries: {mine[:first]}')
        if args.name == 'threads':
            # The idle workers and main sleep in libc; each still needs a frame 0.
            for t, fs in frames.items():
                check(fs and fs[0][2], f'thread {t}: no frame 0 module')
        print('stackwalk: ok')
        return 0
    finally:
        if os.environ.get('CRASHD_KEEP_TMP') == '1':
            print(f'kept {workdir}')
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# ----------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('what', choices=['case', 'core', 'stackwalk'])
    ap.add_argument('name', nargs='?', default='')
    ap.add_argument('--dumper', required=True, help='libcrashdump.so')
    ap.add_argument('--crashctl', help='crashctl')
    ap.add_argument('--program', required=True, help='crashme or crashme-cxx')
    ap.add_argument('--oracles', help='the folder with minidump_stackwalk and dump_syms')
    args = ap.parse_args()
    args.dumper = os.path.abspath(args.dumper)
    args.program = os.path.abspath(args.program)

    # meson stops a test that timed out with SIGTERM: turn it into an
    # exception, so that 'finally' restores core_pattern and removes files.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(f'stopped by signal {sig}'))
    # No stray cores in the test folders: the core test raises this itself.
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
    try:
        for what, path in (('--dumper', args.dumper), ('--program', args.program)):
            check(os.path.isfile(path), f'{what} {path}: no such file')
        if args.what == 'case':
            return check_case(args)
        if args.what == 'core':
            return check_core(args)
        return check_stackwalk(args)
    except Fail as e:
        print(f'FAIL {args.what} {args.name}: {e}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
