#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Conformance of `crashctl symbolicate` against gdb (meson suite 'conformance').

  run-conformance.py --program EXE --opt O0|O2 --dumper SO --crashctl EXE

Runs one deterministic crash program twice: under gdb (`thread apply all
bt full`, with every argument printed in full and entry values off), and
with LD_PRELOAD of the dumper, then symbolicates the dump with
`crashctl symbolicate --format json`. Both runs have ASLR off and the same
environment. It parses gdb's text and compares, thread by thread (matched
by name) and frame by frame: function names, lines, and every value gdb
shows, leaf by leaf.

Pointers are compared as "both null or both not" plus the string they
point at and the symbol gdb names (`<func>`), since addresses may differ
between the runs. Values are compared in the frames of the program's own
source files; other frames (libc) are compared by function and line.

  -O0: every value gdb shows must match; the only unknowns allowed are
       memory that is not in the dump (<unavailable>).
  -O2: no value may differ; values that gdb knows and we call optimized
       out or unavailable are counted and printed, not failed.

Exit status: 0 pass, 1 fail, 77 skip (gdb missing). Standard library only.
"""

import argparse
import ctypes
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

SKIP = 77
TIMEOUT = 120
ADDR_NO_RANDOMIZE = 0x0040000

MARKERS = ('<optimized out>', '<unavailable>', '<not implemented>', '<synthetic pointer>', '<not saved>')


# ---------------------------------------------------------------- values

class Node:
    """A parsed gdb value: kind is one of agg, ptr, ref, str, marker,
    scalar, depth."""

    def __init__(self, kind, **kw):
        self.kind = kind
        self.__dict__.update(kw)

    def __repr__(self):
        return '%s(%s)' % (self.kind, self.__dict__)


class ValueParser:
    NAME = re.compile(r'(?:static )?[A-Za-z_$][\w$.]* = ')
    REPEATS = re.compile(r' <repeats (\d+) times>')

    def __init__(self, text):
        self.s = text
        self.i = 0

    def peek(self, t):
        return self.s.startswith(t, self.i)

    def eat(self, t):
        if self.peek(t):
            self.i += len(t)
            return True
        return False

    def angle(self):
        """A <...> group, nested (<vtable for Box<int>+16>)."""
        start, depth = self.i, 0
        while self.i < len(self.s):
            c = self.s[self.i]
            self.i += 1
            if c == '<':
                depth += 1
            elif c == '>':
                depth -= 1
                if depth == 0:
                    break
        return self.s[start:self.i]

    def quoted(self):
        q = self.s[self.i]
        start = self.i
        self.i += 1
        while self.i < len(self.s) and self.s[self.i] != q:
            if self.s[self.i] == '\\':
                self.i += 1
            self.i += 1
        self.i += 1
        return self.s[start:self.i]

    def at_string(self):
        j = self.i
        if j < len(self.s) and self.s[j] in 'LuU':
            j += 1
            if self.s.startswith('8', j):
                j += 1
        return j < len(self.s) and self.s[j] in '"\''

    def string_seq(self):
        start = self.i
        while True:
            if self.s[self.i] in 'LuU':
                self.i += 1
                self.eat('8')
            self.quoted()
            m = self.REPEATS.match(self.s, self.i)
            if m:
                self.i = m.end()
            save = self.i
            if self.eat(', ') and self.at_string():
                continue
            self.i = save
            break
        self.eat('...')
        text = self.s[start:self.i]
        tail = None
        if self.peek('<'):
            tail = self.angle()
        return Node('str', text=text, tail=tail)

    def scalar(self):
        start, depth = self.i, 0
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in '"\'':
                self.quoted()
                continue
            if c == '(':
                depth += 1
            elif c == ')':
                depth -= 1
            elif depth == 0 and (c == '}' or self.peek(', ')):
                break
            elif depth == 0 and self.REPEATS.match(self.s, self.i):
                break
            self.i += 1
        return Node('scalar', text=self.s[start:self.i])

    def value(self):
        if self.peek('{...}'):
            self.i += 5
            return Node('depth')
        if self.peek('{'):
            return self.aggregate()
        if self.peek('@0x'):
            m = re.compile(r'@0x([0-9a-f]+)').match(self.s, self.i)
            self.i = m.end()
            target = None
            if self.eat(': '):
                target = self.value()
            return Node('ref', null=int(m.group(1), 16) == 0, target=target)
        if self.peek('<'):
            return Node('marker', text=self.angle())
        if self.peek('0x'):
            m = re.compile(r'0x([0-9a-f]+)').match(self.s, self.i)
            self.i = m.end()
            sym = string = None
            if self.peek(' <') and not self.peek(' <repeats'):
                self.i += 1
                sym = self.angle()
            if self.peek(' ') and (self.s[self.i + 1:self.i + 2] in ('"', "'") or
                                   self.s[self.i + 1:self.i + 3] in ('L"', 'u"', 'U"', "L'") or
                                   self.s[self.i + 1:self.i + 2] == '<'):
                self.i += 1
                string = self.string_seq() if self.at_string() else Node('str', text='', tail=self.angle())
            return Node('ptr', null=int(m.group(1), 16) == 0, sym=sym, string=string)
        if self.at_string():
            return self.string_seq()
        return self.scalar()

    def aggregate(self):
        self.eat('{')
        items = []
        while not self.peek('}') and self.i < len(self.s):
            if items and not self.eat(', '):
                raise ValueError('expected ", " at %d in %r' % (self.i, self.s))
            label = ''
            if self.peek('<No data fields>'):
                self.i += len('<No data fields>')
                items.append(('<No data fields>', Node('scalar', text=''), 1))
                continue
            if self.peek('<') and not any(self.peek(mk) for mk in MARKERS) and not self.peek('<error'):
                save = self.i
                base = self.angle()
                if self.eat(' = '):
                    label = base
                else:
                    self.i = save
            if not label:
                m = self.NAME.match(self.s, self.i)
                if m:
                    label = m.group(0)[:-3]
                    self.i = m.end()
            v = self.value()
            reps = 1
            m = self.REPEATS.match(self.s, self.i)
            if m:
                reps = int(m.group(1))
                self.i = m.end()
            if self.eat('...'):
                label += '...'
            items.append((label, v, reps))
        if not self.eat('}'):
            raise ValueError('unterminated { in %r' % self.s)
        return Node('agg', items=items)


def parse_value(text):
    p = ValueParser(text)
    v = p.value()
    if p.i != len(text):
        raise ValueError('trailing text at %d in %r' % (p.i, text))
    return v


def leaves(n):
    if n is None:
        return 0
    if n.kind == 'agg':
        return sum(leaves(v) for _, v, _ in n.items) or 1
    if n.kind == 'ref':
        return 1 + leaves(n.target)
    if n.kind == 'ptr':
        return 1 + (1 if n.string else 0)
    return 1


class Tally:
    def __init__(self):
        self.compared = self.equal = self.differ = self.we_more = 0
        self.unknown = {}       # reason -> count of gdb's leaves we do not know
        self.sym_missing = 0
        self.order = 0          # frames whose variables come in another order
        self.problems = []      # failures
        self.notes = []         # unknowns, printed

    def unknown_add(self, reason, n, where):
        self.unknown[reason] = self.unknown.get(reason, 0) + n
        self.notes.append('%s: we say %s, gdb knows %d value(s)' % (where, reason, n))


def marker_reason(text):
    t = text.strip('<>')
    if t.startswith('error'):
        return 'error'
    return t


def compare(g, o, where, t):
    """g: gdb's node, o: ours."""
    if g.kind == 'marker':
        if o.kind == 'marker' or o.kind == 'depth':
            return
        t.we_more += 1
        t.problems.append('%s: gdb says %s, we print a value' % (where, g.text))
        return
    if o.kind == 'marker':
        t.compared += leaves(g)
        t.unknown_add(marker_reason(o.text), leaves(g), where)
        return
    if o.kind == 'depth':
        t.compared += leaves(g)
        t.unknown_add('depth limit', leaves(g), where)
        return
    if g.kind != o.kind:
        t.compared += 1
        t.differ += 1
        t.problems.append('%s: gdb has a %s, we have a %s' % (where, g.kind, o.kind))
        return
    if g.kind == 'agg':
        gl = [(lab, reps) for lab, _, reps in g.items]
        ol = [(lab, reps) for lab, _, reps in o.items]
        if gl != ol:
            t.compared += leaves(g)
            t.differ += 1
            t.problems.append('%s: members differ: gdb %s, ours %s' % (where, gl, ol))
            return
        for k, ((lab, gv, _), (_, ov, _)) in enumerate(zip(g.items, o.items)):
            compare(gv, ov, '%s.%s' % (where, lab or '[%d]' % k), t)
        return
    if g.kind == 'ref':
        t.compared += 1
        if g.null != o.null:
            t.differ += 1
            t.problems.append('%s: reference null differs' % where)
        else:
            t.equal += 1
        if g.target is not None and o.target is not None:
            compare(g.target, o.target, where + '@', t)
        elif g.target is not None:
            t.unknown_add('no referent', leaves(g.target), where)
        return
    if g.kind == 'ptr':
        t.compared += 1
        if g.null != o.null:
            t.differ += 1
            t.problems.append('%s: gdb pointer null=%s, ours null=%s' % (where, g.null, o.null))
            return
        if g.sym and o.sym and g.sym != o.sym:
            t.differ += 1
            t.problems.append('%s: pointer symbol gdb %s, ours %s' % (where, g.sym, o.sym))
            return
        if g.sym and not o.sym:
            t.sym_missing += 1
            t.notes.append('%s: gdb names the pointer %s, we do not' % (where, g.sym))
        t.equal += 1
        if g.string:
            t.compared += 1
            if not o.string:
                t.differ += 1
                t.problems.append('%s: gdb shows the string %s, we show none' % (where, g.string.text))
            elif o.string.tail and not o.string.text:
                t.unknown_add(marker_reason(o.string.tail), 1, where + '*')
            elif g.string.text == o.string.text and (g.string.tail == o.string.tail or
                                                     marker_reason(o.string.tail or '') == 'unavailable'):
                t.equal += 1
            else:
                t.differ += 1
                t.problems.append('%s: string gdb %s%s, ours %s%s' % (where, g.string.text, g.string.tail or '',
                                                                      o.string.text, o.string.tail or ''))
        return
    t.compared += 1
    if g.text == o.text:
        t.equal += 1
    else:
        t.differ += 1
        t.problems.append('%s: gdb %s, ours %s' % (where, g.text, o.text))


