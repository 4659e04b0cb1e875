#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Uncaught C++ exceptions (issue 10), run by meson (suite 'crash').

  run-throw.py --dumper SO --crashctl EXE (--program EXE | --cxx CXX --opt OPT --source throw.cc)
               [--sentry-mode MODE] [MODE...]

Runs tests/crash/throw.cc's modes (all of them by default), each twice:
without the dumper, whose stderr is the oracle (libstdc++'s verbose
terminate handler: "terminate called after throwing an instance of 'T'"
and "  what():  M"), then under LD_PRELOAD of the dumper. The dump's
`crashctl symbolicate` text must carry the oracle's lines after the
Signal line, and `--format json` crash.exception the same type and
message. For --sentry-mode (default runtime), the Sentry event's exception
is the C++ one and validates against Sentry's event schema
(tests/oracles/validate-event-schema.js; skipped without tests/node_modules
unless CRASHD_REQUIRE_ORACLES=1). With --cxx, the program is compiled here
first (skipped when that compiler is missing).

Exit status: 0 pass, 1 fail, 77 skip. Standard library only.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

SKIP = 77
TIMEOUT = 60
HERE = os.path.dirname(os.path.abspath(__file__))
MODES = ['runtime', 'out-of-range', 'int', 'ledger', 'rethrow', 'derived']
# What each mode throws, as the terminate handler names it.
TYPES = {'runtime': 'std::runtime_error', 'out-of-range': 'std::out_of_range', 'int': 'int',
         'ledger': 'LedgerError', 'rethrow': 'std::logic_error',
         'derived': 'ledger::Overdraft'}


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def run(argv, env=None, ok=None):
    try:
        r = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Fail(f'{argv}: still running after {TIMEOUT} s (hang)')
    if ok is not None and r.returncode not in ok:
        raise Fail(f'{argv}: exit {r.returncode}: {r.stderr.decode(errors="replace").strip()}')
    return r


def oracle(program, mode):
    """The terminate handler's two lines (the second may be absent)."""
    r = run([program, mode])
    check(r.returncode == -signal.SIGABRT, f'{mode}: exit {r.returncode}, expected SIGABRT')
    lines = r.stderr.decode(errors='replace').splitlines()
    m = [i for i, line in enumerate(lines) if line.startswith('terminate called after throwing an instance of ')]
    check(m, f'{mode}: no terminate line on stderr: {lines}')
    head = lines[m[0]]
    what = lines[m[0] + 1] if m[0] + 1 < len(lines) and lines[m[0] + 1].startswith('  what():  ') else None
    t = re.fullmatch(r"terminate called after throwing an instance of '(.*)'", head).group(1)
    check(t == TYPES[mode], f'{mode}: the program threw {t!r}, the test expects {TYPES[mode]!r}')
    return head, what


def crash(a, program, mode, work):
    d = tempfile.mkdtemp(prefix=f'{mode}.', dir=work)
    env = dict(os.environ, LD_PRELOAD=a.dumper, CRASHD_DUMP_DIR=d, CRASHD_WAIT='1')
    r = run([program, mode], env=env)
    check(r.returncode == -signal.SIGABRT, f'{mode}: exit {r.returncode} under the dumper')
    dumps = [f for f in os.listdir(d) if f.endswith('.dmp.zst') and not f.startswith('.')]
    check(len(dumps) == 1, f'{mode}: dumps {os.listdir(d)}')
    return os.path.join(d, dumps[0])


def node_oracle(script, path):
    node = shutil.which('node')
    mods = os.path.join(HERE, '..', 'node_modules')
    if not (node and os.path.isdir(os.path.join(mods, '@sentry', 'core')) and os.path.isdir(os.path.join(mods, 'ajv'))):
        if os.environ.get('CRASHD_REQUIRE_ORACLES') == '1':
            raise Fail('node with tests/node_modules (@sentry/core, ajv) is required')
        print(f'SKIP {script}: no node with tests/node_modules (cd tests && npm install --ignore-scripts)')
        return
    r = run([node, os.path.join(HERE, '..', 'oracles', script), path])
    check(r.returncode == 0, f'{script}: {r.stdout.decode()}{r.stderr.decode()}')
    print(r.stdout.decode().strip())


