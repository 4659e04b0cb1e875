#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""crashd's web page end to end: a real crashd with its HTTP server on a
free port, a real crash, `crashctl web` for the URL, then web-test.js in
headless Chromium; and the API's per-user sessions: another uid's token
sees none of root's crashes.

usage: run-web.py --crashd P --crashctl P --dumper P --program P --out DIR
Exit 0 pass, 1 fail, 77 skip (no chromium, node or node_modules, unless
CRASHD_REQUIRE_ORACLES=1)."""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "upload"))
from crashd_test import (Daemon, Fail, SKIP, check, clean_env, crash_into, crashes, ctl, free_port,  # noqa: E402
                         stop_all, wait_for)

A = None


def get(port, path, token):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def run(tmp):
    os.chmod(tmp, 0o755)
    port = free_port()
    base = os.path.join(tmp, "crashd")
    d = Daemon(A.crashd, base, f"http_listen=127.0.0.1:{port}", "workers=1")
    crash_into(A.dumper, A.program, base)
    got = wait_for("the crash in crashctl list", lambda: crashes(A.crashctl, base), timeout=60)
    check(len(got) == 1, f"one crash, got {len(got)}")
    root_crash = got[0]

    url = ctl(A.crashctl, "web", "--dir", base).strip()
    check(url.startswith(f"http://127.0.0.1:{port}/#token="), f"crashctl web printed {url!r}")
    token = url.split("#token=", 1)[1]

    # The page in Chromium.
    shot = os.path.join(A.out, "crash-page.png")
    os.makedirs(A.out, exist_ok=True)
    r = subprocess.run(["node", os.path.join(HERE, "web-test.js"), url, shot], capture_output=True,
                       timeout=180, env=clean_env(NODE_MODULES=A.node_modules))
    out = r.stdout.decode(errors="replace")
    check(r.returncode == 0, f"web-test.js: exit {r.returncode}\n{out}\n{r.stderr.decode(errors='replace')[-3000:]}")
    seen = json.loads(out.strip().splitlines()[-1])
    print(f"page: {json.dumps(seen, indent=1)}")
    check(os.path.getsize(shot) > 10000, "the screenshot is empty")
    print(f"screenshot: {shot}")

    # Sessions: root's token sees root's crash; a token without a session,
    # a made-up one, and another user's see nothing of it.
    status, body = get(port, "/api/groups", token)
    check(status == 200 and json.loads(body)["groups"], f"root's groups: {status} {body[:200]}")
    for bad in (None, "0" * 64, token[:-1] + ("0" if token[-1] != "0" else "1")):
        status, _ = get(port, "/api/crashes", bad)
        check(status == 401, f"/api/crashes with token {bad!r}: {status}, want 401")
    if os.geteuid() != 0 or not shutil.which("runuser"):
        print("(not root: the other-uid check is skipped)")
        return
    import pwd
    nobody = pwd.getpwnam("nobody")
    r = subprocess.run(["runuser", "-u", "nobody", "--", A.crashctl, "web", "--token", "--dir", base],
                       capture_output=True, timeout=60, env=clean_env())
    check(r.returncode == 0, f"crashctl web as nobody: {r.stderr.decode(errors='replace')}")
    other = r.stdout.decode().strip()
    check(len(other) == 64 and other != token, f"nobody's token {other!r}")
    status, body = get(port, "/api/session", other)
    check(status == 200 and json.loads(body)["uid"] == nobody.pw_uid, f"nobody's session: {body!r}")
    status, body = get(port, "/api/groups", other)
    check(status == 200 and json.loads(body)["groups"] == [], f"nobody sees groups: {body[:300]!r}")
    status, body = get(port, "/api/crashes", other)
    check(status == 200 and json.loads(body)["crashes"] == [], f"nobody sees crashes: {body[:300]!r}")
    status, body = get(port, f"/api/crashes/{root_crash['id']}", other)
    check(status == 404, f"nobody's show of root's crash: {status} {body[:200]!r}")
    # nobody's own crash: theirs to see, and root sees both.
    crash_into(A.dumper, A.program, base, user="nobody")
    wait_for("nobody's crash", lambda: len(crashes(A.crashctl, base)) == 2, timeout=60)
    status, body = get(port, "/api/crashes", other)
    mine = json.loads(body)["crashes"]
    check(status == 200 and [c["uid"] for c in mine] == [nobody.pw_uid], f"nobody's list: {mine}")
    status, body = get(port, f"/api/crashes/{mine[0]['id']}", other)
    check(status == 200 and "tax_rate" in body.decode(), f"nobody's own crash: {status}")
    frame = json.loads(body)["report"]["threads"][0]["frames"][0]
    readable = subprocess.run(["runuser", "-u", "nobody", "--", "test", "-r",
                               os.path.join(HERE, "..", "..", "examples", "crashme.c")]).returncode == 0
    if readable:
        check("source" in frame, "nobody's crash lacks the source lines nobody can read")
    status, body = get(port, "/api/crashes", token)
    check(len(json.loads(body)["crashes"]) == 2, "root does not see both crashes")

    # Source lines are read as the crash's owner: a source file only root
    # can read shows in root's crash of that program, not in nobody's,
    # whoever looks.
    secret = os.path.join(tmp, "secret")
    bindir = os.path.join(tmp, "bin")
    os.makedirs(secret, mode=0o700)
    os.makedirs(bindir, mode=0o755)
    src = os.path.join(secret, "crashme.c")
    shutil.copy(os.path.join(HERE, "..", "..", "examples", "crashme.c"), src)
    os.chmod(src, 0o600)
    prog = os.path.join(bindir, "secretcrash")
    r = subprocess.run(["cc", "-g", "-O0", "-fno-omit-frame-pointer", "-pthread", "-o", prog, src],
                       capture_output=True, timeout=120)
    check(r.returncode == 0, f"cc: {r.stderr.decode(errors='replace')}")
    os.chmod(prog, 0o755)
    crash_into(A.dumper, prog, base)
    crash_into(A.dumper, prog, base, user="nobody")
    wait_for("the secret crashes", lambda: len(crashes(A.crashctl, base)) == 4, timeout=60)
    by_uid = {c["uid"]: c for c in crashes(A.crashctl, base) if c["program"] == "secretcrash"}
    check(set(by_uid) == {0, nobody.pw_uid}, f"secretcrash crashes by uid: {by_uid}")
    for uid, want in ((0, True), (nobody.pw_uid, False)):
        status, body = get(port, f"/api/crashes/{by_uid[uid]['id']}", token)
        frame = json.loads(body)["report"]["threads"][0]["frames"][0]
        check(frame.get("file") == src, f"frame #0 file {frame.get('file')!r}")
        check(("source" in frame) == want,
              f"uid {uid}'s crash: source {'missing' if want else 'shown'} for a file only root can read")
    print("source lines: shown for root's crash, withheld from nobody's")

    # Sessions are capped per uid (8): root's ninth pushes out root's
    # oldest, never another user's.
    fresh = [ctl(A.crashctl, "web", "--token", "--dir", base).strip() for _ in range(8)]
    check(get(port, "/api/session", token)[0] == 401, "root's oldest session survived 8 newer ones")
    check(all(get(port, "/api/session", t)[0] == 200 for t in fresh), "a new root session does not work")
    check(get(port, "/api/session", other)[0] == 200, "root's sessions pushed out nobody's")
    check(d.alive(), "crashd died")


def main():
    global A
    p = argparse.ArgumentParser()
    for opt in ("--crashd", "--crashctl", "--dumper", "--program", "--out"):
        p.add_argument(opt, required=True)
    p.add_argument("--node-modules", default=os.path.join(HERE, "..", "node_modules"))
    A = p.parse_args()
    missing = [w for w, ok in (("/usr/bin/chromium", os.access("/usr/bin/chromium", os.X_OK)),
                               ("node", shutil.which("node")),
                               ("tests/node_modules/playwright-core",
                                os.path.isdir(os.path.join(A.node_modules, "playwright-core"))))
               if not ok]
    if missing:
        msg = f"needs {', '.join(missing)} (scripts/install-deps.sh --with-test-tools)"
        if os.environ.get("CRASHD_REQUIRE_ORACLES") == "1":
            print(f"FAIL: {msg}")
            return 1
        print(f"SKIP: {msg}")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="crashd-web-")
    try:
        run(tmp)
    except Fail as e:
        print(f"FAIL: {e}")
        for dmn in Daemon.started:
            print(f"--- {dmn.log_path}:\n{dmn.text()[-4000:]}")
        return 1
    finally:
        stop_all()
    shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