# ---------------------------------------------------------------- gdb's text

FRAME = re.compile(r'^#(\d+)\s+(?:0x[0-9a-f]+ in )?')
THREAD = re.compile(r'^Thread \d+ \(.*"(.*)"\):$')


def split_top(text, sep_re):
    """Splits text at sep_re matches that are outside quotes and brackets."""
    parts, depth, i, start = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in '"\'':
            q = c
            i += 1
            while i < len(text) and text[i] != q:
                i += 2 if text[i] == '\\' else 1
            i += 1
            continue
        if c in '{(':
            depth += 1
        elif c in '})':
            depth -= 1
        elif depth == 0:
            m = sep_re.match(text, i)
            if m:
                parts.append(text[start:i])
                i = start = m.end()
                continue
        i += 1
    parts.append(text[start:])
    return parts


def parse_frame_line(line):
    m = FRAME.match(line)
    rest = line[m.end():]
    # the function name ends at " (" whose group closes the arguments
    k = rest.find(' (')
    while k >= 0:
        depth, i = 0, k + 1
        while i < len(rest):
            c = rest[i]
            if c in '"\'':
                q = c
                i += 1
                while i < len(rest) and rest[i] != q:
                    i += 2 if rest[i] == '\\' else 1
            elif c in '({':
                depth += 1
            elif c in ')}':
                depth -= 1
                if depth == 0:
                    break
            i += 1
        tail = rest[i + 1:]
        if tail == '' or tail.startswith(' at ') or tail.startswith(' from '):
            break
        k = rest.find(' (', k + 1)
    func, args_text = rest[:k], rest[k + 2:i]
    frame = {'n': int(m.group(1)), 'function': func, 'file': None, 'line': None, 'args': [], 'locals': []}
    am = re.match(r' at (.+):(\d+)$', tail)
    if am:
        frame['file'], frame['line'] = am.group(1), int(am.group(2))
    if args_text:
        for part in split_top(args_text, re.compile(r', (?=[A-Za-z_$][\w$]*=)')):
            name, _, value = part.partition('=')
            frame['args'].append((name, value))
    return frame


