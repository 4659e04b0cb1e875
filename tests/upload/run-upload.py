#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Minidump uploads to a real crashd (daemon/upload.c, http-server.c).

usage: run-upload.py CASE --crashd P --crashctl P --dumper P --program P
Cases: breakpad, crashpad, zst, token, refuse, listen. Exit 0 pass, 1
fail, 77 skip."""
import argparse
import gzip
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crashd_test import (Daemon, Fail, SKIP, check, crashes, ctl, free_port, make_dump, stop_all,  # noqa: E402
                         wait_for)

A = None
SIGNATURE = "charge | checkout | process"


def post(port, path, body, headers):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data.decode(errors="replace")


def post_refused(port, path, body, headers):
    """For a body the server refuses before reading it all: it answers 413
    and closes, and the rest of our body may make the kernel reset the
    connection before we read the answer. Returns the status, or "reset"."""
    try:
        return post(port, path, body, headers)[0]
    except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
        return "reset"


def plain_dump(tmp):
    """A real crash as Breakpad's client would send it: plain MDMP."""
    zst = make_dump(A.dumper, A.program, os.path.join(tmp, "src"))
    plain = os.path.join(tmp, "crash.dmp")
    subprocess.run(["zstd", "-q", "-d", zst, "-o", plain], check=True)
    with open(plain, "rb") as f:
        check(f.read(4) == b"MDMP", "zstd -d did not give a minidump")
    return zst, plain


def start(tmp, *settings):
    port = free_port()
    base = os.path.join(tmp, "crashd")
    d = Daemon(A.crashd, base, f"http_listen=127.0.0.1:{port}", "workers=1", *settings)
    return d, base, port


def stored_one(base, tags):
    """Waits for one stored crash; checks that it was symbolicated with
    its locals, belongs to crashd's uid, and carries tags."""
    got = wait_for("the upload in crashctl list", lambda: crashes(A.crashctl, base), timeout=60)
    check(len(got) == 1, f"one crash, got {len(got)}")
    c = got[0]
    check(c["uid"] == os.getuid(), f"an upload belongs to crashd's uid {os.getuid()}, not {c['uid']}")
    check(c["signature"] == SIGNATURE, f"signature {c['signature']!r}")
    check(c["signal_name"] == "SIGSEGV", f"signal {c['signal_name']}")
    show = json.loads(ctl(A.crashctl, "show", "--json", "--dir", base, str(c["id"])))
    text = ctl(A.crashctl, "show", "--dir", base, str(c["id"]))
    for want in ("tax_rate=0.2", 'currency = 0x', '"EUR"', "total = "):
        check(want in text, f"crashctl show lacks {want!r}:\n{text[:3000]}")
    got_tags = show["tags"]
    for k, v in tags.items():
        check(got_tags.get(k) == v, f"tag {k}: want {v!r}, got {got_tags.get(k)!r} (all: {got_tags})")
    # Where it came from is crashd's own fact, in its own field: a form
    # field of that name (case_breakpad sends one) is only a tag.
    check(c.get("upload_from") == "127.0.0.1", f"upload_from: {c.get('upload_from')!r}")
    print(f"stored as crash {c['id']}, tags {got_tags}")
    return c


def case_breakpad(tmp):
    _, plain = plain_dump(tmp)
    d, base, port = start(tmp)
    # Exactly the shape of Breakpad's HTTPUpload (libcurl's form), made by curl.
    r = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", "-F", f"upload_file_minidump=@{plain}",
                        "-F", "prod=crashme", "-F", "ver=1.0.3", "-F", "guid=0123456789abcdef",
                        "-F", "ptime=1234", "-F", "upload_from=203.0.113.9", f"http://127.0.0.1:{port}/upload"],
                       capture_output=True, timeout=60)
    out = r.stdout.decode().rsplit("\n", 1)
    check(r.returncode == 0 and out[-1] == "200", f"curl: {r.returncode} {r.stdout!r} {r.stderr!r}")
    check(out[0].strip().endswith(".dmp.zst"), f"the answer names the spool file: {out[0]!r}")
    stored_one(base, {"prod": "crashme", "ver": "1.0.3", "guid": "0123456789abcdef", "ptime": "1234",
                      "upload_from": "203.0.113.9"})
    check(d.alive(), "crashd died")


