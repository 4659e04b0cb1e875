#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What `crashctl export --core` costs: time and core size.

  export-core.py --dumper SO --crashctl EXE --refcrash EXE --bench-export EXE --source conf.c [-n RUNS]

Crashes the reference crash (tests/bench/refcrash.c) and the conformance
program (conf.c, gcc -O2) once each under the dumper, then exports each
dump RUNS times (20 by default) and prints, per dump: the dump's size
(compressed, raw), the core's size and PT_LOAD count, the export's wall
time (the whole command: loading and decompressing the dump, writing the
core; median, p90, min), the same to a pipe (-o -), `crashctl info`'s
(the same start and load without the core), core_export_write() alone
(bench-export.c: in process, into a memfd), and gdb's time to
open the core and print every thread's backtrace. With root (core_pattern
can be changed), also the kernel's own core of the same crash for scale.
Figures only: it fails only when a crash or an export does.
Standard library only."""

import argparse
import ctypes
import glob
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
sys.path.insert(0, os.path.join(HERE, '..', 'export'))
import elfcore  # noqa: E402
from testkit import core_pattern_set, core_pattern_writable  # noqa: E402

ADDR_NO_RANDOMIZE = 0x0040000


def crash(argv, dumper, work, name, core_limit=0):
    dumps = os.path.join(work, 'dumps-' + name)
    os.mkdir(dumps)
    env = {'PATH': '/usr/bin:/bin', 'LC_ALL': 'C', 'HOME': work, 'LD_PRELOAD': dumper,
           'CRASHD_DUMP_DIR': dumps, 'CRASHD_WAIT': '1'}

    def child():
        ctypes.CDLL(None).personality(ADDR_NO_RANDOMIZE)
        resource.setrlimit(resource.RLIMIT_CORE, (core_limit, resource.getrlimit(resource.RLIMIT_CORE)[1]))

    p = subprocess.run(argv, env=env, cwd=work, preexec_fn=child, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
    if p.returncode != -11:
        raise RuntimeError('%s ended with %d, not SIGSEGV' % (name, p.returncode))
    files = glob.glob(os.path.join(dumps, '*.dmp*'))
    if len(files) != 1:
        raise RuntimeError('%s: expected one dump, found %s' % (name, files))
    return files[0]


def kernel_core(argv, dumper, work, name):
    """The kernel's core of the same crash (with the dumper, as users run
    it), or None without root."""
    if not core_pattern_writable():
        return None
    cores = os.path.join(work, 'cores-' + name)
    os.mkdir(cores)
    with core_pattern_set(os.path.join(cores, 'core.%p')):
        crash(argv, dumper, work, name + '-k', resource.RLIM_INFINITY)
    found = glob.glob(os.path.join(cores, 'core.*'))
    return found[0] if found else None


def timed(cmd, n, stdout=subprocess.DEVNULL):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=stdout, stderr=subprocess.DEVNULL, check=True, timeout=120)
        times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.9 * len(times)))], times[0]


def measure(label, exe, dump, crashctl, bench, work, runs, kcore):
    core = os.path.join(work, label + '.core')
    med, p90, low = timed([crashctl, 'export', '--core', '-o', core, dump], runs)
    pmed, pp90, plow = timed([crashctl, 'export', '--core', '-o', '-', dump], runs)
    # The same start and load of the dump, without the core: what the
    # writer itself adds is the difference.
    bmed, _, blow = timed([crashctl, 'info', '--json', dump], runs)
    info = json.loads(subprocess.run([crashctl, 'info', '--json', dump], stdout=subprocess.PIPE, check=True).stdout)
    raw = info['file']['raw_size']
    with open(core, 'rb') as f:
        c = elfcore.Core(f.read())
    writer = subprocess.run([bench, dump, str(max(runs, 50))], stdout=subprocess.PIPE, check=True,
                            timeout=300).stdout.decode().strip()
    gdb = None
    if shutil.which('gdb'):
        gmed, _, _ = timed(['gdb', '-batch', '-nx', '-iex', 'set debuginfod enabled off', '-ex', 'thread apply all bt',
                            exe, core], max(3, runs // 4))
        gdb = gmed
    print('%s:' % label)
    print('  dump          %9d bytes (zstd), %d raw' % (os.path.getsize(dump), raw))
    print('  core          %9d bytes, %d PT_LOADs, %d notes, %d threads' % (
        os.path.getsize(core), len(c.loads), len(c.notes),
        sum(1 for n in c.notes if n['type'] == elfcore.NT_PRSTATUS)))
    if kcore:
        print('  kernel core   %9d bytes (the same crash, for scale)' % os.path.getsize(kcore))
    print('  export        median %.1f ms, p90 %.1f ms, min %.1f ms (%d runs, the whole command)' % (med, p90, low, runs))
    print('  export to -   median %.1f ms, p90 %.1f ms, min %.1f ms (a pipe to /dev/null)' % (pmed, pp90, plow))
    print('  crashctl info median %.1f ms, min %.1f ms (the same start and load, no core: the writer adds the rest)'
          % (bmed, blow))
    print('  writer alone  %s' % writer)
    if gdb is not None:
        print('  gdb           median %.0f ms to open it and print every thread\'s backtrace' % gdb)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dumper', required=True)
    ap.add_argument('--crashctl', required=True)
    ap.add_argument('--refcrash', required=True)
    ap.add_argument('--bench-export', required=True, help='tests/bench/bench-export')
    ap.add_argument('--source', required=True, help='tests/conformance/conf.c')
    ap.add_argument('-n', type=int, default=20)
    a = ap.parse_args()
    dumper, crashctl = os.path.abspath(a.dumper), os.path.abspath(a.crashctl)
    work = tempfile.mkdtemp(prefix='export-bench-')
    os.chmod(work, 0o755)
    try:
        with open('/proc/loadavg') as f:
            print('load average at start:', f.read().split()[0])
        refcrash = os.path.abspath(a.refcrash)
        conf = os.path.join(work, 'conf-gcc-O2')
        subprocess.run(['gcc', '-g', '-O2', '-pthread', '-o', conf, os.path.abspath(a.source)], check=True, timeout=120)
        for label, exe in (('refcrash', refcrash), ('conf.c gcc -O2', conf)):
            name = label.split()[0].replace('.', '-')
            dump = crash([exe], dumper, work, name)
            measure(label, exe, dump, crashctl, os.path.abspath(a.bench_export), work, a.n,
                    kernel_core([exe], dumper, work, name))
        with open('/proc/loadavg') as f:
            print('load average at end:', f.read().split()[0])
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.SubprocessError) as e:
        print('FAIL:', e)
        sys.exit(1)
