#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""crashctl as coredumpctl's users expect it (issue 11), against the real
daemon and real crashes: MATCHes in every command that takes one, list's
filters, options before and after, exit statuses, the pager only on a
terminal, status up and down, show's header.

usage: run-crashctl.py CASE --crashd P --crashctl P --dumper P --program P
                       --threads-program P
--threads-program is tests/crash/crashme, whose mode 'threads' dies in a
thread named crasher-N and whose mode 'requested' leaves a tag and a
breadcrumb. Exit 0 pass, 1 fail."""
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from testkit import Fail, check, clean_env, wait_for  # noqa: E402

import e2ekit  # noqa: E402
from e2ekit import Daemon, crash, ctl, crashes, new_base  # noqa: E402

A = None
nobody = pwd.getpwnam("nobody")


def run_threads_program(base, mode, link=None, env_extra=None):
    """tests/crash/crashme MODE under the preload (through the symlink
    link when given, which names the process); its pid."""
    env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=os.path.join(base, "spool"),
                    CRASHD_SOCKET=os.path.join(base, "notify.sock"))
    env.update(env_extra or {})
    p = subprocess.Popen([link or A.threads_program, mode], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    p.wait(timeout=60)
    return p.pid


def world(tmp):
    """A daemon holding five crashes: root's crashme twice (the second
    tagged shop=eu), nobody's crashme once, root's crashme 'threads' run
    as 'renamed' (a symlink: the process is 'renamed', its executable
    crashme, the crashing thread crasher-N), root's 'requested' dump."""
    os.chmod(tmp, 0o755)        # nobody crashes into the spool and asks the API
    base = new_base(tmp)
    d = Daemon(base)
    pids = {}
    pids["first"] = crash(base)
    pids["tagged"] = crash(base, env_extra={"CRASHD_TAGS": "shop=eu,tier=gold"})
    pids["nobody"] = crash(base, user="nobody")
    link = os.path.join(tmp, "renamed")
    os.symlink(os.path.realpath(A.threads_program), link)
    pids["threads"] = run_threads_program(base, "threads", link)
    pids["requested"] = run_threads_program(base, "requested")
    got = wait_for("five crashes stored", lambda: (lambda c: c if len(c) == 5 else None)(crashes(base)))
    by_pid = {c["pid"]: c for c in got}
    check(set(by_pid) == set(pids.values()), f"stored pids {sorted(by_pid)}, crashed {pids}")
    return base, d, {k: by_pid[v] for k, v in pids.items()}


def ids(base, *args, user=None):
    return [c["id"] for c in crashes(base, *args, user=user)]


def fails(args, code, text, user=None):
    r = ctl(*args, user=user, ok=(code,), binary=True)
    check(text.encode() in r.stderr, f"crashctl {' '.join(args)}: stderr {r.stderr!r}, wanted {text!r}")


