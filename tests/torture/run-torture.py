#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 9's attacks and failures on a real crashd, each reproduced and
then the assertion that crashd is alive, answering and lost nothing.

usage: run-torture.py CASE --crashd P --crashctl P --dumper P --program P
Each case is one meson test (suite 'torture'); exit 0 pass, 1 fail. Every
wait is bounded; every daemon and file this starts or makes is undone.
The figures each case measures are printed as 'figure: ...' lines."""
import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import e2ekit  # noqa: E402
from e2ekit import Daemon, crash, crashes, new_base, status  # noqa: E402
from testkit import Fail, api_request, check, read_all, wait_for  # noqa: E402

A = None


def api(base, request, timeout=5.0):
    """One request on api.sock; (answer, seconds it took)."""
    t0 = time.monotonic()
    data = api_request(base, request, timeout)
    return json.loads(data), time.monotonic() - t0


def case_db_lock(tmp):
    """Another process holds the database's write lock for 8 s (an
    administrator's sqlite3 shell, a backup) while a crash comes in (issue
    9, point 4). crashd waited 5 s per statement on its event loop, so the
    API stopped answering. It must keep answering at once, say in status
    that the store is blocked, and store the crash once the lock is gone."""
    base = new_base(tmp)
    d = Daemon(base)
    crash(base)
    wait_for("the first crash stored", lambda: len(crashes(base)) == 1 or None)
    db = sqlite3.connect(os.path.join(base, "state", "crashd.db"), timeout=0, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO meta(key, value) VALUES('torture-lock', 'held')")
    locked_at = time.monotonic()
    try:
        crash(base)
        worst = 0.0
        blocked_seen = False
        while time.monotonic() - locked_at < 8:
            st, t1 = api(base, {"method": "status"})
            ls, t2 = api(base, {"method": "list"})
            worst = max(worst, t1, t2)
            blocked_seen = blocked_seen or st.get("store_blocked") is True
            check("crashes" in ls, f"list failed during the lock: {ls}")
            time.sleep(0.1)
        check(d.alive(), "crashd died during the lock")
        check(blocked_seen, "status never said the store is blocked")
        check(worst < 1.0, f"an API answer took {worst:.2f} s during the lock")
        print(f"figure: API latency while the database was locked for 8 s: worst {worst * 1000:.0f} ms")
    finally:
        db.execute("ROLLBACK")
        db.close()
    released = time.monotonic()
    wait_for("the second crash stored after the lock", lambda: len(crashes(base)) == 2 or None, timeout=30)
    print(f"figure: the crash held back by the lock was stored {time.monotonic() - released:.1f} s after it ended")
    st = status(base)
    check(st["store_blocked"] is False, "status still says the store is blocked")
    # The dump's attempt was cleared: nothing counts against it.
    n = sqlite3.connect(os.path.join(base, "state", "crashd.db")).execute("SELECT count(*) FROM attempts").fetchone()[0]
    check(n == 0, f"{n} attempt counts left behind")
    check(d.stop() == 0, "crashd did not exit 0")


def cpu_seconds(pid):
    """User plus system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise Fail(f"no {field} for {pid}")


def sanitized(pid):
    """Whether the process runs with ASan (scripts/test.sh's daemon-sanitize build)."""
    with open(f"/proc/{pid}/maps") as f:
        return "libasan" in f.read()


def http_get(port, path="/", timeout=5.0):
    """(status, seconds) of one GET on a new connection."""
    t0 = time.monotonic()
    h = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        h.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        data = read_all(h)
    finally:
        h.close()
    check(data.startswith(b"HTTP/1.1 "), f"not an HTTP answer: {data[:80]!r}")
    return int(data.split()[1]), time.monotonic() - t0


def case_http_flood(tmp):
    """1,100 idle connections at crashd's 1,024 descriptors (issue 9, point
    5): evhttp accepted until accept() failed with EMFILE, then spun at
    100% CPU logging every try, and no crash could be stored. Connections
    must stay under their bound, the loop idle, the log quiet, a crash
    stored, and a new client answered at once (the longest-waiting idle
    connection makes room). Twice: with the default limits, and with
    limits above the descriptors crashd has, where accept() itself fails."""
    flood(tmp, "defaults", 256)
    flood(tmp, "out-of-fds", 1024, "-o", "http_max_connections=5000", "-o", "http_max_connections_per_address=5000")


