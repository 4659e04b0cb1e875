# SPDX-License-Identifier: MIT
"""gdb's printed values and `bt full` text, parsed and compared with
crashctl's (tests/conformance/run-conformance.py). Standard library only.

A value is parsed into a tree of Nodes (aggregates, pointers with their
address, the symbol gdb names and the string it shows, references,
markers such as <optimized out>, scalars); compare() walks gdb's tree and
ours side by side and counts every leaf gdb shows: equal, unknown to us
(and why), different, or known to us and not to gdb. Both sides come from
the same crash (our dump and the kernel's core of it), so addresses are
compared exactly."""

import re

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
            return Node('ref', null=int(m.group(1), 16) == 0, addr=int(m.group(1), 16), target=target)
        if self.peek('<'):
            return Node('marker', text=self.angle())
        if self.peek('0x'):
            m = re.compile(r'0x([0-9a-f]+)').match(self.s, self.i)
            self.i = m.end()
            sym = string = None
            if self.peek(' <') and not self.peek(' <repeats'):
                self.i += 1
                sym = self.angle()
                if sym.startswith('<error') or sym in MARKERS:
                    # a char * whose string cannot be read: gdb's
                    # "<error: Cannot access memory at address 0x...>",
                    # our "<unavailable>". No symbol.
                    string, sym = Node('str', text='', tail=sym), None
            if string is None and self.peek(' ') and (self.s[self.i + 1:self.i + 2] in ('"', "'") or
                                   self.s[self.i + 1:self.i + 3] in ('L"', 'u"', 'U"', "L'") or
                                   (self.s[self.i + 1:self.i + 2] == '<' and not self.peek(' <repeats'))):
                self.i += 1
                string = self.string_seq() if self.at_string() else Node('str', text='', tail=self.angle())
            return Node('ptr', null=int(m.group(1), 16) == 0, addr=int(m.group(1), 16), sym=sym, string=string)
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


def expand(items, limit=100000):
    """An aggregate's (label, node) pairs with <repeats N times> spelled
    out; None when that would be too many."""
    if sum(reps for _, _, reps in items) > limit:
        return None
    return [(lab, v) for lab, v, reps in items for _ in range(reps)]


class Tally:
    def __init__(self):
        self.compared = self.equal = self.differ = self.we_more = 0
        self.unknown = {}       # reason -> count of gdb's leaves we do not know
        self.sym_missing = 0
        self.gdb_lost = 0       # leaves gdb reads from a register the frame lost
        self.order = 0          # frames whose variables come in another order
        # Set while comparing the callee of a tail-call frame gdb cannot
        # rebuild (run-conformance.py --max-unverified-tailcalls): what we
        # know there and gdb does not is counted in we_more, not failed.
        self.accept_more = False
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
        if t.accept_more:
            t.notes.append('%s: gdb says %s, we print a value (callee of a tail call gdb cannot follow)'
                           % (where, g.text))
            return
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
        ge, oe = expand(g.items), expand(o.items)
        if gl != ol and ge is not None and oe is not None and [lab for lab, _ in ge] == [lab for lab, _ in oe]:
            # The same elements, told apart by <repeats N times> only:
            # we say "<unavailable> <repeats 58 times>" for the part of an
            # array that is not in the dump, where gdb has 58 values.
            for k, ((lab, gv), (_, ov)) in enumerate(zip(ge, oe)):
                compare(gv, ov, '%s.%s' % (where, lab or '[%d]' % k), t)
            return
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
        if g.addr != o.addr:
            t.differ += 1
            t.problems.append('%s: reference gdb @0x%x, ours @0x%x' % (where, g.addr, o.addr))
        else:
            t.equal += 1
        if g.target is not None and o.target is not None:
            compare(g.target, o.target, where + '@', t)
        elif g.target is not None:
            t.unknown_add('no referent', leaves(g.target), where)
        return
    if g.kind == 'ptr':
        if g.string and not g.string.text and marker_reason(g.string.tail or '') == 'error':
            # gdb cannot read the string: we must not show one either.
            if o.kind == 'ptr' and o.string and o.string.text:
                t.we_more += 1
                t.problems.append('%s: gdb cannot read the string, we show %s' % (where, o.string.text))
            g = Node('ptr', null=g.null, addr=g.addr, sym=None, string=None)
        t.compared += 1
        if g.addr != o.addr:
            t.differ += 1
            t.problems.append('%s: pointer gdb 0x%x, ours 0x%x' % (where, g.addr, o.addr))
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
THREAD = re.compile(r'^Thread \d+ \(.*LWP (\d+)\)+:$')
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
        # A parameter pack's names are "__args#0", "__args#1".
        for part in split_top(args_text, re.compile(r', (?=[A-Za-z_$][\w$]*(?:#\d+)?=)')):
            name, _, value = part.partition('=')
            frame['args'].append((name, value))
    return frame


