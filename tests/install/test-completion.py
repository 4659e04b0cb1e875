#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/install/test-completion.py CASE: crashctl's shell completion
(completion/), suite 'install'.

  bash  completion/crashctl.bash, sourced after bash-completion and driven
        through COMP_WORDS: commands, every option of every command's
        --help, crash IDs and COMM=PROGRAM from `crashctl list
        --no-legend`, dump files; nothing on stderr
  zsh   completion/_crashctl: loads without errors under compinit, names
        every option of every command's --help, and, in a zsh on a
        pseudo-terminal (zsh/zpty), completes a command, crash IDs and
        COMM=PROGRAM on <Tab>

The crash IDs come from a stub crashctl on PATH that prints a known
table: the test checks the completion scripts, not crashctl. The options
come from the real crashctl's --help, at test time.
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

BASH_COMPLETION = '/usr/share/bash-completion/bash_completion'

# What `crashctl list --no-legend --no-pager` prints (tools/cmd-list.c):
# ID, TIME in four words, PID, UID, SIG, PROGRAM, SIGNATURE.
TABLE = """\
     7 Sun 2026-11-22 07:16:20 UTC     4242  1000 SEGV  crashme  charge | checkout | process
    12 Mon 2026-11-23 09:01:02 UTC     5151     0 ABRT  myserver main
   103 Tue 2026-11-24 10:11:12 UTC      77  1000 -     crashme  watchdog
"""
IDS = {'7', '12', '103'}
PROGRAMS = {'crashme', 'myserver'}

errors = []


def fail(msg):
    errors.append(msg)
    print('FAIL: ' + msg)


def make_stub(tmp, real):
    """A crashctl that prints TABLE for `list` and hands everything else
    (--help) to the real one."""
    bindir = os.path.join(tmp, 'bin')
    os.mkdir(bindir)
    stub = os.path.join(bindir, 'crashctl')
    with open(stub, 'w') as f:
        f.write('#!/bin/sh\n'
                'if [ "$1" = list ]; then\n'
                f"cat <<'EOF'\n{TABLE}EOF\n"
                'exit 0\n'
                'fi\n'
                f'exec {real} "$@"\n')
    os.chmod(stub, 0o755)
    return bindir


def env_with(bindir, **extra):
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get('PATH', ''), **extra)
    env.pop('BASH_ENV', None)
    env.pop('ENV', None)
    return env


def bash_complete(a, env, cwd, words, line=False):
    """COMPREPLY for words (the last one is being completed), and stderr.
    line=True also sets COMP_LINE/COMP_POINT, as readline does, so that
    bash-completion's word reassembly is taken."""
    script = ('source "$1"; source "$2"; shift 2; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
              + ('COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; ' if line else '')
              + '_crashctl; printf "%s\\n" "${COMPREPLY[@]}"')
    p = subprocess.run(['bash', '--norc', '--noprofile', '-c', script, 'bash', BASH_COMPLETION,
                        a.bash] + words, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env, cwd=cwd, timeout=60)
    if p.returncode != 0:
        fail(f'bash: completing {words}: exit {p.returncode}')
    if p.stderr.strip():
        fail(f'bash: completing {words}: stderr: {p.stderr.strip()}')
    return [w for w in p.stdout.splitlines() if w]


def expect(what, got, want_in=(), want_not=(), exact=None):
    got = set(got)
    if exact is not None and got != set(exact):
        fail(f'{what}: got {sorted(got)}, want exactly {sorted(exact)}')
    for w in want_in:
        if w not in got:
            fail(f'{what}: {w!r} missing from {sorted(got)}')
    for w in want_not:
        if w in got:
            fail(f'{what}: {w!r} should not be offered ({sorted(got)})')


