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
from testkit import Fail, check, wait_for  # noqa: E402

A = None


def api(base, request, timeout=5.0):
    """One request on api.sock; (answer, seconds it took)."""
    t0 = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(os.path.join(base, "api.sock"))
        s.sendall(json.dumps(request).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
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


CASES = {
    "db-lock": case_db_lock,
}


def main():
    global A
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=sorted(CASES))
    p.add_argument("--crashd", required=True)
    p.add_argument("--crashctl", required=True)
    p.add_argument("--dumper", required=True)
    p.add_argument("--program", required=True)
    A = e2ekit.A = p.parse_args()
    tmp = tempfile.mkdtemp(prefix=f"crashd-torture-{A.case}.")
    try:
        CASES[A.case](tmp)
    except Exception as e:
        if not isinstance(e, Fail):
            import traceback
            traceback.print_exc()
        print("FAIL:", e)
        for n in sorted(os.listdir(tmp)):
            if n.startswith("crashd-") and n.endswith(".log"):
                print(f"--- {n} (last lines)")
                print("".join(open(os.path.join(tmp, n)).readlines()[-30:]))
        return 1
    finally:
        for proc in Daemon.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
