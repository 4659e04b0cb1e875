# SPDX-License-Identifier: MIT
"""What every Python test runner here needs: failing with a message,
bounded waits, an environment without crashd's and systemd's variables
(and without proxies: tests talk to 127.0.0.1 only), a free port, and
crashd's status."""
import contextlib
import fcntl
import json
import os
import socket
import sys
import time

SKIP = 77   # meson's "skipped"


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def wait_for(what, fn, timeout=30.0, interval=0.05):
    """Polls fn until it returns something true; fails after timeout."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise Fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CRASHD_") and k not in ("LD_PRELOAD", "NOTIFY_SOCKET", "WATCHDOG_USEC",
                                                         "LISTEN_FDS", "LISTEN_PID", "JOURNAL_STREAM")
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update(extra)
    return env


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_all(s):
    """Everything a socket sends until it closes."""
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def api_request(base, request, timeout=30):
    """One request line (a dict) over crashd --dir BASE's api.sock; the
    answer's bytes (crashd closes after one)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(os.path.join(base, "api.sock"))
        s.sendall(json.dumps(request).encode() + b"\n")
        return read_all(s)
    finally:
        s.close()


def daemon_status(base):
    """crashd --dir BASE's answer to the API's status request."""
    return json.loads(api_request(base, {"method": "status"}))


CORE_PATTERN = "/proc/sys/kernel/core_pattern"
# Shared with tests/bench/crashtime.c: whoever changes core_pattern holds it.
CORE_PATTERN_LOCK = "/tmp/crashd-core-pattern.lock"


def core_pattern_writable():
    """Whether this process may change core_pattern (root, not read-only)."""
    return os.geteuid() == 0 and os.access(CORE_PATTERN, os.W_OK)


@contextlib.contextmanager
def core_pattern_set(pattern):
    """core_pattern is `pattern` inside the block, under an exclusive lock
    that every test changing it takes; the old value is put back however
    the block ends (an exception, a failed check, SIGTERM turned into
    SystemExit by the caller)."""
    with open(CORE_PATTERN_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open(CORE_PATTERN) as f:
            saved = f.read().rstrip("\n")
        try:
            with open(CORE_PATTERN, "w") as f:
                f.write(pattern)
            yield saved
        finally:
            with open(CORE_PATTERN, "w") as f:
                f.write(saved)
            with open(CORE_PATTERN) as f:
                now = f.read().rstrip("\n")
            if now != saved:
                print(f"WARNING: could not restore core_pattern: {now!r}, was {saved!r}", file=sys.stderr)