def flood(tmp, name, bound, *opts):
    import resource
    from testkit import free_port
    port = free_port()
    base = new_base(tmp, name)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    try:
        d = Daemon(base, "-o", f"http_listen=127.0.0.1:{port}", *opts)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4096), max(hard, 4096)))
    socks = []
    try:
        for _ in range(1100):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
            socks.append(c)
        time.sleep(1)
        cpu0 = cpu_seconds(d.proc.pid)
        time.sleep(5)
        cpu = cpu_seconds(d.proc.pid) - cpu0
        held = status(base)["http_connections"]
        check(held <= bound, f"crashd holds {held} HTTP connections")
        check(cpu < 1.0, f"crashd used {cpu:.2f} s of CPU in 5 s with idle connections")
        crash(base)
        wait_for("a crash stored during the flood", lambda: len(crashes(base)) == 1 or None)
        code, took = http_get(port)
        check(code == 200, f"the page answered {code} during the flood")
        print(f"figure: 1,100 idle connections ({name}): crashd holds {held}, {cpu:.2f} s CPU in 5 s, "
              f"a new client served in {took * 1000:.0f} ms")
    finally:
        for c in socks:
            c.close()
    log = d.text()
    lines = sum(1 for line in log.splitlines() if "HTTP" in line and ("limit" in line or "accept" in line))
    check(lines <= 2, f"{lines} log lines about the flood (one per episode expected)")
    check(d.alive(), "crashd died")
    check(d.stop() == 0, "crashd did not exit 0")


def case_http_slow(tmp):
    """A client sending one byte at a time, never idle long enough for the
    idle timeout (issue 9, point 5): it stayed connected for good. The
    request's whole time is bounded by http_request_timeout."""
    from testkit import free_port
    port = free_port()
    base = new_base(tmp)
    d = Daemon(base, "-o", f"http_listen=127.0.0.1:{port}", "-o", "http_request_timeout=3s")
    h = socket.create_connection(("127.0.0.1", port), timeout=5)
    t0 = time.monotonic()
    closed = None
    try:
        for b in b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 1000:
            try:
                h.send(bytes([b]))
                h.setblocking(False)
                try:
                    if h.recv(1) == b"":
                        closed = time.monotonic() - t0
                        break
                except BlockingIOError:
                    pass
                h.setblocking(True)
            except (BrokenPipeError, ConnectionResetError):
                closed = time.monotonic() - t0
                break
            time.sleep(0.5)
            if time.monotonic() - t0 > 20:
                break
    finally:
        h.close()
    check(closed is not None, "the slow client was still connected after 20 s")
    check(closed < 3 + 2, f"the slow client was cut off after {closed:.1f} s (timeout 3 s)")
    print(f"figure: a client sending a byte every 0.5 s was cut off after {closed:.1f} s (http_request_timeout=3s)")
    code, _ = http_get(port)
    check(code == 200, f"the page answered {code} afterwards")
    check(d.stop() == 0, "crashd did not exit 0")


def case_http_uploads(tmp):
    """40 unfinished 60 MiB uploads (issue 9, point 5): evhttp held every
    body in memory, 2.45 GiB, and never gave it back. Bodies go to temp
    files as they arrive, at most four max_upload_size at once (the rest
    get 503 at once), and crashd's memory stays small."""
    from testkit import free_port
    port = free_port()
    base = new_base(tmp)
    d = Daemon(base, "-o", f"http_listen=127.0.0.1:{port}")
    rss0 = rss_mib(d.proc.pid)
    socks, refused = [], 0
    chunk = b"\0" * (1 << 20)
    try:
        for _ in range(40):
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            c.sendall(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                      b"Content-Length: 62914560\r\n\r\n")
            socks.append(c)
            try:
                for _ in range(8):
                    c.sendall(chunk)
            except OSError:
                pass
        time.sleep(1)
        for c in socks:
            c.setblocking(False)
            try:
                if c.recv(4096).startswith(b"HTTP/1.1 503"):
                    refused += 1
            except (BlockingIOError, ConnectionResetError):
                pass
        rss = rss_mib(d.proc.pid)
        hwm = rss_mib(d.proc.pid, "VmHWM")
        check(refused == 36, f"{refused} of 40 uploads refused with 503; 36 expected (4 x 64 MiB fit)")
        # ASan keeps freed memory in quarantine (256 MiB): the bound holds
        # for the plain daemon only; the sanitized run checks the rest.
        if not sanitized(d.proc.pid):
            check(hwm - rss0 < 64, f"crashd grew by {hwm - rss0:.0f} MiB under 40 unfinished uploads")
        print(f"figure: 40 unfinished 60 MiB uploads (8 MiB sent each): crashd RSS {rss0:.1f} -> {rss:.1f} MiB "
              f"(peak {hwm:.1f}); {refused} refused with 503")
    finally:
        for c in socks:
            c.close()
    wait_for("the connections closed", lambda: status(base)["http_connections"] == 0 or None)
    left = [n for n in os.listdir(os.path.join(base, "state")) if n.startswith(".") or n.startswith("#")]
    check(left == [], f"temp files left in the state directory: {left}")
    code, _ = http_get(port)
    check(code == 200, f"the page answered {code} afterwards")
    check(d.stop() == 0, "crashd did not exit 0")


