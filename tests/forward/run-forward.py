#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""crashd's forwarding end to end: a real crashd (--dir in a temporary
directory) whose sentry_dsn and webhook_url point at envelope-sink.js on
127.0.0.1, real crashes under the preload, and Sentry's own @sentry/core
and event schema (ajv) to judge what arrives.

usage: run-forward.py CASE --crashd P --dumper P --program P --secrets P
       run-forward.py bench --crashd P --dumper P --program P [--n 500 --latency 50]
Each case is one meson test: exit 0 pass, 1 fail, 77 skip (no
tests/node_modules, unless CRASHD_REQUIRE_ORACLES=1)."""
import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from testkit import SKIP, daemon_status, Fail, check, clean_env, free_port, wait_for  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
A = None
SECRETS = [b"hunter2", b"c00k1e", b"tok-123", b"sekrit-tag-value"]   # symbcrash.c's, and a tag


class Sink:
    """envelope-sink.js on a given port; started and stopped at will."""
    started = []

    def __init__(self, tmp, port):
        self.port, self.out = port, os.path.join(tmp, "sink")
        os.makedirs(self.out, exist_ok=True)
        self.proc = None

    def start(self):
        self.log = open(os.path.join(os.path.dirname(self.out), "sink.log"), "a")
        self.proc = subprocess.Popen(["node", os.path.join(HERE, "envelope-sink.js"), str(self.port), self.out],
                                     stdout=subprocess.PIPE, stderr=self.log, env=clean_env(), cwd=HERE)
        Sink.started.append(self.proc)
        line = self.proc.stdout.readline()
        check(line and json.loads(line)["port"] == self.port, f"the sink did not start: {line!r}")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)
        self.proc = None

    def control(self, script):
        body = json.dumps({"script": script}).encode()
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.sendall(b"POST /control HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
                  + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        check(b" 200 " in s.recv(4096), "the sink refused /control")
        s.close()

    def requests(self):
        p = os.path.join(self.out, "requests.jsonl")
        if not os.path.exists(p):
            return []
        with open(p) as f:
            return [json.loads(l) for l in f if l.strip()]

    def accepted(self, kind="envelope"):
        return [r for r in self.requests() if r["status"] == 200 and (kind != "envelope" or "event_id" in r)
                and (kind != "hook" or r["path"].startswith("/hook/"))]

    def body(self, r, kind="envelope"):
        with open(os.path.join(self.out, f"{r['n']}.{kind}"), "rb") as f:
            return f.read()


class Daemon:
    count = 0
    started = []
    has_http = None

    def __init__(self, tmp, base, *opts):
        Daemon.count += 1
        self.log_path = os.path.join(tmp, f"crashd-{Daemon.count}.log")
        nsock_path = os.path.join(tmp, f"notify-{Daemon.count}.sock")
        self.nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.nsock.bind(nsock_path)
        self.nsock.settimeout(0.2)
        self.log = open(self.log_path, "w")
        args = [A.crashd, "--dir", base, "-o", "log_level=debug"]
        if Daemon.has_http is None:
            out = subprocess.run([A.crashd, "--dir", base, "--dump-config"], capture_output=True, text=True,
                                 env=clean_env()).stdout
            Daemon.has_http = any(l.startswith("http_listen ") for l in out.splitlines())
        if Daemon.has_http:
            args += ["-o", "http_listen="]      # no web page: parallel tests would share its port
        for o in opts:
            args += ["-o", o]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=clean_env(NOTIFY_SOCKET=nsock_path))
        Daemon.started.append(self.proc)
        msgs = []

        def ready():
            try:
                msgs.append(self.nsock.recv(4096).decode())
            except (socket.timeout, BlockingIOError):
                pass
            if self.proc.poll() is not None:
                raise Fail(f"crashd exited with {self.proc.returncode}:\n{open(self.log_path).read()}")
            return any("READY=1" in m for m in msgs)
        wait_for("READY=1 from crashd", ready, timeout=20)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.log.close()
        self.nsock.close()


def crash(base, program=None, tags=None, args=()):
    env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=os.path.join(base, "spool"),
                    CRASHD_SOCKET=os.path.join(base, "notify.sock"))
    if tags:
        env["CRASHD_TAGS"] = tags
    p = subprocess.run([program or A.program, *args], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
    check(p.returncode == -signal.SIGSEGV, f"{program or A.program} exited with {p.returncode}, not SIGSEGV")


def db_count(base, sql):
    try:
        c = sqlite3.connect(f"file:{os.path.join(base, 'state', 'crashd.db')}?mode=ro", uri=True, timeout=10)
        try:
            return c.execute(sql).fetchone()[0]
        finally:
            c.close()
    except sqlite3.OperationalError:
        return None


def stored(base):
    return db_count(base, "SELECT count(*) FROM crashes") or 0


def queued(base):
    return db_count(base, "SELECT count(*) FROM outbox") or 0


status = daemon_status


def node(script, path):
    r = subprocess.run(["node", os.path.join(TESTS, "oracles", script), path], capture_output=True, text=True, timeout=60,
                       cwd=HERE)
    check(r.returncode == 0, f"{script} {os.path.basename(path)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r.stdout


def split_envelope(data):
    """(header, [(item header, payload bytes)]) by the lengths, as Relay reads it."""
    lines = data.split(b"\n", 1)
    hdr, rest, items = json.loads(lines[0]), lines[1] if len(lines) > 1 else b"", []
    while rest.strip():
        ih_raw, rest = rest.split(b"\n", 1)
        ih = json.loads(ih_raw)
        if "length" in ih:
            n = ih["length"]
            items.append((ih, rest[:n]))
            rest = rest[n + 1:]
        else:
            line, _, rest = rest.partition(b"\n")
            items.append((ih, line))
    return hdr, items


def dsn(port):
    return f"http://publickey123@127.0.0.1:{port}/42"


def judge(sink, r):
    """What Sentry would do with an envelope: @sentry/core parses it, the
    event validates against the event schema."""
    path = os.path.join(sink.out, f"{r['n']}.envelope")
    node("validate-envelope.js", path)
    node("validate-event-schema.js", path)
    hdr, items = split_envelope(sink.body(r))
    check(hdr["event_id"] == r["event_id"] and len(hdr["event_id"]) == 32, f"bad header {hdr}")
    check(hdr.get("dsn") and hdr.get("sent_at"), f"the envelope header lacks dsn or sent_at: {hdr}")
    check(r["auth"] and r["auth"].startswith("Sentry sentry_version=7, sentry_key=publickey123, sentry_client=crashd/"),
          f"X-Sentry-Auth is {r['auth']!r}")
    check(r["content_type"] == "application/x-sentry-envelope", f"Content-Type {r['content_type']}")
    ev = json.loads([p for h, p in items if h["type"] == "event"][0])
    return hdr, items, ev


def frames_vars(ev):
    out = {}
    for ex in ev["exception"]["values"]:
        for f in ex["stacktrace"]["frames"]:
            out.setdefault(f.get("function"), {}).update(f.get("vars") or {})
    return out


# --- cases -------------------------------------------------------------------

def case_sentry(tmp):
    """Two crashes to a live sink: both envelopes parse with @sentry/core,
    validate against the schema; crashme's frames carry tax_rate;
    symbcrash's secrets (locals, a struct member, a tag) are nowhere in
    the bytes received; release from the tag."""
    port = free_port()
    sink = Sink(tmp, port).start()
    base = os.path.join(tmp, "crashd")
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}")
    crash(base, tags="release=shop@1.2.3")
    crash(base, A.secrets, tags="auth_header=sekrit-tag-value")
    wait_for("two envelopes", lambda: len(sink.accepted()) >= 2)
    time.sleep(0.5)
    got = sink.accepted()
    check(len(got) == 2, f"expected 2 envelopes, got {len(got)}")
    by_release = {}
    for r in got:
        hdr, items, ev = judge(sink, r)
        check([h["type"] for h, _ in items] == ["event"], f"items {[h['type'] for h, _ in items]}")
        by_release[ev.get("release")] = ev
        raw = sink.body(r)
        for s in SECRETS:
            check(s not in raw, f"the secret {s!r} left the machine: in envelope {r['n']}")
    ev = by_release.get("shop@1.2.3")
    check(ev is not None, f"no event with the release tag: releases {list(by_release)}")
    v = frames_vars(ev)
    check("tax_rate" in v.get("charge", {}), f"charge's vars: {v.get('charge')}")
    check(str(v["charge"]["tax_rate"]).startswith("0.2"), f"tax_rate = {v['charge']['tax_rate']}")
    other = [e for k, e in by_release.items() if k != "shop@1.2.3"][0]
    check(other.get("release") and len(other["release"]) >= 16, f"release from the build-id: {other.get('release')}")
    check(other["tags"].get("auth_header") == "[masked]", f"tags {other['tags']}")
    sv = frames_vars(other)
    check("api_token" in sv.get("check_login", {}), f"check_login's vars: {sv.get('check_login')}")
    check(sv["check_login"]["api_token"] == "[masked]", f"api_token = {sv['check_login']['api_token']}")
    wait_for("the outbox empty after 2xx", lambda: queued(base) == 0, timeout=10)
    fw = status(base).get("forward", {})
    check(fw.get("sent") == 2 and fw.get("queued") == 0 and fw.get("dropped") == 0, f"status: forward {fw}")
    d.stop()
    print("OK: 2 envelopes, valid, vars present, secrets masked")


def case_upload(tmp):
    """An upload's event (issue 9, point 9): where it came from is crashd's
    fact, in extra.crashd_upload_from, and a form field of that name stays
    a tag the sender set."""
    import http.client
    port, http_port = free_port(), free_port()
    sink = Sink(tmp, port).start()
    base = os.path.join(tmp, "crashd")
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}", f"http_listen=127.0.0.1:{http_port}")
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=src, CRASHD_SOCKET="", CRASHD_WAIT="1")
    subprocess.run([A.program], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    dump = [os.path.join(src, n) for n in os.listdir(src) if n.endswith(".dmp.zst")]
    check(len(dump) == 1, f"no dump: {dump}")
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"upload_from\"\r\n\r\n203.0.113.9\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"upload_file_minidump\"; filename=\"d.dmp\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + open(dump[0], "rb").read() + \
        f"\r\n--{boundary}--\r\n".encode()
    c = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)
    c.request("POST", "/upload", body=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    r = c.getresponse()
    check(r.status == 200, f"upload: {r.status} {r.read()[:200]!r}")
    c.close()
    wait_for("the envelope", lambda: len(sink.accepted()) >= 1)
    _, _, ev = judge(sink, sink.accepted()[0])
    check(ev.get("extra", {}).get("crashd_upload_from") == "127.0.0.1", f"extra: {ev.get('extra')}")
    check(ev.get("tags", {}).get("upload_from") == "203.0.113.9", f"tags: {ev.get('tags')}")
    d.stop()
    print("OK: the upload's sender in extra.crashd_upload_from, the form field only a tag")


def case_unmasked_store(tmp):
    """mask_stored=no (issue 9, point 12): the stored report holds
    symbcrash's secrets, as its owner asked, and the Sentry event is still
    masked, struct members included (made from a second, masked
    symbolication: members can only be masked while printed)."""
    port = free_port()
    sink = Sink(tmp, port).start()
    base = os.path.join(tmp, "crashd")
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}", "mask_stored=no")
    crash(base, A.secrets, tags="auth_header=sekrit-tag-value")
    wait_for("one envelope", lambda: len(sink.accepted()) >= 1)
    got = sink.accepted()
    raw = sink.body(got[0])
    for s in SECRETS + [b"sec-quoted", b"sec-arr-1", b"sec-union", b"sec-noted"]:
        check(s not in raw, f"the secret {s!r} left the machine")
    _, _, ev = judge(sink, got[0])
    check(frames_vars(ev)["check_login"]["api_token"] == "[masked]", "api_token not masked in the event")
    check("password = [masked]" in json.dumps(ev), "creds.password not masked in the event")
    c = sqlite3.connect(f"file:{os.path.join(base, 'state', 'crashd.db')}?mode=ro", uri=True, timeout=10)
    text, = c.execute("SELECT text FROM reports").fetchone()
    c.close()
    check("hunter2" in text and "sec-quoted" in text and "sekrit-tag-value" in text,
          f"the stored report is masked:\n{text[:2000]}")
    d.stop()
    print("OK: stored unmasked, forwarded masked")


def case_minidump(tmp):
    """sentry_attach_minidump: the envelope has an event.minidump attachment
    whose length is the plain minidump's (MDMP), after the event."""
    port = free_port()
    sink = Sink(tmp, port).start()
    base = os.path.join(tmp, "crashd")
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}", "sentry_attach_minidump=yes")
    crash(base)
    wait_for("an envelope", lambda: sink.accepted())
    r = sink.accepted()[0]
    hdr, items, ev = judge(sink, r)
    check([h["type"] for h, _ in items] == ["event", "attachment"], f"items {[h for h, _ in items]}")
    ah, payload = items[1]
    check(ah["attachment_type"] == "event.minidump" and ah["length"] == len(payload) > 1000, f"attachment {ah}")
    check(payload[:4] == b"MDMP", f"the attachment is not a plain minidump: {payload[:4]!r}")
    check(r["items"][1] == ["attachment", "event.minidump", len(payload)], f"@sentry/core saw {r['items']}")
    d.stop()
    print(f"OK: minidump attachment of {len(payload)} bytes")


