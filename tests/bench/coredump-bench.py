#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/bench/coredump-bench.py --handler H --refcrash R [-n RUNS] [-H MIB]: the
kernel's core handler on the reference crash (refcrash: 5 threads, a NULL
write 4 frames deep), as `meson test --benchmark coredump` runs it.

Modes, interleaved so that drift cancels:
  dump       crashd-coredump: the minidump only (the default setting)
  dump+core  crashd-coredump with keep_core: the minidump and the whole
             core, zstd -1 (what systemd-coredump's Storage=external keeps,
             compressed as it compresses by default)
  file       no handler: the kernel writes the core file itself (for scale)

For each: refcrash's CLOCK_MONOTONIC stamp just before the fault, the
handler's own start and exit (its --stats line), and waitpid()'s return in
here, as medians and 90th percentiles over the runs; then the sizes: the
dump, the core the kernel streamed, that core as zstd -1 and -3 (systemd's
default level). Figures only: it fails only when no dump came. Root only
(core_pattern); skipped otherwise.
"""
import argparse
import os
import resource
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from testkit import SKIP, core_pattern_set, core_pattern_writable, wait_for  # noqa: E402

SPECIFIERS = '%P %i %u %g %s %t %c %h %e %d'


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def stats_line(path, pid):
    try:
        with open(path) as f:
            for ln in f:
                d = dict(kv.split('=', 1) for kv in ln.split())
                if d.get('pid') == str(pid):
                    return {k: int(v) for k, v in d.items()}
    except FileNotFoundError:
        pass
    return None


def run_refcrash(refcrash, cwd, heap_mb=0):
    """One crash; (pid, the fault's stamp, waitpid's return), ns."""
    r, w = os.pipe()
    os.set_inheritable(w, True)
    refcrash = os.path.abspath(refcrash)
    pid = os.fork()
    if pid == 0:
        os.close(r)
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        os.chdir(cwd)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        try:
            os.execve(refcrash, [refcrash, str(w)], {'PATH': '/usr/bin:/bin', 'REFCRASH_HEAP_MB': str(heap_mb)})
        finally:
            os._exit(127)
    os.close(w)
    stamp = os.read(r, 16)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    reaped = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    if not os.WIFSIGNALED(status) or os.WTERMSIG(status) != signal.SIGSEGV:
        raise RuntimeError('refcrash ended with status %#x' % status)
    sec, nsec = struct.unpack('<qq', stamp)
    return pid, sec * 1000000000 + nsec, reaped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--handler', required=True)
    ap.add_argument('--refcrash', required=True)
    ap.add_argument('-n', '--runs', type=int, default=20)
    ap.add_argument('-H', '--heap-mb', type=int, default=0, help='refcrash fills this much heap first')
    a = ap.parse_args()
    if os.geteuid() != 0 or not core_pattern_writable():
        print('SKIP: the core handler benchmark sets core_pattern: root only')
        return SKIP
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    work = tempfile.mkdtemp(prefix='cb', dir='/tmp')
    os.chmod(work, 0o755)
    try:
        handler = os.path.join(work, 'h')
        os.symlink(os.path.abspath(a.handler), handler)
        spool, cores, files = (os.path.join(work, d) for d in ('s', 'c', 'f'))
        for d in (spool, cores, files):
            os.mkdir(d)
        stats = os.path.join(work, 'st')
        confs = {}
        for mode, extra in (('dump', ''), ('dump+core', 'keep_core = yes\ncore_dir = %s\n' % cores)):
            conf = os.path.join(work, 'c-' + mode.replace('+', '-'))
            with open(conf, 'w') as f:
                f.write('spool = %s\nsocket =\nstats = %s\n%s' % (spool, stats, extra))
            confs[mode] = '|%s -c %s %s' % (handler, conf, SPECIFIERS)
        confs['file'] = os.path.join(files, 'core.%p')
        results = {m: [] for m in confs}
        old_limit = open('/proc/sys/kernel/core_pipe_limit').read().strip()
        load0 = os.getloadavg()[0]
        try:
            with open('/proc/sys/kernel/core_pipe_limit', 'w') as f:
                f.write('16')
            for i in range(a.runs):
                for mode, pattern in confs.items():
                    with core_pattern_set(pattern):
                        pid, stamp, reaped = run_refcrash(a.refcrash, work, a.heap_mb)
                        if mode == 'file':
                            path = os.path.join(files, 'core.%d' % pid)
                            results[mode].append({'crash_to_reap': reaped - stamp, 'core': os.path.getsize(path)})
                            os.unlink(path)
                            continue
                        st = wait_for('the handler for %d' % pid, lambda: stats_line(stats, pid), timeout=60)
                    st.update(crash_to_start=st['start_ns'] - stamp, start_to_dump=st['dump_done_ns'] - st['start_ns'],
                              start_to_exit=st['exit_ns'] - st['start_ns'], crash_to_reap=reaped - stamp)
                    if not st['dump']:
                        raise RuntimeError('%s: no dump for pid %d: %s' % (mode, pid, st))
                    results[mode].append(st)
                    if i == 0 and mode == 'dump+core':
                        kept = [f for f in os.listdir(cores) if '.%d.' % pid in f][0]
                        raw = subprocess.run(['zstd', '-dc', os.path.join(cores, kept)], stdout=subprocess.PIPE,
                                             check=True).stdout
                        z3 = subprocess.run(['zstd', '-3', '-c'], input=raw, stdout=subprocess.PIPE, check=True).stdout
                        results['zstd3'] = len(z3)
                    for d in (spool, cores):
                        for f in os.listdir(d):
                            os.unlink(os.path.join(d, f))
        finally:
            with open('/proc/sys/kernel/core_pipe_limit', 'w') as f:
                f.write(old_limit)
        load1 = os.getloadavg()[0]

        def ms(xs):
            return '%7.1f %7.1f' % (statistics.median(xs) / 1e6, pct(xs, 0.9) / 1e6)

        print('refcrash (5 threads%s), %d runs per mode, load average %.2f -> %.2f' % (
            ', %d MiB of heap' % a.heap_mb if a.heap_mb else '', a.runs, load0, load1))
        print('%-10s %15s %15s %15s %15s   (ms: median p90)' % ('mode', 'crash->handler', 'handler->dump',
                                                                 'handler total', 'crash->reaped'))
        for mode in ('dump', 'dump+core', 'file'):
            rs = results[mode]
            reap = ms([r['crash_to_reap'] for r in rs])
            if mode == 'file':
                print('%-10s %15s %15s %15s %15s' % (mode, '-', '-', '-', reap))
                continue
            print('%-10s %15s %15s %15s %15s' % (mode, ms([r['crash_to_start'] for r in rs]),
                                                  ms([r['start_to_dump'] for r in rs]),
                                                  ms([r['start_to_exit'] for r in rs]), reap))
        d, c = results['dump'], results['dump+core']
        print('sizes: dump %d bytes (%d raw), its handler\'s peak memory %d KiB' % (
            statistics.median(r['dump_bytes'] for r in d), statistics.median(r['dump_raw'] for r in d),
            statistics.median(r['maxrss_kib'] for r in d)))
        print('       the core the kernel streams %d bytes (the file mode\'s %d); zstd -1 %d, zstd -3 %d '
              '(systemd-coredump keeps this)' % (statistics.median(r['core_bytes'] for r in c),
                                                 statistics.median(r['core'] for r in results['file']),
                                                 statistics.median(r['core_zst_bytes'] for r in c), results['zstd3']))
        print('       dump / zstd -3 core: 1 : %.1f' % (results['zstd3'] / statistics.median(r['dump_bytes'] for r in d)))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RuntimeError as e:
        print('FAIL:', e)
        sys.exit(1)