def case_matches(tmp):
    base, d, c = world(tmp)
    exe = c["first"]["executable"]
    threads_exe = c["threads"]["executable"]
    everything = ids(base)

    # Sorted by crash time, oldest first; -r newest first; -n the newest N.
    times = [x["time_ns"] for x in crashes(base)]
    check(times == sorted(times), f"list is not by crash time: {times}")
    check(ids(base, "-r") == everything[::-1], "-r")
    check(ids(base, "-n", "2") == everything[-2:], "-n 2")
    check(ids(base, "-1") == everything[-1:], "-1")

    # Every MATCH form, in list.
    forms = {
        str(c["tagged"]["id"]): [c["tagged"]["id"]],                       # an ID
        f"ID={c['first']['id']}": [c["first"]["id"]],
        f"PID={c['nobody']['pid']}": [c["nobody"]["id"]],
        "COMM=renamed": [c["threads"]["id"]],                             # the process, not crasher-N
        f"EXE={threads_exe}": [c["threads"]["id"], c["requested"]["id"]],
        exe: [c["first"]["id"], c["tagged"]["id"], c["nobody"]["id"]],    # a path
        f"SIGNATURE={c['first']['signature']}": [c["first"]["id"], c["tagged"]["id"], c["nobody"]["id"]],
        f"GROUP={c['threads']['group']}": [c["threads"]["id"]],
        f"BUILD_ID={c['first']['build_id']}": [c["first"]["id"], c["tagged"]["id"], c["nobody"]["id"]],
        "renamed": [c["threads"]["id"]],                                  # a bare name
    }
    for m, want in forms.items():
        check(ids(base, m) == want, f"list {m}: {ids(base, m)}, wanted {want}")
    # A bare number that is no crash's ID is a PID.
    pid = c["nobody"]["pid"]
    if pid not in everything:
        check(ids(base, str(pid)) == [c["nobody"]["id"]], f"list {pid} (a PID)")
    # All MATCHes must hold.
    check(ids(base, exe, "COMM=renamed") == [], "two MATCHes that exclude each other")

    # List's filters.
    check(ids(base, "--tag", "shop=eu") == [c["tagged"]["id"]], "--tag shop=eu")
    check(ids(base, "--tag", "tier") == [c["tagged"]["id"]], "--tag tier")
    check(ids(base, "--tag", "shop=us") == [], "--tag shop=us")
    check(ids(base, "--build-id", c["threads"]["build_id"]) == [c["threads"]["id"], c["requested"]["id"]],
          "--build-id")
    check(ids(base, "--group", str(c["first"]["group"])) == [c["first"]["id"], c["tagged"]["id"], c["nobody"]["id"]],
          "--group")
    check(ids(base, "-u", "nobody") == [c["nobody"]["id"]], "-u nobody")
    check(ids(base, "-u", str(nobody.pw_uid)) == [c["nobody"]["id"]], "-u UID")
    check(ids(base, "-u", "root") == [x for x in everything if x != c["nobody"]["id"]], "-u root")
    check(ids(base, "--signal", "SEGV") == [x for x in everything if x != c["requested"]["id"]], "--signal SEGV")
    check(ids(base, "--since", "today") == everything, "--since today")
    check(ids(base, "--since", "tomorrow") == [], "--since tomorrow")
    check(ids(base, "--until", "yesterday") == [], "--until yesterday")
    check(ids(base, "--until", "now") == everything, "--until now")
    mid = c["nobody"]["time_ns"]
    check(ids(base, "--until", "@%d" % (mid // 10**9)) ==
          [x["id"] for x in crashes(base) if x["time_ns"] < (mid // 10**9) * 10**9], "--until @EPOCH")
    # Options after the MATCHes, and mixed.
    check(ids(base, exe, "-n", "1") == [c["nobody"]["id"]], "MATCH then -n 1")

    # The table: PROGRAM is the executable's name, not the crashing thread's.
    table = ctl("list", "--dir", base).splitlines()
    row = [line for line in table if line.split()[0] == str(c["threads"]["id"])]
    # ID, TIME (four words), PID, UID, SIG, PROGRAM, SIGNATURE
    check(row and row[0].split()[8] == "crashme", f"the threads crash's PROGRAM: {row}")
    check(c["threads"]["program"] == "renamed", f"stored program {c['threads']['program']!r}")
    check(table[0].split()[0] == "ID", "the legend")
    nolegend = ctl("list", "--dir", base, "--no-legend").splitlines()
    check(nolegend == table[1:], "--no-legend: the same rows without the legend")

    # No match: a message and exit 1, as coredumpctl; quiet with -q.
    fails(["list", "--dir", base, "COMM=nosuch"], 1, "No crash matches.")
    r = ctl("list", "--dir", base, "COMM=nosuch", "-q", ok=(1,), binary=True)
    check(r.stderr == b"" and r.stdout == b"", f"-q: {r.stderr!r}")
    for cmd in (["show"], ["info"], ["symbolicate"], ["dump", "-o", os.path.join(tmp, "x")]):
        fails(cmd + ["--dir", base, "COMM=nosuch"], 1, "no crash matches 'COMM=nosuch'")
    fails(["show", "--dir", base, "NOSUCH=1"], 2, "'NOSUCH=' is not a field")
    fails(["show", "--dir", base, "PID=x"], 2, "expected a positive number")

    # Single-crash commands: the newest match; options before or after;
    # none means the newest; -1 too.
    newest = everything[-1]
    for args in ([], ["-1"]):
        text = ctl("show", "--dir", base, *args)
        check(text.startswith(f"ID:         {newest}\n"), f"show {args}: {text[:80]!r}")
    text = ctl("show", exe, "--dir", base)
    check(text.startswith(f"ID:         {c['nobody']['id']}\n"), f"show PATH --dir: {text[:80]!r}")
    out = os.path.join(tmp, "t.dmp.zst")
    ctl("dump", "COMM=renamed", "--dir", base, "-o", out)
    check(e2ekit.sha256(out) == c["threads"]["sha256"], "dump COMM=renamed: not the stored bytes")
    info = json.loads(ctl("info", "--json", "--dir", base, f"PID={c['tagged']['pid']}"))
    check(info["process"]["pid"] == c["tagged"]["pid"] and info["tags"].get("shop") == "eu", f"info PID=: {info['process']}")
    check(info["file"]["path"] == f"crash {c['tagged']['id']}", f"info's file: {info['file']}")
    rep = json.loads(ctl("symbolicate", "--format", "json", f"ID={c['threads']['id']}", "--dir", base))
    check(rep["crash"]["pid"] == c["threads"]["pid"], "symbolicate ID=")
    check(ctl("symbolicate", out) == ctl("symbolicate", "--dir", base, str(c["threads"]["id"])),
          "symbolicate of the stored crash and of its dump file differ")

    # show's header: tags and breadcrumbs, levels by name.
    text = ctl("show", "--dir", base, str(c["requested"]["id"]))
    head = text.split("\n\n")
    check("Tags (1):\n  case = requested" in text, f"show: no tags:\n{text[:800]}")
    check(any(line.startswith("  ") and " info    about to write a dump" in line for line in text.splitlines()),
          f"show: no breadcrumb with its level:\n{text[:800]}")
    check(f"Signature:  {c['requested']['signature']} (group {c['requested']['group']})" in head[0], "signature line")
    check("\nUID:        0 (root)\n" in head[0], f"show's UID line:\n{head[0]}")
    rep = json.loads(ctl("show", "--json", "--dir", base, str(c["requested"]["id"])))
    check([(b["level"], b["message"]) for b in rep["breadcrumbs"]] == [("info", "about to write a dump")],
          f"show --json breadcrumbs: {rep.get('breadcrumbs')}")

    # Another user's crashes are not there for nobody, by any MATCH.
    check(ids(base, user="nobody") == [c["nobody"]["id"]], "nobody's list")
    check(ids(base, "-u", "root", user="nobody") == [], "nobody's list -u root")
    for m in (str(c["first"]["id"]), f"ID={c['first']['id']}", f"PID={c['first']['pid']}", "COMM=renamed",
              f"EXE={threads_exe}"):
        fails(["show", "--dir", base, m], 1, "no crash matches", user="nobody")
        fails(["dump", "--dir", base, m, "-o", "/dev/null"], 1, "no crash matches", user="nobody")
    text = ctl("show", "--dir", base, user="nobody")
    check(text.startswith(f"ID:         {c['nobody']['id']}\n"), "nobody's newest is their own")

    # The same answers from the database when the daemon is down.
    online = {m: ids(base, m) for m in forms}
    check(d.stop() == 0, "crashd did not exit 0")
    for m, want in online.items():
        check(ids(base, m) == want, f"offline list {m}: {ids(base, m)}, online {want}")
    check(ctl("show", "--dir", base, "COMM=renamed").startswith(f"ID:         {c['threads']['id']}\n"), "offline show")


def case_status(tmp):
    base, d, c = world(tmp)
    st = json.loads(ctl("status", "--json", "--dir", base))
    check(st["running"] is True and st["version"] and st["pid"] == d.proc.pid, f"status: {st}")
    check(st["store"]["crashes"] == 5 and st["store"]["groups"] >= 3, f"status store: {st['store']}")
    check("forward" in st and "last_error" in st, "root's status lacks the outbox or the last error")
    text = ctl("status", "--dir", base)
    check(text.startswith("crashd ") and ": running, pid %d" % d.proc.pid in text and "Store:      5 crashes" in text,
          f"status:\n{text}")
    mine = json.loads(ctl("status", "--json", "--dir", base, user="nobody"))
    check(mine["store"]["crashes"] == 1, f"nobody's status counts {mine['store']}")
    check("forward" not in mine and "last_error" not in mine, f"nobody sees the outbox or the last error: {mine}")

    check(d.stop() == 0, "crashd did not exit 0")
    r = ctl("status", "--dir", base, ok=(3,), binary=True)
    check(b"not running" in r.stdout and b"5 crashes" in r.stdout, f"status down: {r.stdout!r}")
    down = json.loads(ctl("status", "--json", "--dir", base, ok=(3,)))
    check(down["running"] is False and down["store"]["crashes"] == 5, f"status --json down: {down}")
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    r = ctl("status", "--dir", empty, ok=(3,), binary=True)
    check(b"not running" in r.stdout, f"status with nothing: {r.stdout!r}")


def under_tty(args, env):
    """crashctl ARGS on a terminal: script(1) gives it a pty."""
    cmd = " ".join("'" + a.replace("'", "'\\''") + "'" for a in [A.crashctl] + args)
    return subprocess.run(["script", "-qec", cmd, "/dev/null"], env=env, capture_output=True, timeout=60)


def case_pager(tmp):
    base, d, c = world(tmp)
    seen = os.path.join(tmp, "pager-saw")
    pager = f"echo \"LESS=$LESS\" > {seen}.env; cat > {seen}"
    env = clean_env(CRASHCTL_PAGER=pager)
    for args in (["list", "--dir", base], ["show", "--dir", base]):
        for f in (seen, seen + ".env"):
            if os.path.exists(f):
                os.unlink(f)
        r = under_tty(args, env)
        check(r.returncode == 0, f"{args} on a tty: exit {r.returncode}: {r.stderr!r}")
        check(os.path.exists(seen), f"{args} on a tty: the pager did not run")
        want = ctl(*args)
        check(open(seen).read() == want, f"{args}: the pager got other text than the pipe")
        check(open(seen + ".env").read() == "LESS=FRSXMK\n", f"{args}: the pager's LESS")
        os.unlink(seen)
        r = under_tty(args + ["--no-pager"], env)
        check(r.returncode == 0 and not os.path.exists(seen), f"{args} --no-pager ran the pager")
        r = subprocess.run([A.crashctl] + args, env=env, capture_output=True, timeout=60)
        check(r.returncode == 0 and not os.path.exists(seen), f"{args} into a pipe ran the pager")
    # $PAGER when there is no $CRASHCTL_PAGER; cat: none; $LESS kept.
    r = under_tty(["list", "--dir", base], clean_env(PAGER=f"cat > {seen}", LESS="R"))
    check(os.path.exists(seen), "$PAGER was not used")
    os.unlink(seen)
    r = under_tty(["list", "--dir", base], clean_env(CRASHCTL_PAGER="cat", PAGER=f"cat > {seen}"))
    check(r.returncode == 0 and not os.path.exists(seen) and b"PROGRAM" in r.stdout,
          "CRASHCTL_PAGER=cat: the output should reach the terminal directly")
    # A pager that quits at once: crashctl ends quietly, exit 0.
    r = under_tty(["list", "--dir", base], clean_env(CRASHCTL_PAGER="true"))
    check(r.returncode == 0 and b"cannot write" not in r.stdout, f"a pager that quits: {r.returncode} {r.stdout!r}")


def gdb_run(base, tmp, *args, user=None, ok=(0,)):
    """crashctl gdb in batch mode, its temporary directory under tmp/t."""
    t = os.path.join(tmp, "t")
    os.makedirs(t, exist_ok=True)
    os.chmod(t, 0o1777)
    env = clean_env(TMPDIR=t, XDG_RUNTIME_DIR="")
    env.pop("CRASHCTL_DEBUGGER", None)
    cmd = [A.crashctl, "gdb", "--dir", base, *args]
    if user:
        cmd = ["runuser", "-u", user, "--"] + cmd
    r = subprocess.run(cmd, env=env, capture_output=True, timeout=180)
    check(r.returncode in ok, f"crashctl gdb {args}: exit {r.returncode}:\n{r.stdout.decode()[-2000:]}\n"
                              f"{r.stderr.decode()[-2000:]}")
    check(os.listdir(t) == [], f"crashctl gdb left {os.listdir(t)} behind")
    return r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


BATCH = '-batch -nx -iex "set debuginfod enabled off" -ex "bt full"'


def frame_lines(text):
    """The '#N  ...' lines of the last backtrace in text, addresses and
    all (gdb prints frame #0 once on its own when it loads the core)."""
    lines = [line.strip() for line in text.splitlines() if line.startswith("#")]
    starts = [i for i, line in enumerate(lines) if line.startswith("#0 ")]
    return lines[starts[-1]:] if starts else []


def case_gdb(tmp):
    if not shutil.which("gdb"):
        raise Fail("gdb is not installed (scripts/install-deps.sh)")
    base, d, c = world(tmp)
    # gdb at the crash: the crashing thread's frames, with the values
    # symbolicate prints (the same text: both follow gdb's bt full).
    out, err = gdb_run(base, tmp, f"ID={c['first']['id']}", "-A", BATCH)
    report = ctl("show", "--dir", base, str(c["first"]["id"]))
    thread1 = report.split("\n\nThread ")[1]
    want = frame_lines(thread1)[:3]
    got = frame_lines(out)[:3]
    check(want and got == want, f"gdb's frames {got}\nsymbolicate's {want}\n{out[-1500:]}\n{err[-800:]}")
    check("tax_rate=0.20000000000000001" in out and 'currency = ' in out, f"gdb's bt full:\n{out[-1500:]}")
    check("Program terminated with signal SIGSEGV" in out, f"gdb's header:\n{out[:1500]}")
    # Options after the MATCH; 'debug' is the same command; a dump file too.
    out2, _ = gdb_run(base, tmp, "-A", BATCH, "COMM=renamed")
    check("crash_together" in out2 and "crasher_main" in out2, f"gdb COMM=renamed:\n{out2[-1500:]}")
    dump = os.path.join(tmp, "first.dmp.zst")
    ctl("dump", "--dir", base, str(c["first"]["id"]), "-o", dump)
    out3, _ = gdb_run(base, tmp, dump, "-A", BATCH)
    check(frame_lines(out3)[:3] == want, "gdb on the dump file differs from gdb on the stored crash")
    r = subprocess.run([A.crashctl, "debug", "--help"], capture_output=True, timeout=30)
    check(r.returncode == 0 and b"crashctl gdb" in r.stdout, "crashctl debug --help")

    # Binaries found by build-id in a debug directory, the original gone.
    prog_dir = os.path.join(tmp, "prog")
    os.makedirs(prog_dir)
    os.chmod(prog_dir, 0o755)
    prog = os.path.join(prog_dir, "moved-crashme")
    shutil.copy(A.program, prog)
    env = clean_env(LD_PRELOAD=A.dumper, CRASHD_DUMP_DIR=os.path.join(base, "spool"),
                    CRASHD_SOCKET=os.path.join(base, "notify.sock"))
    p = subprocess.run([prog], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    check(p.returncode == -signal.SIGSEGV, f"moved-crashme: {p.returncode}")
    wait_for("the moved program's crash", lambda: ids(base, "COMM=moved-crashme"))
    # (symbolicate looks below a debug dir for a file of the module's
    # name, and checks its build-id)
    debug_dir = os.path.join(tmp, "debug")
    os.makedirs(os.path.join(debug_dir, "builds", "v1"))
    shutil.move(prog, os.path.join(debug_dir, "builds", "v1", "moved-crashme"))
    out4, err4 = gdb_run(base, tmp, "COMM=moved-crashme", "-A", BATCH, ok=(0, 1))
    check("charge (" not in out4, f"gdb found symbols with the program gone:\n{out4[-800:]}")
    out5, err5 = gdb_run(base, tmp, "COMM=moved-crashme", "--debug-dir", debug_dir, "-A", BATCH)
    check("charge (o=" in out5 and "tax_rate=0.20000000000000001" in out5,
          f"gdb with --debug-dir:\n{out5[-1500:]}\n{err5[-800:]}")

    # Another user's crash: refused like every other command; their own works.
    for m in (str(c["first"]["id"]), "COMM=renamed"):
        _, err = gdb_run(base, tmp, m, "-A", BATCH, user="nobody", ok=(1,))
        check("no crash matches" in err, f"nobody's gdb of root's crash: {err}")
    out6, _ = gdb_run(base, tmp, "-A", BATCH, user="nobody")
    check("charge (o=" in out6, f"nobody's own crash in gdb:\n{out6[-1500:]}")

    # lldb reads the exported core too, through the same command.
    lldb = shutil.which("lldb-14") or shutil.which("lldb")
    if not lldb:
        raise Fail("lldb-14 is not installed (scripts/install-deps.sh)")
    out7, err7 = gdb_run(base, tmp, f"ID={c['first']['id']}", "--debugger", lldb, "-A", "--batch -o 'bt all'")
    for fn in ("charge", "checkout", "process", "main"):
        check(f"`{fn}" in out7, f"lldb's bt all lacks {fn}:\n{out7[-2000:]}\n{err7[-800:]}")


CASES = {
    "matches": case_matches,
    "status": case_status,
    "pager": case_pager,
    "gdb": case_gdb,
}


def set_args(a):
    global A
    A = a


def main():
    return e2ekit.run_main(CASES, "crashd-crashctl", ("--threads-program",), set_args)


if __name__ == "__main__":
    sys.exit(main())