def case_down_up(tmp):
    """The receiver is down while three crashes are stored, then comes up:
    each event arrives exactly once."""
    port = free_port()
    sink = Sink(tmp, port)
    base = os.path.join(tmp, "crashd")
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}")
    for _ in range(3):
        crash(base)
    wait_for("3 stored crashes", lambda: stored(base) >= 3)
    wait_for("3 queued forwards", lambda: queued(base) == 3)
    time.sleep(1.5)                     # a retry or two against the closed port
    check(queued(base) == 3, "items left the queue while the receiver was down")
    sink.start()
    wait_for("3 envelopes", lambda: len(sink.accepted()) >= 3, timeout=60)
    wait_for("an empty outbox", lambda: queued(base) == 0)
    time.sleep(2)
    ids = [r["event_id"] for r in sink.accepted()]
    check(len(ids) == 3 and len(set(ids)) == 3, f"event ids received: {ids}")
    for r in sink.accepted():
        judge(sink, r)
    d.stop()
    print("OK: 3 events, each once, after the receiver came up")


def case_retry(tmp):
    """429 with Retry-After: 2 is honoured (the retry comes >= 2 s later,
    and the event arrives once); a 503 is retried; X-Sentry-Rate-Limits
    for the error category is honoured too."""
    port = free_port()
    sink = Sink(tmp, port).start()
    base = os.path.join(tmp, "crashd")
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}")

    def attempts_of(n_before):
        return [r for r in sink.requests()[n_before:] if "event_id" in r]

    steps = [("429 Retry-After", [{"status": 429, "headers": {"Retry-After": "2"}}], 2.0),
             ("503", [{"status": 503}], 0.0),
             ("X-Sentry-Rate-Limits", [{"status": 429, "headers": {"X-Sentry-Rate-Limits": "2:error;attachment:organization"}}], 2.0)]
    for i, (name, script, min_gap) in enumerate(steps):
        sink.control(script)
        before = len(sink.requests())
        crash(base, args=()) if i != 1 else crash(base, A.secrets)
        wait_for(f"the event after {name}", lambda: any(r["status"] == 200 for r in attempts_of(before)),
                 timeout=60)
        time.sleep(0.3)
        got = attempts_of(before)
        check(got[0]["status"] == script[0]["status"], f"{name}: first answer {got[0]}")
        ok = [r for r in got if r["status"] == 200]
        check(len(ok) == 1 and ok[0]["event_id"] == got[0]["event_id"], f"{name}: arrivals {got}")
        gap = (ok[0]["time"] - got[0]["time"]) / 1000
        check(gap >= min_gap, f"{name}: retried after {gap:.2f} s, before {min_gap} s")
        print(f"{name}: retried after {gap:.2f} s, arrived once")
        # Distinct dumps next: crashme's dumps differ anyway (time, pid).
    wait_for("the outbox empty", lambda: queued(base) == 0, timeout=10)
    d.stop()
    print("OK")


