#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/install/test-man.py CASE: the manual pages (man/), suite 'install'.

  pages    every page was built, has no @VAR@ left, and man(1) formats it
           with no warning (lintian's invocation) in 80 columns
  options  every option that crashctl COMMAND --help (for each command of
           crashctl --help) and crashd --help print is in the right part
           of crashctl(1) and crashd(8)
  config   every key crashd knows is in crashd.conf(5) with the default
           daemon/crashd.conf gives it; every CRASHD_* variable the dumper
           reads and every function of crashdump.h is in libcrashdump(3)
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helptext  # noqa: E402

PAGES = ['crashctl.1', 'crashd.8', 'crashd.conf.5', 'libcrashdump.3']
errors = []


def fail(msg):
    errors.append(msg)
    print('FAIL: ' + msg)


def man_env():
    return dict(os.environ, LC_ALL='C.UTF-8', MANROFFSEQ='', MANWIDTH='80')


def man_warnings(path):
    """What man(1) says on stderr while formatting path, line by line:
    lintian's check, which groff's own warnings (undefined macros, lines
    it cannot break) come through."""
    p = subprocess.run(['man', '--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       env=man_env(), timeout=60)
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    if p.returncode != 0:
        lines.append(f'man exited {p.returncode}')
    return lines


def case_pages(a):
    if not shutil.which('man'):
        helptext.skip_or_fail('man(1) is not installed (Debian: man-db)')
    # The check itself must be able to fail: a page with an undefined
    # macro and an unbreakable line has to be caught.
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, 'bad.1')
        with open(bad, 'w') as f:
            f.write('.TH BAD 1\n.SH NAME\n.nosuchmacro\n' + 'x' * 200 + '\n')
        if len(man_warnings(bad)) < 2:
            fail('man --warnings does not report a bad page; the check below would prove nothing')
    for page in PAGES:
        path = os.path.join(a.built, page)
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            fail(f'{page}: not built ({path})')
            continue
        with open(path, encoding='utf-8') as f:
            roff = f.read()
        left = sorted(set(re.findall(r'@[A-Z_]+@', roff)))
        if left:
            fail(f'{page}: not filled in by man/meson.build: {", ".join(left)}')
        for line in man_warnings(path):
            fail(f'{page}: man: {line}')
        text = subprocess.run(['man', '-l', path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=man_env(), timeout=60).stdout
        if 'NAME' not in text:
            fail(f'{page}: man -l prints no NAME section')
        for n, line in enumerate(text.splitlines(), 1):
            if len(line) > 80:
                fail(f'{page}: line {n} of the formatted page is {len(line)} columns wide: {line.strip()[:60]}...')
        # scdoc makes a line that ends in "++" a line break: "C++" at the
        # end of a line of prose silently loses its "++".
        with open(os.path.join(a.source, page + '.scd'), encoding='utf-8') as f:
            for n, line in enumerate(f, 1):
                if line.rstrip('\n').endswith('++'):
                    fail(f'{page}.scd:{n}: ends in "++", which scdoc turns into a line break')


def read_scd(a, page):
    with open(os.path.join(a.source, page + '.scd'), encoding='utf-8') as f:
        return f.read()


def case_options(a):
    sections = helptext.scd_sections(read_scd(a, 'crashctl.1'))
    top = {h: body for level, h, body in sections if level == 1}
    subs = {}
    for level, heading, body in sections:
        if level == 2:
            for name in re.split(r'\s*,\s*', heading):
                subs[name] = body

    for opt in helptext.options(helptext.run_help([a.crashctl])):
        if not helptext.mentions(terms(top.get('OPTIONS', '')), opt):
            fail(f'crashctl --help has {opt}; crashctl(1) OPTIONS does not')

    commands = helptext.commands(a.crashctl)
    print(f'crashctl --help lists: {" ".join(commands)}')
    for cmd in commands:
        body = subs.get(cmd)
        if body is None:
            fail(f'crashctl {cmd}: no "## {cmd}" section in man/crashctl.1.scd')
            continue
        # Where the command's section sends the reader counts too: the
        # shared sections it names, and -h/--help under OPTIONS.
        text = terms(body) + '\n' + terms(top.get('OPTIONS', ''))
        if 'CONNECTION OPTIONS' in body:
            text += '\n' + terms(top.get('CONNECTION OPTIONS', ''))
        # MATCH and TIME are prose ("-1: the latest too").
        for shared in ('MATCH', 'TIME'):
            if re.search(r'\b' + shared + r'\b', body):
                text += '\n' + top.get(shared, '')
        opts = helptext.options(helptext.run_help([a.crashctl, cmd]))
        if not opts:
            fail(f'crashctl {cmd} --help: no options found (has its format changed?)')
        for opt in sorted(opts):
            if not helptext.mentions(text, opt):
                fail(f'crashctl {cmd} --help has {opt}; its section in crashctl(1) does not')

    crashd_opts = terms(top_sections(read_scd(a, 'crashd.8')).get('OPTIONS', ''))
    opts = helptext.options(helptext.run_help([a.crashd]))
    if len(opts) < 4:
        fail(f'crashd --help: only {sorted(opts)} found (has its format changed?)')
    for opt in sorted(opts):
        if not helptext.mentions(crashd_opts, opt):
            fail(f'crashd --help has {opt}; crashd(8) OPTIONS does not')


def terms(body):
    """The terms of a section's definition list: its lines that start
    with a bold option ("*-S*, *--since* _TIME_"), whose description
    follows indented. An option named only in prose or in a synopsis line
    is not documented."""
    return '\n'.join(line for line in body.splitlines() if line.startswith('*-'))


def top_sections(text):
    return {h: body for level, h, body in helptext.scd_sections(text) if level == 1}


def case_config(a):
    page = read_scd(a, 'crashd.conf.5')
    # The keys crashd has, as it prints them; the defaults, as the
    # commented file gives them (tests/e2e checks that one against crashd).
    p = subprocess.run([a.crashd, '--dump-config', '--config', os.devnull, '--dir', tempfile.gettempdir()],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    if p.returncode != 0:
        fail(f'crashd --dump-config: exit {p.returncode}: {p.stderr.strip()}')
    keys = [line.split('=', 1)[0].strip() for line in p.stdout.splitlines() if '=' in line]
    if len(keys) < 10:
        fail(f'crashd --dump-config printed {len(keys)} keys')
    defaults = {}
    with open(a.conf, encoding='utf-8') as f:
        for line in f:
            m = re.match(r'^#([a-z_]+) =(?: (.*))?$', line.rstrip('\n'))
            if m:
                defaults[m.group(1)] = m.group(2) or ''
    for key in keys:
        if key not in defaults:
            fail(f'{key}: not in daemon/crashd.conf')
            continue
        want = f'*{key}* =' + (f' *{defaults[key]}*' if defaults[key] else '')
        if not re.search(r'(?m)^' + re.escape(want) + r'$', page):
            got = re.findall(r'(?m)^\*' + re.escape(key) + r'\*.*$', page)
            fail(f'{key}: crashd.conf(5) should have a line "{want}"' + (f', has {got}' if got else ''))

    lib = read_scd(a, 'libcrashdump.3')
    env = top_sections(lib).get('ENVIRONMENT', '')
    names = set()
    for name in sorted(os.listdir(a.dumper)):
        if name.endswith('.c'):
            with open(os.path.join(a.dumper, name), encoding='utf-8') as f:
                # getenv() and preload.c's env_true/env_size/env_copy.
                names.update(re.findall(r'(?:getenv|env_[a-z]+)\("(CRASHD_[A-Z_]+)"', f.read()))
    names.discard('CRASHD_TEST_FAULT')   # the tests' own switch, not a setting
    if len(names) < 5:
        fail(f'dumper/*.c: only {sorted(names)} read with getenv (has the code changed?)')
    for name in sorted(names):
        if not helptext.mentions(env, name):
            fail(f'dumper reads {name}; libcrashdump(3) ENVIRONMENT does not say it')
    with open(a.header, encoding='utf-8') as f:
        header = f.read()
    funcs = re.findall(r'(?m)^[a-z].*?\b(crashdump_[a-z_]+)\(', header)
    if not funcs:
        fail('crashdump.h: no functions found')
    functions = top_sections(lib).get('FUNCTIONS', '')
    for fn in funcs:
        if f'*{fn}*(' not in functions:
            fail(f'crashdump.h declares {fn}; libcrashdump(3) FUNCTIONS does not')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('case', choices=['pages', 'options', 'config'])
    ap.add_argument('--built', help='the build directory of man/')
    ap.add_argument('--source', required=True, help='man/ in the source tree')
    ap.add_argument('--crashctl')
    ap.add_argument('--crashd')
    ap.add_argument('--conf', help='daemon/crashd.conf')
    ap.add_argument('--dumper', help='dumper/ in the source tree')
    ap.add_argument('--header', help='dumper/crashdump.h')
    a = ap.parse_args()
    {'pages': case_pages, 'options': case_options, 'config': case_config}[a.case](a)
    if errors:
        print(f'{len(errors)} problem(s)')
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
