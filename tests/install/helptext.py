# SPDX-License-Identifier: MIT
"""tests/install/helptext.py: what crashctl's and crashd's --help say, and
what a scdoc page or a completion script says, as sets of option names.

The tests compare them at test time, so that a command or an option added
to a program's --help fails until its man page and its completion say it
too, whatever branch added it."""
import re
import subprocess

# An option name: -x or --long-name, not a part of a longer word.
OPTION = re.compile(r'(?<![\w-])(--[a-z0-9][a-z0-9-]*|-[A-Za-z0-9])(?![\w-])')


def run_help(argv):
    p = subprocess.run(argv + ['--help'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    if p.returncode != 0:
        raise RuntimeError(f'{" ".join(argv)} --help: exit {p.returncode}: {p.stderr.strip()}')
    return p.stdout


def options(help_text):
    """Every option a --help text names: in its usage line(s) and in the
    first column of its option lines ("  -S, --since TIME   only ...").
    Lines indented deeper are a description's continuation."""
    found = set()
    for line in help_text.splitlines():
        if line.startswith('usage:'):
            found.update(OPTION.findall(line))
            continue
        m = re.match(r'^ {1,8}(-\S.*)$', line)
        if m:
            spec = re.split(r'\s{2,}', m.group(1))[0]
            found.update(OPTION.findall(spec))
    return found


def commands(crashctl):
    """The commands `crashctl --help` lists (an alias written "gdb, debug"
    or "gdb|debug" gives both)."""
    names = []
    in_list = False
    for line in run_help([crashctl]).splitlines():
        if line.strip() == 'Commands:':
            in_list = True
            continue
        if in_list:
            if not line.strip():
                if names:
                    break
                continue
            m = re.match(r'^\s+([a-z][a-z0-9-]*(?:\s*[,|]\s*[a-z][a-z0-9-]*)*)', line)
            if not m:
                break
            names += [n for n in re.split(r'\s*[,|]\s*', m.group(1)) if n]
    if not names:
        raise RuntimeError('crashctl --help lists no commands')
    return names


def scd_sections(text):
    """A scdoc page's sections: [(level, heading, body)], level 1 for
    '# NAME', 2 for '## list'. Lines in ``` blocks are never headings."""
    out = []
    literal = False
    for line in text.splitlines(keepends=True):
        if line.startswith('```'):
            literal = not literal
        m = None if literal else re.match(r'(#{1,2}) (.*)$', line.rstrip('\n'))
        if m:
            out.append([len(m.group(1)), m.group(2).strip(), ''])
        elif out:
            out[-1][2] += line
    return [tuple(s) for s in out]


def mentions(text, option):
    return re.search(r'(?<![\w-])' + re.escape(option) + r'(?![\w-])', text) is not None


def skip_or_fail(what):
    """A tool the test needs is missing: a skip (77) on a developer's
    machine, a failure where CRASHD_REQUIRE_ORACLES=1 (CI), since
    scripts/install-deps.sh installs it."""
    import os
    import sys
    if os.environ.get('CRASHD_REQUIRE_ORACLES') == '1':
        print(f'FAIL: {what} (CRASHD_REQUIRE_ORACLES=1)')
        sys.exit(1)
    print(f'SKIP: {what}')
    sys.exit(77)