def case_malformed(tmp):
    """Answers that are not a refusal of the item (issue 9, point 10): a
    reply with no HTTP status line, a redirect, a 500. One reply without a
    status line was taken for a bad URL and every queued forward was
    dropped for good. Each must be retried until the event arrives once."""
    port = free_port()
    sink = Sink(tmp, port).start()
    base = os.path.join(tmp, "crashd")
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}")
    sink.control([{"raw": "garbage, not HTTP\r\n\r\n"}, {"status": 302, "headers": {"Location": "/nowhere"}},
                  {"status": 500}])
    crash(base)
    wait_for("the event after the malformed answers",
             lambda: any(r["status"] == 200 for r in sink.requests() if "event_id" in r), timeout=90)
    got = [r for r in sink.requests() if "event_id" in r]
    check([r["status"] for r in got] == ["raw", 302, 500, 200], f"answers: {[r['status'] for r in got]}")
    check(len({r["event_id"] for r in got}) == 1, "not one event retried")
    log = open(d.log_path).read()
    check("dropped" not in log, "crashd dropped a forward:\n" + log[-1500:])
    # The row goes once crashd has read the 2xx, which can come a moment
    # after the sink saw the request (the sanitized daemon is slower).
    wait_for("the outbox empty", lambda: queued(base) == 0, timeout=10)
    d.stop()
    print("OK: retried after no status line, 302 and 500; arrived once")