def case_bash(a, tmp, bindir):
    if not os.path.exists(BASH_COMPLETION):
        helptext.skip_or_fail(f'{BASH_COMPLETION} is missing (Debian: bash-completion)')
    env = env_with(bindir)
    work = os.path.join(tmp, 'work')
    os.mkdir(work)
    for name in ('a.dmp', 'b.dmp.zst', 'notes.txt'):
        open(os.path.join(work, name), 'w').close()
    os.mkdir(os.path.join(work, 'dumps'))

    expect('crashctl sh', bash_complete(a, env, work, ['crashctl', 'sh']), exact=['show'])
    commands = helptext.commands(a.crashctl)
    expect('crashctl <Tab>', bash_complete(a, env, work, ['crashctl', '']), want_in=commands)
    expect('crashctl show <Tab>', bash_complete(a, env, work, ['crashctl', 'show', '']), exact=IDS)
    expect('crashctl show 1<Tab>', bash_complete(a, env, work, ['crashctl', 'show', '1']), exact={'12', '103'})
    expect('crashctl show --json <Tab>', bash_complete(a, env, work, ['crashctl', 'show', '--json', '']),
           exact=IDS)
    expect('crashctl dump -o out <Tab>', bash_complete(a, env, work, ['crashctl', 'dump', '-o', 'out', '']),
           exact=IDS)
    # COMM=: split at the '=' as readline does by default, and whole, as
    # bash-completion reassembles it from COMP_LINE.
    expect('crashctl show COMM=my<Tab> (split)',
           bash_complete(a, env, work, ['crashctl', 'show', 'COMM', '=', 'my']), exact=['myserver'])
    expect('crashctl show COMM=<Tab> (whole)',
           bash_complete(a, env, work, ['crashctl', 'show', 'COMM', '=', ''], line=True), exact=PROGRAMS)
    expect('crashctl list -p <Tab>', bash_complete(a, env, work, ['crashctl', 'list', '-p', '']),
           exact=PROGRAMS)
    expect('crashctl info <Tab>', bash_complete(a, env, work, ['crashctl', 'info', '']),
           want_in=IDS | {'a.dmp', 'b.dmp.zst', 'dumps'}, want_not={'notes.txt'})
    expect('crashctl symbolicate b<Tab>', bash_complete(a, env, work, ['crashctl', 'symbolicate', 'b']),
           exact=['b.dmp.zst'])
    expect('crashctl symbolicate -f <Tab>', bash_complete(a, env, work, ['crashctl', 'symbolicate', '-f', '']),
           exact=['text', 'json', 'sentry'])
    expect('crashctl groups <Tab>', bash_complete(a, env, work, ['crashctl', 'groups', '']), exact=[])

    # Every option of every command, as its --help says it.
    for cmd in commands:
        opts = helptext.options(helptext.run_help([a.crashctl, cmd]))
        got = bash_complete(a, env, work, ['crashctl', cmd, '-'])
        got += bash_complete(a, env, work, ['crashctl', cmd, '--'])
        expect(f'crashctl {cmd} -<Tab>', got, want_in=sorted(opts))


def zsh_text_check(a, commands):
    """Every option of every command's --help is in its branch of
    _crashctl's case (or in the shared $connection and $help lists the
    branch uses)."""
    with open(a.zsh, encoding='utf-8') as f:
        text = f.read()
    shared = {}
    for name in ('connection', 'help'):
        m = re.search(r'(?ms)^\s*' + name + r'=\((.*?)^\s*\)$', text) or \
            re.search(r'(?m)^\s*' + name + r'=\((.*)\)$', text)
        shared[name] = m.group(1) if m else ''
        if not m:
            fail(f'_crashctl: no {name}=(...) list')
    branches = {}
    for m in re.finditer(r'(?ms)^\s*\(([a-z|-]+)\)\n(.*?);;', text):
        for name in m.group(1).split('|'):
            branches[name] = m.group(2)
    for cmd in commands:
        body = branches.get(cmd)
        if body is None:
            fail(f'_crashctl: no ({cmd}) branch')
            continue
        for name, value in shared.items():
            if '$' + name in body:
                body += value
        for opt in sorted(helptext.options(helptext.run_help([a.crashctl, cmd]))):
            # _arguments spells them -x, --x, {-x,--x}, -x+ and --x=.
            if not re.search(r'(?<![\w-])' + re.escape(opt) + r'(?![\w-])', body.replace('+', ' ').replace('=', ' ')):
                fail(f'crashctl {cmd} --help has {opt}; _crashctl does not complete it')


