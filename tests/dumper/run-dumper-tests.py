#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Behaviour of libcrashdump.so beyond the crash matrix: its API, the
environment kept out of dumps, the daemon notice, a failing or slow dumper,
the fallback spool, a full disk, and forks crashing together.

usage: run-dumper-tests.py CASE LIBCRASHDUMP CRASHCTL PROGRAM [EXCEPTION-PROGRAM]
Each case is one meson test; exit 0 pass, 1 fail, 77 skip."""
import json
import os
import struct
import signal
import socket
import subprocess
import sys
import tempfile
import time

CASE, LIB, CRASHCTL, PROG = sys.argv[1:5]
EXCEPTION_PROG = sys.argv[5] if len(sys.argv) > 5 else None
SKIP = 77


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CRASHD_") and k != "LD_PRELOAD"}
    env.update(extra)
    return env


def run(args, env, timeout=30, preload=True):
    if preload:
        env = dict(env, LD_PRELOAD=LIB)
    start = time.monotonic()
    p = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p, time.monotonic() - start


def dumps_in(d, want=None, timeout=10.0):
    """The finished dumps in d. With want: first wait until there are that
    many, since the dumper may finish just after the crashed process died
    (then a little longer, so that an extra one would show)."""
    def finished():
        return sorted(os.path.join(d, f) for f in os.listdir(d)
                      if f.endswith(".dmp.zst") and not f.startswith("."))
    if want is not None:
        deadline = time.monotonic() + timeout
        while len(finished()) < want and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.1)
    return finished()


def info(path):
    p = subprocess.run([CRASHCTL, "info", "--json", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    check(p.returncode == 0, f"crashctl info failed on {path}: {p.stderr.decode()}")
    return json.loads(p.stdout)


def raw_bytes(path):
    p = subprocess.run(["zstd", "-dc", path], stdout=subprocess.PIPE, timeout=30)
    check(p.returncode == 0, "zstd -d failed")
    return p.stdout


def plain_status(args):
    p, _ = run(args, clean_env(), preload=False)
    return p.returncode


def case_api(tmp):
    p, _ = run([PROG, "api"], clean_env(CRASHD_DUMP_DIR=tmp))
    check(p.returncode == 0, f"api program exited {p.returncode}: {p.stderr.decode()}")
    check(b"still running" in p.stdout, "the program did not go on after the dumps")
    files = dumps_in(tmp)
    check(len(files) == 2, f"expected 2 requested dumps, found {len(files)}")
    first, second = info(files[0]), info(files[1])
    for d in (first, second):
        check(d["crash"]["requested"] is True, "a requested dump is not marked requested")
        check(d["tags"].get("build") == "1234" and d["tags"].get("role") == "api-test",
              f"tags missing: {d['tags']}")
        check("gone" not in d["tags"], "a removed tag is still in the dump")
        crashed = [t for t in d["threads"] if t["crashed"]]
        check(len(crashed) == 1 and crashed[0]["context_source"] == "caller",
              f"the calling thread should carry getcontext() registers: {crashed}")
        check(crashed[0]["stack"] and crashed[0]["stack"]["size"] > 0, "no stack for the caller")
    msgs = [b["message"] for b in first["breadcrumbs"]]
    check(msgs == [f"step {i}" for i in range(6, 70)],
          f"the ring must keep the last 64 breadcrumbs in order, got {msgs[:3]}..{msgs[-3:]}")
    levels = [b["level"] for b in first["breadcrumbs"]]
    check(levels[0] == 1 and levels[1] == 2, f"breadcrumb levels wrong: {levels[:4]}")
    msgs2 = [b["message"] for b in second["breadcrumbs"]]
    check(msgs2[-1] == "after the first dump" and len(msgs2) == 64,
          "the second dump lacks the newest breadcrumb")


def case_env(tmp):
    canary = "crashd-env-canary-7f3a9c"
    for capture in (False, True):
        d = os.path.join(tmp, "on" if capture else "off")
        os.mkdir(d)
        env = clean_env(CRASHD_DUMP_DIR=d, SECRET_TOKEN=canary)
        if capture:
            env["CRASHD_CAPTURE_ENV"] = "1"
        p, _ = run([PROG, "crash"], env)
        check(p.returncode == -signal.SIGSEGV, f"exit status {p.returncode}")
        files = dumps_in(d, 1)
        check(len(files) == 1, f"expected one dump, found {len(files)}")
        found = canary.encode() in raw_bytes(files[0])
        flags = info(files[0])["dumper"]["flags"]
        if capture:
            check(found, "CRASHD_CAPTURE_ENV=1 but the environment is not in the dump")
            check(any("env" in f for f in flags), f"env capture not flagged: {flags}")
        else:
            check(not found, "the environment leaked into a dump without CRASHD_CAPTURE_ENV=1")


def case_notice(tmp):
    sock_path = os.path.join(tmp, "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(10)
    dump_dir = os.path.join(tmp, "spool")
    p, _ = run([PROG, "crash"], clean_env(CRASHD_DUMP_DIR=dump_dir, CRASHD_SOCKET=sock_path))
    check(p.returncode == -signal.SIGSEGV, f"exit status {p.returncode}")
    msg = s.recv(4096).decode()
    files = dumps_in(dump_dir, 1)
    check(len(files) == 1, f"expected one dump, found {len(files)}")
    check(msg == files[0], f"the notice names {msg!r}, the dump is {files[0]!r}")
    # Nobody listening: the dump is still written and nothing waits.
    s.close()
    os.unlink(sock_path)
    p, took = run([PROG, "crash"], clean_env(CRASHD_DUMP_DIR=dump_dir, CRASHD_SOCKET=sock_path))
    check(p.returncode == -signal.SIGSEGV, f"exit status {p.returncode} without a daemon")
    check(len(dumps_in(dump_dir, 2)) == 2, "no dump without a daemon")
    check(took < 5, f"a missing daemon made the crash take {took:.1f} s")


def case_dumper_fails(tmp):
    want = plain_status([PROG, "crash"])
    for fault, limit in (("child-crash", 3.0), ("child-hang", 0.5 + 3.0)):
        d = os.path.join(tmp, fault)
        os.mkdir(d)
        p, took = run([PROG, "crash"], clean_env(CRASHD_DUMP_DIR=d, CRASHD_TEST_FAULT=fault,
                                                  CRASHD_TIMEOUT_MS="500"))
        check(p.returncode == want, f"{fault}: status {p.returncode}, without the dumper {want}")
        check(took < limit, f"{fault}: the program took {took:.2f} s to die")
        time.sleep(0.2)
        check(not os.listdir(d), f"{fault}: left files behind: {os.listdir(d)}")


def case_fallback_dir(tmp):
    if os.access("/var/spool/crashd", os.W_OK):
        print("SKIP: a system spool exists; the fallback is not used")
        sys.exit(SKIP)
    home = os.path.join(tmp, "home")
    os.mkdir(home)
    p, _ = run([PROG, "crash"], clean_env(HOME=home, CRASHD_SOCKET=""))
    check(p.returncode == -signal.SIGSEGV, f"exit status {p.returncode}")
    spool = os.path.join(home, ".local/state/crashd/spool")
    check(os.path.isdir(spool), "the per-user spool was not created")
    check(os.stat(spool).st_mode & 0o777 == 0o700, "the per-user spool is not 0700")
    files = dumps_in(spool, 1)
    check(len(files) == 1, f"expected one dump in {spool}, found {files}")
    check(os.stat(files[0]).st_mode & 0o777 == 0o600, "the dump is not 0600")


def case_full_disk(tmp):
    if os.geteuid() != 0:
        print("SKIP: mounting a tmpfs needs root")
        sys.exit(SKIP)
    mnt = os.path.join(tmp, "small")
    os.mkdir(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]).returncode != 0:
        print("SKIP: cannot mount a tmpfs here")
        sys.exit(SKIP)
    try:
        # Fill it up, so that the dump's first write fails.
        fd = os.open(os.path.join(mnt, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while os.write(fd, b"x" * 512) > 0:
                pass
        except OSError:
            pass
        os.close(fd)
        want = plain_status([PROG, "crash"])
        p, took = run([PROG, "crash"], clean_env(CRASHD_DUMP_DIR=mnt, CRASHD_SOCKET=""))
        check(p.returncode == want, f"full disk: status {p.returncode}, want {want}")
        check(took < 5, f"full disk: took {took:.1f} s")
        time.sleep(0.3)
        check(os.listdir(mnt) == ["filler"], f"a full disk left partial files: {os.listdir(mnt)}")
        # Room again: the next crash is dumped.
        os.unlink(os.path.join(mnt, "filler"))
        p, _ = run([PROG, "crash"], clean_env(CRASHD_DUMP_DIR=mnt, CRASHD_SOCKET=""))
        check(len(dumps_in(mnt, 1)) == 1, "no dump once there was room again")
    finally:
        subprocess.run(["umount", mnt])


def case_fork_crash(tmp):
    p, _ = run([PROG, "fork-crash"], clean_env(CRASHD_DUMP_DIR=tmp))
    check(p.returncode == -signal.SIGSEGV, f"exit status {p.returncode}")
    files = dumps_in(tmp, 2)
    check(len(files) == 2, f"parent and child crashed together: expected 2 dumps, got {len(files)}")
    pids = {info(f)["process"]["pid"] for f in files}
    check(len(pids) == 2, f"both dumps are of the same process: {pids}")


def case_wait(tmp):
    # CRASHD_WAIT=1: the process exits only once its dump is in place, for
    # containers whose init exits with the program and for scripts.
    for i in range(5):
        d = os.path.join(tmp, str(i))
        os.mkdir(d)
        p, _ = run([PROG, "crash"], clean_env(CRASHD_DUMP_DIR=d, CRASHD_WAIT="1"))
        check(p.returncode == -signal.SIGSEGV, f"exit status {p.returncode}")
        check(len(dumps_in(d)) == 1, f"run {i}: the dump was not in place when the process exited")


def case_proc_title(tmp):
    """A program that overwrites its environment strings (its process
    title) still gets its dump, in CRASHD_DUMP_DIR, with the daemon's
    notice on CRASHD_SOCKET, and dies by its own signal. The settings are
    long enough that the rewrite certainly clears them."""
    d = os.path.join(tmp, "spool-" + "d" * 100)
    os.mkdir(d)
    sock_path = os.path.join(tmp, "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(10)
    try:
        p, _ = run([PROG, "proc-title"], clean_env(CRASHD_DUMP_DIR=d, CRASHD_SOCKET=sock_path,
                                                   HOME=os.path.join(tmp, "home-" + "h" * 100)))
        check(p.returncode == -signal.SIGSEGV, f"exit status {p.returncode}: {p.stderr.decode()}")
        files = dumps_in(d, 1)
        check(len(files) == 1, f"expected one dump in CRASHD_DUMP_DIR, found {os.listdir(d)}")
        try:
            msg = s.recv(4096)
        except socket.timeout:
            fail("no notice on CRASHD_SOCKET")
        check(os.path.basename(files[0]).encode() in msg, f"the notice names another file: {msg!r}")
    finally:
        s.close()


def case_threads(tmp):
    """Any number of threads (issue 9, point 13): the program dies by its
    own SIGSEGV and the dump has every thread, each with registers. Up to
    64 besides the crashing one are parked with a signal; past that the
    dumper takes them with ptrace (a program with 65 threads died by the
    parking signal instead, with no dump)."""
    for n in (1, 64, 65, 66, 200, 1000):
        d = os.path.join(tmp, "t%d" % n)
        os.mkdir(d)
        p, _ = run([PROG, "threads", str(n)], clean_env(CRASHD_DUMP_DIR=d), timeout=60)
        check(p.returncode == -signal.SIGSEGV,
              f"{n} threads: exit status {p.returncode}, not SIGSEGV: {p.stderr.decode()[-500:]}")
        files = dumps_in(d, 1, timeout=30)
        check(len(files) == 1, f"{n} threads: expected one dump, found {len(files)}")
        threads = info(files[0])["threads"]
        check(len(threads) == n, f"{n} threads: the dump has {len(threads)}")
        lost = [t["tid"] for t in threads if t.get("context_source") in (None, "none") or not t.get("pc")]
        check(not lost, f"{n} threads: {len(lost)} without registers")


def crashd_lines(p):
    return [l for l in p.stderr.decode(errors="replace").splitlines() if l.startswith("crashd:")]


def case_seccomp_child(tmp, variants):
    """A seccomp filter that kills on clone (or fails it): the program
    still dies by its own SIGSEGV, with the crashing thread's dump written
    in-process and one line on stderr saying so (issue 9, point 14). It
    died by SIGSYS, or (EPERM) left no dump."""
    for v, n_threads in variants:
        d = os.path.join(tmp, v)
        os.mkdir(d)
        p, _ = run([PROG, v], clean_env(CRASHD_DUMP_DIR=d))
        err = p.stderr.decode(errors="replace")
        check(p.returncode == -signal.SIGSEGV, f"{v}: exit status {p.returncode}, not SIGSEGV: {err[-500:]}")
        lines = crashd_lines(p)
        check(len(lines) == 1 and "in-process" in lines[0], f"{v}: want one line on stderr, got {err!r}")
        files = dumps_in(d, 1)
        check(len(files) == 1, f"{v}: expected one dump, found {len(files)}")
        d_info = info(files[0])
        check("in-process" in d_info["dumper"]["flags"], f"{v}: not marked in-process: {d_info['dumper']}")
        crashed = [t for t in d_info["threads"] if t["crashed"]]
        check(len(crashed) == 1 and crashed[0].get("pc") and crashed[0]["stack"] and crashed[0]["stack"]["size"] > 0,
              f"{v}: the crashing thread has no registers or stack: {crashed}")
        check(d_info["crash"]["signal"] == signal.SIGSEGV, f"{v}: the dump says {d_info['crash']}")
        threads = d_info["threads"]
        check(len(threads) == n_threads, f"{v}: the dump has {len(threads)} threads, want {n_threads}")
        # Parked in-process: the others have registers too.
        lost = [t["tid"] for t in threads if t.get("context_source") in (None, "none") or not t.get("pc")]
        check(not lost, f"{v}: {len(lost)} threads without registers")


def case_seccomp_kill(tmp):
    case_seccomp_child(tmp, [("seccomp-kill", 4), ("seccomp-raw", 1), ("seccomp-exec", 1)])


def case_seccomp_api(tmp):
    """crashdump_write_dump() under a filter that kills on clone: the dump
    is written in-process and the program goes on."""
    p, _ = run([PROG, "seccomp-api"], clean_env(CRASHD_DUMP_DIR=tmp))
    check(p.returncode == 0, f"exit status {p.returncode}: {p.stderr.decode(errors='replace')[-500:]}")
    files = dumps_in(tmp)
    check(len(files) == 1, f"expected one dump in place on return, found {len(files)}")
    d = info(files[0])
    check(d["crash"]["requested"] is True and "in-process" in d["dumper"]["flags"], f"flags: {d['dumper']}")


def case_seccomp_eperm(tmp):
    case_seccomp_child(tmp, [("seccomp-eperm", 1)])


def case_seccomp_strict(tmp):
    """Strict mode: any system call but read, write, exit and sigreturn
    kills by SIGKILL. The program dies by SIGSEGV all the same, without a
    dump, and says so in one line."""
    p, _ = run([PROG, "seccomp-strict"], clean_env(CRASHD_DUMP_DIR=tmp))
    err = p.stderr.decode(errors="replace")
    check(p.returncode == -signal.SIGSEGV, f"exit status {p.returncode}, not SIGSEGV: {err[-500:]}")
    check(crashd_lines(p) == ["crashd: seccomp strict mode: no dump"] and err.count("\n") == 1,
          f"want exactly one line on stderr, got {err!r}")
    check(not dumps_in(tmp), "a dump appeared in strict mode")


def memory_list(path):
    """The dump's MemoryList as sorted (start, bytes), read from the raw
    minidump: header, stream directory, stream 5."""
    raw = raw_bytes(path)
    check(raw[:4] == b"MDMP", "not a minidump")
    n, dir_rva = struct.unpack_from("<II", raw, 8)
    for i in range(n):
        kind, size, rva = struct.unpack_from("<III", raw, dir_rva + 12 * i)
        if kind == 5:
            count, = struct.unpack_from("<I", raw, rva)
            out = []
            for k in range(count):
                start, dsize, drva = struct.unpack_from("<QII", raw, rva + 4 + 16 * k)
                out.append((start, raw[drva:drva + dsize]))
            return sorted(out)
    fail("no MemoryList stream")


def read_dump(mem, addr, size):
    """The bytes [addr, addr + size) if the dump holds them all, else None."""
    for start, data in mem:
        if start <= addr and addr + size <= start + len(data):
            return data[addr - start:addr + size - start]
    return None


def heap_crash(tmp, name, **extra):
    d = os.path.join(tmp, name)
    os.mkdir(d)
    p, _ = run([PROG, "heap"], clean_env(CRASHD_DUMP_DIR=d, CRASHD_WAIT="1", **extra))
    check(p.returncode == -signal.SIGSEGV, f"exit status {p.returncode}: {p.stderr.decode()}")
    files = dumps_in(d, 1)
    check(len(files) == 1, f"expected one dump, found {len(files)}")
    said = {"node": [], "buffer": [], "heap": []}
    for line in p.stdout.decode().splitlines():
        word, a, b = line.split()
        said[word].append((int(a, 16), int(b, 0)))
    check(len(said["node"]) == 50 and len(said["buffer"]) == 1, "the program did not list its heap")
    return files[0], said


def case_heap(tmp):
    """Issue 10: pointers followed breadth-first, whole malloc chunks. A
    list of 50 nodes (the last one 50 pointers from the stack) and a 4 KiB
    buffer, both only reachable from the stack, are in the dump whole."""
    path, said = heap_crash(tmp, "default")
    mem = memory_list(path)
    flags = info(path)["dumper"]["flags"]
    check("budget-hit" not in flags, f"the default budget ran out on a small program: {flags}")
    for i, (addr, size) in enumerate(said["node"]):
        got = read_dump(mem, addr, size)
        check(got is not None, f"node {i} of 50 (at {addr:#x}) is not in the dump")
        tag = f"crashd-node-{i:02d}".encode()
        check(got[16:16 + len(tag)] == tag and struct.unpack_from("<Q", got, 8)[0] == i,
              f"node {i} holds other bytes than the program wrote")
    addr, size = said["buffer"][0]
    got = read_dump(mem, addr, size)
    check(got is not None, f"the 4 KiB buffer at {addr:#x} is not in the dump whole")
    check(got == bytes((k * 7 + 1) & 255 for k in range(size)), "the buffer's bytes differ")
    # The 200-byte spacers nothing points to stay out: chunks, not windows.
    lo, hi = said["heap"][0]
    heap_bytes = sum(len(d) for s, d in mem if lo <= s < hi)
    check(heap_bytes < 16384, f"{heap_bytes} bytes of [heap] in the dump: more than was pointed to")


def case_heap_budget(tmp):
    """A small CRASHD_HEAP_MAX: the dump says the budget ran out, the
    heap part stays within it, and the shallow data (the start of the
    buffer: one allocation takes a quarter of the budget at most, so a
    window here; the first nodes) went in before the deep (the list's
    tail)."""
    budget = 6144
    path, said = heap_crash(tmp, "small", CRASHD_HEAP_MAX=str(budget))
    mem = memory_list(path)
    flags = info(path)["dumper"]["flags"]
    check("budget-hit" in flags, f"a {budget}-byte budget did not run out: {flags}")
    lo, hi = said["heap"][0]
    heap_bytes = sum(len(d) for s, d in mem if lo <= s < hi)
    check(heap_bytes <= budget, f"{heap_bytes} bytes of [heap] in the dump, over CRASHD_HEAP_MAX={budget}")
    addr, size = said["buffer"][0]
    check(read_dump(mem, addr, 128) is not None, "the buffer's start (one pointer from the stack) is not in")
    check(read_dump(mem, addr, size) is None, "a 4 KiB allocation went in whole past a quarter of the budget")
    nodes = [read_dump(mem, a, s) is not None for a, s in said["node"]]
    check(nodes[0] and not nodes[-1], f"not breadth-first: nodes in the dump {nodes}")
    check(nodes == sorted(nodes, reverse=True), f"a deeper node went in before a shallower one: {nodes}")


def case_exception(tmp):
    """An uncaught C++ exception (SIGABRT from std::terminate in
    __cxa_throw): the dump holds the __cxa_exception header around its
    exception_class word (libstdc++'s 'GNUCC++\\0' as a number: the bytes
    in memory read "\\0++CCUNG"), the thrown object after it, and 32 bytes
    of the type_info the header names, std::out_of_range's in libstdc++'s
    RELRO, which the dump holds for no other reason."""
    if not EXCEPTION_PROG:
        print("SKIP: no exception program")
        sys.exit(SKIP)
    # With a budget that the registers alone use up, too: the exception
    # is looked for in what was captured, and goes in past the budget.
    for budget in (None, 1024):
        d = os.path.join(tmp, str(budget))
        os.mkdir(d)
        extra = {"CRASHD_HEAP_MAX": str(budget)} if budget else {}
        p, _ = run([EXCEPTION_PROG], clean_env(CRASHD_DUMP_DIR=d, CRASHD_WAIT="1", **extra))
        check(p.returncode == -signal.SIGABRT, f"exit status {p.returncode}")
        files = dumps_in(d, 1)
        check(len(files) == 1, f"expected one dump, found {len(files)}")
        check_exception(files[0], f"CRASHD_HEAP_MAX={budget or 'default'}")


def check_exception(path, label):
    mem = memory_list(path)
    magic = struct.pack("<Q", 0x474e5543432b2b00)
    found = []
    for start, data in mem:
        at = data.find(magic)
        while at >= 0:
            if (start + at) % 8 == 0:
                found.append(start + at)
            at = data.find(magic, at + 1)
    check(found, f"{label}: no exception header (exception_class GNUCC++\\0) in the dump")
    libstdcxx = [(int(m["base"], 16), int(m["base"], 16) + m["size"]) for m in info(path)["modules"]
                 if "libstdc++" in m["name"]]
    check(libstdcxx, "libstdc++ is not in the module list")
    ok = False
    for at in found:
        header = read_dump(mem, at - 96, 96 + 32 + 256)
        if header is None:
            continue
        type_info, = struct.unpack_from("<Q", header, 16)
        if any(lo <= type_info < hi for lo, hi in libstdcxx):
            check(read_dump(mem, type_info, 32) is not None,
                  f"{label}: the type_info at {type_info:#x} is not in the dump")
            ok = True
    check(ok, f"{label}: no exception header at {[hex(a) for a in found]} with [-96, +288) in the dump "
              "naming a type_info in libstdc++")


def case_host(tmp):
    """Issue 12: the host stream says which machine, boot, kernel and
    cgroup the crash was on, and the report shows it (text, JSON, the
    Sentry event's server_name)."""
    p, _ = run([PROG, "crash"], clean_env(CRASHD_DUMP_DIR=tmp))
    check(p.returncode == -signal.SIGSEGV, f"exit status {p.returncode}")
    files = dumps_in(tmp, 1)
    check(len(files) == 1, f"expected one dump, found {len(files)}")
    streams = {s["name"]: s for s in info(files[0])["streams"]}
    check("CrashdHost" in streams, f"no host stream: {sorted(streams)}")
    sym = subprocess.run([CRASHCTL, "symbolicate", "--format", "json", files[0]], stdout=subprocess.PIPE,
                         timeout=60)
    host = json.loads(sym.stdout)["host"]
    u = os.uname()
    check(host["hostname"] == u.nodename, f"hostname {host['hostname']!r}, uname says {u.nodename!r}")
    check(host["kernel_release"] == u.release and host["kernel_version"] == u.version, f"kernel {host}")
    if os.path.exists("/etc/machine-id"):
        want = open("/etc/machine-id").read().strip()
        check(host["machine_id"] == want, f"machine_id {host['machine_id']!r}, /etc/machine-id {want!r}")
    boot = open("/proc/sys/kernel/random/boot_id").read().strip()
    check(host["boot_id"] == boot, f"boot_id {host['boot_id']!r}, the kernel's {boot!r}")
    # The crashed program was our child: its cgroups are ours.
    mine = {}
    for line in open("/proc/self/cgroup").read().splitlines():
        num, ctrl, path = line.split(":", 2)
        mine[(num, ctrl)] = path
    want = mine.get(("0", ""))
    if not want or want == "/":
        want = mine.get(next((k for k in mine if k[1] == "name=systemd"), None), want)
    check(host["cgroup"] == want, f"cgroup {host['cgroup']!r}, ours {want!r}")
    if os.path.exists("/.dockerenv"):
        check(host["container"] and host["container"]["runtime"] == "docker", f"container {host['container']}")
    text = subprocess.run([CRASHCTL, "symbolicate", files[0]], stdout=subprocess.PIPE, timeout=60).stdout.decode()
    check(f"\nHost: {u.nodename}, kernel {u.release}, machine-id " in text, f"no Host line:\n{text[:600]}")
    event = json.loads(subprocess.run([CRASHCTL, "symbolicate", "--format", "sentry", files[0]],
                                      stdout=subprocess.PIPE, timeout=60).stdout)
    check(event.get("server_name") == u.nodename, f"server_name {event.get('server_name')!r}")


CASES = {
    "host": case_host,
    "heap": case_heap,
    "heap-budget": case_heap_budget,
    "exception": case_exception,
    "seccomp-kill": case_seccomp_kill,
    "seccomp-eperm": case_seccomp_eperm,
    "seccomp-api": case_seccomp_api,
    "seccomp-strict": case_seccomp_strict,
    "threads": case_threads,
    "proc-title": case_proc_title,
    "wait": case_wait,
    "api": case_api,
    "env": case_env,
    "notice": case_notice,
    "dumper-fails": case_dumper_fails,
    "fallback-dir": case_fallback_dir,
    "full-disk": case_full_disk,
    "fork-crash": case_fork_crash,
}

if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="crashd-dumper-") as tmp:
        CASES[CASE](tmp)
    print("PASS:", CASE)