def case_webhook(tmp):
    """A new signature: one POST with a Slack "text"; the same signature
    again within the quiet period (1 s): none; after it: a regression
    POST."""
    port = free_port()
    sink = Sink(tmp, port).start()
    base = os.path.join(tmp, "crashd")
    url = f"http://127.0.0.1:{port}/hook/team"
    d = Daemon(tmp, base, f"webhook_url={url}", "webhook_quiet_period=1s")
    t0 = time.monotonic()
    crash(base)
    crash(base)
    gap = time.monotonic() - t0
    check(gap < 1.0, f"two crashes took {gap:.2f} s, more than the quiet period: the test cannot tell")
    wait_for("2 stored crashes", lambda: stored(base) >= 2)
    wait_for("a webhook", lambda: sink.accepted("hook"))
    time.sleep(1.0)
    hooks = sink.accepted("hook")
    check(len(hooks) == 1, f"expected one POST for the new signature, got {len(hooks)}")
    b = json.loads(sink.body(hooks[0], "hook"))
    check(hooks[0]["content_type"] == "application/json", f"Content-Type {hooks[0]['content_type']}")
    check(b["event"] == "new" and "charge | checkout | process" in b["signature"], f"body {b}")
    check(isinstance(b.get("text"), str) and "New crash" in b["text"] and "crashme" in b["text"], f"text {b.get('text')}")
    for k in ("program", "count", "first_seen", "last_seen", "report_id", "summary"):
        check(k in b, f"the body has no {k}: {b}")
    time.sleep(1.2)                     # past the quiet period
    crash(base)
    wait_for("3 stored crashes", lambda: stored(base) >= 3)
    wait_for("a second webhook", lambda: len(sink.accepted("hook")) >= 2)
    time.sleep(0.5)
    hooks = sink.accepted("hook")
    check(len(hooks) == 2, f"expected 2 POSTs, got {len(hooks)}")
    b2 = json.loads(sink.body(hooks[1], "hook"))
    check(b2["event"] == "regression" and "back" in b2["text"] and b2["count"] == 3, f"body {b2}")
    d.stop()
    print("OK: new -> 1 POST, again -> none, after the quiet period -> regression:", b2["text"])


