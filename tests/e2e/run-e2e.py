#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""crashd end to end: the real daemon, real crashes under the preload, a
temporary directory for everything (crashd --dir), crashctl to look.

usage: run-e2e.py CASE --crashd P --crashctl P --dumper P --program P
                  [--units DIR] [--sample-dump P]
Each case is one meson test; exit 0 pass, 1 fail, 77 skip. Every wait is
bounded; every daemon, mount and file this starts or makes is undone."""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from testkit import SKIP, daemon_status, Fail, check, clean_env, wait_for  # noqa: E402

import e2ekit  # noqa: E402
from e2ekit import (SIGNATURE, Daemon, crash, ctl, crashes, status, spool_entries, new_base, sha256,  # noqa: E402
                    make_dump, drop)

A = None

# --------------------------------------------------------------------------

def case_report(tmp):
    base = new_base(tmp)
    d = Daemon(base)
    pid = crash(base)
    got = wait_for("the crash in crashctl list", lambda: crashes(base))
    check(len(got) == 1, f"one crash, got {len(got)}")
    c = got[0]
    check(c["pid"] == pid, f"pid {c['pid']}, crashed pid {pid}")
    check(c["uid"] == os.getuid(), f"uid {c['uid']}")
    check(c["signal"] == 11 and c["signal_name"] == "SIGSEGV", f"signal {c['signal']} {c['signal_name']}")
    program = os.path.basename(A.program)[:15]     # the thread's name, as the kernel keeps it
    check(c["program"] == program, f"program {c['program']!r}")
    check(c["executable"] == os.path.realpath(A.program), f"executable {c['executable']!r}")
    check(c["signature"] == SIGNATURE, f"signature {c['signature']!r}")
    check(spool_entries(base) == [], f"the spool still holds {spool_entries(base)}")
    stored = os.listdir(os.path.join(base, "state", "dumps"))
    check(len(stored) == 1, f"state/dumps holds {stored}")
    st = os.stat(os.path.join(base, "state", "dumps", stored[0]))
    check(stat.S_IMODE(st.st_mode) == 0o600, f"stored dump mode {oct(st.st_mode)}")

    # The table, as coredumpctl's.
    table = ctl("list", "--dir", base).splitlines()
    check(len(table) == 2, f"list: {table}")
    for col in ("ID", "TIME", "PID", "UID", "SIG", "PROGRAM", "SIGNATURE"):
        check(col in table[0], f"list header lacks {col}: {table[0]}")
    for part in (str(pid), "SEGV", program, SIGNATURE):
        check(part in table[1], f"list row lacks {part!r}: {table[1]}")

    # The report has the locals, as symbolicate prints them.
    text = ctl("show", "--dir", base, str(c["id"]))
    for part in ("Signal: SIGSEGV", "#0  charge (o=0x", "tax_rate=0.2", "in checkout (o=0x",
                 'currency = 0x', '"EUR"', "total = ", "in process (line=", '"order qty=3 guest"',
                 "quantity = 3", "unit_price = 9.99"):
        check(part in text, f"show lacks {part!r}:\n{text}")
    report = json.loads(ctl("show", "--json", "--dir", base, str(c["id"])))
    frame0 = report["threads"][0]["frames"][0]
    check(report["crash"]["signal"] == 11, "report: crash.signal")
    check(frame0["function"] == "charge", f"report: frame 0 is {frame0['function']}")
    check(any(v["name"] == "tax_rate" for v in frame0["vars"]), f"report: frame 0 vars {frame0['vars']}")

    # The stored dump, byte for byte, and the same report from it.
    out = os.path.join(tmp, "out.dmp.zst")
    ctl("dump", "--dir", base, str(c["id"]), "-o", out)
    check(sha256(out) == c["sha256"], "dump -o: not the stored bytes")
    check(stat.S_IMODE(os.stat(out).st_mode) == 0o600, "dump -o: the copy is not 0600")
    again = ctl("symbolicate", out)
    # show: a header of what crashd stored, a blank line, then the report
    # exactly as symbolicate prints it.
    check(text.endswith("\n\n" + again) and text.startswith(f"ID:         {c['id']}\n"),
          f"show is not its header and symbolicate's report:\n{text[:600]}")

    # One log line per crash.
    want = f"Crash {c['id']}: {program} (pid {pid}, uid {os.getuid()}) SIGSEGV in {SIGNATURE}"
    check(want in d.text(), f"the log lacks {want!r}:\n{d.text()}")

    # The same bug again: one group, two crashes.
    crash(base)
    wait_for("the second crash", lambda: len(crashes(base)) == 2)
    groups = json.loads(ctl("groups", "--json", "--dir", base))["groups"]
    check(len(groups) == 1 and groups[0]["count"] == 2, f"groups: {groups}")
    check(groups[0]["signature"] == SIGNATURE, f"group signature {groups[0]['signature']!r}")
    check(program in ctl("groups", "--dir", base), "groups table")

    # Filters.
    check(len(crashes(base, "--signal", "ABRT")) == 0, "--signal ABRT")
    check(len(crashes(base, "--signal", "SIGSEGV")) == 2, "--signal SIGSEGV")
    check(len(crashes(base, "--program", program)) == 2, "--program NAME")
    check(len(crashes(base, "--program", os.path.realpath(A.program))) == 2, "--program PATH")
    check(len(crashes(base, "--program", "other")) == 0, "--program other")
    check(len(crashes(base, "--since", "@%d" % (time.time() + 3600))) == 0, "--since the future")
    check(len(crashes(base, "--since", "-1h")) == 2, "--since -1h")
    check([x["id"] for x in crashes(base, "-n", "1")] == [2], "-n 1")

    # Stopped: crashctl reads the database.
    check(d.stop() == 0, "crashd did not exit 0 on SIGTERM")
    check(not os.path.exists(os.path.join(base, "api.sock")), "the API socket was left behind")
    offline = crashes(base)
    check([x["id"] for x in offline] == [1, 2], f"offline list: {offline}")
    check(ctl("show", "--dir", base, "1") == text, "offline show differs")
    ctl("dump", "--dir", base, "1", "-o", out)
    check(sha256(out) == c["sha256"], "offline dump: not the stored bytes")
    r = ctl("show", "--dir", base, "99", ok=(1,), binary=True)
    check(b"no crash matches '99'" in r.stderr, f"show 99: {r.stderr}")


def case_down_at_crash(tmp):
    base = new_base(tmp)
    os.makedirs(os.path.join(base, "spool"))
    p1 = crash(base)
    p2 = crash(base)
    # The crashed program dies as soon as its dumper's fork has started
    # (park.c): the fork writes the file after, so wait for both.
    wait_for("both dumps in the spool",
             lambda: len([n for n in spool_entries(base) if n.endswith(".dmp.zst")]) == 2)
    check(len(spool_entries(base)) == 2, f"spool: {spool_entries(base)}")
    spool = os.path.join(base, "spool")
    # A dumper that died mid-write a while ago, and one writing now.
    for name, age in ((".crashme.1.1.1.dmp.zst.tmp", 3600), (".crashme.2.2.2.dmp.zst.tmp", 0)):
        with open(os.path.join(spool, name), "wb") as f:
            f.write(b"partial")
        t = time.time() - age
        os.utime(os.path.join(spool, name), (t, t))

    d = Daemon(base)
    got = wait_for("both crashes", lambda: (lambda c: c if len(c) == 2 else None)(crashes(base)))
    check(sorted(c["pid"] for c in got) == sorted([p1, p2]), f"pids {[c['pid'] for c in got]}")
    left = sorted(os.listdir(spool))
    check(left == [".crashme.2.2.2.dmp.zst.tmp", "bad"], f"spool after start: {left}")
    check("Removed 1 unfinished dump file" in d.text(), "the stale temp file removal was not logged")
    check(d.stop() == 0, "crashd did not exit 0")

    # Dumps that were being symbolicated when crashd died (the attempts
    # count says so): once before, it runs alone and is stored; three
    # times, the last death blamed on it (daemon/blame.c), it is put aside
    # instead of killing crashd again.
    import sqlite3
    data = open(make_dump(tmp), "rb").read()
    db = sqlite3.connect(os.path.join(base, "state", "crashd.db"))
    db.execute("INSERT INTO attempts(name, count) VALUES('crashme.7.1.1.dmp.zst', 1), ('crashme.8.1.1.dmp.zst', 3)")
    db.commit()
    db.close()
    with open(os.path.join(base, "state", "blame"), "w") as f:
        f.write("crashme.8.1.1.dmp.zst")
    drop(spool, "crashme.7.1.1.dmp.zst", data)
    drop(spool, "crashme.8.1.1.dmp.zst", data)
    d = Daemon(base)
    wait_for("the suspects handled", lambda: [n for n in spool_entries(base) if n[0] != "."] == [])
    files = [c["file"] for c in crashes(base)]
    check("crashme.7.1.1.dmp.zst" in files and "crashme.8.1.1.dmp.zst" not in files, f"stored: {files}")
    reason = open(os.path.join(spool, "bad", "crashme.8.1.1.dmp.zst.reason")).read()
    check("three times" in reason, f"reason: {reason!r}")
    check("processing it alone" in d.text(), "the suspect did not run alone")
    check(d.stop() == 0, "crashd did not exit 0")


def case_burst_sigkill(tmp):
    base = new_base(tmp)
    spool = os.path.join(base, "spool")
    data = open(make_dump(tmp), "rb").read()
    d = Daemon(base, "-o", "loop_keep=0")    # every copy stored: this is no crash loop test
    names = []
    real = 3

    def burst(first, last):
        for i in range(first, last):
            name = f"crashme.{100000 + i}.1795000000.{i:09d}.dmp.zst"
            drop(spool, name, data)
            names.append(name)
            if i in (50, 100, 150):
                crash(base)
    # The first half arrives; once crashd is busy storing it, it is frozen
    # wherever it is (a worker mid-write, a commit, a spool unlink), the
    # second half arrives, and it is killed: the middle of the burst.
    burst(0, 100)
    wait_for("some crashes stored", lambda: status(base)["stored"] >= 10, timeout=60, interval=0.01)
    d.proc.send_signal(signal.SIGSTOP)
    burst(100, 200)
    d.kill()
    n_at_kill = len(crashes(base, "--no-daemon"))
    check(n_at_kill < 200 + real, f"all {n_at_kill} were stored before the kill")

    d = Daemon(base, "-o", "loop_keep=0")    # every copy stored: this is no crash loop test
    total = 200 + real
    got = wait_for(f"{total} crashes", lambda: (lambda c: c if len(c) >= total else None)(crashes(base)),
                   timeout=120, interval=0.2)
    time.sleep(0.5)
    got = crashes(base)
    files = [c["file"] for c in got]
    check(len(got) == total, f"{len(got)} crashes stored, want {total}")
    check(len(set(files)) == total, "a crash was stored twice")
    check(set(names) <= set(files), "a copied dump is missing")
    check(spool_entries(base) == [], f"the spool still holds {spool_entries(base)[:5]}")
    check(os.listdir(os.path.join(spool, "bad")) == [], "something went to bad/")
    stored = os.listdir(os.path.join(base, "state", "dumps"))
    check(len(stored) == total, f"state/dumps holds {len(stored)} files for {total} crashes")
    check(d.stop() == 0, "crashd did not exit 0")
    print(f"killed with {n_at_kill} of {total} stored; after the restart {len(got)}, each once")


def case_full_disk(tmp):
    if os.geteuid() != 0:
        print("SKIP: mounting a tmpfs needs root")
        sys.exit(SKIP)
    base = new_base(tmp)
    state = os.path.join(tmp, "small-state")
    os.makedirs(state)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", state]).returncode != 0:
        print("SKIP: cannot mount a tmpfs here")
        sys.exit(SKIP)
    d = None
    try:
        d = Daemon(base, "--state-dir", state)
        crash(base)
        wait_for("the first crash", lambda: len(crashes(base)) == 1)
        # Fill the state directory.
        filler = os.path.join(state, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while os.write(fd, b"\0" * 65536) > 0:
                pass
        except OSError:
            pass
        os.close(fd)
        pid = crash(base)
        wait_for("the full disk in the log",
                 lambda: "No space left on device" in d.text() or "disk is full" in d.text(), timeout=20)
        check(d.alive(), "crashd died on a full disk")
        time.sleep(1)
        left = spool_entries(base)
        check(len(left) == 1 and f".{pid}." in left[0], f"the dump is not kept in the spool: {left}")
        check(len(crashes(base)) == 1, "the list changed on a full disk")
        check(status(base)["paused"], "status does not say paused")
        line = [l for l in d.text().splitlines() if "No space left" in l or "disk is full" in l][0]
        check(f"The state directory '{state}' is full" in line and "stays in the spool" in line,
              f"the error does not say what is wrong and what happens: {line}")
        # Room again: it goes on by itself.
        os.unlink(filler)
        got = wait_for("the second crash after the disk had room",
                       lambda: (lambda c: c if len(c) == 2 else None)(crashes(base)), timeout=40, interval=0.2)
        check(got[1]["pid"] == pid, "the wrong crash was stored")
        check(spool_entries(base) == [], "the spool was not emptied")
        check("Storing crashes again." in d.text(), "the recovery was not logged")
        print([l for l in d.text().splitlines() if "space" in l or "full" in l or "again" in l][:3])
        check(d.stop() == 0, "crashd did not exit 0")
        d = None
    finally:
        if d:
            d.kill()
        if subprocess.run(["umount", state]).returncode != 0:
            subprocess.run(["umount", "-l", state])


def zstd_compress(data):
    return subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True, check=True).stdout


def case_hostile(tmp):
    base = new_base(tmp)
    spool = os.path.join(base, "spool")
    real = make_dump(tmp)
    data = open(real, "rb").read()
    raw = subprocess.run(["zstd", "-q", "-d", "-c", real], capture_output=True, check=True).stdout
    secret = os.path.join(tmp, "secret")
    with open(secret, "w") as f:
        f.write("not for crashd")
    before = os.stat(secret)

    # loop_keep=0: each mutant is stored or refused, none replaced as a crash loop's
    d = Daemon(base, "-o", "max_dump_size=64K", "-o", "loop_keep=0")
    rnd = random.Random(4)
    expect = {
        "garbage.1.1.1.dmp.zst": "not a minidump",
        "zgarbage.1.1.1.dmp.zst": "not a minidump",
        "truncated.1.1.1.dmp.zst": "zstd",
        "empty.1.1.1.dmp.zst": "empty",
        "big.1.1.1.dmp.zst": "max_dump_size",
        "bomb.1.1.1.dmp.zst": "decompresses to more than",
        "link.1.1.1.dmp.zst": "a symbolic link",
        "fifo.1.1.1.dmp.zst": "a FIFO",
        "dir.1.1.1.dmp.zst": "a directory",
        "notes.txt": "not a dump's name",
        "hard.1.1.1.dmp.zst": "hard links",
    }
    drop(spool, "garbage.1.1.1.dmp.zst", bytes(rnd.getrandbits(8) for _ in range(5000)))
    drop(spool, "zgarbage.1.1.1.dmp.zst", zstd_compress(bytes(rnd.getrandbits(8) for _ in range(5000))))
    drop(spool, "truncated.1.1.1.dmp.zst", data[:len(data) // 2])
    drop(spool, "empty.1.1.1.dmp.zst", b"")
    drop(spool, "big.1.1.1.dmp.zst", os.urandom(100 * 1024))
    drop(spool, "bomb.1.1.1.dmp.zst", zstd_compress(b"\0" * (8 << 20)))
    os.symlink(secret, os.path.join(spool, "link.1.1.1.dmp.zst"))
    os.mkfifo(os.path.join(spool, "fifo.1.1.1.dmp.zst"))
    os.mkdir(os.path.join(spool, "dir.1.1.1.dmp.zst"))
    drop(spool, "notes.txt", b"hello")
    # The second link exists before the name appears in the spool.
    with open(os.path.join(spool, ".hard.tmp"), "wb") as f:
        f.write(data)
    os.link(os.path.join(spool, ".hard.tmp"), os.path.join(tmp, "second-link"))
    os.rename(os.path.join(spool, ".hard.tmp"), os.path.join(spool, "hard.1.1.1.dmp.zst"))
    # Mutated dumps: whatever they are judged to be, crashd stays up.
    mutants = []
    for i in range(40):
        m = bytearray(raw)
        for _ in range(rnd.randint(1, 20)):
            m[rnd.randrange(len(m))] = rnd.getrandbits(8)
        if i % 4 == 0:
            m = m[:rnd.randrange(len(m))]
        name = f"mutant.{i}.1.1.dmp.zst"
        drop(spool, name, zstd_compress(bytes(m)))
        mutants.append(name)
    # A notice for a file outside the spool, and junk notices.
    n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    for msg in (secret.encode(), b"", b"\0\0\0", b"../../etc/passwd", b"x" * 5000):
        try:
            n.sendto(msg, os.path.join(base, "notify.sock"))
        except OSError:
            pass
    n.close()
    pid = crash(base)

    def settled():
        if not d.alive():
            raise Fail(f"crashd died:\n{d.text()[-3000:]}")
        return spool_entries(base) == []
    wait_for("the spool to be emptied", settled, timeout=120, interval=0.2)
    check(d.alive(), "crashd died")
    bad = os.path.join(spool, "bad")
    for name, why in expect.items():
        reason_file = os.path.join(bad, name + ".reason")
        check(os.path.lexists(os.path.join(bad, name)), f"{name} is not in bad/: {sorted(os.listdir(bad))}")
        reason = open(reason_file).read()
        check(why in reason, f"{name}: reason {reason!r} does not say {why!r}")
    check(os.path.islink(os.path.join(bad, "link.1.1.1.dmp.zst")), "the symlink was not moved as a symlink")
    after = os.stat(secret)
    check(open(secret).read() == "not for crashd" and after.st_mtime == before.st_mtime, "the link target changed")
    stat_bad = os.stat(bad)
    check(stat.S_IMODE(stat_bad.st_mode) == 0o700, f"bad/ mode {oct(stat_bad.st_mode)}")
    got = crashes(base)
    check(any(c["pid"] == pid for c in got), "the real crash after the hostile files was not stored")
    for name in mutants:
        check(os.path.lexists(os.path.join(bad, name)) or any(c["file"] == name for c in got),
              f"{name} is neither stored nor in bad/")
    stored = sum(1 for c in got if c["file"].startswith("mutant."))
    check(d.stop() == 0, "crashd did not exit 0")
    print(f"hostile files rejected with reasons; of 40 mutated dumps {stored} stored, "
          f"{40 - stored} rejected; crashd stayed up")


def case_other_uid(tmp):
    if os.geteuid() != 0 or not shutil.which("runuser"):
        print("SKIP: needs root and runuser")
        sys.exit(SKIP)
    try:
        import pwd
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        print("SKIP: no user 'nobody'")
        sys.exit(SKIP)
    # Everything below must be reachable by nobody: the program, the
    # dumper, crashctl, and the --dir's spool and sockets.
    for p in (A.program, A.dumper, A.crashctl):
        r = subprocess.run(["runuser", "-u", "nobody", "--", "test", "-r", p])
        if r.returncode != 0:
            print(f"SKIP: nobody cannot read {p}")
            sys.exit(SKIP)
    os.chmod(tmp, 0o755)
    base = new_base(tmp)
    d = Daemon(base)
    check(stat.S_IMODE(os.stat(os.path.join(base, "spool")).st_mode) == 0o1733, "the spool is not 1733")
    root_pid = crash(base)
    nobody_pid = crash(base, user="nobody")
    got = wait_for("both crashes", lambda: (lambda c: c if len(c) == 2 else None)(crashes(base)))
    by_uid = {c["uid"]: c for c in got}
    check(set(by_uid) == {0, nobody.pw_uid}, f"uids {set(by_uid)}")
    check(by_uid[nobody.pw_uid]["pid"] == nobody_pid and by_uid[0]["pid"] == root_pid, "pids")
    # Stored as nobody's file, in a directory nobody cannot enter.
    dumps = os.path.join(base, "state", "dumps")
    owners = sorted(os.stat(os.path.join(dumps, n)).st_uid for n in os.listdir(dumps))
    check(owners == [0, nobody.pw_uid], f"stored dump owners {owners}")

    # nobody sees only their crash, through the daemon...
    mine = crashes(base, user="nobody")
    check([c["pid"] for c in mine] == [nobody_pid], f"nobody sees {mine}")
    r = ctl("show", "--dir", base, str(by_uid[0]["id"]), user="nobody", ok=(1,), binary=True)
    check(b"no crash matches" in r.stderr, f"nobody's show of root's crash: {r.stderr}")
    r = ctl("dump", "--dir", base, str(by_uid[0]["id"]), "-o", "/dev/null", user="nobody", ok=(1,), binary=True)
    check(b"no crash matches" in r.stderr, f"nobody's dump of root's crash: {r.stderr}")
    text = ctl("show", "--dir", base, str(by_uid[nobody.pw_uid]["id"]), user="nobody")
    check("#0  charge (o=0x" in text, "nobody's own report")
    outdir = os.path.join(tmp, "out")
    os.mkdir(outdir)
    os.chmod(outdir, 0o1777)
    out = os.path.join(outdir, "mine.dmp.zst")
    ctl("dump", "--dir", base, str(by_uid[nobody.pw_uid]["id"]), "-o", out, user="nobody")
    check(sha256(out) == by_uid[nobody.pw_uid]["sha256"], "nobody's dump copy")
    groups = json.loads(ctl("groups", "--json", "--dir", base, user="nobody"))["groups"]
    check(len(groups) == 1 and groups[0]["count"] == 1, f"nobody's groups {groups}")
    groups = json.loads(ctl("groups", "--json", "--dir", base))["groups"]
    check(len(groups) == 1 and groups[0]["count"] == 2, f"root's groups {groups}")
    # ...and nothing without it.
    r = ctl("list", "--dir", base, "--no-daemon", user="nobody", ok=(1,), binary=True)
    check(b"cannot be read" in r.stderr or b"ermission denied" in r.stderr or b"unable to open" in r.stderr,
          f"nobody reading the database: {r.stderr}")
    check(d.stop() == 0, "crashd did not exit 0")


def case_reload_term(tmp):
    base = new_base(tmp)
    conf = os.path.join(tmp, "crashd.conf")
    with open(conf, "w") as f:
        f.write("# test\nmax_crashes = 0\n")
    r = subprocess.run([A.crashd, "--config", conf, "--dir", base, "--check-config"], capture_output=True)
    check(r.returncode == 0 and b"valid" in r.stdout, f"--check-config on a good file: {r}")
    r = subprocess.run([A.crashd, "--config", conf, "--dir", base, "--dump-config"], capture_output=True)
    check(b"max_crashes = 0\n" in r.stdout and b"max_age = 90d\n" in r.stdout, f"--dump-config: {r.stdout}")
    with open(os.path.join(tmp, "broken.conf"), "w") as f:
        f.write("max_crashes = 0\nmax_crashez = 1\n")
    r = subprocess.run([A.crashd, "--config", os.path.join(tmp, "broken.conf"), "--check-config"], capture_output=True)
    check(r.returncode == 1 and b"broken.conf:2: unknown key 'max_crashez'" in r.stderr, f"--check-config: {r}")
    r = subprocess.run([A.crashd, "--dir", base, "-o", "queue_size=0", "--check-config"], capture_output=True)
    check(r.returncode == 1 and b"queue_size" in r.stderr, f"a bad flag: {r}")

    d = Daemon(base, "--config", conf)
    data = open(make_dump(tmp), "rb").read()
    for i in range(3):
        drop(os.path.join(base, "spool"), f"crashme.{i}.1795000000.{i:09d}.dmp.zst", data)
    wait_for("three crashes", lambda: len(crashes(base)) == 3)

    # A per-user quota applies at once, as max_crashes does; what the
    # HTTP server was set up with waits for a restart, and says so.
    with open(conf, "w") as f:
        f.write("max_crashes_per_user = 2\nworkers = 1\nhttp_request_timeout = 33s\n")
    d.proc.send_signal(signal.SIGHUP)
    wait_for("the reload", lambda: "Reloaded the configuration" in d.text())
    check("'workers' changed; it takes effect when crashd is restarted" in d.text(), "workers change not reported")
    check("'http_request_timeout' changed; it takes effect when crashd is restarted" in d.text(),
          "http_request_timeout change not reported")
    wait_for("retention to the per-user quota", lambda: (lambda c: c if len(c) == 2 else None)(crashes(base)))
    with open(conf, "w") as f:
        f.write("max_crashes = 1\nworkers = 1\n")
    d.proc.send_signal(signal.SIGHUP)
    wait_for("the second reload", lambda: d.text().count("Reloaded the configuration") == 2)
    got = wait_for("retention to one crash", lambda: (lambda c: c if len(c) == 1 else None)(crashes(base)))
    check(got[0]["id"] == 3, f"retention kept {got[0]['id']}, not the newest")
    groups = json.loads(ctl("groups", "--json", "--dir", base))["groups"]
    check(groups[0]["count"] == 3 and groups[0]["stored"] == 1, f"group counts after retention: {groups}")
    check(len(os.listdir(os.path.join(base, "state", "dumps"))) == 1, "retention left dump files behind")

    with open(conf, "w") as f:
        f.write("max_crashes = nope\n")
    d.proc.send_signal(signal.SIGHUP)
    wait_for("the failed reload", lambda: "Reloading the configuration failed, keeping the old one" in d.text())
    check(d.alive(), "crashd died on a bad reload")
    check(any("RELOADING=1" in m for m in (d.poll_notify() or d.messages)), "no RELOADING=1")
    check(d.stop() == 0, "crashd did not exit 0 on SIGTERM")
    check("Drained; exiting." in d.text(), "no drain on SIGTERM")
    check(any("STOPPING=1" in m for m in d.messages), "no STOPPING=1")
    check(not os.path.exists(os.path.join(base, "notify.sock")), "the notify socket was left behind")

    # A second crashd on the same state directory is refused.
    d = Daemon(base)
    r = subprocess.run([A.crashd, "--dir", base], capture_output=True, timeout=30, env=clean_env())
    check(r.returncode == 1 and b"Another crashd" in r.stderr, f"a second crashd: {r}")
    check(d.stop() == 0, "crashd did not exit 0")


def case_units(tmp):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("SKIP: no systemd-analyze")
        sys.exit(SKIP)
    # The units as meson configured them for installation; only ExecStart
    # points at the crashd just built, so that verify can check it exists.
    unit_dir = os.path.join(tmp, "units")
    os.mkdir(unit_dir)
    for name in ("crashd.service", "crashd.socket"):
        text = open(os.path.join(A.units, name)).read()
        if name == "crashd.service":
            lines = [f"ExecStart={os.path.realpath(A.crashd)}" if l.startswith("ExecStart=") else l
                     for l in text.splitlines()]
            check(any(l.startswith("ExecStart=") for l in text.splitlines()), "no ExecStart")
            text = "\n".join(lines) + "\n"
        with open(os.path.join(unit_dir, name), "w") as f:
            f.write(text)
    r = subprocess.run([analyze, "verify", os.path.join(unit_dir, "crashd.service"),
                        os.path.join(unit_dir, "crashd.socket")], capture_output=True, timeout=120)
    out = (r.stdout + r.stderr).decode(errors="replace")
    check(r.returncode == 0 and not r.stderr, f"systemd-analyze verify: exit {r.returncode}:\n{out}")
    service = open(os.path.join(A.units, "crashd.service")).read()
    for must in ("Type=notify", "WatchdogSec=", "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes",
                 "StateDirectory=crashd", "RuntimeDirectory=crashd", "ReadWritePaths=/var/spool/crashd"):
        check(must in service, f"crashd.service lacks {must}")
    print("systemd-analyze verify: no output")


def case_user_defaults(tmp):
    """No flags, no config, no CRASHD_* variables: a user's crashd in
    ~/.local/state/crashd, where libcrashdump.so falls back to when there
    is no system spool, and crashctl finding it there."""
    if os.geteuid() != 0 or not shutil.which("runuser"):
        print("SKIP: needs root and runuser (to be another user with a home of our own)")
        sys.exit(SKIP)
    if os.path.exists("/var/spool/crashd"):
        print("SKIP: a system spool exists; the dumper would use it")
        sys.exit(SKIP)
    import pwd
    nobody = pwd.getpwnam("nobody")
    os.chmod(tmp, 0o755)
    home = os.path.join(tmp, "home")
    os.mkdir(home)
    os.chown(home, nobody.pw_uid, nobody.pw_gid)
    env = {"HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    as_nobody = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups", "env", "-i"] + \
        [f"{k}={v}" for k, v in env.items()]
    nsock_path = os.path.join(tmp, "notify.sock")
    nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    nsock.bind(nsock_path)
    os.chmod(nsock_path, 0o666)
    nsock.settimeout(20)
    log = open(os.path.join(tmp, "crashd-1.log"), "w")
    proc = subprocess.Popen(as_nobody + [f"NOTIFY_SOCKET={nsock_path}", os.path.abspath(A.crashd)],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        while b"READY=1" not in nsock.recv(4096):
            pass
        state = os.path.join(home, ".local", "state", "crashd")
        for sub, mode in (("", 0o700), ("spool", 0o700), ("state", 0o700)):
            st = os.stat(os.path.join(state, sub))
            check(st.st_uid == nobody.pw_uid and stat.S_IMODE(st.st_mode) == mode,
                  f"{state}/{sub}: uid {st.st_uid}, mode {oct(st.st_mode)}")
        for sock in ("notify.sock", "api.sock"):
            check(stat.S_ISSOCK(os.stat(os.path.join(state, sock)).st_mode), f"no {sock}")
        p = subprocess.run(as_nobody + [f"LD_PRELOAD={os.path.abspath(A.dumper)}", os.path.abspath(A.program)],
                           capture_output=True, timeout=60)
        check(p.returncode == -signal.SIGSEGV, f"crashme: {p.returncode}")

        def listed():
            r = subprocess.run(as_nobody + [os.path.abspath(A.crashctl), "list", "--json"], capture_output=True,
                               timeout=60)
            check(r.returncode == 0, f"crashctl list: {r.stderr}")
            return json.loads(r.stdout)["crashes"]
        got = wait_for("the crash in the user's crashd", listed)
        check(got[0]["uid"] == nobody.pw_uid and got[0]["signature"] == SIGNATURE, f"{got}")
        r = subprocess.run(as_nobody + [os.path.abspath(A.crashctl), "show", str(got[0]["id"])], capture_output=True,
                           timeout=60)
        check(r.returncode == 0 and b"#0  charge (o=0x" in r.stdout, f"show: {r.stderr}")
        proc.send_signal(signal.SIGTERM)
        check(proc.wait(timeout=30) == 0, "crashd did not exit 0")
        # Down: crashctl reads the user's database.
        check(len(listed()) == 1, "the list with crashd down")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        nsock.close()


def case_service(tmp):
    """As systemd runs it: the API socket passed in (crashctl's request
    starts crashd), READY=1, STATUS= and WATCHDOG=1 on NOTIFY_SOCKET."""
    activate = shutil.which("systemd-socket-activate")
    if not activate:
        print("SKIP: no systemd-socket-activate")
        sys.exit(SKIP)
    base = new_base(tmp)
    os.makedirs(base)
    nsock_path = os.path.join(tmp, "notify.sock")
    nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    nsock.bind(nsock_path)
    nsock.settimeout(5)
    log = open(os.path.join(tmp, "crashd-1.log"), "w")
    proc = subprocess.Popen([activate, "-l", os.path.join(base, "api.sock"), "--fdname=api",
                             "-E", f"NOTIFY_SOCKET={nsock_path}", "-E", "WATCHDOG_USEC=400000",
                             os.path.abspath(A.crashd), "--dir", base, "-v"],
                            stdout=log, stderr=subprocess.STDOUT, env=clean_env())
    try:
        wait_for("the socket", lambda: os.path.exists(os.path.join(base, "api.sock")), timeout=10)
        check(not os.path.exists(os.path.join(base, "state")), "crashd started before it was asked")
        # crashctl's request is what starts crashd.
        check(crashes(base) == [], "a new crashd has crashes")
        messages = []
        end = time.monotonic() + 3
        while time.monotonic() < end:
            try:
                messages.append(nsock.recv(4096).decode())
            except socket.timeout:
                break
        check(any("READY=1" in m for m in messages), f"no READY=1: {messages}")
        check(sum("WATCHDOG=1" in m for m in messages) >= 3, f"WATCHDOG=1 not every 200 ms: {messages}")
        check(any(m.startswith("STATUS=") for m in messages), f"no STATUS=: {messages}")
        log.flush()
        text = open(os.path.join(tmp, "crashd-1.log")).read()
        check("Got 1 socket from systemd." in text, f"the passed socket was not used:\n{text}")
        crash(base)
        wait_for("the crash", lambda: len(crashes(base)) == 1)
        proc.send_signal(signal.SIGTERM)
        check(proc.wait(timeout=30) == 0, "crashd did not exit 0")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        nsock.close()


def case_notify_stuck(tmp):
    """A service manager that stops reading NOTIFY_SOCKET: the kernel
    queues 10 datagrams, then libsystemd's sd_notify() would block until
    someone reads, and crashd's loop with it (seen in CI: SIGTERM never
    answered). crashd goes on storing crashes and answering, and exits on
    SIGTERM at once."""
    base = new_base(tmp)
    nsock_path = os.path.join(tmp, "stuck-notify.sock")
    nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    nsock.bind(nsock_path)      # never read
    log = open(os.path.join(tmp, "crashd-1.log"), "w")
    proc = subprocess.Popen([A.crashd, "--dir", base, "-v"], stdout=log, stderr=subprocess.STDOUT,
                            env=clean_env(NOTIFY_SOCKET=nsock_path, WATCHDOG_USEC="100000"))
    try:
        wait_for("the API socket", lambda: os.path.exists(os.path.join(base, "api.sock")), timeout=20)
        time.sleep(2)           # 40 watchdog pings: the socket's queue is long full
        for _ in range(3):
            crash(base)
        wait_for("three crashes", lambda: len(crashes(base)) == 3, timeout=60)
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=20)
        took = time.monotonic() - start
        check(rc == 0, f"crashd exited {rc}")
        check(took < 5, f"crashd took {took:.1f} s to exit on SIGTERM with a stuck notify socket")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        nsock.close()


def case_sigpipe(tmp):
    """Clients that go away before their answer is written (issue 9,
    point 2): an API client over the Unix socket and an HTTP client, each
    sending a request and closing at once, twenty times. A write to a
    closed socket raises SIGPIPE, which killed crashd; it must stay up and
    answer."""
    from testkit import free_port
    import struct
    base = new_base(tmp)
    port = free_port()
    d = Daemon(base, "-o", f"http_listen=127.0.0.1:{port}")
    crash(base)
    wait_for("the crash stored", lambda: crashes(base) or None)
    for i in range(20):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(os.path.join(base, "api.sock"))
        s.sendall(b'{"method":"list"}\n')
        s.close()
        h = socket.create_connection(("127.0.0.1", port), timeout=5)
        h.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        # RST instead of FIN: the answer's write fails at once.
        h.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close()
    time.sleep(0.5)
    check(d.alive(), f"crashd died (exit {d.proc.returncode}):\n{d.text()[-2000:]}")
    check(len(crashes(base)) == 1, "the API does not answer after the clients went away")
    check(d.stop() == 0, "crashd did not exit 0")


def case_fifo_reason(tmp):
    """A FIFO planted in the spool as x.dmp.reason, then an empty x.dmp
    (issue 9, point 1): crashd moves both to bad/ and wrote x.dmp's reason
    into the FIFO, blocking its event loop for good. It must go on
    answering, stop on SIGTERM, and leave a regular reason file."""
    base = new_base(tmp)
    d = Daemon(base)
    spool = os.path.join(base, "spool")
    os.mkfifo(os.path.join(spool, "x.dmp.reason"))
    wait_for("the FIFO moved to bad/", lambda: os.path.exists(os.path.join(spool, "bad", "x.dmp.reason.reason")))
    drop(spool, "x.dmp", b"")
    wait_for("x.dmp moved to bad/", lambda: os.path.exists(os.path.join(spool, "bad", "x.dmp")))
    reason = os.path.join(spool, "bad", "x.dmp.reason")
    wait_for("x.dmp's reason written", lambda: os.path.isfile(reason) or None)
    check(stat.S_ISREG(os.lstat(reason).st_mode), "the reason is not a regular file")
    check(crashes(base) == [], "the API does not answer")
    check(d.stop(timeout=10) == 0, "crashd did not exit 0 on SIGTERM")


def case_package(tmp):
    """Issue 12: the package that holds the executable, from dpkg, looked
    up by the daemon when the crash is stored (coreutils' sleep here)."""
    sleep = shutil.which("sleep")
    real = os.path.realpath(sleep)
    dpkg = subprocess.run(["dpkg-query", "-S", real], capture_output=True, text=True)
    if dpkg.returncode != 0 and real.startswith("/usr/"):     # listed as /bin/sleep before the /usr merge
        dpkg = subprocess.run(["dpkg-query", "-S", real[4:]], capture_output=True, text=True)
    check(dpkg.returncode == 0, f"dpkg does not know {sleep}: {dpkg.stderr}")
    pkg = dpkg.stdout.split(":")[0]
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True).stdout
    base = new_base(tmp)
    d = Daemon(base)
    env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=os.path.join(base, "spool"),
                    CRASHD_SOCKET=os.path.join(base, "notify.sock"))
    p = subprocess.Popen([sleep, "60"], env=env)
    time.sleep(0.3)
    p.send_signal(signal.SIGSEGV)
    check(p.wait(timeout=30) == -signal.SIGSEGV, "sleep did not die of SIGSEGV")
    got = wait_for("the crash of sleep", lambda: crashes(base))
    c = got[0]
    check(c["package"] == pkg and c["package_version"] == version,
          f"package {c['package']!r} {c['package_version']!r}, dpkg says {pkg!r} {version!r}")
    text = ctl("show", "--dir", base, str(c["id"]))
    check(f"\nPackage:    {pkg} {version}\n" in text, f"show lacks the package:\n{text[:600]}")
    # A program no package holds has none.
    crash(base)
    mine = wait_for("crashme's crash", lambda: [x for x in crashes(base) if x["id"] != c["id"]])
    check(mine[0]["package"] is None, f"crashme's package {mine[0]['package']!r}")
    check(d.stop() == 0, "crashd did not exit 0")