def case_api_per_uid(tmp):
    """One user holding all 64 API slots (issue 9, point 5) blinded every
    other user and root. A user gets a quarter of them."""
    import pwd
    import subprocess
    check(os.geteuid() == 0, "needs root (CI runs as root)")
    nobody = pwd.getpwnam("nobody")
    os.chmod(tmp, 0o755)
    base = new_base(tmp)
    d = Daemon(base)
    hog = subprocess.Popen(
        ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups", sys.executable, "-c",
         "import socket, sys, time\n"
         "s = []\n"
         "for _ in range(64):\n"
         "    c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1]); s.append(c)\n"
         "print('held', flush=True)\n"
         "time.sleep(60)\n", os.path.join(base, "api.sock")], stdout=subprocess.PIPE, text=True)
    try:
        check(hog.stdout.readline().strip() == "held", "the other user could not connect")
        time.sleep(0.3)
        ans, took = api(base, {"method": "list"})
        check("crashes" in ans, f"root's list while another user holds connections: {ans}")
        r = subprocess.run(["setpriv", "--reuid=1", "--regid=1", "--clear-groups", A.crashctl, "list", "--json",
                            "--dir", base], capture_output=True, timeout=30)
        check(r.returncode == 0, f"a third user's crashctl list failed: {r.stderr.decode()}")
        print(f"figure: one user holding 64 API connections: root answered in {took * 1000:.0f} ms")
    finally:
        hog.kill()
        hog.wait()
    check(d.stop() == 0, "crashd did not exit 0")


def http_json(port, path, token):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    r = c.getresponse()
    body = r.read()
    c.close()
    check(r.status == 200, f"GET {path}: {r.status} {body[:200]!r}")
    return json.loads(body)


def run_as(user, argv, env, **kw):
    import pwd
    import subprocess
    pw = pwd.getpwnam(user)
    return subprocess.run(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups", *argv],
                          env=env, capture_output=True, timeout=60, **kw)


SOURCE_PROC_C = r"""
static int __attribute__((noinline)) through_link(volatile int *p) {
#line 10 "LINK/secret.txt"
        return *p;
}
int main(void) {
#line 10 "/proc/PID/cwd/secret.txt"
        return through_link((volatile int *) 0);
}
"""