def case_restart(tmp):
    """Items queued while the receiver is down survive a restart of crashd
    and are sent after it, once."""
    port = free_port()
    sink = Sink(tmp, port)
    base = os.path.join(tmp, "crashd")
    url = f"http://127.0.0.1:{port}/hook/x"
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}", f"webhook_url={url}")
    crash(base)
    crash(base, A.secrets)
    wait_for("2 stored crashes", lambda: stored(base) >= 2)
    wait_for("4 queued items", lambda: queued(base) == 4)
    d.stop()
    check(queued(base) == 4, f"{queued(base)} queued after the stop, not 4")
    sink.start()
    time.sleep(0.5)
    check(not sink.requests(), "something was sent while crashd was down")
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}", f"webhook_url={url}")
    wait_for("2 envelopes and 2 webhooks", lambda: len(sink.accepted()) >= 2 and len(sink.accepted("hook")) >= 2)
    wait_for("an empty outbox", lambda: queued(base) == 0)
    time.sleep(1)
    ids = [r["event_id"] for r in sink.accepted()]
    check(len(ids) == 2 and len(set(ids)) == 2, f"event ids {ids}")
    check(len(sink.accepted("hook")) == 2, "webhooks sent more than once")
    d.stop()
    print("OK: 4 items queued across a restart, each sent once")


