# SPDX-License-Identifier: MIT
"""Helpers for tests/upload and tests/web: a real crashd in a temporary
directory with its HTTP server on a free 127.0.0.1 port, real crashes of
examples/crashme under the preload, crashctl to look. Every wait is
bounded; the daemons started are stopped by stop_all()."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from testkit import SKIP, Fail, check, clean_env, free_port, wait_for  # noqa: E402,F401


class Daemon:
    started = []

    def __init__(self, crashd, base, *settings, expect_ready=True):
        self.base = base
        os.makedirs(os.path.dirname(base), exist_ok=True)
        n = len(Daemon.started) + 1
        self.log_path = os.path.join(os.path.dirname(base), f"crashd-{n}.log")
        self.nsock_path = os.path.join(os.path.dirname(base), f"notify-{n}.sock")
        self.nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.nsock.bind(self.nsock_path)
        self.nsock.settimeout(0)
        self.log = open(self.log_path, "w")
        args = [crashd, "--dir", base]
        for s in settings:
            args += ["-o", s]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=clean_env(NOTIFY_SOCKET=self.nsock_path))
        Daemon.started.append(self)
        self.ready = False
        if expect_ready:
            wait_for("READY=1 from crashd", self._ready, timeout=20)

    def _ready(self):
        try:
            while True:
                if b"READY=1" in self.nsock.recv(4096):
                    self.ready = True
        except (BlockingIOError, socket.timeout):
            pass
        if self.proc.poll() is not None:
            raise Fail(f"crashd exited with {self.proc.returncode} before it was ready:\n{self.text()}")
        return self.ready

    def alive(self):
        return self.proc.poll() is None

    def text(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
        self.nsock.close()
        return self.proc.returncode


def stop_all():
    for d in Daemon.started:
        try:
            d.stop()
        except Exception:
            pass


def make_dump(dumper, program, outdir):
    """One real dump of crashme (.dmp.zst), outside any spool."""
    os.makedirs(outdir, exist_ok=True)
    env = clean_env(LD_PRELOAD=dumper, CRASHD_DUMP_DIR=outdir, CRASHD_SOCKET="", CRASHD_WAIT="1")
    r = subprocess.run([program], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    check(r.returncode == -signal.SIGSEGV, f"crashme exited with {r.returncode}")
    dumps = [os.path.join(outdir, n) for n in os.listdir(outdir) if n.endswith(".dmp.zst")]
    check(len(dumps) == 1, f"expected one dump in {outdir}, found {dumps}")
    return dumps[0]


def crash_into(dumper, program, base, user=None):
    """crashme under the preload, dumping into base's spool, as user."""
    env = clean_env(LD_PRELOAD=dumper, CRASHD_DUMP_DIR=os.path.join(base, "spool"),
                    CRASHD_SOCKET=os.path.join(base, "notify.sock"), CRASHD_WAIT="1")
    cmd = [program]
    if user:
        import pwd
        pw = pwd.getpwnam(user)
        cmd = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups"] + cmd
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    check(r.returncode == -signal.SIGSEGV, f"crashme exited with {r.returncode}")


def ctl(crashctl, *args, user=None):
    cmd = [crashctl, *args]
    if user:
        cmd = ["runuser", "-u", user, "--"] + cmd
    r = subprocess.run(cmd, capture_output=True, timeout=120, env=clean_env())
    if r.returncode != 0:
        raise Fail(f"crashctl {' '.join(args)}: exit {r.returncode}: {r.stderr.decode(errors='replace')}")
    return r.stdout.decode()


def crashes(crashctl, base):
    return json.loads(ctl(crashctl, "list", "--json", "--dir", base))["crashes"]