def case_programs(tmp):
    """Issue 12: [program GLOB] sections. One program's crashes are not
    collected at all; another's get the section's tags (the program's own
    tag of the same name wins), its mask and its crash-loop limit."""
    off = os.path.join(tmp, "bin", "crashme-off")
    os.makedirs(os.path.dirname(off))
    shutil.copy(A.program, off)
    conf = os.path.join(tmp, "crashd.conf")
    with open(conf, "w") as f:
        f.write(f"[program {os.path.dirname(off)}/*-off]\ncollect = no\n"
                f"[program {os.path.basename(A.program)}]\n"
                "tags = team=payments,shop=from-config\nmask_names = tax_rate\nloop_keep = 1\n")
    base = new_base(tmp)
    d = Daemon(base, "--config", conf)
    env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=os.path.join(base, "spool"),
                    CRASHD_SOCKET=os.path.join(base, "notify.sock"))
    p = subprocess.run([off], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    check(p.returncode == -signal.SIGSEGV, f"crashme-off: {p.returncode}")
    wait_for("the log to say the dump is not collected", lambda: "is not collected: [program " in d.text(), timeout=30)
    wait_for("the uncollected dump gone from the spool", lambda: spool_entries(base) == [], timeout=30)
    for _ in range(3):
        crash(base, env_extra={"CRASHD_TAGS": "shop=eu"})
    wait_for("three crashes counted", lambda: (json.loads(ctl("groups", "--json", "--dir", base))["groups"] or
                                               [{"count": 0}])[0]["count"] == 3, timeout=60)
    got = crashes(base)
    check(all(os.path.basename(c["executable"]) != "crashme-off" for c in got), f"crashme-off was stored: {got}")
    check(len(got) == 2, f"loop_keep = 1 stores the first and the latest, got {len(got)} crashes")
    report = json.loads(ctl("show", "--json", "--dir", base, str(got[-1]["id"])))
    check(report["tags"].get("team") == "payments" and report["tags"].get("shop") == "eu",
          f"tags {report['tags']}")
    text = ctl("show", "--dir", base, str(got[-1]["id"]))
    check("tax_rate=[masked]" in text and "currency = " in text, f"the section's mask:\n{text[:1500]}")
    dump = subprocess.run([A.crashd, "--config", conf, "--dump-config"], capture_output=True,
                          text=True, env=clean_env())
    section = dump.stdout.split("\n[program " + os.path.basename(A.program) + "]\n")[-1]
    check("\ntags = team=payments,shop=from-config\n" in "\n" + section and "mask_names = tax_rate\n" in section,
          f"--dump-config: {dump.stdout[-400:]}")
    check(d.stop() == 0, "crashd did not exit 0")


def api(base, request):
    """One request line over api.sock, its one JSON answer (raw text)."""
    from testkit import api_request
    return api_request(base, request).decode()


# What symbcrash's locals and members hold (tests/symbolicate/symbcrash.c),
# and the tag this case gives it.
SECRETS = ("hunter2", "tok-123", "c00k1e", "sec-quoted", "sec-arr-1", "sec-union", "sec-noted", "sekrit-tag")


def case_mask(tmp):
    """Secrets are masked in every view of a stored crash by default
    (issue 9, point 12): crashctl show (text and --json), the API's show
    and the web page's /api/crashes/ID, the owner's own views included;
    mask_stored=no shows them. The crash is symbcrash's: a password member,
    an api_token parameter, a session_cookie local, members that fooled
    the old reader, and a tag auth_token."""
    from testkit import free_port
    import http.client
    check(A.secret_program, "no --secret-program")

    def crash_secret(base):
        env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=os.path.join(base, "spool"),
                        CRASHD_SOCKET=os.path.join(base, "notify.sock"), CRASHD_TAGS="auth_token=sekrit-tag,shop=eu")
        rc = subprocess.run([A.secret_program, "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            timeout=60).returncode
        check(rc == -signal.SIGSEGV, f"symbcrash exited with {rc}")
        got = wait_for("the crash stored", lambda: crashes(base) or None)
        return got[0]["id"]

    def views(base, port, cid):
        out = {"show": ctl("show", "--dir", base, str(cid)),
               "show --json": ctl("show", "--json", "--dir", base, str(cid)),
               "API show": api(base, {"method": "show", "id": cid})}
        token = json.loads(api(base, {"method": "web_session"}))["token"]
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", f"/api/crashes/{cid}", headers={"Authorization": f"Bearer {token}"})
        r = c.getresponse()
        web = r.read().decode()
        check(r.status == 200, f"web: {r.status} {web[:200]}")
        # The page's source lines are the program's text, literals and all.
        answer = json.loads(web)
        for t in answer["report"]["threads"]:
            for f in t["frames"]:
                f.pop("source", None)
        out["web"] = json.dumps(answer)
        return out

    port = free_port()
    base = new_base(tmp)
    d = Daemon(base, "-o", f"http_listen=127.0.0.1:{port}")
    cid = crash_secret(base)
    for name, text in views(base, port, cid).items():
        leaked = [x for x in SECRETS if x in text]
        check(not leaked, f"{name} shows {leaked}")
        check("[masked]" in text, f"{name} masks nothing:\n{text[:2000]}")
    text = ctl("show", "--dir", base, str(cid))
    check("password = [masked]" in text and "auth_token=[masked]" in text and "shop=eu" in text,
          f"show:\n{text[:3000]}")
    report = json.loads(api(base, {"method": "show", "id": cid}))["report"]
    check(report["tags"]["auth_token"] == "[masked]" and report["tags"]["shop"] == "eu", f"tags {report['tags']}")
    check(d.stop() == 0, "crashd did not exit 0")

    # Opted out: the owner's views show the values, as gdb would.
    port = free_port()
    base = new_base(tmp, "unmasked")
    d = Daemon(base, "-o", f"http_listen=127.0.0.1:{port}", "-o", "mask_stored=no")
    cid = crash_secret(base)
    for name, text in views(base, port, cid).items():
        missing = [x for x in SECRETS if x not in text]
        check(not missing, f"{name} with mask_stored=no lacks {missing}")
    check(d.stop() == 0, "crashd did not exit 0")


CASES = {
    "programs": case_programs,
    "notify-stuck": case_notify_stuck,
    "package": case_package,
    "fifo-reason": case_fifo_reason,
    "sigpipe": case_sigpipe,
    "user-defaults": case_user_defaults,
    "service": case_service,
    "report": case_report,
    "down-at-crash": case_down_at_crash,
    "burst-sigkill": case_burst_sigkill,
    "full-disk": case_full_disk,
    "hostile": case_hostile,
    "other-uid": case_other_uid,
    "reload-term": case_reload_term,
    "units": case_units,
    "mask": case_mask,
}


def set_args(a):
    global A
    A = a


def main():
    return e2ekit.run_main(CASES, "crashd-e2e", ("--units", "--secret-program"), set_args)


if __name__ == "__main__":
    sys.exit(main())
