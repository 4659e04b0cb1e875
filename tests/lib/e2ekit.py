# SPDX-License-Identifier: MIT
"""The harness the end-to-end and torture tests share: a real crashd in a
temporary directory (crashd --dir), real crashes of a program under the
preload, crashctl to look. The runner sets A (its parsed arguments, with
crashd, crashctl, dumper and program) before calling anything here."""
import hashlib
import json
import os
import signal
import socket
import subprocess

from testkit import daemon_status, Fail, check, clean_env, wait_for  # noqa: F401

A = None           # set by the runner: its argparse namespace
SIGNATURE = "charge | checkout | process"   # examples/crashme.c


class Daemon:
    """crashd --dir DIR in the foreground, its READY=1 read from a
    NOTIFY_SOCKET of our own, its log in DIR/../crashd-N.log. Every one
    started is killed at the end if a failure left it running."""
    count = 0
    started = []

    def __init__(self, base, *args):
        Daemon.count += 1
        self.base = base
        self.log_path = os.path.join(os.path.dirname(base), f"crashd-{Daemon.count}.log")
        nsock_path = os.path.join(os.path.dirname(base), f"notify-{Daemon.count}.sock")
        self.nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.nsock.bind(nsock_path)
        self.nsock.settimeout(0.2)
        self.log = open(self.log_path, "w")
        cmd = [A.crashd, "--dir", base, *args]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=clean_env(NOTIFY_SOCKET=nsock_path))
        Daemon.started.append(self.proc)
        self.messages = []
        wait_for("READY=1 from crashd", self._ready, timeout=20)

    def _ready(self):
        self.poll_notify()
        if self.proc.poll() is not None:
            raise Fail(f"crashd exited with {self.proc.returncode} before it was ready:\n{self.text()}")
        return any("READY=1" in m for m in self.messages)

    def poll_notify(self):
        while True:
            try:
                self.messages.append(self.nsock.recv(4096).decode())
            except (socket.timeout, BlockingIOError):
                return
            self.nsock.settimeout(0)

    def alive(self):
        return self.proc.poll() is None

    def text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Fail("crashd did not exit on SIGTERM")
        self.poll_notify()
        self.log.close()
        self.nsock.close()
        return self.proc.returncode

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        self.nsock.close()


def crash(base, *, env_extra=None, user=None, notify=True):
    """examples/crashme under the preload, dumping into base's spool.
    Returns the crashed process's pid."""
    env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=os.path.join(base, "spool"),
                    CRASHD_SOCKET=os.path.join(base, "notify.sock") if notify else "")
    if env_extra:
        env.update(env_extra)
    cmd = [A.program]
    if user:
        # setpriv execs (runuser forks), so the pid is the crashed one's.
        import pwd
        pw = pwd.getpwnam(user)
        cmd = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups"] + cmd
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rc = p.wait(timeout=60)
    check(rc == -signal.SIGSEGV, f"crashme exited with {rc}, not by SIGSEGV")
    return p.pid


def ctl(*args, user=None, ok=(0,), binary=False):
    cmd = [A.crashctl, *args]
    if user:
        cmd = ["runuser", "-u", user, "--"] + cmd
    r = subprocess.run(cmd, capture_output=True, timeout=120, env=clean_env())
    if r.returncode not in ok:
        raise Fail(f"crashctl {' '.join(args)}: exit {r.returncode}: {r.stderr.decode(errors='replace')}")
    return r if binary else r.stdout.decode()


def crashes(base, *extra, user=None):
    return json.loads(ctl("list", "--json", "--dir", base, *extra, user=user))["crashes"]


status = daemon_status


def spool_entries(base):
    return sorted(n for n in os.listdir(os.path.join(base, "spool")) if n != "bad")


def new_base(tmp, name="crashd"):
    base = os.path.join(tmp, name)
    return base


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_dump(tmp):
    """One real dump of crashme, outside any spool."""
    src = os.path.join(tmp, "src")
    os.makedirs(src, exist_ok=True)
    env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=src, CRASHD_SOCKET="", CRASHD_WAIT="1")
    subprocess.run([A.program], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    dumps = [os.path.join(src, n) for n in os.listdir(src) if n.endswith(".dmp.zst")]
    check(len(dumps) == 1, f"expected one dump in {src}, found {dumps}")
    return dumps[0]


def drop(spool, name, data):
    """As the dumper does: a dot-file, then a rename into place."""
    tmp = os.path.join(spool, "." + name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(spool, name))


def run_main(cases, prefix, options=(), on_args=None):
    """A runner's main: CASE --crashd P --crashctl P --dumper P --program P
    and options (more --NAME), the case run in a temporary directory,
    crashd's last log lines on a failure, every daemon killed and the
    directory removed at the end. on_args gets the parsed arguments (the
    runner's own A). Returns the exit status: 0 pass, 1 fail."""
    import argparse
    import shutil
    import tempfile
    global A
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=sorted(cases))
    for o in ("--crashd", "--crashctl", "--dumper", "--program"):
        p.add_argument(o, required=True)
    for o in options:
        p.add_argument(o)
    A = p.parse_args()
    if on_args:
        on_args(A)
    tmp = tempfile.mkdtemp(prefix=f"{prefix}-{A.case}.")
    try:
        cases[A.case](tmp)
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
                proc.send_signal(signal.SIGCONT)    # a case may have stopped one
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")
    return 0