def case_bench(tmp):
    """Throughput: N crashes stored and queued with the receiver down, crashd
    restarted with it up, first to last arrival. Latency: from a crashing
    program's start to its envelope at the receiver, sequentially."""
    port = free_port()
    sink = Sink(tmp, port)
    base = os.path.join(tmp, "crashd")
    n = A.n
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=src, CRASHD_SOCKET="", CRASHD_WAIT="1")
    subprocess.run([A.program], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    dump = [os.path.join(src, x) for x in os.listdir(src) if x.endswith(".dmp.zst")][0]
    data = open(dump, "rb").read()
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}", "forward_queue_max=100000", "loop_keep=0",
               "sentry_max_per_group=0")
    spool = os.path.join(base, "spool")
    for i in range(n):
        # Distinct names, the same bytes: n stored crashes, n envelopes
        # (with the same event_id: the sink counts requests).
        tmpname = os.path.join(spool, f".bench.{i}.tmp")
        with open(tmpname, "wb") as f:
            f.write(data)
        os.rename(tmpname, os.path.join(spool, f"crashme.{100000 + i}.1.1.dmp.zst"))
    wait_for(f"{n} queued", lambda: queued(base) >= n, timeout=600, interval=0.2)
    d.stop()
    sink.start()
    t_start = time.time()
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}", "forward_queue_max=100000", "loop_keep=0",
               "sentry_max_per_group=0")
    wait_for(f"{n} envelopes", lambda: len(sink.accepted()) >= n, timeout=600, interval=0.1)
    got = sink.accepted()
    first, last = got[0]["time"] / 1000, got[-1]["time"] / 1000
    span = max(last - first, 1e-3)
    print(f"forwarding throughput: {n} events in {span:.2f} s = {n / span:.0f} events/s "
          f"(restart to last: {last - t_start:.2f} s)")
    check(len(got) == n, f"{len(got)} envelopes for {n} crashes")
    # Latency.
    lat = []
    for i in range(A.latency):
        before = len(sink.accepted())
        t0 = time.time()
        crash(base)
        wait_for("the envelope", lambda: len(sink.accepted()) > before, timeout=60, interval=0.002)
        lat.append(sink.accepted()[-1]["time"] / 1000 - t0)
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))]
    print(f"crash to envelope at the receiver over {len(lat)} crashes: median {statistics.median(lat) * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms, min {lat[0] * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")
    d.stop()