def crashpad_body(dump, boundary, annotations):
    """As crashpad's HTTPMultipartBuilder writes it."""
    out = b""
    for k, v in annotations.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").encode()
    out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"upload_file_minidump\"; "
            f"filename=\"{secrets.token_hex(8)}.dmp\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    out += dump + f"\r\n--{boundary}--\r\n".encode()
    return out


def case_crashpad(tmp):
    _, plain = plain_dump(tmp)
    d, base, port = start(tmp)
    boundary = "---MultipartBoundary-" + secrets.token_hex(16) + "---"
    with open(plain, "rb") as f:
        body = crashpad_body(f.read(), boundary, {"prod": "crashme_pad", "ver": "2.0", "plat": "Linux",
                                                  "guid": "feedface"})
    status, text = post(port, "/upload", gzip.compress(body),
                        {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Encoding": "gzip",
                         "User-Agent": "Crashpad/0.8.0"})
    check(status == 200, f"HTTP {status}: {text}")
    stored_one(base, {"prod": "crashme_pad", "ver": "2.0", "plat": "Linux", "guid": "feedface"})


def case_zst(tmp):
    zst, _ = plain_dump(tmp)
    with open(zst, "rb") as f:
        data = f.read()
    d, base, port = start(tmp)
    # Raw body.
    status, text = post(port, "/upload", data, {"Content-Type": "application/octet-stream"})
    check(status == 200, f"raw .dmp.zst: HTTP {status}: {text}")
    c = stored_one(base, {})
    # As a multipart part, with annotations: a second (different) file,
    # since the tags change the dump's bytes.
    boundary = "zzz" + secrets.token_hex(8)
    status, text = post(port, "/upload", crashpad_body(data, boundary, {"prod": "zst-part"}),
                        {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    check(status == 200, f"multipart .dmp.zst: HTTP {status}: {text}")
    got = wait_for("the second upload", lambda: [x for x in crashes(A.crashctl, base) if x["id"] != c["id"]],
                   timeout=60)
    show = json.loads(ctl(A.crashctl, "show", "--json", "--dir", base, str(got[0]["id"])))
    check(show["tags"].get("prod") == "zst-part", f"tags {show['tags']}")
    check("tax_rate" in ctl(A.crashctl, "show", "--dir", base, str(got[0]["id"])),
          "no locals in the second upload's report")


def case_token(tmp):
    _, plain = plain_dump(tmp)
    with open(plain, "rb") as f:
        dump = f.read()
    token = secrets.token_hex(16)
    d, base, port = start(tmp, f"upload_token={token}")
    boundary = "tok" + secrets.token_hex(8)
    body = crashpad_body(dump, boundary, {"prod": "tok"})
    ct = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    status, _ = post(port, "/upload", body, ct)
    check(status == 401, f"no token: HTTP {status}, want 401")
    status, _ = post(port, "/upload", body, {**ct, "Authorization": "Bearer wrong" + token})
    check(status == 403, f"wrong token: HTTP {status}, want 403")
    status, _ = post(port, "/upload?token=nope", body, ct)
    check(status == 403, f"wrong ?token=: HTTP {status}, want 403")
    check(crashes(A.crashctl, base) == [], "a refused upload was stored")
    status, text = post(port, "/upload", body, {**ct, "Authorization": f"Bearer {token}"})
    check(status == 200, f"right token: HTTP {status}: {text}")
    status, text = post(port, f"/upload?token={token}", body, {**ct, "X-Anything": "1"})
    check(status == 200, f"right ?token=: HTTP {status}: {text}")
    got = wait_for("two uploads stored", lambda: len(crashes(A.crashctl, base)) == 2, timeout=60)
    text = ctl(A.crashctl, "show", "--dir", base, "1")
    check("prod=tok" in text and "tax_rate" in text, f"report of the upload:\n{text[:2000]}")


def case_refuse(tmp):
    _, plain = plain_dump(tmp)
    with open(plain, "rb") as f:
        dump = f.read()
    d, base, port = start(tmp, "max_upload_size=1M")
    boundary = "lim" + secrets.token_hex(8)
    ct = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    big = crashpad_body(dump + os.urandom(1100 * 1024), boundary, {"prod": "big"})
    status = post_refused(port, "/upload", big, ct)
    check(status in (413, "reset"), f"oversize body: HTTP {status}, want 413")
    # A gzip bomb: 16 MiB of zeros in a few KiB.
    bomb = crashpad_body(b"MDMP" + bytes(16 << 20), boundary, {})
    status, _ = post(port, "/upload", gzip.compress(bomb), {**ct, "Content-Encoding": "gzip"})
    check(status == 413, f"gzip bomb: HTTP {status}, want 413")
    garbage = [
        (b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nno end", ct),
        (os.urandom(2000), ct),
        (b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"prod\"\r\n\r\nx\r\n--"
         + boundary.encode() + b"--\r\n", ct),                                      # no dump part
        (crashpad_body(b"ELF not a dump", boundary, {}), ct),                       # not a minidump
        (b"MDMP" + os.urandom(100), {"Content-Type": "application/octet-stream"}),  # bad directory
        (b"junk", {"Content-Type": "multipart/form-data"}),                          # no boundary
        (b"\x1f\x8b\x08\x00garbage", {**ct, "Content-Encoding": "gzip"}),           # corrupt gzip
    ]
    # A web page's cross-origin form POST (no preflight needed) is refused.
    status, _ = post(port, "/upload", crashpad_body(dump, boundary, {"prod": "web"}),
                     {**ct, "Origin": "http://evil.example"})
    check(status == 403, f"an upload with an Origin: HTTP {status}, want 403")
    for i, (body, headers) in enumerate(garbage):
        status, text = post(port, "/upload", body, headers)
        check(status == 400, f"garbage {i}: HTTP {status}, want 400 ({text})")
    # A request line and headers that are not HTTP at all.
    import socket
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"\x00\xff GARBAGE / HTTP/9.9\r\n" + b"X" * 70000 + b"\r\n\r\n")
    try:
        s.recv(100)
    except OSError:
        pass
    s.close()
    check(d.alive(), f"crashd died:\n{d.text()}")
    check(crashes(A.crashctl, base) == [], "a refused upload was stored")
    status, text = post(port, "/upload", crashpad_body(dump, boundary, {"prod": "ok"}), ct)
    check(status == 200, f"a good upload after the garbage: HTTP {status}: {text}")
    stored_one(base, {"prod": "ok"})
    check(not [n for n in os.listdir(os.path.join(base, "spool")) if n.startswith(".")],
          "temp files left in the spool")


def case_listen(tmp):
    port = free_port()
    base = os.path.join(tmp, "crashd")
    d = Daemon(A.crashd, base, f"http_listen=0.0.0.0:{port}", expect_ready=False)
    try:
        d.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        raise Fail("crashd started on 0.0.0.0 without an upload token")
    check(d.proc.returncode != 0, "crashd exited 0 on a non-loopback listen without a token")
    check("upload_token must be set" in d.text(), f"no reason given:\n{d.text()}")
    r = subprocess.run([A.crashd, "--dir", base, "-o", f"http_listen=[::]:{port}", "--check-config"],
                       capture_output=True, timeout=20)
    check(r.returncode != 0, "--check-config accepted [::] without a token")
    d2 = Daemon(A.crashd, os.path.join(tmp, "crashd2"), f"http_listen=0.0.0.0:{port}",
                "upload_token=" + secrets.token_hex(16))
    check(d2.alive(), "crashd with a token did not start")
    r = subprocess.run([A.crashd, "--dir", base, "-o", "upload_token=hunter2", "--dump-config"],
                       capture_output=True, timeout=20)
    check(b"hunter2" not in r.stdout, "--dump-config prints the upload token")


CASES = {"breakpad": case_breakpad, "crashpad": case_crashpad, "zst": case_zst, "token": case_token,
         "refuse": case_refuse, "listen": case_listen}


def main():
    global A
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=sorted(CASES))
    for opt in ("--crashd", "--crashctl", "--dumper", "--program"):
        p.add_argument(opt, required=True)
    A = p.parse_args()
    if not shutil.which("zstd") or not shutil.which("curl"):
        print("SKIP: needs zstd and curl")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="crashd-upload-")
    try:
        CASES[A.case](tmp)
    except Fail as e:
        print(f"FAIL: {e}")
        for d in Daemon.started:
            print(f"--- {d.log_path}:\n{d.text()[-4000:]}")
        return 1
    finally:
        stop_all()
    shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