def parse_gdb(text):
    """{LWP: [frame, ...]} from `thread apply all bt full` on a core."""
    threads, cur, frame = {}, None, None
    for line in text.splitlines():
        tm = THREAD.match(line)
        if tm:
            cur = threads.setdefault(int(tm.group(1)), [])
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


# Values gdb 13 gets wrong, each shown by hand. Only the exact pair
# (gdb's value, or a pattern of it, and the true value) is accepted:
# anything else we print is compared with gdb's as usual.
GDB_WRONG = [
    # conf.c middle(): `int vla[code - 2]` with code = 5 and vla[i] = i * i,
    # so vla = {0, 1, 4}. clang at -Og/-O2/-O3 knows the bound: the
    # subrange's DW_AT_count refers to the artificial __vla_expr0, which
    # has DW_AT_const_value 3 and no location. gdb's read_subrange_type
    # (attr_to_dynamic_prop) only follows a reference to a DIE with a
    # DW_AT_location, complains "Unresolved DW_AT_count" and leaves the
    # bounds at 0..0: one element, {0}. gdb prints __vla_expr0 = 3 itself
    # in the same frame.
    ('middle', 'vla', '{0}', '{0, 1, 4}'),
    # tests/realworld/gtest-crash.cc, gcc -O2: lhs of String::CStringEquals
    # (inlined twice into CmpHelperSTREQ, frames #1 and #2) is
    # DW_OP_entry_value(rcx) at the strcmp call's return address - 1. The
    # call site in TestBody gives rcx as DW_OP_breg12 r12+0, DW_OP_breg3
    # rbx+0, DW_OP_plus, DW_OP_deref: &kRecords[2].name, which holds 16 by
    # construction (TestBody's rbx = 2 << 4, its r12 = kRecords). gdb
    # evaluates that expression with the registers of CmpHelperSTREQ, the
    # callee, instead of TestBody's: its r12 is rhs_expression
    # (0x555555599d4e in one run, as gdb prints it) and its rbx the AssertionResult
    # slot (0x7fffffffe960), whose sum is the address gdb cannot read
    # (0xd555555986ae; it moves with .rodata, which holds the source's
    # path: a pattern).
    ('testing::internal::String::CStringEquals', 'lhs',
     re.compile(r'<error reading variable: Cannot access memory at address 0xd5555[0-9a-f]{7}>'),
     '0x10 <unavailable>'),
]


def gdb_wrong(where, name, gval, oval):
    func = where.split()[1] if len(where.split()) > 1 else ''
    return any(func == f and name == n and (g.fullmatch(gval) if isinstance(g, re.Pattern) else gval == g)
               and oval == o for f, n, g, o in GDB_WRONG)


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
        if ov.get('value') is None and 'call-clobbered' in (ov.get('detail') or ''):
            # gdb takes a call-clobbered register it has no rule for as
            # "same value" in a caller frame (dwarf2/frame.c), so it shows
            # what the callee left there. By hand, clang -O2 conf.c: middle
            # got sh=&sh (recurse's local, 0x7fffffffea80 in gdb's own
            # frame #3) in rdi, and its location list still says rdi at
            # the call's return address - 1; gdb prints sh=0x6, the rdi of
            # crash_now at the crash. Not counted either way.
            t.gdb_lost += 1
            t.notes.append('%s: gdb shows %s from %s' % (w, gval, ov['detail']))
            continue
        if gdb_wrong(where, name, gval, our_value(ov)):
            t.compared += 1
            t.equal += 1
            t.notes.append('%s: gdb shows %s, the true value is %s (GDB_WRONG)' % (w, gval, our_value(ov)))
            continue
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
        # order inside nested blocks is not declaration order; crashd
        # follows that table (symbolicate/block-order.c).
        t.order += 1
        t.problems.append('%s: order differs: gdb %s, ours %s' % (where, gnames, onames))




def our_value(var):
    if var.get('value') is not None:
        return var['value']
    return '<%s>' % (var.get('reason') or 'optimized out')