def case_crash_loop(tmp):
    """Issue 12, crash loops: 500 crashes of one bug and 5 other bugs.
    The groups count every crash exactly; the loop's group keeps its first
    loop_keep crashes and its latest (defaults: 10, in 1 h); every bug has
    a stored crash; Sentry got at most sentry_max_per_group (10) events of
    the loop and one of each other bug."""
    port = free_port()
    sink = Sink(tmp, port).start()
    base = os.path.join(tmp, "crashd")
    # One real dump of the looping program, copied 500 times into the
    # spool as a service that dies every moment would leave them.
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=src, CRASHD_SOCKET="", CRASHD_WAIT="1")
    subprocess.run([A.program], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    dumps = [n for n in os.listdir(src) if n.endswith(".dmp.zst")]
    check(len(dumps) == 1, f"one dump of the loop, got {dumps}")
    data = open(os.path.join(src, dumps[0]), "rb").read()
    d = Daemon(tmp, base, f"sentry_dsn={dsn(port)}")
    spool = os.path.join(base, "spool")
    for i in range(500):
        name = f"e2e-crashme.{1000 + i}.1795000000.{i:09d}.dmp.zst"
        with open(os.path.join(spool, "." + name + ".tmp"), "wb") as f:
            f.write(data)
        os.rename(os.path.join(spool, "." + name + ".tmp"), os.path.join(spool, name))
    # Five other bugs: tests/crash/crashme's ways to die.
    bug_env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=spool, CRASHD_SOCKET=os.path.join(base, "notify.sock"))
    for mode in ("segv", "bus", "fpe", "ill", "abrt"):
        subprocess.run([A.bugs, mode], env=bug_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def counted():
        return db_count(base, "SELECT coalesce(sum(count), 0) FROM groups") == 505
    wait_for("505 crashes counted", counted, timeout=240)
    wait_for("the spool drained", lambda: not [n for n in os.listdir(spool) if n.endswith(".dmp.zst")], timeout=60)
    groups = json.loads(subprocess.run([A.crashctl, "groups", "--json", "--dir", base], capture_output=True,
                                       timeout=60, env=clean_env()).stdout)["groups"]
    loop = [g for g in groups if g["count"] == 500]
    check(len(loop) == 1, f"no group counts the loop's 500 crashes exactly: {[(g['signature'], g['count']) for g in groups]}")
    others = [g for g in groups if g is not loop[0]]
    check(len(others) == 5 and all(g["count"] == 1 for g in others),
          f"the other bugs: {[(g['signature'], g['count']) for g in others]}")
    check(loop[0]["stored"] == 11, f"the loop's group stores {loop[0]['stored']} crashes, not the first 10 and the latest")
    check(all(g["stored"] == 1 for g in others), f"a bug without its stored crash: {others}")
    check(stored(base) == 16, f"{stored(base)} crashes stored")
    # Files follow rows: one dump file per stored crash.
    files = os.listdir(os.path.join(base, "state", "dumps"))
    check(len(files) == 16, f"{len(files)} dump files for 16 stored crashes")

    wait_for("the outbox empty", lambda: queued(base) == 0, timeout=60)
    time.sleep(0.5)
    got = sink.accepted()
    loop_events = [r for r in got if "charge" in frames_vars(judge(sink, r)[2])]
    check(len(loop_events) == 10, f"Sentry got {len(loop_events)} events of the loop, want sentry_max_per_group = 10")
    check(len(got) - len(loop_events) == 5, f"Sentry got {len(got) - len(loop_events)} events of the 5 other bugs")
    st = status(base)
    check(st.get("loop_replaced") == 500 - 11 and st.get("forward", {}).get("limited") == 490,
          f"status: loop_replaced {st.get('loop_replaced')}, forward {st.get('forward')}")
    d.stop()
    print(f"OK: 505 crashes counted, 16 stored, {len(got)} events sent")


def case_program_dsn(tmp):
    """Issue 12: a [program] section's own sentry_dsn, with no global one:
    that program's crashes reach its project, the others' go nowhere."""
    port = free_port()
    sink = Sink(tmp, port).start()
    base = os.path.join(tmp, "crashd")
    conf = os.path.join(tmp, "crashd.conf")
    with open(conf, "w") as f:
        f.write(f"[program {os.path.basename(A.program)}]\nsentry_dsn = {dsn(port)}\n")
    # (Daemon takes -o settings only; a section needs the file.)
    log = open(os.path.join(tmp, "crashd-1.log"), "w")
    proc = subprocess.Popen([A.crashd, "--dir", base, "--config", conf, "-o", "log_level=debug", "-o", "http_listen="],
                            stdout=log, stderr=subprocess.STDOUT, env=clean_env())
    Daemon.started.append(proc)
    wait_for("crashd's API", lambda: os.path.exists(os.path.join(base, "api.sock")), timeout=20)
    crash(base)
    crash(base, A.secrets)
    wait_for("two stored", lambda: stored(base) == 2, timeout=60)
    wait_for("the outbox empty", lambda: queued(base) == 0, timeout=30)
    time.sleep(0.5)
    got = sink.accepted()
    check(len(got) == 1, f"expected one event (the section's program), got {len(got)}")
    check("charge" in frames_vars(judge(sink, got[0])[2]), "the event is not crashme's")
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    log.close()


CASES = {"program-dsn": case_program_dsn, "crash-loop": case_crash_loop, "sentry": case_sentry, "minidump": case_minidump, "down-up": case_down_up, "retry": case_retry,
         "webhook": case_webhook, "restart": case_restart, "bench": case_bench, "malformed": case_malformed,
         "unmasked-store": case_unmasked_store, "upload": case_upload}


def main():
    global A
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=sorted(CASES))
    p.add_argument("--crashd", required=True)
    p.add_argument("--dumper", required=True)
    p.add_argument("--program", required=True)
    p.add_argument("--secrets")
    p.add_argument("--bugs")
    p.add_argument("--crashctl")
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--latency", type=int, default=50)
    A = p.parse_args()
    required = os.environ.get("CRASHD_REQUIRE_ORACLES") == "1"
    if not shutil.which("node") or not os.path.isdir(os.path.join(TESTS, "node_modules", "@sentry", "core")) \
            or not os.path.isdir(os.path.join(TESTS, "node_modules", "ajv")):
        print("tests/node_modules (@sentry/core, ajv) or node is missing: npm install in tests/")
        return 1 if required else SKIP
    tmp = tempfile.mkdtemp(prefix=f"crashd-forward-{A.case}.")
    try:
        CASES[A.case](tmp)
        return 0
    except Exception as e:
        if not isinstance(e, Fail):
            import traceback
            traceback.print_exc()
        print("FAIL:", e)
        for n in sorted(os.listdir(tmp)):
            if n.endswith(".log"):
                print(f"--- {n} (last lines)")
                print("".join(open(os.path.join(tmp, n), errors="replace").readlines()[-40:]))
        return 1
    finally:
        for proc in Daemon.started + Sink.started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if not os.environ.get("KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