def case_source_proc(tmp):
    """User B names another user's file through /proc in its line table
    (issue 9, point 6): `#line 10 "/proc/<A's pid>/cwd/secret.txt"`, and
    through a link of its own to the same place. crashd read sources with
    B's fsuid but kept CAP_SYS_PTRACE, so the page showed A's file. Both
    must be refused."""
    import subprocess
    from e2ekit import ctl
    from testkit import clean_env, free_port
    check(os.geteuid() == 0, "needs root (CI runs as root)")
    os.chmod(tmp, 0o755)
    # A: root, working in a directory inside its 0700 home: no one else
    # can reach the file by its path, only through A's /proc/PID/cwd.
    home = os.path.join(tmp, "a-home")
    os.mkdir(home, 0o700)
    work = os.path.join(home, "work")
    os.mkdir(work, 0o755)
    with open(os.path.join(work, "secret.txt"), "w") as f:
        f.write("".join(f"TOPSECRET line {i}\n" for i in range(1, 30)))
    os.chmod(os.path.join(work, "secret.txt"), 0o644)
    a = subprocess.Popen(["sleep", "120"], cwd=work)
    # B: nobody, with a program whose line table points at A's cwd.
    bdir = os.path.join(tmp, "b")
    os.mkdir(bdir)
    link = os.path.join(bdir, "link")
    os.symlink(f"/proc/{a.pid}/cwd", link)
    src = os.path.join(bdir, "prog.c")
    with open(src, "w") as f:
        f.write(SOURCE_PROC_C.replace("PID", str(a.pid)).replace("LINK", link))
    exe = os.path.join(bdir, "prog")
    subprocess.run(["cc", "-g", "-O0", "-o", exe, src], check=True)
    os.chmod(bdir, 0o755)
    try:
        port = free_port()
        base = new_base(tmp)
        d = Daemon(base, "-o", f"http_listen=127.0.0.1:{port}")
        env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=os.path.join(base, "spool"),
                        CRASHD_SOCKET=os.path.join(base, "notify.sock"))
        r = run_as("nobody", [exe], env)
        check(r.returncode == -signal.SIGSEGV, f"the program exited {r.returncode}")
        got = wait_for("nobody's crash", lambda: crashes(base) or None)
        url = ctl("web", "--dir", base, user="nobody").strip()
        token = url.split("#token=", 1)[1]
        show = http_json(port, f"/api/crashes/{got[0]['id']}", token)
        frames = [fr for t in show["report"]["threads"] for fr in t["frames"]]
        files = sorted({fr.get("file") for fr in frames if fr.get("file")})
        check(any("/proc/" in f for f in files) and any(link in f for f in files),
              f"the line table's paths are not in the report: {files}")
        text = json.dumps(show)
        check("TOPSECRET" not in text, "the page shows A's secret file")
        # And the same sources are shown when they are B's own (the fix
        # refuses /proc, not sources).
        print(f"figure: sources named through /proc and a link to /proc/{a.pid}/cwd: refused ({files})")
        check(d.stop() == 0, "crashd did not exit 0")
    finally:
        a.kill()
        a.wait()