def check_mode(a, program, mode, work):
    head, what = oracle(program, mode)
    dump = crash(a, program, mode, work)
    text = run([a.crashctl, 'symbolicate', dump], ok=(0,)).stdout.decode(errors='replace').splitlines()
    check(len(text) > 2 and text[0].startswith('Signal: SIGABRT'), f'{mode}: text header {text[:3]}')
    check(text[1] == head, f'{mode}: text line 2 is {text[1]!r}, the program said {head!r}')
    if what:
        check(text[2] == what, f'{mode}: text line 3 is {text[2]!r}, the program said {what!r}')
    else:
        check(not text[2].startswith('  what():'), f'{mode}: {text[2]!r}, but the program said no what()')
    check(text[3 if what or text[2].startswith('  value:  ') else 2].startswith('Exception: object at 0x'),
          f'{mode}: {text[:5]}')

    j = json.loads(run([a.crashctl, 'symbolicate', '--format', 'json', dump], ok=(0,)).stdout)
    e = j['crash'].get('exception')
    check(e is not None, f'{mode}: crash.exception is null')
    check(e['type'] == TYPES[mode], f'{mode}: crash.exception.type {e["type"]!r}')
    want = what[len('  what():  '):] if what else None
    check(e['message'] == want, f'{mode}: crash.exception.message {e["message"]!r}, the program said {want!r}')
    if not what:
        check(e['message_reason'] is None, f'{mode}: message_reason {e["message_reason"]!r} for a type without what()')
    # The object through its type's DWARF, when the throwing CU has it
    # (gcc leaves out a struct used only in a throw expression).
    if mode == 'int':
        check(e['value'] == '42', f'{mode}: value {e["value"]!r}')
        check('  value:  42' in text, f'{mode}: no value line in {text[:5]}')
    elif mode == 'ledger':
        check(e['value'] in (None, '{code = 1234}'), f'{mode}: value {e["value"]!r}')
    else:
        check(e['value'] is None, f'{mode}: value {e["value"]!r} beside what()')
    check(re.fullmatch(r'0x[0-9a-f]+', e['object']), f'{mode}: object {e["object"]!r}')
    check(e['thrown_by'] == ('std::rethrow_exception' if mode == 'rethrow' else '__cxa_throw'),
          f'{mode}: thrown_by {e["thrown_by"]!r}')
    check(e['type_from'] in ('exception header', 'vtable', '__cxa_throw registers'), f'{mode}: type_from {e}')
    if mode == 'derived':
        # The whole header is in the dump: the type from exceptionType,
        # what() through the type_info's base chain to std::runtime_error.
        check(e['type_from'] == 'exception header' and e['type_info'] and e['detail'] is None, f'{mode}: {e}')
    frames = [f['function'] for f in j['threads'][0]['frames']]
    check('ledger::withdraw' in frames, f'{mode}: frames {frames}')
    print(f'ok {mode}: {e["type"]!r} {e["message"]!r} {e["value"]!r} (type from the {e["type_from"]}'
          f'{"; " + e["detail"] if e["detail"] else ""})')

    if mode == a.sentry_mode:
        ev = json.loads(run([a.crashctl, 'symbolicate', '--format', 'sentry', dump], ok=(0,)).stdout)
        x = ev['exception']['values'][0]
        check(x['type'] == TYPES[mode] and x.get('value') == want, f'sentry exception {x["type"]!r} {x.get("value")!r}')
        check(x['mechanism']['type'] == 'cxx_exception' and not x['mechanism']['handled'], f'mechanism {x["mechanism"]}')
        check(x['mechanism']['meta']['signal']['number'] == signal.SIGABRT, 'the signal in mechanism.meta')
        sframes = [f.get('function') for f in x['stacktrace']['frames']]
        check('ledger::withdraw' in sframes and sframes[0] != 'ledger::withdraw', f'sentry stacktrace {sframes}')
        path = os.path.join(work, 'event.json')
        with open(path, 'w') as f:
            json.dump(ev, f)
        node_oracle('validate-event-schema.js', path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--dumper', required=True)
    p.add_argument('--crashctl', required=True)
    p.add_argument('--program')
    p.add_argument('--cxx')
    p.add_argument('--opt', default='-O0')
    p.add_argument('--source')
    p.add_argument('--sentry-mode', default='runtime')
    p.add_argument('modes', nargs='*')
    a = p.parse_args()
    a.dumper = os.path.abspath(a.dumper)
    a.crashctl = os.path.abspath(a.crashctl)
    with tempfile.TemporaryDirectory(prefix='run-throw.') as work:
        try:
            program = a.program
            if a.cxx:
                if not shutil.which(a.cxx):
                    print(f'SKIP: no {a.cxx}')
                    return SKIP
                program = os.path.join(work, 'throw')
                run([a.cxx, '-g', a.opt, '-o', program, a.source], ok=(0,))
            for mode in a.modes or MODES:
                check_mode(a, program, mode, work)
        except Fail as e:
            print(f'FAIL: {e}')
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