def parse_gdb(text):
    threads, cur, frame = {}, None, None
    for line in text.splitlines():
        tm = THREAD.match(line)
        if tm:
            cur = threads.setdefault(tm.group(1), [])
            frame = None
            continue
        if cur is None:
            continue
        if FRAME.match(line):
            frame = parse_frame_line(line)
            cur.append(frame)
        elif line.startswith('        ') and frame is not None and ' = ' in line:
            name, _, value = line.strip().partition(' = ')
            frame['locals'].append((name, value))
    return threads


# ---------------------------------------------------------------- running

def run_gdb(program, env):
    cmd = ['gdb', '-batch', '-nx',
           '-iex', 'set auto-load python-scripts off',
           '-iex', 'set debuginfod enabled off',
           '-ex', 'set width 0', '-ex', 'set height 0',
           '-ex', 'set print frame-arguments all',
           '-ex', 'set print entry-values no',
           '-ex', 'run', '-ex', 'thread apply all bt full', '--args', program]
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT,
                       stdin=subprocess.DEVNULL)
    return r.stdout.decode('utf-8', 'replace')


def no_aslr():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.personality(ADDR_NO_RANDOMIZE)


def run_dumper(program, dumper, crashctl, work, env):
    dumps = os.path.join(work, 'dumps')
    os.mkdir(dumps)
    # CRASHD_WAIT: the dump is in place when the program has exited.
    e = dict(env, LD_PRELOAD=dumper, CRASHD_DUMP_DIR=dumps, CRASHD_WAIT='1')
    r = subprocess.run([program], env=e, preexec_fn=no_aslr, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    if r.returncode != -signal.SIGSEGV:
        raise RuntimeError('the program ended with %d, not SIGSEGV: %s' % (r.returncode, r.stderr.decode()))
    files = glob.glob(os.path.join(dumps, '*.dmp*'))
    if len(files) != 1:
        raise RuntimeError('expected one dump, found %s' % files)
    s = subprocess.run([crashctl, 'symbolicate', '--format', 'json', '--no-mask', files[0]],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    if s.returncode != 0:
        raise RuntimeError('crashctl symbolicate failed (%d): %s' % (s.returncode, s.stderr.decode()))
    return json.loads(s.stdout), s.stdout.decode()


def our_threads(report):
    out = {}
    for th in report['threads']:
        out.setdefault(th.get('name') or str(th.get('tid')), th['frames'])
    return out


def our_value(var):
    if var.get('value') is not None:
        return var['value']
    return '<%s>' % (var.get('reason') or 'optimized out')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--program', required=True)
    ap.add_argument('--opt', required=True, choices=['O0', 'O2'])
    ap.add_argument('--dumper', required=True)
    ap.add_argument('--crashctl', required=True)
    ap.add_argument('--source', action='append', default=[],
                    help='frames in this source file have their values compared (repeatable; '
                    'default: frames outside system and library paths)')
    ap.add_argument('--keep', action='store_true', help='keep the work folder and print its path')
    a = ap.parse_args()

    if not shutil.which('gdb'):
        print('SKIP: gdb is not installed')
        return SKIP
    program = os.path.abspath(a.program)
    work = tempfile.mkdtemp(prefix='conformance-')
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'LC_ALL': 'C', 'HOME': work}
    try:
        gdb_text = run_gdb(program, env)
        with open(os.path.join(work, 'gdb.txt'), 'w') as f:
            f.write(gdb_text)
        report, raw = run_dumper(program, os.path.abspath(a.dumper), os.path.abspath(a.crashctl), work, env)
        with open(os.path.join(work, 'ours.json'), 'w') as f:
            f.write(raw)
        return compare_all(a, program, gdb_text, report)
    finally:
        if a.keep:
            print('work folder:', work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def own_frame(gf, sources):
    f = gf['file']
    if not f:
        return False
    if sources:
        return os.path.basename(f) in {os.path.basename(s) for s in sources}
    return not f.startswith('../') and not f.startswith('./') and not f.startswith('/usr/')


def compare_all(a, program, gdb_text, report):
    gthreads = parse_gdb(gdb_text)
    othreads = our_threads(report)
    t = Tally()
    frames_compared = frames_ok = 0
    if not gthreads:
        print('FAIL: no threads in gdb output:\n' + gdb_text)
        return 1
    for name, gframes in sorted(gthreads.items()):
        oframes = othreads.get(name)
        if oframes is None:
            t.problems.append('thread %r: gdb has it, we do not (ours: %s)' % (name, sorted(othreads)))
            continue
        if len(oframes) < len(gframes):
            t.problems.append('thread %r: gdb has %d frames, we have %d' % (name, len(gframes), len(oframes)))
        for gf, of in zip(gframes, oframes):
            where = '%s#%d %s' % (name, gf['n'], gf['function'])
            frames_compared += 1
            if gf['function'] != of.get('function'):
                t.problems.append('%s: function differs: ours %r' % (where, of.get('function')))
                break
            if gf['line'] is not None and gf['line'] != of.get('line'):
                t.problems.append('%s: line gdb %s, ours %s' % (where, gf['line'], of.get('line')))
                continue
            frames_ok += 1
            if not own_frame(gf, a.source):
                continue
            ovars = of.get('vars') or []
            oparams = [v for v in ovars if v.get('kind') == 'param']
            olocals = [v for v in ovars if v.get('kind') == 'local']
            compare_vars(gf['args'], oparams, where + ' arg', t)
            compare_vars(gf['locals'], olocals, where + ' local', t)

    unknown = sum(t.unknown.values())
    print('%s %s: frames %d/%d agree; values compared %d, equal %d, we-unknown %d %s, differ %d, '
          'we-more %d, symbols missing %d, order differs in %d frame(s)'
          % (os.path.basename(program), a.opt, frames_ok, frames_compared, t.compared, t.equal, unknown,
             dict(sorted(t.unknown.items())), t.differ, t.we_more, t.sym_missing, t.order))
    for n in t.notes:
        print('  note:', n)
    failures = list(t.problems)
    if a.opt == 'O0':
        for reason, n in t.unknown.items():
            if reason not in ('unavailable', 'depth limit'):
                failures.append('-O0: %d value(s) gdb knows are %s here' % (n, reason))
    for p in failures:
        print('  FAIL:', p)
    return 1 if failures else 0


def compare_vars(gvars, ovars, where, t):
    seen = {}
    by_name = {}
    for v in ovars:
        by_name.setdefault(v['name'], []).append(v)
    used = set()
    for name, gval in gvars:
        k = seen.get(name, 0)
        seen[name] = k + 1
        cands = by_name.get(name, [])
        if k >= len(cands):
            t.problems.append('%s %s: gdb shows it, we do not' % (where, name))
            continue
        ov = cands[k]
        used.add(id(ov))
        w = '%s %s' % (where, name)
        try:
            g = parse_value(gval)
        except (ValueError, IndexError, AttributeError) as e:
            t.problems.append('%s: cannot parse gdb value %r: %s' % (w, gval, e))
            continue
        try:
            o = parse_value(our_value(ov))
        except (ValueError, IndexError, AttributeError) as e:
            t.problems.append('%s: cannot parse our value %r: %s' % (w, our_value(ov), e))
            continue
        compare(g, o, w, t)
    for v in ovars:
        if id(v) not in used:
            t.problems.append('%s %s: we show it, gdb does not' % (where, v['name']))
    gnames = [n for n, _ in gvars]
    onames = [v['name'] for v in ovars]
    if gnames != onames and sorted(gnames) == sorted(onames):
        # gdb keeps a lexical block's symbols in a hash table, so its
        # order inside nested blocks is not declaration order.
        t.order += 1
        t.notes.append('%s: order differs: gdb %s, ours %s' % (where, gnames, onames))


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print('FAIL:', e)
        sys.exit(1)
