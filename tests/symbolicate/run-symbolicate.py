#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/symbolicate/run-symbolicate.py: `crashctl symbolicate` on real
crashes of symbcrash, preloaded with the dumper.

  modules     files found by build-id only: a .build-id debug dir, a plain
              tree with a stripped binary and its .gnu_debuglink file, a
              debug file alone, and a rebuilt binary at the dump's path
              (refused, with the reason)
  debuginfod  the same files served by a local debuginfod started here;
              and a server that never answers, given up on in time
  eustack     frames of one crash compared with `eu-stack -i -s` on the
              kernel's core file of that same crash (changes core_pattern
              for its duration: run alone)
  formats     JSON fields and masking; the Sentry event checked by Sentry's
              event schema (ajv) and parsed by @sentry/core (node oracles
              in tests/node_modules)

Exit 77 is a skip. CRASHD_REQUIRE_ORACLES=1 turns a missing oracle (node
modules, eu-stack, debuginfod) into a failure; CRASHD_KEEP_TMP=1 keeps the
work folder."""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from testkit import core_pattern_set, core_pattern_writable  # noqa: E402

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, 'symbcrash.c')


class Skip(Exception):
    pass


def need(cond, what):
    """A missing oracle: a skip, or a failure under CRASHD_REQUIRE_ORACLES=1."""
    if cond:
        return
    if os.environ.get('CRASHD_REQUIRE_ORACLES') == '1':
        raise AssertionError(f'oracle missing: {what}')
    raise Skip(what)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def crash_line():
    with open(SOURCE) as f:
        for n, line in enumerate(f, 1):
            if 'CRASH-HERE' in line and '*null_ptr' in line:
                return n
    raise AssertionError('no CRASH-HERE line in symbcrash.c')


def crash(a, work, program, args=('3',), core_dir=None):
    """Runs a copy of program at work/run/NAME under the dumper; returns
    (dump, program copy, pid)."""
    run_dir = os.path.join(work, 'run')
    dump_dir = os.path.join(work, 'dumps')
    os.makedirs(run_dir, exist_ok=True)
    os.makedirs(dump_dir, exist_ok=True)
    exe = os.path.join(run_dir, 'symbcrash')
    shutil.copy2(program, exe)
    # CRASHD_WAIT: the dump is in place when the program has exited.
    env = dict(os.environ, LD_PRELOAD=a.dumper, CRASHD_DUMP_DIR=dump_dir, CRASHD_WAIT='1')

    def limits():
        if core_dir:
            resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    before = set(os.listdir(dump_dir))
    p = subprocess.run([exe, *args], env=env, cwd=work, preexec_fn=limits,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    check(p.returncode == -signal.SIGSEGV, f'symbcrash exited {p.returncode}: {p.stderr.decode()}')
    new = sorted(set(os.listdir(dump_dir)) - before)
    check(len(new) == 1, f'expected one new dump, got {new}')
    dump = os.path.join(dump_dir, new[0])
    m = re.search(r'\.(\d+)\.\d+\.\d+\.dmp', new[0])
    return dump, exe, int(m.group(1)) if m else None


def symbolicate(a, dump, *opts, env=None, fmt='json', timeout=120):
    cmd = [a.crashctl, 'symbolicate', '--format', fmt, *opts, dump]
    p = subprocess.run(cmd, env=env if env is not None else os.environ, capture_output=True, timeout=timeout)
    check(p.returncode == 0, f'{cmd} exited {p.returncode}: {p.stderr.decode()}')
    out = p.stdout.decode()
    return json.loads(out) if fmt in ('json', 'sentry') else out


def build_id_of(path):
    out = subprocess.run(['readelf', '-n', path], capture_output=True, text=True, check=True).stdout
    m = re.search(r'Build ID: ([0-9a-f]+)', out)
    check(m, f'{path} has no build-id')
    return m.group(1)


def module(j, name_end):
    for m in j['modules']:
        if m['name'].endswith(name_end):
            return m
    raise AssertionError(f'no module {name_end} in {[m["name"] for m in j["modules"]]}')


def crashed_frames(j):
    t = [t for t in j['threads'] if t['crashed']]
    check(len(t) == 1 and t is not None, 'no single crashed thread')
    check(j['threads'][0]['crashed'], 'the crashed thread is not first')
    return t[0]['frames']


def expect_symbolicated(j, how):
    """Frame 0 is the NULL store in store_inner (-O0), inlined into
    store_outer and check_login, at the CRASH-HERE line."""
    f = crashed_frames(j)
    names = [x['function'] for x in f[:3]]
    check(names == ['store_inner', 'store_outer', 'check_login'], f'{how}: frames {names}')
    check(f[0]['inlined'] and f[1]['inlined'] and not f[2]['inlined'], f'{how}: inline flags')
    check(f[0]['file'] and f[0]['file'].endswith('symbcrash.c'), f'{how}: file {f[0]["file"]}')
    check(f[0]['line'] == crash_line(), f'{how}: line {f[0]["line"]}, want {crash_line()}')
    check(len({x['pc'] for x in f[:3]}) == 1, f'{how}: inlined frames share the pc')


def split_debug(exe, out_dir):
    """A stripped copy of exe with a .gnu_debuglink to NAME.debug, and that
    debug file, in out_dir."""
    need(shutil.which('objcopy'), 'objcopy')
    os.makedirs(out_dir, exist_ok=True)
    base = os.path.basename(exe)
    debug = os.path.join(out_dir, base + '.debug')
    stripped = os.path.join(out_dir, base)
    subprocess.run(['objcopy', '--only-keep-debug', exe, debug], check=True)
    subprocess.run(['objcopy', '--strip-debug', '--add-gnu-debuglink=' + debug, exe, stripped], check=True)
    return stripped, debug


def cmd_modules(a, work):
    dump, exe, _ = crash(a, work, a.program)
    bid = build_id_of(exe)
    j = symbolicate(a, dump, '--no-system-debug')
    m = module(j, '/run/symbcrash')
    check(m['build_id'] == bid and m['elf_path'] == exe and m['problem'] is None, f'in place: {m}')
    expect_symbolicated(j, 'in place')

    stripped, debug = split_debug(exe, os.path.join(work, 'split'))
    os.unlink(exe)      # the binary is gone from the path in the dump
    check(build_id_of(stripped) == bid, 'objcopy kept the build-id')

    # 1. A debug dir in .build-id layout: stripped binary + debug file.
    bdir = os.path.join(work, 'bid', '.build-id', bid[:2])
    os.makedirs(bdir)
    shutil.copy2(stripped, os.path.join(bdir, bid[2:]))
    shutil.copy2(debug, os.path.join(bdir, bid[2:] + '.debug'))
    j = symbolicate(a, dump, '--no-system-debug', '--debug-dir', os.path.join(work, 'bid'))
    m = module(j, '/run/symbcrash')
    check(m['elf_path'] == os.path.join(bdir, bid[2:]), f'build-id dir: elf {m}')
    check(m['debug_path'] == os.path.join(bdir, bid[2:] + '.debug'), f'build-id dir: debug {m}')
    check(m['problem'] is None, f'build-id dir: {m}')
    expect_symbolicated(j, 'build-id dir')
    check(all(f['trust'] in ('context', 'cfi') for f in crashed_frames(j)[:4]), 'CFI from the stripped binary')

    # 2. A plain tree: found by file name, debug file by .gnu_debuglink.
    pdir = os.path.join(work, 'plain', 'a', 'b')
    os.makedirs(pdir)
    shutil.copy2(stripped, pdir)
    shutil.copy2(debug, pdir)
    j = symbolicate(a, dump, '--no-system-debug', '--debug-dir', os.path.join(work, 'plain'))
    m = module(j, '/run/symbcrash')
    check(m['elf_path'] == os.path.join(pdir, 'symbcrash'), f'plain tree: elf {m}')
    check(m['debug_path'] == os.path.join(pdir, 'symbcrash.debug'), f'plain tree: debug {m}')
    expect_symbolicated(j, 'plain tree')

    # 3. Only the debug file: names and lines still work; unwinding through
    # the module falls back to frame pointers (.eh_frame is NOBITS there).
    odir = os.path.join(work, 'only', '.build-id', bid[:2])
    os.makedirs(odir)
    shutil.copy2(debug, os.path.join(odir, bid[2:] + '.debug'))
    j = symbolicate(a, dump, '--no-system-debug', '--debug-dir', os.path.join(work, 'only'))
    m = module(j, '/run/symbcrash')
    check(m['elf_path'] == os.path.join(odir, bid[2:] + '.debug'), f'debug only: {m}')
    expect_symbolicated(j, 'debug only')

    # 4. A rebuilt binary at the dump's path (and in a debug dir): refused.
    shutil.copy2(a.other, exe)
    other_bid = build_id_of(exe)
    check(other_bid != bid, 'the other build has another build-id')
    mdir = os.path.join(work, 'mismatch')
    os.makedirs(mdir)
    shutil.copy2(a.other, os.path.join(mdir, 'symbcrash'))
    j = symbolicate(a, dump, '--no-system-debug', '--debug-dir', mdir)
    m = module(j, '/run/symbcrash')
    check(m['elf_path'] is None and m['debug_path'] is None, f'mismatch used a file: {m}')
    check(m['problem'] and 'build-id mismatch' in m['problem'] and other_bid in m['problem'] and bid in m['problem'],
          f'mismatch problem: {m["problem"]}')
    f0 = crashed_frames(j)[0]
    check(f0['function'] is None and f0['file'] is None and f0['vars'] == [], f'mismatch frame 0: {f0}')
    text = symbolicate(a, dump, '--no-system-debug', fmt='text')
    check('build-id mismatch' in text, 'the text header names the refused module')

    # 5. clang writes no .debug_aranges, where libdw 0.188's CU lookup finds
    # nothing: the per-file CU range table must.
    clang = shutil.which('clang')
    if clang:
        cwork = os.path.join(work, 'clang')
        os.makedirs(cwork)
        prog = os.path.join(cwork, 'symbcrash-clang')
        subprocess.run([clang, '-O0', '-g', '-pthread', '-o', prog, SOURCE], check=True, capture_output=True)
        sections = subprocess.run(['readelf', '-SW', prog], capture_output=True, text=True).stdout
        check('.debug_aranges' not in sections, 'clang wrote .debug_aranges: the case is not tested')
        cdump, _, _ = crash(a, cwork, prog)
        expect_symbolicated(symbolicate(a, cdump, '--no-system-debug'), 'clang, no .debug_aranges')
        print('modules: build-id dir, plain tree, debug only, mismatch, clang without aranges: OK')
    else:
        print('modules: build-id dir, plain tree, debug only, mismatch: OK (no clang: aranges fallback not checked)')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_http(url, deadline):
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except Exception:
            time.sleep(0.05)
    return False


def cmd_debuginfod(a, work):
    need(shutil.which('debuginfod'), 'debuginfod')
    dump, exe, _ = crash(a, work, a.program)
    bid = build_id_of(exe)
    files = os.path.join(work, 'files')
    split_debug(exe, files)
    os.unlink(exe)
    port = free_port()
    log = open(os.path.join(work, 'debuginfod.log'), 'w')
    # -F: scan files; -t 0 -g 0: no rescans, no grooming; fresh database.
    server = subprocess.Popen(['debuginfod', '-F', '-p', str(port), '-d', os.path.join(work, 'db.sqlite'),
                               '-t', '0', '-g', '0', '-c', '1', files], stdout=log, stderr=log)
    silent = socket.socket()
    held = []
    try:
        # Readiness through plain HTTP: a client lookup would cache the
        # early misses (cache_miss_s) and poison the test.
        ok = wait_http(f'http://127.0.0.1:{port}/buildid/{bid}/debuginfo', time.time() + 60)
        check(ok, 'debuginfod did not serve the debug file within 60 s')
        env = dict(os.environ, DEBUGINFOD_URLS=f'http://127.0.0.1:{port}',
                   DEBUGINFOD_CACHE_PATH=os.path.join(work, 'cache'))
        j = symbolicate(a, dump, '--no-system-debug', env=env)
        m = module(j, '/run/symbcrash')
        cache = os.path.join(work, 'cache')
        check(m['elf_path'] and m['elf_path'].startswith(cache), f'debuginfod executable: {m}')
        check(m['debug_path'] and m['debug_path'].startswith(cache), f'debuginfod debuginfo: {m}')
        expect_symbolicated(j, 'debuginfod')

        # A server that accepts and never answers: crashctl must give up
        # at --debuginfod-timeout, not at debuginfod's own 90 s.
        silent.bind(('127.0.0.1', 0))
        silent.listen(16)

        def hold():
            while True:
                try:
                    held.append(silent.accept()[0])
                except OSError:
                    return
        threading.Thread(target=hold, daemon=True).start()
        env = dict(os.environ, DEBUGINFOD_URLS=f'http://127.0.0.1:{silent.getsockname()[1]}',
                   DEBUGINFOD_CACHE_PATH=os.path.join(work, 'cache2'))
        t0 = time.time()
        j = symbolicate(a, dump, '--no-system-debug', '--debuginfod-timeout', '2', env=env, timeout=60)
        took = time.time() - t0
        m = module(j, '/run/symbcrash')
        check(m['elf_path'] is None and 'not found' in (m['problem'] or ''), f'silent server: {m}')
        check(took < 8, f'a silent debuginfod held crashctl for {took:.1f} s (timeout 2 s)')
        print(f'debuginfod: served OK; silent server given up after {took:.1f} s')
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        silent.close()
        for s in held:
            s.close()
        log.close()


def parse_eu_stack(out):
    """{tid: [(pc, function, file, line)]} from `eu-stack -i -s`."""
    threads, cur = {}, None
    lines = out.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r'TID (\d+):', line)
        if m:
            cur = threads.setdefault(int(m.group(1)), [])
            continue
        m = re.match(r'#\d+\s+0x([0-9a-f]+)\s+(\S.*)?$', line)
        if m and cur is not None:
            func = (m.group(2) or '??').strip()
            file = lno = None
            if i + 1 < len(lines):
                s = re.match(r'\s+(\S.*?):(\d+)(?::\d+)?$', lines[i + 1])
                if s and not lines[i + 1].lstrip().startswith('#'):
                    file, lno = s.group(1), int(s.group(2))
            cur.append((int(m.group(1), 16), func, file, lno))
    return threads


_symtabs = {}


def symbol_values(path):
    """{name: value} of the ELF symbols of path (cached)."""
    if path not in _symtabs:
        out = subprocess.run(['readelf', '-sW', path], capture_output=True, text=True).stdout
        vals = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) >= 8 and f[3] in ('FUNC', 'IFUNC', 'NOTYPE'):
                vals.setdefault(f[7].split('@')[0], int(f[1], 16))
        _symtabs[path] = vals
    return _symtabs[path]


def aliases(j, frame, a_name, b_name):
    """Two names of one routine: symbols with the same address in the
    module's files (glibc's clone3 and __clone3). gdb picks one, eu-stack
    another; crashd names frames as gdb does."""
    mods = [m for m in j['modules'] if m['name'] == frame['module']]
    for m in mods:
        for path in (m['elf_path'], m['debug_path']):
            if path and os.path.exists(path):
                v = symbol_values(path)
                if a_name in v and b_name in v and v[a_name] == v[b_name]:
                    return True
    return False


def cmd_eustack(a, work):
    need(shutil.which('eu-stack'), 'eu-stack')
    if not core_pattern_writable():
        raise Skip('core_pattern is not writable (needs root)')
    cores = os.path.join(work, 'cores')
    os.makedirs(cores)
    results = []
    with core_pattern_set(os.path.join(cores, 'core.%p')):
        for program in (a.program, a.program_o2):
            dump, exe, pid = crash(a, work, program, core_dir=cores)
            core = os.path.join(cores, f'core.{pid}')
            check(os.path.exists(core), f'no core file {core}: the kernel wrote none after the dumper')
            # The next run reuses run/symbcrash: keep this binary for eu-stack.
            keep = exe + '.' + os.path.basename(program)
            shutil.copy2(exe, keep)
            results.append((program, dump, keep, core))

    for program, dump, exe, core in results:
        p = subprocess.run(['eu-stack', '-i', '-s', '--core=' + core, '-e', exe], capture_output=True, text=True,
                           timeout=120)
        theirs = parse_eu_stack(p.stdout)
        check(theirs, f'eu-stack printed no threads: {p.stderr}')
        # crashctl reads the binary at the dump's path: put this build back.
        shutil.copy2(exe, os.path.join(work, 'run', 'symbcrash'))
        j = symbolicate(a, dump)
        ours = {t['tid']: t for t in j['threads']}
        check(set(ours) == set(theirs), f'threads: ours {sorted(ours)}, eu-stack {sorted(theirs)}')
        n = 0
        for tid, frames in theirs.items():
            # eu-stack does not rebuild tail-call frames (gdb does; the
            # conformance suite checks those against gdb).
            mine = [f for f in ours[tid]['frames'] if not f.get('tailcall')]
            check(len(mine) == len(frames),
                  f'{os.path.basename(program)} tid {tid}: {len(mine)} frames, eu-stack {len(frames)}\n'
                  f'ours: {[f["function"] for f in mine]}\neu-stack: {[f[1] for f in frames]}')
            for k, (f, (pc, func, file, line)) in enumerate(zip(mine, frames)):
                where = f'{os.path.basename(program)} tid {tid} #{k}'
                check(int(f['pc'], 16) == pc, f'{where}: pc {f["pc"]} vs {pc:#x}')
                check((f['function'] or '??') == func or aliases(j, f, f['function'], func),
                      f'{where}: {f["function"]} vs {func}')
                if f['debug_info']:
                    check(f['file'] == file and f['line'] == line,
                          f'{where}: {f["file"]}:{f["line"]} vs {file}:{line}')
                else:
                    # Without a CU covering the pc we give no line; libdwfl
                    # stretches the previous CU's aranges over it (_start).
                    check(f['file'] is None or (f['file'] == file and f['line'] == line),
                          f'{where}: {f["file"]}:{f["line"]} vs {file}:{line}')
                n += 1
        inl = sum(f['inlined'] for t in j['threads'] for f in t['frames'])
        tail = sum(bool(f.get('tailcall')) for t in j['threads'] for f in t['frames'])
        print(f'eustack: {os.path.basename(program)}: {len(theirs)} threads, {n} frames equal, {inl} inlined, '
              f'{tail} tail-call frames besides')


def node_oracle(script, arg):
    node = shutil.which('node')
    mods = os.path.join(HERE, '..', 'node_modules')
    need(node and os.path.isdir(os.path.join(mods, '@sentry', 'core')) and os.path.isdir(os.path.join(mods, 'ajv')),
         'node with tests/node_modules (@sentry/core, ajv): cd tests && npm install --ignore-scripts')
    p = subprocess.run([node, os.path.join(HERE, '..', 'oracles', script), arg], capture_output=True, text=True,
                       timeout=60)
    check(p.returncode == 0, f'{script}: {p.stdout}{p.stderr}')
    return p.stdout


def all_vars(frames):
    return {(f['function'], v['name']): v for f in frames for v in f['vars']}


def cmd_formats(a, work):
    dump, exe, pid = crash(a, work, a.program)
    j = symbolicate(a, dump)
    check(j['schema'] == 'crashd-symbolicate' and j['version'] == 1, 'schema and version')
    check(j['crash']['signal'] == 11 and j['crash']['code_name'] == 'SEGV_MAPERR', f'crash: {j["crash"]}')
    check(j['crash']['address'] == '0x0' and j['crash']['thread'] == pid, f'crash: {j["crash"]}')
    check(len(j['threads']) == 4, f'{len(j["threads"])} threads')
    for t in j['threads']:
        for f in t['frames']:
            check(re.fullmatch(r'0x[0-9a-f]+', f['pc']) and f['trust'] in ('context', 'cfi', 'fp'), f'frame {f}')
            for v in f['vars']:
                check(v['kind'] in ('param', 'local') and (v['value'] is None) != (v['reason'] is None), f'var {v}')
    vs = all_vars(crashed_frames(j))
    # Masked by name, and a struct member by name inside a value.
    check(vs[('check_login', 'api_token')]['value'] == '[masked]', 'api_token masked')
    check(vs[('run', 'session_cookie')]['value'] == '[masked]', 'session_cookie masked')
    creds = vs[('run', 'creds')]['value']
    check('password = [masked]' in creds and '"bob"' in creds, f'creds: {creds}')
    check(vs[('check_login', 'attempts')]['value'] == '6', 'attempts = 6')
    raw = json.dumps(j)
    check('hunter2' not in raw and 'tok-123' not in raw and 'c00k1e' not in raw, 'a secret leaked into JSON')
    # Members are masked where they are printed: none of these fool it.
    secrets = ('sec-quoted', 'sec-arr-1', 'sec-arr-2', 'sec-union', 'sec-noted')
    check(not any(s in raw for s in secrets), f'a member secret leaked into JSON: {vs[("run", "quoted")]}')
    check(vs[('run', 'quoted')]['value'] == "{q = 34 '\"', password = [masked]}", f'quoted: {vs[("run", "quoted")]}')
    check(vs[('run', 'holders')]['value'] == '{{n = 1, inner = {token = [masked]}}, {n = 2, inner = {token = [masked]}}}',
          f'holders: {vs[("run", "holders")]}')
    check(vs[('run', 'either')]['masked'] and 'passwd = [masked], bits = ' in vs[('run', 'either')]['value'],
          f'either: {vs[("run", "either")]}')
    check(vs[('run', 'noted')]['value'].startswith('{note = "\\", password = \\"') and
          vs[('run', 'noted')]['value'].endswith(', password = [masked]}'), f'noted: {vs[("run", "noted")]}')
    unmasked = symbolicate(a, dump, '--no-mask')
    raw_unmasked = json.dumps(unmasked)
    check('hunter2' in raw_unmasked and all(s in raw_unmasked for s in secrets), '--no-mask shows values')
    uvs = all_vars(crashed_frames(unmasked))
    check(re.fullmatch(r"\{q = 34 '\"', password = 0x[0-9a-f]+ \"sec-quoted\"\}", uvs[('run', 'quoted')]['value']),
          f'unmasked quoted: {uvs[("run", "quoted")]}')
    check(not any(v.get('masked') for v in uvs.values()), '--no-mask masked something')
    # Text is masked by default too (a report is pasted into tickets).
    text = symbolicate(a, dump, fmt='text')
    check('hunter2' not in text and not any(s in text for s in secrets), 'a secret leaked into the text')
    check('password = [masked]' in text, 'text masks members')
    check(text.splitlines()[0] == 'Signal: SIGSEGV (SEGV_MAPERR) at 0x0: Segmentation fault', text.splitlines()[0])
    check(re.search(r'^#0  0x[0-9a-f]{16} in store_inner \(value=7\) at \S+symbcrash.c:%d$' % crash_line(), text,
                    re.M), 'text frame 0')
    check(re.search(r'^#1  store_outer \(value=6\) at ', text, re.M), 'inlined frames without address')

    ev = symbolicate(a, dump, fmt='sentry')
    path = os.path.join(work, 'event.json')
    with open(path, 'w') as f:
        json.dump(ev, f)
    raw = json.dumps(ev)
    check('hunter2' not in raw and 'tok-123' not in raw and not any(s in raw for s in secrets),
          'a secret leaked into the Sentry event')
    exc = ev['exception']['values'][0]
    check(exc['type'] == 'SIGSEGV' and exc['value'] == 'SEGV_MAPERR at 0x0', f'exception {exc["type"]}')
    check(exc['mechanism']['meta']['signal']['number'] == 11 and not exc['mechanism']['handled'], 'mechanism')
    frames = exc['stacktrace']['frames']
    check(frames[-1]['function'] == 'store_inner' and frames[-1]['lineno'] == crash_line(), 'oldest first')
    check(frames[-1]['in_app'] and not any(f['in_app'] for f in frames if '/lib/' in f.get('package', '')),
          'in_app')
    check(frames[-3]['vars']['api_token'] == '[masked]', 'vars in the Sentry frame')
    img = [i for i in ev['debug_meta']['images'] if i['code_file'].endswith('/run/symbcrash')][0]
    bid = img['code_id']
    guid = bid[6:8] + bid[4:6] + bid[2:4] + bid[0:2] + '-' + bid[10:12] + bid[8:10] + '-' + bid[14:16] + \
        bid[12:14] + '-' + bid[16:20] + '-' + bid[20:32]
    check(img['debug_id'] == guid, f'debug_id {img["debug_id"]} for {bid}')

    print(node_oracle('validate-event-schema.js', path).strip())
    envelope = os.path.join(work, 'event.envelope')
    with open(envelope, 'w') as f:
        f.write(json.dumps({'event_id': ev['event_id']}) + '\n' + json.dumps({'type': 'event'}) + '\n' +
                json.dumps(ev) + '\n')
    print(node_oracle('validate-envelope.js', envelope).strip().splitlines()[0])
    print('formats: json, masking, text, sentry: OK')


def cmd_type_cycle(a, work):
    """A DWARF type cycle in a user's program (issue 9, point 3): an array
    whose element type is itself recursed without bound in the value
    printer, and crashd's worker died of it once per crash. The dump must
    symbolicate, and the variable say why it has no value."""
    src = os.path.join(HERE, 'type-cycle.c')
    asm, patched, exe = (os.path.join(work, n) for n in ('cycle.s', 'cycle-patched.s', 'type-cycle'))
    subprocess.run(['gcc', '-g', '-O0', '-S', '-dA', '-o', asm, src], check=True, timeout=60)
    lines = open(asm).read().split('\n')
    patches = 0
    for i, line in enumerate(lines):
        m = re.search(r'DIE \((0x[0-9a-f]+)\) DW_TAG_array_type', line)
        if m and 'DW_AT_type' in lines[i + 1]:
            lines[i + 1] = '\t.long\t%s\t# DW_AT_type: itself' % m.group(1)
            patches += 1
    check(patches == 1, f'expected one array type in {asm}, patched {patches}')
    with open(patched, 'w') as f:
        f.write('\n'.join(lines))
    subprocess.run(['gcc', '-g', '-o', exe, patched], check=True, timeout=60)
    dump, _, _ = crash(a, work, exe, args=())
    j = symbolicate(a, dump, timeout=60)
    grid = [v for f in crashed_frames(j) for v in f.get('vars') or [] if v['name'] == 'grid']
    check(len(grid) == 1, f'grid not in the crashed frames: {crashed_frames(j)}')
    check(grid[0]['value'] is None and 'cycle' in (grid[0].get('reason') or ''), f'grid: {grid[0]}')
    text = symbolicate(a, dump, fmt='text', timeout=60)
    check('grid = <error: the type refers to itself' in text, 'the text does not mark the cycle')
    print('type-cycle: symbolicated, grid marked:', grid[0]['reason'])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('command', choices=['modules', 'debuginfod', 'eustack', 'formats', 'type_cycle'])
    ap.add_argument('--crashctl', required=True)
    ap.add_argument('--dumper', required=True)
    ap.add_argument('--program', required=True, help='symbcrash built -O0')
    ap.add_argument('--program-o2', help='symbcrash built -O2')
    ap.add_argument('--other', help='symbcrash built with another build-id')
    a = ap.parse_args()
    # meson passes paths relative to the build dir; the crashes run elsewhere.
    for k in ('crashctl', 'dumper', 'program', 'program_o2', 'other'):
        if getattr(a, k):
            setattr(a, k, os.path.abspath(getattr(a, k)))
    work = tempfile.mkdtemp(prefix='symb-test-')
    try:
        globals()['cmd_' + a.command](a, work)
        return 0
    except Skip as e:
        print(f'SKIP: {e}')
        return SKIP
    except AssertionError as e:
        print(f'FAIL: {e}')
        return 1
    finally:
        if os.environ.get('CRASHD_KEEP_TMP') == '1':
            print(f'kept {work}')
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
