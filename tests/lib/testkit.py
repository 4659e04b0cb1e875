# SPDX-License-Identifier: MIT
"""What every Python test runner here needs: failing with a message,
bounded waits, an environment without crashd's and systemd's variables
(and without proxies: tests talk to 127.0.0.1 only), a free port, and
crashd's status."""
import json
import os
import socket
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


def daemon_status(base):
    """crashd --dir BASE's answer to the API's status request."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(os.path.join(base, "api.sock"))
    s.sendall(b'{"method":"status"}\n')
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return json.loads(data)
