#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/export/test-export.py CRASHCTL MAKE_SAMPLE_DUMP

`crashctl export --core` on the synthetic sample dumps (the values of
tests/proto/sample-dump.h) and on dumps written here (mdmp.py): the
notes, their order and fields, the PT_LOADs against the dump's memory
(`crashctl info --json`) byte for byte, PN_XNUM past 65535 segments,
hostile maps text, corrupted dumps and bad command lines. With gdb
installed, gdb reads the captured bytes from the core and reports memory
the dump lacks as "Cannot access memory", never as zeros (also where the
maps say a file is mapped that is not there). Exit status 0 when
everything holds; runs under the sanitizer builds too."""

import json
import os
import pty
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import elfcore  # noqa: E402
import mdmp  # noqa: E402

CRASHCTL = None
MAKE_DUMP = None
TMP = None

# tests/proto/sample-dump.h
TID_MAIN, TID_CRASH, TID_IDLE = 4242, 4243, 4244
CRASH_EXC_RIP, CRASH_RSP, MAIN_RIP, MAIN_RSP = 0x401238, 0x7ffd00100000, 0x401000, 0x7ffd0000f000
CODE_START, CODE_SIZE = 0x401200, 64
HEAP_START, HEAP_SIZE = 0x600000, 128
XSTATE_SIZE = 832


def sample_byte(addr):
    return (addr * 7 + (addr >> 8) * 13 + 1) & 0xff


def sample_bytes(addr, n):
    return bytes(sample_byte(addr + i) for i in range(n))


def run(*args, ok=(0,), cwd=None, stdout=subprocess.PIPE):
    r = subprocess.run([CRASHCTL, *args], stdout=stdout, stderr=subprocess.PIPE, timeout=120, cwd=cwd)
    if r.returncode not in ok:
        raise AssertionError(f'crashctl {" ".join(args)}: exit {r.returncode}, '
                             f'stderr {r.stderr.decode(errors="replace")!r}')
    return r


def make(name, *args):
    path = os.path.join(TMP, name)
    subprocess.run([MAKE_DUMP, *args, path], check=True, timeout=60)
    return path


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)
    return path


def export(dump, name=None):
    out = os.path.join(TMP, name or os.path.basename(dump) + '.core')
    r = run('export', '--core', '-o', out, dump)
    assert r.stdout == b'' and r.stderr == b'', (r.stdout, r.stderr)
    with open(out, 'rb') as f:
        return out, elfcore.Core(f.read())


def merged(regions):
    """[(start, end)] with touching ranges joined, as the core's PT_LOADs
    hold them where the permissions do not change."""
    out = []
    for start, size in sorted(regions):
        if out and out[-1][1] == start:
            out[-1][1] = start + size
        else:
            out.append([start, start + size])
    return [tuple(r) for r in out]


def info_memory(dump):
    i = json.loads(run('info', '--json', dump).stdout)
    return [(int(m['start'], 16), m['size']) for m in i['memory']['list']]


class Full(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dump = make('full.dmp.zst')
        cls.path, cls.core = export(cls.dump)

    def test_header(self):
        c = self.core
        self.assertEqual((c.ei_class, c.ei_data, c.e_type, c.e_machine), (2, 1, 4, 62))  # ELFCLASS64, LSB, ET_CORE, EM_X86_64
        self.assertEqual(c.phdrs[0]['type'], elfcore.PT_NOTE)
        self.assertEqual(c.phdrs[0]['align'], 4)
        self.assertEqual(c.e_shoff, 0)
        self.assertEqual(c.phnum, 1 + len(c.loads))
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)

    def test_note_order(self):
        # The kernel's order, the crashing thread first; the idle thread
        # has no registers, so no FPU state.
        got = [(n['name'], elfcore.NOTE_NAMES.get(n['type'], hex(n['type']))) for n in self.core.notes]
        core = lambda t: ('CORE', t)  # noqa: E731
        self.assertEqual(got, [core('NT_PRSTATUS'), core('NT_PRPSINFO'), core('NT_SIGINFO'), core('NT_AUXV'),
                               core('NT_FILE'), core('NT_FPREGSET'), ('LINUX', 'NT_X86_XSTATE'),
                               core('NT_PRSTATUS'), core('NT_FPREGSET'),
                               core('NT_PRSTATUS')])

    def notes(self, t):
        return [n['desc'] for n in self.core.notes if n['type'] == t]

    def test_prstatus(self):
        st = [elfcore.prstatus(d) for d in self.notes(elfcore.NT_PRSTATUS)]
        self.assertEqual([s['pid'] for s in st], [TID_CRASH, TID_MAIN, TID_IDLE])
        for s in st:
            self.assertEqual((s['si_signo'], s['cursig'], s['ppid']), (11, 11, 1))
            self.assertEqual(s['regs']['orig_rax'], 2**64 - 1)     # unknown: -1
        crash, main, idle = st
        # The exception stream's context (the handler's), not the thread list's.
        self.assertEqual(crash['regs']['rip'], CRASH_EXC_RIP)
        self.assertEqual(crash['regs']['rsp'], CRASH_RSP)
        self.assertEqual(crash['regs']['rbp'], CRASH_RSP + 0x40)
        self.assertEqual((crash['regs']['rax'], crash['regs']['r15'], crash['regs']['eflags']), (0x1111, 0xf15, 0x246))
        self.assertEqual(crash['regs']['fs_base'], 0x7f3000001000)
        self.assertEqual((main['regs']['rip'], main['regs']['rsp'], main['regs']['fs_base']),
                         (MAIN_RIP, MAIN_RSP, 0x7f3000000000))
        self.assertEqual((crash['fpvalid'], main['fpvalid'], idle['fpvalid']), (1, 1, 0))
        self.assertEqual({k: v for k, v in idle['regs'].items() if k not in ('orig_rax', 'fs_base')},
                         {k: 0 for k in elfcore.REGS if k not in ('orig_rax', 'fs_base')})

    def test_prpsinfo(self):
        ps = elfcore.prpsinfo(self.notes(elfcore.NT_PRPSINFO)[0])
        self.assertEqual((ps['pid'], ps['ppid'], ps['uid'], ps['gid']), (4242, 1, 1000, 1001))
        self.assertEqual((ps['state'], ps['sname']), (0, 'R'))
        self.assertEqual(ps['fname'], b'main')     # the group leader's comm
        # NULs as spaces, as the kernel's fill_psinfo().
        self.assertEqual(ps['psargs'], b'./crashme segv --flag="1" ')

    def test_siginfo(self):
        # The sample's raw siginfo is a byte pattern, not a siginfo of
        # signal 11: the known fields are written instead.
        si = self.notes(elfcore.NT_SIGINFO)[0]
        self.assertEqual(len(si), 128)
        self.assertEqual(struct.unpack_from('<iiiiQ', si, 0), (11, 0, 1, 0, 0))

    def test_auxv_and_file(self):
        self.assertEqual(self.notes(elfcore.NT_AUXV)[0], struct.pack('<6Q', 6, 4096, 25, 0x7ffd00200000, 0, 0))
        page, files = elfcore.nt_file(self.notes(elfcore.NT_FILE)[0])
        self.assertEqual((page, files), (4096, [(0x400000, 0x405000, 0, b'/usr/bin/crashme')]))

    def test_fpu(self):
        fp = self.notes(elfcore.NT_FPREGSET)
        xs = self.notes(elfcore.NT_X86_XSTATE)[0]
        image = sample_bytes(0, XSTATE_SIZE)            # the sample's XSAVE image
        self.assertEqual(len(xs), XSTATE_SIZE)
        self.assertEqual(xs[:464], image[:464])
        self.assertEqual(xs[464:472], image[464:472])   # XCR0's place, as the image had it
        self.assertEqual(xs[472:512], bytes(40))
        self.assertEqual(xs[512:], image[512:])
        self.assertEqual(fp[0], image[:464] + bytes(48))
        self.assertEqual(len(fp[1]), 512)               # the main thread's, from its context
        self.assertEqual(struct.unpack_from('<I', fp[1], 24)[0], 0x1f80)   # mxcsr

    def test_loads(self):
        c = self.core
        want = merged(info_memory(self.dump))
        self.assertEqual([(p['vaddr'], p['vaddr'] + p['memsz']) for p in c.loads], want)
        for p in c.loads:
            self.assertEqual(p['filesz'], p['memsz'])
            # The code range lies in the maps' r-xp mapping of crashme.
            flags = elfcore.PF_R | elfcore.PF_X if 0x400000 <= p['vaddr'] < 0x405000 else elfcore.PF_R | elfcore.PF_W
            self.assertEqual(p['flags'], flags, hex(p['vaddr']))
        self.assertEqual(c.read(HEAP_START, HEAP_SIZE), sample_bytes(HEAP_START, HEAP_SIZE))
        self.assertEqual(c.read(CODE_START, CODE_SIZE), sample_bytes(CODE_START, CODE_SIZE))
        self.assertEqual(c.read(CRASH_RSP, 512), sample_bytes(CRASH_RSP, 512))
        self.assertEqual(c.read(MAIN_RSP, 256), sample_bytes(MAIN_RSP, 256))
        self.assertIsNone(c.read(HEAP_START + HEAP_SIZE, 1))
        self.assertIsNone(c.read(CODE_START - 1, 1))
        self.assertEqual(c.loads[0]['offset'] % 4096, 0)        # the data starts on a page

    def test_stdout_and_default_name(self):
        with open(self.path, 'rb') as f:
            want = f.read()
        r = run('export', '--core', '-o', '-', self.dump)       # a pipe
        self.assertEqual(r.stdout, want)
        # Options after the dump; the name from the dump's, here.
        cwd = tempfile.mkdtemp(dir=TMP)
        shutil.copy(self.dump, os.path.join(cwd, 'app.1.2.3.dmp.zst'))
        run('export', 'app.1.2.3.dmp.zst', '--core', cwd=cwd)
        with open(os.path.join(cwd, 'app.1.2.3.core'), 'rb') as f:
            self.assertEqual(f.read(), want)
        # An older file keeps neither its bytes nor its mode; no temp file is left.
        old = os.path.join(cwd, 'old.core')
        write(old, b'x' * 10)
        os.chmod(old, 0o644)
        run('export', '--core', self.dump, '-o', old)
        self.assertEqual(stat.S_IMODE(os.stat(old).st_mode), 0o600)
        with open(old, 'rb') as f:
            self.assertEqual(f.read(), want)
        self.assertEqual(sorted(os.listdir(cwd)), ['app.1.2.3.core', 'app.1.2.3.dmp.zst', 'old.core'])

    def test_gdb_reads_what_the_dump_holds_only(self):
        if not shutil.which('gdb'):
            self.skipTest('no gdb')
        r = subprocess.run(['gdb', '-batch', '-nx', '-iex', 'set debuginfod enabled off',
                            '-ex', 'x/4xb 0x%x' % HEAP_START, '-ex', 'x/4xb 0x%x' % (HEAP_START + HEAP_SIZE),
                            '-ex', 'x/4xb 0x%x' % CODE_START,
                            # In crashme's r-xp mapping, not captured; the
                            # file NT_FILE names is not there: an error,
                            # not zeros.
                            '-ex', 'x/4xb 0x%x' % (CODE_START + CODE_SIZE),
                            '-ex', 'info threads', '-c', self.path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = r.stdout.decode()

        def bytes_line(addr):
            return '0x%x:\t' % addr + '\t'.join('0x%02x' % b for b in sample_bytes(addr, 4))
        self.assertIn(bytes_line(HEAP_START), out)
        self.assertIn(bytes_line(CODE_START), out)
        self.assertIn('Cannot access memory at address 0x%x' % (HEAP_START + HEAP_SIZE), out)
        self.assertIn('Cannot access memory at address 0x%x' % (CODE_START + CODE_SIZE), out)
        self.assertNotIn('0x%x:\t0x00\t0x00' % (CODE_START + CODE_SIZE), out)
        self.assertRegex(out, r'\* 1 +LWP %d ' % TID_CRASH)
        self.assertRegex(out, r'\n +2 +LWP %d ' % TID_MAIN)
        self.assertRegex(out, r'\n +3 +LWP %d ' % TID_IDLE)
        self.assertIn('Program terminated with signal SIGSEGV', out)


class Variants(unittest.TestCase):
    def test_requested(self):
        _, c = export(make('requested.dmp', '--variant', 'requested'))
        types = [n['type'] for n in c.notes]
        self.assertNotIn(elfcore.NT_SIGINFO, types)             # no signal to describe
        st = elfcore.prstatus(c.notes[0]['desc'])
        self.assertEqual((st['pid'], st['cursig'], st['si_signo']), (TID_CRASH, 0, 0))

    def test_breakpad(self):
        # No crash info, no thread info: siginfo and ids from the other streams.
        dump = make('breakpad.dmp', '--variant', 'breakpad')
        _, c = export(dump)
        st = [elfcore.prstatus(n['desc']) for n in c.notes if n['type'] == elfcore.NT_PRSTATUS]
        self.assertEqual([s['pid'] for s in st], [TID_CRASH, TID_MAIN, TID_IDLE])
        self.assertEqual(st[0]['regs']['fs_base'], 0)
        si = [n['desc'] for n in c.notes if n['type'] == elfcore.NT_SIGINFO][0]
        self.assertEqual(struct.unpack_from('<iii', si, 0), (11, 0, 1))
        ps = elfcore.prpsinfo([n['desc'] for n in c.notes if n['type'] == elfcore.NT_PRPSINFO][0])
        self.assertEqual((ps['pid'], ps['ppid'], ps['uid'], ps['fname']), (4242, 1, 1000, b'crashme'))
        self.assertNotIn(elfcore.NT_X86_XSTATE, [n['type'] for n in c.notes])

    def test_minimal(self):
        _, c = export(make('minimal.dmp', '--variant', 'minimal'))
        self.assertEqual([n['type'] for n in c.notes], [elfcore.NT_PRSTATUS, elfcore.NT_PRPSINFO, elfcore.NT_FPREGSET])
        self.assertEqual([(p['vaddr'], p['memsz']) for p in c.loads], [(MAIN_RSP, 256)])


class Written(unittest.TestCase):
    """Dumps written by mdmp.py."""

    def test_pn_xnum(self):
        # 70000 ranges a page apart: 70000 PT_LOADs and the PT_NOTE, past
        # what e_phnum holds; gdb and lldb read them.
        n = 70000
        mem = [(0x10000000 + i * 4096, struct.pack('<Q', i)) for i in range(n)]
        dump = write(os.path.join(TMP, 'many.dmp'),
                     mdmp.build([(7, mdmp.context(rip=0x10000000, rsp=0x10000000))], mem, crash_tid=7))
        path, c = export(dump)
        self.assertEqual(c.e_phnum, elfcore.PN_XNUM)
        self.assertEqual(c.e_shnum, 1)
        self.assertEqual(c.shdr0[1], 0)             # SHT_NULL
        self.assertEqual(c.phnum, n + 1)
        self.assertEqual(len(c.loads), n)
        self.assertEqual(c.e_shoff % 8, 0)
        self.assertEqual(c.e_shoff + 64, len(c.data))
        self.assertEqual(c.read(0x10000000 + 69999 * 4096, 8), struct.pack('<Q', 69999))
        if shutil.which('gdb'):
            r = subprocess.run(['gdb', '-batch', '-nx', '-iex', 'set debuginfod enabled off',
                                '-ex', 'x/1xg 0x%x' % (0x10000000 + 69999 * 4096),
                                '-ex', 'x/1xg 0x%x' % (0x10000000 + 69999 * 4096 + 8), '-c', path],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
            out = r.stdout.decode()
            self.assertIn('0x%x:\t0x%016x' % (0x10000000 + 69999 * 4096, 69999), out)
            self.assertIn('Cannot access memory at address 0x%x' % (0x10000000 + 69999 * 4096 + 8), out)
        if shutil.which('lldb-14'):
            # lldb-14 takes a core for Linux's by an NT_FILE path under
            # /lib/x86_64-linux-gnu, which this one has not: a program
            # tells it instead.
            r = subprocess.run(['lldb-14', '--batch', '--no-lldbinit',
                                '-o', 'memory read -s8 -c1 -fx 0x%x' % (0x10000000 + 69999 * 4096),
                                '-o', 'memory read -s8 -c1 -fx 0x%x' % (0x10000000 + 69999 * 4096 + 8),
                                '-c', path, '/bin/true'],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
            out = r.stdout.decode()
            self.assertIn('0x%x: 0x%016x' % (0x10000000 + 69999 * 4096, 69999), out)
            self.assertIn('core file does not contain 0x%x' % (0x10000000 + 69999 * 4096 + 8), out)

    def test_hostile_maps(self):
        maps = (b'00400000-00402000 r-xp 00000000 08:01 12 /opt/app\n'
                b'00402000-00403000 r--p 00002000 08:01 12 /opt/app\n'        # RELRO: a writable one follows
                b'00403000-00404000 rw-p 00003000 08:01 12 /opt/app\n'
                b'00401000-00408000 rwxp 00000000 08:01 12 /opt/overlaps\n'   # overlaps: dropped
                b'garbage line\n'
                b'ffffffffffffffffff-1 r--p 0 0:0 0\n'                         # overflows: dropped
                b'00500000-00501000 r--p 00000000 08:01 13 /opt/n\x00ul\x1b[31m\n'
                b'00600000-00601000 r--p 00000000 08:01 14 /opt/not-a-module\n'
                b'00700000-00701000 r--s 00000000 08:01 15 /opt/app\n'
                b'00800000-00801000 r--p 00000000 00:00 0 [heap]\n'
                b'00900000-00900800 r-xp 00000000 08:01 16 /opt/lib\n'
                b'\n\n\n' + b'0' * 5000)
        mods = [(0x400000, 0x4000, '/opt/app'), (0x500000, 0x1000, '/opt/n'), (0x900000, 0x800, '/opt/lib')]
        mem = [(0x401ff0, bytes(range(32))), (0x403000, b'\xaa' * 16), (0x800010, b'\xbb' * 8)]
        dump = write(os.path.join(TMP, 'maps.dmp'),
                     mdmp.build([(9, mdmp.context(rip=0x401ff8, rsp=0x800010))], mem, mods, maps, crash_tid=9))
        _, c = export(dump)
        page, files = elfcore.nt_file([n['desc'] for n in c.notes if n['type'] == elfcore.NT_FILE][0])
        # Text and the module whose path a NUL cuts; not RELRO, not shared,
        # not files that are no module, not [heap].
        self.assertEqual(files, [(0x400000, 0x402000, 0, b'/opt/app'), (0x500000, 0x501000, 0, b'/opt/n'),
                                 (0x900000, 0x900800, 0, b'/opt/lib')])
        # The capture across r-xp and r--p is split at the boundary.
        self.assertEqual([(p['vaddr'], p['memsz'], p['flags']) for p in c.loads],
                         [(0x401ff0, 16, elfcore.PF_R | elfcore.PF_X), (0x402000, 16, elfcore.PF_R),
                          (0x403000, 16, elfcore.PF_R | elfcore.PF_W), (0x800010, 8, elfcore.PF_R)])
        self.assertEqual(c.read(0x401ff0, 32), bytes(range(32)))

    def test_pn_xnum_boundary(self):
        # 65534 program headers still fit e_phnum; 65535 is PN_XNUM itself,
        # so the count moves to the section header (ELF's rule).
        for n, want in ((65533, 65534), (65534, elfcore.PN_XNUM)):
            mem = [(0x10000000 + i * 4096, b'\1') for i in range(n)]
            dump = write(os.path.join(TMP, 'edge-%d.dmp' % n),
                         mdmp.build([(7, mdmp.context(rip=0x10000000, rsp=0x10000000))], mem, crash_tid=7))
            _, c = export(dump)
            self.assertEqual((c.e_phnum, c.phnum, c.e_shnum), (want, n + 1, 0 if want != elfcore.PN_XNUM else 1))

    def test_duplicate_tids_and_hostile_text(self):
        ctx = mdmp.context(rip=0x1000, rsp=0x2000)
        dump = write(os.path.join(TMP, 'dup.dmp'),
                     mdmp.build([(5, ctx), (6, ctx), (5, ctx), (6, None)], [(0x2000, b'\0' * 8)], crash_tid=6))
        _, c = export(dump)
        st = [elfcore.prstatus(n['desc']) for n in c.notes if n['type'] == elfcore.NT_PRSTATUS]
        self.assertEqual([s['pid'] for s in st], [6, 5])   # the crashing thread first, each tid once

    def test_no_threads(self):
        dump = write(os.path.join(TMP, 'nothreads.dmp'), mdmp.build([], [(0x1000, b'x')]))
        r = run('export', '--core', '-o', os.path.join(TMP, 'nothreads.core'), dump, ok=(1,))
        self.assertEqual(r.stderr.decode(), 'crashctl: export: %s: the dump has no threads\n'
                         % os.path.join(TMP, 'nothreads.core'))
        self.assertFalse(os.path.exists(os.path.join(TMP, 'nothreads.core')))


class Errors(unittest.TestCase):
    def check_bad(self, dump, reason):
        out = os.path.join(TMP, 'bad.core')
        r = run('export', '--core', '-o', out, dump, ok=(1,))
        err = r.stderr.decode()
        self.assertEqual(r.stdout, b'')
        self.assertTrue(err.endswith('\n') and err.count('\n') == 1, repr(err))
        self.assertTrue(err.startswith('crashctl: %s: %s' % (dump, reason)), repr(err))
        self.assertFalse(os.path.exists(out))

    def test_corrupted(self):
        with open(make('good.dmp.zst'), 'rb') as f:
            good = f.read()
        self.check_bad(write(os.path.join(TMP, 'truncated.dmp.zst'), good[:len(good) // 2]), 'zstd: ')
        with open(make('good.dmp', '--raw'), 'rb') as f:
            raw = f.read()
        self.check_bad(write(os.path.join(TMP, 'cut.dmp'), raw[:-1]), 'stream ')
        self.check_bad(write(os.path.join(TMP, 'elf'), b'\x7fELF' + bytes(60)), 'not a minidump')
        self.check_bad(write(os.path.join(TMP, 'empty.dmp'), b''), 'empty file')
        self.check_bad(os.path.join(TMP, 'missing.dmp'), 'cannot open: No such file or directory')
        # Every cut of a raw dump: an error or a core, never a crash.
        for k in range(0, len(raw), max(1, len(raw) // 97)):
            dump = write(os.path.join(TMP, 'cut-%d.dmp' % k), raw[:k])
            r = run('export', '--core', '-o', os.path.join(TMP, 'cut.core'), dump, ok=(0, 1))
            self.assertEqual(r.stderr.count(b'\n'), 1 if r.returncode else 0, (k, r.stderr))

    def test_output_errors(self):
        dump = make('out.dmp.zst')
        r = run('export', '--core', '-o', '/dev/full', dump, ok=(1,))
        self.assertEqual(r.stderr.decode(), 'crashctl: export: /dev/full: writing the core: No space left on device\n')
        r = run('export', '--core', '-o', os.path.join(TMP, 'no', 'such', 'dir.core'), dump, ok=(1,))
        self.assertEqual(r.stderr.count(b'\n'), 1)
        self.assertIn(b'No such file or directory', r.stderr)

    def test_usage(self):
        dump = make('usage.dmp.zst')
        # ('export --core' alone is the newest stored crash: not a usage error.)
        for args in (['export'], ['export', dump], ['export', '--core', dump, dump], ['export', '--core', 'NOSUCH=1'],
                     ['export', '--core', '--bogus', dump], ['export', '--core', '-o'], ['export', '--core', '-o', '', dump]):
            r = run(*args, ok=(2,))
            self.assertEqual(r.stdout, b'', args)
            self.assertTrue(r.stderr.startswith(b'crashctl: export: '), (args, r.stderr))
            self.assertEqual(r.stderr.count(b'\n'), 1, r.stderr)
        self.assertIn('--core', run('export', '--help').stdout.decode())
        self.assertIn('  export ', run('--help').stdout.decode())
        # -o - to a terminal: refused.
        master, slave = pty.openpty()
        try:
            r = subprocess.run([CRASHCTL, 'export', '--core', '-o', '-', dump], stdout=slave,
                               stderr=subprocess.PIPE, timeout=60)
        finally:
            os.close(slave)
            os.close(master)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b'refusing to write a core file to a terminal', r.stderr)


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit('usage: test-export.py CRASHCTL MAKE_SAMPLE_DUMP')
    CRASHCTL, MAKE_DUMP = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix='test-export-') as TMP:
        prog = unittest.main(argv=[sys.argv[0], '-v'], exit=False)
    sys.exit(0 if prog.result.wasSuccessful() else 1)
