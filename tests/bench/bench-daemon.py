#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""crashd's benchmark: dumps of the reference crash (tests/bench/refcrash.c,
5 threads, 4 frames deep) in the spool to stored, symbolicated, grouped
reports, with the daemon's default settings (2 workers on a 2-core
machine: one per CPU; every stored dump fdatasync'ed).

  1. backlog: N copies in the spool before crashd starts (the rescan);
  2. live: N more dropped while it runs (inotify), as fast as Python can
     write them;
  3. memory: filled to 10,000 stored crashes, then `crashctl list` and
     `crashctl groups` over all of them through the daemon; peak RSS
     (VmHWM) of crashd.

usage: bench-daemon.py --crashd P --crashctl P --dumper P --refcrash P [-n N]
Prints figures beside the goals (DESIGN.md: at least 200 reports/s, under
150 MiB with 10,000 crashes); exits 1 only if something did not work."""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

GOAL_RATE = 200
GOAL_RSS_MIB = 150
TOTAL = 10000


def api(base, request):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(120)
    s.connect(os.path.join(base, "api.sock"))
    s.sendall(json.dumps(request).encode() + b"\n")
    data = b""
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    s.close()
    return json.loads(data)


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                out[k] = int(v.split()[0]) / 1024.0
    return out


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_stored(base, want, timeout):
    end = time.monotonic() + timeout
    while True:
        st = api(base, {"method": "status"})
        if st["stored"] >= want:
            return time.monotonic(), st
        if time.monotonic() > end:
            raise RuntimeError(f"only {st['stored']} of {want} stored after {timeout} s: {st}")
        time.sleep(0.02)


def drop(spool, name, data):
    tmp = os.path.join(spool, "." + name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(spool, name))


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--crashd", required=True)
    p.add_argument("--crashctl", required=True)
    p.add_argument("--dumper", required=True)
    p.add_argument("--refcrash", required=True)
    p.add_argument("-n", type=int, default=2000, help="dumps in each rate phase")
    a = p.parse_args()

    tmp = tempfile.mkdtemp(prefix="crashd-bench.")
    base = os.path.join(tmp, "crashd")
    spool = os.path.join(base, "spool")
    os.makedirs(spool)
    daemon = None
    try:
        src = os.path.join(tmp, "src")
        os.mkdir(src)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRASHD_")}
        env.update(LD_PRELOAD=os.path.abspath(a.dumper), CRASHD_DUMP_DIR=src, CRASHD_SOCKET="", CRASHD_WAIT="1")
        r = subprocess.run([a.refcrash], env=env, capture_output=True, timeout=60)
        dumps = os.listdir(src)
        if r.returncode != -signal.SIGSEGV or len(dumps) != 1:
            print(f"refcrash: exit {r.returncode}, dumps {dumps}")
            return 1
        data = open(os.path.join(src, dumps[0]), "rb").read()
        n = a.n
        serial = iter(range(10 ** 9))

        def name():
            i = next(serial)
            return f"refcrash.{1000000 + i}.1795000000.{i:09d}.dmp.zst"

        for _ in range(n):
            drop(spool, name(), data)

        nsock_path = os.path.join(tmp, "notify.sock")
        nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        nsock.bind(nsock_path)
        nsock.settimeout(30)
        denv = {k: v for k, v in os.environ.items() if not k.startswith(("CRASHD_", "LD_PRELOAD"))}
        denv["NOTIFY_SOCKET"] = nsock_path
        log = open(os.path.join(tmp, "crashd.log"), "w")
        # Everything kept: retention off, so that 10,000 are stored.
        daemon = subprocess.Popen([a.crashd, "--dir", base, "-o", "max_crashes=0", "-o", "max_total_size=0",
                                   "-o", "loop_keep=0",
                                   "-o", "log_level=notice"], stdout=log, stderr=subprocess.STDOUT, env=denv)
        t_start = time.monotonic()
        while b"READY=1" not in nsock.recv(4096):
            pass
        t_ready = time.monotonic()
        cpu0 = cpu_seconds(daemon.pid)
        t_done, st = wait_stored(base, n, 600)
        backlog_rate = n / (t_done - t_ready)
        backlog_cpu = cpu_seconds(daemon.pid) - cpu0

        # Live: the daemon is idle; N more arrive while it runs.
        cpu0 = cpu_seconds(daemon.pid)
        t_live = time.monotonic()
        for _ in range(n):
            drop(spool, name(), data)
        t_dropped = time.monotonic()
        t_done, st = wait_stored(base, 2 * n, 600)
        live_rate = n / (t_done - t_live)
        live_cpu = cpu_seconds(daemon.pid) - cpu0

        # Up to 10,000, then the queries over all of them.
        rest = TOTAL - 2 * n
        for _ in range(max(rest, 0)):
            drop(spool, name(), data)
        wait_stored(base, TOTAL, 1200)
        mem_ingest = proc_status(daemon.pid)
        t0 = time.monotonic()
        r = subprocess.run([a.crashctl, "list", "--dir", base], capture_output=True, timeout=300)
        t_list = time.monotonic() - t0
        rows = len(r.stdout.splitlines()) - 1
        t0 = time.monotonic()
        r2 = subprocess.run([a.crashctl, "groups", "--json", "--dir", base], capture_output=True, timeout=300)
        t_groups = time.monotonic() - t0
        groups = json.loads(r2.stdout)["groups"]
        t0 = time.monotonic()
        api(base, {"method": "show", "id": TOTAL // 2})
        t_show = time.monotonic() - t0
        mem = proc_status(daemon.pid)
        st = api(base, {"method": "status"})
        state_bytes = du(os.path.join(base, "state"))

        daemon.send_signal(signal.SIGTERM)
        rc = daemon.wait(timeout=60)
        daemon = None

        ok = (r.returncode == 0 and rows == TOTAL and r2.returncode == 0 and len(groups) == 1
              and groups[0]["count"] == TOTAL and st["bad"] == 0 and rc == 0)
        print(f"crashd benchmark: the reference crash ({len(data)} bytes compressed), "
              f"{os.cpu_count()} CPUs, {st['workers']} workers, default settings (sync=yes)")
        print(f"  startup to READY=1:                    {1000 * (t_ready - t_start):8.1f} ms")
        print(f"  backlog of {n} in the spool at start:  {backlog_rate:8.0f} reports/s   "
              f"({1000 * backlog_cpu / n:.2f} ms CPU each)   goal >= {GOAL_RATE}")
        print(f"  {n} dropped while running:            {live_rate:8.0f} reports/s   "
              f"({1000 * live_cpu / n:.2f} ms CPU each; dropping took {t_dropped - t_live:.2f} s)")
        print(f"  peak RSS, {TOTAL} crashes stored:        {mem_ingest['VmHWM']:8.1f} MiB       goal < {GOAL_RSS_MIB}")
        print(f"  peak RSS after list/groups/show of all: {mem['VmHWM']:8.1f} MiB (now {mem['VmRSS']:.1f} MiB)")
        print(f"  crashctl list ({rows} rows):           {t_list:8.2f} s")
        print(f"  crashctl groups --json:                 {t_groups:8.2f} s")
        print(f"  show one report:                        {1000 * t_show:8.1f} ms")
        print(f"  state directory:                        {state_bytes / 2 ** 20:8.1f} MiB for {TOTAL} crashes")
        print(f"  rate goal: {'met' if min(backlog_rate, live_rate) >= GOAL_RATE else 'NOT met'}; "
              f"memory goal: {'met' if mem['VmHWM'] < GOAL_RSS_MIB else 'NOT met'}")
        if not ok:
            print(f"FAILED: list rows {rows} (exit {r.returncode}), groups {len(groups)}, bad {st['bad']}, "
                  f"crashd exit {rc}")
            return 1
        return 0
    finally:
        if daemon:
            daemon.kill()
            daemon.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
