#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""libc++ values against lldb-14's libc++ formatters, on the core of the
very same crash (meson suite 'conformance').

  run-printers-libcxx.py --source printers-libcxx.cc --opt O0|O2
                         --dumper SO --crashctl EXE [--corrupt]

1. Builds SOURCE with clang++ -stdlib=libc++ (C++17, -g,
   -fstandalone-debug) at that level.
2. Crashes it once under the dumper with a kernel core coming
   (core_pattern and RLIMIT_CORE set, and put back however this ends).
3. Runs lldb-14 on the core (`frame variable` in each of the program's
   own frames: Debian 12's gdb has no libc++ printers, lldb has them
   built in) and `crashctl symbolicate --format json` on the dump. Our
   text is gdb's libstdc++ printers' ("std::vector of length 3, capacity
   3 = {1, 2, 3}"), lldb's its own ("size=3 { [0] = 1 ... }"): both are
   parsed into their contents (size, elements, characters, pointer,
   use and weak counts, engaged) and those are compared. Ours stops at
   gdb's 200 elements: then what it shows must be lldb's first 200.
4. `crashctl symbolicate --raw` must print every one of them as the raw
   structure (libc++'s own member names), no printer text.

With --corrupt the program breaks some containers before crashing (a
vector whose end is before its start, a tree whose links cycle, strings
longer than their buffers, a list and a hash table whose links cycle,
elements and a control block nothing maps):
each must print its mark, in bounded time and size.

Prints a table; fails on any difference. Exit status: 0 pass, 1 fail,
77 skip (no lldb-14, no libc++, or core_pattern cannot be changed).
"""

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
from testkit import core_pattern_set, core_pattern_writable  # noqa: E402

spec = importlib.util.spec_from_file_location('run_conformance', os.path.join(HERE, 'run-conformance.py'))
conformance = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conformance)

SKIP = 77
TIMEOUT = 180
LLDB = 'lldb-14'
MAX_ELEMENTS = 200      # gdb's `print elements`, which crashd follows


class Bad(Exception):
    pass


def build(a, work):
    exe = os.path.join(work, 'printers-libcxx-' + a.opt)
    cmd = ['clang++', '-stdlib=libc++', '-std=c++17', '-g', '-' + a.opt, '-fstandalone-debug', '-o', exe, a.source]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
    if r.returncode != 0:
        raise RuntimeError('%s failed:\n%s' % (' '.join(cmd), r.stdout.decode()))
    return exe


# ---- lldb ----

def lldb(exe, core, work, commands):
    cmd = [LLDB, '--batch', '--no-lldbinit', '-o', 'settings set target.max-children-count 1000',
           '-o', 'settings set stop-line-count-before 0', '-o', 'settings set stop-line-count-after 0']
    for c in commands:
        cmd += ['-o', c]
    cmd += ['-c', core, exe]
    # lldb's Python (not needed: the libc++ formatters are C++) complains
    # on stderr.
    r = subprocess.run(cmd, env={'PATH': '/usr/bin:/bin', 'LC_ALL': 'C', 'HOME': work}, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=TIMEOUT)
    return r.stdout.decode('utf-8', 'replace')


def lldb_frames(exe, core, work, base):
    """{frame number: function} of the crashing thread's frames in base."""
    out = {}
    for m in re.finditer(r'frame #(\d+): 0x[0-9a-f]+ [^`]*`(\w+)\(\S*\) at ([^:\s]+):', lldb(exe, core, work, ['bt'])):
        if m.group(3) == base:
            out[int(m.group(1))] = m.group(2)
    return out


class Node:
    def __init__(self, summary):
        self.summary = summary
        self.kids = []          # [(label, Node)]


def parse_lldb_vars(text):
    """[(name, Node)] of `frame variable`'s output."""
    out, stack = [], []
    for line in text.split('\n'):
        if line.startswith('(lldb)'):
            stack = []
            continue
        if stack:
            s = line.strip()
            if s == '}':
                stack.pop()
                continue
            m = re.match(r'(\S.*?) = ?(.*)$', s)
            if not m:
                continue
            label, rest = m.group(1), m.group(2)
        else:
            m = re.match(r'\((.+)\) ([A-Za-z_]\w*) = ?(.*)$', line)
            if not m:
                continue
            label, rest = m.group(2), m.group(3)
        opens = rest.endswith('{')
        empty = rest.endswith('{}')
        summary = rest[:-1].strip() if opens else rest[:-2].strip() if empty else rest.strip()
        node = Node(summary)
        if stack:
            stack[-1].kids.append((label, node))
        else:
            out.append((label, node))
        if opens:
            stack.append(node)
    return out


def c_string(s):
    """The characters of a C string literal (lldb's or gdb's escapes)."""
    if s[:1] in ('L', 'u', 'U'):
        s = s[1:]
    if len(s) < 2 or s[0] != '"' or s[-1] != '"':
        raise Bad('not a string: %r' % s)
    s, out, i = s[1:-1], [], 0
    simple = {'n': '\n', 't': '\t', 'r': '\r', '"': '"', '\\': '\\', "'": "'", 'a': '\a', 'b': '\b', 'f': '\f',
              'v': '\v', 'e': '\x1b'}
    while i < len(s):
        c = s[i]
        if c != '\\':
            out.append(c)
            i += 1
            continue
        n = s[i + 1]
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n == 'x':
            m = re.match(r'[0-9a-fA-F]+', s[i + 2:])
            out.append(chr(int(m.group(0), 16)))
            i += 2 + len(m.group(0))
        elif n in '01234567':
            m = re.match(r'[0-7]{1,3}', s[i + 1:])
            out.append(chr(int(m.group(0), 8)))
            i += 1 + len(m.group(0))
        else:
            raise Bad('escape \\%s' % n)
    return ''.join(out)


def lldb_scalar(node):
    s = node.summary
    if s.startswith('"'):
        return c_string(s)
    if s == 'nullptr':
        return 0
    if re.match(r'0x[0-9a-f]+$', s):
        return int(s, 16)
    if s.startswith('size='):
        return ('seq', int(s[5:].split()[0]), [lldb_scalar(k) for _, k in node.kids])
    if s.startswith('Has Value='):
        return lldb_optional(node)
    if [lab for lab, _ in node.kids] == ['__cc']:
        # An unordered map's element: the pair inside libc++'s
        # __hash_value_type.
        return lldb_scalar(node.kids[0][1])
    if node.kids and [lab for lab, _ in node.kids] == ['first', 'second']:
        return (lldb_scalar(node.kids[0][1]), lldb_scalar(node.kids[1][1]))
    m = re.match(r'\(first = (.*), second = (.*)\)$', s)
    if m:
        return (lldb_scalar(Node(m.group(1))), lldb_scalar(Node(m.group(2))))
    return s


def lldb_optional(node):
    if 'Has Value=false' in node.summary:
        return ('opt', False, None)
    return ('opt', True, lldb_scalar(node.kids[0][1]))


def kid(node, label):
    for lab, k in node.kids:
        if lab == label:
            return k
    raise Bad('no %s in lldb value' % label)


def lldb_canon(kind, node):
    s = node.summary
    if kind == 'string':
        return ('str', c_string(s))
    if kind in ('vector', 'set', 'map', 'list'):
        m = re.match(r'size=(\d+)', s)
        if not m:
            raise Bad('no size in %r' % s)
        return ('seq', int(m.group(1)), [lldb_scalar(k) for _, k in node.kids])
    if kind == 'unique_ptr':
        return ('ptr', int(kid(node, '__value_').summary, 16) if s != 'nullptr' else 0)
    if kind in ('shared_ptr', 'weak_ptr'):
        if s == 'nullptr':
            return ('sp', 0, 'empty')
        m = re.search(r'strong=(\d+) weak=(\d+)', s)
        ptr = int(kid(node, '__ptr_').summary, 16)
        strong, weak = int(m.group(1)), int(m.group(2))
        # lldb's weak is __shared_weak_owners_ + 1: the weak_ptrs, plus
        # the one the owners hold together while there are any.
        return ('sp', ptr, (strong, weak - 1 if strong else weak))
    if kind == 'optional':
        return lldb_optional(node)
    if kind == 'variant':
        # " Active Type = T  { Value = ... }"; lldb names no index.
        if 'Active Type' not in s:
            return ('opt', False, None)
        return ('opt', True, lldb_scalar(kid(node, 'Value')))
    raise Bad('kind %s' % kind)


# ---- ours (gdb's printers' text) ----

def split_top(s):
    """s split at the top level's ", " (not the one in "of length 1,
    capacity 1")."""
    s = s.replace(', capacity ', '\0capacity ')
    out, depth, quote, start, i = [], 0, None, 0, 0
    while i < len(s):
        c = s[i]
        if quote:
            if c == '\\':
                i += 1
            elif c == quote:
                quote = None
        elif c in '"\'':
            quote = c
        elif c in '{[(<':
            depth += 1
        elif c in '}])>':
            depth -= 1
        elif c == ',' and depth == 0 and s[i + 1:i + 2] == ' ':
            out.append(s[start:i])
            start = i + 2
            i += 1
        i += 1
    out.append(s[start:])
    return [x.replace('\0capacity ', ', capacity ') for x in out if x != '']


def gdb_string(s):
    """The characters of gdb's string text: "ab", 'c' <repeats N times>, ...;
    and whether it was cut ("..." after it)."""
    cut = s.endswith('...') and not s.endswith('"...')
    if s.endswith('...'):
        s = s[:-3]
    out = []
    for part in split_top(s):
        m = re.match(r"[LuU]?'(.+)' <repeats (\d+) times>$", part)
        if m:
            out.append(c_string('"' + m.group(1).replace('"', '\\"') + '"') * int(m.group(2)))
        else:
            out.append(c_string(part))
    return ''.join(out), cut


def braces(s):
    """The text between the outermost { } after ' = '."""
    k = s.find(' = {')
    if k < 0:
        return None
    if not s.endswith('}'):
        raise Bad('unclosed: %r' % s[-40:])
    return s[k + 4:-1]


def our_scalar(s):
    if re.match(r'[LuU]?"', s) or re.match(r"[LuU]?'.+' <repeats \d+ times>", s):
        return gdb_string(s)[0]
    if re.match(r'0x[0-9a-f]+$', s):
        return int(s, 16)
    m = re.match(r'std::vector of length (\d+), capacity \d+', s)
    if m:
        seq = our_seq(s, m)
        return ('seq', seq[1], seq[2])
    if s.startswith('std::optional<'):
        return our_optional(s)
    return s


def our_seq(s, m, pairs=False, labels=False):
    body = braces(s)
    items = split_top(body) if body else []
    # gdb's "..." after the last element printed: cut at print elements.
    cut = bool(body) and body.endswith('...')
    if cut:
        items[-1] = items[-1][:-3]
    elems = []
    for it in items:
        if pairs:
            mm = re.match(r'\[(.*?)\] = (.*)$', it)
            elems.append((our_scalar(mm.group(1)), our_scalar(mm.group(2))))
        elif labels:
            elems.append(our_scalar(re.match(r'\[\d+\] = (.*)$', it).group(1)))
        else:
            elems.append(our_scalar(it))
    return ('seq', int(m.group(1)) if m.group(1) else None, elems, cut)


def our_optional(s):
    if s.endswith('[no contained value]'):
        return ('opt', False, None)
    body = braces(s)
    m = re.match(r'\[contained value\] = (.*)$', body or '')
    if not m:
        raise Bad('optional: %r' % s)
    return ('opt', True, our_scalar(m.group(1)))


def our_canon(kind, s):
    if kind == 'string':
        text, cut = gdb_string(s)
        return ('str', text, cut)
    if kind == 'vector':
        return our_seq(s, re.match(r'std::vector of length (\d+), capacity (\d+)', s))
    if kind == 'map':
        return our_seq(s, re.match(r'std::(?:unordered_)?(?:multi)?map with (\d+) elements?', s), pairs=True)
    if kind == 'set':
        return our_seq(s, re.match(r'std::(?:unordered_)?(?:multi)?set with (\d+) elements?', s), labels=True)
    if kind == 'list':
        # gdb's list printer shows no size: the elements' count is it.
        seq = our_seq(s, re.match(r'(?:empty )?std::(?:forward_)?list()', s), labels=True)
        return ('seq', len(seq[2]), seq[2], seq[3])
    if kind == 'unique_ptr':
        return ('ptr', int(re.search(r'\{get\(\) = (0x[0-9a-f]+)', s).group(1), 16))
    if kind in ('shared_ptr', 'weak_ptr'):
        ptr = int(re.search(r'\{get\(\) = (0x[0-9a-f]+)', s).group(1), 16)
        if '(empty)' in s:
            return ('sp', ptr, 'empty')
        m = re.search(r'\(use count (\d+), weak count (\d+)\)', s)
        if m:
            return ('sp', ptr, (int(m.group(1)), int(m.group(2))))
        m = re.search(r'\(expired, weak count (\d+)\)', s)
        return ('sp', ptr, (0, int(m.group(1))))
    if kind == 'optional':
        return our_optional(s)
    if kind == 'variant':
        if s.endswith('[no contained value]'):
            return ('opt', False, None)
        # "std::variant<int, std::string> [index 1] = {"v"}", or the
        # alternative's own children ("... containing std::vector of
        # length 1, capacity 1 = {8}").
        m = re.search(r'\] containing (.*?) = \{(.*)\}$', s)
        if m:
            return ('opt', True, our_scalar(m.group(1) + ' = {' + m.group(2) + '}'))
        body = braces(s)
        return ('opt', True, our_scalar(body))
    raise Bad('kind %s' % kind)


KINDS = [('std::__1::basic_string<', 'string'), ('std::__1::string', 'string'), ('std::__1::wstring', 'string'), ('std::__1::vector<', 'vector'), ('std::__1::map<', 'map'),
         ('std::__1::multimap<', 'map'), ('std::__1::set<', 'set'), ('std::__1::multiset<', 'set'),
         ('std::__1::unique_ptr<', 'unique_ptr'), ('std::__1::shared_ptr<', 'shared_ptr'),
         ('std::__1::weak_ptr<', 'weak_ptr'), ('std::__1::optional<', 'optional'), ('std::__1::variant<', 'variant'), ('std::__1::list<', 'list'),
         ('std::__1::forward_list<', 'list'),
         ('std::__1::unordered_map<', 'map'), ('std::__1::unordered_multimap<', 'map'),
         ('std::__1::unordered_set<', 'set'), ('std::__1::unordered_multiset<', 'set')]


def kind_of(type_name):
    for prefix, kind in KINDS:
        if (type_name or '').startswith(prefix):
            return kind
    return None


def equal(kind, ours, theirs):
    """Ours (possibly cut at 200 elements) against lldb's whole contents."""
    if kind == 'string':
        text, cut = ours[1], ours[2]
        if cut:
            return len(text) == MAX_ELEMENTS and theirs[1].startswith(text)
        return text == theirs[1]
    if ours[0] == 'seq':
        size, elems, cut = ours[1], ours[2], ours[3]
        want = theirs[2][:MAX_ELEMENTS] if cut else theirs[2]
        return size == theirs[1] and elems == want and (not cut or len(elems) == MAX_ELEMENTS)
    return ours == theirs


# What each corrupt value of `printers-libcxx corrupt` must say.
CORRUPT_MARKS = {
    'backwards': 'std::vector of length -3, capacity 0 = {<error: a corrupt std::vector: its end is before its start>}',
    'wild': '= {<unavailable>}',
    'huge': '<error: a corrupt std::string: length 9223372036854775807, capacity 303>',
    'bad_short': '<error: a corrupt std::string: length 127, capacity 22>',
    'cycle': "std::map with 3 elements = {[1] = 1, <error: the tree's links go round in a cycle>}",
    'wild_count': 'std::shared_ptr<int> (use count <unavailable>, weak count <unavailable>) = {get() = 0x',
    'loop': "std::list = {[0] = 1, [1] = 2, [2] = 3, [3] = <error: the list's links go round in a cycle>}",
    'hcycle': "[1] = <error: the hash table's links go round in a cycle>}",
}


def corrupt(a, work, exe):
    dump, _ = conformance.crash(exe, 'segv', a.dumper, work, 'a', 0, args=['corrupt'])
    cmd = [a.crashctl, 'symbolicate', '--format', 'json', '--no-mask', dump]
    t0 = time.monotonic()
    s = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    took = time.monotonic() - t0
    if s.returncode != 0:
        raise RuntimeError('%s failed (%d): %s' % (' '.join(cmd), s.returncode, s.stderr.decode()))
    values = {}
    for f in json.loads(s.stdout)['threads'][0]['frames']:
        if f.get('function') == 'corrupt':
            for v in f.get('vars') or []:
                values[v['name']] = v.get('value')
    failures = []
    for name, mark in CORRUPT_MARKS.items():
        got = values.get(name)
        print('%-10s %s' % (name, got))
        if got is None or mark not in got:
            failures.append('%s: %r does not say %r' % (name, got, mark))
    if took > 30 or len(s.stdout) > 4 << 20:
        failures.append('corrupt containers cost %.1f s and %d bytes' % (took, len(s.stdout)))
    return failures


def show(c):
    t = repr(c)
    return t if len(t) < 100 else t[:97] + '...'


def run(a, work):
    exe = build(a, work)
    if a.corrupt:
        return corrupt(a, work, exe)
    with core_pattern_set(os.path.join(work, 'core.%p')):
        dump, pid = conformance.crash(exe, 'segv', a.dumper, work, 'a', -1)
    core = os.path.join(work, 'core.%d' % pid)
    if not os.path.exists(core):
        raise RuntimeError('no core at %s' % core)
    failures = []
    reports = {}
    for raw in (False, True):
        cmd = [a.crashctl, 'symbolicate', '--format', 'json', '--no-mask'] + (['--raw'] if raw else []) + [dump]
        s = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        if s.returncode != 0:
            raise RuntimeError('%s failed (%d): %s' % (' '.join(cmd), s.returncode, s.stderr.decode()))
        reports[raw] = json.loads(s.stdout)

    base = os.path.basename(a.source)
    frames = lldb_frames(exe, core, work, base)
    if not frames:
        raise RuntimeError('lldb shows none of the frames of %s' % base)
    cmds = []
    for n in sorted(frames):
        cmds += ['frame select %d' % n, 'script print("@@frame %d")' % n, 'frame variable']
    # No Python in lldb here: the frame's own header line marks it.
    text = lldb(exe, core, work, [c for c in cmds if not c.startswith('script')])
    theirs = {}
    for m in re.finditer(r'\(lldb\) frame select (\d+)\n(.*?)(?=\(lldb\) frame select|\Z)', text, re.S):
        theirs[frames[int(m.group(1))]] = dict(parse_lldb_vars(m.group(2)))

    crashed = reports[False]['threads'][0]
    raw_vars = {}
    for f in reports[True]['threads'][0]['frames']:
        for v in f.get('vars') or []:
            raw_vars[(f.get('function'), v['name'])] = v.get('value') or ''
    print('%-10s %-10s %-10s %-9s %s' % ('frame', 'variable', 'kind', 'verdict', "lldb's contents / ours"))
    counts = {'equal': 0, 'DIFFERENT': 0, 'missing': 0}
    for f in crashed['frames']:
        if not f.get('file') or os.path.basename(f['file']) != base:
            continue
        fn = f.get('function')
        for v in f.get('vars') or []:
            kind = kind_of(v.get('type'))
            if not kind:
                continue
            node = theirs.get(fn, {}).get(v['name'])
            ours_text = v.get('value') if v.get('value') is not None else '<%s>' % v.get('reason')
            try:
                if node is None:
                    raise Bad('lldb has no %s in %s' % (v['name'], fn))
                t = lldb_canon(kind, node)
                o = our_canon(kind, ours_text)
                verdict = 'equal' if equal(kind, o, t) else 'DIFFERENT'
            except (Bad, AttributeError, TypeError, ValueError, IndexError) as e:
                t, o, verdict = str(e), ours_text, 'missing' if node is None else 'DIFFERENT'
            counts[verdict] += 1
            print('%-10s %-10s %-10s %-9s %s' % (fn, v['name'], kind, verdict, show(t)))
            if verdict != 'equal':
                print('%-10s %-10s %-10s %-9s %s' % ('', '', '', 'ours', ours_text[:300]))
                failures.append('%s %s: ours %r, lldb %r' % (fn, v['name'], ours_text[:300], show(t)))
            r = raw_vars.get((fn, v['name']), '')
            if not r.startswith('{') or '__' not in r or 'std::vector of' in r or ' with ' in r:
                failures.append('%s %s: --raw does not print the structure: %r' % (fn, v['name'], r[:200]))
    print('values: %s' % ', '.join('%d %s' % (n, k) for k, n in counts.items()))
    if counts['equal'] == 0:
        failures.append('no libc++ value compared')
    return failures


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--source', required=True)
    p.add_argument('--opt', required=True)
    p.add_argument('--dumper', required=True)
    p.add_argument('--crashctl', required=True)
    p.add_argument('--corrupt', action='store_true')
    a = p.parse_args()
    a.dumper, a.crashctl, a.source = (os.path.abspath(x) for x in (a.dumper, a.crashctl, a.source))
    if not shutil.which(LLDB) or not shutil.which('clang++'):
        print('SKIP: %s or clang++ missing' % LLDB)
        return SKIP
    if not os.path.exists('/usr/lib/llvm-14/include/c++/v1/vector'):
        print('SKIP: libc++-14-dev missing')
        return SKIP
    if not core_pattern_writable():
        print('SKIP: core_pattern cannot be changed (not root)')
        return SKIP
    work = tempfile.mkdtemp(prefix='crashd-printers-libcxx-')
    try:
        failures = run(a, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print('FAIL: ' + f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