class Zpty:
    """A zsh -f -i on a pseudo-terminal, driven by a zsh script with the
    zsh/zpty module: what a user would see after typing a line and <Tab>."""

    def __init__(self, a, tmp, bindir):
        self.a, self.tmp, self.bindir = a, tmp, bindir

    def complete(self, line, until):
        script = os.path.join(self.tmp, 'drive.zsh')
        with open(script, 'w') as f:
            f.write(r'''
zmodload zsh/zpty || exit 3
zpty z env TERM=dumb zsh -f -i
zpty -w z 'PS1="%% "; unsetopt beep; fpath=("$COMPDIR" $fpath); autoload -Uz compinit; compinit -u -D; print -r -- LOADED'
zpty -w z 'zstyle ":completion:*" list-rows-first true; zstyle ":completion:*" menu no'
zpty -w -n z "$LINE"$'\t'
out=
integer i
# At most 30 s: a loaded machine (meson test runs suites side by side).
for (( i = 0; i < 300; i++ )); do
  if zpty -rt z chunk; then out+=$chunk; else sleep 0.1; fi
  # Done when every word of $UNTIL has been printed after LOADED.
  local rest=${out#*LOADED} w done=1
  [[ $out == *LOADED* ]] || done=0
  for w in ${=UNTIL}; do [[ $rest == *$w* ]] || done=0; done
  (( done )) && break
done
zpty -d z
print -r -- "$out"
''')
        env = env_with(self.bindir, COMPDIR=os.path.dirname(os.path.abspath(self.a.zsh)),
                       LINE=line, UNTIL=until, HOME=self.tmp)
        p = subprocess.run(['zsh', '-f', script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=env, timeout=60)
        out = re.sub(r'\x1b\[[0-9;?]*[A-Za-z]', '', p.stdout).replace('\r', '')
        out = out[out.find('LOADED'):] if 'LOADED' in out else out
        # What the completion function says on the terminal when it breaks.
        # ("_crashctl_table:3: command not found: ...").
        bad = re.search(r'_crashctl\w*:\d+:.*|command not found.*|parse error.*|bad pattern.*', out)
        if bad:
            fail(f'zsh: completing {line!r} printed {bad.group(0)!r}')
        return out


def case_zsh(a, tmp, bindir):
    if not shutil.which('zsh'):
        helptext.skip_or_fail('zsh is not installed')
    env = env_with(bindir, HOME=tmp)
    # Loads: compinit finds it by its #compdef line; autoload +X parses it.
    p = subprocess.run(['zsh', '-f', '-c',
                        'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -D; '
                        'autoload -Uz +X _crashctl && print -r -- ${_comps[crashctl]}',
                        'zsh', os.path.dirname(os.path.abspath(a.zsh))],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    if p.returncode != 0 or p.stderr.strip():
        fail(f'zsh: loading _crashctl: exit {p.returncode}: {p.stderr.strip()}')
    if p.stdout.strip() != '_crashctl':
        fail(f'zsh: compinit does not bind crashctl to _crashctl ({p.stdout.strip()!r})')

    commands = helptext.commands(a.crashctl)
    zsh_text_check(a, commands)

    p = subprocess.run(['zsh', '-f', '-c', 'zmodload zsh/zpty'], stderr=subprocess.PIPE, text=True, timeout=30)
    if p.returncode != 0:
        print('zsh/zpty cannot be loaded: completion on a terminal not checked')
        return
    z = Zpty(a, tmp, bindir)
    out = z.complete('crashctl sh', 'crashctl show ')
    if 'crashctl show ' not in out:
        fail(f'zsh: crashctl sh<Tab> did not become "crashctl show ": {out[-300:]!r}')
    # Ambiguous: zsh lists the IDs with their descriptions, one a line
    # ("12   -- myserver ABRT Mon 2026-11-23 09:01:02").
    out = z.complete('crashctl show ', 'SEGV ABRT 10:11:12')
    listed = set(re.findall(r'(?m)^\s*(\d+)\s+--', out))
    if listed != IDS:
        fail(f'zsh: crashctl show <Tab> lists {sorted(listed)}, want {sorted(IDS)}: {out[-400:]!r}')
    for w in PROGRAMS:
        if w not in out:
            fail(f'zsh: crashctl show <Tab> does not describe a crash of {w!r}: {out[-400:]!r}')
    out = z.complete('crashctl show COMM=my', 'COMM=myserver ')
    if 'COMM=myserver ' not in out:
        fail(f'zsh: crashctl show COMM=my<Tab> did not become COMM=myserver: {out[-300:]!r}')
    out = z.complete('crashctl list --no-l', '--no-legend ')
    if 'crashctl list --no-legend ' not in out:
        fail(f'zsh: crashctl list --no-l<Tab> did not become --no-legend: {out[-300:]!r}')
    print('zsh: completion on a pseudo-terminal checked (zsh/zpty)')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('case', choices=['bash', 'zsh'])
    ap.add_argument('--crashctl', required=True)
    ap.add_argument('--bash', required=True, help='completion/crashctl.bash')
    ap.add_argument('--zsh', required=True, help='completion/_crashctl')
    a = ap.parse_args()
    # The bash case runs in a directory of its own, with dump files in it.
    a.crashctl, a.bash, a.zsh = (os.path.abspath(p) for p in (a.crashctl, a.bash, a.zsh))
    with tempfile.TemporaryDirectory(prefix='crashd-completion-') as tmp:
        bindir = make_stub(tmp, os.path.abspath(a.crashctl))
        {'bash': case_bash, 'zsh': case_zsh}[a.case](a, tmp, bindir)
    if errors:
        print(f'{len(errors)} problem(s)')
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