def case_upload_module(tmp):
    """An upload names module files (issue 9, point 6): root crashd opened
    whatever the upload named, 0600 files in 0700 directories included,
    so anyone who could reach the port could have them parsed (and their
    symbols shown). Uploads are symbolicated as upload_user: a module in a
    directory only root can enter stays unread."""
    import http.client
    import subprocess
    from e2ekit import make_dump
    from testkit import clean_env, free_port
    check(os.geteuid() == 0, "needs root (CI runs as root)")
    os.chmod(tmp, 0o755)
    private = os.path.join(tmp, "root-only")
    os.mkdir(private, 0o700)
    exe = os.path.join(private, "crashme")
    shutil.copy(A.program, exe)
    dump_dir = os.path.join(tmp, "src")
    os.makedirs(dump_dir)
    env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=dump_dir, CRASHD_SOCKET="", CRASHD_WAIT="1")
    subprocess.run([exe], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    dumps = [os.path.join(dump_dir, n) for n in os.listdir(dump_dir) if n.endswith(".dmp.zst")]
    check(len(dumps) == 1, f"no dump of the private program: {dumps}")
    body = open(dumps[0], "rb").read()

    def upload_signature(base, port):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("POST", "/upload", body=body, headers={"Content-Type": "application/octet-stream"})
        r = c.getresponse()
        check(r.status == 200, f"upload: {r.status} {r.read()[:200]!r}")
        c.close()
        got = wait_for("the upload stored", lambda: crashes(base) or None)
        return got[0]["signature"]

    port = free_port()
    base = new_base(tmp, "as-nobody")
    d = Daemon(base, "-o", f"http_listen=127.0.0.1:{port}")
    sig = upload_signature(base, port)
    check(d.stop() == 0, "crashd did not exit 0")
    check("charge" not in sig, f"the upload was symbolicated with a module only root can read: {sig!r}")
    # The same upload once the directory is open to all: the module is
    # read and symbolicated, so only the identity kept it out above.
    os.chmod(private, 0o755)
    port = free_port()
    base = new_base(tmp, "readable")
    d = Daemon(base, "-o", f"http_listen=127.0.0.1:{port}")
    sig_open = upload_signature(base, port)
    check(d.stop() == 0, "crashd did not exit 0")
    check("charge" in sig_open, f"the upload was not symbolicated even from a readable module: {sig_open!r}")
    print(f"figure: an upload naming a module in a 0700 root directory: signature {sig!r} "
          f"(from a readable directory: {sig_open!r})")


def case_retention_fair(tmp):
    """One user's burst deleted another user's only crash (issue 9, point
    8): retention was global, oldest first. Now the user who holds the
    most loses theirs first, and a user's quota is theirs alone."""
    check(os.geteuid() == 0, "needs root (CI runs as root)")
    os.chmod(tmp, 0o755)
    for name, opts, root_kept in (("global", ["max_crashes=5", "max_crashes_per_user=0"], 4),
                                  ("quota", ["max_crashes=0", "max_crashes_per_user=3"], 3)):
        base = new_base(tmp, name)
        d = Daemon(base, *[x for o in opts for x in ("-o", o)])
        crash(base, user="nobody")
        wait_for("nobody's crash stored", lambda: len(crashes(base)) == 1 or None)
        for i in range(10):
            crash(base)
            wait_for(f"root's crash {i + 1} stored", lambda: status(base)["stored"] == i + 2 or None)
        got = crashes(base)
        uids = sorted(c["uid"] for c in got)
        check(uids.count(65534) == 1, f"{name}: nobody's only crash was deleted by root's burst: {uids}")
        check(uids.count(0) == root_kept, f"{name}: root kept {uids.count(0)} crashes, {root_kept} expected")
        print(f"figure: {name} ({', '.join(opts)}): after nobody's 1 crash and root's 10, stored uids {uids}")
        check(d.stop() == 0, "crashd did not exit 0")


def case_blame(tmp):
    """Deaths that are not the dump's fault (issue 9, point 2): three
    SIGPIPE kills while another user's dump was in flight sent that dump
    to bad/ as "died three times". Only a death blamed on the dump (a fault
    in the worker symbolicating it, or a hang) counts; others count apart,
    under a higher cap."""
    from e2ekit import make_dump, drop
    dump = open(make_dump(tmp), "rb").read()

    def prepared(name, count, blamed):
        """A stopped crashd's state: the dump in the spool, handed to a
        worker count times by earlier runs that died."""
        base = new_base(tmp, name)
        d = Daemon(base)
        check(d.stop() == 0, "crashd did not exit 0")
        db = sqlite3.connect(os.path.join(base, "state", "crashd.db"))
        db.execute("INSERT INTO attempts(name, count) VALUES('x.dmp.zst', ?)", (count,))
        db.commit()
        db.close()
        if blamed:
            with open(os.path.join(base, "state", "blame"), "w") as f:
                f.write("x.dmp.zst")
        drop(os.path.join(base, "spool"), "x.dmp.zst", dump)
        return base

    # Three deaths with it in flight, none blamed on it: it is stored.
    base = prepared("unblamed", 3, False)
    d = Daemon(base)
    wait_for("the dump stored", lambda: len(crashes(base)) == 1 or None)
    check(not os.path.exists(os.path.join(base, "spool", "bad", "x.dmp.zst")), "the dump went to bad/")
    check(d.stop() == 0, "crashd did not exit 0")
    # The third death blamed on it: bad/, as before.
    base = prepared("blamed", 3, True)
    d = Daemon(base)
    wait_for("the dump in bad/", lambda: os.path.exists(os.path.join(base, "spool", "bad", "x.dmp.zst")) or None)
    reason = open(os.path.join(base, "spool", "bad", "x.dmp.zst.reason")).read()
    check("three times" in reason, f"reason: {reason!r}")
    check(not os.path.exists(os.path.join(base, "state", "blame")), "the blame file was not taken")
    check(crashes(base) == [], "the dump was stored")
    # A fault outside the workers blames no dump, and crashd still dies
    # of it (the handler hands the signal back).
    asan = sanitized(d.proc.pid)
    d.proc.send_signal(signal.SIGSEGV)
    d.proc.wait(timeout=10)
    # Under ASan its handler is the one handed the signal: it reports and exits.
    check(d.proc.returncode == -signal.SIGSEGV or (asan and d.proc.returncode != 0),
          f"crashd exited {d.proc.returncode} on SIGSEGV")
    check(not os.path.exists(os.path.join(base, "state", "blame")), "a fault outside the workers blamed a dump")
    print("figure: 3 unblamed deaths: stored; 3 blamed: bad/; SIGSEGV outside the workers: no blame, died by SIGSEGV")


CASES = {
    "db-lock": case_db_lock,
    "http-flood": case_http_flood,
    "http-slow": case_http_slow,
    "http-uploads": case_http_uploads,
    "api-per-uid": case_api_per_uid,
    "source-proc": case_source_proc,
    "upload-module": case_upload_module,
    "retention-fair": case_retention_fair,
    "blame": case_blame,
}


def set_args(a):
    global A
    A = a


def main():
    return e2ekit.run_main(CASES, "crashd-torture", (), set_args)


if __name__ == "__main__":
    sys.exit(main())
